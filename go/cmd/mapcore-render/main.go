// Command mapcore-render renders a MapLibre style to a PNG, JPEG or WebP
// image (by the -o file's extension; encoded in the library).
//
//	mapcore-render -style style.json -center 13.4,52.5 -zoom 12 -size 800x600 -o map.png
//
// -style is a file path, a file:// or http(s):// URL, a local://X URL (read
// from the -assets folder) or builtin://NAME; it defaults to the bundled world
// map builtin://default-style.json. Tiles, sprites, glyphs and data are
// loaded from files (relative paths under -assets, which defaults to the
// style file's folder), local://X (-assets/X) and http(s). Local files are
// read only under the style file's folder, -assets and each -allow-files DIR
// (repeatable): anything else, such as file:///etc/passwd in a style, is
// refused with a warning. Resources that fail
// to load are reported as warnings and the image is still written; a bad flag
// or a style that cannot be read or parsed is a one-line error and exit
// status 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	mapcore "mapcore.dev/mapcore/go"
	"mapcore.dev/mapcore/go/internal/cli"
)

const defaultStyle = "builtin://default-style.json"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "pyramid" {
		os.Exit(runPyramid(os.Args[2:], os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stderr))
}

// dirList is a repeatable folder flag.
type dirList []string

func (d *dirList) String() string { return strings.Join(*d, ",") }

func (d *dirList) Set(v string) error {
	if v == "" {
		return errors.New("empty folder")
	}
	*d = append(*d, v)
	return nil
}

type options struct {
	style, out, assets string
	allow              dirList
	fonts              dirList
	glyphs             string
	styleDir           string
	center             [2]float64
	zoom, bear, pitch  float64
	width, height      int
	ratio              float64
	bounds             *mapcore.Bounds
	padding            mapcore.EdgeInsets
	format             mapcore.ImageFormat
	quality, pngLevel  int
	verbose            bool
	timeout            time.Duration
	set                map[string]bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{set: map[string]bool{}}
	fs := flag.NewFlagSet("mapcore-render", flag.ContinueOnError)
	var center, size, bounds, padding string
	fs.StringVar(&o.style, "style", defaultStyle, "style: file path, file://, http(s)://, local://X or builtin:// URL")
	fs.StringVar(&center, "center", "", "map center as lon,lat (default: the style's)")
	fs.Float64Var(&o.zoom, "zoom", 0, "zoom level 0..24 (default: the style's)")
	fs.Float64Var(&o.bear, "bearing", 0, "bearing in degrees (default: the style's)")
	fs.Float64Var(&o.pitch, "pitch", 0, "pitch in degrees 0..60 (default: the style's)")
	fs.StringVar(&size, "size", "512x512", "image size WxH in logical pixels")
	fs.StringVar(&bounds, "bounds", "", "fit W,S,E,N (degrees) into the image instead of -center/-zoom (with -bearing, -pitch, -padding)")
	fs.StringVar(&padding, "padding", "0", "padding in pixels around -bounds: one number or top,right,bottom,left")
	fs.Float64Var(&o.ratio, "ratio", 1, "pixel ratio (device pixels per logical pixel)")
	fs.StringVar(&o.out, "o", "map.png", "output image file: .png, .jpg (.jpeg) or .webp (lossless), encoded by the library")
	fs.IntVar(&o.quality, "quality", 0, "JPEG quality 1..100 (default 80)")
	fs.IntVar(&o.pngLevel, "png-level", 0, "PNG compression: 0 = fast, 1..9 = zlib levels (smaller, slower)")
	fs.StringVar(&o.assets, "assets", "", "asset folder for relative paths and local://X URLs (default: the style file's folder)")
	fs.Var(&o.allow, "allow-files", "a folder whose files styles may read (repeatable; the style's folder and -assets are allowed)")
	fs.Var(&o.fonts, "fonts", "a font file or folder of fonts for labels drawn with local glyphs (repeatable; Noto Sans is always there)")
	fs.StringVar(&o.glyphs, "glyphs", "url-first", "where label glyphs come from: url-first (the style's glyphs URL, local fonts without one or when a range fails), local-first or url-only")
	fs.BoolVar(&o.verbose, "v", false, "print native log messages")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up loading resources after this long")
	// Errors are one line; -h prints the flags.
	if err := cli.Parse(fs, args, "mapcore-render [flags] | mapcore-render pyramid [flags]", stderr); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if center != "" {
		parts := strings.Split(center, ",")
		if len(parts) != 2 {
			return nil, fmt.Errorf("-center %q: want lon,lat", center)
		}
		for i, p := range parts {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return nil, fmt.Errorf("-center %q: want lon,lat", center)
			}
			o.center[i] = v
		}
	}
	if bounds != "" {
		v, err := floats(bounds, 4)
		if err != nil {
			return nil, fmt.Errorf("-bounds %q: want W,S,E,N in degrees", bounds)
		}
		o.bounds = &mapcore.Bounds{West: v[0], South: v[1], East: v[2], North: v[3]}
		if o.set["center"] || o.set["zoom"] {
			return nil, fmt.Errorf("-bounds replaces -center and -zoom: give one or the other")
		}
	}
	if p, err := floats(padding, 1); err == nil && p[0] >= 0 {
		o.padding = mapcore.EdgeInsets{Top: p[0], Right: p[0], Bottom: p[0], Left: p[0]}
	} else if p, err := floats(padding, 4); err == nil && p[0] >= 0 && p[1] >= 0 && p[2] >= 0 && p[3] >= 0 {
		o.padding = mapcore.EdgeInsets{Top: p[0], Right: p[1], Bottom: p[2], Left: p[3]}
	} else {
		return nil, fmt.Errorf("-padding %q: want one number or top,right,bottom,left (pixels, >= 0)", padding)
	}
	w, h, ok := strings.Cut(strings.ToLower(size), "x")
	var err1, err2 error
	o.width, err1 = strconv.Atoi(w)
	o.height, err2 = strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || o.width < 1 || o.height < 1 || o.width > 16384 || o.height > 16384 {
		return nil, fmt.Errorf("-size %q: want WxH with 1..16384 each", size)
	}
	if !(o.ratio > 0 && o.ratio <= 16) {
		return nil, fmt.Errorf("-ratio %v: want 0 < ratio <= 16", o.ratio)
	}
	if o.zoom < 0 || o.zoom > 24 {
		return nil, fmt.Errorf("-zoom %v: want 0..24", o.zoom)
	}
	if o.pitch < 0 || o.pitch > 60 {
		return nil, fmt.Errorf("-pitch %v: want 0..60", o.pitch)
	}
	var err error
	if o.format, err = mapcore.ImageFormatForPath(o.out); err != nil {
		return nil, fmt.Errorf("-o %q: the extension must be .png, .jpg, .jpeg or .webp", o.out)
	}
	if o.quality < 0 || o.quality > 100 {
		return nil, fmt.Errorf("-quality %d: want 1..100", o.quality)
	}
	if o.pngLevel < 0 || o.pngLevel > 9 {
		return nil, fmt.Errorf("-png-level %d: want 0..9", o.pngLevel)
	}
	if o.timeout <= 0 {
		return nil, fmt.Errorf("-timeout must be positive")
	}
	if _, ok := glyphModes[o.glyphs]; !ok {
		return nil, fmt.Errorf("-glyphs %q: want url-first, local-first or url-only", o.glyphs)
	}
	return o, nil
}

// floats parses n comma-separated numbers.
func floats(s string, n int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("want %d numbers", n)
	}
	v := make([]float64, n)
	for i, p := range parts {
		var err error
		if v[i], err = strconv.ParseFloat(strings.TrimSpace(p), 64); err != nil {
			return nil, err
		}
	}
	return v, nil
}

var glyphModes = map[string]mapcore.GlyphsMode{
	"url-first": mapcore.GlyphsURLFirst, "local-first": mapcore.GlyphsLocalFirst, "url-only": mapcore.GlyphsURLOnly,
}

func isHTTP(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// readStyle returns the style JSON, or nil for a URL the runtime loads
// itself (builtin://).
func readStyle(o *options) ([]byte, error) {
	s := o.style
	switch {
	case strings.HasPrefix(s, "builtin://"):
		return nil, nil
	case isHTTP(s):
		resp, err := http.Get(s)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("HTTP %s", resp.Status)
		}
		return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	case strings.HasPrefix(s, "local://"):
		if o.assets == "" {
			return nil, fmt.Errorf("local:// needs -assets")
		}
		return os.ReadFile(filepath.Join(o.assets, filepath.FromSlash(strings.TrimPrefix(s, "local://"))))
	case strings.HasPrefix(s, "file://"):
		s = strings.TrimPrefix(s, "file://")
	}
	o.styleDir = filepath.Dir(s)
	if o.assets == "" {
		o.assets = filepath.Dir(s)
	}
	return os.ReadFile(s)
}

func run(args []string, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		msg := strings.ReplaceAll(fmt.Sprintf(format, a...), "\n", " ")
		fmt.Fprintln(stderr, "mapcore-render: "+msg)
		return 1
	}
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return fail("%v", err)
	}
	style, err := readStyle(o)
	if err != nil {
		return fail("style %s: %v", o.style, err)
	}
	if o.assets != "" {
		if abs, err := filepath.Abs(o.assets); err == nil {
			o.assets = abs
		}
	}
	if o.verbose {
		logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: mapcore.LevelTrace}))
		if err := mapcore.SetLogHandler(mapcore.SlogHandler(logger), mapcore.LogDebug); err != nil {
			return fail("%v", err)
		}
		defer mapcore.SetLogHandler(nil, mapcore.LogError)
	}

	var roots []string
	for _, d := range append([]string{o.styleDir}, o.allow...) {
		if d == "" {
			continue
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			return fail("-allow-files %s: %v", d, err)
		}
		roots = append(roots, abs)
	}
	var local mapcore.ResourceProvider
	if o.assets != "" {
		local = mapcore.DirProvider("local", o.assets)
	}
	var styleErr string
	failures := &failureCounts{n: map[failureKey]int{}}
	defer failures.report(stderr)
	r, err := mapcore.NewRenderer(&mapcore.RendererOptions{
		Workers: 1,
		Runtime: &mapcore.RuntimeOptions{
			AssetRoot: o.assets, AllowedRoots: roots, FontDirs: o.fonts, Glyphs: glyphModes[o.glyphs],
		},
		Provider: mapcore.ChainProviders(local, &mapcore.HTTPProvider{UserAgent: "mapcore-render"}),
		OnEvent: func(e mapcore.Event) {
			switch {
			case e.Type == mapcore.EventStyleError:
				styleErr = e.Message
			case e.Type == mapcore.EventWarning:
				fmt.Fprintln(stderr, "mapcore-render: warning: "+strings.ReplaceAll(e.Message, "\n", " "))
			case e.Type.IsFailure():
				// One line per failing kind of resource, not per tile: a source whose
				// every tile fails the same way says it once, with a count.
				if failures.first(e) {
					fmt.Fprintln(stderr, "mapcore-render: warning: "+strings.ReplaceAll(e.String(), "\n", " "))
				}
			}
		},
	})
	if err != nil {
		return fail("%v", err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	req := mapcore.Request{Style: o.style, Width: o.width, Height: o.height, PixelRatio: float32(o.ratio),
		Format: o.format, Quality: o.quality}
	if style != nil {
		req.Style = string(style)
	}
	if o.bounds != nil {
		req.Bounds, req.Padding, req.Bearing, req.Pitch = o.bounds, o.padding, o.bear, o.pitch
	} else if o.set["center"] || o.set["zoom"] || o.set["bearing"] || o.set["pitch"] {
		c := mapcore.Camera{Longitude: o.center[0], Latitude: o.center[1], Zoom: o.zoom, Bearing: o.bear, Pitch: o.pitch}
		for name, f := range map[string]mapcore.CameraFields{"center": mapcore.CameraCenter, "zoom": mapcore.CameraZoom,
			"bearing": mapcore.CameraBearing, "pitch": mapcore.CameraPitch} {
			if o.set[name] {
				c.Fields |= f
			}
		}
		req.Camera = &c
	}
	data, err := r.Render(ctx, req)
	if styleErr != "" {
		return fail("style %s: %s", o.style, styleErr)
	}
	if err != nil {
		if errors.Is(err, mapcore.ErrParse) {
			return fail("style %s: %v", o.style, err)
		}
		return fail("render: %v", err)
	}
	if err := os.WriteFile(o.out, data, 0o644); err != nil {
		return fail("writing %s: %v", o.out, err)
	}
	return 0
}

// failureKey groups failure events of one type, source and resource kind
// (the tiles of a source, whose URLs differ by tile).
type failureKey struct {
	typ    mapcore.EventType
	source string
	kind   mapcore.ResourceKind
}

// failureCounts counts failure events by failureKey (events may arrive on a
// worker's goroutine).
type failureCounts struct {
	mu sync.Mutex
	n  map[failureKey]int
}

// first counts e and says whether it is the first of its kind.
func (f *failureCounts) first(e mapcore.Event) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := failureKey{e.Type, e.SourceID, e.ResourceKind}
	f.n[k]++
	return f.n[k] == 1
}

// report prints one line per kind of failure seen more than once.
func (f *failureCounts) report(w io.Writer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, n := range f.n {
		if n > 1 {
			// A failure with no request (a GeoJSON tile cut here) has no kind.
			what := "failures"
			if k.kind != 0 {
				what = k.kind.String() + " failures"
			}
			fmt.Fprintf(w, "mapcore-render: warning: %d more %s (%s) for source %q, not shown\n", n-1, what, k.typ, k.source)
		}
	}
}
