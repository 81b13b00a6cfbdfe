package mapcore

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Stretchable images added at run time (issue 12): AddImageWithOptions with
// stretch zones and a content box, under icon-text-fit, draws the same PNG
// as the same image from a sprite whose index states the same zones.

// stretchPill is a 24x16 pill: a dark 4 px frame, red corners, light inside.
func stretchPill() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 24, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 24; x++ {
			ex, ey := x < 4 || x >= 20, y < 4 || y >= 12
			c := color.NRGBA{230, 230, 250, 255}
			switch {
			case ex && ey:
				c = color.NRGBA{200, 0, 0, 255}
			case ex || ey:
				c = color.NRGBA{20, 40, 120, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func stretchStyle(sprite string) string {
	s := `{"version":8,"center":[0,0],"zoom":1,` + sprite + `"sources":{"p":{"type":"geojson","data":{"type":"Feature","properties":{},
"geometry":{"type":"Point","coordinates":[0,0]}}}},"layers":[{"id":"bg","type":"background","paint":{"background-color":"white"}},
{"id":"s","type":"symbol","source":"p","layout":{"text-field":"A long label here","text-size":14,"icon-image":"pill",
"icon-text-fit":"both","icon-text-fit-padding":[3,4,3,4]}}]}`
	return s
}

func TestAddedStretchableImageFitsTextLikeTheSprite(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := png.Encode(&buf, stretchPill()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s.png"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	index := `{"pill":{"x":0,"y":0,"width":24,"height":16,"pixelRatio":1,"stretchX":[[4,20]],"stretchY":[[4,12]],"content":[4,4,20,12]}}`
	if err := os.WriteFile(filepath.Join(dir, "s.json"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	lockThread(t)
	tm := openMapWith(t, 200, 80, &RuntimeOptions{AllowedRoots: []string{dir}})
	render := func(style string, add func() error) []byte {
		t.Helper()
		if err := tm.m.SetStyleJSON([]byte(style)); err != nil {
			t.Fatal(err)
		}
		if add != nil {
			if err := add(); err != nil {
				t.Fatal(err)
			}
		}
		if err := tm.s.RenderStill(context.Background()); err != nil {
			t.Fatal(err)
		}
		if f := failures(tm.events(t)); len(f) > 0 {
			t.Fatal(f)
		}
		return tm.png(t)
	}
	fromSprite := render(stretchStyle(`"sprite":"file://`+filepath.ToSlash(dir)+`/s",`), nil)
	opts := &ImageOptions{StretchX: [][2]float32{{4, 20}}, StretchY: [][2]float32{{4, 12}}, Content: &[4]float32{4, 4, 20, 12}}
	added := render(stretchStyle(""), func() error { return tm.m.AddImageWithOptions("pill", stretchPill(), opts) })
	plain := render(stretchStyle(""), func() error { return tm.m.AddImage("pill", stretchPill(), 1, false) })
	if !bytes.Equal(added, fromSprite) {
		t.Error("the added stretchable image draws differently from the sprite's")
	}
	if bytes.Equal(plain, fromSprite) {
		t.Error("stretch zones change nothing: the comparison proves nothing")
	}
	// The sprite's icon was stretched: its red corners lie far apart.
	img, err := png.Decode(bytes.NewReader(fromSprite))
	if err != nil {
		t.Fatal(err)
	}
	minX, maxX := 1<<30, -1
	for y := 0; y < 80; y++ {
		for x := 0; x < 200; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 > 150 && g>>8 < 60 && b>>8 < 60 {
				minX, maxX = min(minX, x), max(maxX, x)
			}
		}
	}
	if maxX-minX < 48 {
		t.Errorf("red corners %d px apart: the icon was not stretched", maxX-minX)
	}

	// Bad zones and boxes: ErrInvalidArgument naming the field.
	for _, c := range []struct {
		opts  ImageOptions
		field string
	}{
		{ImageOptions{StretchX: [][2]float32{{4, 30}}}, "stretch_x"},
		{ImageOptions{StretchX: [][2]float32{{8, 12}, {10, 14}}}, "stretch_x"},
		{ImageOptions{StretchY: [][2]float32{{6, 2}}}, "stretch_y"},
		{ImageOptions{Content: &[4]float32{0, 0, 25, 4}}, "content"},
	} {
		err := tm.m.AddImageWithOptions("bad", stretchPill(), &c.opts)
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%+v: %v", c.opts, err)
		}
	}
}
