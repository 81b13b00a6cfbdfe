//! The style document: version, metadata, camera defaults, sprite, glyphs,
//! sources in order, and layers. [`parse_style`] reads it from JSON.

use serde_json::Value as J;

use crate::style::layer::{Layer, LayerKind};
use crate::style::reader::{kind, Reader, StyleError};
use crate::style::source::SourceSpec;

/// A parsed style.
#[derive(Clone, Debug)]
pub struct Style {
    pub name: Option<String>,
    /// Default camera centre: longitude, latitude.
    pub center: Option<[f64; 2]>,
    pub zoom: Option<f64>,
    pub bearing: f64,
    pub pitch: f64,
    /// Sprite sheets as (id, base URL); a plain string has id `default`.
    pub sprite: Vec<(String, String)>,
    pub glyphs: Option<String>,
    /// Sources in document order.
    pub sources: Vec<(String, SourceSpec)>,
    pub layers: Vec<Layer>,
    pub metadata: Option<J>,
    /// Kept as given: `light`, `terrain`, `sky`, `projection`, `transition`.
    pub extra: Vec<(String, J)>,
}

impl Style {
    pub fn source(&self, id: &str) -> Option<&SourceSpec> {
        self.sources.iter().find(|(k, _)| k == id).map(|(_, s)| s)
    }
    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.id == id)
    }
    pub fn layer_mut(&mut self, id: &str) -> Option<&mut Layer> {
        self.layers.iter_mut().find(|l| l.id == id)
    }
}

/// A style and the warnings found while reading it (unknown keys and
/// properties).
#[derive(Clone, Debug)]
pub struct ParsedStyle {
    pub style: Style,
    pub warnings: Vec<String>,
}

/// Whether a layer kind can draw a source type.
fn compatible(layer: LayerKind, source: &SourceSpec) -> Result<(), &'static str> {
    let (ok, need) = match layer {
        LayerKind::Background => (true, ""),
        LayerKind::Raster => (
            matches!(source, SourceSpec::Raster(_) | SourceSpec::Image { .. } | SourceSpec::Video { .. }),
            "raster",
        ),
        LayerKind::Hillshade => (matches!(source, SourceSpec::RasterDem { .. }), "raster-dem"),
        _ => (matches!(source, SourceSpec::Vector { .. } | SourceSpec::GeoJson(_)), "vector"),
    };
    if ok {
        Ok(())
    } else {
        Err(need)
    }
}

/// Resolves legacy `ref` layers: they take `type`, `source`, `source-layer`,
/// `minzoom`, `maxzoom`, `filter` and `layout` from the referenced layer.
fn resolve_refs(layers: &[J]) -> Vec<J> {
    layers
        .iter()
        .map(|l| {
            let Some(r) = l.get("ref").and_then(J::as_str) else { return l.clone() };
            let Some(parent) = layers.iter().find(|p| p.get("id").and_then(J::as_str) == Some(r)) else {
                return l.clone();
            };
            let mut out = l.clone();
            if let (Some(o), Some(p)) = (out.as_object_mut(), parent.as_object()) {
                for k in ["type", "source", "source-layer", "minzoom", "maxzoom", "filter", "layout"] {
                    if let Some(v) = p.get(k) {
                        o.insert(k.to_string(), v.clone());
                    }
                }
                o.remove("ref");
            }
            out
        })
        .collect()
}

/// Parses a style document (style specification v8).
pub fn parse_style(json: &[u8]) -> Result<ParsedStyle, StyleError> {
    let doc: J = serde_json::from_slice(json).map_err(|e| {
        StyleError::new("", format!("invalid JSON at line {}, column {}: {e}", e.line(), e.column()))
    })?;
    let mut warnings = Vec::new();
    let mut r = Reader::new(&doc, "")?;
    match r.get("version") {
        None => return Err(StyleError::new("version", "missing required property \"version\"")),
        Some(v) if v.as_f64() == Some(8.0) => {}
        Some(v) => return Err(StyleError::new("version", format!("expected 8, found {v}"))),
    }
    let name = r.string("name")?;
    let center = r.numbers::<2>("center")?;
    let zoom = r.number("zoom")?;
    let bearing = r.number("bearing")?.unwrap_or(0.0);
    let pitch = r.number("pitch")?.unwrap_or(0.0);
    let glyphs = r.string("glyphs")?;
    let metadata = r.get("metadata").cloned();
    let sprite = match r.get("sprite") {
        None => Vec::new(),
        Some(J::String(s)) => vec![("default".to_string(), s.clone())],
        Some(J::Array(a)) => {
            let mut out = Vec::new();
            for (i, s) in a.iter().enumerate() {
                let p = format!("sprite[{i}]");
                let mut sr = Reader::new(s, &p)?;
                let id = sr.string("id")?.ok_or_else(|| StyleError::new(&p, "missing required property \"id\""))?;
                let url = sr.string("url")?.ok_or_else(|| StyleError::new(&p, "missing required property \"url\""))?;
                sr.unknown_keys(&mut warnings);
                out.push((id, url));
            }
            out
        }
        Some(other) => return Err(StyleError::new("sprite", format!("expected string or array, found {}", kind(other)))),
    };
    let mut sources = Vec::new();
    match r.get("sources") {
        None => return Err(StyleError::new("sources", "missing required property \"sources\"")),
        Some(J::Object(o)) => {
            for (id, s) in o {
                sources.push((id.clone(), SourceSpec::parse(s, &format!("sources.{id}"), &mut warnings)?));
            }
        }
        Some(other) => return Err(StyleError::new("sources", format!("expected object, found {}", kind(other)))),
    }
    let mut layers: Vec<Layer> = Vec::new();
    match r.get("layers") {
        None => return Err(StyleError::new("layers", "missing required property \"layers\"")),
        Some(J::Array(a)) => {
            for (i, lj) in resolve_refs(a).iter().enumerate() {
                let path = format!("layers[{i}]");
                let layer = Layer::parse(lj, &path, &mut warnings)?;
                if layers.iter().any(|l| l.id == layer.id) {
                    return Err(StyleError::new(&path, format!("duplicate layer id \"{}\"", layer.id)));
                }
                if let Some(src) = &layer.source {
                    if layer.kind.needs_source() {
                        let spec = sources.iter().find(|(k, _)| k == src).map(|(_, s)| s).ok_or_else(|| {
                            StyleError::new(format!("{path}.source"), format!("source \"{src}\" not found"))
                        })?;
                        compatible(layer.kind, spec).map_err(|need| {
                            StyleError::new(
                                format!("{path}.source"),
                                format!("layer \"{}\" requires a {need} source, \"{src}\" is {}", layer.id, spec.type_name()),
                            )
                        })?;
                    }
                }
                layers.push(layer);
            }
        }
        Some(other) => return Err(StyleError::new("layers", format!("expected array, found {}", kind(other)))),
    }
    let mut extra = Vec::new();
    for k in ["light", "terrain", "sky", "projection", "transition", "state"] {
        if let Some(v) = r.get(k) {
            extra.push((k.to_string(), v.clone()));
        }
    }
    r.unknown_keys(&mut warnings);
    Ok(ParsedStyle {
        style: Style { name, center, zoom, bearing, pitch, sprite, glyphs, sources, layers, metadata, extra },
        warnings,
    })
}
