package mapcore

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// labelStyle is a white map with "Hamburg" drawn black at its centre in font
// `font`, with no "glyphs" URL.
func labelStyle(font string) string {
	return `{"version": 8, "center": [0, 0], "zoom": 0,
		"sources": {"p": {"type": "geojson", "data": {"type": "Feature", "properties": {"name": "Hamburg"},
			"geometry": {"type": "Point", "coordinates": [0, 0]}}}},
		"layers": [{"id": "bg", "type": "background", "paint": {"background-color": "white"}},
			{"id": "t", "type": "symbol", "source": "p",
			 "layout": {"text-field": ["get", "name"], "text-font": ["` + font + `"], "text-size": 24},
			 "paint": {"text-color": "black"}}]}`
}

func darkPixels(t *testing.T, tm *testMap) int {
	t.Helper()
	img, err := tm.s.ReadNRGBA()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := img.NRGBAAt(x, y); c.R < 96 && c.A > 200 {
				n++
			}
		}
	}
	return n
}

const fixtureFonts = "../tests/fixtures/fonts"

// Labels without a glyph server: the bundled font draws them, with one
// EventInfo naming the substitution; URL-only mode draws none.
func TestLocalGlyphsWithoutGlyphsURL(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 160, 64)
	tm.render(t, labelStyle("Open Sans Semibold"))
	if n := darkPixels(t, tm); n < 150 {
		t.Errorf("%d dark pixels: the label is not drawn", n)
	}
	evs := tm.events(t)
	if _, ok := findEvent(evs, EventInfo, "Noto Sans Bold"); !ok {
		t.Errorf("no info event naming the bundled face: %v", evs)
	}
	if e, ok := findEvent(evs, EventWarning, ""); ok {
		t.Errorf("unexpected warning %v", e)
	}
	if EventInfo.String() != "info" {
		t.Errorf("EventInfo is %q", EventInfo)
	}
	if err := tm.rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
	tm = openMapWith(t, 160, 64, &RuntimeOptions{Glyphs: GlyphsURLOnly})
	tm.render(t, labelStyle("Open Sans Semibold"))
	if n := darkPixels(t, tm); n != 0 {
		t.Errorf("URL only: %d dark pixels", n)
	}
}

// Fonts from FontDirs and AddFont/AddFontFile are matched by name; hostile
// bytes and files outside the allowed roots are refused.
func TestAddFonts(t *testing.T) {
	lockThread(t)
	dir, err := filepath.Abs(fixtureFonts)
	if err != nil {
		t.Fatal(err)
	}
	tm := openMapWith(t, 160, 64, &RuntimeOptions{FontDirs: []string{dir}, Glyphs: GlyphsLocalFirst})
	tm.render(t, labelStyle("Open Sans Semibold"))
	if n := darkPixels(t, tm); n < 150 {
		t.Errorf("%d dark pixels", n)
	}
	if e, ok := findEvent(tm.events(t), EventInfo, ""); ok {
		t.Errorf("Open Sans Semibold is local, yet %v", e)
	}

	if err := tm.rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
	tm = openMapWith(t, 160, 64, &RuntimeOptions{AllowedRoots: []string{dir}})
	if _, err := tm.rt.AddFont([]byte("not a font")); !errors.Is(err, ErrParse) {
		t.Errorf("AddFont(garbage) = %v, want ErrParse", err)
	}
	if _, err := tm.rt.AddFontFile("/etc/passwd"); !errors.Is(err, ErrIO) {
		t.Errorf("AddFontFile(/etc/passwd) = %v, want ErrIO", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "OpenSans-Semibold-Latin1.ttf"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.rt.AddFont(data[:len(data)/3]); !errors.Is(err, ErrParse) {
		t.Errorf("AddFont(truncated) = %v, want ErrParse", err)
	}
	if n, err := tm.rt.AddFont(data); err != nil || n != 1 {
		t.Errorf("AddFont = %d, %v", n, err)
	}
	if n, err := tm.rt.AddFontFile(filepath.Join(dir, "OpenSans-Semibold-Latin1.ttf")); err != nil || n != 1 {
		t.Errorf("AddFontFile = %d, %v", n, err)
	}
	if err := tm.rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRuntime(&RuntimeOptions{FontDirs: []string{filepath.Join(dir, "none.ttf")}}); !errors.Is(err, ErrIO) {
		t.Errorf("a missing font path: %v, want ErrIO", err)
	}
}
