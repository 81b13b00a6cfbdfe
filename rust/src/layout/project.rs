//! Tile geometry to device pixels: a tile's projection, its clip quad, and
//! translate offsets.

use crate::render::display_list::{ClipQuad, Px};
use crate::source::cover::CoveredTile;
use crate::source::feature::TilePoint;
use crate::source::transform::{TileMatrix, Transform};

/// Projects one covered tile's points into device pixels.
pub struct TileProjector {
    matrix: TileMatrix,
    scale: f32,
    offset: Px,
    extent: u32,
}

impl TileProjector {
    pub fn new(transform: &Transform, tile: &CoveredTile, extent: u32, pixel_ratio: f32) -> TileProjector {
        TileProjector {
            matrix: transform.tile_matrix(tile.id, tile.wrap, extent.max(1)),
            scale: pixel_ratio,
            offset: [0.0, 0.0],
            extent: extent.max(1),
        }
    }

    /// The same projector shifted by `offset` device pixels.
    pub fn translated(&self, offset: Px) -> TileProjector {
        TileProjector { matrix: self.matrix, scale: self.scale, offset, extent: self.extent }
    }

    #[inline]
    pub fn point(&self, p: TilePoint) -> Px {
        let [x, y] = self.matrix.project(p);
        [x * self.scale + self.offset[0], y * self.scale + self.offset[1]]
    }

    /// Every part of a geometry, projected.
    pub fn parts(&self, geometry: &[Vec<TilePoint>]) -> Vec<Vec<Px>> {
        geometry.iter().map(|part| part.iter().map(|p| self.point(*p)).collect()).collect()
    }

    /// The tile's square (0..extent) on screen: where its drawing is clipped.
    pub fn clip(&self) -> ClipQuad {
        let e = self.extent as f64;
        let corner = |x: f64, y: f64| {
            let [px, py] = self.matrix.project_f(x, y);
            [px * self.scale, py * self.scale]
        };
        ClipQuad([corner(0.0, 0.0), corner(e, 0.0), corner(e, e), corner(0.0, e)])
    }
}

/// A `*-translate` offset in device pixels: `translate` is in logical pixels;
/// with anchor "map" it turns with the map's bearing.
pub fn translate_offset(translate: [f32; 2], anchor_viewport: bool, bearing_deg: f64, pixel_ratio: f32) -> Px {
    let [mut x, mut y] = translate;
    if !anchor_viewport {
        let a = -(bearing_deg.to_radians()) as f32;
        let (s, c) = a.sin_cos();
        (x, y) = (x * c - y * s, x * s + y * c);
    }
    [x * pixel_ratio, y * pixel_ratio]
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
        let ClipQuad(q) = p.clip();
        assert!((q[0][0]).abs() < 1e-3 && (q[2][0] - 1024.0).abs() < 1e-3);
        let moved = p.translated([3.0, -4.0]).point(TilePoint::new(0, 0));
        assert!((moved[0] - 3.0).abs() < 1e-3 && (moved[1] + 4.0).abs() < 1e-3);
    }

    #[test]
    fn map_anchored_translation_turns_with_bearing() {
        let [x, y] = translate_offset([10.0, 0.0], false, 90.0, 1.0);
        assert!(x.abs() < 1e-4 && (y + 10.0).abs() < 1e-4, "{x},{y}");
        assert_eq!(translate_offset([10.0, 0.0], true, 90.0, 2.0), [20.0, 0.0]);
    }
}
