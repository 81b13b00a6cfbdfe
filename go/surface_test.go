package mapcore

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"testing"

	"mapcore.dev/mapcore/go/internal/callback"
)

func uniformNRGBA(img *image.NRGBA, c color.NRGBA) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.NRGBAAt(x, y) != c {
				return false
			}
		}
	}
	return true
}

func newSurfaceMap(t *testing.T) (*RuntimeHandle, *MapHandle) {
	t.Helper()
	rt, err := NewRuntime(&RuntimeOptions{WorkerThreads: 1, RenderThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.CloseAll(); err != nil {
			t.Errorf("CloseAll: %v", err)
		}
	})
	m, err := rt.NewMap(&MapOptions{Width: 8, Height: 8})
	if err != nil {
		t.Fatal(err)
	}
	return rt, m
}

// The surface target: every render hands onFrame a copy of the frame; the
// images it keeps stay valid; re-entrant calls are refused; Close releases
// the native callback registration.
func TestSurfaceSession(t *testing.T) {
	lockThread(t)
	base := callback.PendingReleases()
	_, m := newSurfaceMap(t)
	var s *RenderSessionHandle
	var frames []*image.NRGBA
	var reentrant error
	s, err := m.NewSurfaceSession(10, 5, 2, func(img *image.NRGBA) {
		frames = append(frames, img)
		_, reentrant = s.ReadNRGBA()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := callback.PendingReleases(); got != base+1 {
		t.Fatalf("pending releases %d after create, want %d", got, base+1)
	}
	if err := m.SetStyleJSON([]byte(bgStyle("#ff0000"))); err != nil {
		t.Fatal(err)
	}
	if err := s.RenderStill(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(frames) != 1 {
		t.Fatalf("%d frames after one still render", len(frames))
	}
	if frames[0].Bounds() != image.Rect(0, 0, 20, 10) || !uniformNRGBA(frames[0], red) {
		t.Fatalf("frame %v, first pixel %v: want 20x10 all red", frames[0].Bounds(), frames[0].NRGBAAt(0, 0))
	}
	if !errors.Is(reentrant, ErrInvalidState) {
		t.Fatalf("ReadNRGBA inside onFrame: %v, want ErrInvalidState", reentrant)
	}
	for i := 0; i < 2; i++ {
		if _, err := s.RenderFrame(); err != nil {
			t.Fatal(err)
		}
	}
	if len(frames) != 3 {
		t.Fatalf("%d frames after three renders", len(frames))
	}
	if err := m.SetStyleJSON([]byte(bgStyle("rgba(0, 0, 255, 0.5)"))); err != nil {
		t.Fatal(err)
	}
	if err := s.RenderStill(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(frames) != 4 {
		t.Fatalf("%d frames after four renders", len(frames))
	}
	if got := frames[3].NRGBAAt(3, 3); got.R != 0 || got.G != 0 || got.B != 255 || got.A < 127 || got.A > 128 {
		t.Fatalf("translucent frame pixel %v, want straight-alpha blue at 50%%", got)
	}
	// Kept images are copies: the first frame is still red, and writing to
	// one changes nothing else.
	if !uniformNRGBA(frames[0], red) {
		t.Fatal("a kept frame changed after later renders")
	}
	last, err := s.ReadNRGBA()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(last.Pix, frames[3].Pix) {
		t.Fatal("ReadNRGBA differs from the last frame onFrame got")
	}
	frames[3].Pix[0] = 7
	if again, _ := s.ReadNRGBA(); again.Pix[0] == 7 {
		t.Fatal("writing to the frame image changed the session's image")
	}
	if _, err := s.AcquireFrame(); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("AcquireFrame on a surface session: %v", err)
	}
	if err := s.Resize(4, 3, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.RenderStill(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(frames) != 5 || frames[4].Bounds() != image.Rect(0, 0, 4, 3) {
		t.Fatalf("after Resize: %d frames, last %v", len(frames), frames[len(frames)-1].Bounds())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := callback.PendingReleases(); got != base {
		t.Fatalf("pending releases %d after Close, want %d: the callback was not released", got, base)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if got := callback.PendingReleases(); got != base {
		t.Fatalf("pending releases %d after a second Close", got)
	}
}

func TestSurfaceSessionMisuse(t *testing.T) {
	lockThread(t)
	base := callback.PendingReleases()
	_, m := newSurfaceMap(t)
	if _, err := m.NewSurfaceSession(8, 8, 1, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("nil onFrame: %v", err)
	}
	if _, err := m.NewSurfaceSession(0, 8, 1, func(*image.NRGBA) {}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("zero width: %v", err)
	}
	tex, err := m.NewTextureSession(8, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The map has a session: refused natively, and the callback
	// registration made for it is freed (nothing pending).
	if _, err := m.NewSurfaceSession(8, 8, 1, func(*image.NRGBA) {}); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("second session on a map: %v", err)
	}
	if got := callback.PendingReleases(); got != base {
		t.Fatalf("a refused surface left %d pending releases", got-base)
	}
	if err := tex.Close(); err != nil {
		t.Fatal(err)
	}
	// A panicking onFrame is recovered at the boundary: the render succeeds
	// and the session keeps working.
	calls := 0
	s, err := m.NewSurfaceSession(8, 8, 1, func(*image.NRGBA) {
		calls++
		panic("onFrame failed")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetStyleJSON([]byte(bgStyle("#00ff00"))); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := s.RenderStill(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 2 {
		t.Fatalf("onFrame called %d times", calls)
	}
	if img, err := s.ReadNRGBA(); err != nil || img.NRGBAAt(0, 0) != (color.NRGBA{0, 255, 0, 255}) {
		t.Fatalf("after a panicking onFrame: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := callback.PendingReleases(); got != base {
		t.Fatalf("pending releases %d after Close, want %d", got, base)
	}
}

// A surface session that is never closed is reported as a leak (its
// callback stays registered: the native session still holds it), and the
// runtime's CloseAll destroys it and releases the callback.
func TestLeakedSurfaceSession(t *testing.T) {
	lockThread(t)
	leaks := make(chan Leak, 8)
	SetLeakHandler(func(l Leak) { leaks <- l })
	defer SetLeakHandler(nil)
	base := callback.PendingReleases()
	rt, err := NewRuntime(&RuntimeOptions{WorkerThreads: 1, RenderThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, err := rt.NewMap(nil)
	if err != nil {
		t.Fatal(err)
	}
	func() {
		if _, err := m.NewSurfaceSession(4, 4, 1, func(*image.NRGBA) {}); err != nil {
			t.Fatal(err)
		}
	}()
	waitLeak(t, leaks, "RenderSessionHandle")
	if got := callback.PendingReleases(); got != base+1 {
		t.Fatalf("pending releases %d with a leaked session, want %d", got, base+1)
	}
	if err := rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
	if got := callback.PendingReleases(); got != base {
		t.Fatalf("pending releases %d after CloseAll, want %d", got, base)
	}
}
