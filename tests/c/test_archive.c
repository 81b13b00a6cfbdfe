/* Archives opened by path: an MBTiles archive written tile by tile (the
 * fixture tile), resumed, read back with its metadata; a closed handle,
 * bad arguments, files that are not archives, and reads from threads. */
#include <pthread.h>
#include <unistd.h>

#include "harness.h"

#define FIXTURE "tests/fixtures/tiles/14-8802-5374.mvt"

static char *fixture;
static size_t fixture_len;
static mapcore_archive shared_archive;

static void *reader(void *arg) {
  (void)arg;
  for (int i = 0; i < 50; i++) {
    uint8_t *data = NULL;
    size_t len = 0;
    CHECK_OK(mapcore_archive_read_tile(shared_archive, 14, 8802, 5374, &data, &len));
    CHECK(len == fixture_len && data && memcmp(data, fixture, len) == 0);
    CHECK_OK(mapcore_archive_tile_free(data, len));
  }
  return NULL;
}

int main(void) {
  fixture = read_file(FIXTURE, &fixture_len);
  if (!fixture) {
    fprintf(stderr, "%s not found (run from the repository root)\n", FIXTURE);
    return 1;
  }
  char path[256];
  snprintf(path, sizeof path, "/tmp/mapcore-test-archive-%d.mbtiles", (int)getpid());
  unlink(path);

  /* Write one tile and metadata, close, reopen (resume), add another. */
  mapcore_mbtiles_writer w = {0};
  CHECK_OK(mapcore_mbtiles_writer_open(path, &w));
  CHECK_OK(mapcore_mbtiles_writer_put_tile(w, 14, 8802, 5374, (const uint8_t *)fixture, fixture_len));
  CHECK_OK(mapcore_mbtiles_writer_set_metadata(w, "format", "pbf"));
  CHECK_OK(mapcore_mbtiles_writer_set_metadata(w, "name", "fixture"));
  CHECK_STATUS(mapcore_mbtiles_writer_put_tile(w, 2, 4, 0, (const uint8_t *)"x", 1), MAPCORE_STATUS_IO_ERROR);
  CHECK_DIAG("below 2^z");
  CHECK_STATUS(mapcore_mbtiles_writer_put_tile(w, 31, 0, 0, (const uint8_t *)"x", 1),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(mapcore_mbtiles_writer_put_tile(w, 1, 0, 0, NULL, 3), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(mapcore_mbtiles_writer_set_metadata(w, NULL, "v"), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_OK(mapcore_mbtiles_writer_close(w));
  CHECK_OK(mapcore_mbtiles_writer_close(w)); /* closed: a no-op */
  CHECK_STATUS(mapcore_mbtiles_writer_put_tile(w, 0, 0, 0, (const uint8_t *)"x", 1), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("stale");

  mapcore_mbtiles_writer w2 = {0};
  CHECK_OK(mapcore_mbtiles_writer_open(path, &w2));
  bool present = false;
  CHECK_OK(mapcore_mbtiles_writer_has_tile(w2, 14, 8802, 5374, &present));
  CHECK(present);
  CHECK_OK(mapcore_mbtiles_writer_has_tile(w2, 0, 0, 0, &present));
  CHECK(!present);
  CHECK_OK(mapcore_mbtiles_writer_put_tile(w2, 0, 0, 0, (const uint8_t *)"world", 5));
  CHECK_STATUS(mapcore_mbtiles_writer_has_tile(w2, 0, 0, 0, NULL), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_OK(mapcore_mbtiles_writer_close(w2));

  /* Read it back. */
  mapcore_archive a = {0};
  CHECK_OK(mapcore_archive_open(path, &a));
  char *json = NULL;
  CHECK_OK(mapcore_archive_metadata(a, &json));
  CHECK(json && strstr(json, "\"format\":\"pbf\"") && strstr(json, "\"name\":\"fixture\"") &&
        strstr(json, "\"minzoom\":0") && strstr(json, "\"maxzoom\":14"));
  CHECK_STATUS(mapcore_archive_metadata(a, &json), MAPCORE_STATUS_INVALID_ARGUMENT); /* not NULL on entry */
  CHECK_OK(mapcore_string_free(json));
  uint8_t *data = NULL;
  size_t len = 0;
  CHECK_OK(mapcore_archive_read_tile(a, 0, 0, 0, &data, &len));
  CHECK(len == 5 && data && memcmp(data, "world", 5) == 0);
  CHECK_OK(mapcore_archive_tile_free(data, len));
  data = NULL;
  CHECK_OK(mapcore_archive_read_tile(a, 3, 1, 1, &data, &len));
  CHECK(data == NULL && len == 0); /* no such tile */
  CHECK_STATUS(mapcore_archive_read_tile(a, 31, 0, 0, &data, &len), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_OK(mapcore_archive_tile_free(NULL, 0));

  /* Concurrent readers. */
  shared_archive = a;
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, reader, NULL);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);

  CHECK_OK(mapcore_archive_close(a));
  CHECK_OK(mapcore_archive_close(a));
  CHECK_STATUS(mapcore_archive_read_tile(a, 0, 0, 0, &data, &len), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("stale archive handle");

  /* What is not an archive. */
  mapcore_archive b = {0};
  CHECK_STATUS(mapcore_archive_open(FIXTURE, &b), MAPCORE_STATUS_PARSE_ERROR);
  CHECK_DIAG("not a SQLite database");
  CHECK_STATUS(mapcore_archive_open("/tmp", &b), MAPCORE_STATUS_IO_ERROR);
  CHECK_DIAG("not a regular file");
  CHECK_STATUS(mapcore_archive_open("/nonexistent/x.pmtiles", &b), MAPCORE_STATUS_IO_ERROR);
  CHECK_STATUS(mapcore_archive_open(NULL, &b), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK(b.id == 0);
  mapcore_mbtiles_writer w3 = {0};
  CHECK_STATUS(mapcore_mbtiles_writer_open(FIXTURE, &w3), MAPCORE_STATUS_PARSE_ERROR);
  CHECK(w3.id == 0);
  CHECK_OK(mapcore_archive_close((mapcore_archive){0}));
  CHECK_OK(mapcore_mbtiles_writer_close((mapcore_mbtiles_writer){0}));

  unlink(path);
  free(fixture);
  return harness_finish("test_archive");
}
