// Package capi is the raw C layer of the Go binding: the only place that calls
// mapcore_* functions (the exported callback trampolines aside).
//
// Every fallible call goes through a small C wrapper that makes the mapcore
// call and, when it does not return MAPCORE_STATUS_OK, copies
// mapcore_last_error_message() into C memory before returning. Call and copy
// are one cgo call, so they run on the same OS thread and the thread-local
// diagnostic cannot be overwritten in between, whatever the Go scheduler does.
//
// Values a C function writes through out-parameters are returned inside the
// wrapper's result struct, so no Go pointer is passed for them (no escape, no
// allocation on the success path).
package capi

/*
#include "capi.h"

static mc_res w_log_set_callback(void *cb, void *ud, int32_t max_level) {
	return mc_wrap(mapcore_log_set_callback((mapcore_log_callback)cb, ud, (mapcore_log_level)max_level));
}

// ---- runtime ----
typedef struct mc_res_h { int32_t st; char *msg; uint64_t h; } mc_res_h;
typedef struct mc_res_u32 { int32_t st; char *msg; uint32_t v; } mc_res_u32;
typedef struct mc_res_bool { int32_t st; char *msg; bool v; } mc_res_bool;

// The options struct is filled on the Go side (it holds only C pointers).
static mc_res_h w_runtime_create(const mapcore_runtime_options *o) {
	mapcore_runtime rt = {0};
	mapcore_status st = mapcore_runtime_create(o, &rt);
	mc_res_h r = {(int32_t)st, mc_copy_message(st), rt.id};
	return r;
}

typedef struct mc_res_size { int32_t st; char *msg; size_t v; } mc_res_size;

static mc_res_size w_runtime_add_font(uint64_t h, const void *data, size_t len) {
	mapcore_runtime rt = {h};
	size_t n = 0;
	mapcore_status st = mapcore_runtime_add_font(rt, data, len, &n);
	mc_res_size r = {(int32_t)st, mc_copy_message(st), n};
	return r;
}

static mc_res_size w_runtime_add_font_file(uint64_t h, const char *path) {
	mapcore_runtime rt = {h};
	size_t n = 0;
	mapcore_status st = mapcore_runtime_add_font_file(rt, path, &n);
	mc_res_size r = {(int32_t)st, mc_copy_message(st), n};
	return r;
}

static mc_res w_runtime_destroy(uint64_t h) {
	mapcore_runtime rt = {h};
	return mc_wrap(mapcore_runtime_destroy(rt));
}

static mc_res_u32 w_runtime_pump(uint64_t h, uint32_t timeout_ms) {
	mapcore_runtime rt = {h};
	uint32_t n = 0;
	mapcore_status st = mapcore_runtime_pump(rt, timeout_ms, &n);
	mc_res_u32 r = {(int32_t)st, mc_copy_message(st), n};
	return r;
}

static mc_res w_runtime_wake(uint64_t h) {
	mapcore_runtime rt = {h};
	return mc_wrap(mapcore_runtime_wake(rt));
}

static mc_res w_runtime_interrupt(uint64_t h) {
	mapcore_runtime rt = {h};
	return mc_wrap(mapcore_runtime_interrupt(rt));
}

typedef struct mc_res_events { int32_t st; char *msg; const mapcore_event *ev; size_t n; } mc_res_events;

static mc_res_events w_runtime_drain_events(uint64_t h) {
	mapcore_runtime rt = {h};
	const mapcore_event *ev = NULL;
	size_t n = 0;
	mapcore_status st = mapcore_runtime_drain_events(rt, &ev, &n);
	mc_res_events r = {(int32_t)st, mc_copy_message(st), ev, n};
	return r;
}

static mc_res w_runtime_set_resource_provider(uint64_t h, void *fn, void *cancel, void *ud) {
	mapcore_runtime rt = {h};
	if (fn == NULL) return mc_wrap(mapcore_runtime_set_resource_provider(rt, NULL));
	mapcore_resource_provider p;
	memset(&p, 0, sizeof p);
	p.size = sizeof p;
	p.request = (mapcore_resource_provider_fn)fn;
	p.cancel = (mapcore_resource_cancel_fn)cancel;
	p.user_data = ud;
	return mc_wrap(mapcore_runtime_set_resource_provider(rt, &p));
}

// ---- resource requests ----
static mc_res w_request_complete(uint64_t h, const uint8_t *data, size_t len) {
	mapcore_resource_request q = {h};
	return mc_wrap(mapcore_resource_request_complete(q, data, len));
}

static mc_res w_request_complete_borrowed(uint64_t h, const uint8_t *data, size_t len, void *release, void *ctx) {
	mapcore_resource_request q = {h};
	return mc_wrap(mapcore_resource_request_complete_borrowed(q, data, len, (mapcore_release_fn)release, ctx));
}

static mc_res w_request_not_found(uint64_t h) {
	mapcore_resource_request q = {h};
	return mc_wrap(mapcore_resource_request_not_found(q));
}

static mc_res w_request_fail(uint64_t h, const char *msg) {
	mapcore_resource_request q = {h};
	return mc_wrap(mapcore_resource_request_fail(q, msg));
}

static mc_res_bool w_request_is_cancelled(uint64_t h) {
	mapcore_resource_request q = {h};
	bool c = false;
	mapcore_status st = mapcore_resource_request_is_cancelled(q, &c);
	mc_res_bool r = {(int32_t)st, mc_copy_message(st), c};
	return r;
}

static mc_res w_request_release(uint64_t h) {
	mapcore_resource_request q = {h};
	return mc_wrap(mapcore_resource_request_release(q));
}

// ---- map ----
static mc_res_h w_map_create(uint64_t rth, uint32_t w, uint32_t h, float ratio) {
	mapcore_runtime rt = {rth};
	mapcore_map_options o = mapcore_map_options_default();
	o.width = w;
	o.height = h;
	o.pixel_ratio = ratio;
	mapcore_map m = {0};
	mapcore_status st = mapcore_map_create(rt, &o, &m);
	mc_res_h r = {(int32_t)st, mc_copy_message(st), m.id};
	return r;
}

static mc_res w_map_destroy(uint64_t h) {
	mapcore_map m = {h};
	return mc_wrap(mapcore_map_destroy(m));
}

static mc_res w_map_set_style_json(uint64_t h, const char *json, size_t len) {
	mapcore_map m = {h};
	return mc_wrap(mapcore_map_set_style_json(m, json, len));
}

static mc_res w_map_set_style_url(uint64_t h, const char *url) {
	mapcore_map m = {h};
	return mc_wrap(mapcore_map_set_style_url(m, url));
}

typedef struct mc_res_cam { int32_t st; char *msg; mapcore_camera cam; } mc_res_cam;

static mc_res_cam w_map_get_camera(uint64_t h) {
	mapcore_map m = {h};
	mc_res_cam r;
	memset(&r, 0, sizeof r);
	r.cam = mapcore_camera_default();
	mapcore_status st = mapcore_map_get_camera(m, &r.cam);
	r.st = (int32_t)st;
	r.msg = mc_copy_message(st);
	return r;
}

static mc_res w_map_jump_to(uint64_t h, uint32_t fields, double lon, double lat, double zoom, double bearing, double pitch) {
	mapcore_map m = {h};
	mapcore_camera c = mapcore_camera_default();
	c.fields = fields;
	c.longitude = lon;
	c.latitude = lat;
	c.zoom = zoom;
	c.bearing = bearing;
	c.pitch = pitch;
	return mc_wrap(mapcore_map_jump_to(m, &c));
}

// ---- render sessions ----
static mc_res_h w_session_create_texture(uint64_t mh, uint32_t w, uint32_t h, float ratio) {
	mapcore_map m = {mh};
	mapcore_render_session s = {0};
	mapcore_status st = mapcore_render_session_create_texture(m, w, h, ratio, &s);
	mc_res_h r = {(int32_t)st, mc_copy_message(st), s.id};
	return r;
}

static mc_res_h w_session_create_buffer(uint64_t mh, uint32_t w, uint32_t h, float ratio, uint8_t *px, size_t stride, size_t len) {
	mapcore_map m = {mh};
	mapcore_render_session s = {0};
	mapcore_status st = mapcore_render_session_create_buffer(m, w, h, ratio, px, stride, len, &s);
	mc_res_h r = {(int32_t)st, mc_copy_message(st), s.id};
	return r;
}

static mc_res_h w_session_create_surface(uint64_t mh, uint32_t w, uint32_t h, float ratio, void *frame, void *release, void *ud) {
	mapcore_map m = {mh};
	mapcore_render_session s = {0};
	mapcore_surface_callbacks cb = mapcore_surface_callbacks_default();
	cb.frame = (mapcore_surface_frame_fn)frame;
	cb.release = (void (*)(void *))release;
	cb.user_data = ud;
	mapcore_status st = mapcore_render_session_create_surface(m, w, h, ratio, &cb, &s);
	mc_res_h r = {(int32_t)st, mc_copy_message(st), s.id};
	return r;
}

static mc_res w_session_set_buffer(uint64_t sh, uint32_t w, uint32_t h, float ratio, uint8_t *px, size_t stride, size_t len) {
	mapcore_render_session s = {sh};
	return mc_wrap(mapcore_render_session_set_buffer(s, w, h, ratio, px, stride, len));
}

static mc_res w_session_resize(uint64_t sh, uint32_t w, uint32_t h, float ratio) {
	mapcore_render_session s = {sh};
	return mc_wrap(mapcore_render_session_resize(s, w, h, ratio));
}

static mc_res w_session_render_still(uint64_t sh, uint32_t timeout_ms) {
	mapcore_render_session s = {sh};
	return mc_wrap(mapcore_render_session_render_still(s, timeout_ms));
}

static mc_res_bool w_session_render_frame(uint64_t sh) {
	mapcore_render_session s = {sh};
	bool c = false;
	mapcore_status st = mapcore_render_session_render_frame(s, &c);
	mc_res_bool r = {(int32_t)st, mc_copy_message(st), c};
	return r;
}

typedef struct mc_res_info { int32_t st; char *msg; mapcore_image_info info; const uint8_t *px; } mc_res_info;

static mc_res_info w_session_read_pixels(uint64_t sh, uint8_t *dst, size_t len) {
	mapcore_render_session s = {sh};
	mc_res_info r;
	memset(&r, 0, sizeof r);
	r.info = mapcore_image_info_default();
	mapcore_status st = mapcore_render_session_read_pixels(s, dst, len, &r.info);
	r.st = (int32_t)st;
	r.msg = mc_copy_message(st);
	return r;
}

static mc_res_info w_session_acquire_frame(uint64_t sh) {
	mapcore_render_session s = {sh};
	mc_res_info r;
	memset(&r, 0, sizeof r);
	r.info = mapcore_image_info_default();
	mapcore_status st = mapcore_render_session_acquire_frame(s, &r.px, &r.info);
	r.st = (int32_t)st;
	r.msg = mc_copy_message(st);
	return r;
}

static mc_res w_session_release_frame(uint64_t sh) {
	mapcore_render_session s = {sh};
	return mc_wrap(mapcore_render_session_release_frame(s));
}

static mc_res w_session_destroy(uint64_t sh) {
	mapcore_render_session s = {sh};
	return mc_wrap(mapcore_render_session_destroy(s));
}

// Raw calls with no diagnostic handling, the benchmarks' baselines.
static int32_t raw_jump_nan(uint64_t h) {
	mapcore_map m = {h};
	mapcore_camera c = mapcore_camera_default();
	c.fields = MAPCORE_CAMERA_ZOOM;
	c.zoom = 0.0 / 0.0;
	return (int32_t)mapcore_map_jump_to(m, &c);
}
static int32_t raw_get_camera(uint64_t h, double *zoom) {
	mapcore_map m = {h};
	mapcore_camera c = mapcore_camera_default();
	mapcore_status st = mapcore_map_get_camera(m, &c);
	*zoom = c.zoom;
	return (int32_t)st;
}

static int32_t raw_wake(uint64_t h) {
	mapcore_runtime rt = {h};
	return (int32_t)mapcore_runtime_wake(rt);
}
*/
import "C"

import (
	"errors"
	"unsafe"

	"mapcore.dev/mapcore/go/internal/memory"
)

// Status codes of the C API (mapcore_status).
const (
	StatusOK              int32 = C.MAPCORE_STATUS_OK
	StatusInvalidArgument int32 = C.MAPCORE_STATUS_INVALID_ARGUMENT
	StatusInvalidState    int32 = C.MAPCORE_STATUS_INVALID_STATE
	StatusWrongThread     int32 = C.MAPCORE_STATUS_WRONG_THREAD
	StatusNotFound        int32 = C.MAPCORE_STATUS_NOT_FOUND
	StatusUnsupported     int32 = C.MAPCORE_STATUS_UNSUPPORTED
	StatusParseError      int32 = C.MAPCORE_STATUS_PARSE_ERROR
	StatusIOError         int32 = C.MAPCORE_STATUS_IO_ERROR
	StatusInternal        int32 = C.MAPCORE_STATUS_INTERNAL
	StatusTimeout         int32 = C.MAPCORE_STATUS_TIMEOUT
	StatusCancelled       int32 = C.MAPCORE_STATUS_CANCELLED
)

// Event types (mapcore_event_type).
const (
	EventStyleLoaded         int32 = C.MAPCORE_EVENT_STYLE_LOADED
	EventSourceLoaded        int32 = C.MAPCORE_EVENT_SOURCE_LOADED
	EventMapIdle             int32 = C.MAPCORE_EVENT_MAP_IDLE
	EventStillImageFinished  int32 = C.MAPCORE_EVENT_STILL_IMAGE_FINISHED
	EventRenderFrameFinished int32 = C.MAPCORE_EVENT_RENDER_FRAME_FINISHED
	EventStyleError          int32 = C.MAPCORE_EVENT_STYLE_ERROR
	EventResourceError       int32 = C.MAPCORE_EVENT_RESOURCE_ERROR
	EventTileError           int32 = C.MAPCORE_EVENT_TILE_ERROR
	EventWarning             int32 = C.MAPCORE_EVENT_WARNING
	EventInfo                int32 = C.MAPCORE_EVENT_INFO
)

// Glyph modes (mapcore_glyphs_mode).
const (
	GlyphsURLFirst   uint32 = C.MAPCORE_GLYPHS_URL_FIRST
	GlyphsLocalFirst uint32 = C.MAPCORE_GLYPHS_LOCAL_FIRST
	GlyphsURLOnly    uint32 = C.MAPCORE_GLYPHS_URL_ONLY
)

// Resource kinds (mapcore_resource_kind).
const (
	ResourceStyle       int32 = C.MAPCORE_RESOURCE_STYLE
	ResourceSource      int32 = C.MAPCORE_RESOURCE_SOURCE
	ResourceTile        int32 = C.MAPCORE_RESOURCE_TILE
	ResourceGlyphs      int32 = C.MAPCORE_RESOURCE_GLYPHS
	ResourceSpriteJSON  int32 = C.MAPCORE_RESOURCE_SPRITE_JSON
	ResourceSpriteImage int32 = C.MAPCORE_RESOURCE_SPRITE_IMAGE
	ResourceImage       int32 = C.MAPCORE_RESOURCE_IMAGE
)

// Log levels (mapcore_log_level).
const (
	LogError int32 = C.MAPCORE_LOG_ERROR
	LogWarn  int32 = C.MAPCORE_LOG_WARN
	LogInfo  int32 = C.MAPCORE_LOG_INFO
	LogDebug int32 = C.MAPCORE_LOG_DEBUG
	LogTrace int32 = C.MAPCORE_LOG_TRACE
)

// Camera fields (mapcore_camera_fields).
const (
	CameraCenter  uint32 = C.MAPCORE_CAMERA_CENTER
	CameraZoom    uint32 = C.MAPCORE_CAMERA_ZOOM
	CameraBearing uint32 = C.MAPCORE_CAMERA_BEARING
	CameraPitch   uint32 = C.MAPCORE_CAMERA_PITCH
	CameraAll     uint32 = C.MAPCORE_CAMERA_ALL
)

// Decisions of a resource provider.
const (
	ProviderPassThrough int32 = C.MAPCORE_PROVIDER_PASS_THROUGH
	ProviderHandled     int32 = C.MAPCORE_PROVIDER_HANDLED
)

// PumpForever is the pump timeout that waits until woken.
const PumpForever uint32 = 0xFFFFFFFF

// Res is the result of a fallible call: the status and, when it is not OK,
// the diagnostic copied on the OS thread that made the call.
type Res struct {
	St  int32
	Msg string
}

// OK reports whether the call succeeded.
func (r Res) OK() bool { return r.St == StatusOK }

func takeMsg(p *C.char) string {
	if p == nil {
		return ""
	}
	s := C.GoString(p)
	C.free(unsafe.Pointer(p))
	return s
}

func res(r C.mc_res) Res {
	if r.st == 0 {
		return Res{}
	}
	return Res{St: int32(r.st), Msg: takeMsg(r.msg)}
}

func resOf(st C.int32_t, msg *C.char) Res {
	if st == 0 {
		return Res{}
	}
	return Res{St: int32(st), Msg: takeMsg(msg)}
}

// argError is the result for an argument rejected before C is called.
func argError(err error) Res {
	return Res{St: StatusInvalidArgument, Msg: err.Error()}
}

// ---- base ----

// Version returns mapcore_version().
func Version() uint32 { return uint32(C.mapcore_version()) }

// VersionString returns mapcore_version_string().
func VersionString() string { return C.GoString(C.mapcore_version_string()) }

// StatusName returns mapcore_status_name(st).
func StatusName(st int32) string {
	return C.GoString(C.mapcore_status_name(C.mapcore_status(st)))
}

// RawGetCamera calls mapcore_map_get_camera with no diagnostic handling
// (the zoom comes back through a C-allocated-free Go pointer, as plain cgo
// code would do it).
func RawGetCamera(h uint64) (float64, int32) {
	var z C.double
	st := C.raw_get_camera(C.uint64_t(h), &z)
	return float64(z), int32(st)
}

// RawJumpToNaN makes a failing mapcore_map_jump_to call (a NaN zoom) with no
// diagnostic handling.
func RawJumpToNaN(h uint64) int32 { return int32(C.raw_jump_nan(C.uint64_t(h))) }

// RawWake calls mapcore_runtime_wake with no diagnostic handling: the
// baseline of the binding-overhead benchmark.
func RawWake(h uint64) int32 { return int32(C.raw_wake(C.uint64_t(h))) }

// LastErrorMessage reads mapcore_last_error_message() of the current OS
// thread. Only meaningful with the OS thread locked across the failing call
// and this read; the wrappers in this package do not need it.
func LastErrorMessage() string { return C.GoString(C.mapcore_last_error_message()) }

// LogSetCallback installs (cb non-nil) or clears the process-wide log callback.
func LogSetCallback(cb, userData unsafe.Pointer, maxLevel int32) Res {
	return res(C.w_log_set_callback(cb, userData, C.int32_t(maxLevel)))
}

// ---- runtime ----

// RuntimeOptions are the runtime options a runtime is created with.
type RuntimeOptions struct {
	Workers, RenderThreads uint32
	AssetRoot              string
	AllowedRoots           []string
	MaxResourceBytes       uint64
	MaxImagePixels         uint64
	MaxTilesPerSource      uint32
	FontPaths              []string
	GlyphsMode             uint32
	MaxTileCacheBytes      uint64
	MaxFeaturesPerTile     uint64
	MaxVerticesPerTile     uint64
	MaxOverdraw            uint32
	MaxRequestsInFlight    uint32
	MaxStyleLayers         uint32
	MaxStyleSources        uint32
	MaxGeoJSONCutBytes     uint64
	MaxTilesPerView        uint32
	MaxExpressionNodes     uint32
	MaxExpressionDepth     uint32
	MaxGlyphRanges         uint32
	MaxGlyphBytes          uint64
	MaxSpriteImages        uint32
}

// cStrings copies strs into a C array of C strings; free releases it.
func cStrings(strs []string) (arr **C.char, free func(), err error) {
	if len(strs) == 0 {
		return nil, func() {}, nil
	}
	n := len(strs)
	mem := C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof((*C.char)(nil))))
	if mem == nil {
		return nil, nil, errors.New("out of memory")
	}
	slots := unsafe.Slice((**C.char)(mem), n)
	for i, s := range strs {
		p, err := memory.CString(s)
		if err != nil {
			for _, q := range slots[:i] {
				memory.Free(unsafe.Pointer(q))
			}
			C.free(mem)
			return nil, nil, err
		}
		slots[i] = (*C.char)(p)
	}
	return (**C.char)(mem), func() {
		for _, q := range slots {
			memory.Free(unsafe.Pointer(q))
		}
		C.free(mem)
	}, nil
}

// RuntimeCreate creates a runtime owned by the calling OS thread.
func RuntimeCreate(o RuntimeOptions) (uint64, Res) {
	var root *C.char
	if o.AssetRoot != "" {
		p, err := memory.CString(o.AssetRoot)
		if err != nil {
			return 0, argError(err)
		}
		defer memory.Free(p)
		root = (*C.char)(p)
	}
	// The array of root strings lives in C memory (cgo: no Go pointers to Go pointers).
	var roots **C.char
	if n := len(o.AllowedRoots); n > 0 {
		arr := C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof((*C.char)(nil))))
		if arr == nil {
			return 0, argError(errors.New("out of memory"))
		}
		defer C.free(arr)
		slots := unsafe.Slice((**C.char)(arr), n)
		for i, r := range o.AllowedRoots {
			p, err := memory.CString(r)
			if err != nil {
				for _, q := range slots[:i] {
					memory.Free(unsafe.Pointer(q))
				}
				return 0, argError(err)
			}
			slots[i] = (*C.char)(p)
		}
		defer func() {
			for _, q := range slots {
				memory.Free(unsafe.Pointer(q))
			}
		}()
		roots = (**C.char)(arr)
	}
	fonts, freeFonts, err := cStrings(o.FontPaths)
	if err != nil {
		return 0, argError(err)
	}
	defer freeFonts()
	c := C.mapcore_runtime_options_default()
	c.worker_threads = C.uint32_t(o.Workers)
	c.render_threads = C.uint32_t(o.RenderThreads)
	c.asset_root = root
	c.allowed_roots = roots
	c.allowed_root_count = C.size_t(len(o.AllowedRoots))
	c.font_paths = fonts
	c.font_path_count = C.size_t(len(o.FontPaths))
	c.glyphs_mode = C.uint32_t(o.GlyphsMode)
	c.max_resource_bytes = C.uint64_t(o.MaxResourceBytes)
	c.max_image_pixels = C.uint64_t(o.MaxImagePixels)
	c.max_tiles_per_source = C.uint32_t(o.MaxTilesPerSource)
	c.max_tiles_per_view = C.uint32_t(o.MaxTilesPerView)
	c.max_tile_cache_bytes = C.uint64_t(o.MaxTileCacheBytes)
	c.max_features_per_tile = C.uint64_t(o.MaxFeaturesPerTile)
	c.max_vertices_per_tile = C.uint64_t(o.MaxVerticesPerTile)
	c.max_overdraw = C.uint32_t(o.MaxOverdraw)
	c.max_requests_in_flight = C.uint32_t(o.MaxRequestsInFlight)
	c.max_style_layers = C.uint32_t(o.MaxStyleLayers)
	c.max_style_sources = C.uint32_t(o.MaxStyleSources)
	c.max_geojson_cut_bytes = C.uint64_t(o.MaxGeoJSONCutBytes)
	c.max_expression_nodes = C.uint32_t(o.MaxExpressionNodes)
	c.max_expression_depth = C.uint32_t(o.MaxExpressionDepth)
	c.max_glyph_ranges = C.uint32_t(o.MaxGlyphRanges)
	c.max_glyph_bytes = C.uint64_t(o.MaxGlyphBytes)
	c.max_sprite_images = C.uint32_t(o.MaxSpriteImages)
	r := C.w_runtime_create(&c)
	return uint64(r.h), resOf(r.st, r.msg)
}

// RuntimeAddFont adds a font file's faces from bytes (borrowed for the
// call); returns how many faces were added.
func RuntimeAddFont(h uint64, data []byte) (int, Res) {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	r := C.w_runtime_add_font(C.uint64_t(h), p, C.size_t(len(data)))
	return int(r.v), resOf(r.st, r.msg)
}

// RuntimeAddFontFile adds a font file's faces from a path under the
// runtime's allowed roots.
func RuntimeAddFontFile(h uint64, path string) (int, Res) {
	p, err := memory.CString(path)
	if err != nil {
		return 0, argError(err)
	}
	defer memory.Free(p)
	r := C.w_runtime_add_font_file(C.uint64_t(h), (*C.char)(p))
	return int(r.v), resOf(r.st, r.msg)
}

// RuntimeDestroy destroys a runtime.
func RuntimeDestroy(h uint64) Res { return res(C.w_runtime_destroy(C.uint64_t(h))) }

// RuntimePump pumps a runtime.
func RuntimePump(h uint64, timeoutMs uint32) (uint32, Res) {
	r := C.w_runtime_pump(C.uint64_t(h), C.uint32_t(timeoutMs))
	return uint32(r.v), resOf(r.st, r.msg)
}

// RuntimeWake wakes a runtime's pump.
func RuntimeWake(h uint64) Res { return res(C.w_runtime_wake(C.uint64_t(h))) }

// RuntimeInterrupt ends a still render's wait on runtime h (any thread).
func RuntimeInterrupt(h uint64) Res { return res(C.w_runtime_interrupt(C.uint64_t(h))) }

// Event is a copy of a mapcore_event.
type Event struct {
	Type         int32
	Map          uint64
	Message      string
	URL          string
	SourceID     string
	ResourceKind int32
	TileZ        int32
	TileX        int32
	TileY        int32
	Complete     bool
}

func goStr(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// RuntimeDrainEvents drains the runtime's events and copies them to Go.
func RuntimeDrainEvents(h uint64) ([]Event, Res) {
	r := C.w_runtime_drain_events(C.uint64_t(h))
	if r.st != 0 {
		return nil, resOf(r.st, r.msg)
	}
	if r.n == 0 || r.ev == nil {
		return nil, Res{}
	}
	evs := unsafe.Slice(r.ev, int(r.n))
	out := make([]Event, len(evs))
	for i := range evs {
		e := &evs[i]
		out[i] = Event{
			Type:         int32(e._type),
			Map:          uint64(e._map.id),
			Message:      goStr(e.message),
			URL:          goStr(e.url),
			SourceID:     goStr(e.source_id),
			ResourceKind: int32(e.resource_kind),
			TileZ:        int32(e.tile_z),
			TileX:        int32(e.tile_x),
			TileY:        int32(e.tile_y),
			Complete:     bool(e.complete),
		}
	}
	return out, Res{}
}

// RuntimeSetResourceProvider sets (fn non-nil) or clears the provider.
func RuntimeSetResourceProvider(h uint64, fn, cancel, userData unsafe.Pointer) Res {
	return res(C.w_runtime_set_resource_provider(C.uint64_t(h), fn, cancel, userData))
}

// ---- resource requests ----

// RequestComplete completes a request with a copy of data.
func RequestComplete(h uint64, data []byte) Res {
	var p *C.uint8_t
	if len(data) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&data[0]))
	}
	return res(C.w_request_complete(C.uint64_t(h), p, C.size_t(len(data))))
}

// RequestCompleteBorrowed completes a request with a retained buffer that the
// caller keeps valid (pinned) until release(ctx) is called.
func RequestCompleteBorrowed(h uint64, data []byte, release, ctx unsafe.Pointer) Res {
	return res(C.w_request_complete_borrowed(C.uint64_t(h), (*C.uint8_t)(unsafe.Pointer(&data[0])),
		C.size_t(len(data)), release, ctx))
}

// RequestNotFound completes a request with "not found".
func RequestNotFound(h uint64) Res { return res(C.w_request_not_found(C.uint64_t(h))) }

// RequestFail completes a request with a failure message.
func RequestFail(h uint64, msg string) Res {
	p, err := memory.CString(msg)
	if err != nil {
		return argError(err)
	}
	defer memory.Free(p)
	return res(C.w_request_fail(C.uint64_t(h), (*C.char)(p)))
}

// RequestIsCancelled asks whether the map still needs the request.
func RequestIsCancelled(h uint64) (bool, Res) {
	r := C.w_request_is_cancelled(C.uint64_t(h))
	return bool(r.v), resOf(r.st, r.msg)
}

// RequestRelease releases the host's handle (thread-independent, infallible).
func RequestRelease(h uint64) Res { return res(C.w_request_release(C.uint64_t(h))) }

// ---- map ----

// MapCreate creates a map.
func MapCreate(rt uint64, w, h uint32, ratio float32) (uint64, Res) {
	r := C.w_map_create(C.uint64_t(rt), C.uint32_t(w), C.uint32_t(h), C.float(ratio))
	return uint64(r.h), resOf(r.st, r.msg)
}

// MapDestroy destroys a map.
func MapDestroy(h uint64) Res { return res(C.w_map_destroy(C.uint64_t(h))) }

// MapSetStyleJSON parses a style (the bytes are borrowed for the call).
func MapSetStyleJSON(h uint64, json []byte) Res {
	var p *C.char
	if len(json) > 0 {
		p = (*C.char)(unsafe.Pointer(&json[0]))
	}
	return res(C.w_map_set_style_json(C.uint64_t(h), p, C.size_t(len(json))))
}

// MapSetStyleURL loads a style from a URL.
func MapSetStyleURL(h uint64, url string) Res {
	p, err := memory.CString(url)
	if err != nil {
		return argError(err)
	}
	defer memory.Free(p)
	return res(C.w_map_set_style_url(C.uint64_t(h), (*C.char)(p)))
}

// Camera mirrors mapcore_camera.
type Camera struct {
	Fields                                    uint32
	Longitude, Latitude, Zoom, Bearing, Pitch float64
}

// MapGetCamera reads the camera.
func MapGetCamera(h uint64) (Camera, Res) {
	r := C.w_map_get_camera(C.uint64_t(h))
	c := Camera{
		Fields:    uint32(r.cam.fields),
		Longitude: float64(r.cam.longitude),
		Latitude:  float64(r.cam.latitude),
		Zoom:      float64(r.cam.zoom),
		Bearing:   float64(r.cam.bearing),
		Pitch:     float64(r.cam.pitch),
	}
	return c, resOf(r.st, r.msg)
}

// MapJumpTo moves the camera.
func MapJumpTo(h uint64, c Camera) Res {
	return res(C.w_map_jump_to(C.uint64_t(h), C.uint32_t(c.Fields), C.double(c.Longitude),
		C.double(c.Latitude), C.double(c.Zoom), C.double(c.Bearing), C.double(c.Pitch)))
}

// ---- render sessions ----

// ImageInfo mirrors mapcore_image_info.
type ImageInfo struct {
	Width, Height      uint32
	Stride, ByteLength int
}

func imageInfo(i C.mapcore_image_info) ImageInfo {
	return ImageInfo{Width: uint32(i.width), Height: uint32(i.height), Stride: int(i.stride), ByteLength: int(i.byte_length)}
}

// SessionCreateTexture attaches a session-owned texture.
func SessionCreateTexture(m uint64, w, h uint32, ratio float32) (uint64, Res) {
	r := C.w_session_create_texture(C.uint64_t(m), C.uint32_t(w), C.uint32_t(h), C.float(ratio))
	return uint64(r.h), resOf(r.st, r.msg)
}

func bufPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// SessionCreateBuffer attaches a caller-owned buffer, which the caller must
// keep pinned until the session is destroyed or the buffer replaced.
func SessionCreateBuffer(m uint64, w, h uint32, ratio float32, px []byte, stride int) (uint64, Res) {
	r := C.w_session_create_buffer(C.uint64_t(m), C.uint32_t(w), C.uint32_t(h), C.float(ratio),
		bufPtr(px), C.size_t(stride), C.size_t(len(px)))
	return uint64(r.h), resOf(r.st, r.msg)
}

// SessionCreateSurface attaches host frame callbacks (C function pointers
// and a C-owned user_data cell, retained until release is called; not
// retained when this fails).
func SessionCreateSurface(m uint64, w, h uint32, ratio float32, frame, release, userData unsafe.Pointer) (uint64, Res) {
	r := C.w_session_create_surface(C.uint64_t(m), C.uint32_t(w), C.uint32_t(h), C.float(ratio), frame, release, userData)
	return uint64(r.h), resOf(r.st, r.msg)
}

// SessionSetBuffer replaces a buffer session's buffer (pinned by the caller).
func SessionSetBuffer(s uint64, w, h uint32, ratio float32, px []byte, stride int) Res {
	return res(C.w_session_set_buffer(C.uint64_t(s), C.uint32_t(w), C.uint32_t(h), C.float(ratio),
		bufPtr(px), C.size_t(stride), C.size_t(len(px))))
}

// SessionResize resizes a texture session.
func SessionResize(s uint64, w, h uint32, ratio float32) Res {
	return res(C.w_session_resize(C.uint64_t(s), C.uint32_t(w), C.uint32_t(h), C.float(ratio)))
}

// SessionRenderStill renders a still image.
func SessionRenderStill(s uint64, timeoutMs uint32) Res {
	return res(C.w_session_render_still(C.uint64_t(s), C.uint32_t(timeoutMs)))
}

// SessionRenderFrame renders one continuous frame.
func SessionRenderFrame(s uint64) (bool, Res) {
	r := C.w_session_render_frame(C.uint64_t(s))
	return bool(r.v), resOf(r.st, r.msg)
}

// SessionReadPixels copies the last image into dst (nil dst: size probe).
func SessionReadPixels(s uint64, dst []byte) (ImageInfo, Res) {
	r := C.w_session_read_pixels(C.uint64_t(s), bufPtr(dst), C.size_t(len(dst)))
	return imageInfo(r.info), resOf(r.st, r.msg)
}

// Frame is an acquired frame: the native address of its pixels.
type Frame struct {
	Pixels unsafe.Pointer
	Info   ImageInfo
}

// SessionAcquireFrame exposes the texture's last image without copying.
func SessionAcquireFrame(s uint64) (Frame, Res) {
	r := C.w_session_acquire_frame(C.uint64_t(s))
	return Frame{Pixels: unsafe.Pointer(r.px), Info: imageInfo(r.info)}, resOf(r.st, r.msg)
}

// SessionReleaseFrame ends an acquisition.
func SessionReleaseFrame(s uint64) Res { return res(C.w_session_release_frame(C.uint64_t(s))) }

// SessionDestroy destroys a session.
func SessionDestroy(s uint64) Res { return res(C.w_session_destroy(C.uint64_t(s))) }
