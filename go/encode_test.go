package mapcore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A translucent circle over nothing, and an opaque background with an
// antialiased polygon: both alpha paths of the encoders.
const encodeStyleTranslucent = `{"version":8,"sources":{"p":{"type":"geojson","data":{"type":"Point","coordinates":[0,0]}}},
"layers":[{"id":"c","type":"circle","source":"p","paint":{"circle-radius":20,"circle-color":"#c03","circle-opacity":0.6}}]}`

func nrgbaOf(t testing.TB, img image.Image) *image.NRGBA {
	t.Helper()
	if n, ok := img.(*image.NRGBA); ok {
		return n
	}
	b := img.Bounds()
	n := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			n.Set(x, y, img.At(x, y))
		}
	}
	return n
}

// PNG decodes (image/png) to exactly the pixels ReadNRGBA returns, opaque
// or translucent; the writer gets the whole file in one Write.
func TestEncodePNGMatchesReadback(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 80, 60)
	for _, style := range []string{testStyleInline, encodeStyleTranslucent} {
		tm.render(t, style)
		want, err := tm.s.ReadNRGBA()
		if err != nil {
			t.Fatal(err)
		}
		for _, level := range []int{0, 6} {
			var w countingWriter
			if err := tm.s.Encode(&w, PNG, &EncodeOptions{PNGLevel: level}); err != nil {
				t.Fatal(err)
			}
			if w.writes != 1 {
				t.Fatalf("%d writes, want 1", w.writes)
			}
			img, err := png.Decode(bytes.NewReader(w.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if got := nrgbaOf(t, img); !bytes.Equal(got.Pix, want.Pix) || got.Rect != want.Rect {
				t.Fatalf("level %d: decoded PNG differs from the readback", level)
			}
		}
	}
}

type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func psnr(a, b *image.NRGBA) float64 {
	var se float64
	n := 0
	for i := 0; i+3 < len(a.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			d := float64(a.Pix[i+c]) - float64(b.Pix[i+c])
			se += d * d
			n++
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// Blurred circles over a background: smooth gradients for JPEG.
const encodeStyleSmooth = `{"version":8,"sources":{"p":{"type":"geojson","data":{"type":"MultiPoint","coordinates":[[-10,5],[12,-4]]}}},
"layers":[{"id":"bg","type":"background","paint":{"background-color":"#e8eef4"}},
{"id":"c","type":"circle","source":"p","paint":{"circle-radius":30,"circle-blur":1,"circle-color":"#c03"}}]}`

// JPEG decodes (image/jpeg) close to the frame, closer at a higher quality;
// WebP is a lossless VP8L file of the right size.
func TestEncodeJPEGAndWebP(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 96, 64)
	tm.render(t, encodeStyleSmooth)
	want, err := tm.s.ReadNRGBA()
	if err != nil {
		t.Fatal(err)
	}
	var last float64
	for _, q := range []int{30, 0, 95} { // 0 = the default, 80
		b, err := tm.s.EncodeBytes(JPEG, &EncodeOptions{Quality: q})
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		p := psnr(nrgbaOf(t, img), want)
		if p < 30 || p <= last {
			t.Fatalf("quality %d: PSNR %.1f dB (previous %.1f)", q, p, last)
		}
		last = p
	}
	b, err := tm.s.EncodeBytes(WebP, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 25 || string(b[:4]) != "RIFF" || string(b[8:16]) != "WEBPVP8L" {
		t.Fatalf("not a lossless WebP: % x", b[:min(len(b), 16)])
	}
	bits := uint32(b[21]) | uint32(b[22])<<8 | uint32(b[23])<<16 | uint32(b[24])<<24
	if w, h := bits&0x3FFF+1, (bits>>14)&0x3FFF+1; w != 96 || h != 64 {
		t.Fatalf("WebP size %dx%d", w, h)
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestEncodeErrors(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 16, 16)
	var buf bytes.Buffer
	if err := tm.s.Encode(&buf, PNG, nil); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("before a render: %v", err)
	}
	tm.render(t, testStyleInline)
	for _, c := range []struct {
		format ImageFormat
		opts   *EncodeOptions
		want   string
	}{
		{ImageFormat(9), nil, "unknown image format 9"},
		{JPEG, &EncodeOptions{Quality: 101}, "Quality 101"},
		{JPEG, &EncodeOptions{Quality: -1}, "Quality -1"},
		{PNG, &EncodeOptions{PNGLevel: 10}, "PNGLevel 10"},
	} {
		err := tm.s.Encode(&buf, c.format, c.opts)
		if !errors.Is(err, ErrInvalidArgument) || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("%v %+v: %v, want %q", c.format, c.opts, err, c.want)
		}
	}
	if buf.Len() != 0 {
		t.Fatalf("%d bytes written by failed calls", buf.Len())
	}
	if err := tm.s.Encode(failingWriter{}, PNG, nil); !errors.Is(err, errDiskFull) {
		t.Fatalf("writer error: %v", err)
	}
	// Another goroutine (thread) gets WRONG_THREAD.
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		done <- tm.s.Encode(&bytes.Buffer{}, PNG, nil)
	}()
	if err := <-done; !errors.Is(err, ErrWrongThread) {
		t.Fatalf("other thread: %v", err)
	}
	if err := tm.s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tm.s.Encode(&buf, PNG, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestParseImageFormat(t *testing.T) {
	for in, want := range map[string]ImageFormat{"png": PNG, ".PNG": PNG, "jpg": JPEG, "jpeg": JPEG, "webp": WebP} {
		if got, err := ParseImageFormat(in); err != nil || got != want {
			t.Errorf("%q: %v, %v", in, got, err)
		}
	}
	if f, err := ImageFormatForPath("out/map.jpg"); err != nil || f != JPEG || f.ContentType() != "image/jpeg" {
		t.Errorf("map.jpg: %v %v", f, err)
	}
	for _, bad := range []string{"", "gif", "map.png"} {
		if _, err := ParseImageFormat(bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// benchFrame renders the Berlin example (the repository's fixture tile) at
// size x size on the calling, locked goroutine; close the runtime with
// CloseAll on the same goroutine.
func benchFrame(b *testing.B, size int) *testMap {
	style, err := os.ReadFile(filepath.Join("..", "examples", "berlin", "style.json"))
	if err != nil {
		b.Fatal(err)
	}
	rt, err := NewRuntime(&RuntimeOptions{WorkerThreads: 1, RenderThreads: 1})
	if err != nil {
		b.Fatal(err)
	}
	tm := &testMap{rt: rt}
	fail := func(err error) {
		rt.CloseAll()
		b.Fatal(err)
	}
	if err := rt.SetResourceProvider(DirProvider("local", filepath.Join("..", "tests", "fixtures"))); err != nil {
		fail(err)
	}
	if tm.m, err = rt.NewMap(&MapOptions{Width: size, Height: size}); err != nil {
		fail(err)
	}
	if tm.s, err = tm.m.NewTextureSession(size, size, 1); err != nil {
		fail(err)
	}
	if err := tm.m.SetStyleJSON(style); err != nil {
		fail(err)
	}
	// Zoom so that the view stays inside the one shipped tile.
	zoom := 15 + math.Log2(float64(size)/512)
	if err := tm.m.JumpTo(Camera{Longitude: 13.4143, Latitude: 52.5028, Zoom: zoom, Fields: CameraCenter | CameraZoom}); err != nil {
		fail(err)
	}
	if err := tm.s.RenderStill(context.Background()); err != nil {
		fail(err)
	}
	return tm
}

// Encoding a rendered frame: Go's image/png (default and BestSpeed) against
// the library's PNG (fast and zlib 6), JPEG and WebP, at 256² and 1024².
// Reports the file size as a metric. Each leaf renders its frame on its own
// locked goroutine (the runtime's owner thread) before the timer starts.
func BenchmarkEncode(b *testing.B) {
	type encodeFunc func(tm *testMap, img *image.NRGBA, w *bytes.Buffer) error
	cases := []struct {
		name string
		f    encodeFunc
	}{
		{"go-image-png", func(_ *testMap, img *image.NRGBA, w *bytes.Buffer) error { return png.Encode(w, img) }},
		{"go-image-png-bestspeed", func(_ *testMap, img *image.NRGBA, w *bytes.Buffer) error {
			return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
		}},
		{"native-png", func(tm *testMap, _ *image.NRGBA, w *bytes.Buffer) error { return tm.s.Encode(w, PNG, nil) }},
		{"native-png-level6", func(tm *testMap, _ *image.NRGBA, w *bytes.Buffer) error {
			return tm.s.Encode(w, PNG, &EncodeOptions{PNGLevel: 6})
		}},
		{"native-jpeg", func(tm *testMap, _ *image.NRGBA, w *bytes.Buffer) error { return tm.s.Encode(w, JPEG, nil) }},
		{"native-webp", func(tm *testMap, _ *image.NRGBA, w *bytes.Buffer) error { return tm.s.Encode(w, WebP, nil) }},
	}
	for _, size := range []int{256, 1024} {
		for _, c := range cases {
			b.Run(fmt.Sprintf("%d/%s", size, c.name), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				tm := benchFrame(b, size)
				defer tm.rt.CloseAll()
				img, err := tm.s.ReadNRGBA()
				if err != nil {
					b.Fatal(err)
				}
				var buf bytes.Buffer
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					buf.Reset()
					if err := c.f(tm, img, &buf); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(buf.Len()), "bytes")
			})
		}
	}
}
