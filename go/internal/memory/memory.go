// Package memory holds the binding's memory rules for the cgo boundary:
// C strings (checked for embedded NUL before any C call), C-owned cells for
// values C retains, views of native memory, and pinned Go buffers that C
// retains across calls.
package memory

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
*/
import "C"

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// ErrNUL is returned for a string argument with an embedded NUL byte, which a
// C string cannot carry. It is reported before C is called.
var ErrNUL = errors.New("string argument contains a NUL byte")

// CString copies s into C memory as a NUL-terminated string. Free it with
// Free. A string with an embedded NUL is rejected with an error wrapping ErrNUL.
func CString(s string) (unsafe.Pointer, error) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return nil, &NULError{Index: i}
	}
	return unsafe.Pointer(C.CString(s)), nil
}

// NULError says where a string argument has an embedded NUL.
type NULError struct{ Index int }

func (e *NULError) Error() string {
	return "string argument contains a NUL byte at offset " + itoa(e.Index) + " (C strings cannot carry one)"
}

// Unwrap returns ErrNUL.
func (e *NULError) Unwrap() error { return ErrNUL }

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// Free frees C memory from CString or NewCell.
func Free(p unsafe.Pointer) { C.free(p) }

// NewCell allocates a C-owned cell holding v: a user_data or release_context
// value that C retains, so no Go pointer is ever stored on the C side.
func NewCell(v uintptr) unsafe.Pointer {
	p := C.malloc(C.size_t(unsafe.Sizeof(C.uintptr_t(0))))
	if p == nil {
		panic("mapcore: out of C memory")
	}
	*(*C.uintptr_t)(p) = C.uintptr_t(v)
	return p
}

// CellValue reads the value of a cell from NewCell.
func CellValue(p unsafe.Pointer) uintptr {
	if p == nil {
		return 0
	}
	return uintptr(*(*C.uintptr_t)(p))
}

// Bytes returns a Go slice viewing n bytes of native memory at p. The slice is
// valid only as long as the native memory is.
func Bytes(p unsafe.Pointer, n int) []byte {
	if p == nil || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

// Address returns the numeric address of native memory.
func Address(p unsafe.Pointer) uintptr { return uintptr(p) }

// Pinned is a Go byte slice pinned with runtime.Pinner, so C may retain its
// address across calls until Unpin.
//
// Every Pinned stays in a package registry, keyed by the native id of its
// holder (a render session, a resource request), from Pin until Unpin. The
// registry keeps the runtime.Pinner reachable while it pins: a holder that
// is leaked (never closed) must not make the Pinner garbage while it pins,
// or Go's own Pinner finalizer panics ("found leaking pinned pointer") and
// kills the process. A leak stays a report (the handle's finalizer) and the
// buffer stays pinned, because the native side may still use it.
type Pinned struct {
	buf    []byte
	holder uint64
	pinned bool
	pinner runtime.Pinner
}

var (
	pinMu sync.Mutex
	pins  = map[*Pinned]uint64{} // live pins -> native id of the holder
)

// Pin pins buf (non-empty) for the native object holder until Unpin.
func Pin(buf []byte, holder uint64) *Pinned {
	p := &Pinned{buf: buf, holder: holder}
	if len(buf) > 0 {
		p.pinner.Pin(&buf[0])
		p.pinned = true
		pinMu.Lock()
		pins[p] = holder
		pinMu.Unlock()
	}
	return p
}

// SetHolder records the native id that holds the pin (when it is known only
// after Pin, e.g. a session created with the buffer).
func (p *Pinned) SetHolder(holder uint64) {
	pinMu.Lock()
	p.holder = holder
	if _, ok := pins[p]; ok {
		pins[p] = holder
	}
	pinMu.Unlock()
}

// Bytes returns the pinned slice.
func (p *Pinned) Bytes() []byte { return p.buf }

// Unpin releases the pin; the slice may move again afterwards. Call it only
// once the native side no longer uses the buffer. A second Unpin does nothing.
func (p *Pinned) Unpin() {
	if p == nil {
		return
	}
	pinMu.Lock()
	was := p.pinned
	p.pinned = false
	delete(pins, p)
	pinMu.Unlock()
	if was {
		p.pinner.Unpin()
	}
	p.buf = nil
}

// LivePins returns how many buffers are pinned now (for tests and
// diagnostics).
func LivePins() int {
	pinMu.Lock()
	defer pinMu.Unlock()
	return len(pins)
}

// PinsHeldBy returns how many pinned buffers the native object holder holds.
func PinsHeldBy(holder uint64) int {
	pinMu.Lock()
	defer pinMu.Unlock()
	n := 0
	for _, h := range pins {
		if h == holder {
			n++
		}
	}
	return n
}
