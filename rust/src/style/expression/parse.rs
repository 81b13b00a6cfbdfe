//! JSON -> typed expression tree, with the reference's type rules and error
//! messages. Every parse error carries the key path of the offending value
//! (`[2][1]`), relative to the expression root.

use std::sync::Arc;

use serde_json::Value as J;

use crate::style::expression::eval::evaluate_constant;
use crate::style::expression::node::*;
use crate::style::expression::signatures::{signature, Params};
use crate::style::expression::types::{check_subtype, type_of, Type};
use crate::style::expression::ParseError;
use crate::style::value::Value;

/// How to reconcile a `value`-typed result with a more specific expected type.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Annotate {
    Assert,
    Coerce,
    Omit,
    Default,
}

/// The most nested arrays an expression may have (JSON parsing stops at
/// 128; parsing and evaluation recurse once a level): the default and the
/// most [`ExpressionLimits::depth`] may be.
pub const MAX_EXPRESSION_DEPTH: usize = 100;
/// The most operator and literal nodes one expression may have by default.
pub const MAX_EXPRESSION_NODES: usize = 100_000;

/// The size and nesting of the expressions a parse accepts (the runtime
/// options `max_expression_nodes` and `max_expression_depth`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpressionLimits {
    pub nodes: usize,
    /// At most [`MAX_EXPRESSION_DEPTH`].
    pub depth: usize,
}

impl Default for ExpressionLimits {
    fn default() -> ExpressionLimits {
        ExpressionLimits { nodes: MAX_EXPRESSION_NODES, depth: MAX_EXPRESSION_DEPTH }
    }
}

thread_local! {
    /// The limits of the parses on this thread ([`with_limits`]).
    static LIMITS: std::cell::Cell<ExpressionLimits> = std::cell::Cell::new(ExpressionLimits::default());
}

/// Runs `f` with the expressions it parses on this thread held to `limits`
/// (a style's parse, under the runtime's options).
pub fn with_limits<R>(limits: ExpressionLimits, f: impl FnOnce() -> R) -> R {
    struct Restore(ExpressionLimits);
    impl Drop for Restore {
        fn drop(&mut self) {
            LIMITS.set(self.0);
        }
    }
    let depth = limits.depth.min(MAX_EXPRESSION_DEPTH);
    let _restore = Restore(LIMITS.replace(ExpressionLimits { depth, ..limits }));
    f()
}

pub struct Parser {
    pub errors: Vec<ParseError>,
    scope: Vec<(String, Arc<Expr>)>,
    depth: usize,
    nodes: usize,
    limit_hit: bool,
    limits: ExpressionLimits,
}

fn key_at(key: &str, i: usize) -> String {
    format!("{key}[{i}]")
}

fn js_typeof(v: &J) -> &'static str {
    match v {
        J::Null => "object",
        J::Bool(_) => "boolean",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) | J::Object(_) => "object",
    }
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

impl Parser {
    pub fn new() -> Parser {
        Parser {
            errors: Vec::new(),
            scope: Vec::new(),
            depth: 0,
            nodes: 0,
            limit_hit: false,
            limits: LIMITS.get(),
        }
    }

    pub fn error(&mut self, key: &str, message: impl Into<String>) -> Option<Expr> {
        self.errors.push(ParseError {
            key: key.to_string(),
            message: message.into(),
        });
        None
    }

    fn check(&mut self, key: &str, expected: &Type, t: &Type) -> bool {
        match check_subtype(expected, t) {
            Some(msg) => {
                self.error(key, msg);
                false
            }
            None => true,
        }
    }

    /// Parses `json` at `key`, expecting `expected` (if any). Expressions
    /// nested deeper or with more nodes than the thread's
    /// [`ExpressionLimits`] are refused (checked before the work).
    pub fn parse(
        &mut self,
        json: &J,
        key: &str,
        expected: Option<&Type>,
        annotate: Annotate,
    ) -> Option<Expr> {
        if self.limit_hit {
            return None;
        }
        self.nodes += 1;
        let ExpressionLimits { nodes, depth } = self.limits;
        if self.nodes > nodes {
            self.limit_hit = true;
            return self.error(
                key,
                format!("Expression too large: more than {nodes} nodes (the expression size limit, max_expression_nodes, a runtime option)."),
            );
        }
        if self.depth >= depth {
            self.limit_hit = true;
            return self.error(
                key,
                format!("Expression nested too deeply: more than {depth} levels (the expression depth limit, max_expression_depth, a runtime option)."),
            );
        }
        self.depth += 1;
        let r = self.parse_inner(json, key, expected, annotate);
        self.depth -= 1;
        r
    }

    fn parse_inner(
        &mut self,
        json: &J,
        key: &str,
        expected: Option<&Type>,
        annotate: Annotate,
    ) -> Option<Expr> {
        let parsed = match json {
            J::Null | J::Bool(_) | J::Number(_) | J::String(_) => {
                let v = Value::from_json(json);
                Expr::literal(type_of(&v), v)
            }
            J::Array(a) => {
                if a.is_empty() {
                    return self.error(
                        key,
                        "Expected an array with at least one element. If you wanted a literal array, use [\"literal\", []].",
                    );
                }
                let op = match &a[0] {
                    J::String(s) => s.as_str(),
                    other => {
                        return self.error(
                            &key_at(key, 0),
                            format!(
                                "Expression name must be a string, but found {} instead. If you wanted a literal array, use [\"literal\", [...]].",
                                js_typeof(other)
                            ),
                        )
                    }
                };
                self.parse_op(op, a, key, expected)?
            }
            J::Object(_) => {
                return self.error(
                    key,
                    "Bare objects invalid. Use [\"literal\", {...}] instead.",
                )
            }
        };
        let mut parsed = parsed;
        if let Some(expected) = expected {
            let actual = &parsed.ty;
            let kind = actual.kind();
            let wrap = |p: Expr, t: &Type, how: Annotate, default: Annotate| -> Expr {
                let how = if how == Annotate::Default {
                    default
                } else {
                    how
                };
                match how {
                    Annotate::Assert => Expr::new(t.clone(), Node::Assert(vec![p])),
                    Annotate::Coerce => Expr::new(t.clone(), Node::Coerce(vec![p])),
                    _ => p,
                }
            };
            match expected {
                Type::String | Type::Number | Type::Boolean | Type::Object | Type::Array(..)
                    if kind == "value" =>
                {
                    parsed = wrap(parsed, expected, annotate, Annotate::Assert)
                }
                Type::ProjectionDefinition if matches!(kind, "string" | "array" | "value") => {
                    parsed = wrap(parsed, expected, annotate, Annotate::Coerce)
                }
                Type::Color | Type::Formatted | Type::ResolvedImage
                    if kind == "value" || kind == "string" =>
                {
                    parsed = wrap(parsed, expected, annotate, Annotate::Coerce)
                }
                Type::Padding | Type::NumberArray
                    if matches!(kind, "value" | "number" | "array") =>
                {
                    parsed = wrap(parsed, expected, annotate, Annotate::Coerce)
                }
                Type::ColorArray if matches!(kind, "value" | "color" | "array" | "string") => {
                    parsed = wrap(parsed, expected, annotate, Annotate::Coerce)
                }
                Type::VariableAnchorOffsetCollection if matches!(kind, "value" | "array") => {
                    parsed = wrap(parsed, expected, annotate, Annotate::Coerce)
                }
                _ => {
                    if !self.check(key, expected, actual) {
                        return None;
                    }
                }
            }
        }
        // Constant folding: evaluate now what cannot change.
        if !matches!(parsed.node, Node::Literal(_))
            && parsed.ty != Type::ResolvedImage
            && is_constant(&parsed)
        {
            match evaluate_constant(&parsed) {
                Ok(v) => parsed = Expr::literal(parsed.ty, v),
                Err(e) => return self.error(key, e.0),
            }
        }
        Some(parsed)
    }

    fn child(&mut self, json: &J, key: &str, i: usize, expected: Option<&Type>) -> Option<Expr> {
        self.parse(json, &key_at(key, i), expected, Annotate::Default)
    }

    fn parse_op(&mut self, op: &str, a: &[J], key: &str, expected: Option<&Type>) -> Option<Expr> {
        let n = a.len() - 1;
        match op {
            "literal" => {
                if n != 1 {
                    return self.error(
                        key,
                        format!("'literal' expression requires exactly one argument, but found {n} instead."),
                    );
                }
                let v = Value::from_json(&a[1]);
                let mut ty = type_of(&v);
                if let (Type::Array(_, Some(0)), Some(Type::Array(_, en))) = (&ty, expected) {
                    if en.is_none() || *en == Some(0) {
                        ty = expected.cloned().unwrap_or(ty);
                    }
                }
                Some(Expr::literal(ty, v))
            }
            "semiliteral" => {
                if n != 1 {
                    return self.error(
                        key,
                        format!("'semiliteral' expression requires exactly one argument, but found {n} instead."),
                    );
                }
                match &a[1] {
                    J::Array(items) => {
                        let k1 = key_at(key, 1);
                        let mut out = Vec::with_capacity(items.len());
                        for (i, it) in items.iter().enumerate() {
                            out.push(self.child(it, &k1, i, None)?);
                        }
                        let mut item: Option<Type> = None;
                        for e in &out {
                            match &item {
                                None => item = Some(e.ty.clone()),
                                Some(t) if *t == e.ty && !matches!(t, Type::Array(..)) => {}
                                Some(_) => {
                                    item = Some(Type::Value);
                                    break;
                                }
                            }
                        }
                        let ty = Type::array(item.unwrap_or(Type::Value), Some(out.len()));
                        Some(Expr::new(ty, Node::ArrayOf(out)))
                    }
                    other => self.child(other, key, 1, expected),
                }
            }
            "string" | "number" | "boolean" | "object" | "array" => {
                self.parse_assertion(op, a, key)
            }
            "to-boolean" | "to-color" | "to-number" | "to-string" => {
                if n < 1 {
                    return self.error(key, "Expected at least one argument.");
                }
                if (op == "to-boolean" || op == "to-string") && n != 1 {
                    return self.error(key, "Expected one argument.");
                }
                let ty = match op {
                    "to-boolean" => Type::Boolean,
                    "to-color" => Type::Color,
                    "to-number" => Type::Number,
                    _ => Type::String,
                };
                let mut args = Vec::new();
                for (i, arg) in a.iter().enumerate().skip(1) {
                    args.push(self.child(arg, key, i, Some(&Type::Value))?);
                }
                Some(Expr::new(ty, Node::Coerce(args)))
            }
            "var" => {
                let name = match (n, &a.get(1)) {
                    (1, Some(J::String(s))) => s,
                    _ => {
                        return self.error(
                            key,
                            "'var' expression requires exactly one string literal argument.",
                        )
                    }
                };
                match self.scope.iter().rev().find(|(k, _)| k == name) {
                    Some((_, e)) => Some(Expr::new(e.ty.clone(), Node::Var(name.clone(), Arc::clone(e)))),
                    None => self.error(
                        &key_at(key, 1),
                        format!(
                            "Unknown variable \"{name}\". Make sure \"{name}\" has been bound in an enclosing \"let\" expression before using it."
                        ),
                    ),
                }
            }
            "let" => self.parse_let(a, key, expected),
            "==" | "!=" | "<" | "<=" | ">" | ">=" => self.parse_comparison(op, a, key),
            "all" | "any" => {
                let mut args = Vec::new();
                for (i, arg) in a.iter().enumerate().skip(1) {
                    args.push(self.child(arg, key, i, Some(&Type::Boolean))?);
                }
                let node = if op == "all" {
                    Node::All(args)
                } else {
                    Node::Any(args)
                };
                Some(Expr::new(Type::Boolean, node))
            }
            "case" => self.parse_case(a, key, expected),
            "coalesce" => self.parse_coalesce(a, key, expected),
            "match" => self.parse_match(a, key, expected),
            "step" => self.parse_step(a, key, expected),
            "interpolate" | "interpolate-hcl" | "interpolate-lab" => {
                self.parse_interpolate(op, a, key, expected)
            }
            "at" => {
                if n != 2 {
                    return self
                        .error(key, format!("Expected 2 arguments, but found {n} instead."));
                }
                let index = self.child(&a[1], key, 1, Some(&Type::Number))?;
                let arr_t = Type::array(expected.cloned().unwrap_or(Type::Value), None);
                let input = self.child(&a[2], key, 2, Some(&arr_t))?;
                let item = match &input.ty {
                    Type::Array(t, _) => (**t).clone(),
                    _ => Type::Value,
                };
                Some(Expr::new(item, Node::At(Box::new(index), Box::new(input))))
            }
            "in" => {
                if n != 2 {
                    return self
                        .error(key, format!("Expected 2 arguments, but found {n} instead."));
                }
                let (needle, haystack) = self.needle_haystack(a, key)?;
                if let Node::Literal(Value::Array(items)) = &haystack.node {
                    if let Some(set) = ScalarSet::of(items) {
                        return Some(Expr::new(Type::Boolean, Node::InSet(Box::new(needle), Box::new(set))));
                    }
                }
                Some(Expr::new(
                    Type::Boolean,
                    Node::In(Box::new(needle), Box::new(haystack)),
                ))
            }
            "index-of" => {
                if !(2..=3).contains(&n) {
                    return self.error(
                        key,
                        format!("Expected 2 or 3 arguments, but found {n} instead."),
                    );
                }
                let (needle, haystack) = self.needle_haystack(a, key)?;
                let from = if n == 3 {
                    Some(Box::new(self.child(&a[3], key, 3, Some(&Type::Number))?))
                } else {
                    None
                };
                Some(Expr::new(
                    Type::Number,
                    Node::IndexOf(Box::new(needle), Box::new(haystack), from),
                ))
            }
            "slice" => {
                if !(2..=3).contains(&n) {
                    return self.error(
                        key,
                        format!("Expected 2 or 3 arguments, but found {n} instead."),
                    );
                }
                let input = self.child(&a[1], key, 1, Some(&Type::Value))?;
                let begin = self.child(&a[2], key, 2, Some(&Type::Number))?;
                if !matches!(input.ty.kind(), "array" | "string" | "value") {
                    return self.error(
                        key,
                        format!("Expected first argument to be of type array or string, but found {} instead", input.ty),
                    );
                }
                let end = if n == 3 {
                    Some(Box::new(self.child(&a[3], key, 3, Some(&Type::Number))?))
                } else {
                    None
                };
                Some(Expr::new(
                    input.ty.clone(),
                    Node::Slice(Box::new(input), Box::new(begin), end),
                ))
            }
            "length" => {
                if n != 1 {
                    return self.error(key, format!("Expected 1 argument, but found {n} instead."));
                }
                let input = self.child(&a[1], key, 1, None)?;
                if !matches!(input.ty.kind(), "array" | "string" | "value") {
                    return self.error(
                        key,
                        format!(
                            "Expected argument of type string or array, but found {} instead.",
                            input.ty
                        ),
                    );
                }
                Some(Expr::new(Type::Number, Node::Length(Box::new(input))))
            }
            "format" => self.parse_format(a, key),
            "image" => {
                if n < 1 {
                    return self.error(key, "Expected two or more arguments.");
                }
                match self.child(&a[1], key, 1, Some(&Type::String)) {
                    Some(name) => Some(Expr::new(Type::ResolvedImage, Node::Image(Box::new(name)))),
                    None => self.error(key, "No image name provided."),
                }
            }
            "number-format" => self.parse_number_format(a, key),
            "collator" => self.parse_collator(a, key),
            "global-state" => {
                if n != 1 {
                    return self.error(key, format!("Expected 1 argument, but found {n} instead."));
                }
                match &a[1] {
                    J::String(s) => Some(Expr::new(Type::Value, Node::GlobalState(s.clone()))),
                    other => self.error(
                        key,
                        format!(
                            "Global state property must be string, but found {} instead.",
                            js_typeof(other)
                        ),
                    ),
                }
            }
            "within" => {
                if n != 1 {
                    return self.error(
                        key,
                        format!("'within' expression requires exactly one argument, but found {n} instead."),
                    );
                }
                match crate::style::expression::within::polygons_from_geojson(&a[1]) {
                    Some(p) => Some(Expr::new(Type::Boolean, Node::Within(p))),
                    None => self.error(
                        key,
                        "'within' expression requires valid geojson object that contains polygon geometry type.",
                    ),
                }
            }
            "distance" => {
                if n != 1 {
                    return self.error(
                        key,
                        format!("'distance' expression requires exactly one argument, but found {n} instead."),
                    );
                }
                match crate::style::expression::distance::geometries_from_geojson(&a[1]) {
                    Some(g) => Some(Expr::new(Type::Number, Node::Distance(Box::new(g)))),
                    None => self.error(
                        key,
                        "'distance' expression requires valid geojson object that contains polygon geometry type.",
                    ),
                }
            }
            _ => self.parse_compound(op, a, key),
        }
    }

    fn needle_haystack(&mut self, a: &[J], key: &str) -> Option<(Expr, Expr)> {
        let needle = self.child(&a[1], key, 1, Some(&Type::Value))?;
        let haystack = self.child(&a[2], key, 2, Some(&Type::Value))?;
        if !matches!(
            needle.ty.kind(),
            "boolean" | "string" | "number" | "null" | "value"
        ) {
            self.error(
                key,
                format!(
                    "Expected first argument to be of type boolean, string, number or null, but found {} instead",
                    needle.ty
                ),
            );
            return None;
        }
        if !matches!(haystack.ty.kind(), "string" | "array" | "value") {
            self.error(
                key,
                format!(
                    "Expected second argument to be of type array or string, but found {} instead",
                    haystack.ty
                ),
            );
            return None;
        }
        Some((needle, haystack))
    }

    fn parse_assertion(&mut self, op: &str, a: &[J], key: &str) -> Option<Expr> {
        if a.len() < 2 {
            return self.error(key, "Expected at least one argument.");
        }
        let mut i = 1;
        let ty = if op == "array" {
            let mut item = Type::Value;
            if a.len() > 2 {
                item = match &a[1] {
                    J::String(s) if s == "string" => Type::String,
                    J::String(s) if s == "number" => Type::Number,
                    J::String(s) if s == "boolean" => Type::Boolean,
                    _ => {
                        return self.error(
                            &key_at(key, 1),
                            "The item type argument of \"array\" must be one of string, number, boolean",
                        )
                    }
                };
                i += 1;
            }
            let mut len = None;
            if a.len() > 3 {
                match &a[2] {
                    J::Null => {}
                    J::Number(x) => {
                        let v = x.as_f64().unwrap_or(-1.0);
                        if v < 0.0 || v.fract() != 0.0 {
                            return self.error(
                                &key_at(key, 2),
                                "The length argument to \"array\" must be a positive integer literal",
                            );
                        }
                        len = Some(v as usize);
                    }
                    _ => {
                        return self.error(
                            &key_at(key, 2),
                            "The length argument to \"array\" must be a positive integer literal",
                        )
                    }
                }
                i += 1;
            }
            Type::array(item, len)
        } else {
            match op {
                "string" => Type::String,
                "number" => Type::Number,
                "boolean" => Type::Boolean,
                _ => Type::Object,
            }
        };
        let mut args = Vec::new();
        for (j, arg) in a.iter().enumerate().skip(i) {
            args.push(self.child(arg, key, j, Some(&Type::Value))?);
        }
        Some(Expr::new(ty, Node::Assert(args)))
    }

    fn parse_let(&mut self, a: &[J], key: &str, expected: Option<&Type>) -> Option<Expr> {
        let n = a.len() - 1;
        if n < 3 {
            return self.error(
                key,
                format!("Expected at least 3 arguments, but found {n} instead."),
            );
        }
        let mut bindings = Vec::new();
        let mut i = 1;
        while i < a.len() - 1 {
            let name = match &a[i] {
                J::String(s) => s.clone(),
                other => {
                    return self.error(
                        &key_at(key, i),
                        format!("Expected string, but found {} instead.", js_typeof(other)),
                    )
                }
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return self.error(
                    &key_at(key, i),
                    "Variable names must contain only alphanumeric characters or '_'.",
                );
            }
            let value = self.child(&a[i + 1], key, i + 1, None)?;
            bindings.push((name, Arc::new(value)));
            i += 2;
        }
        let depth = self.scope.len();
        self.scope.extend(bindings.iter().cloned());
        let body = self.child(&a[n], key, n, expected);
        self.scope.truncate(depth);
        let body = body?;
        Some(Expr::new(
            body.ty.clone(),
            Node::Let(bindings, Box::new(body)),
        ))
    }

    fn parse_comparison(&mut self, op: &str, a: &[J], key: &str) -> Option<Expr> {
        let cmp = match op {
            "==" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            _ => CmpOp::Ge,
        };
        if a.len() != 3 && a.len() != 4 {
            return self.error(key, "Expected two or three arguments.");
        }
        let comparable = |t: &Type| {
            if cmp.is_order() {
                matches!(t.kind(), "string" | "number" | "value")
            } else {
                matches!(t.kind(), "boolean" | "string" | "number" | "null" | "value")
            }
        };
        let mut lhs = self.child(&a[1], key, 1, Some(&Type::Value))?;
        if !comparable(&lhs.ty) {
            return self.error(
                &key_at(key, 1),
                format!(
                    "\"{op}\" comparisons are not supported for type '{}'.",
                    lhs.ty
                ),
            );
        }
        let mut rhs = self.child(&a[2], key, 2, Some(&Type::Value))?;
        if !comparable(&rhs.ty) {
            return self.error(
                &key_at(key, 2),
                format!(
                    "\"{op}\" comparisons are not supported for type '{}'.",
                    rhs.ty
                ),
            );
        }
        let (lk, rk) = (lhs.ty.kind(), rhs.ty.kind());
        if lk != rk && lk != "value" && rk != "value" {
            return self.error(
                key,
                format!("Cannot compare types '{}' and '{}'.", lhs.ty, rhs.ty),
            );
        }
        if cmp.is_order() {
            if lk == "value" && rk != "value" {
                lhs = Expr::new(rhs.ty.clone(), Node::Assert(vec![lhs]));
            } else if lk != "value" && rk == "value" {
                rhs = Expr::new(lhs.ty.clone(), Node::Assert(vec![rhs]));
            }
        }
        let mut collator = None;
        if a.len() == 4 {
            if lk != "string" && rk != "string" && lk != "value" && rk != "value" {
                return self.error(key, "Cannot use collator to compare non-string types.");
            }
            collator = Some(Box::new(self.child(
                &a[3],
                key,
                3,
                Some(&Type::Collator),
            )?));
        }
        Some(Expr::new(
            Type::Boolean,
            Node::Compare {
                op: cmp,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                collator,
            },
        ))
    }

    fn output_type(expected: Option<&Type>) -> Option<Type> {
        expected.filter(|t| **t != Type::Value).cloned()
    }

    fn parse_case(&mut self, a: &[J], key: &str, expected: Option<&Type>) -> Option<Expr> {
        let n = a.len() - 1;
        if n < 3 {
            return self.error(
                key,
                format!("Expected at least 3 arguments, but found only {n}."),
            );
        }
        if n % 2 == 0 {
            return self.error(key, "Expected an odd number of arguments.");
        }
        let mut out_t = Self::output_type(expected);
        let mut branches = Vec::new();
        let mut i = 1;
        while i < n {
            let test = self.child(&a[i], key, i, Some(&Type::Boolean))?;
            let result = self.child(&a[i + 1], key, i + 1, out_t.as_ref())?;
            out_t.get_or_insert_with(|| result.ty.clone());
            branches.push((test, result));
            i += 2;
        }
        let otherwise = self.child(&a[n], key, n, out_t.as_ref())?;
        let ty = out_t.unwrap_or_else(|| otherwise.ty.clone());
        Some(Expr::new(ty, Node::Case(branches, Box::new(otherwise))))
    }

    fn parse_coalesce(&mut self, a: &[J], key: &str, expected: Option<&Type>) -> Option<Expr> {
        if a.len() < 2 {
            return self.error(key, "Expectected at least one argument.");
        }
        let mut out_t = Self::output_type(expected);
        let mut args = Vec::new();
        for (i, arg) in a.iter().enumerate().skip(1) {
            let p = self.parse(arg, &key_at(key, i), out_t.as_ref(), Annotate::Omit)?;
            out_t.get_or_insert_with(|| p.ty.clone());
            args.push(p);
        }
        let needs_annotation =
            expected.is_some_and(|e| args.iter().any(|x| check_subtype(e, &x.ty).is_some()));
        let ty = if needs_annotation {
            Type::Value
        } else {
            out_t.unwrap_or(Type::Value)
        };
        Some(Expr::new(ty, Node::Coalesce(args)))
    }

    fn parse_match(&mut self, a: &[J], key: &str, expected: Option<&Type>) -> Option<Expr> {
        let n = a.len() - 1;
        if n < 4 {
            return self.error(
                key,
                format!("Expected at least 4 arguments, but found only {n}."),
            );
        }
        if n % 2 != 0 {
            return self.error(key, "Expected an even number of arguments.");
        }
        let mut in_t: Option<Type> = None;
        let mut out_t = Self::output_type(expected);
        let mut labels = MatchLabels::default();
        let mut outputs = Vec::new();
        let mut i = 2;
        while i < n {
            let lkey = key_at(key, i);
            let ls: Vec<&J> = match &a[i] {
                J::Array(v) => v.iter().collect(),
                other => vec![other],
            };
            if ls.is_empty() {
                return self.error(&lkey, "Expected at least one branch label.");
            }
            for l in ls {
                let v = match l {
                    J::Number(x) => {
                        let x = x.as_f64().unwrap_or(f64::NAN);
                        if x.abs() > 9007199254740991.0 {
                            return self.error(
                                &lkey,
                                "Branch labels must be integers no larger than 9007199254740991.",
                            );
                        }
                        if x.fract() != 0.0 {
                            return self
                                .error(&lkey, "Numeric branch labels must be integer values.");
                        }
                        Value::Number(x)
                    }
                    J::String(s) => Value::String(s.clone()),
                    _ => return self.error(&lkey, "Branch labels must be numbers or strings."),
                };
                let lt = type_of(&v);
                match &in_t {
                    None => in_t = Some(lt),
                    Some(t) => {
                        if !self.check(&lkey, &t.clone(), &lt) {
                            return None;
                        }
                    }
                }
                if !labels.insert(&v, outputs.len()) {
                    return self.error(&lkey, "Branch labels must be unique.");
                }
            }
            let result = self.child(&a[i + 1], key, i + 1, out_t.as_ref())?;
            out_t.get_or_insert_with(|| result.ty.clone());
            outputs.push(result);
            i += 2;
        }
        let input = self.child(&a[1], key, 1, Some(&Type::Value))?;
        let otherwise = self.child(&a[n], key, n, out_t.as_ref())?;
        let in_t = in_t.unwrap_or(Type::Value);
        if input.ty.kind() != "value" && !self.check(&key_at(key, 1), &in_t, &input.ty) {
            return None;
        }
        let ty = out_t.unwrap_or_else(|| otherwise.ty.clone());
        Some(Expr::new(
            ty,
            Node::Match {
                input: Box::new(input),
                labels,
                outputs,
                otherwise: Box::new(otherwise),
            },
        ))
    }

    fn parse_step(&mut self, a: &[J], key: &str, expected: Option<&Type>) -> Option<Expr> {
        let n = a.len() - 1;
        if n < 4 {
            return self.error(
                key,
                format!("Expected at least 4 arguments, but found only {n}."),
            );
        }
        if n % 2 != 0 {
            return self.error(key, "Expected an even number of arguments.");
        }
        let input = self.child(&a[1], key, 1, Some(&Type::Number))?;
        let mut out_t = Self::output_type(expected);
        let mut labels = Vec::new();
        let mut outputs = Vec::new();
        let mut i = 1;
        while i < a.len() {
            let label = if i == 1 {
                f64::NEG_INFINITY
            } else {
                match &a[i] {
                    J::Number(x) => x.as_f64().unwrap_or(f64::NAN),
                    _ => return self.error(
                        &key_at(key, i),
                        "Input/output pairs for \"step\" expressions must be defined using literal numeric values (not computed expressions) for the input values.",
                    ),
                }
            };
            if labels.last().is_some_and(|l: &f64| *l >= label) {
                return self.error(
                    &key_at(key, i),
                    "Input/output pairs for \"step\" expressions must be arranged with input values in strictly ascending order.",
                );
            }
            let v = self.child(&a[i + 1], key, i + 1, out_t.as_ref())?;
            out_t.get_or_insert_with(|| v.ty.clone());
            labels.push(label);
            outputs.push(v);
            i += 2;
        }
        let ty = out_t.unwrap_or(Type::Value);
        Some(Expr::new(
            ty,
            Node::Step {
                input: Box::new(input),
                labels,
                outputs,
            },
        ))
    }

    fn parse_interpolate(
        &mut self,
        op: &str,
        a: &[J],
        key: &str,
        expected: Option<&Type>,
    ) -> Option<Expr> {
        let k1 = key_at(key, 1);
        let interp = match a.get(1) {
            Some(J::Array(v)) if !v.is_empty() => v,
            _ => return self.error(&k1, "Expected an interpolation type expression."),
        };
        let interpolation = match interp[0].as_str() {
            Some("linear") => Interpolation::Linear,
            Some("exponential") => match interp.get(1).and_then(J::as_f64) {
                Some(b) => Interpolation::Exponential(b),
                None => {
                    return self.error(
                        &key_at(&k1, 1),
                        "Exponential interpolation requires a numeric base.",
                    )
                }
            },
            Some("cubic-bezier") => {
                let pts: Vec<f64> = interp[1..]
                    .iter()
                    .filter_map(J::as_f64)
                    .filter(|v| (0.0..=1.0).contains(v))
                    .collect();
                if interp.len() != 5 || pts.len() != 4 {
                    return self.error(
                        &k1,
                        "Cubic bezier interpolation requires four numeric arguments with values between 0 and 1.",
                    );
                }
                Interpolation::CubicBezier([pts[0], pts[1], pts[2], pts[3]])
            }
            _ => {
                let name = match &interp[0] {
                    J::String(s) => s.clone(),
                    other => other.to_string(),
                };
                return self.error(
                    &key_at(&k1, 0),
                    format!("Unknown interpolation type {name}"),
                );
            }
        };
        let n = a.len() - 1;
        if n < 4 {
            return self.error(
                key,
                format!("Expected at least 4 arguments, but found only {n}."),
            );
        }
        if n % 2 != 0 {
            return self.error(key, "Expected an even number of arguments.");
        }
        let input = self.child(&a[2], key, 2, Some(&Type::Number))?;
        let space = match op {
            "interpolate-hcl" => ColorSpace::Hcl,
            "interpolate-lab" => ColorSpace::Lab,
            _ => ColorSpace::Rgb,
        };
        let mut out_t = if space != ColorSpace::Rgb {
            Some(if expected == Some(&Type::ColorArray) {
                Type::ColorArray
            } else {
                Type::Color
            })
        } else {
            Self::output_type(expected)
        };
        let mut labels: Vec<f64> = Vec::new();
        let mut outputs = Vec::new();
        let mut i = 3;
        while i < a.len() {
            let label = match &a[i] {
                J::Number(x) => x.as_f64().unwrap_or(f64::NAN),
                _ => return self.error(
                    &key_at(key, i),
                    "Input/output pairs for \"interpolate\" expressions must be defined using literal numeric values (not computed expressions) for the input values.",
                ),
            };
            if labels.last().is_some_and(|l| *l >= label) {
                return self.error(
                    &key_at(key, i),
                    "Input/output pairs for \"interpolate\" expressions must be arranged with input values in strictly ascending order.",
                );
            }
            let v = self.child(&a[i + 1], key, i + 1, out_t.as_ref())?;
            out_t.get_or_insert_with(|| v.ty.clone());
            labels.push(label);
            outputs.push(v);
            i += 2;
        }
        let ty = out_t.unwrap_or(Type::Value);
        let ok = matches!(
            ty,
            Type::Number
                | Type::Color
                | Type::Padding
                | Type::NumberArray
                | Type::ColorArray
                | Type::VariableAnchorOffsetCollection
                | Type::ProjectionDefinition
        ) || matches!(&ty, Type::Array(item, Some(_)) if **item == Type::Number);
        if !ok {
            return self.error(key, format!("Type {ty} is not interpolatable."));
        }
        Some(Expr::new(
            ty,
            Node::Interpolate {
                interpolation,
                space,
                input: Box::new(input),
                labels,
                outputs,
            },
        ))
    }

    fn parse_format(&mut self, a: &[J], key: &str) -> Option<Expr> {
        if a.len() < 2 {
            return self.error(key, "Expected at least one argument.");
        }
        if let J::Object(_) = &a[1] {
            return self.error(key, "First argument must be an image or text section.");
        }
        let mut sections: Vec<FormatSection> = Vec::new();
        let mut may_be_options = false;
        let k1 = key_at(key, 1);
        for arg in &a[1..] {
            if let (true, J::Object(o)) = (may_be_options, arg) {
                may_be_options = false;
                let opt = |name: &str, t: Type, this: &mut Parser| -> Result<Option<Expr>, ()> {
                    match o.get(name) {
                        Some(v) if !v.is_null() && *v != J::Bool(false) => this
                            .parse(v, &k1, Some(&t), Annotate::Default)
                            .map(Some)
                            .ok_or(()),
                        _ => Ok(None),
                    }
                };
                let scale = opt("font-scale", Type::Number, self).ok()?;
                let font = opt("text-font", Type::array(Type::String, None), self).ok()?;
                let color = opt("text-color", Type::Color, self).ok()?;
                if let Some(J::String(s)) = o.get("vertical-align") {
                    if !["bottom", "center", "top"].contains(&s.as_str()) {
                        return self.error(
                            key,
                            format!("'vertical-align' must be one of: 'bottom', 'center', 'top' but found '{s}' instead."),
                        );
                    }
                }
                let valign = opt("vertical-align", Type::String, self).ok()?;
                let last = sections.last_mut()?;
                last.scale = scale;
                last.font = font;
                last.text_color = color;
                last.vertical_align = valign;
            } else {
                let content = self.parse(arg, &k1, Some(&Type::Value), Annotate::Default)?;
                if !matches!(
                    content.ty.kind(),
                    "string" | "value" | "null" | "resolvedImage"
                ) {
                    return self.error(
                        key,
                        "Formatted text type must be 'string', 'value', 'image' or 'null'.",
                    );
                }
                may_be_options = true;
                sections.push(FormatSection {
                    content,
                    scale: None,
                    font: None,
                    text_color: None,
                    vertical_align: None,
                });
            }
        }
        Some(Expr::new(Type::Formatted, Node::Format(sections)))
    }

    fn parse_number_format(&mut self, a: &[J], key: &str) -> Option<Expr> {
        if a.len() != 3 {
            return self.error(key, "Expected two arguments.");
        }
        let number = self.child(&a[1], key, 1, Some(&Type::Number))?;
        let o = match &a[2] {
            J::Object(o) => o,
            _ => return self.error(key, "NumberFormat options argument must be an object."),
        };
        let mut opt = |name: &str, t: Type| -> Result<Option<Box<Expr>>, ()> {
            match o.get(name) {
                Some(v) => self
                    .parse(v, &key_at(key, 1), Some(&t), Annotate::Default)
                    .map(|e| Some(Box::new(e)))
                    .ok_or(()),
                None => Ok(None),
            }
        };
        let locale = opt("locale", Type::String).ok()?;
        let currency = opt("currency", Type::String).ok()?;
        let unit = opt("unit", Type::String).ok()?;
        if currency.is_some() && unit.is_some() {
            return self.error(
                key,
                "NumberFormat options `currency` and `unit` are mutually exclusive",
            );
        }
        let min_fraction = opt("min-fraction-digits", Type::Number).ok()?;
        let max_fraction = opt("max-fraction-digits", Type::Number).ok()?;
        Some(Expr::new(
            Type::String,
            Node::NumberFormat {
                number: Box::new(number),
                locale,
                currency,
                unit,
                min_fraction,
                max_fraction,
            },
        ))
    }

    fn parse_collator(&mut self, a: &[J], key: &str) -> Option<Expr> {
        if a.len() != 2 {
            return self.error(key, "Expected one argument.");
        }
        let o = match &a[1] {
            J::Object(o) => o,
            _ => return self.error(key, "Collator options argument must be an object."),
        };
        let k1 = key_at(key, 1);
        let f = J::Bool(false);
        let case_sensitive = self.parse(
            o.get("case-sensitive").unwrap_or(&f),
            &k1,
            Some(&Type::Boolean),
            Annotate::Default,
        )?;
        let diacritic_sensitive = self.parse(
            o.get("diacritic-sensitive").unwrap_or(&f),
            &k1,
            Some(&Type::Boolean),
            Annotate::Default,
        )?;
        let locale = match o.get("locale") {
            Some(l) => Some(Box::new(self.parse(
                l,
                &k1,
                Some(&Type::String),
                Annotate::Default,
            )?)),
            None => None,
        };
        Some(Expr::new(
            Type::Collator,
            Node::Collator {
                case_sensitive: Box::new(case_sensitive),
                diacritic_sensitive: Box::new(diacritic_sensitive),
                locale,
            },
        ))
    }

    fn parse_compound(&mut self, name: &str, a: &[J], key: &str) -> Option<Expr> {
        let Some((ret, all)) = signature(name) else {
            return self.error(
                &key_at(key, 0),
                format!("Unknown expression \"{name}\". If you wanted a literal array, use [\"literal\", [...]]."),
            );
        };
        let n = a.len() - 1;
        let overloads: Vec<&(Params, Op)> = all
            .iter()
            .filter(|(p, _)| match p {
                Params::Fixed(v) => v.len() == n,
                Params::Var(_) => true,
            })
            .collect();
        let start = self.errors.len();
        let mut last_errors = Vec::new();
        for (params, op) in &overloads {
            self.errors.truncate(start);
            let mut args = Vec::new();
            let mut failed = false;
            for i in 1..=n {
                let t = match params {
                    Params::Fixed(v) => &v[i - 1],
                    Params::Var(t) => t,
                };
                match self.child(&a[i], key, i, Some(t)) {
                    Some(e) => args.push(e),
                    None => {
                        failed = true;
                        break;
                    }
                }
            }
            if !failed && self.errors.len() == start {
                return Some(Expr::new(ret.clone(), Node::Call(*op, args)));
            }
            last_errors = self.errors.split_off(start);
        }
        if overloads.len() == 1 {
            self.errors.extend(last_errors);
            return None;
        }
        let shown: Vec<&(Params, Op)> = if overloads.is_empty() {
            all.iter().collect()
        } else {
            overloads
        };
        let sigs: Vec<String> = shown
            .iter()
            .map(|(p, _)| match p {
                Params::Fixed(v) => format!(
                    "({})",
                    v.iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Params::Var(t) => format!("({t}...)"),
            })
            .collect();
        let mut actual = Vec::new();
        for (i, arg) in a.iter().enumerate().skip(1) {
            let e = self.child(arg, key, i, None)?;
            actual.push(e.ty.to_string());
        }
        self.error(
            key,
            format!(
                "Expected arguments of type {}, but found ({}) instead.",
                sigs.join(" | "),
                actual.join(", ")
            ),
        )
    }
}

/// True if `e` can be evaluated once at parse time.
pub fn is_constant(e: &Expr) -> bool {
    match &e.node {
        Node::Var(_, bound) => return is_constant(bound),
        Node::Call(Op::Error, _)
        | Node::Collator { .. }
        | Node::Within(_)
        | Node::Distance(_)
        | Node::GlobalState(_) => return false,
        Node::Image(_) => return false,
        _ => {}
    }
    let annotation = matches!(e.node, Node::Assert(_) | Node::Coerce(_));
    let mut ok = true;
    e.each_child(&mut |c| {
        ok = ok
            && if annotation {
                is_constant(c)
            } else {
                matches!(c.node, Node::Literal(_))
            }
    });
    ok && e.is_feature_constant()
        && e.is_global_constant(&[
            "zoom",
            "heatmap-density",
            "line-progress",
            "accumulated",
            "is-supported-script",
            "elevation",
        ])
}

/// Whether `name` is an expression operator (for telling expressions from
/// constant arrays in property values).
pub fn is_operator(name: &str) -> bool {
    matches!(
        name,
        "literal"
            | "semiliteral"
            | "string"
            | "number"
            | "boolean"
            | "object"
            | "array"
            | "to-boolean"
            | "to-color"
            | "to-number"
            | "to-string"
            | "var"
            | "let"
            | "=="
            | "!="
            | "<"
            | "<="
            | ">"
            | ">="
            | "all"
            | "any"
            | "case"
            | "coalesce"
            | "match"
            | "step"
            | "interpolate"
            | "interpolate-hcl"
            | "interpolate-lab"
            | "at"
            | "in"
            | "index-of"
            | "slice"
            | "length"
            | "format"
            | "image"
            | "number-format"
            | "collator"
            | "global-state"
            | "within"
            | "distance"
    ) || signature(name).is_some()
}
