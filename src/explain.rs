//! `keyless rules` (the table of rules) and `keyless explain RULE` (a rule's documentation).

use std::fmt::Write as _;

use crate::rules::{self, Rule};

/// One line per rule: id, default level, summary; sorted by id, `syntax-error` included.
pub fn rules_table() -> String {
    let all: Vec<&Rule> = rules::ids().into_iter().filter_map(rules::find).collect();
    let width = all.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(out, "{:width$}  {:7}  summary", "rule", "level");
    for rule in all {
        let _ = writeln!(
            out,
            "{:width$}  {:7}  {}",
            rule.id,
            rule.default_level.as_str(),
            rule.summary
        );
    }
    out
}

/// The documentation of a rule, or a message naming the closest rule ids.
pub fn explain(id: &str) -> Result<&'static str, String> {
    if let Some(rule) = rules::find(id) {
        return Ok(rule.doc);
    }
    let mut known = rules::ids();
    known.sort_by_key(|candidate| edit_distance(candidate, id));
    let closest = known.first().copied().unwrap_or_default();
    Err(format!(
        "unknown rule `{id}`; did you mean `{closest}`? (`keyless rules` lists them all)"
    ))
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
