//! A GeoJSON source's `clusterProperties`: for each property name, a map
//! expression (its value for one point) and a reduce expression (how two
//! values combine when points merge into a cluster), compiled with the
//! expression parser.
//!
//! `"name": [operator, map]` with an operator name such as `"+"` or `"max"`
//! reduces with `[operator, ["accumulated"], ["get", "name"]]`;
//! `"name": [reduce, map]` gives the reduce expression itself, reading the
//! value so far as `["accumulated"]` and the merged-in value as
//! `["get", "name"]`. Like MapLibre's validation, neither may use `zoom` or
//! `feature-state`, and only a reduce expression may use `accumulated`.
//! Loading is lenient: a bad entry is a warning naming its JSON path and that
//! property is skipped.

use std::sync::Arc;

use serde_json::{json, Value as J};

use crate::style::expression::{parse_expression, Expression};

/// At most this many cluster properties (more are skipped with a warning):
/// each is evaluated for every point and every merge.
pub const MAX_CLUSTER_PROPERTIES: usize = 64;

/// One compiled cluster property.
#[derive(Clone, Debug)]
pub struct ClusterProperty {
    pub name: String,
    pub map: Arc<Expression>,
    pub reduce: Arc<Expression>,
    /// The source JSON of map and reduce (for comparing styles).
    json: (J, J),
}

/// The compiled `clusterProperties` of a source, in the style's order.
#[derive(Clone, Debug, Default)]
pub struct ClusterProperties(pub Vec<ClusterProperty>);

impl PartialEq for ClusterProperties {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self.0.iter().zip(&other.0).all(|(a, b)| a.name == b.name && a.json == b.json)
    }
}

impl ClusterProperties {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compiles `clusterProperties` found at `path`; bad entries become
    /// warnings (`PATH.NAME...: message`) and are left out.
    pub fn parse(value: &J, path: &str, warnings: &mut Vec<String>) -> ClusterProperties {
        let Some(obj) = value.as_object() else {
            warnings.push(format!("{path}: expected object, found {}", crate::style::reader::kind(value)));
            return ClusterProperties::default();
        };
        let mut out = Vec::new();
        for (name, entry) in obj {
            let at = format!("{path}.{name}");
            if out.len() == MAX_CLUSTER_PROPERTIES {
                warnings.push(format!("{at}: more than {MAX_CLUSTER_PROPERTIES} cluster properties, the rest are ignored"));
                break;
            }
            match compile(name, entry, &at) {
                Ok(p) => out.push(p),
                Err(message) => warnings.push(message),
            }
        }
        ClusterProperties(out)
    }
}

fn compile(name: &str, entry: &J, at: &str) -> Result<ClusterProperty, String> {
    let pair = match entry.as_array() {
        Some(a) if a.len() == 2 => a,
        _ => return Err(format!("{at}: expected [operator or reduce expression, map expression]")),
    };
    let reduce_json = match &pair[0] {
        J::String(op) => json!([op, ["accumulated"], ["get", name]]),
        other => other.clone(),
    };
    let map_json = pair[1].clone();
    let map = expression(&map_json, &format!("{at}.map"), false)?;
    let reduce = expression(&reduce_json, &format!("{at}.reduce"), true)?;
    Ok(ClusterProperty { name: name.to_string(), map: Arc::new(map), reduce: Arc::new(reduce), json: (map_json, reduce_json) })
}

fn expression(j: &J, at: &str, reduce: bool) -> Result<Expression, String> {
    let e = parse_expression(j, None).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!("{at}: {}", list.join("; "))
    })?;
    if !e.is_zoom_constant() || e.is_state_dependent() {
        return Err(format!("{at}: \"zoom\" and \"feature-state\" expressions are not supported with cluster properties"));
    }
    if !reduce && !e.is_global_constant(&["accumulated"]) {
        return Err(format!("{at}: \"accumulated\" is only valid in the reduce expression of a cluster property"));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_custom_reduce_compile_and_bad_entries_warn_with_their_path() {
        let mut w = Vec::new();
        let cp = ClusterProperties::parse(
            &json!({
                "sum": ["+", ["get", "mag"]],
                "top": [["max", ["accumulated"], ["get", "top"]], ["get", "mag"]],
                "shape": "not an array",
                "bad_map": ["+", ["nonsense-op", 1]],
                "acc_in_map": ["+", ["accumulated"]],
                "zoomy": ["+", ["zoom"]],
                "stateful": ["+", ["feature-state", "x"]],
            }),
            "sources.s.clusterProperties",
            &mut w,
        );
        let names: Vec<&str> = cp.0.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["sum", "top"]);
        assert_eq!(w.len(), 5, "{w:?}");
        for (key, part) in [("shape", ""), ("bad_map", ".map"), ("acc_in_map", ".map"), ("zoomy", ".map"), ("stateful", ".map")] {
            let prefix = format!("sources.s.clusterProperties.{key}{part}: ");
            assert!(w.iter().any(|m| m.starts_with(&prefix)), "no warning starting {prefix:?} in {w:?}");
        }
        assert!(w.iter().any(|m| m.contains("\"accumulated\" is only valid")), "{w:?}");
        // The operator form expands to [op, accumulated, get name].
        assert!(!cp.0[0].reduce.is_global_constant(&["accumulated"]));
        assert!(cp.0[0].map.is_global_constant(&["accumulated"]));
    }

    #[test]
    fn not_an_object_warns_and_too_many_are_cut() {
        let mut w = Vec::new();
        assert!(ClusterProperties::parse(&json!([1]), "p", &mut w).is_empty());
        assert_eq!(w, ["p: expected object, found array"]);
        let mut big = serde_json::Map::new();
        for i in 0..MAX_CLUSTER_PROPERTIES + 5 {
            big.insert(format!("p{i:03}"), json!(["+", ["get", "x"]]));
        }
        let mut w = Vec::new();
        let cp = ClusterProperties::parse(&J::Object(big), "p", &mut w);
        assert_eq!(cp.0.len(), MAX_CLUSTER_PROPERTIES);
        assert_eq!(w.len(), 1, "{w:?}");
    }
}
