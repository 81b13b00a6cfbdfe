package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"

	mapcore "mapcore.dev/mapcore/go"
	"mapcore.dev/mapcore/go/internal/renderpool"
)

// engine renders with a pool of owner threads (renderpool) over the
// configured styles.
type engine struct {
	pool   *renderpool.Pool
	styles map[string][]byte // id -> render JSON
}

// maxLoggedProblems bounds the distinct render problems remembered (each
// is logged once).
const maxLoggedProblems = 1000

// problemLog logs each distinct render problem once (a missing tile or
// glyph range would otherwise be logged on every render).
func problemLog(log *slog.Logger) func(mapcore.Event) {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(e mapcore.Event) {
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
	pool, err := renderpool.New(renderpool.Options{
		Workers:   workers,
		OnProblem: problemLog(log),
		Runtime:   mapcore.RuntimeOptions{AllowedRoots: cfg.roots(), Glyphs: mapcore.GlyphsURLFirst},
		Provider:  mapcore.ChainProviders(fontProvider(cfg), &mapcore.HTTPProvider{UserAgent: "mapcore-serve"}),
	})
	if err != nil {
		return nil, err
	}
	return &engine{pool: pool, styles: map[string][]byte{}}, nil
}

// register gives the engine the styles it renders (before serving).
func (e *engine) register(styles map[string]*servedStyle) error {
	for id, st := range styles {
		e.styles[id] = st.render
	}
	return nil
}

func (e *engine) Render(ctx context.Context, req renderRequest) ([]byte, error) {
	style, ok := e.styles[req.style]
	if !ok {
		return nil, fmt.Errorf("no style %q", req.style)
	}
	body, err := e.pool.Render(ctx, renderpool.Request{
		Style: req.style, StyleJSON: style, Lon: req.lon, Lat: req.lat, Zoom: req.zoom,
		Bearing: req.bearing, Pitch: req.pitch, Bounds: req.bounds, Padding: req.padding,
		Width: req.width, Height: req.height, Ratio: req.ratio, Format: req.format,
	})
	if errors.Is(err, renderpool.ErrUnsupportedFormat) {
		return nil, &httpError{501, err.Error() + " (UNSUPPORTED)"}
	}
	return body, err
}

func (e *engine) Close() error { return e.pool.Close() }

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
