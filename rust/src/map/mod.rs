//! Map state: the style, its sources and tiles, the camera, and the last
//! rendered frame. A map advances when its runtime calls `update` (to issue
//! requests for what the view needs) and `on_response` (with answers).

mod cache;
pub mod camera;
mod client;
mod cover_memo;
pub mod fit;
pub mod glyphs;
mod local_glyphs;
pub mod sources;
pub mod sprites;
pub mod state;
pub mod styling;
pub mod symbols;
mod overdraw;
mod view_key;
mod view_share;
mod view_tiles;
mod query;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::render::Image;
use crate::runtime::events::{Event, EventKind};
use crate::runtime::resource::{ResourceInfo, ResourceKind, Response};
use crate::runtime::Core;
use crate::style::expression::fuel;
use crate::source::cover;
use crate::source::feature::TileId;
use crate::style::{self, Style};
pub use camera::Camera;
pub use client::Runtime;
pub use styling::StyleImage;
use sources::{GeoJsonBytes, Meta, SourceState, TileSlot, Tiles};

/// Why a map call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapErrorKind {
    InvalidArgument,
    InvalidState,
    NotFound,
    Parse,
    Unsupported,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError {
    pub kind: MapErrorKind,
    pub message: String,
}

impl MapError {
    pub fn new(kind: MapErrorKind, message: impl Into<String>) -> MapError {
        MapError { kind, message: message.into() }
    }
}

/// What a resource request was for.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    Style,
    /// A sprite sheet's index (`image` false) or image (`image` true).
    Sprite { id: String, image: bool },
    SourceMeta { source: String },
    Tile { source: String, tile: TileId },
    /// A glyph range of a font stack.
    Glyphs { stack: String, range: u32 },
    /// A tile's labels (glyph dependencies or symbol layout): source, data
    /// tile, overscaled zoom.
    Labels { source: String, tile: TileId, z: u8 },
}

/// A sprite sheet on its way: its two parts, then done.
#[derive(Default)]
struct SpriteLoad {
    index: Option<crate::runtime::resource::Bytes>,
    image: Option<crate::runtime::resource::Bytes>,
    /// Sliced (or failed): nothing more to wait for.
    done: bool,
    /// The sheet's pixels, read from its header (charged to the map's
    /// sprite budget: [`sprites::sheet_budget`]).
    pixels: u64,
}

enum StyleSlot {
    None,
    Loading(String),
    Failed,
    Ready(Arc<Style>),
}

pub struct Map {
    id: u64,
    /// Expression steps left for indexing the style's GeoJSON sources (their
    /// filters and cluster properties): one bound for them all, not one
    /// each (10,000 sources each with its own took hours). Full again at
    /// each style and each runtime-styling edit.
    index_steps: Arc<std::sync::atomic::AtomicU64>,
    width: u32,
    height: u32,
    pixel_ratio: f32,
    camera: Camera,
    style: StyleSlot,
    /// The style as JSON, kept in step with `style` by runtime styling,
    /// without inline GeoJSON data (`style` holds it: see
    /// `style::strip_inline_data`).
    style_doc: serde_json::Value,
    /// Where the style came from (set_style_url): its relative URLs resolve
    /// against it. None for styles given as JSON.
    style_url: Option<String>,
    /// Images added at run time, by id.
    images: BTreeMap<String, StyleImage>,
    /// Sprite sheets of the style being loaded, by sprite id.
    sprites: BTreeMap<String, SpriteLoad>,
    /// Images from the style's sprites (runtime images take precedence).
    sprite_images: BTreeMap<String, StyleImage>,
    /// Feature state by (source, source layer) and feature id key.
    feature_state: state::FeatureStates,
    sources: BTreeMap<String, SourceState>,
    frame: Option<Image>,
    idle_reported: bool,
    /// Bumped by every change that can alter what the view draws (except the
    /// camera and size, which the layout cache compares directly).
    version: u64,
    /// The last display list and what it was built for.
    layout_cache: Option<(LayoutKey, Arc<LaidOut>)>,
    /// Image ids layout asked for and did not find (`*-pattern`), and the
    /// ones already reported by a warning.
    missing_images: std::sync::Mutex<std::collections::BTreeSet<String>>,
    warned_images: std::collections::BTreeSet<String>,
    /// Glyphs and per-tile symbol layouts.
    symbols: symbols::Symbols,
    /// The last frame's shown symbols (for queries).
    placed: Arc<crate::symbol::placement::PlacedSymbols>,
    /// When tiles were last needed (the tile cache's LRU order).
    tile_use: cache::TileUse,
    /// The bytes of the view's tiles, bounded over all sources.
    view_tiles: view_tiles::ViewTiles,
    /// The view whose sources were told they passed `max_tiles_per_view`.
    view_share_warned: Option<view_key::ViewKey>,
    /// Fill, line, circle, extrusion and heatmap layers laid out per tile
    /// (made during layout, which sees the map shared: hence the lock).
    tile_layouts: std::sync::Mutex<crate::layout::tile_cache::TileLayouts>,
    /// The view's tile covers, per cover options (asked for many times an
    /// update; behind a lock as `needed_tiles` sees the map shared).
    covers: std::sync::Mutex<cover_memo::CoverMemo>,
    /// The sources the drawn layers use, for the style (held, so its
    /// address cannot be reused by another) and the zoom they were found at.
    used: std::sync::Mutex<Option<UsedSources>>,
    /// Counts the styles installed: part of the view's key.
    style_serial: u64,
}

/// [`Map::used_sources`]'s last answer and what it was for.
struct UsedSources {
    style: Arc<Style>,
    zoom_bits: u64,
    ids: Arc<[String]>,
}

/// What a display list depends on besides the content version.
#[derive(Clone, Copy, Debug, PartialEq)]
struct LayoutKey {
    version: u64,
    camera: Camera,
    width: u32,
    height: u32,
    pixel_ratio: f32,
}

impl Map {
    pub fn new(id: u64, width: u32, height: u32, pixel_ratio: f32) -> Map {
        Map {
            id,
            index_steps: Arc::new(fuel::MAX_STEPS.into()),
            width,
            height,
            pixel_ratio,
            camera: Camera::default(),
            style: StyleSlot::None,
            style_doc: serde_json::Value::Null,
            style_url: None,
            images: BTreeMap::new(),
            feature_state: Default::default(),
            sprites: BTreeMap::new(),
            sprite_images: BTreeMap::new(),
            sources: BTreeMap::new(),
            frame: None,
            idle_reported: false,
            version: 0,
            layout_cache: None,
            missing_images: Default::default(),
            warned_images: Default::default(),
            symbols: Default::default(),
            placed: Default::default(),
            tile_use: Default::default(),
            view_tiles: Default::default(),
            view_share_warned: None,
            tile_layouts: Default::default(),
            covers: Default::default(),
            used: Default::default(),
            style_serial: 0,
        }
    }

    /// A URL named by the style, resolved against the style's own URL.
    fn resolve(&self, url: &str) -> String {
        match &self.style_url {
            Some(base) => crate::runtime::resource::resolve_url(base, url),
            None => url.to_string(),
        }
    }

    /// How many per-tile layer layouts (one style layer over one tile, see
    /// `layout::tile_layout`) were made so far, and how many are kept now.
    pub fn tile_layout_counts(&self) -> (u64, usize) {
        let layouts = self.tile_layouts.lock().unwrap_or_else(|e| e.into_inner());
        (layouts.built(), layouts.kept())
    }

    /// Records that something the view draws may have changed.
    pub fn touch(&mut self) {
        self.version = self.version.wrapping_add(1);
    }

    /// The logical view size.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    pub fn set_size(&mut self, width: u32, height: u32, pixel_ratio: f32) {
        if (width, height, pixel_ratio) != (self.width, self.height, self.pixel_ratio) {
            self.width = width;
            self.height = height;
            self.pixel_ratio = pixel_ratio;
            self.frame = None;
            self.idle_reported = false;
        }
    }

    pub fn camera(&self) -> Camera {
        self.camera
    }

    pub fn jump_to(&mut self, camera: Camera) {
        let c = camera.normalized();
        if c != self.camera {
            self.camera = c;
            self.idle_reported = false;
        }
    }

    /// The view transform (logical pixels).
    pub fn transform(&self) -> crate::source::transform::Transform {
        self.camera.transform(self.width, self.height)
    }

    pub fn frame(&self) -> Option<&Image> {
        self.frame.as_ref()
    }

    pub fn has_style(&self) -> bool {
        !matches!(self.style, StyleSlot::None)
    }

    pub fn style(&self) -> Option<&Arc<Style>> {
        match &self.style {
            StyleSlot::Ready(s) => Some(s),
            _ => None,
        }
    }

    /// Parses and applies a style (synchronously); the map is unchanged on error.
    pub fn set_style_json(&mut self, json: &[u8], core: &mut Core) -> Result<(), MapError> {
        let (parsed, doc) = Self::parse_style_bytes(json, style_caps(core))?;
        self.style_url = None;
        self.apply_style(parsed, doc, core, false);
        Ok(())
    }

    /// Starts loading a style from `url`.
    pub fn set_style_url(&mut self, url: &str, core: &mut Core) {
        core.cancel_requests(self.id);
        self.sources.clear();
        self.set_style_slot(StyleSlot::Loading(url.to_string()));
        self.style_url = Some(url.to_string());
        self.idle_reported = false;
        core.request(
            self.id,
            ResourceInfo { url: url.to_string(), kind: ResourceKind::Style, tile: None, range: None },
            Purpose::Style,
        );
    }

    /// Installs a parsed style. A full load (`edit` false) replaces every
    /// source and moves the camera to the style's view; an edit (runtime
    /// styling) keeps the state of sources whose JSON did not change and
    /// leaves the camera alone.
    fn apply_style(&mut self, parsed: style::ParsedStyle, mut doc: serde_json::Value, core: &mut Core, edit: bool) {
        self.touch();
        self.index_steps = Arc::new(fuel::MAX_STEPS.into());
        let style = parsed.style;
        style::strip_inline_data(&mut doc, &style);
        let old_sources = std::mem::take(&mut self.sources);
        if !edit {
            core.cancel_requests(self.id);
        }
        let old_style = self.style().cloned();
        let old_spec = |id: &str| old_style.as_ref().and_then(|s| s.sources.iter().find(|(k, _)| k == id)).map(|(_, spec)| spec);
        for (id, spec) in &style.sources {
            // Inline data is in the spec (the document holds null for it).
            let unchanged = edit && self.style_doc["sources"].get(id) == doc["sources"].get(id) && old_spec(id) == Some(spec);
            let state = match old_sources.get(id) {
                Some(_) if unchanged => None,
                _ => Some(sources::from_spec(spec)),
            };
            let state = state.unwrap_or_else(|| sources::take(&old_sources, id));
            if let (Meta::Failed(why), false) = (&state.meta, unchanged) {
                core.emit(Event::new(EventKind::Warning, self.id).source(id.clone()).message(why.clone()));
            }
            self.sources.insert(id.clone(), state);
        }
        if !edit {
            let mut cam = self.camera;
            if let Some([lng, lat]) = style.center {
                cam.longitude = lng;
                cam.latitude = lat;
            }
            if let Some(z) = style.zoom {
                cam.zoom = z;
            }
            cam.bearing = style.bearing;
            cam.pitch = style.pitch;
            self.camera = cam.normalized();
            for w in &parsed.warnings {
                core.emit(Event::new(EventKind::Warning, self.id).message(w.clone()));
            }
        }
        let known: Vec<&str> = self.style().map(|s| s.layers.iter().map(|l| l.id.as_str()).collect()).unwrap_or_default();
        for layer in &style.layers {
            if edit && known.contains(&layer.id.as_str()) {
                continue;
            }
            if !crate::layout::is_drawn_kind(layer.kind) {
                core.emit(Event::new(EventKind::Warning, self.id).message(format!(
                    "layer \"{}\": {} layers are not rendered yet (UNSUPPORTED)",
                    layer.id,
                    layer.kind.name()
                )));
            }
        }
        if !edit || self.style_doc.get("sprite") != doc.get("sprite") {
            self.load_sprites(&style.sprite, core);
        }
        self.set_style_slot(StyleSlot::Ready(Arc::new(style)));
        self.style_doc = doc;
        self.frame = None;
        self.idle_reported = false;
        if !edit {
            core.emit(Event::new(EventKind::StyleLoaded, self.id).message(parsed.warnings.join("\n")));
        }
    }

    fn load_sprites(&mut self, sheets: &[(String, String)], core: &mut Core) {
        self.sprites.clear();
        self.sprite_images.clear();
        for (id, url) in sheets {
            self.sprites.insert(id.clone(), SpriteLoad::default());
            let (index, image) = sprites::sprite_urls(&self.resolve(url), self.pixel_ratio);
            for (url, kind, is_image) in [(index, ResourceKind::SpriteJson, false), (image, ResourceKind::SpriteImage, true)] {
                core.request(self.id, ResourceInfo { url, kind, tile: None, range: None }, Purpose::Sprite { id: id.clone(), image: is_image });
            }
        }
    }

    fn on_sprite(&mut self, id: String, is_image: bool, info: &ResourceInfo, response: Response, core: &mut Core) {
        let map_id = self.id;
        // The other sheets' pixels (a few sheets per style).
        let others: u64 = self.sprites.iter().filter(|(other, _)| **other != id).map(|(_, l)| l.pixels).sum();
        let Some(load) = self.sprites.get_mut(&id) else { return };
        let bytes = match response {
            Response::Data(b) => b,
            Response::NotFound => {
                load.done = true;
                let mut ev = Event::new(EventKind::ResourceError, map_id).url(info.url.clone()).message("sprite not found");
                ev.resource_kind = Some(info.kind);
                core.emit(ev);
                return;
            }
            Response::Error(_) => {
                load.done = true; // the error event was emitted by on_response
                return;
            }
        };
        if is_image {
            let (w, h) = crate::source::raster::image_dimensions((*bytes).as_ref()).unwrap_or((0, 0));
            let pixels = u64::from(w) * u64::from(h);
            let budget = sprites::sheet_budget(core.limits());
            if others.saturating_add(pixels) > budget {
                load.done = true;
                let mut ev = Event::new(EventKind::ResourceError, map_id).url(info.url.clone()).message(format!(
                    "sprite \"{id}\": its {w}x{h} sheet would bring the map's sprite sheets to {} pixels, more than {budget} \
                     (twice the max_image_pixels limit, a runtime option); its images are not loaded",
                    others + pixels
                ));
                ev.resource_kind = Some(info.kind);
                core.emit(ev);
                return;
            }
            load.pixels = pixels;
            load.image = Some(bytes);
        } else {
            load.index = Some(bytes);
        }
        if load.index.is_some() && load.image.is_some() {
            let (Some(index), Some(image)) = (load.index.take(), load.image.take()) else { return };
            sprites::spawn_slice(core, map_id, id, info.url.clone(), index, image);
        }
    }

    /// Parses style bytes (JSON) into the style and its document.
    fn parse_style_bytes(json: &[u8], caps: style::StyleCaps) -> Result<(style::ParsedStyle, serde_json::Value), MapError> {
        // Lenient, like MapLibre: bad parts are warnings and skipped.
        style::parse_style_lenient(json, caps).map_err(|e| MapError::new(MapErrorKind::Parse, e.to_string()))
    }

    /// The sources of the layers drawn at the current zoom, in the order
    /// layers first use them (the view's tile bound favours the style's
    /// first sources). Kept while the style and zoom stay: every update and
    /// every check for a loaded view asks.
    fn used_sources(&self) -> Arc<[String]> {
        let Some(style) = self.style() else { return Arc::new([]) };
        let zoom = self.camera.zoom;
        let mut memo = self.used.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = memo.as_ref().filter(|m| Arc::ptr_eq(&m.style, style) && m.zoom_bits == zoom.to_bits()) {
            return m.ids.clone();
        }
        let mut seen = std::collections::HashSet::new();
        let ids: Arc<[String]> = style
            .layers
            .iter()
            .filter(|l| crate::layout::is_drawn_kind(l.kind) && crate::layout::layer_visible(l, zoom))
            .filter_map(|l| l.source.as_deref())
            .filter(|s| seen.insert(*s))
            .map(str::to_string)
            .collect();
        *memo = Some(UsedSources { style: style.clone(), zoom_bits: zoom.to_bits(), ids: ids.clone() });
        ids
    }

    /// The tiles the view needs from `source` (data tile ids, deduplicated),
    /// nearest the centre first, as many as its share of the view's tile
    /// bound ([`view_share`]).
    pub fn needed_tiles(&self, source: &SourceState) -> Vec<cover::CoveredTile> {
        let mut tiles = self.covered_tiles(source);
        if let Some(share) = source.view_share.filter(|s| s.view == self.view_key()) {
            tiles.truncate(share.tiles);
        }
        tiles
    }

    /// All the tiles the view covers of `source`.
    fn covered_tiles(&self, source: &SourceState) -> Vec<cover::CoveredTile> {
        if let Tiles::Image { .. } = source.tiles {
            return vec![cover::CoveredTile { id: TileId::new(0, 0, 0), overscaled_z: 0, wrap: 0 }];
        }
        self.view_cover(&source.cover_options()).0
    }

    /// The view's cover for `options` (see [`cover_memo`]).
    fn view_cover(&self, options: &cover::CoverOptions) -> cover_memo::Cover {
        let mut covers = self.covers.lock().unwrap_or_else(|e| e.into_inner());
        covers.get(self.view_key(), options, || cover::cover_capped(&self.camera.transform(self.width, self.height), options))
    }

    /// Issues requests for whatever the view needs and is not loading yet.
    pub fn update(&mut self, core: &mut Core) {
        if !matches!(self.style, StyleSlot::Ready(_)) {
            return;
        }
        self.tile_use.next_tick();
        let view = self.view_key();
        self.view_tiles.retry(&mut self.sources, view);
        let mut shares = view_share::ViewShares::new(core.limits().max_tiles_per_view, view);
        for source_id in self.used_sources().iter() {
            self.update_source(source_id, &mut shares, core);
        }
        match shares.warning() {
            Some(message) if self.view_share_warned != Some(view) => {
                self.view_share_warned = Some(view);
                core.emit(Event::new(EventKind::Warning, self.id).message(message));
            }
            _ => {}
        }
        let budget = core.limits().max_tile_cache_bytes;
        let layouts = self.tile_layouts.get_mut().unwrap_or_else(|e| e.into_inner());
        if let StyleSlot::Ready(style) = &self.style {
            // Layouts of a replaced style go now, not when a frame asks.
            layouts.set_style(style);
        }
        self.tile_use.evict(&mut self.sources, &mut self.symbols, layouts, budget);
        self.view_tiles.recount(&self.sources, &self.tile_use);
        self.update_symbols(core);
        if !self.idle_reported && self.is_view_loaded() {
            self.idle_reported = true;
            core.emit(Event::new(EventKind::MapIdle, self.id));
        }
    }

    fn update_source(&mut self, source_id: &str, shares: &mut view_share::ViewShares, core: &mut Core) {
        let map_id = self.id;
        let base = self.style_url.clone();
        let resolve = |u: &str| match &base {
            Some(b) => crate::runtime::resource::resolve_url(b, u),
            None => u.to_string(),
        };
        let Some(state) = self.sources.get(source_id) else { return };
        if state.meta == Meta::Pending {
            let state = self.sources.get_mut(source_id).expect("present");
            state.meta = Meta::Loading;
            if let Some(text) = state.inline.take() {
                self.index_geojson(source_id, GeoJsonBytes::Inline(text), core);
            } else if let Some(url) = state.url.as_deref().map(resolve) {
                core.request(
                    map_id,
                    ResourceInfo { url, kind: ResourceKind::Source, tile: None, range: None },
                    Purpose::SourceMeta { source: source_id.to_string() },
                );
            } else {
                // Tiles given inline: ready now, so request them below.
                state.meta = Meta::Ready;
            }
        }
        self.cap_tiles(source_id, core);
        let state = &self.sources[source_id];
        if state.meta != Meta::Ready {
            if !state.meta_settled() {
                // All it could need, until it knows ([`view_share`]).
                shares.hold(state.max_tiles);
            }
            return;
        }
        let mut needed = self.covered_tiles(state);
        if matches!(state.tiles, Tiles::Unsupported) {
            needed.clear();
        }
        let state = self.sources.get_mut(source_id).expect("present");
        let share = shares.take(source_id, needed.len());
        state.view_share = (share.tiles < needed.len()).then_some(share);
        needed.truncate(share.tiles);
        for covered in needed {
            let id = covered.id;
            self.tile_use.mark(source_id, id);
            if state.slots.contains_key(&id) {
                continue;
            }
            match &state.tiles {
                Tiles::Vector { templates, scheme, bounds, .. } | Tiles::Raster { templates, scheme, bounds, .. } => {
                    if templates.is_empty() || !bounds.contains(id) {
                        state.slots.insert(id, TileSlot::Empty);
                        continue;
                    }
                    let template = &templates[(id.x as usize + id.y as usize) % templates.len()];
                    let url = resolve(&crate::source::url::tile_url(template, id, *scheme, self.pixel_ratio));
                    let y = if *scheme == crate::source::url::Scheme::Tms { (1i64 << id.z) - 1 - id.y as i64 } else { id.y as i64 };
                    state.slots.insert(id, TileSlot::Loading);
                    core.request(
                        map_id,
                        ResourceInfo { url, kind: ResourceKind::Tile, tile: Some((id.z as i32, id.x as i32, y as i32)), range: None },
                        Purpose::Tile { source: source_id.to_string(), tile: id },
                    );
                }
                Tiles::Image { url, .. } => {
                    let url = resolve(url);
                    state.slots.insert(id, TileSlot::Loading);
                    core.request(
                        map_id,
                        ResourceInfo { url, kind: ResourceKind::Image, tile: None, range: None },
                        Purpose::Tile { source: source_id.to_string(), tile: id },
                    );
                }
                Tiles::GeoJson { index: Some(index), .. } => {
                    state.slots.insert(id, TileSlot::Loading);
                    let (index, source) = (index.clone(), source_id.to_string());
                    let limits = tile_limits(core);
                    core.spawn_for(map_id, Purpose::Tile { source: source.clone(), tile: id }, move || {
                        let slot = match index.tile(id.z, id.x, id.y) {
                            Ok(Some(t)) => match limits.check(&t) {
                                Ok(()) => Ok(TileSlot::ready(t)),
                                Err(e) => Err(format!("GeoJSON tile {}/{}/{}: {}", id.z, id.x, id.y, e.0)),
                            },
                            Ok(None) => Ok(TileSlot::Empty),
                            Err(e) => Err(e),
                        };
                        Box::new(move |map: &mut Map, core: &mut Core| map.finish_tile(&source, id, slot, String::new(), core))
                    });
                }
                Tiles::GeoJson { index: None, .. } | Tiles::Unsupported => {}
            }
        }
    }

    fn on_geojson_index(
        &mut self,
        source: &str,
        result: Result<Arc<crate::source::geojson::GeoJsonIndex>, crate::source::geojson::BuildError>,
        core: &mut Core,
    ) {
        // The indexed data, in memory, counts in the map's GeoJSON budget
        // from now on instead of its text: a source whose index would
        // bring the indexed sources past it fails (the first ones indexed
        // are kept).
        let indexed = self.geojson_bytes(source, true);
        let budget = sources::geojson_budget(core.limits());
        let Some(state) = self.sources.get_mut(source) else { return };
        match result {
            Ok(index) => {
                let Tiles::GeoJson { index: slot, data_bytes, .. } = &mut state.tiles else { return };
                let bytes = (*data_bytes as u64).max(index.data_bytes());
                if indexed.saturating_add(bytes) > budget {
                    let msg = format!(
                        "source \"{source}\": its GeoJSON data takes {bytes} bytes indexed, which would bring the map's \
                         GeoJSON data to {} bytes, more than {budget} (four times the max_resource_bytes limit, a runtime option)",
                        indexed + bytes
                    );
                    state.meta = Meta::Failed(msg.clone());
                    core.emit(Event::new(EventKind::ResourceError, self.id).source(source).message(msg));
                    return;
                }
                *data_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
                *slot = Some(index);
                state.meta = Meta::Ready;
                core.emit(Event::new(EventKind::SourceLoaded, self.id).source(source));
            }
            Err(e) => {
                let msg = match e {
                    crate::source::geojson::BuildError::TooBig { max } => format!(
                        "source \"{source}\": its GeoJSON data takes more than {max} bytes once read, more than the map's \
                         GeoJSON data may take (four times the max_resource_bytes limit, a runtime option)"
                    ),
                    crate::source::geojson::BuildError::Invalid(e) => format!("source \"{source}\": invalid GeoJSON: {e}"),
                };
                state.meta = Meta::Failed(msg.clone());
                core.emit(Event::new(EventKind::ResourceError, self.id).source(source).message(msg));
            }
        }
    }

    /// Handles the answer to one of this map's requests.
    pub fn on_response(&mut self, purpose: Purpose, info: &ResourceInfo, response: Response, core: &mut Core) {
        if let Response::Error(e) = &response {
            let mut ev = Event::new(EventKind::ResourceError, self.id).url(info.url.clone()).message(e.clone());
            ev.resource_kind = Some(info.kind);
            ev.tile = info.tile;
            if let Purpose::SourceMeta { source } | Purpose::Tile { source, .. } = &purpose {
                ev.source_id = source.clone();
            }
            core.emit(ev);
        }
        match purpose {
            Purpose::Style => self.on_style(info, response, core),
            Purpose::Sprite { id, image } => self.on_sprite(id, image, info, response, core),
            Purpose::SourceMeta { source } => self.on_source_meta(&source, info, response, core),
            Purpose::Tile { source, tile } => self.on_tile(source, tile, info, response, core),
            Purpose::Glyphs { stack, range } => self.on_glyphs(stack, range, info, response, core),
            // Label jobs run on workers; they never request resources.
            Purpose::Labels { .. } => {}
        }
    }

    fn on_style(&mut self, info: &ResourceInfo, response: Response, core: &mut Core) {
        let failure = match response {
            Response::Data(bytes) => match Self::parse_style_bytes((*bytes).as_ref(), style_caps(core)) {
                Ok((parsed, doc)) => {
                    self.apply_style(parsed, doc, core, false);
                    return;
                }
                Err(e) => e.message,
            },
            Response::NotFound => "style not found".to_string(),
            Response::Error(e) => e,
        };
        self.set_style_slot(StyleSlot::Failed);
        self.idle_reported = false;
        core.emit(Event::new(EventKind::StyleError, self.id).url(info.url.clone()).message(failure));
    }

    fn on_source_meta(&mut self, source: &str, info: &ResourceInfo, response: Response, core: &mut Core) {
        let map_id = self.id;
        let Some(state) = self.sources.get_mut(source) else { return };
        let bytes = match response {
            Response::Data(b) => b,
            Response::NotFound => {
                state.meta = Meta::Failed(format!("source \"{source}\": {} not found", info.url));
                core.emit(
                    Event::new(EventKind::ResourceError, map_id)
                        .source(source)
                        .url(info.url.clone())
                        .message("not found"),
                );
                return;
            }
            Response::Error(e) => {
                state.meta = Meta::Failed(e);
                return;
            }
        };
        match &mut state.tiles {
            Tiles::Vector { .. } | Tiles::Raster { .. } => match sources::apply_tilejson(
                state,
                (*bytes).as_ref(),
                &info.url,
                core.limits().max_parsed_bytes(),
            ) {
                Ok(()) => {
                    state.meta = Meta::Ready;
                    core.emit(Event::new(EventKind::SourceLoaded, map_id).source(source));
                }
                Err(e) => {
                    let msg = format!("source \"{source}\": invalid TileJSON from {}: {e}", info.url);
                    state.meta = Meta::Failed(msg.clone());
                    core.emit(Event::new(EventKind::ResourceError, map_id).source(source).url(info.url.clone()).message(msg));
                }
            },
            Tiles::Unsupported | Tiles::Image { .. } => {}
            Tiles::GeoJson { .. } => self.index_geojson(source, GeoJsonBytes::Loaded(bytes), core),
        }
    }

    /// The bytes the map's GeoJSON sources other than `except` hold in its
    /// budget ([`sources::geojson_budget`]): of the indexed ones only, or
    /// of those being indexed too (their text).
    fn geojson_bytes(&self, except: &str, indexed_only: bool) -> u64 {
        self.sources
            .iter()
            .filter(|(id, s)| id.as_str() != except && !matches!(s.meta, Meta::Failed(_)))
            .map(|(_, s)| match &s.tiles {
                Tiles::GeoJson { index, data_bytes, .. } if index.is_some() || !indexed_only => *data_bytes as u64,
                _ => 0,
            })
            .fold(0, u64::saturating_add)
    }

    /// Indexes `source`'s GeoJSON data on a worker, unless the map's GeoJSON
    /// data would then pass its budget ([`sources::geojson_budget`]): then
    /// the source fails with an event naming the budget, and the rest of
    /// the map draws.
    fn index_geojson(&mut self, source: &str, data: GeoJsonBytes, core: &mut Core) {
        let map_id = self.id;
        let len = data.as_ref().len();
        let others = self.geojson_bytes(source, false);
        let budget = sources::geojson_budget(core.limits());
        let Some(state) = self.sources.get_mut(source) else { return };
        if others.saturating_add(len as u64) > budget {
            let msg = format!(
                "source \"{source}\": its GeoJSON data ({len} bytes) would bring the map's GeoJSON data to {} bytes, \
                 more than {budget} (four times the max_resource_bytes limit, a runtime option)",
                others + len as u64
            );
            state.meta = Meta::Failed(msg.clone());
            core.emit(Event::new(EventKind::ResourceError, map_id).source(source).message(msg));
            return;
        }
        if let Tiles::GeoJson { data_bytes, .. } = &mut state.tiles {
            *data_bytes = len;
        }
        let (source, options) = (source.to_string(), sources::geojson_options(state, core.limits()));
        let token = core.job_token(map_id);
        let heavy = core.one_at_a_time();
        let pool = Arc::clone(&self.index_steps);
        core.spawn_for(map_id, Purpose::SourceMeta { source: source.clone() }, move || {
            // Building an index takes several times what it keeps (the read
            // data, the converted data, the geometry cut): one at a time.
            let _one = heavy.lock().unwrap_or_else(|e| e.into_inner());
            // Its filter and cluster properties are evaluated for every feature.
            // The style's sources share one bound: what the earlier ones left.
            let (result, spent, steps) = fuel::with_fuel_from(&pool, fuel::MAX_STEPS, || {
                crate::source::geojson::shared_index(data.as_ref(), options, &|| token.wanted())
            });
            Box::new(move |map: &mut Map, core: &mut Core| {
                if let Some(work) = overdraw::expression_work(steps, "what the style's GeoJSON sources had left of their", spent) {
                    core.emit(Event::new(EventKind::Warning, map.id).source(source.as_str()).message(format!("source \"{source}\": {work}")));
                }
                map.on_geojson_index(&source, result, core)
            })
        });
    }

    fn on_tile(&mut self, source: String, tile: TileId, info: &ResourceInfo, response: Response, core: &mut Core) {
        let map_id = self.id;
        if !self.sources.contains_key(&source) {
            return;
        }
        if let Response::Data(bytes) = &response {
            // Its raw bytes count against the view's bound while it decodes,
            // an image's pixels (from its header) where they are more: a
            // 72 KB PNG can decode to 64 MB, and the tiles past the bound
            // are then refused before they are decoded, not after.
            let raw = (**bytes).as_ref();
            let image = matches!(self.sources[&source].tiles, Tiles::Raster { .. } | Tiles::Image { .. });
            let dims = if image { crate::source::raster::image_dimensions(raw) } else { None };
            let decoded = dims.map_or(0, |(w, h)| u64::from(w) * u64::from(h) * 4);
            if !self.admit_tile(&source, tile, (raw.len() as u64).max(decoded), true, core) {
                return;
            }
        }
        let Some(state) = self.sources.get_mut(&source) else { return };
        match response {
            Response::Data(bytes) if matches!(state.tiles, Tiles::Raster { .. } | Tiles::Image { .. }) => {
                let url = info.url.clone();
                let dem = matches!(state.tiles, Tiles::Raster { dem: Some(_), .. });
                core.spawn_for(map_id, Purpose::Tile { source: source.clone(), tile }, move || {
                    let result = crate::source::raster::decode_image((*bytes).as_ref()).and_then(|img| {
                        if dem && img.width != img.height {
                            return Err(format!("raster-dem tiles must be square, this one is {}x{}", img.width, img.height));
                        }
                        Ok(img)
                    });
                    Box::new(move |map: &mut Map, core: &mut Core| {
                        map.finish_tile(&source, tile, result.map(TileSlot::Image), url, core)
                    })
                });
            }
            Response::Data(bytes) => {
                let wanted = self.style().map(|s| source_layers(s, &source));
                let url = info.url.clone();
                let limits = tile_limits(core);
                core.spawn_for(map_id, Purpose::Tile { source: source.clone(), tile }, move || {
                    let filter = wanted.map(|names| move |name: &str| names.iter().any(|n| n == name));
                    let wanted = filter.as_ref().map(|f| f as &dyn Fn(&str) -> bool);
                    let result = crate::source::mvt::decode_tile_limited((*bytes).as_ref(), wanted, limits)
                        .map(TileSlot::ready)
                        .map_err(|e| e.to_string());
                    Box::new(move |map: &mut Map, core: &mut Core| map.finish_tile(&source, tile, result, url, core))
                });
            }
            Response::NotFound => {
                state.slots.insert(tile, TileSlot::Empty);
            }
            Response::Error(_) => {
                state.slots.insert(tile, TileSlot::Failed);
            }
        }
    }

    /// Whether the style and everything the current view needs has loaded
    /// or failed.
    pub fn is_view_loaded(&self) -> bool {
        match &self.style {
            StyleSlot::Ready(_) => {}
            StyleSlot::Failed => return true,
            _ => return false,
        }
        self.pending_items(1).is_empty()
    }

    /// What the view still waits for, the first `limit` items (a check for
    /// a loaded view asks for one: it runs after every answer).
    fn pending_items(&self, limit: usize) -> Vec<String> {
        let mut pending: Vec<String> =
            self.sprites.iter().filter(|(_, l)| !l.done).map(|(id, _)| format!("sprite \"{id}\"")).take(limit).collect();
        for id in self.used_sources().iter() {
            if pending.len() >= limit {
                return pending;
            }
            let Some(state) = self.sources.get(id) else { continue };
            if !state.meta_settled() {
                pending.push(format!("source \"{id}\""));
                continue;
            }
            if state.meta != Meta::Ready {
                continue;
            }
            for c in self.needed_tiles(state) {
                if pending.len() >= limit {
                    return pending;
                }
                if matches!(state.slots.get(&c.id), None | Some(TileSlot::Loading)) {
                    pending.push(format!("tile {}/{}/{} of \"{id}\"", c.id.z, c.id.x, c.id.y));
                }
            }
        }
        if pending.len() < limit {
            pending.extend(self.pending_symbols(limit - pending.len()));
        }
        pending
    }

    /// A short description of what the view still waits for.
    pub fn describe_pending(&self) -> String {
        match &self.style {
            StyleSlot::Loading(url) => format!("the style {url}"),
            _ => {
                let items = self.pending_items(usize::MAX);
                let shown: Vec<&str> = items.iter().take(5).map(|s| s.as_str()).collect();
                let more = items.len().saturating_sub(shown.len());
                if more > 0 {
                    format!("{} and {more} more", shown.join(", "))
                } else {
                    shown.join(", ")
                }
            }
        }
    }

    /// Renders the current view with whatever is loaded into the frame.
    pub fn render(&mut self, core: &mut Core) {
        let (w, h) = (
            (self.width as f32 * self.pixel_ratio).round() as u32,
            (self.height as f32 * self.pixel_ratio).round() as u32,
        );
        let started = std::time::Instant::now();
        let key = LayoutKey {
            version: self.version,
            camera: self.camera,
            width: self.width,
            height: self.height,
            pixel_ratio: self.pixel_ratio,
        };
        let threads = core.render_threads();
        let laid = match &self.layout_cache {
            Some((k, laid)) if *k == key => laid.clone(),
            _ => {
                let budget = std::cell::RefCell::new(crate::layout::budget::FrameBudget::for_frame(w, h));
                let (list, starts) = match self.style() {
                    Some(style) => {
                        let view = crate::layout::View {
                            transform: self.camera.transform(self.width, self.height),
                            pixel_ratio: self.pixel_ratio,
                            width: w,
                            height: h,
                        };
                        let ((placed, laid), spent) = fuel::with_fuel(fuel::MAX_STEPS, || {
                            let placed = crate::symbol::placement::place(style, &view, self, self);
                            let laid = crate::layout::build_display_list_within(style, &view, self, &placed.commands, &budget);
                            (placed, laid)
                        });
                        if let Some(work) = overdraw::expression_work(fuel::MAX_STEPS, "", spent) {
                            core.emit(Event::new(EventKind::Warning, self.id).message(format!("the {w}x{h} frame: {work}")));
                        }
                        self.placed = Arc::new(placed);
                        laid
                    }
                    None => (crate::render::display_list::DisplayList { width: w, height: h, commands: vec![] }, vec![]),
                };
                let max_work = u64::from(core.limits().max_overdraw).saturating_mul(u64::from(w) * u64::from(h));
                let groups: Vec<usize> = starts.iter().map(|&(first, _)| first).collect();
                let prepared = crate::render::Prepared::within(&list, threads, max_work, &groups);
                let budget = budget.into_inner();
                if let (true, Some(style)) = (budget.cut(), self.style()) {
                    core.emit(Event::new(EventKind::Warning, self.id).message(overdraw::left_out(&budget, style, (w, h))));
                }
                if let (Some(cut), Some(style)) = (prepared.cut(), self.style()) {
                    let message = overdraw::warning(cut, &starts, style, core.limits().max_overdraw, (w, h));
                    core.emit(Event::new(EventKind::Warning, self.id).message(message));
                }
                let laid = Arc::new(LaidOut { list, prepared });
                self.layout_cache = Some((key, laid.clone()));
                self.warn_missing_images(core);
                laid
            }
        };
        let laid_out = started.elapsed();
        self.frame = Some(crate::render::rasterize_prepared(&laid.list, &laid.prepared, threads));
        log::debug!(
            "frame {w}x{h}: {} commands, layout {:.1} ms, rasterize {:.1} ms",
            laid.list.commands.len(),
            laid_out.as_secs_f64() * 1e3,
            (started.elapsed() - laid_out).as_secs_f64() * 1e3
        );
    }
}

/// A view's display list with its rasterizer preparation (both reused while
/// the view and the style do not change).
struct LaidOut {
    list: crate::render::display_list::DisplayList,
    prepared: crate::render::Prepared,
}

/// The runtime's caps on a style's layers and sources.
fn style_caps(core: &Core) -> style::StyleCaps {
    let l = core.limits();
    style::StyleCaps {
        max_layers: l.max_style_layers as usize,
        max_sources: l.max_style_sources as usize,
        max_parsed_bytes: l.max_parsed_bytes(),
        expressions: crate::style::expression::parse::ExpressionLimits {
            nodes: l.max_expression_nodes as usize,
            depth: l.max_expression_depth as usize,
        },
    }
}

/// The runtime's per-tile feature and vertex limits.
fn tile_limits(core: &Core) -> crate::source::mvt::TileLimits {
    let l = core.limits();
    crate::source::mvt::TileLimits { max_features: l.max_features_per_tile, max_vertices: l.max_vertices_per_tile }
}

/// The source layers of `source` that some layer reads.
fn source_layers(style: &Style, source: &str) -> Vec<String> {
    let mut names: Vec<String> = style
        .layers
        .iter()
        .filter(|l| l.source.as_deref() == Some(source))
        .filter_map(|l| l.source_layer.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

impl crate::layout::TileLookup for Map {
    fn tile(&self, source: &str, id: TileId) -> Option<Arc<crate::source::feature::TileData>> {
        self.sources.get(source).and_then(|s| s.tile(id)).cloned()
    }
    fn raster(&self, source: &str, id: TileId) -> Option<crate::render::display_list::PatternImage> {
        self.sources.get(source).and_then(|s| s.image(id)).cloned()
    }
    fn dem(&self, source: &str) -> Option<(crate::style::source::DemEncoding, u8)> {
        match self.sources.get(source)?.tiles {
            Tiles::Raster { dem: Some(encoding), maxzoom, .. } => Some((encoding, maxzoom)),
            _ => None,
        }
    }
    fn image_corners(&self, source: &str) -> Option<[[f64; 2]; 4]> {
        match self.sources.get(source)?.tiles {
            Tiles::Image { corners, .. } => Some(corners),
            _ => None,
        }
    }
    fn cover(&self, source: &str) -> Vec<cover::CoveredTile> {
        self.sources.get(source).map(|s| self.needed_tiles(s)).unwrap_or_default()
    }
    fn feature_state(
        &self,
        source: &str,
        source_layer: &str,
        id: &crate::style::value::Value,
    ) -> Option<&crate::source::feature::Properties> {
        self.feature_state.get(source, source_layer, id)
    }
    fn tile_layout(
        &self,
        style: &Style,
        index: usize,
        source: &str,
        covered: &cover::CoveredTile,
        data: &Arc<crate::source::feature::TileData>,
        tile_layer: &crate::source::feature::TileLayer,
    ) -> Option<Arc<crate::layout::tile_layout::LayerLayout>> {
        // Only the map's own style: layouts are kept by layer index.
        let own = self.style().filter(|s| std::ptr::eq(Arc::as_ptr(s), style))?;
        let mut layouts = self.tile_layouts.lock().unwrap_or_else(|e| e.into_inner());
        layouts.get_or_build(own, index, source, covered, data, tile_layer)
    }
    fn feature_state_generation(&self) -> u64 {
        self.feature_state.generation()
    }
    fn image(&self, id: &str) -> Option<&StyleImage> {
        let found = Map::image(self, id);
        if found.is_none() {
            if let Ok(mut missing) = self.missing_images.lock() {
                missing.insert(id.to_string());
            }
        }
        found
    }
}

impl Map {
    /// Stores a decoded tile's slot, or marks it failed with a TILE_ERROR
    /// event saying why (`error`, for a tile whose bytes could not be
    /// decoded or that could not be made).
    fn finish_tile(
        &mut self,
        source: &str,
        tile: TileId,
        result: Result<TileSlot, String>,
        url: String,
        core: &mut Core,
    ) {
        match result {
            Ok(slot) => self.keep_tile(source, tile, slot, core),
            Err(e) => {
                self.view_tiles.release(source, tile);
                let Some(s) = self.sources.get_mut(source) else { return };
                s.slots.insert(tile, TileSlot::Failed);
                self.emit_tile_error(source, tile, url, &e, core);
            }
        }
    }

    /// A key of what the view shows: camera, size and style.
    fn view_key(&self) -> view_key::ViewKey {
        view_key::ViewKey::new(&self.camera, self.width, self.height, self.pixel_ratio, self.style_serial)
    }

    /// Installs a style slot; the view ([`Map::view_key`]) changes with it.
    fn set_style_slot(&mut self, slot: StyleSlot) {
        self.style = slot;
        self.style_serial += 1;
    }

    /// Keeps a decoded tile if the view's tiles have room for it
    /// ([`view_tiles`]).
    fn keep_tile(&mut self, source: &str, tile: TileId, slot: TileSlot, core: &mut Core) {
        if !self.sources.contains_key(source) {
            self.view_tiles.release(source, tile);
            return;
        }
        let slot = match view_tiles::kept_bytes(&slot) {
            Some(bytes) if !self.admit_tile(source, tile, bytes, false, core) => return,
            _ => {
                self.view_tiles.release(source, tile);
                slot
            }
        };
        if let Some(s) = self.sources.get_mut(source) {
            s.slots.insert(tile, slot);
        }
    }

    /// Whether a tile of `bytes` (raw while `decoding`) fits the view's
    /// bound; a refused tile's slot fails, the view's first with a warning.
    fn admit_tile(&mut self, source: &str, tile: TileId, bytes: u64, decoding: bool, core: &mut Core) -> bool {
        let budget = view_tiles::budget(core.limits());
        match self.view_tiles.admit(source, tile, bytes, decoding, budget) {
            view_tiles::Admit::Yes => true,
            view_tiles::Admit::No { warn } => {
                if let Some(s) = self.sources.get_mut(source) {
                    s.slots.insert(tile, TileSlot::Failed);
                }
                if let Some(total) = warn {
                    core.emit(Event::new(EventKind::Warning, self.id).source(source).message(view_tiles::warning(source, tile, total, budget)));
                }
                false
            }
        }
    }

    fn emit_tile_error(&self, source: &str, tile: TileId, url: String, error: &str, core: &mut Core) {
        let mut ev = Event::new(EventKind::TileError, self.id)
            .source(source.to_string())
            .url(url)
            .message(format!("tile {}/{}/{} of source \"{source}\": {error}", tile.z, tile.x, tile.y));
        ev.tile = Some((tile.z as i32, tile.x as i32, tile.y as i32));
        core.emit(ev);
    }

    /// One warning per image id that layout needed and could not find, once
    /// the style's sprites are in (before that the image may still come).
    fn warn_missing_images(&mut self, core: &mut Core) {
        let missing = match self.missing_images.get_mut() {
            Ok(m) => std::mem::take(m),
            Err(_) => return,
        };
        if missing.is_empty() || !self.sprites.values().all(|l| l.done) {
            return;
        }
        for id in missing {
            if self.warned_images.insert(id.clone()) {
                core.emit(Event::new(EventKind::Warning, self.id).message(format!(
                    "image \"{id}\" is missing (neither added nor in the sprite): the features that use it as a pattern are not drawn"
                )));
            }
        }
    }
}

#[cfg(test)]
mod pattern_tests {
    use super::*;
    use crate::map::Runtime;
    use crate::runtime::RuntimeOptions;

    #[test]
    fn background_pattern_draws_an_added_image_and_warns_once_when_missing() {
        let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, ..Default::default() }).unwrap();
        rt.add_map(1, Map::new(1, 8, 8, 1.0));
        let style = br#"{"version": 8, "sources": {}, "layers": [
            {"id": "bg", "type": "background", "paint": {"background-pattern": "dots", "background-color": "red"}}]}"#;
        let warnings = |rt: &mut Runtime, what: &str| {
            rt.drain_events().iter().filter(|e| e.kind == EventKind::Warning && e.message.contains(what)).count()
        };
        {
            let (map, core) = rt.map_mut(1).unwrap();
            map.set_style_json(style, core).unwrap();
        }
        assert_eq!(warnings(&mut rt, "UNSUPPORTED"), 0, "background-pattern is drawn");
        for _ in 0..2 {
            let (map, core) = rt.map_mut(1).unwrap();
            map.touch();
            map.render(core);
            assert!(map.frame().unwrap().data.iter().all(|&b| b == 0), "a missing image draws nothing");
        }
        assert_eq!(warnings(&mut rt, "\"dots\" is missing"), 1, "one warning for both frames");
        let (map, core) = rt.map_mut(1).unwrap();
        // A 2x1 image: blue, then half-transparent green.
        let rgba = Arc::new(vec![0, 0, 255, 255, 0, 255, 0, 128]);
        map.add_image("dots", StyleImage { width: 2, height: 1, pixel_ratio: 1.0, sdf: false, rgba, stretch: Default::default() }).unwrap();
        map.render(core);
        let frame = map.frame().unwrap();
        // Zoom 0, 8 px view centred on world pixel 256: x = 0 is world pixel 252,
        // even, so texel 0 (blue); columns alternate.
        assert_eq!(frame.pixel(0, 0), Some([0, 0, 255, 255]));
        assert_eq!(frame.pixel(1, 3), Some([0, 128, 0, 128]));
        assert_eq!(frame.pixel(6, 7), Some([0, 0, 255, 255]));
    }

    #[test]
    fn line_and_extrusion_patterns_draw_their_image_and_skip_missing_ones() {
        // Two lines (north: image "red"; south: a missing image) and a flat
        // view of an extrusion's roof, all patterned instead of blue.
        let style = br#"{"version": 8, "center": [0, 0], "zoom": 10,
            "sources": {
                "s": {"type": "geojson", "data": {"type": "FeatureCollection", "features": [
                    {"type": "Feature", "properties": {"img": "red"},
                     "geometry": {"type": "LineString", "coordinates": [[-0.05, 0.02], [0.05, 0.02]]}},
                    {"type": "Feature", "properties": {"img": "nope"},
                     "geometry": {"type": "LineString", "coordinates": [[-0.05, -0.02], [0.05, -0.02]]}}]}},
                "b": {"type": "geojson", "data": {"type": "Polygon",
                    "coordinates": [[[-0.01, -0.01], [0.01, -0.01], [0.01, 0.01], [-0.01, 0.01], [-0.01, -0.01]]]}}},
            "layers": [
                {"id": "l", "type": "line", "source": "s",
                 "paint": {"line-width": 6, "line-color": "blue", "line-pattern": ["get", "img"]}},
                {"id": "e", "type": "fill-extrusion", "source": "b",
                 "paint": {"fill-extrusion-height": 10, "fill-extrusion-color": "blue", "fill-extrusion-pattern": "red"}}]}"#;
        let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, ..Default::default() }).unwrap();
        rt.add_map(1, Map::new(1, 64, 64, 1.0));
        {
            let (map, core) = rt.map_mut(1).unwrap();
            map.set_style_json(style, core).unwrap();
            let rgba = Arc::new([255, 0, 0, 255].repeat(4));
            map.add_image("red", StyleImage { width: 2, height: 2, pixel_ratio: 1.0, sdf: false, rgba, stretch: Default::default() })
                .unwrap();
        }
        rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
        let frame = rt.map(1).unwrap().frame().unwrap().clone();
        let events = rt.drain_events();
        assert!(!events.iter().any(|e| e.message.contains("UNSUPPORTED")), "{events:?}");
        let missing = events.iter().filter(|e| e.kind == EventKind::Warning && e.message.contains("\"nope\" is missing")).count();
        assert_eq!(missing, 1, "{events:?}");
        let red = |p: Option<[u8; 4]>| p.is_some_and(|p| p[0] > 200 && p[1] == 0 && p[2] == 0 && p[3] == 255);
        // The north line (y about 3) and the roof show the image, lit like
        // MapLibre's roofs (almost fully).
        assert!(red(frame.pixel(32, 3)), "{:?}", frame.pixel(32, 3));
        assert!(red(frame.pixel(32, 32)), "{:?}", frame.pixel(32, 32));
        // The south line's image is missing: it draws nothing (not its colour).
        assert_eq!(frame.pixel(32, 61), Some([0, 0, 0, 0]));
    }
}

#[cfg(test)]
mod raster_tests;

impl crate::symbol::placement::SymbolTiles for Map {
    fn symbol_tile(&self, source: &str, id: TileId, overscaled_z: u8) -> Option<Arc<crate::symbol::layout::SymbolTile>> {
        self.symbols.tile(source, id, overscaled_z).cloned()
    }
}
#[cfg(all(test, feature = "mbtiles"))]
mod archive_tests;
#[cfg(test)]
mod hostile_tests;
#[cfg(all(test, target_os = "linux", target_pointer_width = "64"))]
mod hostile_peaks_tests;
#[cfg(test)]
mod request_limit_tests;
#[cfg(test)]
mod used_sources_tests;
#[cfg(test)]
mod hillshade_tests;
#[cfg(test)]
mod heatmap_tests;
#[cfg(test)]
mod cluster_tests;
#[cfg(test)]
mod test_render;
#[cfg(test)]
mod wrap_tests;
#[cfg(test)]
mod icon_collision_tests;
#[cfg(test)]
mod stretch_tests;
#[cfg(test)]
mod tile_layout_tests;
#[cfg(test)]
mod extreme_values_tests;
#[cfg(test)]
mod geojson_sharing_tests;
