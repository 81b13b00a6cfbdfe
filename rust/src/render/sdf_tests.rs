//! SDF painter tests on real pixels (end to end through `rasterize`).
//! Expected values are computed here from the shader formula, independently
//! of the painter's code.

use std::sync::Arc;

use crate::render::display_list::{DisplayList, DrawCommand, Px, SdfPaint, SdfQuad};
use crate::render::{rasterize_in_bands as rasterize, Image};
use crate::style::color::Color;
use crate::text::glyph::SdfBitmap;

const WHITE: Color = Color::new(1.0, 1.0, 1.0, 1.0);
const RED: Color = Color::new(1.0, 0.0, 0.0, 1.0);
const GREEN: Color = Color::new(0.0, 1.0, 0.0, 1.0);
const BLUE: Color = Color::new(0.0, 0.0, 1.0, 1.0);

fn bitmap(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> Arc<SdfBitmap> {
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            data.push(f(x, y));
        }
    }
    Arc::new(SdfBitmap { width: w, height: h, data })
}

fn paint(color: Color) -> SdfPaint {
    SdfPaint { color, opacity: 1.0, halo_color: Color::TRANSPARENT, halo_width: 0.0, halo_blur: 0.0 }
}

fn rect(x0: f32, y0: f32, x1: f32, y1: f32) -> [Px; 4] {
    [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
}

fn quad(corners: [Px; 4], tex: [f32; 4], bitmap: &Arc<SdfBitmap>, paint: u32) -> SdfQuad {
    SdfQuad { corners, w: [1.0; 4], tex, bitmap: bitmap.clone(), font_scale: 1.0, gamma_scale: 1.0, paint }
}

fn render(w: u32, h: u32, quads: Vec<SdfQuad>, paints: Vec<SdfPaint>, pixel_ratio: f32, threads: usize) -> Image {
    let list = DisplayList { width: w, height: h, commands: vec![DrawCommand::Sdf { quads, paints, pixel_ratio }] };
    rasterize(&list, threads)
}

fn px(img: &Image, x: u32, y: u32) -> [u8; 4] {
    img.pixel(x, y).unwrap()
}

fn smooth(e0: f64, e1: f64, x: f64) -> f64 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// GL LINEAR sample (texel centres at +0.5, 0 outside), 0..1.
fn bilinear(bm: &SdfBitmap, u: f64, v: f64) -> f64 {
    let t = |x: i64, y: i64| -> f64 {
        if x < 0 || y < 0 || x >= bm.width as i64 || y >= bm.height as i64 {
            0.0
        } else {
            bm.data[(y * bm.width as i64 + x) as usize] as f64
        }
    };
    let (tu, tv) = (u - 0.5, v - 0.5);
    let (x0, y0) = (tu.floor() as i64, tv.floor() as i64);
    let (fx, fy) = (tu - tu.floor(), tv - tv.floor());
    let a = t(x0, y0) * (1.0 - fx) + t(x0 + 1, y0) * fx;
    let b = t(x0, y0 + 1) * (1.0 - fx) + t(x0 + 1, y0 + 1) * fx;
    (a * (1.0 - fy) + b * fy) / 255.0
}

/// Fill-pass alpha from the formula.
fn fill_alpha(dist: f64, ratio: f64, font_scale: f64, gamma_scale: f64) -> f64 {
    let gamma = 0.105 / ratio / font_scale * gamma_scale;
    smooth(0.75 - gamma, 0.75 + gamma, dist)
}

fn assert_near(got: u8, want: f64, what: &str) {
    assert!((got as f64 - want).abs() <= 1.0, "{what}: got {got}, want {want:.2}");
}

#[test]
fn ramp_gives_the_shader_alpha() {
    let bm = bitmap(16, 4, |x, y| (140 + 6 * x + 3 * y) as u8);
    // Scale 1 at texel centres, and scale 2 (samples between texels).
    let q1 = quad(rect(4.0, 3.0, 20.0, 5.0), [0.0, 0.0, 16.0, 2.0], &bm, 0);
    let q2 = quad(rect(0.0, 10.0, 32.0, 14.0), [0.0, 1.0, 16.0, 2.0], &bm, 0);
    let img = render(40, 20, vec![q1, q2], vec![paint(WHITE)], 1.0, 1);
    let mut partial = 0;
    for i in 0..16u32 {
        for j in 0..2u32 {
            let want = 255.0 * fill_alpha(bilinear(&bm, i as f64 + 0.5, j as f64 + 0.5), 1.0, 1.0, 1.0);
            let got = px(&img, 4 + i, 3 + j);
            assert_near(got[0], want, &format!("scale 1 texel ({i}, {j})"));
            assert_eq!(got, [got[0]; 4]);
            if got[0] > 0 && got[0] < 255 {
                partial += 1;
            }
        }
    }
    assert!(partial >= 8, "the ramp crosses the edge ({partial} partial pixels)");
    for x in 0..32u32 {
        for y in 10..14u32 {
            let (u, v) = ((x as f64 + 0.5) / 2.0, 1.0 + (y as f64 - 10.0 + 0.5) / 2.0);
            let want = 255.0 * fill_alpha(bilinear(&bm, u, v), 1.0, 1.0, 1.0);
            assert_near(px(&img, x, y)[0], want, &format!("scale 2 pixel ({x}, {y})"));
        }
    }
    // Outside the quads nothing is drawn.
    assert_eq!(px(&img, 3, 3), [0; 4]);
    assert_eq!(px(&img, 20, 3), [0; 4]);
    assert_eq!(px(&img, 4, 5), [0; 4]);

    // Pixel ratio, font scale and gamma scale enter the gamma.
    let mut q = quad(rect(4.0, 3.0, 20.0, 4.0), [0.0, 0.0, 16.0, 1.0], &bm, 0);
    q.font_scale = 1.5;
    q.gamma_scale = 2.0;
    let img = render(24, 8, vec![q], vec![paint(WHITE)], 2.0, 1);
    for i in 0..16u32 {
        let want = 255.0 * fill_alpha(bilinear(&bm, i as f64 + 0.5, 0.5), 2.0, 1.5, 2.0);
        assert_near(px(&img, 4 + i, 3)[0], want, &format!("ratio 2 texel {i}"));
    }
}

#[test]
fn halo_is_drawn_below_every_fill() {
    // Texel 0 deep inside the glyph, texel 1 only inside the halo.
    let bm = bitmap(2, 1, |x, _| [255, 140][x as usize]);
    let p0 = SdfPaint { color: RED, opacity: 1.0, halo_color: BLUE, halo_width: 2.0, halo_blur: 0.0 };
    let img = render(4, 2, vec![quad(rect(0.0, 0.0, 2.0, 1.0), [0.0, 0.0, 2.0, 1.0], &bm, 0)], vec![p0.clone()], 1.0, 1);
    assert_eq!(px(&img, 0, 0), [255, 0, 0, 255]);
    let halo = |dist: f64, width: f64, blur: f64| {
        let gamma = blur * 1.19 / 8.0 + 0.105;
        let buff = (6.0 - width) / 8.0;
        smooth(buff - gamma, buff + gamma, dist)
    };
    let a = halo(140.0 / 255.0, 2.0, 0.0);
    assert!(a > 0.1 && a < 0.99);
    let got = px(&img, 1, 0);
    assert_eq!(got[0..2], [0, 0]);
    assert_near(got[2], 255.0 * a, "halo only");
    assert_near(got[3], 255.0 * a, "halo only alpha");

    // Halo blur widens the edge.
    let mut p = p0.clone();
    p.halo_blur = 1.0;
    let img = render(4, 2, vec![quad(rect(0.0, 0.0, 2.0, 1.0), [0.0, 0.0, 2.0, 1.0], &bm, 0)], vec![p], 1.0, 1);
    assert_near(px(&img, 1, 0)[2], 255.0 * halo(140.0 / 255.0, 2.0, 1.0), "blurred halo");

    // A later quad's halo goes below an earlier quad's fill.
    let solid = bitmap(4, 4, |_, _| 255);
    let halo_only = SdfPaint { color: Color::TRANSPARENT, ..p0 };
    let quads = vec![
        quad(rect(0.0, 0.0, 4.0, 4.0), [0.0, 0.0, 4.0, 4.0], &solid, 0),
        quad(rect(2.0, 0.0, 6.0, 4.0), [0.0, 0.0, 4.0, 4.0], &solid, 1),
    ];
    let img = render(8, 4, quads, vec![paint(GREEN), halo_only], 1.0, 1);
    assert_eq!(px(&img, 1, 1), [0, 255, 0, 255]);
    assert_eq!(px(&img, 3, 1), [0, 255, 0, 255], "fill of quad 0 above halo of quad 1");
    assert_eq!(px(&img, 5, 1), [0, 0, 255, 255]);
    assert_eq!(px(&img, 6, 1), [0; 4]);
}

#[test]
fn opacity_scales_fill_and_halo() {
    let solid = bitmap(2, 2, |_, _| 255);
    let one = |p: SdfPaint| px(&render(4, 4, vec![quad(rect(0.0, 0.0, 2.0, 2.0), [0.0, 0.0, 2.0, 2.0], &solid, 0)], vec![p], 1.0, 1), 1, 1);
    assert_eq!(one(paint(WHITE)), [255; 4]);
    assert_eq!(one(SdfPaint { opacity: 0.5, ..paint(WHITE) }), [128; 4]);
    assert_eq!(one(SdfPaint { opacity: 0.25, ..paint(WHITE) }), [64; 4]);
    assert_eq!(one(SdfPaint { opacity: 0.5, ..paint(Color::new(1.0, 0.0, 0.0, 0.5)) }), [64, 0, 0, 64]);
    assert_eq!(one(SdfPaint { opacity: 0.0, ..paint(WHITE) }), [0; 4]);
    let halo = SdfPaint { color: Color::TRANSPARENT, opacity: 0.5, halo_color: BLUE, halo_width: 1.0, halo_blur: 0.0 };
    assert_eq!(one(halo.clone()), [0, 0, 128, 128]);
    assert_eq!(one(SdfPaint { opacity: 0.0, ..halo }), [0; 4]);
    // Out-of-range values are sanitized.
    assert_eq!(one(SdfPaint { opacity: 7.0, ..paint(Color::new(2.0, f32::NAN, -1.0, 1.0)) }), [255, 0, 0, 255]);
    assert_eq!(one(SdfPaint { opacity: f32::NAN, ..paint(WHITE) }), [0; 4]);
}

#[test]
fn shared_diagonal_and_shared_edges_are_drawn_once() {
    // Solid well beyond the sampled texels (the quads' edges sample between texels 0 and 1).
    let solid = bitmap(6, 6, |_, _| 255);
    let half = Color::new(1.0, 0.0, 0.0, 0.5);
    // The diagonals (tr to bl) pass through pixel centres, and so does the
    // edge x = 4.5 shared by the two quads and their top edge y = 0.5.
    let quads = vec![
        quad(rect(0.5, 0.5, 4.5, 4.5), [1.0, 1.0, 4.0, 4.0], &solid, 0),
        quad(rect(4.5, 0.5, 8.5, 4.5), [1.0, 1.0, 4.0, 4.0], &solid, 0),
    ];
    for threads in [1, 3] {
        let img = render(10, 6, quads.clone(), vec![paint(half)], 1.0, threads);
        for y in 0..6 {
            for x in 0..10 {
                let want = if x < 8 && y < 4 { [128, 0, 0, 128] } else { [0; 4] };
                assert_eq!(px(&img, x, y), want, "pixel ({x}, {y})");
            }
        }
    }
    // The same with the quads' corners listed mirrored (bottom-up texels):
    // the other diagonal, other orientations.
    let flipped = |x0: f32, x1: f32| [[x0, 4.5], [x1, 4.5], [x1, 0.5], [x0, 0.5]];
    let quads = vec![
        quad(flipped(0.5, 4.5), [1.0, 1.0, 4.0, 4.0], &solid, 0),
        quad(flipped(4.5, 8.5), [1.0, 1.0, 4.0, 4.0], &solid, 0),
    ];
    let img = render(10, 6, quads, vec![paint(half)], 1.0, 1);
    for y in 0..6 {
        for x in 0..10 {
            let want = if x < 8 && y < 4 { [128, 0, 0, 128] } else { [0; 4] };
            assert_eq!(px(&img, x, y), want, "flipped pixel ({x}, {y})");
        }
    }
}

#[test]
fn rotated_quads_map_texels() {
    // Two marked texels, (1, 0) and (3, 2).
    let bm = bitmap(4, 4, |x, y| if (x, y) == (1, 0) || (x, y) == (3, 2) { 255 } else { 0 });
    // 90° clockwise: u runs down the screen from tl = (14, 10), v runs left.
    let corners = [[14.0, 10.0], [14.0, 14.0], [10.0, 14.0], [10.0, 10.0]];
    let img = render(20, 20, vec![quad(corners, [0.0, 0.0, 4.0, 4.0], &bm, 0)], vec![paint(WHITE)], 1.0, 1);
    // Texel (i, j) lands on pixel (13 - j, 10 + i).
    for y in 8..16 {
        for x in 8..16 {
            let want = if (x, y) == (13, 11) || (x, y) == (11, 13) { [255; 4] } else { [0; 4] };
            assert_eq!(px(&img, x, y), want, "90° pixel ({x}, {y})");
        }
    }

    // An arbitrary rotation and scale: pixels well inside match the inverse mapping.
    let bm = bitmap(8, 8, |x, y| (120 + 10 * x + 5 * y) as u8);
    let (angle, scale, tl) = (0.5f64, 1.7f64, [20.0f64, 6.0f64]);
    let (s, c) = angle.sin_cos();
    let map = |u: f64, v: f64| [(tl[0] + scale * (u * c - v * s)) as f32, (tl[1] + scale * (u * s + v * c)) as f32];
    let corners = [map(0.0, 0.0), map(8.0, 0.0), map(8.0, 8.0), map(0.0, 8.0)];
    let mut q = quad(corners, [0.0, 0.0, 8.0, 8.0], &bm, 0);
    q.gamma_scale = 3.0;
    let img = render(40, 40, vec![q], vec![paint(WHITE)], 1.0, 1);
    let (mut checked, mut partial) = (0, 0);
    for y in 0..40u32 {
        for x in 0..40u32 {
            let d = [x as f64 + 0.5 - tl[0], y as f64 + 0.5 - tl[1]];
            let (u, v) = ((d[0] * c + d[1] * s) / scale, (-d[0] * s + d[1] * c) / scale);
            let got = px(&img, x, y)[0];
            if u > 0.6 && u < 7.4 && v > 0.6 && v < 7.4 {
                let want = 255.0 * fill_alpha(bilinear(&bm, u, v), 1.0, 1.0, 3.0);
                assert_near(got, want, &format!("rotated pixel ({x}, {y})"));
                checked += 1;
                partial += (got > 0 && got < 255) as u32;
            } else if u < -0.4 || u > 8.4 || v < -0.4 || v > 8.4 {
                assert_eq!(got, 0, "outside pixel ({x}, {y})");
            }
        }
    }
    assert!(checked > 100 && partial > 20, "{checked} checked, {partial} partial");
}

#[test]
fn perspective_w_interpolates_texels_perspective_correctly() {
    let bm = bitmap(8, 3, |x, _| (130 + 14 * x) as u8);
    let mut q = quad(rect(0.0, 0.0, 40.0, 4.0), [0.0, 1.0, 8.0, 1.0], &bm, 0);
    q.w = [1.0, 4.0, 4.0, 1.0];
    q.gamma_scale = 4.0;
    let img = render(40, 4, vec![q], vec![paint(WHITE)], 1.0, 1);
    for x in 0..40u32 {
        let s = (x as f64 + 0.5) / 40.0;
        let u = 8.0 * (s / 4.0) / ((1.0 - s) + s / 4.0);
        let want = 255.0 * fill_alpha(bilinear(&bm, u, 1.5), 1.0, 1.0, 4.0);
        assert_near(px(&img, x, 2)[0], want, &format!("pixel {x} (u {u:.3})"));
    }
    // Far from affine: halfway across, u is 1.6 rather than 4.
    let affine = 255.0 * fill_alpha(bilinear(&bm, 4.0, 1.5), 1.0, 1.0, 4.0);
    assert!((px(&img, 20, 2)[0] as f64 - affine).abs() > 10.0);
}

#[test]
fn banding_is_deterministic() {
    let bm = bitmap(12, 16, |x, y| {
        let d = ((x as f32 - 5.5).powi(2) + (y as f32 - 7.5).powi(2)).sqrt();
        (255.0 - d * 24.0).clamp(0.0, 255.0) as u8
    });
    let paints = vec![
        SdfPaint { color: RED, opacity: 0.8, halo_color: Color::new(1.0, 1.0, 1.0, 0.7), halo_width: 1.5, halo_blur: 0.5 },
        paint(Color::new(0.0, 0.3, 0.9, 0.6)),
    ];
    let mut quads = Vec::new();
    let mut seed = 12345u32;
    let mut rnd = || {
        seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
        (seed >> 8) as f32 / (1 << 24) as f32
    };
    for i in 0..150 {
        let (cx, cy) = (rnd() * 130.0 - 5.0, rnd() * 210.0 - 5.0);
        let (angle, scale) = (rnd() * 6.3, 0.5 + rnd() * 2.5);
        let (s, c) = angle.sin_cos();
        let (hw, hh) = (6.0 * scale, 8.0 * scale);
        let pt = |dx: f32, dy: f32| [cx + dx * c - dy * s, cy + dx * s + dy * c];
        let mut q = quad([pt(-hw, -hh), pt(hw, -hh), pt(hw, hh), pt(-hw, hh)], [0.0, 0.0, 12.0, 16.0], &bm, (i % 2) as u32);
        if i % 3 == 0 {
            q.w = [1.0, 1.5 + rnd(), 1.5, 1.0 + rnd()];
        }
        q.font_scale = 0.5 + rnd();
        quads.push(q);
    }
    // Axis-aligned quads with edges on pixel centres across strip boundaries.
    for k in 0..8 {
        quads.push(quad(rect(3.5 + k as f32 * 12.0, 28.5, 15.5 + k as f32 * 12.0, 36.5), [0.0, 0.0, 12.0, 16.0], &bm, 1));
    }
    let a = render(128, 200, quads.clone(), paints.clone(), 1.0, 1);
    let drawn = a.data.chunks(4).filter(|p| p[3] > 0).count();
    assert!(drawn > 2000, "{drawn} pixels drawn");
    for threads in [2, 3, 5] {
        let b = render(128, 200, quads.clone(), paints.clone(), 1.0, threads);
        assert!(a.data == b.data, "threads {threads} differ");
    }
}

#[test]
fn bad_quads_draw_nothing_and_do_not_panic() {
    let solid = bitmap(4, 4, |_, _| 255);
    let good = quad(rect(1.0, 1.0, 5.0, 5.0), [0.0, 0.0, 4.0, 4.0], &solid, 0);
    let mut bad = Vec::new();
    for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0e30] {
        let mut q = good.clone();
        q.corners[2] = [v, 3.0];
        bad.push(q);
        let mut q = good.clone();
        q.corners[0][1] = v;
        bad.push(q);
        let mut q = good.clone();
        q.tex[1] = v;
        if !v.is_finite() {
            bad.push(q);
        }
    }
    for w in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        let mut q = good.clone();
        q.w[1] = w;
        bad.push(q);
    }
    for f in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        let mut q = good.clone();
        q.font_scale = f;
        bad.push(q);
        let mut q = good.clone();
        q.gamma_scale = f32::NAN;
        bad.push(q);
    }
    // Degenerate: a point, a line; an unknown paint; broken bitmaps.
    bad.push(quad([[2.0, 2.0]; 4], [0.0, 0.0, 4.0, 4.0], &solid, 0));
    bad.push(quad([[0.0, 0.0], [2.0, 2.0], [4.0, 4.0], [6.0, 6.0]], [0.0, 0.0, 4.0, 4.0], &solid, 0));
    bad.push(quad(rect(1.0, 1.0, 5.0, 5.0), [0.0, 0.0, 4.0, 4.0], &solid, 7));
    bad.push(quad(rect(1.0, 1.0, 5.0, 5.0), [0.0, 0.0, 4.0, 4.0], &Arc::new(SdfBitmap { width: 4, height: 4, data: vec![255; 3] }), 0));
    bad.push(quad(rect(1.0, 1.0, 5.0, 5.0), [0.0, 0.0, 4.0, 4.0], &Arc::new(SdfBitmap { width: 0, height: 0, data: vec![] }), 0));
    for threads in [1, 3] {
        let img = render(8, 70, bad.clone(), vec![paint(WHITE)], f32::NAN, threads);
        assert!(img.data.iter().all(|&b| b == 0), "a bad quad drew");
    }
    // Bad quads do not stop good ones.
    let mut all = bad.clone();
    all.push(good);
    let img = render(8, 8, all, vec![paint(WHITE)], 1.0, 1);
    assert_eq!(px(&img, 1, 1), [255; 4]);
    assert_eq!(px(&img, 4, 4), [255; 4]);
    assert_eq!(px(&img, 5, 5), [0; 4]);

    // A huge quad covers the whole target (the sample is texel (0, 0)'s centre region).
    let one = bitmap(1, 1, |_, _| 255);
    let huge = quad(rect(-1.0e5, -1.0e5, 1.0e5, 1.0e5), [0.0, 0.0, 1.0, 1.0], &one, 0);
    let img = render(16, 40, vec![huge], vec![paint(WHITE)], 1.0, 3);
    assert!(img.data.iter().all(|&b| b == 255));
}
