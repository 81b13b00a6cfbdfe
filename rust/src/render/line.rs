//! Line painter.
//!
//! Sharp lines: the centre line(s) of one feature go into one path, which is
//! dashed and stroked by tiny-skia's stroker (joins, caps, miter limit), and the
//! stroke outline is filled once with the non-zero rule, so overlapping parts
//! of one feature composite once.
//!
//! * widths below 1 px are drawn 1 px wide with alpha `(w/2 + 1/2)^2`, the
//!   amount of ink MapLibre's 1 px antialiasing ramp gives such lines.
//! * `offset`: each polyline is offset first (miter-direction vertices,
//!   bevelled past 2x), then stroked.
//! * `gap_width`: two lines of `width`, centred at ±(gap/2 + width/2) from the
//!   (offset) centre line, in the same path.
//! * `blur`: MapLibre's shader fades alpha linearly from the outer edge
//!   (half width + 0.5 px) inwards over `blur + 1` px. Blurred lines are drawn
//!   per pixel with exactly that ramp on the distance to the nearest segment
//!   (coverage is the maximum over the feature's segments, then composited
//!   once). Joins of blurred lines are round; butt/square caps are honoured at
//!   line ends; dashes cut the ramp with butt ends.

use super::backend::{Canvas, Rule};
use super::band_path::BandPath;
use super::circle::band_limits;
use super::composite::{blend_over, Premul};
use super::display_list::{LineCap, LineStyle, Px};
use super::geom::{clean_polyline, meets, offset_polyline, LinePart};
use super::stroke::{StrokeParams, Stroker};

/// Reusable buffers for the line painter (one per worker thread).
#[derive(Default)]
pub(crate) struct LineScratch {
    clean: Vec<[f32; 2]>,
    shifted: Vec<[f32; 2]>,
    stroker: Stroker,
    coverage: Vec<f32>,
    segs: Vec<Seg>,
}

#[derive(Clone, Copy)]
struct Seg {
    a: [f32; 2],
    b: [f32; 2],
    /// Distance along the line at `a`.
    dist: f32,
    /// Whether `a` / `b` is a line end (gets a cap rather than a join).
    start_cap: bool,
    end_cap: bool,
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
    bp: &mut BandPath,
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
    let mut dash = dash_pattern(&style.dasharray);
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
    let style_color = style.color.with_opacity(color_scale);
    if blur > 0.0 {
        draw_blurred(canvas, top, part.lines, style, width, gap, offset, blur, dash.as_deref(), color, clip, rect, scratch);
        return;
    }

    // Centre lines of the feature, in one path.
    let shifts: ([f32; 2], usize) = if gap > 0.0 {
        let d = gap / 2.0 + width / 2.0;
        ([offset - d, offset + d], 2)
    } else {
        ([offset, 0.0], 1)
    };
    let stroker = &mut scratch.stroker;
    stroker.begin();
    let visible = part.lines.iter().zip(part.spans).filter(|(_, s)| meets(**s, rows));
    for (line, _) in visible {
        clean_polyline(line, &mut scratch.clean);
        let mut pts = &scratch.clean[..];
        if pts.len() < 2 {
            continue;
        }
        let closed = pts.len() > 3 && pts.first() == pts.last();
        if closed {
            pts = &pts[..pts.len() - 1];
        }
        for &shift in &shifts.0[..shifts.1] {
            if shift != 0.0 {
                offset_polyline(pts, shift, closed, &mut scratch.shifted);
                stroker.add_polyline(&scratch.shifted, closed);
            } else {
                stroker.add_polyline(pts, closed);
            }
        }
    }
    // Lines thinner than 1 px: MapLibre's 1 px antialiasing ramp puts
    // (w/2 + 1/2)^2 of ink per unit length; draw 1 px wide with that alpha.
    let (width, paint_color) = if width < 1.0 {
        let k = (width / 2.0 + 0.5) * (width / 2.0 + 0.5);
        (1.0, style_color.with_opacity(k))
    } else {
        (width, style_color)
    };
    let params = StrokeParams { width, cap: style.cap, join: style.join, miter_limit: style.miter_limit, dash: dash.as_deref() };
    bp.clear();
    if stroker.stroke_into(&params, bp) {
        canvas.fill_path(bp, Rule::NonZero, true, paint_color, clip);
    }
}

/// Per-pixel blurred line (see the module docs).
#[allow(clippy::too_many_arguments)]
fn draw_blurred<C: Canvas>(
    canvas: &mut C,
    top: u32,
    lines: &[Vec<Px>],
    style: &LineStyle,
    width: f32,
    gap: f32,
    offset: f32,
    blur: f32,
    dash: Option<&[f32]>,
    color: Premul,
    clip: Option<&C::Clip>,
    rect: Option<[i64; 4]>,
    scratch: &mut LineScratch,
) {
    let w = canvas.width() as usize;
    let h = canvas.height() as usize;
    let (lx0, ly0, lx1, ly1) = band_limits(rect, w, h, top);
    if lx0 >= lx1 || ly0 >= ly1 {
        return;
    }
    // MapLibre's ramp (device pixel ratio 1: antialiasing 0.5 px).
    let g = gap / 2.0;
    let outset = if g > 0.0 { g + width } else { width / 2.0 } + 0.5;
    let inset = if g > 0.0 { g + 0.5 } else { f32::NEG_INFINITY };
    let blur2 = blur + 1.0;
    let ramp = |d: f32| -> f32 { ((d - (inset - blur2)).min(outset - d) / blur2).clamp(0.0, 1.0) };
    let half = width / 2.0;

    // Segments of the (offset) centre lines with their distances along the line.
    scratch.segs.clear();
    for line in lines {
        clean_polyline(line, &mut scratch.clean);
        if scratch.clean.len() < 2 {
            continue;
        }
        let closed = scratch.clean.len() > 3 && scratch.clean.first() == scratch.clean.last();
        let mut pts: &[[f32; 2]] = &scratch.clean;
        if offset != 0.0 {
            let src = if closed { &scratch.clean[..scratch.clean.len() - 1] } else { &scratch.clean[..] };
            offset_polyline(src, offset, closed, &mut scratch.shifted);
            if closed {
                if let Some(&f) = scratch.shifted.first() {
                    scratch.shifted.push(f);
                }
            }
            pts = &scratch.shifted;
        }
        let n = pts.len();
        let mut dist = 0.0f32;
        for i in 0..n.saturating_sub(1) {
            let (a, b) = (pts[i], pts[i + 1]);
            let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
            scratch.segs.push(Seg { a, b, dist, start_cap: i == 0 && !closed, end_cap: i + 2 == n && !closed });
            dist += len;
        }
    }
    if scratch.segs.is_empty() {
        return;
    }
    let total: f32 = dash.map(|d| d.iter().sum()).unwrap_or(0.0);

    if scratch.coverage.len() < w * h {
        scratch.coverage.resize(w * h, 0.0);
    }
    let cov = &mut scratch.coverage[..w * h];
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0usize, 0usize);
    let top_f = top as f32;
    let reach = outset + if style.cap == LineCap::Square { half } else { 0.0 };

    for s in &scratch.segs {
        let (a, b) = (s.a, s.b);
        let dx = b[0] - a[0];
        let dy = b[1] - a[1];
        let len2 = dx * dx + dy * dy;
        let len = len2.sqrt();
        let ry0 = ((a[1].min(b[1]) - reach - top_f).floor().max(ly0)) as usize;
        let ry1 = ((a[1].max(b[1]) + reach - top_f).ceil().clamp(ly0, ly1)) as usize;
        let bx0 = (a[0].min(b[0]) - reach).floor().max(lx0);
        let bx1 = (a[0].max(b[0]) + reach).ceil().min(lx1);
        if ry0 >= ry1 || bx0 >= bx1 {
            continue;
        }
        for ry in ry0..ry1 {
            let py = top_f + ry as f32 + 0.5;
            // Tighter x range for steep segments.
            let (mut rx0, mut rx1) = (bx0, bx1);
            if dy.abs() > 1e-3 {
                let xc = a[0] + (py - a[1]) * dx / dy;
                let hwx = reach * len / dy.abs() + 1.0;
                rx0 = rx0.max((xc - hwx).floor());
                rx1 = rx1.min((xc + hwx).ceil());
            }
            if rx0 >= rx1 {
                continue;
            }
            let row = &mut cov[ry * w..ry * w + w];
            let mut touched = false;
            #[allow(clippy::needless_range_loop)]
            for rx in rx0 as usize..rx1 as usize {
                let px = rx as f32 + 0.5;
                let vx = px - a[0];
                let vy = py - a[1];
                let t = if len2 > 0.0 { (vx * dx + vy * dy) / len2 } else { 0.0 };
                let perp = if len > 0.0 { (vx * dy - vy * dx).abs() / len } else { (vx * vx + vy * vy).sqrt() };
                let d = if !(0.0..=1.0).contains(&t) {
                    let (cap, beyond, ex, ey) =
                        if t < 0.0 { (s.start_cap, -t * len, vx, vy) } else { (s.end_cap, (t - 1.0) * len, px - b[0], py - b[1]) };
                    if cap {
                        match style.cap {
                            LineCap::Butt => continue,
                            LineCap::Round => (ex * ex + ey * ey).sqrt(),
                            LineCap::Square => {
                                if beyond > half {
                                    continue;
                                }
                                perp
                            }
                        }
                    } else {
                        (ex * ex + ey * ey).sqrt()
                    }
                } else {
                    perp
                };
                if let Some(pat) = dash {
                    let along = s.dist + t.clamp(0.0, 1.0) * len;
                    let mut pos = along.rem_euclid(total);
                    let mut on = true;
                    for &seg_len in pat {
                        if pos < seg_len {
                            break;
                        }
                        pos -= seg_len;
                        on = !on;
                    }
                    if !on {
                        continue;
                    }
                }
                let alpha = ramp(d);
                if alpha > row[rx] {
                    row[rx] = alpha;
                    touched = true;
                }
            }
            if touched {
                x0 = x0.min(rx0 as usize);
                x1 = x1.max(rx1 as usize);
                y0 = y0.min(ry);
                y1 = y1.max(ry + 1);
            }
        }
    }
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let mask = clip.map(C::clip_coverage);
    let px = canvas.pixels_mut();
    for y in y0..y1 {
        for x in x0..x1 {
            let i = y * w + x;
            let c = cov[i];
            if c <= 0.0 {
                continue;
            }
            cov[i] = 0.0;
            let m = match mask {
                Some(m) => m[i] as f32 / 255.0,
                None => 1.0,
            };
            if m > 0.0 {
                blend_over(&mut px[i * 4..i * 4 + 4], color.scale(c * m));
            }
        }
    }
}
