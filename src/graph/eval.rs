//! The partial evaluator and graph builder.
//!
//! A [`Builder`] instantiates template declarations: the root file with its parameter values,
//! and every module call with its arguments. Evaluation is lazy and memoised per instance
//! (variables, parameter defaults and module outputs are computed on first use), so declaration
//! order does not matter, and a cycle (`var a = b`, `var b = a`, or a module that calls itself)
//! ends in an unknown value instead of a hang.
//!
//! What the evaluator knows: literals, parameters, variables, user functions, loops over known
//! arrays, and the built-in functions of [`super::functions`]. What it cannot know stays an
//! [`Unknown`] that remembers the resources it came from and the secrets it contains.

use crate::fast_hash::{FastIndexMap, FastMap};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use super::decl::{
    FuncDecl, LoopDecl, ModuleDecl, ModuleSource, ParentDecl, ResourceDecl, TemplateDecl,
};
use super::expr::{ArrayItem, BinaryOp, Expr, ExprKind, ObjectItem, StringPart, Text, UnaryOp};
use super::functions;
use super::value::{Map, Origin, ResourceIndex, Segment, Unknown, UnknownKind, Value, ValueKind};
use super::{
    Graph, ModuleCall, ModuleIndex, ParamSource, Parameter, Resource, Template, TemplateIndex,
};
use crate::source::{FileId, Span};

/// More instances than this from one loop are not expanded (the loop then evaluates once with
/// an unknown element): enough for every real template, bounded for hostile ones.
const MAX_LOOP_INSTANCES: usize = 64;
/// Module calls nest at most this deep; deeper chains are treated as opaque.
const MAX_MODULE_DEPTH: usize = 16;
/// Evaluation recursion bound (variables referring to variables, function calls, …).
const MAX_EVAL_DEPTH: usize = 200;
/// An upper bound on template instances per build, against exponential module fan-out.
const MAX_INSTANCES: usize = 2_000;

/// Loads the declaration of a module file, for the builder.
pub trait ModuleLoader {
    /// Resolves `path` (as written in a module call in `from`) and returns the module's file
    /// and declaration, or a message saying why it cannot be read.
    fn load(&mut self, from: FileId, path: &Path) -> Result<(FileId, Arc<TemplateDecl>), String>;

    /// The text of a file next to `from`, for Bicep's compile-time `loadJsonContent()` and
    /// `loadTextContent()`; `None` when it cannot be read.
    fn read_text(&mut self, from: FileId, path: &Path) -> Option<String>;
}

/// Something the builder could not follow (a missing or cyclic module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildProblem {
    pub origin: Origin,
    pub message: String,
}

pub struct Builder<'l> {
    loader: &'l mut dyn ModuleLoader,
    pub graph: Graph,
    pub problems: Vec<BuildProblem>,
    instances: Vec<Instance>,
    depth: usize,
    /// The templates instantiated so far, by what they were instantiated from (see
    /// [`Builder::instantiated`]).
    instantiated: FastMap<InstanceKey, Vec<(Arguments, TemplateIndex)>>,
    /// The resources of the graph by lower-case type, in index order: a `resourceId()` is
    /// looked up among the resources of its type, not among all of them (a compiled AVM
    /// pattern has thousands).
    by_type: FastMap<String, Vec<ResourceIndex>>,
    /// The evaluated arguments of the function calls in progress (see [`Builder::eval_call`]).
    arguments: Vec<Value>,
}

/// What makes two module calls instantiate the same thing, besides their arguments: the
/// module's file and declaration, and for a nested deployment that reads its enclosing
/// template's parameters, that enclosing instance.
type InstanceKey = (FileId, *const TemplateDecl, Option<usize>);

/// A module call's evaluated arguments, by parameter name.
type Arguments = Map;

/// The evaluation state of one template instance.
struct Instance {
    decl: Arc<TemplateDecl>,
    /// The file the declaration is written in (a nested deployment's is its enclosing file's).
    file: FileId,
    template: TemplateIndex,
    /// An ARM nested deployment with outer evaluation scope reads its parameters and variables
    /// from the instance that contains it.
    outer: Option<usize>,
    /// By position in the declaration's lists (see [`TemplateDecl::names`]).
    params: Vec<Slot>,
    /// Arguments given for parameters the template does not declare.
    undeclared_params: FastMap<String, Slot>,
    vars: Vec<Slot>,
    /// Resource symbols → their instances, allocated before any body is evaluated.
    resources: FastMap<Text, Vec<ResourceIndex>>,
    /// Resource symbols declared in a loop (so `res` is an array even with one element).
    looped: FastMap<Text, bool>,
    modules: Vec<Slot>,
    /// Each module's evaluated deployment name (`None` inside until asked; `Some(None)` when it
    /// is not a known string): `reference(<deployment>)` looks a module up by name, and a
    /// compiled template asks that of the same modules hundreds of times.
    module_names: Vec<Option<Option<Arc<str>>>>,
    /// Each resource instance with its declaration position and loop bindings, from
    /// allocation until its body is evaluated.
    elements: Vec<(usize, ResourceIndex, Locals)>,
    /// The module-call chain that led here (file ids), for cycle detection.
    chain: Vec<FileId>,
    module_depth: usize,
}

/// A lazily computed value.
#[derive(Clone)]
enum Slot {
    Pending,
    InProgress,
    Done(Value),
}

/// The function a call expression names: its namespace as written, and its name as written
/// and in lower case.
#[derive(Clone, Copy)]
struct CallName<'e> {
    namespace: Option<&'e str>,
    name: &'e str,
    lower: &'e str,
}

/// Local bindings: loop variables, lambda and function parameters.
#[derive(Clone, Default)]
struct Locals {
    bindings: Vec<(String, Value)>,
}

impl Locals {
    fn get(&self, name: &str) -> Option<&Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    fn with(&self, name: &str, value: Value) -> Locals {
        let mut next = self.clone();
        next.bindings.push((name.to_owned(), value));
        next
    }
}

/// The value of a parameter as supplied from outside (argument or parameter file).
pub struct SuppliedParam {
    pub value: Value,
    pub source: ParamSource,
}

impl<'l> Builder<'l> {
    pub fn new(loader: &'l mut dyn ModuleLoader) -> Self {
        Builder {
            loader,
            graph: Graph::default(),
            problems: Vec::new(),
            instances: Vec::new(),
            depth: 0,
            instantiated: FastMap::default(),
            by_type: FastMap::default(),
            arguments: Vec::new(),
        }
    }

    /// Instantiates a file linted on its own, with parameter values from a parameter file.
    pub fn add_root(
        &mut self,
        decl: Arc<TemplateDecl>,
        file: FileId,
        supplied: FastIndexMap<Text, SuppliedParam>,
    ) -> TemplateIndex {
        let chain = vec![file];
        self.instantiate(decl, file, None, supplied, None, chain, 0)
    }

    #[allow(clippy::too_many_arguments)]
    fn instantiate(
        &mut self,
        decl: Arc<TemplateDecl>,
        file: FileId,
        caller: Option<ModuleIndex>,
        supplied: FastIndexMap<Text, SuppliedParam>,
        outer: Option<usize>,
        chain: Vec<FileId>,
        module_depth: usize,
    ) -> TemplateIndex {
        let template = TemplateIndex(self.graph.templates.len() as u32);
        self.graph.templates.push(Template {
            file,
            language: decl.language,
            target_scope: decl.target_scope.clone(),
            caller,
            parameters: FastIndexMap::default(),
            outputs: Map::default(),
            resources: Vec::new(),
            modules: Vec::new(),
            decl: decl.clone(),
        });
        let instance = self.instances.len();
        let names = decl.names();
        let mut params = vec![Slot::Pending; decl.parameters.len()];
        let mut sources = vec![None; decl.parameters.len()];
        let mut undeclared_params = FastMap::default();
        for (name, given) in supplied {
            match names.parameters.get(&*name) {
                Some(&at) => {
                    sources[at] = Some(given.source);
                    params[at] = Slot::Done(given.value);
                }
                None => {
                    undeclared_params.insert(name.to_string(), Slot::Done(given.value));
                }
            }
        }
        self.instances.push(Instance {
            decl: decl.clone(),
            file,
            template,
            outer,
            params,
            undeclared_params,
            vars: vec![Slot::Pending; decl.variables.len()],
            resources: FastMap::default(),
            looped: FastMap::default(),
            modules: vec![Slot::Pending; decl.modules.len()],
            module_names: vec![None; decl.modules.len()],
            elements: Vec::new(),
            chain,
            module_depth,
        });

        self.allocate_resources(instance);
        for param in &decl.parameters {
            let value = self.parameter(instance, &param.name, Origin::new(file, param.name_span));
            let at = names.parameters[&*param.name];
            let source = match sources[at] {
                Some(source) => source,
                None if param.default.is_some() => ParamSource::Default,
                None => ParamSource::Missing,
            };
            self.graph.templates[template.0 as usize].parameters.insert(
                param.name.clone(),
                Parameter {
                    name: param.name.clone(),
                    span: param.span,
                    value,
                    source,
                    description: param.description.clone(),
                },
            );
        }
        for module in &decl.modules {
            self.module_value(instance, &module.symbol);
        }
        self.evaluate_resources(instance);
        for output in &decl.outputs {
            let value = self.eval(instance, &output.value, &Locals::default());
            self.graph.templates[template.0 as usize]
                .outputs
                .insert(output.name.as_str().into(), value);
        }
        template
    }

    fn origin(&self, instance: usize, span: Span) -> Origin {
        Origin::new(self.instances[instance].file, span)
    }

    // ----- resources -------------------------------------------------------------------

    /// Gives every resource declaration its graph indices (one per loop element), links
    /// parents and evaluates full names, so that references between resources resolve
    /// whatever the declaration order.
    fn allocate_resources(&mut self, instance: usize) {
        let decl = self.instances[instance].decl.clone();
        let template = self.instances[instance].template;
        let mut by_decl: Vec<Vec<ResourceIndex>> = Vec::with_capacity(decl.resources.len());
        let mut elements = Vec::new();
        for (position, resource) in decl.resources.iter().enumerate() {
            let mut indices = Vec::new();
            for (loop_index, locals) in self.loop_elements(instance, resource.loop_decl.as_ref()) {
                let index = ResourceIndex(self.graph.resources.len() as u32);
                self.by_type
                    .entry(resource.type_name.to_ascii_lowercase())
                    .or_default()
                    .push(index);
                let declaration = self.origin(instance, resource.span);
                self.graph.resources.push(Resource {
                    template,
                    symbol: resource.symbol.clone(),
                    type_name: resource.type_name.clone(),
                    api_version: resource.api_version.clone(),
                    name: Value::opaque(declaration),
                    existing: resource.existing,
                    condition: None,
                    loop_index,
                    in_loop: resource.loop_decl.is_some(),
                    parent: None,
                    body: Value::opaque(declaration),
                    declaration,
                    anchor: self.origin(instance, resource.symbol_span),
                });
                self.graph.templates[template.0 as usize]
                    .resources
                    .push(index);
                indices.push(index);
                elements.push((position, index, locals));
            }
            let state = &mut self.instances[instance];
            state
                .resources
                .entry(resource.symbol.clone())
                .or_default()
                .extend(&indices);
            state
                .looped
                .insert(resource.symbol.clone(), resource.loop_decl.is_some());
            by_decl.push(indices);
        }
        for (position, index, locals) in &elements {
            let parent = match &decl.resources[*position].parent {
                Some(ParentDecl::Enclosing(parent)) => by_decl.get(*parent).and_then(|parents| {
                    // A child declared inside a looped parent belongs to the matching element.
                    let k = by_decl[*position]
                        .iter()
                        .position(|i| i == index)
                        .unwrap_or(0);
                    parents.get(k).or(parents.first()).copied()
                }),
                Some(ParentDecl::Expr(expr)) => {
                    match self.eval(instance, expr, locals).as_unknown() {
                        Some(Unknown {
                            kind: UnknownKind::Resource(parent),
                            ..
                        }) => Some(*parent),
                        _ => None,
                    }
                }
                None => None,
            };
            self.graph.resources[index.0 as usize].parent = parent;
        }
        for (position, index, locals) in &elements {
            let resource = &decl.resources[*position];
            let own = match resource.body.property("name") {
                Some(name) => self.eval(instance, name, locals),
                None => Value::opaque(self.origin(instance, resource.span)),
            };
            let name = self.full_name_value(*index, own);
            self.graph.resources[index.0 as usize].name = name;
        }
        for (position, index, locals) in &elements {
            if self.graph.resource(*index).parent.is_none() {
                let depends_on = decl.resources[*position].body.property("dependsOn");
                let parent = self.inferred_parent(instance, *index, depends_on, locals);
                self.graph.resources[index.0 as usize].parent = parent;
            }
        }
        self.instances[instance].elements = elements;
    }

    /// A child's full name: its own name prefixed with its parent's when it was written as
    /// the last segment only (Bicep nested or `parent:` children, ARM short-form children).
    fn full_name_value(&self, index: ResourceIndex, own: Value) -> Value {
        let resource = self.graph.resource(index);
        let Some(parent) = resource.parent else {
            return own;
        };
        let required = resource.type_name.split('/').count().saturating_sub(1);
        let written = own.as_str().map_or(1, |name| name.split('/').count());
        if written >= required {
            return own;
        }
        // Parents precede their children in declaration order, so the parent's name is final.
        let parent_name = self.graph.resource(parent).name.clone();
        let origin = own.origin;
        let separator = Value::string(origin, "/");
        functions::interpolate(vec![parent_name, separator, own], origin)
    }

    /// The parent of a child written at the top level with its full type and name (ARM's
    /// `Microsoft.Network/virtualNetworks/subnets` named `vnet/subnet`), or of a legacy
    /// extension resource (`Microsoft.Storage/storageAccounts/providers/roleAssignments` named
    /// `sa/Microsoft.Authorization/<guid>`): the resource of the graph with the leading type and
    /// name segments.
    fn inferred_parent(
        &mut self,
        instance: usize,
        index: ResourceIndex,
        depends_on: Option<&Expr>,
        locals: &Locals,
    ) -> Option<ResourceIndex> {
        let resource = self.graph.resource(index);
        let lower = resource.type_name.to_ascii_lowercase();
        let parent_type = match lower.find("/providers/") {
            Some(at) => &resource.type_name[..at],
            None => resource.type_name.rsplit_once('/')?.0,
        };
        if !parent_type.contains('/') {
            return None;
        }
        let parent_type = parent_type.to_owned();
        let parent_type = parent_type.as_str();
        // `'${vnet.name}/subnet'`: the name says which resource is the parent.
        if let Some(parent) = named_parent(&resource.name) {
            if self.graph.resource(parent).is_type(parent_type) {
                return Some(parent);
            }
        }
        let resource = self.graph.resource(index);
        if let Some(name) = resource.name.as_str() {
            let parent_segments = parent_type.split('/').count().saturating_sub(1);
            let names: Vec<Value> = name
                .split('/')
                .take(parent_segments)
                .map(|n| Value::string(resource.name.origin, n))
                .collect();
            if let Some(parent) = self.find_resource(instance, parent_type, &names) {
                return Some(parent);
            }
        }
        // A name only the deployment knows (`'${uniqueString(…)}/web'`): the parent is the
        // resource of that type whose name has the same shape as the child's leading part, or
        // the only resource of that type in the template.
        let template = self.instances[instance].template;
        let candidates: Vec<ResourceIndex> = self
            .graph
            .template(template)
            .resources
            .iter()
            .copied()
            .filter(|&r| r != index && self.graph.resource(r).is_type(parent_type))
            .collect();
        if let [only] = candidates.as_slice() {
            return Some(*only);
        }
        // Bicep compiles `parent:` to a dependency on the parent: among several candidates, the
        // one the child depends on.
        if let Some(depends_on) = depends_on {
            let dependencies = self.eval(instance, depends_on, locals);
            let depended: Vec<ResourceIndex> = dependencies
                .walk()
                .filter_map(|value| match value.as_unknown().map(|u| &u.kind) {
                    Some(UnknownKind::Resource(r)) => Some(*r),
                    _ => self.resolve_resource(instance, value),
                })
                .filter(|r| candidates.contains(r))
                .collect();
            if let [only] = depended.as_slice() {
                return Some(*only);
            }
        }
        let resource = self.graph.resource(index);
        let shape = super::export::describe(&self.graph, &resource.name);
        let prefix = shape.rsplit_once('/')?.0;
        let mut same_shape = candidates.iter().copied().filter(|&r| {
            super::export::describe(&self.graph, &self.graph.resource(r).name) == prefix
        });
        match (same_shape.next(), same_shape.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    fn evaluate_resources(&mut self, instance: usize) {
        let decl = self.instances[instance].decl.clone();
        let elements = std::mem::take(&mut self.instances[instance].elements);
        for (position, index, locals) in &elements {
            self.evaluate_resource(instance, &decl.resources[*position], *index, locals);
        }
    }

    fn evaluate_resource(
        &mut self,
        instance: usize,
        resource: &ResourceDecl,
        index: ResourceIndex,
        locals: &Locals,
    ) {
        let mut body = self.eval(instance, &resource.body, locals);
        // ARM writes an extension resource's scope as a resource id or `type/name` string;
        // resolve it to the resource of the graph when there is one.
        if let ValueKind::Object(map) = &mut body.kind {
            if let Some(scope) = Arc::make_mut(map).get_mut("scope") {
                if let Some(target) = self.resolve_scope(instance, scope) {
                    *scope = resource_value(scope.origin, target);
                }
            }
        }
        let filter = resource
            .loop_decl
            .as_ref()
            .and_then(|lp| lp.filter.as_ref());
        let condition = resource
            .condition
            .as_ref()
            .or(filter)
            .map(|c| self.eval(instance, c, locals));
        let slot = &mut self.graph.resources[index.0 as usize];
        slot.body = body;
        slot.condition = condition;
    }

    /// An ARM `scope` string: a resource id, or `Microsoft.X/type/name` (the form Bicep emits).
    fn resolve_scope(&self, instance: usize, scope: &Value) -> Option<ResourceIndex> {
        if scope.as_unknown().is_some() {
            return None;
        }
        if let Some(found) = self.resolve_resource(instance, scope) {
            return Some(found);
        }
        let text = scope.as_str()?;
        let segments: Vec<&str> = text.split('/').collect();
        // `Namespace/type[/childType]/name…`: types and names alternate after the namespace.
        if segments.len() < 3 || segments.len() % 2 == 0 {
            return None;
        }
        let mut type_name = segments[0].to_owned();
        let mut names = Vec::new();
        for pair in segments[1..].chunks(2) {
            type_name.push('/');
            type_name.push_str(pair[0]);
            names.push(Value::string(scope.origin, pair[1]));
        }
        self.find_resource(instance, &type_name, &names)
    }

    /// The bindings of each loop element: one empty binding without a loop; one per element
    /// of a known array; a single binding with unknown element and index otherwise.
    fn loop_elements(
        &mut self,
        instance: usize,
        lp: Option<&LoopDecl>,
    ) -> Vec<(Option<usize>, Locals)> {
        let Some(lp) = lp else {
            return vec![(None, Locals::default())];
        };
        let source = self.eval(instance, &lp.source, &Locals::default());
        let origin = source.origin;
        let bind = |item: Value, index: Value| {
            let mut locals = Locals::default();
            if let Some(name) = &lp.item {
                locals = locals.with(name, item);
            }
            if let Some(name) = &lp.index {
                locals = locals.with(name, index.clone());
            }
            if let Some(name) = &lp.name {
                locals = locals.with(&copy_index_local(Some(name)), index.clone());
            }
            locals.with(&copy_index_local(None), index)
        };
        match source.kind {
            ValueKind::Array(items) if items.len() <= MAX_LOOP_INSTANCES => {
                let mut elements = Vec::with_capacity(items.len());
                for (i, item) in Arc::unwrap_or_clone(items).into_iter().enumerate() {
                    // Elements the filter drops stay, with the filter as their condition, as
                    // ARM's compiled form keeps them (`condition` on a copy loop).
                    let locals = bind(item, Value::new(origin, ValueKind::Int(i as i64)));
                    elements.push((Some(i), locals));
                }
                elements
            }
            _ => {
                let unknown = Value::unknown(origin, Unknown::of(UnknownKind::Call("for".into())));
                vec![(None, bind(unknown.clone(), unknown))]
            }
        }
    }

    // ----- modules ---------------------------------------------------------------------

    /// The value of a module symbol: `{ name, outputs }`, or an array of them for a loop.
    fn module_value(&mut self, instance: usize, symbol: &str) -> Option<Value> {
        let decl = self.instances[instance].decl.clone();
        let at = *decl.names().modules.get(symbol)?;
        match &self.instances[instance].modules[at] {
            Slot::Done(value) => return Some(value.clone()),
            Slot::InProgress => return Some(Value::opaque(Origin::default())),
            Slot::Pending => {}
        }
        self.instances[instance].modules[at] = Slot::InProgress;
        let module = &decl.modules[at];
        let elements = self.loop_elements(instance, module.loop_decl.as_ref());
        let mut values = Vec::with_capacity(elements.len());
        for (_, locals) in elements {
            values.push(self.call_module(instance, module, &locals));
        }
        let value = if module.loop_decl.is_some() {
            Value::new(
                self.origin(instance, module.span),
                ValueKind::Array(Arc::new(values)),
            )
        } else {
            values
                .pop()
                .unwrap_or_else(|| Value::opaque(self.origin(instance, module.span)))
        };
        self.instances[instance].modules[at] = Slot::Done(value.clone());
        Some(value)
    }

    fn call_module(&mut self, instance: usize, module: &ModuleDecl, locals: &Locals) -> Value {
        let file = self.instances[instance].file;
        let origin = self.origin(instance, module.span);
        let arguments = match self.eval(instance, &module.params, locals).kind {
            ValueKind::Object(map) => Arc::unwrap_or_clone(map),
            _ => Map::default(),
        };
        let caller_template = self.instances[instance].template;
        let index = ModuleIndex(self.graph.modules.len() as u32);
        let (source_text, callee_decl, outer) = match &module.source {
            ModuleSource::Local(path) => {
                let text = path.to_string_lossy().replace('\\', "/");
                let loaded = self.load_module(instance, file, path, module);
                (text, loaded, None)
            }
            ModuleSource::Registry(reference) => (reference.clone(), None, None),
            ModuleSource::Inline { template, inner } => (
                String::from("(nested deployment)"),
                Some((file, template.clone())),
                (!inner).then_some(instance),
            ),
        };
        self.graph.modules.push(ModuleCall {
            caller: caller_template,
            symbol: module.symbol.clone(),
            callee: None,
            source: source_text,
            arguments: arguments.clone(),
            declaration: origin,
            anchor: self.origin(instance, module.symbol_span),
        });
        self.graph.templates[caller_template.0 as usize]
            .modules
            .push(index);
        let Some((callee_file, callee_decl)) = callee_decl else {
            return module_object(origin, None, Map::default());
        };
        // One instance per distinct argument set: an AVM test deploys its module twice (`for
        // iteration in ['init', 'idem']`) with the same parameters; evaluating it again would
        // find the same things at the same places (issue 9).
        let key: InstanceKey = (callee_file, Arc::as_ptr(&callee_decl), outer);
        if let Some(callee) = self.instantiated(&key, &arguments) {
            self.graph.modules[index.0 as usize].callee = Some(callee);
            let outputs = self.graph.templates[callee.0 as usize].outputs.clone();
            return module_object(origin, Some(&module.symbol), outputs);
        }
        let remembered = arguments.clone();
        let supplied = arguments
            .into_iter()
            .map(|(name, value)| {
                (
                    name,
                    SuppliedParam {
                        value,
                        source: ParamSource::Argument,
                    },
                )
            })
            .collect();
        let mut chain = self.instances[instance].chain.clone();
        chain.push(callee_file);
        let depth = self.instances[instance].module_depth + 1;
        let callee = self.instantiate(
            callee_decl,
            callee_file,
            Some(index),
            supplied,
            outer,
            chain,
            depth,
        );
        self.instantiated
            .entry(key)
            .or_default()
            .push((remembered, callee));
        self.graph.modules[index.0 as usize].callee = Some(callee);
        let outputs = self.graph.templates[callee.0 as usize].outputs.clone();
        module_object(origin, Some(&module.symbol), outputs)
    }

    /// The template already instantiated from `key` with exactly these arguments (values and
    /// the places they were written), if any.
    fn instantiated(&self, key: &InstanceKey, arguments: &Map) -> Option<TemplateIndex> {
        self.instantiated
            .get(key)?
            .iter()
            .find(|(given, _)| given == arguments)
            .map(|(_, template)| *template)
    }

    fn load_module(
        &mut self,
        instance: usize,
        file: FileId,
        path: &Path,
        module: &ModuleDecl,
    ) -> Option<(FileId, Arc<TemplateDecl>)> {
        let origin = self.origin(instance, module.source_span);
        if self.instances[instance].module_depth >= MAX_MODULE_DEPTH
            || self.instances.len() >= MAX_INSTANCES
        {
            return None;
        }
        match self.loader.load(file, path) {
            Ok((callee_file, decl)) => {
                if self.instances[instance].chain.contains(&callee_file) {
                    self.problems.push(BuildProblem {
                        origin,
                        message: format!(
                            "module `{}` calls itself (directly or through other modules)",
                            path.display()
                        ),
                    });
                    return None;
                }
                Some((callee_file, decl))
            }
            Err(message) => {
                self.problems.push(BuildProblem { origin, message });
                None
            }
        }
    }

    // ----- names -----------------------------------------------------------------------

    fn parameter(&mut self, instance: usize, name: &str, use_origin: Origin) -> Value {
        let owner = self.instances[instance].outer.unwrap_or(instance);
        let state = &self.instances[owner];
        let Some(&at) = state.decl.names().parameters.get(name) else {
            return match state.undeclared_params.get(name) {
                Some(Slot::Done(value)) => value.clone(),
                _ => Value::opaque(use_origin),
            };
        };
        match &state.params[at] {
            Slot::Done(value) => return value.clone(),
            Slot::InProgress => return Value::opaque(use_origin),
            Slot::Pending => {}
        }
        self.instances[owner].params[at] = Slot::InProgress;
        let decl = self.instances[owner].decl.clone();
        let param = &decl.parameters[at];
        let value = match &param.default {
            Some(default) => self.eval(owner, default, &Locals::default()),
            None => Value::unknown(
                Origin::new(self.instances[owner].file, param.name_span),
                Unknown::of(UnknownKind::Parameter(name.to_owned())),
            ),
        };
        self.instances[owner].params[at] = Slot::Done(value.clone());
        value
    }

    fn variable(&mut self, instance: usize, name: &str, use_origin: Origin) -> Option<Value> {
        let owner = self.instances[instance].outer.unwrap_or(instance);
        let state = &self.instances[owner];
        let at = *state.decl.names().variables.get(name)?;
        match &state.vars[at] {
            Slot::Done(value) => return Some(value.clone()),
            Slot::InProgress => return Some(Value::opaque(use_origin)),
            Slot::Pending => {}
        }
        self.instances[owner].vars[at] = Slot::InProgress;
        let decl = self.instances[owner].decl.clone();
        let value = self.eval(owner, &decl.variables[at].value, &Locals::default());
        self.instances[owner].vars[at] = Slot::Done(value.clone());
        Some(value)
    }

    fn resource_symbol(&self, instance: usize, name: &str, origin: Origin) -> Option<Value> {
        let state = &self.instances[instance];
        let indices = state.resources.get(name)?;
        let as_value = |index: ResourceIndex| resource_value(origin, index);
        if state.looped.get(name).copied().unwrap_or(false) {
            Some(Value::new(
                origin,
                ValueKind::Array(
                    indices
                        .iter()
                        .copied()
                        .map(as_value)
                        .collect::<Vec<_>>()
                        .into(),
                ),
            ))
        } else {
            indices.first().copied().map(as_value)
        }
    }

    // ----- expressions -----------------------------------------------------------------

    /// Evaluates an expression of instance `instance`.
    fn eval(&mut self, instance: usize, expr: &Expr, locals: &Locals) -> Value {
        if self.depth >= MAX_EVAL_DEPTH {
            return Value::opaque(self.origin(instance, expr.span));
        }
        self.depth += 1;
        let value = self.eval_inner(instance, expr, locals);
        self.depth -= 1;
        value
    }

    fn eval_inner(&mut self, instance: usize, expr: &Expr, locals: &Locals) -> Value {
        let origin = self.origin(instance, expr.span);
        match &expr.kind {
            ExprKind::Null => Value::null(origin),
            ExprKind::Bool(b) => Value::new(origin, ValueKind::Bool(*b)),
            ExprKind::Int(i) => Value::new(origin, ValueKind::Int(*i)),
            ExprKind::String(text) => Value::string(origin, text.clone()),
            ExprKind::Interpolation(parts) => {
                let parts = parts
                    .iter()
                    .map(|part| match part {
                        StringPart::Literal(text, span) => {
                            Value::string(self.origin(instance, *span), text.clone())
                        }
                        StringPart::Hole(expr) => self.eval(instance, expr, locals),
                    })
                    .collect();
                functions::interpolate(parts, origin)
            }
            ExprKind::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        ArrayItem::Item(expr) => values.push(self.eval(instance, expr, locals)),
                        ArrayItem::Spread(expr) => {
                            let spread = self.eval(instance, expr, locals);
                            match spread.kind {
                                ValueKind::Array(inner) => {
                                    values.extend(Arc::unwrap_or_clone(inner))
                                }
                                _ => return absorb_all(origin, "spread", &[spread]),
                            }
                        }
                    }
                }
                Value::new(origin, ValueKind::Array(Arc::new(values)))
            }
            ExprKind::Object(items) => self.eval_object(instance, items, locals, origin),
            ExprKind::Symbol(name) => self.eval_symbol(instance, name, locals, origin),
            ExprKind::Call {
                namespace,
                name,
                lower_name,
                args,
                ..
            } => {
                let call = CallName {
                    namespace: namespace.as_deref(),
                    name,
                    lower: lower_name,
                };
                self.eval_call(instance, call, args, locals, origin)
            }
            ExprKind::Member {
                object, name, safe, ..
            } => {
                let object = self.eval(instance, object, locals);
                if let Some(known) = self.known_resource_member(&object, name) {
                    return known;
                }
                member(object, name, *safe, origin)
            }
            ExprKind::Index {
                object,
                index,
                safe,
            } => {
                let object = self.eval(instance, object, locals);
                let index = self.eval(instance, index, locals);
                index_value(object, &index, *safe, origin)
            }
            ExprKind::ChildAccess { parent, child } => {
                let parent = self.eval(instance, parent, locals);
                self.child_resource(instance, &parent, child)
                    .unwrap_or_else(|| absorb_all(origin, "::", &[parent]))
            }
            ExprKind::Unary { op, operand } => {
                let value = self.eval(instance, operand, locals);
                match (op, &value.kind) {
                    (UnaryOp::Not, ValueKind::Bool(b)) => Value::new(origin, ValueKind::Bool(!b)),
                    (UnaryOp::Negate, ValueKind::Int(i)) => {
                        Value::new(origin, ValueKind::Int(i.wrapping_neg()))
                    }
                    _ => absorb_all(origin, "operator", &[value]),
                }
            }
            ExprKind::NonNull(inner) => self.eval(instance, inner, locals),
            ExprKind::Binary { op, lhs, rhs } => {
                self.eval_binary(instance, *op, lhs, rhs, locals, origin)
            }
            ExprKind::Ternary {
                condition,
                then,
                otherwise,
            } => {
                let condition = self.eval(instance, condition, locals);
                match condition.as_bool() {
                    Some(true) => self.eval(instance, then, locals),
                    Some(false) => self.eval(instance, otherwise, locals),
                    None => {
                        let a = self.eval(instance, then, locals);
                        let b = self.eval(instance, otherwise, locals);
                        absorb_all(origin, "?:", &[condition, a, b])
                    }
                }
            }
            ExprKind::Lambda { .. } => Value::opaque(origin),
            ExprKind::For(for_expr) => {
                let source = self.eval(instance, &for_expr.source, locals);
                match source.kind {
                    ValueKind::Array(items) if items.len() <= MAX_LOOP_INSTANCES * 16 => {
                        let mut values = Vec::with_capacity(items.len());
                        for (i, item) in Arc::unwrap_or_clone(items).into_iter().enumerate() {
                            let mut inner = locals.with(&for_expr.item, item);
                            if let Some(index) = &for_expr.index {
                                inner =
                                    inner.with(index, Value::new(origin, ValueKind::Int(i as i64)));
                            }
                            if let Some(filter) = &for_expr.condition {
                                if self.eval(instance, filter, &inner).as_bool() == Some(false) {
                                    continue;
                                }
                            }
                            values.push(self.eval(instance, &for_expr.body, &inner));
                        }
                        Value::new(origin, ValueKind::Array(Arc::new(values)))
                    }
                    _ => {
                        let unknown = Value::opaque(origin);
                        let inner = locals.with(&for_expr.item, unknown.clone());
                        let body = self.eval(instance, &for_expr.body, &inner);
                        absorb_all(origin, "for", &[source, body])
                    }
                }
            }
            ExprKind::Error => Value::opaque(origin),
        }
    }

    fn eval_object(
        &mut self,
        instance: usize,
        items: &[ObjectItem],
        locals: &Locals,
        origin: Origin,
    ) -> Value {
        let mut map = Map::with_capacity_and_hasher(items.len(), Default::default());
        for item in items {
            match item {
                ObjectItem::Property(property) => {
                    // Keys are shared with the declaration: no allocation per member evaluated.
                    let key = match property.key_text() {
                        Some(key) => key.clone(),
                        None => {
                            let key = self.eval(instance, &property.key, locals);
                            match key.kind {
                                ValueKind::String(key) => key,
                                // A key only the deployment knows (`'${uami.id}': {}`): the
                                // entry cannot be looked up by name, but what it refers to
                                // (the identity it attaches) must not be lost.
                                _ => {
                                    let value = self.eval(instance, &property.value, locals);
                                    let mut unknown = Unknown::default();
                                    unknown.absorb(&key);
                                    unknown.absorb(&value);
                                    let described = super::export::describe(&self.graph, &key);
                                    map.insert(
                                        described.into(),
                                        Value::unknown(value.origin, unknown),
                                    );
                                    continue;
                                }
                            }
                        }
                    };
                    let value = self.eval(instance, &property.value, locals);
                    map.insert(key, value);
                }
                ObjectItem::Spread(expr) => {
                    let spread = self.eval(instance, expr, locals);
                    match spread.kind {
                        ValueKind::Object(inner) => map.extend(Arc::unwrap_or_clone(inner)),
                        _ => return absorb_all(origin, "spread", &[spread]),
                    }
                }
            }
        }
        Value::new(origin, ValueKind::Object(Arc::new(map)))
    }

    fn eval_symbol(
        &mut self,
        instance: usize,
        name: &str,
        locals: &Locals,
        origin: Origin,
    ) -> Value {
        if let Some(value) = locals.get(name) {
            return value.clone();
        }
        let state = &self.instances[instance];
        if state.decl.names().parameters.contains_key(name)
            || state.undeclared_params.contains_key(name)
        {
            return self.parameter(instance, name, origin);
        }
        if let Some(value) = self.variable(instance, name, origin) {
            return value;
        }
        if let Some(value) = self.resource_symbol(instance, name, origin) {
            return value;
        }
        if let Some(value) = self.module_value(instance, name) {
            return value;
        }
        Value::opaque(origin)
    }

    fn eval_binary(
        &mut self,
        instance: usize,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        locals: &Locals,
        origin: Origin,
    ) -> Value {
        let left = self.eval(instance, lhs, locals);
        // Short circuits decide without the right side when the left side is known.
        match (op, &left.kind) {
            (BinaryOp::Coalesce, ValueKind::Null) => return self.eval(instance, rhs, locals),
            (BinaryOp::Coalesce, kind) if !matches!(kind, ValueKind::Unknown(_)) => return left,
            (BinaryOp::And, ValueKind::Bool(false)) | (BinaryOp::Or, ValueKind::Bool(true)) => {
                return Value::new(origin, left.kind)
            }
            _ => {}
        }
        let right = self.eval(instance, rhs, locals);
        binary(op, left, right, origin)
    }

    fn eval_call(
        &mut self,
        instance: usize,
        call: CallName,
        args: &[Expr],
        locals: &Locals,
        origin: Origin,
    ) -> Value {
        let CallName {
            namespace,
            name,
            lower,
        } = call;
        let builtin_namespace = matches!(namespace, None | Some("sys") | Some("az"));
        if builtin_namespace {
            match lower {
                "parameters" => {
                    return match args.first().map(|a| self.eval(instance, a, locals)) {
                        Some(Value {
                            kind: ValueKind::String(param),
                            ..
                        }) => self.parameter(instance, &param, origin),
                        _ => Value::opaque(origin),
                    }
                }
                "variables" => {
                    return match args.first().map(|a| self.eval(instance, a, locals)) {
                        Some(Value {
                            kind: ValueKind::String(var),
                            ..
                        }) => self
                            .variable(instance, &var, origin)
                            .unwrap_or_else(|| Value::opaque(origin)),
                        _ => Value::opaque(origin),
                    }
                }
                "copyindex" => return self.copy_index(instance, args, locals, origin),
                // The deployment's own scope: known only when it runs.
                "resourcegroup" | "subscription" | "tenant" | "managementgroup" | "deployment"
                | "environment"
                    if args.is_empty() =>
                {
                    let what = UnknownKind::Deployment(name.to_owned());
                    return Value::unknown(origin, Unknown::of(what));
                }
                "map" | "filter" => {
                    return self.eval_lambda_call(instance, lower, args, locals, origin)
                }
                "roledefinitions" if args.len() == 1 => {
                    let name = self.eval(instance, &args[0], locals);
                    return role_definition(&name, origin);
                }
                "loadjsoncontent" | "loadtextcontent" if args.len() == 1 => {
                    return self.load_content(instance, lower, &args[0], locals, origin)
                }
                _ => {}
            }
        }
        if let Some(function) = self.user_function(instance, namespace, name) {
            let values: Vec<Value> = args
                .iter()
                .map(|a| self.eval(instance, a, locals))
                .collect();
            let mut inner = Locals::default();
            for (param, value) in function.params.iter().zip(values) {
                inner = inner.with(param, value);
            }
            return self.eval(instance, &function.body, &inner);
        }
        // The arguments go on one stack for the whole run, not in a `Vec` per call (the most
        // frequent allocation of evaluating a compiled template, issue 9).
        let base = self.arguments.len();
        for arg in args {
            let value = self.eval(instance, arg, locals);
            self.arguments.push(value);
        }
        // Taken while the function runs: a `reference()` can evaluate a module, whose calls use
        // a stack of their own meanwhile.
        let mut stack = std::mem::take(&mut self.arguments);
        let values = &stack[base..];
        let result = builtin_namespace
            .then(|| {
                self.resource_function(instance, name, lower, values, origin)
                    .or_else(|| functions::call_lowercase(lower, values, origin))
            })
            .flatten()
            .unwrap_or_else(|| absorb_all(origin, name.to_owned(), values));
        stack.truncate(base);
        self.arguments = stack;
        result
    }

    /// Bicep reads these files when it compiles; so does keyless, so that a loop over a JSON
    /// file of role ids or resource definitions is a loop over known values.
    fn load_content(
        &mut self,
        instance: usize,
        name: &str,
        path: &Expr,
        locals: &Locals,
        origin: Origin,
    ) -> Value {
        let path = self.eval(instance, path, locals);
        let file = self.instances[instance].file;
        let text = path
            .as_str()
            .and_then(|p| self.loader.read_text(file, Path::new(p)));
        let Some(text) = text else {
            return absorb_all(origin, name.to_owned(), &[path]);
        };
        if name == "loadtextcontent" {
            return Value::string(origin, text);
        }
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(json) => json_value(&json, origin, 0),
            Err(_) => absorb_all(origin, name.to_owned(), &[path]),
        }
    }

    fn user_function(
        &self,
        instance: usize,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<FuncDecl> {
        let owner = self.instances[instance].outer.unwrap_or(instance);
        self.instances[owner]
            .decl
            .functions
            .iter()
            .find(|f| {
                f.name.eq_ignore_ascii_case(name)
                    && match (&f.namespace, namespace) {
                        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                        (None, None) => true,
                        _ => false,
                    }
            })
            .cloned()
    }

    fn copy_index(
        &mut self,
        instance: usize,
        args: &[Expr],
        locals: &Locals,
        origin: Origin,
    ) -> Value {
        let values: Vec<Value> = args
            .iter()
            .map(|a| self.eval(instance, a, locals))
            .collect();
        let (loop_name, offset) = match values.as_slice() {
            [] => (None, 0),
            [Value {
                kind: ValueKind::Int(offset),
                ..
            }] => (None, *offset),
            [Value {
                kind: ValueKind::String(name),
                ..
            }] => (Some(&**name), 0),
            [Value {
                kind: ValueKind::String(name),
                ..
            }, Value {
                kind: ValueKind::Int(offset),
                ..
            }] => (Some(&**name), *offset),
            _ => return absorb_all(origin, "copyIndex", &values),
        };
        match locals.get(&copy_index_local(loop_name)) {
            Some(Value {
                kind: ValueKind::Int(index),
                ..
            }) => Value::new(origin, ValueKind::Int(index.saturating_add(offset))),
            _ => Value::unknown(origin, Unknown::of(UnknownKind::Call("copyIndex".into()))),
        }
    }

    /// `map(array, x => …)` and `filter(array, x => …)` over known arrays.
    fn eval_lambda_call(
        &mut self,
        instance: usize,
        name: &str,
        args: &[Expr],
        locals: &Locals,
        origin: Origin,
    ) -> Value {
        let [source, lambda] = args else {
            return Value::opaque(origin);
        };
        let source = self.eval(instance, source, locals);
        let ExprKind::Lambda { params, body } = &lambda.kind else {
            return absorb_all(origin, name.to_owned(), &[source]);
        };
        let ValueKind::Array(items) = source.kind.clone() else {
            return absorb_all(origin, name.to_owned(), &[source]);
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().cloned().enumerate() {
            let mut inner = locals.clone();
            if let Some(param) = params.first() {
                inner = inner.with(param, item.clone());
            }
            if let Some(param) = params.get(1) {
                inner = inner.with(param, Value::new(origin, ValueKind::Int(i as i64)));
            }
            let result = self.eval(instance, body, &inner);
            if name == "map" {
                out.push(result);
            } else {
                match result.as_bool() {
                    Some(true) => out.push(item),
                    Some(false) => {}
                    None => return absorb_all(origin, name.to_owned(), &[source, result]),
                }
            }
        }
        Value::new(origin, ValueKind::Array(Arc::new(out)))
    }

    /// Functions whose result depends on the graph: `reference`, the `list*` family, and
    /// `resourceId` naming a resource of the graph.
    fn resource_function(
        &mut self,
        instance: usize,
        written: &str,
        name: &str,
        args: &[Value],
        origin: Origin,
    ) -> Option<Value> {
        if name == "reference" {
            let target = args.first()?;
            if let Some(outputs) = self.deployment_reference(instance, target, origin) {
                return Some(outputs);
            }
            let full = args
                .get(2)
                .and_then(Value::as_str)
                .is_some_and(|mode| mode.eq_ignore_ascii_case("full"));
            let resource = self.resolve_resource(instance, target);
            let path = if full {
                vec![]
            } else {
                vec!["properties".to_owned()]
            };
            let mut unknown = match resource {
                Some(resource) => Unknown {
                    kind: UnknownKind::ResourceProperty { resource, path },
                    references: vec![resource],
                    secrets: Vec::new(),
                },
                None => Unknown::of(UnknownKind::Call("reference".into())),
            };
            unknown.absorb(target);
            return Some(Value::unknown(origin, unknown));
        }
        if is_secret_function(name) {
            let target = args.first();
            let resource = target.and_then(|t| self.resolve_resource(instance, t));
            let resource_type = resource
                .map(|r| self.graph.resource(r).type_name.to_string())
                .or_else(|| target.and_then(resource_type_of_id));
            let mut unknown = Unknown::of(UnknownKind::Secret);
            unknown.secrets.push(super::value::Secret {
                function: written.to_owned(),
                origin,
                resource,
                resource_type,
            });
            if let Some(resource) = resource {
                unknown.references.push(resource);
            }
            return Some(Value::unknown(origin, unknown));
        }
        if matches!(
            name,
            "resourceid" | "subscriptionresourceid" | "tenantresourceid" | "extensionresourceid"
        ) {
            let parts = functions::resource_id_parts(name, args)?;
            let resource = self.find_resource(instance, &parts.type_name, &parts.names)?;
            return Some(resource_value(origin, resource));
        }
        None
    }

    /// The deployment name of module `at` of `instance`, evaluated once.
    fn module_name(&mut self, instance: usize, at: usize) -> Option<Arc<str>> {
        if let Some(known) = &self.instances[instance].module_names[at] {
            return known.clone();
        }
        let decl = self.instances[instance].decl.clone();
        let name = decl.modules[at].name.as_ref().and_then(|name| {
            match self.eval(instance, name, &Locals::default()).kind {
                ValueKind::String(text) => Some(text),
                _ => None,
            }
        });
        self.instances[instance].module_names[at] = Some(name.clone());
        name
    }

    /// `reference(<deployment>)` for a nested deployment or module of this template: an object
    /// whose `outputs.x.value` is the module's output `x`, as ARM shapes it.
    fn deployment_reference(
        &mut self,
        instance: usize,
        target: &Value,
        origin: Origin,
    ) -> Option<Value> {
        // A deployment id (`…/Microsoft.Resources/deployments/name`, usually partial since
        // the subscription is unknown), or the name or symbol itself.
        let text = known_suffix(target)?;
        let wanted = match text.rsplit_once("Microsoft.Resources/deployments/") {
            Some((_, name)) => name.to_owned(),
            None if target.as_str().is_some() => text,
            None => return None,
        };
        let decl = self.instances[instance].decl.clone();
        let module = (0..decl.modules.len()).find(|&at| {
            decl.modules[at].symbol == wanted
                || self.module_name(instance, at).as_deref() == Some(wanted.as_str())
        })?;
        let value = self.module_value(instance, &decl.modules[module].symbol.clone())?;
        let outputs = match value.get("outputs").map(|o| &o.kind) {
            Some(ValueKind::Object(outputs)) => outputs
                .iter()
                .map(|(key, output)| {
                    let mut wrapped = Map::default();
                    wrapped.insert("value".into(), output.clone());
                    (
                        key.clone(),
                        Value::new(output.origin, ValueKind::Object(Arc::new(wrapped))),
                    )
                })
                .collect::<Map>()
                .into(),
            _ => return Some(Value::opaque(origin)),
        };
        let mut object = Map::default();
        object.insert(
            "outputs".into(),
            Value::new(origin, ValueKind::Object(outputs)),
        );
        Some(Value::new(origin, ValueKind::Object(Arc::new(object))))
    }

    /// The graph resource a value denotes: a resource value, a resource id naming a resource of
    /// the graph, or (ARM) a plain resource name or symbolic name.
    fn resolve_resource(&self, instance: usize, value: &Value) -> Option<ResourceIndex> {
        match &value.kind {
            ValueKind::Unknown(unknown) => match unknown.kind {
                UnknownKind::Resource(index) => Some(index),
                _ => None,
            },
            ValueKind::String(text) => {
                if let Some(indices) = self.instances[instance].resources.get(&**text) {
                    return indices.first().copied();
                }
                if let Some(parsed) = functions::parse_resource_id(text) {
                    let names: Vec<Value> = parsed
                        .names
                        .iter()
                        .map(|n| Value::string(value.origin, n.clone()))
                        .collect();
                    return self.find_resource(instance, &parsed.type_name, &names);
                }
                // ARM's reference('name') names a resource of the same template.
                let template = self.instances[instance].template;
                self.graph
                    .template(template)
                    .resources
                    .iter()
                    .copied()
                    .find(|&r| self.graph.resource(r).name.as_str() == Some(&**text))
            }
            _ => None,
        }
    }

    /// The resource of the graph with this type and these names: in the instance first, then
    /// anywhere (a nested deployment refers to its parent's resources). Names compare by shape,
    /// so `resourceId('Microsoft.Web/sites', parameters('site'))` finds the site named
    /// `[parameters('site')]` even though the deployment alone knows that name; a shape that
    /// is not fully known must match exactly one resource. Deployed resources win over
    /// `existing` references to the same name.
    fn find_resource(
        &self,
        instance: usize,
        type_name: &str,
        names: &[Value],
    ) -> Option<ResourceIndex> {
        let known = names.iter().all(Value::is_known);
        let wanted = names
            .iter()
            .map(|n| super::export::describe(&self.graph, n))
            .collect::<Vec<_>>()
            .join("/");
        let pick = |candidates: &mut dyn Iterator<Item = ResourceIndex>| {
            let matching: Vec<ResourceIndex> = candidates
                .filter(|&i| {
                    let resource = self.graph.resource(i);
                    resource.type_name.eq_ignore_ascii_case(type_name)
                        && super::export::describe(&self.graph, &resource.name)
                            .eq_ignore_ascii_case(&wanted)
                })
                .collect();
            let deployed = matching
                .iter()
                .copied()
                .find(|&i| !self.graph.resource(i).existing);
            match matching.as_slice() {
                [] => None,
                [only] => Some(*only),
                _ if known => deployed.or(matching.first().copied()),
                _ => None,
            }
        };
        let template = self.instances[instance].template;
        let of_type = self
            .by_type
            .get(&type_name.to_ascii_lowercase())
            .map_or(&[][..], Vec::as_slice);
        let local = pick(
            &mut of_type
                .iter()
                .copied()
                .filter(|&i| self.graph.resource(i).template == template),
        );
        local.or_else(|| pick(&mut of_type.iter().copied()))
    }

    /// The name segments of a resource (`['sa', 'default', 'container']`), when known.
    pub fn full_name(&self, index: ResourceIndex) -> Option<Vec<String>> {
        let name = self.graph.resource(index).name.as_str()?;
        Some(name.split('/').map(str::to_owned).collect())
    }

    /// `res.name`, `res.type`, `res.apiVersion` of a resource of the graph, when known before
    /// deployment (as ARM's compiled form, `parameters('name')`, also knows them).
    fn known_resource_member(&self, object: &Value, member: &str) -> Option<Value> {
        let UnknownKind::Resource(index) = object.as_unknown()?.kind else {
            return None;
        };
        let resource = self.graph.resource(index);
        match member {
            "name" if resource.name.as_str().is_some() => Some(resource.name.clone()),
            "type" => Some(Value::string(object.origin, resource.type_name.clone())),
            "apiVersion" => resource
                .api_version
                .as_ref()
                .map(|v| Value::string(object.origin, v.clone())),
            _ => None,
        }
    }

    /// `parent::child`: the child resource declared inside `parent`'s body.
    fn child_resource(&self, instance: usize, parent: &Value, child: &str) -> Option<Value> {
        let UnknownKind::Resource(parent) = parent.as_unknown()?.kind else {
            return None;
        };
        let state = &self.instances[instance];
        let parent_symbol = &self.graph.resource(parent).symbol;
        // Nested children are registered under `parent::child` by the Bicep lowering.
        let indices = state
            .resources
            .get(format!("{parent_symbol}::{child}").as_str())?;
        let origin = parent_origin(&self.graph, parent);
        indices.first().map(|&i| resource_value(origin, i))
    }
}

fn parent_origin(graph: &Graph, index: ResourceIndex) -> Origin {
    graph.resource(index).anchor
}

/// The resource whose name leads a child's name: `'${vnet.name}/subnet'` written while the
/// parent's name is still unknown.
fn named_parent(name: &Value) -> Option<ResourceIndex> {
    let ValueKind::Partial(segments) = &name.kind else {
        return None;
    };
    let (Segment::Unknown(first), Some(Segment::Text(separator, _))) =
        (segments.first()?, segments.get(1))
    else {
        return None;
    };
    if !separator.starts_with('/') {
        return None;
    }
    match &first.kind {
        UnknownKind::ResourceProperty { resource, path }
            if path.len() == 1 && path[0] == "name" =>
        {
            Some(*resource)
        }
        _ => None,
    }
}

/// Bicep's `roleDefinitions('Storage Blob Data Reader')`: the built-in role by name, as
/// `{ id, roleDefinitionId }`. Its GUID keeps the origin of the name, so a finding about the
/// role points at the name that chose it. A name that is no built-in role stays unknown.
fn role_definition(name: &Value, origin: Origin) -> Value {
    let found = name
        .as_str()
        .and_then(|n| crate::catalog::Catalog::builtin().roles.by_name(n));
    let Some(found) = found else {
        return absorb_all(origin, "roleDefinitions", std::slice::from_ref(name));
    };
    let guid = Value::string(name.origin, found.role.id.clone());
    let subscription = Unknown::of(UnknownKind::Deployment("subscription".to_owned()));
    let id = Value::new(
        origin,
        ValueKind::Partial(vec![
            Segment::Text("/subscriptions/".to_owned(), origin),
            Segment::Unknown(Arc::new(subscription)),
            Segment::Text(
                "/providers/Microsoft.Authorization/roleDefinitions/".to_owned(),
                origin,
            ),
            Segment::Text(found.role.id.clone(), name.origin),
        ]),
    );
    let mut object = Map::default();
    object.insert("id".into(), id);
    object.insert("roleDefinitionId".into(), guid);
    Value::new(origin, ValueKind::Object(Arc::new(object)))
}

/// A JSON document as a value; every part has the origin of the call that loaded it.
fn json_value(json: &serde_json::Value, origin: Origin, depth: usize) -> Value {
    if depth > 64 {
        return Value::opaque(origin);
    }
    let kind = match json {
        serde_json::Value::Null => ValueKind::Null,
        serde_json::Value::Bool(b) => ValueKind::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => ValueKind::Int(i),
            None => return Value::opaque(origin),
        },
        serde_json::Value::String(s) => ValueKind::String(s.as_str().into()),
        serde_json::Value::Array(items) => ValueKind::Array(
            items
                .iter()
                .map(|i| json_value(i, origin, depth + 1))
                .collect::<Vec<_>>()
                .into(),
        ),
        serde_json::Value::Object(map) => ValueKind::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().into(), json_value(v, origin, depth + 1)))
                .collect::<Map>()
                .into(),
        ),
    };
    Value::new(origin, kind)
}

/// The local name under which a loop binds `copyIndex()` (or `copyIndex('name')`).
fn copy_index_local(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("copyIndex:{name}"),
        None => "copyIndex:".to_owned(),
    }
}

fn module_object(origin: Origin, symbol: Option<&str>, outputs: Map) -> Value {
    let mut map = Map::default();
    if let Some(symbol) = symbol {
        map.insert("name".into(), Value::string(origin, symbol));
    }
    let outputs = if outputs.is_empty() && symbol.is_none() {
        // A registry module or a module that could not be read: its outputs are unknown.
        Value::opaque(origin)
    } else {
        Value::new(origin, ValueKind::Object(Arc::new(outputs)))
    };
    map.insert("outputs".into(), outputs);
    Value::new(origin, ValueKind::Object(Arc::new(map)))
}

fn resource_value(origin: Origin, index: ResourceIndex) -> Value {
    Value::unknown(
        origin,
        Unknown {
            kind: UnknownKind::Resource(index),
            references: vec![index],
            secrets: Vec::new(),
        },
    )
}

/// The known text at the end of a string or partial string (after its last unknown part).
fn known_suffix(value: &Value) -> Option<String> {
    match &value.kind {
        ValueKind::String(text) => Some(text.to_string()),
        ValueKind::Partial(segments) => {
            let mut tail = Vec::new();
            for segment in segments.iter().rev() {
                match segment {
                    Segment::Text(text, _) => tail.push(text.as_str()),
                    Segment::Unknown(_) => break,
                }
            }
            tail.reverse();
            Some(tail.concat())
        }
        _ => None,
    }
}

/// The `list*` functions that return keys, connection strings or credentials.
pub fn is_secret_function(lower_name: &str) -> bool {
    matches!(
        lower_name,
        "listkeys"
            | "listadminkeys"
            | "listquerykeys"
            | "listconnectionstrings"
            | "listcredentials"
            | "listcredential"
            | "listsecrets"
            | "listaccountsas"
            | "listservicesas"
            | "listcallbackurl"
            | "listauthkeys"
            | "listkeyvaluepairs"
    ) || (lower_name.starts_with("list") && lower_name.ends_with("keys"))
}

/// The resource type a `resourceId(…)`-shaped value names, when it is readable.
fn resource_type_of_id(value: &Value) -> Option<String> {
    let text: String = match &value.kind {
        ValueKind::String(text) => text.to_string(),
        ValueKind::Partial(segments) => segments
            .iter()
            .map(|s| match s {
                Segment::Text(text, _) => text.as_str(),
                Segment::Unknown(_) => "{unknown}",
            })
            .collect(),
        _ => return None,
    };
    functions::parse_resource_id(&text).map(|parsed| parsed.type_name)
}

/// An unknown computed from `inputs`: it keeps all their references and secrets.
fn absorb_all(origin: Origin, function: impl Into<Cow<'static, str>>, inputs: &[Value]) -> Value {
    let mut unknown = Unknown::of(UnknownKind::Call(function.into()));
    for input in inputs {
        unknown.absorb(input);
    }
    Value::unknown(origin, unknown)
}

/// `object.name` on an evaluated object.
fn member(object: Value, name: &str, safe: bool, origin: Origin) -> Value {
    match &object.kind {
        ValueKind::Object(_) => match object.get(name) {
            Some(value) => value.clone(),
            None if safe => Value::null(origin),
            None => Value::opaque(origin),
        },
        ValueKind::Null if safe => Value::null(origin),
        ValueKind::Unknown(unknown) => {
            let mut next = (**unknown).clone();
            next.kind = match &unknown.kind {
                UnknownKind::Resource(resource) if name.eq_ignore_ascii_case("id") => {
                    UnknownKind::Resource(*resource)
                }
                UnknownKind::Resource(resource) => UnknownKind::ResourceProperty {
                    resource: *resource,
                    path: vec![name.to_owned()],
                },
                UnknownKind::ResourceProperty { resource, path } => {
                    let mut path = path.clone();
                    path.push(name.to_owned());
                    UnknownKind::ResourceProperty {
                        resource: *resource,
                        path,
                    }
                }
                UnknownKind::Deployment(what) => UnknownKind::Deployment(format!("{what}.{name}")),
                UnknownKind::Secret => UnknownKind::Secret,
                other => other.clone(),
            };
            Value::unknown(origin, next)
        }
        _ => absorb_all(origin, ".", &[object]),
    }
}

/// `object[index]` on evaluated values.
fn index_value(object: Value, index: &Value, safe: bool, origin: Origin) -> Value {
    match (&object.kind, &index.kind) {
        (ValueKind::Array(items), ValueKind::Int(i)) => {
            match usize::try_from(*i).ok().and_then(|i| items.get(i)) {
                Some(item) => item.clone(),
                None if safe => Value::null(origin),
                None => Value::opaque(origin),
            }
        }
        (ValueKind::Object(_), ValueKind::String(key)) => member(object, key, safe, origin),
        (ValueKind::Unknown(_), ValueKind::String(key)) => member(object, key, safe, origin),
        // A known table picked by a key only the deployment knows
        // (`zoneNames[toLower(environment().name)]`): which table is remembered, so two uses
        // of the same pick are recognisably the same value.
        (ValueKind::Object(_) | ValueKind::Array(_), _) if !index.is_known() => {
            let mut unknown = Unknown::of(UnknownKind::Element(object.origin));
            unknown.absorb(&object);
            unknown.absorb(index);
            Value::unknown(origin, unknown)
        }
        _ => absorb_all(origin, "[]", &[object, index.clone()]),
    }
}

fn binary(op: BinaryOp, left: Value, right: Value, origin: Origin) -> Value {
    use ValueKind::{Bool, Int, String as Str};
    let result = match (op, &left.kind, &right.kind) {
        (BinaryOp::Coalesce, ValueKind::Unknown(_), _) => None,
        (BinaryOp::And, Bool(a), Bool(b)) => Some(Bool(*a && *b)),
        (BinaryOp::Or, Bool(a), Bool(b)) => Some(Bool(*a || *b)),
        (BinaryOp::And, _, Bool(false)) => Some(Bool(false)),
        (BinaryOp::Or, _, Bool(true)) => Some(Bool(true)),
        (BinaryOp::Equal | BinaryOp::NotEqual, _, _) if left.is_known() && right.is_known() => {
            let equal = same_value(&left, &right, false);
            Some(Bool(equal == (op == BinaryOp::Equal)))
        }
        (BinaryOp::EqualIgnoreCase | BinaryOp::NotEqualIgnoreCase, Str(a), Str(b)) => {
            let equal = a.eq_ignore_ascii_case(b);
            Some(Bool(equal == (op == BinaryOp::EqualIgnoreCase)))
        }
        (BinaryOp::Less, Int(a), Int(b)) => Some(Bool(a < b)),
        (BinaryOp::LessOrEqual, Int(a), Int(b)) => Some(Bool(a <= b)),
        (BinaryOp::Greater, Int(a), Int(b)) => Some(Bool(a > b)),
        (BinaryOp::GreaterOrEqual, Int(a), Int(b)) => Some(Bool(a >= b)),
        (BinaryOp::Less, Str(a), Str(b)) => Some(Bool(a < b)),
        (BinaryOp::Greater, Str(a), Str(b)) => Some(Bool(a > b)),
        (BinaryOp::Add, Int(a), Int(b)) => a.checked_add(*b).map(Int),
        (BinaryOp::Subtract, Int(a), Int(b)) => a.checked_sub(*b).map(Int),
        (BinaryOp::Multiply, Int(a), Int(b)) => a.checked_mul(*b).map(Int),
        (BinaryOp::Divide, Int(a), Int(b)) => a.checked_div(*b).map(Int),
        (BinaryOp::Modulo, Int(a), Int(b)) => a.checked_rem(*b).map(Int),
        _ => None,
    };
    match result {
        Some(kind) => Value::new(origin, kind),
        None => absorb_all(origin, "operator", &[left, right]),
    }
}

/// Deep equality of known values (strings compared exactly, as Bicep's `==` does).
fn same_value(a: &Value, b: &Value, ignore_case: bool) -> bool {
    match (&a.kind, &b.kind) {
        (ValueKind::Null, ValueKind::Null) => true,
        (ValueKind::Bool(x), ValueKind::Bool(y)) => x == y,
        (ValueKind::Int(x), ValueKind::Int(y)) => x == y,
        (ValueKind::String(x), ValueKind::String(y)) => {
            if ignore_case {
                x.eq_ignore_ascii_case(y)
            } else {
                x == y
            }
        }
        (ValueKind::Array(x), ValueKind::Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|(p, q)| same_value(p, q, ignore_case))
        }
        (ValueKind::Object(x), ValueKind::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w, ignore_case)))
        }
        _ => false,
    }
}
