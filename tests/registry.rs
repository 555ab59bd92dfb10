//! The rule registry stays tidy: ids unique, kebab-case, sorted, short; every rule has a doc
//! and a fixture folder; every message in the snapshots follows the house style (lower-case
//! start, no final period), as clippy's `lint_message_convention` test does.

use std::path::Path;

#[test]
fn ids_are_unique_sorted_kebab_case_and_short() {
    let ids: Vec<&str> = keyless::rules::RULES.iter().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "RULES is sorted by id and has no duplicates");
    for id in keyless::rules::ids() {
        assert!(id.len() <= 36, "{id} is longer than 36 characters");
        assert!(
            id.split('-')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase())),
            "{id} is not kebab-case"
        );
    }
}

#[test]
fn every_rule_has_a_fixture_folder() {
    for rule in keyless::rules::RULES {
        let folder = Path::new("fixtures").join(rule.id);
        assert!(folder.is_dir(), "{} has no fixtures/{}/", rule.id, rule.id);
    }
}

#[test]
fn messages_follow_the_house_style() {
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir("tests/snapshots").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            // The first line of each diagnostic in the human format: `  × message`.
            let Some(message) = ["  × ", "  ⚠ ", "  ☞ "]
                .iter()
                .find_map(|marker| line.strip_prefix(marker))
            else {
                continue;
            };
            let first = message.chars().next().unwrap_or(' ');
            if first.is_uppercase() || message.trim_end().ends_with('.') {
                offenders.push(format!("{}: {message}", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}
