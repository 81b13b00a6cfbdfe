/* Soak: renders many frames while switching styles, cameras and sources, and
 * watches the process's resident memory. Fails when the median RSS of the
 * last quarter after warm-up is more than 10 % above that of the first (a
 * leak, or a cache without a bound).
 *
 *   soak [FRAMES [SIZE]]     (from the repository root; make soak)
 *
 * Styles: the bundled default style (builtin://), the Berlin street map over
 * the vector tile in tests/fixtures (served by a resource provider), and an
 * inline GeoJSON style whose source is replaced every few frames with new
 * data. Cameras wander over the world and zooms 0..16 with bearing and
 * pitch; runtime styling edits run in between. Every 10th frame is a still
 * image (everything loaded), the others are continuous frames. Run it under
 * valgrind with few frames (make soak does) to check for leaks and invalid
 * accesses on the same paths; the RSS is judged only when the warm-up
 * (a fifth of the frames) draws every style. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapcore.h"
#include "../c/harness.h" /* read_file */

/* local://X -> tests/fixtures/X */
static mapcore_provider_decision serve_local(void *user_data, const mapcore_resource_info *info,
                                             mapcore_resource_request req) {
  (void)user_data;
  if (strncmp(info->url, "local://", 8) != 0) {
    mapcore_resource_request_release(req);
    return MAPCORE_PROVIDER_PASS_THROUGH;
  }
  char path[1024];
  snprintf(path, sizeof path, "tests/fixtures/%s", info->url + 8);
  size_t len = 0;
  char *data = read_file(path, &len);
  if (data) {
    mapcore_resource_request_complete(req, (const uint8_t *)data, len);
    free(data);
  } else {
    mapcore_resource_request_not_found(req);
  }
  mapcore_resource_request_release(req);
  return MAPCORE_PROVIDER_HANDLED;
}

/* Resident set size in KiB. */
static long rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long pages = 0, resident = 0;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double rnd(void) { /* xorshift64*: 0..1, the same run every time */
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static int failures = 0;
static void check(mapcore_status st, const char *what) {
  if (st != MAPCORE_STATUS_OK && st != MAPCORE_STATUS_TIMEOUT) {
    fprintf(stderr, "soak: %s: %s: %s\n", what, mapcore_status_name(st), mapcore_last_error_message());
    failures++;
  }
}

/* A GeoJSON FeatureCollection of `n` points and a line, fresh each time. */
static char *points_json(int n) {
  size_t cap = 256 + (size_t)n * 160;
  char *s = malloc(cap);
  size_t len = (size_t)snprintf(s, cap, "{\"type\":\"geojson\",\"data\":{\"type\":\"FeatureCollection\",\"features\":[");
  for (int i = 0; i < n; i++) {
    len += (size_t)snprintf(s + len, cap - len,
                            "%s{\"type\":\"Feature\",\"properties\":{\"r\":%d,\"name\":\"p%d\"},\"geometry\":"
                            "{\"type\":\"Point\",\"coordinates\":[%.4f,%.4f]}}",
                            i ? "," : "", 2 + i % 7, i, rnd() * 360 - 180, rnd() * 160 - 80);
  }
  snprintf(s + len, cap - len,
           ",{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"LineString\","
           "\"coordinates\":[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]}}]}}",
           rnd() * 360 - 180, rnd() * 160 - 80, rnd() * 360 - 180, rnd() * 160 - 80, rnd() * 360 - 180,
           rnd() * 160 - 80);
  return s;
}

static const char *GEOJSON_STYLE =
    "{\"version\":8,\"sources\":{},\"layers\":[{\"id\":\"bg\",\"type\":\"background\","
    "\"paint\":{\"background-color\":\"#eef\"}}]}";
static const char *GEOJSON_LAYERS[] = {
    "{\"id\":\"dots\",\"type\":\"circle\",\"source\":\"pts\",\"paint\":{\"circle-radius\":[\"get\",\"r\"],"
    "\"circle-color\":\"#c33\",\"circle-stroke-width\":1}}",
    "{\"id\":\"path\",\"type\":\"line\",\"source\":\"pts\",\"paint\":{\"line-width\":3,\"line-dasharray\":[2,1]}}",
    "{\"id\":\"names\",\"type\":\"symbol\",\"source\":\"pts\",\"layout\":{\"text-field\":[\"get\",\"name\"],"
    "\"text-size\":10}}",
};

static int cmp_long(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

/* The median of n values (sorted in place); 0 for none. */
static long median(long *v, int n) {
  if (n <= 0) return 0;
  qsort(v, (size_t)n, sizeof *v, cmp_long);
  return v[n / 2];
}

int main(int argc, char **argv) {
  int frames = argc > 1 ? atoi(argv[1]) : 10000;
  unsigned size = argc > 2 ? (unsigned)atoi(argv[2]) : 128;
  if (frames < 10 || size < 16 || size > 2048) {
    fprintf(stderr, "usage: soak [FRAMES >= 10 [SIZE 16..2048]]\n");
    return 2;
  }
  size_t berlin_len = 0;
  char *berlin = read_file("examples/berlin/style.json", &berlin_len);
  if (!berlin) {
    fprintf(stderr, "soak: examples/berlin/style.json not found (run from the repository root)\n");
    return 2;
  }
  mapcore_runtime rt = {0};
  mapcore_map map = {0};
  mapcore_render_session session = {0};
  mapcore_runtime_options options = mapcore_runtime_options_default();
  options.worker_threads = 2;
  options.render_threads = 1;
  check(mapcore_runtime_create(&options, &rt), "runtime_create");
  mapcore_resource_provider provider = {sizeof provider, serve_local, NULL, NULL};
  check(mapcore_runtime_set_resource_provider(rt, &provider), "set_resource_provider");
  check(mapcore_map_create(rt, NULL, &map), "map_create");
  check(mapcore_render_session_create_texture(map, size, size, 1.0f, &session), "create_texture");

  int warmup = frames / 5;
  /* 250 frames per style in the long run; short runs still see each style
   * twice and several source swaps */
  int style_period = frames >= 2500 ? 250 : (frames / 6 > 4 ? frames / 6 : 4);
  int source_period = style_period / 10 > 1 ? style_period / 10 : 1;
  long peak = 0;
  long *rss_at = calloc((size_t)frames, sizeof *rss_at);
  if (!rss_at) return 2;
  int style = -1;
  for (int frame = 0; frame < frames; frame++) {
    /* a new style every 250 frames: default, Berlin, GeoJSON in turn */
    if (frame % style_period == 0) {
      style = (style + 1) % 3;
      if (style == 0) check(mapcore_map_set_style_url(map, "builtin://default-style.json"), "style default");
      if (style == 1) check(mapcore_map_set_style_json(map, berlin, berlin_len), "style berlin");
      if (style == 2) {
        check(mapcore_map_set_style_json(map, GEOJSON_STYLE, strlen(GEOJSON_STYLE)), "style geojson");
      }
    }
    /* the GeoJSON style's source and layers replaced every 25 frames */
    if (style == 2 && frame % source_period == 0) {
      mapcore_map_remove_layer(map, "dots");
      mapcore_map_remove_layer(map, "path");
      mapcore_map_remove_layer(map, "names");
      mapcore_map_remove_source(map, "pts");
      char *src = points_json(50 + (int)(rnd() * 400));
      check(mapcore_map_add_source(map, "pts", src, strlen(src)), "add_source");
      free(src);
      for (int i = 0; i < 3; i++) check(mapcore_map_add_layer(map, GEOJSON_LAYERS[i], strlen(GEOJSON_LAYERS[i]), NULL), "add_layer");
    }
    mapcore_camera cam = mapcore_camera_default();
    if (style == 1) { /* around the Berlin tile */
      cam.longitude = 13.404 + rnd() * 0.02;
      cam.latitude = 52.497 + rnd() * 0.012;
      cam.zoom = 13 + rnd() * 4;
    } else {
      cam.longitude = rnd() * 360 - 180;
      cam.latitude = rnd() * 150 - 75;
      cam.zoom = rnd() * 10;
    }
    cam.bearing = rnd() * 360 - 180;
    cam.pitch = rnd() < 0.3 ? rnd() * 60 : 0;
    check(mapcore_map_jump_to(map, &cam), "jump_to");
    if (frame % 10 == 0) {
      check(mapcore_render_session_render_still(session, 20000), "render_still");
    } else {
      check(mapcore_runtime_pump(rt, 0, NULL), "pump");
      bool complete = false;
      check(mapcore_render_session_render_frame(session, &complete), "render_frame");
    }
    const mapcore_event *events = NULL;
    size_t count = 0;
    check(mapcore_runtime_drain_events(rt, &events, &count), "drain_events");
    long rss = rss_kib();
    rss_at[frame] = rss;
    if (frame > warmup && rss > peak) peak = rss;
    if (frame % 500 == 0 || frame == frames - 1) {
      printf("soak: frame %5d  rss %7ld KiB%s\n", frame, rss, frame <= warmup ? "  (warm-up)" : "");
      fflush(stdout);
    }
    if (failures > 20) break;
  }
  check(mapcore_render_session_destroy(session), "session_destroy");
  check(mapcore_map_destroy(map), "map_destroy");
  check(mapcore_runtime_destroy(rt), "runtime_destroy");
  free(berlin);
  /* Growth: the median RSS of the last quarter after warm-up over that of
   * the first (a leak or an unbounded cache grows from one to the other;
   * a single frame's allocator noise does not count). */
  int span = (frames - warmup) / 4;
  long baseline = median(rss_at + warmup, span), last = median(rss_at + frames - span, span);
  free(rss_at);
  double growth = baseline > 0 ? (double)(last - baseline) / (double)baseline : 0;
  printf("soak: %d frames of %ux%u; median rss after warm-up %ld KiB, in the last quarter %ld KiB (%+.1f %%), peak %ld KiB\n",
         frames, size, size, baseline, last, growth * 100, peak);
  if (failures) {
    printf("soak: FAILED: %d calls failed\n", failures);
    return 1;
  }
  /* Short runs (under valgrind, for accesses and leaks) end before every
   * style has been drawn once: their caches are still filling after
   * warm-up, so their RSS tells nothing. */
  if (warmup < 3 * style_period) {
    printf("soak: RSS not judged: a warm-up of %d frames does not draw all 3 styles (%d frames each)\n", warmup,
           style_period);
  } else if (growth > 0.10) {
    printf("soak: FAILED: memory grew by more than 10 %% after warm-up\n");
    return 1;
  }
  printf("soak: 1 passed, 0 failed\n");
  return 0;
}
