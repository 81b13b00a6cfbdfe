package main

import "fmt"

// Pixelmatch compares two RGBA8 images of the same size as the pixelmatch
// algorithm does (Mapbox's image comparison, as the render suite used it):
//
//   - Each pixel is blended over white (by its alpha) and converted to YIQ;
//     the squared YIQ distance 0.5053·ΔY² + 0.299·ΔI² + 0.1957·ΔQ² is compared
//     with the maximum 35215·threshold² (35215 is the largest possible
//     distance, between black and white).
//   - A pixel over the threshold is counted as a mismatch unless it looks
//     anti-aliased in either image: among its 8 neighbours (fewer at the
//     border, which counts as one "equal" neighbour) at most two have the same
//     brightness, both a darker and a brighter neighbour exist, and the
//     darkest or the brightest of them has at least three identical
//     neighbours in both images (it lies in a flat region: the pixel is an
//     edge between two flat areas).
//
// It returns the number of mismatched pixels and a diff image: unchanged
// pixels as faded grey, anti-aliased differences yellow, mismatches red.
func Pixelmatch(a, b []byte, width, height int, threshold float64) (int, []byte, error) {
	n := width * height * 4
	if width <= 0 || height <= 0 || len(a) != n || len(b) != n {
		return 0, nil, fmt.Errorf("pixelmatch: %d and %d bytes for a %dx%d RGBA image", len(a), len(b), width, height)
	}
	if threshold < 0 || threshold > 1 {
		return 0, nil, fmt.Errorf("pixelmatch: threshold %g not in 0..1", threshold)
	}
	out := make([]byte, n)
	maxDelta := 35215 * threshold * threshold
	diff := 0
	for y := 0; y < height; y++ {
		for x := 0; x < width; x++ {
			pos := (y*width + x) * 4
			d := colorDelta(a, b, pos, pos, false)
			if d < 0 {
				d = -d
			}
			switch {
			case d <= maxDelta:
				drawGray(a, pos, 0.1, out)
			case antialiased(a, x, y, width, height, b) || antialiased(b, x, y, width, height, a):
				drawRGB(out, pos, 255, 255, 0)
			default:
				drawRGB(out, pos, 255, 0, 0)
				diff++
			}
		}
	}
	return diff, out, nil
}

func drawRGB(out []byte, pos int, r, g, b byte) {
	out[pos], out[pos+1], out[pos+2], out[pos+3] = r, g, b, 255
}

func drawGray(img []byte, pos int, alpha float64, out []byte) {
	y := rgb2y(float64(img[pos]), float64(img[pos+1]), float64(img[pos+2]))
	v := blend(y, alpha*float64(img[pos+3])/255)
	if v < 0 {
		v = 0
	} else if v > 255 {
		v = 255
	}
	drawRGB(out, pos, byte(v), byte(v), byte(v))
}

func blend(c, a float64) float64 { return 255 + (c-255)*a }

func rgb2y(r, g, b float64) float64 { return r*0.29889531 + g*0.58662247 + b*0.11448223 }
func rgb2i(r, g, b float64) float64 { return r*0.59597799 - g*0.27417610 - b*0.32180189 }
func rgb2q(r, g, b float64) float64 { return r*0.21147017 - g*0.52261711 + b*0.31114694 }

func samePixel(a, b []byte, k, m int) bool {
	return a[k] == b[m] && a[k+1] == b[m+1] && a[k+2] == b[m+2] && a[k+3] == b[m+3]
}

// overWhite returns pixel k blended over white.
func overWhite(p []byte, k int) (float64, float64, float64) {
	r, g, b := float64(p[k]), float64(p[k+1]), float64(p[k+2])
	if p[k+3] < 255 {
		a := float64(p[k+3]) / 255
		return blend(r, a), blend(g, a), blend(b, a)
	}
	return r, g, b
}

// colorDelta is the squared YIQ distance of pixel k of a and pixel m of b,
// negative when the first is brighter; with yOnly, the brightness
// difference alone.
func colorDelta(a, b []byte, k, m int, yOnly bool) float64 {
	if samePixel(a, b, k, m) {
		return 0
	}
	r1, g1, b1 := overWhite(a, k)
	r2, g2, b2 := overWhite(b, m)
	y1, y2 := rgb2y(r1, g1, b1), rgb2y(r2, g2, b2)
	dy := y1 - y2
	if yOnly {
		return dy
	}
	di := rgb2i(r1, g1, b1) - rgb2i(r2, g2, b2)
	dq := rgb2q(r1, g1, b1) - rgb2q(r2, g2, b2)
	d := 0.5053*dy*dy + 0.299*di*di + 0.1957*dq*dq
	if y1 > y2 {
		return -d
	}
	return d
}

// neighbourhood returns the 3x3 box around (x, y) clipped to the image and 1
// when (x, y) is on the border.
func neighbourhood(x, y, w, h int) (x0, y0, x2, y2, border int) {
	x0, y0, x2, y2 = max(x-1, 0), max(y-1, 0), min(x+1, w-1), min(y+1, h-1)
	if x == x0 || x == x2 || y == y0 || y == y2 {
		border = 1
	}
	return
}

func antialiased(img []byte, x1, y1, w, h int, other []byte) bool {
	x0, y0, x2, y2, zeroes := neighbourhood(x1, y1, w, h)
	pos := (y1*w + x1) * 4
	var lo, hi float64
	var loX, loY, hiX, hiY int
	for x := x0; x <= x2; x++ {
		for y := y0; y <= y2; y++ {
			if x == x1 && y == y1 {
				continue
			}
			d := colorDelta(img, img, pos, (y*w+x)*4, true)
			switch {
			case d == 0:
				zeroes++
				if zeroes > 2 {
					return false
				}
			case d < lo:
				lo, loX, loY = d, x, y
			case d > hi:
				hi, hiX, hiY = d, x, y
			}
		}
	}
	if lo == 0 || hi == 0 {
		return false
	}
	return (manySiblings(img, loX, loY, w, h) && manySiblings(other, loX, loY, w, h)) ||
		(manySiblings(img, hiX, hiY, w, h) && manySiblings(other, hiX, hiY, w, h))
}

// manySiblings reports whether pixel (x1, y1) has at least three neighbours
// of exactly its colour (the border counting as one).
func manySiblings(img []byte, x1, y1, w, h int) bool {
	x0, y0, x2, y2, zeroes := neighbourhood(x1, y1, w, h)
	pos := (y1*w + x1) * 4
	for x := x0; x <= x2; x++ {
		for y := y0; y <= y2; y++ {
			if x == x1 && y == y1 {
				continue
			}
			if samePixel(img, img, pos, (y*w+x)*4) {
				zeroes++
			}
			if zeroes > 2 {
				return true
			}
		}
	}
	return false
}
