package mapcore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"
	"testing"
	"time"
)

// 8 goroutines share a Renderer of 2 workers: styles as JSON and as a
// registered id, cameras and bounds, PNG bytes and images, and some
// requests cancelled before or while they wait. Run under -race.
func TestRendererConcurrent(t *testing.T) {
	r, err := NewRenderer(&RendererOptions{Workers: 2, Runtime: &RuntimeOptions{WorkerThreads: 1, RenderThreads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.RegisterStyle("blue", []byte(bgStyle("#0000ff"))); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*6)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 6; i++ {
				ctx := context.Background()
				cancelled := (g+i)%5 == 0
				var cancel context.CancelFunc
				if cancelled {
					ctx, cancel = context.WithCancel(ctx)
					cancel()
				}
				switch i % 3 {
				case 0: // inline JSON, camera, PNG bytes: the centre is the polygon's blue
					b, err := r.Render(ctx, Request{Style: testStyleInline, Camera: &Camera{Zoom: 1}, Width: 32, Height: 32})
					if cancelled {
						if !errors.Is(err, context.Canceled) {
							errs <- fmt.Errorf("cancelled request: %v", err)
						}
						continue
					}
					if err != nil {
						errs <- err
						continue
					}
					img, err := png.Decode(bytes.NewReader(b))
					if err != nil || nrgbaOf(t, img).NRGBAAt(16, 16) != blue {
						errs <- fmt.Errorf("png: %v", err)
					}
				case 1: // registered id, bounds, image
					img, err := r.RenderImage(ctx, Request{Style: "blue", Bounds: &Bounds{West: -10, South: -10, East: 10, North: 10},
						Padding: EdgeInsets{Top: 2, Right: 2, Bottom: 2, Left: 2}, Width: 24, Height: 16, PixelRatio: 2})
					if cancelled {
						if !errors.Is(err, ErrCancelled) {
							errs <- fmt.Errorf("cancelled request: %v", err)
						}
						continue
					}
					if err != nil {
						errs <- err
						continue
					}
					if img.Bounds() != image.Rect(0, 0, 48, 32) || img.(*image.NRGBA).NRGBAAt(5, 5) != blue {
						errs <- fmt.Errorf("image %v", img.Bounds())
					}
				default: // a request the context ends while it renders or waits
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(g)*time.Millisecond)
					_, err := r.Render(ctx, Request{Style: testStyleInline, Width: 64, Height: 64, Format: JPEG})
					cancel()
					if err != nil && !errors.Is(err, context.DeadlineExceeded) {
						errs <- fmt.Errorf("deadline request: %v", err)
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// The context's end interrupts a render waiting for a resource that never
// comes.
func TestRendererInterruptsWaitingRender(t *testing.T) {
	hold := ResourceProviderFunc(func(req *ResourceRequestHandle) bool { return true }) // never completes
	r, err := NewRenderer(&RendererOptions{Workers: 1, Provider: hold})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err = r.Render(ctx, Request{Style: styleWithData("https://example.invalid/poly.geojson"), Width: 16, Height: 16})
	if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second {
		t.Fatalf("%v after %v", err, time.Since(start))
	}
	// The worker still renders afterwards.
	if _, err := r.Render(context.Background(), Request{Style: bgStyle("#00ff00"), Width: 8, Height: 8}); err != nil {
		t.Fatal(err)
	}
}

func TestRendererBadRequests(t *testing.T) {
	r, err := NewRenderer(&RendererOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		req  Request
		want error
	}{
		{Request{Width: 8, Height: 8}, ErrInvalidArgument},
		{Request{Style: bgStyle("red"), Width: 0, Height: 8}, ErrInvalidArgument},
		{Request{Style: bgStyle("red"), Width: 8, Height: 8, Format: 7}, ErrInvalidArgument},
		{Request{Style: bgStyle("red"), Width: 8, Height: 8, Format: JPEG, Quality: 101}, ErrInvalidArgument},
		{Request{Style: bgStyle("red"), Width: 8, Height: 8, Camera: &Camera{}, Bounds: &Bounds{}}, ErrInvalidArgument},
		{Request{Style: bgStyle("red"), Width: 8, Height: 8, Bounds: &Bounds{West: 0, South: 5, East: 1, North: 1}}, ErrInvalidArgument},
		{Request{Style: bgStyle("red"), Width: 8, Height: 8, Camera: &Camera{Zoom: 99}}, ErrInvalidArgument},
		{Request{Style: "not-registered", Width: 8, Height: 8}, ErrNotFound},
		{Request{Style: `{"version": 8, "sources": `, Width: 8, Height: 8}, ErrParse},
	} {
		if _, err := r.Render(ctx, c.req); !errors.Is(err, c.want) {
			t.Errorf("%+v: %v, want %v", c.req, err, c.want)
		}
	}
	if err := r.RegisterStyle("", nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("empty id: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Render(ctx, Request{Style: bgStyle("red"), Width: 8, Height: 8}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// Re-registering an id replaces its style for later requests, on a worker
// that already parsed the first one.
func TestRendererReRegisterStyle(t *testing.T) {
	r, err := NewRenderer(&RendererOptions{Workers: 1, Runtime: &RuntimeOptions{WorkerThreads: 1, RenderThreads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, c := range []struct {
		style string
		want  color.NRGBA
	}{{"#ff0000", red}, {"#0000ff", blue}, {"#ff0000", red}} {
		if err := r.RegisterStyle("bg", []byte(bgStyle(c.style))); err != nil {
			t.Fatal(err)
		}
		img, err := r.RenderImage(context.Background(), Request{Style: "bg", Width: 4, Height: 4})
		if err != nil {
			t.Fatal(err)
		}
		if got := img.(*image.NRGBA).NRGBAAt(2, 2); got != c.want {
			t.Errorf("after registering %s: %v, want %v", c.style, got, c.want)
		}
	}
}
