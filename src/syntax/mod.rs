//! Text → syntax trees with spans. This layer knows the grammars (JSON with comments, ARM
//! template expressions, Bicep) and nothing about Azure semantics.
//!
//! Every front end recovers and returns its errors as values: a *syntax error* is a span and a
//! message naming what was expected. Nothing here panics on any input.

pub mod arm;
pub mod arm_expr;
pub mod bicep;
pub mod bicep_lexer;
pub mod bicep_parser;
pub mod bicep_sexpr;
pub mod json;

use crate::source::{SourceFile, Span};

impl Tree<'_> {
    /// What a file keeps of its tree once its declaration is lowered (see
    /// `workspace::ParsedFile`), holding its own strings: of a template, what suppressions and
    /// parameter pairing read; of a parameter file or other JSON, the tree.
    pub fn into_kept(self) -> Tree<'static> {
        match self {
            Tree::Bicep(program) => Tree::BicepLowered(BicepSummary {
                using: program.using_path(),
                is_params: program.is_params,
                pragmas: program.pragmas,
            }),
            Tree::ArmTemplate(template) => Tree::ArmTemplateComments(template.comments().to_vec()),
            Tree::ArmTemplateComments(comments) => Tree::ArmTemplateComments(comments),
            Tree::BicepLowered(summary) => Tree::BicepLowered(summary),
            Tree::ArmParameters(file) => Tree::ArmParameters(file.into_owned()),
            Tree::OtherJson(value) => Tree::OtherJson(value.into_owned()),
        }
    }
}

/// What is kept of a Bicep file after lowering (see [`Tree::BicepLowered`]).
#[derive(Debug)]
pub struct BicepSummary {
    pub pragmas: Vec<bicep::Pragma>,
    /// Whether this was read as a `.bicepparam` file.
    pub is_params: bool,
    /// A `.bicepparam` file's `using` path, as written, and its span.
    pub using: Option<(String, Span)>,
}

/// A parse error with the exact place it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub kind: SyntaxErrorKind,
}

/// Which grammar rejected the text; conformance runs count these separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SyntaxErrorKind {
    /// The bytes are not text (invalid UTF-8, binary, too large).
    Encoding,
    /// JSON (with comments) structure.
    Json,
    /// An ARM template expression inside a `"[...]"` string.
    ArmExpression,
    /// An ARM template or parameter file whose shape is wrong (e.g. `resources` is a number).
    ArmTemplate,
    /// Bicep or Bicep parameters syntax.
    Bicep,
}

impl SyntaxError {
    pub fn new(kind: SyntaxErrorKind, span: Span, message: impl Into<String>) -> Self {
        SyntaxError {
            span,
            message: message.into(),
            kind,
        }
    }
}

/// What a file is, decided by discovery (extension) and, for JSON, by its top-level `$schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    Bicep,
    BicepParams,
    /// JSON whose `$schema` has not been looked at yet.
    Json,
}

/// The tree a front end produced.
///
/// Parsing borrows the JSON strings from the file's text; a file keeps `Tree<'static>` (see
/// [`Tree::into_kept`]).
#[derive(Debug)]
pub enum Tree<'t> {
    Bicep(bicep::Program),
    ArmTemplate(arm::Template<'t>),
    /// An ARM template once its declaration is lowered (see `workspace::ParsedFile`): the
    /// graph reads the declaration, suppressions read the comments, and nothing reads the
    /// JSON tree again, the largest structure of a run over compiled templates.
    ArmTemplateComments(Vec<json::Comment>),
    /// A Bicep file once its declaration is lowered: what suppressions and parameter pairing
    /// read. Its syntax tree goes as soon as it is lowered, while the cache is still warm from
    /// building it, instead of staying with the file (issue 9).
    BicepLowered(BicepSummary),
    ArmParameters(arm::ParameterFile<'t>),
    /// JSON that is neither a deployment template nor a parameter file (linted only when named
    /// on the command line: syntax is checked, nothing else applies).
    OtherJson(json::Value<'t>),
}

#[derive(Debug)]
pub struct Parsed<'t> {
    /// `None` only when nothing could be read at all (e.g. an empty or undecodable file).
    pub tree: Option<Tree<'t>>,
    pub errors: Vec<SyntaxError>,
}

/// The role a JSON document's top-level `$schema` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonSchema {
    DeploymentTemplate,
    DeploymentParameters,
    Other,
}

impl JsonSchema {
    /// Classifies a `$schema` URL: `…/deploymentTemplate.json#`, `subscriptionDeploymentTemplate`,
    /// `managementGroupDeploymentTemplate`, `tenantDeploymentTemplate`, `deploymentParameters`,
    /// `subscriptionDeploymentParameters`, … in any letter case.
    pub fn of_url(url: &str) -> JsonSchema {
        let url = url.to_ascii_lowercase();
        if url.contains("deploymenttemplate.json") {
            JsonSchema::DeploymentTemplate
        } else if url.contains("deploymentparameters.json") {
            JsonSchema::DeploymentParameters
        } else {
            JsonSchema::Other
        }
    }

    /// The schema named by a document's top-level `"$schema"` string.
    pub fn of_document(root: &json::Value) -> JsonSchema {
        root.get("$schema")
            .and_then(json::Value::as_str)
            .map_or(JsonSchema::Other, JsonSchema::of_url)
    }
}

/// Parses one file. JSON is classified by its `$schema` and read as an ARM template or
/// parameter file when it is one.
pub fn parse(file: &SourceFile, kind: FileKind) -> Parsed<'_> {
    match kind {
        FileKind::Bicep | FileKind::BicepParams => {
            let (program, errors) = bicep::parse(&file.text, kind == FileKind::BicepParams);
            Parsed {
                tree: Some(Tree::Bicep(program)),
                errors,
            }
        }
        FileKind::Json => {
            let (doc, mut errors) = json::parse_document(&file.text);
            let tree = doc.map(|doc| match JsonSchema::of_document(&doc.root) {
                JsonSchema::DeploymentTemplate => {
                    Tree::ArmTemplate(arm::Template::from_document(&file.text, doc, &mut errors))
                }
                JsonSchema::DeploymentParameters => Tree::ArmParameters(
                    arm::ParameterFile::from_document(&file.text, doc, &mut errors),
                ),
                JsonSchema::Other => Tree::OtherJson(doc.root),
            });
            Parsed { tree, errors }
        }
    }
}
