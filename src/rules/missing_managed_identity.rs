#![doc = include_str!("../../rules/docs/missing-managed-identity.md")]

use super::{Context, Finding, Rule};
use crate::config::Level;
use crate::diagnostic::{Applicability, Fix};
use crate::fix::{self, Snippet};
use crate::generate;
use crate::graph::value::ValueKind;
use crate::graph::Resource;

pub static RULE: Rule = Rule {
    id: "missing-managed-identity",
    summary: "compute without a managed identity, or with `identity.type: 'None'`",
    default_level: Level::Warning,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/missing-managed-identity.md"),
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, resource) in cx.graph.resources() {
        if resource.existing {
            continue;
        }
        let Some(host) = cx.catalog.compute.host(&resource.type_name) else {
            continue;
        };
        if !host.workload {
            continue;
        }
        let symbol = &resource.display_name();
        let help = match (host.system_assigned, host.user_assigned) {
            (true, _) => "add `identity: { type: 'SystemAssigned' }` and grant it a data-plane role on what the app calls",
            (false, true) => "add a user-assigned identity (`identity: { type: 'UserAssigned', userAssignedIdentities: { … } }`) and grant it a data-plane role",
            (false, false) => continue,
        };
        let identity = resource.body.get(&host.identity_path);
        let problem = match identity.map(|i| (i, i.get("type"))) {
            None => Some((resource.anchor, format!("`{symbol}` has no managed identity, so it can only reach other services with keys"))),
            Some((identity, _)) if matches!(identity.kind, ValueKind::Null) => {
                Some((identity.origin, format!("`{symbol}` has no managed identity (`identity` is `null`)")))
            }
            Some((_, Some(kind))) => match kind.as_str() {
                Some(text) if identity_kinds(text).is_empty() || identity_kinds(text) == ["none"] => Some((
                    kind.origin,
                    format!("`{symbol}` has `identity.type` `'{text}'`, so it can only reach other services with keys"),
                )),
                _ => None,
            },
            // An identity object without a type (or a type only the deployment knows).
            Some((_, None)) => None,
        };
        if let Some((at, message)) = problem {
            let fix = host
                .system_assigned
                .then(|| fix(cx, resource, &host.identity_path))
                .flatten();
            findings.push(
                Finding::new(at, message)
                    .help(help)
                    .resource(index)
                    .fix(fix),
            );
        }
    }
    findings
}

/// Turns the system-assigned identity on: inserts `identity: { type: 'SystemAssigned' }` where
/// there is no identity, or replaces a literal `'None'`. An `identity` written as something
/// else (`null`, a variable) is left to the user.
fn fix(cx: &Context, resource: &Resource, identity_path: &str) -> Option<Fix> {
    let system = || Snippet::String("SystemAssigned".to_owned());
    let edits = match resource.body.get(identity_path) {
        None => {
            let decl = generate::decl_of(cx.graph, resource)?;
            let file = cx.files.get(resource.declaration.file.0 as usize)?;
            let segments: Vec<&str> = identity_path.split('.').chain(["type"]).collect();
            fix::set_path(
                resource.declaration.file,
                file,
                &decl.body,
                &segments,
                system(),
            )?
        }
        Some(identity) => {
            let kind = identity.get("type")?;
            vec![fix::replace_literal(
                cx.graph,
                cx.files,
                kind.origin,
                &system(),
            )?]
        }
    };
    Some(Fix {
        description: "add a system-assigned identity".to_owned(),
        applicability: Applicability::Safe,
        edits,
    })
}

/// `'SystemAssigned, UserAssigned'` → `["systemassigned", "userassigned"]`: a set, compared
/// ignoring case and spaces, as providers spell the combined value both ways.
fn identity_kinds(text: &str) -> Vec<String> {
    let mut kinds: Vec<String> = text
        .split(',')
        .map(|part| part.trim().to_ascii_lowercase())
        .filter(|part| !part.is_empty())
        .collect();
    kinds.sort();
    kinds
}

#[cfg(test)]
mod tests {
    use super::identity_kinds;

    #[test]
    fn identity_types_are_sets() {
        assert_eq!(
            identity_kinds("SystemAssigned,UserAssigned"),
            identity_kinds("userassigned, systemAssigned")
        );
        assert_eq!(identity_kinds("None"), ["none"]);
        assert!(identity_kinds(" ").is_empty());
    }
}
