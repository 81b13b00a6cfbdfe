package main

import (
	"context"

	"mapcore.dev/mapcore/go/internal/tiles"
)

// renderRequest is one image to draw: a style (by id), a camera or bounds,
// a size in logical pixels, a pixel ratio and a format (png, jpg, webp).
type renderRequest struct {
	style          string
	lon, lat, zoom float64
	bearing, pitch float64
	bounds         *[4]float64 // west, south, east, north: fit instead of the camera
	padding        float64     // logical pixels around bounds
	width, height  int
	ratio          float64
	format         string
}

// tileRenderer draws encoded images; the server's only view of the
// rendering engine (the real one is a mapcore.Renderer, tests use a fake).
// Render must honour ctx's deadline and be safe for concurrent use.
type tileRenderer interface {
	Render(ctx context.Context, req renderRequest) ([]byte, error)
}

// tileArchive reads one archive's tiles (safe for concurrent use).
type tileArchive interface {
	// Tile returns the tile as stored (vector tiles may be gzip'd), or nil
	// when the archive has none at z/x/y (XYZ rows).
	Tile(z uint8, x, y uint32) ([]byte, error)
	// TileJSON is the archive's metadata as a TileJSON object.
	TileJSON() map[string]any
	Close() error
}

// tileRequest is the render of tile z/x/y of tileSize (256 or 512)
// logical pixels at scale (tiles.ViewOf).
func tileRequest(style string, tileSize int, z uint8, x, y uint32, scale float64, format string) renderRequest {
	v := tiles.ViewOf(tiles.Tile{Z: z, X: x, Y: y}, tileSize, scale)
	return renderRequest{style: style, lon: v.Lon, lat: v.Lat, zoom: v.Zoom, width: v.Size, height: v.Size, ratio: v.Ratio, format: format}
}
