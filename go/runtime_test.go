package mapcore

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Local files are served only under RuntimeOptions.AllowedRoots; a refusal
// is a resource error naming the URL and the option, and the rest draws.
func TestAllowedRoots(t *testing.T) {
	lockThread(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "poly.geojson"), []byte(testPolygon), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + filepath.ToSlash(filepath.Join(dir, "poly.geojson"))
	for _, c := range []struct {
		roots   []string
		blue    bool
		refused string
	}{
		{nil, false, url},
		{[]string{dir}, true, ""},
		{[]string{t.TempDir()}, false, url},
	} {
		tm := openMapWith(t, 64, 64, &RuntimeOptions{AllowedRoots: c.roots})
		tm.render(t, styleWithData(url))
		want := [4]byte{255, 0, 0, 255}
		if c.blue {
			want = [4]byte{0, 0, 255, 255}
		}
		img, err := tm.s.ReadNRGBA()
		if err != nil {
			t.Fatal(err)
		}
		if got := img.NRGBAAt(32, 32); got != (color.NRGBA{want[0], want[1], want[2], want[3]}) {
			t.Errorf("roots %v: centre %v, want %v", c.roots, got, want)
		}
		found := false
		for _, e := range tm.events(t) {
			if e.Type == EventResourceError && e.URL == c.refused && strings.Contains(e.Message, "AllowedRoots") {
				found = true
			}
		}
		if found != (c.refused != "") {
			t.Errorf("roots %v: refusal event %v, want %v", c.roots, found, c.refused != "")
		}
		if err := tm.rt.CloseAll(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := NewRuntime(&RuntimeOptions{AllowedRoots: []string{"/nonexistent/mapcore/root"}}); err == nil ||
		!strings.Contains(err.Error(), "/nonexistent/mapcore/root") {
		t.Errorf("a missing root: %v", err)
	}
	if _, err := NewRuntime(&RuntimeOptions{MaxTileCacheBytes: -1}); err == nil || !strings.Contains(err.Error(), "limits") {
		t.Errorf("a negative tile cache: %v", err)
	}
	// A tile cache of one byte keeps only the view's tiles: still drawn.
	tm := openMapWith(t, 64, 64, &RuntimeOptions{MaxTileCacheBytes: 1, AllowedRoots: []string{dir}})
	tm.render(t, styleWithData(url))
	if img, err := tm.s.ReadNRGBA(); err != nil || img.NRGBAAt(32, 32) != (color.NRGBA{0, 0, 255, 255}) {
		t.Errorf("a one-byte tile cache: %v", err)
	}
	if err := tm.rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRuntime(&RuntimeOptions{MaxResourceBytes: -1}); err == nil || !strings.Contains(err.Error(), "limits") {
		t.Errorf("a negative limit: %v", err)
	}
	if _, err := NewRuntime(&RuntimeOptions{MaxFeaturesPerTile: -1}); err == nil || !strings.Contains(err.Error(), "limits") {
		t.Errorf("a negative feature limit: %v", err)
	}
}

// renderWith renders style once on a 64 x 64 map of a runtime with opts,
// returning the image and the events it drained.
func renderWith(t *testing.T, opts *RuntimeOptions, style string) (*image.NRGBA, []Event) {
	t.Helper()
	tm := openMapWith(t, 64, 64, opts)
	tm.render(t, style)
	img, err := tm.s.ReadNRGBA()
	if err != nil {
		t.Fatal(err)
	}
	events := tm.events(t)
	if err := tm.rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
	return img, events
}

// messages returns the messages of the events of type kind that contain part.
func messages(events []Event, kind EventType, part string) []string {
	var out []string
	for _, e := range events {
		if e.Type == kind && strings.Contains(e.Message, part) {
			out = append(out, e.Message)
		}
	}
	return out
}

// twoPoints is a style drawing `layers` over two points near the centre.
func twoPoints(layers string) string {
	return `{"version": 8, "center": [0, 0], "zoom": 0, "sources": {
		"two": {"type": "geojson", "data": {"type": "FeatureCollection", "features": [
			{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 0]}},
			{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 1]}}]}}},
		"layers": [{"id": "bg", "type": "background", "paint": {"background-color": "blue"}}, ` + layers + `]}`
}

// MaxFeaturesPerTile reaches the engine: a tile over it fails with a tile
// error naming the limit, and the rest of the map draws.
func TestTileFeatureLimit(t *testing.T) {
	lockThread(t)
	style := twoPoints(`{"id": "c", "type": "circle", "source": "two", "paint": {"circle-color": "red"}}`)
	for _, limit := range []int64{0, 1} {
		img, events := renderWith(t, &RuntimeOptions{MaxFeaturesPerTile: limit}, style)
		named := len(messages(events, EventTileError, "max_features_per_tile"))
		centre := img.NRGBAAt(32, 32)
		if limit == 0 && (named != 0 || centre.R != 255) {
			t.Errorf("default limit: centre %v, %d limit errors", centre, named)
		}
		if limit == 1 && (named == 0 || centre != (color.NRGBA{0, 0, 255, 255})) {
			t.Errorf("limit 1: centre %v (want the background), %d limit errors in %v", centre, named, events)
		}
	}
}

// MaxImagePixels, MaxTilesPerSource and MaxVerticesPerTile reach the engine:
// past each, an event names the option and the rest of the map draws; with
// the defaults the same style draws without them.
func TestImageTileAndVertexLimits(t *testing.T) {
	lockThread(t)
	dir := t.TempDir()
	var sheet bytes.Buffer
	green := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := range green.Pix {
		green.Pix[i] = 255 * uint8(i%4%2) // 0, 255, 0, 255: opaque green
	}
	if err := png.Encode(&sheet, green); err != nil {
		t.Fatal(err)
	}
	mvt, err := os.ReadFile(filepath.Join("..", "tests", "fixtures", "tiles", "14-8802-5374.mvt"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"t.png": sheet.Bytes(), "t.mvt": mvt} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := "file://" + filepath.ToSlash(dir)
	// The fixture's vector tile as tile 0/0/0 under an opaque 4 x 4 raster at
	// 64 pixels a tile (about four tiles in view), and a red point over both.
	style := `{"version": 8, "center": [0, 0], "zoom": 1, "sources": {
		"r": {"type": "raster", "tiles": ["` + file + `/t.png"], "tileSize": 64},
		"v": {"type": "vector", "tiles": ["` + file + `/t.mvt"], "minzoom": 0, "maxzoom": 0},
		"p": {"type": "geojson", "data": {"type": "Point", "coordinates": [0, 0]}}},
		"layers": [{"id": "bg", "type": "background", "paint": {"background-color": "blue"}},
			{"id": "b", "type": "fill", "source": "v", "source-layer": "building"},
			{"id": "r", "type": "raster", "source": "r"},
			{"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": 8}}]}`
	for _, c := range []struct {
		opts RuntimeOptions
		kind EventType
		part string
	}{
		{RuntimeOptions{MaxImagePixels: 15}, EventResourceError, "max_image_pixels"},
		{RuntimeOptions{MaxTilesPerSource: 1}, EventWarning, "max_tiles_per_source"},
		{RuntimeOptions{MaxVerticesPerTile: 50}, EventTileError, "max_vertices_per_tile"},
	} {
		for _, limited := range []bool{false, true} {
			opts := RuntimeOptions{AllowedRoots: []string{dir}}
			if limited {
				opts = c.opts
				opts.AllowedRoots = []string{dir}
			}
			img, events := renderWith(t, &opts, style)
			named := messages(events, c.kind, c.part)
			if centre := img.NRGBAAt(32, 32); centre != (color.NRGBA{255, 0, 0, 255}) {
				t.Errorf("%s (limited %v): centre %v, want the red point; events %v", c.part, limited, centre, events)
			}
			if limited != (len(named) > 0) {
				t.Errorf("%s (limited %v): events naming it %q; all events %v", c.part, limited, named, events)
			}
			// The raster draws unless its tiles are refused: a corner is green.
			refused := limited && c.part == "max_image_pixels"
			if corner := img.NRGBAAt(2, 2); (corner == (color.NRGBA{0, 255, 0, 255})) == refused {
				t.Errorf("%s (limited %v): corner %v (want green unless the raster is refused)", c.part, limited, corner)
			}
		}
	}
}

// MaxOverdraw reaches the engine: a frame asking for more drawing than it
// allows skips the draw commands past it with a warning naming the option
// and the layer, and the layers after it draw.
func TestOverdrawLimit(t *testing.T) {
	lockThread(t)
	style := twoPoints(`{"id": "wide", "type": "circle", "source": "two", "paint": {"circle-color": "green", "circle-radius": 1000}},
		{"id": "c", "type": "circle", "source": "two", "paint": {"circle-color": "red", "circle-radius": 3}}`)
	if _, err := NewRuntime(&RuntimeOptions{MaxOverdraw: -1}); err == nil || !strings.Contains(err.Error(), "limits") {
		t.Errorf("a negative overdraw limit: %v", err)
	}
	// The two wide circles cost a frame each: within the default, over a
	// bound of 4 frames, whose layer share (a quarter) is one frame.
	for _, limit := range []int{0, 4} {
		img, events := renderWith(t, &RuntimeOptions{MaxOverdraw: limit}, style)
		named := messages(events, EventWarning, "max_overdraw")
		centre, corner := img.NRGBAAt(32, 32), img.NRGBAAt(1, 1)
		if limit == 0 && (len(named) != 0 || centre.R != 255 || corner.G == 0) {
			t.Errorf("default limit: centre %v, corner %v, warnings %q", centre, corner, named)
		}
		if limit == 4 && (len(named) != 1 || !strings.Contains(named[0], `of layer "wide" (1)`) || centre.R != 255 || corner.G == 0) {
			t.Errorf("limit 4: centre %v (want the red circle), corner %v (want green), warnings %q", centre, corner, named)
		}
	}
}

// MaxRequestsInFlight reaches the engine: a style asking for many tiles at
// once has at most that many with the provider at any moment (each answered
// on its own goroutine, as HTTPProvider does), every tile is asked for once,
// and the map draws.
func TestRequestsInFlightLimit(t *testing.T) {
	lockThread(t)
	if _, err := NewRuntime(&RuntimeOptions{MaxRequestsInFlight: -1}); err == nil || !strings.Contains(err.Error(), "limits") {
		t.Errorf("a negative request limit: %v", err)
	}
	const sources, limit = 24, 3
	var srcs, layers []string
	for i := 0; i < sources; i++ {
		srcs = append(srcs, fmt.Sprintf(`"v%d": {"type": "vector", "tiles": ["https://tiles/%d/{z}/{x}/{y}.mvt"], "maxzoom": 0}`, i, i))
		layers = append(layers, fmt.Sprintf(`{"id": "r%d", "type": "line", "source": "v%d", "source-layer": "road"}`, i, i))
	}
	style := twoPoints(strings.Join(layers, ", ") + `, {"id": "c", "type": "circle", "source": "two", "paint": {"circle-color": "red"}}`)
	style = strings.Replace(style, `"sources": {`, `"sources": {`+strings.Join(srcs, ", ")+`, `, 1)
	tm := openMapWith(t, 64, 64, &RuntimeOptions{MaxRequestsInFlight: limit})
	var out, most, total atomic.Int32
	var mu sync.Mutex
	seen := map[string]int{}
	err := tm.rt.SetResourceProvider(ResourceProviderFunc(func(req *ResourceRequestHandle) bool {
		n := out.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		total.Add(1)
		mu.Lock()
		seen[req.URL()]++
		mu.Unlock()
		go func() {
			time.Sleep(2 * time.Millisecond)
			out.Add(-1)
			_ = req.NotFound()
		}()
		return true
	}))
	if err != nil {
		t.Fatal(err)
	}
	tm.render(t, style)
	if m := most.Load(); m != limit {
		t.Errorf("at most %d requests were out at once, want %d", m, limit)
	}
	if n := total.Load(); n != sources || len(seen) != sources {
		t.Errorf("%d requests for %d URLs, want one for each of %d tiles", n, len(seen), sources)
	}
	img, err := tm.s.ReadNRGBA()
	if err != nil {
		t.Fatal(err)
	}
	if c := img.NRGBAAt(32, 32); c.R != 255 || c.B != 0 {
		t.Errorf("centre %v, want the red circle", c)
	}
}

// MaxStyleLayers and MaxStyleSources reach the engine: a style past a cap
// keeps its first layers (a warning names the option) and AddLayer and
// AddSource refuse to go past it.
func TestStyleCaps(t *testing.T) {
	lockThread(t)
	for _, o := range []RuntimeOptions{{MaxStyleLayers: -1}, {MaxStyleSources: -1}} {
		if _, err := NewRuntime(&o); err == nil || !strings.Contains(err.Error(), "limits") {
			t.Errorf("a negative style cap %+v: %v", o, err)
		}
	}
	// bg (blue), then the red circle, then a green one past the cap of 2.
	style := twoPoints(`{"id": "c", "type": "circle", "source": "two", "paint": {"circle-color": "red"}},
		{"id": "g", "type": "circle", "source": "two", "paint": {"circle-color": "lime"}}`)
	img, events := renderWith(t, &RuntimeOptions{MaxStyleLayers: 2}, style)
	if c := img.NRGBAAt(32, 32); c.R != 255 || c.G != 0 {
		t.Errorf("centre %v, want the red circle (the green one is past the cap)", c)
	}
	if named := messages(events, EventWarning, "max_style_layers (2"); len(named) != 1 {
		t.Errorf("warnings naming max_style_layers: %q in %v", named, events)
	}
	tm := openMapWith(t, 64, 64, &RuntimeOptions{MaxStyleLayers: 2, MaxStyleSources: 1})
	tm.render(t, twoPoints(`{"id": "c", "type": "circle", "source": "two"}`))
	err := tm.m.AddLayer([]byte(`{"id": "x", "type": "background"}`), "")
	if err == nil || !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "max_style_layers (2") {
		t.Errorf("AddLayer past the cap: %v", err)
	}
	err = tm.m.AddSource("s2", []byte(`{"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}`))
	if err == nil || !strings.Contains(err.Error(), "max_style_sources (1") {
		t.Errorf("AddSource past the cap: %v", err)
	}
}

// MaxTilesPerView reaches the engine: of two sources each needing the
// view's 4 tiles, the first (in the layers' order) takes 3 of a bound of 3
// and the second none; a warning names the limit and both sources.
func TestTilesPerViewLimit(t *testing.T) {
	lockThread(t)
	for _, n := range []int{-1, math.MaxUint32 + 1} {
		if _, err := NewRuntime(&RuntimeOptions{MaxTilesPerView: n}); err == nil || !strings.Contains(err.Error(), "limits") {
			t.Errorf("MaxTilesPerView %d: %v", n, err)
		}
	}
	style := `{"version": 8, "center": [0, 0], "zoom": 3, "sources": {
		"a": {"type": "vector", "tiles": ["local://missing-a/{z}/{x}/{y}.mvt"]},
		"b": {"type": "vector", "tiles": ["local://missing-b/{z}/{x}/{y}.mvt"]}},
		"layers": [{"id": "fa", "type": "fill", "source": "a", "source-layer": "x"},
			{"id": "fb", "type": "fill", "source": "b", "source-layer": "x"}]}`
	asked := func(events []Event, source string) int {
		n := 0
		for _, e := range events {
			if e.Type == EventResourceError && e.SourceID == source {
				n++
			}
		}
		return n
	}
	_, events := renderWith(t, &RuntimeOptions{MaxTilesPerView: 3}, style)
	named := messages(events, EventWarning, "max_tiles_per_view limit of 3")
	if len(named) != 1 || !strings.Contains(named[0], `sources "a", "b" drew only part`) || asked(events, "a") != 3 || asked(events, "b") != 0 {
		t.Errorf("bound 3: warnings %q, tiles asked of a %d, of b %d (want 3, 0)", named, asked(events, "a"), asked(events, "b"))
	}
	_, events = renderWith(t, &RuntimeOptions{}, style)
	if named := messages(events, EventWarning, "max_tiles_per_view"); len(named) != 0 || asked(events, "a") != 4 || asked(events, "b") != 4 {
		t.Errorf("default: warnings %q, tiles asked of a %d, of b %d (want 4, 4)", named, asked(events, "a"), asked(events, "b"))
	}
}

// MaxGeoJSONCutBytes reaches the engine: a line zig-zagging across
// longitude 0 is a piece per crossing in every tile it is cut into; under a
// small limit the view's tiles fail with an EventTileError naming it and
// the point over the line still draws; under the default they are cut.
func TestGeoJSONCutLimit(t *testing.T) {
	lockThread(t)
	if _, err := NewRuntime(&RuntimeOptions{MaxGeoJSONCutBytes: -1}); err == nil || !strings.Contains(err.Error(), "limits") {
		t.Errorf("a negative cut limit: %v", err)
	}
	coords := make([]string, 20000)
	for i := range coords {
		x := 0.2 * float64(1+i%7)
		if i%2 == 0 {
			x = -x
		}
		coords[i] = fmt.Sprintf("[%g, %g]", x, float64(i%50)*0.02-0.5)
	}
	style := `{"version": 8, "center": [0, 0], "zoom": 9, "sources": {
		"line": {"type": "geojson", "data": {"type": "Feature", "properties": {},
			"geometry": {"type": "LineString", "coordinates": [` + strings.Join(coords, ",") + `]}}},
		"p": {"type": "geojson", "data": {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 0]}}}},
		"layers": [{"id": "l", "type": "line", "source": "line", "paint": {"line-color": "blue"}},
			{"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": 4}}]}`
	// The line asks for thousands of times the frame in drawing: MaxOverdraw
	// is raised so that it draws.
	for _, limit := range []int64{0, 20000} {
		img, events := renderWith(t, &RuntimeOptions{MaxGeoJSONCutBytes: limit, MaxOverdraw: math.MaxUint32}, style)
		named := messages(events, EventTileError, "twice the max_geojson_cut_bytes limit")
		if c := img.NRGBAAt(32, 32); c.R != 255 || c.B != 0 {
			t.Errorf("limit %d: centre %v, want the red point", limit, c)
		}
		blue := 0
		for y := 0; y < 64; y++ {
			for x := 0; x < 64; x++ {
				if c := img.NRGBAAt(x, y); c.B > 200 && c.R < 50 {
					blue++
				}
			}
		}
		if limit == 0 && (len(named) != 0 || blue < 100) {
			t.Errorf("default limit: %d blue pixels, tile errors %q", blue, named)
		}
		if limit == 20000 && (len(named) == 0 || blue != 0) {
			t.Errorf("limit 20000: %d blue pixels (want none: its tiles fail), tile errors %q in %v", blue, named, events)
		}
	}
}

func TestExpressionLimits(t *testing.T) {
	lockThread(t)
	for _, o := range []RuntimeOptions{{MaxExpressionNodes: -1}, {MaxExpressionDepth: math.MaxUint32 + 1}} {
		if _, err := NewRuntime(&o); err == nil || !strings.Contains(err.Error(), "limits") {
			t.Errorf("%+v: %v", o, err)
		}
	}
	if _, err := NewRuntime(&RuntimeOptions{MaxExpressionDepth: 101}); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "max_expression_depth is 101, more than 100") {
		t.Errorf("depth 101: %v", err)
	}
	// A circle radius of 20 nested additions (41 nodes): drawn within the
	// defaults, refused past 16 levels or 32 nodes, the radius then its default.
	radius := "8"
	for i := 0; i < 20; i++ {
		radius = `["+", 1, ` + radius + `]`
	}
	style := `{"version": 8, "center": [0, 0], "zoom": 0, "sources": {"p": {"type": "geojson", "data":
		{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 0]}}}},
		"layers": [{"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": ` + radius + `}}]}`
	cases := []struct {
		opts    RuntimeOptions
		warning string
	}{
		{RuntimeOptions{}, ""},
		{RuntimeOptions{MaxExpressionDepth: 16}, "more than 16 levels (the expression depth limit, max_expression_depth"},
		{RuntimeOptions{MaxExpressionNodes: 32}, "more than 32 nodes (the expression size limit, max_expression_nodes"},
	}
	for _, c := range cases {
		img, events := renderWith(t, &c.opts, style)
		w := img.Bounds().Dx()
		red := 0
		for x := w / 2; x < w && img.NRGBAAt(x, img.Bounds().Dy()/2).R == 255; x++ {
			red++
		}
		warned := messages(events, EventWarning, "circle-radius")
		if c.warning == "" && (red < 20 || len(warned) != 0) {
			t.Errorf("defaults: %d px of radius, warnings %q", red, warned)
		}
		if c.warning != "" && (red > 8 || len(warned) != 1 || !strings.Contains(warned[0], c.warning)) {
			t.Errorf("%+v: %d px of radius, warnings %q (want %q)", c.opts, red, warned, c.warning)
		}
	}
}

// MaxGlyphRanges, MaxGlyphBytes and MaxSpriteImages reach the engine: a
// glyph range or sprite image past them is left out with a warning naming
// the limit, and the rest draws.
func TestGlyphAndSpriteLimits(t *testing.T) {
	lockThread(t)
	for _, o := range []RuntimeOptions{{MaxGlyphRanges: -1}, {MaxGlyphBytes: -1}, {MaxSpriteImages: math.MaxUint32 + 1}} {
		if _, err := NewRuntime(&o); err == nil || !strings.Contains(err.Error(), "limits") {
			t.Errorf("%+v: %v", o, err)
		}
	}
	// A label of two glyph ranges (Latin and Cyrillic) from the bundled font.
	label := `{"version": 8, "center": [0, 0], "zoom": 0, "sources": {"p": {"type": "geojson", "data":
		{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 0]}}}},
		"layers": [{"id": "t", "type": "symbol", "source": "p",
			"layout": {"text-field": "Ham Мир", "text-font": ["Noto Sans Regular"], "text-size": 20}}]}`
	for _, c := range []struct {
		opts  RuntimeOptions
		warns []string
	}{
		{RuntimeOptions{}, nil},
		{RuntimeOptions{MaxGlyphRanges: 1}, []string{"glyphs 1024-1279 of font stack \"Noto Sans Regular\" not loaded: the map already has the 1 glyph ranges it may load (max_glyph_ranges)"}},
		{RuntimeOptions{MaxGlyphBytes: 1000}, []string{"more than the 1000 bytes a map keeps (max_glyph_bytes)", "more than the 1000 bytes a map keeps (max_glyph_bytes)"}},
	} {
		_, events := renderWith(t, &c.opts, label)
		warned := messages(events, EventWarning, "")
		if len(warned) != len(c.warns) {
			t.Errorf("%+v: warnings %q, want %q", c.opts, warned, c.warns)
			continue
		}
		for i, w := range c.warns {
			if !strings.Contains(warned[i], w) {
				t.Errorf("%+v: warning %q, want %q", c.opts, warned[i], w)
			}
		}
	}
	// A sprite of three images, two within MaxSpriteImages.
	dir := t.TempDir()
	sheet := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := range sheet.Pix {
		sheet.Pix[i] = 255
	}
	var encoded bytes.Buffer
	if err := png.Encode(&encoded, sheet); err != nil {
		t.Fatal(err)
	}
	entry := `{"x": 0, "y": 0, "width": 2, "height": 2}`
	if err := os.WriteFile(filepath.Join(dir, "s.png"), encoded.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s.json"), []byte(`{"a": `+entry+`, "b": `+entry+`, "c": `+entry+`}`), 0o644); err != nil {
		t.Fatal(err)
	}
	sprite := `{"version": 8, "sprite": "s", "sources": {}, "layers": [{"id": "bg", "type": "background", "paint": {"background-pattern": "b"}}]}`
	img, events := renderWith(t, &RuntimeOptions{AssetRoot: dir, MaxSpriteImages: 2}, sprite)
	warned := messages(events, EventWarning, "")
	if len(warned) != 1 || !strings.Contains(warned[0], "the 1 after the first 2 are skipped (max_sprite_images)") {
		t.Errorf("sprite warnings %q", warned)
	}
	if p := img.NRGBAAt(32, 32); p.A != 255 || p.R != 255 {
		t.Errorf("the pattern of a kept image draws: %v", p)
	}
}
