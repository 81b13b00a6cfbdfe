//! Hillshade shading (MapLibre Native's `hillshade` fragment shader): a
//! filtered sample of the prepared slope texture (`source::dem`) becomes a
//! premultiplied colour from the slope's steepness and its aspect against
//! the light.
//!
//! The slope, corrected for the Mercator scale at the pixel's latitude, is
//! `atan(1.25 |d|)`; it is eased exponentially by the exaggeration (which
//! is MapLibre's "intensity"), then the accent colour grows with
//! `1 - cos(slope)` and the shadow-to-highlight mix (by how much the
//! slope faces the light) with `sin(slope)`; both are scaled by
//! `min(2 * exaggeration, 1)` and the shade is drawn over the accent.

use std::f32::consts::PI;

use super::display_list::HillshadeShade;

/// GLSL's `mod`: `x - y * floor(x / y)`.
fn glsl_mod(x: f32, y: f32) -> f32 {
    x - y * (x / y).floor()
}

/// The premultiplied RGBA8 colour (little-endian u32) of a pixel whose
/// filtered texel is `texel` (0..255, red and green the encoded slope) at
/// `v` (0 at the tile's top, 1 at its bottom).
pub(crate) fn shade(s: &HillshadeShade, texel: [f32; 4], v: f64) -> u32 {
    let deriv = [texel[0] / 255.0 * 2.0 - 1.0, texel[1] / 255.0 * 2.0 - 1.0];
    let [lat0, lat1] = s.lat_range;
    let lat = (lat0 - lat1) * (1.0 - v as f32) + lat1;
    let scale = lat.to_radians().cos();
    let len = (deriv[0] * deriv[0] + deriv[1] * deriv[1]).sqrt();
    let slope = (1.25 * len / scale).atan();
    let aspect = if deriv[0] != 0.0 {
        deriv[1].atan2(-deriv[0])
    } else {
        PI / 2.0 * if deriv[1] > 0.0 { 1.0 } else { -1.0 }
    };
    let intensity = s.exaggeration;
    let azimuth = s.azimuth + PI;
    let base = 1.875 - intensity * 1.75;
    let max_value = 0.5 * PI;
    let scaled = if intensity != 0.5 {
        (base.powf(slope) - 1.0) / (base.powf(max_value) - 1.0) * max_value
    } else {
        slope
    };
    let strength = (intensity * 2.0).clamp(0.0, 1.0);
    let accent = 1.0 - scaled.cos();
    let mix = (glsl_mod((aspect + azimuth) / PI + 0.5, 2.0) - 1.0).abs();
    let sin = scaled.sin();
    let mut shade_c = [0f32; 4];
    for c in 0..4 {
        shade_c[c] = (s.shadow[c] * (1.0 - mix) + s.highlight[c] * mix) * sin * strength;
    }
    let mut out = [0u8; 4];
    for c in 0..4 {
        let v = accent * s.accent[c] * strength * (1.0 - shade_c[3]) + shade_c[c];
        out[c] = (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
    }
    for c in 0..3 {
        out[c] = out[c].min(out[3]);
    }
    u32::from_le_bytes(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paint(direction: f32) -> HillshadeShade {
        HillshadeShade {
            exaggeration: 0.5,
            azimuth: direction.to_radians(),
            shadow: [0.0, 0.0, 0.0, 1.0],
            highlight: [1.0, 1.0, 1.0, 1.0],
            accent: [0.0, 0.0, 0.0, 1.0],
            lat_range: [0.0, 0.0],
        }
    }

    #[test]
    fn flat_ground_is_transparent() {
        assert_eq!(shade(&paint(335.0), [127.5, 127.5, 255.0, 255.0], 0.5), 0);
    }

    #[test]
    fn slopes_facing_the_light_are_light() {
        // A slope rising to the east (x slope > 0) under light from the
        // west (270°) faces it: highlight; from the east (90°): shadow.
        let texel = [200.0, 127.5, 255.0, 255.0];
        let lit = shade(&paint(270.0), texel, 0.5).to_le_bytes();
        let dark = shade(&paint(90.0), texel, 0.5).to_le_bytes();
        assert!(lit[3] > 0 && dark[3] > 0);
        assert!(lit[0] > 100 && dark[0] < 10, "lit {lit:?} dark {dark:?}");
        // Steeper is more opaque.
        let steeper = shade(&paint(90.0), [250.0, 127.5, 255.0, 255.0], 0.5).to_le_bytes();
        assert!(steeper[3] > dark[3]);
    }

    #[test]
    fn latitude_steepens_slopes() {
        // The same texel far north (Mercator stretches the ground) reads as a steeper slope.
        let mut p = paint(90.0);
        let texel = [160.0, 127.5, 255.0, 255.0];
        let equator = shade(&p, texel, 0.5).to_le_bytes()[3];
        p.lat_range = [60.0, 60.0];
        assert!(shade(&p, texel, 0.5).to_le_bytes()[3] > equator);
    }
}
