use super::*;
use crate::source::geojson::{GeoJsonIndex, GeoJsonOptions};
use serde_json::json;

fn opts(max_zoom: u8, min_points: u64, properties: ClusterProperties) -> ClusterOptions {
    // supercluster's own defaults: radius 40 of a 512 extent.
    ClusterOptions { min_zoom: 0, max_zoom, radius: 40.0, extent: 512, min_points, properties }
}

fn point(x: f64, y: f64, v: f64) -> InputPoint {
    let mut props = Properties::default();
    props.insert("v", Value::Number(v));
    InputPoint { x, y, id: Some(Value::Number(v * 10.0)), props: Arc::new(props) }
}

const D: f64 = 0.005;

/// A, B, C close together (cluster from zoom 3 down), D far away, E joins
/// them at zoom 1: r(z) = 40 / (512 · 2^z) is 0.0098 at z3, 0.0195 at z2,
/// 0.039 at z1, and E is 0.03 from A.
fn five() -> Vec<InputPoint> {
    vec![
        point(0.5, 0.5, 1.0),
        point(0.5 + D, 0.5, 2.0),
        point(0.5, 0.5 + D, 4.0),
        point(0.25, 0.25, 16.0),
        point(0.53, 0.5, 8.0),
    ]
}

fn summary(idx: &ClusterIndex, z: u8) -> Vec<(u32, u32)> {
    idx.level(z).entries.iter().map(|e| (e.count, e.id)).collect()
}

#[test]
fn counts_centroids_and_ids_per_zoom() {
    let idx = ClusterIndex::new(five(), opts(3, 2, ClusterProperties::default())).unwrap();
    // Level 4 (max_zoom + 1): the points, ids their input indices.
    assert_eq!(summary(&idx, 4), [(1, 0), (1, 1), (1, 2), (1, 3), (1, 4)]);
    // z3: A, B, C merge under entry 0: id (0 << 5) + 3 + 1.
    assert_eq!(summary(&idx, 3), [(3, 4), (1, 3), (1, 4)]);
    let c = idx.level(3).entries[0];
    assert!((c.x - (0.5 + D / 3.0)).abs() < 1e-12 && (c.y - (0.5 + D / 3.0)).abs() < 1e-12, "{c:?}");
    // z2: the cluster stays (a new id, as MapLibre Native numbers it), E is
    // still out of reach.
    assert_eq!(summary(&idx, 2), [(3, 3), (1, 3), (1, 4)]);
    // z1: E joins: the centre is weighted by counts.
    assert_eq!(summary(&idx, 1), [(4, 2), (1, 3)]);
    let c = idx.level(1).entries[0];
    let want_x = (3.0 * (0.5 + D / 3.0) + 0.53) / 4.0;
    assert!((c.x - want_x).abs() < 1e-12, "{} vs {want_x}", c.x);
    assert_eq!(summary(&idx, 0), [(4, 1), (1, 3)]);
    // Deeper than level 4 the points stay.
    assert_eq!(summary(&idx, 9), summary(&idx, 4));
}

#[test]
fn tiles_carry_cluster_features_and_original_points() {
    let idx = ClusterIndex::new(five(), opts(3, 2, ClusterProperties::default())).unwrap();
    let t = idx.tile(3, 4, 4).unwrap();
    let fs = &t.layers[0].features;
    assert_eq!(t.layers[0].name, GEOJSON_LAYER);
    assert_eq!(t.layers[0].extent, 512);
    let cluster = fs.iter().find(|f| f.properties.contains("cluster")).unwrap();
    assert_eq!(cluster.properties.get("cluster"), Some(&Value::Bool(true)));
    assert_eq!(cluster.properties.get("cluster_id"), Some(&Value::Number(4.0)));
    assert_eq!(cluster.properties.get("point_count"), Some(&Value::Number(3.0)));
    assert_eq!(cluster.properties.get("point_count_abbreviated"), Some(&Value::Number(3.0)));
    assert_eq!(cluster.id, Some(Value::Number(4.0)));
    // 512 · ((0.5 + D/3) · 8 − 4) = 6.83 → 7.
    assert_eq!(cluster.geometry, vec![vec![TilePoint::new(7, 7)]]);
    // E is in the tile as itself, with its id and properties.
    let e = fs.iter().find(|f| !f.properties.contains("cluster")).unwrap();
    assert_eq!(e.id, Some(Value::Number(80.0)));
    assert_eq!(e.properties.get("v"), Some(&Value::Number(8.0)));
    // Beyond clusterMaxZoom: A, B, C and E themselves.
    let t = idx.tile(4, 8, 8).unwrap();
    let mut vs: Vec<f64> = t.layers[0]
        .features
        .iter()
        .map(|f| match f.properties.get("v") {
            Some(Value::Number(n)) => *n,
            _ => panic!("a point has its own properties"),
        })
        .collect();
    vs.sort_by(f64::total_cmp);
    assert_eq!(vs, [1.0, 2.0, 4.0, 8.0]);
    // Far tiles are empty; y out of range too.
    assert!(idx.tile(3, 0, 7).is_none());
    assert!(idx.tile(3, 0, 8).is_none());
}

#[test]
fn points_across_the_antimeridian_fall_in_the_buffer() {
    let idx = ClusterIndex::new(vec![point(0.999, 0.5, 1.0)], opts(3, 2, ClusterProperties::default())).unwrap();
    // Tile 2/0/2 sees it left of its edge: 512 · (0.999 · 4 − 4) = −2.
    let t = idx.tile(2, 0, 2).unwrap();
    assert_eq!(t.layers[0].features[0].geometry, vec![vec![TilePoint::new(-2, 0)]]);
    assert!(idx.tile(2, 3, 2).is_some());
    assert!(idx.tile(2, 1, 2).is_none());
}

#[test]
fn point_count_abbreviated_like_supercluster() {
    assert_eq!(abbreviated(2), Value::Number(2.0));
    assert_eq!(abbreviated(999), Value::Number(999.0));
    for (n, s) in [(1000, "1k"), (1234, "1.2k"), (1250, "1.3k"), (9949, "9.9k"), (9960, "10k"), (10_000, "10k"),
        (15_000, "15k"), (15_499, "15k"), (15_500, "16k"), (1_234_567, "1235k")]
    {
        assert_eq!(abbreviated(n), Value::String(s.into()), "{n}");
    }
}

fn properties(j: serde_json::Value) -> ClusterProperties {
    let mut w = Vec::new();
    let cp = ClusterProperties::parse(&j, "clusterProperties", &mut w);
    assert!(w.is_empty(), "{w:?}");
    cp
}

#[test]
fn cluster_properties_sum_max_and_custom_reduce() {
    let cp = properties(json!({
        "sum": ["+", ["get", "v"]],
        "top": ["max", ["get", "v"]],
        "double": [["+", ["accumulated"], ["get", "double"]], ["*", 2, ["get", "v"]]],
        "fails": ["+", ["get", "missing"]],
    }));
    let idx = ClusterIndex::new(five(), opts(3, 2, cp)).unwrap();
    let get = |z: u8, x: u32, y: u32| {
        let t = idx.tile(z, x, y).unwrap();
        t.layers[0].features.iter().find(|f| f.properties.contains("cluster")).unwrap().properties.clone()
    };
    let p = get(3, 4, 4);
    assert_eq!(p.get("sum"), Some(&Value::Number(7.0)));
    assert_eq!(p.get("top"), Some(&Value::Number(4.0)));
    assert_eq!(p.get("double"), Some(&Value::Number(14.0)));
    // `["get", "missing"]` is null: the map gives null and "+" fails on it: null.
    assert_eq!(p.get("fails"), Some(&Value::Null));
    // z1: E (8) joined.
    let p = get(1, 1, 1);
    assert_eq!(p.get("sum"), Some(&Value::Number(15.0)));
    assert_eq!(p.get("top"), Some(&Value::Number(8.0)));
    assert_eq!(p.get("double"), Some(&Value::Number(30.0)));
    // The built-in properties win over a cluster property of the same name.
    let cp = properties(json!({"point_count": ["+", ["get", "v"]]}));
    let idx = ClusterIndex::new(five(), opts(3, 2, cp)).unwrap();
    let t = idx.tile(0, 0, 0).unwrap();
    let f = t.layers[0].features.iter().find(|f| f.properties.contains("cluster")).unwrap();
    assert_eq!(f.properties.get("point_count"), Some(&Value::Number(4.0)));
}

#[test]
fn min_points_holds_clusters_back_and_unchanged_levels_are_shared() {
    let idx = ClusterIndex::new(five(), opts(3, 4, ClusterProperties::default())).unwrap();
    // Three points are not enough at z3 and z2: the level stays the same.
    assert_eq!(summary(&idx, 3), [(1, 0), (1, 1), (1, 2), (1, 3), (1, 4)]);
    assert!(Arc::ptr_eq(&idx.levels[3], &idx.levels[4]) && Arc::ptr_eq(&idx.levels[2], &idx.levels[4]));
    // z1: E makes four.
    assert_eq!(summary(&idx, 1), [(4, 2), (1, 3)]);
    // min_points below 2 means 2.
    let idx = ClusterIndex::new(five(), opts(3, 0, ClusterProperties::default())).unwrap();
    assert_eq!(summary(&idx, 3), [(3, 4), (1, 3), (1, 4)]);
}

#[test]
fn hostile_input_many_equal_points_and_non_finite_coordinates() {
    let mut points: Vec<InputPoint> = (0..100_000).map(|i| point(0.3, 0.6, f64::from(i))).collect();
    points.push(point(f64::NAN, 0.5, 1.0));
    points.push(point(0.5, f64::INFINITY, 1.0));
    let start = std::time::Instant::now();
    let idx = ClusterIndex::new(points, opts(16, 2, properties(json!({"sum": ["+", ["get", "v"]]})))).unwrap();
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    assert_eq!(idx.points.len(), 100_000, "non-finite points are skipped");
    let t = idx.tile(0, 0, 0).unwrap();
    assert_eq!(t.layers[0].features.len(), 1);
    let p = &t.layers[0].features[0].properties;
    assert_eq!(p.get("point_count"), Some(&Value::Number(100_000.0)));
    assert_eq!(p.get("point_count_abbreviated"), Some(&Value::String("100k".into())));
    assert_eq!(p.get("sum"), Some(&Value::Number(99_999.0 * 100_000.0 / 2.0)));
    // Past clusterMaxZoom every point is there.
    let (x, y) = ((0.3f64 * 131072.0) as u32, (0.6f64 * 131072.0) as u32);
    assert_eq!(idx.tile(17, x, y).unwrap().layers[0].features.len(), 100_000);
    // A zoom far past the levels and an absurd radius are handled.
    assert!(idx.tile(40, 0, 0).is_none());
    let mut o = opts(3, 2, ClusterProperties::default());
    o.radius = f64::NAN;
    assert!(ClusterIndex::new(five(), o).is_err());
}

fn collection(features: Vec<serde_json::Value>) -> serde_json::Value {
    json!({"type": "FeatureCollection", "features": features})
}

fn pt_feature(lng: f64, lat: f64, n: i64) -> serde_json::Value {
    json!({"type": "Feature", "id": n, "properties": {"n": n}, "geometry": {"type": "Point", "coordinates": [lng, lat]}})
}

fn cluster_count(t: &TileData) -> Vec<f64> {
    let mut v: Vec<f64> = t.layers[0]
        .features
        .iter()
        .map(|f| match f.properties.get("point_count") {
            Some(Value::Number(n)) => *n,
            _ => 1.0,
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

#[test]
fn geojson_sources_cluster_up_to_cluster_max_zoom_and_drop_other_geometries() {
    // Two points 0.0001° apart: together at every clustering zoom.
    let data = collection(vec![
        pt_feature(10.0, 10.0, 1),
        pt_feature(10.0001, 10.0, 2),
        json!({"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [10, 10]]}}),
        json!({"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": [[10, 10]]}}),
        json!({"type": "Feature", "properties": {}, "geometry": null}),
    ]);
    let tile_of = |z: u8| {
        let n = f64::from(1u32 << z);
        ((super::project_x(10.0) * n) as u32, (super::project_y(10.0) * n) as u32)
    };
    // maxzoom 10: clusterMaxZoom defaults to 9.
    let o = GeoJsonOptions { cluster: true, max_zoom: 10, ..GeoJsonOptions::default() };
    let idx = GeoJsonIndex::new(&data, o).unwrap();
    let (x, y) = tile_of(9);
    assert_eq!(cluster_count(&idx.tile(9, x, y).unwrap().unwrap()), [2.0]);
    let (x, y) = tile_of(10);
    assert_eq!(cluster_count(&idx.tile(10, x, y).unwrap().unwrap()), [1.0, 1.0], "only the two points, no line");
    assert!(idx.tile(11, x * 2, y * 2).unwrap().is_none(), "beyond maxzoom: overzoomed by the caller");
    // An explicit clusterMaxZoom.
    let o = GeoJsonOptions { cluster: true, cluster_max_zoom: Some(3), ..GeoJsonOptions::default() };
    let idx = GeoJsonIndex::new(&data, o).unwrap();
    let (x, y) = tile_of(3);
    assert_eq!(cluster_count(&idx.tile(3, x, y).unwrap().unwrap()), [2.0]);
    let (x, y) = tile_of(4);
    let t = idx.tile(4, x, y).unwrap().unwrap();
    assert_eq!(cluster_count(&t), [1.0, 1.0]);
    assert!(t.layers[0].features.iter().all(|f| f.geom_type == GeomType::Point));
    // Point ids come through.
    let mut ids: Vec<Option<Value>> = t.layers[0].features.iter().map(|f| f.id.clone()).collect();
    ids.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    assert_eq!(ids, [Some(Value::Number(1.0)), Some(Value::Number(2.0))]);
    // A single Feature is not a collection: tiled unclustered, like MapLibre.
    let o = GeoJsonOptions { cluster: true, ..GeoJsonOptions::default() };
    let idx = GeoJsonIndex::new(&pt_feature(10.0, 10.0, 1), o).unwrap();
    assert!(idx.cluster.is_none() && idx.tile(0, 0, 0).unwrap().is_some());
}
