//! Tile geometry to device pixels: a tile's projection, its clip quad, and
//! translate offsets.

use super::clip::{clip_line, clip_ring, square, HalfPlane};
use crate::render::display_list::{ClipQuad, GroundMap, Px};
use crate::source::cover::CoveredTile;
use crate::source::feature::TilePoint;
use crate::data::matrix::inv3;
use crate::source::transform::{TileMatrix, Transform};

/// Projects one covered tile's points into device pixels.
pub struct TileProjector {
    matrix: TileMatrix,
    scale: f32,
    /// A `*-translate` shift in tile units, applied on the ground.
    shift: [f64; 2],
    extent: u32,
    /// Set when the tile reaches behind the camera: geometry is clipped to
    /// the tile square and to the near limit before it is projected.
    near_clip: Option<Vec<HalfPlane>>,
}

/// Points closer to the camera than this (perspective divisor) are cut away.
const NEAR_W: f64 = 0.05;

impl TileProjector {
    pub fn new(transform: &Transform, tile: &CoveredTile, extent: u32, pixel_ratio: f32) -> TileProjector {
        let mut p = TileProjector {
            matrix: transform.tile_matrix(tile.id, tile.wrap, extent.max(1)),
            scale: pixel_ratio,
            shift: [0.0, 0.0],
            extent: extent.max(1),
            near_clip: None,
        };
        p.near_clip = p.near_planes();
        p
    }

    /// The clipping region when some of the tile square is too near the camera.
    fn near_planes(&self) -> Option<Vec<HalfPlane>> {
        let e = f64::from(self.extent);
        let m = &self.matrix.m;
        let w = |x: f64, y: f64| m[2][0] * (x + self.shift[0]) + m[2][1] * (y + self.shift[1]) + m[2][2];
        if [(0.0, 0.0), (e, 0.0), (0.0, e), (e, e)].iter().all(|&(x, y)| w(x, y) > NEAR_W) {
            return None;
        }
        let near = HalfPlane {
            a: m[2][0],
            b: m[2][1],
            c: m[2][0] * self.shift[0] + m[2][1] * self.shift[1] + m[2][2] - NEAR_W,
        };
        let mut planes = square(e).to_vec();
        planes.push(near);
        Some(planes)
    }

    /// The same projector with geometry shifted on the ground by `shift` tile units.
    pub fn translated(&self, shift: [f64; 2]) -> TileProjector {
        let mut p = TileProjector { matrix: self.matrix, scale: self.scale, shift, extent: self.extent, near_clip: None };
        p.near_clip = p.near_planes();
        p
    }

    #[inline]
    fn point_f(&self, [x, y]: [f64; 2]) -> Px {
        let [x, y] = self.matrix.project_f(x + self.shift[0], y + self.shift[1]);
        [x * self.scale, y * self.scale]
    }

    /// Whether a point is far enough in front of the camera to be drawn.
    pub fn in_front(&self, p: TilePoint) -> bool {
        self.w(p) > NEAR_W as f32
    }

    /// Polygon rings, projected (clipped first when the tile reaches behind
    /// the camera).
    pub fn rings(&self, geometry: &[Vec<TilePoint>]) -> Vec<Vec<Px>> {
        let Some(planes) = &self.near_clip else { return self.parts(geometry) };
        geometry
            .iter()
            .map(|ring| {
                let pts: Vec<[f64; 2]> = ring.iter().map(|p| [f64::from(p.x), f64::from(p.y)]).collect();
                clip_ring(&pts, planes).into_iter().map(|p| self.point_f(p)).collect::<Vec<Px>>()
            })
            .filter(|r| !r.is_empty())
            .collect()
    }

    /// Lines, projected (clipped first when the tile reaches behind the camera).
    pub fn lines(&self, geometry: &[Vec<TilePoint>]) -> Vec<Vec<Px>> {
        let Some(planes) = &self.near_clip else { return self.parts(geometry) };
        geometry
            .iter()
            .flat_map(|line| {
                let pts: Vec<[f64; 2]> = line.iter().map(|p| [f64::from(p.x), f64::from(p.y)]).collect();
                clip_line(&pts, planes)
            })
            .map(|piece| piece.into_iter().map(|p| self.point_f(p)).collect())
            .collect()
    }

    /// The device-pixel vectors of a `step` (tile units) along the tile's x
    /// and y axes, where the projection is linear (no pitch; None otherwise).
    pub fn axes(&self, step: f64) -> Option<[[f32; 2]; 2]> {
        let m = &self.matrix.m;
        if m[2][0] != 0.0 || m[2][1] != 0.0 || m[2][2] == 0.0 {
            return None;
        }
        let k = f64::from(self.scale) / m[2][2] * step;
        let axes = [[(m[0][0] * k) as f32, (m[1][0] * k) as f32], [(m[0][1] * k) as f32, (m[1][1] * k) as f32]];
        axes.iter().flatten().all(|v| v.is_finite()).then_some(axes)
    }

    /// Lines on the ground plane instead of projected: `(tile point +
    /// shift) x units` (see [`TileProjector::ground_map`]), not clipped.
    pub fn ground_lines(&self, geometry: &[Vec<TilePoint>], units: f64) -> Vec<Vec<Px>> {
        let g = |p: &TilePoint| [((f64::from(p.x) + self.shift[0]) * units) as f32, ((f64::from(p.y) + self.shift[1]) * units) as f32];
        geometry.iter().map(|l| l.iter().map(g).collect()).collect()
    }

    /// The ground plane of [`TileProjector::ground_lines`] with `units`
    /// ground units per tile unit, and device pixels (`None`: degenerate),
    /// clipped to the tile's square (on the ground, so that every tile's
    /// square is cut the same way: use it instead of [`TileProjector::clip`]).
    pub fn ground_map(&self, units: f64) -> Option<GroundMap> {
        if !(units.is_finite() && units > 0.0) {
            return None;
        }
        let (m, s) = (&self.matrix.m, f64::from(self.scale));
        let to_screen: [[f64; 3]; 3] = std::array::from_fn(|i| {
            let k = if i < 2 { s } else { 1.0 };
            [m[i][0] * k / units, m[i][1] * k / units, m[i][2] * k]
        });
        let from_screen = inv3(&to_screen)?;
        let e = f64::from(self.extent);
        let [x0, y0] = [self.shift[0] * units, self.shift[1] * units];
        let clip = Some([x0, y0, x0 + e * units, y0 + e * units]);
        (to_screen.iter().chain(from_screen.iter()).flatten().all(|v| v.is_finite())).then_some(GroundMap { to_screen, from_screen, clip })
    }

    #[inline]
    pub fn point(&self, p: TilePoint) -> Px {
        let [x, y] = if self.shift == [0.0, 0.0] {
            self.matrix.project(p)
        } else {
            self.matrix.project_f(f64::from(p.x) + self.shift[0], f64::from(p.y) + self.shift[1])
        };
        [x * self.scale, y * self.scale]
    }

    /// Perspective divisor at a tile point: 1 at the camera's centre distance,
    /// larger farther away.
    #[inline]
    pub fn w(&self, p: TilePoint) -> f32 {
        self.matrix.w(f64::from(p.x), f64::from(p.y)) as f32
    }

    pub fn extent(&self) -> u32 {
        self.extent
    }

    /// Whether geometry whose drawing reaches at most `reach` device pixels
    /// beyond its projected points can touch a `width` x `height` target:
    /// false only when it certainly cannot (its bounding box, projected, lies
    /// farther than `reach` outside). The box is convex and wholly in front
    /// of the camera when its corners are, so its projection contains the
    /// geometry's; a box reaching behind the camera is never culled.
    pub fn may_touch(&self, geometry: &[Vec<TilePoint>], reach: f32, width: u32, height: u32) -> bool {
        self.box_may_touch(crate::data::feature::bounds_of(geometry), reach, width, height)
    }

    /// [`TileProjector::may_touch`] for a bounding box `[x0, y0, x1, y1]`
    /// (tile units; `x0 > x1`: no points, never culled).
    pub fn box_may_touch(&self, [x0, y0, x1, y1]: [i32; 4], reach: f32, width: u32, height: u32) -> bool {
        if x0 > x1 || !reach.is_finite() {
            return true;
        }
        let (mut sx0, mut sy0, mut sx1, mut sy1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for (x, y) in [(x0, y0), (x1, y0), (x0, y1), (x1, y1)] {
            let (x, y) = (f64::from(x) + self.shift[0], f64::from(y) + self.shift[1]);
            let m = &self.matrix.m;
            let w = m[2][0] * x + m[2][1] * y + m[2][2];
            if w <= NEAR_W || !w.is_finite() {
                return true;
            }
            let s = f64::from(self.scale) / w;
            let (px, py) = ((m[0][0] * x + m[0][1] * y + m[0][2]) * s, (m[1][0] * x + m[1][1] * y + m[1][2]) * s);
            sx0 = sx0.min(px);
            sy0 = sy0.min(py);
            sx1 = sx1.max(px);
            sy1 = sy1.max(py);
        }
        let r = f64::from(reach.max(0.0)) + 1.0;
        !(sx1 < -r || sy1 < -r || sx0 > f64::from(width) + r || sy0 > f64::from(height) + r)
    }

    /// Every part of a geometry, projected.
    pub fn parts(&self, geometry: &[Vec<TilePoint>]) -> Vec<Vec<Px>> {
        geometry.iter().map(|part| part.iter().map(|p| self.point(*p)).collect()).collect()
    }

    /// The tile's square (0..extent) on screen: where its drawing is clipped;
    /// None when the geometry itself is clipped (see `rings`/`lines`).
    pub fn clip(&self) -> Option<ClipQuad> {
        if self.near_clip.is_some() {
            return None;
        }
        Some(self.square_on_screen())
    }

    fn square_on_screen(&self) -> ClipQuad {
        let e = self.extent as f64;
        let corner = |x: f64, y: f64| {
            let [px, py] = self.matrix.project_f(x, y);
            [px * self.scale, py * self.scale]
        };
        ClipQuad([corner(0.0, 0.0), corner(e, 0.0), corner(e, e), corner(0.0, e)])
    }
}

/// A `*-translate` value as a shift on the ground in tile units, as MapLibre
/// applies it (before projection): `translate` is in pixels at the current
/// zoom; with anchor "viewport" it is turned by the bearing so that it stays
/// aligned with the screen.
pub fn ground_shift(translate: [f32; 2], anchor_viewport: bool, transform: &Transform, tile: &CoveredTile, extent: u32) -> [f64; 2] {
    let [mut x, mut y] = [f64::from(translate[0]), f64::from(translate[1])];
    if x == 0.0 && y == 0.0 {
        return [0.0, 0.0];
    }
    if anchor_viewport {
        let (s, c) = transform.bearing.to_radians().sin_cos();
        (x, y) = (x * c - y * s, x * s + y * c);
    }
    let tile_px = transform.world_size() / f64::from(tile.id.z).exp2();
    let units = f64::from(extent.max(1)) / tile_px;
    [x * units, y * units]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::feature::TileId;

    #[test]
    fn tile_corners_land_on_the_view_at_zoom_zero() {
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(0.0, 0.0, 0.0, 0.0, 0.0);
        let tile = CoveredTile { id: TileId::new(0, 0, 0), overscaled_z: 0, wrap: 0 };
        let p = TileProjector::new(&t, &tile, 4096, 2.0);
        let [x, y] = p.point(TilePoint::new(2048, 2048));
        assert!((x - 512.0).abs() < 1e-3 && (y - 512.0).abs() < 1e-3, "{x},{y}");
        let ClipQuad(q) = p.clip().expect("the tile is in front of the camera");
        assert!((q[0][0]).abs() < 1e-3 && (q[2][0] - 1024.0).abs() < 1e-3);
        // 3 and -4 pixels at z0 over a 512 px tile: 24 and -32 units of 4096.
        let moved = p.translated([24.0, -32.0]).point(TilePoint::new(0, 0));
        assert!((moved[0] - 6.0).abs() < 1e-3 && (moved[1] + 8.0).abs() < 1e-3, "{moved:?}");
    }

    #[test]
    fn geometry_far_off_screen_is_culled_by_its_reach() {
        // z0, 512 x 512 logical at pixel ratio 2: tile units of 4096 map to
        // 1024 device px, 1 device px = 4 units.
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(0.0, 0.0, 0.0, 0.0, 0.0);
        let tile = CoveredTile { id: TileId::new(0, 0, 0), overscaled_z: 0, wrap: 0 };
        let p = TileProjector::new(&t, &tile, 4096, 2.0);
        let line = |x: i32, y: i32| vec![vec![TilePoint::new(x, y), TilePoint::new(x + 8, y + 8)]];
        assert!(p.may_touch(&line(2000, 2000), 0.0, 1024, 1024), "inside");
        // 40 device px left of the target: drawn only if it reaches that far.
        let left = line(-168, 100);
        assert!(!p.may_touch(&left, 10.0, 1024, 1024));
        assert!(p.may_touch(&left, 40.0, 1024, 1024), "a wide stroke still reaches in");
        // Below the bottom edge.
        assert!(!p.may_touch(&line(100, 4096 + 80), 5.0, 1024, 1024));
        // A translate moves the box with the geometry.
        assert!(p.translated([400.0, 0.0]).may_touch(&left, 10.0, 1024, 1024));
        // No points, or an unbounded reach: never culled.
        assert!(p.may_touch(&[], 0.0, 1024, 1024));
        assert!(p.may_touch(&left, f32::INFINITY, 1024, 1024));
        // Rotated: the corners of the projected box are used.
        t.set_camera(0.0, 0.0, 0.0, 45.0, 0.0);
        let p = TileProjector::new(&t, &tile, 4096, 2.0);
        assert!(p.may_touch(&line(2000, 2000), 0.0, 1024, 1024));
        assert!(!p.may_touch(&line(-2000, -2000), 0.0, 1024, 1024));
    }

    #[test]
    fn tiles_reaching_behind_the_camera_clip_their_geometry() {
        let mut t = Transform::new(512.0, 256.0);
        t.set_camera(0.0, 0.0, 19.0, 0.0, 60.0);
        // The z18 tile south-east of the centre extends past the camera.
        let tile = CoveredTile { id: TileId::new(18, 131072, 131072), overscaled_z: 19, wrap: 0 };
        let p = TileProjector::new(&t, &tile, 8192, 1.0);
        assert!(p.clip().is_none());
        let square = vec![vec![
            TilePoint::new(0, 0),
            TilePoint::new(8192, 0),
            TilePoint::new(8192, 8192),
            TilePoint::new(0, 8192),
            TilePoint::new(0, 0),
        ]];
        let rings = p.rings(&square);
        assert_eq!(rings.len(), 1);
        // Everything left is in front of the camera, so on the screen's side.
        assert!(rings[0].iter().all(|q| q[1].is_finite() && q[1] > 0.0), "{:?}", rings[0]);
        let lines = p.lines(&[vec![TilePoint::new(100, 0), TilePoint::new(100, 8192)]]);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].iter().all(|q| q[1] > 0.0));
    }

    #[test]
    fn viewport_anchored_shift_turns_with_bearing() {
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(0.0, 0.0, 0.0, 90.0, 0.0);
        let tile = CoveredTile { id: TileId::new(0, 0, 0), overscaled_z: 0, wrap: 0 };
        let map = ground_shift([8.0, 0.0], false, &t, &tile, 512);
        assert_eq!(map, [8.0, 0.0]);
        let [x, y] = ground_shift([8.0, 0.0], true, &t, &tile, 512);
        assert!(x.abs() < 1e-9 && (y - 8.0).abs() < 1e-9, "{x},{y}");
    }
}
