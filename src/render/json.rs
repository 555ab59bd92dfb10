//! The JSON report, version 1, exactly as DESIGN.md specifies it: outside checks parse it.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Report};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    files_scanned: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    resource: Option<JsonResource<'a>>,
    related: Vec<JsonRelated<'a>>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonResource<'a> {
    #[serde(rename = "type")]
    type_name: &'a str,
    symbol: &'a str,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: String,
    line: u32,
    column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

/// `start` and `end` are byte offsets into the file as it is on disk (after a byte-order mark,
/// if the file has one, since the mark is three bytes the editor also sees).
#[derive(Serialize)]
struct JsonEdit<'a> {
    file: String,
    start: u32,
    end: u32,
    insert: &'a str,
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let json = JsonReport {
        version: 1,
        files_scanned: report.files_scanned,
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| convert(report, d))
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}

fn convert<'a>(report: &'a Report, diagnostic: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let at = report.location(diagnostic.file, diagnostic.span);
    JsonDiagnostic {
        rule: diagnostic.rule,
        severity: diagnostic.severity.as_str(),
        message: &diagnostic.message,
        // DESIGN.md: `file` is relative to the current directory.
        file: super::repo_path(at.file),
        line: at.start.line,
        column: at.start.column,
        end_line: at.end.line,
        end_column: at.end.column,
        resource: diagnostic.resource.as_ref().map(|r| JsonResource {
            type_name: &r.type_name,
            symbol: &r.symbol,
        }),
        related: diagnostic
            .related
            .iter()
            .map(|related| {
                let at = report.location(related.file, related.span);
                JsonRelated {
                    file: super::repo_path(at.file),
                    line: at.start.line,
                    column: at.start.column,
                    message: &related.message,
                }
            })
            .collect(),
        fix: diagnostic.fix.as_ref().map(|fix| JsonFix {
            description: &fix.description,
            edits: fix
                .edits
                .iter()
                .map(|edit| {
                    let file = report.file(edit.file);
                    let bom = if file.has_bom { 3 } else { 0 };
                    JsonEdit {
                        file: super::repo_path(file),
                        start: edit.span.start + bom,
                        end: edit.span.end + bom,
                        insert: &edit.insert,
                    }
                })
                .collect(),
        }),
    }
}
