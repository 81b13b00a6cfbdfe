//! Per-pixel source-over compositing of premultiplied colours, and colour
//! conversion from the style's straight-alpha `Color`.

use crate::style::color::Color;

/// A premultiplied colour, components in 0..=1.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub(crate) struct Premul {
    pub r: f32,
    pub g: f32,
    pub b: f32,
    pub a: f32,
}

fn unit(v: f32) -> f32 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(0.0, 1.0)
    }
}

/// Straight alpha with NaN and out-of-range components made safe.
pub(crate) fn sanitize(c: Color) -> Color {
    Color { r: unit(c.r), g: unit(c.g), b: unit(c.b), a: unit(c.a) }
}

impl Premul {
    pub fn from_color(c: Color) -> Premul {
        let c = sanitize(c);
        Premul { r: c.r * c.a, g: c.g * c.a, b: c.b * c.a, a: c.a }
    }

    pub fn scale(self, k: f32) -> Premul {
        Premul { r: self.r * k, g: self.g * k, b: self.b * k, a: self.a * k }
    }

    /// `self * (1 - t) + other * t`.
    pub fn mix(self, other: Premul, t: f32) -> Premul {
        let s = 1.0 - t;
        Premul {
            r: self.r * s + other.r * t,
            g: self.g * s + other.g * t,
            b: self.b * s + other.b * t,
            a: self.a * s + other.a * t,
        }
    }
}

/// Source-over of a premultiplied colour onto one premultiplied RGBA8 pixel.
#[inline]
pub(crate) fn blend_over(dst: &mut [u8], src: Premul) {
    if src.a <= 0.0 {
        return;
    }
    let inv = 1.0 - src.a.min(1.0);
    let Some(px) = dst.get_mut(..4) else { return };
    let ch = |d: u8, s: f32| -> u8 { to_u8(s * 255.0 + d as f32 * inv + 0.5) };
    px[0] = ch(px[0], src.r);
    px[1] = ch(px[1], src.g);
    px[2] = ch(px[2], src.b);
    px[3] = ch(px[3], src.a);
}

/// `v` truncated to 0..=255 (NaN to 0): the same as `v.clamp(0.0, 255.0) as
/// u8`, in three instructions instead of a saturating conversion's dozen
/// (this runs for every pixel that lines, text and icons touch).
#[inline(always)]
pub(crate) fn to_u8(v: f32) -> u8 {
    // `!(v >= 0.0)` also catches NaN.
    let v = if v >= 0.0 { v.min(255.0) } else { 0.0 };
    // SAFETY: v is finite and in 0.0..=255.0, so it fits an i32.
    unsafe { v.to_int_unchecked::<i32>() as u8 }
}

/// GLSL `smoothstep`, also defined for `e0 > e1`.
#[inline]
pub(crate) fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let d = e1 - e0;
    if d == 0.0 {
        return if x < e0 { 0.0 } else { 1.0 };
    }
    let t = ((x - e0) / d).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blend_over_opaque_replaces_and_translucent_mixes() {
        let mut px = [10, 20, 30, 255];
        blend_over(&mut px, Premul::from_color(Color::new(1.0, 0.0, 0.0, 1.0)));
        assert_eq!(px, [255, 0, 0, 255]);
        let mut px = [0, 0, 255, 255];
        blend_over(&mut px, Premul::from_color(Color::new(1.0, 0.0, 0.0, 0.5)));
        assert_eq!(px, [128, 0, 128, 255]);
    }

    #[test]
    fn nan_colour_is_safe() {
        let p = Premul::from_color(Color::new(f32::NAN, 2.0, -1.0, f32::NAN));
        assert_eq!(p, Premul::default());
    }
}

#[cfg(test)]
mod to_u8_tests {
    use super::to_u8;

    #[test]
    fn to_u8_truncates_and_saturates_like_a_cast() {
        for v in [-1.0e30f32, -3.5, -0.0, 0.0, 0.49, 0.5, 1.0, 127.99, 254.5, 255.0, 255.4, 256.0, 1.0e30, f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
            assert_eq!(to_u8(v), v.clamp(0.0, 255.0) as u8, "{v}");
        }
        for i in 0..=2600 {
            let v = i as f32 * 0.1 - 2.0;
            assert_eq!(to_u8(v), v.clamp(0.0, 255.0) as u8, "{v}");
        }
    }
}
