package main

import (
	"encoding/json"
	"fmt"

	mapcore "mapcore.dev/mapcore/go"
)

// libArchive reads an archive through the library (MBTiles via its
// bundled SQLite, PMTiles via its reader): one implementation of both
// formats, the same one styles' mbtiles:// and pmtiles:// URLs use.
type libArchive struct {
	a  *mapcore.Archive
	tj map[string]any
}

func openArchive(path string) (tileArchive, error) {
	a, err := mapcore.OpenArchive(path)
	if err != nil {
		return nil, err
	}
	raw, err := a.TileJSON()
	var tj map[string]any
	if err == nil {
		err = json.Unmarshal(raw, &tj)
	}
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("%s: metadata: %w", path, err)
	}
	delete(tj, "tiles")
	return &libArchive{a: a, tj: tj}, nil
}

func (l *libArchive) Tile(z uint8, x, y uint32) ([]byte, error) { return l.a.Tile(z, x, y) }
func (l *libArchive) TileJSON() map[string]any                  { return l.tj }
func (l *libArchive) Close() error                              { return l.a.Close() }
