//! Colour icon painter (non-SDF `icon-image`s): each quad samples its
//! premultiplied image bilinearly (GL `LINEAR`, texel centres at `+0.5`;
//! or the nearest texel when the quad asks for it;
//! texels outside the image transparent, like the padding around an atlas
//! entry), times `icon-opacity`, composited source-over. Quads are drawn
//! as GL draws them (`textured`).

use super::composite::Premul;
use super::display_list::IconQuad;
use super::textured::{self, Band, TexturedQuad};

/// The premultiplied colour at texel coordinates `(u, v)`.
#[inline]
fn sample(data: &[u8], w: i64, h: i64, u: f32, v: f32) -> [f32; 4] {
    let tu = (u - 0.5).clamp(-1.0, w as f32);
    let tv = (v - 0.5).clamp(-1.0, h as f32);
    let (fu, fv) = (tu.floor(), tv.floor());
    let (ax, ay) = (tu - fu, tv - fv);
    let (x0, y0) = (fu as i64, fv as i64);
    let texel = |x: i64, y: i64| -> [f32; 4] {
        if x < 0 || y < 0 || x >= w || y >= h {
            return [0.0; 4];
        }
        let i = (y as usize * w as usize + x as usize) * 4;
        [data[i] as f32, data[i + 1] as f32, data[i + 2] as f32, data[i + 3] as f32]
    };
    let (t00, t10, t01, t11) = (texel(x0, y0), texel(x0 + 1, y0), texel(x0, y0 + 1), texel(x0 + 1, y0 + 1));
    let mut out = [0.0; 4];
    for k in 0..4 {
        let top = t00[k] + (t10[k] - t00[k]) * ax;
        let bottom = t01[k] + (t11[k] - t01[k]) * ax;
        out[k] = (top + (bottom - top) * ay) * (1.0 / 255.0);
    }
    out
}

/// Draws `quads` into a band of premultiplied RGBA8 rows `top..top + rows`
/// of a `width`-pixel-wide target.
pub(crate) fn draw_icons(pixels: &mut [u8], width: usize, top: u32, rows: usize, quads: &[IconQuad]) {
    let rows = rows.min(pixels.len() / (width * 4).max(1));
    if width == 0 || rows == 0 {
        return;
    }
    let mut band = Band { pixels, width, top: top as i64, rows };
    let (band_top, band_bottom) = (top as f32, top as f32 + rows as f32);
    for quad in quads {
        let opacity = if quad.opacity.is_nan() { 0.0 } else { quad.opacity.clamp(0.0, 1.0) };
        let (w, h) = (quad.image.width as i64, quad.image.height as i64);
        let data = &quad.image.data[..];
        if opacity <= 0.0 || w <= 0 || h <= 0 || data.len() != (w * h * 4) as usize {
            continue;
        }
        let (y0, y1) = quad.corners.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |a, c| (a.0.min(c[1]), a.1.max(c[1])));
        if !(y1 >= band_top - 1.0 && y0 <= band_bottom + 1.0) {
            continue;
        }
        let nearest = quad.nearest;
        let shader = |u: f32, v: f32| {
            let (u, v) = if nearest { (u.floor() + 0.5, v.floor() + 0.5) } else { (u, v) };
            let c = sample(data, w, h, u, v);
            (c[3] > 0.0).then(|| Premul { r: c[0], g: c[1], b: c[2], a: c[3] }.scale(opacity))
        };
        textured::draw_quad(&mut band, &TexturedQuad { corners: quad.corners, w: quad.w, tex: quad.tex }, &shader);
    }
}

#[cfg(test)]
mod tests {
    use crate::render::display_list::{DisplayList, DrawCommand, IconQuad, PatternImage};
    use std::sync::Arc;

    #[test]
    fn an_icon_lands_texel_for_texel_and_fades_with_opacity() {
        // 2x2 image: red, green / blue, white (opaque), drawn 1:1 at (4, 4).
        let data = vec![255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255];
        let image = PatternImage { width: 2, height: 2, data: Arc::new(data) };
        let quad = |opacity: f32| IconQuad {
            corners: [[3.0, 3.0], [7.0, 3.0], [7.0, 7.0], [3.0, 7.0]],
            w: [1.0; 4],
            tex: [-1.0, -1.0, 4.0, 4.0],
            image: image.clone(),
            opacity,
            nearest: false,
        };
        let list = DisplayList { width: 10, height: 10, commands: vec![DrawCommand::Icons { quads: vec![quad(1.0)] }] };
        let img = crate::render::rasterize(&list, 1);
        assert_eq!(img.pixel(4, 4), Some([255, 0, 0, 255]));
        assert_eq!(img.pixel(5, 4), Some([0, 255, 0, 255]));
        assert_eq!(img.pixel(4, 5), Some([0, 0, 255, 255]));
        assert_eq!(img.pixel(5, 5), Some([255, 255, 255, 255]));
        // The border texels sample half the edge texel with transparency.
        assert_eq!(img.pixel(3, 4), Some([0, 0, 0, 0]));
        assert_eq!(img.pixel(8, 8), Some([0, 0, 0, 0]));
        let list = DisplayList { width: 10, height: 10, commands: vec![DrawCommand::Icons { quads: vec![quad(0.5)] }] };
        let half = crate::render::rasterize_in_bands(&list, 3);
        let p = half.pixel(5, 5).unwrap();
        assert!((127..=128).contains(&p[0]) && (127..=128).contains(&p[3]), "{p:?}");
    }
}
