//! Every rule's doc (`rules/docs/<id>.md`) has the fixed sections, and its examples run: each
//! `## Example` block gets at least one finding of the rule, each `## Use instead` block none
//! (ruff's doc checks, biome's "invalid examples report", actionlint's checked examples).

const SECTIONS: &[&str] = &[
    "## What it does",
    "## Why it matters",
    "## Example",
    "## Use instead",
    "## Fix",
    "## References",
];

/// The fenced code blocks of one section, with their language.
fn blocks<'d>(doc: &'d str, section: &str) -> Vec<(&'d str, String)> {
    let Some(start) = doc.find(&format!("{section}\n")) else {
        return Vec::new();
    };
    let body = &doc[start + section.len()..];
    let body = body.find("\n## ").map_or(body, |end| &body[..end]);
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let Some(newline) = after.find('\n') else {
            break;
        };
        let language = &after[..newline];
        let code_start = &after[newline + 1..];
        let Some(close) = code_start.find("```") else {
            break;
        };
        found.push((language, code_start[..close].to_owned()));
        rest = &code_start[close + 3..];
    }
    found
}

fn findings(rule: &str, language: &str, code: &str) -> usize {
    let name = match language {
        "bicep" => "example.bicep",
        "json" | "jsonc" => "example.json",
        other => panic!("{rule}: examples in `{other}` cannot run"),
    };
    let report = keyless::lint::lint_text(name, code.as_bytes());
    report.diagnostics.iter().filter(|d| d.rule == rule).count()
}

#[test]
fn docs_have_every_section_in_order() {
    for id in keyless::rules::ids() {
        let doc = keyless::rules::find(id).unwrap().doc;
        assert!(
            doc.starts_with(&format!("# {id}\n")),
            "{id}: the doc starts with `# {id}`"
        );
        let mut last = 0;
        for section in SECTIONS {
            let at = doc
                .find(&format!("\n{section}\n"))
                .unwrap_or_else(|| panic!("{id}: missing `{section}`"));
            assert!(at > last, "{id}: `{section}` is out of order");
            last = at;
        }
    }
}

#[test]
fn doc_examples_fire_and_fixes_are_quiet() {
    for id in keyless::rules::ids() {
        let doc = keyless::rules::find(id).unwrap().doc;
        let examples = blocks(doc, "## Example");
        let fixed = blocks(doc, "## Use instead");
        assert!(!examples.is_empty(), "{id}: `## Example` has no code block");
        assert!(
            !fixed.is_empty(),
            "{id}: `## Use instead` has no code block"
        );
        for (language, code) in examples {
            assert!(
                findings(id, language, &code) >= 1,
                "{id}: the Example does not trigger the rule:\n{code}"
            );
        }
        for (language, code) in fixed {
            assert_eq!(
                findings(id, language, &code),
                0,
                "{id}: the Use-instead code triggers the rule:\n{code}"
            );
        }
    }
}
