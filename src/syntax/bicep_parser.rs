//! Bicep tokens → [`Program`]: a recursive-descent parser that mirrors the compiler's
//! `BaseParser.cs`/`Parser.cs`/`ParamsParser.cs` (v0.46), including where line breaks are
//! allowed:
//!
//! - inside `(…)` of a group, lambda parameter list or `if` condition: anywhere;
//! - inside `(…)` of a call: after `(`, after a comma, and before `)`; two arguments on two
//!   lines still need a comma;
//! - inside `{…}` and `[…]`: items are separated by commas on one line *or* by line breaks,
//!   never by a comma followed by a line break;
//! - before the `?` and the `:` of a ternary, but not after them; never around binary
//!   operators or `=`;
//! - after `=>` (unless the next line starts a declaration), before `if` in a resource or
//!   module body, before a union's `|`.
//!
//! Binary operators use the compiler's precedence (`TokenTypeHelper.cs`): `* / %` > `+ -` >
//! `< <= > >=` > `== != =~ !~` > `&&` > `||` > `??`; all left-associative; the ternary is
//! below them all.
//!
//! Errors are values: a failed piece records one error and returns [`Fail`]; the nearest
//! enclosing *recovery point* (an object property, array item, argument, statement value or
//! statement) skips to a token it can restart from, as the compiler's `WithRecovery` does.
//! After a statement with errors the parser skips to the next line that starts a declaration,
//! so one typo does not hide the rest of the file. Nesting deeper than [`MAX_DEPTH`] is an
//! error, not a stack overflow.

use super::bicep::*;
use super::bicep_lexer::{lex, scan_escape, EscapeValue, Token, TokenKind};
use super::{SyntaxError, SyntaxErrorKind};
use crate::source::Span;

use TokenKind as T;

/// How deeply expressions, types, objects and arrays may nest. Real templates stay far below
/// this; a debug build still fits this in a 2 MiB thread stack.
pub const MAX_DEPTH: u32 = 200;

/// A syntax error was recorded; the caller recovers.
#[derive(Debug)]
struct Fail;

type PResult<T> = Result<T, Fail>;

/// Which kinds of expression the current position allows (the compiler's `ExpressionFlags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Flags(u8);

impl Flags {
    const NONE: Flags = Flags(0);
    /// Object and array literals (not inside string holes).
    const COMPLEX: Flags = Flags(1);
    /// Nested `resource` declarations (in resource bodies).
    const RESOURCES: Flags = Flags(2);

    fn has(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    fn with(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    fn without(self, other: Flags) -> Flags {
        Flags(self.0 & !other.0)
    }
}

const BICEP_KEYWORDS: &[&str] = &[
    "targetScope",
    "metadata",
    "type",
    "param",
    "var",
    "func",
    "resource",
    "output",
    "module",
    "test",
    "import",
    "extension",
    "assert",
];

const PARAMS_KEYWORDS: &[&str] = &[
    "using",
    "extends",
    "param",
    "var",
    "import",
    "extensionConfig",
    "extension",
    "type",
];

/// The compiler's `DeclarationKeywords`: a lambda body does not continue on the next line when
/// that line starts with one of these.
const DECLARATION_KEYWORDS: &[&str] = &[
    "assert", "import", "metadata", "param", "var", "resource", "output", "module", "type",
];

/// How [`Parser::list_items`] names the items of a resource body (which may hold nested
/// `resource` declarations).
const NESTED_RESOURCE_LIST: &str = "properties or nested resources";

/// Terminators for a failed operand (the compiler's list for binary and unary operands).
const OPERAND_END: &[TokenKind] = &[
    T::StringRightPiece,
    T::RightBrace,
    T::RightParen,
    T::RightSquare,
    T::NewLine,
];

pub fn parse(text: &str, is_params: bool) -> (Program, Vec<SyntaxError>) {
    let lexed = lex(text);
    let mut parser = Parser {
        text,
        tokens: lexed.tokens,
        pos: 0,
        last_end: 0,
        errors: Vec::new(),
        depth: 0,
        too_deep: false,
        is_params,
    };
    let statements = parser.program();
    let mut errors = lexed.errors;
    errors.append(&mut parser.errors);
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    errors.dedup_by_key(|e| e.span.start);
    let program = Program {
        statements,
        pragmas: lexed.pragmas,
        comments: lexed.comments,
        is_params,
        span: Span::new(0, text.len()),
    };
    (program, errors)
}

struct Parser<'a> {
    text: &'a str,
    /// Ends with an `EndOfFile` token (the lexer guarantees it).
    tokens: Vec<Token>,
    pos: usize,
    /// End of the last token consumed.
    last_end: u32,
    errors: Vec<SyntaxError>,
    depth: u32,
    /// Set once the nesting limit was hit: the rest of the file is skipped silently.
    too_deep: bool,
    is_params: bool,
}

fn binary_op(kind: TokenKind) -> Option<(u8, BinaryOp)> {
    Some(match kind {
        T::Modulo => (100, BinaryOp::Modulo),
        T::Asterisk => (100, BinaryOp::Multiply),
        T::Slash => (100, BinaryOp::Divide),
        T::Plus => (90, BinaryOp::Add),
        T::Minus => (90, BinaryOp::Subtract),
        T::RightChevron => (80, BinaryOp::Greater),
        T::GreaterThanOrEqual => (80, BinaryOp::GreaterOrEqual),
        T::LeftChevron => (80, BinaryOp::Less),
        T::LessThanOrEqual => (80, BinaryOp::LessOrEqual),
        T::Equals => (70, BinaryOp::Equals),
        T::NotEquals => (70, BinaryOp::NotEquals),
        T::EqualsInsensitive => (70, BinaryOp::EqualsInsensitive),
        T::NotEqualsInsensitive => (70, BinaryOp::NotEqualsInsensitive),
        T::LogicalAnd => (50, BinaryOp::And),
        T::LogicalOr => (40, BinaryOp::Or),
        T::DoubleQuestion => (30, BinaryOp::Coalesce),
        _ => return None,
    })
}

fn is_string_start(kind: TokenKind) -> bool {
    matches!(kind, T::StringComplete | T::StringLeftPiece)
}

fn span(start: u32, end: u32) -> Span {
    Span {
        start,
        end: end.max(start),
    }
}

impl<'a> Parser<'a> {
    // ----- token access -------------------------------------------------------------------

    fn peek(&self) -> Token {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> Token {
        let last = self.tokens.len() - 1;
        self.tokens[(self.pos + ahead).min(last)]
    }

    /// The next token that is not a line break.
    fn peek_past_newlines(&self) -> Token {
        let mut at = self.pos;
        while self.tokens.get(at).is_some_and(|t| t.kind == T::NewLine) {
            at += 1;
        }
        self.tokens[at.min(self.tokens.len() - 1)]
    }

    fn check(&self, kind: TokenKind) -> bool {
        self.peek().kind == kind
    }

    fn at_end(&self) -> bool {
        self.check(T::EndOfFile)
    }

    fn bump(&mut self) -> Token {
        let token = self.peek();
        if token.kind != T::EndOfFile {
            self.pos += 1;
            // Line breaks never end a node: a node that stops at one ends before it.
            if token.kind != T::NewLine {
                self.last_end = token.end;
            }
        }
        token
    }

    fn text_of(&self, token: Token) -> &'a str {
        self.text
            .get(token.start as usize..token.end as usize)
            .unwrap_or("")
    }

    fn is_keyword(&self, token: Token, keyword: &str) -> bool {
        token.kind == T::Identifier && self.text_of(token) == keyword
    }

    fn check_keyword(&self, keyword: &str) -> bool {
        self.is_keyword(self.peek(), keyword)
    }

    fn skip_newlines(&mut self) {
        while self.check(T::NewLine) {
            self.bump();
        }
    }

    /// Where the next token starts.
    fn here(&self) -> u32 {
        self.peek().start
    }

    // ----- errors and recovery ------------------------------------------------------------

    fn error(&mut self, span: Span, message: impl Into<String>) {
        if self.too_deep {
            return;
        }
        self.errors
            .push(SyntaxError::new(SyntaxErrorKind::Bicep, span, message));
    }

    /// Records an error at the next token (at the start of a line break) and fails.
    fn fail<R>(&mut self, message: impl Into<String>) -> PResult<R> {
        let token = self.peek();
        let at = if token.kind == T::NewLine {
            span(token.start, token.start)
        } else {
            token.span()
        };
        self.error(at, message);
        Err(Fail)
    }

    /// `expected X, found Y` at the next token.
    fn fail_expected<R>(&mut self, what: &str) -> PResult<R> {
        let found = self.peek().kind.describe();
        self.fail(format!("expected {what}, found {found}"))
    }

    /// Records an error at the (empty) position of the next token, without failing.
    fn error_here(&mut self, message: impl Into<String>) {
        let at = self.here();
        self.error(Span { start: at, end: at }, message);
    }

    fn expect(&mut self, kind: TokenKind, message: &str) -> PResult<Token> {
        if self.check(kind) {
            Ok(self.bump())
        } else {
            self.fail(message.to_owned())
        }
    }

    fn expect_keyword(&mut self, keyword: &str, message: &str) -> PResult<Token> {
        if self.check_keyword(keyword) {
            Ok(self.bump())
        } else {
            self.fail(message.to_owned())
        }
    }

    fn ident(&mut self, message: &str) -> PResult<Ident> {
        let token = self.expect(T::Identifier, message)?;
        Ok(self.ident_of(token))
    }

    fn ident_of(&self, token: Token) -> Ident {
        Ident {
            name: self.text_of(token).to_owned(),
            span: token.span(),
        }
    }

    /// An identifier, or an error and a placeholder (the compiler's `IdentifierOrSkip`).
    fn ident_or_missing(&mut self, message: &str) -> Ident {
        if self.check(T::Identifier) {
            let token = self.bump();
            self.ident_of(token)
        } else {
            self.error_here(message);
            Ident::missing(self.here())
        }
    }

    /// Skips tokens up to (not including) one of `until`, the end, or a line that starts a
    /// new declaration (`var x`, `resource r` at the start of a line: no expression continues
    /// that way, so whatever failed was left unclosed).
    fn synchronize(&mut self, until: &[TokenKind]) {
        while !self.at_end()
            && !until.contains(&self.peek().kind)
            && !self.at_unclosed_declaration("")
        {
            self.bump();
        }
    }

    /// The span of the tokens consumed since token index `from` (empty at the next token
    /// when none were).
    fn span_since(&self, from: usize) -> Span {
        if self.pos > from {
            span(self.tokens[from].start, self.last_end)
        } else {
            let at = self.tokens[from.min(self.tokens.len() - 1)].start;
            span(at, at)
        }
    }

    /// Runs `parse`; when it fails, skips to one of `until` and returns an error expression
    /// covering what was skipped.
    fn recover(
        &mut self,
        until: &[TokenKind],
        parse: impl FnOnce(&mut Self) -> PResult<Expr>,
    ) -> Expr {
        let from = self.pos;
        match parse(self) {
            Ok(expr) => expr,
            Err(Fail) => {
                self.synchronize(until);
                Expr::error(self.span_since(from))
            }
        }
    }

    fn recover_type(
        &mut self,
        until: &[TokenKind],
        parse: impl FnOnce(&mut Self) -> PResult<TypeExpr>,
    ) -> TypeExpr {
        let from = self.pos;
        match parse(self) {
            Ok(ty) => ty,
            Err(Fail) => {
                self.synchronize(until);
                TypeExpr::error(self.span_since(from))
            }
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            if !self.too_deep {
                let token = self.peek();
                self.error(
                    token.span(),
                    format!("nesting is too deep: more than {MAX_DEPTH} levels of expressions, objects or arrays"),
                );
                self.too_deep = true;
            }
            // Give up on the rest of the file: every enclosing level would report again.
            self.pos = self.tokens.len() - 1;
            return Err(Fail);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ----- statements ---------------------------------------------------------------------

    fn program(&mut self) -> Vec<Statement> {
        let mut statements = Vec::new();
        loop {
            self.skip_newlines();
            if self.at_end() {
                return statements;
            }
            let from = self.pos;
            let errors_before = self.errors.len();
            match self.declaration(false) {
                Ok(statement) => {
                    statements.push(statement);
                    if !self.check(T::NewLine) && !self.at_end() {
                        self.fail::<()>("expected a new line after the declaration")
                            .ok();
                    }
                }
                Err(Fail) => statements.push(Statement::Invalid(Invalid {
                    decorators: Vec::new(),
                    span: self.span_since(from),
                })),
            }
            if self.errors.len() > errors_before {
                self.recover_to_statement(from);
            }
        }
    }

    fn keywords(&self) -> &'static [&'static str] {
        if self.is_params {
            PARAMS_KEYWORDS
        } else {
            BICEP_KEYWORDS
        }
    }

    /// Whether `token` could start a declaration: a decorator or a declaration keyword.
    fn starts_statement(&self, token: Token) -> bool {
        token.kind == T::At
            || (token.kind == T::Identifier && self.keywords().contains(&self.text_of(token)))
    }

    fn at_line_start(&self, token: Token) -> bool {
        let start = token.start as usize;
        start == 0 || matches!(self.text.as_bytes().get(start - 1), Some(b'\n' | b'\r'))
    }

    /// After a statement with errors: skips to the next line that starts a declaration
    /// outside the brackets the statement opened (or at the very start of a line).
    fn recover_to_statement(&mut self, from: usize) {
        let mut depth: i64 = 0;
        for token in &self.tokens[from..self.pos] {
            depth += bracket_delta(token.kind);
        }
        loop {
            let token = self.peek();
            if token.kind == T::EndOfFile
                || (self.at_line_start(token) && self.starts_statement(token))
            {
                return;
            }
            if token.kind == T::NewLine {
                let next = self.peek_past_newlines();
                let line_start = self.at_line_start(next);
                if next.kind == T::EndOfFile
                    || (self.starts_statement(next) && (depth <= 0 || line_start))
                    || (depth <= 0 && line_start)
                {
                    return;
                }
            }
            let token = self.bump();
            depth += bracket_delta(token.kind);
        }
    }

    /// One declaration with its decorators. `nested` allows only `resource` (inside a
    /// resource body).
    fn declaration(&mut self, nested: bool) -> PResult<Statement> {
        let from = self.pos;
        let start = self.here();
        let decorators = self.decorators();
        let token = self.peek();
        let keyword = if token.kind == T::Identifier {
            self.text_of(token)
        } else {
            ""
        };
        let statement = match keyword {
            "resource" if nested => {
                Statement::Resource(Box::new(self.resource(decorators, start)?))
            }
            _ if nested => {
                return if decorators.is_empty() {
                    self.fail_expected("a nested `resource` declaration")
                } else {
                    self.fail_expected("a `resource` declaration after the decorators")
                };
            }
            "param" if self.is_params => self.param_assignment(decorators, start)?,
            "using" if self.is_params => self.using(decorators, start)?,
            "extends" if self.is_params => self.extends(decorators, start)?,
            "extensionConfig" if self.is_params => self.extension_config(decorators, start)?,
            "var" => self.var(decorators, start)?,
            "type" => self.type_decl(decorators, start)?,
            "import" => self.import(decorators, start)?,
            "extension" => {
                self.bump();
                Statement::Extension(self.extension(decorators, start)?)
            }
            _ if self.is_params => {
                return self.unrecognized_declaration(decorators, from, start);
            }
            "targetScope" => self.target_scope(decorators, start)?,
            "metadata" => self.metadata(decorators, start)?,
            "param" => self.param(decorators, start)?,
            "func" => self.function(decorators, start)?,
            "resource" => Statement::Resource(Box::new(self.resource(decorators, start)?)),
            "output" => self.output(decorators, start)?,
            "module" => self.module(decorators, start)?,
            "test" => self.test(decorators, start)?,
            "assert" => self.assert(decorators, start)?,
            _ => return self.unrecognized_declaration(decorators, from, start),
        };
        Ok(statement)
    }

    fn unrecognized_declaration(
        &mut self,
        decorators: Vec<Decorator>,
        from: usize,
        start: u32,
    ) -> PResult<Statement> {
        let expected = if self.is_params {
            "a declaration (`using`, `extends`, `param`, `var`, `type`, `import`, `extension` or `extensionConfig`)"
        } else {
            "a declaration (`param`, `var`, `resource`, `module`, `output`, `type`, `func`, `import`, `metadata`, `targetScope`, `extension` or `assert`)"
        };
        if decorators.is_empty() {
            return self.fail_expected(expected);
        }
        let found = self.peek().kind.describe();
        self.error_here(format!(
            "expected {expected} after the decorators, found {found}"
        ));
        let end = self.span_since(from).end;
        Ok(Statement::Invalid(Invalid {
            decorators,
            span: span(start, end),
        }))
    }

    /// Decorator lines, each followed by a line break.
    fn decorators(&mut self) -> Vec<Decorator> {
        let mut decorators = Vec::new();
        while self.check(T::At) {
            decorators.push(self.decorator());
            if self.check(T::NewLine) {
                self.bump();
            } else {
                self.fail::<()>("expected a new line after the decorator")
                    .ok();
                self.synchronize(&[T::NewLine]);
                self.bump();
            }
            self.skip_newlines();
        }
        decorators
    }

    fn decorator(&mut self) -> Decorator {
        let at = self.bump();
        let expr = self.recover(&[T::NewLine], |p| p.decorator_expression());
        Decorator {
            span: span(at.start, expr.span.end.max(at.end)),
            expr,
        }
    }

    fn decorator_expression(&mut self) -> PResult<Expr> {
        let name = self.ident("expected a decorator name after `@`")?;
        let mut current = if self.check(T::LeftParen) {
            let args = self.call_arguments(Flags::COMPLEX)?;
            Expr {
                span: span(name.span.start, self.last_end),
                kind: ExprKind::Call(Box::new(Call {
                    base: None,
                    name,
                    args,
                })),
            }
        } else {
            Expr {
                span: name.span,
                kind: ExprKind::Variable(name),
            }
        };
        while self.check(T::Dot) {
            self.bump();
            let name = self.ident_or_missing("expected a decorator name after `.`");
            let start = current.span.start;
            current = if self.check(T::LeftParen) {
                let args = self.call_arguments(Flags::COMPLEX)?;
                Expr {
                    span: span(start, self.last_end),
                    kind: ExprKind::Call(Box::new(Call {
                        base: Some(current),
                        name,
                        args,
                    })),
                }
            } else {
                Expr {
                    span: span(start, self.last_end),
                    kind: ExprKind::Property(Box::new(PropertyAccess {
                        base: current,
                        name,
                        safe: false,
                    })),
                }
            };
        }
        Ok(current)
    }

    /// `= value` to the end of the line.
    fn assignment_value(&mut self, after: &str) -> PResult<Expr> {
        self.expect(T::Assignment, &format!("expected `=` after {after}"))?;
        Ok(self.recover(&[T::NewLine], |p| p.expression(Flags::COMPLEX)))
    }

    fn target_scope(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let value = self.assignment_value("`targetScope`")?;
        Ok(Statement::TargetScope(TargetScope {
            decorators,
            span: span(start, self.last_end),
            value,
        }))
    }

    fn metadata(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("expected a metadata name after `metadata`")?;
        let value = self.assignment_value("the metadata name")?;
        Ok(Statement::Metadata(Metadata {
            decorators,
            name,
            value,
            span: span(start, self.last_end),
        }))
    }

    fn param(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("expected a parameter name after `param`")?;
        let ty = self.declared_type(false)?;
        let default = match self.peek().kind {
            T::NewLine | T::EndOfFile => None,
            T::Assignment => {
                self.bump();
                Some(self.recover(&[T::NewLine], |p| p.expression(Flags::COMPLEX)))
            }
            _ => return self.fail_expected("`=` or a new line after the parameter type"),
        };
        Ok(Statement::Param(Param {
            decorators,
            name,
            ty,
            default,
            span: span(start, self.last_end),
        }))
    }

    fn param_assignment(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("expected a parameter name after `param`")?;
        let value = self.assignment_value("the parameter name")?;
        Ok(Statement::ParamAssignment(ParamAssignment {
            decorators,
            name,
            value,
            span: span(start, self.last_end),
        }))
    }

    fn var(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("expected a variable name after `var`")?;
        let ty = match self.peek().kind {
            T::NewLine | T::EndOfFile | T::Assignment => None,
            _ => Some(self.declared_type(false)?),
        };
        let value = self.assignment_value("the variable name")?;
        Ok(Statement::Var(Var {
            decorators,
            name,
            ty,
            value,
            span: span(start, self.last_end),
        }))
    }

    fn type_decl(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("expected a type name after `type`")?;
        self.expect(T::Assignment, "expected `=` after the type name")?;
        let value = self.recover_type(&[T::NewLine], |p| p.declared_type(false));
        Ok(Statement::Type(TypeDecl {
            decorators,
            name,
            value,
            span: span(start, self.last_end),
        }))
    }

    fn function(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("expected a function name after `func`")?;
        let lambda = self.typed_lambda()?;
        Ok(Statement::Function(Function {
            decorators,
            name,
            lambda,
            span: span(start, self.last_end),
        }))
    }

    /// `=` and the body of a resource or module, allowing a line break before `if`.
    fn declaration_body(&mut self, flags: Flags) -> PResult<Expr> {
        self.expect(T::Assignment, "expected `=` before the body")?;
        if self.is_keyword(self.peek_past_newlines(), "if") {
            self.skip_newlines();
        }
        let token = self.peek();
        let body = match token.kind {
            T::Identifier if self.text_of(token) == "if" => {
                self.recover(&[T::NewLine], |p| p.if_condition(flags, false))
            }
            T::LeftBrace => self.recover(&[T::NewLine], |p| p.object(flags)),
            T::LeftSquare => self.recover(&[T::NewLine], |p| p.for_expression(flags, true)),
            _ => return self.fail_expected("`{`, `if` or `[for` after `=`"),
        };
        Ok(body)
    }

    fn resource(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Resource> {
        self.bump();
        let name = self.ident("expected a resource name after `resource`")?;
        let type_string = self.string("a resource type string after the resource name")?;
        let existing = if self.check_keyword("existing") {
            self.bump();
            true
        } else {
            false
        };
        let value = self.declaration_body(Flags::COMPLEX.with(Flags::RESOURCES))?;
        Ok(Resource {
            decorators,
            name,
            type_string,
            existing,
            value,
            span: span(start, self.last_end),
        })
    }

    fn module(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("expected a module name after `module`")?;
        let path = self.string("a module path string after the module name")?;
        let value = self.declaration_body(Flags::COMPLEX)?;
        Ok(Statement::Module(Module {
            decorators,
            name,
            path,
            value,
            span: span(start, self.last_end),
        }))
    }

    fn test(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("expected a test name after `test`")?;
        let path = self.string("a test path string after the test name")?;
        self.expect(T::Assignment, "expected `=` after the test path")?;
        if !self.check(T::LeftBrace) {
            return self.fail_expected("`{` after `=`");
        }
        let value = self.recover(&[T::NewLine], |p| p.object(Flags::COMPLEX));
        Ok(Statement::Test(Test {
            decorators,
            name,
            path,
            value,
            span: span(start, self.last_end),
        }))
    }

    fn output(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("expected an output name after `output`")?;
        let ty = self.declared_type(true)?;
        let value = self.assignment_value("the output type")?;
        Ok(Statement::Output(Output {
            decorators,
            name,
            ty,
            value,
            span: span(start, self.last_end),
        }))
    }

    fn assert(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("expected an assertion name after `assert`")?;
        let value = self.assignment_value("the assertion name")?;
        Ok(Statement::Assert(Assert {
            decorators,
            name,
            value,
            span: span(start, self.last_end),
        }))
    }

    fn import(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        // `import 'az@1.0.0'` is the old spelling of an extension declaration.
        if !self.is_params && is_string_start(self.peek().kind) {
            return Ok(Statement::Extension(self.extension(decorators, start)?));
        }
        let what = match self.peek().kind {
            T::LeftBrace => {
                self.bump();
                let symbols = self.list_items(T::RightBrace, "imported symbols", |p| {
                    p.imported_symbol().ok()
                });
                self.expect(T::RightBrace, "expected `}` after the imported symbols")?;
                ImportWhat::Symbols(symbols)
            }
            T::Asterisk => {
                let star = self.bump();
                self.expect_keyword("as", "expected `as` after `*`")?;
                let alias = self.ident("expected a namespace name after `as`")?;
                ImportWhat::Wildcard {
                    span: span(star.start, alias.span.end),
                    alias,
                }
            }
            _ => return self.fail_expected("`{` or `*` after `import`"),
        };
        self.expect_keyword("from", "expected `from` after the imported symbols")?;
        let from = self.string("a path string after `from`")?;
        Ok(Statement::Import(Import {
            decorators,
            what,
            from,
            span: span(start, self.last_end),
        }))
    }

    fn imported_symbol(&mut self) -> PResult<ImportedSymbol> {
        let start = self.here();
        let name = match self.peek().kind {
            T::Identifier => SymbolName::Ident(self.ident("expected a symbol name")?),
            T::StringComplete => SymbolName::String(self.string("a symbol name")?),
            T::StringLeftPiece => {
                let string = self.string("a symbol name")?;
                self.error(
                    string.span,
                    "expected a string without `${}` holes: imported names are compile-time constants",
                );
                SymbolName::String(string)
            }
            _ => return self.fail_expected("the name of an exported symbol"),
        };
        let alias = if self.check_keyword("as") {
            self.bump();
            Some(self.ident("expected an alias name after `as`")?)
        } else {
            None
        };
        if let (SymbolName::String(string), None) = (&name, &alias) {
            self.error(
                string.span,
                "expected `as` and an alias after a quoted symbol name",
            );
        }
        Ok(ImportedSymbol {
            name,
            alias,
            span: span(start, self.last_end),
        })
    }

    /// After `extension` (or the old `import 'spec'`): the specification, `with {…}`, `as x`.
    fn extension(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Extension> {
        let spec = if self.check(T::Identifier) {
            ExtensionSpec::Name(self.ident("expected an extension name")?)
        } else {
            ExtensionSpec::String(self.string("an extension name or specification string")?)
        };
        let mut config = None;
        let mut alias = None;
        let ends = |p: &Self| matches!(p.peek().kind, T::NewLine | T::EndOfFile);
        if !ends(self) && !self.check_keyword("as") {
            self.expect_keyword("with", "expected `with`, `as` or a new line")?;
            config = Some(self.recover(&[T::NewLine], |p| p.object(Flags::COMPLEX)));
        }
        if !ends(self) {
            self.expect_keyword("as", "expected `as` or a new line")?;
            alias = Some(self.ident("expected an alias name after `as`")?);
        }
        Ok(Extension {
            decorators,
            spec,
            config,
            alias,
            span: span(start, self.last_end),
        })
    }

    fn extension_config(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let alias = self.ident("expected an extension alias after `extensionConfig`")?;
        self.expect_keyword("with", "expected `with` after the extension alias")?;
        let config = self.recover(&[T::NewLine], |p| p.object(Flags::COMPLEX));
        Ok(Statement::ExtensionConfig(ExtensionConfig {
            decorators,
            alias,
            config,
            span: span(start, self.last_end),
        }))
    }

    fn using(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let path = match self.peek().kind {
            T::Identifier => {
                self.expect_keyword("none", "expected a path string or `none` after `using`")?;
                None
            }
            T::StringComplete => Some(self.string("a path string after `using`")?),
            _ => return self.fail_expected("a path string or `none` after `using`"),
        };
        let config = match self.peek().kind {
            T::NewLine | T::EndOfFile => None,
            _ => {
                self.expect_keyword("with", "expected `with` or a new line")?;
                Some(self.recover(&[T::NewLine], |p| p.object(Flags::COMPLEX)))
            }
        };
        Ok(Statement::Using(Using {
            decorators,
            path,
            config,
            span: span(start, self.last_end),
        }))
    }

    fn extends(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let path = self.string("a path string after `extends`")?;
        Ok(Statement::Extends(Extends {
            decorators,
            path,
            span: span(start, self.last_end),
        }))
    }

    // ----- lists --------------------------------------------------------------------------

    /// The items of an object, array, object type, tuple type or import list, after the
    /// opening bracket: separated by commas on one line or by line breaks (a comma followed by
    /// a line break is an error). Items that fail are dropped (their error is recorded) and
    /// parsing resumes at the next line or the closing bracket.
    fn list_items<I>(
        &mut self,
        close: TokenKind,
        what: &str,
        mut item: impl FnMut(&mut Self) -> Option<I>,
    ) -> Vec<I> {
        let mut items = Vec::new();
        if self.check(close) {
            return items;
        }
        self.skip_newlines();
        let mut expect_item = true;
        while !self.at_end() && !self.check(close) && !self.at_unclosed_declaration(what) {
            if !expect_item {
                if self.check(T::NewLine) {
                    self.skip_newlines();
                } else if self.check(T::Comma) {
                    self.bump();
                    if self.check(T::NewLine) {
                        self.error_here(format!(
                            "unexpected new line after `,`: separate {what} with commas on one line or with new lines, not both"
                        ));
                        self.bump();
                    }
                } else {
                    self.error_here(format!("expected `,` or a new line between {what}"));
                }
                expect_item = true;
                continue;
            }
            let from = self.pos;
            match item(self) {
                Some(it) => items.push(it),
                None => {
                    self.synchronize(&[T::NewLine, close]);
                    // Make progress even when the failed item consumed nothing.
                    if self.pos == from && !self.check(T::NewLine) && !self.check(close) {
                        self.bump();
                    }
                }
            }
            expect_item = false;
        }
        items
    }

    /// Whether the next token starts a line with `keyword name` (`var x`, `resource r`): no
    /// list item starts that way, so the list was left unclosed and a new declaration begins.
    /// (A nested `resource` in a resource body is the exception; `what` tells the lists apart.)
    fn at_unclosed_declaration(&self, what: &str) -> bool {
        let token = self.peek();
        token.kind == T::Identifier
            && self.peek_at(1).kind == T::Identifier
            && self.at_line_start(token)
            && self.keywords().contains(&self.text_of(token))
            && !(what == NESTED_RESOURCE_LIST && self.text_of(token) == "resource")
    }

    /// Call arguments (or type arguments), from the opening bracket to the closing one: line
    /// breaks after the opening bracket, after commas and before the closing bracket only.
    fn function_items<I>(
        &mut self,
        close: TokenKind,
        mut item: impl FnMut(&mut Self) -> I,
    ) -> Vec<I> {
        self.bump(); // the opening bracket
        let mut items = Vec::new();
        let close_text = close.describe();
        if self.check(close) {
            self.bump();
            return items;
        }
        self.skip_newlines();
        let mut expect_item = true;
        while !self.at_end() && !self.check(close) && !self.at_unclosed_declaration("arguments") {
            if !expect_item {
                if self.check(T::NewLine) {
                    // A line break may only separate the last argument from the closing
                    // bracket (possibly with comment lines in between).
                    let mut ahead = 1;
                    while self.peek_at(ahead).kind == T::NewLine
                        && self.peek_at(ahead).comment_before
                    {
                        ahead += 1;
                    }
                    let next = self.peek_at(ahead);
                    if next.kind == T::EndOfFile {
                        break;
                    }
                    if next.kind != close {
                        self.error_here("expected `,` between arguments: arguments on separate lines still need commas");
                    }
                    self.skip_newlines();
                } else if self.check(T::Comma) {
                    self.bump();
                    self.skip_newlines();
                    if self.check(close) {
                        // A trailing comma: the missing argument reports the error.
                        items.push(item(self));
                    }
                } else {
                    self.error_here("expected `,` or a new line between arguments");
                }
                expect_item = true;
                continue;
            }
            items.push(item(self));
            expect_item = false;
        }
        if self.check(close) {
            self.bump();
        } else {
            let found = self.peek().kind.describe();
            self.error_here(format!(
                "expected {close_text} to close the argument list, found {found}"
            ));
        }
        items
    }

    fn call_arguments(&mut self, flags: Flags) -> PResult<Vec<Expr>> {
        Ok(self.function_items(T::RightParen, |p| {
            p.recover(&[T::NewLine, T::Comma, T::RightParen], |p| {
                p.expression(flags)
            })
        }))
    }

    /// `( item, item, … )` where line breaks are allowed anywhere when `newlines`; returns
    /// the items and whether a comma followed the last one.
    fn paren_list<I>(
        &mut self,
        newlines: bool,
        mut item: impl FnMut(&mut Self) -> I,
    ) -> PResult<(Vec<I>, bool)> {
        self.expect(T::LeftParen, "expected `(`")?;
        let mut items = Vec::new();
        let mut trailing_comma = false;
        let skip = |p: &mut Self| {
            if newlines {
                p.skip_newlines();
            }
        };
        skip(self);
        while !self.check(T::RightParen) {
            items.push(item(self));
            skip(self);
            if self.check(T::Comma) {
                self.bump();
                trailing_comma = true;
                skip(self);
            } else {
                trailing_comma = false;
                break;
            }
        }
        if self.check(T::RightParen) {
            self.bump();
        } else {
            self.fail_expected::<()>("`)`").ok();
            self.synchronize(&[
                T::StringRightPiece,
                T::RightBrace,
                T::RightSquare,
                T::NewLine,
            ]);
        }
        Ok((items, trailing_comma))
    }

    // ----- expressions --------------------------------------------------------------------

    fn expression(&mut self, flags: Flags) -> PResult<Expr> {
        self.enter()?;
        let result = self.ternary(flags);
        self.leave();
        result
    }

    fn ternary(&mut self, flags: Flags) -> PResult<Expr> {
        let condition = self.binary(flags, 0)?;
        if self.peek_past_newlines().kind == T::Question {
            self.skip_newlines();
        }
        if !self.check(T::Question) {
            return Ok(condition);
        }
        self.bump();
        let then = self.recover(
            &[
                T::Colon,
                T::StringRightPiece,
                T::RightBrace,
                T::RightParen,
                T::RightSquare,
                T::NewLine,
            ],
            |p| p.expression(flags),
        );
        if then.kind != ExprKind::Error && self.peek_past_newlines().kind == T::Colon {
            self.skip_newlines();
        }
        let otherwise = if self.check(T::Colon) {
            self.bump();
            self.recover(OPERAND_END, |p| p.expression(flags))
        } else {
            if then.kind != ExprKind::Error {
                self.fail_expected::<()>("`:` after the `?` branch").ok();
            }
            self.synchronize(OPERAND_END);
            Expr::error(Span::at(self.here() as usize))
        };
        Ok(Expr {
            span: span(condition.span.start, self.last_end),
            kind: ExprKind::Ternary(Box::new(Ternary {
                condition,
                then,
                otherwise,
            })),
        })
    }

    fn binary(&mut self, flags: Flags, min_precedence: u8) -> PResult<Expr> {
        let mut left = self.unary(flags)?;
        while let Some((precedence, op)) = binary_op(self.peek().kind) {
            if precedence <= min_precedence {
                break;
            }
            self.bump();
            let right = self.recover(OPERAND_END, |p| p.binary(flags, precedence));
            left = Expr {
                span: span(left.span.start, self.last_end),
                kind: ExprKind::Binary(Box::new(Binary { op, left, right })),
            };
        }
        Ok(left)
    }

    fn unary(&mut self, flags: Flags) -> PResult<Expr> {
        let op = match self.peek().kind {
            T::Exclamation => UnaryOp::Not,
            T::Minus => UnaryOp::Minus,
            _ => return self.postfix(flags),
        };
        let token = self.bump();
        let operand = self.recover(OPERAND_END, |p| p.postfix(flags));
        Ok(Expr {
            span: span(token.start, self.last_end),
            kind: ExprKind::Unary(Box::new(Unary { op, operand })),
        })
    }

    fn postfix(&mut self, flags: Flags) -> PResult<Expr> {
        let mut current = self.primary(flags)?;
        loop {
            let start = current.span.start;
            match self.peek().kind {
                T::LeftSquare => {
                    self.bump();
                    let safe = self.check(T::Question) && {
                        self.bump();
                        true
                    };
                    let from_end = self.check(T::Hat) && {
                        self.bump();
                        true
                    };
                    let index = if self.check(T::RightSquare) {
                        self.error_here("expected an index expression inside `[]`");
                        Expr::error(Span::at(self.here() as usize))
                    } else {
                        self.expression(flags)?
                    };
                    self.expect(T::RightSquare, "expected `]` after the index")?;
                    current = Expr {
                        span: span(start, self.last_end),
                        kind: ExprKind::Index(Box::new(IndexAccess {
                            base: current,
                            index,
                            safe,
                            from_end,
                        })),
                    };
                }
                T::Dot => {
                    self.bump();
                    let safe_token = self.check(T::Question).then(|| self.bump());
                    let name =
                        self.ident_or_missing("expected a property or function name after `.`");
                    if self.check(T::LeftParen) {
                        if let Some(token) = safe_token {
                            self.error(
                                span(token.start, name.span.end),
                                "`.?` cannot be used to call a function: use `.`",
                            );
                        }
                        let args = self.call_arguments(flags)?;
                        current = Expr {
                            span: span(start, self.last_end),
                            kind: ExprKind::Call(Box::new(Call {
                                base: Some(current),
                                name,
                                args,
                            })),
                        };
                    } else {
                        current = Expr {
                            span: span(start, self.last_end),
                            kind: ExprKind::Property(Box::new(PropertyAccess {
                                base: current,
                                name,
                                safe: safe_token.is_some(),
                            })),
                        };
                    }
                }
                T::DoubleColon => {
                    self.bump();
                    let name = self.ident_or_missing("expected a nested resource name after `::`");
                    current = Expr {
                        span: span(start, self.last_end),
                        kind: ExprKind::ResourceAccess(Box::new(ResourceAccess {
                            base: current,
                            name,
                        })),
                    };
                }
                T::Exclamation => {
                    self.bump();
                    current = Expr {
                        span: span(start, self.last_end),
                        kind: ExprKind::NonNull(Box::new(current)),
                    };
                }
                _ => return Ok(current),
            }
        }
    }

    fn primary(&mut self, flags: Flags) -> PResult<Expr> {
        let token = self.peek();
        let literal = |kind| Expr {
            kind,
            span: token.span(),
        };
        match token.kind {
            T::Integer => {
                self.bump();
                match self.text_of(token).parse::<u64>() {
                    Ok(value) => Ok(literal(ExprKind::Int(value))),
                    Err(_) => {
                        self.error(token.span(), "integer is too large (the largest is 18446744073709551615)");
                        Err(Fail)
                    }
                }
            }
            T::Null => {
                self.bump();
                Ok(literal(ExprKind::Null))
            }
            T::True | T::False => {
                self.bump();
                Ok(literal(ExprKind::Bool(token.kind == T::True)))
            }
            T::StringComplete | T::StringLeftPiece => {
                let string = self.string("a string")?;
                Ok(Expr {
                    span: string.span,
                    kind: ExprKind::String(string),
                })
            }
            T::LeftBrace | T::LeftSquare if !flags.has(Flags::COMPLEX) => {
                self.fail("object and array literals are not allowed here (inside `${}` or a loop variable list)")
            }
            T::LeftBrace => self.object(flags),
            T::LeftSquare => {
                // `[` line breaks `for` is a loop; anything else an array.
                let mut ahead = 1;
                while self.peek_at(ahead).kind == T::NewLine {
                    ahead += 1;
                }
                if self.is_keyword(self.peek_at(ahead), "for") {
                    self.for_expression(flags, false)
                } else {
                    self.array()
                }
            }
            T::LeftParen => self.paren_or_lambda(flags),
            T::Identifier => self.call_or_variable(flags),
            _ => self.fail_expected("an expression"),
        }
    }

    fn call_or_variable(&mut self, flags: Flags) -> PResult<Expr> {
        let token = self.bump();
        let name = self.ident_of(token);
        if self.check(T::LeftParen) {
            let args = self.call_arguments(flags)?;
            return Ok(Expr {
                span: span(token.start, self.last_end),
                kind: ExprKind::Call(Box::new(Call {
                    base: None,
                    name,
                    args,
                })),
            });
        }
        if self.check(T::Arrow) {
            let params = vec![LambdaParam { name, ty: None }];
            return self.lambda_body(token.start, params, None);
        }
        Ok(Expr {
            span: name.span,
            kind: ExprKind::Variable(name),
        })
    }

    /// From `=>` on: the body may start on the next line unless that line is a declaration.
    fn lambda_body(
        &mut self,
        start: u32,
        params: Vec<LambdaParam>,
        return_type: Option<TypeExpr>,
    ) -> PResult<Expr> {
        let lambda = self.lambda_rest(start, params, return_type)?;
        Ok(Expr {
            span: lambda.span,
            kind: ExprKind::Lambda(Box::new(lambda)),
        })
    }

    fn lambda_rest(
        &mut self,
        start: u32,
        params: Vec<LambdaParam>,
        return_type: Option<TypeExpr>,
    ) -> PResult<Lambda> {
        self.expect(T::Arrow, "expected `=>` after the lambda parameters")?;
        let next = self.peek_past_newlines();
        if !(next.kind == T::Identifier && DECLARATION_KEYWORDS.contains(&self.text_of(next))) {
            self.skip_newlines();
        }
        let body = self.recover(&[T::NewLine, T::RightParen], |p| {
            p.expression(Flags::COMPLEX)
        });
        Ok(Lambda {
            params,
            return_type,
            body,
            span: span(start, self.last_end),
        })
    }

    fn paren_or_lambda(&mut self, flags: Flags) -> PResult<Expr> {
        let start = self.here();
        let (items, trailing_comma) = self.paren_list(true, |p| {
            p.recover(
                &[
                    T::StringRightPiece,
                    T::RightBrace,
                    T::RightParen,
                    T::RightSquare,
                    T::NewLine,
                    T::Comma,
                ],
                |p| p.expression(flags),
            )
        })?;
        if self.check(T::Arrow) {
            let mut params = Vec::with_capacity(items.len());
            for item in items {
                match item.kind {
                    ExprKind::Variable(name) => params.push(LambdaParam { name, ty: None }),
                    ExprKind::Error => {}
                    _ => self.error(item.span, "expected a lambda parameter name"),
                }
            }
            return self.lambda_body(start, params, None);
        }
        let end = self.last_end;
        let inner = if items.len() == 1 && !trailing_comma {
            items.into_iter().next()
        } else {
            None
        };
        let inner = match inner {
            Some(inner) => inner,
            None => {
                let at = span(start, end);
                self.error(at, "expected exactly one expression inside the parentheses");
                Expr::error(at)
            }
        };
        Ok(Expr {
            span: span(start, end),
            kind: ExprKind::Paren(Box::new(inner)),
        })
    }

    /// `(a string, b int) string => body` in a `func` declaration.
    fn typed_lambda(&mut self) -> PResult<Lambda> {
        let start = self.here();
        let (params, _) = self.paren_list(true, |p| {
            let name = p.ident_or_missing("expected a parameter name");
            let ty = p.recover_type(&[T::NewLine, T::Comma, T::RightParen], |p| {
                p.declared_type(false)
            });
            LambdaParam { name, ty: Some(ty) }
        })?;
        let return_type = self.recover_type(&[T::NewLine, T::RightParen, T::Arrow], |p| {
            p.declared_type(false)
        });
        self.lambda_rest(start, params, Some(return_type))
    }

    fn object(&mut self, flags: Flags) -> PResult<Expr> {
        self.enter()?;
        let result = self.object_inner(flags);
        self.leave();
        result
    }

    fn object_inner(&mut self, flags: Flags) -> PResult<Expr> {
        let open = self.expect(T::LeftBrace, "expected `{`")?;
        let what = if flags.has(Flags::RESOURCES) {
            NESTED_RESOURCE_LIST
        } else {
            "properties"
        };
        let items = self.list_items(T::RightBrace, what, |p| p.object_item(flags));
        self.expect(T::RightBrace, "expected `}` to close the object")?;
        Ok(Expr {
            span: span(open.start, self.last_end),
            kind: ExprKind::Object(items),
        })
    }

    fn object_item(&mut self, flags: Flags) -> Option<ObjectItem> {
        let token = self.peek();
        if flags.has(Flags::RESOURCES)
            && (token.kind == T::At
                || (self.is_keyword(token, "resource") && self.peek_at(1).kind == T::Identifier))
        {
            return match self.declaration(true) {
                Ok(Statement::Resource(resource)) => Some(ObjectItem::Resource(resource)),
                _ => None,
            };
        }
        if token.kind == T::Ellipsis {
            self.bump();
            let value = self.recover(&[T::Comma, T::NewLine, T::RightBrace], |p| {
                p.expression(Flags::COMPLEX)
            });
            return Some(ObjectItem::Spread(value, span(token.start, self.last_end)));
        }
        let key = match token.kind {
            T::Identifier => {
                self.bump();
                PropertyKey::Ident(self.ident_of(token))
            }
            T::StringComplete | T::StringLeftPiece => {
                PropertyKey::String(self.string("a property name").ok()?)
            }
            _ => {
                self.fail_expected::<()>("a property name").ok();
                return None;
            }
        };
        self.expect(T::Colon, "expected `:` after the property name")
            .ok()?;
        let value = self.recover(&[T::NewLine, T::RightBrace], |p| {
            p.expression(Flags::COMPLEX)
        });
        Some(ObjectItem::Property(Property {
            span: span(token.start, self.last_end),
            key,
            value,
        }))
    }

    fn array(&mut self) -> PResult<Expr> {
        self.enter()?;
        let result = self.array_inner();
        self.leave();
        result
    }

    fn array_inner(&mut self) -> PResult<Expr> {
        let open = self.expect(T::LeftSquare, "expected `[`")?;
        let items = self.list_items(T::RightSquare, "array items", |p| {
            let token = p.peek();
            if token.kind == T::Ellipsis {
                p.bump();
                let value = p.recover(&[T::Comma, T::NewLine, T::RightSquare], |p| {
                    p.expression(Flags::COMPLEX)
                });
                return Some(ArrayItem::Spread(value, span(token.start, p.last_end)));
            }
            Some(ArrayItem::Value(
                p.recover(&[T::NewLine, T::RightSquare], |p| {
                    p.expression(Flags::COMPLEX)
                }),
            ))
        });
        self.expect(T::RightSquare, "expected `]` to close the array")?;
        Ok(Expr {
            span: span(open.start, self.last_end),
            kind: ExprKind::Array(items),
        })
    }

    /// `[for x in xs: body]`; in a resource or module, the body is an object or `if`.
    fn for_expression(&mut self, flags: Flags, in_declaration: bool) -> PResult<Expr> {
        self.enter()?;
        let result = self.for_inner(flags, in_declaration);
        self.leave();
        result
    }

    fn for_inner(&mut self, flags: Flags, in_declaration: bool) -> PResult<Expr> {
        let open = self.expect(T::LeftSquare, "expected `[`")?;
        self.skip_newlines();
        self.expect_keyword("for", "expected `for` after `[`")?;
        let (item, index) = match self.peek().kind {
            T::Identifier => (self.ident("expected a loop variable")?, None),
            T::LeftParen => {
                let from = self.here();
                let (names, _) = self.paren_list(false, |p| {
                    p.recover(
                        &[
                            T::StringRightPiece,
                            T::RightBrace,
                            T::RightParen,
                            T::RightSquare,
                            T::NewLine,
                            T::Comma,
                        ],
                        |p| p.expression(Flags::NONE),
                    )
                })?;
                let at = span(from, self.last_end);
                let mut idents = Vec::with_capacity(2);
                for name in names {
                    match name.kind {
                        ExprKind::Variable(ident) => idents.push(ident),
                        ExprKind::Error => return Err(Fail),
                        _ => {
                            self.error(name.span, "expected a loop variable name");
                            return Err(Fail);
                        }
                    }
                }
                if idents.len() != 2 {
                    self.error(
                        at,
                        format!(
                            "expected `(item, index)`: a loop variable block has exactly 2 names, found {}",
                            idents.len()
                        ),
                    );
                    return Err(Fail);
                }
                let index = idents.pop();
                (idents.pop().unwrap_or_else(|| Ident::missing(from)), index)
            }
            _ => return self.fail_expected("a loop variable or `(item, index)` after `for`"),
        };
        self.expect_keyword("in", "expected `in` after the loop variable")?;
        let iterable = self.recover(&[T::Colon, T::RightSquare, T::NewLine], |p| {
            p.expression(Flags::COMPLEX)
        });
        self.expect(T::Colon, "expected `:` after the loop's array")?;
        let body = self.recover(&[T::RightSquare, T::NewLine], |p| {
            if !in_declaration {
                return p.expression(flags.with(Flags::COMPLEX));
            }
            let token = p.peek();
            match token.kind {
                T::LeftBrace => p.object(flags),
                T::Identifier if p.text_of(token) == "if" => p.if_condition(flags, true),
                _ => p.fail_expected("`{` or `if` after `:`"),
            }
        });
        if body.kind != ExprKind::Error {
            self.skip_newlines();
        }
        self.expect(T::RightSquare, "expected `]` to close the loop")?;
        Ok(Expr {
            span: span(open.start, self.last_end),
            kind: ExprKind::For(Box::new(ForExpr {
                item,
                index,
                iterable,
                body,
            })),
        })
    }

    /// `if (condition) {…}` as a resource or module body.
    fn if_condition(&mut self, flags: Flags, in_loop: bool) -> PResult<Expr> {
        let keyword = self.bump();
        let condition_flags = flags.without(Flags::RESOURCES);
        let stop: &[TokenKind] = if in_loop {
            &[T::RightSquare, T::LeftBrace, T::NewLine]
        } else {
            &[T::LeftBrace, T::NewLine]
        };
        let condition = self.recover(stop, |p| {
            if !p.check(T::LeftParen) {
                return p.fail_expected("`(` after `if`");
            }
            let start = p.here();
            let (items, trailing_comma) = p.paren_list(true, |p| {
                p.recover(
                    &[
                        T::StringRightPiece,
                        T::RightBrace,
                        T::RightParen,
                        T::RightSquare,
                        T::NewLine,
                        T::Comma,
                    ],
                    |p| p.expression(condition_flags),
                )
            })?;
            match (items.len(), trailing_comma) {
                (1, false) => Ok(items
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| Expr::error(span(start, start)))),
                _ => {
                    let at = span(start, p.last_end);
                    p.error(at, "expected exactly one condition inside the parentheses");
                    Ok(Expr::error(at))
                }
            }
        });
        let body = if self.check(T::LeftBrace) {
            self.object(flags)?
        } else {
            if condition.kind != ExprKind::Error {
                self.fail_expected::<()>("`{` after the condition").ok();
            }
            return Err(Fail);
        };
        Ok(Expr {
            span: span(keyword.start, self.last_end),
            kind: ExprKind::If(Box::new(IfExpr { condition, body })),
        })
    }

    // ----- strings ------------------------------------------------------------------------

    /// A string literal with its holes. `what` names it in the error when there is none.
    fn string(&mut self, what: &str) -> PResult<StringLit> {
        let first = self.peek();
        if !is_string_start(first.kind) {
            return self.fail_expected(what);
        }
        self.enter()?;
        let result = self.string_inner(first);
        self.leave();
        result
    }

    fn string_inner(&mut self, first: Token) -> PResult<StringLit> {
        let first_text = self.text_of(first);
        let dollars = first_text.bytes().take_while(|&b| b == b'$').count();
        let multi_line =
            first_text.len() > 2 && (dollars > 0 || first_text.as_bytes().get(1) == Some(&b'\''));
        let mut segments = Vec::new();
        self.bump();
        self.push_text(&mut segments, first, multi_line, dollars);
        if first.kind == T::StringComplete {
            return Ok(StringLit {
                segments,
                multi_line,
                span: first.span(),
            });
        }
        loop {
            let hole_stop = [T::StringMiddlePiece, T::StringRightPiece, T::NewLine];
            let mut hole = self.recover(&hole_stop, |p| p.expression(Flags::NONE));
            if !hole_stop.contains(&self.peek().kind) {
                let from = self.here();
                let found = self.peek().kind.describe();
                self.synchronize(&hole_stop);
                self.error(
                    span(from, self.last_end),
                    format!("expected `}}` to close the string hole, found {found}"),
                );
                hole.span = span(hole.span.start, self.last_end);
            }
            segments.push(StringSegment::Hole(hole));
            let piece = self.peek();
            match piece.kind {
                T::StringMiddlePiece => {
                    self.bump();
                    self.push_text(&mut segments, piece, multi_line, dollars);
                }
                T::StringRightPiece => {
                    self.bump();
                    self.push_text(&mut segments, piece, multi_line, dollars);
                    break;
                }
                _ => {
                    self.error_here("unterminated string: expected `}` and the closing `'`");
                    break;
                }
            }
        }
        Ok(StringLit {
            segments,
            multi_line,
            span: span(first.start, self.last_end),
        })
    }

    /// Decodes one string piece and appends its text (if any) to `segments`.
    fn push_text(
        &self,
        segments: &mut Vec<StringSegment>,
        piece: Token,
        multi_line: bool,
        dollars: usize,
    ) {
        let raw = self.text_of(piece);
        let is_first = matches!(piece.kind, T::StringComplete | T::StringLeftPiece);
        let is_last = matches!(piece.kind, T::StringComplete | T::StringRightPiece);
        let (open, close) = match (multi_line, is_first, is_last) {
            (false, true, _) => ("'".len(), if is_last { 1 } else { 2 }),
            (false, false, _) => (1, if is_last { 1 } else { 2 }),
            (true, true, _) => (dollars + 3, if is_last { 3 } else { dollars + 1 }),
            (true, false, _) => (1, if is_last { 3 } else { dollars + 1 }),
        };
        // Unterminated pieces lack their closing delimiter.
        let closed = if is_last {
            if multi_line {
                raw.ends_with("'''") && raw.len() >= open + 3
            } else {
                raw.ends_with('\'') && raw.len() > open
            }
        } else {
            raw.ends_with('{')
        };
        let close = if closed { close } else { 0 };
        let mut start = open.min(raw.len());
        let end = raw.len().saturating_sub(close).max(start);
        if multi_line && is_first {
            if raw.as_bytes().get(start) == Some(&b'\r') {
                start += 1;
            }
            if raw.as_bytes().get(start) == Some(&b'\n') {
                start += 1;
            }
        }
        let start = start.min(end);
        let Some(body) = raw.get(start..end) else {
            return;
        };
        if body.is_empty() {
            return;
        }
        let value = if multi_line {
            body.to_owned()
        } else {
            decode_escapes(body)
        };
        let base = piece.start as usize;
        segments.push(StringSegment::Text {
            value,
            span: Span::new(base + start, base + end),
        });
    }

    // ----- types --------------------------------------------------------------------------

    /// The type of a `param`, `output`, typed `var`, `type` or lambda parameter: a type
    /// expression, or `resource '…'` (in outputs the string may be omitted).
    fn declared_type(&mut self, optional_resource_type: bool) -> PResult<TypeExpr> {
        let token = self.peek();
        if self.is_keyword(token, "resource") && self.peek_at(1).kind != T::LeftChevron {
            self.bump();
            let string = if optional_resource_type && !is_string_start(self.peek().kind) {
                None
            } else {
                Some(self.string("a resource type string after `resource`")?)
            };
            return Ok(TypeExpr {
                span: span(token.start, self.last_end),
                kind: TypeKind::Resource(string),
            });
        }
        self.type_expression()
    }

    fn type_expression(&mut self) -> PResult<TypeExpr> {
        self.enter()?;
        let result = self.union_type();
        self.leave();
        result
    }

    fn union_separator_next(&self) -> bool {
        self.check(T::Pipe) || (self.check(T::NewLine) && self.peek_at(1).kind == T::Pipe)
    }

    fn union_type(&mut self) -> PResult<TypeExpr> {
        let start = self.here();
        let leading_pipe = self.union_separator_next();
        if leading_pipe {
            self.skip_newlines();
            self.bump();
        }
        let first = self.unary_type()?;
        if !leading_pipe && !self.union_separator_next() {
            return Ok(first);
        }
        let mut members = vec![first];
        while self.union_separator_next() {
            self.skip_newlines();
            self.bump();
            if self.check(T::NewLine) {
                self.error_here("expected a type after `|`");
                members.push(TypeExpr::error(Span::at(self.here() as usize)));
            } else {
                members.push(self.unary_type()?);
            }
        }
        Ok(TypeExpr {
            span: span(start, self.last_end),
            kind: TypeKind::Union(members),
        })
    }

    fn unary_type(&mut self) -> PResult<TypeExpr> {
        let start = self.here();
        let op = match self.peek().kind {
            T::Exclamation => Some(UnaryOp::Not),
            T::Minus => Some(UnaryOp::Minus),
            _ => None,
        };
        let mut current = match op {
            Some(op) => {
                self.bump();
                let operand = self.member_type()?;
                TypeExpr {
                    span: span(start, self.last_end),
                    kind: TypeKind::Unary {
                        op,
                        operand: Box::new(operand),
                    },
                }
            }
            None => self.member_type()?,
        };
        loop {
            let kind = match self.peek().kind {
                T::Question => TypeKind::Nullable as fn(Box<TypeExpr>) -> TypeKind,
                T::Exclamation => TypeKind::NonNullable,
                _ => return Ok(current),
            };
            self.bump();
            current = TypeExpr {
                span: span(start, self.last_end),
                kind: kind(Box::new(current)),
            };
        }
    }

    fn member_type(&mut self) -> PResult<TypeExpr> {
        let mut current = self.primary_type()?;
        loop {
            let start = current.span.start;
            match self.peek().kind {
                T::LeftSquare => {
                    self.bump();
                    let kind = if self.check(T::RightSquare) {
                        self.bump();
                        TypeKind::Array(Box::new(current))
                    } else if self.check(T::Asterisk) {
                        self.bump();
                        self.expect(T::RightSquare, "expected `]` after `[*`")?;
                        TypeKind::Items(Box::new(current))
                    } else {
                        let index = self.expression(Flags::NONE)?;
                        self.expect(T::RightSquare, "expected `]` after the index")?;
                        TypeKind::Index {
                            base: Box::new(current),
                            index: Box::new(index),
                        }
                    };
                    current = TypeExpr {
                        span: span(start, self.last_end),
                        kind,
                    };
                }
                T::Dot => {
                    self.bump();
                    let kind = if self.check(T::Asterisk) {
                        self.bump();
                        TypeKind::AdditionalProperties(Box::new(current))
                    } else {
                        let name =
                            self.ident_or_missing("expected a type or property name after `.`");
                        if self.check(T::LeftChevron) {
                            let args = self.type_arguments();
                            TypeKind::Parameterized {
                                base: Some(Box::new(current)),
                                name,
                                args,
                            }
                        } else {
                            TypeKind::Member {
                                base: Box::new(current),
                                name,
                            }
                        }
                    };
                    current = TypeExpr {
                        span: span(start, self.last_end),
                        kind,
                    };
                }
                _ => return Ok(current),
            }
        }
    }

    fn type_arguments(&mut self) -> Vec<TypeExpr> {
        self.function_items(T::RightChevron, |p| {
            p.recover_type(&[T::NewLine, T::Comma, T::RightChevron], |p| {
                p.type_expression()
            })
        })
    }

    fn primary_type(&mut self) -> PResult<TypeExpr> {
        let token = self.peek();
        let literal = |kind| TypeExpr {
            kind,
            span: token.span(),
        };
        match token.kind {
            T::Integer => {
                self.bump();
                match self.text_of(token).parse::<u64>() {
                    Ok(value) => Ok(literal(TypeKind::Int(value))),
                    Err(_) => {
                        self.error(
                            token.span(),
                            "integer is too large (the largest is 18446744073709551615)",
                        );
                        Err(Fail)
                    }
                }
            }
            T::Null => {
                self.bump();
                Ok(literal(TypeKind::Null))
            }
            T::True | T::False => {
                self.bump();
                Ok(literal(TypeKind::Bool(token.kind == T::True)))
            }
            T::StringComplete | T::StringLeftPiece => {
                let string = self.string("a string")?;
                Ok(TypeExpr {
                    span: string.span,
                    kind: TypeKind::String(string),
                })
            }
            T::LeftBrace => self.object_type(),
            T::LeftSquare => self.tuple_type(),
            T::LeftParen => {
                let (mut items, trailing_comma) = self.paren_list(false, |p| {
                    p.recover_type(
                        &[
                            T::StringRightPiece,
                            T::RightBrace,
                            T::RightParen,
                            T::RightSquare,
                            T::NewLine,
                            T::Comma,
                        ],
                        |p| p.type_expression(),
                    )
                })?;
                let at = span(token.start, self.last_end);
                if items.len() != 1 || trailing_comma {
                    self.error(at, "expected exactly one type inside the parentheses");
                    return Ok(TypeExpr::error(at));
                }
                let inner = items.pop().unwrap_or_else(|| TypeExpr::error(at));
                Ok(TypeExpr {
                    span: at,
                    kind: TypeKind::Paren(Box::new(inner)),
                })
            }
            T::Identifier => {
                self.bump();
                let name = self.ident_of(token);
                if self.check(T::LeftChevron) {
                    let args = self.type_arguments();
                    return Ok(TypeExpr {
                        span: span(token.start, self.last_end),
                        kind: TypeKind::Parameterized {
                            base: None,
                            name,
                            args,
                        },
                    });
                }
                Ok(TypeExpr {
                    span: name.span,
                    kind: TypeKind::Name(name),
                })
            }
            _ => self.fail_expected("a type"),
        }
    }

    fn object_type(&mut self) -> PResult<TypeExpr> {
        self.enter()?;
        let result = self.object_type_inner();
        self.leave();
        result
    }

    fn object_type_inner(&mut self) -> PResult<TypeExpr> {
        let open = self.bump();
        let items = self.list_items(T::RightBrace, "properties", |p| {
            let start = p.here();
            let decorators = p.decorators();
            let token = p.peek();
            let key = match token.kind {
                T::Identifier => {
                    p.bump();
                    ObjectTypeKey::Ident(p.ident_of(token))
                }
                T::StringComplete | T::StringLeftPiece => {
                    ObjectTypeKey::String(p.string("a property name").ok()?)
                }
                T::Asterisk => {
                    p.bump();
                    ObjectTypeKey::Wildcard(token.span())
                }
                _ => {
                    p.fail_expected::<()>("a property name or `*`").ok();
                    return None;
                }
            };
            p.expect(T::Colon, "expected `:` after the property name")
                .ok()?;
            let value = p.recover_type(&[T::NewLine, T::RightBrace], |p| p.type_expression());
            Some(ObjectTypeItem {
                decorators,
                key,
                value,
                span: span(start, p.last_end),
            })
        });
        self.expect(T::RightBrace, "expected `}` to close the object type")?;
        Ok(TypeExpr {
            span: span(open.start, self.last_end),
            kind: TypeKind::Object(items),
        })
    }

    fn tuple_type(&mut self) -> PResult<TypeExpr> {
        self.enter()?;
        let result = self.tuple_type_inner();
        self.leave();
        result
    }

    fn tuple_type_inner(&mut self) -> PResult<TypeExpr> {
        let open = self.bump();
        let items = self.list_items(T::RightSquare, "tuple items", |p| {
            let start = p.here();
            let decorators = p.decorators();
            let value = p.recover_type(&[T::NewLine, T::RightSquare], |p| p.type_expression());
            Some(TupleTypeItem {
                decorators,
                value,
                span: span(start, p.last_end),
            })
        });
        self.expect(T::RightSquare, "expected `]` to close the tuple type")?;
        Ok(TypeExpr {
            span: span(open.start, self.last_end),
            kind: TypeKind::Tuple(items),
        })
    }
}

fn bracket_delta(kind: TokenKind) -> i64 {
    match kind {
        T::LeftBrace | T::LeftParen | T::LeftSquare | T::StringLeftPiece => 1,
        T::RightBrace | T::RightParen | T::RightSquare | T::StringRightPiece => -1,
        _ => 0,
    }
}

/// Resolves the escapes of a single-line string's raw text. Bad escapes (already reported by
/// the lexer) are kept as written.
fn decode_escapes(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match scan_escape(rest) {
            Some((length, value)) => {
                match value {
                    EscapeValue::Char(c) => out.push(c),
                    EscapeValue::DollarBrace => out.push_str("${"),
                }
                rest = rest.get(length..).unwrap_or("");
            }
            None => {
                out.push('\\');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(text: &str) -> Expr {
        let (program, errors) = parse(text, false);
        assert!(errors.is_empty(), "{text:?}: {errors:?}");
        match program.statements.into_iter().next() {
            Some(Statement::Var(var)) => var.value,
            other => panic!("expected a var, got {other:?}"),
        }
    }

    fn errors_of(text: &str) -> Vec<SyntaxError> {
        parse(text, false).1
    }

    #[test]
    fn coalesce_binds_loosest_and_and_binds_tighter_than_or() {
        let ExprKind::Binary(outer) = value_of("var x = a ?? b || c && d").kind else {
            panic!("binary")
        };
        assert_eq!(outer.op, BinaryOp::Coalesce);
        let ExprKind::Binary(or) = outer.right.kind else {
            panic!("binary")
        };
        assert_eq!(or.op, BinaryOp::Or);
        assert!(matches!(or.right.kind, ExprKind::Binary(ref and) if and.op == BinaryOp::And));
    }

    #[test]
    fn ternary_is_below_coalesce() {
        assert!(matches!(
            value_of("var x = a ?? b ? c : d").kind,
            ExprKind::Ternary(ref t) if matches!(t.condition.kind, ExprKind::Binary(_))
        ));
    }

    #[test]
    fn newline_rules_match_the_compiler() {
        assert!(errors_of("var x = a\n  ? b\n  : c").is_empty());
        assert!(!errors_of("var x = a ?\n b : c").is_empty());
        assert!(!errors_of("var x =\n 1").is_empty());
        assert!(!errors_of("var x = [1,\n 2]").is_empty());
        assert!(errors_of("var x = [1, 2,]").is_empty());
        assert!(errors_of("var x = f(\n 1,\n 2\n)").is_empty());
        assert!(!errors_of("var x = f(\n 1\n 2\n)").is_empty());
        assert!(errors_of("var x = (\n 1\n)").is_empty());
    }

    #[test]
    fn strings_are_decoded_with_spans() {
        let text = "var x = 'a\\'b${c}d'";
        let ExprKind::String(string) = value_of(text).kind else {
            panic!("string")
        };
        let [StringSegment::Text { value, span }, StringSegment::Hole(hole), StringSegment::Text { value: tail, .. }] =
            string.segments.as_slice()
        else {
            panic!("{string:?}")
        };
        assert_eq!(value, "a'b");
        assert_eq!(&text[span.range()], "a\\'b");
        assert_eq!(&text[hole.span.range()], "c");
        assert_eq!(tail, "d");
        assert_eq!(&text[string.span.range()], "'a\\'b${c}d'");
    }

    #[test]
    fn resource_body_through_loop_and_condition() {
        let text = "resource r 'a@1' = [for x in xs: if (x) {\n  name: x\n}]";
        let (program, errors) = parse(text, false);
        assert!(errors.is_empty(), "{errors:?}");
        let Some(Statement::Resource(resource)) = program.statements.first() else {
            panic!("resource")
        };
        assert_eq!(resource.type_string.as_str(), Some("a@1"));
        let body = resource.value.body_object().expect("object body");
        assert_eq!(body.len(), 1);
    }

    #[test]
    fn params_files_have_their_own_declarations() {
        let (program, errors) = parse("using none\nparam a = 1\n", true);
        assert!(errors.is_empty(), "{errors:?}");
        assert!(matches!(
            program.statements[0],
            Statement::Using(Using { path: None, .. })
        ));
        assert!(matches!(
            program.statements[1],
            Statement::ParamAssignment(_)
        ));
        assert!(!parse("output o string = 'x'\n", true).1.is_empty());
        assert!(!parse("using './main.bicep'\n", false).1.is_empty());
    }
}
