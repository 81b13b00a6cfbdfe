package main

import (
	"context"
	"errors"
)

// engine is the real renderer (a mapcore.Renderer) — wired in once the
// Renderer lands; until then the command refuses to start.
type engine struct{}

var errNoEngine = errors.New("the mapcore.Renderer is not built into this version (UNSUPPORTED)")

func newEngine(cfg *config, workers int) (*engine, error) { return nil, errNoEngine }

func (e *engine) register(styles map[string]*servedStyle) error { return errNoEngine }

func (e *engine) Render(ctx context.Context, req renderRequest) ([]byte, error) {
	return nil, errNoEngine
}

func (e *engine) Close() error { return nil }
