/*
 * mapcore/map.h - maps: style, camera.
 *
 * A map belongs to a runtime and to the runtime's owner thread. Calls from any
 * other thread return MAPCORE_STATUS_WRONG_THREAD.
 */
#ifndef MAPCORE_MAP_H
#define MAPCORE_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "mapcore/base.h"
#include "mapcore/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mapcore_map_options {
  size_t size; /* sizeof(mapcore_map_options) */
  /* Logical size of the view in CSS pixels (1..16384 each). Default 512x512. */
  uint32_t width, height;
  /* Device pixels per logical pixel (0 < ratio <= 16). Default 1. */
  float pixel_ratio;
} mapcore_map_options;

/* Options with every field at its default. Any thread. */
mapcore_map_options mapcore_map_options_default(void);

/* Creates a map in `runtime`. `options` may be NULL (defaults); borrowed.
 * `*out_map` must be {0}. Owner thread. */
mapcore_status mapcore_map_create(mapcore_runtime runtime,
                                  const mapcore_map_options *options,
                                  mapcore_map *out_map);

/* Destroys a map and cancels its resource requests; its worker jobs not yet
 * started are skipped, one waiting for a GeoJSON index another runtime is
 * building stops waiting, and one building a GeoJSON index stops at its next
 * step (after parsing, converting, or a tile). Owner thread. Returns
 * INVALID_STATE while a render session is attached (destroy it first). The
 * null or an already-destroyed handle: OK. */
mapcore_status mapcore_map_destroy(mapcore_map map);

/* Replaces the style with the given style JSON (`len` bytes of UTF-8, copied;
 * need not be NUL-terminated). Parsing is synchronous: PARSE_ERROR with a
 * diagnostic naming the place (e.g. "layers[3].paint.line-width: expected
 * number, found string") leaves the map unchanged. Sources, sprites and glyphs
 * load afterwards while the runtime is pumped; a STYLE_LOADED event follows,
 * and a WARNING event per unknown property. If the style has a center, zoom,
 * bearing or pitch, the camera jumps there. Owner thread. */
mapcore_status mapcore_map_set_style_json(mapcore_map map, const char *json,
                                          size_t len);

/* Loads the style from a URL (UTF-8, copied), through the resource provider or
 * the runtime's own loaders. Relative URLs in the style (sources, tiles,
 * sprites) resolve against this URL, as in MapLibre (and tile URLs in a
 * TileJSON against the TileJSON's URL). Asynchronous: STYLE_LOADED or STYLE_ERROR follows
 * while the runtime is pumped (a still render waits for it). Owner thread. */
mapcore_status mapcore_map_set_style_url(mapcore_map map, const char *url);

/* Which camera fields mapcore_map_jump_to applies. */
enum {
  MAPCORE_CAMERA_CENTER = 1u << 0,
  MAPCORE_CAMERA_ZOOM = 1u << 1,
  MAPCORE_CAMERA_BEARING = 1u << 2,
  MAPCORE_CAMERA_PITCH = 1u << 3,
  MAPCORE_CAMERA_ALL = 0xFu
};

typedef struct mapcore_camera {
  size_t size; /* sizeof(mapcore_camera) */
  /* MAPCORE_CAMERA_* bits: the fields to apply (jump_to) or all (get). */
  uint32_t fields;
  /* Center in degrees: longitude wraps to -180..180, latitude is clamped to
   * +-85.051129. */
  double longitude, latitude;
  /* Zoom level 0..24. */
  double zoom;
  /* Degrees clockwise from north, normalized to (-180, 180]. */
  double bearing;
  /* Degrees from the vertical, 0..60. */
  double pitch;
} mapcore_camera;

/* A camera with size set, fields = MAPCORE_CAMERA_ALL and the default view
 * (0, 0, zoom 0, bearing 0, pitch 0). Any thread. */
mapcore_camera mapcore_camera_default(void);

/* Reads the camera into `*out_camera` (its `size` must be set). Owner thread. */
mapcore_status mapcore_map_get_camera(mapcore_map map, mapcore_camera *out_camera);

/* Moves the camera at once to the fields selected by `camera->fields`.
 * Non-finite or out-of-range values are INVALID_ARGUMENT (nothing changes).
 * Owner thread. */
mapcore_status mapcore_map_jump_to(mapcore_map map, const mapcore_camera *camera);

/* Padding in logical pixels, from each edge of the view. */
typedef struct mapcore_edge_insets {
  double top, right, bottom, left;
} mapcore_edge_insets;

/* The camera that shows the bounds `west`, `south`, `east`, `north`
 * (degrees; west > east crosses the antimeridian) as large as possible in the
 * map's current view size minus `padding` (NULL = none; borrowed), centred in
 * the padded area, with the given `bearing` (degrees) and `pitch` (0..60),
 * like MapLibre's cameraForLatLngBounds. The fit is computed for the
 * unpitched view; the zoom is clamped to 0..24. Writes `*out_camera` (its
 * `size` must be set; fields = MAPCORE_CAMERA_ALL) and does not move the map:
 * pass the result to mapcore_map_jump_to. INVALID_ARGUMENT for non-finite
 * values, south >= north, longitudes outside -180..180, negative padding or
 * padding that leaves no room. Owner thread. */
mapcore_status mapcore_map_camera_for_bounds(mapcore_map map, double west, double south,
                                             double east, double north,
                                             const mapcore_edge_insets *padding,
                                             double bearing, double pitch,
                                             mapcore_camera *out_camera);

/* Feature state: values the host attaches to features (hover, selection)
 * that `feature-state` expressions read. A feature is named by its source,
 * its source layer (NULL or "" for GeoJSON sources) and its id as text
 * (numeric ids as integers, e.g. "42"). Owner thread; NOT_FOUND for an
 * unknown source. */

/* Merges the JSON object `state_json` (`len` bytes, copied) into the
 * feature's state. */
mapcore_status mapcore_map_set_feature_state(mapcore_map map, const char *source_id,
                                             const char *source_layer, const char *feature_id,
                                             const char *state_json, size_t len);

/* The feature's state as a JSON object ("{}" when none), allocated for the
 * caller: free it with mapcore_string_free. `*out_json` must be NULL. */
mapcore_status mapcore_map_get_feature_state(mapcore_map map, const char *source_id,
                                             const char *source_layer, const char *feature_id,
                                             char **out_json);

/* Removes `key` from the feature's state; with `key` NULL the feature's whole
 * state; with `feature_id` NULL every feature's state in the source layer. */
mapcore_status mapcore_map_remove_feature_state(mapcore_map map, const char *source_id,
                                                const char *source_layer,
                                                const char *feature_id, const char *key);

/* Where a geographic point appears in the view, in logical pixels from the
 * top-left corner (it may lie outside the view). INVALID_ARGUMENT for
 * non-finite input or a point behind the camera (pitched views). Owner
 * thread. */
mapcore_status mapcore_map_pixel_for_lnglat(mapcore_map map, double longitude, double latitude,
                                            double *out_x, double *out_y);

/* The geographic point under a view position (logical pixels).
 * INVALID_ARGUMENT for non-finite input or a position above the horizon
 * (pitched views). Owner thread. */
mapcore_status mapcore_map_lnglat_for_pixel(mapcore_map map, double x, double y,
                                            double *out_longitude, double *out_latitude);

#ifdef __cplusplus
}
#endif

#endif /* MAPCORE_MAP_H */
