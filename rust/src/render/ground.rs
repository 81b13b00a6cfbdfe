//! The ground plane of a pitched view ([`GroundMap`]): device pixels to
//! ground units and back, for drawing that lies on the ground (pitched
//! lines), and how many ground units one device pixel spans there.

use super::display_list::GroundMap;

/// Bounds on screen stop this near the camera plane (perspective
/// divisor): nearer ground is magnified past any target.
const NEAR: f64 = 1e-3;

impl GroundMap {
    /// Device pixel of a ground point, `None` when it is (almost) behind
    /// the camera.
    #[inline]
    pub fn to_screen(&self, [x, y]: [f32; 2]) -> Option<[f32; 2]> {
        let m = &self.to_screen;
        let (x, y) = (f64::from(x), f64::from(y));
        let w = m[2][0] * x + m[2][1] * y + m[2][2];
        if !(w > NEAR) {
            return None;
        }
        let p = [((m[0][0] * x + m[0][1] * y + m[0][2]) / w) as f32, ((m[1][0] * x + m[1][1] * y + m[1][2]) / w) as f32];
        (p[0].is_finite() && p[1].is_finite()).then_some(p)
    }

    /// The ground point seen at device pixel `(x, y)` and the factor `1 / w`
    /// there, `None` above the horizon and outside `clip`.
    #[inline]
    pub fn to_ground(&self, x: f32, y: f32) -> Option<([f32; 2], f64)> {
        let m = &self.from_screen;
        let (x, y) = (f64::from(x), f64::from(y));
        let k = m[2][0] * x + m[2][1] * y + m[2][2];
        if !(k > 0.0) {
            return None;
        }
        let gd = [(m[0][0] * x + m[0][1] * y + m[0][2]) / k, (m[1][0] * x + m[1][1] * y + m[1][2]) / k];
        if let Some(c) = self.clip {
            // In f64, so that neighbouring tiles' rectangles partition the pixels.
            if !(gd[0] >= c[0] && gd[0] < c[2] && gd[1] >= c[1] && gd[1] < c[3]) {
                return None;
            }
        }
        let g = [gd[0] as f32, gd[1] as f32];
        (g[0].is_finite() && g[1].is_finite()).then_some((g, k))
    }

    /// Ground units per device pixel in the ground direction `dir` (a unit
    /// vector) at the ground point seen at device pixel `(x, y)`, whose
    /// `1 / w` is `inv_w` (from [`GroundMap::to_ground`]): MapLibre's
    /// `v_gamma_scale`, the length of an extrusion without perspective over
    /// its length on screen.
    #[inline]
    pub fn units_per_px(&self, x: f32, y: f32, inv_w: f64, dir: [f32; 2]) -> f32 {
        let m = &self.to_screen;
        let (x, y) = (f64::from(x), f64::from(y));
        let (dx, dy) = (f64::from(dir[0]), f64::from(dir[1]));
        // d(screen)/d(ground) = (rows 0 and 1 - screen x row 2) / w.
        let sx = ((m[0][0] - x * m[2][0]) * dx + (m[0][1] - x * m[2][1]) * dy) * inv_w;
        let sy = ((m[1][0] - y * m[2][0]) * dx + (m[1][1] - y * m[2][1]) * dy) * inv_w;
        let len = (sx * sx + sy * sy).sqrt();
        if len > 0.0 && len.is_finite() {
            (1.0 / len) as f32
        } else {
            1.0
        }
    }

    /// Device-pixel bounds `[x0, y0, x1, y1]` of the part in front of
    /// the camera of everything within `d` ground units of the convex hull
    /// of `pts` (a few points: a quad, a triangle), empty
    /// (`[inf, inf, -inf, -inf]`) when none of it is. The hull of the
    /// squares around the points, cut at the camera plane, contains it; its
    /// cut is the hull of the corners in front and of where the lines
    /// between front and back corners cross the plane.
    pub fn hull_bounds(&self, pts: &[[f32; 2]], d: f32) -> [f32; 4] {
        let mut b = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
        let d = if d.is_finite() { f64::from(d.max(0.0)) } else { return b };
        let m = &self.to_screen;
        let mut corners = [[0.0f64; 3]; 32];
        let mut n = 0;
        for p in pts.iter().filter(|p| p[0].is_finite() && p[1].is_finite()).take(8) {
            for (sx, sy) in [(-d, -d), (d, -d), (-d, d), (d, d)] {
                let (x, y) = (f64::from(p[0]) + sx, f64::from(p[1]) + sy);
                corners[n] = [x, y, m[2][0] * x + m[2][1] * y + m[2][2]];
                n += 1;
            }
        }
        let corners = &corners[..n];
        let mut add = |x: f64, y: f64, w: f64| {
            let s = [((m[0][0] * x + m[0][1] * y + m[0][2]) / w) as f32, ((m[1][0] * x + m[1][1] * y + m[1][2]) / w) as f32];
            if s[0].is_finite() && s[1].is_finite() {
                b = [b[0].min(s[0]), b[1].min(s[1]), b[2].max(s[0]), b[3].max(s[1])];
            }
        };
        for c in corners.iter().filter(|c| c[2] >= NEAR) {
            add(c[0], c[1], c[2]);
        }
        if corners.iter().any(|c| !(c[2] >= NEAR)) {
            for f in corners.iter().filter(|c| c[2] >= NEAR) {
                for k in corners.iter().filter(|c| c[2] < NEAR) {
                    let t = (f[2] - NEAR) / (f[2] - k[2]);
                    add(f[0] + (k[0] - f[0]) * t, f[1] + (k[1] - f[1]) * t, NEAR);
                }
            }
        }
        b
    }

    /// [`GroundMap::hull_bounds`] of a polyline: the union over its segments.
    pub fn polyline_bounds(&self, pts: &[[f32; 2]], d: f32) -> [f32; 4] {
        let union = |a: [f32; 4], b: [f32; 4]| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])];
        if pts.len() < 2 {
            return self.hull_bounds(pts, d);
        }
        // Every square in front (the usual case): the hull's bounds are the
        // squares' bounds.
        let m = &self.to_screen;
        let dd = if d.is_finite() { f64::from(d.max(0.0)) } else { f64::INFINITY };
        let all_front = pts.iter().all(|p| {
            let (x, y) = (f64::from(p[0]), f64::from(p[1]));
            m[2][0] * x + m[2][1] * y + m[2][2] - (m[2][0].abs() + m[2][1].abs()) * dd >= NEAR
        });
        if all_front {
            return pts.iter().fold([f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY], |b, p| union(b, self.hull_bounds(&[*p], d)));
        }
        pts.windows(2).fold([f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY], |b, s| union(b, self.hull_bounds(s, d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A view looking at the ground at a slant: y recedes (w grows with y).
    fn slanted() -> GroundMap {
        let to_screen = [[1.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.001, 1.0]];
        GroundMap { to_screen, from_screen: crate::data::matrix::inv3(&to_screen).unwrap(), clip: None }
    }

    #[test]
    fn ground_and_screen_round_trip_and_the_horizon_maps_nowhere() {
        let g = slanted();
        for p in [[0.0f32, 0.0], [100.0, 50.0], [-30.0, 400.0]] {
            let s = g.to_screen(p).unwrap();
            let (back, inv_w) = g.to_ground(s[0], s[1]).unwrap();
            assert!((back[0] - p[0]).abs() < 1e-3 && (back[1] - p[1]).abs() < 1e-3, "{p:?} -> {s:?} -> {back:?}");
            assert!((inv_w - 1.0 / (1.0 + 0.001 * f64::from(p[1]))).abs() < 1e-6);
        }
        // The horizon is at screen y = 0.5 / 0.001 = 500: pixels past it see no ground.
        assert!(g.to_ground(0.0, 600.0).is_none());
        assert!(g.to_screen([0.0, -1000.0]).is_none(), "w = 0 is at ground y = -1000");
    }

    #[test]
    fn a_pixel_spans_more_ground_farther_away_and_along_the_view() {
        let g = slanted();
        let at = |p: [f32; 2], dir: [f32; 2]| {
            let s = g.to_screen(p).unwrap();
            let (_, inv_w) = g.to_ground(s[0], s[1]).unwrap();
            g.units_per_px(s[0], s[1], inv_w, dir)
        };
        assert!((at([0.0, 0.0], [1.0, 0.0]) - 1.0).abs() < 1e-4);
        assert!((at([0.0, 0.0], [0.0, 1.0]) - 2.0).abs() < 1e-4, "foreshortened along y");
        assert!(at([0.0, 500.0], [1.0, 0.0]) > 1.4, "farther: more ground per pixel");
    }

    #[test]
    fn bounds_contain_every_point_near_the_ground_points_in_front_of_the_camera() {
        let g = slanted();
        let inside = |s: [f32; 2], b: [f32; 4]| s[0] >= b[0] && s[0] <= b[2] && s[1] >= b[1] && s[1] <= b[3];
        // All in front, and a segment from in front to behind the camera (w = 0 at y = -1000).
        for pts in [[[0.0f32, 0.0], [200.0, 300.0]], [[0.0, 0.0], [50.0, -1500.0]]] {
            let b = g.polyline_bounds(&pts, 10.0);
            assert!(b[0] <= b[2] && b[1] <= b[3], "{b:?}");
            for t in 0..=200 {
                let f = t as f32 / 200.0;
                for (ox, oy) in [(-10.0, 0.0), (10.0, 0.0), (0.0, -10.0), (0.0, 10.0), (7.0, 7.0)] {
                    let p = [pts[0][0] + (pts[1][0] - pts[0][0]) * f + ox, pts[0][1] + (pts[1][1] - pts[0][1]) * f + oy];
                    if let Some(s) = g.to_screen(p) {
                        assert!(inside(s, b), "{p:?} at {s:?} outside {b:?}");
                    }
                }
            }
        }
        let quad = [[0.0f32, 0.0], [100.0, 0.0], [100.0, -1200.0], [0.0, -1200.0]];
        let b = g.hull_bounds(&quad, 0.0);
        for (fx, fy) in [(0.5f32, 0.1f32), (0.9, 0.5), (0.2, 0.8), (0.5, 0.83)] {
            if let Some(s) = g.to_screen([100.0 * fx, -1200.0 * fy]) {
                assert!(inside(s, b), "{s:?} outside {b:?}");
            }
        }
        let behind = g.hull_bounds(&[[0.0, -1100.0]], 10.0);
        assert!(!(behind[0] <= behind[2]), "wholly behind the camera: empty, got {behind:?}");
    }

    #[test]
    fn pixels_seeing_ground_outside_the_clip_see_nothing() {
        let g = GroundMap { clip: Some([0.0, 0.0, 100.0, 100.0]), ..slanted() };
        let s_in = g.to_screen([50.0, 50.0]).unwrap();
        let s_out = g.to_screen([150.0, 50.0]).unwrap();
        assert!(g.to_ground(s_in[0], s_in[1]).is_some());
        assert!(g.to_ground(s_out[0], s_out[1]).is_none());
    }

}
