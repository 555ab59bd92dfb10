//! ARM syntax → template declarations.
//!
//! The template model of `syntax::arm` becomes a [`TemplateDecl`]: every JSON value becomes an
//! [`Expr`] (expression strings through their parsed AST), child `resources` become resources
//! with an enclosing parent, nested deployments become module calls (inline templates with their
//! evaluation scope, `templateLink.relativePath` as a local file, other links as opaque
//! references), and `copy` loops become loops. ARM resources in the array layout have no
//! symbolic name, so each gets a stable synthetic one from its type (`accounts`, `accounts_2`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::decl::{
    FuncDecl, Language, LoopDecl, ModuleDecl, ModuleSource, OutputDecl, ParamDecl, ParentDecl,
    ResourceDecl, TemplateDecl, VarDecl,
};
use super::expr::{lower_case, ArrayItem, Expr, ExprKind, ForExpr, ObjectItem, Property, Text};
use crate::fast_hash::FastMap;
use crate::source::Span;
use crate::syntax::arm::{self, Copy, Str};
use crate::syntax::arm_expr;
use crate::syntax::json::{self, Kind, Number};

/// Lowers a deployment template (the file's root template).
pub fn lower(template: &arm::Template) -> TemplateDecl {
    let mut lowering = Lowering {
        template,
        in_function: false,
        symbols: HashMap::new(),
        lower_names: FastMap::default(),
    };
    lowering.template_decl()
}

struct Lowering<'t> {
    template: &'t arm::Template<'t>,
    /// Inside a user function, `parameters('x')` names the function's own parameter.
    in_function: bool,
    /// How many synthetic symbols each type stem has produced, for unique names.
    symbols: HashMap<String, usize>,
    /// Function names in lower case, one text per name: a compiled template calls the same
    /// few functions tens of thousands of times.
    lower_names: FastMap<Text, Text>,
}

impl Lowering<'_> {
    fn lower_name(&mut self, name: &Text) -> Text {
        if let Some(lower) = self.lower_names.get(name) {
            return lower.clone();
        }
        let lower = lower_case(name);
        self.lower_names.insert(name.clone(), lower.clone());
        lower
    }

    fn template_decl(&mut self) -> TemplateDecl {
        let template = self.template;
        let mut decl = TemplateDecl {
            language: Language::Arm,
            target_scope: target_scope(template),
            parameters: template
                .parameters
                .iter()
                .map(|p| ParamDecl {
                    name: p.name.as_str().into(),
                    span: p.span,
                    name_span: p.name_span,
                    default: p.default_value.as_ref().map(|v| self.value(v)),
                    description: p
                        .description()
                        .and_then(json::Value::as_str)
                        .map(Text::from),
                    secure: p.is_secure(),
                })
                .collect(),
            variables: template
                .variables
                .iter()
                .map(|v| VarDecl {
                    name: v.name.clone(),
                    name_span: v.name_span,
                    value: self.value(&v.value),
                    description: None,
                })
                .collect(),
            functions: Vec::new(),
            resources: Vec::new(),
            modules: Vec::new(),
            outputs: Vec::new(),
            names: Default::default(),
        };
        for copy in &template.variable_copies {
            if let Some((name, span, value)) = self.copy_property(copy) {
                decl.variables.push(VarDecl {
                    name,
                    name_span: span,
                    value,
                    description: None,
                });
            }
        }
        for namespace in &template.functions {
            let ns = namespace
                .namespace
                .as_ref()
                .and_then(json::Value::as_str)
                .map(str::to_owned);
            for function in &namespace.members {
                let params = function
                    .parameters
                    .as_ref()
                    .and_then(json::Value::as_array)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|p| p.get("name")?.as_str().map(str::to_owned))
                    .collect();
                self.in_function = true;
                let body = function
                    .output
                    .as_ref()
                    .and_then(|o| o.get_ignore_case("value"))
                    .map_or_else(
                        || Expr::new(function.span, ExprKind::Error),
                        |v| self.value(v),
                    );
                self.in_function = false;
                decl.functions.push(FuncDecl {
                    namespace: ns.clone(),
                    name: function.name.clone(),
                    params,
                    body,
                });
            }
        }
        for resource in &template.resources {
            self.resource(resource, None, &mut decl);
        }
        for output in &template.outputs {
            let Some(value) = &output.value else { continue };
            let mut value = self.value(value);
            if let Some(copy) = &output.copy {
                if let Some(input) = &copy.input {
                    let body = self.value(input);
                    value = self.copy_loop(copy, None, body);
                }
            }
            decl.outputs.push(OutputDecl {
                name: output.name.clone(),
                name_span: output.name_span,
                value,
            });
        }
        decl
    }

    fn resource(
        &mut self,
        resource: &arm::Resource,
        parent: Option<(usize, &str)>,
        decl: &mut TemplateDecl,
    ) {
        let Some(written_type) = resource.type_name() else {
            return;
        };
        // Extension resources (Microsoft Graph) write their version into the type:
        // `Microsoft.Graph/applications@v1.0`.
        let (own_type, type_version) = match written_type.split_once('@') {
            Some((t, v)) => (t, Some(v)),
            None => (written_type, None),
        };
        // A child written with its short type (`subnets`) extends its parent's type.
        let type_name = match parent {
            Some((_, parent_type)) if !own_type.contains('/') => {
                format!("{parent_type}/{own_type}")
            }
            _ => own_type.to_owned(),
        };
        let type_span = resource.type_.as_ref().map_or(resource.span, |t| t.span);
        let symbol = match &resource.symbolic_name {
            Some((name, _)) => name.clone(),
            None => self.synthetic_symbol(&type_name),
        };
        let symbol_span = resource
            .symbolic_name
            .as_ref()
            .map_or(type_span, |(_, span)| *span);
        let loop_decl = resource.copy.as_ref().map(|copy| self.loop_decl(copy));
        let condition = resource.condition.as_ref().map(|c| self.value(c));

        if let Some(deployment) = &resource.deployment {
            self.module(
                resource,
                deployment,
                symbol,
                symbol_span,
                loop_decl,
                condition,
                decl,
            );
            return;
        }

        let body = self.resource_body(resource);
        let position = decl.resources.len();
        decl.resources.push(ResourceDecl {
            symbol: symbol.into(),
            type_name: type_name.as_str().into(),
            type_span,
            api_version: resource
                .api_version
                .as_ref()
                .and_then(json::Value::as_str)
                .or(type_version)
                .map(Text::from),
            existing: resource.is_existing(),
            condition,
            loop_decl,
            parent: parent.map(|(index, _)| ParentDecl::Enclosing(index)),
            body,
            span: resource.span,
            symbol_span,
        });
        for child in &resource.resources {
            self.resource(child, Some((position, &type_name)), decl);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn module(
        &mut self,
        resource: &arm::Resource,
        deployment: &arm::NestedDeployment,
        symbol: String,
        symbol_span: Span,
        loop_decl: Option<LoopDecl>,
        condition: Option<Expr>,
        decl: &mut TemplateDecl,
    ) {
        let (source, source_span) = if let Some(template) = &deployment.template {
            let mut nested = Lowering {
                template,
                in_function: false,
                symbols: HashMap::new(),
                lower_names: std::mem::take(&mut self.lower_names),
            };
            let inner = deployment.scope == arm::EvaluationScope::Inner;
            let nested_decl = nested.template_decl();
            self.lower_names = nested.lower_names;
            (
                ModuleSource::Inline {
                    template: Arc::new(nested_decl),
                    inner,
                },
                deployment.template_key_span.unwrap_or(resource.span),
            )
        } else if let Some(link) = &deployment.template_link {
            // A relative path written as an expression (`[concat(…)]`) names no file keyless
            // can open: the deployment is opaque, like a link to a URI.
            let relative = link.get_ignore_case("relativePath").and_then(|path| {
                match self.template.string(path) {
                    Some(Str::Literal(text)) => Some(text),
                    _ => None,
                }
            });
            match relative {
                Some(path) => (ModuleSource::Local(PathBuf::from(path)), link.span),
                None => (ModuleSource::Registry(describe_link(link)), link.span),
            }
        } else {
            (
                ModuleSource::Registry(String::from("(no template)")),
                resource.span,
            )
        };
        // Arguments are `{ "x": { "value": … } }`; Key Vault references stay unknown.
        let params_span = deployment
            .parameters
            .as_ref()
            .map_or(resource.span, |p| p.span);
        let arguments = deployment
            .parameters
            .as_ref()
            .and_then(json::Value::as_object)
            .unwrap_or(&[])
            .iter()
            .map(|member| {
                let value = match member.value.get_ignore_case("value") {
                    Some(value) => self.value(value),
                    // The whole entry as an expression (Bicep compiles optional arguments to
                    // `[if(…, createObject('value', …), …)]`): its `value`.
                    None if member.value.as_str().is_some() => {
                        let entry = self.value(&member.value);
                        Expr::new(
                            member.value.span,
                            ExprKind::Member {
                                object: Box::new(entry),
                                name: "value".into(),
                                name_span: member.value.span,
                                safe: false,
                            },
                        )
                    }
                    // A Key Vault `reference` or anything else: unknown.
                    None => Expr::new(member.value.span, ExprKind::Error),
                };
                ObjectItem::Property(Property {
                    key: Expr::string(member.key_span, member.key.clone()),
                    value,
                })
            })
            .collect();
        decl.modules.push(ModuleDecl {
            symbol,
            name: resource.name.as_ref().map(|n| self.value(n)),
            source,
            source_span,
            params: Expr::new(params_span, ExprKind::Object(arguments)),
            scope: deployment.scope_value.as_ref().map(|s| self.value(s)),
            condition,
            loop_decl,
            span: resource.span,
            symbol_span,
        });
    }

    /// The resource object as one expression: every member but the ones that are structure
    /// (`type`, `apiVersion`, `copy`, `condition`, `dependsOn`, child `resources`, `existing`).
    fn resource_body(&mut self, resource: &arm::Resource) -> Expr {
        let fields: [(&str, &Option<json::Value>); 12] = [
            ("name", &resource.name),
            // Kept for what it says about parents: Bicep's `parent:` compiles to a dependency.
            ("dependsOn", &resource.depends_on),
            ("location", &resource.location),
            ("kind", &resource.kind),
            ("sku", &resource.sku),
            ("identity", &resource.identity),
            ("properties", &resource.properties),
            ("tags", &resource.tags),
            ("scope", &resource.scope),
            ("plan", &resource.plan),
            ("zones", &resource.zones),
            ("comments", &resource.comments),
        ];
        let mut items = Vec::new();
        for (key, value) in fields {
            if let Some(value) = value {
                items.push(ObjectItem::Property(Property {
                    key: Expr::string(value.span, key),
                    value: self.value(value),
                }));
            }
        }
        for member in &resource.other {
            items.push(ObjectItem::Property(Property {
                key: Expr::string(member.key_span, member.key.clone()),
                value: self.value(&member.value),
            }));
        }
        Expr::new(resource.span, ExprKind::Object(items))
    }

    fn synthetic_symbol(&mut self, type_name: &str) -> String {
        let stem = type_name.rsplit('/').next().unwrap_or(type_name).to_owned();
        let count = self.symbols.entry(stem.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            stem
        } else {
            format!("{stem}_{count}")
        }
    }

    /// `copy: { name, count }` → a loop over `range(0, count)` bound to `copyIndex('name')`.
    fn loop_decl(&mut self, copy: &Copy) -> LoopDecl {
        let name = copy
            .name
            .as_ref()
            .and_then(json::Value::as_str)
            .map(str::to_owned);
        LoopDecl {
            item: None,
            index: None,
            name,
            source: self.range_of(copy),
            filter: None,
        }
    }

    fn range_of(&mut self, copy: &Copy) -> Expr {
        let count = copy
            .count
            .as_ref()
            .map_or_else(|| Expr::new(copy.span, ExprKind::Error), |c| self.value(c));
        Expr::new(
            copy.span,
            ExprKind::Call {
                namespace: None,
                name: "range".into(),
                lower_name: "range".into(),
                name_span: copy.span,
                args: vec![Expr::new(copy.span, ExprKind::Int(0)), count],
            },
        )
    }

    /// A property or variable `copy` entry: `{ name, count, input }` → `name: [for … input]`.
    fn copy_property(&mut self, copy: &Copy) -> Option<(String, Span, Expr)> {
        let name_value = copy.name.as_ref()?;
        let name = name_value.as_str()?.to_owned();
        let input = copy.input.as_ref()?;
        let body = self.value(input);
        Some((
            name.clone(),
            name_value.span,
            self.copy_loop(copy, Some(&name), body),
        ))
    }

    fn copy_loop(&mut self, copy: &Copy, name: Option<&str>, body: Expr) -> Expr {
        let source = self.range_of(copy);
        Expr::new(
            copy.span,
            ExprKind::For(Box::new(ForExpr {
                // The evaluator binds `copyIndex()` and `copyIndex('name')` under these names.
                item: match name {
                    Some(name) => format!("copyIndex:{name}"),
                    None => "copyIndex:".to_owned(),
                },
                index: name.map(|_| "copyIndex:".to_owned()),
                source,
                condition: None,
                body,
            })),
        )
    }

    /// A JSON value as an expression: expression strings through their AST, objects with a
    /// property-level `copy` array expanded into their loops.
    fn value(&mut self, value: &json::Value) -> Expr {
        let span = value.span;
        match &value.kind {
            Kind::Null => Expr::new(span, ExprKind::Null),
            Kind::Bool(b) => Expr::new(span, ExprKind::Bool(*b)),
            Kind::Number(Number::Int(i)) => Expr::new(span, ExprKind::Int(*i)),
            // Templates have no use for fractional numbers in what keyless checks.
            Kind::Number(Number::Float(_)) => Expr::new(span, ExprKind::Error),
            Kind::String(_) => match self.template.string(value) {
                Some(Str::Literal(text)) => Expr::string(span, text),
                Some(Str::Expression(placed)) => self.expression(placed.expr, placed.shift),
                Some(Str::Invalid) | None => Expr::new(span, ExprKind::Error),
            },
            Kind::Array(items) => Expr::new(
                span,
                ExprKind::Array(
                    items
                        .iter()
                        .map(|i| ArrayItem::Item(self.value(i)))
                        .collect(),
                ),
            ),
            Kind::Object(members) => {
                let mut items = Vec::with_capacity(members.len());
                for member in members {
                    if member.key.eq_ignore_ascii_case("copy") {
                        if let Some(loops) = self.property_copies(&member.value) {
                            items.extend(loops);
                            continue;
                        }
                    }
                    items.push(ObjectItem::Property(Property {
                        key: Expr::string(member.key_span, member.key.clone()),
                        value: self.value(&member.value),
                    }));
                }
                Expr::new(span, ExprKind::Object(items))
            }
        }
    }

    /// A property-level `"copy": [{ "name": …, "count": …, "input": … }]`.
    fn property_copies(&mut self, value: &json::Value) -> Option<Vec<ObjectItem>> {
        let entries = value.as_array()?;
        let mut items = Vec::with_capacity(entries.len());
        for entry in entries {
            let copy = Copy {
                span: entry.span,
                name: entry.get_ignore_case("name").cloned(),
                count: entry.get_ignore_case("count").cloned(),
                mode: None,
                batch_size: None,
                input: entry.get_ignore_case("input").cloned(),
                other: Vec::new(),
            };
            let (name, name_span, expr) = self.copy_property(&copy)?;
            items.push(ObjectItem::Property(Property {
                key: Expr::string(name_span, name),
                value: expr,
            }));
        }
        Some(items)
    }

    /// `expr` as the graph's expression, its spans moved `shift` bytes on (see
    /// [`arm::Placed`]).
    fn expression(&mut self, expr: &arm_expr::Expr, shift: u32) -> Expr {
        let span = expr.span.shifted(shift);
        let kind = match &expr.kind {
            arm_expr::ExprKind::String(text) => ExprKind::String(text.clone()),
            arm_expr::ExprKind::Int(i) => ExprKind::Int(*i),
            arm_expr::ExprKind::Bool(b) => ExprKind::Bool(*b),
            arm_expr::ExprKind::Null => ExprKind::Null,
            arm_expr::ExprKind::Call(call) => {
                let args: Vec<Expr> = call
                    .args
                    .iter()
                    .map(|a| self.expression(a, shift))
                    .collect();
                if self.in_function
                    && call.namespace.is_none()
                    && call.name.text.eq_ignore_ascii_case("parameters")
                {
                    if let [Expr {
                        kind: ExprKind::String(name),
                        ..
                    }] = args.as_slice()
                    {
                        return Expr::new(span, ExprKind::Symbol(name.clone()));
                    }
                }
                ExprKind::Call {
                    namespace: call.namespace.as_ref().map(|n| n.text.clone()),
                    name: call.name.text.clone(),
                    lower_name: self.lower_name(&call.name.text),
                    name_span: call.name.span.shifted(shift),
                    args,
                }
            }
            arm_expr::ExprKind::Property { target, name } => ExprKind::Member {
                object: Box::new(self.expression(target, shift)),
                name: name.text.clone(),
                name_span: name.span.shifted(shift),
                safe: false,
            },
            arm_expr::ExprKind::Index { target, index } => ExprKind::Index {
                object: Box::new(self.expression(target, shift)),
                index: Box::new(self.expression(index, shift)),
                safe: false,
            },
        };
        Expr::new(span, kind)
    }
}

/// The deployment scope a template's `$schema` declares.
fn target_scope(template: &arm::Template) -> String {
    let schema = template
        .schema
        .as_ref()
        .and_then(json::Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let scope = if schema.contains("managementgroupdeploymenttemplate") {
        "managementGroup"
    } else if schema.contains("subscriptiondeploymenttemplate") {
        "subscription"
    } else if schema.contains("tenantdeploymenttemplate") {
        "tenant"
    } else {
        "resourceGroup"
    };
    scope.to_owned()
}

fn describe_link(link: &json::Value) -> String {
    link.get_ignore_case("uri")
        .or_else(|| link.get_ignore_case("id"))
        .and_then(json::Value::as_str)
        .unwrap_or("(template link)")
        .to_owned()
}

/// The values of a parameter file, as expressions (parameter files hold no template
/// expressions: Azure reads their strings as written). Key Vault references are unknown.
pub fn parameter_values(file: &arm::ParameterFile) -> Vec<(String, Span, Expr)> {
    file.parameters
        .iter()
        .map(|p| {
            let expr = match (&p.value, &p.reference) {
                (Some(value), _) => literal(value),
                (None, Some(reference)) => Expr::new(
                    reference.span,
                    ExprKind::Call {
                        namespace: None,
                        name: "keyVaultReference".into(),
                        lower_name: "keyvaultreference".into(),
                        name_span: reference.span,
                        args: Vec::new(),
                    },
                ),
                (None, None) => Expr::new(p.span, ExprKind::Error),
            };
            (p.name.clone(), p.name_span, expr)
        })
        .collect()
}

/// A JSON value read literally (no expression strings).
fn literal(value: &json::Value) -> Expr {
    let span = value.span;
    let kind = match &value.kind {
        Kind::Null => ExprKind::Null,
        Kind::Bool(b) => ExprKind::Bool(*b),
        Kind::Number(Number::Int(i)) => ExprKind::Int(*i),
        Kind::Number(Number::Float(_)) => ExprKind::Error,
        Kind::String(s) => ExprKind::String((**s).into()),
        Kind::Array(items) => {
            ExprKind::Array(items.iter().map(|i| ArrayItem::Item(literal(i))).collect())
        }
        Kind::Object(members) => ExprKind::Object(
            members
                .iter()
                .map(|m| {
                    ObjectItem::Property(Property {
                        key: Expr::string(m.key_span, m.key.clone()),
                        value: literal(&m.value),
                    })
                })
                .collect(),
        ),
    };
    Expr::new(span, kind)
}
