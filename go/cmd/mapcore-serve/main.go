// Command mapcore-serve serves raster tiles, static maps, styles and the
// tiles of MBTiles/PMTiles archives over HTTP, configured like tileserver-gl
// (config.json) and with tileserver-gl's URL scheme.
//
//	mapcore-serve -config config.json -addr :8080 -workers 4 -cache-mb 256
//
// Endpoints: /styles/{id}[/{256|512}]/{z}/{x}/{y}[@{n}x].{png|jpg|webp},
// /styles/{id}/static/{lon},{lat},{zoom}[@{bearing}[,{pitch}]]/{w}x{h}[@{n}x].{fmt},
// /styles/{id}/static/{minx},{miny},{maxx},{maxy}/{w}x{h}[@{n}x].{fmt}[?padding=N],
// /styles/{id}.json (raster TileJSON), /styles/{id}/style.json,
// /styles/{id}/sprite[@2x].{json,png}, /data/{id}.json,
// /data/{id}/{z}/{x}/{y}.{pbf|png|jpg|webp}, /fonts/{fontstack}/{range}.pbf,
// /health, /metrics (Prometheus) and an index page at /.
//
// SIGTERM or SIGINT stops accepting connections, lets the requests in
// flight finish within -grace, and exits with status 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"mapcore.dev/mapcore/go/internal/cli"
)

// signalContext ends at SIGTERM or SIGINT.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
}

func main() {
	ctx, stop := signalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr, nil))
}

type flags struct {
	config, addr, logFormat string
	workers, cacheMB, queue int
	timeout, grace          time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("mapcore-serve", flag.ContinueOnError)
	fs.StringVar(&f.config, "config", "config.json", "tileserver-gl style config.json")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.IntVar(&f.workers, "workers", runtime.NumCPU(), "render workers (owner threads, one runtime each)")
	fs.IntVar(&f.cacheMB, "cache-mb", 256, "tile cache budget in MiB (encoded images; 0: no cache)")
	fs.IntVar(&f.queue, "queue", 64, "requests that may wait for a render worker; more get 503 + Retry-After")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "deadline of one request")
	fs.DurationVar(&f.grace, "grace", 30*time.Second, "on SIGTERM/SIGINT, how long requests in flight may take to finish")
	fs.StringVar(&f.logFormat, "log-format", "text", "access and server log format: text or json")
	if err := cli.Parse(fs, args, "mapcore-serve [flags]", stderr); err != nil {
		return nil, err
	}
	switch {
	case f.workers < 1 || f.workers > 256:
		return nil, fmt.Errorf("-workers %d: want 1..256", f.workers)
	case f.cacheMB < 0 || f.cacheMB > 1<<20:
		return nil, fmt.Errorf("-cache-mb %d: want 0..1048576", f.cacheMB)
	case f.queue < 0 || f.queue > 1<<20:
		return nil, fmt.Errorf("-queue %d: want 0..1048576", f.queue)
	case f.timeout <= 0 || f.grace < 0:
		return nil, errors.New("-timeout must be positive and -grace not negative")
	case f.logFormat != "text" && f.logFormat != "json":
		return nil, fmt.Errorf("-log-format %q: want text or json", f.logFormat)
	}
	return f, nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// run serves until ctx ends, then drains. ready, if not nil, receives the
// listening address once the server accepts connections.
func run(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) int {
	f, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "mapcore-serve: "+err.Error())
		return 1
	}
	log := newLogger(f.logFormat, stderr)
	fail := func(err error) int {
		log.Error("mapcore-serve: " + strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return fail(err)
	}
	archives, err := openArchives(cfg)
	if err != nil {
		return fail(err)
	}
	defer closeArchives(archives)
	renderer, err := newEngine(cfg, f.workers, log)
	if err != nil {
		return fail(err)
	}
	defer renderer.Close()
	opt := defaultServerOptions()
	opt.workers, opt.queue, opt.timeout = f.workers, f.queue, f.timeout
	opt.cacheBytes = int64(f.cacheMB) << 20
	srv, err := newServer(cfg, opt, renderer, archives, log)
	if err != nil {
		return fail(err)
	}
	if err := renderer.register(srv.styles); err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fail(err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "styles", len(srv.styles), "data", len(archives), "workers", f.workers)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	if err := serve(ctx, ln, srv, f.grace, log); err != nil {
		return fail(err)
	}
	return 0
}

// serve answers on ln until ctx ends, then stops accepting and waits up to
// grace for the requests in flight.
func serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, log *slog.Logger) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("draining", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		// The stop was asked for: past the grace period the requests
		// still running are cut off, and the exit is still clean.
		log.Warn("grace period over: closing the connections still open", "err", err.Error())
		_ = hs.Close()
	}
	<-errc // http.ErrServerClosed
	log.Info("stopped")
	return nil
}

func closeArchives(m map[string]tileArchive) {
	for _, a := range m {
		_ = a.Close()
	}
}

// openArchives opens every configured archive.
func openArchives(cfg *config) (map[string]tileArchive, error) {
	out := map[string]tileArchive{}
	ids := make([]string, 0, len(cfg.data))
	for id := range cfg.data {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a, err := openArchive(cfg.data[id].path)
		if err != nil {
			closeArchives(out)
			return nil, fmt.Errorf("data.%s: %w", id, err)
		}
		out[id] = a
	}
	return out, nil
}
