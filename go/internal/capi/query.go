package capi

/*
#include "capi.h"

static mc_res_str w_query_rendered(uint64_t m, int has_geometry, uint32_t type, double x1, double y1,
                                    double x2, double y2, const char *opts, size_t len) {
	mapcore_map h = {m};
	mapcore_query_geometry g = mapcore_query_geometry_default();
	g.type = type;
	g.x1 = x1;
	g.y1 = y1;
	g.x2 = x2;
	g.y2 = y2;
	char *out = NULL;
	mapcore_status st = mapcore_map_query_rendered_features(h, has_geometry ? &g : NULL, opts, len, &out);
	return mc_wrap_str(st, out);
}

static mc_res_str w_query_source(uint64_t m, const char *source, const char *layer, const char *filter, size_t len) {
	mapcore_map h = {m};
	char *out = NULL;
	mapcore_status st = mapcore_map_query_source_features(h, source, layer, filter, len, &out);
	return mc_wrap_str(st, out);
}
*/
import "C"

import "unsafe"

// Query geometry kinds (mapcore_query_geometry.type).
const (
	QueryPoint uint32 = C.MAPCORE_QUERY_POINT
	QueryBox   uint32 = C.MAPCORE_QUERY_BOX
)

// QueryGeometry is a point (X1, Y1) or a box (two corners) in logical pixels.
type QueryGeometry struct {
	Type           uint32
	X1, Y1, X2, Y2 float64
}

func qresStr(r C.mc_res_str) ([]byte, Res) {
	if r.st != 0 {
		if r.json != nil { // not written on failure; defensive
			C.mapcore_string_free(r.json)
		}
		return nil, resOf(r.st, r.msg)
	}
	if r.json == nil {
		return nil, Res{}
	}
	b := C.GoBytes(unsafe.Pointer(r.json), C.int(C.strlen(r.json)))
	C.mapcore_string_free(r.json)
	return b, Res{}
}

// MapQueryRenderedFeatures returns the features drawn at g (nil: the whole
// view) as a JSON array; options is the options JSON object (nil: none).
func MapQueryRenderedFeatures(m uint64, g *QueryGeometry, options []byte) ([]byte, Res) {
	var has C.int
	var q QueryGeometry
	if g != nil {
		has, q = 1, *g
	}
	j, n := jsonPtr(options)
	return qresStr(C.w_query_rendered(C.uint64_t(m), has, C.uint32_t(q.Type), C.double(q.X1), C.double(q.Y1),
		C.double(q.X2), C.double(q.Y2), j, n))
}

// MapQuerySourceFeatures returns the features of a source (layer nil for
// GeoJSON sources), optionally filtered, as a JSON array.
func MapQuerySourceFeatures(m uint64, source string, layer *string, filter []byte) ([]byte, Res) {
	cs, a, err := strArgs(&source, layer)
	if err != nil {
		return nil, argError(err)
	}
	defer cs.free()
	j, n := jsonPtr(filter)
	return qresStr(C.w_query_source(C.uint64_t(m), a[0], a[1], j, n))
}
