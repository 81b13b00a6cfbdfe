//! The style document: version, metadata, camera defaults, sprite, glyphs,
//! sources in order, and layers. [`parse_style`] reads it from JSON.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value as J;

use crate::style::expression::fuel;
use crate::style::expression::parse::with_limits;
use crate::style::layer::{Layer, LayerKind};
use crate::style::reader::{kind, Reader, StyleError};
use crate::style::caps::{Capped, Cut, StyleCaps};
use crate::style::inline_data::{read_style_json, InlineData};
use crate::style::source::{GeoJsonData, GeoJsonSource, SourceSpec};

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
    /// Initial global state from the style's `state` (`{"key": {"default": v}}`),
    /// for [`crate::style::expression::EvaluationContext::global_state`].
    pub fn global_state(&self) -> std::collections::BTreeMap<String, crate::style::value::Value> {
        let state = self.extra.iter().find(|(k, _)| k == "state").and_then(|(_, v)| v.as_object());
        state
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        let d = v.get("default").unwrap_or(&J::Null);
                        (k.clone(), crate::style::value::Value::from_json(d))
                    })
                    .collect()
            })
            .unwrap_or_default()
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
/// A style's sources by id. Layers look theirs up here: a style may name
/// thousands of layers and sources, and a search per layer made parsing
/// such a style quadratic (100,000 layers took a minute and a half).
fn source_index(sources: &[(String, SourceSpec)]) -> HashMap<&str, &SourceSpec> {
    sources.iter().map(|(id, spec)| (id.as_str(), spec)).collect()
}

/// A layer's id is not one of `ids` (the layers before it), and its source,
/// when it draws one, is there and of a type it draws.
fn check_layer(layer: &Layer, path: &str, ids: &HashSet<String>, sources: &HashMap<&str, &SourceSpec>) -> Result<(), StyleError> {
    if ids.contains(&layer.id) {
        return Err(StyleError::new(path, format!("duplicate layer id \"{}\"", layer.id)));
    }
    if let (Some(src), true) = (&layer.source, layer.kind.needs_source()) {
        let spec = sources
            .get(src.as_str())
            .ok_or_else(|| StyleError::new(format!("{path}.source"), format!("source \"{src}\" not found")))?;
        compatible(layer.kind, spec).map_err(|need| {
            StyleError::new(
                format!("{path}.source"),
                format!("layer \"{}\" requires a {need} source, \"{src}\" is {}", layer.id, spec.type_name()),
            )
        })?;
    }
    Ok(())
}

fn compatible(layer: LayerKind, source: &SourceSpec) -> Result<(), &'static str> {
    let (ok, need) = match layer {
        LayerKind::Background => (true, ""),
        LayerKind::Raster => (
            matches!(
                source,
                SourceSpec::Raster(_) | SourceSpec::Image { .. } | SourceSpec::Video { .. }
            ),
            "raster",
        ),
        LayerKind::Hillshade => (matches!(source, SourceSpec::RasterDem { .. }), "raster-dem"),
        _ => (
            matches!(source, SourceSpec::Vector { .. } | SourceSpec::GeoJson(_)),
            "vector",
        ),
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
    // The first layer with each id (as a search from the start finds it).
    let mut by_id: HashMap<&str, &J> = HashMap::new();
    for l in layers {
        if let Some(id) = l.get("id").and_then(J::as_str) {
            by_id.entry(id).or_insert(l);
        }
    }
    layers
        .iter()
        .map(|l| {
            let Some(r) = l.get("ref").and_then(J::as_str) else {
                return l.clone();
            };
            let Some(parent) = by_id.get(r) else {
                return l.clone();
            };
            let mut out = l.clone();
            if let (Some(o), Some(p)) = (out.as_object_mut(), parent.as_object()) {
                for k in [
                    "type",
                    "source",
                    "source-layer",
                    "minzoom",
                    "maxzoom",
                    "filter",
                    "layout",
                ] {
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

/// Parses a style document leniently, like MapLibre's `setStyle`: a bad
/// property value is a warning and that property keeps its default; a bad
/// layer (type, filter, source, duplicate id, ...) or source is a warning and
/// is skipped; a GeoJSON source without `data` is a warning and is empty. Only
/// invalid JSON, a non-object root or a wrong `version` fail. Returns the
/// style and the document without what was skipped (so later strict edits of
/// it are not refused for the skipped parts). Linear in the style's size;
/// its constant expressions are folded under one work bound.
pub fn parse_style_lenient(json: &[u8], caps: StyleCaps) -> Result<(ParsedStyle, J), StyleError> {
    let (mut parsed, spent) = fuel::with_fuel(fuel::STYLE_STEPS, || with_limits(caps.expressions, || lenient(json, caps)));
    if let (Ok((parsed, _)), true) = (&mut parsed, spent.steps) {
        parsed.warnings.push(format!(
            "the style's constant expressions took more than {} evaluation steps (the style's expression work bound, for expressions that build large strings or copy large literals): the properties past it took their defaults",
            fuel::STYLE_STEPS
        ));
    }
    parsed
}

fn lenient(json: &[u8], caps: StyleCaps) -> Result<(ParsedStyle, J), StyleError> {
    let (mut doc, inline, cuts) = read_style_json(json, caps).map_err(json_error)?;
    let Some(root) = doc.as_object_mut() else {
        return Err(StyleError::new("", format!("expected object, found {}", kind(&doc))));
    };
    match root.get("version") {
        None => return Err(StyleError::new("version", "missing required property \"version\"")),
        Some(v) if v.as_f64() == Some(8.0) => {}
        Some(v) => return Err(StyleError::new("version", format!("expected 8, found {v}"))),
    }
    let mut warnings: Vec<String> = cuts.iter().map(Cut::to_string).collect();
    let skipped = |warnings: &mut Vec<String>, e: &StyleError, what: &str| {
        warnings.push(format!("{e} ({what})"));
    };
    // Top-level values: each checked alone.
    for key in ["name", "center", "zoom", "bearing", "pitch", "glyphs", "sprite"] {
        let Some(v) = root.get(key) else { continue };
        let mini = serde_json::json!({"version": 8, "sources": {}, "layers": [], key: v});
        if let Err(e) = parse_style(mini.to_string().as_bytes()) {
            skipped(&mut warnings, &e, "ignored");
            root.remove(key);
        }
    }
    // Sources: each parsed alone; a bad one is skipped.
    let mut sources: Vec<(String, SourceSpec)> = Vec::new();
    match root.get_mut("sources") {
        None | Some(J::Object(_)) => {}
        Some(other) => {
            let e = StyleError::new("sources", format!("expected object, found {}", kind(other)));
            skipped(&mut warnings, &e, "no sources");
            *other = J::Object(Default::default());
        }
    }
    if let Some(J::Object(o)) = root.get_mut("sources") {
        let mut bad = Vec::new();
        for (id, s) in o.iter_mut() {
            let path = format!("sources.{id}");
            if s.get("type").and_then(J::as_str) == Some("geojson") && s.get("data").is_none() {
                if let Some(so) = s.as_object_mut() {
                    warnings.push(format!("{path}: missing required property \"data\" (the source is empty)"));
                    so.insert("data".into(), serde_json::json!({"type": "FeatureCollection", "features": []}));
                }
            }
            let mut source_warnings = Vec::new();
            match SourceSpec::parse_with_data(s, inline.get(id), &path, &mut source_warnings) {
                Ok(spec) => {
                    warnings.append(&mut source_warnings);
                    sources.push((id.clone(), spec));
                }
                Err(e) => {
                    skipped(&mut warnings, &e, "source skipped");
                    bad.push(id.clone());
                }
            }
        }
        for id in bad {
            o.remove(&id);
        }
    }
    // Layers: a bad property is dropped (default used); anything else bad
    // drops the layer.
    match root.get_mut("layers") {
        None | Some(J::Array(_)) => {}
        Some(other) => {
            let e = StyleError::new("layers", format!("expected array, found {}", kind(other)));
            skipped(&mut warnings, &e, "no layers");
            *other = J::Array(Vec::new());
        }
    }
    let mut layers: Vec<Layer> = Vec::new();
    if let Some(J::Array(a)) = root.get_mut("layers") {
        if a.iter().any(|l| l.get("ref").is_some()) {
            *a = resolve_refs(a);
        }
        let mut kept: Vec<J> = Vec::with_capacity(a.len());
        let mut ids = HashSet::new();
        let by_id = source_index(&sources);
        let mut layer_warnings = Vec::new();
        for (i, mut lj) in std::mem::take(a).into_iter().enumerate() {
            let path = format!("layers[{i}]");
            let layer = loop {
                layer_warnings.clear();
                match Layer::parse(&lj, &path, &mut layer_warnings) {
                    Ok(layer) => break Some(layer),
                    Err(e) => {
                        // `layers[i].paint.NAME...`: drop that property, parse again.
                        let prop = ["paint", "layout"].into_iter().find_map(|g| {
                            let rest = e.path.strip_prefix(&format!("{path}.{g}."))?;
                            let name = rest.split(['[', '.']).next()?;
                            Some((g, name.to_string()))
                        });
                        let removed = prop.and_then(|(g, name)| {
                            lj.get_mut(g).and_then(J::as_object_mut).and_then(|o| o.remove(&name))
                        });
                        if removed.is_some() {
                            skipped(&mut warnings, &e, "property ignored, default used");
                            continue;
                        }
                        skipped(&mut warnings, &e, "layer skipped");
                        break None;
                    }
                }
            };
            let Some(layer) = layer else { continue };
            match check_layer(&layer, &path, &ids, &by_id) {
                Ok(()) => {
                    ids.insert(layer.id.clone());
                    warnings.append(&mut layer_warnings);
                    warnings.extend(missing_source_layer(&layer, &path, &by_id));
                    kept.push(lj);
                    layers.push(layer);
                }
                Err(e) => skipped(&mut warnings, &e, "layer skipped"),
            }
        }
        *a = kept;
    }
    // What is left is valid: the strict parse adds its warnings (unknown
    // keys) over the same document, with the sources and layers parsed
    // above (their expressions are not parsed and folded twice).
    let mut parsed = parse_document(&doc, Some((sources, layers)), &inline)?;
    warnings.append(&mut parsed.warnings);
    parsed.warnings = warnings;
    Ok((parsed, doc))
}

/// Takes inline GeoJSON data out of a style's document (leaving `null`): the
/// parsed style holds it as text, and parsed JSON in the document would cost
/// ten to twenty times as much. [`style_json_text`] prints it back.
pub fn strip_inline_data(doc: &mut J, style: &Style) {
    for (id, spec) in &style.sources {
        if let SourceSpec::GeoJson(GeoJsonSource { data: GeoJsonData::Inline(_), .. }) = spec {
            if let Some(data) = doc.get_mut("sources").and_then(|s| s.get_mut(id)).and_then(|s| s.get_mut("data")) {
                *data = J::Null;
            }
        }
    }
}

/// The document as JSON text, with the inline GeoJSON data that
/// [`strip_inline_data`] took out put back: its text is spliced in as it
/// is, never parsed (parsed, 60 MB of data would take gigabytes).
pub fn style_json_text(doc: &J, style: &Style) -> Result<String, serde_json::Error> {
    let inline: HashMap<&str, &str> = style
        .sources
        .iter()
        .filter_map(|(id, spec)| match spec {
            SourceSpec::GeoJson(GeoJsonSource { data: GeoJsonData::Inline(text), .. }) => Some((id.as_str(), &**text)),
            _ => None,
        })
        .collect();
    serde_json::to_string(&Spliced { value: doc, inline: &inline, at: At::Root })
}

/// A document value printed with inline data spliced in at
/// `sources.ID.data` where the document holds `null`.
struct Spliced<'a> {
    value: &'a J,
    inline: &'a HashMap<&'a str, &'a str>,
    at: At<'a>,
}

/// Where a [`Spliced`] value is in the document.
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Sources,
    Source(&'a str),
}

impl serde::Serialize for Spliced<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap};
        let J::Object(members) = self.value else { return self.value.serialize(s) };
        let mut map = s.serialize_map(Some(members.len()))?;
        for (key, value) in members {
            let inner = match self.at {
                At::Root if key == "sources" => Some(At::Sources),
                At::Sources => Some(At::Source(key)),
                _ => None,
            };
            if let (At::Source(id), "data", true) = (self.at, key.as_str(), value.is_null()) {
                if let Some(text) = self.inline.get(id) {
                    // The text was read as one JSON value: checked, not parsed.
                    let raw: &serde_json::value::RawValue = serde_json::from_str(text).map_err(S::Error::custom)?;
                    map.serialize_entry(key, raw)?;
                    continue;
                }
            }
            match inner {
                Some(at) => map.serialize_entry(key, &Spliced { value, inline: self.inline, at })?,
                None => map.serialize_entry(key, value)?,
            }
        }
        map.end()
    }
}

/// Parses a style document (style specification v8), strictly: the first
/// error fails it (the runtime-styling API's rule; see [`parse_style_lenient`]).
/// More layers or sources than the default [`StyleCaps`] fail it.
pub fn parse_style(json: &[u8]) -> Result<ParsedStyle, StyleError> {
    let (doc, inline, cuts) = read_style_json(json, StyleCaps::default()).map_err(json_error)?;
    if let Some(cut) = cuts.first() {
        return Err(StyleError::new(cut.member.key(), cut.refusal()));
    }
    parse_document(&doc, None, &inline)
}

fn json_error(e: crate::data::json::JsonError) -> StyleError {
    let e = match e {
        crate::data::json::JsonError::TooBig { max } => {
            return StyleError::new(
                "",
                format!("the style takes more than {max} bytes once parsed ({})", crate::data::json::PARSED_LIMIT),
            )
        }
        crate::data::json::JsonError::Json(e) => e,
    };
    let why = e.to_string();
    if why.starts_with("recursion limit exceeded") {
        // serde_json's bound on nesting: say so in the style's terms.
        return StyleError::new(
            "",
            format!("invalid JSON at line {}, column {}: arrays and objects nest more than 128 deep", e.line(), e.column()),
        );
    }
    StyleError::new("", format!("invalid JSON at line {}, column {}: {why}", e.line(), e.column()))
}

/// [`parse_style`] of a document already parsed as JSON, whose inline
/// GeoJSON data `inline` holds as text where the document has `null` (the
/// runtime-styling API edits the stripped document of a loaded style and
/// parses it again, keeping the loaded data as it is).
/// A style with more layers or sources than `caps` allow fails it.
pub fn parse_style_value(doc: &J, inline: &InlineData, caps: StyleCaps) -> Result<ParsedStyle, StyleError> {
    for member in [Capped::Layers, Capped::Sources] {
        let count = match doc.get(member.key()) {
            Some(J::Array(a)) => a.len(),
            Some(J::Object(o)) => o.len(),
            _ => 0,
        };
        if count > caps.of(member) {
            return Err(StyleError::new(member.key(), member.over(count, caps.of(member))));
        }
    }
    with_limits(caps.expressions, || parse_document(doc, None, inline))
}

/// The inline GeoJSON data of a parsed style, as text by source id.
pub fn inline_data(style: &Style) -> InlineData {
    style
        .sources
        .iter()
        .filter_map(|(id, spec)| match spec {
            SourceSpec::GeoJson(GeoJsonSource { data: GeoJsonData::Inline(text), .. }) => Some((id.clone(), Arc::clone(text))),
            _ => None,
        })
        .collect()
}

/// The strict parse of a parsed document (`inline`: its sources' data kept
/// as text). `sources`, when given, are the document's sources already parsed
/// (their warnings already taken) by the lenient parse.
/// The sources and layers of a document, parsed already.
type Parsed = (Vec<(String, SourceSpec)>, Vec<Layer>);

/// Parses a style document (its sources and layers, unless `parsed` holds
/// them); its constant expressions are folded under one work bound.
fn parse_document(doc: &J, parsed: Option<Parsed>, inline: &InlineData) -> Result<ParsedStyle, StyleError> {
    fuel::bounded(fuel::STYLE_STEPS, || document(doc, parsed, inline))
}

/// The warning for a layer of a vector source without `source-layer`.
fn missing_source_layer(layer: &Layer, path: &str, by_id: &HashMap<&str, &SourceSpec>) -> Option<String> {
    (layer.source_layer.is_none() && layer.source.as_deref().is_some_and(|s| matches!(by_id.get(s), Some(SourceSpec::Vector { .. }))))
        .then(|| format!("{path}: layer \"{}\" must specify a \"source-layer\"", layer.id))
}

fn document(doc: &J, parsed: Option<Parsed>, inline: &InlineData) -> Result<ParsedStyle, StyleError> {
    let mut warnings = Vec::new();
    let mut r = Reader::new(doc, "")?;
    match r.get("version") {
        None => {
            return Err(StyleError::new(
                "version",
                "missing required property \"version\"",
            ))
        }
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
                let id = sr
                    .string("id")?
                    .ok_or_else(|| StyleError::new(&p, "missing required property \"id\""))?;
                let url = sr
                    .string("url")?
                    .ok_or_else(|| StyleError::new(&p, "missing required property \"url\""))?;
                sr.unknown_keys(&mut warnings);
                out.push((id, url));
            }
            out
        }
        Some(other) => {
            return Err(StyleError::new(
                "sprite",
                format!("expected string or array, found {}", kind(other)),
            ))
        }
    };
    let given = parsed.is_some();
    let (mut sources, given_layers) = parsed.unwrap_or_default();
    match r.get("sources") {
        None => warnings.push("sources: missing required property \"sources\"".into()),
        Some(J::Object(_)) if given => {}
        Some(J::Object(o)) => {
            for (id, s) in o {
                sources.push((
                    id.clone(),
                    SourceSpec::parse_with_data(s, inline.get(id), &format!("sources.{id}"), &mut warnings)?,
                ));
            }
        }
        Some(other) => {
            return Err(StyleError::new(
                "sources",
                format!("expected object, found {}", kind(other)),
            ))
        }
    }
    let mut layers: Vec<Layer> = Vec::new();
    match r.get("layers") {
        None => warnings.push("layers: missing required property \"layers\"".into()),
        Some(J::Array(_)) if given => layers = given_layers,
        Some(J::Array(a)) => {
            let by_id = source_index(&sources);
            let mut ids = HashSet::new();
            for (i, lj) in resolve_refs(a).iter().enumerate() {
                let path = format!("layers[{i}]");
                let layer = Layer::parse(lj, &path, &mut warnings)?;
                check_layer(&layer, &path, &ids, &by_id)?;
                warnings.extend(missing_source_layer(&layer, &path, &by_id));
                ids.insert(layer.id.clone());
                layers.push(layer);
            }
        }
        Some(other) => {
            return Err(StyleError::new(
                "layers",
                format!("expected array, found {}", kind(other)),
            ))
        }
    }
    let mut extra = Vec::new();
    for k in [
        "light",
        "terrain",
        "sky",
        "projection",
        "transition",
        "state",
    ] {
        if let Some(v) = r.get(k) {
            extra.push((k.to_string(), v.clone()));
        }
    }
    r.unknown_keys(&mut warnings);
    Ok(ParsedStyle {
        style: Style {
            name,
            center,
            zoom,
            bearing,
            pitch,
            sprite,
            glyphs,
            sources,
            layers,
            metadata,
            extra,
        },
        warnings,
    })
}
