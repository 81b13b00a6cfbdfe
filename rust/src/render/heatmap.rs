//! Heatmap painter: MapLibre's heatmap texture pass. The density image (a
//! quarter of the target's size) is stretched over the target and sampled
//! bilinearly at each pixel centre (clamped to its edges); the density
//! picks a colour from the 256-entry ramp, itself filtered linearly between
//! entries (entry centres at `(i + 0.5) / 256`, clamped), which is
//! multiplied by the opacity and drawn source-over.

use super::coverage::over;
use super::display_list::HeatmapImage;

/// Whether the image can be drawn (consistent sizes, some opacity).
pub(crate) fn drawable(h: &HeatmapImage) -> bool {
    let n = h.width as usize * h.height as usize;
    n > 0 && h.density.len() == n && h.ramp.len() == 1024 && h.opacity.is_finite() && h.opacity > 0.0
}

/// Bilinear sample of the density at texel coordinates `(u, v)` (centres
/// at `i + 0.5`), clamped to the edges.
fn density_at(h: &HeatmapImage, u: f64, v: f64) -> f32 {
    let (w, hh) = (h.width as usize, h.height as usize);
    let tu = (u - 0.5).clamp(0.0, (w - 1) as f64);
    let tv = (v - 0.5).clamp(0.0, (hh - 1) as f64);
    let (x0, y0) = (tu.floor() as usize, tv.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(hh - 1));
    let (ax, ay) = ((tu - x0 as f64) as f32, (tv - y0 as f64) as f32);
    let d = |x: usize, y: usize| h.density[y * w + x];
    let top = d(x0, y0) * (1.0 - ax) + d(x1, y0) * ax;
    let bottom = d(x0, y1) * (1.0 - ax) + d(x1, y1) * ax;
    top * (1.0 - ay) + bottom * ay
}

/// The premultiplied colour (little-endian u32) for density `t`.
fn color(h: &HeatmapImage, t: f32) -> u32 {
    let s = (t.clamp(0.0, 1.0) * 256.0 - 0.5).clamp(0.0, 255.0);
    let i0 = s.floor() as usize;
    let i1 = (i0 + 1).min(255);
    let a = s - i0 as f32;
    let mut out = [0u8; 4];
    for c in 0..4 {
        let v = f32::from(h.ramp[i0 * 4 + c]) * (1.0 - a) + f32::from(h.ramp[i1 * 4 + c]) * a;
        out[c] = (v * h.opacity + 0.5).clamp(0.0, 255.0) as u8;
    }
    for c in 0..3 {
        out[c] = out[c].min(out[3]);
    }
    u32::from_le_bytes(out)
}

/// Draws the heatmap over a band (`top`: its first absolute row) of a
/// target `width` pixels wide and `target_h` high.
pub(crate) fn draw_heatmap(pixels: &mut [u8], width: usize, target_h: usize, top: usize, band_h: usize, h: &HeatmapImage) {
    if !drawable(h) || width == 0 || target_h == 0 {
        return;
    }
    let (kx, ky) = (h.width as f64 / width as f64, h.height as f64 / target_h as f64);
    for r in 0..band_h {
        let v = (top + r) as f64 + 0.5;
        for x in 0..width {
            let src = color(h, density_at(h, (x as f64 + 0.5) * kx, v * ky));
            if src == 0 {
                continue;
            }
            let i = (r * width + x) * 4;
            let p = &mut pixels[i..i + 4];
            p.copy_from_slice(&over(src, 255, u32::from_le_bytes([p[0], p[1], p[2], p[3]])).to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn image(density: Vec<f32>, w: u32, h: u32) -> HeatmapImage {
        // Ramp: transparent below 1/2, opaque red from there.
        let ramp: Vec<u8> = (0..256).flat_map(|i| if i < 128 { [0, 0, 0, 0] } else { [255, 0, 0, 255] }).collect();
        HeatmapImage { density: Arc::new(density), width: w, height: h, ramp: Arc::new(ramp), opacity: 1.0 }
    }

    #[test]
    fn density_picks_the_ramp_colour() {
        let h = image(vec![0.0, 1.0], 2, 1);
        // 8x1 target over a 2x1 density: the left quarter is clamped to 0,
        // the right quarter to 1, the middle blends.
        let mut px = vec![0u8; 8 * 4];
        draw_heatmap(&mut px, 8, 1, 0, 1, &h);
        assert_eq!(&px[0..4], &[0, 0, 0, 0]);
        assert_eq!(&px[28..32], &[255, 0, 0, 255]);
        // Opacity scales the premultiplied colour over what is there.
        let mut h = h;
        h.opacity = 0.5;
        let mut px = [0, 0, 255, 255].repeat(8);
        draw_heatmap(&mut px, 8, 1, 0, 1, &h);
        assert_eq!(&px[28..32], &[128, 0, 127, 255]);
    }

    #[test]
    fn inconsistent_images_are_not_drawn() {
        let mut h = image(vec![1.0; 3], 2, 1);
        assert!(!drawable(&h));
        h.density = Arc::new(vec![1.0; 2]);
        assert!(drawable(&h));
        h.opacity = f32::NAN;
        assert!(!drawable(&h));
    }
}
