package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"time"

	mapcore "mapcore.dev/mapcore/go"
)

// testMeta is metadata.test of a suite style.
type testMeta struct {
	Width, Height int
	PixelRatio    float64
	Allowed       float64
	Operations    [][]json.RawMessage
	QueryGeometry json.RawMessage
	QueryOptions  json.RawMessage
	Layers        json.RawMessage // 2017 query harness: options at the top of metadata.test
	Filter        json.RawMessage
	Ignored       map[string]any
	Skipped       map[string]any
}

func (m *testMeta) ignored() bool {
	_, ign := m.Ignored["native"]
	return ign || len(m.Skipped) > 0
}

func parseMeta(style []byte) (*testMeta, error) {
	var doc struct {
		Metadata struct {
			Test struct {
				Width, Height *int
				PixelRatio    *float64
				Allowed, Diff *float64
				Operations    []json.RawMessage
				QueryGeometry json.RawMessage
				QueryOptions  json.RawMessage
				Layers        json.RawMessage
				Filter        json.RawMessage
				Ignored       map[string]any
				Skipped       map[string]any
			}
		}
	}
	if err := json.Unmarshal(style, &doc); err != nil {
		return nil, err
	}
	t := doc.Metadata.Test
	m := &testMeta{Width: 512, Height: 512, PixelRatio: 1, Allowed: 0.00015, QueryGeometry: t.QueryGeometry,
		QueryOptions: t.QueryOptions, Layers: t.Layers, Filter: t.Filter, Ignored: t.Ignored, Skipped: t.Skipped}
	if t.Width != nil {
		m.Width = *t.Width
	}
	if t.Height != nil {
		m.Height = *t.Height
	}
	if t.PixelRatio != nil {
		m.PixelRatio = *t.PixelRatio
	}
	if t.Diff != nil {
		m.Allowed = *t.Diff
	}
	if t.Allowed != nil {
		m.Allowed = *t.Allowed
	}
	for i, raw := range t.Operations {
		var op []json.RawMessage
		if err := json.Unmarshal(raw, &op); err != nil || len(op) == 0 {
			return nil, fmt.Errorf("operation %d is not a non-empty array", i)
		}
		m.Operations = append(m.Operations, op)
	}
	return m, nil
}

// harnessServer is the asset server of the 2017 harness, which the suite's
// tileset JSON files (assets/tilesets/*.json) name in their tile URLs.
const harnessServer = "http://localhost:2900/"

// assetProvider serves local://X and http://localhost:2900/X from the
// assets folder; other URLs pass through.
func assetProvider(assets string) mapcore.ResourceProvider {
	return mapcore.ChainProviders(mapcore.DirProvider("local", assets), mapcore.PrefixProvider(harnessServer, assets))
}

// session is one test's runtime, map and texture session on the calling
// (locked) OS thread.
type session struct {
	rt      *mapcore.RuntimeHandle
	m       *mapcore.MapHandle
	s       *mapcore.RenderSessionHandle
	assets  string
	timeout time.Duration
	// failures are the failure and warning events seen so far (a hint
	// when a test fails).
	failures []string
}

func openSession(c *config, meta *testMeta, threads int) (*session, error) {
	rt, err := mapcore.NewRuntime(&mapcore.RuntimeOptions{WorkerThreads: threads, RenderThreads: threads})
	if err != nil {
		return nil, err
	}
	ss := &session{rt: rt, assets: c.assets, timeout: c.timeout}
	if err := rt.SetResourceProvider(assetProvider(c.assets)); err != nil {
		ss.close()
		return nil, err
	}
	ratio := float32(meta.PixelRatio)
	if ss.m, err = rt.NewMap(&mapcore.MapOptions{Width: meta.Width, Height: meta.Height, PixelRatio: ratio}); err != nil {
		ss.close()
		return nil, err
	}
	if ss.s, err = ss.m.NewTextureSession(meta.Width, meta.Height, ratio); err != nil {
		ss.close()
		return nil, err
	}
	return ss, nil
}

func (ss *session) close() {
	_ = ss.rt.CloseAll()
}

func (ss *session) still() error {
	ctx, cancel := context.WithTimeout(context.Background(), ss.timeout)
	defer cancel()
	err := ss.s.RenderStill(ctx)
	ss.drain()
	return err
}

func (ss *session) drain() {
	evs, _ := ss.rt.DrainEvents()
	for _, e := range evs {
		if e.Type.IsFailure() || e.Type == mapcore.EventWarning {
			ss.failures = append(ss.failures, e.String())
		}
	}
}

// events summarizes the failure events (at most three).
func (ss *session) events() string {
	if len(ss.failures) == 0 {
		return ""
	}
	s := strings.Join(ss.failures[:min(3, len(ss.failures))], "; ")
	if len(ss.failures) > 3 {
		s += fmt.Sprintf("; and %d more", len(ss.failures)-3)
	}
	return "events: " + s
}

// setStyle sets a style given as JSON or as a URL string.
func (ss *session) setStyle(style json.RawMessage) error {
	var url string
	if json.Unmarshal(style, &url) == nil {
		return ss.m.SetStyleURL(url)
	}
	return ss.m.SetStyleJSON(style)
}

// args decodes the operation's arguments (after its name) into ptrs; an
// argument may be missing only if optional (ptrs beyond need).
func args(op []json.RawMessage, need int, ptrs ...any) error {
	if len(op)-1 < need {
		return fmt.Errorf("needs %d arguments, has %d", need, len(op)-1)
	}
	for i, p := range ptrs {
		if i+1 >= len(op) {
			break
		}
		if raw, ok := p.(*json.RawMessage); ok {
			*raw = op[i+1]
			continue
		}
		if err := json.Unmarshal(op[i+1], p); err != nil {
			return fmt.Errorf("argument %d: %v", i+1, err)
		}
	}
	return nil
}

// apply runs one suite operation through the public API.
func (ss *session) apply(op []json.RawMessage) error {
	var name string
	if err := json.Unmarshal(op[0], &name); err != nil {
		return fmt.Errorf("operation name %s is not a string", op[0])
	}
	err := ss.applyNamed(name, op)
	if err != nil {
		return fmt.Errorf("operation %s: %w", name, err)
	}
	return nil
}

var errUnsupported = errors.New("not supported by the mapcore API")

func (ss *session) applyNamed(name string, op []json.RawMessage) error {
	var a, b string
	var raw json.RawMessage
	var f float64
	switch name {
	case "wait":
		return ss.still()
	case "setPaintProperty", "setLayoutProperty":
		if err := args(op, 3, &a, &b, &raw); err != nil {
			return err
		}
		if name == "setPaintProperty" {
			return ss.m.SetPaintProperty(a, b, raw)
		}
		return ss.m.SetLayoutProperty(a, b, raw)
	case "setFilter":
		if err := args(op, 1, &a, &raw); err != nil {
			return err
		}
		if raw == nil {
			raw = json.RawMessage("null")
		}
		return ss.m.SetFilter(a, raw)
	case "addLayer":
		var before *string
		if err := args(op, 1, &raw, &before); err != nil {
			return err
		}
		if before == nil {
			before = new(string)
		}
		return ss.m.AddLayer(raw, *before)
	case "removeLayer":
		if err := args(op, 1, &a); err != nil {
			return err
		}
		return ss.m.RemoveLayer(a)
	case "addSource":
		if err := args(op, 2, &a, &raw); err != nil {
			return err
		}
		return ss.m.AddSource(a, raw)
	case "removeSource":
		if err := args(op, 1, &a); err != nil {
			return err
		}
		return ss.m.RemoveSource(a)
	case "addImage":
		var opts struct {
			PixelRatio float32      `json:"pixelRatio"`
			SDF        bool         `json:"sdf"`
			StretchX   [][2]float32 `json:"stretchX"`
			StretchY   [][2]float32 `json:"stretchY"`
			Content    *[4]float32  `json:"content"`
		}
		if err := args(op, 2, &a, &b, &opts); err != nil {
			return err
		}
		img, err := ss.loadImage(b)
		if err != nil {
			return err
		}
		return ss.m.AddImageWithOptions(a, img, &mapcore.ImageOptions{PixelRatio: opts.PixelRatio, SDF: opts.SDF,
			StretchX: opts.StretchX, StretchY: opts.StretchY, Content: opts.Content})
	case "removeImage":
		if err := args(op, 1, &a); err != nil {
			return err
		}
		return ss.m.RemoveImage(a)
	case "setStyle":
		if err := args(op, 1, &raw); err != nil {
			return err
		}
		return ss.setStyle(raw)
	case "setZoom", "setBearing", "setPitch":
		if err := args(op, 1, &f); err != nil {
			return err
		}
		c := mapcore.Camera{Zoom: f, Fields: mapcore.CameraZoom}
		switch name {
		case "setBearing":
			c = mapcore.Camera{Bearing: f, Fields: mapcore.CameraBearing}
		case "setPitch":
			c = mapcore.Camera{Pitch: f, Fields: mapcore.CameraPitch}
		}
		return ss.m.JumpTo(c)
	case "setCenter":
		var ll []float64
		if err := args(op, 1, &ll); err != nil {
			return err
		}
		if len(ll) != 2 {
			return fmt.Errorf("center %v is not [lon, lat]", ll)
		}
		return ss.m.JumpTo(mapcore.Camera{Longitude: ll[0], Latitude: ll[1], Fields: mapcore.CameraCenter})
	case "addClass", "removeClass", "setClasses":
		return fmt.Errorf("legacy style classes are %w", errUnsupported)
	}
	return errUnsupported
}

// loadImage reads an addImage image: local://X from the assets folder, or a
// path relative to the assets folder (the 2017 harness resolved
// "./image/NAME.png" against the folder that held image/).
func (ss *session) loadImage(ref string) (image.Image, error) {
	rel := strings.TrimPrefix(ref, "local://")
	p := filepath.Join(ss.assets, filepath.FromSlash(rel))
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return img, nil
}

// rawNRGBA returns an image's 8-bit RGBA values as stored (no alpha
// conversion for NRGBA PNGs), tightly packed.
func rawNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	if n, ok := img.(*image.NRGBA); ok && n.Stride == 4*b.Dx() && b.Min == (image.Point{}) {
		return n
	}
	n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(n, n.Bounds(), img, b.Min, draw.Src)
	return n
}
