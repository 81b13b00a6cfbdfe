/* Resource provider: one-shot completion, borrowed buffers, failures,
 * completion from other threads, cancellation, pass-through. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>

#include "render_util.h"

/* GeoJSON polygons covering the whole 64x64 view at zoom 0. */
#define BIG_POLY(kind)                                                                  \
  "{\"type\":\"Feature\",\"properties\":{\"kind\":\"" kind "\"},\"geometry\":{\"type\":\"Polygon\"," \
  "\"coordinates\":[[[-60,-60],[60,-60],[60,60],[-60,60],[-60,-60]]]}}"

static const char *STYLE_URL_DATA =
    "{\"version\":8,\"center\":[0,0],\"zoom\":0,\"sources\":{"
    "\"remote\":{\"type\":\"geojson\",\"data\":\"mem://data.geojson\"}},"
    "\"layers\":["
    "{\"id\":\"bg\",\"type\":\"background\",\"paint\":{\"background-color\":\"#0000ff\"}},"
    "{\"id\":\"fill\",\"type\":\"fill\",\"source\":\"remote\","
    "\"paint\":{\"fill-color\":[\"match\",[\"get\",\"kind\"],\"first\",\"#ff0000\",\"#00ff00\"]}}]}";

/* ---- a request completed twice: the first answer stands ----------------- */
static mapcore_status second_completion = MAPCORE_STATUS_OK;
static mapcore_provider_decision complete_twice(void *ud, const mapcore_resource_info *info,
                                                mapcore_resource_request req) {
  (void)ud;
  CHECK(info->size == sizeof(mapcore_resource_info));
  CHECK(info->kind == MAPCORE_RESOURCE_SOURCE);
  CHECK(strcmp(info->url, "mem://data.geojson") == 0);
  const char *first = BIG_POLY("first");
  const char *second = BIG_POLY("second");
  CHECK_OK(mapcore_resource_request_complete(req, (const uint8_t *)first, strlen(first)));
  second_completion = mapcore_resource_request_complete(req, (const uint8_t *)second, strlen(second));
  CHECK(strstr(mapcore_last_error_message(), "already completed") != NULL);
  CHECK_OK(mapcore_resource_request_release(req));
  CHECK_OK(mapcore_resource_request_release(req)); /* second release: no-op */
  return MAPCORE_PROVIDER_HANDLED;
}

static void test_double_completion(void) {
  test_map t;
  test_map_open(&t, 64, 64);
  mapcore_resource_provider p = {sizeof p, complete_twice, NULL, NULL};
  CHECK_OK(mapcore_runtime_set_resource_provider(t.rt, &p));
  CHECK_OK(test_map_render(&t, STYLE_URL_DATA));
  CHECK(second_completion == MAPCORE_STATUS_INVALID_STATE);
  CHECK_PIXEL(&t, 32, 32, 255, 0, 0, 255, 0); /* the first answer's colour */
  test_map_close(&t);
}

/* ---- a provider that fails everything ------------------------------------ */
static mapcore_provider_decision fail_all(void *ud, const mapcore_resource_info *info,
                                          mapcore_resource_request req) {
  (void)info;
  (*(int *)ud)++;
  CHECK_OK(mapcore_resource_request_fail(req, "server on fire"));
  CHECK_STATUS(mapcore_resource_request_not_found(req), MAPCORE_STATUS_INVALID_STATE);
  mapcore_resource_request_release(req);
  return MAPCORE_PROVIDER_HANDLED;
}

static void test_failing_provider(void) {
  test_map t;
  test_map_open(&t, 64, 64);
  int calls = 0;
  mapcore_resource_provider p = {sizeof p, fail_all, NULL, &calls};
  CHECK_OK(mapcore_runtime_set_resource_provider(t.rt, &p));
  const char *style =
      "{\"version\":8,\"center\":[0,0],\"zoom\":1,\"sources\":{"
      "\"v\":{\"type\":\"vector\",\"tiles\":[\"mem://tiles/{z}/{x}/{y}.pbf\"]},"
      "\"g\":{\"type\":\"geojson\",\"data\":\"mem://g.json\"}},"
      "\"layers\":[{\"id\":\"bg\",\"type\":\"background\",\"paint\":{\"background-color\":\"#112233\"}},"
      "{\"id\":\"f\",\"type\":\"fill\",\"source\":\"v\",\"source-layer\":\"water\"},"
      "{\"id\":\"c\",\"type\":\"circle\",\"source\":\"g\"}]}";
  CHECK_OK(test_map_render(&t, style));
  CHECK(calls >= 5); /* geojson + 4 tiles at z1 */
  CHECK_PIXEL(&t, 10, 10, 0x11, 0x22, 0x33, 255, 0);
  const mapcore_event *ev;
  size_t n;
  CHECK_OK(mapcore_runtime_drain_events(t.rt, &ev, &n));
  int failures = 0, tile_failures = 0;
  for (size_t i = 0; i < n; i++) {
    if (ev[i].type != MAPCORE_EVENT_RESOURCE_ERROR) continue;
    failures++;
    CHECK(strstr(ev[i].message, "server on fire") != NULL);
    CHECK(strncmp(ev[i].url, "mem://", 6) == 0);
    if (ev[i].resource_kind == MAPCORE_RESOURCE_TILE) {
      tile_failures++;
      CHECK(ev[i].tile_z == 1);
      CHECK(strcmp(ev[i].source_id, "v") == 0);
    }
  }
  CHECK(failures == calls);
  CHECK(tile_failures == 4);
  test_map_close(&t);
}

/* ---- borrowed buffers, completion from another thread --------------------- */
static int released = 0;
static void release_buffer(void *ctx) { (*(int *)ctx)++; }

typedef struct {
  mapcore_resource_request req;
  pthread_t thread;
} deferred;
static deferred pending[8];
static int pending_count = 0;

static void *complete_later(void *arg) {
  deferred *d = (deferred *)arg;
  struct timespec ts = {0, 30 * 1000 * 1000};
  nanosleep(&ts, NULL);
  static const char *data = BIG_POLY("first");
  CHECK_OK(mapcore_resource_request_complete_borrowed(d->req, (const uint8_t *)data, strlen(data),
                                                      release_buffer, &released));
  CHECK_OK(mapcore_resource_request_release(d->req));
  return NULL;
}

static mapcore_provider_decision defer_to_thread(void *ud, const mapcore_resource_info *info,
                                                 mapcore_resource_request req) {
  (void)ud;
  (void)info;
  deferred *d = &pending[pending_count++];
  d->req = req;
  CHECK(pthread_create(&d->thread, NULL, complete_later, d) == 0);
  return MAPCORE_PROVIDER_HANDLED;
}

static void test_borrowed_from_other_thread(void) {
  test_map t;
  test_map_open(&t, 64, 64);
  mapcore_resource_provider p = {sizeof p, defer_to_thread, NULL, NULL};
  CHECK_OK(mapcore_runtime_set_resource_provider(t.rt, &p));
  CHECK_OK(test_map_render(&t, STYLE_URL_DATA));
  for (int i = 0; i < pending_count; i++) pthread_join(pending[i].thread, NULL);
  CHECK(pending_count == 1);
  CHECK_PIXEL(&t, 32, 32, 255, 0, 0, 255, 0);
  CHECK(released == 1); /* read, indexed, released exactly once */
  /* a completion that fails still releases the buffer, before returning */
  int early = 0;
  CHECK_STATUS(mapcore_resource_request_complete_borrowed(pending[0].req, (const uint8_t *)"x", 1,
                                                          release_buffer, &early),
               MAPCORE_STATUS_INVALID_STATE);
  CHECK(early == 1);
  test_map_close(&t);
}

/* ---- cancellation ---------------------------------------------------------- */
static mapcore_resource_request held = {0};
static int cancels = 0;
static mapcore_provider_decision hold(void *ud, const mapcore_resource_info *info,
                                      mapcore_resource_request req) {
  (void)ud;
  mapcore_resource_info copy;
  memset(&copy, 0, sizeof copy);
  copy.size = sizeof copy;
  CHECK_OK(mapcore_resource_request_info(req, &copy));
  CHECK(strcmp(copy.url, info->url) == 0);
  /* owner-thread calls from inside the provider are refused */
  mapcore_camera cam = mapcore_camera_default();
  CHECK_STATUS(mapcore_map_get_camera(*(mapcore_map *)ud, &cam), MAPCORE_STATUS_INVALID_STATE);
  CHECK(strstr(mapcore_last_error_message(), "re-entrant") != NULL);
  held = req;
  return MAPCORE_PROVIDER_HANDLED;
}
static void on_cancel(void *ud, mapcore_resource_request req) {
  (void)ud;
  CHECK(req.id == held.id);
  cancels++;
}

static void *interrupt_later(void *arg) {
  struct timespec ts = {0, 50 * 1000 * 1000};
  nanosleep(&ts, NULL);
  CHECK_OK(mapcore_runtime_interrupt(*(mapcore_runtime *)arg));
  return NULL;
}

static void test_cancellation(void) {
  test_map t;
  test_map_open(&t, 64, 64);
  mapcore_resource_provider p = {sizeof p, hold, on_cancel, &t.map};
  CHECK_OK(mapcore_runtime_set_resource_provider(t.rt, &p));
  CHECK_OK(mapcore_map_set_style_json(t.map, STYLE_URL_DATA, strlen(STYLE_URL_DATA)));
  CHECK_STATUS(mapcore_render_session_render_still(t.session, 100), MAPCORE_STATUS_TIMEOUT);
  CHECK_DIAG("remote");
  CHECK(held.id != 0);
  /* another thread interrupts a still render that would wait forever */
  pthread_t interrupter;
  CHECK(pthread_create(&interrupter, NULL, interrupt_later, &t.rt) == 0);
  CHECK_STATUS(mapcore_render_session_render_still(t.session, 0), MAPCORE_STATUS_CANCELLED);
  CHECK_DIAG("interrupted");
  pthread_join(interrupter, NULL);
  /* an interrupt with no render waiting does not cancel the next one */
  CHECK_OK(mapcore_runtime_interrupt(t.rt));
  CHECK_STATUS(mapcore_render_session_render_still(t.session, 100), MAPCORE_STATUS_TIMEOUT);
  CHECK_STATUS(mapcore_runtime_interrupt((mapcore_runtime){0}), MAPCORE_STATUS_INVALID_ARGUMENT);
  bool cancelled = true;
  CHECK_OK(mapcore_resource_request_is_cancelled(held, &cancelled));
  CHECK(!cancelled);
  /* a new style cancels the old style's requests */
  const char *plain = "{\"version\":8,\"sources\":{},\"layers\":[]}";
  CHECK_OK(mapcore_map_set_style_json(t.map, plain, strlen(plain)));
  CHECK(cancels == 1);
  CHECK_OK(mapcore_resource_request_is_cancelled(held, &cancelled));
  CHECK(cancelled);
  /* completing a cancelled request is allowed and ignored */
  CHECK_OK(mapcore_resource_request_not_found(held));
  CHECK_OK(mapcore_resource_request_release(held));
  CHECK_STATUS(mapcore_resource_request_is_cancelled(held, &cancelled), MAPCORE_STATUS_INVALID_STATE);
  CHECK_OK(mapcore_runtime_set_resource_provider(t.rt, NULL));
  mapcore_resource_provider no_fn = {sizeof no_fn, NULL, NULL, NULL};
  CHECK_STATUS(mapcore_runtime_set_resource_provider(t.rt, &no_fn), MAPCORE_STATUS_INVALID_ARGUMENT);
  test_map_close(&t);
}

/* ---- release without an answer, pass-through --------------------------- */
static mapcore_provider_decision release_unanswered(void *ud, const mapcore_resource_info *info,
                                                    mapcore_resource_request req) {
  (void)ud;
  if (strncmp(info->url, "mem://", 6) != 0) {
    mapcore_resource_request_release(req);
    return MAPCORE_PROVIDER_PASS_THROUGH;
  }
  mapcore_resource_request_release(req);
  return MAPCORE_PROVIDER_HANDLED;
}

/* The runtime reads local files only under its allowed roots: these tests'
 * files are under build/tests/c (the test runs from the checkout's root). */
static void open_with_files(test_map *t) { test_map_open_with_root(t, 64, 64, "build/tests/c"); }

static void test_release_and_pass_through(void) {
  test_map t;
  open_with_files(&t);
  mapcore_resource_provider p = {sizeof p, release_unanswered, NULL, NULL};
  CHECK_OK(mapcore_runtime_set_resource_provider(t.rt, &p));
  CHECK_OK(test_map_render(&t, STYLE_URL_DATA));
  CHECK(count_events(t.rt, MAPCORE_EVENT_RESOURCE_ERROR, "released without a response") == 1);
  CHECK_PIXEL(&t, 32, 32, 0, 0, 255, 255, 0);

  /* pass-through: a file the runtime reads itself */
  const char *path = "build/tests/c/pass_through.geojson";
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f) {
    fputs(BIG_POLY("file"), f);
    fclose(f);
  }
  char style[2048];
  snprintf(style, sizeof style,
           "{\"version\":8,\"center\":[0,0],\"zoom\":0,\"sources\":{\"s\":{\"type\":\"geojson\","
           "\"data\":\"%s\"}},\"layers\":[{\"id\":\"f\",\"type\":\"fill\",\"source\":\"s\","
           "\"paint\":{\"fill-color\":\"#00ff00\"}}]}",
           path);
  CHECK_OK(test_map_render(&t, style));
  CHECK_PIXEL(&t, 32, 32, 0, 255, 0, 255, 0);
  /* a URL nobody serves */
  const char *nobody =
      "{\"version\":8,\"sources\":{\"s\":{\"type\":\"geojson\",\"data\":\"https://example.invalid/x.json\"}},"
      "\"layers\":[{\"id\":\"c\",\"type\":\"circle\",\"source\":\"s\"}]}";
  CHECK_OK(mapcore_runtime_set_resource_provider(t.rt, NULL));
  count_events(t.rt, MAPCORE_EVENT_RESOURCE_ERROR, NULL);
  CHECK_OK(test_map_render(&t, nobody));
  CHECK(count_events(t.rt, MAPCORE_EVENT_RESOURCE_ERROR, "resource provider") == 1);
  test_map_close(&t);
}

/* ---- a style loaded by URL -------------------------------------------------- */
static void test_style_url(void) {
  test_map t;
  open_with_files(&t);
  CHECK_OK(mapcore_map_set_style_url(t.map, "build/tests/c/missing-style.json"));
  CHECK_OK(mapcore_render_session_render_still(t.session, 20000));
  CHECK(count_events(t.rt, MAPCORE_EVENT_STYLE_ERROR, "not found") == 1);
  const char *path = "build/tests/c/style.json";
  FILE *f = fopen(path, "wb");
  if (f) {
    fputs("{\"version\":8,\"sources\":{},\"layers\":[{\"id\":\"b\",\"type\":\"background\","
          "\"paint\":{\"background-color\":\"#808000\"}}]}", f);
    fclose(f);
  }
  CHECK_OK(mapcore_map_set_style_url(t.map, path));
  CHECK_OK(mapcore_render_session_render_still(t.session, 20000));
  mapcore_image_info info = mapcore_image_info_default();
  uint8_t px[64 * 64 * 4];
  CHECK_OK(mapcore_render_session_read_pixels(t.session, px, sizeof px, &info));
  CHECK(px[0] == 0x80 && px[1] == 0x80 && px[2] == 0 && px[3] == 255);

  /* relative URLs in a style loaded by URL resolve against the style's URL */
  CHECK(system("mkdir -p build/tests/c/rel") == 0);
  f = fopen("build/tests/c/rel/shape.geojson", "wb");
  if (f) {
    fputs(BIG_POLY("rel"), f);
    fclose(f);
  }
  f = fopen("build/tests/c/rel/style.json", "wb");
  if (f) {
    fputs("{\"version\":8,\"center\":[0,0],\"zoom\":0,\"sources\":{\"s\":{\"type\":\"geojson\","
          "\"data\":\"./shape.geojson\"}},\"layers\":[{\"id\":\"f\",\"type\":\"fill\",\"source\":\"s\","
          "\"paint\":{\"fill-color\":\"#00ff00\"}}]}", f);
    fclose(f);
  }
  CHECK_OK(mapcore_map_set_style_url(t.map, "build/tests/c/rel/style.json"));
  CHECK_OK(mapcore_render_session_render_still(t.session, 20000));
  CHECK_OK(mapcore_render_session_read_pixels(t.session, px, sizeof px, &info));
  CHECK(px[(32 * 64 + 32) * 4 + 1] == 255 && px[(32 * 64 + 32) * 4] == 0);
  test_map_close(&t);
}

/* ---- local files: allowed roots, limits -------------------------------------- */
static void test_file_policy(void) {
  CHECK(system("mkdir -p build/tests/c/policy") == 0);
  FILE *f = fopen("build/tests/c/policy/shape.geojson", "wb");
  CHECK(f != NULL);
  if (f) {
    fputs(BIG_POLY("policy"), f);
    fclose(f);
  }
  const char *style =
      "{\"version\":8,\"center\":[0,0],\"zoom\":0,\"sources\":{\"s\":{\"type\":\"geojson\","
      "\"data\":\"build/tests/c/policy/shape.geojson\"},\"p\":{\"type\":\"geojson\","
      "\"data\":\"file:///etc/passwd\"}},\"layers\":[{\"id\":\"f\",\"type\":\"fill\",\"source\":\"s\","
      "\"paint\":{\"fill-color\":\"#00ff00\"}},{\"id\":\"c\",\"type\":\"circle\",\"source\":\"p\"}]}";
  /* no roots: no local files, not even /etc/passwd; each refusal names the option */
  test_map t;
  test_map_open(&t, 64, 64);
  count_events(t.rt, MAPCORE_EVENT_RESOURCE_ERROR, NULL);
  CHECK_OK(test_map_render(&t, style));
  CHECK(count_events(t.rt, MAPCORE_EVENT_RESOURCE_ERROR, "allowed_roots") == 2);
  CHECK_PIXEL(&t, 32, 32, 0, 0, 0, 0, 0);
  test_map_close(&t);
  /* the folder allowed: its file draws; /etc/passwd is still refused */
  static const char *const roots[] = {"build/tests/c/policy"};
  mapcore_runtime_options o = mapcore_runtime_options_default();
  o.allowed_roots = roots;
  o.allowed_root_count = 1;
  test_map_open_with(&t, 64, 64, &o);
  CHECK_OK(test_map_render(&t, style));
  CHECK(count_events(t.rt, MAPCORE_EVENT_RESOURCE_ERROR, "/etc/passwd") == 1);
  CHECK_PIXEL(&t, 32, 32, 0, 255, 0, 255, 0);
  test_map_close(&t);
  /* a byte limit below the file's size: refused, naming the limit */
  o.max_resource_bytes = 16;
  test_map_open_with(&t, 64, 64, &o);
  CHECK_OK(test_map_render(&t, style));
  CHECK(count_events(t.rt, MAPCORE_EVENT_RESOURCE_ERROR, "max_resource_bytes") == 1);
  test_map_close(&t);
  /* an older caller's struct (up to asset_root) still works: the defaults */
  mapcore_runtime_options v1 = mapcore_runtime_options_default();
  v1.size = offsetof(mapcore_runtime_options, allowed_roots);
  mapcore_runtime rt = {0};
  CHECK_OK(mapcore_runtime_create(&v1, &rt));
  CHECK_OK(mapcore_runtime_destroy(rt));
  /* bad roots */
  mapcore_runtime_options bad = mapcore_runtime_options_default();
  bad.allowed_root_count = 1;
  rt.id = 0;
  CHECK_STATUS(mapcore_runtime_create(&bad, &rt), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("allowed_roots");
  static const char *const missing[] = {"/nonexistent/mapcore/root"};
  bad.allowed_roots = missing;
  CHECK_STATUS(mapcore_runtime_create(&bad, &rt), MAPCORE_STATUS_IO_ERROR);
  CHECK_DIAG("/nonexistent/mapcore/root");
  CHECK(rt.id == 0);
}

/* ---- the bundled default style ------------------------------------------- */
static void test_builtin_default_style(void) {
  test_map t;
  test_map_open(&t, 256, 128);
  CHECK_OK(mapcore_map_set_style_url(t.map, "builtin://default-style.json"));
  CHECK_OK(mapcore_render_session_render_still(t.session, 20000));
  CHECK(count_events(t.rt, MAPCORE_EVENT_STYLE_LOADED, NULL) == 1);
  mapcore_image_info info = mapcore_image_info_default();
  static uint8_t px[256 * 128 * 4];
  CHECK_OK(mapcore_render_session_read_pixels(t.session, px, sizeof px, &info));
  /* ocean and land colours both appear */
  int ocean = 0, land = 0;
  for (size_t i = 0; i < sizeof px; i += 4) {
    if (px[i] == 0xaa && px[i + 1] == 0xcb && px[i + 2] == 0xe4) ocean++;
    else if (px[i] > 0xd0 && px[i + 1] > 0xd0 && px[i + 2] > 0xb0 && px[i + 2] < px[i]) land++;
  }
  CHECK(ocean > 1000);
  CHECK(land > 1000);
  test_map_close(&t);
}

int main(void) {
  test_file_policy();
  test_builtin_default_style();
  test_double_completion();
  test_failing_provider();
  test_borrowed_from_other_thread();
  test_cancellation();
  test_release_and_pass_through();
  test_style_url();
  return harness_finish("test_resources");
}
