package main

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// checkingRenderer checks every request that reaches the renderer against
// the server's limits (the fuzz test reads what it found).
type checkingRenderer struct {
	opt   serverOptions
	mu    sync.Mutex
	wrong string // the first request out of bounds, described
}

func (c *checkingRenderer) Render(_ context.Context, req renderRequest) ([]byte, error) {
	finite := func(vs ...float64) bool {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
		return true
	}
	bad := ""
	switch {
	case !finite(req.lon, req.lat, req.zoom, req.bearing, req.pitch, req.ratio, req.padding):
		bad = "a number not finite"
	case req.width < 1 || req.height < 1 || req.width > c.opt.maxSize || req.height > c.opt.maxSize:
		bad = "a size out of bounds"
	case !(req.ratio >= 1 && req.ratio <= float64(c.opt.maxScale) || halfScaleWorld(req, c.opt.maxScale)):
		bad = "a scale out of bounds"
	case float64(req.width)*float64(req.height)*req.ratio*req.ratio > maxDevicePixels:
		bad = "more device pixels than allowed"
	case req.bounds == nil && (req.lon < -180 || req.lon > 180 || req.lat < -maxLat || req.lat > maxLat || req.zoom < 0 || req.zoom > maxZoom):
		bad = "a camera out of bounds"
	case req.pitch < 0 || req.pitch > 60:
		bad = "a pitch out of bounds"
	case req.bounds != nil && (req.bounds[0] >= req.bounds[2] || req.bounds[1] >= req.bounds[3] || !finite(req.bounds[:]...)):
		bad = "empty bounds"
	}
	if bad != "" {
		c.mu.Lock()
		if c.wrong == "" {
			c.wrong = bad
		}
		c.mu.Unlock()
	}
	return []byte("image"), nil
}

// halfScaleWorld is the one view drawn below 1x: a 256-pixel tile at zoom 0
// (no zoom -1) is the 512-pixel world at half its scale.
func halfScaleWorld(req renderRequest, maxScale int) bool {
	half := req.ratio * 2
	return req.zoom == 0 && req.width == 512 && req.height == 512 && half == math.Trunc(half) && half >= 1 && half <= float64(maxScale)
}

// FuzzRoutes sends any path and query to the server (a checking renderer
// and a fake archive). Every answer is a status the routes give, with a
// one-line message when it is an error, never a panic or a 500; what reaches
// the renderer is within the server's limits; no file outside the configured
// folders is served. `go test` runs the seeds; `make fuzz-go` fuzzes.
func FuzzRoutes(f *testing.F) {
	for _, seed := range [][2]string{
		{"/", ""}, {"/health", ""}, {"/metrics", ""}, {"/styles/basic.json", ""},
		{"/styles/basic/style.json", ""}, {"/styles/basic/sprite@2x.json", ""},
		{"/styles/basic/3/4/2.png", ""}, {"/styles/basic/512/3/4/2@2x.webp", ""},
		{"/styles/basic/static/13.4,52.5,14@30,45/300x200@2x.png", ""},
		{"/styles/basic/static/13.3,52.4,13.5,52.6/400x300.jpg", "padding=20"},
		{"/styles/basic/static/auto/100x100.png", ""},
		{"/data/fixture.json", ""}, {"/data/fixture/14/8802/5374.pbf", ""},
		{"/fonts/Open Sans Regular/0-255.pbf", ""}, {"/fonts/Open Sans Regular,Noto Sans/0-255.pbf", ""},
		{"/fonts/../secret.txt/0-255.pbf", ""}, {"/styles/basic/sprite/../../secret.txt", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	opt := defaultServerOptions()
	check := &checkingRenderer{opt: opt}
	s, _ := testServer(f, opt, check)
	f.Fuzz(func(t *testing.T, path, query string) {
		check.mu.Lock()
		check.wrong = ""
		check.mu.Unlock()
		u := &url.URL{Path: path, RawQuery: query}
		req := (&http.Request{Method: http.MethodGet, URL: u, Host: "example.test", Header: http.Header{}, RequestURI: u.RequestURI()}).
			WithContext(context.Background())
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		body := w.Body.String()
		switch w.Code {
		case http.StatusOK:
			if body == "secret" {
				t.Fatalf("%q ?%q served a file outside the configured folders", path, query)
			}
		case http.StatusBadRequest, http.StatusNotFound, http.StatusNotImplemented:
			if body == "" || strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") {
				t.Fatalf("%q ?%q: %d with %q, want one line", path, query, w.Code, body)
			}
		default:
			t.Fatalf("%q ?%q: status %d (%q)", path, query, w.Code, body)
		}
		check.mu.Lock()
		wrong := check.wrong
		check.mu.Unlock()
		if wrong != "" {
			t.Fatalf("%q ?%q reached the renderer with %s", path, query, wrong)
		}
	})
}

// The fuzz test's renderer flags each kind of request out of bounds, and
// passes the requests the routes make from good URLs.
func TestCheckingRendererFlagsRequestsOutOfBounds(t *testing.T) {
	opt := defaultServerOptions()
	good := renderRequest{lon: 13.4, lat: 52.5, zoom: 14, width: 300, height: 200, ratio: 2, format: "png"}
	for _, c := range []struct {
		name string
		edit func(*renderRequest)
		want string
	}{
		{"good", func(*renderRequest) {}, ""},
		{"tile", func(r *renderRequest) { *r = tileRequest("basic", 512, 22, 1<<22-1, 0, 3, "png") }, ""},
		{"256 world", func(r *renderRequest) { *r = tileRequest("basic", 256, 0, 0, 0, 1, "png") }, ""},
		{"half scale", func(r *renderRequest) { r.ratio = 0.5 }, "scale"},
		{"world at 1.5x", func(r *renderRequest) { *r = tileRequest("basic", 256, 0, 0, 0, 3, "png"); r.ratio = 0.75 }, "scale"},
		{"NaN zoom", func(r *renderRequest) { r.zoom = math.NaN() }, "not finite"},
		{"wide", func(r *renderRequest) { r.width = opt.maxSize + 1 }, "size"},
		{"@4x", func(r *renderRequest) { r.ratio = 4 }, "scale"},
		{"pixels", func(r *renderRequest) { r.width, r.height, r.ratio = 2048, 2048, 3 }, "device pixels"},
		{"lat", func(r *renderRequest) { r.lat = 86 }, "camera"},
		{"pitch", func(r *renderRequest) { r.pitch = 61 }, "pitch"},
		{"bounds", func(r *renderRequest) { r.bounds = &[4]float64{1, 0, 1, 1} }, "bounds"},
	} {
		check := &checkingRenderer{opt: opt}
		req := good
		c.edit(&req)
		if _, err := check.Render(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		if c.want == "" && check.wrong != "" || !strings.Contains(check.wrong, c.want) {
			t.Errorf("%s: flagged %q, want %q", c.name, check.wrong, c.want)
		}
	}
}
