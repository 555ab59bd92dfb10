//! One renderer per `--format`. Each reads the same sorted [`Report`] and writes bytes that
//! depend on nothing else (no clock, no environment, no thread count), except where a
//! format's host asks for it (colour on a terminal).
//!
//! SARIF, GitLab and baselines name files relative to the current directory ([`repo_path`]),
//! the repository root in CI, so they hold no machine's absolute paths.

mod azure_devops;
mod compact;
pub mod github;
mod gitlab;
mod human;
mod json;
pub mod sarif;

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::OnceLock;

pub use human::render_plain as human_plain;

use crate::cli::Format;
use crate::diagnostic::{Diagnostic, Report};
use crate::source::SourceFile;

/// Choices that change how a report looks, not what it says.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// ANSI colours in the human format.
    pub color: bool,
}

pub fn render(
    report: &Report,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, style, out),
        Format::Compact => compact::render(report, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
        Format::AzureDevops => azure_devops::render(report, out),
        Format::Gitlab => gitlab::render(report, out),
    }
}

/// The path of `file` as SARIF, GitLab and baselines name it: relative to the current
/// directory (the repository root in CI) with `/` separators. A relative path is kept as given;
/// an absolute path outside the current directory stays absolute. The human, compact, JSON and
/// annotation formats show paths as given instead, so a terminal or editor can open them.
pub fn repo_path(file: &SourceFile) -> String {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    let root = ROOT.get_or_init(|| std::env::current_dir().ok());
    match root.as_deref().map(|root| file.path.strip_prefix(root)) {
        Some(Ok(inner)) if !inner.as_os_str().is_empty() => crate::source::display_path(inner),
        _ => file.display_path(),
    }
}

/// The text of a CI annotation: the message, then the help and each related location on
/// lines of their own (the host shows them under the message).
fn annotation_text(report: &Report, diagnostic: &Diagnostic) -> String {
    let mut text = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    for related in &diagnostic.related {
        let at = report.location(related.file, related.span);
        text.push_str(&format!(
            "\n{}:{}:{}: {}",
            at.path, at.start.line, at.start.column, related.message
        ));
    }
    text
}
