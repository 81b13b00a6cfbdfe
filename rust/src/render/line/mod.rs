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

use super::backend::Canvas;
use super::band_path::BandPath;
use super::circle::band_limits;
use super::composite::{blend_over, Premul};
use super::display_list::{GroundMap, LineCap, LineGradient, LineJoin, LineStyle};
use super::pattern::PatternShader;
use super::geom::{clean_polyline, meets, offset_polyline, LinePart};

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
    segs: Vec<Seg>,
    /// Pitched lines: each segment's pieces on screen.
    on_screen: Vec<OnScreen>,
    bevels: Vec<Bevel>,
    /// Per band row: the columns [x0, x1) touched (empty when x0 >= x1).
    spans: Vec<(u32, u32)>,
}

impl LineScratch {
    /// Bytes held by the per-pixel buffers.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.coverage.capacity() + self.progress.capacity() + 4 * self.paint.capacity()) * 4 + self.spans.capacity() * 8
    }
}

/// How a segment ends at one of its vertices.
#[derive(Clone, Copy)]
enum End {
    /// A line end: the layer's cap.
    Cap,
    /// A round join: closed flat, plus a round piece past the vertex.
    Round,
    /// A join: the segment's quad ends at these two points (one on each
    /// edge line of the segment, in either order).
    Pts([f32; 2], [f32; 2]),
}

#[derive(Clone, Copy)]
struct Seg {
    a: [f32; 2],
    b: [f32; 2],
    /// Distance along the line at `a`.
    dist: f32,
    start: End,
    end: End,
    /// The quad's two triangles (L0, R0, L1) and (R0, L1, R1) as edge
    /// functions `[ex, ey, c]`, positive inside.
    tris: [[[f32; 3]; 3]; 2],
    /// Bounding box of everything the segment draws.
    bbox: [f32; 4],
    /// Line progress at `a` and `b` (gradient lines).
    prog: [f32; 2],
}

/// A ground segment's pieces on screen (pitched lines): its quad's
/// corners (L0, R0, L1, R1) projected, `None` when one of them is (almost)
/// behind the camera, and the box of its round pieces (empty when none).
#[derive(Clone, Copy)]
struct OnScreen {
    quad: Option<[[f32; 2]; 4]>,
    round: [f32; 4],
}

impl OnScreen {
    /// The columns `[x0, x1)` of row centre `y` that the segment can
    /// cover, within `[lo, hi)`: the quad's triangles crossed by the row
    /// and the round pieces' box (1 px margin).
    fn columns(&self, y: f32, lo: f32, hi: f32) -> (f32, f32) {
        let Some(q) = self.quad else { return (lo, hi) };
        let mut r = [f32::INFINITY, f32::NEG_INFINITY];
        for t in [[q[0], q[1], q[2]], [q[1], q[2], q[3]]] {
            for i in 0..3 {
                let (p, n) = (t[i], t[(i + 1) % 3]);
                if (p[1] <= y && n[1] >= y) || (n[1] <= y && p[1] >= y) {
                    if n[1] != p[1] {
                        let x = p[0] + (y - p[1]) * (n[0] - p[0]) / (n[1] - p[1]);
                        r = [r[0].min(x), r[1].max(x)];
                    } else {
                        r = [r[0].min(p[0]).min(n[0]), r[1].max(p[0]).max(n[0])];
                    }
                }
            }
        }
        if y >= self.round[1] && y <= self.round[3] {
            r = [r[0].min(self.round[0]), r[1].max(self.round[2])];
        }
        ((r[0].floor() - 1.0).max(lo), (r[1].ceil() + 1.0).min(hi))
    }
}

/// Edge functions of a triangle, positive inside (all zero when degenerate).
fn edges(p: [[f32; 2]; 3]) -> [[f32; 3]; 3] {
    let area = (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[1][1] - p[0][1]) * (p[2][0] - p[0][0]);
    if area.abs() < 1e-9 || !area.is_finite() {
        return [[0.0, 0.0, -1.0]; 3];
    }
    // Scaled so that each function is the barycentric weight of its vertex.
    let sg = 1.0 / area;
    let mut out = [[0.0; 3]; 3];
    for i in 0..3 {
        let (u, v) = (p[(i + 1) % 3], p[(i + 2) % 3]);
        // Positive on the side of p[i].
        let ex = -(v[1] - u[1]) * sg;
        let ey = (v[0] - u[0]) * sg;
        out[i] = [ex, ey, -(ex * u[0] + ey * u[1])];
    }
    out
}

#[inline]
fn inside(t: &[[f32; 3]; 3], x: f32, y: f32) -> bool {
    t.iter().all(|e| e[0] * x + e[1] * y + e[2] >= 0.0)
}

/// A bevel triangle: two outer corners and the inner miter point; the
/// normal interpolates from the corners (edge) to the inner point (far side).
#[derive(Clone, Copy)]
struct Bevel {
    o1: [f32; 2],
    o2: [f32; 2],
    mi: [f32; 2],
    /// Distance along the line at the vertex, then (gradient lines) its
    /// line progress.
    along: f32,
    /// 1 when the corners are on the left of the line (the side of the
    /// normal `(-u.y, u.x)`), -1 when on the right.
    side: f32,
}

/// Where the pixel centre `(sx, sy)` is measured: on the ground (ground
/// units, with `1 / w` there; `None` where no ground is seen) or, without
/// one, in device px (`1 / w` = 1).
#[inline]
fn measured_at(ground: Option<&GroundMap>, sx: f32, sy: f32) -> Option<(f32, f32, f64)> {
    match ground {
        Some(gm) => gm.to_ground(sx, sy).map(|(g, k)| (g[0], g[1], k)),
        None => Some((sx, sy, 1.0)),
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
    _bp: &mut BandPath,
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

/// `pts` with a vertex added `offset` px from each sharp corner (turning
/// more than 75 degrees) on both of its segments when they are long
/// enough, as MapLibre's line bucket does (closed lines: the closing vertex
/// too), into `out`. The step from the corner is rounded to whole units of
/// `grid` (its columns: one tile unit along the tile's x and y), as
/// MapLibre rounds the added vertex to tile coordinates.
fn split_sharp_corners(pts: &[[f32; 2]], closed: bool, offset: f32, grid: [[f32; 2]; 2], out: &mut Vec<[f32; 2]>) {
    out.clear();
    let n = pts.len();
    let Some(&first) = pts.first() else { return };
    out.push(first);
    let dist = |a: [f32; 2], b: [f32; 2]| ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
    let unit = |a: [f32; 2], b: [f32; 2]| {
        let l = dist(a, b);
        if l > 0.0 {
            [(b[0] - a[0]) / l, (b[1] - a[1]) / l]
        } else {
            [0.0, 0.0]
        }
    };
    // cos(half the angle between the normals) < cos(37.5 degrees).
    let cos_sharp = (37.5f32).to_radians().cos();
    let sharp = |i: usize| -> bool {
        if offset <= 0.0 || n < 3 {
            return false;
        }
        let (prev, next) = if i == 0 || i == n - 1 {
            if !closed {
                return false;
            }
            (pts[n - 2], pts[1])
        } else {
            (pts[i - 1], pts[i + 1])
        };
        let (u1, u2) = (unit(prev, pts[i]), unit(pts[i], next));
        let sum = [u1[0] + u2[0], u1[1] + u2[1]];
        (sum[0] * sum[0] + sum[1] * sum[1]).sqrt() / 2.0 < cos_sharp
    };
    let snap = snap_to_grid(grid);
    let lerp = |a: [f32; 2], b: [f32; 2], t: f32| {
        let v = snap([(b[0] - a[0]) * t, (b[1] - a[1]) * t]);
        [a[0] + v[0], a[1] + v[1]]
    };
    for i in 0..n - 1 {
        let (a, b) = (pts[i], pts[i + 1]);
        let mut start = a;
        let len = dist(a, b);
        if sharp(i) && len > 2.0 * offset {
            start = lerp(a, b, offset / len);
            out.push(start);
        }
        let rest = dist(start, b);
        if sharp(i + 1) && rest > 2.0 * offset {
            out.push(lerp(b, start, offset / rest));
        }
        out.push(b);
    }
}

/// A vector rounded to whole steps of the grid whose columns are `g`
/// (unchanged when the grid is degenerate).
fn snap_to_grid(g: [[f32; 2]; 2]) -> impl Fn([f32; 2]) -> [f32; 2] {
    let [[a, c], [b, d]] = g.map(|col| col.map(f64::from));
    // columns (a, c) and (b, d): v = [[a, b], [c, d]] t
    let det = a * d - b * c;
    let ok = det.is_finite() && det.abs() > 1e-12;
    move |v: [f32; 2]| {
        if !ok {
            return v;
        }
        let (x, y) = (f64::from(v[0]), f64::from(v[1]));
        let (tx, ty) = (((d * x - b * y) / det).round(), ((a * y - c * x) / det).round());
        [(a * tx + b * ty) as f32, (c * tx + d * ty) as f32]
    }
}

/// How far the line's quads reach from its centre line (device px).
fn line_outset(width: f32, gap: f32) -> f32 {
    let g = gap / 2.0;
    (if g > 0.0 { g + width } else { width / 2.0 }) + 0.5
}

/// What a line is painted with besides its colour.
struct Paint<'a> {
    gradient: Option<&'a LineGradient>,
    pattern: Option<&'a LinePatternShader<'a>>,
}

/// A `line-pattern` ready to sample (see [`super::display_list::LinePattern`]).
struct LinePatternShader<'a> {
    shader: PatternShader<'a>,
    period: f32,
    corner_split: f32,
    distance_step: f32,
    /// The fraction of the image's height the line spans across.
    across: f32,
}

impl LinePatternShader<'_> {
    /// A distance along the line as MapLibre stores it at a vertex.
    #[inline]
    fn stored(&self, d: f32) -> f32 {
        if self.distance_step > 0.0 {
            (d / self.distance_step).floor() * self.distance_step
        } else {
            d
        }
    }

    /// Composites the pattern at distance `along` the line and position
    /// `across` (0 on the left edge, 1 on the right), times `alpha`, over
    /// the premultiplied colour `acc` (like one GL fragment blending).
    #[inline]
    fn over(&self, acc: &mut [f32; 4], along: f32, across: f32, alpha: f32) {
        if alpha <= 0.0 {
            return;
        }
        let [w, h] = self.shader.size();
        let x = f64::from(along / self.period).rem_euclid(1.0);
        let y = 0.5 + (across.clamp(0.0, 1.0) - 0.5) * self.across;
        // MapLibre's atlas pads the image with one texel of its opposite
        // edge, then nothing: a line reaching farther across (high pixel
        // ratios: the reach is 1 CSS px past the image) fades out there.
        let (u, v) = (x * w, f64::from(y) * h);
        let (v, fade) = if v < -0.5 {
            (-0.5, v + 1.5)
        } else if v > h + 0.5 {
            (h + 0.5, h + 1.5 - v)
        } else {
            (v, 1.0)
        };
        let Some(t) = self.shader.texel(u, v) else { return };
        let k = alpha / 255.0 * fade.clamp(0.0, 1.0) as f32;
        let keep = 1.0 - t[3] * k;
        for c in 0..4 {
            acc[c] = t[c] * k + acc[c] * keep;
        }
    }
}

/// Sizes of one line feature, limited (device px), and its dash pattern.
struct Geometry<'a> {
    width: f32,
    gap: f32,
    offset: f32,
    blur: f32,
    dash: Option<&'a [f32]>,
}

/// A gradient's colours, premultiplied, for linear sampling by progress.
struct Ramp(Vec<Premul>);

impl Ramp {
    fn new(g: &LineGradient) -> Ramp {
        Ramp(g.ramp.iter().map(|c| Premul::from_color(*c)).collect())
    }

    #[inline]
    fn at(&self, progress: f32) -> Premul {
        let n = self.0.len();
        if n == 0 {
            return Premul::default();
        }
        let x = if progress.is_finite() { progress.clamp(0.0, 1.0) } else { 0.0 } * (n - 1) as f32;
        let i = (x as usize).min(n - 1);
        let j = (i + 1).min(n - 1);
        self.0[i].mix(self.0[j], x - i as f32)
    }
}

/// Joins at one interior vertex: (end of the incoming segment, start of the
/// outgoing one, bevel triangle if any, reach in outsets), following the
/// geometry MapLibre builds (miter within the limit, bevel, "flip bevel" past
/// a miter length of 2, round).
fn join_at(b: [f32; 2], u1: [f32; 2], u2: [f32; 2], style: &LineStyle, outset: f32) -> (End, End, Option<Bevel>, f32) {
    let n1 = [-u1[1], u1[0]];
    let n2 = [-u2[1], u2[0]];
    let cos = (n1[0] * n2[0] + n1[1] * n2[1]).clamp(-1.0, 1.0);
    let m = if cos > -1.0 { (2.0 / (1.0 + cos)).sqrt() } else { f32::INFINITY };
    // MapLibre: bevel joins are miters below a miter length of 1.05.
    let limit = match style.join {
        LineJoin::Bevel => 1.05,
        _ if style.miter_limit.is_finite() => style.miter_limit,
        _ => 2.0,
    };
    #[derive(PartialEq)]
    enum J {
        Miter,
        Bevel,
        Flip,
        Round,
    }
    let mut j = match style.join {
        LineJoin::Round => {
            if m < style.round_limit {
                J::Miter
            } else {
                J::Round
            }
        }
        LineJoin::Bevel => J::Bevel,
        LineJoin::Miter => J::Miter,
    };
    if j == J::Miter && m > limit {
        j = J::Bevel;
    }
    if j == J::Bevel {
        if m > 2.0 {
            j = J::Flip;
        }
        if m < limit {
            j = J::Miter;
        }
    }
    match j {
        J::Round => (End::Round, End::Round, None, 0.0),
        J::Miter => {
            let mv = [(n1[0] + n2[0]) / (1.0 + cos) * outset, (n1[1] + n2[1]) / (1.0 + cos) * outset];
            let (p, q) = ([b[0] + mv[0], b[1] + mv[1]], [b[0] - mv[0], b[1] - mv[1]]);
            (End::Pts(p, q), End::Pts(p, q), None, 0.0)
        }
        J::Flip => {
            if m > 100.0 {
                let (p, q) = ([b[0] - n2[0] * outset, b[1] - n2[1] * outset], [b[0] + n2[0] * outset, b[1] + n2[1] * outset]);
                return (End::Pts(p, q), End::Pts(p, q), None, 0.0);
            }
            // Both segments end on the line through the vertex along the
            // mean direction, at their edge lines.
            let ns = [n1[0] + n2[0], n1[1] + n2[1]];
            let nd = [n1[0] - n2[0], n1[1] - n2[1]];
            let ls = (ns[0] * ns[0] + ns[1] * ns[1]).sqrt();
            let ld = (nd[0] * nd[0] + nd[1] * nd[1]).sqrt();
            if ls <= 0.0 || ld <= 0.0 {
                return (End::Round, End::Round, None, 0.0);
            }
            let k = m * ls / ld * outset / ls;
            let j = [-ns[1] * k, ns[0] * k];
            let (p, q) = ([b[0] + j[0], b[1] + j[1]], [b[0] - j[0], b[1] - j[1]]);
            (End::Pts(p, q), End::Pts(p, q), None, 0.0)
        }
        J::Bevel => {
            let cross = u1[0] * u2[1] - u1[1] * u2[0];
            let sg = if cross > 0.0 { -1.0 } else { 1.0 };
            let mv = [(n1[0] + n2[0]) / (1.0 + cos), (n1[1] + n2[1]) / (1.0 + cos)];
            let o1 = [b[0] + sg * n1[0] * outset, b[1] + sg * n1[1] * outset];
            let o2 = [b[0] + sg * n2[0] * outset, b[1] + sg * n2[1] * outset];
            let mi = [b[0] - sg * mv[0] * outset, b[1] - sg * mv[1] * outset];
            (End::Pts(o1, mi), End::Pts(o2, mi), Some(Bevel { o1, o2, mi, along: 0.0, side: sg }), 0.0)
        }
    }
}
/// Per-pixel line (see the module docs); `GRAD`: with `paint.gradient`;
/// `PAT`: with `paint.pattern`; `PERSP`: on the ground (`style.ground`: the
/// geometry and sizes are in ground units, each pixel is mapped to the
/// ground and measured there, the antialiasing ramp stays one device px).
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
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
    let gradient = paint.gradient;
    let w = canvas.width() as usize;
    let h = canvas.height() as usize;
    let (lx0, ly0, lx1, ly1) = band_limits(rect, w, h, top);
    if lx0 >= lx1 || ly0 >= ly1 {
        return;
    }
    // MapLibre's ramp (device pixel ratio 1: antialiasing 0.5 px).
    let g = gap / 2.0;
    let outset = line_outset(width, gap);
    let inset = if g > 0.0 { g + 0.5 } else { f32::NEG_INFINITY };
    let blur2 = blur + 1.0;
    // Dividing by 1 (no blur, most lines) is exact: skip the division.
    let unit_blur = !PERSP && blur2 == 1.0;
    // `b2`: `blur2` in the units of `d` (on the ground: times the ground
    // units per device px across the line there, MapLibre's gamma scale).
    let ramp = |d: f32, b2: f32| -> f32 {
        let v = (d - (inset - b2)).min(outset - d);
        (if unit_blur { v } else { v / b2 }).clamp(0.0, 1.0)
    };
    let ground = if PERSP { style.ground.as_deref() } else { None };
    // `blur2` at device pixel (x, y) seeing the ground with `1 / w` = k,
    // across the direction `dir` (unit, ground).
    let b2_at = |x: f32, y: f32, k: f64, dir: [f32; 2]| -> f32 {
        match ground {
            Some(gm) => blur2 * gm.units_per_px(x, y, k, dir),
            None => blur2,
        }
    };

    // Segments of the (offset) centre lines with their distances along the line.
    scratch.segs.clear();
    scratch.bevels.clear();
    for (line, _) in part.lines.iter().zip(part.spans).filter(|(_, sp)| meets(**sp, rows)) {
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
        // Patterns and dashes: MapLibre's line bucket walks a closed line
        // (a polygon's ring) from its last vertex, so the distance at the
        // first vertex is already the closing segment's length (measured
        // before the sharp corners are split).
        let mut dist = match (closed, pts.len()) {
            (true, k) if (PAT || dash.is_some()) && k > 2 => {
                let (a, b) = (pts[k - 2], pts[0]);
                ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt()
            }
            _ => 0.0f32,
        };
        let split = match (PAT, paint.pattern) {
            (true, Some(pat)) => pat.corner_split,
            _ if dash.is_some() && style.dash_corner_split.is_finite() => style.dash_corner_split.max(0.0),
            _ => 0.0,
        };
        if split > 0.0 {
            split_sharp_corners(pts, closed, split, style.corner_grid, &mut scratch.split);
            pts = &scratch.split;
        }
        let n = pts.len();
        if n < 2 {
            continue;
        }
        let unit = |i: usize| -> [f32; 2] {
            let (a, b) = (pts[i], pts[i + 1]);
            let l = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
            if l > 0.0 {
                [(b[0] - a[0]) / l, (b[1] - a[1]) / l]
            } else {
                [1.0, 0.0]
            }
        };
        let first = scratch.segs.len();
        let first_bevel = scratch.bevels.len();
        let mut start = End::Cap;
        for i in 0..n - 1 {
            let (a, b) = (pts[i], pts[i + 1]);
            let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
            let (end, next_start) = if i + 2 < n {
                let (e, ns, bevel, _) = join_at(b, unit(i), unit(i + 1), style, outset);
                if let Some(bv) = bevel {
                    scratch.bevels.push(Bevel { along: dist + len, ..bv });
                }
                (e, ns)
            } else if closed && n > 2 {
                let (e, ns, bevel, _) = join_at(b, unit(i), unit(0), style, outset);
                if let Some(bv) = bevel {
                    scratch.bevels.push(Bevel { along: dist + len, ..bv });
                }
                scratch.segs[first].start = ns;
                (e, End::Cap)
            } else {
                (End::Cap, End::Cap)
            };
            let zero = [[[0.0; 3]; 3]; 2];
            scratch.segs.push(Seg { a, b, dist, start, end, tris: zero, bbox: [0.0; 4], prog: [0.0; 2] });
            start = next_start;
            dist += len;
        }
        if let (true, Some(g)) = (GRAD, gradient) {
            // Progress runs linearly along the line between the clip fractions.
            let (p0, k) = match g.clip {
                Some([a, b]) => (a, if dist > 0.0 { (b - a) / dist } else { 0.0 }),
                None => (0.0, if g.per_px.is_finite() { g.per_px } else { 0.0 }),
            };
            for sg in &mut scratch.segs[first..] {
                let len = ((sg.b[0] - sg.a[0]).powi(2) + (sg.b[1] - sg.a[1]).powi(2)).sqrt();
                sg.prog = [p0 + k * sg.dist, p0 + k * (sg.dist + len)];
            }
            for bv in &mut scratch.bevels[first_bevel..] {
                bv.along = p0 + k * bv.along;
            }
        }
        if let (false, false, Some(_)) = (PAT, GRAD, dash) {
            // Dashes: each vertex's distance as MapLibre stores it (floored
            // to its step); `prog` holds it at the segment's ends.
            let step = if style.dash_distance_step.is_finite() { style.dash_distance_step.max(0.0) } else { 0.0 };
            let stored = |d: f32| if step > 0.0 { (d / step).floor() * step } else { d };
            for sg in &mut scratch.segs[first..] {
                let len = ((sg.b[0] - sg.a[0]).powi(2) + (sg.b[1] - sg.a[1]).powi(2)).sqrt();
                sg.prog = [stored(sg.dist), stored(sg.dist + len)];
            }
        }
        if let (true, Some(pat)) = (PAT, paint.pattern) {
            // MapLibre stores each vertex's distance floored to its step;
            // `prog` holds them at the segment's ends.
            for sg in &mut scratch.segs[first..] {
                let len = ((sg.b[0] - sg.a[0]).powi(2) + (sg.b[1] - sg.a[1]).powi(2)).sqrt();
                sg.prog = [pat.stored(sg.dist), pat.stored(sg.dist + len)];
            }
            for bv in &mut scratch.bevels[first_bevel..] {
                bv.along = pat.stored(bv.along);
            }
        }
    }
    // Each segment's quad: its end points on the two edge lines (flat ends,
    // square caps pushed out by the outset, joins as built by `join_at`).
    let square = style.cap == LineCap::Square;
    scratch.on_screen.clear();
    for sg in scratch.segs.iter_mut() {
        let (a, b) = (sg.a, sg.b);
        let l = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
        let u = if l > 0.0 { [(b[0] - a[0]) / l, (b[1] - a[1]) / l] } else { [1.0, 0.0] };
        let n = [-u[1], u[0]];
        let corners = |v: [f32; 2], e: End, back: f32| -> ([f32; 2], [f32; 2]) {
            match e {
                End::Pts(p, q) => {
                    if (p[0] - v[0]) * n[0] + (p[1] - v[1]) * n[1] >= (q[0] - v[0]) * n[0] + (q[1] - v[1]) * n[1] {
                        (p, q)
                    } else {
                        (q, p)
                    }
                }
                _ => {
                    let ext = if square && matches!(e, End::Cap) { back * outset } else { 0.0 };
                    let c = [v[0] + u[0] * ext, v[1] + u[1] * ext];
                    ([c[0] + n[0] * outset, c[1] + n[1] * outset], [c[0] - n[0] * outset, c[1] - n[1] * outset])
                }
            }
        };
        let (l0, r0) = corners(a, sg.start, -1.0);
        let (l1, r1) = corners(b, sg.end, 1.0);
        sg.tris = [edges([l0, r0, l1]), edges([r0, l1, r1])];
        let mut bb = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
        for p in [l0, r0, l1, r1] {
            bb = [bb[0].min(p[0]), bb[1].min(p[1]), bb[2].max(p[0]), bb[3].max(p[1])];
        }
        for (v, e) in [(a, sg.start), (b, sg.end)] {
            let round = matches!(e, End::Round) || (matches!(e, End::Cap) && style.cap == LineCap::Round);
            if round {
                bb = [bb[0].min(v[0] - outset), bb[1].min(v[1] - outset), bb[2].max(v[0] + outset), bb[3].max(v[1] + outset)];
            }
        }
        if let Some(gm) = ground {
            // On the ground: the bounds of the quad and the round pieces, projected.
            let union = |a: [f32; 4], b: [f32; 4]| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])];
            let mut round = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
            for (v, e) in [(a, sg.start), (b, sg.end)] {
                if matches!(e, End::Round) || (matches!(e, End::Cap) && style.cap == LineCap::Round) {
                    round = union(round, gm.hull_bounds(&[v], outset));
                }
            }
            bb = union(gm.hull_bounds(&[l0, r0, l1, r1], 0.0), round);
            let quad = [l0, r0, l1, r1].map(|p| gm.to_screen(p));
            let quad = quad.iter().all(Option::is_some).then(|| quad.map(|p| p.unwrap_or_default()));
            scratch.on_screen.push(OnScreen { quad, round });
        }
        sg.bbox = bb;
    }
    if scratch.segs.is_empty() {
        return;
    }
    let total: f32 = dash.map(|d| d.iter().sum()).unwrap_or(0.0);
    // Half the width of the smoothstep fading dash ends (style.dash_fade).
    let fade = if style.dash_fade.is_finite() { style.dash_fade.clamp(1e-3, 64.0) } else { 1.0 };

    if scratch.coverage.len() < w * h {
        scratch.coverage.resize(w * h, 0.0);
    }
    let cov = &mut scratch.coverage[..w * h];
    if GRAD && scratch.progress.len() < w * h {
        scratch.progress.resize(w * h, 0.0);
    }
    let progress = &mut scratch.progress[..if GRAD { w * h } else { 0 }];
    if PAT && scratch.paint.len() < w * h {
        scratch.paint.resize(w * h, [0.0; 4]);
    }
    let acc = &mut scratch.paint[..if PAT { w * h } else { 0 }];
    if scratch.spans.len() < h {
        scratch.spans.resize(h, (u32::MAX, 0));
    }
    let spans = &mut scratch.spans[..h];
    // Like GL, every piece of the line's geometry blends on its own: where
    // pieces overlap (joins, self-crossings) the colour composites again.
    // Coverage holds the combined alpha of the colour's opacity `op`.
    let op = color.a.clamp(1e-6, 1.0);
    let (mut y0, mut y1) = (h, 0usize);
    let top_f = top as f32;
    let round_cap = style.cap == LineCap::Round;

    for (si, s) in scratch.segs.iter().enumerate() {
        let (a, b) = (s.a, s.b);
        let on_screen = if PERSP { scratch.on_screen.get(si) } else { None };
        let dx = b[0] - a[0];
        let dy = b[1] - a[1];
        let len2 = dx * dx + dy * dy;
        let len = len2.sqrt();
        let inv_len = if len > 0.0 { 1.0 / len } else { 0.0 };
        let inv_len2 = inv_len * inv_len;
        let round_start = matches!(s.start, End::Round) || (matches!(s.start, End::Cap) && round_cap);
        let round_end = matches!(s.end, End::Round) || (matches!(s.end, End::Cap) && round_cap);
        let bb = s.bbox;
        if !(bb[0].is_finite() && bb[1].is_finite() && bb[2].is_finite() && bb[3].is_finite()) {
            continue;
        }
        let ry0 = ((bb[1] - top_f).floor().max(ly0)) as usize;
        let ry1 = ((bb[3] - top_f).ceil().clamp(ly0, ly1)) as usize;
        let bx0 = bb[0].floor().max(lx0);
        let bx1 = bb[2].ceil().min(lx1);
        if ry0 >= ry1 || bx0 >= bx1 {
            continue;
        }
        // The segment's unit normal (ground: the direction of the gamma scale).
        let nrm = if len > 0.0 { [-dy * inv_len, dx * inv_len] } else { [0.0, 1.0] };
        for ry in ry0..ry1 {
            let sy = top_f + ry as f32 + 0.5;
            // Tighter x range for steep segments: everything drawn (caps and
            // joins included) lies within `outset` of the segment's line.
            let (mut rx0, mut rx1) = (bx0, bx1);
            if let Some(os) = on_screen {
                (rx0, rx1) = os.columns(sy, rx0, rx1);
            } else if !PERSP && dy.abs() > 1e-3 {
                let py = sy;
                let xc = a[0] + (py - a[1]) * dx / dy;
                let hwx = outset * len / dy.abs() + 1.0;
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
                let sx = rx as f32 + 0.5;
                let Some((px, py, k)) = measured_at(ground, sx, sy) else { continue };
                let vx = px - a[0];
                let vy = py - a[1];
                let perp = if len > 0.0 { (vx * dy - vy * dx).abs() * inv_len } else { (vx * vx + vy * vy).sqrt() };
                if perp >= outset {
                    continue;
                }
                let b2 = b2_at(sx, sy, k, nrm);
                // GL draws the quad as two triangles, each blended on its own
                // (they overlap where a short segment's quad folds over).
                let (h0, h1) = (inside(&s.tris[0], px, py), inside(&s.tris[1], px, py));
                let t = if len2 > 0.0 { (vx * dx + vy * dy) * inv_len2 } else { 0.0 };
                // Round caps and joins: a piece past the vertex whose alpha
                // follows the distance to the vertex.
                let round_d = if t < 0.0 && round_start {
                    let d = (vx * vx + vy * vy).sqrt();
                    (-t * len <= outset && d < outset).then_some(d)
                } else if t > 1.0 && round_end {
                    let (ex, ey) = (px - b[0], py - b[1]);
                    let d = (ex * ex + ey * ey).sqrt();
                    ((t - 1.0) * len <= outset && d < outset).then_some(d)
                } else {
                    None
                };
                if !h0 && !h1 && round_d.is_none() {
                    continue;
                }
                // A round piece's ramp runs along the direction from its vertex.
                let b2r = match (ground, round_d) {
                    (Some(_), Some(d)) if d > 0.0 => {
                        let v = if t < 0.0 { a } else { b };
                        b2_at(sx, sy, k, [(px - v[0]) / d, (py - v[1]) / d])
                    }
                    _ => b2,
                };
                if let (true, Some(pat)) = (PAT, paint.pattern) {
                    // Every piece blends its own texel: along the line from
                    // the quad's corners (as dashes), across it the corners'
                    // sides (GL's v_normal.y), barycentric in each triangle.
                    let a = &mut acc[ry * w + rx];
                    let base = ramp(perp, b2) * op;
                    let e = |f: &[f32; 3]| f[0] * px + f[1] * py + f[2];
                    let [d0, d1] = s.prog;
                    if h0 {
                        let [_, r0, l1] = &s.tris[0];
                        pat.over(a, d0 + (d1 - d0) * e(l1), e(r0), base);
                    }
                    if h1 {
                        let [r0, l1, _] = &s.tris[1];
                        pat.over(a, d0 + (d1 - d0) * (1.0 - e(r0)), 1.0 - e(l1), base);
                    }
                    if let Some(d) = round_d {
                        let side = (vx * dy - vy * dx) * inv_len;
                        pat.over(a, d0 + (d1 - d0) * t.clamp(0.0, 1.0), 0.5 + 0.5 * side / outset, ramp(d, b2r) * op);
                    }
                    touched = true;
                    continue;
                }
                // Distance along the line: GL interpolates it from the
                // quad's corners (start distance at a's corners, end at b's).
                let dash_at = |along: f32| -> f32 {
                    let Some(pat) = dash else { return 1.0 };
                    // MapLibre's dash atlas is a distance field: the dash ends
                    // fade by a smoothstep over +-`fade` px along the line.
                    let mut pos = along.rem_euclid(total);
                    let mut on = true;
                    let mut seg = pat[0];
                    for &seg_len in pat {
                        seg = seg_len;
                        if pos < seg_len {
                            break;
                        }
                        pos -= seg_len;
                        on = !on;
                    }
                    let edge = pos.min(seg - pos);
                    let sd = if on { edge } else { -edge };
                    if sd <= -fade {
                        0.0
                    } else if sd < fade {
                        let x = (sd + fade) / (2.0 * fade);
                        x * x * (3.0 - 2.0 * x)
                    } else {
                        1.0
                    }
                };
                let base = ramp(perp, b2) * op;
                let mut keep = 1.0 - row[rx];
                // Solid lines need no distance along the line (a dash
                // factor of 1 leaves `base` as it is).
                // Along the segment from its ends' stored distances.
                let [d0, d1] = s.prog;
                if h0 {
                    let along = |l2: f32| dash_at(d0 + (d1 - d0) * l2);
                    keep *= 1.0 - if dash.is_some() { base * along(s.tris[0][2][0] * px + s.tris[0][2][1] * py + s.tris[0][2][2]) } else { base };
                }
                if h1 {
                    let along = |l0: f32| dash_at(d0 + (d1 - d0) * (1.0 - l0));
                    keep *= 1.0 - if dash.is_some() { base * along(s.tris[1][0][0] * px + s.tris[1][0][1] * py + s.tris[1][0][2]) } else { base };
                }
                if let Some(d) = round_d {
                    keep *= 1.0 - ramp(d, b2r) * op * dash_at(d0 + (d1 - d0) * t.clamp(0.0, 1.0));
                }
                let c = 1.0 - keep;
                if c > row[rx] {
                    row[rx] = c;
                    touched = true;
                    if GRAD {
                        progress[ry * w + rx] = s.prog[0] + (s.prog[1] - s.prog[0]) * t.clamp(0.0, 1.0);
                    }
                }
            }
            if touched {
                let sp = &mut spans[ry];
                sp.0 = sp.0.min(rx0 as u32);
                sp.1 = sp.1.max(rx1 as u32);
                y0 = y0.min(ry);
                y1 = y1.max(ry + 1);
            }
        }
    }
    // Bevel triangles: the normal runs from the corners' edge (outset) to the
    // inner miter point (the other side).
    for bv in &scratch.bevels {
        let (p0, p1, p2) = (bv.o1, bv.o2, bv.mi);
        let area = (p1[0] - p0[0]) * (p2[1] - p0[1]) - (p1[1] - p0[1]) * (p2[0] - p0[0]);
        if area.abs() < 1e-6 {
            continue;
        }
        let bb = match ground {
            Some(gm) => gm.hull_bounds(&[p0, p1, p2], 0.0),
            None => [p0[0].min(p1[0]).min(p2[0]), p0[1].min(p1[1]).min(p2[1]), p0[0].max(p1[0]).max(p2[0]), p0[1].max(p1[1]).max(p2[1])],
        };
        if !(bb[0] <= bb[2] && bb[1] <= bb[3]) {
            continue;
        }
        let ty0 = ((bb[1] - top_f).floor().max(ly0)) as usize;
        let ty1 = ((bb[3] - top_f).ceil().clamp(ly0, ly1)) as usize;
        let tx0 = bb[0].floor().max(lx0) as usize;
        let tx1 = bb[2].ceil().min(lx1) as usize;
        // The bevel's normal runs from the corners to the inner point.
        let dir = {
            let m = [p2[0] - (p0[0] + p1[0]) / 2.0, p2[1] - (p0[1] + p1[1]) / 2.0];
            let l = (m[0] * m[0] + m[1] * m[1]).sqrt();
            if l > 0.0 { [m[0] / l, m[1] / l] } else { [0.0, 1.0] }
        };
        for ry in ty0..ty1 {
            let sy = top_f + ry as f32 + 0.5;
            let row = &mut cov[ry * w..ry * w + w];
            for rx in tx0..tx1.max(tx0) {
                let sx = rx as f32 + 0.5;
                let Some((px, py, k)) = measured_at(ground, sx, sy) else { continue };
                // Barycentric weight of the inner point.
                let l2 = ((p1[0] - p0[0]) * (py - p0[1]) - (p1[1] - p0[1]) * (px - p0[0])) / area;
                let l0 = ((p2[0] - p1[0]) * (py - p1[1]) - (p2[1] - p1[1]) * (px - p1[0])) / area;
                let l1 = 1.0 - l0 - l2;
                if l0 < 0.0 || l1 < 0.0 || l2 < 0.0 {
                    continue;
                }
                let y = 1.0 - 2.0 * l2;
                let alpha = ramp(y.abs() * outset, b2_at(sx, sy, k, dir)) * op;
                if alpha > 0.0 {
                    match (PAT, paint.pattern) {
                        // The corners are on one side of the line, the inner point on the other.
                        (true, Some(pat)) => {
                            let across = if bv.side > 0.0 { l2 } else { 1.0 - l2 };
                            pat.over(&mut acc[ry * w + rx], bv.along, across, alpha);
                        }
                        _ => row[rx] = 1.0 - (1.0 - row[rx]) * (1.0 - alpha),
                    }
                    if GRAD {
                        progress[ry * w + rx] = bv.along;
                    }
                    let sp = &mut spans[ry];
                    sp.0 = sp.0.min(rx as u32);
                    sp.1 = sp.1.max(rx as u32 + 1);
                    y0 = y0.min(ry);
                    y1 = y1.max(ry + 1);
                }
            }
        }
    }
    if y0 >= y1 {
        return;
    }
    let mask = clip.map(C::clip_coverage);
    let ramp = if GRAD { gradient.map(Ramp::new) } else { None };
    let px = canvas.pixels_mut();
    for y in y0..y1 {
        let (sx0, sx1) = std::mem::replace(&mut spans[y], (u32::MAX, 0));
        if PAT {
            for x in sx0 as usize..(sx1 as usize).max(sx0 as usize) {
                let i = y * w + x;
                let [r, g, b, a] = std::mem::take(&mut acc[i]);
                let m = match mask {
                    Some(m) => m[i] as f32 / 255.0,
                    None => 1.0,
                };
                if a > 0.0 && m > 0.0 {
                    blend_over(&mut px[i * 4..i * 4 + 4], Premul { r, g, b, a }.scale(m));
                }
            }
            continue;
        }
        for x in sx0 as usize..(sx1 as usize).max(sx0 as usize) {
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
                let paint = match (GRAD, &ramp) {
                    (true, Some(r)) => r.at(progress[i]).scale(color.a),
                    _ => color,
                };
                // Opaque colours (most lines): dividing by 1 is exact.
                let k = if op == 1.0 { c * m } else { c / op * m };
                blend_over(&mut px[i * 4..i * 4 + 4], paint.scale(k));
            }
        }
    }
}

#[cfg(test)]
mod pattern_tests {
    use super::split_sharp_corners;

    #[test]
    fn sharp_corners_split_long_segments_near_them() {
        let mut out = Vec::new();
        // A right angle: both segments get a vertex 15 px from the corner.
        let near = |a: &[[f32; 2]], b: &[[f32; 2]]| a.len() == b.len() && a.iter().zip(b).all(|(p, q)| (p[0] - q[0]).abs() + (p[1] - q[1]).abs() < 1e-3);
        split_sharp_corners(&[[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]], false, 15.0, [[0.0; 2]; 2], &mut out);
        assert!(near(&out, &[[0.0, 0.0], [85.0, 0.0], [100.0, 0.0], [100.0, 15.0], [100.0, 100.0]]), "{out:?}");
        // A gentle turn (30 degrees) and a sharp one with a short segment: unchanged.
        let gentle = [[0.0, 0.0], [100.0, 0.0], [186.6, 50.0]];
        split_sharp_corners(&gentle, false, 15.0, [[0.0; 2]; 2], &mut out);
        assert_eq!(out, gentle.to_vec());
        let short = [[0.0, 0.0], [20.0, 0.0], [20.0, 100.0]];
        split_sharp_corners(&short, false, 15.0, [[0.0; 2]; 2], &mut out);
        assert!(near(&out, &[[0.0, 0.0], [20.0, 0.0], [20.0, 15.0], [20.0, 100.0]]), "{out:?}");
        // A closed square: its closing vertex is a corner too.
        let square = [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0], [0.0, 0.0]];
        split_sharp_corners(&square, true, 10.0, [[0.0; 2]; 2], &mut out);
        assert_eq!(out.len(), 5 + 8);
        assert!(near(&out[1..2], &[[10.0, 0.0]]) && near(&out[out.len() - 2..out.len() - 1], &[[0.0, 10.0]]), "{out:?}");
    }

    #[test]
    fn added_vertices_lie_on_the_tile_unit_grid() {
        let mut out = Vec::new();
        // A slanted corner: 15 px back along (-3, -4)/5 is (-9, -12) from
        // the corner, off a grid of 2 px units; a quarter-turned grid of
        // 5 px units holds it.
        let slant = [[0.0, 0.0], [30.0, 40.0], [70.0, 10.0]];
        split_sharp_corners(&slant, false, 15.0, [[0.0; 2]; 2], &mut out);
        assert!((out[1][0] - 21.0).abs() < 1e-4 && (out[1][1] - 28.0).abs() < 1e-4, "{out:?}");
        // 2 px grid: (-9, -12) stays (-9 rounds to -10 or -8: -4.5 units -> -4 or -5).
        split_sharp_corners(&slant, false, 15.0, [[2.0, 0.0], [0.0, 2.0]], &mut out);
        let back = [out[1][0] - 30.0, out[1][1] - 40.0];
        assert!(back[0].rem_euclid(2.0) < 1e-4 && back[1].rem_euclid(2.0) < 1e-4 && (back[1] + 12.0).abs() < 1e-4, "{out:?}");
        // A grid turned by 90 degrees (bearing): units along (0, 5) and (-5, 0).
        split_sharp_corners(&slant, false, 15.0, [[0.0, 5.0], [-5.0, 0.0]], &mut out);
        let back = [out[1][0] - 30.0, out[1][1] - 40.0];
        assert!((back[0] + 10.0).abs() < 1e-4 && (back[1] + 10.0).abs() < 1e-4, "{out:?}");
    }
}
