//! A line feature's segments: each centre line cut into segments with
//! their joins and what they carry along the line, then each segment's quad
//! as GL draws it (two triangles) and the box of everything it draws.
//!
//! Segments are built and drawn in chunks of [`CHUNK`], so the scratch
//! stays bounded whatever the line's length (a 2.8-million-vertex line held
//! all its segments at once: 450 MB per band).

use super::super::display_list::{GroundMap, LineCap, LineGradient, LineStyle};
use super::join::{join_at, Bevel, End};
use super::paint::LinePatternShader;

/// Segments built before they are drawn (about 2.5 MB of scratch). Pieces
/// combine in any order, except that a gradient keeps the progress of the
/// last piece over a pixel and a pattern composites its pieces in order:
/// lines of fewer segments than this draw exactly as one batch (every
/// segment, then every bevel); longer ones draw each chunk's segments, then
/// its bevels.
pub(super) const CHUNK: usize = 16_384;

#[derive(Clone, Copy)]
pub(super) struct Seg {
    pub(super) a: [f32; 2],
    pub(super) b: [f32; 2],
    pub(super) start: End,
    pub(super) end: End,
    /// The quad's two triangles (L0, R0, L1) and (R0, L1, R1) as edge
    /// functions `[ex, ey, c]`, positive inside.
    pub(super) tris: [[[f32; 3]; 3]; 2],
    /// Bounding box of everything the segment draws.
    pub(super) bbox: [f32; 4],
    /// What the line carries at `a` and `b` ([`Along`]).
    pub(super) prog: [f32; 2],
}

/// A ground segment's pieces on screen (pitched lines): its quad's
/// corners (L0, R0, L1, R1) projected, `None` when one of them is (almost)
/// behind the camera, and the box of its round pieces (empty when none).
#[derive(Clone, Copy)]
pub(super) struct OnScreen {
    quad: Option<[[f32; 2]; 4]>,
    round: [f32; 4],
}

impl OnScreen {
    /// The columns `[x0, x1)` of row centre `y` that the segment can
    /// cover, within `[lo, hi)`: the quad's triangles crossed by the row
    /// and the round pieces' box (1 px margin).
    pub(super) fn columns(&self, y: f32, lo: f32, hi: f32) -> (f32, f32) {
        let Some(q) = self.quad else { return (lo, hi) };
        let mut r = [f32::INFINITY, f32::NEG_INFINITY];
        for t in [[q[0], q[1], q[2]], [q[1], q[2], q[3]]] {
            for i in 0..3 {
                let (p, n) = (t[i], t[(i + 1) % 3]);
                if (p[1] <= y && n[1] >= y) || (n[1] <= y && p[1] >= y) {
                    if n[1] != p[1] {
                        let x = p[0] + (y - p[1]) * (n[0] - p[0]) / (n[1] - p[1]);
                        r = [r[0].min(x), r[1].max(x)];
                    } else {
                        r = [r[0].min(p[0]).min(n[0]), r[1].max(p[0]).max(n[0])];
                    }
                }
            }
        }
        if y >= self.round[1] && y <= self.round[3] {
            r = [r[0].min(self.round[0]), r[1].max(self.round[2])];
        }
        ((r[0].floor() - 1.0).max(lo), (r[1].ceil() + 1.0).min(hi))
    }
}

/// Edge functions of a triangle, positive inside (all zero when degenerate).
fn edges(p: [[f32; 2]; 3]) -> [[f32; 3]; 3] {
    let area = (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[1][1] - p[0][1]) * (p[2][0] - p[0][0]);
    if area.abs() < 1e-9 || !area.is_finite() {
        return [[0.0, 0.0, -1.0]; 3];
    }
    // Scaled so that each function is the barycentric weight of its vertex.
    let sg = 1.0 / area;
    let mut out = [[0.0; 3]; 3];
    for i in 0..3 {
        let (u, v) = (p[(i + 1) % 3], p[(i + 2) % 3]);
        // Positive on the side of p[i].
        let ex = -(v[1] - u[1]) * sg;
        let ey = (v[0] - u[0]) * sg;
        out[i] = [ex, ey, -(ex * u[0] + ey * u[1])];
    }
    out
}

#[inline]
pub(super) fn inside(t: &[[f32; 3]; 3], x: f32, y: f32) -> bool {
    t.iter().all(|e| e[0] * x + e[1] * y + e[2] >= 0.0)
}

fn length(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt()
}

/// What a line carries along its length, from the distance at a vertex:
/// each segment's `prog` at its ends and each bevel's `along`.
#[derive(Clone, Copy)]
pub(super) enum Along<'a> {
    /// The distance itself (solid lines, which do not read it).
    Distance,
    /// Gradient progress, linear in the distance: `p0 + k * d`.
    Progress { p0: f32, k: f32 },
    /// Dashes: the distance floored to `step` as MapLibre stores it (0: as is).
    Dash { step: f32 },
    /// Patterns: the distance as the pattern stores it.
    Pattern(&'a LinePatternShader<'a>),
}

impl Along<'_> {
    /// Gradient progress along a centre line starting at distance `start`:
    /// linear between the feature's clip fractions over the line's length,
    /// or `per_px` from 0.
    pub(super) fn gradient(g: &LineGradient, start: f32, pts: &[[f32; 2]]) -> Along<'static> {
        let (p0, k) = match g.clip {
            Some([a, b]) => {
                let end = pts.windows(2).fold(start, |d, s| d + length(s[0], s[1]));
                (a, if end > 0.0 { (b - a) / end } else { 0.0 })
            }
            None => (0.0, if g.per_px.is_finite() { g.per_px } else { 0.0 }),
        };
        Along::Progress { p0, k }
    }

    #[inline]
    fn at(&self, d: f32) -> f32 {
        match *self {
            Along::Distance => d,
            Along::Progress { p0, k } => p0 + k * d,
            Along::Dash { step } if step > 0.0 => (d / step).floor() * step,
            Along::Dash { .. } => d,
            Along::Pattern(p) => p.stored(d),
        }
    }
}

/// Segments and bevels waiting to be drawn (scratch, reused).
pub(super) struct Chunk {
    pub(super) segs: Vec<Seg>,
    pub(super) bevels: Vec<Bevel>,
    /// Pitched lines: each segment's pieces on screen.
    pub(super) on_screen: Vec<OnScreen>,
    /// Segments held before they are drawn: [`CHUNK`] (tests vary it).
    pub(super) limit: usize,
}

impl Default for Chunk {
    fn default() -> Chunk {
        Chunk { segs: Vec::new(), bevels: Vec::new(), on_screen: Vec::new(), limit: CHUNK }
    }
}

impl Chunk {
    pub(super) fn clear(&mut self) {
        self.segs.clear();
        self.bevels.clear();
        self.on_screen.clear();
    }

    /// Adds the segments of the centre line `pts` (at least 2 points;
    /// `closed`: its last point is its first), each shaped as it is built,
    /// the first starting at distance `dist`, calling `full` whenever
    /// `limit` segments wait.
    pub(super) fn add_line(&mut self, pts: &[[f32; 2]], closed: bool, mut dist: f32, along: Along, shaper: &Shaper, full: &mut impl FnMut(&mut Chunk)) {
        let n = pts.len();
        let unit = |i: usize| -> [f32; 2] {
            let (a, b) = (pts[i], pts[i + 1]);
            let l = length(a, b);
            if l > 0.0 {
                [(b[0] - a[0]) / l, (b[1] - a[1]) / l]
            } else {
                [1.0, 0.0]
            }
        };
        let (style, outset) = (shaper.style, shaper.outset);
        // A closed line's last segment joins its first: that join is built
        // first, so the first segment can be drawn before the last is built.
        let closing = (closed && n > 2).then(|| join_at(pts[n - 1], unit(n - 2), unit(0), style, outset));
        let mut start = closing.map_or(End::Cap, |c| c.1);
        let mut u = unit(0);
        for i in 0..n.saturating_sub(1) {
            let (a, b) = (pts[i], pts[i + 1]);
            let len = length(a, b);
            let next = (i + 2 < n).then(|| unit(i + 1));
            let (end, next_start, bevel) = match (next, closing) {
                (Some(v), _) => join_at(b, u, v, style, outset),
                (None, Some((e, _, bevel))) => (e, End::Cap, bevel),
                (None, None) => (End::Cap, End::Cap, None),
            };
            if let Some(bv) = bevel {
                self.bevels.push(Bevel { along: along.at(dist + len), ..bv });
            }
            let prog = [along.at(dist), along.at(dist + len)];
            let (seg, on_screen) = shaper.segment(a, b, u, start, end, prog);
            self.segs.push(seg);
            self.on_screen.extend(on_screen);
            start = next_start;
            dist += len;
            u = next.unwrap_or(u);
            if self.segs.len() >= self.limit {
                full(self);
            }
        }
    }
}

/// What shapes a line's segments: its style, how far its quads reach from
/// the centre line, and the ground it lies on (pitched lines).
pub(super) struct Shaper<'a> {
    pub(super) style: &'a LineStyle,
    pub(super) outset: f32,
    pub(super) ground: Option<&'a GroundMap>,
}

impl Shaper<'_> {
    /// The segment from `a` to `b` (unit direction `u`) with its ends: its
    /// quad's end points on the two edge lines (flat ends, square caps
    /// pushed out by the outset, joins as built by [`join_at`]), the box of
    /// everything it draws and, on the ground, its pieces on screen (the
    /// box projected).
    fn segment(&self, a: [f32; 2], b: [f32; 2], u: [f32; 2], start: End, end: End, prog: [f32; 2]) -> (Seg, Option<OnScreen>) {
        let (cap, outset) = (self.style.cap, self.outset);
        let square = cap == LineCap::Square;
        let n = [-u[1], u[0]];
        let corners = |v: [f32; 2], e: End, back: f32| -> ([f32; 2], [f32; 2]) {
            match e {
                End::Pts(p, q) => {
                    if (p[0] - v[0]) * n[0] + (p[1] - v[1]) * n[1] >= (q[0] - v[0]) * n[0] + (q[1] - v[1]) * n[1] {
                        (p, q)
                    } else {
                        (q, p)
                    }
                }
                _ => {
                    let ext = if square && matches!(e, End::Cap) { back * outset } else { 0.0 };
                    let c = [v[0] + u[0] * ext, v[1] + u[1] * ext];
                    ([c[0] + n[0] * outset, c[1] + n[1] * outset], [c[0] - n[0] * outset, c[1] - n[1] * outset])
                }
            }
        };
        let (l0, r0) = corners(a, start, -1.0);
        let (l1, r1) = corners(b, end, 1.0);
        let tris = [edges([l0, r0, l1]), edges([r0, l1, r1])];
        let union = |a: [f32; 4], b: [f32; 4]| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])];
        let empty = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
        let round = [(a, start), (b, end)].into_iter().filter(|(_, e)| e.is_round(cap));
        let (bbox, on_screen) = match self.ground {
            None => {
                let quad = [l0, r0, l1, r1].iter().fold(empty, |bb, p| union(bb, [p[0], p[1], p[0], p[1]]));
                (round.fold(quad, |bb, (v, _)| union(bb, [v[0] - outset, v[1] - outset, v[0] + outset, v[1] + outset])), None)
            }
            Some(gm) => {
                // On the ground: the bounds of the quad and the round pieces, projected.
                let pieces = round.fold(empty, |bb, (v, _)| union(bb, gm.hull_bounds(&[v], outset)));
                let quad = [l0, r0, l1, r1].map(|p| gm.to_screen(p));
                let quad = quad.iter().all(Option::is_some).then(|| quad.map(|p| p.unwrap_or_default()));
                (union(gm.hull_bounds(&[l0, r0, l1, r1], 0.0), pieces), Some(OnScreen { quad, round: pieces }))
            }
        };
        (Seg { a, b, start, end, tris, bbox, prog }, on_screen)
    }
}

#[cfg(test)]
mod tests {
    use super::{Along, Chunk, End, Shaper, CHUNK};
    use crate::render::tests::line_style;
    use crate::style::color::Color;

    /// A segment as (a, b, prog, start kind, end kind).
    type Summary = ([f32; 2], [f32; 2], [f32; 2], u8, u8);

    fn summary(c: &Chunk) -> Vec<Summary> {
        let kind = |e: End| match e {
            End::Cap => 0,
            End::Round => 1,
            End::Pts(..) => 2,
        };
        c.segs.iter().map(|s| (s.a, s.b, s.prog, kind(s.start), kind(s.end))).collect()
    }

    #[test]
    fn a_long_line_is_handed_over_in_chunks_of_the_same_segments() {
        // A closed zigzag ring of 2.5 chunks: the chunks handed over hold at
        // most CHUNK segments each and, joined, the segments one batch holds.
        let n = CHUNK * 5 / 2;
        let mut pts: Vec<[f32; 2]> = (0..n).map(|i| [i as f32, if i % 2 == 0 { 0.0 } else { 3.0 }]).collect();
        pts.push([n as f32 / 2.0, -50.0]);
        pts.push(pts[0]);
        let st = line_style(Color::WHITE, 2.0);
        let along = Along::Dash { step: 0.5 };
        let shaper = Shaper { style: &st, outset: 1.5, ground: None };
        let mut chunked = Vec::new();
        let mut sizes = Vec::new();
        let mut c = Chunk::default();
        c.add_line(&pts, true, 7.0, along, &shaper, &mut |c: &mut Chunk| {
            sizes.push(c.segs.len());
            chunked.extend(summary(c));
            c.clear();
        });
        sizes.push(c.segs.len());
        chunked.extend(summary(&c));
        assert_eq!(sizes, vec![CHUNK, CHUNK, pts.len() - 1 - 2 * CHUNK]);

        let mut whole = Chunk::default();
        whole.add_line(&pts, true, 7.0, along, &shaper, &mut |_: &mut Chunk| ());
        let whole = summary(&whole);
        assert_eq!(whole.len(), pts.len() - 1);
        assert!(chunked == whole, "chunked segments differ from one batch");
        // The ring's closing join (a miter) shapes both its first and last
        // segment; the distances run on from 7 (floored to 0.5).
        assert_eq!((whole[0].3, whole[whole.len() - 1].4), (2, 2));
        assert_eq!(whole[0].2[0], 7.0);
        // 7 + sqrt(10) = 10.16..., floored to 10.
        assert_eq!(whole[1].2[0], 10.0);
    }
}
