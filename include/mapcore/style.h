/*
 * mapcore/style.h - runtime styling: sources, layers, properties, filters,
 * images, and the current style as JSON.
 *
 * Every edit is validated like a whole style: an invalid value returns
 * INVALID_ARGUMENT with a diagnostic naming the layer, the property and the
 * reason (e.g. `layer "water": layers[2].paint.fill-color: expected color,
 * found number`), and leaves the map unchanged. Unknown ids return
 * NOT_FOUND. Edits need a loaded style (INVALID_STATE otherwise). JSON
 * arguments are `len` bytes of UTF-8 (copied; not NUL-terminated).
 * Owner thread for all functions.
 *
 * Strings returned through `char **out_json` are allocated by mapcore and
 * owned by the caller, who frees them with mapcore_string_free. `*out_json`
 * must be NULL on entry and is written only on success.
 */
#ifndef MAPCORE_STYLE_H
#define MAPCORE_STYLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mapcore/base.h"
#include "mapcore/map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Adds source `id` (style-spec source JSON). INVALID_ARGUMENT if the id is
 * taken or the JSON is not a valid source. */
mapcore_status mapcore_map_add_source(mapcore_map map, const char *id, const char *json,
                                      size_t len);

/* Removes source `id`. NOT_FOUND if there is none; INVALID_STATE while a
 * layer uses it. */
mapcore_status mapcore_map_remove_source(mapcore_map map, const char *id);

/* Adds a layer (style-spec layer JSON) below layer `before_id`, or on top
 * when `before_id` is NULL. NOT_FOUND if `before_id` does not exist;
 * INVALID_ARGUMENT if the id is taken or the layer is invalid. */
mapcore_status mapcore_map_add_layer(mapcore_map map, const char *json, size_t len,
                                     const char *before_id);

/* Removes layer `id`. NOT_FOUND if there is none. */
mapcore_status mapcore_map_remove_layer(mapcore_map map, const char *id);

/* Sets a paint property of a layer to a JSON value (constant, function or
 * expression); JSON `null` resets it to the default. */
mapcore_status mapcore_map_set_paint_property(mapcore_map map, const char *layer_id,
                                              const char *name, const char *json,
                                              size_t len);

/* The paint property's value as set in the style, as JSON ("null" when
 * unset). */
mapcore_status mapcore_map_get_paint_property(mapcore_map map, const char *layer_id,
                                              const char *name, char **out_json);

/* As the paint functions, for layout properties (including "visibility"). */
mapcore_status mapcore_map_set_layout_property(mapcore_map map, const char *layer_id,
                                               const char *name, const char *json,
                                               size_t len);
mapcore_status mapcore_map_get_layout_property(mapcore_map map, const char *layer_id,
                                               const char *name, char **out_json);

/* Sets a layer's filter (expression or legacy form); `json` NULL (len 0) or
 * JSON `null` removes it. */
mapcore_status mapcore_map_set_filter(mapcore_map map, const char *layer_id, const char *json,
                                      size_t len);

/* Adds or replaces image `id`: `height` rows of `stride` bytes of straight
 * RGBA8 (`width` pixels each), copied. `pixel_ratio` > 0 is the image's
 * density; `sdf` marks a signed-distance-field icon. Icons and patterns that
 * use images are not drawn yet; the images are kept for them. */
mapcore_status mapcore_map_add_image(mapcore_map map, const char *id, const uint8_t *rgba,
                                     uint32_t width, uint32_t height, size_t stride,
                                     float pixel_ratio, bool sdf);

/* Removes image `id`. NOT_FOUND if there is none. */
mapcore_status mapcore_map_remove_image(mapcore_map map, const char *id);

/* The current style (with every runtime edit) as JSON. */
mapcore_status mapcore_map_get_style_json(mapcore_map map, char **out_json);

#ifdef __cplusplus
}
#endif

#endif /* MAPCORE_STYLE_H */
