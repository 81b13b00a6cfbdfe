package main

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const poly = `{"type":"Feature","properties":{},"geometry":{"type":"Polygon",
"coordinates":[[[-170,-80],[170,-80],[170,80],[-170,80],[-170,-80]]]}}`

// A GeoJSON style: a polygon from a relative path (asset root), a circle
// source from local:// that does not exist (a warning, not an error).
const style = `{"version":8,"center":[0,0],"zoom":0,
"sources":{"g":{"type":"geojson","data":"data/poly.geojson"},
           "m":{"type":"geojson","data":"local://missing.geojson"}},
"layers":[{"id":"bg","type":"background","paint":{"background-color":"#ff0000"}},
          {"id":"f","type":"fill","source":"g","paint":{"fill-color":"#0000ff"}},
          {"id":"c","type":"circle","source":"m"}]}`

// readPNG decodes the image written to path.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func writeFiles(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRenderGeoJSONStyle(t *testing.T) {
	dir := writeFiles(t, map[string]string{"style.json": style, "data/poly.geojson": poly})
	out := filepath.Join(dir, "out.png")
	var stderr bytes.Buffer
	code := run([]string{"-style", filepath.Join(dir, "style.json"), "-size", "64x32", "-ratio", "2",
		"-center", "10,5", "-zoom", "1", "-o", out}, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "warning") || !strings.Contains(stderr.String(), "missing.geojson") {
		t.Fatalf("no warning for the missing source: %q", stderr.String())
	}
	img := readPNG(t, out)
	if b := img.Bounds(); b.Dx() != 128 || b.Dy() != 64 {
		t.Fatalf("size %v", b)
	}
	if c := color.NRGBAModel.Convert(img.At(64, 32)).(color.NRGBA); c != (color.NRGBA{0, 0, 255, 255}) {
		t.Fatalf("center pixel %v", c)
	}
}

func TestErrorsAreOneLine(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad.json": `{"version":7,"sources":{},"layers":[{"id":1}]}`,
		"trunc.json": `{"version":`})
	for _, args := range [][]string{
		{"-size", "10"},
		{"-nope"},
		{"-zoom", "99"},
		{"-center", "1"},
		{"-quality", "101"},
		{"-o", "map.gif"},
		{"-style", filepath.Join(dir, "absent.json")},
		{"-style", filepath.Join(dir, "bad.json")},
		{"-style", filepath.Join(dir, "trunc.json")},
	} {
		var stderr bytes.Buffer
		if args[0] != "-o" {
			args = append(args, "-o", filepath.Join(dir, "x.png"))
		}
		if code := run(args, &stderr); code != 1 {
			t.Errorf("%v: exit %d", args, code)
		}
		s := stderr.String()
		if strings.Count(s, "\n") != 1 || !strings.HasPrefix(s, "mapcore-render: ") {
			t.Errorf("%v: not a one-line error: %q", args, s)
		}
		if _, err := os.Stat(filepath.Join(dir, "x.png")); err == nil {
			t.Errorf("%v: image written despite the error", args)
		}
	}
}

func TestDefaultStyle(t *testing.T) {
	out := filepath.Join(t.TempDir(), "world.png")
	var stderr bytes.Buffer
	if code := run([]string{"-size", "128x64", "-center", "18.5,15.5", "-zoom", "4", "-o", out}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Fatalf("warnings for the built-in style: %s", stderr.String())
	}
	img := readPNG(t, out)
	// Chad, in the Africa fill colour of the default style.
	if c := color.NRGBAModel.Convert(img.At(64, 32)).(color.NRGBA); c != (color.NRGBA{0xef, 0xe3, 0xc4, 255}) {
		t.Fatalf("center pixel %v", c)
	}
}

// Local files: the style's folder and -assets are allowed, other folders
// only with -allow-files, and /etc/passwd never by default.
func TestAllowFiles(t *testing.T) {
	styleDir := writeFiles(t, map[string]string{})
	other := writeFiles(t, map[string]string{"poly.geojson": poly})
	s := `{"version":8,"center":[0,0],"zoom":0,
"sources":{"g":{"type":"geojson","data":"file://` + filepath.ToSlash(filepath.Join(other, "poly.geojson")) + `"},
           "p":{"type":"geojson","data":"file:///etc/passwd"}},
"layers":[{"id":"bg","type":"background","paint":{"background-color":"#ff0000"}},
          {"id":"f","type":"fill","source":"g","paint":{"fill-color":"#0000ff"}},
          {"id":"c","type":"circle","source":"p"}]}`
	if err := os.WriteFile(filepath.Join(styleDir, "style.json"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	centre := func(extra ...string) (color.NRGBA, string) {
		out := filepath.Join(styleDir, "out.png")
		var stderr bytes.Buffer
		args := append([]string{"-style", filepath.Join(styleDir, "style.json"), "-size", "32x32", "-o", out}, extra...)
		if code := run(args, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		return color.NRGBAModel.Convert(readPNG(t, out).At(16, 16)).(color.NRGBA), stderr.String()
	}
	c, warnings := centre()
	if c != (color.NRGBA{255, 0, 0, 255}) || !strings.Contains(warnings, "poly.geojson") || !strings.Contains(warnings, "-allow-files") {
		t.Fatalf("a file outside the allowed folders was read: %v %q", c, warnings)
	}
	if !strings.Contains(warnings, "/etc/passwd") {
		t.Fatalf("no warning for /etc/passwd: %q", warnings)
	}
	c, warnings = centre("-allow-files", other)
	if c != (color.NRGBA{0, 0, 255, 255}) || strings.Contains(warnings, "poly.geojson") {
		t.Fatalf("-allow-files: %v %q", c, warnings)
	}
	if !strings.Contains(warnings, "/etc/passwd") {
		t.Fatalf("no warning for /etc/passwd with -allow-files: %q", warnings)
	}
}

// The output format follows -o's extension: JPEG (with -quality) and
// lossless WebP, encoded by the library.
func TestOutputFormats(t *testing.T) {
	dir := writeFiles(t, map[string]string{"style.json": style, "data/poly.geojson": poly})
	for name, magic := range map[string]string{"out.jpg": "\xff\xd8\xff", "out.webp": "RIFF"} {
		out := filepath.Join(dir, name)
		var stderr bytes.Buffer
		if code := run([]string{"-style", filepath.Join(dir, "style.json"), "-size", "64x32", "-quality", "90", "-o", out}, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil || !strings.HasPrefix(string(b), magic) {
			t.Fatalf("%s: % x %v", name, b[:min(len(b), 8)], err)
		}
		if name == "out.jpg" {
			img, err := jpeg.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			c := color.NRGBAModel.Convert(img.At(32, 16)).(color.NRGBA)
			if c.B < 240 || c.R > 15 || c.G > 15 {
				t.Fatalf("JPEG center pixel %v, want blue", c)
			}
		}
	}
}

// -bounds fits a box: a box inside the blue polygon (±170, ±80) fills the
// image, and padding around the polygon's own bounds shows the red
// background.
func TestBounds(t *testing.T) {
	dir := writeFiles(t, map[string]string{"style.json": style, "data/poly.geojson": poly})
	render := func(extra ...string) image.Image {
		out := filepath.Join(dir, "b.png")
		var stderr bytes.Buffer
		args := append([]string{"-style", filepath.Join(dir, "style.json"), "-size", "512x256", "-o", out}, extra...)
		if code := run(args, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		return readPNG(t, out)
	}
	at := func(img image.Image, x, y int) color.NRGBA {
		return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	}
	img := render("-bounds", "-20,-10,20,10")
	if c := at(img, 1, 1); c != (color.NRGBA{0, 0, 255, 255}) {
		t.Fatalf("corner %v, want the polygon", c)
	}
	img = render("-bounds", "-170,-80,170,80", "-padding", "8")
	// The fit is width-bound: the left and right padding show the
	// background.
	if c := at(img, 3, 128); c != (color.NRGBA{255, 0, 0, 255}) {
		t.Fatalf("padded left edge %v, want the background", c)
	}
	if c := at(img, 508, 128); c != (color.NRGBA{255, 0, 0, 255}) {
		t.Fatalf("padded right edge %v, want the background", c)
	}
	if c := at(img, 256, 128); c != (color.NRGBA{0, 0, 255, 255}) {
		t.Fatalf("centre %v, want the polygon", c)
	}
	var stderr bytes.Buffer
	for _, bad := range [][]string{{"-bounds", "1,2,3"}, {"-padding", "-1"}, {"-bounds", "0,0,1,1", "-zoom", "3"}} {
		stderr.Reset()
		if code := run(append(bad, "-o", filepath.Join(dir, "x.png")), &stderr); code != 1 {
			t.Errorf("%v: exit %d", bad, code)
		}
	}
}

// A source whose every tile fails the same way (here: tiles outside the
// allowed folders) is reported once, with a count, not once per tile.
func TestRepeatedTileFailuresPrintedOnce(t *testing.T) {
	dir := writeFiles(t, map[string]string{})
	s := `{"version":8,"center":[0,0],"zoom":2,
"sources":{"r":{"type":"raster","tiles":["file:///etc/mapcore-none/{z}/{x}/{y}.png"],"tileSize":256}},
"layers":[{"id":"r","type":"raster","source":"r"}]}`
	if err := os.WriteFile(filepath.Join(dir, "style.json"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	args := []string{"-style", filepath.Join(dir, "style.json"), "-size", "512x512", "-o", filepath.Join(dir, "out.png")}
	if code := run(args, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stderr.String()
	if n := strings.Count(out, "kind=tile url="); n != 1 {
		t.Fatalf("%d tile failure lines, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "more tile failures") || !strings.Contains(out, `for source "r", not shown`) {
		t.Fatalf("no count of the repeated failures:\n%s", out)
	}
}
