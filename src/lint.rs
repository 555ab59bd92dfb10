//! One lint run over paths: discover the files, read and parse each, build the resource graph
//! from every template (with its parameter file and the modules it calls), check it, and
//! collect what was found into one sorted report.
//!
//! A *problem* is something that stops a file from being linted at all (it does not exist, it
//! cannot be read); it is printed on stderr and makes the exit status 2. Everything about a
//! file's content, even undecodable bytes, is a diagnostic in the report instead.

use std::fmt;
use std::path::PathBuf;

use crate::catalog::Catalog;
use crate::cli::GraphFormat;
use crate::diagnostic::{Diagnostic, Report};
use crate::discover::{self, Candidate};
use crate::graph::edges::{self, Edge};
use crate::graph::export;
use crate::graph::Graph;
use crate::rules;
use crate::workspace::{Loaded, Workspace};

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

/// What a run is asked to do besides the paths.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--config FILE` (otherwise discovered upward from each file).
    pub config: Option<PathBuf>,
    /// `--select`: only these rules.
    pub select: Vec<String>,
    /// `--ignore`: not these rules.
    pub ignore: Vec<String>,
    /// `--params FILE`: the parameter file for every template of the run.
    pub params: Option<PathBuf>,
}

/// A mistake in how keyless was called (exit 2): an unknown rule id, an unreadable `--params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lints files and folders.
pub fn lint_paths(paths: &[PathBuf], options: &Options) -> Result<Run, UsageError> {
    let levels = RunLevels::new(options)?;
    let (mut workspace, scanned, mut problems) = load(paths);
    if let Some(params) = &options.params {
        workspace
            .set_parameter_override(params)
            .map_err(|err| UsageError(format!("--params: {err}")))?;
    }
    let report = check(workspace, scanned, &levels);
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Run { report, problems })
}

/// The resource graph of files and folders, rendered in `format`.
pub fn graph_text(paths: &[PathBuf], format: GraphFormat) -> (String, Vec<Problem>) {
    let (mut workspace, _, problems) = load(paths);
    let analysis = analyze(&mut workspace);
    let text = match format {
        GraphFormat::Json => {
            let json = export::to_json(&analysis.graph, &analysis.edges, &workspace);
            let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
            text.push('\n');
            text
        }
        GraphFormat::Dot => export::to_dot(&analysis.graph, &analysis.edges),
        GraphFormat::Mermaid => export::to_mermaid(&analysis.graph, &analysis.edges),
    };
    (text, problems)
}

fn load(paths: &[PathBuf]) -> (Workspace, usize, Vec<Problem>) {
    let (candidates, walk_errors) = discover::discover(paths);
    let mut problems: Vec<Problem> = walk_errors
        .into_iter()
        .map(|e| Problem {
            path: e.path,
            message: format!("cannot read: {}", e.message),
        })
        .collect();
    let mut workspace = Workspace::default();
    let mut scanned = 0;
    for candidate in &candidates {
        match workspace.load_candidate(candidate) {
            Ok(Loaded::File(_)) => scanned += 1,
            Ok(Loaded::Skipped) => {}
            Err(problem) => problems.push(problem),
        }
    }
    (workspace, scanned, problems)
}

/// Lints one file already in memory (tests, editors reading stdin).
pub fn lint_text(path: impl Into<PathBuf>, bytes: &[u8]) -> Report {
    let path = path.into();
    let candidate = Candidate {
        kind: discover::kind_of(&path),
        path,
        must_be_template: false,
    };
    let mut workspace = Workspace::default();
    let scanned = match workspace.load_bytes(&candidate, bytes) {
        Loaded::File(_) => 1,
        Loaded::Skipped => 0,
    };
    check(workspace, scanned, &RunLevels::default())
}

/// Rule levels from `--select` and `--ignore`.
#[derive(Debug, Default)]
struct RunLevels {
    select: Vec<String>,
    ignore: Vec<String>,
}

impl RunLevels {
    fn new(options: &Options) -> Result<RunLevels, UsageError> {
        for (flag, ids) in [("--select", &options.select), ("--ignore", &options.ignore)] {
            for id in ids {
                if rules::find(id).is_none() {
                    let message = explain_unknown(id);
                    return Err(UsageError(format!("{flag}: {message}")));
                }
            }
        }
        Ok(RunLevels {
            select: options.select.clone(),
            ignore: options.ignore.clone(),
        })
    }

    fn is_off(&self, rule: &str) -> bool {
        self.ignore.iter().any(|r| r == rule)
            // Syntax errors are shown even when other rules are selected: a file that does not
            // parse was not checked.
            || (!self.select.is_empty()
                && rule != crate::diagnostic::SYNTAX_ERROR
                && rule != crate::suppress::UNUSED_SUPPRESSION
                && !self.select.iter().any(|r| r == rule))
    }
}

impl rules::Levels for RunLevels {
    fn configured(&self, rule: &str) -> Option<crate::config::Level> {
        self.is_off(rule).then_some(crate::config::Level::Off)
    }
}

fn explain_unknown(id: &str) -> String {
    match crate::explain::explain(id) {
        Ok(_) => String::new(),
        Err(message) => message,
    }
}

/// The graph of everything loaded, and the edges derived from it.
pub struct Analysis {
    pub graph: Graph,
    pub edges: Vec<Edge>,
}

/// Builds the graph of every template loaded (files named or found, not the modules they
/// pull in, which are built through their callers).
pub fn analyze(workspace: &mut Workspace) -> Analysis {
    let graph = workspace.build_graph();
    let edges = edges::derive(&graph, crate::catalog::Catalog::builtin());
    Analysis { graph, edges }
}

fn check(mut workspace: Workspace, scanned: usize, levels: &RunLevels) -> Report {
    let analysis = analyze(&mut workspace);
    let cx = rules::Context {
        graph: &analysis.graph,
        edges: &analysis.edges,
        catalog: Catalog::builtin(),
    };
    let mut diagnostics: Vec<Diagnostic> = workspace.take_diagnostics();
    diagnostics.extend(rules::run_all(&cx, levels));
    let (files, trees) = workspace.files_and_trees();
    crate::suppress::apply(&mut diagnostics, files, trees);
    // The pseudo-rules are switched off after the fact.
    diagnostics.retain(|d| !levels.is_off(d.rule));
    diagnostics.sort_by_key(|d| d.file);
    let mut report = Report {
        files_scanned: scanned,
        ..Report::default()
    };
    report.diagnostics = diagnostics;
    report.files = workspace.into_files();
    report.retain_referenced_files();
    report.sort();
    report
}
