//! A typed view of ARM deployment templates and parameter files over the JSON tree.
//!
//! The model takes the JSON tree apart without copying it: each field the graph builder reads
//! (`type`, `name`, `properties`, …) is the [`json::Value`] written there, with its spans, and
//! members this model does not name are kept in `other`. Property names match ignoring ASCII
//! case, as ARM matches them.
//!
//! Words used here:
//! - a *template* is a deployment template object: the file itself, or the inline
//!   `properties.template` of a nested deployment (`Microsoft.Resources/deployments`), which is
//!   moved out of `properties` into [`NestedDeployment::template`];
//! - a *resource* is one entry of `resources`, either the classic array or the
//!   languageVersion 2.0 object keyed by *symbolic name*; child resources written inside a
//!   resource's own `resources` are in [`Resource::resources`];
//! - an *expression string* is a string value written `"[...]"` (see [`arm_expr`]). Every
//!   string value of the file that starts with `[` is read once, when the file is loaded, into
//!   [`Expressions`], shared by all templates of the file: [`Template::string`] tells the graph
//!   builder whether any value is a literal or an expression and gives the parsed tree.
//!
//! Wrong shapes (`resources` is a number, a resource without `type`) are reported as
//! [`SyntaxErrorKind::ArmTemplate`] errors; the offending part is skipped.

use std::sync::Arc;

use super::arm_expr::{self, ArmString, Expr};
use super::json::{self, Comment, Kind, Member, Value};
use super::{SyntaxError, SyntaxErrorKind};
use crate::fast_hash::FastMap;
use crate::source::Span;

/// What a file's templates share: its parsed expression strings and its comments.
#[derive(Debug, Default)]
pub struct FileInfo {
    pub expressions: Expressions,
    pub comments: Vec<Comment>,
}

/// Every string value of a file that starts with `[`, read once: keyed by the value's span
/// start, in source order.
///
/// Compiled templates write most expression strings many times (`[parameters('location')]` in
/// every resource, a nested module's whole template once per call): a string written again
/// exactly (and without escapes, like the first) shares the first one's tree, read with its
/// spans moved by the distance between the two. Two fifths of the strings of compiled AVM
/// templates are first occurrences.
#[derive(Debug, Default)]
pub struct Expressions {
    /// (value span start, index into `parsed`, shift of the parsed spans).
    entries: Vec<(u32, u32, u32)>,
    parsed: Vec<ArmString>,
}

/// An expression tree as written at one place: `expr`'s spans are those of the first place
/// the same text was written, `shift` bytes before this one (0 for the first place itself).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed<'a> {
    pub expr: &'a Expr,
    pub shift: u32,
}

impl Expressions {
    /// Reads every string value of `doc` (not keys) that starts with `[`, reporting malformed
    /// expressions: from the list the parser kept, or by walking the tree when it kept none.
    pub fn read(text: &str, doc: &json::Document, errors: &mut Vec<SyntaxError>) -> Expressions {
        match &doc.bracketed {
            Some(strings) => {
                let strings = strings.iter().map(|(span, s)| (*span, &**s));
                Expressions::read_strings(text, strings, errors)
            }
            None => {
                let mut strings = Vec::new();
                doc.root.walk(&mut |v| {
                    if let Kind::String(s) = &v.kind {
                        if s.starts_with('[') {
                            strings.push((v.span, &**s));
                        }
                    }
                });
                Expressions::read_strings(text, strings.into_iter(), errors)
            }
        }
    }

    /// Reads `strings` (value spans and decoded texts starting with `[`, in text order).
    fn read_strings<'s>(
        text: &str,
        strings: impl Iterator<Item = (Span, &'s str)>,
        errors: &mut Vec<SyntaxError>,
    ) -> Expressions {
        let mut expressions = Expressions::default();
        // Each text written without escapes: its first occurrence, parsed or malformed.
        let mut seen: FastMap<&str, (u32, Result<u32, SyntaxError>)> = FastMap::default();
        for (span, s) in strings {
            let start = span.start;
            // Without escapes, every span inside is the value's start plus the same offset.
            let plain = span.len() == s.len() + 2;
            if plain {
                if let Some((first, parsed)) = seen.get(s) {
                    let shift = start - first;
                    match parsed {
                        Ok(index) => expressions.entries.push((start, *index, shift)),
                        Err(error) => {
                            let mut error = error.clone();
                            error.span = error.span.shifted(shift);
                            errors.push(error);
                        }
                    }
                    continue;
                }
            }
            let parsed = match arm_expr::parse_string(text, span, s) {
                None => continue,
                Some(Ok(parsed)) => {
                    let index = expressions.parsed.len() as u32;
                    expressions.parsed.push(parsed);
                    expressions.entries.push((start, index, 0));
                    Ok(index)
                }
                Some(Err(error)) => {
                    errors.push(error.clone());
                    Err(error)
                }
            };
            if plain {
                seen.insert(s, (start, parsed));
            }
        }
        expressions
    }

    /// How ARM reads the string `value`: `None` for a plain literal (or not a string), the
    /// escaped literal for `"[[..."`, or the expression with the shift of its spans. Malformed
    /// expressions are `None` too (they were reported as errors).
    fn get(&self, value: &Value) -> Option<(&ArmString, u32)> {
        if !matches!(value.kind, Kind::String(_)) {
            return None;
        }
        let at = self
            .entries
            .binary_search_by_key(&value.span.start, |(start, _, _)| *start)
            .ok()?;
        let (_, index, shift) = self.entries[at];
        Some((&self.parsed[index as usize], shift))
    }

    /// How many expression strings (not escaped literals) were read.
    pub fn expression_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|(_, index, _)| {
                matches!(self.parsed[*index as usize], ArmString::Expression(_))
            })
            .count()
    }
}

/// A string value as ARM reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Str<'a> {
    /// A literal; for `"[[..."` the text with the escape removed.
    Literal(&'a str),
    Expression(Placed<'a>),
    /// An expression string that failed to parse (its error is in the parse errors).
    Invalid,
}

/// A deployment template: the file or a nested deployment's inline template.
#[derive(Debug)]
pub struct Template<'t> {
    /// The template object.
    pub span: Span,
    pub schema: Option<Value<'t>>,
    pub content_version: Option<Value<'t>>,
    pub language_version: Option<Value<'t>>,
    /// Boxed, like `definitions`, to keep [`Template`] small (it sits in `syntax::Tree`).
    pub metadata: Option<Box<Value<'t>>>,
    pub parameters: Vec<Parameter<'t>>,
    pub variables: Vec<Variable<'t>>,
    /// The `copy` array of `variables`: variables built by a loop.
    pub variable_copies: Vec<Copy<'t>>,
    /// User-defined functions, by namespace.
    pub functions: Vec<FunctionNamespace<'t>>,
    /// User-defined types, kept as written.
    pub definitions: Option<Box<Value<'t>>>,
    pub resources: Vec<Resource<'t>>,
    /// Whether `resources` is the languageVersion 2.0 object keyed by symbolic name.
    pub symbolic_resources: bool,
    pub outputs: Vec<Output<'t>>,
    /// Members this model does not name (`apiProfile`, `imports`, …).
    pub other: Vec<Member<'t>>,
    /// Shared by every template of the file.
    pub file: Arc<FileInfo>,
}

/// An entry of `parameters`.
#[derive(Debug)]
pub struct Parameter<'t> {
    pub name: String,
    pub name_span: Span,
    /// The parameter's object.
    pub span: Span,
    pub type_: Option<Value<'t>>,
    pub default_value: Option<Value<'t>>,
    pub allowed_values: Option<Value<'t>>,
    pub min_value: Option<Value<'t>>,
    pub max_value: Option<Value<'t>>,
    pub min_length: Option<Value<'t>>,
    pub max_length: Option<Value<'t>>,
    pub nullable: Option<Value<'t>>,
    /// `$ref` to a user-defined type in `definitions`.
    pub ref_: Option<Value<'t>>,
    pub metadata: Option<Value<'t>>,
    pub other: Vec<Member<'t>>,
}

impl<'t> Parameter<'t> {
    /// `metadata.description`.
    pub fn description(&self) -> Option<&Value<'t>> {
        self.metadata.as_ref()?.get_ignore_case("description")
    }

    /// The declared type, lower-cased (`string`, `securestring`, `int`, `object`, …).
    pub fn type_name(&self) -> Option<String> {
        Some(self.type_.as_ref()?.as_str()?.to_ascii_lowercase())
    }

    /// Whether the type is `secureString` or `secureObject`.
    pub fn is_secure(&self) -> bool {
        self.type_name().is_some_and(|t| t.starts_with("secure"))
    }
}

/// An entry of `variables` (other than `copy`).
#[derive(Debug)]
pub struct Variable<'t> {
    pub name: String,
    pub name_span: Span,
    pub value: Value<'t>,
}

/// A `copy` loop: of a resource or output (`name`, `count`, `mode`, `batchSize`) or of a
/// variable (`name`, `count`, `input`).
#[derive(Debug)]
pub struct Copy<'t> {
    pub span: Span,
    pub name: Option<Value<'t>>,
    pub count: Option<Value<'t>>,
    pub mode: Option<Value<'t>>,
    pub batch_size: Option<Value<'t>>,
    pub input: Option<Value<'t>>,
    pub other: Vec<Member<'t>>,
}

/// An entry of `functions`: a namespace of user-defined functions.
#[derive(Debug)]
pub struct FunctionNamespace<'t> {
    pub span: Span,
    pub namespace: Option<Value<'t>>,
    pub members: Vec<Function<'t>>,
    pub other: Vec<Member<'t>>,
}

/// A user-defined function `namespace.name(parameters) → output`.
#[derive(Debug)]
pub struct Function<'t> {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    /// The `parameters` array (`[{ "name": …, "type": … }]`).
    pub parameters: Option<Value<'t>>,
    /// The `output` object (`{ "type": …, "value": "[...]" }`).
    pub output: Option<Value<'t>>,
    pub other: Vec<Member<'t>>,
}

/// A resource declaration (including `existing` references and nested deployments).
#[derive(Debug)]
pub struct Resource<'t> {
    /// The resource object.
    pub span: Span,
    /// The languageVersion 2.0 key, with its span.
    pub symbolic_name: Option<(String, Span)>,
    pub type_: Option<Value<'t>>,
    pub api_version: Option<Value<'t>>,
    pub name: Option<Value<'t>>,
    pub location: Option<Value<'t>>,
    pub kind: Option<Value<'t>>,
    pub sku: Option<Value<'t>>,
    pub identity: Option<Value<'t>>,
    pub properties: Option<Value<'t>>,
    pub tags: Option<Value<'t>>,
    pub condition: Option<Value<'t>>,
    pub depends_on: Option<Value<'t>>,
    pub scope: Option<Value<'t>>,
    pub existing: Option<Value<'t>>,
    pub copy: Option<Copy<'t>>,
    pub plan: Option<Value<'t>>,
    pub zones: Option<Value<'t>>,
    /// The `comments` property (not JSON comments).
    pub comments: Option<Value<'t>>,
    /// Child resources written inside this one.
    pub resources: Vec<Resource<'t>>,
    /// Set when this is a `Microsoft.Resources/deployments` resource.
    pub deployment: Option<NestedDeployment<'t>>,
    pub other: Vec<Member<'t>>,
}

impl<'t> Resource<'t> {
    /// The `type` when it is a literal string.
    pub fn type_name(&self) -> Option<&str> {
        self.type_.as_ref()?.as_str()
    }

    /// `existing: true`.
    pub fn is_existing(&self) -> bool {
        self.existing.as_ref().and_then(Value::as_bool) == Some(true)
    }

    /// A member of `properties`, matched ignoring case.
    pub fn property(&self, key: &str) -> Option<&Value<'t>> {
        self.properties.as_ref()?.get_ignore_case(key)
    }
}

/// Which parameters and variables a nested template's expressions see
/// (`properties.expressionEvaluationOptions.scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationScope {
    /// The parent's (the default).
    Outer,
    /// The nested template's own.
    Inner,
}

/// The parts of a `Microsoft.Resources/deployments` resource that make it a module call.
#[derive(Debug)]
pub struct NestedDeployment<'t> {
    pub scope: EvaluationScope,
    /// The `scope` value, when written.
    pub scope_value: Option<Value<'t>>,
    /// The inline `properties.template`, moved out of `properties`.
    pub template: Option<Box<Template<'t>>>,
    /// The key span of `"template"` in `properties`.
    pub template_key_span: Option<Span>,
    /// `properties.templateLink` (a reference to another file or a template spec), moved out
    /// of `properties` (a null is left in its place).
    pub template_link: Option<Value<'t>>,
    /// `properties.parameters` (the arguments), moved out of `properties` like the link.
    pub parameters: Option<Value<'t>>,
}

/// An entry of `outputs`.
#[derive(Debug)]
pub struct Output<'t> {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub type_: Option<Value<'t>>,
    pub value: Option<Value<'t>>,
    pub copy: Option<Copy<'t>>,
    pub condition: Option<Value<'t>>,
    pub metadata: Option<Value<'t>>,
    pub other: Vec<Member<'t>>,
}

/// A deployment parameter file.
#[derive(Debug)]
pub struct ParameterFile<'t> {
    pub span: Span,
    pub schema: Option<Value<'t>>,
    pub content_version: Option<Value<'t>>,
    pub parameters: Vec<ParameterValue<'t>>,
    pub other: Vec<Member<'t>>,
    pub file: Arc<FileInfo>,
}

/// One entry of a parameter file's `parameters`.
#[derive(Debug)]
pub struct ParameterValue<'t> {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub value: Option<Value<'t>>,
    pub reference: Option<KeyVaultReference<'t>>,
    /// `expression` (Bicep's `externalInputs(...)` form), as written; not parsed.
    pub expression: Option<Value<'t>>,
    pub metadata: Option<Value<'t>>,
    pub other: Vec<Member<'t>>,
}

/// A `reference` to a Key Vault secret.
#[derive(Debug)]
pub struct KeyVaultReference<'t> {
    pub span: Span,
    /// `reference.keyVault.id`.
    pub key_vault_id: Option<Value<'t>>,
    pub secret_name: Option<Value<'t>>,
    pub secret_version: Option<Value<'t>>,
    /// `reference` as written.
    pub value: Value<'t>,
}

/// Lower-cases an ASCII key into `buf` for matching; keys too long to be one we know match
/// nothing.
fn lower<'b>(key: &str, buf: &'b mut [u8; 40]) -> &'b str {
    let bytes = key.as_bytes();
    if bytes.len() > buf.len() {
        return "";
    }
    let out = &mut buf[..bytes.len()];
    out.copy_from_slice(bytes);
    out.make_ascii_lowercase();
    std::str::from_utf8(out).unwrap_or("")
}

fn shape_error(errors: &mut Vec<SyntaxError>, span: Span, message: String) {
    errors.push(SyntaxError::new(
        SyntaxErrorKind::ArmTemplate,
        span,
        message,
    ));
}

/// The members of `value` when it is an object; otherwise reports that `what` must be one.
fn object_members<'t>(
    value: Value<'t>,
    what: &str,
    errors: &mut Vec<SyntaxError>,
) -> Option<Vec<Member<'t>>> {
    match value.kind {
        Kind::Object(members) => Some(members),
        _ => {
            shape_error(
                errors,
                value.head(),
                format!("{what} must be an object, found {}", value.kind_name()),
            );
            None
        }
    }
}

fn is_expression(value: &Value) -> bool {
    value.as_str().is_some_and(arm_expr::is_expression)
}

impl<'t> Template<'t> {
    /// Reads the template `root` of the file `text`, reporting wrong shapes and malformed
    /// expressions into `errors`.
    pub fn from_json(text: &str, root: Value<'t>, errors: &mut Vec<SyntaxError>) -> Template<'t> {
        Template::from_document(
            text,
            json::Document {
                root,
                comments: Vec::new(),
                bracketed: None,
            },
            errors,
        )
    }

    /// As [`Template::from_json`], keeping the file's comments.
    pub fn from_document(
        text: &str,
        doc: json::Document<'t>,
        errors: &mut Vec<SyntaxError>,
    ) -> Template<'t> {
        let file = Arc::new(FileInfo {
            expressions: Expressions::read(text, &doc, errors),
            comments: doc.comments,
        });
        Template::read(doc.root, &file, errors)
    }

    fn empty(span: Span, file: &Arc<FileInfo>) -> Template<'t> {
        Template {
            span,
            schema: None,
            content_version: None,
            language_version: None,
            metadata: None,
            parameters: Vec::new(),
            variables: Vec::new(),
            variable_copies: Vec::new(),
            functions: Vec::new(),
            definitions: None,
            resources: Vec::new(),
            symbolic_resources: false,
            outputs: Vec::new(),
            other: Vec::new(),
            file: Arc::clone(file),
        }
    }

    fn read(root: Value<'t>, file: &Arc<FileInfo>, errors: &mut Vec<SyntaxError>) -> Template<'t> {
        let mut t = Template::empty(root.span, file);
        let Some(members) = object_members(root, "a deployment template", errors) else {
            return t;
        };
        let mut buf = [0u8; 40];
        for m in members {
            match lower(&m.key, &mut buf) {
                "$schema" => t.schema = Some(m.value),
                "contentversion" => t.content_version = Some(m.value),
                "languageversion" => t.language_version = Some(m.value),
                "metadata" => t.metadata = Some(Box::new(m.value)),
                "definitions" => t.definitions = Some(Box::new(m.value)),
                "parameters" => {
                    if let Some(params) = object_members(m.value, "`parameters`", errors) {
                        t.parameters = params
                            .into_iter()
                            .filter_map(|p| Parameter::read(p, errors))
                            .collect();
                    }
                }
                "variables" => t.read_variables(m.value, errors),
                "functions" => t.read_functions(m.value, errors),
                "resources" => t.read_resources(m.value, file, errors),
                "outputs" => {
                    if let Some(outputs) = object_members(m.value, "`outputs`", errors) {
                        t.outputs = outputs
                            .into_iter()
                            .filter_map(|o| Output::read(o, errors))
                            .collect();
                    }
                }
                _ => t.other.push(m),
            }
        }
        t
    }

    fn read_variables(&mut self, value: Value<'t>, errors: &mut Vec<SyntaxError>) {
        let Some(members) = object_members(value, "`variables`", errors) else {
            return;
        };
        for m in members {
            if m.key.eq_ignore_ascii_case("copy") {
                match m.value.kind {
                    Kind::Array(items) => {
                        self.variable_copies.extend(
                            items
                                .into_iter()
                                .filter_map(|c| Copy::read(c, "a variable `copy` entry", errors)),
                        );
                    }
                    _ => shape_error(
                        errors,
                        m.value.head(),
                        format!(
                            "`copy` in `variables` must be an array, found {}",
                            m.value.kind_name()
                        ),
                    ),
                }
            } else {
                self.variables.push(Variable {
                    name: m.key.into_owned(),
                    name_span: m.key_span,
                    value: m.value,
                });
            }
        }
    }

    fn read_functions(&mut self, value: Value<'t>, errors: &mut Vec<SyntaxError>) {
        let items = match value.kind {
            Kind::Array(items) => items,
            _ => {
                shape_error(
                    errors,
                    value.head(),
                    format!("`functions` must be an array, found {}", value.kind_name()),
                );
                return;
            }
        };
        for item in items {
            let span = item.span;
            let Some(members) = object_members(item, "a `functions` entry", errors) else {
                continue;
            };
            let mut ns = FunctionNamespace {
                span,
                namespace: None,
                members: Vec::new(),
                other: Vec::new(),
            };
            for m in members {
                if m.key.eq_ignore_ascii_case("namespace") {
                    ns.namespace = Some(m.value);
                } else if m.key.eq_ignore_ascii_case("members") {
                    let Some(functions) = object_members(m.value, "`members`", errors) else {
                        continue;
                    };
                    for f in functions {
                        let span = f.value.span;
                        let Some(parts) =
                            object_members(f.value, &format!("the function `{}`", f.key), errors)
                        else {
                            continue;
                        };
                        let mut function = Function {
                            name: f.key.into_owned(),
                            name_span: f.key_span,
                            span,
                            parameters: None,
                            output: None,
                            other: Vec::new(),
                        };
                        for p in parts {
                            if p.key.eq_ignore_ascii_case("parameters") {
                                function.parameters = Some(p.value);
                            } else if p.key.eq_ignore_ascii_case("output") {
                                function.output = Some(p.value);
                            } else {
                                function.other.push(p);
                            }
                        }
                        ns.members.push(function);
                    }
                } else {
                    ns.other.push(m);
                }
            }
            self.functions.push(ns);
        }
    }

    fn read_resources(
        &mut self,
        value: Value<'t>,
        file: &Arc<FileInfo>,
        errors: &mut Vec<SyntaxError>,
    ) {
        match value.kind {
            Kind::Array(items) => {
                self.resources = items
                    .into_iter()
                    .filter_map(|r| Resource::read(r, None, file, errors))
                    .collect();
            }
            Kind::Object(members) => {
                self.symbolic_resources = true;
                self.resources = members
                    .into_iter()
                    .filter_map(|m| {
                        Resource::read(
                            m.value,
                            Some((m.key.into_owned(), m.key_span)),
                            file,
                            errors,
                        )
                    })
                    .collect();
            }
            _ => shape_error(
                errors,
                value.head(),
                format!(
                    "`resources` must be an array or an object, found {}",
                    value.kind_name()
                ),
            ),
        }
    }

    /// How ARM reads the string `value` of this file: `None` when it is not a string.
    pub fn string<'a>(&'a self, value: &'a Value) -> Option<Str<'a>> {
        read_string(&self.file, value)
    }

    /// The number of expression strings parsed in the whole file (nested templates included).
    pub fn expression_count(&self) -> usize {
        self.file.expressions.expression_count()
    }

    /// The file's comments (`//` and `/* */`), in source order.
    pub fn comments(&self) -> &[Comment] {
        &self.file.comments
    }

    /// Every resource, children and nested templates' resources included, parents first.
    pub fn all_resources(&self) -> Vec<&Resource<'t>> {
        fn visit<'a, 't>(resources: &'a [Resource<'t>], out: &mut Vec<&'a Resource<'t>>) {
            for r in resources {
                out.push(r);
                visit(&r.resources, out);
                if let Some(t) = r.deployment.as_ref().and_then(|d| d.template.as_deref()) {
                    visit(&t.resources, out);
                }
            }
        }
        let mut out = Vec::new();
        visit(&self.resources, &mut out);
        out
    }

    /// The nested templates, depth first.
    pub fn nested_templates(&self) -> Vec<&Template<'t>> {
        self.all_resources()
            .into_iter()
            .filter_map(|r| r.deployment.as_ref()?.template.as_deref())
            .collect()
    }
}

fn read_string<'a>(file: &'a FileInfo, value: &'a Value) -> Option<Str<'a>> {
    let s = value.as_str()?;
    Some(match file.expressions.get(value) {
        Some((ArmString::Expression(expr), shift)) => Str::Expression(Placed { expr, shift }),
        Some((ArmString::Escaped(literal), _)) => Str::Literal(literal),
        None if arm_expr::is_expression(s) => Str::Invalid,
        None => Str::Literal(s),
    })
}

impl<'t> Parameter<'t> {
    fn read(m: Member<'t>, errors: &mut Vec<SyntaxError>) -> Option<Parameter<'t>> {
        let span = m.value.span;
        let members = object_members(m.value, &format!("the parameter `{}`", m.key), errors)?;
        let mut p = Parameter {
            name: m.key.into_owned(),
            name_span: m.key_span,
            span,
            type_: None,
            default_value: None,
            allowed_values: None,
            min_value: None,
            max_value: None,
            min_length: None,
            max_length: None,
            nullable: None,
            ref_: None,
            metadata: None,
            other: Vec::new(),
        };
        let mut buf = [0u8; 40];
        for f in members {
            let slot = match lower(&f.key, &mut buf) {
                "type" => &mut p.type_,
                "defaultvalue" => &mut p.default_value,
                "allowedvalues" => &mut p.allowed_values,
                "minvalue" => &mut p.min_value,
                "maxvalue" => &mut p.max_value,
                "minlength" => &mut p.min_length,
                "maxlength" => &mut p.max_length,
                "nullable" => &mut p.nullable,
                "$ref" => &mut p.ref_,
                "metadata" => &mut p.metadata,
                _ => {
                    p.other.push(f);
                    continue;
                }
            };
            *slot = Some(f.value);
        }
        Some(p)
    }
}

impl<'t> Copy<'t> {
    fn read(value: Value<'t>, what: &str, errors: &mut Vec<SyntaxError>) -> Option<Copy<'t>> {
        let span = value.span;
        let members = object_members(value, what, errors)?;
        let mut c = Copy {
            span,
            name: None,
            count: None,
            mode: None,
            batch_size: None,
            input: None,
            other: Vec::new(),
        };
        let mut buf = [0u8; 40];
        for f in members {
            let slot = match lower(&f.key, &mut buf) {
                "name" => &mut c.name,
                "count" => &mut c.count,
                "mode" => &mut c.mode,
                "batchsize" => &mut c.batch_size,
                "input" => &mut c.input,
                _ => {
                    c.other.push(f);
                    continue;
                }
            };
            *slot = Some(f.value);
        }
        Some(c)
    }
}

impl<'t> Output<'t> {
    fn read(m: Member<'t>, errors: &mut Vec<SyntaxError>) -> Option<Output<'t>> {
        let span = m.value.span;
        let members = object_members(m.value, &format!("the output `{}`", m.key), errors)?;
        let mut o = Output {
            name: m.key.into_owned(),
            name_span: m.key_span,
            span,
            type_: None,
            value: None,
            copy: None,
            condition: None,
            metadata: None,
            other: Vec::new(),
        };
        let mut buf = [0u8; 40];
        for f in members {
            let slot = match lower(&f.key, &mut buf) {
                "type" => &mut o.type_,
                "value" => &mut o.value,
                "condition" => &mut o.condition,
                "metadata" => &mut o.metadata,
                "copy" => {
                    o.copy = Copy::read(f.value, "`copy`", errors);
                    continue;
                }
                _ => {
                    o.other.push(f);
                    continue;
                }
            };
            *slot = Some(f.value);
        }
        Some(o)
    }
}

impl<'t> Resource<'t> {
    fn read(
        value: Value<'t>,
        symbolic_name: Option<(String, Span)>,
        file: &Arc<FileInfo>,
        errors: &mut Vec<SyntaxError>,
    ) -> Option<Resource<'t>> {
        let span = value.span;
        let head = value.head();
        let what = match &symbolic_name {
            Some((name, _)) => format!("the resource `{name}`"),
            None => "a resource".to_owned(),
        };
        let members = object_members(value, &what, errors)?;
        let mut r = Resource {
            span,
            symbolic_name,
            type_: None,
            api_version: None,
            name: None,
            location: None,
            kind: None,
            sku: None,
            identity: None,
            properties: None,
            tags: None,
            condition: None,
            depends_on: None,
            scope: None,
            existing: None,
            copy: None,
            plan: None,
            zones: None,
            comments: None,
            resources: Vec::new(),
            deployment: None,
            other: Vec::new(),
        };
        let mut children = None;
        let mut buf = [0u8; 40];
        for f in members {
            let slot = match lower(&f.key, &mut buf) {
                "type" => &mut r.type_,
                "apiversion" => &mut r.api_version,
                "name" => &mut r.name,
                "location" => &mut r.location,
                "kind" => &mut r.kind,
                "sku" => &mut r.sku,
                "identity" => &mut r.identity,
                "properties" => &mut r.properties,
                "tags" => &mut r.tags,
                "condition" => &mut r.condition,
                "dependson" => &mut r.depends_on,
                "scope" => &mut r.scope,
                "existing" => &mut r.existing,
                "plan" => &mut r.plan,
                "zones" => &mut r.zones,
                "comments" => &mut r.comments,
                "resources" => &mut children,
                "copy" => {
                    r.copy = Copy::read(f.value, "`copy`", errors);
                    continue;
                }
                _ => {
                    r.other.push(f);
                    continue;
                }
            };
            *slot = Some(f.value);
        }
        match &r.type_ {
            None => shape_error(errors, head, format!("{what} has no `type`")),
            Some(t) if !matches!(t.kind, Kind::String(_)) => shape_error(
                errors,
                t.head(),
                format!("`type` must be a string, found {}", t.kind_name()),
            ),
            Some(_) => {}
        }
        if let Some(deps) = &r.depends_on {
            if !matches!(deps.kind, Kind::Array(_)) && !is_expression(deps) {
                shape_error(
                    errors,
                    deps.head(),
                    format!("`dependsOn` must be an array, found {}", deps.kind_name()),
                );
            }
        }
        if let Some(children) = children {
            match children.kind {
                Kind::Array(items) => {
                    r.resources = items
                        .into_iter()
                        .filter_map(|c| Resource::read(c, None, file, errors))
                        .collect();
                }
                _ => shape_error(
                    errors,
                    children.head(),
                    format!(
                        "child `resources` must be an array, found {}",
                        children.kind_name()
                    ),
                ),
            }
        }
        if r.type_name()
            .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Resources/deployments"))
        {
            r.deployment = Some(NestedDeployment::read(&mut r.properties, file, errors));
        }
        Some(r)
    }
}

impl<'t> NestedDeployment<'t> {
    /// Takes the inline template, the arguments and the link out of `properties` and reads them.
    fn read(
        properties: &mut Option<Value<'t>>,
        file: &Arc<FileInfo>,
        errors: &mut Vec<SyntaxError>,
    ) -> NestedDeployment<'t> {
        let mut d = NestedDeployment {
            scope: EvaluationScope::Outer,
            scope_value: None,
            template: None,
            template_key_span: None,
            template_link: None,
            parameters: None,
        };
        let Some(Value {
            kind: Kind::Object(members),
            ..
        }) = properties
        else {
            return d;
        };
        let mut template = None;
        // The arguments and the link are moved out too: nothing reads a deployment's
        // `properties` but this model, and a compiled AVM template passes thousands of
        // arguments (copying them was 1 % of reading it).
        let take = |value: &mut Value<'t>| {
            let span = value.span;
            std::mem::replace(
                value,
                Value {
                    span,
                    kind: Kind::Null,
                },
            )
        };
        for (n, m) in members.iter_mut().enumerate() {
            if m.key.eq_ignore_ascii_case("template") {
                if matches!(m.value.kind, Kind::Object(_)) {
                    template = Some(n);
                } else if !is_expression(&m.value) {
                    shape_error(
                        errors,
                        m.value.head(),
                        format!(
                            "`properties.template` must be an object, found {}",
                            m.value.kind_name()
                        ),
                    );
                }
            } else if m.key.eq_ignore_ascii_case("templateLink") {
                d.template_link = Some(take(&mut m.value));
            } else if m.key.eq_ignore_ascii_case("parameters") {
                d.parameters = Some(take(&mut m.value));
            } else if m.key.eq_ignore_ascii_case("expressionEvaluationOptions") {
                if let Some(scope) = m.value.get_ignore_case("scope") {
                    if scope
                        .as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case("inner"))
                    {
                        d.scope = EvaluationScope::Inner;
                    }
                    d.scope_value = Some(scope.clone());
                }
            }
        }
        if let Some(n) = template {
            let m = members.remove(n);
            d.template_key_span = Some(m.key_span);
            d.template = Some(Box::new(Template::read(m.value, file, errors)));
        }
        d
    }
}

impl<'t> ParameterFile<'t> {
    /// Reads the parameter file `root` of the file `text`.
    pub fn from_json(
        text: &str,
        root: Value<'t>,
        errors: &mut Vec<SyntaxError>,
    ) -> ParameterFile<'t> {
        ParameterFile::from_document(
            text,
            json::Document {
                root,
                comments: Vec::new(),
                bracketed: None,
            },
            errors,
        )
    }

    /// As [`ParameterFile::from_json`], keeping the file's comments.
    pub fn from_document(
        text: &str,
        doc: json::Document<'t>,
        errors: &mut Vec<SyntaxError>,
    ) -> ParameterFile<'t> {
        // Parameter values are inputs, not template text: ARM passes them as written (the
        // quickstarts pass SQL names like `"[dbo].[emp]"`), so no expression is read here.
        let _ = text;
        let file = Arc::new(FileInfo {
            expressions: Expressions::default(),
            comments: doc.comments,
        });
        let mut pf = ParameterFile {
            span: doc.root.span,
            schema: None,
            content_version: None,
            parameters: Vec::new(),
            other: Vec::new(),
            file,
        };
        let Some(members) = object_members(doc.root, "a parameter file", errors) else {
            return pf;
        };
        let mut buf = [0u8; 40];
        for m in members {
            match lower(&m.key, &mut buf) {
                "$schema" => pf.schema = Some(m.value),
                "contentversion" => pf.content_version = Some(m.value),
                "parameters" => {
                    if let Some(params) = object_members(m.value, "`parameters`", errors) {
                        pf.parameters = params
                            .into_iter()
                            .filter_map(|p| ParameterValue::read(p, errors))
                            .collect();
                    }
                }
                _ => pf.other.push(m),
            }
        }
        pf
    }

    /// A parameter file's strings are all literals: `None` when `value` is not a string.
    pub fn string<'a>(&'a self, value: &'a Value) -> Option<Str<'a>> {
        value.as_str().map(Str::Literal)
    }

    pub fn expression_count(&self) -> usize {
        self.file.expressions.expression_count()
    }

    pub fn comments(&self) -> &[Comment] {
        &self.file.comments
    }

    pub fn parameter(&self, name: &str) -> Option<&ParameterValue<'t>> {
        self.parameters
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

impl ParameterFile<'_> {
    /// The same file holding its own strings: parameter files are kept with their parsed
    /// file (their values are read when a template is instantiated), past the text.
    pub fn into_owned(self) -> ParameterFile<'static> {
        ParameterFile {
            span: self.span,
            schema: self.schema.map(Value::into_owned),
            content_version: self.content_version.map(Value::into_owned),
            parameters: self
                .parameters
                .into_iter()
                .map(ParameterValue::into_owned)
                .collect(),
            other: self.other.into_iter().map(Member::into_owned).collect(),
            file: self.file,
        }
    }
}

impl ParameterValue<'_> {
    fn into_owned(self) -> ParameterValue<'static> {
        ParameterValue {
            name: self.name,
            name_span: self.name_span,
            span: self.span,
            value: self.value.map(Value::into_owned),
            reference: self.reference.map(|r| KeyVaultReference {
                span: r.span,
                key_vault_id: r.key_vault_id.map(Value::into_owned),
                secret_name: r.secret_name.map(Value::into_owned),
                secret_version: r.secret_version.map(Value::into_owned),
                value: r.value.into_owned(),
            }),
            expression: self.expression.map(Value::into_owned),
            metadata: self.metadata.map(Value::into_owned),
            other: self.other.into_iter().map(Member::into_owned).collect(),
        }
    }
}

impl<'t> ParameterValue<'t> {
    fn read(m: Member<'t>, errors: &mut Vec<SyntaxError>) -> Option<ParameterValue<'t>> {
        let span = m.value.span;
        let members = object_members(m.value, &format!("the parameter `{}`", m.key), errors)?;
        let mut p = ParameterValue {
            name: m.key.into_owned(),
            name_span: m.key_span,
            span,
            value: None,
            reference: None,
            expression: None,
            metadata: None,
            other: Vec::new(),
        };
        let mut buf = [0u8; 40];
        for f in members {
            match lower(&f.key, &mut buf) {
                "value" => p.value = Some(f.value),
                "metadata" => p.metadata = Some(f.value),
                "expression" => p.expression = Some(f.value),
                "reference" => p.reference = Some(KeyVaultReference::read(f.value)),
                _ => p.other.push(f),
            }
        }
        if p.value.is_none() && p.reference.is_none() && p.expression.is_none() {
            shape_error(
                errors,
                Span {
                    start: span.start,
                    end: span.start.saturating_add(1).min(span.end),
                },
                format!(
                    "the parameter `{}` has no `value`, `reference` or `expression`",
                    p.name
                ),
            );
        }
        Some(p)
    }
}

impl<'t> KeyVaultReference<'t> {
    /// Any shape is kept: the quickstarts use placeholder strings such as
    /// `"GEN-KEYVAULT-PASSWORD-REFERENCE"` that their pipeline replaces.
    fn read(value: Value<'t>) -> KeyVaultReference<'t> {
        KeyVaultReference {
            span: value.span,
            key_vault_id: value
                .get_ignore_case("keyVault")
                .and_then(|kv| kv.get_ignore_case("id"))
                .cloned(),
            secret_name: value.get_ignore_case("secretName").cloned(),
            secret_version: value.get_ignore_case("secretVersion").cloned(),
            value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> (Template<'_>, Vec<SyntaxError>) {
        let (doc, mut errors) = json::parse_document(text);
        let t = Template::from_document(text, doc.expect("valid JSON"), &mut errors);
        (t, errors)
    }

    #[test]
    fn a_repeated_expression_shares_its_tree_with_its_own_spans() {
        let text = r#"{"variables": {"a": "[concat('x', 'y')]", "b": "[concat('x', 'y')]",
            "c": "[concat('x',\u0020'y')]", "d": "[concat(]", "e": "[concat(]"}}"#;
        let (t, errs) = template(text);
        let place = |name: &str| {
            let value = &t.variables.iter().find(|v| v.name == name).unwrap().value;
            match t.string(value) {
                Some(Str::Expression(placed)) => {
                    let call = placed.expr.as_call().unwrap();
                    let arg = call.args[1].span;
                    (arg.start + placed.shift) as usize..(arg.end + placed.shift) as usize
                }
                other => panic!("{name}: {other:?}"),
            }
        };
        // `b` repeats `a`; `c` decodes to the same text but has an escape, so it is read anew.
        for name in ["a", "b", "c"] {
            assert_eq!(&text[place(name)], "'y'", "{name}");
        }
        assert_ne!(place("a"), place("b"));
        assert_eq!(t.expression_count(), 3);
        // A malformed repeat is reported where it is written, as the first one is.
        let starts: Vec<usize> = errs.iter().map(|e| e.span.start as usize).collect();
        let d = text.find("\"[concat(]").unwrap();
        let e = text.rfind("\"[concat(]").unwrap();
        assert_eq!(starts, vec![d + 9, e + 9], "{errs:?}");
    }

    #[test]
    fn both_resource_layouts_and_children() {
        let (t, errs) = template(
            r#"{"resources": [{"type": "a/b", "name": "x", "resources": [{"type": "c", "name": "y"}]}]}"#,
        );
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(t.resources[0].resources[0].type_name(), Some("c"));
        let (t, errs) = template(
            r#"{"languageVersion": "2.0", "resources": {"sa": {"type": "a/b", "existing": true}}}"#,
        );
        assert!(errs.is_empty());
        assert!(t.symbolic_resources);
        assert_eq!(t.resources[0].symbolic_name.as_ref().unwrap().0, "sa");
        assert!(t.resources[0].is_existing());
    }

    #[test]
    fn nested_deployment_template_is_moved_out() {
        let (t, errs) = template(
            r#"{"resources": [{"type": "Microsoft.Resources/deployments", "name": "n",
                "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                  "template": {"resources": [{"type": "x/y", "name": "[parameters('p')]"}]}}}]}"#,
        );
        assert!(errs.is_empty());
        let d = t.resources[0].deployment.as_ref().unwrap();
        assert_eq!(d.scope, EvaluationScope::Inner);
        let inner = d.template.as_ref().unwrap();
        let name = inner.resources[0].name.as_ref().unwrap();
        assert!(matches!(inner.string(name), Some(Str::Expression(_))));
        assert_eq!(t.expression_count(), 1);
        assert!(t.resources[0].property("template").is_none());
        assert_eq!(t.all_resources().len(), 2);
    }

    #[test]
    fn wrong_shapes_are_errors() {
        let (_, errs) = template(r#"{"resources": 3}"#);
        assert_eq!(
            errs[0].message,
            "`resources` must be an array or an object, found a number"
        );
        assert_eq!(errs[0].kind, SyntaxErrorKind::ArmTemplate);
        let (_, errs) = template(r#"{"resources": [{"name": "x"}]}"#);
        assert_eq!(errs[0].message, "a resource has no `type`");
        assert_eq!(errs[0].span, Span::new(15, 16));
    }
}
