//! Local glyphs as MapLibre's glyph PBFs carry them: an outline from a font
//! face (ttf-parser) turned into a 24 px signed distance field with a 3 px
//! buffer and node-fontnik's metrics, so that local and PBF glyphs look and
//! sit the same on the map.
//!
//! Conventions (node-fontnik's, checked against the "Open Sans Semibold"
//! PBFs of the render suite, see the tests):
//! * the outline is scaled to 24 px per em, unhinted, curves flattened;
//! * the ink box is the outline's box rounded outwards to whole px:
//!   `left = floor(xmin)`, `width = ceil(xmax) - floor(xmin)`,
//!   `height = ceil(ymax) - floor(ymin)`;
//! * `top = ceil(ymax) - ceil(ascender)` (the face's ascender at 24 px, as
//!   FreeType reports it); glyphs without ink have `top = -ceil(ascender)`;
//! * `advance = floor(advance at 24 px)`;
//! * the bitmap is `(width + 6) x (height + 6)`, rows from the top; texel
//!   centres sample the exact distance to the flattened outline `d` (px,
//!   negative inside, non-zero winding) as `255 - clamp(round(64 + 32 d))`:
//!   192 is the edge, 32 values per px (MapLibre's SDF_PX 8 in 0..1 units),
//!   2 px of inside and 6 px of outside.
//!
//! Work is bounded for hostile fonts: at most [`MAX_SEGMENTS`] outline
//! segments, an ink box of at most [`MAX_INK_PX`] px a side, and at most
//! [`MAX_WORK`] distance evaluations per glyph; a glyph over a bound keeps its
//! advance and loses its bitmap.

use std::sync::Arc;

use super::glyph::{Glyph, GlyphMetrics, SdfBitmap, ONE_EM, SDF_BUFFER};

/// Most line segments one glyph's flattened outline may have.
pub const MAX_SEGMENTS: usize = 16_384;
/// Largest ink box side (px at 24 px per em).
pub const MAX_INK_PX: u32 = 256;
/// Most segment/texel distance evaluations for one glyph.
pub const MAX_WORK: u64 = 16_000_000;
/// Distance (px) past which texels saturate (outside: 6 px; the search
/// radius is node-fontnik's 8 px).
const RADIUS: f32 = 8.0;
/// Flattening tolerance (px): the distance between a curve and its chords.
const TOLERANCE: f32 = 0.02;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Seg {
    ax: f32,
    ay: f32,
    bx: f32,
    by: f32,
}

/// Collects a glyph outline as line segments in px (y up).
struct Flattener {
    scale: f32,
    segs: Vec<Seg>,
    start: (f32, f32),
    cur: (f32, f32),
    open: bool,
    overflow: bool,
}

impl Flattener {
    fn new(scale: f32) -> Flattener {
        Flattener { scale, segs: Vec::new(), start: (0.0, 0.0), cur: (0.0, 0.0), open: false, overflow: false }
    }

    fn push(&mut self, to: (f32, f32)) {
        if self.segs.len() >= MAX_SEGMENTS {
            self.overflow = true;
            return;
        }
        if to != self.cur {
            self.segs.push(Seg { ax: self.cur.0, ay: self.cur.1, bx: to.0, by: to.1 });
        }
        self.cur = to;
    }

    fn close_ring(&mut self) {
        if self.open && self.cur != self.start {
            let s = self.start;
            self.push(s);
        }
        self.open = false;
    }

    fn pieces(dev: f32) -> u32 {
        // The chords of n pieces stray at most dev / n^2 from the curve.
        let n = (dev / TOLERANCE).sqrt().ceil();
        if n.is_finite() {
            (n as u32).clamp(1, 64)
        } else {
            1
        }
    }
}

impl ttf_parser::OutlineBuilder for Flattener {
    fn move_to(&mut self, x: f32, y: f32) {
        self.close_ring();
        let p = (x * self.scale, y * self.scale);
        self.start = p;
        self.cur = p;
        self.open = true;
    }

    fn line_to(&mut self, x: f32, y: f32) {
        self.push((x * self.scale, y * self.scale));
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (p0, c, p1) = (self.cur, (x1 * self.scale, y1 * self.scale), (x * self.scale, y * self.scale));
        let dev = ((p0.0 - 2.0 * c.0 + p1.0).hypot(p0.1 - 2.0 * c.1 + p1.1)) / 4.0;
        let n = Self::pieces(dev);
        for i in 1..=n {
            let t = i as f32 / n as f32;
            let u = 1.0 - t;
            self.push((u * u * p0.0 + 2.0 * u * t * c.0 + t * t * p1.0, u * u * p0.1 + 2.0 * u * t * c.1 + t * t * p1.1));
        }
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let s = self.scale;
        let (p0, c1, c2, p1) = (self.cur, (x1 * s, y1 * s), (x2 * s, y2 * s), (x * s, y * s));
        let d1 = (p0.0 - 2.0 * c1.0 + c2.0).hypot(p0.1 - 2.0 * c1.1 + c2.1);
        let d2 = (c1.0 - 2.0 * c2.0 + p1.0).hypot(c1.1 - 2.0 * c2.1 + p1.1);
        let n = Self::pieces(d1.max(d2) * 0.75);
        for i in 1..=n {
            let t = i as f32 / n as f32;
            let u = 1.0 - t;
            let (a, b, cc, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
            self.push((
                a * p0.0 + b * c1.0 + cc * c2.0 + d * p1.0,
                a * p0.1 + b * c1.1 + cc * c2.1 + d * p1.1,
            ));
        }
    }

    fn close(&mut self) {
        self.close_ring();
    }
}

/// The face's ascender at 24 px, rounded up (FreeType's size metrics).
pub fn ascender_px(face: &ttf_parser::Face) -> i32 {
    let hhea = face.tables().hhea;
    let (asc, upem) = if hhea.ascender != 0 || hhea.descender != 0 {
        (hhea.ascender as f32, face.units_per_em() as f32)
    } else {
        (face.ascender() as f32, face.units_per_em() as f32)
    };
    (asc * ONE_EM / upem).ceil() as i32
}

/// Renders `codepoint` of `face` as a MapLibre glyph (`id` = the codepoint).
/// None when the face has no glyph for it.
pub fn render_glyph(face: &ttf_parser::Face, codepoint: u32) -> Option<Glyph> {
    let gid = face.glyph_index(char::from_u32(codepoint)?).filter(|g| g.0 != 0)?;
    Some(render_glyph_id(face, gid, codepoint, 0.0))
}

/// Renders glyph `gid` of `face` (as shaping chose it) with id `id`;
/// `skew` slants the outline (x += skew × y: a synthetic oblique).
pub fn render_glyph_id(face: &ttf_parser::Face, gid: ttf_parser::GlyphId, id: u32, skew: f32) -> Glyph {
    let scale = ONE_EM / face.units_per_em() as f32;
    let ascender = ascender_px(face);
    let advance = face.glyph_hor_advance(gid).map(|a| (a as f32 * scale).floor() as u32).unwrap_or(0);
    let no_ink = GlyphMetrics { width: 0, height: 0, left: 0, top: -ascender, advance };
    let mut outline = Flattener::new(scale);
    face.outline_glyph(gid, &mut outline);
    outline.close_ring();
    if outline.overflow {
        log::debug!("glyph {}: more than {MAX_SEGMENTS} outline segments; drawn without ink", gid.0);
        return Glyph { id, metrics: no_ink, bitmap: None };
    }
    if skew != 0.0 {
        for s in &mut outline.segs {
            s.ax += skew * s.ay;
            s.bx += skew * s.by;
        }
    }
    match sdf(&outline.segs, ascender, advance) {
        Some((metrics, bitmap)) => Glyph { id, metrics, bitmap: Some(Arc::new(bitmap)) },
        None => Glyph { id, metrics: no_ink, bitmap: None },
    }
}

/// The metrics and SDF of an outline (px, y up); None without ink or over a
/// bound.
fn sdf(segs: &[Seg], ascender: i32, advance: u32) -> Option<(GlyphMetrics, SdfBitmap)> {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY);
    for s in segs {
        for (x, y) in [(s.ax, s.ay), (s.bx, s.by)] {
            if !x.is_finite() || !y.is_finite() {
                return None;
            }
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    if segs.is_empty() {
        return None;
    }
    let (left, bottom, right, top) = (x0.floor(), y0.floor(), x1.ceil(), y1.ceil());
    let (w, h) = (right - left, top - bottom);
    if w <= 0.0 || h <= 0.0 || w > MAX_INK_PX as f32 || h > MAX_INK_PX as f32 {
        return None;
    }
    let (w, h) = (w as u32, h as u32);
    let buffer = SDF_BUFFER as f32;
    let bw = (w + 2 * SDF_BUFFER) as usize;
    let bh = (h + 2 * SDF_BUFFER) as usize;
    let ox = left - buffer; // x of the bitmap's left edge
    let oy = top + buffer; // y of its top edge
    // Bound the work before doing it: each segment visits the texels of its
    // box grown by the radius.
    let mut work = (segs.len() * bh) as u64; // the row crossings
    for s in segs {
        let sw = (s.ax - s.bx).abs() + 2.0 * RADIUS + 1.0;
        let sh = (s.ay - s.by).abs() + 2.0 * RADIUS + 1.0;
        work += (sw.min(bw as f32) * sh.min(bh as f32)) as u64;
        if work > MAX_WORK {
            log::debug!("glyph outline over the distance work bound; drawn without ink");
            return None;
        }
    }
    let mut d2 = vec![RADIUS * RADIUS; bw * bh];
    for s in segs {
        let (sx0, sx1) = (s.ax.min(s.bx) - RADIUS, s.ax.max(s.bx) + RADIUS);
        let (sy0, sy1) = (s.ay.min(s.by) - RADIUS, s.ay.max(s.by) + RADIUS);
        // Texel i's centre is at ox + i + 0.5; row j's at oy - j - 0.5.
        let i0 = ((sx0 - ox - 0.5).ceil() as i64).max(0);
        let i1 = ((sx1 - ox - 0.5).floor() as i64).min(bw as i64 - 1);
        let j0 = ((oy - 0.5 - sy1).ceil() as i64).max(0);
        let j1 = ((oy - 0.5 - sy0).floor() as i64).min(bh as i64 - 1);
        let (dx, dy) = (s.bx - s.ax, s.by - s.ay);
        let len2 = dx * dx + dy * dy;
        for j in j0..=j1 {
            let py = oy - j as f32 - 0.5;
            let row = &mut d2[j as usize * bw..(j as usize + 1) * bw];
            for i in i0..=i1 {
                let px = ox + i as f32 + 0.5;
                let t = if len2 > 0.0 { (((px - s.ax) * dx + (py - s.ay) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
                let (ex, ey) = (s.ax + t * dx - px, s.ay + t * dy - py);
                let e = ex * ex + ey * ey;
                let cell = &mut row[i as usize];
                if e < *cell {
                    *cell = e;
                }
            }
        }
    }
    // Inside: non-zero winding along each row (crossings right of the texel).
    let mut data = vec![0u8; bw * bh];
    let mut crossings: Vec<(f32, i32)> = Vec::new();
    for j in 0..bh {
        let py = oy - j as f32 - 0.5;
        crossings.clear();
        for s in segs {
            let up = s.ay <= py && py < s.by;
            let down = s.by <= py && py < s.ay;
            if up || down {
                let x = s.ax + (py - s.ay) / (s.by - s.ay) * (s.bx - s.ax);
                crossings.push((x, if up { 1 } else { -1 }));
            }
        }
        crossings.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Winding of a point = sum of directions of the crossings right of it.
        let total: i32 = crossings.iter().map(|c| c.1).sum();
        let mut left_sum = 0;
        let mut k = 0;
        for i in 0..bw {
            let px = ox + i as f32 + 0.5;
            while k < crossings.len() && crossings[k].0 <= px {
                left_sum += crossings[k].1;
                k += 1;
            }
            let inside = total - left_sum != 0;
            let d = d2[j * bw + i].sqrt();
            let signed = if inside { -d } else { d };
            let n = (64.0 + 32.0 * signed).round().clamp(0.0, 255.0) as u8;
            data[j * bw + i] = 255 - n;
        }
    }
    let metrics = GlyphMetrics { width: w, height: h, left: left as i32, top: top as i32 - ascender, advance };
    Some((metrics, SdfBitmap { width: bw as u32, height: bh as u32, data }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 10 x 10 px square outline.
    fn square() -> Vec<Seg> {
        let p = [(1.0, 0.0), (11.0, 0.0), (11.0, 10.0), (1.0, 10.0), (1.0, 0.0)];
        p.windows(2).map(|w| Seg { ax: w[0].0, ay: w[0].1, bx: w[1].0, by: w[1].1 }).collect()
    }

    #[test]
    fn a_square_has_fontnik_metrics_and_distances() {
        let (m, b) = sdf(&square(), 26, 12).unwrap();
        assert_eq!(m, GlyphMetrics { width: 10, height: 10, left: 1, top: 10 - 26, advance: 12 });
        assert_eq!((b.width, b.height), (16, 16));
        // Row 8 (y = 13 - 8 - 0.5 = 4.5): x = 3.5 is 0.5 px outside the left edge.
        assert_eq!(b.texel(2, 8), 255 - 80);
        // 0.5 px inside: 255 - 48; the centre is 5 px deep: saturated.
        assert_eq!(b.texel(3, 8), 255 - 48);
        assert_eq!(b.texel(8, 8), 255);
        // A corner texel: (-0.5 - 1, 12.5 - 10) from the nearest corner... far: low.
        assert!(b.texel(0, 0) < 120);
    }

    #[test]
    fn degenerate_outlines_have_no_ink() {
        assert!(sdf(&[], 26, 5).is_none());
        let line = vec![Seg { ax: 0.0, ay: 0.0, bx: 5.0, by: 0.0 }];
        assert!(sdf(&line, 26, 5).is_none(), "zero height");
        let nan = vec![Seg { ax: f32::NAN, ay: 0.0, bx: 5.0, by: 5.0 }];
        assert!(sdf(&nan, 26, 5).is_none());
        let huge = vec![Seg { ax: 0.0, ay: 0.0, bx: 5000.0, by: 5000.0 }, Seg { ax: 5000.0, ay: 5000.0, bx: 0.0, by: 0.0 }];
        assert!(sdf(&huge, 26, 5).is_none(), "over the ink bound");
    }
}
