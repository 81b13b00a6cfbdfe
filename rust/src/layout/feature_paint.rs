//! A feature's paint (and line layout) evaluated at one zoom, before it meets
//! the view: every value its draw command is made from that depends only on
//! the zoom, the feature and its state. Sizes are in CSS pixels (the view's
//! pixel ratio and pitch scale them when the command is made), images are
//! names (looked up per frame). Evaluated per frame, or once per zoom and
//! kept with the tile's layout (`tile_layout`).

use crate::render::display_list::{FillStyle, LineCap, LineJoin, PatternOutline};
use crate::style::color::Color;
use crate::style::expression::EvaluationContext;
use crate::style::layer::{Layer, LayerKind};

/// What one feature of a fill, line or circle layer paints.
#[derive(Clone, Debug, PartialEq)]
pub enum FeaturePaint {
    /// Draws nothing (transparent, or a pattern without an image name).
    Nothing,
    Fill(FillStyle),
    PatternFill { image: String, antialias: bool, outline: PatternOutline, opacity: f32 },
    Line(LinePaint),
    Circle(CirclePaint),
}

#[derive(Clone, Debug, PartialEq)]
pub struct LinePaint {
    /// Opacity applied; white when the layer has a `line-gradient` or a
    /// `line-pattern`.
    pub color: Color,
    pub width: f32,
    pub gap_width: f32,
    pub offset: f32,
    pub blur: f32,
    pub miter_limit: f32,
    pub round_limit: f32,
    pub dasharray: Vec<f32>,
    /// `line-width` at the tiles' integer zoom (dash lengths; 0 without dashes).
    pub floor_width: f32,
    pub join: LineJoin,
    pub cap: LineCap,
    /// The `line-pattern` image's name (drawn instead of the colour, the
    /// gradient and the dashes).
    pub pattern: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CirclePaint {
    /// Opacity applied.
    pub color: Color,
    pub radius: f32,
    pub blur: f32,
    pub stroke_width: f32,
    /// Stroke opacity applied.
    pub stroke_color: Color,
    /// `circle-pitch-alignment` is "map".
    pub pitch_align_map: bool,
    /// `circle-pitch-scale` is "map".
    pub pitch_scale_map: bool,
}

/// Evaluates `layer`'s paint for the feature (and zoom, state) of `ctx`.
pub fn evaluate(layer: &Layer, ctx: &EvaluationContext) -> FeaturePaint {
    match layer.kind {
        LayerKind::Fill => fill(layer, ctx),
        LayerKind::Line => line(layer, ctx),
        LayerKind::Circle => circle(layer, ctx),
        _ => FeaturePaint::Nothing,
    }
}

fn fill(layer: &Layer, ctx: &EvaluationContext) -> FeaturePaint {
    let p = &layer.paint;
    let opacity = p.get_f32("fill-opacity", ctx);
    let antialias = p.get_bool("fill-antialias", ctx);
    if p.get("fill-pattern").is_some() {
        // A feature whose image is unnamed draws nothing.
        let Some(image) = p.get_image("fill-pattern", ctx) else { return FeaturePaint::Nothing };
        let outline = match (antialias, p.get_color_opt("fill-outline-color", ctx)) {
            (false, _) => PatternOutline::None,
            (true, None) => PatternOutline::Pattern,
            (true, Some(c)) => PatternOutline::Color(c.with_opacity(opacity)),
        };
        return FeaturePaint::PatternFill { image, antialias, outline, opacity };
    }
    let color = p.get_color("fill-color", ctx).with_opacity(opacity);
    let outline = if antialias {
        Some(p.get_color_opt("fill-outline-color", ctx).unwrap_or(color).with_opacity(opacity))
    } else {
        None
    };
    if color.a <= 0.0 && outline.map_or(true, |o| o.a <= 0.0) {
        return FeaturePaint::Nothing;
    }
    FeaturePaint::Fill(FillStyle { color, antialias, outline, perspective: None })
}

fn line(layer: &Layer, ctx: &EvaluationContext) -> FeaturePaint {
    let (p, l) = (&layer.paint, &layer.layout);
    let opacity = p.get_f32("line-opacity", ctx);
    // A feature whose pattern image is unnamed draws nothing.
    let pattern = match p.get("line-pattern") {
        Some(_) => match p.get_image("line-pattern", ctx) {
            Some(name) => Some(name),
            None => return FeaturePaint::Nothing,
        },
        None => None,
    };
    let color = match (&pattern, p.get("line-gradient")) {
        (None, None) => p.get_color("line-color", ctx).with_opacity(opacity),
        _ => Color::new(1.0, 1.0, 1.0, 1.0).with_opacity(opacity),
    };
    let width = p.get_f32("line-width", ctx);
    if color.a <= 0.0 || width <= 0.0 {
        return FeaturePaint::Nothing;
    }
    let dasharray = if pattern.is_some() { vec![] } else { p.get_f32_array("line-dasharray", ctx) };
    let floor_width = if dasharray.is_empty() {
        0.0
    } else {
        let floor_ctx = EvaluationContext { zoom: Some(ctx.zoom.unwrap_or(0.0).floor()), ..*ctx };
        p.get_f32("line-width", &floor_ctx)
    };
    FeaturePaint::Line(LinePaint {
        color,
        width,
        gap_width: p.get_f32("line-gap-width", ctx),
        offset: p.get_f32("line-offset", ctx),
        blur: p.get_f32("line-blur", ctx),
        miter_limit: l.get_f32("line-miter-limit", ctx),
        round_limit: l.get_f32("line-round-limit", ctx),
        dasharray,
        floor_width,
        join: match l.get_enum("line-join", ctx) {
            "bevel" => LineJoin::Bevel,
            "round" => LineJoin::Round,
            _ => LineJoin::Miter,
        },
        cap: match l.get_enum("line-cap", ctx) {
            "round" => LineCap::Round,
            "square" => LineCap::Square,
            _ => LineCap::Butt,
        },
        pattern,
    })
}

fn circle(layer: &Layer, ctx: &EvaluationContext) -> FeaturePaint {
    let p = &layer.paint;
    let opacity = p.get_f32("circle-opacity", ctx);
    FeaturePaint::Circle(CirclePaint {
        color: p.get_color("circle-color", ctx).with_opacity(opacity),
        radius: p.get_f32("circle-radius", ctx),
        blur: p.get_f32("circle-blur", ctx),
        stroke_width: p.get_f32("circle-stroke-width", ctx),
        stroke_color: p.get_color("circle-stroke-color", ctx).with_opacity(p.get_f32("circle-stroke-opacity", ctx)),
        pitch_align_map: p.get_enum("circle-pitch-alignment", ctx) == "map",
        pitch_scale_map: p.get_enum("circle-pitch-scale", ctx) == "map",
    })
}

/// Whether any of `layer`'s paint or layout values reads `feature-state`
/// (its evaluated paint then changes with the map's feature state).
pub fn reads_feature_state(layer: &Layer) -> bool {
    [&layer.paint, &layer.layout].iter().any(|set| {
        set.set_names().any(|name| {
            matches!(set.get(name), Some(crate::style::property::PropertyValue::Expression(e)) if e.is_state_dependent())
        })
    })
}

/// Whether none of `layer`'s paint and layout values reads the feature (or
/// its state): every feature then paints the same at a given zoom.
pub fn is_feature_constant(layer: &Layer) -> bool {
    [&layer.paint, &layer.layout].iter().all(|set| set.set_names().all(|name| set.is_feature_constant(name)))
}
