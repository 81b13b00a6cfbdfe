package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	mapcore "mapcore.dev/mapcore/go"
	"mapcore.dev/mapcore/go/internal/cli"
	"mapcore.dev/mapcore/go/internal/pmtiles"
	"mapcore.dev/mapcore/go/internal/tiles"
)

// maxPyramidTiles bounds one run (the tile list is held in memory); shard
// larger pyramids with -shard.
const maxPyramidTiles = 20_000_000

type pyramidOptions struct {
	style, out, format string
	assets             string
	allow              dirList
	bbox               [4]float64
	minZ, maxZ         uint8
	tileSize           int
	scale              float64
	workers            int
	shard, shards      int
	timeout            time.Duration
	progress           string
}

func parsePyramidFlags(args []string, stderr io.Writer) (*pyramidOptions, error) {
	o := &pyramidOptions{}
	fs := flag.NewFlagSet("mapcore-render pyramid", flag.ContinueOnError)
	var bbox, zooms, shard string
	fs.StringVar(&o.style, "style", "", "style file (required)")
	fs.StringVar(&bbox, "bbox", "-180,-85.0511,180,85.0511", "area as west,south,east,north (degrees)")
	fs.StringVar(&zooms, "zooms", "0-5", "zoom levels as MIN-MAX (0..22)")
	fs.StringVar(&o.out, "o", "", "output archive: FILE.mbtiles (resumable) or FILE.pmtiles (required)")
	fs.StringVar(&o.format, "format", "png", "tile format: png, jpg or webp (lossless)")
	fs.IntVar(&o.tileSize, "tile-size", 256, "tile size in logical pixels: 256 or 512")
	fs.Float64Var(&o.scale, "scale", 1, "pixel ratio of the tiles (2 for @2x tiles)")
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "render workers")
	fs.StringVar(&shard, "shard", "1/1", "render only the K-th of N equal runs of the tile order (K/N): one per machine")
	fs.StringVar(&o.assets, "assets", "", "asset folder for relative paths and local://X URLs (default: the style file's folder)")
	fs.Var(&o.allow, "allow-files", "a folder whose files the style may read (repeatable; the style's folder is allowed)")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up on one tile after this long")
	fs.StringVar(&o.progress, "progress", "auto", "progress display: auto (a bar on a terminal, lines otherwise), bar, lines or none")
	if err := cli.Parse(fs, args, "mapcore-render pyramid -style S -bbox W,S,E,N -zooms 0-14 -o out.mbtiles|out.pmtiles [flags]", stderr); err != nil {
		return nil, err
	}
	switch {
	case o.style == "":
		return nil, errors.New("-style is required")
	case !strings.HasSuffix(o.out, ".mbtiles") && !strings.HasSuffix(o.out, ".pmtiles"):
		return nil, fmt.Errorf("-o %q: want a .mbtiles or .pmtiles file", o.out)
	case o.format != "png" && o.format != "jpg" && o.format != "webp":
		return nil, fmt.Errorf("-format %q: want png, jpg or webp", o.format)
	case o.tileSize != 256 && o.tileSize != 512:
		return nil, fmt.Errorf("-tile-size %d: want 256 or 512", o.tileSize)
	case !(o.scale >= 0.5 && o.scale <= 4):
		return nil, fmt.Errorf("-scale %v: want 0.5..4", o.scale)
	case o.workers < 1 || o.workers > 256:
		return nil, fmt.Errorf("-workers %d: want 1..256", o.workers)
	case o.timeout <= 0:
		return nil, errors.New("-timeout must be positive")
	case o.progress != "auto" && o.progress != "bar" && o.progress != "lines" && o.progress != "none":
		return nil, fmt.Errorf("-progress %q: want auto, bar, lines or none", o.progress)
	}
	parts := strings.Split(bbox, ",")
	for i, p := range parts {
		if len(parts) != 4 {
			break
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("-bbox %q: want west,south,east,north", bbox)
		}
		o.bbox[i] = v
	}
	b := o.bbox
	if len(parts) != 4 || b[0] < -180 || b[2] > 180 || b[0] >= b[2] || b[1] < -90 || b[3] > 90 || b[1] >= b[3] {
		return nil, fmt.Errorf("-bbox %q: want west,south,east,north with west < east and south < north", bbox)
	}
	lo, hi, ok := strings.Cut(zooms, "-")
	if !ok {
		hi = lo
	}
	z0, err0 := strconv.ParseUint(lo, 10, 8)
	z1, err1 := strconv.ParseUint(hi, 10, 8)
	if err0 != nil || err1 != nil || z0 > z1 || z1 > 22 {
		return nil, fmt.Errorf("-zooms %q: want MIN-MAX within 0..22", zooms)
	}
	o.minZ, o.maxZ = uint8(z0), uint8(z1)
	k, n, ok := strings.Cut(shard, "/")
	o.shard, err0 = strconv.Atoi(k)
	o.shards, err1 = strconv.Atoi(n)
	if !ok || err0 != nil || err1 != nil || o.shards < 1 || o.shard < 1 || o.shard > o.shards {
		return nil, fmt.Errorf("-shard %q: want K/N with 1 <= K <= N", shard)
	}
	return o, nil
}

// pyramidTiles lists the tiles of the run in PMTiles order (zoom, then the
// Hilbert curve): the archive's order, so the output is clustered and the
// same inputs give the same bytes.
func pyramidTiles(o *pyramidOptions) ([]tiles.Tile, error) {
	var total uint64
	for z := o.minZ; z <= o.maxZ; z++ {
		total += tiles.Cover(o.bbox, z).Count()
	}
	if total > maxPyramidTiles*uint64(o.shards) {
		return nil, fmt.Errorf("%d tiles: more than %d per run; split the run with -shard K/N or smaller -zooms/-bbox", total, maxPyramidTiles)
	}
	list := make([]tiles.Tile, 0, total)
	for z := o.minZ; z <= o.maxZ; z++ {
		r := tiles.Cover(o.bbox, z)
		for x := r.X0; x <= r.X1; x++ {
			for y := r.Y0; y <= r.Y1; y++ {
				list = append(list, tiles.Tile{Z: z, X: x, Y: y})
			}
		}
	}
	sort.Slice(list, func(i, j int) bool {
		return pmtiles.TileID(list[i].Z, list[i].X, list[i].Y) < pmtiles.TileID(list[j].Z, list[j].X, list[j].Y)
	})
	n := uint64(len(list))
	from, to := n*uint64(o.shard-1)/uint64(o.shards), n*uint64(o.shard)/uint64(o.shards)
	return list[from:to], nil
}

// tileSink receives rendered tiles in order.
type tileSink interface {
	has(t tiles.Tile) (bool, error)
	put(t tiles.Tile, data []byte) error
	finish() error
	abort()
}

type mbtilesSink struct{ w *mapcore.MBTilesWriter }

func (s *mbtilesSink) has(t tiles.Tile) (bool, error) { return s.w.HasTile(t.Z, t.X, t.Y) }
func (s *mbtilesSink) put(t tiles.Tile, d []byte) error {
	return s.w.PutTile(t.Z, t.X, t.Y, d)
}
func (s *mbtilesSink) finish() error { return s.w.Close() }
func (s *mbtilesSink) abort()        { _ = s.w.Close() } // what was written stays: resumable

type pmtilesSink struct{ w *pmtiles.Writer }

func (s *pmtilesSink) has(tiles.Tile) (bool, error) { return false, nil }
func (s *pmtilesSink) put(t tiles.Tile, d []byte) error {
	return s.w.Add(t.Z, t.X, t.Y, d)
}
func (s *pmtilesSink) finish() error { return s.w.Finish() }
func (s *pmtilesSink) abort()        { s.w.Abort() }

func openSink(o *pyramidOptions, name string) (tileSink, error) {
	b := o.bbox
	center := [3]float64{(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, float64(o.minZ)}
	meta := map[string]string{
		"name": name, "format": o.format, "type": "baselayer", "version": "1",
		"bounds":  fmt.Sprintf("%g,%g,%g,%g", b[0], b[1], b[2], b[3]),
		"center":  fmt.Sprintf("%g,%g,%d", center[0], center[1], o.minZ),
		"minzoom": strconv.Itoa(int(o.minZ)), "maxzoom": strconv.Itoa(int(o.maxZ)),
		"description": fmt.Sprintf("rendered by mapcore-render pyramid (%d px tiles at scale %g)", o.tileSize, o.scale),
	}
	if strings.HasSuffix(o.out, ".pmtiles") {
		types := map[string]int{"png": pmtiles.TypePNG, "jpg": pmtiles.TypeJPEG, "webp": pmtiles.TypeWebP}
		m := map[string]any{}
		for k, v := range meta {
			m[k] = v
		}
		w, err := pmtiles.Create(o.out, pmtiles.Options{TileType: types[o.format], Bounds: b, Center: center, Metadata: m})
		if err != nil {
			return nil, err
		}
		return &pmtilesSink{w}, nil
	}
	w, err := mapcore.CreateMBTiles(o.out)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := w.SetMetadata(k, meta[k]); err != nil {
			w.Close()
			return nil, err
		}
	}
	return &mbtilesSink{w}, nil
}

type rendered struct {
	i    int
	data []byte
	err  error
}

// runPyramid renders every tile of the range into the archive.
func runPyramid(args []string, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintln(stderr, "mapcore-render pyramid: "+strings.ReplaceAll(fmt.Sprintf(format, a...), "\n", " "))
		return 1
	}
	o, err := parsePyramidFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return fail("%v", err)
	}
	style, err := os.ReadFile(o.style)
	if err != nil {
		return fail("style: %v", err)
	}
	styleDir, err := filepath.Abs(filepath.Dir(o.style))
	if err != nil {
		return fail("%v", err)
	}
	assets := styleDir
	if o.assets != "" {
		if assets, err = filepath.Abs(o.assets); err != nil {
			return fail("-assets: %v", err)
		}
	}
	roots := []string{styleDir, assets}
	for _, d := range o.allow {
		abs, err := filepath.Abs(d)
		if err != nil {
			return fail("-allow-files %s: %v", d, err)
		}
		roots = append(roots, abs)
	}
	list, err := pyramidTiles(o)
	if err != nil {
		return fail("%v", err)
	}
	// One decoding and one render thread per runtime: parallelism comes
	// from the workers.
	pool, err := mapcore.NewRenderer(&mapcore.RendererOptions{Workers: o.workers,
		Runtime:  &mapcore.RuntimeOptions{AssetRoot: assets, AllowedRoots: roots, WorkerThreads: 1, RenderThreads: 1},
		Provider: mapcore.ChainProviders(mapcore.DirProvider("local", assets), &mapcore.HTTPProvider{UserAgent: "mapcore-render"})})
	if err != nil {
		return fail("%v", err)
	}
	defer pool.Close()
	sink, err := openSink(o, strings.TrimSuffix(filepath.Base(o.style), filepath.Ext(o.style)))
	if err != nil {
		return fail("%s: %v", o.out, err)
	}
	// Resuming: the tiles already there are not rendered again.
	var todo []int
	for i, t := range list {
		have, err := sink.has(t)
		if err != nil {
			sink.abort()
			return fail("%s: %v", o.out, err)
		}
		if !have {
			todo = append(todo, i)
		}
	}
	prog := newProgress(stderr, o.progress, len(list), len(list)-len(todo))
	// SIGINT/SIGTERM stop the run cleanly: an MBTiles archive keeps (and
	// commits) what was written, so the same command resumes it; a
	// PMTiles run removes its temporary data.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := renderInOrder(ctx, pool, o, style, list, todo, sink, prog); err != nil {
		sink.abort()
		return fail("%v", err)
	}
	if err := sink.finish(); err != nil {
		return fail("%s: %v", o.out, err)
	}
	prog.finish(o.out)
	return 0
}

// pyramidStyleID is the id the run's style is registered under.
const pyramidStyleID = "pyramid"

// pyramidJPEGQuality is the quality of JPEG tiles (PNG and WebP ignore it).
const pyramidJPEGQuality = 90

// renderInOrder renders the todo tiles on all workers and hands them to the
// sink in list order, holding at most a window of finished tiles.
func renderInOrder(parent context.Context, pool *mapcore.Renderer, o *pyramidOptions, style []byte, list []tiles.Tile, todo []int, sink tileSink, prog *progress) error {
	if err := pool.RegisterStyle(pyramidStyleID, style); err != nil {
		return err
	}
	format, err := mapcore.ParseImageFormat(o.format) // lossless WebP
	if err != nil {
		return err
	}
	window := 4 * o.workers
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	next := make(chan int)
	results := make(chan rendered, window)
	slots := make(chan struct{}, window)
	go func() {
		defer close(next)
		for _, i := range todo {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < o.workers; w++ {
		go func() {
			for i := range next {
				t := list[i]
				v := tiles.ViewOf(t, o.tileSize, o.scale)
				tctx, tcancel := context.WithTimeout(ctx, o.timeout)
				data, err := pool.Render(tctx, mapcore.Request{Style: pyramidStyleID,
					Camera: &mapcore.Camera{Longitude: v.Lon, Latitude: v.Lat, Zoom: v.Zoom},
					Width:  v.Size, Height: v.Size, PixelRatio: float32(v.Ratio), Format: format, Quality: pyramidJPEGQuality})
				tcancel()
				if err != nil {
					err = fmt.Errorf("tile %v: %w", t, err)
				}
				select {
				case results <- rendered{i, data, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	pending := map[int]rendered{}
	interrupted := func() error { return fmt.Errorf("interrupted after %d of %d tiles", prog.count, prog.total) }
	for k := 0; k < len(todo); {
		if parent.Err() != nil {
			return interrupted()
		}
		var r rendered
		select {
		case r = <-results:
		case <-parent.Done():
			return interrupted()
		}
		if r.err != nil {
			if parent.Err() != nil {
				return interrupted()
			}
			return r.err
		}
		pending[r.i] = r
		for k < len(todo) {
			r, ok := pending[todo[k]]
			if !ok {
				break
			}
			delete(pending, todo[k])
			if err := sink.put(list[r.i], r.data); err != nil {
				return err
			}
			<-slots
			k++
			prog.tick()
		}
	}
	return nil
}

// progress shows how far a run is: a bar with tiles/s and ETA on a
// terminal, a plain line every 10 s (and at the end) otherwise.
type progress struct {
	w                io.Writer
	bar              bool
	quiet            bool
	total, done0     int
	count            int
	start, lastPrint time.Time
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newProgress(w io.Writer, mode string, total, skipped int) *progress {
	p := &progress{w: w, total: total, done0: skipped, count: skipped, start: time.Now(),
		bar: mode == "bar" || (mode == "auto" && isTerminal(w)), quiet: mode == "none"}
	if !p.quiet {
		fmt.Fprintf(w, "pyramid: %d tiles, %d already in the archive, %d to render\n", total, skipped, total-skipped)
	}
	return p
}

func (p *progress) rate() (float64, time.Duration) {
	el := time.Since(p.start)
	rate := float64(p.count-p.done0) / max(el.Seconds(), 1e-9)
	eta := time.Duration(0)
	if rate > 0 {
		eta = time.Duration(float64(p.total-p.count) / rate * float64(time.Second)).Round(time.Second)
	}
	return rate, eta
}

func (p *progress) tick() {
	p.count++
	if p.quiet {
		return
	}
	now := time.Now()
	switch {
	case p.bar && now.Sub(p.lastPrint) >= 100*time.Millisecond:
		rate, eta := p.rate()
		const width = 30
		filled := width * p.count / max(p.total, 1)
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d tiles %.1f tiles/s ETA %s ", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
			p.count, p.total, rate, eta)
		p.lastPrint = now
	case !p.bar && now.Sub(p.lastPrint) >= 10*time.Second:
		rate, eta := p.rate()
		fmt.Fprintf(p.w, "pyramid: %d/%d tiles, %.1f tiles/s, ETA %s\n", p.count, p.total, rate, eta)
		p.lastPrint = now
	}
}

func (p *progress) finish(out string) {
	if p.quiet {
		return
	}
	if p.bar {
		fmt.Fprintln(p.w)
	}
	rate, _ := p.rate()
	size := int64(0)
	if st, err := os.Stat(out); err == nil {
		size = st.Size()
	}
	fmt.Fprintf(p.w, "pyramid: rendered %d tiles in %s (%.1f tiles/s); %s: %d tiles, %d bytes\n",
		p.count-p.done0, time.Since(p.start).Round(time.Millisecond), rate, out, p.total, size)
}
