//! Edges derived from evaluated values.
//!
//! - *assigns*: a role assignment grants a *principal* (a resource with an identity, a
//!   user-assigned identity, or unknown) a *role* (the evaluated `roleDefinitionId`) on a
//!   *scope* (a resource of the graph, or the deployment scope when `None`).
//! - *uses*: a compute resource's configuration references a target resource (its endpoint,
//!   name or id), directly or through variables and module outputs.
//! - *leaks-key*: a `listKeys()`-family result reaches app settings, container environment or
//!   secrets, a Key Vault secret, an output or a module argument.

use super::value::{Origin, ResourceIndex, Secret, UnknownKind, Value, ValueKind};
use super::Graph;

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub kind: EdgeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EdgeKind {
    Assigns {
        assignment: ResourceIndex,
        principal: Option<ResourceIndex>,
        role: Option<Value>,
        scope: Option<ResourceIndex>,
    },
    Uses {
        app: ResourceIndex,
        target: ResourceIndex,
    },
    LeaksKey {
        secret: Secret,
        /// Where the key lands, in words: `app settings of web`, `output key`, …
        into: String,
        /// The resource whose configuration holds it (`None` for outputs).
        holder: Option<ResourceIndex>,
        /// The value that holds the key (the app setting's `value`, the output).
        at: Origin,
    },
}

/// Which resource types count as compute (they run code with an identity) and which as
/// targets (services an app calls); the catalog knows, the graph does not.
pub trait Kinds {
    fn is_compute(&self, type_name: &str) -> bool;
    fn is_target(&self, type_name: &str) -> bool;
}

pub fn derive(graph: &Graph, kinds: &dyn Kinds) -> Vec<Edge> {
    let mut edges = Vec::new();
    for (index, resource) in graph.resources() {
        if is_role_assignment(&resource.type_name) {
            edges.push(assigns(graph, index));
        }
        if kinds.is_compute(&resource.type_name) {
            let mut targets: Vec<ResourceIndex> = config_values(&resource.body)
                .flat_map(|v| v.references())
                .filter(|&t| t != index && kinds.is_target(&graph.resource(t).type_name))
                .collect();
            targets.sort();
            targets.dedup();
            edges.extend(targets.into_iter().map(|target| Edge {
                kind: EdgeKind::Uses { app: index, target },
            }));
        }
        for (place, value) in key_sinks(graph, index) {
            for secret in value.secrets() {
                edges.push(Edge {
                    kind: EdgeKind::LeaksKey {
                        secret: secret.clone(),
                        into: place.clone(),
                        holder: Some(index),
                        at: innermost_holder(value, secret).origin,
                    },
                });
            }
        }
    }
    for template in &graph.templates {
        for (name, value) in &template.outputs {
            for secret in value.secrets() {
                edges.push(Edge {
                    kind: EdgeKind::LeaksKey {
                        secret: secret.clone(),
                        into: format!("output `{name}`"),
                        holder: None,
                        at: innermost_holder(value, secret).origin,
                    },
                });
            }
        }
    }
    edges
}

/// The smallest part of `value` that still contains `secret`: the app setting's `value`
/// rather than the whole `appSettings` array.
fn innermost_holder<'v>(value: &'v Value, secret: &Secret) -> &'v Value {
    let mut current = value;
    loop {
        let children: Vec<&Value> = match &current.kind {
            ValueKind::Array(items) => items.iter().collect(),
            ValueKind::Object(map) => map.values().collect(),
            _ => return current,
        };
        match children
            .into_iter()
            .find(|child| child.secrets().any(|s| s == secret))
        {
            Some(child) => current = child,
            None => return current,
        }
    }
}

/// `Microsoft.Authorization/roleAssignments`, and the legacy nested form
/// `<provider>/<type>/providers/roleAssignments`.
pub fn is_role_assignment(type_name: &str) -> bool {
    const LEGACY_SUFFIX: &str = "/providers/roleassignments";
    type_name.eq_ignore_ascii_case("microsoft.authorization/roleassignments")
        || type_name
            .len()
            .checked_sub(LEGACY_SUFFIX.len())
            .and_then(|at| type_name.get(at..))
            .is_some_and(|end| end.eq_ignore_ascii_case(LEGACY_SUFFIX))
}

fn assigns(graph: &Graph, assignment: ResourceIndex) -> Edge {
    let resource = graph.resource(assignment);
    let properties = resource.properties();
    let principal = properties
        .and_then(|p| p.get("principalId"))
        .and_then(principal_resource);
    let role = properties.and_then(|p| p.get("roleDefinitionId")).cloned();
    let scope = match resource.body.get("scope").and_then(Value::as_unknown) {
        Some(unknown) => match unknown.kind {
            UnknownKind::Resource(scope) => Some(scope),
            _ => None,
        },
        // The legacy nested form is scoped to its parent resource.
        None if !resource.is_type("Microsoft.Authorization/roleAssignments") => resource.parent,
        None => None,
    };
    Edge {
        kind: EdgeKind::Assigns {
            assignment,
            principal,
            role,
            scope,
        },
    }
}

/// The resource whose identity a `principalId` value names: `app.identity.principalId`,
/// `uami.properties.principalId`, `reference(…, 'full').identity.principalId`, or a module
/// output carrying one of those.
pub fn principal_resource(value: &Value) -> Option<ResourceIndex> {
    match &value.as_unknown()?.kind {
        UnknownKind::ResourceProperty { resource, path } => {
            let last = path.last()?;
            last.eq_ignore_ascii_case("principalId")
                .then_some(*resource)
        }
        _ => None,
    }
}

/// The parts of a compute resource that hold its configuration (everything but its identity,
/// whose user-assigned identity ids are references but not uses).
fn config_values(body: &Value) -> impl Iterator<Item = &Value> {
    let ValueKind::Object(map) = &body.kind else {
        return Vec::new().into_iter();
    };
    map.iter()
        .filter(|(key, _)| {
            !key.eq_ignore_ascii_case("identity") && !key.eq_ignore_ascii_case("scope")
        })
        .map(|(_, value)| value)
        .collect::<Vec<_>>()
        .into_iter()
}

/// The values of a resource where a key must not land, with a description of the place.
fn key_sinks(graph: &Graph, index: ResourceIndex) -> Vec<(String, &Value)> {
    let resource = graph.resource(index);
    let symbol = &resource.display_name();
    let lower = resource.type_name.to_ascii_lowercase();
    let mut sinks = Vec::new();
    let Some(properties) = resource.properties() else {
        return sinks;
    };
    if lower.starts_with("microsoft.web/sites") {
        if lower.ends_with("/config") {
            sinks.push((format!("app settings of `{symbol}`"), properties));
        } else if let Some(site_config) = properties.get("siteConfig") {
            for key in ["appSettings", "connectionStrings"] {
                if let Some(value) = site_config.get(key) {
                    sinks.push((format!("app settings of `{symbol}`"), value));
                }
            }
        }
    }
    if lower.starts_with("microsoft.app/containerapps") || lower.starts_with("microsoft.app/jobs") {
        if let Some(secrets) = properties.path("configuration.secrets") {
            sinks.push((format!("container app secrets of `{symbol}`"), secrets));
        }
        if let Some(template) = properties.get("template") {
            sinks.push((format!("container environment of `{symbol}`"), template));
        }
    }
    if lower.starts_with("microsoft.containerinstance/containergroups") {
        if let Some(containers) = properties.get("containers") {
            sinks.push((format!("container environment of `{symbol}`"), containers));
        }
    }
    if lower == "microsoft.keyvault/vaults/secrets" {
        if let Some(value) = properties.get("value") {
            sinks.push((format!("Key Vault secret `{symbol}`"), value));
        }
    }
    sinks
}
