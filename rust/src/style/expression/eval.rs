//! Evaluation of compiled expressions against a feature and globals.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::data::feature::{Feature, GeomType, Properties, TileId};
use crate::style::color::Color;
use crate::style::expression::convert::{format_number, truthy, value_to_number, value_to_string};
use crate::style::expression::{fuel, interp};
use crate::style::expression::node::*;
use crate::style::expression::{collate, text};
use crate::style::expression::types::{kind_of, type_of, Type};
use crate::style::value::{Collator, Formatted, FormattedSection, ResolvedImage, Value};

/// What an expression is evaluated against. Build with [`EvaluationContext::new`]
/// (or `default()`) and set the fields that apply; everything is borrowed.
#[derive(Clone, Copy, Debug, Default)]
pub struct EvaluationContext<'a> {
    pub zoom: Option<f64>,
    pub feature: Option<&'a Feature>,
    pub feature_state: Option<&'a Properties>,
    pub heatmap_density: Option<f64>,
    pub line_progress: Option<f64>,
    pub accumulated: Option<f64>,
    pub elevation: Option<f64>,
    /// The tile the feature belongs to (for `within`).
    pub canonical: Option<TileId>,
    /// The zoom of the tile a feature's paint is laid out for: a paint value
    /// that depends on both zoom and feature is then taken at this zoom and
    /// the next and interpolated by its zoom curve (MapLibre's GPU
    /// "composite" binders); `None` evaluates at `zoom` exactly.
    pub tile_zoom: Option<f64>,
    /// Tile coordinate extent of the feature's layer (for `within`); 0 = 4096.
    pub extent: u32,
    pub available_images: Option<&'a [String]>,
    pub global_state: Option<&'a BTreeMap<String, Value>>,
    /// The values of the enclosing `let`s (set by evaluation itself).
    pub vars: Option<&'a VarFrame<'a>>,
    /// No renderer behind the evaluation (the expression suite, like GL JS
    /// without its script-support hook): `is-supported-script` is true.
    pub assume_scripts_supported: bool,
}

/// One `let`'s bindings during an evaluation: each is evaluated at most once,
/// when a `var` first reads it, so chains of `let`s stay linear.
#[derive(Debug)]
pub struct VarFrame<'a> {
    parent: Option<&'a VarFrame<'a>>,
    bindings: &'a [(String, Arc<Expr>)],
    values: Vec<std::cell::OnceCell<R>>,
}

impl<'a> EvaluationContext<'a> {
    pub fn new() -> Self {
        Self::default()
    }
    /// Context for a zoom level only.
    pub fn at_zoom(zoom: f64) -> Self {
        EvaluationContext {
            zoom: Some(zoom),
            ..Self::default()
        }
    }
    /// Context for a feature at a zoom level.
    pub fn for_feature(zoom: f64, feature: &'a Feature) -> Self {
        EvaluationContext {
            zoom: Some(zoom),
            feature: Some(feature),
            ..Self::default()
        }
    }
}

/// A runtime error: the message MapLibre would give.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalError(pub String);

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EvalError {}

type R = Result<Value, EvalError>;

fn err<T>(msg: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError(msg.into()))
}

/// Evaluates an expression known to depend on nothing (constant folding),
/// under the work bound of the style being parsed, or its own.
pub fn evaluate_constant(e: &Expr) -> R {
    fuel::bounded(fuel::STYLE_STEPS, || eval(e, &EvaluationContext::default()))
}

/// Parses a colour from a string or colour value.
pub fn parse_color_value(v: &Value) -> Option<Color> {
    match v {
        Value::Color(c) => Some(*c),
        Value::String(s) => Color::parse(s),
        _ => None,
    }
}

/// Whether runtime value `v` has (a subtype of) type `t`, without allocating.
pub fn value_has_type(t: &Type, v: &Value) -> bool {
    match (t, v) {
        (Type::Value, Value::Collator(_)) => false,
        (Type::Value, _) => true,
        (Type::Array(item, n), Value::Array(a)) => {
            if n.is_some_and(|n| n != a.len()) {
                return false;
            }
            match **item {
                Type::Value => true,
                // Mixed-item arrays have item type `value`: every item must match.
                ref it if !matches!(it, Type::Array(..)) => {
                    a.iter().all(|x| kind_of(x) == it.kind())
                }
                _ => a.is_empty(),
            }
        }
        (t, v) => t.kind() == kind_of(v),
    }
}

/// Evaluates without copying when the value can be borrowed: literals and
/// `["get", "literal key"]` (the common hot paths of styles).
pub fn eval_ref<'x>(e: &'x Expr, ctx: &EvaluationContext<'x>) -> Result<Cow<'x, Value>, EvalError> {
    static NULL: Value = Value::Null;
    match &e.node {
        Node::Literal(v) => Ok(Cow::Borrowed(v)),
        Node::Call(Op::Get, args) => match &args[0].node {
            Node::Literal(Value::String(k)) => Ok(Cow::Borrowed(
                ctx.feature
                    .and_then(|f| f.properties.get(k))
                    .unwrap_or(&NULL),
            )),
            _ => eval(e, ctx).map(Cow::Owned),
        },
        Node::Assert(args) if args.len() == 1 => {
            let v = eval_ref(&args[0], ctx)?;
            if value_has_type(&e.ty, &v) {
                Ok(v)
            } else {
                err(format!(
                    "Expected value to be of type {}, but found {} instead.",
                    e.ty,
                    type_of(&v)
                ))
            }
        }
        _ => eval(e, ctx).map(Cow::Owned),
    }
}

fn num(e: &Expr, ctx: &EvaluationContext) -> Result<f64, EvalError> {
    match &*eval_ref(e, ctx)? {
        Value::Number(n) => Ok(*n),
        other => err(format!(
            "Expected value to be of type number, but found {} instead.",
            type_of(other)
        )),
    }
}

fn string(e: &Expr, ctx: &EvaluationContext) -> Result<String, EvalError> {
    match eval(e, ctx)? {
        Value::String(s) => Ok(s),
        other => err(format!(
            "Expected value to be of type string, but found {} instead.",
            type_of(&other)
        )),
    }
}

fn boolean(e: &Expr, ctx: &EvaluationContext) -> Result<bool, EvalError> {
    match eval(e, ctx)? {
        Value::Bool(b) => Ok(b),
        other => err(format!(
            "Expected value to be of type boolean, but found {} instead.",
            type_of(&other)
        )),
    }
}

/// A borrowed string for a literal key, else the evaluated one.
fn key_str<'e>(
    e: &'e Expr,
    ctx: &EvaluationContext,
) -> Result<std::borrow::Cow<'e, str>, EvalError> {
    match &e.node {
        Node::Literal(Value::String(s)) => Ok(std::borrow::Cow::Borrowed(s)),
        _ => string(e, ctx).map(std::borrow::Cow::Owned),
    }
}

fn color_of(v: Value) -> Result<Color, EvalError> {
    match v {
        Value::Color(c) => Ok(c),
        other => err(format!(
            "Expected value to be of type color, but found {} instead.",
            type_of(&other)
        )),
    }
}

/// Evaluates a compiled node.
pub fn eval(e: &Expr, ctx: &EvaluationContext) -> R {
    fuel::burn(1)?;
    let v = eval_node(e, ctx)?;
    // A value made or copied costs its size (a literal, a property, a `let`
    // binding read again, a built string), counted no further than the steps
    // left; one handed on unchanged from a child was counted there.
    if !hands_on_a_child(&e.node) {
        fuel::burn(copy_weight(&v))?;
    }
    Ok(v)
}

/// Whether `node`'s value is one of its children's values, moved on
/// unchanged (a type assertion, a `let`'s body, a chosen branch).
fn hands_on_a_child(node: &Node) -> bool {
    matches!(node, Node::Assert(_) | Node::Let(..) | Node::Case(..) | Node::Coalesce(_) | Node::Match { .. } | Node::Step { .. })
}

fn eval_node(e: &Expr, ctx: &EvaluationContext) -> R {
    match &e.node {
        Node::Literal(v) => Ok(v.clone()),
        Node::Assert(args) => {
            let mut last = Value::Null;
            for a in args {
                let v = eval(a, ctx)?;
                if value_has_type(&e.ty, &v) {
                    return Ok(v);
                }
                last = v;
            }
            err(format!(
                "Expected value to be of type {}, but found {} instead.",
                e.ty,
                type_of(&last)
            ))
        }
        Node::Coerce(args) => coerce(&e.ty, args, ctx),
        Node::Var(_, bound) => {
            let mut frame = ctx.vars;
            while let Some(f) = frame {
                if let Some(i) = f.bindings.iter().position(|(_, b)| Arc::ptr_eq(b, bound)) {
                    return f.values[i].get_or_init(|| eval(bound, ctx)).clone();
                }
                frame = f.parent;
            }
            // Outside its `let` (constant folding at parse time).
            eval(bound, ctx)
        }
        Node::Let(bindings, body) => {
            let frame = VarFrame {
                parent: ctx.vars,
                bindings,
                values: bindings.iter().map(|_| std::cell::OnceCell::new()).collect(),
            };
            let inner = EvaluationContext {
                vars: Some(&frame),
                ..*ctx
            };
            eval(body, &inner)
        }
        Node::Call(op, args) => call(*op, args, ctx),
        Node::Compare {
            op,
            lhs,
            rhs,
            collator,
        } => compare(*op, lhs, rhs, collator.as_deref(), ctx),
        Node::All(args) => {
            for a in args {
                if !boolean(a, ctx)? {
                    return Ok(Value::Bool(false));
                }
            }
            Ok(Value::Bool(true))
        }
        Node::Any(args) => {
            for a in args {
                if boolean(a, ctx)? {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }
        Node::Case(branches, otherwise) => {
            for (test, out) in branches {
                if boolean(test, ctx)? {
                    return eval(out, ctx);
                }
            }
            eval(otherwise, ctx)
        }
        Node::Coalesce(args) => {
            let mut requested: Option<ResolvedImage> = None;
            for (i, a) in args.iter().enumerate() {
                let v = eval(a, ctx)?;
                match v {
                    Value::Null => {}
                    Value::Image(img) if !img.available => {
                        let first = requested.get_or_insert(img);
                        if i + 1 == args.len() {
                            return Ok(Value::Image(first.clone()));
                        }
                    }
                    v => return Ok(v),
                }
            }
            Ok(Value::Null)
        }
        Node::Match {
            input,
            labels,
            outputs,
            otherwise,
        } => {
            let hit = labels.get(&*eval_ref(input, ctx)?);
            match hit {
                Some(i) => eval(&outputs[i], ctx),
                None => eval(otherwise, ctx),
            }
        }
        Node::Step {
            input,
            labels,
            outputs,
        } => {
            if labels.len() == 1 {
                return eval(&outputs[0], ctx);
            }
            let x = num(input, ctx)?;
            let i = if x <= labels[0] {
                0
            } else if x >= labels[labels.len() - 1] {
                labels.len() - 1
            } else {
                interp::find_stop(labels, x)
            };
            eval(&outputs[i], ctx)
        }
        Node::Interpolate {
            interpolation,
            space,
            input,
            labels,
            outputs,
        } => {
            if labels.len() == 1 {
                return eval(&outputs[0], ctx);
            }
            let x = num(input, ctx)?;
            let last = labels.len() - 1;
            if x <= labels[0] {
                return eval(&outputs[0], ctx);
            }
            if x >= labels[last] {
                return eval(&outputs[last], ctx);
            }
            let i = interp::find_stop(labels, x);
            let t = interp::factor(*interpolation, x, labels[i], labels[i + 1]);
            let lo = eval(&outputs[i], ctx)?;
            let hi = eval(&outputs[i + 1], ctx)?;
            if e.ty == Type::ProjectionDefinition {
                // Projections transition: {from, to, transition}.
                let mut o = BTreeMap::new();
                o.insert("from".to_string(), lo);
                o.insert("to".to_string(), hi);
                o.insert("transition".to_string(), Value::Number(t));
                return Ok(Value::Object(o));
            }
            interpolate_values(lo, hi, t, *space)
        }
        Node::At(index, input) => {
            let i = num(index, ctx)?;
            let Value::Array(a) = eval(input, ctx)? else {
                return err("Expected value to be of type array.");
            };
            if i < 0.0 {
                return err(format!(
                    "Array index out of bounds: {} < 0.",
                    format_number(i)
                ));
            }
            if i >= a.len() as f64 {
                return err(format!(
                    "Array index out of bounds: {} > {}.",
                    format_number(i),
                    format_number(a.len() as f64 - 1.0)
                ));
            }
            if i.fract() != 0.0 {
                return err(format!(
                    "Array index must be an integer, but found {} instead.",
                    format_number(i)
                ));
            }
            Ok(a.into_iter().nth(i as usize).unwrap_or_default())
        }
        Node::In(needle, haystack) => {
            let n = eval(needle, ctx)?;
            let h = eval_ref(haystack, ctx)?;
            fuel::burn(scan_weight(&h))?;
            if !truthy(&h) {
                return Ok(Value::Bool(false));
            }
            check_needle_haystack(&n, &h)?;
            Ok(Value::Bool(index_of(&n, &h, None) >= 0.0))
        }
        Node::InSet(needle, set) => {
            static LIST: Value = Value::Array(Vec::new());
            let n = eval_ref(needle, ctx)?;
            check_needle_haystack(&n, &LIST)?;
            Ok(Value::Bool(set.contains(&n)))
        }
        Node::IndexOf(needle, haystack, from) => {
            let n = eval(needle, ctx)?;
            let h = eval_ref(haystack, ctx)?;
            fuel::burn(scan_weight(&h))?;
            check_needle_haystack(&n, &h)?;
            let from = match from {
                Some(f) => Some(num(f, ctx)?),
                None => None,
            };
            Ok(Value::Number(index_of(&n, &h, from)))
        }
        Node::Slice(input, begin, end) => {
            let v = eval(input, ctx)?;
            let b = num(begin, ctx)?;
            let en = match end {
                Some(x) => Some(num(x, ctx)?),
                None => None,
            };
            match v {
                Value::String(s) => {
                    let chars: Vec<char> = s.chars().collect();
                    let (b, en) = js_range(chars.len(), b, en);
                    Ok(Value::String(chars[b..en].iter().collect()))
                }
                Value::Array(a) => {
                    let (b, en) = js_range(a.len(), b, en);
                    Ok(Value::Array(a[b..en].to_vec()))
                }
                other => err(format!(
                    "Expected first argument to be of type array or string, but found {} instead.",
                    type_of(&other)
                )),
            }
        }
        Node::Length(input) => match eval(input, ctx)? {
            Value::String(s) => Ok(Value::Number(s.chars().count() as f64)),
            Value::Array(a) => Ok(Value::Number(a.len() as f64)),
            other => err(format!(
                "Expected value to be of type string or array, but found {} instead.",
                type_of(&other)
            )),
        },
        Node::ArrayOf(items) => items
            .iter()
            .map(|i| eval(i, ctx))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Node::Format(sections) => {
            let mut out = Vec::with_capacity(sections.len());
            for s in sections {
                // A section allocates its text or image and its style: as
                // long as several steps (5,000 image sections over 2,000
                // labels took 15 s within the bound at a step each).
                fuel::burn(SECTION_STEPS)?;
                let valign = match &s.vertical_align {
                    Some(v) => Some(string(v, ctx)?),
                    None => None,
                };
                match eval(&s.content, ctx)? {
                    Value::Image(img) => out.push(FormattedSection {
                        image: Some(img),
                        vertical_align: valign,
                        ..Default::default()
                    }),
                    v => {
                        let scale = match &s.scale {
                            Some(x) => Some(num(x, ctx)?),
                            None => None,
                        };
                        let font_stack = match &s.font {
                            Some(x) => match eval(x, ctx)? {
                                Value::Array(a) => Some(
                                    a.iter().map(value_to_string).collect::<Vec<_>>().join(","),
                                ),
                                _ => None,
                            },
                            None => None,
                        };
                        let text_color = match &s.text_color {
                            Some(x) => Some(color_of(eval(x, ctx)?)?),
                            None => None,
                        };
                        out.push(FormattedSection {
                            text: value_to_string(&v),
                            image: None,
                            scale,
                            font_stack,
                            text_color,
                            vertical_align: valign,
                        });
                    }
                }
            }
            Ok(Value::Formatted(Arc::new(Formatted { sections: out })))
        }
        Node::Image(name) => {
            let v = eval(name, ctx)?;
            Ok(resolve_image(value_to_string(&v), ctx))
        }
        Node::NumberFormat {
            number,
            locale,
            currency,
            unit,
            min_fraction,
            max_fraction,
        } => {
            let n = num(number, ctx)?;
            let loc = match locale {
                Some(l) => Some(string(l, ctx)?),
                None => None,
            };
            let cur = match currency {
                Some(c) => Some(string(c, ctx)?),
                None => None,
            };
            let minf = match min_fraction {
                Some(x) => Some(num(x, ctx)?),
                None => None,
            };
            let maxf = match max_fraction {
                Some(x) => Some(num(x, ctx)?),
                None => None,
            };
            if let Some(u) = unit {
                let u = string(u, ctx)?;
                return text::number_format_unit(n, loc.as_deref(), &u, minf, maxf)
                    .map(Value::String)
                    .or_else(|e| err(e));
            }
            Ok(Value::String(text::number_format(
                n,
                loc.as_deref(),
                cur.as_deref(),
                minf,
                maxf,
            )))
        }
        Node::Collator {
            case_sensitive,
            diacritic_sensitive,
            locale,
        } => Ok(Value::Collator(Collator {
            case_sensitive: boolean(case_sensitive, ctx)?,
            diacritic_sensitive: boolean(diacritic_sensitive, ctx)?,
            locale: match locale {
                Some(l) => Some(string(l, ctx)?),
                None => None,
            },
        })),
        Node::GlobalState(key) => Ok(ctx
            .global_state
            .and_then(|g| g.get(key))
            .cloned()
            .unwrap_or(Value::Null)),
        Node::Within(polys) => Ok(Value::Bool(match (ctx.feature, ctx.canonical) {
            (Some(f), Some(c)) => {
                // Each of the feature's points against each polygon edge.
                let edges: usize = polys.0.iter().flatten().map(Vec::len).sum();
                fuel::burn(points(f).saturating_mul(edges as u64))?;
                crate::style::expression::within::within(
                polys,
                f,
                c,
                if ctx.extent == 0 { 4096 } else { ctx.extent },
            )
            }
            _ => false,
        })),
        Node::Distance(g) => {
            let d = match (ctx.feature, ctx.canonical) {
                (Some(f), Some(c)) => {
                    fuel::burn(points(f).saturating_mul(g.points_count()))?;
                    crate::style::expression::distance::distance(
                    g,
                    f,
                    c,
                    if ctx.extent == 0 { 4096 } else { ctx.extent },
                )
                }
                _ => None,
            };
            Ok(Value::Number(d.unwrap_or(f64::NAN)))
        }
    }
}

fn resolve_image(name: String, ctx: &EvaluationContext) -> Value {
    let available = ctx.available_images.is_some_and(|a| a.contains(&name));
    Value::Image(ResolvedImage { name, available })
}

/// JavaScript `slice` bounds.
fn js_range(len: usize, begin: f64, end: Option<f64>) -> (usize, usize) {
    let norm = |x: f64| -> usize {
        let x = if x.is_nan() { 0.0 } else { x.trunc() };
        if x < 0.0 {
            (len as f64 + x).max(0.0) as usize
        } else {
            (x.min(len as f64)) as usize
        }
    };
    let b = norm(begin);
    let e = end.map(norm).unwrap_or(len);
    (b, e.max(b))
}

fn check_needle_haystack(n: &Value, h: &Value) -> Result<(), EvalError> {
    if !matches!(
        n,
        Value::Bool(_) | Value::String(_) | Value::Number(_) | Value::Null
    ) {
        return err(format!(
            "Expected first argument to be of type boolean, string, number or null, but found {} instead.",
            type_of(n)
        ));
    }
    if !matches!(h, Value::String(_) | Value::Array(_)) {
        return err(format!(
            "Expected second argument to be of type array or string, but found {} instead.",
            type_of(h)
        ));
    }
    Ok(())
}

fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// The steps a copy of `v` takes (an item each, a string a step per 8
/// bytes), counted no further than `limit + 1`.
fn copy_weight(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.len() as u64 / 8,
        Value::Array(_) | Value::Object(_) => weight_upto(v, fuel::left()),
        _ => 0,
    }
}

fn weight_upto(v: &Value, limit: u64) -> u64 {
    let mut w = 0u64;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        w = w.saturating_add(match v {
            Value::String(s) => s.len() as u64 / 8,
            Value::Array(a) => {
                stack.extend(a.iter().filter(|x| matches!(x, Value::Array(_) | Value::Object(_) | Value::String(_))));
                a.len() as u64
            }
            Value::Object(o) => {
                stack.extend(o.values());
                o.len() as u64
            }
            _ => 0,
        });
        if w > limit {
            break;
        }
    }
    w
}

/// Steps a `format` section burns beyond its nodes'.
const SECTION_STEPS: u64 = 8;

/// The steps a scan of haystack `h` (`in`, `index-of`) takes (a string's
/// characters are collected first: a step a byte).
fn scan_weight(h: &Value) -> u64 {
    match h {
        Value::String(s) => s.len() as u64,
        Value::Array(a) => a.len() as u64,
        _ => 0,
    }
}

/// The points of a feature's geometry.
fn points(f: &Feature) -> u64 {
    f.geometry.iter().map(|g| g.len() as u64).sum()
}

/// `index-of` on a string (code point index) or array; -1 if absent.
fn index_of(n: &Value, h: &Value, from: Option<f64>) -> f64 {
    match h {
        Value::String(s) => {
            // JavaScript String(needle): null is "null"; negative starts clamp to 0.
            let needle = if *n == Value::Null {
                "null".to_string()
            } else {
                value_to_string(n)
            };
            let chars: Vec<char> = s.chars().collect();
            let start = from
                .map(|f| js_range(chars.len(), f.max(0.0), None).0)
                .unwrap_or(0);
            let hay: String = chars[start..].iter().collect();
            match hay.find(&needle) {
                Some(byte) => (start + hay[..byte].chars().count()) as f64,
                None => -1.0,
            }
        }
        Value::Array(a) => {
            let start = from.map(|f| js_range(a.len(), f, None).0).unwrap_or(0);
            a.iter()
                .skip(start)
                .position(|x| strict_eq(x, n))
                .map(|p| (p + start) as f64)
                .unwrap_or(-1.0)
        }
        _ => -1.0,
    }
}

fn compare(
    op: CmpOp,
    lhs: &Expr,
    rhs: &Expr,
    collator: Option<&Expr>,
    ctx: &EvaluationContext,
) -> R {
    let a = eval_ref(lhs, ctx)?;
    let b = eval_ref(rhs, ctx)?;
    let (a, b) = (&*a, &*b);
    let untyped = lhs.ty == Type::Value || rhs.ty == Type::Value;
    if op.is_order() && untyped {
        let (ka, kb) = (kind_of(a), kind_of(b));
        if ka != kb || !(ka == "string" || ka == "number") {
            return err(format!(
                "Expected arguments for \"{}\" to be (string, string) or (number, number), but found ({ka}, {kb}) instead.",
                op.name()
            ));
        }
    }
    let ord: Option<Ordering> = match (collator, a, b) {
        (Some(c), Value::String(x), Value::String(y)) => {
            let Value::Collator(c) = eval(c, ctx)? else {
                return err("Expected a collator.");
            };
            Some(collate::collate(x, y, &c))
        }
        (_, Value::Number(x), Value::Number(y)) => x.partial_cmp(y),
        (_, Value::String(x), Value::String(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
        _ => None,
    };
    let r = match op {
        CmpOp::Eq => ord.map_or_else(|| strict_eq(a, b), |o| o == Ordering::Equal),
        CmpOp::Ne => ord.map_or_else(|| !strict_eq(a, b), |o| o != Ordering::Equal),
        CmpOp::Lt => ord == Some(Ordering::Less),
        CmpOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => ord == Some(Ordering::Greater),
        CmpOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
    };
    Ok(Value::Bool(r))
}

fn interpolate_values(lo: Value, hi: Value, t: f64, space: ColorSpace) -> R {
    match (lo, hi) {
        (Value::Number(a), Value::Number(b)) => Ok(Value::Number(interp::number(a, b, t))),
        (Value::Color(a), Value::Color(b)) => Ok(Value::Color(interp::color(a, b, t, space))),
        (Value::Array(a), Value::Array(b)) => a
            .into_iter()
            .zip(b)
            .map(|(x, y)| interpolate_values(x, y, t, space))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        (a, b) => err(format!(
            "Cannot interpolate between {} and {}.",
            type_of(&a),
            type_of(&b)
        )),
    }
}

fn validate_rgba(r: f64, g: f64, b: f64, a: Option<f64>) -> Option<String> {
    let ok = |v: f64| (0.0..=255.0).contains(&v);
    if !(ok(r) && ok(g) && ok(b)) {
        let vals: Vec<String> = [Some(r), Some(g), Some(b), a]
            .iter()
            .flatten()
            .map(|v| format_number(*v))
            .collect();
        return Some(format!(
            "Invalid rgba value [{}]: 'r', 'g', and 'b' must be between 0 and 255.",
            vals.join(", ")
        ));
    }
    if let Some(a) = a {
        if !(0.0..=1.0).contains(&a) {
            let vals: Vec<String> = [r, g, b, a].iter().map(|v| format_number(*v)).collect();
            return Some(format!(
                "Invalid rgba value [{}]: 'a' must be between 0 and 1.",
                vals.join(", ")
            ));
        }
    }
    None
}

fn rgba(r: f64, g: f64, b: f64, a: Option<f64>) -> Result<Color, String> {
    match validate_rgba(r, g, b, a) {
        Some(e) => Err(e),
        None => Ok(Color::new(
            (r / 255.0) as f32,
            (g / 255.0) as f32,
            (b / 255.0) as f32,
            a.unwrap_or(1.0) as f32,
        )),
    }
}

fn coerce(ty: &Type, args: &[Expr], ctx: &EvaluationContext) -> R {
    match ty {
        Type::Boolean => Ok(Value::Bool(truthy(&eval(&args[0], ctx)?))),
        Type::Color => {
            let mut last = Value::Null;
            let mut error = None;
            for a in args {
                let v = eval(a, ctx)?;
                error = None;
                match &v {
                    Value::Color(c) => return Ok(Value::Color(*c)),
                    Value::String(s) => {
                        if let Some(c) = Color::parse(s) {
                            return Ok(Value::Color(c));
                        }
                    }
                    Value::Array(items) => {
                        if items.len() < 3 || items.len() > 4 {
                            error = Some(format!(
                                "Invalid rbga value {}: expected an array containing either three or four numeric values.",
                                crate::style::expression::convert::json_stringify(&v)
                            ));
                        } else {
                            let n: Vec<f64> = items
                                .iter()
                                .map(|x| x.as_f64().unwrap_or(f64::NAN))
                                .collect();
                            match rgba(n[0], n[1], n[2], n.get(3).copied()) {
                                Ok(c) => return Ok(Value::Color(c)),
                                Err(e) => error = Some(e),
                            }
                        }
                    }
                    _ => {}
                }
                last = v;
            }
            err(error.unwrap_or_else(|| {
                let shown = match &last {
                    Value::String(s) => s.clone(),
                    other => crate::style::expression::convert::json_stringify(other),
                };
                format!("Could not parse color from value '{shown}'")
            }))
        }
        Type::Number => {
            let mut last = Value::Null;
            for a in args {
                let v = eval(a, ctx)?;
                if v == Value::Null {
                    return Ok(Value::Number(0.0));
                }
                let n = value_to_number(&v);
                if !n.is_nan() {
                    return Ok(Value::Number(n));
                }
                last = v;
            }
            err(format!(
                "Could not convert {} to number.",
                crate::style::expression::convert::json_stringify(&last)
            ))
        }
        Type::Formatted => match eval(&args[0], ctx)? {
            v @ Value::Formatted(_) => Ok(v),
            v => Ok(Value::Formatted(Arc::new(Formatted::from_string(
                value_to_string(&v),
            )))),
        },
        Type::ResolvedImage => match eval(&args[0], ctx)? {
            v @ Value::Image(_) => Ok(v),
            v => Ok(resolve_image(value_to_string(&v), ctx)),
        },
        Type::NumberArray => match eval(&args[0], ctx)? {
            Value::Number(n) => Ok(Value::Array(vec![Value::Number(n)])),
            Value::Array(a) if a.iter().all(|x| matches!(x, Value::Number(_))) => {
                Ok(Value::Array(a))
            }
            other => err(format!(
                "Could not parse numberArray from value '{}'",
                crate::style::expression::convert::json_stringify(&other)
            )),
        },
        Type::Padding => {
            let v = eval(&args[0], ctx)?;
            let nums: Option<Vec<f64>> = match &v {
                Value::Number(n) => Some(vec![*n]),
                Value::Array(a) if (1..=4).contains(&a.len()) => {
                    a.iter().map(Value::as_f64).collect()
                }
                _ => None,
            };
            match nums {
                Some(n) => {
                    let p = match n.len() {
                        1 => [n[0]; 4],
                        2 => [n[0], n[1], n[0], n[1]],
                        3 => [n[0], n[1], n[2], n[1]],
                        _ => [n[0], n[1], n[2], n[3]],
                    };
                    Ok(Value::Array(p.iter().map(|x| Value::Number(*x)).collect()))
                }
                None => err(format!(
                    "Could not parse padding from value '{}'",
                    crate::style::expression::convert::json_stringify(&v)
                )),
            }
        }
        Type::ColorArray => {
            let v = eval(&args[0], ctx)?;
            let colors: Option<Vec<Color>> = match &v {
                Value::Array(a) => a.iter().map(parse_color_value).collect(),
                other => parse_color_value(other).map(|c| vec![c]),
            };
            match colors {
                Some(c) => Ok(Value::Array(c.into_iter().map(Value::Color).collect())),
                None => err(format!(
                    "Could not parse colorArray from value '{}'",
                    crate::style::expression::convert::json_stringify(&v)
                )),
            }
        }
        Type::ProjectionDefinition => match eval(&args[0], ctx)? {
            v @ (Value::String(_) | Value::Array(_) | Value::Object(_)) => Ok(v),
            other => err(format!(
                "Could not parse projectionDefinition from value '{}'",
                crate::style::expression::convert::json_stringify(&other)
            )),
        },
        Type::VariableAnchorOffsetCollection => eval(&args[0], ctx),
        _ => Ok(Value::String(value_to_string(&eval(&args[0], ctx)?))),
    }
}

fn geometry_type(f: &Feature) -> &'static str {
    match f.geom_type {
        GeomType::Point => "Point",
        GeomType::LineString => "LineString",
        GeomType::Polygon => "Polygon",
        GeomType::Unknown => "Unknown",
    }
}

fn call(op: Op, args: &[Expr], ctx: &EvaluationContext) -> R {
    let n1 = |f: fn(f64) -> f64| -> R { Ok(Value::Number(f(num(&args[0], ctx)?))) };
    let fold = |init: f64, f: fn(f64, f64) -> f64| -> R {
        let mut acc = init;
        for a in args {
            acc = f(acc, num(a, ctx)?);
        }
        Ok(Value::Number(acc))
    };
    match op {
        Op::Error => err(string(&args[0], ctx)?),
        Op::Typeof => Ok(Value::String(type_of(&eval(&args[0], ctx)?).to_string())),
        Op::ToRgba => {
            let c = color_of(eval(&args[0], ctx)?)?;
            let v = [
                c.r as f64 * 255.0,
                c.g as f64 * 255.0,
                c.b as f64 * 255.0,
                c.a as f64,
            ];
            Ok(Value::Array(v.iter().map(|x| Value::Number(*x)).collect()))
        }
        Op::Rgb | Op::Rgba => {
            let r = num(&args[0], ctx)?;
            let g = num(&args[1], ctx)?;
            let b = num(&args[2], ctx)?;
            let a = if op == Op::Rgba {
                Some(num(&args[3], ctx)?)
            } else {
                None
            };
            rgba(r, g, b, a).map(Value::Color).map_err(EvalError)
        }
        Op::Get => {
            let k = key_str(&args[0], ctx)?;
            Ok(ctx
                .feature
                .and_then(|f| f.properties.get(&k))
                .cloned()
                .unwrap_or(Value::Null))
        }
        Op::GetIn => {
            let k = key_str(&args[0], ctx)?;
            match eval(&args[1], ctx)? {
                Value::Object(mut o) => Ok(o.remove(k.as_ref()).unwrap_or(Value::Null)),
                _ => Ok(Value::Null),
            }
        }
        Op::Has => {
            let k = key_str(&args[0], ctx)?;
            Ok(Value::Bool(
                ctx.feature.is_some_and(|f| f.properties.contains(&k)),
            ))
        }
        Op::HasIn => {
            let k = key_str(&args[0], ctx)?;
            match eval(&args[1], ctx)? {
                Value::Object(o) => Ok(Value::Bool(o.contains_key(k.as_ref()))),
                _ => Ok(Value::Bool(false)),
            }
        }
        Op::FeatureState => {
            let k = key_str(&args[0], ctx)?;
            Ok(ctx
                .feature_state
                .and_then(|s| s.get(&k))
                .cloned()
                .unwrap_or(Value::Null))
        }
        Op::Properties => Ok(Value::Object(
            ctx.feature
                .map(|f| {
                    f.properties
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect()
                })
                .unwrap_or_default(),
        )),
        Op::GeometryType => Ok(ctx
            .feature
            .map(|f| Value::String(geometry_type(f).into()))
            .unwrap_or(Value::Null)),
        Op::Id => Ok(ctx
            .feature
            .and_then(|f| f.id.clone())
            .unwrap_or(Value::Null)),
        Op::Zoom => Ok(Value::Number(ctx.zoom.unwrap_or(0.0))),
        Op::HeatmapDensity => Ok(Value::Number(ctx.heatmap_density.unwrap_or(0.0))),
        Op::LineProgress => Ok(Value::Number(ctx.line_progress.unwrap_or(0.0))),
        Op::Accumulated => Ok(Value::Number(ctx.accumulated.unwrap_or(0.0))),
        Op::Elevation => Ok(Value::Number(ctx.elevation.unwrap_or(0.0))),
        Op::Plus => fold(0.0, |a, b| a + b),
        Op::Times => fold(1.0, |a, b| a * b),
        Op::Min => fold(f64::INFINITY, |a, b| {
            if a.is_nan() || b.is_nan() {
                f64::NAN
            } else {
                a.min(b)
            }
        }),
        Op::Max => fold(f64::NEG_INFINITY, |a, b| {
            if a.is_nan() || b.is_nan() {
                f64::NAN
            } else {
                a.max(b)
            }
        }),
        Op::Minus => Ok(Value::Number(num(&args[0], ctx)? - num(&args[1], ctx)?)),
        Op::Negate => n1(|x| -x),
        Op::Divide => Ok(Value::Number(num(&args[0], ctx)? / num(&args[1], ctx)?)),
        Op::Rem => Ok(Value::Number(num(&args[0], ctx)? % num(&args[1], ctx)?)),
        Op::Pow => Ok(Value::Number(num(&args[0], ctx)?.powf(num(&args[1], ctx)?))),
        Op::Ln2 => Ok(Value::Number(std::f64::consts::LN_2)),
        Op::Pi => Ok(Value::Number(std::f64::consts::PI)),
        Op::E => Ok(Value::Number(std::f64::consts::E)),
        Op::Sqrt => n1(f64::sqrt),
        Op::Log10 => n1(f64::log10),
        Op::Ln => n1(f64::ln),
        Op::Log2 => n1(f64::log2),
        Op::Sin => n1(f64::sin),
        Op::Cos => n1(f64::cos),
        Op::Tan => n1(f64::tan),
        Op::Asin => n1(f64::asin),
        Op::Acos => n1(f64::acos),
        Op::Atan => n1(f64::atan),
        Op::Floor => n1(f64::floor),
        Op::Ceil => n1(f64::ceil),
        Op::Abs => n1(f64::abs),
        Op::Round => n1(f64::round),
        Op::Not => Ok(Value::Bool(!boolean(&args[0], ctx)?)),
        Op::Upcase => Ok(Value::String(string(&args[0], ctx)?.to_uppercase())),
        Op::Downcase => Ok(Value::String(string(&args[0], ctx)?.to_lowercase())),
        Op::Concat => {
            let mut s = String::new();
            for a in args {
                let part = value_to_string(&eval(a, ctx)?);
                fuel::string_of(s.len().saturating_add(part.len()))?;
                s.push_str(&part);
            }
            Ok(Value::String(s))
        }
        Op::ResolvedLocale => match eval(&args[0], ctx)? {
            Value::Collator(c) => Ok(Value::String(collate::resolve_locale(c.locale.as_deref()))),
            _ => err("Expected a collator."),
        },
        Op::IsSupportedScript => {
            let s = string(&args[0], ctx)?;
            Ok(Value::Bool(ctx.assume_scripts_supported || text::is_supported_script(&s)))
        }
        Op::Split => {
            let s = string(&args[0], ctx)?;
            let sep = string(&args[1], ctx)?;
            // Each part weighs a step once built (copy_weight): a split into
            // more parts than the steps left fails before it builds them.
            let count = if sep.is_empty() { s.chars().count() } else { s.matches(sep.as_str()).count() + 1 };
            fuel::afford(count as u64)?;
            // Counted, the parts go into one allocation of their size.
            let mut parts = Vec::with_capacity(count);
            if sep.is_empty() {
                parts.extend(s.chars().map(|c| Value::String(c.to_string())));
            } else {
                parts.extend(s.split(sep.as_str()).map(|p| Value::String(p.to_string())));
            }
            Ok(Value::Array(parts))
        }
        Op::Join => {
            let Value::Array(a) = eval(&args[0], ctx)? else {
                return err("Expected value to be of type array.");
            };
            let sep = string(&args[1], ctx)?;
            // Checked part by part, as `concat` is: no part is kept past the bound.
            let mut s = String::new();
            for (i, item) in a.iter().enumerate() {
                let part = value_to_string(item);
                let sep = if i == 0 { "" } else { sep.as_str() };
                fuel::string_of(s.len().saturating_add(sep.len()).saturating_add(part.len()))?;
                s.push_str(sep);
                s.push_str(&part);
            }
            Ok(Value::String(s))
        }
    }
}
