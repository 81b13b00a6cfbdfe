package callback

/*
#include "mapcore.h"

extern int mapcoreGoProvide(void *, mapcore_resource_info *, mapcore_resource_request);
extern void mapcoreGoCancel(void *, mapcore_resource_request);
extern void mapcoreGoRelease(void *);
extern void mapcoreGoLog(void *, int, char *, char *);
extern void mapcoreGoSurfaceFrame(void *, uint8_t *, mapcore_image_info *);

static void *mc_provide_fn(void) { return (void *)(mapcore_resource_provider_fn)mapcoreGoProvide; }
static void *mc_cancel_fn(void) { return (void *)(mapcore_resource_cancel_fn)mapcoreGoCancel; }
static void *mc_release_fn(void) { return (void *)(mapcore_release_fn)mapcoreGoRelease; }
static void *mc_log_fn(void) { return (void *)(mapcore_log_callback)mapcoreGoLog; }
static void *mc_surface_frame_fn(void) {
	return (void *)(mapcore_surface_frame_fn)(void (*)(void *, const uint8_t *, const mapcore_image_info *))mapcoreGoSurfaceFrame;
}
*/
import "C"

import (
	"unsafe"

	"mapcore.dev/mapcore/go/internal/memory"
)

// Function pointers of the trampolines, to pass to capi.
var (
	ProvideFn = unsafe.Pointer(C.mc_provide_fn())
	CancelFn  = unsafe.Pointer(C.mc_cancel_fn())
	ReleaseFn = unsafe.Pointer(C.mc_release_fn())
	LogFn     = unsafe.Pointer(C.mc_log_fn())
	// SurfaceFrameFn is a surface session's frame callback; its release
	// callback is ReleaseFn.
	SurfaceFrameFn = unsafe.Pointer(C.mc_surface_frame_fn())
)

// NewReleaseContext registers f, to be called once by the release trampoline,
// and returns the C-owned cell to pass as release_context. The trampoline
// frees the cell.
func NewReleaseContext(f func()) unsafe.Pointer {
	pendingReleases.Add(1)
	t := Global.Register(f)
	return newCellPtr(t)
}

// SurfaceFunc receives a surface frame: pix is native memory (RGBA8,
// straight alpha, height rows of stride bytes) valid only during the call.
type SurfaceFunc func(pix []byte, width, height, stride int)

// surface is what a surface session's user_data cell holds.
type surface struct {
	frame   SurfaceFunc
	release func()
}

// NewSurfaceContext registers a surface session's callbacks and returns the
// C-owned cell to pass as user_data with SurfaceFrameFn and ReleaseFn. The
// release trampoline calls release (may be nil) and frees the cell; if the
// session is not created, free it with FreeSurfaceContext instead.
func NewSurfaceContext(frame SurfaceFunc, release func()) unsafe.Pointer {
	pendingReleases.Add(1)
	return newCellPtr(Global.Register(&surface{frame: frame, release: release}))
}

// FreeSurfaceContext frees a surface context the library never took (its
// create call failed), without calling its release function.
func FreeSurfaceContext(ctx unsafe.Pointer) {
	t := memory.CellValue(ctx)
	memory.Free(ctx)
	if _, ok := Global.Take(Token(t)); ok {
		pendingReleases.Add(-1)
	}
}
