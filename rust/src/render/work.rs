//! How much drawing a display list asks of the rasterizer, and the bound on
//! it. The rasterizer visits, for every primitive it draws (a line segment,
//! a circle, a polygon, a glyph or icon quad, a face, a whole-target layer),
//! the pixels of that primitive's bounds on the target. Styles and tiles set
//! both factors: a tile may hold 10^7 vertices and a line may be 10^7 px
//! wide, so a frame could ask for 10^14 pixel visits (days of drawing). The
//! frame's bound is a number of pixel visits; the commands that would pass
//! it are skipped in paint order, counted, and reported by the caller.
//!
//! Every estimate is an upper bound of the primitive's visits clipped to the
//! target (segments: the smaller of their clipped box and their stroke's
//! rectangle), counted before anything is drawn, so the commands kept do
//! not depend on the thread count.

use super::display_list::{GroundMap, Px};
use super::geom::Poly;
use super::rasterize::finite_bounds as bounds;

/// The part of the target the estimates are clipped to (min x, min y,
/// max x, max y): the whole target, or a command's clip.
#[derive(Clone, Copy, Debug)]
pub(super) struct Target([f32; 4]);

impl Target {
    /// A whole `w` x `h` target.
    pub fn new(w: u32, h: u32) -> Target {
        Target([0.0, 0.0, w as f32, h as f32])
    }

    /// The part of this target inside `b` (empty when they do not meet).
    pub fn within(&self, b: [f32; 4]) -> Target {
        let t = self.0;
        Target([t[0].max(b[0]), t[1].max(b[1]), t[2].min(b[2]), t[3].min(b[3])])
    }

    /// Pixels of `b` (min x, min y, max x, max y) on the target.
    pub fn area(&self, b: [f32; 4]) -> f64 {
        let t = self.0;
        if !(b[0] <= b[2] && b[1] <= b[3]) {
            return 0.0;
        }
        let dx = (b[2].min(t[2]) - b[0].max(t[0])).max(0.0);
        let dy = (b[3].min(t[3]) - b[1].max(t[1])).max(0.0);
        f64::from(dx) * f64::from(dy)
    }

    /// All of it.
    pub fn all(&self) -> f64 {
        self.area(self.0)
    }

    /// Line segments of `lines` (device px), each reaching `d` px from its
    /// centre line: the smaller of its clipped box and its stroke rectangle.
    pub fn segments(&self, lines: &[Vec<Px>], d: f32) -> f64 {
        let d = finite_or_max(d);
        let mut sum = 0.0;
        for line in lines {
            for s in line.windows(2) {
                let (a, b) = (s[0], s[1]);
                let boxed = self.area([a[0].min(b[0]) - d, a[1].min(b[1]) - d, a[0].max(b[0]) + d, a[1].max(b[1]) + d]);
                let len = f64::from(b[0] - a[0]).hypot(f64::from(b[1] - a[1]));
                let band = (len + 2.0 * f64::from(d)) * (2.0 * f64::from(d) + 2.0);
                sum += if band.is_finite() { boxed.min(band) } else { boxed };
            }
            if line.len() == 1 {
                let p = line[0];
                sum += self.area([p[0] - d, p[1] - d, p[0] + d, p[1] + d]);
            }
        }
        sum
    }

    /// Segments on the ground plane (`d` in ground units), by their
    /// projected boxes.
    pub fn ground_segments(&self, ground: &GroundMap, lines: &[Vec<Px>], d: f32) -> f64 {
        lines.iter().map(|l| l.windows(2).map(|s| self.area(ground.polyline_bounds(s, d))).sum::<f64>()).sum()
    }

    /// Squares of half side `d` around `centres`.
    pub fn squares(&self, centres: &[Px], d: f32) -> f64 {
        let d = finite_or_max(d);
        centres.iter().map(|p| self.area([p[0] - d, p[1] - d, p[0] + d, p[1] + d])).sum()
    }

    /// Quads (or any point sets), each by its box grown by `d`.
    pub fn boxes<'a, I, P>(&self, shapes: I, d: f32) -> f64
    where
        I: Iterator<Item = P>,
        P: Iterator<Item = &'a Px>,
    {
        shapes.map(|pts| bounds(pts).map_or(0.0, |b| self.area([b[0] - d, b[1] - d, b[2] + d, b[3] + d]))).sum()
    }

    /// Polygons of a fill: each by its rings' box (and the rows it spans).
    pub fn polygons(&self, rings: &[Vec<Px>], polygons: &[Poly], d: f32) -> f64 {
        polygons
            .iter()
            .map(|p| {
                let b = bounds(rings[p.rings.clone()].iter().flatten()).map_or([1.0, 1.0, 0.0, 0.0], |b| [b[0] - d, p.y[0], b[2] + d, p.y[1]]);
                self.area(b)
            })
            .sum()
    }
}

fn finite_or_max(d: f32) -> f32 {
    if d.is_finite() {
        d.max(0.0)
    } else {
        f32::MAX
    }
}

/// A raster pixel visit (a sample of the tile image, resampled and with
/// the raster paint's adjustments) counts as this many fill visits: 200
/// hillshade layers over a 2048 x 2048 frame spent 16 s in 8 x 10^8 raster
/// visits, about twice what as many fill visits take, so the bound's
/// seconds were about twice as many for rasters.
pub const RASTER_VISIT_COST: f64 = 2.0;

/// What the bound cut from a frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Cut {
    /// The draw commands skipped (their indices, in order), of `commands`.
    pub skipped: Vec<usize>,
    pub commands: usize,
    /// Pixel visits the whole list asked for, and the bound.
    pub asked: u64,
    pub limit: u64,
}

/// The share of the bound one group of commands (a style layer) may take
/// when there are several: one layer's excess leaves room for the layers
/// drawn after it (labels come last).
pub const GROUP_SHARE: u64 = 4;

/// Keeps commands in paint order while their visits fit `limit`, and each
/// group's (commands from one of `groups`, the first commands of the groups
/// in order) fit `limit / GROUP_SHARE` when there are several: a command that
/// would pass either is skipped, and later, smaller ones may still fit.
/// Returns the cut when any command is skipped.
pub(super) fn keep_within(works: &[f64], groups: &[usize], limit: u64) -> Option<Cut> {
    let clean = |w: f64| if w.is_finite() { w.max(0.0) } else { f64::MAX };
    let group_limit = if groups.len() > 1 { limit / GROUP_SHARE } else { limit } as f64;
    let (mut spent, mut group_spent) = (0.0f64, 0.0f64);
    let mut next_group = groups.iter().peekable();
    let mut skipped = Vec::new();
    for (i, &w) in works.iter().enumerate() {
        while next_group.next_if(|&&g| g <= i).is_some() {
            group_spent = 0.0;
        }
        let w = clean(w);
        if spent + w > limit as f64 || group_spent + w > group_limit {
            skipped.push(i);
        } else {
            spent += w;
            group_spent += w;
        }
    }
    let asked: f64 = works.iter().map(|&w| clean(w)).sum();
    (!skipped.is_empty()).then(|| Cut { skipped, commands: works.len(), asked: asked.min(u64::MAX as f64) as u64, limit })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Target = Target([0.0, 0.0, 100.0, 50.0]);

    #[test]
    fn areas_are_clipped_to_the_target() {
        assert_eq!(T.area([10.0, 10.0, 20.0, 30.0]), 200.0);
        assert_eq!(T.area([-1e30, -1e30, 1e30, 1e30]), 5000.0);
        assert_eq!(T.area([200.0, 0.0, 300.0, 10.0]), 0.0);
        assert_eq!(T.area([f32::NAN, 0.0, 1.0, 1.0]), 0.0);
        let clipped = T.within([90.0, -10.0, 200.0, 10.0]);
        assert_eq!(clipped.area([-1e30, -1e30, 1e30, 1e30]), 100.0);
        assert_eq!(T.within([200.0, 0.0, 300.0, 10.0]).all(), 0.0);
    }

    #[test]
    fn a_segment_costs_its_stroke_not_its_box_and_at_most_the_target() {
        // A thin diagonal: its box is the whole target, its stroke far less.
        let thin = T.segments(&[vec![[0.0, 0.0], [100.0, 50.0]]], 1.0);
        assert!(thin < 600.0, "{thin}");
        // A line a million px wide visits every pixel once per segment.
        let wide = T.segments(&[vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]]], 1e6);
        assert_eq!(wide, 2.0 * T.all());
        let inf = T.segments(&[vec![[0.0, 0.0], [10.0, 0.0]]], f32::INFINITY);
        assert_eq!(inf, T.all());
    }

    #[test]
    fn commands_past_the_limit_are_skipped_and_later_small_ones_kept() {
        let cut = keep_within(&[40.0, 50.0, 30.0, 5.0, f64::NAN], &[], 100).unwrap();
        assert_eq!((cut.skipped, cut.commands, cut.limit), (vec![2, 4], 5, 100));
        assert!(cut.asked > 100);
        assert_eq!(keep_within(&[40.0, 50.0], &[0], 100), None);
        assert_eq!(keep_within(&[], &[], 0), None);
    }

    #[test]
    fn one_group_takes_at_most_its_share_and_the_next_groups_draw() {
        // Groups start at commands 0, 3 and 5; each may take 100 / 4 = 25.
        let works = [10.0, 10.0, 10.0, 20.0, 20.0, 5.0];
        let cut = keep_within(&works, &[0, 3, 5], 100).unwrap();
        assert_eq!(cut.skipped, vec![2, 4], "the third of group 0 and the second of group 1");
        // A lone group may take everything.
        assert_eq!(keep_within(&works, &[0], 100), None);
    }
}
