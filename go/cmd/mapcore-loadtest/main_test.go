package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mapcore "mapcore.dev/mapcore/go"
)

func TestSetupWithoutSharedDataUsesTheFixture(t *testing.T) {
	dir := t.TempDir()
	ds, err := setup(dir, options{repo: filepath.Join("..", "..", ".."), shared: filepath.Join(dir, "no-shared")})
	if err != nil {
		t.Fatal(err)
	}
	// One z14 tile: 2x2 tiles at z15 and 4x4 at z16.
	if len(ds.paths) != 20 || ds.paths[0] != "/styles/s/15/17604/10748.png" || !strings.Contains(ds.what, "fixture") {
		t.Errorf("%d paths, first %q, %s", len(ds.paths), ds.paths[0], ds.what)
	}
	a, err := mapcore.OpenArchive(filepath.Join(dir, "tiles.mbtiles"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if b, err := a.Tile(14, 8802, 5374); err != nil || len(b) == 0 {
		t.Errorf("the archive lacks the fixture tile: %v", err)
	}
	if _, err := os.Stat(ds.config); err != nil {
		t.Error(err)
	}
}

func TestLoadCountsErrorsAndPercentiles(t *testing.T) {
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 5 {
			http.Error(w, "boom", 500)
			return
		}
		time.Sleep(time.Millisecond)
	}))
	defer ts.Close()
	r := load(ts.URL, []string{"/a", "/b"}, 40, 4, time.Minute)
	if r.requests != 39 || r.errors != 1 || !strings.Contains(r.firstError, "HTTP 500") || r.p50 <= 0 || r.p99 < r.p50 {
		t.Errorf("%+v", r)
	}
}
