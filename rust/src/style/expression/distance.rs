//! `distance`: the shortest distance in metres between the feature and a
//! GeoJSON geometry, measured with a local flat-earth approximation of the
//! WGS84 ellipsoid (the "cheap ruler" method) at the feature's latitude.
//! Points inside polygons, and crossing lines, are at distance 0.

use serde_json::Value as J;

use crate::data::feature::{Feature, GeomType, TileId};

type P = [f64; 2];

/// Geometry given to `distance`, in longitude/latitude.
#[derive(Clone, Debug, Default)]
pub struct Geometries {
    pub points: Vec<P>,
    pub lines: Vec<Vec<P>>,
    pub polygons: Vec<Vec<Vec<P>>>,
}

impl Geometries {
    /// Points of every geometry.
    pub fn points_count(&self) -> u64 {
        let lines: usize = self.lines.iter().map(Vec::len).sum();
        let rings: usize = self.polygons.iter().flatten().map(Vec::len).sum();
        (self.points.len() + lines + rings) as u64
    }
}

fn pt(v: &J) -> Option<P> {
    let a = v.as_array()?;
    Some([a.first()?.as_f64()?, a.get(1)?.as_f64()?])
}
fn pts(v: &J) -> Option<Vec<P>> {
    v.as_array()?.iter().map(pt).collect()
}
fn rings(v: &J) -> Option<Vec<Vec<P>>> {
    v.as_array()?.iter().map(pts).collect()
}

fn collect(g: &J, out: &mut Geometries) -> bool {
    let c = g.get("coordinates");
    match g.get("type").and_then(J::as_str) {
        Some("Point") => c.and_then(pt).map(|p| out.points.push(p)).is_some(),
        Some("MultiPoint") => c.and_then(pts).map(|p| out.points.extend(p)).is_some(),
        Some("LineString") => c.and_then(pts).map(|l| out.lines.push(l)).is_some(),
        Some("MultiLineString") => c.and_then(rings).map(|l| out.lines.extend(l)).is_some(),
        Some("Polygon") => c.and_then(rings).map(|p| out.polygons.push(p)).is_some(),
        Some("MultiPolygon") => c
            .and_then(J::as_array)
            .and_then(|a| a.iter().map(rings).collect::<Option<Vec<_>>>())
            .map(|p| out.polygons.extend(p))
            .is_some(),
        Some("GeometryCollection") => g
            .get("geometries")
            .and_then(J::as_array)
            .is_some_and(|a| a.iter().all(|x| collect(x, out))),
        Some("Feature") => g.get("geometry").is_some_and(|x| collect(x, out)),
        Some("FeatureCollection") => g
            .get("features")
            .and_then(J::as_array)
            .is_some_and(|a| a.iter().all(|x| collect(x, out))),
        _ => false,
    }
}

/// Reads a GeoJSON geometry, feature or feature collection.
pub fn geometries_from_geojson(v: &J) -> Option<Geometries> {
    let mut g = Geometries::default();
    let any =
        collect(v, &mut g) && !(g.points.is_empty() && g.lines.is_empty() && g.polygons.is_empty());
    any.then_some(g)
}

/// Scale factors (metres per degree) of the local flat approximation.
struct Ruler {
    kx: f64,
    ky: f64,
}

impl Ruler {
    fn new(lat: f64) -> Ruler {
        const RE: f64 = 6378.137; // equatorial radius, km
        const FE: f64 = 1.0 / 298.257223563; // flattening
        let e2 = FE * (2.0 - FE);
        let m = std::f64::consts::PI / 180.0 * RE * 1000.0;
        let coslat = lat.to_radians().cos();
        let w2 = 1.0 / (1.0 - e2 * (1.0 - coslat * coslat));
        let w = w2.sqrt();
        Ruler {
            kx: m * w * coslat,
            ky: m * w * w2 * (1.0 - e2),
        }
    }
    /// Degrees to local metres relative to `o` (longitude wrapped).
    fn xy(&self, p: P, o: P) -> P {
        let mut dx = p[0] - o[0];
        // One step, not a loop: a longitude of 5e10 (or infinity) in a
        // hostile style must not spin (fuzz regression).
        if dx.is_finite() && !(-180.0..=180.0).contains(&dx) {
            dx = (dx + 180.0).rem_euclid(360.0) - 180.0;
        }
        [dx * self.kx, (p[1] - o[1]) * self.ky]
    }
}

fn dist(a: P, b: P) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn point_segment(p: P, a: P, b: P) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return dist(p, a);
    }
    let t = (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0);
    dist(p, [a[0] + t * dx, a[1] + t * dy])
}

fn cross(o: P, a: P, b: P) -> f64 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

fn segments_intersect(a: P, b: P, c: P, d: P) -> bool {
    let (d1, d2, d3, d4) = (
        cross(c, d, a),
        cross(c, d, b),
        cross(a, b, c),
        cross(a, b, d),
    );
    ((d1 > 0.0) != (d2 > 0.0)
        && d1 != 0.0
        && d2 != 0.0
        && (d3 > 0.0) != (d4 > 0.0)
        && d3 != 0.0
        && d4 != 0.0)
        || (d1 == 0.0 && point_segment(a, c, d) == 0.0)
        || (d2 == 0.0 && point_segment(b, c, d) == 0.0)
        || (d3 == 0.0 && point_segment(c, a, b) == 0.0)
        || (d4 == 0.0 && point_segment(d, a, b) == 0.0)
}

fn segment_segment(a: P, b: P, c: P, d: P) -> f64 {
    if segments_intersect(a, b, c, d) {
        return 0.0;
    }
    point_segment(a, c, d)
        .min(point_segment(b, c, d))
        .min(point_segment(c, a, b))
        .min(point_segment(d, a, b))
}

fn segments(line: &[P]) -> impl Iterator<Item = (P, P)> + '_ {
    let single = if line.len() == 1 {
        Some((line[0], line[0]))
    } else {
        None
    };
    line.windows(2).map(|w| (w[0], w[1])).chain(single)
}

fn ring_segments(ring: &[P]) -> impl Iterator<Item = (P, P)> + '_ {
    let n = ring.len();
    (0..n).map(move |i| (ring[i], ring[(i + 1) % n]))
}

fn inside(p: P, poly: &[Vec<P>]) -> bool {
    let mut c = false;
    for ring in poly {
        for (a, b) in ring_segments(ring) {
            if (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
            {
                c = !c;
            }
        }
    }
    c
}

/// Shapes in local metres.
struct Shapes {
    points: Vec<P>,
    lines: Vec<Vec<P>>,
    polygons: Vec<Vec<Vec<P>>>,
}

fn line_line(a: &[P], b: &[P]) -> f64 {
    let mut best = f64::INFINITY;
    for (p, q) in segments(a) {
        for (r, s) in segments(b) {
            best = best.min(segment_segment(p, q, r, s));
            if best == 0.0 {
                return 0.0;
            }
        }
    }
    best
}

fn point_line(p: P, l: &[P]) -> f64 {
    segments(l)
        .map(|(a, b)| point_segment(p, a, b))
        .fold(f64::INFINITY, f64::min)
}

fn line_polygon(l: &[P], poly: &[Vec<P>]) -> f64 {
    if l.iter().any(|p| inside(*p, poly)) {
        return 0.0;
    }
    poly.iter()
        .map(|r| line_line(l, &closed(r)))
        .fold(f64::INFINITY, f64::min)
}

fn closed(r: &[P]) -> Vec<P> {
    let mut v = r.to_vec();
    if let (Some(f), Some(l)) = (r.first(), r.last()) {
        if f != l {
            v.push(*f);
        }
    }
    v
}

fn polygon_polygon(a: &[Vec<P>], b: &[Vec<P>]) -> f64 {
    let a_in_b = a.first().is_some_and(|r| r.iter().any(|p| inside(*p, b)));
    let b_in_a = b.first().is_some_and(|r| r.iter().any(|p| inside(*p, a)));
    if a_in_b || b_in_a {
        return 0.0;
    }
    a.iter()
        .map(|r| line_polygon(&closed(r), b))
        .fold(f64::INFINITY, f64::min)
}

fn shape_distance(f: &Shapes, g: &Shapes) -> f64 {
    let mut best = f64::INFINITY;
    for p in &f.points {
        for q in &g.points {
            best = best.min(dist(*p, *q));
        }
        for l in &g.lines {
            best = best.min(point_line(*p, l));
        }
        for poly in &g.polygons {
            best = best.min(if inside(*p, poly) {
                0.0
            } else {
                line_polygon(&[*p], poly)
            });
        }
    }
    for l in &f.lines {
        for q in &g.points {
            best = best.min(point_line(*q, l));
        }
        for m in &g.lines {
            best = best.min(line_line(l, m));
        }
        for poly in &g.polygons {
            best = best.min(line_polygon(l, poly));
        }
    }
    for poly in &f.polygons {
        for q in &g.points {
            best = best.min(if inside(*q, poly) {
                0.0
            } else {
                line_polygon(&[*q], poly)
            });
        }
        for m in &g.lines {
            best = best.min(line_polygon(m, poly));
        }
        for other in &g.polygons {
            best = best.min(polygon_polygon(poly, other));
        }
    }
    best
}

/// Tile coordinates to longitude/latitude.
fn unproject(x: f64, y: f64, tile: TileId, extent: f64) -> P {
    let n = f64::from(1u32 << tile.z.min(31));
    let wx = (x / extent + f64::from(tile.x)) / n;
    let wy = (y / extent + f64::from(tile.y)) / n;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * wy))
        .sinh()
        .atan()
        .to_degrees();
    [wx * 360.0 - 180.0, lat]
}

/// Evaluates `distance` for a feature of tile `canonical` with `extent`;
/// `None` for features without geometry.
pub fn distance(g: &Geometries, feature: &Feature, canonical: TileId, extent: u32) -> Option<f64> {
    let ext = f64::from(extent);
    let parts: Vec<Vec<P>> = feature
        .geometry
        .iter()
        .map(|part| {
            part.iter()
                .map(|p| unproject(f64::from(p.x), f64::from(p.y), canonical, ext))
                .collect()
        })
        .collect();
    let origin = *parts.iter().flatten().next()?;
    let ruler = Ruler::new(origin[1]);
    let m = |p: &P| ruler.xy(*p, origin);
    let f = match feature.geom_type {
        GeomType::Point => Shapes {
            points: parts.iter().flatten().map(m).collect(),
            lines: vec![],
            polygons: vec![],
        },
        GeomType::LineString => Shapes {
            points: vec![],
            lines: parts.iter().map(|l| l.iter().map(m).collect()).collect(),
            polygons: vec![],
        },
        GeomType::Polygon => Shapes {
            points: vec![],
            lines: vec![],
            polygons: vec![parts.iter().map(|r| r.iter().map(m).collect()).collect()],
        },
        GeomType::Unknown => return None,
    };
    let t = Shapes {
        points: g.points.iter().map(m).collect(),
        lines: g.lines.iter().map(|l| l.iter().map(m).collect()).collect(),
        polygons: g
            .polygons
            .iter()
            .map(|p| p.iter().map(|r| r.iter().map(m).collect()).collect())
            .collect(),
    };
    Some(shape_distance(&f, &t))
}

#[cfg(test)]
mod wrap_tests {
    use super::*;

    #[test]
    fn longitudes_far_outside_the_world_wrap_in_one_step() {
        let r = Ruler::new(0.0);
        let near = r.xy([10.0, 0.0], [0.0, 0.0]);
        // 10 + 360 k degrees is the same place for any k, even astronomically large.
        let far = r.xy([10.0 + 360.0 * 1.0e8, 0.0], [0.0, 0.0]);
        assert!((near[0] - far[0]).abs() < 1e-3 * near[0].abs(), "{near:?} {far:?}");
        assert!((r.xy([-350.0, 0.0], [0.0, 0.0])[0] - near[0]).abs() < 1e-6);
        // Not finite: no hang, no wrap.
        assert!(r.xy([f64::INFINITY, 0.0], [0.0, 0.0])[0].is_infinite());
        assert!(r.xy([f64::NAN, 0.0], [0.0, 0.0])[0].is_nan());
    }
}
