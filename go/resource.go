package mapcore

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"mapcore.dev/mapcore/go/internal/callback"
	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/handle"
	"mapcore.dev/mapcore/go/internal/memory"
	"mapcore.dev/mapcore/go/internal/status"
)

// ResourceProvider serves the URLs a runtime does not load itself.
//
// ProvideResource is called on the runtime's owner thread while it pumps or
// renders. It must not call owner-thread methods of that runtime. It returns
// false to pass the request through to the runtime's own loaders (the
// binding then releases the request), or true to take it: then the request
// must be completed (Complete, CompleteNoCopy, NotFound, Fail) now or later,
// from any goroutine. A panic in ProvideResource fails the request with the
// panic message.
type ResourceProvider interface {
	ProvideResource(req *ResourceRequestHandle) bool
}

// ResourceProviderFunc adapts a function to ResourceProvider.
type ResourceProviderFunc func(req *ResourceRequestHandle) bool

// ProvideResource calls f(req).
func (f ResourceProviderFunc) ProvideResource(req *ResourceRequestHandle) bool { return f(req) }

// ResourceInfo describes a requested resource.
type ResourceInfo struct {
	URL  string
	Kind ResourceKind
	// Tile is the requested tile for ResourceTile (in the source's scheme).
	Tile TileID
	// Range, when set (Length > 0), asks for those bytes of the resource
	// only: remote PMTiles archives (pmtiles://https://host/a.pmtiles) are
	// read in ranges of the archive's URL (the header and directories as
	// ResourceSource, tiles as ResourceTile with Tile set). The answer holds
	// exactly the range's bytes, fewer only when the resource ends inside
	// the range; a longer answer is refused (the read fails), a range past
	// the end should fail. HTTPProvider does this.
	Range ByteRange
}

// ByteRange is Length bytes of a resource from Offset. The zero value
// (Length 0) is the whole resource.
type ByteRange struct {
	Offset, Length uint64
}

// IsSet reports whether the range asks for part of the resource.
func (b ByteRange) IsSet() bool { return b.Length > 0 }

// End is the offset just past the range.
func (b ByteRange) End() uint64 { return b.Offset + b.Length }

// Range is the requested byte range (the zero ByteRange: the whole resource).
func (r *ResourceRequestHandle) Range() ByteRange { return r.info.Range }

// requestAPI is the C layer of requests (a variable so tests can count calls).
type requestAPI struct {
	complete         func(id uint64, data []byte) capi.Res
	completeBorrowed func(id uint64, data []byte) capi.Res
	notFound         func(id uint64) capi.Res
	fail             func(id uint64, msg string) capi.Res
	release          func(id uint64) capi.Res
}

var reqAPI = requestAPI{
	complete: capi.RequestComplete,
	completeBorrowed: func(id uint64, data []byte) capi.Res {
		// Pinned until the library calls the release callback (exactly
		// once, also when this call fails).
		p := memory.Pin(data, id)
		ctx := callback.NewReleaseContext(p.Unpin)
		return capi.RequestCompleteBorrowed(id, data, callback.ReleaseFn, ctx)
	},
	notFound: capi.RequestNotFound,
	fail:     capi.RequestFail,
	release:  capi.RequestRelease,
}

// ResourceRequestHandle is one request handed to a [ResourceProvider]. It is
// completed exactly once; completing it also releases the native handle. Its
// methods may be called from any goroutine.
type ResourceRequestHandle struct {
	id    uint64
	info  ResourceInfo
	api   *requestAPI
	sh    *requestShared
	stack string

	mu        sync.Mutex
	completed bool
	released  bool
}

// requestShared is reachable from the provider's cancel table; it never
// points at the ResourceRequestHandle, so an abandoned request is collected
// and released by its finalizer.
type requestShared struct {
	ctx     context.Context
	cancel  context.CancelFunc
	table   *sync.Map
	id      uint64
	nCancel atomic.Bool // set when the library cancelled the request
}

func newRequest(api *requestAPI, id uint64, info ResourceInfo, table *sync.Map) *ResourceRequestHandle {
	ctx, cancel := context.WithCancel(context.Background())
	sh := &requestShared{ctx: ctx, cancel: cancel, table: table, id: id}
	if table != nil {
		table.Store(id, sh)
	}
	r := &ResourceRequestHandle{id: id, info: info, api: api, sh: sh, stack: handle.CaptureStack()}
	runtime.SetFinalizer(r, (*ResourceRequestHandle).finalize)
	return r
}

// Info describes what is requested.
func (r *ResourceRequestHandle) Info() ResourceInfo { return r.info }

// URL is the requested URL.
func (r *ResourceRequestHandle) URL() string { return r.info.URL }

// Kind is what the resource is used for.
func (r *ResourceRequestHandle) Kind() ResourceKind { return r.info.Kind }

// Context is done when the library no longer needs the request (its map
// changed style or was closed, ...) or once the request is completed or
// closed. Use it to abandon the work behind the request.
func (r *ResourceRequestHandle) Context() context.Context { return r.sh.ctx }

// Done is Context().Done().
func (r *ResourceRequestHandle) Done() <-chan struct{} { return r.sh.ctx.Done() }

// Cancelled reports whether the library cancelled the request (as opposed to
// it being completed). Completing a cancelled request is allowed and ignored.
func (r *ResourceRequestHandle) Cancelled() bool { return r.sh.nCancel.Load() }

// completeWith makes the one completion: later ones return
// ErrAlreadyCompleted without calling C. On success the native handle is
// released.
func (r *ResourceRequestHandle) completeWith(op string, call func() capi.Res) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer runtime.KeepAlive(r)
	if r.completed {
		return status.AlreadyCompleted(op)
	}
	if r.released {
		return status.Closed(op, "ResourceRequestHandle")
	}
	if err := status.Of(op, call()); err != nil {
		return err
	}
	r.completed = true
	r.releaseLocked()
	return nil
}

func (r *ResourceRequestHandle) releaseLocked() {
	if r.released {
		return
	}
	r.released = true
	r.api.release(r.id) // thread-independent and infallible
	if r.sh.table != nil {
		r.sh.table.Delete(r.id)
	}
	r.sh.cancel()
}

// Complete answers the request with a copy of data.
func (r *ResourceRequestHandle) Complete(data []byte) error {
	return r.completeWith("ResourceRequestHandle.Complete", func() capi.Res { return r.api.complete(r.id, data) })
}

// CompleteNoCopy answers the request with data itself: the library reads the
// slice without copying. The slice is pinned until the library releases it;
// the caller must not modify it afterwards.
func (r *ResourceRequestHandle) CompleteNoCopy(data []byte) error {
	if len(data) == 0 {
		return r.Complete(nil)
	}
	return r.completeWith("ResourceRequestHandle.CompleteNoCopy", func() capi.Res { return r.api.completeBorrowed(r.id, data) })
}

// NotFound answers the request with "not found" (like HTTP 404: a missing
// tile is empty, not an error).
func (r *ResourceRequestHandle) NotFound() error {
	return r.completeWith("ResourceRequestHandle.NotFound", func() capi.Res { return r.api.notFound(r.id) })
}

// Fail answers the request with a failure; err's message appears in the
// resource-error event. A message with an embedded NUL fails with
// ErrInvalidArgument and leaves the request open.
func (r *ResourceRequestHandle) Fail(err error) error {
	msg := "resource request failed"
	if err != nil {
		msg = err.Error()
	}
	return r.completeWith("ResourceRequestHandle.Fail", func() capi.Res { return r.api.fail(r.id, msg) })
}

// Close releases the request without answering it if it was not completed
// (the library then fails it with "request released without a response").
// A second Close, or a Close after a completion, returns nil.
func (r *ResourceRequestHandle) Close() error {
	r.mu.Lock()
	r.releaseLocked()
	r.mu.Unlock()
	runtime.KeepAlive(r)
	return nil
}

func (r *ResourceRequestHandle) finalize() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.released {
		return
	}
	if !r.completed {
		handle.Report(handle.Leak{Kind: "ResourceRequestHandle (never completed: " + r.info.URL + ")", Stack: r.stack})
	}
	r.releaseLocked()
}

// dispatcher is the callback.Provider of one SetResourceProvider call.
type dispatcher struct {
	user     ResourceProvider
	inflight sync.Map // id -> *ResourceRequestHandle, during ProvideResource
	table    sync.Map // id -> *requestShared, until released
}

func (d *dispatcher) Provide(info callback.ResourceInfo, id uint64) bool {
	r := newRequest(&reqAPI, id, ResourceInfo{URL: info.URL, Kind: ResourceKind(info.Kind),
		Tile: TileID{Z: info.TileZ, X: info.TileX, Y: info.TileY}, Range: ByteRange{Offset: info.RangeOffset, Length: info.RangeLength}}, &d.table)
	d.inflight.Store(id, r)
	handled := d.user.ProvideResource(r)
	d.inflight.Delete(id)
	if !handled {
		r.mu.Lock()
		handled = r.completed // completed anyway: the answer stands
		r.releaseLocked()
		r.mu.Unlock()
	}
	return handled
}

func (d *dispatcher) Recovered(id uint64, v any) {
	if x, ok := d.inflight.LoadAndDelete(id); ok {
		r := x.(*ResourceRequestHandle)
		_ = r.Fail(fmt.Errorf("resource provider panicked: %v", v))
		_ = r.Close()
		return
	}
	reqAPI.fail(id, fmt.Sprintf("resource provider panicked: %v", v))
	reqAPI.release(id)
}

func (d *dispatcher) Cancel(id uint64) {
	if x, ok := d.table.Load(id); ok {
		sh := x.(*requestShared)
		sh.nCancel.Store(true)
		sh.cancel()
	}
}
