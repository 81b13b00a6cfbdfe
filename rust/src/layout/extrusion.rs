//! fill-extrusion layers: each polygon becomes a roof and walls, lit like
//! MapLibre (directional light, ambient floor, a vertical gradient on
//! walls). Each face carries its plane's depth on screen, so the renderer
//! draws the layer with a depth test into an offscreen image composited
//! once at the layer's opacity, as MapLibre does (nearer faces hide farther
//! ones, whatever their order).

use crate::render::display_list::{ExtrusionFace, FacePaint, PatternImage, PatternPaint, Px};
use crate::source::cover::CoveredTile;
use crate::source::feature::{Feature, TilePoint};
use crate::data::matrix::inv3;
use crate::source::transform::TileMatrix3d;
use crate::style::color::Color;
use crate::style::expression::EvaluationContext;
use crate::style::layer::Layer;
use std::borrow::Cow;

use super::paint::pattern_image;
use super::project::ground_shift;
use super::{TileLookup, View};

/// The style's default light: radial 1.15, azimuthal 210°, polar 30°,
/// anchored to the viewport, white, intensity 0.5.
fn light_direction(bearing_deg: f64) -> [f64; 3] {
    let (r, az, polar) = (1.15f64, (210.0f64 + 90.0).to_radians(), 30.0f64.to_radians());
    let (x, y, z) = (r * az.cos() * polar.sin(), r * az.sin() * polar.sin(), r * polar.cos());
    // Viewport anchor: the light turns with the map's bearing.
    let (s, c) = bearing_deg.to_radians().sin_cos();
    [x * c - y * s, x * s + y * c, z]
}

const LIGHT_INTENSITY: f64 = 0.5;

/// MapLibre's extrusion shading of `color` for a face with `normal`;
/// `vertical` is the wall's height factor (1 for roofs). As in MapLibre,
/// the colour's alpha only darkens it (its premultiplied channels are lit)
/// and the face is opaque: translucency comes from the layer's opacity.
fn shade(color: Color, normal: [f64; 3], light: [f64; 3], vertical: f64) -> Color {
    let a = f64::from(color.a);
    let (r, g, b) = (color.r as f64 * a, color.g as f64 * a, color.b as f64 * a);
    let luminance = r * 0.2126 + g * 0.7152 + b * 0.0722;
    let dot = (normal[0] * light[0] + normal[1] * light[1] + normal[2] * light[2]).clamp(0.0, 1.0);
    let lo = 1.0 - LIGHT_INTENSITY;
    let hi = (1.0 - luminance + LIGHT_INTENSITY).max(1.0);
    let directional = (lo + (hi - lo) * dot) * vertical;
    let channel = |c: f64| ((c + 0.03) * directional).clamp(0.0, 1.0) as f32;
    Color::new(channel(r), channel(g), channel(b), 1.0)
}

/// The walls' vertical light factor between the bottom (t = 0) and top (t = 1).
fn wall_factor(t: f64, base: f64, height: f64) -> f64 {
    let floor = 0.7 + (0.98 - 0.7) * (1.0 - LIGHT_INTENSITY);
    ((t + base) * (height / 150.0).sqrt()).clamp(floor, 1.0)
}

/// MapLibre's lighting of `fill-extrusion-pattern` faces: the pattern's
/// colour times the directional factor (no colour term).
fn pattern_light(normal: [f64; 3], light: [f64; 3], vertical: f64) -> f32 {
    let dot = (normal[0] * light[0] + normal[1] * light[1] + normal[2] * light[2]).clamp(0.0, 1.0);
    let lo = 1.0 - LIGHT_INTENSITY;
    let hi = (0.5 + LIGHT_INTENSITY).max(1.0);
    ((lo + (hi - lo) * dot) * vertical).clamp(0.0, 1.0) as f32
}

/// A `fill-extrusion-pattern` on one tile: the image, anchored like
/// MapLibre's pattern shaders (world pixels of the tile zoom).
struct FacePattern {
    image: PatternImage,
    image_ratio: f64,
    /// World pixels at the tile zoom per tile unit, and of the tile's origin.
    k: f64,
    origin: [f64; 2],
    /// World pixels at the tile zoom per meter of wall height (MapLibre's
    /// u_height_factor: 2^tile zoom / 65536, upwards).
    per_meter: f64,
}

impl FacePattern {
    /// The paint for a planar face: `to_screen` maps the face's parameters
    /// `(s, t, 1)` to homogeneous device pixels, `to_world` maps them to
    /// world pixels at the tile zoom.
    fn paint(&self, inv: &[[f64; 3]; 3], to_world: [[f64; 3]; 3]) -> Option<PatternPaint> {
        let r = self.image_ratio;
        let to_texel: [[f64; 3]; 3] = std::array::from_fn(|i| {
            std::array::from_fn(|j| {
                let v: f64 = (0..3).map(|k| to_world[i][k] * inv[k][j]).sum();
                if i < 2 { v * r } else { v }
            })
        });
        to_texel.iter().flatten().all(|v| v.is_finite()).then(|| PatternPaint { image: self.image.clone(), to_texel, opacity: 1.0 })
    }
}

const CULL_SIGN: f32 = -1.0;

/// MapLibre's near plane, height / 50 ahead of the camera, as a perspective
/// divisor (1 at the centre, which is 1.5 heights away).
const NEAR_W: f64 = 1.0 / 75.0;

/// `polygon` (closed or not) cut to the part at least [`NEAR_W`] ahead of
/// the camera (`w` is affine in the point): a face reaching behind the
/// camera keeps what is in front, as a GPU clips it (Sutherland-Hodgman
/// against one plane; holes cut the same way stay holes).
fn clip_near(polygon: &[[f64; 3]], w: impl Fn([f64; 3]) -> f64) -> Cow<'_, [[f64; 3]]> {
    if polygon.iter().all(|p| w(*p) >= NEAR_W) {
        // Wholly in front (nearly every face): as it is.
        return Cow::Borrowed(polygon);
    }
    let ws: Vec<f64> = polygon.iter().map(|p| w(*p)).collect();
    let mut out = Vec::with_capacity(polygon.len() + 2);
    for i in 0..polygon.len() {
        let j = (i + 1) % polygon.len();
        let (a, b, wa, wb) = (polygon[i], polygon[j], ws[i], ws[j]);
        if wa >= NEAR_W {
            out.push(a);
        }
        if (wa >= NEAR_W) != (wb >= NEAR_W) {
            let t = (wa - NEAR_W) / (wa - wb);
            out.push(std::array::from_fn(|k| a[k] + t * (b[k] - a[k])));
        }
    }
    Cow::Owned(out)
}

/// A face from the homography `to_screen` of its plane's parameters
/// `(s, t, 1)` to homogeneous device pixels (the nearness is the last row of
/// its inverse); `ramp` gives the ramp's fraction from `t`: `t * k + c`.
/// `None` for a plane seen edge-on.
fn face(ring: Vec<Vec<Px>>, to_screen: [[f64; 3]; 3], ramp: [f64; 2], paint: impl FnOnce(&[[f64; 3]; 3]) -> Option<FacePaint>) -> Option<ExtrusionFace> {
    let inv = inv3(&to_screen)?;
    let depth = inv[2];
    let ramp = std::array::from_fn(|j| inv[1][j] * ramp[0] + depth[j] * ramp[1]);
    Some(ExtrusionFace { rings: ring, depth, ramp, paint: paint(&inv)? })
}

/// Faces of one layer in one tile, each with its distance (perspective
/// divisor, for drawing far to near). The layer's opacity is applied to the
/// whole layer by the renderer.
pub fn faces(
    layer: &Layer,
    features: &[&Feature],
    covered: &CoveredTile,
    extent: u32,
    view: &View,
    zoom: f64,
    images: &dyn TileLookup,
) -> Vec<(f64, ExtrusionFace)> {
    let t = &view.transform;
    let m: TileMatrix3d = t.tile_matrix_3d(covered.id, covered.wrap, extent.max(1));
    let ppm = t.pixels_per_meter();
    let ratio = view.pixel_ratio as f64;
    let zctx = EvaluationContext::at_zoom(zoom);
    let translate = layer.paint.get_f32_array("fill-extrusion-translate", &zctx);
    let viewport = layer.paint.get_enum("fill-extrusion-translate-anchor", &zctx) == "viewport";
    let shift = match translate.as_slice() {
        [x, y] => ground_shift([*x, *y], viewport, t, covered, extent),
        _ => [0.0, 0.0],
    };
    let light = light_direction(t.bearing);
    // Walls darken towards their foot unless the layer turns the gradient off.
    let vertical_gradient = layer.paint.get_bool("fill-extrusion-vertical-gradient", &zctx);
    // A face's corners in 3D (tile units shifted, height px), cut at the
    // near plane, then on screen with their perspective divisors.
    let at = |p: TilePoint, z: f64| [f64::from(p.x) + shift[0], f64::from(p.y) + shift[1], z];
    let w_of = |p: [f64; 3]| m.project(p[0], p[1], p[2]).1;
    let on_screen = |polygon: &[[f64; 3]]| -> Vec<(Px, f64)> {
        clip_near(polygon, w_of)
            .iter()
            .map(|p| {
                let ([x, y], w) = m.project(p[0], p[1], p[2]);
                ([(x * ratio) as f32, (y * ratio) as f32], w)
            })
            .collect()
    };
    let e = extent as i32;
    let on_tile_edge = |a: TilePoint, b: TilePoint| {
        (a.x < 0 && b.x < 0) || (a.x > e && b.x > e) || (a.y < 0 && b.y < 0) || (a.y > e && b.y > e)
    };
    let mut out = Vec::new();
    let patterned = layer.paint.get("fill-extrusion-pattern").is_some();
    // World pixels at the tile zoom of this tile's units (pattern anchoring).
    let tile_zoom = zoom.max(0.0).floor();
    let n = f64::from(covered.id.z).exp2();
    let tile_world = crate::source::transform::TILE_SIZE * (tile_zoom - f64::from(covered.id.z)).exp2();
    let origin = [(f64::from(covered.id.x) + f64::from(covered.wrap) * n) * tile_world, f64::from(covered.id.y) * tile_world];
    let ratio_f = view.pixel_ratio as f64;
    for feature in features {
        let ctx = super::tile_layout::paint_context(zoom, feature, covered, extent);
        let color = layer.paint.get_color("fill-extrusion-color", &ctx);
        // fill-extrusion-pattern: drawn instead of the colour; a feature
        // whose image is missing draws nothing.
        let pattern = if patterned {
            let Some(name) = layer.paint.get_image("fill-extrusion-pattern", &ctx) else { continue };
            let Some((image, image_ratio)) = images.image(&name).and_then(pattern_image) else { continue };
            Some(FacePattern {
                image,
                image_ratio: f64::from(image_ratio),
                k: tile_world / f64::from(extent.max(1)),
                origin,
                per_meter: tile_zoom.exp2() / 65536.0,
            })
        } else {
            None
        };
        // Homogeneous device pixels of (x, y, z px, 1) in this tile.
        let row = |i: usize| -> [f64; 4] {
            let k = if i < 2 { ratio_f } else { 1.0 };
            let r = m.m[i];
            [r[0] * k, r[1] * k, r[2] * k, (r[3] + r[0] * shift[0] + r[1] * shift[1]) * k]
        };
        let rows = [row(0), row(1), row(2)];
        let height = layer.paint.get_f64("fill-extrusion-height", &ctx).max(0.0);
        let base = layer.paint.get_f64("fill-extrusion-base", &ctx).max(0.0).min(height);
        let (ztop, zbase) = (height * ppm, base * ppm);
        // Walls.
        for ring in &feature.geometry {
            // MapLibre Native's walls: distance along the ring's edges (tile
            // units), each edge's length truncated to an integer, edges
            // along the tile's border included (they are not drawn), back
            // to 0 past 32767.
            let mut edge_distance = 0.0f64;
            for pair in ring.windows(2) {
                let (p2, p1) = (pair[0], pair[1]);
                if p1 == p2 {
                    continue;
                }
                let (ex, ey) = (f64::from(p1.x) - f64::from(p2.x), f64::from(p1.y) - f64::from(p2.y));
                let len = (ex * ex + ey * ey).sqrt();
                let stored = len.trunc().min(32767.0);
                if edge_distance + stored > 32767.0 {
                    edge_distance = 0.0;
                }
                let d0 = edge_distance;
                edge_distance += stored;
                if on_tile_edge(p1, p2) {
                    continue;
                }
                let normal = [-ey / len, ex / len, 0.0];
                // The light at the foot and at the top (MapLibre: walls
                // whose normal has no y component get no gradient).
                let vertical = if normal[1] != 0.0 && vertical_gradient {
                    [wall_factor(0.0, base, height), wall_factor(1.0, base, height)]
                } else {
                    [1.0, 1.0]
                };
                let corners = on_screen(&[at(p2, zbase), at(p1, zbase), at(p1, ztop), at(p2, ztop)]);
                if corners.len() < 3 {
                    continue;
                }
                // MapLibre culls the walls facing away from the camera (seen
                // from their inner side): they would show through a roof's
                // transparent pattern texels.
                let winding: f32 = (0..corners.len())
                    .map(|i| {
                        let (a, b) = (corners[i].0, corners[(i + 1) % corners.len()].0);
                        a[0] * b[1] - b[0] * a[1]
                    })
                    .sum();
                if CULL_SIGN * winding > 0.0 {
                    continue;
                }
                let depth = corners.iter().map(|c| c.1).sum::<f64>() / corners.len() as f64;
                let ring: Vec<Px> = corners.iter().map(|c| c.0).collect();
                // Parameters (s: edge distance, from p1 at d0 towards p2;
                // t: height in meters). The texture runs `stored` units
                // over the edge's `len`.
                let stretch = if stored > 0.0 { len / stored } else { 1.0 };
                let dir = [-ex / len * stretch, -ey / len * stretch];
                let (x0, y0) = (f64::from(p1.x) - dir[0] * d0, f64::from(p1.y) - dir[1] * d0);
                let to_screen = rows.map(|r| [r[0] * dir[0] + r[1] * dir[1], r[2] * ppm, r[0] * x0 + r[1] * y0 + r[3]]);
                // The ramp: 0 at the foot, 1 at the top.
                let ramp = if height > base { [1.0 / (height - base), -base / (height - base)] } else { [0.0, 0.0] };
                let paint = |inv: &[[f64; 3]; 3]| match &pattern {
                    Some(fp) => {
                        let to_world = [[fp.k, 0.0, fp.origin[0]], [0.0, -fp.per_meter, fp.origin[1]], [0.0, 0.0, 1.0]];
                        let light = vertical.map(|v| pattern_light(normal, light, v));
                        fp.paint(inv, to_world).map(|pattern| FacePaint::Pattern { pattern, light })
                    }
                    None => Some(FacePaint::Color(vertical.map(|v| shade(color, normal, light, v)))),
                };
                out.extend(face(vec![ring], to_screen, ramp, paint).map(|f| (depth, f)));
            }
        }
        // The roof.
        let mut rings = Vec::with_capacity(feature.geometry.len());
        let (mut depth, mut count) = (0.0, 0.0);
        for ring in &feature.geometry {
            let points: Vec<[f64; 3]> = ring.iter().map(|p| at(*p, ztop)).collect();
            let projected = on_screen(&points);
            for (_, w) in &projected {
                depth += w;
                count += 1.0;
            }
            if projected.len() >= 3 {
                rings.push(projected.into_iter().map(|(px, _)| px).collect());
            }
        }
        if count > 0.0 {
            // Parameters: tile coordinates on the roof's plane.
            let to_screen = rows.map(|r| [r[0], r[1], r[2] * ztop + r[3]]);
            let up = [0.0, 0.0, 1.0];
            let paint = |inv: &[[f64; 3]; 3]| match &pattern {
                Some(fp) => {
                    let to_world = [[fp.k, 0.0, fp.origin[0]], [0.0, fp.k, fp.origin[1]], [0.0, 0.0, 1.0]];
                    let light = pattern_light(up, light, 1.0);
                    fp.paint(inv, to_world).map(|pattern| FacePaint::Pattern { pattern, light: [light; 2] })
                }
                None => Some(FacePaint::Color([shade(color, up, light, 1.0); 2])),
            };
            out.extend(face(rings, to_screen, [0.0, 0.0], paint).map(|f| (depth / count, f)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_are_cut_at_the_near_plane() {
        // w falls from 1 at y = 0 to -1 at y = 2: the square keeps y <= 1 - NEAR_W.
        let w = |p: [f64; 3]| 1.0 - p[1];
        let square = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 2.0, 0.0], [0.0, 2.0, 0.0]];
        let cut = clip_near(&square, w);
        let edge = 1.0 - NEAR_W;
        assert_eq!(cut.len(), 4);
        assert!(cut.iter().all(|p| w(*p) >= NEAR_W - 1e-12), "{cut:?}");
        assert!(cut.iter().filter(|p| (p[1] - edge).abs() < 1e-12).count() == 2, "{cut:?}");
        // Wholly in front: unchanged; wholly behind: nothing.
        assert!(matches!(clip_near(&square, |_| 1.0), Cow::Borrowed(p) if p == &square[..]));
        assert!(clip_near(&square, |_| -1.0).is_empty());
    }

    #[test]
    fn roofs_facing_the_light_are_bright_and_walls_darker() {
        let light = light_direction(0.0);
        let blue = Color::new(0.0, 0.0, 1.0, 1.0);
        let roof = shade(blue, [0.0, 0.0, 1.0], light, 1.0);
        assert!(roof.b > 0.99 && roof.r > 0.03 && roof.r < 0.06, "{roof:?}");
        let wall = shade(blue, [0.0, 1.0, 0.0], light, wall_factor(0.5, 0.0, 10.0));
        assert!(wall.b < roof.b);
        assert_eq!(wall_factor(0.0, 0.0, 10.0), 0.84);
        assert_eq!(wall_factor(1.0, 0.0, 600.0), 1.0);
    }

    #[test]
    fn a_translucent_colour_darkens_an_opaque_face() {
        let light = light_direction(0.0);
        let grey = |a: f32| shade(Color::new(0.4, 0.4, 0.4, a), [0.0, 0.0, 1.0], light, 1.0);
        let (solid, faint) = (grey(1.0), grey(0.2));
        assert_eq!(faint.a, 1.0);
        assert!(faint.r < solid.r / 2.0, "{faint:?} vs {solid:?}");
    }

    #[test]
    fn pattern_faces_are_lit_without_a_colour_term() {
        let light = light_direction(0.0);
        // Roofs: almost fully lit; walls facing away from the light: the
        // ambient half, times the vertical factor.
        let roof = pattern_light([0.0, 0.0, 1.0], light, 1.0);
        assert!(roof > 0.99 && roof <= 1.0, "{roof}");
        let away = [-light[0], -light[1], 0.0];
        let n = (away[0] * away[0] + away[1] * away[1]).sqrt();
        assert_eq!(pattern_light([away[0] / n, away[1] / n, 0.0], light, 0.8), 0.4);
    }
}
