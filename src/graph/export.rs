//! `keyless graph`: the resource graph as JSON, Graphviz dot or Mermaid.
//!
//! The JSON form is for tools and tests: resources in graph order with their evaluated names,
//! parents, conditions and declaration positions, module calls, and edges. Dot and Mermaid
//! show resources as nodes and edges as arrows; Mermaid renders in GitHub Markdown, so a pull
//! request can show "app → role → OpenAI account".

use std::fmt::Write as _;

use serde_json::{json, Map, Value as Json};

use super::edges::{Edge, EdgeKind};
use super::value::{ResourceIndex, Segment, Unknown, UnknownKind, Value, ValueKind};
use super::Graph;
use crate::source::SourceFile;

/// How files are shown: the caller maps a graph's file ids to their sources.
pub trait FileNames {
    fn file(&self, id: crate::source::FileId) -> Option<&SourceFile>;
}

/// A compact, readable rendering of a value: strings as they are, unknowns in angle brackets.
pub fn describe(graph: &Graph, value: &Value) -> String {
    let mut out = String::new();
    describe_into(graph, value, &mut out, 0);
    out
}

fn describe_into(graph: &Graph, value: &Value, out: &mut String, depth: usize) {
    if depth > 8 {
        out.push('…');
        return;
    }
    match &value.kind {
        ValueKind::Null => out.push_str("null"),
        ValueKind::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        ValueKind::Int(i) => {
            let _ = write!(out, "{i}");
        }
        ValueKind::String(text) => out.push_str(text),
        ValueKind::Partial(segments) => {
            for segment in segments {
                match segment {
                    Segment::Text(text, _) => out.push_str(text),
                    Segment::Unknown(unknown) => describe_unknown(graph, unknown, out),
                }
            }
        }
        ValueKind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                describe_into(graph, item, out, depth + 1);
            }
            out.push(']');
        }
        ValueKind::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{key}: ");
                describe_into(graph, item, out, depth + 1);
            }
            out.push('}');
        }
        ValueKind::Unknown(unknown) => describe_unknown(graph, unknown, out),
    }
}

fn describe_unknown(graph: &Graph, unknown: &Unknown, out: &mut String) {
    let symbol = |index: ResourceIndex| graph.resource(index).symbol.clone();
    let _ = match &unknown.kind {
        UnknownKind::Resource(index) => write!(out, "<{}.id>", symbol(*index)),
        UnknownKind::ResourceProperty { resource, path } => {
            write!(out, "<{}.{}>", symbol(*resource), path.join("."))
        }
        UnknownKind::Secret => {
            let function = unknown
                .secrets
                .first()
                .map_or("listKeys", |s| s.function.as_str());
            write!(out, "<{function}()>")
        }
        UnknownKind::Parameter(name) => write!(out, "<param {name}>"),
        UnknownKind::Deployment(what) => write!(out, "<{what}>"),
        UnknownKind::Call(name) => write!(out, "<{name}()>"),
        UnknownKind::Element(of) => write!(out, "<element of #{}:{}>", of.file.0, of.span.start),
        UnknownKind::Opaque => write!(out, "<?>"),
    };
}

/// The graph as JSON (`keyless graph --format json`).
pub fn to_json(graph: &Graph, edges: &[Edge], files: &dyn FileNames) -> Json {
    let position = |origin: super::value::Origin| -> Json {
        match files.file(origin.file) {
            Some(file) => {
                let at = file.line_col(origin.span.start);
                json!({ "file": file.display_path(), "line": at.line, "column": at.column })
            }
            None => Json::Null,
        }
    };
    let resources: Vec<Json> = graph
        .resources()
        .map(|(index, resource)| {
            let mut object = Map::new();
            object.insert("id".into(), json!(index.0));
            object.insert("symbol".into(), json!(&*resource.symbol));
            object.insert("type".into(), json!(&*resource.type_name));
            object.insert("api_version".into(), json!(resource.api_version.as_deref()));
            object.insert("name".into(), json!(describe(graph, &resource.name)));
            object.insert("existing".into(), json!(resource.existing));
            object.insert(
                "condition".into(),
                json!(resource.condition.as_ref().map(|c| describe(graph, c))),
            );
            object.insert("loop_index".into(), json!(resource.loop_index));
            object.insert("parent".into(), json!(resource.parent.map(|p| p.0)));
            object.insert("template".into(), json!(resource.template.0));
            object.insert("at".into(), position(resource.anchor));
            Json::Object(object)
        })
        .collect();
    let templates: Vec<Json> = graph
        .templates
        .iter()
        .enumerate()
        .map(|(i, template)| {
            let file = files.file(template.file).map(SourceFile::display_path);
            let parameters: Map<String, Json> = template
                .parameters
                .iter()
                .map(|(name, p)| (name.to_string(), json!(describe(graph, &p.value))))
                .collect();
            json!({
                "id": i,
                "file": file,
                "target_scope": template.target_scope,
                "caller": template.caller.map(|m| m.0),
                "parameters": parameters,
            })
        })
        .collect();
    let modules: Vec<Json> = graph
        .modules
        .iter()
        .enumerate()
        .map(|(i, module)| {
            json!({
                "id": i,
                "symbol": module.symbol,
                "source": module.source,
                "caller": module.caller.0,
                "callee": module.callee.map(|t| t.0),
                "at": position(module.anchor),
            })
        })
        .collect();
    let edges: Vec<Json> = edges.iter().map(|edge| edge_json(graph, edge)).collect();
    json!({
        "templates": templates,
        "resources": resources,
        "modules": modules,
        "edges": edges,
    })
}

fn edge_json(graph: &Graph, edge: &Edge) -> Json {
    match &edge.kind {
        EdgeKind::Assigns {
            assignment,
            principal,
            role,
            scope,
        } => json!({
            "kind": "assigns",
            "assignment": assignment.0,
            "principal": principal.map(|p| p.0),
            "role": role.as_ref().map(|r| describe(graph, r)),
            "scope": scope.map(|s| s.0),
        }),
        EdgeKind::Uses { app, target } => json!({
            "kind": "uses",
            "app": app.0,
            "target": target.0,
        }),
        EdgeKind::LeaksKey {
            secret,
            into,
            holder,
            ..
        } => json!({
            "kind": "leaks-key",
            "function": secret.function,
            "from": secret.resource.map(|r| r.0),
            "into": into,
            "holder": holder.map(|h| h.0),
        }),
    }
}

/// A node id safe in dot and Mermaid.
fn node(index: ResourceIndex) -> String {
    format!("r{}", index.0)
}

fn label(graph: &Graph, index: ResourceIndex) -> String {
    let resource = graph.resource(index);
    let short_type = resource
        .type_name
        .rsplit('/')
        .next()
        .unwrap_or(&resource.type_name);
    format!("{} ({short_type})", resource.symbol)
        .replace('"', "'")
        .replace(['[', ']'], "")
}

fn edge_ends(edge: &Edge) -> Option<(ResourceIndex, ResourceIndex, String)> {
    match &edge.kind {
        EdgeKind::Assigns {
            assignment, scope, ..
        } => scope.map(|scope| (*assignment, scope, "on".to_owned())),
        EdgeKind::Uses { app, target } => Some((*app, *target, "uses".to_owned())),
        EdgeKind::LeaksKey { secret, holder, .. } => secret
            .resource
            .zip(*holder)
            .map(|(from, to)| (from, to, "key".to_owned())),
    }
}

fn assigns_principal(edge: &Edge) -> Option<(ResourceIndex, ResourceIndex)> {
    match &edge.kind {
        EdgeKind::Assigns {
            assignment,
            principal: Some(principal),
            ..
        } => Some((*principal, *assignment)),
        _ => None,
    }
}

pub fn to_dot(graph: &Graph, edges: &[Edge]) -> String {
    let mut out = String::from("digraph keyless {\n  rankdir=LR;\n");
    for (index, _) in graph.resources() {
        let _ = writeln!(
            out,
            "  {} [label=\"{}\"];",
            node(index),
            label(graph, index)
        );
    }
    for (index, resource) in graph.resources() {
        if let Some(parent) = resource.parent {
            let _ = writeln!(
                out,
                "  {} -> {} [style=dashed, arrowhead=none];",
                node(parent),
                node(index)
            );
        }
    }
    for edge in edges {
        if let Some((from, to)) = assigns_principal(edge) {
            let _ = writeln!(out, "  {} -> {} [label=\"holds\"];", node(from), node(to));
        }
        if let Some((from, to, text)) = edge_ends(edge) {
            let _ = writeln!(out, "  {} -> {} [label=\"{text}\"];", node(from), node(to));
        }
    }
    out.push_str("}\n");
    out
}

pub fn to_mermaid(graph: &Graph, edges: &[Edge]) -> String {
    let mut out = String::from("flowchart LR\n");
    for (index, _) in graph.resources() {
        let _ = writeln!(out, "  {}[\"{}\"]", node(index), label(graph, index));
    }
    for (index, resource) in graph.resources() {
        if let Some(parent) = resource.parent {
            let _ = writeln!(out, "  {} -.- {}", node(parent), node(index));
        }
    }
    for edge in edges {
        if let Some((from, to)) = assigns_principal(edge) {
            let _ = writeln!(out, "  {} -->|holds| {}", node(from), node(to));
        }
        if let Some((from, to, text)) = edge_ends(edge) {
            let _ = writeln!(out, "  {} -->|{text}| {}", node(from), node(to));
        }
    }
    out
}
