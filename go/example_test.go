package mapcore_test

import (
	"context"
	"fmt"
	"log"
	"runtime"

	mapcore "mapcore.dev/mapcore/go"
)

// Render a style with inline GeoJSON to an image.
func Example() {
	// A runtime and its maps belong to one OS thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	rt, err := mapcore.NewRuntime(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	// Serve http(s) URLs of styles, tiles, sprites and glyphs with net/http.
	if err := rt.SetResourceProvider(&mapcore.HTTPProvider{}); err != nil {
		log.Fatal(err)
	}

	m, err := rt.NewMap(&mapcore.MapOptions{Width: 256, Height: 128})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	style := `{"version": 8,
	  "sources": {"square": {"type": "geojson", "data": {"type": "Polygon",
	    "coordinates": [[[-20, -20], [20, -20], [20, 20], [-20, 20], [-20, -20]]]}}},
	  "layers": [
	    {"id": "sea", "type": "background", "paint": {"background-color": "#a0c8f0"}},
	    {"id": "land", "type": "fill", "source": "square", "paint": {"fill-color": "#f0e8d0"}}]}`
	if err := m.SetStyleJSON([]byte(style)); err != nil {
		log.Fatal(err)
	}
	if err := m.JumpTo(mapcore.Camera{Longitude: 0, Latitude: 0, Zoom: 1}); err != nil {
		log.Fatal(err)
	}

	s, err := m.NewTextureSession(256, 128, 2) // 512x256 device pixels
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.RenderStill(context.Background()); err != nil {
		log.Fatal(err)
	}
	img, err := s.ReadNRGBA() // or ReadRGBA, ReadPixels, AcquireFrame
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Bounds().Size(), img.NRGBAAt(256, 128), img.NRGBAAt(5, 5))
	// Output: (512,256) {240 232 208 255} {160 200 240 255}
}
