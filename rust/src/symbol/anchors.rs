//! Where labels go along a line: resampled anchors every `spacing` tile
//! units (`symbol-placement: line`), the single anchor at the middle of the
//! line (`symbol-placement: line-center`), and the sharp-corner test
//! (`text-max-angle`) that rejects anchors whose label would bend too much.
//!
//! Behaviour follows MapLibre (GL JS `get_anchors.ts` / `check_max_angle.ts`,
//! Native `get_anchors.cpp` / `check_max_angle.cpp`), including its quirks:
//! anchors are rounded to its 8192-per-tile grid, a corner exactly at the label's
//! end is not counted, and a line whose first vertex lies on the tile border
//! is treated as continued from the neighbouring tile.
//!
//! Units: every length here is in tile units (0..extent, usually 4096),
//! except the shaping extents `(left, right)`, which are in glyph-metric units
//! (MapLibre's 24 px em, the units of the shaping) and are turned into tile
//! units by `box_scale`. Angles are radians, measured in tile space (y down),
//! `atan2(dy, dx)` of the segment direction.

/// A label position on a line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    /// Tile coordinates, rounded to MapLibre's grid (8192 units per tile).
    pub point: [f32; 2],
    /// Direction of the line at the anchor, radians: `atan2(b.y - a.y,
    /// b.x - a.x)` of the segment `a -> b` the anchor lies on.
    pub angle: f32,
    /// Index `i` of the segment `line[i] -> line[i + 1]` holding the anchor;
    /// `None` for anchors not bound to a line (points, polygon centres),
    /// which always pass [`check_max_angle`].
    pub segment: Option<usize>,
}

/// MapLibre's glyph size (the em of the shaping units), for `glyph_size`.
pub const GLYPH_SIZE: f32 = 24.0;

/// MapLibre's `tilePixelRatio`: tile units per layout pixel of an
/// (overscaled) tile: `extent / (tile_size * overscaling)`, e.g.
/// 4096 / 512 = 8 at overscaling 1. Multiply `symbol-spacing` (px) by it to
/// get the `spacing` argument of [`line_anchors`]; multiply
/// `text-size(z18) / 24` by it to get `box_scale` (MapLibre's
/// `textMaxBoxScale`).
pub fn tile_pixel_ratio(tile_extent: f32, tile_size_px: f32, overscaling: f32) -> f32 {
    tile_extent / (tile_size_px * overscaling)
}

pub(crate) fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    let dx = f64::from(b[0]) - f64::from(a[0]);
    let dy = f64::from(b[1]) - f64::from(a[1]);
    (dx * dx + dy * dy).sqrt() as f32
}

/// Direction of `from -> to`, radians (computed in f64 as MapLibre Native).
fn heading(from: [f32; 2], to: [f32; 2]) -> f64 {
    (f64::from(to[1]) - f64::from(from[1])).atan2(f64::from(to[0]) - f64::from(from[0]))
}

pub(crate) fn line_length(line: &[[f32; 2]]) -> f32 {
    line.windows(2).map(|w| dist(w[0], w[1])).sum()
}

fn lerp(a: [f32; 2], b: [f32; 2], t: f32) -> [f32; 2] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

/// Label length along the line in tile units: the wider of text and icon
/// (shaping units) times `box_scale`.
fn label_length(shaped_text: Option<(f32, f32)>, shaped_icon: Option<(f32, f32)>) -> f32 {
    let w = |s: Option<(f32, f32)>| s.map_or(0.0, |(l, r)| r - l);
    w(shaped_text).max(w(shaped_icon))
}

/// Length of the window over which corner angles are summed: 3/5 em when
/// there is text (in tile units), 0 (= no angle check) for icon-only labels.
fn angle_window(shaped_text: Option<(f32, f32)>, glyph_size: f32, box_scale: f32) -> f32 {
    if shaped_text.is_some() {
        3.0 / 5.0 * glyph_size * box_scale
    } else {
        0.0
    }
}

/// Whether a label of `label_length` (tile units) centred on `anchor` stays
/// clear of sharp bends: walking the line over the label's extent, the sum
/// of absolute turning angles of the corners lying within any stretch of
/// `window_size` tile units must not exceed `max_angle` (radians). Corners
/// are counted from the vertex after the one reached by walking back at
/// least `label_length / 2`, up to (excluding) the first vertex at or beyond
/// `+label_length / 2`. Fails when the line does not extend
/// `label_length / 2` on both sides of the anchor. Anchors without a segment
/// always pass.
pub fn check_max_angle(
    line: &[[f32; 2]],
    anchor: &Anchor,
    label_length: f32,
    window_size: f32,
    max_angle: f32,
) -> bool {
    let Some(segment) = anchor.segment else {
        return true;
    };
    let half = label_length / 2.0;

    // Back up vertex by vertex until at least half the label lies behind.
    // `vertex` is the vertex reached, `along` its signed distance from the anchor.
    let mut vertex = segment + 1;
    let mut along = 0.0f32;
    let mut from = anchor.point;
    while along > -half {
        if vertex == 0 {
            return false; // line starts before the label would
        }
        vertex -= 1;
        along -= dist(line[vertex], from);
        from = line[vertex];
    }
    along += dist(line[vertex], line[vertex + 1]);
    vertex += 1;

    // Walk forward over the label, keeping the corners of the last window.
    let mut window: std::collections::VecDeque<(f32, f32)> = Default::default();
    let mut window_sum = 0.0f32;
    while along < half {
        if vertex + 1 >= line.len() {
            return false; // line ends before the label would
        }
        let (prev, cur, next) = (line[vertex - 1], line[vertex], line[vertex + 1]);
        let turn = heading(prev, cur) - heading(cur, next);
        // fold into [0, pi]
        let turn = (((turn + 3.0 * std::f64::consts::PI) % (2.0 * std::f64::consts::PI))
            - std::f64::consts::PI)
            .abs() as f32;
        window.push_back((along, turn));
        window_sum += turn;
        while let Some(&(d, t)) = window.front() {
            if along - d > window_size {
                window_sum -= t;
                window.pop_front();
            } else {
                break;
            }
        }
        if window_sum > max_angle {
            return false;
        }
        along += dist(cur, next);
        vertex += 1;
    }
    true
}

/// Anchors every `spacing` along `line`, MapLibre's `getAnchors`.
///
/// - `line`: tile coordinates (already clipped to the tile as MapLibre does).
/// - `spacing`: tile units between anchors (`symbol-spacing * tile_pixel_ratio`,
///   see [`tile_pixel_ratio`], which already divides by overscaling). When
///   the label is long (`spacing - label < spacing / 4`) the spacing grows
///   to `label + spacing / 4`.
/// - `max_angle`: `text-max-angle` in radians.
/// - `shaped_text`, `shaped_icon`: `(left, right)` extents of the shaping in
///   glyph units (24 px em); `None` when absent. The text's presence also
///   switches the angle check on.
/// - `glyph_size`: the em in glyph units, [`GLYPH_SIZE`] (24).
/// - `box_scale`: tile units per glyph unit (MapLibre's `textMaxBoxScale` =
///   `tile_pixel_ratio * text-size(z18) / 24`).
/// - `overscaling`: the tile's overscale factor (1 for a non-overscaled tile).
/// - `tile_extent`: tile units across the tile (4096).
///
/// The first anchor sits at `(label/2 + 2 em) * box_scale * overscaling`
/// (mod spacing) from the start, or at `spacing/2 * overscaling` (mod
/// spacing) when the line starts on the tile border (continued from a
/// neighbour); then one every `spacing`. An anchor is kept when it lies
/// inside `[0, extent)` on both axes, the whole label fits between the
/// line's ends, and (with text) it passes [`check_max_angle`] with a window
/// of 3/5 em. If a line not continued from a neighbour gets no anchor, one
/// more attempt is made at the line's middle (that too is subject to all
/// the checks above).
#[allow(clippy::too_many_arguments)]
pub fn line_anchors(
    line: &[[f32; 2]],
    spacing: f32,
    max_angle: f32,
    shaped_text: Option<(f32, f32)>,
    shaped_icon: Option<(f32, f32)>,
    glyph_size: f32,
    box_scale: f32,
    overscaling: f32,
    tile_extent: f32,
) -> Vec<Anchor> {
    if line.len() < 2 || !(spacing > 0.0) {
        return Vec::new();
    }
    let window = angle_window(shaped_text, glyph_size, box_scale);
    let shaped_length = label_length(shaped_text, shaped_icon);
    let label = shaped_length * box_scale;

    let first = line[0];
    let continued = first[0] == 0.0
        || first[0] == tile_extent
        || first[1] == 0.0
        || first[1] == tile_extent;

    let mut spacing = spacing;
    if spacing - label < spacing / 4.0 {
        spacing = label + spacing / 4.0;
    }

    // Extra room before the first label of a line that really starts here,
    // so that labels keep clear of T junctions.
    let extra = glyph_size * 2.0;
    let offset = if continued {
        (spacing / 2.0 * overscaling) % spacing
    } else {
        ((shaped_length / 2.0 + extra) * box_scale * overscaling) % spacing
    };

    let sampler = Resampler { line, spacing, window, max_angle, label, tile_extent };
    let anchors = sampler.run(offset);
    if anchors.is_empty() && !continued {
        // Mostly for short lines in overscaled tiles, whose offset aligns
        // labels with the parent tile rather than the line's start.
        return sampler.run(line_length(line) / 2.0);
    }
    anchors
}

struct Resampler<'a> {
    line: &'a [[f32; 2]],
    spacing: f32,
    window: f32,
    max_angle: f32,
    label: f32,
    tile_extent: f32,
}

impl Resampler<'_> {
    /// Candidate positions `offset + k * spacing` (k >= 0) along the line.
    fn run(&self, offset: f32) -> Vec<Anchor> {
        let total = line_length(self.line);
        let half = self.label / 2.0;
        let mut anchors = Vec::new();
        let mut start = 0.0f32; // distance of line[i] from the line's start
        let mut mark = offset - self.spacing; // last candidate distance
        for (i, w) in self.line.windows(2).enumerate() {
            let (a, b) = (w[0], w[1]);
            let seg = dist(a, b);
            let angle = heading(a, b) as f32;
            while mark + self.spacing < start + seg {
                mark += self.spacing;
                let [x, y] = lerp(a, b, (mark - start) / seg);
                let inside = x >= 0.0 && x < self.tile_extent && y >= 0.0 && y < self.tile_extent;
                if !inside || mark - half < 0.0 || mark + half > total {
                    continue;
                }
                let anchor = Anchor { point: [on_grid(x, self.tile_extent), on_grid(y, self.tile_extent)], angle, segment: Some(i) };
                if self.window == 0.0
                    || check_max_angle(self.line, &anchor, self.label, self.window, self.max_angle)
                {
                    anchors.push(anchor);
                }
            }
            start += seg;
        }
        anchors
    }
}

/// The one anchor of `symbol-placement: line-center`: the point at half the
/// line's length (rounded), with the direction of its segment; `None` when
/// the line is empty/degenerate or the label fails [`check_max_angle`]
/// there. Parameters as for [`line_anchors`] (no spacing; the label is not
/// required to lie inside the tile, MapLibre does not clip these lines).
pub fn center_anchor(
    line: &[[f32; 2]],
    max_angle: f32,
    shaped_text: Option<(f32, f32)>,
    shaped_icon: Option<(f32, f32)>,
    glyph_size: f32,
    box_scale: f32,
    tile_extent: f32,
) -> Option<Anchor> {
    let window = angle_window(shaped_text, glyph_size, box_scale);
    let label = label_length(shaped_text, shaped_icon) * box_scale;
    let middle = line_length(line) / 2.0;
    let mut start = 0.0f32;
    for (i, w) in line.windows(2).enumerate() {
        let (a, b) = (w[0], w[1]);
        let seg = dist(a, b);
        if start + seg > middle {
            let [x, y] = lerp(a, b, (middle - start) / seg);
            let anchor = Anchor {
                point: [on_grid(x, tile_extent), on_grid(y, tile_extent)],
                angle: heading(a, b) as f32,
                segment: Some(i),
            };
            let ok = window == 0.0 || check_max_angle(line, &anchor, label, window, max_angle);
            return ok.then_some(anchor);
        }
        start += seg;
    }
    None
}

/// MapLibre's tile units per tile: it scales every tile's geometry to this
/// extent, so positions it rounds land on this grid whatever the tile's own
/// extent.
const MAPLIBRE_EXTENT: f32 = 8192.0;

/// `v` (units of a tile of `extent`) rounded to MapLibre's grid: whole units
/// of [`MAPLIBRE_EXTENT`] (half units of a 4096-extent tile; it matters in
/// overscaled tiles, where one unit can be a device pixel or more).
fn on_grid(v: f32, extent: f32) -> f32 {
    let k = MAPLIBRE_EXTENT / extent.max(1.0);
    (v * k).round() / k
}

/// The parts of `lines` inside the tile's square `[0, extent]`, as MapLibre
/// cuts lines before placing labels along them (`symbol-placement: line`):
/// each segment is cut at x = 0, y = 0, x = extent, y = extent in that
/// order, crossings rounded to whole tile units; consecutive pieces that
/// meet stay one line. A line leaving the tile so starts on its border,
/// which makes it "continued" for [`line_anchors`].
pub fn clip_to_tile(lines: &[Vec<[f32; 2]>], extent: f32) -> Vec<Vec<[f32; 2]>> {
    // `v` moved onto the boundary `axis = k`, the other coordinate
    // interpolated towards `w` and rounded.
    let cut = |v: [f32; 2], w: [f32; 2], axis: usize, k: f32| -> [f32; 2] {
        let t = (k - v[axis]) / (w[axis] - v[axis]);
        let mut p = [0.0; 2];
        p[axis] = k;
        p[1 - axis] = on_grid(v[1 - axis] + (w[1 - axis] - v[1 - axis]) * t, extent);
        p
    };
    let mut out: Vec<Vec<[f32; 2]>> = Vec::new();
    for line in lines {
        for pair in line.windows(2) {
            let (mut p0, mut p1) = (pair[0], pair[1]);
            let mut outside = false;
            for (axis, k, below) in [(0, 0.0, true), (1, 0.0, true), (0, extent, false), (1, extent, false)] {
                let out_of = |p: [f32; 2]| if below { p[axis] < k } else { p[axis] >= k };
                match (out_of(p0), out_of(p1)) {
                    (true, true) => {
                        outside = true;
                        break;
                    }
                    (true, false) => p0 = cut(p0, p1, axis, k),
                    (false, true) => p1 = cut(p0, p1, axis, k),
                    (false, false) => {}
                }
            }
            if outside || !p0.iter().chain(&p1).all(|v| v.is_finite()) {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.last() == Some(&p0) => last.push(p1),
                _ => out.push(vec![p0, p1]),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::{FRAC_PI_2, PI};

    const EXTENT: f32 = 4096.0;
    /// A 100-unit-wide text (shaping -50..50) at box scale 1.
    const TEXT100: Option<(f32, f32)> = Some((-50.0, 50.0));

    fn deg(d: f32) -> f32 {
        d.to_radians()
    }

    fn xs(a: &[Anchor]) -> Vec<f32> {
        a.iter().map(|a| a.point[0]).collect()
    }

    #[test]
    fn continued_straight_line_anchors_every_spacing_from_half_spacing() {
        // Starts on the tile border: continued; offset = (250/2 * 1) % 250 = 125.
        // Candidates 125 + 250k; the 100-long label must end by 4096:
        // 125 + 250k + 50 <= 4096 -> k <= 15.
        let line = [[0.0, 100.0], [4096.0, 100.0]];
        let a = line_anchors(&line, 250.0, deg(45.0), TEXT100, None, 24.0, 1.0, 1.0, EXTENT);
        let want: Vec<f32> = (0..16).map(|k| 125.0 + 250.0 * k as f32).collect();
        assert_eq!(xs(&a), want);
        assert!(a.iter().all(|a| a.point[1] == 100.0 && a.angle == 0.0 && a.segment == Some(0)));
    }

    #[test]
    fn fresh_line_starts_after_half_label_plus_two_ems() {
        // Not on the border: offset = (50 + 2*24) * 1 * 1 = 98 from x = 10.
        // Length 4000: 98 + 250k + 50 <= 4000 -> k <= 15.
        let line = [[10.0, 100.0], [4010.0, 100.0]];
        let a = line_anchors(&line, 250.0, deg(45.0), TEXT100, None, 24.0, 1.0, 1.0, EXTENT);
        let want: Vec<f32> = (0..16).map(|k| 108.0 + 250.0 * k as f32).collect();
        assert_eq!(xs(&a), want);

        // Overscaling 2: offset = 98 * 2 = 196 (spacing given in tile units).
        let a = line_anchors(&line, 250.0, deg(45.0), TEXT100, None, 24.0, 1.0, 2.0, EXTENT);
        assert_eq!(a[0].point, [206.0, 100.0]);
        assert_eq!(a[1].point, [456.0, 100.0]);

        // Overscaling 3: offset = 294 % 250 = 44, below half the label (50):
        // the first candidate is rejected, the next is at 294.
        let a = line_anchors(&line, 250.0, deg(45.0), TEXT100, None, 24.0, 1.0, 3.0, EXTENT);
        assert_eq!(a[0].point, [10.0 + 294.0, 100.0]);
    }

    #[test]
    fn long_label_widens_spacing_and_box_scale_applies() {
        // Shaping 0..100 at box scale 2 -> label 200; spacing 250 - 200 < 62.5
        // -> spacing = 200 + 62.5 = 262.5. Continued: offset = 131.25.
        let line = [[0.0, 500.0], [1000.0, 500.0]];
        let a = line_anchors(&line, 250.0, PI, Some((0.0, 100.0)), None, 24.0, 2.0, 1.0, EXTENT);
        // On MapLibre's grid (half units of this 4096 tile): 131.25 -> 131.5,
        // 393.75 -> 394, 656.25 -> 656.5; 918.75 + 100 > 1000.
        assert_eq!(xs(&a), vec![131.5, 394.0, 656.5]);
    }

    #[test]
    fn anchors_only_inside_tile() {
        let line = [[0.0, 100.0], [8192.0, 100.0]];
        let a = line_anchors(&line, 250.0, deg(45.0), TEXT100, None, 24.0, 1.0, 1.0, EXTENT);
        // 125 + 250k < 4096 -> k <= 15 (3875); 4125 is outside.
        assert_eq!(a.len(), 16);
        assert_eq!(a.last().unwrap().point[0], 3875.0);
    }

    #[test]
    fn anchors_near_a_sharp_corner_are_skipped() {
        // Corner at distance 1100; candidates 125 + 250k; the one at 1125 is
        // 25 past the corner, within the half label (50) -> the 90° turn is
        // inside the label.
        let line = [[0.0, 100.0], [1100.0, 100.0], [1100.0, 2100.0]];
        let strict = line_anchors(&line, 250.0, deg(45.0), TEXT100, None, 24.0, 1.0, 1.0, EXTENT);
        let lax = line_anchors(&line, 250.0, deg(100.0), TEXT100, None, 24.0, 1.0, 1.0, EXTENT);
        // 125 + 250k + 50 <= 3100 -> k <= 11: 12 candidates.
        assert_eq!(lax.len(), 12);
        let corner = lax[4];
        assert_eq!(corner.point, [1100.0, 125.0]);
        assert_eq!(corner.segment, Some(1));
        assert_eq!(corner.angle, FRAC_PI_2);
        assert_eq!(strict.len(), 11);
        assert!(!strict.contains(&corner));
        // icon-only labels skip the angle check altogether
        let icon = line_anchors(&line, 250.0, deg(45.0), None, Some((-50.0, 50.0)), 24.0, 1.0, 1.0, EXTENT);
        assert_eq!(icon.len(), 12);
    }

    #[test]
    fn short_line_gets_a_middle_anchor_only_if_the_label_fits() {
        // Length 200 from x = 10, overscaling 2: offset 196; 196 + 50 > 200,
        // so no regular anchor; the retry at the middle (100) fits.
        let line = [[10.0, 100.0], [210.0, 100.0]];
        let a = line_anchors(&line, 250.0, deg(45.0), TEXT100, None, 24.0, 1.0, 2.0, EXTENT);
        assert_eq!(a, vec![Anchor { point: [110.0, 100.0], angle: 0.0, segment: Some(0) }]);
        // A 250-long label never fits on a 200-long line.
        let a = line_anchors(&line, 250.0, deg(45.0), Some((-125.0, 125.0)), None, 24.0, 1.0, 2.0, EXTENT);
        assert!(a.is_empty());
        // A continued line gets no middle retry.
        let line = [[0.0, 100.0], [100.0, 100.0]];
        let a = line_anchors(&line, 250.0, deg(45.0), TEXT100, None, 24.0, 1.0, 1.0, EXTENT);
        assert!(a.is_empty());
    }

    #[test]
    fn center_anchor_half_way_with_segment_angle() {
        // Length 300 + 400 = 700; middle at 350 = 50 down the second leg.
        let line = [[0.0, 0.0], [300.0, 0.0], [300.0, 400.0]];
        let want = Anchor { point: [300.0, 50.0], angle: FRAC_PI_2, segment: Some(1) };
        // 40-long label: corner 50 behind, outside the label.
        assert_eq!(center_anchor(&line, deg(45.0), Some((-20.0, 20.0)), None, 24.0, 1.0, 8192.0), Some(want));
        // 200-long label spans the 90° corner.
        assert_eq!(center_anchor(&line, deg(45.0), Some((-100.0, 100.0)), None, 24.0, 1.0, 8192.0), None);
        assert_eq!(center_anchor(&line, deg(100.0), Some((-100.0, 100.0)), None, 24.0, 1.0, 8192.0), Some(want));
        // Leftward line: angle pi.
        let line = [[400.0, 10.0], [0.0, 10.0]];
        let a = center_anchor(&line, deg(45.0), TEXT100, None, 24.0, 1.0, 8192.0).unwrap();
        assert_eq!((a.point, a.angle), ([200.0, 10.0], PI));
        assert_eq!(center_anchor(&[[1.0, 1.0]], 1.0, TEXT100, None, 24.0, 1.0, 8192.0), None);
    }

    #[test]
    fn check_max_angle_on_a_zigzag() {
        // Corners: 45° at (100,0), 90° at (200,100), (300,0), (400,100), 45° at (500,0).
        let line = [
            [0.0, 0.0],
            [100.0, 0.0],
            [200.0, 100.0],
            [300.0, 0.0],
            [400.0, 100.0],
            [500.0, 0.0],
            [600.0, 0.0],
        ];
        // Middle of the third segment; corners at ±70.7, ±212.1.
        let anchor = Anchor { point: [250.0, 50.0], angle: -PI / 4.0, segment: Some(2) };
        // A 100-long label has no corner inside: passes even at 0°.
        assert!(check_max_angle(&line, &anchor, 100.0, 14.4, 0.0));
        // 200-long: two 90° corners 141 apart; a small window sees one at a time.
        assert!(check_max_angle(&line, &anchor, 200.0, 14.4, deg(100.0)));
        assert!(!check_max_angle(&line, &anchor, 200.0, 14.4, deg(80.0)));
        // A window wider than 141 adds them up to 180°.
        assert!(!check_max_angle(&line, &anchor, 200.0, 150.0, deg(100.0)));
        assert!(check_max_angle(&line, &anchor, 200.0, 150.0, deg(181.0)));
        // 500-long: 4 corners (45+90+90+90) within 424; a 500 window sums 315°.
        assert!(!check_max_angle(&line, &anchor, 500.0, 500.0, deg(300.0)));
        assert!(check_max_angle(&line, &anchor, 500.0, 500.0, deg(316.0)));
        // The line reaches 312 back and 454 ahead: 600 fits, 700 does not.
        assert!(check_max_angle(&line, &anchor, 600.0, 14.4, PI));
        assert!(!check_max_angle(&line, &anchor, 700.0, 14.4, PI));
        // Unbound anchors always pass.
        let free = Anchor { segment: None, ..anchor };
        assert!(check_max_angle(&line, &free, 10_000.0, 14.4, 0.0));
    }

    #[test]
    fn lines_are_cut_to_the_tile_and_start_on_its_border() {
        // In from the left (crossing on MapLibre's grid: half units here),
        // out at the bottom, back in.
        let line = vec![[-100.0, 10.0], [100.0, 11.0], [100.0, 5000.0], [200.0, 5000.0], [200.0, 50.0], [300.0, 50.0]];
        let parts = clip_to_tile(&[line], 4096.0);
        assert_eq!(parts, vec![vec![[0.0, 10.5], [100.0, 11.0], [100.0, 4096.0]], vec![[200.0, 4096.0], [200.0, 50.0], [300.0, 50.0]]]);
        // Wholly outside: nothing. Wholly inside: unchanged.
        assert!(clip_to_tile(&[vec![[-5.0, 1.0], [-1.0, 9.0]]], 4096.0).is_empty());
        let inside = vec![[1.0, 1.0], [20.0, 30.0], [40.0, 2.0]];
        assert_eq!(clip_to_tile(&[inside.clone()], 4096.0), vec![inside]);
    }
}
