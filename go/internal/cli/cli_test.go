package cli

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	newFS := func() (*flag.FlagSet, *int) {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		return fs, fs.Int("n", 1, "a number")
	}
	var out bytes.Buffer
	fs, n := newFS()
	if err := Parse(fs, []string{"-n", "3"}, "x [flags]", &out); err != nil || *n != 3 || out.Len() != 0 {
		t.Errorf("ok: %v %d %q", err, *n, out.String())
	}
	fs, _ = newFS()
	if err := Parse(fs, []string{"-h"}, "x [flags]", &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "usage: x [flags]") || !strings.Contains(out.String(), "a number") {
		t.Errorf("-h: %v %q", err, out.String())
	}
	out.Reset()
	fs, _ = newFS()
	if err := Parse(fs, []string{"-n", "y"}, "x", &out); err == nil || out.Len() != 0 {
		t.Errorf("bad value: %v %q", err, out.String())
	}
	fs, _ = newFS()
	if err := Parse(fs, []string{"extra"}, "x", &out); err == nil || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
		t.Errorf("extra: %v", err)
	}
}
