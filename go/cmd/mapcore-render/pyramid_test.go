package main

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mapcore "mapcore.dev/mapcore/go"
	"mapcore.dev/mapcore/go/internal/tiles"
)

// A pyramid over the fixture tile (14/8802/5374, Berlin): z13-15 cover
// 1 + 1 + 4 tiles.
const pyramidStyle = `{"version":8,
"sources":{"v":{"type":"vector","tiles":["tiles/{z}/{x}/{y}.mvt"],"maxzoom":14}},
"layers":[{"id":"bg","type":"background","paint":{"background-color":"#f8f4f0"}},
 {"id":"landuse","type":"fill","source":"v","source-layer":"landuse","paint":{"fill-color":"#d8e8c8"}},
 {"id":"water","type":"fill","source":"v","source-layer":"water","paint":{"fill-color":"#a0c8f0"}},
 {"id":"road","type":"line","source":"v","source-layer":"road","paint":{"line-color":"#806040","line-width":2}}]}`

const berlinBBox = "13.4033203125,52.4961595310971,13.42529296875,52.50953477032728"

var pyramidTilesWant = []tiles.Tile{{Z: 13, X: 4401, Y: 2687}, {Z: 14, X: 8802, Y: 5374},
	{Z: 15, X: 17604, Y: 10748}, {Z: 15, X: 17605, Y: 10748}, {Z: 15, X: 17604, Y: 10749}, {Z: 15, X: 17605, Y: 10749}}

func pyramidDir(t *testing.T) string {
	t.Helper()
	tile, err := os.ReadFile(filepath.Join("..", "..", "..", "tests", "fixtures", "tiles", "14-8802-5374.mvt"))
	if err != nil {
		t.Fatal(err)
	}
	return writeFiles(t, map[string]string{"style.json": pyramidStyle, "tiles/14/8802/5374.mvt": string(tile)})
}

func runPyramidOK(t *testing.T, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	// 512 px tiles: z14 renders MapLibre's zoom 14, the fixture's.
	if code := runPyramid(append([]string{"-progress", "lines", "-tile-size", "512"}, args...), &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	return stderr.String()
}

func readArchive(t *testing.T, path string) map[tiles.Tile][]byte {
	t.Helper()
	a, err := mapcore.OpenArchive(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	out := map[tiles.Tile][]byte{}
	for _, tl := range pyramidTilesWant {
		b, err := a.Tile(tl.Z, tl.X, tl.Y)
		if err != nil || b == nil {
			t.Fatalf("%s: tile %v missing (%v)", path, tl, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() != 512 || img.Bounds().Dy() != 512 {
			t.Fatalf("%s: tile %v is not a 512 px PNG: %v", path, tl, err)
		}
		out[tl] = b
	}
	if b, _ := a.Tile(15, 17606, 10748); b != nil {
		t.Errorf("%s: a tile outside the box", path)
	}
	return out
}

func TestPyramidToPMTilesIsDeterministic(t *testing.T) {
	dir := pyramidDir(t)
	style := filepath.Join(dir, "style.json")
	a, b := filepath.Join(dir, "a.pmtiles"), filepath.Join(dir, "b.pmtiles")
	log := runPyramidOK(t, "-style", style, "-bbox", berlinBBox, "-zooms", "13-15", "-o", a, "-workers", "2")
	if !strings.Contains(log, "6 tiles, 0 already in the archive, 6 to render") || !strings.Contains(log, "rendered 6 tiles") {
		t.Errorf("progress: %s", log)
	}
	got := readArchive(t, a)
	if img, _ := png.Decode(bytes.NewReader(got[tiles.Tile{Z: 14, X: 8802, Y: 5374}])); img != nil {
		seen := map[[4]uint32]bool{}
		for y := 0; y < 512; y += 4 {
			for x := 0; x < 512; x += 4 {
				r, g, bl, al := img.At(x, y).RGBA()
				seen[[4]uint32{r, g, bl, al}] = true
			}
		}
		if len(seen) < 4 {
			t.Errorf("the z14 tile has %d colours: the fixture's features were not drawn", len(seen))
		}
	}
	runPyramidOK(t, "-style", style, "-bbox", berlinBBox, "-zooms", "13-15", "-o", b, "-workers", "1")
	ra, _ := os.ReadFile(a)
	rb, _ := os.ReadFile(b)
	if !bytes.Equal(ra, rb) {
		t.Error("two runs (2 workers, 1 worker) wrote different archives")
	}
}

func TestPyramidToMBTilesResumes(t *testing.T) {
	dir := pyramidDir(t)
	style := filepath.Join(dir, "style.json")
	out := filepath.Join(dir, "out.mbtiles")
	// Shards 1/2 and 2/2 into one archive: the second run adds the rest.
	runPyramidOK(t, "-style", style, "-bbox", berlinBBox, "-zooms", "13-15", "-o", out, "-shard", "1/2")
	log := runPyramidOK(t, "-style", style, "-bbox", berlinBBox, "-zooms", "13-15", "-o", out)
	if !strings.Contains(log, "6 tiles, 3 already in the archive, 3 to render") {
		t.Errorf("resume: %s", log)
	}
	log = runPyramidOK(t, "-style", style, "-bbox", berlinBBox, "-zooms", "13-15", "-o", out)
	if !strings.Contains(log, "6 already in the archive, 0 to render") {
		t.Errorf("a finished archive was rendered again: %s", log)
	}
	mb := readArchive(t, out)
	pm := filepath.Join(dir, "same.pmtiles")
	runPyramidOK(t, "-style", style, "-bbox", berlinBBox, "-zooms", "13-15", "-o", pm)
	for tl, b := range readArchive(t, pm) {
		if !bytes.Equal(b, mb[tl]) {
			t.Errorf("tile %v differs between the MBTiles and PMTiles runs", tl)
		}
	}
}

func TestPyramidFlagErrors(t *testing.T) {
	dir := pyramidDir(t)
	style := filepath.Join(dir, "style.json")
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"-o", "x.pmtiles"}, "-style is required"},
		{[]string{"-style", style, "-o", "x.png"}, ".mbtiles or .pmtiles"},
		{[]string{"-style", style, "-o", "x.pmtiles", "-bbox", "10,0,5,1"}, "-bbox"},
		{[]string{"-style", style, "-o", "x.pmtiles", "-zooms", "5-3"}, "-zooms"},
		{[]string{"-style", style, "-o", "x.pmtiles", "-tile-size", "300"}, "-tile-size"},
		{[]string{"-style", style, "-o", "x.pmtiles", "-shard", "3/2"}, "-shard"},
		{[]string{"-style", style, "-o", "x.pmtiles", "-zooms", "0-22"}, "split the run"},
		{[]string{"-style", style, "-o", "x.pmtiles", "-format", "gif"}, "-format"},
	} {
		var stderr bytes.Buffer
		code := runPyramid(append([]string{"-progress", "none"}, c.args...), &stderr)
		if code != 1 || !strings.Contains(stderr.String(), c.says) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, %q (want %q on one line)", c.args, code, stderr.String(), c.says)
		}
	}
}

func TestPyramidInterruptedKeepsWhatItWrote(t *testing.T) {
	dir := pyramidDir(t)
	o, err := parsePyramidFlags([]string{"-style", filepath.Join(dir, "style.json"), "-bbox", berlinBBox, "-zooms", "13-15",
		"-tile-size", "512", "-workers", "1", "-o", filepath.Join(dir, "i.mbtiles")}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pyramidTiles(o)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := mapcore.NewRenderer(&mapcore.RendererOptions{Workers: 1, Runtime: &mapcore.RuntimeOptions{AssetRoot: dir, AllowedRoots: []string{dir}}})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	sink, err := openSink(o, "i")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // interrupted before the first tile is written
	err = renderInOrder(ctx, pool, o, []byte(pyramidStyle), list, []int{0, 1, 2, 3, 4, 5}, sink, newProgress(io.Discard, "none", 6, 0))
	if err == nil || !strings.Contains(err.Error(), "interrupted after 0 of 6 tiles") {
		t.Errorf("%v", err)
	}
	sink.abort()
	log := runPyramidOK(t, "-style", filepath.Join(dir, "style.json"), "-bbox", berlinBBox, "-zooms", "13-15", "-o", o.out)
	if !strings.Contains(log, "6 to render") {
		t.Errorf("resume after the interruption: %s", log)
	}
}
