//! keyless lints Azure Bicep and ARM templates for API keys, missing managed identities and
//! wrong role assignments.
//!
//! The pipeline, one module per stage:
//! [`discover`] (which files) → [`syntax`] (text → trees with spans) → graph and rules (to come)
//! → [`diagnostic`] (one sorted report) → [`render`] (one module per `--format`).

pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod explain;
pub mod fast_hash;
pub mod fix;
pub mod generate;
pub mod graph;
pub mod lint;
pub mod paths;
pub mod render;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod sync;
pub mod syntax;
pub mod workspace;

use std::io::{self, IsTerminal, Read, Write};
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
        Command::Generate(cli::GenerateCommand::RoleAssignment(args)) => {
            match generate::run(&args) {
                Ok((text, notes)) => {
                    for note in notes {
                        eprintln!("keyless: {note}");
                    }
                    print(&text)
                }
                Err(err) => {
                    eprintln!("keyless: {err}");
                    Outcome::Error
                }
            }
        }
        Command::Rules => print(&explain::rules_table()),
        Command::Roles { query } => print(&catalog::roles::render_query(query.as_deref())),
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
        texts_on_demand: reads_texts_on_demand(args),
    };
    let run = match lint_input(args, &options) {
        Ok(run) => run,
        Err(err) => {
            eprintln!("{err}");
            return Outcome::Error;
        }
    };
    if args.diff {
        return show_fixes(args, run);
    }
    let run = if args.fix {
        match apply_fixes(args, &options, run) {
            Ok(run) => run,
            Err(outcome) => return outcome,
        }
    } else {
        run
    };
    for problem in &run.problems {
        eprintln!("{problem}");
    }
    let mut report = run.report;
    if let Some(path) = &args.write_baseline {
        // A baseline missing the findings of an unreadable file would hide them later.
        if !run.problems.is_empty() {
            eprintln!("keyless: the baseline was not written: some paths could not be read");
            return Outcome::Error;
        }
        let baseline = baseline::Baseline::of(&report);
        if let Err(err) = write_atomically(path, baseline.to_json().as_bytes()) {
            eprintln!(
                "keyless: cannot write the baseline {}: {err}",
                source::display_path(path)
            );
            return Outcome::Error;
        }
        eprintln!(
            "keyless: recorded {} findings in {}",
            baseline.entries.len(),
            source::display_path(path)
        );
        return Outcome::Clean;
    }
    if let Some(path) = &args.baseline {
        match baseline::Baseline::read(path) {
            Ok(baseline) => {
                baseline.filter(&mut report);
            }
            Err(err) => {
                eprintln!("keyless: {err}");
                return Outcome::Error;
            }
        }
    }
    let style = render::Style {
        color: args.output.is_none() && color_wanted(),
    };
    if let Err(err) = write_report(args, style, &report) {
        eprintln!("keyless: cannot write the report: {err}");
        return Outcome::Error;
    }
    if args.format == cli::Format::Github {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let summary = render::github::step_summary(&report);
            if let Err(err) = append(Path::new(&path), &summary) {
                eprintln!("keyless: cannot write the step summary: {err}");
                return Outcome::Error;
            }
        }
    }
    if !run.problems.is_empty() {
        return Outcome::Error;
    }
    findings_outcome(args, &report)
}

/// Exit 1 when a finding is at or above `--fail-on`.
fn findings_outcome(args: &CheckArgs, report: &diagnostic::Report) -> Outcome {
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    match (threshold, report.max_severity()) {
        (Some(threshold), Some(worst)) if worst >= threshold => Outcome::Findings,
        _ => Outcome::Clean,
    }
}

/// `--diff`: the fixes of the report as a unified diff on stdout, nothing written. The exit
/// status is the report's, as without `--diff`.
fn show_fixes(args: &CheckArgs, run: lint::Run) -> Outcome {
    for problem in &run.problems {
        eprintln!("{problem}");
    }
    let pass = fix::pass(&run.report, args.unsafe_fixes);
    for dropped in &pass.dropped {
        eprintln!("keyless: {dropped}");
    }
    let diff: String = pass.files.iter().map(fix::unified_diff).collect();
    if !print(&diff).eq(&Outcome::Clean) {
        return Outcome::Error;
    }
    eprintln!(
        "keyless: {} would be applied to {}{}",
        count(pass.applied(), "fix", "fixes"),
        count(pass.files.len(), "file", "files"),
        unsafe_note(pass.unsafe_available)
    );
    if !run.problems.is_empty() {
        return Outcome::Error;
    }
    findings_outcome(args, &run.report)
}

/// `--fix`: applies the fixes, re-lints, and again while fixes are left (up to
/// [`fix::MAX_PASSES`]); returns the last run, whose report shows what is left.
fn apply_fixes(
    args: &CheckArgs,
    options: &lint::Options,
    mut run: lint::Run,
) -> Result<lint::Run, Outcome> {
    if args.paths.iter().any(|p| p == Path::new("-")) {
        eprintln!("keyless: --fix cannot rewrite standard input; use --diff");
        return Err(Outcome::Error);
    }
    let mut applied = 0;
    let mut files = std::collections::BTreeSet::new();
    let mut dropped: Vec<String> = Vec::new();
    let mut left = 0;
    let mut unsafe_available = 0;
    for round in 0..=fix::MAX_PASSES {
        let pass = fix::pass(&run.report, args.unsafe_fixes);
        unsafe_available = pass.unsafe_available;
        for message in &pass.dropped {
            if !dropped.contains(message) {
                dropped.push(message.clone());
            }
        }
        if pass.files.is_empty() {
            break;
        }
        if round == fix::MAX_PASSES {
            left = pass.applied();
            break;
        }
        if let Err((path, err)) = fix::write(&pass.files) {
            eprintln!(
                "keyless: cannot write {}: {err}; it is unchanged",
                source::display_path(&path)
            );
            return Err(Outcome::Error);
        }
        applied += pass.applied();
        files.extend(pass.files.iter().map(|f| f.path.clone()));
        run = match lint_input(args, options) {
            Ok(run) => run,
            Err(err) => {
                eprintln!("keyless: {err}");
                return Err(Outcome::Error);
            }
        };
    }
    for message in &dropped {
        eprintln!("keyless: {message}");
    }
    let mut summary = format!(
        "keyless: applied {} in {}",
        count(applied, "fix", "fixes"),
        count(files.len(), "file", "files")
    );
    if left > 0 {
        summary += &format!(
            "; {} left after {} passes",
            count(left, "fix", "fixes"),
            fix::MAX_PASSES
        );
    }
    eprintln!("{summary}{}", unsafe_note(unsafe_available));
    Ok(run)
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn unsafe_note(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(
            " ({} more with `--unsafe-fixes`)",
            count(n, "unsafe fix", "unsafe fixes")
        )
    }
}

/// Whether the output of `check` only shows the report: its renderers need only the lines
/// around each finding (source snippets, fingerprints), while fixes need every text in memory.
fn reads_texts_on_demand(args: &CheckArgs) -> bool {
    !args.fix && !args.diff
}

/// Lints the paths, or standard input when the only path is `-`.
fn lint_input(args: &CheckArgs, options: &lint::Options) -> Result<lint::Run, lint::UsageError> {
    let stdin = Path::new("-");
    let reads_stdin = args.paths.iter().any(|p| p == stdin);
    if !reads_stdin {
        if args.stdin_filename.is_some() {
            return Err(lint::UsageError(
                "--stdin-filename applies only when the path is `-` (standard input)".into(),
            ));
        }
        return lint::lint_paths(&args.paths, options);
    }
    if args.paths.len() > 1 {
        return Err(lint::UsageError(
            "`-` (standard input) cannot be combined with other paths".into(),
        ));
    }
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|err| lint::UsageError(format!("cannot read standard input: {err}")))?;
    let name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| "<stdin>".into());
    lint::lint_stdin(name, &bytes, options)
}

/// Appends to a file the host reads after the step (`GITHUB_STEP_SUMMARY`).
fn append(path: &Path, text: &str) -> io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
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
