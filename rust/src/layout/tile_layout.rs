//! One style layer laid out in one tile, once: the features the layer draws
//! there (geometry type and filter, evaluated at the tile's zoom as MapLibre
//! does when it builds buckets, so independent of the view), and their paint
//! evaluated at one zoom (once for all features when it does not read them),
//! kept until a frame asks for another zoom (or, for paint that reads
//! feature state, until the state changes). A frame then
//! only culls, transforms and emits commands (`layer_commands`).

use std::sync::{Arc, Mutex, OnceLock};

use super::feature_paint::{is_feature_constant, reads_feature_state, FeaturePaint};
use crate::source::cover::CoveredTile;
use crate::source::feature::{Feature, GeomType, TileLayer};
use crate::style::expression::EvaluationContext;
use crate::style::layer::{Layer, LayerKind};

/// Whether a layer of `kind` draws geometry of type `geom`.
pub fn draws_geometry(kind: LayerKind, geom: GeomType) -> bool {
    match kind {
        // MapLibre fills line geometry too, as closed rings.
        LayerKind::Fill => matches!(geom, GeomType::Polygon | GeomType::LineString),
        LayerKind::Line => matches!(geom, GeomType::LineString | GeomType::Polygon),
        LayerKind::Circle => geom != GeomType::Unknown,
        LayerKind::FillExtrusion => geom == GeomType::Polygon,
        LayerKind::Heatmap => geom == GeomType::Point,
        _ => false,
    }
}

/// Whether `feature` of `covered` passes the layer's filter (evaluated at
/// the tile's zoom, as MapLibre does when it builds buckets).
pub fn passes_filter(layer: &Layer, covered: &CoveredTile, tile_layer: &TileLayer, feature: &Feature) -> bool {
    layer.filter.as_ref().map_or(true, |filter| {
        let mut ctx = EvaluationContext::for_feature(covered.overscaled_z as f64, feature);
        ctx.canonical = Some(covered.id);
        ctx.extent = tile_layer.extent;
        filter.matches(&ctx)
    })
}

/// The context a feature of `covered` is painted in at `zoom`: with its
/// tile's zoom (zoom-and-feature curves), and its tile and extent (`within`,
/// `distance`), as MapLibre's buckets are.
pub fn paint_context<'a>(zoom: f64, feature: &'a Feature, covered: &CoveredTile, extent: u32) -> EvaluationContext<'a> {
    let mut ctx = EvaluationContext::for_feature(zoom, feature);
    ctx.tile_zoom = Some(f64::from(covered.overscaled_z));
    ctx.canonical = Some(covered.id);
    ctx.extent = extent;
    ctx
}

/// A style layer's features in one tile, with their paint at one zoom.
#[derive(Debug)]
pub struct LayerLayout {
    /// Indices (into the tile layer's features) of the features drawn, in order.
    features: Vec<u32>,
    /// Whether the paint reads feature state.
    state_dependent: bool,
    /// Whether every feature paints the same (evaluated once per zoom).
    uniform: bool,
    /// The paint at the last zoom (and feature-state generation) asked for.
    paint: Mutex<Option<Arc<PaintAt>>>,
}

/// Paint of a layout's features at one zoom, evaluated on first use.
#[derive(Debug)]
pub struct PaintAt {
    key: (u64, u64),
    /// One per feature, or one for all when the paint is the same for all.
    values: Vec<OnceLock<FeaturePaint>>,
}

impl PaintAt {
    /// The paint of the `slot`th feature of the layout, evaluated by
    /// `evaluate` the first time it (or, when every feature paints the
    /// same, any feature's) is asked for.
    pub fn get(&self, slot: usize, evaluate: impl FnOnce() -> FeaturePaint) -> &FeaturePaint {
        let i = if self.values.len() == 1 { 0 } else { slot };
        self.values[i].get_or_init(evaluate)
    }
}

impl LayerLayout {
    /// Lays out `layer` over `tile_layer` of `covered`.
    pub fn build(layer: &Layer, covered: &CoveredTile, tile_layer: &TileLayer) -> LayerLayout {
        // Feature counts are bounded by the tile limits, far below u32::MAX.
        let features = tile_layer
            .features
            .iter()
            .enumerate()
            .filter(|(_, f)| draws_geometry(layer.kind, f.geom_type) && passes_filter(layer, covered, tile_layer, f))
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect();
        LayerLayout {
            features,
            state_dependent: reads_feature_state(layer),
            uniform: is_feature_constant(layer),
            paint: Mutex::new(None),
        }
    }

    /// Bytes the layout holds (an estimate: the feature list, the paint
    /// kept, without the heap parts of dash arrays and image names).
    pub fn approx_bytes(&self) -> u64 {
        let paint = self.paint.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map_or(0, |p| p.values.len());
        let per_paint = std::mem::size_of::<OnceLock<FeaturePaint>>();
        (128 + self.features.len() * std::mem::size_of::<u32>() + paint * per_paint) as u64
    }

    /// Indices of the features drawn, in the tile layer's order.
    pub fn features(&self) -> &[u32] {
        &self.features
    }

    /// The paint cache for `zoom` and the map's feature-state generation
    /// `state` (ignored when the paint does not read feature state): the
    /// last one if it was for the same, else a fresh one.
    pub fn paint_at(&self, zoom: f64, state: u64) -> Arc<PaintAt> {
        let key = (zoom.to_bits(), if self.state_dependent { state } else { 0 });
        let mut slot = self.paint.lock().unwrap_or_else(|e| e.into_inner());
        match &*slot {
            Some(p) if p.key == key => p.clone(),
            _ => {
                let n = if self.uniform { self.features.len().min(1) } else { self.features.len() };
                let fresh = Arc::new(PaintAt { key, values: (0..n).map(|_| OnceLock::new()).collect() });
                *slot = Some(fresh.clone());
                fresh
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::feature::{Properties, TileId, TilePoint};
    use crate::style::value::Value;

    fn feature(geom_type: GeomType, kind: &str) -> Feature {
        let mut properties = Properties::default();
        properties.insert("kind", Value::String(kind.into()));
        let geometry = vec![vec![TilePoint::new(0, 0), TilePoint::new(10, 0), TilePoint::new(10, 10), TilePoint::new(0, 0)]];
        Feature { id: None, geom_type, geometry, properties }
    }

    fn layer(j: serde_json::Value) -> Layer {
        Layer::parse(&j, "layers[0]", &mut vec![]).unwrap()
    }

    fn tile_layer() -> TileLayer {
        let features = vec![
            feature(GeomType::Polygon, "park"),
            feature(GeomType::Point, "park"),
            feature(GeomType::LineString, "park"),
            feature(GeomType::Polygon, "lake"),
            feature(GeomType::Polygon, "park"),
        ];
        TileLayer::new("l".into(), 4096, features)
    }

    const TILE: CoveredTile = CoveredTile { id: TileId::new(3, 1, 2), overscaled_z: 4, wrap: 0 };

    #[test]
    fn a_layout_holds_the_features_its_geometry_and_filter_select() {
        let fill = layer(serde_json::json!({"id": "f", "type": "fill", "source": "s", "filter": ["==", ["get", "kind"], "park"]}));
        // Points are not filled; lines are (as closed rings); lakes are filtered out.
        assert_eq!(LayerLayout::build(&fill, &TILE, &tile_layer()).features(), [0, 2, 4]);
        let circle = layer(serde_json::json!({"id": "c", "type": "circle", "source": "s"}));
        assert_eq!(LayerLayout::build(&circle, &TILE, &tile_layer()).features(), [0, 1, 2, 3, 4]);
        // The filter sees the tile's overscaled zoom, not the view's.
        let zoomed = layer(serde_json::json!({"id": "z", "type": "line", "source": "s", "filter": ["==", ["zoom"], 4]}));
        assert_eq!(LayerLayout::build(&zoomed, &TILE, &tile_layer()).features(), [0, 2, 3, 4]);
    }

    #[test]
    fn paint_is_kept_per_zoom_and_per_state_only_where_it_reads_state() {
        let plain = layer(serde_json::json!({"id": "f", "type": "fill", "source": "s", "paint": {"fill-color": ["get", "c"]}}));
        let layout = LayerLayout::build(&plain, &TILE, &tile_layer());
        let p = layout.paint_at(2.5, 0);
        assert!(Arc::ptr_eq(&p, &layout.paint_at(2.5, 7)), "state is ignored when no paint reads it");
        assert!(!Arc::ptr_eq(&p, &layout.paint_at(2.75, 7)), "another zoom evaluates again");
        let stateful = layer(serde_json::json!({"id": "f", "type": "fill", "source": "s",
            "paint": {"fill-opacity": ["coalesce", ["feature-state", "o"], 1]}}));
        let layout = LayerLayout::build(&stateful, &TILE, &tile_layer());
        let p = layout.paint_at(2.5, 0);
        assert!(Arc::ptr_eq(&p, &layout.paint_at(2.5, 0)));
        assert!(!Arc::ptr_eq(&p, &layout.paint_at(2.5, 1)), "a state change evaluates again");
        // Each feature's paint is evaluated once, on first use.
        let calls = |layout: &LayerLayout| {
            let mut calls = 0;
            let fresh = layout.paint_at(3.0, 1);
            for slot in [1, 1, 2, 1, 0, 2] {
                fresh.get(slot, || {
                    calls += 1;
                    FeaturePaint::Nothing
                });
            }
            calls
        };
        assert_eq!(calls(&layout), 3);
        // Paint that reads no feature: once for all.
        let uniform = layer(serde_json::json!({"id": "f", "type": "fill", "source": "s",
            "paint": {"fill-color": ["interpolate", ["linear"], ["zoom"], 0, "red", 5, "blue"], "fill-opacity": 0.5}}));
        let uniform = LayerLayout::build(&uniform, &TILE, &tile_layer());
        assert_eq!(calls(&uniform), 1);
        // The paint kept counts in the layout's bytes.
        let fresh = LayerLayout::build(&stateful, &TILE, &tile_layer());
        let bare = fresh.approx_bytes();
        fresh.paint_at(1.0, 0);
        assert!(fresh.approx_bytes() >= bare + 3 * 72, "{bare} -> {}", fresh.approx_bytes());
        assert!(uniform.approx_bytes() < fresh.approx_bytes());
    }
}
