//! Conformance run over real templates: reads every `.bicep`, `.bicepparam` and `.json`/`.jsonc`
//! under the given folders as keyless does (JSON counts only when its `$schema` names a
//! deployment template or parameter file), parses each once, and prints files, syntax errors,
//! expressions, expression errors and throughput, per kind. The first errors are listed with
//! `path:line:col`. Used by `scripts/conformance.sh`; never run in CI (the corpora are local).

use std::path::PathBuf;
use std::time::Instant;

use keyless::discover::{discover, Candidate};
use keyless::source::SourceFile;
use keyless::syntax::{self, FileKind, SyntaxErrorKind, Tree};

#[derive(Default)]
struct Counts {
    files: usize,
    bytes: usize,
    errors: usize,
    files_with_errors: usize,
    expressions: usize,
    expression_errors: usize,
}

const SHOWN: usize = 25;

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: conformance DIR...");
        std::process::exit(2);
    }
    let (candidates, _) = discover(&paths);
    // Read everything first so the timing below is parsing alone.
    let inputs: Vec<(Candidate, Vec<u8>)> = candidates
        .into_iter()
        .filter_map(|c| std::fs::read(&c.path).ok().map(|bytes| (c, bytes)))
        .collect();
    let mut counts: [Counts; 4] = Default::default();
    let names = ["bicep", "bicepparam", "arm template", "arm parameters"];
    let mut shown = Vec::new();
    let start = Instant::now();
    for (candidate, bytes) in &inputs {
        let (file, decode_error) = SourceFile::decode(&candidate.path, bytes);
        let kind = candidate.kind.unwrap_or(FileKind::Json);
        if decode_error.is_some() && kind == FileKind::Json {
            continue;
        }
        let parsed = syntax::parse(&file, kind);
        let (slot, expressions) = match &parsed.tree {
            Some(Tree::Bicep(program)) => (usize::from(program.is_params), 0),
            Some(Tree::ArmTemplate(template)) => (2, template.expression_count()),
            Some(Tree::ArmParameters(params)) => (3, params.expression_count()),
            // What the workspace keeps of a lowered file; `syntax::parse` never gives it.
            Some(Tree::ArmTemplateComments(_)) => (2, 0),
            Some(Tree::BicepLowered(summary)) => (usize::from(summary.is_params), 0),
            // Other JSON, and JSON too broken to classify, count only when it claims a schema.
            _ if kind == FileKind::Json
                && !keyless::discover::may_be_deployment_json(&file.text) =>
            {
                continue
            }
            Some(Tree::OtherJson(_)) => continue,
            None if kind == FileKind::Json => (2, 0),
            None => (usize::from(kind == FileKind::BicepParams), 0),
        };
        let c = &mut counts[slot];
        c.files += 1;
        c.bytes += bytes.len();
        c.expressions += expressions;
        c.errors += parsed.errors.len();
        c.files_with_errors += usize::from(!parsed.errors.is_empty());
        c.expression_errors += parsed
            .errors
            .iter()
            .filter(|e| e.kind == SyntaxErrorKind::ArmExpression)
            .count();
        for error in &parsed.errors {
            if shown.len() < SHOWN {
                let at = file.line_col(error.span.start);
                shown.push(format!(
                    "{}:{}:{}: {}",
                    file.display_path(),
                    at.line,
                    at.column,
                    error.message
                ));
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    // The same parse on every core, as `keyless check` runs it.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let parallel_start = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((candidate, bytes)) = inputs.get(index) else {
                    break;
                };
                let (file, _) = SourceFile::decode(&candidate.path, bytes);
                let _ = syntax::parse(&file, candidate.kind.unwrap_or(FileKind::Json));
            });
        }
    });
    let parallel = parallel_start.elapsed().as_secs_f64();
    let total_bytes: usize = counts.iter().map(|c| c.bytes).sum();
    println!(
        "{:<15} {:>7} {:>9} {:>8} {:>12} {:>11} {:>10}",
        "kind", "files", "MB", "errors", "expressions", "expr errors", "bad files"
    );
    for (name, c) in names.iter().zip(&counts) {
        println!(
            "{:<15} {:>7} {:>9.1} {:>8} {:>12} {:>11} {:>10}",
            name,
            c.files,
            c.bytes as f64 / 1e6,
            c.errors,
            c.expressions,
            c.expression_errors,
            c.files_with_errors
        );
    }
    println!(
        "parsed {:.1} MB in {:.3} s on one thread: {:.0} MB/s",
        total_bytes as f64 / 1e6,
        elapsed,
        total_bytes as f64 / 1e6 / elapsed.max(1e-9)
    );
    println!(
        "parsed {:.1} MB in {:.3} s on {threads} threads: {:.0} MB/s",
        total_bytes as f64 / 1e6,
        parallel,
        total_bytes as f64 / 1e6 / parallel.max(1e-9)
    );
    for line in &shown {
        println!("  {line}");
    }
}
