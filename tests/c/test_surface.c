/* Surface render sessions: the library calls the host's frame callback with
 * each finished frame. Checked: the frame's size and straight-alpha pixels,
 * one call per render (none for a refused render), user_data passed through,
 * read_pixels/encode on the last frame, acquire_frame and set_buffer refused,
 * resize, re-entrant calls from inside the callback refused (and the session
 * intact afterwards), release exactly once (on destroy, after the session is
 * gone so it may call mapcore; never on a refused create; on owner-thread
 * exit when the session was never destroyed), and argument misuse. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "render_util.h"

static const char *RED =
    "{\"version\":8,\"sources\":{},\"layers\":[{\"id\":\"bg\",\"type\":\"background\","
    "\"paint\":{\"background-color\":\"#ff0000\"}}]}";
static const char *HALF_RED =
    "{\"version\":8,\"sources\":{},\"layers\":[{\"id\":\"bg\",\"type\":\"background\","
    "\"paint\":{\"background-color\":\"rgba(255,0,0,0.5)\"}}]}";

/* What a surface saw. */
typedef struct {
  int frames, releases;
  uint32_t width, height;
  size_t stride, byte_length, info_size;
  uint8_t *last; /* copy of the last frame */
  int uniform;   /* every pixel of the last frame equal to its first */
  /* re-entrance probes, run from inside the callback when set */
  bool reenter;
  mapcore_render_session session;
  mapcore_map map;
  mapcore_runtime rt;
  mapcore_status st_render, st_read, st_destroy, st_map_destroy, st_pump, st_wake;
  char diag[512];
  /* release probe: destroys `map` from inside release when set */
  bool destroy_map_on_release;
  mapcore_status st_release_map_destroy;
} surface_state;

static void on_frame(void *user_data, const uint8_t *pixels, const mapcore_image_info *info) {
  surface_state *s = (surface_state *)user_data;
  s->frames++;
  s->width = info->width;
  s->height = info->height;
  s->stride = info->stride;
  s->byte_length = info->byte_length;
  s->info_size = info->size;
  free(s->last);
  s->last = (uint8_t *)malloc(info->byte_length);
  memcpy(s->last, pixels, info->byte_length);
  s->uniform = 1;
  for (size_t y = 0; y < info->height; y++)
    for (size_t x = 0; x < info->width; x++)
      if (memcmp(pixels + y * info->stride + x * 4, pixels, 4) != 0) s->uniform = 0;
  if (s->reenter) {
    bool complete;
    uint8_t px[4];
    s->st_render = mapcore_render_session_render_frame(s->session, &complete);
    snprintf(s->diag, sizeof s->diag, "%s", mapcore_last_error_message());
    s->st_read = mapcore_render_session_read_pixels(s->session, px, sizeof px, NULL);
    s->st_destroy = mapcore_render_session_destroy(s->session);
    s->st_map_destroy = mapcore_map_destroy(s->map);
    s->st_pump = mapcore_runtime_pump(s->rt, 0, NULL);
    s->st_wake = mapcore_runtime_wake(s->rt); /* any thread: fine */
  }
}

static void on_release(void *user_data) {
  surface_state *s = (surface_state *)user_data;
  s->releases++;
  if (s->destroy_map_on_release) s->st_release_map_destroy = mapcore_map_destroy(s->map);
}

static mapcore_surface_callbacks callbacks_for(surface_state *s) {
  mapcore_surface_callbacks cb = mapcore_surface_callbacks_default();
  cb.frame = on_frame;
  cb.release = on_release;
  cb.user_data = s;
  return cb;
}

typedef struct {
  mapcore_runtime rt;
  mapcore_map map;
  mapcore_render_session session;
} objects;

static void open_surface(objects *o, surface_state *s, uint32_t w, uint32_t h, float ratio) {
  memset(o, 0, sizeof *o);
  CHECK_OK(mapcore_runtime_create(NULL, &o->rt));
  CHECK_OK(mapcore_map_create(o->rt, NULL, &o->map));
  mapcore_surface_callbacks cb = callbacks_for(s);
  CHECK_OK(mapcore_render_session_create_surface(o->map, w, h, ratio, &cb, &o->session));
  CHECK(o->session.id != 0);
  s->session = o->session;
  s->map = o->map;
  s->rt = o->rt;
}

static bool pixel_is(const uint8_t *p, int r, int g, int b, int a, int tol) {
  return abs(p[0] - r) <= tol && abs(p[1] - g) <= tol && abs(p[2] - b) <= tol && abs(p[3] - a) <= tol;
}

static void test_frames(void) {
  surface_state s;
  memset(&s, 0, sizeof s);
  objects o;
  open_surface(&o, &s, 20, 10, 2.0f);

  /* no style: the render is refused and nothing is delivered */
  CHECK_STATUS(mapcore_render_session_render_still(o.session, 10000), MAPCORE_STATUS_INVALID_STATE);
  CHECK(s.frames == 0);
  CHECK_STATUS(mapcore_render_session_read_pixels(o.session, NULL, 0, &(mapcore_image_info){sizeof(mapcore_image_info), 0, 0, 0, 0}),
               MAPCORE_STATUS_INVALID_STATE);

  /* a still image: one call, 40x20 device pixels, every pixel opaque red */
  CHECK_OK(mapcore_map_set_style_json(o.map, RED, strlen(RED)));
  CHECK_OK(mapcore_render_session_render_still(o.session, 10000));
  CHECK(s.frames == 1);
  CHECK(s.info_size == sizeof(mapcore_image_info));
  CHECK(s.width == 40 && s.height == 20 && s.stride == 160 && s.byte_length == 3200);
  CHECK(s.uniform && s.last && pixel_is(s.last, 255, 0, 0, 255, 0));

  /* continuous frames: one call each; a paint change shows in the next one */
  bool complete = false;
  CHECK_OK(mapcore_render_session_render_frame(o.session, &complete));
  CHECK(s.frames == 2 && complete);
  CHECK_OK(mapcore_map_set_paint_property(o.map, "bg", "background-color", "\"#0000ff\"", 9));
  CHECK_OK(mapcore_render_session_render_frame(o.session, NULL));
  CHECK(s.frames == 3);
  CHECK(s.uniform && s.last && pixel_is(s.last, 0, 0, 255, 255, 0));

  /* read_pixels and encode give the last frame */
  mapcore_image_info info = mapcore_image_info_default();
  uint8_t *copy = (uint8_t *)malloc(3200);
  CHECK_OK(mapcore_render_session_read_pixels(o.session, copy, 3200, &info));
  CHECK(info.width == 40 && info.height == 20 && info.byte_length == 3200);
  CHECK(s.last && memcmp(copy, s.last, 3200) == 0);
  free(copy);
  uint8_t *png = NULL;
  size_t png_len = 0;
  CHECK_OK(mapcore_render_session_encode(o.session, MAPCORE_IMAGE_FORMAT_PNG, NULL, &png, &png_len));
  CHECK(png && png_len > 8 && memcmp(png, "\x89PNG", 4) == 0);
  CHECK_OK(mapcore_buffer_free(png));
  CHECK(s.frames == 3); /* reading renders nothing */

  /* straight alpha: a half-transparent background is 255,0,0,~128 */
  CHECK_OK(mapcore_map_set_style_json(o.map, HALF_RED, strlen(HALF_RED)));
  CHECK_OK(mapcore_render_session_render_still(o.session, 10000));
  CHECK(s.frames == 4);
  CHECK(s.uniform && s.last && pixel_is(s.last, 255, 0, 0, 128, 1));

  /* acquire_frame and set_buffer are for other targets */
  const uint8_t *px = NULL;
  info = mapcore_image_info_default();
  CHECK_STATUS(mapcore_render_session_acquire_frame(o.session, &px, &info), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("surface session");
  CHECK(px == NULL);
  static uint8_t buf[8 * 8 * 4];
  CHECK_STATUS(mapcore_render_session_set_buffer(o.session, 8, 8, 1.0f, buf, 32, sizeof buf),
               MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("surface session");

  /* resize: the next frame has the new size */
  CHECK_OK(mapcore_render_session_resize(o.session, 8, 6, 1.0f));
  CHECK_OK(mapcore_render_session_render_still(o.session, 10000));
  CHECK(s.frames == 5 && s.width == 8 && s.height == 6 && s.stride == 32 && s.byte_length == 192);

  /* release: once, on destroy, with the user_data */
  CHECK(s.releases == 0);
  CHECK_OK(mapcore_render_session_destroy(o.session));
  CHECK(s.releases == 1);
  CHECK_OK(mapcore_render_session_destroy(o.session)); /* twice: a no-op */
  CHECK(s.releases == 1);
  CHECK_STATUS(mapcore_render_session_render_still(o.session, 10000), MAPCORE_STATUS_INVALID_STATE);
  CHECK(s.frames == 5);
  CHECK_OK(mapcore_map_destroy(o.map));
  CHECK_OK(mapcore_runtime_destroy(o.rt));
  CHECK(s.releases == 1);
  free(s.last);
}

static void test_reentrant_calls_refused(void) {
  surface_state s;
  memset(&s, 0, sizeof s);
  objects o;
  open_surface(&o, &s, 8, 8, 1.0f);
  CHECK_OK(mapcore_map_set_style_json(o.map, RED, strlen(RED)));
  s.reenter = true;
  CHECK_OK(mapcore_render_session_render_still(o.session, 10000));
  s.reenter = false;
  CHECK(s.frames == 1); /* the nested render did not render */
  CHECK(s.st_render == MAPCORE_STATUS_INVALID_STATE);
  CHECK(strstr(s.diag, "re-entrant") != NULL);
  CHECK(s.st_read == MAPCORE_STATUS_INVALID_STATE);
  CHECK(s.st_destroy == MAPCORE_STATUS_INVALID_STATE);
  CHECK(s.st_map_destroy == MAPCORE_STATUS_INVALID_STATE);
  CHECK(s.st_pump == MAPCORE_STATUS_INVALID_STATE);
  CHECK(s.st_wake == MAPCORE_STATUS_OK);
  CHECK(s.releases == 0);
  /* everything is intact: renders and reads still work */
  CHECK_OK(mapcore_render_session_render_frame(o.session, NULL));
  CHECK(s.frames == 2 && s.uniform && pixel_is(s.last, 255, 0, 0, 255, 0));
  uint8_t px[8 * 8 * 4];
  CHECK_OK(mapcore_render_session_read_pixels(o.session, px, sizeof px, NULL));
  CHECK(pixel_is(px, 255, 0, 0, 255, 0));

  /* release runs after the session is gone: it may destroy the map */
  s.destroy_map_on_release = true;
  CHECK_OK(mapcore_render_session_destroy(o.session));
  CHECK(s.releases == 1);
  CHECK(s.st_release_map_destroy == MAPCORE_STATUS_OK);
  CHECK_OK(mapcore_map_destroy(o.map)); /* already destroyed: OK */
  CHECK_OK(mapcore_runtime_destroy(o.rt));
  free(s.last);
}

static void test_misuse(void) {
  surface_state s;
  memset(&s, 0, sizeof s);
  mapcore_runtime rt = {0};
  mapcore_map map = {0};
  CHECK_OK(mapcore_runtime_create(NULL, &rt));
  CHECK_OK(mapcore_map_create(rt, NULL, &map));
  mapcore_render_session session = {0};

  mapcore_surface_callbacks cb = mapcore_surface_callbacks_default();
  CHECK(cb.size == sizeof cb && cb.frame == NULL && cb.release == NULL && cb.user_data == NULL);

  CHECK_STATUS(mapcore_render_session_create_surface(map, 8, 8, 1.0f, NULL, &session), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("`callbacks` is null");
  cb = callbacks_for(&s);
  cb.frame = NULL;
  CHECK_STATUS(mapcore_render_session_create_surface(map, 8, 8, 1.0f, &cb, &session), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("callbacks->frame");
  cb = callbacks_for(&s);
  cb.size = sizeof(size_t);
  CHECK_STATUS(mapcore_render_session_create_surface(map, 8, 8, 1.0f, &cb, &session), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("size");
  cb = callbacks_for(&s);
  CHECK_STATUS(mapcore_render_session_create_surface(map, 0, 8, 1.0f, &cb, &session), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(mapcore_render_session_create_surface(map, 8, 8, 1.0f, &cb, NULL), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK(session.id == 0);

  /* a map with a session already: refused, and release is not called */
  mapcore_render_session texture = {0};
  CHECK_OK(mapcore_render_session_create_texture(map, 8, 8, 1.0f, &texture));
  CHECK_STATUS(mapcore_render_session_create_surface(map, 8, 8, 1.0f, &cb, &session), MAPCORE_STATUS_INVALID_STATE);
  CHECK(session.id == 0);
  CHECK(s.releases == 0);
  CHECK_OK(mapcore_render_session_destroy(texture));

  /* the map cannot be destroyed under its surface session (as for the other
   * targets): nothing is released until the session is */
  CHECK_OK(mapcore_render_session_create_surface(map, 8, 8, 1.0f, &cb, &session));
  CHECK_STATUS(mapcore_map_destroy(map), MAPCORE_STATUS_INVALID_STATE);
  CHECK(s.releases == 0);
  /* a NULL release is allowed */
  CHECK_OK(mapcore_render_session_destroy(session));
  CHECK(s.releases == 1);
  cb.release = NULL;
  session = (mapcore_render_session){0};
  CHECK_OK(mapcore_render_session_create_surface(map, 8, 8, 1.0f, &cb, &session));
  CHECK_OK(mapcore_render_session_destroy(session));
  CHECK(s.releases == 1);
  CHECK_OK(mapcore_map_destroy(map));
  CHECK_OK(mapcore_runtime_destroy(rt));
}

/* A session never destroyed: its callbacks are released when the owner
 * thread exits (its runtime goes away with the thread). */
static void *leave_a_session(void *arg) {
  surface_state *s = (surface_state *)arg;
  objects o;
  open_surface(&o, s, 4, 4, 1.0f);
  CHECK_OK(mapcore_map_set_style_json(o.map, RED, strlen(RED)));
  CHECK_OK(mapcore_render_session_render_still(o.session, 10000));
  return NULL;
}

static void test_release_on_thread_exit(void) {
  surface_state s;
  memset(&s, 0, sizeof s);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, leave_a_session, &s) == 0);
  pthread_join(t, NULL);
  CHECK(s.frames == 1);
  CHECK(s.releases == 1);
  free(s.last);
}

int main(void) {
  test_frames();
  test_reentrant_calls_refused();
  test_misuse();
  test_release_on_thread_exit();
  return harness_finish("test_surface");
}
