//! GeoJSON parsing, projection to Web Mercator [0, 1] and per-point importance
//! (Douglas–Peucker) for zoom-dependent simplification.

use std::sync::Arc;


use crate::source::feature::Properties;
use super::props::Props;
use super::read::{Id, Item, Items, Node};
use crate::data::feature::{Feature, GeomType};
use crate::data::value::Value;
use crate::style::expression::EvaluationContext;
use crate::style::filter::Filter;

/// A projected point: x, y in [0, 1] world units, and its importance: the squared
/// distance at which Douglas–Peucker would drop it (1 = always kept).
pub type Pt = [f64; 3];

/// A line string or polygon ring, with its size: length for lines, area for
/// rings (in world units) of the original, unclipped geometry.
#[derive(Clone, Debug, PartialEq)]
pub struct Ring {
    pub pts: Vec<Pt>,
    pub size: f64,
    /// Lines: the distances along the original line (world units) where
    /// this piece starts and ends (`lineMetrics`); 0 for rings.
    pub start: f64,
    pub end: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Geometry {
    Points(Vec<Pt>),
    Lines(Vec<Ring>),
    /// Polygons, each a list of rings (exterior first).
    Polygons(Vec<Vec<Ring>>),
}

/// A projected feature with its bounding box.
#[derive(Clone, Debug, PartialEq)]
pub struct VtFeature {
    pub geom: Geometry,
    pub id: Option<Value>,
    pub props: Arc<Properties>,
    pub min: [f64; 2],
    pub max: [f64; 2],
    pub num_points: usize,
}

impl VtFeature {
    pub fn new(geom: Geometry, id: Option<Value>, props: Arc<Properties>) -> VtFeature {
        let mut f = VtFeature { geom, id, props, min: [f64::MAX; 2], max: [f64::MIN; 2], num_points: 0 };
        f.update_bbox();
        f
    }

    /// About the heap bytes of the feature: its points, its lines' or
    /// rings' entries, itself and its properties (a part of them for each
    /// feature sharing them: copies wrapped across the antimeridian).
    pub fn heap_bytes(&self) -> u64 {
        let pieces = match &self.geom {
            Geometry::Points(_) => 0,
            Geometry::Lines(ls) => ls.len(),
            Geometry::Polygons(ps) => ps.iter().map(|rings| rings.len() + 1).sum(),
        };
        let geometry = (std::mem::size_of::<VtFeature>() + 16 + self.num_points * std::mem::size_of::<Pt>() + pieces * (std::mem::size_of::<Ring>() + 16))
            as u64;
        let props = (self.props.heap_bytes() + std::mem::size_of::<Properties>() as u64 + 16) / Arc::strong_count(&self.props) as u64;
        let id = self.id.as_ref().map_or(0, Value::heap_bytes);
        geometry.saturating_add(props).saturating_add(id)
    }

    pub fn update_bbox(&mut self) {
        let (mut min, mut max, mut n) = ([f64::MAX; 2], [f64::MIN; 2], 0usize);
        let mut add = |p: &Pt| {
            min[0] = min[0].min(p[0]);
            min[1] = min[1].min(p[1]);
            max[0] = max[0].max(p[0]);
            max[1] = max[1].max(p[1]);
            n += 1;
        };
        match &self.geom {
            Geometry::Points(ps) => ps.iter().for_each(&mut add),
            Geometry::Lines(ls) => ls.iter().flat_map(|r| r.pts.iter()).for_each(&mut add),
            Geometry::Polygons(ps) => ps.iter().flatten().flat_map(|r| r.pts.iter()).for_each(&mut add),
        }
        self.min = min;
        self.max = max;
        self.num_points = n;
    }
}

/// Conversion settings.
pub struct ConvertOptions<'a> {
    /// Squared simplification tolerance at the maximum zoom, in world units.
    pub sq_tolerance: f64,
    pub promote_id: Option<&'a str>,
    pub generate_id: bool,
    /// The source's `filter`: a feature it does not match has no geometry.
    pub filter: Option<&'a Filter>,
}

pub fn project_x(lng: f64) -> f64 {
    lng / 360.0 + 0.5
}

pub fn project_y(lat: f64) -> f64 {
    let s = lat.to_radians().sin();
    let y = 0.5 - 0.25 * ((1.0 + s) / (1.0 - s)).ln() / std::f64::consts::PI;
    if y.is_nan() {
        if lat > 0.0 { 0.0 } else { 1.0 }
    } else {
        y.clamp(0.0, 1.0)
    }
}

/// Converts GeoJSON (FeatureCollection, Feature or Geometry) into projected features.
pub fn convert(json: &Node, opts: &ConvertOptions<'_>) -> Result<Vec<VtFeature>, String> {
    let Node::Object(obj) = json else { return Err("GeoJSON must be an object".into()) };
    let ty = obj.ty.as_deref().ok_or("GeoJSON object has no \"type\"")?;
    let mut out = Vec::new();
    match ty {
        "FeatureCollection" => {
            let Some(Node::Array(features)) = &obj.features else {
                return Err("GeoJSON FeatureCollection has no \"features\" array".into());
            };
            for (i, f) in features.iter().enumerate() {
                convert_feature(f, i, opts, &mut out).map_err(|e| format!("GeoJSON feature {i}: {e}"))?;
            }
        }
        "Feature" => convert_feature(json, 0, opts, &mut out).map_err(|e| format!("GeoJSON feature: {e}"))?,
        _ => {
            // A bare geometry is one feature without properties, filtered
            // as any other.
            let id = if opts.generate_id { Some(Value::Number(0.0)) } else { None };
            let props = Arc::new(Properties::default());
            if passes_filter(opts, &id, &props, json) {
                convert_geometry(json, id, props, opts, &mut out).map_err(|e| format!("GeoJSON: {e}"))?
            }
        }
    }
    Ok(out)
}

fn convert_feature(f: &Node, index: usize, opts: &ConvertOptions<'_>, out: &mut Vec<VtFeature>) -> Result<(), String> {
    let (id, props, geometry) = feature_parts(f, index, opts)?;
    match geometry {
        None => Ok(()),
        Some(g) => convert_geometry(g, id, props, opts, out),
    }
}

/// A GeoJSON Feature's id (generated, promoted or its own), properties and
/// geometry (`None` when null or absent); `index` is its place in the
/// collection.
pub(crate) fn feature_parts<'j>(
    f: &'j Node,
    index: usize,
    opts: &ConvertOptions<'_>,
) -> Result<(Option<Value>, Arc<Properties>, Option<&'j Node>), String> {
    let Node::Object(obj) = f else { return Err("not an object".into()) };
    match obj.ty.as_deref() {
        Some("Feature") => {}
        Some(t) => return Err(format!("type is \"{t}\", expected \"Feature\"")),
        None => return Err("no \"type\"".into()),
    }
    let props = match &obj.properties {
        None | Some(Props::Null) => Arc::default(),
        Some(Props::Object(p)) => Arc::clone(p),
        Some(Props::Other) => return Err("\"properties\" must be an object or null".into()),
    };
    let id = if opts.generate_id {
        Some(Value::Number(index as f64))
    } else if let Some(key) = opts.promote_id {
        props.get(key).cloned()
    } else {
        match &obj.id {
            None | Some(Id::Null) => None,
            Some(Id::Value(v)) => Some(v.clone()),
            Some(Id::Other) => return Err("\"id\" must be a number or a string".into()),
        }
    };
    let geometry = obj.geometry.as_ref().filter(|g| !matches!(g, Node::Null));
    match geometry {
        Some(g) if !passes_filter(opts, &id, &props, g) => Ok((id, props, None)),
        _ => Ok((id, props, geometry)),
    }
}

/// Whether a feature passes the source's filter (every feature does
/// without one).
fn passes_filter(opts: &ConvertOptions<'_>, id: &Option<Value>, props: &Arc<Properties>, geometry: &Node) -> bool {
    opts.filter.map_or(true, |f| matches_filter(f, id, props, geometry))
}

/// Whether a feature passes the source's filter, evaluated as GL JS does:
/// at zoom 0, with its id, properties and geometry type (not its
/// geometry: `within` and `distance` see none). A filter whose evaluation
/// fails (or runs out of the index's work bound) does not match. A feature
/// left out is read no further, as GL JS filters before tiling: its
/// geometry is not checked.
fn matches_filter(filter: &Filter, id: &Option<Value>, props: &Arc<Properties>, geometry: &Node) -> bool {
    let geom_type = match geometry {
        Node::Object(g) => match g.ty.as_deref() {
            Some("Point" | "MultiPoint") => GeomType::Point,
            Some("LineString" | "MultiLineString") => GeomType::LineString,
            Some("Polygon" | "MultiPolygon") => GeomType::Polygon,
            _ => GeomType::Unknown,
        },
        _ => GeomType::Unknown,
    };
    let feature = Feature { id: id.clone(), geom_type, geometry: Vec::new(), properties: Properties::clone(props) };
    filter.matches(&EvaluationContext::for_feature(0.0, &feature))
}

fn array<'a>(v: Item<'a>, what: &str) -> Result<Items<'a>, String> {
    v.items().ok_or_else(|| format!("{what} must be an array"))
}

fn point(p: Item<'_>) -> Result<Pt, String> {
    let (x, y) = p.position()?;
    Ok([project_x(x), project_y(y), 0.0])
}

fn line(coords: Item<'_>, sq_tol: f64, is_polygon: bool) -> Result<Ring, String> {
    let a = array(coords, "line coordinates")?;
    let mut pts = Vec::with_capacity(a.len());
    for p in a {
        pts.push(point(p)?);
    }
    let mut size = 0.0;
    for w in pts.windows(2) {
        let (p, q) = (w[0], w[1]);
        if is_polygon {
            size += (p[0] * q[1] - q[0] * p[1]) / 2.0;
        } else {
            size += ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt();
        }
    }
    if !pts.is_empty() {
        let last = pts.len() - 1;
        pts[0][2] = 1.0;
        simplify(&mut pts, 0, last, sq_tol);
        pts[last][2] = 1.0;
    }
    let size = size.abs();
    let end = if is_polygon { 0.0 } else { size };
    Ok(Ring { pts, size, start: 0.0, end })
}

fn rings(coords: Item<'_>, sq_tol: f64) -> Result<Vec<Ring>, String> {
    array(coords, "polygon coordinates")?.map(|r| line(r, sq_tol, true)).collect()
}

fn convert_geometry(
    g: &Node,
    id: Option<Value>,
    props: Arc<Properties>,
    opts: &ConvertOptions<'_>,
    out: &mut Vec<VtFeature>,
) -> Result<(), String> {
    let Node::Object(obj) = g else { return Err("geometry must be an object".into()) };
    let ty = obj.ty.as_deref().ok_or("geometry has no \"type\"")?;
    if ty == "GeometryCollection" {
        let Some(Node::Array(geoms)) = &obj.geometries else {
            return Err("GeometryCollection has no \"geometries\" array".into());
        };
        for g in geoms {
            convert_geometry(g, id.clone(), props.clone(), opts, out)?;
        }
        return Ok(());
    }
    let coords = Item::Coords(obj.coordinates.as_ref().ok_or_else(|| format!("{ty} has no \"coordinates\""))?);
    let tol = opts.sq_tolerance;
    let geom = match ty {
        "Point" => Geometry::Points(vec![point(coords)?]),
        "MultiPoint" => Geometry::Points(array(coords, "MultiPoint coordinates")?.map(point).collect::<Result<_, _>>()?),
        "LineString" => Geometry::Lines(vec![line(coords, tol, false)?]),
        "MultiLineString" => Geometry::Lines(
            array(coords, "MultiLineString coordinates")?.map(|l| line(l, tol, false)).collect::<Result<_, _>>()?,
        ),
        "Polygon" => Geometry::Polygons(vec![rings(coords, tol)?]),
        "MultiPolygon" => Geometry::Polygons(
            array(coords, "MultiPolygon coordinates")?.map(|p| rings(p, tol)).collect::<Result<_, _>>()?,
        ),
        other => return Err(format!("unknown geometry type \"{other}\"")),
    };
    let f = VtFeature::new(geom, id, props);
    if f.num_points > 0 {
        out.push(f);
    }
    Ok(())
}

/// Squared distance from `p` to the segment `a`-`b` (their first two
/// coordinates).
pub(crate) fn sq_seg_dist(p: &[f64], a: &[f64], b: &[f64]) -> f64 {
    let (mut x, mut y) = (a[0], a[1]);
    let (dx, dy) = (b[0] - x, b[1] - y);
    if dx != 0.0 || dy != 0.0 {
        let t = ((p[0] - x) * dx + (p[1] - y) * dy) / (dx * dx + dy * dy);
        if t > 1.0 {
            x = b[0];
            y = b[1];
        } else if t > 0.0 {
            x += dx * t;
            y += dy * t;
        }
    }
    (p[0] - x).powi(2) + (p[1] - y).powi(2)
}

/// Distance tests [`simplify`] may make per point of a line before it stops
/// splitting (a balanced split of a million points needs 20).
const SIMPLIFY_WORK_PER_POINT: usize = 64;

/// Douglas–Peucker: sets each kept point's importance to the squared distance at
/// which it is kept. On equal distances the point nearest the middle wins.
/// Iterative (no recursion depth limit on long lines).
///
/// Its worst case is quadratic: a regular zigzag (a star of 200,000 points
/// took 12 s) splits off one point at a time. After
/// [`SIMPLIFY_WORK_PER_POINT`] distance tests per point, the stretches not
/// split yet keep every point (importance 1, as the ends): such a line is
/// drawn in full detail at every zoom, in linear time. Lines that split
/// evenly, as drawn data does, never reach the limit.
pub fn simplify(pts: &mut [Pt], first: usize, last: usize, sq_tol: f64) {
    simplify_within(pts, first, last, sq_tol, SIMPLIFY_WORK_PER_POINT);
}

fn simplify_within(pts: &mut [Pt], first: usize, last: usize, sq_tol: f64, work_per_point: usize) {
    let budget = last.saturating_sub(first).saturating_mul(work_per_point);
    let mut work = 0usize;
    let mut stack = vec![(first, last)];
    while let Some((f, l)) = stack.pop() {
        if l <= f + 1 {
            continue;
        }
        if work > budget {
            for p in &mut pts[f + 1..l] {
                p[2] = 1.0;
            }
            continue;
        }
        work += l - f - 1;
        let mid = (f + l) as f64 / 2.0;
        let mut best = sq_tol;
        let mut index = None;
        let mut best_to_mid = f64::MAX;
        for i in f + 1..l {
            let d = sq_seg_dist(&pts[i], &pts[f], &pts[l]);
            let to_mid = (i as f64 - mid).abs();
            if d > best || (d == best && index.is_some() && to_mid < best_to_mid) {
                best = d;
                index = Some(i);
                best_to_mid = to_mid;
            }
        }
        if let Some(i) = index {
            if best > sq_tol {
                pts[i][2] = best;
                stack.push((f, i));
                stack.push((i, l));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Squared tolerance of the default source at zoom 0 (0.375 px of a
    /// 512 px world).
    const SQ_TOL: f64 = (0.375 / 512.0) * (0.375 / 512.0);

    fn importances(mut pts: Vec<Pt>, work_per_point: usize) -> Vec<f64> {
        let last = pts.len() - 1;
        simplify_within(&mut pts, 0, last, SQ_TOL * 1e-6, work_per_point);
        pts.iter().map(|p| p[2]).collect()
    }

    #[test]
    fn drawn_lines_simplify_as_without_the_work_limit() {
        // A random walk of 100,000 points (world units).
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut step = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 10_000) as f64 / 1e9 - 5e-6
        };
        let (mut x, mut y) = (0.5, 0.5);
        let walk: Vec<Pt> = (0..100_000)
            .map(|_| {
                x += step();
                y += step();
                [x, y, 0.0]
            })
            .collect();
        assert_eq!(importances(walk.clone(), SIMPLIFY_WORK_PER_POINT), importances(walk, usize::MAX));
    }

    #[test]
    fn a_zigzag_that_splits_a_point_at_a_time_keeps_its_points_in_linear_time() {
        // A star: points alternately on two circles. Each split peels off one
        // point (quadratic without the limit).
        let n = 20_000;
        let star: Vec<Pt> = (0..=n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 0.1 } else { 0.05 };
                [0.5 + r * a.cos(), 0.5 + r * a.sin(), 0.0]
            })
            .collect();
        let limited = importances(star.clone(), SIMPLIFY_WORK_PER_POINT);
        let full = importances(star, usize::MAX);
        // Until the limit the splits are the same; the stretches left then
        // keep every point (importance 1, as the ends): at any tolerance the
        // limited line keeps what the full one keeps, and more.
        assert!(limited.iter().zip(&full).all(|(l, f)| l == f || *l == 1.0));
        assert!(limited.iter().filter(|&&d| d == 1.0).count() > n / 2, "most kept by the limit");
    }
}
