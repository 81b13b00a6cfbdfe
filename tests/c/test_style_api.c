/* Runtime styling through the C API: sources, layers, properties, filters,
 * images, style JSON; invalid edits leave the map unchanged. */
#include "render_util.h"

#define JSON(s) (s), strlen(s)

static const char *BASE =
    "{\"version\":8,\"center\":[0,0],\"zoom\":0,\"sources\":{},\"layers\":["
    "{\"id\":\"bg\",\"type\":\"background\",\"paint\":{\"background-color\":\"#000080\"}}]}";

static const char *SQUARE =
    "{\"type\":\"geojson\",\"data\":{\"type\":\"Feature\",\"properties\":{\"n\":1},"
    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[-20,-20],[20,-20],[20,20],[-20,20],[-20,-20]]]}}}";

static void render(test_map *t) {
  CHECK_OK(mapcore_render_session_render_still(t->session, 20000));
  CHECK_OK(mapcore_render_session_read_pixels(t->session, t->pixels, t->info.byte_length, NULL));
}

int main(void) {
  test_map t;
  test_map_open(&t, 64, 64);
  /* edits need a style */
  CHECK_STATUS(mapcore_map_remove_layer(t.map, "bg"), MAPCORE_STATUS_INVALID_STATE);
  CHECK_OK(test_map_render(&t, BASE));
  CHECK_PIXEL(&t, 32, 32, 0, 0, 128, 255, 0);

  /* sources */
  CHECK_OK(mapcore_map_add_source(t.map, "sq", JSON(SQUARE)));
  CHECK_STATUS(mapcore_map_add_source(t.map, "sq", JSON(SQUARE)), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("already a source \"sq\"");
  CHECK_STATUS(mapcore_map_add_source(t.map, "bad", JSON("{\"type\":\"nope\"}")), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("nope");
  CHECK_STATUS(mapcore_map_add_source(t.map, "bad", JSON("{\"type\":")), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("not valid JSON");
  CHECK_STATUS(mapcore_map_remove_source(t.map, "missing"), MAPCORE_STATUS_NOT_FOUND);

  /* layers */
  const char *fill = "{\"id\":\"sq\",\"type\":\"fill\",\"source\":\"sq\",\"paint\":{\"fill-color\":\"#ff0000\"}}";
  CHECK_STATUS(mapcore_map_add_layer(t.map, JSON(fill), "missing"), MAPCORE_STATUS_NOT_FOUND);
  CHECK_DIAG("missing");
  CHECK_OK(mapcore_map_add_layer(t.map, JSON(fill), NULL));
  CHECK_STATUS(mapcore_map_add_layer(t.map, JSON(fill), NULL), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("already a layer");
  const char *orphan = "{\"id\":\"o\",\"type\":\"line\",\"source\":\"none\"}";
  CHECK_STATUS(mapcore_map_add_layer(t.map, JSON(orphan), NULL), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("no source \"none\"");
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 255, 0, 0, 255, 0);
  CHECK_PIXEL(&t, 2, 2, 0, 0, 128, 255, 0);
  CHECK_STATUS(mapcore_map_remove_source(t.map, "sq"), MAPCORE_STATUS_INVALID_STATE);
  CHECK_DIAG("layer \"sq\" uses it");

  /* paint properties: set, get, invalid values leave the map unchanged */
  CHECK_OK(mapcore_map_set_paint_property(t.map, "sq", "fill-color", JSON("\"#00ff00\"")));
  char *value = NULL;
  CHECK_OK(mapcore_map_get_paint_property(t.map, "sq", "fill-color", &value));
  CHECK(value && strcmp(value, "\"#00ff00\"") == 0);
  char *again = value;
  CHECK_STATUS(mapcore_map_get_paint_property(t.map, "sq", "fill-color", &again), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_OK(mapcore_string_free(value));
  value = NULL;
  CHECK_OK(mapcore_map_get_paint_property(t.map, "sq", "fill-opacity", &value));
  CHECK(value && strcmp(value, "null") == 0);
  mapcore_string_free(value);
  value = NULL;
  CHECK_STATUS(mapcore_map_set_paint_property(t.map, "sq", "fill-color", JSON("42")), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("layer \"sq\"");
  CHECK_DIAG("fill-color");
  CHECK_DIAG("expected color");
  CHECK_STATUS(mapcore_map_set_paint_property(t.map, "sq", "fill-colour", JSON("\"red\"")), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("\"fill-colour\" is not a paint property of fill layers");
  CHECK_STATUS(mapcore_map_set_paint_property(t.map, "nope", "fill-color", JSON("\"red\"")), MAPCORE_STATUS_NOT_FOUND);
  CHECK_STATUS(mapcore_map_set_paint_property(t.map, "sq", "fill-opacity", JSON("[\"get\"")), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("not valid JSON");
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 0, 255, 0, 255, 0);
  /* an expression, and null resetting to the default */
  CHECK_OK(mapcore_map_set_paint_property(t.map, "sq", "fill-color",
                                          JSON("[\"case\",[\"==\",[\"get\",\"n\"],1],\"#ffff00\",\"#000000\"]")));
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 255, 255, 0, 255, 0);
  CHECK_OK(mapcore_map_set_paint_property(t.map, "sq", "fill-color", JSON("null")));
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 0, 0, 0, 255, 0); /* default fill-color is black */

  /* layout: visibility */
  CHECK_OK(mapcore_map_set_layout_property(t.map, "sq", "visibility", JSON("\"none\"")));
  CHECK_OK(mapcore_map_get_layout_property(t.map, "sq", "visibility", &value));
  CHECK(value && strcmp(value, "\"none\"") == 0);
  mapcore_string_free(value);
  value = NULL;
  CHECK_STATUS(mapcore_map_set_layout_property(t.map, "sq", "visibility", JSON("\"hidden\"")), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("visibility");
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 0, 0, 128, 255, 0);
  CHECK_OK(mapcore_map_set_layout_property(t.map, "sq", "visibility", JSON("\"visible\"")));

  /* filters */
  CHECK_OK(mapcore_map_set_filter(t.map, "sq", JSON("[\"==\",\"n\",2]")));
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 0, 0, 128, 255, 0);
  CHECK_STATUS(mapcore_map_set_filter(t.map, "sq", JSON("[\"==\",[\"get\",\"n\"]]")), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("layer \"sq\"");
  CHECK_OK(mapcore_map_set_filter(t.map, "sq", NULL, 0));
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 0, 0, 0, 255, 0);

  /* layer order: a layer added below "sq" is hidden by it */
  const char *under = "{\"id\":\"under\",\"type\":\"background\",\"paint\":{\"background-color\":\"#ffffff\"}}";
  CHECK_OK(mapcore_map_add_layer(t.map, JSON(under), "sq"));
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 0, 0, 0, 255, 0);
  CHECK_PIXEL(&t, 2, 2, 255, 255, 255, 255, 0);

  /* style JSON reflects the edits */
  char *style = NULL;
  CHECK_OK(mapcore_map_get_style_json(t.map, &style));
  CHECK(style && strstr(style, "\"under\"") && strstr(style, "\"sq\"") && !strstr(style, "fill-color"));
  mapcore_string_free(style);

  /* removals */
  CHECK_OK(mapcore_map_remove_layer(t.map, "sq"));
  CHECK_STATUS(mapcore_map_remove_layer(t.map, "sq"), MAPCORE_STATUS_NOT_FOUND);
  CHECK_OK(mapcore_map_remove_source(t.map, "sq"));
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 255, 255, 255, 255, 0);

  /* images */
  uint8_t px[4 * 4 * 4];
  memset(px, 255, sizeof px);
  CHECK_OK(mapcore_map_add_image(t.map, "dot", px, 4, 4, 16, 2.0f, false));
  CHECK_STATUS(mapcore_map_add_image(t.map, "dot", px, 4, 4, 8, 1.0f, false), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("stride");
  CHECK_STATUS(mapcore_map_add_image(t.map, "dot", NULL, 4, 4, 16, 1.0f, false), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(mapcore_map_add_image(t.map, "dot", px, 4, 4, 16, 0.0f, false), MAPCORE_STATUS_INVALID_ARGUMENT);
  /* stretchable images: zones and content box checked, the field named */
  uint8_t big[16 * 8 * 4];
  memset(big, 200, sizeof big);
  mapcore_image_options io = mapcore_image_options_default();
  CHECK(io.size == sizeof io && io.pixel_ratio == 1.0f && !io.sdf && !io.has_content);
  CHECK_OK(mapcore_map_add_image_with_options(t.map, "pill", big, 16, 8, 64, NULL));
  const float zx[4] = {2, 6, 10, 14}, zy[2] = {2, 6};
  io.stretch_x = zx;
  io.stretch_x_count = 2;
  io.stretch_y = zy;
  io.stretch_y_count = 1;
  io.has_content = true;
  io.content[0] = 2, io.content[1] = 2, io.content[2] = 14, io.content[3] = 6;
  CHECK_OK(mapcore_map_add_image_with_options(t.map, "pill", big, 16, 8, 64, &io));
  const float overlap[4] = {2, 8, 6, 10}, outside[2] = {2, 17};
  io.stretch_x = overlap;
  CHECK_STATUS(mapcore_map_add_image_with_options(t.map, "pill", big, 16, 8, 64, &io), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("options->stretch_x");
  io.stretch_x = outside;
  io.stretch_x_count = 1;
  CHECK_STATUS(mapcore_map_add_image_with_options(t.map, "pill", big, 16, 8, 64, &io), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("options->stretch_x");
  io.stretch_x = zx;
  io.stretch_y = outside; /* 17 > the 8 rows */
  CHECK_STATUS(mapcore_map_add_image_with_options(t.map, "pill", big, 16, 8, 64, &io), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("options->stretch_y");
  io.stretch_y = NULL;
  CHECK_STATUS(mapcore_map_add_image_with_options(t.map, "pill", big, 16, 8, 64, &io), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("options->stretch_y");
  io.stretch_y = zy;
  io.content[3] = 9; /* below the image */
  CHECK_STATUS(mapcore_map_add_image_with_options(t.map, "pill", big, 16, 8, 64, &io), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("options->content");
  io.content[3] = 6;
  io.pixel_ratio = 0;
  CHECK_STATUS(mapcore_map_add_image_with_options(t.map, "pill", big, 16, 8, 64, &io), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("options->pixel_ratio");
  CHECK_OK(mapcore_map_remove_image(t.map, "pill"));
  CHECK_OK(mapcore_map_remove_image(t.map, "dot"));
  CHECK_STATUS(mapcore_map_remove_image(t.map, "dot"), MAPCORE_STATUS_NOT_FOUND);
  CHECK_OK(mapcore_string_free(NULL));

  /* feature state drives a feature-state expression */
  const char *stateful =
      "{\"type\":\"geojson\",\"data\":{\"type\":\"Feature\",\"id\":7,\"properties\":{},"
      "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[-20,-20],[20,-20],[20,20],[-20,20],[-20,-20]]]}}}";
  CHECK_OK(mapcore_map_add_source(t.map, "st", JSON(stateful)));
  const char *hover =
      "{\"id\":\"hover\",\"type\":\"fill\",\"source\":\"st\",\"paint\":{\"fill-color\":"
      "[\"case\",[\"boolean\",[\"feature-state\",\"hover\"],false],\"#ff00ff\",\"#00ffff\"]}}";
  CHECK_OK(mapcore_map_add_layer(t.map, JSON(hover), NULL));
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 0, 255, 255, 255, 0);
  CHECK_OK(mapcore_map_set_feature_state(t.map, "st", NULL, "7", JSON("{\"hover\":true}")));
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 255, 0, 255, 255, 0);
  char *state = NULL;
  CHECK_OK(mapcore_map_get_feature_state(t.map, "st", NULL, "7", &state));
  CHECK(state && strcmp(state, "{\"hover\":true}") == 0);
  mapcore_string_free(state);
  CHECK_STATUS(mapcore_map_set_feature_state(t.map, "st", NULL, "7", JSON("[1]")), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("JSON object");
  CHECK_STATUS(mapcore_map_set_feature_state(t.map, "nope", NULL, "7", JSON("{}")), MAPCORE_STATUS_NOT_FOUND);
  CHECK_OK(mapcore_map_remove_feature_state(t.map, "st", NULL, "7", "hover"));
  render(&t);
  CHECK_PIXEL(&t, 32, 32, 0, 255, 255, 255, 0);
  CHECK_OK(mapcore_map_set_feature_state(t.map, "st", "", "7", JSON("{\"hover\":true}")));
  CHECK_OK(mapcore_map_remove_feature_state(t.map, "st", NULL, NULL, NULL));
  state = NULL;
  CHECK_OK(mapcore_map_get_feature_state(t.map, "st", NULL, "7", &state));
  CHECK(state && strcmp(state, "{}") == 0);
  mapcore_string_free(state);

  test_map_close(&t);
  return harness_finish("test_style_api");
}
