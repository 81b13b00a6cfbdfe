package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The subset of tileserver-gl's config.json that mapcore-serve reads:
//
//	{"options": {"paths": {"root": "", "styles": "styles", "fonts": "fonts",
//	   "sprites": "sprites", "mbtiles": "data", "pmtiles": "data"}},
//	 "styles": {"basic": {"style": "basic.json"}},
//	 "data": {"v3": {"mbtiles": "zurich.mbtiles"}, "world": {"pmtiles": "world.pmtiles"}}}
//
// Paths are relative to `root`, which is relative to the config file's
// folder (tileserver-gl resolves it against the working directory, which is
// the config's folder in the usual setup); each path defaults to the root.
// Unknown keys are ignored, as tileserver-gl ignores what it does not use.
type fileConfig struct {
	Options struct {
		Paths map[string]string `json:"paths"`
	} `json:"options"`
	Styles map[string]struct {
		Style string `json:"style"`
	} `json:"styles"`
	Data map[string]struct {
		MBTiles string `json:"mbtiles"`
		PMTiles string `json:"pmtiles"`
	} `json:"data"`
}

// config is a loaded configuration: absolute, checked paths.
type config struct {
	// Paths by kind (styles, fonts, sprites, mbtiles, pmtiles), absolute
	// and with symbolic links resolved.
	paths map[string]string
	// styles by id: the style file.
	styles map[string]string
	// data by id.
	data map[string]dataEntry
}

type dataEntry struct {
	kind string // "mbtiles" or "pmtiles"
	path string // absolute, under paths[kind]
}

// maxConfigBytes bounds config.json.
const maxConfigBytes = 4 << 20

var pathKinds = []string{"styles", "fonts", "sprites", "mbtiles", "pmtiles"}

// loadConfig reads and checks a config file: every style and data file is a
// regular file under its configured folder.
func loadConfig(file string) (*config, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxConfigBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, maxConfigBytes)
	}
	var fc fileConfig
	if err := json.Unmarshal(raw, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	base, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return nil, err
	}
	root := filepath.Join(base, filepath.FromSlash(fc.Options.Paths["root"]))
	if filepath.IsAbs(fc.Options.Paths["root"]) {
		root = filepath.Clean(fc.Options.Paths["root"])
	}
	c := &config{paths: map[string]string{}, styles: map[string]string{}, data: map[string]dataEntry{}}
	for _, kind := range pathKinds {
		p := root
		if v := fc.Options.Paths[kind]; v != "" {
			p = v
			if !filepath.IsAbs(p) {
				p = filepath.Join(root, filepath.FromSlash(v))
			}
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		c.paths[kind] = p
	}
	for id, s := range fc.Styles {
		if err := checkID(id); err != nil {
			return nil, fmt.Errorf("styles: %w", err)
		}
		p, err := underRoot(c.paths["styles"], s.Style)
		if err != nil {
			return nil, fmt.Errorf("styles.%s.style: %w", id, err)
		}
		c.styles[id] = p
	}
	for id, d := range fc.Data {
		if err := checkID(id); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		kind, name := "mbtiles", d.MBTiles
		if d.PMTiles != "" {
			if d.MBTiles != "" {
				return nil, fmt.Errorf("data.%s: both mbtiles and pmtiles", id)
			}
			kind, name = "pmtiles", d.PMTiles
		}
		if name == "" {
			return nil, fmt.Errorf("data.%s: no mbtiles or pmtiles file", id)
		}
		p, err := underRoot(c.paths[kind], name)
		if err != nil {
			return nil, fmt.Errorf("data.%s.%s: %w", id, kind, err)
		}
		c.data[id] = dataEntry{kind: kind, path: p}
	}
	if len(c.styles) == 0 && len(c.data) == 0 {
		return nil, fmt.Errorf("%s: no styles and no data", file)
	}
	return c, nil
}

// checkID accepts ids that are one URL path segment.
func checkID(id string) error {
	if id == "" || len(id) > 128 || strings.ContainsAny(id, "/\\?#%") || id == "." || id == ".." {
		return fmt.Errorf("id %q: want 1..128 characters without / \\ ? # %%", id)
	}
	return nil
}

// underRoot resolves name (relative to root, as tileserver-gl does) to an
// absolute path of a regular file that stays under root after following
// symbolic links.
func underRoot(root, name string) (string, error) {
	if name == "" {
		return "", errors.New("empty file name")
	}
	rel := filepath.FromSlash(name)
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%q leaves the folder %s", name, root)
	}
	p := filepath.Join(root, rel)
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	if r, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(r) {
		return "", fmt.Errorf("%q resolves to %s, outside %s", name, real, root)
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", real)
	}
	return real, nil
}

// roots are the folders the renderer may read files from.
func (c *config) roots() []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range pathKinds {
		if p := c.paths[k]; !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func (c *config) styleIDs() []string {
	ids := make([]string, 0, len(c.styles))
	for id := range c.styles {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
