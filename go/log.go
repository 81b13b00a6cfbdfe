package mapcore

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"mapcore.dev/mapcore/go/internal/callback"
	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/status"
)

// LogLevel is a native log level, most severe first.
type LogLevel int32

// Native log levels.
const (
	LogError = LogLevel(capi.LogError)
	LogWarn  = LogLevel(capi.LogWarn)
	LogInfo  = LogLevel(capi.LogInfo)
	LogDebug = LogLevel(capi.LogDebug)
	LogTrace = LogLevel(capi.LogTrace)
)

// LevelTrace is the slog level native trace records get (below Debug).
const LevelTrace = slog.LevelDebug - 4

func (l LogLevel) String() string {
	switch l {
	case LogError:
		return "ERROR"
	case LogWarn:
		return "WARN"
	case LogInfo:
		return "INFO"
	case LogDebug:
		return "DEBUG"
	case LogTrace:
		return "TRACE"
	}
	return fmt.Sprintf("LogLevel(%d)", int32(l))
}

// SlogLevel maps a native level to slog: error, warn, info, debug as such,
// trace to LevelTrace.
func (l LogLevel) SlogLevel() slog.Level {
	switch l {
	case LogError:
		return slog.LevelError
	case LogWarn:
		return slog.LevelWarn
	case LogInfo:
		return slog.LevelInfo
	case LogDebug:
		return slog.LevelDebug
	}
	return LevelTrace
}

// LogHandler receives native log records. It is called from any native
// thread, possibly concurrently, and must not call owner-thread methods.
// A panic in it is recovered and the record dropped.
type LogHandler func(level LogLevel, target, message string)

var logMu sync.Mutex
var logCell *callback.Cell

// SetLogHandler installs the process-wide handler of native log records at
// maxLevel and more severe, replacing the default output (stderr, filtered
// by the MAPCORE_LOG environment variable) and any earlier handler. A nil
// handler restores the default output. Any goroutine.
func SetLogHandler(h LogHandler, maxLevel LogLevel) error {
	const op = "SetLogHandler"
	logMu.Lock()
	defer logMu.Unlock()
	var cell *callback.Cell
	var r capi.Res
	if h == nil {
		r = capi.LogSetCallback(nil, nil, int32(LogError))
	} else {
		cell = callback.NewCell(callback.LogFunc(func(level int32, target, message string) {
			h(LogLevel(level), target, message)
		}))
		r = capi.LogSetCallback(callback.LogFn, cell.Ptr(), int32(maxLevel))
	}
	if err := status.Of(op, r); err != nil {
		cell.Free()
		return err
	}
	logCell.Free() // no longer called once set_callback returned
	logCell = cell
	return nil
}

// SlogHandler returns a LogHandler that writes native records to logger
// (slog.Default() when nil) at the mapped level, with the native module path
// as attribute "target".
func SlogHandler(logger *slog.Logger) LogHandler {
	return func(level LogLevel, target, message string) {
		l := logger
		if l == nil {
			l = slog.Default()
		}
		l.Log(context.Background(), level.SlogLevel(), message, slog.String("target", target))
	}
}
