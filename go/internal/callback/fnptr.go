package callback

/*
#include "mapcore.h"

extern int mapcoreGoProvide(void *, mapcore_resource_info *, mapcore_resource_request);
extern void mapcoreGoCancel(void *, mapcore_resource_request);
extern void mapcoreGoRelease(void *);
extern void mapcoreGoLog(void *, int, char *, char *);

static void *mc_provide_fn(void) { return (void *)(mapcore_resource_provider_fn)mapcoreGoProvide; }
static void *mc_cancel_fn(void) { return (void *)(mapcore_resource_cancel_fn)mapcoreGoCancel; }
static void *mc_release_fn(void) { return (void *)(mapcore_release_fn)mapcoreGoRelease; }
static void *mc_log_fn(void) { return (void *)(mapcore_log_callback)mapcoreGoLog; }
*/
import "C"

import "unsafe"

// Function pointers of the trampolines, to pass to capi.
var (
	ProvideFn = unsafe.Pointer(C.mc_provide_fn())
	CancelFn  = unsafe.Pointer(C.mc_cancel_fn())
	ReleaseFn = unsafe.Pointer(C.mc_release_fn())
	LogFn     = unsafe.Pointer(C.mc_log_fn())
)

// NewReleaseContext registers f, to be called once by the release trampoline,
// and returns the C-owned cell to pass as release_context. The trampoline
// frees the cell.
func NewReleaseContext(f func()) unsafe.Pointer {
	pendingReleases.Add(1)
	t := Global.Register(f)
	return newCellPtr(t)
}
