package mapcore

import (
	"errors"
	"regexp"
	"runtime"
	"syscall"
	"testing"

	"mapcore.dev/mapcore/go/internal/callback"
	"mapcore.dev/mapcore/go/internal/capi"
)

// Issue 11, "tests that can fail": the diagnostic is thread-local, so the
// case to test is two goroutines on the same OS thread one after the other,
// the second failing differently from the first: each error must carry its
// own call's message, never the one the thread held from the goroutine
// before. The thread is checked with gettid; GOMAXPROCS(1) makes the
// scheduler hand the same thread from goroutine to goroutine.
func TestDiagnosticSameThreadInSequence(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 16, 16) // owned by the test's thread: others get WRONG_THREAD
	var want [3]string
	want[0] = capi.LogSetCallback(callback.LogFn, nil, 99).Msg
	want[1] = capi.RequestNotFound(0xdead0000beef).Msg
	calls := [3]func() error{
		func() error { return SetLogHandler(func(LogLevel, string, string) {}, LogLevel(99)) },
		func() error {
			r := newRequest(&reqAPI, 0xdead0000beef, ResourceInfo{}, nil)
			err := r.NotFound()
			r.mu.Lock()
			r.released = true // forged id: nothing to release
			r.mu.Unlock()
			return err
		},
		func() error { return tm.m.JumpTo(Camera{Zoom: 2, Fields: CameraZoom}) },
	}
	onOtherThread := func(f func() error) (tid int, err error) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			runtime.LockOSThread() // only to read the tid of the call's thread
			defer runtime.UnlockOSThread()
			tid = syscall.Gettid()
			err = f()
		}()
		<-done
		return tid, err
	}
	if _, err := onOtherThread(calls[2]); !errors.Is(err, ErrWrongThread) {
		t.Fatalf("map call from another thread: %v", err)
	} else {
		var e *Error
		errors.As(err, &e)
		want[2] = e.Message
	}
	if want[0] == "" || want[0] == want[1] || want[1] == want[2] || want[0] == want[2] {
		t.Fatalf("need three distinct diagnostics: %q", want)
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	same := 0
	for i := 0; i < 3000 && same < 200; i++ {
		a, b := i%3, (i+1)%3
		tidA, errA := onOtherThread(calls[a])
		tidB, errB := onOtherThread(calls[b])
		for _, c := range []struct {
			k   int
			err error
		}{{a, errA}, {b, errB}} {
			var e *Error
			if !errors.As(c.err, &e) || sameMessage(e.Message) != sameMessage(want[c.k]) {
				t.Fatalf("round %d: call %d on thread %d after call %d on thread %d: %v, want message %q",
					i, b, tidB, a, tidA, c.err, want[c.k])
			}
		}
		if tidA == tidB {
			same++
		}
	}
	if same == 0 {
		t.Fatal("no two goroutines ran on the same OS thread in sequence")
	}
	t.Logf("%d rounds had both goroutines on one OS thread", same)
}

// sameMessage drops the calling thread's id from a WRONG_THREAD message
// (the goroutines run on different threads across rounds).
func sameMessage(m string) string {
	return regexp.MustCompile(`called from thread ThreadId\(\d+\)`).ReplaceAllString(m, "called from thread T")
}
