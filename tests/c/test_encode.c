/* Encoding a rendered image in the library: PNG, JPEG, WebP headers and
 * sizes, options, the buffer's ownership (mapcore_buffer_free from any
 * thread), and misuse: null and non-null out pointers, unknown formats,
 * qualities out of range, unsized option structs, stale sessions, the wrong
 * thread, foreign and double frees. (The Rust unit tests decode the output
 * and compare pixels.) */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "render_util.h"

/* 96x64: an opaque background and a red square, or no background. */
static const char *STYLE_OPAQUE =
    "{\"version\":8,\"center\":[0,0],\"zoom\":0,\"sources\":{\"sq\":{\"type\":\"geojson\",\"data\":"
    "{\"type\":\"Polygon\",\"coordinates\":[[[-20,-20],[20,-20],[20,20],[-20,20],[-20,-20]]]}}},"
    "\"layers\":[{\"id\":\"bg\",\"type\":\"background\",\"paint\":{\"background-color\":\"#fff\"}},"
    "{\"id\":\"sq\",\"type\":\"fill\",\"source\":\"sq\",\"paint\":{\"fill-color\":\"#c00\"}}]}";
static const char *STYLE_TRANSPARENT =
    "{\"version\":8,\"center\":[0,0],\"zoom\":0,\"sources\":{\"sq\":{\"type\":\"geojson\",\"data\":"
    "{\"type\":\"Polygon\",\"coordinates\":[[[-20,-20],[20,-20],[20,20],[-20,20],[-20,-20]]]}}},"
    "\"layers\":[{\"id\":\"sq\",\"type\":\"fill\",\"source\":\"sq\",\"paint\":{\"fill-color\":\"#c00\"}}]}";

static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Encodes with `options` (NULL = defaults); returns the buffer or NULL. */
static uint8_t *encode(test_map *t, mapcore_image_format format, const mapcore_encode_options *options,
                       size_t *len) {
  uint8_t *data = NULL;
  *len = 0;
  CHECK_OK(mapcore_render_session_encode(t->session, format, options, &data, len));
  CHECK(data != NULL && *len > 0);
  return data;
}

static void test_formats(void) {
  test_map t;
  test_map_open(&t, 96, 64);
  CHECK_OK(test_map_render(&t, STYLE_OPAQUE));
  size_t len = 0;

  /* PNG: signature, IHDR size, colour type RGB (2) for an opaque image */
  uint8_t *png = encode(&t, MAPCORE_IMAGE_FORMAT_PNG, NULL, &len);
  CHECK(png && len > 33 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
  CHECK(png && memcmp(png + 12, "IHDR", 4) == 0 && be32(png + 16) == 96 && be32(png + 20) == 64);
  CHECK(png && png[24] == 8 && png[25] == 2);
  CHECK(png && memcmp(png + len - 8, "IEND", 4) == 0);
  size_t fast_len = len;
  CHECK_OK(mapcore_buffer_free(png));

  /* PNG with a zlib level: a valid PNG, no larger than the fast one here */
  mapcore_encode_options o = mapcore_encode_options_default();
  CHECK(o.size == sizeof o && o.quality == 80 && o.png_level == 0);
  o.png_level = 9;
  png = encode(&t, MAPCORE_IMAGE_FORMAT_PNG, &o, &len);
  CHECK(png && memcmp(png, "\x89PNG", 4) == 0 && len <= fast_len);
  CHECK_OK(mapcore_buffer_free(png));

  /* JPEG: SOI ... EOI; a higher quality gives a larger file */
  o = mapcore_encode_options_default();
  o.quality = 10;
  size_t low_len = 0;
  uint8_t *jpg = encode(&t, MAPCORE_IMAGE_FORMAT_JPEG, &o, &low_len);
  CHECK(jpg && jpg[0] == 0xFF && jpg[1] == 0xD8 && jpg[low_len - 2] == 0xFF && jpg[low_len - 1] == 0xD9);
  CHECK_OK(mapcore_buffer_free(jpg));
  o.quality = 100;
  jpg = encode(&t, MAPCORE_IMAGE_FORMAT_JPEG, &o, &len);
  CHECK(jpg && len > low_len);
  CHECK_OK(mapcore_buffer_free(jpg));

  /* WebP lossless: RIFF size, VP8L chunk, 14-bit sides minus one */
  uint8_t *webp = encode(&t, MAPCORE_IMAGE_FORMAT_WEBP, NULL, &len);
  CHECK(webp && memcmp(webp, "RIFF", 4) == 0 && memcmp(webp + 8, "WEBPVP8L", 8) == 0);
  if (webp) {
    uint32_t riff = webp[4] | (webp[5] << 8) | (webp[6] << 16) | ((uint32_t)webp[7] << 24);
    CHECK(riff + 8 == len);
    uint32_t bits = webp[21] | (webp[22] << 8) | (webp[23] << 16) | ((uint32_t)webp[24] << 24);
    CHECK(webp[20] == 0x2F && (bits & 0x3FFF) + 1 == 96 && ((bits >> 14) & 0x3FFF) + 1 == 64);
  }
  CHECK_OK(mapcore_buffer_free(webp));

  /* encoding works while a frame is acquired */
  const uint8_t *frame = NULL;
  mapcore_image_info info = mapcore_image_info_default();
  CHECK_OK(mapcore_render_session_acquire_frame(t.session, &frame, &info));
  png = encode(&t, MAPCORE_IMAGE_FORMAT_PNG, NULL, &len);
  CHECK_OK(mapcore_buffer_free(png));
  CHECK_OK(mapcore_render_session_release_frame(t.session));

  /* a transparent image keeps its alpha: PNG colour type RGBA (6) */
  CHECK_OK(test_map_render(&t, STYLE_TRANSPARENT));
  CHECK(test_map_pixel(&t, 2, 2)[3] == 0);
  png = encode(&t, MAPCORE_IMAGE_FORMAT_PNG, NULL, &len);
  CHECK(png && png[25] == 6);
  CHECK_OK(mapcore_buffer_free(png));
  test_map_close(&t);
}

static void test_buffer_session(void) {
  mapcore_runtime rt = {0};
  mapcore_map map = {0};
  mapcore_render_session s = {0};
  uint8_t pixels[32 * 16 * 4];
  CHECK_OK(mapcore_runtime_create(NULL, &rt));
  CHECK_OK(mapcore_map_create(rt, NULL, &map));
  CHECK_OK(mapcore_render_session_create_buffer(map, 32, 16, 1.0f, pixels, 32 * 4, sizeof pixels, &s));
  CHECK_OK(mapcore_map_set_style_json(map, STYLE_OPAQUE, strlen(STYLE_OPAQUE)));
  CHECK_OK(mapcore_render_session_render_still(s, 20000));
  uint8_t *png = NULL;
  size_t len = 0;
  CHECK_OK(mapcore_render_session_encode(s, MAPCORE_IMAGE_FORMAT_PNG, NULL, &png, &len));
  CHECK(png && be32(png + 16) == 32 && be32(png + 20) == 16);
  CHECK_OK(mapcore_buffer_free(png));
  CHECK_OK(mapcore_render_session_destroy(s));
  CHECK_OK(mapcore_map_destroy(map));
  CHECK_OK(mapcore_runtime_destroy(rt));
}

typedef struct {
  mapcore_render_session session;
  uint8_t *to_free;
  mapcore_status encode_status, free_status;
} thread_args;

static void *other_thread(void *p) {
  thread_args *a = (thread_args *)p;
  uint8_t *data = NULL;
  size_t len = 0;
  a->encode_status = mapcore_render_session_encode(a->session, MAPCORE_IMAGE_FORMAT_PNG, NULL, &data, &len);
  a->free_status = mapcore_buffer_free(a->to_free); /* any thread */
  return NULL;
}

static void test_misuse(void) {
  test_map t;
  test_map_open(&t, 16, 16);
  uint8_t *data = NULL;
  size_t len = 7;

  /* before the first render */
  CHECK_STATUS(mapcore_render_session_encode(t.session, MAPCORE_IMAGE_FORMAT_PNG, NULL, &data, &len),
               MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("nothing rendered yet");
  CHECK(data == NULL && len == 7);
  CHECK_OK(test_map_render(&t, STYLE_OPAQUE));

  /* null and non-null out pointers */
  CHECK_STATUS(mapcore_render_session_encode(t.session, MAPCORE_IMAGE_FORMAT_PNG, NULL, NULL, &len),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("out_data");
  CHECK_STATUS(mapcore_render_session_encode(t.session, MAPCORE_IMAGE_FORMAT_PNG, NULL, &data, NULL),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("out_len");
  uint8_t junk = 0;
  uint8_t *not_null = &junk;
  CHECK_STATUS(mapcore_render_session_encode(t.session, MAPCORE_IMAGE_FORMAT_PNG, NULL, &not_null, &len),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("must be NULL");
  CHECK(not_null == &junk);

  /* unknown formats */
  CHECK_STATUS(mapcore_render_session_encode(t.session, (mapcore_image_format)0, NULL, &data, &len),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("unknown image format 0");
  CHECK_STATUS(mapcore_render_session_encode(t.session, (mapcore_image_format)4, NULL, &data, &len),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("MAPCORE_IMAGE_FORMAT_PNG");

  /* options out of range, unsized */
  mapcore_encode_options o = mapcore_encode_options_default();
  o.quality = 0;
  CHECK_STATUS(mapcore_render_session_encode(t.session, MAPCORE_IMAGE_FORMAT_JPEG, &o, &data, &len),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("quality 0 is out of range");
  o.quality = 101;
  CHECK_STATUS(mapcore_render_session_encode(t.session, MAPCORE_IMAGE_FORMAT_JPEG, &o, &data, &len),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("1..100");
  o = mapcore_encode_options_default();
  o.png_level = 10;
  CHECK_STATUS(mapcore_render_session_encode(t.session, MAPCORE_IMAGE_FORMAT_PNG, &o, &data, &len),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("png_level 10");
  o = mapcore_encode_options_default();
  o.size = 0;
  CHECK_STATUS(mapcore_render_session_encode(t.session, MAPCORE_IMAGE_FORMAT_PNG, &o, &data, &len),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("options->size");
  CHECK(data == NULL && len == 7);

  /* another thread: WRONG_THREAD for the session, but freeing works */
  uint8_t *png = NULL;
  CHECK_OK(mapcore_render_session_encode(t.session, MAPCORE_IMAGE_FORMAT_PNG, NULL, &png, &len));
  thread_args a = {t.session, png, MAPCORE_STATUS_OK, MAPCORE_STATUS_INTERNAL};
  pthread_t th;
  CHECK(pthread_create(&th, NULL, other_thread, &a) == 0);
  pthread_join(th, NULL);
  CHECK(a.encode_status == MAPCORE_STATUS_WRONG_THREAD);
  CHECK(a.free_status == MAPCORE_STATUS_OK);

  /* frees: NULL is a no-op; double and foreign frees are refused */
  CHECK_OK(mapcore_buffer_free(NULL));
  CHECK_STATUS(mapcore_buffer_free(png), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("not a buffer mapcore handed out");
  CHECK_STATUS(mapcore_buffer_free(&junk), MAPCORE_STATUS_INVALID_ARGUMENT);

  /* stale and null sessions */
  mapcore_render_session stale = t.session;
  test_map_close(&t);
  data = NULL;
  CHECK_STATUS(mapcore_render_session_encode(stale, MAPCORE_IMAGE_FORMAT_PNG, NULL, &data, &len),
               MAPCORE_STATUS_INVALID_STATE);
  CHECK_STATUS(mapcore_render_session_encode((mapcore_render_session){0}, MAPCORE_IMAGE_FORMAT_PNG, NULL,
                                             &data, &len),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK(data == NULL);
}

int main(void) {
  test_formats();
  test_buffer_session();
  test_misuse();
  return harness_finish("test_encode");
}
