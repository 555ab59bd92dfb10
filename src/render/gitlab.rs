//! GitLab Code Quality JSON
//! (<https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>): an array of
//! issues, each with a `description`, `check_name`, `fingerprint` (the one of
//! [`crate::baseline`], so an issue keeps its identity when lines move and GitLab can tell new
//! issues from old ones in a merge request), `severity` and `location`.
//!
//! Severities: error → `critical`, warning → `major`, info → `info` (GitLab's scale is info,
//! minor, major, critical, blocker; `blocker` is left for nothing keyless finds on its own).

use std::io::{self, Write};

use serde::Serialize;

use crate::baseline;
use crate::diagnostic::{Report, Severity};

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    /// Relative to the repository root (the current directory).
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue> = report
        .diagnostics
        .iter()
        .zip(baseline::fingerprints(report))
        .map(|(diagnostic, fingerprint)| {
            let at = report.location(diagnostic.file, diagnostic.span);
            Issue {
                description: &diagnostic.message,
                check_name: diagnostic.rule,
                fingerprint,
                severity: match diagnostic.severity {
                    Severity::Error => "critical",
                    Severity::Warning => "major",
                    Severity::Info => "info",
                },
                location: Location {
                    path: super::repo_path(at.file),
                    lines: Lines {
                        begin: at.start.line,
                        end: at.end.line,
                    },
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
