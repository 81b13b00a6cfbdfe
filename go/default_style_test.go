package mapcore

import (
	"context"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The bundled default style (rust/assets/default-style.json) with its
// Natural Earth data (third_party/naturalearth), loaded from the files the
// native library embeds as builtin://naturalearth/<file>.
func TestDefaultStyleData(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	style, err := os.ReadFile(filepath.Join(root, "rust", "assets", "default-style.json"))
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.ToSlash(filepath.Join(root, "third_party", "naturalearth")) + "/"
	if !strings.Contains(string(style), "builtin://naturalearth/") {
		t.Fatal("the default style does not use builtin://naturalearth/ data")
	}
	s := strings.ReplaceAll(string(style), "builtin://naturalearth/", "file://"+data)
	lockThread(t)
	tm := openMapWith(t, 64, 64, &RuntimeOptions{AllowedRoots: []string{data}})
	if err := tm.m.SetStyleJSON([]byte(s)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		lon, lat float64
		want     color.NRGBA
	}{
		{"Chad (Africa fill)", 18.5, 15.5, color.NRGBA{0xef, 0xe3, 0xc4, 255}},
		{"Atlantic (background)", -30, 0, color.NRGBA{0xaa, 0xcb, 0xe4, 255}},
	} {
		if err := tm.m.JumpTo(Camera{Longitude: c.lon, Latitude: c.lat, Zoom: 4}); err != nil {
			t.Fatal(err)
		}
		if err := tm.s.RenderStill(context.Background()); err != nil {
			t.Fatal(err)
		}
		img, err := tm.s.ReadNRGBA()
		if err != nil {
			t.Fatal(err)
		}
		if got := img.NRGBAAt(32, 32); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	for _, e := range tm.events(t) {
		if e.Type.IsFailure() {
			t.Errorf("failure event: %v", e)
		}
	}
}

// The same through the native library's builtin:// assets (the style
// loads asynchronously and applies its own camera, so move after loading).
func TestBuiltinDefaultStyle(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 64, 64)
	if err := tm.m.SetStyleURL("builtin://default-style.json"); err != nil {
		t.Fatal(err)
	}
	if err := tm.s.RenderStill(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, err := tm.m.Camera(); err != nil || c.Longitude != 0 || c.Latitude != 20 || c.Zoom != 1 {
		t.Fatalf("the style's camera was not applied: %+v %v", c, err)
	}
	for _, c := range []struct {
		lon, lat float64
		want     color.NRGBA
	}{{18.5, 15.5, color.NRGBA{0xef, 0xe3, 0xc4, 255}}, {-30, 0, color.NRGBA{0xaa, 0xcb, 0xe4, 255}}} {
		if err := tm.m.JumpTo(Camera{Longitude: c.lon, Latitude: c.lat, Zoom: 4}); err != nil {
			t.Fatal(err)
		}
		if err := tm.s.RenderStill(context.Background()); err != nil {
			t.Fatal(err)
		}
		img, err := tm.s.ReadNRGBA()
		if err != nil {
			t.Fatal(err)
		}
		if got := img.NRGBAAt(32, 32); got != c.want {
			t.Errorf("%v,%v: %v, want %v", c.lon, c.lat, got, c.want)
		}
	}
	evs := tm.events(t)
	if _, ok := findEvent(evs, EventStyleLoaded, ""); !ok {
		t.Fatalf("no style-loaded event: %v", evs)
	}
	for _, e := range evs {
		if e.Type.IsFailure() {
			t.Errorf("failure event: %v", e)
		}
	}
}
