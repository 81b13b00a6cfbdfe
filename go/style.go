package mapcore

import (
	"image"
	"image/draw"
	"runtime"

	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/status"
)

// Runtime styling. Edits are validated like a whole style: an invalid value
// fails with ErrInvalidArgument (the message names the layer, property and
// reason) and leaves the map unchanged; unknown ids fail with ErrNotFound;
// edits need a loaded style (ErrInvalidState otherwise). JSON arguments are
// style-spec JSON. Owner thread for all of them.

func (m *MapHandle) call(op string, f func() capi.Res) error {
	if err := m.st.Check(op); err != nil {
		return err
	}
	r := f()
	runtime.KeepAlive(m)
	return status.Of(op, r)
}

func (m *MapHandle) callJSON(op string, f func() ([]byte, capi.Res)) ([]byte, error) {
	if err := m.st.Check(op); err != nil {
		return nil, err
	}
	b, r := f()
	runtime.KeepAlive(m)
	if err := status.Of(op, r); err != nil {
		return nil, err
	}
	return b, nil
}

// StyleJSON returns the current style, with every runtime edit, as JSON.
func (m *MapHandle) StyleJSON() ([]byte, error) {
	return m.callJSON("MapHandle.StyleJSON", func() ([]byte, capi.Res) { return capi.MapGetStyleJSON(m.id) })
}

// AddSource adds source id from style-spec source JSON. A GeoJSON source's
// inline "data" object is kept as text, as in a style: the source reads it
// when it loads, under the map's GeoJSON budget (RuntimeOptions.MaxResourceBytes),
// and an EventResourceError says when it is refused.
func (m *MapHandle) AddSource(id string, source []byte) error {
	return m.call("MapHandle.AddSource", func() capi.Res { return capi.MapAddSource(m.id, id, source) })
}

// RemoveSource removes a source (ErrInvalidState while a layer uses it).
func (m *MapHandle) RemoveSource(id string) error {
	return m.call("MapHandle.RemoveSource", func() capi.Res { return capi.MapRemoveSource(m.id, id) })
}

// AddLayer adds a layer (style-spec layer JSON) below layer beforeID, or on
// top when beforeID is "".
func (m *MapHandle) AddLayer(layer []byte, beforeID string) error {
	return m.call("MapHandle.AddLayer", func() capi.Res { return capi.MapAddLayer(m.id, layer, capi.Opt(beforeID)) })
}

// RemoveLayer removes a layer.
func (m *MapHandle) RemoveLayer(id string) error {
	return m.call("MapHandle.RemoveLayer", func() capi.Res { return capi.MapRemoveLayer(m.id, id) })
}

// SetPaintProperty sets a paint property to a JSON value (constant, function
// or expression); `null` resets it to the default.
func (m *MapHandle) SetPaintProperty(layerID, name string, value []byte) error {
	return m.call("MapHandle.SetPaintProperty", func() capi.Res { return capi.MapSetProperty(m.id, false, layerID, name, value) })
}

// PaintProperty returns a paint property as set in the style, as JSON
// ("null" when unset).
func (m *MapHandle) PaintProperty(layerID, name string) ([]byte, error) {
	return m.callJSON("MapHandle.PaintProperty", func() ([]byte, capi.Res) { return capi.MapGetProperty(m.id, false, layerID, name) })
}

// SetLayoutProperty sets a layout property (including "visibility").
func (m *MapHandle) SetLayoutProperty(layerID, name string, value []byte) error {
	return m.call("MapHandle.SetLayoutProperty", func() capi.Res { return capi.MapSetProperty(m.id, true, layerID, name, value) })
}

// LayoutProperty returns a layout property as JSON ("null" when unset).
func (m *MapHandle) LayoutProperty(layerID, name string) ([]byte, error) {
	return m.callJSON("MapHandle.LayoutProperty", func() ([]byte, capi.Res) { return capi.MapGetProperty(m.id, true, layerID, name) })
}

// SetFilter sets a layer's filter (expression or legacy form); nil or
// `null` removes it.
func (m *MapHandle) SetFilter(layerID string, filter []byte) error {
	return m.call("MapHandle.SetFilter", func() capi.Res { return capi.MapSetFilter(m.id, layerID, filter) })
}

// AddImage adds or replaces image id (copied). img is converted to straight
// alpha (NRGBA) if it is not already. An *image.NRGBA whose Pix is shorter
// than its bounds and stride need fails with ErrInvalidArgument. pixelRatio (0 = 1) is the image's
// density; sdf marks a signed-distance-field icon.
func (m *MapHandle) AddImage(id string, img image.Image, pixelRatio float32, sdf bool) error {
	return m.addImage("MapHandle.AddImage", id, img, &ImageOptions{PixelRatio: pixelRatio, SDF: sdf})
}

// ImageOptions describe an image added with AddImageWithOptions.
type ImageOptions struct {
	// PixelRatio is the image's density (0 = 1).
	PixelRatio float32
	// SDF marks a signed-distance-field icon.
	SDF bool
	// StretchX and StretchY make the image stretchable (a nine-patch, as a
	// sprite index's stretchX and stretchY; icon-text-fit stretches these
	// parts only): [from, to] column and row ranges in image pixels, each
	// from <= to, ascending, not overlapping, inside the image (at most 64
	// per axis).
	StretchX, StretchY [][2]float32
	// Content, if set, is the box (left, top, right, bottom) icon-text-fit
	// fits the text into; non-empty and inside the image.
	Content *[4]float32
}

// AddImageWithOptions is AddImage with options (nil: the defaults),
// including stretch zones and a content box. Zones or a box that are not
// valid fail with ErrInvalidArgument, naming the field.
func (m *MapHandle) AddImageWithOptions(id string, img image.Image, opts *ImageOptions) error {
	if opts == nil {
		opts = &ImageOptions{}
	}
	return m.addImage("MapHandle.AddImageWithOptions", id, img, opts)
}

func (m *MapHandle) addImage(op, id string, img image.Image, opts *ImageOptions) error {
	n, ok := img.(*image.NRGBA)
	if !ok {
		b := img.Bounds()
		n = image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(n, n.Bounds(), img, b.Min, draw.Src)
	}
	o := capi.ImageOpts{Ratio: opts.PixelRatio, SDF: opts.SDF, StretchX: opts.StretchX, StretchY: opts.StretchY, Content: opts.Content}
	if o.Ratio == 0 {
		o.Ratio = 1
	}
	b := n.Bounds()
	var pix []byte // a Pix shorter than its bounds say is rejected, not read past
	if off := n.PixOffset(b.Min.X, b.Min.Y); !b.Empty() && off >= 0 && off < len(n.Pix) {
		pix = n.Pix[off:]
	}
	return m.call(op, func() capi.Res {
		return capi.MapAddImage(m.id, id, pix, uint32(b.Dx()), uint32(b.Dy()), n.Stride, o)
	})
}

// RemoveImage removes image id.
func (m *MapHandle) RemoveImage(id string) error {
	return m.call("MapHandle.RemoveImage", func() capi.Res { return capi.MapRemoveImage(m.id, id) })
}

// Feature names a feature for feature state: its source, its source layer
// ("" for GeoJSON sources) and its id as text (numeric ids as integers,
// e.g. "42").
type Feature struct {
	Source, SourceLayer, ID string
}

// SetFeatureState merges a JSON object into the feature's state, which
// `feature-state` expressions read.
func (m *MapHandle) SetFeatureState(f Feature, state []byte) error {
	return m.call("MapHandle.SetFeatureState", func() capi.Res {
		return capi.MapSetFeatureState(m.id, &f.Source, capi.Opt(f.SourceLayer), &f.ID, state)
	})
}

// FeatureState returns the feature's state as a JSON object ("{}" when none).
func (m *MapHandle) FeatureState(f Feature) ([]byte, error) {
	return m.callJSON("MapHandle.FeatureState", func() ([]byte, capi.Res) {
		return capi.MapGetFeatureState(m.id, &f.Source, capi.Opt(f.SourceLayer), &f.ID)
	})
}

// RemoveFeatureState removes key from the feature's state; with key "" the
// feature's whole state; with f.ID "" every feature's state in the source
// (layer).
func (m *MapHandle) RemoveFeatureState(f Feature, key string) error {
	return m.call("MapHandle.RemoveFeatureState", func() capi.Res {
		return capi.MapRemoveFeatureState(m.id, &f.Source, capi.Opt(f.SourceLayer), capi.Opt(f.ID), capi.Opt(key))
	})
}

// PixelForLngLat returns where a geographic point appears in the view, in
// logical pixels from the top-left corner (it may lie outside the view).
func (m *MapHandle) PixelForLngLat(lon, lat float64) (x, y float64, err error) {
	const op = "MapHandle.PixelForLngLat"
	if err := m.st.Check(op); err != nil {
		return 0, 0, err
	}
	x, y, r := capi.MapPixelForLngLat(m.id, lon, lat)
	runtime.KeepAlive(m)
	if err := status.Of(op, r); err != nil {
		return 0, 0, err
	}
	return x, y, nil
}

// LngLatForPixel returns the geographic point under a view position
// (logical pixels).
func (m *MapHandle) LngLatForPixel(x, y float64) (lon, lat float64, err error) {
	const op = "MapHandle.LngLatForPixel"
	if err := m.st.Check(op); err != nil {
		return 0, 0, err
	}
	lon, lat, r := capi.MapLngLatForPixel(m.id, x, y)
	runtime.KeepAlive(m)
	if err := status.Of(op, r); err != nil {
		return 0, 0, err
	}
	return lon, lat, nil
}
