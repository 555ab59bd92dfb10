//! Source text and positions.
//!
//! A *source file* is the decoded text of one input (UTF-8, byte-order mark removed) with the
//! byte offset of every line start. A *span* is a half-open byte range into that text. Every
//! syntax node, value and diagnostic carries a span; lines and columns are computed only when a
//! report is rendered. Columns count Unicode scalar values (DESIGN.md, JSON report v1), so the
//! same column is right in every format and in every editor that counts characters.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Inputs larger than this are refused with a diagnostic rather than read into memory: the
/// largest real template we have seen is a few MiB.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Identifies a file within one run (an index into the run's file list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A half-open byte range `start..end` into a [`SourceFile`]'s text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// An empty span at `offset`.
    pub const fn at(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The same span `by` bytes further on (the same text written again later in the file).
    pub fn shifted(self, by: u32) -> Span {
        Span {
            start: self.start + by,
            end: self.end + by,
        }
    }

    /// The smallest span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// The decoded text of one input and its line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as given or discovered, used for display (see [`SourceFile::display_path`]).
    pub path: PathBuf,
    /// The text without a leading byte-order mark. Invalid UTF-8 is replaced (lossy) so that the
    /// prefix can still be shown; such a file also gets a [`DecodeError`].
    pub text: Arc<str>,
    /// Whether the file started with a UTF-8 byte-order mark (kept when a fix rewrites it).
    pub has_bom: bool,
    /// The byte offset of every line start, computed on first use (most files have no finding
    /// to place) and shared by the copies of the file.
    lines: Arc<OnceLock<Lines>>,
    /// Computed on first use (by a fix), and shared by the copies of the file.
    style: Arc<OnceLock<Style>>,
    /// Set while the text is set aside (see [`SourceFile::unload`]).
    unloaded: Option<Arc<Unloaded>>,
}

/// Where the lines of a text start.
#[derive(Debug)]
struct Lines {
    /// The byte offset of every line start (after each `\n`).
    starts: Vec<u32>,
    /// Whether a `\r` ends a line on its own (classic Mac line ends, rare), which some readers
    /// count as a line break and [`SourceFile`] does not.
    lone_cr: bool,
}

/// What stays of a text set aside: enough to place a line and column (with the line starts),
/// the lines the report shows, and to know that what is read back is what was linted.
#[derive(Debug, Clone)]
struct Unloaded {
    length: usize,
    hash: u64,
    /// The offset of every UTF-8 continuation byte (`10xxxxxx`): a column counts characters,
    /// so the continuation bytes before an offset on its line are not counted. Templates are
    /// nearly all ASCII, so this is usually empty.
    continuation_bytes: Vec<u32>,
    /// The excerpts of the text around the spans the report shows (see
    /// [`SourceFile::excerpt`]), by offset, neither overlapping nor touching.
    kept: Vec<Kept>,
}

/// Part of a text set aside, kept for the report.
#[derive(Debug, Clone)]
struct Kept {
    start: usize,
    text: Box<str>,
}

impl Kept {
    fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

/// Whole lines kept above and below each span a report shows: more than any format shows
/// (miette's snippet has one line of context, the baseline fingerprint the span's own line).
const EXCERPT_LINES: usize = 3;

/// The whole lines of a text around a span (see [`SourceFile::excerpt`]).
#[derive(Debug, Clone, Copy)]
pub struct Excerpt<'a> {
    /// The offset in the file where `text` starts: a line start.
    pub start: usize,
    /// The 0-based number of the line `text` starts.
    pub line: usize,
    pub text: &'a str,
}

impl<'a> Excerpt<'a> {
    /// The text of `span` (empty when it is not inside the excerpt or splits a character).
    pub fn slice(&self, span: Span) -> &'a str {
        let start = (span.start as usize).saturating_sub(self.start);
        let end = (span.end as usize).saturating_sub(self.start);
        self.text.get(start..end).unwrap_or("")
    }

    /// The line that holds `offset`, without its line end.
    pub fn line_at(&self, offset: usize) -> &'a str {
        let at = offset.saturating_sub(self.start).min(self.text.len());
        let bytes = self.text.as_bytes();
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |nl| nl + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |nl| at + nl);
        &self.text[start..end]
    }
}

/// How many lines [`Style::of`] reads.
const STYLE_LINES: usize = 2_000;

/// How a file writes: its newline and its indentation unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    pub newline: &'static str,
    pub unit: String,
}

impl Style {
    /// CRLF when the first line ends in CRLF; the indentation unit is the smallest indentation
    /// of any line (two spaces when nothing is indented).
    pub fn of(text: &str) -> Style {
        let newline = match text.find('\n') {
            Some(at) if at > 0 && text.as_bytes()[at - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        // The leading spaces and tabs of each line that has more than them, the shortest
        // first found; one character cannot be beaten, so the scan stops there. The first
        // lines hold the top-level members, indented by one unit: reading the 3 MB of a
        // compiled AVM pattern to the end was 8% of linting it, for the same answer.
        let bytes = text.as_bytes();
        let mut unit: Option<&str> = None;
        // Byte by byte rather than `split` and `trim`: a fix in every file with findings reads
        // up to STYLE_LINES lines (issue 9).
        let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
        let mut start = 0;
        for end in ends.take(STYLE_LINES) {
            let line = &bytes[start..end];
            let line_start = start;
            start = end + 1;
            let indent = line
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            // What follows the indentation, without the `\r`s that end the line.
            let has_rest = line[indent..].iter().any(|&b| b != b'\r');
            if indent == 0 || !has_rest {
                continue;
            }
            if unit.is_none_or(|u| indent < u.len()) {
                unit = Some(&text[line_start..line_start + indent]);
                if indent == 1 {
                    break;
                }
            }
        }
        let unit = unit.map_or_else(|| "  ".to_owned(), str::to_owned);
        Style { newline, unit }
    }
}

/// Why the bytes of a file are not text we can parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub span: Span,
    pub message: String,
}

impl SourceFile {
    /// Decodes `bytes` read from `path`. The file is always returned (so that a diagnostic can
    /// point into it); the error says why its text cannot be parsed.
    pub fn decode(path: impl Into<PathBuf>, bytes: &[u8]) -> (SourceFile, Option<DecodeError>) {
        let path = path.into();
        let (has_bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (true, rest),
            None => (false, bytes),
        };
        if body.len() > MAX_FILE_BYTES {
            let file = SourceFile::new(path, String::new(), has_bom);
            let message = format!(
                "file is too large to lint ({} MiB; the limit is {} MiB)",
                body.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            );
            return (
                file,
                Some(DecodeError {
                    span: Span::at(0),
                    message,
                }),
            );
        }
        match std::str::from_utf8(body) {
            Ok(text) => {
                // The `memchr` crate's search goes many bytes at a time, `str::find` one word
                // (1 % of a run, over every byte read).
                let error = memchr::memchr(0, text.as_bytes()).map(|at| DecodeError {
                    span: Span::new(at, at + 1),
                    message: "file looks binary (it contains a NUL byte), not a template".into(),
                });
                (SourceFile::new(path, text, has_bom), error)
            }
            Err(err) => {
                let valid = err.valid_up_to();
                // Keep only the valid prefix: replacement characters would shift no offsets
                // before the error, and nothing after it is shown.
                let text = String::from_utf8_lossy(&body[..valid]).into_owned();
                let error = DecodeError {
                    span: Span::at(valid),
                    message: format!(
                        "file is not valid UTF-8 (invalid byte 0x{:02X})",
                        body[valid]
                    ),
                };
                (SourceFile::new(path, text, has_bom), Some(error))
            }
        }
    }

    /// A file from text already in memory (tests, stdin).
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>, has_bom: bool) -> SourceFile {
        let text: Arc<str> = text.into();
        SourceFile {
            path: path.into(),
            text,
            has_bom,
            lines: Arc::default(),
            style: Arc::default(),
            unloaded: None,
        }
    }

    /// Sets the text aside, keeping only what identifies it and the lines around the spans
    /// the report shows (`shown`). A run over thousands of files finds something in a few
    /// thousand of them; holding all their text until the report is sorted and shown was half
    /// of the run's memory, and reading it back to show a few lines of each was a fifth of
    /// the run's time (issue 9). [`SourceFile::reload`] reads the whole text back from `path`
    /// (to fix it). An empty text (nothing read) stays as it is.
    pub fn unload(&mut self, shown: impl IntoIterator<Item = Span>) {
        if self.text.is_empty() || self.unloaded.is_some() {
            return;
        }
        // Placing a line and column later needs the line starts of the text being set aside.
        self.lines();
        let kept = shown
            .into_iter()
            .map(|span| {
                let (range, _) = self.excerpt_range(span);
                Kept {
                    start: range.start,
                    text: self.text[range].into(),
                }
            })
            .collect();
        let kept = merged(kept);
        let continuation_bytes = if self.text.is_ascii() {
            Vec::new()
        } else {
            let bytes = self.text.bytes().enumerate();
            bytes
                .filter(|&(_, b)| (b & 0xC0) == 0x80)
                .map(|(at, _)| at as u32)
                .collect()
        };
        self.unloaded = Some(Arc::new(Unloaded {
            length: self.text.len(),
            hash: fingerprint(&self.text),
            continuation_bytes,
            kept,
        }));
        self.text = Arc::from("");
        self.style = Arc::default();
    }

    /// Takes in the excerpts `other` kept of the same file (the same finding place reached by
    /// another unit of the run). Excerpts of another text (the file changed while keyless
    /// read it) are not taken: their findings are shown without lines.
    pub fn keep_excerpts_of(&mut self, other: &SourceFile) {
        let (Some(mine), Some(theirs)) = (&mut self.unloaded, &other.unloaded) else {
            return;
        };
        if (mine.length, mine.hash) != (theirs.length, theirs.hash) {
            return;
        }
        let mine = Arc::make_mut(mine);
        let mut all = std::mem::take(&mut mine.kept);
        all.extend(theirs.kept.iter().cloned());
        mine.kept = merged(all);
    }

    /// The whole lines around `span`: at least [`EXCERPT_LINES`] above and below it, from the
    /// top of the file when a lone `\r` makes line numbers depend on the reader. From the
    /// text, or from what was kept of it when it was set aside (`None` if that does not
    /// cover the span: another text of the file was set aside).
    pub fn excerpt(&self, span: Span) -> Option<Excerpt<'_>> {
        let (range, line) = self.excerpt_range(span);
        let text = match &self.unloaded {
            None => self.text.get(range.clone())?,
            Some(unloaded) => {
                let at = unloaded
                    .kept
                    .partition_point(|kept| kept.start <= range.start);
                let kept = &unloaded.kept[at.checked_sub(1)?];
                kept.text
                    .get(range.start - kept.start..range.end - kept.start)?
            }
        };
        Some(Excerpt {
            start: range.start,
            line,
            text,
        })
    }

    /// The byte range of [`SourceFile::excerpt`] and the 0-based number of its first line.
    fn excerpt_range(&self, span: Span) -> (std::ops::Range<usize>, usize) {
        let length = self.text_len();
        let lines = self.lines();
        let line_of = |offset: u32| {
            let offset = (offset as usize).min(length);
            lines.starts.partition_point(|&s| s as usize <= offset) - 1
        };
        let first = if lines.lone_cr {
            0
        } else {
            line_of(span.start).saturating_sub(EXCERPT_LINES)
        };
        let after = line_of(span.end.max(span.start)) + EXCERPT_LINES + 1;
        let end = lines.starts.get(after).map_or(length, |&s| s as usize);
        (lines.starts[first] as usize..end, first)
    }

    /// The length of the text in bytes, set aside or not.
    pub fn text_len(&self) -> usize {
        self.unloaded.as_ref().map_or(self.text.len(), |u| u.length)
    }

    /// Whether the text is set aside (see [`SourceFile::unload`]).
    pub fn is_unloaded(&self) -> bool {
        self.unloaded.is_some()
    }

    /// Reads the text set aside by [`SourceFile::unload`] back from disk; an error when the
    /// file cannot be read or no longer holds what was linted.
    pub fn reload(&mut self) -> Result<(), String> {
        let Some(unloaded) = &self.unloaded else {
            return Ok(());
        };
        let bytes = std::fs::read(&self.path).map_err(|err| err.to_string())?;
        let (file, _) = SourceFile::decode(&self.path, &bytes);
        if file.text.len() != unloaded.length || fingerprint(&file.text) != unloaded.hash {
            return Err("the file changed while keyless read it; run keyless again".into());
        }
        self.text = file.text;
        self.unloaded = None;
        Ok(())
    }

    /// The path with `/` separators and without a leading `./`, as reports show it.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// The 1-based line and character column of a byte offset. Offsets past the end clamp to
    /// the end; offsets inside a multi-byte character count that character as started.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = (offset as usize).min(self.text_len());
        let line_starts = &self.lines().starts;
        let line = line_starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = line_starts[line] as usize;
        // Count characters by counting bytes that start one (not continuation bytes
        // 10xxxxxx).
        let column = match &self.unloaded {
            Some(unloaded) => {
                let before = |at: usize| {
                    unloaded
                        .continuation_bytes
                        .partition_point(|&c| (c as usize) < at)
                };
                (offset - start) - (before(offset) - before(start))
            }
            None => self.text.as_bytes()[start..offset]
                .iter()
                .filter(|&&b| (b & 0xC0) != 0x80)
                .count(),
        };
        LineCol {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// The byte offset where 1-based `line` starts, if the file has that line.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        let index = line.checked_sub(1)? as usize;
        self.lines().starts.get(index).map(|&s| s as usize)
    }

    pub fn line_count(&self) -> usize {
        self.lines().starts.len()
    }

    fn lines(&self) -> &Lines {
        self.lines.get_or_init(|| {
            // Lines are short (30 bytes in compiled templates): the `memchr` crate's iterator
            // scans many at a time, where `str::match_indices` starts a search per line (5% of
            // a run over compiled AVM templates).
            let bytes = self.text.as_bytes();
            let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
            starts.push(0u32);
            starts.extend(memchr::memchr_iter(b'\n', bytes).map(|at| at as u32 + 1));
            // Kept with the findings until the run ends (see `unload`): no spare capacity.
            starts.shrink_to_fit();
            let lone_cr =
                memchr::memchr_iter(b'\r', bytes).any(|at| bytes.get(at + 1) != Some(&b'\n'));
            Lines { starts, lone_cr }
        })
    }

    /// The file's newline and indentation unit, for text a fix writes into it. Computed once
    /// per file: a large template can have a fix per resource.
    pub fn style(&self) -> &Style {
        self.style.get_or_init(|| Style::of(&self.text))
    }

    /// The text of a span (empty when the span is out of range or splits a character).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// Pieces of one text in order of offset, the overlapping and touching ones joined.
fn merged(mut pieces: Vec<Kept>) -> Vec<Kept> {
    pieces.sort_unstable_by_key(|piece| piece.start);
    let mut merged: Vec<Kept> = Vec::with_capacity(pieces.len());
    for next in pieces {
        match merged.last_mut() {
            Some(last) if next.start <= last.end() => {
                if next.end() > last.end() {
                    let mut text = String::from(std::mem::take(&mut last.text));
                    text.push_str(&next.text[text.len() + last.start - next.start..]);
                    last.text = text.into();
                }
            }
            _ => merged.push(next),
        }
    }
    merged
}

fn fingerprint(text: &str) -> u64 {
    use std::hash::Hasher;
    let mut hasher = crate::fast_hash::FastHasher::default();
    hasher.write(text.as_bytes());
    hasher.finish()
}

/// Formats a path the way every report shows it: `/` separators, no leading `./`.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut rest = text.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped;
    }
    if rest.is_empty() {
        ".".into()
    } else {
        rest.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let file = SourceFile::new("a.bicep", "é = 'ü'\nx", false);
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        // 'é' is two bytes: the space after it is column 2.
        assert_eq!(file.line_col(2), LineCol { line: 1, column: 2 });
        assert_eq!(file.line_col(10), LineCol { line: 2, column: 1 });
        assert_eq!(file.line_col(999), LineCol { line: 2, column: 2 });
    }

    #[test]
    fn crlf_lines_start_after_the_line_feed() {
        let file = SourceFile::new("a.json", "{\r\n  \"a\": 1\r\n}", false);
        assert_eq!(file.line_col(5), LineCol { line: 2, column: 3 });
    }

    #[test]
    fn bom_is_removed_and_remembered() {
        let (file, error) = SourceFile::decode("a.json", b"\xEF\xBB\xBF{}");
        assert!(file.has_bom);
        assert_eq!(&*file.text, "{}");
        assert_eq!(error, None);
    }

    #[test]
    fn invalid_utf8_points_at_the_bad_byte() {
        let (file, error) = SourceFile::decode("a.bicep", b"var a = 1\nvar \xFF");
        let error = error.expect("invalid UTF-8 is an error");
        assert_eq!(error.span, Span::at(14));
        assert_eq!(
            file.line_col(error.span.start),
            LineCol { line: 2, column: 5 }
        );
        assert!(error.message.contains("0xFF"), "{}", error.message);
    }

    #[test]
    fn nul_byte_means_binary() {
        let (_, error) = SourceFile::decode("a.json", b"{\0}");
        assert!(error.unwrap().message.contains("binary"));
    }

    #[test]
    fn display_paths_use_forward_slashes() {
        assert_eq!(
            display_path(Path::new("./infra/main.bicep")),
            "infra/main.bicep"
        );
        assert_eq!(
            display_path(Path::new("infra\\main.bicep")),
            "infra/main.bicep"
        );
    }

    #[test]
    fn an_unloaded_file_places_every_offset_as_before_and_reads_back_its_text() {
        let dir = std::env::temp_dir().join(format!("keyless-unload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("main.bicep");
        let text = "param a string // “quoted” é\n\nvar b = '日本' // ü\r\nvar c = a\n";
        std::fs::write(&path, text).unwrap();
        let (loaded, _) = SourceFile::decode(&path, text.as_bytes());
        let mut unloaded = loaded.clone();
        unloaded.unload([]);
        assert!(unloaded.is_unloaded() && unloaded.text.is_empty());
        assert_eq!(unloaded.text_len(), text.len());
        for offset in 0..=text.len() as u32 + 2 {
            assert_eq!(
                unloaded.line_col(offset),
                loaded.line_col(offset),
                "offset {offset}"
            );
        }
        unloaded.reload().unwrap();
        assert_eq!(&*unloaded.text, text);
        // A file that changed since it was linted is not taken back.
        let mut changed = loaded.clone();
        changed.unload([]);
        std::fs::write(&path, text.replace('a', "x")).unwrap();
        assert!(changed.reload().is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Twelve numbered lines, `\r\n` or `\r` line ends, a few multi-byte characters.
    fn numbered_lines(line_end: &str) -> String {
        (1..=12).map(|n| format!("line {n} ü{line_end}")).collect()
    }

    fn same_excerpt(kept: Option<Excerpt>, whole: Option<Excerpt>) -> bool {
        match (kept, whole) {
            (Some(k), Some(w)) => (k.start, k.line, k.text) == (w.start, w.line, w.text),
            _ => false,
        }
    }

    #[test]
    fn an_unloaded_file_keeps_the_lines_around_what_is_shown() {
        for line_end in ["\n", "\r\n", "\r"] {
            let text = numbered_lines(line_end);
            let loaded = SourceFile::new("a.bicep", text.as_str(), false);
            let at = text.find("line 6").unwrap();
            let middle = Span::new(at, at + 6);
            let shown = [Span::new(0, 4), middle, Span::at(text.len())];
            let mut unloaded = loaded.clone();
            unloaded.unload(shown);
            for span in shown {
                assert!(
                    same_excerpt(unloaded.excerpt(span), loaded.excerpt(span)),
                    "{line_end:?} {span:?}"
                );
            }
            let excerpt = loaded.excerpt(middle).unwrap();
            assert_eq!(excerpt.slice(middle), "line 6");
            if line_end == "\r" {
                // miette counts a lone `\r` as a line end and `SourceFile` does not: the
                // excerpt starts at the top, where both agree.
                assert_eq!((excerpt.start, excerpt.line), (0, 0));
            } else {
                assert_eq!(excerpt.line, 5 - EXCERPT_LINES);
                assert_eq!(excerpt.line_at(at + 2).trim_end(), "line 6 ü");
            }
        }
    }

    #[test]
    fn excerpts_of_the_same_text_are_merged_and_of_another_are_not() {
        let text = numbered_lines("\n");
        let loaded = SourceFile::new("a.bicep", text.as_str(), false);
        let (top, bottom) = (Span::new(0, 4), Span::new(text.len() - 5, text.len()));
        let mut first = loaded.clone();
        first.unload([top]);
        assert!(
            first.excerpt(bottom).is_none(),
            "only the lines around what is shown"
        );
        let mut second = loaded.clone();
        second.unload([bottom]);
        first.keep_excerpts_of(&second);
        for span in [top, bottom] {
            assert!(
                same_excerpt(first.excerpt(span), loaded.excerpt(span)),
                "{span:?}"
            );
        }
        let mut other = SourceFile::new("a.bicep", text.replace('l', "L"), false);
        other.unload([bottom]);
        let mut third = loaded.clone();
        third.unload([top]);
        third.keep_excerpts_of(&other);
        assert!(third.excerpt(bottom).is_none());
    }
}
