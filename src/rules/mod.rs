//! The rules: one file per rule, one line per rule in [`RULES`].
//!
//! A *rule* is a static [`Rule`] and a pure function from the analysed graph to *findings*. A
//! rule never decides whether it runs, how loud it is, what order its findings come in or how
//! they are printed: [`run_all`] does that, the same way for every rule.

mod key_in_config;
mod local_auth_enabled;
mod missing_managed_identity;
mod missing_role_assignment;
mod overbroad_role;
mod overbroad_scope;
mod prefer_user_assigned_identity;
mod role_assignment_name;
mod role_assignment_principal_type;
mod role_name_mismatch;
pub mod role_reading;
mod role_target_mismatch;
mod unknown_role_id;

use crate::catalog::Catalog;
use crate::config::Level;
use crate::diagnostic::{Diagnostic, Fix, Related, ResourceRef, Severity};
use crate::graph::edges::Edge;
use crate::graph::value::{Origin, ResourceIndex};
use crate::graph::Graph;
use crate::source::FileId;

pub struct Rule {
    /// Kebab-case and stable: the name in configs, suppressions, reports and docs.
    pub id: &'static str,
    /// One line, for `keyless rules` and SARIF `shortDescription`.
    pub summary: &'static str,
    pub default_level: Level,
    /// The keyless version that introduced the rule.
    pub since: &'static str,
    /// `rules/docs/<id>.md`.
    pub doc: &'static str,
    pub check: fn(&Context) -> Vec<Finding>,
}

/// What a rule reads.
pub struct Context<'a> {
    pub graph: &'a Graph,
    pub edges: &'a [Edge],
    pub catalog: &'a Catalog,
    /// Role definition GUIDs the configuration declares (`customRoles`), lower-case.
    pub custom_role_ids: &'a [String],
    /// The text of every file, by id: fixes read it to write edits in the file's own style.
    pub files: &'a [crate::source::SourceFile],
    /// The graph's role assignments, read once for the nine rules that look at them (see
    /// [`role_reading::assignments`]).
    pub assignments: std::cell::OnceCell<Vec<role_reading::Assignment<'a>>>,
}

/// One thing a rule found.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The exact property, argument or literal, wherever it was written.
    pub at: Origin,
    pub message: String,
    pub help: Option<String>,
    pub related: Vec<(Origin, String)>,
    pub fix: Option<Fix>,
    pub resource: Option<ResourceIndex>,
    /// A rule whose findings differ in weight (an AI service's keys are worse than a cache's)
    /// says so here; `None` means the rule's level. A level set in the configuration wins.
    pub level: Option<Level>,
}

impl Finding {
    pub fn new(at: Origin, message: impl Into<String>) -> Finding {
        Finding {
            at,
            message: message.into(),
            help: None,
            related: Vec::new(),
            fix: None,
            resource: None,
            level: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn resource(mut self, resource: ResourceIndex) -> Finding {
        self.resource = Some(resource);
        self
    }

    pub fn related(mut self, at: Origin, note: impl Into<String>) -> Finding {
        self.related.push((at, note.into()));
        self
    }

    pub fn level(mut self, level: Level) -> Finding {
        self.level = Some(level);
        self
    }

    pub fn fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix;
        self
    }
}

/// Every rule, sorted by id. Adding a rule is adding its file and one line here.
pub static RULES: &[&Rule] = &[
    &key_in_config::RULE,
    &local_auth_enabled::RULE,
    &missing_managed_identity::RULE,
    &missing_role_assignment::RULE,
    &overbroad_role::RULE,
    &overbroad_scope::RULE,
    &prefer_user_assigned_identity::RULE,
    &role_assignment_name::RULE,
    &role_assignment_principal_type::RULE,
    &role_name_mismatch::RULE,
    &role_target_mismatch::RULE,
    &unknown_role_id::RULE,
];

/// The pseudo-rule of parse errors: listed by `keyless rules`, configurable like the others.
pub static SYNTAX_ERROR: Rule = Rule {
    id: crate::diagnostic::SYNTAX_ERROR,
    summary: "a file that cannot be parsed",
    default_level: Level::Error,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/syntax-error.md"),
    check: |_| Vec::new(),
};

/// The pseudo-rule of suppressions that silence nothing or name no rule (see `suppress`).
pub static UNUSED_SUPPRESSION: Rule = Rule {
    id: crate::suppress::UNUSED_SUPPRESSION,
    summary: "a suppression comment that silences nothing or names no keyless rule",
    default_level: Level::Info,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/unused-suppression.md"),
    check: |_| Vec::new(),
};

/// The rules the runner does not call: their diagnostics come from the front ends and the
/// suppression pass, but they are listed, documented and configured like the others.
pub static PSEUDO_RULES: &[&Rule] = &[&SYNTAX_ERROR, &UNUSED_SUPPRESSION];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .chain(PSEUDO_RULES)
        .copied()
        .find(|rule| rule.id == id)
}

/// Every rule id, sorted, the pseudo-rules included.
pub fn ids() -> Vec<&'static str> {
    let mut ids: Vec<&str> = RULES.iter().chain(PSEUDO_RULES).map(|r| r.id).collect();
    ids.sort_unstable();
    ids
}

/// How loud each rule is in this run, from the configuration files and the flags. A rule
/// that is off for every file is not run at all.
pub trait Levels {
    /// The configured level of `rule` for findings in `file`; `None` keeps the default.
    fn configured(&self, rule: &str, file: FileId) -> Option<Level>;
    /// Whether `rule` may report in some file of the run.
    fn enabled_anywhere(&self, rule: &Rule) -> bool;
}

/// Runs every enabled rule and turns findings into diagnostics.
pub fn run_all(cx: &Context, levels: &dyn Levels) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for rule in RULES {
        if !levels.enabled_anywhere(rule) {
            continue;
        }
        for finding in (rule.check)(cx) {
            let level = levels
                .configured(rule.id, finding.at.file)
                .or(finding.level)
                .unwrap_or(rule.default_level);
            let Some(severity) = severity_of(level) else {
                continue;
            };
            let resource = finding.resource.map(|index| {
                let resource = cx.graph.resource(index);
                ResourceRef {
                    type_name: resource.type_name.to_string(),
                    symbol: resource.symbol.to_string(),
                }
            });
            diagnostics.push(Diagnostic {
                rule: rule.id,
                severity,
                message: finding.message,
                help: finding.help,
                file: finding.at.file,
                span: finding.at.span,
                resource,
                related: finding
                    .related
                    .into_iter()
                    .map(|(at, message)| Related {
                        file: at.file,
                        span: at.span,
                        message,
                    })
                    .collect(),
                fix: finding.fix,
            });
        }
    }
    diagnostics
}

pub fn severity_of(level: Level) -> Option<Severity> {
    match level {
        Level::Off => None,
        Level::Info => Some(Severity::Info),
        Level::Warning => Some(Severity::Warning),
        Level::Error => Some(Severity::Error),
    }
}
