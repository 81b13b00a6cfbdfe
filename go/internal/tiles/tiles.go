// Package tiles is the Web Mercator tile arithmetic the commands share:
// the camera that renders a raster tile, and the tiles covering a box.
package tiles

import (
	"fmt"
	"math"
)

// MaxLat is Web Mercator's latitude limit.
const MaxLat = 85.0511287798066

// Tile is z/x/y with XYZ rows (row 0 at the north).
type Tile struct {
	Z    uint8
	X, Y uint32
}

func (t Tile) String() string { return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y) }

// Center is the longitude and latitude of the tile's centre.
func (t Tile) Center() (lon, lat float64) {
	n := math.Exp2(float64(t.Z))
	lon = (float64(t.X)+0.5)/n*360 - 180
	lat = math.Atan(math.Sinh(math.Pi*(1-2*(float64(t.Y)+0.5)/n))) * 180 / math.Pi
	return
}

// View is what to render for a tile: MapLibre's zoom, the logical size
// (square) and the pixel ratio.
type View struct {
	Lon, Lat, Zoom float64
	Size           int
	Ratio          float64
}

// ViewOf is the render of tile t as a tileSize (256 or 512) raster at
// scale: MapLibre's zoom is z for 512-pixel tiles and z-1 for 256-pixel
// ones; z0 at 256 draws the 512-pixel world at half the ratio (MapLibre
// has no zoom -1).
func ViewOf(t Tile, tileSize int, scale float64) View {
	lon, lat := t.Center()
	v := View{Lon: lon, Lat: lat, Zoom: float64(t.Z), Size: tileSize, Ratio: scale}
	if tileSize == 256 {
		if t.Z == 0 {
			v.Size, v.Ratio = 512, scale/2
		} else {
			v.Zoom = float64(t.Z) - 1
		}
	}
	return v
}

// snap rounds v when it is within rounding error of a tile edge.
func snap(v float64) float64 {
	if r := math.Round(v); math.Abs(v-r) < 1e-6 {
		return r
	}
	return v
}

// fracX and fracY are the fractional tile column/row of a point at zoom z.
func fracX(lon float64, z uint8) float64 { return snap((lon + 180) / 360 * math.Exp2(float64(z))) }

func fracY(lat float64, z uint8) float64 {
	r := max(-MaxLat, min(MaxLat, lat)) * math.Pi / 180
	return snap((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * math.Exp2(float64(z)))
}

// clampTile keeps a tile index on the zoom's grid.
func clampTile(v float64, z uint8) uint32 {
	return uint32(max(0, min(math.Exp2(float64(z))-1, v)))
}

// Range is the tiles of one zoom covering a box: columns X0..X1, rows Y0..Y1.
type Range struct {
	Z              uint8
	X0, X1, Y0, Y1 uint32
}

// Count is the number of tiles in the range.
func (r Range) Count() uint64 { return uint64(r.X1-r.X0+1) * uint64(r.Y1-r.Y0+1) }

// Cover is the range of zoom z covering west, south, east, north
// (degrees; west < east, no antimeridian crossing).
func Cover(bbox [4]float64, z uint8) Range {
	// A box edge on a tile edge does not take in the next tile.
	x0, y0 := clampTile(math.Floor(fracX(bbox[0], z)), z), clampTile(math.Floor(fracY(bbox[3], z)), z)
	x1, y1 := clampTile(math.Ceil(fracX(bbox[2], z))-1, z), clampTile(math.Ceil(fracY(bbox[1], z))-1, z)
	return Range{Z: z, X0: x0, X1: max(x0, x1), Y0: y0, Y1: max(y0, y1)}
}
