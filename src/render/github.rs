//! GitHub Actions workflow commands, one annotation per finding
//! (<https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-an-error-message>):
//! `::error file=…,line=…,endLine=…,col=…,endColumn=…,title=…::message`, `::warning` and
//! `::notice` for the other severities; and a Markdown summary for `GITHUB_STEP_SUMMARY`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::diagnostic::{Report, Severity};

/// GitHub shows at most this many annotations of each kind per step and drops the rest
/// silently (<https://github.com/orgs/community/discussions/26680>, 10 errors and 10 warnings;
/// notices are capped the same way).
pub const ANNOTATIONS_PER_KIND: usize = 10;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for diagnostic in &report.diagnostics {
        let at = report.location(diagnostic.file, diagnostic.span);
        write!(
            out,
            "::{} file={},line={},endLine={}",
            kind(diagnostic.severity),
            property(&at.path),
            at.start.line,
            at.end.line
        )?;
        // GitHub ignores `col` and `endColumn` when the range spans lines, so they are only
        // written for one-line ranges (ruff does the same:
        // https://github.com/astral-sh/ruff/blob/main/crates/ruff_db/src/diagnostic/render/github.rs).
        if at.start.line == at.end.line {
            write!(out, ",col={},endColumn={}", at.start.column, at.end.column)?;
        }
        let title = format!("keyless ({})", diagnostic.rule);
        let text = super::annotation_text(report, diagnostic);
        writeln!(out, ",title={}::{}", property(&title), data(&text))?;
    }
    let hidden: usize = [Severity::Error, Severity::Warning, Severity::Info]
        .into_iter()
        .map(|severity| report.count(severity).saturating_sub(ANNOTATIONS_PER_KIND))
        .sum();
    // Last, so that it never displaces a finding. With ten or more info findings it is itself
    // past the notice cap; the step summary still counts everything.
    if hidden > 0 {
        writeln!(
            out,
            "::notice title=keyless::{}",
            data(&format!(
                "{hidden} of {} findings are not shown as annotations: GitHub shows {ANNOTATIONS_PER_KIND} of each kind per step; the step log lists them all",
                report.diagnostics.len()
            ))
        )?;
    }
    Ok(())
}

fn kind(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Escapes a command's message, as `escapeData` in
/// <https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts> does.
pub fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`escapeProperty` in the same file): also `:` and `,`, which
/// would end the value.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown appended to `$GITHUB_STEP_SUMMARY`
/// (<https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#adding-a-job-summary>):
/// one row per rule and severity, errors first.
pub fn step_summary(report: &Report) -> String {
    let mut text = String::from("### keyless\n\n");
    let files = report.files_scanned;
    let files = format!("{files} file{}", if files == 1 { "" } else { "s" });
    if report.diagnostics.is_empty() {
        text.push_str(&format!("No findings in {files}.\n"));
        return text;
    }
    let mut rows: BTreeMap<(std::cmp::Reverse<Severity>, &str), usize> = BTreeMap::new();
    for diagnostic in &report.diagnostics {
        *rows
            .entry((std::cmp::Reverse(diagnostic.severity), diagnostic.rule))
            .or_default() += 1;
    }
    let total = report.diagnostics.len();
    text.push_str(&format!(
        "{total} finding{} in {files}.\n\n| rule | count | severity |\n|---|---:|---|\n",
        if total == 1 { "" } else { "s" }
    ));
    for ((severity, rule), count) in rows {
        text.push_str(&format!(
            "| [`{rule}`]({}{rule}.md) | {count} | {} |\n",
            super::sarif::DOCS_BASE,
            severity.0.as_str()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, Related};
    use crate::source::{FileId, SourceFile, Span};

    fn report(message: &str, path: &str, text: &str, span: Span, severity: Severity) -> Report {
        Report {
            files: vec![SourceFile::new(path, text.to_owned(), false)],
            diagnostics: vec![Diagnostic {
                rule: "key-in-config",
                severity,
                message: message.into(),
                help: None,
                file: FileId(0),
                span,
                resource: None,
                related: Vec::new(),
                fix: None,
            }],
            files_scanned: 1,
        }
    }

    fn rendered(report: &Report) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn messages_and_properties_are_escaped() {
        let mut report = report(
            "100% sure: a,b; c] d\r\nnext",
            "in,fra:x/main.bicep",
            "abc\n",
            Span::new(0, 3),
            Severity::Error,
        );
        report.diagnostics[0].related.push(Related {
            file: FileId(0),
            span: Span::new(1, 2),
            message: "see: here, 50%".into(),
        });
        assert_eq!(
            rendered(&report),
            "::error file=in%2Cfra%3Ax/main.bicep,line=1,endLine=1,col=1,endColumn=4,\
             title=keyless (key-in-config)::100%25 sure: a,b; c] d%0D%0Anext\
             %0Ain,fra:x/main.bicep:1:2: see: here, 50%25\n"
        );
    }

    #[test]
    fn multi_line_ranges_have_no_columns() {
        let report = report("m", "a.bicep", "ab\ncd\n", Span::new(1, 4), Severity::Info);
        assert_eq!(
            rendered(&report),
            "::notice file=a.bicep,line=1,endLine=2,title=keyless (key-in-config)::m\n"
        );
    }

    #[test]
    fn a_notice_counts_what_github_hides() {
        let mut report = report("m", "a.bicep", "ab\n", Span::new(0, 1), Severity::Warning);
        let warning = report.diagnostics[0].clone();
        report.diagnostics = vec![warning; 13];
        let text = rendered(&report);
        assert_eq!(text.lines().count(), 14);
        assert!(text.ends_with(
            "::notice title=keyless::3 of 13 findings are not shown as annotations: GitHub shows 10 of each kind per step; the step log lists them all\n"
        ), "{text}");
        assert!(step_summary(&report).contains("| 13 | warning |"));
    }
}
