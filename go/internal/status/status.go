// Package status turns the result of a C call into a Go error. The
// diagnostic in a capi.Res was already copied by the C wrapper in the same
// cgo call as the failing function, so it belongs to that call even when the
// goroutine moves to another OS thread right after it.
package status

import (
	"errors"
	"strconv"

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

var names = map[Code]string{
	OK: "OK", InvalidArgument: "INVALID_ARGUMENT", InvalidState: "INVALID_STATE",
	WrongThread: "WRONG_THREAD", NotFound: "NOT_FOUND", Unsupported: "UNSUPPORTED",
	ParseError: "PARSE_ERROR", IOError: "IO_ERROR", Internal: "INTERNAL", Timeout: "TIMEOUT",
	Cancelled: "CANCELLED",
}

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

// Error is a failed mapcore call: the operation, the status and the
// diagnostic (the native message, or the binding's for binding-side errors).
type Error struct {
	Op      string
	Status  Code
	Message string
	// kind is a binding-side sentinel (ErrClosed, ErrAlreadyCompleted) that
	// the error also matches.
	kind error
}

func (e *Error) Error() string {
	s := "mapcore: " + e.Op + ": " + e.Status.String()
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes errors.Is(err, ErrX) true for the status category of err (and for
// its binding-side kind).
func (e *Error) Is(target error) bool {
	if target == nil {
		return false
	}
	if e.kind != nil && target == e.kind {
		return true
	}
	s, ok := sentinels[e.Status]
	return ok && s == target
}

// New returns an *Error.
func New(op string, c Code, msg string) *Error { return &Error{Op: op, Status: c, Message: msg} }

// Closed is the error for a call on a closed handle: it matches ErrClosed and
// ErrInvalidState (the C API's answer to a stale handle).
func Closed(op, what string) *Error {
	return &Error{Op: op, Status: InvalidState, Message: what + " is closed", kind: ErrClosed}
}

// AlreadyCompleted is the error for a second completion of a request: it
// matches ErrAlreadyCompleted and ErrInvalidState.
func AlreadyCompleted(op string) *Error {
	return &Error{Op: op, Status: InvalidState, Message: "the request was already completed", kind: ErrAlreadyCompleted}
}

// Of returns nil for an OK result and an *Error otherwise.
func Of(op string, r capi.Res) error {
	if r.St == capi.StatusOK {
		return nil
	}
	return &Error{Op: op, Status: Code(r.St), Message: r.Msg}
}
