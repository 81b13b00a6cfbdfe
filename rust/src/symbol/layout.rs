//! Per-tile symbol layout, done once per tile on a worker (MapLibre's
//! SymbolLayout): for each symbol layer reading the tile, each feature that
//! passes the filter gets its text evaluated at the tile's zoom, shaped, and
//! turned into glyph quads around one or more anchors (points, polygon
//! poles of inaccessibility, vertices, or positions along lines).
//! Placement (`placement`) decides per frame which of them are drawn.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::source::feature::{Feature, GeomType, TileData, TileLayer, TilePoint};
use crate::source::geojson::GEOJSON_LAYER;
use crate::style::expression::EvaluationContext;
use crate::style::layer::{Layer, LayerKind};
use crate::style::Style;
use crate::text::glyph::{font_stack_name, range_of, GlyphSet, ONE_EM};
use crate::text::local_shaping::ShapingFaces;
use crate::text::shaping::{self, Anchor, Justify, ShapeOptions, TaggedText, TextTransform, WritingMode};

use super::line_circles::CircleSpec;
use super::merge_lines::merge_lines;
use super::anchors;
use super::bounds::{SymbolBounds, MAX_FEATURE_READS_PER_TILE, MAX_SYMBOLS_PER_LAYER};
use super::icon::{fit_icon_to_text, icon_quads, shape_icon, IconImage, IconImages, SymbolIcon, TextFit};
use super::polylabel::polylabel;
use super::repeat::RepeatFilter;
use super::quads::{glyph_quads, Quads};
use super::variable_anchor::{anchor_justify, justifications, radial_offset, variable_anchors, VariableText};

/// Most characters of one label.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// `symbol-placement`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    Point,
    Line,
    LineCenter,
}

impl Placement {
    pub fn of(layer: &Layer, zoom: f64) -> Placement {
        match layer.layout.get_enum("symbol-placement", &EvaluationContext::at_zoom(zoom)) {
            "line" => Placement::Line,
            "line-center" => Placement::LineCenter,
            _ => Placement::Point,
        }
    }
}

/// The text part of a symbol.
#[derive(Clone, Debug)]
pub struct SymbolText {
    pub quads: Quads,
    /// Line labels of CJK text: the quads of the vertical twin (upright
    /// characters turned, punctuation in vertical forms), drawn instead
    /// where the line runs more vertically than horizontally on screen.
    pub vertical: Option<Quads>,
    /// The shaped text's box (left, top, right, bottom) around the anchor in
    /// px at 24 px, `text-offset` included (point labels).
    pub bounds: [f32; 4],
    pub tagged: Arc<TaggedText>,
    pub writing_mode: WritingMode,
    /// Line labels: `text-offset` (px at 24 px) along and across the line.
    pub line_offset: [f32; 2],
    /// `text-rotate` in degrees (built into the quads; for the collision box).
    pub rotate: f32,
    /// The glyphs follow the line (placed per frame along it).
    pub along_line: bool,
    /// Variable anchors (`text-variable-anchor`): `quads` and `bounds` are
    /// then centred on the anchor and placement moves them.
    pub variable: Option<Arc<VariableText>>,
    /// Glyphs along a line: the size and extent of its collision circles.
    pub circles: Option<CircleSpec>,
}

/// One symbol: an anchor and what is drawn there (the icon will join the
/// text here, sharing the anchor and the collision pass).
#[derive(Clone, Debug)]
pub struct SymbolInstance {
    /// Anchor in tile coordinates.
    pub anchor: [f32; 2],
    /// Angle (radians) of the line at the anchor (0 for point placement).
    pub angle: f32,
    /// Line placement: the line (tile coordinates) and the anchor's segment.
    pub line: Option<(Arc<Vec<[f32; 2]>>, usize)>,
    /// Index of the feature in its tile layer.
    pub feature: usize,
    pub text: Option<SymbolText>,
    pub icon: Option<SymbolIcon>,
    /// `symbol-sort-key` (0 when unset).
    pub sort_key: f64,
    /// The label's text, to find the same label in another tile.
    pub key: Arc<str>,
}

/// One layer's symbols in a tile.
#[derive(Clone, Debug)]
pub struct LayerSymbols {
    pub layer: String,
    pub source_layer: String,
    pub placement: Placement,
    pub symbols: Vec<SymbolInstance>,
    /// Layout was cut at [`MAX_SYMBOLS_PER_LAYER`] or the tile's bounds.
    pub truncated: bool,
}

/// A tile's symbol layout.
#[derive(Clone, Debug, Default)]
pub struct SymbolTile {
    pub layers: Vec<LayerSymbols>,
    /// Image ids `icon-image` named that were not there (at most 64).
    pub missing_images: BTreeSet<String>,
    /// The bounds it was laid out within.
    pub bounds: SymbolBounds,
    /// Bytes the layout holds ([`super::bytes::layout_bytes`]).
    pub bytes: u64,
}

impl SymbolTile {
    pub fn layer(&self, id: &str) -> Option<&LayerSymbols> {
        self.layers.iter().find(|l| l.layer == id)
    }
}

/// The symbol layers of `source` that draw text at tile zoom `z`.
fn symbol_layers<'a>(style: &'a Style, source: &'a str, z: f64) -> impl Iterator<Item = &'a Layer> + 'a {
    style.layers.iter().filter(move |l| {
        l.kind == LayerKind::Symbol
            && l.source.as_deref() == Some(source)
            && z + 1.0 > l.minzoom
            && z < l.maxzoom
            && l.layout.get_enum("visibility", &EvaluationContext::at_zoom(z)) != "none"
    })
}

fn tile_layer<'a>(data: &'a TileData, layer: &Layer) -> Option<&'a TileLayer> {
    data.layer(layer.source_layer.as_deref().unwrap_or(GEOJSON_LAYER))
}

fn feature_ctx<'a>(z: f64, feature: &'a Feature, tile: crate::source::feature::TileId, extent: u32) -> EvaluationContext<'a> {
    let mut ctx = EvaluationContext::for_feature(z, feature);
    ctx.canonical = Some(tile);
    ctx.extent = extent;
    ctx
}

fn passes_filter(layer: &Layer, ctx: &EvaluationContext) -> bool {
    layer.filter.as_ref().map_or(true, |f| f.matches(ctx))
}

/// Evaluates a feature's text (None: no text).
fn feature_text(layer: &Layer, ctx: &EvaluationContext) -> Option<TaggedText> {
    layer.layout.get("text-field")?;
    let mut formatted = layer.layout.get_formatted("text-field", ctx);
    let mut budget = MAX_TEXT_CHARS;
    for s in &mut formatted.sections {
        let n = s.text.chars().count();
        if n > budget {
            s.text = s.text.chars().take(budget).collect();
        }
        budget = budget.saturating_sub(n);
    }
    let fonts = layer.layout.get_strings("text-font", ctx);
    let transform = match layer.layout.get_enum("text-transform", ctx) {
        "uppercase" => TextTransform::Uppercase,
        "lowercase" => TextTransform::Lowercase,
        _ => TextTransform::None,
    };
    let text = shaping::prepare_text(&formatted, transform, &font_stack_name(&fonts));
    (!text.is_empty()).then_some(text)
}

/// The glyph ranges the tile's labels need: font stack -> range indices.
pub fn glyph_dependencies(style: &Style, source: &str, tile: &TileData, id: crate::source::feature::TileId, z: f64) -> BTreeMap<String, BTreeSet<u32>> {
    let mut deps: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    let mut reads = 0usize;
    for layer in symbol_layers(style, source, z) {
        let Some(tl) = tile_layer(tile, layer) else { continue };
        // Line labels may draw a vertical twin, with punctuation's vertical forms.
        let along_line = Placement::of(layer, z) == Placement::Line;
        let take = MAX_SYMBOLS_PER_LAYER.min(MAX_FEATURE_READS_PER_TILE - reads);
        reads += take.min(tl.features.len());
        for feature in tl.features.iter().take(take) {
            let ctx = feature_ctx(z, feature, id, tl.extent);
            if !passes_filter(layer, &ctx) {
                continue;
            }
            let Some(text) = feature_text(layer, &ctx) else { continue };
            let vertical: Vec<(String, u32)> =
                if along_line { text.vertical_codepoints().map(|(s, c)| (s.to_string(), c)).collect() } else { Vec::new() };
            for (stack, cp) in text.codepoints().chain(vertical.iter().map(|(s, c)| (s.as_str(), *c))) {
                let ranges = match deps.get_mut(stack) {
                    Some(r) => r,
                    None => deps.entry(stack.to_string()).or_default(),
                };
                ranges.insert(range_of(cp));
            }
        }
    }
    deps
}

/// The image `icon-image` names, if there is one (a missing one is recorded).
fn icon_image(l: &crate::style::property::PropertySet, ctx: &EvaluationContext, images: &IconImages, missing: &mut BTreeSet<String>) -> Option<Arc<IconImage>> {
    let name = l.get("icon-image").and_then(|_| l.get_image("icon-image", ctx))?;
    let found = images.get(&name).cloned();
    if found.is_none() && missing.len() < 64 {
        missing.insert(name);
    }
    found
}

/// Shapes a symbol's icon: around the anchor, or fitted to its text box
/// (`text_box`, px at the layout text size) by `icon-text-fit`.
fn layout_icon(l: &crate::style::property::PropertySet, ctx: &EvaluationContext, image: Arc<IconImage>, placement: Placement, text_box: Option<[f32; 4]>) -> SymbolIcon {
    let pair = |v: Vec<f32>| [v.first().copied().unwrap_or(0.0), v.get(1).copied().unwrap_or(0.0)];
    let offset = pair(l.get_f32_array("icon-offset", ctx));
    let rotate = if placement == Placement::Point { l.get_f32("icon-rotate", ctx) } else { 0.0 };
    let fit = TextFit::parse(l.get_enum("icon-text-fit", ctx));
    match text_box {
        Some(text) if fit != TextFit::None => {
            let p = l.get_f32_array("icon-text-fit-padding", ctx);
            let padding = [0, 1, 2, 3].map(|i| p.get(i).copied().unwrap_or(0.0));
            let bounds = fit_icon_to_text(&image, text, fit, padding, offset);
            icon_quads(image, bounds, rotate, true)
        }
        _ => {
            let bounds = shape_icon(&image, Anchor::parse(l.get_enum("icon-anchor", ctx)), offset);
            icon_quads(image, bounds, rotate, false)
        }
    }
}

/// Lays out the symbols of every symbol layer of `source` in one tile,
/// within `bounds` (the layers past them lay out nothing, or part, and are
/// marked truncated). `z` is the tile's (overscaled) zoom, `overscaling` the
/// ratio of that zoom's scale to the data tile's.
#[allow(clippy::too_many_arguments)]
pub fn layout_tile(
    style: &Style,
    source: &str,
    tile: &TileData,
    id: crate::source::feature::TileId,
    z: f64,
    glyphs: &GlyphSet,
    images: &IconImages,
    bounds: SymbolBounds,
) -> SymbolTile {
    let mut out = SymbolTile::default();
    let overscaling = 2f32.powf((z - id.z as f64).max(0.0) as f32);
    let faces = ShapingFaces::default();
    // Symbols and glyphs laid out and features read in this tile so far.
    let (mut tile_symbols, mut tile_glyphs, mut reads) = (0usize, 0usize, 0usize);
    for layer in symbol_layers(style, source, z) {
        let Some(tl) = tile_layer(tile, layer) else { continue };
        let placement = Placement::of(layer, z);
        let mut symbols = Vec::new();
        let mut truncated = false;
        let most = MAX_SYMBOLS_PER_LAYER.min(bounds.symbols.saturating_sub(tile_symbols));
        let readable = bounds.reads.saturating_sub(reads);
        if (most == 0 || readable == 0 || tile_glyphs >= bounds.glyphs) && !tl.features.is_empty() {
            out.layers.push(LayerSymbols { layer: layer.id.clone(), source_layer: tl.name.clone(), placement, symbols, truncated: true });
            continue;
        }
        let extent = tl.extent as f32;
        let merged = if placement == Placement::Line { merged_first_parts(layer, &tl.features, z, id, tl.extent) } else { Vec::new() };
        let mut repeats = RepeatFilter::default();
        for (index, feature) in tl.features.iter().enumerate() {
            if symbols.len() >= most || index >= readable || tile_glyphs >= bounds.glyphs {
                truncated = true;
                break;
            }
            reads += 1;
            if feature.geom_type == GeomType::Unknown {
                continue;
            }
            let ctx = feature_ctx(z, feature, id, tl.extent);
            if !passes_filter(layer, &ctx) {
                continue;
            }
            let l = &layer.layout;
            let text = feature_text(layer, &ctx);
            let icon_image = icon_image(l, &ctx, images, &mut out.missing_images);
            if text.is_none() && icon_image.is_none() {
                continue;
            }
            // Glyphs follow the line only when they rotate with the map;
            // viewport-aligned line labels stand upright at their anchors.
            let along_line = placement != Placement::Point && l.get_enum("text-rotation-alignment", &ctx) != "viewport";
            // Variable anchors: shaped around the centre, moved when placed.
            let variable = if along_line || text.is_none() { None } else { variable_anchors(l, &ctx) };
            let fixed_justify = match l.get_enum("text-justify", &ctx) {
                "left" => Some(Justify::Left),
                "right" => Some(Justify::Right),
                "auto" => None,
                _ => Some(Justify::Center),
            };
            let justify_list = variable.as_ref().map(|v| justifications(v, fixed_justify)).unwrap_or_default();
            let text_anchor = Anchor::parse(l.get_enum("text-anchor", &ctx));
            let (anchor, justify) = match justify_list.first() {
                Some(j) => (Anchor::Center, *j),
                None => (text_anchor, fixed_justify.unwrap_or_else(|| anchor_justify(text_anchor))),
            };
            let radial = l.get_f32("text-radial-offset", &ctx);
            let offset = if variable.is_some() {
                [0.0, 0.0]
            } else if radial > 0.0 {
                radial_offset(text_anchor, radial * ONE_EM)
            } else {
                let o = l.get_f32_array("text-offset", &ctx);
                [o.first().copied().unwrap_or(0.0) * ONE_EM, o.get(1).copied().unwrap_or(0.0) * ONE_EM]
            };
            let opts = ShapeOptions {
                max_width: if placement != Placement::Point { 0.0 } else { l.get_f32("text-max-width", &ctx) * ONE_EM },
                line_height: l.get_f32("text-line-height", &ctx) * ONE_EM,
                anchor,
                justify,
                spacing: l.get_f32("text-letter-spacing", &ctx) * ONE_EM,
                translate: if along_line { [0.0, 0.0] } else { offset },
                writing_mode: WritingMode::Horizontal,
                allow_vertical: false,
            };
            let shaped = text.as_ref().and_then(|t| shaping::shape_text_with(t, glyphs, &opts, &faces).map(|s| (t, s)));
            let key: Arc<str> = match &text {
                Some(t) => t.chars.iter().collect::<String>().into(),
                None => Arc::from(""),
            };
            // Line labels of text that can stand upright in columns (CJK) get
            // a vertical twin, shown where the line is steep on screen
            // (MapLibre: punctuation in vertical forms, upright characters
            // turned).
            let vertical = shaped.as_ref().filter(|(t, _)| along_line && placement == Placement::Line && t.allows_vertical_writing_mode()).and_then(|(t, _)| {
                shaping::shape_text_with(t, glyphs, &ShapeOptions { writing_mode: WritingMode::Vertical, ..opts.clone() }, &faces).map(|s| (t, s))
            });
            // MapLibre lays lines out with the text size one zoom up, in
            // tile units per pixel of this (overscaled) zoom.
            let pixel_ratio = anchors::tile_pixel_ratio(extent, 512.0, overscaling);
            let layout_size = || l.get_f32("text-size", &EvaluationContext::for_feature(z + 1.0, feature)).max(0.0);
            let circles = shaped.as_ref().filter(|_| along_line).and_then(|(_, s)| {
                let box_scale = pixel_ratio * layout_size() / ONE_EM;
                let padding = l.get_f32("text-padding", &ctx) * pixel_ratio;
                CircleSpec::new([s.left, s.top, s.right, s.bottom], box_scale, padding, pixel_ratio, overscaling)
            });
            let symbol_text = shaped.as_ref().map(|(text, shaping)| {
                let rotate = l.get_f32("text-rotate", &ctx);
                let quads: Quads = glyph_quads(shaping, text, glyphs, along_line, rotate, offset).into();
                let variable = variable.map(|anchors| {
                    let mut justified = vec![(justify, quads.clone())];
                    // One line reads the same under every justification.
                    if shaping.lines.len() > 1 {
                        for &j in justify_list.iter().skip(1) {
                            if let Some(s) = shaping::shape_text_with(text, glyphs, &ShapeOptions { justify: j, ..opts.clone() }, &faces) {
                                justified.push((j, glyph_quads(&s, text, glyphs, false, rotate, offset).into()));
                            }
                        }
                    }
                    Arc::new(VariableText { anchors, justified })
                });
                SymbolText {
                    quads,
                    vertical: vertical.as_ref().map(|(_, s)| glyph_quads(s, text, glyphs, true, rotate, offset).into()),
                    bounds: [shaping.left, shaping.top, shaping.right, shaping.bottom],
                    tagged: Arc::new((*text).clone()),
                    writing_mode: shaping.writing_mode,
                    line_offset: if along_line { offset } else { [0.0, 0.0] },
                    rotate,
                    along_line,
                    variable,
                    circles,
                }
            });
            let text_box = shaped.as_ref().map(|(_, s)| {
                // MapLibre fits icons to the text at the layout text size (one zoom up).
                let scale = l.get_f32("text-size", &EvaluationContext::for_feature(z + 1.0, feature)).max(0.0) / ONE_EM;
                [s.left * scale, s.top * scale, s.right * scale, s.bottom * scale]
            });
            let icon = icon_image.map(|image| layout_icon(l, &ctx, image, placement, text_box));
            if symbol_text.is_none() && icon.is_none() {
                continue;
            }
            let sort_key = l.get("symbol-sort-key").map(|_| l.get_f64("symbol-sort-key", &ctx)).unwrap_or(0.0);
            // Each symbol of the feature draws its text's quads and its icon;
            // a line's labels are as many as its anchors, so the bounds hold
            // for each one.
            let (before, glyphs_each) = (symbols.len(), symbol_text.as_ref().map_or(0, |t| t.quads.len()) + usize::from(icon.is_some()));
            let room = most.saturating_sub(before).min(bounds.glyphs.saturating_sub(tile_glyphs).div_ceil(glyphs_each.max(1)));
            let mut cut = false;
            // Adds a symbol at `anchor`; false once the feature has no room.
            let mut push = |anchor: [f32; 2], angle: f32, line: Option<(Arc<Vec<[f32; 2]>>, usize)>| -> bool {
                // Anchors in the tile's buffer are kept (a label near the
                // view's edge may belong to a tile the view does not
                // cover); placement keeps one copy per place.
                if !(anchor[0].is_finite() && anchor[1].is_finite()) {
                    return true;
                }
                if symbols.len() - before >= room {
                    cut = true;
                    return false;
                }
                symbols.push(SymbolInstance {
                    anchor,
                    angle,
                    line,
                    feature: index,
                    text: symbol_text.clone(),
                    icon: icon.clone(),
                    sort_key,
                    key: key.clone(),
                });
                true
            };
            let pt = |p: &TilePoint| [p.x as f32, p.y as f32];
            match (placement, feature.geom_type) {
                (Placement::Point, GeomType::Point) => feature.geometry.iter().flatten().for_each(|p| {
                    push(pt(p), 0.0, None);
                }),
                // Point placement of a line: its first vertex (as MapLibre).
                (Placement::Point, GeomType::LineString) => feature.geometry.iter().filter_map(|l| l.first()).for_each(|p| {
                    push(pt(p), 0.0, None);
                }),
                (Placement::Point, GeomType::Polygon) => {
                    for polygon in polygons(&feature.geometry) {
                        // MapLibre: 16 units of its 8192 extent.
                        if let Some(p) = polylabel(&polygon, 16.0 * extent as f64 / 8192.0) {
                            if !push(p, 0.0, None) {
                                break;
                            }
                        }
                    }
                }
                (_, GeomType::LineString | GeomType::Polygon) => {
                    let box_scale = pixel_ratio * layout_size() / ONE_EM;
                    let spacing = pixel_ratio * l.get_f32("symbol-spacing", &ctx).max(1.0);
                    let max_angle = l.get_f32("text-max-angle", &ctx).to_radians();
                    // MapLibre measures the label by its vertical twin when it has one.
                    let text_extent = vertical.as_ref().map(|(_, s)| s).or(shaped.as_ref().map(|(_, s)| s)).map(|s| (s.left, s.right));
                    let icon_extent = icon.as_ref().map(|i| (i.bounds[0], i.bounds[2]));
                    let mut parts: Vec<Vec<[f32; 2]>> = feature.geometry.iter().map(|part| part.iter().map(pt).collect()).collect();
                    if let (Some(first), Some(Some(m))) = (parts.first_mut(), merged.get(index)) {
                        first.clone_from(m);
                    }
                    // MapLibre places labels along lines cut to the tile.
                    let parts = if placement == Placement::Line { anchors::clip_to_tile(&parts, extent) } else { parts };
                    'parts: for line in parts {
                        if line.len() < 2 {
                            continue;
                        }
                        let line = Arc::new(line);
                        let found = if placement == Placement::LineCenter {
                            anchors::center_anchor(&line, max_angle, text_extent, icon_extent, ONE_EM, box_scale, extent).into_iter().collect()
                        } else {
                            anchors::line_anchors(&line, spacing, max_angle, text_extent, icon_extent, ONE_EM, box_scale, overscaling, extent)
                        };
                        for a in found {
                            // Labels along lines: the same text at most once per half spacing.
                            if placement == Placement::Line && text.is_some() && repeats.too_close(&key, a.point, spacing / 2.0) {
                                continue;
                            }
                            if !push(a.point, a.angle, a.segment.map(|s| (line.clone(), s))) {
                                break 'parts;
                            }
                        }
                    }
                }
                _ => {}
            }
            tile_glyphs = tile_glyphs.saturating_add((symbols.len() - before).saturating_mul(glyphs_each));
            truncated |= cut;
        }
        // Sort keys order placement (stable: feature order breaks ties).
        if layer.layout.get("symbol-sort-key").is_some() {
            symbols.sort_by(|a, b| a.sort_key.total_cmp(&b.sort_key));
        }
        tile_symbols += symbols.len();
        out.layers.push(LayerSymbols {
            layer: layer.id.clone(),
            source_layer: tl.name.clone(),
            placement,
            symbols,
            truncated,
        });
    }
    out.bounds = bounds;
    out.bytes = super::bytes::layout_bytes(&out);
    out
}

/// For `symbol-placement: line`: each feature's first part after MapLibre's
/// line merging (see `merge_lines`), by feature index; `None` for features
/// without text or not drawn (their parts stay as they are).
fn merged_first_parts(layer: &Layer, features: &[Feature], z: f64, id: crate::source::feature::TileId, extent: u32) -> Vec<Option<Vec<[f32; 2]>>> {
    let mut lines = Vec::new();
    let mut slots = vec![None; features.len()];
    for (index, feature) in features.iter().enumerate() {
        if !matches!(feature.geom_type, GeomType::LineString | GeomType::Polygon) {
            continue;
        }
        let ctx = feature_ctx(z, feature, id, extent);
        if !passes_filter(layer, &ctx) {
            continue;
        }
        let (Some(text), Some(first)) = (feature_text(layer, &ctx), feature.geometry.first()) else { continue };
        slots[index] = Some(lines.len());
        lines.push((text.chars.iter().collect::<String>(), first.iter().map(|p| [p.x as f32, p.y as f32]).collect()));
    }
    merge_lines(&mut lines);
    let mut lines: Vec<Option<Vec<[f32; 2]>>> = lines.into_iter().map(|(_, l)| Some(l)).collect();
    slots.into_iter().map(|s| s.and_then(|i| lines[i].take())).collect()
}

/// Groups polygon rings (exterior followed by holes) into polygons.
fn polygons(rings: &[Vec<TilePoint>]) -> Vec<Vec<Vec<[f32; 2]>>> {
    let mut out: Vec<Vec<Vec<[f32; 2]>>> = Vec::new();
    for ring in rings {
        let pts: Vec<[f32; 2]> = ring.iter().map(|p| [p.x as f32, p.y as f32]).collect();
        let area: f64 = ring
            .windows(2)
            .map(|w| (w[0].x as f64) * (w[1].y as f64) - (w[1].x as f64) * (w[0].y as f64))
            .sum();
        if area > 0.0 || out.is_empty() {
            out.push(vec![pts]);
        } else if area < 0.0 {
            out.last_mut().expect("non-empty").push(pts);
        }
    }
    out
}
