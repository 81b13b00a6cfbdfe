//! One style layer laid out in one tile, once: the features the layer draws
//! there (geometry type and filter, evaluated at the tile's zoom as MapLibre
//! does when it builds buckets, so independent of the view), and their paint
//! evaluated at one zoom, kept until a frame asks for another zoom (or, for
//! paint that reads feature state, until the state changes). A frame then
//! only culls, transforms and emits commands (`layer_commands`).

use std::sync::{Arc, Mutex, OnceLock};

use super::feature_paint::{reads_feature_state, FeaturePaint};
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
        _ => false,
    }
}

/// Whether `feature` of `covered` passes the layer's filter (evaluated at
/// the tile's zoom, as MapLibre does when it builds buckets).
pub fn passes_filter(layer: &Layer, covered: &CoveredTile, tile_layer: &TileLayer, feature: &Feature) -> bool {
    layer.filter.as_ref().is_none_or(|filter| {
        let mut ctx = EvaluationContext::for_feature(covered.overscaled_z as f64, feature);
        ctx.canonical = Some(covered.id);
        ctx.extent = tile_layer.extent;
        filter.matches(&ctx)
    })
}

/// A style layer's features in one tile, with their paint at one zoom.
#[derive(Debug)]
pub struct LayerLayout {
    /// Indices (into the tile layer's features) of the features drawn, in order.
    features: Vec<u32>,
    /// Whether the paint reads feature state.
    state_dependent: bool,
    /// The paint at the last zoom (and feature-state generation) asked for.
    paint: Mutex<Option<Arc<PaintAt>>>,
}

/// Paint of a layout's features at one zoom, evaluated on first use.
#[derive(Debug)]
pub struct PaintAt {
    key: (u64, u64),
    values: Vec<OnceLock<FeaturePaint>>,
}

impl PaintAt {
    /// The paint of the `slot`th feature of the layout, evaluated by
    /// `evaluate` the first time it is asked for.
    pub fn get(&self, slot: usize, evaluate: impl FnOnce() -> FeaturePaint) -> &FeaturePaint {
        self.values[slot].get_or_init(evaluate)
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
        LayerLayout { features, state_dependent: reads_feature_state(layer), paint: Mutex::new(None) }
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
                let fresh = Arc::new(PaintAt { key, values: (0..self.features.len()).map(|_| OnceLock::new()).collect() });
                *slot = Some(fresh.clone());
                fresh
            }
        }
    }
}
