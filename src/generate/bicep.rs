//! The role assignment as a Bicep resource declaration.

use super::{taken_symbols, Plan, Principal, ROLE_ASSIGNMENT_API};
use crate::graph::Graph;

/// A `Microsoft.Authorization/roleAssignments` declaration, two-space indented, `\n` newlines
/// (the fix re-indents it for the file it goes into). The name is a `guid()` of the scope, the
/// principal's resource id (or parameter) and the role: known when the deployment starts,
/// unlike the principal id.
pub fn render(graph: &Graph, plan: &Plan) -> String {
    let target = &plan.target.symbol;
    let role = &plan.role.id;
    let symbol = symbol(graph, plan);
    let (principal_key, principal_id, principal_type) = match plan.principal {
        Principal::System(_, r) => (
            format!("{}.id", r.symbol),
            format!("{}.identity.principalId", r.symbol),
            true,
        ),
        Principal::UserAssigned(_, r) => (
            format!("{}.id", r.symbol),
            format!("{}.properties.principalId", r.symbol),
            true,
        ),
        Principal::Parameter(name) => (name.to_owned(), name.to_owned(), false),
    };
    let mut out = format!(
        "resource {symbol} 'Microsoft.Authorization/roleAssignments@{ROLE_ASSIGNMENT_API}' = {{\n  name: guid({target}.id, {principal_key}, '{role}')\n  scope: {target}\n  properties: {{\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role}') // {}\n    principalId: {principal_id}\n",
        plan.role.name
    );
    if principal_type {
        out.push_str("    principalType: 'ServicePrincipal'\n");
    }
    out.push_str("  }\n}\n");
    out
}

/// `<principal><Role>` (`appCognitiveServicesOpenAIUser`), made unique in the template.
fn symbol(graph: &Graph, plan: &Plan) -> String {
    let role: String = plan
        .role
        .name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    let principal: String = plan
        .principal
        .symbol()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let base = format!("{principal}{role}");
    let taken = taken_symbols(graph, plan.template);
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{base}{n}");
        n += 1;
    }
    candidate
}
