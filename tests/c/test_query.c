/* Feature queries through the C API: rendered features at a point and in a
 * box, layer and filter options, source features, and their errors. */
#include "render_util.h"

#define JSON(s) (s), strlen(s)

static const char *STYLE =
    "{\"version\":8,\"center\":[0,0],\"zoom\":0,\"sources\":{"
    "\"s\":{\"type\":\"geojson\",\"data\":{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"id\":1,\"properties\":{\"name\":\"square\"},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[-20,-20],[20,-20],[20,20],[-20,20],[-20,-20]]]}},"
    "{\"type\":\"Feature\",\"id\":2,\"properties\":{\"name\":\"dot\"},\"geometry\":{\"type\":\"Point\","
    "\"coordinates\":[0,0]}}]}}},"
    "\"layers\":["
    "{\"id\":\"area\",\"type\":\"fill\",\"source\":\"s\",\"filter\":[\"==\",\"$type\",\"Polygon\"]},"
    "{\"id\":\"dots\",\"type\":\"circle\",\"source\":\"s\",\"filter\":[\"==\",\"$type\",\"Point\"],"
    "\"paint\":{\"circle-radius\":4}}]}";

static int count(const char *json, const char *needle) {
  int n = 0;
  for (const char *p = json; (p = strstr(p, needle)) != NULL; p++) n++;
  return n;
}

int main(void) {
  test_map t;
  test_map_open(&t, 64, 64);
  char *json = NULL;
  mapcore_query_geometry at = mapcore_query_geometry_default();
  CHECK_STATUS(mapcore_map_query_rendered_features(t.map, &at, NULL, 0, &json), MAPCORE_STATUS_INVALID_STATE);
  CHECK_OK(test_map_render(&t, STYLE));

  /* the centre: the dot (top layer) first, then the square */
  at.x1 = 32;
  at.y1 = 32;
  CHECK_OK(mapcore_map_query_rendered_features(t.map, &at, NULL, 0, &json));
  CHECK(json && count(json, "\"type\":\"Feature\"") == 2);
  CHECK(json && strstr(json, "dot") && strstr(json, "square") && strstr(json, "dot") < strstr(json, "square"));
  CHECK(json && strstr(json, "\"source\":\"s\""));
  char *again = json;
  CHECK_STATUS(mapcore_map_query_rendered_features(t.map, &at, NULL, 0, &again), MAPCORE_STATUS_INVALID_ARGUMENT);
  mapcore_string_free(json);
  json = NULL;

  /* a corner away from the dot, inside the square */
  at.x1 = 22;
  at.y1 = 22;
  CHECK_OK(mapcore_map_query_rendered_features(t.map, &at, NULL, 0, &json));
  CHECK(json && count(json, "\"type\":\"Feature\"") == 1 && strstr(json, "square"));
  mapcore_string_free(json);
  json = NULL;

  /* outside everything */
  at.x1 = 2;
  at.y1 = 2;
  CHECK_OK(mapcore_map_query_rendered_features(t.map, &at, NULL, 0, &json));
  CHECK(json && strcmp(json, "[]") == 0);
  mapcore_string_free(json);
  json = NULL;

  /* a box, restricted to one layer; the whole view */
  mapcore_query_geometry box = mapcore_query_geometry_default();
  box.type = MAPCORE_QUERY_BOX;
  box.x1 = 0;
  box.y1 = 0;
  box.x2 = 64;
  box.y2 = 64;
  CHECK_OK(mapcore_map_query_rendered_features(t.map, &box, JSON("{\"layers\":[\"dots\"]}"), &json));
  CHECK(json && count(json, "\"type\":\"Feature\"") == 1 && strstr(json, "dot"));
  mapcore_string_free(json);
  json = NULL;
  CHECK_OK(mapcore_map_query_rendered_features(t.map, NULL, JSON("{\"filter\":[\"==\",\"name\",\"square\"]}"), &json));
  CHECK(json && count(json, "\"type\":\"Feature\"") == 1 && strstr(json, "square"));
  mapcore_string_free(json);
  json = NULL;

  /* errors */
  CHECK_STATUS(mapcore_map_query_rendered_features(t.map, &box, JSON("{\"layers\":[\"nope\"]}"), &json),
               MAPCORE_STATUS_NOT_FOUND);
  CHECK_DIAG("nope");
  CHECK_STATUS(mapcore_map_query_rendered_features(t.map, &box, JSON("{\"filter\":[\"==\",1]}"), &json),
               MAPCORE_STATUS_PARSE_ERROR);
  CHECK_STATUS(mapcore_map_query_rendered_features(t.map, &box, JSON("{\"layers\":"), &json),
               MAPCORE_STATUS_INVALID_ARGUMENT);
  box.type = 7;
  CHECK_STATUS(mapcore_map_query_rendered_features(t.map, &box, NULL, 0, &json), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK_DIAG("type");
  at.x1 = 0.0 / 0.0;
  CHECK_STATUS(mapcore_map_query_rendered_features(t.map, &at, NULL, 0, &json), MAPCORE_STATUS_INVALID_ARGUMENT);
  CHECK(json == NULL);

  /* source features */
  CHECK_OK(mapcore_map_query_source_features(t.map, "s", NULL, NULL, 0, &json));
  CHECK(json && count(json, "\"type\":\"Feature\"") == 2);
  mapcore_string_free(json);
  json = NULL;
  CHECK_OK(mapcore_map_query_source_features(t.map, "s", NULL, JSON("[\"==\",\"$type\",\"Point\"]"), &json));
  CHECK(json && count(json, "\"type\":\"Feature\"") == 1 && strstr(json, "dot"));
  mapcore_string_free(json);
  json = NULL;
  CHECK_STATUS(mapcore_map_query_source_features(t.map, "nope", NULL, NULL, 0, &json), MAPCORE_STATUS_NOT_FOUND);
  CHECK_STATUS(mapcore_map_query_source_features(t.map, NULL, NULL, NULL, 0, &json), MAPCORE_STATUS_INVALID_ARGUMENT);

  test_map_close(&t);
  return harness_finish("test_query");
}
