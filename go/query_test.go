package mapcore

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// Two points: A at (0, 0) with an integer id and property above 2^52
// (checked as exact json.Number text), B at
// (60, 0). Layer "c" draws both as circles, "top" draws A again above it.
const queryStyle = `{"version":8,"sources":{"g":{"type":"geojson","data":{"type":"FeatureCollection","features":[
{"type":"Feature","id":4503599627370497,"properties":{"kind":"a","big":4503599627370499,"f":1.5},"geometry":{"type":"Point","coordinates":[0,0]}},
{"type":"Feature","id":2,"properties":{"kind":"b"},"geometry":{"type":"Point","coordinates":[60,0]}}]}}},
"layers":[{"id":"bg","type":"background","paint":{"background-color":"#ffffff"}},
{"id":"c","type":"circle","source":"g","paint":{"circle-radius":10,"circle-color":"#ff0000"}},
{"id":"top","type":"circle","source":"g","filter":["==","kind","a"],"paint":{"circle-radius":5}}]}`

func queryMap(t *testing.T) *testMap {
	t.Helper()
	lockThread(t)
	tm := openMap(t, 256, 256)
	tm.render(t, queryStyle)
	return tm
}

func ids(fs []QueriedFeature) []string {
	var out []string
	for _, f := range fs {
		b, _ := json.Marshal(f.ID)
		out = append(out, f.Layer["id"].(string)+":"+string(b))
	}
	return out
}

func eqStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestQueryRenderedFeaturesPoint(t *testing.T) {
	tm := queryMap(t)
	x, y, err := tm.m.PixelForLngLat(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := tm.m.QueryRenderedFeatures(QueryPoint(x+2, y), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(fs), []string{"top:4503599627370497", "c:4503599627370497"}; !eqStrings(got, want) {
		t.Fatalf("features %v, want %v (top-most layer first)", got, want)
	}
	f := fs[1]
	if n, ok := f.ID.(json.Number); !ok || n.String() != "4503599627370497" {
		t.Errorf("id %#v, want json.Number 4503599627370497", f.ID)
	}
	if n, ok := f.Properties["big"].(json.Number); !ok || n.String() != "4503599627370499" {
		t.Errorf("property big %#v, want json.Number 4503599627370499", f.Properties["big"])
	}
	if f.Properties["kind"] != "a" || f.Properties["f"] != json.Number("1.5") {
		t.Errorf("properties %v", f.Properties)
	}
	if f.Source != "g" || f.SourceLayer != "" {
		t.Errorf("source %q layer %q", f.Source, f.SourceLayer)
	}
	if f.Layer["type"] != "circle" {
		t.Errorf("layer %v", f.Layer)
	}
	var geom struct {
		Type        string
		Coordinates []float64
	}
	if err := json.Unmarshal(f.Geometry, &geom); err != nil || geom.Type != "Point" || len(geom.Coordinates) != 2 ||
		math.Abs(geom.Coordinates[0]) > 1e-6 || math.Abs(geom.Coordinates[1]) > 1e-6 {
		t.Errorf("geometry %s (%v)", f.Geometry, err)
	}

	// Outside the top circle (radius 5) but inside "c" (radius 10).
	fs, err = tm.m.QueryRenderedFeatures(QueryPoint(x+8, y), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(fs); !eqStrings(got, []string{"c:4503599627370497"}) {
		t.Errorf("at radius 8: %v", got)
	}
	// Empty space: an empty, non-nil result.
	fs, err = tm.m.QueryRenderedFeatures(QueryPoint(x, y+60), nil)
	if err != nil || fs == nil || len(fs) != 0 {
		t.Errorf("empty space: %v %v", ids(fs), err)
	}
}

func TestQueryRenderedFeaturesBoxLayersFilter(t *testing.T) {
	tm := queryMap(t)
	all, err := tm.m.QueryRenderedFeatures(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("whole view: %v", ids(all))
	}
	// The two features of layer "c" share its decoded layer; "top" has its own.
	layer := func(f QueriedFeature) uintptr { return reflect.ValueOf(f.Layer).Pointer() }
	if layer(all[1]) != layer(all[2]) || layer(all[0]) == layer(all[1]) || all[2].Layer["paint"].(map[string]any)["circle-radius"] != json.Number("10") {
		t.Errorf("layers: %v", []map[string]any{all[0].Layer, all[1].Layer, all[2].Layer})
	}
	bx, by, _ := tm.m.PixelForLngLat(60, 0)
	fs, err := tm.m.QueryRenderedFeatures(QueryBox(bx-3, by-3, bx+3, by+3), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(fs); !eqStrings(got, []string{"c:2"}) {
		t.Errorf("box around B: %v", got)
	}
	// Corners in either order.
	fs2, err := tm.m.QueryRenderedFeatures(QueryBox(bx+3, by+3, bx-3, by-3), nil)
	if err != nil || !eqStrings(ids(fs2), ids(fs)) {
		t.Errorf("swapped corners: %v %v", ids(fs2), err)
	}
	fs, err = tm.m.QueryRenderedFeatures(QueryBox(0, 0, 256, 256), &QueryOptions{Layers: []string{"top"}})
	if err != nil || !eqStrings(ids(fs), []string{"top:4503599627370497"}) {
		t.Errorf("layers [top]: %v %v", ids(fs), err)
	}
	if fs, err := tm.m.QueryRenderedFeatures(nil, &QueryOptions{Layers: []string{}}); err != nil || len(fs) != 0 {
		t.Errorf("empty layer list: %v %v", ids(fs), err)
	}
	fs, err = tm.m.QueryRenderedFeatures(nil, &QueryOptions{Layers: []string{"c"}, Filter: json.RawMessage(`["==","kind","b"]`)})
	if err != nil || !eqStrings(ids(fs), []string{"c:2"}) {
		t.Errorf("layers [c] + filter kind==b: %v %v", ids(fs), err)
	}
	fs, err = tm.m.QueryRenderedFeatures(nil, &QueryOptions{Filter: json.RawMessage(`["==",["get","kind"],"a"]`)})
	if err != nil || !eqStrings(ids(fs), []string{"top:4503599627370497", "c:4503599627370497"}) {
		t.Errorf("expression filter: %v %v", ids(fs), err)
	}
}

func TestQueryErrors(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 64, 64)
	if _, err := tm.m.QueryRenderedFeatures(nil, nil); !errors.Is(err, ErrInvalidState) {
		t.Errorf("without a style: %v, want ErrInvalidState", err)
	}
	tm.render(t, queryStyle)
	cases := []struct {
		name string
		g    *QueryGeometry
		o    *QueryOptions
		want error
	}{
		{"unknown layer", nil, &QueryOptions{Layers: []string{"nope"}}, ErrNotFound},
		{"invalid filter", nil, &QueryOptions{Filter: json.RawMessage(`["nonsense-op"]`)}, ErrParse},
		{"filter not JSON", nil, &QueryOptions{Filter: json.RawMessage(`[1,`)}, ErrInvalidArgument},
		{"NaN point", QueryPoint(math.NaN(), 1), nil, ErrInvalidArgument},
		{"infinite box", QueryBox(0, 0, math.Inf(1), 1), nil, ErrInvalidArgument},
	}
	for _, c := range cases {
		_, err := tm.m.QueryRenderedFeatures(c.g, c.o)
		var e *Error
		if !errors.Is(err, c.want) || !errors.As(err, &e) || e.Op != "MapHandle.QueryRenderedFeatures" || e.Message == "" {
			t.Errorf("%s: %v, want %v with a message", c.name, err, c.want)
		}
	}
	if _, err := tm.m.QueryRenderedFeatures(nil, &QueryOptions{Layers: []string{"nope"}}); err == nil ||
		!strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown layer error does not name it: %v", err)
	}
	if _, err := tm.m.QuerySourceFeatures("nope", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown source: %v", err)
	}
	if _, err := tm.m.QuerySourceFeatures("g", &SourceQueryOptions{Filter: json.RawMessage(`["nonsense-op"]`)}); !errors.Is(err, ErrParse) {
		t.Errorf("invalid source filter: %v", err)
	}
	if _, err := tm.m.QuerySourceFeatures("g\x00x", nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("NUL in source id: %v", err)
	}
	if err := tm.m.Close(); err == nil {
		if _, err := tm.m.QuerySourceFeatures("g", nil); !errors.Is(err, ErrClosed) {
			t.Errorf("closed map: %v", err)
		}
	}
}

func TestQuerySourceFeatures(t *testing.T) {
	tm := queryMap(t)
	fs, err := tm.m.QuerySourceFeatures("g", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range fs {
		if f.Source != "g" || f.Layer != nil {
			t.Errorf("feature %+v: source %q layer %v", f, f.Source, f.Layer)
		}
		got[f.ID.(json.Number).String()] = f.Properties["kind"].(string)
	}
	if len(fs) != 2 || got["4503599627370497"] != "a" || got["2"] != "b" {
		t.Errorf("source features: %v", got)
	}
	fs, err = tm.m.QuerySourceFeatures("g", &SourceQueryOptions{Filter: json.RawMessage(`["==","kind","b"]`)})
	if err != nil || len(fs) != 1 || fs[0].ID != json.Number("2") {
		t.Errorf("filtered: %+v %v", fs, err)
	}
	// Feature state shows up in results.
	if err := tm.m.SetFeatureState(Feature{Source: "g", ID: "2"}, []byte(`{"hover":true}`)); err != nil {
		t.Fatal(err)
	}
	fs, err = tm.m.QuerySourceFeatures("g", &SourceQueryOptions{Filter: json.RawMessage(`["==","kind","b"]`)})
	if err != nil || len(fs) != 1 || fs[0].State["hover"] != true {
		t.Errorf("state: %+v %v", fs, err)
	}
}

// n points in a ring as GeoJSON features, each with "k" its index.
func ringPoints(n int) string {
	var pts []string
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		pts = append(pts, fmt.Sprintf(`{"type":"Feature","properties":{"k":%d},"geometry":{"type":"Point","coordinates":[%g,%g]}}`, i, 10*math.Cos(a), 10*math.Sin(a)))
	}
	return strings.Join(pts, ",")
}

// The numbers 0 to n-1, comma-separated.
func numbers(n int) string {
	nums := make([]string, n)
	for i := range nums {
		nums[i] = fmt.Sprint(i)
	}
	return strings.Join(nums, ",")
}

func TestQueryBounds(t *testing.T) {
	lockThread(t)
	tm := openMap(t, 64, 64)
	// 3,000 points drawn by a layer whose colour matches 20,000 labels (a
	// 110 KB layer, cheap to evaluate): 330 MB when each feature carries
	// its layer, past the runtime's 256 MiB JSON bound.
	tm.render(t, `{"version":8,"sources":{"p":{"type":"geojson","data":{"type":"FeatureCollection","features":[`+ringPoints(3000)+
		`]}}},"layers":[{"id":"c","type":"circle","source":"p","paint":{"circle-color":["match",["get","k"],[`+numbers(20000)+`],"red","blue"]}}]}`)
	_, err := tm.m.QueryRenderedFeatures(nil, nil)
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "bytes of JSON") {
		t.Errorf("an answer past the bound: %v, want ErrInvalidArgument naming it", err)
	}
	// Without their layer, the same features fit.
	if fs, err := tm.m.QuerySourceFeatures("p", nil); err != nil || len(fs) != 3000 {
		t.Errorf("source features: %d %v", len(fs), err)
	}
	// A filter searching a 110 KB string for each of them spends the work bound.
	filter := `["in",["to-string",["get","k"]],"` + numbers(20000) + `"]`
	_, err = tm.m.QuerySourceFeatures("p", &SourceQueryOptions{Filter: json.RawMessage(filter)})
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "work bound") {
		t.Errorf("a filter past the work bound: %v, want ErrTimeout naming it", err)
	}
}
