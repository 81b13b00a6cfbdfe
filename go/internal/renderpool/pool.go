// Package renderpool renders encoded map images on a pool of owner
// threads, one mapcore runtime each, for the commands (mapcore-serve,
// mapcore-render pyramid). Each worker parses a style once (a map per
// style, one texture session each, resized as requests need) and reuses
// its tiles, glyphs and sprites across requests.
//
// It is the commands' stand-in for mapcore.Renderer (DESIGN.md, Serving),
// which replaces it once the library has one.
package renderpool

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	mapcore "mapcore.dev/mapcore/go"
	"mapcore.dev/mapcore/go/internal/tiles"
)

// Request is one image: a style (Style is its key; StyleJSON is parsed the
// first time a worker sees the key), a camera or Bounds (fitted with
// Padding logical pixels around), a logical size, a pixel ratio and a
// format: "png", "jpg" or "webp" (lossless), encoded by the library.
type Request struct {
	Style          string
	StyleJSON      []byte
	Lon, Lat, Zoom float64
	Bearing, Pitch float64
	Bounds         *[4]float64
	Padding        float64
	Width, Height  int
	Ratio          float64
	Format         string
	JPEGQuality    int // 0: 90
}

// ErrUnsupportedFormat is the answer for a format the pool cannot encode.
var ErrUnsupportedFormat = errors.New("unsupported image format")

// Options configure a pool.
type Options struct {
	Workers int
	// Runtime are each worker's runtime options (the pool sets one worker
	// thread and one render thread per runtime unless set: parallelism
	// comes from the pool).
	Runtime mapcore.RuntimeOptions
	// Provider serves URLs the runtime does not (nil: none); it is shared
	// by the workers, so it must be safe for concurrent use.
	Provider mapcore.ResourceProvider
	// OnProblem, if set, receives each warning and failure event of a
	// render (a tile, sprite or glyph range that did not load, a style
	// property skipped), from the worker's goroutine.
	OnProblem func(mapcore.Event)
}

type job struct {
	ctx  context.Context
	req  Request
	done chan result
}

type result struct {
	body []byte
	err  error
}

// Pool renders requests on its workers. Safe for concurrent use.
type Pool struct {
	jobs chan job
	quit chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// ErrClosed is the answer of a closed pool.
var ErrClosed = errors.New("the render pool is closed")

// New starts the workers; it fails if a worker's runtime cannot be made.
func New(opt Options) (*Pool, error) {
	if opt.Workers < 1 {
		opt.Workers = 1
	}
	if opt.Runtime.WorkerThreads == 0 {
		opt.Runtime.WorkerThreads = 1
	}
	if opt.Runtime.RenderThreads == 0 {
		opt.Runtime.RenderThreads = 1
	}
	p := &Pool{jobs: make(chan job), quit: make(chan struct{})}
	errs := make(chan error, opt.Workers)
	for i := 0; i < opt.Workers; i++ {
		p.wg.Add(1)
		go p.worker(opt, errs)
	}
	for i := 0; i < opt.Workers; i++ {
		if err := <-errs; err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

// Render renders req on the next free worker; ctx bounds the wait for a
// worker and the render.
func (p *Pool) Render(ctx context.Context, req Request) ([]byte, error) {
	done := make(chan result, 1)
	select {
	case p.jobs <- job{ctx, req, done}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.quit:
		return nil, ErrClosed
	}
	r := <-done
	return r.body, r.err
}

// Close stops the workers after the renders in flight; later and waiting
// Render calls return ErrClosed.
func (p *Pool) Close() error {
	p.once.Do(func() { close(p.quit) })
	p.wg.Wait()
	return nil
}

type styleState struct {
	m     *mapcore.MapHandle
	s     *mapcore.RenderSessionHandle
	w, h  int
	ratio float32
}

func (p *Pool) worker(opt Options, ready chan<- error) {
	defer p.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rt, err := mapcore.NewRuntime(&opt.Runtime)
	if err == nil && opt.Provider != nil {
		err = rt.SetResourceProvider(opt.Provider)
	}
	ready <- err
	if err != nil {
		if rt != nil {
			rt.CloseAll()
		}
		return
	}
	defer rt.CloseAll()
	styles := map[string]*styleState{}
	for {
		var j job
		select {
		case j = <-p.jobs:
		case <-p.quit:
			return
		}
		body, err := render(j.ctx, rt, styles, j.req)
		// Drained after every render so they do not pile up.
		evs, _ := rt.DrainEvents()
		if opt.OnProblem != nil {
			for _, e := range evs {
				if e.Type == mapcore.EventWarning || e.Type.IsFailure() {
					opt.OnProblem(e)
				}
			}
		}
		j.done <- result{body, err}
	}
}

func render(ctx context.Context, rt *mapcore.RuntimeHandle, styles map[string]*styleState, req Request) ([]byte, error) {
	if _, ok := formats[req.Format]; !ok {
		return nil, fmt.Errorf("%w: %q (png, jpg or webp)", ErrUnsupportedFormat, req.Format)
	}
	ratio := float32(req.Ratio)
	st := styles[req.Style]
	if st == nil {
		m, err := rt.NewMap(&mapcore.MapOptions{Width: req.Width, Height: req.Height, PixelRatio: ratio})
		if err != nil {
			return nil, err
		}
		if err := m.SetStyleJSON(req.StyleJSON); err != nil {
			m.Close()
			return nil, err
		}
		s, err := m.NewTextureSession(req.Width, req.Height, ratio)
		if err != nil {
			m.Close()
			return nil, err
		}
		st = &styleState{m: m, s: s, w: req.Width, h: req.Height, ratio: ratio}
		styles[req.Style] = st
	}
	if st.w != req.Width || st.h != req.Height || st.ratio != ratio {
		if err := st.s.Resize(req.Width, req.Height, ratio); err != nil {
			return nil, err
		}
		st.w, st.h, st.ratio = req.Width, req.Height, ratio
	}
	cam := mapcore.Camera{Longitude: req.Lon, Latitude: req.Lat, Zoom: req.Zoom, Bearing: req.Bearing, Pitch: req.Pitch}
	if req.Bounds != nil {
		cam = FitBounds(*req.Bounds, req.Width, req.Height, req.Padding)
	}
	if err := st.m.JumpTo(cam); err != nil {
		return nil, err
	}
	if err := st.s.RenderStill(ctx); err != nil {
		return nil, err
	}
	// Encoded by the library (PNG with fdeflate, JPEG, lossless WebP).
	q := req.JPEGQuality
	if q == 0 {
		q = 90
	}
	return st.s.EncodeBytes(formats[req.Format], &mapcore.EncodeOptions{Quality: q})
}

// formats are the Request formats the pool encodes.
var formats = map[string]mapcore.ImageFormat{"png": mapcore.PNG, "jpg": mapcore.JPEG, "webp": mapcore.WebP}

// FitBounds is the camera (north up) showing bounds west, south, east,
// north in a width x height view with padding logical pixels on each side
// (MapLibre's cameraForBounds; zoom clamped to 0..22).
func FitBounds(b [4]float64, width, height int, padding float64) mapcore.Camera {
	x := func(lon float64) float64 { return (lon + 180) / 360 }
	y := func(lat float64) float64 {
		r := max(-tiles.MaxLat, min(tiles.MaxLat, lat)) * math.Pi / 180
		return (1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2
	}
	x0, x1, y0, y1 := x(b[0]), x(b[2]), y(b[3]), y(b[1])
	w, h := max(1, float64(width)-2*padding), max(1, float64(height)-2*padding)
	zoom := math.Log2(min(w/(max(x1-x0, 1e-12)*512), h/(max(y1-y0, 1e-12)*512)))
	cx, cy := (x0+x1)/2, (y0+y1)/2
	lat := math.Atan(math.Sinh(math.Pi*(1-2*cy))) * 180 / math.Pi
	return mapcore.Camera{Longitude: cx*360 - 180, Latitude: lat, Zoom: max(0, min(22, zoom))}
}
