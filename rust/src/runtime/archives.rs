//! Tile archives built into the runtime: `pmtiles://` and `mbtiles://` URLs.
//!
//! * `pmtiles:///abs/path.pmtiles`, `mbtiles:///abs/path.mbtiles` (also
//!   `…://file:///abs/…` and paths relative to the asset root): the archive's
//!   TileJSON, made from its metadata, whose tiles are
//! * `pmtiles:///abs/path.pmtiles/{z}/{x}/{y}` (XYZ rows; MBTiles' TMS rows
//!   are flipped inside): one tile, or not found.
//!
//! A URL is a tile URL when its last three segments are decimal numbers.
//! Archive files are local files like any other: regular files under the
//! runtime's allowed roots ([`resource::open_allowed`]), refused otherwise.
//! Each archive is opened once per runtime (the first request opens it, the
//! others wait for that open) and shared by the runtime's maps; requests are
//! served on the worker threads. A failed open is not kept: the next request
//! tries again.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::resource::{self, FilePolicy, Response};
use crate::source::archive::{pmtiles::PmTiles, Archive, ArchiveError, FileSource};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    PmTiles,
    MbTiles,
}

/// A parsed archive URL.
#[derive(Debug, PartialEq)]
struct ArchiveUrl<'a> {
    kind: Kind,
    /// `pmtiles://` or `mbtiles://`.
    scheme: &'static str,
    /// What follows the scheme, without the tile part: a path, a `file://`
    /// URL, or an `http(s)://` URL.
    location: &'a str,
    tile: Option<(u8, u32, u32)>,
}

/// Whether `url` is for the archive loaders.
pub fn is_archive_url(url: &str) -> bool {
    url.starts_with("pmtiles://") || url.starts_with("mbtiles://")
}

fn parse(url: &str) -> Option<ArchiveUrl<'_>> {
    let (kind, scheme, rest) = if let Some(r) = url.strip_prefix("pmtiles://") {
        (Kind::PmTiles, "pmtiles://", r)
    } else if let Some(r) = url.strip_prefix("mbtiles://") {
        (Kind::MbTiles, "mbtiles://", r)
    } else {
        return None;
    };
    let mut parts = rest.rsplitn(4, '/');
    let (y, x, z, location) = (parts.next(), parts.next(), parts.next(), parts.next());
    let num = |s: Option<&str>| s.filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).and_then(|s| s.parse::<u32>().ok());
    let tile = match (num(z), num(x), num(y), location) {
        (Some(z), Some(x), Some(y), Some(loc)) if !loc.is_empty() => Some((z, x, y, loc)),
        _ => None,
    };
    Some(match tile {
        Some((z, x, y, location)) => ArchiveUrl { kind, scheme, location, tile: Some((z.min(255) as u8, x, y)) },
        None => ArchiveUrl { kind, scheme, location: rest, tile: None },
    })
}

type Slot = Arc<Mutex<Option<Arc<dyn Archive>>>>;

/// A runtime's open archives, by location.
#[derive(Default)]
pub struct Archives {
    open: Mutex<HashMap<(bool, String), Slot>>,
}

impl Archives {
    /// How many archives are open.
    pub fn open_count(&self) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.values().filter(|s| s.lock().map(|s| s.is_some()).unwrap_or(false)).count()
    }

    /// Answers an archive URL (TileJSON or a tile). Runs on a worker.
    pub fn serve(&self, url: &str, asset_root: Option<&Path>, files: &FilePolicy) -> Response {
        let Some(a) = parse(url) else {
            return Response::Error(format!("{url}: not an archive URL"));
        };
        if a.location.starts_with("http://") || a.location.starts_with("https://") {
            return Response::Error(match a.kind {
                Kind::MbTiles => format!(
                    "{url}: MBTiles over HTTP (UNSUPPORTED): an MBTiles archive must be a local file \
                     (mbtiles:///abs/path.mbtiles)"
                ),
                Kind::PmTiles => format!("{url}: remote PMTiles archives (UNSUPPORTED in this version): use a local file"),
            });
        }
        let archive = match self.get(url, &a, asset_root, files) {
            Ok(archive) => archive,
            Err(response) => return response,
        };
        match a.tile {
            None => {
                let template = format!("{}{}/{{z}}/{{x}}/{{y}}", a.scheme, a.location);
                Response::data(archive.metadata().tilejson(&template).into_bytes())
            }
            Some((z, x, y)) => match archive.tile(z, x, y) {
                Ok(Some(bytes)) => Response::data(bytes),
                Ok(None) => Response::NotFound,
                Err(e) => Response::Error(format!("{url}: {e}")),
            },
        }
    }

    /// The open archive at `a.location`, opening it (once) if needed.
    fn get(&self, url: &str, a: &ArchiveUrl<'_>, asset_root: Option<&Path>, files: &FilePolicy) -> Result<Arc<dyn Archive>, Response> {
        let slot: Slot = {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            open.entry((a.kind == Kind::PmTiles, a.location.to_string())).or_default().clone()
        };
        // Held while opening: concurrent requests for the same archive wait
        // for this open instead of opening it again.
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(archive) = slot.as_ref() {
            return Ok(archive.clone());
        }
        let path = resource::local_path(a.location, asset_root);
        let (file, canonical, _len) = resource::open_allowed(url, &path, files)?;
        let opened: Result<Arc<dyn Archive>, ArchiveError> = match a.kind {
            Kind::PmTiles => FileSource::new(file).and_then(|f| PmTiles::open(Box::new(f))).map(|p| Arc::new(p) as Arc<dyn Archive>),
            Kind::MbTiles => open_mbtiles(file, &canonical),
        };
        match opened {
            Ok(archive) => {
                log::debug!("opened archive {}", canonical.display());
                *slot = Some(archive.clone());
                Ok(archive)
            }
            Err(e) => Err(Response::Error(format!("{url}: {e}"))),
        }
    }
}

#[cfg(feature = "mbtiles")]
fn open_mbtiles(file: std::fs::File, canonical: &Path) -> Result<Arc<dyn Archive>, ArchiveError> {
    // SQLite opens the (checked, canonical) path itself. (Should the file be
    // swapped for a FIFO between the check and SQLite's open, that open
    // would wait for a writer: only someone who can write under an allowed
    // root can do that.)
    drop(file);
    crate::source::archive::mbtiles::MbTiles::open(canonical).map(|m| Arc::new(m) as Arc<dyn Archive>)
}

#[cfg(not(feature = "mbtiles"))]
fn open_mbtiles(_file: std::fs::File, _canonical: &Path) -> Result<Arc<dyn Archive>, ArchiveError> {
    Err(ArchiveError::Unsupported("MBTiles archives (this library was built without its `mbtiles` feature)".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_urls() {
        let p = parse("pmtiles:///data/a.pmtiles").unwrap();
        assert_eq!((p.kind, p.location, p.tile), (Kind::PmTiles, "/data/a.pmtiles", None));
        let p = parse("pmtiles:///data/a.pmtiles/14/8802/5374").unwrap();
        assert_eq!((p.location, p.tile), ("/data/a.pmtiles", Some((14, 8802, 5374))));
        let p = parse("mbtiles://rel/b.mbtiles/0/0/0").unwrap();
        assert_eq!((p.kind, p.location, p.tile), (Kind::MbTiles, "rel/b.mbtiles", Some((0, 0, 0))));
        let p = parse("pmtiles://https://h/x.pmtiles").unwrap();
        assert_eq!((p.location, p.tile), ("https://h/x.pmtiles", None));
        assert_eq!(parse("pmtiles:///a/1/2/x").unwrap().tile, None);
        assert_eq!(parse("pmtiles://1/2/3").unwrap().tile, None, "no archive before the tile");
        assert!(parse("file:///a").is_none());
    }
}
