package capi

/*
#include "capi.h"

typedef struct mc_res_buf { int32_t st; char *msg; uint8_t *data; size_t len; } mc_res_buf;

static mc_res_buf w_session_encode(uint64_t sh, uint32_t format, uint32_t quality, uint32_t png_level) {
	mapcore_render_session s = {sh};
	mapcore_encode_options o = mapcore_encode_options_default();
	o.quality = quality;
	o.png_level = png_level;
	mc_res_buf r;
	memset(&r, 0, sizeof r);
	mapcore_status st = mapcore_render_session_encode(s, (mapcore_image_format)format, &o, &r.data, &r.len);
	r.st = (int32_t)st;
	r.msg = mc_copy_message(st);
	return r;
}

static mc_res w_buffer_free(uint8_t *data) {
	return mc_wrap(mapcore_buffer_free(data));
}
*/
import "C"

import "unsafe"

// Image formats (mapcore_image_format).
const (
	FormatPNG  uint32 = C.MAPCORE_IMAGE_FORMAT_PNG
	FormatJPEG uint32 = C.MAPCORE_IMAGE_FORMAT_JPEG
	FormatWebP uint32 = C.MAPCORE_IMAGE_FORMAT_WEBP
)

// DefaultQuality is mapcore_encode_options_default()'s JPEG quality.
var DefaultQuality = uint32(C.mapcore_encode_options_default().quality)

// SessionEncode encodes the session's last image. On success the result is
// native memory owned by the caller: release it with BufferFree.
func SessionEncode(s uint64, format, quality, pngLevel uint32) (unsafe.Pointer, int, Res) {
	r := C.w_session_encode(C.uint64_t(s), C.uint32_t(format), C.uint32_t(quality), C.uint32_t(pngLevel))
	if r.st != 0 {
		return nil, 0, resOf(r.st, r.msg)
	}
	return unsafe.Pointer(r.data), int(r.len), Res{}
}

// BufferFree releases a buffer SessionEncode returned.
func BufferFree(p unsafe.Pointer) Res { return res(C.w_buffer_free((*C.uint8_t)(p))) }
