//! Raster painter (`raster` layers): an image drawn over its quad, sampled
//! per device pixel through the command's device-to-texel matrix with
//! clamp-to-edge addressing (GL `CLAMP_TO_EDGE`), filtered bilinearly
//! between texel centres in premultiplied colour (`linear`) or from the
//! nearest texel (`nearest`), then adjusted like MapLibre's raster shader:
//! the colour is un-premultiplied, its alpha multiplied by the opacity, its
//! hue turned (a rotation about the grey axis), saturation and contrast
//! scaled, and the result mapped into `[brightness-min, brightness-max]`.
//!
//! A pixel's colour depends only on its absolute position, so banding stays
//! deterministic.

use super::coverage::over;
use super::display_list::{HillshadeShade, RasterStyle, Resampling};

/// A raster image ready to sample.
pub(crate) struct RasterShader<'a> {
    data: &'a [u8],
    w: usize,
    h: usize,
    m: [[f64; 3]; 3],
    nearest: bool,
    opacity: f32,
    /// Colour adjustments needed (otherwise the premultiplied texel times
    /// the opacity is the result).
    adjust: bool,
    spin: [f32; 3],
    saturation: f32,
    contrast: f32,
    low: f32,
    high: f32,
    /// Hillshade layers: the texel is a slope, shaded after filtering.
    hillshade: Option<&'a HillshadeShade>,
}

fn finite_or(v: f32, d: f32) -> f32 {
    if v.is_finite() {
        v
    } else {
        d
    }
}

impl<'a> RasterShader<'a> {
    /// `None` when nothing is drawn (no opacity, bad image or matrix).
    pub fn new(s: &'a RasterStyle) -> Option<RasterShader<'a>> {
        let (w, h) = (s.image.width as usize, s.image.height as usize);
        let opacity = finite_or(s.opacity, 0.0).min(1.0);
        let finite = s.to_texel.iter().flatten().all(|v| v.is_finite());
        if w == 0 || h == 0 || opacity <= 0.0 || !finite || s.image.data.len() != w * h * 4 {
            return None;
        }
        // MapLibre's uniforms (raster program): hue rotation weights,
        // saturation and contrast factors.
        let angle = finite_or(s.hue_rotate, 0.0).to_radians();
        let (sn, c) = angle.sin_cos();
        let r3 = 3f32.sqrt();
        let spin = [(2.0 * c + 1.0) / 3.0, (-r3 * sn - c + 1.0) / 3.0, (r3 * sn - c + 1.0) / 3.0];
        let sat = finite_or(s.saturation, 0.0).clamp(-1.0, 1.0);
        let saturation = if sat > 0.0 { 1.0 - 1.0 / (1.001 - sat) } else { -sat };
        let con = finite_or(s.contrast, 0.0).clamp(-1.0, 1.0);
        let contrast = if con > 0.0 { 1.0 / (1.0 - con).max(1e-6) } else { 1.0 + con };
        let (low, high) = (finite_or(s.brightness_min, 0.0), finite_or(s.brightness_max, 1.0));
        let adjust = s.hue_rotate.is_finite() && s.hue_rotate.rem_euclid(360.0) != 0.0
            || saturation != 0.0
            || contrast != 1.0
            || low != 0.0
            || high != 1.0;
        Some(RasterShader {
            data: &s.image.data,
            w,
            h,
            m: s.to_texel,
            nearest: s.resampling == Resampling::Nearest,
            opacity,
            adjust,
            spin,
            saturation,
            contrast,
            low,
            high,
            hillshade: s.hillshade.as_deref(),
        })
    }

    #[inline]
    fn texel(&self, x: usize, y: usize) -> [f32; 4] {
        let i = (y * self.w + x) * 4;
        let p = &self.data[i..i + 4];
        [p[0] as f32, p[1] as f32, p[2] as f32, p[3] as f32]
    }

    /// The filtered premultiplied texel (0..255 floats) at texel coordinates
    /// `(u, v)` (texel centres at `i + 0.5`), clamped to the edges.
    #[inline]
    fn filtered(&self, u: f64, v: f64) -> [f32; 4] {
        let (wf, hf) = (self.w as f64, self.h as f64);
        if self.nearest {
            let x = u.floor().clamp(0.0, wf - 1.0) as usize;
            let y = v.floor().clamp(0.0, hf - 1.0) as usize;
            return self.texel(x, y);
        }
        let tu = (u - 0.5).clamp(-1.0, wf);
        let tv = (v - 0.5).clamp(-1.0, hf);
        let (fu, fv) = (tu.floor(), tv.floor());
        let (ax, ay) = ((tu - fu) as f32, (tv - fv) as f32);
        let cl = |i: f64, n: f64| i.clamp(0.0, n - 1.0) as usize;
        let (x0, x1) = (cl(fu, wf), cl(fu + 1.0, wf));
        let (y0, y1) = (cl(fv, hf), cl(fv + 1.0, hf));
        let (p00, p10, p01, p11) = (self.texel(x0, y0), self.texel(x1, y0), self.texel(x0, y1), self.texel(x1, y1));
        let (w00, w10, w01, w11) = ((1.0 - ax) * (1.0 - ay), ax * (1.0 - ay), (1.0 - ax) * ay, ax * ay);
        std::array::from_fn(|c| p00[c] * w00 + p10[c] * w10 + p01[c] * w01 + p11[c] * w11)
    }

    /// Premultiplied RGBA8 (little-endian u32) at absolute device pixel `(x, y)`.
    #[inline]
    pub fn sample(&self, x: usize, y: usize) -> u32 {
        let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
        let m = &self.m;
        let q = m[2][0] * px + m[2][1] * py + m[2][2];
        if q.is_nan() || q <= 0.0 {
            return 0;
        }
        let u = (m[0][0] * px + m[0][1] * py + m[0][2]) / q;
        let v = (m[1][0] * px + m[1][1] * py + m[1][2]) / q;
        if !(u.is_finite() && v.is_finite()) {
            return 0;
        }
        let t = self.filtered(u, v);
        if let Some(h) = self.hillshade {
            return super::hillshade::shade(h, t, v / self.h as f64);
        }
        let mut out = [0u8; 4];
        if !self.adjust {
            for c in 0..4 {
                out[c] = (t[c] * self.opacity + 0.5).clamp(0.0, 255.0) as u8;
            }
        } else {
            let a = t[3] / 255.0;
            let mut rgb = [t[0] / 255.0, t[1] / 255.0, t[2] / 255.0];
            if a > 0.0 {
                rgb = rgb.map(|c| c / a);
            }
            let alpha = a * self.opacity;
            let s = self.spin;
            let spun = [
                rgb[0] * s[0] + rgb[1] * s[1] + rgb[2] * s[2],
                rgb[0] * s[2] + rgb[1] * s[0] + rgb[2] * s[1],
                rgb[0] * s[1] + rgb[1] * s[2] + rgb[2] * s[0],
            ];
            // MapLibre averages the colour before the hue turn.
            let average = (rgb[0] + rgb[1] + rgb[2]) / 3.0;
            for c in 0..3 {
                let mut v = spun[c];
                v += (average - v) * self.saturation;
                v = (v - 0.5) * self.contrast + 0.5;
                v = self.low + (self.high - self.low) * v;
                out[c] = ((v * alpha).clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
            }
            out[3] = (alpha.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
        }
        let a = out[3];
        for c in &mut out[..3] {
            *c = (*c).min(a);
        }
        u32::from_le_bytes(out)
    }

    /// Source-over of the image over the pixels of a band (`top`: its
    /// first absolute row, `band_h` rows) whose centres are inside `rings`
    /// (even-odd), optionally through `clip` (one byte per band pixel).
    /// Pixel centres exactly on an edge follow GL's top-left rule; the
    /// crossings are computed per row from absolute coordinates, so the
    /// result does not depend on how the target is split into bands.
    pub fn fill_rings(&self, pixels: &mut [u8], width: usize, top: u32, band_h: usize, rings: &[Vec<[f32; 2]>], clip: Option<&[u8]>) {
        let mut xs: Vec<f64> = Vec::new();
        let mut y_lo = f64::INFINITY;
        let mut y_hi = f64::NEG_INFINITY;
        for p in rings.iter().flatten() {
            if !(p[0].is_finite() && p[1].is_finite()) {
                return;
            }
            y_lo = y_lo.min(p[1] as f64);
            y_hi = y_hi.max(p[1] as f64);
        }
        let first = ((y_lo - 0.5).ceil().max(top as f64) as i64).max(0) as usize;
        let last = ((y_hi - 0.5).ceil().min((top as usize + band_h) as f64)).max(0.0) as usize;
        for y in first.max(top as usize)..last.min(top as usize + band_h) {
            let yc = y as f64 + 0.5;
            xs.clear();
            for ring in rings {
                let n = ring.len();
                for i in 0..n {
                    let (mut a, mut b) = (ring[i], ring[(i + 1) % n]);
                    // The same crossing for an edge shared by two polygons
                    // whichever way each runs along it.
                    if (b[1], b[0]) < (a[1], a[0]) {
                        std::mem::swap(&mut a, &mut b);
                    }
                    let (ax, ay, bx, by) = (a[0] as f64, a[1] as f64, b[0] as f64, b[1] as f64);
                    // Half-open in y: an edge owns its upper end, not its lower one.
                    if (ay <= yc && yc < by) || (by <= yc && yc < ay) {
                        xs.push(ax + (yc - ay) * (bx - ax) / (by - ay));
                    }
                }
            }
            if xs.len() < 2 {
                continue;
            }
            xs.sort_by(|a, b| a.total_cmp(b));
            let r = y - top as usize;
            for pair in xs.chunks_exact(2) {
                // Pixels whose centres lie in [x0, x1).
                let x0 = (pair[0] - 0.5).ceil().clamp(0.0, width as f64) as usize;
                let x1 = (pair[1] - 0.5).ceil().clamp(0.0, width as f64) as usize;
                for x in x0..x1 {
                    let i = r * width + x;
                    let cover = match clip {
                        Some(c) => c[i] as u32,
                        None => 255,
                    };
                    if cover == 0 {
                        continue;
                    }
                    let src = self.sample(x, y);
                    let p = &mut pixels[i * 4..i * 4 + 4];
                    if cover == 255 && src >> 24 == 255 {
                        p.copy_from_slice(&src.to_le_bytes());
                    } else if src != 0 {
                        p.copy_from_slice(&over(src, cover, u32::from_le_bytes([p[0], p[1], p[2], p[3]])).to_le_bytes());
                    }
                }
            }
        }
    }
}
