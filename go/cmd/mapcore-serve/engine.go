package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"

	mapcore "mapcore.dev/mapcore/go"
)

// engine renders the configured styles with a mapcore.Renderer (a pool of
// owner threads, one runtime each).
type engine struct {
	r *mapcore.Renderer
}

// jpegQuality is the quality of JPEG images.
const jpegQuality = 90

// maxLoggedProblems bounds the distinct render problems remembered (each
// is logged once).
const maxLoggedProblems = 1000

// problemLog logs each distinct render problem (a warning or failure
// event) once (a missing tile or glyph range would otherwise be logged on
// every render).
func problemLog(log *slog.Logger) func(mapcore.Event) {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(e mapcore.Event) {
		if e.Type != mapcore.EventWarning && !e.Type.IsFailure() {
			return
		}
		msg := e.String()
		mu.Lock()
		first := !seen[msg] && len(seen) < maxLoggedProblems
		if first {
			seen[msg] = true
		}
		mu.Unlock()
		if first {
			log.Warn("render problem (logged once)", "event", msg)
		}
	}
}

func newEngine(cfg *config, workers int, log *slog.Logger) (*engine, error) {
	// One decoding and one render thread per runtime: parallelism comes
	// from the workers.
	r, err := mapcore.NewRenderer(&mapcore.RendererOptions{
		Workers: max(1, workers),
		OnEvent: problemLog(log),
		Runtime: &mapcore.RuntimeOptions{AllowedRoots: cfg.roots(), Glyphs: mapcore.GlyphsURLFirst,
			WorkerThreads: 1, RenderThreads: 1},
		Provider: mapcore.ChainProviders(fontProvider(cfg), &mapcore.HTTPProvider{UserAgent: "mapcore-serve"}),
	})
	if err != nil {
		return nil, err
	}
	return &engine{r: r}, nil
}

// register gives the engine the styles it renders (before serving).
func (e *engine) register(styles map[string]*servedStyle) error {
	for id, st := range styles {
		if err := e.r.RegisterStyle(id, st.render); err != nil {
			return err
		}
	}
	return nil
}

func (e *engine) Render(ctx context.Context, req renderRequest) ([]byte, error) {
	format, err := mapcore.ParseImageFormat(req.format) // lossless WebP
	if err != nil {
		return nil, &httpError{501, err.Error() + " (UNSUPPORTED)"}
	}
	mreq := mapcore.Request{Style: req.style, Width: req.width, Height: req.height,
		PixelRatio: float32(req.ratio), Format: format}
	if format == mapcore.JPEG {
		mreq.Quality = jpegQuality
	}
	if req.bounds != nil {
		b := req.bounds
		p := req.padding
		mreq.Bounds = &mapcore.Bounds{West: b[0], South: b[1], East: b[2], North: b[3]}
		mreq.Padding = mapcore.EdgeInsets{Top: p, Right: p, Bottom: p, Left: p}
		mreq.Bearing, mreq.Pitch = req.bearing, req.pitch
	} else {
		mreq.Camera = &mapcore.Camera{Longitude: req.lon, Latitude: req.lat, Zoom: req.zoom,
			Bearing: req.bearing, Pitch: req.pitch}
	}
	return e.r.Render(ctx, mreq)
}

func (e *engine) Close() error { return e.r.Close() }

// fontProvider serves fonts://{fontstack}/{range}.pbf from the fonts
// folder; a stack none of whose fonts has the range is "not found" (the
// runtime then draws the range with local fonts).
func fontProvider(cfg *config) mapcore.ResourceProvider {
	return mapcore.ResourceProviderFunc(func(req *mapcore.ResourceRequestHandle) bool {
		rest, ok := strings.CutPrefix(req.URL(), fontScheme)
		if !ok {
			return false
		}
		stack, rng, _ := strings.Cut(rest, "/")
		if s, err := url.PathUnescape(stack); err == nil {
			stack = s
		}
		p, err := cfg.fontFile(stack, rng)
		var data []byte
		if err == nil {
			data, err = os.ReadFile(p)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			_ = req.NotFound()
		case err != nil:
			_ = req.Fail(err)
		default:
			_ = req.CompleteNoCopy(data)
		}
		return true
	})
}
