//! `keyless.json`: discovery (nearest wins, `root` stops), excludes, overrides, custom roles,
//! globs, every kind of config error with its exact `path:line:col`, and the JSON Schema.
//!
//! Fixtures live in `fixtures/config/<case>/`; the linted files named here need not exist (only
//! their folders' `keyless.json` files matter). Every top-level fixture config says
//! `"root": true`, so no `keyless.json` above the repository can leak in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keyless::config::{ConfigError, Configs, CustomRole, FileSettings, Glob, Level};

/// The rule ids of DESIGN.md. FIXME(registry): take them from `keyless::rules` once the
/// registry is complete.
const KNOWN_RULES: &[&str] = &[
    "key-in-config",
    "local-auth-enabled",
    "missing-managed-identity",
    "missing-role-assignment",
    "overbroad-role",
    "overbroad-scope",
    "prefer-user-assigned-identity",
    "role-assignment-name",
    "role-assignment-principal-type",
    "role-name-mismatch",
    "role-target-mismatch",
    "syntax-error",
    "unknown-role-id",
];

/// A path under `fixtures/config`, relative to the crate root (cargo runs tests there).
fn fixture(rel: &str) -> PathBuf {
    Path::new("fixtures/config").join(rel)
}

fn canonical(rel: &str) -> PathBuf {
    std::fs::canonicalize(fixture(rel)).unwrap()
}

fn configs() -> Configs {
    Configs::new(KNOWN_RULES, None).unwrap()
}

fn settings(configs: &mut Configs, rel: &str) -> std::sync::Arc<FileSettings> {
    configs
        .for_file(&fixture(rel))
        .unwrap_or_else(|err| panic!("{rel}: {err}"))
}

fn levels(pairs: &[(&str, Level)]) -> BTreeMap<String, Level> {
    pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
}

mod common;

/// A fresh folder under cargo's per-test temporary directory.
fn scratch(name: &str) -> PathBuf {
    common::scratch("config", name)
}

// ---------------------------------------------------------------------------------------------
// Levels

#[test]
fn levels_parse_print_and_order() {
    for level in Level::ALL {
        assert_eq!(level.as_str().parse::<Level>(), Ok(level));
        assert_eq!(level.to_string(), level.as_str());
    }
    assert!(Level::Off < Level::Info && Level::Info < Level::Warning);
    assert!(Level::Warning < Level::Error);
    assert_eq!(
        "Error".parse::<Level>().unwrap_err().to_string(),
        "unknown level `Error`; expected one of `error`, `warning`, `info`, `off`"
    );
}

// ---------------------------------------------------------------------------------------------
// Discovery

#[test]
fn no_config_gives_empty_settings() {
    // Nothing from the scratch folder up to the filesystem root is named keyless.json.
    let dir = scratch("none");
    let got = configs().for_file(&dir.join("main.bicep")).unwrap();
    assert_eq!(*got, FileSettings::default());
}

#[test]
fn nearest_config_wins_and_farther_ones_cascade() {
    let mut configs = configs();
    let app = settings(&mut configs, "cascade/app/main.bicep");
    assert_eq!(
        app.config_file.as_deref(),
        Some(canonical("cascade/app/keyless.json").as_path())
    );
    assert_eq!(
        app.config_files,
        [
            canonical("cascade/keyless.json"),
            canonical("cascade/app/keyless.json")
        ]
    );
    assert_eq!(
        app.levels,
        levels(&[
            ("local-auth-enabled", Level::Error), // the nearer file wins
            ("overbroad-role", Level::Off),       // from the farther file
        ])
    );
    assert!(!app.excluded);

    let top = settings(&mut configs, "cascade/main.bicep");
    assert_eq!(
        top.config_files,
        [canonical("cascade/keyless.json")],
        "a config below the file does not apply"
    );
    assert_eq!(
        top.levels,
        levels(&[
            ("local-auth-enabled", Level::Warning),
            ("overbroad-role", Level::Off)
        ])
    );
}

#[test]
fn overrides_of_a_nearer_config_apply_after_farther_rules() {
    let mut configs = configs();
    let module = settings(&mut configs, "cascade/app/modules/storage/main.bicep");
    assert_eq!(
        module.levels,
        levels(&[
            ("local-auth-enabled", Level::Error),
            ("missing-managed-identity", Level::Off),
            ("overbroad-role", Level::Off),
        ])
    );
}

#[test]
fn excludes_of_a_farther_config_still_apply() {
    let mut configs = configs();
    assert!(settings(&mut configs, "cascade/legacy/old.bicep").excluded);
    assert!(!settings(&mut configs, "cascade/app/legacy/old.bicep").excluded);
}

#[test]
fn root_true_stops_the_search() {
    // fixtures/config/root-stops/keyless.json is invalid; files under inner/ never read it.
    let mut configs = configs();
    let inner = settings(&mut configs, "root-stops/inner/main.bicep");
    assert_eq!(
        inner.config_files,
        [canonical("root-stops/inner/keyless.json")]
    );
    assert_eq!(inner.levels, levels(&[("overbroad-scope", Level::Info)]));

    let err = configs
        .for_file(&fixture("root-stops/main.bicep"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "fixtures/config/root-stops/keyless.json:3:3: error: unknown key `this file`; \
         expected one of `$schema`, `root`, `rules`, `exclude`, `customRoles`, `overrides`"
    );
}

#[test]
fn relative_odd_and_missing_paths_resolve_to_the_same_folder() {
    let mut configs = configs();
    let plain = settings(&mut configs, "cascade/app/main.bicep");
    for odd in [
        "cascade/app/./modules/../main.bicep",
        "cascade/app/does/not/exist/../../../main.bicep",
        "./cascade/app/main.bicep",
    ] {
        assert_eq!(settings(&mut configs, odd), plain, "{odd}");
    }
    let absolute = canonical("cascade/app").join("main.bicep");
    assert_eq!(configs.for_file(&absolute).unwrap(), plain);
    // A file in a folder that does not exist still finds the configs above it.
    let ghost = settings(&mut configs, "cascade/app/not-yet/created/main.bicep");
    assert_eq!(ghost.config_file, plain.config_file);
}

#[test]
fn files_that_resolve_alike_share_settings() {
    let mut configs = configs();
    let a = settings(&mut configs, "cascade/app/a.bicep");
    let b = settings(&mut configs, "cascade/app/b.json");
    assert!(std::sync::Arc::ptr_eq(&a, &b));
}

#[test]
fn discovery_in_a_temp_tree_ends_at_the_filesystem_root() {
    let dir = scratch("deep");
    let deep = dir.join("a/b/c/d/e");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(
        dir.join("a/keyless.json"),
        r#"{ "root": true, "rules": { "syntax-error": "warning" } }"#,
    )
    .unwrap();
    let mut configs = configs();
    let got = configs.for_file(&deep.join("main.bicep")).unwrap();
    assert_eq!(got.levels, levels(&[("syntax-error", Level::Warning)]));
    assert_eq!(
        got.config_file,
        Some(std::fs::canonicalize(dir.join("a/keyless.json")).unwrap())
    );
}

/// The walk tells the configuration lookup which of its folders hold a `keyless.json`, so
/// that the file system is not asked about each folder again: the answers are the same. The
/// tree has a config in a folder listed after its subfolder (`b/deeper` comes before
/// `b/keyless.json`) and folders without one above and beside it.
#[test]
fn a_walked_tree_finds_the_same_configs_as_the_file_system() {
    let dir = scratch("walked");
    for folder in ["a", "b/deeper", "c"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
    }
    std::fs::write(dir.join("keyless.json"), r#"{ "root": true }"#).unwrap();
    std::fs::write(
        dir.join("b/keyless.json"),
        r#"{ "rules": { "overbroad-role": "info" } }"#,
    )
    .unwrap();
    for file in [
        "a/main.bicep",
        "b/main.bicep",
        "b/deeper/main.bicep",
        "c/x.json",
    ] {
        std::fs::write(dir.join(file), "").unwrap();
    }
    let walked = std::sync::Arc::new(keyless::paths::CanonicalPaths::default());
    let (found, errors) =
        keyless::discover::discover_noting(std::slice::from_ref(&dir), Some(&walked));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(found.len(), 4);
    let mut from_walk = configs().with_paths(walked);
    let mut from_disk = configs();
    for candidate in &found {
        let (walk, disk) = (
            from_walk.for_file(&candidate.path).unwrap(),
            from_disk.for_file(&candidate.path).unwrap(),
        );
        assert_eq!(walk, disk, "{}", candidate.path.display());
    }
    let deeper = from_walk
        .for_file(&dir.join("b/deeper/main.bicep"))
        .unwrap();
    assert_eq!(deeper.levels, levels(&[("overbroad-role", Level::Info)]));
    let beside = from_walk.for_file(&dir.join("c/x.json")).unwrap();
    assert_eq!(beside.levels, levels(&[]));
}

#[cfg(unix)]
#[test]
fn symlinked_folders_use_the_configs_of_the_real_folder() {
    let dir = scratch("symlink");
    std::fs::create_dir_all(dir.join("real/sub")).unwrap();
    std::fs::write(
        dir.join("real/keyless.json"),
        r#"{ "root": true, "rules": { "overbroad-role": "info" } }"#,
    )
    .unwrap();
    // A link that points back up: walking through it naively would never end.
    std::os::unix::fs::symlink(dir.join("real"), dir.join("real/sub/loop")).unwrap();
    let mut configs = configs();
    let got = configs
        .for_file(&dir.join("real/sub/loop/sub/loop/sub/main.bicep"))
        .unwrap();
    assert_eq!(got.levels, levels(&[("overbroad-role", Level::Info)]));
}

// ---------------------------------------------------------------------------------------------
// Excludes, overrides, custom roles, comments

#[test]
fn exclude_globs() {
    let mut configs = configs();
    let cases = [
        ("legacy/main.bicep", true),              // `legacy` matches the folder
        ("infra/legacy/deep/main.bicep", true),   // … at any depth
        ("legacy.bicep", false),                  // but not a file of a longer name
        ("build/out/main.json", true),            // `build/` matches a folder …
        ("build", false),                         // … never a file
        ("x/y/storage.generated.json", true),     // `**/*.generated.json`
        ("storage.generated.json", true),         // `**/` matches zero folders
        ("scratch.bicep", true),                  // `/scratch.bicep` is anchored
        ("infra/scratch.bicep", false),           // … so not deeper
        ("modules/old-kv/main.bicep", true),      // `modules/old-*/**`
        ("modules/new-kv/main.bicep", false),     //
        ("src/modules/old-kv/main.bicep", false), // a `/` anchors the pattern
        ("tmp3.bicep", true),                     // `tmp[0-9].bicep`
        ("tmpx.bicep", false),                    //
        ("main.bicep", false),                    //
    ];
    for (rel, excluded) in cases {
        let got = settings(&mut configs, &format!("exclude/{rel}"));
        assert_eq!(got.excluded, excluded, "{rel}");
    }
}

#[test]
fn overrides_apply_in_the_order_written() {
    let mut configs = configs();
    let cases = [
        // (file, overbroad-role, role-assignment-name)
        ("infra/main.bicep", Level::Error, Level::Info),
        ("main.bicep", Level::Error, Level::Off), // `/main.bicep`
        ("modules/kv/main.bicep", Level::Warning, Level::Info),
        ("modules/shared/kv.bicep", Level::Off, Level::Info), // the later entry wins
        ("modules/shared/kv.json", Level::Off, Level::Off),   // `modules/**/*.bicep` misses
        ("azuredeploy.json", Level::Error, Level::Off),
    ];
    for (rel, overbroad, name) in cases {
        let got = settings(&mut configs, &format!("overrides/{rel}"));
        assert_eq!(
            got.levels,
            levels(&[
                ("overbroad-role", overbroad),
                ("role-assignment-name", name)
            ]),
            "{rel}"
        );
    }
}

#[test]
fn custom_roles_are_lower_cased_and_deduplicated() {
    let mut configs = configs();
    let got = settings(&mut configs, "custom-roles/main.bicep");
    assert_eq!(
        got.custom_roles,
        [
            CustomRole {
                id: "11111111-2222-3333-4444-55555555aaaa".into(),
                name: None
            },
            CustomRole {
                id: "66666666-7777-8888-9999-000000000000".into(),
                name: Some("Contoso Reader v2".into())
            },
        ]
    );
}

#[test]
fn custom_roles_cascade_and_the_nearer_name_wins() {
    let mut configs = configs();
    let top = settings(&mut configs, "cascade/main.bicep");
    assert_eq!(
        top.custom_roles,
        [CustomRole {
            id: "aaaaaaaa-0000-0000-0000-000000000001".into(),
            name: None
        }]
    );
    let app = settings(&mut configs, "cascade/app/main.bicep");
    assert_eq!(
        app.custom_roles,
        [CustomRole {
            id: "aaaaaaaa-0000-0000-0000-000000000001".into(),
            name: Some("Contoso Reader".into())
        }]
    );
}

#[test]
fn comments_and_trailing_commas_are_allowed() {
    let mut configs = configs();
    let got = settings(&mut configs, "comments/main.bicep");
    assert_eq!(got.levels, levels(&[("key-in-config", Level::Off)]));
}

// ---------------------------------------------------------------------------------------------
// --config FILE

#[test]
fn explicit_config_replaces_discovery() {
    let explicit = fixture("explicit/ci.keyless.json");
    let mut configs = Configs::new(KNOWN_RULES, Some(&explicit)).unwrap();
    // elsewhere/keyless.json would turn the rule off; with --config it is not read.
    let got = configs
        .for_file(&fixture("explicit/elsewhere/main.bicep"))
        .unwrap();
    assert_eq!(got.levels, levels(&[("unknown-role-id", Level::Warning)]));
    assert_eq!(got.config_file, Some(canonical("explicit/ci.keyless.json")));
    assert!(!got.excluded);
    // Its globs are relative to its own folder.
    let skipped = configs
        .for_file(&fixture("explicit/elsewhere/skip.bicep"))
        .unwrap();
    assert!(skipped.excluded);
    // Files outside its folder get its rules; its globs cannot match them.
    let outside = configs.for_file(Path::new("src/main.bicep")).unwrap();
    assert_eq!(outside.levels, got.levels);
    assert!(!outside.excluded);
}

#[test]
fn explicit_config_that_does_not_exist() {
    let err = Configs::new(KNOWN_RULES, Some(Path::new("fixtures/config/nope.json"))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "fixtures/config/nope.json:1:1: error: config file does not exist"
    );
}

#[test]
fn explicit_config_that_is_a_folder() {
    let err = Configs::new(KNOWN_RULES, Some(Path::new("fixtures/config/cascade"))).unwrap_err();
    assert_eq!(
        err,
        ConfigError {
            path: "fixtures/config/cascade".into(),
            line: 1,
            column: 1,
            message: "config path is a folder; expected a `keyless.json` file".into(),
        }
    );
}

#[test]
fn explicit_config_that_is_invalid() {
    let err = Configs::new(
        KNOWN_RULES,
        Some(&fixture("errors/unknown-level/keyless.json")),
    )
    .unwrap_err();
    assert_eq!(err.line, 3);
    assert_eq!(err.column, 27);
}

// ---------------------------------------------------------------------------------------------
// Errors: one per kind, each pinned to `path:line:col: error: message`.

/// The error of `fixtures/config/errors/<case>/keyless.json`, found by discovery.
fn error_of(case: &str) -> String {
    let mut configs = configs();
    let file = fixture(&format!("errors/{case}/main.bicep"));
    let err = configs.for_file(&file).unwrap_err();
    // Asking again gives the same (cached) error.
    assert_eq!(configs.for_file(&file).unwrap_err(), err);
    err.to_string()
}

fn expect_error(case: &str, at: &str, message: &str) {
    assert_eq!(
        error_of(case),
        format!("fixtures/config/errors/{case}/keyless.json:{at}: error: {message}")
    );
}

#[test]
fn error_syntax() {
    expect_error(
        "syntax",
        "3:3",
        "expected `,` or `}` after an object member, found `\"` (missing comma?)",
    );
}

#[test]
fn error_duplicate_key() {
    expect_error(
        "duplicate-key",
        "3:3",
        "duplicate key `rules`: it is already defined in this object",
    );
}

#[test]
fn error_empty_file() {
    expect_error("empty", "1:1", "empty file: expected a JSON object");
}

#[test]
fn error_not_an_object() {
    expect_error(
        "not-object",
        "1:1",
        "the config must be an object, found an array",
    );
}

#[test]
fn error_unknown_key() {
    expect_error(
        "unknown-key",
        "3:3",
        "unknown key `rule`; expected one of `$schema`, `root`, `rules`, `exclude`, \
         `customRoles`, `overrides`",
    );
}

#[test]
fn error_wrong_types() {
    expect_error(
        "rules-not-object",
        "2:12",
        "`rules` must be an object, found an array",
    );
    expect_error(
        "root-not-bool",
        "2:11",
        "`root` must be `true` or `false`, found a string",
    );
    expect_error(
        "level-not-string",
        "2:32",
        "the level of `overbroad-role` must be one of `error`, `warning`, `info`, `off`, \
         found a boolean",
    );
}

#[test]
fn error_unknown_level() {
    expect_error(
        "unknown-level",
        "3:27",
        "unknown level `errror`; expected one of `error`, `warning`, `info`, `off`",
    );
}

#[test]
fn error_unknown_rule_suggests_the_closest() {
    expect_error(
        "unknown-rule",
        "4:5",
        "unknown rule `local-auth-enable`; did you mean `local-auth-enabled`?",
    );
    expect_error(
        "unknown-rule-far",
        "2:14",
        "unknown rule `no-such-thing`; `keyless rules` lists the rules",
    );
}

#[test]
fn error_bad_glob() {
    expect_error(
        "bad-glob",
        "2:28",
        "invalid glob `modules\\*.bicep`: `\\` is not allowed; separate folders with `/`",
    );
    expect_error(
        "bad-glob-star",
        "3:17",
        "invalid glob `src/a**`: `**` must be a whole path segment, as in `a/**/b`",
    );
}

#[test]
fn error_malformed_guid() {
    expect_error(
        "bad-guid",
        "4:13",
        "malformed role id `not-a-guid`; expected a GUID such as \
         `acdd72a7-3385-48ef-bd42-f606fba81ae7`",
    );
}

#[test]
fn error_in_overrides() {
    expect_error(
        "override-unknown-key",
        "2:35",
        "unknown key `rule`; expected one of `files`, `rules`",
    );
    expect_error(
        "override-missing-files",
        "3:5",
        "an `overrides` entry must have `files`",
    );
}

#[test]
fn error_shapes_inline() {
    let dir = scratch("shapes");
    let cases = [
        (
            r#"{ "exclude": "legacy/**" }"#,
            "1:14",
            "`exclude` must be an array of globs, found a string",
        ),
        (
            r#"{ "exclude": [42] }"#,
            "1:15",
            "a glob must be a string, found a number",
        ),
        (
            r#"{ "customRoles": [true] }"#,
            "1:19",
            "a custom role must be a role id or an `{ \"id\", \"name\" }` object, found a boolean",
        ),
        (
            r#"{ "customRoles": [{ "name": "x" }] }"#,
            "1:19",
            "a custom role must have `id`",
        ),
        (
            r#"{ "customRoles": [{ "id": "acdd72a7-3385-48ef-bd42-f606fba81ae7", "nmae": "x" }] }"#,
            "1:67",
            "unknown key `nmae`; expected one of `id`, `name`",
        ),
        (
            r#"{ "customRoles": ["{acdd72a7-3385-48ef-bd42-f606fba81ae7}"] }"#,
            "1:19",
            "malformed role id `{acdd72a7-3385-48ef-bd42-f606fba81ae7}`; expected a GUID such as \
             `acdd72a7-3385-48ef-bd42-f606fba81ae7`",
        ),
        (
            r#"{ "overrides": {} }"#,
            "1:16",
            "`overrides` must be an array of `{ \"files\", \"rules\" }` objects, found an object",
        ),
        (
            r#"{ "overrides": [{ "files": [], "rules": {} }] }"#,
            "1:28",
            "`files` must list at least one glob",
        ),
        (
            r#"{ "overrides": [{ "files": ["x"] }] }"#,
            "1:17",
            "an `overrides` entry must have `rules`",
        ),
        (
            r#"{ "overrides": [{ "files": ["x"], "rules": { "overbroad_role": "off" } }] }"#,
            "1:46",
            "unknown rule `overbroad_role`; did you mean `overbroad-role`?",
        ),
        (
            r#"{ "$schema": 1 }"#,
            "1:14",
            "`$schema` must be a string, found a number",
        ),
    ];
    for (text, at, message) in cases {
        std::fs::write(dir.join("keyless.json"), text).unwrap();
        // A fresh cache per case: the file changes under the same folder.
        let err = configs().for_file(&dir.join("main.bicep")).unwrap_err();
        assert_eq!(
            (format!("{}:{}", err.line, err.column), err.message.as_str()),
            (at.to_owned(), message),
            "{text}"
        );
    }
}

/// How config errors name a file: relative to the current folder when inside it (the case when
/// cargo's target folder is in the checkout, as in CI), otherwise absolute.
fn shown_path(path: &Path) -> PathBuf {
    let path = std::fs::canonicalize(path).unwrap();
    let here = std::fs::canonicalize(".").unwrap();
    path.strip_prefix(&here)
        .map(Path::to_path_buf)
        .unwrap_or(path)
}

#[test]
fn error_not_utf8_points_at_the_byte() {
    let dir = scratch("not-utf8");
    std::fs::write(
        dir.join("keyless.json"),
        b"{\n  \"rules\": { \"overbroad-role\": \"o\xFFf\" }\n}\n",
    )
    .unwrap();
    let err = configs().for_file(&dir.join("main.bicep")).unwrap_err();
    assert_eq!(
        err,
        ConfigError {
            path: shown_path(&dir.join("keyless.json")),
            line: 2,
            column: 34,
            message: "file is not valid UTF-8 (invalid byte 0xFF)".into(),
        }
    );
}

#[test]
fn error_columns_count_characters() {
    let dir = scratch("columns");
    std::fs::write(
        dir.join("keyless.json"),
        "{ \"root\": true, \"exclude\": [\"ünïcödé/**\", \"a/../b\"] }",
    )
    .unwrap();
    let err = configs().for_file(&dir.join("main.bicep")).unwrap_err();
    assert_eq!((err.line, err.column), (1, 43));
    assert_eq!(
        err.message,
        "invalid glob `a/../b`: `.` and `..` segments are not supported; patterns are \
         relative to the config file's folder"
    );
}

// ---------------------------------------------------------------------------------------------
// Globs

#[test]
fn glob_syntax() {
    let yes = |pattern: &str, path: &str| {
        assert!(
            Glob::new(pattern).unwrap().matches(path),
            "{pattern} ~ {path}"
        )
    };
    let no = |pattern: &str, path: &str| {
        assert!(
            !Glob::new(pattern).unwrap().matches(path),
            "{pattern} !~ {path}"
        )
    };
    yes("*.bicep", "main.bicep");
    yes("*.bicep", "a/b/main.bicep");
    yes("*", ".hidden.json");
    no("*.bicep", "main.bicepparam");
    yes("a/*.bicep", "a/main.bicep");
    no("a/*.bicep", "a/b/main.bicep");
    no("a/*.bicep", "x/a/main.bicep");
    yes("a/**/*.bicep", "a/main.bicep");
    yes("a/**/*.bicep", "a/b/c/main.bicep");
    yes("**/a/**/b/**/c", "x/a/y/b/z/c");
    no("**/a/**/b/**/c", "x/a/y/z/c");
    yes("**", "anything/at/all.json");
    yes("m?in.bicep", "main.bicep");
    no("m?in.bicep", "maaain.bicep");
    yes("[mn]ain.bicep", "nain.bicep");
    yes("[!mn]ain.bicep", "rain.bicep");
    yes("[^mn]ain.bicep", "rain.bicep");
    no("[!mn]ain.bicep", "main.bicep");
    yes("v[0-9][0-9].json", "v42.json");
    yes("[]]x", "]x");
    yes("[a-]x", "-x");
    yes("*a*b*c", "xxaxxbxxbcxc");
    no("*a*b*c", "xxaxxbxx");
    yes("ünï*", "ünïcödé");
    yes("/main.bicep", "main.bicep");
    yes("./main.bicep", "main.bicep");
    no("/main.bicep", "a/main.bicep");
    yes("legacy", "legacy/x/y.bicep");
    yes("legacy/", "x/legacy/y.bicep");
    no("legacy/", "legacy");
    no("Main.bicep", "main.bicep");
    assert_eq!(Glob::new("a/**/b").unwrap().as_str(), "a/**/b");
}

#[test]
fn glob_errors() {
    for (pattern, message) in [
        ("", "the pattern is empty"),
        ("/", "the pattern names no file or folder"),
        ("a//b", "empty path segment (`//`)"),
        ("a\\b", "`\\` is not allowed; separate folders with `/`"),
        (
            "*.{bicep,json}",
            "`{a,b}` alternatives are not supported; write one pattern for each",
        ),
        (
            "**.json",
            "`**` must be a whole path segment, as in `a/**/b`",
        ),
        ("[abc", "unclosed `[` character class"),
        (
            "../x",
            "`.` and `..` segments are not supported; patterns are relative to the config \
             file's folder",
        ),
    ] {
        assert_eq!(
            Glob::new(pattern).unwrap_err().to_string(),
            message,
            "{pattern:?}"
        );
    }
}

#[test]
fn glob_with_many_double_stars_stays_fast() {
    let glob = Glob::new(&"**/a/".repeat(30)).unwrap();
    let path = "a/".repeat(200) + "b";
    let start = std::time::Instant::now();
    assert!(glob.matches(&path));
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}

// ---------------------------------------------------------------------------------------------
// The JSON Schema

fn schema() -> serde_json::Value {
    let text = std::fs::read_to_string("keyless.schema.json").unwrap();
    serde_json::from_str(&text).expect("keyless.schema.json is JSON")
}

fn strings(value: &serde_json::Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn schema_lists_the_known_rules() {
    let schema = schema();
    let ids = strings(&schema["definitions"]["rules"]["propertyNames"]["enum"]);
    assert_eq!(ids, KNOWN_RULES);
}

#[test]
fn schema_lists_the_levels_and_keys_the_reader_accepts() {
    let schema = schema();
    let levels = strings(&schema["definitions"]["level"]["enum"]);
    let expected: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
    assert_eq!(levels, expected);
    let keys: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, keyless::config::TOP_LEVEL_KEYS);
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn schema_describes_every_property() {
    fn walk(path: &str, value: &serde_json::Value, missing: &mut Vec<String>) {
        if let Some(props) = value.get("properties").and_then(|p| p.as_object()) {
            for (key, prop) in props {
                if prop.get("description").is_none() {
                    missing.push(format!("{path}/{key}"));
                }
            }
        }
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    walk(&format!("{path}/{key}"), child, missing);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(&format!("{path}/{i}"), child, missing);
                }
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk("#", &schema(), &mut missing);
    assert_eq!(missing, Vec::<String>::new());
}
