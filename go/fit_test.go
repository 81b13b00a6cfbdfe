package mapcore

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// The bounds' corners, projected with the camera CameraForBounds returns,
// lie inside the padded view with one pair of edges touching, for several
// sizes, paddings and bearings (an independent check through the map's own
// projection).
func TestCameraForBoundsFits(t *testing.T) {
	lockThread(t)
	b := Bounds{West: 13.3, South: 52.45, East: 13.5, North: 52.56}
	for _, c := range []struct {
		w, h    int
		pad     EdgeInsets
		bearing float64
	}{
		{512, 512, EdgeInsets{}, 0},
		{400, 300, EdgeInsets{Top: 10, Right: 30, Bottom: 20, Left: 40}, 0},
		{300, 800, EdgeInsets{Top: 50, Right: 5, Bottom: 20, Left: 5}, 30},
		{256, 256, EdgeInsets{Top: 8, Right: 8, Bottom: 8, Left: 8}, -120},
	} {
		tm := openMap(t, c.w, c.h)
		cam, err := tm.m.CameraForBounds(b, c.pad, c.bearing, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := tm.m.JumpTo(cam); err != nil {
			t.Fatal(err)
		}
		minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range [][2]float64{{b.West, b.South}, {b.East, b.South}, {b.East, b.North}, {b.West, b.North}} {
			x, y, err := tm.m.PixelForLngLat(p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			minX, maxX, minY, maxY = math.Min(minX, x), math.Max(maxX, x), math.Min(minY, y), math.Max(maxY, y)
		}
		const eps = 1e-6
		l, r, top, bot := c.pad.Left, float64(c.w)-c.pad.Right, c.pad.Top, float64(c.h)-c.pad.Bottom
		if minX < l-eps || maxX > r+eps || minY < top-eps || maxY > bot+eps {
			t.Fatalf("%+v: box (%.3f,%.3f)-(%.3f,%.3f) outside the padded view", c, minX, minY, maxX, maxY)
		}
		touchX := math.Abs(minX-l) < eps && math.Abs(maxX-r) < eps
		touchY := math.Abs(minY-top) < eps && math.Abs(maxY-bot) < eps
		if !touchX && !touchY {
			t.Fatalf("%+v: no edge touches: (%.3f,%.3f)-(%.3f,%.3f)", c, minX, minY, maxX, maxY)
		}
		tm.rt.CloseAll()
	}
}

func TestCameraForBoundsErrors(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 100, 100)
	for _, c := range []struct {
		b    Bounds
		pad  EdgeInsets
		want string
	}{
		{Bounds{0, 10, 1, 5}, EdgeInsets{}, "south < north"},
		{Bounds{0, 0, 1, 1}, EdgeInsets{Left: 60, Right: 50}, "no room"},
		{Bounds{math.NaN(), 0, 1, 1}, EdgeInsets{}, "finite"},
	} {
		if _, err := tm.m.CameraForBounds(c.b, c.pad, 0, 0); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}
