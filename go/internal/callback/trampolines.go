package callback

// The preamble of a file with //export may hold declarations only.

/*
#include "mapcore.h"
*/
import "C"

import (
	"fmt"
	"os"
	"unsafe"

	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/memory"
)

//export mapcoreGoProvide
func mapcoreGoProvide(ud unsafe.Pointer, info *C.mapcore_resource_info, req C.mapcore_resource_request) (dec C.int) {
	id := uint64(req.id)
	dec = C.int(capi.ProviderHandled)
	defer func() {
		if r := recover(); r != nil {
			// lookup or conversion failed: answer the request ourselves.
			capi.RequestFail(id, fmt.Sprintf("resource provider failed: %v", r))
			capi.RequestRelease(id)
		}
	}()
	v, _ := lookup(ud)
	p, ok := v.(Provider)
	if !ok || info == nil {
		capi.RequestRelease(id)
		return C.int(capi.ProviderPassThrough)
	}
	gi := ResourceInfo{Kind: int32(info.kind), TileZ: int32(info.tile_z), TileX: int32(info.tile_x), TileY: int32(info.tile_y)}
	// The range fields came after the first release: read when size covers them.
	if uintptr(info.size) >= unsafe.Offsetof(info.range_length)+unsafe.Sizeof(info.range_length) {
		gi.RangeOffset, gi.RangeLength = uint64(info.range_offset), uint64(info.range_length)
	}
	if info.url != nil {
		gi.URL = C.GoString(info.url)
	}
	if provide(p, gi, id) {
		return C.int(capi.ProviderHandled)
	}
	return C.int(capi.ProviderPassThrough)
}

// provide runs the provider and turns a panic into Recovered (a handled,
// failed request).
func provide(p Provider, info ResourceInfo, id uint64) (handled bool) {
	defer func() {
		if r := recover(); r != nil {
			handled = true
			p.Recovered(id, r)
		}
	}()
	return p.Provide(info, id)
}

//export mapcoreGoCancel
func mapcoreGoCancel(ud unsafe.Pointer, req C.mapcore_resource_request) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "mapcore: resource cancel callback panicked: %v\n", r)
		}
	}()
	if v, ok := lookup(ud); ok {
		if p, ok := v.(Provider); ok {
			p.Cancel(uint64(req.id))
		}
	}
}

//export mapcoreGoRelease
func mapcoreGoRelease(ctx unsafe.Pointer) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "mapcore: buffer release callback panicked: %v\n", r)
		}
	}()
	t := memory.CellValue(ctx)
	memory.Free(ctx)
	if v, ok := Global.Take(Token(t)); ok {
		pendingReleases.Add(-1)
		switch f := v.(type) {
		case func():
			f()
		case *surface:
			if f.release != nil {
				f.release()
			}
		}
	}
}

//export mapcoreGoSurfaceFrame
func mapcoreGoSurfaceFrame(ud unsafe.Pointer, pixels *C.uint8_t, info *C.mapcore_image_info) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "mapcore: surface frame callback panicked: %v\n", r)
		}
	}()
	v, _ := lookup(ud)
	s, ok := v.(*surface)
	if !ok || info == nil || pixels == nil {
		return
	}
	pix := memory.Bytes(unsafe.Pointer(pixels), int(info.byte_length))
	s.frame(pix, int(info.width), int(info.height), int(info.stride))
}

//export mapcoreGoLog
func mapcoreGoLog(ud unsafe.Pointer, level C.int, target, message *C.char) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "mapcore: log handler panicked: %v\n", r)
		}
	}()
	v, ok := lookup(ud)
	if !ok {
		return
	}
	if f, ok := v.(LogFunc); ok {
		f(int32(level), C.GoString(target), C.GoString(message))
	}
}
