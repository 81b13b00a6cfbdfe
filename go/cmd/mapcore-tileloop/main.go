// Command mapcore-tileloop renders a list of 256x256 views of a style
// through a one-worker mapcore.Renderer, each encoded as PNG, and prints
// {"tiles": N, "seconds": S} (the loop's wall time, style and tile loading
// included). tools/tile_loop.py runs it beside MapLibre Native for `make
// bench`.
//
//	mapcore-tileloop -style streets.json -assets DIR -views views.json [-out DIR]
//
// views.json is a JSON list of [longitude, latitude, zoom].
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	mapcore "mapcore.dev/mapcore/go"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mapcore-tileloop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	style := fs.String("style", "", "style JSON file")
	assets := fs.String("assets", "", "folder served for local://X")
	viewsPath := fs.String("views", "", "JSON list of [lon, lat, zoom]")
	out := fs.String("out", "", "write each tile as N.png into this folder (optional)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := loop(*style, *assets, *viewsPath, *out, stdout); err != nil {
		fmt.Fprintln(stderr, "mapcore-tileloop: "+strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	return 0
}

func loop(stylePath, assets, viewsPath, out string, stdout io.Writer) error {
	if stylePath == "" || viewsPath == "" {
		return errors.New("-style and -views are required")
	}
	style, err := os.ReadFile(stylePath)
	if err != nil {
		return err
	}
	vb, err := os.ReadFile(viewsPath)
	if err != nil {
		return err
	}
	var views [][3]float64
	if err := json.Unmarshal(vb, &views); err != nil {
		return fmt.Errorf("%s: %v", viewsPath, err)
	}
	var provider mapcore.ResourceProvider = &mapcore.HTTPProvider{}
	if assets != "" {
		provider = mapcore.ChainProviders(mapcore.DirProvider("local", assets), provider)
	}
	r, err := mapcore.NewRenderer(&mapcore.RendererOptions{Workers: 1, Provider: provider})
	if err != nil {
		return err
	}
	defer r.Close()
	start := time.Now()
	for i, v := range views {
		png, err := r.Render(context.Background(), mapcore.Request{Style: string(style),
			Camera: &mapcore.Camera{Longitude: v[0], Latitude: v[1], Zoom: v[2]}, Width: 256, Height: 256, Format: mapcore.PNG})
		if err != nil {
			return fmt.Errorf("view %d: %v", i, err)
		}
		if out != "" {
			if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("%d.png", i)), png, 0o644); err != nil {
				return err
			}
		}
	}
	secs := time.Since(start).Seconds()
	return json.NewEncoder(stdout).Encode(map[string]any{"tiles": len(views), "seconds": secs})
}
