//! Rendered-feature and source-feature queries (MapLibre's
//! `queryRenderedFeatures` / `querySourceFeatures`).
//!
//! A rendered-feature query takes a geometry in logical screen pixels (a point
//! or a box) and returns the features whose *rendered* shape touches it,
//! top-most layer first. The tests follow MapLibre's rules:
//!
//! * Tiles: every tile of the layer's source that the view covers (all world
//!   copies), in the order (overscaled zoom, y, wrap, x). Within a tile, the
//!   features are returned last-drawn first (reverse tile order). A feature of
//!   one canonical tile found again in another world copy of that tile is
//!   returned once.
//! * The query geometry is unprojected onto the ground and expressed in the
//!   tile's coordinates. A tile is asked only when the query (padded by the
//!   layer's reach) touches the tile's square; the query is not clipped, so a
//!   tile's buffer counts. As MapLibre documents, a feature split or
//!   duplicated across tile boundaries can be returned once per tile (the
//!   suite expects this: `edge-cases/null-island` returns one point 4 times);
//!   callers that want one result per feature id deduplicate by `id`.
//! * Fill: the query touches the polygon (containment or crossing edges).
//!   Line: the query comes closer than half the rendered width
//!   (`line-gap-width > 0` ? `gap + 2 * width` : `width`) to the line moved by
//!   `line-offset`. Circle: the query comes closer than `radius + stroke` to a
//!   vertex, in screen space with `circle-pitch-scale`/`-alignment` rules.
//!   `*-translate` (with its anchor) moves the query the other way.
//! * Returned geometry: the tile's geometry (as stored, unclipped) converted to
//!   lng/lat with the canonical tile (no world-copy offset). `state` is the
//!   feature's state (also used when paint properties read `feature-state`).

pub mod geom;
pub mod result;

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map as JMap, Value as J};

use crate::layout::{is_drawn_kind, layer_visible, TileLookup};
use crate::source::cover::CoveredTile;
use crate::source::feature::{Feature, GeomType, Properties, TileData, TileId, TileLayer, TilePoint};
use crate::source::geojson::GEOJSON_LAYER;
use crate::source::transform::Transform;
use crate::style::expression::EvaluationContext;
use crate::style::filter::Filter;
use crate::style::layer::{Layer, LayerKind};
use crate::style::value::Value;
use crate::style::Style;
use crate::symbol::placement::PlacedFeature;
use crate::style::expression::fuel;
use geom::P;
pub use result::QueryResult;
use result::ResultBuilder;

/// The query geometry in logical screen pixels.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryGeometry {
    Point([f64; 2]),
    /// Two opposite corners.
    Box([f64; 2], [f64; 2]),
}

impl QueryGeometry {
    /// Parses `[x, y]` or `[[x1, y1], [x2, y2]]`.
    pub fn from_json(j: &J) -> Result<QueryGeometry, String> {
        let pt = |v: &J| -> Option<[f64; 2]> {
            let a = v.as_array()?;
            match a.as_slice() {
                [x, y] => Some([x.as_f64()?, y.as_f64()?]),
                _ => None,
            }
        };
        if let Some(p) = pt(j) {
            return Ok(QueryGeometry::Point(p));
        }
        if let Some([a, b]) = j.as_array().map(|a| a.as_slice()) {
            if let (Some(a), Some(b)) = (pt(a), pt(b)) {
                return Ok(QueryGeometry::Box(a, b));
            }
        }
        Err(format!("query geometry must be a point [x, y] or a box [[x1, y1], [x2, y2]], found {j}"))
    }

    /// The query as a screen polygon: one point, or the box's four corners.
    pub fn screen_points(&self) -> Vec<P> {
        match *self {
            QueryGeometry::Point(p) => vec![p],
            QueryGeometry::Box(a, b) => {
                let (x0, x1) = (a[0].min(b[0]), a[0].max(b[0]));
                let (y0, y1) = (a[1].min(b[1]), a[1].max(b[1]));
                vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
            }
        }
    }
}

/// Options of a rendered-feature query.
#[derive(Clone, Debug, Default)]
pub struct QueryOptions {
    /// Only these layers (by id); all layers when `None`.
    pub layers: Option<Vec<String>>,
    /// An extra filter (expression or legacy syntax), applied like a layer filter.
    pub filter: Option<J>,
}

impl QueryOptions {
    /// Parses `{"layers": [...], "filter": ...}` (other keys are ignored; `null`
    /// means no options).
    pub fn from_json(j: &J) -> Result<QueryOptions, String> {
        let mut o = QueryOptions::default();
        let obj = match j {
            J::Null => return Ok(o),
            J::Object(m) => m,
            other => return Err(format!("query options must be an object, found {other}")),
        };
        match obj.get("layers") {
            None | Some(J::Null) => {}
            Some(J::Array(a)) => {
                let mut ids = Vec::with_capacity(a.len());
                for v in a {
                    match v.as_str() {
                        Some(s) => ids.push(s.to_string()),
                        None => return Err(format!("query option \"layers\" must hold layer ids (strings), found {v}")),
                    }
                }
                o.layers = Some(ids);
            }
            Some(other) => return Err(format!("query option \"layers\" must be an array of layer ids, found {other}")),
        }
        match obj.get("filter") {
            None | Some(J::Null) => {}
            Some(f) => o.filter = Some(f.clone()),
        }
        Ok(o)
    }
}

/// Why a query failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryErrorKind {
    /// `layers` names a layer the style does not have.
    UnknownLayer,
    /// The source (of a source-feature query) is not in the style.
    UnknownSource,
    /// The filter does not parse.
    InvalidFilter,
    /// The query geometry has non-finite coordinates.
    InvalidGeometry,
    /// The map has no loaded style.
    NoStyle,
    /// The answer would take more than its bound in bytes.
    TooLarge,
    /// The expressions and geometry tests the query ran spent the work
    /// bound ([`fuel`]).
    WorkBound,
}

/// A query error: its kind and a message naming what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub kind: QueryErrorKind,
    pub message: String,
}

impl QueryError {
    pub fn new(kind: QueryErrorKind, message: impl Into<String>) -> QueryError {
        QueryError { kind, message: message.into() }
    }
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

/// Parses a query filter, naming it in the error.
pub fn parse_filter(j: &J) -> Result<Filter, QueryError> {
    Filter::parse(j).map_err(|e| QueryError::new(QueryErrorKind::InvalidFilter, format!("invalid query filter: {e}")))
}

/// Converts a style value to JSON, keeping integral numbers integers.
pub fn value_to_json(v: &Value) -> J {
    match v {
        Value::Number(n) => number(*n),
        Value::Array(a) => J::Array(a.iter().map(value_to_json).collect()),
        Value::Object(o) => J::Object(o.iter().map(|(k, v)| (k.clone(), value_to_json(v))).collect()),
        other => other.to_json(),
    }
}

fn number(n: f64) -> J {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        if n >= 0.0 {
            J::from(n as u64)
        } else {
            J::from(n as i64)
        }
    } else {
        serde_json::Number::from_f64(n).map(J::Number).unwrap_or(J::Null)
    }
}

/// The feature's geometry as GeoJSON in lng/lat, from its canonical tile.
pub fn geometry_to_geojson(feature: &Feature, tile: TileId, extent: u32) -> J {
    let size = f64::from(extent.max(1)) * (tile.z as f64).exp2();
    let (x0, y0) = (f64::from(extent) * f64::from(tile.x), f64::from(extent) * f64::from(tile.y));
    let ll = |p: &TilePoint| -> J {
        let x = (f64::from(p.x) + x0) / size;
        let y = (f64::from(p.y) + y0) / size;
        let lng = x * 360.0 - 180.0;
        let y2 = 180.0 - y * 360.0;
        let lat = 360.0 / std::f64::consts::PI * (y2.to_radians()).exp().atan() - 90.0;
        json!([lng, lat])
    };
    let line = |part: &Vec<TilePoint>| J::Array(part.iter().map(ll).collect());
    match feature.geom_type {
        GeomType::Point | GeomType::Unknown => {
            let pts: Vec<J> = feature.geometry.iter().flatten().map(ll).collect();
            if pts.len() == 1 {
                json!({"type": "Point", "coordinates": pts[0]})
            } else {
                json!({"type": "MultiPoint", "coordinates": pts})
            }
        }
        GeomType::LineString => {
            if feature.geometry.len() == 1 {
                json!({"type": "LineString", "coordinates": line(&feature.geometry[0])})
            } else {
                json!({"type": "MultiLineString", "coordinates": feature.geometry.iter().map(line).collect::<Vec<_>>()})
            }
        }
        GeomType::Polygon => {
            let polygons = classify_rings(&feature.geometry);
            let poly = |rings: &Vec<&Vec<TilePoint>>| J::Array(rings.iter().map(|r| line(r)).collect());
            if polygons.len() == 1 {
                json!({"type": "Polygon", "coordinates": poly(&polygons[0])})
            } else {
                json!({"type": "MultiPolygon", "coordinates": polygons.iter().map(poly).collect::<Vec<_>>()})
            }
        }
    }
}

fn signed_area(ring: &[TilePoint]) -> f64 {
    let n = ring.len();
    let mut sum = 0.0;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + n - 1) % n]);
        sum += (f64::from(b.x) - f64::from(a.x)) * (f64::from(a.y) + f64::from(b.y));
    }
    sum
}

/// Groups rings into polygons: a ring with the winding of the first ring starts
/// a polygon, the others are its holes; rings of zero area are dropped.
fn classify_rings(rings: &[Vec<TilePoint>]) -> Vec<Vec<&Vec<TilePoint>>> {
    let mut polygons: Vec<Vec<&Vec<TilePoint>>> = Vec::new();
    let mut outer_sign: Option<bool> = None;
    for ring in rings {
        let area = signed_area(ring);
        if area == 0.0 {
            continue;
        }
        let sign = area < 0.0;
        let first = *outer_sign.get_or_insert(sign);
        if sign == first || polygons.is_empty() {
            polygons.push(vec![ring]);
        } else if let Some(last) = polygons.last_mut() {
            last.push(ring);
        }
    }
    polygons
}

/// The layer as returned with a feature.
pub fn layer_json(layer: &Layer) -> J {
    let mut m = JMap::new();
    m.insert("id".into(), J::String(layer.id.clone()));
    m.insert("type".into(), J::String(layer.kind.name().to_string()));
    if let Some(s) = &layer.source {
        m.insert("source".into(), J::String(s.clone()));
    }
    if let Some(s) = &layer.source_layer {
        m.insert("source-layer".into(), J::String(s.clone()));
    }
    if layer.minzoom > 0.0 {
        m.insert("minzoom".into(), number(layer.minzoom));
    }
    if layer.maxzoom < 24.0 {
        m.insert("maxzoom".into(), number(layer.maxzoom));
    }
    if let Some(f) = &layer.filter {
        m.insert("filter".into(), f.json.clone());
    }
    for (key, set) in [("layout", &layer.layout), ("paint", &layer.paint)] {
        let props: JMap<String, J> =
            set.set_names().filter_map(|n| set.get_json(n).map(|j| (n.to_string(), j.clone()))).collect();
        m.insert(key.into(), J::Object(props));
    }
    J::Object(m)
}

/// A feature as GeoJSON with the query's extra members but `layer` (held
/// once per layer by the [`QueryResult`]).
fn feature_json(
    feature: &Feature,
    tile: TileId,
    extent: u32,
    layer: Option<&Layer>,
    source: &str,
    state: Option<&Properties>,
) -> J {
    let mut m = JMap::new();
    m.insert("type".into(), J::String("Feature".into()));
    if let Some(id) = &feature.id {
        m.insert("id".into(), value_to_json(id));
    }
    m.insert("geometry".into(), geometry_to_geojson(feature, tile, extent));
    let props: JMap<String, J> = feature.properties.iter().map(|(k, v)| (k.to_string(), value_to_json(v))).collect();
    m.insert("properties".into(), J::Object(props));
    m.insert("source".into(), J::String(source.to_string()));
    if let Some(sl) = layer.and_then(|l| l.source_layer.clone()) {
        m.insert("sourceLayer".into(), J::String(sl));
    }
    let state: JMap<String, J> =
        state.map(|p| p.iter().map(|(k, v)| (k.to_string(), value_to_json(v))).collect()).unwrap_or_default();
    m.insert("state".into(), J::Object(state));
    J::Object(m)
}

/// The tile layer a style layer reads.
fn tile_layer_of<'a>(data: &'a TileData, name: Option<&str>) -> Option<&'a TileLayer> {
    data.layer(name.unwrap_or(GEOJSON_LAYER))
}

/// Whether a layer of this kind draws a feature of this geometry type.
fn draws(kind: LayerKind, t: GeomType) -> bool {
    match kind {
        LayerKind::Fill => t == GeomType::Polygon,
        LayerKind::Line => matches!(t, GeomType::LineString | GeomType::Polygon),
        LayerKind::Circle => t != GeomType::Unknown,
        _ => false,
    }
}

/// A tile as the query sees it: its screen mapping and the query in its units.
struct TileQuery {
    /// The layer's `*-translate` in tile units (the features move by this much).
    shift: P,
    /// Tile units per logical pixel (at the view's zoom).
    px_to_tile: f64,
    /// The query in tile units.
    query: Vec<P>,
    matrix: crate::source::transform::TileMatrix,
}

impl TileQuery {
    fn new(t: &Transform, layer: &Layer, covered: CoveredTile, extent: u32, world_query: &[P]) -> TileQuery {
        let n = (covered.id.z as f64).exp2();
        let tile_px = t.world_size() / n;
        let scale = tile_px / f64::from(extent.max(1));
        let origin = [(f64::from(covered.id.x) + f64::from(covered.wrap) * n) * tile_px, f64::from(covered.id.y) * tile_px];
        let query = world_query.iter().map(|p| [(p[0] - origin[0]) / scale, (p[1] - origin[1]) / scale]).collect();
        let prefix = match layer.kind {
            LayerKind::Fill => "fill",
            LayerKind::Line => "line",
            _ => "circle",
        };
        TileQuery {
            shift: translate_tile_units(layer, prefix, t.zoom, t.bearing, 1.0 / scale),
            px_to_tile: 1.0 / scale,
            query,
            matrix: t.tile_matrix(covered.id, covered.wrap, extent.max(1)),
        }
    }
}

/// Evaluated `*-translate` in tile units (the feature moves by this much).
fn translate_tile_units(layer: &Layer, prefix: &str, zoom: f64, bearing: f64, px_to_tile: f64) -> P {
    let ctx = EvaluationContext::at_zoom(zoom);
    let t = layer.paint.get_f32_array(&format!("{prefix}-translate"), &ctx);
    let [x, y] = match t.as_slice() {
        [x, y] => [f64::from(*x), f64::from(*y)],
        _ => return [0.0, 0.0],
    };
    let viewport = layer.paint.get_enum(&format!("{prefix}-translate-anchor"), &ctx) == "viewport";
    // A viewport offset is in screen axes: turn it into map axes.
    let [x, y] = if viewport {
        let (s, c) = bearing.to_radians().sin_cos();
        [x * c - y * s, x * s + y * c]
    } else {
        [x, y]
    };
    [x * px_to_tile, y * px_to_tile]
}

fn to_points(geometry: &[Vec<TilePoint>], shift: P) -> Vec<Vec<P>> {
    geometry
        .iter()
        .map(|part| part.iter().map(|p| [f64::from(p.x) + shift[0], f64::from(p.y) + shift[1]]).collect())
        .collect()
}

/// Whether `feature` as drawn by `layer` touches the query of `tq`.
fn hits(
    layer: &Layer,
    feature: &Feature,
    state: Option<&Properties>,
    tq: &TileQuery,
    t: &Transform,
    screen_query: &[P],
) -> bool {
    let zoom = t.zoom;
    let mut ctx = EvaluationContext::for_feature(zoom, feature);
    ctx.feature_state = state;
    let p = &layer.paint;
    match layer.kind {
        LayerKind::Fill => {
            let shift = tq.shift;
            let rings = to_points(&feature.geometry, shift);
            geom::query_intersects_polygon(&tq.query, &rings)
        }
        LayerKind::Line => {
            let shift = tq.shift;
            let width = f64::from(p.get_f32("line-width", &ctx));
            let gap = f64::from(p.get_f32("line-gap-width", &ctx));
            let total = if gap > 0.0 { gap + 2.0 * width } else { width };
            let half = total / 2.0 * tq.px_to_tile;
            let mut lines = to_points(&feature.geometry, shift);
            if feature.geom_type == GeomType::Polygon {
                // rings are drawn closed
                for ring in &mut lines {
                    if ring.len() > 1 && ring.first() != ring.last() {
                        let first = ring[0];
                        ring.push(first);
                    }
                }
            }
            let offset = f64::from(p.get_f32("line-offset", &ctx));
            if offset != 0.0 {
                lines = geom::offset_lines(&lines, offset * tq.px_to_tile);
            }
            geom::query_intersects_buffered_lines(&tq.query, &lines, half)
        }
        LayerKind::Circle => {
            let shift = tq.shift;
            let size = f64::from(p.get_f32("circle-radius", &ctx)) + f64::from(p.get_f32("circle-stroke-width", &ctx));
            let align_map = p.get_enum("circle-pitch-alignment", &ctx) == "map";
            let scale_map = p.get_enum("circle-pitch-scale", &ctx) != "viewport";
            for pt in feature.geometry.iter().flatten() {
                let (x, y) = (f64::from(pt.x) + shift[0], f64::from(pt.y) + shift[1]);
                // w: 1 at the center's distance, larger farther away
                let w = tq.matrix.w(x, y);
                if w <= 0.0 {
                    continue;
                }
                let hit = if align_map {
                    let mut r = size * tq.px_to_tile;
                    if !scale_map {
                        r *= w;
                    }
                    geom::query_intersects_buffered_point(&tq.query, [x, y], r)
                } else {
                    let [sx, sy] = tq.matrix.project_f(x, y);
                    let r = if scale_map { size / w } else { size };
                    geom::query_intersects_buffered_point(screen_query, [f64::from(sx), f64::from(sy)], r)
                };
                if hit {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

/// Largest rendered reach of a layer's features beyond their geometry, in
/// logical pixels at the view (for the coarse tile test). Pitched circles can
/// grow; a generous factor is applied by the caller.
fn layer_padding(layer: &Layer, zoom: f64) -> f64 {
    let ctx = EvaluationContext::at_zoom(zoom);
    let p = &layer.paint;
    let prefix = match layer.kind {
        LayerKind::Fill => "fill",
        LayerKind::Line => "line",
        LayerKind::Circle => "circle",
        _ => return 0.0,
    };
    let t = p.get_f32_array(&format!("{prefix}-translate"), &ctx);
    let tr = t.iter().map(|v| f64::from(*v).abs()).fold(0.0, f64::max) * std::f64::consts::SQRT_2;
    // Data-driven sizes cannot be bounded here: no coarse test then.
    let reach = match layer.kind {
        LayerKind::Line => {
            for n in ["line-width", "line-gap-width", "line-offset"] {
                if !p.is_feature_constant(n) {
                    return f64::INFINITY;
                }
            }
            let w = f64::from(p.get_f32("line-width", &ctx));
            let g = f64::from(p.get_f32("line-gap-width", &ctx));
            let o = f64::from(p.get_f32("line-offset", &ctx)).abs();
            (if g > 0.0 { g + 2.0 * w } else { w }) / 2.0 + o * 2.0
        }
        LayerKind::Circle => {
            for n in ["circle-radius", "circle-stroke-width"] {
                if !p.is_feature_constant(n) {
                    return f64::INFINITY;
                }
            }
            f64::from(p.get_f32("circle-radius", &ctx)) + f64::from(p.get_f32("circle-stroke-width", &ctx))
        }
        _ => 0.0,
    };
    reach + tr
}

fn feature_bbox(feature: &Feature) -> Option<[P; 2]> {
    let mut it = feature.geometry.iter().flatten();
    let first = it.next()?;
    let (mut x0, mut y0, mut x1, mut y1) = (first.x, first.y, first.x, first.y);
    for p in it {
        x0 = x0.min(p.x);
        y0 = y0.min(p.y);
        x1 = x1.max(p.x);
        y1 = y1.max(p.y);
    }
    Some([[f64::from(x0), f64::from(y0)], [f64::from(x1), f64::from(y1)]])
}

/// Tile order of MapLibre's query: overscaled zoom, y, wrap, x.
fn tile_order(a: &CoveredTile, b: &CoveredTile) -> std::cmp::Ordering {
    (a.overscaled_z, a.id.y, a.wrap, a.id.x).cmp(&(b.overscaled_z, b.id.y, b.wrap, b.id.x))
}

/// The rendered-feature query over `style` seen through `t` (logical pixels),
/// its answer at most `max_bytes` of JSON. Each feature's geometry test
/// spends a step of the work bound per point ([`fuel`]), as its filters and
/// properties spend theirs: past the bound the rest of the query is skipped
/// (the caller, which set the bound, says so).
pub fn query_rendered_features(
    style: &Style,
    t: &Transform,
    tiles: &dyn TileLookup,
    symbols: &[PlacedFeature],
    geometry: &QueryGeometry,
    options: &QueryOptions,
    max_bytes: u64,
) -> Result<QueryResult, QueryError> {
    if let Some(ids) = &options.layers {
        for id in ids {
            if !style.layers.iter().any(|l| &l.id == id) {
                return Err(QueryError::new(
                    QueryErrorKind::UnknownLayer,
                    format!("query option \"layers\": the style has no layer \"{id}\""),
                ));
            }
        }
    }
    let extra = options.filter.as_ref().map(parse_filter).transpose()?;
    let screen_query = geometry.screen_points();
    if screen_query.iter().flatten().any(|v| !v.is_finite()) {
        return Err(QueryError::new(QueryErrorKind::InvalidGeometry, "query geometry coordinates must be finite numbers"));
    }
    // The query on the ground in world pixels (points above the horizon are
    // moved down to it: nothing is rendered above).
    let horizon = t.horizon_y() + 1.0;
    let world_query: Vec<P> =
        screen_query.iter().filter_map(|p| t.screen_to_world([p[0], p[1].max(horizon)])).collect();
    let mut out = ResultBuilder::new(max_bytes);
    if world_query.is_empty() {
        return Ok(out.finish());
    }
    let zoom = t.zoom;
    // The shown symbols by layer, each layer's in placement order.
    let mut placed: HashMap<&str, Vec<&PlacedFeature>> = HashMap::new();
    for p in symbols {
        placed.entry(p.layer.as_str()).or_default().push(p);
    }
    for layer in style.layers.iter().rev() {
        if let Some(ids) = &options.layers {
            if !ids.iter().any(|id| id == &layer.id) {
                continue;
            }
        }
        if !is_drawn_kind(layer.kind) || layer.kind == LayerKind::Background || !layer_visible(layer, zoom) {
            continue;
        }
        let Some(source) = layer.source.as_deref() else { continue };
        let source_layer_name = layer.source_layer.as_deref().unwrap_or("");
        if fuel::left() == 0 {
            break;
        }
        // The layer's JSON, added to the answer with its first feature.
        let mut layer_index = None;
        if layer.kind == LayerKind::Symbol {
            let shown = placed.remove(layer.id.as_str()).unwrap_or_default();
            symbol_hits(layer, source, tiles, shown, &screen_query, extra.as_ref(), &mut |feature, tile, extent, state| {
                let l = *layer_index.get_or_insert_with(|| out.layer(layer_json(layer)));
                out.push(feature_json(feature, tile, extent, Some(layer), source, state), Some(l))
            })?;
            continue;
        }
        let mut covered = tiles.cover(source);
        covered.sort_by(tile_order);
        let padding_px = layer_padding(layer, zoom) * if t.pitch > 0.0 { 4.0 } else { 1.0 } + 1.0;
        let mut seen: HashSet<(TileId, usize)> = HashSet::new();
        for c in covered {
            let Some(data) = tiles.tile(source, c.id) else { continue };
            let Some(tile_layer) = tile_layer_of(&data, layer.source_layer.as_deref()) else { continue };
            let extent = tile_layer.extent.max(1);
            let tq = TileQuery::new(t, layer, c, extent, &world_query);
            let Some([qmin, qmax]) = geom::bbox(tq.query.iter()) else { continue };
            let pad = padding_px * tq.px_to_tile;
            // Like MapLibre, a tile is asked only when the (padded) query
            // reaches its square: features in its buffer that lie in a
            // neighbour's square are that neighbour's.
            let e = f64::from(extent);
            if qmin[0] - pad >= e || qmin[1] - pad >= e || qmax[0] + pad < 0.0 || qmax[1] + pad < 0.0 {
                continue;
            }
            for (index, feature) in tile_layer.features.iter().enumerate().rev() {
                if !draws(layer.kind, feature.geom_type) {
                    continue;
                }
                // The box and hit tests below walk the feature's points.
                if fuel::burn(feature.geometry.iter().map(|r| r.len() as u64).sum()).is_err() {
                    break;
                }
                if pad.is_finite() {
                    let Some([fmin, fmax]) = feature_bbox(feature) else { continue };
                    if fmax[0] < qmin[0] - pad || fmin[0] > qmax[0] + pad || fmax[1] < qmin[1] - pad || fmin[1] > qmax[1] + pad {
                        continue;
                    }
                }
                if seen.contains(&(c.id, index)) {
                    continue;
                }
                let mut fctx = EvaluationContext::for_feature(f64::from(c.overscaled_z), feature);
                fctx.canonical = Some(c.id);
                fctx.extent = extent;
                if layer.filter.as_ref().is_some_and(|f| !f.matches(&fctx)) {
                    continue;
                }
                if extra.as_ref().is_some_and(|f| !f.matches(&fctx)) {
                    continue;
                }
                let state = feature.id.as_ref().and_then(|id| tiles.feature_state(source, source_layer_name, id));
                if !hits(layer, feature, state, &tq, t, &screen_query) {
                    continue;
                }
                seen.insert((c.id, index));
                let l = *layer_index.get_or_insert_with(|| out.layer(layer_json(layer)));
                out.push(feature_json(feature, c.id, extent, Some(layer), source, state), Some(l))?;
            }
        }
    }
    Ok(out.finish())
}

/// A symbol layer's shown symbols (`placed`, in placement order) whose
/// collision shapes touch the query (logical screen px), tile by tile, each
/// feature once per tile, handed to `hit` with its tile, extent and state.
fn symbol_hits(
    layer: &Layer,
    source: &str,
    tiles: &dyn TileLookup,
    mut placed: Vec<&PlacedFeature>,
    query: &[P],
    extra: Option<&Filter>,
    hit: &mut dyn FnMut(&Feature, TileId, u32, Option<&Properties>) -> Result<(), QueryError>,
) -> Result<(), QueryError> {
    let Some([qmin, qmax]) = geom::bbox(query.iter()) else { return Ok(()) };
    let (qmin, qmax) = ([qmin[0] as f32, qmin[1] as f32], [qmax[0] as f32, qmax[1] as f32]);
    // MapLibre tests the query against each shape's bounding box: a line
    // label's collision circles count as their squares (its grid hands
    // queries boxes).
    let touches = |s: &crate::symbol::grid::Shape| {
        let b = s.bounds();
        b[0] <= qmax[0] && qmin[0] <= b[2] && b[1] <= qmax[1] && qmin[1] <= b[3]
    };
    let mut seen: HashSet<(TileId, i32, usize)> = HashSet::new();
    // Tile by tile in the query's tile order, each tile's symbols in
    // placement order.
    placed.sort_by(|a, b| tile_order(&a.tile, &b.tile));
    for p in placed {
        if !p.shapes.iter().any(touches) || !seen.insert((p.tile.id, p.tile.wrap, p.feature)) {
            continue;
        }
        let Some(data) = tiles.tile(source, p.tile.id) else { continue };
        let Some(tile_layer) = tile_layer_of(&data, layer.source_layer.as_deref()) else { continue };
        let Some(feature) = tile_layer.features.get(p.feature) else { continue };
        let extent = tile_layer.extent.max(1);
        let mut fctx = EvaluationContext::for_feature(f64::from(p.tile.overscaled_z), feature);
        fctx.canonical = Some(p.tile.id);
        fctx.extent = extent;
        if extra.is_some_and(|f| !f.matches(&fctx)) {
            continue;
        }
        let state = feature.id.as_ref().and_then(|id| tiles.feature_state(source, layer.source_layer.as_deref().unwrap_or(""), id));
        hit(feature, p.tile.id, extent, state)?;
    }
    Ok(())
}

/// All features of `source` (and `source_layer`) in the given loaded tiles,
/// optionally filtered, in tile order; a feature with an id is returned once.
/// The answer is at most `max_bytes` of JSON.
pub fn query_source_features(
    source: &str,
    source_layer: Option<&str>,
    filter: Option<&Filter>,
    tiles: &dyn TileLookup,
    max_bytes: u64,
) -> Result<QueryResult, QueryError> {
    let mut covered = tiles.cover(source);
    covered.sort_by(tile_order);
    let mut done_tiles: HashSet<TileId> = HashSet::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut out = ResultBuilder::new(max_bytes);
    for c in covered {
        if !done_tiles.insert(c.id) {
            continue;
        }
        let Some(data) = tiles.tile(source, c.id) else { continue };
        let Some(tile_layer) = tile_layer_of(&data, source_layer) else { continue };
        let extent = tile_layer.extent.max(1);
        for feature in tile_layer.features.iter() {
            let mut fctx = EvaluationContext::for_feature(f64::from(c.overscaled_z), feature);
            fctx.canonical = Some(c.id);
            fctx.extent = extent;
            if filter.is_some_and(|f| !f.matches(&fctx)) {
                continue;
            }
            if let Some(id) = &feature.id {
                if !seen_ids.insert(value_to_json(id).to_string()) {
                    continue;
                }
            }
            let state = feature.id.as_ref().and_then(|id| tiles.feature_state(source, source_layer.unwrap_or(""), id));
            let mut j = feature_json(feature, c.id, extent, None, source, state);
            if let (Some(sl), J::Object(m)) = (source_layer, &mut j) {
                m.insert("sourceLayer".into(), J::String(sl.to_string()));
            }
            out.push(j, None)?;
        }
    }
    Ok(out.finish())
}

#[cfg(test)]
mod tests;
