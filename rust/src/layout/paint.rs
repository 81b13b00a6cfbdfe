//! Evaluates a layer's paint and layout properties for one feature and
//! makes its draw command.

use crate::render::display_list::{
    CircleStyle, ClipQuad, DrawCommand, FillStyle, LineCap, LineJoin, LineStyle,
};
use crate::source::feature::Feature;
use crate::style::expression::EvaluationContext;
use crate::style::layer::{Layer, LayerKind};

use super::project::{ground_shift, TileProjector};
use crate::source::cover::CoveredTile;
use super::View;

/// The background layer's command, if it paints anything.
pub fn background(layer: &Layer, zoom: f64) -> Option<DrawCommand> {
    let ctx = EvaluationContext::at_zoom(zoom);
    let color = layer
        .paint
        .get_color("background-color", &ctx)
        .with_opacity(layer.paint.get_f32("background-opacity", &ctx));
    (color.a > 0.0).then_some(DrawCommand::Background { color })
}

/// Paints the features of one layer in one tile.
pub struct LayerPainter<'a> {
    layer: &'a Layer,
    ratio: f32,
    pitch: f64,
    projector: TileProjector,
}

impl<'a> LayerPainter<'a> {
    pub fn new(layer: &'a Layer, view: &View, base: &TileProjector, tile: &CoveredTile) -> LayerPainter<'a> {
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
        LayerPainter { layer, ratio: view.pixel_ratio, pitch: view.transform.pitch, projector: base.translated(shift) }
    }

    /// The commands for one feature (none when it paints nothing).
    pub fn feature(&mut self, feature: &Feature, ctx: &EvaluationContext, clip: Option<ClipQuad>) -> Vec<DrawCommand> {
        let one = match self.layer.kind {
            LayerKind::Fill => self.fill(feature, ctx, clip),
            LayerKind::Line => self.line(feature, ctx, clip),
            LayerKind::Circle => return self.circle(feature, ctx, clip),
            _ => None,
        };
        one.into_iter().collect()
    }

    fn fill(&self, feature: &Feature, ctx: &EvaluationContext, clip: Option<ClipQuad>) -> Option<DrawCommand> {
        let p = &self.layer.paint;
        let opacity = p.get_f32("fill-opacity", ctx);
        let color = p.get_color("fill-color", ctx).with_opacity(opacity);
        let antialias = p.get_bool("fill-antialias", ctx);
        let outline = if antialias {
            Some(p.get_color_opt("fill-outline-color", ctx).unwrap_or(color).with_opacity(opacity))
        } else {
            None
        };
        if color.a <= 0.0 && outline.is_none_or(|o| o.a <= 0.0) {
            return None;
        }
        Some(DrawCommand::Fill {
            rings: self.projector.rings(&feature.geometry),
            style: FillStyle { color, antialias, outline },
            clip,
        })
    }

    fn line(&self, feature: &Feature, ctx: &EvaluationContext, clip: Option<ClipQuad>) -> Option<DrawCommand> {
        let (p, l) = (&self.layer.paint, &self.layer.layout);
        // MapLibre extrudes lines on the ground, so under pitch a line is
        // thinner where the ground is farther (sizes scale by 1/w, the
        // antialiasing ramp stays 1 px). One size per feature: the mean scale
        // over its vertices.
        let r = if self.pitch > 0.0 {
            let (mut sum, mut n) = (0.0f64, 0usize);
            for pt in feature.geometry.iter().flatten() {
                let w = self.projector.w(*pt);
                if w > 1e-3 {
                    sum += 1.0 / f64::from(w);
                    n += 1;
                }
            }
            if n > 0 {
                self.ratio * (sum / n as f64) as f32
            } else {
                self.ratio
            }
        } else {
            self.ratio
        };
        let color = p.get_color("line-color", ctx).with_opacity(p.get_f32("line-opacity", ctx));
        let width = p.get_f32("line-width", ctx) * r;
        if color.a <= 0.0 || width <= 0.0 {
            return None;
        }
        let dasharray = p.get_f32_array("line-dasharray", ctx);
        // MapLibre lays dashes out in the units of the tiles' integer zoom:
        // one period is sum(dasharray) x the width at that zoom ("floorwidth"),
        // then scaled with the tiles by 2^(zoom - tile zoom).
        let zoom = ctx.zoom.unwrap_or(0.0);
        let tile_zoom = zoom.floor();
        let dash_unit = if dasharray.is_empty() {
            0.0
        } else {
            let floor_ctx = EvaluationContext { zoom: Some(tile_zoom), ..*ctx };
            let floor_width = p.get_f32("line-width", &floor_ctx) * r;
            floor_width.max(r) * (zoom - tile_zoom).exp2() as f32
        };
        let dasharray = (!dasharray.is_empty() && dasharray.iter().any(|d| *d > 0.0))
            .then(|| dasharray.iter().map(|d| d * dash_unit).collect());
        let join = match l.get_enum("line-join", ctx) {
            "bevel" => LineJoin::Bevel,
            "round" => LineJoin::Round,
            _ => LineJoin::Miter,
        };
        let cap = match l.get_enum("line-cap", ctx) {
            "round" => LineCap::Round,
            "square" => LineCap::Square,
            _ => LineCap::Butt,
        };
        Some(DrawCommand::Line {
            lines: self.projector.lines(&feature.geometry),
            style: LineStyle {
                color,
                width,
                gap_width: p.get_f32("line-gap-width", ctx) * r,
                offset: p.get_f32("line-offset", ctx) * r,
                blur: p.get_f32("line-blur", ctx) * r,
                join,
                cap,
                miter_limit: l.get_f32("line-miter-limit", ctx),
                round_limit: l.get_f32("line-round-limit", ctx),
                dasharray,
            },
            clip,
        })
    }

    fn circle(&self, feature: &Feature, ctx: &EvaluationContext, clip: Option<ClipQuad>) -> Vec<DrawCommand> {
        let (p, r) = (&self.layer.paint, self.ratio);
        let opacity = p.get_f32("circle-opacity", ctx);
        let pitched = self.pitch > 0.0;
        let flat = pitched && p.get_enum("circle-pitch-alignment", ctx) == "map";
        let style = CircleStyle {
            color: p.get_color("circle-color", ctx).with_opacity(opacity),
            radius: p.get_f32("circle-radius", ctx) * r,
            blur: p.get_f32("circle-blur", ctx),
            stroke_width: p.get_f32("circle-stroke-width", ctx) * r,
            stroke_color: p
                .get_color("circle-stroke-color", ctx)
                .with_opacity(p.get_f32("circle-stroke-opacity", ctx)),
            // Circles aligned with the map lie on the tilted ground plane.
            scale: if flat { [1.0, self.pitch.to_radians().cos() as f32] } else { [1.0, 1.0] },
        };
        if style.radius + style.stroke_width <= 0.0 || (style.color.a <= 0.0 && style.stroke_color.a <= 0.0) {
            return vec![];
        }
        // Like MapLibre, a circle belongs to the tile holding its centre (points
        // in the tile's buffer are drawn by their own tile) and is not clipped.
        let extent = self.projector.extent() as i32;
        let points = feature
            .geometry
            .iter()
            .flatten()
            .filter(|p| p.x >= 0 && p.x < extent && p.y >= 0 && p.y < extent && self.projector.in_front(**p));
        let clip: Option<ClipQuad> = clip.and(None);
        // pitch-scale "map": farther circles are smaller (by the perspective
        // divisor at their centre), so each circle gets its own size.
        if pitched && p.get_enum("circle-pitch-scale", ctx) == "map" {
            return points
                .map(|pt| {
                    let k = 1.0 / self.projector.w(*pt).max(1e-3);
                    let style = CircleStyle { radius: style.radius * k, stroke_width: style.stroke_width * k, ..style.clone() };
                    DrawCommand::Circle { centers: vec![self.projector.point(*pt)], style, clip: clip.clone() }
                })
                .collect();
        }
        let centers = points.map(|pt| self.projector.point(*pt)).collect();
        vec![DrawCommand::Circle { centers, style, clip }]
    }
}
