#![doc = include_str!("../../rules/docs/role-target-mismatch.md")]

use super::role_reading::{self, provider_of, role_of, Scope};
use super::{Context, Finding, Rule};
use crate::config::Level;

pub static RULE: Rule = Rule {
    id: "role-target-mismatch",
    summary: "a role that grants no action or data action on the target's resource provider",
    default_level: Level::Error,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/role-target-mismatch.md"),
    check,
};

/// Providers whose resources are containers of others, where any role may be assigned.
const CONTAINERS: &[&str] = &[
    "Microsoft.Resources",
    "Microsoft.Management",
    "Microsoft.Authorization",
];

fn check(cx: &Context) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for assignment in role_reading::assignments(cx) {
        if assignment.cosmos {
            continue;
        }
        let Scope::Resource(scope) = assignment.scope else {
            continue;
        };
        let Some((role, reference)) = role_of(cx, assignment) else {
            continue;
        };
        let target = cx.graph.resource(scope);
        let provider = provider_of(&target.type_name);
        if CONTAINERS.iter().any(|c| c.eq_ignore_ascii_case(provider)) || role.grants_on(provider) {
            continue;
        }
        let Some(at) = reference.at() else {
            continue;
        };
        let message = format!(
            "`{}` grants nothing on `{}`, the provider of `{}`",
            role.name,
            provider,
            target.display_name()
        );
        let suggestions: Vec<String> = cx
            .catalog
            .service_roles
            .targets_of(&target.type_name)
            .flat_map(|t| &t.roles)
            .filter(|r| r.default)
            .filter_map(|r| r.name.as_ref())
            .fold(Vec::new(), |mut names, name| {
                let name = format!("`{name}`");
                if !names.contains(&name) {
                    names.push(name);
                }
                names
            });
        let help = if suggestions.is_empty() {
            format!("assign a role with permissions on `{provider}`, or assign this role on the resource it is meant for")
        } else {
            format!(
                "assign a role for `{}` such as {}, or assign `{}` on the resource it is meant for",
                target.type_name,
                suggestions
                    .into_iter()
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(", "),
                role.name
            )
        };
        let mut finding = Finding::new(at, message).help(help).related(
            target.anchor,
            format!("`{}` is declared here", target.display_name()),
        );
        if let role_reading::Source::Resource(index) = assignment.source {
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
