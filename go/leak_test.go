package mapcore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"mapcore.dev/mapcore/go/internal/memory"
)

// Issue 11, "a leak must stay a report": a program that leaks a runtime, a
// map and a buffer session (never Close) and then collects for 2 s lives
// and reports the three leaks. Before the fix, the session's runtime.Pinner
// became garbage while pinned and Go's Pinner finalizer panicked ("found
// leaking pinned pointer"), killing the process. The program is this test
// binary run again in a child process.
func TestLeakedBufferSessionSurvivesGC(t *testing.T) {
	if os.Getenv("MAPCORE_LEAK_CHILD") == "1" {
		leakingProgram()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeakedBufferSessionSurvivesGC$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MAPCORE_LEAK_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the leaking program died: %v\n%s", err, out)
	}
	for _, want := range []string{"leak: RenderSessionHandle", "leak: MapHandle", "leak: RuntimeHandle",
		"live pins held by the session: 1", "survived 2 s of collections"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
}

func leakingProgram() {
	runtime.LockOSThread()
	SetLeakHandler(func(l Leak) { fmt.Printf("leak: %s\n", l.Kind) })
	var sid uint64
	func() {
		rt, err := NewRuntime(&RuntimeOptions{WorkerThreads: 1, RenderThreads: 1})
		if err != nil {
			panic(err)
		}
		m, err := rt.NewMap(&MapOptions{Width: 16, Height: 16})
		if err != nil {
			panic(err)
		}
		s, err := m.NewBufferSession(16, 16, 1, make([]byte, 16*16*4), 0)
		if err != nil {
			panic(err)
		}
		if err := m.SetStyleJSON([]byte(bgStyle("#00ff00"))); err != nil {
			panic(err)
		}
		if err := s.RenderStill(context.Background()); err != nil {
			panic(err)
		}
		sid = s.id
	}() // runtime, map and session are garbage from here on; none was closed
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Printf("live pins held by the session: %d\n", memory.PinsHeldBy(sid))
	fmt.Println("survived 2 s of collections")
}

// Issue 11, "tests that can fail": Go's collector does not move objects, so a
// missing pin cannot be seen in the pixels. The pin registry can: the
// buffer is pinned exactly from attach until the native session lets go of
// it (SetBuffer: the old one; a refused Close: still pinned; Close: none).
func TestBufferSessionPinCount(t *testing.T) {
	lockThread(t)
	base := memory.LivePins()
	rt, err := NewRuntime(&RuntimeOptions{WorkerThreads: 1, RenderThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.CloseAll()
	m, err := rt.NewMap(&MapOptions{Width: 8, Height: 8})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.NewBufferSession(8, 8, 1, make([]byte, 10), 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("short buffer: %v", err)
	}
	if got := memory.LivePins(); got != base {
		t.Fatalf("a refused session left %d pins", got-base)
	}
	s, err := m.NewBufferSession(8, 8, 1, make([]byte, 8*8*4), 0)
	if err != nil {
		t.Fatal(err)
	}
	if memory.LivePins() != base+1 || memory.PinsHeldBy(s.id) != 1 {
		t.Fatalf("after attach: live %d (base %d), held by the session %d", memory.LivePins(), base, memory.PinsHeldBy(s.id))
	}
	if err := s.SetBuffer(4, 4, 1, make([]byte, 4*4*4), 0); err != nil {
		t.Fatal(err)
	}
	if memory.LivePins() != base+1 || memory.PinsHeldBy(s.id) != 1 {
		t.Fatalf("after SetBuffer: live %d (base %d): the old buffer must be unpinned, the new one pinned", memory.LivePins(), base)
	}
	if err := s.SetBuffer(4, 4, 1, make([]byte, 3), 0); err == nil {
		t.Fatal("SetBuffer with a short buffer succeeded")
	}
	if memory.LivePins() != base+1 {
		t.Fatalf("a refused SetBuffer changed the pins: live %d (base %d)", memory.LivePins(), base)
	}
	// Close from another thread is refused natively: the buffer stays pinned.
	errc := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		errc <- s.Close()
	}()
	if err := <-errc; !errors.Is(err, ErrWrongThread) {
		t.Fatalf("Close from another thread: %v", err)
	}
	if memory.PinsHeldBy(s.id) != 1 {
		t.Fatal("a refused Close unpinned the buffer the session still uses")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if memory.LivePins() != base || memory.PinsHeldBy(s.id) != 0 {
		t.Fatalf("after Close: live %d (base %d)", memory.LivePins(), base)
	}
}
