/* Local fonts: labels without a glyph server, fonts added by bytes and by
 * path (only under the allowed roots), hostile font bytes refused, and the
 * INFO event of a substitution. Runs from the repository root (fixtures). */
#include "render_util.h"

#define LABEL_STYLE(FONT)                                                               \
  "{\"version\": 8, \"center\": [0, 0], \"zoom\": 0,"                                   \
  " \"sources\": {\"p\": {\"type\": \"geojson\", \"data\": {\"type\": \"Feature\","     \
  " \"properties\": {\"name\": \"Hamburg\"}, \"geometry\": {\"type\": \"Point\","       \
  " \"coordinates\": [0, 0]}}}},"                                                       \
  " \"layers\": [{\"id\": \"bg\", \"type\": \"background\","                            \
  " \"paint\": {\"background-color\": \"white\"}},"                                     \
  " {\"id\": \"t\", \"type\": \"symbol\", \"source\": \"p\", \"layout\": {"             \
  " \"text-field\": [\"get\", \"name\"], \"text-font\": [\"" FONT "\"],"                \
  " \"text-size\": 24}, \"paint\": {\"text-color\": \"black\"}}]}"

static int dark_pixels(const test_map *t) {
  int n = 0;
  for (uint32_t y = 0; y < t->info.height; y++)
    for (uint32_t x = 0; x < t->info.width; x++) {
      const uint8_t *p = test_map_pixel(t, x, y);
      if (p[0] < 96 && p[3] > 200) n++;
    }
  return n;
}

#define FIXTURE_FONT "tests/fixtures/fonts/OpenSans-Semibold-Latin1.ttf"
/* The same font with CFF (cubic) outlines: tools/fonts/make_cff.py. */
#define FIXTURE_CFF_FONT "tests/fixtures/fonts/OpenSans-Semibold-Latin1-CFF.otf"

/* Adds the font file at `path` (one face) and draws the label with it. The
 * face is now local: no substitution to tell. */
static void check_label_with_font_file(test_map *t, const char *path) {
  size_t faces = 0;
  CHECK_OK(mapcore_runtime_add_font_file(t->rt, path, &faces));
  CHECK(faces == 1);
  CHECK_OK(test_map_render(t, LABEL_STYLE("Open Sans Semibold")));
  CHECK(dark_pixels(t) > 150);
  CHECK(count_events(t->rt, MAPCORE_EVENT_INFO, NULL) == 0);
}

int main(void) {
  /* No glyphs URL: the bundled Noto Sans draws the label; one INFO event. */
  {
    test_map t;
    test_map_open(&t, 160, 64);
    CHECK_OK(test_map_render(&t, LABEL_STYLE("Open Sans Semibold")));
    CHECK(dark_pixels(&t) > 150);
    test_map_close(&t);
  }
  {
    test_map t;
    test_map_open(&t, 160, 64);
    CHECK_OK(test_map_render(&t, LABEL_STYLE("Open Sans Semibold")));
    const mapcore_event *ev = NULL;
    size_t n = 0;
    CHECK_OK(mapcore_runtime_drain_events(t.rt, &ev, &n));
    int infos = 0, warnings = 0;
    for (size_t i = 0; i < n; i++) {
      if (ev[i].type == MAPCORE_EVENT_INFO && strstr(ev[i].message, "Noto Sans Bold")) infos++;
      if (ev[i].type == MAPCORE_EVENT_WARNING) warnings++;
    }
    CHECK(infos == 1);
    CHECK(warnings == 0);
    test_map_close(&t);
  }

  /* Glyph URLs only: no text, as MapLibre. */
  {
    mapcore_runtime_options o = mapcore_runtime_options_default();
    o.glyphs_mode = MAPCORE_GLYPHS_URL_ONLY;
    test_map t;
    test_map_open_with(&t, 160, 64, &o);
    CHECK_OK(test_map_render(&t, LABEL_STYLE("Open Sans Semibold")));
    CHECK(dark_pixels(&t) == 0);
    test_map_close(&t);
    o.glyphs_mode = 7;
    mapcore_runtime rt = {0};
    CHECK_STATUS(mapcore_runtime_create(&o, &rt), MAPCORE_STATUS_INVALID_ARGUMENT);
    CHECK_DIAG("glyphs_mode");
  }

  /* Fonts by bytes and by path. */
  {
    test_map t;
    test_map_open_with_root(&t, 160, 64, "tests/fixtures");
    size_t faces = 99;
    CHECK_STATUS(mapcore_runtime_add_font(t.rt, "not a font", 10, &faces), MAPCORE_STATUS_PARSE_ERROR);
    CHECK_DIAG("not a usable");
    CHECK(faces == 99);
    CHECK_STATUS(mapcore_runtime_add_font(t.rt, NULL, 10, NULL), MAPCORE_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(mapcore_runtime_add_font_file(t.rt, "/etc/passwd", NULL), MAPCORE_STATUS_IO_ERROR);
    CHECK_DIAG("allowed_roots");
    size_t len = 0;
    char *bytes = read_file(FIXTURE_FONT, &len);
    CHECK(bytes != NULL);
    if (bytes) {
      /* Truncated: refused, no crash. */
      CHECK_STATUS(mapcore_runtime_add_font(t.rt, bytes, len / 4, NULL), MAPCORE_STATUS_PARSE_ERROR);
      CHECK_OK(mapcore_runtime_add_font(t.rt, bytes, len, &faces));
      CHECK(faces == 1);
      free(bytes);
    }
    check_label_with_font_file(&t, FIXTURE_FONT);
    test_map_close(&t);
  }

  /* An OpenType font with CFF outlines draws the label too. */
  {
    test_map t;
    test_map_open_with_root(&t, 160, 64, "tests/fixtures");
    check_label_with_font_file(&t, FIXTURE_CFF_FONT);
    test_map_close(&t);
  }

  /* Font folders in the options; a missing one fails creation. */
  {
    mapcore_runtime_options o = mapcore_runtime_options_default();
    const char *fonts[] = {"tests/fixtures/fonts"};
    o.font_paths = fonts;
    o.font_path_count = 1;
    o.glyphs_mode = MAPCORE_GLYPHS_LOCAL_FIRST;
    test_map t;
    test_map_open_with(&t, 160, 64, &o);
    CHECK_OK(test_map_render(&t, LABEL_STYLE("Open Sans Semibold")));
    CHECK(dark_pixels(&t) > 150);
    CHECK(count_events(t.rt, MAPCORE_EVENT_INFO, NULL) == 0);
    test_map_close(&t);
    const char *missing[] = {"tests/fixtures/fonts/none.ttf"};
    o.font_paths = missing;
    mapcore_runtime rt = {0};
    CHECK_STATUS(mapcore_runtime_create(&o, &rt), MAPCORE_STATUS_IO_ERROR);
    CHECK_DIAG("none.ttf");
  }
  return harness_finish("test_fonts");
}
