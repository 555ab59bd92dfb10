//! Inline suppressions.
//!
//! A *suppression* silences findings of named rules on some lines of one file:
//! - Bicep's own pragmas: `#disable-next-line <rule> … [-- reason]` (the next line) and
//!   `#disable-diagnostics <rule> …` (from there until `#restore-diagnostics <rule>` or the end
//!   of the file). Bicep files also use these for the compiler's codes (`BCP081`) and the Bicep
//!   linter's rules, so only codes that are keyless rule ids, or look like a typo of one, are
//!   ours.
//! - In ARM JSON: a `// keyless-disable-next-line <rule> …` comment (JSON has no pragma of its
//!   own; the comment names keyless, so every code in it is ours).
//!
//! A suppression that silences nothing, or names no keyless rule, is itself reported at info
//! level as `unused-suppression`, so stale ones do not pile up (ruff's `RUF100`).

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::explain::{edit_distance, within_edit_distance};
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::bicep::PragmaKind;
use crate::syntax::Tree;

/// The rule id of suppression diagnostics.
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";

const JSON_MARKER: &str = "keyless-disable-next-line";

#[derive(Debug)]
struct Suppression {
    file: FileId,
    /// The code as written.
    code: String,
    span: Span,
    /// Lines it covers, 1-based and inclusive.
    lines: (u32, u32),
    /// Whether `code` is a keyless rule id.
    known: bool,
    used: bool,
}

/// Removes suppressed diagnostics and adds one `unused-suppression` diagnostic per unused or
/// unknown code. `files` and `trees` are indexed by file id.
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    files: &[SourceFile],
    trees: &[Option<Arc<Tree<'static>>>],
) {
    let mut suppressions = Vec::new();
    for (index, (file, tree)) in files.iter().zip(trees).enumerate() {
        collect(
            FileId(index as u32),
            file,
            tree.as_deref(),
            &mut suppressions,
        );
    }
    if suppressions.is_empty() {
        return;
    }
    diagnostics.retain(|diagnostic| {
        let line = files[diagnostic.file.0 as usize]
            .line_col(diagnostic.span.start)
            .line;
        let mut suppressed = false;
        for suppression in suppressions.iter_mut() {
            if suppression.file == diagnostic.file
                && suppression.known
                && suppression.code == diagnostic.rule
                && (suppression.lines.0..=suppression.lines.1).contains(&line)
            {
                suppression.used = true;
                suppressed = true;
            }
        }
        !suppressed
    });
    for suppression in suppressions.into_iter().filter(|s| !s.used) {
        let message = if suppression.known {
            format!(
                "suppression of `{}` silences nothing here",
                suppression.code
            )
        } else {
            format!("`{}` is not a keyless rule", suppression.code)
        };
        let help = if suppression.known {
            "remove the suppression".to_owned()
        } else {
            let mut ids = crate::rules::ids();
            ids.sort_by_key(|id| edit_distance(id, &suppression.code));
            format!(
                "did you mean `{}`?",
                ids.first().copied().unwrap_or_default()
            )
        };
        diagnostics.push(Diagnostic {
            rule: UNUSED_SUPPRESSION,
            severity: Severity::Info,
            message,
            help: Some(help),
            file: suppression.file,
            span: suppression.span,
            resource: None,
            related: Vec::new(),
            fix: None,
        });
    }
}

fn collect(
    id: FileId,
    file: &SourceFile,
    tree: Option<&Tree<'static>>,
    out: &mut Vec<Suppression>,
) {
    match tree {
        Some(Tree::BicepLowered(summary)) => {
            for pragma in &summary.pragmas {
                let line = file.line_col(pragma.span.start).line;
                for code in &pragma.codes {
                    let known = crate::rules::find(&code.text).is_some();
                    if !known && !looks_like_keyless(&code.text) {
                        continue;
                    }
                    let lines = match pragma.kind {
                        PragmaKind::DisableNextLine => (line + 1, line + 1),
                        PragmaKind::DisableDiagnostics => {
                            let end = restore_line(&summary.pragmas, file, &code.text, line)
                                .unwrap_or_else(|| file.line_count() as u32);
                            (line + 1, end)
                        }
                        PragmaKind::RestoreDiagnostics => continue,
                    };
                    out.push(Suppression {
                        file: id,
                        code: code.text.clone(),
                        span: code.span,
                        lines,
                        known,
                        used: false,
                    });
                }
            }
        }
        Some(Tree::ArmTemplate(template)) => json_comments(id, file, template.comments(), out),
        Some(Tree::ArmTemplateComments(comments)) => json_comments(id, file, comments, out),
        Some(Tree::ArmParameters(params)) => json_comments(id, file, params.comments(), out),
        _ => {}
    }
}

/// The line of the first `#restore-diagnostics` for `code` after `after`.
fn restore_line(
    pragmas: &[crate::syntax::bicep::Pragma],
    file: &SourceFile,
    code: &str,
    after: u32,
) -> Option<u32> {
    pragmas
        .iter()
        .filter(|p| p.kind == PragmaKind::RestoreDiagnostics)
        .filter(|p| p.codes.iter().any(|c| c.text == code))
        .map(|p| file.line_col(p.span.start).line)
        .find(|&line| line > after)
}

fn json_comments(
    id: FileId,
    file: &SourceFile,
    comments: &[crate::syntax::json::Comment],
    out: &mut Vec<Suppression>,
) {
    for comment in comments {
        let body = comment.body(&file.text);
        let Some(at) = body.find(JSON_MARKER) else {
            continue;
        };
        if !body[..at].trim().is_empty() {
            continue;
        }
        let line = file.line_col(comment.span.start).line;
        let body_start = comment.span.start as usize + 2;
        let codes_start = body_start + at + JSON_MARKER.len();
        let codes = &body[at + JSON_MARKER.len()..];
        // Words after `--` are a reason, and a further `//` starts a comment: neither is a code.
        let end = [codes.find("--"), codes.find("//")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(codes.len());
        let codes = &codes[..end];
        let mut offset = 0;
        for word in codes.split(|c: char| c.is_whitespace() || c == ',') {
            let start = codes_start + offset;
            offset += word.len() + 1;
            if word.is_empty() {
                continue;
            }
            out.push(Suppression {
                file: id,
                code: word.to_owned(),
                span: Span::new(start, start + word.len()),
                lines: (line + 1, line + 1),
                known: crate::rules::find(word).is_some(),
                used: false,
            });
        }
    }
}

/// A Bicep pragma code that is not a keyless id but close to one: a typo worth reporting.
fn looks_like_keyless(code: &str) -> bool {
    // Most codes are the Bicep linter's (`no-hardcoded-location`), far from every keyless id
    // in length alone; AVM writes one on many declarations.
    let length = code.chars().count();
    crate::rules::RULES
        .iter()
        .chain(crate::rules::PSEUDO_RULES)
        .any(|rule| rule.id.len().abs_diff(length) <= 2 && within_edit_distance(rule.id, code, 2))
}
