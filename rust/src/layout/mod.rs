//! Layout: turns a style and loaded tiles into the frame's display list.
//! For each visible layer, in style order, and each tile the view covers, the
//! tile's features that pass the layer's filter are projected to device
//! pixels and get their paint evaluated at the view's zoom.

pub mod clip;
pub mod extrusion;
pub mod heatmap;
pub mod hillshade;
pub mod paint;
pub mod project;
pub mod raster;

use std::collections::HashMap;
use std::sync::Arc;

use crate::style::image::StyleImage;
use crate::render::display_list::{DisplayList, DrawCommand};
use crate::source::cover::CoveredTile;
use crate::source::feature::{GeomType, Properties, TileData, TileId, TileLayer};
use crate::style::value::Value;
use crate::source::geojson::GEOJSON_LAYER;
use crate::source::transform::Transform;
use crate::style::expression::EvaluationContext;
use crate::style::layer::{Layer, LayerKind};
use crate::style::Style;
use project::TileProjector;

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
    let zoom = view.transform.zoom;
    let mut commands = Vec::new();
    for layer in &style.layers {
        if !is_drawn_kind(layer.kind) || !layer_visible(layer, zoom) {
            continue;
        }
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
        if layer.kind == LayerKind::FillExtrusion {
            commands.extend(extrusion_commands(layer, source, view, tiles));
            continue;
        }
        if layer.kind == LayerKind::Raster {
            commands.extend(raster::raster_commands(layer, source, view, tiles));
            continue;
        }
        if layer.kind == LayerKind::Heatmap {
            commands.extend(heatmap::heatmap_command(layer, source, view, tiles));
            continue;
        }
        if layer.kind == LayerKind::Hillshade {
            commands.extend(hillshade::hillshade_commands(layer, source, view, tiles));
            continue;
        }
        for covered in tiles.cover(source) {
            let Some(data) = tiles.tile(source, covered.id) else { continue };
            let Some(tile_layer) = source_layer(&data, layer) else { continue };
            let state = |id: &Value| tiles.feature_state(source, layer.source_layer.as_deref().unwrap_or(""), id);
            layer_commands(layer, tile_layer, &covered, view, tiles, &state, &mut commands);
        }
    }
    DisplayList { width: view.width, height: view.height, commands }
}

/// Whether `feature` of `covered` passes the layer's filter (evaluated at
/// the tile's zoom, as MapLibre does when it builds buckets).
fn passes_filter(layer: &Layer, covered: &CoveredTile, tile_layer: &TileLayer, feature: &crate::source::feature::Feature) -> bool {
    layer.filter.as_ref().is_none_or(|filter| {
        let mut ctx = EvaluationContext::for_feature(covered.overscaled_z as f64, feature);
        ctx.canonical = Some(covered.id);
        ctx.extent = tile_layer.extent;
        filter.matches(&ctx)
    })
}

/// The tile layer a style layer reads: its `source-layer`, or a GeoJSON tile's
/// only layer.
fn source_layer<'a>(data: &'a TileData, layer: &Layer) -> Option<&'a TileLayer> {
    match &layer.source_layer {
        Some(name) => data.layer(name),
        None => data.layer(GEOJSON_LAYER),
    }
}

fn layer_commands<'s>(
    layer: &Layer,
    tile_layer: &TileLayer,
    covered: &CoveredTile,
    view: &View,
    images: &dyn TileLookup,
    state: &dyn Fn(&Value) -> Option<&'s Properties>,
    out: &mut Vec<DrawCommand>,
) {
    let zoom = view.transform.zoom;
    let projector = TileProjector::new(&view.transform, covered, tile_layer.extent, view.pixel_ratio);
    let clip = projector.clip();
    let mut painter = paint::LayerPainter::new(layer, view, &projector, covered, images);
    for (feature, bounds) in tile_layer.features.iter().zip(tile_layer.feature_bounds()) {
        let drawn = match layer.kind {
            // MapLibre fills line geometry too, as closed rings.
            LayerKind::Fill => matches!(feature.geom_type, GeomType::Polygon | GeomType::LineString),
            LayerKind::Line => matches!(feature.geom_type, GeomType::LineString | GeomType::Polygon),
            LayerKind::Circle => feature.geom_type != GeomType::Unknown,
            _ => false,
        };
        if !drawn || !painter.may_draw(*bounds) {
            continue;
        }
        if !passes_filter(layer, covered, tile_layer, feature) {
            continue;
        }
        let mut ctx = EvaluationContext::for_feature(zoom, feature);
        ctx.feature_state = feature.id.as_ref().and_then(state);
        out.extend(painter.feature(feature, &ctx, clip.clone()));
    }
}

/// A fill-extrusion layer's faces over all tiles, far to near.
fn extrusion_commands(layer: &Layer, source: &str, view: &View, tiles: &dyn TileLookup) -> Vec<DrawCommand> {
    let zoom = view.transform.zoom;
    // fill-extrusion-opacity is a layer property (zoom-dependent only).
    let opacity = layer.paint.get_f32("fill-extrusion-opacity", &EvaluationContext::at_zoom(zoom));
    let layered = opacity < 1.0;
    let mut faces = Vec::new();
    for covered in tiles.cover(source) {
        let Some(data) = tiles.tile(source, covered.id) else { continue };
        let Some(tile_layer) = source_layer(&data, layer) else { continue };
        let features: Vec<_> = tile_layer
            .features
            .iter()
            .filter(|f| f.geom_type == GeomType::Polygon)
            .filter(|f| passes_filter(layer, &covered, tile_layer, f))
            .collect();
        faces.extend(extrusion::faces(layer, &features, &covered, tile_layer.extent, view, zoom, layered, tiles));
    }
    faces.sort_by(|a, b| b.0.total_cmp(&a.0));
    let commands: Vec<DrawCommand> = faces.into_iter().map(|(_, c)| c).collect();
    match (layered, commands.is_empty()) {
        (true, false) if opacity > 0.0 => vec![DrawCommand::Layer { commands, opacity }],
        (true, _) => Vec::new(),
        (false, _) => commands,
    }
}
