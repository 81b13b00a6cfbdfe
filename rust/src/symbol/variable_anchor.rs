//! Variable label anchors (`text-variable-anchor`,
//! `text-variable-anchor-offset`, `text-radial-offset`): the anchors a point
//! label may take, each with its offset, tried in order at placement until
//! one fits (MapLibre's behaviour). Layout shapes the text once per
//! justification around a centre anchor; placement shifts it to the chosen
//! anchor (and a fitted icon with it).


use crate::style::expression::EvaluationContext;
use crate::style::property::PropertySet;
use crate::style::value::Value;
use crate::text::glyph::ONE_EM;
use crate::text::shaping::{Anchor, Justify};

use super::quads::{GlyphQuad, Quads};

/// MapLibre shifts labels above or below their anchor by this much (px at
/// 24 px) less, so that the baseline rather than the box edge sits at the offset.
const BASELINE_OFFSET: f32 = 7.0;
/// Most anchors a label tries (the spec has nine; repeats are allowed).
const MAX_ANCHORS: usize = 32;

/// A label's variable anchors.
#[derive(Clone, Debug)]
pub struct VariableText {
    /// Anchors to try, in order, with their offsets (px at 24 px).
    pub anchors: Vec<(Anchor, [f32; 2])>,
    /// The glyph quads per justification (one entry when every anchor
    /// shares it: a single line, or a fixed `text-justify`).
    pub justified: Vec<(Justify, Quads)>,
}

impl VariableText {
    /// The quads drawn for `anchor` (its own justification when laid out).
    pub fn quads_for(&self, anchor: Anchor) -> &[GlyphQuad] {
        let j = anchor_justify(anchor);
        let found = self.justified.iter().find(|(k, _)| *k == j).or(self.justified.first());
        found.map(|(_, q)| &q[..]).unwrap_or(&[])
    }
}

/// The justification that matches an anchor's side (`text-justify: auto`).
pub fn anchor_justify(anchor: Anchor) -> Justify {
    match anchor.align().0 {
        h if h < 0.5 => Justify::Left,
        h if h > 0.5 => Justify::Right,
        _ => Justify::Center,
    }
}

/// The offset of a label at `anchor` for `text-radial-offset` `r` (px at 24 px).
pub fn radial_offset(anchor: Anchor, r: f32) -> [f32; 2] {
    let r = r.max(0.0);
    let d = r / std::f32::consts::SQRT_2;
    let (h, v) = anchor.align();
    let diagonal = h != 0.5 && v != 0.5;
    let x = match (h, diagonal) {
        (0.5, _) => 0.0,
        (h, true) => if h < 0.5 { d } else { -d },
        (h, false) => if h < 0.5 { r } else { -r },
    };
    let y = match (v, diagonal) {
        (0.5, _) => 0.0,
        (v, true) => if v < 0.5 { d - BASELINE_OFFSET } else { -d + BASELINE_OFFSET },
        (v, false) => if v < 0.5 { r - BASELINE_OFFSET } else { -r + BASELINE_OFFSET },
    };
    [x, y]
}

/// The offset of a label at `anchor` for a `text-offset` of `o` (px at 24
/// px): its magnitudes, pointed away from the anchor's sides.
fn side_offset(anchor: Anchor, o: [f32; 2]) -> [f32; 2] {
    let (h, v) = anchor.align();
    let (ox, oy) = (o[0].abs(), o[1].abs());
    let x = if h < 0.5 { ox } else if h > 0.5 { -ox } else { 0.0 };
    let y = if v < 0.5 { oy - BASELINE_OFFSET } else if v > 0.5 { -oy + BASELINE_OFFSET } else { 0.0 };
    [x, y]
}

/// The anchors and offsets a label may take, or `None` when the layer has
/// no variable anchors for this feature.
pub fn variable_anchors(l: &PropertySet, ctx: &EvaluationContext) -> Option<Vec<(Anchor, [f32; 2])>> {
    if l.get("text-variable-anchor-offset").is_some() {
        let Value::Array(items) = l.get_value("text-variable-anchor-offset", ctx) else { return None };
        let mut out = Vec::new();
        for pair in items.chunks_exact(2).take(MAX_ANCHORS) {
            let (Some(name), Value::Array(o)) = (pair[0].as_str(), &pair[1]) else { continue };
            let (Some(x), Some(y)) = (o.first().and_then(Value::as_f64), o.get(1).and_then(Value::as_f64)) else { continue };
            let anchor = Anchor::parse(name);
            let v = anchor.align().1;
            let shift = if v < 0.5 { -BASELINE_OFFSET } else if v > 0.5 { BASELINE_OFFSET } else { 0.0 };
            out.push((anchor, [x as f32 * ONE_EM, y as f32 * ONE_EM + shift]));
        }
        return (!out.is_empty()).then_some(out);
    }
    let names = l.get_strings("text-variable-anchor", ctx);
    if names.is_empty() {
        return None;
    }
    let radial = l.get("text-radial-offset").map(|_| l.get_f32("text-radial-offset", ctx) * ONE_EM);
    let o = l.get_f32_array("text-offset", ctx);
    let offset = [o.first().copied().unwrap_or(0.0) * ONE_EM, o.get(1).copied().unwrap_or(0.0) * ONE_EM];
    let anchors = names
        .iter()
        .take(MAX_ANCHORS)
        .map(|n| {
            let a = Anchor::parse(n);
            (a, radial.map_or_else(|| side_offset(a, offset), |r| radial_offset(a, r)))
        })
        .collect();
    Some(anchors)
}

/// The justifications to lay out for `anchors`: `justify` when fixed,
/// else each anchor's own (first appearance order).
pub fn justifications(anchors: &[(Anchor, [f32; 2])], justify: Option<Justify>) -> Vec<Justify> {
    let mut out = Vec::new();
    for j in anchors.iter().map(|(a, _)| justify.unwrap_or_else(|| anchor_justify(*a))) {
        if !out.contains(&j) {
            out.push(j);
        }
    }
    out
}

/// Where a label placed at `anchor` moves from its centred layout (screen
/// px): by half its box (padding included, as MapLibre measures it) away
/// from the anchor's sides, plus its offset at `scale`, turned by `angle`
/// (radians) when the label turns with the map.
pub fn shift(anchor: Anchor, offset: [f32; 2], bounds: [f32; 4], scale: f32, padding: f32, angle: f32) -> [f32; 2] {
    let (h, v) = anchor.align();
    let width = (bounds[2] - bounds[0]) * scale + 2.0 * padding;
    let height = (bounds[3] - bounds[1]) * scale + 2.0 * padding;
    let s = [-(h - 0.5) * width + offset[0] * scale, -(v - 0.5) * height + offset[1] * scale];
    if angle == 0.0 {
        return s;
    }
    let (sin, cos) = angle.sin_cos();
    [s[0] * cos - s[1] * sin, s[0] * sin + s[1] * cos]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_point_away_from_the_anchor_with_the_baseline_shift() {
        assert_eq!(radial_offset(Anchor::Left, 24.0), [24.0, 0.0]);
        assert_eq!(radial_offset(Anchor::Top, 24.0), [0.0, 17.0]);
        assert_eq!(radial_offset(Anchor::Bottom, 24.0), [0.0, -17.0]);
        assert_eq!(radial_offset(Anchor::Center, 24.0), [0.0, 0.0]);
        let d = 24.0 / std::f32::consts::SQRT_2;
        assert_eq!(radial_offset(Anchor::BottomRight, 24.0), [-d, -d + 7.0]);
        assert_eq!(radial_offset(Anchor::Left, -5.0), [0.0, 0.0]);
        assert_eq!(side_offset(Anchor::TopRight, [-12.0, 24.0]), [-12.0, 17.0]);
        assert_eq!(side_offset(Anchor::Left, [12.0, 24.0]), [12.0, 0.0]);
    }

    #[test]
    fn shifts_move_the_box_to_its_anchor_side() {
        let b = [-20.0, -10.0, 20.0, 10.0];
        // Anchor left: the text lies right of the anchor, by half its width and padding.
        assert_eq!(shift(Anchor::Left, [0.0, 0.0], b, 1.0, 2.0, 0.0), [22.0, 0.0]);
        assert_eq!(shift(Anchor::BottomRight, [0.0, 0.0], b, 0.5, 0.0, 0.0), [-10.0, -5.0]);
        assert_eq!(shift(Anchor::Top, [0.0, 4.0], b, 0.5, 0.0, 0.0), [0.0, 7.0]);
        let turned = shift(Anchor::Left, [0.0, 0.0], b, 1.0, 0.0, std::f32::consts::FRAC_PI_2);
        assert!(turned[0].abs() < 1e-5 && (turned[1] - 20.0).abs() < 1e-5, "{turned:?}");
        assert_eq!(justifications(&[(Anchor::Left, [0.0; 2]), (Anchor::TopLeft, [0.0; 2]), (Anchor::Right, [0.0; 2])], None), vec![Justify::Left, Justify::Right]);
        assert_eq!(justifications(&[(Anchor::Left, [0.0; 2])], Some(Justify::Center)), vec![Justify::Center]);
    }
}
