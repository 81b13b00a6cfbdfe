package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	mapcore "mapcore.dev/mapcore/go"
)

// runQuery compares the features a query returns with expected.json; a
// failing test's features are kept as OUT/GROUP/TEST/actual.json.
func runQuery(c *config, name, dir string, style []byte, meta *testMeta, threads int, r *result) {
	expRaw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		r.Error = err.Error()
		return
	}
	expected, err := decodeJSON(expRaw)
	if err != nil {
		r.Error = "expected.json: " + err.Error()
		return
	}
	actual, err := queryTest(c, style, meta, threads)
	if err != nil {
		r.Error = err.Error()
		return
	}
	if d := jsonDiff(actual, expected, "features"); d != "" {
		r.Error = explainQuery(actual, expected, d)
		if err := writeJSON(filepath.Join(c.out, filepath.FromSlash(name), "actual.json"), actual); err != nil {
			r.Error += "; " + err.Error()
		}
		return
	}
	r.Passed = true
}

func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// queryGeometry converts metadata.test.queryGeometry: [x, y] or
// [[x1, y1], [x2, y2]]; none is the whole view (nil).
func queryGeometry(raw json.RawMessage) (*mapcore.QueryGeometry, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var pt []float64
	if json.Unmarshal(raw, &pt) == nil && len(pt) == 2 {
		return mapcore.QueryPoint(pt[0], pt[1]), nil
	}
	var box [][]float64
	if json.Unmarshal(raw, &box) == nil && len(box) == 2 && len(box[0]) == 2 && len(box[1]) == 2 {
		return mapcore.QueryBox(box[0][0], box[0][1], box[1][0], box[1][1]), nil
	}
	return nil, fmt.Errorf("queryGeometry %s is neither [x, y] nor [[x1, y1], [x2, y2]]", raw)
}

func queryOptions(meta *testMeta) (*mapcore.QueryOptions, error) {
	var o struct {
		Layers []string
		Filter json.RawMessage
	}
	switch {
	case len(meta.QueryOptions) > 0:
		if err := json.Unmarshal(meta.QueryOptions, &o); err != nil {
			return nil, fmt.Errorf("queryOptions: %v", err)
		}
	default: // the 2017 harness passed the whole metadata.test as options
		if len(meta.Layers) > 0 {
			if err := json.Unmarshal(meta.Layers, &o.Layers); err != nil {
				return nil, fmt.Errorf("layers: %v", err)
			}
		}
		o.Filter = meta.Filter
	}
	if string(o.Filter) == "null" {
		o.Filter = nil
	}
	return &mapcore.QueryOptions{Layers: o.Layers, Filter: o.Filter}, nil
}

// queryTest renders the style, applies the operations (each followed by a
// still render), queries and returns the features as generic JSON values
// without layer, source, sourceLayer and state.
func queryTest(c *config, style []byte, meta *testMeta, threads int) (any, error) {
	g, err := queryGeometry(meta.QueryGeometry)
	if err != nil {
		return nil, err
	}
	opts, err := queryOptions(meta)
	if err != nil {
		return nil, err
	}
	ss, err := openSession(c, meta, threads)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	if err := ss.m.SetStyleJSON(style); err != nil {
		return nil, err
	}
	if err := ss.still(); err != nil {
		return nil, err
	}
	for _, op := range meta.Operations {
		if err := ss.apply(op); err != nil {
			return nil, err
		}
		if err := ss.still(); err != nil {
			return nil, err
		}
	}
	fs, err := ss.m.QueryRenderedFeatures(g, opts)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(fs))
	for _, f := range fs {
		m := map[string]any{"type": "Feature", "properties": map[string]any{}}
		if f.Properties != nil {
			m["properties"] = f.Properties
		}
		if f.ID != nil {
			m["id"] = f.ID
		}
		geom, err := decodeJSON(f.Geometry)
		if err != nil {
			return nil, fmt.Errorf("feature geometry: %v", err)
		}
		m["geometry"] = geom
		out = append(out, m)
	}
	return out, nil
}

func numbersClose(a, b float64) bool {
	d := math.Abs(a - b)
	return d <= 1e-9 || d <= 1e-6*math.Max(math.Abs(a), math.Abs(b))
}

// jsonDiff compares decoded JSON (numbers as json.Number): object keys in
// any order, numbers within tolerance. It returns "" when equal, else where
// they first differ.
func jsonDiff(a, b any, path string) string {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return fmt.Sprintf("%s: %v != expected %v", path, a, b)
		}
		fx, ex := x.Float64()
		fy, ey := y.Float64()
		if ex != nil || ey != nil || !numbersClose(fx, fy) {
			return fmt.Sprintf("%s: %s != expected %s", path, x, y)
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok {
			return fmt.Sprintf("%s: array, expected %s", path, short(b))
		}
		if len(x) != len(y) {
			return fmt.Sprintf("%s: %d items, expected %d", path, len(x), len(y))
		}
		for i := range x {
			if d := jsonDiff(x[i], y[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: object, expected %s", path, short(b))
		}
		kx, ky := keys(x), keys(y)
		if strings.Join(kx, ",") != strings.Join(ky, ",") {
			return fmt.Sprintf("%s: keys %v, expected %v", path, kx, ky)
		}
		for _, k := range kx {
			if d := jsonDiff(x[k], y[k], path+"."+k); d != "" {
				return d
			}
		}
		return ""
	}
	if a != b {
		return fmt.Sprintf("%s: %s != expected %s", path, short(a), short(b))
	}
	return ""
}

func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// explainQuery describes a query mismatch: the first difference, whether
// the same features came in another order, and both lists in short form.
func explainQuery(actual, expected any, d string) string {
	a, _ := actual.([]any)
	e, _ := expected.([]any)
	list := func(fs []any) string {
		var parts []string
		for _, f := range fs {
			m, _ := f.(map[string]any)
			g, _ := m["geometry"].(map[string]any)
			id := ""
			if m["id"] != nil {
				id = fmt.Sprint(m["id"])
			}
			parts = append(parts, fmt.Sprintf("%v#%s", g["type"], id))
		}
		return strings.Join(parts, " ")
	}
	order := ""
	if len(a) == len(e) {
		same := true
		for _, x := range e {
			found := false
			for _, y := range a {
				if jsonDiff(y, x, "") == "" {
					found = true
					break
				}
			}
			same = same && found
		}
		if same {
			order = "same features in another order; "
		}
	}
	msg := fmt.Sprintf("%s%s; got [%s], expected [%s]", order, d, list(a), list(e))
	if len(msg) > 600 {
		msg = msg[:600] + "…"
	}
	return msg
}
