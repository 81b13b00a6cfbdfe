package mapcore

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mapcore.dev/mapcore/go/internal/capi"
)

// recordingAPI records how a request was completed and signals it.
type recordingAPI struct {
	fakeRequestAPI
	done chan string
	data chan []byte
}

func newRecordingAPI() *recordingAPI {
	return &recordingAPI{done: make(chan string, 4), data: make(chan []byte, 4)}
}

func (f *recordingAPI) requestAPI() *requestAPI {
	a := f.fakeRequestAPI.api()
	complete, borrowed, notFound, fail := a.complete, a.completeBorrowed, a.notFound, a.fail
	a.complete = func(id uint64, d []byte) capi.Res { f.data <- d; r := complete(id, d); f.done <- "complete"; return r }
	a.completeBorrowed = func(id uint64, d []byte) capi.Res {
		f.data <- d
		r := borrowed(id, d)
		f.done <- "complete"
		return r
	}
	a.notFound = func(id uint64) capi.Res { r := notFound(id); f.done <- "notfound"; return r }
	a.fail = func(id uint64, m string) capi.Res { r := fail(id, m); f.done <- "fail: " + m; return r }
	return a
}

// Convention 9: the HTTP provider against httptest on loopback.
func TestHTTPProvider(t *testing.T) {
	var mu sync.Mutex
	cancelled := make(chan struct{})
	entered := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/data.geojson":
			w.Write([]byte(testPolygon))
		case "/missing":
			http.NotFound(w, r)
		case "/broken":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "/slow":
			close(entered)
			<-r.Context().Done() // until the native request is cancelled
			mu.Lock()
			close(cancelled)
			mu.Unlock()
		}
	}))
	defer srv.Close()
	p := &HTTPProvider{Client: srv.Client()}
	run := func(path string) (*ResourceRequestHandle, *recordingAPI, *dispatcher, bool) {
		rec := newRecordingAPI()
		d := &dispatcher{}
		r := newRequest(rec.requestAPI(), 1, ResourceInfo{URL: srv.URL + path, Kind: ResourceSource}, &d.table)
		return r, rec, d, p.ProvideResource(r)
	}

	r, rec, _, ok := run("/data.geojson")
	if !ok || <-rec.done != "complete" || string(<-rec.data) != testPolygon {
		t.Fatal("200 did not complete with the body")
	}
	// The handle is released after the completion call returns; Done closes
	// once it is, so wait for it rather than racing the provider goroutine.
	<-r.Done()
	if rec.releases.Load() != 1 {
		t.Fatalf("%d releases", rec.releases.Load())
	}

	_, rec, _, _ = run("/missing")
	if got := <-rec.done; got != "notfound" {
		t.Fatalf("404 -> %q", got)
	}
	_, rec, _, _ = run("/broken")
	if got := <-rec.done; !strings.Contains(got, "fail") || !strings.Contains(got, "500") {
		t.Fatalf("500 -> %q", got)
	}

	// Native cancellation (the cancel callback) cancels the HTTP request.
	r, rec, d, _ := run("/slow")
	<-entered
	d.Cancel(r.id)
	<-cancelled
	if got := <-rec.done; !strings.HasPrefix(got, "fail") {
		t.Fatalf("cancelled -> %q", got)
	}
	if !r.Cancelled() {
		t.Fatal("request not marked cancelled")
	}

	// Other schemes pass through.
	rec = newRecordingAPI()
	other := newRequest(rec.requestAPI(), 2, ResourceInfo{URL: "file:///x"}, nil)
	if p.ProvideResource(other) {
		t.Fatal("file:// taken by the HTTP provider")
	}
	other.Close() // what the dispatcher does after a pass-through
}

func TestHTTPProviderRender(t *testing.T) {
	lockThread(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/poly.geojson" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(testPolygon))
	}))
	defer srv.Close()
	tm := openMap(t, 32, 32)
	if err := tm.rt.SetResourceProvider(&HTTPProvider{Client: srv.Client()}); err != nil {
		t.Fatal(err)
	}
	tm.render(t, styleWithData(srv.URL+"/poly.geojson"))
	img, err := tm.s.ReadNRGBA()
	if err != nil || img.NRGBAAt(16, 16) != blue {
		t.Fatalf("pixel %v %v", img.NRGBAAt(16, 16), err)
	}
}

func TestDirProvider(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.json"), []byte("A"), 0o644)
	p := DirProvider("local", dir)
	for _, c := range []struct{ url, want string }{
		{"local://a.json", "complete"}, {"local://nope.json", "notfound"}, {"local://../etc/passwd", "fail"},
	} {
		rec := newRecordingAPI()
		if !p.ProvideResource(newRequest(rec.requestAPI(), 3, ResourceInfo{URL: c.url}, nil)) {
			t.Fatalf("%s not taken", c.url)
		}
		if got := <-rec.done; !strings.HasPrefix(got, c.want) {
			t.Fatalf("%s -> %q", c.url, got)
		}
	}
	rec := newRecordingAPI()
	other := newRequest(rec.requestAPI(), 4, ResourceInfo{URL: "http://x/a.json"}, nil)
	if p.ProvideResource(other) {
		t.Fatal("http taken by DirProvider")
	}
	other.Close()

	// PrefixProvider serves any URL prefix the same way.
	pp := PrefixProvider("http://localhost:2900/", dir)
	rec = newRecordingAPI()
	if !pp.ProvideResource(newRequest(rec.requestAPI(), 5, ResourceInfo{URL: "http://localhost:2900/a.json?x=1"}, nil)) {
		t.Fatal("prefix URL not taken")
	}
	if got := <-rec.done; !strings.HasPrefix(got, "complete") {
		t.Fatalf("prefix URL -> %q", got)
	}
	rec = newRecordingAPI()
	other = newRequest(rec.requestAPI(), 6, ResourceInfo{URL: "http://localhost:2901/a.json"}, nil)
	if pp.ProvideResource(other) {
		t.Fatal("another server taken by PrefixProvider")
	}
	other.Close()
}

// nulTransport fails every request with an error whose text has a NUL byte.
type nulTransport struct{}

func (nulTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("proxy said: bad\x00byte")
}

// Issue 11, buffers: HTTPProvider handles a failure message that Fail
// refuses (a NUL byte): the request still fails (with the byte escaped)
// instead of staying open until the render times out.
func TestHTTPProviderFailMessageWithNUL(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 16, 16)
	if err := tm.rt.SetResourceProvider(&HTTPProvider{Client: &http.Client{Transport: nulTransport{}}}); err != nil {
		t.Fatal(err)
	}
	if err := tm.m.SetStyleJSON([]byte(styleWithData("http://mapcore.invalid/poly.geojson"))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tm.s.RenderStill(ctx); err != nil {
		t.Fatalf("render with a failing HTTP request: %v (the request was left open?)", err)
	}
	e, ok := findEvent(tm.events(t), EventResourceError, "mapcore.invalid")
	if !ok || !strings.Contains(e.Message, `bad\x00byte`) {
		t.Fatalf("resource-error event %+v", e)
	}
}
