//! The human format: miette's graphical report, a source snippet with the exact span
//! underlined, the help line and related locations (which may be in other files), then a
//! one-line summary.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan,
    MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::Style;
use crate::diagnostic::{Diagnostic, Report, Severity};
use crate::source::{Excerpt, SourceFile, Span};

/// Terminal width used when the output is not a terminal (files, pipes, snapshots).
const WIDTH: usize = 100;

pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    // Each finding renders on its own, from the lines its file kept around it.
    let rendered = crate::diagnostic::map_runs_of_files(&report.diagnostics, |run| {
        render_run(report, style, run)
    });
    for text in rendered {
        out.write_all(text.map_err(io::Error::other)?.as_bytes())?;
    }
    writeln!(out, "{}", summary(report))
}

fn render_run(report: &Report, style: Style, run: &[Diagnostic]) -> Result<String, fmt::Error> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false);
    let mut text = String::new();
    for diagnostic in run {
        handler.render_report(&mut text, &HumanDiagnostic::new(report, diagnostic))?;
    }
    Ok(text)
}

/// The plain (colourless) rendering used by snapshot tests.
pub fn render_plain(report: &Report) -> String {
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = render(report, Style { color: false }, &mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

fn summary(report: &Report) -> String {
    let files = plural(report.files_scanned, "file");
    if report.diagnostics.is_empty() {
        return format!("no findings in {files}");
    }
    let counts: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Info, "info"),
    ]
    .into_iter()
    .map(|(severity, noun)| (report.count(severity), noun))
    .filter(|&(count, _)| count > 0)
    .map(|(count, noun)| {
        if noun == "info" {
            format!("{count} info")
        } else {
            plural(count, noun)
        }
    })
    .collect();
    format!("found {} in {files}", counts.join(", "))
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A diagnostic as miette sees it: borrowing the report, so no source text is copied.
struct HumanDiagnostic<'a> {
    severity: miette::Severity,
    code: String,
    message: Cow<'a, str>,
    help: Option<&'a str>,
    source: NamedText<'a>,
    span: Span,
    related: Vec<HumanDiagnostic<'a>>,
}

impl<'a> HumanDiagnostic<'a> {
    fn new(report: &'a Report, diagnostic: &'a Diagnostic) -> Self {
        let related = diagnostic
            .related
            .iter()
            .map(|related| {
                let source = NamedText::new(report.file(related.file), related.span);
                HumanDiagnostic {
                    severity: miette::Severity::Advice,
                    code: String::new(),
                    message: source.placed(&related.message, related.span),
                    help: None,
                    source,
                    span: related.span,
                    related: Vec::new(),
                }
            })
            .collect();
        let source = NamedText::new(report.file(diagnostic.file), diagnostic.span);
        HumanDiagnostic {
            severity: match diagnostic.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            },
            code: diagnostic.rule.to_owned(),
            message: source.placed(&diagnostic.message, diagnostic.span),
            help: diagnostic.help.as_deref(),
            source,
            span: diagnostic.span,
            related,
        }
    }
}

impl fmt::Debug for HumanDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for HumanDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HumanDiagnostic<'_> {}

impl MietteDiagnostic for HumanDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.excerpt.as_ref()?;
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = visible_span(self.source.excerpt.as_ref()?, self.span);
        // miette draws no underline under an empty span unless it has a label.
        let label = self.span.is_empty().then(|| "here".to_owned());
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(label, span),
        )))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn MietteDiagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn MietteDiagnostic),
        ))
    }
}

/// miette draws nothing for an empty span at the very end of a file (its lines do not
/// contain their end), so such a span is widened to the last character.
fn visible_span(excerpt: &Excerpt, span: Span) -> SourceSpan {
    let start = span.start as usize;
    let end = excerpt.start + excerpt.text.len();
    // An excerpt that reaches an empty span at or past its end ends where the file does.
    if span.is_empty() && start >= end {
        if let Some((last, ch)) = excerpt.text.char_indices().next_back() {
            return SourceSpan::new((excerpt.start + last).into(), ch.len_utf8());
        }
    }
    SourceSpan::new(start.into(), span.len())
}

/// The lines around one span of a file, with the file's display path, so that miette prints
/// `path:line:col` above the snippet.
struct NamedText<'a> {
    name: String,
    file: &'a SourceFile,
    /// `None` when the lines were not kept (the file changed while keyless read it): the
    /// finding is shown without a snippet.
    excerpt: Option<Excerpt<'a>>,
}

impl<'a> NamedText<'a> {
    fn new(file: &'a SourceFile, span: Span) -> Self {
        NamedText {
            name: file.display_path(),
            file,
            excerpt: file.excerpt(span),
        }
    }

    /// The message as shown: with its place in front when no snippet will show it.
    fn placed<'m>(&self, message: &'m str, span: Span) -> Cow<'m, str> {
        if self.excerpt.is_some() {
            return Cow::Borrowed(message);
        }
        let at = self.file.line_col(span.start);
        let (name, line, column) = (&self.name, at.line, at.column);
        Cow::Owned(format!(
            "{name}:{line}:{column}: {message} (not shown: the file changed while keyless read it)"
        ))
    }
}

impl SourceCode for NamedText<'_> {
    /// miette's `read_span` for text walks byte by byte from the start of the input to the
    /// span, so rendering every finding of a 1 MB ARM template was quadratic (issue 9: 28 s of
    /// a 35 s run over AVM). Here miette reads the excerpt around the span, which starts at a
    /// line start more lines above it than miette shows, and its line number and span are
    /// shifted by the excerpt's start.
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let excerpt = self.excerpt.as_ref().ok_or(MietteError::OutOfBounds)?;
        let base = excerpt.start;
        let offset = span
            .offset()
            .checked_sub(base)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(offset.into(), span.len());
        let window = excerpt.text.as_bytes();
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let inner_span = SourceSpan::new((inner.span().offset() + base).into(), inner.span().len());
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            inner_span,
            inner.line() + excerpt.line,
            inner.column(),
            inner.line_count() + excerpt.line,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    /// A finding whose lines were not kept (its file changed while keyless read it, and
    /// another unit kept the lines of the other text) is shown with its place and no snippet.
    #[test]
    fn a_finding_without_its_lines_is_shown_with_its_place() {
        let text = "param a string\nparam b string\n";
        let mut file = SourceFile::new("main.bicep", text, false);
        file.unload([]);
        let diagnostic = Diagnostic::syntax_error(FileId(0), Span::new(15, 20), "not kept");
        let report = Report {
            files: vec![file],
            diagnostics: vec![diagnostic],
            files_scanned: 1,
        };
        let shown = render_plain(&report);
        assert!(
            shown.contains(
                "main.bicep:2:1: not kept (not shown: the file changed while keyless read it)"
            ),
            "{shown}"
        );
        assert!(!shown.contains("╭─["), "{shown}");
    }
}
