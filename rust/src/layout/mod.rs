//! Layout: turns a style and loaded tiles into the frame's display list.
//! For each visible layer, in style order, and each tile the view covers, the
//! tile's features that pass the layer's filter are projected to device
//! pixels with their paint evaluated at the view's zoom. Fill, line, circle,
//! fill-extrusion and heatmap layers are laid out once per tile where the
//! lookup keeps layouts (`tile_layout`, `tile_cache`): the frame then culls,
//! transforms and emits.

pub mod budget;
pub mod clip;
pub mod extrusion;
pub mod feature_paint;
pub mod heatmap;
pub mod hillshade;
pub mod paint;
pub mod project;
pub mod raster;
pub mod tile_cache;
pub mod tile_layout;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::style::image::StyleImage;
use crate::render::display_list::{DisplayList, DrawCommand};
use crate::source::cover::CoveredTile;
use crate::source::feature::{Feature, Properties, TileData, TileId, TileLayer};
use crate::style::value::Value;
use crate::source::geojson::GEOJSON_LAYER;
use crate::source::transform::Transform;
use crate::style::expression::EvaluationContext;
use crate::style::layer::{Layer, LayerKind};
use crate::style::Style;
use budget::FrameBudget;
use project::TileProjector;
use tile_layout::{draws_geometry, passes_filter, LayerLayout};

/// What the frame looks at.
pub struct View {
    /// The camera transform in logical pixels.
    pub transform: Transform,
    pub pixel_ratio: f32,
    /// Target size in device pixels.
    pub width: u32,
    pub height: u32,
}

/// Where layout finds tiles: the loaded tile for (source, tile id), and the
/// tiles a source's cover needs.
pub trait TileLookup {
    fn tile(&self, source: &str, id: TileId) -> Option<Arc<TileData>>;
    fn cover(&self, source: &str) -> Vec<CoveredTile>;
    /// The feature state of a feature (by source, source layer and id).
    fn feature_state(&self, _source: &str, _source_layer: &str, _id: &Value) -> Option<&Properties> {
        None
    }
    /// An image by id (added at run time or from a sprite), for `*-pattern`.
    fn image(&self, _id: &str) -> Option<&StyleImage> {
        None
    }
    /// A raster source's decoded tile image (premultiplied), if loaded.
    fn raster(&self, _source: &str, _id: TileId) -> Option<crate::render::display_list::PatternImage> {
        None
    }
    /// A raster-dem source's encoding and maxzoom; None for other sources.
    fn dem(&self, _source: &str) -> Option<(crate::style::source::DemEncoding, u8)> {
        None
    }
    /// An image source's corners (top-left, top-right, bottom-right,
    /// bottom-left) in Mercator units; None for other sources.
    fn image_corners(&self, _source: &str) -> Option<[[f64; 2]; 4]> {
        None
    }
    /// The kept layout of layer `index` of `style` over the tile `covered`
    /// of `source` (`data`, whose layer the style layer reads is
    /// `tile_layer`), made now if needed; None when this lookup keeps no
    /// layouts (the features are then filtered and evaluated every frame).
    fn tile_layout(
        &self,
        _style: &Style,
        _index: usize,
        _source: &str,
        _covered: &CoveredTile,
        _data: &Arc<TileData>,
        _tile_layer: &TileLayer,
    ) -> Option<Arc<tile_layout::LayerLayout>> {
        None
    }
    /// Changes whenever some feature's state changes (kept paint that reads
    /// feature state is evaluated again).
    fn feature_state_generation(&self) -> u64 {
        0
    }
}

/// Whether `layer` is drawn at `zoom` (visibility and zoom range).
pub fn layer_visible(layer: &Layer, zoom: f64) -> bool {
    zoom >= layer.minzoom
        && zoom < layer.maxzoom
        && layer.layout.get_enum("visibility", &EvaluationContext::at_zoom(zoom)) != "none"
}

/// Layer kinds this version draws.
pub fn is_drawn_kind(kind: LayerKind) -> bool {
    matches!(
        kind,
        LayerKind::Background
            | LayerKind::Fill
            | LayerKind::Line
            | LayerKind::Circle
            | LayerKind::FillExtrusion
            | LayerKind::Raster
            | LayerKind::Hillshade
            | LayerKind::Heatmap
            | LayerKind::Symbol
    )
}

/// Builds the display list for `style` seen through `view`; symbol layers
/// draw what placement showed (`symbol_commands`, by layer id).
pub fn build_display_list(
    style: &Style,
    view: &View,
    tiles: &dyn TileLookup,
    symbol_commands: &HashMap<String, Vec<DrawCommand>>,
) -> DisplayList {
    let budget = RefCell::new(FrameBudget::unbounded());
    build_display_list_within(style, view, tiles, symbol_commands, &budget).0
}

/// [`build_display_list`] within `budget` (the (layer, tile) pairs past it
/// are left out and recorded in it), with where each drawn layer's commands
/// start: (first command, index of the layer in `style.layers`), in order.
pub fn build_display_list_within(
    style: &Style,
    view: &View,
    tiles: &dyn TileLookup,
    symbol_commands: &HashMap<String, Vec<DrawCommand>>,
    budget: &RefCell<FrameBudget>,
) -> (DisplayList, Vec<(usize, usize)>) {
    let zoom = view.transform.zoom;
    let mut commands = Vec::new();
    let mut starts = Vec::new();
    for (index, layer) in style.layers.iter().enumerate() {
        if !is_drawn_kind(layer.kind) || !layer_visible(layer, zoom) {
            continue;
        }
        starts.push((commands.len(), index));
        budget.borrow_mut().commands = commands.len();
        if layer.kind == LayerKind::Background {
            if let Some(cmd) = paint::background(layer, view, tiles) {
                commands.push(cmd);
            }
            continue;
        }
        if layer.kind == LayerKind::Symbol {
            if let Some(cmds) = symbol_commands.get(&layer.id) {
                commands.extend(cmds.iter().cloned());
            }
            continue;
        }
        let Some(source) = layer.source.as_deref() else { continue };
        let sourced = SourcedLayer { style, index, layer, source, budget };
        if layer.kind == LayerKind::FillExtrusion {
            commands.extend(extrusion_commands(sourced, view, tiles));
            continue;
        }
        if layer.kind == LayerKind::Raster {
            commands.extend(raster::raster_commands(layer, source, view, tiles));
            continue;
        }
        if layer.kind == LayerKind::Heatmap {
            commands.extend(heatmap::heatmap_command(sourced, view, tiles));
            continue;
        }
        if layer.kind == LayerKind::Hillshade {
            commands.extend(hillshade::hillshade_commands(layer, source, view, tiles));
            continue;
        }
        let state = |id: &Value| tiles.feature_state(source, layer.source_layer.as_deref().unwrap_or(""), id);
        each_tile(sourced, tiles, |tile| {
            layer_commands(tile, view, tiles, &state, &mut commands);
            budget.borrow_mut().commands = commands.len();
        });
    }
    (DisplayList { width: view.width, height: view.height, commands }, starts)
}

/// A style layer that reads a source, with its place in the style.
#[derive(Clone, Copy)]
struct SourcedLayer<'a> {
    style: &'a Style,
    index: usize,
    layer: &'a Layer,
    source: &'a str,
    budget: &'a RefCell<FrameBudget>,
}

/// Calls `each` for every loaded tile of the layer's source that the view
/// covers and that holds the layer's source layer, with the layer's kept
/// layout over the tile where the lookup keeps layouts.
fn each_tile(l: SourcedLayer, tiles: &dyn TileLookup, mut each: impl FnMut(&TileFeatures)) {
    let cover = tiles.cover(l.source);
    for covered in &cover {
        let Some(data) = tiles.tile(l.source, covered.id) else { continue };
        let Some(tile_layer) = source_layer(&data, l.layer) else { continue };
        if !l.budget.borrow_mut().admit(l.index, tile_layer.features.len()) {
            continue;
        }
        let layout = tiles.tile_layout(l.style, l.index, l.source, covered, &data, tile_layer);
        each(&TileFeatures { layer: l.layer, tile_layer, covered, cover: &cover, layout: layout.as_deref() });
    }
}

/// The tile layer a style layer reads: its `source-layer`, or a GeoJSON tile's
/// only layer.
fn source_layer<'a>(data: &'a TileData, layer: &Layer) -> Option<&'a TileLayer> {
    match &layer.source_layer {
        Some(name) => data.layer(name),
        None => data.layer(GEOJSON_LAYER),
    }
}

/// A style layer over one tile: the features it reads there, and their
/// layout if the lookup keeps one.
struct TileFeatures<'t> {
    layer: &'t Layer,
    tile_layer: &'t TileLayer,
    covered: &'t CoveredTile,
    /// Every tile of the source the view covers (`covered` among them).
    cover: &'t [CoveredTile],
    layout: Option<&'t LayerLayout>,
}

impl<'t> TileFeatures<'t> {
    /// The features the layer draws in the tile, in order: from its kept
    /// layout, or selected now (geometry type and filter).
    fn drawn(&self) -> Vec<&'t Feature> {
        let features = &self.tile_layer.features;
        match self.layout {
            Some(layout) => layout.features().iter().map(|&i| &features[i as usize]).collect(),
            None => features
                .iter()
                .filter(|f| draws_geometry(self.layer.kind, f.geom_type))
                .filter(|f| passes_filter(self.layer, self.covered, self.tile_layer, f))
                .collect(),
        }
    }
}

fn layer_commands<'s>(
    tile: &TileFeatures,
    view: &View,
    lookup: &dyn TileLookup,
    state: &dyn Fn(&Value) -> Option<&'s Properties>,
    out: &mut Vec<DrawCommand>,
) {
    let TileFeatures { layer, tile_layer, covered, cover, layout } = *tile;
    let zoom = view.transform.zoom;
    let projector = TileProjector::new(&view.transform, covered, tile_layer.extent, view.pixel_ratio);
    let clip = projector.clip();
    let mut painter = paint::LayerPainter::new(layer, view, &projector, covered, cover, lookup);
    let (features, bounds) = (&tile_layer.features, tile_layer.feature_bounds());
    let evaluate = |feature: &Feature| {
        let mut ctx = tile_layout::paint_context(zoom, feature, covered, tile_layer.extent);
        ctx.feature_state = feature.id.as_ref().and_then(state);
        feature_paint::evaluate(layer, &ctx)
    };
    match layout {
        // Laid out before: cull, then paint (evaluated once per zoom).
        Some(layout) => {
            let paints = layout.paint_at(zoom, lookup.feature_state_generation());
            for (slot, &i) in layout.features().iter().enumerate() {
                let (feature, b) = (&features[i as usize], bounds[i as usize]);
                if painter.may_draw(b) {
                    painter.draw(feature, paints.get(slot, || evaluate(feature)), clip.clone(), out);
                }
            }
        }
        // Culling first spares the filter and paint of features off screen.
        None => {
            for (feature, b) in features.iter().zip(bounds) {
                if draws_geometry(layer.kind, feature.geom_type)
                    && painter.may_draw(*b)
                    && passes_filter(layer, covered, tile_layer, feature)
                {
                    painter.draw(feature, &evaluate(feature), clip.clone(), out);
                }
            }
        }
    }
}

/// A fill-extrusion layer: its faces over all tiles, far to near (equal
/// depths resolve towards the nearer face), drawn with a depth test.
fn extrusion_commands(sourced: SourcedLayer, view: &View, tiles: &dyn TileLookup) -> Vec<DrawCommand> {
    let (layer, zoom) = (sourced.layer, view.transform.zoom);
    // fill-extrusion-opacity is a layer property (zoom-dependent only).
    let opacity = layer.paint.get_f32("fill-extrusion-opacity", &EvaluationContext::at_zoom(zoom));
    if !(opacity > 0.0) {
        return Vec::new();
    }
    let mut faces = Vec::new();
    each_tile(sourced, tiles, |tile| {
        let before = faces.len();
        faces.extend(extrusion::faces(layer, &tile.drawn(), tile.covered, tile.tile_layer.extent, view, zoom, tiles));
        sourced.budget.borrow_mut().commands += faces.len() - before;
    });
    if faces.is_empty() {
        return Vec::new();
    }
    faces.sort_by(|a, b| b.0.total_cmp(&a.0));
    vec![DrawCommand::Extrusion { faces: faces.into_iter().map(|(_, f)| f).collect(), opacity: opacity.min(1.0) }]
}
