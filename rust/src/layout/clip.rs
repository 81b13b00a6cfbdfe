//! Clipping in tile coordinates against a convex region given as half-planes
//! `a*x + b*y + c >= 0`: polygons by Sutherland–Hodgman, lines by cutting
//! each segment. Used where a tile reaches behind the camera (pitched views),
//! so that nothing is projected from behind it.

/// A point in tile units.
pub type P = [f64; 2];

/// `a*x + b*y + c >= 0` keeps a point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HalfPlane {
    pub a: f64,
    pub b: f64,
    pub c: f64,
}

impl HalfPlane {
    #[inline]
    fn eval(&self, p: P) -> f64 {
        self.a * p[0] + self.b * p[1] + self.c
    }

    /// The point where the segment p→q crosses the boundary.
    fn cross(&self, p: P, q: P) -> P {
        let (fp, fq) = (self.eval(p), self.eval(q));
        let t = fp / (fp - fq);
        [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t]
    }
}

/// The tile square `0..extent` as half-planes.
pub fn square(extent: f64) -> [HalfPlane; 4] {
    [
        HalfPlane { a: 1.0, b: 0.0, c: 0.0 },
        HalfPlane { a: -1.0, b: 0.0, c: extent },
        HalfPlane { a: 0.0, b: 1.0, c: 0.0 },
        HalfPlane { a: 0.0, b: -1.0, c: extent },
    ]
}

/// Clips a closed ring (first point may repeat last) to every half-plane.
pub fn clip_ring(ring: &[P], planes: &[HalfPlane]) -> Vec<P> {
    let mut out: Vec<P> = ring.to_vec();
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    for h in planes {
        if out.is_empty() {
            break;
        }
        let input = std::mem::take(&mut out);
        for i in 0..input.len() {
            let (p, q) = (input[i], input[(i + 1) % input.len()]);
            let inp = h.eval(p) >= 0.0;
            if inp {
                out.push(p);
            }
            // Only a strict crossing adds a point (a vertex on the line is kept once).
            if (h.eval(p) < 0.0 && h.eval(q) > 0.0) || (h.eval(p) > 0.0 && h.eval(q) < 0.0) {
                out.push(h.cross(p, q));
            }
        }
        out.dedup();
    }
    if out.len() < 3 {
        return Vec::new();
    }
    let first = out[0];
    out.push(first);
    out
}

/// Clips a polyline to the region given by `planes` (convex): the pieces
/// that lie inside.
pub fn clip_line(line: &[P], planes: &[HalfPlane]) -> Vec<Vec<P>> {
    let mut pieces: Vec<Vec<P>> = Vec::new();
    let mut current: Vec<P> = Vec::new();
    for pair in line.windows(2) {
        let (mut p, mut q) = (pair[0], pair[1]);
        let mut visible = true;
        let mut p_moved = false;
        for h in planes {
            let (fp, fq) = (h.eval(p), h.eval(q));
            if fp < 0.0 && fq < 0.0 {
                visible = false;
                break;
            }
            if fp < 0.0 {
                p = h.cross(p, q);
                p_moved = true;
            } else if fq < 0.0 {
                q = h.cross(p, q);
            }
        }
        if !visible {
            if current.len() > 1 {
                pieces.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        if p_moved || current.last() != Some(&p) {
            if current.len() > 1 {
                pieces.push(std::mem::take(&mut current));
            }
            current = vec![p];
        }
        current.push(q);
        if q != pair[1] {
            pieces.push(std::mem::take(&mut current));
        }
    }
    if current.len() > 1 {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_clipped_to_a_square_and_a_diagonal() {
        let ring = [[-5.0, -5.0], [15.0, -5.0], [15.0, 15.0], [-5.0, 15.0], [-5.0, -5.0]];
        let out = clip_ring(&ring, &square(10.0));
        assert_eq!(out.len(), 5);
        assert!(out.iter().all(|p| (0.0..=10.0).contains(&p[0]) && (0.0..=10.0).contains(&p[1])));
        // keep x + y <= 10: a triangle
        let diag = [HalfPlane { a: -1.0, b: -1.0, c: 10.0 }];
        let tri = clip_ring(&out, &diag);
        assert_eq!(tri.len(), 4, "{tri:?}");
        assert!(clip_ring(&ring, &[HalfPlane { a: 1.0, b: 0.0, c: -100.0 }]).is_empty());
    }

    #[test]
    fn line_pieces_inside_the_region() {
        let planes = square(10.0);
        let line = [[-5.0, 5.0], [5.0, 5.0], [15.0, 5.0], [15.0, 8.0], [5.0, 8.0]];
        let pieces = clip_line(&line, &planes);
        assert_eq!(pieces, vec![vec![[0.0, 5.0], [5.0, 5.0], [10.0, 5.0]], vec![[10.0, 8.0], [5.0, 8.0]]]);
        assert!(clip_line(&[[20.0, 20.0], [30.0, 30.0]], &planes).is_empty());
    }
}
