package main

import "testing"

// flat returns a w x h image of one colour.
func flat(w, h int, c [4]byte) []byte {
	b := make([]byte, w*h*4)
	for i := 0; i < len(b); i += 4 {
		copy(b[i:], c[:])
	}
	return b
}

func set(img []byte, w, x, y int, c [4]byte) { copy(img[(y*w+x)*4:], c[:]) }

var (
	black = [4]byte{0, 0, 0, 255}
	white = [4]byte{255, 255, 255, 255}
	gray  = [4]byte{128, 128, 128, 255}
)

func mustMatch(t *testing.T, a, b []byte, w, h int, th float64) (int, []byte) {
	t.Helper()
	n, diff, err := Pixelmatch(a, b, w, h, th)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) != w*h*4 {
		t.Fatalf("diff image has %d bytes", len(diff))
	}
	return n, diff
}

func TestPixelmatchIdentical(t *testing.T) {
	a := flat(7, 5, [4]byte{10, 200, 30, 255})
	set(a, 7, 3, 2, black)
	if n, _ := mustMatch(t, a, append([]byte(nil), a...), 7, 5, 0.13); n != 0 {
		t.Errorf("identical images: %d mismatches", n)
	}
	// Fully transparent pixels of any colour look the same (white).
	if n, _ := mustMatch(t, flat(3, 3, [4]byte{0, 0, 0, 0}), flat(3, 3, [4]byte{255, 0, 0, 0}), 3, 3, 0); n != 0 {
		t.Errorf("transparent pixels differ: %d", n)
	}
	// Transparent equals white after blending.
	if n, _ := mustMatch(t, flat(3, 3, [4]byte{0, 0, 0, 0}), flat(3, 3, white), 3, 3, 0); n != 0 {
		t.Errorf("transparent vs white: %d", n)
	}
}

func TestPixelmatchOneChangedPixel(t *testing.T) {
	a := flat(9, 9, white)
	b := flat(9, 9, white)
	set(b, 9, 4, 4, black)
	n, diff := mustMatch(t, a, b, 9, 9, 0.13)
	if n != 1 {
		t.Fatalf("one changed pixel: %d mismatches", n)
	}
	if p := diff[(4*9+4)*4:][:4]; p[0] != 255 || p[1] != 0 || p[2] != 0 {
		t.Errorf("mismatch drawn as %v, want red", p)
	}
	// Also at the border and in a corner.
	set(b, 9, 0, 0, black)
	set(b, 9, 8, 3, black)
	if n, _ := mustMatch(t, a, b, 9, 9, 0.13); n != 3 {
		t.Errorf("three changed pixels: %d mismatches", n)
	}
}

func TestPixelmatchAntialiasedEdge(t *testing.T) {
	// Black left (x < 2), white right; b has a grey edge pixel at (2, 2)
	// between the two flat areas: anti-aliasing, not counted.
	const w, h = 5, 5
	a := flat(w, h, white)
	for y := 0; y < h; y++ {
		for x := 0; x < 2; x++ {
			set(a, w, x, y, black)
		}
	}
	b := append([]byte(nil), a...)
	set(b, w, 2, 2, gray)
	n, diff := mustMatch(t, a, b, w, h, 0.13)
	if n != 0 {
		t.Fatalf("anti-aliased edge pixel counted: %d mismatches", n)
	}
	if p := diff[(2*w+2)*4:][:4]; p[0] != 255 || p[1] != 255 || p[2] != 0 {
		t.Errorf("anti-aliased pixel drawn as %v, want yellow", p)
	}
	// The same grey pixel inside the flat white area is a real difference.
	c := append([]byte(nil), a...)
	set(c, w, 3, 2, gray)
	if n, _ := mustMatch(t, a, c, w, h, 0.13); n != 1 {
		t.Errorf("grey pixel inside a flat area: %d mismatches, want 1", n)
	}
}

func TestPixelmatchThreshold(t *testing.T) {
	a := flat(4, 4, black)
	b := flat(4, 4, [4]byte{20, 20, 20, 255}) // YIQ delta 0.5053*20² ≈ 202
	for _, c := range []struct {
		th   float64
		want int
	}{{0.13, 0}, {0.1, 0}, {0.05, 16}, {0, 16}} {
		if n, _ := mustMatch(t, a, b, 4, 4, c.th); n != c.want {
			t.Errorf("threshold %g: %d mismatches, want %d", c.th, n, c.want)
		}
	}
	if n, _ := mustMatch(t, flat(4, 4, black), flat(4, 4, white), 4, 4, 1); n != 0 {
		t.Errorf("threshold 1 (the maximum distance): %d mismatches", n)
	}
	if _, _, err := Pixelmatch(a, b, 4, 4, 1.5); err == nil {
		t.Error("threshold 1.5 accepted")
	}
	if _, _, err := Pixelmatch(a, b[:8], 4, 4, 0.1); err == nil {
		t.Error("size mismatch accepted")
	}
}
