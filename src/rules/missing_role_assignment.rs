#![doc = include_str!("../../rules/docs/missing-role-assignment.md")]

use super::overbroad_role::applicable_targets;
use super::role_reading::{
    self, identities_of, provider_of, read_role, with_parents, RoleRef, Scope, Source,
};
use super::{Context, Finding, Rule};
use crate::catalog::service_roles::Intent;
use crate::config::Level;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::fix;
use crate::generate::{self, Plan, Principal};
use crate::graph::decl::{Language, ParentDecl};
use crate::graph::edges::EdgeKind;
use crate::graph::Resource;
use crate::source::Span;

pub static RULE: Rule = Rule {
    id: "missing-role-assignment",
    summary: "compute with an identity that uses an AI resource but holds no data-plane role on it",
    default_level: Level::Warning,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/missing-role-assignment.md"),
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let assignments = role_reading::assignments(cx);
    let mut findings: Vec<Finding> = Vec::new();
    for edge in cx.edges {
        let EdgeKind::Uses { app, target } = edge.kind else {
            continue;
        };
        let target_resource = cx.graph.resource(target);
        if target_resource.existing || !is_ai(cx, target_resource) {
            continue;
        }
        let Some(identities) = identities_of(cx, app) else {
            continue;
        };
        if identities.is_empty() {
            continue;
        }
        let provider = provider_of(&target_resource.type_name);
        let scopes = with_parents(cx, target);
        let granted = assignments.iter().any(|a| {
            let for_app = match a.principal {
                Some(p) => identities.contains(&p),
                // A principal the graph cannot follow may well be this app.
                None => true,
            };
            let on_target = match a.scope {
                Scope::Resource(s) => scopes.contains(&s),
                Scope::Deployment(_) | Scope::Unknown | Scope::Module(_) => true,
            };
            let grants = match a
                .role
                .map(|r| read_role(cx, r, matches!(a.source, Source::Avm { .. })))
            {
                Some(RoleRef::Guid { id, .. }) => cx
                    .catalog
                    .roles
                    .by_id(&id)
                    .is_none_or(|role| role.grants_data_on(provider)),
                Some(RoleRef::Name { name, .. }) => cx
                    .catalog
                    .roles
                    .by_name(&name)
                    .is_none_or(|m| m.role.grants_data_on(provider)),
                _ => true,
            };
            for_app && on_target && grants
        });
        if granted {
            continue;
        }
        let app_resource = cx.graph.resource(app);
        let role = applicable_targets(cx, target_resource)
            .into_iter()
            .find_map(|t| {
                [Intent::Inference, Intent::Read].iter().find_map(|intent| {
                    t.roles
                        .iter()
                        .find(|r| r.intent == *intent && r.default && r.assignment == "azure-rbac")
                })
            })
            .and_then(|r| Some((r.name.as_deref()?, r.id.as_deref()?)));
        let message = format!(
            "`{}` uses `{}` but its identity has no data-plane role on it",
            app_resource.display_name(),
            target_resource.display_name()
        );
        let principal = if identities.contains(&app) {
            Principal::System(app, app_resource)
        } else {
            let uami = identities[0];
            Principal::UserAssigned(uami, cx.graph.resource(uami))
        };
        let plan = role
            .and_then(|(_, id)| cx.catalog.roles.by_id(id))
            .map(|role| Plan {
                template: app_resource.template,
                principal,
                target: target_resource,
                target_index: target,
                role,
                notes: Vec::new(),
            });
        let language = cx.graph.template(app_resource.template).language;
        let file = cx.files.get(app_resource.declaration.file.0 as usize);
        let snippet = plan
            .as_ref()
            .zip(file)
            .map(|(plan, file)| generate::render(cx.graph, plan, language, file));
        let help = match (role, &snippet) {
            (Some((name, _)), Some(snippet)) => format!(
                "grant it `{name}` on `{}`:\n{}",
                target_resource.display_name(),
                snippet.trim_end()
            ),
            _ => format!(
                "grant its identity a data-plane role on `{}` (`keyless roles` lists them)",
                target_resource.display_name()
            ),
        };
        let fix = plan
            .as_ref()
            .zip(snippet.as_deref())
            .and_then(|(plan, snippet)| insert_after(cx, app_resource, plan, snippet));
        let finding = Finding::new(app_resource.anchor, message)
            .help(help)
            .related(
                target_resource.anchor,
                format!("`{}` is declared here", target_resource.display_name()),
            )
            .resource(app)
            .fix(fix);
        if !findings
            .iter()
            .any(|f| f.at == finding.at && f.message == finding.message)
        {
            findings.push(finding);
        }
    }
    findings
}

/// AI services: the types whose key switch `local-auth.json` marks as an AI service.
fn is_ai(cx: &Context, resource: &Resource) -> bool {
    cx.catalog
        .local_auth
        .switches_for(&resource.type_name)
        .any(|s| s.ai_service)
}

/// Inserts the generated assignment after the app's declaration: a Bicep declaration of its
/// own, or the next element of the ARM `resources` array. Only where both ends are in the same
/// template, neither in a loop, and the app is not declared inside another resource.
fn insert_after(cx: &Context, app: &Resource, plan: &Plan, snippet: &str) -> Option<Fix> {
    if app.in_loop || plan.target.in_loop || plan.target.template != app.template || app.existing {
        return None;
    }
    let decl = generate::decl_of(cx.graph, app)?;
    if matches!(decl.parent, Some(ParentDecl::Enclosing(_))) {
        return None;
    }
    let file_id = app.declaration.file;
    let file = cx.files.get(file_id.0 as usize)?;
    let text = &file.text;
    let style = file.style();
    let end = app.declaration.span.end as usize;
    let start = app.declaration.span.start as usize;
    let indent = fix::line_indent(text, start);
    let insert = match cx.graph.template(app.template).language {
        Language::Bicep => {
            if !indent.is_empty() {
                return None;
            }
            format!(
                "{nl}{nl}{}",
                fix::reindent(snippet.trim_end(), "", style),
                nl = style.newline
            )
        }
        Language::Arm => {
            // An element of the `resources` array (languageVersion 2.0 keys them by symbol).
            let before = text[..start].trim_end();
            if !(before.ends_with('[') || before.ends_with(',')) {
                return None;
            }
            format!(
                ",{}{indent}{}",
                style.newline,
                fix::reindent(snippet.trim_end(), indent, style)
            )
        }
    };
    Some(Fix {
        description: format!(
            "grant `{}` to `{}` on `{}`",
            plan.role.name,
            plan.principal.symbol(),
            plan.target.symbol
        ),
        applicability: Applicability::Safe,
        edits: vec![Edit {
            file: file_id,
            span: Span::at(end),
            insert,
        }],
    })
}
