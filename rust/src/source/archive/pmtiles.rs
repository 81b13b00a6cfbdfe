//! PMTiles v3 reading (and writing, for tests and tools), from the format's
//! specification:
//!
//! * a 127-byte header: magic `PMTiles`, version 3, the offsets and lengths
//!   of the root directory, metadata, leaf directories and tile data, the
//!   internal and tile compressions, the tile type, zooms, bounds, centre;
//! * directories: a varint entry count, then four columns of varints (tile
//!   ids as deltas, run lengths, lengths, offsets where 0 means "right after
//!   the previous entry" and otherwise offset + 1). An entry with run length
//!   0 points at a leaf directory; otherwise it covers `run_length`
//!   consecutive tile ids with the same bytes;
//! * tile ids: all tiles of lower zooms first, then the tile's position on
//!   the Hilbert curve of its zoom.
//!
//! Every offset is checked against its section and the file; a directory
//! walk is bounded in depth and refuses to visit a leaf twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{corrupt, gunzip, gzip, Archive, ArchiveError, ByteSource, Metadata, ReadPurpose, TileEntry, TileFormat};
use crate::data::json::JsonError;

pub const HEADER_LEN: usize = 127;
const MAGIC: &[u8; 7] = b"PMTiles";
/// Leaf levels below the root a walk may descend (writers use one or two).
const MAX_LEAF_DEPTH: usize = 4;
/// Highest zoom a tile id is computed for.
const MAX_ZOOM: u8 = 31;
/// Bytes of decoded leaf directories kept per archive (the least recently
/// used are dropped beyond it).
const LEAF_CACHE_BYTES: usize = 16 << 20;

/// A compression named in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Unknown,
    None,
    Gzip,
    Brotli,
    Zstd,
    Other(u8),
}

impl Compression {
    fn from_byte(b: u8) -> Compression {
        match b {
            0 => Compression::Unknown,
            1 => Compression::None,
            2 => Compression::Gzip,
            3 => Compression::Brotli,
            4 => Compression::Zstd,
            n => Compression::Other(n),
        }
    }

    fn byte(self) -> u8 {
        match self {
            Compression::Unknown => 0,
            Compression::None => 1,
            Compression::Gzip => 2,
            Compression::Brotli => 3,
            Compression::Zstd => 4,
            Compression::Other(n) => n,
        }
    }

    pub fn name(self) -> String {
        match self {
            Compression::Unknown => "unknown".into(),
            Compression::None => "none".into(),
            Compression::Gzip => "gzip".into(),
            Compression::Brotli => "brotli".into(),
            Compression::Zstd => "zstd".into(),
            Compression::Other(n) => format!("code {n}"),
        }
    }

    /// Whether this version reads it (none, gzip, unknown: sniffed).
    fn supported(self) -> bool {
        matches!(self, Compression::Unknown | Compression::None | Compression::Gzip)
    }
}

/// The fixed-size header.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub root_offset: u64,
    pub root_length: u64,
    pub metadata_offset: u64,
    pub metadata_length: u64,
    pub leaf_offset: u64,
    pub leaf_length: u64,
    pub data_offset: u64,
    pub data_length: u64,
    pub addressed_tiles: u64,
    pub tile_entries: u64,
    pub tile_contents: u64,
    pub clustered: bool,
    pub internal_compression: Compression,
    pub tile_compression: Compression,
    pub tile_type: u8,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// min lon, min lat, max lon, max lat, in 1e-7 degrees.
    pub bounds_e7: [i32; 4],
    pub center_zoom: u8,
    pub center_e7: [i32; 2],
}

impl Header {
    /// Parses the first [`HEADER_LEN`] bytes of an archive.
    pub fn parse(bytes: &[u8]) -> Result<Header, ArchiveError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return corrupt("not a PMTiles archive (no \"PMTiles\" magic at the start)");
        }
        if bytes.len() < 8 {
            return corrupt(format!("PMTiles header truncated ({} of {HEADER_LEN} bytes)", bytes.len()));
        }
        if bytes[7] != 3 {
            return Err(ArchiveError::Unsupported(format!("PMTiles version {} (this version reads version 3)", bytes[7])));
        }
        if bytes.len() < HEADER_LEN {
            return corrupt(format!("PMTiles header truncated ({} of {HEADER_LEN} bytes)", bytes.len()));
        }
        let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let i32_at = |i: usize| i32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
        Ok(Header {
            root_offset: u64_at(8),
            root_length: u64_at(16),
            metadata_offset: u64_at(24),
            metadata_length: u64_at(32),
            leaf_offset: u64_at(40),
            leaf_length: u64_at(48),
            data_offset: u64_at(56),
            data_length: u64_at(64),
            addressed_tiles: u64_at(72),
            tile_entries: u64_at(80),
            tile_contents: u64_at(88),
            clustered: bytes[96] == 1,
            internal_compression: Compression::from_byte(bytes[97]),
            tile_compression: Compression::from_byte(bytes[98]),
            tile_type: bytes[99],
            min_zoom: bytes[100],
            max_zoom: bytes[101],
            bounds_e7: [i32_at(102), i32_at(106), i32_at(110), i32_at(114)],
            center_zoom: bytes[118],
            center_e7: [i32_at(119), i32_at(123)],
        })
    }

    /// The header's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER_LEN);
        b.extend_from_slice(MAGIC);
        b.push(3);
        for v in [
            self.root_offset,
            self.root_length,
            self.metadata_offset,
            self.metadata_length,
            self.leaf_offset,
            self.leaf_length,
            self.data_offset,
            self.data_length,
            self.addressed_tiles,
            self.tile_entries,
            self.tile_contents,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(self.clustered as u8);
        b.push(self.internal_compression.byte());
        b.push(self.tile_compression.byte());
        b.push(self.tile_type);
        b.push(self.min_zoom);
        b.push(self.max_zoom);
        for v in self.bounds_e7 {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(self.center_zoom);
        for v in self.center_e7 {
            b.extend_from_slice(&v.to_le_bytes());
        }
        debug_assert_eq!(b.len(), HEADER_LEN);
        b
    }
}

/// The tile id of z/x/y: tiles of all lower zooms, then the Hilbert index.
pub fn tile_id(z: u8, x: u32, y: u32) -> u64 {
    let base = ((1u64 << (2 * z as u32)) - 1) / 3;
    let n = 1u64 << z;
    let (mut x, mut y) = (x as u64 & (n - 1), y as u64 & (n - 1));
    let mut d = 0u64;
    let mut s = n / 2;
    while s > 0 {
        let rx = (x & s != 0) as u64;
        let ry = (y & s != 0) as u64;
        d += s * s * ((3 * rx) ^ ry);
        x &= s - 1;
        y &= s - 1;
        if ry == 0 {
            if rx == 1 {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    base + d
}

/// The z/x/y of a tile id (the inverse of [`tile_id`]).
pub fn tile_zxy(id: u64) -> Option<(u8, u32, u32)> {
    let mut base = 0u64;
    for z in 0..=MAX_ZOOM {
        let count = 1u64 << (2 * z as u32);
        if id < base + count {
            let n = 1u64 << z;
            let mut t = id - base;
            let (mut x, mut y) = (0u64, 0u64);
            let mut s = 1u64;
            while s < n {
                let rx = 1 & (t / 2);
                let ry = 1 & (t ^ rx);
                if ry == 0 {
                    if rx == 1 {
                        x = s - 1 - x;
                        y = s - 1 - y;
                    }
                    std::mem::swap(&mut x, &mut y);
                }
                x += s * rx;
                y += s * ry;
                t /= 4;
                s *= 2;
            }
            return Some((z, x as u32, y as u32));
        }
        base += count;
    }
    None
}

/// One directory entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub tile_id: u64,
    /// Offset in the tile data section (tiles) or leaf section (leaves).
    pub offset: u64,
    pub length: u32,
    /// 0: a leaf directory; n: n consecutive tile ids share these bytes.
    pub run_length: u32,
}

fn varint(bytes: &[u8], pos: &mut usize) -> Result<u64, ArchiveError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let Some(&b) = bytes.get(*pos) else { return corrupt("directory truncated inside a varint") };
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    corrupt("directory holds a varint longer than 10 bytes")
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Decodes a (decompressed) directory.
pub fn decode_directory(bytes: &[u8]) -> Result<Vec<Entry>, ArchiveError> {
    let mut pos = 0;
    let n = varint(bytes, &mut pos)?;
    // Each entry takes at least one byte in each of the four columns.
    if n > (bytes.len() as u64) / 4 {
        return corrupt(format!("directory claims {n} entries in {} bytes", bytes.len()));
    }
    let n = n as usize;
    let mut entries = vec![Entry { tile_id: 0, offset: 0, length: 0, run_length: 0 }; n];
    let mut last = 0u64;
    for (i, e) in entries.iter_mut().enumerate() {
        let delta = varint(bytes, &mut pos)?;
        if i > 0 && delta == 0 {
            return corrupt("directory tile ids are not increasing");
        }
        last = last.checked_add(delta).ok_or(ArchiveError::Corrupt("directory tile id overflows".into()))?;
        e.tile_id = last;
    }
    for e in entries.iter_mut() {
        e.run_length = u32::try_from(varint(bytes, &mut pos)?).map_err(|_| ArchiveError::Corrupt("run length too large".into()))?;
    }
    for e in entries.iter_mut() {
        e.length = u32::try_from(varint(bytes, &mut pos)?).map_err(|_| ArchiveError::Corrupt("entry length too large".into()))?;
    }
    for i in 0..n {
        let v = varint(bytes, &mut pos)?;
        entries[i].offset = if v == 0 {
            if i == 0 {
                return corrupt("the first directory entry has no offset");
            }
            let prev = entries[i - 1];
            prev.offset.checked_add(u64::from(prev.length)).ok_or(ArchiveError::Corrupt("entry offset overflows".into()))?
        } else {
            v - 1
        };
    }
    Ok(entries)
}

/// Encodes a directory (writers).
pub fn encode_directory(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint(&mut out, entries.len() as u64);
    let mut last = 0;
    for e in entries {
        put_varint(&mut out, e.tile_id - last);
        last = e.tile_id;
    }
    for e in entries {
        put_varint(&mut out, e.run_length.into());
    }
    for e in entries {
        put_varint(&mut out, e.length.into());
    }
    for (i, e) in entries.iter().enumerate() {
        if i > 0 && e.offset == entries[i - 1].offset + u64::from(entries[i - 1].length) {
            put_varint(&mut out, 0);
        } else {
            put_varint(&mut out, e.offset + 1);
        }
    }
    out
}

/// The entry for `id`: the tile entry covering it, or the leaf that may.
fn find(entries: &[Entry], id: u64) -> Option<Entry> {
    let i = entries.partition_point(|e| e.tile_id <= id);
    let e = *entries.get(i.checked_sub(1)?)?;
    if e.run_length == 0 || id - e.tile_id < u64::from(e.run_length) {
        Some(e)
    } else {
        None
    }
}

/// An open PMTiles archive.
pub struct PmTiles {
    source: Box<dyn ByteSource>,
    header: Header,
    root: Vec<Entry>,
    metadata: Metadata,
    /// The metadata JSON's length (what [`Metadata`] keeps is at most that).
    metadata_bytes: usize,
    leaves: Mutex<LeafCache>,
}

/// Decoded leaf directories by (offset, length), bounded by bytes.
#[derive(Default)]
struct LeafCache {
    map: HashMap<(u64, u32), (Arc<Vec<Entry>>, u64)>,
    bytes: usize,
    clock: u64,
}

impl LeafCache {
    fn get(&mut self, key: (u64, u32)) -> Option<Arc<Vec<Entry>>> {
        self.clock += 1;
        let clock = self.clock;
        self.map.get_mut(&key).map(|(d, used)| {
            *used = clock;
            d.clone()
        })
    }

    fn insert(&mut self, key: (u64, u32), dir: Arc<Vec<Entry>>) {
        let size = |d: &Vec<Entry>| d.len() * std::mem::size_of::<Entry>() + 64;
        let add = size(&dir);
        while self.bytes + add > LEAF_CACHE_BYTES && !self.map.is_empty() {
            let oldest = self.map.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| *k).expect("not empty");
            if let Some((d, _)) = self.map.remove(&oldest) {
                self.bytes -= size(&d);
            }
        }
        self.clock += 1;
        if let Some((old, _)) = self.map.insert(key, (dir, self.clock)) {
            self.bytes -= size(&old);
        }
        self.bytes += add;
    }
}

fn section_check(name: &str, offset: u64, length: u64, file_len: u64) -> Result<(), ArchiveError> {
    match offset.checked_add(length) {
        Some(end) if end <= file_len => Ok(()),
        _ => corrupt(format!(
            "the {name} (offset {offset}, {length} bytes) is past the end of the file ({file_len} bytes)"
        )),
    }
}

impl PmTiles {
    /// Opens an archive: reads and checks the header, the root directory and
    /// the metadata. Compressions other than none and gzip, and tile types
    /// other than MVT, PNG, JPEG and WebP are `Unsupported`, by name.
    pub fn open(source: Box<dyn ByteSource>) -> Result<PmTiles, ArchiveError> {
        let file_len = source.len();
        let head = source.read(0, file_len.min(HEADER_LEN as u64))?;
        let header = Header::parse(&head)?;
        if !header.internal_compression.supported() {
            return Err(ArchiveError::Unsupported(format!(
                "PMTiles internal compression {} (this version reads none and gzip)",
                header.internal_compression.name()
            )));
        }
        if !header.tile_compression.supported() {
            return Err(ArchiveError::Unsupported(format!(
                "PMTiles tile compression {} (this version reads none and gzip)",
                header.tile_compression.name()
            )));
        }
        let format = match header.tile_type {
            1 => TileFormat::Mvt,
            2 => TileFormat::Png,
            3 => TileFormat::Jpeg,
            4 => TileFormat::Webp,
            5 => return Err(ArchiveError::Unsupported("PMTiles tile type avif".into())),
            0 => return Err(ArchiveError::Unsupported("PMTiles tile type unknown (0)".into())),
            n => return Err(ArchiveError::Unsupported(format!("PMTiles tile type {n}"))),
        };
        section_check("root directory", header.root_offset, header.root_length, file_len)?;
        section_check("metadata", header.metadata_offset, header.metadata_length, file_len)?;
        section_check("leaf directory section", header.leaf_offset, header.leaf_length, file_len)?;
        section_check("tile data section", header.data_offset, header.data_length, file_len)?;
        if header.min_zoom > header.max_zoom || header.max_zoom > MAX_ZOOM {
            return corrupt(format!("PMTiles zoom range {}..{} is invalid", header.min_zoom, header.max_zoom));
        }
        let root = Self::directory(&*source, &header, header.root_offset, header.root_length, "root directory")?;
        let meta_bytes = source.read(header.metadata_offset, header.metadata_length)?;
        let meta_bytes = Self::inflate(&header, meta_bytes, "metadata")?;
        let json: serde_json::Value = if meta_bytes.iter().all(|b| b.is_ascii_whitespace()) {
            serde_json::Value::Object(Default::default())
        } else {
            // Its text is at most MAX_INFLATED bytes; parsed, it is held to the
            // bound of a JSON document under that resource limit.
            crate::data::json::parse(&meta_bytes, crate::data::json::max_parsed_bytes(super::MAX_INFLATED as u64)).map_err(|e| match e {
                JsonError::TooBig { .. } => ArchiveError::Corrupt(format!("PMTiles metadata: {e}")),
                JsonError::Json(e) => ArchiveError::Corrupt(format!("PMTiles metadata is not valid JSON: {e}")),
            })?
        };
        let e7 = |v: i32| f64::from(v) / 1e7;
        let b = header.bounds_e7;
        let str_field = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let metadata = Metadata {
            format,
            minzoom: header.min_zoom,
            maxzoom: header.max_zoom,
            bounds: Metadata::checked_bounds([e7(b[0]), e7(b[1]), e7(b[2]), e7(b[3])]),
            attribution: str_field("attribution"),
            name: str_field("name"),
            vector_layers: json.get("vector_layers").filter(|v| v.is_array()).cloned(),
        };
        let metadata_bytes = meta_bytes.len();
        Ok(PmTiles { source, header, root, metadata, metadata_bytes, leaves: Mutex::new(LeafCache::default()) })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    fn inflate(header: &Header, bytes: Vec<u8>, what: &str) -> Result<Vec<u8>, ArchiveError> {
        let gz = bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
        match header.internal_compression {
            Compression::Gzip => gunzip(&bytes, what),
            Compression::Unknown if gz => gunzip(&bytes, what),
            _ => Ok(bytes),
        }
    }

    fn directory(
        source: &dyn ByteSource,
        header: &Header,
        offset: u64,
        length: u64,
        what: &str,
    ) -> Result<Vec<Entry>, ArchiveError> {
        if length > super::MAX_INFLATED as u64 {
            return corrupt(format!("the {what} is {length} bytes long"));
        }
        let bytes = source.read(offset, length)?;
        let bytes = Self::inflate(header, bytes, what)?;
        decode_directory(&bytes).map_err(|e| match e {
            ArchiveError::Corrupt(m) => ArchiveError::Corrupt(format!("{what}: {m}")),
            other => other,
        })
    }

    fn leaf(&self, entry: Entry) -> Result<Arc<Vec<Entry>>, ArchiveError> {
        let key = (entry.offset, entry.length);
        if let Some(d) = self.leaves.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
            return Ok(d);
        }
        let h = &self.header;
        match entry.offset.checked_add(entry.length.into()) {
            Some(end) if end <= h.leaf_length => {}
            _ => {
                return corrupt(format!(
                    "a leaf directory (offset {}, {} bytes) is past the end of the leaf section ({} bytes)",
                    entry.offset, entry.length, h.leaf_length
                ))
            }
        }
        let dir = Arc::new(Self::directory(
            &*self.source,
            h,
            h.leaf_offset + entry.offset,
            entry.length.into(),
            "leaf directory",
        )?);
        self.leaves.lock().unwrap_or_else(|e| e.into_inner()).insert(key, dir.clone());
        Ok(dir)
    }

    /// The tile entry for z/x/y, walking leaves (bounded, no leaf twice).
    fn locate(&self, z: u8, x: u32, y: u32) -> Result<Option<Entry>, ArchiveError> {
        let id = tile_id(z, x, y);
        let mut found = find(&self.root, id);
        let mut visited: Vec<(u64, u32)> = Vec::new();
        while let Some(e) = found {
            if e.run_length > 0 {
                return Ok(Some(e));
            }
            if visited.contains(&(e.offset, e.length)) {
                return corrupt(format!(
                    "a leaf directory cycle (the leaf at offset {} points back to a leaf already visited)",
                    e.offset
                ));
            }
            if visited.len() >= MAX_LEAF_DEPTH {
                return corrupt(format!("leaf directories nest deeper than {MAX_LEAF_DEPTH} levels"));
            }
            visited.push((e.offset, e.length));
            let leaf = self.leaf(e)?;
            found = find(&leaf, id);
        }
        Ok(None)
    }
}

impl Archive for PmTiles {
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    fn held_bytes(&self) -> usize {
        let leaves = self.leaves.lock().unwrap_or_else(|e| e.into_inner()).bytes;
        self.root.len() * std::mem::size_of::<Entry>() + leaves + self.metadata_bytes + std::mem::size_of::<Self>()
    }

    fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, ArchiveError> {
        if z > MAX_ZOOM || u64::from(x) >= 1u64 << z || u64::from(y) >= 1u64 << z {
            return Ok(None);
        }
        let Some(e) = self.locate(z, x, y)? else { return Ok(None) };
        let h = &self.header;
        match e.offset.checked_add(e.length.into()) {
            Some(end) if end <= h.data_length => {}
            _ => {
                return corrupt(format!(
                    "tile {z}/{x}/{y} (offset {}, {} bytes) is past the end of the tile data ({} bytes)",
                    e.offset, e.length, h.data_length
                ))
            }
        }
        let bytes = self.source.read_for(h.data_offset + e.offset, e.length.into(), ReadPurpose::Tile(z, x, y))?;
        // Vector tiles stay as stored (the MVT decoder gunzips with its own
        // cap); images are handed over decoded.
        let gz = bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
        if self.metadata.format.is_raster() && gz && h.tile_compression != Compression::None {
            return gunzip(&bytes, &format!("tile {z}/{x}/{y}")).map(Some);
        }
        Ok(Some(bytes))
    }
}

/// How [`write`] lays an archive out.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    pub format: TileFormat,
    /// gzip directories and metadata.
    pub gzip_internal: bool,
    /// The tiles are gzip'd already (header says tile compression gzip).
    pub tiles_gzipped: bool,
    /// Put at most this many entries in each leaf directory (and only leaf
    /// pointers in the root); `None`: everything in the root.
    pub leaf_size: Option<usize>,
    /// The metadata JSON.
    pub metadata: serde_json::Value,
    pub bounds: [f64; 4],
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions {
            format: TileFormat::Mvt,
            gzip_internal: true,
            tiles_gzipped: false,
            leaf_size: None,
            metadata: serde_json::json!({}),
            bounds: [-180.0, -85.0511287, 180.0, 85.0511287],
        }
    }
}

/// Builds a PMTiles v3 archive from `tiles` (tests and tools).
pub fn write(tiles: &[TileEntry], options: &WriteOptions) -> Vec<u8> {
    let mut sorted: Vec<(u64, &TileEntry)> = tiles.iter().map(|t| (tile_id(t.0, t.1, t.2), t)).collect();
    sorted.sort_by_key(|(id, _)| *id);
    let mut data = Vec::new();
    let mut entries = Vec::new();
    for (id, t) in &sorted {
        entries.push(Entry { tile_id: *id, offset: data.len() as u64, length: t.3.len() as u32, run_length: 1 });
        data.extend_from_slice(&t.3);
    }
    let compress = |b: Vec<u8>| if options.gzip_internal { gzip(&b) } else { b };
    let (root, leaves) = match options.leaf_size {
        None => (compress(encode_directory(&entries)), Vec::new()),
        Some(size) => {
            let mut leaves = Vec::new();
            let mut pointers = Vec::new();
            for chunk in entries.chunks(size.max(1)) {
                let leaf = compress(encode_directory(chunk));
                pointers.push(Entry {
                    tile_id: chunk[0].tile_id,
                    offset: leaves.len() as u64,
                    length: leaf.len() as u32,
                    run_length: 0,
                });
                leaves.extend_from_slice(&leaf);
            }
            (compress(encode_directory(&pointers)), leaves)
        }
    };
    let metadata = compress(options.metadata.to_string().into_bytes());
    let zooms = || sorted.iter().map(|(_, t)| t.0);
    let e7 = |v: f64| (v * 1e7).round() as i32;
    let b = options.bounds;
    let root_offset = HEADER_LEN as u64;
    let metadata_offset = root_offset + root.len() as u64;
    let leaf_offset = metadata_offset + metadata.len() as u64;
    let data_offset = leaf_offset + leaves.len() as u64;
    let header = Header {
        root_offset,
        root_length: root.len() as u64,
        metadata_offset,
        metadata_length: metadata.len() as u64,
        leaf_offset,
        leaf_length: leaves.len() as u64,
        data_offset,
        data_length: data.len() as u64,
        addressed_tiles: entries.len() as u64,
        tile_entries: entries.len() as u64,
        tile_contents: entries.len() as u64,
        clustered: true,
        internal_compression: if options.gzip_internal { Compression::Gzip } else { Compression::None },
        tile_compression: if options.tiles_gzipped { Compression::Gzip } else { Compression::None },
        tile_type: match options.format {
            TileFormat::Mvt => 1,
            TileFormat::Png => 2,
            TileFormat::Jpeg => 3,
            TileFormat::Webp => 4,
        },
        min_zoom: zooms().min().unwrap_or(0),
        max_zoom: zooms().max().unwrap_or(0),
        bounds_e7: [e7(b[0]), e7(b[1]), e7(b[2]), e7(b[3])],
        center_zoom: zooms().min().unwrap_or(0),
        center_e7: [e7((b[0] + b[2]) / 2.0), e7((b[1] + b[3]) / 2.0)],
    };
    let mut out = header.encode();
    out.extend_from_slice(&root);
    out.extend_from_slice(&metadata);
    out.extend_from_slice(&leaves);
    out.extend_from_slice(&data);
    out
}

/// A well-formed archive (one MVT zoom-3 "tile") whose root points at a
/// leaf directory that points at itself (tests of hostile input).
#[doc(hidden)]
pub fn leaf_cycle_archive() -> Vec<u8> {
    // The leaf's length is its own length: the same number of bytes either way.
    let len = encode_directory(&[Entry { tile_id: 0, offset: 0, length: 0, run_length: 0 }]).len() as u32;
    let leaf = encode_directory(&[Entry { tile_id: 0, offset: 0, length: len, run_length: 0 }]);
    assert_eq!(leaf.len() as u32, len);
    let root = encode_directory(&[Entry { tile_id: 0, offset: 0, length: len, run_length: 0 }]);
    let one: Vec<TileEntry> = vec![(3, 0, 0, b"tile".to_vec())];
    let mut h = Header::parse(&write(&one, &WriteOptions { gzip_internal: false, ..Default::default() })).expect("valid");
    h.root_offset = HEADER_LEN as u64;
    h.root_length = root.len() as u64;
    h.metadata_offset = h.root_offset + h.root_length;
    h.metadata_length = 0;
    h.leaf_offset = h.metadata_offset;
    h.leaf_length = leaf.len() as u64;
    h.data_offset = h.leaf_offset + h.leaf_length;
    h.data_length = 0;
    let mut bytes = h.encode();
    bytes.extend_from_slice(&root);
    bytes.extend_from_slice(&leaf);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_ids_follow_the_hilbert_curve() {
        assert_eq!(tile_id(0, 0, 0), 0);
        assert_eq!(tile_id(1, 0, 0), 1);
        assert_eq!(tile_id(1, 0, 1), 2);
        assert_eq!(tile_id(1, 1, 1), 3);
        assert_eq!(tile_id(1, 1, 0), 4);
        assert_eq!(tile_id(2, 0, 0), 5);
        assert_eq!(tile_id(3, 7, 0), 84);
        // The first tile of a zoom follows the last of the zoom before.
        assert_eq!(tile_id(20, 0, 0), ((1u64 << 40) - 1) / 3);
        for z in 0..6u8 {
            for x in 0..(1u32 << z) {
                for y in 0..(1u32 << z) {
                    assert_eq!(tile_zxy(tile_id(z, x, y)), Some((z, x, y)));
                }
            }
        }
        assert_eq!(tile_zxy(tile_id(14, 8802, 5374)), Some((14, 8802, 5374)));
    }

    fn tiles(n: u32) -> Vec<TileEntry> {
        (0..n).map(|i| (3u8, i % 8, i / 8, format!("tile {i}").into_bytes())).collect()
    }

    fn open(bytes: Vec<u8>) -> Result<PmTiles, ArchiveError> {
        PmTiles::open(Box::new(bytes))
    }

    #[test]
    fn round_trip_root_and_leaves_gzip_or_not() {
        for (gzip_internal, leaf_size) in [(true, None), (false, None), (true, Some(5)), (false, Some(1))] {
            let t = tiles(64);
            let options = WriteOptions { gzip_internal, leaf_size, metadata: serde_json::json!({"name": "t"}), ..Default::default() };
            let a = open(write(&t, &options)).unwrap();
            for (z, x, y, bytes) in &t {
                assert_eq!(a.tile(*z, *x, *y).unwrap().as_ref(), Some(bytes), "{gzip_internal} {leaf_size:?}");
            }
            assert_eq!(a.tile(2, 0, 0).unwrap(), None);
            assert_eq!(a.tile(4, 0, 0).unwrap(), None);
            assert_eq!(a.metadata().name.as_deref(), Some("t"));
            assert_eq!((a.metadata().minzoom, a.metadata().maxzoom), (3, 3));
        }
    }

    #[test]
    fn run_lengths_cover_consecutive_ids() {
        let entries = [
            Entry { tile_id: 5, offset: 0, length: 3, run_length: 4 },
            Entry { tile_id: 20, offset: 3, length: 2, run_length: 1 },
        ];
        let enc = encode_directory(&entries);
        assert_eq!(decode_directory(&enc).unwrap(), entries);
        assert_eq!(find(&entries, 8).map(|e| e.tile_id), Some(5));
        assert_eq!(find(&entries, 9), None);
        assert_eq!(find(&entries, 4), None);
        assert_eq!(find(&entries, 20).map(|e| e.offset), Some(3));
    }

    #[test]
    fn corrupt_archives_are_errors_naming_the_cause() {
        let good = write(&tiles(16), &WriteOptions { leaf_size: Some(4), ..Default::default() });
        let err = |b: Vec<u8>| open(b).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(good[..60].to_vec()).contains("header truncated (60 of 127 bytes)"), "{}", err(good[..60].to_vec()));
        assert!(err(b"SQLite format 3\0".to_vec()).contains("not a PMTiles archive"));
        let mut v2 = good.clone();
        v2[7] = 2;
        assert!(err(v2).contains("PMTiles version 2 (this version reads version 3) (UNSUPPORTED)"));
        let mut past = good.clone();
        past[8..16].copy_from_slice(&(good.len() as u64 + 10).to_le_bytes());
        assert!(err(past).contains("root directory (offset"), "past the end");
        for (byte, name) in [(97usize, "internal compression brotli"), (98, "tile compression zstd")] {
            let mut c = good.clone();
            c[byte] = if byte == 97 { 3 } else { 4 };
            assert!(err(c).contains(&format!("PMTiles {name} (this version reads none and gzip) (UNSUPPORTED)")));
        }
        let mut dir = good.clone();
        let h = Header::parse(&dir).unwrap();
        dir[h.root_offset as usize..(h.root_offset + h.root_length) as usize].fill(0xff);
        assert!(err(dir).contains("root directory"));
    }

    #[cfg(unix)]
    #[test]
    fn local_reads_above_the_limit_are_refused_before_their_buffer() {
        use crate::source::archive::{FileSource, ReadLimit};
        use std::os::unix::fs::FileExt;
        // A sparse file of 3 GiB whose one tile claims all of it: the read
        // is refused by its length, nothing is allocated or read.
        let huge: u64 = 3 << 30;
        let root = encode_directory(&[Entry { tile_id: 0, offset: 0, length: huge as u32, run_length: 1 }]);
        let meta = b"{}";
        let base = write(&tiles(1), &WriteOptions { gzip_internal: false, ..Default::default() });
        let mut header = Header::parse(&base).unwrap();
        header.root_length = root.len() as u64;
        header.metadata_offset = header.root_offset + header.root_length;
        header.metadata_length = meta.len() as u64;
        header.leaf_offset = header.metadata_offset + header.metadata_length;
        header.leaf_length = 0;
        header.data_offset = header.leaf_offset;
        header.data_length = huge;
        header.min_zoom = 0;
        let mut bytes = header.encode();
        bytes.extend_from_slice(&root);
        bytes.extend_from_slice(meta);
        let d = crate::test_support::TempDir::new("pmtiles-sparse");
        let path = d.join("sparse.pmtiles");
        std::fs::write(&path, &bytes).unwrap();
        let file = std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap();
        file.set_len(header.data_offset + huge).unwrap();
        let limit = ReadLimit { bytes: 64 << 20, name: "a test limit" };
        let a = PmTiles::open(Box::new(FileSource::new(file, limit).unwrap())).unwrap();
        let e = a.tile(0, 0, 0).unwrap_err().to_string();
        assert!(e.contains(&format!("a read of {huge} bytes at offset")) && e.contains("more than 67108864 bytes (a test limit)"), "{e}");
        // Metadata claiming the whole file: refused the same way.
        header.metadata_length = huge;
        header.metadata_offset = header.data_offset;
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().write_all_at(&header.encode(), 0).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let e = PmTiles::open(Box::new(FileSource::new(file, limit).unwrap())).err().unwrap().to_string();
        assert!(e.contains("more than 67108864 bytes (a test limit)"), "{e}");
    }

    #[test]
    fn a_leaf_cycle_is_an_error_not_a_hang() {
        let bytes = leaf_cycle_archive();
        let a = open(bytes).unwrap();
        let e = a.tile(3, 0, 0).unwrap_err().to_string();
        assert!(e.contains("leaf directory cycle"), "{e}");
    }
}
