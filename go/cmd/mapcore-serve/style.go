package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// maxStyleBytes bounds a style file.
const maxStyleBytes = 16 << 20

// fontScheme is the URL scheme of glyph ranges served from the fonts folder
// to the renderer (fonts://{fontstack}/{range}.pbf).
const fontScheme = "fonts://"

// servedStyle is a configured style, loaded once.
type servedStyle struct {
	id   string
	file string
	// doc is the style as written (tileserver-gl's conventions).
	doc map[string]any
	// render is the style JSON the renderer reads: archives as absolute
	// mbtiles:// / pmtiles:// URLs, glyphs as fonts://, sprites as file://.
	render []byte
	name   string
	center []float64 // lon, lat, zoom from the style (may be empty)
}

// readJSONFile reads a JSON object of at most limit bytes.
func readJSONFile(path string, limit int64) (map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, errors.New("not a JSON object")
	}
	return doc, nil
}

// archiveRef parses a tileserver-gl archive URL: mbtiles://{id},
// mbtiles://id or pmtiles://… (the braces are optional). ok is false for
// other URLs.
func archiveRef(u string) (scheme, id string, ok bool) {
	for _, s := range []string{"mbtiles", "pmtiles"} {
		if rest, found := strings.CutPrefix(u, s+"://"); found && !strings.HasPrefix(rest, "/") && !strings.Contains(rest, "://") {
			return s, strings.TrimSuffix(strings.TrimPrefix(rest, "{"), "}"), true
		}
	}
	return "", "", false
}

// resolveData finds the archive a style names: a data id, or a file name
// under the archive folder of that kind.
func (c *config) resolveData(scheme, id string) (string, dataEntry, error) {
	if d, ok := c.data[id]; ok {
		return id, d, nil
	}
	if p, err := underRoot(c.paths[scheme], id); err == nil {
		return id, dataEntry{kind: scheme, path: p}, nil
	}
	return "", dataEntry{}, fmt.Errorf("%s://%s: no data with that id in the config", scheme, id)
}

// loadStyle reads a configured style and builds its render form.
func (c *config) loadStyle(id string) (*servedStyle, error) {
	file := c.styles[id]
	doc, err := readJSONFile(file, maxStyleBytes)
	if err != nil {
		return nil, fmt.Errorf("style %s (%s): %w", id, file, err)
	}
	st := &servedStyle{id: id, file: file, doc: doc}
	st.name, _ = doc["name"].(string)
	if cen, ok := doc["center"].([]any); ok && len(cen) == 2 {
		lon, ok1 := cen[0].(float64)
		lat, ok2 := cen[1].(float64)
		if ok1 && ok2 {
			st.center = []float64{lon, lat}
			if z, ok := doc["zoom"].(float64); ok {
				st.center = append(st.center, z)
			}
		}
	}
	render, err := c.rewriteStyle(doc, file, func(kind string, ref string, d dataEntry) string {
		return kind + "://" + filepath.ToSlash(d.path)
	}, func(glyphs string) string {
		return fontScheme + glyphs
	}, func(sprite string) (string, error) {
		p, err := c.spritePath(sprite, filepath.Dir(file))
		if err != nil {
			return "", err
		}
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String(), nil
	})
	if err != nil {
		return nil, fmt.Errorf("style %s: %w", id, err)
	}
	st.render, err = json.Marshal(render)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// publicStyle is the style for clients: archives as this server's TileJSON
// URLs, glyphs and sprites from this server.
func (c *config) publicStyle(st *servedStyle, base string) ([]byte, error) {
	out, err := c.rewriteStyle(st.doc, st.file, func(kind, ref string, d dataEntry) string {
		return base + "/data/" + url.PathEscape(ref) + ".json"
	}, func(glyphs string) string {
		return base + "/fonts/" + glyphs
	}, func(string) (string, error) {
		return base + "/styles/" + url.PathEscape(st.id) + "/sprite", nil
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// rewriteStyle copies doc's top level with sources' archive URLs, the
// relative glyphs template and a local sprite replaced.
func (c *config) rewriteStyle(doc map[string]any, file string,
	archive func(kind, ref string, d dataEntry) string,
	glyphs func(string) string,
	sprite func(string) (string, error)) (map[string]any, error) {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	if srcs, ok := doc["sources"].(map[string]any); ok {
		nsrcs := make(map[string]any, len(srcs))
		for name, s := range srcs {
			src, ok := s.(map[string]any)
			u, _ := src["url"].(string)
			kind, ref, isArchive := archiveRef(u)
			if !ok || !isArchive {
				nsrcs[name] = s
				continue
			}
			ref, d, err := c.resolveData(kind, ref)
			if err != nil {
				return nil, fmt.Errorf("source %q: %w", name, err)
			}
			ns := make(map[string]any, len(src))
			for k, v := range src {
				ns[k] = v
			}
			ns["url"] = archive(d.kind, ref, d)
			nsrcs[name] = ns
		}
		out["sources"] = nsrcs
	}
	if g, ok := doc["glyphs"].(string); ok && !strings.Contains(g, "://") {
		out["glyphs"] = glyphs(strings.TrimPrefix(g, "/"))
	}
	if s, ok := doc["sprite"].(string); ok && !strings.Contains(s, "://") {
		u, err := sprite(s)
		if err != nil {
			return nil, fmt.Errorf("sprite: %w", err)
		}
		out["sprite"] = u
	}
	return out, nil
}

// spritePath resolves a tileserver-gl sprite reference ("name" under the
// sprites folder, or "{styleJsonFolder}/name") to an absolute path prefix
// (the renderer adds .json/.png and @2x). The prefix must stay under the
// sprites folder or the style's folder.
func (c *config) spritePath(sprite, styleDir string) (string, error) {
	root := c.paths["sprites"]
	rel := sprite
	if r, ok := strings.CutPrefix(sprite, "{styleJsonFolder}/"); ok {
		root, rel = styleDir, r
	}
	rel = filepath.FromSlash(rel)
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%q leaves the folder %s", sprite, root)
	}
	return filepath.Join(root, rel), nil
}

var glyphRange = regexp.MustCompile(`^[0-9]{1,5}-[0-9]{1,5}\.pbf$`)

// maxFontstack bounds a font stack name.
const maxFontstack = 512

// fontFile finds the glyph range file of a font stack ("Open Sans Bold,Arial
// Unicode MS") under the fonts folder: the first font of the stack that has
// it (tileserver-gl merges the stack's ranges; the renderer falls back
// through the stack and to local fonts itself). Not found: fs.ErrNotExist.
func (c *config) fontFile(stack, rng string) (string, error) {
	if len(stack) > maxFontstack || !glyphRange.MatchString(rng) {
		return "", errBadRequest{"bad font stack or glyph range"}
	}
	for _, font := range strings.Split(stack, ",") {
		font = strings.TrimSpace(font)
		if font == "" || !filepath.IsLocal(font) || strings.ContainsAny(font, `/\`) {
			continue
		}
		if p, err := underRoot(c.paths["fonts"], font+"/"+rng); err == nil {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}

// errBadRequest is a client error (400) with a one-line reason.
type errBadRequest struct{ reason string }

func (e errBadRequest) Error() string { return e.reason }
