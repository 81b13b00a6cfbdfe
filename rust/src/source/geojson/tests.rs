use super::*;
use crate::data::value::Value;
use serde_json::json;
use std::sync::atomic::Ordering;

fn index(v: serde_json::Value) -> GeoJsonIndex {
    GeoJsonIndex::new(&v, GeoJsonOptions::default()).unwrap()
}

fn pt(x: i32, y: i32) -> TilePoint {
    TilePoint::new(x, y)
}

#[test]
fn point_positions() {
    let idx = index(json!({"type":"Feature","id":5,"properties":{"name":"a","n":2},
        "geometry":{"type":"Point","coordinates":[0,0]}}));
    let t = idx.tile(0, 0, 0).unwrap().unwrap();
    let l = t.layer(GEOJSON_LAYER).unwrap();
    assert_eq!(l.extent, 8192);
    assert_eq!(l.features.len(), 1);
    let f = &l.features[0];
    assert_eq!(f.geom_type, GeomType::Point);
    assert_eq!(f.geometry, vec![vec![pt(4096, 4096)]]);
    assert_eq!(f.id, Some(Value::Number(5.0)));
    assert_eq!(f.properties.get("name"), Some(&Value::String("a".into())));
    // at z1 the point sits on the corner of all four tiles: within each buffer
    for (x, y, want) in [(0, 0, pt(8192, 8192)), (1, 0, pt(0, 8192)), (0, 1, pt(8192, 0)), (1, 1, pt(0, 0))] {
        let t = idx.tile(1, x, y).unwrap().unwrap();
        assert_eq!(t.layers[0].features[0].geometry, vec![vec![want]], "tile 1/{x}/{y}");
    }
    // a point far from tile 3/0/0 is not in it
    assert!(idx.tile(3, 0, 0).unwrap().is_none());
    // x wraps around the world
    assert_eq!(idx.tile(1, 2, 0).unwrap(), idx.tile(1, 0, 0).unwrap());
    assert!(idx.tile(1, 0, 2).unwrap().is_none());
    assert!(idx.tile(19, 0, 0).unwrap().is_none()); // beyond max zoom
}

#[test]
fn drill_down_to_deep_tile() {
    // Berlin
    let idx = index(json!({"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[13.4, 52.5]}}]}));
    let z = 14u8;
    let n = (1u32 << z) as f64;
    let x = convert::project_x(13.4) * n;
    let y = convert::project_y(52.5) * n;
    let t = idx.tile(z, x as u32, y as u32).unwrap().unwrap();
    let p = t.layers[0].features[0].geometry[0][0];
    assert_eq!(p.x, ((x - x.floor()) * 8192.0).round() as i32);
    assert_eq!(p.y, ((y - y.floor()) * 8192.0).round() as i32);
    // cached: same answer again
    assert_eq!(idx.tile(z, x as u32, y as u32).unwrap().unwrap(), t);
    // neighbour far away is empty
    assert!(idx.tile(z, x as u32 + 5, y as u32).unwrap().is_none());
}

#[test]
fn line_is_split_at_tile_edges_with_buffer() {
    let idx = index(json!({"type":"Feature","properties":{},
        "geometry":{"type":"LineString","coordinates":[[-90,0],[90,0]]}}));
    let t = idx.tile(1, 0, 1).unwrap().unwrap();
    let f = &t.layers[0].features[0];
    assert_eq!(f.geom_type, GeomType::LineString);
    // from x = -90 (2048 at z0 -> 4096 at z1) to the right buffer edge (8192 + 2048)
    assert_eq!(f.geometry, vec![vec![pt(4096, 0), pt(8192 + 2048, 0)]]);
    let t = idx.tile(1, 1, 1).unwrap().unwrap();
    assert_eq!(t.layers[0].features[0].geometry, vec![vec![pt(-2048, 0), pt(4096, 0)]]);
    // a line leaving the buffered tile and coming back makes two pieces
    let idx = index(json!({"type":"Feature","properties":{},
        "geometry":{"type":"LineString","coordinates":[[-90,40],[90,40],[90,50],[-90,50]]}}));
    let t = idx.tile(1, 0, 0).unwrap().unwrap();
    let g = &t.layers[0].features[0].geometry;
    assert_eq!(g.len(), 2, "{g:?}");
    // both pieces end/start on the buffer edge: lng 45 = 8192 + 2048
    assert_eq!(g[0].last().unwrap().x, 8192 + 2048);
    assert_eq!(g[1].first().unwrap().x, 8192 + 2048);
    assert_eq!(g[0].first().unwrap().x, 4096);
}

#[test]
fn polygon_clipped_closed_and_wound() {
    // counter-clockwise (GeoJSON right-hand rule) big square around the origin
    let idx = index(json!({"type":"Feature","properties":{},
        "geometry":{"type":"Polygon","coordinates":[[[-100,-60],[100,-60],[100,60],[-100,60],[-100,-60]],
            [[-10,-10],[-10,10],[10,10],[10,-10],[-10,-10]]]}}));
    let t = idx.tile(2, 1, 1).unwrap().unwrap();
    let f = &t.layers[0].features[0];
    assert_eq!(f.geom_type, GeomType::Polygon);
    for ring in &f.geometry {
        assert_eq!(ring.first(), ring.last());
        for p in ring {
            assert!(p.x >= -2048 && p.x <= 8192 + 2048 && p.y >= -2048 && p.y <= 8192 + 2048, "{p:?}");
        }
    }
    assert!(signed_area(&f.geometry[0]) > 0, "exterior must have positive area");
    // the hole's corner (10,10)... lies in tile 2/1/1 only partly: the hole is
    // centred on the tile corner, so it is clipped too and wound negatively
    assert_eq!(f.geometry.len(), 2);
    assert!(signed_area(&f.geometry[1]) < 0, "hole must have negative area");
    // the exterior is clipped to the buffered tile: its bounding box is the buffer box
    let xs: Vec<i32> = f.geometry[0].iter().map(|p| p.x).collect();
    // west edge (-100°) lies inside the buffer: (80/360 - 1/4) * 4 * 8192 = -910
    assert_eq!(*xs.iter().min().unwrap(), -910);
    assert_eq!(*xs.iter().max().unwrap(), 8192 + 2048);
}

#[test]
fn simplification_depends_on_zoom() {
    // a wiggly line: many points with small offsets
    let coords: Vec<serde_json::Value> =
        (0..=200).map(|i| json!([-50.0 + i as f64 * 0.5, if i % 2 == 0 { 0.0 } else { 0.01 }])).collect();
    let idx = index(json!({"type":"Feature","properties":{},
        "geometry":{"type":"LineString","coordinates":coords}}));
    let count = |z: u8, x: u32, y: u32| -> usize {
        idx.tile(z, x, y).unwrap().map(|t| t.layers[0].features.iter().flat_map(|f| f.geometry.iter()).map(|g| g.len()).sum()).unwrap_or(0)
    };
    let z0 = count(0, 0, 0);
    assert_eq!(z0, 2, "z0 keeps only the ends");
    // at max zoom every point is kept: look at a tile on the line
    let n = (1u32 << 18) as f64;
    let x = (convert::project_x(0.0) * n) as u32;
    let y = (convert::project_y(0.0) * n) as u32;
    let t = idx.tile(18, x, y - 1).unwrap().or_else(|| idx.tile(18, x, y).unwrap()).unwrap();
    assert!(!t.layers[0].features.is_empty());
    // tiny polygons vanish at low zoom but exist at high zoom
    let idx = index(json!({"type":"Feature","properties":{},
        "geometry":{"type":"Polygon","coordinates":[[[0,0],[0.0001,0],[0.0001,0.0001],[0,0.0001],[0,0]]]}}));
    assert!(idx.tile(0, 0, 0).unwrap().is_none());
    let n = (1u32 << 16) as f64;
    let t = idx.tile(16, (convert::project_x(0.00005) * n) as u32, (convert::project_y(0.00005) * n) as u32).unwrap();
    assert!(t.is_some());
}

#[test]
fn antimeridian_wrap() {
    let idx = index(json!({"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[179.9, 0]}},
        {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[170, 5],[190, 5]]}}]}));
    // the point shows in the buffer of the westernmost tile at z1
    let t = idx.tile(1, 0, 0).unwrap().unwrap();
    let pts: Vec<_> = t.layers[0].features.iter().filter(|f| f.geom_type == GeomType::Point).collect();
    assert_eq!(pts.len(), 1);
    assert!(pts[0].geometry[0][0].x < 0 && pts[0].geometry[0][0].x > -100);
    // the line past 180 continues in the western tile
    let lines: Vec<_> = t.layers[0].features.iter().filter(|f| f.geom_type == GeomType::LineString).collect();
    assert_eq!(lines.len(), 1);
    let xs: Vec<i32> = lines[0].geometry[0].iter().map(|p| p.x).collect();
    assert!(xs.iter().any(|&x| x > 0) && xs.iter().any(|&x| x < 0), "{xs:?}");
}

#[test]
fn all_geometry_types_and_ids() {
    let v = json!({"type":"FeatureCollection","features":[
        {"type":"Feature","id":"a","properties":{"k":1},"geometry":{"type":"MultiPoint","coordinates":[[1,1],[2,2]]}},
        {"type":"Feature","properties":{"k":2},"geometry":{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}},
        {"type":"Feature","properties":{"k":3},"geometry":{"type":"MultiPolygon","coordinates":[
            [[[0,0],[5,0],[5,5],[0,5],[0,0]]],[[[10,10],[15,10],[15,15],[10,15],[10,10]]]]}},
        {"type":"Feature","properties":{"k":4},"geometry":{"type":"GeometryCollection","geometries":[
            {"type":"Point","coordinates":[0,0]},{"type":"LineString","coordinates":[[0,0],[10,10]]}]}},
        {"type":"Feature","properties":null,"geometry":null}
    ]});
    let idx = GeoJsonIndex::new(&v, GeoJsonOptions::default()).unwrap();
    let t = idx.tile(0, 0, 0).unwrap().unwrap();
    let fs = &t.layers[0].features;
    assert_eq!(fs.len(), 5);
    assert_eq!(fs[0].geom_type, GeomType::Point);
    assert_eq!(fs[0].geometry.len(), 2);
    assert_eq!(fs[0].id, Some(Value::String("a".into())));
    assert_eq!(fs[1].geom_type, GeomType::LineString);
    assert_eq!(fs[1].geometry.len(), 2);
    assert_eq!(fs[2].geom_type, GeomType::Polygon);
    assert_eq!(fs[2].geometry.len(), 2);
    assert!(fs[2].geometry.iter().all(|r| signed_area(r) > 0));
    assert_eq!(fs[3].properties.get("k"), Some(&Value::Number(4.0)));
    assert_eq!(fs[4].geom_type, GeomType::LineString);
    // promoteId / generateId
    let o = GeoJsonOptions { promote_id: Some("k".into()), ..GeoJsonOptions::default() };
    let t = GeoJsonIndex::new(&v, o).unwrap().tile(0, 0, 0).unwrap().unwrap();
    assert_eq!(t.layers[0].features[1].id, Some(Value::Number(2.0)));
    let o = GeoJsonOptions { generate_id: true, ..GeoJsonOptions::default() };
    let t = GeoJsonIndex::new(&v, o).unwrap().tile(0, 0, 0).unwrap().unwrap();
    assert_eq!(t.layers[0].features[2].id, Some(Value::Number(2.0)));
    // a bare geometry
    let t = index(json!({"type":"LineString","coordinates":[[0,0],[1,1]]})).tile(0, 0, 0).unwrap().unwrap();
    assert_eq!(t.layers[0].features.len(), 1);
}

#[test]
fn invalid_geojson_errors() {
    let e = |v: serde_json::Value| GeoJsonIndex::new(&v, GeoJsonOptions::default()).unwrap_err().to_string();
    assert!(e(json!([])).contains("must be an object"));
    assert!(e(json!({})).contains("no \"type\""));
    assert!(e(json!({"type":"FeatureCollection"})).contains("\"features\""));
    let err = e(json!({"type":"FeatureCollection","features":[
        {"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]}},
        {"type":"Feature","geometry":{"type":"Point","coordinates":[0]}}]}));
    assert!(err.contains("feature 1") && err.contains("two numbers"), "{err}");
    assert!(e(json!({"type":"Circle","coordinates":[0,0]})).contains("unknown geometry type \"Circle\""));
    assert!(e(json!({"type":"Feature","geometry":{"type":"Polygon","coordinates":5}})).contains("must be an array"));
    assert!(e(json!({"type":"Feature","properties":3,"geometry":null})).contains("properties"));
    assert!(e(json!({"type":"Point","coordinates":[0,"a"]})).contains("numbers"));
    assert!(GeoJsonIndex::from_json(b"{", GeoJsonOptions::default()).unwrap_err().to_string().contains("not valid JSON"));
    // Clustered sources report malformed features the same way.
    let o = GeoJsonOptions { cluster: true, ..GeoJsonOptions::default() };
    let err = GeoJsonIndex::new(&json!({"type":"FeatureCollection","features":[
        {"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]}}, {"type":"Feature","properties":3}]}), o)
    .unwrap_err()
    .to_string();
    assert!(err.contains("feature 1") && err.contains("properties"), "{err}");
}

#[test]
fn many_points_index_splits_eagerly() {
    let feats: Vec<serde_json::Value> = (0..300)
        .map(|i| json!({"type":"Feature","properties":{"i":i},
            "geometry":{"type":"Point","coordinates":[-170.0 + i as f64, (i % 80) as f64 - 40.0]}}))
        .collect();
    let o = GeoJsonOptions { index_max_points: 50, ..GeoJsonOptions::default() };
    let idx = GeoJsonIndex::new(&json!({"type":"FeatureCollection","features":feats}), o).unwrap();
    let total_z0 = idx.tile(0, 0, 0).unwrap().unwrap().layers[0].features.len();
    // z0 holds every point plus the copies within the buffer across the antimeridian
    // (a z0 buffer is a quarter of the world: lng <= -90 and lng >= 90; like
    // geojson-vt, a point exactly on the buffer's edge is inside)
    assert_eq!(total_z0, 300 + 81 + 40);
    // every point appears in exactly one z3 tile once buffers are ignored
    let mut inside = 0;
    for x in 0..8 {
        for y in 0..8 {
            if let Some(t) = idx.tile(3, x, y).unwrap() {
                inside += t.layers[0].features.iter()
                    .filter(|f| { let p = f.geometry[0][0]; p.x >= 0 && p.x < 8192 && p.y >= 0 && p.y < 8192 })
                    .count();
            }
        }
    }
    assert_eq!(inside, 300);
}

#[test]
fn options_from_source_json() {
    let o = GeoJsonOptions::from_source_json(&json!({"type":"geojson","data":{},"maxzoom":14,"buffer":64,
        "tolerance":1,"generateId":true})).unwrap();
    assert_eq!((o.max_zoom, o.buffer, o.tolerance, o.generate_id), (14, 64.0, 1.0, true));
    let o = GeoJsonOptions::from_source_json(&json!({"promoteId":{"_geojsonTileLayer":"gid"}})).unwrap();
    assert_eq!(o.promote_id.as_deref(), Some("gid"));
    assert_eq!(GeoJsonOptions::from_source_json(&json!({})).unwrap(), GeoJsonOptions::default());
    assert!(GeoJsonOptions::from_source_json(&json!({"buffer":1000})).unwrap_err().contains("buffer"));
    assert!(GeoJsonOptions::from_source_json(&json!({"cluster":"yes"})).unwrap_err().contains("boolean"));
    assert!(GeoJsonOptions::from_source_json(&json!({"filter":["==","a",1]})).unwrap().filter.is_some());
    let err = GeoJsonOptions::from_source_json(&json!({"filter":["+",1,2]})).unwrap_err();
    assert!(err.starts_with("GeoJSON source \"filter\": ") && err.contains("boolean"), "{err}");
    let o = GeoJsonOptions::from_source_json(&json!({"cluster":true,"clusterRadius":40,"clusterMaxZoom":9,
        "clusterMinPoints":3,"clusterProperties":{"sum":["+",["get","n"]]}}))
    .unwrap();
    assert_eq!((o.cluster, o.cluster_radius, o.cluster_max_zoom, o.cluster_min_points), (true, 40.0, Some(9), 3));
    assert_eq!(o.cluster_properties.0.len(), 1);
    let err = GeoJsonOptions::from_source_json(&json!({"clusterProperties":{"x":["+",["accumulated"]]}})).unwrap_err();
    assert!(err.contains("clusterProperties.x.map") && err.contains("accumulated"), "{err}");
    // An empty collection clusters to nothing.
    let idx = GeoJsonIndex::new(&json!({"type":"FeatureCollection","features":[]}), o).unwrap();
    assert!(idx.tile(0, 0, 0).unwrap().is_none());
}

#[test]
fn max_zoom_tiles_keep_all_points() {
    // 50 points over 0.049° of longitude with a 1e-7° wiggle
    let coords: Vec<serde_json::Value> = (0..50).map(|i| json!([i as f64 * 1e-3, 1.0 + (i % 2) as f64 * 1e-7])).collect();
    let o = GeoJsonOptions { max_zoom: 10, ..GeoJsonOptions::default() };
    let idx = GeoJsonIndex::new(&json!({"type":"LineString","coordinates":coords}), o).unwrap();
    let at = |z: u8| {
        let n = (1u32 << z) as f64;
        let t = idx.tile(z, (convert::project_x(0.02) * n) as u32, (convert::project_y(1.0) * n) as u32).unwrap().unwrap();
        t.layers[0].features[0].geometry.iter().map(|g| g.len()).sum::<usize>()
    };
    assert_eq!(at(10), 50, "max zoom keeps every point");
    assert_eq!(at(9), 2, "below max zoom the wiggle is simplified away");
    assert!(idx.tile(11, 0, 0).unwrap().is_none());
}

#[test]
fn random_polygons_clip_within_buffer_and_stay_closed() {
    let mut seed = 0x2545f4914f6cdd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for round in 0..40 {
        let (cx, cy) = (rnd() * 300.0 - 150.0, rnd() * 120.0 - 60.0);
        let n = 3 + (rnd() * 30.0) as usize;
        let mut ring: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = 5.0 + rnd() * 40.0;
                json!([cx + r * a.cos(), cy + r * a.sin()])
            })
            .collect();
        ring.push(ring[0].clone());
        let idx = index(json!({"type":"Polygon","coordinates":[ring]}));
        for z in [0u8, 2, 4, 7] {
            let nn = 1u32 << z;
            let tx = ((convert::project_x(cx) * nn as f64) as u32).min(nn - 1);
            let ty = ((convert::project_y(cy) * nn as f64) as u32).min(nn - 1);
            let Some(t) = idx.tile(z, tx, ty).unwrap() else { continue };
            for f in t.layers[0].features.iter() {
                for r in &f.geometry {
                    assert_eq!(r.first(), r.last(), "round {round} z{z}: ring not closed");
                    for p in r {
                        assert!(
                            (-2048..=8192 + 2048).contains(&p.x) && (-2048..=8192 + 2048).contains(&p.y),
                            "round {round} z{z}: {p:?} outside the buffer"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn index_is_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<GeoJsonIndex>();
    let idx = std::sync::Arc::new(index(json!({"type":"Point","coordinates":[10, 10]})));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let idx = idx.clone();
            std::thread::spawn(move || idx.tile(6, 33, 30).unwrap().map(|t| t.layers[0].features.len()))
        })
        .collect();
    let got: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(got.iter().all(|g| *g == Some(1)), "{got:?}");
}

#[test]
fn line_metrics_give_clipped_pieces_their_place_on_the_line() {
    let line = json!({"type":"Feature","properties":{"k":1},"geometry":{"type":"LineString","coordinates":[[-80,0],[80,0]]}});
    let o = GeoJsonOptions { line_metrics: true, ..GeoJsonOptions::default() };
    let idx = GeoJsonIndex::new(&line, o.clone()).unwrap();
    let clip = |t: &TileData| -> (f64, f64) {
        let p = &t.layers[0].features[0].properties;
        match (p.get(CLIP_START), p.get(CLIP_END)) {
            (Some(Value::Number(a)), Some(Value::Number(b))) => (*a, *b),
            other => panic!("no clip fractions: {other:?}"),
        }
    };
    assert_eq!(clip(&idx.tile(0, 0, 0).unwrap().unwrap()), (0.0, 1.0));
    // At z1 the line is cut at lng 0 plus the tiles' buffers (a quarter
    // tile: 45 degrees), i.e. at lng 45 and -45.
    let (a0, b0) = clip(&idx.tile(1, 0, 0).unwrap().unwrap());
    let (a1, b1) = clip(&idx.tile(1, 1, 0).unwrap().unwrap());
    assert_eq!(a0, 0.0);
    assert_eq!(b1, 1.0);
    assert!((b0 - 125.0 / 160.0).abs() < 1e-9 && (a1 - 35.0 / 160.0).abs() < 1e-9, "{b0} {a1}");
    assert!(idx.tile(1, 0, 0).unwrap().unwrap().layers[0].features[0].properties.get("k").is_some());
    // Several lines in one tile measure distance instead (MapLibre Native).
    let multi = json!({"type":"Feature","geometry":{"type":"MultiLineString","coordinates":[[[-80,0],[-10,0]],[[10,0],[80,0]]]}});
    let idx = GeoJsonIndex::new(&multi, o).unwrap();
    assert!(idx.tile(0, 0, 0).unwrap().unwrap().layers[0].features[0].properties.get(CLIP_START).is_none());
    // Without lineMetrics: no fractions.
    let idx = GeoJsonIndex::new(&line, GeoJsonOptions::default()).unwrap();
    assert!(idx.tile(0, 0, 0).unwrap().unwrap().layers[0].features[0].properties.get(CLIP_START).is_none());
}

#[test]
fn tile_cache_stays_within_its_byte_budget_and_evicted_tiles_are_cut_again() {
    // Points and lines spread over 20° × 20°: many tiles at z6..z8.
    let mut feats: Vec<serde_json::Value> = (0..1500)
        .map(|i| {
            let (lng, lat) = ((i % 50) as f64 * 0.4 - 10.0, (i / 50) as f64 * 0.66 - 10.0);
            json!({"type":"Feature","properties":{"i":i,"name":format!("point {i}")},
                "geometry":{"type":"Point","coordinates":[lng, lat]}})
        })
        .collect();
    for k in 0..30 {
        let lat = k as f64 * 0.6 - 9.0;
        feats.push(json!({"type":"Feature","properties":{"k":k},
            "geometry":{"type":"LineString","coordinates":[[-10.0, lat], [0.0, lat + 0.3], [10.0, lat]]}}));
    }
    let data = json!({"type":"FeatureCollection","features":feats});
    let budget = 150_000;
    let unbounded = GeoJsonIndex::new(&data, GeoJsonOptions::default()).unwrap();
    let idx = GeoJsonIndex::new(&data, GeoJsonOptions { cache_bytes: budget, ..GeoJsonOptions::default() }).unwrap();
    assert!(idx.cached_bytes() <= budget, "{} after indexing", idx.cached_bytes());
    let mut tiles = Vec::new();
    for z in [6u8, 7, 8] {
        let n = 1u32 << z;
        let (x0, x1) = ((n as f64 * (170.0 / 360.0)) as u32, (n as f64 * (190.0 / 360.0)) as u32 + 1);
        for x in x0..=x1.min(n - 1) {
            for y in x0.saturating_sub(1)..=(x1 + 1).min(n - 1) {
                tiles.push((z, x, y));
            }
        }
    }
    let mut non_empty = 0;
    for &(z, x, y) in tiles.iter().chain(tiles.iter().rev()) {
        let got = idx.tile(z, x, y).unwrap();
        non_empty += usize::from(got.is_some());
        assert_eq!(got, unbounded.tile(z, x, y).unwrap(), "tile {z}/{x}/{y}");
        assert!(idx.cached_bytes() <= budget, "{} bytes after {z}/{x}/{y}", idx.cached_bytes());
    }
    assert!(non_empty > 100, "the walk sees data ({non_empty} tiles)");
    assert!(unbounded.cached_bytes() > 4 * budget, "the walk needs eviction: {}", unbounded.cached_bytes());
    // Deeper tiles are still cut correctly after everything was evicted.
    assert_eq!(idx.tile(12, 2048, 2048).unwrap(), unbounded.tile(12, 2048, 2048).unwrap());
    assert_eq!(idx.tile(12, 2047, 2040).unwrap(), unbounded.tile(12, 2047, 2040).unwrap());
}

#[test]
fn split_tiles_drop_their_input_and_are_cut_again_from_their_parent() {
    // A wiggly line around the world and points along it, indexed down to
    // z4: every level used to keep a copy of the data (1.15 GB for a 61 MB
    // line). Tiles whose children were cut hold no input after indexing;
    // asked for later, they give what an index that never split them gives,
    // cut from the whole data set once, then each from its parent.
    let line: Vec<[f64; 2]> = (0..4000).map(|i| [-179.0 + i as f64 * 0.0895, (i as f64 * 0.05).sin() * 60.0]).collect();
    let mut feats: Vec<serde_json::Value> = (0..400)
        .map(|i| json!({"type":"Feature","properties":{"i":i},"geometry":{"type":"Point","coordinates":line[i * 10]}}))
        .collect();
    feats.push(json!({"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":line}}));
    let data = json!({"type":"FeatureCollection","features":feats});
    let split = GeoJsonIndex::new(&data, GeoJsonOptions { index_max_zoom: 4, index_max_points: 50, ..GeoJsonOptions::default() }).unwrap();
    let whole = GeoJsonIndex::new(&data, GeoJsonOptions { index_max_zoom: 0, ..GeoJsonOptions::default() }).unwrap();
    let (n, held) = split.split_tiles();
    assert!(n > 20, "the index splits down to z4 ({n} split tiles)");
    assert_eq!(held, 0, "split tiles holding their input after indexing");
    let mut seen = 0;
    for z in 0..=5u8 {
        for x in 0..1u32 << z {
            for y in 0..1u32 << z {
                let got = split.tile(z, x, y).unwrap();
                seen += usize::from(got.is_some());
                assert_eq!(got, whole.tile(z, x, y).unwrap(), "tile {z}/{x}/{y}");
            }
        }
    }
    assert!(seen > 50, "{seen} tiles with data");
    assert_eq!(split.cuts().1, 1, "cuts from the whole data set");
}

#[test]
fn index_leaves_outlive_eviction_and_empty_tiles_need_no_cut() {
    // The wiggly line again, indexed down to z4, with a cache that keeps
    // nothing. The index's leaves keep what they were cut from: deeper
    // tiles are cut from them, never again from the whole data set (with
    // leaves evicted like any tile, a 61 MB line over the budget took 5-18 s
    // per zoom level, each tile cut from everything). And a split tile knows
    // which children are empty: tiles under them need no cut at all (they
    // were cut from everything too, once any tile had been evicted).
    let line: Vec<[f64; 2]> = (0..4000).map(|i| [-179.0 + i as f64 * 0.0895, (i as f64 * 0.05).sin() * 60.0]).collect();
    let data = json!({"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":line}});
    let options = GeoJsonOptions { index_max_zoom: 4, index_max_points: 50, ..GeoJsonOptions::default() };
    let bounded = GeoJsonIndex::new(&data, GeoJsonOptions { cache_bytes: 1, ..options.clone() }).unwrap();
    let unbounded = GeoJsonIndex::new(&data, options).unwrap();
    let mut seen = 0;
    for round in 0..2 {
        for z in 5..=7u8 {
            // Every tile from 150°W to 100°W: some on the line, most not.
            let n = 1u32 << z;
            for x in (n as f64 * 30.0 / 360.0) as u32..(n as f64 * 80.0 / 360.0) as u32 {
                for y in 0..n {
                    let before = bounded.cuts().0;
                    let got = bounded.tile(z, x, y).unwrap();
                    seen += usize::from(got.is_some());
                    assert_eq!(got, unbounded.tile(z, x, y).unwrap(), "round {round}: tile {z}/{x}/{y}");
                    assert!(bounded.cached_bytes() <= 1, "{} bytes kept after {z}/{x}/{y}", bounded.cached_bytes());
                    // The leaves' children were cut in the first round: an
                    // empty one, and all below it, are known empty now.
                    let empty_z5 = unbounded.tile(5, x >> (z - 5), y >> (z - 5)).unwrap().is_none();
                    if round == 1 && empty_z5 {
                        assert_eq!(bounded.cuts().0, before, "round 2: {z}/{x}/{y} under an empty z5 tile was cut");
                    }
                }
            }
        }
    }
    assert!(seen > 100, "{seen} tiles with data");
    let (cuts, from_root) = bounded.cuts();
    assert!(cuts > 0, "the walk cut tiles");
    assert_eq!(from_root, 0, "tiles below the index cut from the whole data set");
    // North of 79°N (z5 rows 0-4), far from the line: every tile is under a
    // child the index found empty, known without a cut.
    for z in 5..=7u8 {
        let n = 1u32 << z;
        for x in 0..n {
            for y in 0..5 << (z - 5) {
                assert_eq!(bounded.tile(z, x, y).unwrap(), None, "{z}/{x}/{y}");
            }
        }
    }
    assert_eq!(bounded.cuts().0, cuts, "empty tiles were cut");
}

#[test]
fn tiles_cut_on_the_way_to_a_deep_tile_make_no_features_until_asked_for() {
    // 2,000 points within a metre: every tile down to zoom 14 holds them
    // all. Making each level's output (15 copies of every feature and its
    // properties) took seconds and hundreds of MB for 20,000 such points.
    let feats: Vec<serde_json::Value> = (0..2000)
        .map(|i| {
            let (lng, lat) = (1e-6 + (i % 50) as f64 * 1e-7, 1e-6 + (i / 50) as f64 * 1e-7);
            json!({"type":"Feature","properties":{"name":format!("point {i}")},"geometry":{"type":"Point","coordinates":[lng, lat]}})
        })
        .collect();
    let idx = index(json!({"type":"FeatureCollection","features":feats}));
    assert_eq!(idx.tiles_with_features(), 0, "the eager index makes none");
    let count = |t: Option<TileData>| t.map_or(0, |t| t.layers[0].features.len());
    // (East of 0° and north of the equator: x = 2^13, y = 2^13 - 1 at z14.)
    assert_eq!(count(idx.tile(14, 8192, 8191).unwrap()), 2000);
    assert_eq!(idx.tiles_with_features(), 1, "only the tile asked for");
    // An ancestor asked for later makes its own, from the features it was cut from.
    assert_eq!(count(idx.tile(9, 256, 255).unwrap()), 2000);
    assert_eq!(idx.tiles_with_features(), 2);
    assert_eq!(idx.tile(14, 8192, 8191).unwrap(), index(json!({"type":"FeatureCollection","features":feats})).tile(14, 8192, 8191).unwrap());
}

#[test]
fn a_ring_starts_at_its_only_topmost_vertex() {
    // A tilted quad, counter-clockwise as GeoJSON writes it: wound clockwise
    // for the tile and turned to start at its top (north) vertex, as
    // MapLibre Native's ring fixer leaves it. A flat top keeps the ring's own start.
    let quad = |c: serde_json::Value| index(json!({"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[c]}}));
    let tilted = quad(json!([[-10, -8], [6, -10], [10, 7], [-7, 9], [-10, -8]]));
    let t = tilted.tile(0, 0, 0).unwrap().unwrap();
    let ring = &t.layers[0].features[0].geometry[0];
    let top = ring.iter().map(|p| p.y).min().unwrap();
    assert_eq!((ring[0].y, ring.first(), ring.len()), (top, ring.last(), 5), "{ring:?}");
    assert!(signed_area(ring) > 0);
    let flat = quad(json!([[-10, -8], [10, -8], [10, 8], [-10, 8], [-10, -8]]));
    let t = flat.tile(0, 0, 0).unwrap().unwrap();
    let ring = &t.layers[0].features[0].geometry[0];
    // Reversed for the winding, from the same first vertex (south-west).
    let sw = ring.iter().map(|p| (p.x, -p.y)).min().unwrap();
    assert_eq!((ring[0].x, -ring[0].y), sw, "{ring:?}");
}

#[test]
fn tiles_are_cut_outside_the_lock() {
    // Maps sharing an index (a tile server's runtimes) make different tiles
    // at once: while one tile is cut, another is served. With the cut under
    // the index's lock, the second request waits for the first: the helper
    // below does not answer, and the first is let go only after the timeout.
    let line: Vec<[f64; 2]> = (0..2000).map(|i| [-179.0 + i as f64 * 0.179, (i as f64 * 0.05).sin() * 60.0]).collect();
    let data = json!({"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":line}});
    let idx = Arc::new(GeoJsonIndex::new(&data, GeoJsonOptions { index_max_zoom: 2, ..GeoJsonOptions::default() }).unwrap());
    let served = idx.tile(2, 1, 1).unwrap();
    assert!(served.is_some());
    let (cutting, cut_started) = std::sync::mpsc::channel::<()>();
    let (go, may_go) = std::sync::mpsc::channel::<()>();
    let may_go = Mutex::new(may_go);
    *idx.while_cutting.lock().unwrap() = Some(Box::new(move || {
        cutting.send(()).unwrap();
        may_go.lock().unwrap().recv().unwrap();
    }));
    let cutter = {
        let idx = Arc::clone(&idx);
        std::thread::spawn(move || idx.tile(6, 20, 31).unwrap())
    };
    cut_started.recv().unwrap();
    let (answer, answered) = std::sync::mpsc::channel();
    let other = {
        let idx = Arc::clone(&idx);
        std::thread::spawn(move || answer.send(idx.tile(2, 1, 1).unwrap()).unwrap())
    };
    let got = answered.recv_timeout(std::time::Duration::from_secs(20));
    go.send(()).unwrap();
    assert_eq!(got.ok(), Some(served), "a cached tile was not served while another was cut");
    let cut = cutter.join().unwrap();
    other.join().unwrap();
    *idx.while_cutting.lock().unwrap() = None;
    let whole = GeoJsonIndex::new(&data, GeoJsonOptions { index_max_zoom: 2, ..GeoJsonOptions::default() }).unwrap();
    assert!(cut.is_some());
    assert_eq!(cut, whole.tile(6, 20, 31).unwrap());
}

#[test]
fn threads_cutting_at_once_make_the_tiles_one_thread_makes() {
    // Four threads ask for overlapping tiles of one index with a cache that
    // keeps almost nothing: cuts merged back while others cut and evict
    // must leave every tile as an index with an unbounded cache makes it.
    let line: Vec<[f64; 2]> = (0..3000).map(|i| [-179.0 + i as f64 * 0.119, (i as f64 * 0.07).sin() * 70.0]).collect();
    let data = json!({"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":line}});
    let options = GeoJsonOptions { index_max_zoom: 3, index_max_points: 100, ..GeoJsonOptions::default() };
    let bounded = Arc::new(GeoJsonIndex::new(&data, GeoJsonOptions { cache_bytes: 20_000, ..options.clone() }).unwrap());
    let unbounded = Arc::new(GeoJsonIndex::new(&data, options).unwrap());
    let threads: Vec<_> = (0..4u32)
        .map(|t| {
            let (bounded, unbounded) = (Arc::clone(&bounded), Arc::clone(&unbounded));
            std::thread::spawn(move || {
                let mut some = 0;
                for round in 0..2u32 {
                    for z in 4..=7u8 {
                        let n = 1u32 << z;
                        for i in 0..n {
                            // Each thread walks the columns from another start.
                            let x = (i + t * n / 4 + round) % n;
                            for y in n / 4..n * 3 / 4 {
                                let got = bounded.tile(z, x, y).unwrap();
                                some += usize::from(got.is_some());
                                assert_eq!(got, unbounded.tile(z, x, y).unwrap(), "thread {t} round {round}: {z}/{x}/{y}");
                            }
                        }
                    }
                }
                some
            })
        })
        .collect();
    let some: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(some > 400, "{some} tiles with data");
    assert!(bounded.cached_bytes() <= 20_000, "{} bytes cached", bounded.cached_bytes());
}

#[test]
fn a_build_nobody_wants_stops_between_phases_and_tiles() {
    // A map that builds a big data set's index and is destroyed meanwhile:
    // its runtime's destroy waits for the build, which asks `wanted` after
    // parsing, after converting, and before each tile it cuts.
    let line: Vec<[f64; 2]> = (0..2000).map(|i| [-179.0 + i as f64 * 0.179, (i as f64 * 0.05).sin() * 60.0]).collect();
    let text = json!({"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":line}}).to_string();
    let options = || GeoJsonOptions { index_max_zoom: 5, index_max_points: 20, ..GeoJsonOptions::default() };
    let asked = std::sync::atomic::AtomicUsize::new(0);
    let count = || asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    let whole = GeoJsonIndex::from_json_while(text.as_bytes(), options(), &|| count() > 0).unwrap();
    let n = asked.swap(0, std::sync::atomic::Ordering::SeqCst);
    let (split, _) = whole.split_tiles();
    assert!(n >= 2 + split, "asked {n} times for {split} split tiles");
    // No longer wanted at its k-th question: the build stops there, with
    // an error saying why.
    for k in [1, 2, 3, n / 2, n] {
        let result = GeoJsonIndex::from_json_while(text.as_bytes(), options(), &|| count() < k);
        let asked_now = asked.swap(0, std::sync::atomic::Ordering::SeqCst);
        let err = result.err().unwrap_or_else(|| panic!("not wanted at question {k}: built anyway"));
        assert!(err.to_string().contains("no longer wanted"), "{err}");
        assert_eq!(asked_now, k, "asked again after the answer no");
    }
    // Clustered points: asked after parsing and before clustering.
    let points: Vec<serde_json::Value> = line[..500]
        .iter()
        .map(|c| json!({"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":c}}))
        .collect();
    let text = json!({"type":"FeatureCollection","features":points}).to_string();
    let clustered = || GeoJsonOptions { cluster: true, ..GeoJsonOptions::default() };
    assert!(GeoJsonIndex::from_json_while(text.as_bytes(), clustered(), &|| true).is_ok());
    for k in [1, 2] {
        asked.store(0, std::sync::atomic::Ordering::SeqCst);
        let err = GeoJsonIndex::from_json_while(text.as_bytes(), clustered(), &|| count() < k).err();
        assert!(err.is_some_and(|e| e.to_string().contains("no longer wanted")), "clustering not wanted at question {k}: built anyway");
    }
}

/// A line zig-zagging across longitude 0 and the equator, where four tiles
/// meet at every zoom: each crossing is a piece of its own in each tile
/// (hostile data sets do this with millions of points).
fn crowded_line(n: usize) -> serde_json::Value {
    let coords: Vec<[f64; 2]> =
        (0..n).map(|i| [if i % 2 == 0 { -2.0 } else { 2.0 } * (1 + i % 7) as f64, (i % 50) as f64 * 0.2 - 5.0]).collect();
    json!({"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":coords}})
}

#[test]
fn clip_cost_bounds_the_bytes_clip_makes() {
    // The count that decides whether a cut is made must not be below what
    // the cut then takes, nor far above it (or budgets refuse real data).
    use super::clip::{clip, clip_cost};
    let conv = ConvertOptions { sq_tolerance: 0.0, promote_id: None, generate_id: false, filter: None };
    let ring: Vec<[f64; 2]> = (0..400).map(|i| [(i as f64 * 0.37).sin() * 3.0, (i as f64 * 0.21).cos() * 3.0]).collect();
    let mut closed = ring.clone();
    closed.push(ring[0]);
    for geometry in [
        json!({"type":"LineString","coordinates":ring}),
        json!({"type":"Polygon","coordinates":[closed]}),
        json!({"type":"MultiPoint","coordinates":ring}),
    ] {
        let data = json!({"type":"Feature","properties":{},"geometry":geometry});
        let features: Vec<Arc<VtFeature>> =
            convert::convert(&read::Node::from_value(&data), &conv).unwrap().into_iter().map(Arc::new).collect();
        let (min, max) = bbox(&features);
        for (k1, k2) in [(0.4999, 0.5), (0.49, 0.51), (0.0, 0.5), (0.0, 1.0)] {
            for axis in 0..2 {
                let cost = clip_cost(&features, 1.0, k1, k2, axis, min[axis], max[axis]);
                let out = clip(&features, 1.0, k1, k2, axis, min[axis], max[axis]);
                let made: u64 = out
                    .iter()
                    .map(|f| {
                        if features.iter().any(|g| Arc::ptr_eq(f, g)) {
                            return 8;
                        }
                        let pieces: Vec<&convert::Ring> = match &f.geom {
                            Geometry::Lines(ls) => ls.iter().collect(),
                            Geometry::Polygons(ps) => ps.iter().flatten().collect(),
                            Geometry::Points(_) => Vec::new(),
                        };
                        let points = match &f.geom {
                            Geometry::Points(ps) => 24 * ps.capacity() as u64,
                            _ => pieces.iter().map(|r| 24 * r.pts.capacity() as u64 + 48).sum(),
                        };
                        std::mem::size_of::<VtFeature>() as u64 + points
                    })
                    .sum();
                assert!(cost >= made, "{} axis {axis} band {k1}..{k2}: counted {cost}, made {made}", data["geometry"]["type"]);
                assert!(cost <= 2 * made + 1024, "{} axis {axis} band {k1}..{k2}: counted {cost}, made {made}", data["geometry"]["type"]);
            }
        }
    }
}

#[test]
fn a_cut_budget_makes_leaves_early_and_cuts_only_the_way_with_the_same_tiles() {
    // With little room for cut geometry the index stops splitting early,
    // and a tile asked for is cut alone down its way: every tile is as an
    // index with room to spare makes it.
    let data = crowded_line(4000);
    let roomy = GeoJsonIndex::new(&data, GeoJsonOptions { index_max_points: 50, ..GeoJsonOptions::default() }).unwrap();
    let tight = GeoJsonIndex::new(&data, GeoJsonOptions { index_max_points: 50, cut_bytes: 400_000, ..GeoJsonOptions::default() })
        .unwrap();
    let (split_roomy, _) = roomy.split_tiles();
    let (split_tight, _) = tight.split_tiles();
    assert!(split_tight < split_roomy, "the budget stops the build: {split_tight} split tiles, {split_roomy} with room");
    let mut seen = 0;
    for z in [0u8, 1, 3, 5, 7, 9, 11] {
        let n = 1u32 << z;
        let h = (n / 2).saturating_sub(1);
        for (x, y) in [(h, h), (n / 2, h), (h, n / 2), (n / 2, n / 2)] {
            let (x, y) = (x.min(n - 1), y.min(n - 1));
            let got = tight.tile(z, x, y).ok().expect("within twice the budget");
            seen += usize::from(got.is_some());
            assert!(got == roomy.tile(z, x, y).unwrap(), "tile {z}/{x}/{y} differs");
        }
    }
    assert!(seen >= 20, "{seen} tiles with data");
    assert!(tight.narrow_cuts.load(Ordering::Relaxed) > 0, "some tiles were cut alone down their way");
    assert_eq!(roomy.narrow_cuts.load(Ordering::Relaxed), 0);
}

#[test]
fn a_tile_whose_way_alone_is_over_the_cut_limit_is_an_error_naming_it() {
    let data = crowded_line(20_000);
    let options = GeoJsonOptions { cut_bytes: 100_000, ..GeoJsonOptions::default() };
    let index = GeoJsonIndex::new(&data, options.clone()).unwrap();
    let err = index.tile(6, 32, 31).err().expect("the tile is over the limit");
    assert!(err.starts_with("GeoJSON tile 6/32/31: cutting it from zoom"), "{err}");
    assert!(err.contains(&format!("more than {} bytes, twice the max_geojson_cut_bytes limit", MAX_CUT_FACTOR * 100_000)), "{err}");
    // The same data with room gives the tile; tiles far from the crowd
    // cost nothing to cut.
    let roomy = GeoJsonIndex::new(&data, GeoJsonOptions::default()).unwrap();
    assert!(roomy.tile(6, 32, 31).unwrap().is_some());
    assert!(index.tile(6, 10, 10) == Ok(None));
    assert!(index.tile(0, 0, 0) == roomy.tile(0, 0, 0), "tile 0/0/0 differs");
}

#[test]
fn a_features_properties_are_shared_by_every_tile_it_is_cut_into() {
    // A line across four z1 tiles, with a long property: each tile's
    // feature points at the same properties, not a copy of them.
    let long = "x".repeat(100_000);
    let data = json!({"type": "Feature", "properties": {"long": long, "n": 1},
                      "geometry": {"type": "LineString", "coordinates": [[-90, -45], [90, 45]]}});
    let index = GeoJsonIndex::new(&data, GeoJsonOptions::default()).unwrap();
    let props = |x, y| {
        let tile = index.tile(1, x, y).unwrap().expect("the line crosses the tile");
        let f = &tile.layers[0].features[0];
        assert_eq!(f.properties.get("long"), Some(&Value::String(long.clone())));
        f.properties.clone()
    };
    let (a, b) = (props(0, 1), props(1, 0));
    assert!(std::sync::Arc::ptr_eq(&a.0, &b.0), "tiles 1/0/1 and 1/1/0 copied the properties");
    // Changing one copy leaves the other as it was.
    let mut c = a.clone();
    c.insert("n", Value::Number(2.0));
    c.remove("long");
    assert_eq!((c.get("n"), c.get("long")), (Some(&Value::Number(2.0)), None));
    assert_eq!((a.get("n"), a.get("long").is_some()), (Some(&Value::Number(1.0)), true));
}

/// The source's `filter` keeps the features it matches, evaluated at zoom
/// 0 with their id, properties and geometry type, before cutting and
/// before clustering.
#[test]
fn the_source_filter_keeps_the_features_it_matches() {
    let v = json!({"type":"FeatureCollection","features":[
        {"type":"Feature","id":1,"properties":{"n":1},"geometry":{"type":"Point","coordinates":[0,0]}},
        {"type":"Feature","id":2,"properties":{"n":5},"geometry":{"type":"MultiPoint","coordinates":[[1,1],[2,2]]}},
        {"type":"Feature","id":3,"properties":{"n":7},"geometry":{"type":"LineString","coordinates":[[0,0],[10,10]]}},
        {"type":"Feature","id":4,"properties":{"n":9},"geometry":{"type":"Polygon","coordinates":[[[0,0],[5,0],[5,5],[0,0]]]}},
        {"type":"Feature","id":5,"properties":{},"geometry":{"type":"Point","coordinates":[3,3]}}
    ]});
    let kept = |filter: serde_json::Value, cluster: bool| -> Vec<Option<Value>> {
        let o = GeoJsonOptions::from_source_json(&json!({"filter": filter, "cluster": cluster})).unwrap();
        let idx = GeoJsonIndex::new(&v, GeoJsonOptions { max_zoom: 4, cluster_max_zoom: Some(0), ..o }).unwrap();
        let Some(t) = idx.tile(1, 1, 0).unwrap() else { return Vec::new() };
        t.layers[0].features.iter().map(|f| f.id.clone()).collect()
    };
    let n = |i: f64| Some(Value::Number(i));
    assert_eq!(kept(json!(true), false), [n(1.0), n(2.0), n(3.0), n(4.0), n(5.0)]);
    assert_eq!(kept(json!([">", ["get", "n"], 3]), false), [n(2.0), n(3.0), n(4.0)]);
    // Geometry type (MultiPoint is a point), legacy syntax, id, zoom 0.
    assert_eq!(kept(json!(["==", ["geometry-type"], "Point"]), false), [n(1.0), n(2.0), n(5.0)]);
    assert_eq!(kept(json!(["==", "$type", "Polygon"]), false), [n(4.0)]);
    assert_eq!(kept(json!(["in", ["id"], ["literal", [3, 5]]]), false), [n(3.0), n(5.0)]);
    assert_eq!(kept(json!(["<", ["zoom"], 1]), false), kept(json!(true), false));
    // A filter that fails to evaluate keeps nothing.
    assert_eq!(kept(json!(["==", ["number", ["get", "missing"]], 1]), false), []);
    // Clustered (only Point features are), at zoom 1 above clusterMaxZoom:
    // the points kept, unclustered.
    assert_eq!(kept(json!(["has", "n"]), true).len(), 1);
    assert_eq!(kept(json!(true), true).len(), 2);
    // A bare geometry is a feature without properties (found by fuzzing:
    // it was kept whatever the filter).
    let bare = json!({"type": "Point", "coordinates": [10, 10]});
    let kept = |filter: serde_json::Value| {
        let o = GeoJsonOptions::from_source_json(&json!({"filter": filter})).unwrap();
        GeoJsonIndex::new(&bare, o).unwrap().tile(1, 1, 0).unwrap().map_or(0, |t| t.layers[0].features.len())
    };
    assert_eq!((kept(json!(true)), kept(json!(["has", "n"])), kept(json!(["!", ["has", "n"]]))), (1, 0, 1));
}
