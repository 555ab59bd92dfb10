//! Bicep and Bicep parameter files: the syntax tree and [`parse`].
//!
//! The grammar is the compiler's (v0.46 `Parser.cs`, `BaseParser.cs`, `ParamsParser.cs`); the
//! layers are:
//!
//! - [`super::bicep_lexer`]: text → tokens, comments and pragmas (nom scanners);
//! - [`super::bicep_parser`]: tokens → this tree, with the compiler's newline rules and error
//!   recovery (recursive descent; binary operators by precedence climbing);
//! - [`super::bicep_sexpr`]: the compact S-expression print used by snapshot tests.
//!
//! Words used here:
//! - a *statement* is one top-level declaration (`param`, `var`, `resource`, …), with the
//!   *decorators* (`@description('…')`) written on the lines above it;
//! - an *expression* ([`Expr`]) is a value; a *type expression* ([`TypeExpr`]) is what follows
//!   `param x`, `output x`, `type x =` and a typed `var`;
//! - a *body* is what follows `=` in a `resource` or `module`: an object, `if (…) {…}` or a
//!   `[for …: …]` loop, all represented as [`Expr`] ([`ExprKind::If`], [`ExprKind::For`]);
//! - a *pragma* is a `#disable-next-line …` or `#disable-diagnostics …` line.
//!
//! Every node has a [`Span`] (byte range into the text the parser was given). Identifiers and
//! string values are decoded (escapes resolved) so later stages never look at raw text. Where a
//! syntax error left a hole, the tree holds a placeholder: an empty [`Ident`], an empty
//! [`StringLit`] or [`ExprKind::Error`]; check the returned errors before trusting such a tree.

use super::SyntaxError;
use crate::source::Span;

pub use super::bicep_lexer::{Comment, Pragma, PragmaCode, PragmaKind};

/// Parses Bicep text (or, when `is_params`, a `.bicepparam` file). Never panics; the tree
/// covers everything that could be read and the errors say where and what was expected.
pub fn parse(text: &str, is_params: bool) -> (Program, Vec<SyntaxError>) {
    super::bicep_parser::parse(text, is_params)
}

/// A whole file.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub statements: Vec<Statement>,
    /// `#disable-next-line` / `#disable-diagnostics` / `#restore-diagnostics`, in text order.
    pub pragmas: Vec<Pragma>,
    /// Every `//` and `/* */` comment, in text order (rules look for role names in them).
    pub comments: Vec<Comment>,
    /// Whether this was read as a `.bicepparam` file.
    pub is_params: bool,
    pub span: Span,
}

/// A name as written: a symbol, property, function, decorator or loop variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

impl Ident {
    /// A placeholder for a name a syntax error left out.
    pub fn missing(at: u32) -> Ident {
        Ident {
            name: String::new(),
            span: Span { start: at, end: at },
        }
    }

    pub fn is_missing(&self) -> bool {
        self.name.is_empty()
    }
}

/// A string literal: text pieces and `${…}` holes, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    /// Never two `Text` pieces in a row; an empty string has no pieces.
    pub segments: Vec<StringSegment>,
    /// `'''…'''` or `$'''…'''` (no escapes; a leading line break is dropped from the value).
    pub multi_line: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StringSegment {
    /// Decoded text (escapes resolved); `span` covers the raw characters.
    Text { value: String, span: Span },
    /// The expression of a `${…}` hole.
    Hole(Expr),
}

impl StringLit {
    /// The value of a string without holes.
    pub fn as_str(&self) -> Option<&str> {
        match self.segments.as_slice() {
            [] => Some(""),
            [StringSegment::Text { value, .. }] => Some(value),
            _ => None,
        }
    }

    pub fn has_holes(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, StringSegment::Hole(_)))
    }

    /// The hole expressions, in order.
    pub fn holes(&self) -> impl Iterator<Item = &Expr> {
        self.segments.iter().filter_map(|s| match s {
            StringSegment::Hole(expr) => Some(expr),
            StringSegment::Text { .. } => None,
        })
    }
}

/// A decorator line: `@secure()`, `@sys.description('…')`, `@batchSize(2)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Decorator {
    /// The expression after `@`: a [`Call`] (possibly on a namespace such as `sys`) or, for
    /// `@secure` without parentheses, a variable or property access.
    pub expr: Expr,
    /// `@` through the end of the expression.
    pub span: Span,
}

impl Decorator {
    /// The decorator's name without its namespace: `description` for `@sys.description(…)`.
    pub fn name(&self) -> &str {
        match &self.expr.kind {
            ExprKind::Call(call) => &call.name.name,
            ExprKind::Variable(ident) => &ident.name,
            ExprKind::Property(access) => &access.name.name,
            _ => "",
        }
    }

    /// The namespace when written: `sys` for `@sys.description(…)`.
    pub fn namespace(&self) -> Option<&str> {
        match &self.expr.kind {
            ExprKind::Call(call) => call.namespace(),
            ExprKind::Property(access) => match &access.base.kind {
                ExprKind::Variable(ident) => Some(&ident.name),
                _ => None,
            },
            _ => None,
        }
    }

    /// The arguments, empty when the decorator has no parentheses.
    pub fn args(&self) -> &[Expr] {
        match &self.expr.kind {
            ExprKind::Call(call) => &call.args,
            _ => &[],
        }
    }
}

/// A top-level declaration (and, inside resource bodies, nested `resource` declarations).
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `targetScope = 'subscription'`
    TargetScope(TargetScope),
    /// `metadata name = value`
    Metadata(Metadata),
    /// `param name type [= default]` (Bicep files).
    Param(Param),
    /// `param name = value` (`.bicepparam` files).
    ParamAssignment(ParamAssignment),
    /// `var name [type] = value`
    Var(Var),
    /// `type name = typeExpression`
    Type(TypeDecl),
    /// `func name(params) returnType => body`
    Function(Function),
    /// `resource name 'type@version' [existing] = body`
    Resource(Box<Resource>),
    /// `module name 'path' = body`
    Module(Module),
    /// `test name 'path' = {…}` (experimental test framework).
    Test(Test),
    /// `output name type = value`
    Output(Output),
    /// `import {a, b as c} from '…'`, `import * as ns from '…'`
    Import(Import),
    /// `extension name [with {…}] [as alias]` (also the old `import 'spec'` form).
    Extension(Extension),
    /// `extensionConfig alias with {…}` (`.bicepparam` files).
    ExtensionConfig(ExtensionConfig),
    /// `assert name = condition`
    Assert(Assert),
    /// `using 'main.bicep' [with {…}]`, `using none` (`.bicepparam` files).
    Using(Using),
    /// `extends 'base.bicepparam'` (`.bicepparam` files).
    Extends(Extends),
    /// Decorators with no declaration after them, or a line that is no declaration; a syntax
    /// error was reported for it.
    Invalid(Invalid),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetScope {
    pub decorators: Vec<Decorator>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamAssignment {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDecl {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub value: TypeExpr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    /// Typed parameters, a return type and the body.
    pub lambda: Lambda,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    /// `'Microsoft.Storage/storageAccounts@2023-01-01'`; a nested resource may give only the
    /// child segment (`'blobServices'`), and extension resources may omit the version.
    pub type_string: StringLit,
    /// `existing`: a reference to a resource deployed elsewhere.
    pub existing: bool,
    /// An object, `if (…) {…}` or `[for …: …]` ([`Expr::body_object`] finds the object).
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    /// `'./storage.bicep'`, `'br:registry/path:tag'`, `'br/public:avm/res/…:0.1.0'`,
    /// `'ts:sub/rg/spec:1.0'`, or a JSON template path.
    pub path: StringLit,
    /// An object, `if (…) {…}` or `[for …: …]`.
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub path: StringLit,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub decorators: Vec<Decorator>,
    pub what: ImportWhat,
    /// The file or registry reference after `from`.
    pub from: StringLit,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportWhat {
    /// `{a, b as c, 'd.e' as f}`
    Symbols(Vec<ImportedSymbol>),
    /// `* as alias`
    Wildcard { alias: Ident, span: Span },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportedSymbol {
    /// The exported name: an identifier, or a string (which then needs an alias).
    pub name: SymbolName,
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SymbolName {
    Ident(Ident),
    String(StringLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    pub decorators: Vec<Decorator>,
    pub spec: ExtensionSpec,
    /// `with {…}`
    pub config: Option<Expr>,
    /// `as alias`
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExtensionSpec {
    /// A built-in extension: `extension microsoftGraphV1`, `extension kubernetes`.
    Name(Ident),
    /// A registry or file reference: `extension 'br:mcr.microsoft.com/bicep/ext:1.0'`.
    String(StringLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionConfig {
    pub decorators: Vec<Decorator>,
    pub alias: Ident,
    pub config: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assert {
    pub decorators: Vec<Decorator>,
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Using {
    pub decorators: Vec<Decorator>,
    /// The template the parameters are for; `None` for `using none`.
    pub path: Option<StringLit>,
    /// `with {…}`
    pub config: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Extends {
    pub decorators: Vec<Decorator>,
    pub path: StringLit,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub decorators: Vec<Decorator>,
    pub span: Span,
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::TargetScope(s) => s.span,
            Statement::Metadata(s) => s.span,
            Statement::Param(s) => s.span,
            Statement::ParamAssignment(s) => s.span,
            Statement::Var(s) => s.span,
            Statement::Type(s) => s.span,
            Statement::Function(s) => s.span,
            Statement::Resource(s) => s.span,
            Statement::Module(s) => s.span,
            Statement::Test(s) => s.span,
            Statement::Output(s) => s.span,
            Statement::Import(s) => s.span,
            Statement::Extension(s) => s.span,
            Statement::ExtensionConfig(s) => s.span,
            Statement::Assert(s) => s.span,
            Statement::Using(s) => s.span,
            Statement::Extends(s) => s.span,
            Statement::Invalid(s) => s.span,
        }
    }

    pub fn decorators(&self) -> &[Decorator] {
        match self {
            Statement::TargetScope(s) => &s.decorators,
            Statement::Metadata(s) => &s.decorators,
            Statement::Param(s) => &s.decorators,
            Statement::ParamAssignment(s) => &s.decorators,
            Statement::Var(s) => &s.decorators,
            Statement::Type(s) => &s.decorators,
            Statement::Function(s) => &s.decorators,
            Statement::Resource(s) => &s.decorators,
            Statement::Module(s) => &s.decorators,
            Statement::Test(s) => &s.decorators,
            Statement::Output(s) => &s.decorators,
            Statement::Import(s) => &s.decorators,
            Statement::Extension(s) => &s.decorators,
            Statement::ExtensionConfig(s) => &s.decorators,
            Statement::Assert(s) => &s.decorators,
            Statement::Using(s) => &s.decorators,
            Statement::Extends(s) => &s.decorators,
            Statement::Invalid(s) => &s.decorators,
        }
    }

    /// The declared symbol, for statements that declare one.
    pub fn name(&self) -> Option<&Ident> {
        match self {
            Statement::Metadata(s) => Some(&s.name),
            Statement::Param(s) => Some(&s.name),
            Statement::ParamAssignment(s) => Some(&s.name),
            Statement::Var(s) => Some(&s.name),
            Statement::Type(s) => Some(&s.name),
            Statement::Function(s) => Some(&s.name),
            Statement::Resource(s) => Some(&s.name),
            Statement::Module(s) => Some(&s.name),
            Statement::Test(s) => Some(&s.name),
            Statement::Output(s) => Some(&s.name),
            Statement::Assert(s) => Some(&s.name),
            Statement::ExtensionConfig(s) => Some(&s.alias),
            Statement::Extension(s) => s.alias.as_ref().or(match &s.spec {
                ExtensionSpec::Name(name) => Some(name),
                ExtensionSpec::String(_) => None,
            }),
            _ => None,
        }
    }

    /// The first decorator with this name (namespace ignored).
    pub fn decorator(&self, name: &str) -> Option<&Decorator> {
        self.decorators().iter().find(|d| d.name() == name)
    }
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    /// A non-negative integer (`-1` is [`UnaryOp::Minus`] applied to `1`).
    Int(u64),
    String(StringLit),
    Array(Vec<ArrayItem>),
    Object(Vec<ObjectItem>),
    /// A reference to a symbol (parameter, variable, resource, module, loop variable, lambda
    /// parameter, or a namespace such as `sys`/`az` when followed by `.`).
    Variable(Ident),
    /// `name(args)` or `base.name(args)` (namespace functions and instance functions).
    Call(Box<Call>),
    /// `base.name`, `base.?name`
    Property(Box<PropertyAccess>),
    /// `base[index]`, `base[?index]`, `base[^index]`
    Index(Box<IndexAccess>),
    /// `base::child` (nested resource access).
    ResourceAccess(Box<ResourceAccess>),
    /// `base!` (non-null assertion).
    NonNull(Box<Expr>),
    Unary(Box<Unary>),
    Binary(Box<Binary>),
    /// `condition ? then : otherwise`
    Ternary(Box<Ternary>),
    /// `(inner)`
    Paren(Box<Expr>),
    Lambda(Box<Lambda>),
    /// `[for item in iterable: body]`, `[for (item, index) in …: …]`
    For(Box<ForExpr>),
    /// `if (condition) {…}`: only as a resource or module body or a loop body in one.
    If(Box<IfExpr>),
    /// What a syntax error left: the span covers the skipped text.
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ArrayItem {
    Value(Expr),
    /// `...expr`
    Spread(Expr, Span),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectItem {
    Property(Property),
    /// `...expr`
    Spread(Expr, Span),
    /// A nested `resource` declaration inside a resource body.
    Resource(Box<Resource>),
}

/// `key: value` in an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub key: PropertyKey,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PropertyKey {
    Ident(Ident),
    /// `'quoted-key'`, possibly with holes (`'${prefix}Name'`).
    String(StringLit),
}

impl PropertyKey {
    /// The key's text when it is known without evaluation.
    pub fn name(&self) -> Option<&str> {
        match self {
            PropertyKey::Ident(ident) => Some(&ident.name),
            PropertyKey::String(string) => string.as_str(),
        }
    }

    pub fn span(&self) -> Span {
        match self {
            PropertyKey::Ident(ident) => ident.span,
            PropertyKey::String(string) => string.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `sys` in `sys.concat(…)`, `az` in `az.resourceGroup()`, the receiver of an instance
    /// function such as `storage.listKeys()`; `None` for a plain `concat(…)`.
    pub base: Option<Expr>,
    pub name: Ident,
    pub args: Vec<Expr>,
}

impl Call {
    /// The namespace or receiver when it is a plain name: `sys`, `az`, `storage`.
    pub fn namespace(&self) -> Option<&str> {
        match &self.base {
            Some(Expr {
                kind: ExprKind::Variable(ident),
                ..
            }) => Some(&ident.name),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PropertyAccess {
    pub base: Expr,
    pub name: Ident,
    /// `.?`
    pub safe: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndexAccess {
    pub base: Expr,
    pub index: Expr,
    /// `[?…]`
    pub safe: bool,
    /// `[^…]`: counted from the end.
    pub from_end: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceAccess {
    pub base: Expr,
    pub name: Ident,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`
    Not,
    /// `-`
    Minus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unary {
    pub op: UnaryOp,
    pub operand: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `??`
    Coalesce,
    /// `||`
    Or,
    /// `&&`
    And,
    /// `==`
    Equals,
    /// `!=`
    NotEquals,
    /// `=~`
    EqualsInsensitive,
    /// `!~`
    NotEqualsInsensitive,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `+`
    Add,
    /// `-`
    Subtract,
    /// `*`
    Multiply,
    /// `/`
    Divide,
    /// `%`
    Modulo,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Coalesce => "??",
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Equals => "==",
            BinaryOp::NotEquals => "!=",
            BinaryOp::EqualsInsensitive => "=~",
            BinaryOp::NotEqualsInsensitive => "!~",
            BinaryOp::Less => "<",
            BinaryOp::LessOrEqual => "<=",
            BinaryOp::Greater => ">",
            BinaryOp::GreaterOrEqual => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Subtract => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Modulo => "%",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binary {
    pub op: BinaryOp,
    pub left: Expr,
    pub right: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ternary {
    pub condition: Expr,
    pub then: Expr,
    pub otherwise: Expr,
}

/// `x => body`, `(a, b) => body`, and in `func` declarations `(a string) string => body`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lambda {
    pub params: Vec<LambdaParam>,
    /// Only in `func` declarations.
    pub return_type: Option<TypeExpr>,
    pub body: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LambdaParam {
    pub name: Ident,
    /// Only in `func` declarations.
    pub ty: Option<TypeExpr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    /// The item variable (`x` in `for x in …` and in `for (x, i) in …`).
    pub item: Ident,
    /// The index variable of `for (x, i) in …`.
    pub index: Option<Ident>,
    pub iterable: Expr,
    /// Any expression; in a resource or module body, an object or an [`ExprKind::If`].
    pub body: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IfExpr {
    /// The expression inside the parentheses.
    pub condition: Expr,
    /// Always an [`ExprKind::Object`] (or [`ExprKind::Error`]).
    pub body: Expr,
}

impl Expr {
    pub fn error(span: Span) -> Expr {
        Expr {
            kind: ExprKind::Error,
            span,
        }
    }

    /// The object a resource or module body declares, through `if` and `for`.
    pub fn body_object(&self) -> Option<&[ObjectItem]> {
        match &self.kind {
            ExprKind::Object(items) => Some(items),
            ExprKind::If(cond) => cond.body.body_object(),
            ExprKind::For(lp) => lp.body.body_object(),
            _ => None,
        }
    }

    /// The object items when this is an object literal.
    pub fn as_object(&self) -> Option<&[ObjectItem]> {
        match &self.kind {
            ExprKind::Object(items) => Some(items),
            _ => None,
        }
    }

    /// The value of `key` when this is an object literal that has it (the last one wins,
    /// as in ARM).
    pub fn property(&self, key: &str) -> Option<&Property> {
        self.as_object()?.iter().rev().find_map(|item| match item {
            ObjectItem::Property(p) if p.key.name() == Some(key) => Some(p),
            _ => None,
        })
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::String(s) => s.as_str(),
            _ => None,
        }
    }
}

/// A type expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// `string`, `int`, `object`, a user-defined type name, …
    Name(Ident),
    /// `sys.string`, `types.myType` (a member of a namespace or imported module).
    Member {
        base: Box<TypeExpr>,
        name: Ident,
    },
    /// `resourceInput<'…'>`, `sys.resourceOutput<'…'>`: a parameterized type, with the
    /// namespace when written.
    Parameterized {
        base: Option<Box<TypeExpr>>,
        name: Ident,
        args: Vec<TypeExpr>,
    },
    /// `resource 'Microsoft.X/y@v'`; in outputs the string may be left out.
    Resource(Option<StringLit>),
    /// `'a'` (literal type, holes not allowed by the compiler's type checker).
    String(StringLit),
    Int(u64),
    Bool(bool),
    Null,
    /// `-1`, `!true`
    Unary {
        op: UnaryOp,
        operand: Box<TypeExpr>,
    },
    /// `{ name: string, *: int }`
    Object(Vec<ObjectTypeItem>),
    /// `[string, int]`
    Tuple(Vec<TupleTypeItem>),
    /// `string[]`
    Array(Box<TypeExpr>),
    /// `T?`
    Nullable(Box<TypeExpr>),
    /// `T!`
    NonNullable(Box<TypeExpr>),
    /// `'a' | 'b'`
    Union(Vec<TypeExpr>),
    /// `(T)`
    Paren(Box<TypeExpr>),
    /// `T[0]`, `T['key']`
    Index {
        base: Box<TypeExpr>,
        index: Box<Expr>,
    },
    /// `T[*]`: the element type of an array type.
    Items(Box<TypeExpr>),
    /// `T.*`: the additional-properties type of an object type.
    AdditionalProperties(Box<TypeExpr>),
    /// What a syntax error left.
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectTypeItem {
    pub decorators: Vec<Decorator>,
    pub key: ObjectTypeKey,
    pub value: TypeExpr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectTypeKey {
    Ident(Ident),
    String(StringLit),
    /// `*`: the type of any other property.
    Wildcard(Span),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TupleTypeItem {
    pub decorators: Vec<Decorator>,
    pub value: TypeExpr,
    pub span: Span,
}

impl TypeExpr {
    pub fn error(span: Span) -> TypeExpr {
        TypeExpr {
            kind: TypeKind::Error,
            span,
        }
    }
}

impl Program {
    /// The path a `.bicepparam` file's `using` statement names (`None` for `using none`).
    pub fn using_path(&self) -> Option<(String, Span)> {
        self.statements
            .iter()
            .find_map(|statement| match statement {
                Statement::Using(using) => {
                    let path = using.path.as_ref()?;
                    Some((path.as_str()?.to_owned(), path.span))
                }
                _ => None,
            })
    }

    /// The compact, deterministic S-expression print of the tree that snapshot tests use;
    /// positions are `line:column` (1-based, columns in characters) into `text`, which must
    /// be the text this program was parsed from.
    pub fn to_sexpr(&self, text: &str) -> String {
        super::bicep_sexpr::program(self, text)
    }

    /// The top-level statements that declare `name` (usually one).
    pub fn statements_named(&self, name: &str) -> impl Iterator<Item = &Statement> {
        let name = name.to_owned();
        self.statements
            .iter()
            .filter(move |s| s.name().is_some_and(|n| n.name == name))
    }
}
