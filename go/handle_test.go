package mapcore

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"

	"mapcore.dev/mapcore/go/internal/callback"
	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/handle"
)

// Convention 1: close once; a parent with live children refuses to close and
// destroys nothing; a child keeps its parent reachable.
func TestHandleCloseRules(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 64, 64)
	tm.render(t, bgStyle("#ff0000"))
	f, err := tm.s.AcquireFrame()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		close func() error
	}{{"runtime", tm.rt.Close}, {"map", tm.m.Close}, {"session", tm.s.Close}} {
		if err := c.close(); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("closing the %s with a live child: %v", c.name, err)
		}
	}
	// Nothing was destroyed: every level still works natively.
	if _, err := tm.m.Camera(); err != nil {
		t.Fatalf("map after refused close: %v", err)
	}
	if _, err := tm.rt.Pump(0); err != nil {
		t.Fatalf("runtime after refused close: %v", err)
	}
	if f.Pixels() == 0 || len(f.Bytes()) != 64*64*4 {
		t.Fatalf("frame after refused closes: %v %d", f.Pixels(), len(f.Bytes()))
	}
	for _, c := range []func() error{f.Close, tm.s.Close, tm.m.Close, tm.rt.Close} {
		if err := c(); err != nil {
			t.Fatal(err)
		}
	}
	// A second Close returns nil and calls nothing: from another, unlocked
	// goroutine a native owner-thread call would answer WRONG_THREAD.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, c := range []func() error{f.Close, tm.s.Close, tm.m.Close, tm.rt.Close} {
			if err := c(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		}
	}()
	wg.Wait()
	if f.Pixels() != 0 || f.Bytes() != nil {
		t.Fatal("closed frame still exposes native memory")
	}
	if err := tm.m.SetStyleJSON([]byte(bgStyle("red"))); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrInvalidState) {
		t.Fatalf("call on a closed map: %v", err)
	}
	if _, err := tm.rt.NewMap(nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("child of a closed runtime: %v", err)
	}
}

func TestChildKeepsParentReachable(t *testing.T) {
	lockThread(t)
	leaks := make(chan Leak, 8)
	SetLeakHandler(func(l Leak) { leaks <- l })
	defer SetLeakHandler(nil)
	var m *MapHandle
	func() {
		rt, err := NewRuntime(nil)
		if err != nil {
			t.Fatal(err)
		}
		m, err = rt.NewMap(nil)
		if err != nil {
			t.Fatal(err)
		}
	}() // only the map is referenced from here on
	awaitFinalizers(t) // a finalizer of the runtime would have run by now
	rt := m.Runtime()
	if _, err := rt.Pump(0); err != nil {
		t.Fatalf("parent unusable: %v", err)
	}
	select {
	case l := <-leaks:
		t.Fatalf("parent reported as leaked while its child lives: %+v", l)
	default: // finalizers have run: no report means none was made
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
}

// Convention 2: finalizers only report leaks (with the creation stack when
// debugging); they never destroy owner-thread objects.
func TestLeakedMapIsReportedNotDestroyed(t *testing.T) {
	lockThread(t)
	handle.SetDebugStacks(true)
	defer handle.SetDebugStacks(false)
	leaks := make(chan Leak, 8)
	SetLeakHandler(func(l Leak) { leaks <- l })
	defer SetLeakHandler(nil)
	rt, err := NewRuntime(nil)
	if err != nil {
		t.Fatal(err)
	}
	var id MapID
	func() {
		m, err := rt.NewMap(nil)
		if err != nil {
			t.Fatal(err)
		}
		id = m.ID()
	}()
	got := waitLeak(t, leaks, "MapHandle") // waits for the finalizer, up to 10 s
	if !strings.Contains(got.Stack, "TestLeakedMapIsReportedNotDestroyed") {
		t.Fatalf("leak report: %+v", got)
	}
	// The runtime is open and still owns the map: the report says so.
	if got.Owner != "RuntimeHandle" || !strings.Contains(got.String(), "CloseAll frees it") {
		t.Fatalf("leak report of a map owned by an open runtime: %+v (%s)", got, got)
	}
	// The native map is still alive: the finalizer did not destroy it.
	if _, r := capi.MapGetCamera(uint64(id)); !r.OK() {
		t.Fatalf("native map was destroyed by a finalizer: %+v", r)
	}
	if err := rt.Close(); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("runtime with a leaked map: %v", err)
	}
	if err := rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
}

// Convention 3: goroutines are not threads; a call from a thread other than
// the owner's returns ErrWrongThread.
func TestWrongThread(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	errs := make(chan error, 3)
	go func() {
		runtime.LockOSThread() // a different OS thread than the test's locked one
		defer runtime.UnlockOSThread()
		errs <- tm.m.JumpTo(Camera{Zoom: 2, Fields: CameraZoom})
		_, err := tm.rt.Pump(0)
		errs <- err
		errs <- tm.s.Close()
	}()
	for i := 0; i < 3; i++ {
		if err := <-errs; !errors.Is(err, ErrWrongThread) {
			t.Fatalf("call %d from another thread: %v", i, err)
		}
	}
	// The failed Close left the session open and usable on its owner thread.
	if err := tm.m.JumpTo(Camera{Zoom: 2, Fields: CameraZoom}); err != nil {
		t.Fatal(err)
	}
	if err := tm.s.Resize(16, 16, 1); err != nil {
		t.Fatal(err)
	}
}

// Convention 5: native errors carry their status and the native diagnostic.
func TestNativeErrors(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	var e *Error
	err := tm.m.SetStyleJSON([]byte(`{"version":8,`))
	if !errors.Is(err, ErrParse) || !errors.As(err, &e) || e.Op != "MapHandle.SetStyleJSON" || e.Message == "" {
		t.Fatalf("truncated JSON: %#v", err)
	}
	err = tm.m.JumpTo(Camera{Zoom: math.NaN(), Fields: CameraZoom})
	if !errors.Is(err, ErrInvalidArgument) || !errors.As(err, &e) || e.Message == "" {
		t.Fatalf("NaN zoom: %#v", err)
	}
	// Convention 6: embedded NUL is refused before C is called.
	err = tm.m.SetStyleURL("file:///a\x00b")
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("NUL in URL: %v", err)
	}
}

// Convention 5: the message is copied on the failing call's OS thread.
// Goroutines (unlocked, so free to migrate between threads) make two kinds
// of failing thread-independent calls concurrently; each error must carry its
// own call's message.
func TestDiagnosticBelongsToItsCall(t *testing.T) {
	msgA := capi.LogSetCallback(callback.LogFn, nil, 99).Msg
	msgB := capi.RequestNotFound(0xdead0000beef).Msg
	if msgA == "" || msgB == "" || msgA == msgB {
		t.Fatalf("need two distinct diagnostics: %q %q", msgA, msgB)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				if g%2 == 0 {
					err := SetLogHandler(func(LogLevel, string, string) {}, LogLevel(99))
					var e *Error
					if !errors.As(err, &e) || e.Message != msgA || !errors.Is(err, ErrInvalidArgument) {
						t.Errorf("log level error: %v", err)
						return
					}
				} else {
					r := newRequest(&reqAPI, 0xdead0000beef, ResourceInfo{}, nil)
					err := r.NotFound()
					var e *Error
					if !errors.As(err, &e) || e.Message != msgB {
						t.Errorf("stale request error: %v", err)
						return
					}
					r.mu.Lock()
					r.released = true // forged id: nothing to release
					r.mu.Unlock()
				}
				runtime.Gosched()
			}
		}(g)
	}
	wg.Wait()
}

// The same with owner-thread objects on two locked threads.
func TestDiagnosticPerThreadOwnerCalls(t *testing.T) {
	var wg sync.WaitGroup
	msgs := make([][]string, 2)
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			rt, err := NewRuntime(nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer rt.CloseAll()
			m, err := rt.NewMap(nil)
			if err != nil {
				t.Error(err)
				return
			}
			for i := 0; i < 500; i++ {
				if g == 0 {
					err = m.SetStyleJSON([]byte(`{"version":8,`))
				} else {
					err = m.JumpTo(Camera{Pitch: 99, Fields: CameraPitch})
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
				msgs[g] = append(msgs[g], e.Message)
			}
		}(g)
	}
	wg.Wait()
	for g := range msgs {
		for _, m := range msgs[g] {
			if m == "" || m != msgs[g][0] {
				t.Fatalf("goroutine %d saw %q after %q", g, m, msgs[g][0])
			}
		}
	}
	if msgs[0][0] == msgs[1][0] {
		t.Fatalf("the two failures have the same message %q", msgs[0][0])
	}
}
