//! The runtime: owner-thread scheduler. It owns the maps, the worker pool,
//! resource loading and the event queue. Other threads reach it only through
//! its inbox (worker results, resource answers, wakes).

pub mod archives;
pub mod events;
pub mod inbox;
mod requests;
pub mod resource;
pub mod workers;

use std::any::Any;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use events::{Event, EventKind};
use inbox::Inbox;
use resource::{Decision, Provider, Request, ResourceInfo, Response, ResponseSink};
use workers::WorkerPool;

/// Runtime settings.
#[derive(Clone, Debug, Default)]
pub struct RuntimeOptions {
    /// Worker threads (0 = one per core, at most 8).
    pub worker_threads: u32,
    /// Rasterizer threads per frame (0 = one per core, at most 8).
    pub render_threads: u32,
    /// Folder that relative URLs resolve against (also an allowed root).
    pub asset_root: Option<PathBuf>,
    /// Folders whose regular files the runtime may read (`file://` URLs and
    /// paths). None (and no asset root): no local files at all.
    pub allowed_roots: Vec<PathBuf>,
    /// Bounds on untrusted input.
    pub limits: Limits,
    /// Font files, or folders of them (`.ttf`, `.otf`, `.ttc`, `.otc`, not
    /// recursive), added to the bundled family for local glyphs.
    pub font_paths: Vec<PathBuf>,
    /// Where labels' glyphs come from.
    pub glyphs_mode: GlyphsMode,
}

/// Where labels' glyphs come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GlyphsMode {
    /// The style's `glyphs` URL; local fonts when the style has none or a
    /// range fails to load (the default: MapLibre's glyphs where there are).
    #[default]
    UrlFirst = 0,
    /// Local fonts always (the `glyphs` URL is not used).
    LocalFirst = 1,
    /// The `glyphs` URL only, as MapLibre: no URL or a failed range draws no
    /// text.
    UrlOnly = 2,
}

/// Bounds on what styles, tiles and images may make the runtime do, each
/// checked before the allocation or work it bounds. Hitting one is an event
/// naming it; the rest of the map draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one resource (file, provider answer; a tile, the metadata or
    /// a directory read from an archive, refused before it is read). A
    /// map's GeoJSON sources hold at most four times this together, as
    /// text and, once indexed, at their size in memory where larger.
    pub max_resource_bytes: u64,
    /// Pixels of one decoded image (raster tile, image source, sprite sheet),
    /// checked against its header before decoding. A map's sprite sheets
    /// have at most twice this together.
    pub max_image_pixels: u64,
    /// Tiles one source may request for one view.
    pub max_tiles_per_source: u32,
    /// Tiles a view may request over all its sources
    /// ([`crate::map`]'s view shares): the style's first sources come first.
    pub max_tiles_per_view: u32,
    /// Bytes of loaded tiles (decoded vector tiles and raster images) a map
    /// keeps beyond its current view; the least recently needed are evicted
    /// (with their symbol layouts) and requested again when needed. A
    /// GeoJSON source's index also keeps the tiles it cuts within this
    /// budget; its data and index leaves are not counted (they stay while
    /// the source does, bounded by `max_resource_bytes`, and a map's
    /// GeoJSON data together by four times that).
    pub max_tile_cache_bytes: u64,
    /// Features of one decoded tile (vector or GeoJSON): a tile over it fails
    /// with a TILE_ERROR naming the limit, the rest of the map draws.
    pub max_features_per_tile: u64,
    /// Vertices of one decoded tile, likewise.
    pub max_vertices_per_tile: u64,
    /// How many times over its pixels one frame's layers may draw (see
    /// `render::work`), one layer at most a quarter of it when there are
    /// several: the draw commands past either are skipped in paint order,
    /// with a WARNING naming their layers.
    pub max_overdraw: u32,
    /// Resource requests out at once (with the provider or the runtime's
    /// loaders, answers not yet handled and answers whose decoding still
    /// runs included); the others wait in order ([`requests`]).
    pub max_requests_in_flight: u32,
    /// Layers and sources a style may have: the reader skips the ones past
    /// these (a warning says how many) and the runtime-styling API refuses
    /// to add them ([`crate::style::caps`]).
    pub max_style_layers: u32,
    pub max_style_sources: u32,
    /// Bytes of geometry a GeoJSON source's index may cut from its data
    /// (beyond the data) while it is built, and each tile cut on request
    /// ([`crate::source::GeoJsonOptions::cut_bytes`]): past it the build
    /// stops splitting and a cut goes on toward its tile alone; a tile whose
    /// way alone takes twice it fails with a TILE_ERROR naming the limit.
    pub max_geojson_cut_bytes: u64,
    /// Nodes (operators and literals) and nesting levels of one expression
    /// in a style (at most 100 levels): past them that property, filter or
    /// layer is refused like any invalid one, with a warning naming the limit.
    pub max_expression_nodes: u32,
    pub max_expression_depth: u32,
    /// Glyph ranges (256 code points of one font stack) a map loads, and
    /// bytes of glyphs it keeps: a range past either fails with a warning
    /// naming the limit, and labels draw without it.
    pub max_glyph_ranges: u32,
    pub max_glyph_bytes: u64,
    /// Images one sprite index may name: the ones past it are skipped with
    /// a warning naming the limit.
    pub max_sprite_images: u32,
}

impl Limits {
    pub const DEFAULT_MAX_RESOURCE_BYTES: u64 = 64 << 20;
    pub const DEFAULT_MAX_IMAGE_PIXELS: u64 = 4096 * 4096;
    pub const DEFAULT_MAX_TILES_PER_SOURCE: u32 = 1024;
    /// Eight sources at their own bound; a 4096 x 4096 street map asks
    /// for about 100 tiles a source.
    pub const DEFAULT_MAX_TILES_PER_VIEW: u32 = 8192;
    pub const DEFAULT_MAX_TILE_CACHE_BYTES: u64 = 128 << 20;
    /// About 25 times what a street map asks for (the conformance suites
    /// reach 50 at most).
    pub const DEFAULT_MAX_OVERDRAW: u32 = 256;
    /// MapLibre Native's online file source sends 20 at once.
    pub const DEFAULT_MAX_REQUESTS_IN_FLIGHT: u32 = 20;
    /// Every range of 16 font stacks: a hostile style or tile cannot make a
    /// map's glyph store grow without bound.
    pub const DEFAULT_MAX_GLYPH_RANGES: u32 = 16 * 256;
    /// A glyph server answering every range with the largest glyphs a PBF
    /// may hold (17 MB a range) cannot grow a map's glyphs past it.
    pub const DEFAULT_MAX_GLYPH_BYTES: u64 = 256 << 20;
    /// Four times the images of the largest sprite sheets seen in use.
    pub const DEFAULT_MAX_SPRITE_IMAGES: u32 = 16384;

    /// What one JSON document may take once parsed under these limits
    /// ([`crate::data::json::max_parsed_bytes`]).
    pub fn max_parsed_bytes(&self) -> u64 {
        crate::data::json::max_parsed_bytes(self.max_resource_bytes)
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_resource_bytes: Limits::DEFAULT_MAX_RESOURCE_BYTES,
            max_image_pixels: Limits::DEFAULT_MAX_IMAGE_PIXELS,
            max_tiles_per_source: Limits::DEFAULT_MAX_TILES_PER_SOURCE,
            max_tiles_per_view: Limits::DEFAULT_MAX_TILES_PER_VIEW,
            max_tile_cache_bytes: Limits::DEFAULT_MAX_TILE_CACHE_BYTES,
            max_features_per_tile: crate::source::mvt::DEFAULT_MAX_FEATURES_PER_TILE,
            max_vertices_per_tile: crate::source::mvt::DEFAULT_MAX_VERTICES_PER_TILE,
            max_overdraw: Limits::DEFAULT_MAX_OVERDRAW,
            max_requests_in_flight: Limits::DEFAULT_MAX_REQUESTS_IN_FLIGHT,
            max_style_layers: crate::style::StyleCaps::DEFAULT_MAX_LAYERS,
            max_style_sources: crate::style::StyleCaps::DEFAULT_MAX_SOURCES,
            max_geojson_cut_bytes: crate::source::geojson::DEFAULT_CUT_BYTES,
            max_expression_nodes: crate::style::expression::parse::MAX_EXPRESSION_NODES as u32,
            max_expression_depth: crate::style::expression::parse::MAX_EXPRESSION_DEPTH as u32,
            max_glyph_ranges: Limits::DEFAULT_MAX_GLYPH_RANGES,
            max_glyph_bytes: Limits::DEFAULT_MAX_GLYPH_BYTES,
            max_sprite_images: Limits::DEFAULT_MAX_SPRITE_IMAGES,
        }
    }
}

/// What the runtime drives: a map (the map room's `Map` implements it). The
/// runtime owns this trait so that it never depends on the map's type.
pub trait Client: Any {
    /// What a request or a worker job was for, handed back with its answer.
    type Purpose: Send + 'static;
    /// Starts what the map's view needs (requests, worker jobs).
    fn update(&mut self, core: &mut Core);
    /// The map was used (an answer or a job result reached it).
    fn touch(&mut self);
    /// A resource request's answer.
    fn on_response(&mut self, purpose: Self::Purpose, info: &ResourceInfo, response: Response, core: &mut Core);
    /// A worker job for `purpose` failed (panicked): the slot must not wait forever.
    fn on_job_failed(&mut self, purpose: Self::Purpose, message: &str, core: &mut Core);
    fn has_style(&self) -> bool;
    /// Whether everything the view needs has loaded (or failed).
    fn is_view_loaded(&self) -> bool;
    /// What the view still waits for, in words.
    fn describe_pending(&self) -> String;
    /// Draws the map into its target.
    fn render(&mut self, core: &mut Core);
}

/// Work applied on the owner thread to one map of type `M`.
pub type MapWork<M> = Box<dyn FnOnce(&mut M, &mut Core) + Send>;

/// [`MapWork`] with the map's type erased (checked when applied).
type AnyWork = Box<dyn FnOnce(&mut dyn Any, &mut Core) + Send>;

fn erase<M: Client>(work: MapWork<M>) -> AnyWork {
    Box::new(move |m: &mut dyn Any, core: &mut Core| match m.downcast_mut::<M>() {
        Some(m) => work(m, core),
        None => log::error!("work for a map of another type is dropped"),
    })
}

/// What other threads post to the runtime.
pub enum Message {
    Response { request: u64, response: Response },
    Work { map: u64, apply: AnyWork },
    /// A worker reading a remote archive needs a byte range: the owner
    /// thread hands the request to the provider.
    Range { request: Arc<Request>, wait: Arc<archives::RangeWait> },
}

/// The thread-safe part of a runtime.
pub struct Shared {
    pub inbox: Inbox<Message>,
    /// Set by `interrupt` (any thread): a waiting still render gives up.
    interrupted: std::sync::atomic::AtomicBool,
    /// The runtime's maps: a worker job for a map that is gone is skipped
    /// ([`JobToken`]). Emptied when the runtime goes.
    maps: std::sync::Mutex<HashSet<u64>>,
}

impl Shared {
    fn has_map(&self, map: u64) -> bool {
        self.maps.lock().unwrap_or_else(|e| e.into_inner()).contains(&map)
    }

    fn set_map(&self, map: u64, present: bool) {
        let mut maps = self.maps.lock().unwrap_or_else(|e| e.into_inner());
        if present {
            maps.insert(map);
        } else {
            maps.remove(&map);
        }
    }

    /// Makes a still render that is waiting for resources return
    /// `StillError::Interrupted` (any thread).
    pub fn interrupt(&self) {
        self.interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
        self.inbox.wake();
    }
}

impl ResponseSink for Shared {
    fn deliver(&self, request: u64, response: Response) {
        self.inbox.post(Message::Response { request, response });
    }
}

/// Whether a worker job's map still wants its result (any thread): not
/// once the map is removed or its runtime destroyed. Jobs not started by
/// then are skipped; a long job (a shared GeoJSON index another runtime is
/// building) asks it while it waits, so destroying a runtime does not wait
/// for work nobody will see.
#[derive(Clone)]
pub struct JobToken {
    shared: Weak<Shared>,
    map: u64,
}

impl JobToken {
    pub fn wanted(&self) -> bool {
        self.shared.upgrade().is_some_and(|s| s.has_map(self.map))
    }
}

/// Everything of a runtime but its maps: what a map uses while it updates.
pub struct Core {
    shared: Arc<Shared>,
    workers: WorkerPool,
    provider: Option<Arc<dyn Provider>>,
    asset_root: Option<PathBuf>,
    files: Arc<resource::FilePolicy>,
    /// Tile archives opened by this runtime's maps (shared by them).
    archives: Arc<archives::Archives>,
    /// Threads serving remote archives (started with the first request for one).
    remote_readers: Option<WorkerPool>,
    limits: Limits,
    /// Tests: every `spawn_for` job panics.
    #[cfg(test)]
    pub(crate) panic_jobs: bool,
    render_threads: usize,
    fonts: Arc<crate::text::font::FontLibrary>,
    glyphs_mode: GlyphsMode,
    requests: requests::Requests,
    /// The place of the answer being handled: the first job spawned for it
    /// holds it ([`requests::Place`]).
    answer_place: std::cell::Cell<Option<requests::Place>>,
    events: Vec<Event>,
    /// Held by worker jobs that must not run together ([`Core::one_at_a_time`]).
    heavy: Arc<std::sync::Mutex<()>>,
}

impl Core {
    /// Requests a resource for `map`; the answer reaches `Client::on_response`
    /// with `purpose`. The request goes out now, or once fewer than
    /// `max_requests_in_flight` are out ([`requests`]).
    pub fn request<P: Send + 'static>(&mut self, map: u64, mut info: ResourceInfo, purpose: P) {
        let id = resource::next_request_id();
        let sink: Weak<dyn ResponseSink> = Arc::downgrade(&(self.shared.clone() as Arc<dyn ResponseSink>));
        // A URL past the bound is kept cut, and answered with an error.
        let refusal = resource::cut_long_url(&mut info.url);
        let request = Arc::new(Request::new(id, info, sink));
        self.requests.add(requests::Pending::new(map, Box::new(purpose), request).refused(refusal));
        self.send_waiting();
    }

    /// Sends the waiting requests that may go out now (a refused one is
    /// answered with its error, on a worker as a loader's answer is).
    fn send_waiting(&mut self) {
        while let Some((request, refusal)) = self.requests.next_to_send() {
            match refusal {
                Some(why) => serve_on(&self.workers, request, move |_| Response::Error(why)),
                None => self.send(request),
            }
        }
    }

    /// Sends a request: archives are served here; other URLs go to the
    /// provider first, then to the runtime's loaders (on a worker thread).
    fn send(&mut self, request: Arc<Request>) {
        let root = self.asset_root.clone();
        let files = self.files.clone();
        if archives::is_archive_url(&request.info.url) {
            // Built in: archives are served here, not by the provider.
            let archives = self.archives.clone();
            let remote = archives::Remote { shared: Arc::downgrade(&self.shared), max_bytes: self.limits.max_resource_bytes };
            let serve = move |request: &Arc<Request>| archives.serve(request, root.as_deref(), &files, &remote);
            if !archives::is_remote_archive_url(&request.info.url) {
                serve_on(&self.workers, request, serve);
                return;
            }
            if self.remote_readers.is_none() {
                match WorkerPool::new(archives::REMOTE_READERS) {
                    Ok(pool) => self.remote_readers = Some(pool),
                    Err(e) => log::warn!("cannot start the remote archive readers ({e}); using the workers"),
                }
            }
            serve_on(self.remote_readers.as_ref().unwrap_or(&self.workers), request, serve);
            return;
        }
        if let Some(provider) = self.provider.clone() {
            if provider.request(&request) == Decision::Handled {
                self.requests.set_provider(request.id, provider);
                return;
            }
        }
        serve_on(&self.workers, request, move |request: &Arc<Request>| {
            let url = &request.info.url;
            resource::load_local(url, root.as_deref(), &files).unwrap_or_else(|| {
                Response::Error(format!(
                    "no loader for {url}: the runtime serves file://, builtin://, local paths, and pmtiles:// and mbtiles:// archives; \
                     set a resource provider for other URLs"
                ))
            })
        });
    }

    /// A lock for worker jobs whose working memory is several times what
    /// they keep (building a GeoJSON source's index): holding it while they
    /// run, they run one at a time, whatever the number of workers, so the
    /// runtime's peak memory holds one such job's work, not one per worker.
    pub fn one_at_a_time(&self) -> Arc<std::sync::Mutex<()>> {
        Arc::clone(&self.heavy)
    }

    /// Tells a worker job whether `map` still wants its result.
    pub fn job_token(&self, map: u64) -> JobToken {
        JobToken { shared: Arc::downgrade(&self.shared), map }
    }

    /// Runs `job` on a worker; its result is applied to `map` on the owner
    /// thread at the next pump (dropped if the map is gone by then).
    /// Skipped when the map is gone before the job starts.
    /// The first job spawned while an answer is handled holds the answer's
    /// place among the requests in flight until its result is ready.
    pub fn spawn<M: Client>(&self, map: u64, job: impl FnOnce() -> MapWork<M> + Send + 'static) {
        let shared = Arc::downgrade(&self.shared);
        let token = self.job_token(map);
        let place = self.answer_place.take();
        self.workers.spawn(move || {
            if !token.wanted() {
                return;
            }
            let apply = erase(job());
            if let Some(place) = place {
                place.release();
            }
            if let Some(shared) = shared.upgrade() {
                shared.inbox.post(Message::Work { map, apply });
            }
        });
    }

    /// Like [`Core::spawn`], for a job that fills `purpose`'s slot: if the job
    /// panics, the map hears of it (`Client::on_job_failed`) so the slot is
    /// marked failed with an event instead of waiting forever.
    /// Skipped when the map is gone before the job starts.
    pub fn spawn_for<M: Client>(&self, map: u64, purpose: M::Purpose, job: impl FnOnce() -> MapWork<M> + Send + 'static) {
        #[cfg(test)]
        let panic_jobs = self.panic_jobs;
        self.spawn(map, move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                #[cfg(test)]
                if panic_jobs {
                    panic!("test: a panicking worker job");
                }
                job()
            }));
            match result {
                Ok(apply) => apply,
                Err(payload) => {
                    let message = payload
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".to_string());
                    log::error!("a worker job panicked: {message}");
                    Box::new(move |m: &mut M, core: &mut Core| {
                        m.on_job_failed(purpose, &format!("internal error (a worker job panicked: {message})"), core)
                    })
                }
            }
        });
    }

    /// Queues an event for the host.
    pub fn emit(&mut self, event: Event) {
        log::debug!("event {:?} {} {}", event.kind, event.url, event.message);
        self.events.push(event);
    }

    /// Cancels every outstanding request of `map` (and tells the provider).
    /// The places they free are taken at the next update or answer.
    pub fn cancel_requests(&mut self, map: u64) {
        for id in self.requests.of_map(map) {
            if let Some(p) = self.requests.take(id) {
                if p.request.cancel() {
                    if let Some(provider) = &p.provider {
                        provider.cancel(&p.request);
                    }
                }
            }
        }
    }

    pub fn render_threads(&self) -> usize {
        self.render_threads
    }

    /// Applies the limits that an answer can be held to before any work is
    /// done with it: its length, and an image's declared pixel count.
    fn screen(&self, info: &ResourceInfo, response: Response) -> Response {
        let Response::Data(bytes) = &response else { return response };
        let bytes = (**bytes).as_ref();
        if bytes.len() as u64 > self.limits.max_resource_bytes {
            return resource::too_big(&info.url, bytes.len() as u64, self.limits.max_resource_bytes);
        }
        use resource::ResourceKind as K;
        if matches!(info.kind, K::Tile | K::Image | K::SpriteImage) {
            if let Err(e) = crate::source::raster::check_image_pixels(bytes, self.limits.max_image_pixels) {
                return Response::Error(format!("{}: {e}", info.url));
            }
        }
        response
    }

    /// The runtime's bounds on untrusted input.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The runtime's local fonts (bundled and added).
    pub fn fonts(&self) -> &Arc<crate::text::font::FontLibrary> {
        &self.fonts
    }

    pub fn glyphs_mode(&self) -> GlyphsMode {
        self.glyphs_mode
    }
}

/// Answers `request` with `serve` on one of `pool`'s threads, unless it was
/// cancelled while queued (its map is gone: nothing to read).
fn serve_on(pool: &WorkerPool, request: Arc<Request>, serve: impl FnOnce(&Arc<Request>) -> Response + Send + 'static) {
    pool.spawn(move || {
        if request.is_cancelled() {
            return;
        }
        let response = serve(&request);
        // The request is ours alone: it cannot have been completed.
        let _ = request.complete(response);
    });
}

/// A runtime driving maps of type `M`. Lives on its owner thread; see the
/// module docs.
pub struct Runtime<M: Client> {
    core: Core,
    maps: BTreeMap<u64, M>,
}

/// Why a still image could not be rendered.
#[derive(Debug, PartialEq, Eq)]
pub enum StillError {
    NoSuchMap,
    NoStyle,
    Timeout(String),
    /// `Shared::interrupt` was called while waiting (what was still missing).
    Interrupted(String),
}

impl<M: Client> Runtime<M> {
    pub fn new(options: RuntimeOptions) -> std::io::Result<Runtime<M>> {
        let mut roots = options.allowed_roots.clone();
        roots.extend(options.asset_root.iter().cloned());
        let files = Arc::new(resource::FilePolicy::new(&roots, options.limits.max_resource_bytes)?);
        let workers = WorkerPool::new(workers::thread_count(options.worker_threads))?;
        let fonts = Arc::new(crate::text::font::FontLibrary::new());
        let mut events = Vec::new();
        for path in &options.font_paths {
            load_font_path(&fonts, path, &mut events)?;
        }
        let shared = Arc::new(Shared { inbox: Inbox::default(), interrupted: Default::default(), maps: Default::default() });
        let weak = Arc::downgrade(&shared);
        let wake: requests::Wake = Arc::new(move || {
            if let Some(s) = weak.upgrade() {
                s.inbox.wake();
            }
        });
        Ok(Runtime {
            core: Core {
                shared,
                workers,
                provider: None,
                asset_root: options.asset_root,
                files,
                archives: Default::default(),
                remote_readers: None,
                limits: options.limits,
                #[cfg(test)]
                panic_jobs: false,
                render_threads: workers::thread_count(options.render_threads),
                fonts,
                glyphs_mode: options.glyphs_mode,
                requests: requests::Requests::new(options.limits.max_requests_in_flight, wake),
                answer_place: Default::default(),
                events,
                heavy: Default::default(),
            },
            maps: BTreeMap::new(),
        })
    }

    /// Adds the faces of a font file's bytes to the local fonts; returns
    /// their names. Glyph ranges already loaded keep their glyphs.
    pub fn add_font(&mut self, bytes: Vec<u8>, source: &str) -> Result<Vec<String>, String> {
        self.core.fonts.add_bytes(bytes, source).map_err(|e| e.to_string())
    }

    /// Adds a font file read as the runtime reads local files: under an
    /// allowed root (or the asset root, for a relative path), within the
    /// resource byte limit.
    pub fn add_font_file(&mut self, path: &str) -> Result<Vec<String>, String> {
        match resource::load_local(path, self.core.asset_root.as_deref(), &self.core.files) {
            Some(Response::Data(bytes)) => {
                let name = std::path::Path::new(path).file_name().map_or(path.to_string(), |n| n.to_string_lossy().into_owned());
                self.add_font((*bytes).as_ref().to_vec(), &name)
            }
            Some(Response::NotFound) => Err(format!("{path}: not found")),
            Some(Response::Error(e)) => Err(e),
            None => Err(format!("{path}: not a local file path")),
        }
    }

    /// Glyphs in the local glyph cache and their bytes.
    pub fn core_fonts_cache(&self) -> (usize, usize) {
        self.core.fonts.cache_stats()
    }

    /// The part other threads may hold (to post or wake).
    pub fn shared(&self) -> Arc<Shared> {
        self.core.shared.clone()
    }

    pub fn set_provider(&mut self, provider: Option<Arc<dyn Provider>>) {
        self.core.provider = provider;
    }

    pub fn add_map(&mut self, id: u64, map: M) {
        self.core.shared.set_map(id, true);
        self.maps.insert(id, map);
    }

    pub fn map(&self, id: u64) -> Option<&M> {
        self.maps.get(&id)
    }

    /// Tests: how many archives the runtime has opened.
    #[cfg(test)]
    pub(crate) fn archive_open_count(&self) -> usize {
        self.core.archives.open_count()
    }

    /// Tests: make every worker job of `spawn_for` panic.
    #[cfg(test)]
    pub(crate) fn panic_jobs(&mut self, on: bool) {
        self.core.panic_jobs = on;
    }

    /// A map and the core, for calls that may request resources or emit events.
    pub fn map_mut(&mut self, id: u64) -> Option<(&mut M, &mut Core)> {
        let core = &mut self.core;
        self.maps.get_mut(&id).map(|m| (m, core))
    }

    pub fn remove_map(&mut self, id: u64) -> Option<M> {
        self.core.shared.set_map(id, false);
        self.core.cancel_requests(id);
        self.maps.remove(&id)
    }

    pub fn map_count(&self) -> usize {
        self.maps.len()
    }

    /// Takes the queued events.
    pub fn drain_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.core.events)
    }

    fn update_maps(&mut self) {
        for (_, map) in self.maps.iter_mut() {
            map.update(&mut self.core);
        }
        self.core.send_waiting();
    }

    fn handle(&mut self, messages: Vec<Message>) -> u32 {
        let mut handled = 0;
        for message in messages {
            match message {
                Message::Response { request, response } => {
                    if let Some(p) = self.core.requests.take(request) {
                        if let Some(map) = self.maps.get_mut(&p.map) {
                            let response = self.core.screen(&p.request.info, response);
                            map.touch();
                            self.core.answer_place.set(Some(self.core.requests.place()));
                            match p.purpose.downcast::<M::Purpose>() {
                                Ok(purpose) => map.on_response(*purpose, &p.request.info, response, &mut self.core),
                                Err(_) => log::error!("request {request}: an answer for a map of another type is dropped"),
                            }
                            // No job took it: the answer is done with.
                            if let Some(place) = self.core.answer_place.take() {
                                place.release();
                            }
                            handled += 1;
                        }
                    }
                }
                Message::Range { request, wait } => wait.dispatch(&request, self.core.provider.clone()),
                Message::Work { map, apply } => {
                    if let Some(m) = self.maps.get_mut(&map) {
                        m.touch();
                        apply(m, &mut self.core);
                        handled += 1;
                    }
                }
            }
        }
        // Answers freed places for waiting requests.
        self.core.send_waiting();
        handled
    }

    /// Advances loading: handles finished work, waiting up to `timeout` when
    /// there is none. Returns how many units of work were handled.
    pub fn pump(&mut self, timeout: Option<Duration>) -> u32 {
        self.update_maps();
        let (messages, woken) = self.core.shared.inbox.take_woken(None);
        let mut handled = self.handle(messages);
        // A wake that came before this pump makes it return at once.
        if handled == 0 && !woken {
            if let Some(t) = timeout.filter(|t| !t.is_zero()) {
                let deadline = Instant::now().checked_add(t);
                let messages = match deadline {
                    Some(d) => self.core.shared.inbox.take(Some(d)),
                    None => self.core.shared.inbox.take(Some(Instant::now() + Duration::from_secs(86400 * 365))),
                };
                handled += self.handle(messages);
            }
        }
        self.update_maps();
        handled
    }

    /// Pumps until `map` has loaded (or failed) everything its view needs,
    /// then renders it into its target.
    pub fn render_still(&mut self, map_id: u64, timeout: Option<Duration>) -> Result<(), StillError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        // An interrupt aimed at an earlier render does not cancel this one.
        self.core.shared.interrupted.store(false, std::sync::atomic::Ordering::SeqCst);
        loop {
            let update_started = Instant::now();
            self.update_maps();
            let update_took = update_started.elapsed();
            let map = self.maps.get(&map_id).ok_or(StillError::NoSuchMap)?;
            if !map.has_style() {
                return Err(StillError::NoStyle);
            }
            if map.is_view_loaded() {
                break;
            }
            if self.core.shared.interrupted.swap(false, std::sync::atomic::Ordering::SeqCst) {
                return Err(StillError::Interrupted(map.describe_pending()));
            }
            let wait = match deadline {
                Some(d) if Instant::now() >= d => {
                    let mut pending = map.describe_pending();
                    let (out, waiting) = self.core.requests.counts();
                    if waiting > 0 {
                        pending.push_str(&format!(
                            "; {waiting} requests wait to go out ({out} are out: max_requests_in_flight is {})",
                            self.core.requests.max_out()
                        ));
                    }
                    return Err(StillError::Timeout(pending));
                }
                Some(d) => d,
                None => Instant::now() + Duration::from_secs(3600),
            };
            let messages = self.core.shared.inbox.take(Some(wait));
            if !messages.is_empty() {
                self.handle(messages);
                self.gather_answers(update_took, wait);
            }
        }
        let (map, core) = self.map_mut(map_id).ok_or(StillError::NoSuchMap)?;
        map.render(core);
        core.emit(Event::new(EventKind::StillImageFinished, map_id));
        Ok(())
    }

    /// Handles the answers that come within `update_took` (at most
    /// [`MAX_GATHER`], and not past `deadline`) before the next update.
    /// Answers often come one at a time, and an update visits every source
    /// the view uses: with one update per answer, a style of thousands of
    /// sources spent most of a still render in updates. Gathering for as
    /// long as the last update took keeps updates to about half the time
    /// whatever the number of sources. Each answer is handled as it comes,
    /// so the requests it frees go out at once. A wake (an interrupt) ends
    /// the gathering.
    fn gather_answers(&mut self, update_took: Duration, deadline: Instant) {
        let until = (Instant::now() + update_took.min(MAX_GATHER)).min(deadline);
        while Instant::now() < until {
            let (messages, woken) = self.core.shared.inbox.take_woken(Some(until));
            self.handle(messages);
            if woken {
                break;
            }
        }
    }

    /// Renders what is loaded now; returns whether the view was complete.
    pub fn render_frame(&mut self, map_id: u64) -> Result<bool, StillError> {
        self.update_maps();
        let (map, core) = self.map_mut(map_id).ok_or(StillError::NoSuchMap)?;
        if !map.has_style() {
            return Err(StillError::NoStyle);
        }
        let complete = map.is_view_loaded();
        map.render(core);
        let mut e = Event::new(EventKind::RenderFrameFinished, map_id);
        e.complete = complete;
        core.emit(e);
        Ok(complete)
    }
}

/// Longest a still render gathers answers before it updates its maps
/// (see `Runtime::gather_answers`).
const MAX_GATHER: Duration = Duration::from_millis(50);

/// Most font files taken from one folder of `RuntimeOptions::font_paths`.
const MAX_FONTS_PER_FOLDER: usize = 256;

/// Adds a font file (refused: an error) or a folder's font files (one that
/// is refused: a WARNING event, the others are added).
fn load_font_path(fonts: &crate::text::font::FontLibrary, path: &std::path::Path, events: &mut Vec<Event>) -> std::io::Result<()> {
    let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let read = |file: &std::path::Path| -> Result<Vec<u8>, String> {
        let meta = std::fs::metadata(file).map_err(|e| format!("font {}: {e}", file.display()))?;
        if !meta.is_file() {
            return Err(format!("font {}: not a regular file", file.display()));
        }
        if meta.len() > crate::text::font::MAX_FONT_BYTES as u64 {
            return Err(format!("font {}: {} bytes, more than the limit of {}", file.display(), meta.len(), crate::text::font::MAX_FONT_BYTES));
        }
        std::fs::read(file).map_err(|e| format!("font {}: {e}", file.display()))
    };
    let meta = std::fs::metadata(path).map_err(|e| std::io::Error::new(e.kind(), format!("font path {}: {e}", path.display())))?;
    if !meta.is_dir() {
        let bytes = read(path).map_err(invalid)?;
        fonts.add_bytes(bytes, &path.display().to_string()).map_err(|e| invalid(e.to_string()))?;
        return Ok(());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().and_then(|x| x.to_str()).is_some_and(|x| matches!(x.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc" | "otc"))
        })
        .collect();
    files.sort();
    if files.len() > MAX_FONTS_PER_FOLDER {
        events.push(Event::new(EventKind::Warning, 0).message(format!(
            "font folder {}: {} font files, only the first {MAX_FONTS_PER_FOLDER} are used",
            path.display(),
            files.len()
        )));
        files.truncate(MAX_FONTS_PER_FOLDER);
    }
    for file in files {
        if let Err(e) = read(&file).and_then(|b| fonts.add_bytes(b, &file.display().to_string()).map_err(|e| e.to_string())) {
            events.push(Event::new(EventKind::Warning, 0).message(format!("{e}; the font is not used")));
        }
    }
    Ok(())
}

impl<M: Client> Drop for Runtime<M> {
    fn drop(&mut self) {
        let ids: Vec<u64> = self.maps.keys().copied().collect();
        for id in ids {
            self.core.shared.set_map(id, false);
            self.core.cancel_requests(id);
        }
    }
}

#[cfg(test)]
mod job_tests;
