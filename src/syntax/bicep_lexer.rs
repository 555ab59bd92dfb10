//! The Bicep token layer: text → tokens, comments and diagnostic pragmas.
//!
//! This follows the compiler's `Lexer.cs` (v0.46) token for token, including its quirks, so that
//! the parser above it sees exactly what the compiler's parser sees:
//!
//! - a *newline* token covers a run of `\r`/`\n` characters; blank lines that hold only spaces
//!   make a second newline token (the parser's comma rules depend on it);
//! - a string is one token when it has no holes, otherwise a *left piece* (`'abc${`), *middle
//!   pieces* (`}def${`) and a *right piece* (`}ghi'`) with the hole's tokens in between; a mode
//!   stack tells a `}` that closes a hole from one that closes an object;
//! - `'''…'''` strings have no escapes and no holes; `$'''…'''`, `$$'''…'''`, … open a hole at a
//!   run of at least as many `$` as the prefix has, followed by `{`;
//! - only `true`, `false` and `null` are keywords; everything else is an identifier;
//! - `#disable-next-line`, `#disable-diagnostics` and `#restore-diagnostics` are *pragmas* when
//!   nothing but whitespace precedes them on their line (and no comment precedes them in the
//!   same run of trivia).
//!
//! The small scanners (whitespace, comments, identifiers, numbers, string runs) are nom parsers;
//! the modal loop that strings them together is hand-written, as in the compiler.

use nom::bytes::complete::{take_till, take_while, take_while1};
use nom::character::complete::satisfy;
use nom::combinator::recognize;
use nom::sequence::pair;
use nom::IResult;

use super::{SyntaxError, SyntaxErrorKind};
use crate::source::Span;

/// The longest identifier the compiler accepts (`LanguageConstants.MaxIdentifierLength`).
pub const MAX_IDENTIFIER_LENGTH: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Identifier,
    Integer,
    True,
    False,
    Null,
    /// `'abc'`, `'''abc'''`, `$'''abc'''`: a string without holes.
    StringComplete,
    /// `'abc${`: the text before the first hole.
    StringLeftPiece,
    /// `}abc${`: the text between two holes.
    StringMiddlePiece,
    /// `}abc'`: the text after the last hole.
    StringRightPiece,
    LeftBrace,
    RightBrace,
    LeftParen,
    RightParen,
    LeftSquare,
    RightSquare,
    At,
    Comma,
    Dot,
    Ellipsis,
    Question,
    DoubleQuestion,
    Colon,
    DoubleColon,
    Semicolon,
    Plus,
    Minus,
    Modulo,
    Asterisk,
    Slash,
    Hat,
    Exclamation,
    NotEquals,
    NotEqualsInsensitive,
    LeftChevron,
    LessThanOrEqual,
    RightChevron,
    GreaterThanOrEqual,
    Equals,
    EqualsInsensitive,
    Arrow,
    Assignment,
    LogicalAnd,
    LogicalOr,
    Pipe,
    NewLine,
    Unrecognized,
    EndOfFile,
}

impl TokenKind {
    /// How the token is named in messages ("expected `=`", "expected a new line").
    pub fn describe(self) -> &'static str {
        use TokenKind::*;
        match self {
            Identifier => "an identifier",
            Integer => "an integer",
            True => "`true`",
            False => "`false`",
            Null => "`null`",
            StringComplete | StringLeftPiece => "a string",
            StringMiddlePiece | StringRightPiece => "the rest of a string",
            LeftBrace => "`{`",
            RightBrace => "`}`",
            LeftParen => "`(`",
            RightParen => "`)`",
            LeftSquare => "`[`",
            RightSquare => "`]`",
            At => "`@`",
            Comma => "`,`",
            Dot => "`.`",
            Ellipsis => "`...`",
            Question => "`?`",
            DoubleQuestion => "`??`",
            Colon => "`:`",
            DoubleColon => "`::`",
            Semicolon => "`;`",
            Plus => "`+`",
            Minus => "`-`",
            Modulo => "`%`",
            Asterisk => "`*`",
            Slash => "`/`",
            Hat => "`^`",
            Exclamation => "`!`",
            NotEquals => "`!=`",
            NotEqualsInsensitive => "`!~`",
            LeftChevron => "`<`",
            LessThanOrEqual => "`<=`",
            RightChevron => "`>`",
            GreaterThanOrEqual => "`>=`",
            Equals => "`==`",
            EqualsInsensitive => "`=~`",
            Arrow => "`=>`",
            Assignment => "`=`",
            LogicalAnd => "`&&`",
            LogicalOr => "`||`",
            Pipe => "`|`",
            NewLine => "a new line",
            Unrecognized => "an unrecognized character",
            EndOfFile => "the end of the file",
        }
    }
}

/// One token: its kind and byte range. `comment_before` tells whether a comment was in the
/// trivia just before it (the compiler's function-argument rule looks at that).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
    pub comment_before: bool,
}

impl Token {
    pub fn span(&self) -> Span {
        Span {
            start: self.start,
            end: self.end,
        }
    }
}

/// A `//` or `/* */` comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub is_block: bool,
}

/// Which diagnostic pragma a `#…` line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PragmaKind {
    /// `#disable-next-line code…`: suppress the codes on the next line.
    DisableNextLine,
    /// `#disable-diagnostics code…`: suppress the codes until `#restore-diagnostics` or the end.
    DisableDiagnostics,
    /// `#restore-diagnostics code…`.
    RestoreDiagnostics,
}

impl PragmaKind {
    pub fn keyword(self) -> &'static str {
        match self {
            PragmaKind::DisableNextLine => "disable-next-line",
            PragmaKind::DisableDiagnostics => "disable-diagnostics",
            PragmaKind::RestoreDiagnostics => "restore-diagnostics",
        }
    }
}

/// One code named by a pragma (`BCP081`, `no-unused-params`, `key-in-config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PragmaCode {
    pub text: String,
    pub span: Span,
}

/// A diagnostic pragma line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pragma {
    pub kind: PragmaKind,
    /// The codes, in order. Words after a standalone `--` are a reason, not codes.
    pub codes: Vec<PragmaCode>,
    /// `#` through the last word the compiler reads as part of the pragma.
    pub span: Span,
    /// What follows the codes on the same line, trimmed (e.g. `-- reason` or `// note`);
    /// empty (at the end of the codes) when nothing follows.
    pub trailing: Span,
}

/// The lexer's output.
#[derive(Debug, Default)]
pub struct Lexed {
    /// Ends with exactly one `EndOfFile` token.
    pub tokens: Vec<Token>,
    pub comments: Vec<Comment>,
    pub pragmas: Vec<Pragma>,
    pub errors: Vec<SyntaxError>,
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// A `{` met inside a string hole.
    Brace,
    /// An open string hole: the string is multi-line with this many `$` (0 = single-line).
    Hole { multi_line: bool, dollars: usize },
}

/// Splits `text` into tokens.
pub fn lex(text: &str) -> Lexed {
    let mut lexer = Lexer {
        text,
        pos: 0,
        modes: Vec::new(),
        out: Lexed {
            tokens: Vec::with_capacity(text.len() / 6 + 1),
            ..Lexed::default()
        },
    };
    lexer.run();
    lexer.out
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    modes: Vec<Mode>,
    out: Lexed,
}

/// Whether comments right after a token stick to it (the compiler's comment stickiness of
/// `Trailing` or `Bidirectional`).
fn takes_trailing_comments(kind: TokenKind) -> bool {
    use TokenKind::*;
    matches!(
        kind,
        RightParen
            | RightSquare
            | RightBrace
            | StringRightPiece
            | Question
            | Exclamation
            | False
            | True
            | Null
            | StringComplete
            | Integer
            | Identifier
    )
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_newline(c: char) -> bool {
    c == '\n' || c == '\r'
}

// The scanners work on bytes: every delimiter is ASCII, and UTF-8 continuation bytes never
// look like ASCII, so a byte scan never stops inside a character.

fn spaces(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while1(|b| b == b' ' || b == b'\t')(input)
}

fn identifier(input: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize(pair(
        satisfy(is_ident_start),
        take_while(|b: u8| b.is_ascii_alphanumeric() || b == b'_'),
    ))(input)
}

fn digits(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while1(|b: u8| b.is_ascii_digit())(input)
}

fn newlines(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while1(|b| b == b'\n' || b == b'\r')(input)
}

/// The body of a `//` comment (after the slashes), up to the end of the line.
fn rest_of_line(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_till(|b| b == b'\n' || b == b'\r')(input)
}

/// Plain characters of a single-line string: everything up to a quote, `$`, `\` or line end.
fn plain_string_run(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_till(|b| matches!(b, b'\'' | b'$' | b'\\' | b'\n' | b'\r'))(input)
}

/// Plain characters of a multi-line string: everything up to a quote or `$`.
fn plain_multiline_run(input: &[u8]) -> IResult<&[u8], &[u8]> {
    take_till(|b| b == b'\'' || b == b'$')(input)
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn rest_bytes(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.pos..).unwrap_or(&[])
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_byte(&self, ahead: usize) -> Option<u8> {
        self.text.as_bytes().get(self.pos + ahead).copied()
    }

    /// Moves past a nom match: `rest` is what the parser left over.
    fn advance_to(&mut self, rest: &[u8]) {
        self.pos = self.text.len() - rest.len();
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.out.errors.push(SyntaxError::new(
            SyntaxErrorKind::Bicep,
            Span::new(start, end),
            message,
        ));
    }

    fn push(&mut self, kind: TokenKind, start: usize, comment_before: bool) {
        self.out.tokens.push(Token {
            kind,
            start: start as u32,
            end: self.pos as u32,
            comment_before,
        });
    }

    fn run(&mut self) {
        loop {
            let comment_before = self.leading_trivia();
            let start = self.pos;
            let kind = self.scan_token();
            if kind == TokenKind::Unrecognized {
                let text = self.text.get(start..self.pos).unwrap_or("");
                if text == "\"" {
                    self.error(
                        start,
                        self.pos,
                        "unexpected `\"`: strings use single quotes (`'`)",
                    );
                } else {
                    let message = format!("unrecognized character `{}`", text.escape_debug());
                    self.error(start, self.pos, message);
                }
            }
            self.push(kind, start, comment_before);
            if kind == TokenKind::EndOfFile {
                return;
            }
            self.trailing_trivia(takes_trailing_comments(kind));
        }
    }

    /// Whitespace (and, for some tokens, comments) after a token. Other comments become the
    /// next token's leading trivia, which the parser's `comment_before` rule depends on.
    fn trailing_trivia(&mut self, with_comments: bool) {
        loop {
            if let Ok((rest, _)) = spaces(self.rest_bytes()) {
                self.advance_to(rest);
            } else if !with_comments || !self.comment() {
                return;
            }
        }
    }

    /// Whitespace, comments and pragmas before a token. Returns whether there was a comment.
    fn leading_trivia(&mut self) -> bool {
        let mut had_comment = false;
        let mut last_was_comment = false;
        loop {
            if let Ok((rest, _)) = spaces(self.rest_bytes()) {
                self.advance_to(rest);
                last_was_comment = false;
            } else if self.comment() {
                had_comment = true;
                last_was_comment = true;
            } else if !last_was_comment && self.peek_byte(0) == Some(b'#') && self.pragma() {
                last_was_comment = false;
            } else {
                return had_comment;
            }
        }
    }

    /// Scans one comment if one starts here. Asked before and after every token: the test
    /// for the slash is inlined, the scan is not.
    #[inline]
    fn comment(&mut self) -> bool {
        self.peek_byte(0) == Some(b'/') && self.comment_at_slash()
    }

    fn comment_at_slash(&mut self) -> bool {
        let rest = self.rest_bytes();
        let start = self.pos;
        if let Some(body) = rest.strip_prefix(b"//") {
            let (after, _) = match rest_of_line(body) {
                Ok(done) => done,
                Err(_) => (&body[body.len()..], body),
            };
            self.advance_to(after);
            self.out.comments.push(Comment {
                span: Span::new(start, self.pos),
                is_block: false,
            });
            true
        } else if let Some(body) = self.rest().strip_prefix("/*") {
            match body.find("*/") {
                Some(at) => self.pos = start + 2 + at + 2,
                None => {
                    self.pos = self.text.len();
                    self.error(
                        start,
                        self.pos,
                        "unterminated multi-line comment: expected `*/`",
                    );
                }
            }
            self.out.comments.push(Comment {
                span: Span::new(start, self.pos),
                is_block: true,
            });
            true
        } else {
            false
        }
    }

    /// Scans a `#disable-next-line …` pragma if one starts here (the compiler's
    /// `ScanDiagnosticsPragma`, including how it splits codes).
    fn pragma(&mut self) -> bool {
        let start = self.pos;
        let after_hash = self.text.get(start + 1..).unwrap_or("");
        let kind = [
            PragmaKind::DisableNextLine,
            PragmaKind::DisableDiagnostics,
            PragmaKind::RestoreDiagnostics,
        ]
        .into_iter()
        .find(|kind| after_hash.starts_with(kind.keyword()));
        let Some(kind) = kind else {
            return false;
        };
        // Only whitespace may precede the pragma on its line.
        let line_start = self.text[..start]
            .rfind(['\n', '\r'])
            .map_or(0, |at| at + 1);
        if !self.text[line_start..start]
            .bytes()
            .all(|b| b == b' ' || b == b'\t')
        {
            return false;
        }
        self.pos = start + 1 + kind.keyword().len();
        let mut end = self.pos;
        let mut word_start = self.pos;
        let mut words: Vec<PragmaCode> = Vec::new();
        while let Some(c) = self.peek() {
            if is_newline(c) {
                break;
            }
            if is_ident_continue(c) || c == '-' {
                self.pos += 1;
                if matches!(self.peek_byte(0), None | Some(b' ' | b'\t' | b'\n' | b'\r')) {
                    words.push(self.pragma_word(word_start));
                    end = self.pos;
                    word_start = self.pos;
                }
            } else if c == ' ' || c == '\t' {
                self.pos += 1;
                word_start = self.pos;
            } else {
                // Any other character ends the pragma; a word before it still counts.
                if word_start < self.pos {
                    words.push(self.pragma_word(word_start));
                    end = self.pos;
                }
                break;
            }
        }
        if words.is_empty() {
            self.error(
                start,
                end,
                format!(
                    "expected at least one diagnostic code after `#{}`",
                    kind.keyword()
                ),
            );
        }
        // Whatever the loop passed after the last word belongs to the next token's trivia.
        self.pos = end;
        let line_end = self
            .rest()
            .find(['\n', '\r'])
            .map_or(self.text.len(), |at| self.pos + at);
        let reason_at = words.iter().position(|word| word.text == "--");
        let (codes, trailing_start) = match reason_at {
            Some(at) => {
                let from = words[at].span.start as usize;
                words.truncate(at);
                (words, from)
            }
            None => (words, end),
        };
        let trailing_text = self.text.get(trailing_start..line_end).unwrap_or("");
        let leading_ws = trailing_text.len() - trailing_text.trim_start().len();
        let trailing = Span::new(
            trailing_start + leading_ws,
            trailing_start + trailing_text.trim_end().len().max(leading_ws),
        );
        self.out.pragmas.push(Pragma {
            kind,
            codes,
            span: Span::new(start, end),
            trailing,
        });
        true
    }

    fn pragma_word(&self, start: usize) -> PragmaCode {
        PragmaCode {
            text: self.text.get(start..self.pos).unwrap_or("").to_owned(),
            span: Span::new(start, self.pos),
        }
    }

    fn scan_token(&mut self) -> TokenKind {
        use TokenKind::*;
        let Some(c) = self.peek() else {
            return EndOfFile;
        };
        let start = self.pos;
        self.pos += c.len_utf8();
        let next = self.peek_byte(0);
        let take = |kind: TokenKind, pos: &mut usize| {
            *pos += 1;
            kind
        };
        match c {
            '{' => {
                if !self.modes.is_empty() {
                    self.modes.push(Mode::Brace);
                }
                LeftBrace
            }
            '}' => match self.modes.last().copied() {
                Some(Mode::Hole {
                    multi_line,
                    dollars,
                }) => {
                    let kind = if multi_line {
                        self.multi_line_string(false, dollars)
                    } else {
                        self.string_segment(false)
                    };
                    if kind == StringRightPiece {
                        self.modes.pop();
                    }
                    kind
                }
                Some(Mode::Brace) => {
                    // The compiler forgets to pop here; popping is what it means.
                    self.modes.pop();
                    RightBrace
                }
                None => RightBrace,
            },
            '(' => LeftParen,
            ')' => RightParen,
            '[' => LeftSquare,
            ']' => RightSquare,
            '@' => At,
            ',' => Comma,
            '.' => {
                if next == Some(b'.') && self.peek_byte(1) == Some(b'.') {
                    self.pos += 2;
                    Ellipsis
                } else {
                    Dot
                }
            }
            '?' if next == Some(b'?') => take(DoubleQuestion, &mut self.pos),
            '?' => Question,
            ':' if next == Some(b':') => take(DoubleColon, &mut self.pos),
            ':' => Colon,
            ';' => Semicolon,
            '+' => Plus,
            '-' => Minus,
            '%' => Modulo,
            '*' => Asterisk,
            '/' => Slash,
            '^' => Hat,
            '$' => {
                let dollars = 1 + self.rest_bytes().iter().take_while(|&&b| b == b'$').count();
                let after = start + dollars;
                if self.text.get(after..).is_some_and(|s| s.starts_with("'''")) {
                    self.pos = after + 3;
                    let kind = self.multi_line_string(true, dollars);
                    if kind == StringLeftPiece {
                        self.modes.push(Mode::Hole {
                            multi_line: true,
                            dollars,
                        });
                    }
                    kind
                } else {
                    self.pos = after;
                    Unrecognized
                }
            }
            '!' if next == Some(b'=') => take(NotEquals, &mut self.pos),
            '!' if next == Some(b'~') => take(NotEqualsInsensitive, &mut self.pos),
            '!' => Exclamation,
            '<' if next == Some(b'=') => take(LessThanOrEqual, &mut self.pos),
            '<' => LeftChevron,
            '>' if next == Some(b'=') => take(GreaterThanOrEqual, &mut self.pos),
            '>' => RightChevron,
            '=' if next == Some(b'=') => take(Equals, &mut self.pos),
            '=' if next == Some(b'~') => take(EqualsInsensitive, &mut self.pos),
            '=' if next == Some(b'>') => take(Arrow, &mut self.pos),
            '=' => Assignment,
            '&' if next == Some(b'&') => take(LogicalAnd, &mut self.pos),
            '|' if next == Some(b'|') => take(LogicalOr, &mut self.pos),
            '|' => Pipe,
            '\'' => {
                if next == Some(b'\'') && self.peek_byte(1) == Some(b'\'') {
                    self.pos += 2;
                    self.multi_line_string(true, 0)
                } else {
                    let kind = self.string_segment(true);
                    if kind == StringLeftPiece {
                        self.modes.push(Mode::Hole {
                            multi_line: false,
                            dollars: 0,
                        });
                    }
                    kind
                }
            }
            '\n' | '\r' => {
                if !self.modes.is_empty() {
                    // A hole cannot span lines: end the string here without eating the newline.
                    self.pos = start;
                    self.error(
                        start,
                        start,
                        "unterminated string: a string hole cannot contain a line break",
                    );
                    self.modes.clear();
                    return StringRightPiece;
                }
                self.pos = start;
                if let Ok((rest, _)) = newlines(self.rest_bytes()) {
                    self.advance_to(rest);
                }
                NewLine
            }
            c if c.is_ascii_digit() => {
                self.pos = start;
                if let Ok((rest, _)) = digits(self.rest_bytes()) {
                    self.advance_to(rest);
                }
                Integer
            }
            c if is_ident_start(c) => {
                self.pos = start;
                let word: &[u8] = match identifier(self.rest_bytes()) {
                    Ok((rest, word)) => {
                        self.advance_to(rest);
                        word
                    }
                    Err(_) => b"",
                };
                match word {
                    b"true" => True,
                    b"false" => False,
                    b"null" => Null,
                    _ => {
                        if word.len() > MAX_IDENTIFIER_LENGTH {
                            self.error(
                                start,
                                self.pos,
                                format!(
                                    "identifier is too long ({} characters; the limit is {MAX_IDENTIFIER_LENGTH})",
                                    word.len()
                                ),
                            );
                        }
                        Identifier
                    }
                }
            }
            _ => Unrecognized,
        }
    }

    /// Scans the rest of a `'''` string (after the opening quotes, or after the `}` that
    /// closes a hole). `dollars` is the number of `$` before the opening quotes (0: no holes).
    fn multi_line_string(&mut self, at_start: bool, dollars: usize) -> TokenKind {
        let (complete, hole) = if at_start {
            (TokenKind::StringComplete, TokenKind::StringLeftPiece)
        } else {
            (TokenKind::StringRightPiece, TokenKind::StringMiddlePiece)
        };
        let start = self.pos;
        loop {
            if let Ok((rest, _)) = plain_multiline_run(self.rest_bytes()) {
                self.advance_to(rest);
            }
            match self.peek_byte(0) {
                None => break,
                Some(b'$') => {
                    let run = self.rest_bytes().iter().take_while(|&&b| b == b'$').count();
                    self.pos += run;
                    if dollars > 0 && run >= dollars && self.peek_byte(0) == Some(b'{') {
                        self.pos += 1;
                        return hole;
                    }
                }
                Some(_) => {
                    let run = self
                        .rest_bytes()
                        .iter()
                        .take_while(|&&b| b == b'\'')
                        .count();
                    self.pos += run;
                    if run >= 3 {
                        return complete;
                    }
                }
            }
        }
        let from = if at_start {
            start.saturating_sub(3 + dollars)
        } else {
            start.saturating_sub(1)
        };
        self.error(
            from,
            self.pos,
            "unterminated multi-line string: expected `'''`",
        );
        complete
    }

    /// Scans the rest of a single-line string (after `'`, or after the `}` closing a hole).
    fn string_segment(&mut self, at_start: bool) -> TokenKind {
        let (complete, hole) = if at_start {
            (TokenKind::StringComplete, TokenKind::StringLeftPiece)
        } else {
            (TokenKind::StringRightPiece, TokenKind::StringMiddlePiece)
        };
        let token_start = self.pos.saturating_sub(1);
        loop {
            if let Ok((rest, _)) = plain_string_run(self.rest_bytes()) {
                self.advance_to(rest);
            }
            let Some(c) = self.peek_byte(0) else {
                self.error(token_start, self.pos, "unterminated string: expected `'`");
                return complete;
            };
            match c {
                b'\n' | b'\r' => {
                    self.error(
                        token_start,
                        self.pos,
                        "unterminated string: expected `'` before the end of the line",
                    );
                    return complete;
                }
                b'\'' => {
                    self.pos += 1;
                    return complete;
                }
                b'$' => {
                    self.pos += 1;
                    if self.peek_byte(0) == Some(b'{') {
                        self.pos += 1;
                        return hole;
                    }
                }
                _ => self.escape(),
            }
        }
    }

    /// Scans an escape sequence at a `\`, reporting a bad one.
    fn escape(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            self.error(
                start,
                self.pos,
                "unterminated escape sequence at the end of the file",
            );
            return;
        };
        match scan_escape(self.text.get(start..).unwrap_or("")) {
            Some((length, _)) => self.pos = start + length,
            None if c == 'u' => {
                // Consume what looks like the escape so that the string goes on.
                self.pos += 1;
                if self.peek_byte(0) == Some(b'{') {
                    self.pos += 1;
                    let hex = self
                        .rest()
                        .bytes()
                        .take_while(u8::is_ascii_hexdigit)
                        .count();
                    self.pos += hex;
                    if self.peek_byte(0) == Some(b'}') {
                        self.pos += 1;
                    }
                }
                self.error(
                    start,
                    self.pos,
                    "invalid unicode escape: expected `\\u{` hex digits `}` naming a code point up to 10FFFF",
                );
            }
            None => {
                if is_newline(c) {
                    // Leave the line break for the string scanner to report.
                    self.error(start, self.pos, "unrecognized escape sequence `\\`");
                    return;
                }
                self.pos += c.len_utf8();
                self.error(
                    start,
                    self.pos,
                    format!(
                        "unrecognized escape sequence `\\{}`: expected one of `\\$`, `\\'`, `\\\\`, `\\n`, `\\r`, `\\t`, `\\u{{...}}`",
                        c.escape_debug()
                    ),
                );
            }
        }
    }
}

/// Recognises the escape sequence at the start of `text` (which starts with `\`): its length in
/// bytes and the text it stands for. `\${` stands for `${` (the compiler reads the brace too).
pub fn scan_escape(text: &str) -> Option<(usize, EscapeValue)> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'\\') {
        return None;
    }
    let value = match bytes.get(1)? {
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'\\' => '\\',
        b'\'' => '\'',
        b'$' => {
            return Some(if bytes.get(2) == Some(&b'{') {
                (3, EscapeValue::DollarBrace)
            } else {
                (2, EscapeValue::Char('$'))
            })
        }
        b'u' => {
            if bytes.get(2) != Some(&b'{') {
                return None;
            }
            let hex = bytes[3..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if hex == 0 || bytes.get(3 + hex) != Some(&b'}') {
                return None;
            }
            let digits = text.get(3..3 + hex)?;
            // Like the compiler's uint.TryParse: at most 32 bits, then at most 10FFFF.
            let code = u32::from_str_radix(digits, 16).ok()?;
            if code > 0x10FFFF {
                return None;
            }
            // A lone surrogate cannot be held in UTF-8; it stands for U+FFFD.
            let c = char::from_u32(code).unwrap_or('\u{FFFD}');
            return Some((3 + hex + 1, EscapeValue::Char(c)));
        }
        _ => return None,
    };
    Some((2, EscapeValue::Char(value)))
}

/// What an escape sequence stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscapeValue {
    Char(char),
    /// `\${`: the two characters `${`.
    DollarBrace,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        lex(text).tokens.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn interpolation_splits_strings_into_pieces() {
        use TokenKind::*;
        assert_eq!(
            kinds("'a${b}c${'d${e}'}f'"),
            vec![
                StringLeftPiece,
                Identifier,
                StringMiddlePiece,
                StringLeftPiece,
                Identifier,
                StringRightPiece,
                StringRightPiece,
                EndOfFile
            ]
        );
    }

    #[test]
    fn dollar_count_decides_which_braces_open_holes() {
        use TokenKind::*;
        assert_eq!(kinds("'''a${b}'''"), vec![StringComplete, EndOfFile]);
        assert_eq!(kinds("$$'''a${b}'''"), vec![StringComplete, EndOfFile]);
        assert_eq!(
            kinds("$$'''a$${b}'''"),
            vec![StringLeftPiece, Identifier, StringRightPiece, EndOfFile]
        );
    }

    #[test]
    fn pragma_codes_and_reason() {
        let lexed = lex("#disable-next-line BCP081 no-unused-vars -- kept on purpose\nvar a = 1");
        assert!(lexed.errors.is_empty(), "{:?}", lexed.errors);
        let pragma = &lexed.pragmas[0];
        let codes: Vec<_> = pragma.codes.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(codes, ["BCP081", "no-unused-vars"]);
        let text = "#disable-next-line BCP081 no-unused-vars -- kept on purpose\nvar a = 1";
        assert_eq!(&text[pragma.trailing.range()], "-- kept on purpose");
    }

    #[test]
    fn hash_after_code_is_not_a_pragma() {
        let lexed = lex("var a = 1 #disable-next-line x");
        assert!(lexed.pragmas.is_empty());
        assert!(!lexed.errors.is_empty());
    }

    #[test]
    fn escapes() {
        assert_eq!(
            scan_escape("\\u{1F600}"),
            Some((9, EscapeValue::Char('😀')))
        );
        assert_eq!(scan_escape("\\u{110000}"), None);
        assert_eq!(scan_escape("\\${"), Some((3, EscapeValue::DollarBrace)));
        assert_eq!(scan_escape("\\q"), None);
    }
}
