package mapcore

import (
	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/handle"
	"mapcore.dev/mapcore/go/internal/status"
)

// Error is a failed mapcore call: Op names the operation
// ("MapHandle.SetStyleJSON"), Status the native status (kept as is when the
// binding does not know it) and Message the native diagnostic.
type Error = status.Error

// Status is a native status code (mapcore_status).
type Status = status.Code

// Native statuses.
const (
	StatusOK              = status.OK
	StatusInvalidArgument = status.InvalidArgument
	StatusInvalidState    = status.InvalidState
	StatusWrongThread     = status.WrongThread
	StatusNotFound        = status.NotFound
	StatusUnsupported     = status.Unsupported
	StatusParseError      = status.ParseError
	StatusIOError         = status.IOError
	StatusInternal        = status.Internal
	StatusTimeout         = status.Timeout
	StatusCancelled       = status.Cancelled
)

// Sentinels for errors.Is. Each native status matches one; ErrClosed (a call
// on a closed handle) and ErrAlreadyCompleted (a second completion of a
// request) are raised by the binding and also match ErrInvalidState.
var (
	ErrInvalidArgument  = status.ErrInvalidArgument
	ErrInvalidState     = status.ErrInvalidState
	ErrWrongThread      = status.ErrWrongThread
	ErrNotFound         = status.ErrNotFound
	ErrUnsupported      = status.ErrUnsupported
	ErrParse            = status.ErrParse
	ErrIO               = status.ErrIO
	ErrInternal         = status.ErrInternal
	ErrTimeout          = status.ErrTimeout
	ErrCancelled        = status.ErrCancelled
	ErrClosed           = status.ErrClosed
	ErrAlreadyCompleted = status.ErrAlreadyCompleted
)

// Version returns the native library's version string, e.g. "0.1.0".
// Any goroutine.
func Version() string { return capi.VersionString() }

// Leak is a handle that was garbage collected without Close.
type Leak = handle.Leak

// SetLeakHandler sets the function that receives leak reports from
// finalizers (nil restores the default: a slog warning). Set
// MAPCORE_DEBUG_LEAKS=1 to get the creation stack in Leak.Stack.
func SetLeakHandler(f func(Leak)) { handle.SetLeakHandler(f) }

// NativePointer is the address of native memory handed out by the C API (an
// acquired frame's pixels). It is not a Go pointer; pass it to other native
// code, or use the typed accessors next to it.
type NativePointer uintptr
