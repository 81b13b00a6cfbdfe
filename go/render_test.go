package mapcore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"runtime"
	"testing"
	"time"
)

// Convention 11: still images into *image.NRGBA (straight alpha, as read
// back) and *image.RGBA (premultiplied).
func TestRenderStillImages(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 64, 48)
	tm.render(t, testStyleInline)
	n, err := tm.s.ReadNRGBA()
	if err != nil {
		t.Fatal(err)
	}
	if n.Bounds() != image.Rect(0, 0, 64, 48) {
		t.Fatalf("bounds %v", n.Bounds())
	}
	if got := n.NRGBAAt(32, 24); got != blue {
		t.Fatalf("center pixel %v, want the polygon's blue", got)
	}
	if _, ok := findEvent(tm.events(t), EventStillImageFinished, ""); !ok {
		t.Fatal("no still-image-finished event")
	}

	// Semi-transparent background: NRGBA keeps straight alpha, RGBA is
	// premultiplied exactly like image/draw's conversion.
	tm.render(t, bgStyle("rgba(200, 100, 50, 0.5)"))
	n, err = tm.s.ReadNRGBA()
	if err != nil {
		t.Fatal(err)
	}
	px := n.NRGBAAt(10, 10)
	if px.A < 126 || px.A > 129 || px.R < 198 || px.R > 202 {
		t.Fatalf("straight-alpha pixel %v, want about {200 100 50 128}", px)
	}
	rgba, err := tm.s.ReadRGBA()
	if err != nil {
		t.Fatal(err)
	}
	want := image.NewRGBA(n.Bounds())
	draw.Draw(want, want.Bounds(), n, image.Point{}, draw.Src)
	if !bytes.Equal(rgba.Pix, want.Pix) {
		t.Fatalf("premultiplied %v, image/draw gives %v", rgba.RGBAAt(10, 10), want.RGBAAt(10, 10))
	}
	if rgba.RGBAAt(10, 10) == color.RGBA(px) {
		t.Fatal("RGBA was not premultiplied")
	}

	// Into a caller []byte.
	info, err := tm.s.ImageInfo()
	if err != nil || info.Width != 64 || info.Height != 48 || info.Stride != 256 || info.ByteLength != 256*48 {
		t.Fatalf("info %+v %v", info, err)
	}
	dst := make([]byte, info.ByteLength)
	if _, err := tm.s.ReadPixels(dst); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dst, n.Pix) {
		t.Fatal("ReadPixels differs from ReadNRGBA")
	}
	if _, err := tm.s.ReadPixels(make([]byte, 10)); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("short buffer: %v", err)
	}
}

func TestPremultiplyMatchesImageColor(t *testing.T) {
	pix := make([]byte, 0, 4*256*4)
	for a := 0; a < 256; a++ {
		for _, c := range []byte{0, 1, 127, 255} {
			pix = append(pix, c, 255-c, byte(a), byte(a))
		}
	}
	got := append([]byte(nil), pix...)
	Premultiply(got)
	for i := 0; i < len(pix); i += 4 {
		want := color.RGBAModel.Convert(color.NRGBA{pix[i], pix[i+1], pix[i+2], pix[i+3]}).(color.RGBA)
		if g := (color.RGBA{got[i], got[i+1], got[i+2], got[i+3]}); g != want {
			t.Fatalf("premultiply %v = %v, want %v", pix[i:i+4], g, want)
		}
	}
}

// Convention 6: a caller-owned buffer is pinned from attach until the
// session closes; collections between renders do not move it, and the pixels
// land in the caller's slice (run under GOEXPERIMENT=cgocheck2 too).
func TestBufferSessionPinned(t *testing.T) {
	lockThread(t)
	rt, err := NewRuntime(&RuntimeOptions{WorkerThreads: 1, RenderThreads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := rt.CloseAll(); err != nil {
			t.Error(err)
		}
	}()
	m, err := rt.NewMap(&MapOptions{Width: 16, Height: 16})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32*32*4) // 16x16 at ratio 2
	s, err := m.NewBufferSession(16, 16, 2, buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	colors := []string{"#ff0000", "#00ff00", "#0000ff", "#ffffff"}
	for i, c := range colors {
		for j := 0; j < 3; j++ {
			runtime.GC()
			_ = make([]byte, 1<<20) // churn the heap
		}
		if err := m.SetStyleJSON([]byte(bgStyle(c))); err != nil {
			t.Fatal(err)
		}
		if err := s.RenderStill(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := [][4]byte{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}}[i]
		for _, off := range []int{0, len(buf) / 2, len(buf) - 4} {
			if got := [4]byte(buf[off : off+4]); got != want {
				t.Fatalf("render %d: pixel at %d = %v, want %v", i, off, got, want)
			}
		}
	}
	if &s.Buffer()[0] != &buf[0] {
		t.Fatal("session does not use the caller's buffer")
	}
	// Replace the buffer with a smaller one.
	buf2 := make([]byte, 8*8*4)
	if err := s.SetBuffer(8, 8, 1, buf2, 0); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	if err := s.RenderStill(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := [4]byte(buf2[4*8*4+16 : 4*8*4+20]); got != [4]byte{255, 255, 255, 255} {
		t.Fatalf("after SetBuffer: %v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Buffer() != nil {
		t.Fatal("buffer still attached after Close")
	}
	if _, err := m.NewBufferSession(16, 16, 1, make([]byte, 10), 0); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("short buffer: %v", err)
	}
}

// Convention 11: the acquired frame exposes a NativePointer.
func TestAcquireFrame(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	tm.render(t, testStyleInline)
	want, err := tm.s.ReadNRGBA()
	if err != nil {
		t.Fatal(err)
	}
	f, err := tm.s.AcquireFrame()
	if err != nil {
		t.Fatal(err)
	}
	if f.Pixels() == 0 || f.Info().Width != 32 || f.Info().Stride < 128 {
		t.Fatalf("frame %v %+v", f.Pixels(), f.Info())
	}
	if img, err := f.NRGBA(); err != nil || !bytes.Equal(img.Pix, want.Pix) {
		t.Fatal("frame pixels differ from the read-back image")
	}
	if err := tm.s.RenderStill(context.Background()); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("render while a frame is acquired: %v", err)
	}
	if _, err := tm.s.AcquireFrame(); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("second acquire: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tm.s.RenderStill(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRenderStillDeadline(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	var held []*ResourceRequestHandle
	defer func() {
		for _, r := range held {
			r.Close()
		}
	}()
	if err := tm.rt.SetResourceProvider(ResourceProviderFunc(func(r *ResourceRequestHandle) bool {
		held = append(held, r) // never answered: the render must time out
		return true
	})); err != nil {
		t.Fatal(err)
	}
	if err := tm.m.SetStyleJSON([]byte(styleWithData("test://never"))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := tm.s.RenderStill(ctx); !errors.Is(err, ErrTimeout) {
		t.Fatalf("render with an unanswered request: %v", err)
	}
}

func TestContinuousFramesAndResize(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	if err := tm.m.SetStyleJSON([]byte(testStyleInline)); err != nil {
		t.Fatal(err)
	}
	complete := false
	for i := 0; i < 1000 && !complete; i++ {
		if _, err := tm.rt.Pump(10 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		c, err := tm.s.RenderFrame()
		if err != nil {
			t.Fatal(err)
		}
		complete = c
	}
	if !complete {
		t.Fatal("the view never loaded")
	}
	img, err := tm.s.ReadNRGBA()
	if err != nil || img.NRGBAAt(16, 16) != blue {
		t.Fatalf("frame %v %v", img.NRGBAAt(16, 16), err)
	}
	var last Event
	for _, e := range tm.events(t) {
		if e.Type == EventRenderFrameFinished {
			last = e
		}
	}
	if !last.Complete || last.Map != tm.m.ID() {
		t.Fatalf("last render-frame-finished event: %+v", last)
	}
	if err := tm.s.Resize(20, 10, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.s.RenderFrame(); err != nil {
		t.Fatal(err)
	}
	if info, err := tm.s.ImageInfo(); err != nil || info.Width != 40 || info.Height != 20 {
		t.Fatalf("after resize: %+v %v", info, err)
	}
}

// Cancelling the context interrupts a still render waiting for resources
// that never arrive.
func TestRenderStillCancelled(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 32, 32)
	held := make(chan *ResourceRequestHandle, 1)
	err := tm.rt.SetResourceProvider(ResourceProviderFunc(func(req *ResourceRequestHandle) bool {
		held <- req // never answered until the test ends
		return true
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.m.SetStyleJSON([]byte(styleWithData("mem://never.json"))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-held
		cancel()
	}()
	err = tm.s.RenderStill(ctx)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCancelled) {
		t.Fatalf("RenderStill after cancel = %v, want context.Canceled and ErrCancelled", err)
	}
	if _, err := tm.s.ReadNRGBA(); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("nothing should have been rendered; ReadNRGBA = %v", err)
	}
	// The next render is not cancelled by the earlier interrupt.
	short, stop := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer stop()
	if err := tm.s.RenderStill(short); !errors.Is(err, ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second RenderStill = %v, want a timeout", err)
	}
}

// Issue 11, RenderStill: thousands of back-to-back renders on one runtime
// with short deadlines (and some cancellations). Each render waits for a
// fresh resource that another goroutine answers, so a stray interrupt from
// an earlier render's context would cancel it. A render ends only as:
// rendered; timed out (ErrTimeout and context.DeadlineExceeded, past the
// deadline); or, for a cancelled context, ErrCancelled and
// context.Canceled. Run under -race and cgocheck2 by make test-go.
func TestRenderStillBackToBackDeadlines(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 8, 8)
	err := tm.rt.SetResourceProvider(ResourceProviderFunc(func(r *ResourceRequestHandle) bool {
		go func() { _ = r.Complete([]byte(testPolygon)) }()
		return true
	}))
	if err != nil {
		t.Fatal(err)
	}
	n := 3000
	if testing.Short() {
		n = 300
	}
	// One P: a goroutine started for a render's context then runs late
	// (when the scheduler takes the P back from the cgo call, or after the
	// render), which is when a stray interrupt would hit the next render.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var rendered, timedOut, cancelled int
	for i := 0; i < n; i++ {
		d := time.Duration(100+(i*7919)%2900) * time.Microsecond // 0.1 .. 3 ms
		var ctx context.Context
		var cancel context.CancelFunc
		byCancel := i%5 == 4
		if byCancel {
			ctx, cancel = context.WithCancel(context.Background())
			time.AfterFunc(d, cancel)
		} else {
			ctx, cancel = context.WithTimeout(context.Background(), d)
		}
		// The context starts first: some deadlines pass before the render.
		if err := tm.m.SetStyleJSON([]byte(styleWithData(fmt.Sprintf("test://%d.geojson", i)))); err != nil {
			t.Fatal(err)
		}
		err := tm.s.RenderStill(ctx)
		dl, hasDeadline := ctx.Deadline()
		switch {
		case err == nil:
			rendered++
		case byCancel && errors.Is(err, ErrCancelled) && errors.Is(err, context.Canceled):
			cancelled++
		case !byCancel && errors.Is(err, ErrTimeout) && errors.Is(err, context.DeadlineExceeded):
			if hasDeadline && time.Now().Before(dl) {
				t.Fatalf("render %d: timed out before its deadline: %v", i, err)
			}
			timedOut++
		default:
			cancel()
			t.Fatalf("render %d (deadline %v, by cancel %v): %v", i, d, byCancel, err)
		}
		cancel()
	}
	t.Logf("%d renders: %d rendered, %d timed out, %d cancelled", n, rendered, timedOut, cancelled)
}

// Issue 11, RenderStill: a nil context is an invalid argument (it used to
// render without a limit, or panic on a cancellation); a context already
// past its deadline or cancelled matches both the binding's and the
// context's error.
func TestRenderStillContextArguments(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 8, 8)
	if err := tm.m.SetStyleJSON([]byte(bgStyle("red"))); err != nil {
		t.Fatal(err)
	}
	var nilCtx context.Context // a nil context is what is tested
	if err := tm.s.RenderStill(nilCtx); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("nil ctx: %v", err)
	}
	if _, err := tm.s.ReadNRGBA(); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("a render with a nil ctx rendered: %v", err)
	}
	past, stop := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer stop()
	if err := tm.s.RenderStill(past); !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("past deadline: %v", err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tm.s.RenderStill(done); !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
	var e *Error
	if err := tm.s.RenderStill(done); !errors.As(err, &e) || e.Op != "RenderSessionHandle.RenderStill" {
		t.Fatalf("not an *Error: %#v", err)
	}
}

// Issue 11, buffers: FrameHandle.Bytes is a copy (writing to it does not
// change the frame, and it stays valid after Close); View lends the native
// memory only while the frame is open; NRGBA after Close is an error.
func TestFrameBytesLifetime(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 8, 8)
	tm.render(t, bgStyle("#ff0000"))
	f, err := tm.s.AcquireFrame()
	if err != nil {
		t.Fatal(err)
	}
	b := f.Bytes()
	if len(b) != f.Info().ByteLength || [4]byte(b[:4]) != [4]byte{255, 0, 0, 255} {
		t.Fatalf("bytes %d %v", len(b), b[:4])
	}
	b[0] = 7 // a copy: the frame is unchanged
	var first byte
	if err := f.View(func(pix []byte) { first = pix[0] }); err != nil || first != 255 {
		t.Fatalf("View: %v, first byte %d (writing to Bytes' result changed the native frame?)", err, first)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if b[1] != 0 || b[3] != 255 {
		t.Fatal("the copy changed after Close")
	}
	called := false
	if err := f.View(func([]byte) { called = true }); !errors.Is(err, ErrClosed) || called {
		t.Fatalf("View after Close: %v (called %v)", err, called)
	}
	if img, err := f.NRGBA(); !errors.Is(err, ErrClosed) || img != nil {
		t.Fatalf("NRGBA after Close: %v %v", img, err)
	}
	if f.Bytes() != nil || f.Pixels() != 0 {
		t.Fatal("closed frame still exposes pixels")
	}
}
