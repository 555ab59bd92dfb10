//! One test over every rule fixture (`fixtures/<rule-id>/…`): biome's `gen_tests!`, clippy's
//! `tests/ui`, actionlint's testdata loop.
//!
//! - A fixture is a file (`openai-missing.bicep`) or a folder (`key-via-module/`, linted as a
//!   whole: its `main.bicep`/`azuredeploy.json` and the modules they call).
//! - Inline claims: a line ending in `// expect: <rule>` must get exactly one finding of that
//!   rule starting on it (on the line the comment is on, in whichever file); `// expect: none`
//!   anywhere means the fixture must give no finding. Claims are checked exactly, so a wrongly
//!   accepted snapshot still fails.
//! - The snapshot is the human rendering, what a user sees.
//! - Twins: `x.bicep` and `x.json` side by side must give the same findings (rule and
//!   severity, as many of each).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keyless::diagnostic::Report;

/// Folders of `fixtures/` that hold front-end and config cases, not rule cases.
const NOT_RULES: &[&str] = &["syntax", "config", "graph", "formats", "docs", "fix"];

fn rule_folders() -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .expect("fixtures/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .filter(|path| !NOT_RULES.contains(&path.file_name().unwrap().to_str().unwrap()))
        .collect();
    folders.sort();
    folders
}

fn cases(folder: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.is_dir()
                || matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("bicep" | "bicepparam" | "json")
                )
        })
        .filter(|path| !path.to_string_lossy().ends_with(".parameters.json"))
        .collect();
    cases.sort();
    cases
}

/// The report of one fixture, keeping only the rule under test (and syntax errors, which a
/// fixture must never have).
fn lint(case: &Path, rule: &str) -> Report {
    let mut run = keyless::lint::lint_paths(&[case.to_path_buf()], &Default::default())
        .expect("default options are valid");
    assert!(
        run.problems.is_empty(),
        "{}: {:?}",
        case.display(),
        run.problems
    );
    let syntax: Vec<String> = run
        .report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "syntax-error")
        .map(|d| {
            let at = run.report.location(d.file, d.span);
            format!(
                "{}:{}:{}: {}",
                at.path, at.start.line, at.start.column, d.message
            )
        })
        .collect();
    assert!(syntax.is_empty(), "fixtures must parse: {syntax:#?}");
    run.report.diagnostics.retain(|d| d.rule == rule);
    run.report
}

/// `(path, line)` of every `// expect: <rule>` claim in the files of a case.
fn claims(case: &Path, rule: &str) -> (Vec<(String, u32)>, bool) {
    let files: Vec<PathBuf> = if case.is_dir() {
        let mut files: Vec<PathBuf> = walk(case);
        files.sort();
        files
    } else {
        vec![case.to_path_buf()]
    };
    let mut claims = Vec::new();
    let mut none = false;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (index, line) in text.lines().enumerate() {
            let Some((_, claim)) = line.split_once("// expect:") else {
                continue;
            };
            for word in claim.split([',', ' ']).filter(|w| !w.is_empty()) {
                if word == "none" {
                    none = true;
                } else if word == rule {
                    let path = keyless::source::display_path(&file);
                    claims.push((path, index as u32 + 1));
                } else {
                    assert!(
                        keyless::rules::find(word).is_some(),
                        "{}:{}: `// expect: {word}` names no rule",
                        file.display(),
                        index + 1
                    );
                }
            }
        }
    }
    claims.sort();
    (claims, none)
}

fn walk(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn found(report: &Report) -> Vec<(String, u32)> {
    let mut found: Vec<(String, u32)> = report
        .diagnostics
        .iter()
        .map(|d| {
            let at = report.location(d.file, d.span);
            (at.path, at.start.line)
        })
        .collect();
    found.sort();
    found
}

#[test]
fn rules() {
    let mut failures = Vec::new();
    let mut twins: BTreeMap<PathBuf, Vec<(&'static str, String)>> = BTreeMap::new();
    for folder in rule_folders() {
        let rule = folder.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            keyless::rules::find(&rule).is_some(),
            "fixtures/{rule}/ names no rule"
        );
        for case in cases(&folder) {
            let report = lint(&case, &rule);
            let (claimed, none) = claims(&case, &rule);
            let found = found(&report);
            if none && !found.is_empty() {
                failures.push(format!(
                    "{}: `// expect: none` but found {found:?}",
                    case.display()
                ));
            } else if !none && claimed.is_empty() {
                failures.push(format!("{}: states no `// expect:` claim", case.display()));
            } else if claimed != found {
                failures.push(format!(
                    "{}: claimed {claimed:?}, found {found:?}",
                    case.display()
                ));
            }
            let name = case
                .strip_prefix("fixtures")
                .unwrap()
                .to_string_lossy()
                .replace('/', "__");
            insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!("rules", keyless::render::human_plain(&report));
            });
            if !case.is_dir() {
                let key = case.with_extension("");
                let mut summary: Vec<(&'static str, String)> = report
                    .diagnostics
                    .iter()
                    .map(|d| (d.rule, d.severity.as_str().to_owned()))
                    .collect();
                summary.sort();
                if let Some(twin) = twins.get(&key) {
                    if twin != &summary {
                        failures.push(format!(
                            "{}: Bicep and ARM twins disagree: {twin:?} vs {summary:?}",
                            key.display()
                        ));
                    }
                } else {
                    twins.insert(key, summary);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
