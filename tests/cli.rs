//! The command-line contract (DESIGN.md): exit statuses 0/1/2, discovery, and a clear
//! diagnostic instead of a panic for every kind of bad input.

use std::path::{Path, PathBuf};

mod common;

use common::Output;

fn keyless(args: &[&str]) -> Output {
    common::plain(Path::new("."), args)
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("cli", name)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": []
}
"#;

#[test]
fn clean_template_exits_0() {
    let dir = scratch("clean");
    let path = write(&dir, "azuredeploy.json", TEMPLATE.as_bytes());
    let out = keyless(&["check", &path, "--format", "compact"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "");
}

#[test]
fn syntax_error_exits_1_with_location() {
    let dir = scratch("syntax");
    let path = write(&dir, "broken.json", b"{\n  \"a\": [1, 2\n}\n");
    let out = keyless(&["check", &path, "--format", "compact"]);
    assert_eq!(out.status, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.starts_with(&format!("{path}:3:1: error: ")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.trim_end().ends_with("[syntax-error]"),
        "{}",
        out.stdout
    );
}

#[test]
fn fail_on_never_exits_0_despite_errors() {
    let dir = scratch("fail-on");
    let path = write(&dir, "broken.json", b"{");
    assert_eq!(keyless(&["check", &path, "--fail-on", "never"]).status, 0);
    assert_eq!(keyless(&["check", &path, "--fail-on", "error"]).status, 1);
}

#[test]
fn missing_path_exits_2_with_location() {
    let out = keyless(&["check", "does/not/exist.bicep"]);
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr,
        "does/not/exist.bicep:1:1: error: cannot read: No such file or directory\n"
    );
}

#[test]
fn dangling_symlink_is_an_unreadable_path() {
    let dir = scratch("dangling");
    let link = dir.join("gone.bicep");
    std::os::unix::fs::symlink(dir.join("nowhere.bicep"), &link).unwrap();
    let out = keyless(&["check", link.to_str().unwrap()]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("gone.bicep:1:1: error: cannot read"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let out = keyless(&["check", "--no-such-flag"]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("--no-such-flag"), "{}", out.stderr);
}

#[test]
fn invalid_utf8_is_a_syntax_error_at_the_byte() {
    let dir = scratch("utf8");
    let path = write(&dir, "main.bicep", b"param a string\nvar b = '\xC3\x28'\n");
    let out = keyless(&["check", &path, "--format", "compact"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!("{path}:2:10: error: file is not valid UTF-8 (invalid byte 0xC3) [syntax-error]\n")
    );
}

#[test]
fn binary_file_is_a_syntax_error() {
    let dir = scratch("binary");
    let path = write(&dir, "image.json", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let out = keyless(&["check", &path, "--format", "compact"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains(":1:1: error: file is not valid UTF-8"),
        "{}",
        out.stdout
    );

    let path = write(&dir, "nul.bicep", b"param a string\n\0\0");
    let out = keyless(&["check", &path, "--format", "compact"]);
    assert_eq!(
        out.stdout,
        format!("{path}:2:1: error: file looks binary (it contains a NUL byte), not a template [syntax-error]\n")
    );
}

#[test]
fn empty_json_is_a_syntax_error_and_empty_bicep_an_empty_template() {
    let dir = scratch("empty");
    let json = write(&dir, "azuredeploy.json", b"  \n");
    let out = keyless(&["check", &json, "--format", "compact"]);
    assert_eq!(out.status, 1);
    assert_eq!(
        out.stdout,
        format!("{json}:1:1: error: file is empty; expected an ARM template or parameter file [syntax-error]\n")
    );
    // The Bicep compiler accepts an empty file (its `Empty` baseline compiles to a blank
    // template), and so does keyless.
    let bicep = write(&dir, "main.bicep", b"");
    let out = keyless(&["check", &bicep, "--format", "compact"]);
    assert_eq!((out.status, out.stdout.as_str()), (0, ""), "{}", out.stderr);
}

#[test]
fn huge_file_is_refused_with_a_diagnostic() {
    let dir = scratch("huge");
    let path = dir.join("huge.bicep");
    // A sparse file: 65 MiB of zeros without writing them.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(65 * 1024 * 1024)
        .unwrap();
    let out = keyless(&["check", path.to_str().unwrap(), "--format", "compact"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains(":1:1: error: file is too large to lint"),
        "{}",
        out.stdout
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let dir = scratch("deep");
    let json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let json_path = write(&dir, "deep.json", json.as_bytes());
    let bicep = format!("var x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
    let bicep_path = write(&dir, "deep.bicep", bicep.as_bytes());
    for path in [json_path, bicep_path] {
        let out = keyless(&["check", &path, "--format", "compact"]);
        assert_eq!(out.status, 1, "{path}: {}", out.stderr);
        assert!(out.stdout.contains("nest"), "{path}: {}", out.stdout);
        assert!(out.stdout.contains("[syntax-error]"), "{}", out.stdout);
    }
}

#[test]
fn folders_skip_other_json_and_build_folders() {
    let dir = scratch("discover");
    write(&dir, "package.json", br#"{"name": "x"}"#);
    write(&dir, "bicepconfig.json", br#"{"analyzers": {}}"#);
    write(&dir, "broken-data.json", b"{ not json");
    write(&dir, "node_modules/dep/azuredeploy.json", b"{");
    write(&dir, "bin/azuredeploy.json", b"{");
    write(&dir, "obj/main.bicep", b"\0");
    write(&dir, "infra/azuredeploy.json", TEMPLATE.as_bytes());
    let out = keyless(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["files_scanned"], 1, "{}", out.stdout);
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
}

#[test]
fn named_file_is_linted_whatever_its_extension() {
    let dir = scratch("named");
    let path = write(&dir, "template.txt", b"{\n  \"a\": \n}");
    let out = keyless(&["check", &path, "--format", "compact"]);
    assert_eq!(out.status, 1, "{}", out.stdout);
    assert!(
        out.stdout.starts_with(&format!("{path}:3:1: error:")),
        "{}",
        out.stdout
    );
}

#[test]
fn symlink_loop_does_not_hang() {
    let dir = scratch("loop");
    write(&dir, "a/azuredeploy.json", TEMPLATE.as_bytes());
    std::os::unix::fs::symlink(&dir, dir.join("a/back")).unwrap();
    let out = keyless(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["files_scanned"], 1);
}

#[test]
fn a_template_behind_a_symlinked_folder_is_found() {
    // The walk first goes without following links (no `statx` per entry) and starts over
    // following them at the first symlink: the template must be found either way.
    let dir = scratch("linked");
    write(&dir, "outside/azuredeploy.json", TEMPLATE.as_bytes());
    write(&dir, "root/a.bicep", b"param a string\n");
    std::os::unix::fs::symlink(dir.join("outside"), dir.join("root/linked")).unwrap();
    let root = dir.join("root");
    let out = keyless(&["check", root.to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["files_scanned"], 2, "{}{}", out.stdout, out.stderr);
}

#[test]
fn output_is_sorted_and_independent_of_argument_order() {
    let dir = scratch("order");
    let a = write(&dir, "a.json", b"{");
    let b = write(&dir, "b/c.json", b"[1 2]");
    let first = keyless(&["check", &b, &a, "--format", "compact"]);
    let second = keyless(&["check", &a, &b, "--format", "compact"]);
    assert_eq!(first.stdout, second.stdout);
    let lines: Vec<&str> = first.stdout.lines().collect();
    assert!(
        lines[0].starts_with(&a) && lines[1].starts_with(&b),
        "{}",
        first.stdout
    );
}

#[test]
fn output_file_receives_the_report() {
    let dir = scratch("output");
    let path = write(&dir, "broken.json", b"{");
    let report = dir.join("report.json");
    let out = keyless(&[
        "check",
        &path,
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status, 1);
    assert_eq!(out.stdout, "");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    assert_eq!(written["diagnostics"][0]["rule"], "syntax-error");
}

#[test]
fn unwritable_output_is_exit_2() {
    let dir = scratch("unwritable");
    let path = write(&dir, "azuredeploy.json", TEMPLATE.as_bytes());
    let target = dir.join("missing-folder/report.json");
    let out = keyless(&["check", &path, "--output", target.to_str().unwrap()]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("cannot write the report"),
        "{}",
        out.stderr
    );
}
