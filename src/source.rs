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
    line_starts: Arc<OnceLock<Vec<u32>>>,
    /// Computed on first use (by a fix), and shared by the copies of the file.
    style: Arc<OnceLock<Style>>,
    /// Set while the text is set aside (see [`SourceFile::unload`]).
    unloaded: Option<Arc<Unloaded>>,
}

/// What stays of a text set aside: enough to place a line and column (with the line starts),
/// and to know that what is read back is what was linted.
#[derive(Debug)]
struct Unloaded {
    length: usize,
    hash: u64,
    /// The offset of every UTF-8 continuation byte (`10xxxxxx`): a column counts characters,
    /// so the continuation bytes before an offset on its line are not counted. Templates are
    /// nearly all ASCII, so this is usually empty.
    continuation_bytes: Vec<u32>,
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
                let error = text.find('\0').map(|at| DecodeError {
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
            line_starts: Arc::default(),
            style: Arc::default(),
            unloaded: None,
        }
    }

    /// Sets the text aside, keeping only what identifies it. A run over thousands of files
    /// finds something in a few thousand of them; holding all their text until the report is
    /// sorted and shown was half of the run's memory (issue 9). [`SourceFile::reload`] reads
    /// it back from `path`. An empty text (nothing read) stays as it is.
    pub fn unload(&mut self) {
        if self.text.is_empty() || self.unloaded.is_some() {
            return;
        }
        self.line_starts();
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
        }));
        self.text = Arc::from("");
        self.style = Arc::default();
    }

    /// Whether the text is set aside (see [`SourceFile::unload`]).
    pub fn is_unloaded(&self) -> bool {
        self.unloaded.is_some()
    }

    /// Reads the text set aside by [`SourceFile::unload`] back from disk; an error when the
    /// file cannot be read or no longer holds what was linted.
    pub fn reload(&mut self) -> Result<(), String> {
        self.text = self.text_now()?;
        self.unloaded = None;
        Ok(())
    }

    /// The text, read back from disk for one use when it is set aside (the file stays as it
    /// is): a renderer that needs a few lines of each file reads one file at a time.
    pub fn text_now(&self) -> Result<Arc<str>, String> {
        let Some(unloaded) = &self.unloaded else {
            return Ok(self.text.clone());
        };
        let bytes = std::fs::read(&self.path).map_err(|err| err.to_string())?;
        let (file, _) = SourceFile::decode(&self.path, &bytes);
        if file.text.len() != unloaded.length || fingerprint(&file.text) != unloaded.hash {
            return Err("the file changed while keyless read it; run keyless again".into());
        }
        Ok(file.text)
    }

    /// The path with `/` separators and without a leading `./`, as reports show it.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// The 1-based line and character column of a byte offset. Offsets past the end clamp to
    /// the end; offsets inside a multi-byte character count that character as started.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let length = self.unloaded.as_ref().map_or(self.text.len(), |u| u.length);
        let offset = (offset as usize).min(length);
        let line_starts = self.line_starts();
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
        self.line_starts().get(index).map(|&s| s as usize)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            // Lines are short (30 bytes in compiled templates): the `memchr` crate's iterator
            // scans many at a time, where `str::match_indices` starts a search per line (5% of
            // a run over compiled AVM templates).
            let bytes = self.text.as_bytes();
            let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
            starts.push(0u32);
            starts.extend(memchr::memchr_iter(b'\n', bytes).map(|at| at as u32 + 1));
            // Kept with the findings until the run ends (see `unload`): no spare capacity.
            starts.shrink_to_fit();
            starts
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
        unloaded.unload();
        assert!(unloaded.is_unloaded() && unloaded.text.is_empty());
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
        changed.unload();
        std::fs::write(&path, text.replace('a', "x")).unwrap();
        assert!(changed.reload().is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
