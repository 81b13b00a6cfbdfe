//! Per frame: bending a line label's glyphs along the projected line
//! (MapLibre's `placeGlyphsAlongLine` / `placeGlyphAlongLine`), and the
//! `text-keep-upright` decision that turns a label around when it would read
//! upside-down.
//!
//! Units: everything is in *label-plane pixels*, the space the caller
//! projected the line into (for `text-pitch-alignment: viewport` that is the
//! screen, px, y down; for `map` it is the tile plane scaled to px).
//! Glyph offsets are the shaping's glyph-centre x offsets (glyph units)
//! already multiplied by `font_size / 24` (and the perspective ratio, as
//! MapLibre does) by the caller. Angles are radians, `atan2(dy, dx)` in the
//! label plane, and are *not* normalised: a glyph walked backwards gets
//! `pi + atan2` of the backwards direction, so equal directions may differ
//! by 2 pi; use them through `sin`/`cos`.
//!
//! Not handled here: vertices behind the camera (MapLibre substitutes a
//! truncated segment); the caller must pass finite projected vertices.
//! [`reach_window`] gives the part of a line a label's walks can reach.

use std::f32::consts::PI;

/// One glyph's centre on the line and its rotation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlacedGlyph {
    /// Label-plane px.
    pub point: [f32; 2],
    /// Radians (see the module notes on normalisation).
    pub angle: f32,
}

fn seg_len(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((b[0] - a[0]) * (b[0] - a[0]) + (b[1] - a[1]) * (b[1] - a[1])).sqrt()
}

/// One glyph: start at `anchor_point` (on segment `anchor_segment` of
/// `projected_line`) and walk `offset_x + line_offset_x` px along the
/// polyline (forward for positive, backward for negative or zero), then
/// step `line_offset_y` px sideways, to `perp(forward)` = `(-dy, dx)` of the
/// line's own direction (positive = below a left-to-right line on a y-down
/// screen).
///
/// `flip`: the label is being turned around for keep-upright: the walk goes
/// the other way (`offset_x - line_offset_x`, direction reversed) and the
/// glyph is rotated by an extra pi. The sideways offset stays on the same
/// side of the *line* (MapLibre behaviour).
///
/// `None` when the walk runs past either end of the line.
pub fn place_glyph_along_line(
    offset_x: f32,
    line_offset_x: f32,
    line_offset_y: f32,
    flip: bool,
    anchor_point: [f32; 2],
    anchor_segment: usize,
    projected_line: &[[f32; 2]],
) -> Option<PlacedGlyph> {
    let along = if flip { offset_x - line_offset_x } else { offset_x + line_offset_x };
    walk(along, flip, line_offset_y, (anchor_point, anchor_segment), projected_line).map(|w| w.glyph)
}

/// Where an unflipped glyph lands, measured along the *tile* line: the
/// distance (tile units) from the anchor to the last vertex the walk
/// passed (0 when the glyph is on the anchor's segment; `vertex_distances`
/// as `line_circles::vertex_distances` gives them) and the label-plane px
/// from there, with the glyph's angle (MapLibre's `TileDistance`, for
/// picking collision circles).
pub fn glyph_tile_distance(
    offset_x: f32,
    line_offset_x: f32,
    anchor_point: [f32; 2],
    anchor_segment: usize,
    projected_line: &[[f32; 2]],
    vertex_distances: &[f32],
) -> Option<(f32, f32, f32)> {
    let w = walk(offset_x + line_offset_x, false, 0.0, (anchor_point, anchor_segment), projected_line)?;
    let before = match w.passed {
        Some(i) => *vertex_distances.get(i)?,
        None => 0.0,
    };
    Some((before, w.rest, w.glyph.angle))
}

/// A walk's end: the glyph, the last vertex passed (`None` while still on
/// the anchor's segment) and the px walked beyond it.
struct Walk {
    glyph: PlacedGlyph,
    passed: Option<usize>,
    rest: f32,
}

/// `along`: the signed px to walk (offset and line offset combined);
/// `anchor`: the anchor point and its segment.
fn walk(along: f32, flip: bool, line_offset_y: f32, anchor: ([f32; 2], usize), projected_line: &[[f32; 2]]) -> Option<Walk> {
    let (anchor_point, anchor_segment) = anchor;
    let mut forward = along > 0.0;
    let mut angle = 0.0f32;
    if flip {
        forward = !forward;
        angle = PI;
    }
    if !forward {
        angle += PI;
    }
    let distance = along.abs();

    // `next` is the index of the next vertex to step to.
    let mut next = if forward { anchor_segment as isize + 1 } else { anchor_segment as isize };
    let (mut prev, mut current) = (anchor_point, anchor_point);
    let (mut walked, mut last_len) = (0.0f32, 0.0f32);
    let step = if forward { 1 } else { -1 };
    let mut steps = 0usize;
    while walked + last_len <= distance {
        if next < 0 || next as usize >= projected_line.len() {
            return None; // the glyph does not fit on the line
        }
        prev = current;
        current = projected_line[next as usize];
        walked += last_len;
        last_len = seg_len(prev, current);
        next += step;
        steps += 1;
    }
    // `prev` is a vertex (not the anchor) after two steps or more.
    let passed = (steps >= 2).then(|| (next - 2 * step) as usize);

    let t = (distance - walked) / last_len;
    let v = [current[0] - prev[0], current[1] - prev[1]];
    let side = if forward { line_offset_y } else { -line_offset_y } / seg_len(prev, current);
    let point = [prev[0] + v[0] * t - v[1] * side, prev[1] + v[1] * t + v[0] * side];
    Some(Walk { glyph: PlacedGlyph { point, angle: angle + v[1].atan2(v[0]) }, passed, rest: distance - walked })
}

/// All glyphs of a label, in the order of `glyph_offsets` (one entry per
/// glyph quad), or `None` if any glyph runs off the line.
///
/// - `glyph_offsets`: signed glyph-centre offsets along the line from the
///   anchor, px (shaping x * font scale).
/// - `line_offset_x`, `line_offset_y`: the label's `text-offset` in px
///   (along the line, and sideways; see [`place_glyph_along_line`]).
/// - `anchor_segment`: the anchor's segment index in `projected_line`.
/// - `anchor_point`: the projected anchor, label-plane px.
/// - `projected_line`: the label's line, every vertex projected, px.
/// - `flip`: place turned around (keep-upright). MapLibre keeps the output
///   order and instead negates the walk and rotates each glyph by pi, so
///   the first glyph lands where the last would have been: reading order on
///   screen is preserved.
pub fn place_glyphs_along_line(
    glyph_offsets: &[f32],
    line_offset_x: f32,
    line_offset_y: f32,
    anchor_segment: usize,
    anchor_point: [f32; 2],
    projected_line: &[[f32; 2]],
    flip: bool,
) -> Option<Vec<PlacedGlyph>> {
    glyph_offsets
        .iter()
        .map(|&x| {
            place_glyph_along_line(
                x,
                line_offset_x,
                line_offset_y,
                flip,
                anchor_point,
                anchor_segment,
                projected_line,
            )
        })
        .collect()
}

/// Writing modes of a line label (MapLibre's `WritingModeType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WritingMode {
    /// Horizontal glyphs only.
    Horizontal,
    /// The vertical (CJK upright) twin of a label.
    Vertical,
    /// A horizontal label that has a vertical twin: it gives way to the twin
    /// where the line is steep on screen.
    HorizontalWithVertical,
}

/// What keep-upright asks of a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orientation {
    Upright,
    NeedsFlip,
    /// Show the vertical twin instead (the line is more vertical than
    /// horizontal on screen).
    UseVertical,
}

/// MapLibre's `requiresOrientationChange`, from the screen positions (px,
/// y down) of the first and last glyph (or, for a single glyph, the anchor
/// and the end of its segment). A horizontal label reads upside-down when
/// its first glyph is right of its last; a vertical one when its first
/// glyph is below its last. A label with a vertical twin yields to it when
/// `|dy| > |dx|` (MapLibre compares in GL units with the aspect ratio, which
/// is the same test in px).
pub fn orientation(mode: WritingMode, first: [f32; 2], last: [f32; 2]) -> Orientation {
    if mode == WritingMode::HorizontalWithVertical
        && (last[1] - first[1]).abs() > (last[0] - first[0]).abs()
    {
        return Orientation::UseVertical;
    }
    let upside_down = match mode {
        WritingMode::Vertical => first[1] > last[1],
        _ => first[0] > last[0],
    };
    if upside_down {
        Orientation::NeedsFlip
    } else {
        Orientation::Upright
    }
}

/// Keep-upright test for horizontal text: first glyph right of the last.
pub fn needs_flip(first: [f32; 2], last: [f32; 2]) -> bool {
    orientation(WritingMode::Horizontal, first, last) == Orientation::NeedsFlip
}

/// Result of [`place_line_label`].
#[derive(Clone, Debug, PartialEq)]
pub enum LineLabel {
    /// Glyphs in `glyph_offsets` order; `flipped` when turned for
    /// keep-upright. A middle glyph that does not fit (only possible with
    /// non-monotonic offsets) is parked at -infinity, as MapLibre does.
    Placed { glyphs: Vec<PlacedGlyph>, flipped: bool },
    /// Hide this label; its vertical twin should be shown.
    UseVertical,
    /// The label does not fit on the line: hide it.
    NotEnoughRoom,
}

/// A line label for one frame, MapLibre's `reprojectLineLabels` step per
/// symbol: try unflipped; with `keep_upright`, if the first/last glyph (or
/// for one glyph, the anchor/segment end) shows the label upside-down, place
/// it again flipped (if the flipped placement does not fit, the label is
/// hidden; an unflipped placement that does not fit is not retried).
///
/// Parameters as for [`place_glyphs_along_line`] (`line_offset` = `[x, y]`
/// px); `to_screen` maps label-plane px to screen px (y down) for the
/// orientation test (identity for viewport-pitched labels).
#[allow(clippy::too_many_arguments)]
pub fn place_line_label(
    glyph_offsets: &[f32],
    line_offset: [f32; 2],
    anchor_segment: usize,
    anchor_point: [f32; 2],
    projected_line: &[[f32; 2]],
    keep_upright: bool,
    writing_mode: WritingMode,
    to_screen: &dyn Fn([f32; 2]) -> [f32; 2],
) -> LineLabel {
    let place = |x: f32, flip: bool| {
        place_glyph_along_line(
            x,
            line_offset[0],
            line_offset[1],
            flip,
            anchor_point,
            anchor_segment,
            projected_line,
        )
    };
    let attempt = |flip: bool| -> Result<Vec<PlacedGlyph>, Orientation> {
        // Err(Upright) stands for "does not fit".
        let no_room = Orientation::Upright;
        let check = keep_upright && !flip;
        let decide = |a: [f32; 2], b: [f32; 2]| match orientation(writing_mode, to_screen(a), to_screen(b)) {
            Orientation::Upright => Ok(()),
            turn => Err(turn),
        };
        match glyph_offsets {
            [] => Ok(Vec::new()),
            [only] => {
                if check {
                    let end = *projected_line.get(anchor_segment + 1).ok_or(no_room)?;
                    decide(anchor_point, end)?;
                }
                Ok(vec![place(*only, flip).ok_or(no_room)?])
            }
            [head, middle @ .., tail] => {
                let first = place(*head, flip).ok_or(no_room)?;
                let last = place(*tail, flip).ok_or(no_room)?;
                if check {
                    decide(first.point, last.point)?;
                }
                let hidden = PlacedGlyph { point: [f32::NEG_INFINITY; 2], angle: 0.0 };
                let mut glyphs = vec![first];
                glyphs.extend(middle.iter().map(|&x| place(x, flip).unwrap_or(hidden)));
                glyphs.push(last);
                Ok(glyphs)
            }
        }
    };
    match attempt(false) {
        Ok(glyphs) => LineLabel::Placed { glyphs, flipped: false },
        Err(Orientation::NeedsFlip) => match attempt(true) {
            Ok(glyphs) => LineLabel::Placed { glyphs, flipped: true },
            Err(_) => LineLabel::NotEnoughRoom,
        },
        Err(Orientation::UseVertical) => LineLabel::UseVertical,
        Err(Orientation::Upright) => LineLabel::NotEnoughRoom,
    }
}

/// The stretch of a label's line that its glyphs can reach: the vertex
/// range `lo..=hi` around the anchor's segment, out each way until the line
/// in the label plane is longer than `reach` px from the anchor (or a
/// vertex cannot be projected: `to_plane` gives `None`, it is the last one
/// that way). Walks of at most `reach` px stay inside it and give the same
/// result as on the whole line, so a label on a line of a million vertices
/// projects its own few.
pub fn reach_window(
    line: &[[f32; 2]],
    anchor_segment: usize,
    anchor_point: [f32; 2],
    reach: f32,
    to_plane: impl Fn([f32; 2]) -> Option<[f32; 2]>,
) -> (usize, usize) {
    let last = line.len().saturating_sub(1);
    if anchor_segment >= last {
        return (0, last); // no such segment: the whole line, for the caller to refuse
    }
    let mut ends = [anchor_segment, anchor_segment + 1];
    for (end, forward) in ends.iter_mut().zip([false, true]) {
        let (mut prev, mut walked) = (anchor_point, 0.0f32);
        loop {
            let Some(p) = to_plane(line[*end]) else { break };
            walked += seg_len(prev, p);
            prev = p;
            // (NaN compares false: an unmeasurable line is taken whole.)
            if walked > reach || (forward && *end == last) || (!forward && *end == 0) {
                break;
            }
            *end = if forward { *end + 1 } else { *end - 1 };
        }
    }
    (ends[0], ends[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::FRAC_PI_2;

    fn close(a: [f32; 2], b: [f32; 2]) -> bool {
        (a[0] - b[0]).abs() < 1e-3 && (a[1] - b[1]).abs() < 1e-3
    }

    /// Same direction (angles are compared modulo 2 pi).
    fn same_angle(a: f32, b: f32) -> bool {
        (a.cos() - b.cos()).abs() < 1e-5 && (a.sin() - b.sin()).abs() < 1e-5
    }

    const ID: &dyn Fn([f32; 2]) -> [f32; 2] = &|p| p;

    #[test]
    fn a_glyph_past_a_bend_measures_its_tile_distance_from_the_vertex() {
        // Label plane at 2 px per tile unit; tile line right 50, down 50.
        let tile = [[0.0, 0.0], [50.0, 0.0], [50.0, 50.0]];
        let line: Vec<[f32; 2]> = tile.iter().map(|p| [p[0] * 2.0, p[1] * 2.0]).collect();
        let d = [25.0, 25.0, 75.0];
        // On the anchor's segment: 0 plus the px walked.
        let (before, rest, angle) = glyph_tile_distance(-40.0, 0.0, [50.0, 0.0], 0, &line, &d).unwrap();
        assert_eq!((before, rest), (0.0, 40.0));
        assert!(same_angle(angle, 0.0));
        // Round the bend: the vertex's distance plus the px beyond it.
        let (before, rest, angle) = glyph_tile_distance(80.0, 0.0, [50.0, 0.0], 0, &line, &d).unwrap();
        assert_eq!((before, rest), (25.0, 30.0));
        assert_eq!(angle, FRAC_PI_2);
        assert!(glyph_tile_distance(300.0, 0.0, [50.0, 0.0], 0, &line, &d).is_none());
    }

    #[test]
    fn glyphs_follow_both_legs_of_an_l() {
        // Right 100 px, then down 100 px; anchor half-way along the first leg.
        let line = [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]];
        let g = place_glyphs_along_line(&[-40.0, 0.0, 40.0, 80.0], 0.0, 0.0, 0, [50.0, 0.0], &line, false)
            .unwrap();
        assert_eq!(g[0].point, [10.0, 0.0]);
        assert_eq!(g[1].point, [50.0, 0.0]);
        assert_eq!(g[2].point, [90.0, 0.0]);
        assert!(close(g[3].point, [100.0, 30.0]), "{:?}", g[3]);
        for g in &g[..3] {
            assert!(same_angle(g.angle, 0.0));
        }
        assert_eq!(g[3].angle, FRAC_PI_2);

        // 10 px sideways: below the first leg, left of the second (y down).
        let g = place_glyphs_along_line(&[-40.0, 40.0, 80.0], 0.0, 10.0, 0, [50.0, 0.0], &line, false)
            .unwrap();
        assert!(close(g[0].point, [10.0, 10.0]));
        assert!(close(g[1].point, [90.0, 10.0]));
        assert!(close(g[2].point, [90.0, 30.0]));

        // text-offset x shifts the walk: 40 + 20 = 60 -> 10 down the second leg.
        let g = place_glyphs_along_line(&[40.0], 20.0, 0.0, 0, [50.0, 0.0], &line, false).unwrap();
        assert!(close(g[0].point, [100.0, 10.0]));
    }

    #[test]
    fn off_either_end_is_none() {
        let line = [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]];
        // 50 + 100 = 150 px ahead of the anchor, 50 behind.
        assert!(place_glyphs_along_line(&[0.0, 149.0], 0.0, 0.0, 0, [50.0, 0.0], &line, false).is_some());
        assert!(place_glyphs_along_line(&[0.0, 151.0], 0.0, 0.0, 0, [50.0, 0.0], &line, false).is_none());
        assert!(place_glyphs_along_line(&[-49.0, 0.0], 0.0, 0.0, 0, [50.0, 0.0], &line, false).is_some());
        assert!(place_glyphs_along_line(&[-51.0, 0.0], 0.0, 0.0, 0, [50.0, 0.0], &line, false).is_none());
        assert_eq!(
            place_line_label(&[-60.0, 0.0, 60.0], [0.0, 0.0], 0, [50.0, 0.0], &line, true, WritingMode::Horizontal, ID),
            LineLabel::NotEnoughRoom
        );
    }

    #[test]
    fn keep_upright_turns_a_right_to_left_line() {
        // The line runs right to left on screen.
        let line = [[300.0, 100.0], [100.0, 100.0]];
        let offsets = [-20.0, 0.0, 20.0];
        // Unflipped, the first glyph would sit right of the last:
        let raw = place_glyphs_along_line(&offsets, 0.0, 0.0, 0, [200.0, 100.0], &line, false).unwrap();
        assert_eq!((raw[0].point, raw[2].point), ([220.0, 100.0], [180.0, 100.0]));
        assert!(same_angle(raw[0].angle, PI));
        assert!(needs_flip(raw[0].point, raw[2].point));

        let LineLabel::Placed { glyphs, flipped } =
            place_line_label(&offsets, [0.0, 0.0], 0, [200.0, 100.0], &line, true, WritingMode::Horizontal, ID)
        else {
            panic!("not placed")
        };
        assert!(flipped);
        let xs: Vec<f32> = glyphs.iter().map(|g| g.point[0]).collect();
        assert_eq!(xs, vec![180.0, 200.0, 220.0]); // first glyph now leftmost
        assert!(glyphs.iter().all(|g| same_angle(g.angle, 0.0))); // upright

        // Without keep-upright it stays upside-down.
        let LineLabel::Placed { glyphs, flipped } =
            place_line_label(&offsets, [0.0, 0.0], 0, [200.0, 100.0], &line, false, WritingMode::Horizontal, ID)
        else {
            panic!("not placed")
        };
        assert!(!flipped);
        assert_eq!(glyphs, raw);

        // A left-to-right line is not flipped.
        let rev = [[100.0, 100.0], [300.0, 100.0]];
        let LineLabel::Placed { flipped, .. } =
            place_line_label(&offsets, [0.0, 0.0], 0, [200.0, 100.0], &rev, true, WritingMode::Horizontal, ID)
        else {
            panic!("not placed")
        };
        assert!(!flipped);

        // Sideways offset stays on the same side of the line when flipped.
        let g = place_glyphs_along_line(&offsets, 0.0, 10.0, 0, [200.0, 100.0], &line, true).unwrap();
        assert!(g.iter().all(|g| g.point[1] == 90.0));
        let g = place_glyphs_along_line(&offsets, 0.0, 10.0, 0, [200.0, 100.0], &line, false).unwrap();
        assert!(g.iter().all(|g| g.point[1] == 90.0));

        // A single glyph decides from the anchor and its segment's end.
        let LineLabel::Placed { glyphs, flipped } =
            place_line_label(&[0.0], [0.0, 0.0], 0, [200.0, 100.0], &line, true, WritingMode::Horizontal, ID)
        else {
            panic!("not placed")
        };
        assert!(flipped && same_angle(glyphs[0].angle, 0.0));
    }

    #[test]
    fn vertical_modes() {
        // A line going up the screen (y decreasing).
        let line = [[100.0, 300.0], [100.0, 100.0]];
        let offsets = [-20.0, 20.0];
        assert_eq!(
            place_line_label(&offsets, [0.0, 0.0], 0, [100.0, 200.0], &line, true, WritingMode::HorizontalWithVertical, ID),
            LineLabel::UseVertical
        );
        // Vertical text whose first glyph is below its last gets flipped.
        let LineLabel::Placed { glyphs, flipped } =
            place_line_label(&offsets, [0.0, 0.0], 0, [100.0, 200.0], &line, true, WritingMode::Vertical, ID)
        else {
            panic!("not placed")
        };
        assert!(flipped);
        assert_eq!((glyphs[0].point, glyphs[1].point), ([100.0, 180.0], [100.0, 220.0]));
        assert_eq!(orientation(WritingMode::Vertical, [0.0, 0.0], [0.0, 10.0]), Orientation::Upright);
        // The orientation test uses screen positions: a mirroring to_screen flips the verdict.
        let mirror: &dyn Fn([f32; 2]) -> [f32; 2] = &|p| [-p[0], p[1]];
        let rtl = [[300.0, 100.0], [100.0, 100.0]];
        let LineLabel::Placed { flipped, .. } =
            place_line_label(&offsets, [0.0, 0.0], 0, [200.0, 100.0], &rtl, true, WritingMode::Horizontal, mirror)
        else {
            panic!("not placed")
        };
        assert!(!flipped);
    }

    #[test]
    fn a_walk_within_the_reach_window_is_the_walk_on_the_whole_line() {
        // A zigzag of 10,000 vertices, 10 px apart; a label anchored in the
        // middle reaching 55 px each way.
        let line: Vec<[f32; 2]> = (0..10_000).map(|i| [i as f32 * 8.0, if i % 2 == 0 { 0.0 } else { 6.0 }]).collect();
        let (segment, anchor) = (5000, [40_004.0, 3.0]);
        let offsets = [-55.0, -20.0, 0.0, 30.0, 55.0];
        let (lo, hi) = reach_window(&line, segment, anchor, 56.0, Some);
        assert!(lo < segment && hi > segment + 1 && hi - lo < 16, "{lo}..={hi}");
        for flip in [false, true] {
            let whole = place_glyphs_along_line(&offsets, 0.0, 2.0, segment, anchor, &line, flip);
            let window = place_glyphs_along_line(&offsets, 0.0, 2.0, segment - lo, anchor, &line[lo..=hi], flip);
            assert!(whole.is_some());
            assert_eq!(whole, window);
        }
        // A vertex that cannot be projected ends the window that way.
        let (lo, hi) = reach_window(&line, segment, anchor, 1e9, |p| (p[0] < 40_100.0).then_some(p));
        assert_eq!((lo, hi), (0, 5013)); // (40,104 px: the first beyond)
        assert_eq!(reach_window(&line[..1], 0, anchor, 10.0, Some), (0, 0));
    }
}
