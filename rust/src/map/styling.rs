//! Runtime styling: add/remove sources, layers and images, get/set
//! properties and filters, and the style as JSON. Every edit changes a copy
//! of the style document and re-parses it, so edits get the same validation
//! (with the same precise messages) as a whole style; the map changes only
//! when the edit is valid. Sources whose JSON is unchanged keep their tiles.

use std::sync::Arc;

use serde_json::Value as J;

use super::{Map, MapError, MapErrorKind};
use crate::runtime::Core;
use crate::style::spec::LayerKind;

pub use crate::style::image::StyleImage;

fn invalid(message: impl Into<String>) -> MapError {
    MapError::new(MapErrorKind::InvalidArgument, message)
}

fn not_found(message: impl Into<String>) -> MapError {
    MapError::new(MapErrorKind::NotFound, message)
}

/// Which property group an edit touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Paint,
    Layout,
}

impl Group {
    fn key(self) -> &'static str {
        match self {
            Group::Paint => "paint",
            Group::Layout => "layout",
        }
    }
}

impl Map {
    fn doc_or_err(&self) -> Result<&J, MapError> {
        if self.style().is_none() {
            return Err(MapError::new(MapErrorKind::InvalidState, "the map has no loaded style"));
        }
        Ok(&self.style_doc)
    }

    fn layer_index(&self, id: &str) -> Result<usize, MapError> {
        let doc = self.doc_or_err()?;
        doc["layers"]
            .as_array()
            .and_then(|ls| ls.iter().position(|l| l["id"].as_str() == Some(id)))
            .ok_or_else(|| not_found(format!("there is no layer \"{id}\"")))
    }

    /// Applies `edit` to a copy of the style document and installs the result
    /// if it is a valid style; `context` prefixes error messages.
    fn edit_style(&mut self, core: &mut Core, context: &str, edit: impl FnOnce(&mut J)) -> Result<(), MapError> {
        self.edit_style_adding(core, context, None, edit)
    }

    /// [`Map::edit_style`] that also adds a source's inline GeoJSON data
    /// (its id and text; the edit puts `null` in its place).
    fn edit_style_adding(&mut self, core: &mut Core, context: &str, data: Option<(&str, Arc<str>)>, edit: impl FnOnce(&mut J)) -> Result<(), MapError> {
        // The document without inline data (null in its place); the parse
        // takes the loaded data's text, so an edit neither copies nor
        // reprints it, and an unchanged source keeps its tiles.
        let mut doc = self.doc_or_err()?.clone();
        let mut inline = self.style().map(|s| crate::style::inline_data(s)).unwrap_or_default();
        if let Some((id, text)) = data {
            inline.insert(id.to_string(), text);
        }
        edit(&mut doc);
        let parsed = crate::style::parse_style_value(&doc, &inline, super::style_caps(core)).map_err(|e| invalid(format!("{context}: {e}")))?;
        self.apply_style(parsed, doc, core, true);
        Ok(())
    }

    /// The style as JSON (the document with every runtime edit applied).
    pub fn style_json(&self) -> Result<String, MapError> {
        let doc = self.doc_or_err()?;
        match self.style() {
            Some(style) => crate::style::style_json_text(doc, style).map_err(|e| invalid(format!("the style cannot be printed: {e}"))),
            None => Ok(doc.to_string()),
        }
    }

    /// Adds source `id` from its JSON text. A GeoJSON source's inline data
    /// stays text until the source reads it (as in a style), and the rest is
    /// parsed under the runtime's bound on a parsed document.
    pub fn add_source(&mut self, id: &str, json: &str, core: &mut Core) -> Result<(), MapError> {
        if self.doc_or_err()?["sources"].get(id).is_some() {
            return Err(invalid(format!("there is already a source \"{id}\"")));
        }
        let (source, data) = crate::style::inline_data::read_source_json(json, core.limits().max_parsed_bytes())
            .map_err(|e| invalid(e.describe(&format!("source \"{id}\""))))?;
        if !source.is_object() {
            return Err(invalid(format!("source \"{id}\": expected an object")));
        }
        self.edit_style_adding(core, &format!("source \"{id}\""), data.map(|text| (id, text)), |doc| {
            if !doc["sources"].is_object() {
                doc["sources"] = J::Object(Default::default());
            }
            doc["sources"][id] = source;
        })
    }

    pub fn remove_source(&mut self, id: &str, core: &mut Core) -> Result<(), MapError> {
        let doc = self.doc_or_err()?;
        if doc["sources"].get(id).is_none() {
            return Err(not_found(format!("there is no source \"{id}\"")));
        }
        if let Some(user) = doc["layers"].as_array().into_iter().flatten().find(|l| l["source"].as_str() == Some(id)) {
            return Err(MapError::new(
                MapErrorKind::InvalidState,
                format!("source \"{id}\" cannot be removed while layer \"{}\" uses it", user["id"].as_str().unwrap_or("")),
            ));
        }
        self.edit_style(core, &format!("source \"{id}\""), |doc| {
            if let Some(o) = doc["sources"].as_object_mut() {
                o.remove(id);
            }
        })
    }

    /// Adds a layer before `before` (or on top).
    pub fn add_layer(&mut self, layer: &J, before: Option<&str>, core: &mut Core) -> Result<(), MapError> {
        let id = layer["id"].as_str().ok_or_else(|| invalid("layer: missing required property \"id\""))?.to_string();
        if self.layer_index(&id).is_ok() {
            return Err(invalid(format!("there is already a layer \"{id}\"")));
        }
        let at = match before {
            Some(b) => self.layer_index(b).map_err(|_| not_found(format!("there is no layer \"{b}\" to add \"{id}\" before")))?,
            None => self.doc_or_err()?["layers"].as_array().map_or(0, |l| l.len()),
        };
        if let Some(src) = layer["source"].as_str() {
            if self.style_doc["sources"].get(src).is_none() {
                return Err(invalid(format!("layer \"{id}\": there is no source \"{src}\"")));
            }
        }
        self.edit_style(core, &format!("layer \"{id}\""), |doc| {
            if !doc["layers"].is_array() {
                doc["layers"] = J::Array(vec![]);
            }
            if let Some(ls) = doc["layers"].as_array_mut() {
                ls.insert(at, layer.clone());
            }
        })
    }

    pub fn remove_layer(&mut self, id: &str, core: &mut Core) -> Result<(), MapError> {
        let i = self.layer_index(id)?;
        self.edit_style(core, &format!("layer \"{id}\""), |doc| {
            if let Some(ls) = doc["layers"].as_array_mut() {
                ls.remove(i);
            }
        })
    }

    fn check_property(&self, layer: &str, group: Group, name: &str) -> Result<usize, MapError> {
        let i = self.layer_index(layer)?;
        let kind = self.style().and_then(|s| s.layer(layer)).map(|l| l.kind).unwrap_or(LayerKind::Background);
        let set = match (self.style().and_then(|s| s.layer(layer)), group) {
            (Some(l), Group::Paint) => &l.paint,
            (Some(l), Group::Layout) => &l.layout,
            (None, _) => return Err(not_found(format!("there is no layer \"{layer}\""))),
        };
        if set.spec(name).is_none() {
            return Err(invalid(format!(
                "layer \"{layer}\": \"{name}\" is not a {} property of {} layers",
                group.key(),
                kind.name()
            )));
        }
        Ok(i)
    }

    /// Sets a paint or layout property (JSON `null` resets it to the default).
    pub fn set_property(&mut self, layer: &str, group: Group, name: &str, value: &J, core: &mut Core) -> Result<(), MapError> {
        let i = self.check_property(layer, group, name)?;
        self.edit_style(core, &format!("layer \"{layer}\""), |doc| {
            let props = &mut doc["layers"][i][group.key()];
            if !props.is_object() {
                *props = J::Object(Default::default());
            }
            let o = props.as_object_mut().expect("object");
            if value.is_null() {
                o.remove(name);
            } else {
                o.insert(name.to_string(), value.clone());
            }
        })
    }

    /// The property's value as set in the style (JSON `null` when unset).
    pub fn get_property(&self, layer: &str, group: Group, name: &str) -> Result<J, MapError> {
        let i = self.check_property(layer, group, name)?;
        Ok(self.style_doc["layers"][i][group.key()].get(name).cloned().unwrap_or(J::Null))
    }

    /// Sets (or with JSON `null`, clears) a layer's filter.
    pub fn set_filter(&mut self, layer: &str, filter: &J, core: &mut Core) -> Result<(), MapError> {
        let i = self.layer_index(layer)?;
        self.edit_style(core, &format!("layer \"{layer}\""), |doc| {
            let l = doc["layers"][i].as_object_mut().expect("layers are objects");
            if filter.is_null() {
                l.remove("filter");
            } else {
                l.insert("filter".into(), filter.clone());
            }
        })
    }

    pub fn add_image(&mut self, id: &str, image: StyleImage) -> Result<(), MapError> {
        if id.is_empty() {
            return Err(invalid("the image id is empty"));
        }
        self.images.insert(id.to_string(), image);
        self.images_changed();
        self.frame = None;
        self.touch();
        Ok(())
    }

    pub fn remove_image(&mut self, id: &str) -> Result<(), MapError> {
        self.images.remove(id).ok_or_else(|| not_found(format!("there is no image \"{id}\"")))?;
        self.images_changed();
        self.touch();
        Ok(())
    }

    /// An image by id: added at run time, else from a sprite.
    pub fn image(&self, id: &str) -> Option<&StyleImage> {
        self.images.get(id).or_else(|| self.sprite_images.get(id))
    }
}
