/* Remote PMTiles through a C host: a style over
 * pmtiles://https://tiles.test/a.pmtiles is read in byte ranges
 * (mapcore_resource_info.range_offset/range_length) that this host answers
 * from an archive it builds in memory out of the Berlin z14 tile the
 * repository ships (tests/fixtures/tiles/14-8802-5374.mvt; run from the
 * repository root); it renders the same pixels as the loose tile. A host
 * that ignores the range (answers the whole archive) gets a clear error. */
#include "render_util.h"

#define FIXTURE "tests/fixtures/tiles/14-8802-5374.mvt"
static char *tile;
static size_t tile_len;
static uint8_t *archive;
static size_t archive_len;
static int ranges, whole_answers;
static uint64_t first_offset = 1, first_length;

/* PMTiles v3 tile id: tiles of lower zooms, then the Hilbert index. */
static uint64_t tile_id(unsigned z, uint64_t x, uint64_t y) {
  uint64_t base = ((1ull << (2 * z)) - 1) / 3, d = 0;
  for (uint64_t s = (1ull << z) / 2; s > 0; s /= 2) {
    uint64_t rx = (x & s) != 0, ry = (y & s) != 0;
    d += s * s * ((3 * rx) ^ ry);
    x &= s - 1;
    y &= s - 1;
    if (ry == 0) {
      if (rx == 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      uint64_t t = x;
      x = y;
      y = t;
    }
  }
  return base + d;
}

static size_t put_varint(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_i32(uint8_t *p, int32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)((uint32_t)v >> (8 * i));
}

/* Header, root directory (one entry, uncompressed), metadata, the tile. */
static void build_archive(void) {
  uint8_t root[64];
  size_t r = 0;
  r += put_varint(root + r, 1);
  r += put_varint(root + r, tile_id(14, 8802, 5374));
  r += put_varint(root + r, 1);
  r += put_varint(root + r, tile_len);
  r += put_varint(root + r, 0 + 1);
  const char *meta = "{\"vector_layers\":[{\"id\":\"building\"},{\"id\":\"road\"}]}";
  size_t m = strlen(meta);
  archive_len = 127 + r + m + tile_len;
  archive = (uint8_t *)calloc(1, archive_len);
  CHECK(archive != NULL);
  memcpy(archive, "PMTiles", 7);
  archive[7] = 3;
  uint64_t root_off = 127, meta_off = root_off + r, data_off = meta_off + m;
  uint64_t fields[11] = {root_off, r, meta_off, m, data_off, 0, data_off, tile_len, 1, 1, 1};
  for (int i = 0; i < 11; i++) put_u64(archive + 8 + 8 * i, fields[i]);
  archive[96] = 1;  /* clustered */
  archive[97] = 1;  /* internal compression: none */
  archive[98] = 1;  /* tile compression: none */
  archive[99] = 1;  /* MVT */
  archive[100] = 14;
  archive[101] = 14;
  put_i32(archive + 102, -1800000000);
  put_i32(archive + 106, -850000000);
  put_i32(archive + 110, 1800000000);
  put_i32(archive + 114, 850000000);
  archive[118] = 14;
  memcpy(archive + root_off, root, r);
  memcpy(archive + meta_off, meta, m);
  memcpy(archive + data_off, tile, tile_len);
}

static mapcore_provider_decision serve(void *ud, const mapcore_resource_info *info,
                                       mapcore_resource_request req) {
  (void)ud;
  CHECK(info->size == sizeof(mapcore_resource_info));
  if (strcmp(info->url, "test://14/8802/5374") == 0) {
    CHECK(info->range_length == 0);
    CHECK_OK(mapcore_resource_request_complete(req, (const uint8_t *)tile, tile_len));
  } else if (strncmp(info->url, "test://", 7) == 0) {
    CHECK_OK(mapcore_resource_request_not_found(req)); /* the archive has only the one tile */
  } else if (strcmp(info->url, "https://tiles.test/a.pmtiles") == 0) {
    CHECK(info->range_length > 0);
    if (ranges++ == 0) {
      first_offset = info->range_offset;
      first_length = info->range_length;
    }
    /* what resource.h asks: the range's bytes, fewer only at the end */
    if (info->range_offset >= archive_len) {
      CHECK_OK(mapcore_resource_request_fail(req, "HTTP 416 Range Not Satisfiable"));
    } else {
      uint64_t end = info->range_offset + info->range_length;
      if (end > archive_len) end = archive_len;
      CHECK_OK(mapcore_resource_request_complete(req, archive + info->range_offset,
                                                 (size_t)(end - info->range_offset)));
    }
    /* the request's info carries the range too */
    mapcore_resource_info copy;
    memset(&copy, 0, sizeof copy);
    copy.size = sizeof copy;
    CHECK_OK(mapcore_resource_request_info(req, &copy));
    CHECK(copy.range_offset == info->range_offset && copy.range_length == info->range_length);
    /* a host built with the first header's struct: only what its size covers is written */
    memset(&copy, 0xAB, sizeof copy);
    copy.size = offsetof(mapcore_resource_info, range_offset);
    CHECK_OK(mapcore_resource_request_info(req, &copy));
    CHECK(copy.size == offsetof(mapcore_resource_info, range_offset) && copy.tile_x == info->tile_x);
    CHECK(copy.range_offset == 0xABABABABABABABABull && copy.range_length == 0xABABABABABABABABull);
  } else if (strcmp(info->url, "https://tiles.test/whole.pmtiles") == 0) {
    whole_answers++;
    CHECK_OK(mapcore_resource_request_complete(req, archive, archive_len));
  } else {
    CHECK_OK(mapcore_resource_request_release(req));
    return MAPCORE_PROVIDER_PASS_THROUGH;
  }
  CHECK_OK(mapcore_resource_request_release(req));
  return MAPCORE_PROVIDER_HANDLED;
}

static char *style(const char *source) {
  static char buf[2048];
  snprintf(buf, sizeof buf,
           "{\"version\":8,\"center\":[13.4253,52.4962],\"zoom\":14.5,\"sources\":{\"berlin\":%s},"
           "\"layers\":["
           "{\"id\":\"bg\",\"type\":\"background\",\"paint\":{\"background-color\":\"#ffffff\"}},"
           "{\"id\":\"b\",\"type\":\"fill\",\"source\":\"berlin\",\"source-layer\":\"building\","
           "\"paint\":{\"fill-color\":\"#304050\"}},"
           "{\"id\":\"r\",\"type\":\"line\",\"source\":\"berlin\",\"source-layer\":\"road\","
           "\"paint\":{\"line-color\":\"#c04000\",\"line-width\":3}}]}",
           source);
  return buf;
}

int main(void) {
  tile = read_file(FIXTURE, &tile_len);
  if (!tile || tile_len < 16384) {
    fprintf(stderr, "test_remote_pmtiles: %s not readable (run from the repository root)\n", FIXTURE);
    return 1;
  }
  build_archive();
  test_map t;
  test_map_open(&t, 256, 256);
  mapcore_resource_provider p = {sizeof p, serve, NULL, NULL};
  CHECK_OK(mapcore_runtime_set_resource_provider(t.rt, &p));

  CHECK_OK(test_map_render(&t, style("{\"type\":\"vector\",\"tiles\":[\"test://{z}/{x}/{y}\"],"
                                     "\"minzoom\":14,\"maxzoom\":14}")));
  CHECK(count_events(t.rt, MAPCORE_EVENT_RESOURCE_ERROR, NULL) == 0);
  size_t n = t.info.byte_length;
  uint8_t *loose = (uint8_t *)malloc(n);
  memcpy(loose, t.pixels, n);
  int ink = 0;
  for (size_t i = 0; i < n; i += 4) ink += loose[i] < 200;
  CHECK(ink > 1000); /* the loose tile drew a map */

  CHECK_OK(test_map_render(&t, style("{\"type\":\"vector\",\"url\":\"pmtiles://https://tiles.test/a.pmtiles\"}")));
  CHECK(count_events(t.rt, MAPCORE_EVENT_RESOURCE_ERROR, NULL) == 0);
  CHECK(t.info.byte_length == n && memcmp(loose, t.pixels, n) == 0);
  CHECK(first_offset == 0 && first_length == 16384);
  CHECK(ranges == 2); /* the first 16 KiB (header, root, metadata), then the tile */

  /* a host answering the whole archive to a range: a clear failure */
  const char *s = style("{\"type\":\"vector\",\"url\":\"pmtiles://https://tiles.test/whole.pmtiles\"}");
  CHECK_OK(mapcore_map_set_style_json(t.map, s, strlen(s)));
  CHECK_OK(mapcore_render_session_render_still(t.session, 20000));
  CHECK(whole_answers == 1);
  CHECK(count_events(t.rt, MAPCORE_EVENT_RESOURCE_ERROR, "a range request must be answered with exactly its bytes") == 1);

  free(loose);
  test_map_close(&t);
  free(archive);
  free(tile);
  return harness_finish("test_remote_pmtiles");
}
