//! Point clustering for GeoJSON sources with `"cluster": true`: supercluster's
//! algorithm as MapLibre Native runs it.
//!
//! * Points are projected to Web Mercator [0, 1]; a level per zoom from
//!   `max_zoom + 1` (the points themselves) down to `min_zoom`, each with a
//!   KD-tree.
//! * Level `z` is made from level `z + 1`: in order, each entry not yet taken
//!   gathers the entries not yet taken within `radius / (extent · 2^z)`; when
//!   they hold at least `min_points` points together they become one cluster
//!   at their count-weighted centre with id `(i << 5) + (z + 1)` (`i` the
//!   entry's index in level `z + 1`), otherwise they stay as they are.
//! * `clusterProperties`: each point's values come from the map expressions;
//!   merging applies the reduce expressions (`accumulated` = the value so far,
//!   `["get", name]` = the merged-in value); a failed evaluation gives null.
//! * A tile at zoom `z` shows level `min(z, max_zoom + 1)`: points within the
//!   tile and a buffer of `radius`, wrapped across the antimeridian. Clusters
//!   carry `cluster: true`, `cluster_id`, `point_count`,
//!   `point_count_abbreviated` and the cluster properties; points keep their
//!   own properties and id.
//!
//! Only `Point` features are clustered; other geometries (MultiPoint too) are
//! dropped, as supercluster does, and points with non-finite coordinates are
//! skipped. Work and memory are bounded: a level that changes nothing is
//! shared with the level above, and the entries of all levels together are
//! capped ([`MAX_INDEX_ENTRIES`]).

use std::sync::Arc;


use super::convert::{feature_parts, project_x, project_y, ConvertOptions};
use super::read::{Item, Node};
use super::kdtree::{KdTree, Points};
use super::GEOJSON_LAYER;
use crate::data::feature::{Feature, GeomType, Properties, TileData, TileLayer, TilePoint};
use crate::data::value::Value;
use crate::style::cluster_properties::ClusterProperties;
use crate::style::expression::EvaluationContext;

/// Entries of all levels together (points and clusters, levels shared with
/// the one above not counted; 36 bytes each with the tree); more fails the
/// source with a message. A million points spread over a region need about
/// 13 million.
pub const MAX_INDEX_ENTRIES: usize = 16 << 20;

/// Deepest clustering zoom (ids keep the zoom in 5 bits).
pub const MAX_CLUSTER_ZOOM: u8 = 24;

/// Most points (ids keep the entry index in 27 bits).
const MAX_POINTS: usize = (1 << 27) - 1;

/// No cluster properties.
const NO_PROPS: u32 = u32::MAX;

/// Clustering settings in tile units (as MapLibre hands them to supercluster).
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    pub min_zoom: u8,
    /// Deepest zoom with clusters; deeper tiles show the points.
    pub max_zoom: u8,
    /// Cluster radius in tile extent units.
    pub radius: f64,
    pub extent: u32,
    /// Fewest points that make a cluster (at least 2).
    pub min_points: u64,
    pub properties: ClusterProperties,
}

/// One point to cluster: projected position, feature id and properties.
#[derive(Clone, Debug)]
pub struct InputPoint {
    pub x: f64,
    pub y: f64,
    pub id: Option<Value>,
    pub props: Arc<Properties>,
}

/// A point or cluster of one level.
#[derive(Clone, Copy, Debug)]
struct Entry {
    x: f64,
    y: f64,
    count: u32,
    /// A point's index in the input, or a cluster's id.
    id: u32,
    /// Index of its cluster-property values in the index's arena.
    props: u32,
}

#[derive(Debug)]
struct Level {
    entries: Vec<Entry>,
    tree: KdTree,
}

impl Points for [Entry] {
    fn len(&self) -> usize {
        <[Entry]>::len(self)
    }
    fn xy(&self, i: u32) -> (f64, f64) {
        let e = &self[i as usize];
        (e.x, e.y)
    }
}

impl Level {
    /// About the heap bytes of the level: its entries and their tree (an
    /// index per entry, its nodes).
    fn bytes(&self) -> u64 {
        self.entries.len() as u64 * (std::mem::size_of::<Entry>() as u64 + 16)
    }

    fn new(entries: Vec<Entry>) -> Level {
        let tree = KdTree::new(&entries[..]);
        Level { entries, tree }
    }
}

/// The clusters of a point set at every zoom.
#[derive(Debug)]
pub struct ClusterIndex {
    points: Vec<InputPoint>,
    /// Level per zoom `min_zoom..=max_zoom + 1` (index `z - min_zoom`).
    levels: Vec<Arc<Level>>,
    /// Cluster-property values of points and clusters.
    arena: Vec<Properties>,
    options: ClusterOptions,
}

/// The points of a GeoJSON FeatureCollection to cluster, or `None` when the
/// data is not a non-empty FeatureCollection (MapLibre then tiles it
/// unclustered). Non-point features are dropped; a malformed feature is an
/// error naming it, as for unclustered sources.
pub fn points_from_geojson(json: &Node, opts: &ConvertOptions<'_>) -> Result<Option<Vec<InputPoint>>, String> {
    let Node::Object(obj) = json else { return Ok(None) };
    if obj.ty.as_deref() != Some("FeatureCollection") {
        return Ok(None);
    }
    let features = match &obj.features {
        Some(Node::Array(f)) if !f.is_empty() => f,
        _ => return Ok(None),
    };
    let mut out = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let (id, props, geometry) = feature_parts(f, i, opts).map_err(|e| format!("GeoJSON feature {i}: {e}"))?;
        let Some(Node::Object(g)) = geometry else { continue };
        if g.ty.as_deref() != Some("Point") {
            continue;
        }
        let coords = g.coordinates.as_ref().ok_or_else(|| format!("GeoJSON feature {i}: Point has no \"coordinates\""))?;
        let (lng, lat) = Item::Coords(coords).position().map_err(|e| format!("GeoJSON feature {i}: {e}"))?;
        out.push(InputPoint { x: project_x(lng), y: project_y(lat), id, props });
    }
    Ok(Some(out))
}

impl ClusterIndex {
    /// About the heap bytes of the index: its input points with their
    /// properties, every level and the cluster-property values.
    pub fn bytes(&self) -> u64 {
        let point = std::mem::size_of::<InputPoint>() as u64;
        let props = std::mem::size_of::<Properties>() as u64 + 16;
        let points = self.points.iter().fold(0u64, |n, p| {
            let own = (p.props.heap_bytes() + props) / Arc::strong_count(&p.props) as u64;
            n.saturating_add(point + own + p.id.as_ref().map_or(0, Value::heap_bytes))
        });
        let arena = self.arena.iter().fold(0u64, |n, p| n.saturating_add(props + p.heap_bytes()));
        self.levels.iter().map(|l| l.bytes()).fold(points.saturating_add(arena), u64::saturating_add)
    }

    /// Clusters `points` at every zoom.
    pub fn new(points: Vec<InputPoint>, mut options: ClusterOptions) -> Result<ClusterIndex, String> {
        let points: Vec<InputPoint> = points.into_iter().filter(|p| p.x.is_finite() && p.y.is_finite()).collect();
        if points.len() > MAX_POINTS {
            return Err(format!("clustering takes at most {MAX_POINTS} points, this source has {}", points.len()));
        }
        options.max_zoom = options.max_zoom.min(MAX_CLUSTER_ZOOM);
        options.min_zoom = options.min_zoom.min(options.max_zoom);
        options.min_points = options.min_points.max(2);
        if !(options.radius.is_finite() && options.radius >= 0.0) || options.extent == 0 {
            return Err("cluster radius must be a non-negative number and the extent positive".into());
        }
        let reduce = !options.properties.is_empty();
        let mut arena = Vec::new();
        let mut entries = Vec::with_capacity(points.len());
        for (i, p) in points.iter().enumerate() {
            let props = if reduce {
                arena.push(map_properties(&options.properties, &p.props));
                (arena.len() - 1) as u32
            } else {
                NO_PROPS
            };
            entries.push(Entry { x: p.x, y: p.y, count: 1, id: i as u32, props });
        }
        let mut total = entries.len();
        let mut levels = vec![Arc::new(Level::new(entries))];
        for z in (options.min_zoom..=options.max_zoom).rev() {
            let above = levels.last().expect("one level at least").clone();
            let level = match cluster_level(&above, z, &options, &mut arena) {
                Some(entries) => {
                    total += entries.len();
                    if total > MAX_INDEX_ENTRIES {
                        return Err(format!(
                            "clustering {} points needs more than {MAX_INDEX_ENTRIES} index entries (lower clusterMaxZoom \
                             or use fewer points)",
                            points.len()
                        ));
                    }
                    Arc::new(Level::new(entries))
                }
                None => above,
            };
            levels.push(level);
        }
        levels.reverse();
        Ok(ClusterIndex { points, levels, arena, options })
    }

    fn level(&self, z: u8) -> &Level {
        let z = z.clamp(self.options.min_zoom, self.options.max_zoom + 1);
        &self.levels[usize::from(z - self.options.min_zoom)]
    }

    /// The tile `z/x/y` (x wraps): the level's points and clusters within the
    /// tile and a buffer of the cluster radius. `None` when there are none.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Option<TileData> {
        if z > 30 {
            return None;
        }
        let n = 1u64 << z;
        if u64::from(y) >= n {
            return None;
        }
        let x = u64::from(x) % n;
        let level = self.level(z);
        let z2 = n as f64;
        let extent = f64::from(self.options.extent);
        let r = self.options.radius / extent;
        let (fx, fy) = (x as f64, f64::from(y));
        let (top, bottom) = ((fy - r) / z2, (fy + 1.0 + r) / z2);
        let mut features = Vec::new();
        let mut add = |i: u32, origin_x: f64| {
            let e = &level.entries[i as usize];
            let point = TilePoint::new(
                (extent * (e.x * z2 - origin_x)).round() as i32,
                (extent * (e.y * z2 - fy)).round() as i32,
            );
            features.push(self.feature(e, point));
        };
        let pts = &level.entries[..];
        level.tree.range(pts, (fx - r) / z2, top, (fx + 1.0 + r) / z2, bottom, |i| add(i, fx));
        // The buffer across the antimeridian.
        if x == 0 {
            level.tree.range(pts, 1.0 - r / z2, top, 1.0, bottom, |i| add(i, z2));
        }
        if x == n - 1 {
            level.tree.range(pts, 0.0, top, r / z2, bottom, |i| add(i, -1.0));
        }
        if features.is_empty() {
            return None;
        }
        Some(TileData { layers: vec![TileLayer::new(GEOJSON_LAYER.to_string(), self.options.extent, features)] })
    }

    fn feature(&self, e: &Entry, point: TilePoint) -> Feature {
        let geometry = vec![vec![point]];
        if e.count == 1 {
            let p = &self.points[e.id as usize];
            return Feature { id: p.id.clone(), geom_type: GeomType::Point, geometry, properties: (*p.props).clone() };
        }
        let mut members: Vec<(Arc<str>, Value)> = vec![
            ("cluster".into(), Value::Bool(true)),
            ("cluster_id".into(), Value::Number(f64::from(e.id))),
            ("point_count".into(), Value::Number(f64::from(e.count))),
            ("point_count_abbreviated".into(), abbreviated(e.count)),
        ];
        if let Some(own) = self.arena.get(e.props as usize) {
            for (k, v) in own.0.iter() {
                if !members.iter().any(|(m, _)| m == k) {
                    members.push((k.clone(), v.clone()));
                }
            }
        }
        let properties = Properties::from(members);
        Feature { id: Some(Value::Number(f64::from(e.id))), geom_type: GeomType::Point, geometry, properties }
    }
}

/// Level `z` from level `z + 1`; `None` when it would be the same level
/// (nothing merged, order kept).
fn cluster_level(above: &Level, z: u8, o: &ClusterOptions, arena: &mut Vec<Properties>) -> Option<Vec<Entry>> {
    let r = o.radius / (f64::from(o.extent) * (1u64 << z) as f64);
    let n = above.entries.len();
    let mut taken = vec![false; n];
    let mut out = Vec::with_capacity(n);
    let mut merged = false;
    // The entries not yet taken within reach of the current one, in the
    // tree's order (the order supercluster merges them in).
    let mut near: Vec<u32> = Vec::new();
    for i in 0..n {
        if taken[i] {
            continue;
        }
        taken[i] = true;
        let p = above.entries[i];
        near.clear();
        above.tree.within(&above.entries[..], p.x, p.y, r, |j| {
            if !taken[j as usize] {
                near.push(j);
            }
        });
        let count = u64::from(p.count) + near.iter().map(|&j| u64::from(above.entries[j as usize].count)).sum::<u64>();
        for &j in &near {
            taken[j as usize] = true;
        }
        if count >= o.min_points {
            merged = true;
            let id = ((i as u32) << 5) + u32::from(z) + 1;
            let (mut wx, mut wy) = (p.x * f64::from(p.count), p.y * f64::from(p.count));
            let mut props = arena.get(p.props as usize).cloned();
            for &j in &near {
                let b = above.entries[j as usize];
                wx += b.x * f64::from(b.count);
                wy += b.y * f64::from(b.count);
                if let (Some(acc), Some(theirs)) = (props.as_mut(), arena.get(b.props as usize)) {
                    reduce_properties(&o.properties, acc, theirs);
                }
            }
            let props = match props {
                Some(p) => {
                    arena.push(p);
                    (arena.len() - 1) as u32
                }
                None => NO_PROPS,
            };
            let c = count as f64;
            out.push(Entry { x: wx / c, y: wy / c, count: count as u32, id, props });
        } else {
            out.push(p);
            out.extend(near.iter().map(|&j| above.entries[j as usize]));
        }
    }
    let same = !merged && out.iter().zip(&above.entries).all(|(a, b)| a.id == b.id);
    (!same).then_some(out)
}

fn evaluate(e: &crate::style::expression::Expression, feature: &Feature, accumulated: Option<f64>) -> Value {
    let ctx = EvaluationContext { feature: Some(feature), accumulated, ..EvaluationContext::default() };
    e.evaluate(&ctx).unwrap_or(Value::Null)
}

fn stub(properties: Properties) -> Feature {
    Feature { id: None, geom_type: GeomType::Point, geometry: Vec::new(), properties }
}

/// A point's cluster-property values (none for a point without properties,
/// as MapLibre Native does).
fn map_properties(cp: &ClusterProperties, props: &Properties) -> Properties {
    let mut out = Properties::default();
    if props.is_empty() {
        return out;
    }
    let f = stub(props.clone());
    out.insert_all(cp.0.iter().map(|p| (Arc::from(p.name.as_str()), evaluate(&p.map, &f, None))));
    out
}

/// Folds `theirs` into `acc` with the reduce expressions (a property
/// `theirs` lacks is left as it is).
fn reduce_properties(cp: &ClusterProperties, acc: &mut Properties, theirs: &Properties) {
    let f = stub(theirs.clone());
    for p in &cp.0 {
        if !theirs.contains(&p.name) {
            continue;
        }
        let so_far = match acc.get(&p.name) {
            Some(Value::Number(n)) => Some(*n),
            _ => None,
        };
        acc.insert(p.name.as_str(), evaluate(&p.reduce, &f, so_far));
    }
}

/// supercluster's `point_count_abbreviated`: the count below 1000, then
/// thousands with one decimal ("1.2k"), from 10 000 whole thousands ("15k").
pub fn abbreviated(count: u32) -> Value {
    let c = f64::from(count);
    // JavaScript's Math.round: halves go up.
    let round = |v: f64| (v + 0.5).floor();
    if count >= 10_000 {
        Value::String(format!("{}k", round(c / 1000.0)))
    } else if count >= 1000 {
        Value::String(format!("{}k", round(c / 100.0) / 10.0))
    } else {
        Value::Number(c)
    }
}

#[cfg(test)]
#[path = "cluster_tests.rs"]
mod tests;
