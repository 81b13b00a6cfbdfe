package mapcore

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Remote PMTiles (issue 10): a style over pmtiles://http://… reads the
// archive in byte ranges through HTTPProvider, against httptest serving the
// archive that archiveFixture builds from the repository's fixture tiles.
// It renders the same PNG as the same style over the local archive and over
// the loose tiles; broken servers give clear errors, never a hang.

// rangeServer serves archives by path with http.ServeContent (206 for a
// Range, 416 past the end), and records the Range headers it saw.
type rangeServer struct {
	mu     sync.Mutex
	ranges []string
	files  map[string][]byte
	// ignoreRange: answer 200 with the whole file; always416: 416 to everything.
	ignoreRange, always416 bool
}

func (s *rangeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.ranges = append(s.ranges, r.URL.Path+" "+r.Header.Get("Range"))
	ignore, fail := s.ignoreRange, s.always416
	s.mu.Unlock()
	b, ok := s.files[r.URL.Path]
	switch {
	case !ok:
		http.NotFound(w, r)
	case fail:
		http.Error(w, "no", http.StatusRequestedRangeNotSatisfiable)
	case ignore:
		w.Write(b)
	default:
		http.ServeContent(w, r, r.URL.Path, time.Time{}, bytes.NewReader(b))
	}
}

func (s *rangeServer) set(ignoreRange, always416 bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ignoreRange, s.always416 = ignoreRange, always416
}

func (s *rangeServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

func (tm *testMap) png(t *testing.T) []byte {
	t.Helper()
	b, err := tm.s.EncodeBytes(PNG, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRemotePMTilesRenderLikeLocalAndLooseTiles(t *testing.T) {
	dir, archive := archiveFixture(t)
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	rs := &rangeServer{files: map[string][]byte{"/a.pmtiles": data}}
	srv := httptest.NewServer(rs)
	defer srv.Close()
	provider := &HTTPProvider{Client: srv.Client()}
	lockThread(t)
	tm := openMapWith(t, 256, 256, &RuntimeOptions{AllowedRoots: []string{dir}})
	if err := tm.rt.SetResourceProvider(provider); err != nil {
		t.Fatal(err)
	}
	loose := fmt.Sprintf(`{"type":"vector","tiles":["file://%s/vector/{z}/{x}/{y}.mvt"],"maxzoom":14}`, filepath.ToSlash(dir))
	local := fmt.Sprintf(`{"type":"vector","url":"pmtiles://%s"}`, filepath.ToSlash(archive))
	remote := fmt.Sprintf(`{"type":"vector","url":"pmtiles://%s/a.pmtiles"}`, srv.URL)
	for _, c := range archiveViews {
		lng, lat := tileCentre(c.z, c.x, c.y)
		var pngs [][]byte
		for _, src := range []string{loose, local, remote} {
			tm.render(t, archiveStyle(src, lng, lat, c.zoom))
			if f := failures(tm.events(t)); len(f) > 0 {
				t.Fatalf("z%d %s: %v", c.z, src, f)
			}
			pngs = append(pngs, tm.png(t))
		}
		if len(pngs[0]) < 1000 {
			t.Fatalf("z%d: the loose tiles' PNG is %d bytes: no map to compare", c.z, len(pngs[0]))
		}
		if !bytes.Equal(pngs[1], pngs[0]) || !bytes.Equal(pngs[2], pngs[0]) {
			t.Errorf("z%d: PNGs differ (loose %d, local archive %d, remote archive %d bytes)", c.z, len(pngs[0]), len(pngs[1]), len(pngs[2]))
		}
	}
	// Ranges only; the first 16 KiB once (the runtime keeps the header).
	first := 0
	for _, r := range rs.seen() {
		if !strings.Contains(r, "bytes=") {
			t.Errorf("a request without a range: %q", r)
		}
		if strings.HasSuffix(r, "bytes=0-16383") {
			first++
		}
	}
	if first != 1 {
		t.Errorf("the first range was fetched %d times: %v", first, rs.seen())
	}
	// A second runtime using the same provider: the header and directories
	// come from the provider's cache, only tiles reach the server.
	if err := tm.rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
	before := len(rs.seen())
	tm2 := openMapWith(t, 256, 256, &RuntimeOptions{})
	if err := tm2.rt.SetResourceProvider(provider); err != nil {
		t.Fatal(err)
	}
	lng, lat := tileCentre(14, 8802, 5374)
	tm2.render(t, archiveStyle(remote, lng, lat, 14.3))
	if f := failures(tm2.events(t)); len(f) > 0 {
		t.Fatal(f)
	}
	for _, r := range rs.seen()[before:] {
		if strings.HasSuffix(r, "bytes=0-16383") {
			t.Errorf("the cached header range was fetched again: %v", rs.seen()[before:])
		}
	}
}

func TestRemotePMTilesBrokenServers(t *testing.T) {
	_, archive := archiveFixture(t)
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	rs := &rangeServer{files: map[string][]byte{"/a.pmtiles": data, "/cut.pmtiles": data[:100]}}
	srv := httptest.NewServer(rs)
	defer srv.Close()
	lockThread(t)
	tm := openMapWith(t, 128, 128, &RuntimeOptions{})
	if err := tm.rt.SetResourceProvider(&HTTPProvider{Client: srv.Client(), RangeCacheBytes: -1}); err != nil {
		t.Fatal(err)
	}
	lng, lat := tileCentre(14, 8802, 5374)
	render := func(path string) []Event {
		t.Helper()
		start := time.Now()
		tm.render(t, archiveStyle(fmt.Sprintf(`{"type":"vector","url":"pmtiles://%s%s"}`, srv.URL, path), lng, lat, 14.3))
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("%s took %v", path, d)
		}
		return tm.events(t)
	}
	expectError := func(path, cause string) {
		t.Helper()
		evs := render(path)
		if _, ok := findEvent(evs, EventResourceError, cause); !ok {
			t.Errorf("%s: no resource error naming %q: %v", path, cause, failures(evs))
		}
	}
	// A truncated archive (the server has 100 bytes).
	expectError("/cut.pmtiles", "PMTiles header truncated (100 of 127 bytes)")
	// A missing archive.
	expectError("/missing.pmtiles", "not found")
	// A truncated archive from a server ignoring Range.
	rs.set(true, false)
	expectError("/cut.pmtiles", "PMTiles header truncated (100 of 127 bytes)")
	rs.set(false, false)
	// 416 to every range.
	rs.set(false, true)
	expectError("/a.pmtiles", "range not satisfiable")
	rs.set(false, false)
	// A server ignoring Range (200, the whole file): sliced, so it renders
	// as the well-behaved server does.
	want := func() []byte { render("/a.pmtiles"); return tm.png(t) }()
	rs.set(true, false)
	// A fresh runtime: the first one keeps the archive open.
	if err := tm.rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
	tm = openMapWith(t, 128, 128, &RuntimeOptions{})
	if err := tm.rt.SetResourceProvider(&HTTPProvider{Client: srv.Client(), RangeCacheBytes: -1}); err != nil {
		t.Fatal(err)
	}
	if f := failures(render("/a.pmtiles")); len(f) > 0 {
		t.Fatalf("a server ignoring Range: %v", f)
	}
	if got := tm.png(t); !bytes.Equal(got, want) {
		t.Error("a server ignoring Range: the PNG differs")
	}
}

// HTTPProvider's range answers at the request level: 206 bodies, a 200
// sliced, 416 failing, a longer 206 body refused.
func TestHTTPProviderRanges(t *testing.T) {
	body := []byte("0123456789abcdefghij")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(body))
		case "/whole":
			w.Write(body)
		case "/long":
			w.Header().Set("Content-Range", "bytes 2-5/20")
			w.WriteHeader(http.StatusPartialContent)
			w.Write(body)
		}
	}))
	defer srv.Close()
	p := &HTTPProvider{Client: srv.Client()}
	for _, c := range []struct {
		path string
		rg   ByteRange
		want string // data, or "fail: …" prefix
	}{
		{"/ok", ByteRange{2, 4}, "2345"},
		{"/ok", ByteRange{16, 10}, "ghij"}, // the end of the file inside the range
		{"/ok", ByteRange{30, 4}, "fail: "},
		{"/whole", ByteRange{2, 4}, "2345"},
		{"/whole", ByteRange{18, 4}, "ij"},
		{"/long", ByteRange{2, 4}, "fail: "},
	} {
		rec := newRecordingAPI()
		d := &dispatcher{}
		r := newRequest(rec.requestAPI(), 1, ResourceInfo{URL: srv.URL + c.path, Kind: ResourceTile, Range: c.rg}, &d.table)
		if !p.ProvideResource(r) {
			t.Fatal("not taken")
		}
		switch how := <-rec.done; {
		case strings.HasPrefix(c.want, "fail: "):
			if !strings.HasPrefix(how, "fail: ") {
				t.Errorf("%s %v: %s, want a failure", c.path, c.rg, how)
			}
		case how != "complete":
			t.Errorf("%s %v: %s", c.path, c.rg, how)
		default:
			if got := string(<-rec.data); got != c.want {
				t.Errorf("%s %v: %q, want %q", c.path, c.rg, got, c.want)
			}
		}
		<-r.Done()
	}
}

// PrefixProvider answers ranges from its folder too: a remote archive URL
// mapped onto a local folder renders as the loose tiles do.
func TestRemotePMTilesThroughPrefixProvider(t *testing.T) {
	dir, _ := archiveFixture(t)
	lockThread(t)
	tm := openMapWith(t, 256, 256, &RuntimeOptions{AllowedRoots: []string{dir}})
	if err := tm.rt.SetResourceProvider(PrefixProvider("http://archives.test/", dir)); err != nil {
		t.Fatal(err)
	}
	lng, lat := tileCentre(14, 8802, 5374)
	loose := fmt.Sprintf(`{"type":"vector","tiles":["file://%s/vector/{z}/{x}/{y}.mvt"],"maxzoom":14}`, filepath.ToSlash(dir))
	tm.render(t, archiveStyle(loose, lng, lat, 14.3))
	want := tm.png(t)
	tm.render(t, archiveStyle(`{"type":"vector","url":"pmtiles://http://archives.test/fixture.pmtiles"}`, lng, lat, 14.3))
	if f := failures(tm.events(t)); len(f) > 0 {
		t.Fatal(f)
	}
	if !bytes.Equal(tm.png(t), want) {
		t.Error("the archive through PrefixProvider draws differently from the loose tiles")
	}
	tm.render(t, archiveStyle(`{"type":"vector","url":"pmtiles://http://archives.test/missing.pmtiles"}`, lng, lat, 14.3))
	if _, ok := findEvent(tm.events(t), EventResourceError, "not found"); !ok {
		t.Error("a missing archive is not a resource error naming it")
	}
}

// A server that never answers: the render gives up at its context's
// deadline, and closing the runtime cancels the HTTP requests (the reader
// threads stop waiting) instead of hanging.
func TestRemotePMTilesSilentServerDoesNotHang(t *testing.T) {
	entered := make(chan struct{}, 16)
	released := make(chan struct{}, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-r.Context().Done()
		released <- struct{}{}
	}))
	defer srv.Close()
	lockThread(t)
	tm := openMapWith(t, 64, 64, &RuntimeOptions{})
	if err := tm.rt.SetResourceProvider(&HTTPProvider{Client: srv.Client()}); err != nil {
		t.Fatal(err)
	}
	if err := tm.m.SetStyleJSON([]byte(archiveStyle(fmt.Sprintf(`{"type":"vector","url":"pmtiles://%s/a.pmtiles"}`, srv.URL), 0, 0, 1))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := tm.s.RenderStill(ctx); err == nil {
		t.Fatal("a render over a silent server finished")
	}
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the archive's first range never reached the server")
	}
	start := time.Now()
	if err := tm.rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("closing the runtime did not cancel the range request")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("closing took %v", d)
	}
}
