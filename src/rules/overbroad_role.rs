#![doc = include_str!("../../rules/docs/overbroad-role.md")]

use super::role_reading::{
    self, is_app_principal, provider_of, role_of, Assignment, Scope, Source,
};
use super::{Context, Finding, Rule};
use crate::catalog::roles::Role;
use crate::catalog::service_roles::{Intent, Target};
use crate::config::Level;
use crate::graph::value::ValueKind;
use crate::graph::Resource;

pub static RULE: Rule = Rule {
    id: "overbroad-role",
    summary: "Owner, Contributor, role-assigning, wildcard or key-listing roles, or a control-plane role where a data-plane role serves, given to an app identity",
    default_level: Level::Warning,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/overbroad-role.md"),
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for assignment in role_reading::assignments(cx) {
        if assignment.cosmos || is_app_principal(assignment) != Some(true) {
            continue;
        }
        let Some((role, reference)) = role_of(cx, assignment) else {
            continue;
        };
        let target = match assignment.scope {
            Scope::Resource(index) => Some(cx.graph.resource(index)),
            _ => None,
        };
        let Some(why) = Why::find(cx, role, target, assignment) else {
            continue;
        };
        let at = reference.at().unwrap_or(assignment.anchor);
        let who = match assignment.principal {
            Some(p) => format!("the identity of `{}`", cx.graph.resource(p).display_name()),
            None => "an app identity".to_owned(),
        };
        let message = format!("`{}` is overbroad for {who}: {}", role.name, why.reason);
        let mut finding = Finding::new(at, message).help(why.help);
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

struct Why {
    reason: String,
    help: String,
}

impl Why {
    fn find<'c>(
        cx: &Context<'c>,
        role: &Role,
        target: Option<&'c Resource>,
        assignment: &Assignment,
    ) -> Option<Why> {
        let tables = &cx.catalog.service_roles;
        let targets: Vec<&Target> = target
            .map(|t| applicable_targets(cx, t))
            .unwrap_or_default();
        let alternative = target.and_then(|t| least_privilege(&targets).map(|name| (t, name)));
        let help_with = |fallback: Option<&str>| match (&alternative, fallback) {
            (Some((t, name)), _) => format!("assign `{name}` on `{}` instead", t.display_name()),
            (None, Some(text)) => format!("assign {} instead", text.replace(" (see targets)", "")),
            (None, None) => {
                "assign the service's least-privilege data-plane role on the resource instead"
                    .to_owned()
            }
        };
        // Overbroad on this target (Cognitive Services User on an OpenAI account, …).
        for t in &targets {
            if let Some(entry) = t
                .overbroad
                .iter()
                .find(|o| o.id.eq_ignore_ascii_case(&role.id))
            {
                let reason = if entry.category == "key-listing" {
                    "it can list the service's keys".to_owned()
                } else {
                    format!(
                        "it grants more than an app needs on `{}`",
                        target.map_or(String::new(), |t| t.display_name())
                    )
                };
                return Some(Why {
                    reason,
                    help: help_with(entry.alternative.as_deref()),
                });
            }
        }
        if let Some(entry) = tables
            .overbroad_roles
            .iter()
            .find(|o| o.id.eq_ignore_ascii_case(&role.id))
        {
            // Reader reads no data; it is overbroad only where a data-plane role serves.
            if entry.category != "no-data-access" || !targets.is_empty() {
                return Some(Why {
                    reason: entry.reason.clone(),
                    help: help_with(entry.alternative.as_deref()),
                });
            }
        }
        if role.is_wildcard() {
            return Some(Why {
                reason: "its actions include `*`".to_owned(),
                help: help_with(None),
            });
        }
        let scope_provider = target.map(|t| provider_of(&t.type_name));
        for operation in &tables.key_operations {
            if !operation
                .roles
                .iter()
                .any(|r| r.id.eq_ignore_ascii_case(&role.id))
            {
                continue;
            }
            let relevant = match (scope_provider, assignment.scope) {
                (Some(p), _) => provider_of(&operation.operation).eq_ignore_ascii_case(p),
                (None, Scope::Deployment(_)) => true,
                _ => false,
            };
            if relevant {
                return Some(Why {
                    reason: format!("it can list keys (`{}`)", operation.operation),
                    help: help_with(None),
                });
            }
        }
        None
    }
}

/// The targets of `service-roles.json` that apply to a resource: same type, and every match
/// condition holds (a condition on an unknown value does not hold).
pub fn applicable_targets<'c>(cx: &Context<'c>, resource: &'c Resource) -> Vec<&'c Target> {
    cx.catalog
        .service_roles
        .targets_of(&resource.type_name)
        .filter(|t| t.auto_match)
        .filter(|t| {
            t.conditions.iter().all(|c| {
                resource
                    .body
                    .path(&c.path)
                    .and_then(|v| match &v.kind {
                        ValueKind::String(s) => Some(&**s),
                        _ => None,
                    })
                    .is_some_and(|v| c.one_of.iter().any(|o| o.eq_ignore_ascii_case(v)))
            })
        })
        .collect()
}

/// The default role of the first target for the narrowest intent it lists.
pub fn least_privilege<'c>(targets: &[&'c Target]) -> Option<&'c str> {
    [
        Intent::Inference,
        Intent::Read,
        Intent::Write,
        Intent::Admin,
    ]
    .iter()
    .find_map(|intent| {
        targets.iter().find_map(|t| {
            t.roles
                .iter()
                .find(|r| r.intent == *intent && r.default && r.assignment == "azure-rbac")
                .and_then(|r| r.name.as_deref())
        })
    })
}
