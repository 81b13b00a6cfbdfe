package capi

/*
#include "capi.h"

typedef struct mc_res_fit { int32_t st; char *msg; mapcore_camera cam; } mc_res_fit;

static mc_res_fit w_map_camera_for_bounds(uint64_t h, double w, double s, double e, double n,
		double top, double right, double bottom, double left, double bearing, double pitch) {
	mapcore_map m = {h};
	mapcore_edge_insets pad = {top, right, bottom, left};
	mc_res_fit r;
	memset(&r, 0, sizeof r);
	r.cam = mapcore_camera_default();
	mapcore_status st = mapcore_map_camera_for_bounds(m, w, s, e, n, &pad, bearing, pitch, &r.cam);
	r.st = (int32_t)st;
	r.msg = mc_copy_message(st);
	return r;
}
*/
import "C"

// MapCameraForBounds computes the camera fitting bounds (west, south, east,
// north) with padding (top, right, bottom, left) in the map's view.
func MapCameraForBounds(h uint64, bounds, padding [4]float64, bearing, pitch float64) (Camera, Res) {
	r := C.w_map_camera_for_bounds(C.uint64_t(h), C.double(bounds[0]), C.double(bounds[1]), C.double(bounds[2]),
		C.double(bounds[3]), C.double(padding[0]), C.double(padding[1]), C.double(padding[2]), C.double(padding[3]),
		C.double(bearing), C.double(pitch))
	c := Camera{Fields: uint32(r.cam.fields), Longitude: float64(r.cam.longitude), Latitude: float64(r.cam.latitude),
		Zoom: float64(r.cam.zoom), Bearing: float64(r.cam.bearing), Pitch: float64(r.cam.pitch)}
	return c, resOf(r.st, r.msg)
}
