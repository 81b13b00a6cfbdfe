//! GeoJSON sources: parsing and on-demand tiling with the behaviour of geojson-vt
//! as MapLibre configures it.
//!
//! * Features are projected to Web Mercator world units [0, 1], and every line and
//!   ring point gets an importance from Douglas–Peucker at the maximum zoom.
//! * A tile at zoom `z` keeps the points whose importance exceeds
//!   `(tolerance / (2^z * extent))²` (all points at `max_zoom`), drops lines
//!   shorter than the tolerance and rings with an area below its square.
//! * Tiles are cut by recursive quadrant clipping with a buffer around each tile;
//!   the index is built eagerly down to `index_max_zoom` (or until a tile has at
//!   most `index_max_points` points), deeper tiles on request by drilling down
//!   from the nearest generated ancestor; generated tiles are cached.
//! * Features crossing the antimeridian are copied into the world on the other side.
//!
//! * A tile whose children are cut drops the features it was cut from, as
//!   geojson-vt drops a split tile's source (each level kept a copy of the
//!   data); if its own output is asked for later, it is cut again from the
//!   nearest ancestor that holds them (or from the whole data set).
//! * The eagerly built tiles are the index: they are never evicted, and its
//!   leaves keep the features they were cut from for good (geojson-vt keeps
//!   every leaf's source), so deeper tiles are always cut from a leaf, never
//!   from the whole data set. Each split tile remembers which children have
//!   features: a missing tile under an empty child is empty without a cut.
//! * The geometry cut from the data is counted before it is cut
//!   (`clip_cost`), against `cut_bytes`: the build stops splitting where
//!   its leaves and waiting tiles would hold more (the tile becomes a
//!   leaf), a cut on request whose four children would take more cuts
//!   only the child on its way, and one whose way alone takes more than
//!   [`MAX_CUT_FACTOR`] times it fails. Data crowded along tile edges
//!   makes a piece per crossing at every level, each with its own vector.
//! * Everything else (tiles' output, tiles cut on request, features taken
//!   back by a tile cut again) is cached up to `cache_bytes` (the runtime's
//!   tile-cache budget); beyond it the least recently used go first and are
//!   cut again the same way when asked for again.
//!
//! Maps that load the same bytes with the same options share one index, in
//! any runtime of the process ([`shared_index`]).
//!
//! Output tiles have one layer, [`GEOJSON_LAYER`], with integer coordinates in
//! `0..extent` (8192 by default), exterior rings with positive area (MVT winding).
//!
//! With `cluster`, a FeatureCollection's points are clustered instead
//! ([`cluster`]).

mod clip;
pub mod cluster;
pub(crate) mod convert;
mod kdtree;
#[macro_use]
mod visit;
mod props;
pub mod read;
mod shared;

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::source::feature::{Feature, GeomType, TileData, TileLayer, TilePoint};
use crate::style::cluster_properties::ClusterProperties;
use crate::style::filter::Filter;
use crate::style::value::Value;

pub use shared::shared_index;

use clip::{clip, clip_cost, wrap};
use convert::{ConvertOptions, Geometry, Pt, VtFeature};

/// The name of the single layer of GeoJSON tiles.
pub const GEOJSON_LAYER: &str = "_geojsonTileLayer";

/// Properties of line features with `lineMetrics`: the fractions of the
/// original line where the tile's piece starts and ends (geojson-vt's names).
pub const CLIP_START: &str = "mapbox_clip_start";
pub const CLIP_END: &str = "mapbox_clip_end";

/// Deepest zoom geojson-vt tiles to.
pub const MAX_SUPPORTED_ZOOM: u8 = 24;

/// Bytes of generated tiles an index keeps unless told otherwise (the
/// runtime's default tile-cache budget).
pub const DEFAULT_CACHE_BYTES: u64 = 128 << 20;

/// Bytes of cut geometry an index's build, and a cut on request, may hold
/// unless told otherwise ([`GeoJsonOptions::cut_bytes`]).
pub const DEFAULT_CUT_BYTES: u64 = 128 << 20;

/// A tile cut on request whose way alone takes more than this many times
/// [`GeoJsonOptions::cut_bytes`] is not made (an error).
pub const MAX_CUT_FACTOR: u64 = 2;

/// GeoJSON source options. `tolerance` and `buffer` are in pixels of a tile of
/// `tile_size` pixels, like the style specification's source properties; they
/// are scaled to the tile extent (MapLibre: `× extent / 512`).
#[derive(Clone, Debug, PartialEq)]
pub struct GeoJsonOptions {
    /// Deepest zoom with full detail; no tiles are made beyond it (overzoom).
    pub max_zoom: u8,
    /// Deepest zoom of the eagerly built index.
    pub index_max_zoom: u8,
    /// A tile with at most this many points is not split eagerly.
    pub index_max_points: usize,
    pub tolerance: f64,
    pub buffer: f64,
    pub tile_size: u32,
    pub extent: u32,
    /// Property whose value becomes the feature id.
    pub promote_id: Option<String>,
    /// Use each feature's index as its id.
    pub generate_id: bool,
    /// Point clustering (supercluster's, see [`cluster`]).
    pub cluster: bool,
    /// Cluster radius in pixels of a `tile_size` tile.
    pub cluster_radius: f64,
    /// Deepest zoom with clusters; `None`: `max_zoom - 1` (MapLibre's default).
    pub cluster_max_zoom: Option<u8>,
    /// Fewest points that make a cluster (at least 2).
    pub cluster_min_points: u64,
    pub cluster_properties: ClusterProperties,
    /// Keeps the features it matches (evaluated at zoom 0, before
    /// clustering or cutting; GL JS's source `filter`).
    pub filter: Option<Arc<Filter>>,
    /// Bytes of generated tiles the index keeps (least recently used evicted).
    pub cache_bytes: u64,
    /// Bytes of geometry cut from the data (beyond the data itself) that
    /// building the index, and each tile cut on request, may hold: past
    /// it the build stops splitting (the tile becomes a leaf, its deeper
    /// tiles cut on request), and a cut on request cuts only the way to
    /// its tile. Counted before the geometry is made.
    pub cut_bytes: u64,
    /// Bytes the values read from the text may take (about what the index
    /// keeps: [`crate::data::json`]): past it, the build stops with
    /// [`BuildError::TooBig`]. The map sets its GeoJSON budget.
    pub max_read_bytes: u64,
    /// Line distance tracking for `line-gradient`: line features carry
    /// `mapbox_clip_start` / `mapbox_clip_end`, the fractions of their
    /// original line where the tile's piece starts and ends.
    pub line_metrics: bool,
}

impl Default for GeoJsonOptions {
    fn default() -> Self {
        GeoJsonOptions {
            max_zoom: 18,
            index_max_zoom: 5,
            index_max_points: 100_000,
            tolerance: 0.375,
            buffer: 128.0,
            tile_size: 512,
            extent: 8192,
            promote_id: None,
            generate_id: false,
            cluster: false,
            cluster_radius: 50.0,
            cluster_max_zoom: None,
            cluster_min_points: 2,
            cluster_properties: ClusterProperties::default(),
            filter: None,
            cache_bytes: DEFAULT_CACHE_BYTES,
            cut_bytes: DEFAULT_CUT_BYTES,
            max_read_bytes: u64::MAX,
            line_metrics: false,
        }
    }
}

impl GeoJsonOptions {
    /// Reads the options of a style's GeoJSON source object (`maxzoom`, `buffer`,
    /// `tolerance`, `cluster`, `clusterRadius`, `clusterMaxZoom`,
    /// `clusterMinPoints`, `clusterProperties` (strict here: a bad entry is an
    /// error), `lineMetrics`, `generateId`, `promoteId`; `data` and
    /// `attribution` are not options and are ignored here), `filter`.
    pub fn from_source_json(source: &serde_json::Value) -> Result<GeoJsonOptions, String> {
        let obj = source.as_object().ok_or("GeoJSON source must be an object")?;
        let mut o = GeoJsonOptions::default();
        let num = |key: &str, min: f64, max: f64| -> Result<Option<f64>, String> {
            match obj.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(v) => match v.as_f64() {
                    Some(n) if n >= min && n <= max => Ok(Some(n)),
                    _ => Err(format!("GeoJSON source \"{key}\" must be a number from {min} to {max}")),
                },
            }
        };
        let flag = |key: &str| -> Result<bool, String> {
            match obj.get(key) {
                None | Some(serde_json::Value::Null) => Ok(false),
                Some(serde_json::Value::Bool(b)) => Ok(*b),
                Some(_) => Err(format!("GeoJSON source \"{key}\" must be a boolean")),
            }
        };
        if let Some(z) = num("maxzoom", 0.0, f64::from(MAX_SUPPORTED_ZOOM))? {
            o.max_zoom = z.floor() as u8;
        }
        if let Some(b) = num("buffer", 0.0, 512.0)? {
            o.buffer = b;
        }
        if let Some(t) = num("tolerance", 0.0, f64::MAX)? {
            o.tolerance = t;
        }
        o.cluster = flag("cluster")?;
        if let Some(r) = num("clusterRadius", 0.0, f64::MAX)? {
            o.cluster_radius = r;
        }
        if let Some(z) = num("clusterMaxZoom", 0.0, f64::from(MAX_SUPPORTED_ZOOM))? {
            o.cluster_max_zoom = Some(z.floor() as u8);
        }
        if let Some(n) = num("clusterMinPoints", 0.0, f64::from(u32::MAX))? {
            o.cluster_min_points = n as u64;
        }
        if let Some(cp) = obj.get("clusterProperties").filter(|v| !v.is_null()) {
            let mut warnings = Vec::new();
            o.cluster_properties = ClusterProperties::parse(cp, "clusterProperties", &mut warnings);
            if let Some(w) = warnings.into_iter().next() {
                return Err(format!("GeoJSON source {w}"));
            }
        }
        o.line_metrics = flag("lineMetrics")?;
        o.generate_id = flag("generateId")?;
        o.promote_id = match obj.get("promoteId") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Object(m)) => match m.get(GEOJSON_LAYER) {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                _ => None,
            },
            Some(_) => return Err("GeoJSON source \"promoteId\" must be a string or an object".into()),
        };
        if let Some(f) = obj.get("filter").filter(|f| !f.is_null()) {
            o.filter = Some(Arc::new(Filter::parse(f).map_err(|e| format!("GeoJSON source \"filter\": {e}"))?));
        }
        Ok(o)
    }
}

struct Tile {
    /// The tile's output features, made when the tile is first asked for
    /// (tiles cut on the way to a deeper one are usually never asked for).
    features: Option<Arc<Vec<Feature>>>,
    num_points: usize,
    /// The features this tile was cut from (shared with its ancestors where
    /// a feature lies wholly inside): its output and its children are cut
    /// from them. `None` once its children are first cut (like geojson-vt's
    /// source, dropped after a split: each level held a copy of the data),
    /// except in an index leaf; taken back, and kept, when it is cut again
    /// from an ancestor.
    input: Option<Arc<Vec<Arc<VtFeature>>>>,
    /// Whether its children were cut.
    split: bool,
    /// Which children got features when cut (bit `2 * dx + dy` for child
    /// `(2x + dx, 2y + dy)`): a missing child without its bit is empty.
    children: u8,
    /// Made by the eager build: part of the index, never evicted (only
    /// its output, and input taken back, are).
    index: bool,
    /// A leaf of the eager build: keeps its input for good (not counted in
    /// the cache budget), so deeper tiles are cut from it.
    leaf: bool,
    /// When the tile was last asked for (the cache's tick).
    used: u64,
    /// Bytes of `features`, and of `input` counted as if not shared (an
    /// upper bound).
    feature_bytes: u64,
    input_bytes: u64,
}

impl Tile {
    fn new(tick: u64) -> Tile {
        Tile {
            features: None,
            num_points: 0,
            input: None,
            split: false,
            children: 0,
            index: false,
            leaf: false,
            used: tick,
            feature_bytes: 0,
            input_bytes: 0,
        }
    }

    /// Bytes the cache can free: an index tile's entry stays, and a leaf
    /// keeps its input.
    fn cache_bytes(&self) -> u64 {
        let input = if self.leaf { 0 } else { self.input_bytes };
        let entry = if self.index { 0 } else { 128 };
        entry + self.feature_bytes + input
    }

    /// The tile as a cut outside the cache's lock starts from: its state
    /// and (shared) input, without its output.
    fn copy_for_cut(&self) -> Tile {
        Tile { features: None, feature_bytes: 0, input: self.input.clone(), ..*self }
    }

    fn set_input(&mut self, input: Vec<Arc<VtFeature>>) {
        self.num_points = input.iter().map(|f| f.num_points).sum();
        self.input_bytes = input.iter().map(|f| 96 + 24 * f.num_points as u64).sum();
        self.input = Some(Arc::new(input));
    }
}

type TileKey = (u8, u32, u32);

/// What making a tile takes (see [`GeoJsonIndex::plan`]).
enum Plan {
    /// Its output, cached.
    Cached(Arc<Vec<Feature>>),
    /// Its output is made from the input the cache holds for it.
    Input(Arc<Vec<Arc<VtFeature>>>),
    /// It is cut first: `tiles` are copies of what the cache holds from
    /// tile `from` down (`from` with its input), and `features` what the cut
    /// starts with when no ancestor holds its input (the whole data set,
    /// `from` the root).
    Cut { tick: u64, tiles: HashMap<TileKey, Tile>, features: Vec<Arc<VtFeature>>, from: TileKey },
}

/// Generated tiles, bounded in bytes.
#[derive(Default)]
struct TileCache {
    tiles: HashMap<TileKey, Tile>,
    tick: u64,
    /// Cuts made on request, and how many of them from the whole data set (tests).
    #[cfg(test)]
    cuts: (usize, usize),
}

impl TileCache {
    fn bytes(&self) -> u64 {
        self.tiles.values().map(Tile::cache_bytes).sum()
    }

    /// Evicts the least recently used tiles until the cache holds at most
    /// `budget` bytes: index tiles shed their output and the input they
    /// took back, other tiles go. Returns how many tiles were evicted.
    fn trim(&mut self, budget: u64) -> usize {
        let mut total = self.bytes();
        if total <= budget {
            return 0;
        }
        let mut order: Vec<(u64, TileKey)> =
            self.tiles.iter().filter(|(_, t)| t.cache_bytes() > 0).map(|(k, t)| (t.used, *k)).collect();
        order.sort_unstable();
        let mut evicted = 0;
        for (_, key) in order {
            if total <= budget {
                break;
            }
            let Some(t) = self.tiles.get_mut(&key) else { continue };
            total = total.saturating_sub(t.cache_bytes());
            evicted += 1;
            if t.index {
                t.features = None;
                t.feature_bytes = 0;
                if !t.leaf {
                    t.input = None;
                    t.input_bytes = 0;
                }
            } else {
                self.tiles.remove(&key);
            }
        }
        evicted
    }

    /// Stores tiles cut outside the lock (from copies of the cache's tiles,
    /// see [`GeoJsonIndex::plan`]), as if they had been cut in the cache:
    /// a tile split for the first time drops its input (an index leaf keeps
    /// it), a tile without input takes it back. The cache may have changed
    /// meanwhile (evictions, the same cut by another thread): tiles it no
    /// longer holds come back, what it holds is kept.
    fn merge(&mut self, cut: HashMap<TileKey, Tile>, tick: u64) {
        for (key, new) in cut {
            let t = match self.tiles.entry(key) {
                Entry::Vacant(e) => {
                    e.insert(new);
                    continue;
                }
                Entry::Occupied(e) => e.into_mut(),
            };
            let first_split = new.split && !t.split;
            if new.split {
                t.split = true;
                t.children = new.children;
            }
            if first_split && new.input.is_none() && !t.leaf {
                t.input = None;
                t.input_bytes = 0;
            } else if t.input.is_none() && new.input.is_some() {
                t.input = new.input;
                t.input_bytes = new.input_bytes;
                t.num_points = new.num_points;
            }
            t.used = t.used.max(tick);
        }
    }
}

struct Params {
    max_zoom: u8,
    index_max_zoom: u8,
    index_max_points: usize,
    /// In tile extent units.
    tolerance: f64,
    buffer: f64,
    extent: f64,
    line_metrics: bool,
    cache_bytes: u64,
    cut_bytes: u64,
}

/// A tiled GeoJSON data set. Thread-safe: tiles are generated on demand,
/// outside the lock that guards the cache ([`GeoJsonIndex::tile`]).
pub struct GeoJsonIndex {
    params: Params,
    tiles: Mutex<TileCache>,
    /// Every feature (wrapped), to cut evicted tiles again.
    root: Vec<Arc<VtFeature>>,
    /// Set for clustered sources: tiles come from it.
    cluster: Option<cluster::ClusterIndex>,
    /// About the heap bytes of the indexed data ([`GeoJsonIndex::data_bytes`]).
    data_bytes: u64,
    /// Called while a tile is cut, outside the lock (tests).
    #[cfg(test)]
    while_cutting: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
    /// Tiles cut alone on the way to one asked for, over `cut_bytes` (tests).
    #[cfg(test)]
    narrow_cuts: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for GeoJsonIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoJsonIndex").field("max_zoom", &self.params.max_zoom).finish_non_exhaustive()
    }
}

/// Why a GeoJSON index was not built.
#[derive(Clone, Debug, PartialEq)]
pub enum BuildError {
    /// Reading the text made more than `max` bytes of values
    /// ([`GeoJsonOptions::max_read_bytes`]).
    TooBig { max: u64 },
    /// The data is not GeoJSON the index takes, or the build was no longer
    /// wanted: the message says which.
    Invalid(String),
}

impl From<String> for BuildError {
    fn from(message: String) -> BuildError {
        BuildError::Invalid(message)
    }
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            BuildError::TooBig { max } => write!(f, "GeoJSON data that takes more than {max} bytes once read"),
            BuildError::Invalid(message) => f.write_str(message),
        }
    }
}

impl GeoJsonIndex {
    /// Parses and indexes GeoJSON. Errors name the problem (and feature index).
    /// The index of GeoJSON text (a URL's answer or a style's inline data),
    /// read without a JSON tree for its coordinates (`read`).
    pub fn from_json(text: &[u8], options: GeoJsonOptions) -> Result<GeoJsonIndex, BuildError> {
        GeoJsonIndex::from_json_while(text, options, &|| true)
    }

    /// Like [`GeoJsonIndex::from_json`], giving up (an error) as soon as
    /// `wanted()` is false: it is asked while reading (every
    /// [`read::ASK_EVERY`] objects), between reading, converting and
    /// cutting (or clustering), and for every tile the build cuts, so the
    /// build of a data set nobody wants any more (its map is gone) stops
    /// early.
    pub fn from_json_while(text: &[u8], options: GeoJsonOptions, wanted: &dyn Fn() -> bool) -> Result<GeoJsonIndex, BuildError> {
        let node = read::Node::from_slice_while(text, wanted, options.max_read_bytes).map_err(|e| match e {
            read::ReadError::NotWanted => BuildError::Invalid(not_wanted()),
            read::ReadError::TooBig { max } => BuildError::TooBig { max },
            read::ReadError::Json(e) => BuildError::Invalid(format!("GeoJSON is not valid JSON: {e}")),
        })?;
        Ok(GeoJsonIndex::from_node(node, options, wanted)?)
    }

    /// The index of parsed GeoJSON.
    pub fn new(json: &serde_json::Value, options: GeoJsonOptions) -> Result<GeoJsonIndex, BuildError> {
        Ok(GeoJsonIndex::from_node(read::Node::from_value(json), options, &|| true)?)
    }

    /// The index of read GeoJSON, which is dropped once converted (it
    /// takes about as much memory as the converted features).
    fn from_node(json: read::Node, options: GeoJsonOptions, wanted: &dyn Fn() -> bool) -> Result<GeoJsonIndex, String> {
        let still_wanted = || if wanted() { Ok(()) } else { Err(not_wanted()) };
        still_wanted()?;
        if options.max_zoom > MAX_SUPPORTED_ZOOM {
            return Err(format!("GeoJSON maxzoom {} is above {}", options.max_zoom, MAX_SUPPORTED_ZOOM));
        }
        if options.generate_id && options.promote_id.is_some() {
            return Err("GeoJSON \"generateId\" cannot be combined with \"promoteId\"".into());
        }
        if options.extent == 0 || options.tile_size == 0 {
            return Err("GeoJSON extent and tile size must be positive".into());
        }
        if !(options.tolerance.is_finite() && options.tolerance >= 0.0 && options.buffer.is_finite() && options.buffer >= 0.0)
        {
            return Err("GeoJSON tolerance and buffer must be non-negative numbers".into());
        }
        let extent = f64::from(options.extent);
        let scale = extent / f64::from(options.tile_size);
        let params = Params {
            max_zoom: options.max_zoom,
            index_max_zoom: options.index_max_zoom.min(options.max_zoom),
            index_max_points: options.index_max_points,
            tolerance: options.tolerance * scale,
            buffer: (options.buffer * scale).min(extent * 4.0),
            extent,
            line_metrics: options.line_metrics,
            cache_bytes: options.cache_bytes,
            cut_bytes: options.cut_bytes,
        };
        let sq_tolerance = (params.tolerance / ((1u64 << params.max_zoom) as f64 * extent)).powi(2);
        let conv = ConvertOptions {
            sq_tolerance,
            promote_id: options.promote_id.as_deref(),
            generate_id: options.generate_id,
            filter: options.filter.as_deref(),
        };
        if options.cluster {
            // Like MapLibre: only a non-empty FeatureCollection is clustered.
            if let Some(points) = cluster::points_from_geojson(&json, &conv)? {
                still_wanted()?;
                if !(options.cluster_radius.is_finite() && options.cluster_radius >= 0.0) {
                    return Err("GeoJSON clusterRadius must be a non-negative number".into());
                }
                let copts = cluster::ClusterOptions {
                    min_zoom: 0,
                    max_zoom: options.cluster_max_zoom.unwrap_or(options.max_zoom.saturating_sub(1)),
                    // MapLibre Native hands supercluster a whole radius in tile units.
                    radius: (options.cluster_radius * scale).round().min(f64::from(u16::MAX)),
                    extent: options.extent,
                    min_points: options.cluster_min_points,
                    properties: options.cluster_properties.clone(),
                };
                let index = cluster::ClusterIndex::new(points, copts)?;
                return Ok(GeoJsonIndex {
                    params,
                    tiles: Mutex::default(),
                    root: Vec::new(),
                    data_bytes: index.bytes(),
                    cluster: Some(index),
                    #[cfg(test)]
                    while_cutting: Mutex::default(),
                    #[cfg(test)]
                    narrow_cuts: Default::default(),
                });
            }
        }
        let features: Vec<Arc<VtFeature>> = convert::convert(&json, &conv)?.into_iter().map(Arc::new).collect();
        drop(json);
        still_wanted()?;
        let root = wrap(features, params.buffer / extent);
        let data_bytes = root.iter().map(|f| f.heap_bytes() + 16).fold(0, u64::saturating_add);
        let index = GeoJsonIndex {
            params,
            tiles: Mutex::default(),
            root,
            data_bytes,
            cluster: None,
            #[cfg(test)]
            while_cutting: Mutex::default(),
            #[cfg(test)]
            narrow_cuts: Default::default(),
        };
        if !index.root.is_empty() {
            let mut cache = index.tiles.lock().unwrap_or_else(|e| e.into_inner());
            index.split_tile(&mut cache.tiles, index.root.clone(), (0, 0, 0), None, 0, wanted)?;
            cache.trim(index.params.cache_bytes);
        }
        Ok(index)
    }

    /// About the heap bytes of the indexed data: the converted features
    /// (their points, lines and rings, ids and properties; copies wrapped
    /// across the antimeridian share theirs) or a clustered source's points
    /// and levels. Not the tiles cut from them (bounded by `cut_bytes` and
    /// `cache_bytes`).
    pub fn data_bytes(&self) -> u64 {
        self.data_bytes
    }

    /// Bytes the tile cache holds now (at most its budget after each call):
    /// tiles' output, tiles cut on request, input taken back; not the
    /// index's entries or its leaves' input.
    pub fn cached_bytes(&self) -> u64 {
        self.tiles.lock().unwrap_or_else(|e| e.into_inner()).bytes()
    }

    /// How many generated tiles have made their output features.
    #[cfg(test)]
    fn tiles_with_features(&self) -> usize {
        self.tiles.lock().unwrap().tiles.values().filter(|t| t.features.is_some()).count()
    }

    /// How many tiles whose children were cut, and how many of them hold
    /// their input.
    #[cfg(test)]
    fn split_tiles(&self) -> (usize, usize) {
        let cache = self.tiles.lock().unwrap();
        let split = cache.tiles.values().filter(|t| t.split);
        let held = split.clone().filter(|t| t.input.is_some()).count();
        (split.count(), held)
    }

    /// How many cuts tile requests made, and how many of them were from the
    /// whole data set.
    #[cfg(test)]
    fn cuts(&self) -> (usize, usize) {
        self.tiles.lock().unwrap().cuts
    }

    /// The tile `z/x/y` (x wraps around the world), generating it if needed.
    /// `None` when the tile has no features, `y` is out of range, or `z` is
    /// beyond the maximum zoom (overzoom the `max_zoom` tile instead). An
    /// error when cutting it, even alone, would take more than
    /// [`MAX_CUT_FACTOR`] times `cut_bytes` (data crowded along tile edges:
    /// every crossing is a piece of its own).
    ///
    /// The lock is held only to look in the cache and to store what was
    /// made: cutting and making output run outside it, so maps sharing the
    /// index (in any runtime, [`shared_index`]) make different tiles at once.
    /// Two threads making the same tile may both make it; the first stored
    /// is kept (both are the same).
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<TileData>, String> {
        if z > self.params.max_zoom {
            return Ok(None);
        }
        if let Some(c) = &self.cluster {
            return Ok(c.tile(z, x, y));
        }
        let n = 1u64 << z;
        if u64::from(y) >= n {
            return Ok(None);
        }
        let x = (u64::from(x) % n) as u32;
        let key = (z, x, y);
        let Some(plan) = self.plan(&mut self.tiles.lock().unwrap_or_else(|e| e.into_inner()), key) else { return Ok(None) };
        let features = match plan {
            Plan::Cached(features) => features,
            Plan::Input(input) => self.make_output(key, &input, None),
            Plan::Cut { tick, mut tiles, features, from } => {
                #[cfg(test)]
                if let Some(hook) = &*self.while_cutting.lock().unwrap() {
                    hook();
                }
                self.split_tile(&mut tiles, features, from, Some(key), tick, &|| true)?;
                let input = tiles.get(&key).and_then(|t| t.input.clone()).unwrap_or_default();
                self.make_output(key, &input, Some((tiles, tick)))
            }
        };
        if features.is_empty() {
            return Ok(None);
        }
        Ok(Some(TileData { layers: vec![TileLayer::new(GEOJSON_LAYER.to_string(), self.params.extent as u32, features)] }))
    }

    /// Makes tile `key`'s output from its input outside the lock, then
    /// stores it, with the tiles `cut` on the way (see [`TileCache::merge`]).
    fn make_output(&self, key: TileKey, input: &[Arc<VtFeature>], cut: Option<(HashMap<TileKey, Tile>, u64)>) -> Arc<Vec<Feature>> {
        let (z, x, y) = key;
        let features = Arc::new(self.tile_features(input, z, x, y));
        let bytes = features.iter().map(Feature::approx_bytes).sum();
        let mut cache = self.tiles.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((tiles, tick)) = cut {
            cache.merge(tiles, tick);
        }
        if let Some(t) = cache.tiles.get_mut(&key).filter(|t| t.features.is_none()) {
            t.features = Some(Arc::clone(&features));
            t.feature_bytes = bytes;
        }
        cache.trim(self.params.cache_bytes);
        features
    }

    /// What making tile `key` takes, read from the cache under its lock:
    /// its cached output, or the tiles to cut it from. `None`: the tile is
    /// empty.
    fn plan(&self, cache: &mut TileCache, key: TileKey) -> Option<Plan> {
        cache.tick += 1;
        let tick = cache.tick;
        let (z, x, y) = key;
        if let Some(t) = cache.tiles.get_mut(&key) {
            if let Some(features) = &t.features {
                t.used = tick;
                return Some(Plan::Cached(Arc::clone(features)));
            }
            if let Some(input) = &t.input {
                t.used = tick;
                return Some(Plan::Input(Arc::clone(input)));
            }
        }
        // A tile whose children were cut holds no input: it is cut again
        // from the nearest ancestor that holds its input (or from
        // everything). A missing tile whose ancestor was cut with no
        // features on its side, or holds none, is empty.
        let (mut z0, mut x0, mut y0) = key;
        let mut below_present = cache.tiles.contains_key(&key);
        let mut from: Option<TileKey> = None;
        while z0 > 0 {
            let side = ((x0 & 1) << 1 | (y0 & 1)) as u8;
            z0 -= 1;
            x0 >>= 1;
            y0 >>= 1;
            let Some(t) = cache.tiles.get(&(z0, x0, y0)) else {
                below_present = false;
                continue;
            };
            if t.split && !below_present && t.children & (1 << side) == 0 {
                return None;
            }
            match &t.input {
                // Nothing to cut from: the tile is empty too.
                Some(input) if input.is_empty() => return None,
                Some(_) => {
                    from = Some((z0, x0, y0));
                    break;
                }
                None => below_present = true,
            }
        }
        if from.is_none() && self.root.is_empty() {
            return None;
        }
        #[cfg(test)]
        {
            cache.cuts.0 += 1;
            cache.cuts.1 += usize::from(from.is_none());
        }
        // The tiles on the way down, as the cache holds them (the ancestor
        // with its input), are cut again outside the lock and merged back.
        let start = from.unwrap_or((0, 0, 0));
        let tiles: HashMap<TileKey, Tile> = (start.0..=z)
            .map(|l| (l, x >> (z - l), y >> (z - l)))
            .filter_map(|k| cache.tiles.get(&k).map(|t| (k, t.copy_for_cut())))
            .collect();
        // With an ancestor's input, split_tile reads it there.
        let features = if from.is_some() { Vec::new() } else { self.root.clone() };
        Some(Plan::Cut { tick, tiles, features, from: start })
    }

    /// Cuts tile `(z, x, y)` into its children, down to `target` or, with
    /// none, to the index's limits. `features` is the tile's input when the
    /// cache holds none for it (it is new, or its input was dropped);
    /// ignored otherwise. A tile drops its input the first time its
    /// children are cut (an index leaf keeps it), and keeps what it takes
    /// back later. Stops (false) when `wanted()` is false before a tile.
    ///
    /// The geometry the cut makes is bounded by `cut_bytes`, counted
    /// before it is made ([`clip_cost`]): past it, the index's build makes
    /// the tile a leaf instead of splitting it, and a cut toward `target`
    /// cuts only the child on the way, keeping nothing on the way; past
    /// [`MAX_CUT_FACTOR`] times `cut_bytes`, that cut fails (an error
    /// naming the tile).
    fn split_tile(
        &self,
        tiles: &mut HashMap<TileKey, Tile>,
        features: Vec<Arc<VtFeature>>,
        (z, x, y): TileKey,
        target: Option<TileKey>,
        tick: u64,
        wanted: &dyn Fn() -> bool,
    ) -> Result<(), String> {
        let p = &self.params;
        // Bytes of cut geometry held: by tiles that took their input from
        // this cut, and by children waiting on the stack.
        let mut held = 0u64;
        let mut stack = vec![(features, 0u64, z, x, y)];
        while let Some((features, bytes, z, x, y)) = stack.pop() {
            if !wanted() {
                return Err(not_wanted());
            }
            let tile = tiles.entry((z, x, y)).or_insert_with(|| Tile::new(tick));
            // A tile cut again (its input dropped, or evicted) takes its
            // input back: kept from now on, within the cache's budget.
            let mut own = 0;
            if tile.input.is_none() {
                tile.set_input(features);
                own = bytes;
            } else {
                held -= bytes;
            }
            // Tiles cut now are as recent as the one asked for: a view's
            // neighbours find their ancestors still there.
            tile.used = tick;
            let mut only = None;
            match target {
                None => {
                    tile.index = true;
                    if z == p.index_max_zoom || tile.num_points <= p.index_max_points {
                        tile.leaf = true;
                        continue;
                    }
                }
                Some((cz, cx, cy)) => {
                    if z == p.max_zoom || z == cz {
                        continue;
                    }
                    let steps = cz - z;
                    if x != cx >> steps || y != cy >> steps {
                        continue;
                    }
                    let step = steps - 1;
                    only = Some(((cx >> step) & 1, (cy >> step) & 1));
                }
            }
            let input = tile.input.clone().unwrap_or_default();
            let room = p.cut_bytes.saturating_sub(held);
            let children = match self.cut(&input, (z, x, y), None, room) {
                Some(children) => children,
                // Over the budget: an index tile stays a leaf, a cut on
                // request goes on toward its tile alone.
                None if target.is_none() => {
                    tile.leaf = true;
                    continue;
                }
                None => {
                    #[cfg(test)]
                    self.narrow_cuts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let most = p.cut_bytes.saturating_mul(MAX_CUT_FACTOR);
                    let Some(children) = self.cut(&input, (z, x, y), only, most.saturating_sub(held)) else {
                        let (tz, tx, ty) = target.unwrap_or_default();
                        return Err(format!(
                            "GeoJSON tile {tz}/{tx}/{ty}: cutting it from zoom {z} would take more than {most} bytes, \
                             twice the max_geojson_cut_bytes limit (a runtime option): the data crowds along \
                             its edges, each crossing a piece of its own; simplify the data, view it at a \
                             lower zoom or raise the limit"
                        ));
                    };
                    // The tile keeps nothing from this cut (its input is
                    // the way's, its children unknown).
                    if own > 0 {
                        tiles.remove(&(z, x, y));
                        held -= own;
                    }
                    for (child, features, bytes) in children {
                        held = held.saturating_add(bytes);
                        stack.push((features, bytes, child.0, child.1, child.2));
                    }
                    continue;
                }
            };
            // The first time its children are cut, a tile drops its input (as
            // geojson-vt drops a split tile's source: building the index kept
            // a copy of the data per level); cut again, it keeps it, and an
            // index leaf always does.
            if !tile.split {
                tile.split = true;
                if !tile.leaf {
                    tile.input_bytes = 0;
                    tile.input = None;
                    held -= own;
                }
            }
            let mut bits = 0;
            for (child, features, bytes) in children {
                let side = (child.1 & 1) << 1 | (child.2 & 1);
                bits |= u8::from(!features.is_empty()) << side;
                held = held.saturating_add(bytes);
                stack.push((features, bytes, child.0, child.1, child.2));
            }
            tile.children = bits;
        }
        Ok(())
    }

    /// Tile `(z, x, y)`'s children cut from its `features` (only child
    /// `(2x + dx, 2y + dy)` with `only`), each with an upper bound on the
    /// bytes of geometry its cut made; `None` when those would exceed
    /// `room` (counted before anything is made).
    #[allow(clippy::type_complexity)]
    fn cut(
        &self,
        features: &[Arc<VtFeature>],
        (z, x, y): TileKey,
        only: Option<(u32, u32)>,
        room: u64,
    ) -> Option<Vec<(TileKey, Vec<Arc<VtFeature>>, u64)>> {
        if features.is_empty() {
            return Some(Vec::new());
        }
        let p = &self.params;
        let k1 = 0.5 * p.buffer / p.extent;
        let (k2, k3, k4) = (0.5 - k1, 0.5 + k1, 1.0 + k1);
        let z2 = (1u64 << z) as f64;
        let (fx, fy) = (f64::from(x), f64::from(y));
        let wanted = |d: u32, side: Option<u32>| side.map_or(true, |s| s == d);
        let halves: Vec<(u32, f64, f64)> =
            [(0, fx - k1, fx + k3), (1, fx + k2, fx + k4)].into_iter().filter(|h| wanted(h.0, only.map(|o| o.0))).collect();
        let (min, max) = bbox(features);
        let mut cost = 0u64;
        for &(_, a, b) in &halves {
            cost = cost.saturating_add(clip_cost(features, z2, a, b, 0, min[0], max[0]));
        }
        if cost > room {
            return None;
        }
        // Each half with its bounds, and the quarters wanted of it.
        let mut quarters = Vec::new();
        for (dx, a, b) in halves {
            let half = clip(features, z2, a, b, 0, min[0], max[0]);
            let (hmin, hmax) = bbox(&half);
            let mut wanted_here = Vec::new();
            for (dy, a, b) in [(0, fy - k1, fy + k3), (1, fy + k2, fy + k4)] {
                if wanted(dy, only.map(|o| o.1)) {
                    let bytes = clip_cost(&half, z2, a, b, 1, hmin[1], hmax[1]);
                    wanted_here.push((dy, a, b, bytes));
                    cost = cost.saturating_add(bytes);
                }
            }
            quarters.push((dx, half, (hmin, hmax), wanted_here));
        }
        if cost > room {
            return None;
        }
        let mut children = Vec::new();
        for (dx, half, (hmin, hmax), wanted_here) in quarters {
            for (dy, a, b, bytes) in wanted_here {
                children.push(((z + 1, x * 2 + dx, y * 2 + dy), clip(&half, z2, a, b, 1, hmin[1], hmax[1]), bytes));
            }
        }
        Some(children)
    }

    /// The output features of tile `z/tx/ty` cut from `features`.
    fn tile_features(&self, features: &[Arc<VtFeature>], z: u8, tx: u32, ty: u32) -> Vec<Feature> {
        let p = &self.params;
        let z2 = (1u64 << z) as f64;
        let tolerance = if z == p.max_zoom { 0.0 } else { p.tolerance / (z2 * p.extent) };
        let sq_tol = tolerance * tolerance;
        let (ox, oy) = (f64::from(tx), f64::from(ty));
        let ext = p.extent;
        // JS Math.round: halves round up.
        let tp = |q: &Pt| {
            TilePoint::new(((q[0] * z2 - ox) * ext + 0.5).floor() as i32, ((q[1] * z2 - oy) * ext + 0.5).floor() as i32)
        };
        let mut out = Vec::new();
        for f in features {
            let (geom_type, geometry) = match &f.geom {
                Geometry::Points(ps) => (GeomType::Point, ps.iter().map(|q| vec![tp(q)]).collect::<Vec<_>>()),
                Geometry::Lines(ls) => {
                    let mut parts = Vec::with_capacity(ls.len());
                    for r in ls {
                        if tolerance > 0.0 && r.size < tolerance {
                            continue;
                        }
                        let part: Vec<TilePoint> =
                            r.pts.iter().filter(|q| tolerance == 0.0 || q[2] > sq_tol).map(tp).collect();
                        if !part.is_empty() {
                            parts.push(part);
                        }
                    }
                    (GeomType::LineString, parts)
                }
                Geometry::Polygons(polys) => {
                    let mut rings = Vec::new();
                    for poly in polys {
                        for (i, r) in poly.iter().enumerate() {
                            if tolerance > 0.0 && r.size < sq_tol {
                                continue;
                            }
                            let mut ring: Vec<TilePoint> =
                                r.pts.iter().filter(|q| tolerance == 0.0 || q[2] > sq_tol).map(tp).collect();
                            if ring.is_empty() {
                                continue;
                            }
                            let area = signed_area(&ring);
                            if (area > 0) != (i == 0) && area != 0 {
                                ring.reverse();
                            }
                            start_at_top(&mut ring);
                            rings.push(ring);
                        }
                    }
                    (GeomType::Polygon, rings)
                }
            };
            if geometry.is_empty() {
                continue;
            }
            let mut properties = (*f.props).clone();
            if let (true, Geometry::Lines(ls)) = (p.line_metrics, &f.geom) {
                // geojson-vt's line metrics: where the piece lies on its line,
                // given (as MapLibre Native does) only to features that are
                // one line in this tile; several lines measure distance.
                if let [r] = ls.as_slice().iter().filter(|r| r.size > 0.0).collect::<Vec<_>>().as_slice() {
                    properties.insert_all([
                        (CLIP_START.into(), Value::Number(r.start / r.size)),
                        (CLIP_END.into(), Value::Number(r.end / r.size)),
                    ]);
                }
            }
            out.push(Feature { id: f.id.clone(), geom_type, geometry, properties });
        }
        out
    }
}

/// The error of a build nobody wants any more.
fn not_wanted() -> String {
    "GeoJSON index no longer wanted (its map is gone): its build stopped".to_string()
}

fn bbox(features: &[Arc<VtFeature>]) -> ([f64; 2], [f64; 2]) {
    let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
    for f in features {
        for i in 0..2 {
            min[i] = min[i].min(f.min[i]);
            max[i] = max[i].max(f.max[i]);
        }
    }
    (min, max)
}

/// Turns a closed ring to start (and end) at its topmost vertex (least y)
/// when only one vertex is topmost. MapLibre Native passes GeoJSON polygons
/// through its ring fixer (wagyu), whose rings then start there: where a
/// ring's dashes and patterns begin. Where several vertices share the top
/// (a flat top edge) the fixer's start depends on the input's order; the
/// ring is left as it is.
fn start_at_top(ring: &mut Vec<TilePoint>) {
    if ring.len() < 3 || ring.first() != ring.last() {
        return;
    }
    let open = &ring[..ring.len() - 1];
    let top_y = open.iter().map(|p| p.y).min().unwrap_or(0);
    let mut tops = (0..open.len()).filter(|&i| open[i].y == top_y);
    if let (Some(top), None) = (tops.next(), tops.next()) {
        if top > 0 {
            ring.pop();
            ring.rotate_left(top);
            ring.push(ring[0]);
        }
    }
}

/// Twice the signed area of a ring in tile coordinates (positive = clockwise on
/// screen with y down, MVT's exterior winding).
pub fn signed_area(ring: &[TilePoint]) -> i64 {
    let mut a = 0i64;
    for w in ring.windows(2) {
        a += i64::from(w[0].x) * i64::from(w[1].y) - i64::from(w[1].x) * i64::from(w[0].y);
    }
    if let (Some(f), Some(l)) = (ring.first(), ring.last()) {
        a += i64::from(l.x) * i64::from(f.y) - i64::from(f.x) * i64::from(l.y);
    }
    a
}

#[cfg(test)]
mod tests;
