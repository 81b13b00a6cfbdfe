package pmtiles

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	mapcore "mapcore.dev/mapcore/go"
)

// The archives are read back with the library's PMTiles reader (an
// independent implementation of the same specification).

type tile struct {
	z    uint8
	x, y uint32
}

func inOrder(tiles []tile) []tile {
	sort.Slice(tiles, func(i, j int) bool {
		return TileID(tiles[i].z, tiles[i].x, tiles[i].y) < TileID(tiles[j].z, tiles[j].x, tiles[j].y)
	})
	return tiles
}

func write(t *testing.T, path string, tiles []tile, content func(tile) []byte) {
	t.Helper()
	w, err := Create(path, Options{TileType: TypePNG, Bounds: [4]float64{-180, -85, 180, 85},
		Metadata: map[string]any{"name": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tiles {
		if err := w.Add(tl.z, tl.x, tl.y, content(tl)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
}

func TestTileIDsFollowTheSpecification(t *testing.T) {
	// Values from the PMTiles v3 specification's examples.
	for _, c := range []struct {
		z    uint8
		x, y uint32
		id   uint64
	}{{0, 0, 0, 0}, {1, 0, 0, 1}, {1, 0, 1, 2}, {1, 1, 1, 3}, {1, 1, 0, 4}, {2, 0, 0, 5}} {
		if got := TileID(c.z, c.x, c.y); got != c.id {
			t.Errorf("%d/%d/%d: id %d, want %d", c.z, c.x, c.y, got, c.id)
		}
	}
}

func TestRoundTripDedupAndLeaves(t *testing.T) {
	dir := t.TempDir()
	var tiles []tile
	for z := uint8(0); z <= 7; z++ {
		for x := uint32(0); x < 1<<z; x++ {
			for y := uint32(0); y < 1<<z; y++ {
				tiles = append(tiles, tile{z, x, y})
			}
		}
	}
	tiles = inOrder(tiles)
	// Every third tile is "sea" (identical); the others are distinct.
	content := func(tl tile) []byte {
		if (tl.x+tl.y)%3 == 0 {
			return []byte("sea")
		}
		return []byte(fmt.Sprintf("tile %d/%d/%d %x", tl.z, tl.x, tl.y, TileID(tl.z, tl.x, tl.y)*2654435761))
	}
	path := filepath.Join(dir, "a.pmtiles")
	write(t, path, tiles, content)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	leafLen := binary.LittleEndian.Uint64(raw[8+5*8:])
	addressed, contents := binary.LittleEndian.Uint64(raw[8+8*8:]), binary.LittleEndian.Uint64(raw[8+10*8:])
	if leafLen == 0 {
		t.Errorf("%d entries fit in the root directory: the leaf path is not exercised", len(tiles))
	}
	if addressed != uint64(len(tiles)) || contents >= addressed {
		t.Errorf("addressed %d, contents %d: identical tiles were not stored once", addressed, contents)
	}
	a, err := mapcore.OpenArchive(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for i, tl := range tiles {
		if i%97 != 0 && tl.z < 7 {
			continue
		}
		got, err := a.Tile(tl.z, tl.x, tl.y)
		if err != nil || !bytes.Equal(got, content(tl)) {
			t.Fatalf("%v: %q, %v", tl, got, err)
		}
	}
	// Deterministic: the same tiles give the same bytes.
	again := filepath.Join(dir, "b.pmtiles")
	write(t, again, tiles, content)
	if raw2, _ := os.ReadFile(again); !bytes.Equal(raw, raw2) {
		t.Error("two writes of the same tiles differ")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".pmtiles-data-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestOutOfOrderAndBadTilesAreRefused(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "c.pmtiles"), Options{TileType: TypePNG})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.Add(1, 1, 1, []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := w.Add(1, 0, 0, []byte("b")); err == nil {
		t.Error("a tile out of order was accepted")
	}
	if err := w.Add(1, 2, 0, []byte("b")); err == nil {
		t.Error("x beyond the zoom was accepted")
	}
	if err := w.Add(2, 0, 0, nil); err == nil {
		t.Error("an empty tile was accepted")
	}
}
