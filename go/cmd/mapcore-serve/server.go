package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// serverOptions are the limits and policies of a server.
type serverOptions struct {
	workers    int           // concurrent renders
	queue      int           // requests that may wait for a render slot
	cacheBytes int64         // tile cache budget
	timeout    time.Duration // per-request deadline
	maxSize    int           // largest static image side (logical pixels)
	maxScale   int           // largest @Nx
	maxAge     time.Duration // Cache-Control max-age of images and tiles
}

func defaultServerOptions() serverOptions {
	return serverOptions{workers: 2, queue: 64, cacheBytes: 64 << 20, timeout: 30 * time.Second,
		maxSize: 2048, maxScale: 3, maxAge: time.Hour}
}

type server struct {
	cfg      *config
	opt      serverOptions
	styles   map[string]*servedStyle
	archives map[string]tileArchive
	renderer tileRenderer
	cache    *lruCache
	queue    *renderQueue
	metrics  *metrics
	log      *slog.Logger

	mu      sync.Mutex
	flights map[string]*flight // renders in progress, by cache key
}

// flight is one render that concurrent requests for the same image share.
type flight struct {
	done chan struct{}
	c    *cached
	err  error
}

func newServer(cfg *config, opt serverOptions, r tileRenderer, archives map[string]tileArchive, log *slog.Logger) (*server, error) {
	s := &server{cfg: cfg, opt: opt, renderer: r, archives: archives, styles: map[string]*servedStyle{},
		cache: newLRU(opt.cacheBytes), queue: newRenderQueue(opt.workers, opt.queue), metrics: newMetrics(), log: log,
		flights: map[string]*flight{}}
	for _, id := range cfg.styleIDs() {
		st, err := cfg.loadStyle(id)
		if err != nil {
			return nil, err
		}
		s.styles[id] = st
	}
	return s, nil
}

// httpError is an answer other than 200: a status and a one-line reason.
type httpError struct {
	code   int
	reason string
}

func (e *httpError) Error() string { return e.reason }

func badRequest(format string, a ...any) *httpError {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) *httpError {
	return &httpError{http.StatusNotFound, fmt.Sprintf(format, a...)}
}

// recorder remembers the status, size and route of a response for the
// access log and the metrics.
type recorder struct {
	http.ResponseWriter
	code  int
	bytes int
	route string
	cache string
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// ServeHTTP logs, measures and dispatches every request.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, route: "other"}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rec.Header().Set("Allow", "GET, HEAD")
		s.fail(rec, &httpError{http.StatusMethodNotAllowed, r.Method + " is not allowed: use GET or HEAD"})
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), s.opt.timeout)
		s.route(rec, r.WithContext(ctx))
		cancel()
	}
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	d := time.Since(start)
	s.metrics.observe(rec.route, rec.code, d)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", rec.code, "bytes", rec.bytes,
		"duration_ms", float64(d.Microseconds()) / 1000, "route", rec.route}
	if rec.cache != "" {
		attrs = append(attrs, "cache", rec.cache)
	}
	s.log.Info("request", attrs...)
}

// fail answers err: an *httpError as itself, a full queue as 503 with
// Retry-After, a deadline as 504, anything else as 500; always one line.
func (s *server) fail(w http.ResponseWriter, err error) {
	var he *httpError
	var br errBadRequest
	switch {
	case errors.As(err, &he):
	case errors.As(err, &br):
		he = badRequest("%s", br.reason)
	case errors.Is(err, errQueueFull):
		w.Header().Set("Retry-After", "1")
		he = &httpError{http.StatusServiceUnavailable, "busy: the render queue is full, retry later"}
	case errors.Is(err, context.DeadlineExceeded):
		he = &httpError{http.StatusGatewayTimeout, "the request ran past its deadline of " + s.opt.timeout.String()}
	case errors.Is(err, context.Canceled):
		he = &httpError{499, "the client went away"}
	default:
		he = &httpError{http.StatusInternalServerError, err.Error()}
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(he.code)
	fmt.Fprintln(w, strings.ReplaceAll(he.reason, "\n", " "))
}

// route dispatches by path (tileserver-gl's URL scheme).
func (s *server) route(w *recorder, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/":
		w.route = "index"
		s.index(w, r)
	case p == "/health":
		w.route = "health"
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintln(w, "OK")
	case p == "/metrics":
		w.route = "metrics"
		s.serveMetrics(w)
	case strings.HasPrefix(p, "/styles/"):
		s.routeStyle(w, r, strings.TrimPrefix(p, "/styles/"))
	case strings.HasPrefix(p, "/data/"):
		s.routeData(w, r, strings.TrimPrefix(p, "/data/"))
	case strings.HasPrefix(p, "/fonts/"):
		w.route = "fonts"
		s.serveFont(w, r, strings.TrimPrefix(p, "/fonts/"))
	default:
		s.fail(w, notFound("no such page: %s", p))
	}
}

func (s *server) serveMetrics(w http.ResponseWriter) {
	used, entries, ev := s.cache.stats()
	var buf bytes.Buffer
	s.metrics.write(&buf, gauges{
		inFlight: s.queue.inFlight.Load(), queued: s.queue.waiting.Load(), rejected: s.queue.rejected.Load(),
		cacheBytes: used, cacheEntries: int64(entries), evictions: ev,
	})
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// respond writes a body with its validator: 304 when If-None-Match has the
// ETag; HEAD gets the headers only (net/http drops the body).
func (s *server) respond(w http.ResponseWriter, r *http.Request, c *cached, cacheControl string) {
	h := w.Header()
	h.Set("ETag", c.etag)
	h.Set("Cache-Control", cacheControl)
	if etagMatches(r.Header.Get("If-None-Match"), c.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", c.contentType)
	h.Set("Content-Length", strconv.Itoa(len(c.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(c.body)
	}
}

// etagMatches implements If-None-Match's weak comparison over a list.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func (s *server) imageCacheControl() string {
	return "public, max-age=" + strconv.Itoa(int(s.opt.maxAge.Seconds()))
}

var contentTypes = map[string]string{"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}

// renderCached answers an image request from the cache or renders it
// (through the bounded queue) and caches the result. Concurrent requests
// for an image being rendered wait for that render instead of starting
// their own.
func (s *server) renderCached(w *recorder, r *http.Request, key string, req renderRequest) {
	if c, ok := s.cache.get(key); ok {
		s.metrics.cache(true)
		w.cache = "hit"
		s.respond(w, r, c, s.imageCacheControl())
		return
	}
	s.metrics.cache(false)
	for {
		s.mu.Lock()
		f, shared := s.flights[key]
		if !shared {
			f = &flight{done: make(chan struct{})}
			s.flights[key] = f
		}
		s.mu.Unlock()
		if shared {
			w.cache = "shared"
			select {
			case <-f.done:
			case <-r.Context().Done():
				s.fail(w, r.Context().Err())
				return
			}
			// When the first request went away or ran out of time, render
			// for this one (its own context decides).
			if errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded) {
				continue
			}
		} else {
			w.cache = "miss"
			f.c, f.err = s.render(r.Context(), key, req)
			s.mu.Lock()
			delete(s.flights, key)
			s.mu.Unlock()
			close(f.done)
		}
		if f.err != nil {
			s.fail(w, f.err)
			return
		}
		s.respond(w, r, f.c, s.imageCacheControl())
		return
	}
}

// render draws one image through the queue and caches it.
func (s *server) render(ctx context.Context, key string, req renderRequest) (*cached, error) {
	release, err := s.queue.acquire(ctx)
	if err != nil {
		return nil, err
	}
	body, err := s.renderer.Render(ctx, req)
	release()
	s.metrics.rendered(err)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, err
	}
	c := newCached(body, contentTypes[req.format])
	s.cache.put(key, c)
	return c, nil
}
