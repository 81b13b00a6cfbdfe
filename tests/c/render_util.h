/* Helpers for tests that render: a runtime+map+texture session bundle,
 * event scanning and pixel access. */
#ifndef MAPCORE_TEST_RENDER_UTIL_H
#define MAPCORE_TEST_RENDER_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

typedef struct {
  mapcore_runtime rt;
  mapcore_map map;
  mapcore_render_session session;
  uint8_t *pixels; /* straight RGBA from the last read_back */
  mapcore_image_info info;
} test_map;

/* Opens a runtime (with `options`, NULL = defaults), a map and a session. */
static inline void test_map_open_with(test_map *t, uint32_t w, uint32_t h,
                                      const mapcore_runtime_options *options) {
  memset(t, 0, sizeof *t);
  CHECK_OK(mapcore_runtime_create(options, &t->rt));
  CHECK_OK(mapcore_map_create(t->rt, NULL, &t->map));
  CHECK_OK(mapcore_render_session_create_texture(t->map, w, h, 1.0f, &t->session));
}

/* A map whose runtime may read the files under one folder (`root`, relative
 * to the checkout's root, where the tests run; the runtime copies it). */
static inline void test_map_open_with_root(test_map *t, uint32_t w, uint32_t h, const char *root) {
  const char *const roots[] = {root};
  mapcore_runtime_options o = mapcore_runtime_options_default();
  o.allowed_roots = roots;
  o.allowed_root_count = 1;
  test_map_open_with(t, w, h, &o);
}

static inline void test_map_open(test_map *t, uint32_t w, uint32_t h) {
  memset(t, 0, sizeof *t);
  CHECK_OK(mapcore_runtime_create(NULL, &t->rt));
  CHECK_OK(mapcore_map_create(t->rt, NULL, &t->map));
  CHECK_OK(mapcore_render_session_create_texture(t->map, w, h, 1.0f, &t->session));
}

static inline void test_map_close(test_map *t) {
  free(t->pixels);
  CHECK_OK(mapcore_render_session_destroy(t->session));
  CHECK_OK(mapcore_map_destroy(t->map));
  CHECK_OK(mapcore_runtime_destroy(t->rt));
}

/* Sets a style and renders a still image, then reads it back. */
static inline mapcore_status test_map_render(test_map *t, const char *style) {
  mapcore_status st = mapcore_map_set_style_json(t->map, style, strlen(style));
  if (st != MAPCORE_STATUS_OK) return st;
  st = mapcore_render_session_render_still(t->session, 20000);
  if (st != MAPCORE_STATUS_OK) return st;
  t->info = mapcore_image_info_default();
  st = mapcore_render_session_read_pixels(t->session, NULL, 0, &t->info);
  if (st != MAPCORE_STATUS_OK) return st;
  free(t->pixels);
  t->pixels = (uint8_t *)malloc(t->info.byte_length);
  return mapcore_render_session_read_pixels(t->session, t->pixels, t->info.byte_length, NULL);
}

static inline const uint8_t *test_map_pixel(const test_map *t, uint32_t x, uint32_t y) {
  return t->pixels + y * t->info.stride + x * 4;
}

/* Checks pixel (x, y) equals rgba within `tol` per channel. */
#define CHECK_PIXEL(t, x, y, r, g, b, a, tol)                                        \
  do {                                                                               \
    const uint8_t *p_ = test_map_pixel((t), (x), (y));                               \
    harness_checks++;                                                                \
    if (abs(p_[0] - (r)) > (tol) || abs(p_[1] - (g)) > (tol) ||                      \
        abs(p_[2] - (b)) > (tol) || abs(p_[3] - (a)) > (tol)) {                      \
      harness_failures++;                                                            \
      fprintf(stderr, "%s:%d: pixel (%d,%d) is (%d,%d,%d,%d), expected (%d,%d,%d,%d)\n", \
              __FILE__, __LINE__, (int)(x), (int)(y), p_[0], p_[1], p_[2], p_[3],    \
              (int)(r), (int)(g), (int)(b), (int)(a));                               \
    }                                                                                \
  } while (0)

/* Drains events; returns how many have `type` and (if non-NULL) a message,
 * url or source containing `needle`. */
static inline int count_events(mapcore_runtime rt, mapcore_event_type type, const char *needle) {
  const mapcore_event *ev = NULL;
  size_t n = 0;
  if (mapcore_runtime_drain_events(rt, &ev, &n) != MAPCORE_STATUS_OK) return -1;
  int found = 0;
  for (size_t i = 0; i < n; i++) {
    if (ev[i].type != type) continue;
    if (needle && !strstr(ev[i].message, needle) && !strstr(ev[i].url, needle) &&
        !strstr(ev[i].source_id, needle))
      continue;
    found++;
  }
  return found;
}

#endif
