package mapcore

import (
	"context"
	"errors"
	"sync"
	"testing"
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
		errs <- o.Do(func(rt *RuntimeHandle) (err error) {
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
	if err := o.Do(func(rt *RuntimeHandle) error {
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
	if err := o.Do(func(rt *RuntimeHandle) error {
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
	if err := o.Do(func(*RuntimeHandle) error { panic("job panic") }); err == nil {
		t.Fatal("panicking job returned nil")
	}
	// Close closes the open session and map, then the runtime.
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := o.Do(func(*RuntimeHandle) error { return nil }); !errors.Is(err, ErrClosed) {
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
