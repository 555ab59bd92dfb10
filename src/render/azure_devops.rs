//! Azure Pipelines logging commands, one per finding
//! (<https://learn.microsoft.com/en-us/azure/devops/pipelines/scripts/logging-commands#logissue-log-an-error-or-warning>):
//! `##vso[task.logissue type=error;sourcepath=…;linenumber=…;columnnumber=…;code=…]message`.
//!
//! `logissue` knows only `error` and `warning`, so info findings are logged as warnings rather
//! than dropped: the log then agrees with the exit status under `--fail-on info`, and the
//! `code` (the rule id) still tells them apart. Turn a rule off to hide it.

use std::io::{self, Write};

use crate::diagnostic::{Report, Severity};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for diagnostic in &report.diagnostics {
        let at = report.location(diagnostic.file, diagnostic.span);
        let kind = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning | Severity::Info => "warning",
        };
        writeln!(
            out,
            "##vso[task.logissue type={kind};sourcepath={};linenumber={};columnnumber={};code={}]{}",
            property(&at.path),
            at.start.line,
            at.start.column,
            property(diagnostic.rule),
            data(&super::annotation_text(report, diagnostic)),
        )?;
    }
    Ok(())
}

/// Escapes a command's message as `escapeData` does in
/// <https://github.com/microsoft/azure-pipelines-task-lib/blob/master/node/taskcommand.ts>:
/// `%` becomes `%AZP25` (the agent reads a plain `%25` as text), then CR and LF.
fn data(text: &str) -> String {
    text.replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value as `escape` does in the same file: also `]`, which ends the
/// command, and `;`, which ends the property.
fn property(text: &str) -> String {
    data(text).replace(']', "%5D").replace(';', "%3B")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::source::{FileId, SourceFile, Span};

    #[test]
    fn messages_and_properties_are_escaped() {
        let report = Report {
            files: vec![SourceFile::new("a;b]c%,:.bicep", "x\n", false)],
            diagnostics: vec![Diagnostic {
                rule: "local-auth-enabled",
                severity: Severity::Info,
                message: "50%; done] a,b: c\r\nnext".into(),
                help: Some("do it".into()),
                file: FileId(0),
                span: Span::new(0, 1),
                resource: None,
                related: Vec::new(),
                fix: None,
            }],
            files_scanned: 1,
        };
        let mut out = Vec::new();
        render(&report, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "##vso[task.logissue type=warning;sourcepath=a%3Bb%5Dc%AZP25,:.bicep;linenumber=1;\
             columnnumber=1;code=local-auth-enabled]50%AZP25; done] a,b: c%0D%0Anext%0Ahelp: do it\n"
        );
    }
}
