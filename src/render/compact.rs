//! `path:line:col: severity: message [rule]`, one line per finding: the shape of gcc's
//! messages, so VS Code's `$gcc` problem matcher and most editors read it as it is.

use std::io::{self, Write};

use crate::diagnostic::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for diagnostic in &report.diagnostics {
        let at = report.location(diagnostic.file, diagnostic.span);
        // A message is one line in this format; a newline would start a bogus finding.
        let message = diagnostic.message.replace(['\r', '\n'], " ");
        writeln!(
            out,
            "{}:{}:{}: {}: {} [{}]",
            at.path,
            at.start.line,
            at.start.column,
            diagnostic.severity.as_str(),
            message,
            diagnostic.rule
        )?;
    }
    Ok(())
}
