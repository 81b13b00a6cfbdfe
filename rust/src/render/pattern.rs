//! Pattern paint (`background-pattern`, `fill-pattern`): an image repeated
//! over the plane, sampled per device pixel like MapLibre's pattern shaders
//! sample their atlas texture: the pixel centre is mapped to image texel
//! coordinates by the command's (possibly projective) matrix, wrapped with
//! the image's size as the period, and filtered bilinearly between the four
//! nearest texel centres (GL `LINEAR` over an atlas whose padding repeats
//! the opposite edges), in premultiplied colour, then times the opacity.
//!
//! A pixel's colour depends only on its absolute position, so banding stays
//! deterministic.

use super::coverage::over;
use super::display_list::PatternPaint;

/// A pattern ready to sample.
pub(crate) struct PatternShader<'a> {
    data: &'a [u8],
    w: usize,
    h: usize,
    m: [[f64; 3]; 3],
    opacity: f32,
}

impl<'a> PatternShader<'a> {
    /// `None` when the pattern draws nothing (no opacity, bad image or matrix).
    pub fn new(p: &'a PatternPaint) -> Option<PatternShader<'a>> {
        let (w, h) = (p.image.width as usize, p.image.height as usize);
        let opacity = if p.opacity.is_finite() { p.opacity.min(1.0) } else { 0.0 };
        let finite = p.to_texel.iter().flatten().all(|v| v.is_finite());
        if w == 0 || h == 0 || opacity <= 0.0 || !finite || p.image.data.len() != w * h * 4 {
            return None;
        }
        Some(PatternShader { data: &p.image.data, w, h, m: p.to_texel, opacity })
    }

    /// Premultiplied RGBA8 (little-endian u32) at absolute device pixel `(x, y)`.
    #[inline]
    pub fn sample(&self, x: usize, y: usize) -> u32 {
        let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
        let m = &self.m;
        let q = m[2][0] * px + m[2][1] * py + m[2][2];
        let u = (m[0][0] * px + m[0][1] * py + m[0][2]) / q;
        let v = (m[1][0] * px + m[1][1] * py + m[1][2]) / q;
        if !(u.is_finite() && v.is_finite()) {
            return 0;
        }
        let (wf, hf) = (self.w as f64, self.h as f64);
        // Texel centres sit at i + 0.5.
        let tu = u.rem_euclid(wf) - 0.5;
        let tv = v.rem_euclid(hf) - 0.5;
        let (fu, fv) = (tu.floor(), tv.floor());
        let (ax, ay) = ((tu - fu) as f32, (tv - fv) as f32);
        let wrap = |i: f64, n: usize| -> usize {
            let i = i as isize;
            if i < 0 {
                n - 1
            } else if i as usize >= n {
                0
            } else {
                i as usize
            }
        };
        let (x0, y0) = (wrap(fu, self.w), wrap(fv, self.h));
        let x1 = if x0 + 1 >= self.w { 0 } else { x0 + 1 };
        let y1 = if y0 + 1 >= self.h { 0 } else { y0 + 1 };
        let at = |xx: usize, yy: usize| -> &[u8] {
            let i = (yy * self.w + xx) * 4;
            &self.data[i..i + 4]
        };
        let (p00, p10, p01, p11) = (at(x0, y0), at(x1, y0), at(x0, y1), at(x1, y1));
        let (w00, w10, w01, w11) = ((1.0 - ax) * (1.0 - ay), ax * (1.0 - ay), (1.0 - ax) * ay, ax * ay);
        let mut out = [0u8; 4];
        for c in 0..4 {
            let v = (p00[c] as f32 * w00 + p10[c] as f32 * w10 + p01[c] as f32 * w01 + p11[c] as f32 * w11) * self.opacity;
            out[c] = (v + 0.5).clamp(0.0, 255.0) as u8;
        }
        // Keep the colour premultiplied after rounding.
        let a = out[3];
        for c in &mut out[..3] {
            *c = (*c).min(a);
        }
        u32::from_le_bytes(out)
    }

    /// Source-over of the pattern over a whole band (`top`: its first row).
    pub fn fill_band(&self, pixels: &mut [u8], width: usize, top: u32) {
        if width == 0 {
            return;
        }
        for (r, row) in pixels.chunks_exact_mut(width * 4).enumerate() {
            let y = r + top as usize;
            for (x, p) in row.chunks_exact_mut(4).enumerate() {
                let src = self.sample(x, y);
                if src >> 24 == 255 {
                    p.copy_from_slice(&src.to_le_bytes());
                } else if src != 0 {
                    p.copy_from_slice(&over(src, 255, u32::from_le_bytes([p[0], p[1], p[2], p[3]])).to_le_bytes());
                }
            }
        }
    }

    /// Source-over of the pattern through a per-pixel coverage mask (one
    /// byte per band pixel), optionally also through `clip`.
    pub fn fill_masked(&self, pixels: &mut [u8], width: usize, top: u32, mask: &[u8], clip: Option<&[u8]>) {
        if width == 0 {
            return;
        }
        for (r, row) in pixels.chunks_exact_mut(width * 4).enumerate() {
            let y = r + top as usize;
            let mrow = &mask[r * width..(r + 1) * width];
            for (x, p) in row.chunks_exact_mut(4).enumerate() {
                let mut cover = mrow[x] as u32;
                if let Some(c) = clip {
                    cover = (cover * c[r * width + x] as u32 + 127) / 255;
                }
                if cover == 0 {
                    continue;
                }
                let src = self.sample(x, y);
                if cover == 255 && src >> 24 == 255 {
                    p.copy_from_slice(&src.to_le_bytes());
                } else if src != 0 {
                    p.copy_from_slice(&over(src, cover, u32::from_le_bytes([p[0], p[1], p[2], p[3]])).to_le_bytes());
                }
            }
        }
    }
}
