//! Declarations: a template lowered from either language, before evaluation.
//!
//! `from_bicep` and `from_arm` turn syntax trees into a [`TemplateDecl`] whose expressions are
//! the shared [`Expr`] AST. The builder then evaluates a declaration once per instantiation (the
//! root file, or each module call with its own arguments) into the graph's templates and
//! resources. Nothing here is evaluated yet, and nothing here knows which language it came from,
//! except [`Language`] for messages and snippets.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::fast_hash::FastMap;
use crate::graph::expr::{Expr, Text};
use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    Bicep,
    Arm,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateDecl {
    pub language: Language,
    /// `targetScope` (Bicep) or the deployment schema (ARM): `resourceGroup`, `subscription`,
    /// `managementGroup`, `tenant`.
    pub target_scope: String,
    pub parameters: Vec<ParamDecl>,
    pub variables: Vec<VarDecl>,
    pub functions: Vec<FuncDecl>,
    pub resources: Vec<ResourceDecl>,
    pub modules: Vec<ModuleDecl>,
    pub outputs: Vec<OutputDecl>,
    /// Where each name is declared; made on first use (see [`TemplateDecl::names`]).
    pub names: OnceLock<DeclaredNames>,
}

/// The position of each parameter, variable and module in its list (the first when a name is
/// declared twice, as a lookup by name finds it): the evaluator reads names on every
/// reference, and keeps its state for each by position instead of in a map of names per
/// instance (issue 9).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeclaredNames {
    pub parameters: FastMap<String, usize>,
    pub variables: FastMap<String, usize>,
    pub modules: FastMap<String, usize>,
}

impl TemplateDecl {
    pub fn names(&self) -> &DeclaredNames {
        self.names.get_or_init(|| {
            fn positions<'a>(names: impl Iterator<Item = &'a str>) -> FastMap<String, usize> {
                let mut positions = FastMap::default();
                for (at, name) in names.enumerate() {
                    positions.entry(name.to_owned()).or_insert(at);
                }
                positions
            }
            DeclaredNames {
                parameters: positions(self.parameters.iter().map(|p| &*p.name)),
                variables: positions(self.variables.iter().map(|v| v.name.as_str())),
                modules: positions(self.modules.iter().map(|m| m.symbol.as_str())),
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    /// Shared with every instance's [`crate::graph::Parameter`] (a module's parameters are
    /// copied into the graph each time it is instantiated).
    pub name: Text,
    /// The declaration (Bicep `param x …` statement, ARM `"x": {…}` member).
    pub span: Span,
    pub name_span: Span,
    pub default: Option<Expr>,
    pub description: Option<Text>,
    pub secure: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VarDecl {
    pub name: String,
    pub name_span: Span,
    pub value: Expr,
    pub description: Option<String>,
}

/// A user-defined function: Bicep `func`, ARM `functions[].members`.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncDecl {
    /// The ARM namespace; `None` in Bicep.
    pub namespace: Option<String>,
    pub name: String,
    pub params: Vec<String>,
    pub body: Expr,
}

/// `for item in source` (Bicep) or `copy: { count }` (ARM, where `copyIndex()` is the index).
#[derive(Debug, Clone, PartialEq)]
pub struct LoopDecl {
    pub item: Option<String>,
    pub index: Option<String>,
    /// ARM copy loops are named; `copyIndex('name')` refers to them.
    pub name: Option<String>,
    /// The array iterated (Bicep) or, for ARM, `range(0, count)`.
    pub source: Expr,
    /// Bicep `for … : if (…)`.
    pub filter: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParentDecl {
    /// Declared inside the parent's body (Bicep nested resource, ARM child `resources`).
    Enclosing(usize),
    /// Bicep `parent: symbol` (or an ARM 2.0 symbolic reference).
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDecl {
    /// The Bicep symbol, the ARM languageVersion 2.0 key, or a synthetic stable name for ARM
    /// array resources (see `from_arm`).
    /// Shared, like the type and API version, with each instance's [`crate::graph::Resource`].
    pub symbol: Text,
    /// The full resource type (`Microsoft.Storage/storageAccounts/blobServices`), with a nested
    /// Bicep child's type already joined to its parent's.
    pub type_name: Text,
    pub type_span: Span,
    pub api_version: Option<Text>,
    pub existing: bool,
    pub condition: Option<Expr>,
    pub loop_decl: Option<LoopDecl>,
    pub parent: Option<ParentDecl>,
    /// The resource body: `name`, `location`, `kind`, `sku`, `identity`, `properties`, `scope`, …
    /// as one object expression (Bicep: the object after `=`; ARM: the resource object).
    pub body: Expr,
    /// The whole declaration.
    pub span: Span,
    /// Where findings about the resource as a whole point: the Bicep symbol, the ARM `type`.
    pub symbol_span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModuleSource {
    /// A local file, relative to the calling file (Bicep or JSON template).
    Local(PathBuf),
    /// `br:`, `br/alias:`, `ts:`, `ts/alias:` or an ARM `templateLink`: opaque.
    Registry(String),
    /// An ARM nested deployment with an inline template, and its evaluation scope.
    Inline {
        template: Arc<TemplateDecl>,
        /// `expressionEvaluationOptions.scope == "inner"`: parameters are passed; otherwise
        /// the nested template sees the outer template's parameters and variables.
        inner: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModuleDecl {
    pub symbol: String,
    /// The deployment name (Bicep `name:`, ARM `name`), by which ARM's `reference()` finds it.
    pub name: Option<Expr>,
    pub source: ModuleSource,
    pub source_span: Span,
    /// Arguments, as an object expression of `name: value` (ARM: `name: { value: … }` already
    /// unwrapped).
    pub params: Expr,
    pub scope: Option<Expr>,
    pub condition: Option<Expr>,
    pub loop_decl: Option<LoopDecl>,
    pub span: Span,
    pub symbol_span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputDecl {
    pub name: String,
    pub name_span: Span,
    pub value: Expr,
}
