//! A remote archive read in byte ranges ([`RemoteSource`]), as PMTiles
//! clients read one over HTTP: the first [`FIRST_RANGE`] bytes (the header,
//! and in a well-made archive the root directory and metadata) in one read,
//! kept; everything else (leaf directories, tiles) in ranges of exactly the
//! bytes needed.
//!
//! Who fetches the ranges is a [`RangeFetch`] (the runtime: through the
//! host's resource provider). The answer to a range rule:
//!
//! * exactly the requested bytes;
//! * fewer only when the archive ends inside the range (the bytes up to its
//!   end): accepted for the first range (the archive is that long), a
//!   "past the end of the archive" error anywhere else (a PMTiles reader
//!   only reads sections the header says exist);
//! * more is refused (a fetcher's error; checked again here).

use super::{corrupt, ArchiveError, ByteSource, ReadPurpose};

/// The first range read: the header and (for archives written to the
/// specification's advice) the root directory.
pub const FIRST_RANGE: u64 = 16384;

/// Fetches byte ranges of one remote archive. Called on worker threads; may
/// block the calling thread until the range arrives (never the runtime's
/// owner thread).
pub trait RangeFetch: Send + Sync {
    /// The `len` bytes at `offset` (fewer only if the archive ends before
    /// `offset + len`), for `purpose`.
    fn fetch(&self, offset: u64, len: u64, purpose: ReadPurpose) -> Result<Vec<u8>, ArchiveError>;
}

/// Ranges of a remote archive (see the module docs).
pub struct RemoteSource {
    fetch: Box<dyn RangeFetch>,
    /// The first range's bytes.
    first: Vec<u8>,
    /// The archive's length when the first range showed it (it was shorter
    /// than [`FIRST_RANGE`]); `u64::MAX` (unknown) otherwise.
    len: u64,
}

impl RemoteSource {
    /// Reads the first range.
    pub fn open(fetch: Box<dyn RangeFetch>) -> Result<RemoteSource, ArchiveError> {
        let first = fetch.fetch(0, FIRST_RANGE, ReadPurpose::Directory)?;
        if first.len() as u64 > FIRST_RANGE {
            return Err(longer(0, FIRST_RANGE, first.len()));
        }
        let len = if (first.len() as u64) < FIRST_RANGE { first.len() as u64 } else { u64::MAX };
        Ok(RemoteSource { fetch, first, len })
    }
}

fn longer(offset: u64, len: u64, got: usize) -> ArchiveError {
    ArchiveError::Io(format!(
        "a range answer of {got} bytes for the {len} bytes at offset {offset}: \
         a range must be answered with exactly its bytes"
    ))
}

impl ByteSource for RemoteSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, ArchiveError> {
        self.read_for(offset, len, ReadPurpose::Directory)
    }

    fn read_for(&self, offset: u64, len: u64, purpose: ReadPurpose) -> Result<Vec<u8>, ArchiveError> {
        let Some(end) = offset.checked_add(len).filter(|e| *e <= self.len) else {
            return corrupt(format!(
                "a read of {len} bytes at offset {offset} is past the end of the archive ({} bytes)",
                self.len
            ));
        };
        if end <= self.first.len() as u64 {
            return Ok(self.first[offset as usize..end as usize].to_vec());
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        let bytes = self.fetch.fetch(offset, len, purpose)?;
        if bytes.len() as u64 > len {
            return Err(longer(offset, len, bytes.len()));
        }
        if (bytes.len() as u64) < len {
            return corrupt(format!(
                "a read of {len} bytes at offset {offset} is past the end of the archive \
                 (the range answer holds {} bytes: the archive ends at byte {})",
                bytes.len(),
                offset + bytes.len() as u64
            ));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::super::pmtiles::{write, PmTiles, WriteOptions};
    use super::super::{Archive, TileEntry};
    use super::*;
    use std::sync::{Arc, Mutex};

    /// An in-memory "server": answers ranges of `bytes` the way `mode` says,
    /// and records what was asked.
    struct Fake {
        bytes: Vec<u8>,
        mode: Mode,
        log: Arc<Mutex<Vec<(u64, u64, ReadPurpose)>>>,
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        Ranges,
        /// Ignores the range: the whole archive.
        Whole,
        /// Fails every range but the first.
        FailAfterFirst,
    }

    impl RangeFetch for Fake {
        fn fetch(&self, offset: u64, len: u64, purpose: ReadPurpose) -> Result<Vec<u8>, ArchiveError> {
            let mut log = self.log.lock().unwrap();
            log.push((offset, len, purpose));
            match self.mode {
                Mode::Whole => Ok(self.bytes.clone()),
                Mode::FailAfterFirst if log.len() > 1 => Err(ArchiveError::Io("HTTP 416 Range Not Satisfiable".into())),
                _ => {
                    let n = self.bytes.len() as u64;
                    if offset >= n {
                        return Err(ArchiveError::Io("HTTP 416 Range Not Satisfiable".into()));
                    }
                    Ok(self.bytes[offset as usize..(offset + len).min(n) as usize].to_vec())
                }
            }
        }
    }

    type Log = Arc<Mutex<Vec<(u64, u64, ReadPurpose)>>>;

    fn remote(bytes: Vec<u8>, mode: Mode) -> (Result<PmTiles, ArchiveError>, Log) {
        let log: Log = Default::default();
        let fake = Fake { bytes, mode, log: log.clone() };
        (RemoteSource::open(Box::new(fake)).and_then(|s| PmTiles::open(Box::new(s))), log)
    }

    /// Tiles big enough that the archive is longer than the first range.
    fn tiles() -> Vec<TileEntry> {
        (0..64u32).map(|i| (3u8, i % 8, i / 8, vec![i as u8; 1000 + i as usize])).collect()
    }

    #[test]
    fn tiles_and_leaves_are_read_as_ranges_after_the_first() {
        let t = tiles();
        let bytes = write(&t, &WriteOptions { leaf_size: Some(8), ..Default::default() });
        assert!(bytes.len() as u64 > FIRST_RANGE);
        let (a, log) = remote(bytes.clone(), Mode::Ranges);
        let a = a.unwrap();
        // Opening read the first range only (header, root, metadata are in it).
        assert_eq!(*log.lock().unwrap(), vec![(0, FIRST_RANGE, ReadPurpose::Directory)]);
        let local = PmTiles::open(Box::new(bytes)).unwrap();
        for (z, x, y, data) in &t {
            assert_eq!(a.tile(*z, *x, *y).unwrap().as_ref(), Some(data));
            assert_eq!(a.tile(*z, *x, *y).unwrap(), local.tile(*z, *x, *y).unwrap());
        }
        assert_eq!(a.tile(4, 0, 0).unwrap(), None);
        let log = log.lock().unwrap();
        // Each tile outside the first range is one range of exactly its bytes.
        let tile_reads: Vec<_> = log.iter().filter(|r| matches!(r.2, ReadPurpose::Tile(..))).collect();
        assert!(!tile_reads.is_empty());
        for (_, len, p) in &tile_reads {
            let ReadPurpose::Tile(z, x, y) = *p else { unreachable!() };
            let data = &t.iter().find(|e| (e.0, e.1, e.2) == (z, x, y)).unwrap().3;
            assert_eq!(*len, data.len() as u64);
        }
        // Leaves outside the first range are read once each (cached), not per tile.
        let leaf_reads = log.iter().skip(1).filter(|r| r.2 == ReadPurpose::Directory).count();
        assert!(leaf_reads <= 8, "{leaf_reads} leaf reads for 8 leaves");
    }

    #[test]
    fn a_small_archive_is_read_in_one_range() {
        let t: Vec<TileEntry> = (0..4u32).map(|i| (1u8, i % 2, i / 2, vec![i as u8; 10])).collect();
        let bytes = write(&t, &WriteOptions::default());
        let (a, log) = remote(bytes, Mode::Ranges);
        let a = a.unwrap();
        for (z, x, y, data) in &t {
            assert_eq!(a.tile(*z, *x, *y).unwrap().as_ref(), Some(data));
        }
        assert_eq!(log.lock().unwrap().len(), 1);
    }

    #[test]
    fn bad_answers_are_clear_errors() {
        let t = tiles();
        let bytes = write(&t, &WriteOptions::default());
        // A truncated archive: the first range ends inside the header.
        let (a, _) = remote(bytes[..60].to_vec(), Mode::Ranges);
        let e = a.err().unwrap().to_string();
        assert!(e.contains("header truncated (60 of 127 bytes)"), "{e}");
        // An answer ignoring the range (the whole archive): refused.
        let (a, _) = remote(bytes.clone(), Mode::Whole);
        let e = a.err().unwrap().to_string();
        assert!(e.contains(&format!("range answer of {} bytes for the {FIRST_RANGE} bytes at offset 0", bytes.len())), "{e}");
        // A failing range (416): the fetcher's words.
        let (a, _) = remote(bytes.clone(), Mode::FailAfterFirst);
        let e = a.unwrap().tile(3, 7, 7).unwrap_err().to_string();
        assert!(e.contains("416"), "{e}");
        // Tile data past the real end (the archive was cut after the first range).
        let (a, _) = remote(bytes[..FIRST_RANGE as usize + 10].to_vec(), Mode::Ranges);
        let a = a.unwrap();
        let errors: Vec<String> = t.iter().filter_map(|(z, x, y, _)| a.tile(*z, *x, *y).err()).map(|e| e.to_string()).collect();
        assert!(errors.iter().any(|e| e.contains("past the end of the archive")), "{errors:?}");
    }
}
