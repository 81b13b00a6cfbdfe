//! Property values: a constant or a compiled expression, stored per layer in
//! a [`PropertySet`] (one for paint, one for layout) with typed getters the
//! renderer calls per feature.
//!
//! Getters evaluate the property for an [`EvaluationContext`] and fall back
//! to the specification default when the value is unset, evaluation fails,
//! or the result has the wrong type (as MapLibre does). Look-ups by name scan
//! the layer type's properties; hot loops can resolve a name once with
//! [`PropertySet::index_of`] and use the `*_at` getters.

use std::sync::Arc;

use serde_json::Value as J;

use crate::data::number::format_number;
use crate::style::color::Color;
use crate::style::expression::{parse_expression, EvaluationContext, Expression};
use crate::style::function::{convert_function, convert_tokens, is_function};
use crate::style::spec::{default_value, Group, LayerKind, PropSpec, ValueType, PROPERTIES};
use crate::style::value::{Formatted, ResolvedImage, Value};

/// A property's value: constant, or an expression of zoom and/or feature.
#[derive(Clone, Debug)]
pub enum PropertyValue {
    Constant(Value),
    Expression(Arc<Expression>),
}

impl PropertyValue {
    pub fn is_feature_constant(&self) -> bool {
        match self {
            PropertyValue::Constant(_) => true,
            PropertyValue::Expression(e) => e.is_feature_constant(),
        }
    }
    pub fn is_zoom_constant(&self) -> bool {
        match self {
            PropertyValue::Constant(_) => true,
            PropertyValue::Expression(e) => e.is_zoom_constant(),
        }
    }
}

fn json_kind(j: &J) -> &'static str {
    match j {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

fn expected(what: &str, j: &J) -> String {
    format!("expected {what}, found {}", json_kind(j))
}

fn check_range(spec: &PropSpec, v: f64) -> Result<(), String> {
    if let Some(min) = spec.min {
        if v < min {
            return Err(format!("{} is less than the minimum value {}", format_number(v), format_number(min)));
        }
    }
    if let Some(max) = spec.max {
        if v > max {
            return Err(format!("{} is greater than the maximum value {}", format_number(v), format_number(max)));
        }
    }
    Ok(())
}

fn enum_value(values: &[&str], j: &J) -> Result<Value, String> {
    match j {
        J::String(s) if values.contains(&s.as_str()) => Ok(Value::String(s.clone())),
        J::String(s) => Err(format!(
            "expected one of [{}], \"{s}\" found",
            values
                .iter()
                .map(|v| format!("\"{v}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        other => Err(expected("string", other)),
    }
}

/// Validates and converts a constant (non-expression) JSON value.
pub fn constant_value(spec: &PropSpec, j: &J) -> Result<Value, String> {
    match spec.ty {
        ValueType::Number => {
            let v = j.as_f64().ok_or_else(|| expected("number", j))?;
            check_range(spec, v)?;
            Ok(Value::Number(v))
        }
        ValueType::Boolean => j
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| expected("boolean", j)),
        ValueType::String => j
            .as_str()
            .map(|s| Value::String(s.into()))
            .ok_or_else(|| expected("string", j)),
        ValueType::Color => {
            let s = j.as_str().ok_or_else(|| expected("color", j))?;
            Color::parse(s)
                .map(Value::Color)
                .ok_or_else(|| format!("color expected, \"{s}\" found"))
        }
        ValueType::Enum(values) => enum_value(values, j),
        ValueType::Numbers(n) => {
            let a = j.as_array().ok_or_else(|| expected("array", j))?;
            if let Some(n) = n {
                if a.len() != n {
                    return Err(format!(
                        "array length {n} expected, length {} found",
                        a.len()
                    ));
                }
            }
            let mut out = Vec::with_capacity(a.len());
            for (i, x) in a.iter().enumerate() {
                let v = x
                    .as_f64()
                    .ok_or_else(|| format!("[{i}]: {}", expected("number", x)))?;
                check_range(spec, v).map_err(|e| format!("[{i}]: {e}"))?;
                out.push(Value::Number(v));
            }
            Ok(Value::Array(out))
        }
        ValueType::Strings => {
            let a = j.as_array().ok_or_else(|| expected("array", j))?;
            a.iter()
                .enumerate()
                .map(|(i, x)| {
                    x.as_str()
                        .map(|s| Value::String(s.into()))
                        .ok_or_else(|| format!("[{i}]: {}", expected("string", x)))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        ValueType::Enums(values) => {
            let a = j.as_array().ok_or_else(|| expected("array", j))?;
            a.iter()
                .enumerate()
                .map(|(i, x)| enum_value(values, x).map_err(|e| format!("[{i}]: {e}")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        ValueType::Formatted => match j {
            J::String(s) => Ok(Value::Formatted(Arc::new(Formatted::from_string(
                s.clone(),
            )))),
            other => Err(expected("string", other)),
        },
        ValueType::ResolvedImage => match j {
            J::String(s) => Ok(Value::Image(ResolvedImage {
                name: s.clone(),
                available: false,
            })),
            other => Err(expected("string", other)),
        },
        ValueType::Padding => {
            let nums: Vec<f64> = match j {
                J::Number(n) => vec![n.as_f64().unwrap_or(0.0)],
                J::Array(a) if (1..=4).contains(&a.len()) => a
                    .iter()
                    .map(|x| x.as_f64().ok_or_else(|| expected("number", x)))
                    .collect::<Result<_, _>>()?,
                other => return Err(expected("number or array of 1 to 4 numbers", other)),
            };
            let p = match nums.len() {
                1 => [nums[0]; 4],
                2 => [nums[0], nums[1], nums[0], nums[1]],
                3 => [nums[0], nums[1], nums[2], nums[1]],
                _ => [nums[0], nums[1], nums[2], nums[3]],
            };
            Ok(Value::Array(p.iter().map(|v| Value::Number(*v)).collect()))
        }
        ValueType::VariableAnchorOffsetCollection => match j {
            J::Array(_) => Ok(Value::from_json(j)),
            other => Err(expected("array", other)),
        },
    }
}

/// Whether `j` is an expression (an array naming a known operator).
pub fn is_expression(j: &J) -> bool {
    match j {
        J::Array(a) => a
            .first()
            .and_then(J::as_str)
            .is_some_and(crate::style::expression::parse::is_operator),
        _ => false,
    }
}

/// A property value error: `key` locates it inside the value (`[2]`, or
/// empty), `message` says what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyError {
    pub name: String,
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for PropertyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}: {}", self.name, self.key, self.message)
    }
}

fn perr(spec: &PropSpec, key: &str, message: impl Into<String>) -> PropertyError {
    PropertyError {
        name: spec.name.to_string(),
        key: key.to_string(),
        message: message.into(),
    }
}

fn compile(spec: &PropSpec, j: &J) -> Result<PropertyValue, PropertyError> {
    match parse_expression(j, Some(&spec.property_spec())) {
        Ok(e) if e.is_state_dependent() && spec.group == crate::style::spec::Group::Layout => Err(perr(
            spec,
            "",
            "\"feature-state\" data expressions are not supported with layout properties.",
        )),
        Ok(e) => Ok(PropertyValue::Expression(Arc::new(e))),
        Err(errors) => {
            let first =
                errors
                    .first()
                    .cloned()
                    .unwrap_or_else(|| crate::style::expression::ParseError {
                        key: String::new(),
                        message: "invalid expression".into(),
                    });
            Err(perr(spec, &first.key, first.message))
        }
    }
}

/// Parses a property value (constant, expression, legacy function or token
/// string).
pub fn parse_property_value(spec: &PropSpec, j: &J) -> Result<PropertyValue, PropertyError> {
    let constant_only = spec.property_type == crate::style::expression::PropertyType::Constant;
    if is_function(j) {
        if constant_only {
            return Err(perr(spec, "", "property does not support functions"));
        }
        let e = convert_function(j, &spec.to_json()).map_err(|m| perr(spec, "", m))?;
        return compile(spec, &e);
    }
    if is_expression(j) {
        if constant_only {
            return Err(perr(spec, "", "property does not support expressions"));
        }
        return compile(spec, j);
    }
    if let (true, J::String(s)) = (spec.tokens, j) {
        let t = convert_tokens(s);
        if !t.is_string() {
            return compile(spec, &t);
        }
    }
    constant_value(spec, j)
        .map(PropertyValue::Constant)
        .map_err(|m| match m.strip_prefix('[') {
            // Array item errors carry their index: "[1]: expected number, ...".
            Some(rest) if rest.contains("]: ") => {
                let (idx, msg) = rest.split_once("]: ").unwrap_or((rest, ""));
                perr(spec, &format!("[{idx}]"), msg)
            }
            _ => perr(spec, "", m),
        })
}

#[derive(Clone, Debug)]
struct Slot {
    spec: usize,
    value: Option<PropertyValue>,
    /// The JSON it was set from (for `get*Property`).
    json: Option<J>,
}

/// The paint or layout properties of one layer.
#[derive(Clone, Debug)]
pub struct PropertySet {
    pub kind: LayerKind,
    pub group: Group,
    slots: Vec<Slot>,
}

impl PropertySet {
    pub fn new(kind: LayerKind, group: Group) -> PropertySet {
        let slots = PROPERTIES
            .iter()
            .enumerate()
            .filter(|(_, s)| s.layer == kind && s.group == group)
            .map(|(i, s)| {
                // Defaults that are expressions (heatmap-color) are compiled once.
                let value = if s.default.starts_with('[') && s.ty == ValueType::Color {
                    serde_json::from_str::<J>(s.default)
                        .ok()
                        .and_then(|j| compile(s, &j).ok())
                } else {
                    None
                };
                Slot {
                    spec: i,
                    value,
                    json: None,
                }
            })
            .collect();
        PropertySet { kind, group, slots }
    }

    /// Position of property `name` (for the `*_at` getters).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| PROPERTIES[s.spec].name == name)
    }

    /// The specification row of property `name`.
    pub fn spec(&self, name: &str) -> Option<&'static PropSpec> {
        self.index_of(name).map(|i| &PROPERTIES[self.slots[i].spec])
    }

    /// Sets (or with JSON `null`, resets) a property. Errors name the property
    /// (`line-width: expected number, found string`).
    pub fn set(&mut self, name: &str, j: &J) -> Result<(), String> {
        self.try_set(name, j).map_err(|e| e.to_string())
    }

    /// Like [`PropertySet::set`], with the error's parts separate.
    pub fn try_set(&mut self, name: &str, j: &J) -> Result<(), PropertyError> {
        let i = self.index_of(name).ok_or_else(|| PropertyError {
            name: name.to_string(),
            key: String::new(),
            message: format!(
                "unknown {} property for a {} layer",
                self.group.name(),
                self.kind.name()
            ),
        })?;
        let spec = &PROPERTIES[self.slots[i].spec];
        if j.is_null() {
            let fresh = PropertySet::new(self.kind, self.group);
            self.slots[i] = fresh.slots[i].clone();
            return Ok(());
        }
        let v = parse_property_value(spec, j)?;
        self.slots[i].value = Some(v);
        self.slots[i].json = Some(j.clone());
        Ok(())
    }

    /// The value set for `name` (not the default).
    pub fn get(&self, name: &str) -> Option<&PropertyValue> {
        self.index_of(name)
            .and_then(|i| self.slots[i].value.as_ref())
    }

    /// The JSON `name` was set from.
    pub fn get_json(&self, name: &str) -> Option<&J> {
        self.index_of(name)
            .and_then(|i| self.slots[i].json.as_ref())
    }

    /// Names of the properties that have been set.
    pub fn set_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.slots
            .iter()
            .filter(|s| s.json.is_some())
            .map(|s| PROPERTIES[s.spec].name)
    }

    /// True if property `name` does not depend on the feature.
    pub fn is_feature_constant(&self, name: &str) -> bool {
        self.get(name)
            .map_or(true, PropertyValue::is_feature_constant)
    }

    /// True if property `name` does not depend on zoom.
    pub fn is_zoom_constant(&self, name: &str) -> bool {
        self.get(name).map_or(true, PropertyValue::is_zoom_constant)
    }

    /// Applies `f` to the evaluated value of slot `i`, or to the default.
    fn with<T>(
        &self,
        i: usize,
        ctx: &EvaluationContext,
        f: impl Fn(&Value) -> Option<T>,
    ) -> Option<T> {
        let slot = &self.slots[i];
        let r = match &slot.value {
            Some(PropertyValue::Constant(v)) => f(v),
            Some(PropertyValue::Expression(e)) => match composite(e, ctx).unwrap_or_else(|| e.evaluate_checked(ctx)) {
                Ok(v) => f(&v),
                Err(_) => None,
            },
            None => None,
        };
        r.or_else(|| f(default_value(slot.spec)))
    }

    /// The evaluated value (or default) of slot `i`.
    pub fn value_at(&self, i: usize, ctx: &EvaluationContext) -> Value {
        self.with(i, ctx, |v| {
            if *v == Value::Null {
                None
            } else {
                Some(v.clone())
            }
        })
        .unwrap_or_default()
    }
    pub fn f64_at(&self, i: usize, ctx: &EvaluationContext) -> f64 {
        self.with(i, ctx, |v| v.as_f64().filter(|n| !n.is_nan()))
            .unwrap_or(0.0)
    }
    pub fn color_at(&self, i: usize, ctx: &EvaluationContext) -> Option<Color> {
        self.with(i, ctx, Value::as_color)
    }
    pub fn bool_at(&self, i: usize, ctx: &EvaluationContext) -> bool {
        self.with(i, ctx, Value::as_bool).unwrap_or(false)
    }

    /// Evaluated value (or default), `Value::Null` for unknown names.
    pub fn get_value(&self, name: &str, ctx: &EvaluationContext) -> Value {
        self.index_of(name)
            .map(|i| self.value_at(i, ctx))
            .unwrap_or_default()
    }
    pub fn get_f64(&self, name: &str, ctx: &EvaluationContext) -> f64 {
        self.index_of(name)
            .map(|i| self.f64_at(i, ctx))
            .unwrap_or(0.0)
    }
    pub fn get_f32(&self, name: &str, ctx: &EvaluationContext) -> f32 {
        self.get_f64(name, ctx) as f32
    }
    pub fn get_bool(&self, name: &str, ctx: &EvaluationContext) -> bool {
        self.index_of(name).is_some_and(|i| self.bool_at(i, ctx))
    }
    /// A colour (straight alpha); black if the property has no default.
    pub fn get_color(&self, name: &str, ctx: &EvaluationContext) -> Color {
        self.get_color_opt(name, ctx).unwrap_or(Color::BLACK)
    }
    /// A colour, or `None` if unset without default (e.g. `fill-outline-color`).
    pub fn get_color_opt(&self, name: &str, ctx: &EvaluationContext) -> Option<Color> {
        self.index_of(name).and_then(|i| self.color_at(i, ctx))
    }
    /// An enum value as the specification spells it (`""` if unknown).
    pub fn get_enum(&self, name: &str, ctx: &EvaluationContext) -> &'static str {
        let Some(i) = self.index_of(name) else {
            return "";
        };
        let spec = &PROPERTIES[self.slots[i].spec];
        let ValueType::Enum(values) = spec.ty else {
            return "";
        };
        self.with(i, ctx, |v| {
            v.as_str()
                .and_then(|s| values.iter().find(|x| **x == s).copied())
        })
        .unwrap_or("")
    }
    /// A number array (`line-dasharray`, `*-translate`, `text-offset`, padding).
    pub fn get_f32_array(&self, name: &str, ctx: &EvaluationContext) -> Vec<f32> {
        let Some(i) = self.index_of(name) else {
            return Vec::new();
        };
        self.with(i, ctx, |v| match v {
            Value::Array(a) => a.iter().map(|x| x.as_f64().map(|n| n as f32)).collect(),
            Value::Number(n) => Some(vec![*n as f32]),
            _ => None,
        })
        .unwrap_or_default()
    }
    /// A string array (`text-font`).
    pub fn get_strings(&self, name: &str, ctx: &EvaluationContext) -> Vec<String> {
        let Some(i) = self.index_of(name) else {
            return Vec::new();
        };
        self.with(i, ctx, |v| match v {
            Value::Array(a) => a.iter().map(|x| x.as_str().map(String::from)).collect(),
            _ => None,
        })
        .unwrap_or_default()
    }
    /// A string (`text-field` as plain text, or string properties).
    pub fn get_string(&self, name: &str, ctx: &EvaluationContext) -> String {
        match self.get_value(name, ctx) {
            Value::String(s) => s,
            Value::Formatted(f) => f.text(),
            Value::Image(i) => i.name,
            _ => String::new(),
        }
    }
    /// Formatted text (`text-field`).
    pub fn get_formatted(&self, name: &str, ctx: &EvaluationContext) -> Formatted {
        match self.get_value(name, ctx) {
            Value::Formatted(f) => (*f).clone(),
            Value::String(s) => Formatted::from_string(s),
            _ => Formatted::default(),
        }
    }
    /// An image name (`icon-image`, `*-pattern`); `None` if unset or empty.
    pub fn get_image(&self, name: &str, ctx: &EvaluationContext) -> Option<String> {
        match self.get_value(name, ctx) {
            Value::Image(i) if !i.name.is_empty() => Some(i.name),
            Value::String(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }
}

/// A value that depends on both zoom and feature, laid out for a tile
/// (`ctx.tile_zoom`), as MapLibre's GPU "composite" binders draw it: taken
/// at the tile's zoom and the next, and mixed by the zoom curve's factor at
/// `ctx.zoom` (clamped to the two; a `step` keeps the tile zoom's value).
/// Numbers and colours (premultiplied) mix. `None` (evaluate at `zoom`)
/// for other values, or when the value is not composite or no tile zoom is
/// set.
fn composite(e: &Expression, ctx: &EvaluationContext) -> Option<Result<Value, crate::style::expression::EvalError>> {
    let (z, zoom) = (ctx.tile_zoom?, ctx.zoom?);
    if e.is_feature_constant() || e.is_zoom_constant() {
        return None;
    }
    let t = e.zoom_factor(zoom, z, z + 1.0)?;
    let at = |zoom: f64| e.evaluate_checked(&EvaluationContext { zoom: Some(zoom), ..*ctx });
    let low = match at(z) {
        Ok(v) => v,
        Err(err) => return Some(Err(err)),
    };
    if !matches!(low, Value::Number(_) | Value::Color(_)) {
        // Images, enums, arrays: MapLibre does not mix them on the GPU.
        return None;
    }
    if !(t > 0.0) {
        return Some(Ok(low));
    }
    let t = t.min(1.0);
    let high = match at(z + 1.0) {
        Ok(v) => v,
        Err(err) => return Some(Err(err)),
    };
    Some(Ok(match (&low, &high) {
        (Value::Number(a), Value::Number(b)) => Value::Number(a + (b - a) * t),
        (Value::Color(a), Value::Color(b)) => {
            let (pa, pb) = (a.premultiplied(), b.premultiplied());
            let m: [f32; 4] = std::array::from_fn(|i| pa[i] + (pb[i] - pa[i]) * t as f32);
            let un = |c: f32| if m[3] > 0.0 { (c / m[3]).clamp(0.0, 1.0) } else { 0.0 };
            Value::Color(Color::new(un(m[0]), un(m[1]), un(m[2]), m[3]))
        }
        _ => low,
    }))
}
