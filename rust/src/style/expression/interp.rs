//! Interpolation: factors (linear, exponential, cubic-bezier) and value
//! interpolation (numbers, arrays, colours in RGB, HCL and Lab).
//!
//! Colours are interpolated on straight (non-premultiplied) components.

use crate::style::color::Color;
use crate::style::expression::node::{ColorSpace, Interpolation};

/// Index of the last label `<= x` (labels ascending, `x` within range).
pub fn find_stop(labels: &[f64], x: f64) -> usize {
    labels.partition_point(|l| *l <= x).saturating_sub(1)
}

fn exponential(x: f64, base: f64, lower: f64, upper: f64) -> f64 {
    let diff = upper - lower;
    let progress = x - lower;
    if diff == 0.0 {
        0.0
    } else if base == 1.0 {
        progress / diff
    } else {
        (base.powf(progress) - 1.0) / (base.powf(diff) - 1.0)
    }
}

pub fn factor(i: Interpolation, x: f64, lower: f64, upper: f64) -> f64 {
    match i {
        Interpolation::Linear => exponential(x, 1.0, lower, upper),
        Interpolation::Exponential(b) => exponential(x, b, lower, upper),
        Interpolation::CubicBezier(p) => unit_bezier(p, exponential(x, 1.0, lower, upper)),
    }
}

/// Solves the CSS cubic-bezier timing curve with control points
/// (p1x, p1y, p2x, p2y) for y at x = `t`.
fn unit_bezier([p1x, p1y, p2x, p2y]: [f64; 4], t: f64) -> f64 {
    let cx = 3.0 * p1x;
    let bx = 3.0 * (p2x - p1x) - cx;
    let ax = 1.0 - cx - bx;
    let cy = 3.0 * p1y;
    let by = 3.0 * (p2y - p1y) - cy;
    let ay = 1.0 - cy - by;
    let sx = |u: f64| ((ax * u + bx) * u + cx) * u;
    let sy = |u: f64| ((ay * u + by) * u + cy) * u;
    let dx = |u: f64| (3.0 * ax * u + 2.0 * bx) * u + cx;
    let x = t.clamp(0.0, 1.0);
    // Newton's method, then bisection if it does not converge.
    let mut u = x;
    for _ in 0..8 {
        let err = sx(u) - x;
        if err.abs() < 1e-6 {
            return sy(u);
        }
        let d = dx(u);
        if d.abs() < 1e-6 {
            break;
        }
        u -= err / d;
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    u = x;
    for _ in 0..64 {
        let v = sx(u);
        if (v - x).abs() < 1e-6 {
            break;
        }
        if x > v {
            lo = u;
        } else {
            hi = u;
        }
        u = (hi - lo) * 0.5 + lo;
    }
    sy(u)
}

pub fn number(a: f64, b: f64, t: f64) -> f64 {
    a * (1.0 - t) + b * t
}

pub fn color(a: Color, b: Color, t: f64, space: ColorSpace) -> Color {
    let (a4, b4) = (to64(a), to64(b));
    match space {
        ColorSpace::Rgb => {
            let c: Vec<f64> = (0..4).map(|i| number(a4[i], b4[i], t)).collect();
            Color::new(c[0] as f32, c[1] as f32, c[2] as f32, c[3] as f32)
        }
        ColorSpace::Lab => {
            let (la, lb) = (rgb_to_lab(a4), rgb_to_lab(b4));
            let l: Vec<f64> = (0..4).map(|i| number(la[i], lb[i], t)).collect();
            from64(lab_to_rgb([l[0], l[1], l[2], l[3]]))
        }
        ColorSpace::Hcl => {
            let (ha, hb) = (lab_to_hcl(rgb_to_lab(a4)), lab_to_hcl(rgb_to_lab(b4)));
            let (h0, h1) = (ha[0], hb[0]);
            let hue = match (h0.is_nan(), h1.is_nan()) {
                (false, false) => {
                    let d = h1 - h0;
                    let d = if !(-180.0..=180.0).contains(&d) { d - 360.0 * (d / 360.0).round() } else { d };
                    h0 + t * d
                }
                (false, true) => h0,
                (true, false) => h1,
                (true, true) => f64::NAN,
            };
            let c = number(ha[1], hb[1], t);
            let l = number(ha[2], hb[2], t);
            let alpha = number(ha[3], hb[3], t);
            from64(lab_to_rgb(hcl_to_lab([hue, c, l, alpha])))
        }
    }
}

fn to64(c: Color) -> [f64; 4] {
    [c.r as f64, c.g as f64, c.b as f64, c.a as f64]
}

fn from64(c: [f64; 4]) -> Color {
    let f = |v: f64| v.clamp(0.0, 1.0) as f32;
    Color::new(f(c[0]), f(c[1]), f(c[2]), f(c[3]))
}

const XN: f64 = 0.96422;
const YN: f64 = 1.0;
const ZN: f64 = 0.82521;
const T0: f64 = 4.0 / 29.0;
const T1: f64 = 6.0 / 29.0;
const T2: f64 = 3.0 * T1 * T1;
const T3: f64 = T1 * T1 * T1;

fn xyz2lab(t: f64) -> f64 {
    if t > T3 {
        t.cbrt()
    } else {
        t / T2 + T0
    }
}
fn lab2xyz(t: f64) -> f64 {
    if t > T1 {
        t * t * t
    } else {
        T2 * (t - T0)
    }
}
fn rgb2lrgb(x: f64) -> f64 {
    if x <= 0.04045 {
        x / 12.92
    } else {
        ((x + 0.055) / 1.055).powf(2.4)
    }
}
fn lrgb2rgb(x: f64) -> f64 {
    if x <= 0.0031308 {
        12.92 * x
    } else {
        1.055 * x.powf(1.0 / 2.4) - 0.055
    }
}

/// Straight sRGB (0..1) + alpha to CIE Lab (D50) + alpha.
pub fn rgb_to_lab([r, g, b, a]: [f64; 4]) -> [f64; 4] {
    let (r, g, b) = (rgb2lrgb(r), rgb2lrgb(g), rgb2lrgb(b));
    let y = xyz2lab((0.2225045 * r + 0.7168786 * g + 0.0606169 * b) / YN);
    let (x, z) = if r == g && g == b {
        (y, y)
    } else {
        (
            xyz2lab((0.4360747 * r + 0.3850649 * g + 0.1430804 * b) / XN),
            xyz2lab((0.0139322 * r + 0.0971045 * g + 0.7141733 * b) / ZN),
        )
    };
    [116.0 * y - 16.0, 500.0 * (x - y), 200.0 * (y - z), a]
}

pub fn lab_to_rgb([l, a, b, alpha]: [f64; 4]) -> [f64; 4] {
    let mut y = (l + 16.0) / 116.0;
    let mut x = if a.is_nan() { y } else { y + a / 500.0 };
    let mut z = if b.is_nan() { y } else { y - b / 200.0 };
    y = YN * lab2xyz(y);
    x = XN * lab2xyz(x);
    z = ZN * lab2xyz(z);
    [
        lrgb2rgb(3.1338561 * x - 1.6168667 * y - 0.4906146 * z),
        lrgb2rgb(-0.9787684 * x + 1.9161415 * y + 0.0334540 * z),
        lrgb2rgb(0.0719453 * x - 0.2289914 * y + 1.4052427 * z),
        alpha,
    ]
}

/// Lab to HCL `[hue degrees (NaN if achromatic), chroma, lightness, alpha]`.
pub fn lab_to_hcl([l, a, b, alpha]: [f64; 4]) -> [f64; 4] {
    let c = (a * a + b * b).sqrt();
    let h = if c * 10000.0 < 1.0 { f64::NAN } else { b.atan2(a).to_degrees().rem_euclid(360.0) };
    [h, c, l, alpha]
}

pub fn hcl_to_lab([h, c, l, alpha]: [f64; 4]) -> [f64; 4] {
    if h.is_nan() {
        return [l, 0.0, 0.0, alpha];
    }
    let r = h.to_radians();
    [l, r.cos() * c, r.sin() * c, alpha]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors() {
        assert_eq!(factor(Interpolation::Linear, 5.0, 0.0, 10.0), 0.5);
        assert!((factor(Interpolation::Exponential(2.0), 2.0, 1.0, 3.0) - 1.0 / 3.0).abs() < 1e-12);
        let b = factor(Interpolation::CubicBezier([0.0, 0.0, 1.0, 1.0]), 5.0, 0.0, 10.0);
        assert!((b - 0.5).abs() < 1e-4);
        assert_eq!(find_stop(&[0.0, 1.0, 2.0], 1.5), 1);
        assert_eq!(find_stop(&[0.0, 1.0, 2.0], 1.0), 1);
    }

    #[test]
    fn lab_round_trip() {
        let c = [0.2, 0.5, 0.9, 1.0];
        let back = lab_to_rgb(rgb_to_lab(c));
        for i in 0..4 {
            assert!((back[i] - c[i]).abs() < 1e-5);
        }
    }
}
