package renderpool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	mapcore "mapcore.dev/mapcore/go"
)

const style = `{"version":8,"sources":{"sq":{"type":"geojson","data":{"type":"Polygon",
 "coordinates":[[[-20,-20],[20,-20],[20,20],[-20,20],[-20,-20]]]}}},
 "layers":[{"id":"bg","type":"background","paint":{"background-color":"#a0c8f0"}},
 {"id":"sq","type":"fill","source":"sq","paint":{"fill-color":"#f0e8d0"}}]}`

func TestFitBounds(t *testing.T) {
	c := FitBounds([4]float64{-20, -20, 20, 20}, 512, 512, 0)
	// 40 degrees is 1/9 of the world; at zoom z the world is 512*2^z px.
	if math.Abs(c.Longitude) > 1e-9 || math.Abs(c.Latitude) > 1e-9 || c.Zoom > math.Log2(9) || c.Zoom < math.Log2(9)-0.2 {
		t.Errorf("%+v", c)
	}
	if p := FitBounds([4]float64{-20, -20, 20, 20}, 512, 512, 128); math.Abs(p.Zoom-(c.Zoom-1)) > 1e-9 {
		t.Errorf("padding half the view: zoom %v, want %v", p.Zoom, c.Zoom-1)
	}
}

func TestProblemsAreReported(t *testing.T) {
	var mu sync.Mutex
	var got []string
	p, err := New(Options{Workers: 1, OnProblem: func(e mapcore.Event) {
		mu.Lock()
		got = append(got, e.String())
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	missing := `{"version":8,"sources":{"g":{"type":"geojson","data":"file:///nonexistent/x.geojson"}},
	 "layers":[{"id":"c","type":"circle","source":"g"}]}`
	if _, err := p.Render(context.Background(), Request{Style: "m", StyleJSON: []byte(missing), Width: 8, Height: 8, Ratio: 1, Format: "png"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || !strings.Contains(strings.Join(got, " "), "x.geojson") {
		t.Errorf("the missing data was not reported: %q", got)
	}
}

func TestConcurrentRendersWithCancellations(t *testing.T) {
	p, err := New(Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx := context.Background()
			if i%4 == 3 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				cancel()
			}
			size := 64 + 32*(i%3)
			body, err := p.Render(ctx, Request{Style: "sq", StyleJSON: []byte(style), Zoom: 1, Width: size, Height: size, Ratio: 1, Format: "png"})
			if i%4 == 3 {
				if !errors.Is(err, context.Canceled) {
					errs <- fmt.Errorf("cancelled render: %v", err)
				}
				return
			}
			if err != nil {
				errs <- err
				return
			}
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil || img.Bounds().Dx() != size {
				errs <- fmt.Errorf("render %d: %v %v", i, err, img)
				return
			}
			if r, g, b, _ := img.At(size/2, size/2).RGBA(); r>>8 != 0xf0 || g>>8 != 0xe8 || b>>8 != 0xd0 {
				errs <- fmt.Errorf("render %d: centre %x %x %x", i, r>>8, g>>8, b>>8)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.Render(ctx, Request{Style: "sq", StyleJSON: []byte(style), Width: 8, Height: 8, Ratio: 1, Format: "gif"}); !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("gif: %v", err)
	}
	if b, err := p.Render(ctx, Request{Style: "sq", StyleJSON: []byte(style), Width: 8, Height: 8, Ratio: 1, Format: "webp"}); err != nil || string(b[8:12]) != "WEBP" {
		t.Errorf("webp: %v", err)
	}
	p.Close()
	if _, err := p.Render(ctx, Request{Style: "sq", StyleJSON: []byte(style), Width: 8, Height: 8, Ratio: 1, Format: "png"}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
