// Package status turns the result of a C call into a Go error. The
// diagnostic in a capi.Res was already copied by the C wrapper in the same
// cgo call as the failing function, so it belongs to that call even when the
// goroutine moves to another OS thread right after it.
package status

import (
	"errors"
	"strconv"
	"sync/atomic"

	"mapcore.dev/mapcore/go/internal/capi"
)

// Code is a mapcore_status value (unknown values are kept as they are).
type Code int32

// The statuses of the C API.
const (
	OK              Code = Code(capi.StatusOK)
	InvalidArgument Code = Code(capi.StatusInvalidArgument)
	InvalidState    Code = Code(capi.StatusInvalidState)
	WrongThread     Code = Code(capi.StatusWrongThread)
	NotFound        Code = Code(capi.StatusNotFound)
	Unsupported     Code = Code(capi.StatusUnsupported)
	ParseError      Code = Code(capi.StatusParseError)
	IOError         Code = Code(capi.StatusIOError)
	Internal        Code = Code(capi.StatusInternal)
	Timeout         Code = Code(capi.StatusTimeout)
	Cancelled       Code = Code(capi.StatusCancelled)
)

// names are the library's own names (mapcore_status_name) of the statuses
// the binding knows.
var names = func() map[Code]string {
	m := map[Code]string{}
	for _, c := range []Code{OK, InvalidArgument, InvalidState, WrongThread, NotFound, Unsupported,
		ParseError, IOError, Internal, Timeout, Cancelled} {
		m[c] = capi.StatusName(int32(c))
	}
	return m
}()

// String returns the C name of the status ("INVALID_ARGUMENT"), or
// "UNKNOWN(n)" for a value the binding does not know.
func (c Code) String() string {
	if n, ok := names[c]; ok {
		return n
	}
	return "UNKNOWN(" + strconv.Itoa(int(c)) + ")"
}

// Sentinel errors: one per status category, plus binding-side conditions.
var (
	ErrInvalidArgument  = errors.New("mapcore: invalid argument")
	ErrInvalidState     = errors.New("mapcore: invalid state")
	ErrWrongThread      = errors.New("mapcore: wrong thread")
	ErrNotFound         = errors.New("mapcore: not found")
	ErrUnsupported      = errors.New("mapcore: unsupported")
	ErrParse            = errors.New("mapcore: parse error")
	ErrIO               = errors.New("mapcore: I/O error")
	ErrInternal         = errors.New("mapcore: internal error")
	ErrTimeout          = errors.New("mapcore: timeout")
	ErrCancelled        = errors.New("mapcore: cancelled")
	ErrClosed           = errors.New("mapcore: handle is closed")
	ErrAlreadyCompleted = errors.New("mapcore: request already completed")
)

var sentinels = map[Code]error{
	InvalidArgument: ErrInvalidArgument, InvalidState: ErrInvalidState,
	WrongThread: ErrWrongThread, NotFound: ErrNotFound, Unsupported: ErrUnsupported,
	ParseError: ErrParse, IOError: ErrIO, Internal: ErrInternal, Timeout: ErrTimeout,
	Cancelled: ErrCancelled,
}

// Sentinel returns the sentinel error of a status category (nil for OK and
// unknown statuses).
func Sentinel(c Code) error { return sentinels[c] }

// Error is a failed mapcore call: the operation, the status and the
// diagnostic (the native message, or the binding's for binding-side errors).
// The public package replaces it with its own documented type (see SetMaker);
// this one is what internal tests see.
type Error struct {
	Op      string
	Status  Code
	Message string
	// Kind is a binding-side sentinel (ErrClosed, ErrAlreadyCompleted) that
	// the error also matches.
	Kind error
	// Cause is an error the failure also wraps (a context's error).
	Cause error
}

func (e *Error) Error() string { return Format(e.Op, e.Status, e.Message) }

// Format is the text of an error: "mapcore: OP: STATUS: message".
func Format(op string, c Code, msg string) string {
	s := "mapcore: " + op + ": " + c.String()
	if msg != "" {
		s += ": " + msg
	}
	return s
}

// Is makes errors.Is(err, ErrX) true for the status category of err (and for
// its binding-side kind).
func (e *Error) Is(target error) bool { return Matches(e.Status, e.Kind, target) }

// Unwrap returns the cause (nil when there is none).
func (e *Error) Unwrap() error { return e.Cause }

// Matches reports whether an error of status c and binding-side kind
// matches target in errors.Is.
func Matches(c Code, kind, target error) bool {
	if target == nil {
		return false
	}
	if kind != nil && target == kind {
		return true
	}
	s, ok := sentinels[c]
	return ok && s == target
}

var maker atomic.Pointer[func(*Error) error]

// SetMaker installs the function that turns every error of this package
// into the public error type (set once by the public package's init).
func SetMaker(f func(*Error) error) { maker.Store(&f) }

func mk(e *Error) error {
	if f := maker.Load(); f != nil {
		return (*f)(e)
	}
	return e
}

// New returns the error of a failed call.
func New(op string, c Code, msg string) error { return mk(&Error{Op: op, Status: c, Message: msg}) }

// WithCause returns the error of a failed call that also wraps cause (for
// errors.Is and errors.As).
func WithCause(op string, c Code, msg string, cause error) error {
	return mk(&Error{Op: op, Status: c, Message: msg, Cause: cause})
}

// Closed is the error for a call on a closed handle: it matches ErrClosed and
// ErrInvalidState (the C API's answer to a stale handle).
func Closed(op, what string) error {
	return mk(&Error{Op: op, Status: InvalidState, Message: what + " is closed", Kind: ErrClosed})
}

// AlreadyCompleted is the error for a second completion of a request: it
// matches ErrAlreadyCompleted and ErrInvalidState.
func AlreadyCompleted(op string) error {
	return mk(&Error{Op: op, Status: InvalidState, Message: "the request was already completed", Kind: ErrAlreadyCompleted})
}

// Of returns nil for an OK result and the error of the call otherwise.
func Of(op string, r capi.Res) error {
	if r.St == capi.StatusOK {
		return nil
	}
	return mk(&Error{Op: op, Status: Code(r.St), Message: r.Msg})
}
