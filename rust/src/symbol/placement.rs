//! Per-frame placement (MapLibre's Placement, without fading: stills show
//! the final state). Symbol layers are placed from the top layer down, each
//! layer's symbols tile by tile in layout order (sort keys already applied);
//! a symbol is shown when its collision shapes fit in the viewport grid (or
//! overlap is allowed) and then blocks later ones (unless it ignores
//! placement). The same label found again in a neighbouring tile at the same
//! place is placed once. Shown symbols become SDF draw commands per layer,
//! drawn later in style order.

use std::collections::HashMap;
use std::sync::Arc;

use crate::layout::{layer_visible, TileLookup, View};
use crate::render::display_list::{DrawCommand, IconQuad, SdfPaint, SdfQuad};
use crate::source::cover::CoveredTile;
use crate::source::feature::TileId;
use crate::source::transform::TileMatrix;
use crate::source::geojson::GEOJSON_LAYER;
use crate::style::expression::EvaluationContext;
use crate::style::layer::{Layer, LayerKind};
use crate::style::Style;
use crate::text::glyph::ONE_EM;

use super::along_line::{glyph_tile_distance, place_line_label, reach_window, LineLabel, PlacedGlyph, WritingMode as LineWritingMode};
use super::grid::{CollisionGrid, Shape};
use super::icon::{IconPixels, SymbolIcon};
use super::layout::{Placement, SymbolInstance, SymbolTile};
use super::line_circles;
use super::quads::GlyphQuad;
use super::variable_anchor;

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

impl PlacedFeature {
    /// The same shown symbol found as `feature` of another tile (a
    /// duplicate or a buffer copy): queries find it there too.
    fn found_in(&self, tile: CoveredTile, feature: usize) -> PlacedFeature {
        PlacedFeature { tile, feature, ..self.clone() }
    }
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

/// One part (text or icon) of a layer's placement parameters.
struct PartParams {
    allow_overlap: bool,
    ignore_placement: bool,
    optional: bool,
    padding: f32,
    rotate_with_map: bool,
    /// `*-pitch-alignment` resolves to "map": under pitch the part lies on
    /// the map plane (drawn for line labels' text).
    pitch_with_map: bool,
    translate: [f32; 2],
    translate_viewport: bool,
}

impl PartParams {
    fn new(layer: &Layer, ctx: &EvaluationContext, placement: Placement, part: &str) -> PartParams {
        let (l, p) = (&layer.layout, &layer.paint);
        let name = |s: &str| format!("{part}-{s}");
        let alignment = l.get_enum(&name("rotation-alignment"), ctx);
        let rotate_with_map = alignment == "map" || (alignment == "auto" && placement != Placement::Point);
        let pitch_alignment = l.get_enum(&name("pitch-alignment"), ctx);
        let t = p.get_f32_array(&name("translate"), ctx);
        let padding = if part == "icon" {
            l.get_f32_array("icon-padding", ctx).first().copied().unwrap_or(2.0)
        } else {
            l.get_f32("text-padding", ctx)
        };
        PartParams {
            allow_overlap: l.get_bool(&name("allow-overlap"), ctx),
            ignore_placement: l.get_bool(&name("ignore-placement"), ctx),
            optional: l.get_bool(&name("optional"), ctx),
            padding,
            rotate_with_map,
            pitch_with_map: pitch_alignment == "map" || (pitch_alignment == "auto" && rotate_with_map),
            translate: [t.first().copied().unwrap_or(0.0), t.get(1).copied().unwrap_or(0.0)],
            translate_viewport: p.get_enum(&name("translate-anchor"), ctx) == "viewport",
        }
    }
}

struct LayerParams {
    text: PartParams,
    icon: PartParams,
    sort_by_y: bool,
    keep_upright: bool,
    /// `icon-rotate` is 0 for every feature: MapLibre samples the layer's
    /// icons with NEAREST only then (a data-driven rotation, even one that
    /// is 0 or 360 for some icons, makes the whole bucket linear).
    icons_unrotated: bool,
}

impl LayerParams {
    fn new(layer: &Layer, zoom: f64, placement: Placement) -> LayerParams {
        let ctx = EvaluationContext::at_zoom(zoom);
        let l = &layer.layout;
        let text = PartParams::new(layer, &ctx, placement, "text");
        let icon = PartParams::new(layer, &ctx, placement, "icon");
        let z_order = l.get_enum("symbol-z-order", &ctx);
        let has_sort_key = l.get("symbol-sort-key").is_some();
        let overlap = text.allow_overlap || icon.allow_overlap || text.ignore_placement || icon.ignore_placement;
        // Any placement (lines too), as MapLibre's `sortFeaturesByY`.
        let sort_by_y = z_order == "viewport-y" || (z_order == "auto" && !has_sort_key && overlap);
        let icons_unrotated = l.is_feature_constant("icon-rotate") && l.get_f32("icon-rotate", &ctx) == 0.0;
        LayerParams { text, icon, sort_by_y, keep_upright: l.get_bool("text-keep-upright", &ctx), icons_unrotated }
    }
}

/// One symbol candidate of a layer.
struct Candidate<'a> {
    tile: &'a CoveredTile,
    data: &'a crate::source::feature::TileData,
    symbols: &'a SymbolTile,
    layer_index: usize,
    symbol: usize,
}

/// A shown symbol's draw data.
struct Shown {
    /// Draw order of its tile (its place in `placement_order`).
    tile: usize,
    /// MapLibre's sort key: the anchor's rotated y in tile units (rounded),
    /// then the feature index, later features first.
    y: (i64, std::cmp::Reverse<usize>),
    icon: Option<IconDraw>,
    text: Option<(Vec<SdfQuad>, Vec<SdfPaint>)>,
}

enum IconDraw {
    Color(Vec<IconQuad>),
    Sdf(Vec<SdfQuad>, SdfPaint),
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
        placement_order(&mut covered, t.bearing);
        // The loaded tiles and their layouts, held once per tile (candidates
        // borrow them: no reference counting per symbol).
        let loaded: Vec<_> = covered
            .iter()
            .filter_map(|c| Some((c, tiles.tile(source, c.id)?, symbol_tiles.symbol_tile(source, c.id, c.overscaled_z)?)))
            .collect();
        let mut candidates = Vec::new();
        for (c, data, symbols) in &loaded {
            let Some(layer_index) = symbols.layers.iter().position(|l| l.layer == layer.id) else { continue };
            for symbol in 0..symbols.layers[layer_index].symbols.len() {
                candidates.push(Candidate { tile: c, data, symbols, layer_index, symbol });
            }
        }
        // Tiles draw in the order they are placed (MapLibre Native's
        // symbol tiles, sorted by y position), each symbol with the tile
        // its anchor lies in.
        let ranks: HashMap<(TileId, i32), usize> = covered.iter().enumerate().map(|(i, c)| ((c.id, c.wrap), i)).collect();
        // The map's rotation, for MapLibre's viewport-y sort key.
        let (sin, cos) = (-t.bearing as f32).to_radians().sin_cos();
        // Labels already taken, by text and world position, with their tile:
        // the same label in another tile is a duplicate (MapLibre's
        // cross-tile index); within one tile, features may share a place.
        let mut seen: HashMap<(Arc<str>, i64, i64), (TileId, i32)> = HashMap::new();
        // The shown symbol (index in `out.placed`) at each such place: a
        // duplicate of a shown label is recorded too, so that queries find
        // the feature in every tile that has it (as MapLibre returns it).
        let mut shown_at: HashMap<(Arc<str>, i64, i64), usize> = HashMap::new();
        let mut shown: Vec<Shown> = Vec::new();
        // Buffer copies of symbols placed by their own tile, and the
        // candidate behind each record this layer adds (queries list a
        // tile's symbols in candidate order).
        let mut in_buffer = Vec::new();
        let layer_start = out.placed.len();
        let mut order: Vec<usize> = Vec::new();
        // Candidates come tile by tile: one matrix per tile, not per symbol.
        let mut last_matrix: Option<((TileId, i32, u32), TileMatrix)> = None;
        for (ci, cand) in candidates.iter().enumerate() {
            let ls = &cand.symbols.layers[cand.layer_index];
            let inst = &ls.symbols[cand.symbol];
            let Some(tl) = cand.data.layer(if ls.source_layer.is_empty() { GEOJSON_LAYER } else { &ls.source_layer }) else { continue };
            let Some(feature) = tl.features.get(inst.feature) else { continue };
            let state = feature.id.as_ref().and_then(|id| tiles.feature_state(source, layer.source_layer.as_deref().unwrap_or(""), id));
            let mut ctx = EvaluationContext::for_feature(zoom, feature);
            ctx.feature_state = state;
            let key = (cand.tile.id, cand.tile.wrap, tl.extent.max(1));
            let matrix = match last_matrix {
                Some((k, m)) if k == key => m,
                _ => {
                    let m = t.tile_matrix(key.0, key.1, key.2);
                    last_matrix = Some((key, m));
                    m
                }
            };
            let (ax, ay) = (inst.anchor[0] as f64, inst.anchor[1] as f64);
            let w = matrix.w(ax, ay);
            if w <= 0.05 {
                continue;
            }
            // The same label at the same world place in another tile.
            let world = tile_to_world(cand.tile, tl.extent, inst.anchor);
            // (World units of 2^-24: finer than a pixel up to zoom 15.)
            let cell = |v: f64| (v * 16_777_216.0).round() as i64;
            let here = (cand.tile.id, cand.tile.wrap);
            let place_key = (inst.key.clone(), cell(world[0]), cell(world[1]));
            // A symbol in the tile's buffer is placed by the tile holding
            // its anchor, in that tile's turn (MapLibre Native lays out only
            // symbols anchored in their tile); from the buffer only where
            // that tile is not in view (a label reaching in from beyond the
            // view's edge). It is still found there by queries.
            // Anchored beyond the top or bottom of the world: no tile holds
            // it, and MapLibre places none.
            let e = tl.extent as f32;
            let in_tile = (0.0..e).contains(&inst.anchor[0]) && (0.0..e).contains(&inst.anchor[1]);
            if !in_tile && !(0.0..1.0).contains(&world[1]) {
                continue;
            }
            if !in_tile && covered.iter().any(|c| c.holds(cand.tile, tl.extent, [ax, ay])) {
                in_buffer.push((ci, place_key));
                continue;
            }
            if *seen.entry(place_key.clone()).or_insert(here) != here {
                if let Some(&i) = shown_at.get(&place_key) {
                    out.placed.push(out.placed[i].found_in(*cand.tile, inst.feature));
                    order.push(ci);
                }
                continue;
            }
            let base = matrix.project_f(ax, ay);
            if !base[0].is_finite() || !base[1].is_finite() {
                continue;
            }
            let perspective = (0.5 + 0.5 / w as f32).clamp(0.0, 4.0);
            // Far off screen: every shape of the symbol would lie outside the
            // grid's area, where shapes neither collide nor draw; skip the
            // work of shaping its boxes (most symbols of a small tile's
            // neighbours). Flat views only: under pitch, glyphs along a line
            // spread with the perspective.
            if t.pitch == 0.0 {
                let reach = symbol_reach(inst, layer, &ctx, &params, perspective);
                let (x, y) = (base[0], base[1]);
                let pad = VIEWPORT_PADDING + reach;
                if x < -pad || y < -pad || x > t.width as f32 + pad || y > t.height as f32 + pad {
                    continue;
                }
            }
            let map_angle = screen_angle(&matrix, inst.anchor);

            // Parts drawn lying on the pitched map (point placement).
            // (Line labels' text walks the line instead: `place_line_on_map`.)
            let plane_of = |part: &PartParams, any_placement: bool| {
                (part.pitch_with_map && t.pitch > 0.0 && (any_placement || placement == Placement::Point))
                    .then(|| AnchorPlane::new(&matrix, cand.tile, tl.extent, inst.anchor, t))
                    .flatten()
            };
            // Icon (at an extra shift: a fitted icon moves with its text's variable anchor).
            let icon_at = |extra: [f32; 2]| {
                let icon = inst.icon.as_ref()?;
                let size = layer.layout.get_f32("icon-size", &ctx).max(0.0);
                let scale = size * perspective;
                if !(scale > 0.0 && scale.is_finite()) {
                    return None;
                }
                let shift = translate_px(&params.icon, t.bearing as f32);
                let along = placement != Placement::Point;
                let angle = if along && params.icon.rotate_with_map {
                    line_angle(inst, &matrix).unwrap_or(map_angle)
                } else if params.icon.rotate_with_map {
                    map_angle
                } else {
                    0.0
                };
                let at = [base[0] + shift[0] + extra[0], base[1] + shift[1] + extra[1]];
                let (shapes, corners) = place_icon(icon, at, scale, angle, params.icon.padding * perspective);
                // On the pitched map: collides upright, drawn on the plane.
                let drawn = match plane_of(&params.icon, true) {
                    Some(plane) => {
                        let scale = size * plane.ratio();
                        // Along a line: turned with its segment in the map plane.
                        let angle = match (along && params.icon.rotate_with_map, anchor_segment(inst)) {
                            (true, Some((a, b))) => (b[1] - a[1]).atan2(b[0] - a[0]),
                            (true, None) => 0.0,
                            _ if params.icon.rotate_with_map => 0.0,
                            _ => plane.upright_angle,
                        };
                        let local = place_icon(icon, [0.0, 0.0], scale, angle, 0.0).1;
                        let projected: Option<Vec<_>> = local.into_iter().map(|c| plane.project(c, [shift[0] + extra[0], shift[1] + extra[1]])).collect();
                        IconCorners { quads: projected?, gamma_scale: plane.sdf(1.0).gamma_scale }
                    }
                    None => IconCorners { quads: corners.into_iter().map(|c| (c, [1.0; 4])).collect(), gamma_scale: 1.0 },
                };
                Some(((shapes, drawn), size))
            };
            // MapLibre places nothing that lies entirely outside the grid,
            // even where overlap is allowed.
            let fits = |shapes: &[Shape], allow: bool| {
                (shapes.is_empty() || !shapes.iter().all(|s| grid.is_offscreen(s))) && (allow || !shapes.iter().any(|s| grid.collides(s)))
            };

            // Text. With variable anchors, the first anchor that fits (then,
            // if overlap is allowed, the first anchor regardless); a fitted
            // icon must fit at the same shift unless it may overlap.
            let mut text_part = None;
            let mut text_fits = None;
            let mut text_shift = [0.0, 0.0];
            let mut chosen_anchor = 0;
            if let Some(text) = &inst.text {
                let size = layer.layout.get_f32("text-size", &ctx).max(0.0);
                // Labels keep their size on screen up to MapLibre's
                // perspective ratio (0.5 + 0.5 x the centre's distance over
                // the anchor's), whether drawn on the map plane or not; their
                // collision boxes, padding included, too.
                let scale = size / ONE_EM * perspective;
                let pad = params.text.padding * perspective;
                let shift = translate_px(&params.text, t.bearing as f32);
                if scale > 0.0 && scale.is_finite() {
                    let angle = if params.text.rotate_with_map { map_angle } else { 0.0 };
                    let at = [base[0] + shift[0], base[1] + shift[1]];
                    let viewport_sdf = SdfScale { font_scale: scale, gamma_scale: 1.0 };
                    text_part = match (text.along_line, &text.variable) {
                        (false, Some(v)) if !v.anchors.is_empty() => {
                            let n = v.anchors.len();
                            let attempts = if params.text.allow_overlap { 2 * n } else { n };
                            let fitted_icon = inst.icon.as_ref().is_some_and(|i| i.fitted) && !params.icon.allow_overlap;
                            let mut chosen = None;
                            for i in 0..attempts {
                                let (anchor, offset) = v.anchors[i % n];
                                let s = variable_anchor::shift(anchor, offset, text.bounds, scale, pad, angle);
                                let placed = place_point(text, v.quads_for(anchor), [at[0] + s[0], at[1] + s[1]], scale, angle, pad);
                                if fitted_icon && !icon_at(s).is_some_and(|((shapes, _), _)| fits(&shapes, false)) {
                                    continue;
                                }
                                if fits(&placed.0, i >= n) {
                                    chosen = Some((placed, s, i % n));
                                    break;
                                }
                            }
                            text_fits = Some(chosen.is_some());
                            match chosen {
                                Some((placed, s, i)) => {
                                    text_shift = s;
                                    chosen_anchor = i;
                                    Some((placed, viewport_sdf))
                                }
                                // Not placed: its first anchor's shapes stand for it.
                                None => {
                                    let s = variable_anchor::shift(v.anchors[0].0, v.anchors[0].1, text.bounds, scale, pad, angle);
                                    Some((place_point(text, v.quads_for(v.anchors[0].0), [at[0] + s[0], at[1] + s[1]], scale, angle, pad), viewport_sdf))
                                }
                            }
                        }
                        (false, _) => Some((place_point(text, &text.quads, at, scale, angle, pad), viewport_sdf)),
                        (true, _) => {
                            let on_map = (params.text.pitch_with_map && t.pitch > 0.0).then(|| MapPlane::of(t, cand.tile, tl.extent));
                            let base = size / ONE_EM;
                            match on_map {
                                Some(plane) => place_line_on_map(inst, text, &matrix, shift, base, &params, plane),
                                None => {
                                    let plane = MapPlane::of(t, cand.tile, tl.extent);
                                    place_line(inst, text, &matrix, shift, scale, base, &params, plane).map(|p| (p, viewport_sdf))
                                }
                            }
                        }
                    };
                    // Point text on the pitched map: collides as if upright
                    // (as MapLibre), drawn lying on the map plane.
                    if let (Some(plane), false) = (plane_of(&params.text, false), text.along_line) {
                        let base = size / ONE_EM * plane.ratio();
                        let angle = if params.text.rotate_with_map { 0.0 } else { plane.upright_angle };
                        let (quads, extra) = match &text.variable {
                            Some(v) if !v.anchors.is_empty() => {
                                let (anchor, offset) = v.anchors[chosen_anchor.min(v.anchors.len() - 1)];
                                (v.quads_for(anchor), variable_anchor::shift(anchor, offset, text.bounds, base, params.text.padding, angle))
                            }
                            _ => (&text.quads[..], [0.0, 0.0]),
                        };
                        text_part = text_part.and_then(|((shapes, _), _)| {
                            let local = place_point(text, quads, extra, base, angle, 0.0).1;
                            let quads = local.into_iter().filter_map(|(c, _, q)| plane.project(c, shift).map(|(c, w)| (c, w, q))).collect();
                            Some(((shapes, quads), plane.sdf(base)))
                        });
                    }
                }
            }
            let icon_shift = if inst.icon.as_ref().is_some_and(|i| i.fitted) && text_fits == Some(true) { text_shift } else { [0.0, 0.0] };
            let icon_part = icon_at(icon_shift);
            // Every test that places symbols checks the off-screen cull's bound.
            #[cfg(test)]
            if t.pitch == 0.0 {
                let reach = symbol_reach(inst, layer, &ctx, &params, perspective);
                let shapes = text_part.iter().flat_map(|((s, _), _)| s.iter()).chain(icon_part.iter().flat_map(|((s, _), _)| s.iter()));
                for shape in shapes {
                    let b = shape.bounds();
                    let far = (b[0] - base[0]).abs().max((b[2] - base[0]).abs()).max((b[1] - base[1]).abs()).max((b[3] - base[1]).abs());
                    assert!(far <= reach, "a shape of symbol {:?} reaches {far} px from its anchor, beyond the cull bound {reach}", inst.key);
                }
            }
            if text_part.is_none() && icon_part.is_none() {
                continue;
            }
            let mut place_text = text_part.as_ref().is_some_and(|((shapes, _), _)| text_fits.unwrap_or_else(|| fits(shapes, params.text.allow_overlap)));
            let mut place_icon = icon_part.as_ref().is_some_and(|((shapes, _), _)| fits(shapes, params.icon.allow_overlap));
            let icon_without_text = params.text.optional || text_part.is_none();
            let text_without_icon = params.icon.optional || icon_part.is_none();
            if !icon_without_text && !text_without_icon {
                place_text = place_text && place_icon;
                place_icon = place_text;
            } else if !text_without_icon {
                place_text = place_text && place_icon;
            } else if !icon_without_text {
                place_icon = place_icon && place_text;
            }
            let mut record = Vec::new();
            let rotated_y = (sin * inst.anchor[0] + cos * inst.anchor[1]).round() as i64;
            let tile_rank = ranks.get(&(cand.tile.id, cand.tile.wrap)).copied().unwrap_or(0);
            let mut drawn = Shown { tile: tile_rank, y: (rotated_y, std::cmp::Reverse(inst.feature)), icon: None, text: None };
            if place_icon {
                let ((shapes, corners), size) = icon_part.expect("placed icons exist");
                let icon = inst.icon.as_ref().expect("placed icons exist");
                if !params.icon.ignore_placement {
                    shapes.iter().for_each(|s| grid.insert(*s));
                }
                if !shapes.iter().all(|s| grid.is_offscreen(s)) {
                    // MapLibre samples icons with NEAREST when they are drawn
                    // at their own size, unrotated, on an unpitched view.
                    let nearest = size == 1.0 && params.icons_unrotated && !params.icon.rotate_with_map && t.pitch == 0.0
                        && icon.image.pixel_ratio == view.pixel_ratio;
                    drawn.icon = icon_draw(layer, &ctx, icon, corners, size, view.pixel_ratio, nearest);
                }
                record.extend(shapes);
            }
            if place_text {
                let ((shapes, quads), sdf) = text_part.expect("placed text exists");
                let text = inst.text.as_ref().expect("placed text exists");
                if !params.text.ignore_placement {
                    shapes.iter().for_each(|s| grid.insert(*s));
                }
                if !shapes.iter().all(|s| grid.is_offscreen(s)) {
                    let paint = sdf_paint(layer, &ctx, "text");
                    let ratio = view.pixel_ratio;
                    let sdf_quads = quads
                        .into_iter()
                        .map(|(corners, w, q)| SdfQuad {
                            corners: corners.map(|c| [c[0] * ratio, c[1] * ratio]),
                            w,
                            tex: q.tex,
                            bitmap: q.bitmap.clone(),
                            font_scale: sdf.font_scale,
                            gamma_scale: sdf.gamma_scale,
                            paint: q.section as u32,
                        })
                        .collect();
                    let paints = text.tagged.sections.iter().map(|s| SdfPaint { color: s.color.unwrap_or(paint.color), ..paint.clone() }).collect();
                    drawn.text = Some((sdf_quads, paints));
                }
                record.extend(shapes);
            }
            if record.is_empty() {
                continue;
            }
            shown.push(drawn);
            shown_at.entry(place_key).or_insert(out.placed.len());
            order.push(ci);
            out.placed.push(PlacedFeature {
                layer: layer.id.clone(),
                source: source.to_string(),
                tile: *cand.tile,
                source_layer: ls.source_layer.clone(),
                feature: inst.feature,
                shapes: record,
            });
        }
        for (ci, place_key) in in_buffer {
            if let Some(&i) = shown_at.get(&place_key) {
                let cand = &candidates[ci];
                let feature = cand.symbols.layers[cand.layer_index].symbols[cand.symbol].feature;
                out.placed.push(out.placed[i].found_in(*cand.tile, feature));
                order.push(ci);
            }
        }
        let mut records: Vec<(usize, PlacedFeature)> = order.into_iter().zip(out.placed.drain(layer_start..)).collect();
        records.sort_by_key(|(ci, _)| *ci);
        out.placed.extend(records.into_iter().map(|(_, p)| p));
        // Tiles draw one after another; within a tile, by viewport y when
        // the layer sorts so (stable: layout order otherwise).
        if params.sort_by_y {
            shown.sort_by(|a, b| a.tile.cmp(&b.tile).then(a.y.cmp(&b.y)));
        } else {
            shown.sort_by_key(|a| a.tile);
        }
        let commands = layer_commands(shown, view.pixel_ratio);
        if !commands.is_empty() {
            out.commands.insert(layer.id.clone(), commands);
        }
    }
    out
}

/// The order in which a symbol layer's tiles are placed, as MapLibre
/// places them (its tiles "sorted by y position"): the deeper zoom first,
/// then by the canonical tile position turned by the map's angle, row by
/// row from the top, left to right (a stable sort: wrapped copies keep
/// their order).
fn placement_order(covered: &mut [CoveredTile], bearing_deg: f64) {
    let (s, c) = (-bearing_deg.to_radians()).sin_cos();
    let key = |t: &CoveredTile| {
        let (x, y) = (f64::from(t.id.x), f64::from(t.id.y));
        (std::cmp::Reverse(t.id.z), x * s + y * c, x * c - y * s)
    };
    covered.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then(ka.2.total_cmp(&kb.2))
    });
}

/// A layer's draw commands: its icons (colour icons, then SDF icons), then its text.
fn layer_commands(shown: Vec<Shown>, pixel_ratio: f32) -> Vec<DrawCommand> {
    let (mut icons, mut sdf_icons, mut sdf_icon_paints) = (Vec::new(), Vec::new(), Vec::new());
    let (mut glyphs, mut paints) = (Vec::new(), Vec::new());
    for s in shown {
        match s.icon {
            Some(IconDraw::Color(q)) => icons.extend(q),
            Some(IconDraw::Sdf(q, paint)) => {
                let base = sdf_icon_paints.len() as u32;
                sdf_icons.extend(q.into_iter().map(|q| SdfQuad { paint: q.paint + base, ..q }));
                sdf_icon_paints.push(paint);
            }
            None => {}
        }
        if let Some((qs, symbol_paints)) = s.text {
            let base = paints.len() as u32;
            glyphs.extend(qs.into_iter().map(|q| SdfQuad { paint: q.paint + base, ..q }));
            paints.extend(symbol_paints);
        }
    }
    let mut out = Vec::new();
    if !icons.is_empty() {
        out.push(DrawCommand::Icons { quads: icons });
    }
    if !sdf_icons.is_empty() {
        out.push(DrawCommand::Sdf { quads: sdf_icons, paints: sdf_icon_paints, pixel_ratio });
    }
    if !glyphs.is_empty() {
        out.push(DrawCommand::Sdf { quads: glyphs, paints, pixel_ratio });
    }
    out
}

/// The draw data of a placed icon (one quad per piece).
/// An icon's quads on screen: corners with their perspective w (1 unless
/// it lies on the pitched map), and its SDF edge softening there.
struct IconCorners {
    quads: Vec<([[f32; 2]; 4], [f32; 4])>,
    gamma_scale: f32,
}

fn icon_draw(layer: &Layer, ctx: &EvaluationContext, icon: &SymbolIcon, drawn: IconCorners, size: f32, ratio: f32, nearest: bool) -> Option<IconDraw> {
    let device = |corners: [[f32; 2]; 4]| corners.map(|c| [c[0] * ratio, c[1] * ratio]);
    let gamma_scale = drawn.gamma_scale;
    let pieces = drawn.quads.into_iter().zip(icon.pieces.iter());
    match &icon.image.pixels {
        IconPixels::Color(image) => {
            let opacity = layer.paint.get_f32("icon-opacity", ctx);
            let quads = pieces.map(|((c, w), p)| IconQuad { corners: device(c), w, tex: p.tex, image: image.clone(), opacity, nearest }).collect();
            Some(IconDraw::Color(quads))
        }
        IconPixels::Sdf(bitmap) => {
            let quads = pieces
                .map(|((c, w), p)| SdfQuad { corners: device(c), w, tex: p.tex, bitmap: bitmap.clone(), font_scale: size, gamma_scale, paint: 0 })
                .collect();
            Some(IconDraw::Sdf(quads, sdf_paint(layer, ctx, "icon")))
        }
    }
}

/// The colour/opacity/halo of a feature's text or SDF icon (`part`).
fn sdf_paint(layer: &Layer, ctx: &EvaluationContext, part: &str) -> SdfPaint {
    let p = &layer.paint;
    let get = |name: &str| format!("{part}-{name}");
    SdfPaint {
        color: p.get_color(&get("color"), ctx),
        opacity: p.get_f32(&get("opacity"), ctx),
        halo_color: p.get_color(&get("halo-color"), ctx),
        halo_width: p.get_f32(&get("halo-width"), ctx),
        halo_blur: p.get_f32(&get("halo-blur"), ctx),
    }
}

/// `*-translate` in screen px (rotated with the map unless anchored to the viewport).
/// How far (px) from its anchor any shape of `inst` can reach: the text's
/// shaped box at its size, one glyph more, its line offset, the moves of
/// variable anchors, the icon's box, the translations and paddings. Generous on purpose: it only has to be an
/// upper bound.
fn symbol_reach(inst: &SymbolInstance, layer: &Layer, ctx: &EvaluationContext, params: &LayerParams, perspective: f32) -> f32 {
    let radius = |b: [f32; 4]| b[0].abs().max(b[2].abs()).hypot(b[1].abs().max(b[3].abs()));
    let translate = |p: &PartParams| p.translate[0].hypot(p.translate[1]);
    let mut reach = 0.0f32;
    if let Some(text) = &inst.text {
        let scale = layer.layout.get_f32("text-size", ctx).max(0.0) / ONE_EM * perspective;
        let mut r = radius(text.bounds) + ONE_EM + text.line_offset[0].hypot(text.line_offset[1]);
        let mut pad = params.text.padding.abs();
        if let Some(v) = &text.variable {
            // `variable_anchor::shift`: half the box each way plus the offset.
            let b = text.bounds;
            let offset = v.anchors.iter().map(|(_, o)| o[0].hypot(o[1])).fold(0.0f32, f32::max);
            r += ((b[2] - b[0]).abs() + (b[3] - b[1]).abs()) / 2.0 + offset;
            pad *= 3.0;
        }
        if let Some(c) = &text.circles {
            // Collision circles run a quarter further than the glyphs (and
            // half a circle more), spread with the zoom within the tile.
            let b = text.bounds;
            r = r * 1.25 + 2.0 * (b[3] - b[1]).abs();
            pad += 2.0 * c.radius_px;
        }
        reach = reach.max(r * scale + translate(&params.text) + pad);
    }
    if let Some(icon) = &inst.icon {
        let scale = layer.layout.get_f32("icon-size", ctx).max(0.0) * perspective;
        // A fitted icon moves with its text.
        let r = radius(icon.bounds) * scale + translate(&params.icon) + params.icon.padding.abs();
        reach = if icon.fitted { reach + r } else { reach.max(r) };
    }
    if reach.is_finite() {
        reach + 2.0
    } else {
        f32::INFINITY
    }
}

fn translate_px(p: &PartParams, bearing_deg: f32) -> [f32; 2] {
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

/// Glyph quads on screen: corners, their perspective w (1 unless the text
/// lies on the pitched map plane), the glyph.
type PlacedQuads<'a> = Vec<([[f32; 2]; 4], [f32; 4], &'a GlyphQuad)>;

/// How a label's glyphs are shaded: the SDF's font scale and the factor by
/// which its edges soften (1 unless the text lies on the pitched map).
#[derive(Clone, Copy)]
struct SdfScale {
    font_scale: f32,
    gamma_scale: f32,
}

/// A point label: its box (the rotated box's bounds) and quads on screen.
fn place_point<'a>(text: &super::layout::SymbolText, quads: &'a [GlyphQuad], anchor: [f32; 2], font_scale: f32, map_angle: f32, padding: f32) -> (Vec<Shape>, PlacedQuads<'a>) {
    // The box turns with text-rotate too (the quads have it built in).
    let angle = map_angle + text.rotate.to_radians();
    let (bs, bc) = angle.sin_cos();
    let rot_box = |v: [f32; 2]| [v[0] * bc - v[1] * bs, v[0] * bs + v[1] * bc];
    let (s, c) = map_angle.sin_cos();
    let rot = |v: [f32; 2]| [v[0] * c - v[1] * s, v[0] * s + v[1] * c];
    let b = text.bounds;
    let corners = [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]].map(|p| rot_box([p[0] * font_scale, p[1] * font_scale]));
    let mut bx = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
    for p in corners {
        bx = [bx[0].min(p[0]), bx[1].min(p[1]), bx[2].max(p[0]), bx[3].max(p[1])];
    }
    let pad = padding;
    let shape = Shape::Box([anchor[0] + bx[0] - pad, anchor[1] + bx[1] - pad, anchor[0] + bx[2] + pad, anchor[1] + bx[3] + pad]);
    let quads = quads
        .iter()
        .map(|q| {
            let corners = q.corners.map(|p| {
                let p = [quantize(p[0]) * font_scale, quantize(p[1]) * font_scale];
                let r = rot(p);
                [anchor[0] + r[0], anchor[1] + r[1]]
            });
            (corners, [1.0; 4], q)
        })
        .collect();
    (vec![shape], quads)
}

/// How far (label-plane px) a line label's walks go from its anchor at
/// `scale` px per glyph unit: its farthest glyph (of either writing mode)
/// plus its offset along the line, and a pixel to spare.
fn label_reach(text: &super::layout::SymbolText, scale: f32) -> f32 {
    let farthest = |quads: &[GlyphQuad]| quads.iter().map(|q| q.glyph_offset[0].abs()).fold(0.0f32, f32::max);
    let glyphs = farthest(&text.quads).max(text.vertical.as_deref().map_or(0.0, |v| farthest(v)));
    (glyphs + text.line_offset[0].abs()) * scale + 1.0
}

/// A line label: its glyphs walked along the projected line (flipped to
/// stay upright), and its collision circles (`line_collision`). MapLibre
/// Native walks the glyphs at the font size *over* its pitched perspective
/// ratio (0.5 + 0.5 w at the anchor) while the quads keep `font_scale`
/// (GL JS walks them at `font_scale`): in the distance a label's glyphs
/// sit closer together than their size.
fn place_line<'a>(
    inst: &SymbolInstance,
    text: &'a super::layout::SymbolText,
    matrix: &crate::source::transform::TileMatrix,
    shift: [f32; 2],
    font_scale: f32,
    base: f32,
    params: &LayerParams,
    plane: MapPlane,
) -> Option<(Vec<Shape>, PlacedQuads<'a>)> {
    let (line, segment) = inst.line.as_ref()?;
    let a = matrix.project_f(inst.anchor[0] as f64, inst.anchor[1] as f64);
    let anchor = [a[0] + shift[0], a[1] + shift[1]];
    let w = matrix.w(f64::from(inst.anchor[0]), f64::from(inst.anchor[1])) as f32;
    let along_scale = base / (0.5 + 0.5 * w).clamp(0.05, 4.0);
    let to_screen = |p: [f32; 2]| in_front_on_screen(matrix, shift, p);
    let (lo, hi) = reach_window(line, *segment, anchor, label_reach(text, along_scale.max(base)), to_screen);
    let (window, segment) = (line.get(lo..=hi)?, segment.checked_sub(lo)?);
    let projected = project_line(window, segment, matrix, shift)?;
    let line_offset = [text.line_offset[0] * along_scale, text.line_offset[1] * along_scale];
    let identity = |p: [f32; 2]| p;
    let place = |offsets: &[f32], keep_upright: bool, mode: LineWritingMode| {
        place_line_label(offsets, line_offset, segment, anchor, &projected, keep_upright, mode, &identity)
    };
    let (drawn, sources) = line_glyphs(text, along_scale, params.keep_upright, place)?;
    // Glyphs stand up to the screen: their distances along it stretch over
    // the pitched ground (MapLibre's incidence stretch).
    let stretch = w / plane.cos_pitch;
    let walk = CollisionWalk { anchor, line: &projected, tile_line: (window, segment), base, units: plane.units, stretch };
    let shapes = line_collision(inst, text, &walk, matrix, shift, w)?;
    let finite = |g: &&PlacedGlyph| g.point[0].is_finite() && g.point[1].is_finite();
    let mut quads = Vec::with_capacity(drawn.len());
    for (q, g) in sources.iter().zip(&drawn) {
        if !finite(&g) {
            continue;
        }
        let (s, c) = g.angle.sin_cos();
        let corners = q.corners.map(|p| {
            let p = [quantize(p[0]) * font_scale, quantize(p[1]) * font_scale];
            [g.point[0] + p[0] * c - p[1] * s, g.point[1] + p[0] * s + p[1] * c]
        });
        quads.push((corners, [1.0; 4], q));
    }
    Some((shapes, quads))
}

/// Nearest camera distance (`w`) a projected line vertex may have.
const NEAR_W: f64 = 0.05;

/// Tile point `p` on screen (plus `shift`), if it is far enough in front of
/// the camera (`NEAR_W`).
fn in_front_on_screen(matrix: &TileMatrix, shift: [f32; 2], p: [f32; 2]) -> Option<[f32; 2]> {
    (matrix.w(f64::from(p[0]), f64::from(p[1])) > NEAR_W).then(|| {
        let s = matrix.project_f(f64::from(p[0]), f64::from(p[1]));
        [s[0] + shift[0], s[1] + shift[1]]
    })
}

/// A line label's line projected to the screen (plus `shift`), for walking
/// its glyphs out from the anchor on `segment`. A vertex behind the camera
/// is replaced by the point where the walk towards it leaves the view
/// volume (`NEAR_W`): a 3D segment projects to a straight 2D one, so glyphs
/// keep the direction of their segment (MapLibre Native truncates such a
/// segment to the length a glyph needs). A vertex beyond another behind the
/// camera repeats the last point: the walk cannot reach it. `None` when the
/// anchor's segment lies wholly behind the camera.
fn project_line(line: &[[f32; 2]], segment: usize, matrix: &TileMatrix, shift: [f32; 2]) -> Option<Vec<[f32; 2]>> {
    let w = |p: [f32; 2]| matrix.w(f64::from(p[0]), f64::from(p[1]));
    let screen = |p: [f64; 2]| {
        let s = matrix.project_f(p[0], p[1]);
        [s[0] + shift[0], s[1] + shift[1]]
    };
    let (a, b) = (*line.get(segment)?, *line.get(segment + 1)?);
    if w(a) <= NEAR_W && w(b) <= NEAR_W {
        return None;
    }
    let mut out = vec![[f32::NAN; 2]; line.len()];
    // Out from the anchor's segment both ways; `from` is the last vertex
    // in front of the camera on the way.
    let forward = (segment + 1..line.len()).map(|i| (i, i - 1));
    let backward = (0..=segment).rev().map(|i| (i, i + 1));
    for walk in [forward.collect::<Vec<_>>(), backward.collect()] {
        let mut reached = true;
        for (i, from) in walk {
            let (p, wp) = (line[i], w(line[i]));
            if reached && wp > NEAR_W {
                out[i] = screen([f64::from(p[0]), f64::from(p[1])]);
                continue;
            }
            if reached {
                // Where the segment from the previous vertex crosses the near
                // limit. That vertex is in front: the walk starts from the
                // anchor's segment, which has a vertex in front (checked
                // above), and goes on only through vertices in front.
                let (q, wq) = (line[from], w(line[from]));
                let t = (wq - NEAR_W) / (wq - wp);
                let c = [f64::from(q[0]) + t * f64::from(p[0] - q[0]), f64::from(q[1]) + t * f64::from(p[1] - q[1])];
                out[i] = screen(c);
                reached = false;
            } else {
                out[i] = out[from];
            }
        }
    }
    out.iter().all(|p| p[0].is_finite() && p[1].is_finite()).then_some(out)
}

/// A line label's line in its label plane, for measuring how far its
/// glyphs reach (MapLibre walks them unflipped, at the font size without
/// the perspective ratio).
struct CollisionWalk<'l> {
    /// The anchor and the line's vertices, label-plane px.
    anchor: [f32; 2],
    line: &'l [[f32; 2]],
    /// The same vertices in tile units (the label's stretch of its line,
    /// `reach_window`) and the anchor's segment among them.
    tile_line: (&'l [[f32; 2]], usize),
    /// `text-size` / 24.
    base: f32,
    /// Label-plane px per tile unit (unpitched).
    units: f32,
    /// MapLibre's incidence stretch (1 on the map plane).
    stretch: f32,
}

/// A line label's collision circles this frame (see `line_circles`): how
/// far its first and last glyph reach along the tile line, and the circles
/// laid out there, projected at the layout size times the anchor's
/// perspective ratio. `None`: the label does not fit (or has no circle).
fn line_collision(
    inst: &SymbolInstance,
    text: &super::layout::SymbolText,
    walk: &CollisionWalk,
    matrix: &TileMatrix,
    shift: [f32; 2],
    w: f32,
) -> Option<Vec<Shape>> {
    let (line, segment) = inst.line.as_ref()?;
    let spec = text.circles.as_ref()?;
    let (first, last) = (text.quads.first()?, text.quads.last()?);
    let (window, window_segment) = walk.tile_line;
    let distances = line_circles::vertex_distances(window, inst.anchor, window_segment);
    let offset_x = text.line_offset[0] * walk.base;
    let reach = |q: &GlyphQuad| {
        let (before, rest, angle) =
            glyph_tile_distance(q.glyph_offset[0] * walk.base, offset_x, walk.anchor, window_segment, walk.line, &distances)?;
        let tail = rest / walk.units;
        let d = before + tail + (walk.stretch - 1.0) * tail * angle.sin().abs();
        d.is_finite().then_some(d)
    };
    let (first, last) = (reach(first)?, reach(last)?);
    let circles = line_circles::lay_out(line, inst.anchor, *segment, spec);
    let radius = spec.radius_px * (0.5 + 0.5 / w).clamp(0.0, 4.0);
    let project = |p: [f32; 2]| in_front_on_screen(matrix, shift, p);
    let shapes: Vec<Shape> = line_circles::in_use(&circles, first, last, radius, project)?.into_iter().map(Shape::Circle).collect();
    (!shapes.is_empty()).then_some(shapes)
}

/// The glyphs of a line label drawn this frame, with the quads they draw. A
/// label with a vertical twin (CJK) draws the twin where keep-upright finds
/// the line steeper than flat on screen (its collision circles stay the
/// horizontal label's: `line_collision`). `place` places glyph offsets (px)
/// with keep-upright and a writing mode; `scale` turns the quads' offsets
/// into its px.
fn line_glyphs<'a>(
    text: &'a super::layout::SymbolText,
    scale: f32,
    keep_upright: bool,
    place: impl Fn(&[f32], bool, LineWritingMode) -> LineLabel,
) -> Option<(Vec<PlacedGlyph>, &'a [GlyphQuad])> {
    let offsets = |quads: &[GlyphQuad]| quads.iter().map(|q| q.glyph_offset[0] * scale).collect::<Vec<f32>>();
    let mode = if text.vertical.is_some() { LineWritingMode::HorizontalWithVertical } else { LineWritingMode::Horizontal };
    match place(&offsets(&text.quads), keep_upright, mode) {
        LineLabel::Placed { glyphs, .. } => Some((glyphs, &text.quads)),
        LineLabel::UseVertical => {
            let twin = text.vertical.as_deref()?;
            let LineLabel::Placed { glyphs, .. } = place(&offsets(twin), keep_upright, LineWritingMode::Vertical) else { return None };
            Some((glyphs, twin))
        }
        LineLabel::NotEnoughRoom => None,
    }
}

/// The map plane of one tile under pitch, for text lying on it: label-plane
/// px are tile units times `units` (the tile's px at this zoom, unpitched).
#[derive(Clone, Copy)]
struct MapPlane {
    units: f32,
    cos_pitch: f32,
}

impl MapPlane {
    fn of(t: &crate::source::transform::Transform, tile: &CoveredTile, extent: u32) -> MapPlane {
        MapPlane {
            units: (t.world_size() / f64::from(tile.id.z).exp2() / f64::from(extent.max(1))) as f32,
            cos_pitch: (t.pitch.to_radians().cos() as f32).max(1e-3),
        }
    }
}

/// A line label lying on the pitched map (`text-pitch-alignment: map`, the
/// default of line labels), as MapLibre Native draws it: the glyphs are
/// walked along the line in the tile's plane and their quads built there,
/// both at the font size times Native's pitched perspective ratio at the
/// anchor (0.5 + 0.5 w, w its camera distance over the centre's), and projected
/// corner by corner; the collision circles are `line_collision`'s, as for
/// screen-aligned labels. `base`: text-size / 24.
fn place_line_on_map<'a>(
    inst: &SymbolInstance,
    text: &'a super::layout::SymbolText,
    matrix: &crate::source::transform::TileMatrix,
    shift: [f32; 2],
    base: f32,
    params: &LayerParams,
    plane: MapPlane,
) -> Option<((Vec<Shape>, PlacedQuads<'a>), SdfScale)> {
    let (line, segment) = inst.line.as_ref()?;
    let k = plane.units;
    if !(k.is_finite() && k > 0.0) {
        return None;
    }
    let w_at = |p: [f32; 2]| matrix.w(f64::from(p[0] / k), f64::from(p[1] / k));
    let to_screen = |p: [f32; 2]| {
        let s = matrix.project_f(f64::from(p[0] / k), f64::from(p[1] / k));
        [s[0] + shift[0], s[1] + shift[1]]
    };
    let anchor = [inst.anchor[0] * k, inst.anchor[1] * k];
    let w = w_at(anchor) as f32;
    if !(w > 0.05 && w.is_finite()) {
        return None;
    }
    let along_scale = base * (0.5 + 0.5 * w).clamp(0.0, 4.0);
    let quad_scale = base * (0.5 + 0.5 * w).clamp(0.0, 4.0);
    // The walk stays in the map plane: vertices behind the camera are as
    // good as any (only glyphs there are not drawn).
    let to_plane = |p: [f32; 2]| Some([p[0] * k, p[1] * k]);
    let (lo, hi) = reach_window(line, *segment, anchor, label_reach(text, along_scale.max(base)), to_plane);
    let (window, segment) = (line.get(lo..=hi)?, segment.checked_sub(lo)?);
    let in_plane: Vec<[f32; 2]> = window.iter().map(|p| [p[0] * k, p[1] * k]).collect();
    let line_offset = [text.line_offset[0] * along_scale, text.line_offset[1] * along_scale];
    let place = |offsets: &[f32], keep_upright: bool, mode: LineWritingMode| {
        place_line_label(offsets, line_offset, segment, anchor, &in_plane, keep_upright, mode, &to_screen)
    };
    let (drawn, sources) = line_glyphs(text, along_scale, params.keep_upright, place)?;
    let walk = CollisionWalk { anchor, line: &in_plane, tile_line: (window, segment), base, units: k, stretch: 1.0 };
    let shapes = line_collision(inst, text, &walk, matrix, shift, w)?;
    let finite = |g: &&PlacedGlyph| g.point[0].is_finite() && g.point[1].is_finite();
    let mut quads = Vec::with_capacity(drawn.len());
    for (q, g) in sources.iter().zip(&drawn) {
        if !finite(&g) {
            continue;
        }
        let (s, c) = g.angle.sin_cos();
        let in_plane = q.corners.map(|p| {
            let p = [quantize(p[0]) * quad_scale, quantize(p[1]) * quad_scale];
            [g.point[0] + p[0] * c - p[1] * s, g.point[1] + p[0] * s + p[1] * c]
        });
        let ws = in_plane.map(|p| w_at(p) as f32);
        if ws.iter().any(|w| !(*w > 0.05)) {
            continue;
        }
        quads.push((in_plane.map(to_screen), ws, q));
    }
    Some(((shapes, quads), SdfScale { font_scale: quad_scale, gamma_scale: w / plane.cos_pitch }))
}

/// The pitched map plane around a point symbol's anchor, for a text or icon
/// drawn lying on it (`*-pitch-alignment: map` under pitch), as MapLibre
/// draws it: shapes are built around the anchor in map px (tile units times
/// the tile's px per unit at this zoom, unpitched), at the symbol's size
/// times the pitched perspective ratio, then projected corner by corner.
/// Collision stays the upright box (MapLibre Native's).
struct AnchorPlane<'m> {
    matrix: &'m TileMatrix,
    /// Map px per tile unit.
    k: f32,
    /// The anchor in map px.
    anchor: [f32; 2],
    /// The anchor's distance from the camera over the centre's.
    w: f32,
    cos_pitch: f32,
    /// The plane rotation that shows an unrotated shape upright on screen
    /// (viewport rotation alignment): the map's bearing.
    upright_angle: f32,
}

impl<'m> AnchorPlane<'m> {
    fn new(matrix: &'m TileMatrix, tile: &CoveredTile, extent: u32, anchor: [f32; 2], t: &crate::source::transform::Transform) -> Option<Self> {
        let MapPlane { units: k, cos_pitch } = MapPlane::of(t, tile, extent);
        let w = matrix.w(f64::from(anchor[0]), f64::from(anchor[1])) as f32;
        (k.is_finite() && k > 0.0 && w > 0.05 && w.is_finite()).then(|| AnchorPlane {
            matrix,
            k,
            anchor: [anchor[0] * k, anchor[1] * k],
            w,
            cos_pitch,
            upright_angle: (t.bearing as f32).to_radians(),
        })
    }

    /// MapLibre's perspective ratio for symbols on the pitched map,
    /// 0.5 + 0.5 w: far symbols grow in the plane, so shrink less on screen.
    fn ratio(&self) -> f32 {
        (0.5 + 0.5 * self.w).clamp(0.0, 4.0)
    }

    /// `corners` (map px around the anchor) on screen, moved by `shift`
    /// (screen px), with each corner's w; `None` behind the camera.
    fn project(&self, corners: [[f32; 2]; 4], shift: [f32; 2]) -> Option<([[f32; 2]; 4], [f32; 4])> {
        let mut out = [[0.0; 2]; 4];
        let mut ws = [0.0; 4];
        for (i, c) in corners.iter().enumerate() {
            let (x, y) = (f64::from((self.anchor[0] + c[0]) / self.k), f64::from((self.anchor[1] + c[1]) / self.k));
            let w = self.matrix.w(x, y) as f32;
            if !(w > 0.05) {
                return None;
            }
            let p = self.matrix.project_f(x, y);
            out[i] = [p[0] + shift[0], p[1] + shift[1]];
            ws[i] = w;
        }
        Some((out, ws))
    }

    /// SDF shading on the plane: edges soften with the distance.
    fn sdf(&self, font_scale: f32) -> SdfScale {
        SdfScale { font_scale, gamma_scale: self.w / self.cos_pitch }
    }
}

/// An icon: its box (rotated bounds, padded) and its quads on screen.
fn place_icon(icon: &SymbolIcon, anchor: [f32; 2], scale: f32, angle: f32, padding: f32) -> (Vec<Shape>, Vec<[[f32; 2]; 4]>) {
    let (s, c) = angle.sin_cos();
    let rot = |v: [f32; 2]| [v[0] * c - v[1] * s, v[0] * s + v[1] * c];
    // The collision box turns with icon-rotate only, never with the line or
    // the map (MapLibre's boxes stay upright on screen).
    let (bs, bc) = icon.rotate.to_radians().sin_cos();
    let b = icon.bounds;
    let mut bx = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
    for p in [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]] {
        let p = [p[0] * scale, p[1] * scale];
        let r = [p[0] * bc - p[1] * bs, p[0] * bs + p[1] * bc];
        bx = [bx[0].min(r[0]), bx[1].min(r[1]), bx[2].max(r[0]), bx[3].max(r[1])];
    }
    let shape = Shape::Box([anchor[0] + bx[0] - padding, anchor[1] + bx[1] - padding, anchor[0] + bx[2] + padding, anchor[1] + bx[3] + padding]);
    // GL: offset / 32 * max(min font scale, scale) + pixel offset / 16.
    let quads = icon
        .pieces
        .iter()
        .map(|q| {
            let (sx, sy) = (scale.max(q.min_scale[0]), scale.max(q.min_scale[1]));
            let mut i = 0;
            q.em.map(|p| {
                let px = q.px[i];
                i += 1;
                let r = rot([quantize(p[0]) * sx + quantize_px(px[0]), quantize(p[1]) * sy + quantize_px(px[1])]);
                [anchor[0] + r[0], anchor[1] + r[1]]
            })
        })
        .collect();
    (vec![shape], quads)
}

/// GL stores icon pixel offsets as 1/16 px integers.
fn quantize_px(v: f32) -> f32 {
    (v * 16.0).round() / 16.0
}

/// The screen angle of a line label's segment at its anchor.
fn line_angle(inst: &SymbolInstance, m: &crate::source::transform::TileMatrix) -> Option<f32> {
    let (a, b) = anchor_segment(inst)?;
    let (pa, pb) = (m.project_f(a[0] as f64, a[1] as f64), m.project_f(b[0] as f64, b[1] as f64));
    Some((pb[1] - pa[1]).atan2(pb[0] - pa[0]))
}

/// The segment (tile units) whose direction an icon along a line takes
/// (`segment_behind` at its anchor).
fn anchor_segment(inst: &SymbolInstance) -> Option<([f32; 2], [f32; 2])> {
    let (line, segment) = inst.line.as_ref()?;
    segment_behind(line, *segment, inst.anchor)
}

/// The anchor's segment, or, when the anchor sits on that segment's first
/// vertex (anchors are rounded to the tile grid), the last segment before
/// it of some length. MapLibre finds the direction by walking back from the
/// anchor to the first vertex apart from it; `None` when there is none.
fn segment_behind(line: &[[f32; 2]], segment: usize, anchor: [f32; 2]) -> Option<([f32; 2], [f32; 2])> {
    let mut j = segment;
    while *line.get(j)? == anchor {
        j = j.checked_sub(1)?;
    }
    Some((*line.get(j)?, *line.get(j + 1)?))
}

/// GL stores quad offsets as 1/32 px integers.
fn quantize(v: f32) -> f32 {
    (v * 32.0).round() / 32.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_are_placed_row_by_row_from_the_top_deeper_zooms_first() {
        let t = |z: u8, x: u32, y: u32| CoveredTile { id: TileId::new(z, x, y), overscaled_z: z, wrap: 0 };
        let mut tiles = vec![t(14, 1, 0), t(14, 0, 1), t(13, 0, 0), t(14, 0, 0), t(14, 1, 1)];
        placement_order(&mut tiles, 0.0);
        let ids: Vec<(u8, u32, u32)> = tiles.iter().map(|c| (c.id.z, c.id.x, c.id.y)).collect();
        assert_eq!(ids, vec![(14, 0, 0), (14, 1, 0), (14, 0, 1), (14, 1, 1), (13, 0, 0)]);
        // Turned a quarter (bearing 90: east is up): the right column is the top row.
        let mut tiles = vec![t(14, 0, 0), t(14, 1, 0), t(14, 0, 1), t(14, 1, 1)];
        placement_order(&mut tiles, 90.0);
        assert_eq!((tiles[0].id.x, tiles[0].id.y), (1, 0));
    }

    #[test]
    fn a_line_reaching_behind_the_camera_is_cut_where_it_leaves_the_view() {
        // Pitch 60 at zoom 16 on tile 16/32768/32768 (its top-left corner at
        // the centre): the line runs from the centre straight down the
        // screen, towards the camera and far behind it, then back.
        let mut t = crate::source::transform::Transform::new(256.0, 256.0);
        t.set_camera(0.0, 0.0, 16.0, 0.0, 60.0);
        let m = t.tile_matrix(TileId::new(16, 32768, 32768), 0, 4096);
        let line = [[100.0, 0.0], [100.0, 1000.0], [100.0, 40_000.0], [100.0, 60_000.0]];
        assert!(m.w(100.0, 40_000.0) < 0.0, "the third vertex is behind the camera");
        let p = project_line(&line, 0, &m, [0.0, 0.0]).expect("the anchor's segment is in view");
        // The vertex behind is replaced by a far point on the same screen
        // line (a ground line projects to a straight one), beyond the second.
        let (d1, d2) = ([p[1][0] - p[0][0], p[1][1] - p[0][1]], [p[2][0] - p[0][0], p[2][1] - p[0][1]]);
        let cross = (d1[0] * d2[1] - d1[1] * d2[0]) / (d1[0].hypot(d1[1]) * d2[0].hypot(d2[1]));
        assert!(cross.abs() < 1e-3 && d2[1] > 10.0 * d1[1] && d1[1] > 0.0, "{p:?}");
        assert_eq!(p[3], p[2], "beyond it the walk cannot go");
        // An anchor's segment wholly behind the camera: nothing to walk.
        assert!(project_line(&line, 2, &m, [0.0, 0.0]).is_none());
    }

    #[test]
    fn an_anchor_on_a_vertex_takes_the_segment_behind_it() {
        let line = [[0.0, 0.0], [10.0, 0.0], [10.0, 0.0], [10.0, 10.0]];
        // Inside its segment: that segment.
        assert_eq!(segment_behind(&line, 2, [10.0, 5.0]), Some(([10.0, 0.0], [10.0, 10.0])));
        // On the segment's first vertex: back over the empty segment to the first.
        assert_eq!(segment_behind(&line, 2, [10.0, 0.0]), Some(([0.0, 0.0], [10.0, 0.0])));
        // On the line's first vertex: no direction.
        assert_eq!(segment_behind(&line, 0, [0.0, 0.0]), None);
    }

    #[test]
    fn icons_are_unrotated_only_when_no_feature_rotates_them() {
        let layer = |rotate: &str| {
            let json = format!(
                r#"{{"version": 8, "sources": {{"s": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": []}}}}}},
                  "layers": [{{"id": "i", "type": "symbol", "source": "s", "layout": {{"icon-image": "x"{rotate}}}}}]}}"#
            );
            let style = crate::style::parse_style(json.as_bytes()).expect("style").style;
            LayerParams::new(&style.layers[0], 10.0, Placement::Point).icons_unrotated
        };
        assert!(layer(""));
        assert!(layer(r#", "icon-rotate": 0"#));
        assert!(!layer(r#", "icon-rotate": 360"#));
        // Data-driven: linear for every icon, even those it turns by 0.
        assert!(!layer(r#", "icon-rotate": ["get", "r"]"#));
    }
}
