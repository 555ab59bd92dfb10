//! One expression AST for both languages.
//!
//! Bicep expressions and ARM `"[…]"` template expressions lower into this tree, so the evaluator
//! and the rules never ask which language a value came from. ARM's `parameters('x')`,
//! `variables('x')` and `reference(…)` stay calls; Bicep's bare identifiers are [`ExprKind::Symbol`].
//! Every node keeps the span of the text it was written as, in the file of its template.

use std::sync::Arc;

use crate::source::Span;

/// A name or literal text of the tree. Shared: the ARM front end hands its parsed strings over
/// without copying them, and a compiled template repeats most of its expressions.
pub type Text = Arc<str>;

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Int(i64),
    /// A literal string (its decoded text).
    String(Text),
    /// Bicep `'a${b}c'`: literal text and holes, in order.
    Interpolation(Vec<StringPart>),
    Array(Vec<ArrayItem>),
    Object(Vec<ObjectItem>),
    /// A Bicep identifier: a parameter, variable, resource, module, loop variable or function.
    Symbol(Text),
    /// A function call; `namespace` is `sys`/`az` in Bicep or the user namespace in ARM.
    Call {
        namespace: Option<Text>,
        name: Text,
        /// `name` in ASCII lower case ([`lower_case`]): functions are dispatched by it, and
        /// lower-casing once here spares it every time an instance evaluates the call.
        lower_name: Text,
        name_span: Span,
        args: Vec<Expr>,
    },
    /// `a.b`, or `a.?b` when `safe`.
    Member {
        object: Box<Expr>,
        name: Text,
        name_span: Span,
        safe: bool,
    },
    /// `a[i]`, or `a[?i]` when `safe`.
    Index {
        object: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
    },
    /// Bicep `parent::child`.
    ChildAccess {
        parent: Box<Expr>,
        child: String,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// Bicep's postfix `!` (non-null assertion): the value itself.
    NonNull(Box<Expr>),
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Ternary {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Lambda {
        params: Vec<String>,
        body: Box<Expr>,
    },
    /// Bicep `[for (item, index) in source: if (condition) body]`.
    For(Box<ForExpr>),
    /// A part the front end could not read; evaluates to an unknown value.
    Error,
}

/// `name` in ASCII lower case; shared with `name` when it already is.
pub fn lower_case(name: &Text) -> Text {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        name.to_ascii_lowercase().into()
    } else {
        name.clone()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub item: String,
    pub index: Option<String>,
    pub source: Expr,
    pub condition: Option<Expr>,
    pub body: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StringPart {
    Literal(String, Span),
    Hole(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ArrayItem {
    Item(Expr),
    Spread(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectItem {
    Property(Property),
    Spread(Expr),
}

/// `key: value`; the key is an expression because Bicep allows interpolated keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub key: Expr,
    pub value: Expr,
}

impl Property {
    /// The key's text when it is a plain string.
    pub fn key_name(&self) -> Option<&str> {
        self.key_text().map(|text| &**text)
    }

    /// The key's shared text when it is a plain string.
    pub fn key_text(&self) -> Option<&Text> {
        match &self.key.kind {
            ExprKind::String(name) => Some(name),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Negate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Coalesce,
    Or,
    And,
    Equal,
    NotEqual,
    EqualIgnoreCase,
    NotEqualIgnoreCase,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

impl Expr {
    pub fn new(span: Span, kind: ExprKind) -> Expr {
        Expr { span, kind }
    }

    pub fn string(span: Span, text: impl Into<Text>) -> Expr {
        Expr::new(span, ExprKind::String(text.into()))
    }

    /// The property `key` of an object literal.
    pub fn property(&self, key: &str) -> Option<&Expr> {
        match &self.kind {
            ExprKind::Object(items) => items.iter().find_map(|item| match item {
                ObjectItem::Property(p)
                    if p.key_name().is_some_and(|k| k.eq_ignore_ascii_case(key)) =>
                {
                    Some(&p.value)
                }
                _ => None,
            }),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::String(text) => Some(text),
            _ => None,
        }
    }
}
