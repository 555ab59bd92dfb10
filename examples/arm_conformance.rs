//! Reads every `*.json` under the given folders (or `$KEYLESS_CORPUS`) as keyless does, and
//! counts files, syntax errors and expressions: the ARM front end's conformance run.
//!
//! ```text
//! cargo run --release --example arm_conformance -- /work/corpus/quickstarts /work/corpus/avm
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use keyless::source::SourceFile;
use keyless::syntax::{arm, json, JsonSchema, SyntaxError, SyntaxErrorKind};

#[derive(Default)]
struct Counts {
    files: usize,
    templates: usize,
    parameter_files: usize,
    other: usize,
    json_errors: usize,
    expression_errors: usize,
    shape_errors: usize,
    expressions: usize,
    failures: Vec<String>,
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn check(files: &[SourceFile]) -> Counts {
    let mut c = Counts::default();
    for file in files {
        c.files += 1;
        let (doc, mut errors) = json::parse_document(&file.text);
        let mut relevant = true;
        if let Some(doc) = doc {
            match JsonSchema::of_document(&doc.root) {
                JsonSchema::DeploymentTemplate => {
                    c.templates += 1;
                    let t = arm::Template::from_document(&file.text, doc, &mut errors);
                    c.expressions += t.expression_count();
                }
                JsonSchema::DeploymentParameters => {
                    c.parameter_files += 1;
                    let p = arm::ParameterFile::from_document(&file.text, doc, &mut errors);
                    c.expressions += p.expression_count();
                }
                JsonSchema::Other => {
                    c.other += 1;
                    relevant = false;
                }
            }
        } else {
            // Unreadable: count it by a textual look at `$schema`.
            let lower = file.text.to_ascii_lowercase();
            relevant = lower.contains("deploymenttemplate.json")
                || lower.contains("deploymentparameters.json");
            c.other += usize::from(!relevant);
        }
        if !relevant {
            continue;
        }
        for e in &errors {
            match e.kind {
                SyntaxErrorKind::ArmExpression => c.expression_errors += 1,
                SyntaxErrorKind::ArmTemplate => c.shape_errors += 1,
                _ => c.json_errors += 1,
            }
            c.failures.push(describe(file, e));
        }
    }
    c
}

fn describe(file: &SourceFile, e: &SyntaxError) -> String {
    let lc = file.line_col(e.span.start);
    format!(
        "{}:{}:{}: {:?}: {}",
        file.display_path(),
        lc.line,
        lc.column,
        e.kind,
        e.message
    )
}

pub fn main() {
    let mut roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        roots = std::env::var_os("KEYLESS_CORPUS")
            .map(|v| std::env::split_paths(&v).collect())
            .unwrap_or_default();
    }
    let mut paths = Vec::new();
    for root in &roots {
        collect(root, &mut paths);
    }
    let files: Vec<SourceFile> = paths
        .iter()
        .filter_map(|p| Some(SourceFile::decode(p, &std::fs::read(p).ok()?).0))
        .collect();
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    let mb = bytes as f64 / 1e6;

    // JSON layer alone, one thread.
    let start = Instant::now();
    for f in &files {
        std::hint::black_box(json::parse_document(&f.text));
    }
    let json_secs = start.elapsed().as_secs_f64();

    // Everything (JSON, expressions, model), one thread, then two.
    let start = Instant::now();
    let counts = check(&files);
    let one_secs = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let half = files.len() / 2;
    std::thread::scope(|s| {
        let a = s.spawn(|| check(&files[..half]));
        let b = check(&files[half..]);
        let a = a.join().map_or(0, |c| c.files);
        std::hint::black_box((a, b.files));
    });
    let two_secs = start.elapsed().as_secs_f64();

    for failure in counts.failures.iter().take(200) {
        println!("{failure}");
    }
    println!("files:             {}", counts.files);
    println!("templates:         {}", counts.templates);
    println!("parameter files:   {}", counts.parameter_files);
    println!("other JSON:        {}", counts.other);
    println!("syntax errors:     {}", counts.json_errors);
    println!("shape errors:      {}", counts.shape_errors);
    println!("expressions:       {}", counts.expressions);
    println!("expression errors: {}", counts.expression_errors);
    println!("size:              {mb:.1} MB");
    println!(
        "JSON layer:        {:.3} s, {:.0} MB/s (1 thread)",
        json_secs,
        mb / json_secs
    );
    println!(
        "full front end:    {:.3} s, {:.0} MB/s (1 thread); {:.3} s (2 threads)",
        one_secs,
        mb / one_secs,
        two_secs
    );
}
