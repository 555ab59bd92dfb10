//! SARIF 2.1.0 (<https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>), the shape
//! GitHub code scanning accepts
//! (<https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>).
//!
//! One run; `tool.driver.rules` lists every rule (not only those that fired), sorted by id,
//! with its documentation from `rules/docs/<id>.md`; each result names its rule by id and by
//! index into that list.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::baseline;
use crate::config::Level;
use crate::diagnostic::{Report, Severity};
use crate::rules::{self, Rule};
use crate::source::Span;

/// Where the rule docs are published; `helpUri` is this plus `<id>.md`.
pub const DOCS_BASE: &str = "https://github.com/keyless-lint/keyless/blob/main/rules/docs/";
const INFORMATION_URI: &str = "https://github.com/keyless-lint/keyless";
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base that relative artifact URIs resolve against: the directory keyless ran in. Its
/// absolute location is left out (§3.14.14 allows that) so the file is the same on every
/// machine; GitHub resolves it to the repository root.
const SRCROOT: &str = "%SRCROOT%";
/// The key of our fingerprint in `partialFingerprints`, versioned as §3.27.17 recommends.
const FINGERPRINT_KEY: &str = "keyless/v1";

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let ids = rules::ids();
    let rules: Vec<Value> = ids
        .iter()
        .filter_map(|id| rules::find(id))
        .map(rule)
        .collect();
    let fingerprints = baseline::fingerprints(report);
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .zip(&fingerprints)
        .map(|(diagnostic, fingerprint)| {
            let related: Vec<Value> = diagnostic
                .related
                .iter()
                .enumerate()
                .map(|(index, related)| {
                    json!({
                        "id": index + 1,
                        "physicalLocation": physical(report, related.file, related.span),
                        "message": { "text": related.message },
                    })
                })
                .collect();
            let mut result = json!({ "ruleId": diagnostic.rule });
            if let Some(index) = ids.iter().position(|id| *id == diagnostic.rule) {
                result["ruleIndex"] = json!(index);
            }
            result["level"] = json!(result_level(diagnostic.severity));
            result["message"] = json!({ "text": diagnostic.message });
            result["locations"] =
                json!([{ "physicalLocation": physical(report, diagnostic.file, diagnostic.span) }]);
            result["partialFingerprints"] = json!({ FINGERPRINT_KEY: fingerprint });
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            result
        })
        .collect();
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "keyless",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {
                SRCROOT: { "description": { "text": "the directory keyless ran in (the repository root)" } }
            },
            // Our columns count Unicode scalar values (DESIGN.md), i.e. code points (§3.14.23).
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

fn rule(rule: &Rule) -> Value {
    // The pseudo-rules (`syntax-error`, `unused-suppression`) are about the input, not about
    // security; every rule of `RULES` is a security rule.
    let is_security = rules::RULES.iter().any(|r| r.id == rule.id);
    let mut properties = json!({
        "tags": if is_security { json!(["security", "azure"]) } else { json!(["correctness"]) },
    });
    // GitHub ranks code-scanning alerts by `security-severity`, a number as a string (over 9.0
    // critical, 7.0 high, 4.0 medium, else low). Only security rules get one; it follows the
    // rule's default level: error 8.0 (high), warning 5.0 (medium), info 2.0 (low).
    if is_security {
        properties["security-severity"] = json!(match rule.default_level {
            Level::Error => "8.0",
            Level::Warning => "5.0",
            Level::Info | Level::Off => "2.0",
        });
    }
    json!({
        "id": rule.id,
        "name": rule.id,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": what_it_does(rule.doc) },
        "helpUri": format!("{DOCS_BASE}{}.md", rule.id),
        "help": { "text": rule.doc, "markdown": rule.doc },
        "defaultConfiguration": { "level": config_level(rule.default_level) },
        "properties": properties,
    })
}

/// The doc's "What it does" section as one paragraph (the summary when it has none).
fn what_it_does(doc: &str) -> String {
    let section = doc
        .split("\n## ")
        .find_map(|part| part.strip_prefix("What it does\n"))
        .unwrap_or("");
    let text = section.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        doc.lines()
            .next()
            .unwrap_or("")
            .trim_start_matches("# ")
            .into()
    } else {
        text
    }
}

fn result_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn config_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
        Level::Off => "none",
    }
}

fn physical(report: &Report, file: crate::source::FileId, span: Span) -> Value {
    let at = report.location(file, span);
    // §3.30: `endColumn` is the column after the last character, which is what a half-open
    // span's end gives.
    let region = json!({
        "startLine": at.start.line,
        "startColumn": at.start.column,
        "endLine": at.end.line,
        "endColumn": at.end.column,
    });
    json!({ "artifactLocation": artifact(&super::repo_path(at.file)), "region": region })
}

/// A path relative to the current directory resolves against `%SRCROOT%`; any other path
/// (outside it) becomes an absolute `file:` URI (§3.4.3).
fn artifact(path: &str) -> Value {
    if path.starts_with('/') {
        json!({ "uri": format!("file://{}", encode(path)) })
    } else if path.as_bytes().get(1) == Some(&b':') {
        // A Windows drive path, `C:/x`: the drive letter's colon stays as it is.
        json!({ "uri": format!("file:///{}:{}", &path[..1], encode(&path[2..])) })
    } else {
        json!({ "uri": encode(path), "uriBaseId": SRCROOT })
    }
}

/// Percent-encodes every byte of a path except RFC 3986 unreserved characters and `/`.
fn encode(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(
            artifact("infra/my app/main.bicep"),
            json!({ "uri": "infra/my%20app/main.bicep", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact("/tmp/a b.bicep"),
            json!({ "uri": "file:///tmp/a%20b.bicep" })
        );
        assert_eq!(
            artifact("C:/x/main.bicep"),
            json!({ "uri": "file:///C:/x/main.bicep" })
        );
    }

    #[test]
    fn full_description_is_the_first_section() {
        let doc = "# r\n\n## What it does\nFlags\nthis.\n\n## Why it matters\nno\n";
        assert_eq!(what_it_does(doc), "Flags this.");
    }
}
