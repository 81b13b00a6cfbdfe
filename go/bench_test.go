package mapcore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/cgo"
	"testing"

	"mapcore.dev/mapcore/go/internal/callback"
	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/memory"
)

// benchOnOwner runs f with a runtime and a map created on the calling,
// locked goroutine (each benchmark run is a goroutine of its own).
func benchOnOwner(b *testing.B, f func(rt *RuntimeHandle, m *MapHandle)) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rt, err := NewRuntime(&RuntimeOptions{WorkerThreads: 1, RenderThreads: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.CloseAll()
	m, err := rt.NewMap(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	f(rt, m)
}

// A trivial call through the binding (closed check, C wrapper, status
// conversion) against the same C function called raw through cgo; and a
// failing call, where the binding's wrapper copies the diagnostic in the
// same C call, against raw cgo reading mapcore_last_error_message() in a
// second call on the locked thread.
func BenchmarkTrivialCall(b *testing.B) {
	b.Run("camera/binding", func(b *testing.B) {
		benchOnOwner(b, func(_ *RuntimeHandle, m *MapHandle) {
			for i := 0; i < b.N; i++ {
				if _, err := m.Camera(); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("camera/raw-cgo", func(b *testing.B) {
		benchOnOwner(b, func(_ *RuntimeHandle, m *MapHandle) {
			for i := 0; i < b.N; i++ {
				if _, st := capi.RawGetCamera(m.id); st != 0 {
					b.Fatal(st)
				}
			}
		})
	})
	b.Run("wake/binding", func(b *testing.B) {
		benchOnOwner(b, func(rt *RuntimeHandle, _ *MapHandle) {
			for i := 0; i < b.N; i++ {
				if err := rt.Wake(); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("wake/raw-cgo", func(b *testing.B) {
		benchOnOwner(b, func(rt *RuntimeHandle, _ *MapHandle) {
			for i := 0; i < b.N; i++ {
				if st := capi.RawWake(rt.id); st != 0 {
					b.Fatal(st)
				}
			}
		})
	})
	nan := Camera{Zoom: math.NaN(), Fields: CameraZoom}
	b.Run("failing/binding", func(b *testing.B) {
		benchOnOwner(b, func(_ *RuntimeHandle, m *MapHandle) {
			for i := 0; i < b.N; i++ {
				if err := m.JumpTo(nan); err == nil {
					b.Fatal("no error")
				}
			}
		})
	})
	b.Run("failing/raw-cgo+last-error", func(b *testing.B) {
		benchOnOwner(b, func(_ *RuntimeHandle, m *MapHandle) {
			for i := 0; i < b.N; i++ {
				if st := capi.RawJumpToNaN(m.id); st == 0 || capi.LastErrorMessage() == "" {
					b.Fatal("no error")
				}
			}
		})
	})
}

// The lookup a trampoline does: the binding's registry token read from a
// C-owned user_data cell, against runtime/cgo.Handle, with 1 and 2
// goroutines.
func BenchmarkCallbackLookup(b *testing.B) {
	var target any = callback.LogFunc(func(int32, string, string) {})
	cell := callback.NewCell(target)
	defer cell.Free()
	h := cgo.NewHandle(target)
	defer h.Delete()
	hv := uintptr(h)
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("registry/goroutines=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					v, ok := callback.Global.Get(callback.Token(memory.CellValue(cell.Ptr())))
					if !ok || v == nil {
						b.Fatal("lookup failed")
					}
				}
			})
		})
		b.Run(fmt.Sprintf("cgo.Handle/goroutines=%d", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if cgo.Handle(hv).Value() == nil {
						b.Fatal("lookup failed")
					}
				}
			})
		})
	}
}

func sharedDir() string {
	if d := os.Getenv("MAPCORE_SHARED"); d != "" {
		return d
	}
	wd, _ := os.Getwd() // the package folder, go/
	return filepath.Join(wd, "..", "..", "shared")
}

// Renders ../shared/bench/streets.json at its metadata.bench view: the first
// still image (runtime, map, style, tiles, layout, render) and re-renders
// of the same view.
func BenchmarkRenderStreets(b *testing.B) {
	shared := sharedDir()
	style, err := os.ReadFile(filepath.Join(shared, "bench", "streets.json"))
	if err != nil {
		b.Skipf("skipped: %s not found (set MAPCORE_SHARED or put the shared data at ../shared)", filepath.Join(shared, "bench", "streets.json"))
	}
	var meta struct {
		Metadata struct {
			Bench struct {
				Width, Height        int
				Center               [2]float64
				Zoom, Bearing, Pitch float64
			} `json:"bench"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(style, &meta); err != nil {
		b.Fatal(err)
	}
	v := meta.Metadata.Bench
	assets := filepath.Join(shared, "conformance", "assets")
	// Each (sub-)benchmark run is a new goroutine: lock it and create the
	// runtime on its thread.
	open := func(b *testing.B) (*RuntimeHandle, *RenderSessionHandle) {
		rt, err := NewRuntime(nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := rt.SetResourceProvider(DirProvider("local", assets)); err != nil {
			b.Fatal(err)
		}
		m, err := rt.NewMap(&MapOptions{Width: v.Width, Height: v.Height})
		if err != nil {
			b.Fatal(err)
		}
		if err := m.SetStyleJSON(style); err != nil {
			b.Fatal(err)
		}
		if err := m.JumpTo(Camera{Longitude: v.Center[0], Latitude: v.Center[1], Zoom: v.Zoom,
			Bearing: v.Bearing, Pitch: v.Pitch}); err != nil {
			b.Fatal(err)
		}
		s, err := m.NewTextureSession(v.Width, v.Height, 1)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.RenderStill(context.Background()); err != nil {
			b.Fatal(err)
		}
		return rt, s
	}
	b.Run("first-still", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for i := 0; i < b.N; i++ {
			rt, _ := open(b)
			if err := rt.CloseAll(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rerender", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		rt, s := open(b)
		defer rt.CloseAll()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := s.RenderStill(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
