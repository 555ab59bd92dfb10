#![doc = include_str!("../../rules/docs/role-assignment-name.md")]

use std::collections::BTreeSet;

use super::role_reading::{self, looks_like_guid, Source};
use super::{Context, Finding, Rule};
use crate::config::Level;
use crate::graph::decl::TemplateDecl;
use crate::graph::expr::{ArrayItem, Expr, ExprKind, ObjectItem, StringPart};
use crate::graph::value::{Origin, Segment, UnknownKind, Value, ValueKind};

pub static RULE: Rule = Rule {
    id: "role-assignment-name",
    summary:
        "a role assignment name that is not a deterministic `guid()` of scope, principal and role",
    default_level: Level::Warning,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/role-assignment-name.md"),
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for assignment in role_reading::assignments(cx) {
        let Source::Resource(index) = assignment.source else {
            continue;
        };
        if assignment.cosmos {
            continue;
        }
        let resource = cx.graph.resource(index);
        let template = cx.graph.template(resource.template);
        let decl = &template.decl;
        let Some(body) = decl
            .resources
            .iter()
            .find(|r| r.symbol == resource.symbol)
            .map(|r| &r.body)
        else {
            continue;
        };
        let Some(name) = body.property("name") else {
            continue;
        };
        let Some(problem) = Problem::find(decl, body, name, &resource.name) else {
            continue;
        };
        let at = Origin::new(template.file, name.span);
        let finding = Finding::new(at, problem.message(&resource.display_name()))
            .help("name it `guid(<scope>.id, <principal id>, <role definition id>)`, so a redeployment finds the same assignment and two grants never share a name")
            .resource(index);
        if !findings
            .iter()
            .any(|f| f.at == finding.at && f.message == finding.message)
        {
            findings.push(finding);
        }
    }
    findings
}

enum Problem {
    NewGuid,
    Literal,
    Missing(Vec<&'static str>),
}

impl Problem {
    fn find(decl: &TemplateDecl, body: &Expr, name: &Expr, evaluated: &Value) -> Option<Problem> {
        if contains_new_guid(evaluated) {
            return Some(Problem::NewGuid);
        }
        let name = resolve(decl, name, 0);
        if let Some(text) = name.as_str() {
            let last = text.rsplit('/').next().unwrap_or(text);
            return looks_like_guid(last).then_some(Problem::Literal);
        }
        let call = find_guid_call(name)?;
        let ExprKind::Call { args, .. } = &call.kind else {
            return None;
        };
        let mut given = BTreeSet::new();
        for arg in args {
            atoms(decl, arg, 0, &mut given);
        }
        // A literal (`'ssh-Contributor'`, `'msi-${id.name}-KeyVault-Admin'`) stands for a
        // fixed role on a fixed scope: only a missing principal is then certain.
        let labelled = args.iter().any(has_literal_text);
        let properties = body.property("properties");
        let part = |key: &str| properties.and_then(|p| p.property(key));
        let mut missing = Vec::new();
        for (what, expr) in [
            ("scope", body.property("scope")),
            ("principal", part("principalId")),
            ("role", part("roleDefinitionId")),
        ] {
            let Some(expr) = expr else {
                continue;
            };
            let mut wanted = BTreeSet::new();
            atoms(decl, expr, 0, &mut wanted);
            if wanted.is_empty() {
                continue;
            }
            if wanted.is_disjoint(&given) && (what == "principal" || !labelled) {
                missing.push(what);
            }
        }
        (!missing.is_empty()).then_some(Problem::Missing(missing))
    }

    fn message(&self, symbol: &str) -> String {
        match self {
            Problem::NewGuid => format!("the name of `{symbol}` is a `newGuid()`, so every deployment creates another assignment or fails"),
            Problem::Literal => format!("the name of `{symbol}` is a literal GUID, so it cannot differ between scopes and principals"),
            Problem::Missing(parts) => format!(
                "the `guid()` name of `{symbol}` leaves out the {}",
                parts.join(" and the ")
            ),
        }
    }
}

fn contains_new_guid(value: &Value) -> bool {
    let is_new = |kind: &UnknownKind| matches!(kind, UnknownKind::Call(f) if f.eq_ignore_ascii_case("newGuid"));
    match &value.kind {
        ValueKind::Unknown(u) => is_new(&u.kind),
        ValueKind::Partial(segments) => segments
            .iter()
            .any(|s| matches!(s, Segment::Unknown(u) if is_new(&u.kind))),
        _ => false,
    }
}

/// A variable reference resolved to the variable's expression (a few levels deep).
fn resolve<'d>(decl: &'d TemplateDecl, expr: &'d Expr, depth: usize) -> &'d Expr {
    if depth > 4 {
        return expr;
    }
    match variable_of(decl, expr) {
        Some(value) => resolve(decl, value, depth + 1),
        None => expr,
    }
}

/// The expression of the variable `expr` names: Bicep `name`, ARM `variables('name')`.
fn variable_of<'d>(decl: &'d TemplateDecl, expr: &Expr) -> Option<&'d Expr> {
    let name = match &expr.kind {
        ExprKind::Symbol(name) => name,
        ExprKind::Call { name, args, .. } if name.eq_ignore_ascii_case("variables") => {
            args.first()?.as_str()?
        }
        _ => return None,
    };
    decl.variables
        .iter()
        .find(|v| v.name == name)
        .map(|v| &v.value)
}

/// The `guid(…)` call in a name (the legacy form concatenates it after the parent's name).
fn find_guid_call(expr: &Expr) -> Option<&Expr> {
    match &expr.kind {
        ExprKind::Call { name, args, .. } => {
            if name.eq_ignore_ascii_case("guid") {
                Some(expr)
            } else {
                args.iter().find_map(find_guid_call)
            }
        }
        ExprKind::Interpolation(parts) => parts.iter().find_map(|p| match p {
            StringPart::Hole(e) => find_guid_call(e),
            StringPart::Literal(..) => None,
        }),
        _ => None,
    }
}

/// The names an expression is built from: identifiers (the root of `app.identity.principalId`),
/// `parameters('x')` and `variables('x')`, and literal strings that are not resource types; a
/// variable adds the names of its own expression.
fn atoms(decl: &TemplateDecl, expr: &Expr, depth: usize, out: &mut BTreeSet<String>) {
    if depth > 6 {
        return;
    }
    let add_variable = |name: &str, out: &mut BTreeSet<String>| {
        out.insert(name.to_ascii_lowercase());
        if let Some(var) = decl
            .variables
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(name))
        {
            atoms(decl, &var.value, depth + 1, out);
        }
        // A resource stands for its name too (`guid(vmName, …)` names the VM's identity).
        if let Some(resource) = decl.resources.iter().find(|r| *r.symbol == *name) {
            if let Some(own) = resource.body.property("name") {
                atoms(decl, own, depth + 1, out);
            }
        }
    };
    match &expr.kind {
        ExprKind::String(text)
            if !text.contains('/')
                && !text.eq_ignore_ascii_case("full")
                && !is_api_version(text)
                && !text.is_empty() =>
        {
            out.insert(text.to_ascii_lowercase());
        }
        ExprKind::Symbol(name) => add_variable(name, out),
        ExprKind::Call { name, args, .. } => {
            let lower = name.to_ascii_lowercase();
            if lower == "parameters" || lower == "variables" {
                if let Some(name) = args.first().and_then(Expr::as_str) {
                    add_variable(name, out);
                }
                return;
            }
            if matches!(lower.as_str(), "resourcegroup" | "subscription") && args.is_empty() {
                out.insert(format!("{lower}()"));
            }
            for arg in args {
                atoms(decl, arg, depth + 1, out);
            }
        }
        ExprKind::Member { object, .. } | ExprKind::NonNull(object) => {
            atoms(decl, object, depth + 1, out)
        }
        ExprKind::Index { object, index, .. } => {
            atoms(decl, object, depth + 1, out);
            atoms(decl, index, depth + 1, out);
        }
        ExprKind::ChildAccess { parent, child } => {
            out.insert(child.to_ascii_lowercase());
            atoms(decl, parent, depth + 1, out);
        }
        ExprKind::Interpolation(parts) => {
            for part in parts {
                if let StringPart::Hole(e) = part {
                    atoms(decl, e, depth + 1, out);
                }
            }
        }
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => {
            atoms(decl, condition, depth + 1, out);
            atoms(decl, then, depth + 1, out);
            atoms(decl, otherwise, depth + 1, out);
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            atoms(decl, lhs, depth + 1, out);
            atoms(decl, rhs, depth + 1, out);
        }
        ExprKind::Array(items) => {
            for item in items {
                let (ArrayItem::Item(e) | ArrayItem::Spread(e)) = item;
                atoms(decl, e, depth + 1, out);
            }
        }
        ExprKind::Object(items) => {
            for item in items {
                match item {
                    ObjectItem::Property(p) => atoms(decl, &p.value, depth + 1, out),
                    ObjectItem::Spread(e) => atoms(decl, e, depth + 1, out),
                }
            }
        }
        _ => {}
    }
}

fn has_literal_text(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::String(text) => !text.is_empty() && !looks_like_guid(text),
        ExprKind::Interpolation(parts) => parts.iter().any(
            |p| matches!(p, StringPart::Literal(text, _) if text.chars().any(char::is_alphabetic)),
        ),
        _ => false,
    }
}

fn is_api_version(text: &str) -> bool {
    text.len() >= 10 && text.as_bytes()[4] == b'-' && text[..4].bytes().all(|b| b.is_ascii_digit())
}
