//! Fixes: building edits that fit the file they go into, and applying them.
//!
//! A *fix* ([`Fix`]) is a description, an [`Applicability`] and *edits*, each replacing a byte
//! range of one file's text (the text without its byte-order mark) with new text. Rules build
//! their edits with the helpers here so that an inserted property uses the file's indentation
//! and newline style. `keyless check --fix` applies the safe fixes of a report (and the unsafe
//! ones with `--unsafe-fixes`): fixes whose edits overlap one applied before them wait for the
//! next pass, the result must parse again before it is written, and the file is replaced
//! atomically with its newline style and byte-order mark kept (ruff's fix loop, in small).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::diagnostic::Report;
pub use crate::diagnostic::{Applicability, Edit, Fix};
use crate::graph::decl::Language;
pub use crate::source::Style;
use crate::source::{FileId, SourceFile, Span};

/// How many times `--fix` re-lints and applies what is left (a fix can make another possible:
/// an identity added, then the role assignment for it).
pub const MAX_PASSES: usize = 8;

/// The leading whitespace of the line that holds `offset`.
pub fn line_indent(text: &str, offset: usize) -> &str {
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |at| at + 1);
    let line = &text[start..];
    let end = line
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(line.len());
    &line[..end]
}

/// The language a file is written in, for the text of edits: JSON for ARM templates and
/// parameter files, Bicep for `.bicep` and `.bicepparam`.
pub fn language_of(file: &SourceFile) -> Language {
    match file
        .path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json" | "jsonc") => Language::Arm,
        _ => Language::Bicep,
    }
}

// ----- values to write ----------------------------------------------------------------------

/// A value an edit writes, rendered in the file's language and indentation.
#[derive(Debug, Clone, PartialEq)]
pub enum Snippet {
    Bool(bool),
    Int(i64),
    String(String),
    Object(Vec<(String, Snippet)>),
}

impl Snippet {
    /// The value of a data table (`rules/local-auth.json`), when it is one keyless can write.
    pub fn from_json(value: &serde_json::Value) -> Option<Snippet> {
        match value {
            serde_json::Value::Bool(b) => Some(Snippet::Bool(*b)),
            serde_json::Value::Number(n) => n.as_i64().map(Snippet::Int),
            serde_json::Value::String(s) => Some(Snippet::String(s.clone())),
            _ => None,
        }
    }

    /// `path` = `a.b.c`: `{ b: { c: self } }` below `a`, i.e. the value to insert as `a`.
    pub fn nested(segments: &[&str], leaf: Snippet) -> Snippet {
        segments.iter().rev().fold(leaf, |inner, key| {
            Snippet::Object(vec![((*key).to_owned(), inner)])
        })
    }

    pub fn render(&self, language: Language, indent: &str, style: &Style) -> String {
        match self {
            Snippet::Bool(b) => b.to_string(),
            Snippet::Int(i) => i.to_string(),
            Snippet::String(s) => quote(language, s),
            // `{ type: 'SystemAssigned' }`: one scalar member stays on one line.
            Snippet::Object(members)
                if members.len() == 1 && !matches!(members[0].1, Snippet::Object(_)) =>
            {
                let (key, value) = &members[0];
                format!(
                    "{{ {} }}",
                    property(language, key, &value.render(language, indent, style))
                )
            }
            Snippet::Object(members) => {
                let inner = format!("{indent}{}", style.unit);
                let mut out = String::from("{");
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 && language == Language::Arm {
                        out.push(',');
                    }
                    out.push_str(style.newline);
                    out.push_str(&inner);
                    out.push_str(&property(
                        language,
                        key,
                        &value.render(language, &inner, style),
                    ));
                }
                out.push_str(style.newline);
                out.push_str(indent);
                out.push('}');
                out
            }
        }
    }
}

/// A string literal: `'text'` in Bicep, `"text"` in JSON.
pub fn quote(language: Language, text: &str) -> String {
    match language {
        Language::Bicep => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
        Language::Arm => serde_json::Value::String(text.to_owned()).to_string(),
    }
}

/// `key: value` (Bicep) or `"key": value` (JSON).
fn property(language: Language, key: &str, value: &str) -> String {
    match language {
        Language::Bicep if is_identifier(key) => format!("{key}: {value}"),
        Language::Bicep => format!("{}: {value}", quote(language, key)),
        Language::Arm => format!("{}: {value}", quote(language, key)),
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

// ----- edits --------------------------------------------------------------------------------

/// The edit that adds `key: value` to the object literal written at `object` (the span of its
/// braces), after its last member, on a line of its own indented like the other members.
/// `None` when `object` is not an object literal of the text.
pub fn insert_property(
    file_id: FileId,
    file: &SourceFile,
    object: Span,
    key: &str,
    value: &Snippet,
) -> Option<Vec<Edit>> {
    let text = &file.text;
    let language = language_of(file);
    let style = file.style();
    let (open, close) = (object.start as usize, object.end as usize);
    if close < open + 2
        || text.as_bytes().get(open) != Some(&b'{')
        || text.as_bytes().get(close - 1) != Some(&b'}')
    {
        return None;
    }
    let inside = scan(text, open + 1, close - 1, language);
    let edit = |span: Span, insert: String| Edit {
        file: file_id,
        span,
        insert,
    };
    let Some((first, last_end, last_byte)) = inside else {
        // `{}` or `{` newline `}`: write the object anew (unless a comment is inside).
        if text[open + 1..close - 1].trim().is_empty() {
            let outer = line_indent(text, open);
            let inner = format!("{outer}{}", style.unit);
            let entry = property(language, key, &value.render(language, &inner, style));
            let insert = format!("{{{nl}{inner}{entry}{nl}{outer}}}", nl = style.newline);
            return Some(vec![edit(Span::new(open, close), insert)]);
        }
        return None;
    };
    let multi_line = text[open..first].contains('\n');
    let comma = language == Language::Arm && last_byte != b',' && last_byte != b'{';
    if !multi_line {
        // `{ a: 1 }` → `{ a: 1, key: value }`.
        let entry = property(language, key, &value.render(language, "", style));
        let separator = if last_byte == b',' { " " } else { ", " };
        return Some(vec![edit(
            Span::at(last_end),
            format!("{separator}{entry}"),
        )]);
    }
    let indent = line_indent(text, first).to_owned();
    let entry = property(language, key, &value.render(language, &indent, style));
    // After whatever ends the last member's line (a trailing comment stays where it is), or
    // right after the member when the closing brace shares its line.
    let line_end = text[last_end..]
        .find(['\r', '\n'])
        .map_or(text.len(), |at| last_end + at);
    let at = if line_end > close - 1 {
        last_end
    } else {
        line_end
    };
    let mut edits = Vec::new();
    if comma && at != last_end {
        edits.push(edit(Span::at(last_end), ",".to_owned()));
    }
    let lead = if comma && at == last_end { "," } else { "" };
    edits.push(edit(
        Span::at(at),
        format!("{lead}{}{indent}{entry}", style.newline),
    ));
    Some(edits)
}

/// Whether the text of `span` is one plain literal (a boolean, a number, or a string without
/// interpolation or ARM expression), so that replacing it changes that value and nothing else.
pub fn is_plain_literal(file: &SourceFile, span: Span) -> bool {
    let text = file.slice(span).trim();
    if text.is_empty() || text.len() != span.len() {
        return false;
    }
    if text == "true" || text == "false" || text.parse::<i64>().is_ok() {
        return true;
    }
    match language_of(file) {
        Language::Bicep => {
            text.len() >= 2
                && text.starts_with('\'')
                && text.ends_with('\'')
                && !text.starts_with("'''")
                && !text.contains("${")
        }
        Language::Arm => {
            text.len() >= 2
                && text.starts_with('"')
                && text.ends_with('"')
                && (!text.starts_with("\"[") || text.starts_with("\"[["))
        }
    }
}

/// The first and last significant bytes between `from` and `to` (comments and whitespace
/// skipped, strings taken whole): `(first, end of last, last byte)`.
fn scan(text: &str, from: usize, to: usize, language: Language) -> Option<(usize, usize, u8)> {
    let bytes = text.as_bytes();
    let mut at = from;
    let mut first = None;
    let mut last = None;
    while at < to {
        let b = bytes[at];
        if b.is_ascii_whitespace() {
            at += 1;
        } else if bytes[at..].starts_with(b"//") {
            at = text[at..].find('\n').map_or(to, |n| at + n);
        } else if bytes[at..].starts_with(b"/*") {
            at = text[at + 2..].find("*/").map_or(to, |n| at + 2 + n + 2);
        } else {
            let end = match (b, language) {
                (b'\'', Language::Bicep) | (b'"', Language::Arm) => {
                    skip_string(text, at, language).min(to)
                }
                _ => at + 1,
            };
            first.get_or_insert(at);
            last = Some((end, bytes[end - 1]));
            at = end;
        }
    }
    let (end, byte) = last?;
    Some((first?, end, byte))
}

/// The end of the string literal that starts at `at`.
fn skip_string(text: &str, at: usize, language: Language) -> usize {
    let bytes = text.as_bytes();
    if language == Language::Bicep && bytes[at..].starts_with(b"'''") {
        return text[at + 3..]
            .find("'''")
            .map_or(text.len(), |n| at + 3 + n + 3);
    }
    let quote = bytes[at];
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'$' if language == Language::Bicep && bytes.get(i + 1) == Some(&b'{') => {
                i = skip_hole(text, i + 2);
            }
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

/// The end of a Bicep interpolation hole `${…}` whose text starts at `at`.
fn skip_hole(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\'' => {
                at = skip_string(text, at, Language::Bicep);
                continue;
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    text.len()
}

/// Indents every line of `snippet` but the first by `indent` and uses the file's newline.
pub fn reindent(snippet: &str, indent: &str, style: &Style) -> String {
    let mut out = String::new();
    for (index, line) in snippet.lines().enumerate() {
        if index > 0 {
            out.push_str(style.newline);
            if !line.is_empty() {
                out.push_str(indent);
            }
        }
        out.push_str(&line.replace("  ", &style.unit));
    }
    out
}

// ----- applying fixes -----------------------------------------------------------------------

/// What one pass of fixes does to one file.
#[derive(Debug, Clone)]
pub struct FileFix {
    pub path: PathBuf,
    pub has_bom: bool,
    pub before: String,
    pub after: String,
    /// The edits applied, sorted, as spans of `before`.
    pub edits: Vec<Edit>,
    /// How many fixes were applied.
    pub applied: usize,
}

impl FileFix {
    /// The bytes to write: the new text with the byte-order mark the file had.
    pub fn bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.after.len() + 3);
        if self.has_bom {
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
        }
        bytes.extend_from_slice(self.after.as_bytes());
        bytes
    }
}

/// One pass over a report's fixes.
#[derive(Debug, Default)]
pub struct Pass {
    pub files: Vec<FileFix>,
    /// Fixes left for a later pass because they overlap an applied one.
    pub deferred: usize,
    /// Fixes dropped because the file would no longer parse, with the reason.
    pub dropped: Vec<String>,
    /// Unsafe fixes not applied (without `--unsafe-fixes`).
    pub unsafe_available: usize,
}

impl Pass {
    pub fn applied(&self) -> usize {
        self.files.iter().map(|f| f.applied).sum()
    }
}

/// Chooses and applies the fixes of a report: for each file, fixes in the order of their first
/// edit; a fix that overlaps (or touches) one applied before it waits for the next pass; the
/// text must parse as before, or the culprit fixes are dropped and reported.
pub fn pass(report: &Report, unsafe_fixes: bool) -> Pass {
    let mut result = Pass::default();
    let mut by_file: BTreeMap<FileId, Vec<&Fix>> = BTreeMap::new();
    for diagnostic in &report.diagnostics {
        let Some(fix) = &diagnostic.fix else {
            continue;
        };
        if fix.applicability == Applicability::Unsafe && !unsafe_fixes {
            result.unsafe_available += 1;
            continue;
        }
        let Some(first) = fix.edits.first() else {
            continue;
        };
        // A fix is applied to one file at a time; keyless builds no others.
        if fix.edits.iter().any(|e| e.file != first.file) {
            continue;
        }
        by_file.entry(first.file).or_default().push(fix);
    }
    for (file_id, mut fixes) in by_file {
        let file = report.file(file_id);
        fixes.sort_by_key(|fix| {
            let mut edits = fix.edits.clone();
            edits.sort_by_key(|e| e.span);
            edits.first().map(|e| e.span)
        });
        let (mut chosen, deferred) = choose(&fixes);
        result.deferred += deferred;
        let mut after = apply(&file.text, &flatten(&chosen));
        if let Some(error) = parse_error(file, &after) {
            // Keep the fixes that parse on their own, then check them together once more.
            let before = chosen.len();
            chosen.retain(|fix| parse_error(file, &apply(&file.text, &flatten(&[*fix]))).is_none());
            after = apply(&file.text, &flatten(&chosen));
            if parse_error(file, &after).is_some() {
                chosen.clear();
                after = file.text.to_string();
            }
            let dropped = before - chosen.len();
            result.dropped.push(format!(
                "{}: {dropped} fix{} dropped: the result would not parse ({error})",
                file.display_path(),
                if dropped == 1 { "" } else { "es" }
            ));
        }
        if chosen.is_empty() || *after == *file.text {
            continue;
        }
        result.files.push(FileFix {
            path: file.path.clone(),
            has_bom: file.has_bom,
            before: file.text.to_string(),
            after,
            edits: flatten(&chosen),
            applied: chosen.len(),
        });
    }
    result
}

/// The fixes that can be applied together, in order, and how many must wait. A fix whose
/// edits are all already applied (the same insertion asked for by two findings) counts once.
fn choose<'f>(fixes: &[&'f Fix]) -> (Vec<&'f Fix>, usize) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut chosen = Vec::new();
    let mut deferred = 0;
    for fix in fixes {
        if fix.edits.iter().all(|e| taken.contains(&e)) {
            continue;
        }
        let clashes = fix
            .edits
            .iter()
            .any(|e| taken.iter().any(|t| overlaps(t.span, e.span)));
        if clashes {
            deferred += 1;
            continue;
        }
        taken.extend(fix.edits.iter());
        chosen.push(*fix);
    }
    (chosen, deferred)
}

/// Overlapping or touching: two insertions at one place have no defined order.
fn overlaps(a: Span, b: Span) -> bool {
    a.start.max(b.start) <= a.end.min(b.end)
}

fn flatten(fixes: &[&Fix]) -> Vec<Edit> {
    let mut edits: Vec<Edit> = fixes.iter().flat_map(|f| f.edits.clone()).collect();
    edits.sort_by_key(|e| e.span);
    edits.dedup();
    edits
}

/// Applies sorted, non-overlapping edits to a text.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for edit in edits {
        let range = edit.span.range();
        if range.start < at || range.end > text.len() {
            continue;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(&edit.insert);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The first syntax error of `text` read as `file` is, if the original had none there.
fn parse_error(file: &SourceFile, text: &str) -> Option<String> {
    let kind = crate::discover::kind_of(&file.path)
        .unwrap_or_else(|| crate::discover::sniff_kind(&file.text));
    let count = |text: &str| {
        let source = SourceFile::new(file.path.clone(), text.to_owned(), file.has_bom);
        crate::syntax::parse(&source, kind).errors
    };
    let before = count(&file.text).len();
    let errors = count(text);
    (errors.len() > before).then(|| {
        let source = SourceFile::new(file.path.clone(), text.to_owned(), file.has_bom);
        let error = &errors[0];
        let at = source.line_col(error.span.start);
        format!("{}:{}: {}", at.line, at.column, error.message)
    })
}

/// Writes every fixed file atomically; the first failure stops and is returned with its path.
pub fn write(files: &[FileFix]) -> Result<(), (PathBuf, std::io::Error)> {
    for file in files {
        crate::write_atomically(&file.path, &file.bytes()).map_err(|e| (file.path.clone(), e))?;
    }
    Ok(())
}

// ----- showing fixes ------------------------------------------------------------------------

/// A unified diff of a fixed file (`--diff`), three lines of context, built from the edits
/// rather than by comparing texts, so it shows exactly what was changed.
pub fn unified_diff(file: &FileFix) -> String {
    let path = crate::source::display_path(&file.path);
    let old = &file.before;
    let old_lines = line_starts(old);
    // Each edit covers whole lines of the old text: first..=last (0-based).
    let mut hunks: Vec<(usize, usize, Vec<&Edit>)> = Vec::new();
    for edit in &file.edits {
        let first = line_of(&old_lines, edit.span.start as usize);
        let last = line_of(&old_lines, edit.span.end as usize);
        match hunks.last_mut() {
            Some((_, end, edits)) if first <= *end + 6 => {
                *end = (*end).max(last);
                edits.push(edit);
            }
            _ => hunks.push((first, last, vec![edit])),
        }
    }
    let line_text = |i: usize| -> &str {
        let start = old_lines[i];
        let end = old_lines.get(i + 1).copied().unwrap_or(old.len());
        &old[start..end]
    };
    let mut out = format!("--- {path}\n+++ {path}\n");
    let mut shift: isize = 0;
    for (first, last, edits) in hunks {
        let from = first.saturating_sub(3);
        let to = (last + 3).min(old_lines.len() - 1);
        // The changed region's old text and new text, whole lines.
        let region_start = old_lines[first];
        let region_end = old_lines.get(last + 1).copied().unwrap_or(old.len());
        let local: Vec<Edit> = edits
            .iter()
            .map(|e| Edit {
                file: e.file,
                span: Span::new(
                    e.span.start as usize - region_start,
                    e.span.end as usize - region_start,
                ),
                insert: e.insert.clone(),
            })
            .collect();
        let old_region = &old[region_start..region_end];
        let new_region = apply(old_region, &local);
        let removed: Vec<&str> = split_keep(old_region);
        let added: Vec<&str> = split_keep(&new_region);
        let old_count = to - from + 1;
        let new_count = old_count - removed.len() + added.len();
        let new_start = (from as isize + shift) as usize;
        let _ = writeln!(
            out,
            "@@ -{},{old_count} +{},{new_count} @@",
            from + 1,
            new_start + 1
        );
        for i in from..first {
            push_line(&mut out, ' ', line_text(i));
        }
        // Lines an insertion leaves as they were are context, not a removal and an addition.
        let prefix = removed
            .iter()
            .zip(&added)
            .take_while(|(a, b)| a == b)
            .count();
        let suffix = removed[prefix..]
            .iter()
            .rev()
            .zip(added[prefix..].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        for line in &removed[..prefix] {
            push_line(&mut out, ' ', line);
        }
        for line in &removed[prefix..removed.len() - suffix] {
            push_line(&mut out, '-', line);
        }
        for line in &added[prefix..added.len() - suffix] {
            push_line(&mut out, '+', line);
        }
        for line in &removed[removed.len() - suffix..] {
            push_line(&mut out, ' ', line);
        }
        for i in last + 1..=to {
            push_line(&mut out, ' ', line_text(i));
        }
        shift += added.len() as isize - removed.len() as isize;
    }
    out
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    let body = line.strip_suffix('\n').unwrap_or(line);
    let body = body.strip_suffix('\r').unwrap_or(body);
    out.push_str(body);
    out.push('\n');
    if !line.ends_with('\n') {
        out.push_str("\\ No newline at end of file\n");
    }
}

fn split_keep(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    text.split_inclusive('\n').collect()
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    if starts.len() > 1 && *starts.last().unwrap_or(&0) == text.len() {
        starts.pop();
    }
    starts
}

fn line_of(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset).saturating_sub(1)
}

/// A path for messages.
pub fn shown(path: &Path) -> String {
    crate::source::display_path(path)
}

// ----- where a value was written ------------------------------------------------------------

/// Whether `origin` is the whole value of something the user wrote — a resource property, a
/// parameter default or parameter-file value, a variable, a module argument — and not a part
/// of a larger expression (a ternary branch, an argument of a function), so that replacing its
/// literal changes that value only.
pub fn written_whole(graph: &crate::graph::Graph, origin: crate::graph::value::Origin) -> bool {
    use crate::graph::expr::{ArrayItem, Expr, ExprKind, ObjectItem};
    fn within(expr: &Expr, span: Span) -> bool {
        if expr.span == span {
            return matches!(
                expr.kind,
                ExprKind::Null | ExprKind::Bool(_) | ExprKind::Int(_) | ExprKind::String(_)
            );
        }
        if expr.span.start > span.start || expr.span.end < span.end {
            return false;
        }
        match &expr.kind {
            ExprKind::Object(items) => items.iter().any(|item| match item {
                ObjectItem::Property(p) => within(&p.value, span),
                ObjectItem::Spread(_) => false,
            }),
            ExprKind::Array(items) => items.iter().any(|item| match item {
                ArrayItem::Item(e) => within(e, span),
                ArrayItem::Spread(_) => false,
            }),
            ExprKind::For(f) => within(&f.body, span),
            _ => false,
        }
    }
    let span = origin.span;
    graph.templates.iter().any(|template| {
        let decl = &template.decl;
        let in_parameter_file = template.parameters.values().any(|p| {
            p.source == crate::graph::ParamSource::ParameterFile && p.value.origin == origin
        });
        in_parameter_file
            || (template.file == origin.file
                && (decl
                    .parameters
                    .iter()
                    .any(|p| p.default.as_ref().is_some_and(|d| within(d, span)))
                    || decl.variables.iter().any(|v| within(&v.value, span))
                    || decl.modules.iter().any(|m| within(&m.params, span))
                    || decl.resources.iter().any(|r| within(&r.body, span))))
    })
}

/// The edit that replaces the literal at `origin` with `value`, when it is a plain literal
/// written as a whole value (see [`written_whole`]).
pub fn replace_literal(
    graph: &crate::graph::Graph,
    files: &[SourceFile],
    origin: crate::graph::value::Origin,
    value: &Snippet,
) -> Option<Edit> {
    let file = files.get(origin.file.0 as usize)?;
    if !is_plain_literal(file, origin.span) || !written_whole(graph, origin) {
        return None;
    }
    let style = file.style();
    Some(Edit {
        file: origin.file,
        span: origin.span,
        insert: value.render(language_of(file), "", style),
    })
}

/// The edit that sets `path` (`properties.disableLocalAuth`) in an object expression written in
/// `file`: the deepest object of the path that is written as an object literal gets the rest
/// of the path. `None` when a segment on the way is not an object literal (a variable, a
/// function call), or the leaf is already written.
pub fn set_path(
    file_id: FileId,
    file: &SourceFile,
    body: &crate::graph::expr::Expr,
    path: &[&str],
    value: Snippet,
) -> Option<Vec<Edit>> {
    use crate::graph::expr::ExprKind;
    let (first, rest) = path.split_first()?;
    if !matches!(body.kind, ExprKind::Object(_)) {
        return None;
    }
    match body.property(first) {
        Some(inner) if !rest.is_empty() => set_path(file_id, file, inner, rest, value),
        Some(_) => None,
        None => insert_property(
            file_id,
            file,
            body.span,
            first,
            &Snippet::nested(rest, value),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> SourceFile {
        SourceFile::new(name, text.to_owned(), false)
    }

    fn insert(name: &str, text: &str, key: &str, value: Snippet) -> String {
        let f = file(name, text);
        let open = text.find('{').unwrap();
        let close = text.rfind('}').unwrap() + 1;
        let edits = insert_property(FileId(0), &f, Span::new(open, close), key, &value).unwrap();
        apply(text, &edits)
    }

    #[test]
    fn style_detects_crlf_and_indentation() {
        assert_eq!(Style::of("a\r\n    b\r\n        c").newline, "\r\n");
        assert_eq!(Style::of("a\r\n    b\r\n        c").unit, "    ");
        assert_eq!(Style::of("a\n\tb").unit, "\t");
        assert_eq!(Style::of("a").unit, "  ");
    }

    #[test]
    fn inserts_after_the_last_member_keeping_comments() {
        let text = "{\n    a: 1 // one\n    b: '}'\n}";
        assert_eq!(
            insert("x.bicep", text, "c", Snippet::Bool(true)),
            "{\n    a: 1 // one\n    b: '}'\n    c: true\n}"
        );
        let json = "{\n  \"a\": 1, // one\n  \"b\": \"x\" /* two */\n}";
        assert_eq!(
            insert("x.json", json, "c", Snippet::Bool(true)),
            "{\n  \"a\": 1, // one\n  \"b\": \"x\", /* two */\n  \"c\": true\n}"
        );
    }

    #[test]
    fn empty_and_single_line_objects() {
        assert_eq!(
            insert(
                "x.bicep",
                "{}",
                "identity",
                Snippet::nested(&["type"], Snippet::String("SystemAssigned".into()))
            ),
            "{\n  identity: { type: 'SystemAssigned' }\n}"
        );
        assert_eq!(
            insert("x.json", "{ \"a\": 1 }", "b", Snippet::Bool(false)),
            "{ \"a\": 1, \"b\": false }"
        );
    }

    #[test]
    fn crlf_is_kept() {
        let text = "{\r\n  a: 1\r\n}\r\n";
        assert_eq!(
            insert("x.bicep", text, "b", Snippet::Int(2)),
            "{\r\n  a: 1\r\n  b: 2\r\n}\r\n"
        );
    }

    #[test]
    fn plain_literals() {
        let f = file("x.bicep", "a: false b: 'x${y}' c: 'Enabled'");
        assert!(is_plain_literal(&f, Span::new(3, 8)));
        assert!(!is_plain_literal(&f, Span::new(12, 19)));
        assert!(is_plain_literal(&f, Span::new(23, 32)));
        let j = file("x.json", "\"[parameters('a')]\" \"Enabled\"");
        assert!(!is_plain_literal(&j, Span::new(0, 19)));
        assert!(is_plain_literal(&j, Span::new(20, 29)));
    }

    #[test]
    fn overlapping_fixes_wait() {
        let edit = |s, e, t: &str| Edit {
            file: FileId(0),
            span: Span::new(s, e),
            insert: t.into(),
        };
        let fix = |edits| Fix {
            description: String::new(),
            applicability: Applicability::Safe,
            edits,
        };
        let a = fix(vec![edit(1, 3, "x")]);
        let b = fix(vec![edit(2, 4, "y")]);
        let c = fix(vec![edit(1, 3, "x")]);
        let d = fix(vec![edit(6, 6, "z")]);
        let (chosen, deferred) = choose(&[&a, &b, &c, &d]);
        assert_eq!(chosen.len(), 2);
        assert_eq!(deferred, 1);
        assert_eq!(apply("0123456789", &flatten(&chosen)), "0x345z6789");
    }
}
