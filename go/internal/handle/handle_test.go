package handle

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"mapcore.dev/mapcore/go/internal/status"
)

func TestCloseOnceAndChildren(t *testing.T) {
	var destroyed []string
	root, err := New("Root", nil)
	if err != nil {
		t.Fatal(err)
	}
	root.Activate(func() error { destroyed = append(destroyed, "root"); return nil })
	kid, err := New("Kid", root)
	if err != nil {
		t.Fatal(err)
	}
	kid.Activate(func() error { destroyed = append(destroyed, "kid"); return nil })

	err = root.Close()
	if !errors.Is(err, status.ErrInvalidState) || !strings.Contains(err.Error(), "Kid") {
		t.Fatalf("closing a parent with a live child: %v", err)
	}
	if len(destroyed) != 0 || root.IsClosed() {
		t.Fatalf("parent close with live child destroyed something: %v", destroyed)
	}
	if err := kid.Close(); err != nil {
		t.Fatal(err)
	}
	if err := kid.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if err := root.Close(); err != nil {
		t.Fatal(err)
	}
	if err := root.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(destroyed, ","); got != "kid,root" {
		t.Fatalf("destroy calls = %q, want each exactly once, child first", got)
	}
	if _, err := New("Late", root); !errors.Is(err, status.ErrClosed) {
		t.Fatalf("child of closed parent: %v", err)
	}
	if err := kid.Check("op"); !errors.Is(err, status.ErrClosed) {
		t.Fatalf("Check on closed: %v", err)
	}
}

func TestFailedDestroyKeepsHandleOpen(t *testing.T) {
	calls := 0
	s, _ := New("X", nil)
	s.Activate(func() error {
		calls++
		if calls == 1 {
			return status.New("X.Close", status.WrongThread, "not the owner thread")
		}
		return nil
	})
	if err := s.Close(); !errors.Is(err, status.ErrWrongThread) {
		t.Fatalf("first close: %v", err)
	}
	if s.IsClosed() {
		t.Fatal("handle closed although destroy failed")
	}
	if err := s.Close(); err != nil || calls != 2 || !s.IsClosed() {
		t.Fatalf("retry: err=%v calls=%d", err, calls)
	}
}

func TestCloseTreeOrder(t *testing.T) {
	var order []string
	mk := func(name string, parent *State) *State {
		s, err := New(name, parent)
		if err != nil {
			t.Fatal(err)
		}
		s.Activate(func() error { order = append(order, name); return nil })
		return s
	}
	rt := mk("rt", nil)
	m1 := mk("m1", rt)
	mk("s1", m1)
	mk("m2", rt)
	if err := rt.CloseTree(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != "s1,m1,m2,rt" {
		t.Fatalf("order %q", got)
	}
}

type owner struct{ st *State }

func TestLeakReportWithStack(t *testing.T) {
	SetDebugStacks(true)
	defer SetDebugStacks(false)
	got := make(chan Leak, 4)
	SetLeakHandler(func(l Leak) { got <- l })
	defer SetLeakHandler(nil)
	destroyed := false
	func() {
		s, _ := New("LeakyHandle", nil)
		s.Activate(func() error { destroyed = true; return nil })
		o := &owner{st: s}
		runtime.SetFinalizer(o, func(o *owner) { o.st.LeakCheck() })
	}()
	// Finalizers run on their own goroutine after a collection: wait for
	// the report (collecting meanwhile) instead of polling a fixed number
	// of times.
	var l Leak
	deadline := time.Now().Add(10 * time.Second)
	for l.Kind == "" {
		runtime.GC()
		select {
		case l = <-got:
		case <-time.After(10 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("no leak report within 10 s")
			}
		}
	}
	if l.Kind != "LeakyHandle" || l.Owner != "" {
		t.Fatalf("leak report %+v", l)
	}
	if !strings.Contains(l.Stack, "TestLeakReportWithStack") {
		t.Fatalf("creation stack missing: %q", l.Stack)
	}
	if destroyed {
		t.Fatal("a finalizer destroyed the native object")
	}
}

func TestClosedHandleIsNotReported(t *testing.T) {
	got := make(chan Leak, 4)
	SetLeakHandler(func(l Leak) { got <- l })
	defer SetLeakHandler(nil)
	s, _ := New("Closed", nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.LeakCheck()
	select {
	case l := <-got:
		t.Fatalf("closed handle reported: %+v", l)
	default:
	}
}
