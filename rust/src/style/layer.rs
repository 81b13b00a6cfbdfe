//! Style layers: identity, source binding, zoom range, filter, and paint
//! and layout properties.

use serde_json::Value as J;

use crate::style::expression::EvaluationContext;
use crate::style::filter::Filter;
use crate::style::property::PropertySet;
use crate::style::reader::{kind, Reader, StyleError};
pub use crate::style::spec::LayerKind;
use crate::style::spec::{find, Group};

/// One layer of a style.
#[derive(Clone, Debug)]
pub struct Layer {
    pub id: String,
    pub kind: LayerKind,
    pub source: Option<String>,
    pub source_layer: Option<String>,
    /// Shown from this zoom (inclusive); 0 by default.
    pub minzoom: f64,
    /// Hidden from this zoom (exclusive); 24 by default.
    pub maxzoom: f64,
    pub filter: Option<Filter>,
    pub paint: PropertySet,
    pub layout: PropertySet,
    pub metadata: Option<J>,
}

impl Layer {
    pub fn new(id: impl Into<String>, kind: LayerKind) -> Layer {
        Layer {
            id: id.into(),
            kind,
            source: None,
            source_layer: None,
            minzoom: 0.0,
            maxzoom: 24.0,
            filter: None,
            paint: PropertySet::new(kind, Group::Paint),
            layout: PropertySet::new(kind, Group::Layout),
            metadata: None,
        }
    }

    /// Parses a layer object found at `path` (`layers[3]`). Unknown keys and
    /// properties become warnings; invalid values are errors.
    pub fn parse(j: &J, path: &str, warnings: &mut Vec<String>) -> Result<Layer, StyleError> {
        let mut r = Reader::new(j, path)?;
        let id = match r.get("id") {
            Some(J::String(s)) => s.clone(),
            Some(other) => return Err(r.err("id", format!("expected string, found {}", kind(other)))),
            None => return Err(StyleError::new(path, "missing required property \"id\"")),
        };
        let kind = match r.get("type") {
            Some(J::String(s)) => LayerKind::parse(s).ok_or_else(|| r.err("type", format!("unknown layer type \"{s}\"")))?,
            Some(other) => return Err(r.err("type", format!("expected string, found {}", kind(other)))),
            None => return Err(StyleError::new(path, "missing required property \"type\"")),
        };
        let mut layer = Layer::new(id, kind);
        layer.source = r.string("source")?;
        layer.source_layer = r.string("source-layer")?;
        layer.minzoom = r.number_in("minzoom", 0.0, 24.0)?.unwrap_or(0.0);
        layer.maxzoom = r.number_in("maxzoom", 0.0, 24.0)?.unwrap_or(24.0);
        layer.metadata = r.get("metadata").cloned();
        r.get("ref");
        if kind.needs_source() && layer.source.is_none() {
            return Err(StyleError::new(path, "missing required property \"source\""));
        }
        if let Some(f) = r.get("filter") {
            layer.filter = Some(Filter::parse(f).map_err(|m| filter_error(&r.key_path("filter"), &m))?);
        }
        for group in [Group::Layout, Group::Paint] {
            let Some(props) = r.get(group.name()) else { continue };
            let group_path = r.key_path(group.name());
            let obj = props
                .as_object()
                .ok_or_else(|| StyleError::new(&group_path, format!("expected object, found {}", crate::style::reader::kind(props))))?;
            for (name, value) in obj {
                if find(kind, group, name).is_none() {
                    // Transitions (`*-transition`) are accepted and ignored.
                    if !(group == Group::Paint && name.ends_with("-transition")) {
                        warnings.push(format!("{group_path}.{name}: unknown property \"{name}\""));
                    }
                    continue;
                }
                let set = match group {
                    Group::Paint => layer.paint.try_set(name, value),
                    Group::Layout => layer.layout.try_set(name, value),
                };
                set.map_err(|e| StyleError::new(format!("{group_path}.{}{}", e.name, e.key), e.message))?;
            }
        }
        r.unknown_keys(warnings);
        Ok(layer)
    }

    /// Sets a paint property (`null` resets it to the default).
    pub fn set_paint_property(&mut self, name: &str, value: &J) -> Result<(), String> {
        self.paint.set(name, value)
    }

    /// Sets a layout property (`null` resets it to the default).
    pub fn set_layout_property(&mut self, name: &str, value: &J) -> Result<(), String> {
        self.layout.set(name, value)
    }

    /// Sets the filter (`null` removes it).
    pub fn set_filter(&mut self, filter: &J) -> Result<(), String> {
        if filter.is_null() {
            self.filter = None;
            return Ok(());
        }
        self.filter = Some(Filter::parse(filter)?);
        Ok(())
    }

    /// `visibility` is not `none`.
    pub fn is_visible(&self) -> bool {
        self.layout.get_enum("visibility", &EvaluationContext::default()) != "none"
    }

    /// Whether the layer draws nothing at `zoom` (hidden or out of range).
    pub fn is_hidden(&self, zoom: f64) -> bool {
        !self.is_visible() || zoom < self.minzoom || zoom >= self.maxzoom
    }

    /// Whether the feature in `ctx` passes the filter (no filter: all pass).
    pub fn filter_matches(&self, ctx: &EvaluationContext) -> bool {
        self.filter.as_ref().map_or(true, |f| f.matches(ctx))
    }
}

fn filter_error(path: &str, message: &str) -> StyleError {
    // Expression errors come as "[1][2]: message".
    match message.strip_prefix('[').and_then(|_| message.split_once("]: ")) {
        Some((key, msg)) => StyleError::new(format!("{path}{key}]"), msg),
        None => StyleError::new(path, message),
    }
}
