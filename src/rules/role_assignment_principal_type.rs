#![doc = include_str!("../../rules/docs/role-assignment-principal-type.md")]

use super::role_reading::{self, Source};
use super::{Context, Finding, Rule};
use crate::config::Level;
use crate::graph::value::ValueKind;

pub static RULE: Rule = Rule {
    id: "role-assignment-principal-type",
    summary: "`principalType` missing for a managed identity created in the same deployment, or contradicting the principal",
    default_level: Level::Warning,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/role-assignment-principal-type.md"),
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for assignment in role_reading::assignments(cx) {
        if assignment.cosmos {
            continue;
        }
        let Some(principal) = assignment.principal else {
            continue;
        };
        let identity = cx.graph.resource(principal);
        if identity.existing {
            continue;
        }
        let name = identity.display_name();
        let finding = match assignment.principal_type.map(|v| &v.kind) {
            None | Some(ValueKind::Null) => Finding::new(
                assignment.principal_id.map_or(assignment.anchor, |v| v.origin),
                format!("`principalType` is not set for the new managed identity of `{name}`"),
            )
            .help("set `principalType: 'ServicePrincipal'`, so the assignment does not fail with `PrincipalNotFound` while the new identity replicates"),
            Some(ValueKind::String(kind)) if !kind.eq_ignore_ascii_case("ServicePrincipal") => {
                Finding::new(
                    assignment.principal_type.map_or(assignment.anchor, |v| v.origin),
                    format!("`principalType` is `'{kind}'`, but the principal is the managed identity of `{name}`"),
                )
                .help("set `principalType: 'ServicePrincipal'`; a managed identity is a service principal")
            }
            _ => continue,
        };
        let mut finding = finding.related(identity.anchor, format!("`{name}` is declared here"));
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
