//! Reading role assignments and role ids out of the graph, for the role rules.
//!
//! An *assignment* is one grant of a role to a principal on a scope: a
//! `Microsoft.Authorization/roleAssignments` resource (or its legacy nested form
//! `<type>/providers/roleAssignments`, scoped to its parent), a Cosmos DB `sqlRoleAssignments`
//! resource, or one element of the `roleAssignments` argument of an Azure Verified Module call.
//! A *role reference* is how the role was written, read from the evaluated value wherever it came
//! from: a bare GUID, a role definition id (`/subscriptions/…/providers/Microsoft.Authorization/
//! roleDefinitions/<guid>`, built by `subscriptionResourceId` or by hand), a roleDefinitions
//! resource of the graph (`rd.id`), or a role name (AVM `roleDefinitionIdOrName`). The GUID keeps
//! the origin of the literal it was typed in, narrowed to its own characters when it can be.
//! A *label* is a name written around a literal: the variable, parameter, output, property key
//! or resource symbol whose value contains it, and the `@description` next to it.

use crate::catalog::roles::{compact, Role};
use crate::graph::decl::TemplateDecl;
use crate::graph::edges::{is_role_assignment, principal_resource};
use crate::graph::expr::{ArrayItem, Expr, ExprKind, ObjectItem, StringPart};
use crate::graph::value::{Origin, ResourceIndex, Segment, UnknownKind, Value, ValueKind};
use crate::graph::{ModuleIndex, Resource};

use super::Context;

/// Where an assignment comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Resource(ResourceIndex),
    /// Element `item` of the `roleAssignments` argument of an AVM module call.
    Avm {
        module: ModuleIndex,
        item: usize,
    },
}

/// What an assignment grants its role on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Resource(ResourceIndex),
    /// The deployment's own scope, written (`scope: resourceGroup()`) or implicit (no `scope`).
    /// The string is the template's target scope (`resourceGroup`, `subscription`, …).
    Deployment(&'static str),
    /// The resource an AVM module deploys.
    Module(ModuleIndex),
    Unknown,
}

#[derive(Debug, Clone, Copy)]
pub struct Assignment<'g> {
    pub source: Source,
    /// A Cosmos DB `sqlRoleAssignments`/`tableRoleAssignments` (native data-plane roles).
    pub cosmos: bool,
    pub role: Option<&'g Value>,
    pub principal_id: Option<&'g Value>,
    /// The resource whose managed identity is the principal, when it is in the graph.
    pub principal: Option<ResourceIndex>,
    pub principal_type: Option<&'g Value>,
    pub scope: Scope,
    /// Where findings about the assignment as a whole point.
    pub anchor: Origin,
    /// The whole assignment as written.
    pub declaration: Origin,
}

/// Every assignment of the graph, read on first use.
pub fn assignments<'c, 'g>(cx: &'c Context<'g>) -> &'c [Assignment<'g>] {
    cx.assignments.get_or_init(|| read_assignments(cx))
}

fn read_assignments<'g>(cx: &Context<'g>) -> Vec<Assignment<'g>> {
    let mut found = Vec::new();
    for (index, resource) in cx.graph.resources() {
        if resource.existing {
            continue;
        }
        let cosmos = is_cosmos_assignment(&resource.type_name);
        if !is_role_assignment(&resource.type_name) && !cosmos {
            continue;
        }
        let properties = resource.properties();
        let principal_id = properties.and_then(|p| p.get("principalId"));
        let scope = if cosmos {
            // A Cosmos assignment's `scope` is a path inside the account: the account it is.
            resource.parent.map_or(Scope::Unknown, Scope::Resource)
        } else {
            resource_scope(cx, resource)
        };
        found.push(Assignment {
            source: Source::Resource(index),
            cosmos,
            role: properties.and_then(|p| p.get("roleDefinitionId")),
            principal_id,
            principal: principal_id.and_then(principal_resource),
            principal_type: properties.and_then(|p| p.get("principalType")),
            scope,
            anchor: resource.anchor,
            declaration: resource.declaration,
        });
    }
    for (m, call) in cx.graph.modules.iter().enumerate() {
        if !is_avm(&call.source) {
            continue;
        }
        let Some((_, list)) = call
            .arguments
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("roleAssignments"))
        else {
            continue;
        };
        let ValueKind::Array(items) = &list.kind else {
            continue;
        };
        for (item_index, item) in items.iter().enumerate() {
            let principal_id = item.get("principalId");
            found.push(Assignment {
                source: Source::Avm {
                    module: ModuleIndex(m as u32),
                    item: item_index,
                },
                cosmos: false,
                role: item.get("roleDefinitionIdOrName"),
                principal_id,
                principal: principal_id.and_then(principal_resource),
                principal_type: item.get("principalType"),
                scope: Scope::Module(ModuleIndex(m as u32)),
                anchor: item.origin,
                declaration: item.origin,
            });
        }
    }
    found
}

pub fn is_avm(source: &str) -> bool {
    source.to_ascii_lowercase().contains("avm/res/")
}

fn is_cosmos_assignment(type_name: &str) -> bool {
    type_name.eq_ignore_ascii_case("microsoft.documentdb/databaseaccounts/sqlroleassignments")
        || type_name
            .eq_ignore_ascii_case("microsoft.documentdb/databaseaccounts/tableroleassignments")
}

fn resource_scope(cx: &Context, resource: &Resource) -> Scope {
    let target_scope = |r: &Resource| -> &'static str {
        match cx
            .graph
            .template(r.template)
            .target_scope
            .to_ascii_lowercase()
            .as_str()
        {
            "subscription" => "subscription",
            "managementgroup" => "managementGroup",
            "tenant" => "tenant",
            _ => "resourceGroup",
        }
    };
    match resource.body.get("scope") {
        None
        | Some(Value {
            kind: ValueKind::Null,
            ..
        }) => {
            if !resource.is_type("Microsoft.Authorization/roleAssignments") {
                return resource.parent.map_or(Scope::Unknown, Scope::Resource);
            }
            Scope::Deployment(target_scope(resource))
        }
        Some(value) => match value.as_unknown().map(|u| &u.kind) {
            Some(UnknownKind::Resource(scope)) => Scope::Resource(*scope),
            Some(UnknownKind::Deployment(what)) if what.eq_ignore_ascii_case("resourceGroup") => {
                Scope::Deployment("resourceGroup")
            }
            Some(UnknownKind::Deployment(what)) if what.eq_ignore_ascii_case("subscription") => {
                Scope::Deployment("subscription")
            }
            _ => Scope::Unknown,
        },
    }
}

// ----- role references ----------------------------------------------------------------------

/// How a role was written.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleRef {
    /// A GUID, or text in the place of one (a typo, a truncated GUID); `at` is its literal.
    Guid { id: String, at: Origin },
    /// A role name (AVM `roleDefinitionIdOrName: 'Storage Blob Data Reader'`).
    Name { name: String, at: Origin },
    /// A role definition created by the deployment (a custom role).
    Defined(ResourceIndex),
    /// Anything only the deployment knows.
    Unknown,
}

impl RoleRef {
    pub fn at(&self) -> Option<Origin> {
        match self {
            RoleRef::Guid { at, .. } | RoleRef::Name { at, .. } => Some(*at),
            _ => None,
        }
    }
}

/// Reads the role of an assignment. `names_allowed` for AVM's `roleDefinitionIdOrName`.
pub fn read_role(cx: &Context, value: &Value, names_allowed: bool) -> RoleRef {
    match &value.kind {
        ValueKind::String(text) => read_text(text, value.origin, names_allowed),
        ValueKind::Partial(segments) => read_partial(segments),
        ValueKind::Unknown(unknown) => {
            let (UnknownKind::Resource(index)
            | UnknownKind::ResourceProperty {
                resource: index, ..
            }) = unknown.kind
            else {
                return RoleRef::Unknown;
            };
            if let UnknownKind::ResourceProperty { path, .. } = &unknown.kind {
                let last = path.last().map(String::as_str).unwrap_or_default();
                if !last.eq_ignore_ascii_case("name") && !last.eq_ignore_ascii_case("id") {
                    return RoleRef::Unknown;
                }
            }
            let resource = cx.graph.resource(index);
            if !resource.is_type("Microsoft.Authorization/roleDefinitions") {
                return RoleRef::Unknown;
            }
            if !resource.existing {
                return RoleRef::Defined(index);
            }
            match resource.name.as_str() {
                Some(name) => read_text(name, resource.name.origin, false),
                None => RoleRef::Unknown,
            }
        }
        _ => RoleRef::Unknown,
    }
}

fn read_text(text: &str, origin: Origin, names_allowed: bool) -> RoleRef {
    let trimmed = text.trim();
    if looks_like_guid(trimmed) {
        let start = text.find(trimmed).unwrap_or(0);
        return RoleRef::Guid {
            id: trimmed.to_owned(),
            at: narrow(origin, text, start, trimmed.len()),
        };
    }
    if let Some((start, id)) = guid_after_definitions(text) {
        return RoleRef::Guid {
            id: id.to_owned(),
            at: narrow(origin, text, start, id.len()),
        };
    }
    if names_allowed && !trimmed.is_empty() && !trimmed.contains('/') {
        return RoleRef::Name {
            name: trimmed.to_owned(),
            at: origin,
        };
    }
    RoleRef::Unknown
}

fn read_partial(segments: &[Segment]) -> RoleRef {
    // The GUID follows `roleDefinitions/`, in the same text segment or in a later one (the
    // `resourceId` family builds ids from many small segments).
    let mut known = String::new();
    for segment in segments {
        match segment {
            Segment::Text(text, origin) => {
                if let Some((start, id)) = guid_after_definitions(text) {
                    return RoleRef::Guid {
                        id: id.to_owned(),
                        at: narrow(*origin, text, start, id.len()),
                    };
                }
                if known.to_ascii_lowercase().ends_with("roledefinitions/") {
                    let id = text.split('/').next().unwrap_or_default();
                    if looks_like_guid(id) {
                        return RoleRef::Guid {
                            id: id.to_owned(),
                            at: narrow(*origin, text, 0, id.len()),
                        };
                    }
                }
                known.push_str(text);
            }
            Segment::Unknown(_) => known.clear(),
        }
    }
    RoleRef::Unknown
}

/// `(offset, guid)` of the last segment of a `…/roleDefinitions/<guid>` text, when the id is the
/// whole rest of the text.
fn guid_after_definitions(text: &str) -> Option<(usize, &str)> {
    const SEGMENT: &[u8] = b"roledefinitions";
    // The last `roleDefinitions/` in any letter case, found at the slashes from the end (an id
    // has a handful) without a lower-case copy of the text: asked of every literal piece of
    // every role id.
    let mut end = text.len();
    let at = loop {
        let slash = text[..end].rfind('/')?;
        let segment = text.as_bytes()[..slash].rchunks(SEGMENT.len()).next()?;
        if segment.eq_ignore_ascii_case(SEGMENT) {
            break slash + 1;
        }
        end = slash;
    };
    let id = &text[at..];
    looks_like_guid(id).then_some((at, id))
}

/// A GUID, or something meant as one: hex digits and dashes, with at least three dashes and
/// between 30 and 40 characters (a missing or extra digit), or five groups of letters and
/// digits shaped `8-4-4-4-12` give or take one (a mistyped digit).
pub fn looks_like_guid(text: &str) -> bool {
    let hexish = (30..=40).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        && text.bytes().filter(|&b| b == b'-').count() >= 3;
    let groups: Vec<&str> = text.split('-').collect();
    let shaped = groups.len() == 5
        && groups
            .iter()
            .zip([8usize, 4, 4, 4, 12])
            .all(|(g, n)| g.len().abs_diff(n) <= 1 && g.bytes().all(|b| b.is_ascii_alphanumeric()))
        && text.bytes().filter(u8::is_ascii_hexdigit).count() * 10 >= text.len() * 8;
    hexish || shaped
}

/// The origin of `len` characters at `start` of a literal's decoded text, when the literal has
/// no escapes (its span is the text, or the text and two quotes); otherwise the whole literal.
pub fn narrow(origin: Origin, text: &str, start: usize, len: usize) -> Origin {
    let span_len = (origin.span.end - origin.span.start) as usize;
    let base = if span_len == text.len() + 2 {
        origin.span.start as usize + 1
    } else if span_len == text.len() {
        origin.span.start as usize
    } else {
        return origin;
    };
    if start == 0 && len == text.len() && span_len == text.len() + 2 {
        // The whole literal: keep its quotes out too.
        return Origin::new(origin.file, crate::source::Span::new(base, base + len));
    }
    Origin::new(
        origin.file,
        crate::source::Span::new(base + start, base + start + len),
    )
}

/// The GUIDs of custom roles: `Microsoft.Authorization/roleDefinitions` resources the graph
/// creates with a known name, and `extra` (from the configuration).
pub fn custom_role_ids(cx: &Context, extra: &[String]) -> Vec<String> {
    let mut ids: Vec<String> = cx
        .graph
        .resources
        .iter()
        .filter(|r| r.is_type("Microsoft.Authorization/roleDefinitions") && !r.existing)
        .filter_map(|r| r.name.as_str().map(str::to_ascii_lowercase))
        .collect();
    ids.extend(extra.iter().map(|e| e.to_ascii_lowercase()));
    ids
}

/// The built-in role an assignment grants, when it is known.
pub fn role_of<'c>(cx: &Context<'c>, assignment: &Assignment) -> Option<(&'c Role, RoleRef)> {
    let role = read_role(
        cx,
        assignment.role?,
        matches!(assignment.source, Source::Avm { .. }),
    );
    let found = match &role {
        RoleRef::Guid { id, .. } => cx.catalog.roles.by_id(id)?,
        RoleRef::Name { name, .. } => cx.catalog.roles.by_name(name)?.role,
        _ => return None,
    };
    Some((found, role))
}

/// The resource provider of a type: `Microsoft.Search` of `Microsoft.Search/searchServices`.
pub fn provider_of(type_name: &str) -> &str {
    type_name.split('/').next().unwrap_or(type_name)
}

/// Whether the principal is an application identity: a managed identity of the graph, or
/// `principalType: 'ServicePrincipal'`. `None` when it is not known.
pub fn is_app_principal(assignment: &Assignment) -> Option<bool> {
    if let Some(kind) = assignment.principal_type.and_then(Value::as_str) {
        return Some(kind.eq_ignore_ascii_case("ServicePrincipal"));
    }
    assignment.principal.map(|_| true)
}

// ----- labels -------------------------------------------------------------------------------

/// A name written around a value.
#[derive(Debug, Clone)]
pub struct Label {
    pub name: String,
    /// The value it names.
    pub span: crate::source::Span,
    /// The `@description` of the declaration, or a `description` beside it in an object.
    pub description: Option<String>,
    /// Where the name itself was written (for related locations).
    pub name_at: crate::source::Span,
}

/// The labels whose value contains `at`, innermost first.
pub fn labels_around(cx: &Context, at: Origin) -> Vec<Label> {
    let Some(template) = cx.graph.templates.iter().find(|t| t.file == at.file) else {
        return Vec::new();
    };
    let mut labels = Vec::new();
    collect_labels(&template.decl, at.span, &mut labels);
    labels.retain(|l| covers(l.span, at.span));
    labels.sort_by_key(|l| l.span.end - l.span.start);
    labels
}

/// Whether `outer` contains `inner`.
fn covers(outer: crate::source::Span, inner: crate::source::Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The labels of `decl` around `at`. An expression's parts are written inside it, so only the
/// expressions that contain `at` are walked: a compiled template with hundreds of role
/// assignments is not walked whole for each of them.
fn collect_labels(decl: &TemplateDecl, at: crate::source::Span, out: &mut Vec<Label>) {
    for var in &decl.variables {
        push_root(
            out,
            at,
            &var.name,
            var.name_span,
            &var.value,
            var.description.clone(),
        );
    }
    for param in &decl.parameters {
        if let Some(default) = &param.default {
            push_root(
                out,
                at,
                &param.name,
                param.name_span,
                default,
                param.description.as_deref().map(str::to_owned),
            );
        }
    }
    for output in &decl.outputs {
        push_root(out, at, &output.name, output.name_span, &output.value, None);
    }
    for resource in &decl.resources {
        push_root(
            out,
            at,
            &resource.symbol,
            resource.symbol_span,
            &resource.body,
            None,
        );
    }
    for module in &decl.modules {
        push_root(
            out,
            at,
            &module.symbol,
            module.symbol_span,
            &module.params,
            None,
        );
    }
}

fn push_root(
    out: &mut Vec<Label>,
    at: crate::source::Span,
    name: &str,
    name_at: crate::source::Span,
    value: &Expr,
    description: Option<String>,
) {
    if !covers(value.span, at) {
        return;
    }
    out.push(Label {
        name: name.to_owned(),
        span: value.span,
        description,
        name_at,
    });
    walk_labels(value, at, out);
}

fn walk_labels(expr: &Expr, at: crate::source::Span, out: &mut Vec<Label>) {
    if !covers(expr.span, at) {
        return;
    }
    match &expr.kind {
        ExprKind::Object(items) => {
            let sibling = |keys: &[&str]| {
                keys.iter()
                    .find_map(|k| expr.property(k).and_then(Expr::as_str))
                    .map(str::to_owned)
            };
            let description = sibling(&["description"]);
            let role_name = sibling(&["roleName", "roleDefinitionName", "displayName", "name"]);
            for item in items {
                match item {
                    ObjectItem::Property(property) => {
                        if let Some(key) = property.key_name() {
                            let compact_key = compact(key);
                            // `{ name: 'Storage Blob Data Reader', id: '<guid>' }`: the sibling names it.
                            let name = match &role_name {
                                Some(name)
                                    if matches!(
                                        compact_key.as_str(),
                                        "id" | "roleid" | "roledefinitionid" | "guid" | "roleguid"
                                    ) =>
                                {
                                    name.clone()
                                }
                                _ => key.to_owned(),
                            };
                            out.push(Label {
                                name,
                                span: property.value.span,
                                description: description.clone(),
                                name_at: property.key.span,
                            });
                        }
                        walk_labels(&property.value, at, out);
                    }
                    ObjectItem::Spread(inner) => walk_labels(inner, at, out),
                }
            }
        }
        ExprKind::Array(items) => {
            for item in items {
                let (ArrayItem::Item(inner) | ArrayItem::Spread(inner)) = item;
                walk_labels(inner, at, out);
            }
        }
        ExprKind::For(for_expr) => walk_labels(&for_expr.body, at, out),
        ExprKind::Ternary {
            then, otherwise, ..
        } => {
            walk_labels(then, at, out);
            walk_labels(otherwise, at, out);
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|a| walk_labels(a, at, out)),
        ExprKind::Interpolation(parts) => {
            for part in parts {
                if let StringPart::Hole(inner) = part {
                    walk_labels(inner, at, out);
                }
            }
        }
        _ => {}
    }
}

// ----- identities ---------------------------------------------------------------------------

pub fn is_user_assigned_identity(type_name: &str) -> bool {
    type_name.eq_ignore_ascii_case("Microsoft.ManagedIdentity/userAssignedIdentities")
}

/// The apps that run as a principal: the principal itself (a system-assigned identity), or the
/// compute resources that reference a user-assigned identity.
pub fn apps_of(cx: &Context, principal: ResourceIndex) -> Vec<ResourceIndex> {
    let resource = cx.graph.resource(principal);
    if !is_user_assigned_identity(&resource.type_name) {
        return vec![principal];
    }
    cx.graph
        .resources()
        .filter(|(i, r)| {
            *i != principal
                && cx.catalog.compute.host(&r.type_name).is_some()
                && r.body.references().any(|x| x == principal)
        })
        .map(|(i, _)| i)
        .collect()
}

/// The identities an app runs as: itself when it has a system-assigned identity, and the
/// user-assigned identities it references. `None` when its identity cannot be read.
pub fn identities_of(cx: &Context, app: ResourceIndex) -> Option<Vec<ResourceIndex>> {
    let resource = cx.graph.resource(app);
    let kind = resource
        .body
        .path("identity.type")?
        .as_str()?
        .to_ascii_lowercase();
    let mut identities = Vec::new();
    if kind.contains("systemassigned") {
        identities.push(app);
    }
    if kind.contains("userassigned") {
        let users: Vec<ResourceIndex> = resource
            .body
            .references()
            .filter(|&r| is_user_assigned_identity(&cx.graph.resource(r).type_name))
            .collect();
        if users.is_empty() {
            // The identity is named by something the graph does not know.
            return None;
        }
        identities.extend(users);
    }
    identities.sort();
    identities.dedup();
    Some(identities)
}

/// The resource and its parents, innermost first.
pub fn with_parents(cx: &Context, mut index: ResourceIndex) -> Vec<ResourceIndex> {
    let mut chain = vec![index];
    while let Some(parent) = cx.graph.resource(index).parent {
        if chain.contains(&parent) {
            break;
        }
        chain.push(parent);
        index = parent;
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guid_after_the_last_role_definitions_segment_is_found_in_any_case() {
        let guid = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd";
        let id =
            format!("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{guid}");
        assert_eq!(
            guid_after_definitions(&id),
            Some((id.len() - guid.len(), guid))
        );
        let upper = format!("/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEDEFINITIONS/{guid}");
        assert_eq!(guid_after_definitions(&upper).map(|(_, g)| g), Some(guid));
        assert_eq!(
            guid_after_definitions(&format!("roleDefinitions/{guid}")),
            Some((16, guid))
        );
        let twice = format!("roleDefinitions/roleDefinitions/{guid}");
        assert_eq!(guid_after_definitions(&twice), Some((32, guid)));
        // The id must be the whole rest of the text, and shaped like a GUID.
        assert_eq!(
            guid_after_definitions(&format!("roleDefinitions/{guid}/x")),
            None
        );
        assert_eq!(guid_after_definitions("/roleDefinitions/reader"), None);
        assert_eq!(
            guid_after_definitions(&format!("oleDefinitions/{guid}")),
            None
        );
        assert_eq!(guid_after_definitions(&format!("definitions/{guid}")), None);
        assert_eq!(guid_after_definitions(guid), None);
    }
}
