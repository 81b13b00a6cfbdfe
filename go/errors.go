package mapcore

import (
	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/handle"
	"mapcore.dev/mapcore/go/internal/status"
)

// Error is a failed mapcore call. Every error the package returns for a
// failed call is an *Error (possibly inside a wrapping error): use errors.As
// to read it and errors.Is with the Err* sentinels to test its category.
type Error struct {
	// Op names the operation, e.g. "MapHandle.SetStyleJSON".
	Op string
	// Status is the native status; a value the binding does not know is
	// kept as it is (its String is "UNKNOWN(n)").
	Status Status
	// Message is the native diagnostic, read on the OS thread of the failing
	// call, or the binding's own explanation for errors it raises itself
	// (closed handles, arguments rejected before C is called).
	Message string

	kind  error // a binding-side sentinel it also matches (ErrClosed, ...)
	cause error // an error it wraps (a context's error)
}

// Error returns "mapcore: OP: STATUS: message".
func (e *Error) Error() string { return status.Format(e.Op, status.Code(e.Status), e.Message) }

// Is reports whether target is the sentinel of e's status category (such as
// ErrInvalidArgument for StatusInvalidArgument) or of the binding-side
// condition it reports (ErrClosed, ErrAlreadyCompleted).
func (e *Error) Is(target error) bool { return status.Matches(status.Code(e.Status), e.kind, target) }

// Unwrap returns the error e wraps, if any: the context's error for a render
// ended by its context (so errors.Is(err, context.DeadlineExceeded) holds).
func (e *Error) Unwrap() error { return e.cause }

func init() {
	status.SetMaker(func(e *status.Error) error {
		return &Error{Op: e.Op, Status: Status(e.Status), Message: e.Message, kind: e.Kind, cause: e.Cause}
	})
}

// Status is a native status code (mapcore_status). The constants below are
// the C API's values, taken from its header.
type Status int32

// Native statuses.
const (
	StatusOK              Status = Status(capi.StatusOK)
	StatusInvalidArgument Status = Status(capi.StatusInvalidArgument)
	StatusInvalidState    Status = Status(capi.StatusInvalidState)
	StatusWrongThread     Status = Status(capi.StatusWrongThread)
	StatusNotFound        Status = Status(capi.StatusNotFound)
	StatusUnsupported     Status = Status(capi.StatusUnsupported)
	StatusParseError      Status = Status(capi.StatusParseError)
	StatusIOError         Status = Status(capi.StatusIOError)
	StatusInternal        Status = Status(capi.StatusInternal)
	StatusTimeout         Status = Status(capi.StatusTimeout)
	StatusCancelled       Status = Status(capi.StatusCancelled)
)

// String returns the C API's name of the status ("INVALID_ARGUMENT"), or
// "UNKNOWN(n)" for a value the binding does not know.
func (s Status) String() string { return status.Code(s).String() }

// Sentinel returns the sentinel error of the status's category (for example
// ErrInvalidArgument), or nil for StatusOK and unknown statuses.
func (s Status) Sentinel() error { return status.Sentinel(status.Code(s)) }

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

// Leak is a handle that was garbage collected without Close. Its native
// object (and any Go buffer pinned for it) stays alive until the process
// exits: a finalizer only reports, it never destroys owner-thread objects.
type Leak struct {
	// Kind is the handle type, e.g. "MapHandle" or "RenderSessionHandle".
	Kind string
	// Stack is the goroutine stack that created the handle when creation
	// stacks are captured (MAPCORE_DEBUG_LEAKS=1), else "".
	Stack string
	// Owner is the kind of the open parent handle that still owns the
	// native object (e.g. "RuntimeHandle" for a map): closing the parent's
	// tree (RuntimeHandle.CloseAll) frees it, so in a program that ends
	// with CloseAll this report only says the object lived longer than
	// needed. "" when no open parent owns it: freed at process exit.
	Owner string
}

// String describes the leak in one line (without the stack).
func (l Leak) String() string {
	if l.Owner != "" {
		return l.Kind + " garbage collected without Close (its open " + l.Owner + " still owns it: CloseAll frees it)"
	}
	return l.Kind + " garbage collected without Close"
}

// SetLeakHandler sets the function that receives leak reports from
// finalizers (nil restores the default: a slog warning). It is called on the
// finalizer goroutine; a panic in it is recovered. Set MAPCORE_DEBUG_LEAKS=1
// to get the creation stack in Leak.Stack.
func SetLeakHandler(f func(Leak)) {
	if f == nil {
		handle.SetLeakHandler(nil)
		return
	}
	handle.SetLeakHandler(func(l handle.Leak) { f(Leak{Kind: l.Kind, Stack: l.Stack, Owner: l.Owner}) })
}

// NativePointer is the address of native memory handed out by the C API (an
// acquired frame's pixels). It is not a Go pointer; pass it to other native
// code, or use the typed accessors next to it.
type NativePointer uintptr
