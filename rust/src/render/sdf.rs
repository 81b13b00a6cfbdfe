//! SDF glyph painter (text and SDF icons): MapLibre's symbol_sdf shader on
//! the CPU.
//!
//! Every quad is drawn as GL draws it: two triangles, (tl, tr, bl) and
//! (tr, bl, br). Vertices are snapped to a 1/256-pixel grid (as a GPU's
//! sub-pixel precision does) so the edge functions are exact integers: a
//! device pixel is shaded iff its centre is inside a triangle, with the
//! top-left rule for centres exactly on an edge, so the shared diagonal and
//! edges shared by neighbouring quads are shaded exactly once. Each shaded
//! pixel samples the SDF bilinearly (texel centres at `+0.5`, texels outside
//! the bitmap read 0) at its perspective-correct texel coordinate and is
//! composited source-over with
//! `colour * smoothstep(buff - gamma, buff + gamma, dist) * opacity`.
//!
//! All halos are drawn first, then all fills, each in quad order. A pixel's
//! result depends only on its absolute position (spans and attributes are
//! computed per absolute row and column), so banding stays deterministic.
//!
//! Quads with a non-finite corner, `w`, texel rectangle or scale, a corner
//! beyond +-2^21 px, a `w <= 0`, an unknown paint or a malformed bitmap
//! draw nothing. The work per quad is bounded by its bounding box clipped
//! to the band and target; each row's span comes straight from the edge
//! functions, so no pixel outside the triangle is visited.

use super::composite::{blend_over, sanitize, Premul};
use super::display_list::{SdfPaint, SdfQuad};
use crate::text::glyph::SdfBitmap;

/// The SDF's distance scale: texel values per pixel of distance (MapLibre's `SDF_PX`).
const SDF_PX: f32 = 8.0;
/// Sub-pixel grid of the snapped vertices (8 bits, 1/256 px).
const SUB: i64 = 256;
/// Quads with a corner farther than this from the origin (device px) are
/// not drawn: it keeps the integer edge functions far from overflow.
const MAX_COORD: f32 = (1 << 21) as f32;

/// What one pass (halo or fill) of one quad draws with.
#[derive(Clone, Copy)]
struct Shade {
    /// Premultiplied colour times the opacity.
    color: Premul,
    lo: f32,
    hi: f32,
    /// `1 / (hi - lo)` (0 when the step is sharp).
    inv: f32,
    /// The colour's bytes when it is opaque (then full alpha replaces the pixel).
    opaque: Option<[u8; 4]>,
}

impl Shade {
    /// GLSL `smoothstep(lo, hi, dist)`.
    #[inline]
    fn alpha(&self, dist: f32) -> f32 {
        if dist < self.lo {
            0.0
        } else if dist >= self.hi {
            1.0
        } else {
            let t = (dist - self.lo) * self.inv;
            t * t * (3.0 - 2.0 * t)
        }
    }
}

fn unit(v: f32) -> f32 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(0.0, 1.0)
    }
}

/// The shading of `quad` in the halo (`halo`) or fill pass; `None` when the
/// pass draws nothing for it.
fn shade(quad: &SdfQuad, paint: &SdfPaint, edge_gamma: f32, halo: bool) -> Option<Shade> {
    let f = quad.font_scale;
    let g = quad.gamma_scale;
    if !(f.is_finite() && f > 0.0 && g.is_finite() && g >= 0.0) {
        return None;
    }
    let opacity = unit(paint.opacity);
    let (color, gamma, buff) = if halo {
        let hw = paint.halo_width;
        if !(hw.is_finite() && hw > 0.0) {
            return None;
        }
        let blur = if paint.halo_blur.is_finite() { paint.halo_blur.max(0.0) } else { 0.0 };
        let gamma = (blur * 1.19 / SDF_PX + edge_gamma) / f;
        (paint.halo_color, gamma, (6.0 - hw / f) / SDF_PX)
    } else {
        (paint.color, edge_gamma / f, (256.0 - 64.0) / 256.0)
    };
    let color = Premul::from_color(sanitize(color)).scale(opacity);
    let gs = gamma * g;
    if !(color.a > 0.0) || !gs.is_finite() || !buff.is_finite() {
        return None;
    }
    let (lo, hi) = (buff - gs, buff + gs);
    let inv = if hi > lo { 1.0 / (hi - lo) } else { 0.0 };
    let byte = |v: f32| (v * 255.0 + 0.5).clamp(0.0, 255.0) as u8;
    let opaque = (color.a >= 1.0).then(|| [byte(color.r), byte(color.g), byte(color.b), 255]);
    Some(Shade { color, lo, hi, inv, opaque })
}

/// Whether `paint` has a visible halo (what puts a quad in the halo pass).
fn has_halo(paint: &SdfPaint) -> bool {
    paint.halo_width > 0.0 && sanitize(paint.halo_color).a > 0.0 && paint.opacity > 0.0
}

/// The SDF distance (0..1) at texel coordinates `(u, v)`: GL `LINEAR`
/// filtering with texel centres at `i + 0.5`; texels outside read 0.
#[inline]
fn sample(bm: &SdfBitmap, u: f32, v: f32) -> f32 {
    let (w, h) = (bm.width as usize, bm.height as usize);
    let (tu, tv) = (u - 0.5, v - 0.5);
    let (t00, t10, t01, t11, ax, ay);
    // All four texels inside (NaN fails the comparisons).
    if tu >= 0.0 && tv >= 0.0 && tu < (w - 1) as f32 && tv < (h - 1) as f32 {
        let (x0, y0) = (tu as usize, tv as usize);
        (ax, ay) = (tu - x0 as f32, tv - y0 as f32);
        let i = y0 * w + x0;
        let d = &bm.data;
        (t00, t10, t01, t11) = (d[i], d[i + 1], d[i + w], d[i + w + 1]);
    } else {
        // Beyond one texel outside everything reads 0; clamping keeps the
        // integer conversion in range.
        let tu = tu.clamp(-1.0, w as f32);
        let tv = tv.clamp(-1.0, h as f32);
        let (fu, fv) = (tu.floor(), tv.floor());
        (ax, ay) = (tu - fu, tv - fv);
        let (x0, y0) = (fu as i64, fv as i64);
        (t00, t10, t01, t11) = (bm.texel(x0, y0), bm.texel(x0 + 1, y0), bm.texel(x0, y0 + 1), bm.texel(x0 + 1, y0 + 1));
    }
    let top = t00 as f32 + (t10 as f32 - t00 as f32) * ax;
    let bottom = t01 as f32 + (t11 as f32 - t01 as f32) * ax;
    (top + (bottom - top) * ay) * (1.0 / 255.0)
}

/// A band of the target.
struct Band<'a> {
    pixels: &'a mut [u8],
    width: usize,
    top: i64,
    rows: usize,
}

/// An attribute as a plane over device space: `a + dx * (x - ox) + dy * (y - oy)`.
#[derive(Clone, Copy)]
struct Plane {
    a: f64,
    dx: f64,
    dy: f64,
}

/// Draws `quads` into a band of premultiplied RGBA8 rows `top..top + rows`
/// of a `width`-pixel-wide target.
pub(crate) fn draw_sdf(pixels: &mut [u8], width: usize, top: u32, rows: usize, quads: &[SdfQuad], paints: &[SdfPaint], pixel_ratio: f32) {
    let rows = rows.min(pixels.len() / (width * 4).max(1));
    if width == 0 || rows == 0 || quads.is_empty() {
        return;
    }
    let ratio = if pixel_ratio.is_finite() && pixel_ratio > 0.0 { pixel_ratio } else { 1.0 };
    let edge_gamma = 0.105 / ratio;
    let mut band = Band { pixels, width, top: top as i64, rows };
    let (band_top, band_bottom) = (top as f32, top as f32 + rows as f32);
    for halo in [true, false] {
        for quad in quads {
            let Some(paint) = paints.get(quad.paint as usize) else { continue };
            if halo && !has_halo(paint) {
                continue;
            }
            // Cheap rejection first: most quads are outside most bands.
            let (mut y0, mut y1) = (f32::INFINITY, f32::NEG_INFINITY);
            for c in &quad.corners {
                y0 = y0.min(c[1]);
                y1 = y1.max(c[1]);
            }
            if !(y1 >= band_top - 1.0 && y0 <= band_bottom + 1.0) {
                continue;
            }
            let Some(s) = shade(quad, paint, edge_gamma, halo) else { continue };
            draw_quad(&mut band, quad, s);
        }
    }
}

fn draw_quad(band: &mut Band, quad: &SdfQuad, s: Shade) {
    let bm = &*quad.bitmap;
    if bm.width == 0 || bm.height == 0 || bm.data.len() < bm.width as usize * bm.height as usize {
        return;
    }
    let ok = |v: f32| v.is_finite() && v.abs() <= MAX_COORD;
    if !quad.corners.iter().all(|c| ok(c[0]) && ok(c[1]))
        || !quad.w.iter().all(|w| w.is_finite() && *w > 0.0)
        || !quad.tex.iter().all(|t| t.is_finite())
    {
        return;
    }
    let snap = |c: [f32; 2]| [(c[0] as f64 * SUB as f64).round() as i64, (c[1] as f64 * SUB as f64).round() as i64];
    let v = quad.corners.map(snap);
    let [tx, ty, tw, th] = quad.tex.map(|t| t as f64);
    // Texel coordinates of tl, tr, br, bl.
    let uv = [[tx, ty], [tx + tw, ty], [tx + tw, ty + th], [tx, ty + th]];
    let affine = quad.w.iter().all(|w| *w == quad.w[0]);
    for tri in [[0usize, 1, 3], [1, 3, 2]] {
        draw_triangle(band, bm, &s, tri.map(|i| v[i]), tri.map(|i| uv[i]), tri.map(|i| quad.w[i] as f64), affine);
    }
}

/// One edge's half-plane over a row: the centre of pixel `x` is inside iff
/// `c - s * x >= 0` (exact integers, the top-left rule folded into `c`).
#[derive(Clone, Copy)]
struct Edge {
    /// `dx`, `dy` of the edge (oriented so the interior is on the positive side), `a` its start.
    d: [i64; 2],
    a: [i64; 2],
    bias: i64,
}

impl Edge {
    fn new(a: [i64; 2], b: [i64; 2]) -> Edge {
        let d = [b[0] - a[0], b[1] - a[1]];
        // y is down and the interior lies where the cross product is
        // positive: left edges run upwards, top edges run rightwards.
        let owned = d[1] < 0 || (d[1] == 0 && d[0] > 0);
        Edge { d, a, bias: if owned { 0 } else { -1 } }
    }

    /// The pixel columns of row centre `py` (sub-pixel units) inside this
    /// edge, intersected with `[lo, hi)`.
    #[inline]
    fn clip(&self, py: i64, lo: i64, hi: i64) -> (i64, i64) {
        // E(x) = dx * (py - ay) - dy * (px - ax), px = SUB * x + SUB / 2.
        let c = self.d[0] * (py - self.a[1]) - self.d[1] * (SUB / 2 - self.a[0]) + self.bias;
        let s = self.d[1] * SUB;
        if s == 0 {
            if c >= 0 {
                (lo, hi)
            } else {
                (lo, lo)
            }
        } else if s > 0 {
            // x <= floor(c / s)
            (lo, hi.min(c.div_euclid(s) + 1))
        } else {
            // x >= ceil(c / -s) ... from c + |s| x >= 0: x >= -floor(c / |s|)
            (lo.max(-(c.div_euclid(-s))), hi)
        }
    }
}

fn plane(p: [[f64; 2]; 3], f: [f64; 3]) -> Plane {
    let (e1, e2) = ([p[1][0] - p[0][0], p[1][1] - p[0][1]], [p[2][0] - p[0][0], p[2][1] - p[0][1]]);
    let det = e1[0] * e2[1] - e2[0] * e1[1];
    let (f1, f2) = (f[1] - f[0], f[2] - f[0]);
    Plane { a: f[0], dx: (f1 * e2[1] - f2 * e1[1]) / det, dy: (f2 * e1[0] - f1 * e2[0]) / det }
}

fn draw_triangle(band: &mut Band, bm: &SdfBitmap, s: &Shade, v: [[i64; 2]; 3], uv: [[f64; 2]; 3], w: [f64; 3], affine: bool) {
    let area = (v[1][0] - v[0][0]) * (v[2][1] - v[0][1]) - (v[2][0] - v[0][0]) * (v[1][1] - v[0][1]);
    if area == 0 {
        return;
    }
    // Positive orientation: the interior on the positive side of every edge.
    let v = if area > 0 { v } else { [v[0], v[2], v[1]] };
    let (uv, w) = if area > 0 { (uv, w) } else { ([uv[0], uv[2], uv[1]], [w[0], w[2], w[1]]) };
    let edges = [Edge::new(v[0], v[1]), Edge::new(v[1], v[2]), Edge::new(v[2], v[0])];

    // Rows and columns whose centres may be inside, clipped to the band and target.
    let min_y = v.iter().map(|p| p[1]).min().unwrap_or(0);
    let max_y = v.iter().map(|p| p[1]).max().unwrap_or(0);
    let min_x = v.iter().map(|p| p[0]).min().unwrap_or(0);
    let max_x = v.iter().map(|p| p[0]).max().unwrap_or(0);
    let row0 = (min_y.div_euclid(SUB)).max(band.top);
    let row1 = (max_y.div_euclid(SUB) + 1).min(band.top + band.rows as i64);
    let col0 = min_x.div_euclid(SUB).max(0);
    let col1 = (max_x.div_euclid(SUB) + 1).min(band.width as i64);
    if row0 >= row1 || col0 >= col1 {
        return;
    }

    // Attribute planes over device px (the snapped positions), relative to v[0].
    let unit = 1.0 / SUB as f64;
    let pos = v.map(|p| [p[0] as f64 * unit, p[1] as f64 * unit]);
    let (pu, pv, pq) = if affine {
        (plane(pos, uv.map(|t| t[0])), plane(pos, uv.map(|t| t[1])), None)
    } else {
        let q = w.map(|w| 1.0 / w);
        (
            plane(pos, [uv[0][0] * q[0], uv[1][0] * q[1], uv[2][0] * q[2]]),
            plane(pos, [uv[0][1] * q[0], uv[1][1] * q[1], uv[2][1] * q[2]]),
            Some(plane(pos, q)),
        )
    };
    let (ox, oy) = (pos[0][0], pos[0][1]);

    let width = band.width;
    for y in row0..row1 {
        let py = y * SUB + SUB / 2;
        let (mut x0, mut x1) = (col0, col1);
        for e in &edges {
            let (a, b) = e.clip(py, x0, x1);
            x0 = a;
            x1 = b;
            if x0 >= x1 {
                break;
            }
        }
        if x0 >= x1 {
            continue;
        }
        let ry = y as f64 + 0.5 - oy;
        let (bu, bv) = (pu.a + pu.dy * ry, pv.a + pv.dy * ry);
        let bq = pq.map(|p| p.a + p.dy * ry);
        let row = &mut band.pixels[(y - band.top) as usize * width * 4..][..width * 4];
        for x in x0..x1 {
            let rx = x as f64 + 0.5 - ox;
            let (mut u, mut t) = (bu + pu.dx * rx, bv + pv.dx * rx);
            if let (Some(p), Some(b)) = (pq, bq) {
                let q = b + p.dx * rx;
                if !(q > 0.0) {
                    continue;
                }
                u /= q;
                t /= q;
            }
            let dist = sample(bm, u as f32, t as f32);
            let alpha = s.alpha(dist);
            if !(alpha > 0.0) {
                continue;
            }
            let i = x as usize * 4;
            match s.opaque {
                Some(bytes) if alpha >= 1.0 => row[i..i + 4].copy_from_slice(&bytes),
                _ => blend_over(&mut row[i..i + 4], s.color.scale(alpha)),
            }
        }
    }
}

#[cfg(test)]
#[path = "sdf_tests.rs"]
mod tests;
