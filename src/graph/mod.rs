//! The resource graph: the one model Bicep and ARM lower into (DESIGN.md, "The resource graph").
//!
//! A *template* is one instantiation of a file (the file itself, or a module call with its own
//! arguments). A *resource* is one declared resource of a template, evaluated: its type, name,
//! body and parent, with values that keep the spans of their literals. A resource declared in a
//! loop over a known array is one resource per element, each evaluated with its element.
//! *Module calls* link a template to the templates they instantiate. *Edges* say which principal
//! a role assignment grants, which resources an app uses and where a key leaks.

pub mod decl;
pub mod edges;
pub mod eval;
pub mod export;
pub mod expr;
pub mod from_arm;
pub mod from_bicep;
pub mod functions;
pub mod value;

use crate::fast_hash::FastIndexMap;

use crate::source::{FileId, Span};
use decl::Language;
use expr::Text;
use value::{Map, Origin, ResourceIndex, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TemplateIndex(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleIndex(pub u32);

#[derive(Debug, Default)]
pub struct Graph {
    pub templates: Vec<Template>,
    pub resources: Vec<Resource>,
    pub modules: Vec<ModuleCall>,
}

#[derive(Debug)]
pub struct Template {
    pub file: FileId,
    pub language: Language,
    pub target_scope: String,
    /// The module call that instantiated this template; `None` for a file linted on its own.
    pub caller: Option<ModuleIndex>,
    pub parameters: FastIndexMap<Text, Parameter>,
    pub outputs: Map,
    pub resources: Vec<ResourceIndex>,
    pub modules: Vec<ModuleIndex>,
    /// The declaration this template instantiates, unevaluated: the names of its variables,
    /// parameters and outputs with the spans of their values, their descriptions, and each
    /// resource's `name` expression (the role-assignment rules read how a value was written).
    pub decl: std::sync::Arc<decl::TemplateDecl>,
}

/// Where a parameter's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamSource {
    Argument,
    ParameterFile,
    Default,
    /// No value and no default: the value is unknown, and rules do not guess.
    Missing,
}

#[derive(Debug)]
pub struct Parameter {
    pub name: Text,
    pub span: Span,
    pub value: Value,
    pub source: ParamSource,
    pub description: Option<Text>,
}

#[derive(Debug)]
pub struct Resource {
    pub template: TemplateIndex,
    pub symbol: Text,
    pub type_name: Text,
    pub api_version: Option<Text>,
    /// The evaluated `name` (for a child resource, its own segment(s) only).
    pub name: Value,
    pub existing: bool,
    /// `None` when unconditional; otherwise the evaluated condition.
    pub condition: Option<Value>,
    /// The loop element index, for a resource declared in a loop.
    pub loop_index: Option<usize>,
    /// Whether the declaration is in a loop (even one over an unknown array).
    pub in_loop: bool,
    pub parent: Option<ResourceIndex>,
    /// The evaluated body: `name`, `location`, `identity`, `properties`, `scope`, …
    pub body: Value,
    pub declaration: Origin,
    /// Where findings about the whole resource point (the Bicep symbol, the ARM `type`).
    pub anchor: Origin,
}

#[derive(Debug)]
pub struct ModuleCall {
    /// The template the call is written in.
    pub caller: TemplateIndex,
    pub symbol: String,
    /// What the call instantiates: a template of the graph, or nothing (registry modules,
    /// missing files).
    pub callee: Option<TemplateIndex>,
    /// The module reference as written (`./role.bicep`, `br/public:avm/res/…:0.1.0`).
    pub source: String,
    pub arguments: Map,
    pub declaration: Origin,
    pub anchor: Origin,
}

impl Graph {
    pub fn resource(&self, index: ResourceIndex) -> &Resource {
        &self.resources[index.0 as usize]
    }

    pub fn template(&self, index: TemplateIndex) -> &Template {
        &self.templates[index.0 as usize]
    }

    pub fn resources(&self) -> impl Iterator<Item = (ResourceIndex, &Resource)> {
        self.resources
            .iter()
            .enumerate()
            .map(|(i, r)| (ResourceIndex(i as u32), r))
    }
}

impl Resource {
    pub fn properties(&self) -> Option<&Value> {
        self.body.get("properties")
    }

    /// How messages name the resource: its symbol, with the element index for a loop
    /// (`accounts[1]`).
    pub fn display_name(&self) -> String {
        match self.loop_index {
            Some(index) => format!("{}[{index}]", self.symbol),
            None => self.symbol.to_string(),
        }
    }

    pub fn is_type(&self, type_name: &str) -> bool {
        self.type_name.eq_ignore_ascii_case(type_name)
    }
}
