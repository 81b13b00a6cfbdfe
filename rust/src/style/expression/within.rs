//! `within`: whether a feature lies strictly inside GeoJSON polygons.
//! Polygons are projected to the feature's tile coordinate space (Web
//! Mercator at the canonical tile's zoom) and tested there.

use serde_json::Value as J;

use crate::data::feature::{Feature, GeomType, TileId};
use crate::style::expression::node::Polygons;

fn ring(v: &J) -> Option<Vec<[f64; 2]>> {
    let pts = v.as_array()?;
    pts.iter()
        .map(|p| {
            let p = p.as_array()?;
            Some([p.first()?.as_f64()?, p.get(1)?.as_f64()?])
        })
        .collect()
}

fn polygon(v: &J) -> Option<Vec<Vec<[f64; 2]>>> {
    v.as_array()?.iter().map(ring).collect()
}

fn collect(geom: &J, out: &mut Vec<Vec<Vec<[f64; 2]>>>) -> bool {
    match geom.get("type").and_then(J::as_str) {
        Some("Polygon") => match geom.get("coordinates").and_then(polygon) {
            Some(p) => {
                out.push(p);
                true
            }
            None => false,
        },
        Some("MultiPolygon") => {
            let Some(ps) = geom.get("coordinates").and_then(J::as_array) else {
                return false;
            };
            for p in ps {
                match polygon(p) {
                    Some(p) => out.push(p),
                    None => return false,
                }
            }
            true
        }
        Some("Feature") => geom.get("geometry").is_some_and(|g| collect(g, out)),
        Some("FeatureCollection") => {
            let Some(fs) = geom.get("features").and_then(J::as_array) else {
                return false;
            };
            let mut any = false;
            for f in fs {
                let before = out.len();
                if collect(f, out) && out.len() > before {
                    any = true;
                }
            }
            any
        }
        _ => false,
    }
}

/// The polygons of a GeoJSON Polygon/MultiPolygon/Feature/FeatureCollection.
pub fn polygons_from_geojson(v: &J) -> Option<Polygons> {
    let mut out = Vec::new();
    if collect(v, &mut out) && !out.is_empty() {
        Some(Polygons(out))
    } else {
        None
    }
}

/// Whether `v` is a GeoJSON geometry, feature or feature collection.
pub fn is_geojson_geometry(v: &J) -> bool {
    matches!(
        v.get("type").and_then(J::as_str),
        Some(
            "Point"
                | "MultiPoint"
                | "LineString"
                | "MultiLineString"
                | "Polygon"
                | "MultiPolygon"
                | "GeometryCollection"
                | "Feature"
                | "FeatureCollection"
        )
    )
}

/// Longitude/latitude to world coordinates for a tile grid of `2^z` tiles
/// of `extent` units.
pub fn project(lng: f64, lat: f64, z: u8, extent: f64) -> [f64; 2] {
    let size = extent * f64::from(1u32 << z.min(31));
    let x = (lng + 180.0) / 360.0;
    let s = lat.to_radians().sin().clamp(-0.9999, 0.9999);
    let y = 0.5 - 0.25 * ((1.0 + s) / (1.0 - s)).ln() / std::f64::consts::PI;
    [x * size, y * size]
}

fn on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> bool {
    let cross = (p[0] - a[0]) * (b[1] - a[1]) - (p[1] - a[1]) * (b[0] - a[0]);
    cross == 0.0 && (a[0] - p[0]) * (b[0] - p[0]) <= 0.0 && (a[1] - p[1]) * (b[1] - p[1]) <= 0.0
}

fn point_in_polygon(p: [f64; 2], poly: &[Vec<[f64; 2]>]) -> bool {
    let mut inside = false;
    for ring in poly {
        let n = ring.len();
        for i in 0..n {
            let a = ring[i];
            let b = ring[(i + 1) % n];
            if on_segment(p, a, b) {
                return false;
            }
            if (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
            {
                inside = !inside;
            }
        }
    }
    inside
}

fn segments_cross(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let orient = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    };
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
}

fn line_in_polygon(line: &[[f64; 2]], poly: &[Vec<[f64; 2]>]) -> bool {
    if !line.iter().all(|p| point_in_polygon(*p, poly)) {
        return false;
    }
    for w in line.windows(2) {
        for ring in poly {
            let n = ring.len();
            for i in 0..n {
                if segments_cross(w[0], w[1], ring[i], ring[(i + 1) % n]) {
                    return false;
                }
            }
        }
    }
    true
}

/// Evaluates `within` for a feature of tile `canonical` with `extent`.
pub fn within(polys: &Polygons, feature: &Feature, canonical: TileId, extent: u32) -> bool {
    let ext = f64::from(extent);
    let projected: Vec<Vec<Vec<[f64; 2]>>> = polys
        .0
        .iter()
        .map(|p| {
            p.iter()
                .map(|r| {
                    r.iter()
                        .map(|c| project(c[0], c[1], canonical.z, ext).map(f64::round))
                        .collect()
                })
                .collect()
        })
        .collect();
    let ox = f64::from(canonical.x) * ext;
    let oy = f64::from(canonical.y) * ext;
    let parts: Vec<Vec<[f64; 2]>> = feature
        .geometry
        .iter()
        .map(|part| {
            part.iter()
                .map(|p| [ox + f64::from(p.x), oy + f64::from(p.y)])
                .collect()
        })
        .collect();
    if parts.is_empty() {
        return false;
    }
    match feature.geom_type {
        GeomType::Point => {
            // Polygons may cross the antimeridian: also try the point one world
            // to the left and right.
            let world = ext * f64::from(1u32 << canonical.z.min(31));
            parts.iter().flatten().all(|p| {
                [0.0, -world, world].iter().any(|dx| {
                    projected
                        .iter()
                        .any(|poly| point_in_polygon([p[0] + dx, p[1]], poly))
                })
            })
        }
        GeomType::LineString => parts
            .iter()
            .all(|l| projected.iter().any(|poly| line_in_polygon(l, poly))),
        _ => false,
    }
}
