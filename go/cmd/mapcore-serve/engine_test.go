package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The command end to end: run() over a tileserver-gl folder with an
// MBTiles archive built from the fixture tiles, rendering for real.

type syncBuffer struct {
	mu chan struct{}
	b  bytes.Buffer
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{mu: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.String()
}

// startServer runs the command until ctx ends; it returns the base URL and
// a channel with the exit status.
func startServer(t *testing.T, ctx context.Context, args ...string) (string, <-chan int, *syncBuffer) {
	t.Helper()
	logs := newSyncBuffer()
	ready := make(chan string, 1)
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-workers", "2"}, args...), logs, ready)
	}()
	select {
	case addr := <-ready:
		return "http://" + addr, exit, logs
	case code := <-exit:
		t.Fatalf("exited with %d: %s", code, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not start")
	}
	return "", nil, nil
}

func decodePNG(t *testing.T, body string) image.Image {
	t.Helper()
	img, err := png.Decode(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

func TestServerRendersTilesAndStaticMapsFromMBTiles(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, exit, logs := startServer(t, ctx, "-config", fixtureConfig(t), "-log-format", "json")
	for _, c := range []struct {
		path string
		w, h int
	}{
		{"/styles/basic/512/14/8802/5374.png", 512, 512},
		{"/styles/basic/15/17604/10748@2x.png", 512, 512},
		{"/styles/basic/static/13.414,52.503,14.5@20/300x200.png", 300, 200},
		{"/styles/basic/static/13.41,52.5,13.42,52.505/640x480.png?padding=10", 640, 480},
	} {
		r := get(t, base+c.path)
		if r.code != 200 {
			t.Fatalf("%s: %d %s", c.path, r.code, r.body)
		}
		img := decodePNG(t, r.body)
		if img.Bounds().Dx() != c.w || img.Bounds().Dy() != c.h {
			t.Errorf("%s: %v, want %dx%d", c.path, img.Bounds(), c.w, c.h)
		}
		if n := colours(img); n < 4 {
			t.Errorf("%s: %d colours: the archive's features were not drawn", c.path, n)
		}
	}
	// The same tile again comes from the cache.
	get(t, base+"/styles/basic/512/14/8802/5374.png")
	if r := get(t, base+"/styles/basic/256/15/17604/10748@2x.jpg"); r.code != 200 || r.h.Get("Content-Type") != "image/jpeg" {
		t.Errorf("jpg: %d %s", r.code, r.body)
	}
	if !strings.Contains(get(t, base+"/metrics").body, "mapcore_cache_hits_total 1") {
		t.Error("the repeated tile was not a cache hit")
	}
	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit status %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop")
	}
	if !strings.Contains(logs.String(), `"msg":"request"`) || !strings.Contains(logs.String(), `"route":"tile"`) {
		t.Errorf("no JSON access log: %s", logs.String())
	}
}

func TestSIGTERMDrainsAndExitsZero(t *testing.T) {
	// Through the real signal path: main's NotifyContext, here set up the
	// same way before the signal is sent.
	ctx, stop := signalContext()
	defer stop()
	base, exit, _ := startServer(t, ctx, "-config", fixtureConfig(t), "-grace", "2m")
	// A slow request in flight when the signal comes still completes.
	done := make(chan int, 1)
	go func() {
		resp, err := http.Get(base + "/styles/basic/static/13.414,52.503,15/512x512@2x.png")
		if err != nil {
			done <- -1
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	time.Sleep(50 * time.Millisecond)
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit status %d after SIGTERM", code)
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("no exit after SIGTERM")
	}
	if code := <-done; code != 200 {
		t.Errorf("the request in flight got %d", code)
	}
	if _, err := http.Get(base + "/health"); err == nil {
		t.Error("still answering after the drain")
	}
}

func TestBadFlagsAndConfigExitOne(t *testing.T) {
	for _, args := range [][]string{{"-workers", "0"}, {"-log-format", "xml"}, {"-config", "/nonexistent.json"}, {"extra"}} {
		var out bytes.Buffer
		if code := run(context.Background(), args, &out, nil); code != 1 || strings.Count(strings.TrimSpace(out.String()), "\n") != 0 {
			t.Errorf("%v: exit %d, %q", args, code, out.String())
		}
	}
}

func TestDrainPastTheGracePeriodStillStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stuck := make(chan struct{})
	defer close(stuck)
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-stuck
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := newSyncBuffer()
	go func() { done <- serve(ctx, ln, h, 50*time.Millisecond, slog.New(slog.NewTextHandler(logs, nil))) }()
	go http.Get("http://" + ln.Addr().String() + "/")
	<-started
	cancel()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(logs.String(), "grace period over") {
			t.Errorf("serve: %v; %s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after the grace period")
	}
}
