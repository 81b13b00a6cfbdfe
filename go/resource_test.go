package mapcore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mapcore.dev/mapcore/go/internal/callback"
	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/memory"
)

func TestProviderComplete(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	var calls atomic.Int32
	err := tm.rt.SetResourceProvider(ResourceProviderFunc(func(r *ResourceRequestHandle) bool {
		if !strings.HasPrefix(r.URL(), "test://") {
			return false
		}
		calls.Add(1)
		if r.Kind() != ResourceSource {
			t.Errorf("kind %v", r.Kind())
		}
		go func() { // completion from another goroutine
			if err := r.Complete([]byte(testPolygon)); err != nil {
				t.Error(err)
			}
		}()
		return true
	}))
	if err != nil {
		t.Fatal(err)
	}
	tm.render(t, styleWithData("test://poly.geojson"))
	img, err := tm.s.ReadNRGBA()
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || img.NRGBAAt(16, 16) != blue {
		t.Fatalf("calls=%d pixel=%v", calls.Load(), img.NRGBAAt(16, 16))
	}
}

// Convention 8: the no-copy completion hands the library the Go slice
// itself, pinned until the library's release callback; a collection between
// completion and render must not disturb it (run under cgocheck2 too).
func TestProviderCompleteNoCopyPinned(t *testing.T) {
	lockThread(t)
	before := callback.PendingReleases()
	pinsBefore := memory.LivePins()
	// The buffer is pinned exactly while the library holds it: every pin is
	// matched by a release callback still to come.
	// (A release callback running on a native thread right now is given a
	// moment to finish.)
	checkPins := func(when string) {
		t.Helper()
		for end := time.Now().Add(time.Second); ; time.Sleep(time.Millisecond) {
			pins, held := memory.LivePins()-pinsBefore, callback.PendingReleases()-before
			if pins == int(held) {
				return
			}
			if time.Now().After(end) {
				t.Errorf("%s: %d buffers pinned, %d held by the library", when, pins, held)
				return
			}
		}
	}
	func() {
		tm := openMap(t, 32, 32)
		err := tm.rt.SetResourceProvider(ResourceProviderFunc(func(r *ResourceRequestHandle) bool {
			data := []byte(testPolygon) // only the library references it now
			if err := r.CompleteNoCopy(data); err != nil {
				t.Error(err)
			}
			if memory.PinsHeldBy(r.id)+int(callback.PendingReleases()-before) == 0 {
				t.Error("neither pinned nor released after CompleteNoCopy")
			}
			checkPins("after CompleteNoCopy")
			for i := 0; i < 3; i++ {
				runtime.GC()
				_ = make([]byte, 1<<20)
			}
			return true
		}))
		if err != nil {
			t.Fatal(err)
		}
		if err := tm.m.SetStyleJSON([]byte(styleWithData("test://poly.geojson"))); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		if err := tm.s.RenderStill(context.Background()); err != nil {
			t.Fatal(err)
		}
		img, err := tm.s.ReadNRGBA()
		if err != nil {
			t.Fatal(err)
		}
		if img.NRGBAAt(16, 16) != blue {
			t.Fatalf("pixel %v", img.NRGBAAt(16, 16))
		}
		checkPins("after the render")
		if err := tm.rt.CloseAll(); err != nil {
			t.Fatal(err)
		}
	}()
	if got := callback.PendingReleases(); got != before {
		t.Fatalf("release callbacks outstanding after the runtime closed: %d (before %d)", got, before)
	}
	if got := memory.LivePins(); got != pinsBefore {
		t.Fatalf("%d buffers still pinned after the library released them", got-pinsBefore)
	}
}

// Convention 7: a panicking provider fails that request; the process survives.
func TestProviderPanic(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	err := tm.rt.SetResourceProvider(ResourceProviderFunc(func(r *ResourceRequestHandle) bool {
		panic("provider exploded for " + r.URL())
	}))
	if err != nil {
		t.Fatal(err)
	}
	tm.render(t, styleWithData("test://boom.geojson"))
	evs := tm.events(t)
	e, ok := findEvent(evs, EventResourceError, "test://boom.geojson")
	if !ok || !strings.Contains(e.Message, "panicked") || !strings.Contains(e.Message, "provider exploded for test://boom.geojson") {
		t.Fatalf("no resource-error event with the panic message: %v", evs)
	}
	img, err := tm.s.ReadNRGBA()
	if err != nil || img.NRGBAAt(16, 16) != red {
		t.Fatalf("render after the panic: %v %v", img.NRGBAAt(16, 16), err)
	}
}

func TestProviderNotFoundAndFail(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	err := tm.rt.SetResourceProvider(ResourceProviderFunc(func(r *ResourceRequestHandle) bool {
		if err := r.Fail(errors.New("backend says no")); err != nil {
			t.Error(err)
		}
		if err := r.NotFound(); !errors.Is(err, ErrAlreadyCompleted) {
			t.Errorf("second completion: %v", err)
		}
		return true
	}))
	if err != nil {
		t.Fatal(err)
	}
	tm.render(t, styleWithData("test://fail.geojson"))
	if _, ok := findEvent(tm.events(t), EventResourceError, "backend says no"); !ok {
		t.Fatal("no resource-error event with the failure message")
	}
}

// Convention 8: cancellation is visible to the provider.
func TestProviderCancellation(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	held := make(chan *ResourceRequestHandle, 1)
	err := tm.rt.SetResourceProvider(ResourceProviderFunc(func(r *ResourceRequestHandle) bool {
		held <- r
		return true
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.m.SetStyleJSON([]byte(styleWithData("test://slow.geojson"))); err != nil {
		t.Fatal(err)
	}
	var r *ResourceRequestHandle
	for r == nil {
		select {
		case r = <-held:
			continue
		default:
		}
		// The pump issues the request, then waits for responses (there
		// will be none), so it needs a timeout to come back.
		if _, err := tm.rt.Pump(10 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if r.Cancelled() {
		t.Fatal("cancelled too early")
	}
	select {
	case <-r.Done():
		t.Fatal("context done before cancellation")
	default:
	}
	// A new style cancels the old style's requests.
	if err := tm.m.SetStyleJSON([]byte(bgStyle("#00ff00"))); err != nil {
		t.Fatal(err)
	}
	<-r.Context().Done()
	if !r.Cancelled() {
		t.Fatal("context done but not cancelled")
	}
	if err := r.Complete([]byte(testPolygon)); err != nil { // allowed and ignored
		t.Fatal(err)
	}
}

// fakeRequestAPI counts the C calls of requests.
type fakeRequestAPI struct {
	completions, releases atomic.Int32
	last                  atomic.Value // string: the last completion kind
}

func (f *fakeRequestAPI) api() *requestAPI {
	done := func(kind string) capi.Res {
		f.completions.Add(1)
		f.last.Store(kind)
		return capi.Res{}
	}
	return &requestAPI{
		complete:         func(uint64, []byte) capi.Res { return done("complete") },
		completeBorrowed: func(uint64, []byte) capi.Res { return done("borrowed") },
		notFound:         func(uint64) capi.Res { return done("notfound") },
		fail:             func(_ uint64, msg string) capi.Res { return done("fail: " + msg) },
		release:          func(uint64) capi.Res { f.releases.Add(1); return capi.Res{} },
	}
}

// Convention 8: exactly one completion succeeds, later ones return
// ErrAlreadyCompleted without calling C, and the handle is released exactly
// once even when completions and Close race (run with -race).
func TestRequestOneShotRace(t *testing.T) {
	const n = 200
	f := &fakeRequestAPI{}
	api := f.api()
	var succeeded atomic.Int32
	for i := 0; i < n; i++ {
		r := newRequest(api, uint64(i+1), ResourceInfo{URL: fmt.Sprint("test://", i)}, nil)
		var wg sync.WaitGroup
		ops := []func() error{
			func() error { return r.Complete([]byte("x")) },
			func() error { return r.CompleteNoCopy([]byte("y")) },
			r.NotFound,
			func() error { return r.Fail(errors.New("no")) },
			r.Close,
			r.Close,
		}
		for _, op := range ops {
			wg.Add(1)
			go func(op func() error) {
				defer wg.Done()
				err := op()
				switch {
				case err == nil:
				case errors.Is(err, ErrAlreadyCompleted), errors.Is(err, ErrClosed):
					return
				default:
					t.Errorf("unexpected error %v", err)
					return
				}
			}(op)
		}
		wg.Wait()
		r.mu.Lock()
		if r.completed {
			succeeded.Add(1)
		}
		r.mu.Unlock()
		if err := r.NotFound(); !errors.Is(err, ErrAlreadyCompleted) && !errors.Is(err, ErrClosed) {
			t.Fatalf("completion after the race: %v", err)
		}
	}
	if got := f.releases.Load(); got != n {
		t.Fatalf("%d releases for %d requests", got, n)
	}
	if got := f.completions.Load(); got != succeeded.Load() {
		t.Fatalf("%d C completions for %d successful completions", got, succeeded.Load())
	}
}

func TestRequestSecondCompletionDoesNotCallC(t *testing.T) {
	f := &fakeRequestAPI{}
	r := newRequest(f.api(), 7, ResourceInfo{}, nil)
	if err := r.NotFound(); err != nil {
		t.Fatal(err)
	}
	for _, op := range []func() error{func() error { return r.Complete(nil) }, r.NotFound,
		func() error { return r.Fail(nil) }, func() error { return r.CompleteNoCopy([]byte("z")) }} {
		if err := op(); !errors.Is(err, ErrAlreadyCompleted) {
			t.Fatalf("second completion: %v", err)
		}
	}
	if f.completions.Load() != 1 || f.releases.Load() != 1 || f.last.Load() != "notfound" {
		t.Fatalf("C calls: %d completions, %d releases, last %v", f.completions.Load(), f.releases.Load(), f.last.Load())
	}
	if err := r.Close(); err != nil || f.releases.Load() != 1 {
		t.Fatalf("close after completion: %v, %d releases", err, f.releases.Load())
	}
}

// Convention 2's exception: a garbage-collected request is released by its
// finalizer (the release is thread-independent and infallible).
func TestAbandonedRequestReleasedByFinalizer(t *testing.T) {
	leaks := make(chan Leak, 4)
	SetLeakHandler(func(l Leak) { leaks <- l })
	defer SetLeakHandler(nil)
	f := &fakeRequestAPI{}
	func() { newRequest(f.api(), 9, ResourceInfo{URL: "test://abandoned"}, nil) }()
	for i := 0; i < 100 && f.releases.Load() == 0; i++ {
		runtime.GC()
	}
	if f.releases.Load() != 1 {
		t.Fatalf("abandoned request released %d times", f.releases.Load())
	}
	select {
	case l := <-leaks:
		if !strings.Contains(l.Kind, "test://abandoned") {
			t.Fatalf("leak report %+v", l)
		}
	default:
		t.Fatal("abandoned uncompleted request not reported")
	}
}

// A replaced provider still hears of the cancellation of requests it took.
func TestReplacedProviderStillCancelled(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	held := make(chan *ResourceRequestHandle, 1)
	if err := tm.rt.SetResourceProvider(ResourceProviderFunc(func(r *ResourceRequestHandle) bool {
		held <- r
		return true
	})); err != nil {
		t.Fatal(err)
	}
	if err := tm.m.SetStyleJSON([]byte(styleWithData("test://slow.geojson"))); err != nil {
		t.Fatal(err)
	}
	var r *ResourceRequestHandle
	for r == nil {
		select {
		case r = <-held:
			continue
		default:
		}
		if _, err := tm.rt.Pump(10 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if err := tm.rt.SetResourceProvider(nil); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	if err := tm.m.SetStyleJSON([]byte(bgStyle("#00ff00"))); err != nil {
		t.Fatal(err)
	}
	<-r.Done()
	if !r.Cancelled() {
		t.Fatal("not cancelled")
	}
	r.Close()
}
