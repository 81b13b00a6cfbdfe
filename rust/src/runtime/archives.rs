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
//! tries again. Open archives are bounded in number ([`MAX_OPEN_ARCHIVES`]:
//! each holds a file or SQLite connections) and in the memory they hold
//! ([`MAX_ARCHIVE_BYTES`]: directories, metadata, SQLite caches); past
//! either, the least recently used are closed (and opened again when asked
//! for). A style naming one archive under many spellings, or thousands of
//! archives, costs re-opening, never descriptors or memory without bound.
//!
//! Remote PMTiles (`pmtiles://https://host/a.pmtiles`, also `http://`) are
//! read in byte ranges ([`RemoteSource`]) through the host's resource
//! provider: a reader thread (a small pool of its own, [`REMOTE_READERS`],
//! so that waiting for the network keeps no decode worker) that needs a
//! range posts a range request to the owner thread, which hands it to the
//! provider as it hands any other request, and waits (never on the owner
//! thread) for the one-shot answer.
//! When the request being served is cancelled, or the runtime goes away,
//! the wait ends and the range request is cancelled (the provider hears of
//! it). The header and directories stay cached with the open archive.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use super::resource::{self, FilePolicy, Provider, Request, ResourceInfo, ResourceKind, Response, ResponseSink};
use super::{Message, Shared};
use crate::source::archive::remote::{RangeFetch, RemoteSource};
use crate::source::archive::{pmtiles::PmTiles, Archive, ArchiveError, FileSource, ReadLimit, ReadPurpose};

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

/// Whether `url` is of a remote archive (read through the provider).
pub fn is_remote_archive_url(url: &str) -> bool {
    parse(url).is_some_and(|a| is_remote(a.location))
}

/// Threads that serve remote archives' requests (each waits for its ranges;
/// the decode workers stay free).
pub const REMOTE_READERS: usize = 8;

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
/// An archive's key: whether it is PMTiles, and its location as named.
type Key = (bool, String);

/// Most archives a runtime keeps open.
pub const MAX_OPEN_ARCHIVES: usize = 64;
/// Most memory a runtime's open archives may hold ([`Archive::held_bytes`]).
pub const MAX_ARCHIVE_BYTES: usize = 256 << 20;

/// The slots by key, each with when it was last asked for.
#[derive(Default)]
struct Open {
    slots: HashMap<Key, (Slot, u64)>,
    clock: u64,
}

/// A runtime's open archives, by location.
pub struct Archives {
    open: Mutex<Open>,
    max_open: usize,
    max_bytes: usize,
}

impl Default for Archives {
    fn default() -> Archives {
        Archives::with_bounds(MAX_OPEN_ARCHIVES, MAX_ARCHIVE_BYTES)
    }
}

impl Archives {
    /// Archives kept open up to `max_open` of them and `max_bytes` held.
    pub fn with_bounds(max_open: usize, max_bytes: usize) -> Archives {
        Archives { open: Mutex::default(), max_open: max_open.max(1), max_bytes }
    }

    /// How many archives are open.
    pub fn open_count(&self) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.slots.values().filter(|(s, _)| s.lock().map(|s| s.is_some()).unwrap_or(false)).count()
    }

    /// Closes the least recently used archives (never `keep`, the one just
    /// opened) while more than `max_open` are open or they hold more than
    /// `max_bytes`. Archives being opened (their slot locked) are passed
    /// over; readers still holding a closed archive finish with it.
    fn trim(&self, keep: &Key) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let mut held: Vec<(u64, Key, usize)> = open
            .slots
            .iter()
            .filter_map(|(key, (slot, used))| {
                let slot = slot.try_lock().ok()?;
                Some((*used, key.clone(), slot.as_ref()?.held_bytes()))
            })
            .collect();
        held.sort_unstable_by_key(|(used, _, _)| *used);
        let mut count = held.len();
        let mut bytes: usize = held.iter().map(|(_, _, b)| *b).sum();
        for (_, key, b) in held {
            if count <= self.max_open && bytes <= self.max_bytes {
                break;
            }
            if &key != keep {
                log::debug!("closing archive {} ({b} bytes held): over the runtime's bounds of open archives", key.1);
                open.slots.remove(&key);
                count -= 1;
                bytes -= b;
            }
        }
    }

    /// Forgets `key` after a failed open, if its slot is still `slot` and
    /// still empty (a name that never opens takes no room).
    fn forget(&self, key: &Key, slot: &Slot) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let empty = match open.slots.get(key) {
            Some((s, _)) => Arc::ptr_eq(s, slot) && s.try_lock().map(|s| s.is_none()).unwrap_or(false),
            None => false,
        };
        if empty {
            open.slots.remove(key);
        }
    }

    /// Answers `request`, an archive URL (TileJSON or a tile). Runs on a
    /// worker; remote archives' ranges go through `remote`.
    pub fn serve(&self, request: &Arc<Request>, asset_root: Option<&Path>, files: &FilePolicy, remote: &Remote) -> Response {
        let url = request.info.url.as_str();
        let Some(a) = parse(url) else {
            return Response::Error(format!("{url}: not an archive URL"));
        };
        if is_remote(a.location) && a.kind == Kind::MbTiles {
            return Response::Error(format!(
                "{url}: MBTiles over HTTP (UNSUPPORTED): an MBTiles archive must be a local file \
                 (mbtiles:///abs/path.mbtiles); remote archives must be PMTiles"
            ));
        }
        let _serving = Serving::enter(request);
        let archive = match self.get(url, &a, asset_root, files, remote) {
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
    fn get(
        &self,
        url: &str,
        a: &ArchiveUrl<'_>,
        asset_root: Option<&Path>,
        files: &FilePolicy,
        remote: &Remote,
    ) -> Result<Arc<dyn Archive>, Response> {
        let key: Key = (a.kind == Kind::PmTiles, a.location.to_string());
        let slot: Slot = {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            open.clock += 1;
            let now = open.clock;
            let (slot, used) = open.slots.entry(key.clone()).or_insert_with(|| (Slot::default(), now));
            *used = now;
            slot.clone()
        };
        // Held while opening: concurrent requests for the same archive wait
        // for this open instead of opening it again.
        let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(archive) = guard.as_ref() {
            return Ok(archive.clone());
        }
        match open(url, a, asset_root, files, remote) {
            Ok((archive, name)) => {
                log::debug!("opened archive {name}");
                *guard = Some(archive.clone());
                drop(guard);
                self.trim(&key);
                Ok(archive)
            }
            Err(response) => {
                drop(guard);
                self.forget(&key, &slot);
                Err(response)
            }
        }
    }
}

/// Opens the archive `a` names: it and the name to log (its canonical path
/// or its URL), or the answer for a refused, missing or unreadable one.
fn open(
    url: &str,
    a: &ArchiveUrl<'_>,
    asset_root: Option<&Path>,
    files: &FilePolicy,
    remote: &Remote,
) -> Result<(Arc<dyn Archive>, String), Response> {
    let (opened, name): (Result<Arc<dyn Archive>, ArchiveError>, String) = if is_remote(a.location) {
        let fetch = ProviderFetch { shared: remote.shared.clone(), url: a.location.to_string(), limit: resource_limit(remote.max_bytes) };
        let opened = RemoteSource::open(Box::new(fetch)).and_then(|s| PmTiles::open(Box::new(s)));
        (opened.map(|p| Arc::new(p) as Arc<dyn Archive>), a.location.to_string())
    } else {
        let path = resource::local_path(a.location, asset_root);
        let (file, canonical, _len) = resource::open_allowed(url, &path, files)?;
        // An archive may be far larger than the byte limit; each read from
        // it (a tile, the metadata, a directory) is held to it.
        let limit = resource_limit(files.max_bytes);
        let opened = match a.kind {
            Kind::PmTiles => {
                FileSource::new(file, limit).and_then(|f| PmTiles::open(Box::new(f))).map(|p| Arc::new(p) as Arc<dyn Archive>)
            }
            Kind::MbTiles => open_mbtiles(file, &canonical, limit),
        };
        (opened, canonical.display().to_string())
    };
    opened.map(|archive| (archive, name)).map_err(|e| Response::Error(format!("{url}: {e}")))
}

/// The limit of one read from an archive a style names, local or remote:
/// `max_resource_bytes`, named so that a user who meets it knows the option.
fn resource_limit(max_bytes: u64) -> ReadLimit {
    ReadLimit { bytes: max_bytes, name: "the max_resource_bytes limit, a runtime option" }
}

fn is_remote(location: &str) -> bool {
    location.starts_with("http://") || location.starts_with("https://")
}

/// What remote archives need from their runtime: where to post range
/// requests, and the byte limit of one answer.
pub struct Remote {
    pub shared: Weak<Shared>,
    pub max_bytes: u64,
}

thread_local! {
    /// The request a worker is serving (its cancellation ends range waits).
    static SERVING: RefCell<Option<Arc<Request>>> = const { RefCell::new(None) };
}

/// Marks the request being served on this thread while it lives.
struct Serving(Option<Arc<Request>>);

impl Serving {
    fn enter(request: &Arc<Request>) -> Serving {
        Serving(SERVING.with(|s| s.borrow_mut().replace(request.clone())))
    }

    fn is_cancelled() -> bool {
        SERVING.with(|s| s.borrow().as_ref().is_some_and(|r| r.is_cancelled()))
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let before = self.0.take();
        SERVING.with(|s| *s.borrow_mut() = before);
    }
}

/// A range request's answer, awaited on a worker.
#[derive(Default)]
pub struct RangeWait {
    answer: Mutex<Option<Response>>,
    ready: Condvar,
    /// The provider that took the request (told when the worker gives up).
    provider: Mutex<Option<Arc<dyn Provider>>>,
}

impl ResponseSink for RangeWait {
    fn deliver(&self, _request: u64, response: Response) {
        *self.answer.lock().unwrap_or_else(|e| e.into_inner()) = Some(response);
        self.ready.notify_all();
    }
}

impl RangeWait {
    /// On the owner thread: hands the range request to the provider (or
    /// answers it when there is none that takes it).
    pub(super) fn dispatch(self: &Arc<Self>, request: &Arc<Request>, provider: Option<Arc<dyn Provider>>) {
        if request.is_cancelled() {
            return; // the worker gave up already
        }
        let url = &request.info.url;
        let declined = || {
            Response::Error(format!(
                "{url}: no resource provider served this byte range: remote PMTiles archives are read \
                 with range requests through the host's resource provider (Go: HTTPProvider), which must \
                 answer a request's range"
            ))
        };
        let Some(provider) = provider else {
            let _ = request.complete(declined());
            return;
        };
        if provider.request(request) == resource::Decision::PassThrough {
            let _ = request.complete(declined());
            return;
        }
        let mut slot = self.provider.lock().unwrap_or_else(|e| e.into_inner());
        if request.is_cancelled() {
            drop(slot);
            provider.cancel(request);
        } else {
            *slot = Some(provider);
        }
    }
}

/// How often a waiting worker looks whether its request was cancelled.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// Fetches ranges of `url` through the runtime's resource provider.
struct ProviderFetch {
    shared: Weak<Shared>,
    url: String,
    /// One range is at most this many bytes, refused before it is asked.
    limit: ReadLimit,
}

impl RangeFetch for ProviderFetch {
    fn fetch(&self, offset: u64, len: u64, purpose: ReadPurpose) -> Result<Vec<u8>, ArchiveError> {
        let url = &self.url;
        if Serving::is_cancelled() {
            return Err(ArchiveError::Io(format!("{url}: cancelled")));
        }
        self.limit.check(offset, len).map_err(|e| ArchiveError::Io(format!("{url}: {e}")))?;
        let (kind, tile) = match purpose {
            ReadPurpose::Directory => (ResourceKind::Source, None),
            ReadPurpose::Tile(z, x, y) => (ResourceKind::Tile, Some((i32::from(z), x as i32, y as i32))),
        };
        let wait = Arc::new(RangeWait::default());
        let sink: Weak<dyn ResponseSink> = Arc::downgrade(&(wait.clone() as Arc<dyn ResponseSink>));
        let info = ResourceInfo { url: url.clone(), kind, tile, range: Some((offset, len)) };
        let request = Arc::new(Request::new(resource::next_request_id(), info, sink));
        let gone = || ArchiveError::Io(format!("{url}: the runtime was destroyed while reading the archive"));
        self.shared.upgrade().ok_or_else(gone)?.inbox.post(Message::Range { request: request.clone(), wait: wait.clone() });
        let mut answer = wait.answer.lock().unwrap_or_else(|e| e.into_inner());
        let response = loop {
            if let Some(r) = answer.take() {
                break r;
            }
            let cancelled = Serving::is_cancelled();
            if cancelled || self.shared.strong_count() == 0 {
                drop(answer);
                if request.cancel() {
                    if let Some(p) = wait.provider.lock().unwrap_or_else(|e| e.into_inner()).take() {
                        p.cancel(&request);
                    }
                }
                return Err(if cancelled { ArchiveError::Io(format!("{url}: cancelled")) } else { gone() });
            }
            answer = wait.ready.wait_timeout(answer, CANCEL_POLL).unwrap_or_else(|e| e.into_inner()).0;
        };
        let what = format!("{url} bytes {offset}..{}", offset.saturating_add(len));
        match response {
            Response::Data(bytes) => {
                let bytes = (*bytes).as_ref();
                if bytes.len() as u64 > len {
                    return Err(ArchiveError::Io(format!(
                        "{what}: the resource provider answered {} bytes for a range of {len}: \
                         a range request must be answered with exactly its bytes",
                        bytes.len()
                    )));
                }
                Ok(bytes.to_vec())
            }
            Response::NotFound => Err(ArchiveError::Io(format!("{what}: not found"))),
            Response::Error(e) => Err(ArchiveError::Io(format!("{what}: {e}"))),
        }
    }
}

#[cfg(feature = "mbtiles")]
fn open_mbtiles(file: std::fs::File, canonical: &Path, limit: ReadLimit) -> Result<Arc<dyn Archive>, ArchiveError> {
    // SQLite opens the (checked, canonical) path itself. (Should the file be
    // swapped for a FIFO between the check and SQLite's open, that open
    // would wait for a writer: only someone who can write under an allowed
    // root can do that.)
    drop(file);
    crate::source::archive::mbtiles::MbTiles::open(canonical, limit).map(|m| Arc::new(m) as Arc<dyn Archive>)
}

#[cfg(not(feature = "mbtiles"))]
fn open_mbtiles(_file: std::fs::File, _canonical: &Path, _limit: ReadLimit) -> Result<Arc<dyn Archive>, ArchiveError> {
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

    /// Opens (or finds open) each of `names` under `dir`, in order.
    fn get_all(archives: &Archives, dir: &Path, names: &[&str]) -> Vec<Result<(), String>> {
        let files = FilePolicy::new(&[dir.to_path_buf()], 1 << 20).unwrap();
        let remote = Remote { shared: Weak::new(), max_bytes: 1 << 20 };
        names
            .iter()
            .map(|name| {
                let url = format!("pmtiles://{}", dir.join(name).display());
                let a = parse(&url).unwrap();
                archives.get(&url, &a, None, &files, &remote).map(|_| ()).map_err(|r| format!("{r:?}"))
            })
            .collect()
    }

    fn open_names(archives: &Archives) -> Vec<String> {
        let open = archives.open.lock().unwrap();
        let mut names: Vec<String> = open.slots.keys().map(|k| k.1.rsplit('/').next().unwrap().to_string()).collect();
        names.sort();
        names
    }

    #[test]
    fn open_archives_are_bounded_in_number_and_bytes_least_recently_used_closed_first() {
        use crate::source::archive::pmtiles::{write, WriteOptions};
        let dir = crate::test_support::TempDir::new("archives-bounded");
        let options = WriteOptions::default();
        for name in ["a", "b", "c"] {
            let tiles = vec![(0u8, 0u32, 0u32, name.as_bytes().to_vec())];
            std::fs::write(dir.join(format!("{name}.pmtiles")), write(&tiles, &options)).unwrap();
        }
        // By number: a third archive closes the least recently used.
        let archives = Archives::with_bounds(2, usize::MAX);
        let all_ok = |r: Vec<Result<(), String>>| r.iter().all(|r| r.is_ok());
        assert!(all_ok(get_all(&archives, &dir, &["a.pmtiles", "b.pmtiles", "c.pmtiles"])));
        assert_eq!(open_names(&archives), ["b.pmtiles", "c.pmtiles"]);
        assert!(all_ok(get_all(&archives, &dir, &["b.pmtiles", "a.pmtiles"])), "a closed archive opens again");
        assert_eq!(open_names(&archives), ["a.pmtiles", "b.pmtiles"], "c was the least recently used");
        // By bytes: room for one archive.
        let one = {
            let files = FilePolicy::new(&[dir.to_path_buf()], 1 << 20).unwrap();
            let file = std::fs::File::open(dir.join("a.pmtiles")).unwrap();
            let limit = ReadLimit { bytes: files.max_bytes, name: "test" };
            PmTiles::open(Box::new(FileSource::new(file, limit).unwrap())).unwrap().held_bytes()
        };
        assert!(one > 0);
        let archives = Archives::with_bounds(10, one + one / 2);
        assert!(all_ok(get_all(&archives, &dir, &["a.pmtiles", "b.pmtiles"])));
        assert_eq!(open_names(&archives), ["b.pmtiles"]);
        // A name that does not open takes no room.
        let missing = get_all(&archives, &dir, &["missing.pmtiles", "c.pmtiles/../nowhere.pmtiles"]);
        assert!(missing.iter().all(|r| r.is_err()), "{missing:?}");
        assert_eq!(open_names(&archives), ["b.pmtiles"]);
    }
}
