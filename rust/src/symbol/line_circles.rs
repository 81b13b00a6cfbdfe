//! The collision circles of a line label, as MapLibre lays them out and
//! picks them each frame (its `CollisionFeature::bboxifyLabel` and
//! `CollisionIndex::placeLineFeature`).
//!
//! At layout a label gets a row of circles along its *line* (not along its
//! glyphs), in tile units: one every half circle, from half a label before
//! the anchor to half a label after it, plus a few farther out (more on
//! overscaled tiles) for labels that grow into the pitched distance; the
//! first circle's edge is the label's start. Each circle carries its signed
//! distance from the anchor times 0.8 (0 within a step of it), so that
//! circles somewhat beyond the glyphs count.
//!
//! Each frame the label's first and last glyph are walked along the line to
//! find how far (in tile units) the label reaches each way; the circles
//! within that reach are projected, and a circle closer than √2 radii to
//! the previous one is dropped unless it is the last one in reach.
//!
//! Units: tile units in, logical screen px out.

/// The size of a label's circles and the extent they cover, fixed at layout.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CircleSpec {
    /// The label's length along the line, tile units (shaped width at the
    /// layout text size, plus padding on both ends).
    pub length: f32,
    /// A circle's diameter, tile units (the label's height with padding, at
    /// least 10 px).
    pub size: f32,
    /// The tile's overscale factor (more circles out in the distance).
    pub overscaling: f32,
    /// A circle's radius in px before the perspective ratio (MapLibre's
    /// collision circles keep the layout size).
    pub radius_px: f32,
}

/// Most circles one label lays out; a longer label (an absurdly small text
/// size along a long line) gets proportionally larger circles instead.
pub const MAX_CIRCLES: usize = 1024;

impl CircleSpec {
    /// From the shaped text's box (`left, top, right, bottom` at 24 px),
    /// MapLibre's text box scale (tile units per shaping unit at the layout
    /// size) and padding (tile units), and tile units per px.
    pub fn new(bounds: [f32; 4], box_scale: f32, padding: f32, units_per_px: f32, overscaling: f32) -> Option<CircleSpec> {
        let height = (bounds[3] - bounds[1]) * box_scale + 2.0 * padding;
        let length = (bounds[2] - bounds[0]) * box_scale + 2.0 * padding;
        if !(height > 0.0 && length.is_finite() && units_per_px > 0.0) {
            return None;
        }
        let size = height.max(10.0 * box_scale).max(2.0 * length.max(0.0) / MAX_CIRCLES as f32);
        Some(CircleSpec { length: length.max(0.0), size, overscaling: overscaling.max(1.0), radius_px: size / 2.0 / units_per_px })
    }
}

/// One circle laid out along the line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileCircle {
    /// Centre, tile units.
    pub point: [f32; 2],
    /// MapLibre's signed distance from the anchor used to pick circles.
    pub signed: f32,
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    (b[0] - a[0]).hypot(b[1] - a[1])
}

/// The circles of a label anchored at `anchor` on segment `segment` of
/// `line` (MapLibre's `bboxifyLabel`; the anchor is cut to whole tile units
/// as MapLibre's integer geometry does). Empty when the line does not reach
/// back to the label's start.
pub fn lay_out(line: &[[f32; 2]], anchor: [f32; 2], segment: usize, spec: &CircleSpec) -> Vec<TileCircle> {
    let step = spec.size / 2.0;
    if !(step > 0.0) || segment + 1 >= line.len() {
        return Vec::new();
    }
    let boxes = ((spec.length / step).floor() as i64).clamp(1, MAX_CIRCLES as i64);
    let padding_factor = 1.0 + 0.4 * f64::from(spec.overscaling).log2();
    let pitch_boxes = ((boxes as f64 * padding_factor / 2.0).floor() as i64).clamp(0, MAX_CIRCLES as i64);
    let first_offset = -spec.size / 2.0;
    let label_start = -spec.length / 2.0;
    let padding_start = label_start - spec.length / 8.0;

    // Walk back to the first segment the label (with its padding) lies on.
    let mut p = [anchor[0].trunc(), anchor[1].trunc()];
    let mut index = segment + 1;
    let mut anchor_distance = first_offset;
    loop {
        if index == 0 {
            if anchor_distance > label_start {
                return Vec::new();
            }
            break;
        }
        index -= 1;
        anchor_distance -= dist(line[index], p);
        p = line[index];
        if anchor_distance <= padding_start {
            break;
        }
    }

    let mut out = Vec::with_capacity((boxes + 2 * pitch_boxes) as usize);
    let mut segment_length = dist(line[index], line[index + 1]);
    for i in -pitch_boxes..boxes + pitch_boxes {
        let offset = i as f32 * step;
        let mut along = label_start + offset;
        // Padding circles are spread twice as far apart.
        if offset < 0.0 {
            along += offset;
        }
        if offset > spec.length {
            along += offset - spec.length;
        }
        if along < anchor_distance {
            continue;
        }
        while anchor_distance + segment_length < along {
            anchor_distance += segment_length;
            index += 1;
            if index + 1 >= line.len() {
                return out;
            }
            segment_length = dist(line[index], line[index + 1]);
        }
        let t = if segment_length > 0.0 { (along - anchor_distance) / segment_length } else { 0.0 };
        let (a, b) = (line[index], line[index + 1]);
        let point = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
        let from_first = along - first_offset;
        let signed = if from_first.abs() < step { 0.0 } else { from_first * 0.8 };
        out.push(TileCircle { point, signed });
    }
    out
}

/// Distance along `line` from the anchor to each vertex, tile units
/// (MapLibre's `calculateTileDistances`).
pub fn vertex_distances(line: &[[f32; 2]], anchor: [f32; 2], segment: usize) -> Vec<f32> {
    let mut out = vec![0.0; line.len()];
    if segment >= line.len() {
        return out;
    }
    let mut forward = line.get(segment + 1).map_or(0.0, |&v| dist(anchor, v));
    for i in segment + 1..line.len() {
        out[i] = forward;
        if i + 1 < line.len() {
            forward += dist(line[i], line[i + 1]);
        }
    }
    let mut backward = dist(anchor, line[segment]);
    for i in (0..=segment).rev() {
        out[i] = backward;
        if i > 0 {
            backward += dist(line[i - 1], line[i]);
        }
    }
    out
}

/// The circles in use this frame, `[x, y, radius]` in screen px: those
/// whose signed distance lies within `-first..=last` (how far the label's
/// first and last glyph reach, tile units), thinned where they crowd.
/// `project` takes a tile point to the screen (`None`: behind the camera,
/// the label is not placed); `radius` is in screen px.
pub fn in_use(circles: &[TileCircle], first: f32, last: f32, radius: f32, project: impl Fn([f32; 2]) -> Option<[f32; 2]>) -> Option<Vec<[f32; 3]>> {
    let reaches = |c: &TileCircle| c.signed >= -first && c.signed <= last;
    let mut out = Vec::new();
    let mut previous: Option<[f32; 2]> = None;
    for (i, c) in circles.iter().enumerate() {
        if !reaches(c) {
            previous = None;
            continue;
        }
        let p = project(c.point)?;
        if let Some(q) = previous {
            let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
            // Strictly inside the next circle's reach: MapLibre's test.
            let next_in_reach = circles.get(i + 1).is_some_and(|n| n.signed > -first && n.signed < last);
            if radius * radius * 2.0 > dx * dx + dy * dy && next_in_reach {
                previous = None;
                continue;
            }
        }
        previous = Some(p);
        out.push([p[0], p[1], radius]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(length: f32, size: f32) -> CircleSpec {
        CircleSpec { length, size, overscaling: 1.0, radius_px: size / 2.0 }
    }

    #[test]
    fn circles_run_along_the_line_half_a_circle_apart() {
        let line = [[0.0, 100.0], [1000.0, 100.0]];
        let c = lay_out(&line, [500.0, 100.0], 0, &spec(100.0, 20.0));
        // 10 label circles and 5 padding circles on each side.
        assert_eq!(c.len(), 20);
        assert!(c.iter().all(|c| c.point[1] == 100.0));
        let xs: Vec<f32> = c.iter().map(|c| c.point[0]).collect();
        assert_eq!(&xs[5..7], &[460.0, 470.0], "the first circle's edge is the label's start");
        assert_eq!(&xs[3..5], &[420.0, 440.0], "padding circles are twice as far apart");
        assert_eq!(xs[15], 560.0);
        // Signed distances: 0.8 x the distance from the anchor.
        assert_eq!(c[5].signed, -40.0 * 0.8);
        assert_eq!(c[9].signed, 0.0, "within a step of the anchor: 0");
    }

    #[test]
    fn a_line_too_short_behind_the_anchor_gets_no_circles() {
        let line = [[480.0, 0.0], [1000.0, 0.0]];
        assert!(lay_out(&line, [500.0, 0.0], 0, &spec(100.0, 20.0)).is_empty());
        // Far enough for the label, not for all its padding: the circles
        // that fit.
        let line = [[445.0, 0.0], [1000.0, 0.0]];
        let c = lay_out(&line, [500.0, 0.0], 0, &spec(100.0, 20.0));
        assert!(!c.is_empty() && c[0].point[0] >= 445.0);
    }

    #[test]
    fn circles_follow_a_bend() {
        let line = [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]];
        let c = lay_out(&line, [100.0, 0.0], 1, &spec(60.0, 20.0));
        assert!(c.iter().any(|c| c.point[1] == 0.0 && c.point[0] < 100.0));
        assert!(c.iter().any(|c| c.point[0] == 100.0 && c.point[1] > 0.0));
    }

    #[test]
    fn vertex_distances_count_from_the_anchor_both_ways() {
        let line = [[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [20.0, 5.0]];
        assert_eq!(vertex_distances(&line, [12.0, 0.0], 1), vec![12.0, 2.0, 8.0, 13.0]);
    }

    #[test]
    fn only_circles_in_reach_are_used_and_crowded_ones_are_thinned() {
        let line = [[0.0, 0.0], [1000.0, 0.0]];
        let c = lay_out(&line, [500.0, 0.0], 0, &spec(100.0, 20.0));
        let used = in_use(&c, 40.0, 40.0, 10.0, |p| Some(p)).unwrap();
        let xs: Vec<f32> = used.iter().map(|c| c[0]).collect();
        // Reach: signed in [-40, 40]: from x = 450 to x = 550; every
        // other circle (10 apart < √2 radii) is dropped, the last kept.
        assert_eq!(xs, vec![460.0, 480.0, 500.0, 520.0, 540.0, 550.0]);
        assert!(used.iter().all(|c| c[2] == 10.0));
        assert!(in_use(&c, 40.0, 40.0, 10.0, |_| None).is_none());
        assert!(in_use(&c, -1000.0, -1000.0, 10.0, |p| Some(p)).unwrap().is_empty());
    }

    #[test]
    fn a_huge_label_is_bounded() {
        let line = [[0.0, 0.0], [1.0e7, 0.0]];
        let c = lay_out(&line, [5.0e6, 0.0], 0, &CircleSpec::new([-1.0e6, -12.0, 1.0e6, 12.0], 1.0e-4, 0.0, 1.0, 1.0).unwrap());
        assert!(c.len() <= 2 * MAX_CIRCLES + 1, "{} circles", c.len());
    }
}
