//! Decoded tile data shared by every stage: a tile is named layers of features in
//! tile coordinates (0..extent, y down), with MVT's geometry model.

use std::sync::Arc;

use crate::data::value::Value;

/// Geometry type as in the MVT spec (and the `geometry-type` expression).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GeomType {
    Unknown = 0,
    Point = 1,
    LineString = 2,
    Polygon = 3,
}

/// A point in tile coordinates. Geometry outside 0..extent is legal (tile buffers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TilePoint {
    pub x: i32,
    pub y: i32,
}

impl TilePoint {
    pub const fn new(x: i32, y: i32) -> Self {
        TilePoint { x, y }
    }
}

/// Feature properties in decode order. Small: looked up by linear scan.
/// Shared: a clone (a GeoJSON feature's in every tile it is cut into) is a
/// pointer; changing one copies its members first.
#[derive(Clone, Debug, PartialEq)]
pub struct Properties(pub Arc<[(Arc<str>, Value)]>);

impl Default for Properties {
    fn default() -> Properties {
        Properties(Arc::new([]))
    }
}

impl From<Vec<(Arc<str>, Value)>> for Properties {
    fn from(members: Vec<(Arc<str>, Value)>) -> Properties {
        Properties(members.into())
    }
}

impl Properties {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Sets `key`, replacing an existing value.
    pub fn insert(&mut self, key: impl Into<Arc<str>>, value: Value) {
        self.insert_all([(key.into(), value)]);
    }
    /// Sets each member, replacing existing values, with at most one copy
    /// of the shared members (new keys need a new slice: set several at once).
    pub fn insert_all(&mut self, members: impl IntoIterator<Item = (Arc<str>, Value)>) {
        let mut grown: Option<Vec<(Arc<str>, Value)>> = None;
        for (key, value) in members {
            match grown.as_mut() {
                Some(all) => match all.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => all.push((key, value)),
                },
                None => match self.0.iter().position(|(k, _)| *k == key) {
                    Some(i) => Arc::make_mut(&mut self.0)[i].1 = value,
                    None => {
                        let mut all = self.0.to_vec();
                        all.push((key, value));
                        grown = Some(all);
                    }
                },
            }
        }
        if let Some(all) = grown {
            self.0 = all.into();
        }
    }
    /// Removes `key`'s member, if there is one.
    pub fn remove(&mut self, key: &str) {
        if self.contains(key) {
            self.0 = self.0.iter().filter(|(k, _)| &**k != key).cloned().collect();
        }
    }
    /// About the heap bytes of the members, shared out: a part of the
    /// members' slice for each properties sharing it, and of each key for
    /// each member sharing it (GeoJSON features share their keys).
    pub fn heap_bytes(&self) -> u64 {
        let entry = std::mem::size_of::<(Arc<str>, Value)>() as u64;
        let members = self.0.iter().fold(16 + self.0.len() as u64 * entry, |n, (k, v)| {
            n.saturating_add((16 + k.len() as u64) / Arc::strong_count(k) as u64).saturating_add(v.heap_bytes())
        });
        members / Arc::strong_count(&self.0) as u64
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One feature. `geometry` follows MVT's command model: for points, each part is
/// one point (MultiPoint = several parts); for lines, each part is a line string;
/// for polygons, each part is a ring (exterior rings followed by their holes,
/// exterior winding positive in tile coordinates per the MVT 2.x spec).
#[derive(Clone, Debug, PartialEq)]
pub struct Feature {
    /// Feature id: a number (`Value::Number`) or, for GeoJSON, possibly a string.
    pub id: Option<Value>,
    pub geom_type: GeomType,
    pub geometry: Vec<Vec<TilePoint>>,
    pub properties: Properties,
}

impl Feature {
    /// Bytes the feature holds (an estimate from its parts: points,
    /// properties, strings; within a small factor of the allocations).
    pub fn approx_bytes(&self) -> u64 {
        let mut n = 96u64;
        n += self.geometry.iter().map(|part| 24 + 8 * part.len() as u64).sum::<u64>();
        n += self.properties.iter().map(|(k, v)| 48 + k.len() as u64 + value_bytes(v)).sum::<u64>();
        n
    }
}

fn value_bytes(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.len() as u64,
        Value::Array(a) => a.iter().map(|x| 32 + value_bytes(x)).sum(),
        Value::Object(o) => o.iter().map(|(k, x)| 48 + k.len() as u64 + value_bytes(x)).sum(),
        _ => 0,
    }
}

/// A named layer of a tile.
#[derive(Clone, Debug, PartialEq)]
pub struct TileLayer {
    pub name: String,
    /// Coordinate extent of the layer (4096 for most MVT; 8192 for GeoJSON tiles).
    pub extent: u32,
    /// Shared with whoever made them: a GeoJSON index keeps the same
    /// features in its cache of cut tiles (one copy, none made per request).
    pub features: Arc<Vec<Feature>>,
    /// The features' bounding boxes, measured on first use.
    pub bounds: BoundsCache,
}

impl TileLayer {
    pub fn new(name: String, extent: u32, features: impl Into<Arc<Vec<Feature>>>) -> TileLayer {
        TileLayer { name, extent, features: features.into(), bounds: BoundsCache::default() }
    }

    /// Each feature's bounding box `[x0, y0, x1, y1]` in tile units (empty
    /// geometry: `x0 > x1`), in feature order; measured once per layer, so
    /// frames that look at a tile again do not walk its points to cull.
    pub fn feature_bounds(&self) -> &[[i32; 4]] {
        self.bounds.0.get_or_init(|| self.features.iter().map(|f| bounds_of(&f.geometry)).collect())
    }
}

/// The bounding box of a geometry's points (`x0 > x1` when it has none).
pub fn bounds_of(geometry: &[Vec<TilePoint>]) -> [i32; 4] {
    let mut b = [i32::MAX, i32::MAX, i32::MIN, i32::MIN];
    for p in geometry.iter().flatten() {
        b = [b[0].min(p.x), b[1].min(p.y), b[2].max(p.x), b[3].max(p.y)];
    }
    b
}

/// A lazily measured cache: never part of a layer's identity (two layers
/// with the same features are equal whether or not either was measured).
#[derive(Clone, Debug, Default)]
pub struct BoundsCache(std::sync::OnceLock<Vec<[i32; 4]>>);

impl PartialEq for BoundsCache {
    fn eq(&self, _: &BoundsCache) -> bool {
        true
    }
}

/// A decoded tile: its layers in the order they were encoded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TileData {
    pub layers: Vec<TileLayer>,
}

impl TileData {
    pub fn layer(&self, name: &str) -> Option<&TileLayer> {
        self.layers.iter().find(|l| l.name == name)
    }
}

/// A tile address in the XYZ scheme (y down from the north).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    pub const fn new(z: u8, x: u32, y: u32) -> Self {
        TileId { z, x, y }
    }
    /// The ancestor at zoom `z` (`z <= self.z`).
    pub fn ancestor(self, z: u8) -> TileId {
        debug_assert!(z <= self.z);
        let d = self.z - z;
        TileId { z, x: self.x >> d, y: self.y >> d }
    }
}
