#![doc = include_str!("../../rules/docs/overbroad-scope.md")]

use super::role_reading::{self, apps_of, provider_of, role_of, Scope, Source};
use super::{Context, Finding, Rule};
use crate::config::Level;
use crate::graph::edges::EdgeKind;
use crate::graph::value::ResourceIndex;

pub static RULE: Rule = Rule {
    id: "overbroad-scope",
    summary: "an app identity's data-plane role granted at resource group or subscription scope where the resource it uses is known",
    default_level: Level::Warning,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/overbroad-scope.md"),
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for assignment in role_reading::assignments(cx) {
        let Scope::Deployment(level) = assignment.scope else {
            continue;
        };
        if !matches!(level, "resourceGroup" | "subscription") {
            continue;
        }
        let Some(principal) = assignment.principal else {
            continue;
        };
        let Some((role, reference)) = role_of(cx, assignment) else {
            continue;
        };
        if role.data_actions.is_empty() {
            continue;
        }
        let apps = apps_of(cx, principal);
        let mut used: Vec<ResourceIndex> = cx
            .edges
            .iter()
            .filter_map(|e| match e.kind {
                EdgeKind::Uses { app, target } if apps.contains(&app) => Some(target),
                _ => None,
            })
            .filter(|&t| role.grants_data_on(provider_of(&cx.graph.resource(t).type_name)))
            .collect();
        used.sort();
        used.dedup();
        let Some(&first) = used.first() else {
            continue;
        };
        let names: Vec<String> = used
            .iter()
            .map(|&t| format!("`{}`", cx.graph.resource(t).display_name()))
            .collect();
        let who = cx.graph.resource(principal).display_name();
        let scope_word = if level == "subscription" {
            "subscription"
        } else {
            "resource group"
        };
        let message = format!(
            "`{}` is granted to the identity of `{who}` on the whole {scope_word}, but it only uses {}",
            role.name,
            names.join(", ")
        );
        let target = cx.graph.resource(first);
        let help = format!(
            "scope the assignment to the resource: `scope: {}` (one assignment per resource it uses)",
            target.display_name()
        );
        let at = match assignment.source {
            Source::Resource(index) => cx
                .graph
                .resource(index)
                .body
                .get("scope")
                .map_or(assignment.anchor, |v| v.origin),
            Source::Avm { .. } => reference.at().unwrap_or(assignment.anchor),
        };
        let mut finding = Finding::new(at, message).help(help).related(
            target.anchor,
            format!("`{}` is declared here", target.display_name()),
        );
        if let Source::Resource(index) = assignment.source {
            finding = finding.resource(index);
        }
        if !findings
            .iter()
            .any(|f| f.at == finding.at && f.message == finding.message)
        {
            findings.push(finding);
        }
    }
    findings
}
