package mapcore

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"mapcore.dev/mapcore/go/internal/pmtiles"
)

// Tile archives through the public API: a PMTiles archive written by the
// commands' writer (go/internal/pmtiles, written from the PMTiles v3
// specification independently of the library's reader) out of the
// repository's fixture tiles renders the same pixels as the loose tiles; a
// truncated archive is an error event naming the cause; an archive outside
// the allowed roots is refused.

type archiveTile struct {
	z    uint8
	x, y uint32
	data []byte
}

// writePMTiles builds a PMTiles v3 archive at path with the commands'
// writer (go/internal/pmtiles): gzip'd directories and metadata, plain
// (uncompressed) MVT tiles.
func writePMTiles(t testing.TB, path string, tiles []archiveTile, metadata map[string]any) {
	sort.Slice(tiles, func(i, j int) bool {
		return pmtiles.TileID(tiles[i].z, tiles[i].x, tiles[i].y) < pmtiles.TileID(tiles[j].z, tiles[j].x, tiles[j].y)
	})
	w, err := pmtiles.Create(path, pmtiles.Options{TileType: pmtiles.TypeMVT, Bounds: [4]float64{-180, -85, 180, 85},
		Metadata: metadata})
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tiles {
		if err := w.Add(tl.z, tl.x, tl.y, tl.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
}

func tileCentre(z uint8, x, y uint32) (lng, lat float64) {
	n := float64(uint32(1) << z)
	lng = (float64(x)+0.5)/n*360 - 180
	lat = math.Atan(math.Sinh(math.Pi*(1-2*(float64(y)+0.5)/n))) * 180 / math.Pi
	return
}

func archiveStyle(source string, lng, lat, zoom float64) string {
	return fmt.Sprintf(`{"version":8,"center":[%v,%v],"zoom":%v,"sources":{"s":%s},"layers":[
{"id":"bg","type":"background","paint":{"background-color":"#f8f4f0"}},
{"id":"landuse","type":"fill","source":"s","source-layer":"landuse","paint":{"fill-color":"#d8e8c8"}},
{"id":"water","type":"fill","source":"s","source-layer":"water","paint":{"fill-color":"#a0c8f0"}},
{"id":"counties","type":"fill","source":"s","source-layer":"counties","paint":{"fill-color":"#e0a080","fill-outline-color":"#603020"}},
{"id":"road","type":"line","source":"s","source-layer":"road","paint":{"line-color":"#806040","line-width":2}}]}`,
		lng, lat, zoom, source)
}

// archiveFixture writes the fixture tiles loose (vector/{z}/{x}/{y}.mvt) and
// as one PMTiles archive into a temporary folder.
func archiveFixture(t *testing.T) (dir, archive string) {
	t.Helper()
	dir = t.TempDir()
	var tiles []archiveTile
	for _, f := range []struct {
		file string
		z    uint8
		x, y uint32
	}{{"14-8802-5374.mvt", 14, 8802, 5374}, {"counties-7-37-48.mvt", 7, 37, 48}} {
		b, err := os.ReadFile(filepath.Join("..", "tests", "fixtures", "tiles", f.file))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "vector", fmt.Sprint(f.z), fmt.Sprint(f.x), fmt.Sprintf("%d.mvt", f.y))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		tiles = append(tiles, archiveTile{f.z, f.x, f.y, b})
	}
	archive = filepath.Join(dir, "fixture.pmtiles")
	layers := []any{}
	for _, id := range []string{"landuse", "water", "road", "counties"} {
		layers = append(layers, map[string]any{"id": id})
	}
	writePMTiles(t, archive, tiles, map[string]any{"name": "fixture", "vector_layers": layers})
	return dir, archive
}

func (tm *testMap) pixels(t *testing.T) []byte {
	t.Helper()
	info, err := tm.s.ImageInfo()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, info.ByteLength)
	if _, err := tm.s.ReadPixels(buf); err != nil {
		t.Fatal(err)
	}
	return buf
}

func failures(evs []Event) []Event {
	var out []Event
	for _, e := range evs {
		if e.Type.IsFailure() {
			out = append(out, e)
		}
	}
	return out
}

// archiveViews are the fixture tiles the archive tests render, each with a
// zoom to view it at.
var archiveViews = []struct {
	z    uint8
	x, y uint32
	zoom float64
}{{14, 8802, 5374, 14.3}, {7, 37, 48, 7.4}}

func TestPMTilesArchiveRendersLikeLooseTiles(t *testing.T) {
	dir, archive := archiveFixture(t)
	lockThread(t)
	tm := openMapWith(t, 256, 256, &RuntimeOptions{AllowedRoots: []string{dir}})
	loose := fmt.Sprintf(`{"type":"vector","tiles":["file://%s/vector/{z}/{x}/{y}.mvt"],"maxzoom":14}`, filepath.ToSlash(dir))
	packed := fmt.Sprintf(`{"type":"vector","url":"pmtiles://%s"}`, filepath.ToSlash(archive))
	for _, c := range archiveViews {
		lng, lat := tileCentre(c.z, c.x, c.y)
		tm.render(t, archiveStyle(loose, lng, lat, c.zoom))
		want := tm.pixels(t)
		if f := failures(tm.events(t)); len(f) > 0 {
			t.Fatalf("loose tiles: %v", f)
		}
		colours := map[[4]byte]bool{}
		for i := 0; i+4 <= len(want); i += 4 {
			colours[[4]byte(want[i:i+4])] = true
		}
		if len(colours) < 4 {
			t.Fatalf("z%d: the loose tiles drew %d colours: no map to compare", c.z, len(colours))
		}
		tm.render(t, archiveStyle(packed, lng, lat, c.zoom))
		got := tm.pixels(t)
		if f := failures(tm.events(t)); len(f) > 0 {
			t.Fatalf("archive: %v", f)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("z%d: the archive's pixels differ from the loose tiles'", c.z)
		}
	}
}

func TestArchiveErrorsAreEvents(t *testing.T) {
	dir, archive := archiveFixture(t)
	good, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.pmtiles")
	if err := os.WriteFile(truncated, good[:90], 0o644); err != nil {
		t.Fatal(err)
	}
	lockThread(t)
	elsewhere := t.TempDir()
	tm := openMapWith(t, 64, 64, &RuntimeOptions{AllowedRoots: []string{dir, elsewhere}})
	for _, c := range []struct{ url, cause string }{
		{"pmtiles://" + filepath.ToSlash(truncated), "PMTiles header truncated (90 of 127 bytes)"},
		{"pmtiles://" + filepath.ToSlash(filepath.Join(dir, "missing.pmtiles")), "not found"},
	} {
		tm.render(t, archiveStyle(fmt.Sprintf(`{"type":"vector","url":%q}`, c.url), 0, 0, 1))
		if _, ok := findEvent(tm.events(t), EventResourceError, c.cause); !ok {
			t.Errorf("%s: no resource error naming %q", c.url, c.cause)
		}
	}
	// Outside the allowed roots: refused. (One runtime per thread: the
	// first goes first.)
	if err := tm.rt.CloseAll(); err != nil {
		t.Fatal(err)
	}
	tm2 := openMapWith(t, 64, 64, &RuntimeOptions{AllowedRoots: []string{elsewhere}})
	tm2.render(t, archiveStyle(fmt.Sprintf(`{"type":"vector","url":"pmtiles://%s"}`, filepath.ToSlash(archive)), 0, 0, 1))
	e, ok := findEvent(tm2.events(t), EventResourceError, "local file refused")
	if !ok || !strings.Contains(e.Message, "allowed root") {
		t.Errorf("an archive outside the allowed roots was not refused: %v", e)
	}
}

func TestOpenArchiveAndMBTilesWriter(t *testing.T) {
	dir, pm := archiveFixture(t)
	tile, err := os.ReadFile(filepath.Join(dir, "vector", "14", "8802", "5374.mvt"))
	if err != nil {
		t.Fatal(err)
	}
	mb := filepath.Join(dir, "fixture.mbtiles")
	w, err := CreateMBTiles(mb)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.PutTile(14, 8802, 5374, tile); err != nil {
		t.Fatal(err)
	}
	if err := w.SetMetadata("format", "pbf"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil || w.Close() != nil {
		t.Fatalf("close: %v", err)
	}
	if err := w.PutTile(0, 0, 0, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("a closed writer: %v", err)
	}
	w, err = CreateMBTiles(mb) // resume
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := w.HasTile(14, 8802, 5374); !ok || err != nil {
		t.Errorf("resumed archive lacks its tile: %v %v", ok, err)
	}
	if err := w.PutTile(2, 4, 0, []byte("x")); !errors.Is(err, ErrIO) {
		t.Errorf("x out of range: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{mb, pm} {
		a, err := OpenArchive(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Tile(14, 8802, 5374)
		if err != nil || !bytes.Equal(got, tile) {
			t.Errorf("%s: the tile differs (%d bytes, %v)", path, len(got), err)
		}
		if got, err := a.Tile(3, 0, 0); got != nil || err != nil {
			t.Errorf("%s: a missing tile: %d bytes, %v", path, len(got), err)
		}
		tj, err := a.TileJSON()
		if err != nil || !bytes.Contains(tj, []byte(`"format":"pbf"`)) {
			t.Errorf("%s: TileJSON %s %v", path, tj, err)
		}
		if err := a.Close(); err != nil || a.Close() != nil {
			t.Errorf("close: %v", err)
		}
		if _, err := a.Tile(14, 8802, 5374); !errors.Is(err, ErrClosed) {
			t.Errorf("a closed archive: %v", err)
		}
	}
	if _, err := OpenArchive(filepath.Join(dir, "vector", "14", "8802", "5374.mvt")); !errors.Is(err, ErrParse) {
		t.Errorf("a tile is not an archive: %v", err)
	}
}
