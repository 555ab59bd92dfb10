//! The role assignment as an ARM template resource.

use super::{decl_of, Plan, Principal, ROLE_ASSIGNMENT_API};
use crate::graph::{Graph, Resource};
use crate::source::SourceFile;

/// A `Microsoft.Authorization/roleAssignments` resource object, two-space indented: `scope` and
/// the ids as `resourceId(…)` of the names as written, `dependsOn` on both ends when the
/// template deploys them, and the principal id read with `reference(…)`.
pub fn render(graph: &Graph, plan: &Plan, file: &SourceFile) -> String {
    let target_id = resource_id(graph, plan.target, file);
    let role = &plan.role.id;
    let mut depends = Vec::new();
    if !plan.target.existing {
        depends.push(target_id.clone());
    }
    let (principal_key, principal_id, principal_type) = match plan.principal {
        Principal::System(_, r) => {
            let id = resource_id(graph, r, file);
            let api = r.api_version.as_deref().unwrap_or("2023-01-01");
            if !r.existing {
                depends.push(id.clone());
            }
            let reference = format!("reference({id}, '{api}', 'full').identity.principalId");
            (id, reference, true)
        }
        Principal::UserAssigned(_, r) => {
            let id = resource_id(graph, r, file);
            let api = r.api_version.as_deref().unwrap_or("2023-01-31");
            if !r.existing {
                depends.push(id.clone());
            }
            let reference = format!("reference({id}, '{api}').principalId");
            (id, reference, true)
        }
        Principal::Parameter(name) => {
            let p = format!("parameters('{name}')");
            (p.clone(), p, false)
        }
    };
    let json = |expr: &str| serde_json::Value::String(format!("[{expr}]")).to_string();
    let mut out = String::from("{\n");
    out.push_str("  \"type\": \"Microsoft.Authorization/roleAssignments\",\n");
    out.push_str(&format!("  \"apiVersion\": \"{ROLE_ASSIGNMENT_API}\",\n"));
    out.push_str(&format!(
        "  \"name\": {},\n",
        json(&format!("guid({target_id}, {principal_key}, '{role}')"))
    ));
    out.push_str(&format!("  \"scope\": {},\n", json(&target_id)));
    if !depends.is_empty() {
        let items: Vec<String> = depends.iter().map(|d| json(d)).collect();
        out.push_str(&format!(
            "  \"dependsOn\": [\n    {}\n  ],\n",
            items.join(",\n    ")
        ));
    }
    out.push_str(&format!(
        "  \"comments\": {},\n",
        serde_json::Value::String(plan.role.name.clone())
    ));
    out.push_str("  \"properties\": {\n");
    out.push_str(&format!(
        "    \"roleDefinitionId\": {},\n",
        json(&format!(
            "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{role}')"
        ))
    ));
    out.push_str(&format!("    \"principalId\": {}", json(&principal_id)));
    if principal_type {
        out.push_str(",\n    \"principalType\": \"ServicePrincipal\"");
    }
    out.push_str("\n  }\n}\n");
    out
}

/// `resourceId('<type>', <name as written>)`.
pub fn resource_id(graph: &Graph, resource: &Resource, file: &SourceFile) -> String {
    let name = name_expression(graph, resource, file);
    format!("resourceId('{}', {name})", resource.type_name)
}

/// The expression of a resource's `name` as written: `parameters('accountName')` for
/// `"[parameters('accountName')]"`, `'contoso'` for `"contoso"`. A child's literal name
/// `parent/child` becomes one argument per segment, as `resourceId` wants them.
fn name_expression(graph: &Graph, resource: &Resource, file: &SourceFile) -> String {
    let written = decl_of(graph, resource)
        .and_then(|d| d.body.property("name"))
        .and_then(|name| json_string_at(&file.text, name.span.start as usize));
    let literal = |text: &str| {
        text.split('/')
            .map(|s| format!("'{}'", s.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match written {
        Some(text) if text.starts_with('[') && !text.starts_with("[[") && text.ends_with(']') => {
            text[1..text.len() - 1].trim().to_owned()
        }
        Some(text) => literal(&text),
        None => literal(resource.name.as_str().unwrap_or("<name>")),
    }
}

/// The decoded JSON string that contains `offset` (the opening quote, or a place inside).
fn json_string_at(text: &str, offset: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let start = if bytes.get(offset) == Some(&b'"') {
        offset
    } else {
        text[..offset.min(text.len())].rfind('"')?
    };
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return serde_json::from_str(&text[start..=i]).ok(),
            b'\n' => return None,
            _ => i += 1,
        }
    }
    None
}
