/* Thread rules: owner-thread objects answer WRONG_THREAD elsewhere; wake and
 * request functions work from any thread; one runtime per thread. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "harness.h"

typedef struct {
  mapcore_runtime rt;
  mapcore_map map;
  mapcore_render_session session;
  mapcore_status pump, jump, camera, destroy_map, render, drain, own_runtime;
  char camera_message[512];
} other_thread_calls;

static void *call_from_other_thread(void *arg) {
  other_thread_calls *c = (other_thread_calls *)arg;
  c->pump = mapcore_runtime_pump(c->rt, 0, NULL);
  mapcore_camera cam = mapcore_camera_default();
  c->camera = mapcore_map_get_camera(c->map, &cam);
  snprintf(c->camera_message, sizeof c->camera_message, "%s", mapcore_last_error_message());
  cam.fields = MAPCORE_CAMERA_ZOOM;
  cam.zoom = 3;
  c->jump = mapcore_map_jump_to(c->map, &cam);
  c->destroy_map = mapcore_map_destroy(c->map);
  c->render = mapcore_render_session_render_still(c->session, 0);
  const mapcore_event *ev;
  size_t n;
  c->drain = mapcore_runtime_drain_events(c->rt, &ev, &n);
  /* this thread may own a runtime of its own */
  mapcore_runtime mine = {0};
  c->own_runtime = mapcore_runtime_create(NULL, &mine);
  mapcore_runtime_destroy(mine);
  return NULL;
}

static void *wake_later(void *arg) {
  struct timespec ts = {0, 50 * 1000 * 1000};
  nanosleep(&ts, NULL);
  mapcore_runtime_wake(*(mapcore_runtime *)arg);
  return NULL;
}

int main(void) {
  other_thread_calls c;
  memset(&c, 0, sizeof c);
  CHECK_OK(mapcore_runtime_create(NULL, &c.rt));
  CHECK_OK(mapcore_map_create(c.rt, NULL, &c.map));
  CHECK_OK(mapcore_render_session_create_texture(c.map, 16, 16, 1.0f, &c.session));

  pthread_t t;
  CHECK(pthread_create(&t, NULL, call_from_other_thread, &c) == 0);
  pthread_join(t, NULL);
  CHECK(c.pump == MAPCORE_STATUS_WRONG_THREAD);
  CHECK(c.camera == MAPCORE_STATUS_WRONG_THREAD);
  CHECK(strstr(c.camera_message, "mapcore_map_get_camera") != NULL);
  CHECK(strstr(c.camera_message, "thread") != NULL);
  CHECK(c.jump == MAPCORE_STATUS_WRONG_THREAD);
  CHECK(c.destroy_map == MAPCORE_STATUS_WRONG_THREAD);
  CHECK(c.render == MAPCORE_STATUS_WRONG_THREAD);
  CHECK(c.drain == MAPCORE_STATUS_WRONG_THREAD);
  CHECK(c.own_runtime == MAPCORE_STATUS_OK);
  /* nothing changed on the owner thread */
  mapcore_camera cam = mapcore_camera_default();
  CHECK_OK(mapcore_map_get_camera(c.map, &cam));
  CHECK(cam.zoom == 0);

  /* a wake from another thread ends a pump that would wait forever */
  CHECK(pthread_create(&t, NULL, wake_later, &c.rt) == 0);
  CHECK_OK(mapcore_runtime_pump(c.rt, UINT32_MAX, NULL));
  pthread_join(t, NULL);

  CHECK_OK(mapcore_render_session_destroy(c.session));
  CHECK_OK(mapcore_map_destroy(c.map));
  CHECK_OK(mapcore_runtime_destroy(c.rt));
  return harness_finish("test_threads");
}
