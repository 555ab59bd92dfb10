#![doc = include_str!("../../rules/docs/missing-role-assignment.md")]

use super::overbroad_role::applicable_targets;
use super::role_reading::{
    self, identities_of, provider_of, read_role, with_parents, RoleRef, Scope, Source,
};
use super::{Context, Finding, Rule};
use crate::catalog::service_roles::Intent;
use crate::config::Level;
use crate::graph::decl::Language;
use crate::graph::edges::EdgeKind;
use crate::graph::Resource;

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
        let language = cx.graph.template(app_resource.template).language;
        let help = match role {
            Some((name, id)) => format!(
                "grant it `{name}` on `{}`:\n{}",
                target_resource.display_name(),
                snippet(language, app_resource, target_resource, name, id)
            ),
            None => format!(
                "grant its identity a data-plane role on `{}` (`keyless roles` lists them)",
                target_resource.display_name()
            ),
        };
        let finding = Finding::new(app_resource.anchor, message)
            .help(help)
            .related(
                target_resource.anchor,
                format!("`{}` is declared here", target_resource.display_name()),
            )
            .resource(app);
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

/// The role assignment that grants `app`'s system-assigned identity `role` on `target`.
// FIXME(generator): moves to `src/generate/` with `keyless generate role-assignment`.
pub fn snippet(
    language: Language,
    app: &Resource,
    target: &Resource,
    role_name: &str,
    role_id: &str,
) -> String {
    let symbol: String = role_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    match language {
        Language::Bicep => format!(
            "resource {app}{symbol} 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  name: guid({target}.id, {app}.id, '{role_id}')\n  scope: {target}\n  properties: {{\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role_id}')\n    principalId: {app}.identity.principalId\n    principalType: 'ServicePrincipal'\n  }}\n}}",
            app = app.symbol,
            target = target.symbol,
        ),
        Language::Arm => {
            let target_id = format!("resourceId('{}', '{}')", target.type_name, target.name.as_str().unwrap_or("<name>"));
            let app_id = format!("resourceId('{}', '{}')", app.type_name, app.name.as_str().unwrap_or("<name>"));
            let version = app.api_version.as_deref().unwrap_or("2023-01-01");
            format!(
                "{{\n  \"type\": \"Microsoft.Authorization/roleAssignments\",\n  \"apiVersion\": \"2022-04-01\",\n  \"scope\": \"[{target_id}]\",\n  \"name\": \"[guid({target_id}, {app_id}, '{role_id}')]\",\n  \"properties\": {{\n    \"roleDefinitionId\": \"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role_id}')]\",\n    \"principalId\": \"[reference({app_id}, '{version}', 'full').identity.principalId]\",\n    \"principalType\": \"ServicePrincipal\"\n  }}\n}}"
            )
        }
    }
}
