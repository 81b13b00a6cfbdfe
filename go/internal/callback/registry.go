// Package callback connects C callbacks to Go: binding-owned registry tokens
// stored in C-owned user_data cells, and the exported trampolines C calls.
// Every trampoline recovers panics before returning to C.
package callback

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"mapcore.dev/mapcore/go/internal/memory"
)

// Token identifies a registered Go value. 0 is never used.
type Token uintptr

// Registry maps tokens to Go values. Lookups are lock-free reads (sync.Map),
// so concurrent callbacks from several native threads do not contend.
type Registry struct {
	m    sync.Map
	next atomic.Uintptr
}

// Register stores v and returns its token.
func (r *Registry) Register(v any) Token {
	t := Token(r.next.Add(1))
	r.m.Store(t, v)
	return t
}

// Get returns the value for t.
func (r *Registry) Get(t Token) (any, bool) { return r.m.Load(t) }

// Take returns and removes the value for t.
func (r *Registry) Take(t Token) (any, bool) { return r.m.LoadAndDelete(t) }

// Delete removes t.
func (r *Registry) Delete(t Token) { r.m.Delete(t) }

// Global is the registry behind every user_data cell of the binding.
var Global Registry

// Cell is a C-owned user_data cell holding a registry token: C retains the
// cell's address, never a Go pointer.
type Cell struct {
	ptr unsafe.Pointer
	tok Token
}

// NewCell registers v and allocates its cell.
func NewCell(v any) *Cell {
	t := Global.Register(v)
	return &Cell{ptr: memory.NewCell(uintptr(t)), tok: t}
}

// Ptr is the address to pass as user_data.
func (c *Cell) Ptr() unsafe.Pointer { return c.ptr }

// Free unregisters the value and frees the cell. Call it only once C no
// longer uses the cell.
func (c *Cell) Free() {
	if c == nil || c.ptr == nil {
		return
	}
	Global.Delete(c.tok)
	memory.Free(c.ptr)
	c.ptr = nil
}

// lookup returns the value registered for a user_data cell.
func lookup(ud unsafe.Pointer) (any, bool) {
	t := memory.CellValue(ud)
	if t == 0 {
		return nil, false
	}
	return Global.Get(Token(t))
}

// ResourceInfo is what a provider is asked for.
type ResourceInfo struct {
	URL                 string
	Kind                int32
	TileZ, TileX, TileY int32
	// RangeOffset, RangeLength: a byte range (RangeLength 0: the whole resource).
	RangeOffset, RangeLength uint64
}

// Provider receives the resource provider callbacks of one runtime.
type Provider interface {
	// Provide decides about a request (true: handled, the request is the
	// provider's; false: pass through, the provider has released it).
	Provide(info ResourceInfo, req uint64) bool
	// Recovered is called after Provide panicked with v: it must fail and
	// release the request (the trampoline then answers HANDLED).
	Recovered(req uint64, v any)
	// Cancel reports that the map no longer needs the request.
	Cancel(req uint64)
}

// LogFunc receives native log records.
type LogFunc func(level int32, target, message string)

func newCellPtr(t Token) unsafe.Pointer { return memory.NewCell(uintptr(t)) }

var pendingReleases atomic.Int64

// PendingReleases is how many release contexts the library has not released
// yet (for tests and diagnostics).
func PendingReleases() int64 { return pendingReleases.Load() }
