//! The rasterizer backend: the few operations the painters need from a 2D
//! library, behind a small trait so another backend can be swapped in.
//! The implementation lives here: anti-aliased fills go to the coverage
//! rasterizer (`coverage`), the rest to tiny-skia.

use super::band_path::BandPath;
use super::composite::sanitize;
use super::coverage::{self, Coverage};
use super::pattern::PatternShader;
pub(crate) use super::coverage::Rule;
use crate::style::color::Color;
use tiny_skia::{FillRule, Mask, Paint, PathBuilder, PixmapMut, Rect, Transform};

/// One band of the target: premultiplied RGBA8 rows.
pub(crate) trait Canvas {
    /// A band-sized coverage mask.
    type Clip;

    fn width(&self) -> u32;
    fn height(&self) -> u32;
    /// Source-over of `color` over the whole band.
    fn fill_all(&mut self, color: Color);
    /// Fills band-local contours, source-over.
    fn fill_path(&mut self, path: &BandPath, rule: Rule, antialias: bool, color: Color, clip: Option<&Self::Clip>);
    /// Source-over of a pattern over the whole band.
    fn fill_all_pattern(&mut self, shader: &PatternShader);
    /// Fills band-local contours with a pattern, source-over.
    fn fill_path_pattern(&mut self, path: &BandPath, rule: Rule, antialias: bool, shader: &PatternShader, clip: Option<&Self::Clip>);
    /// A mask covering the pixels whose centres lie inside `path` (aliased,
    /// so neighbouring clip regions partition pixels exactly).
    fn make_clip(&mut self, path: &BandPath) -> Option<Self::Clip>;
    /// The clip's coverage, one byte per band pixel, row-major.
    fn clip_coverage(clip: &Self::Clip) -> &[u8];
    /// Direct access to the band's premultiplied RGBA8 bytes for per-pixel painters.
    fn pixels_mut(&mut self) -> &mut [u8];
}

/// Reusable allocations of the tiny-skia backend (kept across bands).
#[derive(Default)]
pub(crate) struct SkiaScratch(PathBuilder, Coverage);

impl SkiaScratch {
    /// Bytes held by the coverage buffers.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.1.heap_bytes()
    }
}

/// tiny-skia backed band; anti-aliased fills use the exact-area coverage
/// rasterizer of `coverage`, aliased fills and clip masks tiny-skia.
pub(crate) struct SkiaCanvas<'a> {
    pixmap: PixmapMut<'a>,
    builder: Option<PathBuilder>,
    coverage: Coverage,
    /// The band's first row in the target.
    top: u32,
}

impl<'a> SkiaCanvas<'a> {
    /// `None` when the band is empty or the buffer size does not match.
    pub fn new(data: &'a mut [u8], width: u32, height: u32, top: u32, scratch: SkiaScratch) -> Option<Self> {
        let pixmap = PixmapMut::from_bytes(data, width, height)?;
        Some(SkiaCanvas { pixmap, builder: Some(scratch.0), coverage: scratch.1, top })
    }

    /// Gives the reusable allocations back.
    pub fn into_scratch(self) -> SkiaScratch {
        SkiaScratch(self.builder.unwrap_or_default(), self.coverage)
    }

    fn build(&mut self, path: &BandPath) -> Option<tiny_skia::Path> {
        let mut pb = self.builder.take().unwrap_or_default();
        pb.clear();
        let n = path.starts.len();
        for (ci, &s) in path.starts.iter().enumerate() {
            let e = if ci + 1 < n { path.starts[ci + 1] } else { path.pts.len() };
            if e - s < 3 {
                continue;
            }
            let pts = &path.pts[s..e];
            pb.move_to(pts[0][0], pts[0][1]);
            for p in &pts[1..] {
                pb.line_to(p[0], p[1]);
            }
            pb.close();
        }
        match pb.finish() {
            Some(p) => Some(p),
            None => {
                self.builder = Some(PathBuilder::new());
                None
            }
        }
    }

    fn recycle(&mut self, path: tiny_skia::Path) {
        self.builder = Some(path.clear());
    }
}

fn paint_for(color: Color, antialias: bool) -> Option<Paint<'static>> {
    let c = sanitize(color);
    if c.a <= 0.0 {
        return None;
    }
    let mut paint = Paint::default();
    paint.set_color(tiny_skia::Color::from_rgba(c.r, c.g, c.b, c.a)?);
    paint.anti_alias = antialias;
    Some(paint)
}

impl Canvas for SkiaCanvas<'_> {
    type Clip = Mask;

    fn width(&self) -> u32 {
        self.pixmap.width()
    }

    fn height(&self) -> u32 {
        self.pixmap.height()
    }

    fn fill_all(&mut self, color: Color) {
        let Some(paint) = paint_for(color, false) else { return };
        let c = sanitize(color);
        if c.a >= 1.0 {
            if let Some(col) = tiny_skia::Color::from_rgba(c.r, c.g, c.b, 1.0) {
                self.pixmap.fill(col);
            }
            return;
        }
        if let Some(rect) = Rect::from_xywh(0.0, 0.0, self.width() as f32, self.height() as f32) {
            self.pixmap.fill_rect(rect, &paint, Transform::identity(), None);
        }
    }

    fn fill_path(&mut self, path: &BandPath, rule: Rule, antialias: bool, color: Color, clip: Option<&Mask>) {
        if !path.is_visible() {
            return;
        }
        if antialias {
            let (w, h) = (self.width() as usize, self.height() as usize);
            let mask = clip.map(|m| m.data());
            coverage::fill(&mut self.coverage, self.pixmap.data_mut(), w, h, self.top, path, rule, color, mask);
            return;
        }
        let Some(paint) = paint_for(color, antialias) else { return };
        let Some(p) = self.build(path) else { return };
        let rule = if rule == Rule::EvenOdd { FillRule::EvenOdd } else { FillRule::Winding };
        self.pixmap.fill_path(&p, &paint, rule, Transform::identity(), clip);
        self.recycle(p);
    }

    fn fill_all_pattern(&mut self, shader: &PatternShader) {
        let (w, top) = (self.width() as usize, self.top);
        shader.fill_band(self.pixmap.data_mut(), w, top);
    }

    fn fill_path_pattern(&mut self, path: &BandPath, rule: Rule, antialias: bool, shader: &PatternShader, clip: Option<&Mask>) {
        if !path.is_visible() {
            return;
        }
        let (w, h, top) = (self.width() as usize, self.height() as usize, self.top);
        if antialias {
            let mask = clip.map(|m| m.data());
            let shade = coverage::Shaded(|x: usize, y: usize| shader.sample(x, y));
            coverage::fill_with(&mut self.coverage, self.pixmap.data_mut(), w, h, top, path, rule, &shade, mask);
            return;
        }
        // Aliased: the pixels whose centres are inside, like GL without
        // antialiasing. tiny-skia rounds span ends half up (a centre exactly on
        // a left or top edge is out, on a right or bottom edge in); GL's
        // top-left rule is the opposite: a shift far below the 1/256 px grid
        // of the contours turns the ties GL's way.
        let Some(mut mask) = Mask::new(self.width(), self.height()) else { return };
        let Some(p) = self.build(path) else { return };
        let rule = if rule == Rule::EvenOdd { FillRule::EvenOdd } else { FillRule::Winding };
        mask.fill_path(&p, rule, false, Transform::from_translate(-1.0 / 1024.0, -1.0 / 1024.0));
        self.recycle(p);
        shader.fill_masked(self.pixmap.data_mut(), w, top, mask.data(), clip.map(|m| m.data()));
    }

    fn make_clip(&mut self, path: &BandPath) -> Option<Mask> {
        let mut mask = Mask::new(self.width(), self.height())?;
        if path.is_visible() {
            if let Some(p) = self.build(path) {
                mask.fill_path(&p, FillRule::Winding, false, Transform::identity());
                self.recycle(p);
            }
        }
        Some(mask)
    }

    fn clip_coverage(clip: &Mask) -> &[u8] {
        clip.data()
    }

    fn pixels_mut(&mut self) -> &mut [u8] {
        self.pixmap.data_mut()
    }
}
