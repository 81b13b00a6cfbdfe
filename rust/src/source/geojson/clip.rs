//! Axis-aligned clipping of projected features (one axis per call), and copying
//! features across the antimeridian.
//!
//! Points are kept inside `[k1, k2]`; lines are cut into pieces where they leave
//! the band; polygon rings are clipped Sutherland–Hodgman style against both
//! edges of the band and re-closed. New intersection points are always kept by
//! simplification (importance 1); pieces keep the size of the original line/ring.

use std::sync::Arc;

use super::convert::{Geometry, Pt, Ring, VtFeature};

/// Clips features to `k1 <= coord < k2` along `axis` (0 = x, 1 = y), where the
/// band is given in units of `1/scale`. `min_all`/`max_all` bound all features
/// along the axis (for the trivial cases). Line pieces keep where they start
/// and end on their original line (`lineMetrics`).
pub fn clip(
    features: &[Arc<VtFeature>],
    scale: f64,
    k1: f64,
    k2: f64,
    axis: usize,
    min_all: f64,
    max_all: f64,
) -> Vec<Arc<VtFeature>> {
    let (k1, k2) = (k1 / scale, k2 / scale);
    if min_all >= k1 && max_all < k2 {
        return features.to_vec();
    }
    if max_all < k1 || min_all > k2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for f in features {
        let (min, max) = (f.min[axis], f.max[axis]);
        if min >= k1 && max < k2 {
            out.push(f.clone());
            continue;
        }
        if max < k1 || min > k2 {
            continue;
        }
        let geom = match &f.geom {
            Geometry::Points(ps) => {
                let kept: Vec<Pt> = ps.iter().copied().filter(|p| p[axis] >= k1 && p[axis] <= k2).collect();
                if kept.is_empty() {
                    continue;
                }
                Geometry::Points(kept)
            }
            Geometry::Lines(ls) => {
                let mut pieces = Vec::new();
                for l in ls {
                    clip_line(l, k1, k2, axis, false, &mut pieces);
                }
                if pieces.is_empty() {
                    continue;
                }
                Geometry::Lines(pieces)
            }
            Geometry::Polygons(polys) => {
                let mut new_polys = Vec::new();
                for rings in polys {
                    let mut new_rings = Vec::new();
                    for r in rings {
                        clip_line(r, k1, k2, axis, true, &mut new_rings);
                    }
                    if !new_rings.is_empty() {
                        new_polys.push(new_rings);
                    }
                }
                if new_polys.is_empty() {
                    continue;
                }
                Geometry::Polygons(new_polys)
            }
        };
        out.push(Arc::new(VtFeature::new(geom, f.id.clone(), f.props.clone())));
    }
    out
}

#[inline]
fn intersect(a: Pt, b: Pt, k: f64, axis: usize) -> Pt {
    let t = (k - a[axis]) / (b[axis] - a[axis]);
    if axis == 0 {
        [k, a[1] + (b[1] - a[1]) * t, 1.0]
    } else {
        [a[0] + (b[0] - a[0]) * t, k, 1.0]
    }
}

/// Where `a`-`b` crosses `k` along `axis`, as a fraction of the segment.
#[inline]
fn crossing(a: Pt, b: Pt, k: f64, axis: usize) -> f64 {
    (k - a[axis]) / (b[axis] - a[axis])
}

/// A finished slice: a long one gives back what it grew by and did not
/// use (up to half of it; slices of a long line are held by every tile
/// that is not split).
fn trimmed(mut pts: Vec<Pt>) -> Vec<Pt> {
    if pts.capacity() - pts.len() > 1024 {
        pts.shrink_to_fit();
    }
    pts
}

fn clip_line(ring: &Ring, k1: f64, k2: f64, axis: usize, is_polygon: bool, out: &mut Vec<Ring>) {
    let pts = &ring.pts;
    let mut slice: Vec<Pt> = Vec::new();
    if pts.is_empty() {
        return;
    }
    // Distance along the original line at `a`, and where the slice starts.
    let mut len = ring.start;
    let mut start = ring.start;
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (ak, bk) = (a[axis], b[axis]);
        let seg = if is_polygon { 0.0 } else { ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt() };
        let mut exited = None;
        if ak < k1 {
            if bk > k1 {
                slice.push(intersect(a, b, k1, axis)); // enters from below
                start = len + seg * crossing(a, b, k1, axis);
            }
        } else if ak > k2 {
            if bk < k2 {
                slice.push(intersect(a, b, k2, axis)); // enters from above
                start = len + seg * crossing(a, b, k2, axis);
            }
        } else {
            slice.push(a);
        }
        if bk < k1 && ak >= k1 {
            slice.push(intersect(a, b, k1, axis)); // leaves below
            exited = Some(crossing(a, b, k1, axis));
        }
        if bk > k2 && ak <= k2 {
            slice.push(intersect(a, b, k2, axis)); // leaves above
            exited = Some(crossing(a, b, k2, axis));
        }
        if let (false, Some(t)) = (is_polygon, exited) {
            let end = len + seg * t;
            out.push(Ring { pts: trimmed(std::mem::take(&mut slice)), size: ring.size, start, end });
            start = ring.start;
        }
        len += seg;
    }
    let last = pts[pts.len() - 1];
    if last[axis] >= k1 && last[axis] <= k2 {
        slice.push(last);
    }
    if is_polygon && !slice.is_empty() {
        let (f, l) = (slice[0], slice[slice.len() - 1]);
        if f[0] != l[0] || f[1] != l[1] {
            slice.push(f);
        }
    }
    if !slice.is_empty() {
        out.push(Ring { pts: trimmed(slice), size: ring.size, start, end: ring.end });
    }
}

fn shift(features: Vec<Arc<VtFeature>>, dx: f64) -> Vec<Arc<VtFeature>> {
    features
        .into_iter()
        .map(|f| {
            let mut g = (*f).clone();
            let sh = |p: &mut Pt| p[0] += dx;
            match &mut g.geom {
                Geometry::Points(ps) => ps.iter_mut().for_each(sh),
                Geometry::Lines(ls) => ls.iter_mut().flat_map(|r| r.pts.iter_mut()).for_each(sh),
                Geometry::Polygons(ps) => {
                    ps.iter_mut().flatten().flat_map(|r| r.pts.iter_mut()).for_each(sh)
                }
            }
            g.update_bbox();
            Arc::new(g)
        })
        .collect()
}

/// Copies the parts of features beyond the antimeridian (and within `buffer`
/// world units of it) into the world on the other side.
pub fn wrap(features: Vec<Arc<VtFeature>>, buffer: f64) -> Vec<Arc<VtFeature>> {
    let (min_all, max_all) = bounds_x(&features);
    let left = clip(&features, 1.0, -1.0 - buffer, buffer, 0, min_all, max_all);
    let right = clip(&features, 1.0, 1.0 - buffer, 2.0 + buffer, 0, min_all, max_all);
    if left.is_empty() && right.is_empty() {
        return features;
    }
    let mut merged = shift(left, 1.0);
    merged.extend(clip(&features, 1.0, -buffer, 1.0 + buffer, 0, min_all, max_all));
    merged.extend(shift(right, -1.0));
    merged
}

fn bounds_x(features: &[Arc<VtFeature>]) -> (f64, f64) {
    features.iter().fold((f64::MAX, f64::MIN), |(a, b), f| (a.min(f.min[0]), b.max(f.max[0])))
}
