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
    distance_up_to(a, b, usize::MAX).unwrap_or(usize::MAX)
}

/// Whether `a` and `b` are at most `limit` edits apart, without computing how far apart two
/// distant texts are (a pragma code far from every rule id costs a few characters, not the
/// whole table; AVM writes one on many declarations).
pub fn within_edit_distance(a: &str, b: &str, limit: usize) -> bool {
    distance_up_to(a, b, limit).is_some()
}

/// The distance, or `None` as soon as every way to continue needs more than `limit` edits.
fn distance_up_to(a: &str, b: &str, limit: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        let mut smallest = row[0];
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
            smallest = smallest.min(row[j + 1]);
        }
        if smallest > limit {
            return None;
        }
    }
    Some(row[b.len()]).filter(|&distance| distance <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_distance_agrees_with_the_full_one() {
        let words = [
            "",
            "a",
            "role",
            "rule",
            "local-auth-enabled",
            "local-auth-disabled",
            "lcoal-auth-enabled",
            "no-unused-params",
        ];
        for a in words {
            for b in words {
                let distance = edit_distance(a, b);
                for limit in 0..4 {
                    assert_eq!(
                        within_edit_distance(a, b, limit),
                        distance <= limit,
                        "{a} {b} {limit}"
                    );
                }
            }
        }
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
