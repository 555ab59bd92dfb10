//! ARM template expressions: the language inside `"[...]"` strings.
//!
//! A JSON string value is an *expression string* when it starts with `[` and ends with `]`;
//! one that starts with `[[` is instead a literal whose leading `[[` stands for `[`
//! (<https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions#escape-characters>).
//!
//! The grammar, with whitespace (including line breaks) allowed between tokens:
//!
//! ```text
//! expression := primary ( "." name | "[" expression "]" )*
//! primary    := call | string | integer | "true" | "false" | "null"
//! call       := name ( "." name )? "(" ( expression ( "," expression )* )? ")"
//! string     := "'" ( any character but "'" | "''" )* "'"
//! integer    := "-"? digit+
//! ```
//!
//! Every node carries a *source* span (into the file text, not into the decoded string):
//! offsets are mapped through [`json::string_offsets`] when the JSON string has escapes.

use std::borrow::Cow;
use std::sync::Arc;

use nom::character::complete::{char, digit1, multispace0};
use nom::combinator::opt;
use nom::IResult;

use super::{json, SyntaxError, SyntaxErrorKind};
use crate::source::Span;

/// Deepest nesting of calls and indexes accepted (real templates stay far below).
pub const MAX_DEPTH: u32 = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    /// A `'...'` literal, decoded (`''` → `'`). Shared with the graph's tree.
    String(Arc<str>),
    Int(i64),
    Bool(bool),
    Null,
    /// `name(args)` or `namespace.name(args)` (a user-defined function).
    Call(Box<Call>),
    /// `target.name`
    Property {
        target: Box<Expr>,
        name: Name,
    },
    /// `target[index]`, including `target['key']`.
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The namespace of a user-defined function (`ns` in `ns.fn()`).
    pub namespace: Option<Name>,
    pub name: Name,
    pub args: Vec<Expr>,
}

/// An identifier: a function, namespace or property name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// Shared with the graph's tree.
    pub text: Arc<str>,
    pub span: Span,
}

impl Expr {
    /// The call, if this node is one.
    pub fn as_call(&self) -> Option<&Call> {
        match &self.kind {
            ExprKind::Call(call) => Some(call),
            _ => None,
        }
    }

    /// The call when it is to the built-in function `name` (ARM function names ignore case).
    pub fn as_call_to(&self, name: &str) -> Option<&Call> {
        self.as_call()
            .filter(|c| c.namespace.is_none() && c.name.text.eq_ignore_ascii_case(name))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// Calls `f` on this node and every node inside it, parents first.
    pub fn walk<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Call(call) => call.args.iter().for_each(|a| a.walk(f)),
            ExprKind::Property { target, .. } => target.walk(f),
            ExprKind::Index { target, index } => {
                target.walk(f);
                index.walk(f);
            }
            _ => {}
        }
    }
}

/// What a string value starting with `[` means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArmString {
    /// `"[[...]"`: a literal; the text with its leading `[[` turned into `[`.
    Escaped(String),
    Expression(Expr),
}

/// How a string value is read by ARM, without parsing it.
pub fn is_expression(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[")
}

/// Reads the JSON string `value` (its decoded text `s`) of the file `text`: `None` when it is a
/// plain literal, otherwise the escaped literal or the parsed expression, or the error with a
/// span pointing inside the string.
pub fn parse_string(
    text: &str,
    value_span: Span,
    s: &str,
) -> Option<Result<ArmString, SyntaxError>> {
    if let Some(rest) = s.strip_prefix("[[") {
        return Some(Ok(ArmString::Escaped(format!("[{rest}"))));
    }
    if !is_expression(s) {
        return None;
    }
    let map = SourceMap::new(text, value_span, s);
    Some(parse_with(s, &map).map(ArmString::Expression))
}

/// Parses a whole expression string `s` (including its `[` and `]`), as if written at source
/// offset `base` with no escapes (tests and callers with raw text).
pub fn parse(s: &str, base: u32) -> Result<Expr, SyntaxError> {
    parse_with(s, &SourceMap::Direct(base))
}

/// Maps an offset in the decoded string to a source offset.
enum SourceMap {
    /// No escapes: decoded offset + base.
    Direct(u32),
    /// `table[decoded offset]` + base.
    Table(u32, Vec<u32>),
}

impl SourceMap {
    fn new(text: &str, value_span: Span, s: &str) -> SourceMap {
        let inner = value_span.start.saturating_add(1);
        if value_span.len() == s.len() + 2 {
            return SourceMap::Direct(inner);
        }
        let raw = text
            .get(inner as usize..value_span.end.saturating_sub(1) as usize)
            .unwrap_or("");
        SourceMap::Table(inner, json::string_offsets(raw))
    }

    fn at(&self, offset: usize) -> u32 {
        match self {
            SourceMap::Direct(base) => base + offset as u32,
            SourceMap::Table(base, table) => {
                base + table
                    .get(offset)
                    .or(table.last())
                    .copied()
                    .unwrap_or_default()
            }
        }
    }
}

struct Fail {
    rest: usize,
    message: Cow<'static, str>,
}

impl<'a> nom::error::ParseError<&'a str> for Fail {
    fn from_error_kind(input: &'a str, _: nom::error::ErrorKind) -> Self {
        // Called on every failed alternative: must not allocate.
        Fail {
            rest: input.len(),
            message: Cow::Borrowed("unexpected input"),
        }
    }

    fn append(_: &'a str, _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, T> = IResult<&'a str, T, Fail>;

fn fail<T>(at: &str, message: impl Into<Cow<'static, str>>) -> Res<'_, T> {
    Err(nom::Err::Failure(Fail {
        rest: at.len(),
        message: message.into(),
    }))
}

fn found(at: &str) -> String {
    match at.chars().next() {
        None => "found the end of the string".into(),
        Some(']') if at.len() == 1 => "found the closing `]`".into(),
        Some('`') => "found a backtick".into(),
        Some(c) if c.is_control() => format!("found {c:?}"),
        Some(c) => format!("found `{c}`"),
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

fn parse_with(s: &str, map: &SourceMap) -> Result<Expr, SyntaxError> {
    let p = P { s, map, depth: 0 };
    // `s` starts with `[` and ends with `]` (checked by the callers that matter).
    let inner = s.strip_prefix('[').unwrap_or(s);
    let result = (|| {
        let (i, _) = multispace0::<_, Fail>(inner)?;
        if i == "]" || i.is_empty() {
            return fail(
                i,
                "empty expression: expected a function call between `[` and `]`",
            );
        }
        let mut p = p;
        let (i, expr) = p.expr(i)?;
        let (i, _) = multispace0(i)?;
        if i != "]" {
            return fail(
                i,
                format!(
                    "expected `.`, `[` or the closing `]` of the expression, {}",
                    found(i)
                ),
            );
        }
        Ok((i, expr))
    })();
    match result {
        Ok((_, expr)) => Ok(expr),
        Err(nom::Err::Error(f) | nom::Err::Failure(f)) => {
            let at = s.len().saturating_sub(f.rest);
            let width = s
                .get(at..)
                .and_then(|r| r.chars().next())
                .map_or(0, char::len_utf8);
            let start = map.at(at);
            let end = if width == 0 {
                start
            } else {
                map.at(at + width).max(start + 1)
            };
            Err(SyntaxError::new(
                SyntaxErrorKind::ArmExpression,
                Span { start, end },
                f.message,
            ))
        }
        Err(nom::Err::Incomplete(_)) => Err(SyntaxError::new(
            SyntaxErrorKind::ArmExpression,
            Span::at(map.at(0) as usize),
            "incomplete expression",
        )),
    }
}

struct P<'s, 'm> {
    s: &'s str,
    map: &'m SourceMap,
    depth: u32,
}

impl<'s> P<'s, '_> {
    fn span(&self, from: &str, to: &str) -> Span {
        Span {
            start: self.map.at(self.s.len() - from.len()),
            end: self.map.at(self.s.len() - to.len()),
        }
    }

    fn expr(&mut self, start: &'s str) -> Res<'s, Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return fail(
                start,
                format!("expression is nested too deeply (more than {MAX_DEPTH} levels)"),
            );
        }
        let (mut i, mut expr) = self.primary(start)?;
        loop {
            let (rest, _) = multispace0(i)?;
            if let Some(after) = rest.strip_prefix('.') {
                let (after, _) = multispace0(after)?;
                let Ok((after, name)) = self.name(after) else {
                    return fail(
                        after,
                        format!("expected a property name after `.`, {}", found(after)),
                    );
                };
                i = after;
                expr = Expr {
                    span: self.span(start, i),
                    kind: ExprKind::Property {
                        target: Box::new(expr),
                        name,
                    },
                };
            } else if let Some(after) = rest.strip_prefix('[') {
                let (after, _) = multispace0(after)?;
                let (after, index) = self.expr(after)?;
                let (after, _) = multispace0(after)?;
                let Some(after) = after.strip_prefix(']') else {
                    return fail(
                        after,
                        format!("expected `]` after the index, {}", found(after)),
                    );
                };
                i = after;
                expr = Expr {
                    span: self.span(start, i),
                    kind: ExprKind::Index {
                        target: Box::new(expr),
                        index: Box::new(index),
                    },
                };
            } else {
                break;
            }
        }
        self.depth -= 1;
        Ok((i, expr))
    }

    fn name(&self, i: &'s str) -> Res<'s, Name> {
        // Names are ASCII: a byte scan, where nom's `take_while` decodes each character (a
        // sixtieth of linting a compiled template went to reading function names).
        let bytes = i.as_bytes();
        if !bytes.first().is_some_and(|&b| is_name_start(char::from(b))) {
            return Err(nom::Err::Error(nom::error::ParseError::from_error_kind(
                i,
                nom::error::ErrorKind::TakeWhile1,
            )));
        }
        let end = bytes
            .iter()
            .position(|&b| !is_name_char(char::from(b)))
            .unwrap_or(bytes.len());
        // `end` is at an ASCII byte or the end: a character boundary.
        let (text, rest) = i.split_at(end);
        Ok((
            rest,
            Name {
                text: text.into(),
                span: self.span(i, rest),
            },
        ))
    }

    fn primary(&mut self, i: &'s str) -> Res<'s, Expr> {
        match i.chars().next() {
            Some('\'') => self.string(i),
            Some('-' | '0'..='9') => self.integer(i),
            Some(c) if is_name_start(c) => self.call(i),
            _ => fail(
                i,
                format!(
                    "expected a function call, a string in single quotes or an integer, {}",
                    found(i)
                ),
            ),
        }
    }

    fn string(&self, start: &'s str) -> Res<'s, Expr> {
        // Built only when a doubled quote (an escaped `'`) is met: most strings are copied
        // once, from the text into the expression (an ARM template has tens of thousands).
        let mut escaped: Option<String> = None;
        let mut i = &start[1..];
        let value: Arc<str> = loop {
            let Some(end) = memchr::memchr(b'\'', i.as_bytes()) else {
                return fail(start, "unterminated string literal: expected a closing `'`");
            };
            let (piece, after) = (&i[..end], &i[end + 1..]);
            match after.strip_prefix('\'') {
                Some(rest) => {
                    let value = escaped.get_or_insert_with(String::new);
                    value.push_str(piece);
                    value.push('\'');
                    i = rest;
                }
                None => {
                    i = after;
                    break match escaped {
                        Some(mut value) => {
                            value.push_str(piece);
                            value.into()
                        }
                        None => piece.into(),
                    };
                }
            }
        };
        Ok((
            i,
            Expr {
                span: self.span(start, i),
                kind: ExprKind::String(value),
            },
        ))
    }

    fn integer(&self, start: &'s str) -> Res<'s, Expr> {
        let (i, minus) = opt(char('-'))(start)?;
        let Ok((i, _)) = digit1::<_, Fail>(i) else {
            return fail(i, format!("expected a digit after `-`, {}", found(i)));
        };
        let text = &start[..start.len() - i.len()];
        let Ok(n) = text.parse::<i64>() else {
            let _ = minus;
            return fail(start, format!("integer `{text}` is too large"));
        };
        Ok((
            i,
            Expr {
                span: self.span(start, i),
                kind: ExprKind::Int(n),
            },
        ))
    }

    fn call(&mut self, start: &'s str) -> Res<'s, Expr> {
        let (i, first) = self.name(start)?;
        let (after_ws, _) = multispace0(i)?;
        // `ns.fn(` is a user-defined function; `name` alone may be a literal keyword.
        let (i, namespace, name) = match after_ws.strip_prefix('.') {
            Some(rest) => {
                let (rest, _) = multispace0(rest)?;
                let Ok((rest, name)) = self.name(rest) else {
                    return fail(
                        rest,
                        format!(
                            "expected a function name after `{}.`, {}",
                            first.text,
                            found(rest)
                        ),
                    );
                };
                (rest, Some(first), name)
            }
            None => {
                let literal = match &*first.text {
                    "true" => Some(ExprKind::Bool(true)),
                    "false" => Some(ExprKind::Bool(false)),
                    "null" => Some(ExprKind::Null),
                    _ => None,
                };
                if let Some(kind) = literal.filter(|_| !after_ws.starts_with('(')) {
                    return Ok((
                        i,
                        Expr {
                            span: first.span,
                            kind,
                        },
                    ));
                }
                (i, None, first)
            }
        };
        let (i, _) = multispace0(i)?;
        let Some(mut i) = i.strip_prefix('(') else {
            let what = match &namespace {
                Some(ns) => format!("`{}.{}`", ns.text, name.text),
                None => format!("`{}`", name.text),
            };
            return fail(
                i,
                format!("expected `(` after the function name {what}, {}", found(i)),
            );
        };
        let mut args = Vec::new();
        (i, _) = multispace0(i)?;
        if let Some(rest) = i.strip_prefix(')') {
            i = rest;
        } else {
            loop {
                let (rest, arg) = self.expr(i)?;
                args.push(arg);
                let (rest, _) = multispace0(rest)?;
                if let Some(rest) = rest.strip_prefix(',') {
                    (i, _) = multispace0(rest)?;
                } else if let Some(rest) = rest.strip_prefix(')') {
                    i = rest;
                    break;
                } else {
                    return fail(
                        rest,
                        format!(
                            "expected `,` or `)` in the arguments of `{}`, {}",
                            name.text,
                            found(rest)
                        ),
                    );
                }
            }
        }
        Ok((
            i,
            Expr {
                span: self.span(start, i),
                kind: ExprKind::Call(Box::new(Call {
                    namespace,
                    name,
                    args,
                })),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact rendering of the tree, with each node's span as `@start..end`.
    fn show(e: &Expr) -> String {
        let span = format!("@{}..{}", e.span.start, e.span.end);
        match &e.kind {
            ExprKind::String(s) => format!("'{s}'{span}"),
            ExprKind::Int(n) => format!("{n}{span}"),
            ExprKind::Bool(b) => format!("{b}{span}"),
            ExprKind::Null => format!("null{span}"),
            ExprKind::Call(c) => {
                let ns = c
                    .namespace
                    .as_ref()
                    .map_or(String::new(), |n| format!("{}.", n.text));
                let args: Vec<String> = c.args.iter().map(show).collect();
                format!("{ns}{}({}){span}", c.name.text, args.join(", "))
            }
            ExprKind::Property { target, name } => format!("{}.{}{span}", show(target), name.text),
            ExprKind::Index { target, index } => format!("{}[{}]{span}", show(target), show(index)),
        }
    }

    fn ok(s: &str) -> String {
        show(&parse(s, 0).unwrap_or_else(|e| panic!("{s}: {e:?}")))
    }

    fn err(s: &str) -> (u32, String) {
        let e = parse(s, 0).unwrap_err();
        assert_eq!(e.kind, SyntaxErrorKind::ArmExpression);
        (e.span.start, e.message)
    }

    #[test]
    fn grammar() {
        assert_eq!(
            ok("[concat('a''b', -1, true, null)]"),
            "concat('a'b'@8..14, -1@16..18, true@20..24, null@26..30)@1..31"
        );
        assert_eq!(
            ok("[reference(x()).outputs['k'].value[0]]"),
            "reference(x()@11..14)@1..15.outputs@1..23['k'@24..27]@1..28.value@1..34[0@35..36]@1..37"
        );
        assert_eq!(ok("[ns.fn( 1 )]"), "ns.fn(1@8..9)@1..11");
        // Names take letters, digits, `_` and `$`, and stop at anything else.
        assert_eq!(ok("[$fn_1()._x$]"), "$fn_1()@1..8._x$@1..12");
        assert!(err("[f\u{e9}()]").1.contains("after the function name `f`"));
        // Doubled quotes anywhere in a string, or nothing between its quotes.
        assert_eq!(
            ok("[f('', '''', 'it''s', 'a''''b', '''x''')]"),
            "f(''@3..5, '''@7..11, 'it's'@13..20, 'a''b'@22..30, ''x''@32..39)@1..40"
        );
        assert_eq!(
            ok("[ \n if(true(), 1,\r\n 2) ]"),
            "if(true()@7..13, 1@15..16, 2@20..21)@4..22"
        );
    }

    #[test]
    fn errors_point_at_the_character() {
        assert_eq!(
            err("[concat('a' 'b')]"),
            (
                12,
                "expected `,` or `)` in the arguments of `concat`, found `'`".into()
            )
        );
        assert_eq!(
            err("[concat('a)]"),
            (
                8,
                "unterminated string literal: expected a closing `'`".into()
            )
        );
        assert_eq!(
            err("[]"),
            (
                1,
                "empty expression: expected a function call between `[` and `]`".into()
            )
        );
        assert_eq!(
            err("[parameters]"),
            (
                11,
                "expected `(` after the function name `parameters`, found the closing `]`".into()
            )
        );
        assert_eq!(
            err("[a().]"),
            (
                5,
                "expected a property name after `.`, found the closing `]`".into()
            )
        );
        assert_eq!(
            err("[a() b]"),
            (
                5,
                "expected `.`, `[` or the closing `]` of the expression, found `b`".into()
            )
        );
    }

    #[test]
    fn escaped_json_maps_spans_back_to_source() {
        // `\"` and `\u00e9` make decoded offsets differ from source offsets.
        let text = r#"{"k": "[concat('\"\u00e9', 'a' 'b')]"}"#;
        let (root, errs) = json::parse(text);
        assert!(errs.is_empty());
        let v = root.unwrap().get("k").unwrap().clone();
        let err = parse_string(text, v.span, v.as_str().unwrap())
            .unwrap()
            .unwrap_err();
        assert_eq!(&text[err.span.range()], "'");
        assert_eq!(err.span.start as usize, text.find("'b'").unwrap());
    }

    #[test]
    fn escaped_brackets_are_literals() {
        assert_eq!(
            parse_string("", Span::new(0, 9), "[[x]"),
            Some(Ok(ArmString::Escaped("[x]".into())))
        );
        assert_eq!(parse_string("", Span::new(0, 5), "[x"), None);
        assert!(!is_expression("["));
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let s = format!("[{}1{}]", "a(".repeat(10_000), ")".repeat(10_000));
        assert!(err(&s).1.contains("nested too deeply"));
    }
}
