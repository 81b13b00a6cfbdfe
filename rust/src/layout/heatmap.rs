//! Heatmap layers, drawn like MapLibre Native: every point adds a Gaussian
//! kernel to a density image a quarter of the target's size (an offscreen
//! half-float texture there), which is then stretched over the target,
//! filtered bilinearly, coloured through a 256-entry ramp of
//! `heatmap-color` by `heatmap-density`, and drawn at `heatmap-opacity`
//! (`render::heatmap`).
//!
//! A point of weight `w` (`heatmap-weight`, per feature) with radius `r`
//! (`heatmap-radius`, per feature, logical pixels on the ground) adds
//! `w * intensity * e^(-4.5 (d/r)^2) / sqrt(2 pi)` at ground distance `d`,
//! over the square of half side `S * r` around it, where `S` is where the
//! kernel falls to 1/4080 (MapLibre's effective zero). Kernels lie on the
//! ground plane: pitched views squash them like MapLibre's. Points outside
//! their tile's extent (tile buffers) are skipped, as MapLibre does.

use std::sync::Arc;

use crate::render::display_list::{DrawCommand, HeatmapImage};
use crate::style::expression::EvaluationContext;
use crate::style::layer::Layer;

use super::{TileLookup, View};

/// 1 / sqrt(2 pi).
const GAUSS_COEF: f64 = 0.398_942_280_401_432_7;
/// The density MapLibre treats as zero when sizing a kernel's square.
const ZERO: f64 = 1.0 / 255.0 / 16.0;

/// The colour ramp: 256 premultiplied RGBA8 entries, entry `i` the colour
/// at density `i / 256` (MapLibre Native's ramp), each channel floored.
fn ramp(layer: &Layer) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    for i in 0..256 {
        let mut ctx = EvaluationContext::default();
        ctx.heatmap_density = Some(f64::from(i) / 256.0);
        let c = layer.paint.get_color("heatmap-color", &ctx).premultiplied();
        out.extend(c.map(|v| (v.clamp(0.0, 1.0) * 255.0).floor() as u8));
    }
    out
}

/// Rounds to the nearest half-float value (the precision of MapLibre's
/// density texture).
fn half(v: f32) -> f32 {
    if !v.is_finite() || v <= 0.0 {
        return 0.0;
    }
    if v >= 65504.0 {
        return 65504.0;
    }
    // Below the smallest normal half (2^-14) the step is fixed at 2^-24.
    if v < 2f32.powi(-14) {
        let step = 2f32.powi(-24);
        return (v / step).round_ties_even() * step;
    }
    // Keep 10 of the 23 mantissa bits, ties to even.
    let bits = v.to_bits();
    f32::from_bits((bits + 0x0FFF + ((bits >> 13) & 1)) & !0x1FFF)
}

/// The heatmap of a layer reading `source`: one command drawing the whole
/// target, or `None` when nothing shows (no opacity, no target).
pub(super) fn heatmap_command(sourced: super::SourcedLayer, view: &View, tiles: &dyn TileLookup) -> Option<DrawCommand> {
    let (layer, source) = (sourced.layer, sourced.source);
    let t = &view.transform;
    let zoom = t.zoom;
    let ctx = EvaluationContext::at_zoom(zoom);
    let opacity = layer.paint.get_f32("heatmap-opacity", &ctx);
    if !(opacity.is_finite() && opacity > 0.0) {
        return None;
    }
    let intensity = layer.paint.get_f64("heatmap-intensity", &ctx);
    let (fw, fh) = ((view.width / 4) as usize, (view.height / 4) as usize);
    if fw == 0 || fh == 0 {
        return None;
    }
    let ratio = if view.pixel_ratio.is_finite() && view.pixel_ratio > 0.0 { f64::from(view.pixel_ratio) } else { 1.0 };
    // Scale from density texels to logical pixels.
    let (sx, sy) = (f64::from(view.width) / fw as f64 / ratio, f64::from(view.height) / fh as f64 / ratio);
    // The ground (world pixels) under each density texel's centre.
    let ground: Vec<Option<[f64; 2]>> = (0..fw * fh)
        .map(|i| t.screen_to_world([((i % fw) as f64 + 0.5) * sx, ((i / fw) as f64 + 0.5) * sy]))
        .collect();
    let mut density = vec![0f32; fw * fh];
    let world = t.world_size();
    super::each_tile(sourced, tiles, |tile| {
        let (covered, extent) = (tile.covered, tile.tile_layer.extent);
        let n = f64::from(1u32 << covered.id.z.min(30));
        let tile_px = world / n;
        let origin = [
            (f64::from(covered.id.x) + f64::from(covered.wrap) * n) * tile_px,
            f64::from(covered.id.y) * tile_px,
        ];
        let unit = tile_px / f64::from(extent.max(1));
        for feature in tile.drawn() {
            let mut fctx = super::tile_layout::paint_context(zoom, feature, &covered, extent);
            fctx.feature_state = feature.id.as_ref().and_then(|id| tiles.feature_state(source, layer.source_layer.as_deref().unwrap_or(""), id));
            let weight = layer.paint.get_f64("heatmap-weight", &fctx);
            let radius = layer.paint.get_f64("heatmap-radius", &fctx);
            let peak = weight * intensity * GAUSS_COEF;
            if !(peak > ZERO && peak.is_finite() && radius > 0.0 && radius.is_finite()) {
                continue;
            }
            let s = (-2.0 * (ZERO / peak).ln()).sqrt() / 3.0;
            let reach = s * radius;
            for p in feature.geometry.iter().flatten() {
                if p.x < 0 || p.y < 0 || p.x >= extent as i32 || p.y >= extent as i32 {
                    continue;
                }
                let c = [origin[0] + f64::from(p.x) * unit, origin[1] + f64::from(p.y) * unit];
                let texels = kernel_texels(fw, fh, [sx, sy], t, c, reach);
                let [i0, i1, j0, j1] = texels;
                if !sourced.budget.borrow_mut().admit_kernel(sourced.index, ((i1 - i0) * (j1 - j0)) as u64) {
                    return;
                }
                add_kernel(&mut density, &ground, fw, texels, c, reach, radius, peak);
            }
        }
    });
    for d in &mut density {
        *d = half(*d);
    }
    Some(DrawCommand::Heatmap {
        image: HeatmapImage {
            density: Arc::new(density),
            width: fw as u32,
            height: fh as u32,
            ramp: Arc::new(ramp(layer)),
            opacity: opacity.min(1.0),
        },
    })
}

/// Adds one kernel centred on world point `c` to the texels whose ground
/// lies within `reach` of it on both axes.
#[allow(clippy::too_many_arguments)]
fn add_kernel(density: &mut [f32], ground: &[Option<[f64; 2]>], fw: usize, [i0, i1, j0, j1]: [usize; 4], c: [f64; 2], reach: f64, radius: f64, peak: f64) {
    let k = -4.5 / (radius * radius);
    for j in j0..j1 {
        for i in i0..i1 {
            let Some(g) = ground[j * fw + i] else { continue };
            let (dx, dy) = (g[0] - c[0], g[1] - c[1]);
            if dx.abs() > reach || dy.abs() > reach {
                continue;
            }
            density[j * fw + i] += (peak * (k * (dx * dx + dy * dy)).exp()) as f32;
        }
    }
}

/// The texels (columns `i0..i1`, rows `j0..j1`) that the square of half
/// side `reach` around world point `c` covers on screen (all of them when
/// a corner is behind the camera).
fn kernel_texels(fw: usize, fh: usize, scale: [f64; 2], t: &crate::source::transform::Transform, c: [f64; 2], reach: f64) -> [usize; 4] {
    let mut range = [0.0f64, 0.0, fw as f64, fh as f64];
    let corners = [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]].map(|[a, b]| t.world_to_screen([c[0] + a * reach, c[1] + b * reach]));
    if corners.iter().all(|p| p.is_some()) {
        let ps: Vec<[f64; 2]> = corners.iter().flatten().copied().collect();
        let (x0, x1) = ps.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p[0]), b.max(p[0])));
        let (y0, y1) = ps.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p[1]), b.max(p[1])));
        range = [x0 / scale[0] - 1.0, y0 / scale[1] - 1.0, x1 / scale[0] + 1.0, y1 / scale[1] + 1.0];
    }
    let clampi = |v: f64, n: usize| v.floor().clamp(0.0, n as f64) as usize;
    let (i0, i1) = (clampi(range[0], fw), clampi(range[2] + 1.0, fw));
    let (j0, j1) = (clampi(range[1], fh), clampi(range[3] + 1.0, fh));
    [i0, i1.max(i0), j0, j1.max(j0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_round_to_ten_mantissa_bits() {
        assert_eq!(half(1.0), 1.0);
        assert_eq!(half(1.0 + 1.0 / 4096.0), 1.0);
        assert_eq!(half(1.0 + 3.0 / 2048.0), 1.0 + 2.0 / 1024.0);
        assert_eq!(half(0.1), 0.099_975_586);
        assert_eq!(half(-1.0), 0.0);
        assert_eq!(half(1.0e6), 65504.0);
        // Subnormal halves: steps of 2^-24.
        assert_eq!(half(3.0 * 2f32.powi(-24)), 3.0 * 2f32.powi(-24));
        assert_eq!(half(2f32.powi(-26)), 0.0);
    }
}
