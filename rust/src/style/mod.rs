//! Style specification v8: style JSON -> typed sources and layers; property
//! values; the expression language.
//!
//! Entry point: [`parse_style`] returns a [`ParsedStyle`] (the [`Style`] and
//! warnings for unknown keys). Errors ([`StyleError`]) carry the path of the
//! offending value, e.g. `layers[3].paint.line-width: expected number, found
//! string`.
//!
//! Rendering reads properties through typed getters on each layer's
//! [`property::PropertySet`] (`layer.paint`, `layer.layout`), which evaluate
//! constants or compiled expressions for an
//! [`expression::EvaluationContext`] and fall back to the spec default:
//!
//! ```
//! use mapcore::style::{parse_style, expression::EvaluationContext};
//! let style = br#"{"version": 8, "sources": {"s": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}},
//!   "layers": [{"id": "f", "type": "fill", "source": "s",
//!               "paint": {"fill-color": ["interpolate", ["linear"], ["zoom"], 0, "red", 10, "blue"]}}]}"#;
//! let parsed = parse_style(style).unwrap();
//! let layer = &parsed.style.layers[0];
//! let c = layer.paint.get_color("fill-color", &EvaluationContext::at_zoom(5.0));
//! assert!((c.r - 0.5).abs() < 1e-6 && (c.b - 0.5).abs() < 1e-6);
//! ```
//!
//! Modules: `color` (CSS colours), `value` (language values), `expression`
//! (the expression language), `function` (legacy functions), `filter`
//! (layer filters), `spec` (the property table), `property` (property
//! values and getters), `source`, `layer`, `document` (the style), `reader`
//! (JSON reading helpers and [`StyleError`]), `inline_data` (style JSON with
//! inline GeoJSON kept as text), `caps` (how many layers and sources).

pub mod caps;
pub use crate::data::color;
pub mod cluster_properties;
pub mod document;
pub mod expression;
pub mod filter;
pub mod function;
pub mod image;
pub mod inline_data;
pub mod layer;
pub mod property;
pub mod reader;
pub mod source;
pub mod spec;
pub use crate::data::value;

pub use caps::StyleCaps;
pub use document::{inline_data, parse_style, parse_style_lenient, parse_style_value, strip_inline_data, style_json_text, ParsedStyle, Style};
pub use layer::{Layer, LayerKind};
pub use reader::StyleError;
pub use source::SourceSpec;

#[cfg(test)]
mod tests;
