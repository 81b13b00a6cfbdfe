/*
 * mapcore/style.h - runtime styling: sources, layers, properties, filters,
 * images, and the current style as JSON.
 *
 * Every edit is validated like a whole style: an invalid value returns
 * INVALID_ARGUMENT with a diagnostic naming the layer, the property and the
 * reason (e.g. `layer "water": layers[2].paint.fill-color: expected color,
 * found number`), and leaves the map unchanged. Unknown ids return
 * NOT_FOUND. Edits need a loaded style (INVALID_STATE otherwise). JSON
 * arguments are `len` bytes of UTF-8 (copied; not NUL-terminated), parsed
 * under the runtime's bound on a JSON document (four times
 * max_resource_bytes once parsed, at least 16 MiB): past it, or not JSON,
 * INVALID_ARGUMENT naming the argument.
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
 * taken or the JSON is not a valid source. A GeoJSON source's inline `data`
 * object is kept as text, as in a style (not parsed by this call, and not
 * counted in the bound above): the source reads it when it loads, under the
 * map's GeoJSON budget (see max_resource_bytes), and a RESOURCE_ERROR event
 * says when it is refused. */
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

/* Adds or replaces image `id` (for `icon-image` and the `*-pattern`
 * properties): `height` rows of `stride` bytes of straight RGBA8 (`width`
 * pixels each, 1..8192), copied. `pixel_ratio` > 0 is the image's density;
 * `sdf` marks a signed-distance-field icon. Stretchable images:
 * mapcore_map_add_image_with_options. */
mapcore_status mapcore_map_add_image(mapcore_map map, const char *id, const uint8_t *rgba,
                                     uint32_t width, uint32_t height, size_t stride,
                                     float pixel_ratio, bool sdf);

/* How mapcore_map_add_image_with_options takes an image. Start from
 * mapcore_image_options_default(). */
typedef struct mapcore_image_options {
  size_t size;       /* sizeof(mapcore_image_options) */
  float pixel_ratio; /* the image's density, > 0 and <= 16 (default 1) */
  bool sdf;          /* a signed-distance-field icon (default false) */
  /* Stretchable images (nine-patch, as a sprite index's `stretchX`,
   * `stretchY` and `content`; used by icon-text-fit), in image pixels:
   * `stretch_x` holds `stretch_x_count` [from, to] column pairs
   * (2 * count floats), `stretch_y` row pairs; each pair from <= to, pairs
   * ascending and not overlapping, inside the image; at most 64 per axis.
   * NULL with count 0: none. Borrowed for the call (copied). */
  const float *stretch_x;
  size_t stretch_x_count;
  const float *stretch_y;
  size_t stretch_y_count;
  /* When `has_content`: the box (left, top, right, bottom) icon-text-fit
   * fits the text into; non-empty and inside the image. */
  bool has_content;
  float content[4];
} mapcore_image_options;

/* The defaults: pixel ratio 1, not SDF, not stretchable. */
mapcore_image_options mapcore_image_options_default(void);

/* As mapcore_map_add_image, with `options` (NULL: the defaults).
 * INVALID_ARGUMENT names the field that is wrong (a stretch zone outside
 * the image or out of order, a content box outside it, a NULL zone array
 * with a count). */
mapcore_status mapcore_map_add_image_with_options(mapcore_map map, const char *id,
                                                  const uint8_t *rgba, uint32_t width,
                                                  uint32_t height, size_t stride,
                                                  const mapcore_image_options *options);

/* Removes image `id`. NOT_FOUND if there is none. */
mapcore_status mapcore_map_remove_image(mapcore_map map, const char *id);

/* The current style (with every runtime edit) as JSON. */
mapcore_status mapcore_map_get_style_json(mapcore_map map, char **out_json);

#ifdef __cplusplus
}
#endif

#endif /* MAPCORE_STYLE_H */
