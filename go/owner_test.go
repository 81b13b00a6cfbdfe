package mapcore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Convention 4: the owner helper runs submitted work on its thread, pumps
// (woken by submissions and by native work), hands out events, and closes
// maps and the runtime in order.
func TestOwner(t *testing.T) {
	var mu sync.Mutex
	var events []Event
	idle := make(chan struct{}, 16)
	o, err := NewOwner(&OwnerOptions{
		Runtime: RuntimeOptions{WorkerThreads: 1},
		OnEvents: func(rt *RuntimeHandle, evs []Event) {
			mu.Lock()
			events = append(events, evs...)
			mu.Unlock()
			for _, e := range evs {
				if e.Type == EventSourceLoaded {
					idle <- struct{}{}
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var m *MapHandle
	var s *RenderSessionHandle
	// Work from several goroutines: all of it runs on the owner thread.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs <- o.Do(context.Background(), func(rt *RuntimeHandle) (err error) {
			m, err = rt.NewMap(&MapOptions{Width: 32, Height: 32})
			if err != nil {
				return err
			}
			s, err = m.NewTextureSession(32, 32, 1)
			return err
		})
	}()
	wg.Wait()
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	// A provider answering later from another goroutine: the owner's pump is
	// woken by the finished native work, not by another Do.
	release := make(chan struct{})
	if err := o.Do(context.Background(), func(rt *RuntimeHandle) error {
		if err := rt.SetResourceProvider(ResourceProviderFunc(func(r *ResourceRequestHandle) bool {
			go func() {
				<-release
				r.Complete([]byte(testPolygon))
			}()
			return true
		})); err != nil {
			return err
		}
		return m.SetStyleJSON([]byte(styleWithData("test://later.geojson")))
	}); err != nil {
		t.Fatal(err)
	}
	close(release)
	<-idle // delivered by OnEvents with no further submissions
	var px []byte
	if err := o.Do(context.Background(), func(rt *RuntimeHandle) error {
		if err := s.RenderStill(context.Background()); err != nil {
			return err
		}
		img, err := s.ReadNRGBA()
		if err != nil {
			return err
		}
		px = img.Pix[4*(16*32+16):][:4]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if [4]byte(px) != [4]byte{0, 0, 255, 255} {
		t.Fatalf("pixel %v", px)
	}
	// Work off the owner thread fails; panics come back as errors.
	if _, err := m.Camera(); !errors.Is(err, ErrWrongThread) {
		t.Fatalf("camera from the test goroutine: %v", err)
	}
	if err := o.Do(context.Background(), func(*RuntimeHandle) error { panic("job panic") }); err == nil {
		t.Fatal("panicking job returned nil")
	}
	// Close closes the open session and map, then the runtime.
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := o.Do(context.Background(), func(*RuntimeHandle) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Do after Close: %v", err)
	}
	if err := m.SetStyleJSON(nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("map after owner Close: %v", err)
	}
	if err := s.RenderStill(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("session after owner Close: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if _, ok := findEvent(events, EventStillImageFinished, ""); !ok {
		t.Fatalf("events: %v", events)
	}
}

// A panicking OnEvents does not stop the owner; the panic (with its stack)
// is reported when it happens: to OnError, or without it by the next Do.
func TestOwnerOnEventsPanic(t *testing.T) {
	render := func(rt *RuntimeHandle) error {
		m, err := rt.NewMap(&MapOptions{Width: 16, Height: 16})
		if err != nil {
			return err
		}
		defer m.Close()
		s, err := m.NewTextureSession(16, 16, 1)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := m.SetStyleJSON([]byte(testStyleInline)); err != nil {
			return err
		}
		return s.RenderStill(context.Background())
	}
	onEvents := func(*RuntimeHandle, []Event) { panic("events handler bug") }

	reported := make(chan error, 8)
	o, err := NewOwner(&OwnerOptions{OnEvents: onEvents, OnError: func(err error) { reported <- err }})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second round needs a working loop after the panic
		if err := o.Do(context.Background(), render); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-reported:
			var pe *PanicError
			if !errors.As(err, &pe) || pe.Op != "OwnerOptions.OnEvents" || pe.Undelivered == 0 ||
				!strings.Contains(string(pe.Stack), "TestOwnerOnEventsPanic") {
				t.Fatalf("reported: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the OnEvents panic was not reported when it happened")
		}
	}
	if err := o.Close(); err != nil {
		t.Fatalf("Close: %v (already reported errors again?)", err)
	}

	// Without OnError: the next Do returns it (after running its function).
	o, err = NewOwner(&OwnerOptions{OnEvents: onEvents})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := o.Do(context.Background(), render); err != nil {
		t.Fatal(err)
	}
	ran := false
	err = o.Do(context.Background(), func(*RuntimeHandle) error { ran = true; return nil })
	if !ran || err == nil || !strings.Contains(err.Error(), "events handler bug") {
		t.Fatalf("next Do: ran %v, %v", ran, err)
	}
}

// Issue 11, Owner: a pump that fails is reported when it fails (OnError), or
// by the next Do, not only by Close.
func TestOwnerReportsPumpFailure(t *testing.T) {
	closeRuntime := func(rt *RuntimeHandle) error { return rt.Close() } // the pump fails after it
	reported := make(chan error, 4)
	o, err := NewOwner(&OwnerOptions{OnError: func(err error) { reported <- err }})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Do(context.Background(), closeRuntime); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-reported:
		if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "pump") {
			t.Fatalf("reported: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the pump failure was not reported")
	}
	// The owner still runs functions, and reports the failure once.
	if err := o.Do(context.Background(), func(*RuntimeHandle) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-reported:
		t.Fatalf("reported twice: %v", err)
	default:
	}

	o, err = NewOwner(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Do(context.Background(), closeRuntime); err != nil {
		t.Fatal(err)
	}
	if err := o.Do(context.Background(), func(*RuntimeHandle) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("the Do after the pump failed: %v", err)
	}
	if err := o.Close(); err != nil {
		t.Fatalf("Close repeated a reported failure: %v", err)
	}
}

func ownerTestPanicker() { panic(errors.New("job panic")) }

// Issue 11, Owner: a panic in a submitted function comes back as a
// *PanicError with the panicking goroutine's stack.
func TestOwnerPanicKeepsStack(t *testing.T) {
	o, err := NewOwner(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	err = o.Do(context.Background(), func(*RuntimeHandle) error { ownerTestPanicker(); return nil })
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Op != "Owner.Do" {
		t.Fatalf("Do of a panicking function: %#v", err)
	}
	if !strings.Contains(string(pe.Stack), "ownerTestPanicker") || !strings.Contains(err.Error(), "ownerTestPanicker") {
		t.Fatalf("the stack lacks the panicking function:\n%s", pe.Stack)
	}
	if pe.Value.(error).Error() != "job panic" || errors.Unwrap(pe) == nil {
		t.Fatalf("panic value %v", pe.Value)
	}
	if err := o.Do(context.Background(), func(*RuntimeHandle) error { return nil }); err != nil {
		t.Fatalf("the owner after a panic: %v", err)
	}
}

// Issue 11, Owner: Do takes a context: one that ends before the function
// starts withdraws it (it never runs); nil is an invalid argument.
func TestOwnerDoContext(t *testing.T) {
	o, err := NewOwner(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	var nilCtx context.Context
	if err := o.Do(nilCtx, func(*RuntimeHandle) error { return nil }); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("nil ctx: %v", err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	if err := o.Do(done, func(*RuntimeHandle) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("cancelled ctx: %v (ran %v)", err, ran)
	}
	// Keep the owner busy; a second Do's deadline passes while it waits.
	release := make(chan struct{})
	started := make(chan struct{})
	busy := make(chan error, 1)
	go func() {
		busy <- o.Do(context.Background(), func(*RuntimeHandle) error { close(started); <-release; return nil })
	}()
	<-started
	short, stop := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer stop()
	var ran2 atomic.Bool
	err = o.Do(short, func(*RuntimeHandle) error { ran2.Store(true); return nil })
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("Do whose deadline passed while waiting: %v", err)
	}
	close(release)
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
	if err := o.Do(context.Background(), func(*RuntimeHandle) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran2.Load() {
		t.Fatal("a withdrawn function ran")
	}
}

// Issue 11, Owner: a stream of Do calls cannot starve pumping. Every
// function queues the next one before it returns, so the owner's queue is
// never empty; a resource answered from another goroutine must still be
// collected (it only is by a pump) and its source-loaded event delivered.
func TestOwnerDoStreamDoesNotStarvePump(t *testing.T) {
	loaded := make(chan struct{}, 1)
	o, err := NewOwner(&OwnerOptions{
		Runtime: RuntimeOptions{WorkerThreads: 1},
		OnEvents: func(_ *RuntimeHandle, evs []Event) {
			if _, ok := findEvent(evs, EventSourceLoaded, ""); ok {
				select {
				case loaded <- struct{}{}:
				default:
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := o.Do(context.Background(), func(rt *RuntimeHandle) error {
		if err := rt.SetResourceProvider(ResourceProviderFunc(func(r *ResourceRequestHandle) bool {
			go func() { _ = r.Complete([]byte(testPolygon)) }()
			return true
		})); err != nil {
			return err
		}
		m, err := rt.NewMap(&MapOptions{Width: 16, Height: 16})
		if err != nil {
			return err
		}
		return m.SetStyleJSON([]byte(styleWithData("test://stream.geojson")))
	}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var chain func(*RuntimeHandle) error
	chain = func(*RuntimeHandle) error {
		select {
		case <-stop:
			return nil
		default:
		}
		go o.Do(context.Background(), chain) //nolint:errcheck
		// Return only once the next function is queued.
		for {
			o.mu.Lock()
			n, closed := len(o.queue), o.closed
			o.mu.Unlock()
			if n > 0 || closed {
				return nil
			}
			select {
			case <-stop:
				return nil
			case <-time.After(50 * time.Microsecond):
			}
		}
	}
	go o.Do(context.Background(), chain) //nolint:errcheck
	select {
	case <-loaded:
	case <-time.After(5 * time.Second):
		close(stop)
		t.Fatal("a stream of Do calls starved the pump: the source never loaded")
	}
	close(stop)
}

// Issue 11, Pump: a negative timeout has already expired (as with Go's
// timers): it does not block. PumpUntilWoken is the unbounded wait.
func TestPumpTimeouts(t *testing.T) {
	lockThread(t)
	rt, err := NewRuntime(&RuntimeOptions{WorkerThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	woken := make(chan struct{})
	watchdog := time.AfterFunc(2*time.Second, func() { _ = rt.Wake(); close(woken) })
	start := time.Now()
	if _, err := rt.Pump(-time.Second); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Second || !watchdog.Stop() {
		<-woken
		t.Fatalf("Pump(-1s) blocked for %v (until woken)", el)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		_ = rt.Wake()
	}()
	start = time.Now()
	if _, err := rt.PumpUntilWoken(); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 10*time.Millisecond {
		t.Fatalf("PumpUntilWoken returned after %v, before the Wake", el)
	}
	start = time.Now()
	if _, err := rt.Pump(30 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("Pump(30ms) took %v", el)
	}
}
