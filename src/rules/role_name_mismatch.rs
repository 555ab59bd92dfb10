#![doc = include_str!("../../rules/docs/role-name-mismatch.md")]

use super::role_reading::{self, labels_around, read_role, Label, RoleRef, Source};
use super::{Context, Finding, Rule};
use crate::catalog::roles::{compact, spaced_words, Role};
use crate::config::Level;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::graph::value::Origin;

pub static RULE: Rule = Rule {
    id: "role-name-mismatch",
    summary: "a GUID whose surrounding name (variable, parameter, description, AVM role name) names a different role",
    default_level: Level::Error,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/role-name-mismatch.md"),
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for assignment in role_reading::assignments(cx) {
        if assignment.cosmos {
            continue;
        }
        let Some(value) = assignment.role else {
            continue;
        };
        let avm = matches!(assignment.source, Source::Avm { .. });
        let RoleRef::Guid { id, at } = read_role(cx, value, avm) else {
            continue;
        };
        let Some(actual) = cx.catalog.roles.by_id(&id) else {
            continue;
        };
        let Some(mismatch) = Mismatch::find(cx, at, actual) else {
            continue;
        };
        let finding = mismatch.into_finding(cx, at, &id, actual);
        if !findings
            .iter()
            .any(|f| f.at == finding.at && f.message == finding.message)
        {
            findings.push(finding);
        }
    }
    findings
}

/// A name beside the GUID that names another role.
struct Mismatch<'c> {
    label: Label,
    named: &'c Role,
    /// The name came from a description rather than an identifier.
    description: bool,
    /// The name came from a `//` comment after the GUID.
    comment: bool,
}

impl<'c> Mismatch<'c> {
    fn find(cx: &Context<'c>, at: Origin, actual: &Role) -> Option<Mismatch<'c>> {
        let labels = labels_around(cx, at);
        // The innermost name that says something about a role decides; a name that matches
        // no role (`storage`, `openAiRoles`) ends the search quietly.
        for label in &labels {
            let name = strip(&label.name);
            if is_generic(&name) {
                continue;
            }
            let named = role_named(cx, &name)?;
            if names_role(&name, actual) || named.id == actual.id {
                return None;
            }
            // `resourceGroupContributorRole`: the scope, then the role.
            let unscoped = ["resourcegroup", "subscription", "rg"]
                .iter()
                .find_map(|p| name.strip_prefix(p))
                .filter(|rest| !rest.is_empty());
            if unscoped.is_some_and(|rest| names_role(rest, actual)) {
                return None;
            }
            // A name that only ends a role's name (`aksClusterAdmin`) is not reported when the
            // GUID's role ends the same way (`… Cluster Admin`).
            let exact = cx.catalog.roles.by_name(&name).is_some();
            if !exact && last_word(&named.name) == last_word(&actual.name) {
                return None;
            }
            return Some(Mismatch {
                label: label.clone(),
                named,
                description: false,
                comment: false,
            });
        }
        if let Some(label) = labels.iter().find(|l| l.description.is_some()) {
            if let Some(named) = role_in_text(cx, label.description.as_deref()?, actual) {
                return Some(Mismatch {
                    label: label.clone(),
                    named,
                    description: true,
                    comment: false,
                });
            }
        }
        // `'5e0bd9bd-…' // Cognitive Services User`: a comment after the GUID on its line.
        let (comment, comment_at) = trailing_comment(cx, at)?;
        let named = role_in_text(cx, &comment, actual)?;
        Some(Mismatch {
            label: Label {
                name: comment.trim().to_owned(),
                span: at.span,
                description: Some(comment),
                name_at: comment_at,
            },
            named,
            description: false,
            comment: true,
        })
    }

    fn into_finding(self, cx: &Context, at: Origin, id: &str, actual: &Role) -> Finding {
        let message = if self.comment {
            format!(
                "the comment `// {}` names `{}`, but `{id}` is `{}`",
                self.label.name, self.named.name, actual.name
            )
        } else if self.description {
            format!(
                "the description of `{}` names `{}`, but `{id}` is `{}`",
                self.label.name, self.named.name, actual.name
            )
        } else {
            format!(
                "`{}` names `{}`, but `{id}` is `{}`",
                self.label.name, self.named.name, actual.name
            )
        };
        let help = format!(
            "use `{}` for `{}`, or rename it to match `{}` (check which role the app needs)",
            self.named.id, self.named.name, actual.name
        );
        // The name may be the mistake rather than the GUID: only `--unsafe-fixes` applies it.
        let fix = cx
            .files
            .get(at.file.0 as usize)
            .filter(|file| file.slice(at.span).eq_ignore_ascii_case(id))
            .map(|_| Fix {
                description: format!("use the GUID of `{}`", self.named.name),
                applicability: Applicability::Unsafe,
                edits: vec![Edit {
                    file: at.file,
                    span: at.span,
                    insert: self.named.id.clone(),
                }],
            });
        let mut finding = Finding::new(at, message).help(help).fix(fix);
        let name_at = Origin::new(at.file, self.label.name_at);
        if name_at != at && !self.label.name_at.start.eq(&self.label.name_at.end) {
            finding = finding.related(name_at, "named here");
        }
        finding
    }
}

/// The text of a `//` comment that follows `at` on the same line (Bicep and ARM JSON with
/// comments), and where it is.
fn trailing_comment(cx: &Context, at: Origin) -> Option<(String, crate::source::Span)> {
    let file = cx.files.get(at.file.0 as usize)?;
    let rest = file.text.get(at.span.end as usize..)?;
    let line = rest.split(['\n', '\r']).next()?;
    let start = line.find("//")?;
    // Only punctuation may stand between the literal and the comment (`',`, `]`, `"`).
    if !line[..start]
        .chars()
        .all(|c| c.is_whitespace() || matches!(c, '\'' | '"' | ',' | ']' | ')' | '}'))
    {
        return None;
    }
    // A test fixture's claim (`// expect: rule`) may follow the comment on the same line.
    let body = line[start + 2..].split("// expect:").next()?.trim();
    if body.is_empty() || body.starts_with("expect:") {
        return None;
    }
    let offset = at.span.end as usize + start;
    let span = crate::source::Span::new(offset, offset + 2 + line[start + 2..].len());
    Some((body.to_owned(), span))
}

fn last_word(name: &str) -> String {
    name.split_whitespace()
        .last()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// A name without the generic words around it: `cognitiveServicesUserRoleId` →
/// `cognitiveServicesUser`, in compact form.
pub fn strip(name: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "roledefinitionresourceid",
        "roledefinitionids",
        "roledefinitionid",
        "roledefinitionname",
        "roledefinition",
        "definitionid",
        "roleassignments",
        "roleassignment",
        "assignments",
        "assignment",
        "roleguid",
        "roleids",
        "roleid",
        "rolename",
        "roles",
        "role",
        "guids",
        "guid",
        "ids",
        "id",
    ];
    let mut name = compact(name);
    loop {
        match SUFFIXES
            .iter()
            .find(|s| name.len() > s.len() && name.ends_with(*s))
        {
            Some(suffix) => name.truncate(name.len() - suffix.len()),
            None => return name,
        }
    }
}

/// Names that say nothing about which role: `roleDefinitionId`, `id`, `value`, `properties`.
fn is_generic(name: &str) -> bool {
    name.len() < 4
        || matches!(
            name,
            "role"
                | "roles"
                | "roleid"
                | "roleids"
                | "roledefinitionid"
                | "roledefinition"
                | "roledefinitions"
                | "roledefinitionidorname"
                | "guid"
                | "name"
                | "value"
                | "values"
                | "properties"
                | "builtin"
                | "builtinroles"
                | "rolemap"
                | "params"
                | "param"
                | "defaultvalue"
                | "roleassignment"
                | "roleassignments"
                | "principal"
        )
}

/// The one built-in role a (stripped, compact) name names: the role of that name or former
/// name, or the only role whose name ends with it (`openAiUser`). `None` when no role or
/// several.
fn role_named<'c>(cx: &Context<'c>, name: &str) -> Option<&'c Role> {
    if let Some(found) = cx.catalog.roles.by_name(name) {
        return Some(found.role);
    }
    if name.len() < 8 {
        return None;
    }
    cx.catalog.roles.only_one_ending_with(name)
}

/// Whether `name` is the role's name or former name, or the end of one.
fn names_role(name: &str, role: &Role) -> bool {
    role.names().any(|n| compact(n).ends_with(name))
}

/// The one role of two or more words a free text names, when it does not also name `actual`.
fn role_in_text<'c>(cx: &Context<'c>, text: &str, actual: &Role) -> Option<&'c Role> {
    let text = spaced_words(text);
    let mut found = cx.catalog.roles.mentioned_in(&text);
    if found.iter().any(|r| r.id == actual.id) {
        return None;
    }
    // `Storage Blob Data Reader` also mentions nothing shorter of two words, but a longer
    // name contains a shorter one (`Cognitive Services OpenAI User` ⊃ none): keep the longest.
    found.sort_by_key(|r| std::cmp::Reverse(r.name.len()));
    let first = *found.first()?;
    let others_inside = found[1..]
        .iter()
        .all(|r| spaced_words(&first.name).contains(&spaced_words(&r.name)));
    others_inside.then_some(first)
}
