package tiles

import (
	"math"
	"testing"
)

func TestViewOfMatchesMapLibreZooms(t *testing.T) {
	for _, c := range []struct {
		t        Tile
		size     int
		scale    float64
		zoom     float64
		px       int
		ratio    float64
		lon, lat float64
	}{
		{Tile{0, 0, 0}, 256, 1, 0, 512, 0.5, 0, 0},
		{Tile{0, 0, 0}, 512, 2, 0, 512, 2, 0, 0},
		{Tile{1, 1, 0}, 256, 1, 0, 256, 1, 90, 66.51326044311186},
		{Tile{14, 8802, 5374}, 512, 1, 14, 512, 1, 13.414306640625, 52.50284765940396},
	} {
		v := ViewOf(c.t, c.size, c.scale)
		if v.Zoom != c.zoom || v.Size != c.px || v.Ratio != c.ratio || math.Abs(v.Lon-c.lon) > 1e-9 || math.Abs(v.Lat-c.lat) > 1e-9 {
			t.Errorf("%v at %d: %+v", c.t, c.size, v)
		}
	}
}

func TestCover(t *testing.T) {
	world := [4]float64{-180, -MaxLat, 180, MaxLat}
	for z := uint8(0); z < 5; z++ {
		if r := Cover(world, z); r.Count() != 1<<(2*z) {
			t.Errorf("z%d world: %+v (%d tiles)", z, r, r.Count())
		}
	}
	// The fixture tile's own bounds cover exactly that tile.
	berlin := [4]float64{13.4033203125, 52.4961595310971, 13.42529296875, 52.50953477032728}
	if r := Cover(berlin, 14); r != (Range{14, 8802, 8802, 5374, 5374}) {
		t.Errorf("z14: %+v", r)
	}
	if r := Cover(berlin, 15); r.Count() != 4 {
		t.Errorf("z15: %+v", r)
	}
}
