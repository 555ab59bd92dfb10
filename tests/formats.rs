//! Every `--format`, rendered from one multi-rule fixture (`fixtures/formats/`), each pinned by
//! a snapshot (actionlint `testdata/format`, ruff `render/*.rs`); SARIF read back through a
//! typed model; and the command-line side of formats: stdin, baselines, colour, the GitHub
//! step summary.
//!
//! The fixture gives `local-auth-enabled` (an error and a warning), `missing-managed-identity`
//! and `key-in-config`, whose key lands in a module (a related location in another file). Only
//! those rules run, so a new rule does not change these snapshots.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::ValueEnum;
use keyless::cli::Format;
use keyless::diagnostic::Report;
use keyless::lint::{self, Options};
use keyless::render::{self, Style};

const FIXTURE: &str = "fixtures/formats";
const RULES: &[&str] = &[
    "key-in-config",
    "local-auth-enabled",
    "missing-managed-identity",
];

fn options() -> Options {
    Options {
        select: RULES.iter().map(|r| r.to_string()).collect(),
        ..Options::default()
    }
}

fn report() -> Report {
    let run = lint::lint_paths(&[PathBuf::from(FIXTURE)], &options()).unwrap();
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    run.report
}

fn rendered(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    render::render(report, format, Style::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn human() {
    insta::assert_snapshot!(rendered(&report(), Format::Human));
}

#[test]
fn compact() {
    insta::assert_snapshot!(rendered(&report(), Format::Compact));
}

#[test]
fn json() {
    insta::assert_snapshot!(rendered(&report(), Format::Json));
}

#[test]
fn github() {
    insta::assert_snapshot!(rendered(&report(), Format::Github));
}

#[test]
fn azure_devops() {
    insta::assert_snapshot!(rendered(&report(), Format::AzureDevops));
}

#[test]
fn gitlab() {
    insta::assert_snapshot!(rendered(&report(), Format::Gitlab));
}

#[test]
fn github_step_summary() {
    insta::assert_snapshot!(render::github::step_summary(&report()));
}

/// The SARIF snapshot, with each rule's documentation cut to its first line: the docs have
/// snapshots of their own, and this one should change only when the format does.
#[test]
fn sarif() {
    let text = rendered(&report(), Format::Sarif);
    let mut sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        for field in ["text", "markdown"] {
            let first = rule["help"][field]
                .as_str()
                .unwrap()
                .lines()
                .next()
                .unwrap();
            rule["help"][field] = format!("{first} …").into();
        }
        rule["fullDescription"]["text"] = "…".into();
    }
    insta::assert_snapshot!(serde_json::to_string_pretty(&sarif).unwrap());
}

/// The fields GitHub code scanning reads, through a typed SARIF 2.1.0 model.
#[test]
fn sarif_has_what_code_scanning_reads() {
    use serde_sarif::sarif::Sarif;

    let text = rendered(&report(), Format::Sarif);
    let sarif: Sarif = serde_json::from_str(&text).expect("valid SARIF 2.1.0");
    assert_eq!(sarif.version, "2.1.0");
    let run = &sarif.runs[0];
    assert_eq!(
        run.column_kind,
        Some(serde_json::json!("unicodeCodePoints"))
    );
    assert!(run
        .original_uri_base_ids
        .as_ref()
        .unwrap()
        .contains_key("%SRCROOT%"));

    let driver = &run.tool.driver;
    assert_eq!(driver.name, "keyless");
    assert_eq!(driver.version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    assert!(driver
        .information_uri
        .as_ref()
        .unwrap()
        .starts_with("https://"));
    let rules = driver.rules.as_ref().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, keyless::rules::ids());
    for rule in rules {
        let doc = keyless::rules::find(&rule.id).unwrap();
        assert_eq!(rule.name.as_deref(), Some(doc.id));
        assert_eq!(rule.short_description.as_ref().unwrap().text, doc.summary);
        assert!(!rule.full_description.as_ref().unwrap().text.is_empty());
        let help = rule.help.as_ref().unwrap();
        assert_eq!(help.text, doc.doc);
        assert_eq!(help.markdown.as_deref(), Some(doc.doc));
        assert_eq!(
            rule.help_uri.as_deref(),
            Some(format!("{}{}.md", render::sarif::DOCS_BASE, rule.id).as_str())
        );
        assert!(rule.default_configuration.as_ref().unwrap().level.is_some());
        let properties = rule.properties.as_ref().unwrap();
        assert!(!properties.tags.as_ref().unwrap().is_empty());
        if properties
            .tags
            .as_ref()
            .unwrap()
            .iter()
            .any(|t| t == "security")
        {
            let severity: f64 = properties.additional_properties["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&severity));
        }
    }

    let results = run.results.as_ref().unwrap();
    assert_eq!(results.len(), 4);
    for result in results {
        let rule_id = result.rule_id.as_deref().unwrap();
        assert_eq!(ids[result.rule_index.unwrap() as usize], rule_id);
        assert!(result.level.is_some());
        assert!(!result.message.text.as_deref().unwrap().is_empty());
        let location = result.locations.as_ref().unwrap()[0]
            .physical_location
            .as_ref()
            .unwrap();
        let artifact = location.artifact_location.as_ref().unwrap();
        assert!(artifact
            .uri
            .as_ref()
            .unwrap()
            .starts_with("fixtures/formats/"));
        assert_eq!(artifact.uri_base_id.as_deref(), Some("%SRCROOT%"));
        let region = location.region.as_ref().unwrap();
        assert!(region.start_line.unwrap() >= 1 && region.start_column.unwrap() >= 1);
        assert!(region.end_line.unwrap() >= region.start_line.unwrap());
        assert!(region.end_column.is_some());
        assert_eq!(result.partial_fingerprints.as_ref().unwrap().len(), 1);
    }

    // The key in the module: the key's call in main.bicep, the secret in app.bicep.
    let key = results
        .iter()
        .find(|r| r.rule_id.as_deref() == Some("key-in-config"))
        .unwrap();
    assert_eq!(serde_json::to_value(key.level.as_ref()).unwrap(), "error");
    let related = &key.related_locations.as_ref().unwrap()[0];
    assert_eq!(related.id, Some(1));
    assert!(related.message.as_ref().unwrap().text.is_some());
    let uri = related.physical_location.as_ref().unwrap();
    assert_eq!(
        uri.artifact_location.as_ref().unwrap().uri.as_deref(),
        Some("fixtures/formats/app.bicep")
    );
}

#[test]
fn every_format_is_deterministic() {
    for &format in Format::value_variants() {
        assert_eq!(
            rendered(&report(), format),
            rendered(&report(), format),
            "{format:?}"
        );
    }
}

// The command line: stdin, baselines, colour, the step summary, exit statuses.

mod common;

use common::Output;

fn keyless_in(dir: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    common::run(dir, args, stdin, env)
}

fn keyless(args: &[&str]) -> Output {
    keyless_in(Path::new("."), args, b"", &[])
}

/// A fresh copy of the fixture under cargo's per-test temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = common::scratch("formats", name);
    for file in ["main.bicep", "app.bicep"] {
        std::fs::copy(Path::new(FIXTURE).join(file), dir.join(file)).unwrap();
    }
    dir
}

const SELECT: &str = "--select=key-in-config,local-auth-enabled,missing-managed-identity";

#[test]
fn stdin_is_linted_under_the_given_name_with_the_same_options() {
    let text = std::fs::read(Path::new(FIXTURE).join("main.bicep")).unwrap();
    let from_disk = keyless(&[
        "check",
        "fixtures/formats/main.bicep",
        "--format",
        "compact",
        SELECT,
    ]);
    let from_stdin = keyless_in(
        Path::new("."),
        &[
            "check",
            "-",
            "--stdin-filename",
            "fixtures/formats/main.bicep",
            "--format",
            "compact",
            SELECT,
        ],
        &text,
        &[],
    );
    assert_eq!(from_stdin.status, 1, "{}", from_stdin.stderr);
    // The module beside the given name is read from disk, so the key finding is there too.
    assert!(
        from_stdin.stdout.contains("[key-in-config]"),
        "{}",
        from_stdin.stdout
    );
    assert_eq!(from_stdin.stdout, from_disk.stdout);

    let ignored = keyless_in(
        Path::new("."),
        &[
            "check",
            "-",
            "--stdin-filename",
            "main.bicep",
            "--format",
            "compact",
            "--ignore=local-auth-enabled",
        ],
        &text,
        &[],
    );
    assert!(
        !ignored.stdout.contains("local-auth-enabled"),
        "{}",
        ignored.stdout
    );
}

#[test]
fn stdin_misuse_is_a_usage_error() {
    let out = keyless(&["check", "-", "fixtures/formats"]);
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr,
        "keyless: `-` (standard input) cannot be combined with other paths\n"
    );
    let out = keyless(&[
        "check",
        "fixtures/formats",
        "--stdin-filename",
        "main.bicep",
    ]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("--stdin-filename"), "{}", out.stderr);
}

#[test]
fn baseline_round_trip_survives_line_shifts_and_reports_new_findings() {
    let dir = scratch("baseline");
    let write = keyless_in(
        &dir,
        &["check", ".", SELECT, "--write-baseline", "baseline.json"],
        b"",
        &[],
    );
    assert_eq!(write.status, 0, "{}", write.stderr);
    assert_eq!(write.stdout, "");
    assert_eq!(
        write.stderr,
        "keyless: recorded 4 findings in baseline.json\n"
    );
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(baseline["version"], 1);
    assert_eq!(baseline["entries"][0]["file"], "main.bicep");

    // Everything is known: nothing to report, exit 0.
    let check = |dir: &Path| {
        keyless_in(
            dir,
            &[
                "check",
                ".",
                SELECT,
                "--baseline",
                "baseline.json",
                "--format",
                "compact",
            ],
            b"",
            &[],
        )
    };
    let out = check(&dir);
    assert_eq!((out.status, out.stdout.as_str()), (0, ""), "{}", out.stderr);

    // Lines added above every finding, and the file re-indented: still known.
    let main = std::fs::read_to_string(dir.join("main.bicep")).unwrap();
    let shifted = format!(
        "// a new comment\n\n{}",
        main.replace("  name:", "    name:")
    );
    std::fs::write(dir.join("main.bicep"), &shifted).unwrap();
    let out = check(&dir);
    assert_eq!((out.status, out.stdout.as_str()), (0, ""), "{}", out.stderr);

    // A second app without an identity is new, and only it is reported.
    let added = format!(
        "{shifted}\nresource web2 'Microsoft.Web/sites@2023-12-01' = {{\n  name: 'contoso-web2'\n  location: 'eastus'\n  identity: {{\n    type: 'None'\n  }}\n}}\n"
    );
    std::fs::write(dir.join("main.bicep"), added).unwrap();
    let out = check(&dir);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        !lines.is_empty() && lines.iter().all(|l| l.contains("web2")),
        "{}",
        out.stdout
    );
}

#[test]
fn missing_or_malformed_baseline_is_exit_2() {
    let out = keyless(&["check", FIXTURE, "--baseline", "no/such/baseline.json"]);
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .starts_with("keyless: --baseline no/such/baseline.json: cannot read: "),
        "{}",
        out.stderr
    );

    let dir = scratch("bad-baseline");
    std::fs::write(
        dir.join("baseline.json"),
        r#"{"version": 1, "entries": [{"rule": "x"}]}"#,
    )
    .unwrap();
    let out = keyless_in(
        &dir,
        &["check", ".", "--baseline", "baseline.json"],
        b"",
        &[],
    );
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.starts_with(
            "keyless: --baseline baseline.json: not a keyless baseline: missing field `file`"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn report_paths_are_relative_to_the_current_directory() {
    let dir = scratch("relative");
    let absolute = dir.join("main.bicep");
    let out = keyless_in(
        &dir,
        &[
            "check",
            absolute.to_str().unwrap(),
            SELECT,
            "--format",
            "gitlab",
        ],
        b"",
        &[],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    let issues: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(issues[0]["location"]["path"], "main.bicep");
}

#[test]
fn github_format_appends_the_step_summary() {
    let dir = scratch("summary");
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "before\n").unwrap();
    let out = keyless_in(
        &dir,
        &["check", ".", SELECT, "--format", "github"],
        b"",
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stdout.starts_with("::"), "{}", out.stdout);
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(written.starts_with("before\n### keyless\n"), "{written}");
    assert!(written.contains("| error |"), "{written}");
}

/// Colour needs a terminal: `script` gives the binary one (util-linux; skipped without it).
#[test]
fn human_colour_only_on_a_terminal_and_never_with_no_color() {
    let piped = keyless_in(Path::new("."), &["check", FIXTURE, SELECT], b"", &[]);
    assert!(!piped.stdout.contains('\u{1b}'), "{}", piped.stdout);

    let command = format!("{} check {FIXTURE} {SELECT}", env!("CARGO_BIN_EXE_keyless"));
    let on_terminal = |no_color: Option<&str>| {
        let mut script = Command::new("script");
        script
            .args(["-qec", &command, "/dev/null"])
            .env_remove("NO_COLOR");
        if let Some(value) = no_color {
            script.env("NO_COLOR", value);
        }
        script.output().ok()
    };
    let Some(coloured) = on_terminal(None) else {
        eprintln!("`script` is not available: terminal colour not tested");
        return;
    };
    assert!(String::from_utf8_lossy(&coloured.stdout).contains('\u{1b}'));
    let plain = on_terminal(Some("1")).unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains('\u{1b}'));
}

#[test]
fn exit_statuses_are_the_same_in_every_format() {
    for format in [
        "human",
        "compact",
        "json",
        "sarif",
        "github",
        "azure-devops",
        "gitlab",
    ] {
        assert_eq!(
            keyless(&["check", FIXTURE, SELECT, "--format", format]).status,
            1,
            "{format}"
        );
        assert_eq!(
            keyless(&[
                "check",
                FIXTURE,
                SELECT,
                "--format",
                format,
                "--fail-on",
                "never"
            ])
            .status,
            0,
            "{format}"
        );
    }
}

/// A report whose file texts were set aside during the run (no fixes) renders byte for byte
/// like one that holds them, in every format: lines and columns come from the line starts,
/// snippets and fingerprints from each file read back (issue 9, peak memory).
#[test]
fn every_format_renders_alike_without_the_texts() {
    let lean = lint::lint_paths(
        &[PathBuf::from(FIXTURE)],
        &Options {
            texts_on_demand: true,
            ..options()
        },
    )
    .unwrap()
    .report;
    assert!(lean.files.iter().all(|f| f.is_unloaded()));
    let full = report();
    assert!(full.files.iter().all(|f| !f.is_unloaded()));
    for &format in Format::value_variants() {
        assert_eq!(
            rendered(&lean, format),
            rendered(&full, format),
            "{format:?}"
        );
    }
}

/// A report keeps the lines around its findings when the texts are set aside, so a file that
/// changes after the run is still shown (snippets and fingerprints) as it was linted, in every
/// format, never with the wrong lines and never with a panic.
#[test]
fn a_file_changed_after_the_run_is_shown_as_it_was_linted() {
    let dir = scratch("changed-after-run");
    let lean = lint::lint_paths(
        std::slice::from_ref(&dir),
        &Options {
            texts_on_demand: true,
            ..options()
        },
    )
    .unwrap()
    .report;
    let before: Vec<String> = Format::value_variants()
        .iter()
        .map(|&format| rendered(&lean, format))
        .collect();
    assert!(
        before[0].contains("╭─[") && before[0].contains("param"),
        "snippets of the linted lines:\n{}",
        before[0]
    );
    for file in ["main.bicep", "app.bicep"] {
        std::fs::write(dir.join(file), "// rewritten\n").unwrap();
    }
    for (&format, before) in Format::value_variants().iter().zip(&before) {
        assert_eq!(&rendered(&lean, format), before, "{format:?}");
    }
}
