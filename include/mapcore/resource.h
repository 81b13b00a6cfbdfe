/*
 * mapcore/resource.h - resource loading and the host's resource provider.
 *
 * The runtime loads `file://` URLs, plain paths and paths under the asset
 * root itself, and `builtin://` assets (the bundled default style and data).
 * For every other URL it first asks the host's resource provider, if one is
 * set. The provider answers HANDLED (it will complete the request, now or
 * later, from any thread) or PASS_THROUGH (the runtime tries its own loaders,
 * and reports a RESOURCE_ERROR event if none serves the URL). A URL longer
 * than 8 KiB (a style's tile URL template is copied into each of a view's
 * tile requests) is never asked for: it is answered with a RESOURCE_ERROR
 * event naming the bound, its URL cut to the first 200 bytes and "...".
 *
 * A handled request is completed exactly once: with bytes (copied), with a
 * borrowed buffer and a release callback (no copy), with not-found, or with an
 * error. A second completion returns INVALID_STATE and the first answer stands.
 * Whatever the answer, the host releases the request handle exactly once with
 * mapcore_resource_request_release (before or after completing it; releasing
 * an uncompleted request answers it with an error "request released without a
 * response").
 */
#ifndef MAPCORE_RESOURCE_H
#define MAPCORE_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mapcore/base.h"
#include "mapcore/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the provider is asked for. Borrowed for the provider call only. */
typedef struct mapcore_resource_info {
  size_t size; /* sizeof(mapcore_resource_info) */
  const char *url;
  mapcore_resource_kind kind;
  /* For MAPCORE_RESOURCE_TILE: the tile (in the source's scheme); -1
   * otherwise. */
  int32_t tile_z, tile_x, tile_y;
  /* ---- added after the first release: present when `size` covers them
   * (the library always fills them; mapcore_resource_request_info writes
   * only what the caller's `size` covers). ---- */
  /* A byte range of the resource (range_length > 0), or the whole resource
   * (range_length 0). Remote PMTiles archives
   * (pmtiles://https://host/a.pmtiles) are read this way: the first 16384
   * bytes (header and root directory, kind SOURCE), then leaf directories
   * (kind SOURCE) and tiles (kind TILE, with the tile's z/x/y in XYZ rows)
   * as further ranges of the archive's http(s) URL.
   * The answer to a range holds exactly its `range_length` bytes starting
   * at `range_offset` (HTTP: send `Range: bytes=OFFSET-(OFFSET+LENGTH-1)`
   * and answer a 206's body, or slice a 200's full body). Fewer bytes only
   * when the resource ends inside the range (its bytes up to the end); an
   * answer longer than the range is refused (the read fails with a message
   * naming both lengths). A range past the end (HTTP 416) is a failure.
   * Range requests reach the provider on the owner thread like every other
   * request; the runtime waits for their answers on threads of its own. */
  uint64_t range_offset;
  uint64_t range_length;
} mapcore_resource_info;

typedef enum mapcore_provider_decision {
  /* The runtime loads the URL itself (or reports that it cannot). */
  MAPCORE_PROVIDER_PASS_THROUGH = 0,
  /* The host completes the request (exactly once) and releases the handle. */
  MAPCORE_PROVIDER_HANDLED = 1
} mapcore_provider_decision;

/* Asks the host for a resource. Called on the runtime's owner thread during
 * pump or still rendering; it must not call owner-thread functions of the same
 * runtime (they return INVALID_STATE) but may complete the request at once. The
 * provider owns `request` and must release it exactly once, whatever it
 * answers (also for PASS_THROUGH). */
typedef mapcore_provider_decision (*mapcore_resource_provider_fn)(
    void *user_data, const mapcore_resource_info *info,
    mapcore_resource_request request);

/* Tells the host a request it handled is no longer needed (its map changed
 * style, was destroyed, ...). Called at most once per request, from any
 * thread; the handle stays valid until the host releases it, and completing it
 * afterwards is allowed (the answer is ignored). */
typedef void (*mapcore_resource_cancel_fn)(void *user_data,
                                           mapcore_resource_request request);

typedef struct mapcore_resource_provider {
  size_t size; /* sizeof(mapcore_resource_provider) */
  mapcore_resource_provider_fn request; /* required */
  mapcore_resource_cancel_fn cancel;    /* optional (NULL) */
  /* Passed to both callbacks. Retained until the runtime is destroyed: a
   * replaced or cleared provider is no longer asked for new requests, but
   * still receives `cancel` for requests it handled. */
  void *user_data;
} mapcore_resource_provider;

/* Sets, replaces (`provider` non-NULL) or clears (`provider` NULL) the
 * runtime's provider. `provider` is copied. Requests already handed to the old
 * provider stay with it. Owner thread. */
mapcore_status mapcore_runtime_set_resource_provider(
    mapcore_runtime runtime, const mapcore_resource_provider *provider);

/* Completes a request with `len` bytes copied from `data` (`data` may be NULL
 * when `len` is 0). Any thread. INVALID_STATE if already completed. */
mapcore_status mapcore_resource_request_complete(mapcore_resource_request request,
                                                 const uint8_t *data, size_t len);

/* Releases a borrowed buffer; called exactly once, from any thread. */
typedef void (*mapcore_release_fn)(void *release_context);

/* Completes a request with a buffer the library reads without copying. The
 * buffer is retained: it must stay valid and unchanged until mapcore calls
 * `release(release_context)`, exactly once, from any thread, when it stops
 * reading it (also when this call fails: then before it returns).
 * Any thread. INVALID_STATE if already completed. */
mapcore_status mapcore_resource_request_complete_borrowed(
    mapcore_resource_request request, const uint8_t *data, size_t len,
    mapcore_release_fn release, void *release_context);

/* Completes a request with "not found" (like HTTP 404: a missing tile is
 * empty, not an error). Any thread. INVALID_STATE if already completed. */
mapcore_status mapcore_resource_request_not_found(mapcore_resource_request request);

/* Completes a request with a failure; `message` (UTF-8, copied, may be NULL)
 * appears in the RESOURCE_ERROR event. Any thread. INVALID_STATE if already
 * completed. */
mapcore_status mapcore_resource_request_fail(mapcore_resource_request request,
                                             const char *message);

/* Whether the map no longer needs the request. Any thread. */
mapcore_status mapcore_resource_request_is_cancelled(mapcore_resource_request request,
                                                     bool *out_cancelled);

/* Copies the request's description (the url stays valid until the handle is
 * released). Any thread. */
mapcore_status mapcore_resource_request_info(mapcore_resource_request request,
                                             mapcore_resource_info *out_info);

/* Releases the host's handle. Thread-independent and infallible for a handle
 * the provider received: any thread, exactly once (a second release, or the
 * null handle, is a no-op returning OK). */
mapcore_status mapcore_resource_request_release(mapcore_resource_request request);

#ifdef __cplusplus
}
#endif

#endif /* MAPCORE_RESOURCE_H */
