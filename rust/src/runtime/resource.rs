//! Resource requests: what a map asks for, the host's provider, one-shot
//! completion, cancellation, and the runtime's own loaders (files, asset
//! root, bundled `builtin://` assets).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// Kinds of resource (values match the C API's `mapcore_resource_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    Style = 1,
    Source = 2,
    Tile = 3,
    Glyphs = 4,
    SpriteJson = 5,
    SpriteImage = 6,
    Image = 7,
}

impl ResourceKind {
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::Style => "style",
            ResourceKind::Source => "source",
            ResourceKind::Tile => "tile",
            ResourceKind::Glyphs => "glyphs",
            ResourceKind::SpriteJson => "sprite JSON",
            ResourceKind::SpriteImage => "sprite image",
            ResourceKind::Image => "image",
        }
    }
}

/// What is requested.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceInfo {
    pub url: String,
    pub kind: ResourceKind,
    /// z, x, y for tiles (in the source's scheme).
    pub tile: Option<(i32, i32, i32)>,
    /// A byte range of the resource: (offset, length), length > 0. The
    /// answer holds exactly those bytes, or fewer only when the resource
    /// ends inside the range (its bytes up to the end); a longer answer is
    /// refused. `None`: the whole resource.
    pub range: Option<(u64, u64)>,
}

/// Bytes of a response: owned, or a host buffer released when the last
/// reader drops it.
pub type Bytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// The answer to a request.
#[derive(Clone)]
pub enum Response {
    Data(Bytes),
    NotFound,
    Error(String),
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Response::Data(b) => write!(f, "Data({} bytes)", (**b).as_ref().len()),
            Response::NotFound => write!(f, "NotFound"),
            Response::Error(e) => write!(f, "Error({e:?})"),
        }
    }
}

impl Response {
    pub fn data(bytes: Vec<u8>) -> Response {
        Response::Data(Arc::new(bytes))
    }
}

/// Where answers go: the runtime's inbox, as (request id, response).
pub trait ResponseSink: Send + Sync {
    fn deliver(&self, request_id: u64, response: Response);
}

#[derive(Debug, Default)]
struct RequestState {
    completed: bool,
    cancelled: bool,
}

/// One request, shared by the runtime and whoever answers it.
pub struct Request {
    pub id: u64,
    pub info: ResourceInfo,
    /// A tag the boundary layer may use to find its handle for this request.
    pub host_tag: AtomicU64,
    state: Mutex<RequestState>,
    sink: Weak<dyn ResponseSink>,
}

/// Completing a request that was already completed.
#[derive(Debug, PartialEq, Eq)]
pub struct AlreadyCompleted;

impl Request {
    pub fn new(id: u64, info: ResourceInfo, sink: Weak<dyn ResponseSink>) -> Request {
        Request { id, info, host_tag: AtomicU64::new(0), state: Mutex::new(RequestState::default()), sink }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, RequestState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers the request once. Any thread. Later answers are refused and the
    /// first one stands. An answer after cancellation is accepted and dropped.
    pub fn complete(&self, response: Response) -> Result<(), AlreadyCompleted> {
        let cancelled = {
            let mut st = self.state();
            if st.completed {
                return Err(AlreadyCompleted);
            }
            st.completed = true;
            st.cancelled
        };
        if !cancelled {
            if let Some(sink) = self.sink.upgrade() {
                sink.deliver(self.id, response);
            }
        }
        Ok(())
    }

    /// Marks the request as no longer needed. Returns true if this call
    /// cancelled it (it was neither completed nor cancelled before).
    pub fn cancel(&self) -> bool {
        let mut st = self.state();
        if st.completed || st.cancelled {
            return false;
        }
        st.cancelled = true;
        true
    }

    pub fn is_cancelled(&self) -> bool {
        self.state().cancelled
    }

    pub fn is_completed(&self) -> bool {
        self.state().completed
    }
}

/// The provider's answer when asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    PassThrough,
    Handled,
}

/// A host resource provider.
pub trait Provider: Send + Sync {
    fn request(&self, request: &Arc<Request>) -> Decision;
    fn cancel(&self, request: &Arc<Request>);
}

/// Bundled assets served under `builtin://NAME`: the default style and its
/// public-domain Natural Earth data (third_party/naturalearth/PROVENANCE.md).
static BUILTIN: &[(&str, &[u8])] = &[
    ("default-style.json", include_bytes!("../../assets/default-style.json")),
    ("naturalearth/countries.geojson", include_bytes!("../../../third_party/naturalearth/countries.geojson")),
    ("naturalearth/country_labels.geojson", include_bytes!("../../../third_party/naturalearth/country_labels.geojson")),
    ("naturalearth/populated_places.geojson", include_bytes!("../../../third_party/naturalearth/populated_places.geojson")),
];

/// Which local files the runtime's loaders may read: regular files under one
/// of `roots` (canonical paths), at most `max_bytes` each. No roots: none.
#[derive(Clone, Debug, Default)]
pub struct FilePolicy {
    pub roots: Vec<PathBuf>,
    pub max_bytes: u64,
}

impl FilePolicy {
    /// A policy for `roots` (each must be a folder; resolved to its canonical
    /// path, so `..` and symlinks in it are followed once, here).
    pub fn new(roots: &[PathBuf], max_bytes: u64) -> std::io::Result<FilePolicy> {
        let mut canon = Vec::new();
        for root in roots {
            let c = std::fs::canonicalize(root).map_err(|e| {
                std::io::Error::new(e.kind(), format!("allowed root {}: {e}", root.display()))
            })?;
            if !c.is_dir() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("allowed root {} is not a folder", root.display()),
                ));
            }
            if !canon.contains(&c) {
                canon.push(c);
            }
        }
        Ok(FilePolicy { roots: canon, max_bytes })
    }

    fn allows(&self, canonical: &Path) -> bool {
        self.roots.iter().any(|r| canonical.starts_with(r))
    }
}

/// The option a refused file names.
const ROOTS_OPTION: &str = "allow its folder with the runtime option allowed_roots \
     (C: mapcore_runtime_options.allowed_roots, Go: RuntimeOptions.AllowedRoots, mapcore-render: -allow-files DIR)";

fn refused(url: &str, why: impl std::fmt::Display) -> Response {
    Response::Error(format!("{url}: local file refused: {why}; {ROOTS_OPTION}"))
}

/// The runtime's own loaders. Returns `None` when the URL has a scheme they do
/// not serve (then only a provider can). Files (`file://` URLs, paths, paths
/// relative to `asset_root`) are read only as `files` allows.
pub fn load_local(url: &str, asset_root: Option<&Path>, files: &FilePolicy) -> Option<Response> {
    if let Some(name) = url.strip_prefix("builtin://") {
        return Some(match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((_, bytes)) => Response::Data(Arc::new(*bytes)),
            None => Response::NotFound,
        });
    }
    if has_scheme(url) && !url.starts_with("file://") {
        return None;
    }
    let path = local_path(url, asset_root);
    Some(read_file(url, &path, files))
}

/// The local path a `file://` URL or a path names (relative paths against
/// `asset_root`). Also used for the paths inside archive URLs.
pub(crate) fn local_path(url: &str, asset_root: Option<&Path>) -> PathBuf {
    if let Some(rest) = url.strip_prefix("file://") {
        return PathBuf::from(percent_decode(rest));
    }
    let p = Path::new(url);
    match asset_root {
        Some(root) if p.is_relative() => root.join(p),
        _ => p.to_path_buf(),
    }
}

/// Reads `path` if `files` allows it (see [`open_allowed`]) and it is at most
/// `files.max_bytes` long (read with that cap, whatever the file claims).
fn read_file(url: &str, path: &Path, files: &FilePolicy) -> Response {
    use std::io::Read;
    let (file, canonical, len) = match open_allowed(url, path, files) {
        Ok(f) => f,
        Err(response) => return response,
    };
    let max = files.max_bytes;
    if len > max {
        return too_big(url, len, max);
    }
    let mut bytes = Vec::with_capacity(len as usize);
    if let Err(e) = file.take(max.saturating_add(1)).read_to_end(&mut bytes) {
        return Response::Error(format!("{url}: cannot read {}: {e}", canonical.display()));
    }
    if bytes.len() as u64 > max {
        return too_big(url, bytes.len() as u64, max);
    }
    Response::data(bytes)
}

/// Opens `path` for reading if `files` allows it: after resolving `..` and
/// symlinks it is under a root, and it is a regular file (checked before
/// opening, so a FIFO or a device never blocks, and again on the open file).
/// Returns the file, its canonical path and its length; or the answer to
/// give instead (refused, not found, an I/O error). No size limit: callers
/// that read it whole apply one (archives are read in parts).
pub(crate) fn open_allowed(url: &str, path: &Path, files: &FilePolicy) -> Result<(std::fs::File, PathBuf, u64), Response> {
    if files.roots.is_empty() {
        return Err(refused(url, "no allowed roots are set (local files are off by default)"));
    }
    let canonical = match std::fs::canonicalize(path) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Missing: NotFound only if the nearest folder on its path that
            // exists is allowed (no probing elsewhere).
            let parent_allowed = path
                .ancestors()
                .skip(1)
                .find_map(|p| std::fs::canonicalize(p).ok())
                .is_some_and(|p| files.allows(&p));
            return Err(if parent_allowed { Response::NotFound } else { refused(url, "it is not under an allowed root") });
        }
        Err(e) => return Err(refused(url, format!("cannot resolve {}: {e}", path.display()))),
    };
    if !files.allows(&canonical) {
        return Err(refused(url, format!("{} is not under an allowed root", canonical.display())));
    }
    let meta = match std::fs::metadata(&canonical) {
        Ok(m) => m,
        Err(e) => return Err(Response::Error(format!("{url}: cannot read {}: {e}", canonical.display()))),
    };
    if !meta.is_file() {
        return Err(refused(url, format!("{} is not a regular file", canonical.display())));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: should the file have been swapped for a FIFO since the
        // check above, opening it does not wait for a writer.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        options.custom_flags(0o4000);
        #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
        options.custom_flags(0x0004);
    }
    let file = match options.open(&canonical) {
        Ok(f) => f,
        Err(e) => return Err(Response::Error(format!("{url}: cannot read {}: {e}", canonical.display()))),
    };
    match file.metadata() {
        Ok(m) if m.is_file() => Ok((file, canonical, m.len())),
        _ => Err(refused(url, format!("{} is not a regular file", canonical.display()))),
    }
}

/// The answer for a resource over the byte limit.
pub fn too_big(url: &str, len: u64, max: u64) -> Response {
    Response::Error(format!(
        "{url}: {len} bytes exceeds the max_resource_bytes limit of {max} (a runtime option)"
    ))
}

/// Resolves `url` against the URL (or path) of the document that named it,
/// as MapLibre resolves a style's relative URLs against the style's URL:
/// absolute URLs and absolute paths are kept, `./` and `../` are applied.
/// The longest URL the runtime asks for. Servers refuse longer ones (8 KiB
/// is nginx's and Apache's default), and a style's tile URL template is
/// copied into each of the view's tile requests and their events: 500
/// sources with 60 KB templates took 3 GB in one view.
pub const MAX_URL_BYTES: usize = 8192;

/// What is kept of a URL past [`MAX_URL_BYTES`] to name it.
const CUT_URL_BYTES: usize = 200;

/// Cuts `url` to its first 200 bytes and `...` when it is longer than
/// [`MAX_URL_BYTES`], returning the error it is answered with.
pub fn cut_long_url(url: &mut String) -> Option<String> {
    if url.len() <= MAX_URL_BYTES {
        return None;
    }
    let len = url.len();
    let mut end = CUT_URL_BYTES;
    while !url.is_char_boundary(end) {
        end -= 1;
    }
    url.truncate(end);
    url.push_str("...");
    // Its first bytes alone, not the long one's allocation.
    url.shrink_to_fit();
    Some(format!("the URL is {len} bytes long, more than {MAX_URL_BYTES} (the runtime's bound on a URL): not requested"))
}

pub fn resolve_url(base: &str, url: &str) -> String {
    if url.is_empty() || has_scheme(url) || url.starts_with('/') {
        return url.to_string();
    }
    // The base's "folder": up to its last '/', keeping scheme://authority.
    let (prefix, path) = match base.find("://") {
        // Schemes without a host part: everything after :// is the path.
        Some(i) if matches!(&base[..i], "file" | "builtin") => (&base[..i + 3], &base[i + 3..]),
        Some(i) => {
            let rest = &base[i + 3..];
            match rest.find('/') {
                Some(j) => (&base[..i + 3 + j], &rest[j..]),
                None => (base, "/"),
            }
        }
        None => ("", base),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop(); // the document's own name
    for seg in url.split('/') {
        match seg {
            "." => {}
            ".." => {
                if parts.len() > 1 || parts.first().is_some_and(|p| !p.is_empty()) {
                    parts.pop();
                }
            }
            s => parts.push(s),
        }
    }
    format!("{prefix}{}", parts.join("/"))
}

pub(crate) fn has_scheme(url: &str) -> bool {
    match url.find("://") {
        Some(i) => i > 0 && url[..i].chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)),
        None => false,
    }
}

/// Decodes `%XX` escapes (invalid ones stay as they are; invalid UTF-8
/// becomes U+FFFD), e.g. the font stacks in glyph URLs.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Sequential request ids, unique per process.
pub fn next_request_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempDir;

    struct Collect(Mutex<Vec<(u64, String)>>);
    impl ResponseSink for Collect {
        fn deliver(&self, id: u64, r: Response) {
            self.0.lock().unwrap().push((id, format!("{r:?}")));
        }
    }

    fn request(sink: &Arc<Collect>) -> Request {
        let weak: Weak<dyn ResponseSink> = Arc::downgrade(&(sink.clone() as Arc<dyn ResponseSink>));
        Request::new(5, ResourceInfo { url: "x".into(), kind: ResourceKind::Tile, tile: None, range: None }, weak)
    }

    #[test]
    fn second_completion_is_refused_and_first_answer_stands() {
        let sink = Arc::new(Collect(Mutex::new(vec![])));
        let r = request(&sink);
        assert_eq!(r.complete(Response::data(vec![1, 2])), Ok(()));
        assert_eq!(r.complete(Response::NotFound), Err(AlreadyCompleted));
        assert_eq!(*sink.0.lock().unwrap(), vec![(5, "Data(2 bytes)".to_string())]);
    }

    #[test]
    fn answers_after_cancellation_are_dropped() {
        let sink = Arc::new(Collect(Mutex::new(vec![])));
        let r = request(&sink);
        assert!(r.cancel());
        assert!(!r.cancel());
        assert!(r.is_cancelled());
        assert_eq!(r.complete(Response::NotFound), Ok(()));
        assert!(sink.0.lock().unwrap().is_empty());
    }

    #[test]
    fn relative_urls_resolve_against_their_document() {
        assert_eq!(resolve_url("https://h/a/style.json", "data/x.json"), "https://h/a/data/x.json");
        assert_eq!(resolve_url("https://h/a/style.json?k=1", "../t/{z}/{x}/{y}.pbf"), "https://h/t/{z}/{x}/{y}.pbf");
        assert_eq!(resolve_url("file:///m/s/style.json", "./sprites/s"), "file:///m/s/sprites/s");
        assert_eq!(resolve_url("maps/style.json", "a.geojson"), "maps/a.geojson");
        assert_eq!(resolve_url("style.json", "a.geojson"), "a.geojson");
        assert_eq!(resolve_url("/abs/style.json", "a.geojson"), "/abs/a.geojson");
        assert_eq!(resolve_url("builtin://default-style.json", "x.geojson"), "builtin://x.geojson");
        assert_eq!(resolve_url("https://h/style.json", "https://o/x.json"), "https://o/x.json");
        assert_eq!(resolve_url("https://h/style.json", "/root.json"), "/root.json");
        assert_eq!(resolve_url("https://h", "x.json"), "https://h/x.json");
    }

    #[test]
    fn local_loader_reads_files_and_declines_other_schemes() {
        let dir = TempDir::new("res");
        std::fs::write(dir.join("a b.json"), b"{}").unwrap();
        let url = format!("file://{}/a%20b.json", dir.display());
        let files = FilePolicy::new(&[dir.to_path_buf()], 1 << 20).unwrap();
        let none = FilePolicy::default();
        assert!(matches!(load_local(&url, None, &files), Some(Response::Data(d)) if (*d).as_ref() == b"{}"));
        assert!(matches!(load_local("a b.json", Some(dir.path()), &files), Some(Response::Data(_))));
        assert!(matches!(load_local("missing.json", Some(dir.path()), &files), Some(Response::NotFound)));
        // Missing folders under a root too (a tile path of a missing z/x).
        assert!(matches!(load_local("3/5/6.png", Some(dir.path()), &files), Some(Response::NotFound)));
        // Missing beyond the roots: refused, whatever exists there.
        let outside = TempDir::new("res-outside");
        let r = refusal(load_local(&format!("file://{}/3/5/6.png", outside.display()), None, &files));
        assert!(r.contains("not under an allowed root"), "{r}");
        assert!(load_local("https://example.com/x", None, &files).is_none());
        assert!(matches!(load_local("builtin://nope", None, &none), Some(Response::NotFound)));
        match load_local("builtin://default-style.json", None, &none) {
            Some(Response::Data(d)) => {
                let style: serde_json::Value = serde_json::from_slice((*d).as_ref()).unwrap();
                assert_eq!(style["version"], 8);
            }
            other => panic!("default style not served: {other:?}"),
        }
    }

    fn refusal(r: Option<Response>) -> String {
        match r {
            Some(Response::Error(e)) => e,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn files_outside_the_allowed_roots_are_refused() {
        let dir = TempDir::new("policy");
        let inside = dir.join("inside");
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::write(dir.join("secret.txt"), b"secret").unwrap();
        std::fs::write(inside.join("ok.json"), b"{}").unwrap();
        // No roots: nothing local, not even /etc/passwd.
        let none = FilePolicy::default();
        let e = refusal(load_local("file:///etc/passwd", None, &none));
        assert!(e.contains("file:///etc/passwd") && e.contains("allowed_roots"), "{e}");
        let e = refusal(load_local("ok.json", Some(&inside), &none));
        assert!(e.contains("no allowed roots"), "{e}");
        let files = FilePolicy::new(&[inside.clone()], 1 << 20).unwrap();
        assert!(matches!(load_local("ok.json", Some(&inside), &files), Some(Response::Data(_))));
        for url in [
            "file:///etc/passwd".to_string(),
            format!("file://{}/../secret.txt", inside.display()),
            format!("{}/../secret.txt", inside.display()),
            "../secret.txt".to_string(),
            "file:///dev/zero".to_string(),
            format!("file://{}/../nope/x.json", inside.display()),
        ] {
            let e = refusal(load_local(&url, Some(&inside), &files));
            assert!(e.contains(&url) && e.contains("allowed_roots"), "{e}");
        }
        // A symlink out of the root is followed, then refused.
        #[cfg(unix)]
        {
            let link = inside.join("link.txt");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(dir.join("secret.txt"), &link).unwrap();
            let e = refusal(load_local("link.txt", Some(&inside), &files));
            assert!(e.contains("not under an allowed root"), "{e}");
        }
        // A folder is not a regular file.
        std::fs::create_dir_all(inside.join("sub")).unwrap();
        assert!(refusal(load_local("sub", Some(&inside), &files)).contains("not a regular file"));
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_devices_under_a_root_are_refused_without_blocking() {
        let dir = TempDir::new("fifo");
        let fifo = dir.join("pipe");
        let _ = std::fs::remove_file(&fifo);
        extern "C" {
            fn mkfifo(path: *const std::os::raw::c_char, mode: u32) -> i32;
        }
        let path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a NUL-terminated path that outlives the call.
        let made = unsafe { mkfifo(path.as_ptr(), 0o600) };
        assert_eq!(made, 0, "mkfifo {}: {}", fifo.display(), std::io::Error::last_os_error());
        let files = FilePolicy::new(&[dir.to_path_buf(), PathBuf::from("/dev")], 1 << 20).unwrap();
        // Nobody writes to it: opening it blocking would wait forever.
        let e = refusal(load_local("pipe", Some(dir.path()), &files));
        assert!(e.contains("not a regular file"), "{e}");
        // /dev/zero under an allowed root: a device, refused (never read to the end).
        let e = refusal(load_local("file:///dev/zero", None, &files));
        assert!(e.contains("not a regular file"), "{e}");
    }

    #[test]
    fn files_are_read_up_to_the_byte_limit() {
        let dir = TempDir::new("cap");
        std::fs::write(dir.join("big.bin"), vec![7u8; 4096]).unwrap();
        let files = FilePolicy::new(&[dir.to_path_buf()], 1000).unwrap();
        let e = refusal(load_local("big.bin", Some(dir.path()), &files));
        assert!(e.contains("max_resource_bytes") && e.contains("1000"), "{e}");
        let files = FilePolicy::new(&[dir.to_path_buf()], 4096).unwrap();
        assert!(matches!(load_local("big.bin", Some(dir.path()), &files), Some(Response::Data(d)) if (*d).as_ref().len() == 4096));
    }
}
