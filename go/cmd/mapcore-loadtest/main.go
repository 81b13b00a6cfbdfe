// Command mapcore-loadtest drives mapcore-serve on loopback and reports
// throughput, latency percentiles, errors and the server's memory.
//
//	mapcore-loadtest -server build/bin/mapcore-serve -c 8 -workers 2 -n 400 -duration 60s
//
// It lays out a tileserver-gl folder in a temporary directory: an MBTiles
// archive packed from the streets benchmark's four z14 tiles with its style,
// glyphs and sprite (when the shared data is there: -shared, MAPCORE_SHARED
// or ../shared), else from the repository's fixture tile with a small style.
// The views are the 256-pixel tiles over the archive's area two and three
// zooms down from z14's tiles' parents (4x4 at z15 and 8x8 at z16 with the
// shared data: 80 views). Two runs: with the tile cache off (every request
// renders) and on. Each run starts the server, waits for /health, sends -n
// requests (at most -duration) from -c clients, reads the server's RSS
// before and after, stops it with SIGTERM and checks it exits with 0.
// The exit status is 1 on any request error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	mapcore "mapcore.dev/mapcore/go"
	"mapcore.dev/mapcore/go/internal/tiles"
)

type options struct {
	server, repo, shared string
	clients, workers, n  int
	duration             time.Duration
}

func main() {
	o := options{}
	flag.StringVar(&o.server, "server", "build/bin/mapcore-serve", "the mapcore-serve binary")
	flag.StringVar(&o.repo, "repo", ".", "the repository root (for tests/fixtures)")
	flag.StringVar(&o.shared, "shared", "", "the shared data folder (default $MAPCORE_SHARED, else REPO/../shared)")
	flag.IntVar(&o.clients, "c", 8, "concurrent clients")
	flag.IntVar(&o.workers, "workers", 2, "the server's render workers")
	flag.IntVar(&o.n, "n", 400, "requests per run")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "longest a run may take")
	flag.Parse()
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mapcore-loadtest: "+err.Error())
		os.Exit(1)
	}
}

// dataset is a tileserver-gl folder and the tile paths to request.
type dataset struct {
	config string
	paths  []string
	what   string
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// fixtureStyle is the style over the repository's fixture tile.
const fixtureStyle = `{"version":8,"sources":{"v":{"type":"vector","url":"mbtiles://{tiles}"}},
"layers":[{"id":"bg","type":"background","paint":{"background-color":"#f8f4f0"}},
 {"id":"landuse","type":"fill","source":"v","source-layer":"landuse","paint":{"fill-color":"#d8e8c8"}},
 {"id":"water","type":"fill","source":"v","source-layer":"water","paint":{"fill-color":"#a0c8f0"}},
 {"id":"road","type":"line","source":"v","source-layer":"road","paint":{"line-color":"#806040","line-width":2}}]}`

// setup writes the folder: the archive from z14 tiles (files by "z-x-y"
// name in tileDir), the style, config.json.
// o.shared is the shared data folder (resolved by sharedDir).
func setup(dir string, o options) (*dataset, error) {
	shared := o.shared
	assets := filepath.Join(shared, "conformance", "assets")
	streets := filepath.Join(shared, "bench", "streets.json")
	type z14 struct{ x, y uint32 }
	var tileDir, what string
	var names []z14
	var style []byte
	paths := map[string]string{"root": dir, "styles": dir, "mbtiles": dir}
	if raw, err := os.ReadFile(streets); err == nil {
		tileDir, what = filepath.Join(assets, "tiles"), "the streets benchmark (4 z14 tiles, its style, glyphs and sprite)"
		names = []z14{{8802, 5374}, {8803, 5374}, {8802, 5375}, {8803, 5375}}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, err
		}
		// The tileserver-gl way: data by id, glyphs and sprites by folder.
		doc["sources"] = map[string]any{"streets": map[string]any{"type": "vector", "url": "mbtiles://{tiles}"}}
		doc["glyphs"] = "{fontstack}/{range}.pbf"
		doc["sprite"] = "sprite"
		paths["fonts"] = filepath.Join(assets, "glyphs")
		paths["sprites"] = filepath.Join(assets, "sprites")
		if style, err = json.Marshal(doc); err != nil {
			return nil, err
		}
	} else {
		fmt.Printf("shared data not found (%s): using the repository's fixture tile\n", streets)
		tileDir, what = filepath.Join(o.repo, "tests", "fixtures", "tiles"), "the fixture tile (1 z14 tile, a 4-layer style)"
		names = []z14{{8802, 5374}}
		style = []byte(fixtureStyle)
	}
	archive := filepath.Join(dir, "tiles.mbtiles")
	w, err := mapcore.CreateMBTiles(archive)
	if err != nil {
		return nil, err
	}
	var xs, ys []uint32
	for _, t := range names {
		b, err := os.ReadFile(filepath.Join(tileDir, fmt.Sprintf("14-%d-%d.mvt", t.x, t.y)))
		if err != nil {
			w.Close()
			return nil, err
		}
		if err := w.PutTile(14, t.x, t.y, b); err != nil {
			w.Close()
			return nil, err
		}
		xs, ys = append(xs, t.x), append(ys, t.y)
	}
	for k, v := range map[string]string{"format": "pbf", "minzoom": "14", "maxzoom": "14", "name": "tiles"} {
		if err := w.SetMetadata(k, v); err != nil {
			w.Close()
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "style.json"), style); err != nil {
		return nil, err
	}
	cfg, _ := json.Marshal(map[string]any{"options": map[string]any{"paths": paths},
		"styles": map[string]any{"s": map[string]any{"style": "style.json"}},
		"data":   map[string]any{"tiles": map[string]any{"mbtiles": "tiles.mbtiles"}}})
	if err := writeFile(filepath.Join(dir, "config.json"), cfg); err != nil {
		return nil, err
	}
	// 256-pixel tiles one and two zooms below the z14 tiles: z15 renders
	// MapLibre's zoom 14, z16 its zoom 15.
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	sort.Slice(ys, func(i, j int) bool { return ys[i] < ys[j] })
	var urls []string
	for _, z := range []uint8{15, 16} {
		k := uint32(1) << (z - 14)
		for x := xs[0] * k; x < (xs[len(xs)-1]+1)*k; x++ {
			for y := ys[0] * k; y < (ys[len(ys)-1]+1)*k; y++ {
				urls = append(urls, fmt.Sprintf("/styles/s/%v.png", tiles.Tile{Z: z, X: x, Y: y}))
			}
		}
	}
	return &dataset{config: filepath.Join(dir, "config.json"), paths: urls, what: what}, nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// rssKB reads VmRSS of a process (Linux).
func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return -1
}

type report struct {
	requests, errors int
	elapsed          time.Duration
	p50, p99         time.Duration
	rssBefore        int
	rssAfter         int
	firstError       string
}

// load sends n requests (cycling through paths) from c clients.
func load(base string, paths []string, n, c int, limit time.Duration) report {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	var first string
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}}
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+paths[k%len(paths)], nil)
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("%s: HTTP %d", paths[k%len(paths)], resp.StatusCode)
					}
				}
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					if ctx.Err() == nil {
						errs++
						if first == "" {
							first = err.Error()
						}
					}
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r := report{requests: len(lat), errors: errs, elapsed: time.Since(start), firstError: first}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		r.p50 = lat[len(lat)*50/100]
		r.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return r
}

// serveAndLoad starts the server, loads it and stops it with SIGTERM.
func serveAndLoad(o options, ds *dataset, cacheMB int) (report, error) {
	addr, err := freePort()
	if err != nil {
		return report{}, err
	}
	cmd := exec.Command(o.server, "-config", ds.config, "-addr", addr, "-workers", strconv.Itoa(o.workers),
		"-cache-mb", strconv.Itoa(cacheMB), "-queue", "1024")
	logf, err := os.CreateTemp("", "mapcore-loadtest-*.log")
	if err != nil {
		return report{}, err
	}
	defer os.Remove(logf.Name())
	defer logf.Close()
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		return report{}, err
	}
	base := "http://" + addr
	up := false
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/health"); err == nil {
			resp.Body.Close()
			up = resp.StatusCode == 200
			break
		}
	}
	if !up {
		cmd.Process.Kill()
		cmd.Wait()
		log, _ := os.ReadFile(logf.Name())
		return report{}, fmt.Errorf("the server did not come up: %s", log)
	}
	rep := report{rssBefore: rssKB(cmd.Process.Pid)}
	r := load(base, ds.paths, o.n, o.clients, o.duration)
	r.rssBefore, r.rssAfter = rep.rssBefore, rssKB(cmd.Process.Pid)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return r, err
	}
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return r, fmt.Errorf("the server exited with %d after SIGTERM", ee.ExitCode())
		}
		return r, err
	}
	return r, nil
}

// sharedDir is -shared, else $MAPCORE_SHARED, else REPO/../shared.
func sharedDir(o options) string {
	if o.shared != "" {
		return o.shared
	}
	if env := os.Getenv("MAPCORE_SHARED"); env != "" {
		return env
	}
	return filepath.Join(o.repo, "..", "shared")
}

func run(o options, out io.Writer) error {
	o.shared = sharedDir(o)
	dir, err := os.MkdirTemp("", "mapcore-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ds, err := setup(dir, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "loadtest: %s; %d views (256 px PNG tiles at z15 and z16); %d clients, %d render workers, %d requests per run\n",
		ds.what, len(ds.paths), o.clients, o.workers, o.n)
	failed := false
	for _, c := range []struct {
		name  string
		cache int
	}{{"cache off (every request renders)", 0}, {"cache on", 256}} {
		r, err := serveAndLoad(o, ds, c.cache)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "loadtest: %-34s %5d ok, %d errors in %6.2fs: %8.1f tiles/s, p50 %7.2f ms, p99 %7.2f ms, server RSS %d -> %d MiB; SIGTERM: exit 0\n",
			c.name, r.requests, r.errors, r.elapsed.Seconds(), float64(r.requests)/r.elapsed.Seconds(),
			float64(r.p50.Microseconds())/1000, float64(r.p99.Microseconds())/1000, r.rssBefore/1024, r.rssAfter/1024)
		if r.errors > 0 {
			fmt.Fprintf(out, "loadtest: first error: %s\n", r.firstError)
			failed = true
		}
		if r.requests+r.errors < o.n {
			fmt.Fprintf(out, "loadtest: stopped at -duration %s after %d of %d requests\n", o.duration, r.requests+r.errors, o.n)
		}
	}
	if failed {
		return errors.New("requests failed")
	}
	return nil
}
