//! Textured quads as GL draws them, shared by the SDF and icon painters:
//! two triangles, (tl, tr, bl) and (tr, bl, br). Vertices are snapped to a
//! 1/256-pixel grid (as a GPU's sub-pixel precision does) so the edge
//! functions are exact integers: a device pixel is shaded iff its centre is
//! inside a triangle, with the top-left rule for centres exactly on an
//! edge, so the shared diagonal and edges shared by neighbouring quads are
//! shaded exactly once. Each shaded pixel gets its perspective-correct
//! texel coordinate (texel centres at `+0.5`) and the caller's shader
//! decides its colour. A pixel's result depends only on its absolute
//! position, so banding stays deterministic.

use super::composite::{blend_over, Premul};

/// Sub-pixel grid of the snapped vertices (8 bits, 1/256 px).
const SUB: i64 = 256;
/// Quads with a corner farther than this from the origin (device px) are
/// not drawn: it keeps the integer edge functions far from overflow.
const MAX_COORD: f32 = (1 << 21) as f32;

/// A band of the target.
pub(crate) struct Band<'a> {
    pub pixels: &'a mut [u8],
    pub width: usize,
    pub top: i64,
    pub rows: usize,
}

/// An attribute as a plane over device space: `a + dx * (x - ox) + dy * (y - oy)`.
#[derive(Clone, Copy)]
struct Plane {
    a: f64,
    dx: f64,
    dy: f64,
}

/// A quad to draw: device-px corners (tl, tr, br, bl), their perspective
/// w, and the texel rectangle (x, y, w, h) mapped onto them.
pub(crate) struct TexturedQuad {
    pub corners: [[f32; 2]; 4],
    pub w: [f32; 4],
    pub tex: [f32; 4],
}

/// Draws `quad`, blending `shader(u, v)` (premultiplied, `None` = nothing)
/// over each pixel it covers in `band`.
/// Generic over the shader so that it inlines into the per-pixel loop.
pub(crate) fn draw_quad<F: Fn(f32, f32) -> Option<Premul>>(band: &mut Band, quad: &TexturedQuad, shader: &F) {
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
        draw_triangle(band, shader, tri.map(|i| v[i]), tri.map(|i| uv[i]), tri.map(|i| quad.w[i] as f64), affine);
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

fn draw_triangle<F: Fn(f32, f32) -> Option<Premul>>(band: &mut Band, shader: &F, v: [[i64; 2]; 3], uv: [[f64; 2]; 3], w: [f64; 3], affine: bool) {
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
        let mut shade = |x: i64, u: f64, t: f64| {
            if let Some(color) = shader(u as f32, t as f32) {
                let i = x as usize * 4;
                blend_over(&mut row[i..i + 4], color);
            }
        };
        // Flat quads (the usual case) and perspective ones in loops of their own.
        match (pq, bq) {
            (Some(p), Some(b)) => {
                for x in x0..x1 {
                    let rx = x as f64 + 0.5 - ox;
                    let q = b + p.dx * rx;
                    if q > 0.0 {
                        shade(x, (bu + pu.dx * rx) / q, (bv + pv.dx * rx) / q);
                    }
                }
            }
            _ => {
                for x in x0..x1 {
                    let rx = x as f64 + 0.5 - ox;
                    shade(x, bu + pu.dx * rx, bv + pv.dx * rx);
                }
            }
        }
    }
}

