//! Anti-aliased scan conversion of band-local line contours with exact area
//! coverage, and source-over compositing of a solid colour through it.
//!
//! Even-odd fills (polygons: exterior and holes) and `Summed` fills (1 px
//! fill outlines): every edge adds, per pixel row it crosses, the signed area
//! it leaves to its right into an accumulation row (one cell per pixel plus
//! two); a running sum along the row then gives each pixel's exact area
//! coverage, folded with the even-odd rule (distance to the nearest even
//! number) or clamped to 1.
//!
//! Non-zero fills (stroke outlines, whose contours overlap themselves at
//! joins, where summed areas would over-count): per pixel row, `SUB`
//! sub-scanlines; on each, the sorted edge crossings give the spans of
//! non-zero winding, whose exact horizontal overlap with each pixel is added
//! (as differences) to the same accumulation row.
//!
//! Only the cells that were touched (a bitmap, one bit per cell) are summed
//! and cleared, row by row, in runs; between them coverage is constant
//! (solid runs). Thin shapes (1 px outlines) touch few cells per row.
//!
//! Deterministic banding: a row's coverage depends only on the edge pieces
//! inside that row, computed from the edges' endpoints in absolute
//! coordinates (band-local y plus the band's top, exact for the 1/256 px grid
//! of [`BandPath`]), in contour order; so a row gets the same bytes in any
//! band layout.

use super::band_path::BandPath;
use super::composite::sanitize;
use crate::style::color::Color;

/// Reusable accumulation buffer, laid out over the bounding box of the path
/// being filled (so small paths stay in cache). All cells and bits are zero
/// between fills.
#[derive(Default)]
pub(crate) struct Coverage {
    acc: Vec<f32>,
    /// Cells per row: bounding box width + 2.
    stride: usize,
    /// First column and row (band-local) of the box.
    x_off: usize,
    y_off: usize,
    /// Rows of the box.
    rows: usize,
    /// Band width (x limit of the edges).
    width: f32,
    /// Per box row: the touched cells `[x0, x1)`; empty when x0 >= x1.
    spans: Vec<(u32, u32)>,
    /// Per box row, one bit per cell: whether an edge touched it (`words`
    /// u64 per row).
    touched: Vec<u64>,
    words: usize,
    /// Touched box rows `[y0, y1)`.
    y0: usize,
    y1: usize,
    /// Non-zero fills: per sub-scanline of the box (`SUB` per row), the
    /// crossing edges as (x, direction).
    subs: Vec<Vec<(f32, f32)>>,
}

impl Coverage {
    /// Bytes held by the accumulation buffers.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.acc.capacity() * 4 + self.spans.capacity() * 8 + self.touched.capacity() * 8
            + self.subs.iter().map(|s| s.capacity() * 8).sum::<usize>()
    }
}

/// How overlapping contours combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Even-odd winding (polygons with holes), exact area coverage.
    EvenOdd,
    /// Non-zero winding, resolved on sub-scanlines (stroke outlines that
    /// overlap themselves at joins).
    NonZero,
    /// The contours' area coverages summed and clamped to 1: exact where they
    /// do not overlap; where anti-aliased fringes overlap they add up, as
    /// separately blended GL line pieces do (1 px fill outlines).
    Summed,
}

/// Sub-scanlines per pixel row for non-zero fills.
const SUB: usize = 4;


impl Coverage {
    /// Lays the buffers out over columns `x0..=x1` and rows `y0..y1`
    /// (band-local) of a band `width` pixels wide.
    fn reset(&mut self, width: usize, x0: usize, x1: usize, y0: usize, y1: usize) {
        let stride = x1 - x0 + 2;
        let rows = y1 - y0;
        let words = stride.div_ceil(64);
        if self.acc.len() < stride * rows {
            self.acc.resize(stride * rows, 0.0);
        }
        if self.spans.len() < rows {
            self.spans.resize(rows, (u32::MAX, 0));
        }
        if self.touched.len() < words * rows {
            self.touched.resize(words * rows, 0);
        }
        self.stride = stride;
        self.words = words;
        self.x_off = x0;
        self.y_off = y0;
        self.rows = rows;
        self.width = width as f32;
        self.y0 = rows;
        self.y1 = 0;
        if self.subs.len() < rows * SUB {
            self.subs.resize_with(rows * SUB, Vec::new);
        }
    }

    /// Records where the edge `a -> b` (band-local) crosses the sub-scanlines
    /// `y = (k + 0.5) / SUB` of the box. Band-local maths is exact here
    /// (1/256 px grid), so the crossings do not depend on the band.
    fn add_crossings(&mut self, a: [f32; 2], b: [f32; 2]) {
        if a[1] == b[1] {
            return;
        }
        let (dir, p, q) = if a[1] < b[1] { (1.0f32, a, b) } else { (-1.0f32, b, a) };
        let n = SUB as f32;
        let lo = (self.y_off * SUB) as i64;
        let hi = ((self.y_off + self.rows) * SUB) as i64;
        let k0 = ceil_i64(p[1] * n - 0.5).clamp(lo, hi);
        let k1 = ceil_i64(q[1] * n - 0.5).clamp(lo, hi);
        if k0 >= k1 {
            return;
        }
        let dxdy = (q[0] - p[0]) / (q[1] - p[1]);
        // Interpolation stays between the endpoints (and so inside the box).
        let (xmin, xmax) = (p[0].min(q[0]).max(0.0), p[0].max(q[0]).min(self.width));
        for k in k0..k1 {
            let ys = (k as f32 + 0.5) * (1.0 / n);
            let x = (p[0] + (ys - p[1]) * dxdy).clamp(xmin, xmax);
            self.subs[(k - lo) as usize].push((x, dir));
        }
        let (r0, r1) = ((k0 - lo) as usize / SUB, (k1 - 1 - lo) as usize / SUB + 1);
        self.y0 = self.y0.min(r0);
        self.y1 = self.y1.max(r1);
    }

    /// Turns the crossings into coverage: for each sub-scanline, the spans of
    /// non-zero winding add `1 / SUB` times their exact horizontal overlap
    /// with each pixel (as differences, summed along the row later).
    fn resolve_crossings(&mut self) {
        let w = 1.0 / SUB as f32;
        let (xo, stride) = (self.x_off, self.stride);
        for br in self.y0..self.y1 {
            let (mut c0, mut c1) = (usize::MAX, 0usize);
            let row = &mut self.acc[br * stride..(br + 1) * stride];
            for list in &mut self.subs[br * SUB..(br + 1) * SUB] {
                if list.is_empty() {
                    continue;
                }
                // Insertion sort: the lists are short.
                for j in 1..list.len() {
                    let mut m = j;
                    let item = list[j];
                    while m > 0 && list[m - 1].0 > item.0 {
                        list[m] = list[m - 1];
                        m -= 1;
                    }
                    list[m] = item;
                }
                let mut winding = 0.0f32;
                for &(x, d) in list.iter() {
                    let was = winding != 0.0;
                    winding += d;
                    if was != (winding != 0.0) {
                        let sign = if was { -w } else { w };
                        let ix = (x as usize).max(xo);
                        let f = x - ix as f32;
                        row[ix - xo] += sign * (1.0 - f);
                        row[ix + 1 - xo] += sign * f;
                        c0 = c0.min(ix - xo);
                        c1 = c1.max(ix + 2 - xo);
                    }
                }
                list.clear();
            }
            if c0 < c1 {
                self.mark_cells(br, c0, c1);
            }
        }
    }

    #[inline]
    fn mark_cells(&mut self, r: usize, c0: usize, c1: usize) {
        let s = &mut self.spans[r];
        s.0 = s.0.min(c0 as u32);
        s.1 = s.1.max(c1 as u32);
        set_bits(&mut self.touched[r * self.words..(r + 1) * self.words], c0, c1);
    }

    /// Adds the edge `a -> b` (band-local pixels, inside the box and
    /// `[0, width]`). `top` is the band's first row (absolute), so the maths
    /// runs on absolute y and does not depend on where the band starts.
    fn add_edge(&mut self, a: [f32; 2], b: [f32; 2], top: f32) {
        if a[1] == b[1] {
            return;
        }
        let (dir, p, q) = if a[1] < b[1] { (1.0f32, a, b) } else { (-1.0f32, b, a) };
        let (py, qy) = (p[1] + top, q[1] + top);
        let wf = self.width;
        let dxdy = (q[0] - p[0]) / (qy - py);
        let (xmin, xmax) = (p[0].min(q[0]).max(0.0), p[0].max(q[0]).min(wf));
        let last = self.y_off + self.rows;
        let r0 = (p[1].max(0.0) as usize).clamp(self.y_off, last);
        let r1 = (ceil_usize(q[1])).clamp(self.y_off, last);
        let (xo, stride) = (self.x_off, self.stride);
        if r0 < r1 {
            self.y0 = self.y0.min(r0 - self.y_off);
            self.y1 = self.y1.max(r1 - self.y_off);
        }
        for r in r0..r1 {
            let row_top = (r as f32) + top;
            let ya = py.max(row_top);
            let yb = qy.min(row_top + 1.0);
            if yb <= ya {
                continue;
            }
            let d = dir * (yb - ya);
            let xa = if ya == py { p[0] } else { p[0] + (ya - py) * dxdy };
            let xb = if yb == qy { q[0] } else { p[0] + (yb - py) * dxdy };
            let (xl, xr) = if xa < xb { (xa, xb) } else { (xb, xa) };
            // Interpolation stays between the endpoints (and so inside the box).
            let xl = xl.clamp(xmin, xmax);
            let xr = xr.clamp(xmin, xmax);
            let il = col(xl).max(xo);
            let ir = col(xr).max(il);
            let br = r - self.y_off;
            let row = &mut self.acc[br * stride..(br + 1) * stride];
            let (c0, c1);
            if il == ir {
                // Within one column: the pixel's share right of the mean x.
                let f = (xl + xr) * 0.5 - il as f32;
                row[il - xo] += d * (1.0 - f);
                row[il + 1 - xo] += d * f;
                c0 = il - xo;
                c1 = il + 2 - xo;
            } else {
                // X uniform on [xl, xr]: coverage of column i is
                // G(i + 1) - G(i), G(p) = E[max(0, p - X)].
                let len = xr - xl;
                let inv = 0.5 / len;
                let mean = (xl + xr) * 0.5;
                let g = |pt: f32| -> f32 {
                    if pt <= xl {
                        0.0
                    } else if pt >= xr {
                        pt - mean
                    } else {
                        (pt - xl) * (pt - xl) * inv
                    }
                };
                let mut prev_c = 0.0f32;
                let mut g_lo = g(il as f32);
                for (i, cell) in row[il - xo..ir + 2 - xo].iter_mut().enumerate() {
                    let g_hi = g((il + i) as f32 + 1.0);
                    let c = (g_hi - g_lo).min(1.0);
                    *cell += d * (c - prev_c);
                    prev_c = c;
                    g_lo = g_hi;
                }
                c0 = il - xo;
                c1 = ir + 2 - xo;
            }
            self.mark_cells(br, c0, c1);
        }
    }
}

/// The column of `x` (its integer part), for `x` in `[0, width]` (clamped
/// to the band just before), without a saturating conversion.
#[inline(always)]
fn col(x: f32) -> usize {
    debug_assert!((0.0..=u32::MAX as f32).contains(&x));
    // SAFETY: the callers clamp x to [0, band width] (finite, non-negative,
    // below 2^32), where the truncating conversion is defined.
    unsafe { x.to_int_unchecked::<u32>() as usize }
}

/// `x * a / 255` (rounded) for the two 8-bit lanes of `0x00XX00YY`, `a <= 255`.
#[inline]
fn lanes_mul_div255(v: u32, a: u32) -> u32 {
    let t = v * a + 0x0080_0080;
    ((t + ((t >> 8) & 0x00FF_00FF)) >> 8) & 0x00FF_00FF
}

/// Premultiplied RGBA8 (as little-endian u32) scaled by `a / 255`.
#[inline]
fn scale_px(px: u32, a: u32) -> u32 {
    lanes_mul_div255(px & 0x00FF_00FF, a) | (lanes_mul_div255((px >> 8) & 0x00FF_00FF, a) << 8)
}

/// Source-over of premultiplied `src` with coverage `cover / 255` onto `dst`.
#[inline]
pub(crate) fn over(src: u32, cover: u32, dst: u32) -> u32 {
    let s = scale_px(src, cover);
    s + scale_px(dst, 255 - (s >> 24))
}

/// The first set bit at or after `from`, or `limit` (bits at or past `limit` are clear).
#[inline]
fn next_set(bits: &[u64], from: usize, limit: usize) -> usize {
    let mut wi = from / 64;
    let Some(&first) = bits.get(wi) else { return limit };
    let mut word = first & (!0u64 << (from % 64));
    loop {
        if word != 0 {
            return (wi * 64 + word.trailing_zeros() as usize).min(limit);
        }
        wi += 1;
        match bits.get(wi) {
            Some(&w) => word = w,
            None => return limit,
        }
    }
}

/// The first clear bit at or after `from`, or `limit`.
#[inline]
fn next_clear(bits: &[u64], from: usize, limit: usize) -> usize {
    let mut wi = from / 64;
    let Some(&first) = bits.get(wi) else { return limit };
    let mut word = !first & (!0u64 << (from % 64));
    loop {
        if word != 0 {
            return (wi * 64 + word.trailing_zeros() as usize).min(limit);
        }
        wi += 1;
        match bits.get(wi) {
            Some(&w) => word = !w,
            None => return limit,
        }
    }
}

/// The mask of bits `[lo, hi)` of word `wi`.
#[inline]
fn word_mask(wi: usize, lo: usize, hi: usize) -> u64 {
    let (a, b) = (lo.max(wi * 64) - wi * 64, hi.min(wi * 64 + 64) - wi * 64);
    if b >= 64 { !0u64 << a } else { (!0u64 << a) & !(!0u64 << b) }
}

/// Sets bits `[lo, hi)` (`lo < hi`).
#[inline]
fn set_bits(bits: &mut [u64], lo: usize, hi: usize) {
    for wi in lo / 64..=(hi - 1) / 64 {
        bits[wi] |= word_mask(wi, lo, hi);
    }
}

/// Clears bits `[lo, hi)` (`lo < hi`).
#[inline]
fn clear_bits(bits: &mut [u64], lo: usize, hi: usize) {
    for wi in lo / 64..=(hi - 1) / 64 {
        bits[wi] &= !word_mask(wi, lo, hi);
    }
}

/// `v.ceil()` as i64 (|v| < 2^31), without a libm call.
#[inline]
fn ceil_i64(v: f32) -> i64 {
    let t = v as i64;
    if (t as f32) < v {
        t + 1
    } else {
        t
    }
}

/// `v.ceil()` as usize for `v >= 0` (0 below), without a libm call.
#[inline]
fn ceil_usize(v: f32) -> usize {
    let t = v.max(0.0) as usize;
    if (t as f32) < v {
        t + 1
    } else {
        t
    }
}

/// Where a fill's colour comes from, per pixel: one colour, or a shader.
/// Generic (not `dyn`) so each kind of fill gets its own inner loop.
pub(crate) trait Source {
    /// The premultiplied RGBA8 colour (little-endian u32) at absolute device
    /// pixel (x, y).
    fn at(&self, x: usize, y: usize) -> u32;
    /// Whether every colour is opaque (full coverage then just stores it).
    fn opaque(&self) -> bool;
}

/// One premultiplied colour everywhere.
struct Solid(u32);

impl Source for Solid {
    #[inline(always)]
    fn at(&self, _x: usize, _y: usize) -> u32 {
        self.0
    }
    #[inline(always)]
    fn opaque(&self) -> bool {
        self.0 >> 24 == 255
    }
}

/// A per-pixel shader: `shade(x, y)` (absolute device pixel).
pub(crate) struct Shaded<F: Fn(usize, usize) -> u32>(pub F);

impl<F: Fn(usize, usize) -> u32> Source for Shaded<F> {
    #[inline(always)]
    fn at(&self, x: usize, y: usize) -> u32 {
        (self.0)(x, y)
    }
    #[inline(always)]
    fn opaque(&self) -> bool {
        false
    }
}

/// Fills `path` (band-local contours) into `pixels` (premultiplied RGBA8 rows
/// of `width` pixels; the band starts at absolute row `top`) with `color`,
/// source-over, anti-aliased. `clip`: optional per-pixel coverage mask.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fill(
    cov: &mut Coverage,
    pixels: &mut [u8],
    width: usize,
    height: usize,
    top: u32,
    path: &BandPath,
    rule: Rule,
    color: Color,
    clip: Option<&[u8]>,
) {
    let c = sanitize(color);
    if c.a <= 0.0 {
        return;
    }
    // Premultiplied source, 0..=255.
    let solid = [c.r * c.a, c.g * c.a, c.b * c.a, c.a].map(|v| (v * 255.0 + 0.5) as u8);
    fill_with(cov, pixels, width, height, top, path, rule, &Solid(u32::from_le_bytes(solid)), clip)
}

/// [`fill`] with a per-pixel source instead of one colour.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fill_with<S: Source>(
    cov: &mut Coverage,
    pixels: &mut [u8],
    width: usize,
    height: usize,
    top: u32,
    path: &BandPath,
    rule: Rule,
    source: &S,
    clip: Option<&[u8]>,
) {
    if width == 0 || height == 0 {
        return;
    }
    let opaque = source.opaque();
    // The box of the contours (band-local; BandPath keeps them inside the band).
    let (mut minx, mut miny, mut maxx, mut maxy) = (f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY);
    for p in &path.pts {
        minx = minx.min(p[0]);
        maxx = maxx.max(p[0]);
        miny = miny.min(p[1]);
        maxy = maxy.max(p[1]);
    }
    if !(minx <= maxx && miny < maxy) {
        return;
    }
    let bx0 = (minx.max(0.0) as usize).min(width);
    let bx1 = (maxx.max(0.0) as usize).clamp(bx0, width);
    let by0 = (miny.max(0.0) as usize).min(height);
    let by1 = ceil_usize(maxy).clamp(by0, height);
    if by0 >= by1 {
        return;
    }
    cov.reset(width, bx0, bx1, by0, by1);
    let topf = top as f32;
    let n = path.starts.len();
    for (ci, &s) in path.starts.iter().enumerate() {
        let e = if ci + 1 < n { path.starts[ci + 1] } else { path.pts.len() };
        if e - s < 3 {
            continue;
        }
        let pts = &path.pts[s..e];
        for i in 0..pts.len() {
            let a = pts[i];
            let b = pts[if i + 1 < pts.len() { i + 1 } else { 0 }];
            if rule != Rule::NonZero {
                cov.add_edge(a, b, topf);
            } else {
                cov.add_crossings(a, b);
            }
        }
    }
    if rule == Rule::NonZero {
        cov.resolve_crossings();
    }

    let stride = cov.stride;
    let words = cov.words;
    let (xo, yo) = (cov.x_off, cov.y_off);
    // Coverage 0..=255 of a winding sum (0 below 1/510, 255 above 1 - 1/510).
    let cover_of = |sum: f32| -> u32 {
        let mut w = sum.abs();
        if rule == Rule::EvenOdd && w > 1.0 {
            // Distance to the nearest even number.
            let t = w - 2.0 * ((w * 0.5) as u32 as f32);
            w = if t > 1.0 { 2.0 - t } else { t };
        }
        // Round to nearest (ties to even) through the float's mantissa: no
        // saturating conversion needed for a value known to be in 0..=255.
        ((w.min(1.0) * 255.0 + 8_388_608.0).to_bits() & 0x1FF).min(255)
    };
    for br in cov.y0..cov.y1 {
        let (x0, x1) = cov.spans[br];
        if x0 >= x1 {
            continue;
        }
        cov.spans[br] = (u32::MAX, 0);
        let (x0, x1) = (x0 as usize, x1 as usize);
        let r = br + yo;
        let row = &mut cov.acc[br * stride..br * stride + stride];
        let bits = &mut cov.touched[br * words..(br + 1) * words];
        let px_row = &mut pixels[r * width * 4..(r + 1) * width * 4];
        let mask_row = clip.map(|m| &m[r * width..(r + 1) * width]);
        let mut sum = 0.0f32;
        let y = r + top as usize;
        let mut c = x0;
        while c < x1 {
            let end = next_clear(bits, c, x1);
            if end > c {
                // Touched cells: the running sum changes.
                clear_bits(bits, c, end);
                for (i, cell) in row[c..end].iter_mut().enumerate() {
                    sum += *cell;
                    *cell = 0.0;
                    let px = c + i + xo;
                    if px < width {
                        let cover = cover_of(sum);
                        if cover > 0 {
                            paint(source, px_row, mask_row, px, y, cover, opaque);
                        }
                    }
                }
                c = end;
            } else {
                // Untouched cells up to the next touched one: constant coverage.
                let next = next_set(bits, c, x1);
                let cover = cover_of(sum);
                let start = (c + xo).min(width);
                let end = (next + xo).min(stride + xo).min(width);
                if cover == 255 && opaque && mask_row.is_none() {
                    for x in start..end {
                        px_row[x * 4..x * 4 + 4].copy_from_slice(&source.at(x, y).to_le_bytes());
                    }
                } else if cover > 0 {
                    for x in start..end {
                        paint(source, px_row, mask_row, x, y, cover, opaque);
                    }
                }
                c = next;
            }
        }
    }
    cov.y0 = cov.rows;
    cov.y1 = 0;
}

/// Composites `source` at (x, y) with coverage `cover / 255` (times the
/// clip mask's, if any) into `px_row`.
#[inline(always)]
fn paint<S: Source>(source: &S, px_row: &mut [u8], mask_row: Option<&[u8]>, x: usize, y: usize, cover: u32, opaque: bool) {
    let mut cover = cover;
    if let Some(m) = mask_row {
        cover = (cover * m[x] as u32 + 127) / 255;
        if cover == 0 {
            return;
        }
    }
    let p = &mut px_row[x * 4..x * 4 + 4];
    let src = source.at(x, y);
    if cover == 255 && (opaque || src >> 24 == 255) {
        p.copy_from_slice(&src.to_le_bytes());
    } else if src != 0 {
        p.copy_from_slice(&over(src, cover, u32::from_le_bytes([p[0], p[1], p[2], p[3]])).to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(w: usize, h: usize, top: u32, rings: &[&[[f32; 2]]], rule: Rule, color: Color) -> Vec<u8> {
        let mut bp = BandPath::default();
        bp.reset(w as u32, top, top + h as u32);
        for r in rings {
            bp.add_ring(r);
        }
        let mut px = vec![0u8; w * h * 4];
        fill(&mut Coverage::default(), &mut px, w, h, top, &bp, rule, color, None);
        px
    }

    fn alpha(px: &[u8], w: usize, x: usize, y: usize) -> u8 {
        px[(y * w + x) * 4 + 3]
    }

    #[test]
    fn exact_area_coverage() {
        let red = Color::new(1.0, 0.0, 0.0, 1.0);
        // A square from x 2.5 to 6 and y 1 to 3.25.
        let sq = [[2.5, 1.0], [6.0, 1.0], [6.0, 3.25], [2.5, 3.25]];
        let px = render(8, 4, 0, &[&sq], Rule::NonZero, red);
        assert_eq!(alpha(&px, 8, 1, 1), 0);
        assert_eq!(alpha(&px, 8, 2, 1), 128);
        assert_eq!(&px[(8 + 3) * 4..(8 + 4) * 4], &[255, 0, 0, 255]);
        assert_eq!(alpha(&px, 8, 5, 2), 255);
        assert_eq!(alpha(&px, 8, 6, 2), 0);
        assert_eq!(alpha(&px, 8, 4, 3), 64);
        assert_eq!(alpha(&px, 8, 2, 3), 32);
        // A right triangle with a 45° hypotenuse through pixel corners: half
        // coverage on the diagonal.
        let tri = [[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]];
        let px = render(4, 4, 0, &[&tri], Rule::NonZero, red);
        for i in 0..4 {
            assert_eq!(alpha(&px, 4, 3 - i, i), 128, "diagonal {i}");
        }
        assert_eq!(alpha(&px, 4, 0, 0), 255);
        assert_eq!(alpha(&px, 4, 3, 3), 0);
    }

    #[test]
    fn fill_rules_and_translucency() {
        let outer: [[f32; 2]; 4] = [[0.0, 0.0], [8.0, 0.0], [8.0, 8.0], [0.0, 8.0]];
        let same_way: [[f32; 2]; 4] = [[2.0, 2.0], [6.0, 2.0], [6.0, 6.0], [2.0, 6.0]];
        let blue = Color::new(0.0, 0.0, 1.0, 0.5);
        let eo = render(8, 8, 0, &[&outer, &same_way], Rule::EvenOdd, blue);
        assert_eq!(&eo[(4 * 8 + 4) * 4..(4 * 8 + 5) * 4], &[0, 0, 0, 0], "even-odd hole");
        assert_eq!(&eo[(8 + 1) * 4..(8 + 2) * 4], &[0, 0, 128, 128]);
        let nz = render(8, 8, 0, &[&outer, &same_way], Rule::NonZero, blue);
        assert_eq!(&nz[(4 * 8 + 4) * 4..(4 * 8 + 5) * 4], &[0, 0, 128, 128], "non-zero fills");
    }

    #[test]
    fn overlapping_non_zero_contours_are_not_over_counted() {
        // Two copies of a square whose left edge half-covers column 2: the
        // union still half-covers it (summing areas would give full coverage).
        let sq: [[f32; 2]; 4] = [[2.5, 0.0], [6.0, 0.0], [6.0, 4.0], [2.5, 4.0]];
        let black = Color::new(0.0, 0.0, 0.0, 1.0);
        let px = render(8, 4, 0, &[&sq, &sq], Rule::NonZero, black);
        assert_eq!(alpha(&px, 8, 2, 1), 128);
        assert_eq!(alpha(&px, 8, 4, 1), 255);
        // Summed: the fringes add up.
        let px = render(8, 4, 0, &[&sq, &sq], Rule::Summed, black);
        assert_eq!(alpha(&px, 8, 2, 1), 255);
    }

    #[test]
    fn touched_bits_runs_across_words() {
        let mut bits = [0u64; 3];
        set_bits(&mut bits, 60, 130);
        assert_eq!(next_set(&bits, 0, 192), 60);
        assert_eq!(next_clear(&bits, 60, 192), 130);
        assert_eq!(next_clear(&bits, 0, 192), 0);
        clear_bits(&mut bits, 62, 128);
        assert_eq!(next_clear(&bits, 60, 192), 62);
        assert_eq!(next_set(&bits, 62, 192), 128);
        assert_eq!(next_clear(&bits, 128, 192), 130);
        // The limit caps the answers.
        assert_eq!(next_clear(&bits, 128, 129), 129);
        assert_eq!(next_set(&bits, 130, 150), 150);
        clear_bits(&mut bits, 0, 192);
        assert_eq!(bits, [0; 3]);
    }

    #[test]
    fn rows_do_not_depend_on_the_band() {
        // The same slanted shape drawn in one band and in two bands that split
        // it at a strip boundary gives the same bytes.
        let shape: [[f32; 2]; 5] = [[3.3, 1.7], [61.9, 20.2], [40.1, 90.6], [1.2, 70.3], [20.7, 40.0]];
        let c = Color::new(0.2, 0.6, 0.4, 0.8);
        for rule in [Rule::EvenOdd, Rule::NonZero, Rule::Summed] {
            let whole = render(64, 96, 0, &[&shape], rule, c);
            let upper = render(64, 32, 0, &[&shape], rule, c);
            let lower = render(64, 64, 32, &[&shape], rule, c);
            assert_eq!(&whole[..64 * 32 * 4], &upper[..]);
            assert_eq!(&whole[64 * 32 * 4..], &lower[..]);
        }
    }
}
