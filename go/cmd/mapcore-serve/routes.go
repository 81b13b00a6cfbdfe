package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// maxZoom is the deepest tile zoom served.
const maxZoom = 22

// maxDevicePixels bounds one static image's device pixels (its RGBA
// buffer is 4 bytes each).
const maxDevicePixels = 4096 * 4096

// maxLat is Web Mercator's latitude limit.
const maxLat = 85.0511287798066

// baseURL is the server's own address as the client used it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// routeStyle: /styles/{id}.json, /styles/{id}/style.json,
// /styles/{id}/sprite[@2x].{json,png}, /styles/{id}/static/…,
// /styles/{id}[/{tileSize}]/{z}/{x}/{y}[@{n}x].{fmt}.
func (s *server) routeStyle(w *recorder, r *http.Request, rest string) {
	id, sub, hasSub := strings.Cut(rest, "/")
	if !hasSub {
		w.route = "tilejson"
		if tid, ok := strings.CutSuffix(id, ".json"); ok {
			s.styleTileJSON(w, r, tid)
			return
		}
		s.fail(w, notFound("no such page: %s", r.URL.Path))
		return
	}
	st, ok := s.styles[id]
	if !ok {
		w.route = "style"
		s.fail(w, notFound("no style %q", id))
		return
	}
	switch {
	case sub == "style.json":
		w.route = "style"
		body, err := s.cfg.publicStyle(st, baseURL(r))
		if err != nil {
			s.fail(w, err)
			return
		}
		s.respond(w, r, newCached(body, "application/json"), "no-cache")
	case strings.HasPrefix(sub, "sprite"):
		w.route = "sprite"
		s.serveSprite(w, r, st, strings.TrimPrefix(sub, "sprite"))
	case strings.HasPrefix(sub, "static/"):
		w.route = "static"
		req, err := s.parseStatic(id, strings.TrimPrefix(sub, "static/"), r.URL.Query())
		if err != nil {
			s.fail(w, err)
			return
		}
		key := "static/" + id + "/" + strings.TrimPrefix(sub, "static/") + "?padding=" + fmtFloat(req.padding)
		s.renderCached(w, r, key, req)
	default:
		w.route = "tile"
		req, err := s.parseTile(id, sub)
		if err != nil {
			s.fail(w, err)
			return
		}
		s.renderCached(w, r, "tile/"+id+"/"+sub, req)
	}
}

// parseScaleFormat splits "{name}[@{n}x].{fmt}" and checks the scale and
// format.
func (s *server) parseScaleFormat(last string) (name string, scale float64, format string, err error) {
	dot := strings.LastIndexByte(last, '.')
	if dot < 0 {
		return "", 0, "", badRequest("%q: no image format (want .png, .jpg, .jpeg or .webp)", last)
	}
	name, format = last[:dot], strings.ToLower(last[dot+1:])
	if format == "jpeg" {
		format = "jpg"
	}
	if _, ok := contentTypes[format]; !ok {
		return "", 0, "", badRequest("format %q: want png, jpg, jpeg or webp", last[dot+1:])
	}
	scale = 1
	if base, sc, ok := strings.Cut(name, "@"); ok {
		n, err := strconv.Atoi(strings.TrimSuffix(sc, "x"))
		if !strings.HasSuffix(sc, "x") || err != nil || n < 1 || n > s.opt.maxScale {
			return "", 0, "", badRequest("scale %q: want @1x..@%dx", "@"+sc, s.opt.maxScale)
		}
		name, scale = base, float64(n)
	}
	return name, scale, format, nil
}

// parseTile reads "[{tileSize}/]{z}/{x}/{y}[@{n}x].{fmt}".
func (s *server) parseTile(style, sub string) (renderRequest, error) {
	parts := strings.Split(sub, "/")
	tileSize := 256
	switch len(parts) {
	case 3:
	case 4:
		switch parts[0] {
		case "256":
		case "512":
			tileSize = 512
		default:
			return renderRequest{}, badRequest("tile size %q: want 256 or 512", parts[0])
		}
		parts = parts[1:]
	default:
		return renderRequest{}, notFound("no such page: /styles/%s/%s", style, sub)
	}
	yName, scale, format, err := s.parseScaleFormat(parts[2])
	if err != nil {
		return renderRequest{}, err
	}
	z, x, y, err := parseZXY(parts[0], parts[1], yName)
	if err != nil {
		return renderRequest{}, err
	}
	return tileRequest(style, tileSize, z, x, y, scale, format), nil
}

// parseZXY checks a tile address: 0 <= z <= maxZoom, x and y < 2^z.
func parseZXY(zs, xs, ys string) (uint8, uint32, uint32, error) {
	z, err := strconv.ParseUint(zs, 10, 8)
	if err != nil || z > maxZoom {
		return 0, 0, 0, badRequest("zoom %q: want 0..%d", zs, maxZoom)
	}
	n := uint64(1) << z
	x, errx := strconv.ParseUint(xs, 10, 32)
	y, erry := strconv.ParseUint(ys, 10, 32)
	if errx != nil || erry != nil || x >= n || y >= n {
		return 0, 0, 0, badRequest("tile %s/%s/%s: x and y must be 0..%d at zoom %d", zs, xs, ys, n-1, z)
	}
	return uint8(z), uint32(x), uint32(y), nil
}

// parseFloats reads n comma-separated finite numbers.
func parseFloats(s string, n int, what string) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, badRequest("%s %q: want %d comma-separated numbers", what, s, n)
	}
	out := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, badRequest("%s %q: %q is not a number", what, s, p)
		}
		out[i] = v
	}
	return out, nil
}

// parseStatic reads "{lon},{lat},{zoom}[@{bearing}[,{pitch}]]/{w}x{h}[@{n}x].{fmt}"
// or "{minx},{miny},{maxx},{maxy}/{w}x{h}[@{n}x].{fmt}" (?padding=N).
func (s *server) parseStatic(style, sub string, q url.Values) (renderRequest, error) {
	where, size, ok := strings.Cut(sub, "/")
	if !ok || strings.Contains(size, "/") {
		return renderRequest{}, notFound("no such page: /styles/%s/static/%s", style, sub)
	}
	sizeName, scale, format, err := s.parseScaleFormat(size)
	if err != nil {
		return renderRequest{}, err
	}
	ws, hs, _ := strings.Cut(sizeName, "x")
	wv, err1 := strconv.Atoi(ws)
	hv, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil || wv < 1 || hv < 1 || wv > s.opt.maxSize || hv > s.opt.maxSize {
		return renderRequest{}, badRequest("size %q: want {w}x{h} with 1..%d each", sizeName, s.opt.maxSize)
	}
	if float64(wv)*float64(hv)*scale*scale > maxDevicePixels {
		return renderRequest{}, badRequest("%s at @%gx is %.0f device pixels: at most %d (4096 x 4096)", sizeName, scale, float64(wv)*float64(hv)*scale*scale, maxDevicePixels)
	}
	req := renderRequest{style: style, width: wv, height: hv, ratio: scale, format: format}
	if where == "auto" {
		return renderRequest{}, &httpError{http.StatusNotImplemented, "static/auto (markers and paths) is not supported (UNSUPPORTED)"}
	}
	if strings.Count(where, ",") == 3 && !strings.Contains(where, "@") {
		b, err := parseFloats(where, 4, "bounds")
		if err != nil {
			return renderRequest{}, err
		}
		if b[0] < -180 || b[2] > 180 || b[0] >= b[2] || b[1] < -maxLat || b[3] > maxLat || b[1] >= b[3] {
			return renderRequest{}, badRequest("bounds %q: want minx,miny,maxx,maxy with -180 <= minx < maxx <= 180 and -%.4f <= miny < maxy <= %.4f", where, maxLat, maxLat)
		}
		req.bounds = &[4]float64{b[0], b[1], b[2], b[3]}
		if p := q.Get("padding"); p != "" {
			v, err := strconv.ParseFloat(p, 64)
			if err != nil || v < 0 || v > float64(min(wv, hv))/2 {
				return renderRequest{}, badRequest("padding %q: want 0..half the smaller side", p)
			}
			req.padding = v
		}
		return req, nil
	}
	cam, rot, hasRot := strings.Cut(where, "@")
	c, err := parseFloats(cam, 3, "center")
	if err != nil {
		return renderRequest{}, err
	}
	if c[0] < -180 || c[0] > 180 || c[1] < -maxLat || c[1] > maxLat || c[2] < 0 || c[2] > maxZoom {
		return renderRequest{}, badRequest("center %q: want lon -180..180, lat -%.4f..%.4f, zoom 0..%d", cam, maxLat, maxLat, maxZoom)
	}
	req.lon, req.lat, req.zoom = c[0], c[1], c[2]
	if hasRot {
		n := 1
		if strings.Contains(rot, ",") {
			n = 2
		}
		bp, err := parseFloats(rot, n, "bearing,pitch")
		if err != nil {
			return renderRequest{}, err
		}
		req.bearing = bp[0]
		if n == 2 {
			if bp[1] < 0 || bp[1] > 60 {
				return renderRequest{}, badRequest("pitch %v: want 0..60", bp[1])
			}
			req.pitch = bp[1]
		}
	}
	return req, nil
}

// styleTileJSON: the raster TileJSON of a style's tiles.
func (s *server) styleTileJSON(w *recorder, r *http.Request, id string) {
	st, ok := s.styles[id]
	if !ok {
		s.fail(w, notFound("no style %q", id))
		return
	}
	base := baseURL(r)
	tj := map[string]any{
		"tilejson": "2.0.0", "name": st.name, "format": "png", "minzoom": 0, "maxzoom": maxZoom,
		"tiles":  []string{base + "/styles/" + url.PathEscape(id) + "/{z}/{x}/{y}.png"},
		"bounds": []float64{-180, -maxLat, 180, maxLat},
	}
	if st.name == "" {
		tj["name"] = id
	}
	if len(st.center) == 3 {
		tj["center"] = st.center
	}
	s.writeJSON(w, r, tj)
}

func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.respond(w, r, newCached(body, "application/json"), "no-cache")
}

// routeData: /data/{id}.json and /data/{id}/{z}/{x}/{y}.{ext}: the archive's
// tiles as stored.
func (s *server) routeData(w *recorder, r *http.Request, rest string) {
	w.route = "data"
	id, sub, hasSub := strings.Cut(rest, "/")
	if !hasSub {
		tid, ok := strings.CutSuffix(id, ".json")
		a, found := s.archives[tid]
		if !ok || !found {
			s.fail(w, notFound("no data %q", strings.TrimSuffix(id, ".json")))
			return
		}
		tj := a.TileJSON()
		out := make(map[string]any, len(tj)+1)
		for k, v := range tj {
			out[k] = v
		}
		ext, _ := tj["format"].(string)
		out["tiles"] = []string{baseURL(r) + "/data/" + url.PathEscape(tid) + "/{z}/{x}/{y}." + ext}
		s.writeJSON(w, r, out)
		return
	}
	a, ok := s.archives[id]
	if !ok {
		s.fail(w, notFound("no data %q", id))
		return
	}
	parts := strings.Split(sub, "/")
	if len(parts) != 3 {
		s.fail(w, notFound("no such page: %s", r.URL.Path))
		return
	}
	yName, ext, _ := strings.Cut(parts[2], ".")
	format, _ := a.TileJSON()["format"].(string)
	if ext != format && !(format == "pbf" && ext == "mvt") {
		s.fail(w, badRequest("data %q holds .%s tiles, not .%s", id, format, ext))
		return
	}
	z, x, y, err := parseZXY(parts[0], parts[1], yName)
	if err != nil {
		s.fail(w, err)
		return
	}
	tile, err := a.Tile(z, x, y)
	if err != nil {
		s.fail(w, err)
		return
	}
	if tile == nil {
		// tileserver-gl answers 204 for a missing tile; clients treat it as empty.
		w.Header().Set("Cache-Control", s.imageCacheControl())
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ctype := "application/x-protobuf"
	if t, ok := contentTypes[format]; ok {
		ctype = t
	}
	if isGzip(tile) {
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
		} else if tile, err = gunzip(tile); err != nil {
			s.fail(w, err)
			return
		}
	}
	w.Header().Set("Vary", "Accept-Encoding")
	s.respond(w, r, newCached(tile, ctype), s.imageCacheControl())
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// maxTileBytes bounds a decompressed tile.
const maxTileBytes = 64 << 20

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxTileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxTileBytes {
		return nil, errors.New("tile expands beyond 64 MiB")
	}
	return out, nil
}

// serveFile answers with a file's bytes (already checked to be under a
// configured folder).
func (s *server) serveFile(w http.ResponseWriter, r *http.Request, path, ctype string) {
	body, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.fail(w, notFound("%s not found", r.URL.Path))
	case err != nil:
		s.fail(w, err)
	default:
		s.respond(w, r, newCached(body, ctype), s.imageCacheControl())
	}
}

// serveFont: /fonts/{fontstack}/{range}.pbf from the fonts folder.
func (s *server) serveFont(w http.ResponseWriter, r *http.Request, rest string) {
	stack, rng, ok := strings.Cut(rest, "/")
	if !ok {
		s.fail(w, notFound("no such page: %s", r.URL.Path))
		return
	}
	p, err := s.cfg.fontFile(stack, rng)
	if errors.Is(err, fs.ErrNotExist) {
		s.fail(w, notFound("no glyphs %s for %q", rng, stack))
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	s.serveFile(w, r, p, "application/x-protobuf")
}

// serveSprite: /styles/{id}/sprite[@2x].{json,png}.
func (s *server) serveSprite(w http.ResponseWriter, r *http.Request, st *servedStyle, suffix string) {
	sprite, ok := st.doc["sprite"].(string)
	if !ok || strings.Contains(sprite, "://") || !(suffix == ".json" || suffix == ".png" || suffix == "@2x.json" || suffix == "@2x.png") {
		s.fail(w, notFound("no sprite %s for style %q", suffix, st.id))
		return
	}
	prefix, err := s.cfg.spritePath(sprite, filepath.Dir(st.file))
	if err != nil {
		s.fail(w, notFound("%v", err))
		return
	}
	ctype := "image/png"
	if strings.HasSuffix(suffix, ".json") {
		ctype = "application/json"
	}
	s.serveFile(w, r, prefix+suffix, ctype)
}

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>mapcore-serve</title>
<style>body{font-family:sans-serif;margin:2em}figure{display:inline-block;margin:1em}</style></head><body>
<h1>mapcore-serve</h1>
<h2>Styles</h2>
{{range .Styles}}<figure><img src="/styles/{{.ID}}/{{.Preview}}" width="256" height="256" alt="{{.ID}}">
<figcaption><b>{{.ID}}</b> {{.Name}} · <a href="/styles/{{.ID}}/style.json">style.json</a> ·
<a href="/styles/{{.ID}}.json">TileJSON</a></figcaption></figure>
{{else}}<p>No styles.</p>{{end}}
<h2>Data</h2>
<ul>{{range .Data}}<li><a href="/data/{{.}}.json">{{.}}</a></li>{{else}}<li>No data.</li>{{end}}</ul>
<p><a href="/metrics">metrics</a> · <a href="/health">health</a></p>
</body></html>
`))

func (s *server) index(w http.ResponseWriter, r *http.Request) {
	type styleRow struct{ ID, Name, Preview string }
	var data struct {
		Styles []styleRow
		Data   []string
	}
	for _, id := range s.cfg.styleIDs() {
		st := s.styles[id]
		preview := "0/0/0.png"
		if len(st.center) == 3 {
			preview = "static/" + fmtFloat(st.center[0]) + "," + fmtFloat(st.center[1]) + "," + fmtFloat(st.center[2]) + "/256x256.png"
		}
		data.Styles = append(data.Styles, styleRow{id, st.name, preview})
	}
	for id := range s.archives {
		data.Data = append(data.Data, id)
	}
	sort.Strings(data.Data)
	var buf bytes.Buffer
	if err := indexPage.Execute(&buf, data); err != nil {
		s.fail(w, err)
		return
	}
	s.respond(w, r, newCached(buf.Bytes(), "text/html; charset=utf-8"), "no-cache")
}
