package status

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSentinels(t *testing.T) {
	all := []error{ErrInvalidArgument, ErrInvalidState, ErrWrongThread, ErrNotFound, ErrUnsupported,
		ErrParse, ErrIO, ErrInternal, ErrTimeout, ErrCancelled, ErrClosed, ErrAlreadyCompleted}
	cases := map[Code]error{
		InvalidArgument: ErrInvalidArgument, InvalidState: ErrInvalidState, WrongThread: ErrWrongThread,
		NotFound: ErrNotFound, Unsupported: ErrUnsupported, ParseError: ErrParse, IOError: ErrIO,
		Internal: ErrInternal, Timeout: ErrTimeout, Cancelled: ErrCancelled,
	}
	for c, want := range cases {
		err := fmt.Errorf("wrapped: %w", New("Op", c, "diag"))
		for _, s := range all {
			if got := errors.Is(err, s); got != (s == want) {
				t.Errorf("%v: errors.Is(%v) = %v", c, s, got)
			}
		}
		var e *Error
		if !errors.As(err, &e) || e.Status != c || e.Op != "Op" || e.Message != "diag" {
			t.Errorf("%v: As gave %+v", c, e)
		}
	}
	closed := Closed("M.Op", "MapHandle")
	if !errors.Is(closed, ErrClosed) || !errors.Is(closed, ErrInvalidState) || errors.Is(closed, ErrAlreadyCompleted) {
		t.Errorf("Closed matches wrong sentinels")
	}
	done := AlreadyCompleted("R.Complete")
	if !errors.Is(done, ErrAlreadyCompleted) || !errors.Is(done, ErrInvalidState) || errors.Is(done, ErrClosed) {
		t.Errorf("AlreadyCompleted matches wrong sentinels")
	}
}

func TestUnknownStatusKept(t *testing.T) {
	err := New("Op", Code(42), "future status").(*Error)
	if err.Status != 42 || !strings.Contains(err.Error(), "UNKNOWN(42)") {
		t.Fatalf("unknown status: %v (%d)", err, err.Status)
	}
	for _, s := range []error{ErrInvalidArgument, ErrInvalidState, ErrInternal, ErrClosed} {
		if errors.Is(err, s) {
			t.Errorf("unknown status matches %v", s)
		}
	}
	if got := err.Error(); got != "mapcore: Op: UNKNOWN(42): future status" {
		t.Errorf("Error() = %q", got)
	}
}
