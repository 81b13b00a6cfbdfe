//! Feature state: per-feature values set by the host (hover, selection...)
//! that `feature-state` expressions read. Keyed by source, source layer and
//! feature id; ids compare by their text (42 and "42" are the same feature).

use std::collections::HashMap;

use serde_json::Value as J;

use super::{Map, MapError, MapErrorKind};
use crate::source::feature::Properties;
use crate::style::value::Value;

/// A feature id as a map key.
pub fn id_key(id: &Value) -> Option<String> {
    match id {
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Some(format!("{}", *n as i64)),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

#[derive(Default, Debug)]
pub struct FeatureStates {
    by_layer: HashMap<(String, String), HashMap<String, Properties>>,
    /// Bumped by every change (paint kept per tile that reads the state is
    /// evaluated again).
    generation: u64,
}

impl FeatureStates {
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn get(&self, source: &str, source_layer: &str, id: &Value) -> Option<&Properties> {
        // Asked for every feature of every frame: no allocation while no
        // state is set (the common case).
        if self.by_layer.is_empty() {
            return None;
        }
        let layer = self.by_layer.get(&(source.to_string(), source_layer.to_string()))?;
        layer.get(&id_key(id)?)
    }
}

impl Map {
    fn check_source(&self, source: &str) -> Result<(), MapError> {
        if self.sources.contains_key(source) {
            Ok(())
        } else {
            Err(MapError::new(MapErrorKind::NotFound, format!("there is no source \"{source}\"")))
        }
    }

    /// Merges `state` (a JSON object) into the feature's state.
    pub fn set_feature_state(&mut self, source: &str, source_layer: &str, id: &str, state: &J) -> Result<(), MapError> {
        self.check_source(source)?;
        let obj = state.as_object().ok_or_else(|| {
            MapError::new(MapErrorKind::InvalidArgument, "the feature state must be a JSON object")
        })?;
        let entry = self
            .feature_state
            .by_layer
            .entry((source.to_string(), source_layer.to_string()))
            .or_default()
            .entry(id.to_string())
            .or_default();
        for (k, v) in obj {
            entry.insert(k.as_str(), Value::from_json(v));
        }
        self.feature_state.generation = self.feature_state.generation.wrapping_add(1);
        self.frame = None;
        self.touch();
        Ok(())
    }

    /// The feature's state as a JSON object (`{}` when none is set).
    pub fn get_feature_state(&self, source: &str, source_layer: &str, id: &str) -> Result<J, MapError> {
        self.check_source(source)?;
        let props = self.feature_state.get(source, source_layer, &Value::String(id.to_string()));
        Ok(J::Object(props.map(|p| p.iter().map(|(k, v)| (k.to_string(), v.to_json())).collect()).unwrap_or_default()))
    }

    /// Removes one key of a feature's state, a feature's whole state (`key`
    /// None), or every feature's state in the source layer (`id` None).
    pub fn remove_feature_state(&mut self, source: &str, source_layer: &str, id: Option<&str>, key: Option<&str>) -> Result<(), MapError> {
        self.check_source(source)?;
        let Some(layer) = self.feature_state.by_layer.get_mut(&(source.to_string(), source_layer.to_string())) else {
            return Ok(());
        };
        match (id, key) {
            (None, _) => layer.clear(),
            (Some(id), None) => {
                layer.remove(id);
            }
            (Some(id), Some(key)) => {
                if let Some(p) = layer.get_mut(id) {
                    p.remove(key);
                }
            }
        }
        self.feature_state.generation = self.feature_state.generation.wrapping_add(1);
        self.frame = None;
        self.touch();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_and_string_ids_are_the_same_feature() {
        assert_eq!(id_key(&Value::Number(42.0)).as_deref(), Some("42"));
        assert_eq!(id_key(&Value::String("42".into())).as_deref(), Some("42"));
        assert_eq!(id_key(&Value::Number(1.5)).as_deref(), Some("1.5"));
        assert_eq!(id_key(&Value::Null), None);
    }
}
