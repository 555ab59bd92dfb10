#![doc = include_str!("../../rules/docs/local-auth-enabled.md")]

use super::{Context, Finding, Rule};
use crate::catalog::local_auth::{Absent, Predicate, Switch, SwitchKind};
use crate::config::Level;
use crate::diagnostic::{Applicability, Fix};
use crate::fix::{self, Snippet};
use crate::generate;
use crate::graph::value::{ResourceIndex, Value, ValueKind};
use crate::graph::{ModuleCall, Resource};

pub static RULE: Rule = Rule {
    id: "local-auth-enabled",
    summary: "a service with a key or local-auth switch left on or unset",
    default_level: Level::Error,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/local-auth-enabled.md"),
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, resource) in cx.graph.resources() {
        if resource.existing {
            continue;
        }
        for switch in cx.catalog.local_auth.switches_for(&resource.type_name) {
            if switch.kind != SwitchKind::Switch {
                continue;
            }
            if let Some(problem) = Problem::find(cx, index, resource, switch) {
                let fix = problem.fix(cx, resource, switch);
                findings.push(problem.into_finding(cx, index, resource, switch).fix(fix));
            }
        }
    }
    findings.extend(
        cx.graph
            .modules
            .iter()
            .filter_map(|call| verified_module_argument(cx.graph, cx.files, call)),
    );
    findings
}

/// What is wrong with one switch of one resource.
enum Problem<'g> {
    /// The switch is written with an insecure value.
    Insecure { value: &'g Value, path: String },
    /// The switch is not written, and absent means keys stay on.
    Absent { path: String },
    /// The switch is secure, but a further condition is not (AI Search `authOptions`).
    Requirement {
        value: Option<&'g Value>,
        path: String,
        note: String,
    },
}

impl<'g> Problem<'g> {
    fn find(
        cx: &Context<'g>,
        index: ResourceIndex,
        resource: &'g Resource,
        switch: &Switch,
    ) -> Option<Problem<'g>> {
        let written = switch
            .path
            .as_deref()
            .and_then(|path| lookup(&resource.body, path));
        match written {
            Some(value) if value.is_known() => {
                if !satisfies(value, &switch.secure) {
                    let path = switch.path.clone().unwrap_or_default();
                    return Some(Problem::Insecure { value, path });
                }
            }
            // A value only the deployment knows: do not guess.
            Some(_) => return None,
            None => match child_switch(cx, index, switch) {
                ChildState::Secure => {}
                ChildState::Insecure(value, path) => {
                    return Some(Problem::Insecure { value, path })
                }
                ChildState::Unknown => return None,
                ChildState::Missing => {
                    if absent_means_insecure(resource, switch) {
                        let path = switch
                            .path
                            .clone()
                            .or_else(|| switch.child.as_ref().map(|c| c.path.clone()))
                            .unwrap_or_default();
                        return Some(Problem::Absent { path });
                    }
                    return None;
                }
            },
        }
        for requirement in &switch.requires {
            let value = lookup(&resource.body, &requirement.path);
            let violated = match value {
                Some(value) if value.is_known() => !satisfies(value, &requirement.secure),
                Some(_) => false,
                None => requirement.absent == Absent::Insecure,
            };
            if violated {
                return Some(Problem::Requirement {
                    value,
                    path: requirement.path.clone(),
                    note: requirement.note.clone().unwrap_or_default(),
                });
            }
        }
        None
    }

    /// Sets the switch to its secure value: replaces an insecure literal (where it was written,
    /// if it is a whole plain literal), or inserts the property where it is absent. A secure
    /// value that is not a plain value (Batch's list of modes) and the further requirements are
    /// left to the user.
    fn fix(&self, cx: &Context, resource: &Resource, switch: &Switch) -> Option<Fix> {
        let Predicate::Equals { value: wanted } = &switch.secure else {
            return None;
        };
        let secure = Snippet::from_json(wanted)?;
        let (path, edits) = match self {
            Problem::Insecure { value, path } => {
                let edit = fix::replace_literal(cx.graph, cx.files, value.origin, &secure)?;
                (path, vec![edit])
            }
            Problem::Absent { path } if switch.path.is_some() => {
                let decl = generate::decl_of(cx.graph, resource)?;
                let file = cx.files.get(resource.declaration.file.0 as usize)?;
                let segments: Vec<&str> = path.split('.').collect();
                let edits = fix::set_path(
                    resource.declaration.file,
                    file,
                    &decl.body,
                    &segments,
                    secure,
                )?;
                (path, edits)
            }
            _ => return None,
        };
        Some(Fix {
            description: format!("set `{path}` to {}", describe_predicate(&switch.secure)),
            applicability: Applicability::Safe,
            edits,
        })
    }

    fn into_finding(
        self,
        cx: &Context,
        index: ResourceIndex,
        resource: &Resource,
        switch: &Switch,
    ) -> Finding {
        let symbol = &resource.display_name();
        let level = if switch.ai_service {
            Level::Error
        } else {
            Level::Warning
        };
        let secure = describe_predicate(&switch.secure);
        let (at, message) = match &self {
            Problem::Insecure { value, path } => (
                value.origin,
                format!("`{}` is {} on `{symbol}`, so it accepts keys", leaf(path), describe_value(value)),
            ),
            Problem::Absent { path } => match (&switch.path, &switch.child) {
                (None, Some(child)) => (
                    resource.anchor,
                    format!(
                        "`{symbol}` has no `{}` child setting `{}`, so it accepts local credentials",
                        child.type_name.rsplit('/').next().unwrap_or(&child.type_name),
                        leaf(&child.path)
                    ),
                ),
                _ => (resource.anchor, format!("`{}` is not set on `{symbol}`, so it accepts keys", leaf(path))),
            },
            Problem::Requirement { value, path, .. } => (
                value.map_or(resource.anchor, |v| v.origin),
                format!("`{}` on `{symbol}` still lets it accept keys", leaf(path)),
            ),
        };
        let help = match &self {
            Problem::Absent { .. } if switch.path.is_none() => match &switch.child {
                Some(child) => format!(
                    "add `{}` children named {} with `{}` set to {secure}",
                    child.type_name,
                    child
                        .names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    child.path
                ),
                None => String::new(),
            },
            Problem::Insecure { path, .. } | Problem::Absent { path } => {
                format!("set `{path}` to {secure} and grant apps a data-plane role instead")
            }
            Problem::Requirement { path, note, .. } if note.is_empty() => format!("fix `{path}`"),
            Problem::Requirement { note, .. } => note.clone(),
        };
        let mut finding = Finding::new(at, message)
            .help(help)
            .resource(index)
            .level(level);
        // A value from a parameter file or a module argument: show the resource too.
        if at.file != resource.declaration.file
            || at.span.start < resource.declaration.span.start
            || at.span.end > resource.declaration.span.end
        {
            finding = finding.related(resource.anchor, format!("`{symbol}` is declared here"));
        }
        if let Some(call) = caller_of(cx, resource) {
            finding = finding.related(
                call.anchor,
                format!("module `{}` is called here", call.symbol),
            );
        }
        finding
    }
}

/// The module call that instantiated the resource's template, if any.
fn caller_of<'g>(cx: &Context<'g>, resource: &Resource) -> Option<&'g ModuleCall> {
    let template = cx.graph.template(resource.template);
    template.caller.map(|m| &cx.graph.modules[m.0 as usize])
}

enum ChildState<'g> {
    Secure,
    Insecure(&'g Value, String),
    Unknown,
    /// No child carries the switch.
    Missing,
}

/// The switch written in a child resource (App Service publishing credentials policies, SQL
/// `azureADOnlyAuthentications`): secure when every named child exists and is secure.
fn child_switch<'g>(cx: &Context<'g>, parent: ResourceIndex, switch: &Switch) -> ChildState<'g> {
    let Some(child) = &switch.child else {
        return ChildState::Missing;
    };
    let children: Vec<&Resource> = cx
        .graph
        .resources
        .iter()
        .filter(|r| r.parent == Some(parent) && r.is_type(&child.type_name))
        .collect();
    if children.is_empty() {
        return ChildState::Missing;
    }
    let mut all_secure = true;
    for name in &child.names {
        let found = children.iter().find(|r| {
            r.name
                .as_str()
                .and_then(|n| n.rsplit('/').next())
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        });
        let Some(found) = found else {
            all_secure = false;
            continue;
        };
        match lookup(&found.body, &child.path) {
            Some(value) if !value.is_known() => return ChildState::Unknown,
            Some(value) if !satisfies(value, &switch.secure) => {
                return ChildState::Insecure(value, child.path.clone())
            }
            Some(_) => {}
            None => all_secure = false,
        }
    }
    if all_secure {
        ChildState::Secure
    } else {
        ChildState::Missing
    }
}

/// Whether leaving the switch out leaves keys on, given the resource's API version.
fn absent_means_insecure(resource: &Resource, switch: &Switch) -> bool {
    if switch.absent != Absent::Insecure {
        return false;
    }
    match (
        &switch.absent_secure_from_api_version,
        &resource.api_version,
    ) {
        (Some(from), Some(version)) => api_version_key(version) < api_version_key(from),
        _ => true,
    }
}

/// API versions compare by date; `-preview` sorts before the stable version of that date.
fn api_version_key(version: &str) -> (&str, bool) {
    let date = version.get(..10).unwrap_or(version);
    (date, !version.contains("preview"))
}

/// `properties.disableLocalAuth` of a resource body, matching keys ignoring case.
fn lookup<'v>(body: &'v Value, path: &str) -> Option<&'v Value> {
    let value = body.path(path)?;
    (!matches!(value.kind, ValueKind::Null)).then_some(value)
}

fn leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Whether a known value satisfies a predicate of the table.
fn satisfies(value: &Value, predicate: &Predicate) -> bool {
    match predicate {
        Predicate::Equals { value: wanted } => equals(value, wanted),
        Predicate::SubsetOf { values } => match &value.kind {
            ValueKind::Array(items) => {
                !items.is_empty()
                    && items
                        .iter()
                        .all(|item| values.iter().any(|v| equals(item, v)))
            }
            _ => false,
        },
        Predicate::Absent => matches!(value.kind, ValueKind::Null),
        Predicate::Present => true,
    }
}

/// Our value against a table value; strings compare ignoring case (rules/README.md).
fn equals(value: &Value, wanted: &serde_json::Value) -> bool {
    match (&value.kind, wanted) {
        (ValueKind::Bool(a), serde_json::Value::Bool(b)) => a == b,
        (ValueKind::Int(a), serde_json::Value::Number(b)) => b.as_i64() == Some(*a),
        (ValueKind::String(a), serde_json::Value::String(b)) => a.eq_ignore_ascii_case(b),
        // `'true'` written as a string where a boolean is expected still means true to ARM.
        (ValueKind::String(a), serde_json::Value::Bool(b)) => {
            a.eq_ignore_ascii_case(&b.to_string())
        }
        (ValueKind::Null, serde_json::Value::Null) => true,
        _ => false,
    }
}

fn describe_predicate(predicate: &Predicate) -> String {
    match predicate {
        Predicate::Equals { value } => format!("`{}`", json_literal(value)),
        Predicate::SubsetOf { values } => {
            let list: Vec<String> = values
                .iter()
                .map(|v| format!("`{}`", json_literal(v)))
                .collect();
            format!("only {}", list.join(", "))
        }
        Predicate::Absent => "nothing (remove it)".to_owned(),
        Predicate::Present => "a value".to_owned(),
    }
}

fn json_literal(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

fn describe_value(value: &Value) -> String {
    match &value.kind {
        ValueKind::Bool(b) => format!("`{b}`"),
        ValueKind::Int(i) => format!("`{i}`"),
        ValueKind::String(s) => format!("`'{s}'`"),
        ValueKind::Array(items) => {
            let list: Vec<String> = items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map_or_else(|| "…".to_owned(), |s| format!("'{s}'"))
                })
                .collect();
            format!("`[{}]`", list.join(", "))
        }
        _ => "insecure".to_owned(),
    }
}

/// Azure Verified Modules (`br/public:avm/res/…`) take `disableLocalAuth` as a parameter:
/// passing `false` turns keys on.
fn verified_module_argument(
    graph: &crate::graph::Graph,
    files: &[crate::source::SourceFile],
    call: &ModuleCall,
) -> Option<Finding> {
    if !call.source.to_ascii_lowercase().contains("avm/res/") {
        return None;
    }
    let (_, value) = call
        .arguments
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("disableLocalAuth"))?;
    if value.as_bool() != Some(false) {
        return None;
    }
    let source = call.source.to_ascii_lowercase();
    let ai = ["cognitive-services", "search", "machine-learning"]
        .iter()
        .any(|service| source.contains(service));
    let message = format!(
        "`disableLocalAuth` is `false` in the call of module `{}`, so the service accepts keys",
        call.symbol
    );
    let fix =
        fix::replace_literal(graph, files, value.origin, &Snippet::Bool(true)).map(|edit| Fix {
            description: "pass `disableLocalAuth: true`".to_owned(),
            applicability: Applicability::Safe,
            edits: vec![edit],
        });
    Some(
        Finding::new(value.origin, message)
            .fix(fix)
            .help("pass `disableLocalAuth: true` (the module's default) and grant apps a data-plane role instead")
            .related(call.anchor, format!("module `{}` is called here", call.symbol))
            .level(if ai { Level::Error } else { Level::Warning }),
    )
}
