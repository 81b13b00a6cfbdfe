//! MBTiles 1.3: tiles in a SQLite database (rusqlite, its bundled SQLite).
//!
//! `metadata(name, value)` holds the TileJSON fields (`format`, `minzoom`,
//! `maxzoom`, `bounds` as "w,s,e,n", `attribution`, `name`, and `json` with
//! `vector_layers`); `tiles(zoom_level, tile_column, tile_row, tile_data)`
//! holds the tiles with TMS rows (row 0 at the south), vector tiles usually
//! gzip'd. The database is opened read-only and immutable (no locks, no
//! journal), one connection per concurrent reader, and every statement runs
//! under a step budget, so a hostile database (a recursive view) cannot hang
//! a worker. Values are measured (`octet_length()`, their bytes, which
//! SQLite knows from the record header without reading them: `length()`
//! would read a text to count its characters) before they are read: a tile
//! or the metadata above the read limit is refused before SQLite or mapcore
//! holds its bytes.

use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{corrupt, Archive, ArchiveError, Metadata, ReadLimit, TileEntry, TileFormat};

/// What SQLite files start with.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Connections kept open per archive.
const POOL: usize = 8;
/// Progress-handler calls (each 1000 SQLite VM steps) one statement may take.
const STEP_BUDGET: u32 = 100_000;
/// The page cache of one connection, in KiB (SQLite's default is 2000).
const CACHE_KIB: i64 = 1024;
/// What one open connection is charged: its page cache, and as much again
/// for the schema, statements and SQLite's own state.
const CONNECTION_BYTES: usize = 2 * CACHE_KIB as usize * 1024;
/// Rows the metadata table may have.
const MAX_METADATA_ROWS: i64 = 10_000;

struct Conn {
    db: Connection,
    steps: Arc<AtomicU32>,
    /// The archive's count of open connections, less one when this closes.
    live: Arc<AtomicUsize>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::Relaxed);
    }
}

/// An open MBTiles archive.
pub struct MbTiles {
    uri: String,
    pool: Mutex<Vec<Conn>>,
    metadata: Metadata,
    /// The bytes of the metadata values kept.
    metadata_bytes: usize,
    limit: ReadLimit,
    /// Open connections (pooled or in use).
    live: Arc<AtomicUsize>,
}

fn sql_err(e: rusqlite::Error) -> ArchiveError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted => {
            ArchiveError::Corrupt(format!(
                "an MBTiles query ran past its budget of {} million SQLite steps (a hostile or broken database)",
                STEP_BUDGET / 1000
            ))
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) =>
        {
            ArchiveError::Corrupt(format!("SQLite: {e}"))
        }
        _ => ArchiveError::Io(format!("SQLite: {e}")),
    }
}

/// A `file:` URI for `path`, read-only and immutable.
fn uri_of(path: &Path) -> String {
    let mut uri = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri
}

fn connect(uri: &str, live: &Arc<AtomicUsize>) -> Result<Conn, ArchiveError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut db = Connection::open_with_flags(uri, flags).map_err(sql_err)?;
    db.pragma_update(None, "cache_size", -CACHE_KIB).map_err(sql_err)?;
    let steps = Arc::new(AtomicU32::new(0));
    let counter = steps.clone();
    let _ = db.progress_handler(1000, Some(move || counter.fetch_add(1, Ordering::Relaxed) >= STEP_BUDGET));
    live.fetch_add(1, Ordering::Relaxed);
    Ok(Conn { db, steps, live: live.clone() })
}

fn sniff(bytes: &[u8]) -> TileFormat {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        TileFormat::Png
    } else if bytes.starts_with(&[0xff, 0xd8]) {
        TileFormat::Jpeg
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        TileFormat::Webp
    } else {
        TileFormat::Mvt
    }
}

impl MbTiles {
    /// Opens `path` (a regular file the caller has checked) as MBTiles; no
    /// tile or metadata above `limit` is read.
    pub fn open(path: &Path, limit: ReadLimit) -> Result<MbTiles, ArchiveError> {
        // A clear answer for what is not SQLite at all, before SQLite sees it.
        let mut head = [0u8; 16];
        let n = {
            use std::io::Read;
            let mut f = std::fs::File::open(path).map_err(|e| ArchiveError::Io(e.to_string()))?;
            let mut n = 0;
            while n < head.len() {
                match f.read(&mut head[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) => return Err(ArchiveError::Io(e.to_string())),
                }
            }
            n
        };
        if n < head.len() || &head != SQLITE_MAGIC {
            return corrupt("not an MBTiles archive (not a SQLite database: no \"SQLite format 3\" header)");
        }
        let uri = uri_of(path);
        let live = Arc::new(AtomicUsize::new(0));
        let conn = connect(&uri, &live)?;
        let (metadata, metadata_bytes) = Self::read_metadata(&conn, limit)?;
        Ok(MbTiles { uri, pool: Mutex::new(vec![conn]), metadata, metadata_bytes, limit, live })
    }

    /// The metadata, and the bytes of the values it was read from.
    fn read_metadata(conn: &Conn, limit: ReadLimit) -> Result<(Metadata, usize), ArchiveError> {
        let db = &conn.db;
        conn.steps.store(0, Ordering::Relaxed);
        let has = |name: &str| -> Result<bool, ArchiveError> {
            db.query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = ?1 AND type IN ('table', 'view')",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(sql_err)
        };
        if !has("tiles")? {
            return corrupt("not an MBTiles archive: the SQLite database has no \"tiles\" table");
        }
        if !has("metadata")? {
            return corrupt("not an MBTiles archive: the SQLite database has no \"metadata\" table");
        }
        // Measured first.
        let (rows, bytes): (i64, f64) = db
            .query_row("SELECT count(*), total(octet_length(name)) + total(octet_length(value)) FROM metadata", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(sql_err)?;
        if rows > MAX_METADATA_ROWS {
            return corrupt(format!("the MBTiles metadata table has {rows} rows (at most {MAX_METADATA_ROWS} are read)"));
        }
        if bytes > limit.bytes as f64 {
            return Err(ArchiveError::Io(format!(
                "the MBTiles metadata table holds {bytes} bytes, more than the {} one read may take ({})",
                limit.bytes, limit.name
            )));
        }
        let mut values = std::collections::HashMap::new();
        {
            let mut stmt = db.prepare("SELECT name, value FROM metadata").map_err(sql_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<String>>(1)?)))
                .map_err(sql_err)?;
            for row in rows {
                if let (Some(k), Some(v)) = row.map_err(sql_err)? {
                    values.insert(k, v);
                }
            }
        }
        let format = match values.get("format") {
            Some(f) => TileFormat::parse(f).ok_or_else(|| {
                ArchiveError::Unsupported(format!("MBTiles tile format \"{f}\" (this version reads pbf, png, jpg, webp)"))
            })?,
            None => {
                conn.steps.store(0, Ordering::Relaxed);
                // Its first bytes only (its length is known without
                // reading it; `substr` would read it whole).
                let first: Option<Vec<u8>> = db
                    .query_row(
                        "SELECT CASE WHEN octet_length(tile_data) <= ?1 THEN substr(CAST(tile_data AS BLOB), 1, 16) END FROM tiles LIMIT 1",
                        [limit.bytes as i64],
                        |r| r.get::<_, Option<Vec<u8>>>(0),
                    )
                    .optional()
                    .map_err(sql_err)?
                    .flatten();
                first.as_deref().map(sniff).unwrap_or(TileFormat::Mvt)
            }
        };
        let zoom = |k: &str| values.get(k).and_then(|v| v.trim().parse::<f64>().ok()).filter(|z| (0.0..=30.0).contains(z));
        let (minzoom, maxzoom) = match (zoom("minzoom"), zoom("maxzoom")) {
            (Some(a), Some(b)) => (a as u8, b as u8),
            _ => {
                conn.steps.store(0, Ordering::Relaxed);
                let (a, b): (Option<i64>, Option<i64>) = db
                    .query_row("SELECT min(zoom_level), max(zoom_level) FROM tiles", [], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(sql_err)?;
                (a.unwrap_or(0).clamp(0, 30) as u8, b.unwrap_or(0).clamp(0, 30) as u8)
            }
        };
        if minzoom > maxzoom {
            return corrupt(format!("MBTiles minzoom {minzoom} is greater than maxzoom {maxzoom}"));
        }
        let bounds = values.get("bounds").and_then(|b| {
            let v: Vec<f64> = b.split(',').filter_map(|s| s.trim().parse().ok()).collect();
            <[f64; 4]>::try_from(v).ok().and_then(Metadata::checked_bounds)
        });
        let vector_layers = values
            .get("json")
            .and_then(|j| crate::data::json::parse(j.as_bytes(), crate::data::json::max_parsed_bytes(limit.bytes)).ok())
            .and_then(|j| j.get("vector_layers").filter(|v| v.is_array()).cloned());
        let bytes = values.iter().map(|(k, v)| k.len() + v.len()).sum();
        let metadata = Metadata {
            format,
            minzoom,
            maxzoom,
            bounds,
            attribution: values.get("attribution").cloned(),
            name: values.get("name").cloned(),
            vector_layers,
        };
        Ok((metadata, bytes))
    }

    fn with_conn<T>(&self, f: impl FnOnce(&Conn) -> Result<T, ArchiveError>) -> Result<T, ArchiveError> {
        let taken = self.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match taken {
            Some(c) => c,
            None => connect(&self.uri, &self.live)?,
        };
        conn.steps.store(0, Ordering::Relaxed);
        let result = f(&conn);
        let mut pool = self.pool.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < POOL {
            pool.push(conn);
        }
        result
    }
}

impl Archive for MbTiles {
    fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    fn held_bytes(&self) -> usize {
        self.live.load(Ordering::Relaxed) * CONNECTION_BYTES + self.metadata_bytes + std::mem::size_of::<Self>()
    }

    fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, ArchiveError> {
        if z > 30 || u64::from(x) >= 1u64 << z || u64::from(y) >= 1u64 << z {
            return Ok(None);
        }
        let row = (1i64 << z) - 1 - i64::from(y);
        let max = self.limit.bytes;
        let found = self.with_conn(|c| {
            // The byte length first: a tile above the limit is not read at all.
            let mut stmt = c
                .db
                .prepare_cached(
                    "SELECT octet_length(tile_data), CASE WHEN octet_length(tile_data) <= ?4 THEN tile_data END \
                     FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                )
                .map_err(sql_err)?;
            stmt.query_row((i64::from(z), i64::from(x), row, max.min(i64::MAX as u64) as i64), |r| {
                Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
            })
            .optional()
            .map_err(sql_err)
        })?;
        match found {
            Some((Some(len), None)) if len as u64 > max => Err(ArchiveError::Io(format!(
                "tile {z}/{x}/{y} is {len} bytes, more than {max} ({})",
                self.limit.name
            ))),
            Some((_, data)) => Ok(data),
            None => Ok(None),
        }
    }
}

/// Writes an MBTiles archive at `path` (tests and tools): `tiles` (XYZ rows,
/// stored as given) and `metadata` rows.
pub fn write(path: &Path, tiles: &[TileEntry], metadata: &[(&str, String)]) -> Result<(), ArchiveError> {
    let _ = std::fs::remove_file(path);
    let db = Connection::open(path).map_err(sql_err)?;
    db.execute_batch(
        "CREATE TABLE metadata (name TEXT, value TEXT);
         CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
         CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
    )
    .map_err(sql_err)?;
    for (k, v) in metadata {
        db.execute("INSERT INTO metadata (name, value) VALUES (?1, ?2)", (k, v)).map_err(sql_err)?;
    }
    for (z, x, y, bytes) in tiles {
        let row = (1i64 << z) - 1 - i64::from(*y);
        db.execute("INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)", (i64::from(*z), i64::from(*x), row, bytes))
            .map_err(sql_err)?;
    }
    Ok(())
}

/// Tiles written per transaction: what a crash can lose, and what makes
/// inserts fast.
const WRITE_BATCH: usize = 500;

/// An MBTiles archive being written tile by tile; reopening one resumes it
/// (what it holds stays, [`TileWriter::has_tile`] says what is there).
pub struct Writer {
    db: Connection,
    pending: usize,
}

impl Writer {
    /// Creates `path` as MBTiles, or opens an existing MBTiles file there.
    pub fn open(path: &Path) -> Result<Writer, ArchiveError> {
        if let Ok(meta) = std::fs::metadata(path) {
            if !meta.is_file() {
                return Err(ArchiveError::Io(format!("{}: not a regular file", path.display())));
            }
            if meta.len() > 0 {
                // Refuse to write into something else (a clear error, not
                // new tables in someone's database).
                MbTiles::open(path, ReadLimit::HOST)?;
            }
        }
        let db = Connection::open(path).map_err(sql_err)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS metadata (name TEXT, value TEXT);
             CREATE UNIQUE INDEX IF NOT EXISTS metadata_index ON metadata (name);
             CREATE TABLE IF NOT EXISTS tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             CREATE UNIQUE INDEX IF NOT EXISTS tile_index ON tiles (zoom_level, tile_column, tile_row);
             BEGIN;",
        )
        .map_err(sql_err)?;
        Ok(Writer { db, pending: 0 })
    }

    fn tms_row(z: u8, x: u32, y: u32) -> Result<i64, ArchiveError> {
        if z > 30 || u64::from(x) >= 1u64 << z || u64::from(y) >= 1u64 << z {
            return Err(ArchiveError::Io(format!("no tile {z}/{x}/{y}: x and y must be below 2^z, z at most 30")));
        }
        Ok((1i64 << z) - 1 - i64::from(y))
    }
}

impl super::TileWriter for Writer {
    fn has_tile(&mut self, z: u8, x: u32, y: u32) -> Result<bool, ArchiveError> {
        let row = Self::tms_row(z, x, y)?;
        let mut stmt = self
            .db
            .prepare_cached("SELECT 1 FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3")
            .map_err(sql_err)?;
        stmt.exists((i64::from(z), i64::from(x), row)).map_err(sql_err)
    }

    fn put_tile(&mut self, z: u8, x: u32, y: u32, bytes: &[u8]) -> Result<(), ArchiveError> {
        let row = Self::tms_row(z, x, y)?;
        self.db
            .prepare_cached("INSERT OR REPLACE INTO tiles VALUES (?1, ?2, ?3, ?4)")
            .and_then(|mut s| s.execute((i64::from(z), i64::from(x), row, bytes)))
            .map_err(sql_err)?;
        self.pending += 1;
        if self.pending >= WRITE_BATCH {
            self.db.execute_batch("COMMIT; BEGIN;").map_err(sql_err)?;
            self.pending = 0;
        }
        Ok(())
    }

    fn set_metadata(&mut self, name: &str, value: &str) -> Result<(), ArchiveError> {
        self.db.execute("INSERT OR REPLACE INTO metadata (name, value) VALUES (?1, ?2)", (name, value)).map_err(sql_err)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<(), ArchiveError> {
        self.db.execute_batch("COMMIT;").map_err(sql_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempDir;

    fn dir(name: &str) -> TempDir {
        TempDir::new(&format!("mbtiles-{name}"))
    }

    #[test]
    fn round_trip_with_tms_rows_and_metadata() {
        let d = dir("rt");
        let path = d.join("a b%.mbtiles");
        let tiles: Vec<TileEntry> = vec![(1, 0, 0, b"north-west".to_vec()), (1, 1, 1, b"south-east".to_vec())];
        let json = r#"{"vector_layers":[{"id":"water","fields":{}}]}"#.to_string();
        write(&path, &tiles, &[("format", "pbf".into()), ("bounds", "-180,-85,180,85".into()), ("json", json)]).unwrap();
        let a = MbTiles::open(&path, ReadLimit::HOST).unwrap();
        assert_eq!(a.tile(1, 0, 0).unwrap().as_deref(), Some(&b"north-west"[..]));
        assert_eq!(a.tile(1, 1, 1).unwrap().as_deref(), Some(&b"south-east"[..]));
        assert_eq!(a.tile(1, 0, 1).unwrap(), None);
        let m = a.metadata();
        assert_eq!((m.format, m.minzoom, m.maxzoom), (TileFormat::Mvt, 1, 1), "zooms from the tiles");
        assert_eq!(m.bounds, Some([-180.0, -85.0, 180.0, 85.0]));
        assert_eq!(m.vector_layers.as_ref().unwrap()[0]["id"], "water");
    }

    #[test]
    fn writer_resumes_and_replaces() {
        use crate::source::archive::TileWriter;
        let d = dir("writer");
        let path = d.join("w.mbtiles");
        let _ = std::fs::remove_file(&path);
        let mut w: Box<dyn TileWriter> = Box::new(Writer::open(&path).unwrap());
        w.put_tile(2, 1, 0, b"first").unwrap();
        w.set_metadata("format", "png").unwrap();
        w.set_metadata("format", "webp").unwrap();
        assert!(w.put_tile(2, 4, 0, b"x").unwrap_err().to_string().contains("below 2^z"));
        w.finish().unwrap();
        let mut w: Box<dyn TileWriter> = Box::new(Writer::open(&path).unwrap());
        assert!(w.has_tile(2, 1, 0).unwrap() && !w.has_tile(2, 1, 1).unwrap());
        w.put_tile(2, 1, 0, b"again").unwrap();
        w.finish().unwrap();
        let a = MbTiles::open(&path, ReadLimit::HOST).unwrap();
        assert_eq!(a.tile(2, 1, 0).unwrap().as_deref(), Some(&b"again"[..]));
        assert_eq!(a.metadata().format, TileFormat::Webp);
        let text = d.join("text.mbtiles");
        std::fs::write(&text, "hello").unwrap();
        assert!(Writer::open(&text).err().unwrap().to_string().contains("not a SQLite database"));
    }

    #[test]
    fn what_is_not_mbtiles_is_a_clear_error() {
        let d = dir("bad");
        let text = d.join("text.mbtiles");
        std::fs::write(&text, "hello").unwrap();
        assert!(MbTiles::open(&text, ReadLimit::HOST).err().unwrap().to_string().contains("not a SQLite database"));
        let other = d.join("other.mbtiles");
        let _ = std::fs::remove_file(&other);
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (a);").unwrap();
        let e = MbTiles::open(&other, ReadLimit::HOST).err().unwrap().to_string();
        assert!(e.contains("no \"tiles\" table"), "{e}");
        // A view that never ends: stopped by the step budget.
        let endless = d.join("endless.mbtiles");
        let _ = std::fs::remove_file(&endless);
        Connection::open(&endless)
            .unwrap()
            .execute_batch(
                "CREATE TABLE metadata (name TEXT, value TEXT);
                 INSERT INTO metadata VALUES ('format', 'pbf'), ('minzoom', '0'), ('maxzoom', '5');
                 CREATE VIEW tiles AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c)
                   SELECT 0 AS zoom_level, 0 AS tile_column, n AS tile_row, x'00' AS tile_data FROM c;",
            )
            .unwrap();
        let a = MbTiles::open(&endless, ReadLimit::HOST).unwrap();
        let start = std::time::Instant::now();
        let e = a.tile(0, 0, 0).unwrap_err().to_string();
        assert!(e.contains("budget"), "{e}");
        assert!(start.elapsed() < std::time::Duration::from_secs(30));
    }

    #[test]
    fn tiles_and_metadata_above_the_read_limit_are_refused_unread() {
        let d = dir("limit");
        let path = d.join("big.mbtiles");
        let tiles: Vec<TileEntry> = vec![(0, 0, 0, vec![7u8; 5000]), (1, 0, 0, vec![8u8; 1000])];
        write(&path, &tiles, &[("format", "png".into()), ("name", "n".repeat(500))]).unwrap();
        let limit = ReadLimit { bytes: 4000, name: "a test limit" };
        let a = MbTiles::open(&path, limit).unwrap();
        let e = a.tile(0, 0, 0).unwrap_err().to_string();
        assert!(e.contains("tile 0/0/0 is 5000 bytes, more than 4000 (a test limit)"), "{e}");
        assert_eq!(a.tile(1, 0, 0).unwrap().map(|t| t.len()), Some(1000), "a tile within the limit is read");
        // Metadata above 4,000 bytes (in 1,500 characters of 3 bytes each).
        let meta = d.join("meta.mbtiles");
        write(&meta, &tiles, &[("format", "png".into()), ("json", "\u{20ac}".repeat(1500))]).unwrap();
        let e = MbTiles::open(&meta, limit).err().unwrap().to_string();
        assert!(e.contains("metadata table holds") && e.contains("a test limit"), "{e}");
        // No format: the first tile's kind is sniffed from its first bytes,
        // even when the tile is above the limit (then it is taken as MVT).
        let sniffed = d.join("sniff.mbtiles");
        write(&sniffed, &[(0, 0, 0, [&[0x89, b'P', b'N', b'G'][..], &[0; 100]].concat())], &[]).unwrap();
        assert_eq!(MbTiles::open(&sniffed, limit).unwrap().metadata().format, TileFormat::Png);
        let tiny = ReadLimit { bytes: 50, name: "a tiny limit" };
        assert_eq!(MbTiles::open(&sniffed, tiny).unwrap().metadata().format, TileFormat::Mvt);
    }
}
