//! Fingerprints, and baselines built from them.
//!
//! A *fingerprint* names one finding in a way that survives edits elsewhere in the file: lines
//! added above it, a resource moved down. It is a hash (64-bit FNV-1a, written as 16 hex digits)
//! of
//! - the rule id,
//! - the file's path relative to the current directory ([`crate::render::repo_path`]),
//! - the text of the flagged span with each run of whitespace collapsed to one space,
//! - the text of the line the span starts on, normalized the same way,
//! - and an *occurrence counter*: how many earlier findings of the report had the same four
//!   keys (0 for the first). Two identical findings on copies of the same line stay distinct.
//!
//! Line and column numbers and the message are left out on purpose: the first change whenever
//! code moves, the second whenever keyless rewords a message. FNV-1a is written out here
//! because `std`'s hashers may change between Rust releases, and a fingerprint must not.
//! SARIF `partialFingerprints`, GitLab's `fingerprint` and baselines all use this one value.
//!
//! A *baseline* (`--write-baseline FILE`) records the findings of today as JSON:
//! `{"version": 1, "entries": [{"rule", "file", "fingerprint"}, …]}`. With `--baseline FILE`
//! a finding is reported only when no entry has its rule, file and fingerprint.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Report};

/// The version `--write-baseline` writes and `--baseline` reads.
pub const VERSION: u32 = 1;

/// The fingerprint of every diagnostic of `report`, in report order.
///
/// A fingerprint counts the findings before it with the same key, and a key names the file:
/// runs of whole files are fingerprinted on every core, each counting on its own.
pub fn fingerprints(report: &Report) -> Vec<String> {
    let runs = crate::diagnostic::map_runs_of_files(&report.diagnostics, |run| {
        fingerprints_of(report, run)
    });
    runs.concat()
}

fn fingerprints_of(report: &Report, run: &[Diagnostic]) -> Vec<String> {
    let mut seen: HashMap<u64, u32> = HashMap::new();
    run.iter()
        .map(|diagnostic| {
            let key = key_hash(report, diagnostic);
            let occurrence = seen.entry(key).or_insert(0);
            let mut hash = Fnv::default();
            hash.write(&key.to_le_bytes());
            hash.write(&occurrence.to_le_bytes());
            *occurrence += 1;
            format!("{:016x}", hash.0)
        })
        .collect()
}

/// Hashes the rule, the path, the span's text and its line. A finding whose lines were not
/// kept (its file changed while keyless read it) keeps its rule and path only.
fn key_hash(report: &Report, diagnostic: &Diagnostic) -> u64 {
    let file = report.file(diagnostic.file);
    let excerpt = file.excerpt(diagnostic.span);
    let span_text = excerpt.map_or("", |e| e.slice(diagnostic.span));
    let line = excerpt.map_or("", |e| e.line_at(diagnostic.span.start as usize));
    let mut hash = Fnv::default();
    for part in [
        diagnostic.rule,
        &crate::render::repo_path(file),
        &normalize(span_text),
        &normalize(line),
    ] {
        hash.write(part.as_bytes());
        // A separator that cannot occur in text keeps ("ab", "c") apart from ("a", "bc").
        hash.write(&[0xFF]);
    }
    hash.0
}

/// Collapses every run of whitespace (indentation, `\r\n`) to one space and trims the ends.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 64-bit FNV-1a (<http://www.isthe.com/chongo/tech/comp/fnv/>).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub file: String,
    pub fingerprint: String,
}

/// Why a baseline file cannot be used (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineError(pub String);

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Baseline {
    /// Every finding of `report`, in report order.
    pub fn of(report: &Report) -> Baseline {
        let entries = report
            .diagnostics
            .iter()
            .zip(fingerprints(report))
            .map(|(diagnostic, fingerprint)| Entry {
                rule: diagnostic.rule.to_owned(),
                file: crate::render::repo_path(report.file(diagnostic.file)),
                fingerprint,
            })
            .collect();
        Baseline {
            version: VERSION,
            entries,
        }
    }

    /// The file's bytes: pretty JSON with a final newline, so it diffs well in review.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = crate::source::display_path(path);
        let text = std::fs::read_to_string(path)
            .map_err(|err| BaselineError(format!("--baseline {shown}: cannot read: {err}")))?;
        Baseline::parse(&text).map_err(|message| {
            BaselineError(format!(
                "--baseline {shown}: not a keyless baseline: {message}"
            ))
        })
    }

    pub fn parse(text: &str) -> Result<Baseline, String> {
        // The version is checked first, so that a baseline from a later keyless says so
        // instead of naming whichever field changed.
        let version = serde_json::from_str::<serde_json::Value>(text)
            .map_err(|err| err.to_string())?
            .get("version")
            .and_then(serde_json::Value::as_u64);
        match version {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "version {v} is not supported (this keyless reads version {VERSION})"
                ))
            }
            None => return Err("`version` is missing or not a number".into()),
        }
        serde_json::from_str(text).map_err(|err| err.to_string())
    }

    /// Drops the findings this baseline records from `report`; returns how many it dropped.
    pub fn filter(&self, report: &mut Report) -> usize {
        let known: HashSet<&Entry> = self.entries.iter().collect();
        let keep: Vec<bool> = Baseline::of(report)
            .entries
            .iter()
            .map(|entry| !known.contains(entry))
            .collect();
        let before = report.diagnostics.len();
        let mut keep = keep.into_iter();
        report.diagnostics.retain(|_| keep.next().unwrap_or(true));
        before - report.diagnostics.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::source::{FileId, SourceFile, Span};

    fn report(text: &str, spans: &[(usize, usize)]) -> Report {
        let file = SourceFile::new("infra/main.bicep", text.to_owned(), false);
        let diagnostics = spans
            .iter()
            .map(|&(start, end)| Diagnostic {
                rule: "local-auth-enabled",
                severity: Severity::Error,
                message: "m".into(),
                help: None,
                file: FileId(0),
                span: Span::new(start, end),
                resource: None,
                related: Vec::new(),
                fix: None,
            })
            .collect();
        Report {
            files: vec![file],
            diagnostics,
            files_scanned: 1,
        }
    }

    #[test]
    fn fingerprints_survive_line_shifts_and_reindentation() {
        let before = report("resource a 'x' = {\n}\n", &[(9, 10)]);
        let after = report("// new\n\n  resource   a 'x' = {\n}\n", &[(21, 22)]);
        assert_eq!(fingerprints(&before), fingerprints(&after));
    }

    #[test]
    fn equal_findings_are_told_apart_by_occurrence() {
        let twice = report("a\na\n", &[(0, 1), (2, 3)]);
        let prints = fingerprints(&twice);
        assert_ne!(prints[0], prints[1]);
    }

    #[test]
    fn fingerprint_is_pinned() {
        // A change here invalidates every baseline and every code-scanning alert: bump the
        // baseline version and say so in the changelog if it is on purpose.
        let one = report("resource a 'x' = {\n}\n", &[(9, 10)]);
        assert_eq!(fingerprints(&one), ["b7032688a53b76a0"]);
    }

    #[test]
    fn bad_baselines_say_what_is_wrong() {
        assert!(Baseline::parse("{").unwrap_err().contains("EOF"));
        assert_eq!(
            Baseline::parse(r#"{"version": 2, "entries": []}"#).unwrap_err(),
            "version 2 is not supported (this keyless reads version 1)"
        );
        assert!(Baseline::parse(r#"{"version": 1}"#)
            .unwrap_err()
            .contains("missing field `entries`"));
    }
}
