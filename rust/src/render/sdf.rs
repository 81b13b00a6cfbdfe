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

use super::composite::{sanitize, Premul};
use super::textured::{self, Band, TexturedQuad};
use super::display_list::{SdfPaint, SdfQuad};
use crate::text::glyph::SdfBitmap;

/// The SDF's distance scale: texel values per pixel of distance (MapLibre's `SDF_PX`).
const SDF_PX: f32 = 8.0;

/// What one pass (halo or fill) of one quad draws with.
#[derive(Clone, Copy)]
struct Shade {
    /// Premultiplied colour times the opacity.
    color: Premul,
    lo: f32,
    hi: f32,
    /// `1 / (hi - lo)` (0 when the step is sharp).
    inv: f32,
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
    Some(Shade { color, lo, hi, inv })
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
    if tu >= 0.0 && tv >= 0.0 && tu < (w - 1) as f32 && tv < (h - 1) as f32 && bm.data.len() >= w * h {
        // SAFETY: 0 <= tu < w - 1 and 0 <= tv < h - 1 (finite), so the
        // truncations are defined, x0 + 1 < w and y0 + 1 < h; the bitmap
        // holds at least w * h texels, so all four indices are below w * h.
        unsafe {
            let (x0, y0) = (tu.to_int_unchecked::<u32>() as usize, tv.to_int_unchecked::<u32>() as usize);
            (ax, ay) = (tu - x0 as f32, tv - y0 as f32);
            let i = y0 * w + x0;
            let d = &bm.data;
            (t00, t10, t01, t11) = (*d.get_unchecked(i), *d.get_unchecked(i + 1), *d.get_unchecked(i + w), *d.get_unchecked(i + w + 1));
        }
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
    let shader = |u: f32, v: f32| {
        let alpha = s.alpha(sample(bm, u, v));
        (alpha > 0.0).then(|| s.color.scale(alpha))
    };
    textured::draw_quad(band, &TexturedQuad { corners: quad.corners, w: quad.w, tex: quad.tex }, &shader);
}

#[cfg(test)]
#[path = "sdf_tests.rs"]
mod tests;
