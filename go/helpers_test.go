package mapcore

import (
	"context"
	"image/color"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A style with a red background and a blue polygon covering the middle of
// the world, from inline GeoJSON (no resources needed).
const testStyleInline = `{"version":8,"sources":{"g":{"type":"geojson","data":{"type":"Feature","properties":{},
"geometry":{"type":"Polygon","coordinates":[[[-170,-80],[170,-80],[170,80],[-170,80],[-170,-80]]]}}}},
"layers":[{"id":"bg","type":"background","paint":{"background-color":"#ff0000"}},
{"id":"f","type":"fill","source":"g","paint":{"fill-color":"#0000ff"}}]}`

// styleWithData is the same style with the polygon loaded from a URL.
func styleWithData(url string) string {
	return `{"version":8,"sources":{"g":{"type":"geojson","data":"` + url + `"}},
"layers":[{"id":"bg","type":"background","paint":{"background-color":"#ff0000"}},
{"id":"f","type":"fill","source":"g","paint":{"fill-color":"#0000ff"}}]}`
}

const testPolygon = `{"type":"Feature","properties":{},"geometry":{"type":"Polygon",
"coordinates":[[[-170,-80],[170,-80],[170,80],[-170,80],[-170,-80]]]}}`

func bgStyle(c string) string {
	return `{"version":8,"sources":{},"layers":[{"id":"bg","type":"background","paint":{"background-color":"` + c + `"}}]}`
}

var (
	red  = color.NRGBA{255, 0, 0, 255}
	blue = color.NRGBA{0, 0, 255, 255}
)

// testMap is a runtime, a map and a texture session on the calling
// goroutine's (locked) thread.
type testMap struct {
	rt *RuntimeHandle
	m  *MapHandle
	s  *RenderSessionHandle
}

// lockThread locks the test goroutine to its OS thread until the test ends
// (cleanups run on the test goroutine).
func lockThread(t testing.TB) {
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
}

func openMap(t testing.TB, w, h int) *testMap {
	t.Helper()
	return openMapWith(t, w, h, &RuntimeOptions{})
}

// openMapWith is openMap with runtime options (one worker and render thread).
func openMapWith(t testing.TB, w, h int, o *RuntimeOptions) *testMap {
	t.Helper()
	opts := *o
	opts.WorkerThreads, opts.RenderThreads = 1, 1
	rt, err := NewRuntime(&opts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := rt.NewMap(&MapOptions{Width: w, Height: h})
	if err != nil {
		rt.Close()
		t.Fatal(err)
	}
	s, err := m.NewTextureSession(w, h, 1)
	if err != nil {
		rt.CloseAll()
		t.Fatal(err)
	}
	tm := &testMap{rt: rt, m: m, s: s}
	t.Cleanup(func() {
		if err := tm.rt.CloseAll(); err != nil {
			t.Errorf("CloseAll: %v", err)
		}
	})
	return tm
}

func (tm *testMap) render(t testing.TB, style string) {
	t.Helper()
	if err := tm.m.SetStyleJSON([]byte(style)); err != nil {
		t.Fatal(err)
	}
	if err := tm.s.RenderStill(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (tm *testMap) events(t testing.TB) []Event {
	t.Helper()
	evs, err := tm.rt.DrainEvents()
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func findEvent(evs []Event, typ EventType, contains string) (Event, bool) {
	for _, e := range evs {
		if e.Type == typ && (contains == "" || strings.Contains(e.String(), contains)) {
			return e, true
		}
	}
	return Event{}, false
}

// awaitFinalizers runs collections until finalizers queued by them have run:
// a sentinel object's finalizer runs on the same finalizer goroutine, after
// those queued before it. Two rounds, so objects freed by the first round's
// finalizers are covered too.
func awaitFinalizers(t testing.TB) {
	t.Helper()
	for round := 0; round < 2; round++ {
		ran := make(chan struct{})
		func() {
			s := new([16]byte)
			runtime.SetFinalizer(s, func(*[16]byte) { close(ran) })
		}()
		deadline := time.Now().Add(10 * time.Second)
		for done := false; !done; {
			runtime.GC()
			select {
			case <-ran:
				done = true
			case <-time.After(10 * time.Millisecond):
				if time.Now().After(deadline) {
					t.Fatal("finalizers did not run within 10 s")
				}
			}
		}
	}
}

// waitLeak collects until a leak report of kind arrives (failing after 10 s).
func waitLeak(t testing.TB, leaks <-chan Leak, kind string) Leak {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		select {
		case l := <-leaks:
			if l.Kind == kind {
				return l
			}
		case <-time.After(10 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatalf("no %s leak report within 10 s", kind)
			}
		}
	}
}
