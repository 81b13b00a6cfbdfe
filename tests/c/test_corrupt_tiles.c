/* Hostile tiles: truncated, random, flipped and oversized-varint tiles each
 * become a TILE_ERROR event naming the tile while the still image renders
 * the good tile. Uses the Berlin z14 tile the repository ships
 * (tests/fixtures/tiles/14-8802-5374.mvt; run from the repository root): the
 * top-left tile is served as is, the three others are corrupted copies. */
#include "render_util.h"

typedef enum { GOOD, TRUNCATED, RANDOM, FLIPPED, VARINT, EMPTY_GZIP } corruption;

static corruption plan[4]; /* by quadrant: TL, TR, BL, BR */

#define FIXTURE "tests/fixtures/tiles/14-8802-5374.mvt"
static char *fixture;
static size_t fixture_len;

static int quadrant(int x, int y) { return (x - 8802) + 2 * (y - 5374); }

static mapcore_provider_decision serve(void *ud, const mapcore_resource_info *info,
                                       mapcore_resource_request req) {
  (void)ud;
  size_t len = fixture_len;
  uint8_t *data = (uint8_t *)malloc(len);
  CHECK(data != NULL);
  memcpy(data, fixture, len);
  uint32_t seed = 12345;
  switch (plan[quadrant(info->tile_x, info->tile_y)]) {
    case GOOD:
      break;
    case TRUNCATED:
      len = len / 2 + 3;
      break;
    case RANDOM:
      for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        data[i] = (uint8_t)(seed >> 16);
      }
      break;
    case FLIPPED:
      for (size_t i = 0; i < len; i += 3) data[i] ^= 0x5A;
      break;
    case VARINT:
      data[0] = 0x1a; /* layer field, then a length varint that never ends */
      for (size_t i = 1; i < 16 && i < len; i++) data[i] = 0xff;
      break;
    case EMPTY_GZIP:
      data[0] = 0x1f;
      data[1] = 0x8b;
      len = 2;
      break;
  }
  CHECK_OK(mapcore_resource_request_complete(req, data, len));
  mapcore_resource_request_release(req);
  free(data);
  return MAPCORE_PROVIDER_HANDLED;
}

static const char *STYLE =
    "{\"version\":8,\"center\":[13.4253,52.4962],\"zoom\":14,\"sources\":{"
    "\"berlin\":{\"type\":\"vector\",\"tiles\":[\"test://{z}/{x}/{y}\"],\"minzoom\":14,\"maxzoom\":14}},"
    "\"layers\":["
    "{\"id\":\"bg\",\"type\":\"background\",\"paint\":{\"background-color\":\"#ffffff\"}},"
    "{\"id\":\"b\",\"type\":\"fill\",\"source\":\"berlin\",\"source-layer\":\"building\","
    "\"paint\":{\"fill-color\":\"#000000\"}},"
    "{\"id\":\"r\",\"type\":\"line\",\"source\":\"berlin\",\"source-layer\":\"road\","
    "\"paint\":{\"line-color\":\"#000000\",\"line-width\":3}}]}";

/* Counts non-white pixels in a quadrant of the 256x256 image. */
static int ink(const test_map *t, int q) {
  int x0 = (q % 2) * 128, y0 = (q / 2) * 128, n = 0;
  for (int y = y0 + 2; y < y0 + 126; y++)
    for (int x = x0 + 2; x < x0 + 126; x++)
      if (test_map_pixel(t, (uint32_t)x, (uint32_t)y)[0] < 200) n++;
  return n;
}

static void run(corruption tr, corruption bl, corruption br) {
  plan[0] = GOOD;
  plan[1] = tr;
  plan[2] = bl;
  plan[3] = br;
  test_map t;
  test_map_open(&t, 256, 256);
  mapcore_resource_provider p = {sizeof p, serve, NULL, NULL};
  CHECK_OK(mapcore_runtime_set_resource_provider(t.rt, &p));
  CHECK_OK(test_map_render(&t, STYLE));
  const mapcore_event *ev;
  size_t n;
  CHECK_OK(mapcore_runtime_drain_events(t.rt, &ev, &n));
  int errors[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    if (ev[i].type != MAPCORE_EVENT_TILE_ERROR) continue;
    CHECK(ev[i].tile_z == 14);
    CHECK(strcmp(ev[i].source_id, "berlin") == 0);
    char name[64];
    snprintf(name, sizeof name, "14/%d/%d", ev[i].tile_x, ev[i].tile_y);
    CHECK(strstr(ev[i].message, name) != NULL); /* the message names the tile */
    errors[quadrant(ev[i].tile_x, ev[i].tile_y)]++;
  }
  CHECK(errors[0] == 0 && errors[1] == 1 && errors[2] == 1 && errors[3] == 1);
  CHECK(ink(&t, 0) > 1000); /* the good tile rendered */
  CHECK(ink(&t, 1) == 0 && ink(&t, 2) == 0 && ink(&t, 3) == 0);
  test_map_close(&t);
}

int main(void) {
  fixture = read_file(FIXTURE, &fixture_len);
  if (!fixture || fixture_len < 1000) {
    fprintf(stderr, "test_corrupt_tiles: %s not readable (run from the repository root)\n", FIXTURE);
    return 1;
  }
  run(TRUNCATED, RANDOM, VARINT);
  run(FLIPPED, EMPTY_GZIP, TRUNCATED);
  free(fixture);
  return harness_finish("test_corrupt_tiles");
}
