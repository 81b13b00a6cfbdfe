//! fill-extrusion faces with a depth test, as MapLibre draws them: into an
//! offscreen target with a depth buffer (test less-or-equal), without
//! multisampling, then composited once at the layer's opacity.
//!
//! Every face is planar, so its nearness (the reciprocal of the perspective
//! divisor) is affine in device pixels: a pixel whose centre a face covers
//! (even-odd over its rings) takes the face's colour when the face is at
//! least as near as what the pixel holds. Faces come far to near, so equal
//! depths (shared walls, touching roofs) resolve towards the nearer face.

use super::composite::to_u8;
use super::display_list::{ExtrusionFace, FacePaint, Px};
use super::pattern::PatternShader;
use crate::style::color::Color;

/// Draws `faces` (in order) into `pixels`: premultiplied RGBA of the rows
/// `top..top + rows` of a `width`-pixel-wide target. `depth` is scratch.
pub(crate) fn draw_faces(pixels: &mut [u8], width: usize, top: u32, rows: usize, faces: &[ExtrusionFace], depth: &mut Vec<f32>) {
    let rows = rows.min(pixels.len() / 4 / width.max(1));
    if width == 0 || rows == 0 {
        return;
    }
    depth.clear();
    depth.resize(width * rows, f32::NEG_INFINITY);
    let mut xs = Vec::new();
    for face in faces {
        let paint = Painter::new(face);
        let Some(paint) = paint else { continue };
        let Some([y0, y1]) = vertical_extent(&face.rings) else { continue };
        // Rows whose centre lies in [y0, y1).
        let first = ((y0 - 0.5).ceil().max(top as f64) as usize).saturating_sub(top as usize);
        let last = ((y1 - 0.5).ceil().min((top as usize + rows) as f64).max(top as f64) as usize).saturating_sub(top as usize);
        for r in first..last {
            let yc = (top as usize + r) as f64 + 0.5;
            crossings(&face.rings, yc, &mut xs);
            for pair in xs.chunks_exact(2) {
                let from = (pair[0] - 0.5).ceil().clamp(0.0, width as f64) as usize;
                let to = (pair[1] - 0.5).ceil().clamp(0.0, width as f64) as usize;
                for x in from..to {
                    let xc = x as f64 + 0.5;
                    let near = face.depth[0] * xc + face.depth[1] * yc + face.depth[2];
                    let i = r * width + x;
                    // Behind the camera (or not a number): never drawn.
                    if !(near > 0.0) || (near as f32) < depth[i] {
                        continue;
                    }
                    depth[i] = near as f32;
                    let t = || ((face.ramp[0] * xc + face.ramp[1] * yc + face.ramp[2]) / near).clamp(0.0, 1.0) as f32;
                    let px = paint.at(x, top as usize + r, t);
                    pixels[i * 4..i * 4 + 4].copy_from_slice(&px);
                }
            }
        }
    }
}

/// A face's paint, ready per pixel.
enum Painter<'a> {
    /// One premultiplied colour (roofs, walls without a gradient).
    Flat([u8; 4]),
    Ramp([Color; 2]),
    Pattern(PatternShader<'a>, [f32; 2]),
}

impl<'a> Painter<'a> {
    fn new(face: &'a ExtrusionFace) -> Option<Painter<'a>> {
        if !face.depth.iter().chain(&face.ramp).all(|v| v.is_finite()) {
            return None;
        }
        Some(match &face.paint {
            FacePaint::Color([lo, hi]) if lo == hi => Painter::Flat(rgba(*lo, *lo, 0.0)),
            FacePaint::Color(c) => Painter::Ramp(*c),
            FacePaint::Pattern { pattern, light } => {
                let light = light.map(|l| if l.is_finite() { l.clamp(0.0, 1.0) } else { 1.0 });
                Painter::Pattern(PatternShader::new(pattern)?, light)
            }
        })
    }

    /// The premultiplied RGBA8 at absolute pixel `(x, y)`; `t` gives the
    /// ramp's fraction there.
    #[inline]
    fn at(&self, x: usize, y: usize, t: impl Fn() -> f32) -> [u8; 4] {
        match self {
            Painter::Flat(c) => *c,
            Painter::Ramp([lo, hi]) => rgba(*lo, *hi, t()),
            Painter::Pattern(shader, [lo, hi]) => {
                let Some(texel) = shader.texel_at(x, y) else { return [0; 4] };
                let light = if lo == hi { *lo } else { lo + (hi - lo) * t() };
                let a = to_u8(texel[3] + 0.5);
                // Kept premultiplied after rounding.
                let c = |v: f32| to_u8(v * light + 0.5).min(a);
                [c(texel[0]), c(texel[1]), c(texel[2]), a]
            }
        }
    }
}

/// `lo` to `hi` at `t`, premultiplied RGBA8.
fn rgba(lo: Color, hi: Color, t: f32) -> [u8; 4] {
    let mix = |a: f32, b: f32| {
        let v = a + (b - a) * t;
        if v.is_nan() {
            0.0
        } else {
            v.clamp(0.0, 1.0)
        }
    };
    let alpha = mix(lo.a, hi.a);
    let c = |a: f32, b: f32| to_u8(mix(a, b) * alpha * 255.0 + 0.5);
    [c(lo.r, hi.r), c(lo.g, hi.g), c(lo.b, hi.b), to_u8(alpha * 255.0 + 0.5)]
}

/// The smallest and largest finite y of the rings; `None` without any.
fn vertical_extent(rings: &[Vec<Px>]) -> Option<[f64; 2]> {
    let mut ys = rings.iter().flatten().map(|p| p[1]).filter(|y| y.is_finite());
    let first = f64::from(ys.next()?);
    Some(ys.fold([first, first], |[lo, hi], y| [lo.min(f64::from(y)), hi.max(f64::from(y))]))
}

/// Where the rings' edges cross the horizontal line at `y`, sorted (pairs
/// bound the inside, even-odd). An edge counts from its upper end up to but
/// not including its lower one, so a pixel on a shared edge belongs to one
/// face only. Rings need not repeat their first point.
fn crossings(rings: &[Vec<Px>], y: f64, xs: &mut Vec<f64>) {
    xs.clear();
    for ring in rings {
        let n = ring.len();
        for i in 0..n {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            let (ax, ay, bx, by) = (f64::from(a[0]), f64::from(a[1]), f64::from(b[0]), f64::from(b[1]));
            if (ay <= y) != (by <= y) {
                let x = ax + (y - ay) * (bx - ax) / (by - ay);
                if x.is_finite() {
                    xs.push(x);
                }
            }
        }
    }
    xs.sort_by(f64::total_cmp);
    if xs.len() % 2 == 1 {
        // Only with non-finite points: drop the unmatched crossing.
        xs.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::display_list::{PatternImage, PatternPaint};
    use std::sync::Arc;

    const RED: Color = Color::new(1.0, 0.0, 0.0, 1.0);
    const BLUE: Color = Color::new(0.0, 0.0, 1.0, 1.0);

    fn square(x0: f32, y0: f32, x1: f32, y1: f32) -> Vec<Px> {
        vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    }

    fn face(ring: Vec<Px>, depth: [f64; 3], paint: FacePaint) -> ExtrusionFace {
        ExtrusionFace { rings: vec![ring], depth, ramp: [0.0; 3], paint }
    }

    fn draw(faces: &[ExtrusionFace], w: usize, h: usize) -> Vec<u8> {
        let mut px = vec![0; w * h * 4];
        draw_faces(&mut px, w, 0, h, faces, &mut Vec::new());
        px
    }

    fn at(px: &[u8], w: usize, x: usize, y: usize) -> [u8; 4] {
        let i = (y * w + x) * 4;
        [px[i], px[i + 1], px[i + 2], px[i + 3]]
    }

    #[test]
    fn the_nearer_face_wins_whatever_the_order() {
        // A red face leaning towards the camera on the right, a blue one at
        // constant depth: they cross at x = 10.
        let red = face(square(0.0, 0.0, 20.0, 4.0), [0.01, 0.0, 0.9], FacePaint::Color([RED; 2]));
        let blue = face(square(0.0, 0.0, 20.0, 4.0), [0.0, 0.0, 1.0], FacePaint::Color([BLUE; 2]));
        for faces in [[red.clone(), blue.clone()], [blue, red]] {
            let px = draw(&faces, 20, 4);
            assert_eq!(at(&px, 20, 2, 1), [0, 0, 255, 255], "left: blue is nearer");
            assert_eq!(at(&px, 20, 17, 1), [255, 0, 0, 255], "right: red is nearer");
        }
    }

    #[test]
    fn pixels_are_covered_by_their_centres_and_shared_edges_once() {
        let left = face(square(0.0, 0.0, 5.5, 3.0), [0.0, 0.0, 1.0], FacePaint::Color([RED; 2]));
        let right = face(square(5.5, 0.0, 10.0, 3.0), [0.0, 0.0, 1.0], FacePaint::Color([BLUE; 2]));
        let px = draw(&[left.clone()], 10, 3);
        assert_eq!(at(&px, 10, 4, 1)[0], 255);
        assert_eq!(at(&px, 10, 5, 1), [0; 4], "centre 5.5 on the right edge: the face to its right has it");
        assert_eq!(draw(&[right.clone()], 10, 3)[(10 + 5) * 4], 0);
        assert_eq!(draw(&[right.clone()], 10, 3)[(10 + 5) * 4 + 2], 255);
        // Behind the camera: nothing.
        let behind = face(square(0.0, 0.0, 10.0, 3.0), [0.0, 0.0, -1.0], FacePaint::Color([RED; 2]));
        assert!(draw(&[behind], 10, 3).iter().all(|&v| v == 0));
        // Two faces sharing an edge cover every pixel once between them.
        let px = draw(&[left, right], 10, 3);
        assert!(px.chunks(4).all(|p| p[3] == 255));
    }

    #[test]
    fn walls_shade_from_foot_to_top_perspective_correct() {
        // The ramp is 1 - y / 10 with a constant depth: 0.45 at the centre
        // of row 5.
        let mut wall = face(square(0.0, 0.0, 4.0, 10.0), [0.0, 0.0, 2.0], FacePaint::Color([Color::BLACK, Color::WHITE]));
        wall.ramp = [0.0, -0.2, 2.0];
        let px = draw(&[wall.clone()], 4, 10);
        let (top, mid, foot) = (at(&px, 4, 1, 0)[0], at(&px, 4, 1, 5)[0], at(&px, 4, 1, 9)[0]);
        assert_eq!((top, mid, foot), (242, 115, 13));
        // Receding (the foot twice as far as the top): still 1 at the top
        // and 0 at the foot, but not linear on screen. At y = 5.5:
        // (2 - 1.1) / (2 - 0.55) = 0.62, not 0.45.
        wall.depth = [0.0, -0.1, 2.0];
        let px = draw(&[wall], 4, 10);
        assert_eq!(at(&px, 4, 1, 5)[0], 158);
    }

    #[test]
    fn pattern_faces_take_their_texels_transparent_ones_too() {
        let image = PatternImage { width: 2, height: 1, data: Arc::new(vec![0, 0, 200, 200, 0, 0, 0, 0]) };
        let pattern = PatternPaint { image, to_texel: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], opacity: 1.0 };
        let far = face(square(0.0, 0.0, 4.0, 2.0), [0.0, 0.0, 1.0], FacePaint::Color([RED; 2]));
        let near = face(square(0.0, 0.0, 4.0, 2.0), [0.0, 0.0, 2.0], FacePaint::Pattern { pattern, light: [0.5, 0.5] });
        let px = draw(&[far, near], 4, 2);
        assert_eq!(at(&px, 4, 0, 0), [0, 0, 100, 200], "lit at half");
        assert_eq!(at(&px, 4, 1, 0), [0; 4], "a transparent texel hides the farther face");
    }

    #[test]
    fn bands_draw_the_same_as_a_whole_target() {
        let tilted = face(vec![[1.0, 0.5], [18.0, 3.0], [12.0, 19.5]], [0.003, 0.002, 0.5], FacePaint::Color([RED; 2]));
        let flat = face(square(3.0, 3.0, 15.0, 15.0), [0.0, 0.0, 0.52], FacePaint::Color([BLUE; 2]));
        let faces = [tilted, flat];
        let whole = draw(&faces, 20, 20);
        let mut banded = vec![0; 20 * 20 * 4];
        for (b, band) in banded.chunks_mut(20 * 7 * 4).enumerate() {
            let rows = band.len() / 80;
            draw_faces(band, 20, (b * 7) as u32, rows, &faces, &mut Vec::new());
        }
        assert_eq!(whole, banded);
        assert!(whole.chunks(4).any(|p| p == [255, 0, 0, 255]) && whole.chunks(4).any(|p| p == [0, 0, 255, 255]));
    }
}
