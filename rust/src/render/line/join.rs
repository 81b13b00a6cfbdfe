//! Joins: how two segments of a line meet at a vertex, as MapLibre's line
//! bucket builds them.

use super::super::display_list::{LineCap, LineJoin, LineStyle};

/// How a segment ends at one of its vertices.
#[derive(Clone, Copy)]
pub(super) enum End {
    /// A line end: the layer's cap.
    Cap,
    /// A round join: closed flat, plus a round piece past the vertex.
    Round,
    /// A join: the segment's quad ends at these two points (one on each
    /// edge line of the segment, in either order).
    Pts([f32; 2], [f32; 2]),
}

impl End {
    /// Whether a round piece is drawn past the vertex (a round join, or a
    /// line end with round caps).
    #[inline]
    pub(super) fn is_round(self, cap: LineCap) -> bool {
        matches!(self, End::Round) || (matches!(self, End::Cap) && cap == LineCap::Round)
    }
}

/// A bevel triangle: two outer corners and the inner miter point; the
/// normal interpolates from the corners (edge) to the inner point (far side).
#[derive(Clone, Copy)]
pub(super) struct Bevel {
    pub(super) o1: [f32; 2],
    pub(super) o2: [f32; 2],
    pub(super) mi: [f32; 2],
    /// What the line carries along it at the vertex (see
    /// [`super::segments::Along`]).
    pub(super) along: f32,
    /// 1 when the corners are on the left of the line (the side of the
    /// normal `(-u.y, u.x)`), -1 when on the right.
    pub(super) side: f32,
}

/// Joins at one interior vertex: (end of the incoming segment, start of the
/// outgoing one, bevel triangle if any), following the
/// geometry MapLibre builds (miter within the limit, bevel, "flip bevel" past
/// a miter length of 2, round).
pub(super) fn join_at(b: [f32; 2], u1: [f32; 2], u2: [f32; 2], style: &LineStyle, outset: f32) -> (End, End, Option<Bevel>) {
    let n1 = [-u1[1], u1[0]];
    let n2 = [-u2[1], u2[0]];
    let cos = (n1[0] * n2[0] + n1[1] * n2[1]).clamp(-1.0, 1.0);
    let m = if cos > -1.0 { (2.0 / (1.0 + cos)).sqrt() } else { f32::INFINITY };
    // MapLibre: bevel joins are miters below a miter length of 1.05.
    let limit = match style.join {
        LineJoin::Bevel => 1.05,
        _ if style.miter_limit.is_finite() => style.miter_limit,
        _ => 2.0,
    };
    #[derive(PartialEq)]
    enum J {
        Miter,
        Bevel,
        Flip,
        Round,
    }
    let mut j = match style.join {
        LineJoin::Round => {
            if m < style.round_limit {
                J::Miter
            } else {
                J::Round
            }
        }
        LineJoin::Bevel => J::Bevel,
        LineJoin::Miter => J::Miter,
    };
    if j == J::Miter && m > limit {
        j = J::Bevel;
    }
    if j == J::Bevel {
        if m > 2.0 {
            j = J::Flip;
        }
        if m < limit {
            j = J::Miter;
        }
    }
    match j {
        J::Round => (End::Round, End::Round, None),
        J::Miter => {
            let mv = [(n1[0] + n2[0]) / (1.0 + cos) * outset, (n1[1] + n2[1]) / (1.0 + cos) * outset];
            let (p, q) = ([b[0] + mv[0], b[1] + mv[1]], [b[0] - mv[0], b[1] - mv[1]]);
            (End::Pts(p, q), End::Pts(p, q), None)
        }
        J::Flip => {
            if m > 100.0 {
                let (p, q) = ([b[0] - n2[0] * outset, b[1] - n2[1] * outset], [b[0] + n2[0] * outset, b[1] + n2[1] * outset]);
                return (End::Pts(p, q), End::Pts(p, q), None);
            }
            // Both segments end on the line through the vertex along the
            // mean direction, at their edge lines.
            let ns = [n1[0] + n2[0], n1[1] + n2[1]];
            let nd = [n1[0] - n2[0], n1[1] - n2[1]];
            let ls = (ns[0] * ns[0] + ns[1] * ns[1]).sqrt();
            let ld = (nd[0] * nd[0] + nd[1] * nd[1]).sqrt();
            if ls <= 0.0 || ld <= 0.0 {
                return (End::Round, End::Round, None);
            }
            let k = m * ls / ld * outset / ls;
            let j = [-ns[1] * k, ns[0] * k];
            let (p, q) = ([b[0] + j[0], b[1] + j[1]], [b[0] - j[0], b[1] - j[1]]);
            (End::Pts(p, q), End::Pts(p, q), None)
        }
        J::Bevel => {
            let cross = u1[0] * u2[1] - u1[1] * u2[0];
            let sg = if cross > 0.0 { -1.0 } else { 1.0 };
            let mv = [(n1[0] + n2[0]) / (1.0 + cos), (n1[1] + n2[1]) / (1.0 + cos)];
            let o1 = [b[0] + sg * n1[0] * outset, b[1] + sg * n1[1] * outset];
            let o2 = [b[0] + sg * n2[0] * outset, b[1] + sg * n2[1] * outset];
            let mi = [b[0] - sg * mv[0] * outset, b[1] - sg * mv[1] * outset];
            (End::Pts(o1, mi), End::Pts(o2, mi), Some(Bevel { o1, o2, mi, along: 0.0, side: sg }))
        }
    }
}
