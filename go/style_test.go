package mapcore

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
)

func TestRuntimeStyling(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	tm.render(t, bgStyle("#ff0000"))
	center := func() color.NRGBA {
		t.Helper()
		if err := tm.s.RenderStill(context.Background()); err != nil {
			t.Fatal(err)
		}
		img, err := tm.s.ReadNRGBA()
		if err != nil {
			t.Fatal(err)
		}
		return img.NRGBAAt(16, 16)
	}
	if err := tm.m.AddSource("g", []byte(`{"type":"geojson","data":`+testPolygon+`}`)); err != nil {
		t.Fatal(err)
	}
	if err := tm.m.AddLayer([]byte(`{"id":"f","type":"fill","source":"g","paint":{"fill-color":"#0000ff"}}`), ""); err != nil {
		t.Fatal(err)
	}
	if c := center(); c != blue {
		t.Fatalf("after AddLayer: %v", c)
	}
	if err := tm.m.SetPaintProperty("f", "fill-color", []byte(`"#00ff00"`)); err != nil {
		t.Fatal(err)
	}
	if v, err := tm.m.PaintProperty("f", "fill-color"); err != nil || string(v) != `"#00ff00"` {
		t.Fatalf("PaintProperty %s %v", v, err)
	}
	if c := center(); c != (color.NRGBA{0, 255, 0, 255}) {
		t.Fatalf("after SetPaintProperty: %v", c)
	}
	err := tm.m.SetPaintProperty("f", "fill-color", []byte(`12`))
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "fill-color") {
		t.Fatalf("invalid value: %v", err)
	}
	if err := tm.m.SetLayoutProperty("f", "visibility", []byte(`"none"`)); err != nil {
		t.Fatal(err)
	}
	if c := center(); c != red {
		t.Fatalf("hidden layer: %v", c)
	}
	if err := tm.m.RemoveLayer("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove unknown layer: %v", err)
	}
	if err := tm.m.RemoveSource("g"); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("remove a used source: %v", err)
	}
	if err := tm.m.AddLayer([]byte(`{"id":"x","type":"fill","source":"g"}`), "no\x00pe"); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NUL in before id: %v", err)
	}
	var style struct {
		Layers []struct{ ID string } `json:"layers"`
	}
	js, err := tm.m.StyleJSON()
	if err != nil || json.Unmarshal(js, &style) != nil || len(style.Layers) != 2 || style.Layers[1].ID != "f" {
		t.Fatalf("StyleJSON %s %v", js, err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	if err := tm.m.AddImage("dot", img, 2, false); err != nil {
		t.Fatal(err)
	}
	if err := tm.m.RemoveImage("dot"); err != nil {
		t.Fatal(err)
	}
}

func TestFeatureStateAndProjection(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	tm.render(t, `{"version":8,"sources":{"g":{"type":"geojson","data":{"type":"Feature","id":7,"properties":{},
"geometry":{"type":"Polygon","coordinates":[[[-170,-80],[170,-80],[170,80],[-170,80],[-170,-80]]]}}}},
"layers":[{"id":"f","type":"fill","source":"g","paint":{"fill-color":
["case",["boolean",["feature-state","hot"],false],"#ff0000","#0000ff"]}}]}`)
	f := Feature{Source: "g", ID: "7"}
	if err := tm.m.SetFeatureState(f, []byte(`{"hot":true}`)); err != nil {
		t.Fatal(err)
	}
	if s, err := tm.m.FeatureState(f); err != nil || !strings.Contains(string(s), `"hot":true`) {
		t.Fatalf("FeatureState %s %v", s, err)
	}
	if err := tm.s.RenderStill(context.Background()); err != nil {
		t.Fatal(err)
	}
	img, _ := tm.s.ReadNRGBA()
	if c := img.NRGBAAt(16, 16); c != red {
		t.Fatalf("feature-state color %v", c)
	}
	if err := tm.m.RemoveFeatureState(f, ""); err != nil {
		t.Fatal(err)
	}
	if s, err := tm.m.FeatureState(f); err != nil || string(s) != "{}" {
		t.Fatalf("after remove %s %v", s, err)
	}
	if err := tm.m.SetFeatureState(Feature{Source: "nope", ID: "1"}, []byte(`{}`)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown source: %v", err)
	}

	x, y, err := tm.m.PixelForLngLat(0, 0)
	if err != nil || math.Abs(x-16) > 1e-6 || math.Abs(y-16) > 1e-6 {
		t.Fatalf("PixelForLngLat(0,0) = %v,%v %v", x, y, err)
	}
	lon, lat, err := tm.m.LngLatForPixel(16, 16)
	if err != nil || math.Abs(lon) > 1e-6 || math.Abs(lat) > 1e-6 {
		t.Fatalf("LngLatForPixel = %v,%v %v", lon, lat, err)
	}
	if _, _, err := tm.m.PixelForLngLat(math.NaN(), 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("NaN: %v", err)
	}
}

// Issue 11, buffers: AddImage passes the pixel slice's length to C and a
// Pix shorter than the bounds and stride need is refused (it used to be
// read past its end).
func TestAddImageChecksLength(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 8, 8)
	tm.render(t, bgStyle("#ff0000"))
	for _, c := range []struct {
		name string
		img  *image.NRGBA
		ok   bool
	}{
		{"exact", &image.NRGBA{Pix: make([]byte, 64), Stride: 16, Rect: image.Rect(0, 0, 4, 4)}, true},
		{"padded rows, short last row", &image.NRGBA{Pix: make([]byte, 20*3+16), Stride: 20, Rect: image.Rect(0, 0, 4, 4)}, true},
		{"sub-image", image.NewNRGBA(image.Rect(0, 0, 8, 8)).SubImage(image.Rect(2, 2, 6, 6)).(*image.NRGBA), true},
		{"one byte short", &image.NRGBA{Pix: make([]byte, 63), Stride: 16, Rect: image.Rect(0, 0, 4, 4)}, false},
		{"short", &image.NRGBA{Pix: make([]byte, 10), Stride: 16, Rect: image.Rect(0, 0, 4, 4)}, false},
		{"padded, short", &image.NRGBA{Pix: make([]byte, 20*3+15), Stride: 20, Rect: image.Rect(0, 0, 4, 4)}, false},
		{"bounds past Pix", &image.NRGBA{Pix: make([]byte, 16), Stride: 16, Rect: image.Rect(0, 4, 4, 8)}, false},
		{"no pixels", &image.NRGBA{Stride: 16, Rect: image.Rect(0, 0, 4, 4)}, false},
	} {
		err := tm.m.AddImage("img", c.img, 1, false)
		if c.ok && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if !c.ok && !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", c.name, err)
		}
	}
}
