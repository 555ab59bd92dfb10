#![doc = include_str!("../../rules/docs/prefer-user-assigned-identity.md")]

use super::role_reading::{self, is_user_assigned_identity, role_of, Scope, Source};
use super::{Context, Finding, Rule};
use crate::config::Level;
use crate::graph::value::ResourceIndex;

pub static RULE: Rule = Rule {
    id: "prefer-user-assigned-identity",
    summary: "several apps, each with its own system identity and the same role on the same target",
    default_level: Level::Info,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/prefer-user-assigned-identity.md"),
    check,
};

/// A (role id, target) pair and the (app, assignment) pairs that hold it.
type Group = ((String, ResourceIndex), Vec<(ResourceIndex, ResourceIndex)>);

/// How many apps with the same grant make a shared identity worth it.
const THRESHOLD: usize = 3;

fn check(cx: &Context) -> Vec<Finding> {
    // (role id, target) → the apps, with the assignment of each.
    let mut groups: Vec<Group> = Vec::new();
    for assignment in role_reading::assignments(cx) {
        let (Source::Resource(index), Scope::Resource(target), Some(principal)) =
            (assignment.source, assignment.scope, assignment.principal)
        else {
            continue;
        };
        let app = cx.graph.resource(principal);
        if is_user_assigned_identity(&app.type_name) || app.existing {
            continue;
        }
        let Some((role, _)) = role_of(cx, assignment) else {
            continue;
        };
        let key = (role.id.clone(), target);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, apps)) => {
                if !apps.iter().any(|(a, _)| *a == principal) {
                    apps.push((principal, index));
                }
            }
            None => groups.push((key, vec![(principal, index)])),
        }
    }
    let mut findings = Vec::new();
    for ((role_id, target), apps) in groups {
        if apps.len() < THRESHOLD {
            continue;
        }
        let role = cx
            .catalog
            .roles
            .by_id(&role_id)
            .map_or(role_id.as_str(), |r| r.name.as_str());
        let target = cx.graph.resource(target);
        let names: Vec<String> = apps
            .iter()
            .map(|(a, _)| format!("`{}`", cx.graph.resource(*a).display_name()))
            .collect();
        let (first, _) = apps[0];
        let mut finding = Finding::new(
            cx.graph.resource(first).anchor,
            format!(
                "{} apps ({}) each hold `{role}` on `{}` with their own system-assigned identity",
                apps.len(),
                names.join(", "),
                target.display_name()
            ),
        )
        .help(
            "create one user-assigned identity, grant it the role once, and attach it to each app",
        )
        .resource(first);
        for (_, grant) in &apps {
            finding = finding.related(cx.graph.resource(*grant).anchor, "one of the grants");
        }
        findings.push(finding);
    }
    findings
}
