//! `keyless check --fix / --diff / --unsafe-fixes` over `fixtures/fix/*` (issue 8).
//!
//! Each fixture is copied to a scratch folder and fixed there. The snapshot shows the file
//! before, the `--diff` output, the file after `--fix`, and the summary line; a second `--fix`
//! must change nothing, and the fixed file must parse and have none of the fixed findings left.

use std::path::{Path, PathBuf};

mod common;

use common::Output;

fn keyless(dir: &Path, args: &[&str]) -> Output {
    common::plain(dir, args)
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("fix", name)
}

/// The rules whose findings the fixtures fix.
const FIXED: &str =
    "local-auth-enabled,missing-managed-identity,missing-role-assignment,role-name-mismatch";

fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("fixtures/fix")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Fixes one file in a scratch folder; returns (before, diff, after, --fix stderr).
fn fix_case(test: &str, source: &Path, extra: &[&str]) -> (String, String, String, String) {
    let name = source.file_name().unwrap().to_str().unwrap();
    let dir = scratch(&format!("{test}-{name}"));
    std::fs::copy(source, dir.join(name)).unwrap();
    let before = std::fs::read_to_string(dir.join(name)).unwrap();
    let mut args = vec!["check", name, "--format", "compact", "--select", FIXED];
    args.extend_from_slice(extra);
    let diff = keyless(&dir, &[&args[..], &["--diff"]].concat());
    assert_eq!(
        std::fs::read_to_string(dir.join(name)).unwrap(),
        before,
        "--diff writes nothing"
    );
    let without = keyless(&dir, &args);
    assert_eq!(diff.status, without.status, "--diff exits as without fixes");
    let fixed = keyless(&dir, &[&args[..], &["--fix"]].concat());
    assert_ne!(fixed.status, 2, "{}", fixed.stderr);
    let after = std::fs::read_to_string(dir.join(name)).unwrap();
    // Idempotence: a second run changes nothing.
    let again = keyless(&dir, &[&args[..], &["--fix"]].concat());
    assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), after);
    assert!(
        again.stderr.contains("applied 0 fixes"),
        "second --fix: {}",
        again.stderr
    );
    // The result parses, and what was fixed is gone.
    let check = keyless(
        &dir,
        &["check", name, "--format", "compact", "--fail-on", "never"],
    );
    assert!(!check.stdout.contains("syntax-error"), "{}", check.stdout);
    (before, diff.stdout, after, fixed.stderr)
}

#[test]
fn fixes() {
    for source in fixtures() {
        let name = source.file_name().unwrap().to_str().unwrap().to_owned();
        let extra: &[&str] = if name.contains("mismatch") {
            &["--unsafe-fixes"]
        } else {
            &[]
        };
        let (before, diff, after, stderr) = fix_case("fixes", &source, extra);
        assert_ne!(before, after, "{name}: nothing was fixed");
        let summary: String = stderr
            .lines()
            .filter(|l| l.starts_with("keyless:"))
            .collect::<Vec<_>>()
            .join("\n");
        insta::assert_snapshot!(
            format!("fix__{name}"),
            format!("# before\n{before}\n# diff\n{diff}\n# after\n{after}\n# summary\n{summary}\n")
        );
    }
}

#[test]
fn fixed_findings_are_gone() {
    for source in fixtures() {
        let name = source.file_name().unwrap().to_str().unwrap().to_owned();
        let extra: &[&str] = if name.contains("mismatch") {
            &["--unsafe-fixes"]
        } else {
            &[]
        };
        fix_case("gone", &source, extra);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("fix")
            .join(format!("gone-{name}"));
        let report = keyless(
            &dir,
            &["check", &name, "--format", "json", "--select", FIXED],
        );
        let json: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
        let left: Vec<&serde_json::Value> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| !d["fix"].is_null())
            .collect();
        assert!(left.is_empty(), "{name}: fixable findings left: {left:#?}");
    }
}

#[test]
fn unsafe_fixes_need_the_flag() {
    let source = Path::new("fixtures/fix/role-name-mismatch.bicep");
    let dir = scratch("unsafe-flag");
    std::fs::copy(source, dir.join("main.bicep")).unwrap();
    let out = keyless(
        &dir,
        &[
            "check",
            "main.bicep",
            "--fix",
            "--select",
            "role-name-mismatch",
        ],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("applied 0 fixes in 0 files (1 unsafe fix more with `--unsafe-fixes`)"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("main.bicep")).unwrap(),
        std::fs::read_to_string(source).unwrap()
    );
}

#[test]
fn crlf_and_bom_are_kept() {
    for name in [
        "local-auth-absent.bicep",
        "local-auth-absent.json",
        "identity-then-role.json",
    ] {
        let text = std::fs::read_to_string(Path::new("fixtures/fix").join(name)).unwrap();
        let (_, _, lf_after, _) = fix_case("lf", &Path::new("fixtures/fix").join(name), &[]);
        let dir = scratch(&format!("crlf-{name}"));
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(text.replace('\n', "\r\n").as_bytes());
        std::fs::write(dir.join(name), &bytes).unwrap();
        let out = keyless(&dir, &["check", name, "--fix", "--select", FIXED]);
        assert_ne!(out.status, 2, "{}", out.stderr);
        let after = std::fs::read(dir.join(name)).unwrap();
        assert!(
            after.starts_with(b"\xEF\xBB\xBF"),
            "{name}: the BOM is kept"
        );
        let after = String::from_utf8(after[3..].to_vec()).unwrap();
        assert!(
            !after.replace("\r\n", "").contains('\n'),
            "{name}: every newline is CRLF"
        );
        assert_eq!(after, lf_after.replace('\n', "\r\n"), "{name}");
    }
}

/// The JSON report's edits, applied to the file's bytes, give what `--fix` writes (one pass).
#[test]
fn report_edits_match_what_fix_applies() {
    let name = "local-auth-absent.json";
    let dir = scratch("report-edits");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(&std::fs::read(Path::new("fixtures/fix").join(name)).unwrap());
    std::fs::write(dir.join(name), &bytes).unwrap();
    let report = keyless(
        &dir,
        &[
            "check",
            name,
            "--format",
            "json",
            "--select",
            "local-auth-enabled",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    let mut edits: Vec<(usize, usize, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["fix"]["edits"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
                e["insert"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Two insertions, one of them with a comma after the member before it.
    assert_eq!(edits.len(), 3);
    edits.sort();
    let mut expected = bytes.clone();
    for (start, end, insert) in edits.iter().rev() {
        expected.splice(start..end, insert.bytes());
    }
    let out = keyless(
        &dir,
        &["check", name, "--fix", "--select", "local-auth-enabled"],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(
        String::from_utf8(std::fs::read(dir.join(name)).unwrap()).unwrap(),
        String::from_utf8(expected).unwrap()
    );
}

/// A write that fails (the temporary file cannot be created) leaves the file as it was and
/// exits 2. As root, permissions stop nothing, so the temporary file's name is taken by a
/// folder: the run is in this process, whose id the name carries.
#[test]
fn failed_write_leaves_the_file_intact() {
    use clap::Parser;
    let name = "local-auth-absent.bicep";
    let dir = scratch("failed-write");
    let path = dir.join(name);
    std::fs::copy(Path::new("fixtures/fix").join(name), &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let blocker = dir.join(format!(".{name}.keyless-{}.tmp", std::process::id()));
    std::fs::create_dir_all(blocker.join("x")).unwrap();
    let cli = keyless::cli::Cli::try_parse_from([
        "keyless",
        "check",
        path.to_str().unwrap(),
        "--fix",
        "--format",
        "compact",
    ])
    .unwrap();
    assert_eq!(keyless::run(cli), keyless::Outcome::Error);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn fix_refuses_standard_input() {
    let dir = scratch("stdin");
    let out = keyless(&dir, &["check", "-", "--fix"]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("--fix cannot rewrite standard input"),
        "{}",
        out.stderr
    );
}
