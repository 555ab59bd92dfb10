//! The compact S-expression print of a Bicep [`Program`], for snapshot tests and debugging.
//!
//! Every node prints as `(kind@start-end …)` where positions are `line:column` (1-based,
//! columns in characters) and the end line is left out when it is the start line:
//! `(var@3:1-14 (name a@3:5-6) (int 1@3:9-10))`. A node goes on one line when it fits in 100
//! columns; otherwise its children go on their own lines, indented by two spaces. The output
//! depends only on the tree and the text.

use std::fmt::Write;

use super::bicep::*;
use crate::source::Span;

const WIDTH: usize = 100;

pub fn program(program: &Program, text: &str) -> String {
    let p = Printer::new(text);
    let mut children = Vec::new();
    for statement in &program.statements {
        children.push(p.statement(statement));
    }
    for pragma in &program.pragmas {
        let mut items = vec![S::atom(format!(
            "{}{}",
            pragma.kind.keyword(),
            p.at(pragma.span)
        ))];
        for code in &pragma.codes {
            items.push(S::atom(format!("{:?}{}", code.text, p.at(code.span))));
        }
        if !pragma.trailing.is_empty() {
            items.push(S::atom(format!(
                "(trailing {:?})",
                text.get(pragma.trailing.range()).unwrap_or("")
            )));
        }
        children.push(S::list("pragma", items));
    }
    let kind = if program.is_params {
        "params-file"
    } else {
        "bicep-file"
    };
    let mut out = String::new();
    S::list(kind, children).render(0, &mut out);
    out.push('\n');
    out
}

/// A printed node: an atom or a parenthesized list whose first atom is its head.
enum S {
    Atom(String),
    List(Vec<S>),
}

impl S {
    fn atom(text: impl Into<String>) -> S {
        S::Atom(text.into())
    }

    fn list(head: impl Into<String>, mut items: Vec<S>) -> S {
        items.insert(0, S::Atom(head.into()));
        S::List(items)
    }

    fn flat(&self, out: &mut String) {
        match self {
            S::Atom(text) => out.push_str(text),
            S::List(items) => {
                out.push('(');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    item.flat(out);
                }
                out.push(')');
            }
        }
    }

    fn render(&self, indent: usize, out: &mut String) {
        let mut flat = String::new();
        self.flat(&mut flat);
        let S::List(items) = self else {
            out.push_str(&flat);
            return;
        };
        if indent + flat.chars().count() <= WIDTH || items.len() <= 1 {
            out.push_str(&flat);
            return;
        }
        out.push('(');
        items[0].render(indent + 1, out);
        for item in &items[1..] {
            out.push('\n');
            out.push_str(&" ".repeat(indent + 2));
            item.render(indent + 2, out);
        }
        out.push(')');
    }
}

struct Printer<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Printer<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Printer { text, line_starts }
    }

    fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = (offset as usize).min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self.text.as_bytes()[start..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        (line + 1, column + 1)
    }

    /// `@line:col-col` or `@line:col-line:col`.
    fn at(&self, span: Span) -> String {
        let (l1, c1) = self.line_col(span.start);
        let (l2, c2) = self.line_col(span.end);
        let mut out = format!("@{l1}:{c1}-");
        if l2 != l1 {
            let _ = write!(out, "{l2}:");
        }
        let _ = write!(out, "{c2}");
        out
    }

    fn head(&self, kind: &str, span: Span) -> String {
        format!("{kind}{}", self.at(span))
    }

    fn ident(&self, kind: &str, ident: &Ident) -> S {
        let name = if ident.is_missing() {
            "<missing>"
        } else {
            &ident.name
        };
        S::atom(format!("({kind} {name}{})", self.at(ident.span)))
    }

    fn decorators(&self, decorators: &[Decorator], items: &mut Vec<S>) {
        for decorator in decorators {
            items.push(S::list(
                self.head("decorator", decorator.span),
                vec![self.expr(&decorator.expr)],
            ));
        }
    }

    fn statement(&self, statement: &Statement) -> S {
        let mut items = Vec::new();
        self.decorators(statement.decorators(), &mut items);
        let kind = match statement {
            Statement::TargetScope(s) => {
                items.push(self.expr(&s.value));
                "target-scope"
            }
            Statement::Metadata(s) => {
                items.push(self.ident("name", &s.name));
                items.push(self.expr(&s.value));
                "metadata"
            }
            Statement::Param(s) => {
                items.push(self.ident("name", &s.name));
                items.push(self.ty(&s.ty));
                if let Some(default) = &s.default {
                    items.push(S::list("default", vec![self.expr(default)]));
                }
                "param"
            }
            Statement::ParamAssignment(s) => {
                items.push(self.ident("name", &s.name));
                items.push(self.expr(&s.value));
                "param-assignment"
            }
            Statement::Var(s) => {
                items.push(self.ident("name", &s.name));
                if let Some(ty) = &s.ty {
                    items.push(self.ty(ty));
                }
                items.push(self.expr(&s.value));
                "var"
            }
            Statement::Type(s) => {
                items.push(self.ident("name", &s.name));
                items.push(self.ty(&s.value));
                "type"
            }
            Statement::Function(s) => {
                items.push(self.ident("name", &s.name));
                items.push(self.lambda(&s.lambda));
                "func"
            }
            Statement::Resource(s) => return self.resource(s),
            Statement::Module(s) => {
                items.push(self.ident("name", &s.name));
                items.push(self.string("path", &s.path));
                items.push(self.expr(&s.value));
                "module"
            }
            Statement::Test(s) => {
                items.push(self.ident("name", &s.name));
                items.push(self.string("path", &s.path));
                items.push(self.expr(&s.value));
                "test"
            }
            Statement::Output(s) => {
                items.push(self.ident("name", &s.name));
                items.push(self.ty(&s.ty));
                items.push(self.expr(&s.value));
                "output"
            }
            Statement::Import(s) => {
                match &s.what {
                    ImportWhat::Symbols(symbols) => {
                        let list = symbols
                            .iter()
                            .map(|symbol| {
                                let mut parts = vec![match &symbol.name {
                                    SymbolName::Ident(ident) => self.ident("name", ident),
                                    SymbolName::String(string) => self.string("string", string),
                                }];
                                if let Some(alias) = &symbol.alias {
                                    parts.push(self.ident("as", alias));
                                }
                                S::list(self.head("symbol", symbol.span), parts)
                            })
                            .collect();
                        items.push(S::list("symbols", list));
                    }
                    ImportWhat::Wildcard { alias, span } => {
                        items.push(S::list(
                            self.head("wildcard", *span),
                            vec![self.ident("as", alias)],
                        ));
                    }
                }
                items.push(self.string("from", &s.from));
                "import"
            }
            Statement::Extension(s) => {
                items.push(match &s.spec {
                    ExtensionSpec::Name(name) => self.ident("name", name),
                    ExtensionSpec::String(string) => self.string("spec", string),
                });
                if let Some(config) = &s.config {
                    items.push(S::list("with", vec![self.expr(config)]));
                }
                if let Some(alias) = &s.alias {
                    items.push(self.ident("as", alias));
                }
                "extension"
            }
            Statement::ExtensionConfig(s) => {
                items.push(self.ident("alias", &s.alias));
                items.push(S::list("with", vec![self.expr(&s.config)]));
                "extension-config"
            }
            Statement::Assert(s) => {
                items.push(self.ident("name", &s.name));
                items.push(self.expr(&s.value));
                "assert"
            }
            Statement::Using(s) => {
                match &s.path {
                    Some(path) => items.push(self.string("path", path)),
                    None => items.push(S::atom("none")),
                }
                if let Some(config) = &s.config {
                    items.push(S::list("with", vec![self.expr(config)]));
                }
                "using"
            }
            Statement::Extends(s) => {
                items.push(self.string("path", &s.path));
                "extends"
            }
            Statement::Invalid(_) => "invalid",
        };
        S::list(self.head(kind, statement.span()), items)
    }

    fn resource(&self, resource: &Resource) -> S {
        let mut items = Vec::new();
        self.decorators(&resource.decorators, &mut items);
        items.push(self.ident("name", &resource.name));
        items.push(self.string("type", &resource.type_string));
        if resource.existing {
            items.push(S::atom("existing"));
        }
        items.push(self.expr(&resource.value));
        S::list(self.head("resource", resource.span), items)
    }

    fn string(&self, kind: &str, string: &StringLit) -> S {
        let mut items = Vec::new();
        if string.multi_line {
            items.push(S::atom("multi-line"));
        }
        for segment in &string.segments {
            match segment {
                StringSegment::Text { value, .. } => items.push(S::atom(format!("{value:?}"))),
                StringSegment::Hole(expr) => items.push(S::list("hole", vec![self.expr(expr)])),
            }
        }
        S::list(self.head(kind, string.span), items)
    }

    fn lambda(&self, lambda: &Lambda) -> S {
        let mut params = Vec::new();
        for param in &lambda.params {
            match &param.ty {
                Some(ty) => params.push(S::list(
                    "param",
                    vec![self.ident("name", &param.name), self.ty(ty)],
                )),
                None => params.push(self.ident("param", &param.name)),
            }
        }
        let mut items = vec![S::list("params", params)];
        if let Some(ty) = &lambda.return_type {
            items.push(S::list("returns", vec![self.ty(ty)]));
        }
        items.push(self.expr(&lambda.body));
        S::list(self.head("lambda", lambda.span), items)
    }

    fn expr(&self, expr: &Expr) -> S {
        let head = |kind: &str| self.head(kind, expr.span);
        match &expr.kind {
            ExprKind::Null => S::atom(format!("({})", head("null"))),
            ExprKind::Bool(value) => S::atom(format!("({} {value})", head("bool"))),
            ExprKind::Int(value) => S::atom(format!("({} {value})", head("int"))),
            ExprKind::String(string) => self.string("string", string),
            ExprKind::Array(items) => S::list(
                head("array"),
                items
                    .iter()
                    .map(|item| match item {
                        ArrayItem::Value(value) => self.expr(value),
                        ArrayItem::Spread(value, span) => {
                            S::list(self.head("spread", *span), vec![self.expr(value)])
                        }
                    })
                    .collect(),
            ),
            ExprKind::Object(items) => S::list(
                head("object"),
                items
                    .iter()
                    .map(|item| match item {
                        ObjectItem::Property(property) => {
                            let key = match &property.key {
                                PropertyKey::Ident(ident) => self.ident("key", ident),
                                PropertyKey::String(string) => self.string("key", string),
                            };
                            S::list(
                                self.head("property", property.span),
                                vec![key, self.expr(&property.value)],
                            )
                        }
                        ObjectItem::Spread(value, span) => {
                            S::list(self.head("spread", *span), vec![self.expr(value)])
                        }
                        ObjectItem::Resource(resource) => self.resource(resource),
                    })
                    .collect(),
            ),
            ExprKind::Variable(ident) => S::atom(format!("({} {})", head("var-ref"), ident.name)),
            ExprKind::Call(call) => {
                let mut items = Vec::new();
                if let Some(base) = &call.base {
                    items.push(S::list("on", vec![self.expr(base)]));
                }
                items.push(self.ident("name", &call.name));
                items.extend(call.args.iter().map(|arg| self.expr(arg)));
                S::list(head("call"), items)
            }
            ExprKind::Property(access) => S::list(
                head(if access.safe {
                    "safe-property"
                } else {
                    "property"
                }),
                vec![self.expr(&access.base), self.ident("name", &access.name)],
            ),
            ExprKind::Index(access) => {
                let mut kind = String::from("index");
                if access.safe {
                    kind.insert_str(0, "safe-");
                }
                if access.from_end {
                    kind.push_str("-from-end");
                }
                S::list(
                    head(&kind),
                    vec![self.expr(&access.base), self.expr(&access.index)],
                )
            }
            ExprKind::ResourceAccess(access) => S::list(
                head("child"),
                vec![self.expr(&access.base), self.ident("name", &access.name)],
            ),
            ExprKind::NonNull(inner) => S::list(head("non-null"), vec![self.expr(inner)]),
            ExprKind::Unary(unary) => S::list(
                head(match unary.op {
                    UnaryOp::Not => "not",
                    UnaryOp::Minus => "negate",
                }),
                vec![self.expr(&unary.operand)],
            ),
            ExprKind::Binary(binary) => S::list(
                format!("{} {}", head("binary"), binary.op.symbol()),
                vec![self.expr(&binary.left), self.expr(&binary.right)],
            ),
            ExprKind::Ternary(ternary) => S::list(
                head("ternary"),
                vec![
                    self.expr(&ternary.condition),
                    self.expr(&ternary.then),
                    self.expr(&ternary.otherwise),
                ],
            ),
            ExprKind::Paren(inner) => S::list(head("paren"), vec![self.expr(inner)]),
            ExprKind::Lambda(lambda) => self.lambda(lambda),
            ExprKind::For(lp) => {
                let mut items = vec![self.ident("item", &lp.item)];
                if let Some(index) = &lp.index {
                    items.push(self.ident("index", index));
                }
                items.push(S::list("in", vec![self.expr(&lp.iterable)]));
                items.push(self.expr(&lp.body));
                S::list(head("for"), items)
            }
            ExprKind::If(cond) => S::list(
                head("if"),
                vec![self.expr(&cond.condition), self.expr(&cond.body)],
            ),
            ExprKind::Error => S::atom(format!("({})", head("error"))),
        }
    }

    fn ty(&self, ty: &TypeExpr) -> S {
        let head = |kind: &str| self.head(kind, ty.span);
        match &ty.kind {
            TypeKind::Name(ident) => S::atom(format!("({} {})", head("type"), ident.name)),
            TypeKind::Member { base, name } => S::list(
                head("type-member"),
                vec![self.ty(base), self.ident("name", name)],
            ),
            TypeKind::Parameterized { base, name, args } => {
                let mut items = Vec::new();
                if let Some(base) = base {
                    items.push(S::list("on", vec![self.ty(base)]));
                }
                items.push(self.ident("name", name));
                items.extend(args.iter().map(|arg| self.ty(arg)));
                S::list(head("type-call"), items)
            }
            TypeKind::Resource(string) => S::list(
                head("resource-type"),
                string
                    .iter()
                    .map(|string| self.string("string", string))
                    .collect(),
            ),
            TypeKind::String(string) => self.string("type-string", string),
            TypeKind::Int(value) => S::atom(format!("({} {value})", head("type-int"))),
            TypeKind::Bool(value) => S::atom(format!("({} {value})", head("type-bool"))),
            TypeKind::Null => S::atom(format!("({})", head("type-null"))),
            TypeKind::Unary { op, operand } => S::list(
                head(match op {
                    UnaryOp::Not => "type-not",
                    UnaryOp::Minus => "type-negate",
                }),
                vec![self.ty(operand)],
            ),
            TypeKind::Object(items) => S::list(
                head("object-type"),
                items
                    .iter()
                    .map(|item| {
                        let mut parts = Vec::new();
                        self.decorators(&item.decorators, &mut parts);
                        parts.push(match &item.key {
                            ObjectTypeKey::Ident(ident) => self.ident("key", ident),
                            ObjectTypeKey::String(string) => self.string("key", string),
                            ObjectTypeKey::Wildcard(span) => {
                                S::atom(format!("({})", self.head("key-*", *span)))
                            }
                        });
                        parts.push(self.ty(&item.value));
                        S::list(self.head("property", item.span), parts)
                    })
                    .collect(),
            ),
            TypeKind::Tuple(items) => S::list(
                head("tuple-type"),
                items
                    .iter()
                    .map(|item| {
                        let mut parts = Vec::new();
                        self.decorators(&item.decorators, &mut parts);
                        parts.push(self.ty(&item.value));
                        S::list(self.head("item", item.span), parts)
                    })
                    .collect(),
            ),
            TypeKind::Array(inner) => S::list(head("array-type"), vec![self.ty(inner)]),
            TypeKind::Nullable(inner) => S::list(head("nullable"), vec![self.ty(inner)]),
            TypeKind::NonNullable(inner) => S::list(head("non-nullable"), vec![self.ty(inner)]),
            TypeKind::Union(members) => S::list(
                head("union"),
                members.iter().map(|member| self.ty(member)).collect(),
            ),
            TypeKind::Paren(inner) => S::list(head("type-paren"), vec![self.ty(inner)]),
            TypeKind::Index { base, index } => {
                S::list(head("type-index"), vec![self.ty(base), self.expr(index)])
            }
            TypeKind::Items(base) => S::list(head("type-items"), vec![self.ty(base)]),
            TypeKind::AdditionalProperties(base) => {
                S::list(head("type-additional-properties"), vec![self.ty(base)])
            }
            TypeKind::Error => S::atom(format!("({})", head("type-error"))),
        }
    }
}
