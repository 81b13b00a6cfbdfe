package mapcore

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

type captureHandler struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r)
	h.mu.Unlock()
	return nil
}
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureHandler) WithGroup(string) slog.Handler      { return h }

// Convention 10: the slog adapter maps native levels.
func TestSlogLevels(t *testing.T) {
	c := &captureHandler{}
	h := SlogHandler(slog.New(c))
	want := map[LogLevel]slog.Level{LogError: slog.LevelError, LogWarn: slog.LevelWarn,
		LogInfo: slog.LevelInfo, LogDebug: slog.LevelDebug, LogTrace: LevelTrace}
	order := []LogLevel{LogError, LogWarn, LogInfo, LogDebug, LogTrace}
	for _, l := range order {
		h(l, "mapcore::test", "message "+l.String())
	}
	if len(c.recs) != len(order) {
		t.Fatalf("%d records", len(c.recs))
	}
	for i, l := range order {
		r := c.recs[i]
		var target string
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "target" {
				target = a.Value.String()
			}
			return true
		})
		if r.Level != want[l] || r.Message != "message "+l.String() || target != "mapcore::test" {
			t.Errorf("%v -> level %v msg %q target %q", l, r.Level, r.Message, target)
		}
	}
	if LevelTrace >= slog.LevelDebug {
		t.Error("trace must be below debug")
	}
}

// Convention 10 end to end: native records reach the process-wide handler;
// a panicking handler is recovered.
func TestNativeLogHandler(t *testing.T) {
	lockThread(t)
	var mu sync.Mutex
	var got []string
	var panicked bool
	err := SetLogHandler(func(level LogLevel, target, message string) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, level.String()+" "+target+": "+message)
		if !panicked {
			panicked = true
			panic("log handler panic")
		}
	}, LogTrace)
	if err != nil {
		t.Fatal(err)
	}
	defer SetLogHandler(nil, LogError)
	tm := openMap(t, 16, 16)
	tm.render(t, testStyleInline)
	tm.render(t, testStyleInline)
	mu.Lock()
	defer mu.Unlock()
	if len(got) < 2 {
		t.Fatalf("native records: %q", got)
	}
	found := false
	for _, g := range got {
		if strings.Contains(g, "mapcore") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no record with a mapcore target: %q", got)
	}
}
