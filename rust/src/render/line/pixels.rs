//! The line's pixels: each segment's triangles, round pieces and bevels
//! blended per pixel centre into the band's coverage (or, for patterns,
//! premultiplied colour), then the feature composited once.

use super::super::backend::Canvas;
use super::super::composite::{blend_over, to_u8, Premul};
use super::super::display_list::{GroundMap, LineStyle};
use super::join::Bevel;
use super::paint::{Paint, Ramp};
use super::segments::{inside, Chunk, Seg};

/// Everything the pixel loops of one line feature read. `GRAD`: with
/// `paint.gradient`; `PAT`: with `paint.pattern`; `PERSP`: on the ground
/// (`ground`: the geometry and sizes are in ground units, each pixel is
/// mapped to the ground and measured there, the antialiasing ramp stays
/// one device px).
pub(super) struct Pen<'a, const GRAD: bool, const PAT: bool, const PERSP: bool> {
    /// Band width in px.
    pub(super) w: usize,
    /// The band's drawable box `(x0, y0, x1, y1)`, rows from the band's top.
    pub(super) limits: (f32, f32, f32, f32),
    /// The band's first row on the target.
    pub(super) top: f32,
    pub(super) style: &'a LineStyle,
    pub(super) paint: &'a Paint<'a>,
    pub(super) dash: Option<&'a [f32]>,
    /// The dash pattern's period.
    pub(super) dash_total: f32,
    /// Half the width of the smoothstep fading dash ends (`style.dash_fade`, bounded).
    pub(super) dash_fade: f32,
    pub(super) ground: Option<&'a GroundMap>,
    /// How far the quads reach from the centre line.
    pub(super) outset: f32,
    /// Gap lines: where the inner ramp starts (else -infinity).
    pub(super) inset: f32,
    /// Blur plus the 1 px antialiasing ramp.
    pub(super) blur2: f32,
    /// The colour's opacity: coverage holds the combined alpha of it.
    pub(super) op: f32,
}

/// The band's per-pixel buffers and the rows and columns touched.
pub(super) struct Pixels<'a> {
    pub(super) cov: &'a mut [f32],
    /// Line progress per pixel (gradient lines only).
    pub(super) progress: &'a mut [f32],
    /// Premultiplied colour per pixel (pattern lines only).
    pub(super) acc: &'a mut [[f32; 4]],
    /// Per row: the columns [x0, x1) touched (empty when x0 >= x1).
    pub(super) spans: &'a mut [(u32, u32)],
    /// Rows touched: [y0, y1).
    pub(super) rows: (usize, usize),
}

/// Marks columns `[x0, x1)` of row `ry` touched.
#[inline]
fn touch(spans: &mut [(u32, u32)], rows: &mut (usize, usize), ry: usize, x0: u32, x1: u32) {
    let sp = &mut spans[ry];
    sp.0 = sp.0.min(x0);
    sp.1 = sp.1.max(x1);
    *rows = (rows.0.min(ry), rows.1.max(ry + 1));
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

impl<const GRAD: bool, const PAT: bool, const PERSP: bool> Pen<'_, GRAD, PAT, PERSP> {
    /// The ground map: always `None` for flat lines, known when compiling.
    #[inline]
    fn ground(&self) -> Option<&GroundMap> {
        if PERSP {
            self.ground
        } else {
            None
        }
    }

    /// MapLibre's ramp (device pixel ratio 1: antialiasing 0.5 px) at
    /// distance `d` from the centre line; `b2`: `blur2` in the units of `d`.
    #[inline]
    fn ramp(&self, d: f32, b2: f32) -> f32 {
        let v = (d - (self.inset - b2)).min(self.outset - d);
        // Dividing by 1 (no blur, most lines) is exact: skip the division.
        (if !PERSP && self.blur2 == 1.0 { v } else { v / b2 }).clamp(0.0, 1.0)
    }

    /// `blur2` at device pixel (x, y) seeing the ground with `1 / w` = k,
    /// across the direction `dir` (unit, ground): times the ground units
    /// per device px there, MapLibre's gamma scale.
    #[inline]
    fn b2_at(&self, x: f32, y: f32, k: f64, dir: [f32; 2]) -> f32 {
        match self.ground() {
            Some(gm) => self.blur2 * gm.units_per_px(x, y, k, dir),
            None => self.blur2,
        }
    }

    /// The dash factor at distance `along` the line (1 without dashes).
    /// MapLibre's dash atlas is a distance field: the dash ends fade by a
    /// smoothstep over +-`dash_fade` px along the line.
    #[inline]
    fn dash_at(&self, along: f32) -> f32 {
        let Some(pat) = self.dash else { return 1.0 };
        let fade = self.dash_fade;
        let mut pos = along.rem_euclid(self.dash_total);
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
    }

    /// Draws the chunk's segments, then its bevels, and empties it.
    pub(super) fn draw(&self, chunk: &mut Chunk, px: &mut Pixels) {
        for (si, s) in chunk.segs.iter().enumerate() {
            let on_screen = if PERSP { chunk.on_screen.get(si) } else { None };
            self.segment(s, on_screen, px);
        }
        for bv in &chunk.bevels {
            self.bevel(bv, px);
        }
        chunk.clear();
    }

    /// One segment: its quad's two triangles and its round pieces, each
    /// blended on its own like GL's (they overlap where a short segment's
    /// quad folds over, and at joins).
    #[allow(clippy::needless_range_loop)]
    fn segment(&self, s: &Seg, on_screen: Option<&super::segments::OnScreen>, px: &mut Pixels) {
        let (lx0, ly0, lx1, ly1) = self.limits;
        let (w, top_f, outset, op) = (self.w, self.top, self.outset, self.op);
        let ground = self.ground();
        let (cov, progress, acc) = (&mut *px.cov, &mut *px.progress, &mut *px.acc);
        let (spans, rows) = (&mut *px.spans, &mut px.rows);
        let (a, b) = (s.a, s.b);
        let dx = b[0] - a[0];
        let dy = b[1] - a[1];
        let len2 = dx * dx + dy * dy;
        let len = len2.sqrt();
        let inv_len = if len > 0.0 { 1.0 / len } else { 0.0 };
        let inv_len2 = inv_len * inv_len;
        let (round_start, round_end) = (s.start.is_round(self.style.cap), s.end.is_round(self.style.cap));
        let bb = s.bbox;
        if !(bb[0].is_finite() && bb[1].is_finite() && bb[2].is_finite() && bb[3].is_finite()) {
            return;
        }
        let ry0 = ((bb[1] - top_f).floor().max(ly0)) as usize;
        let ry1 = ((bb[3] - top_f).ceil().clamp(ly0, ly1)) as usize;
        let bx0 = bb[0].floor().max(lx0);
        let bx1 = bb[2].ceil().min(lx1);
        if ry0 >= ry1 || bx0 >= bx1 {
            return;
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
                let xc = a[0] + (sy - a[1]) * dx / dy;
                let hwx = outset * len / dy.abs() + 1.0;
                rx0 = rx0.max((xc - hwx).floor());
                rx1 = rx1.min((xc + hwx).ceil());
            }
            if rx0 >= rx1 {
                continue;
            }
            let mut touched = false;
            for rx in rx0 as usize..rx1 as usize {
                let sx = rx as f32 + 0.5;
                let Some((px_, py, k)) = measured_at(ground, sx, sy) else { continue };
                let vx = px_ - a[0];
                let vy = py - a[1];
                let perp = if len > 0.0 { (vx * dy - vy * dx).abs() * inv_len } else { (vx * vx + vy * vy).sqrt() };
                if perp >= outset {
                    continue;
                }
                let b2 = self.b2_at(sx, sy, k, nrm);
                // GL draws the quad as two triangles, each blended on its own.
                let (h0, h1) = (inside(&s.tris[0], px_, py), inside(&s.tris[1], px_, py));
                let t = if len2 > 0.0 { (vx * dx + vy * dy) * inv_len2 } else { 0.0 };
                // Round caps and joins: a piece past the vertex whose alpha
                // follows the distance to the vertex.
                let round_d = if t < 0.0 && round_start {
                    let d = (vx * vx + vy * vy).sqrt();
                    (-t * len <= outset && d < outset).then_some(d)
                } else if t > 1.0 && round_end {
                    let (ex, ey) = (px_ - b[0], py - b[1]);
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
                        self.b2_at(sx, sy, k, [(px_ - v[0]) / d, (py - v[1]) / d])
                    }
                    _ => b2,
                };
                let i = ry * w + rx;
                if let (true, Some(pat)) = (PAT, self.paint.pattern) {
                    // Every piece blends its own texel: along the line from
                    // the quad's corners (as dashes), across it the corners'
                    // sides (GL's v_normal.y), barycentric in each triangle.
                    let acc = &mut acc[i];
                    let base = self.ramp(perp, b2) * op;
                    let e = |f: &[f32; 3]| f[0] * px_ + f[1] * py + f[2];
                    let [d0, d1] = s.prog;
                    if h0 {
                        let [_, r0, l1] = &s.tris[0];
                        pat.over(acc, d0 + (d1 - d0) * e(l1), e(r0), base);
                    }
                    if h1 {
                        let [r0, l1, _] = &s.tris[1];
                        pat.over(acc, d0 + (d1 - d0) * (1.0 - e(r0)), 1.0 - e(l1), base);
                    }
                    if let Some(d) = round_d {
                        let side = (vx * dy - vy * dx) * inv_len;
                        pat.over(acc, d0 + (d1 - d0) * t.clamp(0.0, 1.0), 0.5 + 0.5 * side / outset, self.ramp(d, b2r) * op);
                    }
                    touched = true;
                    continue;
                }
                // Distance along the line: GL interpolates it from the
                // quad's corners (start distance at a's corners, end at b's).
                let base = self.ramp(perp, b2) * op;
                let mut keep = 1.0 - cov[i];
                // Solid lines need no distance along the line (a dash
                // factor of 1 leaves `base` as it is).
                let [d0, d1] = s.prog;
                let dashed = self.dash.is_some();
                if h0 {
                    let l2 = s.tris[0][2];
                    keep *= 1.0 - if dashed { base * self.dash_at(d0 + (d1 - d0) * (l2[0] * px_ + l2[1] * py + l2[2])) } else { base };
                }
                if h1 {
                    let l0 = s.tris[1][0];
                    keep *= 1.0 - if dashed { base * self.dash_at(d0 + (d1 - d0) * (1.0 - (l0[0] * px_ + l0[1] * py + l0[2]))) } else { base };
                }
                if let Some(d) = round_d {
                    keep *= 1.0 - self.ramp(d, b2r) * op * self.dash_at(d0 + (d1 - d0) * t.clamp(0.0, 1.0));
                }
                let c = 1.0 - keep;
                if c > cov[i] {
                    cov[i] = c;
                    touched = true;
                    if GRAD {
                        progress[i] = d0 + (d1 - d0) * t.clamp(0.0, 1.0);
                    }
                }
            }
            if touched {
                touch(spans, rows, ry, rx0 as u32, rx1 as u32);
            }
        }
    }

    /// A bevel triangle: the normal runs from the corners' edge (outset) to
    /// the inner miter point (the other side).
    fn bevel(&self, bv: &Bevel, px: &mut Pixels) {
        let (lx0, ly0, lx1, ly1) = self.limits;
        let (w, top_f) = (self.w, self.top);
        let ground = self.ground();
        let (cov, progress, acc) = (&mut *px.cov, &mut *px.progress, &mut *px.acc);
        let (spans, rows) = (&mut *px.spans, &mut px.rows);
        let (p0, p1, p2) = (bv.o1, bv.o2, bv.mi);
        let area = (p1[0] - p0[0]) * (p2[1] - p0[1]) - (p1[1] - p0[1]) * (p2[0] - p0[0]);
        if area.abs() < 1e-6 {
            return;
        }
        let bb = match ground {
            Some(gm) => gm.hull_bounds(&[p0, p1, p2], 0.0),
            None => [p0[0].min(p1[0]).min(p2[0]), p0[1].min(p1[1]).min(p2[1]), p0[0].max(p1[0]).max(p2[0]), p0[1].max(p1[1]).max(p2[1])],
        };
        if !(bb[0] <= bb[2] && bb[1] <= bb[3]) {
            return;
        }
        let ty0 = ((bb[1] - top_f).floor().max(ly0)) as usize;
        let ty1 = ((bb[3] - top_f).ceil().clamp(ly0, ly1)) as usize;
        let tx0 = bb[0].floor().max(lx0) as usize;
        let tx1 = bb[2].ceil().min(lx1) as usize;
        let dir = {
            let m = [p2[0] - (p0[0] + p1[0]) / 2.0, p2[1] - (p0[1] + p1[1]) / 2.0];
            let l = (m[0] * m[0] + m[1] * m[1]).sqrt();
            if l > 0.0 { [m[0] / l, m[1] / l] } else { [0.0, 1.0] }
        };
        for ry in ty0..ty1 {
            let sy = top_f + ry as f32 + 0.5;
            for rx in tx0..tx1.max(tx0) {
                let sx = rx as f32 + 0.5;
                let Some((x, y, k)) = measured_at(ground, sx, sy) else { continue };
                // Barycentric weight of the inner point.
                let l2 = ((p1[0] - p0[0]) * (y - p0[1]) - (p1[1] - p0[1]) * (x - p0[0])) / area;
                let l0 = ((p2[0] - p1[0]) * (y - p1[1]) - (p2[1] - p1[1]) * (x - p1[0])) / area;
                let l1 = 1.0 - l0 - l2;
                if l0 < 0.0 || l1 < 0.0 || l2 < 0.0 {
                    continue;
                }
                let across = 1.0 - 2.0 * l2;
                let alpha = self.ramp(across.abs() * self.outset, self.b2_at(sx, sy, k, dir)) * self.op;
                if alpha <= 0.0 {
                    continue;
                }
                let i = ry * w + rx;
                match (PAT, self.paint.pattern) {
                    // The corners are on one side of the line, the inner point on the other.
                    (true, Some(pat)) => {
                        let across = if bv.side > 0.0 { l2 } else { 1.0 - l2 };
                        pat.over(&mut acc[i], bv.along, across, alpha);
                    }
                    _ => cov[i] = 1.0 - (1.0 - cov[i]) * (1.0 - alpha),
                }
                if GRAD {
                    progress[i] = bv.along;
                }
                touch(spans, rows, ry, rx as u32, rx as u32 + 1);
            }
        }
    }

    /// Composites what the feature drew (`color` premultiplied; under the
    /// clip's coverage) and clears the buffers it touched.
    pub(super) fn composite<C: Canvas>(&self, canvas: &mut C, clip: Option<&C::Clip>, color: Premul, px: &mut Pixels) {
        let (y0, y1) = std::mem::replace(&mut px.rows, (usize::MAX, 0));
        if y0 >= y1 {
            return;
        }
        let w = self.w;
        let op = self.op;
        let mask = clip.map(C::clip_coverage);
        let mask_at = |i: usize| match mask {
            Some(m) => m[i] as f32 / 255.0,
            None => 1.0,
        };
        let ramp = if GRAD { self.paint.gradient.map(Ramp::new) } else { None };
        // An opaque colour fully covering a pixel replaces it: blending
        // would give these bytes (most pixels of a wide solid line).
        let solid = (!GRAD && color.a >= 1.0).then(|| [color.r, color.g, color.b, color.a].map(|v| to_u8(v * 255.0 + 0.5)));
        let out = canvas.pixels_mut();
        let (cov, progress, acc) = (&mut *px.cov, &*px.progress, &mut *px.acc);
        for y in y0..y1 {
            let (sx0, sx1) = std::mem::replace(&mut px.spans[y], (u32::MAX, 0));
            for x in sx0 as usize..(sx1 as usize).max(sx0 as usize) {
                let i = y * w + x;
                if PAT {
                    let [r, g, b, a] = std::mem::take(&mut acc[i]);
                    let m = mask_at(i);
                    if a > 0.0 && m > 0.0 {
                        blend_over(&mut out[i * 4..i * 4 + 4], Premul { r, g, b, a }.scale(m));
                    }
                    continue;
                }
                let c = cov[i];
                if c <= 0.0 {
                    continue;
                }
                cov[i] = 0.0;
                let m = mask_at(i);
                if m > 0.0 {
                    let paint = match (GRAD, &ramp) {
                        (true, Some(r)) => r.at(progress[i]).scale(color.a),
                        _ => color,
                    };
                    // Opaque colours (most lines): dividing by 1 is exact.
                    let k = if op == 1.0 { c * m } else { c / op * m };
                    match solid {
                        Some(bytes) if k == 1.0 => out[i * 4..i * 4 + 4].copy_from_slice(&bytes),
                        _ => blend_over(&mut out[i * 4..i * 4 + 4], paint.scale(k)),
                    }
                }
            }
        }
    }
}
