/*
 * mapcore/runtime.h - the runtime: owner thread, pump, wake, events.
 *
 * A runtime is created on the thread that will pump it: its owner thread. It
 * owns the worker threads (tile decoding and layout), resource loading and the
 * event queue. Maps and render sessions created from it belong to the same
 * owner thread. Calls on owner-thread objects from any other thread return
 * MAPCORE_STATUS_WRONG_THREAD.
 */
#ifndef MAPCORE_RUNTIME_H
#define MAPCORE_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mapcore/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where labels' glyphs come from (mapcore_runtime_options.glyphs_mode). */
typedef enum mapcore_glyphs_mode {
  /* The style's "glyphs" URL; glyphs rendered from local fonts when the style
   * has none or a range fails to load (an INFO event says so). The default. */
  MAPCORE_GLYPHS_URL_FIRST = 0,
  /* Local fonts always; the "glyphs" URL is not used. */
  MAPCORE_GLYPHS_LOCAL_FIRST = 1,
  /* The "glyphs" URL only, as MapLibre: without it labels draw no text. */
  MAPCORE_GLYPHS_URL_ONLY = 2
} mapcore_glyphs_mode;

typedef struct mapcore_runtime_options {
  /* sizeof(mapcore_runtime_options). */
  size_t size;
  /* Worker threads for decoding and layout; 0 = one per core (at most 8). */
  uint32_t worker_threads;
  /* Rasterizer threads for one frame; 0 = one per core (at most 8). A frame
   * uses at most one thread per 2^17 pixels (a 256 x 256 tile draws on one:
   * starting threads would cost more than they save). The pixels are
   * identical for every thread count. */
  uint32_t render_threads;
  /* Optional folder (UTF-8, copied) that relative URLs and paths resolve
   * against, e.g. a style's "sprites/x" or "data/a.geojson". NULL = none.
   * It is also an allowed root (below). */
  const char *asset_root;
  /* ---- added after the first release: read only when `size` covers them;
   * a smaller `size` (an older header) gets the defaults. ---- */
  /* Folders (UTF-8, copied; each must exist) whose regular files the runtime
   * may read for file:// URLs and paths, after resolving ".." and symbolic
   * links. Anything else (another file, a FIFO, a device, a folder) is refused
   * with a RESOURCE_ERROR event naming the URL and this option. NULL/0 and no
   * asset_root = no local files at all (the default). */
  const char *const *allowed_roots;
  size_t allowed_root_count;
  /* Bytes of one resource (file or provider answer; a tile, the metadata or
   * a directory read from an archive); 0 = the default, 64 MiB. A map's
   * GeoJSON sources hold at most four times this together, as text and,
   * once indexed, at their size in memory where that is larger (24 bytes a
   * coordinate: "[0,0]," is 6 as text; about 60 a property: "k1":0, is 7);
   * past it (or as soon as reading one source passes it), the source that
   * would pass it fails with a RESOURCE_ERROR event. Sources are indexed
   * one at a time (an index's build takes several times what it keeps). A
   * JSON document (style, TileJSON, sprite index, archive metadata) may take
   * four times it once parsed (at least 16 MiB): past that, it fails to load
   * (a style: PARSE_ERROR from mapcore_map_set_style_json, a STYLE_ERROR
   * event for a style URL; the others a RESOURCE_ERROR event), and so may
   * a JSON argument of a runtime-styling or query call (past it,
   * INVALID_ARGUMENT). */
  uint64_t max_resource_bytes;
  /* Pixels of one image (raster tile, image source, sprite sheet), checked
   * against its header before decoding; 0 = the default, 4096 x 4096. A
   * map's sprite sheets have at most twice this together (past it, the
   * sheet that would pass it is a RESOURCE_ERROR event). */
  uint64_t max_image_pixels;
  /* Tiles one source may request for one view (more are dropped, farthest
   * from the centre first, with a WARNING); 0 = the default, 1024. */
  uint32_t max_tiles_per_source;
  /* Font files or folders of them (UTF-8, copied; .ttf .otf .ttc .otc, a
   * folder's files not recursively) whose faces join the bundled family (Noto
   * Sans Regular and Bold) for glyphs rendered locally. A file that is not a
   * usable font fails mapcore_runtime_create with IO_ERROR; one in a folder
   * is skipped with a WARNING event. Fonts are matched to "text-font" names
   * by family, weight and style ("Open Sans Semibold" -> the closest face of
   * Open Sans), falling back through the stack to the bundled family. */
  const char *const *font_paths;
  size_t font_path_count;
  /* A mapcore_glyphs_mode; 0 = MAPCORE_GLYPHS_URL_FIRST. */
  uint32_t glyphs_mode;
  /* Bytes of loaded tiles (decoded vector tiles and raster images) each map
   * keeps beyond its current view: past it the least recently needed tiles
   * are evicted (with their label layouts) and loaded again when a view needs
   * them; 0 = the default, 128 MiB. A GeoJSON source also keeps the tiles it
   * cuts from its data within this many bytes; its parsed data and tile
   * index (about twice the size of its coordinates) stay while the source
   * does and are bounded by max_resource_bytes instead. */
  uint64_t max_tile_cache_bytes;
  /* Features of one decoded tile (vector tile or a GeoJSON source's tile),
   * counted while decoding: a tile over it fails with a TILE_ERROR event
   * naming the limit, and the rest of the map draws; 0 = the default, 10^6. */
  uint64_t max_features_per_tile;
  /* Vertices (geometry points) of one decoded tile, likewise; 0 = the
   * default, 10^7. */
  uint64_t max_vertices_per_tile;
  /* How many times over its pixels one frame's layers may draw, each line
   * segment, circle, polygon, glyph and icon counted by its bounds on the
   * frame (a street map asks for about 10; a style may ask for 10^9 with a
   * huge line-width or circle-radius over many features). One layer takes
   * at most a quarter of it when there are several (so the layers drawn after
   * a heavy one, labels last, still draw). The draw commands past either are
   * skipped in paint order, with a WARNING event naming their layers, and the
   * rest draws; 0 = the default, 256. */
  uint32_t max_overdraw;
  /* Resource requests out at once, with the resource provider or the
   * runtime's own loaders (an answer counts until the owner thread has
   * handled it and the work it started, such as decoding a tile, is done);
   * the others wait and go out in the order they were made, as
   * answers come back. A waiting request of a destroyed map never reaches
   * the provider. Byte ranges of remote archives are not counted. 0 = the
   * default, 20 (as MapLibre Native's online file source). */
  uint32_t max_requests_in_flight;
  /* Layers and sources a style may have. A style loaded with more
   * (mapcore_map_set_style_json or _url) keeps the first ones, skips the
   * rest unparsed and says how many in a WARNING event naming the option;
   * the runtime-styling functions refuse to add past them
   * (INVALID_ARGUMENT). A style is bounded in bytes, but 16 MB of minimal
   * layers took 2 GB to parse and lay out. 0 = the default, 10000 each
   * (real styles have hundreds of layers). */
  uint32_t max_style_layers;
  uint32_t max_style_sources;
  /* Bytes of geometry a GeoJSON source's tile index may cut from its data
   * (beyond the data itself) while it is built, and while one tile is cut on
   * request. Data crowded along tile edges (a long line zig-zagging across
   * them) is cut into a piece per crossing at every zoom: past this the build
   * stops splitting (deeper tiles are cut when a view needs them) and a cut
   * on request cuts only the way to its tile; a tile whose way alone would
   * take twice this fails with a TILE_ERROR event naming the limit, and the
   * rest of the map draws. 0 = the default, 128 MiB. */
  uint64_t max_geojson_cut_bytes;
  /* Tiles one view may request over all its sources (each source also at
   * most max_tiles_per_source). A tile that fails holds nothing, so the
   * bound on the view's tile bytes does not hold such views back: a style
   * naming thousands of sources of missing tiles asked for a million tiles
   * in one view. Sources take their shares in the order the style's layers
   * first use them, each its tiles nearest the centre first; a source past
   * the bound draws only the tiles it got (or none), with a WARNING event
   * per view naming the limit. 0 = the default, 8192. */
  uint32_t max_tiles_per_view;
  /* Operator and literal nodes, and nesting levels, of one expression in a
   * style (a property value, a filter), checked while it is parsed: an
   * expression past either is refused like any invalid one (the property
   * takes its default, a layer whose filter it is is skipped) with a
   * WARNING event naming the limit, and the runtime-styling calls fail with
   * INVALID_ARGUMENT. 0 = the defaults, 100,000 nodes and 100 levels; a depth
   * over 100 fails mapcore_runtime_create with INVALID_ARGUMENT (JSON nests
   * at most 128 deep, and parsing and evaluation recurse once a level). */
  uint32_t max_expression_nodes;
  uint32_t max_expression_depth;
  /* Glyph ranges (256 code points of one font stack) a map loads, from the
   * style's glyph URL or local fonts: a range past it fails (one WARNING
   * event a map names the limit) and labels draw without it. 0 = the
   * default, 4096 (every range of 16 font stacks). */
  uint32_t max_glyph_ranges;
  /* Images one sprite index may name: the ones past it are skipped, with a
   * WARNING event naming the limit. 0 = the default, 16384. */
  uint32_t max_sprite_images;
  /* Bytes of glyphs (bitmaps and metrics) a map keeps: a range that would
   * take it past fails with a WARNING event naming the limit, and labels
   * draw without it. 0 = the default, 256 MiB. */
  uint64_t max_glyph_bytes;
} mapcore_runtime_options;

/* Options with every field at its default. Any thread. */
mapcore_runtime_options mapcore_runtime_options_default(void);

/* Creates a runtime owned by the calling thread. `options` may be NULL for the
 * defaults; it is borrowed. `*out_runtime` must be {0}.
 * Returns INVALID_STATE if this thread already owns a live runtime. */
mapcore_status mapcore_runtime_create(const mapcore_runtime_options *options,
                                      mapcore_runtime *out_runtime);

/* Destroys a runtime: stops its workers, cancels its resource requests and
 * frees its events. It waits only for worker jobs already running (a tile
 * decode, a GeoJSON parse); jobs of destroyed maps are skipped or stop early. Owner thread. Returns INVALID_STATE while any map of it is
 * alive (destroy the maps first). The null or an already-destroyed handle: OK. */
mapcore_status mapcore_runtime_destroy(mapcore_runtime runtime);

/* Adds the faces of a font file (TrueType, OpenType or a collection; `size`
 * bytes at `data`, copied) to the runtime's local fonts. Fonts are untrusted
 * input: bytes that are not a usable font return PARSE_ERROR (at most 64 MiB;
 * at most 512 faces per runtime). Glyph ranges maps already loaded keep their
 * glyphs; later ones use the new faces. `out_faces` (may be NULL) receives
 * how many faces were added. Owner thread. */
mapcore_status mapcore_runtime_add_font(mapcore_runtime runtime, const void *data,
                                        size_t size, size_t *out_faces);

/* Like mapcore_runtime_add_font, for a file (UTF-8 path) read as the runtime
 * reads local files: under options.allowed_roots or the asset root (a
 * relative path resolves against the asset root), within
 * options.max_resource_bytes. A refused or missing file returns IO_ERROR.
 * Owner thread. */
mapcore_status mapcore_runtime_add_font_file(mapcore_runtime runtime, const char *path,
                                             size_t *out_faces);

/* Advances the runtime: collects finished resource loads and worker results,
 * advances style and tile loading, and queues events. Waits up to `timeout_ms`
 * for work to arrive when there is none (0 = do not block; UINT32_MAX = until
 * woken). Work arriving (a finished worker job or resource answer) or
 * mapcore_runtime_wake from another thread ends the wait early; a wake made
 * before the call makes it return at once. Issuing new requests does not end
 * the wait: their answers do. A worker job that ends without a result (its
 * map was destroyed) also ends it, so that the requests waiting behind it go
 * out: the call may then return with nothing processed.
 * `out_processed` (may be NULL) receives how many units of work were handled.
 * Owner thread. */
mapcore_status mapcore_runtime_pump(mapcore_runtime runtime, uint32_t timeout_ms,
                                    uint32_t *out_processed);

/* Wakes a thread blocked in mapcore_runtime_pump on this runtime (or makes
 * the next pump return at once). Any thread; also safe while the owner thread
 * is destroying the runtime (then it returns OK or INVALID_STATE). */
mapcore_status mapcore_runtime_wake(mapcore_runtime runtime);

/* Makes a still render of this runtime that is waiting for resources
 * (mapcore_render_session_render_still) return MAPCORE_STATUS_CANCELLED
 * without rendering. An interrupt that arrives when no still render is
 * waiting affects none (the next still render starts afresh). Any thread:
 * this is how a host cancels a render from another thread (e.g. when a Go
 * context is cancelled). */
mapcore_status mapcore_runtime_interrupt(mapcore_runtime runtime);

/* Kinds of event. */
typedef enum mapcore_event_type {
  /* A style finished loading and parsing (message: warnings, if any). */
  MAPCORE_EVENT_STYLE_LOADED = 1,
  /* A source's metadata loaded (source_id). */
  MAPCORE_EVENT_SOURCE_LOADED = 2,
  /* The map has loaded everything its current view needs. */
  MAPCORE_EVENT_MAP_IDLE = 3,
  /* A still image finished rendering. */
  MAPCORE_EVENT_STILL_IMAGE_FINISHED = 4,
  /* A continuous frame rendered; `complete` says whether everything the view
   * needs was loaded. */
  MAPCORE_EVENT_RENDER_FRAME_FINISHED = 5,
  /* The style could not be loaded or parsed (message, url if any). */
  MAPCORE_EVENT_STYLE_ERROR = 6,
  /* A resource failed to load (url, resource_kind, message). */
  MAPCORE_EVENT_RESOURCE_ERROR = 7,
  /* A tile could not be decoded (source_id, z/x/y, url, message). */
  MAPCORE_EVENT_TILE_ERROR = 8,
  /* Something worth knowing that is not a failure (message), e.g. an unknown
   * style property. */
  MAPCORE_EVENT_WARNING = 9,
  /* Something the host may like to know that needs no action (message), e.g.
   * a font stack drawn with a local font that substitutes for it. */
  MAPCORE_EVENT_INFO = 10
} mapcore_event_type;

/* Kinds of resource a map requests. */
typedef enum mapcore_resource_kind {
  MAPCORE_RESOURCE_STYLE = 1,
  MAPCORE_RESOURCE_SOURCE = 2, /* TileJSON or GeoJSON data */
  MAPCORE_RESOURCE_TILE = 3,
  MAPCORE_RESOURCE_GLYPHS = 4,
  MAPCORE_RESOURCE_SPRITE_JSON = 5,
  MAPCORE_RESOURCE_SPRITE_IMAGE = 6,
  MAPCORE_RESOURCE_IMAGE = 7
} mapcore_resource_kind;

/* One event. Every pointer in it is owned by the runtime and stays valid until
 * the next mapcore_runtime_drain_events on the same runtime (or its
 * destruction). Strings that do not apply are "" (never NULL). */
typedef struct mapcore_event {
  mapcore_event_type type;
  /* The map the event is about ({0} for runtime-wide events). */
  mapcore_map map;
  const char *message;
  const char *url;
  const char *source_id;
  /* For RESOURCE_ERROR; 0 otherwise. */
  mapcore_resource_kind resource_kind;
  /* For TILE_ERROR: the tile; -1 otherwise. */
  int32_t tile_z, tile_x, tile_y;
  /* For RENDER_FRAME_FINISHED: everything the view needs was loaded. */
  bool complete;
} mapcore_event;

/* Takes every queued event as one batch. `*out_events` points at `*out_count`
 * events (NULL when 0) owned by the runtime, valid until the next drain on this
 * runtime or its destruction; the previous batch is freed by this call.
 * Owner thread. */
mapcore_status mapcore_runtime_drain_events(mapcore_runtime runtime,
                                            const mapcore_event **out_events,
                                            size_t *out_count);

#ifdef __cplusplus
}
#endif

#endif /* MAPCORE_RUNTIME_H */
