// The ARM JSON front end over fixtures/syntax/arm: every fixture's errors (line:col, kind,
// message, caret) and an outline of the model it produced are snapshotted; the cases the
// issue names (comments, BOM, CRLF, duplicate key, deep nesting, unterminated string, a bad
// expression after an escaped character) are also asserted exactly here.

use std::fmt::Write as _;

use keyless::source::SourceFile;
use keyless::syntax::arm::{self, Resource, Str, Template};
use keyless::syntax::{self, json, FileKind, Parsed, Tree};

fn read(path: &std::path::Path) -> SourceFile {
    let bytes = std::fs::read(path).expect("fixture is readable");
    let (file, error) = SourceFile::decode(path.file_name().unwrap(), &bytes);
    assert_eq!(error, None, "fixtures are text");
    file
}

fn source(text: &str) -> SourceFile {
    SourceFile::new("input.json", text.to_owned(), false)
}

/// `line:col message` of every error.
fn errors(file: &SourceFile, parsed: &Parsed) -> Vec<String> {
    parsed
        .errors
        .iter()
        .map(|e| {
            let lc = file.line_col(e.span.start);
            format!("{}:{} {}", lc.line, lc.column, e.message)
        })
        .collect()
}

/// Errors with the source line and a caret under the span.
fn render_errors(file: &SourceFile, parsed: &Parsed, out: &mut String) {
    for e in &parsed.errors {
        let lc = file.line_col(e.span.start);
        let _ = writeln!(out, "{}:{} {:?}: {}", lc.line, lc.column, e.kind, e.message);
        let start = file.line_start(lc.line).unwrap_or(0);
        let line = file.text[start..].split(['\n', '\r']).next().unwrap_or("");
        let end_lc = file.line_col(e.span.end);
        let width = if end_lc.line == lc.line {
            (end_lc.column - lc.column).max(1)
        } else {
            1
        };
        let _ = writeln!(out, "  | {line}");
        let _ = writeln!(
            out,
            "  | {}{}",
            " ".repeat(lc.column as usize - 1),
            "^".repeat(width as usize)
        );
    }
}

fn text_of(file: &SourceFile, value: Option<&json::Value>) -> String {
    value.map_or("-".into(), |v| {
        file.slice(v.span).replace(['\r', '\n'], " ")
    })
}

fn string_kind(t: &Template, value: Option<&json::Value>) -> &'static str {
    match value.and_then(|v| t.string(v)) {
        Some(Str::Literal(_)) => "literal",
        Some(Str::Expression(_)) => "expression",
        Some(Str::Invalid) => "invalid expression",
        None => "not a string",
    }
}

fn outline_resource(file: &SourceFile, t: &Template, r: &Resource, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let symbol = r
        .symbolic_name
        .as_ref()
        .map_or(String::new(), |(name, _)| format!("{name}: "));
    let lc = file.line_col(r.span.start);
    let _ = writeln!(
        out,
        "{pad}- {symbol}{} {} (name {}, at {}:{})",
        text_of(file, r.type_.as_ref()),
        text_of(file, r.api_version.as_ref()),
        string_kind(t, r.name.as_ref()),
        lc.line,
        lc.column
    );
    let mut facts = Vec::new();
    if r.is_existing() {
        facts.push("existing".to_owned());
    }
    for (label, value) in [
        ("condition", &r.condition),
        ("scope", &r.scope),
        ("dependsOn", &r.depends_on),
        ("identity", &r.identity),
        ("sku", &r.sku),
        ("kind", &r.kind),
        ("tags", &r.tags),
    ] {
        if let Some(v) = value {
            facts.push(format!(
                "{label} {}",
                file.slice(v.span).replace(['\r', '\n'], " ")
            ));
        }
    }
    if let Some(props) = r.properties.as_ref().and_then(json::Value::as_object) {
        let keys: Vec<&str> = props.iter().map(|m| &*m.key).collect();
        facts.push(format!("properties keys {keys:?}"));
    }
    if let Some(copy) = &r.copy {
        facts.push(format!(
            "copy name {} count {} mode {} batchSize {}",
            text_of(file, copy.name.as_ref()),
            text_of(file, copy.count.as_ref()),
            text_of(file, copy.mode.as_ref()),
            text_of(file, copy.batch_size.as_ref())
        ));
    }
    for fact in facts {
        let _ = writeln!(out, "{pad}    {fact}");
    }
    if let Some(d) = &r.deployment {
        let _ = writeln!(
            out,
            "{pad}    nested deployment: scope {:?}, templateLink {}, parameters {}",
            d.scope,
            text_of(file, d.template_link.as_ref()),
            text_of(file, d.parameters.as_ref())
        );
        if let Some(inner) = &d.template {
            outline_template(file, inner, depth + 2, out);
        }
    }
    for child in &r.resources {
        outline_resource(file, t, child, depth + 1, out);
    }
}

fn outline_template(file: &SourceFile, t: &Template, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(
        out,
        "{pad}template: contentVersion {}, languageVersion {}, definitions {}",
        text_of(file, t.content_version.as_ref()),
        text_of(file, t.language_version.as_ref()),
        if t.definitions.is_some() { "yes" } else { "no" }
    );
    for p in &t.parameters {
        let _ = writeln!(
            out,
            "{pad}  param {}: type {}, default {}, allowed {}, description {}, secure {}",
            p.name,
            text_of(file, p.type_.as_ref()),
            text_of(file, p.default_value.as_ref()),
            text_of(file, p.allowed_values.as_ref()),
            text_of(file, p.description()),
            p.is_secure()
        );
    }
    for v in &t.variables {
        let _ = writeln!(
            out,
            "{pad}  var {} ({})",
            v.name,
            string_kind(t, Some(&v.value))
        );
    }
    for c in &t.variable_copies {
        let _ = writeln!(
            out,
            "{pad}  var copy {} count {}",
            text_of(file, c.name.as_ref()),
            text_of(file, c.count.as_ref())
        );
    }
    for ns in &t.functions {
        for f in &ns.members {
            let _ = writeln!(
                out,
                "{pad}  function {}.{} output {}",
                ns.namespace
                    .as_ref()
                    .and_then(|n| n.as_str())
                    .unwrap_or("?"),
                f.name,
                text_of(file, f.output.as_ref())
            );
        }
    }
    let layout = if t.symbolic_resources {
        "symbolic"
    } else {
        "array"
    };
    let _ = writeln!(out, "{pad}  resources ({layout}):");
    for r in &t.resources {
        outline_resource(file, t, r, depth + 2, out);
    }
    for o in &t.outputs {
        let _ = writeln!(
            out,
            "{pad}  output {}: type {}, value {} ({}), copy {}",
            o.name,
            text_of(file, o.type_.as_ref()),
            text_of(file, o.value.as_ref()),
            string_kind(t, o.value.as_ref()),
            o.copy.is_some()
        );
    }
}

fn outline(file: &SourceFile, parsed: &Parsed, out: &mut String) {
    match &parsed.tree {
        None => out.push_str("no tree\n"),
        Some(Tree::ArmTemplate(t)) => {
            let _ = writeln!(
                out,
                "expressions: {}, comments: {}",
                t.expression_count(),
                t.comments().len()
            );
            for c in t.comments() {
                let lc = file.line_col(c.span.start);
                let _ = writeln!(
                    out,
                    "comment {}:{} {:?} {:?}",
                    lc.line,
                    lc.column,
                    c.kind,
                    c.body(&file.text)
                );
            }
            outline_template(file, t, 0, out);
        }
        Some(Tree::ArmParameters(p)) => {
            let _ = writeln!(out, "parameter file, {} parameters", p.parameters.len());
            for v in &p.parameters {
                let _ = write!(
                    out,
                    "  {}: value {}",
                    v.name,
                    text_of(file, v.value.as_ref())
                );
                if let Some(r) = &v.reference {
                    let _ = write!(
                        out,
                        ", reference keyVault.id {} secretName {} secretVersion {}",
                        text_of(file, r.key_vault_id.as_ref()),
                        text_of(file, r.secret_name.as_ref()),
                        text_of(file, r.secret_version.as_ref())
                    );
                }
                out.push('\n');
            }
        }
        Some(_) => out.push_str("other JSON\n"),
    }
}

#[test]
fn fixtures() {
    insta::glob!("../fixtures/syntax/arm", "**/*.json", |path| {
        let file = read(path);
        let parsed = syntax::parse(&file, FileKind::Json);
        let mut out = String::new();
        render_errors(&file, &parsed, &mut out);
        if parsed.errors.is_empty() {
            out.push_str("no errors\n");
        }
        out.push_str("---\n");
        outline(&file, &parsed, &mut out);
        insta::assert_snapshot!(out);
    });
}

#[test]
fn comments_and_crlf() {
    let file = source("{\r\n  // one\r\n  \"a\": 1 /* two */\r\n}\r\n");
    let parsed = syntax::parse(&file, FileKind::Json);
    assert!(parsed.errors.is_empty());
    let Some(Tree::OtherJson(_)) = parsed.tree else {
        panic!("no $schema: other JSON")
    };
    let (doc, _) = json::parse_document(&file.text);
    let comments = doc.unwrap().comments;
    assert_eq!(file.slice(comments[0].span), "// one");
    assert_eq!(file.line_col(comments[1].span.start).line, 3);
}

#[test]
fn bom_is_not_part_of_the_text() {
    let (file, _) = SourceFile::decode("a.json", b"\xEF\xBB\xBF{\"a\": 1 2}");
    let parsed = syntax::parse(&file, FileKind::Json);
    assert_eq!(
        errors(&file, &parsed),
        ["1:9 expected `,` or `}` after an object member, found `2`"]
    );
}

#[test]
fn duplicate_key_points_at_the_second_key() {
    let file = source("{\n  \"a\": 1,\n  \"a\": 2\n}");
    let parsed = syntax::parse(&file, FileKind::Json);
    assert_eq!(
        errors(&file, &parsed),
        ["3:3 duplicate key `a`: it is already defined in this object"]
    );
    assert!(
        parsed.tree.is_some(),
        "a duplicate key does not lose the tree"
    );
}

#[test]
fn ten_thousand_levels_of_nesting_is_an_error() {
    let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let file = source(&text);
    let parsed = syntax::parse(&file, FileKind::Json);
    assert_eq!(
        errors(&file, &parsed),
        ["1:257 nesting is too deep: more than 256 levels of arrays and objects"]
    );
    let text = "{\"a\":".repeat(10_000);
    let file = source(&text);
    let parsed = syntax::parse(&file, FileKind::Json);
    assert_eq!(
        errors(&file, &parsed),
        ["1:1281 nesting is too deep: more than 256 levels of arrays and objects"]
    );
}

#[test]
fn unterminated_string_points_at_its_quote() {
    let file = source("{\n  \"a\": \"open\n}\n");
    let parsed = syntax::parse(&file, FileKind::Json);
    assert_eq!(
        errors(&file, &parsed),
        ["2:8 unterminated string: expected a closing `\"`"]
    );
}

#[test]
fn empty_file() {
    for text in ["", " \r\n\t"] {
        let file = source(text);
        let parsed = syntax::parse(&file, FileKind::Json);
        assert_eq!(
            errors(&file, &parsed),
            ["1:1 empty file: expected a JSON object"]
        );
        assert!(parsed.tree.is_none());
    }
}

#[test]
fn bad_expression_after_an_escape_points_inside_the_string() {
    // `\"` twice before the error: decoded offsets are 2 bytes short of source offsets.
    let text = concat!(
        "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n",
        "\"variables\": {\"v\": \"[concat('\\\"x\\\"', 'a' 'b')]\"}}"
    );
    let file = source(text);
    let parsed = syntax::parse(&file, FileKind::Json);
    assert_eq!(
        errors(&file, &parsed),
        ["2:42 expected `,` or `)` in the arguments of `concat`, found `'`"]
    );
    let e = &parsed.errors[0];
    assert_eq!(e.kind, keyless::syntax::SyntaxErrorKind::ArmExpression);
    assert_eq!(file.slice(e.span), "'");
    assert_eq!(&file.text[e.span.start as usize..][..4], "'b')");
}

#[test]
fn expressions_are_reachable_from_values() {
    let text = concat!(
        "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n",
        "\"resources\": [{\"type\": \"a/b\", \"name\": \"[parameters('n')]\"}]}"
    );
    let file = source(text);
    let parsed = syntax::parse(&file, FileKind::Json);
    let Some(Tree::ArmTemplate(t)) = &parsed.tree else {
        panic!("a template")
    };
    let name = t.resources[0].name.as_ref().unwrap();
    let Some(keyless::syntax::arm::Str::Expression(placed)) = t.string(name) else {
        panic!("parsed once, found by the value")
    };
    assert_eq!(placed.shift, 0, "the first place it is written");
    let expr = placed.expr;
    let call = expr.as_call_to("parameters").unwrap();
    assert_eq!(call.args[0].as_str(), Some("n"));
    assert_eq!(file.slice(call.args[0].span), "'n'");
    assert_eq!(file.slice(expr.span), "parameters('n')");
}

#[test]
fn parameter_file_values_are_literals() {
    let text = concat!(
        "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\",\n",
        "\"parameters\": {\"t\": {\"value\": \"[dbo].[emp]\"}}}"
    );
    let file = source(text);
    let parsed = syntax::parse(&file, FileKind::Json);
    assert!(parsed.errors.is_empty());
    let Some(Tree::ArmParameters(p)) = &parsed.tree else {
        panic!("a parameter file")
    };
    let v = p.parameter("t").unwrap().value.as_ref().unwrap();
    assert_eq!(p.string(v), Some(Str::Literal("[dbo].[emp]")));
    let _: &arm::ParameterFile = p;
}

#[test]
fn never_panics_on_prefixes_of_fixtures() {
    let file = read(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/syntax/arm/classic-template.json"
    )));
    for end in (0..file.text.len()).step_by(7) {
        if let Some(prefix) = file.text.get(..end) {
            let _ = syntax::parse(&source(prefix), FileKind::Json);
        }
    }
}
