//! Line painter: draws the geometry MapLibre GL builds for a line, per pixel
//! (pixel centres, like GL's rasterizer), with GL's shader alpha.
//!
//! * Each segment is a quad whose ends lie on the segment's two edge lines at
//!   `outset` = half width + 0.5 px (gap lines: gap/2 + width + 0.5) from the
//!   (offset) centre line, drawn as GL's two triangles. Alpha follows the
//!   distance to the centre line: opaque up to `outset - 1 - blur`, linear to
//!   0 at `outset` (and the inner ramp of gap lines). Butt ends are sharp.
//! * Joins as MapLibre builds them: miter (shared miter points) below the
//!   miter limit (1.05 for bevel joins); bevel (inner miter point + a bevel
//!   triangle whose normal runs from the corners to the inner point); past a
//!   miter length of 2 a "flip bevel" (both quads end on the line through the
//!   vertex along the mean direction); round joins and caps as round pieces
//!   past the vertex (distance to the vertex); square caps push the quad out
//!   by `outset`.
//! * Like GL, every triangle/piece blends on its own: where a feature's
//!   geometry overlaps itself (joins, folded short segments, crossings) the
//!   colour composites again. Coverage accumulates `1 - prod(1 - a_i)` of the
//!   colour's opacity, then the feature is composited once.
//! * Dashes: the period comes from the layout (tile-zoom units); dash ends
//!   fade by a smoothstep over +-`dash_fade` px like MapLibre's distance-field
//!   atlas.
//! * `offset`: each polyline is offset first (miter-direction vertices).
//! * `line-gradient`: a second instance of the painter (a const generic, so
//!   lines without a gradient run the same code as before) also records per
//!   pixel the line progress of the piece that covers it last (its projection
//!   on the segment, progress linear along each line between the feature's
//!   clip fractions), and composites the ramp's colour there.
//!
//! One file per stage: `corners` (vertices added near sharp corners),
//! `join` (how segments meet), `segments` (segments, their quads, built in
//! bounded chunks), `pixels` (the per-pixel loops and the composite),
//! `paint` (gradient ramp and pattern sampling).

mod corners;
mod join;
mod paint;
mod pixels;
mod segments;

use super::backend::Canvas;
use super::circle::band_limits;
use super::composite::Premul;
use super::display_list::LineStyle;
use super::geom::{clean_polyline, meets, offset_polyline, LinePart};
use super::pattern::PatternShader;
use corners::split_sharp_corners;
use paint::{LinePatternShader, Paint};
use pixels::{Pen, Pixels};
use segments::{Along, Chunk, Shaper};

/// Reusable buffers for the line painter (one per worker thread).
#[derive(Default)]
pub(crate) struct LineScratch {
    clean: Vec<[f32; 2]>,
    shifted: Vec<[f32; 2]>,
    /// Pattern lines: the polyline split near sharp corners.
    split: Vec<[f32; 2]>,
    coverage: Vec<f32>,
    /// Line progress per pixel (gradient lines only).
    progress: Vec<f32>,
    /// Premultiplied colour per pixel, every piece composited in (pattern
    /// lines only).
    paint: Vec<[f32; 4]>,
    /// Per band row: the columns [x0, x1) touched (empty when x0 >= x1).
    spans: Vec<(u32, u32)>,
    /// Segments and bevels waiting to be drawn (at most `segments::CHUNK`).
    chunk: Chunk,
}

impl LineScratch {
    /// Bytes held by the per-pixel buffers.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.coverage.capacity() + self.progress.capacity() + 4 * self.paint.capacity()) * 4 + self.spans.capacity() * 8
    }
}

/// Size limit: wider lines look the same as this on any target.
fn limit(v: f32, max: f32) -> f32 {
    if v.is_finite() {
        v.clamp(0.0, max)
    } else {
        0.0
    }
}

/// Normalized dash pattern (even length, non-negative, positive sum).
fn dash_pattern(d: &Option<Vec<f32>>) -> Option<Vec<f32>> {
    let d = d.as_ref()?;
    let mut v: Vec<f32> = d.iter().map(|x| if x.is_finite() { x.max(0.0) } else { 0.0 }).collect();
    if v.is_empty() {
        return None;
    }
    if v.len() % 2 == 1 {
        let copy = v.clone();
        v.extend(copy);
    }
    let sum: f32 = v.iter().sum();
    if !(sum > 0.0 && sum.is_finite()) {
        return None;
    }
    // Every gap empty: a solid line.
    if v.iter().skip(1).step_by(2).all(|g| *g == 0.0) {
        return None;
    }
    Some(v)
}

/// Draws one line feature into a band whose rows are `rows` (absolute top and
/// bottom). Polylines not meeting `rows` are skipped.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_line<C: Canvas>(
    canvas: &mut C,
    top: u32,
    part: &LinePart,
    style: &LineStyle,
    rows: [f32; 2],
    clip: Option<&C::Clip>,
    rect: Option<[i64; 4]>,
    scratch: &mut LineScratch,
) {
    let color = Premul::from_color(style.color);
    if color.a <= 0.0 {
        return;
    }
    let max = 4.0 * (canvas.width() + canvas.height() + top) as f32 + 64.0;
    let width = limit(style.width, max);
    if width <= 0.0 {
        return;
    }
    let gap = limit(style.gap_width, max);
    let offset = if style.offset.is_finite() { style.offset.clamp(-max, max) } else { 0.0 };
    let blur = limit(style.blur, max);
    // MapLibre's gradient and pattern lines have no dashes.
    let plain = style.gradient.is_none() && style.pattern.is_none();
    let mut dash = if plain { dash_pattern(&style.dasharray) } else { None };
    let mut color_scale = 1.0;
    if let Some(d) = &dash {
        // Patterns far finer than a pixel over long lines: draw solid with the
        // dashes' average coverage instead of millions of dashes.
        let period: f32 = d.iter().sum();
        let length: f32 = part
            .lines
            .iter()
            .flat_map(|l| l.windows(2))
            .map(|s| ((s[1][0] - s[0][0]).powi(2) + (s[1][1] - s[0][1]).powi(2)).sqrt())
            .filter(|v| v.is_finite())
            .sum();
        if period < 1.0 || length / period > 100_000.0 {
            let on: f32 = d.iter().step_by(2).sum();
            color_scale = on / period;
            dash = None;
        }
    }
    let color = color.scale(color_scale);
    let geom = Geometry { width, gap, offset, blur, dash: dash.as_deref() };
    // Each paint has its own instance of the painter (const generics), so
    // solid lines run the same code as without the others.
    let paint = Paint { gradient: None, pattern: None };
    match (&style.pattern, &style.gradient) {
        (Some(p), _) => {
            // A pattern draws nothing without an image and a period.
            let Some(shader) = PatternShader::for_image(&p.image, 1.0) else { return };
            let ok = |v: f32| v.is_finite() && v > 0.0;
            if !(ok(p.period) && ok(p.height) && ok(p.reach)) {
                return;
            }
            // Across: v_normal.y (-1 .. 1 edge to edge) times the outset, at
            // most the reach, over the image's height, centred.
            let outset = line_outset(width, gap);
            let nonneg = |v: f32| if v.is_finite() { v.max(0.0) } else { 0.0 };
            let (corner_split, distance_step) = (nonneg(p.corner_split), nonneg(p.distance_step));
            let pattern = LinePatternShader { shader, period: p.period, corner_split, distance_step, across: 2.0 * outset.min(p.reach) / p.height };
            let paint = Paint { pattern: Some(&pattern), ..paint };
            match style.ground {
                Some(_) => draw_pixels::<C, false, true, true>(canvas, top, part, rows, style, &geom, color, &paint, clip, rect, scratch),
                None => draw_pixels::<C, false, true, false>(canvas, top, part, rows, style, &geom, color, &paint, clip, rect, scratch),
            }
        }
        (None, Some(g)) => {
            let paint = Paint { gradient: Some(g), ..paint };
            match style.ground {
                Some(_) => draw_pixels::<C, true, false, true>(canvas, top, part, rows, style, &geom, color, &paint, clip, rect, scratch),
                None => draw_pixels::<C, true, false, false>(canvas, top, part, rows, style, &geom, color, &paint, clip, rect, scratch),
            }
        }
        (None, None) => match style.ground {
            Some(_) => draw_pixels::<C, false, false, true>(canvas, top, part, rows, style, &geom, color, &paint, clip, rect, scratch),
            None => draw_pixels::<C, false, false, false>(canvas, top, part, rows, style, &geom, color, &paint, clip, rect, scratch),
        },
    }
}

/// How far the line's quads reach from its centre line (device px).
pub(super) fn line_outset(width: f32, gap: f32) -> f32 {
    let g = gap / 2.0;
    (if g > 0.0 { g + width } else { width / 2.0 }) + 0.5
}

/// Sizes of one line feature, limited (device px), and its dash pattern.
struct Geometry<'a> {
    width: f32,
    gap: f32,
    offset: f32,
    blur: f32,
    dash: Option<&'a [f32]>,
}


/// Per-pixel line (see the module docs); `GRAD`: with `paint.gradient`;
/// `PAT`: with `paint.pattern`; `PERSP`: on the ground (`style.ground`).
#[allow(clippy::too_many_arguments)]
fn draw_pixels<C: Canvas, const GRAD: bool, const PAT: bool, const PERSP: bool>(
    canvas: &mut C,
    top: u32,
    part: &LinePart,
    rows: [f32; 2],
    style: &LineStyle,
    geom: &Geometry,
    color: Premul,
    paint: &Paint,
    clip: Option<&C::Clip>,
    rect: Option<[i64; 4]>,
    scratch: &mut LineScratch,
) {
    let Geometry { width, gap, offset, blur, dash } = *geom;
    let w = canvas.width() as usize;
    let h = canvas.height() as usize;
    let limits = band_limits(rect, w, h, top);
    if limits.0 >= limits.2 || limits.1 >= limits.3 {
        return;
    }
    let g = gap / 2.0;
    let pen = Pen::<GRAD, PAT, PERSP> {
        w,
        limits,
        top: top as f32,
        style,
        paint,
        dash,
        dash_total: dash.map(|d| d.iter().sum()).unwrap_or(0.0),
        dash_fade: if style.dash_fade.is_finite() { style.dash_fade.clamp(1e-3, 64.0) } else { 1.0 },
        ground: if PERSP { style.ground.as_deref() } else { None },
        outset: line_outset(width, gap),
        inset: if g > 0.0 { g + 0.5 } else { f32::NEG_INFINITY },
        blur2: blur + 1.0,
        op: color.a.clamp(1e-6, 1.0),
    };
    let LineScratch { clean, shifted, split, coverage, progress, paint: acc, spans, chunk } = scratch;
    if coverage.len() < w * h {
        coverage.resize(w * h, 0.0);
    }
    if GRAD && progress.len() < w * h {
        progress.resize(w * h, 0.0);
    }
    if PAT && acc.len() < w * h {
        acc.resize(w * h, [0.0; 4]);
    }
    if spans.len() < h {
        spans.resize(h, (u32::MAX, 0));
    }
    let mut px = Pixels {
        cov: &mut coverage[..w * h],
        progress: &mut progress[..if GRAD { w * h } else { 0 }],
        acc: &mut acc[..if PAT { w * h } else { 0 }],
        spans: &mut spans[..h],
        rows: (usize::MAX, 0),
    };
    // The (offset) centre lines cut into segments, drawn chunk by chunk.
    chunk.clear();
    let shaper = Shaper { style, outset: pen.outset, ground: pen.ground };
    for (line, _) in part.lines.iter().zip(part.spans).filter(|(_, sp)| meets(**sp, rows)) {
        clean_polyline(line, clean);
        if clean.len() < 2 {
            continue;
        }
        let closed = clean.len() > 3 && clean.first() == clean.last();
        let mut pts: &[[f32; 2]] = clean;
        if offset != 0.0 {
            let src = if closed { &clean[..clean.len() - 1] } else { &clean[..] };
            offset_polyline(src, offset, closed, shifted);
            if closed {
                if let Some(&f) = shifted.first() {
                    shifted.push(f);
                }
            }
            pts = shifted;
        }
        // Patterns and dashes: MapLibre's line bucket walks a closed line
        // (a polygon's ring) from its last vertex, so the distance at the
        // first vertex is already the closing segment's length (measured
        // before the sharp corners are split).
        let dist = match (closed, pts.len()) {
            (true, k) if (PAT || dash.is_some()) && k > 2 => {
                let (a, b) = (pts[k - 2], pts[0]);
                ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt()
            }
            _ => 0.0f32,
        };
        let corner_split = match (PAT, paint.pattern) {
            (true, Some(pat)) => pat.corner_split,
            _ if dash.is_some() && style.dash_corner_split.is_finite() => style.dash_corner_split.max(0.0),
            _ => 0.0,
        };
        if corner_split > 0.0 {
            split_sharp_corners(pts, closed, corner_split, style.corner_grid, split);
            pts = split;
        }
        if pts.len() < 2 {
            continue;
        }
        let along = match (paint.gradient, paint.pattern) {
            (Some(g), _) if GRAD => Along::gradient(g, dist, pts),
            (_, Some(p)) if PAT => Along::Pattern(p),
            _ if dash.is_some() => {
                let step = style.dash_distance_step;
                Along::Dash { step: if step.is_finite() { step.max(0.0) } else { 0.0 } }
            }
            _ => Along::Distance,
        };
        chunk.add_line(pts, closed, dist, along, &shaper, &mut |c: &mut Chunk| pen.draw(c, &mut px));
    }
    pen.draw(chunk, &mut px);
    pen.composite(canvas, clip, color, &mut px);
}

#[cfg(test)]
mod tests {
    use super::super::backend::{SkiaCanvas, SkiaScratch};
    use super::super::display_list::{LineGradient, LineJoin, LineStyle, Px};
    use super::super::geom::LinePart;
    use super::super::tests::line_style;
    use super::{draw_line, LineScratch};
    use crate::style::color::Color;

    /// `line` drawn on a 96×96 target, its segments drawn `limit` at a time.
    fn paint(line: &[Px], style: &LineStyle, limit: usize) -> Vec<u8> {
        let (w, h) = (96u32, 96u32);
        let mut data = vec![0u8; (w * h * 4) as usize];
        let mut canvas = SkiaCanvas::new(&mut data, w, h, 0, SkiaScratch::default()).expect("canvas");
        let lines = vec![line.to_vec()];
        let spans = [[f32::NEG_INFINITY, f32::INFINITY]];
        let part = LinePart { lines: &lines, spans: &spans };
        let mut scratch = LineScratch::default();
        scratch.chunk.limit = limit;
        draw_line(&mut canvas, 0, &part, style, [0.0, h as f32], None, None, &mut scratch);
        drop(canvas);
        data
    }

    #[test]
    fn a_line_drawn_in_chunks_draws_as_one_batch() {
        // A closed ring of 40,000 short segments zigzagging (bevel joins on
        // every vertex): drawn 16,384 segments at a time (the painter's
        // chunk) and 1,000 at a time, it is the image of one batch, solid,
        // dashed and with a gradient.
        let n = 40_000;
        let mut ring: Vec<Px> = (0..n)
            .map(|i| {
                let a = i as f32 / n as f32 * std::f32::consts::TAU;
                let r = if i % 2 == 0 { 40.0 } else { 25.0 };
                [48.0 + r * a.cos(), 48.0 + r * a.sin()]
            })
            .collect();
        ring.push(ring[0]);
        let solid = LineStyle { join: LineJoin::Bevel, ..line_style(Color::new(0.0, 0.0, 1.0, 1.0), 3.0) };
        let dashed = LineStyle { dasharray: Some(vec![6.0, 3.0]), ..solid.clone() };
        let ramp = vec![Color::new(1.0, 0.0, 0.0, 1.0), Color::new(0.0, 1.0, 0.0, 1.0)];
        let gradient = LineStyle {
            gradient: Some(Box::new(LineGradient { ramp: std::sync::Arc::new(ramp), clip: Some([0.0, 1.0]), per_px: 0.0 })),
            color: Color::new(1.0, 1.0, 1.0, 1.0),
            ..solid.clone()
        };
        for (name, style) in [("solid", &solid), ("dashed", &dashed), ("gradient", &gradient)] {
            let one = paint(&ring, style, usize::MAX);
            let drawn = one.chunks(4).filter(|p| p[3] > 0).count();
            let max = one.chunks(4).map(|p| p[3]).max();
            assert!(drawn > 3000, "{name}: the ring is drawn ({drawn} px, max alpha {max:?})");
            for limit in [super::segments::CHUNK, 1_000] {
                let chunked = paint(&ring, style, limit);
                let worst = one.iter().zip(&chunked).map(|(a, b)| a.abs_diff(*b)).max();
                assert_eq!(worst, Some(0), "{name}, {limit} segments at a time");
            }
        }
    }
}
