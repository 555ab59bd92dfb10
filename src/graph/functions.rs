//! The built-in template functions, over evaluated [`Value`]s.
//!
//! ARM template expressions and Bicep share one library of functions (`concat`, `format`,
//! `guid`, `resourceId`, …) with one semantics: Bicep compiles to ARM and the deployment engine
//! runs them. This module computes them before deployment, as far as the arguments allow:
//!
//! - *known* arguments give the exact ARM result. A function that *passes a value through*
//!   (`if`, `coalesce`, `first`, `toLower`, `string` of a string, …) keeps that value's origin, so
//!   a role GUID still points at the literal it was typed as. A string *built* from several
//!   pieces takes the call's origin, unless exactly one piece is non-empty.
//! - *unknown* arguments give a *partial* string for the string-building functions (`concat`,
//!   `format`, `join`, interpolation, the `resourceId` family): each known piece keeps its
//!   origin. Every other function gives an unknown [`UnknownKind::Call`] that *absorbs* the
//!   references and secrets of every argument, so nothing a rule tracks is lost.
//! - an argument ARM would reject (wrong type, out of range) also gives an unknown: the linter
//!   does not guess what a failing deployment would have produced.
//!
//! Work is bounded: strings over [`MAX_STRING_BYTES`], arrays over [`MAX_ELEMENTS`] and `json()`
//! nesting over [`MAX_JSON_DEPTH`] are refused (the result is unknown), checked before the
//! memory is spent.
//!
//! Sources. Behaviour follows the ARM function reference
//! (<https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions>)
//! and, where it is silent, Microsoft's MIT-licensed port of the engine's built-ins in the Azure
//! Policy linter (`ExpressionBuiltInFunctions`, "largely ported from the Azure Policy evaluation
//! engine"). Where ARM's docs and that port disagree (string `contains` is case-sensitive in
//! ARM, case-insensitive in Policy), the ARM docs win. Expected values in the tests come from
//! Bicep's evaluated baselines (`src/Bicep.Core.Samples/Files/baselines_bicepparam/Expressions/
//! parameters.json`, `src/Bicep.Cli.IntegrationTests/SnapshotCommandTests.cs`).

use std::cmp::Ordering;
use std::collections::HashSet;

use std::sync::{Arc, OnceLock};

use crate::fast_hash::FastMap;

use super::value::{Map, Origin, Segment, Unknown, UnknownKind, Value, ValueKind};

/// The longest string a function may build (bytes of UTF-8).
pub const MAX_STRING_BYTES: usize = 1024 * 1024;
/// The most elements an array (or properties an object) a function may build. ARM's `range()`
/// has the same limit.
pub const MAX_ELEMENTS: usize = 10_000;
/// The deepest nesting `json()` accepts.
pub const MAX_JSON_DEPTH: usize = 64;
/// The widest `padLeft()` we compute; wider requests are refused (ARM allows less or equal).
const MAX_PAD_WIDTH: i64 = 16_384;

/// Evaluates the built-in function `name` (ARM/Bicep name, case-insensitive) on evaluated
/// arguments. `origin` is the call expression's origin. Returns `None` when `name` is not a
/// function this module knows (the evaluator then returns an opaque unknown).
pub fn call(name: &str, args: &[Value], origin: Origin) -> Option<Value> {
    call_lowercase(&name.to_ascii_lowercase(), args, origin)
}

/// [`call`] with the name already in ASCII lower case.
pub fn call_lowercase(lower_name: &str, args: &[Value], origin: Origin) -> Option<Value> {
    static BY_NAME: OnceLock<FastMap<String, usize>> = OnceLock::new();
    let by_name = BY_NAME.get_or_init(|| {
        let names = FUNCTIONS.iter().enumerate();
        names
            .map(|(at, (name, _))| (name.to_ascii_lowercase(), at))
            .collect()
    });
    let &(canonical, eval) = &FUNCTIONS[*by_name.get(lower_name)?];
    Some(match eval(args, origin) {
        Some(value) if within_caps(&value) => value,
        _ => unknown_call(canonical, args, origin),
    })
}

/// Bicep string interpolation `'a${b}c'`: `parts` are the literal pieces and the evaluated holes,
/// in order. Bicep compiles interpolation to `format()`, so holes render as `format()` renders
/// its arguments (`true` → `True`, `null` → empty).
pub fn interpolate(parts: Vec<Value>, origin: Origin) -> Value {
    let mut builder = StringBuilder::default();
    let built = parts
        .iter()
        .try_for_each(|part| builder.push_format_arg(part))
        .and_then(|()| builder.finish(origin));
    built
        .filter(within_caps)
        .unwrap_or_else(|| unknown_call("format", &parts, origin))
}

/// ARM's `string()` of a known value: strings as they are, integers in decimal, booleans as
/// `True`/`False` (.NET `bool.ToString()`; ARM's `string(true())` is `True`, see
/// <https://github.com/Azure/PSRule.Rules.Azure/issues/793>), `null` as the empty string, arrays
/// and objects as compact JSON (the reference's `string()` example prints
/// `{"valueA":10,"valueB":"Example Text"}`). `None` when any part is unknown.
pub fn to_display_string(value: &Value) -> Option<String> {
    match &value.kind {
        ValueKind::Null => Some(String::new()),
        ValueKind::Bool(b) => Some(bool_text(*b).to_owned()),
        ValueKind::Int(i) => Some(i.to_string()),
        ValueKind::String(s) => Some(s.to_string()),
        ValueKind::Array(_) | ValueKind::Object(_) => {
            let mut out = String::new();
            write_json(value, &mut out, false)?;
            Some(out)
        }
        ValueKind::Partial(_) | ValueKind::Unknown(_) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The function table
// ---------------------------------------------------------------------------------------------

/// A function body: `None` means "not computable here" and becomes an absorbing unknown.
type Eval = fn(&[Value], Origin) -> Option<Value>;

/// Every function this module knows, by its ARM spelling. Lambdas (`map`, `filter`, `reduce`,
/// `sort`, …), `parameters()`, `variables()`, `reference()`, `list*()` and the deployment
/// functions (`resourceGroup()`, …) belong to the evaluator.
static FUNCTIONS: &[(&str, Eval)] = &[
    ("add", add),
    ("and", and),
    ("array", array),
    ("base64", base64),
    ("base64ToString", base64_to_string),
    ("bool", to_bool),
    ("coalesce", coalesce),
    ("concat", concat),
    ("contains", contains),
    ("createArray", create_array),
    ("createObject", create_object),
    ("div", div),
    ("empty", empty),
    ("endsWith", ends_with),
    ("equals", equals),
    ("extensionResourceId", extension_resource_id),
    ("false", false_),
    ("first", first),
    ("format", format),
    ("greater", greater),
    ("greaterOrEquals", greater_or_equals),
    ("greaterOrEqual", greater_or_equals),
    ("guid", guid),
    ("if", if_),
    ("indexOf", index_of),
    ("int", to_int),
    ("intersection", intersection),
    ("items", items),
    ("join", join),
    ("json", json),
    ("last", last),
    ("lastIndexOf", last_index_of),
    ("length", length),
    ("less", less),
    ("lessOrEquals", less_or_equals),
    ("lessOrEqual", less_or_equals),
    ("managementGroupResourceId", management_group_resource_id),
    ("max", max),
    ("min", min),
    ("mod", modulo),
    ("mul", mul),
    ("newGuid", never),
    ("not", not),
    ("null", null),
    ("or", or),
    ("padLeft", pad_left),
    ("range", range),
    ("replace", replace),
    ("resourceId", resource_id),
    ("skip", skip),
    ("split", split),
    ("startsWith", starts_with),
    ("string", string),
    ("sub", sub),
    ("subscriptionResourceId", subscription_resource_id),
    ("substring", substring),
    ("take", take),
    ("tenantResourceId", tenant_resource_id),
    ("toLower", to_lower),
    ("toUpper", to_upper),
    ("trim", trim),
    ("true", true_),
    ("union", union),
    ("uniqueString", unique_string),
    ("uri", uri),
    ("uriComponent", uri_component),
    ("uriComponentToString", uri_component_to_string),
    ("utcNow", never),
];

/// An unknown computed by `function` from `args`, keeping all their references and secrets.
fn unknown_call(function: &'static str, args: &[Value], origin: Origin) -> Value {
    let mut unknown = Unknown::of(UnknownKind::Call(function.into()));
    for arg in args {
        unknown.absorb(arg);
    }
    Value::unknown(origin, unknown)
}

fn within_caps(value: &Value) -> bool {
    match &value.kind {
        ValueKind::String(s) => s.len() <= MAX_STRING_BYTES,
        ValueKind::Partial(segments) => text_bytes(segments) <= MAX_STRING_BYTES,
        ValueKind::Array(items) => items.len() <= MAX_ELEMENTS,
        ValueKind::Object(map) => map.len() <= MAX_ELEMENTS,
        _ => true,
    }
}

fn text_bytes(segments: &[Segment]) -> usize {
    segments
        .iter()
        .map(|s| match s {
            Segment::Text(text, _) => text.len(),
            Segment::Unknown(_) => 0,
        })
        .sum()
}

fn int_of(value: &Value) -> Option<i64> {
    match value.kind {
        ValueKind::Int(i) => Some(i),
        _ => None,
    }
}

fn array_of(value: &Value) -> Option<&[Value]> {
    match &value.kind {
        ValueKind::Array(items) => Some(items),
        _ => None,
    }
}

fn object_of(value: &Value) -> Option<&Map> {
    match &value.kind {
        ValueKind::Object(map) => Some(map),
        _ => None,
    }
}

fn boolean(origin: Origin, b: bool) -> Value {
    Value::new(origin, ValueKind::Bool(b))
}

fn integer(origin: Origin, i: i64) -> Value {
    Value::new(origin, ValueKind::Int(i))
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// `fn(a, b)` or nothing.
fn two(args: &[Value]) -> Option<(&Value, &Value)> {
    match args {
        [a, b] => Some((a, b)),
        _ => None,
    }
}

fn one(args: &[Value]) -> Option<&Value> {
    match args {
        [a] => Some(a),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Building strings from pieces
// ---------------------------------------------------------------------------------------------

/// Collects the pieces of a string being built, refusing to grow past [`MAX_STRING_BYTES`].
#[derive(Default)]
struct StringBuilder {
    segments: Vec<Segment>,
    bytes: usize,
}

impl StringBuilder {
    fn push_text(&mut self, text: &str, origin: Origin) -> Option<()> {
        if text.is_empty() {
            return Some(());
        }
        self.bytes = self.bytes.checked_add(text.len())?;
        if self.bytes > MAX_STRING_BYTES {
            return None;
        }
        match self.segments.last_mut() {
            Some(Segment::Text(last, last_origin)) if *last_origin == origin => last.push_str(text),
            _ => self.segments.push(Segment::Text(text.to_owned(), origin)),
        }
        Some(())
    }

    fn push_unknown(&mut self, unknown: impl Into<Arc<Unknown>>) {
        self.segments.push(Segment::Unknown(unknown.into()));
    }

    fn push_segments(&mut self, segments: &[Segment]) -> Option<()> {
        for segment in segments {
            match segment {
                Segment::Text(text, origin) => self.push_text(text, *origin)?,
                Segment::Unknown(unknown) => self.push_unknown(unknown.clone()),
            }
        }
        Some(())
    }

    /// A piece of `concat()`: strings, integers and booleans as text, `null` skipped (the
    /// engine skips null arguments); arrays and objects are an error.
    fn push_concat_arg(&mut self, value: &Value) -> Option<()> {
        match &value.kind {
            ValueKind::Null => Some(()),
            ValueKind::String(s) => self.push_text(s, value.origin),
            ValueKind::Int(i) => self.push_text(&i.to_string(), value.origin),
            ValueKind::Bool(b) => self.push_text(bool_text(*b), value.origin),
            ValueKind::Partial(segments) => self.push_segments(segments),
            ValueKind::Unknown(unknown) => {
                self.push_unknown(unknown.clone());
                Some(())
            }
            ValueKind::Array(_) | ValueKind::Object(_) => None,
        }
    }

    /// A `format()` argument without alignment or format string, or an interpolation hole.
    /// Arrays and objects render as the engine's single-line JSON, whose exact quoting we do not
    /// reproduce: that piece is unknown.
    fn push_format_arg(&mut self, value: &Value) -> Option<()> {
        match &value.kind {
            ValueKind::Array(_) | ValueKind::Object(_) => {
                self.push_unknown(absorbing("format", value));
                Some(())
            }
            _ => self.push_concat_arg(value),
        }
    }

    /// The built string: known when every piece is, partial otherwise.
    fn finish(self, origin: Origin) -> Option<Value> {
        if self
            .segments
            .iter()
            .any(|s| matches!(s, Segment::Unknown(_)))
        {
            return Some(Value::new(origin, ValueKind::Partial(self.segments)));
        }
        let mut texts = self.segments.into_iter().filter_map(|s| match s {
            Segment::Text(text, origin) => Some((text, origin)),
            Segment::Unknown(_) => None,
        });
        Some(match (texts.next(), texts.next()) {
            (None, _) => Value::string(origin, ""),
            (Some((text, piece_origin)), None) => Value::string(piece_origin, text),
            (Some((first, _)), Some((second, _))) => {
                let mut joined = first;
                joined.push_str(&second);
                texts.for_each(|(text, _)| joined.push_str(&text));
                Value::string(origin, joined)
            }
        })
    }
}

/// An unknown standing for `function` applied to `value`.
fn absorbing(function: &'static str, value: &Value) -> Unknown {
    let mut unknown = Unknown::of(UnknownKind::Call(function.into()));
    unknown.absorb(value);
    unknown
}

fn concat(args: &[Value], origin: Origin) -> Option<Value> {
    if args.is_empty() {
        return None;
    }
    if args.iter().all(|a| matches!(a.kind, ValueKind::Array(_))) {
        let total: usize = args.iter().filter_map(array_of).map(<[Value]>::len).sum();
        if total > MAX_ELEMENTS {
            return None;
        }
        let items = args
            .iter()
            .filter_map(array_of)
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .into();
        return Some(Value::new(origin, ValueKind::Array(items)));
    }
    let stringy = args.iter().any(|a| {
        matches!(
            a.kind,
            ValueKind::String(_) | ValueKind::Int(_) | ValueKind::Bool(_) | ValueKind::Partial(_)
        )
    });
    let unknown = args.iter().any(|a| matches!(a.kind, ValueKind::Unknown(_)));
    if unknown && !stringy {
        // All unknown (or null): could be an array concatenation.
        return None;
    }
    let mut builder = StringBuilder::default();
    for arg in args {
        builder.push_concat_arg(arg)?;
    }
    builder.finish(origin)
}

fn join(args: &[Value], origin: Origin) -> Option<Value> {
    let (items, delimiter) = two(args)?;
    let items = array_of(items)?;
    let delimiter_text = delimiter.as_str()?;
    let mut builder = StringBuilder::default();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            builder.push_text(delimiter_text, delimiter.origin)?;
        }
        match &item.kind {
            ValueKind::String(_) | ValueKind::Partial(_) | ValueKind::Unknown(_) => {
                builder.push_concat_arg(item)?
            }
            // The engine accepts only strings in the array.
            _ => return None,
        }
    }
    builder.finish(origin)
}

// ---------------------------------------------------------------------------------------------
// format(): .NET composite formatting
// ---------------------------------------------------------------------------------------------

fn format(args: &[Value], origin: Origin) -> Option<Value> {
    let (format, rest) = args.split_first()?;
    let text = format.as_str()?;
    let mut builder = StringBuilder::default();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            // A lone '}' is a FormatException.
            '}' => return None,
            '{' => {
                builder.push_text(&literal, format.origin)?;
                literal.clear();
                let item = FormatItem::parse(&mut chars)?;
                let arg = rest.get(item.index)?;
                if item.alignment == 0 && item.spec.is_empty() {
                    builder.push_format_arg(arg)?;
                } else {
                    match format_scalar(arg, &item.spec) {
                        Some(rendered) => {
                            let padded = align(&rendered, item.alignment)?;
                            builder.push_text(&padded, arg.origin)?;
                        }
                        None if !arg.is_known() => builder.push_unknown(absorbing("format", arg)),
                        None => return None,
                    }
                }
            }
            _ => literal.push(c),
        }
    }
    builder.push_text(&literal, format.origin)?;
    builder.finish(origin)
}

/// `{index[,alignment][:formatString]}`, after the opening brace.
struct FormatItem {
    index: usize,
    alignment: i64,
    spec: String,
}

impl FormatItem {
    fn parse(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<FormatItem> {
        let index = parse_digits(chars)?;
        skip_spaces(chars);
        let mut alignment = 0;
        if chars.peek() == Some(&',') {
            chars.next();
            skip_spaces(chars);
            let negative = chars.peek() == Some(&'-');
            if negative {
                chars.next();
            }
            let width = i64::try_from(parse_digits(chars)?).ok()?;
            alignment = if negative { -width } else { width };
            skip_spaces(chars);
        }
        let mut spec = String::new();
        if chars.peek() == Some(&':') {
            chars.next();
            loop {
                match chars.next()? {
                    '}' => {
                        return Some(FormatItem {
                            index,
                            alignment,
                            spec,
                        })
                    }
                    '{' => return None,
                    c => spec.push(c),
                }
            }
        }
        (chars.next()? == '}').then_some(FormatItem {
            index,
            alignment,
            spec,
        })
    }
}

fn parse_digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<usize> {
    let mut value: usize = 0;
    let mut any = false;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        chars.next();
        any = true;
        value = value.checked_mul(10)?.checked_add(d as usize)?;
        // .NET refuses indexes and widths from 1,000,000 on.
        if value >= 1_000_000 {
            return None;
        }
    }
    any.then_some(value)
}

fn skip_spaces(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while chars.peek() == Some(&' ') {
        chars.next();
    }
}

/// Pads to `alignment` UTF-16 units: on the left when positive, on the right when negative.
fn align(text: &str, alignment: i64) -> Option<String> {
    let width = usize::try_from(alignment.unsigned_abs()).ok()?;
    let len = text.encode_utf16().count();
    if width <= len {
        return Some(text.to_owned());
    }
    if width > MAX_STRING_BYTES {
        return None;
    }
    let pad = " ".repeat(width - len);
    Some(if alignment > 0 {
        pad + text
    } else {
        text.to_owned() + &pad
    })
}

/// A scalar as `format()` renders it with a format string: strings and booleans ignore the
/// format string, integers follow .NET standard numeric formats (`D`, `N`, `X`, with an optional
/// precision, invariant culture). Other formats are not reproduced.
fn format_scalar(value: &Value, spec: &str) -> Option<String> {
    match &value.kind {
        ValueKind::Null => Some(String::new()),
        ValueKind::String(s) => Some(s.to_string()),
        ValueKind::Bool(b) => Some(bool_text(*b).to_owned()),
        ValueKind::Int(i) => format_int(*i, spec),
        _ => None,
    }
}

fn format_int(n: i64, spec: &str) -> Option<String> {
    if spec.is_empty() {
        return Some(n.to_string());
    }
    let mut chars = spec.chars();
    let kind = chars.next()?;
    let digits = chars.as_str();
    if !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 2 {
        return None;
    }
    let precision: Option<usize> = if digits.is_empty() {
        None
    } else {
        digits.parse().ok()
    };
    let sign = if n < 0 { "-" } else { "" };
    match kind {
        'D' | 'd' => {
            let abs = n.unsigned_abs().to_string();
            Some(format!(
                "{sign}{abs:0>width$}",
                width = precision.unwrap_or(0)
            ))
        }
        'X' | 'x' => {
            // Negative numbers print their two's complement, as .NET does for Int64.
            let hex = if kind == 'X' {
                format!("{:X}", n as u64)
            } else {
                format!("{:x}", n as u64)
            };
            Some(format!("{hex:0>width$}", width = precision.unwrap_or(0)))
        }
        'N' | 'n' => {
            let abs = n.unsigned_abs().to_string();
            let mut grouped = String::new();
            for (i, c) in abs.chars().enumerate() {
                if i > 0 && (abs.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            let decimals = precision.unwrap_or(2);
            if decimals > 0 {
                grouped.push('.');
                grouped.push_str(&"0".repeat(decimals));
            }
            Some(format!("{sign}{grouped}"))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// String functions
// ---------------------------------------------------------------------------------------------

/// .NET `ToLowerInvariant`/`ToUpperInvariant` map each character to one character (simple case
/// mapping); a character whose full mapping has several characters (`ß` → `SS`) stays as it is.
fn map_case(text: &str, upper: bool) -> String {
    text.chars()
        .map(|c| {
            if upper {
                simple_upper(c)
            } else {
                simple_lower(c)
            }
        })
        .collect()
}

fn simple_upper(c: char) -> char {
    let mut mapped = c.to_uppercase();
    match (mapped.next(), mapped.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn simple_lower(c: char) -> char {
    let mut mapped = c.to_lowercase();
    match (mapped.next(), mapped.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Ordinal comparison ignoring case (.NET `OrdinalIgnoreCase`: both sides upper-cased).
fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.chars().map(simple_upper).cmp(b.chars().map(simple_upper))
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    cmp_ignore_case(a, b) == Ordering::Equal
}

fn to_lower(args: &[Value], _origin: Origin) -> Option<Value> {
    change_case(one(args)?, false, "toLower")
}

fn to_upper(args: &[Value], _origin: Origin) -> Option<Value> {
    change_case(one(args)?, true, "toUpper")
}

/// Case mapping is per character, so a partial string maps piece by piece: its known text stays
/// readable (a GUID inside `toLower(concat(…))` still points at its literal).
fn change_case(value: &Value, upper: bool, function: &'static str) -> Option<Value> {
    let kind = match &value.kind {
        ValueKind::Null => ValueKind::String("".into()),
        ValueKind::String(s) => ValueKind::String(map_case(s, upper).into()),
        ValueKind::Partial(segments) => ValueKind::Partial(
            segments
                .iter()
                .map(|segment| match segment {
                    Segment::Text(text, origin) => Segment::Text(map_case(text, upper), *origin),
                    Segment::Unknown(unknown) => {
                        let mut mapped = Unknown::of(UnknownKind::Call(function.into()));
                        mapped.references = unknown.references.clone();
                        mapped.secrets = unknown.secrets.clone();
                        Segment::Unknown(Arc::new(mapped))
                    }
                })
                .collect(),
        ),
        _ => return None,
    };
    Some(Value::new(value.origin, kind))
}

fn trim(args: &[Value], _origin: Origin) -> Option<Value> {
    let value = one(args)?;
    // .NET `Trim()` removes `char.IsWhiteSpace` characters: the Unicode White_Space set, as
    // `char::is_whitespace`.
    let text = value.as_str()?;
    Some(Value::string(value.origin, text.trim()))
}

fn utf16(text: &str) -> Vec<u16> {
    text.encode_utf16().collect()
}

/// A string from UTF-16 units; `None` when a cut split a surrogate pair (the engine would produce
/// a string Rust cannot hold, and nothing sensible can be said of it).
fn from_utf16(units: &[u16]) -> Option<String> {
    String::from_utf16(units).ok()
}

fn substring(args: &[Value], _origin: Origin) -> Option<Value> {
    let (value, start, length) = match args {
        [v, s] => (v, int_of(s)?, None),
        [v, s, l] => (v, int_of(s)?, Some(int_of(l)?)),
        _ => return None,
    };
    let text = match &value.kind {
        ValueKind::Null => "",
        _ => value.as_str()?,
    };
    let units = utf16(text);
    let start = usize::try_from(start).ok().filter(|&s| s <= units.len())?;
    let end = match length {
        None => units.len(),
        Some(length) => start
            .checked_add(usize::try_from(length).ok()?)
            .filter(|&end| end <= units.len())?,
    };
    Some(Value::string(
        value.origin,
        from_utf16(units.get(start..end)?)?,
    ))
}

fn take(args: &[Value], origin: Origin) -> Option<Value> {
    take_or_skip(args, origin, true)
}

fn skip(args: &[Value], origin: Origin) -> Option<Value> {
    take_or_skip(args, origin, false)
}

fn take_or_skip(args: &[Value], origin: Origin, take: bool) -> Option<Value> {
    let (value, count) = two(args)?;
    // LINQ `Take`/`Skip` clamp the count to `0..=len`.
    let count = usize::try_from(int_of(count)?.max(0)).unwrap_or(usize::MAX);
    match &value.kind {
        ValueKind::Null => Some(Value::null(value.origin)),
        ValueKind::Array(items) => {
            let cut = count.min(items.len());
            let part = if take { &items[..cut] } else { &items[cut..] };
            Some(Value::new(
                origin,
                ValueKind::Array(Arc::new(part.to_vec())),
            ))
        }
        ValueKind::String(text) => {
            let units = utf16(text);
            let cut = count.min(units.len());
            let part = if take { &units[..cut] } else { &units[cut..] };
            Some(Value::string(value.origin, from_utf16(part)?))
        }
        _ => None,
    }
}

fn first(args: &[Value], _origin: Origin) -> Option<Value> {
    first_or_last(one(args)?, true)
}

fn last(args: &[Value], _origin: Origin) -> Option<Value> {
    first_or_last(one(args)?, false)
}

/// The first or last element of an array (the element itself, with its origin; `null` when
/// empty) or the first or last character of a string.
fn first_or_last(value: &Value, first: bool) -> Option<Value> {
    match &value.kind {
        ValueKind::Null => Some(Value::null(value.origin)),
        ValueKind::Array(items) => {
            let item = if first { items.first() } else { items.last() };
            Some(item.cloned().unwrap_or_else(|| Value::null(value.origin)))
        }
        ValueKind::String(text) => {
            let units = utf16(text);
            let unit = if first { units.first() } else { units.last() };
            let piece = match unit {
                Some(unit) => from_utf16(std::slice::from_ref(unit))?,
                None => String::new(),
            };
            Some(Value::string(value.origin, piece))
        }
        ValueKind::Partial(segments) => {
            let segment = if first {
                segments.first()
            } else {
                segments.last()
            };
            match segment {
                Some(Segment::Text(text, origin)) if !text.is_empty() => {
                    first_or_last(&Value::string(*origin, text.clone()), first)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn length(args: &[Value], origin: Origin) -> Option<Value> {
    let value = one(args)?;
    let n = match &value.kind {
        ValueKind::Null => 0,
        ValueKind::String(text) => text.encode_utf16().count(),
        ValueKind::Array(items) => items.len(),
        ValueKind::Object(map) => map.len(),
        _ => return None,
    };
    Some(integer(origin, i64::try_from(n).ok()?))
}

fn empty(args: &[Value], origin: Origin) -> Option<Value> {
    let value = one(args)?;
    let is_empty = match &value.kind {
        ValueKind::Null => true,
        ValueKind::String(text) => text.is_empty(),
        ValueKind::Array(items) => items.is_empty(),
        ValueKind::Object(map) => map.is_empty(),
        ValueKind::Partial(segments) if text_bytes(segments) > 0 => false,
        _ => return None,
    };
    Some(boolean(origin, is_empty))
}

fn contains(args: &[Value], origin: Origin) -> Option<Value> {
    let (container, item) = two(args)?;
    let found = match &container.kind {
        // Object keys compare ignoring case.
        ValueKind::Object(map) => {
            let key = item.as_str()?;
            map.keys().any(|k| eq_ignore_case(k, key))
        }
        ValueKind::Array(items) => any3(items.iter().map(|i| deep_eq(i, item)))?,
        // "The string comparison is case-sensitive" (ARM reference, `contains`).
        ValueKind::String(text) => text.contains(item.as_str()?),
        ValueKind::Partial(segments) => {
            let needle = item.as_str()?;
            let in_text = segments.iter().any(|s| match s {
                Segment::Text(text, _) => text.contains(needle),
                Segment::Unknown(_) => false,
            });
            // Known text containing the needle is in the result whatever the unknown parts are.
            in_text.then_some(true)?
        }
        _ => return None,
    };
    Some(boolean(origin, found))
}

fn index_of(args: &[Value], origin: Origin) -> Option<Value> {
    position(args, origin, false)
}

fn last_index_of(args: &[Value], origin: Origin) -> Option<Value> {
    position(args, origin, true)
}

/// `indexOf`/`lastIndexOf`: deep equality in arrays; in strings a case-insensitive search
/// (culture-aware in the engine, so computed here only for ASCII text, where it is ordinal).
fn position(args: &[Value], origin: Origin, last: bool) -> Option<Value> {
    let (container, item) = two(args)?;
    let index: i64 = match &container.kind {
        ValueKind::Null => -1,
        ValueKind::Array(items) => {
            let found = |(i, candidate): (usize, &Value)| match deep_eq(candidate, item) {
                Some(false) => None,
                // An undecided comparison before a match leaves the position unknown.
                decided => Some(decided.map(|_| i)),
            };
            let hit = if last {
                items.iter().enumerate().rev().find_map(found)
            } else {
                items.iter().enumerate().find_map(found)
            };
            match hit {
                None => -1,
                Some(i) => i64::try_from(i?).ok()?,
            }
        }
        ValueKind::String(text) => {
            let needle = item.as_str()?;
            if !text.is_ascii() || !needle.is_ascii() || (last && needle.is_empty()) {
                // Non-ASCII: culture rules. Empty needle in lastIndexOf: differs across .NET
                // versions.
                return None;
            }
            let (hay, needle) = (text.as_bytes(), needle.as_bytes());
            let matches_at = |i: &usize| {
                hay[*i..]
                    .get(..needle.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(needle))
            };
            let found = if last {
                (0..=hay.len()).rev().find(matches_at)
            } else {
                (0..=hay.len()).find(matches_at)
            };
            found.map_or(Some(-1), |i| i64::try_from(i).ok())?
        }
        _ => return None,
    };
    Some(integer(origin, index))
}

fn starts_with(args: &[Value], origin: Origin) -> Option<Value> {
    affix(args, origin, true)
}

fn ends_with(args: &[Value], origin: Origin) -> Option<Value> {
    affix(args, origin, false)
}

/// `startsWith`/`endsWith`: ordinal, ignoring case.
fn affix(args: &[Value], origin: Origin, start: bool) -> Option<Value> {
    let (text, affix) = two(args)?;
    let (text, affix) = (text.as_str()?, affix.as_str()?);
    let (text, affix) = (utf16(&map_case(text, true)), utf16(&map_case(affix, true)));
    let result = if start {
        text.starts_with(&affix)
    } else {
        text.ends_with(&affix)
    };
    Some(boolean(origin, result))
}

fn replace(args: &[Value], origin: Origin) -> Option<Value> {
    let [value, old, new] = args else {
        return None;
    };
    let (text, old_text, new_text) = (value.as_str()?, old.as_str()?, new.as_str()?);
    if old_text.is_empty() {
        return None;
    }
    let count = text.matches(old_text).count();
    if count == 0 {
        return Some(value.clone());
    }
    let size = text.len() - count * old_text.len() + count.checked_mul(new_text.len())?;
    if size > MAX_STRING_BYTES {
        return None;
    }
    // .NET `String.Replace(string, string)`: ordinal and case-sensitive.
    Some(Value::string(origin, text.replace(old_text, new_text)))
}

/// `split()` of a string with unknown parts, on a delimiter found only in its known text:
/// `split(format('{0}/stage', site), '/')` is `[<site>, 'stage']` (how Bicep compiles a child's
/// `parent`). The unknown parts stay whole inside their pieces.
fn split_partial(segments: &[Segment], delimiter: &str, origin: Origin) -> Option<Value> {
    if delimiter.is_empty() {
        return None;
    }
    let finish = |piece: Vec<Segment>| -> Value {
        match piece.as_slice() {
            [] => Value::string(origin, ""),
            [Segment::Text(text, at)] => Value::string(*at, text.clone()),
            _ => Value::new(origin, ValueKind::Partial(piece)),
        }
    };
    let mut pieces = Vec::new();
    let mut current: Vec<Segment> = Vec::new();
    for segment in segments {
        match segment {
            Segment::Unknown(_) => current.push(segment.clone()),
            Segment::Text(text, at) => {
                let mut parts = text.split(delimiter);
                if let Some(first) = parts.next() {
                    if !first.is_empty() {
                        current.push(Segment::Text(first.to_owned(), *at));
                    }
                }
                for part in parts {
                    pieces.push(finish(std::mem::take(&mut current)));
                    if pieces.len() > MAX_ELEMENTS {
                        return None;
                    }
                    if !part.is_empty() {
                        current.push(Segment::Text(part.to_owned(), *at));
                    }
                }
            }
        }
    }
    pieces.push(finish(current));
    Some(Value::new(origin, ValueKind::Array(Arc::new(pieces))))
}

fn split(args: &[Value], origin: Origin) -> Option<Value> {
    let (value, delimiter) = two(args)?;
    if let (ValueKind::Partial(segments), ValueKind::String(d)) = (&value.kind, &delimiter.kind) {
        return split_partial(segments, d, origin);
    }
    let text = match &value.kind {
        ValueKind::Null => return Some(Value::new(origin, ValueKind::Array(Arc::new(Vec::new())))),
        _ => value.as_str()?,
    };
    let delimiters: Vec<&str> = match &delimiter.kind {
        ValueKind::Null => Vec::new(),
        ValueKind::String(d) => vec![&**d],
        ValueKind::Array(items) => items.iter().map(Value::as_str).collect::<Option<_>>()?,
        _ => return None,
    };
    // .NET `Split(string[], None)` ignores empty separators and, at each position, takes the
    // first separator (in the given order) that matches.
    let delimiters: Vec<&str> = delimiters.into_iter().filter(|d| !d.is_empty()).collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        match delimiters.iter().find(|d| text[i..].starts_with(**d)) {
            Some(d) => {
                pieces.push(Value::string(value.origin, &text[start..i]));
                i += d.len();
                start = i;
                if pieces.len() > MAX_ELEMENTS {
                    return None;
                }
            }
            None => i += text[i..].chars().next().map_or(1, char::len_utf8),
        }
    }
    pieces.push(Value::string(value.origin, &text[start..]));
    Some(Value::new(origin, ValueKind::Array(Arc::new(pieces))))
}

fn pad_left(args: &[Value], origin: Origin) -> Option<Value> {
    let (value, width, pad) = match args {
        [v, w] => (v, int_of(w)?, ' '),
        [v, w, p] if matches!(p.kind, ValueKind::Null) => (v, int_of(w)?, ' '),
        [v, w, p] => {
            let units = utf16(p.as_str()?);
            let [unit] = units.as_slice() else {
                return None;
            };
            (v, int_of(w)?, char::from_u32(u32::from(*unit))?)
        }
        _ => return None,
    };
    if !(1..=MAX_PAD_WIDTH).contains(&width) {
        return None;
    }
    let text = match &value.kind {
        ValueKind::String(s) => s.to_string(),
        ValueKind::Int(i) => i.to_string(),
        _ => return None,
    };
    let len = text.encode_utf16().count();
    let width = usize::try_from(width).ok()?;
    if len >= width {
        return Some(Value::string(value.origin, text));
    }
    let mut padded: String = std::iter::repeat_n(pad, width - len).collect();
    padded.push_str(&text);
    Some(Value::string(origin, padded))
}

fn string(args: &[Value], origin: Origin) -> Option<Value> {
    let value = one(args)?;
    let text = to_display_string(value)?;
    // A scalar's text is its literal, rendered: keep its origin.
    let origin = match value.kind {
        ValueKind::Array(_) | ValueKind::Object(_) => origin,
        _ => value.origin,
    };
    Some(Value::string(origin, text))
}

// ---------------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------------

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(
                    BASE64_ALPHABET[((n >> (18 - 6 * i)) & 63) as usize],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// .NET `Convert.FromBase64String`: white space ignored, padding required.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let symbols: Vec<u8> = text.bytes().filter(|b| !b" \t\r\n".contains(b)).collect();
    if symbols.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(symbols.len() / 4 * 3);
    let chunks = symbols.len() / 4;
    for (index, chunk) in symbols.chunks(4).enumerate() {
        let padding = chunk.iter().rev().take_while(|&&b| b == b'=').count();
        if padding > 2 || (padding > 0 && index + 1 != chunks) {
            return None;
        }
        let mut n: u32 = 0;
        for &b in &chunk[..4 - padding] {
            let v = BASE64_ALPHABET.iter().position(|&a| a == b)?;
            n = (n << 6) | v as u32;
        }
        n <<= 6 * padding as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - padding]);
    }
    Some(out)
}

fn base64(args: &[Value], origin: Origin) -> Option<Value> {
    let value = one(args)?;
    let text = match &value.kind {
        ValueKind::Null => "",
        _ => value.as_str()?,
    };
    Some(Value::string(origin, base64_encode(text.as_bytes())))
}

fn base64_to_string(args: &[Value], origin: Origin) -> Option<Value> {
    let bytes = base64_decode(one(args)?.as_str()?)?;
    // .NET `Encoding.UTF8.GetString` replaces invalid sequences with U+FFFD, as does Rust.
    Some(Value::string(origin, String::from_utf8_lossy(&bytes)))
}

/// .NET `Uri.EscapeDataString`: everything but the RFC 3986 unreserved characters is
/// percent-encoded as UTF-8 with upper-case hex.
fn uri_component(args: &[Value], origin: Origin) -> Option<Value> {
    let text = one(args)?.as_str()?;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Some(Value::string(origin, out))
}

/// Percent-decoding. The engine's decoder also turns `+` into a space and reads `%uXXXX`
/// (`HttpUtility.UrlDecode`); text using those, or decoding to invalid UTF-8, is not computed.
fn uri_component_to_string(args: &[Value], origin: Origin) -> Option<Value> {
    let text = one(args)?.as_str()?;
    if text.contains('+') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
            if bytes
                .get(i + 1)
                .is_some_and(|b| b.eq_ignore_ascii_case(&b'u'))
            {
                return None;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(Value::string(origin, String::from_utf8(out).ok()?))
}

/// `uri(baseUri, relativeUri)` is .NET `new Uri(new Uri(baseUri), relativeUri).AbsoluteUri`
/// (RFC 3986 resolution; Bicep's baseline has `uri('https://github.com', 'Azure/bicep')` =
/// `https://github.com/Azure/bicep`, not the reference's plain-concatenation description).
/// Computed for plain http(s) URIs and relative paths; escaping, dot segments, absolute paths
/// and other schemes are left unknown.
fn uri(args: &[Value], origin: Origin) -> Option<Value> {
    let (base, relative) = two(args)?;
    Some(Value::string(
        origin,
        combine_uri(base.as_str()?, relative.as_str()?)?,
    ))
}

fn combine_uri(base: &str, relative: &str) -> Option<String> {
    let plain = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/?#@!$&'()*+,;=:".contains(&b))
    };
    if !plain(base) || !plain(relative) {
        return None;
    }
    let (scheme, rest) = base.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(authority_end);
    if authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.split_once(':') {
        None => (authority, None),
        Some((host, port)) => {
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let port: u32 = port.parse().ok()?;
            (host, (port != default_port).then_some(port))
        }
    };
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b))
    {
        return None;
    }
    let base_path = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    let base_path = if base_path.is_empty() { "/" } else { base_path };
    let relative_path = &relative[..relative.find(['?', '#']).unwrap_or(relative.len())];
    let tail = &relative[relative_path.len()..];
    let has_dots = |p: &str| p.split('/').any(|s| s == "." || s == "..");
    if relative_path.is_empty()
        || relative_path.starts_with('/')
        || relative_path
            .split('/')
            .next()
            .is_some_and(|s| s.contains(':'))
        || has_dots(base_path)
        || has_dots(relative_path)
    {
        return None;
    }
    let directory = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
    let mut out = format!("{scheme}://{}", host.to_ascii_lowercase());
    if let Some(port) = port {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(directory);
    out.push_str(relative_path);
    out.push_str(tail);
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// guid() and uniqueString()
// ---------------------------------------------------------------------------------------------

/// The arguments of `guid`/`uniqueString`, joined with `-` (the engine's
/// `JoinStringParametersWithDash`; every argument must be a string).
fn dash_joined(args: &[Value]) -> Option<String> {
    if args.is_empty() {
        return None;
    }
    let parts: Vec<&str> = args.iter().map(Value::as_str).collect::<Option<_>>()?;
    Some(parts.join("-"))
}

/// The namespace of ARM's name-based GUIDs (`ExpressionBuiltInFunctions.ARMNamespaceGuid`).
const ARM_GUID_NAMESPACE: [u8; 16] = [
    0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30,
];

/// `guid(a, b, …)`: an RFC 4122 version 5 (SHA-1) UUID in the ARM namespace over the UTF-8 of the
/// arguments joined with `-`, lower-case (`GuidUtility.Create(ARMNamespaceGuid, name, 5)`; the
/// namespace is hashed in network byte order, i.e. as written).
pub fn deterministic_guid(name: &str) -> String {
    let mut input = Vec::with_capacity(16 + name.len());
    input.extend_from_slice(&ARM_GUID_NAMESPACE);
    input.extend_from_slice(name.as_bytes());
    let hash = sha1(&input);
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn guid(args: &[Value], origin: Origin) -> Option<Value> {
    Some(Value::string(
        origin,
        deterministic_guid(&dash_joined(args)?),
    ))
}

/// `uniqueString(a, b, …)`: the engine's 64-bit Murmur variant
/// (`ComputeHash.MurmurHash64` in Microsoft.WindowsAzure.ResourceStack) over the UTF-8 of the
/// arguments joined with `-`, as 13 characters of lower-case base32 taken from the high bits.
pub fn unique_string_of(text: &str) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut hash = murmur_hash64(text.as_bytes());
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(char::from(ALPHABET[(hash >> 59) as usize]));
        hash <<= 5;
    }
    out
}

fn unique_string(args: &[Value], origin: Origin) -> Option<Value> {
    Some(Value::string(origin, unique_string_of(&dash_joined(args)?)))
}

/// Microsoft's MurmurHash64 (two interleaved 32-bit lanes, seed 0), as used by `uniqueString`.
fn murmur_hash64(data: &[u8]) -> u64 {
    const C1: u32 = 597_399_067;
    const C2: u32 = 2_869_860_233;
    let le = |b: &[u8]| {
        b.iter()
            .rev()
            .fold(0u32, |acc, &x| (acc << 8) | u32::from(x))
    };
    let (mut h1, mut h2) = (0u32, 0u32);
    let mut blocks = data.chunks_exact(8);
    for block in &mut blocks {
        let k1 = le(&block[..4])
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 = (h1 ^ k1).rotate_left(19).wrapping_add(h2);
        h1 = h1.wrapping_mul(5).wrapping_add(1_444_728_091);
        let k2 = le(&block[4..])
            .wrapping_mul(C2)
            .rotate_left(17)
            .wrapping_mul(C1);
        h2 = (h2 ^ k2).rotate_left(13).wrapping_add(h1);
        h2 = h2.wrapping_mul(5).wrapping_add(197_830_471);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let k1 = le(&tail[..tail.len().min(4)])
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 ^= k1;
        if tail.len() > 4 {
            let k2 = le(&tail[4..])
                .wrapping_mul(C2)
                .rotate_left(17)
                .wrapping_mul(C1);
            h2 ^= k2;
        }
    }
    // The length as the engine's `int`, truncated to 32 bits.
    let len = data.len() as u32;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    let fmix = |mut h: u32| {
        h ^= h >> 16;
        h = h.wrapping_mul(2_246_822_507);
        h ^= h >> 13;
        h = h.wrapping_mul(3_266_489_909);
        h ^ (h >> 16)
    };
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (u64::from(h2) << 32) | u64::from(h1)
}

/// SHA-1 (FIPS 180-4), for `guid()`'s version 5 UUIDs.
fn sha1(message: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    let bit_len = (message.len() as u64).wrapping_mul(8);
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&bit_len.to_be_bytes());
    for block in padded.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, &wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5a82_7999),
                20..=39 => (b ^ c ^ d, 0x6ed9_eba1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (hi, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *hi = hi.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Logic, comparison, numbers
// ---------------------------------------------------------------------------------------------

fn if_(args: &[Value], _origin: Origin) -> Option<Value> {
    let [condition, then, otherwise] = args else {
        return None;
    };
    match condition.kind {
        ValueKind::Bool(true) => Some(then.clone()),
        ValueKind::Bool(false) => Some(otherwise.clone()),
        // Both branches the same value: that value, whatever the condition.
        ValueKind::Unknown(_) if deep_eq(then, otherwise) == Some(true) => Some(then.clone()),
        _ => None,
    }
}

fn coalesce(args: &[Value], origin: Origin) -> Option<Value> {
    if args.is_empty() {
        return None;
    }
    for (i, arg) in args.iter().enumerate() {
        match arg.kind {
            ValueKind::Null => {}
            // The last candidate: the result is that value (or null, which it then is).
            ValueKind::Unknown(_) if i + 1 == args.len() => return Some(arg.clone()),
            ValueKind::Unknown(_) => return Some(unknown_call("coalesce", &args[i..], origin)),
            _ => return Some(arg.clone()),
        }
    }
    Some(Value::null(origin))
}

fn equals(args: &[Value], origin: Origin) -> Option<Value> {
    let (a, b) = two(args)?;
    Some(boolean(origin, deep_eq(a, b)?))
}

fn not(args: &[Value], origin: Origin) -> Option<Value> {
    Some(boolean(origin, !one(args)?.as_bool()?))
}

fn and(args: &[Value], origin: Origin) -> Option<Value> {
    logical(args, origin, false)
}

fn or(args: &[Value], origin: Origin) -> Option<Value> {
    logical(args, origin, true)
}

/// `and`/`or` over at least two booleans; a known deciding operand (`false` for `and`, `true`
/// for `or`) decides even when others are unknown.
fn logical(args: &[Value], origin: Origin, decider: bool) -> Option<Value> {
    if args.len() < 2
        || args
            .iter()
            .any(|a| !matches!(a.kind, ValueKind::Bool(_) | ValueKind::Unknown(_)))
    {
        return None;
    }
    if args.iter().any(|a| a.as_bool() == Some(decider)) {
        return Some(boolean(origin, decider));
    }
    if args.iter().any(|a| a.as_bool().is_none()) {
        return None;
    }
    Some(boolean(origin, !decider))
}

fn true_(args: &[Value], origin: Origin) -> Option<Value> {
    args.is_empty().then(|| boolean(origin, true))
}

fn false_(args: &[Value], origin: Origin) -> Option<Value> {
    args.is_empty().then(|| boolean(origin, false))
}

fn null(args: &[Value], origin: Origin) -> Option<Value> {
    args.is_empty().then(|| Value::null(origin))
}

fn never(_args: &[Value], _origin: Origin) -> Option<Value> {
    None
}

fn less(args: &[Value], origin: Origin) -> Option<Value> {
    compare(args, origin, Ordering::is_lt)
}

fn less_or_equals(args: &[Value], origin: Origin) -> Option<Value> {
    compare(args, origin, Ordering::is_le)
}

fn greater(args: &[Value], origin: Origin) -> Option<Value> {
    compare(args, origin, Ordering::is_gt)
}

fn greater_or_equals(args: &[Value], origin: Origin) -> Option<Value> {
    compare(args, origin, Ordering::is_ge)
}

fn compare(args: &[Value], origin: Origin, test: fn(Ordering) -> bool) -> Option<Value> {
    let (a, b) = two(args)?;
    let ordering = match (&a.kind, &b.kind) {
        (ValueKind::Int(x), ValueKind::Int(y)) => x.cmp(y),
        (ValueKind::String(x), ValueKind::String(y)) => culture_cmp(x, y)?,
        _ => return None,
    };
    Some(boolean(origin, test(ordering)))
}

/// The engine compares strings with the invariant culture (`less('A', 'a')` is `False` in the
/// reference's example): letters compare ignoring case first, and lower case sorts before upper
/// case only as a tie-break. Reproduced for ASCII letters and digits, where that is the whole
/// rule; other text is not compared.
fn culture_cmp(a: &str, b: &str) -> Option<Ordering> {
    let simple = |s: &str| s.bytes().all(|c| c.is_ascii_alphanumeric());
    if !simple(a) || !simple(b) {
        return None;
    }
    let primary = a
        .bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()));
    Some(primary.then_with(|| {
        // Same letters: the first difference in case decides, lower before upper.
        a.bytes()
            .zip(b.bytes())
            .find(|(x, y)| x != y)
            .map_or(Ordering::Equal, |(x, _)| {
                if x.is_ascii_lowercase() {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            })
    }))
}

fn min(args: &[Value], origin: Origin) -> Option<Value> {
    extreme(args, origin, false)
}

fn max(args: &[Value], origin: Origin) -> Option<Value> {
    extreme(args, origin, true)
}

/// `min`/`max` of integers given as arguments or as one array.
fn extreme(args: &[Value], origin: Origin, max: bool) -> Option<Value> {
    let values = match args {
        [single] => array_of(single).unwrap_or(args),
        _ => args,
    };
    let ints: Vec<i64> = values.iter().map(int_of).collect::<Option<_>>()?;
    let result = if max {
        ints.into_iter().max()?
    } else {
        ints.into_iter().min()?
    };
    Some(integer(origin, result))
}

fn range(args: &[Value], origin: Origin) -> Option<Value> {
    let (start, count) = two(args)?;
    let start = i32::try_from(int_of(start)?).ok()?;
    let count = i32::try_from(int_of(count)?).ok()?;
    // The engine's limits: at most 10,000 integers, ending within Int32.
    if !(0..=10_000).contains(&count)
        || i64::from(start) + i64::from(count) - 1 > i64::from(i32::MAX)
    {
        return None;
    }
    let items = (0..count)
        .map(|i| integer(origin, i64::from(start) + i64::from(i)))
        .collect::<Vec<_>>()
        .into();
    Some(Value::new(origin, ValueKind::Array(items)))
}

fn arithmetic(args: &[Value], origin: Origin, op: fn(i64, i64) -> Option<i64>) -> Option<Value> {
    let (a, b) = two(args)?;
    Some(integer(origin, op(int_of(a)?, int_of(b)?)?))
}

fn add(args: &[Value], origin: Origin) -> Option<Value> {
    arithmetic(args, origin, i64::checked_add)
}

fn sub(args: &[Value], origin: Origin) -> Option<Value> {
    arithmetic(args, origin, i64::checked_sub)
}

fn mul(args: &[Value], origin: Origin) -> Option<Value> {
    arithmetic(args, origin, i64::checked_mul)
}

fn div(args: &[Value], origin: Origin) -> Option<Value> {
    arithmetic(args, origin, i64::checked_div)
}

fn modulo(args: &[Value], origin: Origin) -> Option<Value> {
    arithmetic(args, origin, i64::checked_rem)
}

/// `int()`: an integer, or a string read as .NET `long.TryParse` reads it (surrounding white
/// space and a leading sign allowed).
fn to_int(args: &[Value], _origin: Origin) -> Option<Value> {
    let value = one(args)?;
    match &value.kind {
        ValueKind::Int(_) => Some(value.clone()),
        ValueKind::String(text) => {
            let trimmed = text
                .trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'));
            let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(integer(value.origin, trimmed.parse().ok()?))
        }
        _ => None,
    }
}

/// `bool()`: a boolean, `'true'`/`'false'` in any case, or an integer (non-zero is true).
fn to_bool(args: &[Value], _origin: Origin) -> Option<Value> {
    let value = one(args)?;
    let b = match &value.kind {
        ValueKind::Bool(b) => *b,
        ValueKind::Int(i) => *i != 0,
        ValueKind::String(text) => match text.trim() {
            t if t.eq_ignore_ascii_case("true") => true,
            t if t.eq_ignore_ascii_case("false") => false,
            _ => return None,
        },
        _ => return None,
    };
    Some(boolean(value.origin, b))
}

// ---------------------------------------------------------------------------------------------
// Arrays and objects
// ---------------------------------------------------------------------------------------------

/// Three-valued equality (`JToken.DeepEquals`): `Some` when the known parts decide it.
fn deep_eq(a: &Value, b: &Value) -> Option<bool> {
    use ValueKind as K;
    match (&a.kind, &b.kind) {
        (K::Unknown(_), _) | (_, K::Unknown(_)) => None,
        (K::Partial(_), K::Partial(_) | K::String(_)) | (K::String(_), K::Partial(_)) => None,
        (K::Partial(_), _) | (_, K::Partial(_)) => Some(false),
        (K::Null, K::Null) => Some(true),
        (K::Bool(x), K::Bool(y)) => Some(x == y),
        (K::Int(x), K::Int(y)) => Some(x == y),
        (K::String(x), K::String(y)) => Some(x == y),
        (K::Array(x), K::Array(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all3(x.iter().zip(y.iter()).map(|(p, q)| deep_eq(p, q)))
        }
        (K::Object(x), K::Object(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all3(x.iter().map(|(k, v)| match y.get(k) {
                Some(w) => deep_eq(v, w),
                None => Some(false),
            }))
        }
        _ => Some(false),
    }
}

fn all3(results: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for result in results {
        match result {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    (!unknown).then_some(true)
}

fn any3(results: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for result in results {
        match result {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    (!unknown).then_some(false)
}

/// A key for deep equality of known values: JSON with object keys sorted (`DeepEquals` ignores
/// property order).
fn equality_key(value: &Value) -> Option<String> {
    let mut out = String::new();
    write_json(value, &mut out, true)?;
    Some(out)
}

/// Compact JSON as Newtonsoft writes it: `"`, `\` and control characters escaped (`\b \t \n \f
/// \r` by name, others as lower-case `\u00xx`), plus U+0085, U+2028 and U+2029.
fn write_json(value: &Value, out: &mut String, sort_keys: bool) -> Option<()> {
    match &value.kind {
        ValueKind::Null => out.push_str("null"),
        ValueKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ValueKind::Int(i) => out.push_str(&i.to_string()),
        ValueKind::String(s) => write_json_string(s, out),
        ValueKind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out, sort_keys)?;
            }
            out.push(']');
        }
        ValueKind::Object(map) => {
            let mut entries: Vec<(&Arc<str>, &Value)> = map.iter().collect();
            if sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_json(item, out, sort_keys)?;
            }
            out.push('}');
        }
        ValueKind::Partial(_) | ValueKind::Unknown(_) => return None,
    }
    if out.len() > MAX_STRING_BYTES {
        return None;
    }
    Some(())
}

fn write_json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn create_array(args: &[Value], origin: Origin) -> Option<Value> {
    Some(Value::new(
        origin,
        ValueKind::Array(Arc::new(args.to_vec())),
    ))
}

/// `array(x)`: an array as it is, anything else wrapped in a one-element array.
fn array(args: &[Value], origin: Origin) -> Option<Value> {
    let value = one(args)?;
    match value.kind {
        ValueKind::Array(_) => Some(value.clone()),
        ValueKind::Unknown(_) => None,
        _ => Some(Value::new(
            origin,
            ValueKind::Array(Arc::new(vec![value.clone()])),
        )),
    }
}

fn create_object(args: &[Value], origin: Origin) -> Option<Value> {
    if args.len() % 2 != 0 {
        return None;
    }
    let mut map = Map::default();
    for pair in args.chunks_exact(2) {
        let key = pair[0].as_str()?;
        // Duplicate names (compared ordinally) are an error.
        if map.insert(key.into(), pair[1].clone()).is_some() {
            return None;
        }
    }
    Some(Value::new(origin, ValueKind::Object(Arc::new(map))))
}

/// `items(object)`: `[{key, value}]`, sorted by key ignoring case (`OrdinalIgnoreCase`, stable).
fn items(args: &[Value], origin: Origin) -> Option<Value> {
    let map = object_of(one(args)?)?;
    let mut entries: Vec<(&Arc<str>, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| cmp_ignore_case(a.0, b.0));
    let items = entries
        .into_iter()
        .map(|(key, value)| {
            let mut item = Map::default();
            item.insert("key".into(), Value::string(origin, key.clone()));
            item.insert("value".into(), value.clone());
            Value::new(origin, ValueKind::Object(Arc::new(item)))
        })
        .collect::<Vec<_>>()
        .into();
    Some(Value::new(origin, ValueKind::Array(items)))
}

fn union(args: &[Value], origin: Origin) -> Option<Value> {
    if args.len() < 2 {
        return None;
    }
    if args.iter().all(|a| matches!(a.kind, ValueKind::Array(_))) {
        // Elements in order, duplicates (deep equality) dropped.
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for item in args.iter().filter_map(array_of).flatten() {
            if seen.insert(equality_key(item)?) {
                out.push(item.clone());
                if out.len() > MAX_ELEMENTS {
                    return None;
                }
            }
        }
        return Some(Value::new(origin, ValueKind::Array(Arc::new(out))));
    }
    if args.iter().all(|a| matches!(a.kind, ValueKind::Object(_))) {
        let mut merged = Map::default();
        for map in args.iter().filter_map(object_of) {
            merge_into(&mut merged, map)?;
        }
        return Some(Value::new(origin, ValueKind::Object(Arc::new(merged))));
    }
    None
}

/// The engine's `MergeJsonInsensitive`: later properties win, matched ignoring case; nested
/// objects merge recursively ("the union function merges not only the top-level elements but
/// also recursively merges any nested objects"), arrays and scalars are replaced. A type
/// mismatch is an engine error, and a null or unknown where the outcome depends on it is not
/// computed.
fn merge_into(target: &mut Map, patch: &Map) -> Option<()> {
    for (key, value) in patch {
        let existing = target
            .iter()
            .position(|(k, _)| eq_ignore_case(k, key))
            .and_then(|i| target.get_index_mut(i));
        let Some((_, current)) = existing else {
            target.insert(key.clone(), value.clone());
            if target.len() > MAX_ELEMENTS {
                return None;
            }
            continue;
        };
        match (&mut current.kind, &value.kind) {
            (ValueKind::Object(inner), ValueKind::Object(patch_inner)) => {
                merge_into(Arc::make_mut(inner), patch_inner)?;
            }
            (
                ValueKind::Object(_)
                | ValueKind::Null
                | ValueKind::Unknown(_)
                | ValueKind::Partial(_),
                _,
            )
            | (
                _,
                ValueKind::Object(_)
                | ValueKind::Null
                | ValueKind::Unknown(_)
                | ValueKind::Partial(_),
            ) => {
                return None;
            }
            (a, b) if std::mem::discriminant(&*a) != std::mem::discriminant(b) => return None,
            _ => *current = value.clone(),
        }
    }
    Some(())
}

fn intersection(args: &[Value], origin: Origin) -> Option<Value> {
    if args.len() < 2 {
        return None;
    }
    if args.iter().all(|a| matches!(a.kind, ValueKind::Array(_))) {
        let arrays: Vec<&[Value]> = args.iter().filter_map(array_of).collect();
        let others: Vec<HashSet<String>> = arrays[1..]
            .iter()
            .map(|items| items.iter().map(equality_key).collect::<Option<_>>())
            .collect::<Option<_>>()?;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for item in arrays[0] {
            let key = equality_key(item)?;
            if others.iter().all(|set| set.contains(&key)) && seen.insert(key) {
                out.push(item.clone());
            }
        }
        return Some(Value::new(origin, ValueKind::Array(Arc::new(out))));
    }
    if args.iter().all(|a| matches!(a.kind, ValueKind::Object(_))) {
        // Properties (exact name and equal value) present in every object.
        let maps: Vec<&Map> = args.iter().filter_map(object_of).collect();
        let mut out = Map::default();
        for (key, value) in maps[0] {
            let mut everywhere = true;
            for other in &maps[1..] {
                match other.get(key) {
                    Some(v) if deep_eq(v, value)? => {}
                    _ => everywhere = false,
                }
            }
            if everywhere {
                out.insert(key.clone(), value.clone());
            }
        }
        return Some(Value::new(origin, ValueKind::Object(Arc::new(out))));
    }
    None
}

/// `json(text)`: the parsed value, every node with the call's origin. `json(null)` is `{}`.
/// Numbers that are not 64-bit integers, lenient JSON the engine might accept (comments, single
/// quotes) and nesting deeper than [`MAX_JSON_DEPTH`] are not computed.
fn json(args: &[Value], origin: Origin) -> Option<Value> {
    let value = one(args)?;
    let text = match &value.kind {
        ValueKind::Null => {
            return Some(Value::new(
                origin,
                ValueKind::Object(Arc::new(Map::default())),
            ))
        }
        _ => value.as_str()?,
    };
    if text.len() > MAX_STRING_BYTES {
        return None;
    }
    let parsed: serde_json::Value = serde_json::from_str(text).ok()?;
    from_json(&parsed, origin, 0)
}

fn from_json(json: &serde_json::Value, origin: Origin, depth: usize) -> Option<Value> {
    if depth > MAX_JSON_DEPTH {
        return None;
    }
    let kind = match json {
        serde_json::Value::Null => ValueKind::Null,
        serde_json::Value::Bool(b) => ValueKind::Bool(*b),
        serde_json::Value::Number(n) => ValueKind::Int(n.as_i64()?),
        serde_json::Value::String(s) => ValueKind::String(s.as_str().into()),
        serde_json::Value::Array(items) => ValueKind::Array(
            items
                .iter()
                .map(|item| from_json(item, origin, depth + 1))
                .collect::<Option<Vec<_>>>()?
                .into(),
        ),
        serde_json::Value::Object(map) => ValueKind::Object(
            map.iter()
                .map(|(k, v)| Some((k.as_str().into(), from_json(v, origin, depth + 1)?)))
                .collect::<Option<Map>>()?
                .into(),
        ),
    };
    Some(Value::new(origin, kind))
}

// ---------------------------------------------------------------------------------------------
// Resource ids
// ---------------------------------------------------------------------------------------------

/// Where a resource id built by the `resourceId` family lives.
#[derive(Debug, Clone, PartialEq)]
pub enum IdScope {
    /// `resourceId(…)`; `None` parts are the deployment's own subscription / resource group.
    ResourceGroup {
        subscription: Option<Value>,
        resource_group: Option<Value>,
    },
    /// `subscriptionResourceId(…)`; `None` is the deployment's subscription.
    Subscription(Option<Value>),
    /// `managementGroupResourceId(…)`; `None` is the deployment's management group.
    ManagementGroup(Option<Value>),
    /// `tenantResourceId(…)`.
    Tenant,
    /// `extensionResourceId(scopeId, …)`: the id of the resource extended.
    Extension(Value),
}

/// The arguments of a `resourceId`-family call, read: scope, full type, one name per type
/// segment after the namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceIdParts {
    pub scope: IdScope,
    /// `Microsoft.Network/virtualNetworks/subnets`.
    pub type_name: String,
    /// The origin of the argument that gave the type.
    pub type_origin: Origin,
    /// `['vnet', 'default']`, each with its own origin (strings, partial strings or unknowns).
    pub names: Vec<Value>,
}

/// Reads the arguments of `resourceId`, `subscriptionResourceId`, `tenantResourceId`,
/// `extensionResourceId` or `managementGroupResourceId` (`name` in any case). `None` when the
/// type is not a known string or the names do not match the type's segments (an engine error).
///
/// The type is the first argument containing a `/` (ARM reference: the optional subscription and
/// resource group come first). The engine also accepts the namespace and the type segments as
/// separate arguments (`resourceId(sub, rg, 'Microsoft.KeyVault', 'vaults', name)`, which Bicep
/// emits for `az.getSecret`); that form is read when no argument contains a `/`.
pub fn resource_id_parts(name: &str, args: &[Value]) -> Option<ResourceIdParts> {
    let name = name.to_ascii_lowercase();
    let (skip, max_leading) = match name.as_str() {
        "resourceid" => (0, 2),
        "subscriptionresourceid" | "managementgroupresourceid" => (0, 1),
        "tenantresourceid" => (0, 0),
        "extensionresourceid" => (1, 0),
        _ => return None,
    };
    let rest = args.get(skip..)?;
    let (leading, type_name, type_origin, names) = read_type_and_names(rest, max_leading)?;
    let scope = match name.as_str() {
        "resourceid" => match leading {
            [] => IdScope::ResourceGroup {
                subscription: None,
                resource_group: None,
            },
            [rg] => IdScope::ResourceGroup {
                subscription: None,
                resource_group: Some(rg.clone()),
            },
            [sub, rg] => IdScope::ResourceGroup {
                subscription: Some(sub.clone()),
                resource_group: Some(rg.clone()),
            },
            _ => return None,
        },
        "subscriptionresourceid" => IdScope::Subscription(leading.first().cloned()),
        "managementgroupresourceid" => IdScope::ManagementGroup(leading.first().cloned()),
        "tenantresourceid" => IdScope::Tenant,
        _ => IdScope::Extension(args.first()?.clone()),
    };
    Some(ResourceIdParts {
        scope,
        type_name,
        type_origin,
        names,
    })
}

/// Splits `args` into leading scope arguments, the type and the names.
fn read_type_and_names(
    args: &[Value],
    max_leading: usize,
) -> Option<(&[Value], String, Origin, Vec<Value>)> {
    let is_name = |v: &Value| {
        matches!(
            v.kind,
            ValueKind::String(_) | ValueKind::Partial(_) | ValueKind::Unknown(_)
        )
    };
    if args.len() < 2 {
        return None;
    }
    let limit = max_leading.min(args.len() - 1);
    // The usual form: 'Microsoft.Network/virtualNetworks/subnets', 'vnet', 'default'.
    if let Some(t) = (0..=limit).find(|&t| args[t].as_str().is_some_and(|s| s.contains('/'))) {
        let type_name = args[t].as_str()?;
        let segments: Vec<&str> = type_name.split('/').collect();
        let names = &args[t + 1..];
        if segments.iter().any(|s| s.is_empty())
            || segments.len() != names.len() + 1
            || !names.iter().all(is_name)
        {
            return None;
        }
        return Some((
            &args[..t],
            type_name.to_owned(),
            args[t].origin,
            names.to_vec(),
        ));
    }
    // The split form: 'Microsoft.KeyVault', 'vaults', name[, childType, childName]….
    let namespace_like = |v: &Value| {
        v.as_str().is_some_and(|s| {
            s.contains('.')
                && s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        })
    };
    let t = (0..=limit).find(|&t| {
        namespace_like(&args[t]) && (args.len() - t - 1) % 2 == 0 && args.len() - t > 1
    })?;
    let mut type_name = args[t].as_str()?.to_owned();
    let mut names = Vec::new();
    for pair in args[t + 1..].chunks_exact(2) {
        let segment = pair[0]
            .as_str()
            .filter(|s| !s.is_empty() && !s.contains('/'))?;
        type_name.push('/');
        type_name.push_str(segment);
        if !is_name(&pair[1]) {
            return None;
        }
        names.push(pair[1].clone());
    }
    Some((&args[..t], type_name, args[t].origin, names))
}

/// The `resourceId` family: the id string, partial when any part is unknown (the deployment's
/// own subscription, resource group or management group are unknowns of kind
/// [`UnknownKind::Deployment`]). Each name is a piece with its own origin.
fn resource_id_family(name: &str, args: &[Value], origin: Origin) -> Option<Value> {
    build_resource_id(&resource_id_parts(name, args)?, origin)
}

fn resource_id(args: &[Value], origin: Origin) -> Option<Value> {
    resource_id_family("resourceId", args, origin)
}

fn subscription_resource_id(args: &[Value], origin: Origin) -> Option<Value> {
    resource_id_family("subscriptionResourceId", args, origin)
}

fn tenant_resource_id(args: &[Value], origin: Origin) -> Option<Value> {
    resource_id_family("tenantResourceId", args, origin)
}

fn extension_resource_id(args: &[Value], origin: Origin) -> Option<Value> {
    resource_id_family("extensionResourceId", args, origin)
}

fn management_group_resource_id(args: &[Value], origin: Origin) -> Option<Value> {
    resource_id_family("managementGroupResourceId", args, origin)
}

fn build_resource_id(parts: &ResourceIdParts, origin: Origin) -> Option<Value> {
    fn scope_value(b: &mut StringBuilder, value: Option<&Value>, what: &str) -> Option<()> {
        match value {
            Some(value) => b.push_concat_arg(value),
            None => {
                b.push_unknown(Unknown::of(UnknownKind::Deployment(what.to_owned())));
                Some(())
            }
        }
    }
    let mut b = StringBuilder::default();
    match &parts.scope {
        IdScope::ResourceGroup {
            subscription,
            resource_group,
        } => {
            b.push_text("/subscriptions/", origin)?;
            scope_value(&mut b, subscription.as_ref(), "subscription")?;
            b.push_text("/resourceGroups/", origin)?;
            scope_value(&mut b, resource_group.as_ref(), "resourceGroup")?;
        }
        IdScope::Subscription(subscription) => {
            b.push_text("/subscriptions/", origin)?;
            scope_value(&mut b, subscription.as_ref(), "subscription")?;
        }
        IdScope::ManagementGroup(group) => {
            b.push_text("/providers/Microsoft.Management/managementGroups/", origin)?;
            scope_value(&mut b, group.as_ref(), "managementGroup")?;
        }
        IdScope::Tenant => {}
        IdScope::Extension(scope) => b.push_concat_arg(scope)?,
    }
    b.push_text("/providers/", origin)?;
    let mut segments = parts.type_name.split('/');
    b.push_text(segments.next()?, parts.type_origin)?;
    for (segment, name) in segments.zip(&parts.names) {
        b.push_text("/", origin)?;
        b.push_text(segment, parts.type_origin)?;
        b.push_text("/", origin)?;
        b.push_concat_arg(name)?;
    }
    b.finish(origin)
}

/// The scope part of a literal resource id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedScope {
    Tenant,
    ManagementGroup(String),
    Subscription(String),
    ResourceGroup {
        subscription: String,
        resource_group: String,
    },
    /// An extension resource: the id of the resource it extends.
    Extension(String),
}

/// A literal resource id, read: scope, full type and one name per type segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedResourceId {
    pub scope: ParsedScope,
    /// `Microsoft.Storage/storageAccounts/blobServices`.
    pub type_name: String,
    /// `['sa', 'default']`.
    pub names: Vec<String>,
}

/// Reads a literal resource id:
/// `/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/sa/blobServices/default`,
/// `/providers/Microsoft.Authorization/roleDefinitions/<guid>`, extension ids with several
/// `/providers/` (the scope is then the extended resource's id), and the ids of subscriptions,
/// resource groups and management groups themselves. Keywords match ignoring case. `None` for
/// anything else (no leading `/`, empty segments, a type without a name).
pub fn parse_resource_id(text: &str) -> Option<ParsedResourceId> {
    let rest = text.strip_prefix('/')?;
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    let keyword = |i: usize, word: &str| {
        segments
            .get(i)
            .is_some_and(|s| s.eq_ignore_ascii_case(word))
    };
    let mut i = 0;
    let mut scope = ParsedScope::Tenant;
    if keyword(0, "subscriptions") {
        let subscription = (*segments.get(1)?).to_owned();
        if keyword(2, "resourceGroups") {
            let resource_group = (*segments.get(3)?).to_owned();
            if segments.len() == 4 {
                return Some(ParsedResourceId {
                    scope: ParsedScope::Subscription(subscription),
                    type_name: "Microsoft.Resources/resourceGroups".to_owned(),
                    names: vec![resource_group],
                });
            }
            scope = ParsedScope::ResourceGroup {
                subscription,
                resource_group,
            };
            i = 4;
        } else {
            if segments.len() == 2 {
                return Some(ParsedResourceId {
                    scope: ParsedScope::Tenant,
                    type_name: "Microsoft.Resources/subscriptions".to_owned(),
                    names: vec![subscription],
                });
            }
            scope = ParsedScope::Subscription(subscription);
            i = 2;
        }
    } else if keyword(0, "providers")
        && keyword(1, "Microsoft.Management")
        && keyword(2, "managementGroups")
        && segments.len() > 4
    {
        scope = ParsedScope::ManagementGroup((*segments.get(3)?).to_owned());
        i = 4;
    }
    loop {
        // `providers/{namespace}/{type}/{name}[/{type}/{name}]…`
        if !keyword(i, "providers") {
            return None;
        }
        let mut type_name = (*segments.get(i + 1)?).to_owned();
        let mut names = Vec::new();
        let mut j = i + 2;
        while j < segments.len() && (names.is_empty() || !keyword(j, "providers")) {
            type_name.push('/');
            type_name.push_str(segments[j]);
            names.push((*segments.get(j + 1)?).to_owned());
            j += 2;
        }
        if names.is_empty() {
            return None;
        }
        if j == segments.len() {
            return Some(ParsedResourceId {
                scope,
                type_name,
                names,
            });
        }
        // Another `providers`: what came before is the extended resource.
        scope = ParsedScope::Extension(format!("/{}", segments[..j].join("/")));
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::value::{ResourceIndex, Secret};
    use crate::source::{FileId, Span};

    /// A distinct origin per `n`.
    fn o(n: usize) -> Origin {
        Origin::new(FileId(0), Span::new(n * 10, n * 10 + 5))
    }

    const CALL: usize = 99;

    fn s(text: &str, n: usize) -> Value {
        Value::string(o(n), text)
    }

    fn i(n: i64) -> Value {
        integer(o(0), n)
    }

    fn b(v: bool) -> Value {
        boolean(o(0), v)
    }

    fn arr(items: Vec<Value>) -> Value {
        Value::new(o(0), ValueKind::Array(items.into()))
    }

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::new(
            o(0),
            ValueKind::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into(), v))
                    .collect::<Map>()
                    .into(),
            ),
        )
    }

    fn secret() -> Secret {
        Secret {
            function: "listKeys".to_owned(),
            origin: o(7),
            resource: Some(ResourceIndex(3)),
            resource_type: Some("Microsoft.Storage/storageAccounts".to_owned()),
        }
    }

    /// An unknown that references resource 1 and holds a secret.
    fn unknown() -> Value {
        let mut u = Unknown::of(UnknownKind::ResourceProperty {
            resource: ResourceIndex(1),
            path: vec!["properties".to_owned(), "endpoint".to_owned()],
        });
        u.references.push(ResourceIndex(1));
        u.secrets.push(secret());
        Value::unknown(o(8), u)
    }

    fn run(name: &str, args: Vec<Value>) -> Value {
        call(name, &args, o(CALL)).expect("known function")
    }

    #[test]
    fn split_keeps_unknown_parts_whole() {
        // `split(format('{0}/stage', site), '/')`, as Bicep compiles a slot's parent.
        let name = run("format", vec![s("{0}/stage", 1), unknown()]);
        let pieces = run("split", vec![name, s("/", 2)]);
        let ValueKind::Array(pieces) = &pieces.kind else {
            panic!("split gives an array: {}", brief(&pieces));
        };
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert!(matches!(&pieces[0].kind, ValueKind::Partial(p) if p.len() == 1));
        assert_eq!(
            pieces[0].references().collect::<Vec<_>>(),
            vec![ResourceIndex(1)]
        );
        assert_eq!(pieces[1].as_str(), Some("stage"));
        assert_eq!(
            pieces[1].origin,
            o(1),
            "the known piece keeps its literal's origin"
        );
    }

    /// A short debug rendering for panic messages (values in tests can be a MiB long).
    fn brief(value: &Value) -> String {
        format!("{value:?}").chars().take(300).collect()
    }

    fn text(value: &Value) -> &str {
        value
            .as_str()
            .unwrap_or_else(|| panic!("not a string: {}", brief(value)))
    }

    fn int(value: &Value) -> i64 {
        int_of(value).unwrap_or_else(|| panic!("not an int: {}", brief(value)))
    }

    fn strings(value: &Value) -> Vec<&str> {
        array_of(value)
            .expect("array")
            .iter()
            .map(|v| v.as_str().expect("string"))
            .collect()
    }

    /// The value is an unknown `Call(function)` carrying resource 1 and the secret.
    fn assert_absorbed(value: &Value, function: &str) {
        let u = value
            .as_unknown()
            .unwrap_or_else(|| panic!("not unknown: {}", brief(value)));
        assert_eq!(u.kind, UnknownKind::Call(function.to_owned().into()));
        assert_eq!(u.references, vec![ResourceIndex(1)]);
        assert_eq!(u.secrets, vec![secret()]);
    }

    fn assert_unknown_call(value: &Value, function: &str) {
        let u = value
            .as_unknown()
            .unwrap_or_else(|| panic!("not unknown: {}", brief(value)));
        assert_eq!(u.kind, UnknownKind::Call(function.to_owned().into()));
    }

    fn segments(value: &Value) -> &[Segment] {
        match &value.kind {
            ValueKind::Partial(segments) => segments,
            _ => panic!("not partial: {}", brief(value)),
        }
    }

    fn rendered(value: &Value) -> String {
        segments(value)
            .iter()
            .map(|s| match s {
                Segment::Text(t, _) => t.as_str(),
                Segment::Unknown(_) => "{?}",
            })
            .collect()
    }

    // --- hashes --------------------------------------------------------------------------

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha1_matches_fips_180_vectors() {
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(
            hex(&sha1(&vec![b'a'; 1_000_000])),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
        // 55 and 56 bytes: the padding boundary.
        assert_eq!(
            hex(&sha1(&[b'a'; 55])),
            "c1c8bbdc22796e28c0e15163d20899b65621d65a"
        );
        assert_eq!(
            hex(&sha1(&[b'a'; 56])),
            "c2db330f6083854c99d4b5bfb6e8f29f201be699"
        );
    }

    #[test]
    fn guid_matches_bicep_baseline() {
        // Bicep src/Bicep.Core.Samples/Files/baselines_bicepparam/Expressions: guid('asdf').
        let g = run("guid", vec![s("asdf", 1)]);
        assert_eq!(text(&g), "228d27cc-6fdb-5934-b7ac-1efccebade04");
        assert_eq!(g.origin, o(CALL));
        // Arguments are joined with '-'.
        assert_eq!(
            text(&run("GUID", vec![s("as", 1), s("df", 2)])),
            deterministic_guid("as-df")
        );
    }

    #[test]
    fn unique_string_matches_bicep_baselines() {
        // baselines_bicepparam/Expressions: uniqueString('asd', 'asdf', 'asdf').
        let u = run(
            "uniqueString",
            vec![s("asd", 1), s("asdf", 2), s("asdf", 3)],
        );
        assert_eq!(text(&u), "iizpqit7ih3cc");
        // SnapshotCommandTests: 'store${uniqueString(resourceGroup().id)}' with subscription
        // 00000000-… and resource group myRg is 'storejs26ofeqkqeve' (69 bytes: blocks + tail).
        assert_eq!(
            unique_string_of(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/myRg"
            ),
            "js26ofeqkqeve"
        );
        // Every tail length runs without panicking and gives 13 base32 characters.
        for n in 0..20 {
            let out = unique_string_of(&"x".repeat(n));
            assert_eq!(out.len(), 13);
            assert!(out
                .bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)));
        }
    }

    #[test]
    fn guid_and_unique_string_of_unknowns_are_unknown() {
        assert_absorbed(&run("guid", vec![s("a", 1), unknown()]), "guid");
        assert_absorbed(&run("uniqueString", vec![unknown()]), "uniqueString");
        assert_unknown_call(&run("guid", vec![i(1)]), "guid");
        assert_unknown_call(&run("guid", vec![]), "guid");
        assert_unknown_call(&run("newGuid", vec![]), "newGuid");
        assert_unknown_call(&run("utcNow", vec![s("u", 1)]), "utcNow");
    }

    // --- string building ------------------------------------------------------------------

    #[test]
    fn unknown_functions_are_not_claimed() {
        assert!(call("listKeys", &[], o(CALL)).is_none());
        assert!(call("reference", &[], o(CALL)).is_none());
        assert!(call("map", &[], o(CALL)).is_none());
    }

    #[test]
    fn concat_of_known_strings() {
        let v = run(
            "concat",
            vec![s("a", 1), i(2), b(true), Value::null(o(4)), s("c", 5)],
        );
        assert_eq!(text(&v), "a2Truec");
        assert_eq!(v.origin, o(CALL));
    }

    #[test]
    fn concat_with_one_non_empty_piece_keeps_its_origin() {
        let v = run("concat", vec![s("", 1), s("guid-literal", 2), s("", 3)]);
        assert_eq!(text(&v), "guid-literal");
        assert_eq!(v.origin, o(2));
        let empty = run("concat", vec![s("", 1)]);
        assert_eq!(text(&empty), "");
    }

    #[test]
    fn concat_with_unknowns_is_partial() {
        let v = run(
            "concat",
            vec![s("https://", 1), unknown(), s(".openai.azure.com", 2)],
        );
        let segs = segments(&v);
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[0], Segment::Text("https://".to_owned(), o(1)));
        assert_eq!(segs[2], Segment::Text(".openai.azure.com".to_owned(), o(2)));
        assert_eq!(v.references().collect::<Vec<_>>(), vec![ResourceIndex(1)]);
        assert_eq!(v.secrets().cloned().collect::<Vec<_>>(), vec![secret()]);
        // Nested partials flatten and keep their pieces.
        let outer = run("concat", vec![v.clone(), s("/x", 3)]);
        assert_eq!(rendered(&outer), "https://{?}.openai.azure.com/x");
        assert_eq!(outer.secrets().count(), 1);
    }

    #[test]
    fn concat_of_arrays() {
        let v = run(
            "concat",
            vec![arr(vec![s("a", 1)]), arr(vec![s("b", 2), unknown()])],
        );
        let items = array_of(&v).expect("array");
        assert_eq!(items.len(), 3);
        assert_eq!(items[1].origin, o(2));
        assert!(items[2].as_unknown().is_some());
        // An array with a string is an engine error; unknown-only could be arrays.
        assert_unknown_call(&run("concat", vec![arr(vec![]), s("a", 1)]), "concat");
        assert_absorbed(&run("concat", vec![unknown()]), "concat");
        assert_absorbed(&run("concat", vec![arr(vec![]), unknown()]), "concat");
    }

    #[test]
    fn interpolation_renders_like_format() {
        let v = interpolate(vec![s("n-", 1), i(3), s("-", 2), b(false)], o(CALL));
        assert_eq!(text(&v), "n-3-False");
        assert_eq!(v.origin, o(CALL));
        let single = interpolate(vec![s("", 1), s("abc", 2), Value::null(o(3))], o(CALL));
        assert_eq!(single.origin, o(2));
        let partial = interpolate(vec![s("AccountKey=", 1), unknown()], o(CALL));
        assert_eq!(rendered(&partial), "AccountKey={?}");
        assert_eq!(partial.secrets().count(), 1);
        // Objects render as single-line JSON whose quoting we do not claim: an unknown piece.
        let with_object = interpolate(vec![s("x", 1), obj(vec![("a", unknown())])], o(CALL));
        assert_eq!(rendered(&with_object), "x{?}");
        assert_eq!(with_object.references().count(), 1);
    }

    #[test]
    fn format_known() {
        // The reference's example.
        let v = run(
            "format",
            vec![
                s("{0}, {1}. Formatted number: {2:N0}", 1),
                s("Hello", 2),
                s("User", 3),
                i(8_175_133),
            ],
        );
        assert_eq!(text(&v), "Hello, User. Formatted number: 8,175,133");
        assert_eq!(
            text(&run("format", vec![s("->{0}<-", 1), i(123)])),
            "->123<-"
        );
        assert_eq!(
            text(&run("format", vec![s("{{{0}}}", 1), b(true)])),
            "{True}"
        );
        assert_eq!(
            text(&run("format", vec![s("[{0,5}|{0,-3}]", 1), i(7)])),
            "[    7|7  ]"
        );
        assert_eq!(
            text(&run(
                "format",
                vec![s("{0:D4} {0:x} {1:N2}", 1), i(42), i(-1234)]
            )),
            "0042 2a -1,234.00"
        );
        assert_eq!(
            text(&run("format", vec![s("{0:X}", 1), i(-1)])),
            "FFFFFFFFFFFFFFFF"
        );
        assert_eq!(
            text(&run(
                "format",
                vec![s("{1}{0}", 1), s("b", 2), Value::null(o(3))]
            )),
            "b"
        );
    }

    #[test]
    fn format_origins() {
        // Only the argument is non-empty: its origin.
        let v = run(
            "format",
            vec![s("{0}", 1), s("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", 2)],
        );
        assert_eq!(v.origin, o(2));
        let v = run("format", vec![s("a{0}", 1), s("b", 2)]);
        assert_eq!(v.origin, o(CALL));
    }

    #[test]
    fn format_with_unknowns_is_partial() {
        let v = run(
            "format",
            vec![s("Key={0};Name={1}", 1), unknown(), s("n", 2)],
        );
        let segs = segments(&v);
        assert_eq!(segs[0], Segment::Text("Key=".to_owned(), o(1)));
        assert_eq!(segs[2], Segment::Text(";Name=".to_owned(), o(1)));
        assert_eq!(segs[3], Segment::Text("n".to_owned(), o(2)));
        assert_eq!(v.secrets().count(), 1);
        // With a format string the piece is a format() unknown, still carrying the secret.
        let v = run("format", vec![s("{0:D3}", 1), unknown()]);
        assert_eq!(v.secrets().count(), 1);
        assert_absorbed(&run("format", vec![unknown(), s("x", 1)]), "format");
    }

    #[test]
    fn format_errors_are_unknown() {
        assert_unknown_call(&run("format", vec![s("{1}", 1), s("a", 2)]), "format");
        assert_unknown_call(&run("format", vec![s("a}b", 1)]), "format");
        assert_unknown_call(&run("format", vec![s("{0", 1), s("a", 2)]), "format");
        assert_unknown_call(&run("format", vec![s("{0:yyyy}", 1), i(1)]), "format");
        assert_unknown_call(&run("format", vec![s("{0,999999999}", 1), i(1)]), "format");
    }

    #[test]
    fn join_and_split() {
        let v = run(
            "join",
            vec![arr(vec![s("abc", 1), s("def", 2), s("ghi", 3)]), s("/", 4)],
        );
        assert_eq!(text(&v), "abc/def/ghi");
        let single = run("join", vec![arr(vec![s("only", 1)]), s(",", 2)]);
        assert_eq!(single.origin, o(1));
        let partial = run("join", vec![arr(vec![s("a", 1), unknown()]), s(",", 2)]);
        assert_eq!(rendered(&partial), "a,{?}");
        assert_unknown_call(&run("join", vec![arr(vec![i(1)]), s(",", 2)]), "join");

        let parts = run("split", vec![s("a/b/c", 1), s("/", 2)]);
        assert_eq!(strings(&parts), ["a", "b", "c"]);
        assert_eq!(array_of(&parts).expect("array")[1].origin, o(1));
        let multi = run(
            "split",
            vec![s("a,b;;c", 1), arr(vec![s(";", 2), s(",", 3)])],
        );
        assert_eq!(strings(&multi), ["a", "b", "", "c"]);
        assert_eq!(strings(&run("split", vec![s("abc", 1), s("", 2)])), ["abc"]);
        assert_eq!(
            strings(&run("split", vec![s("é/ü", 1), s("/", 2)])),
            ["é", "ü"]
        );
        assert!(array_of(&run("split", vec![Value::null(o(1)), s("/", 2)]))
            .expect("array")
            .is_empty());
        assert_absorbed(&run("split", vec![unknown(), s("/", 2)]), "split");
    }

    // --- pass-through and origins ------------------------------------------------------------

    #[test]
    fn case_functions_keep_origins() {
        let guid = s("5E0BD9BD-7B93-4F28-AF87-19FC36AD61BD", 3);
        let lower = run("toLower", vec![guid]);
        assert_eq!(text(&lower), "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd");
        assert_eq!(lower.origin, o(3));
        assert_eq!(
            text(&run("TOUPPER", vec![s("AiKInIniIN", 1)])),
            "AIKININIIN"
        );
        assert_eq!(
            text(&run("toLower", vec![s("AiKInIniIN", 1)])),
            "aikininiin"
        );
        // Simple case mapping: ß has no single-character upper case and stays.
        assert_eq!(text(&run("toUpper", vec![s("straße", 1)])), "STRAßE");
        assert_eq!(text(&run("toLower", vec![Value::null(o(1))])), "");
    }

    #[test]
    fn case_functions_map_partials_piece_by_piece() {
        let partial = run(
            "concat",
            vec![s("/SUBSCRIPTIONS/", 1), unknown(), s("/ROLE/ABC", 2)],
        );
        let lower = run("toLower", vec![partial]);
        assert_eq!(rendered(&lower), "/subscriptions/{?}/role/abc");
        assert_eq!(
            segments(&lower)[2],
            Segment::Text("/role/abc".to_owned(), o(2))
        );
        assert_eq!(lower.secrets().count(), 1);
        assert_eq!(lower.references().count(), 1);
        assert_absorbed(&run("toLower", vec![unknown()]), "toLower");
    }

    #[test]
    fn if_and_coalesce_pass_values_through() {
        let v = run("if", vec![b(true), s("a", 1), s("b", 2)]);
        assert_eq!((text(&v), v.origin), ("a", o(1)));
        let v = run("if", vec![b(false), s("a", 1), unknown()]);
        assert!(v.as_unknown().is_some());
        assert_eq!(v.origin, o(8));
        let v = run("if", vec![unknown(), s("a", 1), s("b", 2)]);
        assert_absorbed(&v, "if");
        let v = run("if", vec![unknown(), s("same", 1), s("same", 2)]);
        assert_eq!(text(&v), "same");
        assert_unknown_call(&run("if", vec![s("true", 1), s("a", 1), s("b", 2)]), "if");

        let v = run("coalesce", vec![Value::null(o(1)), s("x", 2), s("y", 3)]);
        assert_eq!((text(&v), v.origin), ("x", o(2)));
        let v = run("coalesce", vec![Value::null(o(1)), unknown()]);
        assert_eq!(v, unknown());
        let v = run("coalesce", vec![unknown(), s("y", 3)]);
        assert_absorbed(&v, "coalesce");
        assert!(matches!(
            run("coalesce", vec![Value::null(o(1))]).kind,
            ValueKind::Null
        ));
    }

    #[test]
    fn first_last_take_skip() {
        let items = arr(vec![s("g1", 1), s("g2", 2), s("g3", 3)]);
        let f = run("first", vec![items.clone()]);
        assert_eq!((text(&f), f.origin), ("g1", o(1)));
        let l = run("last", vec![items.clone()]);
        assert_eq!((text(&l), l.origin), ("g3", o(3)));
        assert!(matches!(
            run("first", vec![arr(vec![])]).kind,
            ValueKind::Null
        ));
        assert_eq!(text(&run("first", vec![s("abc", 1)])), "a");
        assert_eq!(text(&run("last", vec![s("abc", 1)])), "c");
        assert_eq!(text(&run("first", vec![s("", 1)])), "");
        let first_of_unknown = run("first", vec![arr(vec![unknown(), s("b", 1)])]);
        assert_eq!(first_of_unknown, unknown());
        assert_absorbed(&run("first", vec![unknown()]), "first");

        assert_eq!(
            strings(&run("take", vec![items.clone(), i(2)])),
            ["g1", "g2"]
        );
        assert_eq!(
            strings(&run("skip", vec![items.clone(), i(1)])),
            ["g2", "g3"]
        );
        assert_eq!(strings(&run("take", vec![items.clone(), i(-5)])).len(), 0);
        assert_eq!(strings(&run("skip", vec![items, i(99)])).len(), 0);
        assert_eq!(text(&run("take", vec![s("abcdef", 1), i(3)])), "abc");
        assert_eq!(text(&run("skip", vec![s("abcdef", 1), i(4)])), "ef");
        // A cut inside a surrogate pair has no Rust string: unknown.
        assert_unknown_call(&run("take", vec![s("😀", 1), i(1)]), "take");
    }

    #[test]
    fn string_conversions() {
        assert_eq!(text(&run("string", vec![b(true)])), "True");
        assert_eq!(text(&run("string", vec![b(false)])), "False");
        assert_eq!(text(&run("string", vec![i(-5)])), "-5");
        assert_eq!(text(&run("string", vec![Value::null(o(1))])), "");
        let passthrough = run("string", vec![s("asdf", 4)]);
        assert_eq!((text(&passthrough), passthrough.origin), ("asdf", o(4)));
        let object = obj(vec![("valueA", i(10)), ("valueB", s("Example Text", 1))]);
        assert_eq!(
            text(&run("string", vec![object])),
            r#"{"valueA":10,"valueB":"Example Text"}"#
        );
        let array = arr(vec![
            s("a", 1),
            b(true),
            Value::null(o(2)),
            s("q\"\\\n\u{1}\u{2028}", 3),
        ]);
        assert_eq!(
            to_display_string(&array).as_deref(),
            Some(r#"["a",true,null,"q\"\\\n\u0001\u2028"]"#)
        );
        assert_absorbed(&run("string", vec![arr(vec![unknown()])]), "string");
        assert_eq!(to_display_string(&unknown()), None);
    }

    #[test]
    fn int_and_bool() {
        assert_eq!(int(&run("int", vec![s(" -42 ", 1)])), -42);
        assert_eq!(run("int", vec![s("42", 1)]).origin, o(1));
        assert_eq!(int(&run("int", vec![i(7)])), 7);
        assert_unknown_call(&run("int", vec![s("4.5", 1)]), "int");
        assert_unknown_call(&run("int", vec![s("99999999999999999999", 1)]), "int");
        assert_eq!(run("bool", vec![s("TRUE", 1)]).as_bool(), Some(true));
        assert_eq!(run("bool", vec![i(0)]).as_bool(), Some(false));
        assert_eq!(run("bool", vec![i(2)]).as_bool(), Some(true));
        assert_unknown_call(&run("bool", vec![s("yes", 1)]), "bool");
    }

    #[test]
    fn trim_substring_replace_pad_left() {
        let t = run("trim", vec![s("  adf asdf  ", 2)]);
        assert_eq!((text(&t), t.origin), ("adf asdf", o(2)));
        assert_eq!(text(&run("substring", vec![s("asdfasf", 1), i(3)])), "fasf");
        assert_eq!(
            text(&run("substring", vec![s("asdfasf", 1), i(1), i(2)])),
            "sd"
        );
        assert_eq!(
            text(&run("substring", vec![s("héllo", 1), i(1), i(1)])),
            "é"
        );
        assert_unknown_call(
            &run("substring", vec![s("abc", 1), i(2), i(5)]),
            "substring",
        );
        assert_unknown_call(&run("substring", vec![s("abc", 1), i(-1)]), "substring");
        assert_unknown_call(&run("substring", vec![s("abc", 1), i(4)]), "substring");

        assert_eq!(
            text(&run("replace", vec![s("abc", 1), s("b", 2), s("/", 3)])),
            "a/c"
        );
        assert_eq!(
            text(&run("replace", vec![s("aBc", 1), s("b", 2), s("/", 3)])),
            "aBc"
        );
        assert_unknown_call(
            &run("replace", vec![s("abc", 1), s("", 2), s("/", 3)]),
            "replace",
        );
        let big = "x".repeat(1100);
        assert_unknown_call(
            &run("replace", vec![s(&big, 1), s("x", 2), s(&big, 3)]),
            "replace",
        );

        assert_eq!(text(&run("padLeft", vec![i(13), i(5)])), "   13");
        assert_eq!(
            text(&run("padLeft", vec![s("7", 1), i(3), s("0", 2)])),
            "007"
        );
        let long = run("padLeft", vec![s("abcdef", 1), i(3)]);
        assert_eq!((text(&long), long.origin), ("abcdef", o(1)));
        assert_unknown_call(
            &run("padLeft", vec![s("a", 1), i(1_000_000_000)]),
            "padLeft",
        );
        assert_unknown_call(
            &run("padLeft", vec![s("a", 1), i(5), s("ab", 2)]),
            "padLeft",
        );
    }

    #[test]
    fn searching() {
        assert_eq!(
            run("contains", vec![s("foo/bar", 1), s("/", 2)]).as_bool(),
            Some(true)
        );
        assert_eq!(
            run("contains", vec![s("OneTwo", 1), s("one", 2)]).as_bool(),
            Some(false)
        );
        let object = obj(vec![("One", s("a", 1))]);
        assert_eq!(
            run("contains", vec![object, s("one", 2)]).as_bool(),
            Some(true)
        );
        let list = arr(vec![s("one", 1), s("two", 2)]);
        assert_eq!(
            run("contains", vec![list.clone(), s("two", 3)]).as_bool(),
            Some(true)
        );
        assert_eq!(
            run("contains", vec![list, s("TWO", 3)]).as_bool(),
            Some(false)
        );
        let with_unknown = arr(vec![unknown(), s("a", 1)]);
        assert_eq!(
            run("contains", vec![with_unknown.clone(), s("a", 2)]).as_bool(),
            Some(true)
        );
        assert_absorbed(&run("contains", vec![with_unknown, s("b", 2)]), "contains");
        let partial = run("concat", vec![s("Endpoint=x;", 1), unknown()]);
        assert_eq!(
            run("contains", vec![partial.clone(), s("Endpoint", 2)]).as_bool(),
            Some(true)
        );
        assert_absorbed(
            &run("contains", vec![partial, s("AccountKey", 2)]),
            "contains",
        );

        assert_eq!(int(&run("indexOf", vec![s("abcdef", 1), s("CD", 2)])), 2);
        assert_eq!(int(&run("indexOf", vec![s("abc", 1), s("z", 2)])), -1);
        assert_eq!(int(&run("indexOf", vec![s("abc", 1), s("", 2)])), 0);
        assert_eq!(int(&run("lastIndexOf", vec![s("abcba", 1), s("b", 2)])), 3);
        assert_eq!(
            int(&run("indexOf", vec![arr(vec![i(1), i(2), i(2)]), i(2)])),
            1
        );
        assert_eq!(
            int(&run("lastIndexOf", vec![arr(vec![i(1), i(2), i(2)]), i(2)])),
            2
        );
        assert_unknown_call(&run("indexOf", vec![s("héllo", 1), s("l", 2)]), "indexOf");

        assert_eq!(
            run("startsWith", vec![s("abc", 1), s("AB", 2)]).as_bool(),
            Some(true)
        );
        assert_eq!(
            run("endsWith", vec![s("foo", 1), s("o", 2)]).as_bool(),
            Some(true)
        );
        assert_eq!(
            run("endsWith", vec![s("foo", 1), s("x", 2)]).as_bool(),
            Some(false)
        );
    }

    #[test]
    fn lengths_and_emptiness() {
        assert_eq!(int(&run("length", vec![arr(vec![i(0), i(1), i(2)])])), 3);
        assert_eq!(int(&run("length", vec![s("😀a", 1)])), 3);
        assert_eq!(int(&run("length", vec![obj(vec![("a", i(1))])])), 1);
        assert_eq!(int(&run("length", vec![Value::null(o(1))])), 0);
        assert_eq!(int(&run("length", vec![arr(vec![unknown()])])), 1);
        assert_absorbed(&run("length", vec![unknown()]), "length");
        assert_eq!(run("empty", vec![arr(vec![])]).as_bool(), Some(true));
        assert_eq!(run("empty", vec![s("", 1)]).as_bool(), Some(true));
        assert_eq!(run("empty", vec![Value::null(o(1))]).as_bool(), Some(true));
        assert_eq!(
            run("empty", vec![obj(vec![("a", unknown())])]).as_bool(),
            Some(false)
        );
        let partial = run("concat", vec![s("x", 1), unknown()]);
        assert_eq!(run("empty", vec![partial]).as_bool(), Some(false));
        assert_absorbed(&run("empty", vec![unknown()]), "empty");
    }

    // --- logic and numbers -----------------------------------------------------------------

    #[test]
    fn logic() {
        assert_eq!(run("not", vec![b(true)]).as_bool(), Some(false));
        assert_eq!(run("and", vec![b(true), b(true)]).as_bool(), Some(true));
        assert_eq!(
            run("and", vec![b(true), unknown(), b(false)]).as_bool(),
            Some(false)
        );
        assert_absorbed(&run("and", vec![b(true), unknown()]), "and");
        assert_eq!(run("or", vec![unknown(), b(true)]).as_bool(), Some(true));
        assert_eq!(run("or", vec![b(false), b(false)]).as_bool(), Some(false));
        assert_unknown_call(&run("and", vec![b(true)]), "and");
        assert_unknown_call(&run("or", vec![b(true), s("x", 1)]), "or");
        assert_eq!(run("true", vec![]).as_bool(), Some(true));
        assert!(matches!(run("null", vec![]).kind, ValueKind::Null));
    }

    #[test]
    fn equality_and_comparison() {
        assert_eq!(
            run("equals", vec![s("a", 1), s("a", 2)]).as_bool(),
            Some(true)
        );
        assert_eq!(
            run("equals", vec![s("a", 1), s("A", 2)]).as_bool(),
            Some(false)
        );
        assert_eq!(run("equals", vec![i(1), s("1", 2)]).as_bool(), Some(false));
        let x = obj(vec![("a", i(1)), ("b", arr(vec![s("x", 1)]))]);
        let y = obj(vec![("b", arr(vec![s("x", 2)])), ("a", i(1))]);
        assert_eq!(run("equals", vec![x, y]).as_bool(), Some(true));
        assert_eq!(
            run("equals", vec![arr(vec![unknown()]), arr(vec![])]).as_bool(),
            Some(false)
        );
        assert_absorbed(
            &run("equals", vec![arr(vec![unknown()]), arr(vec![i(1)])]),
            "equals",
        );

        assert_eq!(run("less", vec![i(1), i(2)]).as_bool(), Some(true));
        // The reference: less('A', 'a') is False (culture order puts 'a' first).
        assert_eq!(
            run("less", vec![s("A", 1), s("a", 2)]).as_bool(),
            Some(false)
        );
        assert_eq!(
            run("greater", vec![s("A", 1), s("a", 2)]).as_bool(),
            Some(true)
        );
        assert_eq!(
            run("less", vec![s("a", 1), s("B", 2)]).as_bool(),
            Some(true)
        );
        assert_eq!(run("lessOrEquals", vec![i(2), i(2)]).as_bool(), Some(true));
        assert_eq!(
            run("greaterOrEquals", vec![s("b", 1), s("ab", 2)]).as_bool(),
            Some(true)
        );
        assert_unknown_call(&run("less", vec![s("a-b", 1), s("a", 2)]), "less");
        assert_unknown_call(&run("less", vec![i(1), s("a", 2)]), "less");
    }

    #[test]
    fn numbers() {
        assert_eq!(int(&run("max", vec![i(1), i(3), i(2)])), 3);
        assert_eq!(int(&run("min", vec![arr(vec![i(5), i(-1)])])), -1);
        assert_unknown_call(&run("min", vec![arr(vec![])]), "min");
        assert_absorbed(&run("max", vec![i(1), unknown()]), "max");
        let r = run("range", vec![i(5), i(3)]);
        assert_eq!(
            array_of(&r)
                .expect("array")
                .iter()
                .map(int)
                .collect::<Vec<_>>(),
            [5, 6, 7]
        );
        assert_unknown_call(&run("range", vec![i(0), i(1_000_000_000)]), "range");
        assert_unknown_call(&run("range", vec![i(2_147_483_647), i(2)]), "range");
        assert_eq!(
            array_of(&run("range", vec![i(0), i(0)])).map(<[Value]>::len),
            Some(0)
        );
        assert_eq!(int(&run("add", vec![i(2), i(3)])), 5);
        assert_eq!(int(&run("div", vec![i(-7), i(2)])), -3);
        assert_eq!(int(&run("mod", vec![i(-7), i(2)])), -1);
        assert_unknown_call(&run("div", vec![i(1), i(0)]), "div");
        assert_unknown_call(&run("mul", vec![i(i64::MAX), i(2)]), "mul");
    }

    // --- arrays and objects ----------------------------------------------------------------

    #[test]
    fn union_and_intersection() {
        let u = run("union", vec![arr(vec![i(1), i(2)]), arr(vec![i(2), i(3)])]);
        assert_eq!(
            array_of(&u)
                .expect("array")
                .iter()
                .map(int)
                .collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let a = obj(vec![
            (
                "property",
                obj(vec![("one", s("a", 1)), ("three", s("c1", 2))]),
            ),
            ("nestedArray", arr(vec![i(1), i(2)])),
        ]);
        let b_ = obj(vec![
            (
                "Property",
                obj(vec![("three", s("c2", 3)), ("four", s("d", 4))]),
            ),
            ("nestedArray", arr(vec![i(3), i(4)])),
        ]);
        let merged = run("union", vec![a, b_]);
        let expected = obj(vec![
            (
                "property",
                obj(vec![
                    ("one", s("a", 1)),
                    ("three", s("c2", 3)),
                    ("four", s("d", 4)),
                ]),
            ),
            ("nestedArray", arr(vec![i(3), i(4)])),
        ]);
        assert_eq!(deep_eq(&merged, &expected), Some(true));
        assert_eq!(merged.path("property.three").map(|v| v.origin), Some(o(3)));
        assert_eq!(merged.path("property.one").map(|v| v.origin), Some(o(1)));
        let with_unknown_value = run(
            "union",
            vec![obj(vec![("a", unknown())]), obj(vec![("b", i(1))])],
        );
        assert_eq!(with_unknown_value.get("a"), Some(&unknown()));
        assert_absorbed(&run("union", vec![obj(vec![]), unknown()]), "union");
        assert_unknown_call(&run("union", vec![obj(vec![]), arr(vec![])]), "union");

        let x = run(
            "intersection",
            vec![
                arr(vec![i(1), i(2), i(3), i(2)]),
                arr(vec![i(2), i(3), i(4)]),
            ],
        );
        assert_eq!(
            array_of(&x)
                .expect("array")
                .iter()
                .map(int)
                .collect::<Vec<_>>(),
            [2, 3]
        );
        let x = run(
            "intersection",
            vec![
                obj(vec![("one", s("a", 1)), ("two", s("b", 2))]),
                obj(vec![("one", s("a", 3)), ("two", s("z", 4))]),
            ],
        );
        assert_eq!(x.get("one").map(text), Some("a"));
        assert_eq!(x.get("two"), None);
    }

    #[test]
    fn objects_and_arrays() {
        let o1 = run("createObject", vec![s("k", 1), unknown(), s("n", 2), i(1)]);
        assert_eq!(o1.get("k"), Some(&unknown()));
        assert_unknown_call(&run("createObject", vec![s("k", 1)]), "createObject");
        assert_unknown_call(
            &run("createObject", vec![s("k", 1), i(1), s("k", 2), i(2)]),
            "createObject",
        );
        let a = run("createArray", vec![s("a", 1), unknown()]);
        assert_eq!(array_of(&a).map(<[Value]>::len), Some(2));
        assert_eq!(a.secrets().count(), 1);
        let wrapped = run("array", vec![s("x", 1)]);
        assert_eq!(array_of(&wrapped).expect("array")[0].origin, o(1));
        let same = arr(vec![i(1)]);
        assert_eq!(run("array", vec![same.clone()]), same);

        // Sorted by key ignoring case, as the Bicep baseline shows (bar before foo).
        let it = run(
            "items",
            vec![obj(vec![
                ("foo", s("abc", 1)),
                ("Bar", i(123)),
                ("baz", i(1)),
            ])],
        );
        let keys: Vec<&str> = array_of(&it)
            .expect("array")
            .iter()
            .map(|item| item.get("key").and_then(Value::as_str).expect("key"))
            .collect();
        assert_eq!(keys, ["Bar", "baz", "foo"]);
        assert_eq!(
            array_of(&it).expect("array")[2]
                .get("value")
                .map(|v| v.origin),
            Some(o(1))
        );
    }

    #[test]
    fn json_parsing() {
        let v = run(
            "json",
            vec![s(r#"{"a": [1, "x", null, true], "b": {"c": -2}}"#, 1)],
        );
        assert_eq!(v.path("b.c").and_then(int_of), Some(-2));
        assert_eq!(v.origin, o(CALL));
        assert!(matches!(
            run("json", vec![s("null", 1)]).kind,
            ValueKind::Null
        ));
        assert_eq!(
            object_of(&run("json", vec![Value::null(o(1))])).map(Map::len),
            Some(0)
        );
        assert_unknown_call(&run("json", vec![s("1.5", 1)]), "json");
        assert_unknown_call(&run("json", vec![s("{", 1)]), "json");
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_unknown_call(&run("json", vec![s(&deep, 1)]), "json");
        let very_deep = "[".repeat(100_000);
        assert_unknown_call(&run("json", vec![s(&very_deep, 1)]), "json");
        assert_absorbed(&run("json", vec![unknown()]), "json");
    }

    // --- encodings --------------------------------------------------------------------------

    #[test]
    fn encodings() {
        // The reference's base64 example, and the Bicep baseline's round trip.
        assert_eq!(
            text(&run("base64", vec![s("one, two, three", 1)])),
            "b25lLCB0d28sIHRocmVl"
        );
        assert_eq!(
            text(&run("base64ToString", vec![s("b25lLCB0d28sIHRocmVl", 1)])),
            "one, two, three"
        );
        let round = run("base64ToString", vec![run("base64", vec![s("abc", 1)])]);
        assert_eq!(text(&round), "abc");
        for n in 0..8 {
            let input = "é".repeat(n);
            let encoded = run("base64", vec![s(&input, 1)]);
            assert_eq!(text(&run("base64ToString", vec![encoded])), input);
        }
        assert_unknown_call(&run("base64ToString", vec![s("abc", 1)]), "base64ToString");
        assert_unknown_call(&run("base64ToString", vec![s("a=bc", 1)]), "base64ToString");

        // Bicep baseline values.
        assert_eq!(
            text(&run("uriComponent", vec![s("UB*8h 0+=_)9h9n", 1)])),
            "UB%2A8h%200%2B%3D_%299h9n"
        );
        assert_eq!(
            text(&run("uriComponentToString", vec![s("%20%25%20", 1)])),
            " % "
        );
        assert_eq!(
            text(&run("uriComponentToString", vec![s("%C3%A9%zz", 1)])),
            "é%zz"
        );
        assert_unknown_call(
            &run("uriComponentToString", vec![s("a+b", 1)]),
            "uriComponentToString",
        );
        assert_unknown_call(
            &run("uriComponentToString", vec![s("%FF", 1)]),
            "uriComponentToString",
        );
    }

    #[test]
    fn uris() {
        // Bicep baseline: uri('https://github.com', 'Azure/bicep').
        assert_eq!(
            text(&run(
                "uri",
                vec![s("https://github.com", 1), s("Azure/bicep", 2)]
            )),
            "https://github.com/Azure/bicep"
        );
        // The reference's examples.
        assert_eq!(
            text(&run(
                "uri",
                vec![s("http://contoso.org/firstpath", 1), s("myscript.sh", 2)]
            )),
            "http://contoso.org/myscript.sh"
        );
        assert_eq!(
            text(&run(
                "uri",
                vec![s("http://contoso.org/firstpath/", 1), s("myscript.sh", 2)]
            )),
            "http://contoso.org/firstpath/myscript.sh"
        );
        assert_eq!(
            text(&run(
                "uri",
                vec![s("HTTPS://Example.COM:443/a/b?x=1", 1), s("c?d=2", 2)]
            )),
            "https://example.com/a/c?d=2"
        );
        assert_eq!(
            text(&run("uri", vec![s("http://host:8080/", 1), s("x", 2)])),
            "http://host:8080/x"
        );
        assert_unknown_call(
            &run("uri", vec![s("https://a.com/x/", 1), s("/abs", 2)]),
            "uri",
        );
        assert_unknown_call(
            &run("uri", vec![s("https://a.com/x/", 1), s("../up", 2)]),
            "uri",
        );
        assert_unknown_call(
            &run("uri", vec![s("https://a.com/", 1), s("a b", 2)]),
            "uri",
        );
        assert_unknown_call(&run("uri", vec![s("not a uri", 1), s("x", 2)]), "uri");
        assert_absorbed(&run("uri", vec![unknown(), s("x", 2)]), "uri");
    }

    // --- resource ids ------------------------------------------------------------------------

    const ROLE: &str = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd";

    #[test]
    fn resource_id_with_deployment_scope_is_partial() {
        let v = run(
            "resourceId",
            vec![s("Microsoft.Storage/storageAccounts", 1), s("sa", 2)],
        );
        assert_eq!(
            rendered(&v),
            "/subscriptions/{?}/resourceGroups/{?}/providers/Microsoft.Storage/storageAccounts/sa"
        );
        let unknowns: Vec<&Unknown> = v.unknowns().collect();
        assert_eq!(
            unknowns[0].kind,
            UnknownKind::Deployment("subscription".to_owned())
        );
        assert_eq!(
            unknowns[1].kind,
            UnknownKind::Deployment("resourceGroup".to_owned())
        );
        assert_eq!(
            segments(&v).last(),
            Some(&Segment::Text("sa".to_owned(), o(2)))
        );
    }

    #[test]
    fn resource_id_forms() {
        let full = run(
            "resourceId",
            vec![
                s("sub", 1),
                s("rg", 2),
                s("Microsoft.Network/virtualNetworks/subnets", 3),
                s("vnet", 4),
                s("default", 5),
            ],
        );
        assert_eq!(
            text(&full),
            "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"
        );
        assert_eq!(full.origin, o(CALL));
        let in_rg = run(
            "resourceId",
            vec![s("other-rg", 1), s("Microsoft.Web/sites", 2), s("app", 3)],
        );
        assert_eq!(
            rendered(&in_rg),
            "/subscriptions/{?}/resourceGroups/other-rg/providers/Microsoft.Web/sites/app"
        );
        // The namespace and type as separate arguments (Bicep's az.getSecret output).
        let split = run(
            "resourceId",
            vec![
                s("subId", 1),
                s("rgName", 2),
                s("Microsoft.KeyVault", 3),
                s("vaults", 4),
                s("kvName", 5),
            ],
        );
        assert_eq!(
            text(&split),
            "/subscriptions/subId/resourceGroups/rgName/providers/Microsoft.KeyVault/vaults/kvName"
        );
        // Names that do not match the type are an engine error.
        assert_unknown_call(
            &run("resourceId", vec![s("Microsoft.Web/sites", 1)]),
            "resourceId",
        );
        assert_unknown_call(
            &run(
                "resourceId",
                vec![s("Microsoft.Web/sites", 1), s("a", 2), s("b", 3)],
            ),
            "resourceId",
        );
        assert_absorbed(&run("resourceId", vec![unknown(), s("x", 2)]), "resourceId");
    }

    #[test]
    fn subscription_resource_id_keeps_the_role_guid_origin() {
        let v = run(
            "subscriptionResourceId",
            vec![s("Microsoft.Authorization/roleDefinitions", 1), s(ROLE, 2)],
        );
        assert_eq!(
            rendered(&v),
            format!(
                "/subscriptions/{{?}}/providers/Microsoft.Authorization/roleDefinitions/{ROLE}"
            )
        );
        assert_eq!(
            segments(&v).last(),
            Some(&Segment::Text(ROLE.to_owned(), o(2)))
        );
        let named = run(
            "subscriptionResourceId",
            vec![
                s("sub", 3),
                s("Microsoft.Authorization/roleDefinitions", 1),
                s(ROLE, 2),
            ],
        );
        assert_eq!(
            text(&named),
            format!("/subscriptions/sub/providers/Microsoft.Authorization/roleDefinitions/{ROLE}")
        );
        // An unknown name: partial, with the unknown's references and secrets.
        let v = run(
            "subscriptionResourceId",
            vec![s("Microsoft.Authorization/roleDefinitions", 1), unknown()],
        );
        assert_eq!(v.references().collect::<Vec<_>>(), vec![ResourceIndex(1)]);
        assert_eq!(v.secrets().count(), 1);
    }

    #[test]
    fn tenant_extension_and_management_group_ids() {
        let t = run(
            "tenantResourceId",
            vec![s("Microsoft.Authorization/roleDefinitions", 1), s(ROLE, 2)],
        );
        assert_eq!(
            text(&t),
            format!("/providers/Microsoft.Authorization/roleDefinitions/{ROLE}")
        );
        let e = run(
            "extensionResourceId",
            vec![s("/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/sa", 1), s("Microsoft.Authorization/roleAssignments", 2), s("ra", 3)],
        );
        assert_eq!(
            text(&e),
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/sa/providers/Microsoft.Authorization/roleAssignments/ra"
        );
        let scope = run(
            "resourceId",
            vec![s("Microsoft.Storage/storageAccounts", 4), s("sa", 5)],
        );
        let e = run(
            "extensionResourceId",
            vec![scope, s("Microsoft.Authorization/locks", 2), s("lock", 3)],
        );
        assert_eq!(rendered(&e), "/subscriptions/{?}/resourceGroups/{?}/providers/Microsoft.Storage/storageAccounts/sa/providers/Microsoft.Authorization/locks/lock");
        let m = run(
            "managementGroupResourceId",
            vec![
                s("mg1", 1),
                s("Microsoft.Authorization/policyDefinitions", 2),
                s("p", 3),
            ],
        );
        assert_eq!(text(&m), "/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/policyDefinitions/p");
        let m = run(
            "managementGroupResourceId",
            vec![s("Microsoft.Authorization/policyDefinitions", 2), s("p", 3)],
        );
        assert_eq!(
            m.unknowns().next().map(|u| &u.kind),
            Some(&UnknownKind::Deployment("managementGroup".to_owned()))
        );
    }

    #[test]
    fn resource_id_parts_read_scope_type_and_names() {
        let parts = resource_id_parts(
            "resourceid",
            &[
                s("rg", 1),
                s("Microsoft.Network/virtualNetworks/subnets", 2),
                s("vnet", 3),
                unknown(),
            ],
        )
        .expect("parts");
        assert_eq!(
            parts.scope,
            IdScope::ResourceGroup {
                subscription: None,
                resource_group: Some(s("rg", 1))
            }
        );
        assert_eq!(parts.type_name, "Microsoft.Network/virtualNetworks/subnets");
        assert_eq!(parts.type_origin, o(2));
        assert_eq!(parts.names, vec![s("vnet", 3), unknown()]);
        let sub = resource_id_parts(
            "subscriptionResourceId",
            &[s("Microsoft.Authorization/roleDefinitions", 1), s(ROLE, 2)],
        )
        .expect("parts");
        assert_eq!(sub.scope, IdScope::Subscription(None));
        let ext = resource_id_parts(
            "extensionResourceId",
            &[
                unknown(),
                s("Microsoft.Authorization/roleAssignments", 2),
                s("ra", 3),
            ],
        )
        .expect("parts");
        assert_eq!(ext.scope, IdScope::Extension(unknown()));
        assert_eq!(
            resource_id_parts(
                "tenantResourceId",
                &[s("Microsoft.Authorization/roleDefinitions", 1), s(ROLE, 2)]
            )
            .map(|p| p.scope),
            Some(IdScope::Tenant)
        );
        assert!(resource_id_parts("resourceId", &[unknown(), s("name", 1)]).is_none());
        assert!(resource_id_parts("concat", &[]).is_none());
    }

    #[test]
    fn parse_resource_id_forms() {
        let p = parse_resource_id("/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/sa/blobServices/default")
            .expect("id");
        assert_eq!(
            p.scope,
            ParsedScope::ResourceGroup {
                subscription: "x".to_owned(),
                resource_group: "y".to_owned()
            }
        );
        assert_eq!(
            p.type_name,
            "Microsoft.Storage/storageAccounts/blobServices"
        );
        assert_eq!(p.names, ["sa", "default"]);

        let p = parse_resource_id(&format!(
            "/providers/Microsoft.Authorization/roleDefinitions/{ROLE}"
        ))
        .expect("id");
        assert_eq!(p.scope, ParsedScope::Tenant);
        assert_eq!(p.type_name, "Microsoft.Authorization/roleDefinitions");
        assert_eq!(p.names, [ROLE]);

        let p = parse_resource_id(&format!(
            "/SUBSCRIPTIONS/s1/PROVIDERS/Microsoft.Authorization/roleDefinitions/{ROLE}"
        ))
        .expect("id");
        assert_eq!(p.scope, ParsedScope::Subscription("s1".to_owned()));

        let p = parse_resource_id(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/sa/providers/Microsoft.Authorization/roleAssignments/ra",
        )
        .expect("id");
        assert_eq!(
            p.scope,
            ParsedScope::Extension(
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/sa"
                    .to_owned()
            )
        );
        assert_eq!(p.type_name, "Microsoft.Authorization/roleAssignments");
        assert_eq!(p.names, ["ra"]);

        let p = parse_resource_id("/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/roleDefinitions/r").expect("id");
        assert_eq!(p.scope, ParsedScope::ManagementGroup("mg".to_owned()));
        assert_eq!(p.type_name, "Microsoft.Authorization/roleDefinitions");
        let p =
            parse_resource_id("/providers/Microsoft.Management/managementGroups/mg").expect("id");
        assert_eq!(
            (p.scope, p.type_name.as_str()),
            (ParsedScope::Tenant, "Microsoft.Management/managementGroups")
        );

        let p = parse_resource_id("/subscriptions/s/resourceGroups/r").expect("id");
        assert_eq!(
            (p.type_name.as_str(), p.names),
            ("Microsoft.Resources/resourceGroups", vec!["r".to_owned()])
        );
        let p = parse_resource_id("/subscriptions/s").expect("id");
        assert_eq!(p.type_name, "Microsoft.Resources/subscriptions");

        for bad in [
            "",
            "/",
            "subscriptions/s",
            "/subscriptions/s/",
            "/subscriptions//resourceGroups/r",
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage",
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts",
            "/providers/Microsoft.Storage/storageAccounts/sa/blobServices",
            "/subscriptions/s/resourceGroups/r/other/x",
            "/providers/Microsoft.Authorization/roleDefinitions/r/providers",
        ] {
            assert_eq!(parse_resource_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn built_ids_parse_back() {
        let id = run(
            "resourceId",
            vec![
                s("s", 1),
                s("r", 2),
                s("Microsoft.Network/virtualNetworks/subnets", 3),
                s("v", 4),
                s("d", 5),
            ],
        );
        let parsed = parse_resource_id(text(&id)).expect("id");
        assert_eq!(
            parsed.type_name,
            "Microsoft.Network/virtualNetworks/subnets"
        );
        assert_eq!(parsed.names, ["v", "d"]);
    }

    // --- bounds ---------------------------------------------------------------------------

    #[test]
    fn work_is_bounded() {
        let mib = s(&"x".repeat(MAX_STRING_BYTES / 2 + 1), 1);
        assert_unknown_call(&run("concat", vec![mib.clone(), mib.clone()]), "concat");
        assert_unknown_call(
            &interpolate(vec![mib.clone(), mib.clone()], o(CALL)),
            "format",
        );
        let many = arr(vec![mib.clone(); 3]);
        assert_unknown_call(&run("join", vec![many, s(",", 2)]), "join");
        let big = arr((0..6000).map(i).collect());
        assert_unknown_call(&run("concat", vec![big.clone(), big.clone()]), "concat");
        assert_unknown_call(
            &run(
                "union",
                vec![big.clone(), arr((6000..12000).map(i).collect())],
            ),
            "union",
        );
        assert_eq!(
            array_of(&run("union", vec![big.clone(), big])).map(<[Value]>::len),
            Some(6000)
        );
        assert_unknown_call(
            &run("split", vec![s(&",".repeat(20_000), 1), s(",", 2)]),
            "split",
        );
    }

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(text(&run("CONCAT", vec![s("a", 1), s("b", 2)])), "ab");
        assert_eq!(
            text(&run(
                "subscriptionresourceid",
                vec![s("s", 3), s("A.B/c", 1), s("n", 2)]
            )),
            "/subscriptions/s/providers/A.B/c/n"
        );
    }

    #[test]
    fn no_function_panics_on_odd_arguments() {
        let samples = [
            Value::null(o(1)),
            b(true),
            i(-1),
            i(i64::MAX),
            s("", 2),
            s("a/b", 3),
            s("😀", 4),
            arr(vec![]),
            arr(vec![unknown(), i(1)]),
            obj(vec![("a", unknown())]),
            unknown(),
            run("concat", vec![s("x", 5), unknown()]),
        ];
        for &(name, _) in FUNCTIONS {
            let _ = run(name, vec![]);
            for a in &samples {
                let _ = run(name, vec![a.clone()]);
                for b_ in &samples {
                    let _ = run(name, vec![a.clone(), b_.clone()]);
                    let _ = run(name, vec![a.clone(), b_.clone(), a.clone()]);
                }
            }
        }
        assert!(resource_id_parts("extensionResourceId", &[s("x", 1)]).is_none());
        assert!(resource_id_parts("resourceId", &[]).is_none());
    }

    #[test]
    fn index_of_waits_for_unknown_elements() {
        let items = arr(vec![i(1), unknown(), i(2)]);
        assert_eq!(int(&run("indexOf", vec![items.clone(), i(1)])), 0);
        assert_absorbed(&run("indexOf", vec![items.clone(), i(2)]), "indexOf");
        assert_eq!(int(&run("lastIndexOf", vec![items, i(2)])), 2);
    }
}
