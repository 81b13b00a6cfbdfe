/* Rendering through the C API: exact colours at known points for GeoJSON
 * fill, line and circle layers; buffer target equals readback; frames;
 * resize. */
#include <math.h>

#include "render_util.h"

/* 64x64 at zoom 0 centred on 0,0: x = 32 + lng * 512 / 360. */
static const char *STYLE =
    "{\"version\":8,\"center\":[0,0],\"zoom\":0,\"sources\":{"
    "\"shapes\":{\"type\":\"geojson\",\"data\":{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"kind\":\"area\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[-20,-10],[0,-10],[0,10],[-20,10],[-20,-10]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"kind\":\"road\"},\"geometry\":{\"type\":\"LineString\","
    "\"coordinates\":[[5,-20],[5,20]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"kind\":\"poi\"},\"geometry\":{\"type\":\"Point\","
    "\"coordinates\":[15,0]}}]}}},"
    "\"layers\":["
    "{\"id\":\"bg\",\"type\":\"background\",\"paint\":{\"background-color\":\"#0000ff\"}},"
    "{\"id\":\"fill\",\"type\":\"fill\",\"source\":\"shapes\",\"filter\":[\"==\",\"kind\",\"area\"],"
    "\"paint\":{\"fill-color\":\"#ff0000\"}},"
    "{\"id\":\"line\",\"type\":\"line\",\"source\":\"shapes\",\"filter\":[\"==\",[\"get\",\"kind\"],\"road\"],"
    "\"paint\":{\"line-color\":\"rgb(0,255,0)\",\"line-width\":4}},"
    "{\"id\":\"circle\",\"type\":\"circle\",\"source\":\"shapes\",\"filter\":[\"==\",\"$type\",\"Point\"],"
    "\"paint\":{\"circle-color\":[\"match\",[\"get\",\"kind\"],\"poi\",\"yellow\",\"black\"],\"circle-radius\":5}}"
    "]}";

static void test_exact_pixels(void) {
  test_map t;
  test_map_open(&t, 64, 64);
  CHECK_OK(test_map_render(&t, STYLE));
  CHECK(t.info.width == 64 && t.info.height == 64 && t.info.stride == 256 && t.info.byte_length == 64 * 256);
  CHECK_PIXEL(&t, 2, 2, 0, 0, 255, 255, 0);     /* background */
  CHECK_PIXEL(&t, 60, 60, 0, 0, 255, 255, 0);   /* background */
  CHECK_PIXEL(&t, 15, 32, 255, 0, 0, 255, 0);   /* fill */
  CHECK_PIXEL(&t, 25, 26, 255, 0, 0, 255, 0);   /* fill */
  CHECK_PIXEL(&t, 39, 32, 0, 255, 0, 255, 0);   /* line centre x = 39.1 */
  CHECK_PIXEL(&t, 39, 45, 0, 255, 0, 255, 0);   /* line */
  CHECK_PIXEL(&t, 45, 32, 0, 0, 255, 255, 0);   /* between line and circle */
  CHECK_PIXEL(&t, 53, 32, 255, 255, 0, 255, 0); /* circle centre x = 53.3 */
  CHECK_PIXEL(&t, 53, 40, 0, 0, 255, 255, 0);   /* outside the radius */
  CHECK(count_events(t.rt, MAPCORE_EVENT_STILL_IMAGE_FINISHED, NULL) == 1);

  /* the acquired frame equals the readback */
  const uint8_t *frame = NULL;
  mapcore_image_info info = mapcore_image_info_default();
  CHECK_OK(mapcore_render_session_acquire_frame(t.session, &frame, &info));
  CHECK(frame != NULL && info.byte_length == t.info.byte_length);
  CHECK(frame && memcmp(frame, t.pixels, info.byte_length) == 0);
  CHECK_STATUS(mapcore_render_session_acquire_frame(t.session, &frame, &info), MAPCORE_STATUS_INVALID_STATE);
  CHECK_STATUS(mapcore_render_session_render_still(t.session, 0), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("acquired");
  CHECK_STATUS(mapcore_render_session_resize(t.session, 32, 32, 1.0f), MAPCORE_STATUS_INVALID_STATE);
  CHECK_STATUS(mapcore_render_session_destroy(t.session), MAPCORE_STATUS_INVALID_STATE);
  CHECK_OK(mapcore_render_session_release_frame(t.session));
  CHECK_STATUS(mapcore_render_session_release_frame(t.session), MAPCORE_STATUS_INVALID_STATE);

  /* readback size probe and a too-small buffer */
  uint8_t small[16];
  CHECK_STATUS(mapcore_render_session_read_pixels(t.session, small, sizeof small, NULL),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("16384");
  CHECK_STATUS(mapcore_render_session_read_pixels(t.session, NULL, 0, NULL), MAPCORE_STATUS_INVALID_ARGUMENT);

  /* resize at pixel ratio 2: a 64x48 image of the same scene scaled */
  CHECK_OK(mapcore_render_session_resize(t.session, 32, 24, 2.0f));
  CHECK_OK(mapcore_render_session_render_still(t.session, 0));
  mapcore_image_info resized = mapcore_image_info_default();
  CHECK_OK(mapcore_render_session_read_pixels(t.session, NULL, 0, &resized));
  CHECK(resized.width == 64 && resized.height == 48);
  test_map_close(&t);
}

static void test_buffer_target_matches_readback(void) {
  test_map t;
  test_map_open(&t, 64, 64);
  CHECK_OK(test_map_render(&t, STYLE));

  mapcore_map map2 = {0};
  CHECK_OK(mapcore_map_create(t.rt, NULL, &map2));
  size_t stride = 64 * 4 + 16; /* padded rows */
  uint8_t *buf = (uint8_t *)calloc(stride * 64, 1);
  mapcore_render_session s2 = {0};
  CHECK_STATUS(mapcore_render_session_create_buffer(map2, 64, 64, 1.0f, buf, 100, stride * 64, &s2),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("stride");
  CHECK_STATUS(mapcore_render_session_create_buffer(map2, 64, 64, 1.0f, buf, stride, 1000, &s2),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("len");
  CHECK_OK(mapcore_render_session_create_buffer(map2, 64, 64, 1.0f, buf, stride, stride * 64, &s2));
  CHECK_OK(mapcore_map_set_style_json(map2, STYLE, strlen(STYLE)));
  CHECK_OK(mapcore_render_session_render_still(s2, 20000));
  int same = 1;
  for (int y = 0; y < 64; y++)
    if (memcmp(buf + y * stride, t.pixels + y * t.info.stride, 64 * 4) != 0) same = 0;
  CHECK(same);
  /* a buffer session is resized by giving it a new buffer */
  CHECK_STATUS(mapcore_render_session_resize(s2, 32, 32, 1.0f), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("set_buffer");
  const uint8_t *frame = NULL;
  mapcore_image_info info = mapcore_image_info_default();
  CHECK_STATUS(mapcore_render_session_acquire_frame(s2, &frame, &info), MAPCORE_STATUS_INVALID_STATE);
  uint8_t *small = (uint8_t *)calloc(32 * 32 * 4, 1);
  CHECK_OK(mapcore_render_session_set_buffer(s2, 32, 32, 1.0f, small, 32 * 4, 32 * 32 * 4));
  CHECK_OK(mapcore_render_session_render_still(s2, 20000));
  CHECK(small[3] == 255); /* opaque background written */
  CHECK_STATUS(mapcore_render_session_set_buffer(t.session, 32, 32, 1.0f, small, 32 * 4, 32 * 32 * 4),
               MAPCORE_STATUS_INVALID_STATE);
  CHECK_OK(mapcore_render_session_destroy(s2));
  CHECK_OK(mapcore_map_destroy(map2));
  free(buf);
  free(small);
  test_map_close(&t);
}

static void test_continuous_frames(void) {
  test_map t;
  test_map_open(&t, 64, 64);
  CHECK_OK(mapcore_map_set_style_json(t.map, STYLE, strlen(STYLE)));
  bool complete = true;
  /* the first frame comes before the GeoJSON is indexed */
  CHECK_OK(mapcore_render_session_render_frame(t.session, &complete));
  int frames = 1;
  while (!complete && frames < 1000) {
    CHECK_OK(mapcore_runtime_pump(t.rt, 50, NULL));
    CHECK_OK(mapcore_render_session_render_frame(t.session, &complete));
    frames++;
  }
  CHECK(complete);
  CHECK(count_events(t.rt, MAPCORE_EVENT_RENDER_FRAME_FINISHED, NULL) == frames);
  test_map_close(&t);
}

/* Camera for bounds: the bounds' corners, projected with the returned camera,
 * fit inside the padded view with one pair of edges touching. */
static void test_camera_for_bounds(void) {
  test_map t;
  test_map_open(&t, 400, 300);
  mapcore_edge_insets pad = {10, 30, 20, 40}; /* top, right, bottom, left */
  mapcore_camera cam = mapcore_camera_default();
  CHECK_OK(mapcore_map_camera_for_bounds(t.map, 13.3, 52.45, 13.5, 52.56, &pad, 0, 0, &cam));
  CHECK(cam.fields == MAPCORE_CAMERA_ALL && cam.zoom > 10 && cam.zoom < 12 && cam.pitch == 0);
  CHECK_OK(mapcore_map_jump_to(t.map, &cam));
  double x0, y0, x1, y1;
  CHECK_OK(mapcore_map_pixel_for_lnglat(t.map, 13.3, 52.56, &x0, &y0)); /* north-west */
  CHECK_OK(mapcore_map_pixel_for_lnglat(t.map, 13.5, 52.45, &x1, &y1)); /* south-east */
  CHECK(x0 >= 40 - 1e-6 && x1 <= 400 - 30 + 1e-6 && y0 >= 10 - 1e-6 && y1 <= 300 - 20 + 1e-6);
  int touch_x = fabs(x0 - 40) < 1e-6 && fabs(x1 - 370) < 1e-6;
  int touch_y = fabs(y0 - 10) < 1e-6 && fabs(y1 - 280) < 1e-6;
  CHECK(touch_x || touch_y);
  /* no padding, a bearing and a pitch: both carried */
  CHECK_OK(mapcore_map_camera_for_bounds(t.map, 13.3, 52.45, 13.5, 52.56, NULL, 30, 45, &cam));
  CHECK(cam.bearing == 30 && cam.pitch == 45);
  /* misuse */
  CHECK_STATUS(mapcore_map_camera_for_bounds(t.map, 13.3, 52.56, 13.5, 52.45, NULL, 0, 0, &cam),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("south < north");
  mapcore_edge_insets huge = {0, 300, 0, 200};
  CHECK_STATUS(mapcore_map_camera_for_bounds(t.map, 13.3, 52.45, 13.5, 52.56, &huge, 0, 0, &cam),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("no room");
  CHECK_STATUS(mapcore_map_camera_for_bounds(t.map, 13.3, 52.45, 13.5, 52.56, NULL, 0, 0, NULL),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  mapcore_camera unsized = mapcore_camera_default();
  unsized.size = 0;
  CHECK_STATUS(mapcore_map_camera_for_bounds(t.map, 13.3, 52.45, 13.5, 52.56, NULL, 0, 0, &unsized),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  test_map_close(&t);
}

int main(void) {
  test_camera_for_bounds();
  test_exact_pixels();
  test_buffer_target_matches_readback();
  test_continuous_frames();
  return harness_finish("test_render");
}
