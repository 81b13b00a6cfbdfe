//! Geometry helpers shared by the painters: polyline cleaning, perpendicular
//! offsetting, ring orientation and polygon grouping.

use super::band_path::MAX_COORD;
use super::display_list::Px;
use std::ops::Range;

/// One polygon of a fill command: its rings and their vertical extent.
pub(crate) struct Poly {
    pub rings: Range<usize>,
    /// Min and max y of what the polygon may touch (fill or outline).
    pub y: [f32; 2],
}

/// A fill command's geometry as the fill painter reads it.
pub(crate) struct FillPart<'a> {
    pub rings: &'a [Vec<Px>],
    pub polygons: &'a [Poly],
    /// The stroked 1 px outline of all rings, when the command draws one.
    pub outline: Option<&'a super::stroke::Stroked>,
}

/// A line command's geometry as the line painter reads it.
pub(crate) struct LinePart<'a> {
    pub lines: &'a [Vec<Px>],
    /// Per polyline: min and max y of what its stroke may touch.
    pub spans: &'a [[f32; 2]],
}

/// Whether a vertical extent meets the rows `[top, bottom]`.
#[inline]
pub(crate) fn meets(span: [f32; 2], rows: [f32; 2]) -> bool {
    span[1] >= rows[0] && span[0] <= rows[1]
}

/// Copies `src` into `out` without non-finite points and consecutive
/// duplicates, with coordinates clamped to a sane range.
pub(crate) fn clean_polyline(src: &[Px], out: &mut Vec<[f32; 2]>) {
    out.clear();
    let m = MAX_COORD as f32;
    for p in src {
        if !(p[0].is_finite() && p[1].is_finite()) {
            continue;
        }
        let q = [p[0].clamp(-m, m), p[1].clamp(-m, m)];
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
}

/// Right-hand unit normal (y down: right of the direction of travel).
fn right_normal(a: [f32; 2], b: [f32; 2]) -> Option<[f64; 2]> {
    let dx = (b[0] - a[0]) as f64;
    let dy = (b[1] - a[1]) as f64;
    let len = (dx * dx + dy * dy).sqrt();
    if len > 0.0 && len.is_finite() {
        Some([-dy / len, dx / len])
    } else {
        None
    }
}

/// Offsets a cleaned polyline perpendicular to its direction by `offset` px
/// (positive: to the right). Vertices move along the miter direction; where
/// the miter would be longer than twice the offset the corner is bevelled
/// (two points), like MapLibre's offset lines.
pub(crate) fn offset_polyline(src: &[[f32; 2]], offset: f32, closed: bool, out: &mut Vec<[f32; 2]>) {
    out.clear();
    let n = src.len();
    if n < 2 {
        return;
    }
    let off = offset as f64;
    let push = |out: &mut Vec<[f32; 2]>, p: [f32; 2], v: [f64; 2]| {
        out.push([(p[0] as f64 + v[0] * off) as f32, (p[1] as f64 + v[1] * off) as f32]);
    };
    for i in 0..n {
        let prev = if i > 0 {
            Some(src[i - 1])
        } else if closed {
            Some(src[n - 1])
        } else {
            None
        };
        let next = if i + 1 < n {
            Some(src[i + 1])
        } else if closed {
            Some(src[0])
        } else {
            None
        };
        let n0 = prev.and_then(|p| right_normal(p, src[i]));
        let n1 = next.and_then(|q| right_normal(src[i], q));
        match (n0, n1) {
            (Some(a), Some(b)) => {
                let denom = 1.0 + a[0] * b[0] + a[1] * b[1];
                if denom >= 0.5 {
                    push(out, src[i], [(a[0] + b[0]) / denom, (a[1] + b[1]) / denom]);
                } else {
                    push(out, src[i], a);
                    push(out, src[i], b);
                }
            }
            (Some(a), None) | (None, Some(a)) => push(out, src[i], a),
            (None, None) => {}
        }
    }
}

/// Twice the signed area of a ring (positive: clockwise on screen, y down).
pub(crate) fn signed_area2(ring: &[Px]) -> f64 {
    let mut sum = 0.0f64;
    let n = ring.len();
    if n < 3 {
        return 0.0;
    }
    for i in 0..n {
        let a = ring[i];
        let b = ring[(i + 1) % n];
        if !(a[0].is_finite() && a[1].is_finite() && b[0].is_finite() && b[1].is_finite()) {
            continue;
        }
        sum += a[0] as f64 * b[1] as f64 - b[0] as f64 * a[1] as f64;
    }
    sum
}

/// Groups rings into polygons like MVT: the first ring with an area sets the
/// exterior orientation; each ring with that orientation starts a polygon,
/// the others are its holes. Rings without area are dropped, except a lone
/// ring, which is kept whatever its area (as MapLibre's `classifyRings`: a
/// self-crossing ring whose parts cancel, or a line drawn by a fill layer,
/// still fills where its winding is non-zero and gets its outline).
pub(crate) fn group_polygons(rings: &[Vec<Px>], out: &mut Vec<Range<usize>>) {
    out.clear();
    if rings.len() == 1 {
        out.push(0..1);
        return;
    }
    let mut exterior_sign = 0.0f64;
    let mut start: Option<usize> = None;
    let mut last_ring = 0;
    for (i, r) in rings.iter().enumerate() {
        let a = signed_area2(r);
        if a == 0.0 || !a.is_finite() {
            continue;
        }
        if exterior_sign == 0.0 {
            exterior_sign = a.signum();
        }
        if a.signum() == exterior_sign {
            if let Some(s) = start {
                out.push(s..last_ring + 1);
            }
            start = Some(i);
        }
        last_ring = i;
    }
    if let Some(s) = start {
        out.push(s..last_ring + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_right_of_direction() {
        let mut out = Vec::new();
        offset_polyline(&[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]], 2.0, false, &mut out);
        // Going east, right is +y (down); the corner moves inward on a right turn.
        assert_eq!(out[0], [0.0, 2.0]);
        assert!((out[1][0] - 8.0).abs() < 1e-5 && (out[1][1] - 2.0).abs() < 1e-5, "{:?}", out[1]);
        assert_eq!(out[2], [8.0, 10.0]);
    }

    #[test]
    fn a_lone_ring_is_kept_whatever_its_area() {
        let mut out = Vec::new();
        // A bow tie: its two halves cancel (area 0).
        let bowtie = vec![[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]];
        assert_eq!(signed_area2(&bowtie), 0.0);
        group_polygons(&[bowtie.clone()], &mut out);
        assert_eq!(out, vec![0..1]);
        // Beside another ring, a ring without area is dropped.
        let square = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        group_polygons(&[square, bowtie], &mut out);
        assert_eq!(out, vec![0..1]);
    }

    #[test]
    fn groups_rings_by_winding() {
        let cw = vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        let ccw: Vec<Px> = cw.iter().rev().cloned().collect();
        let mut out = Vec::new();
        group_polygons(&[cw.clone(), ccw.clone(), cw.clone(), vec![], ccw], &mut out);
        assert_eq!(out, vec![0..2, 2..5]);
        clean_polyline(&[[f32::NAN, 0.0], [1.0, 1.0], [1.0, 1.0], [2.0, f32::INFINITY]], &mut Vec::new());
    }
}
