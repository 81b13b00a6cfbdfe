package mapcore

import (
	"bytes"
	"encoding/json"

	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/status"
)

// Feature queries: what is drawn at a place in the view
// ([MapHandle.QueryRenderedFeatures]) and what a source holds
// ([MapHandle.QuerySourceFeatures]). Only loaded tiles are searched: render
// (RenderStill, or pump until the map is idle) first. Owner thread.

// QueryGeometry is where a rendered-feature query looks, in logical pixels
// from the top-left corner of the view: the point (X1, Y1), or with Box the
// box between the corners (X1, Y1) and (X2, Y2).
type QueryGeometry struct {
	Box            bool
	X1, Y1, X2, Y2 float64
}

// QueryPoint returns a point query geometry.
func QueryPoint(x, y float64) *QueryGeometry { return &QueryGeometry{X1: x, Y1: y} }

// QueryBox returns a box query geometry with corners (x1, y1) and (x2, y2).
func QueryBox(x1, y1, x2, y2 float64) *QueryGeometry {
	return &QueryGeometry{Box: true, X1: x1, Y1: y1, X2: x2, Y2: y2}
}

// QueryOptions narrows a rendered-feature query. The zero value (or nil)
// queries every layer without a filter.
type QueryOptions struct {
	// Layers lists the style layer ids to query; nil means every layer, an
	// empty non-nil list none. An unknown id fails with ErrNotFound.
	Layers []string
	// Filter is a filter expression (style-spec JSON) features must pass;
	// nil means none. An invalid filter fails with ErrParse.
	Filter json.RawMessage
}

// SourceQueryOptions narrows a source-feature query. nil means no filter and
// no source layer (GeoJSON sources).
type SourceQueryOptions struct {
	// SourceLayer is the layer of a vector source ("" for GeoJSON sources).
	SourceLayer string
	// Filter is a filter expression (style-spec JSON); nil means none.
	Filter json.RawMessage
}

// QueriedFeature is a feature returned by a query: a GeoJSON feature with
// the style layer, source and feature state it was found in. Numbers in ID,
// Properties, Layer and State are json.Number, so integer ids and
// properties keep their precision.
type QueriedFeature struct {
	// ID is the feature id (json.Number or string), nil when it has none.
	ID any `json:"id,omitempty"`
	// Geometry is the GeoJSON geometry in longitude/latitude.
	Geometry json.RawMessage `json:"geometry"`
	// Properties are the feature's properties.
	Properties map[string]any `json:"properties"`
	// Layer is the style layer the feature was drawn by (rendered-feature
	// queries), as style-spec JSON; nil for source queries. The features of
	// one answer found in the same layer share one map (a layer's filter and
	// properties can be megabytes): read it, do not change it.
	Layer map[string]any `json:"layer,omitempty"`
	// Source is the source id; SourceLayer the vector source layer ("" for
	// GeoJSON sources).
	Source      string `json:"source"`
	SourceLayer string `json:"sourceLayer,omitempty"`
	// State is the feature state (empty when none).
	State map[string]any `json:"state,omitempty"`
}

// queriedJSON is a QueriedFeature as the answer holds it, its layer not yet
// decoded.
type queriedJSON struct {
	QueriedFeature
	Layer json.RawMessage `json:"layer,omitempty"`
}

func decodeFeatures(op string, b []byte) ([]QueriedFeature, error) {
	fail := func(err error) ([]QueriedFeature, error) {
		return nil, status.New(op, status.Internal, "decoding the query result: "+err.Error())
	}
	var raw []queriedJSON
	if err := decodeNumbers(b, &raw); err != nil {
		return fail(err)
	}
	// Each layer decoded once, by its text.
	layers := map[string]map[string]any{}
	fs := make([]QueriedFeature, len(raw))
	for i, r := range raw {
		fs[i] = r.QueriedFeature
		if len(r.Layer) == 0 {
			continue
		}
		l, ok := layers[string(r.Layer)]
		if !ok {
			if err := decodeNumbers(r.Layer, &l); err != nil {
				return fail(err)
			}
			layers[string(r.Layer)] = l
		}
		fs[i].Layer = l
	}
	return fs, nil
}

// decodeNumbers decodes JSON with numbers as json.Number.
func decodeNumbers(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// QueryRenderedFeatures returns the features drawn at g in the current view
// (nil g: the whole view), top-most layer first, as MapLibre's
// queryRenderedFeatures. opts may be nil. Errors: ErrNotFound for an unknown
// layer id, ErrParse for an invalid filter, ErrInvalidArgument for a
// non-finite geometry or bad filter JSON, ErrInvalidState without a loaded
// style; ErrInvalidArgument for an answer past the runtime's JSON bound and
// ErrTimeout for one whose expressions spend the work bound (narrow the
// query). Owner thread.
func (m *MapHandle) QueryRenderedFeatures(g *QueryGeometry, opts *QueryOptions) ([]QueriedFeature, error) {
	const op = "MapHandle.QueryRenderedFeatures"
	var options []byte
	if opts != nil && (opts.Layers != nil || opts.Filter != nil) {
		o := map[string]any{}
		if opts.Layers != nil {
			o["layers"] = opts.Layers
		}
		if opts.Filter != nil {
			if !json.Valid(opts.Filter) {
				return nil, status.New(op, status.InvalidArgument, "the filter is not valid JSON")
			}
			o["filter"] = opts.Filter
		}
		var err error
		if options, err = json.Marshal(o); err != nil {
			return nil, status.New(op, status.InvalidArgument, err.Error())
		}
	}
	var cg *capi.QueryGeometry
	if g != nil {
		cg = &capi.QueryGeometry{Type: capi.QueryPoint, X1: g.X1, Y1: g.Y1, X2: g.X1, Y2: g.Y1}
		if g.Box {
			cg.Type, cg.X2, cg.Y2 = capi.QueryBox, g.X2, g.Y2
		}
	}
	b, err := m.callJSON(op, func() ([]byte, capi.Res) { return capi.MapQueryRenderedFeatures(m.id, cg, options) })
	if err != nil {
		return nil, err
	}
	return decodeFeatures(op, b)
}

// QuerySourceFeatures returns the features of source (and
// opts.SourceLayer for vector sources) in the loaded tiles, optionally
// filtered; a feature with an id is returned once. opts may be nil. Errors:
// ErrNotFound for an unknown source, ErrParse for an invalid filter,
// ErrInvalidState without a loaded style, ErrInvalidArgument and ErrTimeout
// as for QueryRenderedFeatures. Owner thread.
func (m *MapHandle) QuerySourceFeatures(source string, opts *SourceQueryOptions) ([]QueriedFeature, error) {
	const op = "MapHandle.QuerySourceFeatures"
	var o SourceQueryOptions
	if opts != nil {
		o = *opts
	}
	b, err := m.callJSON(op, func() ([]byte, capi.Res) {
		return capi.MapQuerySourceFeatures(m.id, source, capi.Opt(o.SourceLayer), o.Filter)
	})
	if err != nil {
		return nil, err
	}
	return decodeFeatures(op, b)
}
