/* The misuse matrix, table-driven and checked for completeness against the
 * headers (read at run time from include/mapcore): a function, struct or
 * parameter added to a header without a row here fails this test.
 *
 *   threads   every status-returning function: owner-thread ones answer
 *             WRONG_THREAD from another thread; the others say why not
 *   cleared   each owner-thread call that succeeds leaves an empty diagnostic
 *   panics    MAPCORE_TEST_PANIC=* makes every entry point panic: INTERNAL
 *   sizes     every struct with a leading `size`: undersized -> INVALID_ARGUMENT
 *   utf8      every `const char *` parameter: bad UTF-8 -> INVALID_ARGUMENT
 *   lengths   every `size_t` parameter above PTRDIFF_MAX -> INVALID_ARGUMENT
 *   kinds     a handle of another kind to every destroy/release -> INVALID_ARGUMENT
 *   late      requests completed and released after their runtime is gone */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "harness.h"
#include "mapcore/archive.h"

/* ---- the headers' declarations ------------------------------------------ */

#define MAX_DECLS 160
#define MAX_PARAMS 12
typedef struct {
  char name[80];
  int nparams;
  char type[MAX_PARAMS][96];
  char param[MAX_PARAMS][48];
} decl;

static decl decls[MAX_DECLS];
static int ndecls = 0;
static char sized_structs[16][64];
static int nsized = 0;

static const char *const HEADERS[] = {"base.h",  "runtime.h", "resource.h", "map.h",
                                      "style.h", "render.h",  "query.h",    "archive.h"};

static bool isalnum_ascii(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void trim(char *s) {
  size_t n = strlen(s);
  while (n && strchr(" \t\r\n", s[n - 1])) s[--n] = 0;
  size_t i = strspn(s, " \t\r\n");
  memmove(s, s + i, strlen(s + i) + 1);
}

/* Every `mapcore_status mapcore_NAME(params);` and every
 * `typedef struct NAME { size_t size; ...`. */
static void parse_header(const char *text) {
  for (const char *p = text; (p = strstr(p, "mapcore_status mapcore_")) != NULL; p++) {
    if (p != text && p[-1] != '\n') continue; /* a declaration starts a line */
    const char *name = p + strlen("mapcore_status ");
    const char *open = strchr(name, '(');
    if (!open || ndecls == MAX_DECLS) continue;
    decl *d = &decls[ndecls++];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%.*s", (int)(open - name), name);
    const char *close = strchr(open, ')');
    char params[1024];
    snprintf(params, sizeof params, "%.*s", (int)(close - open - 1), open + 1);
    char *save = NULL;
    for (char *tok = strtok_r(params, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      trim(tok);
      if (strcmp(tok, "void") == 0 || d->nparams == MAX_PARAMS) continue;
      size_t n = strlen(tok), i = n;
      while (i && (isalnum_ascii(tok[i - 1]) || tok[i - 1] == '_')) i--;
      snprintf(d->param[d->nparams], sizeof d->param[0], "%s", tok + i);
      tok[i] = 0;
      trim(tok);
      snprintf(d->type[d->nparams], sizeof d->type[0], "%s", tok);
      d->nparams++;
    }
  }
  for (const char *p = text; (p = strstr(p, "typedef struct ")) != NULL; p++) {
    const char *name = p + strlen("typedef struct ");
    const char *brace = strchr(name, '{');
    const char *semi = strchr(name, ';');
    if (!brace || (semi && semi < brace)) continue;
    const char *q = brace + 1;
    for (;;) { /* skip blanks and comments */
      q += strspn(q, " \t\r\n");
      if (q[0] == '/' && q[1] == '*') {
        const char *end = strstr(q, "*/");
        if (!end) break;
        q = end + 2;
      } else {
        break;
      }
    }
    if (strncmp(q, "size_t size;", 12) == 0 && nsized < 16) {
      const char *sp = strchr(name, ' ');
      snprintf(sized_structs[nsized++], sizeof sized_structs[0], "%.*s", (int)(sp - name), name);
    }
  }
}

static void read_headers(void) {
  for (size_t i = 0; i < sizeof HEADERS / sizeof *HEADERS; i++) {
    char path[256];
    snprintf(path, sizeof path, "include/mapcore/%s", HEADERS[i]);
    char *text = read_file(path, NULL);
    CHECK(text != NULL);
    if (!text) {
      fprintf(stderr, "test_misuse: %s not found (run from the repository root)\n", path);
      continue;
    }
    parse_header(text);
    free(text);
  }
  CHECK(ndecls > 50);
  CHECK(nsized >= 7);
}

/* ---- the objects every row works on -------------------------------------- */

typedef struct {
  mapcore_runtime rt;
  mapcore_map map;
  mapcore_render_session session;
  mapcore_resource_request request; /* held, handled by the provider */
  int provided;
} ctx;

static ctx C;
static const char *STYLE =
    "{\"version\":8,\"sources\":{\"s\":{\"type\":\"geojson\",\"data\":"
    "{\"type\":\"Point\",\"coordinates\":[0,0]}}},\"layers\":["
    "{\"id\":\"l\",\"type\":\"circle\",\"source\":\"s\"}]}";
static const char *BAD = "bad \xff\xfe utf-8";
static uint8_t PIXELS[16 * 16 * 4];
static int releases = 0;

static mapcore_provider_decision keep_request(void *user_data, const mapcore_resource_info *info,
                                              mapcore_resource_request request) {
  (void)info;
  ctx *c = (ctx *)user_data;
  if (c->request.id == 0) {
    c->request = request; /* kept: completed by the rows, released at the end */
    return MAPCORE_PROVIDER_HANDLED;
  }
  mapcore_resource_request_release(request); /* released whatever the answer */
  return MAPCORE_PROVIDER_PASS_THROUGH;
}

static void count_release(void *context) { (*(int *)context)++; }

static void ctx_open(ctx *c) {
  memset(c, 0, sizeof *c);
  CHECK_OK(mapcore_runtime_create(NULL, &c->rt));
  mapcore_resource_provider p = {sizeof p, keep_request, NULL, c};
  CHECK_OK(mapcore_runtime_set_resource_provider(c->rt, &p));
  CHECK_OK(mapcore_map_create(c->rt, NULL, &c->map));
  CHECK_OK(mapcore_render_session_create_texture(c->map, 16, 16, 1.0f, &c->session));
  CHECK_OK(mapcore_map_set_style_json(c->map, STYLE, strlen(STYLE)));
  CHECK_OK(mapcore_render_session_render_still(c->session, 10000));
  CHECK_OK(mapcore_map_add_image(c->map, "img", PIXELS, 2, 2, 8, 1.0f, false));
  /* a request the host holds: for the request functions */
  CHECK_OK(mapcore_map_set_style_url(c->map, "host://style.json"));
  CHECK_OK(mapcore_runtime_pump(c->rt, 0, NULL));
  CHECK(c->request.id != 0);
  CHECK_OK(mapcore_map_set_style_json(c->map, STYLE, strlen(STYLE)));
  CHECK_OK(mapcore_render_session_render_still(c->session, 10000));
}

static void ctx_close(ctx *c) {
  CHECK_OK(mapcore_resource_request_release(c->request));
  CHECK_OK(mapcore_render_session_destroy(c->session));
  CHECK_OK(mapcore_map_destroy(c->map));
  CHECK_OK(mapcore_runtime_destroy(c->rt));
}

/* ---- one call per status-returning function ------------------------------- */

/* `bad` names the parameter that gets bad input (NULL: none). S(name) is the
 * string for a string parameter, L(name, n) the length for a size_t one. */
#define S(p, good) (bad && strcmp(bad, p) == 0 ? BAD : (good))
#define L(p, good) (bad && strcmp(bad, p) == 0 ? (size_t)PTRDIFF_MAX + 1 : (size_t)(good))
#define JSON(p, text) S(p, text), L("len", strlen(S(p, text)))
#define UNUSED(x) (void)(x)
typedef mapcore_status (*row_fn)(ctx *c, const char *bad);

/* The checked call's diagnostic (rows clean up after it with other calls). */
static char DIAG[512];
static mapcore_status keep(mapcore_status s) {
  snprintf(DIAG, sizeof DIAG, "%s", mapcore_last_error_message());
  return s;
}

static void free_out(char *s) {
  if (s) mapcore_string_free(s);
}

static mapcore_status f_string_free(ctx *c, const char *bad) {
  UNUSED(c), UNUSED(bad);
  return keep(mapcore_string_free(NULL));
}
static mapcore_status f_log_set_callback(ctx *c, const char *bad) {
  UNUSED(c), UNUSED(bad);
  return keep(mapcore_log_set_callback(NULL, NULL, MAPCORE_LOG_WARN));
}
static mapcore_status f_map_create(ctx *c, const char *bad) {
  UNUSED(bad);
  mapcore_map m = {0};
  mapcore_status s = keep(mapcore_map_create(c->rt, NULL, &m));
  mapcore_map_destroy(m);
  return s;
}
static mapcore_status f_map_destroy(ctx *c, const char *bad) {
  UNUSED(bad);
  mapcore_map m = {0};
  mapcore_map_create(c->rt, NULL, &m); /* fails off the owner thread */
  return keep(mapcore_map_destroy(m.id ? m : c->map));
}
static mapcore_status f_set_style_json(ctx *c, const char *bad) {
  return keep(mapcore_map_set_style_json(c->map, JSON("json", STYLE)));
}
static mapcore_status f_set_style_url(ctx *c, const char *bad) {
  mapcore_status s = keep(mapcore_map_set_style_url(c->map, S("url", "builtin://default-style.json")));
  mapcore_map_set_style_json(c->map, STYLE, strlen(STYLE));
  return s;
}
static mapcore_status f_get_camera(ctx *c, const char *bad) {
  UNUSED(bad);
  mapcore_camera cam = mapcore_camera_default();
  return keep(mapcore_map_get_camera(c->map, &cam));
}
static mapcore_status f_jump_to(ctx *c, const char *bad) {
  UNUSED(bad);
  mapcore_camera cam = mapcore_camera_default();
  return keep(mapcore_map_jump_to(c->map, &cam));
}
static mapcore_status f_set_feature_state(ctx *c, const char *bad) {
  return keep(mapcore_map_set_feature_state(c->map, S("source_id", "s"), S("source_layer", ""),
                                       S("feature_id", "1"), JSON("state_json", "{\"a\":1}")));
}
static mapcore_status f_get_feature_state(ctx *c, const char *bad) {
  char *out = NULL;
  mapcore_status s = keep(mapcore_map_get_feature_state(c->map, S("source_id", "s"), S("source_layer", ""),
                                                   S("feature_id", "1"), &out));
  free_out(out);
  return s;
}
static mapcore_status f_remove_feature_state(ctx *c, const char *bad) {
  return keep(mapcore_map_remove_feature_state(c->map, S("source_id", "s"), S("source_layer", ""),
                                          S("feature_id", "1"), S("key", "a")));
}
static mapcore_status f_pixel_for_lnglat(ctx *c, const char *bad) {
  UNUSED(bad);
  double x, y;
  return keep(mapcore_map_pixel_for_lnglat(c->map, 1, 2, &x, &y));
}
static mapcore_status f_lnglat_for_pixel(ctx *c, const char *bad) {
  UNUSED(bad);
  double x, y;
  return keep(mapcore_map_lnglat_for_pixel(c->map, 1, 2, &x, &y));
}
static mapcore_status f_query_rendered(ctx *c, const char *bad) {
  char *out = NULL;
  mapcore_status s = keep(mapcore_map_query_rendered_features(c->map, NULL, JSON("options_json", "{}"), &out));
  free_out(out);
  return s;
}
static mapcore_status f_query_source(ctx *c, const char *bad) {
  char *out = NULL;
  mapcore_status s = keep(mapcore_map_query_source_features(c->map, S("source_id", "s"), S("source_layer", ""),
                                                       JSON("filter_json", "[\"has\",\"x\"]"), &out));
  free_out(out);
  return s;
}
static mapcore_status f_create_texture(ctx *c, const char *bad) {
  UNUSED(bad);
  mapcore_map m = {0};
  mapcore_render_session s = {0};
  mapcore_map_create(c->rt, NULL, &m);
  mapcore_status st = keep(mapcore_render_session_create_texture(m.id ? m : c->map, 8, 8, 1.0f, &s));
  mapcore_render_session_destroy(s);
  mapcore_map_destroy(m);
  return st;
}
static mapcore_status f_create_buffer(ctx *c, const char *bad) {
  mapcore_map m = {0};
  mapcore_render_session s = {0};
  mapcore_map_create(c->rt, NULL, &m);
  mapcore_status st = keep(mapcore_render_session_create_buffer(m.id ? m : c->map, 8, 8, 1.0f, PIXELS,
                                                           L("stride", 32), L("len", 256), &s));
  mapcore_render_session_destroy(s);
  mapcore_map_destroy(m);
  return st;
}
static int surface_frames = 0;
static void count_frame(void *user_data, const uint8_t *pixels, const mapcore_image_info *info) {
  (void)pixels, (void)info;
  (*(int *)user_data)++;
}
static mapcore_surface_callbacks surface_callbacks(void) {
  mapcore_surface_callbacks cb = mapcore_surface_callbacks_default();
  cb.frame = count_frame;
  cb.release = count_release;
  cb.user_data = &surface_frames;
  return cb;
}
static mapcore_status f_create_surface(ctx *c, const char *bad) {
  UNUSED(bad);
  mapcore_map m = {0};
  mapcore_render_session s = {0};
  mapcore_map_create(c->rt, NULL, &m);
  mapcore_surface_callbacks cb = surface_callbacks();
  mapcore_status st = keep(mapcore_render_session_create_surface(m.id ? m : c->map, 8, 8, 1.0f, &cb, &s));
  mapcore_render_session_destroy(s);
  mapcore_map_destroy(m);
  return st;
}
static mapcore_status f_set_buffer(ctx *c, const char *bad) {
  mapcore_map m = {0};
  mapcore_render_session s = {0};
  mapcore_map_create(c->rt, NULL, &m);
  mapcore_render_session_create_buffer(m, 8, 8, 1.0f, PIXELS, 32, 256, &s);
  mapcore_status st = keep(mapcore_render_session_set_buffer(s.id ? s : c->session, 4, 4, 1.0f, PIXELS,
                                                        L("stride", 16), L("len", 64)));
  mapcore_render_session_destroy(s);
  mapcore_map_destroy(m);
  return st;
}
static mapcore_status f_resize(ctx *c, const char *bad) {
  UNUSED(bad);
  return keep(mapcore_render_session_resize(c->session, 16, 16, 1.0f));
}
static mapcore_status f_render_still(ctx *c, const char *bad) {
  UNUSED(bad);
  return keep(mapcore_render_session_render_still(c->session, 10000));
}
static mapcore_status f_render_frame(ctx *c, const char *bad) {
  UNUSED(bad);
  bool complete;
  return keep(mapcore_render_session_render_frame(c->session, &complete));
}
static mapcore_status f_read_pixels(ctx *c, const char *bad) {
  mapcore_image_info info = mapcore_image_info_default();
  return keep(mapcore_render_session_read_pixels(c->session, PIXELS, L("dst_len", sizeof PIXELS), &info));
}
static mapcore_status f_acquire_frame(ctx *c, const char *bad) {
  UNUSED(bad);
  const uint8_t *px = NULL;
  mapcore_image_info info = mapcore_image_info_default();
  mapcore_status s = keep(mapcore_render_session_acquire_frame(c->session, &px, &info));
  if (s == MAPCORE_STATUS_OK) mapcore_render_session_release_frame(c->session);
  return s;
}
static mapcore_status f_release_frame(ctx *c, const char *bad) {
  UNUSED(bad);
  const uint8_t *px = NULL;
  mapcore_image_info info = mapcore_image_info_default();
  mapcore_render_session_acquire_frame(c->session, &px, &info);
  return keep(mapcore_render_session_release_frame(c->session));
}
static mapcore_status f_session_destroy(ctx *c, const char *bad) {
  UNUSED(bad);
  mapcore_map m = {0};
  mapcore_render_session s = {0};
  mapcore_map_create(c->rt, NULL, &m);
  mapcore_render_session_create_texture(m, 8, 8, 1.0f, &s);
  mapcore_status st = keep(mapcore_render_session_destroy(s.id ? s : c->session));
  mapcore_map_destroy(m);
  return st;
}
static mapcore_status f_set_provider(ctx *c, const char *bad) {
  UNUSED(bad);
  mapcore_resource_provider p = {sizeof p, keep_request, NULL, c};
  return keep(mapcore_runtime_set_resource_provider(c->rt, &p));
}
static mapcore_status f_request_complete(ctx *c, const char *bad) {
  return keep(mapcore_resource_request_complete(c->request, (const uint8_t *)"x", L("len", 1)));
}
static mapcore_status f_request_complete_borrowed(ctx *c, const char *bad) {
  return keep(mapcore_resource_request_complete_borrowed(c->request, PIXELS, L("len", 4), count_release, &releases));
}
static mapcore_status f_request_not_found(ctx *c, const char *bad) {
  UNUSED(bad);
  return keep(mapcore_resource_request_not_found(c->request));
}
static mapcore_status f_request_fail(ctx *c, const char *bad) {
  return keep(mapcore_resource_request_fail(c->request, S("message", "no")));
}
static mapcore_status f_request_is_cancelled(ctx *c, const char *bad) {
  UNUSED(bad);
  bool cancelled;
  return keep(mapcore_resource_request_is_cancelled(c->request, &cancelled));
}
static mapcore_status f_request_info(ctx *c, const char *bad) {
  UNUSED(bad);
  mapcore_resource_info info;
  memset(&info, 0, sizeof info);
  info.size = sizeof info;
  return keep(mapcore_resource_request_info(c->request, &info));
}
static mapcore_status f_request_release(ctx *c, const char *bad) {
  UNUSED(c), UNUSED(bad);
  mapcore_resource_request none = {0};
  return keep(mapcore_resource_request_release(none));
}
static mapcore_status f_runtime_create(ctx *c, const char *bad) {
  UNUSED(c), UNUSED(bad);
  /* Another thread may own a runtime of its own; this one already has C.rt. */
  mapcore_runtime rt = {0};
  mapcore_status s = keep(mapcore_runtime_create(NULL, &rt));
  mapcore_runtime_destroy(rt);
  return s;
}
static mapcore_status f_runtime_destroy(ctx *c, const char *bad) {
  UNUSED(bad);
  return keep(mapcore_runtime_destroy(c->rt)); /* INVALID_STATE on the owner: live maps */
}
static mapcore_status f_add_font(ctx *c, const char *bad) {
  static const char junk[] = "not a font";
  size_t faces = 0;
  return keep(mapcore_runtime_add_font(c->rt, junk, L("size", sizeof junk), &faces));
}
static mapcore_status f_add_font_file(ctx *c, const char *bad) {
  size_t faces = 0;
  return keep(mapcore_runtime_add_font_file(c->rt, S("path", "/nonexistent.ttf"), &faces));
}
static mapcore_status f_pump(ctx *c, const char *bad) {
  UNUSED(bad);
  return keep(mapcore_runtime_pump(c->rt, 0, NULL));
}
static mapcore_status f_wake(ctx *c, const char *bad) {
  UNUSED(bad);
  return keep(mapcore_runtime_wake(c->rt));
}
static mapcore_status f_interrupt(ctx *c, const char *bad) {
  UNUSED(bad);
  return keep(mapcore_runtime_interrupt(c->rt));
}
static mapcore_status f_drain_events(ctx *c, const char *bad) {
  UNUSED(bad);
  const mapcore_event *ev;
  size_t n;
  return keep(mapcore_runtime_drain_events(c->rt, &ev, &n));
}
static mapcore_status f_add_source(ctx *c, const char *bad) {
  mapcore_status s = keep(mapcore_map_add_source(c->map, S("id", "tmp"),
                                            JSON("json", "{\"type\":\"geojson\",\"data\":null}")));
  mapcore_map_remove_source(c->map, "tmp");
  return s;
}
static mapcore_status f_remove_source(ctx *c, const char *bad) {
  static const char *src = "{\"type\":\"geojson\",\"data\":null}";
  mapcore_map_add_source(c->map, "tmp", src, strlen(src));
  return keep(mapcore_map_remove_source(c->map, S("id", "tmp")));
}
static mapcore_status f_add_layer(ctx *c, const char *bad) {
  mapcore_status s = keep(mapcore_map_add_layer(c->map, JSON("json", "{\"id\":\"t\",\"type\":\"background\"}"),
                                           S("before_id", "l")));
  mapcore_map_remove_layer(c->map, "t");
  return s;
}
static mapcore_status f_remove_layer(ctx *c, const char *bad) {
  static const char *layer = "{\"id\":\"t\",\"type\":\"background\"}";
  mapcore_map_add_layer(c->map, layer, strlen(layer), NULL);
  return keep(mapcore_map_remove_layer(c->map, S("id", "t")));
}
static mapcore_status f_set_paint(ctx *c, const char *bad) {
  return keep(mapcore_map_set_paint_property(c->map, S("layer_id", "l"), S("name", "circle-radius"), JSON("json", "4")));
}
static mapcore_status f_get_paint(ctx *c, const char *bad) {
  char *out = NULL;
  mapcore_status s = keep(mapcore_map_get_paint_property(c->map, S("layer_id", "l"), S("name", "circle-radius"), &out));
  free_out(out);
  return s;
}
static mapcore_status f_set_layout(ctx *c, const char *bad) {
  return keep(mapcore_map_set_layout_property(c->map, S("layer_id", "l"), S("name", "visibility"), JSON("json", "\"visible\"")));
}
static mapcore_status f_get_layout(ctx *c, const char *bad) {
  char *out = NULL;
  mapcore_status s = keep(mapcore_map_get_layout_property(c->map, S("layer_id", "l"), S("name", "visibility"), &out));
  free_out(out);
  return s;
}
static mapcore_status f_set_filter(ctx *c, const char *bad) {
  return keep(mapcore_map_set_filter(c->map, S("layer_id", "l"), JSON("json", "[\"!has\",\"x\"]")));
}
static mapcore_status f_add_image(ctx *c, const char *bad) {
  return keep(mapcore_map_add_image(c->map, S("id", "img"), PIXELS, 2, 2, L("stride", 8), 1.0f, false));
}
static mapcore_status f_add_image_with_options(ctx *c, const char *bad) {
  mapcore_image_options o = mapcore_image_options_default();
  return keep(mapcore_map_add_image_with_options(c->map, S("id", "img2"), PIXELS, 2, 2, L("stride", 8), &o));
}
static mapcore_status f_remove_image(ctx *c, const char *bad) {
  mapcore_map_add_image(c->map, "tmp", PIXELS, 2, 2, 8, 1.0f, false);
  return keep(mapcore_map_remove_image(c->map, S("id", "tmp")));
}
static mapcore_status f_get_style_json(ctx *c, const char *bad) {
  UNUSED(bad);
  char *out = NULL;
  mapcore_status s = keep(mapcore_map_get_style_json(c->map, &out));
  free_out(out);
  return s;
}

static mapcore_status f_buffer_free(ctx *c, const char *bad) {
  UNUSED(c), UNUSED(bad);
  return keep(mapcore_buffer_free(NULL));
}
static mapcore_status f_camera_for_bounds(ctx *c, const char *bad) {
  UNUSED(bad);
  mapcore_camera cam = mapcore_camera_default();
  return keep(mapcore_map_camera_for_bounds(c->map, -10, -10, 10, 10, NULL, 0, 0, &cam));
}
static mapcore_status encode_with(ctx *c, const mapcore_encode_options *options) {
  mapcore_render_session_render_still(c->session, 10000); /* rows before may have resized it */
  uint8_t *data = NULL;
  size_t len = 0;
  mapcore_status s = keep(mapcore_render_session_encode(c->session, MAPCORE_IMAGE_FORMAT_PNG, options, &data, &len));
  if (data) mapcore_buffer_free(data);
  return s;
}
static mapcore_status f_encode(ctx *c, const char *bad) {
  UNUSED(bad);
  return encode_with(c, NULL);
}
/* Archives: thread-independent, no file needed for the misuse checks (a
 * path that does not exist is an IO_ERROR, so these rows do not succeed). */
static const char *NO_FILE = "/nonexistent-mapcore-misuse/x.mbtiles";
static mapcore_status f_archive_open(ctx *c, const char *bad) {
  UNUSED(c);
  mapcore_archive a = {0};
  mapcore_status s = keep(mapcore_archive_open(S("path", NO_FILE), &a));
  mapcore_archive_close(a);
  return s;
}
static mapcore_status f_archive_metadata(ctx *c, const char *bad) {
  UNUSED(c), UNUSED(bad);
  char *out = NULL;
  mapcore_archive none = {0};
  mapcore_status s = keep(mapcore_archive_metadata(none, &out));
  free_out(out);
  return s;
}
static mapcore_status f_archive_read_tile(ctx *c, const char *bad) {
  UNUSED(c), UNUSED(bad);
  uint8_t *data = NULL;
  size_t len = 0;
  mapcore_archive none = {0};
  mapcore_status s = keep(mapcore_archive_read_tile(none, 0, 0, 0, &data, &len));
  if (data) mapcore_buffer_free(data);
  return s;
}
static mapcore_status f_archive_close(ctx *c, const char *bad) {
  UNUSED(c), UNUSED(bad);
  mapcore_archive none = {0};
  return keep(mapcore_archive_close(none));
}
static mapcore_status f_writer_open(ctx *c, const char *bad) {
  UNUSED(c);
  mapcore_mbtiles_writer w = {0};
  mapcore_status s = keep(mapcore_mbtiles_writer_open(S("path", NO_FILE), &w));
  mapcore_mbtiles_writer_close(w);
  return s;
}
static mapcore_status f_writer_has_tile(ctx *c, const char *bad) {
  UNUSED(c), UNUSED(bad);
  bool present = false;
  mapcore_mbtiles_writer none = {0};
  return keep(mapcore_mbtiles_writer_has_tile(none, 0, 0, 0, &present));
}
static mapcore_status f_writer_put_tile(ctx *c, const char *bad) {
  UNUSED(c);
  mapcore_mbtiles_writer none = {0};
  return keep(mapcore_mbtiles_writer_put_tile(none, 0, 0, 0, PIXELS, L("len", 4)));
}
static mapcore_status f_writer_set_metadata(ctx *c, const char *bad) {
  UNUSED(c);
  mapcore_mbtiles_writer none = {0};
  return keep(mapcore_mbtiles_writer_set_metadata(none, S("name", "n"), S("value", "v")));
}
static mapcore_status f_writer_close(ctx *c, const char *bad) {
  UNUSED(c), UNUSED(bad);
  mapcore_mbtiles_writer none = {0};
  return keep(mapcore_mbtiles_writer_close(none));
}

/* owner: called off the owner thread it answers WRONG_THREAD. Otherwise
 * `why` says why a call from any thread is fine. `ok`: on the owner thread
 * (with C's objects, in ROWS order) the call succeeds: not for a second
 * answer to the held request, a second runtime on one thread, a destroy of
 * a runtime with live maps, or the fonts (no font is given). */
typedef struct {
  const char *name;
  row_fn call;
  bool owner;
  bool ok;
  const char *why;
} row;

static const row ROWS[] = {
    {"mapcore_string_free", f_string_free, false, true, "frees memory; any thread"},
    {"mapcore_log_set_callback", f_log_set_callback, false, true, "process-wide; any thread"},
    {"mapcore_map_create", f_map_create, true, true, NULL},
    {"mapcore_map_destroy", f_map_destroy, true, true, NULL},
    {"mapcore_map_set_style_json", f_set_style_json, true, true, NULL},
    {"mapcore_map_set_style_url", f_set_style_url, true, true, NULL},
    {"mapcore_map_get_camera", f_get_camera, true, true, NULL},
    {"mapcore_map_jump_to", f_jump_to, true, true, NULL},
    {"mapcore_map_set_feature_state", f_set_feature_state, true, true, NULL},
    {"mapcore_map_get_feature_state", f_get_feature_state, true, true, NULL},
    {"mapcore_map_remove_feature_state", f_remove_feature_state, true, true, NULL},
    {"mapcore_map_pixel_for_lnglat", f_pixel_for_lnglat, true, true, NULL},
    {"mapcore_map_lnglat_for_pixel", f_lnglat_for_pixel, true, true, NULL},
    {"mapcore_map_query_rendered_features", f_query_rendered, true, true, NULL},
    {"mapcore_map_query_source_features", f_query_source, true, true, NULL},
    {"mapcore_render_session_create_texture", f_create_texture, true, true, NULL},
    {"mapcore_render_session_create_buffer", f_create_buffer, true, true, NULL},
    {"mapcore_render_session_create_surface", f_create_surface, true, true, NULL},
    {"mapcore_render_session_set_buffer", f_set_buffer, true, true, NULL},
    {"mapcore_render_session_resize", f_resize, true, true, NULL},
    {"mapcore_render_session_render_still", f_render_still, true, true, NULL},
    {"mapcore_render_session_render_frame", f_render_frame, true, true, NULL},
    {"mapcore_render_session_read_pixels", f_read_pixels, true, true, NULL},
    {"mapcore_render_session_acquire_frame", f_acquire_frame, true, true, NULL},
    {"mapcore_render_session_release_frame", f_release_frame, true, true, NULL},
    {"mapcore_render_session_destroy", f_session_destroy, true, true, NULL},
    {"mapcore_runtime_set_resource_provider", f_set_provider, true, true, NULL},
    {"mapcore_resource_request_complete", f_request_complete, false, true, "requests: any thread"},
    {"mapcore_resource_request_complete_borrowed", f_request_complete_borrowed, false, false, "requests: any thread"},
    {"mapcore_resource_request_not_found", f_request_not_found, false, false, "requests: any thread"},
    {"mapcore_resource_request_fail", f_request_fail, false, false, "requests: any thread"},
    {"mapcore_resource_request_is_cancelled", f_request_is_cancelled, false, true, "requests: any thread"},
    {"mapcore_resource_request_info", f_request_info, false, true, "requests: any thread"},
    {"mapcore_resource_request_release", f_request_release, false, true, "requests: any thread"},
    {"mapcore_runtime_create", f_runtime_create, false, false, "the calling thread becomes the owner"},
    {"mapcore_runtime_destroy", f_runtime_destroy, true, false, NULL},
    {"mapcore_runtime_add_font", f_add_font, true, false, NULL},
    {"mapcore_runtime_add_font_file", f_add_font_file, true, false, NULL},
    {"mapcore_runtime_pump", f_pump, true, true, NULL},
    {"mapcore_runtime_wake", f_wake, false, true, "wakes a pump from any thread"},
    {"mapcore_runtime_interrupt", f_interrupt, false, true, "interrupts a still render from any thread"},
    {"mapcore_runtime_drain_events", f_drain_events, true, true, NULL},
    {"mapcore_map_add_source", f_add_source, true, true, NULL},
    {"mapcore_map_remove_source", f_remove_source, true, true, NULL},
    {"mapcore_map_add_layer", f_add_layer, true, true, NULL},
    {"mapcore_map_remove_layer", f_remove_layer, true, true, NULL},
    {"mapcore_map_set_paint_property", f_set_paint, true, true, NULL},
    {"mapcore_map_get_paint_property", f_get_paint, true, true, NULL},
    {"mapcore_map_set_layout_property", f_set_layout, true, true, NULL},
    {"mapcore_map_get_layout_property", f_get_layout, true, true, NULL},
    {"mapcore_map_set_filter", f_set_filter, true, true, NULL},
    {"mapcore_map_add_image", f_add_image, true, true, NULL},
    {"mapcore_map_add_image_with_options", f_add_image_with_options, true, true, NULL},
    {"mapcore_map_remove_image", f_remove_image, true, true, NULL},
    {"mapcore_map_get_style_json", f_get_style_json, true, true, NULL},
    {"mapcore_buffer_free", f_buffer_free, false, true, "frees memory; any thread"},
    {"mapcore_map_camera_for_bounds", f_camera_for_bounds, true, true, NULL},
    {"mapcore_render_session_encode", f_encode, true, true, NULL},
    {"mapcore_archive_open", f_archive_open, false, false, "archives: any thread"},
    {"mapcore_archive_metadata", f_archive_metadata, false, false, "archives: any thread"},
    {"mapcore_archive_read_tile", f_archive_read_tile, false, false, "archives: any thread"},
    {"mapcore_archive_close", f_archive_close, false, true, "archives: any thread"},
    {"mapcore_mbtiles_writer_open", f_writer_open, false, false, "archives: any thread"},
    {"mapcore_mbtiles_writer_has_tile", f_writer_has_tile, false, false, "archives: any thread"},
    {"mapcore_mbtiles_writer_put_tile", f_writer_put_tile, false, false, "archives: any thread"},
    {"mapcore_mbtiles_writer_set_metadata", f_writer_set_metadata, false, false, "archives: any thread"},
    {"mapcore_mbtiles_writer_close", f_writer_close, false, true, "archives: any thread"},
};
#define NROWS (sizeof ROWS / sizeof *ROWS)

static const row *row_for(const char *name) {
  for (size_t i = 0; i < NROWS; i++)
    if (strcmp(ROWS[i].name, name) == 0) return &ROWS[i];
  return NULL;
}

/* Every declared function has a row and every row a declaration. */
static void test_rows_cover_the_headers(void) {
  for (int i = 0; i < ndecls; i++) {
    harness_checks++;
    if (!row_for(decls[i].name)) {
      harness_failures++;
      fprintf(stderr, "test_misuse: %s is declared but has no row in ROWS\n", decls[i].name);
    }
  }
  for (size_t r = 0; r < NROWS; r++) {
    bool found = false;
    for (int i = 0; i < ndecls; i++) found = found || strcmp(decls[i].name, ROWS[r].name) == 0;
    harness_checks++;
    if (!found) {
      harness_failures++;
      fprintf(stderr, "test_misuse: row %s names no declared function\n", ROWS[r].name);
    }
    CHECK(ROWS[r].owner || ROWS[r].why != NULL);
  }
}

/* ---- threads ------------------------------------------------------------- */

typedef struct {
  mapcore_status status[NROWS];
  char message[NROWS][512];
} thread_results;

static void *call_rows_elsewhere(void *arg) {
  thread_results *r = (thread_results *)arg;
  for (size_t i = 0; i < NROWS; i++) {
    if (!ROWS[i].owner) continue;
    r->status[i] = ROWS[i].call(&C, NULL);
    snprintf(r->message[i], sizeof r->message[i], "%s", DIAG);
  }
  return NULL;
}

static void test_wrong_thread(void) {
  static thread_results r;
  pthread_t t;
  CHECK(pthread_create(&t, NULL, call_rows_elsewhere, &r) == 0);
  pthread_join(t, NULL);
  int owner_rows = 0;
  for (size_t i = 0; i < NROWS; i++) {
    if (!ROWS[i].owner) continue;
    owner_rows++;
    harness_checks++;
    if (r.status[i] != MAPCORE_STATUS_WRONG_THREAD || !strstr(r.message[i], "thread")) {
      harness_failures++;
      fprintf(stderr, "test_misuse: %s from another thread returned %s (%s), expected WRONG_THREAD\n",
              ROWS[i].name, mapcore_status_name(r.status[i]), r.message[i]);
    }
  }
  CHECK(owner_rows > 40);
  /* the objects are intact */
  CHECK_OK(mapcore_render_session_render_still(C.session, 10000));
}

/* ---- diagnostics cleared on success ------------------------------------- */

static void test_success_clears_the_diagnostic(void) {
  int cleared = 0;
  for (size_t i = 0; i < NROWS; i++) {
    if (!ROWS[i].ok) continue;
    /* a failure first, so there is a diagnostic to clear */
    CHECK_STATUS(mapcore_map_remove_layer(C.map, "no such layer"), MAPCORE_STATUS_NOT_FOUND);
    CHECK(strlen(mapcore_last_error_message()) > 0);
    mapcore_status s = ROWS[i].call(&C, NULL);
    harness_checks++;
    if (s != MAPCORE_STATUS_OK || strlen(DIAG) != 0) {
      harness_failures++;
      fprintf(stderr, "test_misuse: %s returned %s with diagnostic \"%s\", expected OK and \"\"\n",
              ROWS[i].name, mapcore_status_name(s), DIAG);
    }
    cleared++;
  }
  CHECK(cleared > 45);
}

/* ---- panics --------------------------------------------------------------- */

static void test_panics_are_internal(void) {
  /* the panics print a message each (Rust's panic hook): not shown */
  fflush(stderr);
  int saved = dup(2);
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) dup2(devnull, 2);
  CHECK(setenv("MAPCORE_TEST_PANIC", "*", 1) == 0);
  for (size_t i = 0; i < NROWS; i++) {
    mapcore_status s = ROWS[i].call(&C, NULL);
    harness_checks++;
    if (s != MAPCORE_STATUS_INTERNAL || !strstr(DIAG, "MAPCORE_TEST_PANIC") || !strstr(DIAG, ROWS[i].name) ||
        !strstr(DIAG, "please report")) {
      harness_failures++;
      fprintf(stderr, "test_misuse: %s under MAPCORE_TEST_PANIC returned %s (%s), expected INTERNAL\n",
              ROWS[i].name, mapcore_status_name(s), DIAG);
    }
  }
  /* one function only: the others work */
  CHECK(setenv("MAPCORE_TEST_PANIC", "mapcore_map_jump_to", 1) == 0);
  CHECK_STATUS(f_jump_to(&C, NULL), MAPCORE_STATUS_INTERNAL);
  CHECK_DIAG("mapcore_map_jump_to");
  CHECK_OK(f_get_camera(&C, NULL));
  CHECK(unsetenv("MAPCORE_TEST_PANIC") == 0);
  fflush(stderr);
  if (saved >= 0) dup2(saved, 2);
  if (devnull >= 0) close(devnull);
  if (saved >= 0) close(saved);
  /* nothing was left broken: the map still renders */
  CHECK_OK(f_jump_to(&C, NULL));
  CHECK_OK(mapcore_render_session_render_still(C.session, 10000));
}

/* ---- parameters: bad UTF-8 and lengths ----------------------------------- */

static bool is_string_param(const char *type) { return strcmp(type, "const char *") == 0; }
static bool is_length_param(const char *type) { return strcmp(type, "size_t") == 0; }

/* For every declared parameter of the kind: the row's call with that
 * parameter bad answers INVALID_ARGUMENT and names it. */
static void test_bad_params(bool (*kind)(const char *), const char *what, const char *diag, bool named) {
  int n = 0;
  for (int i = 0; i < ndecls; i++) {
    const decl *d = &decls[i];
    const row *r = row_for(d->name);
    if (!r) continue;
    for (int p = 0; p < d->nparams; p++) {
      if (!kind(d->type[p])) continue;
      mapcore_status s = r->call(&C, d->param[p]);
      n++;
      harness_checks++;
      if (s != MAPCORE_STATUS_INVALID_ARGUMENT || (named && !strstr(DIAG, d->param[p])) || !strstr(DIAG, diag)) {
        harness_failures++;
        fprintf(stderr, "test_misuse: %s with %s `%s` returned %s (%s), expected INVALID_ARGUMENT naming it\n",
                d->name, what, d->param[p], mapcore_status_name(s), DIAG);
      }
    }
  }
  printf("test_misuse: %d %s parameters\n", n, what);
  CHECK(n > 10);
}

/* Strings inside the options struct. */
static void test_bad_option_strings(void) {
  mapcore_runtime rt = {0};
  mapcore_runtime_options o = mapcore_runtime_options_default();
  const char *roots[] = {BAD};
  o.allowed_roots = roots;
  o.allowed_root_count = 1;
  /* this thread already owns C.rt: the options are checked first */
  CHECK_STATUS(mapcore_runtime_create(&o, &rt), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("UTF-8");
  o = mapcore_runtime_options_default();
  o.font_paths = roots;
  o.font_path_count = 1;
  CHECK_STATUS(mapcore_runtime_create(&o, &rt), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("UTF-8");
  CHECK(rt.id == 0);
}

/* ---- undersized structs --------------------------------------------------- */

static mapcore_status s_runtime_options(size_t size) {
  mapcore_runtime_options o = mapcore_runtime_options_default();
  o.size = size;
  mapcore_runtime rt = {0};
  return mapcore_runtime_create(&o, &rt);
}
static mapcore_status s_map_options(size_t size) {
  mapcore_map_options o = mapcore_map_options_default();
  o.size = size;
  mapcore_map m = {0};
  return mapcore_map_create(C.rt, &o, &m);
}
static mapcore_status s_camera(size_t size) {
  mapcore_camera cam = mapcore_camera_default();
  cam.size = size;
  mapcore_status a = mapcore_map_jump_to(C.map, &cam);
  mapcore_status b = mapcore_map_get_camera(C.map, &cam);
  return a == b ? a : MAPCORE_STATUS_OK;
}
static mapcore_status s_image_info(size_t size) {
  mapcore_image_info info = mapcore_image_info_default();
  info.size = size;
  const uint8_t *px = NULL;
  mapcore_status a = mapcore_render_session_read_pixels(C.session, NULL, 0, &info);
  mapcore_status b = mapcore_render_session_acquire_frame(C.session, &px, &info);
  if (b == MAPCORE_STATUS_OK) mapcore_render_session_release_frame(C.session);
  return a == b ? a : MAPCORE_STATUS_OK;
}
static mapcore_status s_resource_info(size_t size) {
  mapcore_resource_info info;
  memset(&info, 0, sizeof info);
  info.size = size;
  return mapcore_resource_request_info(C.request, &info);
}
static mapcore_status s_resource_provider(size_t size) {
  mapcore_resource_provider p = {size, keep_request, NULL, &C};
  return mapcore_runtime_set_resource_provider(C.rt, &p);
}
static mapcore_status s_query_geometry(size_t size) {
  mapcore_query_geometry g = mapcore_query_geometry_default();
  g.size = size;
  char *out = NULL;
  mapcore_status s = mapcore_map_query_rendered_features(C.map, &g, NULL, 0, &out);
  free_out(out);
  return s;
}

static mapcore_status s_encode_options(size_t size) {
  mapcore_encode_options o = mapcore_encode_options_default();
  o.size = size;
  return encode_with(&C, &o);
}

static mapcore_status s_image_options(size_t size) {
  mapcore_image_options o = mapcore_image_options_default();
  o.size = size;
  return mapcore_map_add_image_with_options(C.map, "sized", PIXELS, 2, 2, 8, &o);
}

/* C.map has a session already: the size is checked first, and a correct
 * size would be refused with INVALID_STATE, so nothing is ever attached. */
static mapcore_status s_surface_callbacks(size_t size) {
  mapcore_surface_callbacks cb = surface_callbacks();
  cb.size = size;
  mapcore_render_session s = {0};
  return mapcore_render_session_create_surface(C.map, 8, 8, 1.0f, &cb, &s);
}

static const struct {
  const char *name;
  mapcore_status (*call)(size_t size);
} SIZED[] = {
    {"mapcore_surface_callbacks", s_surface_callbacks},
    {"mapcore_image_options", s_image_options},
    {"mapcore_encode_options", s_encode_options},
    {"mapcore_runtime_options", s_runtime_options},
    {"mapcore_map_options", s_map_options},
    {"mapcore_camera", s_camera},
    {"mapcore_image_info", s_image_info},
    {"mapcore_resource_info", s_resource_info},
    {"mapcore_resource_provider", s_resource_provider},
    {"mapcore_query_geometry", s_query_geometry},
};

static void test_undersized_structs(void) {
  for (int i = 0; i < nsized; i++) {
    size_t r = 0;
    while (r < sizeof SIZED / sizeof *SIZED && strcmp(SIZED[r].name, sized_structs[i]) != 0) r++;
    harness_checks++;
    if (r == sizeof SIZED / sizeof *SIZED) {
      harness_failures++;
      fprintf(stderr, "test_misuse: struct %s has a size field but no row in SIZED\n", sized_structs[i]);
      continue;
    }
    const size_t sizes[] = {0, sizeof(size_t), 12};
    for (size_t k = 0; k < 3; k++) {
      mapcore_status s = SIZED[r].call(sizes[k]);
      harness_checks++;
      if (s != MAPCORE_STATUS_INVALID_ARGUMENT || !strstr(mapcore_last_error_message(), "size")) {
        harness_failures++;
        fprintf(stderr, "test_misuse: %s with size %zu returned %s (%s), expected INVALID_ARGUMENT\n",
                sized_structs[i], sizes[k], mapcore_status_name(s), mapcore_last_error_message());
      }
    }
  }
  /* the provider was not replaced by an undersized one: requests still reach it */
  CHECK_OK(f_set_provider(&C, NULL));
}

/* ---- handles of the wrong kind ------------------------------------------- */

static void test_wrong_kind_handles(void) {
  int n = 0;
  for (int i = 0; i < ndecls; i++) {
    const char *name = decls[i].name;
    size_t len = strlen(name);
    bool destroys = (len > 8 && strcmp(name + len - 8, "_destroy") == 0) ||
                    strcmp(name, "mapcore_resource_request_release") == 0;
    if (!destroys) continue;
    n++;
    mapcore_status s;
    if (strcmp(name, "mapcore_runtime_destroy") == 0) {
      s = mapcore_runtime_destroy((mapcore_runtime){C.map.id});
    } else if (strcmp(name, "mapcore_map_destroy") == 0) {
      s = mapcore_map_destroy((mapcore_map){C.session.id});
    } else if (strcmp(name, "mapcore_render_session_destroy") == 0) {
      s = mapcore_render_session_destroy((mapcore_render_session){C.map.id});
    } else if (strcmp(name, "mapcore_resource_request_release") == 0) {
      s = mapcore_resource_request_release((mapcore_resource_request){C.rt.id});
    } else {
      fprintf(stderr, "test_misuse: no wrong-kind case for %s\n", name);
      s = MAPCORE_STATUS_OK;
    }
    harness_checks++;
    if (s != MAPCORE_STATUS_INVALID_ARGUMENT || !strstr(mapcore_last_error_message(), "handle")) {
      harness_failures++;
      fprintf(stderr, "test_misuse: %s with a handle of another kind returned %s (%s), expected INVALID_ARGUMENT\n",
              name, mapcore_status_name(s), mapcore_last_error_message());
    }
  }
  CHECK(n == 4);
  /* and none of them destroyed anything */
  CHECK_OK(mapcore_render_session_render_still(C.session, 10000));
}

/* ---- requests that outlive their runtime ---------------------------------- */

static void test_requests_after_their_runtime(void) {
  ctx c;
  ctx_open(&c);
  mapcore_resource_request held = c.request;
  c.request = (mapcore_resource_request){0};
  CHECK_OK(mapcore_map_set_style_url(c.map, "host://again.json"));
  CHECK_OK(mapcore_runtime_pump(c.rt, 0, NULL));
  mapcore_resource_request second = c.request;
  CHECK(second.id != 0);
  c.request = (mapcore_resource_request){0};
  ctx_close(&c); /* releases nothing: c.request is null */
  /* the runtime is gone: the requests are cancelled, answering them is
   * allowed and ignored (resource.h), and releasing works once */
  bool cancelled = false;
  CHECK_OK(mapcore_resource_request_is_cancelled(second, &cancelled));
  CHECK(cancelled);
  CHECK_OK(mapcore_resource_request_complete(second, (const uint8_t *)"{}", 2));
  int before = releases;
  CHECK_OK(mapcore_resource_request_complete_borrowed(held, PIXELS, 4, count_release, &releases));
  CHECK(releases == before + 1); /* the borrowed buffer is released at once */
  mapcore_resource_info info;
  memset(&info, 0, sizeof info);
  info.size = sizeof info;
  CHECK_OK(mapcore_resource_request_info(held, &info));
  CHECK(info.url && strcmp(info.url, "host://style.json") == 0);
  CHECK_OK(mapcore_resource_request_release(held));
  CHECK_OK(mapcore_resource_request_release(second));
  CHECK_OK(mapcore_resource_request_release(second)); /* twice: a no-op */
  CHECK_STATUS(mapcore_resource_request_not_found(second), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("stale");
}

int main(void) {
  read_headers();
  test_rows_cover_the_headers();
  ctx_open(&C);
  test_wrong_thread();
  test_success_clears_the_diagnostic();
  test_undersized_structs();
  test_bad_params(is_string_param, "bad UTF-8", "UTF-8", true);
  /* a length's diagnostic names the buffer it measures (`json` length ...) */
  test_bad_params(is_length_param, "oversized length", "too large", false);
  test_bad_option_strings();
  test_wrong_kind_handles();
  test_panics_are_internal();
  ctx_close(&C);
  test_requests_after_their_runtime();
  return harness_finish("test_misuse");
}
