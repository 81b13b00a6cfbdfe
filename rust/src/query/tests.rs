//! Engine-level tests of the queries over hand-made tiles.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value as J};

use super::*;
use crate::source::feature::{Properties, TileData, TileId, TileLayer};

struct FakeTiles {
    tiles: HashMap<TileId, Arc<TileData>>,
    cover: Vec<CoveredTile>,
    /// Feature state of source "s", layer "l", by numeric id.
    state: HashMap<i64, Properties>,
}

impl TileLookup for FakeTiles {
    fn tile(&self, source: &str, id: TileId) -> Option<Arc<TileData>> {
        (source == "s").then(|| self.tiles.get(&id).cloned()).flatten()
    }
    fn cover(&self, source: &str) -> Vec<CoveredTile> {
        if source == "s" {
            self.cover.clone()
        } else {
            vec![]
        }
    }
    fn feature_state(&self, source: &str, source_layer: &str, id: &Value) -> Option<&Properties> {
        if (source, source_layer) != ("s", "l") {
            return None;
        }
        self.state.get(&(id.as_f64()? as i64))
    }
}

fn feature(id: u32, kind: &str, geom_type: GeomType, geometry: Vec<Vec<(i32, i32)>>) -> Feature {
    let mut properties = Properties::default();
    properties.insert("kind", Value::String(kind.into()));
    properties.insert("rank", Value::Number(3.0));
    properties.insert("ratio", Value::Number(0.5));
    Feature {
        id: Some(Value::Number(f64::from(id))),
        geom_type,
        geometry: geometry.into_iter().map(|p| p.into_iter().map(|(x, y)| TilePoint::new(x, y)).collect()).collect(),
        properties,
    }
}

/// One z0 tile (extent 4096: 8 tile units per pixel of a 512 px view):
/// a square polygon over screen 128..256, a horizontal line at screen y 384,
/// and a point at screen (384, 128).
fn world() -> (Style, Transform, FakeTiles) {
    let style = crate::style::parse_style(
        json!({
            "version": 8,
            "sources": {"s": {"type": "vector", "tiles": ["local://{z}/{x}/{y}"]}},
            "layers": [
                {"id": "fills", "type": "fill", "source": "s", "source-layer": "l"},
                {"id": "lines", "type": "line", "source": "s", "source-layer": "l", "paint": {"line-width": 10}},
                {"id": "circles", "type": "circle", "source": "s", "source-layer": "l",
                 "filter": ["==", "$type", "Point"]},
                {"id": "hidden", "type": "fill", "source": "s", "source-layer": "l", "layout": {"visibility": "none"}}
            ]
        })
        .to_string()
        .as_bytes(),
    )
    .expect("style")
    .style;
    let square = vec![vec![(1024, 1024), (2048, 1024), (2048, 2048), (1024, 2048), (1024, 1024)]];
    let layer = TileLayer::new(
        "l".into(),
        4096,
        vec![
            feature(1, "a", GeomType::Polygon, square),
            feature(2, "b", GeomType::LineString, vec![vec![(0, 3072), (4096, 3072)]]),
            feature(3, "c", GeomType::Point, vec![vec![(3072, 1024)]]),
        ],
    );
    let id = TileId::new(0, 0, 0);
    let tiles = FakeTiles {
        tiles: HashMap::from([(id, Arc::new(TileData { layers: vec![layer] }))]),
        cover: vec![CoveredTile { id, overscaled_z: 0, wrap: 0 }],
        state: HashMap::new(),
    };
    let mut t = Transform::new(512.0, 512.0);
    t.set_camera(0.0, 0.0, 0.0, 0.0, 0.0);
    (style, t, tiles)
}

/// The rendered-feature query, unbounded, as JSON features.
fn rendered(
    style: &Style,
    t: &Transform,
    tiles: &dyn TileLookup,
    symbols: &[PlacedFeature],
    g: &QueryGeometry,
    o: &QueryOptions,
) -> Result<Vec<J>, QueryError> {
    query_rendered_features(style, t, tiles, symbols, g, o, u64::MAX).map(QueryResult::into_features)
}

/// The source-feature query, unbounded, as JSON features.
fn source_features(source: &str, source_layer: Option<&str>, filter: Option<&Filter>, tiles: &dyn TileLookup) -> Vec<J> {
    query_source_features(source, source_layer, filter, tiles, u64::MAX).unwrap().into_features()
}

fn ids(result: &[J]) -> Vec<(String, i64)> {
    result.iter().map(|f| (f["layer"]["id"].as_str().unwrap().to_string(), f["id"].as_i64().unwrap())).collect()
}

fn query(g: QueryGeometry, o: &QueryOptions) -> Result<Vec<J>, QueryError> {
    let (style, t, tiles) = world();
    rendered(&style, &t, &tiles, &[], &g, o)
}

#[test]
fn point_queries_follow_the_rendered_shapes() {
    let o = QueryOptions::default();
    // inside the square: the fill, and the line layer draws the square's outline only
    assert_eq!(ids(&query(QueryGeometry::Point([200.0, 200.0]), &o).unwrap()), vec![("fills".into(), 1)]);
    assert!(query(QueryGeometry::Point([300.0, 300.0]), &o).unwrap().is_empty());
    // the line is 10 px wide: 4 px away hits, 6 px away does not
    assert_eq!(ids(&query(QueryGeometry::Point([100.0, 388.0]), &o).unwrap()), vec![("lines".into(), 2)]);
    assert!(query(QueryGeometry::Point([100.0, 390.0]), &o).unwrap().is_empty());
    // circle radius defaults to 5
    assert_eq!(ids(&query(QueryGeometry::Point([387.0, 128.0]), &o).unwrap()), vec![("circles".into(), 3)]);
    assert!(query(QueryGeometry::Point([390.0, 128.0]), &o).unwrap().is_empty());
    // on the square's edge: its outline (line layer, width 10) and the fill
    assert_eq!(
        ids(&query(QueryGeometry::Point([129.0, 200.0]), &o).unwrap()),
        vec![("lines".into(), 1), ("fills".into(), 1)]
    );
}

#[test]
fn box_query_returns_top_layer_first_and_the_feature_members() {
    let all = query(QueryGeometry::Box([0.0, 0.0], [512.0, 512.0]), &QueryOptions::default()).unwrap();
    assert_eq!(
        ids(&all),
        vec![("circles".into(), 3), ("lines".into(), 2), ("lines".into(), 1), ("fills".into(), 1)],
        "top-most layer first; within a layer, last feature first"
    );
    let f = &all[0];
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["source"], "s");
    assert_eq!(f["sourceLayer"], "l");
    assert_eq!(f["state"], json!({}));
    assert_eq!(f["layer"]["type"], "circle");
    assert_eq!(f["properties"], json!({"kind": "c", "rank": 3, "ratio": 0.5}));
    assert!(f["properties"]["rank"].is_u64(), "integral numbers stay integers");
    assert_eq!(f["geometry"]["type"], "Point");
    let c = f["geometry"]["coordinates"].as_array().unwrap();
    assert!((c[0].as_f64().unwrap() - 90.0).abs() < 1e-9);
    assert!((c[1].as_f64().unwrap() - 66.513_260_443_111_84).abs() < 1e-9, "{c:?}");
}

#[test]
fn options_select_layers_and_filter() {
    let b = QueryGeometry::Box([0.0, 0.0], [512.0, 512.0]);
    let o = QueryOptions { layers: Some(vec!["fills".into(), "circles".into()]), filter: None };
    assert_eq!(ids(&query(b.clone(), &o).unwrap()), vec![("circles".into(), 3), ("fills".into(), 1)]);
    let o = QueryOptions { layers: None, filter: Some(json!(["==", "kind", "b"])) };
    assert_eq!(ids(&query(b.clone(), &o).unwrap()), vec![("lines".into(), 2)]);
    let o = QueryOptions { layers: None, filter: Some(json!(["==", ["get", "rank"], 3])) };
    assert_eq!(query(b.clone(), &o).unwrap().len(), 4);
    // errors
    let o = QueryOptions { layers: Some(vec!["nope".into()]), filter: None };
    let e = query(b.clone(), &o).unwrap_err();
    assert_eq!(e.kind, QueryErrorKind::UnknownLayer);
    assert!(e.message.contains("\"nope\""), "{e}");
    let o = QueryOptions { layers: None, filter: Some(json!(["frobnicate", 1])) };
    let e = query(b, &o).unwrap_err();
    assert_eq!(e.kind, QueryErrorKind::InvalidFilter);
    assert!(e.message.starts_with("invalid query filter"), "{e}");
    let e = query(QueryGeometry::Point([f64::NAN, 1.0]), &QueryOptions::default()).unwrap_err();
    assert_eq!(e.kind, QueryErrorKind::InvalidGeometry);
    // a feature without geometry is never hit
    let (style, t, mut tiles) = world();
    let id = TileId::new(0, 0, 0);
    let mut data = (*tiles.tiles[&id]).clone();
    Arc::make_mut(&mut data.layers[0].features).push(feature(9, "empty", GeomType::Polygon, vec![]));
    Arc::make_mut(&mut data.layers[0].features).push(feature(10, "empty", GeomType::LineString, vec![vec![]]));
    tiles.tiles.insert(id, Arc::new(data));
    let all = rendered(&style, &t, &tiles, &[], &QueryGeometry::Box([0.0, 0.0], [512.0, 512.0]), &QueryOptions::default()).unwrap();
    assert_eq!(all.len(), 4);
}

#[test]
fn translate_moves_the_hit_area() {
    let (mut style, t, tiles) = world();
    for l in &mut style.layers {
        if l.id == "circles" {
            l.set_paint_property("circle-translate", &json!([20, 0])).unwrap();
        }
    }
    let o = QueryOptions::default();
    let hit = |x: f64, y: f64| rendered(&style, &t, &tiles, &[], &QueryGeometry::Point([x, y]), &o).unwrap();
    assert!(hit(384.0, 128.0).is_empty());
    assert_eq!(ids(&hit(404.0, 128.0)), vec![("circles".into(), 3)]);
}

#[test]
fn parses_geometry_and_options() {
    assert_eq!(QueryGeometry::from_json(&json!([1, 2.5])).unwrap(), QueryGeometry::Point([1.0, 2.5]));
    assert_eq!(
        QueryGeometry::from_json(&json!([[10, 20], [0, 5]])).unwrap().screen_points(),
        vec![[0.0, 5.0], [10.0, 5.0], [10.0, 20.0], [0.0, 20.0]]
    );
    assert!(QueryGeometry::from_json(&json!([1])).is_err());
    assert!(QueryGeometry::from_json(&json!("x")).is_err());
    let o = QueryOptions::from_json(&json!({"layers": ["a", "b"], "filter": ["has", "x"]})).unwrap();
    assert_eq!(o.layers, Some(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(o.filter, Some(json!(["has", "x"])));
    assert!(QueryOptions::from_json(&json!({"layers": [1]})).is_err());
    assert!(QueryOptions::from_json(&json!(null)).unwrap().layers.is_none());
}

#[test]
fn geometry_in_lng_lat_from_the_canonical_tile() {
    let f = |t: GeomType, g: Vec<Vec<(i32, i32)>>| feature(1, "x", t, g);
    let z1 = TileId::new(1, 1, 1);
    let p = geometry_to_geojson(&f(GeomType::Point, vec![vec![(0, 0)]]), z1, 4096);
    assert_eq!(p, json!({"type": "Point", "coordinates": [0.0, 0.0]}));
    let mp = geometry_to_geojson(&f(GeomType::Point, vec![vec![(0, 0)], vec![(4096, 0)]]), z1, 4096);
    assert_eq!(mp["type"], "MultiPoint");
    assert!((mp["coordinates"][1][0].as_f64().unwrap() - 180.0).abs() < 1e-9);
    // two exteriors (same winding) make a MultiPolygon; a reversed ring is a hole
    let outer = |x: i32| vec![(x, 0), (x + 10, 0), (x + 10, 10), (x, 10), (x, 0)];
    let hole = vec![(2, 2), (2, 4), (4, 4), (4, 2), (2, 2)];
    let poly = geometry_to_geojson(&f(GeomType::Polygon, vec![outer(0), hole.clone()]), z1, 4096);
    assert_eq!(poly["type"], "Polygon");
    assert_eq!(poly["coordinates"].as_array().unwrap().len(), 2);
    let multi = geometry_to_geojson(&f(GeomType::Polygon, vec![outer(0), hole, outer(20)]), z1, 4096);
    assert_eq!(multi["type"], "MultiPolygon");
    assert_eq!(multi["coordinates"][0].as_array().unwrap().len(), 2);
    assert_eq!(multi["coordinates"][1].as_array().unwrap().len(), 1);
    let ml = geometry_to_geojson(&f(GeomType::LineString, vec![vec![(0, 0), (1, 1)], vec![(2, 2), (3, 3)]]), z1, 4096);
    assert_eq!(ml["type"], "MultiLineString");
}

#[test]
fn source_features_are_filtered_and_deduplicated_by_id() {
    let (_, _, mut tiles) = world();
    let a = TileId::new(0, 0, 0);
    // the same tile in two world copies, and its data again as another tile
    let b = TileId::new(1, 0, 0);
    let data = tiles.tiles[&a].clone();
    tiles.tiles.insert(b, data);
    tiles.cover = vec![
        CoveredTile { id: a, overscaled_z: 0, wrap: 0 },
        CoveredTile { id: a, overscaled_z: 0, wrap: 1 },
        CoveredTile { id: b, overscaled_z: 1, wrap: 0 },
    ];
    let all = source_features("s", Some("l"), None, &tiles);
    assert_eq!(all.len(), 3);
    assert_eq!(all[0]["sourceLayer"], "l");
    assert!(all[0].get("layer").is_none());
    let filter = parse_filter(&json!(["==", "$type", "LineString"])).unwrap();
    let lines = source_features("s", Some("l"), Some(&filter), &tiles);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], 2);
    assert!(source_features("s", Some("other"), None, &tiles).is_empty());
}

#[test]
fn feature_state_drives_paint_and_is_returned() {
    let (mut style, t, mut tiles) = world();
    for l in &mut style.layers {
        if l.id == "lines" {
            l.set_paint_property("line-width", &json!(["case", ["boolean", ["feature-state", "hover"], false], 30, 10]))
                .unwrap();
        }
    }
    let o = QueryOptions { layers: Some(vec!["lines".into()]), filter: None };
    let at = |tiles: &FakeTiles| rendered(&style, &t, tiles, &[], &QueryGeometry::Point([100.0, 396.0]), &o).unwrap();
    assert!(at(&tiles).is_empty(), "12 px from a 10 px line");
    let mut hover = Properties::default();
    hover.insert("hover", Value::Bool(true));
    tiles.state.insert(2, hover);
    let hit = at(&tiles);
    assert_eq!(ids(&hit), vec![("lines".into(), 2)], "30 px wide while hovered");
    assert_eq!(hit[0]["state"], json!({"hover": true}));
    let source = source_features("s", Some("l"), None, &tiles);
    let line = source.iter().find(|f| f["id"] == 2).unwrap();
    assert_eq!(line["state"], json!({"hover": true}));
}
