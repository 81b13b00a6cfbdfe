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
        match band(f, k1, k2, axis) {
            Band::Inside => out.push(f.clone()),
            Band::Outside => {}
            Band::Across => {
                let mut build = Build::default();
                clip_geometry(&f.geom, k1, k2, axis, &mut build);
                if let Some(geom) = build.geometry(&f.geom) {
                    out.push(Arc::new(VtFeature::new(geom, f.id.clone(), f.props.clone())));
                }
            }
        }
    }
    out
}

/// Where a feature lies against a band.
enum Band {
    Inside,
    Outside,
    Across,
}

fn band(f: &VtFeature, k1: f64, k2: f64, axis: usize) -> Band {
    let (min, max) = (f.min[axis], f.max[axis]);
    if min >= k1 && max < k2 {
        Band::Inside
    } else if max < k1 || min > k2 {
        Band::Outside
    } else {
        Band::Across
    }
}

/// Clips one geometry into `out`: the points inside the band, the pieces
/// of each line, the clipped rings of each polygon.
fn clip_geometry(geom: &Geometry, k1: f64, k2: f64, axis: usize, out: &mut impl Pieces) {
    match geom {
        Geometry::Points(ps) => {
            for p in ps.iter().filter(|p| p[axis] >= k1 && p[axis] <= k2) {
                out.point(*p);
            }
            out.end_points();
        }
        Geometry::Lines(ls) => {
            for l in ls {
                clip_line(l, k1, k2, axis, false, out);
            }
        }
        Geometry::Polygons(polys) => {
            for rings in polys {
                for r in rings {
                    clip_line(r, k1, k2, axis, true, out);
                }
                out.end_polygon();
            }
        }
    }
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

/// A finished slice, holding no more than its points: slices are counted
/// before they are made ([`clip_cost`]) as their points alone, and slices
/// of a long line are held by every tile that is not split.
fn trimmed(mut pts: Vec<Pt>) -> Vec<Pt> {
    pts.shrink_to_fit();
    pts
}

/// Where [`clip_geometry`] puts what it keeps: geometry built, or only
/// counted.
trait Pieces {
    fn point(&mut self, p: Pt);
    /// The points since the last end are a piece (at least one point).
    fn end(&mut self, size: f64, start: f64, end: f64);
    /// The points since the last end are a feature's points (maybe none).
    fn end_points(&mut self);
    /// The pieces since the last polygon's end are its rings (maybe none).
    fn end_polygon(&mut self);
}

/// Builds the clipped geometry.
#[derive(Default)]
struct Build {
    slice: Vec<Pt>,
    rings: Vec<Ring>,
    polygons: Vec<Vec<Ring>>,
}

impl Build {
    /// The clipped geometry, of `kind`'s kind; none when nothing was kept.
    /// Every list is trimmed to its length (they grew by doubling, and
    /// [`clip_cost`] counts them at their length).
    fn geometry(self, kind: &Geometry) -> Option<Geometry> {
        let (mut pts, mut rings, mut polygons) = (self.slice, self.rings, self.polygons);
        match kind {
            Geometry::Points(_) if !pts.is_empty() => {
                pts.shrink_to_fit();
                Some(Geometry::Points(pts))
            }
            Geometry::Lines(_) if !rings.is_empty() => {
                rings.shrink_to_fit();
                Some(Geometry::Lines(rings))
            }
            Geometry::Polygons(_) if !polygons.is_empty() => {
                polygons.shrink_to_fit();
                Some(Geometry::Polygons(polygons))
            }
            _ => None,
        }
    }
}

impl Pieces for Build {
    fn point(&mut self, p: Pt) {
        self.slice.push(p);
    }

    fn end(&mut self, size: f64, start: f64, end: f64) {
        self.rings.push(Ring { pts: trimmed(std::mem::take(&mut self.slice)), size, start, end });
    }

    fn end_points(&mut self) {}

    fn end_polygon(&mut self) {
        if !self.rings.is_empty() {
            let mut rings = std::mem::take(&mut self.rings);
            rings.shrink_to_fit();
            self.polygons.push(rings);
        }
    }
}

/// Counts the bytes the geometry would take ([`piece_bytes`]).
#[derive(Default)]
struct Count {
    points: usize,
    pieces: usize,
    bytes: u64,
}

impl Pieces for Count {
    fn point(&mut self, _p: Pt) {
        self.points += 1;
    }

    fn end(&mut self, _size: f64, _start: f64, _end: f64) {
        self.pieces += 1;
        self.bytes = self.bytes.saturating_add(piece_bytes(self.points));
        self.points = 0;
    }

    fn end_points(&mut self) {
        if self.points > 0 {
            self.end(0.0, 0.0, 0.0);
        }
    }

    fn end_polygon(&mut self) {
        // The polygon's list of rings, as an entry of the feature's list
        // (counted even when the polygon is left out: an upper bound).
        self.bytes = self.bytes.saturating_add(ALLOC_HEADER + std::mem::size_of::<Vec<Ring>>() as u64);
    }
}

/// An upper bound on the heap bytes of a piece of `n` points ([`trimmed`]
/// to them), with its entry in its feature's list of pieces (also
/// trimmed), and the allocator's header.
fn piece_bytes(n: usize) -> u64 {
    ALLOC_HEADER + n as u64 * std::mem::size_of::<Pt>() as u64 + std::mem::size_of::<Ring>() as u64
}

/// Bytes the allocator adds to each allocation (an upper bound).
const ALLOC_HEADER: u64 = 16;

/// An upper bound on the heap bytes of one clipped feature, beyond its
/// pieces: the shared allocation, the geometry's list and the tile's
/// pointer to it.
fn feature_bytes() -> u64 {
    3 * ALLOC_HEADER + 16 + std::mem::size_of::<VtFeature>() as u64 + std::mem::size_of::<Vec<Ring>>() as u64 + 8
}

/// An upper bound on the heap bytes [`clip`] with the same arguments
/// allocates, counted without allocating: a feature kept whole costs
/// its pointer, a clipped one its new geometry.
pub fn clip_cost(features: &[Arc<VtFeature>], scale: f64, k1: f64, k2: f64, axis: usize, min_all: f64, max_all: f64) -> u64 {
    let (k1, k2) = (k1 / scale, k2 / scale);
    let pointer = std::mem::size_of::<Arc<VtFeature>>() as u64;
    if min_all >= k1 && max_all < k2 {
        return pointer * features.len() as u64;
    }
    if max_all < k1 || min_all > k2 {
        return 0;
    }
    let mut total = 0u64;
    for f in features {
        match band(f, k1, k2, axis) {
            Band::Inside => total = total.saturating_add(pointer),
            Band::Outside => {}
            Band::Across => {
                let mut count = Count::default();
                clip_geometry(&f.geom, k1, k2, axis, &mut count);
                if count.pieces > 0 {
                    total = total.saturating_add(feature_bytes()).saturating_add(count.bytes);
                }
            }
        }
    }
    total
}

/// The slice [`clip_line`] is making: how many points, its first and last.
#[derive(Default)]
struct Slice {
    n: usize,
    first: Pt,
    last: Pt,
}

impl Slice {
    fn push(&mut self, p: Pt, out: &mut impl Pieces) {
        if self.n == 0 {
            self.first = p;
        }
        self.last = p;
        self.n += 1;
        out.point(p);
    }
}

fn clip_line(ring: &Ring, k1: f64, k2: f64, axis: usize, is_polygon: bool, out: &mut impl Pieces) {
    let pts = &ring.pts;
    if pts.is_empty() {
        return;
    }
    let mut slice = Slice::default();
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
                slice.push(intersect(a, b, k1, axis), out); // enters from below
                start = len + seg * crossing(a, b, k1, axis);
            }
        } else if ak > k2 {
            if bk < k2 {
                slice.push(intersect(a, b, k2, axis), out); // enters from above
                start = len + seg * crossing(a, b, k2, axis);
            }
        } else {
            slice.push(a, out);
        }
        if bk < k1 && ak >= k1 {
            slice.push(intersect(a, b, k1, axis), out); // leaves below
            exited = Some(crossing(a, b, k1, axis));
        }
        if bk > k2 && ak <= k2 {
            slice.push(intersect(a, b, k2, axis), out); // leaves above
            exited = Some(crossing(a, b, k2, axis));
        }
        if let (false, Some(t)) = (is_polygon, exited) {
            out.end(ring.size, start, len + seg * t);
            slice.n = 0;
            start = ring.start;
        }
        len += seg;
    }
    let last = pts[pts.len() - 1];
    if last[axis] >= k1 && last[axis] <= k2 {
        slice.push(last, out);
    }
    if is_polygon && slice.n > 0 && (slice.first[0] != slice.last[0] || slice.first[1] != slice.last[1]) {
        slice.push(slice.first, out);
    }
    if slice.n > 0 {
        out.end(ring.size, start, ring.end);
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
