//! Hillshade layers over raster-dem sources, drawn like MapLibre Native:
//! each covered tile's elevations get their border from the loaded
//! neighbouring tiles of the same cover (MapLibre backfills from the tiles
//! it holds for the view), go through the prepare pass (`source::dem`), and
//! the slope texture is drawn over the tile's quad, filtered bilinearly and
//! shaded per pixel (`render::hillshade`) with the layer's paint at the
//! view's zoom.

use std::collections::HashMap;
use std::sync::Arc;

use crate::render::display_list::{DrawCommand, HillshadeShade, RasterStyle};
use crate::source::dem::DemTile;
use crate::source::feature::TileId;
use crate::source::transform::lat_from_mercator_y;
use crate::style::expression::EvaluationContext;
use crate::style::layer::Layer;

use super::raster::tile_quad;
use super::{TileLookup, View};

/// The paint of a hillshade layer at the view's zoom, for every tile.
fn paint(layer: &Layer, view: &View) -> Option<HillshadeShade> {
    let ctx = EvaluationContext::at_zoom(view.transform.zoom);
    let p = &layer.paint;
    let exaggeration = p.get_f32("hillshade-exaggeration", &ctx);
    // MapLibre draws nothing without exaggeration.
    if !(exaggeration.is_finite() && exaggeration > 0.0) {
        return None;
    }
    let mut azimuth = p.get_f64("hillshade-illumination-direction", &ctx).to_radians();
    if p.get_enum("hillshade-illumination-anchor", &ctx) != "map" {
        azimuth += view.transform.bearing.to_radians();
    }
    Some(HillshadeShade {
        exaggeration,
        azimuth: azimuth as f32,
        shadow: p.get_color("hillshade-shadow-color", &ctx).premultiplied(),
        highlight: p.get_color("hillshade-highlight-color", &ctx).premultiplied(),
        accent: p.get_color("hillshade-accent-color", &ctx).premultiplied(),
        lat_range: [0.0, 0.0],
    })
}

/// Latitudes of the top and bottom edges of tile `id`.
fn lat_range(id: TileId) -> [f32; 2] {
    let n = f64::from(1u32 << id.z.min(30));
    [lat_from_mercator_y(f64::from(id.y) / n) as f32, lat_from_mercator_y((f64::from(id.y) + 1.0) / n) as f32]
}

/// The neighbour of `id` at `(dx, dy)`, wrapping around the antimeridian;
/// `None` beyond the poles.
fn neighbour(id: TileId, dx: i64, dy: i64) -> Option<TileId> {
    let n = 1i64 << id.z.min(30);
    let y = i64::from(id.y) + dy;
    if !(0..n).contains(&y) {
        return None;
    }
    let x = (i64::from(id.x) + dx).rem_euclid(n);
    Some(TileId::new(id.z, x as u32, y as u32))
}

/// The commands of a hillshade layer reading the raster-dem `source`: one
/// per covered tile whose elevations are loaded.
pub fn hillshade_commands(layer: &Layer, source: &str, view: &View, tiles: &dyn TileLookup) -> Vec<DrawCommand> {
    let Some((encoding, maxzoom)) = tiles.dem(source) else { return vec![] };
    let Some(shade) = paint(layer, view) else { return vec![] };
    let cover = tiles.cover(source);
    // The cover's loaded tiles, decoded once: each is a tile to draw and a
    // neighbour of others.
    let mut dems: HashMap<TileId, Option<DemTile>> = HashMap::new();
    for covered in &cover {
        dems.entry(covered.id)
            .or_insert_with(|| tiles.raster(source, covered.id).and_then(|img| DemTile::new(&img, encoding).ok()));
    }
    let mut out = Vec::new();
    for covered in &cover {
        let Some(Some(dem)) = dems.get(&covered.id) else { continue };
        let mut dem = dem.clone();
        for (dx, dy) in [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)] {
            if let Some(Some(other)) = neighbour(covered.id, dx, dy).and_then(|n| dems.get(&n)) {
                dem.backfill(other, dx, dy);
            }
        }
        let texture = dem.prepare(covered.id.z, maxzoom);
        let Some((rings, to_texel)) = tile_quad(covered, texture.width, texture.height, view) else { continue };
        let style = RasterStyle {
            hillshade: Some(Arc::new(HillshadeShade { lat_range: lat_range(covered.id), ..shade.clone() })),
            ..RasterStyle::plain(texture, to_texel)
        };
        out.push(DrawCommand::Raster { rings, style: Box::new(style), clip: None });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_wrap_in_x_and_stop_at_the_poles() {
        assert_eq!(neighbour(TileId::new(2, 0, 1), -1, 0), Some(TileId::new(2, 3, 1)));
        assert_eq!(neighbour(TileId::new(2, 3, 1), 1, 1), Some(TileId::new(2, 0, 2)));
        assert_eq!(neighbour(TileId::new(2, 1, 0), 0, -1), None);
        assert_eq!(neighbour(TileId::new(2, 1, 3), 1, 1), None);
    }

    #[test]
    fn lat_range_is_the_tiles_edges() {
        let [top, bottom] = lat_range(TileId::new(1, 0, 0));
        assert!((top - 85.051_13).abs() < 1e-3 && bottom.abs() < 1e-6);
    }
}
