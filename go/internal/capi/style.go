package capi

/*
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "capi.h"

typedef struct mc_res_xy { int32_t st; char *msg; double x, y; } mc_res_xy;

static mc_res w_set_feature_state(uint64_t m, const char *src, const char *layer, const char *id, const char *json, size_t len) {
	mapcore_map h = {m};
	return mc_wrap(mapcore_map_set_feature_state(h, src, layer, id, json, len));
}
static mc_res_str w_get_feature_state(uint64_t m, const char *src, const char *layer, const char *id) {
	mapcore_map h = {m};
	char *out = NULL;
	mapcore_status st = mapcore_map_get_feature_state(h, src, layer, id, &out);
	return mc_wrap_str(st, out);
}
static mc_res w_remove_feature_state(uint64_t m, const char *src, const char *layer, const char *id, const char *key) {
	mapcore_map h = {m};
	return mc_wrap(mapcore_map_remove_feature_state(h, src, layer, id, key));
}
static mc_res_xy w_pixel_for_lnglat(uint64_t m, double lon, double lat) {
	mapcore_map h = {m};
	mc_res_xy r = {0, NULL, 0, 0};
	mapcore_status st = mapcore_map_pixel_for_lnglat(h, lon, lat, &r.x, &r.y);
	r.st = (int32_t)st;
	r.msg = mc_copy_message(st);
	return r;
}
static mc_res_xy w_lnglat_for_pixel(uint64_t m, double x, double y) {
	mapcore_map h = {m};
	mc_res_xy r = {0, NULL, 0, 0};
	mapcore_status st = mapcore_map_lnglat_for_pixel(h, x, y, &r.x, &r.y);
	r.st = (int32_t)st;
	r.msg = mc_copy_message(st);
	return r;
}
static mc_res w_add_source(uint64_t m, const char *id, const char *json, size_t len) {
	mapcore_map h = {m};
	return mc_wrap(mapcore_map_add_source(h, id, json, len));
}
static mc_res w_remove_source(uint64_t m, const char *id) {
	mapcore_map h = {m};
	return mc_wrap(mapcore_map_remove_source(h, id));
}
static mc_res w_add_layer(uint64_t m, const char *json, size_t len, const char *before) {
	mapcore_map h = {m};
	return mc_wrap(mapcore_map_add_layer(h, json, len, before));
}
static mc_res w_remove_layer(uint64_t m, const char *id) {
	mapcore_map h = {m};
	return mc_wrap(mapcore_map_remove_layer(h, id));
}
static mc_res w_set_property(uint64_t m, int layout, const char *layer, const char *name, const char *json, size_t len) {
	mapcore_map h = {m};
	if (layout) return mc_wrap(mapcore_map_set_layout_property(h, layer, name, json, len));
	return mc_wrap(mapcore_map_set_paint_property(h, layer, name, json, len));
}
static mc_res_str w_get_property(uint64_t m, int layout, const char *layer, const char *name) {
	mapcore_map h = {m};
	char *out = NULL;
	mapcore_status st = layout ? mapcore_map_get_layout_property(h, layer, name, &out)
	                           : mapcore_map_get_paint_property(h, layer, name, &out);
	return mc_wrap_str(st, out);
}
static mc_res w_set_filter(uint64_t m, const char *layer, const char *json, size_t len) {
	mapcore_map h = {m};
	return mc_wrap(mapcore_map_set_filter(h, layer, json, len));
}
// mapcore_map_add_image reads `hgt` rows of `stride` bytes (the last one
// 4*w) from `rgba` and takes no length: check the length here first. (Sizes
// and strides it rejects itself, before reading, pass through.)
static mc_res w_add_image(uint64_t m, const char *id, const uint8_t *rgba, size_t len, uint32_t w, uint32_t hgt, size_t stride,
		float ratio, int sdf, const float *sx, size_t nsx, const float *sy, size_t nsy, const float *content) {
	if (w > 0 && hgt > 0 && stride / 4 >= (size_t)w) {
		size_t row = (size_t)w * 4, rows = (size_t)hgt - 1;
		int overflow = rows > 0 && stride > (SIZE_MAX - row) / rows;
		size_t need = overflow ? SIZE_MAX : stride * rows + row;
		if (rgba == NULL || len < need) {
			mc_res r = {MAPCORE_STATUS_INVALID_ARGUMENT, (char *)malloc(160)};
			if (r.msg != NULL)
				snprintf(r.msg, 160, "`rgba` holds %zu bytes; %u rows of stride %zu need %zu", len, hgt, stride, need);
			return r;
		}
	}
	mapcore_map h = {m};
	mapcore_image_options o = mapcore_image_options_default();
	o.pixel_ratio = ratio;
	o.sdf = sdf != 0;
	o.stretch_x = sx;
	o.stretch_x_count = nsx;
	o.stretch_y = sy;
	o.stretch_y_count = nsy;
	if (content != NULL) {
		o.has_content = true;
		memcpy(o.content, content, sizeof o.content);
	}
	return mc_wrap(mapcore_map_add_image_with_options(h, id, rgba, w, hgt, stride, &o));
}
static mc_res w_remove_image(uint64_t m, const char *id) {
	mapcore_map h = {m};
	return mc_wrap(mapcore_map_remove_image(h, id));
}
static mc_res_str w_get_style_json(uint64_t m) {
	mapcore_map h = {m};
	char *out = NULL;
	mapcore_status st = mapcore_map_get_style_json(h, &out);
	return mc_wrap_str(st, out);
}
*/
import "C"

import (
	"unsafe"

	"mapcore.dev/mapcore/go/internal/memory"
)

// cstrs converts string arguments to C strings (NUL-checked before any C
// call). An argument that is nil stays a NULL pointer.
type cstrs struct{ ptrs []unsafe.Pointer }

func (c *cstrs) add(s *string) (*C.char, error) {
	if s == nil {
		return nil, nil
	}
	p, err := memory.CString(*s)
	if err != nil {
		return nil, err
	}
	c.ptrs = append(c.ptrs, p)
	return (*C.char)(p), nil
}

func (c *cstrs) free() {
	for _, p := range c.ptrs {
		memory.Free(p)
	}
}

// strArgs converts up to four optional strings.
func strArgs(ss ...*string) (cs cstrs, out [4]*C.char, err error) {
	for i, s := range ss {
		if out[i], err = cs.add(s); err != nil {
			cs.free()
			return cstrs{}, out, err
		}
	}
	return cs, out, nil
}

func sres(r C.mc_res) Res {
	if r.st == 0 {
		return Res{}
	}
	return Res{St: int32(r.st), Msg: takeMsg(r.msg)}
}

func sresStr(r C.mc_res_str) ([]byte, Res) {
	if r.st != 0 {
		return nil, Res{St: int32(r.st), Msg: takeMsg(r.msg)}
	}
	if r.json == nil {
		return nil, Res{}
	}
	b := C.GoBytes(unsafe.Pointer(r.json), C.int(C.strlen(r.json)))
	C.mapcore_string_free(r.json)
	return b, Res{}
}

func jsonPtr(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// Opt returns &s, or nil for "" (a NULL argument).
func Opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// MapSetFeatureState merges state JSON into a feature's state.
func MapSetFeatureState(m uint64, source, layer, id *string, json []byte) Res {
	cs, a, err := strArgs(source, layer, id)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	j, n := jsonPtr(json)
	return sres(C.w_set_feature_state(C.uint64_t(m), a[0], a[1], a[2], j, n))
}

// MapGetFeatureState returns a feature's state JSON.
func MapGetFeatureState(m uint64, source, layer, id *string) ([]byte, Res) {
	cs, a, err := strArgs(source, layer, id)
	if err != nil {
		return nil, argError(err)
	}
	defer cs.free()
	return sresStr(C.w_get_feature_state(C.uint64_t(m), a[0], a[1], a[2]))
}

// MapRemoveFeatureState removes feature state.
func MapRemoveFeatureState(m uint64, source, layer, id, key *string) Res {
	cs, a, err := strArgs(source, layer, id, key)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	return sres(C.w_remove_feature_state(C.uint64_t(m), a[0], a[1], a[2], a[3]))
}

// MapPixelForLngLat projects a point to view pixels.
func MapPixelForLngLat(m uint64, lon, lat float64) (float64, float64, Res) {
	r := C.w_pixel_for_lnglat(C.uint64_t(m), C.double(lon), C.double(lat))
	return float64(r.x), float64(r.y), resOf(r.st, r.msg)
}

// MapLngLatForPixel unprojects a view position.
func MapLngLatForPixel(m uint64, x, y float64) (float64, float64, Res) {
	r := C.w_lnglat_for_pixel(C.uint64_t(m), C.double(x), C.double(y))
	return float64(r.x), float64(r.y), resOf(r.st, r.msg)
}

// MapAddSource adds a source.
func MapAddSource(m uint64, id string, json []byte) Res {
	cs, a, err := strArgs(&id)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	j, n := jsonPtr(json)
	return sres(C.w_add_source(C.uint64_t(m), a[0], j, n))
}

// MapRemoveSource removes a source.
func MapRemoveSource(m uint64, id string) Res {
	cs, a, err := strArgs(&id)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	return sres(C.w_remove_source(C.uint64_t(m), a[0]))
}

// MapAddLayer adds a layer below before (nil: on top).
func MapAddLayer(m uint64, json []byte, before *string) Res {
	cs, a, err := strArgs(before)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	j, n := jsonPtr(json)
	return sres(C.w_add_layer(C.uint64_t(m), j, n, a[0]))
}

// MapRemoveLayer removes a layer.
func MapRemoveLayer(m uint64, id string) Res {
	cs, a, err := strArgs(&id)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	return sres(C.w_remove_layer(C.uint64_t(m), a[0]))
}

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// MapSetProperty sets a paint (layout false) or layout property.
func MapSetProperty(m uint64, layout bool, layer, name string, json []byte) Res {
	cs, a, err := strArgs(&layer, &name)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	j, n := jsonPtr(json)
	return sres(C.w_set_property(C.uint64_t(m), boolInt(layout), a[0], a[1], j, n))
}

// MapGetProperty reads a paint or layout property as JSON.
func MapGetProperty(m uint64, layout bool, layer, name string) ([]byte, Res) {
	cs, a, err := strArgs(&layer, &name)
	if err != nil {
		return nil, argError(err)
	}
	defer cs.free()
	return sresStr(C.w_get_property(C.uint64_t(m), boolInt(layout), a[0], a[1]))
}

// MapSetFilter sets (nil json: removes) a layer's filter.
func MapSetFilter(m uint64, layer string, json []byte) Res {
	cs, a, err := strArgs(&layer)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	j, n := jsonPtr(json)
	return sres(C.w_set_filter(C.uint64_t(m), a[0], j, n))
}

// ImageOpts are an added image's options: density, SDF, and stretch zones
// ([from, to] pairs) and content box (nil: none) for stretchable images.
type ImageOpts struct {
	Ratio              float32
	SDF                bool
	StretchX, StretchY [][2]float32
	Content            *[4]float32
}

func zonesPtr(z [][2]float32) (*C.float, C.size_t) {
	if len(z) == 0 {
		return nil, 0
	}
	return (*C.float)(unsafe.Pointer(&z[0][0])), C.size_t(len(z))
}

// MapAddImage adds or replaces an image (pixels copied): h rows of stride
// bytes from rgba, whose length is checked before the C call.
func MapAddImage(m uint64, id string, rgba []byte, w, h uint32, stride int, o ImageOpts) Res {
	cs, a, err := strArgs(&id)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	sx, nsx := zonesPtr(o.StretchX)
	sy, nsy := zonesPtr(o.StretchY)
	var content *C.float
	if o.Content != nil {
		content = (*C.float)(unsafe.Pointer(&o.Content[0]))
	}
	return sres(C.w_add_image(C.uint64_t(m), a[0], bufPtr(rgba), C.size_t(len(rgba)), C.uint32_t(w), C.uint32_t(h),
		C.size_t(stride), C.float(o.Ratio), boolInt(o.SDF), sx, nsx, sy, nsy, content))
}

// MapRemoveImage removes an image.
func MapRemoveImage(m uint64, id string) Res {
	cs, a, err := strArgs(&id)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	return sres(C.w_remove_image(C.uint64_t(m), a[0]))
}

// MapGetStyleJSON returns the current style JSON.
func MapGetStyleJSON(m uint64) ([]byte, Res) {
	return sresStr(C.w_get_style_json(C.uint64_t(m)))
}
