#![doc = include_str!("../../rules/docs/unknown-role-id.md")]

use super::role_reading::{self, labels_around, read_role, RoleRef, Source};
use super::{Context, Finding, Rule};
use crate::config::Level;

pub static RULE: Rule = Rule {
    id: "unknown-role-id",
    summary: "a role GUID that is neither a built-in role nor a custom role defined in the scanned templates or config",
    default_level: Level::Error,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/unknown-role-id.md"),
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let custom = role_reading::custom_role_ids(cx, cx.custom_role_ids);
    let mut findings: Vec<Finding> = Vec::new();
    for assignment in role_reading::assignments(cx) {
        // Cosmos DB assignments name native roles (built-in or `sqlRoleDefinitions`).
        if assignment.cosmos {
            continue;
        }
        let Some(value) = assignment.role else {
            continue;
        };
        let avm = matches!(assignment.source, Source::Avm { .. });
        let role = read_role(cx, value, avm);
        let Some(problem) = Problem::find(cx, &role, &custom) else {
            continue;
        };
        let Some(at) = role.at() else {
            continue;
        };
        let mut finding = Finding::new(at, problem.message()).help(problem.help(cx, at));
        if !contains(assignment.declaration, at) {
            finding = finding.related(assignment.anchor, "the role is assigned here");
        }
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

enum Problem<'c> {
    UnknownId(String),
    UnknownName(String),
    Cosmos(String, &'c str),
    Removed(String, &'c str),
}

impl<'c> Problem<'c> {
    fn find(cx: &Context<'c>, role: &RoleRef, custom: &[String]) -> Option<Problem<'c>> {
        let roles = &cx.catalog.roles;
        match role {
            RoleRef::Guid { id, .. } => {
                if roles.is_known(id, custom) {
                    return None;
                }
                if let Some(cosmos) = roles.cosmos(id) {
                    return Some(Problem::Cosmos(id.clone(), &cosmos.name));
                }
                if let Some(removed) = roles.removed(id) {
                    return Some(Problem::Removed(id.clone(), &removed.last_name));
                }
                Some(Problem::UnknownId(id.clone()))
            }
            RoleRef::Name { name, .. } => {
                if roles.by_name(name).is_some() {
                    return None;
                }
                Some(Problem::UnknownName(name.clone()))
            }
            _ => None,
        }
    }

    fn message(&self) -> String {
        match self {
            Problem::UnknownId(id) => format!("`{id}` is not the id of a built-in or custom role"),
            Problem::UnknownName(name) => format!("`{name}` is not the name of a built-in role"),
            Problem::Cosmos(id, name) => {
                format!("`{id}` is the Cosmos DB data-plane role `{name}`, not an Azure RBAC role")
            }
            Problem::Removed(id, name) => {
                format!("`{id}` was the built-in role `{name}`, which no longer exists")
            }
        }
    }

    fn help(&self, cx: &Context, at: crate::graph::value::Origin) -> String {
        let roles = &cx.catalog.roles;
        match self {
            Problem::Cosmos(..) => "assign it with a `Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments` resource on the account, or use an Azure RBAC role here".to_owned(),
            Problem::Removed(..) => "choose a current built-in role (`keyless roles QUERY` finds one)".to_owned(),
            Problem::UnknownId(id) => {
                let mut near: Vec<String> = roles
                    .nearest_ids(id, 2)
                    .into_iter()
                    .map(|r| format!("`{}` (`{}`)", r.name, r.id))
                    .collect();
                // The name written around the GUID may say which role was meant.
                if let Some(label) = labels_around(cx, at).first() {
                    for role in roles.nearest_names(&super::role_name_mismatch::strip(&label.name), 2) {
                        let text = format!("`{}` (`{}`)", role.name, role.id);
                        if !near.contains(&text) {
                            near.push(text);
                        }
                    }
                }
                match near.as_slice() {
                    [] => "check the GUID (`keyless roles QUERY` finds built-in roles), or list a custom role under `customRoles` in `keyless.json`".to_owned(),
                    _ => format!(
                        "did you mean {}? If it is a custom role, list it under `customRoles` in `keyless.json`",
                        near.join(" or ")
                    ),
                }
            }
            Problem::UnknownName(name) => {
                let near: Vec<String> = roles
                    .nearest_names(name, 3)
                    .into_iter()
                    .map(|r| format!("`{}`", r.name))
                    .collect();
                if near.is_empty() {
                    "use a built-in role name or id (`keyless roles QUERY` finds one)".to_owned()
                } else {
                    format!("did you mean {}?", near.join(" or "))
                }
            }
        }
    }
}

fn contains(outer: crate::graph::value::Origin, inner: crate::graph::value::Origin) -> bool {
    outer.file == inner.file
        && outer.span.start <= inner.span.start
        && inner.span.end <= outer.span.end
}
