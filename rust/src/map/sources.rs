//! Loading state of a map's sources: metadata (TileJSON, GeoJSON data) and
//! tiles by id.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{Map, Purpose};
use crate::render::display_list::PatternImage;
use crate::runtime::events::{Event, EventKind};
use crate::runtime::Core;
use crate::source::cover::CoverOptions;
use crate::source::feature::{TileData, TileId};
use crate::source::geojson::{GeoJsonIndex, GeoJsonOptions};
use crate::source::tilejson::TileJson;
use crate::source::url::{Scheme, TileBounds};
use crate::style::source::{DemEncoding, GeoJsonData, PromoteId, SourceSpec, TileSource};

/// How a source's tiles are made.
pub enum Tiles {
    /// Vector tiles fetched by URL template.
    Vector { templates: Vec<String>, scheme: Scheme, minzoom: u8, maxzoom: u8, bounds: TileBounds },
    /// Raster tiles (images) fetched by URL template; `dem` is the
    /// elevation encoding of a raster-dem source.
    Raster {
        templates: Vec<String>,
        scheme: Scheme,
        minzoom: u8,
        maxzoom: u8,
        bounds: TileBounds,
        tile_size: u32,
        dem: Option<DemEncoding>,
    },
    /// One image over four corners (`image` sources): its URL and the
    /// corners (top-left, top-right, bottom-right, bottom-left) in Mercator
    /// units (0..1). Loaded as the single tile 0/0/0.
    Image { url: String, corners: [[f64; 2]; 4] },
    /// GeoJSON tiled on the fly (the index once built), and the bytes of
    /// its data once it came (charged to the map's GeoJSON budget:
    /// [`geojson_budget`]).
    GeoJson { index: Option<Arc<GeoJsonIndex>>, options: GeoJsonOptions, data_bytes: usize },
    /// A source type this version does not draw (video).
    Unsupported,
}

/// Metadata state.
#[derive(Clone, Debug, PartialEq)]
pub enum Meta {
    /// Nothing requested yet.
    Pending,
    /// A request or worker job is under way.
    Loading,
    Ready,
    Failed(String),
}

/// One tile's state.
#[derive(Clone, Debug)]
pub enum TileSlot {
    Loading,
    /// A decoded tile and its size estimate ([`super::cache::tile_bytes`],
    /// measured once on the worker that decoded it, not on every update).
    Ready(Arc<TileData>, u64),
    /// A decoded raster tile (premultiplied RGBA8).
    Image(PatternImage),
    /// No data there (not found, outside bounds).
    Empty,
    Failed,
}

impl TileSlot {
    /// A ready slot for `data`, with its size measured.
    pub fn ready(data: TileData) -> TileSlot {
        let bytes = super::cache::tile_bytes(&data);
        TileSlot::Ready(Arc::new(data), bytes)
    }
}

pub struct SourceState {
    pub meta: Meta,
    pub tiles: Tiles,
    /// Where metadata comes from (TileJSON or GeoJSON URL), if anywhere.
    pub url: Option<String>,
    /// Inline GeoJSON waiting to be indexed.
    pub inline: Option<Arc<str>>,
    pub slots: HashMap<TileId, TileSlot>,
    /// The runtime's tiles-per-view limit (set before each update).
    pub max_tiles: u32,
    /// The view's tiles were capped and the host was told.
    pub tile_cap_warned: bool,
    /// Its share of the view's tile bound, when short of what it needs.
    pub view_share: Option<super::view_share::Share>,
}

impl SourceState {
    /// Whether metadata has resolved (loaded or failed).
    pub fn meta_settled(&self) -> bool {
        matches!(self.meta, Meta::Ready | Meta::Failed(_))
    }

    /// Cover options for this source's tiles.
    pub fn cover_options(&self) -> CoverOptions {
        let mut o = self.cover_options_uncapped();
        o.max_tiles = self.max_tiles;
        o
    }

    fn cover_options_uncapped(&self) -> CoverOptions {
        match &self.tiles {
            Tiles::Vector { minzoom, maxzoom, bounds, .. } => {
                let mut o = CoverOptions::vector(*minzoom, *maxzoom);
                o.bounds = Some(*bounds);
                o
            }
            Tiles::Raster { minzoom, maxzoom, bounds, tile_size, .. } => {
                let mut o = CoverOptions::raster(*tile_size, *minzoom, *maxzoom);
                o.bounds = Some(*bounds);
                o
            }
            Tiles::GeoJson { options, .. } => CoverOptions::vector(0, options.max_zoom),
            Tiles::Image { .. } | Tiles::Unsupported => CoverOptions::vector(0, 0),
        }
    }

    /// The decoded raster tile image, if loaded.
    pub fn image(&self, id: TileId) -> Option<&PatternImage> {
        match self.slots.get(&id) {
            Some(TileSlot::Image(i)) => Some(i),
            _ => None,
        }
    }

    /// The decoded tile, if loaded.
    pub fn tile(&self, id: TileId) -> Option<&Arc<TileData>> {
        match self.slots.get(&id) {
            Some(TileSlot::Ready(t, _)) => Some(t),
            _ => None,
        }
    }
}

fn zoom_u8(z: f64) -> u8 {
    z.clamp(0.0, 30.0) as u8
}

fn scheme_of(s: crate::style::source::Scheme) -> Scheme {
    match s {
        crate::style::source::Scheme::Xyz => Scheme::Xyz,
        crate::style::source::Scheme::Tms => Scheme::Tms,
    }
}

fn vector_tiles(t: &TileSource) -> Tiles {
    Tiles::Vector {
        templates: t.tiles.clone().unwrap_or_default(),
        scheme: scheme_of(t.scheme),
        minzoom: zoom_u8(t.minzoom),
        maxzoom: zoom_u8(t.maxzoom),
        bounds: TileBounds::from_array(t.bounds).unwrap_or_default(),
    }
}

fn raster_tiles(t: &TileSource, dem: Option<DemEncoding>) -> Tiles {
    Tiles::Raster {
        templates: t.tiles.clone().unwrap_or_default(),
        scheme: scheme_of(t.scheme),
        minzoom: zoom_u8(t.minzoom),
        maxzoom: zoom_u8(t.maxzoom),
        bounds: TileBounds::from_array(t.bounds).unwrap_or_default(),
        tile_size: if t.tile_size > 0 { t.tile_size.min(1 << 16) } else { 512 },
        dem,
    }
}

/// The loading state for a style's source.
pub fn from_spec(spec: &SourceSpec) -> SourceState {
    let mut state = SourceState {
        meta: Meta::Pending,
        tiles: Tiles::Unsupported,
        url: None,
        inline: None,
        slots: HashMap::new(),
        max_tiles: crate::runtime::Limits::DEFAULT_MAX_TILES_PER_SOURCE,
        tile_cap_warned: false,
        view_share: None,
    };
    match spec {
        SourceSpec::Vector { tiles, .. } => {
            state.tiles = vector_tiles(tiles);
            // A `url` (TileJSON) is only needed when `tiles` is not given.
            if tiles.tiles.is_none() {
                state.url = tiles.url.clone();
            }
        }
        SourceSpec::Raster(tiles) => {
            state.tiles = raster_tiles(tiles, None);
            if tiles.tiles.is_none() {
                state.url = tiles.url.clone();
            }
        }
        SourceSpec::RasterDem { tiles, encoding } => {
            state.tiles = raster_tiles(tiles, Some(*encoding));
            if tiles.tiles.is_none() {
                state.url = tiles.url.clone();
            }
        }
        SourceSpec::Image { url, coordinates } => {
            use crate::source::transform::{mercator_x, mercator_y};
            let corners = coordinates.map(|[lng, lat]| [mercator_x(lng), mercator_y(lat)]);
            state.tiles = Tiles::Image { url: url.clone(), corners };
        }
        SourceSpec::GeoJson(g) => {
            let options = GeoJsonOptions {
                max_zoom: zoom_u8(g.maxzoom),
                tolerance: g.tolerance,
                buffer: g.buffer,
                generate_id: g.generate_id,
                promote_id: match &g.promote_id {
                    Some(PromoteId::Property(p)) => Some(p.clone()),
                    _ => None,
                },
                cluster: g.cluster,
                cluster_radius: g.cluster_radius,
                cluster_max_zoom: g.cluster_max_zoom.map(zoom_u8),
                cluster_min_points: g.cluster_min_points.clamp(2.0, f64::from(u32::MAX)) as u64,
                cluster_properties: g.cluster_properties.clone(),
                filter: g.filter.clone(),
                line_metrics: g.line_metrics,
                ..GeoJsonOptions::default()
            };
            state.tiles = Tiles::GeoJson { index: None, options, data_bytes: 0 };
            match &g.data {
                GeoJsonData::Url(u) => state.url = Some(u.clone()),
                GeoJsonData::Inline(text) => state.inline = Some(Arc::clone(text)),
            }
        }
        other => {
            state.meta = Meta::Failed(format!("{} sources are not supported yet (UNSUPPORTED)", other.type_name()));
        }
    }
    state
}

/// Moves a source's state out of `old` (which the caller is discarding).
pub fn take(old: &BTreeMap<String, SourceState>, id: &str) -> SourceState {
    let s = &old[id];
    SourceState {
        meta: s.meta.clone(),
        tiles: match &s.tiles {
            Tiles::Vector { templates, scheme, minzoom, maxzoom, bounds } => Tiles::Vector {
                templates: templates.clone(),
                scheme: *scheme,
                minzoom: *minzoom,
                maxzoom: *maxzoom,
                bounds: *bounds,
            },
            Tiles::Raster { templates, scheme, minzoom, maxzoom, bounds, tile_size, dem } => Tiles::Raster {
                templates: templates.clone(),
                scheme: *scheme,
                minzoom: *minzoom,
                maxzoom: *maxzoom,
                bounds: *bounds,
                tile_size: *tile_size,
                dem: *dem,
            },
            Tiles::Image { url, corners } => Tiles::Image { url: url.clone(), corners: *corners },
            Tiles::GeoJson { index, options, data_bytes } => {
                Tiles::GeoJson { index: index.clone(), options: options.clone(), data_bytes: *data_bytes }
            }
            Tiles::Unsupported => Tiles::Unsupported,
        },
        url: s.url.clone(),
        inline: s.inline.clone(),
        slots: s.slots.clone(),
        max_tiles: s.max_tiles,
        tile_cap_warned: s.tile_cap_warned,
        view_share: s.view_share,
    }
}

/// The GeoJSON options of a GeoJSON source (defaults otherwise), its index
/// keeping at most the runtime's tile-cache budget of generated tiles and
/// cutting within its `max_geojson_cut_bytes`.
pub fn geojson_options(state: &SourceState, limits: &crate::runtime::Limits) -> GeoJsonOptions {
    let mut o = match &state.tiles {
        Tiles::GeoJson { options, .. } => options.clone(),
        _ => GeoJsonOptions::default(),
    };
    o.cache_bytes = limits.max_tile_cache_bytes;
    o.cut_bytes = limits.max_geojson_cut_bytes;
    // A read that alone passes the map's budget stops there (see Map::on_geojson_index).
    o.max_read_bytes = geojson_budget(limits);
    o
}

/// Applies a TileJSON document (fetched from `url`; relative tile URLs
/// resolve against it) to a vector or raster source. The document may take
/// `max_parsed` bytes parsed.
pub fn apply_tilejson(state: &mut SourceState, bytes: &[u8], url: &str, max_parsed: u64) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let tj = TileJson::parse(text, max_parsed)?;
    // Archives state their tiles' format: a vector source over images (or a
    // raster source over vector tiles) is refused with the reason.
    match (&state.tiles, tj.is_raster()) {
        (Tiles::Vector { .. }, Some(true)) | (Tiles::Raster { .. }, Some(false)) => {
            let (kind, want) = if matches!(state.tiles, Tiles::Vector { .. }) { ("vector", "raster") } else { ("raster", "vector") };
            return Err(format!(
                "its tiles are {} (format \"{}\"): a {kind} source cannot draw them, use a {want} source",
                if want == "raster" { "images" } else { "vector tiles" },
                tj.format.as_deref().unwrap_or("")
            ));
        }
        _ => {}
    }
    if let Tiles::Vector { templates, scheme, minzoom, maxzoom, bounds }
    | Tiles::Raster { templates, scheme, minzoom, maxzoom, bounds, .. } = &mut state.tiles
    {
        *templates = tj.tiles.iter().map(|t| crate::runtime::resource::resolve_url(url, t)).collect();
        *scheme = tj.scheme;
        *minzoom = tj.minzoom;
        *maxzoom = tj.maxzoom;
        *bounds = tj.bounds;
    }
    Ok(())
}

impl Map {
    /// Applies the runtime's tiles-per-view limit to `source_id`, warning
    /// (once per source until the view fits again) when the view needs more.
    pub(crate) fn cap_tiles(&mut self, source_id: &str, core: &mut Core) {
        let max = core.limits().max_tiles_per_source;
        let map_id = self.id;
        let Some(state) = self.sources.get_mut(source_id) else { return };
        state.max_tiles = max;
        if state.meta != Meta::Ready || matches!(state.tiles, Tiles::Image { .. }) {
            return;
        }
        let options = state.cover_options();
        let capped = self.view_cover(&options).1;
        let Some(state) = self.sources.get_mut(source_id) else { return };
        match capped {
            Some(c) if !state.tile_cap_warned => {
                state.tile_cap_warned = true;
                core.emit(Event::new(EventKind::Warning, map_id).source(source_id).message(format!(
                    "source \"{source_id}\": the view needs about {} tiles, over the max_tiles_per_source limit of {max} \
                     (a runtime option): drawn from zoom {} tiles, the farthest dropped",
                    c.wanted, c.data_zoom
                )));
            }
            None => state.tile_cap_warned = false,
            _ => {}
        }
    }

    /// A worker job for `purpose` failed without an answer (it panicked):
    /// its slot is marked failed and the host hears of it, so loading ends.
    pub(crate) fn on_job_failed(&mut self, purpose: Purpose, message: &str, core: &mut Core) {
        let map_id = self.id;
        match purpose {
            Purpose::Style => {}
            Purpose::Sprite { id, .. } => {
                if let Some(load) = self.sprites.get_mut(&id) {
                    load.done = true;
                }
                core.emit(Event::new(EventKind::ResourceError, map_id).message(format!("sprite \"{id}\": {message}")));
            }
            Purpose::SourceMeta { source } => {
                let msg = format!("source \"{source}\": {message}");
                if let Some(state) = self.sources.get_mut(&source) {
                    state.meta = Meta::Failed(msg.clone());
                }
                core.emit(Event::new(EventKind::ResourceError, map_id).source(source).message(msg));
            }
            Purpose::Tile { source, tile } => {
                self.view_tiles.release(&source, tile);
                if let Some(state) = self.sources.get_mut(&source) {
                    state.slots.insert(tile, TileSlot::Failed);
                }
                let mut ev = Event::new(EventKind::TileError, map_id)
                    .source(source.clone())
                    .message(format!("tile {}/{}/{} of source \"{source}\": {message}", tile.z, tile.x, tile.y));
                ev.tile = Some((tile.z as i32, tile.x as i32, tile.y as i32));
                core.emit(ev);
            }
            Purpose::Glyphs { stack, range } => self.glyph_job_failed(&stack, range, message, core),
            Purpose::Labels { source, tile, z } => self.label_job_failed(source, tile, z, message, core),
        }
    }
}

/// Most bytes of GeoJSON data a map's sources hold together (each source's
/// data is one resource, bounded by `max_resource_bytes`; a style naming
/// many is bounded by this): four resources' worth, of text while a
/// source is indexed and then of the larger of its text and its index's
/// data ([`crate::source::GeoJsonIndex::data_bytes`]).
pub fn geojson_budget(limits: &crate::runtime::Limits) -> u64 {
    limits.max_resource_bytes.saturating_mul(4)
}

/// A GeoJSON source's data: inline in the style, or a resource's answer.
pub enum GeoJsonBytes {
    Inline(Arc<str>),
    Loaded(crate::runtime::resource::Bytes),
}

impl AsRef<[u8]> for GeoJsonBytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            GeoJsonBytes::Inline(text) => text.as_bytes(),
            GeoJsonBytes::Loaded(bytes) => (**bytes).as_ref(),
        }
    }
}
