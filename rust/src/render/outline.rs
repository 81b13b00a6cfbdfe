//! The outline of an antialiased fill (`fill-antialias`), drawn as
//! MapLibre draws it over the aliased fill: each ring edge is a GL line
//! whose fragments fade with their distance from `v_pos`, the edge's point
//! at the fragment's position along it (alpha 1 - smoothstep(0, 1, d)),
//! blended edge by edge. Like GL, an edge draws the pixel holding its start
//! and not the one holding its end. Unpitched the line is one pixel per
//! step along its major axis (the 2017 suite's and MapLibre Native's
//! images); under pitch MapLibre Native's fringe reaches a pixel further
//! either side (measured: tests/oracle/fill-pitch).
//!
//! GPUs interpolate `v_pos` perspective-correctly between the edge's ends
//! although it is a screen position, so on a receding edge it runs ahead of
//! (or behind) the fragment: a pitched fill's fringe is full near its
//! vertices and fades away along its edges. Pattern fills' outlines
//! (`fillOutlinePattern`) are drawn the same way.

use super::composite::{blend_over, Premul};
use super::display_list::Px;

/// Where an outline may draw in a band: the band's rows and width, and
/// optionally a clip mask (one byte per band pixel) or rectangle
/// (`[x0, y0, x1, y1)`, absolute pixels).
pub(crate) struct Target<'a> {
    pub width: usize,
    pub top: u32,
    pub rows: usize,
    pub mask: Option<&'a [u8]>,
    pub rect: Option<[i64; 4]>,
}

impl Target<'_> {
    #[inline]
    fn allows(&self, x: usize, r: usize) -> bool {
        if let Some(m) = self.mask {
            if m.get(r * self.width + x).map_or(true, |&c| c == 0) {
                return false;
            }
        }
        match self.rect {
            Some([x0, y0, x1, y1]) => {
                let (x, y) = (x as i64, i64::from(self.top) + r as i64);
                x >= x0 && x < x1 && y >= y0 && y < y1
            }
            None => true,
        }
    }
}

/// Draws the outline of every ring (closed) into `pixels` (premultiplied
/// RGBA of the band), source-over per edge, each pixel in `paint(x, y)`
/// (absolute device pixel; premultiplied). `near` is the ground's nearness
/// at device pixel `(x, y)`: `near · (x, y, 1)`, the reciprocal of the
/// perspective divisor.
pub(crate) fn draw_outline<F: Fn(usize, usize) -> Premul>(pixels: &mut [u8], target: &Target, rings: &[Vec<Px>], near: [f64; 3], paint: F) {
    if target.width == 0 || !near.iter().all(|v| v.is_finite()) {
        return;
    }
    let q = |p: [f64; 2]| near[0] * p[0] + near[1] * p[1] + near[2];
    let wide = near[0] != 0.0 || near[1] != 0.0;
    for ring in rings {
        let n = ring.len();
        for i in 0..n {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            let (a, b) = ([f64::from(a[0]), f64::from(a[1])], [f64::from(b[0]), f64::from(b[1])]);
            let (qa, qb) = (q(a), q(b));
            // Both ends in front of the camera (rings are clipped near it).
            if a == b || !(qa > 0.0 && qb > 0.0) || !a.iter().chain(&b).all(|v| v.is_finite()) {
                continue;
            }
            edge(pixels, target, a, b, [qa, qb], wide, &paint);
        }
    }
}

/// One edge from `a` to `b` (nearness `q` at each end).
fn edge<F: Fn(usize, usize) -> Premul>(pixels: &mut [u8], target: &Target, a: [f64; 2], b: [f64; 2], q: [f64; 2], wide: bool, paint: &F) {
    // Major axis 0 (x) or 1 (y): fragments are the pixels whose centres lie
    // within 1 px of the line along the minor axis, between the ends along
    // the major one.
    let major = usize::from((b[1] - a[1]).abs() > (b[0] - a[0]).abs());
    let minor = 1 - major;
    let (band0, band1) = (f64::from(target.top), f64::from(target.top) + target.rows as f64);
    let limit = if major == 0 { [0.0, target.width as f64] } else { [band0, band1] };
    // The pixel holding the edge's start is drawn, the one holding its end
    // is not (the next edge starts there), like GL's line rasterization.
    let (first, last) = if b[major] > a[major] {
        (a[major].floor(), b[major].floor())
    } else {
        (b[major].floor() + 1.0, a[major].floor() + 1.0)
    };
    let (first, last) = (first.max(limit[0]), last.min(limit[1]));
    let mut m = first;
    while m < last {
        let c = m + 0.5;
        // The screen-linear position along the edge, and GL's
        // perspective-correct one.
        let s = ((c - a[major]) / (b[major] - a[major])).clamp(0.0, 1.0);
        let t = s * q[1] / ((1.0 - s) * q[0] + s * q[1]);
        let v_pos = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
        let on_line = a[minor] + s * (b[minor] - a[minor]);
        let mlimit = if minor == 0 { [0.0, target.width as f64] } else { [band0, band1] };
        let (from, to) = if wide {
            ((on_line - 1.5).ceil(), (on_line + 0.5).ceil())
        } else {
            // One fragment per step (a 1 px GL line): the pixel the line
            // crosses at this step's centre.
            (on_line.floor(), on_line.floor() + 1.0)
        };
        let (from, to) = (from.max(mlimit[0]), to.min(mlimit[1]));
        let mut k = from;
        while k < to {
            let (x, y) = if major == 0 { (m, k) } else { (k, m) };
            let (xc, yc) = (x + 0.5, y + 0.5);
            let d = ((v_pos[0] - xc).powi(2) + (v_pos[1] - yc).powi(2)).sqrt();
            let alpha = 1.0 - smooth(d) as f32;
            let (xi, r) = (x as usize, (y - band0) as usize);
            if alpha > 0.0 && target.allows(xi, r) {
                let i = (r * target.width + xi) * 4;
                if let Some(px) = pixels.get_mut(i..i + 4) {
                    blend_over(px, paint(xi, y as usize).scale(alpha));
                }
            }
            k += 1.0;
        }
        m += 1.0;
    }
}

/// GLSL `smoothstep(0, 1, d)`.
fn smooth(d: f64) -> f64 {
    let t = d.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLACK: Premul = Premul { r: 0.0, g: 0.0, b: 0.0, a: 1.0 };

    fn target(width: usize, rows: usize) -> Target<'static> {
        Target { width, top: 0, rows, mask: None, rect: None }
    }

    fn alpha(px: &[u8], w: usize, x: usize, y: usize) -> u8 {
        px[(y * w + x) * 4 + 3]
    }

    #[test]
    fn an_edge_at_constant_depth_is_one_pixel_per_step() {
        // A horizontal edge at y = 5: the row it crosses (row 5, its centre
        // half a pixel away: alpha 1 - smoothstep(0, 1, 0.5)), not the
        // row above (the 2017 suite's and MapLibre Native's 1 px outline).
        let mut px = vec![0; 20 * 10 * 4];
        let ring = vec![[0.0, 5.0], [20.0, 5.0], [20.0, 9.0], [0.0, 9.0]];
        draw_outline(&mut px, &target(20, 10), &[ring], [0.0, 0.0, 1.0], |_, _| BLACK);
        for x in [3, 10, 16] {
            assert_eq!((alpha(&px, 20, x, 4), alpha(&px, 20, x, 5)), (0, 128), "x = {x}");
        }
    }

    #[test]
    fn corners_are_drawn_once_by_the_edge_leaving_them() {
        // A square ring: each corner pixel is the start of one edge and the
        // end of another, drawn once (by the edge leaving it, measured from
        // the corner itself), never blended twice.
        let mut px = vec![0; 20 * 20 * 4];
        let ring = vec![[4.25, 4.25], [15.25, 4.25], [15.25, 15.25], [4.25, 15.25]];
        draw_outline(&mut px, &target(20, 20), &[ring], [0.0, 0.0, 1.0], |_, _| BLACK);
        assert_eq!(alpha(&px, 20, 8, 4), 215, "d = 0.25 along an edge");
        for (x, y) in [(4, 4), (15, 4), (15, 15), (4, 15)] {
            // d = 0.25 where the pixel centre lies along the leaving edge,
            // 0.35 (from the corner) where it lies behind it; never the
            // 0.92 alpha of two blends.
            let a = alpha(&px, 20, x, y);
            assert!(a == 215 || a == 182, "corner ({x}, {y}): {a}");
        }
    }

    #[test]
    fn a_receding_edge_fades_between_its_ends() {
        // The far end (right) is 4 times as far: v_pos lags behind the
        // fragment in the middle of the edge.
        let mut px = vec![0; 100 * 10 * 4];
        let ring = vec![[0.0, 5.0], [100.0, 5.0], [100.0, 9.0], [0.0, 9.0]];
        let near = [-0.0075, 0.0, 1.0];
        draw_outline(&mut px, &target(100, 10), &[ring], near, |_, _| BLACK);
        assert!(alpha(&px, 100, 0, 5) > 50, "drawn at the near end");
        assert_eq!(alpha(&px, 100, 50, 5), 0, "gone half way");
    }

    #[test]
    fn a_mask_or_a_rectangle_clips_the_outline() {
        let ring = vec![[0.0, 5.0], [20.0, 5.0]];
        let mask: Vec<u8> = (0..200).map(|i| if i % 20 < 10 { 255 } else { 0 }).collect();
        let mut px = vec![0; 20 * 10 * 4];
        draw_outline(&mut px, &Target { mask: Some(&mask), ..target(20, 10) }, &[ring.clone()], [0.0, 0.0, 1.0], |_, _| BLACK);
        assert!(alpha(&px, 20, 5, 5) > 0 && alpha(&px, 20, 15, 5) == 0);
        let mut px = vec![0; 20 * 10 * 4];
        draw_outline(&mut px, &Target { rect: Some([0, 0, 20, 5]), ..target(20, 10) }, &[ring.clone()], [0.0, 0.0, 1.0], |_, _| BLACK);
        assert!(px.iter().all(|&v| v == 0), "row 5 is outside the rectangle");
        let mut px = vec![0; 20 * 10 * 4];
        draw_outline(&mut px, &Target { rect: Some([0, 0, 10, 6]), ..target(20, 10) }, &[ring], [0.0, 0.0, 1.0], |_, _| BLACK);
        assert!(alpha(&px, 20, 5, 5) > 0 && alpha(&px, 20, 15, 5) == 0);
    }
}
