/* render_style: renders a MapLibre style to a PNG with mapcore's C API.
 *
 *   render_style STYLE.json ASSETS_DIR OUT.png [WIDTHxHEIGHT]
 *
 * `local://X` URLs in the style are served from ASSETS_DIR/X by a resource
 * provider; the view comes from the style's metadata.bench or its own
 * center/zoom. Prints how long the still image took. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mapcore.h"

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = 0;
    *len = (size_t)n;
  }
  return buf;
}

/* ---- resource provider: local://X -> ASSETS_DIR/X ------------------------ */
static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes %XX escapes (glyph URLs carry the font stack URL-encoded, as
 * MapLibre requests it: "Open%20Sans%20Semibold%2C..."); 0 when malformed. */
static int percent_decode(const char *in, char *out, size_t cap) {
  size_t n = 0;
  for (; *in; in++) {
    if (n + 1 >= cap) return 0;
    if (*in == '%') {
      int hi = hex_digit(in[1]), lo = hi < 0 ? -1 : hex_digit(in[2]);
      if (lo < 0) return 0;
      out[n++] = (char)(hi * 16 + lo);
      in += 2;
    } else {
      out[n++] = *in;
    }
  }
  out[n] = 0;
  return 1;
}

static mapcore_provider_decision serve_local(void *assets, const mapcore_resource_info *info,
                                             mapcore_resource_request req) {
  if (strncmp(info->url, "local://", 8) != 0) {
    mapcore_resource_request_release(req);
    return MAPCORE_PROVIDER_PASS_THROUGH;
  }
  char rel[2048], path[4096];
  size_t len = 0;
  char *data = NULL;
  if (percent_decode(info->url + 8, rel, sizeof rel)) {
    snprintf(path, sizeof path, "%s/%s", (const char *)assets, rel);
    data = read_file(path, &len);
  }
  if (data) {
    mapcore_resource_request_complete(req, (const uint8_t *)data, len);
    free(data);
  } else {
    mapcore_resource_request_not_found(req);
  }
  mapcore_resource_request_release(req);
  return MAPCORE_PROVIDER_HANDLED;
}

/* ---- a minimal PNG writer (stored deflate blocks) ------------------------- */
static uint32_t crc_table[256];
static void crc_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}
static uint32_t crc(uint32_t c, const uint8_t *p, size_t n) {
  c ^= 0xffffffffu;
  while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}
static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}
static void chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len) {
  uint8_t hdr[8];
  put32(hdr, len);
  memcpy(hdr + 4, type, 4);
  fwrite(hdr, 1, 8, f);
  if (len) fwrite(data, 1, len, f);
  uint32_t c = crc(crc(0, hdr + 4, 4), data, len);
  uint8_t tail[4];
  put32(tail, c);
  fwrite(tail, 1, 4, f);
}
static int write_png(const char *path, const uint8_t *rgba, uint32_t w, uint32_t h, size_t stride) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  crc_init();
  fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
  uint8_t ihdr[13];
  put32(ihdr, w);
  put32(ihdr + 4, h);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 6;  /* RGBA */
  ihdr[10] = ihdr[11] = ihdr[12] = 0;
  chunk(f, "IHDR", ihdr, 13);
  size_t raw_len = (size_t)h * (1 + (size_t)w * 4);
  uint8_t *raw = malloc(raw_len);
  for (uint32_t y = 0; y < h; y++) {
    raw[y * (1 + (size_t)w * 4)] = 0;
    memcpy(raw + y * (1 + (size_t)w * 4) + 1, rgba + y * stride, (size_t)w * 4);
  }
  size_t blocks = (raw_len + 65534) / 65535;
  size_t z_len = 2 + raw_len + blocks * 5 + 4;
  uint8_t *z = malloc(z_len), *o = z;
  *o++ = 0x78;
  *o++ = 0x01;
  uint32_t a = 1, b = 0;
  for (size_t off = 0; off < raw_len; off += 65535) {
    size_t n = raw_len - off < 65535 ? raw_len - off : 65535;
    *o++ = off + n == raw_len ? 1 : 0;
    *o++ = (uint8_t)n;
    *o++ = (uint8_t)(n >> 8);
    *o++ = (uint8_t)~n;
    *o++ = (uint8_t)(~n >> 8);
    memcpy(o, raw + off, n);
    o += n;
  }
  for (size_t i = 0; i < raw_len; i++) {
    a = (a + raw[i]) % 65521;
    b = (b + a) % 65521;
  }
  put32(o, (b << 16) | a);
  chunk(f, "IDAT", z, (uint32_t)z_len);
  chunk(f, "IEND", NULL, 0);
  free(raw);
  free(z);
  return fclose(f);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads a number after `"key":` in the style's metadata.bench, if any. */
static int bench_number(const char *json, const char *key, double *out) {
  const char *bench = strstr(json, "\"bench\"");
  if (!bench) return 0;
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *p = strstr(bench, pat);
  if (!p) return 0;
  p = strchr(p, ':');
  if (!p) return 0;
  p++;
  while (*p == ' ' || *p == '[') p++;
  *out = strtod(p, NULL);
  return 1;
}

static int fail(const char *what, mapcore_status st) {
  fprintf(stderr, "render_style: %s failed: %s: %s\n", what, mapcore_status_name(st),
          mapcore_last_error_message());
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s STYLE.json ASSETS_DIR OUT.png [WIDTHxHEIGHT]\n", argv[0]);
    return 2;
  }
  size_t len = 0;
  char *style = read_file(argv[1], &len);
  if (!style) {
    fprintf(stderr, "render_style: cannot read %s\n", argv[1]);
    return 1;
  }
  double w = 512, h = 512;
  bench_number(style, "width", &w);
  bench_number(style, "height", &h);
  if (argc > 4 && sscanf(argv[4], "%lfx%lf", &w, &h) != 2) {
    fprintf(stderr, "render_style: bad size %s (use WIDTHxHEIGHT)\n", argv[4]);
    return 2;
  }

  double t0 = now_ms();
  mapcore_runtime rt = {0};
  mapcore_status st = mapcore_runtime_create(NULL, &rt);
  if (st) return fail("mapcore_runtime_create", st);
  mapcore_resource_provider provider = {sizeof provider, serve_local, NULL, argv[2]};
  mapcore_runtime_set_resource_provider(rt, &provider);
  mapcore_map map = {0};
  if ((st = mapcore_map_create(rt, NULL, &map))) return fail("mapcore_map_create", st);
  mapcore_render_session session = {0};
  st = mapcore_render_session_create_texture(map, (uint32_t)w, (uint32_t)h, 1.0f, &session);
  if (st) return fail("mapcore_render_session_create_texture", st);
  if ((st = mapcore_map_set_style_json(map, style, len))) return fail("mapcore_map_set_style_json", st);
  mapcore_camera cam = mapcore_camera_default();
  cam.fields = 0;
  double v;
  if (bench_number(style, "center", &v)) {
    const char *c = strstr(strstr(style, "\"bench\""), "\"center\"");
    if (sscanf(strchr(c, '[') + 1, "%lf , %lf", &cam.longitude, &cam.latitude) == 2)
      cam.fields |= MAPCORE_CAMERA_CENTER;
  }
  if (bench_number(style, "zoom", &cam.zoom)) cam.fields |= MAPCORE_CAMERA_ZOOM;
  if (cam.fields && (st = mapcore_map_jump_to(map, &cam))) return fail("mapcore_map_jump_to", st);

  if ((st = mapcore_render_session_render_still(session, 60000)))
    return fail("mapcore_render_session_render_still", st);
  double t1 = now_ms();

  const mapcore_event *events = NULL;
  size_t count = 0;
  mapcore_runtime_drain_events(rt, &events, &count);
  for (size_t i = 0; i < count; i++)
    if (events[i].type == MAPCORE_EVENT_RESOURCE_ERROR || events[i].type == MAPCORE_EVENT_TILE_ERROR ||
        events[i].type == MAPCORE_EVENT_STYLE_ERROR)
      fprintf(stderr, "warning: %s %s\n", events[i].url, events[i].message);

  /* re-render of the same view: no loading, parsing or layout */
  double t2 = now_ms();
  const int reps = 5;
  for (int i = 0; i < reps; i++) mapcore_render_session_render_still(session, 0);
  double rerender = (now_ms() - t2) / reps;

  mapcore_image_info info = mapcore_image_info_default();
  mapcore_render_session_read_pixels(session, NULL, 0, &info);
  uint8_t *pixels = malloc(info.byte_length);
  if ((st = mapcore_render_session_read_pixels(session, pixels, info.byte_length, &info)))
    return fail("mapcore_render_session_read_pixels", st);
  if (write_png(argv[3], pixels, info.width, info.height, info.stride) != 0) {
    fprintf(stderr, "render_style: cannot write %s\n", argv[3]);
    return 1;
  }
  printf("%s: %ux%u, first still image %.1f ms, re-render %.1f ms (mean of %d)\n",
         argv[3], info.width, info.height, t1 - t0, rerender, reps);

  free(pixels);
  free(style);
  mapcore_render_session_destroy(session);
  mapcore_map_destroy(map);
  mapcore_runtime_destroy(rt);
  return 0;
}
