//! Evaluates a layer's paint and layout properties for one feature and
//! makes its draw command.

use std::collections::HashMap;

use crate::render::display_list::{
    CircleStyle, ClipQuad, DrawCommand, LineGradient, LinePattern, LineStyle, PatternFillStyle,
    PatternImage, PatternOutline, PatternPaint,
};
use crate::source::geojson::{CLIP_END, CLIP_START};
use crate::style::color::Color;
use crate::style::value::Value;
use crate::data::matrix::inv3;
use crate::source::transform::Transform;
use crate::source::feature::{Feature, TilePoint};
use crate::style::expression::EvaluationContext;
use crate::style::layer::{Layer, LayerKind};

use super::feature_paint::{CirclePaint, FeaturePaint, LinePaint};
use super::project::{ground_shift, TileProjector};
use crate::source::cover::CoveredTile;
use super::{TileLookup, View};

/// The background layer's command, if it paints anything.
pub fn background(layer: &Layer, view: &View, images: &dyn TileLookup) -> Option<DrawCommand> {
    let zoom = view.transform.zoom;
    let ctx = EvaluationContext::at_zoom(zoom);
    if layer.paint.get("background-pattern").is_some() {
        // A missing image draws nothing (MapLibre skips the layer, and never
        // falls back to the colour).
        let name = layer.paint.get_image("background-pattern", &ctx)?;
        let image = images.image(&name).and_then(pattern_image)?;
        let pattern = pattern_paint(image, view, [0.0, 0.0], layer.paint.get_f32("background-opacity", &ctx))?;
        return Some(DrawCommand::BackgroundPattern { pattern });
    }
    let color = layer
        .paint
        .get_color("background-color", &ctx)
        .with_opacity(layer.paint.get_f32("background-opacity", &ctx));
    (color.a > 0.0).then_some(DrawCommand::Background { color })
}

/// A style image as a pattern (premultiplied), with its pixel ratio.
pub(super) fn pattern_image(image: &crate::style::image::StyleImage) -> Option<(PatternImage, f32)> {
    let ratio = if image.pixel_ratio.is_finite() && image.pixel_ratio > 0.0 { image.pixel_ratio } else { 1.0 };
    Some((PatternImage::from_straight(image.width, image.height, &image.rgba)?, ratio))
}

/// Pattern paint anchored to the map like MapLibre's pattern shaders: the
/// image repeats in world pixels of the tile zoom (`floor(zoom)`; world
/// pixel 0 at the antimeridian / north edge, the tiles' pixel grid), one
/// image pixel per `1 / image pixel ratio` world pixels there; so between
/// integer zooms it scales with the map by up to 2×, and it moves with the
/// map. `shift`: a `*-translate` on the ground in world pixels at the
/// current zoom (the pattern moves with the translated geometry).
pub(crate) fn pattern_paint((image, image_ratio): (PatternImage, f32), view: &View, shift: [f64; 2], opacity: f32) -> Option<PatternPaint> {
    if opacity.is_nan() || opacity <= 0.0 {
        return None;
    }
    let to_texel = pattern_matrix(&view.transform, view.pixel_ratio, image_ratio, shift)?;
    Some(PatternPaint { image, to_texel, opacity: opacity.min(1.0) })
}

/// Device pixels -> image texels (see [`pattern_paint`]).
fn pattern_matrix(t: &Transform, pixel_ratio: f32, image_ratio: f32, shift: [f64; 2]) -> Option<[[f64; 3]; 3]> {
    let inv = inv3(&t.world_matrix())?;
    let r = if pixel_ratio.is_finite() && pixel_ratio > 0.0 { f64::from(pixel_ratio) } else { 1.0 };
    let tile_zoom = t.zoom.max(0.0).floor();
    let k = (tile_zoom - t.zoom).exp2() * f64::from(image_ratio);
    // S(k) · T(-shift) · inv · D(1 / r)
    let d = [1.0 / r, 1.0 / r, 1.0];
    let m: [[f64; 3]; 3] = std::array::from_fn(|i| {
        std::array::from_fn(|j| {
            let v = match i {
                0 => k * (inv[0][j] - shift[0] * inv[2][j]),
                1 => k * (inv[1][j] - shift[1] * inv[2][j]),
                _ => inv[2][j],
            };
            v * d[j]
        })
    });
    m.iter().flatten().all(|v| v.is_finite()).then_some(m)
}


/// Paints the features of one layer in one tile.
pub struct LayerPainter<'a> {
    layer: &'a Layer,
    view: &'a View,
    ratio: f32,
    pitch: f64,
    projector: TileProjector,
    images: &'a dyn TileLookup,
    /// `*-translate` on the ground, world pixels at the current zoom.
    shift_world: [f64; 2],
    /// Pattern images by name (None: missing).
    patterns: HashMap<String, Option<(PatternImage, f32)>>,
    /// The tile's size in CSS pixels.
    tile_px: f64,
    /// The tile drawn, and every tile of the source the view covers.
    tile: CoveredTile,
    cover: &'a [CoveredTile],
    /// Dashed and patterned lines: how far from a sharp corner MapLibre
    /// splits a segment (device px; 0: not split) and the tile-unit grid the
    /// added vertex lies on (see `LineStyle::corner_grid`).
    corners: (f32, [[f32; 2]; 2]),
    /// `line-gradient` colours by line progress, made on first use.
    gradient: std::cell::OnceCell<Option<std::sync::Arc<Vec<Color>>>>,
    /// How far (device px) any feature of the layer draws beyond its points,
    /// when that does not depend on the feature: features whose box is
    /// farther off screen are skipped before filtering and evaluation.
    reach: Option<f32>,
}

/// How far a fill draws beyond its rings: antialiasing and the 1 px outline.
const FILL_REACH: f32 = 2.0;

/// How far a line drawn with these sizes (device px) reaches from its centre
/// line: joins up to the miter limit, offset, blur and antialiasing (the
/// rasterizer's own bound).
fn line_reach(width: f32, gap_width: f32, offset: f32, blur: f32, miter_limit: f32) -> f32 {
    let half = gap_width.max(0.0) / 2.0 + width;
    2.0 * offset.abs() + half * miter_limit.max(2.0) + blur.max(0.0) + 2.0
}

/// How far a circle reaches from its centre.
fn circle_reach(radius: f32, stroke_width: f32, blur: f32) -> f32 {
    (radius.max(0.0) + stroke_width.max(0.0)) * (1.0 + blur.abs()) + 2.0
}

/// A layer's reach beyond its features' points when it is the same for every
/// feature (sizes not data-driven, no pitch: under pitch line and circle
/// sizes follow each feature's distance); None otherwise.
fn layer_reach(layer: &Layer, view: &View) -> Option<f32> {
    let (p, l) = (&layer.paint, &layer.layout);
    let constant = |names: &[&str]| names.iter().all(|n| p.is_feature_constant(n));
    let ctx = EvaluationContext::at_zoom(view.transform.zoom);
    let r = view.pixel_ratio;
    match layer.kind {
        LayerKind::Fill => Some(FILL_REACH),
        LayerKind::Line if view.transform.pitch == 0.0 => {
            (constant(&["line-width", "line-gap-width", "line-offset", "line-blur"]) && l.is_feature_constant("line-miter-limit"))
                .then(|| {
                    line_reach(
                        p.get_f32("line-width", &ctx) * r,
                        p.get_f32("line-gap-width", &ctx) * r,
                        p.get_f32("line-offset", &ctx) * r,
                        p.get_f32("line-blur", &ctx) * r,
                        l.get_f32("line-miter-limit", &ctx),
                    )
                })
        }
        LayerKind::Circle if view.transform.pitch == 0.0 => {
            constant(&["circle-radius", "circle-stroke-width", "circle-blur"]).then(|| {
                circle_reach(
                    p.get_f32("circle-radius", &ctx) * r,
                    p.get_f32("circle-stroke-width", &ctx) * r,
                    p.get_f32("circle-blur", &ctx),
                )
            })
        }
        _ => None,
    }
}

/// Texels of MapLibre's line gradient ramp.
const GRADIENT_TEXELS: usize = 256;

impl<'a> LayerPainter<'a> {
    pub fn new(
        layer: &'a Layer,
        view: &'a View,
        base: &TileProjector,
        tile: &CoveredTile,
        cover: &'a [CoveredTile],
        images: &'a dyn TileLookup,
    ) -> LayerPainter<'a> {
        let prefix = match layer.kind {
            LayerKind::Fill => "fill",
            LayerKind::Line => "line",
            _ => "circle",
        };
        // Translation is zoom-dependent at most: evaluate it once per layer.
        let ctx = EvaluationContext::at_zoom(view.transform.zoom);
        let t = layer.paint.get_f32_array(&format!("{prefix}-translate"), &ctx);
        let anchor_viewport = layer.paint.get_enum(&format!("{prefix}-translate-anchor"), &ctx) == "viewport";
        let shift = match t.as_slice() {
            [x, y] => ground_shift([*x, *y], anchor_viewport, &view.transform, tile, base.extent()),
            _ => [0.0, 0.0],
        };
        let tile_px = view.transform.world_size() / f64::from(tile.id.z).exp2();
        let units = tile_px / f64::from(base.extent().max(1));
        // MapLibre splits segments 15 px (at the tile's zoom) from sharp
        // corners, at whole tile units (1/8192 of the tile), and not at all
        // in tiles overscaled more than 16 times. Pitched lines lie on the
        // ground (see `line`): its units are the tile's, scaled.
        let zoom = view.transform.zoom;
        let corner_split =
            if tile.overscaled_z.saturating_sub(tile.id.z) > 4 { 0.0 } else { 15.0 * view.pixel_ratio * (zoom - zoom.floor()).exp2() as f32 };
        let unit = f64::from(base.extent().max(1)) / 8192.0;
        let corner_grid = if view.transform.pitch > 0.0 {
            let g = (units * f64::from(view.pixel_ratio) * unit) as f32;
            [[g, 0.0], [0.0, g]]
        } else {
            base.axes(unit).unwrap_or([[0.0; 2]; 2])
        };
        LayerPainter {
            layer,
            view,
            ratio: view.pixel_ratio,
            pitch: view.transform.pitch,
            projector: base.translated(shift),
            images,
            shift_world: [shift[0] * units, shift[1] * units],
            patterns: HashMap::new(),
            gradient: std::cell::OnceCell::new(),
            tile_px,
            tile: *tile,
            cover,
            corners: (corner_split, corner_grid),
            reach: layer_reach(layer, view),
        }
    }

    /// Whether a point of this tile is drawn here: inside the tile, or in
    /// its buffer where the tile holding it is not part of the cover. A
    /// point belongs to the tile holding it; MapLibre Native's still images
    /// draw buffer points from every tile, so a circle whose own tile is out
    /// of view (a neighbouring world copy, the edge of the view) still
    /// reaches in. Drawing it only where its own tile is absent gives that
    /// image without drawing a circle twice.
    fn draws_point(&self, p: TilePoint) -> bool {
        let extent = i64::from(self.projector.extent().max(1));
        let (x, y) = (i64::from(p.x), i64::from(p.y));
        if (0..extent).contains(&x) && (0..extent).contains(&y) {
            return true;
        }
        !self.cover.iter().any(|c| c.holds(&self.tile, self.projector.extent(), [x as f64, y as f64]))
    }

    /// False when a feature with bounding box `bounds` certainly draws
    /// nothing on screen, known before its filter and paint are evaluated
    /// (layers whose reach is feature independent); true otherwise.
    pub fn may_draw(&self, bounds: [i32; 4]) -> bool {
        self.reach.map_or(true, |reach| self.projector.box_may_touch(bounds, reach, self.view.width, self.view.height))
    }

    /// The pattern image named `name` with its pixel ratio (`None`: missing).
    fn pattern(&mut self, name: &str) -> Option<(PatternImage, f32)> {
        let images = self.images;
        match self.patterns.get(name) {
            Some(image) => image.clone(),
            None => self.patterns.entry(name.to_string()).or_insert_with_key(|n| images.image(n).and_then(pattern_image)).clone(),
        }
    }

    /// The layer's `line-gradient` ramp, if it has one.
    fn gradient_ramp(&self, zoom: Option<f64>) -> Option<std::sync::Arc<Vec<Color>>> {
        self.gradient
            .get_or_init(|| {
                let p = &self.layer.paint;
                p.get("line-gradient")?;
                let ramp = (0..GRADIENT_TEXELS)
                    .map(|i| {
                        let ctx = EvaluationContext {
                            zoom,
                            line_progress: Some(i as f64 / (GRADIENT_TEXELS - 1) as f64),
                            ..EvaluationContext::default()
                        };
                        p.get_color("line-gradient", &ctx)
                    })
                    .collect();
                Some(std::sync::Arc::new(ramp))
            })
            .clone()
    }

    /// An antialiased fill's `perspective` (drawn as MapLibre draws it): the
    /// ground's nearness on screen (any ground scale; constant unpitched).
    fn perspective(&self, antialias: bool) -> Option<[f64; 3]> {
        match (antialias, self.pitch > 0.0) {
            (false, _) => None,
            (true, true) => self.projector.ground_map(1.0).map(|g| g.from_screen[2]),
            (true, false) => Some([0.0, 0.0, 1.0]),
        }
    }

    /// Whether `feature`, drawn up to `reach` device px beyond its points,
    /// can touch the target (the work of projecting it is skipped when not).
    fn on_screen(&self, feature: &Feature, reach: f32) -> bool {
        self.projector.may_touch(&feature.geometry, reach, self.view.width, self.view.height)
    }

    /// Draws one feature with its evaluated paint (nothing when it paints
    /// nothing or certainly lies off screen).
    pub fn draw(&mut self, feature: &Feature, paint: &FeaturePaint, clip: Option<ClipQuad>, out: &mut Vec<DrawCommand>) {
        match paint {
            FeaturePaint::Nothing => {}
            FeaturePaint::Fill(style) => {
                let mut style = style.clone();
                style.perspective = self.perspective(style.antialias);
                out.push(DrawCommand::Fill { rings: self.projector.rings(&feature.geometry), style, clip })
            }
            FeaturePaint::PatternFill { image, antialias, outline, opacity } => {
                out.extend(self.pattern_fill(feature, image, *antialias, outline, *opacity, clip))
            }
            FeaturePaint::Line(line) => out.extend(self.line(feature, line, clip)),
            FeaturePaint::Circle(circle) => self.circle(feature, circle, out),
        }
    }

    fn pattern_fill(
        &mut self,
        feature: &Feature,
        name: &str,
        antialias: bool,
        outline: &PatternOutline,
        opacity: f32,
        clip: Option<ClipQuad>,
    ) -> Option<DrawCommand> {
        // A missing image draws nothing (MapLibre skips the feature).
        let image = self.pattern(name)?;
        let pattern = pattern_paint(image, self.view, self.shift_world, opacity)?;
        Some(DrawCommand::PatternFill {
            rings: self.projector.rings(&feature.geometry),
            style: Box::new(PatternFillStyle { pattern, antialias, outline: outline.clone(), perspective: self.perspective(antialias) }),
            clip,
        })
    }

    fn line(&mut self, feature: &Feature, paint: &LinePaint, clip: Option<ClipQuad>) -> Option<DrawCommand> {
        // MapLibre extrudes lines on the ground, so under pitch a line is
        // thinner where the ground is farther: pitched lines are drawn on the
        // ground plane (sizes at the unpitched scale); `near` is how much
        // wider than that the line can appear on screen (the largest 1/w).
        let r = self.ratio;
        let (ground, near) = if self.pitch > 0.0 {
            let units = self.tile_px * f64::from(r) / f64::from(self.projector.extent().max(1));
            let near = feature.geometry.iter().flatten().map(|pt| self.projector.w(*pt)).fold(1.0f32, |a, w| {
                if w > 1e-3 {
                    a.max(1.0 / w)
                } else {
                    f32::INFINITY
                }
            });
            (Some((self.projector.ground_map(units)?, units)), near)
        } else {
            (None, 1.0)
        };
        // line-pattern is drawn instead of the colour, the gradient and the
        // dashes; a feature whose image is missing draws nothing.
        let pattern = match &paint.pattern {
            Some(name) => Some(self.pattern(name)?),
            None => None,
        };
        // line-gradient needs line progress: GeoJSON lines with lineMetrics.
        let clip_at = |k: &str| match feature.properties.get(k) {
            Some(Value::Number(n)) if n.is_finite() => Some(*n as f32),
            _ => None,
        };
        let fractions = match (clip_at(CLIP_START), clip_at(CLIP_END)) {
            (Some(a), Some(b)) => Some([a, b]),
            _ => None,
        };
        let zoom = self.view.transform.zoom;
        // Without clip fractions MapLibre Native's progress is the distance
        // in tile units (extent 8192) over 2^15.
        let per_px = (8192.0 / 32768.0 / (self.tile_px * f64::from(self.ratio))) as f32;
        let gradient = match pattern {
            Some(_) => None,
            None => self.gradient_ramp(Some(zoom)).map(|ramp| LineGradient { ramp, clip: fractions, per_px }),
        };
        let width = paint.width * r;
        if width <= 0.0 {
            return None;
        }
        let gap_width = paint.gap_width * r;
        let offset = paint.offset * r;
        let blur = paint.blur * r;
        let miter_limit = paint.miter_limit;
        if self.reach.is_none() && !self.on_screen(feature, near * line_reach(width, gap_width, offset, blur, miter_limit)) {
            return None;
        }
        // MapLibre lays dashes out in the units of the tiles' integer zoom:
        // one period is sum(dasharray) x the width at that zoom ("floorwidth"),
        // then scaled with the tiles by 2^(zoom - tile zoom).
        let tile_zoom = zoom.floor();
        let (corner_split, corner_grid) = self.corners;
        let dasharray = &paint.dasharray;
        let dash_unit = if dasharray.is_empty() { 0.0 } else { (paint.floor_width * r).max(r) * (zoom - tile_zoom).exp2() as f32 };
        let dasharray = (!dasharray.is_empty() && dasharray.iter().any(|d| *d > 0.0))
            .then(|| dasharray.iter().map(|d| d * dash_unit).collect());
        // MapLibre Native's line_pattern: the image at its display size, its
        // width scaled with the tiles like dashes, centred across the line
        // out to half its height + 1 px.
        let pattern = pattern.map(|(image, image_ratio)| {
            let (w, h) = (image.width as f32 / image_ratio, image.height as f32 / image_ratio);
            let along = r * (zoom - tile_zoom).exp2() as f32;
            let distance_step = (2.0 * self.tile_px / 8192.0) as f32 * r;
            LinePattern { period: w * along, height: h * r, reach: (h + 2.0) / 2.0 * r, corner_split, distance_step, image }
        });
        Some(DrawCommand::Line {
            lines: match ground {
                Some((_, units)) => self.projector.ground_lines(&feature.geometry, units),
                None => self.projector.lines(&feature.geometry),
            },
            style: LineStyle {
                color: paint.color,
                width,
                gap_width,
                offset,
                blur,
                join: paint.join,
                cap: paint.cap,
                miter_limit,
                round_limit: paint.round_limit,
                dasharray,
                // MapLibre's line_sdf gamma: the cross-faded patterns are at
                // scales (0.5, 1) at integer zooms, (2, 1) at fractional ones.
                dash_fade: if zoom > tile_zoom { 0.5 * (zoom - tile_zoom).exp2() as f32 } else { 1.0 },
                dash_corner_split: corner_split,
                dash_distance_step: (2.0 * self.tile_px / 8192.0) as f32 * r,
                corner_grid,
                gradient: gradient.map(Box::new),
                pattern: pattern.map(Box::new),
                ground: ground.map(|(g, _)| Box::new(g)),
            },
            // On the ground the tile's square is cut there (see `ground_map`).
            clip: if ground.is_some() { None } else { clip },
        })
    }

    fn circle(&self, feature: &Feature, paint: &CirclePaint, out: &mut Vec<DrawCommand>) {
        let r = self.ratio;
        let pitched = self.pitch > 0.0;
        let flat = pitched && paint.pitch_align_map;
        let style = CircleStyle {
            color: paint.color,
            radius: paint.radius * r,
            blur: paint.blur,
            stroke_width: paint.stroke_width * r,
            stroke_color: paint.stroke_color,
            // Circles aligned with the map lie on the tilted ground plane.
            scale: if flat { [1.0, self.pitch.to_radians().cos() as f32] } else { [1.0, 1.0] },
        };
        if style.radius + style.stroke_width <= 0.0 || (style.color.a <= 0.0 && style.stroke_color.a <= 0.0) {
            return;
        }
        // Unpitched circles keep their size: cull those far off screen.
        if !pitched && self.reach.is_none() && !self.on_screen(feature, circle_reach(style.radius, style.stroke_width, style.blur)) {
            return;
        }
        // Like MapLibre, a circle belongs to the tile holding its centre (points
        // in the tile's buffer are drawn by their own tile when it is in
        // view) and is not clipped.
        let points = feature.geometry.iter().flatten().filter(|p| self.draws_point(**p) && self.projector.in_front(**p));
        // pitch-scale "map": farther circles are smaller (by the perspective
        // divisor at their centre), so each circle gets its own size. Like
        // MapLibre's shader, the antialiasing ramp stays 1 / (radius +
        // stroke) of the unscaled circle: it shrinks with the circle (the
        // scale, not the radius, carries the perspective).
        if pitched && paint.pitch_scale_map {
            out.extend(points.map(|pt| {
                let k = 1.0 / self.projector.w(*pt).max(1e-3);
                let style = CircleStyle { scale: [style.scale[0] * k, style.scale[1] * k], ..style.clone() };
                DrawCommand::Circle { centers: vec![self.projector.point(*pt)], style, clip: None }
            }));
            return;
        }
        let centers = points.map(|pt| self.projector.point(*pt)).collect();
        out.push(DrawCommand::Circle { centers, style, clip: None });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::image::StyleImage;
    use crate::source::cover::CoveredTile;
    use crate::source::feature::{TileData, TileId};
    use std::sync::Arc;

    struct Images(Option<StyleImage>);

    impl TileLookup for Images {
        fn tile(&self, _: &str, _: TileId) -> Option<Arc<TileData>> {
            None
        }
        fn cover(&self, _: &str) -> Vec<CoveredTile> {
            vec![]
        }
        fn image(&self, id: &str) -> Option<&StyleImage> {
            self.0.as_ref().filter(|_| id == "dots")
        }
    }

    fn image(pixel_ratio: f32) -> StyleImage {
        StyleImage { width: 4, height: 2, pixel_ratio, sdf: false, rgba: Arc::new(vec![255; 4 * 2 * 4]), stretch: Default::default() }
    }

    fn view(lng: f64, zoom: f64, ratio: f32) -> View {
        let mut transform = Transform::new(64.0, 64.0);
        transform.set_camera(lng, 0.0, zoom, 0.0, 0.0);
        View { transform, pixel_ratio: ratio, width: (64.0 * ratio) as u32, height: (64.0 * ratio) as u32 }
    }

    fn background(json: serde_json::Value) -> Layer {
        Layer::parse(&json, "layers[0]", &mut vec![]).unwrap()
    }

    fn texel(m: &[[f64; 3]; 3], x: f64, y: f64) -> [f64; 2] {
        let w = m[2][0] * x + m[2][1] * y + m[2][2];
        [(m[0][0] * x + m[0][1] * y + m[0][2]) / w, (m[1][0] * x + m[1][1] * y + m[1][2]) / w]
    }

    #[test]
    fn background_pattern_needs_its_image_and_takes_the_opacity() {
        let layer = background(serde_json::json!({
            "id": "bg", "type": "background",
            "paint": {"background-pattern": "dots", "background-opacity": 0.25, "background-color": "red"}
        }));
        let v = view(0.0, 2.0, 1.0);
        assert_eq!(super::background(&layer, &v, &Images(None)), None, "a missing image draws nothing");
        match super::background(&layer, &v, &Images(Some(image(1.0)))) {
            Some(DrawCommand::BackgroundPattern { pattern }) => {
                assert_eq!(pattern.opacity, 0.25);
                assert_eq!((pattern.image.width, pattern.image.height), (4, 2));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn patterns_are_anchored_to_the_world_at_the_tile_zoom() {
        // Zoom 2, centre at lng 0: world pixel 1024 (a multiple of every
        // pattern size) is at the screen centre, so texel 0 is there.
        let v = view(0.0, 2.0, 1.0);
        let m = pattern_matrix(&v.transform, 1.0, 1.0, [0.0, 0.0]).unwrap();
        let t = texel(&m, 32.0, 32.0);
        assert!((t[0] - 1024.0).abs() < 1e-6 && (t[1] - 1024.0).abs() < 1e-6, "{t:?}");
        // One device pixel right is one texel right.
        let t1 = texel(&m, 33.0, 32.0);
        assert!((t1[0] - t[0] - 1.0).abs() < 1e-9);
        // Device pixel ratio 2 with a @2x image: still one texel per device pixel.
        let v2 = view(0.0, 2.0, 2.0);
        let m2 = pattern_matrix(&v2.transform, 2.0, 2.0, [0.0, 0.0]).unwrap();
        let d = texel(&m2, 65.0, 64.0)[0] - texel(&m2, 64.0, 64.0)[0];
        assert!((d - 1.0).abs() < 1e-9, "{d}");
        // A @1x image on a 2x screen: two device pixels per texel.
        let m3 = pattern_matrix(&v2.transform, 2.0, 1.0, [0.0, 0.0]).unwrap();
        let d = texel(&m3, 65.0, 64.0)[0] - texel(&m3, 64.0, 64.0)[0];
        assert!((d - 0.5).abs() < 1e-9, "{d}");
        // Half a zoom level up the pattern grows with the map (tile zoom 2).
        let vh = view(0.0, 2.5, 1.0);
        let mh = pattern_matrix(&vh.transform, 1.0, 1.0, [0.0, 0.0]).unwrap();
        let d = texel(&mh, 33.0, 32.0)[0] - texel(&mh, 32.0, 32.0)[0];
        assert!((d - 0.5f64.exp2().recip()).abs() < 1e-9, "{d}");
        // Moving the map moves the pattern with it: the same world point keeps its texel.
        let world_px = 360.0 / 2048.0; // degrees per world pixel at zoom 2
        let moved = view(world_px * 3.0, 2.0, 1.0);
        let mm = pattern_matrix(&moved.transform, 1.0, 1.0, [0.0, 0.0]).unwrap();
        let t = texel(&mm, 29.0, 32.0);
        assert!((t[0] - 1024.0).abs() < 1e-6, "{t:?}");
        // A translate moves the pattern with the geometry.
        let ms = pattern_matrix(&v.transform, 1.0, 1.0, [5.0, 0.0]).unwrap();
        let t = texel(&ms, 37.0, 32.0);
        assert!((t[0] - 1024.0).abs() < 1e-6, "{t:?}");
    }

    #[test]
    fn layers_with_feature_independent_sizes_cull_before_evaluation() {
        let layer = |j: serde_json::Value| Layer::parse(&j, "layers[0]", &mut vec![]).unwrap();
        let v = view(0.0, 2.0, 2.0);
        let fill = layer(serde_json::json!({"id": "f", "type": "fill", "source": "s"}));
        assert_eq!(layer_reach(&fill, &v), Some(FILL_REACH));
        // 4 px wide at ratio 2: 8 px, a bevel bound of 2 x 8 plus antialiasing.
        let line = layer(serde_json::json!({"id": "l", "type": "line", "source": "s", "paint": {"line-width": 4}}));
        assert_eq!(layer_reach(&line, &v), Some(line_reach(8.0, 0.0, 0.0, 0.0, 2.0)));
        assert!(layer_reach(&line, &v).unwrap() >= 16.0);
        // A data-driven width is only known per feature; pitch makes sizes per feature.
        let dd = layer(serde_json::json!({"id": "l", "type": "line", "source": "s",
            "paint": {"line-width": ["get", "w"]}}));
        assert_eq!(layer_reach(&dd, &v), None);
        let mut pitched = view(0.0, 2.0, 2.0);
        pitched.transform.set_camera(0.0, 0.0, 2.0, 0.0, 30.0);
        assert_eq!(layer_reach(&line, &pitched), None);
        let circle = layer(serde_json::json!({"id": "c", "type": "circle", "source": "s",
            "paint": {"circle-radius": 10, "circle-stroke-width": 2, "circle-blur": 1}}));
        assert_eq!(layer_reach(&circle, &v), Some(circle_reach(20.0, 4.0, 1.0)));
        assert!(circle_reach(20.0, 4.0, 1.0) >= 48.0);
    }
}
