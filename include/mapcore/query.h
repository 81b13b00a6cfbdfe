/*
 * mapcore/query.h - feature queries: what is drawn at a place in the view,
 * and what a source holds.
 *
 * Results are a JSON array of GeoJSON features, each with `geometry` in
 * longitude/latitude, `properties`, `id` (when the feature has one),
 * `layer` (the style layer), `source`, `sourceLayer` (vector sources) and
 * `state` (its feature state). The string is allocated for the caller:
 * free it with mapcore_string_free. `*out_json` must be NULL on entry and is
 * written only on success. Owner thread.
 *
 * Both queries are bounded as a frame is: an answer of more than the
 * runtime's JSON bound (four times max_resource_bytes, at least 16 MiB)
 * fails with INVALID_ARGUMENT naming it, and a query whose expressions (the
 * layers' filters and properties, the query's filter) and geometry tests
 * spend the expression work bound fails with TIMEOUT naming it: narrow the
 * query (a smaller box, fewer layers, a filter). Neither answers in part.
 */
#ifndef MAPCORE_QUERY_H
#define MAPCORE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "mapcore/base.h"
#include "mapcore/map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Query geometry kinds. */
enum { MAPCORE_QUERY_POINT = 0, MAPCORE_QUERY_BOX = 1 };

typedef struct mapcore_query_geometry {
  size_t size;   /* sizeof(mapcore_query_geometry) */
  uint32_t type; /* MAPCORE_QUERY_POINT or MAPCORE_QUERY_BOX */
  double x1, y1; /* the point, or one corner of the box (logical pixels) */
  double x2, y2; /* the opposite corner (boxes) */
} mapcore_query_geometry;

/* A point query at (0, 0) with size set. Any thread. */
mapcore_query_geometry mapcore_query_geometry_default(void);

/* Features drawn at `geometry` (NULL = the whole view) in the current view,
 * top-most layer first (MapLibre's queryRenderedFeatures). `options_json`
 * (`len` bytes, copied; NULL/0 for none) is an object with optional
 * "layers" (an array of layer ids) and "filter" (a filter expression).
 * NOT_FOUND for an unknown layer id; PARSE_ERROR for an invalid filter;
 * INVALID_ARGUMENT for bad JSON or a non-finite geometry; INVALID_STATE
 * without a loaded style. Only loaded tiles are searched: render (or pump
 * until MAP_IDLE) first. */
mapcore_status mapcore_map_query_rendered_features(mapcore_map map,
                                                   const mapcore_query_geometry *geometry,
                                                   const char *options_json, size_t len,
                                                   char **out_json);

/* Features of source `source_id` (and `source_layer` for vector sources;
 * NULL for GeoJSON) in the loaded tiles, optionally filtered by
 * `filter_json` (`len` bytes, copied; NULL/0 for none). A feature with an id
 * is returned once. NOT_FOUND for an unknown source. */
mapcore_status mapcore_map_query_source_features(mapcore_map map, const char *source_id,
                                                 const char *source_layer,
                                                 const char *filter_json, size_t len,
                                                 char **out_json);

#ifdef __cplusplus
}
#endif

#endif /* MAPCORE_QUERY_H */
