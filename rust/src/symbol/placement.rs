//! Per-frame placement (MapLibre's Placement, without fading: stills show
//! the final state). Symbol layers are placed from the top layer down, each
//! layer's symbols tile by tile in layout order (sort keys already applied);
//! a symbol is shown when its collision shapes fit in the viewport grid (or
//! overlap is allowed) and then blocks later ones (unless it ignores
//! placement). The same label found again in a neighbouring tile at the same
//! place is placed once. Shown symbols become SDF draw commands per layer,
//! drawn later in style order.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::layout::{layer_visible, TileLookup, View};
use crate::render::display_list::{DrawCommand, SdfPaint, SdfQuad};
use crate::source::cover::CoveredTile;
use crate::source::feature::TileId;
use crate::source::geojson::GEOJSON_LAYER;
use crate::style::expression::EvaluationContext;
use crate::style::layer::{Layer, LayerKind};
use crate::style::Style;
use crate::text::glyph::ONE_EM;

use super::along_line::{place_line_label, LineLabel, WritingMode as LineWritingMode};
use super::grid::{CollisionGrid, Shape};
use super::layout::{Placement, SymbolInstance, SymbolTile};

/// Where placement finds a tile's symbol layout.
pub trait SymbolTiles {
    fn symbol_tile(&self, source: &str, id: TileId, overscaled_z: u8) -> Option<Arc<SymbolTile>>;
}

/// A shown symbol, for rendered-feature queries.
#[derive(Clone, Debug)]
pub struct PlacedFeature {
    pub layer: String,
    pub source: String,
    pub tile: CoveredTile,
    pub source_layer: String,
    pub feature: usize,
    /// Its collision shapes (logical screen px).
    pub shapes: Vec<Shape>,
}

/// The frame's placement result.
#[derive(Default)]
pub struct PlacedSymbols {
    /// Draw commands by layer id.
    pub commands: HashMap<String, Vec<DrawCommand>>,
    /// Shown symbols, top layer first, in placement order.
    pub placed: Vec<PlacedFeature>,
}

/// Margin (px) around the viewport in which symbols still collide
/// (labels just outside the view can hide labels inside, as in MapLibre).
const VIEWPORT_PADDING: f32 = 100.0;

struct LayerParams {
    allow_overlap: bool,
    ignore_placement: bool,
    padding: f32,
    rotate_with_map: bool,
    translate: [f32; 2],
    translate_viewport: bool,
    sort_by_y: bool,
    keep_upright: bool,
}

impl LayerParams {
    fn new(layer: &Layer, zoom: f64, placement: Placement) -> LayerParams {
        let ctx = EvaluationContext::at_zoom(zoom);
        let l = &layer.layout;
        let p = &layer.paint;
        let alignment = l.get_enum("text-rotation-alignment", &ctx);
        let rotate_with_map = alignment == "map" || (alignment == "auto" && placement != Placement::Point);
        let t = p.get_f32_array("text-translate", &ctx);
        let allow_overlap = l.get_bool("text-allow-overlap", &ctx);
        let ignore_placement = l.get_bool("text-ignore-placement", &ctx);
        let z_order = l.get_enum("symbol-z-order", &ctx);
        let has_sort_key = l.get("symbol-sort-key").is_some();
        let sort_by_y = placement == Placement::Point
            && (z_order == "viewport-y" || (z_order == "auto" && !has_sort_key && (allow_overlap || ignore_placement)));
        LayerParams {
            allow_overlap,
            ignore_placement,
            padding: l.get_f32("text-padding", &ctx),
            rotate_with_map,
            translate: [t.first().copied().unwrap_or(0.0), t.get(1).copied().unwrap_or(0.0)],
            translate_viewport: p.get_enum("text-translate-anchor", &ctx) == "viewport",
            sort_by_y,
            keep_upright: l.get_bool("text-keep-upright", &ctx),
        }
    }
}

/// One symbol candidate of a layer.
struct Candidate<'a> {
    tile: &'a CoveredTile,
    data: Arc<crate::source::feature::TileData>,
    symbols: Arc<SymbolTile>,
    layer_index: usize,
    symbol: usize,
}

/// Places every symbol layer of `style` for `view`.
pub fn place(style: &Style, view: &View, tiles: &dyn TileLookup, symbol_tiles: &dyn SymbolTiles) -> PlacedSymbols {
    let t = &view.transform;
    let zoom = t.zoom;
    let mut out = PlacedSymbols::default();
    let mut grid = CollisionGrid::new(t.width as f32, t.height as f32, VIEWPORT_PADDING);
    for layer in style.layers.iter().rev() {
        if layer.kind != LayerKind::Symbol || !layer_visible(layer, zoom) {
            continue;
        }
        let Some(source) = layer.source.as_deref() else { continue };
        let placement = super::layout::Placement::of(layer, zoom);
        let params = LayerParams::new(layer, zoom, placement);
        let mut covered = tiles.cover(source);
        covered.sort_by_key(|c| (c.wrap, c.id.x, c.id.y));
        let mut candidates = Vec::new();
        for c in &covered {
            let (Some(data), Some(symbols)) = (tiles.tile(source, c.id), symbol_tiles.symbol_tile(source, c.id, c.overscaled_z)) else { continue };
            let Some(layer_index) = symbols.layers.iter().position(|l| l.layer == layer.id) else { continue };
            for symbol in 0..symbols.layers[layer_index].symbols.len() {
                candidates.push(Candidate { tile: c, data: data.clone(), symbols: symbols.clone(), layer_index, symbol });
            }
        }
        let mut seen: HashSet<(Arc<str>, i64, i64)> = HashSet::new();
        // Shown symbols: anchor y, quads (paint = section), paints by section.
        let mut shown: Vec<(f32, Vec<SdfQuad>, Vec<SdfPaint>)> = Vec::new();
        for cand in &candidates {
            let ls = &cand.symbols.layers[cand.layer_index];
            let inst = &ls.symbols[cand.symbol];
            let Some(tl) = cand.data.layer(if ls.source_layer.is_empty() { GEOJSON_LAYER } else { &ls.source_layer }) else { continue };
            let Some(feature) = tl.features.get(inst.feature) else { continue };
            let state = feature.id.as_ref().and_then(|id| tiles.feature_state(source, layer.source_layer.as_deref().unwrap_or(""), id));
            let mut ctx = EvaluationContext::for_feature(zoom, feature);
            ctx.feature_state = state;
            let matrix = t.tile_matrix(cand.tile.id, cand.tile.wrap, tl.extent.max(1));
            let (ax, ay) = (inst.anchor[0] as f64, inst.anchor[1] as f64);
            let w = matrix.w(ax, ay);
            if w <= 0.05 {
                continue;
            }
            // The same label at the same world place in another tile.
            let world = tile_to_world(cand.tile, tl.extent, inst.anchor);
            // (World units of 2^-24: finer than a pixel up to zoom 15.)
            let cell = |v: f64| (v * 16_777_216.0).round() as i64;
            if !seen.insert((inst.key.clone(), cell(world[0]), cell(world[1]))) {
                continue;
            }
            let mut anchor = matrix.project_f(ax, ay);
            let shift = translate_px(&params, t.bearing as f32);
            anchor = [anchor[0] + shift[0], anchor[1] + shift[1]];
            if !anchor[0].is_finite() || !anchor[1].is_finite() {
                continue;
            }
            let Some(text) = &inst.text else { continue };
            let size = layer.layout.get_f32("text-size", &ctx).max(0.0);
            let perspective = (0.5 + 0.5 / w as f32).clamp(0.0, 4.0);
            let font_scale = size / ONE_EM * if params.rotate_with_map && placement != Placement::Point { 1.0 } else { perspective };
            if font_scale <= 0.0 || !font_scale.is_finite() {
                continue;
            }
            let angle = if params.rotate_with_map { screen_angle(&matrix, inst.anchor) } else { 0.0 };
            let placed = match placement {
                Placement::Point => place_point(inst, text, anchor, font_scale, angle, &params),
                _ => place_line(inst, text, &matrix, shift, font_scale, &params),
            };
            let Some((shapes, quads)) = placed else { continue };
            if !params.allow_overlap && shapes.iter().any(|s| grid.collides(s)) {
                continue;
            }
            if shapes.iter().all(|s| grid.is_offscreen(s)) {
                continue;
            }
            if !params.ignore_placement {
                for s in &shapes {
                    grid.insert(*s);
                }
            }
            let paint = sdf_paint(layer, &ctx);
            let ratio = view.pixel_ratio;
            let sdf_quads = quads
                .into_iter()
                .map(|(corners, q)| SdfQuad {
                    corners: corners.map(|c| [c[0] * ratio, c[1] * ratio]),
                    w: [1.0; 4],
                    tex: q.tex,
                    bitmap: q.bitmap.clone(),
                    font_scale: size / ONE_EM * if placement == Placement::Point { perspective } else { 1.0 },
                    gamma_scale: 1.0,
                    paint: q.section as u32,
                })
                .collect();
            let paints = text.tagged.sections.iter().map(|s| SdfPaint { color: s.color.unwrap_or(paint.color), ..paint.clone() }).collect();
            shown.push((anchor[1], sdf_quads, paints));
            out.placed.push(PlacedFeature {
                layer: layer.id.clone(),
                source: source.to_string(),
                tile: *cand.tile,
                source_layer: ls.source_layer.clone(),
                feature: inst.feature,
                shapes,
            });
        }
        if params.sort_by_y {
            shown.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let mut quads = Vec::new();
        let mut paints: Vec<SdfPaint> = Vec::new();
        for (_, qs, symbol_paints) in shown {
            let base = paints.len() as u32;
            quads.extend(qs.into_iter().map(|q| SdfQuad { paint: q.paint + base, ..q }));
            paints.extend(symbol_paints);
        }
        if !quads.is_empty() {
            out.commands.insert(layer.id.clone(), vec![DrawCommand::Sdf { quads, paints, pixel_ratio: view.pixel_ratio }]);
        }
    }
    out
}

/// The colour/opacity/halo of a feature's text.
fn sdf_paint(layer: &Layer, ctx: &EvaluationContext) -> SdfPaint {
    let p = &layer.paint;
    SdfPaint {
        color: p.get_color("text-color", ctx),
        opacity: p.get_f32("text-opacity", ctx),
        halo_color: p.get_color("text-halo-color", ctx),
        halo_width: p.get_f32("text-halo-width", ctx),
        halo_blur: p.get_f32("text-halo-blur", ctx),
    }
}

/// `text-translate` in screen px (rotated with the map unless anchored to the viewport).
fn translate_px(p: &LayerParams, bearing_deg: f32) -> [f32; 2] {
    if p.translate_viewport {
        return p.translate;
    }
    let (s, c) = (-bearing_deg).to_radians().sin_cos();
    [p.translate[0] * c - p.translate[1] * s, p.translate[0] * s + p.translate[1] * c]
}

/// The screen angle of the tile's x axis at `p` (the map's rotation there).
fn screen_angle(m: &crate::source::transform::TileMatrix, p: [f32; 2]) -> f32 {
    let a = m.project_f(p[0] as f64, p[1] as f64);
    let b = m.project_f(p[0] as f64 + 1.0, p[1] as f64);
    (b[1] - a[1]).atan2(b[0] - a[0])
}

fn tile_to_world(c: &CoveredTile, extent: u32, p: [f32; 2]) -> [f64; 2] {
    let n = f64::from(1u32 << c.id.z.min(31));
    let e = f64::from(extent.max(1));
    [(c.id.x as f64 + c.wrap as f64 * n + p[0] as f64 / e) / n, (c.id.y as f64 + p[1] as f64 / e) / n]
}

type PlacedQuads<'a> = Vec<([[f32; 2]; 4], &'a super::quads::GlyphQuad)>;

/// A point label: its box (rotated quads' bounding box) and quads on screen.
fn place_point<'a>(
    _inst: &SymbolInstance,
    text: &'a super::layout::SymbolText,
    anchor: [f32; 2],
    font_scale: f32,
    angle: f32,
    params: &LayerParams,
) -> Option<(Vec<Shape>, PlacedQuads<'a>)> {
    let (s, c) = angle.sin_cos();
    let rot = |v: [f32; 2]| [v[0] * c - v[1] * s, v[0] * s + v[1] * c];
    let b = text.bounds;
    let corners = [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]].map(|p| rot([p[0] * font_scale, p[1] * font_scale]));
    let mut bx = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
    for p in corners {
        bx = [bx[0].min(p[0]), bx[1].min(p[1]), bx[2].max(p[0]), bx[3].max(p[1])];
    }
    let pad = params.padding;
    let shape = Shape::Box([anchor[0] + bx[0] - pad, anchor[1] + bx[1] - pad, anchor[0] + bx[2] + pad, anchor[1] + bx[3] + pad]);
    let quads = text
        .quads
        .iter()
        .map(|q| {
            let corners = q.corners.map(|p| {
                let p = [quantize(p[0]) * font_scale, quantize(p[1]) * font_scale];
                let r = rot(p);
                [anchor[0] + r[0], anchor[1] + r[1]]
            });
            (corners, q)
        })
        .collect();
    Some((vec![shape], quads))
}

/// A line label: its glyphs walked along the projected line (flipped to
/// stay upright), a collision circle per glyph.
fn place_line<'a>(
    inst: &SymbolInstance,
    text: &'a super::layout::SymbolText,
    matrix: &crate::source::transform::TileMatrix,
    shift: [f32; 2],
    font_scale: f32,
    params: &LayerParams,
) -> Option<(Vec<Shape>, PlacedQuads<'a>)> {
    let (line, segment) = inst.line.as_ref()?;
    let mut projected = Vec::with_capacity(line.len());
    for p in line.iter() {
        if matrix.w(p[0] as f64, p[1] as f64) <= 0.05 {
            return None;
        }
        let s = matrix.project_f(p[0] as f64, p[1] as f64);
        projected.push([s[0] + shift[0], s[1] + shift[1]]);
    }
    let a = matrix.project_f(inst.anchor[0] as f64, inst.anchor[1] as f64);
    let anchor = [a[0] + shift[0], a[1] + shift[1]];
    let offsets: Vec<f32> = text.quads.iter().map(|q| q.glyph_offset[0] * font_scale).collect();
    let line_offset = [text.line_offset[0] * font_scale, text.line_offset[1] * font_scale];
    let identity = |p: [f32; 2]| p;
    let placed = match place_line_label(&offsets, line_offset, *segment, anchor, &projected, params.keep_upright, LineWritingMode::Horizontal, &identity) {
        LineLabel::Placed { glyphs, .. } => glyphs,
        _ => return None,
    };
    let b = text.bounds;
    let radius = (b[3] - b[1]) * font_scale / 2.0 + params.padding;
    let mut shapes = Vec::with_capacity(placed.len());
    let mut quads = Vec::with_capacity(placed.len());
    for (q, g) in text.quads.iter().zip(&placed) {
        if !g.point[0].is_finite() || !g.point[1].is_finite() {
            continue;
        }
        let (s, c) = g.angle.sin_cos();
        shapes.push(Shape::Circle([g.point[0], g.point[1], radius.max(0.0)]));
        let corners = q.corners.map(|p| {
            let p = [quantize(p[0]) * font_scale, quantize(p[1]) * font_scale];
            [g.point[0] + p[0] * c - p[1] * s, g.point[1] + p[0] * s + p[1] * c]
        });
        quads.push((corners, q));
    }
    Some((shapes, quads))
}

/// GL stores quad offsets as 1/32 px integers.
fn quantize(v: f32) -> f32 {
    (v * 32.0).round() / 32.0
}
