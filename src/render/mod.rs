//! One renderer per `--format`. Each reads the same sorted [`Report`] and writes bytes that
//! depend on nothing else (no clock, no environment, no thread count), except where a
//! format's host asks for it (colour on a terminal).

mod compact;
mod human;
mod json;

use std::io::{self, Write};

pub use human::render_plain as human_plain;

use crate::cli::Format;
use crate::diagnostic::Report;

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
    }
}
