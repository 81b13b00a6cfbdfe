//! The property table of the style specification (v8): one row per paint or
//! layout property, giving its value type, property type, expression inputs,
//! default and range. Parsing and runtime styling both go through it.

use std::sync::OnceLock;

use crate::style::expression::{Parameters, PropertySpec, PropertyType, Type};
use crate::style::value::Value;

/// Layer types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LayerKind {
    Background,
    Fill,
    Line,
    Circle,
    Symbol,
    Raster,
    FillExtrusion,
    Heatmap,
    Hillshade,
}

impl LayerKind {
    pub fn parse(s: &str) -> Option<LayerKind> {
        Some(match s {
            "background" => LayerKind::Background,
            "fill" => LayerKind::Fill,
            "line" => LayerKind::Line,
            "circle" => LayerKind::Circle,
            "symbol" => LayerKind::Symbol,
            "raster" => LayerKind::Raster,
            "fill-extrusion" => LayerKind::FillExtrusion,
            "heatmap" => LayerKind::Heatmap,
            "hillshade" => LayerKind::Hillshade,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            LayerKind::Background => "background",
            LayerKind::Fill => "fill",
            LayerKind::Line => "line",
            LayerKind::Circle => "circle",
            LayerKind::Symbol => "symbol",
            LayerKind::Raster => "raster",
            LayerKind::FillExtrusion => "fill-extrusion",
            LayerKind::Heatmap => "heatmap",
            LayerKind::Hillshade => "hillshade",
        }
    }
    /// Whether layers of this kind need a `source`.
    pub fn needs_source(self) -> bool {
        self != LayerKind::Background
    }
}

/// Paint or layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Paint,
    Layout,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Paint => "paint",
            Group::Layout => "layout",
        }
    }
}

/// Value type of a property.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueType {
    Number,
    Boolean,
    String,
    Color,
    Enum(&'static [&'static str]),
    /// `array<number, N>` (any length if `None`).
    Numbers(Option<usize>),
    Strings,
    /// `array<enum>` (text-variable-anchor, text-writing-mode).
    Enums(&'static [&'static str]),
    Formatted,
    ResolvedImage,
    Padding,
    VariableAnchorOffsetCollection,
}

/// One row of the property table.
#[derive(Debug)]
pub struct PropSpec {
    pub name: &'static str,
    pub layer: LayerKind,
    pub group: Group,
    pub ty: ValueType,
    pub property_type: PropertyType,
    pub interpolated: bool,
    /// Default as JSON text (`""` when the property has none).
    pub default: &'static str,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Strings may hold `{token}` references (legacy).
    pub tokens: bool,
}

use Group::{Layout as L, Paint as P};
use LayerKind::*;
use PropertyType::{
    ColorRamp as RAMP, Constant as CONST, CrossFaded as CF, CrossFadedDataDriven as CFDD, DataConstant as DC,
    DataDriven as DD,
};
use ValueType::*;

const ANCHORS: &[&str] = &["center", "left", "right", "top", "bottom", "top-left", "top-right", "bottom-left", "bottom-right"];
const MAP_VIEWPORT: &[&str] = &["map", "viewport"];
const ALIGN: &[&str] = &["map", "viewport", "auto"];
const OVERLAP: &[&str] = &["never", "always", "cooperative"];

const fn p(
    name: &'static str,
    layer: LayerKind,
    group: Group,
    ty: ValueType,
    property_type: PropertyType,
    interpolated: bool,
    default: &'static str,
) -> PropSpec {
    PropSpec { name, layer, group, ty, property_type, interpolated, default, min: None, max: None, tokens: false }
}

const fn range(mut s: PropSpec, min: Option<f64>, max: Option<f64>) -> PropSpec {
    s.min = min;
    s.max = max;
    s
}

const fn tokens(mut s: PropSpec) -> PropSpec {
    s.tokens = true;
    s
}

const Z1: (Option<f64>, Option<f64>) = (Some(0.0), Some(1.0));
const NONNEG: Option<f64> = Some(0.0);

/// The table. `visibility` is listed once per layer type.
pub static PROPERTIES: &[PropSpec] = &[
    // background
    p("visibility", Background, L, Enum(&["visible", "none"]), CONST, false, "\"visible\""),
    p("background-color", Background, P, Color, DC, true, "\"#000000\""),
    p("background-pattern", Background, P, ResolvedImage, CF, false, ""),
    range(p("background-opacity", Background, P, Number, DC, true, "1"), Z1.0, Z1.1),
    // fill
    p("visibility", Fill, L, Enum(&["visible", "none"]), CONST, false, "\"visible\""),
    p("fill-sort-key", Fill, L, Number, DD, false, ""),
    p("fill-antialias", Fill, P, Boolean, DC, false, "true"),
    range(p("fill-opacity", Fill, P, Number, DD, true, "1"), Z1.0, Z1.1),
    p("fill-color", Fill, P, Color, DD, true, "\"#000000\""),
    p("fill-outline-color", Fill, P, Color, DD, true, ""),
    p("fill-translate", Fill, P, Numbers(Some(2)), DC, true, "[0,0]"),
    p("fill-translate-anchor", Fill, P, Enum(MAP_VIEWPORT), DC, false, "\"map\""),
    p("fill-pattern", Fill, P, ResolvedImage, CFDD, false, ""),
    // line
    p("visibility", Line, L, Enum(&["visible", "none"]), CONST, false, "\"visible\""),
    p("line-cap", Line, L, Enum(&["butt", "round", "square"]), DC, false, "\"butt\""),
    p("line-join", Line, L, Enum(&["bevel", "round", "miter"]), DD, false, "\"miter\""),
    p("line-miter-limit", Line, L, Number, DC, true, "2"),
    p("line-round-limit", Line, L, Number, DC, true, "1.05"),
    p("line-sort-key", Line, L, Number, DD, false, ""),
    range(p("line-opacity", Line, P, Number, DD, true, "1"), Z1.0, Z1.1),
    p("line-color", Line, P, Color, DD, true, "\"#000000\""),
    p("line-translate", Line, P, Numbers(Some(2)), DC, true, "[0,0]"),
    p("line-translate-anchor", Line, P, Enum(MAP_VIEWPORT), DC, false, "\"map\""),
    range(p("line-width", Line, P, Number, DD, true, "1"), NONNEG, None),
    range(p("line-gap-width", Line, P, Number, DD, true, "0"), NONNEG, None),
    p("line-offset", Line, P, Number, DD, true, "0"),
    range(p("line-blur", Line, P, Number, DD, true, "0"), NONNEG, None),
    range(p("line-dasharray", Line, P, Numbers(None), CF, false, ""), NONNEG, None),
    p("line-pattern", Line, P, ResolvedImage, CFDD, false, ""),
    p("line-gradient", Line, P, Color, RAMP, true, ""),
    // circle
    p("visibility", Circle, L, Enum(&["visible", "none"]), CONST, false, "\"visible\""),
    p("circle-sort-key", Circle, L, Number, DD, false, ""),
    range(p("circle-radius", Circle, P, Number, DD, true, "5"), NONNEG, None),
    p("circle-color", Circle, P, Color, DD, true, "\"#000000\""),
    p("circle-blur", Circle, P, Number, DD, true, "0"),
    range(p("circle-opacity", Circle, P, Number, DD, true, "1"), Z1.0, Z1.1),
    p("circle-translate", Circle, P, Numbers(Some(2)), DC, true, "[0,0]"),
    p("circle-translate-anchor", Circle, P, Enum(MAP_VIEWPORT), DC, false, "\"map\""),
    p("circle-pitch-scale", Circle, P, Enum(MAP_VIEWPORT), DC, false, "\"map\""),
    p("circle-pitch-alignment", Circle, P, Enum(MAP_VIEWPORT), DC, false, "\"viewport\""),
    range(p("circle-stroke-width", Circle, P, Number, DD, true, "0"), NONNEG, None),
    p("circle-stroke-color", Circle, P, Color, DD, true, "\"#000000\""),
    range(p("circle-stroke-opacity", Circle, P, Number, DD, true, "1"), Z1.0, Z1.1),
    // heatmap
    p("visibility", Heatmap, L, Enum(&["visible", "none"]), CONST, false, "\"visible\""),
    range(p("heatmap-radius", Heatmap, P, Number, DD, true, "30"), Some(1.0), None),
    range(p("heatmap-weight", Heatmap, P, Number, DD, true, "1"), NONNEG, None),
    range(p("heatmap-intensity", Heatmap, P, Number, DC, true, "1"), NONNEG, None),
    p(
        "heatmap-color",
        Heatmap,
        P,
        Color,
        RAMP,
        true,
        r#"["interpolate",["linear"],["heatmap-density"],0,"rgba(0, 0, 255, 0)",0.1,"royalblue",0.3,"cyan",0.5,"lime",0.7,"yellow",1,"red"]"#,
    ),
    range(p("heatmap-opacity", Heatmap, P, Number, DC, true, "1"), Z1.0, Z1.1),
    // fill-extrusion
    p("visibility", FillExtrusion, L, Enum(&["visible", "none"]), CONST, false, "\"visible\""),
    range(p("fill-extrusion-opacity", FillExtrusion, P, Number, DC, true, "1"), Z1.0, Z1.1),
    p("fill-extrusion-color", FillExtrusion, P, Color, DD, true, "\"#000000\""),
    p("fill-extrusion-translate", FillExtrusion, P, Numbers(Some(2)), DC, true, "[0,0]"),
    p("fill-extrusion-translate-anchor", FillExtrusion, P, Enum(MAP_VIEWPORT), DC, false, "\"map\""),
    p("fill-extrusion-pattern", FillExtrusion, P, ResolvedImage, CFDD, false, ""),
    range(p("fill-extrusion-height", FillExtrusion, P, Number, DD, true, "0"), NONNEG, None),
    range(p("fill-extrusion-base", FillExtrusion, P, Number, DD, true, "0"), NONNEG, None),
    p("fill-extrusion-vertical-gradient", FillExtrusion, P, Boolean, DC, false, "true"),
    // raster
    p("visibility", Raster, L, Enum(&["visible", "none"]), CONST, false, "\"visible\""),
    range(p("raster-opacity", Raster, P, Number, DC, true, "1"), Z1.0, Z1.1),
    p("raster-hue-rotate", Raster, P, Number, DC, true, "0"),
    range(p("raster-brightness-min", Raster, P, Number, DC, true, "0"), Z1.0, Z1.1),
    range(p("raster-brightness-max", Raster, P, Number, DC, true, "1"), Z1.0, Z1.1),
    range(p("raster-saturation", Raster, P, Number, DC, true, "0"), Some(-1.0), Some(1.0)),
    range(p("raster-contrast", Raster, P, Number, DC, true, "0"), Some(-1.0), Some(1.0)),
    p("raster-resampling", Raster, P, Enum(&["linear", "nearest"]), DC, false, "\"linear\""),
    range(p("raster-fade-duration", Raster, P, Number, DC, true, "300"), NONNEG, None),
    // hillshade
    p("visibility", Hillshade, L, Enum(&["visible", "none"]), CONST, false, "\"visible\""),
    range(p("hillshade-illumination-direction", Hillshade, P, Number, DC, true, "335"), Some(0.0), Some(359.0)),
    p("hillshade-illumination-anchor", Hillshade, P, Enum(MAP_VIEWPORT), DC, false, "\"viewport\""),
    range(p("hillshade-exaggeration", Hillshade, P, Number, DC, true, "0.5"), Z1.0, Z1.1),
    p("hillshade-shadow-color", Hillshade, P, Color, DC, true, "\"#000000\""),
    p("hillshade-highlight-color", Hillshade, P, Color, DC, true, "\"#FFFFFF\""),
    p("hillshade-accent-color", Hillshade, P, Color, DC, true, "\"#000000\""),
    // symbol layout
    p("visibility", Symbol, L, Enum(&["visible", "none"]), CONST, false, "\"visible\""),
    p("symbol-placement", Symbol, L, Enum(&["point", "line", "line-center"]), DC, false, "\"point\""),
    range(p("symbol-spacing", Symbol, L, Number, DC, true, "250"), Some(1.0), None),
    p("symbol-avoid-edges", Symbol, L, Boolean, DC, false, "false"),
    p("symbol-sort-key", Symbol, L, Number, DD, false, ""),
    p("symbol-z-order", Symbol, L, Enum(&["auto", "viewport-y", "source"]), DC, false, "\"auto\""),
    p("icon-allow-overlap", Symbol, L, Boolean, DC, false, "false"),
    p("icon-overlap", Symbol, L, Enum(OVERLAP), DC, false, ""),
    p("icon-ignore-placement", Symbol, L, Boolean, DC, false, "false"),
    p("icon-optional", Symbol, L, Boolean, DC, false, "false"),
    p("icon-rotation-alignment", Symbol, L, Enum(ALIGN), DC, false, "\"auto\""),
    range(p("icon-size", Symbol, L, Number, DD, true, "1"), NONNEG, None),
    p("icon-text-fit", Symbol, L, Enum(&["none", "width", "height", "both"]), DC, false, "\"none\""),
    p("icon-text-fit-padding", Symbol, L, Numbers(Some(4)), DC, true, "[0,0,0,0]"),
    tokens(p("icon-image", Symbol, L, ResolvedImage, DD, false, "")),
    p("icon-rotate", Symbol, L, Number, DD, true, "0"),
    p("icon-padding", Symbol, L, Padding, DD, true, "[2]"),
    p("icon-keep-upright", Symbol, L, Boolean, DC, false, "false"),
    p("icon-offset", Symbol, L, Numbers(Some(2)), DD, true, "[0,0]"),
    p("icon-anchor", Symbol, L, Enum(ANCHORS), DD, false, "\"center\""),
    p("icon-pitch-alignment", Symbol, L, Enum(ALIGN), DC, false, "\"auto\""),
    p("text-pitch-alignment", Symbol, L, Enum(ALIGN), DC, false, "\"auto\""),
    p("text-rotation-alignment", Symbol, L, Enum(&["map", "viewport", "viewport-glyph", "auto"]), DC, false, "\"auto\""),
    tokens(p("text-field", Symbol, L, Formatted, DD, false, "\"\"")),
    p("text-font", Symbol, L, Strings, DD, false, r#"["Open Sans Regular","Arial Unicode MS Regular"]"#),
    range(p("text-size", Symbol, L, Number, DD, true, "16"), NONNEG, None),
    range(p("text-max-width", Symbol, L, Number, DD, true, "10"), NONNEG, None),
    p("text-line-height", Symbol, L, Number, DC, true, "1.2"),
    p("text-letter-spacing", Symbol, L, Number, DD, true, "0"),
    p("text-justify", Symbol, L, Enum(&["auto", "left", "center", "right"]), DD, false, "\"center\""),
    p("text-radial-offset", Symbol, L, Number, DD, true, "0"),
    p("text-variable-anchor", Symbol, L, Enums(ANCHORS), DC, false, ""),
    p("text-variable-anchor-offset", Symbol, L, VariableAnchorOffsetCollection, DD, true, ""),
    p("text-anchor", Symbol, L, Enum(ANCHORS), DD, false, "\"center\""),
    range(p("text-max-angle", Symbol, L, Number, DC, true, "45"), NONNEG, None),
    p("text-writing-mode", Symbol, L, Enums(&["horizontal", "vertical"]), DC, false, ""),
    p("text-rotate", Symbol, L, Number, DD, true, "0"),
    range(p("text-padding", Symbol, L, Number, DC, true, "2"), NONNEG, None),
    p("text-keep-upright", Symbol, L, Boolean, DC, false, "true"),
    p("text-transform", Symbol, L, Enum(&["none", "uppercase", "lowercase"]), DD, false, "\"none\""),
    p("text-offset", Symbol, L, Numbers(Some(2)), DD, true, "[0,0]"),
    p("text-allow-overlap", Symbol, L, Boolean, DC, false, "false"),
    p("text-overlap", Symbol, L, Enum(OVERLAP), DC, false, ""),
    p("text-ignore-placement", Symbol, L, Boolean, DC, false, "false"),
    p("text-optional", Symbol, L, Boolean, DC, false, "false"),
    // symbol paint
    range(p("icon-opacity", Symbol, P, Number, DD, true, "1"), Z1.0, Z1.1),
    p("icon-color", Symbol, P, Color, DD, true, "\"#000000\""),
    p("icon-halo-color", Symbol, P, Color, DD, true, "\"rgba(0, 0, 0, 0)\""),
    range(p("icon-halo-width", Symbol, P, Number, DD, true, "0"), NONNEG, None),
    range(p("icon-halo-blur", Symbol, P, Number, DD, true, "0"), NONNEG, None),
    p("icon-translate", Symbol, P, Numbers(Some(2)), DC, true, "[0,0]"),
    p("icon-translate-anchor", Symbol, P, Enum(MAP_VIEWPORT), DC, false, "\"map\""),
    range(p("text-opacity", Symbol, P, Number, DD, true, "1"), Z1.0, Z1.1),
    p("text-color", Symbol, P, Color, DD, true, "\"#000000\""),
    p("text-halo-color", Symbol, P, Color, DD, true, "\"rgba(0, 0, 0, 0)\""),
    range(p("text-halo-width", Symbol, P, Number, DD, true, "0"), NONNEG, None),
    range(p("text-halo-blur", Symbol, P, Number, DD, true, "0"), NONNEG, None),
    p("text-translate", Symbol, P, Numbers(Some(2)), DC, true, "[0,0]"),
    p("text-translate-anchor", Symbol, P, Enum(MAP_VIEWPORT), DC, false, "\"map\""),
];

/// Index of a property row, if `name` is a property of `layer` in `group`.
pub fn find(layer: LayerKind, group: Group, name: &str) -> Option<usize> {
    PROPERTIES.iter().position(|s| s.layer == layer && s.group == group && s.name == name)
}

impl PropSpec {
    /// The expression language type of this property.
    pub fn expression_type(&self) -> Type {
        match self.ty {
            Number => Type::Number,
            Boolean => Type::Boolean,
            String | Enum(_) => Type::String,
            Color => Type::Color,
            Numbers(n) => Type::array(Type::Number, n),
            Strings | Enums(_) => Type::array(Type::String, None),
            Formatted => Type::Formatted,
            ResolvedImage => Type::ResolvedImage,
            Padding => Type::Padding,
            VariableAnchorOffsetCollection => Type::VariableAnchorOffsetCollection,
        }
    }

    /// Expression inputs allowed, from the property type and group.
    pub fn parameters(&self) -> Parameters {
        let mut p = Parameters::default();
        match self.property_type {
            PropertyType::Constant => {}
            PropertyType::ColorRamp => {
                if self.name == "heatmap-color" {
                    p.heatmap_density = true
                } else {
                    p.line_progress = true
                }
            }
            PropertyType::DataDriven | PropertyType::CrossFadedDataDriven => {
                p.zoom = true;
                p.feature = true;
                p.feature_state = self.group == Group::Paint && self.property_type == PropertyType::DataDriven;
            }
            _ => p.zoom = true,
        }
        p
    }

    /// The property spec the expression parser checks against.
    pub fn property_spec(&self) -> PropertySpec {
        PropertySpec {
            ty: self.expression_type(),
            property_type: self.property_type,
            parameters: self.parameters(),
            interpolated: self.interpolated,
            default: None,
            enum_values: match self.ty {
                Enum(v) => Some(v.iter().map(|s| s.to_string()).collect()),
                _ => None,
            },
        }
    }

    /// A v8.json-style description (for legacy function conversion).
    pub fn to_json(&self) -> serde_json::Value {
        let (ty, value, length) = match self.ty {
            Number => ("number", None, None),
            Boolean => ("boolean", None, None),
            String => ("string", None, None),
            Color => ("color", None, None),
            Enum(_) => ("enum", None, None),
            Numbers(n) => ("array", Some("number"), n),
            Strings => ("array", Some("string"), None),
            Enums(_) => ("array", Some("enum"), None),
            Formatted => ("formatted", None, None),
            ResolvedImage => ("resolvedImage", None, None),
            Padding => ("padding", None, None),
            VariableAnchorOffsetCollection => ("variableAnchorOffsetCollection", None, None),
        };
        let mut o = serde_json::json!({
            "type": ty,
            "expression": {"interpolated": self.interpolated},
            "tokens": self.tokens,
        });
        if let Some(v) = value {
            o["value"] = v.into();
        }
        if let Some(n) = length {
            o["length"] = n.into();
        }
        if let Enum(values) = self.ty {
            o["values"] = values.iter().map(|v| (v.to_string(), serde_json::json!({}))).collect::<serde_json::Map<_, _>>().into();
        }
        if !self.default.is_empty() {
            o["default"] = serde_json::from_str(self.default).unwrap_or_default();
        }
        o
    }
}

/// The default value of each row (parsed once), `Value::Null` if none.
pub fn default_value(index: usize) -> &'static Value {
    static DEFAULTS: OnceLock<Vec<Value>> = OnceLock::new();
    let all = DEFAULTS.get_or_init(|| {
        PROPERTIES
            .iter()
            .map(|s| {
                if s.default.is_empty() {
                    return Value::Null;
                }
                let j: serde_json::Value = serde_json::from_str(s.default).unwrap_or_default();
                if j.is_array() && s.ty == Color {
                    // heatmap-color's default is an expression; evaluated by the getter.
                    return Value::Null;
                }
                crate::style::property::constant_value(s, &j).unwrap_or(Value::Null)
            })
            .collect()
    });
    &all[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (i, s) in PROPERTIES.iter().enumerate() {
            assert!(
                PROPERTIES[..i].iter().all(|o| !(o.name == s.name && o.layer == s.layer)),
                "duplicate {}",
                s.name
            );
            if !s.default.is_empty() {
                let j: serde_json::Value = serde_json::from_str(s.default).unwrap();
                if !(j.is_array() && s.ty == Color) {
                    assert_ne!(default_value(i), &Value::Null, "default of {}", s.name);
                }
            }
        }
        assert!(find(LayerKind::Fill, Group::Paint, "fill-color").is_some());
        assert!(find(LayerKind::Fill, Group::Layout, "fill-color").is_none());
    }
}
