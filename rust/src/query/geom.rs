//! Planar predicates used by rendered-feature queries. Points are `[x, y]` in
//! any consistent unit (tile units or screen pixels). A query "polygon" with a
//! single point is a point query; with two or more points it is a closed ring
//! (the closing edge is implied).

pub type P = [f64; 2];

fn sub(a: P, b: P) -> P {
    [a[0] - b[0], a[1] - b[1]]
}

fn dot(a: P, b: P) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

fn cross(a: P, b: P) -> f64 {
    a[0] * b[1] - a[1] * b[0]
}

/// Squared distance from `p` to the segment `a`–`b`.
pub fn dist_to_segment_sq(p: P, a: P, b: P) -> f64 {
    let ab = sub(b, a);
    let len_sq = dot(ab, ab);
    let t = if len_sq == 0.0 { 0.0 } else { (dot(sub(p, a), ab) / len_sq).clamp(0.0, 1.0) };
    let q = [a[0] + ab[0] * t, a[1] + ab[1] * t];
    let d = sub(p, q);
    dot(d, d)
}

/// Whether `p` is inside the ring (even-odd rule; the ring need not be closed).
pub fn ring_contains_point(ring: &[P], p: P) -> bool {
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut inside = false;
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Whether `p` is inside a polygon given as rings (exteriors and holes, even-odd
/// over all rings, as MapLibre treats a feature's rings).
pub fn rings_contain_point(rings: &[Vec<P>], p: P) -> bool {
    let mut inside = false;
    for ring in rings {
        if ring_contains_point(ring, p) {
            inside = !inside;
        }
    }
    inside
}

fn orient(a: P, b: P, c: P) -> f64 {
    cross(sub(b, a), sub(c, a))
}

/// Whether segments `a`–`b` and `c`–`d` intersect (touching counts).
pub fn segments_intersect(a: P, b: P, c: P, d: P) -> bool {
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0)) && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0)) {
        return true;
    }
    let on = |p: P, q: P, r: P| {
        r[0] >= p[0].min(q[0]) && r[0] <= p[0].max(q[0]) && r[1] >= p[1].min(q[1]) && r[1] <= p[1].max(q[1])
    };
    (d1 == 0.0 && on(c, d, a)) || (d2 == 0.0 && on(c, d, b)) || (d3 == 0.0 && on(a, b, c)) || (d4 == 0.0 && on(a, b, d))
}

/// The edges of a query polygon (closed ring; none for a single point).
fn query_edges(q: &[P]) -> impl Iterator<Item = (P, P)> + '_ {
    let n = q.len();
    let count = if n >= 2 { n } else { 0 };
    (0..count).map(move |i| (q[i], q[(i + 1) % n]))
}

fn line_edges(line: &[P]) -> impl Iterator<Item = (P, P)> + '_ {
    line.windows(2).map(|w| (w[0], w[1]))
}

/// Whether the query polygon (or point) touches the polygon given by `rings`
/// (fill layers).
pub fn query_intersects_polygon(q: &[P], rings: &[Vec<P>]) -> bool {
    match q.len() {
        0 => false,
        1 => rings_contain_point(rings, q[0]),
        _ => {
            if q.iter().any(|p| rings_contain_point(rings, *p)) {
                return true;
            }
            let inside_query = |p: &P| ring_contains_point(q, *p);
            if rings.iter().any(|r| r.iter().any(inside_query)) {
                return true;
            }
            rings.iter().any(|ring| {
                let closed = ring.len() >= 2;
                let n = ring.len();
                (0..if closed { n } else { 0 }).any(|i| {
                    let (a, b) = (ring[i], ring[(i + 1) % n]);
                    query_edges(q).any(|(c, d)| segments_intersect(a, b, c, d))
                })
            })
        }
    }
}

/// Whether the query polygon (or point) comes closer than `radius` to any of
/// the lines (line layers: `radius` is half the rendered width).
pub fn query_intersects_buffered_lines(q: &[P], lines: &[Vec<P>], radius: f64) -> bool {
    let r2 = radius * radius;
    for line in lines {
        if q.len() >= 3 && line.iter().any(|p| ring_contains_point(q, *p)) {
            return true;
        }
        // query vertices near the line
        for p in q {
            let near = match line.len() {
                0 => false,
                1 => dot(sub(*p, line[0]), sub(*p, line[0])) < r2,
                _ => line_edges(line).any(|(a, b)| dist_to_segment_sq(*p, a, b) < r2),
            };
            if near {
                return true;
            }
        }
        // line vertices near the query's edges, and crossing edges
        for (c, d) in query_edges(q) {
            if line.iter().any(|p| dist_to_segment_sq(*p, c, d) < r2) {
                return true;
            }
            if line_edges(line).any(|(a, b)| segments_intersect(a, b, c, d)) {
                return true;
            }
        }
    }
    false
}

/// Whether the query polygon (or point) comes closer than `radius` to `p`
/// (circle layers).
pub fn query_intersects_buffered_point(q: &[P], p: P, radius: f64) -> bool {
    let r2 = radius * radius;
    match q.len() {
        0 => false,
        1 => dot(sub(q[0], p), sub(q[0], p)) < r2,
        _ => ring_contains_point(q, p) || query_edges(q).any(|(a, b)| dist_to_segment_sq(p, a, b) < r2),
    }
}

/// Offsets each line sideways by `offset` (positive = right of the direction
/// of travel in a y-down frame), joining segments with mitred vertices, as
/// `line-offset` does.
pub fn offset_lines(lines: &[Vec<P>], offset: f64) -> Vec<Vec<P>> {
    let unit = |v: P| {
        let l = dot(v, v).sqrt();
        if l == 0.0 {
            [0.0, 0.0]
        } else {
            [v[0] / l, v[1] / l]
        }
    };
    // perpendicular of a unit direction: (-y, x)
    let perp = |v: P| [-v[1], v[0]];
    lines
        .iter()
        .map(|line| {
            let n = line.len();
            (0..n)
                .map(|i| {
                    let b = line[i];
                    let a_to_b = if i == 0 { [0.0, 0.0] } else { perp(unit(sub(b, line[i - 1]))) };
                    let b_to_c = if i + 1 == n { [0.0, 0.0] } else { perp(unit(sub(line[i + 1], b))) };
                    let mut e = unit([a_to_b[0] + b_to_c[0], a_to_b[1] + b_to_c[1]]);
                    let cos_half = dot(e, b_to_c);
                    if cos_half != 0.0 {
                        e = [e[0] / cos_half, e[1] / cos_half];
                    }
                    [b[0] + e[0] * offset, b[1] + e[1] * offset]
                })
                .collect()
        })
        .collect()
}

/// Bounding box `[min, max]` of points; `None` when empty.
pub fn bbox<'a>(points: impl IntoIterator<Item = &'a P>) -> Option<[P; 2]> {
    let mut it = points.into_iter();
    let first = *it.next()?;
    let mut b = [first, first];
    for p in it {
        b[0] = [b[0][0].min(p[0]), b[0][1].min(p[1])];
        b[1] = [b[1][0].max(p[0]), b[1][1].max(p[1])];
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, s: f64) -> Vec<P> {
        vec![[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s], [x0, y0]]
    }

    #[test]
    fn point_in_polygon_with_hole() {
        let rings = vec![square(0.0, 0.0, 10.0), square(3.0, 3.0, 4.0)];
        assert!(rings_contain_point(&rings, [1.0, 1.0]));
        assert!(!rings_contain_point(&rings, [5.0, 5.0]), "inside the hole");
        assert!(!rings_contain_point(&rings, [11.0, 5.0]));
        assert!(!rings_contain_point(&rings, [-0.5, 5.0]));
        // open ring (no closing point) behaves the same
        let open = vec![vec![[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]];
        assert!(rings_contain_point(&open, [2.0, 2.0]));
        assert!(!rings_contain_point(&open, [6.0, 6.0]));
    }

    #[test]
    fn segment_distance() {
        assert_eq!(dist_to_segment_sq([5.0, 3.0], [0.0, 0.0], [10.0, 0.0]), 9.0);
        // beyond the end: distance to the end point
        assert_eq!(dist_to_segment_sq([13.0, 4.0], [0.0, 0.0], [10.0, 0.0]), 25.0);
        assert_eq!(dist_to_segment_sq([-3.0, 0.0], [0.0, 0.0], [10.0, 0.0]), 9.0);
        // degenerate segment
        assert_eq!(dist_to_segment_sq([3.0, 4.0], [0.0, 0.0], [0.0, 0.0]), 25.0);
    }

    #[test]
    fn segments_crossing_and_touching() {
        assert!(segments_intersect([0.0, 0.0], [10.0, 10.0], [0.0, 10.0], [10.0, 0.0]));
        assert!(!segments_intersect([0.0, 0.0], [4.0, 4.0], [0.0, 10.0], [10.0, 9.0]));
        assert!(segments_intersect([0.0, 0.0], [5.0, 0.0], [5.0, 0.0], [5.0, 5.0]), "touching end points");
        assert!(!segments_intersect([0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]), "collinear apart");
    }

    #[test]
    fn box_against_polygon() {
        let poly = vec![square(0.0, 0.0, 10.0)];
        let query = |x0: f64, y0: f64, x1: f64, y1: f64| vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
        assert!(query_intersects_polygon(&query(-5.0, -5.0, 1.0, 1.0), &poly), "overlapping corner");
        assert!(query_intersects_polygon(&query(2.0, 2.0, 3.0, 3.0), &poly), "box inside polygon");
        assert!(query_intersects_polygon(&query(-5.0, -5.0, 20.0, 20.0), &poly), "polygon inside box");
        assert!(query_intersects_polygon(&query(-5.0, 4.0, 20.0, 6.0), &poly), "edges cross, no vertex inside");
        assert!(!query_intersects_polygon(&query(11.0, 0.0, 12.0, 10.0), &poly));
        assert!(query_intersects_polygon(&[[5.0, 5.0]], &poly));
        assert!(!query_intersects_polygon(&[[15.0, 5.0]], &poly));
    }

    #[test]
    fn buffered_lines_and_points() {
        let line = vec![vec![[0.0, 0.0], [10.0, 0.0]]];
        assert!(query_intersects_buffered_lines(&[[5.0, 2.9]], &line, 3.0));
        assert!(!query_intersects_buffered_lines(&[[5.0, 3.0]], &line, 3.0), "strictly closer than the radius");
        let b = vec![[4.0, -5.0], [6.0, -5.0], [6.0, 5.0], [4.0, 5.0]];
        assert!(query_intersects_buffered_lines(&b, &line, 0.1), "line crosses the box");
        let far = vec![[4.0, 5.0], [6.0, 5.0], [6.0, 9.0], [4.0, 9.0]];
        assert!(!query_intersects_buffered_lines(&far, &line, 1.0));
        assert!(query_intersects_buffered_lines(&far, &line, 5.5));
        assert!(query_intersects_buffered_point(&[[3.0, 4.0]], [0.0, 0.0], 5.1));
        assert!(!query_intersects_buffered_point(&[[3.0, 4.0]], [0.0, 0.0], 5.0));
        assert!(query_intersects_buffered_point(&b, [5.0, 0.0], 0.5), "inside the box");
        assert!(query_intersects_buffered_point(&b, [7.0, 0.0], 1.5), "near an edge");
        assert!(!query_intersects_buffered_point(&b, [7.0, 0.0], 0.5));
    }

    #[test]
    fn offsetting_a_corner() {
        // along +x then +y (y down): the right side is +y for the first segment
        let out = offset_lines(&[vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]]], 1.0);
        let p = &out[0];
        assert!((p[0][0] - 0.0).abs() < 1e-9 && (p[0][1] - 1.0).abs() < 1e-9, "{p:?}");
        assert!((p[1][0] - 9.0).abs() < 1e-9 && (p[1][1] - 1.0).abs() < 1e-9, "mitred corner {p:?}");
        assert!((p[2][0] - 9.0).abs() < 1e-9 && (p[2][1] - 10.0).abs() < 1e-9, "{p:?}");
        assert_eq!(bbox(p.iter()), Some([[0.0, 1.0], [9.0, 10.0]]));
    }
}
