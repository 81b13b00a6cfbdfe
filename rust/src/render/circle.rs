//! Circle painter: per pixel, with MapLibre's circle shader maths.
//!
//! With `outer = radius + stroke_width` and `e` the pixel centre's distance
//! from the centre in units of `outer` (after undoing `scale`):
//! `blur' = max(blur, 1 / outer)` (1 px antialiasing at pixel ratio 1),
//! `opacity = smoothstep(0, -blur', e - 1)`,
//! `stroke_t = smoothstep(-blur', 0, e - radius / outer)` (0 without stroke),
//! `colour = opacity * mix(fill, stroke, stroke_t)` in premultiplied space,
//! composited once: fill and stroke are one shape, not two layers.

use super::backend::Canvas;
use super::composite::{blend_over, smoothstep, Premul};
use super::display_list::{CircleStyle, Px};

/// `rect`: absolute pixel rectangle `[x0, y0, x1, y1)` to stay inside.
pub(crate) fn draw_circles<C: Canvas>(
    canvas: &mut C,
    top: u32,
    centers: &[Px],
    style: &CircleStyle,
    clip: Option<&C::Clip>,
    rect: Option<[i64; 4]>,
) {
    let w = canvas.width() as usize;
    let h = canvas.height() as usize;
    let (lx0, ly0, lx1, ly1) = band_limits(rect, w, h, top);
    let max = 4.0 * (w + h + top as usize) as f32 + 64.0;
    let sane = |v: f32| if v.is_finite() { v.clamp(0.0, max) } else { 0.0 };
    let radius = sane(style.radius);
    let stroke_width = sane(style.stroke_width);
    let outer = radius + stroke_width;
    if outer <= 0.0 || w == 0 || h == 0 {
        return;
    }
    let fill = Premul::from_color(style.color);
    let stroke = if stroke_width > 0.0 { Premul::from_color(style.stroke_color) } else { Premul::default() };
    if fill.a <= 0.0 && stroke.a <= 0.0 {
        return;
    }
    let blur = if style.blur.is_finite() { style.blur.max(0.0) } else { 0.0 };
    let aa_blur = -blur.max(1.0 / outer);
    let has_stroke = stroke_width >= 0.01;
    let inner = radius / outer;
    let scale = |s: f32| if s.is_finite() && s > 0.0 { s.min(1.0e3) } else { 1.0 };
    let (sx, sy) = (scale(style.scale[0]), scale(style.scale[1]));
    let (rx, ry) = (outer * sx, outer * sy);
    let (kx, ky) = (1.0 / rx, 1.0 / ry);
    let top_f = top as f32;

    let mask = clip.map(C::clip_coverage);
    let px = canvas.pixels_mut();
    for c in centers {
        let (cx, cy) = (c[0], c[1]);
        if !(cx.is_finite() && cy.is_finite()) {
            continue;
        }
        let x0 = (cx - rx).floor().max(lx0);
        let x1 = (cx + rx).ceil().min(lx1);
        let y0 = (cy - ry - top_f).floor().max(ly0);
        let y1 = (cy + ry - top_f).ceil().min(ly1);
        if x0 >= x1 || y0 >= y1 {
            continue;
        }
        for y in y0 as usize..y1 as usize {
            let ey = (top_f + y as f32 + 0.5 - cy) * ky;
            let ey2 = ey * ey;
            if ey2 >= 1.0 {
                continue;
            }
            for x in x0 as usize..x1 as usize {
                let ex = (x as f32 + 0.5 - cx) * kx;
                let e2 = ex * ex + ey2;
                if e2 >= 1.0 {
                    continue;
                }
                let e = e2.sqrt();
                let opacity = smoothstep(0.0, aa_blur, e - 1.0);
                if opacity <= 0.0 {
                    continue;
                }
                let t = if has_stroke { smoothstep(aa_blur, 0.0, e - inner) } else { 0.0 };
                let mut k = opacity;
                let i = y * w + x;
                if let Some(m) = mask {
                    k *= m[i] as f32 / 255.0;
                    if k <= 0.0 {
                        continue;
                    }
                }
                blend_over(&mut px[i * 4..i * 4 + 4], fill.mix(stroke, t).scale(k));
            }
        }
    }
}

/// The band-local pixel limits `(x0, y0, x1, y1)` of a band of `w` x `h`
/// starting at row `top`, intersected with an absolute pixel rectangle.
pub(crate) fn band_limits(rect: Option<[i64; 4]>, w: usize, h: usize, top: u32) -> (f32, f32, f32, f32) {
    let (w, h, top) = (w as i64, h as i64, top as i64);
    let r = rect.unwrap_or([0, top, w, top + h]);
    let x0 = r[0].clamp(0, w);
    let x1 = r[2].clamp(x0, w);
    let y0 = (r[1] - top).clamp(0, h);
    let y1 = (r[3] - top).clamp(y0, h);
    (x0 as f32, y0 as f32, x1 as f32, y1 as f32)
}
