//! Raster layers: each covered tile's image drawn over the tile's quad on
//! screen (projectively exact under pitch and bearing), with the layer's
//! paint evaluated at the view's zoom.

use crate::render::display_list::{DrawCommand, PatternImage, Px, RasterStyle, Resampling};
use crate::source::cover::CoveredTile;
use crate::source::feature::TilePoint;
use crate::data::matrix::inv3;
use crate::style::expression::EvaluationContext;
use crate::style::layer::Layer;

use super::project::TileProjector;
use super::{TileLookup, View};

/// Tile units used for the quad (any extent works: the image is mapped
/// onto the whole square).
const EXTENT: u32 = 8192;

/// The paint of a raster layer at `zoom`, without image and matrix.
struct Paint {
    opacity: f32,
    hue_rotate: f32,
    brightness_min: f32,
    brightness_max: f32,
    saturation: f32,
    contrast: f32,
    resampling: Resampling,
}

fn paint(layer: &Layer, zoom: f64) -> Paint {
    let ctx = EvaluationContext::at_zoom(zoom);
    let p = &layer.paint;
    Paint {
        opacity: p.get_f32("raster-opacity", &ctx),
        hue_rotate: p.get_f32("raster-hue-rotate", &ctx),
        brightness_min: p.get_f32("raster-brightness-min", &ctx),
        brightness_max: p.get_f32("raster-brightness-max", &ctx),
        saturation: p.get_f32("raster-saturation", &ctx),
        contrast: p.get_f32("raster-contrast", &ctx),
        resampling: match p.get_enum("raster-resampling", &ctx) {
            "nearest" => Resampling::Nearest,
            _ => Resampling::Linear,
        },
    }
}

/// The commands of a raster layer reading `source`: one per covered tile
/// whose image is loaded.
pub fn raster_commands(layer: &Layer, source: &str, view: &View, tiles: &dyn TileLookup) -> Vec<DrawCommand> {
    let p = paint(layer, view.transform.zoom);
    if !p.opacity.is_finite() || p.opacity <= 0.0 {
        return vec![];
    }
    let mut out = Vec::new();
    if let Some(corners) = tiles.image_corners(source) {
        let covered = CoveredTile { id: crate::source::feature::TileId::new(0, 0, 0), overscaled_z: 0, wrap: 0 };
        if let Some(image) = tiles.raster(source, covered.id) {
            out.extend(image_commands(&corners, image, &p, view));
        }
        return out;
    }
    for covered in tiles.cover(source) {
        let Some(image) = tiles.raster(source, covered.id) else { continue };
        if let Some(cmd) = tile_command(&covered, image, &p, view) {
            out.push(cmd);
        }
    }
    out
}

fn tile_command(covered: &CoveredTile, image: PatternImage, p: &Paint, view: &View) -> Option<DrawCommand> {
    let (rings, to_texel) = tile_quad(covered, image.width, image.height, view)?;
    let style = style(image, to_texel, p);
    Some(DrawCommand::Raster { rings, style: Box::new(style), clip: None })
}

/// The quad of `covered` on screen, and the device-to-texel matrix of a
/// `width x height` image stretched over it. The rings are the tile's quad
/// (`TileProjector::clip()`), or what is left of it in front of the camera:
/// they clip the image themselves, with the same pixel-centre rule along
/// the edges every tile shares.
pub(crate) fn tile_quad(covered: &CoveredTile, width: u32, height: u32, view: &View) -> Option<(Vec<Vec<Px>>, [[f64; 3]; 3])> {
    let projector = TileProjector::new(&view.transform, covered, EXTENT, view.pixel_ratio);
    let e = EXTENT as i32;
    let square = vec![vec![
        TilePoint::new(0, 0),
        TilePoint::new(e, 0),
        TilePoint::new(e, e),
        TilePoint::new(0, e),
        TilePoint::new(0, 0),
    ]];
    let rings = projector.rings(&square);
    if rings.is_empty() {
        return None;
    }
    // Device = D(r) · M · tile; texel = S(image / extent) · tile.
    let inv = inv3(&device_matrix(view, covered, EXTENT))?;
    let k = [f64::from(width) / f64::from(EXTENT), f64::from(height) / f64::from(EXTENT), 1.0];
    let to_texel: [[f64; 3]; 3] = std::array::from_fn(|i| std::array::from_fn(|j| inv[i][j] * k[i]));
    if !to_texel.iter().flatten().all(|v| v.is_finite()) {
        return None;
    }
    Some((rings, to_texel))
}

/// World units of the image quad (tile 0/0/0 with this extent).
const IMAGE_EXTENT: u32 = 1 << 30;

/// An image source's image over its four corners, drawn like MapLibre's
/// image source: two triangles (top-left, top-right, bottom-left) and
/// (top-right, bottom-left, bottom-right), each with the texture mapped
/// affinely on the ground.
fn image_commands(corners: &[[f64; 2]; 4], image: PatternImage, p: &Paint, view: &View) -> Vec<DrawCommand> {
    let covered = CoveredTile { id: crate::source::feature::TileId::new(0, 0, 0), overscaled_z: 0, wrap: 0 };
    let projector = TileProjector::new(&view.transform, &covered, IMAGE_EXTENT, view.pixel_ratio);
    let e = f64::from(IMAGE_EXTENT);
    let pts: Vec<TilePoint> = corners
        .iter()
        .map(|c| TilePoint::new((c[0] * e).round().clamp(-2.0e9, 2.0e9) as i32, (c[1] * e).round().clamp(-2.0e9, 2.0e9) as i32))
        .collect();
    let (w, h) = (f64::from(image.width), f64::from(image.height));
    // Texel coordinates of the corners (tl, tr, br, bl).
    let tex = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]];
    let Some(inv_device) = inv3(&device_matrix(view, &covered, IMAGE_EXTENT)) else { return vec![] };
    let mut out = Vec::new();
    for tri in [[0usize, 1, 3], [1, 3, 2]] {
        let ring = vec![pts[tri[0]], pts[tri[1]], pts[tri[2]], pts[tri[0]]];
        let rings = projector.rings(&[ring]);
        if rings.is_empty() {
            continue;
        }
        let pm = [
            tri.map(|i| f64::from(pts[i].x)),
            tri.map(|i| f64::from(pts[i].y)),
            [1.0; 3],
        ];
        let tm = [tri.map(|i| tex[i][0]), tri.map(|i| tex[i][1]), [1.0; 3]];
        let Some(inv_pm) = inv3(&pm) else { continue };
        let to_texel = mul3(&mul3(&tm, &inv_pm), &inv_device);
        if !to_texel.iter().flatten().all(|v| v.is_finite()) {
            continue;
        }
        out.push(DrawCommand::Raster { rings, style: Box::new(style(image.clone(), to_texel, p)), clip: None });
    }
    out
}

fn style(image: PatternImage, to_texel: [[f64; 3]; 3], p: &Paint) -> RasterStyle {
    RasterStyle {
        image,
        to_texel,
        resampling: p.resampling,
        opacity: p.opacity.min(1.0),
        hue_rotate: p.hue_rotate,
        brightness_min: p.brightness_min,
        brightness_max: p.brightness_max,
        saturation: p.saturation,
        contrast: p.contrast,
        hillshade: None,
    }
}

/// Tile units of `covered` (with `extent`) to device pixels.
fn device_matrix(view: &View, covered: &CoveredTile, extent: u32) -> [[f64; 3]; 3] {
    let m = view.transform.tile_matrix(covered.id, covered.wrap, extent).m;
    let r = if view.pixel_ratio.is_finite() && view.pixel_ratio > 0.0 { f64::from(view.pixel_ratio) } else { 1.0 };
    std::array::from_fn(|i| std::array::from_fn(|j| if i < 2 { m[i][j] * r } else { m[i][j] }))
}

fn mul3(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

