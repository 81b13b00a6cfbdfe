package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The HTTP layer against a fake renderer and a fake archive: routing,
// validation, caching, the queue, metrics. (engine_test.go renders for real.)

type fakeRenderer struct {
	calls atomic.Int64
	mu    sync.Mutex
	got   []renderRequest
	block chan struct{} // if set, renders wait for it (or their context)
}

func (f *fakeRenderer) Render(ctx context.Context, req renderRequest) ([]byte, error) {
	f.calls.Add(1)
	f.mu.Lock()
	f.got = append(f.got, req)
	f.mu.Unlock()
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return []byte(fmt.Sprintf("%s %v", req.format, req)), nil
}

func (f *fakeRenderer) last() renderRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got[len(f.got)-1]
}

type fakeArchive struct {
	tiles  map[[3]uint32][]byte
	format string
}

func (a *fakeArchive) Tile(z uint8, x, y uint32) ([]byte, error) {
	return a.tiles[[3]uint32{uint32(z), x, y}], nil
}

func (a *fakeArchive) TileJSON() map[string]any {
	return map[string]any{"format": a.format, "minzoom": 0, "maxzoom": 14}
}

func (a *fakeArchive) Close() error { return nil }

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// testStyle is a style written the tileserver-gl way.
const testStyle = `{"version":8,"name":"Basic","center":[13.4,52.5],"zoom":14,
 "glyphs":"{fontstack}/{range}.pbf","sprite":"basic",
 "sources":{"v":{"type":"vector","url":"mbtiles://{fixture}"}},
 "layers":[{"id":"bg","type":"background","paint":{"background-color":"#f8f4f0"}},
  {"id":"landuse","type":"fill","source":"v","source-layer":"landuse","paint":{"fill-color":"#d8e8c8"}},
  {"id":"water","type":"fill","source":"v","source-layer":"water","paint":{"fill-color":"#a0c8f0"}},
  {"id":"road","type":"line","source":"v","source-layer":"road","paint":{"line-color":"#806040","line-width":2}}]}`

// configDir lays out a tileserver-gl folder: config.json, styles/, fonts/,
// sprites/, data/ (the archive's bytes as given), and returns the config path.
func configDir(t testing.TB, archive []byte) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "styles", "basic.json"), []byte(testStyle))
	writeFile(t, filepath.Join(dir, "fonts", "Open Sans Regular", "0-255.pbf"), []byte("glyphs 0-255"))
	writeFile(t, filepath.Join(dir, "sprites", "basic.json"), []byte(`{}`))
	writeFile(t, filepath.Join(dir, "sprites", "basic.png"), []byte("png"))
	writeFile(t, filepath.Join(dir, "data", "fixture.mbtiles"), archive)
	writeFile(t, filepath.Join(dir, "secret.txt"), []byte("secret"))
	cfg := `{"options":{"paths":{"root":"","styles":"styles","fonts":"fonts","sprites":"sprites","mbtiles":"data","pmtiles":"data"}},
	 "styles":{"basic":{"style":"basic.json"}},
	 "data":{"fixture":{"mbtiles":"fixture.mbtiles"}}}`
	writeFile(t, filepath.Join(dir, "config.json"), []byte(cfg))
	return filepath.Join(dir, "config.json")
}

func testServer(t testing.TB, opt serverOptions, r tileRenderer) (*server, *httptest.Server) {
	t.Helper()
	cfg, err := loadConfig(configDir(t, []byte("not read by the fake")))
	if err != nil {
		t.Fatal(err)
	}
	gz := new(bytes.Buffer)
	zw := gzip.NewWriter(gz)
	zw.Write([]byte("vector tile"))
	zw.Close()
	archives := map[string]tileArchive{"fixture": &fakeArchive{format: "pbf", tiles: map[[3]uint32][]byte{{14, 8802, 5374}: gz.Bytes()}}}
	s, err := newServer(cfg, opt, r, archives, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

type response struct {
	code int
	h    http.Header
	body string
}

func do(t *testing.T, method, url string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func get(t *testing.T, url string) response { return do(t, http.MethodGet, url, nil) }

func TestTileRoutesMapToCameras(t *testing.T) {
	f := &fakeRenderer{}
	_, ts := testServer(t, defaultServerOptions(), f)
	for _, c := range []struct {
		path          string
		zoom          float64
		size          int
		ratio         float64
		format        string
		lonMin, lonMx float64
	}{
		{"/styles/basic/14/8802/5374.png", 13, 256, 1, "png", 13.39, 13.42},
		{"/styles/basic/14/8802/5374@2x.webp", 13, 256, 2, "webp", 13.39, 13.42},
		{"/styles/basic/512/14/8802/5374.jpg", 14, 512, 1, "jpg", 13.39, 13.42},
		{"/styles/basic/256/3/4/2@3x.jpeg", 2, 256, 3, "jpg", 22.5, 22.6},
		{"/styles/basic/0/0/0.png", 0, 512, 0.5, "png", 0, 0},
	} {
		r := get(t, ts.URL+c.path)
		if r.code != 200 {
			t.Fatalf("%s: %d %s", c.path, r.code, r.body)
		}
		got := f.last()
		if got.style != "basic" || got.zoom != c.zoom || got.width != c.size || got.height != c.size || got.ratio != c.ratio ||
			got.format != c.format || got.lon < c.lonMin || got.lon > c.lonMx {
			t.Errorf("%s: rendered %+v", c.path, got)
		}
		if want := contentTypes[c.format]; r.h.Get("Content-Type") != want {
			t.Errorf("%s: Content-Type %q, want %q", c.path, r.h.Get("Content-Type"), want)
		}
	}
}

func TestStaticRoutes(t *testing.T) {
	f := &fakeRenderer{}
	_, ts := testServer(t, defaultServerOptions(), f)
	r := get(t, ts.URL+"/styles/basic/static/13.4,52.5,14@30,45/300x200@2x.png")
	if r.code != 200 {
		t.Fatalf("%d %s", r.code, r.body)
	}
	if g := f.last(); g.lon != 13.4 || g.lat != 52.5 || g.zoom != 14 || g.bearing != 30 || g.pitch != 45 ||
		g.width != 300 || g.height != 200 || g.ratio != 2 || g.bounds != nil {
		t.Errorf("by center: %+v", g)
	}
	r = get(t, ts.URL+"/styles/basic/static/13.3,52.4,13.5,52.6/400x300.webp?padding=20")
	if r.code != 200 {
		t.Fatalf("%d %s", r.code, r.body)
	}
	if g := f.last(); g.bounds == nil || *g.bounds != [4]float64{13.3, 52.4, 13.5, 52.6} || g.padding != 20 || g.format != "webp" {
		t.Errorf("by bounds: %+v", g)
	}
}

func TestBadRequestsAndUnknownIDs(t *testing.T) {
	f := &fakeRenderer{}
	_, ts := testServer(t, defaultServerOptions(), f)
	for _, c := range []struct {
		path string
		code int
		says string
	}{
		{"/styles/basic/23/0/0.png", 400, "zoom"},
		{"/styles/basic/2/4/0.png", 400, "x and y must be 0..3"},
		{"/styles/basic/2/x/0.png", 400, "x and y"},
		{"/styles/basic/1/0/0.gif", 400, "format"},
		{"/styles/basic/1/0/0@4x.png", 400, "scale"},
		{"/styles/basic/300/1/0/0.png", 400, "tile size"},
		{"/styles/basic/static/0,0,1/5000x10.png", 400, "size"},
		{"/styles/basic/static/0,0,1/2048x2048@3x.png", 400, "device pixels"},
		{"/styles/basic/static/0,91,1/100x100.png", 400, "center"},
		{"/styles/basic/static/a,0,1/100x100.png", 400, "not a number"},
		{"/styles/basic/static/0,0,1@0,80/100x100.png", 400, "pitch"},
		{"/styles/basic/static/10,0,5,1/100x100.png", 400, "bounds"},
		{"/styles/basic/static/0,0,1,1/100x100.png?padding=-1", 400, "padding"},
		{"/styles/nope/1/0/0.png", 404, "no style \"nope\""},
		{"/styles/nope.json", 404, "no style"},
		{"/data/nope/0/0/0.pbf", 404, "no data"},
		{"/data/fixture/0/0/0.png", 400, "holds .pbf tiles"},
		{"/elsewhere", 404, "no such page"},
		{"/fonts/Open Sans Regular/0-255.txt", 400, "glyph range"},
		{"/fonts/..%2F..%2Fsecret.txt/0-255.pbf", 400, "glyph range"},
		{"/fonts/%2E%2E/0-255.pbf", 404, "no glyphs"},
		{"/styles/basic/sprite.txt", 404, "no sprite"},
	} {
		r := get(t, ts.URL+c.path)
		if r.code != c.code || !strings.Contains(r.body, c.says) || strings.Count(r.body, "\n") != 1 {
			t.Errorf("%s: %d %q, want %d with %q on one line", c.path, r.code, r.body, c.code, c.says)
		}
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("bad requests reached the renderer %d times", n)
	}
	if r := do(t, http.MethodPost, ts.URL+"/health", nil); r.code != 405 || r.h.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %v", r.code, r.h)
	}
}

func TestCacheETagHeadAnd304(t *testing.T) {
	f := &fakeRenderer{}
	_, ts := testServer(t, defaultServerOptions(), f)
	url := ts.URL + "/styles/basic/5/17/10.png"
	first := get(t, url)
	etag := first.h.Get("ETag")
	if first.code != 200 || etag == "" || !strings.Contains(first.h.Get("Cache-Control"), "max-age=3600") {
		t.Fatalf("first: %d %v", first.code, first.h)
	}
	second := get(t, url)
	if second.body != first.body || second.h.Get("ETag") != etag || f.calls.Load() != 1 {
		t.Errorf("the second GET was rendered again (%d renders) or differs", f.calls.Load())
	}
	head := do(t, http.MethodHead, url, nil)
	if head.code != 200 || head.body != "" || head.h.Get("Content-Length") != fmt.Sprint(len(first.body)) {
		t.Errorf("HEAD: %d %q %v", head.code, head.body, head.h)
	}
	nm := do(t, http.MethodGet, url, map[string]string{"If-None-Match": `"x", ` + etag})
	if nm.code != 304 || nm.body != "" || nm.h.Get("ETag") != etag {
		t.Errorf("If-None-Match: %d %q", nm.code, nm.body)
	}
	if other := do(t, http.MethodGet, url, map[string]string{"If-None-Match": `"other"`}); other.code != 200 {
		t.Errorf("a different ETag: %d", other.code)
	}
	if f.calls.Load() != 1 {
		t.Errorf("%d renders for one tile", f.calls.Load())
	}
}

func TestLRUEvictsByBytes(t *testing.T) {
	c := newLRU(3 * (cacheOverhead + 100))
	// Each entry: key "kN" (2) + body + ETag (26) + type "t" (1) = 100 bytes + overhead.
	body := func(b byte) *cached { return newCached(bytes.Repeat([]byte{b}, 100-2-26-1), "t") }
	for i := 0; i < 3; i++ {
		c.put(fmt.Sprint("k", i), body(byte(i)))
	}
	if _, ok := c.get("k0"); !ok { // k0 is now the most recent
		t.Fatal("k0 missing before the budget was reached")
	}
	c.put("k3", body(3))
	if _, ok := c.get("k1"); ok {
		t.Error("k1 (least recently used) was not evicted")
	}
	for _, k := range []string{"k0", "k2", "k3"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	used, n, ev := c.stats()
	if used > 3*(cacheOverhead+100) || n != 3 || ev != 1 {
		t.Errorf("used %d, %d entries, %d evictions", used, n, ev)
	}
	c.put("huge", newCached(make([]byte, 10000), "t"))
	if _, ok := c.get("huge"); ok {
		t.Error("an entry larger than the budget was kept")
	}
}

func TestQueueFullIs503AndDeadlineIs504(t *testing.T) {
	f := &fakeRenderer{block: make(chan struct{})}
	opt := defaultServerOptions()
	opt.workers, opt.queue, opt.timeout = 1, 1, 2*time.Second
	s, ts := testServer(t, opt, f)
	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for i := 0; i < 2; i++ { // one renders, one waits
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes <- get(t, fmt.Sprintf("%s/styles/basic/3/%d/0.png", ts.URL, i)).code
		}(i)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.queue.inFlight.Load() != 1 || s.queue.waiting.Load() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("in flight %d, waiting %d", s.queue.inFlight.Load(), s.queue.waiting.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	r := get(t, ts.URL+"/styles/basic/3/2/0.png")
	if r.code != 503 || r.h.Get("Retry-After") == "" || !strings.Contains(r.body, "queue is full") {
		t.Errorf("third request: %d %q %v", r.code, r.body, r.h)
	}
	m := get(t, ts.URL+"/metrics").body
	for _, want := range []string{"mapcore_renders_in_flight 1", "mapcore_render_queue_length 1", "mapcore_render_queue_rejected_total 1"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	close(f.block)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("a queued request got %d", c)
		}
	}
	// A render past the deadline: 504.
	f.block = make(chan struct{})
	opt.timeout = 50 * time.Millisecond
	s.opt = opt
	if r := get(t, ts.URL+"/styles/basic/3/3/0.png"); r.code != 504 || !strings.Contains(r.body, "deadline") {
		t.Errorf("past the deadline: %d %q", r.code, r.body)
	}
}

func TestStyleJSONTileJSONDataFontsSprites(t *testing.T) {
	_, ts := testServer(t, defaultServerOptions(), &fakeRenderer{})
	r := get(t, ts.URL+"/styles/basic/style.json")
	var st map[string]any
	if err := json.Unmarshal([]byte(r.body), &st); err != nil || r.code != 200 {
		t.Fatalf("style.json: %d %v", r.code, err)
	}
	src := st["sources"].(map[string]any)["v"].(map[string]any)
	if src["url"] != ts.URL+"/data/fixture.json" || st["glyphs"] != ts.URL+"/fonts/{fontstack}/{range}.pbf" ||
		st["sprite"] != ts.URL+"/styles/basic/sprite" {
		t.Errorf("style.json not rewritten for clients: %v %v %v", src["url"], st["glyphs"], st["sprite"])
	}
	var tj map[string]any
	r = get(t, ts.URL+"/styles/basic.json")
	if err := json.Unmarshal([]byte(r.body), &tj); err != nil || tj["tiles"].([]any)[0] != ts.URL+"/styles/basic/{z}/{x}/{y}.png" {
		t.Errorf("TileJSON: %v %s", err, r.body)
	}
	r = get(t, ts.URL+"/data/fixture.json")
	if err := json.Unmarshal([]byte(r.body), &tj); err != nil || tj["tiles"].([]any)[0] != ts.URL+"/data/fixture/{z}/{x}/{y}.pbf" {
		t.Errorf("data TileJSON: %v %s", err, r.body)
	}
	gz := do(t, http.MethodGet, ts.URL+"/data/fixture/14/8802/5374.pbf", map[string]string{"Accept-Encoding": "gzip"})
	plain := get(t, ts.URL+"/data/fixture/14/8802/5374.pbf")
	if gz.code != 200 || gz.h.Get("Content-Encoding") != "gzip" || plain.body != "vector tile" || plain.h.Get("Content-Encoding") != "" {
		t.Errorf("data tile: gzip %d %q, plain %d %q", gz.code, gz.h.Get("Content-Encoding"), plain.code, plain.body)
	}
	if r := get(t, ts.URL+"/data/fixture/14/0/0.pbf"); r.code != 204 {
		t.Errorf("a missing data tile: %d", r.code)
	}
	if r := get(t, ts.URL+"/fonts/Missing Font,Open Sans Regular/0-255.pbf"); r.code != 200 || r.body != "glyphs 0-255" {
		t.Errorf("font stack fallback: %d %q", r.code, r.body)
	}
	if r := get(t, ts.URL+"/styles/basic/sprite.json"); r.code != 200 || r.body != "{}" {
		t.Errorf("sprite: %d %q", r.code, r.body)
	}
	if r := get(t, ts.URL+"/"); r.code != 200 || !strings.Contains(r.body, `/styles/basic/static/13.4,52.5,14/256x256.png`) {
		t.Errorf("index: %d %s", r.code, r.body)
	}
	if r := get(t, ts.URL+"/health"); r.code != 200 || r.body != "OK\n" {
		t.Errorf("health: %d %q", r.code, r.body)
	}
}

func TestMetricsCountRoutesStatusesAndCache(t *testing.T) {
	_, ts := testServer(t, defaultServerOptions(), &fakeRenderer{})
	get(t, ts.URL+"/styles/basic/1/0/0.png")
	get(t, ts.URL+"/styles/basic/1/0/0.png")
	get(t, ts.URL+"/styles/basic/99/0/0.png")
	m := get(t, ts.URL+"/metrics")
	if m.code != 200 || !strings.HasPrefix(m.h.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %d %v", m.code, m.h)
	}
	for _, want := range []string{
		`mapcore_http_requests_total{route="tile",code="200"} 2`,
		`mapcore_http_requests_total{route="tile",code="400"} 1`,
		`mapcore_http_request_duration_seconds_count{route="tile"} 3`,
		`mapcore_http_request_duration_seconds_bucket{route="tile",le="+Inf"} 3`,
		"mapcore_cache_hits_total 1", "mapcore_cache_misses_total 1", "mapcore_renders_total 1", "mapcore_cache_entries 1",
	} {
		if !strings.Contains(m.body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestConfigRefusesPathsOutsideItsFolders(t *testing.T) {
	path := configDir(t, []byte("x"))
	dir := filepath.Dir(path)
	for _, c := range []struct{ cfg, says string }{
		{`{"options":{"paths":{"styles":"styles"}},"styles":{"a":{"style":"../secret.txt"}}}`, "leaves the folder"},
		{`{"options":{"paths":{"mbtiles":"data"}},"data":{"a":{"mbtiles":"/etc/passwd"}}}`, "leaves the folder"},
		{`{"options":{"paths":{"mbtiles":"data"}},"data":{"a":{"mbtiles":"missing.mbtiles"}}}`, "no such file"},
		{`{"options":{"paths":{"mbtiles":"data"}},"data":{"a/b":{"mbtiles":"fixture.mbtiles"}}}`, "id"},
		{`{"options":{"paths":{"styles":"styles"}},"styles":{"a":{"style":"link.json"}}}`, "outside"},
		{`{}`, "no styles and no data"},
		{`[`, "unexpected end"},
	} {
		_ = os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(dir, "styles", "link.json"))
		writeFile(t, path, []byte(c.cfg))
		if _, err := loadConfig(path); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want an error with %q", c.cfg, err, c.says)
		}
	}
	// A style naming data the config lacks.
	writeFile(t, filepath.Join(dir, "styles", "basic.json"), []byte(strings.Replace(testStyle, "{fixture}", "{other}", 1)))
	writeFile(t, path, []byte(`{"options":{"paths":{"styles":"styles","mbtiles":"data"}},"styles":{"basic":{"style":"basic.json"}}}`))
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.loadStyle("basic"); err == nil || !strings.Contains(err.Error(), "mbtiles://other: no data") {
		t.Errorf("unknown data id: %v", err)
	}
}

func TestRenderStyleUsesAbsoluteArchivesFontsAndSprites(t *testing.T) {
	path := configDir(t, []byte("x"))
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := cfg.loadStyle("basic")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(st.render, &doc); err != nil {
		t.Fatal(err)
	}
	u := doc["sources"].(map[string]any)["v"].(map[string]any)["url"].(string)
	if u != "mbtiles://"+filepath.ToSlash(cfg.data["fixture"].path) || !filepath.IsAbs(strings.TrimPrefix(u, "mbtiles://")) {
		t.Errorf("archive url %q", u)
	}
	if doc["glyphs"] != "fonts://{fontstack}/{range}.pbf" {
		t.Errorf("glyphs %v", doc["glyphs"])
	}
	if s, _ := doc["sprite"].(string); s != "file://"+filepath.ToSlash(filepath.Join(cfg.paths["sprites"], "basic")) {
		t.Errorf("sprite %v", doc["sprite"])
	}
}

func itoa(i int) string { return fmt.Sprint(i) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestConcurrentRequestsForOneImageShareARender(t *testing.T) {
	f := &fakeRenderer{block: make(chan struct{})}
	s, ts := testServer(t, defaultServerOptions(), f)
	const n = 4
	codes := make(chan response, n)
	for i := 0; i < n; i++ {
		go func() { codes <- get(t, ts.URL+"/styles/basic/4/3/5.png") }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		fl := s.flights["tile/basic/4/3/5.png"]
		s.mu.Unlock()
		if fl != nil && f.calls.Load() == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no render started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the others are waiting on the flight
	close(f.block)
	var first string
	for i := 0; i < n; i++ {
		r := <-codes
		if r.code != 200 || (first != "" && r.body != first) {
			t.Errorf("request %d: %d", i, r.code)
		}
		first = r.body
	}
	if c := f.calls.Load(); c != 1 {
		t.Errorf("%d renders for %d concurrent requests of one tile", c, n)
	}
}
