//! Tile cover: which tiles of a source to load and draw for a camera.
//!
//! The cover zoom follows MapLibre: `z = zoom + log2(512 / tile_size)`, floored
//! for vector/GeoJSON sources and rounded for raster sources (`round_zoom`). If
//! `z` is below the source's `min_zoom` nothing is drawn; above `max_zoom` the
//! source is overzoomed: the tile at `max_zoom` is loaded and drawn over its
//! whole area while `overscaled_z` keeps the display zoom (for layout scaling).
//!
//! The visible ground is the screen quad projected onto the map; in steep
//! pitched views its top is cut where the ground is [`MAX_DEPTH`] times farther
//! from the camera than the center (and always below the horizon). Tiles are
//! found by a quadtree descent over every world copy the quad touches, keeping a
//! tile if it overlaps the quad with positive area (separating-axis test). Far from the camera
//! (perspective divisor `w ≥ 3`, only in views pitched beyond ~60°) tiles use
//! lower zooms, one level per doubling of distance, like MapLibre's level of
//! detail for pitched views.
//!
//! Output: [`CoveredTile`]s sorted by distance from the view center (nearest first).

use crate::source::feature::TileId;
use crate::source::transform::Transform;
use crate::source::url::TileBounds;

/// The visible ground is cut where the ground is this many times farther from the
/// camera than the center.
pub const MAX_DEPTH: f64 = 16.0;

/// Largest number of world copies (per side) a cover considers.
const MAX_WRAP: i32 = 32;

/// What to cover.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverOptions {
    /// The source's tile size in pixels: 512 for vector tiles, 256 for most raster.
    pub tile_size: u32,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// Round the cover zoom (raster sources) instead of flooring it.
    pub round_zoom: bool,
    /// Draw world copies across the antimeridian (MapLibre's `renderWorldCopies`).
    pub world_copies: bool,
    /// Tiles outside these bounds are left out.
    pub bounds: Option<TileBounds>,
    /// At most this many tiles (0 = no limit): above it the data zoom is
    /// lowered (tiles overscaled) before any tile is enumerated, then the
    /// tiles farthest from the centre are dropped.
    pub max_tiles: u32,
}

impl Default for CoverOptions {
    fn default() -> Self {
        CoverOptions {
            tile_size: 512,
            min_zoom: 0,
            max_zoom: 22,
            round_zoom: false,
            world_copies: true,
            bounds: None,
            max_tiles: 0,
        }
    }
}

impl CoverOptions {
    /// Options for a vector (or GeoJSON) source with tile size 512.
    pub fn vector(min_zoom: u8, max_zoom: u8) -> Self {
        CoverOptions { min_zoom, max_zoom, ..CoverOptions::default() }
    }
    /// Options for a raster source (rounded zoom).
    pub fn raster(tile_size: u32, min_zoom: u8, max_zoom: u8) -> Self {
        CoverOptions { tile_size, min_zoom, max_zoom, round_zoom: true, ..CoverOptions::default() }
    }
}

/// One tile of a cover.
///
/// * `id` is the canonical tile whose data is loaded (at most the source's max zoom).
/// * `overscaled_z >= id.z` is the zoom it is displayed at (greater when overzoomed).
/// * `wrap` is the world copy it is drawn in: world x offset = `wrap` world widths,
///   i.e. it is drawn where tile `(id.z, id.x + wrap * 2^id.z, id.y)` would be. Use
///   `Transform::tile_matrix(id, wrap, extent)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CoveredTile {
    pub id: TileId,
    pub overscaled_z: u8,
    pub wrap: i32,
}

impl CoveredTile {
    /// Whether this tile holds a point given in the units of `of`, a tile
    /// with `extent` units a side (any zoom, any world copy): a point in a
    /// tile's buffer belongs to the neighbour holding it.
    pub fn holds(&self, of: &CoveredTile, extent: u32, p: [f64; 2]) -> bool {
        let extent = f64::from(extent.max(1));
        let n = f64::from(of.id.z).exp2();
        // World units of `of`'s zoom, world copies side by side.
        let gx = f64::from(of.id.x) + f64::from(of.wrap) * n + p[0] / extent;
        let gy = f64::from(of.id.y) + p[1] / extent;
        let k = f64::from(i32::from(self.id.z) - i32::from(of.id.z)).exp2();
        let cn = f64::from(self.id.z).exp2();
        let (cx, cy) = (gx * k - (f64::from(self.id.x) + f64::from(self.wrap) * cn), gy * k - f64::from(self.id.y));
        (0.0..1.0).contains(&cx) && (0.0..1.0).contains(&cy)
    }
}

/// The cover zoom before clamping: `zoom + log2(512 / tile_size)`, floored or rounded.
pub fn cover_zoom(t: &Transform, opts: &CoverOptions) -> i32 {
    let z = t.zoom + (512.0 / f64::from(opts.tile_size.max(1))).log2();
    let z = if opts.round_zoom { z.round() } else { z.floor() };
    z.clamp(-64.0, 64.0) as i32
}

/// The visible ground polygon in mercator units ([0, 1] is one world; x may leave
/// it for world copies), as a convex quad, clockwise on screen.
pub fn visible_quad(t: &Transform) -> Option<[[f64; 2]; 4]> {
    let (w, h) = (t.width, t.height);
    let p = t.pitch.to_radians();
    let mut top = 0.0f64;
    if p > 0.0 {
        let (sp, cp) = p.sin_cos();
        let d = t.camera_to_center_distance();
        let s = (cp / MAX_DEPTH - cp) * d / sp;
        top = top.max(h / 2.0 + s);
    }
    if top >= h {
        return None;
    }
    let ws = t.world_size();
    let corner = |x: f64, y: f64| t.screen_to_world([x, y]).map(|p| [p[0] / ws, p[1] / ws]);
    Some([corner(0.0, top)?, corner(w, top)?, corner(w, h)?, corner(0.0, h)?])
}

fn intersects(quad: &[[f64; 2]; 4], min: [f64; 2], max: [f64; 2]) -> bool {
    let (mut qmin, mut qmax) = ([f64::MAX; 2], [f64::MIN; 2]);
    for p in quad {
        for i in 0..2 {
            qmin[i] = qmin[i].min(p[i]);
            qmax[i] = qmax[i].max(p[i]);
        }
    }
    if qmax[0] <= min[0] || qmin[0] >= max[0] || qmax[1] <= min[1] || qmin[1] >= max[1] {
        return false;
    }
    let corners = [[min[0], min[1]], [max[0], min[1]], [max[0], max[1]], [min[0], max[1]]];
    for i in 0..4 {
        let a = quad[i];
        let b = quad[(i + 1) % 4];
        let n = [-(b[1] - a[1]), b[0] - a[0]];
        if n[0] == 0.0 && n[1] == 0.0 {
            continue;
        }
        let proj = |p: [f64; 2]| n[0] * p[0] + n[1] * p[1];
        let (mut q0, mut q1) = (f64::MAX, f64::MIN);
        for p in quad {
            q0 = q0.min(proj(*p));
            q1 = q1.max(proj(*p));
        }
        let (mut b0, mut b1) = (f64::MAX, f64::MIN);
        for p in corners {
            b0 = b0.min(proj(p));
            b1 = b1.max(proj(p));
        }
        if b1 <= q0 || b0 >= q1 {
            return false;
        }
    }
    true
}

/// The tiles covering the view, nearest to the center first.
pub fn cover(t: &Transform, opts: &CoverOptions) -> Vec<CoveredTile> {
    cover_capped(t, opts).0
}

/// How a cover was held to [`CoverOptions::max_tiles`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capped {
    /// Tiles the view would have needed at its data zoom (an estimate).
    pub wanted: u64,
    /// The data zoom used instead.
    pub data_zoom: u8,
}

/// [`cover`], and whether `max_tiles` capped it.
pub fn cover_capped(t: &Transform, opts: &CoverOptions) -> (Vec<CoveredTile>, Option<Capped>) {
    let z = cover_zoom(t, opts);
    if z < i32::from(opts.min_zoom) {
        return (Vec::new(), None);
    }
    let z = z.min(30) as u8;
    let Some(quad) = visible_quad(t) else { return (Vec::new(), None) };
    let m = t.world_matrix();
    let ws = t.world_size();
    // perspective divisor at a mercator point
    let w_at = |p: [f64; 2]| m[2][0] * p[0] * ws + m[2][1] * p[1] * ws + m[2][2];
    let lod = t.pitch > 0.0;

    let (mut xmin, mut xmax) = (f64::MAX, f64::MIN);
    for p in &quad {
        xmin = xmin.min(p[0]);
        xmax = xmax.max(p[0]);
    }
    let (w0, w1) = if opts.world_copies {
        ((xmin.floor() as i32).max(-MAX_WRAP), (xmax.floor() as i32).min(MAX_WRAP))
    } else {
        (0, 0)
    };
    // The tile budget, before enumerating: lower the data zoom until the
    // visible box's tile count fits (an over-estimate under pitch).
    let mut max_data_z = opts.max_zoom.min(z);
    let mut capped = None;
    if opts.max_tiles > 0 {
        let (mut ymin, mut ymax) = (f64::MAX, f64::MIN);
        for p in &quad {
            ymin = ymin.min(p[1]);
            ymax = ymax.max(p[1]);
        }
        let bw = (xmax.min(f64::from(w1) + 1.0) - xmin.max(f64::from(w0))).max(0.0);
        let bh = (ymax.min(1.0) - ymin.max(0.0)).max(0.0);
        let estimate = |d: u8| {
            let n = (1u64 << d) as f64;
            (bw * n + 1.0).ceil() * (bh * n + 1.0).ceil()
        };
        let wanted = estimate(max_data_z);
        while max_data_z > opts.min_zoom && estimate(max_data_z) > f64::from(opts.max_tiles) {
            max_data_z -= 1;
        }
        if wanted > f64::from(opts.max_tiles) {
            capped = Some(Capped { wanted: wanted.min(u64::MAX as f64) as u64, data_zoom: max_data_z });
        }
    }
    let bounds = opts.bounds.as_ref().map(TileBounds::mercator);
    let mut out = Vec::new();
    let mut stack: Vec<(u8, u32, u32)> = Vec::new();
    for wrap in w0..=w1 {
        stack.push((0, 0, 0));
        while let Some((tz, tx, ty)) = stack.pop() {
            let n = (1u64 << tz) as f64;
            let min = [f64::from(tx) / n + f64::from(wrap), f64::from(ty) / n];
            let max = [min[0] + 1.0 / n, min[1] + 1.0 / n];
            if !intersects(&quad, min, max) {
                continue;
            }
            // level of detail: the zoom this tile should be displayed at
            let mut want = z;
            if lod {
                let corners = [min, [max[0], min[1]], max, [min[0], max[1]]];
                let wmin = corners.iter().map(|c| w_at(*c)).fold(f64::MAX, f64::min);
                if wmin >= 3.0 {
                    let drop = (wmin / 1.5).log2().floor().max(0.0) as u8;
                    want = z.saturating_sub(drop).max(opts.min_zoom);
                }
            }
            let data_z = want.min(max_data_z);
            if tz < data_z {
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    stack.push((tz + 1, tx * 2 + dx, ty * 2 + dy));
                }
                continue;
            }
            let id = TileId::new(tz, tx, ty);
            if let Some(b) = &bounds {
                if !b.contains(id) {
                    continue;
                }
            }
            out.push(CoveredTile { id, overscaled_z: want.max(tz), wrap });
        }
    }
    let c = t.center_world();
    let c = [c[0] / ws, c[1] / ws];
    let dist = |ct: &CoveredTile| {
        let n = (1u64 << ct.id.z) as f64;
        let x = (f64::from(ct.id.x) + 0.5) / n + f64::from(ct.wrap) - c[0];
        let y = (f64::from(ct.id.y) + 0.5) / n - c[1];
        x * x + y * y
    };
    out.sort_by(|a, b| dist(a).total_cmp(&dist(b)).then_with(|| a.cmp(b)));
    out.dedup();
    if opts.max_tiles > 0 && out.len() > opts.max_tiles as usize {
        capped.get_or_insert(Capped { wanted: out.len() as u64, data_zoom: max_data_z });
        out.truncate(opts.max_tiles as usize);
    }
    (out, capped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(c: &[CoveredTile]) -> Vec<(u8, u32, u32, i32)> {
        c.iter().map(|t| (t.id.z, t.id.x, t.id.y, t.wrap)).collect()
    }

    #[test]
    fn a_tile_budget_lowers_the_data_zoom_before_enumerating() {
        // tileSize 1 at zoom 10 on a 1024 px view: 10^6 tiles at zoom 19.
        let mut t = Transform::new(1024.0, 1024.0);
        t.set_camera(13.4, 52.5, 10.0, 0.0, 0.0);
        let mut o = CoverOptions::raster(1, 0, 22);
        o.max_tiles = 100;
        let (tiles, capped) = cover_capped(&t, &o);
        assert!(!tiles.is_empty() && tiles.len() <= 100, "{}", tiles.len());
        let capped = capped.expect("capped");
        assert!(capped.wanted > 100_000, "{capped:?}");
        assert!(tiles.iter().all(|c| c.id.z == capped.data_zoom && c.overscaled_z >= c.id.z));
        // Under the budget: unchanged.
        o.tile_size = 512;
        let (tiles, capped) = cover_capped(&t, &o);
        assert_eq!(capped, None);
        assert_eq!(tiles, cover(&t, &CoverOptions::raster(512, 0, 22)));
    }

    #[test]
    fn z0_whole_world() {
        let t = Transform::new(512.0, 512.0);
        let c = cover(&t, &CoverOptions::default());
        assert_eq!(ids(&c), vec![(0, 0, 0, 0)]);
    }

    #[test]
    fn z1_centered() {
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(0.0, 0.0, 1.0, 0.0, 0.0);
        let c = cover(&t, &CoverOptions::default());
        let mut got = ids(&c);
        got.sort();
        assert_eq!(got, vec![(1, 0, 0, 0), (1, 0, 1, 0), (1, 1, 0, 0), (1, 1, 1, 0)]);
        // raster 256 tiles: zoom + 1
        let c = cover(&t, &CoverOptions::raster(256, 0, 22));
        // the screen shows the central half of the world: the middle 2x2 of 4x4
        let mut got = ids(&c);
        got.sort();
        assert_eq!(got, vec![(2, 1, 1, 0), (2, 1, 2, 0), (2, 2, 1, 0), (2, 2, 2, 0)]);
    }

    #[test]
    fn sorted_by_distance_and_fractional_zoom() {
        let mut t = Transform::new(600.0, 400.0);
        t.set_camera(13.4, 52.5, 10.7, 0.0, 0.0);
        let c = cover(&t, &CoverOptions::default());
        assert!(c.iter().all(|t| t.id.z == 10 && t.overscaled_z == 10));
        // the first tile contains the center
        let n = 1024.0;
        let cx = (crate::source::transform::mercator_x(13.4) * n) as u32;
        let cy = (crate::source::transform::mercator_y(52.5) * n) as u32;
        assert_eq!((c[0].id.x, c[0].id.y), (cx, cy));
        // screen at z10.7 spans 600/(512*2^0.7) ~ 0.72 tiles wide: 2x2 tiles at most
        assert!(c.len() <= 4 && !c.is_empty(), "{c:?}");
    }

    #[test]
    fn overzoom_and_minzoom() {
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(10.0, 10.0, 16.5, 0.0, 0.0);
        let c = cover(&t, &CoverOptions::vector(0, 14));
        assert!(!c.is_empty());
        assert!(c.iter().all(|t| t.id.z == 14 && t.overscaled_z == 16));
        // a 512px screen at z16 lies within at most 2x2 z14 tiles
        assert!(c.len() <= 4);
        t.set_camera(10.0, 10.0, 3.0, 0.0, 0.0);
        assert!(cover(&t, &CoverOptions::vector(5, 14)).is_empty());
    }

    #[test]
    fn a_buffer_point_is_held_by_its_neighbour_at_any_zoom_and_world_copy() {
        let tile = |z: u8, x: u32, y: u32, wrap: i32| CoveredTile { id: TileId { z, x, y }, overscaled_z: z, wrap };
        let of = tile(1, 1, 0, 0);
        // Just right of tile 1/1/0: the next world copy's tile 1/0/0.
        let p = [4096.0 + 10.0, 100.0];
        assert!(tile(1, 0, 0, 1).holds(&of, 4096, p));
        assert!(!tile(1, 0, 0, 0).holds(&of, 4096, p));
        assert!(tile(2, 0, 0, 1).holds(&of, 4096, p), "a child tile of the neighbour");
        assert!(!of.holds(&of, 4096, p), "not the tile whose buffer it is in");
        assert!(of.holds(&of, 4096, [0.0, 0.0]) && !of.holds(&of, 4096, [-1.0, 0.0]));
    }

    #[test]
    fn a_one_pixel_sliver_of_a_world_copy_is_covered() {
        // 514 px at zoom 0: the world (512 px) leaves one pixel of each
        // neighbouring copy in view; features there (a circle centred just
        // outside) still draw, as in MapLibre.
        let t = Transform::new(514.0, 514.0);
        let got = ids(&cover(&t, &CoverOptions::default()));
        assert!(got.contains(&(0, 0, 0, -1)) && got.contains(&(0, 0, 0, 1)), "{got:?}");
    }

    #[test]
    fn wraps_across_antimeridian() {
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(180.0, 0.0, 2.0, 0.0, 0.0);
        let c = cover(&t, &CoverOptions::default());
        let got = ids(&c);
        assert!(got.contains(&(2, 3, 1, 0)) && got.contains(&(2, 0, 1, 1)), "{got:?}");
        let no_copies = CoverOptions { world_copies: false, ..CoverOptions::default() };
        assert!(cover(&t, &no_copies).iter().all(|t| t.wrap == 0));
        // zoomed out wide view: several world copies
        let mut t = Transform::new(2048.0, 512.0);
        t.set_camera(0.0, 0.0, 0.0, 0.0, 0.0);
        let got = ids(&cover(&t, &CoverOptions::default()));
        assert_eq!(got.len(), 5, "{got:?}");
        assert_eq!(got[0], (0, 0, 0, 0));
    }

    #[test]
    fn bearing_and_pitch() {
        let mut flat = Transform::new(512.0, 512.0);
        flat.set_camera(0.0, 40.0, 5.5, 0.0, 0.0);
        let n_flat = cover(&flat, &CoverOptions::default()).len();
        let mut rotated = flat.clone();
        rotated.set_camera(0.0, 40.0, 5.5, 45.0, 0.0);
        assert!(cover(&rotated, &CoverOptions::default()).len() >= n_flat);
        let mut pitched = flat.clone();
        pitched.set_camera(0.0, 40.0, 5.5, 0.0, 60.0);
        let c = cover(&pitched, &CoverOptions::default());
        assert!(c.len() > n_flat);
        assert!(c.iter().all(|t| t.id.z == 5));
        // tiles north of center (far side) are covered farther than south
        let cy = crate::source::transform::mercator_y(40.0) * 32.0;
        let north = c.iter().filter(|t| f64::from(t.id.y) + 1.0 < cy).count();
        let south = c.iter().filter(|t| f64::from(t.id.y) > cy).count();
        assert!(north > south, "{north} {south}");
        // steep pitch: far tiles at lower zoom, bounded count
        let mut steep = flat.clone();
        steep.max_pitch = 85.0;
        steep.set_camera(0.0, 40.0, 12.0, 0.0, 85.0);
        let c = cover(&steep, &CoverOptions::default());
        assert!(c.iter().any(|t| t.id.z < 12) && c.iter().any(|t| t.id.z == 12));
        assert!(c.len() < 200, "{}", c.len());
    }

    #[test]
    fn bounds_filter() {
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(0.0, 0.0, 2.0, 0.0, 0.0);
        let o = CoverOptions {
            bounds: Some(TileBounds::from_array([1.0, 1.0, 20.0, 20.0]).unwrap()),
            ..CoverOptions::default()
        };
        let got = ids(&cover(&t, &o));
        assert_eq!(got, vec![(2, 2, 1, 0)]);
    }
}
