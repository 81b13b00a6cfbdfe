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
use super::display_list::{PatternImage, PatternPaint};

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
        if !p.to_texel.iter().flatten().all(|v| v.is_finite()) {
            return None;
        }
        let shader = PatternShader::for_image(&p.image, p.opacity)?;
        Some(PatternShader { m: p.to_texel, ..shader })
    }

    /// Premultiplied RGBA8 (little-endian u32) at absolute device pixel `(x, y)`.
    #[inline]
    pub fn sample(&self, x: usize, y: usize) -> u32 {
        match self.texel_coords(x, y) {
            Some((u, v)) => self.sample_texel(u, v),
            None => 0,
        }
    }

    /// Premultiplied RGBA (0..=255, not rounded) at absolute device pixel
    /// `(x, y)`; `None` where there is nothing to draw.
    #[inline]
    pub fn texel_at(&self, x: usize, y: usize) -> Option<[f32; 4]> {
        let (u, v) = self.texel_coords(x, y)?;
        self.texel(u, v)
    }

    /// The texel coordinates of device pixel `(x, y)`'s centre; `None`
    /// beyond the horizon of a pitched view (no ground to draw on).
    #[inline]
    fn texel_coords(&self, x: usize, y: usize) -> Option<(f64, f64)> {
        let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
        let m = &self.m;
        let q = m[2][0] * px + m[2][1] * py + m[2][2];
        if q.is_nan() || q <= 0.0 {
            return None;
        }
        Some(((m[0][0] * px + m[0][1] * py + m[0][2]) / q, (m[1][0] * px + m[1][1] * py + m[1][2]) / q))
    }

    /// A pattern for painters that compute their own pattern space
    /// (`line-pattern`: distance along the line, position across it; the
    /// walls of `fill-extrusion-pattern`), sampled with [`Self::texel`].
    pub fn for_image(image: &'a PatternImage, opacity: f32) -> Option<PatternShader<'a>> {
        let identity = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let (w, h) = (image.width as usize, image.height as usize);
        let opacity = if opacity.is_finite() { opacity.min(1.0) } else { 0.0 };
        if w == 0 || h == 0 || opacity <= 0.0 || image.data.len() != w * h * 4 {
            return None;
        }
        Some(PatternShader { data: &image.data, w, h, m: identity, opacity })
    }

    /// The image's size in texels.
    pub fn size(&self) -> [f64; 2] {
        [self.w as f64, self.h as f64]
    }

    /// Premultiplied RGBA8 (little-endian u32) at texel coordinates `(u, v)`
    /// (see [`Self::texel`]), rounded.
    #[inline]
    pub fn sample_texel(&self, u: f64, v: f64) -> u32 {
        let Some(t) = self.texel(u, v) else { return 0 };
        let mut out = t.map(|c| (c + 0.5).clamp(0.0, 255.0) as u8);
        // Keep the colour premultiplied after rounding.
        let a = out[3];
        for c in &mut out[..3] {
            *c = (*c).min(a);
        }
        u32::from_le_bytes(out)
    }

    /// Premultiplied RGBA (0..=255, not rounded) at texel coordinates
    /// `(u, v)` (texel centres at `i + 0.5`, wrapped with the image's size,
    /// filtered bilinearly), times the opacity; `None` when not finite.
    #[inline]
    pub fn texel(&self, u: f64, v: f64) -> Option<[f32; 4]> {
        if !(u.is_finite() && v.is_finite()) {
            return None;
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
        Some(std::array::from_fn(|c| {
            let k = self.opacity;
            (p00[c] as f32 * w00 + p10[c] as f32 * w10 + p01[c] as f32 * w01 + p11[c] as f32 * w11) * k
        }))
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

#[cfg(test)]
mod tests {
    use super::super::display_list::*;
    use super::super::rasterize_in_bands as rasterize;
    use crate::style::color::Color;
    use std::sync::Arc;

    const R: [u8; 4] = [255, 0, 0, 255];
    const G: [u8; 4] = [0, 255, 0, 255];
    const B: [u8; 4] = [0, 0, 255, 255];
    const W: [u8; 4] = [255, 255, 255, 255];

    /// A 2×2 checker: red, green / blue, white.
    fn checker() -> PatternImage {
        PatternImage { width: 2, height: 2, data: Arc::new([R, G, B, W].concat()) }
    }

    /// One texel per device pixel, shifted by `(dx, dy)` texels.
    fn paint(dx: f64, dy: f64, opacity: f32) -> PatternPaint {
        PatternPaint { image: checker(), to_texel: [[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]], opacity }
    }

    fn px(img: &crate::render::Image, x: u32, y: u32) -> [u8; 4] {
        img.pixel(x, y).unwrap()
    }

    fn fill(pattern: PatternPaint, antialias: bool, outline: PatternOutline) -> DrawCommand {
        let ring = vec![[2.0, 2.0], [10.0, 2.0], [10.0, 10.0], [2.0, 10.0], [2.0, 2.0]];
        DrawCommand::PatternFill { rings: vec![ring], style: Box::new(PatternFillStyle { pattern, antialias, outline, perspective: None }), clip: None }
    }

    #[test]
    fn checker_tiles_a_fill_with_the_matrix_phase() {
        let list = DisplayList { width: 12, height: 12, commands: vec![fill(paint(0.0, 0.0, 1.0), true, PatternOutline::None)] };
        let img = rasterize(&list, 1);
        // Pixel (x, y) shows texel (x mod 2, y mod 2).
        assert_eq!(px(&img, 2, 2), R);
        assert_eq!(px(&img, 3, 2), G);
        assert_eq!(px(&img, 4, 3), B);
        assert_eq!(px(&img, 9, 9), W);
        assert_eq!(px(&img, 1, 2), [0, 0, 0, 0], "outside the polygon");
        assert_eq!(px(&img, 10, 5), [0, 0, 0, 0]);
        // One texel of phase swaps the columns; an aliased fill draws the same inside.
        let list = DisplayList { width: 12, height: 12, commands: vec![fill(paint(1.0, 0.0, 1.0), false, PatternOutline::None)] };
        let img = rasterize(&list, 1);
        assert_eq!(px(&img, 2, 2), G);
        assert_eq!(px(&img, 3, 2), R);
        assert_eq!(px(&img, 3, 3), B);
        assert_eq!(px(&img, 1, 1), [0, 0, 0, 0]);
        // Negative and large offsets wrap the same way.
        let list = DisplayList { width: 12, height: 12, commands: vec![fill(paint(-1.0e6 - 1.0, 2.0e6, 1.0), true, PatternOutline::None)] };
        assert_eq!(px(&rasterize(&list, 1), 2, 2), G);
        // Half a texel: bilinear between neighbours (red and green).
        let list = DisplayList { width: 12, height: 12, commands: vec![fill(paint(0.5, 0.0, 1.0), true, PatternOutline::None)] };
        assert_eq!(px(&rasterize(&list, 1), 4, 4), [128, 128, 0, 255]);
    }

    #[test]
    fn opacity_multiplies_and_outline_draws_outside() {
        let list = DisplayList { width: 12, height: 12, commands: vec![fill(paint(0.0, 0.0, 0.5), true, PatternOutline::None)] };
        let img = rasterize(&list, 1);
        assert_eq!(px(&img, 2, 2), [128, 0, 0, 128]);
        assert_eq!(px(&img, 5, 5), [128, 128, 128, 128]);
        // Zero opacity draws nothing.
        let list = DisplayList { width: 12, height: 12, commands: vec![fill(paint(0.0, 0.0, 0.0), true, PatternOutline::Pattern)] };
        assert!(rasterize(&list, 1).data.iter().all(|&b| b == 0));
        // The outline (1 px, centred on the edge) reaches half a pixel out.
        let list = DisplayList { width: 12, height: 12, commands: vec![fill(paint(0.0, 0.0, 1.0), true, PatternOutline::Pattern)] };
        let img = rasterize(&list, 1);
        assert_eq!(px(&img, 1, 5)[3], 128);
        assert_eq!(px(&img, 1, 5)[..3], [128, 128, 128], "texel (1, 1), white, half covered");
        let blue = Color::new(0.0, 0.0, 1.0, 1.0);
        let list = DisplayList { width: 12, height: 12, commands: vec![fill(paint(0.0, 0.0, 1.0), true, PatternOutline::Color(blue))] };
        assert_eq!(px(&rasterize(&list, 1), 1, 5), [0, 0, 128, 128]);
    }

    #[test]
    fn background_pattern_is_the_same_for_any_thread_count() {
        // A rotated, scaled, translucent pattern over a solid background.
        let (s, c) = 0.3f64.sin_cos();
        let mut p = paint(0.25, -3.5, 0.7);
        p.to_texel = [[0.4 * c, -0.4 * s, 0.25], [0.4 * s, 0.4 * c, -3.5], [0.0, 0.0, 1.0]];
        let commands = vec![
            DrawCommand::Background { color: Color::new(0.2, 0.3, 0.4, 1.0) },
            DrawCommand::BackgroundPattern { pattern: p },
            fill(paint(0.0, 0.0, 1.0), true, PatternOutline::Pattern),
        ];
        let list = DisplayList { width: 61, height: 203, commands };
        let one = rasterize(&list, 1);
        assert!(one.data.chunks(4).all(|p| p[3] == 255));
        for threads in [2, 3, 7] {
            assert_eq!(rasterize(&list, threads).data, one.data, "{threads} threads");
        }
    }

    #[test]
    fn straight_images_are_premultiplied() {
        let img = PatternImage::from_straight(1, 1, &[255, 128, 0, 128]).unwrap();
        assert_eq!(&img.data[..], &[128, 64, 0, 128]);
        assert!(PatternImage::from_straight(2, 1, &[0; 4]).is_none());
    }
}
