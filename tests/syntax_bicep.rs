//! The Bicep front end: fixture snapshots, error fixtures, robustness, and (ignored by default)
//! the corpus conformance run and a mutation fuzz loop.
//!
//! - `fixtures/syntax/bicep/*.bicep|bicepparam` must parse without errors; the snapshot holds
//!   the tree's S-expression print.
//! - `fixtures/syntax/bicep/invalid/*` must give at least one error; the snapshot holds the
//!   errors (`line:col-line:col message`) and the recovered tree.
//! - `KEYLESS_CORPUS=/work/corpus cargo test --release --test syntax_bicep -- --ignored conformance --nocapture`
//!   parses the compiler's baselines, the user-submitted samples, AVM and the quickstarts.
//! - `KEYLESS_FUZZ_SECONDS=600 cargo test --release --test syntax_bicep -- --ignored fuzz --nocapture`
//!   mutates the fixtures (and, with `KEYLESS_CORPUS`, the baselines) and checks that the
//!   parser never panics and keeps every span inside the text.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use keyless::source::SourceFile;
use keyless::syntax::bicep::{self, Program};
use keyless::syntax::bicep_lexer;
use keyless::syntax::SyntaxError;

fn parse_file(path: &Path) -> (SourceFile, Program, Vec<SyntaxError>) {
    let bytes = std::fs::read(path).unwrap();
    let (file, error) = SourceFile::decode(path, &bytes);
    assert!(error.is_none(), "{}: {error:?}", path.display());
    let is_params = path.extension().is_some_and(|e| e == "bicepparam");
    let (program, errors) = bicep::parse(&file.text, is_params);
    (file, program, errors)
}

fn render_errors(file: &SourceFile, errors: &[SyntaxError]) -> String {
    let mut out = String::new();
    for error in errors {
        let start = file.line_col(error.span.start);
        let end = file.line_col(error.span.end);
        out.push_str(&format!(
            "{}:{}-{}:{} {}\n",
            start.line, start.column, end.line, end.column, error.message
        ));
    }
    out
}

#[test]
fn valid_fixtures_parse_without_errors() {
    insta::glob!("../fixtures/syntax/bicep", "*.{bicep,bicepparam}", |path| {
        let (file, program, errors) = parse_file(path);
        assert!(
            errors.is_empty(),
            "{} should parse without errors:\n{}",
            path.display(),
            render_errors(&file, &errors)
        );
        insta::assert_snapshot!(program.to_sexpr(&file.text));
    });
}

#[test]
fn invalid_fixtures_report_errors() {
    insta::glob!(
        "../fixtures/syntax/bicep/invalid",
        "*.{bicep,bicepparam}",
        |path| {
            let (file, program, errors) = parse_file(path);
            assert!(
                !errors.is_empty(),
                "{} should have syntax errors",
                path.display()
            );
            // Every `// error` comment marks a line that must carry an error, and every error must
            // be on such a line (or the line after it, for errors at a line break).
            let marked: Vec<u32> = file
                .text
                .lines()
                .enumerate()
                .filter(|(_, line)| line.contains("// error"))
                .map(|(i, _)| i as u32 + 1)
                .collect();
            for line in &marked {
                assert!(
                    errors
                        .iter()
                        .any(|e| file.line_col(e.span.start).line == *line),
                    "{}:{line} is marked `// error` but has no error:\n{}",
                    path.display(),
                    render_errors(&file, &errors)
                );
            }
            insta::assert_snapshot!(format!(
                "{}\n{}",
                render_errors(&file, &errors),
                program.to_sexpr(&file.text)
            ));
        }
    );
}

/// Checks what must hold for every input: spans inside the text and on character boundaries,
/// errors sorted, the printer works.
fn check_invariants(text: &str, is_params: bool) {
    let (program, errors) = bicep::parse(text, is_params);
    let ok = |span: keyless::source::Span| {
        span.start <= span.end
            && (span.end as usize) <= text.len()
            && text.is_char_boundary(span.start as usize)
            && text.is_char_boundary(span.end as usize)
    };
    for error in &errors {
        assert!(ok(error.span), "bad error span {error:?} for {text:?}");
        assert!(!error.message.is_empty());
    }
    assert!(errors
        .windows(2)
        .all(|w| w[0].span.start <= w[1].span.start));
    for statement in &program.statements {
        assert!(ok(statement.span()), "bad statement span for {text:?}");
    }
    for pragma in &program.pragmas {
        assert!(ok(pragma.span) && ok(pragma.trailing));
    }
    let _ = program.to_sexpr(text);
    // The lexer never loses text: tokens are in order and inside the text.
    let lexed = bicep_lexer::lex(text);
    let mut last = 0;
    for token in &lexed.tokens {
        assert!(
            token.start >= last && ok(token.span()),
            "token {token:?} in {text:?}"
        );
        last = token.end;
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // Run on a 2 MiB stack like any test thread, in a debug build.
    for (open, close) in [
        ("(", ")"),
        ("[", "]"),
        ("{a:", "}"),
        ("'${", "}'"),
        ("!(", ")"),
    ] {
        let depth = 10_000;
        let text = format!("var x = {}1{}\n", open.repeat(depth), close.repeat(depth));
        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || bicep::parse(&text, false).1)
            .unwrap();
        let errors = handle.join().expect("parser overflowed the stack");
        assert!(
            errors
                .iter()
                .any(|e| e.message.contains("nesting is too deep")),
            "{open}: {errors:?}"
        );
    }
    let text = format!(
        "type t = {}string{}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let errors = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || bicep::parse(&text, false).1)
        .unwrap()
        .join()
        .expect("type parser overflowed the stack");
    assert!(!errors.is_empty());
}

#[test]
fn odd_inputs_never_panic() {
    let inputs = [
        "",
        "\n",
        "'",
        "'${",
        "'${'${",
        "$'''",
        "$$'''${",
        "'''",
        "/*",
        "#",
        "#disable-next-line",
        "@",
        "@\n",
        "param",
        "resource x",
        "var x = [for",
        "var x = [for (a, b, c) in x: a]",
        "var x = {\n a: 1\n",
        "var x = '\\u{",
        "var x = '\\u{110000}'",
        "var x = 'é\\é'",
        "var é = 1",
        "var x = 99999999999999999999999",
        "type x = |",
        "type x = 'a' |\n",
        "func f(a string) string => a\nfunc",
        "import * as",
        "import {a as} from 'x'",
        "extension 'x' with",
        "output o resource",
        "var x = a.?b()",
        "var x = a[]",
        "var x = ()",
        "var x = (a, b)",
        "var x = (a.b) => 1",
        "using",
        "\u{feff}var x = 1",
        "var x = '${{a: 1}.a}'",
        "var x = '${\n}'",
        "var x = $'''${\n}'''",
        "\r\r\r\n\n",
        "var x = '\\",
        "@sys.\nparam x string",
    ];
    for input in inputs {
        check_invariants(input, false);
        check_invariants(input, true);
    }
}

#[test]
fn keywords_are_usable_as_names() {
    let text = "var if = true\nvar resource = 1\nparam param string\noutput output string = param\nvar x = {\n  resource: 1\n  if: 2\n}\n";
    let (program, errors) = bicep::parse(text, false);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(program.statements.len(), 5);
    let (_, errors) = bicep::parse("var true = 1\n", false);
    assert!(!errors.is_empty());
}

#[test]
fn one_typo_does_not_hide_the_rest() {
    let text = "param a strin g\nvar b = {\n  x: 1\n  y: = 2\n  z: 3\n}\nvar c = 1 +\nresource r 'a@1' = {\n  name: 'r'\n}\n";
    let (program, errors) = bicep::parse(text, false);
    let lines: Vec<u32> = {
        let file = SourceFile::new("t.bicep", text, false);
        errors
            .iter()
            .map(|e| file.line_col(e.span.start).line)
            .collect()
    };
    assert_eq!(lines, vec![1, 4, 7], "{errors:#?}");
    assert!(program
        .statements
        .iter()
        .any(|s| matches!(s, bicep::Statement::Resource(r) if r.name.name == "r")));
    let var_b = program.statements_named("b").next().unwrap();
    let bicep::Statement::Var(var_b) = var_b else {
        panic!("b is a var")
    };
    assert!(var_b.value.property("z").is_some());
}

#[test]
fn error_messages_follow_the_house_style() {
    let cases = [
        "param x string 'a'",
        "var x 1",
        "var x = ",
        "resource r = {}",
        "var x = [\n1,\n2]",
        "var x = concat(1\n2)",
        "var x = a ?\nb : c",
        "@description('x') param y string",
        "var x = '\\q'",
        "var x = \"a\"",
    ];
    for case in cases {
        let (_, errors) = bicep::parse(case, false);
        assert!(!errors.is_empty(), "{case:?} should fail");
        for error in errors {
            let first = error.message.chars().next().unwrap();
            assert!(
                !first.is_uppercase() && !error.message.ends_with('.'),
                "{case:?}: {}",
                error.message
            );
        }
    }
}

// ----- corpus conformance ---------------------------------------------------------------------

/// The BCP codes raised by the compiler's lexer and parser (Lexer.cs, BaseParser.cs, Parser.cs,
/// ParamsParser.cs). BCP032 is left out: it is mostly raised by the type checker.
const PARSER_CODES: &[&str] = &[
    "BCP001", "BCP002", "BCP003", "BCP004", "BCP005", "BCP006", "BCP007", "BCP008", "BCP009",
    "BCP010", "BCP011", "BCP012", "BCP013", "BCP015", "BCP016", "BCP017", "BCP018", "BCP019",
    "BCP020", "BCP021", "BCP022", "BCP023", "BCP024", "BCP064", "BCP068", "BCP087", "BCP096",
    "BCP097", "BCP103", "BCP117", "BCP118", "BCP123", "BCP133", "BCP136", "BCP140", "BCP162",
    "BCP167", "BCP201", "BCP202", "BCP226", "BCP236", "BCP237", "BCP238", "BCP243", "BCP249",
    "BCP257", "BCP266", "BCP279", "BCP300", "BCP305", "BCP317", "BCP322", "BCP325", "BCP337",
    "BCP344", "BCP346", "BCP347", "BCP354", "BCP355", "BCP356", "BCP375", "BCP404", "BCP436",
];

/// Corpus files that are broken on purpose (the compiler rejects them too).
const KNOWN_INVALID: &[&str] = &[
    // `param abc` without a type: test data for the quickstarts' own error reporting.
    "test/ci-tests/data/validate-deploymentfile-tests/bicep-error/main.bicep",
];

fn files_with_extension(root: &Path, extension: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == extension) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

struct Tally {
    name: String,
    files: usize,
    bytes: usize,
    files_with_errors: usize,
    errors: usize,
    elapsed: Duration,
    shown: Vec<String>,
}

impl Tally {
    fn new(name: &str) -> Tally {
        Tally {
            name: name.into(),
            files: 0,
            bytes: 0,
            files_with_errors: 0,
            errors: 0,
            elapsed: Duration::ZERO,
            shown: Vec::new(),
        }
    }

    fn add(&mut self, path: &Path, text: &str, is_params: bool) -> usize {
        let start = Instant::now();
        let (program, errors) = bicep::parse(text, is_params);
        self.elapsed += start.elapsed();
        std::hint::black_box(&program);
        self.files += 1;
        self.bytes += text.len();
        if !errors.is_empty() {
            self.files_with_errors += 1;
            self.errors += errors.len();
            let file = SourceFile::new(path, text.to_owned(), false);
            for error in errors.iter().take(3) {
                if self.shown.len() < 25 {
                    let at = file.line_col(error.span.start);
                    self.shown.push(format!(
                        "  {}:{}:{}: {}",
                        path.display(),
                        at.line,
                        at.column,
                        error.message
                    ));
                }
            }
        }
        errors.len()
    }

    fn report(&self) {
        let mb = self.bytes as f64 / 1e6;
        println!(
            "{:<28} {:>5} files {:>7.2} MB  {:>4} files with errors ({} errors)  {:>7.1} MB/s",
            self.name,
            self.files,
            mb,
            self.files_with_errors,
            self.errors,
            mb / self.elapsed.as_secs_f64().max(1e-9)
        );
        for line in &self.shown {
            println!("{line}");
        }
    }
}

fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    SourceFile::decode(path, &bytes).0.text.to_string()
}

/// Lines (0-based) of the source that carry a parser error in a `*.diagnostics.*` baseline,
/// or `None` when the baseline has no parser error.
fn expected_parser_error_lines(diagnostics: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut source_line: isize = -1;
    for line in diagnostics.lines() {
        if let Some(rest) = line.strip_prefix("//@[") {
            if rest.contains("(Error)]")
                && PARSER_CODES
                    .iter()
                    .any(|c| rest.contains(&format!("[{c} ")))
            {
                lines.push(source_line.max(0) as usize);
            }
        } else {
            source_line += 1;
        }
    }
    lines.dedup();
    lines
}

/// Compares our tokens with a `main.tokens.bicep` baseline: line, UTF-16 start and end
/// columns and kind of every token. Returns (tokens compared, first mismatch).
fn compare_tokens(text: &str, baseline: &str) -> (usize, Option<String>) {
    let mut expected = Vec::new();
    let mut source_line: isize = -1;
    for line in baseline.lines() {
        if let Some(rest) = line.strip_prefix("//@[") {
            let Some((range, rest)) = rest.split_once(") ") else {
                continue;
            };
            let Some((start, end)) = range.split_once(':') else {
                continue;
            };
            let kind = rest.split(' ').next().unwrap_or("");
            let (Ok(start), Ok(end)) = (start.trim().parse::<usize>(), end.trim().parse::<usize>())
            else {
                continue;
            };
            expected.push((source_line.max(0) as usize, start, end, kind.to_owned()));
        } else {
            source_line += 1;
        }
    }
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let utf16 = |from: usize, to: usize| text.get(from..to).map_or(0, |s| s.encode_utf16().count());
    let lexed = bicep_lexer::lex(text);
    let mut actual = Vec::new();
    for token in &lexed.tokens {
        let start = token.start as usize;
        let line = line_starts.partition_point(|&s| s <= start) - 1;
        let col = utf16(line_starts[line], start);
        let len = utf16(start, token.end as usize);
        let kind = match token.kind {
            bicep_lexer::TokenKind::True => "TrueKeyword".to_owned(),
            bicep_lexer::TokenKind::False => "FalseKeyword".to_owned(),
            bicep_lexer::TokenKind::Null => "NullKeyword".to_owned(),
            other => format!("{other:?}"),
        };
        actual.push((line, col, col + len, kind));
    }
    let compared = expected.len().min(actual.len());
    for (e, a) in expected.iter().zip(&actual) {
        if e != a {
            return (compared, Some(format!("expected {e:?}, got {a:?}")));
        }
    }
    if expected.len() != actual.len() {
        return (
            compared,
            Some(format!(
                "{} tokens expected, {} lexed",
                expected.len(),
                actual.len()
            )),
        );
    }
    (compared, None)
}

#[test]
#[ignore = "needs KEYLESS_CORPUS; run with --release --ignored"]
fn conformance() {
    let Ok(root) = std::env::var("KEYLESS_CORPUS") else {
        println!("KEYLESS_CORPUS is not set; nothing to do");
        return;
    };
    let root = PathBuf::from(root);
    let samples = root.join("bicep-samples/src/Bicep.Core.Samples/Files");
    let mut failures = Vec::new();

    // Compiler baselines: valid ones parse cleanly, ones with parser errors report some.
    let mut clean = Tally::new("baselines (no parse error)");
    let mut broken = Tally::new("baselines (parse errors)");
    let mut line_hits = (0usize, 0usize, 0usize); // expected lines found, expected lines, our extra lines
    let mut tokens = (0usize, 0usize, 0usize); // files compared, tokens compared, files differing
    for (dir, main, diagnostics, tokens_file) in [
        (
            "baselines",
            "main.bicep",
            "main.diagnostics.bicep",
            "main.tokens.bicep",
        ),
        (
            "baselines_bicepparam",
            "parameters.bicepparam",
            "parameters.diagnostics.bicepparam",
            "parameters.tokens.bicepparam",
        ),
    ] {
        let mut folders: Vec<PathBuf> = std::fs::read_dir(samples.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            let path = folder.join(main);
            let Ok(diag) = std::fs::read_to_string(folder.join(diagnostics)) else {
                continue;
            };
            let text = read_text(&path);
            let is_params = main.ends_with("bicepparam");
            let expected_lines = expected_parser_error_lines(&diag);
            if expected_lines.is_empty() {
                if clean.add(&path, &text, is_params) > 0 {
                    failures.push(format!("{} should parse without errors", path.display()));
                }
            } else {
                let (_, errors) = bicep::parse(&text, is_params);
                let file = SourceFile::new(&path, text.clone(), false);
                let ours: Vec<usize> = errors
                    .iter()
                    .map(|e| file.line_col(e.span.start).line as usize - 1)
                    .collect();
                line_hits.0 += expected_lines.iter().filter(|l| ours.contains(l)).count();
                line_hits.1 += expected_lines.len();
                let mut extra: Vec<usize> = ours
                    .iter()
                    .copied()
                    .filter(|l| !expected_lines.contains(l))
                    .collect();
                extra.dedup();
                line_hits.2 += extra.len();
                if std::env::var("KEYLESS_SHOW_LINES").is_ok() {
                    for l in &extra {
                        println!("  extra error line {}:{}", path.display(), l + 1);
                    }
                    for l in expected_lines.iter().filter(|l| !ours.contains(l)) {
                        println!("  missed error line {}:{}", path.display(), l + 1);
                    }
                }
                if broken.add(&path, &text, is_params) == 0 {
                    failures.push(format!("{} should have syntax errors", path.display()));
                }
            }
            if let Ok(baseline) = std::fs::read_to_string(folder.join(tokens_file)) {
                let (count, mismatch) = compare_tokens(&text, &baseline);
                tokens.0 += 1;
                tokens.1 += count;
                if let Some(mismatch) = mismatch {
                    tokens.2 += 1;
                    println!("  token mismatch in {}: {mismatch}", path.display());
                }
            }
        }
    }
    broken.shown.clear();
    clean.report();
    broken.report();
    println!(
        "  parser-error lines: {} of {} expected lines have an error here; {} other lines have one",
        line_hits.0, line_hits.1, line_hits.2
    );
    println!(
        "  tokens: {} baselines, {} tokens compared, {} baselines differ",
        tokens.0, tokens.1, tokens.2
    );

    for (name, dir, extension) in [
        (
            "user_submitted .bicep",
            samples.join("user_submitted"),
            "bicep",
        ),
        ("avm .bicep", root.join("avm"), "bicep"),
        ("avm .bicepparam", root.join("avm"), "bicepparam"),
        ("quickstarts .bicep", root.join("quickstarts"), "bicep"),
        (
            "quickstarts .bicepparam",
            root.join("quickstarts"),
            "bicepparam",
        ),
    ] {
        let mut tally = Tally::new(name);
        let files: Vec<(PathBuf, String)> = files_with_extension(&dir, extension)
            .into_iter()
            .map(|p| {
                let text = read_text(&p);
                (p, text)
            })
            .collect();
        for (path, text) in &files {
            let errors = tally.add(path, text, extension == "bicepparam");
            let known_invalid = KNOWN_INVALID.iter().any(|k| path.ends_with(k));
            if errors > 0 && !known_invalid {
                failures.push(format!("{} should parse without errors", path.display()));
            } else if errors == 0 && known_invalid {
                failures.push(format!("{} should have syntax errors", path.display()));
            }
        }
        tally.report();
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ----- fuzzing ------------------------------------------------------------------------------

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const DICTIONARY: &[&str] = &[
    "'",
    "''",
    "'''",
    "$'''",
    "$$'''",
    "${",
    "}",
    "{",
    "[",
    "]",
    "(",
    ")",
    "\n",
    "\r\n",
    ",",
    ":",
    "::",
    "?",
    "??",
    ".?",
    "!",
    "=>",
    "=",
    "==",
    "|",
    "...",
    "@",
    "#disable-next-line x\n",
    "/*",
    "*/",
    "//",
    "\\",
    "\\u{",
    "resource ",
    "param ",
    "var ",
    "for ",
    "if ",
    "in ",
    "existing",
    "é",
    "😀",
    "\t",
    " ",
    "0",
    "99999999999999999999999",
    "true",
    "null",
    "import ",
    "func ",
    "type ",
    "output ",
    "module ",
    "using ",
    "with ",
    "as ",
    "*",
];

fn mutate(rng: &mut XorShift, text: &str, seeds: &[String]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(4) {
        let len = chars.len();
        match rng.below(6) {
            0 if len > 0 => {
                let at = rng.below(len);
                let n = rng.below(8).min(len - at);
                chars.drain(at..at + n);
            }
            1 => {
                let at = rng.below(len + 1);
                let word = DICTIONARY[rng.below(DICTIONARY.len())];
                chars.splice(at..at, word.chars());
            }
            2 if len > 0 => {
                let at = rng.below(len);
                let n = rng.below(40).min(len - at);
                let copy: Vec<char> = chars[at..at + n].to_vec();
                let to = rng.below(len + 1);
                chars.splice(to..to, copy);
            }
            3 if len > 0 => {
                chars.truncate(rng.below(len));
            }
            4 => {
                let other: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let n = rng.below(200).min(other.len() - from);
                    let at = rng.below(len + 1);
                    chars.splice(at..at, other[from..from + n].iter().copied());
                }
            }
            _ if len > 0 => {
                let at = rng.below(len);
                chars[at] = char::from(b" \n'{}[]()$:?,.=|@#\\"[rng.below(19)]);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

#[test]
#[ignore = "long-running; set KEYLESS_FUZZ_SECONDS"]
fn fuzz() {
    let seconds: u64 = std::env::var("KEYLESS_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let mut seeds: Vec<String> = files_with_extension(Path::new("fixtures/syntax/bicep"), "bicep")
        .into_iter()
        .chain(files_with_extension(
            Path::new("fixtures/syntax/bicep"),
            "bicepparam",
        ))
        .map(|p| read_text(&p))
        .collect();
    if let Ok(root) = std::env::var("KEYLESS_CORPUS") {
        let samples = PathBuf::from(root).join("bicep-samples/src/Bicep.Core.Samples/Files");
        for extension in ["bicep", "bicepparam"] {
            for path in files_with_extension(&samples.join("baselines"), extension)
                .into_iter()
                .chain(files_with_extension(
                    &samples.join("baselines_bicepparam"),
                    extension,
                ))
            {
                let text = read_text(&path);
                if text.len() < 200_000 {
                    seeds.push(text);
                }
            }
        }
    }
    assert!(!seeds.is_empty());
    let seed = std::env::var("KEYLESS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15u64);
    let mut rng = XorShift(seed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runs = 0u64;
    let mut bytes = 0u64;
    while Instant::now() < deadline {
        for _ in 0..64 {
            let base = &seeds[rng.below(seeds.len())];
            let mut input = mutate(&mut rng, base, &seeds);
            for _ in 0..rng.below(3) {
                input = mutate(&mut rng, &input, &seeds);
            }
            let is_params = rng.below(4) == 0;
            let outcome = std::panic::catch_unwind(|| check_invariants(&input, is_params));
            if outcome.is_err() {
                let out = std::env::temp_dir().join(format!("keyless-fuzz-crash-{runs}.bicep"));
                std::fs::write(&out, &input).unwrap();
                panic!("parser panicked; input saved to {}", out.display());
            }
            runs += 1;
            bytes += input.len() as u64;
        }
    }
    println!(
        "fuzz: {runs} inputs ({:.1} MB) in {seconds} s from {} seeds, no panic",
        bytes as f64 / 1e6,
        seeds.len()
    );
}
