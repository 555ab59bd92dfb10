//! Bicep syntax → template declarations.
//!
//! Statements become declarations, expressions the shared [`Expr`] AST. A resource's body may be
//! an object, `if (…) {…}` or `[for … in …: …]`; the condition and loop are lifted out. Nested
//! child resources become resources with an enclosing parent and the symbol `parent::child`
//! (how Bicep code refers to them). Instance functions (`storage.listKeys()`) become calls with
//! the receiver as first argument, the shape ARM's `listKeys(resourceId(…), …)` has.

use std::path::PathBuf;

use super::decl::{
    FuncDecl, Language, LoopDecl, ModuleDecl, ModuleSource, OutputDecl, ParamDecl, ParentDecl,
    ResourceDecl, TemplateDecl, VarDecl,
};
use super::expr::{
    lower_case, ArrayItem, BinaryOp, Expr, ExprKind, ForExpr, ObjectItem, Property, StringPart,
    Text, UnaryOp,
};
use crate::source::Span;
use crate::syntax::bicep::{self, Statement, StringLit, StringSegment};

/// Lowers a Bicep file, or a `.bicepparam` file: its `param x = …` assignments become outputs
/// (the values it supplies) and its variables stay variables.
pub fn lower(program: &bicep::Program) -> TemplateDecl {
    let mut decl = TemplateDecl {
        language: Language::Bicep,
        target_scope: "resourceGroup".to_owned(),
        parameters: Vec::new(),
        variables: Vec::new(),
        functions: Vec::new(),
        resources: Vec::new(),
        modules: Vec::new(),
        outputs: Vec::new(),
        names: Default::default(),
    };
    for statement in &program.statements {
        match statement {
            Statement::TargetScope(target) => {
                if let Some(scope) = target.value.as_str() {
                    decl.target_scope = scope.to_owned();
                }
            }
            Statement::Param(param) => decl.parameters.push(ParamDecl {
                name: param.name.name.as_str().into(),
                span: param.span,
                name_span: param.name.span,
                default: param.default.as_ref().map(expr),
                description: description(statement).map(Text::from),
                secure: statement.decorator("secure").is_some(),
            }),
            Statement::ParamAssignment(assignment) => decl.outputs.push(OutputDecl {
                name: assignment.name.name.clone(),
                name_span: assignment.name.span,
                value: expr(&assignment.value),
            }),
            Statement::Var(var) => decl.variables.push(VarDecl {
                name: var.name.name.clone(),
                name_span: var.name.span,
                value: expr(&var.value),
                description: description(statement),
            }),
            Statement::Function(function) => decl.functions.push(FuncDecl {
                namespace: None,
                name: function.name.name.clone(),
                params: function
                    .lambda
                    .params
                    .iter()
                    .map(|p| p.name.name.clone())
                    .collect(),
                body: expr(&function.lambda.body),
            }),
            Statement::Resource(resource) => lower_resource(resource, None, &mut decl),
            Statement::Module(module) => decl.modules.push(lower_module(module)),
            Statement::Output(output) => decl.outputs.push(OutputDecl {
                name: output.name.name.clone(),
                name_span: output.name.span,
                value: expr(&output.value),
            }),
            _ => {}
        }
    }
    decl
}

/// `@description('…')` or `@sys.description('…')`.
fn description(statement: &Statement) -> Option<String> {
    statement
        .decorator("description")?
        .args()
        .first()?
        .as_str()
        .map(str::to_owned)
}

/// A resource body without `if`/`for`: the condition, the loop and the object.
struct Body<'a> {
    condition: Option<Expr>,
    loop_decl: Option<LoopDecl>,
    object: Option<&'a [bicep::ObjectItem]>,
    span: Span,
}

fn split_body(value: &bicep::Expr) -> Body<'_> {
    match &value.kind {
        bicep::ExprKind::If(if_expr) => Body {
            condition: Some(expr(&if_expr.condition)),
            loop_decl: None,
            object: if_expr.body.as_object(),
            span: if_expr.body.span,
        },
        bicep::ExprKind::For(for_expr) => {
            let (filter, body) = match &for_expr.body.kind {
                bicep::ExprKind::If(if_expr) => (Some(expr(&if_expr.condition)), &if_expr.body),
                _ => (None, &for_expr.body),
            };
            Body {
                condition: None,
                loop_decl: Some(LoopDecl {
                    item: Some(for_expr.item.name.clone()),
                    index: for_expr.index.as_ref().map(|i| i.name.clone()),
                    name: None,
                    source: expr(&for_expr.iterable),
                    filter,
                }),
                object: body.as_object(),
                span: body.span,
            }
        }
        _ => Body {
            condition: None,
            loop_decl: None,
            object: value.as_object(),
            span: value.span,
        },
    }
}

fn lower_resource(
    resource: &bicep::Resource,
    enclosing: Option<(usize, &ResourceDecl)>,
    decl: &mut TemplateDecl,
) {
    let written = resource.type_string.as_str().unwrap_or("");
    let (own_type, api_version) = match written.split_once('@') {
        Some((t, v)) => (t, Some(v.to_owned())),
        None => (written, None),
    };
    let (type_name, symbol) = match enclosing {
        // A nested child may write its type relative to the parent's (`'blobServices'`).
        Some((_, parent)) if !own_type.contains('/') => (
            format!("{}/{own_type}", parent.type_name),
            format!("{}::{}", parent.symbol, resource.name.name),
        ),
        Some((_, parent)) => (
            own_type.to_owned(),
            format!("{}::{}", parent.symbol, resource.name.name),
        ),
        None => (own_type.to_owned(), resource.name.name.clone()),
    };
    let body = split_body(&resource.value);
    let mut items = Vec::new();
    let mut children = Vec::new();
    let mut parent = enclosing.map(|(index, _)| ParentDecl::Enclosing(index));
    for item in body.object.unwrap_or(&[]) {
        match item {
            bicep::ObjectItem::Resource(child) => children.push(child),
            bicep::ObjectItem::Property(property) if property.key.name() == Some("parent") => {
                parent = Some(ParentDecl::Expr(expr(&property.value)));
            }
            other => items.extend(object_item(other)),
        }
    }
    let position = decl.resources.len();
    decl.resources.push(ResourceDecl {
        symbol: symbol.into(),
        type_name: type_name.into(),
        type_span: resource.type_string.span,
        api_version: api_version.map(Text::from),
        existing: resource.existing,
        condition: body.condition,
        loop_decl: body.loop_decl,
        parent,
        body: Expr::new(body.span, ExprKind::Object(items)),
        span: resource.span,
        symbol_span: resource.name.span,
    });
    for child in children {
        let parent_decl = decl.resources[position].clone();
        lower_resource(child, Some((position, &parent_decl)), decl);
    }
}

fn lower_module(module: &bicep::Module) -> ModuleDecl {
    let path = module.path.as_str().unwrap_or("");
    let registry = ["br:", "br/", "ts:", "ts/"]
        .iter()
        .any(|prefix| path.starts_with(prefix));
    let source = if registry {
        ModuleSource::Registry(path.to_owned())
    } else {
        ModuleSource::Local(PathBuf::from(path))
    };
    let body = split_body(&module.value);
    let object = Expr::new(
        body.span,
        ExprKind::Object(
            body.object
                .unwrap_or(&[])
                .iter()
                .filter_map(object_item)
                .collect(),
        ),
    );
    let params = object
        .property("params")
        .cloned()
        .unwrap_or_else(|| Expr::new(body.span, ExprKind::Object(Vec::new())));
    ModuleDecl {
        symbol: module.name.name.clone(),
        name: object.property("name").cloned(),
        source,
        source_span: module.path.span,
        params,
        scope: object.property("scope").cloned(),
        condition: body.condition,
        loop_decl: body.loop_decl,
        span: module.span,
        symbol_span: module.name.span,
    }
}

fn object_item(item: &bicep::ObjectItem) -> Option<ObjectItem> {
    match item {
        bicep::ObjectItem::Property(property) => Some(ObjectItem::Property(Property {
            key: match &property.key {
                bicep::PropertyKey::Ident(ident) => Expr::string(ident.span, ident.name.clone()),
                bicep::PropertyKey::String(string) => string_expr(string),
            },
            value: expr(&property.value),
        })),
        bicep::ObjectItem::Spread(value, _) => Some(ObjectItem::Spread(expr(value))),
        // Nested resources are declarations, handled by `lower_resource`.
        bicep::ObjectItem::Resource(_) => None,
    }
}

fn string_expr(string: &StringLit) -> Expr {
    if let Some(text) = string.as_str() {
        return Expr::string(string.span, text);
    }
    let parts = string
        .segments
        .iter()
        .map(|segment| match segment {
            StringSegment::Text { value, span } => StringPart::Literal(value.clone(), *span),
            StringSegment::Hole(hole) => StringPart::Hole(expr(hole)),
        })
        .collect();
    Expr::new(string.span, ExprKind::Interpolation(parts))
}

/// A Bicep expression as a shared expression.
pub fn expr(e: &bicep::Expr) -> Expr {
    use bicep::ExprKind as B;
    let span = e.span;
    let kind = match &e.kind {
        B::Null => ExprKind::Null,
        B::Bool(b) => ExprKind::Bool(*b),
        B::Int(i) => ExprKind::Int(i64::try_from(*i).unwrap_or(i64::MAX)),
        B::String(string) => return string_expr(string),
        B::Array(items) => ExprKind::Array(
            items
                .iter()
                .map(|item| match item {
                    bicep::ArrayItem::Value(v) => ArrayItem::Item(expr(v)),
                    bicep::ArrayItem::Spread(v, _) => ArrayItem::Spread(expr(v)),
                })
                .collect(),
        ),
        B::Object(items) => ExprKind::Object(items.iter().filter_map(object_item).collect()),
        B::Variable(ident) => ExprKind::Symbol(ident.name.as_str().into()),
        B::Call(call) => {
            let args: Vec<Expr> = call.args.iter().map(expr).collect();
            let name: Text = call.name.name.as_str().into();
            let lower_name = lower_case(&name);
            let name_span = call.name.span;
            match (&call.base, call.namespace()) {
                (None, _) => ExprKind::Call {
                    namespace: None,
                    name,
                    lower_name,
                    name_span,
                    args,
                },
                (Some(_), Some(ns @ ("sys" | "az"))) => ExprKind::Call {
                    namespace: Some(ns.into()),
                    name,
                    lower_name,
                    name_span,
                    args,
                },
                // An instance function: the receiver is the first argument.
                (Some(base), _) => ExprKind::Call {
                    namespace: None,
                    name,
                    lower_name,
                    name_span,
                    args: std::iter::once(expr(base)).chain(args).collect(),
                },
            }
        }
        B::Property(access) => ExprKind::Member {
            object: Box::new(expr(&access.base)),
            name: access.name.name.as_str().into(),
            name_span: access.name.span,
            safe: access.safe,
        },
        B::Index(access) if access.from_end => ExprKind::Error,
        B::Index(access) => ExprKind::Index {
            object: Box::new(expr(&access.base)),
            index: Box::new(expr(&access.index)),
            safe: access.safe,
        },
        B::ResourceAccess(access) => ExprKind::ChildAccess {
            parent: Box::new(expr(&access.base)),
            child: access.name.name.clone(),
        },
        B::NonNull(inner) => ExprKind::NonNull(Box::new(expr(inner))),
        B::Unary(unary) => ExprKind::Unary {
            op: match unary.op {
                bicep::UnaryOp::Not => UnaryOp::Not,
                bicep::UnaryOp::Minus => UnaryOp::Negate,
            },
            operand: Box::new(expr(&unary.operand)),
        },
        B::Binary(binary) => ExprKind::Binary {
            op: binary_op(binary.op),
            lhs: Box::new(expr(&binary.left)),
            rhs: Box::new(expr(&binary.right)),
        },
        B::Ternary(ternary) => ExprKind::Ternary {
            condition: Box::new(expr(&ternary.condition)),
            then: Box::new(expr(&ternary.then)),
            otherwise: Box::new(expr(&ternary.otherwise)),
        },
        B::Paren(inner) => return expr(inner),
        B::Lambda(lambda) => ExprKind::Lambda {
            params: lambda.params.iter().map(|p| p.name.name.clone()).collect(),
            body: Box::new(expr(&lambda.body)),
        },
        B::For(for_expr) => {
            let (condition, body) = match &for_expr.body.kind {
                B::If(if_expr) => (Some(expr(&if_expr.condition)), expr(&if_expr.body)),
                _ => (None, expr(&for_expr.body)),
            };
            ExprKind::For(Box::new(ForExpr {
                item: for_expr.item.name.clone(),
                index: for_expr.index.as_ref().map(|i| i.name.clone()),
                source: expr(&for_expr.iterable),
                condition,
                body,
            }))
        }
        B::If(_) | B::Error => ExprKind::Error,
    };
    Expr::new(span, kind)
}

fn binary_op(op: bicep::BinaryOp) -> BinaryOp {
    use bicep::BinaryOp as B;
    match op {
        B::Coalesce => BinaryOp::Coalesce,
        B::Or => BinaryOp::Or,
        B::And => BinaryOp::And,
        B::Equals => BinaryOp::Equal,
        B::NotEquals => BinaryOp::NotEqual,
        B::EqualsInsensitive => BinaryOp::EqualIgnoreCase,
        B::NotEqualsInsensitive => BinaryOp::NotEqualIgnoreCase,
        B::Less => BinaryOp::Less,
        B::LessOrEqual => BinaryOp::LessOrEqual,
        B::Greater => BinaryOp::Greater,
        B::GreaterOrEqual => BinaryOp::GreaterOrEqual,
        B::Add => BinaryOp::Add,
        B::Subtract => BinaryOp::Subtract,
        B::Multiply => BinaryOp::Multiply,
        B::Divide => BinaryOp::Divide,
        B::Modulo => BinaryOp::Modulo,
    }
}
