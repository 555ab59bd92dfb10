//! Graph agreement on real code: for every folder holding a `main.bicep` and an
//! `azuredeploy.json` compiled from it (`metadata._generator.name == "bicep"`), or a Bicep
//! sample with its compiled `main.json`, the graph of the Bicep and the graph of the JSON must
//! list the same resources: type, evaluated name where constant, parent, and whether there is a
//! condition. Prints the agreement rate and the first disagreements. Used by
//! `scripts/graph-agreement.sh`; never run in CI (the corpora are local).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keyless::graph::export::describe;
use keyless::graph::value::ValueKind;
use keyless::graph::Graph;

type Key = (String, String, String, bool);

fn main() {
    let roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let mut pairs = Vec::new();
    for root in &roots {
        find_pairs(root, &mut pairs);
    }
    pairs.sort();
    let mut agree = 0;
    let mut shown = 0;
    let mut opaque = 0;
    for (bicep, json) in &pairs {
        let Some((left, registry)) = resources(bicep) else {
            continue;
        };
        let Some((right, _)) = resources(json) else {
            continue;
        };
        if registry {
            // Registry modules are opaque by design (no network); their compiled JSON inlines
            // them, so the two graphs cannot list the same resources.
            opaque += 1;
            continue;
        }
        if left == right {
            agree += 1;
        } else if shown < 40 {
            shown += 1;
            println!(
                "disagree: {}",
                bicep.parent().unwrap_or(Path::new("")).display()
            );
            for (key, count) in &left {
                if right.get(key) != Some(count) {
                    println!("  bicep only: {key:?} x{count}");
                }
            }
            for (key, count) in &right {
                if left.get(key) != Some(count) {
                    println!("  json only:  {key:?} x{count}");
                }
            }
        }
    }
    let compared = pairs.len() - opaque;
    println!(
        "{agree} of {compared} pairs agree: {:.1}% ({opaque} more pairs call registry modules, opaque by design)",
        100.0 * agree as f64 / compared.max(1) as f64
    );
}

/// `main.bicep` + `azuredeploy.json` (quickstarts) or `main.bicep` + `main.json` (Bicep
/// samples), where the JSON says Bicep generated it.
fn find_pairs(dir: &Path, out: &mut Vec<(PathBuf, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    let bicep = dir.join("main.bicep");
    if bicep.is_file() {
        for json in ["azuredeploy.json", "main.json"] {
            let json = dir.join(json);
            let generated = std::fs::read_to_string(&json)
                .map(|text| text.contains("\"_generator\"") && text.contains("\"bicep\""))
                .unwrap_or(false);
            if generated {
                out.push((bicep.clone(), json));
                break;
            }
        }
    }
    for entry in entries {
        if entry.is_dir() {
            find_pairs(&entry, out);
        }
    }
}

/// The resources of a file's graph, and whether it calls a registry module.
fn resources(path: &Path) -> Option<(BTreeMap<Key, usize>, bool)> {
    let mut counts = BTreeMap::new();
    let analysis = keyless::lint::analyze_paths(&[path.to_path_buf()])?;
    let graph = &analysis.graph;
    for (_, resource) in graph.resources() {
        // `existing` references are not deployed, and explicit deployment resources are module
        // calls in keyless's model.
        if resource.existing || resource.is_type("Microsoft.Resources/deployments") {
            continue;
        }
        *counts.entry(key(graph, resource)).or_insert(0) += 1;
    }
    let registry = graph
        .modules
        .iter()
        .any(|m| m.callee.is_none() && (m.source.starts_with("br") || m.source.starts_with("ts")));
    Some((counts, registry))
}

fn key(graph: &Graph, resource: &keyless::graph::Resource) -> Key {
    let name = |r: &keyless::graph::Resource| match &r.name.kind {
        ValueKind::String(name) => name.to_ascii_lowercase(),
        _ => "?".to_owned(),
    };
    // An `existing` parent is not deployed, and ARM's compiled form (languageVersion 1) omits
    // it: the parent is the deployed resource of the same type and name if the template has
    // one (`new` and `existing` branches of one resource), and otherwise none.
    let parent = resource
        .parent
        .and_then(|p| {
            let parent = graph.resource(p);
            if !parent.existing {
                return Some(p);
            }
            graph
                .resources()
                .find(|(_, r)| {
                    !r.existing
                        && r.is_type(&parent.type_name)
                        && describe(graph, &r.name)
                            .eq_ignore_ascii_case(&describe(graph, &parent.name))
                })
                .map(|(i, _)| i)
        })
        .map(|p| {
            let parent = graph.resource(p);
            format!("{}/{}", parent.type_name.to_ascii_lowercase(), name(parent))
        })
        .unwrap_or_default();
    (
        resource.type_name.to_ascii_lowercase(),
        name(resource),
        parent,
        resource.condition.is_some(),
    )
}
