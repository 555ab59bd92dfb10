//! One lint run over paths: discover the files, read and parse each, turn what was found into
//! diagnostics, and collect them into one sorted report.
//!
//! A *problem* is something that stops a file from being linted at all (it does not exist, it
//! cannot be read); it is printed on stderr and makes the exit status 2. Everything about a
//! file's content, even undecodable bytes, is a diagnostic in the report instead.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Report};
use crate::discover::{self, describe_io_error, Candidate};
use crate::source::{FileId, SourceFile, Span, MAX_FILE_BYTES};
use crate::syntax::{self, FileKind, Tree};

/// A path that could not be linted at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The `path:line:col:` prefix lets editors and CI logs link to it like any finding.
        write!(
            f,
            "{}:1:1: error: {}",
            crate::source::display_path(&self.path),
            self.message
        )
    }
}

#[derive(Debug, Default)]
pub struct Run {
    pub report: Report,
    pub problems: Vec<Problem>,
}

/// Lints files and folders.
pub fn lint_paths(paths: &[PathBuf]) -> Run {
    let (candidates, walk_errors) = discover::discover(paths);
    let mut run = Run {
        problems: walk_errors
            .into_iter()
            .map(|e| Problem {
                path: e.path,
                message: format!("cannot read: {}", e.message),
            })
            .collect(),
        ..Run::default()
    };
    for candidate in &candidates {
        match read(candidate) {
            Ok(Some((file, diagnostics))) => run.report.add_file(file, diagnostics),
            Ok(None) => {}
            Err(problem) => run.problems.push(problem),
        }
    }
    run.report.sort();
    run
}

/// Lints one file already in memory (tests, editors reading stdin).
pub fn lint_text(path: impl Into<PathBuf>, bytes: &[u8]) -> Report {
    let path = path.into();
    let candidate = Candidate {
        kind: discover::kind_of(&path),
        path,
        must_be_template: false,
    };
    let mut report = Report::default();
    if let Some((file, diagnostics)) = lint_bytes(&candidate, bytes) {
        report.add_file(file, diagnostics);
    }
    report.sort();
    report
}

fn read(candidate: &Candidate) -> Result<Option<(SourceFile, Vec<Diagnostic>)>, Problem> {
    let problem = |err: std::io::Error| Problem {
        path: candidate.path.clone(),
        message: format!("cannot read file: {}", describe_io_error(&err)),
    };
    let size = std::fs::metadata(&candidate.path).map_err(problem)?.len();
    if size > MAX_FILE_BYTES as u64 {
        if candidate.must_be_template && candidate.kind == Some(FileKind::Json) {
            return Ok(None);
        }
        // Reading only a prefix is enough for SourceFile::decode to refuse it with a diagnostic.
        let bytes = read_prefix(&candidate.path, MAX_FILE_BYTES + 1).map_err(problem)?;
        return Ok(lint_bytes(candidate, &bytes));
    }
    let bytes = std::fs::read(&candidate.path).map_err(problem)?;
    Ok(lint_bytes(candidate, &bytes))
}

fn read_prefix(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(limit);
    std::fs::File::open(path)?
        .take(limit as u64)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Decodes, parses and checks one file. `None` when the file turns out not to be ours (JSON
/// found in a folder that is not a deployment template or parameter file).
fn lint_bytes(candidate: &Candidate, bytes: &[u8]) -> Option<(SourceFile, Vec<Diagnostic>)> {
    let (file, decode_error) = SourceFile::decode(&candidate.path, bytes);
    // Diagnostics get their real FileId when the report takes the file.
    let here = FileId::default();
    if let Some(error) = decode_error {
        if candidate.must_be_template {
            // Undecodable `.json` in a folder is someone else's data file, not a template.
            if candidate.kind == Some(FileKind::Json) {
                return None;
            }
        }
        return Some((file, vec![Diagnostic::syntax_error(here, error.span, error.message)]));
    }
    let kind = candidate
        .kind
        .unwrap_or_else(|| discover::sniff_kind(&file.text));
    if candidate.must_be_template
        && kind == FileKind::Json
        && !discover::may_be_deployment_json(&file.text)
    {
        return None;
    }
    if file.text.trim().is_empty() {
        let what = match kind {
            FileKind::Json => "an ARM template or parameter file",
            FileKind::Bicep | FileKind::BicepParams => "a Bicep file",
        };
        let message = format!("file is empty; expected {what}");
        return Some((file, vec![Diagnostic::syntax_error(here, Span::at(0), message)]));
    }
    let parsed = syntax::parse(&file, kind);
    if candidate.must_be_template && matches!(parsed.tree, Some(Tree::OtherJson(_))) {
        return None;
    }
    let diagnostics = parsed
        .errors
        .into_iter()
        .map(|error| Diagnostic::syntax_error(here, error.span, error.message))
        .collect();
    Some((file, diagnostics))
}
