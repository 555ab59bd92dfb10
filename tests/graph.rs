//! `keyless graph` over `fixtures/graph/`: each case's JSON graph is a snapshot, and a Bicep
//! file and its ARM twin (`x.bicep`, `x.json`) must give the same graph: the same resources
//! (type, evaluated name, parent, `existing`, condition, loop element) and the same edges
//! between them. Symbols and positions differ between the languages and are left out of the
//! comparison.

use std::path::{Path, PathBuf};

use keyless::cli::GraphFormat;
use serde_json::Value;

fn graph(path: &Path, format: GraphFormat) -> String {
    let (text, problems) = keyless::lint::graph_text(&[path.to_path_buf()], format);
    assert!(problems.is_empty(), "{}: {problems:?}", path.display());
    text
}

/// The language-independent content of a JSON graph.
fn projection(json: &str) -> (Vec<String>, Vec<String>) {
    let graph: Value = serde_json::from_str(json).expect("graph JSON parses");
    let resources = graph["resources"].as_array().unwrap();
    let describe = |id: &Value| -> String {
        match id.as_u64().and_then(|i| resources.get(i as usize)) {
            Some(r) => format!(
                "{} {}",
                r["type"].as_str().unwrap().to_ascii_lowercase(),
                r["name"]
            ),
            None => "-".to_owned(),
        }
    };
    let mut nodes: Vec<String> = resources
        .iter()
        .map(|r| {
            format!(
                "{} {} parent={} existing={} condition={} loop={}",
                r["type"].as_str().unwrap().to_ascii_lowercase(),
                r["name"],
                describe(&r["parent"]),
                r["existing"],
                r["condition"],
                r["loop_index"]
            )
        })
        .collect();
    nodes.sort();
    let mut edges: Vec<String> = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match e["kind"].as_str().unwrap() {
            "assigns" => format!(
                "assigns {} principal={} role={} scope={}",
                describe(&e["assignment"]),
                describe(&e["principal"]),
                e["role"],
                describe(&e["scope"])
            ),
            "uses" => format!("uses {} -> {}", describe(&e["app"]), describe(&e["target"])),
            other => format!(
                "{other} {} from={} into={}",
                e["function"].as_str().unwrap_or("").to_ascii_lowercase(),
                describe(&e["from"]),
                describe(&e["holder"])
            ),
        })
        .collect();
    edges.sort();
    (nodes, edges)
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir("fixtures/graph")
        .expect("fixtures/graph exists")
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    cases
}

#[test]
fn graphs_match_their_snapshots() {
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({ snapshot_suffix => name.clone(), omit_expression => true }, {
            insta::assert_snapshot!("json", graph(&case, GraphFormat::Json));
        });
        if case.extension().is_some_and(|e| e == "bicep") || case.is_dir() {
            insta::with_settings!({ snapshot_suffix => name, omit_expression => true }, {
                insta::assert_snapshot!("mermaid", graph(&case, GraphFormat::Mermaid));
            });
        }
    }
}

#[test]
fn bicep_and_arm_twins_give_the_same_graph() {
    let mut twins = 0;
    for case in cases() {
        if case.extension().is_none_or(|e| e != "bicep") {
            continue;
        }
        let arm = case.with_extension("json");
        if !arm.exists() {
            continue;
        }
        twins += 1;
        let bicep = projection(&graph(&case, GraphFormat::Json));
        let json = projection(&graph(&arm, GraphFormat::Json));
        assert_eq!(bicep, json, "{} and its ARM twin disagree", case.display());
        assert!(!bicep.0.is_empty(), "{} has resources", case.display());
    }
    assert!(twins >= 3, "fixtures/graph holds Bicep/ARM twins");
}

#[test]
fn module_outputs_carry_the_identity_back_to_the_caller() {
    let json = graph(
        Path::new("fixtures/graph/module-outputs"),
        GraphFormat::Json,
    );
    let (_, edges) = projection(&json);
    assert!(
        edges.iter().any(|e| e.starts_with("assigns")
            && e.contains(
                "principal=microsoft.managedidentity/userassignedidentities \"contoso-jobs\""
            )
            && e.contains("scope=microsoft.search/searchservices \"contoso-search\"")),
        "{edges:#?}"
    );
}

#[test]
fn a_module_called_again_with_the_same_arguments_is_one_instance() {
    let json = graph(
        Path::new("fixtures/graph/module-instances"),
        GraphFormat::Json,
    );
    let graph: Value = serde_json::from_str(&json).unwrap();
    let callees: Vec<&Value> = graph["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["callee"])
        .collect();
    // Three calls: both loop elements share one instance, the third has its own.
    assert_eq!(callees.len(), 3, "{json}");
    assert_eq!(callees[0], callees[1], "{json}");
    assert_ne!(callees[0], callees[2], "{json}");
    let (nodes, _) = projection(&json);
    let named = |name: &str| nodes.iter().filter(|n| n.contains(name)).count();
    assert_eq!(named("\"contoso-search\""), 1, "{nodes:#?}");
    assert_eq!(named("\"fabrikam-search\""), 1, "{nodes:#?}");
}

#[test]
fn reference_to_a_nested_deployment_finds_it_by_its_evaluated_name_each_time() {
    let json = graph(
        Path::new("fixtures/graph/deployment-reference"),
        GraphFormat::Json,
    );
    let (_, edges) = projection(&json);
    let from_the_nested_identity = |target: &str| {
        edges.iter().any(|e| {
            e.starts_with("assigns")
                && e.contains(
                    "principal=microsoft.managedidentity/userassignedidentities \"contoso-jobs\"",
                )
                && e.contains(target)
        })
    };
    // Two role assignments read the same deployment's output: the first lookup evaluates the
    // deployment names, the second finds them already known.
    assert!(
        from_the_nested_identity("scope=microsoft.search/searchservices \"contoso-search\""),
        "{edges:#?}"
    );
    assert!(
        from_the_nested_identity("scope=microsoft.storage/storageaccounts \"contosostore\""),
        "{edges:#?}"
    );
}
