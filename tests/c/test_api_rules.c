/* API rules: statuses, diagnostics, null/size/UTF-8 checks, handles,
 * ownership of runtimes and maps, logging. */
#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

static int log_calls = 0;
static void count_logs(void *user_data, mapcore_log_level level, const char *target,
                       const char *message) {
  (void)level;
  (void)target;
  (void)message;
  (*(int *)user_data)++;
}

static void test_version_and_status_names(void) {
  CHECK(mapcore_version() == ((MAPCORE_VERSION_MAJOR << 16) | (MAPCORE_VERSION_MINOR << 8) |
                              MAPCORE_VERSION_PATCH));
  CHECK(strcmp(mapcore_version_string(), "0.1.0") == 0);
  CHECK(strcmp(mapcore_status_name(MAPCORE_STATUS_WRONG_THREAD), "WRONG_THREAD") == 0);
  CHECK(strcmp(mapcore_status_name(MAPCORE_STATUS_TIMEOUT), "TIMEOUT") == 0);
  CHECK(strcmp(mapcore_status_name(MAPCORE_STATUS_CANCELLED), "CANCELLED") == 0);
  CHECK(strcmp(mapcore_status_name((mapcore_status)77), "UNKNOWN") == 0);
}

static void test_runtime_rules(void) {
  mapcore_runtime rt = {0};
  /* null out-pointer, non-null out-handle, too-small size, bad UTF-8 */
  CHECK_STATUS(mapcore_runtime_create(NULL, NULL), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("out_runtime");
  mapcore_runtime not_null = {42};
  CHECK_STATUS(mapcore_runtime_create(NULL, &not_null), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("null handle");
  CHECK(not_null.id == 42);
  mapcore_runtime_options small = mapcore_runtime_options_default();
  small.size = 4;
  CHECK_STATUS(mapcore_runtime_create(&small, &rt), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("options->size");
  CHECK(rt.id == 0);
  mapcore_runtime_options bad_utf8 = mapcore_runtime_options_default();
  bad_utf8.asset_root = "\xff\xfe";
  CHECK_STATUS(mapcore_runtime_create(&bad_utf8, &rt), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("UTF-8");
  mapcore_runtime_options missing = mapcore_runtime_options_default();
  missing.asset_root = "/nonexistent/mapcore/assets";
  CHECK_STATUS(mapcore_runtime_create(&missing, &rt), MAPCORE_STATUS_IO_ERROR);
  CHECK_DIAG("/nonexistent/mapcore/assets");

  CHECK_OK(mapcore_runtime_create(NULL, &rt));
  CHECK(rt.id != 0);
  CHECK(strcmp(mapcore_last_error_message(), "") == 0);
  mapcore_runtime second = {0};
  CHECK_STATUS(mapcore_runtime_create(NULL, &second), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("already owns");

  uint32_t processed = 99;
  CHECK_OK(mapcore_runtime_pump(rt, 0, &processed));
  CHECK(processed == 0);
  CHECK_OK(mapcore_runtime_wake(rt));
  CHECK_OK(mapcore_runtime_pump(rt, 10000, NULL)); /* the wake ends the wait */

  /* maps */
  mapcore_map map = {0};
  mapcore_map_options mo = mapcore_map_options_default();
  mo.width = 0;
  CHECK_STATUS(mapcore_map_create(rt, &mo, &map), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("out of range");
  mo = mapcore_map_options_default();
  mo.pixel_ratio = -1.0f;
  CHECK_STATUS(mapcore_map_create(rt, &mo, &map), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("pixel_ratio");
  CHECK_STATUS(mapcore_map_create((mapcore_runtime){0}, NULL, &map), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("null");
  CHECK_OK(mapcore_map_create(rt, NULL, &map));
  /* a map handle where a runtime is expected */
  CHECK_STATUS(mapcore_runtime_pump((mapcore_runtime){map.id}, 0, NULL), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("expected a runtime handle");
  CHECK_STATUS(mapcore_runtime_destroy(rt), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("live map");

  /* style JSON: null, bad UTF-8, bad JSON, bad style */
  CHECK_STATUS(mapcore_map_set_style_json(map, NULL, 5), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("json");
  CHECK_STATUS(mapcore_map_set_style_json(map, "{\"a\":\"\xc3\x28\"}", 10), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("UTF-8");
  const char *broken = "{\"version\": 8, \"sources\": {}, \"layers\": [";
  CHECK_STATUS(mapcore_map_set_style_json(map, broken, strlen(broken)), MAPCORE_STATUS_PARSE_ERROR);
  CHECK_DIAG("line 1");
  const char *bad_width =
      "{\"version\":8,\"sources\":{},\"layers\":[{\"id\":\"bg\",\"type\":\"background\"},"
      "{\"id\":\"l\",\"type\":\"background\",\"paint\":{\"background-opacity\":\"wide\"}}]}";
  /* lenient like MapLibre: a bad value is a warning naming it; the default is used */
  const mapcore_event *evs = NULL;
  size_t nevs = 0;
  mapcore_map lenient = {0};
  CHECK_OK(mapcore_map_create(rt, NULL, &lenient));
  CHECK_OK(mapcore_runtime_drain_events(rt, &evs, &nevs));
  CHECK_OK(mapcore_map_set_style_json(lenient, bad_width, strlen(bad_width)));
  CHECK_OK(mapcore_runtime_drain_events(rt, &evs, &nevs));
  bool warned = false;
  for (size_t i = 0; i < nevs; i++)
    warned = warned || (evs[i].type == MAPCORE_EVENT_WARNING &&
                        strstr(evs[i].message, "layers[1].paint.background-opacity") != NULL);
  CHECK(warned);
  CHECK_OK(mapcore_map_destroy(lenient));
  const char *v7 = "{\"version\":7,\"sources\":{},\"layers\":[]}";
  CHECK_STATUS(mapcore_map_set_style_json(map, v7, strlen(v7)), MAPCORE_STATUS_PARSE_ERROR);
  CHECK_DIAG("version");
  CHECK_STATUS(mapcore_map_set_style_url(map, NULL), MAPCORE_STATUS_INVALID_ARGUMENT);

  /* camera */
  mapcore_camera cam = mapcore_camera_default();
  cam.fields = MAPCORE_CAMERA_CENTER | MAPCORE_CAMERA_ZOOM;
  cam.longitude = 13.4;
  cam.latitude = 52.5;
  cam.zoom = 10;
  CHECK_OK(mapcore_map_jump_to(map, &cam));
  mapcore_camera got = mapcore_camera_default();
  CHECK_OK(mapcore_map_get_camera(map, &got));
  CHECK(got.longitude == 13.4 && got.latitude == 52.5 && got.zoom == 10 && got.bearing == 0);
  cam.fields = MAPCORE_CAMERA_ZOOM;
  cam.zoom = 0.0 / 0.0;
  CHECK_STATUS(mapcore_map_jump_to(map, &cam), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("zoom");
  cam.fields = MAPCORE_CAMERA_PITCH;
  cam.pitch = 75;
  CHECK_STATUS(mapcore_map_jump_to(map, &cam), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("pitch");
  CHECK_OK(mapcore_map_get_camera(map, &got));
  CHECK(got.zoom == 10 && got.pitch == 0); /* unchanged */
  cam.fields = MAPCORE_CAMERA_BEARING;
  cam.bearing = 270;
  CHECK_OK(mapcore_map_jump_to(map, &cam));
  CHECK_OK(mapcore_map_get_camera(map, &got));
  CHECK(got.bearing == -90);
  cam.fields = MAPCORE_CAMERA_BEARING;
  cam.bearing = 0;
  CHECK_OK(mapcore_map_jump_to(map, &cam));
  mapcore_camera small_cam = mapcore_camera_default();
  small_cam.size = 8;
  CHECK_STATUS(mapcore_map_get_camera(map, &small_cam), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("size");

  /* projection: the centre maps to the middle of the 512x512 view and back */
  cam = mapcore_camera_default();
  cam.fields = MAPCORE_CAMERA_ALL;
  cam.longitude = 13.4;
  cam.latitude = 52.5;
  cam.zoom = 10;
  CHECK_OK(mapcore_map_jump_to(map, &cam));
  double px = 0, py = 0, lng = 0, lat = 0;
  CHECK_OK(mapcore_map_pixel_for_lnglat(map, 13.4, 52.5, &px, &py));
  CHECK(px > 255.999 && px < 256.001 && py > 255.999 && py < 256.001);
  CHECK_OK(mapcore_map_pixel_for_lnglat(map, 13.5, 52.5, &px, &py));
  CHECK(px > 256 && py > 255.999 && py < 256.001); /* east is to the right */
  CHECK_OK(mapcore_map_lnglat_for_pixel(map, px, py, &lng, &lat));
  CHECK(lng > 13.4999 && lng < 13.5001 && lat > 52.4999 && lat < 52.5001);
  CHECK_STATUS(mapcore_map_lnglat_for_pixel(map, 0.0 / 0.0, 1, &lng, &lat), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(mapcore_map_pixel_for_lnglat(map, 1, 1, NULL, &py), MAPCORE_STATUS_INVALID_ARGUMENT);
  cam.fields = MAPCORE_CAMERA_PITCH;
  cam.pitch = 60;
  CHECK_OK(mapcore_map_jump_to(map, &cam));
  CHECK_OK(mapcore_map_lnglat_for_pixel(map, 256, 0, &lng, &lat)); /* still ground */
  CHECK(lat > 52.5);
  CHECK_STATUS(mapcore_map_lnglat_for_pixel(map, 256, -100000, &lng, &lat), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("horizon");
  cam.pitch = 0;
  CHECK_OK(mapcore_map_jump_to(map, &cam));

  /* render before style, sessions and destroy order */
  mapcore_render_session s = {0};
  CHECK_OK(mapcore_render_session_create_texture(map, 8, 8, 1.0f, &s));
  mapcore_render_session s2 = {0};
  CHECK_STATUS(mapcore_render_session_create_texture(map, 8, 8, 1.0f, &s2), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("already has a render session");
  CHECK_STATUS(mapcore_render_session_render_still(s, 0), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("no style");
  mapcore_image_info info = mapcore_image_info_default();
  CHECK_STATUS(mapcore_render_session_read_pixels(s, NULL, 0, &info), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("nothing rendered");
  CHECK_STATUS(mapcore_map_destroy(map), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("render session");
  CHECK_OK(mapcore_render_session_destroy(s));
  CHECK_OK(mapcore_render_session_destroy(s)); /* second destroy: no-op */
  CHECK_STATUS(mapcore_render_session_render_still(s, 0), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("stale");
  CHECK_OK(mapcore_map_destroy(map));
  CHECK_OK(mapcore_map_destroy(map));
  CHECK_OK(mapcore_map_destroy((mapcore_map){0}));
  /* stale and forged handles */
  CHECK_STATUS(mapcore_map_get_camera(map, &got), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("stale map handle");
  CHECK_STATUS(mapcore_map_get_camera((mapcore_map){0x02000000DEADBEEFull}, &got), MAPCORE_STATUS_INVALID_STATE);
  CHECK_STATUS(mapcore_map_get_camera((mapcore_map){0x7F00000000000001ull}, &got), MAPCORE_STATUS_INVALID_STATE);

  CHECK_OK(mapcore_runtime_destroy(rt));
  CHECK_OK(mapcore_runtime_destroy(rt));
  CHECK_STATUS(mapcore_runtime_pump(rt, 0, NULL), MAPCORE_STATUS_INVALID_STATE);
  CHECK_STATUS(mapcore_runtime_wake(rt), MAPCORE_STATUS_INVALID_STATE);
  /* a new runtime on the same thread after destroying the first */
  mapcore_runtime again = {0};
  CHECK_OK(mapcore_runtime_create(NULL, &again));
  CHECK(again.id != rt.id);
  CHECK_OK(mapcore_runtime_destroy(again));
}

static void test_logging(void) {
  CHECK_STATUS(mapcore_log_set_callback(count_logs, &log_calls, (mapcore_log_level)9),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("log level");
  CHECK_OK(mapcore_log_set_callback(count_logs, &log_calls, MAPCORE_LOG_TRACE));
  mapcore_runtime rt = {0};
  CHECK_OK(mapcore_runtime_create(NULL, &rt));
  mapcore_map map = {0};
  CHECK_OK(mapcore_map_create(rt, NULL, &map));
  const char *style = "{\"version\":8,\"sources\":{},\"layers\":[]}";
  CHECK_OK(mapcore_map_set_style_json(map, style, strlen(style)));
  CHECK_OK(mapcore_runtime_pump(rt, 0, NULL));
  CHECK(log_calls > 0); /* debug records reach the callback */
  CHECK_OK(mapcore_log_set_callback(NULL, NULL, MAPCORE_LOG_ERROR));
  int before = log_calls;
  CHECK_OK(mapcore_map_set_style_json(map, style, strlen(style)));
  CHECK_OK(mapcore_runtime_pump(rt, 0, NULL));
  CHECK(log_calls == before); /* cleared: no more calls */
  CHECK_OK(mapcore_map_destroy(map));
  CHECK_OK(mapcore_runtime_destroy(rt));
}

static void test_events_batch(void) {
  mapcore_runtime rt = {0};
  CHECK_OK(mapcore_runtime_create(NULL, &rt));
  mapcore_map map = {0};
  CHECK_OK(mapcore_map_create(rt, NULL, &map));
  const char *style =
      "{\"version\":8,\"sources\":{},\"layers\":[{\"id\":\"bg\",\"type\":\"background\","
      "\"paint\":{\"background-color\":\"red\"},\"unknown-key\":1}]}";
  CHECK_OK(mapcore_map_set_style_json(map, style, strlen(style)));
  const mapcore_event *events = NULL;
  size_t count = 0;
  CHECK_STATUS(mapcore_runtime_drain_events(rt, NULL, &count), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_OK(mapcore_runtime_drain_events(rt, &events, &count));
  bool loaded = false, warned = false;
  for (size_t i = 0; i < count; i++) {
    CHECK(events[i].map.id == map.id);
    CHECK(events[i].message != NULL && events[i].url != NULL && events[i].source_id != NULL);
    if (events[i].type == MAPCORE_EVENT_STYLE_LOADED) loaded = true;
    if (events[i].type == MAPCORE_EVENT_WARNING && strstr(events[i].message, "unknown-key")) warned = true;
  }
  CHECK(loaded);
  CHECK(warned);
  /* batch memory stays valid (and unchanged) until the next drain */
  char first_message[256];
  snprintf(first_message, sizeof first_message, "%s", count ? events[0].message : "");
  CHECK_OK(mapcore_runtime_pump(rt, 0, NULL));
  CHECK_OK(mapcore_map_set_style_json(map, style, strlen(style)));
  if (count) CHECK(strcmp(events[0].message, first_message) == 0);
  const mapcore_event *next = NULL;
  size_t next_count = 0;
  CHECK_OK(mapcore_runtime_drain_events(rt, &next, &next_count));
  CHECK(next_count > 0);
  CHECK_OK(mapcore_runtime_drain_events(rt, &next, &next_count));
  CHECK(next_count == 0 && next == NULL);
  CHECK_OK(mapcore_map_destroy(map));
  CHECK_OK(mapcore_runtime_destroy(rt));
}

int main(void) {
  test_version_and_status_names();
  test_runtime_rules();
  test_logging();
  test_events_batch();
  return harness_finish("test_api_rules");
}
