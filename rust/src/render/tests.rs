//! Rasterizer tests on real pixels.

use super::display_list::*;
use super::image::Image;
// Exactly the thread counts the tests ask for (the public entry point uses one
// thread for small targets, which would make the banding tests vacuous).
use super::rasterize_in_bands as rasterize;
use crate::style::color::Color;

const RED: Color = Color::new(1.0, 0.0, 0.0, 1.0);
const BLUE: Color = Color::new(0.0, 0.0, 1.0, 1.0);

pub(crate) fn line_style(color: Color, width: f32) -> LineStyle {
    LineStyle {
        color,
        width,
        gap_width: 0.0,
        offset: 0.0,
        blur: 0.0,
        join: LineJoin::Miter,
        cap: LineCap::Butt,
        miter_limit: 2.0,
        round_limit: 1.05,
        dasharray: None,
        dash_fade: 1.0,
        dash_corner_split: 0.0,
        dash_distance_step: 0.0,
        corner_grid: [[0.0; 2]; 2],
        gradient: None,
        pattern: None,
        ground: None,
    }
}

pub(crate) fn circle_style(color: Color, radius: f32) -> CircleStyle {
    CircleStyle { color, radius, blur: 0.0, stroke_width: 0.0, stroke_color: Color::BLACK, scale: [1.0, 1.0] }
}

fn list(w: u32, h: u32, commands: Vec<DrawCommand>) -> DisplayList {
    DisplayList { width: w, height: h, commands }
}

fn px(img: &Image, x: u32, y: u32) -> [u8; 4] {
    img.pixel(x, y).unwrap()
}

fn square(x0: f32, y0: f32, x1: f32, y1: f32) -> Vec<Px> {
    vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
}

#[test]
fn empty_list_is_transparent_and_background_fills() {
    let img = rasterize(&list(5, 3, vec![]), 1);
    assert_eq!(img.data, vec![0; 5 * 3 * 4]);
    let img = rasterize(&list(5, 3, vec![DrawCommand::Background { color: Color::new(0.0, 1.0, 0.0, 0.5) }]), 2);
    assert!(img.data.chunks(4).all(|p| p == [0, 128, 0, 128]));
    let img = rasterize(&list(0, 10, vec![DrawCommand::Background { color: RED }]), 3);
    assert_eq!((img.width, img.height, img.data.len()), (0, 10, 0));
}

#[test]
fn fill_with_hole_and_second_polygon() {
    let mut hole = square(8.0, 8.0, 12.0, 12.0);
    hole.reverse();
    let rings = vec![square(4.0, 4.0, 16.0, 16.0), hole, square(20.0, 4.0, 24.0, 8.0)];
    let style = FillStyle { color: RED, antialias: true, outline: None, perspective: None };
    let img = rasterize(&list(32, 20, vec![DrawCommand::Fill { rings, style, clip: None }]), 1);
    assert_eq!(px(&img, 5, 5), [255, 0, 0, 255]);
    assert_eq!(px(&img, 10, 10), [0, 0, 0, 0], "hole");
    assert_eq!(px(&img, 22, 6), [255, 0, 0, 255], "second polygon");
    assert_eq!(px(&img, 2, 2), [0, 0, 0, 0]);
    assert_eq!(px(&img, 18, 6), [0, 0, 0, 0]);
}

#[test]
fn fill_antialias_and_outline() {
    // Edge at x = 4.5: half-covered column with AA, all-or-nothing without.
    let rings = vec![square(4.5, 2.0, 12.0, 12.0)];
    let aa = FillStyle { color: RED, antialias: true, outline: None, perspective: None };
    let img = rasterize(&list(16, 16, vec![DrawCommand::Fill { rings: rings.clone(), style: aa, clip: None }]), 1);
    let a = px(&img, 4, 6)[3];
    assert!((100..=156).contains(&a), "aa edge alpha {a}");
    let no_aa = FillStyle { color: RED, antialias: false, outline: None, perspective: None };
    let img = rasterize(&list(16, 16, vec![DrawCommand::Fill { rings: rings.clone(), style: no_aa, clip: None }]), 1);
    assert!(matches!(px(&img, 4, 6)[3], 0 | 255));
    // Outline on integer coordinates: a 1 px line centred on the edge covers
    // half of the pixels on both sides.
    let outlined = FillStyle { color: Color::TRANSPARENT, antialias: true, outline: Some(BLUE), perspective: None };
    let rings = vec![square(4.0, 4.0, 12.0, 12.0)];
    let img = rasterize(&list(16, 16, vec![DrawCommand::Fill { rings, style: outlined, clip: None }]), 1);
    let edge = px(&img, 4, 8);
    assert_eq!(edge[0], 0);
    assert!((110..=145).contains(&edge[3]), "outline {edge:?}");
    assert_eq!(px(&img, 8, 8), [0, 0, 0, 0]);
}

#[test]
fn line_width_and_butt_caps() {
    let style = line_style(RED, 4.0);
    let img = rasterize(&list(20, 20, vec![DrawCommand::Line { lines: vec![vec![[4.0, 10.0], [16.0, 10.0]]], style, clip: None }]), 1);
    for y in 8..12 {
        assert_eq!(px(&img, 10, y), [255, 0, 0, 255], "row {y}");
    }
    assert_eq!(px(&img, 10, 7), [0, 0, 0, 0]);
    assert_eq!(px(&img, 10, 12), [0, 0, 0, 0]);
    assert_eq!(px(&img, 3, 10), [0, 0, 0, 0], "butt cap");
    assert_eq!(px(&img, 16, 10), [0, 0, 0, 0], "butt cap");
}

#[test]
fn thin_line_gets_maplibre_ink() {
    // 0.5 px wide: MapLibre's ramp gives alpha 0.75 on the centre line.
    let style = line_style(Color::BLACK, 0.5);
    let img = rasterize(&list(10, 10, vec![DrawCommand::Line { lines: vec![vec![[0.0, 5.5], [10.0, 5.5]]], style, clip: None }]), 1);
    let a = px(&img, 5, 5)[3] as i32;
    assert!((a - 191).abs() <= 2, "{a}");
    assert_eq!(px(&img, 5, 4)[3], 0);
}

#[test]
fn line_caps_round_and_square() {
    for (cap, expect) in [(LineCap::Round, true), (LineCap::Square, true)] {
        let mut style = line_style(RED, 4.0);
        style.cap = cap;
        let img = rasterize(&list(20, 20, vec![DrawCommand::Line { lines: vec![vec![[6.0, 10.0], [14.0, 10.0]]], style, clip: None }]), 1);
        assert_eq!(px(&img, 5, 10)[3] == 255, expect, "{cap:?}");
        assert_eq!(px(&img, 5, 8)[3] == 255, cap == LineCap::Square, "{cap:?} corner");
    }
}

#[test]
fn translucent_line_overlap_blends_like_gl() {
    // Like MapLibre GL, each piece of a line's geometry blends on its own:
    // where one feature's line crosses itself the colour composites twice.
    let style = line_style(Color::new(0.0, 0.0, 1.0, 0.5), 4.0);
    let lines = vec![vec![[2.0, 10.0], [18.0, 10.0], [18.0, 18.0], [10.0, 18.0], [10.0, 2.0]]];
    let img = rasterize(&list(20, 20, vec![DrawCommand::Line { lines, style, clip: None }]), 1);
    assert_eq!(px(&img, 5, 10), [0, 0, 128, 128]);
    assert_eq!(px(&img, 14, 17), [0, 0, 128, 128]);
    let a = px(&img, 10, 10)[3] as i32;
    assert!((a - 191).abs() <= 1, "{a}");
}

#[test]
fn line_gap_width_draws_two_casings() {
    let mut style = line_style(RED, 2.0);
    style.gap_width = 4.0;
    let img = rasterize(&list(20, 20, vec![DrawCommand::Line { lines: vec![vec![[0.0, 10.0], [20.0, 10.0]]], style, clip: None }]), 1);
    // Casings at y in [6, 8) and [12, 14); the gap [8, 12) is empty.
    for y in [6, 7, 12, 13] {
        assert_eq!(px(&img, 10, y), [255, 0, 0, 255], "casing row {y}");
    }
    for y in [5, 8, 9, 10, 11, 14] {
        assert_eq!(px(&img, 10, y), [0, 0, 0, 0], "row {y}");
    }
}

#[test]
fn line_offset_goes_right_of_direction() {
    let mut style = line_style(RED, 2.0);
    style.offset = 4.0;
    // Eastwards: right is down.
    let img = rasterize(&list(20, 20, vec![DrawCommand::Line { lines: vec![vec![[0.0, 10.0], [20.0, 10.0]]], style: style.clone(), clip: None }]), 1);
    assert_eq!(px(&img, 10, 13), [255, 0, 0, 255]);
    assert_eq!(px(&img, 10, 14), [255, 0, 0, 255]);
    assert_eq!(px(&img, 10, 10), [0, 0, 0, 0]);
    // Westwards: right is up.
    let img = rasterize(&list(20, 20, vec![DrawCommand::Line { lines: vec![vec![[20.0, 10.0], [0.0, 10.0]]], style, clip: None }]), 1);
    assert_eq!(px(&img, 10, 6), [255, 0, 0, 255]);
    assert_eq!(px(&img, 10, 13), [0, 0, 0, 0]);
}

#[test]
fn line_dasharray() {
    let mut style = line_style(RED, 2.0);
    style.dasharray = Some(vec![4.0, 4.0]);
    let img = rasterize(&list(32, 8, vec![DrawCommand::Line { lines: vec![vec![[0.0, 4.0], [32.0, 4.0]]], style, clip: None }]), 1);
    let row: Vec<u8> = (0..32).map(|x| px(&img, x, 4)[3]).collect();
    // MapLibre's distance-field dashes: ends fade by a smoothstep over +-1 px.
    for x in [1, 2, 9, 10] {
        assert_eq!(row[x], 255, "{row:?}");
    }
    for x in [5, 6, 13, 14] {
        assert_eq!(row[x], 0, "{row:?}");
    }
    assert!((200..=230).contains(&row[3]) && (25..=55).contains(&row[4]), "{row:?}");
}

#[test]
fn dash_distance_is_floored_at_vertices() {
    // A straight line with a vertex at x = 3.9: stored distances floored to
    // 4 px make it 0 there and 32 at the end, so the second segment's dashes
    // start 3.9 px later than exact distances would put them.
    let mut style = line_style(RED, 2.0);
    style.dasharray = Some(vec![4.0, 4.0]);
    let line = vec![vec![[0.0, 4.0], [3.9, 4.0], [35.9, 4.0]]];
    let row = |style: LineStyle| -> Vec<u8> {
        let img = rasterize(&list(36, 8, vec![DrawCommand::Line { lines: line.clone(), style, clip: None }]), 1);
        (0..36).map(|x| px(&img, x, 4)[3]).collect()
    };
    let exact = row(style.clone());
    assert_eq!((exact[5], exact[9]), (0, 255), "{exact:?}");
    style.dash_distance_step = 4.0;
    let stepped = row(style);
    assert_eq!((stepped[5], stepped[9]), (255, 0), "{stepped:?}");
}

#[test]
fn a_closed_ring_starts_its_dashes_at_the_closing_segment_length() {
    // A 20 x 20 square ring from (4, 4), clockwise; dashes 6 on, 6 off. The
    // first vertex already carries the closing segment's 20 px (MapLibre
    // walks a ring from its last vertex), so the top edge starts 20 px into
    // the pattern: off (20 mod 12 = 8) for 4 px, then on.
    let mut style = line_style(RED, 2.0);
    style.dasharray = Some(vec![6.0, 6.0]);
    let ring = vec![vec![[4.0, 4.0], [24.0, 4.0], [24.0, 24.0], [4.0, 24.0], [4.0, 4.0]]];
    let img = rasterize(&list(28, 28, vec![DrawCommand::Line { lines: ring.clone(), style: style.clone(), clip: None }]), 1);
    let top: Vec<u8> = (4..24).map(|x| px(&img, x, 4)[3]).collect();
    assert!(top[1] == 0 && top[2] == 0 && top[5] == 255 && top[7] == 255, "{top:?}");
    // The same points as an open line start at 0: on first.
    let open = vec![ring[0][..4].to_vec()];
    let img = rasterize(&list(28, 28, vec![DrawCommand::Line { lines: open, style, clip: None }]), 1);
    let top: Vec<u8> = (4..24).map(|x| px(&img, x, 4)[3]).collect();
    assert!(top[1] == 255 && top[2] == 255 && top[9] == 0, "{top:?}");
}

#[test]
fn miter_limit_bevels_sharp_joins() {
    // A sharp V: with miter limit 10 the tip extends far, with 2 it is bevelled.
    let v = vec![vec![[4.0, 4.0], [20.0, 12.0], [4.0, 20.0]]];
    let mut style = line_style(RED, 4.0);
    style.miter_limit = 10.0;
    let img = rasterize(&list(32, 24, vec![DrawCommand::Line { lines: v.clone(), style: style.clone(), clip: None }]), 1);
    // Miter ratio 2.24: the tip reaches x = 24.5.
    assert!(px(&img, 22, 12)[3] > 200);
    assert!(px(&img, 23, 12)[3] > 100);
    style.miter_limit = 2.0;
    let img = rasterize(&list(32, 24, vec![DrawCommand::Line { lines: v.clone(), style: style.clone(), clip: None }]), 1);
    // Past a miter length of 2 MapLibre cuts the join flat through the vertex.
    assert_eq!(px(&img, 20, 12)[3], 0);
    assert!(px(&img, 19, 12)[3] > 200);
    style.join = LineJoin::Round;
    let img = rasterize(&list(32, 24, vec![DrawCommand::Line { lines: v, style, clip: None }]), 1);
    assert!(px(&img, 21, 12)[3] > 200);
    assert_eq!(px(&img, 22, 12)[3], 0);
}

#[test]
fn blurred_line_fades_linearly() {
    let mut style = line_style(RED, 8.0);
    style.blur = 4.0;
    let img = rasterize(&list(40, 40, vec![DrawCommand::Line { lines: vec![vec![[0.0, 20.0], [40.0, 20.0]]], style, clip: None }]), 1);
    // MapLibre's ramp: alpha = (4.5 - d) / 5 at distance d from the centre,
    // so even the centre row (d = 0.5) is at 0.8.
    let alphas: Vec<u8> = (20..26).map(|y| px(&img, 20, y)[3]).collect();
    assert!((alphas[0] as i32 - 204).abs() <= 1, "{alphas:?}");
    assert!(alphas.windows(2).all(|w| w[0] >= w[1]), "{alphas:?}");
    // Pixel centre 20.5 + 2 = 22.5: distance 2.5 -> (4.5 - 2.5) / 5 = 0.4.
    let a = px(&img, 20, 22)[3] as i32;
    assert!((a - 102).abs() <= 2, "{a}");
    assert_eq!(px(&img, 20, 25)[3], 0);
}

#[test]
fn circle_fill_and_stroke_blend_as_one_shape() {
    let style = CircleStyle {
        color: Color::new(0.0, 0.0, 1.0, 0.5),
        radius: 6.0,
        blur: 0.0,
        stroke_width: 3.0,
        stroke_color: RED,
        scale: [1.0, 1.0],
    };
    let img = rasterize(&list(32, 32, vec![DrawCommand::Circle { centers: vec![[16.0, 16.0]], style, clip: None }]), 1);
    assert_eq!(px(&img, 16, 16), [0, 0, 128, 128], "fill");
    // Ring pixel (distance 7.5): stroke colour only, no fill underneath.
    assert_eq!(px(&img, 23, 16), [255, 0, 0, 255], "stroke");
    assert_eq!(px(&img, 26, 16), [0, 0, 0, 0], "outside");
}

#[test]
fn circle_blur_and_scale() {
    let mut style = circle_style(RED, 8.0);
    style.blur = 1.0;
    let img = rasterize(&list(32, 32, vec![DrawCommand::Circle { centers: vec![[16.0, 16.0]], style, clip: None }]), 1);
    let a: Vec<u8> = (16..25).map(|x| px(&img, x, 16)[3]).collect();
    assert!(a[0] > 240 && a.windows(2).all(|w| w[0] >= w[1]) && a[8] == 0, "{a:?}");
    let mut style = circle_style(RED, 4.0);
    style.scale = [2.0, 1.0];
    let img = rasterize(&list(32, 32, vec![DrawCommand::Circle { centers: vec![[16.0, 16.0]], style, clip: None }]), 1);
    // 1 px antialiasing in circle units is 2 px horizontally here.
    assert_eq!(px(&img, 21, 16)[3], 255);
    assert!(px(&img, 22, 16)[3] > 150);
    assert_eq!(px(&img, 16, 20)[3], 0);
}

#[test]
fn clip_quad_limits_drawing() {
    let quad = ClipQuad([[8.0, 0.0], [24.0, 0.0], [24.0, 32.0], [8.0, 32.0]]);
    let style = circle_style(RED, 20.0);
    let commands = vec![
        DrawCommand::Circle { centers: vec![[16.0, 16.0]], style, clip: Some(quad.clone()) },
        DrawCommand::Line { lines: vec![vec![[0.0, 4.0], [32.0, 4.0]]], style: line_style(BLUE, 2.0), clip: Some(quad) },
    ];
    for threads in [1, 3] {
        let img = rasterize(&list(32, 32, commands.clone()), threads);
        assert_eq!(px(&img, 7, 16), [0, 0, 0, 0]);
        assert_eq!(px(&img, 8, 16), [255, 0, 0, 255]);
        assert_eq!(px(&img, 23, 16), [255, 0, 0, 255]);
        assert_eq!(px(&img, 24, 16), [0, 0, 0, 0]);
        assert_eq!(px(&img, 2, 4), [0, 0, 0, 0]);
        assert_eq!(px(&img, 12, 4), [0, 0, 255, 255]);
    }
}

#[test]
fn rotated_clip_quad_uses_pixel_centres() {
    // A diamond: pixels whose centres are inside are drawn, fully.
    let quad = ClipQuad([[16.0, 2.0], [30.0, 16.0], [16.0, 30.0], [2.0, 16.0]]);
    let rings = vec![square(0.0, 0.0, 32.0, 32.0)];
    let style = FillStyle { color: RED, antialias: true, outline: None, perspective: None };
    let cmd = DrawCommand::Fill { rings, style, clip: Some(quad) };
    for threads in [1, 2, 5] {
        let img = rasterize(&list(32, 32, vec![cmd.clone()]), threads);
        assert_eq!(px(&img, 16, 16), [255, 0, 0, 255]);
        assert_eq!(px(&img, 16, 3), [255, 0, 0, 255]);
        assert_eq!(px(&img, 3, 3), [0, 0, 0, 0]);
        assert_eq!(px(&img, 28, 28), [0, 0, 0, 0]);
        assert!(img.data.chunks(4).all(|p| p[3] == 0 || p[3] == 255));
        let drawn = img.data.chunks(4).filter(|p| p[3] == 255).count();
        // Area of the diamond: 2 * 14^2 = 392.
        assert!((370..=410).contains(&drawn), "{drawn}");
    }
}

#[test]
fn adjacent_rect_tiles_partition_pixels() {
    // Two tiles meeting at x = 10.5: every pixel drawn exactly once.
    let a = ClipQuad([[0.0, 0.0], [10.5, 0.0], [10.5, 8.0], [0.0, 8.0]]);
    let b = ClipQuad([[10.5, 0.0], [20.0, 0.0], [20.0, 8.0], [10.5, 8.0]]);
    let style = FillStyle { color: Color::new(0.0, 0.0, 1.0, 0.5), antialias: true, outline: None, perspective: None };
    let rings = vec![square(-5.0, -5.0, 25.0, 25.0)];
    let cmds = vec![
        DrawCommand::Fill { rings: rings.clone(), style: style.clone(), clip: Some(a) },
        DrawCommand::Fill { rings, style, clip: Some(b) },
    ];
    let img = rasterize(&list(20, 8, cmds), 1);
    assert!(img.data.chunks(4).all(|p| p == [0, 0, 128, 128]));
}

/// A small deterministic PRNG for test scenes.
pub(crate) struct Rng(u64);
impl Rng {
    pub fn f(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32) / (1u64 << 24) as f32
    }
}

/// A busy scene: tiles with clip quads, fills with holes, many lines of every
/// kind, circles.
pub(crate) fn busy_scene(w: u32, h: u32, n_lines: usize, n_polys: usize, seed: u64) -> DisplayList {
    let mut r = Rng(seed);
    let (wf, hf) = (w as f32, h as f32);
    let mut commands = vec![DrawCommand::Background { color: Color::new(0.95, 0.93, 0.9, 1.0) }];
    let tiles: Vec<ClipQuad> = (0..4)
        .map(|i| {
            let (x0, y0) = ((i % 2) as f32 * wf / 2.0 - 0.3, (i / 2) as f32 * hf / 2.0 + 0.7);
            // Two axis-aligned tiles (rectangle clip) and two skewed ones (mask clip).
            let k = if i % 2 == 1 { 7.3 } else { 0.0 };
            ClipQuad([[x0 + k, y0], [x0 + wf / 2.0 + 0.3, y0 + k], [x0 + wf / 2.0 + 0.3 - k, y0 + hf / 2.0 - 0.7], [x0, y0 + hf / 2.0 - 0.7 - k]])
        })
        .collect();
    for i in 0..n_polys {
        let (cx, cy, s) = (r.f() * wf, r.f() * hf, 4.0 + r.f() * 40.0);
        let n = 3 + (r.f() * 6.0) as usize;
        let ring: Vec<Px> = (0..=n)
            .map(|k| {
                let a = (k % n) as f32 / n as f32 * std::f32::consts::TAU;
                let rr = s * (0.6 + 0.4 * r.f());
                [cx + rr * a.cos(), cy + rr * a.sin()]
            })
            .collect();
        let mut hole: Vec<Px> = ring.iter().map(|p| [cx + (p[0] - cx) * 0.3, cy + (p[1] - cy) * 0.3]).collect();
        hole.reverse();
        let style = FillStyle {
            color: Color::new(r.f(), r.f(), r.f(), 0.3 + 0.7 * r.f()),
            antialias: i % 5 != 0,
            outline: (i % 3 == 0).then(|| Color::new(0.2, 0.2, 0.2, 0.8)),
            // Some pitched (aliased, with perspective outlines).
            perspective: matches!(i % 4, 1 | 2).then_some([0.0004, -0.0011, 1.0]),
        };
        commands.push(DrawCommand::Fill { rings: vec![ring, hole], style, clip: Some(tiles[i % 4].clone()) });
    }
    for i in 0..n_lines {
        let n = 2 + (r.f() * 6.0) as usize;
        let mut p = [r.f() * wf, r.f() * hf];
        let mut line = vec![p];
        for _ in 1..n {
            p = [p[0] + (r.f() - 0.5) * 120.0, p[1] + (r.f() - 0.5) * 120.0];
            line.push(p);
        }
        let mut style = line_style(Color::new(r.f(), r.f(), r.f(), 0.4 + 0.6 * r.f()), 0.5 + r.f() * 10.0);
        style.join = [LineJoin::Bevel, LineJoin::Round, LineJoin::Miter][i % 3];
        style.cap = [LineCap::Butt, LineCap::Round, LineCap::Square][(i / 3) % 3];
        if i % 7 == 0 {
            style.gap_width = 3.0;
        }
        if i % 11 == 0 {
            style.offset = 4.0 * (r.f() - 0.5);
        }
        if i % 13 == 0 {
            style.dasharray = Some(vec![6.0, 3.0]);
        }
        if i % 17 == 0 {
            style.blur = 3.0;
        }
        commands.push(DrawCommand::Line { lines: vec![line], style, clip: (i % 2 == 0).then(|| tiles[i % 4].clone()) });
    }
    for i in 0..(n_lines / 20).max(3) {
        let centers: Vec<Px> = (0..5).map(|_| [r.f() * wf, r.f() * hf]).collect();
        let style = CircleStyle {
            color: Color::new(r.f(), r.f(), r.f(), 0.7),
            radius: 2.0 + r.f() * 10.0,
            blur: if i % 4 == 0 { 0.5 } else { 0.0 },
            stroke_width: if i % 2 == 0 { 1.5 } else { 0.0 },
            stroke_color: Color::WHITE,
            scale: [1.0, 1.0],
        };
        commands.push(DrawCommand::Circle { centers, style, clip: Some(tiles[i % 4].clone()) });
    }
    DisplayList { width: w, height: h, commands }
}

#[test]
fn same_bytes_for_any_thread_count() {
    let list = busy_scene(203, 157, 300, 150, 7);
    let one = rasterize(&list, 1);
    for threads in [2, 7] {
        let many = rasterize(&list, threads);
        let diff = one.data.iter().zip(&many.data).filter(|(a, b)| a != b).count();
        assert_eq!(diff, 0, "{threads} threads differ in {diff} bytes");
    }
    // Not trivial: many distinct colours.
    let mut colours: Vec<&[u8]> = one.data.chunks(4).collect();
    colours.sort();
    colours.dedup();
    assert!(colours.len() > 500, "{}", colours.len());
}

#[test]
fn hostile_input_does_not_panic() {
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    let mut wide = line_style(RED, 1.0e9);
    wide.gap_width = inf;
    wide.offset = nan;
    wide.dasharray = Some(vec![nan, -1.0, 0.0]);
    let mut blurred = line_style(RED, 3.0);
    blurred.blur = 1.0e9;
    let mut fine_dash = line_style(BLUE, 2.0);
    fine_dash.dasharray = Some(vec![2.0, 2.0]);
    let mut tiny_dash = line_style(BLUE, 2.0);
    tiny_dash.dasharray = Some(vec![0.001, 0.001]);
    let mut circle = circle_style(Color::new(nan, 0.5, 2.0, 1.0), 1.0e9);
    circle.scale = [0.0, nan];
    let commands = vec![
        DrawCommand::Fill { rings: vec![vec![], vec![[nan, 1.0], [1.0, inf]], square(-1e30, -1e30, 1e30, 1e30)], style: FillStyle { color: RED, antialias: true, outline: Some(BLUE), perspective: None }, clip: None },
        DrawCommand::Line { lines: vec![vec![], vec![[1.0, 1.0]], vec![[0.0, 0.0], [nan, nan], [10.0, 10.0]]], style: wide, clip: None },
        DrawCommand::Line { lines: vec![vec![[-1e20, 5.0], [1e20, 6.0]]], style: blurred, clip: Some(ClipQuad([[nan; 2]; 4])) },
        DrawCommand::Circle { centers: vec![[nan, 0.0], [5.0, 5.0]], style: circle, clip: Some(ClipQuad([[0.0, 0.0]; 4])) },
        DrawCommand::Background { color: Color::new(nan, nan, nan, nan) },
        DrawCommand::Line { lines: vec![vec![[-1e6, -1e6], [1e6, 1e6]]], style: fine_dash, clip: None },
        DrawCommand::Line { lines: vec![vec![[0.0, 3.0], [17.0, 3.0]]], style: tiny_dash, clip: None },
    ];
    for threads in [1, 4] {
        let img = rasterize(&list(17, 9, commands.clone()), threads);
        assert_eq!(img.data.len(), 17 * 9 * 4);
        let _ = rasterize(&list(1, 1, commands.clone()), threads);
        let _ = rasterize(&list(0, 0, commands.clone()), threads);
    }
}

/// Writes check scenes to /tmp/render-check (run with `--ignored`).
#[test]
#[ignore]
fn write_check_pngs() {
    use super::png_io::encode_image_png;
    let dir = std::path::Path::new("/tmp/render-check");
    std::fs::create_dir_all(dir).unwrap();
    let save = |name: &str, l: &DisplayList| {
        let t = std::time::Instant::now();
        let img = rasterize(l, 2);
        eprintln!("{name}: {:?}", t.elapsed());
        std::fs::write(dir.join(name), encode_image_png(&img).unwrap()).unwrap();
    };
    save("busy.png", &busy_scene(512, 384, 400, 200, 3));
    // Line gallery.
    let mut cmds = vec![DrawCommand::Background { color: Color::WHITE }];
    let zig = |y: f32| vec![[20.0, y], [80.0, y - 30.0], [140.0, y], [200.0, y - 30.0], [230.0, y + 10.0]];
    let kinds: Vec<(&str, LineStyle)> = {
        let base = line_style(Color::new(0.1, 0.3, 0.8, 1.0), 10.0);
        let mut v = vec![("miter", base.clone())];
        let mut s = base.clone();
        s.join = LineJoin::Round;
        s.cap = LineCap::Round;
        v.push(("round", s));
        let mut s = base.clone();
        s.join = LineJoin::Bevel;
        s.cap = LineCap::Square;
        v.push(("bevel", s));
        let mut s = base.clone();
        s.gap_width = 6.0;
        s.width = 3.0;
        v.push(("gap", s));
        let mut s = base.clone();
        s.blur = 6.0;
        v.push(("blur", s));
        let mut s = base.clone();
        s.dasharray = Some(vec![12.0, 8.0]);
        s.cap = LineCap::Round;
        s.width = 6.0;
        v.push(("dash", s));
        let mut s = base.clone();
        s.color = Color::new(0.8, 0.1, 0.1, 0.5);
        s.offset = 8.0;
        v.push(("offset", s));
        v
    };
    for (i, (_, s)) in kinds.iter().enumerate() {
        let y = 50.0 + i as f32 * 50.0;
        cmds.push(DrawCommand::Line { lines: vec![zig(y)], style: line_style(Color::new(0.0, 0.0, 0.0, 0.5), 1.0), clip: None });
        cmds.push(DrawCommand::Line { lines: vec![zig(y)], style: s.clone(), clip: None });
    }
    save("lines.png", &list(260, 380, cmds));
    // Circles.
    let mut cmds = vec![DrawCommand::Background { color: Color::new(0.9, 0.9, 0.9, 1.0) }];
    for (i, (blur, sw)) in [(0.0, 0.0), (0.0, 4.0), (0.5, 0.0), (1.0, 0.0), (0.2, 3.0)].iter().enumerate() {
        let style = CircleStyle { color: Color::new(0.2, 0.5, 0.9, 0.6), radius: 18.0, blur: *blur, stroke_width: *sw, stroke_color: Color::new(0.9, 0.2, 0.1, 1.0), scale: [1.0, 1.0] };
        cmds.push(DrawCommand::Circle { centers: vec![[30.0 + i as f32 * 50.0, 30.0]], style, clip: None });
    }
    save("circles.png", &list(260, 60, cmds));
}

/// A map-like frame: 4 tiles, landuse, buildings, road casings + fills, POIs.
pub(crate) fn map_scene(w: u32, h: u32, n_lines: usize, n_polys: usize, seed: u64) -> DisplayList {
    let mut r = Rng(seed);
    let (wf, hf) = (w as f32, h as f32);
    let mut commands = vec![DrawCommand::Background { color: Color::new(0.95, 0.93, 0.9, 1.0) }];
    let tiles: Vec<ClipQuad> = (0..4)
        .map(|i| {
            let (x0, y0) = ((i % 2) as f32 * wf / 2.0, (i / 2) as f32 * hf / 2.0);
            ClipQuad([[x0, y0], [x0 + wf / 2.0, y0], [x0 + wf / 2.0, y0 + hf / 2.0], [x0, y0 + hf / 2.0]])
        })
        .collect();
    let poly = |r: &mut Rng, s: f32| -> Vec<Px> {
        let (cx, cy) = (r.f() * wf, r.f() * hf);
        let n = 4 + (r.f() * 5.0) as usize;
        (0..=n)
            .map(|k| {
                let a = (k % n) as f32 / n as f32 * std::f32::consts::TAU;
                let rr = s * (0.7 + 0.3 * r.f());
                [cx + rr * a.cos(), cy + rr * a.sin()]
            })
            .collect()
    };
    let big = n_polys / 16;
    for i in 0..big {
        let s = 40.0 + r.f() * 150.0;
        let style = FillStyle { color: Color::new(0.7 + 0.2 * r.f(), 0.85, 0.7, 1.0), antialias: true, outline: None, perspective: None };
        commands.push(DrawCommand::Fill { rings: vec![poly(&mut r, s)], style, clip: Some(tiles[i % 4].clone()) });
    }
    for i in big..n_polys {
        let s = 3.0 + r.f() * 8.0;
        let style = FillStyle { color: Color::new(0.85, 0.82, 0.8, 0.9), antialias: true, outline: Some(Color::new(0.75, 0.7, 0.68, 1.0)), perspective: None };
        commands.push(DrawCommand::Fill { rings: vec![poly(&mut r, s)], style, clip: Some(tiles[i % 4].clone()) });
    }
    let mut roads = Vec::new();
    for _ in 0..n_lines / 2 {
        let n = 3 + (r.f() * 6.0) as usize;
        let mut p = [r.f() * wf, r.f() * hf];
        let mut line = vec![p];
        for _ in 1..n {
            p = [p[0] + (r.f() - 0.5) * 80.0, p[1] + (r.f() - 0.5) * 80.0];
            line.push(p);
        }
        roads.push((line, 1.0 + r.f() * 6.0));
    }
    for (casing, color) in [(true, Color::new(0.6, 0.6, 0.6, 1.0)), (false, Color::WHITE)] {
        for (i, (line, width)) in roads.iter().enumerate() {
            let mut style = line_style(color, if casing { width + 2.0 } else { *width });
            style.join = LineJoin::Round;
            style.cap = LineCap::Round;
            commands.push(DrawCommand::Line { lines: vec![line.clone()], style, clip: Some(tiles[i % 4].clone()) });
        }
    }
    for tile in &tiles {
        let centers: Vec<Px> = (0..25).map(|_| [r.f() * wf, r.f() * hf]).collect();
        let mut style = circle_style(Color::new(0.2, 0.4, 0.9, 0.8), 4.0);
        style.stroke_width = 1.0;
        style.stroke_color = Color::WHITE;
        commands.push(DrawCommand::Circle { centers, style, clip: Some(tile.clone()) });
    }
    DisplayList { width: w, height: h, commands }
}

/// Prints rasterization times for a 1024x1024 frame with 10k lines and 5k
/// polygons (run with `--release --ignored`; informative, not an assertion).
#[test]
#[ignore]
fn timing_busy_frame() {
    let which = std::env::var("SCENE").unwrap_or_default();
    let list = if which == "busy" { busy_scene(1024, 1024, 10_000, 5_000, 11) } else { map_scene(1024, 1024, 10_000, 5_000, 11) };
    if let Ok(dir) = std::env::var("SAVE") {
        let img = rasterize(&list, 2);
        std::fs::write(format!("{dir}/timing-{which}.png"), super::png_io::encode_image_png(&img).unwrap()).unwrap();
    }
    let threads_list: Vec<usize> = match std::env::var("THREADS") {
        Ok(t) => vec![t.parse().unwrap_or(1)],
        Err(_) => vec![1, 2],
    };
    for threads in threads_list {
        let _ = rasterize(&list, threads);
        let t = std::time::Instant::now();
        let n = 3;
        for _ in 0..n {
            std::hint::black_box(rasterize(&list, threads));
        }
        eprintln!("{threads} threads: {:?} per frame", t.elapsed() / n);
    }
}

/// Wider determinism sweep (run with `--release --ignored`).
#[test]
#[ignore]
fn determinism_sweep() {
    for seed in 0..12u64 {
        let (w, h) = (97 + seed as u32 * 37, 61 + seed as u32 * 53);
        let list = if seed % 2 == 0 { busy_scene(w, h, 400, 200, seed) } else { map_scene(w, h, 600, 300, seed) };
        let one = rasterize(&list, 1);
        for threads in [2, 3, 5, 8] {
            let many = rasterize(&list, threads);
            let diff = one.data.iter().zip(&many.data).filter(|(a, b)| a != b).count();
            assert_eq!(diff, 0, "seed {seed} {w}x{h}: {threads} threads differ in {diff} bytes");
        }
    }
}

#[test]
fn line_gradient_follows_progress_between_clip_fractions() {
    let ramp = std::sync::Arc::new(vec![RED, BLUE]);
    let mut style = line_style(Color::new(1.0, 1.0, 1.0, 1.0), 4.0);
    style.gradient = Some(Box::new(LineGradient { ramp: ramp.clone(), clip: Some([0.0, 1.0]), per_px: 0.0 }));
    let line = vec![vec![[0.0, 10.0], [100.0, 10.0]]];
    let img = rasterize(&list(100, 20, vec![DrawCommand::Line { lines: line.clone(), style: style.clone(), clip: None }]), 1);
    let (l, m, r) = (px(&img, 0, 10), px(&img, 50, 10), px(&img, 99, 10));
    assert!(l[0] > 250 && l[2] < 5, "start is red: {l:?}");
    assert!(r[2] > 250 && r[0] < 5, "end is blue: {r:?}");
    assert!((120..=135).contains(&m[0]) && (120..=135).contains(&m[2]), "middle is half way: {m:?}");
    // The second half of a clipped line: progress 0.5 .. 1.
    style.gradient = Some(Box::new(LineGradient { ramp: ramp.clone(), clip: Some([0.5, 1.0]), per_px: 0.0 }));
    let img = rasterize(&list(100, 20, vec![DrawCommand::Line { lines: line.clone(), style: style.clone(), clip: None }]), 1);
    let l = px(&img, 0, 10);
    assert!((120..=135).contains(&l[0]), "starts half way: {l:?}");
    // Without fractions: progress grows with the distance (per_px).
    style.gradient = Some(Box::new(LineGradient { ramp, clip: None, per_px: 0.02 }));
    let img = rasterize(&list(100, 20, vec![DrawCommand::Line { lines: line, style: style.clone(), clip: None }]), 1);
    let (m, r) = (px(&img, 25, 10), px(&img, 99, 10));
    assert!((120..=135).contains(&m[0]), "half way at 25 px: {m:?}");
    assert!(r[2] > 250, "clamped to the end colour: {r:?}");
    // The line's opacity multiplies the ramp.
    style.color = Color::new(1.0, 1.0, 1.0, 0.5);
    let img = rasterize(&list(100, 20, vec![DrawCommand::Line { lines: vec![vec![[0.0, 10.0], [100.0, 10.0]]], style, clip: None }]), 1);
    assert!((125..=130).contains(&px(&img, 99, 10)[3]), "{:?}", px(&img, 99, 10));
}

#[test]
fn extrusions_composite_once_so_nearer_faces_hide_farther_ones() {
    // The blue face is nearer (larger depth) though drawn first.
    let face = |rect: Vec<Px>, color, near| ExtrusionFace { rings: vec![rect], depth: [0.0, 0.0, near], ramp: [0.0; 3], paint: FacePaint::Color([color; 2]) };
    let faces = vec![face(square(6.0, 6.0, 20.0, 20.0), BLUE, 2.0), face(square(0.0, 0.0, 12.0, 12.0), RED, 1.0)];
    let cmd = |opacity| vec![DrawCommand::Extrusion { faces: faces.clone(), opacity }];
    let img = rasterize(&list(20, 20, cmd(0.5)), 1);
    // Where the blue face covers the red one, no red shows through.
    assert_eq!(px(&img, 8, 8), [0, 0, 128, 128]);
    assert_eq!(px(&img, 2, 2), [128, 0, 0, 128]);
    assert_eq!(px(&img, 16, 16), [0, 0, 128, 128]);
    // Bands give the same bytes as one thread.
    assert_eq!(img, rasterize(&list(20, 20, cmd(0.5)), 4));
    // Opacity 0 draws nothing.
    let img = rasterize(&list(20, 20, cmd(0.0)), 1);
    assert_eq!(px(&img, 8, 8), [0, 0, 0, 0]);
}

#[test]
fn small_targets_draw_on_one_thread_with_the_same_bytes() {
    // A 256 px tile: the public entry point does not split it (thread start-up
    // and per-band work cost more than they save); the bytes are those of any
    // banding.
    let list = busy_scene(256, 256, 200, 100, 3);
    let tile = super::rasterize(&list, 8);
    assert_eq!(tile.data, rasterize(&list, 1).data);
    assert_eq!(tile.data, rasterize(&list, 4).data);
}

/// A horizontal 8 px line from x = 0 to 40 at y = 10 patterned with `image`
/// (height 8 px, reach 5 px: the quad's outset 4.5 px spans 9/8 of it).
fn pattern_line(image: PatternImage, period: f32) -> Image {
    let pattern = LinePattern { image, period, height: 8.0, reach: 5.0, corner_split: 0.0, distance_step: 0.0 };
    let style = LineStyle { pattern: Some(Box::new(pattern)), ..line_style(Color::WHITE, 8.0) };
    rasterize(&list(40, 20, vec![DrawCommand::Line { lines: vec![vec![[0.0, 10.0], [40.0, 10.0]]], style, clip: None }]), 1)
}

#[test]
fn line_pattern_spans_the_line_across_and_repeats_along_it() {
    // Rows: red on top, blue below. MapLibre puts the image's top on the
    // left of the line (its normal (-dy, dx)): below an eastward line.
    let rows = [[255, 0, 0, 255], [255, 0, 0, 255], [0, 0, 255, 255], [0, 0, 255, 255]].concat();
    let img = pattern_line(PatternImage::from_straight(2, 2, &rows).unwrap(), 4.0);
    let (below, above) = (px(&img, 20, 12), px(&img, 20, 7));
    assert!(below[0] > 200 && below[2] < 60 && below[3] == 255, "below {below:?}");
    assert!(above[2] > 200 && above[0] < 60 && above[3] == 255, "above {above:?}");
    assert_eq!(px(&img, 20, 2), [0, 0, 0, 0], "outside the line");
    // Columns: white, black; one repeat every 8 px along the line.
    let cols = [[255, 255, 255, 255], [0, 0, 0, 255]].concat().repeat(2);
    let img = pattern_line(PatternImage::from_straight(2, 2, &cols).unwrap(), 8.0);
    let (white, black) = (px(&img, 1, 10), px(&img, 5, 10));
    assert!(white[0] > 200 && black[0] < 60, "{white:?} {black:?}");
    for x in 0..32 {
        assert_eq!(px(&img, x, 10), px(&img, x + 8, 10), "x = {x}");
    }
}

#[test]
fn line_pattern_opacity_and_transparent_texels() {
    // Half opacity (the colour's alpha); a transparent column leaves the
    // background.
    let cols = [[0, 255, 0, 255], [0, 255, 0, 255], [0, 0, 0, 0], [0, 0, 0, 0]].concat().repeat(2);
    let image = PatternImage::from_straight(4, 2, &cols).unwrap();
    let pattern = LinePattern { image, period: 16.0, height: 8.0, reach: 5.0, corner_split: 0.0, distance_step: 0.0 };
    let style = LineStyle { pattern: Some(Box::new(pattern)), ..line_style(Color::new(1.0, 1.0, 1.0, 0.5), 8.0) };
    let line = DrawCommand::Line { lines: vec![vec![[0.0, 10.0], [40.0, 10.0]]], style, clip: None };
    let img = rasterize(&list(40, 20, vec![DrawCommand::Background { color: BLUE }, line]), 1);
    // Texel columns 0 and 1 (green) at x = 2 and 3, 2 and 3 (transparent) at 10 and 11.
    for x in [2, 3] {
        let green = px(&img, x, 10);
        assert!((126..=129).contains(&green[1]) && (126..=129).contains(&green[2]) && green[0] == 0, "{green:?}");
    }
    assert_eq!(px(&img, 10, 10), [0, 0, 255, 255]);
    assert_eq!(px(&img, 11, 10), [0, 0, 255, 255]);
}

/// A line on the ground of a slanted view (w grows down the ground's y):
/// like MapLibre's lines extruded on the ground, it is wider on screen where
/// the ground is nearer, and clipped to the ground rectangle.
#[test]
fn a_line_on_the_ground_is_wider_where_the_ground_is_nearer() {
    let to_screen = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.004, 1.0]];
    let from_screen = crate::data::matrix::inv3(&to_screen).unwrap();
    let ground = GroundMap { to_screen, from_screen, clip: None };
    let style = LineStyle { ground: Some(Box::new(ground)), ..line_style(BLUE, 10.0) };
    // Ground x = 40 from ground y 0 (w = 1: screen y 0) to 400 (w = 2.6: screen y ~154).
    let cmd = |style: LineStyle| DrawCommand::Line { lines: vec![vec![[40.0, 0.0], [40.0, 400.0]]], style, clip: None };
    let img = rasterize(&list(80, 160, vec![cmd(style.clone())]), 1);
    let width = |y: u32| (0..80).filter(|&x| px(&img, x, y)[3] > 127).count();
    assert!((9..=11).contains(&width(2)), "10 px wide at w = 1, got {}", width(2));
    assert!((3..=5).contains(&width(150)), "about 10 / 2.5 px at w = 2.5, got {}", width(150));
    // The far end is centred where the ground's x = 40 is seen: screen x 40 / w.
    let far: Vec<u32> = (0..80).filter(|&x| px(&img, x, 150)[3] > 127).collect();
    let mid = (far[0] + far[far.len() - 1]) as f32 / 2.0 + 0.5;
    assert!((mid - 40.0 / 2.5).abs() < 1.5, "centre at {mid}");
    // Clipped to ground y < 100 (screen y < 71).
    let clipped = LineStyle { ground: Some(Box::new(GroundMap { clip: Some([0.0, 0.0, 80.0, 100.0f64]), ..ground })), ..style };
    let img = rasterize(&list(80, 160, vec![cmd(clipped)]), 1);
    assert!(px(&img, 40, 20)[3] > 127);
    assert_eq!(px(&img, 16, 150)[3], 0);
}

#[test]
fn draw_commands_stay_small() {
    // A display list holds one command per feature (80,000 circles: 80,000
    // commands), so the rare paints (gradient, pattern, ground, raster)
    // are boxed and a command is the size of a line: its polylines, its
    // style and its clip.
    use std::mem::size_of;
    let line = size_of::<Vec<Vec<Px>>>() + size_of::<LineStyle>() + size_of::<Option<ClipQuad>>();
    assert!(size_of::<DrawCommand>() <= line + 8, "DrawCommand is {} bytes, a line's fields {line}", size_of::<DrawCommand>());
    assert!(size_of::<LineStyle>() <= 128, "LineStyle is {} bytes", size_of::<LineStyle>());
}

/// A raster pixel visit counts as `RASTER_VISIT_COST` fill visits against
/// the frame's drawing bound: a frame-covering raster layer asks for twice
/// the frame's pixels, a background once.
#[test]
fn raster_visits_weigh_more_than_fill_visits_in_the_drawing_bound() {
    let (w, h) = (40u32, 20u32);
    let image = PatternImage::from_straight(2, 2, &[255, 0, 0, 255].repeat(4)).unwrap();
    let raster = DrawCommand::Raster {
        rings: vec![vec![[0.0, 0.0], [w as f32, 0.0], [w as f32, h as f32], [0.0, h as f32], [0.0, 0.0]]],
        style: Box::new(RasterStyle::plain(image, [[2.0 / w as f64, 0.0, 0.0], [0.0, 2.0 / h as f64, 0.0], [0.0, 0.0, 1.0]])),
        clip: None,
    };
    let frame = u64::from(w * h);
    let l = list(w, h, vec![raster, DrawCommand::Background { color: BLUE }]);
    let cost = super::work::RASTER_VISIT_COST;
    assert_eq!(cost, 2.0);
    // 1.5 frames: the raster (2) does not fit, the background (1) does.
    let cut = super::Prepared::within(&l, 1, frame * 3 / 2, &[]).cut().cloned().expect("a cut");
    assert_eq!((cut.skipped, cut.asked), (vec![0], 3 * frame));
    // Two frames: the raster fits, the background after it does not.
    let cut = super::Prepared::within(&l, 1, 2 * frame, &[]).cut().cloned().expect("a cut");
    assert_eq!(cut.skipped, vec![1]);
    assert!(super::Prepared::within(&l, 1, 3 * frame, &[]).cut().is_none());
    // What is kept draws: the raster's red under the skipped background.
    let img = super::rasterize_prepared(&l, &super::Prepared::within(&l, 1, 2 * frame, &[]), 1);
    assert_eq!(px(&img, 10, 10), [255, 0, 0, 255]);
}
