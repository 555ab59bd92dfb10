//! `keyless generate role-assignment` (issue 8): the snippets, their errors, and that every
//! snippet, inserted into its template, parses and satisfies the role rules.

use std::path::{Path, PathBuf};

mod common;

use common::Output;

fn keyless(dir: &Path, args: &[&str]) -> Output {
    common::plain(dir, args)
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("generate", name)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const ROLE_RULES: &str = "missing-role-assignment,overbroad-role,overbroad-scope,role-assignment-name,role-assignment-principal-type,role-name-mismatch,role-target-mismatch,unknown-role-id";

/// (case name, file, principal, target, role arguments)
const CASES: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "openai-inference",
        "main.bicep",
        "app",
        "openai",
        &["--intent", "inference"],
    ),
    (
        "search-read-uami",
        "main.bicep",
        "uami",
        "search",
        &["--intent", "read"],
    ),
    (
        "docs-parameter",
        "main.bicep",
        "principalId",
        "docs",
        &["--intent", "inference"],
    ),
    (
        "storage-read",
        "main.bicep",
        "app",
        "storage",
        &["--intent", "read"],
    ),
    (
        "by-name",
        "main.bicep",
        "app",
        "storage",
        &["--role", "storage blob data contributor"],
    ),
    (
        "by-guid",
        "main.bicep",
        "app",
        "openai",
        &["--role", "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"],
    ),
    (
        "arm-system",
        "main.json",
        "contoso-app",
        "contoso-openai",
        &["--intent", "inference"],
    ),
    (
        "arm-uami",
        "main.json",
        "contoso-id",
        "contoso-openai",
        &["--intent", "inference"],
    ),
    (
        "arm-parameter",
        "main.json",
        "principalId",
        "contoso-openai",
        &["--intent", "read"],
    ),
];

fn generate(file: &str, principal: &str, target: &str, role: &[&str]) -> Output {
    let path = root().join("fixtures/fix/generate").join(file);
    let mut args = vec![
        "generate",
        "role-assignment",
        "--principal",
        principal,
        "--target",
        target,
        "--file",
        path.to_str().unwrap(),
    ];
    args.extend_from_slice(role);
    keyless(&root(), &args)
}

/// Inserts a snippet into its template: at the end of a Bicep file, as the last element of an
/// ARM template's `resources`.
fn insert(text: &str, snippet: &str, arm: bool) -> String {
    if !arm {
        return format!("{text}\n{snippet}");
    }
    let at = text.rfind(']').unwrap();
    let head = text[..at].trim_end();
    format!("{head},\n{snippet}{}", &text[at..])
}

#[test]
fn snippets() {
    for (case, file, principal, target, role) in CASES {
        let out = generate(file, principal, target, role);
        assert_eq!(out.status, 0, "{case}: {}", out.stderr);
        insta::assert_snapshot!(format!("generate__{case}"), out.stdout);
    }
}

#[test]
fn inserted_snippets_satisfy_the_role_rules() {
    for (case, file, principal, target, role) in CASES {
        let out = generate(file, principal, target, role);
        assert_eq!(out.status, 0, "{case}: {}", out.stderr);
        let source = root().join("fixtures/fix/generate").join(file);
        let text = std::fs::read_to_string(&source).unwrap();
        let dir = scratch(case);
        std::fs::write(
            dir.join(file),
            insert(&text, &out.stdout, file.ends_with(".json")),
        )
        .unwrap();
        let check = keyless(&dir, &["check", file, "--format", "compact"]);
        assert!(
            !check.stdout.contains("syntax-error"),
            "{case}: {}",
            check.stdout
        );
        let roles = keyless(
            &dir,
            &["check", file, "--format", "compact", "--select", ROLE_RULES],
        );
        assert_eq!(roles.stdout, "", "{case}: role findings");
        assert_eq!(roles.status, 0, "{case}: {}", roles.stderr);
    }
}

#[test]
fn the_fixture_of_missing_role_assignment_is_satisfied() {
    for file in ["app-without-role.bicep", "app-without-role.json"] {
        let source = root().join("fixtures/missing-role-assignment").join(file);
        let out = keyless(
            &root(),
            &[
                "generate",
                "role-assignment",
                "--principal",
                if file.ends_with(".json") {
                    "contoso-app"
                } else {
                    "app"
                },
                "--target",
                if file.ends_with(".json") {
                    "contoso-openai"
                } else {
                    "openai"
                },
                "--intent",
                "inference",
                "--file",
                source.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status, 0, "{}", out.stderr);
        let text = std::fs::read_to_string(&source).unwrap();
        let dir = scratch(file);
        std::fs::write(
            dir.join(file),
            insert(&text, &out.stdout, file.ends_with(".json")),
        )
        .unwrap();
        let roles = keyless(
            &dir,
            &["check", file, "--format", "compact", "--select", ROLE_RULES],
        );
        assert_eq!(roles.stdout, "", "{file}");
    }
}

#[test]
fn errors_list_the_choices() {
    let cases: &[(&str, &str, &[&str], &str)] = &[
        ("nope", "openai", &["--intent", "read"], "no resource `nope` in the template for the principal; resources: `openai`"),
        ("app", "nope", &["--intent", "read"], "no resource `nope` in the template for the target"),
        ("app", "openai", &["--role", "Storage Blob Data Reader"], "`Storage Blob Data Reader` grants nothing on `openai` (Microsoft.CognitiveServices/accounts); roles for it: `Cognitive Services OpenAI User`"),
        ("app", "storage", &["--role", "Storage Blob"], "`Storage Blob` matches 4 roles: `Storage Blob Data Contributor`, `Storage Blob Data Owner`, `Storage Blob Data Reader`, `Storage Blob Delegator`"),
        ("app", "openai", &["--role", "00000000-0000-0000-0000-000000000000"], "is not a built-in role id"),
        ("openai", "search", &["--intent", "read"], "`openai` has no managed identity"),
        ("app", "uami", &["--intent", "read"], "keyless knows no data-plane roles for `uami`"),
    ];
    for (principal, target, role, message) in cases {
        let out = generate("main.bicep", principal, target, role);
        assert_eq!(out.status, 2, "{principal} {target}: {}", out.stdout);
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains(message), "{}", out.stderr);
    }
}

#[test]
fn role_or_intent_is_required() {
    let out = generate("main.bicep", "app", "openai", &[]);
    assert_eq!(out.status, 2);
}

#[test]
fn default_file_is_main_bicep() {
    let dir = scratch("default-file");
    std::fs::copy(
        root().join("fixtures/fix/generate/main.bicep"),
        dir.join("main.bicep"),
    )
    .unwrap();
    let out = keyless(
        &dir,
        &[
            "generate",
            "role-assignment",
            "--principal",
            "app",
            "--target",
            "search",
            "--intent",
            "read",
        ],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("reading `main.bicep`"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("Search Index Data Reader"));
}
