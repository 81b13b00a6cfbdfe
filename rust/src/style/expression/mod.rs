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
//! Not supported (parse error naming it): `distance`.

pub mod conformance;
pub mod convert;
pub mod eval;
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
use node::{Expr, Node};
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
        matches!(self, PropertyType::DataDriven | PropertyType::CrossFadedDataDriven)
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
            parameters: Parameters { zoom: true, feature: true, ..Parameters::default() },
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
        if let Some(ps) = expr.and_then(|e| e.get("parameters")).and_then(|p| p.as_array()) {
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
            Some(serde_json::Value::Array(a)) => Some(a.iter().filter_map(|v| v.as_str().map(String::from)).collect()),
            _ => None,
        };
        PropertySpec {
            ty,
            property_type: s("property-type").and_then(PropertyType::parse).unwrap_or(PropertyType::DataDriven),
            parameters,
            interpolated: expr.and_then(|e| e.get("interpolated")).and_then(|v| v.as_bool()).unwrap_or(false),
            default: j.get("default").map(Value::from_json),
            enum_values: if s("type") == Some("enum") { Some(enum_values.unwrap_or_default()) } else { None },
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
}

/// Compiles `json`. With a property spec, the result is typed and checked as
/// that property (coercions, allowed inputs, zoom-curve placement).
pub fn parse_expression(json: &serde_json::Value, spec: Option<&PropertySpec>) -> Result<Expression, Vec<ParseError>> {
    let mut p = Parser::new();
    let expected = spec.map(|s| s.ty.clone());
    let annotate = if spec.is_some_and(|s| s.ty == Type::String && s.enum_values.is_none()) { Annotate::Coerce } else { Annotate::Default };
    let Some(root) = p.parse(json, "", expected.as_ref(), annotate) else {
        return Err(p.errors);
    };
    let e = Expression {
        feature_constant: root.is_feature_constant(),
        zoom_constant: root.is_global_constant(&["zoom"]),
        state_dependent: root.is_state_dependent(),
        enum_values: spec.and_then(|s| s.enum_values.clone()),
        root,
    };
    if let Some(spec) = spec {
        let err = |m: &str| Err(vec![ParseError { key: String::new(), message: m.to_string() }]);
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
    Ok(Expression {
        feature_constant: root.is_feature_constant(),
        zoom_constant: root.is_global_constant(&["zoom"]),
        state_dependent: root.is_state_dependent(),
        enum_values: None,
        root,
    })
}

enum ZoomCurve<'a> {
    None,
    Found(&'a Expr),
    Error(&'static str),
}

fn is_zoom_input(e: &Expr) -> bool {
    matches!(e.node, Node::Call(node::Op::Zoom, _))
}

fn find_zoom_curve(e: &Expr) -> ZoomCurve<'_> {
    let mut result = match &e.node {
        Node::Let(_, body) => find_zoom_curve(body),
        Node::Coalesce(args) => {
            let mut r = ZoomCurve::None;
            for a in args {
                r = find_zoom_curve(a);
                if !matches!(r, ZoomCurve::None) {
                    break;
                }
            }
            r
        }
        Node::Step { input, .. } | Node::Interpolate { input, .. } if is_zoom_input(input) => ZoomCurve::Found(e),
        _ => ZoomCurve::None,
    };
    if let ZoomCurve::Error(_) = result {
        return result;
    }
    e.each_child(&mut |c| {
        let child = find_zoom_curve(c);
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
    });
    result
}

impl Expression {
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
    /// For a top-level zoom `interpolate`/`step`: the stop inputs (zoom levels).
    pub fn zoom_stops(&self) -> Option<&[f64]> {
        match find_zoom_curve(&self.root) {
            ZoomCurve::Found(Expr { node: Node::Interpolate { labels, .. } | Node::Step { labels, .. }, .. }) => {
                Some(labels)
            }
            _ => None,
        }
    }
}
