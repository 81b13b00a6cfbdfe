//! Fill painter: each polygon (exterior + holes) is filled with the even-odd
//! rule; the optional outline is a 1 px stroke along every ring of the
//! feature, filled once (one path, overlapping fringes summed like MapLibre's
//! separately blended outline line pieces), composited after the fill like
//! MapLibre's fill-outline pass. The outline is stroked once per display
//! list ([`outline_of`], in the rasterizer's preparation), not per band or
//! frame.

use super::backend::{Canvas, Rule};
use super::band_path::BandPath;
use super::display_list::{FillStyle, PatternFillStyle, PatternOutline};
use super::composite::Premul;
use super::outline::{draw_outline, Target};
use super::pattern::PatternShader;
use super::display_list::{LineCap, LineJoin};
use super::geom::{clean_polyline, meets, FillPart};
use super::display_list::Px;
use super::stroke::{StrokeParams, Stroked, Stroker};

/// Reusable buffers for the fill painter.
#[derive(Default)]
pub(crate) struct FillScratch {
    clean: Vec<[f32; 2]>,
    stroker: Stroker,
}

/// Draws one fill command into a band whose rows are `rows` (absolute top
/// and bottom). Polygons and rings not meeting `rows` are skipped.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_fill<C: Canvas>(
    canvas: &mut C,
    bp: &mut BandPath,
    part: &FillPart,
    style: &FillStyle,
    rows: [f32; 2],
    clip: Option<&C::Clip>,
) {
    // With `perspective` the fill is drawn as MapLibre draws it: an aliased
    // body under GL-line outlines (see `outline`).
    let antialias = style.antialias && style.perspective.is_none();
    if style.color.a > 0.0 {
        for poly in part.polygons.iter().filter(|p| meets(p.y, rows)) {
            bp.clear();
            for ring in &part.rings[poly.rings.clone()] {
                bp.add_ring(ring);
            }
            canvas.fill_path(bp, Rule::EvenOdd, antialias, style.color, clip);
        }
    }
    let Some(outline) = style.outline else { return };
    if outline.a.is_nan() || outline.a <= 0.0 {
        return;
    }
    if let Some(near) = style.perspective {
        let color = Premul::from_color(outline);
        perspective_outline(canvas, bp, part, rows, clip, near, |_, _| color);
        return;
    }
    if outline_path(bp, part) {
        canvas.fill_path(bp, Rule::Summed, true, outline, clip);
    }
}

/// Draws one pattern fill command (see [`draw_fill`]); the outline, if
/// any, is drawn with the pattern or in its own colour, like MapLibre's
/// `fillOutlinePattern` / `fillOutline` passes.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_pattern_fill<C: Canvas>(
    canvas: &mut C,
    bp: &mut BandPath,
    part: &FillPart,
    style: &PatternFillStyle,
    rows: [f32; 2],
    clip: Option<&C::Clip>,
) {
    let shader = PatternShader::new(&style.pattern);
    let antialias = style.antialias && style.perspective.is_none();
    if let Some(shader) = &shader {
        for poly in part.polygons.iter().filter(|p| meets(p.y, rows)) {
            bp.clear();
            for ring in &part.rings[poly.rings.clone()] {
                bp.add_ring(ring);
            }
            canvas.fill_path_pattern(bp, Rule::EvenOdd, antialias, shader, clip);
        }
    }
    if let Some(near) = style.perspective {
        match (&style.outline, &shader) {
            (PatternOutline::Pattern, Some(shader)) => {
                let texel = |x: usize, y: usize| {
                    let [r, g, b, a] = shader.sample(x, y).to_le_bytes().map(|v| f32::from(v) / 255.0);
                    Premul { r, g, b, a }
                };
                perspective_outline(canvas, bp, part, rows, clip, near, texel);
            }
            (PatternOutline::Color(c), _) => {
                let color = Premul::from_color(*c);
                perspective_outline(canvas, bp, part, rows, clip, near, |_, _| color);
            }
            _ => {}
        }
        return;
    }
    match &style.outline {
        PatternOutline::None => {}
        PatternOutline::Pattern => {
            if let Some(shader) = &shader {
                if outline_path(bp, part) {
                    canvas.fill_path_pattern(bp, Rule::Summed, true, shader, clip);
                }
            }
        }
        PatternOutline::Color(c) => {
            if c.a > 0.0 && outline_path(bp, part) {
                canvas.fill_path(bp, Rule::Summed, true, *c, clip);
            }
        }
    }
}

/// A fill's outline as MapLibre's GL lines (see `outline`), painted by `paint`.
fn perspective_outline<C: Canvas, F: Fn(usize, usize) -> Premul>(
    canvas: &mut C,
    bp: &BandPath,
    part: &FillPart,
    rows: [f32; 2],
    clip: Option<&C::Clip>,
    near: [f64; 3],
    paint: F,
) {
    let rect = bp.clip_rect();
    let mask = clip.map(C::clip_coverage);
    let (width, top) = (canvas.width() as usize, rows[0] as u32);
    let pixels = canvas.pixels_mut();
    let target = Target { width, top, rows: pixels.len() / 4 / width.max(1), mask, rect: Some(rect) };
    for poly in part.polygons.iter().filter(|p| meets(p.y, rows)) {
        draw_outline(pixels, &target, &part.rings[poly.rings.clone()], near, &paint);
    }
}

/// The feature's outline (see [`outline_of`]) into `bp`; false when none.
fn outline_path(bp: &mut BandPath, part: &FillPart) -> bool {
    let Some(outline) = part.outline else { return false };
    bp.clear();
    outline.add_to(bp);
    true
}

/// The 1 px outline of every ring of a fill feature: one path whose
/// contours are filled with the `Summed` rule in each band they meet.
pub(crate) fn outline_of(rings: &[Vec<Px>], scratch: &mut FillScratch) -> Option<Stroked> {
    let stroker = &mut scratch.stroker;
    stroker.begin();
    for ring in rings {
        clean_polyline(ring, &mut scratch.clean);
        let mut pts = &scratch.clean[..];
        if pts.len() > 1 && pts.first() == pts.last() {
            pts = &pts[..pts.len() - 1];
        }
        stroker.add_polyline(pts, true);
    }
    let params = StrokeParams { width: 1.0, cap: LineCap::Butt, join: LineJoin::Bevel, miter_limit: 2.0, dash: None };
    stroker.stroke(&params)
}
