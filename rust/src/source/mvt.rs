//! Mapbox Vector Tile 2.1 decoding.
//!
//! The message layout is described by hand-written prost structs ([`pb`]); they are
//! used for the small value messages and to build tiles in tests. The hot path
//! (layers, features, packed geometry) is read by a bounds-checked streaming reader
//! over the input bytes, so an unwanted layer is skipped without touching its
//! features and a feature costs no allocation beyond its output geometry and
//! properties (keys are `Arc<str>` shared from the layer's key table).
//!
//! Hostile input never panics, hangs or allocates without bound: every length is
//! checked against the remaining input, gzip output is capped at
//! [`MAX_DECOMPRESSED_SIZE`], and the output is charged against a budget of
//! [`MAX_OUTPUT_BYTES`].

use std::fmt;
use std::io::Read;
use std::sync::Arc;

use prost::Message;

use crate::source::feature::{Feature, GeomType, Properties, TileData, TileLayer, TilePoint};
use crate::data::value::Value;

/// Largest accepted size of a gunzipped tile.
pub const MAX_DECOMPRESSED_SIZE: usize = 64 << 20;
/// Largest accepted (approximate) size of the decoded output of one tile.
pub const MAX_OUTPUT_BYTES: usize = 128 << 20;

/// Why a tile could not be decoded. The message names the layer/feature index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vector tile: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

fn err<T>(msg: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(msg.into()))
}

/// Protobuf messages of the MVT 2.1 schema (vector_tile.proto), written by hand.
pub mod pb {
    /// `Tile.Value`: exactly one field should be set.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Value {
        #[prost(string, optional, tag = "1")]
        pub string_value: Option<String>,
        #[prost(float, optional, tag = "2")]
        pub float_value: Option<f32>,
        #[prost(double, optional, tag = "3")]
        pub double_value: Option<f64>,
        #[prost(int64, optional, tag = "4")]
        pub int_value: Option<i64>,
        #[prost(uint64, optional, tag = "5")]
        pub uint_value: Option<u64>,
        #[prost(sint64, optional, tag = "6")]
        pub sint_value: Option<i64>,
        #[prost(bool, optional, tag = "7")]
        pub bool_value: Option<bool>,
    }

    /// `Tile.Feature`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Feature {
        #[prost(uint64, optional, tag = "1")]
        pub id: Option<u64>,
        #[prost(uint32, repeated, packed = "true", tag = "2")]
        pub tags: Vec<u32>,
        #[prost(int32, optional, tag = "3")]
        pub r#type: Option<i32>,
        #[prost(uint32, repeated, packed = "true", tag = "4")]
        pub geometry: Vec<u32>,
    }

    /// `Tile.Layer`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Layer {
        #[prost(uint32, required, tag = "15")]
        pub version: u32,
        #[prost(string, required, tag = "1")]
        pub name: String,
        #[prost(message, repeated, tag = "2")]
        pub features: Vec<Feature>,
        #[prost(string, repeated, tag = "3")]
        pub keys: Vec<String>,
        #[prost(message, repeated, tag = "4")]
        pub values: Vec<Value>,
        #[prost(uint32, optional, tag = "5")]
        pub extent: Option<u32>,
    }

    /// `Tile`.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Tile {
        #[prost(message, repeated, tag = "3")]
        pub layers: Vec<Layer>,
    }

    /// Zigzag-encodes a parameter integer (for building geometry).
    pub fn zigzag(n: i32) -> u32 {
        ((n << 1) ^ (n >> 31)) as u32
    }

    /// A command integer.
    pub fn command(id: u32, count: u32) -> u32 {
        (id & 7) | (count << 3)
    }
}

/// Counts one decoded tile may hold (the runtime's `max_features_per_tile`
/// and `max_vertices_per_tile`), checked while decoding: a tile over either
/// fails with a message naming the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileLimits {
    pub max_features: u64,
    pub max_vertices: u64,
}

impl Default for TileLimits {
    fn default() -> TileLimits {
        TileLimits { max_features: DEFAULT_MAX_FEATURES_PER_TILE, max_vertices: DEFAULT_MAX_VERTICES_PER_TILE }
    }
}

/// Default of [`TileLimits::max_features`] (the densest real tiles hold tens of thousands).
pub const DEFAULT_MAX_FEATURES_PER_TILE: u64 = 1_000_000;
/// Default of [`TileLimits::max_vertices`].
pub const DEFAULT_MAX_VERTICES_PER_TILE: u64 = 10_000_000;

impl TileLimits {
    /// Checks a decoded tile's counts (for tiles made elsewhere, e.g. GeoJSON).
    pub fn check(&self, tile: &TileData) -> Result<(), DecodeError> {
        let features: u64 = tile.layers.iter().map(|l| l.features.len() as u64).sum();
        if features > self.max_features {
            return err(format!("{features} features, over the limit max_features_per_tile = {}", self.max_features));
        }
        let vertices: u64 = tile.layers.iter().flat_map(|l| l.features.iter()).flat_map(|f| &f.geometry).map(|p| p.len() as u64).sum();
        if vertices > self.max_vertices {
            return err(format!("{vertices} vertices, over the limit max_vertices_per_tile = {}", self.max_vertices));
        }
        Ok(())
    }
}

/// Decodes a (possibly gzip-compressed) vector tile. `wanted_layers`, when given,
/// selects layers by name; other layers are skipped without decoding features.
pub fn decode_tile(
    bytes: &[u8],
    wanted_layers: Option<&dyn Fn(&str) -> bool>,
) -> Result<TileData, DecodeError> {
    decode_tile_limited(bytes, wanted_layers, TileLimits::default())
}

/// [`decode_tile`] within `limits`.
pub fn decode_tile_limited(
    bytes: &[u8],
    wanted_layers: Option<&dyn Fn(&str) -> bool>,
    limits: TileLimits,
) -> Result<TileData, DecodeError> {
    if bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b {
        let raw = gunzip(bytes)?;
        return decode_raw(&raw, wanted_layers, limits);
    }
    decode_raw(bytes, wanted_layers, limits)
}

/// Gunzips with an output cap of [`MAX_DECOMPRESSED_SIZE`].
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity((bytes.len() * 4).min(MAX_DECOMPRESSED_SIZE));
    let decoder = flate2::read::MultiGzDecoder::new(bytes);
    match decoder.take(MAX_DECOMPRESSED_SIZE as u64 + 1).read_to_end(&mut out) {
        Ok(_) if out.len() > MAX_DECOMPRESSED_SIZE => {
            err(format!("gzip data expands beyond {} bytes", MAX_DECOMPRESSED_SIZE))
        }
        Ok(_) => Ok(out),
        Err(e) => err(format!("invalid gzip data: {e}")),
    }
}

// ---------------------------------------------------------------------------
// Streaming protobuf reader.

const WT_VARINT: u32 = 0;
const WT_I64: u32 = 1;
const WT_LEN: u32 = 2;
const WT_I32: u32 = 5;

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    #[inline]
    fn varint(&mut self) -> Option<u64> {
        let mut result: u64 = 0;
        let mut shift = 0u32;
        loop {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            if shift == 63 && b > 1 {
                return None; // more than 64 bits
            }
            result |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(result);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }

    /// Reads a field key: (field number, wire type).
    fn key(&mut self) -> Result<(u32, u32), String> {
        let k = self.varint().ok_or("truncated or oversized field key")?;
        if k > u64::from(u32::MAX) {
            return Err("field key out of range".into());
        }
        let field = (k >> 3) as u32;
        if field == 0 {
            return Err("field number 0".into());
        }
        Ok((field, (k & 7) as u32))
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let len = self.varint().ok_or("truncated or oversized length")?;
        let remaining = (self.buf.len() - self.pos) as u64;
        if len > remaining {
            return Err(format!("length {len} runs past the end of the data ({remaining} bytes left)"));
        }
        let start = self.pos;
        self.pos += len as usize;
        Ok(&self.buf[start..self.pos])
    }

    fn skip(&mut self, wire: u32) -> Result<(), String> {
        let n = match wire {
            WT_VARINT => {
                self.varint().ok_or("truncated or oversized varint")?;
                return Ok(());
            }
            WT_I64 => 8,
            WT_LEN => {
                self.bytes()?;
                return Ok(());
            }
            WT_I32 => 4,
            w => return Err(format!("unsupported wire type {w}")),
        };
        if self.buf.len() - self.pos < n {
            return Err("truncated fixed-size field".into());
        }
        self.pos += n;
        Ok(())
    }

    fn expect(&self, wire: u32, want: u32, what: &str) -> Result<(), String> {
        if wire != want {
            return Err(format!("{what} has wire type {wire}, expected {want}"));
        }
        Ok(())
    }

    fn u32_field(&mut self, wire: u32, what: &str) -> Result<u32, String> {
        self.expect(wire, WT_VARINT, what)?;
        let v = self.varint().ok_or_else(|| format!("{what}: truncated or oversized varint"))?;
        u32::try_from(v).map_err(|_| format!("{what} {v} out of range"))
    }
}

/// Appends the uint32 values of a packed (or single unpacked) repeated field.
fn read_u32s(r: &mut Reader<'_>, wire: u32, out: &mut Vec<u32>, what: &str) -> Result<(), String> {
    match wire {
        WT_LEN => {
            let data = r.bytes()?;
            let mut inner = Reader::new(data);
            while !inner.done() {
                let v = inner.varint().ok_or_else(|| format!("{what}: truncated or oversized varint"))?;
                out.push(u32::try_from(v).map_err(|_| format!("{what}: value {v} out of range"))?);
            }
            Ok(())
        }
        WT_VARINT => {
            let v = r.u32_field(wire, what)?;
            out.push(v);
            Ok(())
        }
        w => Err(format!("{what} has wire type {w}")),
    }
}

// ---------------------------------------------------------------------------
// Tile / layer / feature decoding.

fn decode_raw(bytes: &[u8], wanted: Option<&dyn Fn(&str) -> bool>, limits: TileLimits) -> Result<TileData, DecodeError> {
    let mut tile = TileData::default();
    let mut r = Reader::new(bytes);
    let mut budget = Budget { left: MAX_OUTPUT_BYTES, features: 0, vertices: 0, limits };
    let mut scratch = Scratch::default();
    let mut layer_index = 0usize;
    while !r.done() {
        let (field, wire) = r.key().map_err(|e| DecodeError(format!("tile: {e}")))?;
        if field == 3 {
            r.expect(wire, WT_LEN, "layer").map_err(|e| DecodeError(format!("layer {layer_index}: {e}")))?;
            let data = r.bytes().map_err(|e| DecodeError(format!("layer {layer_index}: {e}")))?;
            if let Some(layer) = decode_layer(data, layer_index, wanted, &mut budget, &mut scratch)? {
                tile.layers.push(layer);
            }
            layer_index += 1;
        } else {
            r.skip(wire).map_err(|e| DecodeError(format!("tile: field {field}: {e}")))?;
        }
    }
    Ok(tile)
}

struct Budget {
    left: usize,
    /// Features and vertices decoded so far, against `limits`.
    features: u64,
    vertices: u64,
    limits: TileLimits,
}

impl Budget {
    /// Counts `n` more features (before they are decoded).
    fn features(&mut self, n: usize, where_: impl FnOnce() -> String) -> Result<(), DecodeError> {
        self.features = self.features.saturating_add(n as u64);
        if self.features > self.limits.max_features {
            return err(format!(
                "{}: the tile has more than {} features (the limit max_features_per_tile)",
                where_(),
                self.limits.max_features
            ));
        }
        Ok(())
    }

    fn charge(&mut self, n: usize, where_: impl FnOnce() -> String) -> Result<(), DecodeError> {
        if n > self.left {
            return err(format!("{}: decoded tile exceeds {} bytes", where_(), MAX_OUTPUT_BYTES));
        }
        self.left -= n;
        Ok(())
    }
}

#[derive(Default)]
struct Scratch {
    geometry: Vec<u32>,
    tags: Vec<u32>,
}

struct LayerHeader<'a> {
    name: &'a [u8],
    version: u32,
    extent: u32,
    keys: usize,
    values: usize,
    features: usize,
}

fn scan_layer<'a>(data: &'a [u8]) -> Result<LayerHeader<'a>, String> {
    let mut h = LayerHeader { name: &[], version: 1, extent: 4096, keys: 0, values: 0, features: 0 };
    let mut have_name = false;
    let mut r = Reader::new(data);
    while !r.done() {
        let (field, wire) = r.key()?;
        match field {
            1 => {
                r.expect(wire, WT_LEN, "name")?;
                h.name = r.bytes()?;
                have_name = true;
            }
            2..=4 => {
                r.expect(wire, WT_LEN, "feature/key/value")?;
                r.bytes()?;
                match field {
                    2 => h.features += 1,
                    3 => h.keys += 1,
                    _ => h.values += 1,
                }
            }
            5 => h.extent = r.u32_field(wire, "extent")?,
            15 => h.version = r.u32_field(wire, "version")?,
            _ => r.skip(wire).map_err(|e| format!("field {field}: {e}"))?,
        }
    }
    if !have_name {
        return Err("missing name".into());
    }
    if h.extent == 0 {
        return Err("extent 0".into());
    }
    if h.version > 2 {
        return Err(format!("unsupported version {}", h.version));
    }
    Ok(h)
}

fn decode_layer(
    data: &[u8],
    li: usize,
    wanted: Option<&dyn Fn(&str) -> bool>,
    budget: &mut Budget,
    scratch: &mut Scratch,
) -> Result<Option<TileLayer>, DecodeError> {
    let h = scan_layer(data).map_err(|e| DecodeError(format!("layer {li}: {e}")))?;
    let name = String::from_utf8_lossy(h.name).into_owned();
    if let Some(wanted) = wanted {
        if !wanted(&name) {
            return Ok(None);
        }
    }
    let lerr = |e: String| DecodeError(format!("layer {li} ({name}): {e}"));
    let mut keys: Vec<Arc<str>> = Vec::with_capacity(h.keys);
    let mut values: Vec<Value> = Vec::with_capacity(h.values);
    let mut r = Reader::new(data);
    while !r.done() {
        let (field, wire) = r.key().map_err(lerr)?;
        match field {
            3 => {
                let b = r.bytes().map_err(lerr)?;
                // Keys and values are part of the decoded tile: charged first.
                budget.charge(b.len() + 2 * std::mem::size_of::<Arc<str>>(), || format!("layer {li} keys"))?;
                keys.push(Arc::from(String::from_utf8_lossy(b).as_ref()));
            }
            4 => {
                let b = r.bytes().map_err(lerr)?;
                budget.charge(b.len() + std::mem::size_of::<Value>(), || format!("layer {li} values"))?;
                let v = pb::Value::decode(b)
                    .map_err(|e| lerr(format!("value {}: {e}", values.len())))?;
                values.push(convert_value(v));
            }
            _ => r.skip(wire).map_err(lerr)?,
        }
    }
    budget.features(h.features, || format!("layer {li} ({name})"))?;
    budget.charge(h.features * std::mem::size_of::<Feature>(), || format!("layer {li}"))?;
    let mut features = Vec::with_capacity(h.features);
    let mut r = Reader::new(data);
    let mut fi = 0usize;
    while !r.done() {
        let (field, wire) = r.key().map_err(lerr)?;
        if field == 2 {
            let b = r.bytes().map_err(lerr)?;
            let f = decode_feature(b, &keys, &values, budget, scratch)
                .map_err(|e| DecodeError(format!("layer {li} ({name}): feature {fi}: {e}")))?;
            features.push(f);
            fi += 1;
        } else {
            r.skip(wire).map_err(lerr)?;
        }
    }
    Ok(Some(TileLayer::new(name, h.extent, features)))
}

fn convert_value(v: pb::Value) -> Value {
    if let Some(s) = v.string_value {
        Value::String(s)
    } else if let Some(f) = v.float_value {
        Value::Number(f64::from(f))
    } else if let Some(d) = v.double_value {
        Value::Number(d)
    } else if let Some(i) = v.int_value {
        Value::Number(i as f64)
    } else if let Some(u) = v.uint_value {
        Value::Number(u as f64)
    } else if let Some(s) = v.sint_value {
        Value::Number(s as f64)
    } else if let Some(b) = v.bool_value {
        Value::Bool(b)
    } else {
        Value::Null
    }
}

fn value_cost(v: &Value) -> usize {
    std::mem::size_of::<(Arc<str>, Value)>()
        + match v {
            Value::String(s) => s.len(),
            _ => 0,
        }
}

fn decode_feature(
    data: &[u8],
    keys: &[Arc<str>],
    values: &[Value],
    budget: &mut Budget,
    scratch: &mut Scratch,
) -> Result<Feature, String> {
    let mut id = None;
    let mut geom_type = GeomType::Unknown;
    scratch.geometry.clear();
    scratch.tags.clear();
    let mut r = Reader::new(data);
    while !r.done() {
        let (field, wire) = r.key()?;
        match field {
            1 => {
                r.expect(wire, WT_VARINT, "id")?;
                let v = r.varint().ok_or("id: truncated or oversized varint")?;
                id = Some(Value::Number(v as f64));
            }
            2 => read_u32s(&mut r, wire, &mut scratch.tags, "tags")?,
            3 => {
                let t = r.u32_field(wire, "type")?;
                geom_type = match t {
                    1 => GeomType::Point,
                    2 => GeomType::LineString,
                    3 => GeomType::Polygon,
                    _ => GeomType::Unknown,
                };
            }
            4 => read_u32s(&mut r, wire, &mut scratch.geometry, "geometry")?,
            _ => r.skip(wire).map_err(|e| format!("field {field}: {e}"))?,
        }
    }
    if scratch.tags.len() % 2 != 0 {
        return Err(format!("odd number of tags ({})", scratch.tags.len()));
    }
    let mut props = Vec::with_capacity(scratch.tags.len() / 2);
    let mut cost = 0usize;
    for pair in scratch.tags.chunks_exact(2) {
        let key = keys
            .get(pair[0] as usize)
            .ok_or_else(|| format!("key index {} out of range ({} keys)", pair[0], keys.len()))?;
        let value = values
            .get(pair[1] as usize)
            .ok_or_else(|| format!("value index {} out of range ({} values)", pair[1], values.len()))?;
        cost += value_cost(value);
        if cost > budget.left {
            return Err(format!("decoded tile exceeds {} bytes", MAX_OUTPUT_BYTES));
        }
        props.push((key.clone(), value.clone()));
    }
    budget.left -= cost;
    let geometry = decode_geometry(&scratch.geometry, geom_type)?;
    let points: usize = geometry.iter().map(|p| p.len()).sum();
    budget.vertices = budget.vertices.saturating_add(points as u64);
    if budget.vertices > budget.limits.max_vertices {
        return Err(format!(
            "the tile has more than {} vertices (the limit max_vertices_per_tile)",
            budget.limits.max_vertices
        ));
    }
    let gcost = points * 8 + geometry.len() * 24;
    if gcost > budget.left {
        return Err(format!("decoded tile exceeds {} bytes", MAX_OUTPUT_BYTES));
    }
    budget.left -= gcost;
    Ok(Feature { id, geom_type, geometry, properties: Properties::from(props) })
}

#[inline]
fn unzigzag(v: u32) -> i64 {
    i64::from((v >> 1) as i32 ^ -((v & 1) as i32))
}

/// Decodes MVT geometry commands. Polygon rings are closed (first point repeated).
pub fn decode_geometry(cmds: &[u32], geom_type: GeomType) -> Result<Vec<Vec<TilePoint>>, String> {
    let mut parts: Vec<Vec<TilePoint>> = Vec::new();
    let mut cur: Vec<TilePoint> = Vec::new();
    let (mut x, mut y) = (0i64, 0i64);
    let mut i = 0usize;
    let n = cmds.len();
    while i < n {
        let cmd = cmds[i];
        i += 1;
        let id = cmd & 7;
        let count = (cmd >> 3) as usize;
        match id {
            1 | 2 => {
                if count == 0 {
                    return Err(format!("command {id} with count 0 at {}", i - 1));
                }
                if count > (n - i) / 2 {
                    return Err(format!(
                        "command {id} count {count} runs past the geometry ({} integers left)",
                        n - i
                    ));
                }
                if id == 2 && cur.is_empty() {
                    return Err(format!("LineTo before MoveTo at {}", i - 1));
                }
                for _ in 0..count {
                    x += unzigzag(cmds[i]);
                    y += unzigzag(cmds[i + 1]);
                    i += 2;
                    let (px, py) = match (i32::try_from(x), i32::try_from(y)) {
                        (Ok(px), Ok(py)) => (px, py),
                        _ => return Err("coordinate overflows 32 bits".into()),
                    };
                    let p = TilePoint::new(px, py);
                    if id == 1 {
                        match geom_type {
                            GeomType::Point => {
                                parts.push(vec![p]);
                            }
                            _ => {
                                finish_part(&mut parts, std::mem::take(&mut cur), geom_type);
                                // exact capacity: this point, the following LineTo's
                                // points, and the closing point of a ring
                                let next_line = match cmds.get(i) {
                                    Some(&c) if c & 7 == 2 => ((c >> 3) as usize).min((n - i) / 2),
                                    _ => 0,
                                };
                                cur = Vec::with_capacity(next_line + 2);
                                cur.push(p);
                            }
                        }
                    } else {
                        cur.push(p);
                    }
                }
                if id == 1 && geom_type == GeomType::Point {
                    // keep `cur` empty: a LineTo after points is malformed
                    continue;
                }
            }
            7 => {
                if cur.is_empty() {
                    return Err(format!("ClosePath without a current ring at {}", i - 1));
                }
                if geom_type == GeomType::Polygon || geom_type == GeomType::Unknown {
                    let first = cur[0];
                    cur.push(first);
                    parts.push(std::mem::take(&mut cur));
                }
            }
            _ => return Err(format!("unknown command {id} at {}", i - 1)),
        }
    }
    finish_part(&mut parts, cur, geom_type);
    Ok(parts)
}

/// Ends a line or ring that was not ended by ClosePath: a polygon ring is closed
/// (rather than dropping data), a one-point line or ring is dropped.
fn finish_part(parts: &mut Vec<Vec<TilePoint>>, mut cur: Vec<TilePoint>, geom_type: GeomType) {
    match geom_type {
        GeomType::Polygon if cur.len() > 1 => {
            let first = cur[0];
            cur.push(first);
            parts.push(cur);
        }
        GeomType::LineString if cur.len() > 1 => parts.push(cur),
        GeomType::Unknown if !cur.is_empty() => parts.push(cur),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A conformance tile from the shared suite's assets/tiles, if the suite
    /// is there (`crate::test_support::shared_dir`).
    pub(super) fn asset(name: &str) -> Option<Vec<u8>> {
        let dir = crate::test_support::shared_path("conformance/assets/tiles")?;
        std::fs::read(dir.join(name)).ok()
    }

    /// The Berlin z14 tile the repository ships (tests/fixtures/tiles): the
    /// tests that decode a real tile always run.
    pub(super) const BERLIN_14_8802_5374: &[u8] = include_bytes!("../../../tests/fixtures/tiles/14-8802-5374.mvt");
    /// The z7 county tile the repository ships (tests/fixtures/tiles).
    pub(super) const COUNTIES_7_37_48: &[u8] = include_bytes!("../../../tests/fixtures/tiles/counties-7-37-48.mvt");

    fn sample_layer() -> pb::Layer {
        use pb::{command, zigzag};
        pb::Layer {
            version: 2,
            name: "roads".into(),
            features: vec![
                pb::Feature {
                    id: Some(7),
                    tags: vec![0, 0, 1, 1],
                    r#type: Some(2),
                    geometry: vec![
                        command(1, 1),
                        zigzag(2),
                        zigzag(2),
                        command(2, 2),
                        zigzag(0),
                        zigzag(8),
                        zigzag(8),
                        zigzag(0),
                    ],
                },
                pb::Feature {
                    id: None,
                    tags: vec![0, 2],
                    r#type: Some(3),
                    geometry: vec![
                        command(1, 1),
                        zigzag(3),
                        zigzag(6),
                        command(2, 2),
                        zigzag(5),
                        zigzag(6),
                        zigzag(12),
                        zigzag(22),
                        command(7, 1),
                    ],
                },
                pb::Feature {
                    id: Some(1),
                    tags: vec![2, 3],
                    r#type: Some(1),
                    geometry: vec![command(1, 2), zigzag(5), zigzag(7), zigzag(-2), zigzag(1)],
                },
            ],
            keys: vec!["class".into(), "lanes".into(), "oneway".into()],
            values: vec![
                pb::Value { string_value: Some("primary".into()), ..Default::default() },
                pb::Value { int_value: Some(-2), ..Default::default() },
                pb::Value { double_value: Some(1.5), ..Default::default() },
                pb::Value { bool_value: Some(true), ..Default::default() },
            ],
            extent: Some(4096),
        }
    }

    fn encode(layers: Vec<pb::Layer>) -> Vec<u8> {
        pb::Tile { layers }.encode_to_vec()
    }

    #[test]
    fn decodes_geometry_and_properties() {
        let bytes = encode(vec![sample_layer()]);
        let tile = decode_tile(&bytes, None).unwrap();
        let l = tile.layer("roads").unwrap();
        assert_eq!(l.extent, 4096);
        assert_eq!(l.features.len(), 3);
        let f = &l.features[0];
        assert_eq!(f.id, Some(Value::Number(7.0)));
        assert_eq!(f.geom_type, GeomType::LineString);
        assert_eq!(
            f.geometry,
            vec![vec![TilePoint::new(2, 2), TilePoint::new(2, 10), TilePoint::new(10, 10)]]
        );
        assert_eq!(f.properties.get("class"), Some(&Value::String("primary".into())));
        assert_eq!(f.properties.get("lanes"), Some(&Value::Number(-2.0)));
        let p = &l.features[1];
        assert_eq!(p.id, None);
        assert_eq!(
            p.geometry,
            vec![vec![
                TilePoint::new(3, 6),
                TilePoint::new(8, 12),
                TilePoint::new(20, 34),
                TilePoint::new(3, 6)
            ]]
        );
        assert_eq!(p.properties.get("class"), Some(&Value::Number(1.5)));
        let m = &l.features[2];
        assert_eq!(m.geometry, vec![vec![TilePoint::new(5, 7)], vec![TilePoint::new(3, 8)]]);
        assert_eq!(m.properties.get("oneway"), Some(&Value::Bool(true)));
        // keys are shared, not copied
        assert!(Arc::ptr_eq(&l.features[0].properties.0[0].0, &l.features[1].properties.0[0].0));
    }

    #[test]
    fn keys_and_values_are_charged_to_the_tile_budget() {
        // 4.5M one-byte keys (13.5 MB on the wire): ~150 MB decoded, over the budget.
        let mut layer = sample_layer();
        layer.keys = (0..4_500_000u32).map(|i| ((b'a' + (i % 26) as u8) as char).to_string()).collect();
        let e = decode_tile(&encode(vec![layer]), None).unwrap_err();
        assert!(e.to_string().contains("keys") && e.to_string().contains(&MAX_OUTPUT_BYTES.to_string()), "{e}");
        let mut layer = sample_layer();
        layer.values = (0..4_500_000u32).map(|_| pb::Value { bool_value: Some(true), ..Default::default() }).collect();
        let e = decode_tile(&encode(vec![layer]), None).unwrap_err();
        assert!(e.to_string().contains("values"), "{e}");
    }

    #[test]
    fn all_value_types() {
        let mut layer = sample_layer();
        layer.values = vec![
            pb::Value { float_value: Some(0.5), ..Default::default() },
            pb::Value { uint_value: Some(u64::MAX), ..Default::default() },
            pb::Value { sint_value: Some(-9), ..Default::default() },
            pb::Value { bool_value: Some(false), ..Default::default() },
        ];
        let tile = decode_tile(&encode(vec![layer]), None).unwrap();
        let f = &tile.layers[0].features[0];
        assert_eq!(f.properties.get("class"), Some(&Value::Number(0.5)));
        assert_eq!(f.properties.get("lanes"), Some(&Value::Number(u64::MAX as f64)));
        let f = &tile.layers[0].features[1];
        assert_eq!(f.properties.get("class"), Some(&Value::Number(-9.0)));
    }

    #[test]
    fn multipolygon_and_multiline_parts() {
        use pb::{command, zigzag};
        let mut layer = sample_layer();
        layer.features = vec![
            pb::Feature {
                r#type: Some(3),
                geometry: vec![
                    command(1, 1), zigzag(0), zigzag(0),
                    command(2, 3), zigzag(10), zigzag(0), zigzag(0), zigzag(10), zigzag(-10), zigzag(0),
                    command(7, 1),
                    command(1, 1), zigzag(2), zigzag(-8),
                    command(2, 2), zigzag(0), zigzag(4), zigzag(4), zigzag(0),
                    command(7, 1),
                ],
                ..Default::default()
            },
            pb::Feature {
                r#type: Some(2),
                geometry: vec![
                    command(1, 1), zigzag(0), zigzag(0),
                    command(2, 1), zigzag(1), zigzag(1),
                    command(1, 1), zigzag(5), zigzag(5),
                    command(2, 1), zigzag(1), zigzag(1),
                ],
                ..Default::default()
            },
        ];
        let tile = decode_tile(&encode(vec![layer]), None).unwrap();
        let poly = &tile.layers[0].features[0].geometry;
        assert_eq!(poly.len(), 2);
        assert_eq!(poly[0].len(), 5);
        assert_eq!(poly[0][0], poly[0][4]);
        assert_eq!(poly[1], vec![
            TilePoint::new(2, 2), TilePoint::new(2, 6), TilePoint::new(6, 6), TilePoint::new(2, 2)
        ]);
        let line = &tile.layers[0].features[1].geometry;
        assert_eq!(line, &vec![
            vec![TilePoint::new(0, 0), TilePoint::new(1, 1)],
            vec![TilePoint::new(6, 6), TilePoint::new(7, 7)],
        ]);
    }

    #[test]
    fn unclosed_rings_are_closed() {
        use pb::{command, zigzag};
        let g = vec![
            command(1, 1), zigzag(0), zigzag(0),
            command(2, 2), zigzag(4), zigzag(0), zigzag(0), zigzag(4),
            command(1, 1), zigzag(10), zigzag(10),
            command(2, 2), zigzag(4), zigzag(0), zigzag(0), zigzag(4),
        ];
        let parts = decode_geometry(&g, GeomType::Polygon).unwrap();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|r| r.len() == 4 && r[0] == r[3]));
        let parts = decode_geometry(&g, GeomType::LineString).unwrap();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|r| r.len() == 3));
        // a lone MoveTo is not a line
        let lone = vec![command(1, 1), zigzag(3), zigzag(3)];
        assert!(decode_geometry(&lone, GeomType::LineString).unwrap().is_empty());
        assert_eq!(decode_geometry(&lone, GeomType::Point).unwrap(), vec![vec![TilePoint::new(3, 3)]]);
    }

    #[test]
    fn gzip_and_layer_filter() {
        use std::io::Write;
        let mut other = sample_layer();
        other.name = "water".into();
        other.features[0].tags = vec![99, 99]; // would fail if decoded
        let raw = encode(vec![sample_layer(), other]);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        let gz = enc.finish().unwrap();
        let only_roads = |n: &str| n == "roads";
        let tile = decode_tile(&gz, Some(&only_roads)).unwrap();
        assert_eq!(tile.layers.len(), 1);
        assert_eq!(tile.layers[0].name, "roads");
        let e = decode_tile(&gz, None).unwrap_err();
        assert!(e.0.contains("layer 1 (water)") && e.0.contains("feature 0") && e.0.contains("key index 99"), "{e}");
    }

    #[test]
    fn gzip_bomb_is_bounded() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..70 {
            enc.write_all(&zeros).unwrap();
        }
        let gz = enc.finish().unwrap();
        let e = decode_tile(&gz, None).unwrap_err();
        assert!(e.0.contains("expands beyond"), "{e}");
        let e = decode_tile(&gz[..gz.len() / 2], None).unwrap_err();
        assert!(e.0.contains("gzip") || e.0.contains("expands"), "{e}");
    }

    #[test]
    fn hostile_inputs_give_errors() {
        use pb::{command, zigzag};
        // extent 0
        let mut l = sample_layer();
        l.extent = Some(0);
        let e = decode_tile(&encode(vec![l]), None).unwrap_err();
        assert!(e.0.contains("layer 0") && e.0.contains("extent 0"), "{e}");
        // value index out of range
        let mut l = sample_layer();
        l.features[1].tags = vec![0, 40];
        let e = decode_tile(&encode(vec![l]), None).unwrap_err();
        assert!(e.0.contains("feature 1") && e.0.contains("value index 40"), "{e}");
        // odd tags
        let mut l = sample_layer();
        l.features[0].tags = vec![0];
        assert!(decode_tile(&encode(vec![l]), None).unwrap_err().0.contains("odd number of tags"));
        // command count past buffer
        let mut l = sample_layer();
        l.features[2].geometry = vec![command(1, 1 << 28), zigzag(1), zigzag(1)];
        let e = decode_tile(&encode(vec![l]), None).unwrap_err();
        assert!(e.0.contains("feature 2") && e.0.contains("runs past"), "{e}");
        // unknown command
        let mut l = sample_layer();
        l.features[0].geometry = vec![command(5, 1), 0, 0];
        assert!(decode_tile(&encode(vec![l]), None).unwrap_err().0.contains("unknown command 5"));
        // oversized varint
        let bytes = [0x1a, 0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert!(decode_tile(&bytes, None).is_err());
        // length past the end
        let bytes = [0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00];
        let e = decode_tile(&bytes, None).unwrap_err();
        assert!(e.0.contains("layer 0") && e.0.contains("past the end"), "{e}");
        // truncated
        let full = encode(vec![sample_layer()]);
        for n in 0..full.len() {
            let _ = decode_tile(&full[..n], None);
        }
        assert!(decode_tile(&full[..full.len() - 3], None).is_err());
        // missing name
        let bytes = [0x1a, 0x02, 0x28, 0x10];
        assert!(decode_tile(&bytes, None).unwrap_err().0.contains("missing name"));
    }

    /// xorshift: deterministic pseudo-random numbers for the fuzz loops.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Rng(0x9e3779b97f4a7c15);
        for len in 0..400usize {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let _ = decode_tile(&bytes, None);
        }
    }

    #[test]
    fn real_tiles_decode() {
        let raw = BERLIN_14_8802_5374;
        let tile = decode_tile(raw, None).unwrap();
        assert!(!tile.layers.is_empty());
        let total: usize = tile.layers.iter().map(|l| l.features.len()).sum();
        assert!(total > 100, "{total}");
        for l in &tile.layers {
            assert!(l.extent > 0);
            for f in l.features.iter() {
                if f.geom_type == GeomType::Polygon {
                    for ring in &f.geometry {
                        assert_eq!(ring.first(), ring.last());
                    }
                }
            }
        }
        let names: Vec<&str> = tile.layers.iter().map(|l| l.name.as_str()).collect();
        let first = names[0].to_string();
        let want = move |n: &str| n == first;
        assert_eq!(decode_tile(raw, Some(&want)).unwrap().layers.len(), 1);
        let counties = decode_tile(COUNTIES_7_37_48, None).unwrap();
        assert_eq!(counties.layers.len(), 1);
        assert_eq!(counties.layers[0].name, "counties");
        assert!(counties.layers[0].features.len() > 10);
    }

    #[test]
    fn mutated_real_tiles_never_panic() {
        let mut rng = Rng(12345);
        // The shipped fixtures always; two more suite tiles when the
        // suite is there (then they must be).
        let mut tiles = vec![BERLIN_14_8802_5374.to_vec(), COUNTIES_7_37_48.to_vec()];
        if crate::test_support::shared_path("conformance/assets/tiles").is_some() {
            tiles.extend(["0-0-0.mvt", "14-4357-6245.mvt"].map(|n| asset(n).expect(n)));
        }
        for raw in tiles {
            let raw = if raw.starts_with(&[0x1f, 0x8b]) { gunzip(&raw).unwrap() } else { raw };
            for round in 0..300 {
                let mut m = raw.clone();
                match round % 4 {
                    0 => {
                        // flip some bytes
                        for _ in 0..1 + rng.next() % 8 {
                            let i = (rng.next() as usize) % m.len();
                            m[i] ^= 1 << (rng.next() % 8);
                        }
                    }
                    1 => {
                        let n = (rng.next() as usize) % m.len();
                        m.truncate(n);
                    }
                    2 => {
                        let i = (rng.next() as usize) % m.len();
                        m[i] = 0xff;
                        if i + 1 < m.len() {
                            m[i + 1] = 0xff;
                        }
                    }
                    _ => {
                        let i = (rng.next() as usize) % m.len();
                        let n = ((rng.next() as usize) % 64).min(m.len() - i);
                        for b in &mut m[i..i + n] {
                            *b = rng.next() as u8;
                        }
                    }
                }
                let _ = decode_tile(&m, None);
            }
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;

    /// `cargo test --release --lib source::mvt::bench -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn decode_speed() {
        let tiles: Vec<Vec<u8>> = ["14-8802-5374.mvt", "14-8802-5375.mvt", "14-8803-5374.mvt", "14-8803-5375.mvt"]
            .iter()
            .filter_map(|n| super::tests::asset(n))
            .collect();
        // Without the suite: the shipped tile (a measure, not a check).
        let tiles = if tiles.is_empty() { vec![super::tests::BERLIN_14_8802_5374.to_vec()] } else { tiles };
        let rounds = 50;
        let start = std::time::Instant::now();
        let mut features = 0usize;
        for _ in 0..rounds {
            for t in &tiles {
                let d = decode_tile(t, None).unwrap();
                features += d.layers.iter().map(|l| l.features.len()).sum::<usize>();
            }
        }
        let el = start.elapsed();
        eprintln!(
            "{} tiles x {rounds}: {:?} per round ({} features per round)",
            tiles.len(),
            el / rounds,
            features / rounds as usize
        );
    }
}
