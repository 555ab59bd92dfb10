//! JSON with comments, keeping a span on every key and value (serde_json keeps none).
//!
//! The grammar is JSON (RFC 8259) widened to what Azure Resource Manager's Newtonsoft-based
//! reader accepts and what real templates use (measured over the Azure quickstart templates):
//!
//! - `//` line comments and `/* */` block comments anywhere whitespace may appear; their spans
//!   are kept in [`Document::comments`] (a `// keyless-disable-next-line` suppression reads them);
//! - a trailing comma before `}` or `]`;
//! - raw control characters inside strings, notably literal line breaks (multi-line strings).
//!
//! A *value* is a JSON value with the byte span it was written at; a *member* is one
//! `"key": value` pair of an object, with the key's span. Strings are decoded (escapes and
//! surrogate pairs resolved); [`string_offsets`] maps a decoded string back to source offsets.
//!
//! Errors are values: a duplicate key, a bad escape or a missing comma is reported and parsing
//! goes on; anything else stops the parse with one error naming what was expected. Nesting is
//! limited to [`MAX_DEPTH`] so that hostile input cannot overflow the stack.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_until};
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{opt, recognize, value};
use nom::error::{ErrorKind, ParseError};
use nom::sequence::{pair, preceded};
use nom::IResult;

use super::{SyntaxError, SyntaxErrorKind};
use crate::source::Span;

/// Deepest nesting of arrays and objects accepted; real templates stay below 40.
pub const MAX_DEPTH: u32 = 256;

/// A JSON value and the span it was written at (for strings, including the quotes).
#[derive(Debug, Clone, PartialEq)]
pub struct Value<'t> {
    pub span: Span,
    pub kind: Kind<'t>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind<'t> {
    Null,
    Bool(bool),
    Number(Number),
    /// The decoded string: borrowed from the text when written without escapes (most are;
    /// copying them was the most frequent allocation of a run over compiled templates).
    String(Cow<'t, str>),
    Array(Vec<Value<'t>>),
    /// Members in source order; duplicates are reported and the later one is kept too.
    Object(Vec<Member<'t>>),
}

/// A JSON number; its source text is the value's span.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// Written without fraction or exponent, and fits in an `i64`.
    Int(i64),
    Float(f64),
}

/// One `"key": value` pair of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member<'t> {
    pub key: Cow<'t, str>,
    /// The key including its quotes.
    pub key_span: Span,
    pub value: Value<'t>,
}

impl Member<'_> {
    /// See [`Value::into_owned`].
    pub fn into_owned(self) -> Member<'static> {
        Member {
            key: Cow::Owned(self.key.into_owned()),
            key_span: self.key_span,
            value: self.value.into_owned(),
        }
    }
}

/// A parsed file: the top-level value and every comment, in source order.
#[derive(Debug, Clone, PartialEq)]
pub struct Document<'t> {
    pub root: Value<'t>,
    pub comments: Vec<Comment>,
    /// Every string value (not key) that starts with `[`, with its span, in text order, as the
    /// parser met them: what an ARM template's expressions are read from without walking the
    /// tree again. `None` when the parse met an error (then a value met may not be in the tree).
    pub bracketed: Option<Vec<(Span, Cow<'t, str>)>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    /// `// …` up to (not including) the line break.
    Line,
    /// `/* … */`.
    Block,
}

/// A comment; `span` covers its delimiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub kind: CommentKind,
}

impl Comment {
    /// The comment's text without `//`, `/*` and `*/` (not trimmed).
    pub fn body<'t>(&self, text: &'t str) -> &'t str {
        let all = text.get(self.span.range()).unwrap_or("");
        match self.kind {
            CommentKind::Line => all.get(2..).unwrap_or(""),
            CommentKind::Block => all.get(2..all.len().saturating_sub(2)).unwrap_or(""),
        }
    }
}

impl<'t> Value<'t> {
    /// The value of the first member named exactly `key`, if this is an object.
    pub fn get(&self, key: &str) -> Option<&Value<'t>> {
        self.member(key).map(|m| &m.value)
    }

    /// The first member named exactly `key`, if this is an object.
    pub fn member(&self, key: &str) -> Option<&Member<'t>> {
        self.as_object()?.iter().find(|m| m.key == key)
    }

    /// The first member whose name matches `key` ignoring ASCII case, as ARM matches
    /// property names.
    pub fn get_ignore_case(&self, key: &str) -> Option<&Value<'t>> {
        self.as_object()?
            .iter()
            .find(|m| m.key.eq_ignore_ascii_case(key))
            .map(|m| &m.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.kind {
            Kind::Number(Number::Int(n)) => Some(n),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            Kind::Number(Number::Int(n)) => Some(n as f64),
            Kind::Number(Number::Float(f)) => Some(f),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value<'t>]> {
        match &self.kind {
            Kind::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Member<'t>]> {
        match &self.kind {
            Kind::Object(members) => Some(members),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// "a string", "an object", …: for messages about wrong shapes.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "`null`",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }

    /// The span of the first character (the opening `{`, `[` or `"`), for errors about a
    /// whole value that may span many lines.
    pub fn head(&self) -> Span {
        Span {
            start: self.span.start,
            end: self.span.start.saturating_add(1).min(self.span.end),
        }
    }

    /// The same value holding its own strings, to keep past the text it was parsed from.
    pub fn into_owned(self) -> Value<'static> {
        let kind = match self.kind {
            Kind::Null => Kind::Null,
            Kind::Bool(b) => Kind::Bool(b),
            Kind::Number(n) => Kind::Number(n),
            Kind::String(s) => Kind::String(Cow::Owned(s.into_owned())),
            Kind::Array(items) => Kind::Array(items.into_iter().map(Value::into_owned).collect()),
            Kind::Object(members) => {
                Kind::Object(members.into_iter().map(Member::into_owned).collect())
            }
        };
        Value {
            span: self.span,
            kind,
        }
    }

    /// Calls `f` on this value and every value inside it, in source order (parents first).
    pub fn walk<'v>(&'v self, f: &mut impl FnMut(&'v Value<'t>)) {
        f(self);
        match &self.kind {
            Kind::Array(items) => items.iter().for_each(|v| v.walk(f)),
            Kind::Object(members) => members.iter().for_each(|m| m.value.walk(f)),
            _ => {}
        }
    }
}

/// Parses `text` (BOM already removed) into its top-level value.
pub fn parse(text: &str) -> (Option<Value<'_>>, Vec<SyntaxError>) {
    let (doc, errors) = parse_document(text);
    (doc.map(|d| d.root), errors)
}

/// Parses `text` (BOM already removed) into its top-level value and comments. The value is
/// `None` when a structural error stopped the parse; `errors` is sorted by position.
pub fn parse_document(text: &str) -> (Option<Document<'_>>, Vec<SyntaxError>) {
    let mut p = Parser {
        text,
        depth: 0,
        comments: Vec::new(),
        errors: Vec::new(),
        members: Vec::new(),
        items: Vec::new(),
        bracketed: Vec::new(),
    };
    let root = match p.document(text) {
        Ok((_, root)) => Some(root),
        Err(nom::Err::Error(fail) | nom::Err::Failure(fail)) => {
            let error = p.error_of(fail);
            p.errors.push(error);
            None
        }
        Err(nom::Err::Incomplete(_)) => None,
    };
    let mut errors = p.errors;
    errors.sort_by_key(|e| e.span);
    let bracketed = errors.is_empty().then_some(p.bracketed);
    let doc = root.map(|root| Document {
        root,
        comments: p.comments,
        bracketed,
    });
    (doc, errors)
}

/// For a string written at `raw` (the source text between the quotes), the source offset
/// (relative to `raw`) of every byte of the decoded string, plus one entry for its end.
/// Escapes make the mapping not one to one: every byte an escape produces maps to its `\`.
pub fn string_offsets(raw: &str) -> Vec<u32> {
    let mut map = Vec::with_capacity(raw.len() + 1);
    let decoded = unescape(raw, 0, &mut Vec::new(), Some(&mut map));
    debug_assert_eq!(map.len(), decoded.len());
    map.push(raw.len() as u32);
    map
}

/// Skips JSON whitespace (bytes: `multispace0` decodes characters one at a time).
#[inline]
fn spaces(i: &str) -> Res<'_, ()> {
    let bytes = i.as_bytes();
    // Most tokens follow no whitespace, or one space. Whitespace bytes are ASCII, so every
    // offset below is on a character boundary.
    match bytes {
        [a, b, ..] if is_space(a) && is_space(b) => {}
        [a, ..] if is_space(a) => return Ok((&i[1..], ())),
        _ => return Ok((i, ())),
    }
    // A line break and the next line's indentation (a third of a compiled template): eight
    // bytes at a time up to the first that is not whitespace.
    let mut n = 0;
    while let Some(chunk) = bytes.get(n..n + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let other = !whitespace_bytes(u64::from_le_bytes(word)) & HIGHS;
        if other != 0 {
            n += (other.trailing_zeros() / 8) as usize;
            return Ok((&i[n..], ()));
        }
        n += 8;
    }
    while bytes.get(n).is_some_and(is_space) {
        n += 1;
    }
    Ok((&i[n..], ()))
}

fn is_space(byte: &u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that is JSON whitespace, exactly (no false positives
/// above a match, as the shorter zero-byte test has).
fn whitespace_bytes(word: u64) -> u64 {
    const LOWS: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let equal = |byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        // The high bit is set in each byte of `(x & LOWS) + LOWS | x` that is not zero.
        !(((x & LOWS) + LOWS) | x) & HIGHS
    };
    equal(b' ') | equal(b'\n') | equal(b'\r') | equal(b'\t')
}

/// The index of the first `"` or `\\` at or after `from` (or `bytes.len()`), eight bytes at
/// a time.
fn skip_plain(bytes: &[u8], mut from: usize) -> usize {
    while let Some(chunk) = bytes.get(from..from + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        // The high bit of each zero byte, and maybe of bytes above one: the lowest bit set is
        // the first match.
        let has = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
        let found = has(quote) | has(backslash);
        if found != 0 {
            return from + (found.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    let rest = bytes.get(from..).unwrap_or_default();
    from + rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .unwrap_or(rest.len())
}

/// Why a nom parser stopped: where (as the length of the input left) and what was expected.
#[derive(Debug)]
struct Fail {
    rest: usize,
    width: usize,
    message: Cow<'static, str>,
}

impl<'a> ParseError<&'a str> for Fail {
    fn from_error_kind(input: &'a str, _: ErrorKind) -> Self {
        // Called on every failed alternative (e.g. "is this a comment?"): must not allocate.
        Fail {
            rest: input.len(),
            width: 0,
            message: Cow::Borrowed("unexpected input"),
        }
    }

    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, T> = IResult<&'a str, T, Fail>;

/// Fails at the start of `at`, covering its first character.
fn fail<T>(at: &str, message: impl Into<Cow<'static, str>>) -> Res<'_, T> {
    Err(nom::Err::Failure(Fail {
        rest: at.len(),
        width: at.chars().next().map_or(0, char::len_utf8),
        message: message.into(),
    }))
}

/// "found `x`" or "found end of file", for the end of an "expected …" message.
fn found(at: &str) -> String {
    match at.chars().next() {
        None => "found end of file".into(),
        Some('`') => "found a backtick".into(),
        Some(c) if c.is_control() => format!("found {c:?}"),
        Some(c) => format!("found `{c}`"),
    }
}

struct Parser<'t> {
    text: &'t str,
    depth: u32,
    comments: Vec<Comment>,
    errors: Vec<SyntaxError>,
    /// Members and items of the objects and arrays being read, innermost last: each container
    /// is copied out once, at its exact size, when it closes (no growth reallocations).
    members: Vec<Member<'t>>,
    items: Vec<Value<'t>>,
    /// See [`Document::bracketed`].
    bracketed: Vec<(Span, Cow<'t, str>)>,
}

impl<'t> Parser<'t> {
    fn offset(&self, rest: &str) -> usize {
        self.text.len() - rest.len()
    }

    fn span(&self, from: &str, to: &str) -> Span {
        Span::new(self.offset(from), self.offset(to))
    }

    fn error_of(&self, fail: Fail) -> SyntaxError {
        let start = self.text.len().saturating_sub(fail.rest);
        SyntaxError::new(
            SyntaxErrorKind::Json,
            Span::new(start, start + fail.width),
            fail.message,
        )
    }

    fn report(&mut self, span: Span, message: impl Into<String>) {
        self.errors
            .push(SyntaxError::new(SyntaxErrorKind::Json, span, message));
    }

    fn document(&mut self, i: &'t str) -> Res<'t, Value<'t>> {
        let (i, ()) = self.ws(i)?;
        if i.is_empty() {
            return Err(nom::Err::Failure(Fail {
                rest: self.text.len(),
                width: 0,
                message: "empty file: expected a JSON object".into(),
            }));
        }
        let (i, root) = self.value(i)?;
        let (i, ()) = self.ws(i)?;
        if !i.is_empty() {
            return fail(
                i,
                format!(
                    "expected end of file after the top-level value, {}",
                    found(i)
                ),
            );
        }
        Ok((i, root))
    }

    /// Skips whitespace and comments, recording the comments.
    #[inline]
    fn ws(&mut self, i: &'t str) -> Res<'t, ()> {
        // Called at every token of a template (three million times in 50 MB): comments are
        // rare in JSON, so the comment parsers are out of line, and are not tried unless a
        // `/` follows the whitespace (issue 9).
        let (i, ()) = spaces(i)?;
        if i.starts_with('/') {
            self.comments(i)
        } else {
            Ok((i, ()))
        }
    }

    /// Comments from `i` on, and the whitespace between and after them.
    #[cold]
    #[inline(never)]
    fn comments(&mut self, mut i: &'t str) -> Res<'t, ()> {
        loop {
            if let Ok((rest, body)) = preceded(tag::<_, _, Fail>("//"), take_till(|c| c == '\n'))(i)
            {
                // The comment ends before the line break (`\n` or `\r\n`).
                let end = rest.len() + usize::from(body.ends_with('\r'));
                self.comments.push(Comment {
                    span: Span::new(self.offset(i), self.text.len() - end),
                    kind: CommentKind::Line,
                });
                i = rest;
            } else if let Some(body) = i.strip_prefix("/*") {
                match take_until::<_, _, Fail>("*/")(body) {
                    Ok((rest, _)) => {
                        let rest = &rest[2..];
                        self.comments.push(Comment {
                            span: self.span(i, rest),
                            kind: CommentKind::Block,
                        });
                        i = rest;
                    }
                    Err(_) => {
                        return Err(nom::Err::Failure(Fail {
                            rest: i.len(),
                            width: 2,
                            message: "unterminated block comment: expected `*/`".into(),
                        }))
                    }
                }
            } else {
                return Ok((i, ()));
            }
            (i, ()) = spaces(i)?;
        }
    }

    /// A value; `i` starts at its first character (whitespace already skipped).
    fn value(&mut self, i: &'t str) -> Res<'t, Value<'t>> {
        match i.as_bytes().first() {
            Some(b'{') => self.object(i),
            Some(b'[') => self.array(i),
            Some(b'"') => {
                let (rest, s) = self.string(i)?;
                let span = self.span(i, rest);
                if s.starts_with('[') {
                    self.bracketed.push((span, s.clone()));
                }
                Ok((
                    rest,
                    Value {
                        span,
                        kind: Kind::String(s),
                    },
                ))
            }
            Some(b'-' | b'0'..=b'9') => self.number(i),
            Some(b't' | b'f' | b'n') => {
                let mut keyword = alt((
                    value(Kind::Bool(true), tag::<_, _, Fail>("true")),
                    value(Kind::Bool(false), tag("false")),
                    value(Kind::Null, tag("null")),
                ));
                match keyword(i) {
                    Ok((rest, kind)) => Ok((
                        rest,
                        Value {
                            span: self.span(i, rest),
                            kind,
                        },
                    )),
                    Err(_) => self.expected_value(i),
                }
            }
            _ => self.expected_value(i),
        }
    }

    fn expected_value(&self, i: &'t str) -> Res<'t, Value<'t>> {
        let what = if i.starts_with('\'') {
            "strings must be in double quotes".to_owned()
        } else {
            found(i)
        };
        fail(
            i,
            format!("expected a value (object, array, string, number, `true`, `false` or `null`), {what}"),
        )
    }

    /// Counts one more level of nesting at the bracket `i` starts with.
    fn enter(&mut self, i: &'t str) -> Res<'t, ()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return fail(
                i,
                format!("nesting is too deep: more than {MAX_DEPTH} levels of arrays and objects"),
            );
        }
        Ok((i, ()))
    }

    fn object(&mut self, start: &'t str) -> Res<'t, Value<'t>> {
        self.enter(start)?;
        let (mut i, _) = char('{')(start)?;
        let base = self.members.len();
        loop {
            (i, ()) = self.ws(i)?;
            match i.as_bytes().first() {
                Some(b'}') => {
                    i = &i[1..];
                    break;
                }
                Some(b'"') => {
                    let key_start = i;
                    let (rest, key) = self.string(i)?;
                    let key_span = self.span(key_start, rest);
                    let (rest, ()) = self.ws(rest)?;
                    let Ok((rest, _)) = char::<_, Fail>(':')(rest) else {
                        return fail(
                            rest,
                            format!("expected `:` after the key `{key}`, {}", found(rest)),
                        );
                    };
                    let (rest, ()) = self.ws(rest)?;
                    let (rest, value) = self.value(rest)?;
                    self.members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                    let (rest, ()) = self.ws(rest)?;
                    i = rest;
                    match i.as_bytes().first() {
                        Some(b',') => i = &i[1..],
                        Some(b'}') => {}
                        Some(b'"') => {
                            // Recover from a missing comma: report it and read on.
                            let at = self.offset(i);
                            self.report(
                                Span::new(at, at + 1),
                                "expected `,` or `}` after an object member, found `\"` (missing comma?)",
                            );
                        }
                        _ => {
                            return fail(
                                i,
                                format!(
                                    "expected `,` or `}}` after an object member, {}",
                                    found(i)
                                ),
                            )
                        }
                    }
                }
                _ => {
                    let what = if i.starts_with('\'') {
                        "keys must be in double quotes".to_owned()
                    } else {
                        found(i)
                    };
                    return fail(i, format!("expected a string key or `}}`, {what}"));
                }
            }
        }
        self.depth -= 1;
        self.report_duplicates(base);
        let members: Vec<Member<'t>> = self.members.drain(base..).collect();
        Ok((
            i,
            Value {
                span: self.span(start, i),
                kind: Kind::Object(members),
            },
        ))
    }

    /// Reports every key that repeats an earlier key of the same object, at the later key.
    /// Reports every key that repeats an earlier key of the object whose members start at
    /// `base` in the member stack, at the later key.
    fn report_duplicates(&mut self, base: usize) {
        let members = &self.members[base..];
        let mut duplicates = Vec::new();
        if members.len() <= 16 {
            for (n, m) in members.iter().enumerate() {
                if members[..n].iter().any(|earlier| earlier.key == m.key) {
                    duplicates.push(n);
                }
            }
        } else {
            let mut order: Vec<usize> = (0..members.len()).collect();
            // Stable: equal keys stay in source order, so the first of a run is the original.
            order.sort_by(|&a, &b| members[a].key.cmp(&members[b].key));
            duplicates.extend(
                order
                    .windows(2)
                    .filter(|w| members[w[0]].key == members[w[1]].key)
                    .map(|w| w[1]),
            );
        }
        for n in duplicates {
            let m = &self.members[base + n];
            let error = SyntaxError::new(
                SyntaxErrorKind::Json,
                m.key_span,
                format!(
                    "duplicate key `{}`: it is already defined in this object",
                    m.key
                ),
            );
            self.errors.push(error);
        }
    }

    fn array(&mut self, start: &'t str) -> Res<'t, Value<'t>> {
        self.enter(start)?;
        let (mut i, _) = char('[')(start)?;
        let base = self.items.len();
        loop {
            (i, ()) = self.ws(i)?;
            if let Some(rest) = i.strip_prefix(']') {
                i = rest;
                break;
            }
            let (rest, item) = self.value(i)?;
            self.items.push(item);
            let (rest, ()) = self.ws(rest)?;
            i = rest;
            match i.as_bytes().first() {
                Some(b',') => i = &i[1..],
                Some(b']') => {}
                Some(b'"' | b'{' | b'[') => {
                    let at = self.offset(i);
                    self.report(
                        Span::new(at, at + 1),
                        format!(
                            "expected `,` or `]` after an array element, {} (missing comma?)",
                            found(i)
                        ),
                    );
                }
                _ => {
                    return fail(
                        i,
                        format!("expected `,` or `]` after an array element, {}", found(i)),
                    )
                }
            }
        }
        self.depth -= 1;
        let items: Vec<Value<'t>> = self.items.drain(base..).collect();
        Ok((
            i,
            Value {
                span: self.span(start, i),
                kind: Kind::Array(items),
            },
        ))
    }

    fn number(&mut self, i: &'t str) -> Res<'t, Value<'t>> {
        let (rest, _) = opt(char('-'))(i)?;
        let Ok((rest, _)) = digit1::<_, Fail>(rest) else {
            return fail(rest, format!("expected a digit after `-`, {}", found(rest)));
        };
        let mut int = true;
        let (rest, dot) = opt(char('.'))(rest)?;
        let rest = if dot.is_some() {
            int = false;
            match digit1::<_, Fail>(rest) {
                Ok((rest, _)) => rest,
                Err(_) => {
                    return fail(rest, format!("expected a digit after `.`, {}", found(rest)))
                }
            }
        } else {
            rest
        };
        let (rest, e) = opt(one_of("eE"))(rest)?;
        let rest = if e.is_some() {
            int = false;
            let exponent = recognize(pair(opt(one_of("+-")), digit1::<_, Fail>))(rest);
            match exponent {
                Ok((rest, _)) => rest,
                Err(_) => {
                    return fail(
                        rest,
                        format!("expected the exponent's digits, {}", found(rest)),
                    )
                }
            }
        } else {
            rest
        };
        let digits = &i[..i.len() - rest.len()];
        let number = match (int, digits.parse::<i64>()) {
            (true, Ok(n)) => Number::Int(n),
            _ => Number::Float(digits.parse::<f64>().unwrap_or(f64::NAN)),
        };
        Ok((
            rest,
            Value {
                span: self.span(i, rest),
                kind: Kind::Number(number),
            },
        ))
    }

    /// A string; `i` starts at its opening quote.
    fn string(&mut self, i: &'t str) -> Res<'t, Cow<'t, str>> {
        let bytes = i.as_bytes();
        let mut j = 1;
        let mut escaped = false;
        loop {
            j = skip_plain(bytes, j);
            match bytes.get(j) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    // Skipping one byte is safe: `"` and `\` never occur inside a multi-byte
                    // character, so the scan stays aligned on what matters.
                    j += 2;
                }
                Some(_) => j += 1,
                None => {
                    return Err(nom::Err::Failure(Fail {
                        rest: i.len(),
                        width: 1,
                        message: "unterminated string: expected a closing `\"`".into(),
                    }))
                }
            }
        }
        // `j` is at the closing quote, an ASCII byte, so both slices are on char boundaries.
        let raw = &i[1..j];
        let rest = &i[j + 1..];
        let s = if escaped {
            let base = self.offset(i) + 1;
            Cow::Owned(unescape(raw, base, &mut self.errors, None))
        } else {
            Cow::Borrowed(raw)
        };
        Ok((rest, s))
    }
}

/// Decodes the escapes of the string written as `raw` (between its quotes, at source offset
/// `base`). Bad escapes are reported and decoded leniently (kept as written, or U+FFFD for a
/// lone surrogate). With `map`, records the source offset (relative to `raw`) of each output byte.
fn unescape(
    raw: &str,
    base: usize,
    errors: &mut Vec<SyntaxError>,
    mut map: Option<&mut Vec<u32>>,
) -> String {
    let mut out = String::with_capacity(raw.len());
    let bytes = raw.as_bytes();
    let mut error = |start: usize, end: usize, message: String| {
        errors.push(SyntaxError::new(
            SyntaxErrorKind::Json,
            Span::new(base + start, base + end),
            message,
        ))
    };
    let mut i = 0;
    while i < raw.len() {
        let from = i;
        let before = out.len();
        // Copy the run up to the next escape in one go.
        let run = raw[i..].find('\\').map_or(raw.len(), |n| i + n);
        if run > i {
            out.push_str(&raw[i..run]);
            if let Some(map) = map.as_deref_mut() {
                map.extend((i..run).map(|o| o as u32));
            }
            i = run;
            continue;
        }
        // raw[i] is `\`.
        let Some(c) = raw[i + 1..].chars().next() else {
            // Cannot happen (the closing quote would have been escaped), but never panic.
            out.push('\\');
            i += 1;
            if let Some(map) = map.as_deref_mut() {
                map.push(from as u32);
            }
            continue;
        };
        i += 1 + c.len_utf8();
        match c {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => match hex4(bytes, i) {
                None => {
                    let end = (i..(i + 4).min(raw.len()))
                        .take_while(|&k| bytes[k].is_ascii_hexdigit())
                        .last()
                        .map_or(i, |k| k + 1);
                    error(
                        from,
                        end.max(i),
                        "invalid unicode escape: expected 4 hex digits after `\\u`".into(),
                    );
                    out.push('\u{FFFD}');
                }
                Some(hi) => {
                    i += 4;
                    if (0xD800..0xDC00).contains(&hi) {
                        let low = if bytes.get(i) == Some(&b'\\') && bytes.get(i + 1) == Some(&b'u')
                        {
                            hex4(bytes, i + 2).filter(|lo| (0xDC00..0xE000).contains(lo))
                        } else {
                            None
                        };
                        match low {
                            Some(lo) => {
                                i += 6;
                                let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                            }
                            None => {
                                error(
                                    from,
                                    i,
                                    format!("unpaired surrogate `\\u{hi:04X}` in string: a high surrogate must be followed by a low one"),
                                );
                                out.push('\u{FFFD}');
                            }
                        }
                    } else if (0xDC00..0xE000).contains(&hi) {
                        error(
                            from,
                            i,
                            format!("unpaired surrogate `\\u{hi:04X}` in string: a low surrogate must follow a high one"),
                        );
                        out.push('\u{FFFD}');
                    } else {
                        out.push(char::from_u32(hi).unwrap_or('\u{FFFD}'));
                    }
                }
            },
            other => {
                error(
                    from,
                    i,
                    format!(
                        "invalid escape `\\{other}` in string: expected one of `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` or `\\u`"
                    ),
                );
                out.push(other);
            }
        }
        if let Some(map) = map.as_deref_mut() {
            map.extend((before..out.len()).map(|_| from as u32));
        }
    }
    out
}

/// The value of the 4 hex digits at `bytes[at..at + 4]`.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    digits.iter().try_fold(0u32, |acc, &b| {
        let d = (b as char).to_digit(16)?;
        Some(acc * 16 + d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// A quote or backslash at every place of strings up to 20 bytes long, after every byte
    /// (`!` and `#` are one below and above `"`, `[` and `]` around `\\`, where a borrow in
    /// the eight-byte test could mislead it), is found where a byte loop finds it.
    #[test]
    fn the_end_of_plain_text_is_found_exactly() {
        for length in 0..20 {
            for at in 0..=length {
                for fill in [b'a', b'!', b'#', b'[', b']', 0x01, 0xC3] {
                    for stop in [b'"', b'\\'] {
                        let mut bytes = vec![fill; length];
                        if at < length {
                            bytes[at] = stop;
                        }
                        for from in 0..=length {
                            let naive = (from..length)
                                .find(|&i| bytes[i] == b'"' || bytes[i] == b'\\')
                                .unwrap_or(length);
                            assert_eq!(skip_plain(&bytes, from), naive, "{bytes:?} from {from}");
                        }
                    }
                }
            }
        }
    }

    /// Every run of up to 19 whitespace bytes (of each kind, mixed), followed by a token, by a
    /// non-ASCII character or by nothing, skipped eight bytes at a time as one at a time.
    #[test]
    fn whitespace_is_skipped_exactly() {
        let kinds = [" ", "\n", "\r\n", "\t", " \n  "];
        for length in 0..20 {
            for (k, kind) in kinds.iter().enumerate() {
                let run: String = kind.repeat(length).chars().take(length).collect();
                let mixed: String = (0..length)
                    .map(|at| [' ', '\n', '\t', '\r'][(at + k) % 4])
                    .collect();
                for ws in [&run, &mixed] {
                    for after in ["", "x", "{", "é\u{a0}", "\u{85} "] {
                        let text = format!("{ws}{after}");
                        let (rest, ()) = spaces(&text).unwrap();
                        assert_eq!(rest, after, "{text:?}");
                    }
                }
            }
        }
    }

    /// `line:col message` of every error.
    fn errors(text: &str) -> Vec<String> {
        let file = SourceFile::new("t.json", text.to_owned(), false);
        let (_, errors) = parse(text);
        errors
            .iter()
            .map(|e| {
                let lc = file.line_col(e.span.start);
                format!("{}:{} {}", lc.line, lc.column, e.message)
            })
            .collect()
    }

    #[test]
    fn spans_cover_keys_and_values() {
        let text = r#"{ "a" : [1, -2.5e3, true, null, "x"] }"#;
        let (root, errs) = parse(text);
        assert!(errs.is_empty());
        let root = root.unwrap();
        assert_eq!(root.span, Span::new(0, text.len()));
        let Kind::Object(members) = &root.kind else {
            panic!()
        };
        assert_eq!(&text[members[0].key_span.range()], "\"a\"");
        let items = members[0].value.as_array().unwrap();
        let texts: Vec<&str> = items.iter().map(|v| &text[v.span.range()]).collect();
        assert_eq!(texts, ["1", "-2.5e3", "true", "null", "\"x\""]);
        assert_eq!(items[0].as_i64(), Some(1));
        assert_eq!(items[1].as_f64(), Some(-2500.0));
    }

    #[test]
    fn escapes_and_surrogate_pairs_decode() {
        let (root, errs) = parse(r#"["a\"b\\c\/\n\t\u00e9\ud83d\ude00"]"#);
        assert!(errs.is_empty(), "{errs:?}");
        let root = root.unwrap();
        assert_eq!(
            root.as_array().unwrap()[0].as_str(),
            Some("a\"b\\c/\n\té😀")
        );
    }

    #[test]
    fn string_offsets_map_decoded_bytes_to_source() {
        // a \" b \u00e9 c
        let raw = r#"a\"b\u00e9c"#;
        let map = string_offsets(raw);
        // decoded: a " b é(2 bytes) c  → 6 bytes + end
        assert_eq!(map, [0, 1, 3, 4, 4, 10, 11]);
    }

    #[test]
    fn comments_are_kept() {
        let text = "// a\r\n/* x *//* y */\n{ /* b */ \"k\": 1 // c\n  // d\n}";
        let (doc, errs) = parse_document(text);
        assert!(errs.is_empty());
        let doc = doc.unwrap();
        let bodies: Vec<&str> = doc.comments.iter().map(|c| c.body(text)).collect();
        assert_eq!(bodies, [" a", " x ", " y ", " b ", " c", " d"]);
        assert_eq!(&text[doc.comments[0].span.range()], "// a");
    }

    #[test]
    fn azure_deviations_are_accepted() {
        assert!(errors("{\"a\": [1, 2,], \"b\": \"two\nlines\",}").is_empty());
    }

    #[test]
    fn bad_input_errors() {
        assert_eq!(errors(""), ["1:1 empty file: expected a JSON object"]);
        assert_eq!(
            errors(" \n // c\n"),
            ["1:1 empty file: expected a JSON object"]
        );
        assert_eq!(
            errors("{\"a\": 1 \"b\": 2}"),
            ["1:9 expected `,` or `}` after an object member, found `\"` (missing comma?)"]
        );
        assert_eq!(
            errors("{\"a\": 1 2}"),
            ["1:9 expected `,` or `}` after an object member, found `2`"]
        );
        assert_eq!(
            errors("{\"a\": \"x}"),
            ["1:7 unterminated string: expected a closing `\"`"]
        );
        assert_eq!(
            errors("{} x"),
            ["1:4 expected end of file after the top-level value, found `x`"]
        );
        assert_eq!(
            errors("{\"a\": 1, \"a\": 2}"),
            ["1:10 duplicate key `a`: it is already defined in this object"]
        );
        assert_eq!(
            errors("[\"\\q\"]"),
            ["1:3 invalid escape `\\q` in string: expected one of `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` or `\\u`"]
        );
        assert_eq!(
            errors("[\"\\ud800x\"]"),
            ["1:3 unpaired surrogate `\\uD800` in string: a high surrogate must be followed by a low one"]
        );
        assert_eq!(
            errors("{/* x"),
            ["1:2 unterminated block comment: expected `*/`"]
        );
        assert_eq!(errors("[-]"), ["1:3 expected a digit after `-`, found `]`"]);
        assert_eq!(
            errors("{'a': 1}"),
            ["1:2 expected a string key or `}`, keys must be in double quotes"]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000);
        assert_eq!(
            errors(&text),
            ["1:257 nesting is too deep: more than 256 levels of arrays and objects"]
        );
        let ok = format!("{}{}", "[".repeat(256), "]".repeat(256));
        assert!(errors(&ok).is_empty());
    }

    #[test]
    fn many_keys_duplicates_use_the_sorted_path() {
        let mut text = String::from("{");
        for n in 0..40 {
            text.push_str(&format!("\"k{n}\": 1,"));
        }
        text.push_str("\"k7\": 2}");
        let errs = errors(&text);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains("duplicate key `k7`"), "{errs:?}");
    }

    #[test]
    fn never_panics_on_truncations() {
        let text =
            "{\"é\": [1, -2.5, \"\\u00e9\\ud83d\\ude00\", {\"x\": null}], /* c */ \"b\": true}";
        for end in 0..=text.len() {
            if let Some(prefix) = text.get(..end) {
                let _ = parse(prefix);
            }
        }
    }
}
