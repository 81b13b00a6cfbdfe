package main

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	mapcore "mapcore.dev/mapcore/go"
)

// fixtureTiles are the vector tiles the repository ships.
var fixtureTiles = []struct {
	file string
	z    uint8
	x, y uint32
}{{"14-8802-5374.mvt", 14, 8802, 5374}, {"counties-7-37-48.mvt", 7, 37, 48}}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "tests", "fixtures", "tiles", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeFixtureMBTiles packs the fixture tiles into an MBTiles archive with
// the library's writer.
func writeFixtureMBTiles(t *testing.T, path string) {
	t.Helper()
	w, err := mapcore.CreateMBTiles(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtureTiles {
		if err := w.PutTile(f.z, f.x, f.y, readFixture(t, f.file)); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range map[string]string{"format": "pbf", "name": "fixture", "minzoom": "7", "maxzoom": "14",
		"json": `{"vector_layers":[{"id":"water"},{"id":"road"},{"id":"landuse"},{"id":"counties"}]}`} {
		if err := w.SetMetadata(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// fixtureConfig is a tileserver-gl folder over a real MBTiles archive.
func fixtureConfig(t *testing.T) string {
	t.Helper()
	path := configDir(t, nil)
	writeFixtureMBTiles(t, filepath.Join(filepath.Dir(path), "data", "fixture.mbtiles"))
	return path
}

func TestDataRouteServesTheMBTilesArchive(t *testing.T) {
	cfg, err := loadConfig(fixtureConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	archives, err := openArchives(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeArchives(archives)
	s, err := newServer(cfg, defaultServerOptions(), &fakeRenderer{}, archives, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	for _, f := range fixtureTiles {
		r := get(t, ts.URL+"/data/fixture/"+itoa(int(f.z))+"/"+itoa(int(f.x))+"/"+itoa(int(f.y))+".pbf")
		if r.code != 200 || r.body != string(readFixture(t, f.file)) || r.h.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("%s: %d, %d bytes", f.file, r.code, len(r.body))
		}
	}
	if r := get(t, ts.URL+"/data/fixture/14/8802/5375.pbf"); r.code != 204 {
		t.Errorf("a tile the archive lacks: %d", r.code)
	}
	r := get(t, ts.URL+"/data/fixture.json")
	for _, want := range []string{`"format":"pbf"`, `"minzoom":7`, `"maxzoom":14`, `"vector_layers"`, ts.URL + "/data/fixture/{z}/{x}/{y}.pbf"} {
		if !contains(r.body, want) {
			t.Errorf("/data/fixture.json lacks %s: %s", want, r.body)
		}
	}
}
