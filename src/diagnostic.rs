//! The one diagnostic type every renderer reads, and the one order they are shown in.
//!
//! A *diagnostic* is a finding with its rule id, severity and place: a primary span in one file,
//! optional help, related locations (a module call site, the other end of an assignment) and an
//! optional fix. A *report* is the diagnostics of one run plus the files they point into.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::source::{FileId, LineCol, SourceFile, Span};

/// How loud a diagnostic is. Ordered so that `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The rule id of parse errors (DESIGN.md, rules table).
pub const SYNTAX_ERROR: &str = "syntax-error";

/// The resource a diagnostic is about, as the JSON report shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub type_name: String,
    pub symbol: String,
}

/// A secondary place that explains the primary one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// One text edit: replace the bytes of `span` with `insert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub insert: String,
}

/// Whether `--fix` may apply a fix on its own (ruff's `Applicability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicability {
    Safe,
    Unsafe,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub file: FileId,
    pub span: Span,
    pub resource: Option<ResourceRef>,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// Takes in the same finding found again: its related locations that are new, and its
    /// fix when this one has none.
    fn absorb(&mut self, again: &mut Diagnostic) {
        for related in again.related.drain(..) {
            if !self.related.contains(&related) {
                self.related.push(related);
            }
        }
        if self.fix.is_none() {
            self.fix = again.fix.take();
        }
    }

    pub fn syntax_error(file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule: SYNTAX_ERROR,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            file,
            span,
            resource: None,
            related: Vec::new(),
            fix: None,
        }
    }
}

/// What [`Report::merge`] has merged so far: file identities and diagnostics.
#[derive(Default)]
pub struct Merged {
    files: HashMap<PathBuf, FileId>,
    diagnostics: HashMap<(FileId, Span, &'static str, String), usize>,
}

/// The outcome of one run: what was scanned and what was found.
#[derive(Debug, Default)]
pub struct Report {
    /// Every file a diagnostic points into, indexed by [`FileId`]. Files without findings are not
    /// kept, so memory does not grow with the size of a clean repository.
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
    pub files_scanned: usize,
}

/// A diagnostic position resolved for display.
#[derive(Debug, Clone)]
pub struct Location<'a> {
    pub path: String,
    pub file: &'a SourceFile,
    pub start: LineCol,
    pub end: LineCol,
}

impl Report {
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn location(&self, file: FileId, span: Span) -> Location<'_> {
        let source = self.file(file);
        Location {
            path: source.display_path(),
            file: source,
            start: source.line_col(span.start),
            end: source.line_col(span.end),
        }
    }

    /// Adds another report's files and diagnostics (a unit of the same run). `merged` knows
    /// each file's identity (its canonical path, given by `canonical`) and each diagnostic
    /// merged so far, so a file both reports hold is kept once, and a diagnostic found again
    /// (a module checked on its own and through each of its callers) is kept once, with the
    /// call sites of both as related locations: the same as [`Report::sort`] would make of
    /// them, but without holding every copy until the end of the run.
    pub fn merge(
        &mut self,
        other: Report,
        merged: &mut Merged,
        canonical: impl Fn(&Path) -> PathBuf,
    ) {
        self.files_scanned += other.files_scanned;
        let mut renumber = Vec::with_capacity(other.files.len());
        for file in other.files {
            let id = match merged.files.entry(canonical(&file.path)) {
                Entry::Occupied(entry) => {
                    let id = *entry.get();
                    self.files[id.0 as usize].keep_excerpts_of(&file);
                    id
                }
                Entry::Vacant(entry) => {
                    self.files.push(file);
                    *entry.insert(FileId(self.files.len() as u32 - 1))
                }
            };
            renumber.push(id);
        }
        let map = |id: &mut FileId| *id = renumber[id.0 as usize];
        for mut diagnostic in other.diagnostics {
            map(&mut diagnostic.file);
            diagnostic.related.iter_mut().for_each(|r| map(&mut r.file));
            if let Some(fix) = &mut diagnostic.fix {
                fix.edits.iter_mut().for_each(|e| map(&mut e.file));
            }
            let key = (
                diagnostic.file,
                diagnostic.span,
                diagnostic.rule,
                diagnostic.message.clone(),
            );
            match merged.diagnostics.get(&key) {
                Some(&earlier) => self.diagnostics[earlier].absorb(&mut diagnostic),
                None => {
                    merged.diagnostics.insert(key, self.diagnostics.len());
                    self.diagnostics.push(diagnostic);
                }
            }
        }
    }

    /// Sets aside the text of every file but the lines around what the diagnostics point at
    /// (see [`SourceFile::unload`]) until [`Report::reload_texts`].
    pub fn unload_texts(&mut self) {
        let mut shown = vec![Vec::new(); self.files.len()];
        for diagnostic in &self.diagnostics {
            shown[diagnostic.file.0 as usize].push(diagnostic.span);
            for related in &diagnostic.related {
                shown[related.file.0 as usize].push(related.span);
            }
        }
        for (file, spans) in self.files.iter_mut().zip(shown) {
            file.unload(spans);
        }
    }

    /// Reads back the texts set aside. A file that cannot be read again, or that changed,
    /// loses its diagnostics (their places would be wrong); its path and the reason are
    /// returned.
    pub fn reload_texts(&mut self) -> Vec<(PathBuf, String)> {
        let mut failed = Vec::new();
        let mut lost = vec![false; self.files.len()];
        for (index, file) in self.files.iter_mut().enumerate() {
            if let Err(message) = file.reload() {
                failed.push((file.path.clone(), message));
                lost[index] = true;
            }
        }
        if !failed.is_empty() {
            self.diagnostics.retain(|d| {
                !lost[d.file.0 as usize] && d.related.iter().all(|r| !lost[r.file.0 as usize])
            });
            self.retain_referenced_files();
        }
        failed
    }

    /// Drops the files no diagnostic points into and renumbers the rest, so that a report
    /// over a large clean repository does not hold its text.
    pub fn retain_referenced_files(&mut self) {
        let mut used = vec![false; self.files.len()];
        for diagnostic in &self.diagnostics {
            used[diagnostic.file.0 as usize] = true;
            for related in &diagnostic.related {
                used[related.file.0 as usize] = true;
            }
            for edit in diagnostic.fix.iter().flat_map(|f| &f.edits) {
                used[edit.file.0 as usize] = true;
            }
        }
        let mut renumber = vec![FileId(0); self.files.len()];
        let mut kept = Vec::new();
        for (index, file) in std::mem::take(&mut self.files).into_iter().enumerate() {
            if used[index] {
                renumber[index] = FileId(kept.len() as u32);
                kept.push(file);
            }
        }
        self.files = kept;
        let map = |id: &mut FileId| *id = renumber[id.0 as usize];
        for diagnostic in &mut self.diagnostics {
            map(&mut diagnostic.file);
            diagnostic.related.iter_mut().for_each(|r| map(&mut r.file));
            if let Some(fix) = &mut diagnostic.fix {
                fix.edits.iter_mut().for_each(|e| map(&mut e.file));
            }
        }
    }

    /// Puts diagnostics in the one order every format uses: file, line, column, rule; then
    /// message so that the order is total and output is byte-identical run to run.
    pub fn sort(&mut self) {
        let files = &self.files;
        self.diagnostics.sort_by_cached_key(|d| {
            let file = &files[d.file.0 as usize];
            let start = file.line_col(d.span.start);
            (
                file.display_path(),
                start,
                d.rule,
                d.message.clone(),
                d.span,
            )
        });
        // One cause, one finding: a module checked on its own and through each of its callers
        // finds the same thing at the same place; keep one, with every call site as related.
        self.diagnostics.dedup_by(|later, earlier| {
            let same = later.file == earlier.file
                && later.span == earlier.span
                && later.rule == earlier.rule
                && later.message == earlier.message;
            if same {
                earlier.absorb(later);
            }
            same
        });
    }

    /// The highest severity present, if any diagnostic is.
    pub fn max_severity(&self) -> Option<Severity> {
        self.diagnostics.iter().map(|d| d.severity).max()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// `f` over the findings of `diagnostics` (sorted by file) in runs of whole files, one run per
/// thread, the results in order: a fingerprint counts the findings of its file before it, and
/// the output does not depend on the number of threads.
pub fn map_runs_of_files<R: Send>(
    diagnostics: &[Diagnostic],
    f: impl Fn(&[Diagnostic]) -> R + Sync,
) -> Vec<R> {
    let runs = runs_of_files(diagnostics, crate::lint::threads());
    if runs.len() <= 1 || !grouped_by_file(diagnostics) {
        return vec![f(diagnostics)];
    }
    let f = &f;
    std::thread::scope(|scope| {
        let threads: Vec<_> = runs
            .into_iter()
            .map(|run| scope.spawn(move || f(run)))
            .collect();
        threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Whether each file's findings are next to each other (a sorted report's are).
fn grouped_by_file(diagnostics: &[Diagnostic]) -> bool {
    let mut done = std::collections::HashSet::new();
    diagnostics
        .windows(2)
        .all(|pair| pair[0].file == pair[1].file || done.insert(pair[0].file))
        && diagnostics
            .last()
            .is_none_or(|last| !done.contains(&last.file))
}

/// `diagnostics` (sorted by file) in at most `count` runs of about the same length, each
/// ending where a file's findings end, so that a file's findings are in one run.
fn runs_of_files(diagnostics: &[Diagnostic], count: usize) -> Vec<&[Diagnostic]> {
    let mut runs = Vec::new();
    let mut rest = diagnostics;
    let target = diagnostics.len().div_ceil(count.max(1)).max(1);
    while !rest.is_empty() {
        let mut end = target.min(rest.len());
        while end < rest.len() && rest[end].file == rest[end - 1].file {
            end += 1;
        }
        let (run, after) = rest.split_at(end);
        runs.push(run);
        rest = after;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn in_file(file: u32) -> Diagnostic {
        Diagnostic {
            rule: "local-auth-enabled",
            severity: Severity::Warning,
            message: String::new(),
            help: None,
            file: FileId(file),
            span: Span::at(0),
            resource: None,
            related: Vec::new(),
            fix: None,
        }
    }

    #[test]
    fn runs_cover_every_finding_in_order_and_end_with_a_file() {
        let files = [0, 0, 0, 1, 2, 2, 2, 2, 3];
        let diagnostics: Vec<Diagnostic> = files.iter().map(|&f| in_file(f)).collect();
        for count in 1..=5 {
            let runs = runs_of_files(&diagnostics, count);
            assert!(runs.len() <= count, "{count}: {} runs", runs.len());
            let joined: Vec<u32> = runs
                .iter()
                .flat_map(|r| r.iter().map(|d| d.file.0))
                .collect();
            assert_eq!(joined, files, "{count}");
            for pair in runs.windows(2) {
                let (last, first) = (pair[0].last().unwrap(), pair[1].first().unwrap());
                assert_ne!(last.file, first.file, "{count}: a file split across runs");
            }
        }
        assert!(runs_of_files(&[], 2).is_empty());
        assert!(grouped_by_file(&diagnostics));
        let scattered: Vec<Diagnostic> = [0, 1, 0].iter().map(|&f| in_file(f)).collect();
        assert!(!grouped_by_file(&scattered));
    }
}
