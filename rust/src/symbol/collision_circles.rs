//! The collision geometry of a label that follows a line: a row of circles
//! strung along the line around the anchor (MapLibre Native's
//! `CollisionFeature` for `alongLine`, its `bboxifyLabel`).
//!
//! The circles are made once per tile, in tile space. Besides the label's
//! own extent, the row continues past both ends ("pitch padding") because a
//! label seen in a pitched view can take more room on screen than its
//! tile-space length; at placement time each circle's
//! [`CollisionCircle::signed_distance_from_anchor`] is compared with how far
//! the label actually reaches along the line (the tile distances of its
//! first and last glyph, MapLibre's `placeLineLabel`), and circles beyond
//! that are not used.
//!
//! Units: tile units throughout, except the shaping box (glyph units of the
//! 24 px em), converted with `box_scale` (MapLibre's `textBoxScale` =
//! `tile_pixel_ratio * text-size / 24`).

use super::anchors::{dist, Anchor};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CollisionCircle {
    /// Centre, tile coordinates (on the line).
    pub point: [f32; 2],
    /// Radius in tile units (half the box size, i.e. half the label's
    /// padded height, at least 5 em-units * box_scale). For screen pixels
    /// divide by the tile units per pixel of the frame (MapLibre
    /// additionally scales by the perspective ratio).
    pub radius: f32,
    /// True signed distance of the centre from the anchor along the line,
    /// tile units (negative = towards the line's start).
    pub distance_along_line: f32,
    /// MapLibre's stored `signedDistanceFromAnchor`, tile units: 0 for
    /// circles within one step (half a box) of the anchor, otherwise 0.8 x
    /// [`distance_along_line`](Self::distance_along_line) (conservative, so
    /// a circle is used a bit before the label fully reaches it). Placement
    /// uses the circle only if `-first_glyph_tile_distance <= d <=
    /// last_glyph_tile_distance`.
    pub signed_distance_from_anchor: f32,
}

/// Circles for a text label placed along `line` at `anchor`.
///
/// - `line`: tile coordinates, the line the anchor was computed on.
/// - `shaping`: `(top, bottom, left, right)` of the shaped text, glyph units.
/// - `box_scale`: tile units per glyph unit (`textBoxScale`).
/// - `padding`: `text-padding * tile_pixel_ratio`, tile units, added on
///   every side.
/// - `overscaling`: the tile's overscale factor; more pitch-padding circles
///   for overscaled tiles (`1 + 0.4 * log2(overscaling)`).
///
/// Empty for an empty shaping or one with no height.
pub fn line_label_circles(
    line: &[[f32; 2]],
    anchor: &Anchor,
    shaping: (f32, f32, f32, f32),
    box_scale: f32,
    padding: f32,
    overscaling: f32,
) -> Vec<CollisionCircle> {
    let (top, bottom, left, right) = shaping;
    if top == 0.0 && bottom == 0.0 && left == 0.0 && right == 0.0 {
        return Vec::new();
    }
    let height = (bottom * box_scale + padding) - (top * box_scale - padding);
    let length = (right * box_scale + padding) - (left * box_scale - padding);
    if !(height > 0.0) {
        return Vec::new();
    }
    // a floor on the box size keeps small labels from getting very many circles
    let box_size = height.max(10.0 * box_scale);
    circles_along_line(line, anchor.point, anchor.segment.unwrap_or(0), length, box_size, overscaling)
}

/// The row of circles itself: `label_length` and `box_size` in tile units,
/// `anchor_point` (tile coordinates) on segment `segment` of `line`.
///
/// Circles are `box_size / 2` apart with radius `box_size / 2`; the label's
/// own `floor(label_length / step)` (at least 1) start with a circle's edge
/// at the label's start (centre at `-label_length/2 + box_size/2`).
/// `floor(n * (1 + 0.4 log2 overscaling) / 2)` more on each side are spread
/// twice as far apart. Circles before the line's start are dropped; the row
/// stops at the line's end. Empty if the line does not reach back to the
/// label's start.
pub fn circles_along_line(
    line: &[[f32; 2]],
    anchor_point: [f32; 2],
    segment: usize,
    label_length: f32,
    box_size: f32,
    overscaling: f32,
) -> Vec<CollisionCircle> {
    let mut out = Vec::new();
    if segment + 1 >= line.len() {
        return out;
    }
    let step = box_size / 2.0;
    let n = ((label_length / step).floor() as i64).max(1);
    let padding_factor = 1.0 + 0.4 * f64::from(overscaling).log2();
    let n_pad = (n as f64 * padding_factor / 2.0).floor() as i64;

    // Distances below are in a frame where the anchor sits at -box_size/2
    // (MapLibre's convention: a circle "at" d has its centre at d + box/2).
    let shift = -box_size / 2.0;
    let label_start = -label_length / 2.0;
    let padding_start = label_start - label_length / 8.0;

    // Walk back (at least one vertex) until past the padded start.
    let mut vertex = segment + 1;
    let mut at = shift; // frame distance of `line[vertex]`
    let mut from = anchor_point;
    loop {
        if vertex == 0 {
            if at > label_start {
                return out; // not even the label fits before the line's start
            }
            break; // the padding does not, the label does
        }
        vertex -= 1;
        at -= dist(line[vertex], from);
        from = line[vertex];
        if at <= padding_start {
            break;
        }
    }

    let mut seg_len = dist(line[vertex], line[vertex + 1]);
    for i in -n_pad..n + n_pad {
        let offset = i as f32 * step;
        let mut d = label_start + offset;
        if offset < 0.0 {
            d += offset; // padding circles before the label: twice the step
        }
        if offset > label_length {
            d += offset - label_length; // and after it
        }
        if d < at {
            continue; // the line does not reach back this far
        }
        while at + seg_len < d {
            at += seg_len;
            vertex += 1;
            if vertex + 1 >= line.len() {
                return out; // the line ends before this circle
            }
            seg_len = dist(line[vertex], line[vertex + 1]);
        }
        let (p0, p1) = (line[vertex], line[vertex + 1]);
        let t = (d - at) / seg_len;
        let point = [p0[0] + t * (p1[0] - p0[0]), p0[1] + t * (p1[1] - p0[1])];
        let along = d - shift;
        let padded = if along.abs() < step { 0.0 } else { along * 0.8 };
        out.push(CollisionCircle {
            point,
            radius: box_size / 2.0,
            distance_along_line: along,
            signed_distance_from_anchor: padded,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 120 x 24 text (glyph units), box scale 1, no padding.
    const SHAPING: (f32, f32, f32, f32) = (-12.0, 12.0, -60.0, 60.0);

    fn anchor(p: [f32; 2], segment: usize) -> Anchor {
        Anchor { point: p, angle: 0.0, segment: Some(segment) }
    }

    #[test]
    fn straight_line_row_with_pitch_padding() {
        let line = [[0.0, 0.0], [1000.0, 0.0]];
        let c = line_label_circles(&line, &anchor([500.0, 0.0], 0), SHAPING, 1.0, 0.0, 1.0);
        // step 12, 10 label circles, floor(10/2) = 5 padding circles per side.
        assert_eq!(c.len(), 20);
        assert!(c.iter().all(|c| c.radius == 12.0 && c.point[1] == 0.0));
        let along: Vec<f32> = c.iter().map(|c| c.distance_along_line).collect();
        let mut want = vec![-168.0, -144.0, -120.0, -96.0, -72.0];
        want.extend((0..10).map(|k| -48.0 + 12.0 * k as f32));
        want.extend([72.0, 96.0, 120.0, 144.0, 168.0]);
        assert_eq!(along, want);
        for c in &c {
            assert!((c.point[0] - (500.0 + c.distance_along_line)).abs() < 1e-3);
            let padded = if c.distance_along_line == 0.0 { 0.0 } else { 0.8 * c.distance_along_line };
            assert_eq!(c.signed_distance_from_anchor, padded);
        }
    }

    #[test]
    fn overscaling_and_box_scale() {
        let line = [[0.0, 0.0], [4000.0, 0.0]];
        // box scale 2: box 48, step 24, length 240 -> 10 circles;
        // overscaling 4: factor 1.8 -> floor(9) padding each side.
        let c = line_label_circles(&line, &anchor([2000.0, 0.0], 0), SHAPING, 2.0, 0.0, 4.0);
        assert_eq!(c.len(), 28);
        assert_eq!(c[0].radius, 24.0);
        // padding adds to height and length: (24 + 2*6) -> radius 18
        let c = line_label_circles(&line, &anchor([2000.0, 0.0], 0), SHAPING, 1.0, 6.0, 1.0);
        assert_eq!(c[0].radius, 18.0);
        // tiny text: box at least 10 * box_scale
        let c = line_label_circles(&line, &anchor([2000.0, 0.0], 0), (-1.0, 1.0, -60.0, 60.0), 1.0, 0.0, 1.0);
        assert_eq!(c[0].radius, 5.0);
        assert!(line_label_circles(&line, &anchor([2000.0, 0.0], 0), (0.0, 0.0, 0.0, 0.0), 1.0, 0.0, 1.0).is_empty());
    }

    #[test]
    fn circles_follow_a_bend_and_stop_at_the_ends() {
        // Anchor 40 down the second leg of an L.
        let line = [[0.0, 0.0], [100.0, 0.0], [100.0, 500.0]];
        let c = line_label_circles(&line, &anchor([100.0, 40.0], 1), SHAPING, 1.0, 0.0, 1.0);
        let first_label = c.iter().find(|c| c.distance_along_line == -48.0).unwrap();
        assert!((first_label.point[0] - 92.0).abs() < 1e-3 && first_label.point[1] == 0.0);
        let last_label = c.iter().find(|c| c.distance_along_line == 60.0).unwrap();
        assert!((last_label.point[1] - 100.0).abs() < 1e-3 && last_label.point[0] == 100.0);
        // The line reaches back only 140: the two farthest padding circles
        // (-168, -144) are dropped.
        assert_eq!(c.len(), 18);
        assert_eq!(c[0].distance_along_line, -120.0);

        // Near the line's start: padding circles before it are dropped.
        let line = [[0.0, 0.0], [1000.0, 0.0]];
        let c = line_label_circles(&line, &anchor([70.0, 0.0], 0), SHAPING, 1.0, 0.0, 1.0);
        assert_eq!(c[0].distance_along_line, -48.0);
        assert_eq!(c.len(), 15);
        // Near the end: the row stops where the line does (70 ahead).
        let c = line_label_circles(&line, &anchor([930.0, 0.0], 0), SHAPING, 1.0, 0.0, 1.0);
        assert_eq!(c.len(), 15);
        assert_eq!(c.last().unwrap().distance_along_line, 60.0);
        // Too close to the start for the label itself: nothing.
        assert!(line_label_circles(&line, &anchor([30.0, 0.0], 0), SHAPING, 1.0, 0.0, 1.0).is_empty());
    }
}
