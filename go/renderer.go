package mapcore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"runtime"
	"strings"
	"sync"
	"time"

	"mapcore.dev/mapcore/go/internal/status"
)

// RendererOptions configures a Renderer. The zero value (or nil) gives
// runtime.NumCPU() workers with default runtimes serving http(s) with
// HTTPProvider.
type RendererOptions struct {
	// Workers is the number of owner threads, one runtime each; 0 means
	// runtime.NumCPU().
	Workers int
	// Runtime holds each worker runtime's options (asset root, allowed
	// roots, limits, fonts); nil means the defaults.
	Runtime *RuntimeOptions
	// Provider serves resources for every worker (it must be safe for
	// concurrent use, as HTTPProvider, DirProvider and ChainProviders are);
	// nil means &HTTPProvider{}.
	Provider ResourceProvider
	// MaxStyles bounds the styles each worker keeps parsed (least recently
	// used are dropped); 0 means 16.
	MaxStyles int
	// OnEvent, if set, receives each worker's events (warnings, resource
	// failures, ...) on the worker's goroutine, after each render; with
	// several workers it is called concurrently.
	OnEvent func(Event)
}

// Request is one image to render.
type Request struct {
	// Style is style JSON (starting with '{'), a URL (anything with "://"),
	// or the id of a style given to RegisterStyle. Each worker parses a
	// style once and reuses it.
	Style string
	// Camera, if set, is the view: the fields in Camera.Fields (0 = all)
	// over the style's own camera. Otherwise Bounds, if set,
	// is fitted into the view with Padding, Bearing and Pitch; with neither
	// the style's own camera is used.
	Camera *Camera
	Bounds *Bounds
	// Padding, Bearing and Pitch apply to Bounds.
	Padding        EdgeInsets
	Bearing, Pitch float64
	// Width and Height in logical pixels (1..16384), at PixelRatio (0 = 1).
	Width, Height int
	PixelRatio    float32
	// Format and its options, for Render (0 = PNG).
	Format  ImageFormat
	Quality int
}

// Renderer is a goroutine-safe pool of owner threads, each with its own
// runtime, rendering Requests. Create it with NewRenderer; Close it.
type Renderer struct {
	jobs   chan *renderJob
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
	styles sync.Map // registered id -> registeredStyle
}

// registeredStyle is a RegisterStyle'd style and its worker key (hashed
// once here, not on every request).
type registeredStyle struct {
	key  string
	json []byte
}

type renderJob struct {
	ctx    context.Context
	req    Request
	encode bool
	done   chan renderResult
}

type renderResult struct {
	data []byte
	img  image.Image
	err  error
}

// NewRenderer starts the workers (each creates its runtime on its own
// locked OS thread).
func NewRenderer(opts *RendererOptions) (*Renderer, error) {
	var o RendererOptions
	if opts != nil {
		o = *opts
	}
	if o.Workers < 0 || o.MaxStyles < 0 {
		return nil, status.New("NewRenderer", status.InvalidArgument, "Workers and MaxStyles must not be negative")
	}
	if o.Workers == 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.MaxStyles == 0 {
		o.MaxStyles = 16
	}
	if o.Provider == nil {
		o.Provider = &HTTPProvider{}
	}
	r := &Renderer{jobs: make(chan *renderJob)}
	started := make(chan error, o.Workers)
	for i := 0; i < o.Workers; i++ {
		r.wg.Add(1)
		go r.work(&o, started)
	}
	var firstErr error
	for i := 0; i < o.Workers; i++ {
		if err := <-started; err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		r.Close()
		return nil, firstErr
	}
	return r, nil
}

// RegisterStyle names style JSON so that Requests can use id as their
// Style. Re-registering an id replaces the style for later requests.
func (r *Renderer) RegisterStyle(id string, styleJSON []byte) error {
	if id == "" || strings.HasPrefix(strings.TrimSpace(id), "{") || strings.Contains(id, "://") {
		return status.New("Renderer.RegisterStyle", status.InvalidArgument, fmt.Sprintf("style id %q must be non-empty, not JSON and not a URL", id))
	}
	b := append([]byte(nil), styleJSON...)
	sum := sha256.Sum256(b) // re-registering gives a new key
	r.styles.Store(id, registeredStyle{key: "id:" + id + ":" + hex.EncodeToString(sum[:8]), json: b})
	return nil
}

// Render renders req and encodes it (req.Format, default PNG).
func (r *Renderer) Render(ctx context.Context, req Request) ([]byte, error) {
	res := r.do(ctx, req, true)
	return res.data, res.err
}

// RenderImage renders req and returns the pixels (*image.NRGBA).
func (r *Renderer) RenderImage(ctx context.Context, req Request) (image.Image, error) {
	res := r.do(ctx, req, false)
	return res.img, res.err
}

func checkRequest(req *Request, encode bool) error {
	const op = "Renderer.Render"
	if strings.TrimSpace(req.Style) == "" {
		return status.New(op, status.InvalidArgument, "Request.Style is empty: give style JSON, a URL or a registered id")
	}
	if req.Camera != nil && req.Bounds != nil {
		return status.New(op, status.InvalidArgument, "Request has both Camera and Bounds: give one")
	}
	if req.PixelRatio == 0 {
		req.PixelRatio = 1
	}
	if _, err := checkSize(op, req.Width, req.Height, req.PixelRatio); err != nil {
		return err
	}
	if req.Format == 0 {
		req.Format = PNG
	}
	if encode {
		if req.Format.ContentType() == "" {
			return status.New(op, status.InvalidArgument, fmt.Sprintf("unknown image format %d", int(req.Format)))
		}
		if _, _, err := (&EncodeOptions{Quality: req.Quality}).native(op); err != nil {
			return err
		}
	}
	return nil
}

func (r *Renderer) do(ctx context.Context, req Request, encode bool) renderResult {
	if ctx == nil {
		return renderResult{err: status.New("Renderer.Render", status.InvalidArgument, "nil context (use context.Background())")}
	}
	if err := checkRequest(&req, encode); err != nil {
		return renderResult{err: err}
	}
	job := &renderJob{ctx: ctx, req: req, encode: encode, done: make(chan renderResult, 1)}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return renderResult{err: status.Closed("Renderer.Render", "Renderer")}
	}
	select {
	case r.jobs <- job:
		r.mu.RUnlock()
	case <-ctx.Done():
		r.mu.RUnlock()
		return renderResult{err: contextError("Renderer.Render", ctx.Err(), "the context ended while waiting for a worker")}
	}
	return <-job.done
}

// Close stops accepting requests, lets the workers finish the requests they
// hold, closes their runtimes and waits for them. A second Close returns nil.
func (r *Renderer) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.jobs)
	r.mu.Unlock()
	r.wg.Wait()
	return nil
}

// A style parsed on one worker: its map and session.
type workerStyle struct {
	m        *MapHandle
	s        *RenderSessionHandle
	w, h     int
	ratio    float32
	camera   Camera // the style's own camera
	lastUsed int64
}

type worker struct {
	o      *RendererOptions
	r      *Renderer
	rt     *RuntimeHandle
	styles map[string]*workerStyle
	clock  int64
}

func (r *Renderer) work(o *RendererOptions, started chan<- error) {
	defer r.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rt, err := NewRuntime(o.Runtime)
	if err == nil {
		if err = rt.SetResourceProvider(o.Provider); err != nil {
			rt.CloseAll()
		}
	}
	started <- err
	if err != nil {
		return
	}
	w := &worker{o: o, r: r, rt: rt, styles: map[string]*workerStyle{}}
	defer rt.CloseAll()
	for job := range r.jobs {
		job.done <- w.render(job)
	}
}

// styleKey names a request's style: the registered id, the URL, or a hash
// of the JSON. It returns the JSON to parse (nil for a URL).
func (w *worker) styleKey(style string) (key string, json []byte, err error) {
	trimmed := strings.TrimSpace(style)
	switch {
	case strings.HasPrefix(trimmed, "{"):
		sum := sha256.Sum256([]byte(style))
		return "json:" + hex.EncodeToString(sum[:]), []byte(style), nil
	case strings.Contains(style, "://"):
		return "url:" + style, nil, nil
	}
	v, ok := w.r.styles.Load(style)
	if !ok {
		return "", nil, status.New("Renderer.Render", status.NotFound, fmt.Sprintf("no style registered as %q (RegisterStyle), and it is neither JSON nor a URL", style))
	}
	rs := v.(registeredStyle)
	return rs.key, rs.json, nil
}

func (w *worker) drain() error {
	evs, err := w.rt.DrainEvents()
	var styleErr error
	for _, e := range evs {
		if e.Type == EventStyleError && styleErr == nil {
			styleErr = status.New("Renderer.Render", status.ParseError, "style: "+e.Message)
		}
		if w.o.OnEvent != nil {
			w.o.OnEvent(e)
		}
	}
	if styleErr != nil {
		return styleErr
	}
	return err
}

// load returns the worker's map for a style, parsing it on first use.
func (w *worker) load(ctx context.Context, key string, json []byte, url string) (*workerStyle, error) {
	w.clock++
	if ws, ok := w.styles[key]; ok {
		ws.lastUsed = w.clock
		return ws, nil
	}
	if len(w.styles) >= w.o.MaxStyles {
		var oldest string
		for k, ws := range w.styles {
			if oldest == "" || ws.lastUsed < w.styles[oldest].lastUsed {
				oldest = k
			}
		}
		w.styles[oldest].close()
		delete(w.styles, oldest)
	}
	m, err := w.rt.NewMap(nil)
	if err != nil {
		return nil, err
	}
	ws := &workerStyle{m: m, lastUsed: w.clock}
	fail := func(err error) (*workerStyle, error) {
		ws.close()
		return nil, err
	}
	if json != nil {
		if err := m.SetStyleJSON(json); err != nil {
			return fail(err)
		}
	} else {
		if err := m.SetStyleURL(url); err != nil {
			return fail(err)
		}
		if err := w.waitForStyle(ctx); err != nil {
			return fail(err)
		}
	}
	if ws.camera, err = m.Camera(); err != nil {
		return fail(err)
	}
	w.styles[key] = ws
	return ws, nil
}

// waitForStyle pumps until a style URL has loaded or failed.
func (w *worker) waitForStyle(ctx context.Context) error {
	for {
		evs, err := w.rt.DrainEvents()
		if err != nil {
			return err
		}
		for _, e := range evs {
			if w.o.OnEvent != nil {
				w.o.OnEvent(e)
			}
			switch e.Type {
			case EventStyleLoaded:
				return nil
			case EventStyleError:
				return status.New("Renderer.Render", status.ParseError, "style: "+e.Message)
			}
		}
		if err := ctx.Err(); err != nil {
			return contextError("Renderer.Render", err, "the context ended while loading the style")
		}
		if _, err := w.rt.Pump(50 * time.Millisecond); err != nil {
			return err
		}
	}
}

func (ws *workerStyle) close() {
	if ws.s != nil {
		ws.s.Close()
	}
	ws.m.Close()
}

func (w *worker) render(job *renderJob) renderResult {
	ctx, req := job.ctx, job.req
	if err := ctx.Err(); err != nil {
		return renderResult{err: contextError("Renderer.Render", err, "the context ended before rendering")}
	}
	key, json, err := w.styleKey(req.Style)
	if err != nil {
		return renderResult{err: err}
	}
	ws, err := w.load(ctx, key, json, req.Style)
	if err != nil {
		return renderResult{err: err}
	}
	if ws.s == nil {
		if ws.s, err = ws.m.NewTextureSession(req.Width, req.Height, req.PixelRatio); err != nil {
			return renderResult{err: err}
		}
	} else if ws.w != req.Width || ws.h != req.Height || ws.ratio != req.PixelRatio {
		if err := ws.s.Resize(req.Width, req.Height, req.PixelRatio); err != nil {
			return renderResult{err: err}
		}
	}
	ws.w, ws.h, ws.ratio = req.Width, req.Height, req.PixelRatio
	cam := ws.camera
	switch {
	case req.Camera != nil:
		cam = mergeCamera(ws.camera, *req.Camera)
	case req.Bounds != nil:
		if cam, err = ws.m.CameraForBounds(*req.Bounds, req.Padding, req.Bearing, req.Pitch); err != nil {
			return renderResult{err: err}
		}
	}
	cam.Fields = CameraAll
	if err := ws.m.JumpTo(cam); err != nil {
		return renderResult{err: err}
	}
	err = ws.s.RenderStill(ctx)
	if derr := w.drain(); err == nil && derr != nil {
		err = derr
	}
	if err != nil {
		return renderResult{err: err}
	}
	if !job.encode {
		img, err := ws.s.ReadNRGBA()
		return renderResult{img: img, err: err}
	}
	data, err := ws.s.EncodeBytes(req.Format, &EncodeOptions{Quality: req.Quality})
	return renderResult{data: data, err: err}
}

// mergeCamera applies the fields of c that c.Fields selects (all when 0) to
// base.
func mergeCamera(base, c Camera) Camera {
	f := c.Fields
	if f == 0 {
		f = CameraAll
	}
	if f&CameraCenter != 0 {
		base.Longitude, base.Latitude = c.Longitude, c.Latitude
	}
	if f&CameraZoom != 0 {
		base.Zoom = c.Zoom
	}
	if f&CameraBearing != 0 {
		base.Bearing = c.Bearing
	}
	if f&CameraPitch != 0 {
		base.Pitch = c.Pitch
	}
	return base
}
