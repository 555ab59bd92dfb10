//! keyless lints Azure Bicep and ARM templates for API keys, missing managed identities and
//! wrong role assignments.
//!
//! The pipeline, one module per stage:
//! [`discover`] (which files) → [`syntax`] (text → trees with spans) → graph and rules (to come)
//! → [`diagnostic`] (one sorted report) → [`render`] (one module per `--format`).

pub mod catalog;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod explain;
pub mod graph;
pub mod lint;
pub mod render;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax;
pub mod workspace;

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use cli::{CheckArgs, Cli, Command, FailOn};
use diagnostic::Severity;

/// How a run ended, mapped to the exit status by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above `--fail-on` (exit 0).
    Clean,
    /// Findings at or above `--fail-on` (exit 1).
    Findings,
    /// A usage, configuration or I/O error (exit 2).
    Error,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::Error => 2,
        }
    }
}

pub fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Graph(args) => graph(&args),
        Command::Rules => print(&explain::rules_table()),
        Command::Explain { rule } => match explain::explain(&rule) {
            Ok(doc) => print(doc),
            Err(message) => {
                eprintln!("keyless: {message}");
                Outcome::Error
            }
        },
    }
}

fn print(text: &str) -> Outcome {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Outcome::Clean,
        Err(_) => Outcome::Error,
    }
}

fn graph(args: &cli::GraphArgs) -> Outcome {
    let (text, problems) = lint::graph_text(&args.paths, args.format);
    for problem in &problems {
        eprintln!("{problem}");
    }
    let mut out = io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return Outcome::Error;
    }
    if problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Error
    }
}

fn check(args: &CheckArgs) -> Outcome {
    let options = lint::Options {
        config: args.config.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        params: args.params.clone(),
    };
    let run = match lint::lint_paths(&args.paths, &options) {
        Ok(run) => run,
        Err(err) => {
            eprintln!("keyless: {err}");
            return Outcome::Error;
        }
    };
    for problem in &run.problems {
        eprintln!("{problem}");
    }
    let style = render::Style {
        color: args.output.is_none() && color_wanted(),
    };
    if let Err(err) = write_report(args, style, &run.report) {
        eprintln!("keyless: cannot write the report: {err}");
        return Outcome::Error;
    }
    if !run.problems.is_empty() {
        return Outcome::Error;
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    match (threshold, run.report.max_severity()) {
        (Some(threshold), Some(worst)) if worst >= threshold => Outcome::Findings,
        _ => Outcome::Clean,
    }
}

fn write_report(
    args: &CheckArgs,
    style: render::Style,
    report: &diagnostic::Report,
) -> io::Result<()> {
    match &args.output {
        Some(path) => {
            let mut bytes = Vec::new();
            render::render(report, args.format, style, &mut bytes)?;
            write_atomically(path, &bytes)
        }
        None => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            render::render(report, args.format, style, &mut out)?;
            out.flush()
        }
    }
}

/// Writes through a temporary file in the same folder and renames it over `path`, so a reader
/// never sees half a report and an interrupted run leaves the old file intact.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let temp = folder.join(format!(
        ".{}.keyless-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = std::fs::write(&temp, bytes).and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org).
fn color_wanted() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
