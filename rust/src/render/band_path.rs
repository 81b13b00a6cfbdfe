//! Band-local, line-only fill paths that rasterize to the same bytes whatever
//! the banding.
//!
//! A frame is drawn in horizontal bands. To make every band's pixels
//! independent of where the band boundaries are, each edge of a fill path is
//! prepared in absolute coordinates (f64) the same way in every band:
//!
//! * curves are flattened with a subdivision count that depends only on the
//!   curve;
//! * edges are cut where they cross x = 0 and x = width (or an axis-aligned
//!   clip rectangle's sides), and the parts outside are pushed onto those
//!   verticals (winding is preserved, as a scan converter's clipper would do);
//! * edges are cut at every global strip boundary (`STRIP` rows) inside the band
//!   and at the clip rectangle's top/bottom, and parts above/below are
//!   flattened onto the band's (or clip's) top/bottom (horizontal edges cover
//!   nothing);
//! * points are snapped to a 1/256 px grid, so moving them into band
//!   coordinates (an integer shift) is exact in f32.
//!
//! Band boundaries are always strip boundaries, so the edges covering any row
//! are the same pieces, at the same band-relative positions, in every band
//! layout, and the path lies inside the band so the backend never clips it.

/// Band boundaries are multiples of this many rows.
pub(crate) const STRIP: u32 = 32;
/// Snapping grid: 1/256 px (8 fractional bits; exact in f32 below 2^15 px).
const GRID: f64 = 256.0;
/// Coordinates are clamped to this magnitude before any maths.
pub(crate) const MAX_COORD: f64 = 1.0e6;
/// Curve flattening tolerance in px.
const TOLERANCE: f64 = 0.1;

/// A set of closed, line-only contours in band coordinates (y relative to the
/// band's top), ready for the backend.
#[derive(Default)]
pub(crate) struct BandPath {
    pub pts: Vec<[f32; 2]>,
    /// Start index of each contour in `pts`.
    pub starts: Vec<usize>,
    /// Horizontal limits (0..width, or a clip rectangle's).
    x0: f64,
    x1: f64,
    /// The band's rows.
    top: f64,
    bottom: f64,
    /// Vertical limits: the band's rows, or their intersection with a clip
    /// rectangle's.
    y0: f64,
    y1: f64,
    width: f64,
    /// Absolute first and current point of the open contour.
    first: Option<[f64; 2]>,
    last: [f64; 2],
    /// Whether any edge has a vertical extent inside the band.
    visible: bool,
}

#[inline]
fn clamp_coord(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-MAX_COORD, MAX_COORD)
    }
}

impl BandPath {
    /// Starts an empty path for the band of rows `top..bottom` of a target
    /// `width` px wide.
    pub fn reset(&mut self, width: u32, top: u32, bottom: u32) {
        self.pts.clear();
        self.starts.clear();
        self.width = width as f64;
        self.top = top as f64;
        self.bottom = bottom as f64;
        self.set_clip_rect(None);
        self.first = None;
        self.visible = false;
    }

    /// Limits the following contours to an integer pixel rectangle
    /// `[x0, y0, x1, y1)` in absolute coordinates (`None`: the whole target).
    /// Set it before adding contours; it must be the same in every band for
    /// a command (it is part of the command, not of the band).
    pub fn set_clip_rect(&mut self, rect: Option<[i64; 4]>) {
        let (x0, y0, x1, y1) = match rect {
            Some(r) => (r[0] as f64, r[1] as f64, r[2] as f64, r[3] as f64),
            None => (0.0, self.top, self.width, self.bottom),
        };
        self.x0 = x0.max(0.0);
        self.x1 = x1.min(self.width).max(self.x0);
        self.y0 = y0.max(self.top);
        self.y1 = y1.min(self.bottom).max(self.y0);
    }

    /// The clip rectangle intersected with the band, `[x0, y0, x1, y1)`.
    pub fn clip_rect(&self) -> [i64; 4] {
        [self.x0 as i64, self.y0 as i64, self.x1 as i64, self.y1 as i64]
    }

    /// Removes the contours, keeping the band.
    pub fn clear(&mut self) {
        self.pts.clear();
        self.starts.clear();
        self.first = None;
        self.visible = false;
    }

    /// True when the path may cover some pixel of the band.
    pub fn is_visible(&self) -> bool {
        self.visible && !self.starts.is_empty()
    }

    pub fn move_to(&mut self, x: f64, y: f64) {
        self.close();
        let p = [clamp_coord(x), clamp_coord(y)];
        self.first = Some(p);
        self.last = p;
        self.starts.push(self.pts.len());
        let [cx, cy] = self.clamp_point(p);
        self.emit(cx, cy);
    }

    pub fn line_to(&mut self, x: f64, y: f64) {
        if self.first.is_none() {
            self.move_to(x, y);
            return;
        }
        let p = [clamp_coord(x), clamp_coord(y)];
        let a = self.last;
        self.edge(a, p);
        self.last = p;
    }

    pub fn quad_to(&mut self, c: [f64; 2], p: [f64; 2]) {
        let a = self.last;
        let dd = ((a[0] - 2.0 * c[0] + p[0]).powi(2) + (a[1] - 2.0 * c[1] + p[1]).powi(2)).sqrt();
        let n = segments_for(dd / (4.0 * TOLERANCE));
        for i in 1..n {
            let t = i as f64 / n as f64;
            let s = 1.0 - t;
            let x = s * s * a[0] + 2.0 * s * t * c[0] + t * t * p[0];
            let y = s * s * a[1] + 2.0 * s * t * c[1] + t * t * p[1];
            self.line_to(x, y);
        }
        self.line_to(p[0], p[1]);
    }

    pub fn cubic_to(&mut self, c1: [f64; 2], c2: [f64; 2], p: [f64; 2]) {
        let a = self.last;
        let d1 = ((a[0] - 2.0 * c1[0] + c2[0]).powi(2) + (a[1] - 2.0 * c1[1] + c2[1]).powi(2)).sqrt();
        let d2 = ((c1[0] - 2.0 * c2[0] + p[0]).powi(2) + (c1[1] - 2.0 * c2[1] + p[1]).powi(2)).sqrt();
        let n = segments_for(0.75 * d1.max(d2) / TOLERANCE);
        for i in 1..n {
            let t = i as f64 / n as f64;
            let s = 1.0 - t;
            let (b0, b1, b2, b3) = (s * s * s, 3.0 * s * s * t, 3.0 * s * t * t, t * t * t);
            let x = b0 * a[0] + b1 * c1[0] + b2 * c2[0] + b3 * p[0];
            let y = b0 * a[1] + b1 * c1[1] + b2 * c2[1] + b3 * p[1];
            self.line_to(x, y);
        }
        self.line_to(p[0], p[1]);
    }

    /// Closes the open contour (fills are closed implicitly anyway; this makes
    /// the closing edge go through the same preparation as the others).
    pub fn close(&mut self) {
        if let Some(f) = self.first.take() {
            let a = self.last;
            if a != f {
                self.edge(a, f);
            }
            self.last = f;
        }
    }

    /// Appends a polygon ring (absolute coordinates) as a closed contour.
    pub fn add_ring(&mut self, ring: &[[f32; 2]]) {
        let mut started = false;
        for p in ring {
            if !(p[0].is_finite() && p[1].is_finite()) {
                continue;
            }
            if started {
                self.line_to(p[0] as f64, p[1] as f64);
            } else {
                self.move_to(p[0] as f64, p[1] as f64);
                started = true;
            }
        }
        self.close();
    }

    fn clamp_point(&self, p: [f64; 2]) -> [f64; 2] {
        [p[0].clamp(self.x0, self.x1), p[1].clamp(self.y0, self.y1)]
    }

    /// Prepares one edge from `a` to `b` (absolute, already clamped to MAX_COORD).
    fn edge(&mut self, a: [f64; 2], b: [f64; 2]) {
        // Cut at x = 0 and x = width.
        let mut cuts = [(0.0f64, 0.0f64); 2];
        let mut n = 0;
        if a[0] != b[0] {
            for xb in [self.x0, self.x1] {
                let t = (xb - a[0]) / (b[0] - a[0]);
                if t > 0.0 && t < 1.0 {
                    cuts[n] = (t, xb);
                    n += 1;
                }
            }
        }
        if n == 2 && cuts[0].0 > cuts[1].0 {
            cuts.swap(0, 1);
        }
        let mut p = a;
        for &(t, xb) in &cuts[..n] {
            let q = [xb, a[1] + t * (b[1] - a[1])];
            self.ysplit(p, q);
            p = q;
        }
        self.ysplit(p, b);
    }

    /// Emits the edge `p -> q` (x not yet clamped) cut at the strip boundaries
    /// and the vertical limits inside the band; the start point has already
    /// been emitted.
    fn ysplit(&mut self, p: [f64; 2], q: [f64; 2]) {
        let px = p[0].clamp(self.x0, self.x1);
        let qx = q[0].clamp(self.x0, self.x1);
        let (ylo, yhi) = if p[1] < q[1] { (p[1], q[1]) } else { (q[1], p[1]) };
        if ylo.max(self.y0) < yhi.min(self.y1) {
            self.visible = true;
            let s = STRIP as f64;
            // Strip boundaries strictly inside both (ylo, yhi) and (y0, y1).
            let lo = ylo.max(self.y0);
            let hi = yhi.min(self.y1);
            let kmin = floor_i64(lo / s) + 1;
            let kmax = ceil_i64(hi / s) - 1;
            let cut_lo = ylo < self.y0;
            let cut_hi = self.y1 < yhi;
            let dy = q[1] - p[1];
            let down = dy > 0.0;
            let cut = |this: &mut Self, yb: f64| {
                let t = (yb - p[1]) / dy;
                this.emit(px + t * (qx - px), yb);
            };
            let (first, last) = if down { (cut_lo, cut_hi) } else { (cut_hi, cut_lo) };
            if first {
                cut(self, if down { self.y0 } else { self.y1 });
            }
            if kmin <= kmax {
                let count = (kmax - kmin + 1) as usize;
                for j in 0..count {
                    let k = if down { kmin + j as i64 } else { kmax - j as i64 };
                    cut(self, k as f64 * s);
                }
            }
            if last {
                cut(self, if down { self.y1 } else { self.y0 });
            }
        }
        let qy = q[1].clamp(self.y0, self.y1);
        self.emit(qx, qy);
    }

    /// Snaps and appends a point (absolute, inside the band) to the open contour.
    fn emit(&mut self, x: f64, y: f64) {
        let x = (round_half_away(x * GRID) / GRID) as f32;
        let y = (round_half_away(y * GRID) / GRID - self.top) as f32;
        let start = *self.starts.last().unwrap_or(&0);
        let len = self.pts.len();
        if len > start {
            let last = self.pts[len - 1];
            if last == [x, y] {
                return;
            }
            // Collapse horizontal runs: the middle point of three on one
            // horizontal line changes nothing.
            if len >= start + 2 && last[1] == y && self.pts[len - 2][1] == y {
                self.pts[len - 1] = [x, y];
                return;
            }
        }
        self.pts.push([x, y]);
    }
}

// Exact `floor`, `ceil` and `round` for the magnitudes used here (|v| well
// below 2^52; coordinates are clamped to MAX_COORD), without the libm calls
// the baseline x86-64 target makes for them.

#[inline]
fn floor_i64(v: f64) -> i64 {
    let t = v as i64;
    if (t as f64) > v {
        t - 1
    } else {
        t
    }
}

#[inline]
fn ceil_i64(v: f64) -> i64 {
    let t = v as i64;
    if (t as f64) < v {
        t + 1
    } else {
        t
    }
}

/// `v.round()` (halves away from zero).
#[inline]
fn round_half_away(v: f64) -> f64 {
    let t = (v as i64) as f64;
    let f = v - t;
    if f >= 0.5 {
        t + 1.0
    } else if f <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

fn segments_for(v: f64) -> usize {
    if v.is_finite() && v > 0.0 {
        (v.sqrt().ceil() as usize).clamp(1, 100)
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_cut_at_strips_and_clamped() {
        let mut bp = BandPath::default();
        bp.reset(100, 16, 48);
        bp.add_ring(&[[10.0, 0.0], [10.0, 100.0], [-50.0, 100.0]]);
        assert!(bp.is_visible());
        // Vertical edge from y 0 to 100 becomes points at band-local y 0, 16, 32.
        let ys: Vec<f32> = bp.pts.iter().map(|p| p[1]).collect();
        assert!(ys.contains(&16.0));
        for p in &bp.pts {
            assert!(p[0] >= 0.0 && p[0] <= 100.0 && p[1] >= 0.0 && p[1] <= 32.0, "{p:?}");
        }
    }

    #[test]
    fn fast_rounding_matches_std() {
        for i in -4000..4000 {
            for v in [i as f64 * 0.25, i as f64 * 0.1 + 0.05, i as f64 * 1.0e3 + 0.5, 0.49999999999999994, -0.49999999999999994] {
                assert_eq!(round_half_away(v), v.round(), "{v}");
                assert_eq!(floor_i64(v), v.floor() as i64, "{v}");
                assert_eq!(ceil_i64(v), v.ceil() as i64, "{v}");
            }
        }
    }

    #[test]
    fn outside_band_is_invisible() {
        let mut bp = BandPath::default();
        bp.reset(100, 0, 16);
        bp.add_ring(&[[10.0, 20.0], [50.0, 20.0], [30.0, 60.0]]);
        assert!(!bp.is_visible());
        bp.clear();
        bp.add_ring(&[[f32::NAN, 1.0], [f32::INFINITY, 5.0]]);
        assert!(!bp.is_visible());
    }
}
