//! The outline of an antialiased fill under pitch, drawn as MapLibre draws
//! it: each ring edge is a 2 px wide GL line whose fragments fade with
//! their distance from `v_pos`, the edge's point at the fragment's position
//! along it. GPUs interpolate `v_pos` perspective-correctly between the
//! edge's ends although it is a screen position, so on a receding edge it
//! runs ahead of (or behind) the fragment: the fringe is full near the
//! edge's ends and fades away along it. The fill itself is aliased (pixel
//! centres), so a pitched fill's edges are hard except near its vertices.
//! Pattern fills' outlines (`fillOutlinePattern`) fade the same way.

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
            if m.get(r * self.width + x).is_none_or(|&c| c == 0) {
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
            edge(pixels, target, a, b, [qa, qb], &paint);
        }
    }
}

/// One edge from `a` to `b` (nearness `q` at each end).
fn edge<F: Fn(usize, usize) -> Premul>(pixels: &mut [u8], target: &Target, a: [f64; 2], b: [f64; 2], q: [f64; 2], paint: &F) {
    // Major axis 0 (x) or 1 (y): fragments are the pixels whose centres lie
    // within 1 px of the line along the minor axis, between the ends along
    // the major one.
    let major = usize::from((b[1] - a[1]).abs() > (b[0] - a[0]).abs());
    let minor = 1 - major;
    let (lo, hi) = (a[major].min(b[major]), a[major].max(b[major]));
    let (band0, band1) = (f64::from(target.top), f64::from(target.top) + target.rows as f64);
    let limit = if major == 0 { [0.0, target.width as f64] } else { [band0, band1] };
    let first = (lo - 0.5).ceil().max(limit[0]);
    let last = (hi - 0.5).ceil().min(limit[1]);
    let mut m = first;
    while m < last {
        let c = m + 0.5;
        // The screen-linear position along the edge, and GL's
        // perspective-correct one.
        let s = (c - a[major]) / (b[major] - a[major]);
        let t = s * q[1] / ((1.0 - s) * q[0] + s * q[1]);
        let v_pos = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
        let on_line = a[minor] + s * (b[minor] - a[minor]);
        let mlimit = if minor == 0 { [0.0, target.width as f64] } else { [band0, band1] };
        let from = (on_line - 1.0 - 0.5).ceil().max(mlimit[0]);
        let to = (on_line + 1.0 - 0.5).ceil().min(mlimit[1]);
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
    fn an_edge_at_constant_depth_has_a_full_fringe() {
        // A horizontal edge at y = 5: the pixel centres either side are half
        // a pixel away, alpha 1 - smoothstep(0, 1, 0.5).
        let mut px = vec![0; 20 * 10 * 4];
        let ring = vec![[0.0, 5.0], [20.0, 5.0], [20.0, 9.0], [0.0, 9.0]];
        draw_outline(&mut px, &target(20, 10), &[ring], [0.0, 0.0, 1.0], |_, _| BLACK);
        for x in [3, 10, 16] {
            assert_eq!((alpha(&px, 20, x, 4), alpha(&px, 20, x, 5)), (128, 128), "x = {x}");
            assert_eq!(alpha(&px, 20, x, 3), 0);
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
        draw_outline(&mut px, &Target { rect: Some([0, 0, 20, 5]), ..target(20, 10) }, &[ring], [0.0, 0.0, 1.0], |_, _| BLACK);
        assert!(alpha(&px, 20, 5, 4) > 0 && alpha(&px, 20, 5, 5) == 0);
    }
}
