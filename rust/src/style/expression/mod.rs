//! The expression language: parsed and type-checked once, evaluated per
//! feature and zoom.
//!
//! ```
//! use mapcore::style::expression::{parse_expression, EvaluationContext, PropertySpec, Type};
//! use mapcore::style::value::Value;
//! let json = serde_json::json!(["interpolate", ["linear"], ["zoom"], 0, 1, 10, 11]);
//! let spec = PropertySpec::data_driven(Type::Number, true);
//! let e = parse_expression(&json, Some(&spec)).unwrap();
//! assert!(e.is_feature_constant() && !e.is_zoom_constant());
//! assert_eq!(e.evaluate(&EvaluationContext::at_zoom(5.0)).unwrap(), Value::Number(6.0));
//! ```
//!
//! Modules: `types` (static types), `node` (compiled tree), `parse` (JSON to
//! tree, type checking, constant folding), `signatures` (fixed-signature
//! operators), `eval` (evaluation), `convert` (JavaScript-compatible
//! conversions), `interp` (interpolation and colour spaces), `text` (collator,
//! number-format), `within`, `conformance` (the shared test suite runner).
//! `distance` measures in metres with a local flat approximation.

pub mod collate;
pub mod conformance;
pub mod convert;
pub mod distance;
pub mod eval;
pub mod fuel;
pub mod interp;
pub mod node;
pub mod parse;
pub mod signatures;
pub mod text;
pub mod types;
pub mod within;

pub use convert::format_number;
pub use eval::{EvalError, EvaluationContext};
pub use types::Type;

use crate::style::color::Color;
use crate::style::value::Value;
use node::{Expr, Interpolation, Node};
use parse::{Annotate, Parser};

/// A parse (compile) error: `key` is the path inside the expression (`[2][1]`,
/// empty for the root), `message` the reference's wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.key, self.message)
        }
    }
}

/// The `property-type` of a style property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyType {
    DataDriven,
    DataConstant,
    Constant,
    ColorRamp,
    CrossFaded,
    CrossFadedDataDriven,
}

impl PropertyType {
    pub fn parse(s: &str) -> Option<PropertyType> {
        Some(match s {
            "data-driven" => PropertyType::DataDriven,
            "data-constant" => PropertyType::DataConstant,
            "constant" => PropertyType::Constant,
            "color-ramp" => PropertyType::ColorRamp,
            "cross-faded" => PropertyType::CrossFaded,
            "cross-faded-data-driven" => PropertyType::CrossFadedDataDriven,
            _ => return None,
        })
    }
    pub fn supports_data(self) -> bool {
        matches!(
            self,
            PropertyType::DataDriven | PropertyType::CrossFadedDataDriven
        )
    }
}

/// Expression inputs a property allows (`expression.parameters`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Parameters {
    pub zoom: bool,
    pub feature: bool,
    pub feature_state: bool,
    pub heatmap_density: bool,
    pub line_progress: bool,
}

/// What a property expects of its expression.
#[derive(Clone, Debug, PartialEq)]
pub struct PropertySpec {
    /// Result type (`enum` properties use `Type::String` plus `enum_values`).
    pub ty: Type,
    pub property_type: PropertyType,
    pub parameters: Parameters,
    /// Whether `interpolate` may be used (`expression.interpolated`).
    pub interpolated: bool,
    pub default: Option<Value>,
    pub enum_values: Option<Vec<String>>,
}

impl PropertySpec {
    /// A data-driven property of type `ty` using zoom and feature.
    pub fn data_driven(ty: Type, interpolated: bool) -> PropertySpec {
        PropertySpec {
            ty,
            property_type: PropertyType::DataDriven,
            parameters: Parameters {
                zoom: true,
                feature: true,
                ..Parameters::default()
            },
            interpolated,
            default: None,
            enum_values: None,
        }
    }

    /// Reads a v8.json-style property object (`type`, `value`, `length`,
    /// `property-type`, `expression`, `default`, `values`).
    pub fn from_json(j: &serde_json::Value) -> PropertySpec {
        let s = |k: &str| j.get(k).and_then(|v| v.as_str());
        let scalar = |t: Option<&str>| match t {
            Some("number") => Type::Number,
            Some("string") | Some("enum") => Type::String,
            Some("boolean") => Type::Boolean,
            Some("color") => Type::Color,
            Some("formatted") => Type::Formatted,
            Some("resolvedImage") => Type::ResolvedImage,
            Some("padding") => Type::Padding,
            Some("numberArray") => Type::NumberArray,
            Some("colorArray") => Type::ColorArray,
            Some("variableAnchorOffsetCollection") => Type::VariableAnchorOffsetCollection,
            Some("projectionDefinition") => Type::ProjectionDefinition,
            _ => Type::Value,
        };
        let ty = match s("type") {
            Some("array") => Type::array(
                scalar(s("value")),
                j.get("length").and_then(|l| l.as_u64()).map(|l| l as usize),
            ),
            t => scalar(t),
        };
        let expr = j.get("expression");
        let mut parameters = Parameters::default();
        if let Some(ps) = expr
            .and_then(|e| e.get("parameters"))
            .and_then(|p| p.as_array())
        {
            for p in ps.iter().filter_map(|p| p.as_str()) {
                match p {
                    "zoom" => parameters.zoom = true,
                    "feature" => parameters.feature = true,
                    "feature-state" => parameters.feature_state = true,
                    "heatmap-density" => parameters.heatmap_density = true,
                    "line-progress" => parameters.line_progress = true,
                    _ => {}
                }
            }
        }
        let enum_values = match j.get("values") {
            Some(serde_json::Value::Object(o)) => Some(o.keys().cloned().collect()),
            Some(serde_json::Value::Array(a)) => Some(
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
            ),
            _ => None,
        };
        PropertySpec {
            ty,
            property_type: s("property-type")
                .and_then(PropertyType::parse)
                .unwrap_or(PropertyType::DataDriven),
            parameters,
            interpolated: expr
                .and_then(|e| e.get("interpolated"))
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            default: j.get("default").map(Value::from_json),
            enum_values: if s("type") == Some("enum") {
                Some(enum_values.unwrap_or_default())
            } else {
                None
            },
        }
    }
}

/// A compiled expression.
#[derive(Clone, Debug)]
pub struct Expression {
    root: Expr,
    feature_constant: bool,
    zoom_constant: bool,
    state_dependent: bool,
    enum_values: Option<Vec<String>>,
    /// The top-level zoom curve's kind, found once when compiling (the
    /// factor of a composite value is asked per feature).
    curve: CurveKind,
}

#[derive(Clone, Copy, Debug)]
enum CurveKind {
    None,
    Step,
    Interpolate(Interpolation),
}

/// Compiles `json`. With a property spec, the result is typed and checked as
/// that property (coercions, allowed inputs, zoom-curve placement).
pub fn parse_expression(
    json: &serde_json::Value,
    spec: Option<&PropertySpec>,
) -> Result<Expression, Vec<ParseError>> {
    let mut p = Parser::new();
    let expected = spec.map(|s| s.ty.clone());
    let annotate = if spec.is_some_and(|s| s.ty == Type::String && s.enum_values.is_none()) {
        Annotate::Coerce
    } else {
        Annotate::Default
    };
    let Some(root) = p.parse(json, "", expected.as_ref(), annotate) else {
        return Err(p.errors);
    };
    let e = Expression::compiled(root, spec.and_then(|s| s.enum_values.clone()));
    if let Some(spec) = spec {
        let err = |m: &str| {
            Err(vec![ParseError {
                key: String::new(),
                message: m.to_string(),
            }])
        };
        if !e.feature_constant && !spec.property_type.supports_data() {
            return err("data expressions not supported");
        }
        if !e.zoom_constant && !spec.parameters.zoom {
            return err("zoom expressions not supported");
        }
        match find_zoom_curve(&e.root) {
            ZoomCurve::Error(m) => return err(m),
            ZoomCurve::None if !e.zoom_constant => {
                return err("\"zoom\" expression may only be used as input to a top-level \"step\" or \"interpolate\" expression.")
            }
            ZoomCurve::Found(c) if matches!(c.node, Node::Interpolate { .. }) && !spec.interpolated => {
                return err("\"interpolate\" expressions cannot be used with this property")
            }
            _ => {}
        }
    }
    Ok(e)
}

/// Compiles `json` expecting result type `ty`, without a property's checks
/// (used for filters).
pub fn parse_typed(json: &serde_json::Value, ty: &Type) -> Result<Expression, Vec<ParseError>> {
    let mut p = Parser::new();
    let Some(root) = p.parse(json, "", Some(ty), Annotate::Default) else {
        return Err(p.errors);
    };
    Ok(Expression::compiled(root, None))
}

#[derive(Clone)]
enum ZoomCurve<'a> {
    None,
    Found(&'a Expr),
    Error(&'static str),
}

fn is_zoom_input(e: &Expr) -> bool {
    matches!(e.node, Node::Call(node::Op::Zoom, _))
}

fn find_zoom_curve(e: &Expr) -> ZoomCurve<'_> {
    // Each child once (a let's body or a coalesce's arguments twice would make
    // nested lets exponential).
    let mut children = Vec::new();
    e.each_child(&mut |c| children.push(find_zoom_curve(c)));
    let mut result = match &e.node {
        // The body is the last child.
        Node::Let(..) => children.last().cloned().unwrap_or(ZoomCurve::None),
        Node::Coalesce(_) => children
            .iter()
            .find(|r| !matches!(r, ZoomCurve::None))
            .cloned()
            .unwrap_or(ZoomCurve::None),
        Node::Step { input, .. } | Node::Interpolate { input, .. } if is_zoom_input(input) => {
            ZoomCurve::Found(e)
        }
        _ => ZoomCurve::None,
    };
    if let ZoomCurve::Error(_) = result {
        return result;
    }
    for child in children {
        result = match (std::mem::replace(&mut result, ZoomCurve::None), child) {
            (_, ZoomCurve::Error(m)) => ZoomCurve::Error(m),
            (ZoomCurve::Error(m), _) => ZoomCurve::Error(m),
            (ZoomCurve::None, ZoomCurve::Found(_)) => ZoomCurve::Error(
                "\"zoom\" expression may only be used as input to a top-level \"step\" or \"interpolate\" expression.",
            ),
            (ZoomCurve::Found(r), ZoomCurve::Found(c)) if !std::ptr::eq(r, c) => ZoomCurve::Error(
                "Only one zoom-based \"step\" or \"interpolate\" subexpression may be used in an expression.",
            ),
            (r, _) => r,
        };
    }
    result
}

impl Expression {
    fn compiled(root: Expr, enum_values: Option<Vec<String>>) -> Expression {
        let curve = match find_zoom_curve(&root) {
            ZoomCurve::Found(Expr { node: Node::Interpolate { interpolation, .. }, .. }) => CurveKind::Interpolate(*interpolation),
            ZoomCurve::Found(_) => CurveKind::Step,
            _ => CurveKind::None,
        };
        Expression {
            feature_constant: root.is_feature_constant(),
            zoom_constant: root.is_global_constant(&["zoom"]),
            state_dependent: root.is_state_dependent(),
            enum_values,
            curve,
            root,
        }
    }

    /// Evaluates; errors are the reference's runtime errors. Enum values are
    /// not checked (see [`Expression::evaluate_checked`]).
    pub fn evaluate(&self, ctx: &EvaluationContext) -> Result<Value, EvalError> {
        eval::eval(&self.root, ctx)
    }

    /// Evaluates as a style property does: like [`Expression::evaluate`], and
    /// an enum property's result must be one of its values.
    pub fn evaluate_checked(&self, ctx: &EvaluationContext) -> Result<Value, EvalError> {
        let v = eval::eval(&self.root, ctx)?;
        if let (Some(values), Value::String(s)) = (&self.enum_values, &v) {
            if values.is_empty() {
                return Ok(v);
            }
            if !values.iter().any(|x| x == s) {
                let list: Vec<String> = values.iter().map(|x| format!("\"{x}\"")).collect();
                return Err(EvalError(format!(
                    "Expected value to be one of {}, but found \"{s}\" instead.",
                    list.join(", ")
                )));
            }
        }
        Ok(v)
    }

    /// Evaluates to a number; `None` on error, null or NaN.
    pub fn evaluate_f64(&self, ctx: &EvaluationContext) -> Option<f64> {
        match eval::eval(&self.root, ctx) {
            Ok(Value::Number(n)) if !n.is_nan() => Some(n),
            _ => None,
        }
    }

    /// Evaluates to a colour; `None` on error or null.
    pub fn evaluate_color(&self, ctx: &EvaluationContext) -> Option<Color> {
        match eval::eval(&self.root, ctx) {
            Ok(Value::Color(c)) => Some(c),
            Ok(Value::String(s)) => Color::parse(&s),
            _ => None,
        }
    }

    /// Evaluates to a boolean; `None` on error or a non-boolean.
    pub fn evaluate_bool(&self, ctx: &EvaluationContext) -> Option<bool> {
        match eval::eval(&self.root, ctx) {
            Ok(Value::Bool(b)) => Some(b),
            _ => None,
        }
    }

    pub fn is_feature_constant(&self) -> bool {
        self.feature_constant
    }
    pub fn is_zoom_constant(&self) -> bool {
        self.zoom_constant
    }
    /// True if the expression reads `feature-state`.
    /// Whether the expression never reads the named global (`"accumulated"`,
    /// `"zoom"`, ...).
    pub fn is_global_constant(&self, names: &[&str]) -> bool {
        self.root.is_global_constant(names)
    }
    pub fn is_state_dependent(&self) -> bool {
        self.state_dependent
    }
    pub fn result_type(&self) -> &Type {
        &self.root.ty
    }
    /// The constant value if the whole expression folded to one.
    pub fn as_constant(&self) -> Option<&Value> {
        match &self.root.node {
            Node::Literal(v) => Some(v),
            _ => None,
        }
    }
    /// MapLibre's interpolation factor of the zoom curve at `zoom` between
    /// the zoom levels `lower` and `upper`: the curve's own interpolation
    /// for an `interpolate`, 0 for a `step`; `None` without a zoom curve.
    pub fn zoom_factor(&self, zoom: f64, lower: f64, upper: f64) -> Option<f64> {
        match self.curve {
            CurveKind::Interpolate(interpolation) => Some(interp::factor(interpolation, zoom, lower, upper)),
            CurveKind::Step => Some(0.0),
            CurveKind::None => None,
        }
    }

    /// For a top-level zoom `interpolate`/`step`: the stop inputs (zoom levels).
    pub fn zoom_stops(&self) -> Option<&[f64]> {
        match find_zoom_curve(&self.root) {
            ZoomCurve::Found(Expr {
                node: Node::Interpolate { labels, .. } | Node::Step { labels, .. },
                ..
            }) => Some(labels),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::feature::{Feature, GeomType, Properties};
    use serde_json::json;

    fn feature(props: &[(&str, Value)]) -> Feature {
        let mut p = Properties::default();
        for (k, v) in props {
            p.insert(*k, v.clone());
        }
        Feature {
            id: Some(Value::Number(3.0)),
            geom_type: GeomType::LineString,
            geometry: vec![],
            properties: p,
        }
    }

    #[test]
    fn evaluates_feature_and_zoom() {
        let spec = PropertySpec::data_driven(Type::Color, true);
        let e = parse_expression(
            &json!([
                "interpolate",
                ["linear"],
                ["zoom"],
                0,
                ["get", "c"],
                10,
                "blue"
            ]),
            Some(&spec),
        )
        .unwrap();
        assert!(!e.is_feature_constant() && !e.is_zoom_constant());
        assert_eq!(e.result_type(), &Type::Color);
        assert_eq!(e.zoom_stops(), Some(&[0.0, 10.0][..]));
        let f = feature(&[("c", Value::String("red".into()))]);
        let c = e
            .evaluate_color(&EvaluationContext::for_feature(5.0, &f))
            .unwrap();
        assert_eq!(c, Color::new(0.5, 0.0, 0.5, 1.0));
        let id = parse_expression(&json!(["+", ["id"], 1]), None).unwrap();
        assert_eq!(
            id.evaluate_f64(&EvaluationContext::for_feature(0.0, &f)),
            Some(4.0)
        );
        let gt = parse_expression(&json!(["geometry-type"]), None).unwrap();
        assert_eq!(
            gt.evaluate(&EvaluationContext::for_feature(0.0, &f))
                .unwrap(),
            Value::String("LineString".into())
        );
    }

    #[test]
    fn constant_folding_and_errors() {
        let e = parse_expression(&json!(["*", 2, ["+", 1, 2]]), None).unwrap();
        assert_eq!(e.as_constant(), Some(&Value::Number(6.0)));
        let errs = parse_expression(&json!(["+", 1, "a"]), None).unwrap_err();
        assert_eq!(errs[0].key, "[2]");
        assert_eq!(errs[0].message, "Expected number but found string instead.");
        let errs = parse_expression(&json!(["nope"]), None).unwrap_err();
        assert_eq!(errs[0].to_string(), "[0]: Unknown expression \"nope\". If you wanted a literal array, use [\"literal\", [...]].");
        let errs = parse_expression(&json!(["distance", {"type": "Nope"}]), None).unwrap_err();
        assert!(errs[0]
            .message
            .starts_with("'distance' expression requires valid geojson"));
    }

    #[test]
    fn feature_state_and_globals() {
        let e = parse_expression(
            &json!(["coalesce", ["feature-state", "hover"], false]),
            None,
        )
        .unwrap();
        assert!(e.is_state_dependent());
        let mut state = Properties::default();
        state.insert("hover", Value::Bool(true));
        let ctx = EvaluationContext {
            feature_state: Some(&state),
            ..EvaluationContext::default()
        };
        assert_eq!(e.evaluate_bool(&ctx), Some(true));
        assert_eq!(e.evaluate_bool(&EvaluationContext::default()), Some(false));
        let mut g = std::collections::BTreeMap::new();
        g.insert("k".to_string(), Value::Number(2.0));
        let e = parse_expression(&json!(["number", ["global-state", "k"]]), None).unwrap();
        let ctx = EvaluationContext {
            global_state: Some(&g),
            ..EvaluationContext::default()
        };
        assert_eq!(e.evaluate_f64(&ctx), Some(2.0));
    }

    #[test]
    fn property_spec_checks() {
        let mut spec = PropertySpec::data_driven(Type::Number, false);
        assert_eq!(
            parse_expression(
                &json!(["interpolate", ["linear"], ["zoom"], 0, 1, 1, 2]),
                Some(&spec)
            )
            .unwrap_err()[0]
                .message,
            "\"interpolate\" expressions cannot be used with this property"
        );
        spec.property_type = PropertyType::DataConstant;
        assert_eq!(
            parse_expression(&json!(["get", "x"]), Some(&spec)).unwrap_err()[0].message,
            "data expressions not supported"
        );
        let enum_spec =
            PropertySpec::from_json(&json!({"type": "enum", "values": {"a": {}, "b": {}}}));
        let e = parse_expression(&json!(["get", "x"]), Some(&enum_spec)).unwrap();
        let f = feature(&[("x", Value::String("c".into()))]);
        assert!(e
            .evaluate_checked(&EvaluationContext::for_feature(0.0, &f))
            .is_err());
    }

    /// `["let", "v0", base, ["let", "v1", ["+", ["var", "v0"], ["var", "v0"]], ...
    /// ["var", "vN"]]]`: each binding doubles the previous one.
    pub(crate) fn let_chain(n: usize, base: serde_json::Value) -> serde_json::Value {
        let_chain_of("+", n, base)
    }

    /// [`let_chain`] with `op` ("+" or "concat") joining each binding to itself.
    pub(crate) fn let_chain_of(op: &str, n: usize, base: serde_json::Value) -> serde_json::Value {
        let mut e = json!(["var", format!("v{n}")]);
        for i in (1..=n).rev() {
            let prev = format!("v{}", i - 1);
            e = json!(["let", format!("v{i}"), [op, ["var", prev], ["var", prev]], e]);
        }
        json!(["let", "v0", base, e])
    }

    #[test]
    fn strings_built_by_let_chains_stop_at_the_string_bound() {
        use fuel::MAX_STRING_BYTES;
        // Each binding doubles "ab": v19 is 2^20 bytes, v40 would be 2^41.
        let spec = PropertySpec::data_driven(Type::String, false);
        let f = feature(&[("s", Value::String("ab".into()))]);
        let run = |n: usize| {
            let e = parse_expression(&let_chain_of("concat", n, json!(["get", "s"])), Some(&spec)).unwrap();
            fuel::with_fuel(fuel::MAX_STEPS, || e.evaluate(&EvaluationContext::for_feature(0.0, &f)))
        };
        let (at, spent) = run(19);
        assert_eq!((at.map(|v| convert::value_to_string(&v).len()), spent), (Ok(MAX_STRING_BYTES), fuel::Spent::default()));
        let (past, spent) = run(40);
        let e = past.unwrap_err().0;
        assert!(e.contains(&format!("at most {MAX_STRING_BYTES} bytes, but it would take {}", 2 * MAX_STRING_BYTES)), "{e}");
        assert!(e.contains("the expression string bound"), "{e}");
        assert_eq!(spent, fuel::Spent { steps: false, long_strings: true }, "the bound is told");
        // A constant base is folded when parsed: the fold fails the same way.
        let errs = parse_expression(&let_chain_of("concat", 40, json!("ab")), Some(&spec)).unwrap_err();
        assert!(errs[0].message.contains("the expression string bound"), "{errs:?}");
        // `join` stops at the part that passes the bound: 2,000 parts, each
        // joined by the 2,000-byte string itself (4 MB joined), stop at the
        // 526th part (1 byte and a separator each).
        let s = "x".repeat(2_000);
        let join = json!(["let", "s", s, ["join", ["split", ["var", "s"], ""], ["var", "s"]]]);
        let errs = parse_expression(&join, Some(&spec)).unwrap_err();
        let past = 524 * 2_001 + 2_001 + 1;
        assert!(past - 2_001 <= MAX_STRING_BYTES && past > MAX_STRING_BYTES);
        assert!(errs[0].message.contains(&format!("at most {MAX_STRING_BYTES} bytes, but it would take {past}")), "{errs:?}");
    }

    #[test]
    fn values_an_evaluation_copies_cost_their_size() {
        // A property of 800,000 bytes, read and built again: 200,000 steps
        // (it was 4, whatever the size).
        let f = feature(&[("s", Value::String("x".repeat(800_000)))]);
        let e = parse_expression(&json!(["concat", ["get", "s"], ""]), None).unwrap();
        let run = |steps| fuel::with_fuel(steps, || e.evaluate(&EvaluationContext::for_feature(0.0, &f)).is_ok());
        assert_eq!(run(300_000), (true, fuel::Spent::default()));
        assert_eq!(run(150_000), (false, fuel::Spent { steps: true, long_strings: false }));
        // Handed on unchanged through 50 assertions and branches, it is
        // weighed once: 100,000 steps and a few hundred more.
        let mut chain = json!(["get", "s"]);
        for i in 0..50 {
            chain = if i % 2 == 0 { json!(["string", chain]) } else { json!(["case", true, chain, "no"]) };
        }
        let e = parse_expression(&chain, None).unwrap();
        let run = |steps| fuel::with_fuel(steps, || e.evaluate(&EvaluationContext::for_feature(0.0, &f)).is_ok());
        assert_eq!(run(101_000), (true, fuel::Spent::default()));
        assert_eq!(run(99_000), (false, fuel::Spent { steps: true, long_strings: false }));
    }

    #[test]
    fn match_finds_its_labels_by_value_and_refuses_repeated_ones() {
        let labels: Vec<i64> = (0..50_000).collect();
        let numbers = parse_expression(&json!(["match", ["get", "k"], labels, "in", 70_000, "far", "out"]), None).unwrap();
        let strings = parse_expression(&json!(["match", ["get", "k"], ["a", "b"], "ab", "c", "c", "out"]), None).unwrap();
        let at = |e: &Expression, v: Value| e.evaluate(&EvaluationContext::for_feature(0.0, &feature(&[("k", v)]))).unwrap();
        let s = |t: &str| Value::String(t.into());
        assert_eq!(at(&numbers, Value::Number(49_999.0)), s("in"));
        assert_eq!(at(&numbers, Value::Number(70_000.0)), s("far"));
        assert_eq!(at(&numbers, Value::Number(-0.0)), s("in"), "-0 is 0");
        assert_eq!(at(&numbers, Value::Number(0.5)), s("out"));
        assert_eq!(at(&numbers, Value::Number(f64::NAN)), s("out"));
        assert_eq!(at(&numbers, s("49999")), s("out"), "a string is not a number label");
        assert_eq!(at(&strings, s("b")), s("ab"));
        assert_eq!(at(&strings, s("c")), s("c"));
        assert_eq!(at(&strings, s("d")), s("out"));
        assert_eq!(at(&strings, Value::Number(1.0)), s("out"));
        for repeated in [json!(["match", ["get", "k"], [1, 2], "a", 1, "b", "c"]), json!(["match", ["get", "k"], [0, -0.0], "a", "c"]), json!(["match", ["get", "k"], ["x", "x"], "a", "c"])] {
            let errs = parse_expression(&repeated, None).unwrap_err();
            assert!(errs[0].message.contains("Branch labels must be unique"), "{repeated}: {errs:?}");
        }
    }

    #[test]
    fn in_a_literal_list_is_a_set_that_answers_as_the_scan_does() {
        // The same list as a literal (a set) and as a feature's property
        // (scanned): strict equality either way.
        let items = json!([0, -1.5, "a", "0", true, null, 1e300, "", 7]);
        let set = parse_expression(&json!(["in", ["get", "k"], ["literal", items.clone()]]), None).unwrap();
        assert!(matches!(set.root.node, Node::InSet(..)), "{:?}", set.root.node);
        let scan = parse_expression(&json!(["in", ["get", "k"], ["get", "list"]]), None).unwrap();
        let list = Value::from_json(&items);
        let needles = [json!(0), json!(-0.0), json!(-1.5), json!("a"), json!("A"), json!(0.0), json!("0"), json!(true), json!(false), json!(null), json!(1e300), json!(""), json!(8)];
        for n in needles {
            let f = feature(&[("k", Value::from_json(&n)), ("list", list.clone())]);
            let ctx = EvaluationContext::for_feature(0.0, &f);
            assert_eq!(set.evaluate(&ctx), scan.evaluate(&ctx), "{n}");
        }
        let f = feature(&[("k", Value::Array(vec![])), ("list", list)]);
        let ctx = EvaluationContext::for_feature(0.0, &f);
        assert!(set.evaluate(&ctx).is_err() && set.evaluate(&ctx) == scan.evaluate(&ctx), "an array needle is an error either way");
        // Lists holding arrays or objects are scanned as before.
        let nested = parse_expression(&json!(["in", ["get", "k"], ["literal", [1, [2]]]]), None).unwrap();
        assert!(matches!(nested.root.node, Node::In(..)));
    }

    #[test]
    fn evaluation_under_a_work_bound_stops_once_it_is_spent() {
        // Each evaluation scans the feature's list of 1,000 values: 100
        // features take 100,000 steps and more.
        let list = Value::Array((0..1_000).map(|i| Value::Number(i as f64)).collect());
        let e = parse_expression(&json!(["in", ["get", "k"], ["get", "list"]]), None).unwrap();
        let features: Vec<Feature> = (0..100).map(|k| feature(&[("k", Value::Number(k as f64)), ("list", list.clone())])).collect();
        let run = |steps| {
            fuel::with_fuel(steps, || {
                features.iter().filter(|f| e.evaluate(&EvaluationContext::for_feature(0.0, f)) == Ok(Value::Bool(true))).count()
            })
        };
        assert_eq!(run(1_000_000), (100, fuel::Spent::default()), "within the bound every feature is in the list");
        let (passed, out) = run(50_000);
        assert!(out.steps && (40..60).contains(&passed), "about half the features fit in half the steps: {passed}");
        let spent = e.evaluate(&EvaluationContext::for_feature(0.0, &features[0]));
        assert_eq!(spent, Ok(Value::Bool(true)), "outside the bound it evaluates again");
    }

    #[test]
    fn let_chains_share_their_bindings() {
        // 2^64 copies (or evaluations) if `var` copied its binding.
        for n in [26, 64] {
            let spec = PropertySpec::data_driven(Type::Number, false);
            let e = parse_expression(&let_chain(n, json!(["get", "r"])), Some(&spec)).unwrap();
            let f = feature(&[("r", Value::Number(1.0))]);
            let v = e.evaluate_f64(&EvaluationContext::for_feature(0.0, &f));
            assert_eq!(v, Some(2f64.powi(n as i32)), "chain of {n}");
        }
        // A constant base folds to a literal.
        let e = parse_expression(&let_chain(30, json!(1)), None).unwrap();
        assert_eq!(e.as_constant(), Some(&Value::Number(2f64.powi(30))));
        // Shadowing still reads the innermost binding.
        let e = parse_expression(
            &json!(["let", "a", ["get", "r"], ["let", "a", ["*", ["var", "a"], 3], ["var", "a"]]]),
            None,
        )
        .unwrap();
        let f = feature(&[("r", Value::Number(2.0))]);
        assert_eq!(e.evaluate_f64(&EvaluationContext::for_feature(0.0, &f)), Some(6.0));
    }

    #[test]
    fn expression_size_and_depth_limits() {
        let mut deep = json!(["get", "r"]);
        for _ in 0..parse::MAX_EXPRESSION_DEPTH {
            deep = json!(["abs", deep]);
        }
        let errs = parse_expression(&deep, None).unwrap_err();
        assert!(
            errs[0].message.contains("expression depth limit")
                && errs[0].message.contains(&parse::MAX_EXPRESSION_DEPTH.to_string()),
            "{errs:?}"
        );
        let wide: Vec<serde_json::Value> = std::iter::once(json!("+"))
            .chain((0..parse::MAX_EXPRESSION_NODES).map(|_| json!(["get", "r"])))
            .collect();
        let errs = parse_expression(&serde_json::Value::Array(wide), None).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("expression size limit"), "{errs:?}");
        // Just under the limits parses.
        let mut ok = json!(["get", "r"]);
        for _ in 0..parse::MAX_EXPRESSION_DEPTH - 2 {
            ok = json!(["abs", ok]);
        }
        assert!(parse_expression(&ok, None).is_ok());
    }
}
