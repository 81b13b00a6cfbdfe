//! Tile archives: many tiles and their metadata in one file.
//!
//! * [`pmtiles`]: PMTiles v3 (a header, root and leaf directories of
//!   run-length entries keyed by Hilbert tile ids, tile data), read through a
//!   [`ByteSource`] (a local file, or ranges of a remote one: [`remote`]).
//! * [`mbtiles`] (cargo feature `mbtiles`): MBTiles 1.3, a SQLite database with
//!   `metadata` and `tiles` (TMS rows) tables.
//!
//! An [`Archive`] answers metadata (as TileJSON) and tiles by z/x/y (XYZ
//! rows). Archives are hostile input: every offset, length and count is
//! checked against the file before it is used, directory walks are bounded,
//! and failures name their cause ([`ArchiveError`]).
//!
//! The `write` functions of both formats build archives from tiles (tests and
//! tools: packing loose tiles).

#[cfg(feature = "mbtiles")]
pub mod mbtiles;
pub mod pmtiles;
pub mod remote;

use crate::source::url::TileBounds;

/// Why an archive could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArchiveError {
    /// The file is damaged or is not an archive of its kind (the cause).
    Corrupt(String),
    /// A valid archive using something this version does not read (named).
    Unsupported(String),
    /// Reading failed (the operating system's or provider's words).
    Io(String),
}

impl std::fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArchiveError::Corrupt(m) => write!(f, "corrupt archive: {m}"),
            ArchiveError::Unsupported(m) => write!(f, "{m} (UNSUPPORTED)"),
            ArchiveError::Io(m) => write!(f, "cannot read archive: {m}"),
        }
    }
}

impl std::error::Error for ArchiveError {}

pub(crate) fn corrupt<T>(m: impl Into<String>) -> Result<T, ArchiveError> {
    Err(ArchiveError::Corrupt(m.into()))
}

/// What an archive's tiles are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TileFormat {
    Mvt,
    Png,
    Jpeg,
    Webp,
}

impl TileFormat {
    /// The TileJSON/MBTiles name (`pbf`, `png`, `jpg`, `webp`).
    pub fn name(self) -> &'static str {
        match self {
            TileFormat::Mvt => "pbf",
            TileFormat::Png => "png",
            TileFormat::Jpeg => "jpg",
            TileFormat::Webp => "webp",
        }
    }

    pub fn is_raster(self) -> bool {
        !matches!(self, TileFormat::Mvt)
    }

    /// Parses an MBTiles `format` value.
    pub fn parse(s: &str) -> Option<TileFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pbf" | "mvt" => Some(TileFormat::Mvt),
            "png" => Some(TileFormat::Png),
            "jpg" | "jpeg" => Some(TileFormat::Jpeg),
            "webp" => Some(TileFormat::Webp),
            _ => None,
        }
    }
}

/// What a source needs to know about an archive (its TileJSON).
#[derive(Clone, Debug, PartialEq)]
pub struct Metadata {
    pub format: TileFormat,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// west, south, east, north (degrees), if the archive states valid ones.
    pub bounds: Option<[f64; 4]>,
    pub attribution: Option<String>,
    pub name: Option<String>,
    /// The `vector_layers` array, as the archive states it.
    pub vector_layers: Option<serde_json::Value>,
}

impl Metadata {
    /// Keeps `bounds` only if they are valid (else the whole world).
    pub(crate) fn checked_bounds(b: [f64; 4]) -> Option<[f64; 4]> {
        (b.iter().all(|v| v.is_finite()) && TileBounds::from_array(b).is_ok() && b[1] <= b[3]).then_some(b)
    }

    /// The TileJSON document for this archive, its tiles at `tile_template`
    /// (a URL with `{z}/{x}/{y}`, XYZ rows).
    pub fn tilejson(&self, tile_template: &str) -> String {
        let mut o = serde_json::Map::new();
        o.insert("tilejson".into(), "3.0.0".into());
        o.insert("tiles".into(), serde_json::json!([tile_template]));
        o.insert("scheme".into(), "xyz".into());
        o.insert("format".into(), self.format.name().into());
        o.insert("minzoom".into(), self.minzoom.into());
        o.insert("maxzoom".into(), self.maxzoom.into());
        if let Some(b) = self.bounds {
            o.insert("bounds".into(), serde_json::json!(b));
        }
        if let Some(a) = &self.attribution {
            o.insert("attribution".into(), a.clone().into());
        }
        if let Some(n) = &self.name {
            o.insert("name".into(), n.clone().into());
        }
        if let Some(v) = &self.vector_layers {
            o.insert("vector_layers".into(), v.clone());
        }
        serde_json::Value::Object(o).to_string()
    }
}

/// An open archive. Shared by the maps of a runtime and read on its workers.
pub trait Archive: Send + Sync {
    fn metadata(&self) -> &Metadata;
    /// The tile at z/x/y (XYZ rows): its bytes as stored (vector tiles may
    /// be gzip'd; the MVT decoder reads both), or `None` when the archive
    /// has no such tile.
    fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, ArchiveError>;
    /// About how many bytes of memory the open archive holds (directories,
    /// metadata, database connections): what its owner charges it.
    fn held_bytes(&self) -> usize;
}

/// What a read of an archive is for (a remote source tells its host, which
/// may cache directories but not tiles).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadPurpose {
    /// The header, a directory or the metadata.
    Directory,
    /// The data of tile z/x/y (XYZ rows).
    Tile(u8, u32, u32),
}

/// Random access to an archive's bytes.
pub trait ByteSource: Send + Sync {
    /// The total length, if known (`u64::MAX` when it is not).
    fn len(&self) -> u64;
    /// Exactly `len` bytes at `offset` (an error if the source is shorter).
    fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, ArchiveError>;
    /// [`ByteSource::read`], saying what for.
    fn read_for(&self, offset: u64, len: u64, purpose: ReadPurpose) -> Result<Vec<u8>, ArchiveError> {
        let _ = purpose;
        self.read(offset, len)
    }
}

/// A local file read with positioned reads (no shared cursor, so any number
/// of workers read at once). One read takes at most [`ReadLimit::bytes`],
/// refused before its buffer is allocated: an archive's directory entries
/// are hostile numbers, and a sparse file can be terabytes long.
pub struct FileSource {
    file: std::fs::File,
    len: u64,
    limit: ReadLimit,
}

/// The most bytes one read of a local archive may take (a tile, the
/// metadata, a directory), and the limit's name for the refusal.
#[derive(Clone, Copy, Debug)]
pub struct ReadLimit {
    pub bytes: u64,
    /// What it is, for a user who meets it (e.g. "the max_resource_bytes
    /// limit, a runtime option").
    pub name: &'static str,
}

impl ReadLimit {
    /// The limit for archives a host opens itself ([`open_file`]):
    /// [`MAX_INFLATED`] bytes.
    pub const HOST: ReadLimit = ReadLimit { bytes: MAX_INFLATED as u64, name: "the limit of archives the host opens" };

    /// Refuses a read of `len` bytes at `offset` above the limit.
    pub(crate) fn check(&self, offset: u64, len: u64) -> Result<(), ArchiveError> {
        if len > self.bytes {
            return Err(ArchiveError::Io(format!(
                "a read of {len} bytes at offset {offset} is more than {} bytes ({})",
                self.bytes, self.name
            )));
        }
        Ok(())
    }
}

impl FileSource {
    /// Wraps an open regular file; reads are held to `limit`.
    pub fn new(file: std::fs::File, limit: ReadLimit) -> Result<FileSource, ArchiveError> {
        let len = file.metadata().map_err(|e| ArchiveError::Io(e.to_string()))?.len();
        Ok(FileSource { file, len, limit })
    }
}

impl ByteSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, ArchiveError> {
        let end = offset.checked_add(len).filter(|e| *e <= self.len);
        if end.is_none() {
            return corrupt(format!(
                "a read of {len} bytes at offset {offset} is past the end of the file ({} bytes)",
                self.len
            ));
        }
        self.limit.check(offset, len)?;
        let mut buf = vec![0u8; len as usize];
        read_exact_at(&self.file, &mut buf, offset).map_err(|e| ArchiveError::Io(e.to_string()))?;
        Ok(buf)
    }
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &std::fs::File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Bytes in memory (tests, small archives).
impl ByteSource for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, ArchiveError> {
        let end = offset.checked_add(len).filter(|e| *e <= self.as_slice().len() as u64);
        match end {
            Some(end) => Ok(self[offset as usize..end as usize].to_vec()),
            None => corrupt(format!(
                "a read of {len} bytes at offset {offset} is past the end of the archive ({} bytes)",
                self.as_slice().len()
            )),
        }
    }
}

/// Most bytes one gunzip inside an archive (a directory, metadata, a raster
/// tile) may expand to.
pub const MAX_INFLATED: usize = 64 << 20;

/// Gunzips `bytes` (what: what they are, for the error) up to [`MAX_INFLATED`].
pub(crate) fn gunzip(bytes: &[u8], what: &str) -> Result<Vec<u8>, ArchiveError> {
    use std::io::Read;
    let mut out = Vec::new();
    match flate2::read::MultiGzDecoder::new(bytes).take(MAX_INFLATED as u64 + 1).read_to_end(&mut out) {
        Ok(_) if out.len() > MAX_INFLATED => corrupt(format!("{what} expands beyond {MAX_INFLATED} bytes")),
        Ok(_) => Ok(out),
        Err(e) => corrupt(format!("{what}: invalid gzip data: {e}")),
    }
}

/// Gzips `bytes` (writers).
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

/// A tile for the writers: z, x, y (XYZ rows) and its bytes as stored.
pub type TileEntry = (u8, u32, u32, Vec<u8>);

/// Opens a local archive file chosen by the host (not by a style: no
/// allowed-roots check here) as PMTiles or MBTiles, told apart by the
/// file's first bytes. Only regular files are opened (a FIFO or device
/// would block or never end). A tile or metadata above [`ReadLimit::HOST`]
/// is refused.
pub fn open_file(path: &std::path::Path) -> Result<std::sync::Arc<dyn Archive>, ArchiveError> {
    use std::io::Read;
    let io = |e: std::io::Error| ArchiveError::Io(format!("{}: {e}", path.display()));
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ArchiveError::Io(format!("{}: not a regular file", path.display())));
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 7];
    let n = file.read(&mut head).map_err(io)?;
    if &head[..n] == b"PMTiles" {
        let archive = pmtiles::PmTiles::open(Box::new(FileSource::new(file, ReadLimit::HOST)?))?;
        return Ok(std::sync::Arc::new(archive));
    }
    drop(file);
    open_mbtiles_file(path)
}

#[cfg(feature = "mbtiles")]
fn open_mbtiles_file(path: &std::path::Path) -> Result<std::sync::Arc<dyn Archive>, ArchiveError> {
    Ok(std::sync::Arc::new(mbtiles::MbTiles::open(path, ReadLimit::HOST)?))
}

#[cfg(not(feature = "mbtiles"))]
fn open_mbtiles_file(path: &std::path::Path) -> Result<std::sync::Arc<dyn Archive>, ArchiveError> {
    Err(ArchiveError::Unsupported(format!(
        "{}: not PMTiles, and MBTiles needs the library's `mbtiles` feature",
        path.display()
    )))
}

/// Writes tiles into an archive one at a time (tools rendering pyramids).
pub trait TileWriter: Send {
    /// Whether the archive holds z/x/y (XYZ rows) already.
    fn has_tile(&mut self, z: u8, x: u32, y: u32) -> Result<bool, ArchiveError>;
    /// Stores (or replaces) z/x/y.
    fn put_tile(&mut self, z: u8, x: u32, y: u32, bytes: &[u8]) -> Result<(), ArchiveError>;
    /// Sets one metadata value (replacing an earlier one).
    fn set_metadata(&mut self, name: &str, value: &str) -> Result<(), ArchiveError>;
    /// Makes everything written durable.
    fn finish(self: Box<Self>) -> Result<(), ArchiveError>;
}

/// Creates an MBTiles archive at `path`, or opens an existing one to add
/// to it (resuming).
#[cfg(feature = "mbtiles")]
pub fn mbtiles_writer(path: &std::path::Path) -> Result<Box<dyn TileWriter>, ArchiveError> {
    Ok(Box::new(mbtiles::Writer::open(path)?))
}

#[cfg(not(feature = "mbtiles"))]
pub fn mbtiles_writer(_path: &std::path::Path) -> Result<Box<dyn TileWriter>, ArchiveError> {
    Err(ArchiveError::Unsupported("writing MBTiles (this library was built without its `mbtiles` feature)".into()))
}
