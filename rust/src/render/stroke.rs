//! Stroke geometry: dashing, joins, caps and miter limits, done by
//! tiny-skia's path stroker (tiny-skia-path), with the outline handed to a
//! [`BandPath`]. Only this module and `backend` know about tiny-skia.

use super::band_path::BandPath;
use super::display_list::{LineCap, LineJoin};
use tiny_skia::{Path, PathBuilder, PathSegment, PathStroker, Stroke, StrokeDash};

/// How to stroke.
pub(crate) struct StrokeParams<'a> {
    pub width: f32,
    pub cap: LineCap,
    pub join: LineJoin,
    pub miter_limit: f32,
    /// Dash pattern (even length, non-negative, positive sum).
    pub dash: Option<&'a [f32]>,
}

/// Collects polylines, then strokes them as one path. Reusable.
#[derive(Default)]
pub(crate) struct Stroker {
    builder: PathBuilder,
    stroker: Option<PathStroker>,
}

impl Stroker {
    /// Starts a new path.
    pub fn begin(&mut self) {
        self.builder.clear();
    }

    /// Adds an open (or, with `closed`, closed) polyline.
    pub fn add_polyline(&mut self, pts: &[[f32; 2]], closed: bool) {
        if pts.len() < 2 {
            return;
        }
        self.builder.move_to(pts[0][0], pts[0][1]);
        for p in &pts[1..] {
            self.builder.line_to(p[0], p[1]);
        }
        if closed {
            self.builder.close();
        }
    }

    /// Strokes the collected path; `None` when there is nothing to draw.
    /// The outline's contours are to be filled with the non-zero rule.
    pub fn stroke(&mut self, params: &StrokeParams) -> Option<Stroked> {
        let path = std::mem::take(&mut self.builder).finish()?;
        let dashed = match params.dash {
            Some(d) => match StrokeDash::new(d.to_vec(), 0.0).and_then(|sd| path.dash(&sd, 1.0)) {
                Some(p) => Some(p),
                None => {
                    self.builder = path.clear();
                    return None;
                }
            },
            None => None,
        };
        let stroke = Stroke {
            width: params.width,
            miter_limit: if params.miter_limit.is_finite() { params.miter_limit.max(1.0) } else { 2.0 },
            line_cap: match params.cap {
                LineCap::Butt => tiny_skia::LineCap::Butt,
                LineCap::Round => tiny_skia::LineCap::Round,
                LineCap::Square => tiny_skia::LineCap::Square,
            },
            line_join: match params.join {
                LineJoin::Bevel => tiny_skia::LineJoin::Bevel,
                LineJoin::Round => tiny_skia::LineJoin::Round,
                LineJoin::Miter => tiny_skia::LineJoin::Miter,
            },
            dash: None,
        };
        let stroker = self.stroker.get_or_insert_with(PathStroker::new);
        let outline = stroker.stroke(dashed.as_ref().unwrap_or(&path), &stroke, 1.0);
        self.builder = path.clear();
        outline.map(Stroked)
    }
}

/// A stroke's outline (contours to fill with the non-zero rule), kept to be
/// added to the bands it meets.
pub(crate) struct Stroked(Path);

impl Stroked {
    /// Appends the outline's contours to `bp`.
    pub fn add_to(&self, bp: &mut BandPath) {
        add_path(bp, &self.0)
    }
}

/// Appends every contour of a tiny-skia path (absolute coordinates) to `bp`.
fn add_path(bp: &mut BandPath, path: &Path) {
    let p = |pt: tiny_skia::Point| [pt.x as f64, pt.y as f64];
    for seg in path.segments() {
        match seg {
            PathSegment::MoveTo(a) => bp.move_to(a.x as f64, a.y as f64),
            PathSegment::LineTo(a) => bp.line_to(a.x as f64, a.y as f64),
            PathSegment::QuadTo(c, a) => bp.quad_to(p(c), p(a)),
            PathSegment::CubicTo(c1, c2, a) => bp.cubic_to(p(c1), p(c2), p(a)),
            PathSegment::Close => bp.close(),
        }
    }
    bp.close();
}
