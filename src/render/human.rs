//! The human format: miette's graphical report, a source snippet with the exact span
//! underlined, the help line and related locations (which may be in other files), then a
//! one-line summary.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan,
    MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::Style;
use crate::diagnostic::{Diagnostic, Report, Severity};
use crate::source::{FileId, SourceFile, Span};

/// Terminal width used when the output is not a terminal (files, pipes, snapshots).
const WIDTH: usize = 100;

pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    // Each finding renders on its own (and reads its file's text back).
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
    let mut texts = Texts::default();
    let mut text = String::new();
    for diagnostic in run {
        handler.render_report(
            &mut text,
            &HumanDiagnostic::new(report, &mut texts, diagnostic),
        )?;
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
    fn new(report: &'a Report, texts: &mut Texts, diagnostic: &'a Diagnostic) -> Self {
        texts.start(diagnostic.file);
        let related = diagnostic
            .related
            .iter()
            .map(|related| {
                let source = texts.named(report, related.file);
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
        let source = texts.named(report, diagnostic.file);
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
        self.source.text.as_ref()?;
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = visible_span(self.source.text.as_deref()?, self.span);
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
fn visible_span(text: &str, span: Span) -> SourceSpan {
    let start = span.start as usize;
    if span.is_empty() && start >= text.len() {
        if let Some((last, ch)) = text.char_indices().next_back() {
            return SourceSpan::new(last.into(), ch.len_utf8());
        }
    }
    SourceSpan::new(start.into(), span.len())
}

/// A file's text with its display path, so that miette prints `path:line:col` above the
/// snippet.
struct NamedText<'a> {
    name: String,
    file: &'a SourceFile,
    /// `None` when the file, set aside during the run, cannot be read back as it was linted
    /// (it changed since): the finding is shown without a snippet.
    text: Option<Arc<str>>,
    /// Whether the file has only `\n` and `\r\n` line ends, so that its line numbers are the
    /// same for miette (for which a lone `\r` also ends a line) and for [`SourceFile`]. Files
    /// with a lone `\r` (classic Mac line ends, rare) are read by miette from the start.
    plain_lines: bool,
}

/// The texts of the files the finding being shown points into. A run's report keeps the
/// texts of its files set aside (see [`SourceFile::unload`]); they are read back here one
/// finding's files at a time, and kept while the findings of the same file follow (the report
/// is sorted by file), so that memory holds a few files, not every file with a finding.
#[derive(Default)]
struct Texts {
    file: Option<FileId>,
    read: Vec<(FileId, Option<Arc<str>>, bool)>,
}

impl Texts {
    /// Starts the finding of a file: the texts read for other files are dropped.
    fn start(&mut self, file: FileId) {
        if self.file != Some(file) {
            self.file = Some(file);
            self.read.clear();
        }
    }

    fn named<'a>(&mut self, report: &'a Report, id: FileId) -> NamedText<'a> {
        let file = report.file(id);
        let (text, plain_lines) = match self.read.iter().find(|(read, _, _)| *read == id) {
            Some((_, text, plain)) => (text.clone(), *plain),
            None => {
                let text = file.text_now().ok();
                let plain = text.as_deref().is_some_and(plain_line_ends);
                self.read.push((id, text.clone(), plain));
                (text, plain)
            }
        };
        NamedText {
            name: file.display_path(),
            file,
            text,
            plain_lines,
        }
    }
}

impl NamedText<'_> {
    /// The message as shown: with its place in front when no snippet will show it.
    fn placed<'m>(&self, message: &'m str, span: Span) -> Cow<'m, str> {
        if self.text.is_some() {
            return Cow::Borrowed(message);
        }
        let at = self.file.line_col(span.start);
        let (name, line, column) = (&self.name, at.line, at.column);
        Cow::Owned(format!(
            "{name}:{line}:{column}: {message} (not shown: the file changed since it was linted)"
        ))
    }
}

fn plain_line_ends(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices('\r')
        .all(|(at, _)| bytes.get(at + 1) == Some(&b'\n'))
}

impl SourceCode for NamedText<'_> {
    /// miette's `read_span` for text walks byte by byte from the start of the input to the
    /// span, so rendering every finding of a 1 MB ARM template was quadratic (issue 9: 28 s of
    /// a 35 s run over AVM). Here miette reads only a window that starts a few lines above the
    /// span, and its line number and span are shifted back by the window's start.
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text = self.text.as_deref().unwrap_or("");
        let (base, base_line) = self.window_start(text, span.offset(), context_lines_before);
        let window = &text.as_bytes()[base..];
        let local = SourceSpan::new((span.offset() - base).into(), span.len());
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let inner_span = SourceSpan::new((inner.span().offset() + base).into(), inner.span().len());
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            inner_span,
            inner.line() + base_line,
            inner.column(),
            inner.line_count() + base_line,
        )))
    }
}

impl NamedText<'_> {
    /// A byte offset at a line start at least `context` lines above `offset` (0 when the
    /// span is near the top or past the end, or the file has lone `\r` line ends), and the
    /// number of lines before it.
    fn window_start(&self, text: &str, offset: usize, context: usize) -> (usize, usize) {
        if !self.plain_lines || offset > text.len() {
            return (0, 0);
        }
        let line = self.file.line_col(offset as u32).line; // 1-based, lines end at `\n`
        let Some(wanted) = line.checked_sub(context as u32 + 1).filter(|&l| l >= 1) else {
            return (0, 0);
        };
        let Some(base) = self.file.line_start(wanted) else {
            return (0, 0);
        };
        (base, wanted as usize - 1)
    }
}
