//! Fill painter: each polygon (exterior + holes) is filled with the even-odd
//! rule; the optional outline is a 1 px stroke along every ring of the
//! feature, filled once (one path), composited after the fill like MapLibre's
//! fill-outline pass.

use super::backend::Canvas;
use super::band_path::BandPath;
use super::display_list::{FillStyle, Px};
use super::geom::clean_polyline;
use std::ops::Range;
use tiny_skia::{PathBuilder, PathStroker, Stroke};

/// Reusable buffers for the fill painter.
#[derive(Default)]
pub(crate) struct FillScratch {
    clean: Vec<[f32; 2]>,
    builder: Option<PathBuilder>,
    stroker: Option<PathStroker>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_fill<C: Canvas>(
    canvas: &mut C,
    bp: &mut BandPath,
    rings: &[Vec<Px>],
    polygons: &[Range<usize>],
    style: &FillStyle,
    clip: Option<&C::Clip>,
    scratch: &mut FillScratch,
) {
    if style.color.a > 0.0 {
        for poly in polygons {
            bp.clear();
            for ring in &rings[poly.clone()] {
                bp.add_ring(ring);
            }
            canvas.fill_path(bp, true, style.antialias, style.color, clip);
        }
    }
    let Some(outline) = style.outline else { return };
    if !(outline.a > 0.0) {
        return;
    }
    let mut pb = scratch.builder.take().unwrap_or_default();
    pb.clear();
    for ring in rings {
        clean_polyline(ring, &mut scratch.clean);
        let mut pts = &scratch.clean[..];
        if pts.len() > 1 && pts.first() == pts.last() {
            pts = &pts[..pts.len() - 1];
        }
        if pts.len() < 2 {
            continue;
        }
        pb.move_to(pts[0][0], pts[0][1]);
        for p in &pts[1..] {
            pb.line_to(p[0], p[1]);
        }
        pb.close();
    }
    let Some(path) = pb.finish() else { return };
    let stroke = Stroke { width: 1.0, line_join: tiny_skia::LineJoin::Bevel, ..Stroke::default() };
    let stroker = scratch.stroker.get_or_insert_with(PathStroker::new);
    let out = stroker.stroke(&path, &stroke, 1.0);
    scratch.builder = Some(path.clear());
    if let Some(out) = out {
        bp.clear();
        bp.add_path(&out);
        canvas.fill_path(bp, false, true, outline, clip);
    }
}
