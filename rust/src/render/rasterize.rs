//! The rasterizer: draws a display list into premultiplied RGBA8, in parallel
//! horizontal bands. Every band draws every command clipped to itself; the
//! output bytes are the same for any thread count (see `band_path`).

use super::backend::{Canvas, SkiaCanvas, SkiaScratch};
use super::band_path::{BandPath, STRIP};
use super::circle::draw_circles;
use super::extrusion::draw_faces;
use super::display_list::{ClipQuad, DisplayList, DrawCommand};
use super::display_list::{PatternFillStyle, PatternOutline};
use super::fill::{draw_fill, draw_pattern_fill, outline_of, FillScratch};
use super::stroke::Stroked;
use super::pattern::PatternShader;
use super::raster::RasterShader;
use super::icon::draw_icons;
use super::sdf::draw_sdf;
use super::geom::{group_polygons, FillPart, LinePart, Poly};
use super::image::Image;
use super::line::{draw_line, LineScratch};
use super::work::{Cut, Target};
use std::collections::HashMap;
use std::sync::Mutex;

/// What a command needs in every band, computed once.
struct Prep {
    /// Device-space bounds of everything the command may touch
    /// (min x, min y, max x, max y); `None`: draws nothing.
    bounds: Option<[f32; 4]>,
    /// Fill commands: the polygons (ring ranges) with their vertical extents.
    polygons: Vec<Poly>,
    /// Vertical extent (min y, max y) of everything drawn for each ring
    /// (fills: ring and outline) or polyline (lines: the whole stroke);
    /// empty when nothing is drawn.
    spans: Vec<[f32; 2]>,
    /// Fill commands with an outline: the outline, stroked.
    outline: Option<Stroked>,
    /// Pixel visits drawing it may take (see `work`).
    work: f64,
}

/// What every band needs of a display list, computed once: it can be kept
/// with the list and reused for every frame drawn from it (a re-render of
/// an unchanged view prepares nothing).
pub struct Prepared {
    preps: Vec<Prep>,
    cut: Option<Cut>,
}

impl Prepared {
    /// Prepares `list` on up to `threads` threads (as many as would draw
    /// it, see [`rasterize`]; the result does not depend on the count).
    pub fn new(list: &DisplayList, threads: usize) -> Prepared {
        Prepared::within(list, threads, u64::MAX, &[])
    }

    /// [`Prepared::new`], keeping the commands whose pixel visits fit
    /// `max_work` in paint order, and each group's (`groups`: the first
    /// command of each, e.g. of each style layer) a share of it (see
    /// [`super::work::keep_within`]); the others draw nothing and are counted
    /// in [`Prepared::cut`].
    pub fn within(list: &DisplayList, threads: usize, max_work: u64, groups: &[usize]) -> Prepared {
        let commands = &list.commands;
        let target = Target::new(list.width, list.height);
        let threads = band_threads(list, threads).clamp(1, 64).min(commands.len().div_ceil(64)).max(1);
        let mut preps: Vec<Prep> = if threads == 1 {
            let mut scratch = FillScratch::default();
            commands.iter().map(|c| prepare(c, &mut scratch, target)).collect()
        } else {
            let chunk = commands.len().div_ceil(threads);
            let parts: Vec<Vec<Prep>> = std::thread::scope(|s| {
                let handles: Vec<_> = commands
                    .chunks(chunk)
                    .map(|cmds| {
                        s.spawn(move || {
                            let mut scratch = FillScratch::default();
                            cmds.iter().map(|c| prepare(c, &mut scratch, target)).collect::<Vec<Prep>>()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
            });
            parts.into_iter().flatten().collect()
        };
        let works: Vec<f64> = preps.iter().map(|p| p.work).collect();
        let cut = super::work::keep_within(&works, groups, max_work);
        for &i in cut.iter().flat_map(|c| &c.skipped) {
            preps[i].bounds = None;
        }
        Prepared { preps, cut }
    }

    /// What the bound given to [`Prepared::within`] left undrawn, if anything.
    pub fn cut(&self) -> Option<&Cut> {
        self.cut.as_ref()
    }

    /// Whether this preparation belongs to `list` (one entry per command).
    fn fits(&self, list: &DisplayList) -> bool {
        self.preps.len() == list.commands.len()
    }
}

/// Pixels of the target per rasterizer thread: below 2 x this, one thread.
const PIXELS_PER_THREAD: usize = 1 << 17;

/// Rasterizes `list` with up to `threads` threads (0 is treated as 1; small
/// targets use fewer, see [`PIXELS_PER_THREAD`]).
///
/// The result starts fully transparent; commands are drawn in order with
/// source-over. A target too large to allocate yields an empty 0x0 image.
pub fn rasterize(list: &DisplayList, threads: usize) -> Image {
    // Small targets (a 256 px tile) draw faster on one thread: starting
    // threads and splitting commands over bands costs more than it saves.
    let threads = band_threads(list, threads);
    rasterize_with(list, &Prepared::new(list, threads), threads)
}

/// [`rasterize`] with the list's preparation made earlier (see
/// [`Prepared`]); one that does not belong to `list` is made again.
pub fn rasterize_prepared(list: &DisplayList, prepared: &Prepared, threads: usize) -> Image {
    let threads = band_threads(list, threads);
    if !prepared.fits(list) {
        return rasterize_with(list, &Prepared::new(list, threads), threads);
    }
    rasterize_with(list, prepared, threads)
}

/// The threads a frame is split over (at most one per [`PIXELS_PER_THREAD`]).
fn band_threads(list: &DisplayList, threads: usize) -> usize {
    let pixels = list.width as usize * list.height as usize;
    threads.min((pixels / PIXELS_PER_THREAD).max(1))
}

/// [`rasterize`] with exactly `threads` threads (and their bands) whatever
/// the target's size: the bytes are the same for every count.
pub fn rasterize_in_bands(list: &DisplayList, threads: usize) -> Image {
    rasterize_with(list, &Prepared::new(list, threads), threads)
}

fn rasterize_with(list: &DisplayList, prepared: &Prepared, threads: usize) -> Image {
    let (w, h) = (list.width, list.height);
    let len = (w as usize).checked_mul(h as usize).and_then(|n| n.checked_mul(4));
    let Some(data) = len.and_then(zeroed) else { return Image::default() };
    let len = data.len();
    let mut image = Image { width: w, height: h, data };
    if len == 0 {
        return image;
    }

    let preps = &prepared.preps;
    let threads = threads.clamp(1, 64);
    let strips = h.div_ceil(STRIP) as usize;
    let bands = if threads == 1 { 1 } else { (threads * 3).min(strips) };
    let row_bytes = w as usize * 4;
    // Split rows into `bands` bands of whole strips.
    let mut slices: Vec<(u32, &mut [u8])> = Vec::with_capacity(bands);
    let mut rest: &mut [u8] = &mut image.data;
    let mut row = 0u32;
    for b in 0..bands {
        let end_strip = (strips * (b + 1)) / bands;
        let end_row = ((end_strip as u32) * STRIP).min(h);
        if end_row <= row {
            continue;
        }
        let (head, tail) = std::mem::take(&mut rest).split_at_mut((end_row - row) as usize * row_bytes);
        slices.push((row, head));
        rest = tail;
        row = end_row;
    }
    // Heaviest bands first (by the area of what they draw), so that no
    // thread is left with a heavy band at the end; the bytes do not depend
    // on which thread draws which band.
    let (wf, hf) = (w as f32, h as f32);
    let cost = |top: u32, rows: usize| -> f64 {
        let (t, b) = (top as f32, (top as usize + rows) as f32);
        preps
            .iter()
            .filter_map(|p| p.bounds)
            .map(|bb| {
                let dy = (bb[3].min(b) - bb[1].max(t)).max(0.0);
                let dx = (bb[2].min(wf) - bb[0].max(0.0)).clamp(0.0, wf);
                (dx * dy.min(hf)) as f64
            })
            .sum()
    };
    let mut costed: Vec<(f64, (u32, &mut [u8]))> =
        slices.into_iter().map(|(top, slice)| (cost(top, slice.len() / row_bytes), (top, slice))).collect();
    costed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let slices: Vec<(u32, &mut [u8])> = costed.into_iter().map(|(_, s)| s).collect();
    let threads = threads.min(slices.len()).max(1);
    let queue = Mutex::new(slices);
    let work = || {
        let mut worker = Worker::take();
        loop {
            let next = match queue.lock() {
                Ok(mut q) => q.pop(),
                Err(_) => None,
            };
            let Some((top, slice)) = next else { break };
            worker.paint_band(list, preps, top, slice);
        }
        worker.give_back();
    };
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 1..threads {
                s.spawn(work);
            }
            work();
        });
    }
    image
}

/// `len` zero bytes, or `None` when they cannot be allocated. Zeroed by the
/// allocator (fresh pages from the system are already zero), so a large
/// frame is not cleared byte by byte on one thread before the bands start.
fn zeroed(len: usize) -> Option<Vec<u8>> {
    if len == 0 {
        return Some(Vec::new());
    }
    let layout = std::alloc::Layout::array::<u8>(len).ok()?;
    // SAFETY: the layout has a non-zero size; a non-null result is a block of
    // `len` initialized (zero) bytes with u8's alignment, allocated by the
    // global allocator with exactly this layout, which is what
    // `Vec::from_raw_parts` requires (capacity = length = len).
    unsafe {
        let ptr = std::alloc::alloc_zeroed(layout);
        (!ptr.is_null()).then(|| Vec::from_raw_parts(ptr, len, len))
    }
}

/// The box of the finite points of `pts`.
pub(super) fn finite_bounds<'a>(pts: impl Iterator<Item = &'a [f32; 2]>) -> Option<[f32; 4]> {
    let mut b = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
    for p in pts {
        if p[0].is_finite() && p[1].is_finite() {
            b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
        }
    }
    (b[0] <= b[2]).then_some(b)
}

fn grow(b: [f32; 4], d: f32) -> [f32; 4] {
    let d = if d.is_finite() { d.max(0.0) } else { f32::MAX };
    [b[0] - d, b[1] - d, b[2] + d, b[3] + d]
}

fn nonneg(v: f32) -> f32 {
    if v.is_finite() {
        v.max(0.0)
    } else {
        0.0
    }
}

/// The vertical extent of `pts` grown by `d`; empty (never visible) without
/// finite points.
fn span_of(pts: &[[f32; 2]], d: f32) -> [f32; 2] {
    match finite_bounds(pts.iter()) {
        Some(b) => {
            let g = grow(b, d);
            [g[1], g[3]]
        }
        None => [f32::INFINITY, f32::NEG_INFINITY],
    }
}

fn prepare(cmd: &DrawCommand, scratch: &mut FillScratch, target: Target) -> Prep {
    let clip = clip_of(cmd);
    // The clip's box, when it has one (a clip without one draws nothing).
    let clip_box = clip.map(|q| finite_bounds(q.0.iter()).filter(|_| q.0.iter().all(|p| p[0].is_finite() && p[1].is_finite())));
    let target = match clip_box {
        Some(Some(c)) => target.within(grow(c, 1.0)),
        _ => target,
    };
    let mut outline = None;
    let mut polygons = Vec::new();
    let mut spans = Vec::new();
    // Pixel visits, for the commands whose bounds are not the measure.
    let mut work = None;
    // What one visit costs against a fill's (see `work::RASTER_VISIT_COST`).
    let mut visit_cost = 1.0;
    let bounds = match cmd {
        DrawCommand::Background { color } => (color.a > 0.0).then_some([f32::MIN, f32::MIN, f32::MAX, f32::MAX]),
        DrawCommand::BackgroundPattern { pattern } => {
            PatternShader::new(pattern).map(|_| [f32::MIN, f32::MIN, f32::MAX, f32::MAX])
        }
        DrawCommand::Heatmap { image } => super::heatmap::drawable(image).then_some([f32::MIN, f32::MIN, f32::MAX, f32::MAX]),
        DrawCommand::Fill { .. } | DrawCommand::PatternFill { .. } => {
            let (rings, fill_visible, outline_visible, perspective) = match cmd {
                DrawCommand::Fill { rings, style, .. } => {
                    (rings, style.color.a > 0.0, style.outline.is_some_and(|c| c.a > 0.0), style.perspective.is_some())
                }
                DrawCommand::PatternFill { rings, style, .. } => {
                    (rings, pattern_visible(style), pattern_outline_visible(style), style.perspective.is_some())
                }
                _ => unreachable!(),
            };
            let visible = fill_visible || outline_visible;
            // Outlines drawn as MapLibre's lines (`perspective`) need no stroke.
            if outline_visible && !perspective {
                outline = outline_of(rings, scratch);
            }
            let mut ranges = Vec::new();
            if visible {
                group_polygons(rings, &mut ranges);
            }
            if visible && !ranges.is_empty() || outline_visible {
                spans.extend(rings.iter().map(|r| span_of(r, 2.0)));
                polygons.extend(ranges.into_iter().map(|r| {
                    let y = spans[r.clone()].iter().fold([f32::INFINITY, f32::NEG_INFINITY], |a, s| [a[0].min(s[0]), a[1].max(s[1])]);
                    Poly { rings: r, y }
                }));
                work = Some(target.polygons(rings, &polygons, 2.0) + outline.as_ref().map_or(0.0, |_| target.segments(rings, 2.0)));
                finite_bounds(rings.iter().flatten()).map(|b| grow(b, 2.0))
            } else {
                None
            }
        }
        DrawCommand::Line { lines, style, .. } => {
            if style.color.a > 0.0 && nonneg(style.width) > 0.0 {
                let w = nonneg(style.width);
                let half = nonneg(style.gap_width) / 2.0 + w;
                let offset = if style.offset.is_finite() { style.offset.abs() } else { 0.0 };
                let miter = if style.miter_limit.is_finite() { style.miter_limit.max(2.0) } else { 2.0 };
                let d = 2.0 * offset + half * miter + nonneg(style.blur) + 2.0;
                // What the pen visits per segment: its quads' reach.
                let reach = super::line::line_outset(w, nonneg(style.gap_width)) + offset + nonneg(style.blur) + 1.0;
                match &style.ground {
                    // On the ground: `d` in ground units around the points, projected.
                    Some(g) => {
                        work = Some(target.ground_segments(g, lines, reach));
                        let boxes: Vec<[f32; 4]> = lines.iter().map(|l| g.polyline_bounds(l, d)).collect();
                        spans.extend(boxes.iter().map(|b| [b[1], b[3]]));
                        let b = boxes.iter().fold([f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY], |a, b| {
                            [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]
                        });
                        (b[0] <= b[2] && b[1] <= b[3]).then(|| grow(b, 1.0))
                    }
                    None => {
                        work = Some(target.segments(lines, reach));
                        spans.extend(lines.iter().map(|l| span_of(l, d)));
                        finite_bounds(lines.iter().flatten()).map(|b| grow(b, d))
                    }
                }
            } else {
                None
            }
        }
        DrawCommand::Raster { rings, style, .. } => {
            visit_cost = super::work::RASTER_VISIT_COST;
            RasterShader::new(style).and_then(|_| finite_bounds(rings.iter().flatten())).map(|b| grow(b, 1.0))
        }
        DrawCommand::Sdf { quads, .. } => {
            work = Some(target.boxes(quads.iter().map(|q| q.corners.iter()), 1.0));
            finite_bounds(quads.iter().flat_map(|q| q.corners.iter())).map(|b| grow(b, 1.0))
        }
        DrawCommand::Icons { quads } => {
            work = Some(target.boxes(quads.iter().map(|q| q.corners.iter()), 1.0));
            finite_bounds(quads.iter().flat_map(|q| q.corners.iter())).map(|b| grow(b, 1.0))
        }
        DrawCommand::Extrusion { faces, opacity } => {
            let visible = opacity.is_finite() && *opacity > 0.0;
            // Faces draw into an offscreen image composited once.
            work = Some(target.boxes(faces.iter().map(|f| f.rings.iter().flatten()), 1.0) + target.all());
            finite_bounds(faces.iter().flat_map(|f| f.rings.iter().flatten())).filter(|_| visible).map(|b| grow(b, 1.0))
        }
        DrawCommand::Circle { centers, style, .. } => {
            let outer = nonneg(style.radius) + nonneg(style.stroke_width);
            let s = |v: f32| if v.is_finite() && v > 0.0 { v.min(1.0e3) } else { 1.0 };
            let visible = style.color.a > 0.0 || (style.stroke_color.a > 0.0 && nonneg(style.stroke_width) > 0.0);
            if visible && outer > 0.0 {
                let d = outer * s(style.scale[0]).max(s(style.scale[1])) + 1.0;
                work = Some(target.squares(centers, d));
                finite_bounds(centers.iter()).map(|b| grow(b, d))
            } else {
                None
            }
        }
    };
    // Intersect with the clip quad's bounds.
    let bounds = match (bounds, clip_box) {
        (Some(b), Some(Some(c))) => {
            let r = [b[0].max(c[0] - 1.0), b[1].max(c[1] - 1.0), b[2].min(c[2] + 1.0), b[3].min(c[3] + 1.0)];
            (r[0] <= r[2] && r[1] <= r[3]).then_some(r)
        }
        (None, _) | (_, Some(None)) => None,
        (b, None) => b,
    };
    // Nothing drawn costs nothing; whole-target layers and rasters cost
    // their (clipped) bounds.
    let work = match bounds {
        None => 0.0,
        Some(b) => work.map_or_else(|| target.area(b), |w| w.min(f64::MAX)) * visit_cost,
    };
    Prep { bounds, polygons, spans, outline, work }
}

/// Composites an offscreen layer (premultiplied) over `dst` at `opacity`.
fn composite_layer(dst: &mut [u8], layer: &[u8], opacity: f32) {
    let k = opacity.clamp(0.0, 1.0);
    for (d, s) in dst.chunks_exact_mut(4).zip(layer.chunks_exact(4)) {
        if s[3] == 0 {
            continue;
        }
        let inv = 1.0 - f32::from(s[3]) / 255.0 * k;
        for i in 0..4 {
            d[i] = (f32::from(s[i]) * k + f32::from(d[i]) * inv + 0.5).clamp(0.0, 255.0) as u8;
        }
    }
}

fn pattern_visible(style: &PatternFillStyle) -> bool {
    PatternShader::new(&style.pattern).is_some()
}

fn pattern_outline_visible(style: &PatternFillStyle) -> bool {
    match &style.outline {
        PatternOutline::None => false,
        PatternOutline::Pattern => pattern_visible(style),
        PatternOutline::Color(c) => c.a > 0.0,
    }
}

fn clip_of(cmd: &DrawCommand) -> Option<&ClipQuad> {
    match cmd {
        DrawCommand::Fill { clip, .. }
        | DrawCommand::PatternFill { clip, .. }
        | DrawCommand::Line { clip, .. }
        | DrawCommand::Circle { clip, .. }
        | DrawCommand::Raster { clip, .. } => clip.as_ref(),
        DrawCommand::Background { .. }
        | DrawCommand::BackgroundPattern { .. }
        | DrawCommand::Heatmap { .. }
        | DrawCommand::Sdf { .. }
        | DrawCommand::Icons { .. }
        | DrawCommand::Extrusion { .. } => None,
    }
}

/// How a clip quad affects one band.
enum ClipState<M> {
    /// Nothing of the band is inside.
    Outside,
    /// The whole band is inside: no mask needed.
    Full,
    /// An axis-aligned rectangle: pixels `[x0, y0, x1, y1)` (absolute); the
    /// geometry is clipped to it, no mask needed.
    Rect([i64; 4]),
    Mask(M),
}

/// Per-thread reusable state.
#[derive(Default)]
struct Worker {
    bp: BandPath,
    backend: Option<SkiaScratch>,
    lines: LineScratch,
    /// Extrusion layers: the band's offscreen image and depth buffer.
    offscreen: Vec<u8>,
    depth: Vec<f32>,
}

/// Workers (their scratch buffers) kept between frames, so that a frame
/// starts with warm buffers instead of fresh allocations and page faults.
static SPARE_WORKERS: Mutex<Vec<Worker>> = Mutex::new(Vec::new());
/// At most this many spare workers, each holding at most `MAX_SPARE_BYTES`
/// (a worker that drew a huge target is dropped, not kept).
const MAX_SPARE_WORKERS: usize = 16;
const MAX_SPARE_BYTES: usize = 32 << 20;

impl Worker {
    fn take() -> Worker {
        SPARE_WORKERS.lock().ok().and_then(|mut spare| spare.pop()).unwrap_or_default()
    }

    fn give_back(self) {
        let extrusion = self.offscreen.capacity() + self.depth.capacity() * 4;
        let bytes = self.lines.heap_bytes() + self.backend.as_ref().map_or(0, SkiaScratch::heap_bytes) + extrusion;
        if bytes <= MAX_SPARE_BYTES {
            if let Ok(mut spare) = SPARE_WORKERS.lock() {
                if spare.len() < MAX_SPARE_WORKERS {
                    spare.push(self);
                }
            }
        }
    }
}

fn quad_key(q: &ClipQuad) -> [u32; 8] {
    let mut k = [0u32; 8];
    for (i, p) in q.0.iter().enumerate() {
        k[2 * i] = p[0].to_bits();
        k[2 * i + 1] = p[1].to_bits();
    }
    k
}

/// For an axis-aligned rectangular quad, the pixels whose centres are inside
/// it, `[x0, y0, x1, y1)` (the same rule makes adjacent tiles partition pixels).
fn pixel_rect(q: &[[f32; 2]; 4]) -> Option<[i64; 4]> {
    let aligned = (0..4).all(|i| {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        a[0] == b[0] || a[1] == b[1]
    });
    let b = finite_bounds(q.iter())?;
    if !aligned || b[0] == b[2] || b[1] == b[3] {
        return None;
    }
    let lim = |v: f32| ((v as f64 - 0.5).ceil()).clamp(-1.0e9, 1.0e9) as i64;
    Some([lim(b[0]), lim(b[1]), lim(b[2]), lim(b[3])])
}

/// Whether point `p` is inside or on the convex quad (either orientation).
fn in_convex_quad(q: &[[f32; 2]; 4], p: [f64; 2]) -> bool {
    let mut pos = false;
    let mut neg = false;
    for i in 0..4 {
        let a = q[i];
        let b = q[(i + 1) % 4];
        let cross = (b[0] as f64 - a[0] as f64) * (p[1] - a[1] as f64) - (b[1] as f64 - a[1] as f64) * (p[0] - a[0] as f64);
        if cross > 0.0 {
            pos = true;
        } else if cross < 0.0 {
            neg = true;
        }
    }
    !(pos && neg)
}

impl Worker {
    fn paint_band(&mut self, list: &DisplayList, preps: &[Prep], top: u32, slice: &mut [u8]) {
        self.paint_commands(list.width, list.height, &list.commands, preps, top, slice)
    }

    /// `w` x `h`: the whole image; the band is `slice`, from row `top`.
    fn paint_commands(&mut self, w: u32, h: u32, commands: &[DrawCommand], preps: &[Prep], top: u32, slice: &mut [u8]) {
        let band_h = (slice.len() / (w as usize * 4)) as u32;
        let bottom = top + band_h;
        let scratch = self.backend.take().unwrap_or_default();
        let Some(mut canvas) = SkiaCanvas::new(slice, w, band_h, top, scratch) else { return };
        let mut clips: HashMap<[u32; 8], ClipState<<SkiaCanvas as Canvas>::Clip>> = HashMap::new();
        self.bp.reset(w, top, bottom);
        let (topf, bottomf, wf) = (top as f32, bottom as f32, w as f32);
        let rows = [topf, bottomf];

        for (cmd, prep) in commands.iter().zip(preps) {
            let Some(b) = prep.bounds else { continue };
            if b[1] > bottomf || b[3] < topf || b[0] > wf || b[2] < 0.0 {
                continue;
            }
            let clip_quad = clip_of(cmd);
            let mut state_key = None;
            if let Some(q) = clip_quad {
                let key = quad_key(q);
                if !clips.contains_key(&key) {
                    if clips.len() >= 32 {
                        clips.clear();
                    }
                    let corners = [[0.0, top as f64], [w as f64, top as f64], [0.0, bottom as f64], [w as f64, bottom as f64]];
                    let state = if corners.iter().all(|c| in_convex_quad(&q.0, *c)) {
                        ClipState::Full
                    } else if let Some(r) = pixel_rect(&q.0) {
                        if r[0] >= r[2] || r[1] >= r[3] || r[1] >= bottom as i64 || r[3] <= top as i64 {
                            ClipState::Outside
                        } else {
                            ClipState::Rect(r)
                        }
                    } else {
                        self.bp.set_clip_rect(None);
                        self.bp.clear();
                        self.bp.add_ring(&q.0);
                        if self.bp.is_visible() {
                            match canvas.make_clip(&self.bp) {
                                Some(m) => ClipState::Mask(m),
                                None => ClipState::Outside,
                            }
                        } else {
                            ClipState::Outside
                        }
                    };
                    clips.insert(key, state);
                }
                state_key = Some(key);
            }
            let (clip, rect) = match state_key.and_then(|k| clips.get(&k)) {
                None | Some(ClipState::Full) => (None, None),
                Some(ClipState::Outside) => continue,
                Some(ClipState::Rect(r)) => (None, Some(*r)),
                Some(ClipState::Mask(m)) => (Some(m), None),
            };
            self.bp.set_clip_rect(rect);
            match cmd {
                DrawCommand::Background { color } => canvas.fill_all(*color),
                DrawCommand::Fill { rings, style, .. } => {
                    let part = FillPart { rings, polygons: &prep.polygons, outline: prep.outline.as_ref() };
                    draw_fill(&mut canvas, &mut self.bp, &part, style, rows, clip)
                }
                DrawCommand::Line { lines, style, .. } => {
                    let part = LinePart { lines, spans: &prep.spans };
                    draw_line(&mut canvas, top, &part, style, rows, clip, rect, &mut self.lines)
                }
                DrawCommand::Circle { centers, style, .. } => draw_circles(&mut canvas, top, centers, style, clip, rect),
                DrawCommand::BackgroundPattern { pattern } => {
                    if let Some(shader) = PatternShader::new(pattern) {
                        canvas.fill_all_pattern(&shader);
                    }
                }
                DrawCommand::Heatmap { image } => {
                    super::heatmap::draw_heatmap(canvas.pixels_mut(), w as usize, h as usize, top as usize, band_h as usize, image)
                }
                DrawCommand::PatternFill { rings, style, .. } => {
                    let part = FillPart { rings, polygons: &prep.polygons, outline: prep.outline.as_ref() };
                    draw_pattern_fill(&mut canvas, &mut self.bp, &part, style, rows, clip)
                }
                DrawCommand::Sdf { quads, paints, pixel_ratio } => {
                    draw_sdf(canvas.pixels_mut(), w as usize, top, band_h as usize, quads, paints, *pixel_ratio)
                }
                DrawCommand::Icons { quads } => draw_icons(canvas.pixels_mut(), w as usize, top, band_h as usize, quads),
                DrawCommand::Extrusion { faces, opacity } => {
                    let px = canvas.pixels_mut();
                    let offscreen = &mut self.offscreen;
                    offscreen.clear();
                    offscreen.resize(px.len(), 0);
                    draw_faces(offscreen, w as usize, top, band_h as usize, faces, &mut self.depth);
                    composite_layer(canvas.pixels_mut(), offscreen, *opacity);
                }
                DrawCommand::Raster { rings, style, .. } => {
                    if let Some(shader) = RasterShader::new(style) {
                        let clip_mask = clip.map(<SkiaCanvas as Canvas>::clip_coverage);
                        shader.fill_rings(canvas.pixels_mut(), w as usize, top, band_h as usize, rings, clip_mask);
                    }
                }
            }
        }
        self.backend = Some(canvas.into_scratch());
    }
}
