package mapcore

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"mapcore.dev/mapcore/go/internal/callback"
	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/handle"
	"mapcore.dev/mapcore/go/internal/status"
)

// RuntimeOptions configures a runtime. The zero value is the default.
type RuntimeOptions struct {
	// WorkerThreads for decoding and layout; 0 = one per core (at most 8).
	WorkerThreads int
	// RenderThreads rasterizing one frame; 0 = one per core (at most 8). A
	// frame uses at most one thread per 2^17 pixels (a 256 x 256 tile draws
	// on one); the pixels are the same for every count.
	RenderThreads int
	// AssetRoot is a folder that relative URLs and paths resolve against.
	// It is also an allowed root.
	AssetRoot string
	// AllowedRoots are the folders whose regular files the runtime may read
	// for file:// URLs and paths (after resolving ".." and symbolic links).
	// Anything else, FIFOs and devices included, is refused with an
	// EventResourceError naming the URL. None (and no AssetRoot): no local
	// files at all. A ResourceProvider serves whatever it chooses.
	AllowedRoots []string
	// MaxResourceBytes bounds one resource (file or provider answer; a
	// tile, the metadata or a directory read from an archive);
	// 0 = the default, 64 MiB. A map's GeoJSON sources hold at most four
	// times this together, as text and, once indexed, at their size in
	// memory where that is larger (24 bytes a coordinate: "[0,0]," is 6
	// as text; about 60 a property: "k1":0, is 7); past it (or as soon as
	// reading one source passes it), the source that would pass it fails
	// with an EventResourceError. Sources are indexed one at a time (an
	// index's build takes several times what it keeps). A JSON document
	// (style, TileJSON, sprite index, archive metadata) may take four times
	// it once parsed (at least 16 MiB): past that, it fails to load
	// (SetStyleJSON fails; the others are an EventResourceError), and so
	// may the JSON passed to a runtime-styling or query method (past it,
	// ErrInvalidArgument).
	MaxResourceBytes int64
	// MaxImagePixels bounds one image (raster tile, image source, sprite
	// sheet), checked against its header before decoding; 0 = the default,
	// 4096 x 4096. A map's sprite sheets have at most twice this together.
	MaxImagePixels int64
	// MaxTilesPerSource bounds the tiles one source requests for one view
	// (the farthest from the centre are dropped, with a warning); 0 = the
	// default, 1024.
	MaxTilesPerSource int
	// MaxTilesPerView bounds the tiles one view requests over all its
	// sources: sources take their shares in the order the style's layers
	// first use them, each its tiles nearest the centre first, and a source
	// past the bound draws only the tiles it got (or none), with an
	// EventWarning per view naming the limit; 0 = the default, 8192. A tile
	// that fails holds nothing, so the bound on the view's tile bytes does
	// not hold back a style naming thousands of sources of missing tiles.
	MaxTilesPerView int
	// MaxExpressionNodes and MaxExpressionDepth bound one expression in a
	// style (a property value, a filter): its operator and literal nodes and
	// its nesting. An expression past either is refused like any invalid one
	// (the property takes its default, the filter's layer is skipped) with
	// an EventWarning naming the limit, and the runtime-styling calls fail
	// with ErrInvalidArgument; 0 = the defaults, 100,000 nodes and 100
	// levels (the most MaxExpressionDepth may be: JSON nests at most 128 deep).
	MaxExpressionNodes int
	MaxExpressionDepth int
	// MaxGlyphRanges bounds the glyph ranges (256 code points of one font
	// stack) a map loads, from the style's glyph URL or local fonts, and
	// MaxGlyphBytes the bytes of glyphs (bitmaps and metrics) it keeps: a
	// range past either fails, labels draw without it, and an EventWarning
	// names the limit (once a map for the ranges); 0 = the defaults, 4096
	// ranges (every range of 16 font stacks) and 256 MiB.
	MaxGlyphRanges int
	MaxGlyphBytes  int64
	// MaxSpriteImages bounds the images one sprite index may name: the ones
	// past it are skipped, with an EventWarning naming the limit; 0 = the
	// default, 16384.
	MaxSpriteImages int
	// MaxTileCacheBytes bounds the loaded tiles (decoded vector tiles and
	// raster images) each map keeps beyond its current view: past it the
	// least recently needed are evicted and loaded again when a view needs
	// them; 0 = the default, 128 MiB. A GeoJSON source also keeps the tiles
	// it cuts from its data within this many bytes; its parsed data and tile
	// index (about twice the size of its coordinates) stay while the source
	// does and are bounded by MaxResourceBytes instead.
	MaxTileCacheBytes int64
	// MaxFeaturesPerTile bounds the features of one decoded tile (vector
	// tile or a GeoJSON source's tile), counted while decoding: a tile over
	// it fails with an EventTileError naming the limit and the rest of the
	// map draws; 0 = the default, 10^6.
	MaxFeaturesPerTile int64
	// MaxVerticesPerTile bounds the vertices of one decoded tile likewise;
	// 0 = the default, 10^7.
	MaxVerticesPerTile int64
	// MaxOverdraw bounds the drawing of one frame: how many times over its
	// pixels its layers may visit, each line segment, circle, polygon,
	// glyph and icon counted by its bounds on the frame (a street map asks
	// for about 10). One layer takes at most a quarter of it when there are
	// several, so the layers drawn after a heavy one (labels last) still
	// draw. The draw commands past either are skipped in paint order, with
	// an EventWarning naming their layers, and the rest draws; 0 = the
	// default, 256.
	MaxOverdraw int
	// MaxRequestsInFlight bounds the resource requests out at once, with
	// the Provider or the runtime's own loaders (an answer counts until the
	// runtime has handled it and the work it started, such as decoding a
	// tile, is done); the others wait and go out in the order they
	// were made, as answers come back. A waiting request of a closed map
	// never reaches the Provider; byte ranges of remote archives are not
	// counted. 0 = the default, 20 (as MapLibre Native's online file
	// source).
	MaxRequestsInFlight int
	// MaxStyleLayers and MaxStyleSources bound a style's layers and
	// sources. A style loaded with more keeps the first ones, skips the
	// rest and says how many in an EventWarning naming the option; the
	// runtime-styling methods (AddLayer, AddSource) refuse to add past
	// them. 0 = the default, 10000 each (real styles have hundreds of
	// layers).
	MaxStyleLayers  int
	MaxStyleSources int
	// MaxGeoJSONCutBytes bounds the geometry a GeoJSON source's tile index
	// cuts from its data (beyond the data itself) while it is built, and
	// while one tile is cut on request. Data crowded along tile edges (a
	// long line zig-zagging across them) is cut into a piece per crossing at
	// every zoom: past this the build stops splitting (deeper tiles are cut
	// when a view needs them) and a cut on request cuts only the way to its
	// tile; a tile whose way alone would take twice this fails with an
	// EventTileError naming the limit, and the rest of the map draws. 0 =
	// the default, 128 MiB.
	MaxGeoJSONCutBytes int64
	// FontDirs are font files or folders of them (.ttf, .otf, .ttc, .otc;
	// not recursive) whose faces join the bundled family (Noto Sans Regular
	// and Bold) for labels drawn with local glyphs. A file that is not a
	// usable font fails NewRuntime; one in a folder is skipped with an
	// EventWarning. text-font names are matched to faces by family, weight
	// and style, falling back through the stack to the bundled family (an
	// EventInfo tells each substitution).
	FontDirs []string
	// Glyphs chooses where labels' glyphs come from (default GlyphsURLFirst).
	Glyphs GlyphsMode
}

// GlyphsMode says where labels' glyphs come from.
type GlyphsMode uint32

const (
	// GlyphsURLFirst uses the style's "glyphs" URL, and glyphs rendered from
	// local fonts when the style has none or a range fails to load.
	GlyphsURLFirst = GlyphsMode(capi.GlyphsURLFirst)
	// GlyphsLocalFirst always renders glyphs from local fonts.
	GlyphsLocalFirst = GlyphsMode(capi.GlyphsLocalFirst)
	// GlyphsURLOnly uses the "glyphs" URL only, as MapLibre does.
	GlyphsURLOnly = GlyphsMode(capi.GlyphsURLOnly)
)

// RuntimeHandle is a mapcore runtime, owned by the OS thread that created it.
type RuntimeHandle struct {
	st *handle.State
	id uint64
	sh *runtimeShared
}

// runtimeShared is the part the destroy function needs; it never points
// back at the RuntimeHandle (so a leaked handle can be collected).
type runtimeShared struct {
	mu       sync.Mutex
	provider *callback.Cell
	// replaced providers' cells: the native runtime may still call the
	// cancel callback of a replaced provider for requests it took, so
	// they live until the runtime is destroyed.
	retired []*callback.Cell
}

// NewRuntime creates a runtime owned by the calling OS thread (lock the
// goroutine with runtime.LockOSThread first, or use an [Owner]). opts may be
// nil. It fails with ErrInvalidState if the thread already owns a runtime.
func NewRuntime(opts *RuntimeOptions) (*RuntimeHandle, error) {
	const op = "NewRuntime"
	var o RuntimeOptions
	if opts != nil {
		o = *opts
	}
	if o.WorkerThreads < 0 || o.RenderThreads < 0 || o.WorkerThreads > math.MaxUint32 || o.RenderThreads > math.MaxUint32 {
		return nil, status.New(op, status.InvalidArgument, "thread counts must be >= 0")
	}
	if o.MaxResourceBytes < 0 || o.MaxImagePixels < 0 || o.MaxTileCacheBytes < 0 || o.MaxFeaturesPerTile < 0 || o.MaxVerticesPerTile < 0 || o.MaxTilesPerSource < 0 || o.MaxTilesPerSource > math.MaxUint32 || o.MaxTilesPerView < 0 || o.MaxTilesPerView > math.MaxUint32 || o.MaxOverdraw < 0 || o.MaxOverdraw > math.MaxUint32 || o.MaxRequestsInFlight < 0 || o.MaxRequestsInFlight > math.MaxUint32 ||
		o.MaxStyleLayers < 0 || o.MaxStyleLayers > math.MaxUint32 || o.MaxStyleSources < 0 || o.MaxStyleSources > math.MaxUint32 || o.MaxGeoJSONCutBytes < 0 ||
		o.MaxExpressionNodes < 0 || o.MaxExpressionNodes > math.MaxUint32 || o.MaxExpressionDepth < 0 || o.MaxExpressionDepth > math.MaxUint32 ||
		o.MaxGlyphRanges < 0 || o.MaxGlyphRanges > math.MaxUint32 || o.MaxGlyphBytes < 0 || o.MaxSpriteImages < 0 || o.MaxSpriteImages > math.MaxUint32 {
		return nil, status.New(op, status.InvalidArgument, "limits must be >= 0 (0 = the default)")
	}
	st, _ := handle.New("RuntimeHandle", nil)
	id, r := capi.RuntimeCreate(capi.RuntimeOptions{
		Workers:             uint32(o.WorkerThreads),
		RenderThreads:       uint32(o.RenderThreads),
		AssetRoot:           o.AssetRoot,
		AllowedRoots:        o.AllowedRoots,
		MaxResourceBytes:    uint64(o.MaxResourceBytes),
		MaxImagePixels:      uint64(o.MaxImagePixels),
		MaxTilesPerSource:   uint32(o.MaxTilesPerSource),
		FontPaths:           o.FontDirs,
		GlyphsMode:          uint32(o.Glyphs),
		MaxTileCacheBytes:   uint64(o.MaxTileCacheBytes),
		MaxFeaturesPerTile:  uint64(o.MaxFeaturesPerTile),
		MaxVerticesPerTile:  uint64(o.MaxVerticesPerTile),
		MaxOverdraw:         uint32(o.MaxOverdraw),
		MaxRequestsInFlight: uint32(o.MaxRequestsInFlight),
		MaxStyleLayers:      uint32(o.MaxStyleLayers),
		MaxStyleSources:     uint32(o.MaxStyleSources),
		MaxGeoJSONCutBytes:  uint64(o.MaxGeoJSONCutBytes),
		MaxTilesPerView:     uint32(o.MaxTilesPerView),
		MaxExpressionNodes:  uint32(o.MaxExpressionNodes),
		MaxExpressionDepth:  uint32(o.MaxExpressionDepth),
		MaxGlyphRanges:      uint32(o.MaxGlyphRanges),
		MaxGlyphBytes:       uint64(o.MaxGlyphBytes),
		MaxSpriteImages:     uint32(o.MaxSpriteImages),
	})
	if err := status.Of(op, r); err != nil {
		st.Abort()
		return nil, err
	}
	sh := &runtimeShared{}
	st.Activate(func() error {
		if err := status.Of("RuntimeHandle.Close", capi.RuntimeDestroy(id)); err != nil {
			return err
		}
		sh.mu.Lock()
		sh.provider.Free() // retained by the runtime until destroyed
		sh.provider = nil
		for _, c := range sh.retired {
			c.Free()
		}
		sh.retired = nil
		sh.mu.Unlock()
		return nil
	})
	rt := &RuntimeHandle{st: st, id: id, sh: sh}
	runtime.SetFinalizer(rt, func(rt *RuntimeHandle) { rt.st.LeakCheck() })
	return rt, nil
}

// Close destroys the runtime. Owner thread. It fails with ErrInvalidState
// while maps of it are open. It waits only for worker jobs already running
// (a tile decode, a GeoJSON parse): jobs of closed maps are skipped or stop
// early. A second Close returns nil.
func (rt *RuntimeHandle) Close() error {
	return rt.st.Close()
}

// CloseAll closes every open map of the runtime (their sessions and frames
// first), then the runtime, and returns all errors. Owner thread.
func (rt *RuntimeHandle) CloseAll() error {
	return rt.st.CloseTree()
}

// Pump advances loading and collects finished work, waiting up to timeout
// for work when there is none. A timeout of 0 or less does not block (as
// with Go's timers, a negative timeout has already expired); to wait with no
// limit use PumpUntilWoken. It returns how many units of work were handled.
// Owner thread.
func (rt *RuntimeHandle) Pump(timeout time.Duration) (int, error) {
	return rt.pump("RuntimeHandle.Pump", durationMs(timeout))
}

// PumpUntilWoken is Pump with no time limit: it waits until there is work,
// Wake is called (from any goroutine) or native work finishes. A Wake made
// before it starts makes it return at once. Owner thread.
func (rt *RuntimeHandle) PumpUntilWoken() (int, error) {
	return rt.pump("RuntimeHandle.PumpUntilWoken", capi.PumpForever)
}

func (rt *RuntimeHandle) pump(op string, timeoutMs uint32) (int, error) {
	if err := rt.st.Check(op); err != nil {
		return 0, err
	}
	n, r := capi.RuntimePump(rt.id, timeoutMs)
	runtime.KeepAlive(rt)
	return int(n), status.Of(op, r)
}

// durationMs converts a timeout to whole milliseconds, rounding up; a
// negative one is 0 (expired) and a long one stays below the native "no
// limit" value.
func durationMs(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms >= time.Duration(capi.PumpForever) {
		return capi.PumpForever - 1
	}
	return uint32(ms)
}

// AddFont adds the faces of a font file (TrueType, OpenType or a
// collection) given as bytes (copied) to the runtime's local fonts and
// returns how many faces it added. Bytes that are not a usable font give
// ErrParse. Owner thread.
func (rt *RuntimeHandle) AddFont(data []byte) (int, error) {
	const op = "RuntimeHandle.AddFont"
	if err := rt.st.Check(op); err != nil {
		return 0, err
	}
	n, r := capi.RuntimeAddFont(rt.id, data)
	runtime.KeepAlive(rt)
	return n, status.Of(op, r)
}

// AddFontFile adds a font file read as the runtime reads local files: under
// RuntimeOptions.AllowedRoots or the asset root (ErrIO otherwise). Owner
// thread.
func (rt *RuntimeHandle) AddFontFile(path string) (int, error) {
	const op = "RuntimeHandle.AddFontFile"
	if err := rt.st.Check(op); err != nil {
		return 0, err
	}
	n, r := capi.RuntimeAddFontFile(rt.id, path)
	runtime.KeepAlive(rt)
	return n, status.Of(op, r)
}

// Wake makes a Pump blocked on this runtime return (or the next one return at
// once). Any goroutine.
func (rt *RuntimeHandle) Wake() error {
	const op = "RuntimeHandle.Wake"
	if err := rt.st.Check(op); err != nil {
		return err
	}
	return status.Of(op, capi.RuntimeWake(rt.id))
}

// DrainEvents takes every queued event (copied into Go values). Owner thread.
func (rt *RuntimeHandle) DrainEvents() ([]Event, error) {
	const op = "RuntimeHandle.DrainEvents"
	if err := rt.st.Check(op); err != nil {
		return nil, err
	}
	evs, r := capi.RuntimeDrainEvents(rt.id)
	runtime.KeepAlive(rt)
	if err := status.Of(op, r); err != nil {
		return nil, err
	}
	out := make([]Event, len(evs))
	for i, e := range evs {
		out[i] = Event{
			Type: EventType(e.Type), Map: MapID(e.Map), Message: e.Message, URL: e.URL,
			SourceID: e.SourceID, ResourceKind: ResourceKind(e.ResourceKind),
			Tile: TileID{Z: e.TileZ, X: e.TileX, Y: e.TileY}, Complete: e.Complete,
		}
	}
	return out, nil
}

// SetResourceProvider sets (p non-nil) or clears the runtime's resource
// provider, asked for every URL the runtime does not load itself. Requests
// already handed to an earlier provider stay with it. Owner thread.
func (rt *RuntimeHandle) SetResourceProvider(p ResourceProvider) error {
	const op = "RuntimeHandle.SetResourceProvider"
	if err := rt.st.Check(op); err != nil {
		return err
	}
	rt.sh.mu.Lock()
	defer rt.sh.mu.Unlock()
	var cell *callback.Cell
	var r capi.Res
	if p == nil {
		r = capi.RuntimeSetResourceProvider(rt.id, nil, nil, nil)
	} else {
		cell = callback.NewCell(callback.Provider(&dispatcher{user: p}))
		r = capi.RuntimeSetResourceProvider(rt.id, callback.ProvideFn, callback.CancelFn, cell.Ptr())
	}
	runtime.KeepAlive(rt)
	if err := status.Of(op, r); err != nil {
		cell.Free()
		return err
	}
	if rt.sh.provider != nil {
		rt.sh.retired = append(rt.sh.retired, rt.sh.provider)
	}
	rt.sh.provider = cell
	return nil
}

// EventType is the kind of an [Event].
type EventType int32

// Event types.
const (
	EventStyleLoaded         = EventType(capi.EventStyleLoaded)
	EventSourceLoaded        = EventType(capi.EventSourceLoaded)
	EventMapIdle             = EventType(capi.EventMapIdle)
	EventStillImageFinished  = EventType(capi.EventStillImageFinished)
	EventRenderFrameFinished = EventType(capi.EventRenderFrameFinished)
	EventStyleError          = EventType(capi.EventStyleError)
	EventResourceError       = EventType(capi.EventResourceError)
	EventTileError           = EventType(capi.EventTileError)
	EventWarning             = EventType(capi.EventWarning)
	// EventInfo: something that needs no action, e.g. a font substituted
	// for labels.
	EventInfo = EventType(capi.EventInfo)
)

var eventNames = map[EventType]string{
	EventStyleLoaded: "style-loaded", EventSourceLoaded: "source-loaded", EventMapIdle: "map-idle",
	EventStillImageFinished: "still-image-finished", EventRenderFrameFinished: "render-frame-finished",
	EventStyleError: "style-error", EventResourceError: "resource-error", EventTileError: "tile-error",
	EventWarning: "warning", EventInfo: "info",
}

// String returns the event type's name ("style-loaded"), or "EventType(n)"
// for a value the binding does not know.
func (t EventType) String() string {
	if n, ok := eventNames[t]; ok {
		return n
	}
	return fmt.Sprintf("EventType(%d)", int32(t))
}

// IsFailure reports whether the event reports a failure.
func (t EventType) IsFailure() bool {
	return t == EventStyleError || t == EventResourceError || t == EventTileError
}

// ResourceKind is what a resource is used for.
type ResourceKind int32

// Resource kinds.
const (
	ResourceStyle       = ResourceKind(capi.ResourceStyle)
	ResourceSource      = ResourceKind(capi.ResourceSource)
	ResourceTile        = ResourceKind(capi.ResourceTile)
	ResourceGlyphs      = ResourceKind(capi.ResourceGlyphs)
	ResourceSpriteJSON  = ResourceKind(capi.ResourceSpriteJSON)
	ResourceSpriteImage = ResourceKind(capi.ResourceSpriteImage)
	ResourceImage       = ResourceKind(capi.ResourceImage)
)

var kindNames = map[ResourceKind]string{
	ResourceStyle: "style", ResourceSource: "source", ResourceTile: "tile", ResourceGlyphs: "glyphs",
	ResourceSpriteJSON: "sprite-json", ResourceSpriteImage: "sprite-image", ResourceImage: "image",
}

// String returns the kind's name ("tile"), or "ResourceKind(n)" for a value
// the binding does not know.
func (k ResourceKind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("ResourceKind(%d)", int32(k))
}

// MapID identifies a map in events.
type MapID uint64

// TileID is a tile address; Z is -1 when an event or request is not about a tile.
type TileID struct{ Z, X, Y int32 }

// Valid reports whether the tile address is set.
func (t TileID) Valid() bool { return t.Z >= 0 }

// Event is a copy of one native event.
type Event struct {
	Type EventType
	// Map is the map the event is about (0 for runtime-wide events).
	Map          MapID
	Message      string
	URL          string
	SourceID     string
	ResourceKind ResourceKind
	Tile         TileID
	// Complete: for EventRenderFrameFinished, everything the view needs was loaded.
	Complete bool
}

func (e Event) String() string {
	s := e.Type.String()
	if e.SourceID != "" {
		s += " source=" + e.SourceID
	}
	if e.Tile.Valid() {
		s += fmt.Sprintf(" tile=%d/%d/%d", e.Tile.Z, e.Tile.X, e.Tile.Y)
	}
	if e.ResourceKind != 0 {
		s += " kind=" + e.ResourceKind.String()
	}
	if e.URL != "" {
		s += " url=" + e.URL
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}
