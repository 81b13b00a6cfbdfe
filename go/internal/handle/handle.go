// Package handle keeps the Go-side state of a native handle: close-once,
// the parent/child tree (a parent with live children cannot close), and leak
// reports from finalizers.
//
// A State never points at the public handle object it belongs to (its
// destroy function captures only native ids), so a leaked public object
// becomes unreachable, its finalizer runs and reports the leak.
package handle

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"mapcore.dev/mapcore/go/internal/status"
)

// Leak describes a handle that was garbage collected without Close.
type Leak struct {
	// Kind is the handle type, e.g. "MapHandle".
	Kind string
	// Stack is the creation stack when MAPCORE_DEBUG_LEAKS=1, else "".
	Stack string
	// Owner is the kind of the still-open parent that owns the native
	// object ("" for a root, or when the parent is closed too).
	Owner string
}

var (
	leakHook    atomic.Pointer[func(Leak)]
	debugStacks atomic.Bool
)

func init() { debugStacks.Store(os.Getenv("MAPCORE_DEBUG_LEAKS") == "1") }

// SetLeakHandler sets the function that receives leak reports (nil restores
// the default, a slog warning). It is called on the finalizer goroutine.
func SetLeakHandler(f func(Leak)) {
	if f == nil {
		leakHook.Store(nil)
		return
	}
	leakHook.Store(&f)
}

// SetDebugStacks turns creation-stack capture on or off (the default comes
// from MAPCORE_DEBUG_LEAKS=1).
func SetDebugStacks(on bool) { debugStacks.Store(on) }

// Report delivers a leak report.
func Report(l Leak) {
	defer func() { _ = recover() }() // a panicking hook must not kill the finalizer goroutine
	if f := leakHook.Load(); f != nil {
		(*f)(l)
		return
	}
	attrs := []any{"handle", l.Kind}
	if l.Stack != "" {
		attrs = append(attrs, "created", l.Stack)
	} else {
		attrs = append(attrs, "hint", "set MAPCORE_DEBUG_LEAKS=1 for the creation stack")
	}
	if l.Owner != "" {
		attrs = append(attrs, "owner", l.Owner)
		slog.Warn("mapcore: handle garbage collected without Close (native object lives until its owner's CloseAll)", attrs...)
		return
	}
	slog.Warn("mapcore: handle garbage collected without Close (native object leaked until process exit)", attrs...)
}

// CaptureStack returns the creation stack if debugging leaks, else "".
func CaptureStack() string {
	if !debugStacks.Load() {
		return ""
	}
	return string(debug.Stack())
}

// State is the Go side of one native handle.
type State struct {
	kind   string
	parent *State
	stack  string

	closed atomic.Bool
	mu     sync.Mutex // guards children, destroy, and the close transition
	// children in creation order (nil entries are closed ones, compacted lazily)
	children []*State
	destroy  func() error
}

// New reserves a State of the given kind under parent (nil for a root). It
// fails with ErrClosed if the parent is closed. Call Activate after the
// native object was created, or Abort if creating it failed.
func New(kind string, parent *State) (*State, error) {
	s := &State{kind: kind, parent: parent, stack: CaptureStack()}
	if parent != nil {
		parent.mu.Lock()
		defer parent.mu.Unlock()
		if parent.closed.Load() {
			return nil, status.Closed(kind+".create", parent.kind)
		}
		parent.children = append(parent.children, s)
	}
	return s, nil
}

// Activate sets the function that destroys the native object.
func (s *State) Activate(destroy func() error) {
	s.mu.Lock()
	s.destroy = destroy
	s.mu.Unlock()
}

// Abort undoes New after the native object could not be created.
func (s *State) Abort() {
	s.closed.Store(true)
	s.detach()
}

func (s *State) detach() {
	p := s.parent
	if p == nil {
		return
	}
	p.mu.Lock()
	for i, c := range p.children {
		if c == s {
			p.children = append(p.children[:i], p.children[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
}

// Kind returns the handle type name.
func (s *State) Kind() string { return s.kind }

// IsClosed reports whether the handle was closed.
func (s *State) IsClosed() bool { return s.closed.Load() }

// Check returns ErrClosed (as *status.Error for op) if the handle is closed.
func (s *State) Check(op string) error {
	if s.closed.Load() {
		return status.Closed(op, s.kind)
	}
	return nil
}

// LiveChildren returns how many children are not closed.
func (s *State) LiveChildren() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.children)
}

// Close destroys the native object once. A second Close returns nil and
// calls nothing. With live children it returns an error matching
// ErrInvalidState and destroys nothing. If the destroy function fails, the
// handle stays open and the error is returned.
func (s *State) Close() error {
	if s.closed.Load() {
		return nil
	}
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return nil
	}
	if n := len(s.children); n > 0 {
		kinds := make([]string, 0, n)
		for _, c := range s.children {
			kinds = append(kinds, c.kind)
		}
		s.mu.Unlock()
		return status.New(s.kind+".Close", status.InvalidState,
			fmt.Sprintf("%s has %d live child handle(s) (%s): close them first", s.kind, n, strings.Join(kinds, ", ")))
	}
	if s.destroy != nil {
		if err := s.destroy(); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	s.destroy = nil
	s.closed.Store(true)
	s.mu.Unlock()
	s.detach()
	return nil
}

// CloseTree closes the live children (each with its own children first) in
// creation order, then s. It returns every error joined.
func (s *State) CloseTree() error {
	s.mu.Lock()
	kids := append([]*State(nil), s.children...)
	s.mu.Unlock()
	var errs []error
	for _, c := range kids {
		if err := c.CloseTree(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// LeakCheck is called by the public object's finalizer: it reports a leak if
// the handle was never closed. It never destroys anything. A child whose
// parent is still open is reported with the parent's kind as Owner: the
// native object lives until the parent's CloseTree closes it.
func (s *State) LeakCheck() {
	if s.closed.Load() {
		return
	}
	l := Leak{Kind: s.kind, Stack: s.stack}
	if p := s.parent; p != nil && !p.closed.Load() {
		l.Owner = p.kind
	}
	Report(l)
}
