package mapcore

import (
	"runtime"

	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/handle"
	"mapcore.dev/mapcore/go/internal/status"
)

// MapOptions configures a map. The zero value is the default (512x512, ratio 1).
type MapOptions struct {
	// Width and Height of the view in logical pixels (1..16384); 0 = 512.
	Width, Height int
	// PixelRatio is device pixels per logical pixel (0 < ratio <= 16); 0 = 1.
	PixelRatio float32
}

// MapHandle is a map of a runtime; it belongs to the runtime's owner thread.
type MapHandle struct {
	st *handle.State
	id uint64
	rt *RuntimeHandle // keeps the parent reachable
}

func checkDim(op, what string, v int) error {
	if v < 0 || v > 1<<20 {
		return status.New(op, status.InvalidArgument, what+" out of range")
	}
	return nil
}

// checkSize checks a logical size and returns the pixel ratio (0 means 1).
func checkSize(op string, width, height int, pixelRatio float32) (float32, error) {
	if pixelRatio == 0 {
		pixelRatio = 1
	}
	if err := checkDim(op, "width", width); err != nil {
		return 0, err
	}
	return pixelRatio, checkDim(op, "height", height)
}

// NewMap creates a map in the runtime. opts may be nil. Owner thread.
func (rt *RuntimeHandle) NewMap(opts *MapOptions) (*MapHandle, error) {
	const op = "RuntimeHandle.NewMap"
	o := MapOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Width == 0 {
		o.Width = 512
	}
	if o.Height == 0 {
		o.Height = 512
	}
	if o.PixelRatio == 0 {
		o.PixelRatio = 1
	}
	if err := checkDim(op, "width", o.Width); err != nil {
		return nil, err
	}
	if err := checkDim(op, "height", o.Height); err != nil {
		return nil, err
	}
	st, err := handle.New("MapHandle", rt.st)
	if err != nil {
		return nil, err
	}
	id, r := capi.MapCreate(rt.id, uint32(o.Width), uint32(o.Height), o.PixelRatio)
	if err := status.Of(op, r); err != nil {
		st.Abort()
		return nil, err
	}
	st.Activate(func() error { return status.Of("MapHandle.Close", capi.MapDestroy(id)) })
	m := &MapHandle{st: st, id: id, rt: rt}
	runtime.SetFinalizer(m, func(m *MapHandle) { m.st.LeakCheck() })
	return m, nil
}

// ID identifies the map in events.
func (m *MapHandle) ID() MapID { return MapID(m.id) }

// Runtime returns the map's runtime.
func (m *MapHandle) Runtime() *RuntimeHandle { return m.rt }

// Close destroys the map and cancels its resource requests; its worker jobs
// not yet started are skipped, one waiting for a GeoJSON index another
// runtime is building stops waiting, and one building a GeoJSON index stops
// at its next step (after parsing, converting, or a tile). Owner thread. It
// fails with ErrInvalidState while a render session is open. A second Close
// returns nil.
func (m *MapHandle) Close() error { return m.st.Close() }

// SetStyleJSON replaces the style with the given style JSON (copied).
// Parsing is synchronous: an invalid style fails with ErrParse and leaves the
// map unchanged. Owner thread.
func (m *MapHandle) SetStyleJSON(style []byte) error {
	const op = "MapHandle.SetStyleJSON"
	if err := m.st.Check(op); err != nil {
		return err
	}
	r := capi.MapSetStyleJSON(m.id, style)
	runtime.KeepAlive(m)
	return status.Of(op, r)
}

// SetStyleURL loads the style from a URL, asynchronously (a style-loaded or
// style-error event follows; a still render waits for it). Owner thread.
func (m *MapHandle) SetStyleURL(url string) error {
	const op = "MapHandle.SetStyleURL"
	if err := m.st.Check(op); err != nil {
		return err
	}
	r := capi.MapSetStyleURL(m.id, url)
	runtime.KeepAlive(m)
	return status.Of(op, r)
}

// CameraFields selects the fields of a [Camera] that JumpTo applies.
type CameraFields uint32

// Camera fields.
const (
	CameraCenter  = CameraFields(capi.CameraCenter)
	CameraZoom    = CameraFields(capi.CameraZoom)
	CameraBearing = CameraFields(capi.CameraBearing)
	CameraPitch   = CameraFields(capi.CameraPitch)
	CameraAll     = CameraFields(capi.CameraAll)
)

// Camera is a view of the map.
type Camera struct {
	// Longitude and Latitude of the center in degrees.
	Longitude, Latitude float64
	// Zoom level 0..24.
	Zoom float64
	// Bearing in degrees clockwise from north.
	Bearing float64
	// Pitch in degrees from the vertical, 0..60.
	Pitch float64
	// Fields JumpTo applies; 0 means CameraAll.
	Fields CameraFields
}

// Camera reads the current camera. Owner thread.
func (m *MapHandle) Camera() (Camera, error) {
	const op = "MapHandle.Camera"
	if err := m.st.Check(op); err != nil {
		return Camera{}, err
	}
	c, r := capi.MapGetCamera(m.id)
	runtime.KeepAlive(m)
	if err := status.Of(op, r); err != nil {
		return Camera{}, err
	}
	return Camera{Longitude: c.Longitude, Latitude: c.Latitude, Zoom: c.Zoom, Bearing: c.Bearing,
		Pitch: c.Pitch, Fields: CameraAll}, nil
}

// JumpTo moves the camera at once to the fields selected by c.Fields (all
// when 0). Out-of-range values fail with ErrInvalidArgument. Owner thread.
func (m *MapHandle) JumpTo(c Camera) error {
	const op = "MapHandle.JumpTo"
	if err := m.st.Check(op); err != nil {
		return err
	}
	f := c.Fields
	if f == 0 {
		f = CameraAll
	}
	r := capi.MapJumpTo(m.id, capi.Camera{Fields: uint32(f), Longitude: c.Longitude, Latitude: c.Latitude,
		Zoom: c.Zoom, Bearing: c.Bearing, Pitch: c.Pitch})
	runtime.KeepAlive(m)
	return status.Of(op, r)
}

// Bounds is a geographic rectangle in degrees. West > East crosses the
// antimeridian.
type Bounds struct {
	West, South, East, North float64
}

// EdgeInsets is padding in logical pixels from each edge of the view.
type EdgeInsets struct {
	Top, Right, Bottom, Left float64
}

// CameraForBounds returns the camera that shows b as large as possible in
// the map's view size minus padding, centred in the padded area, with the
// given bearing and pitch (MapLibre's cameraForLatLngBounds; the fit is for
// the unpitched view, the zoom clamped to 0..24). It does not move the map:
// pass the result to JumpTo. Owner thread.
func (m *MapHandle) CameraForBounds(b Bounds, padding EdgeInsets, bearing, pitch float64) (Camera, error) {
	const op = "MapHandle.CameraForBounds"
	if err := m.st.Check(op); err != nil {
		return Camera{}, err
	}
	c, r := capi.MapCameraForBounds(m.id, [4]float64{b.West, b.South, b.East, b.North},
		[4]float64{padding.Top, padding.Right, padding.Bottom, padding.Left}, bearing, pitch)
	runtime.KeepAlive(m)
	if err := status.Of(op, r); err != nil {
		return Camera{}, err
	}
	return Camera{Longitude: c.Longitude, Latitude: c.Latitude, Zoom: c.Zoom, Bearing: c.Bearing,
		Pitch: c.Pitch, Fields: CameraAll}, nil
}
