//! Clustered GeoJSON sources end to end: drawn from cluster features, seen
//! by queries with their properties, bad cluster properties warned about.

use super::*;
use crate::runtime::RuntimeOptions;

/// Ten points around (0, 0) within a few pixels at zoom 3, one 114 px east.
fn style(extra_source: &str) -> String {
    let mut features: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r#"{{"type": "Feature", "properties": {{"mag": {i}}}, "geometry": {{"type": "Point", "coordinates": [{}, {}]}}}}"#,
                (i % 3) as f64 * 0.2,
                (i / 3) as f64 * 0.2
            )
        })
        .collect();
    features.push(r#"{"type": "Feature", "properties": {"mag": 50}, "geometry": {"type": "Point", "coordinates": [10, 0]}}"#.into());
    format!(
        r##"{{"version": 8, "center": [0, 0], "zoom": 3,
            "sources": {{"p": {{"type": "geojson", "cluster": true, {extra_source}
                "data": {{"type": "FeatureCollection", "features": [{}]}}}}}},
            "layers": [{{"id": "c", "type": "circle", "source": "p",
                "paint": {{"circle-radius": ["case", ["has", "point_count"], 10, 3],
                           "circle-color": ["case", ["has", "point_count"], "#ff0000", "#0000ff"]}}}}]}}"##,
        features.join(",")
    )
}

fn render_and_query(style: &str) -> (Image, Vec<Event>, Vec<serde_json::Value>) {
    let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, worker_threads: 1, ..Default::default() }).unwrap();
    rt.add_map(1, Map::new(1, 256, 128, 1.0));
    {
        let (map, core) = rt.map_mut(1).unwrap();
        map.set_style_json(style.as_bytes(), core).unwrap();
    }
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let events = rt.drain_events();
    let map = rt.map(1).unwrap();
    let q = crate::query::QueryGeometry::Box([0.0, 0.0], [256.0, 128.0]);
    let found = map.query_rendered_features(&q, &crate::query::QueryOptions { layers: None, filter: None }, u64::MAX).unwrap().into_features();
    (map.frame().unwrap().clone(), events, found)
}

#[test]
fn clusters_are_drawn_and_queried_with_their_properties() {
    let (image, events, found) = render_and_query(&style(r#""clusterProperties": {"total": ["+", ["get", "mag"]]},"#));
    assert!(!events.iter().any(|e| matches!(e.kind, EventKind::Warning | EventKind::ResourceError)), "{events:?}");
    // (A feature is a hit once per tile whose buffer it is in: count ids.)
    let clusters: Vec<&serde_json::Value> = found.iter().filter(|f| f["properties"]["cluster"] == true).collect();
    let ids: std::collections::BTreeSet<String> = clusters.iter().map(|f| f["properties"]["cluster_id"].to_string()).collect();
    assert_eq!(ids.len(), 1, "{found:?}");
    let p = &clusters[0]["properties"];
    assert_eq!(p["point_count"], 10);
    assert_eq!(p["point_count_abbreviated"], 10);
    assert_eq!(p["total"], 45);
    assert!(p["cluster_id"].as_u64().is_some_and(|id| id % 32 == 4), "made at zoom 3: {p}");
    // The far point is itself.
    assert!(found.iter().any(|f| f["properties"]["mag"] == 50 && f["properties"]["cluster"].is_null()), "{found:?}");
    // Red cluster near (0, 0), the middle; blue point at 10° (x = 128 + 114).
    let px = image.pixel(130, 62).unwrap();
    assert!(px[0] > 200 && px[2] < 50, "cluster drawn red: {px:?}");
    let px = image.pixel(242, 64).unwrap();
    assert!(px[2] > 200 && px[0] < 50, "point drawn blue: {px:?}");
    // Past clusterMaxZoom the points are drawn: no cluster features.
    let (_, _, found) = render_and_query(&style(r#""clusterMaxZoom": 2,"#));
    assert!(found.iter().all(|f| f["properties"]["cluster"].is_null()), "{found:?}");
    let mags: std::collections::BTreeSet<String> = found.iter().map(|f| f["properties"]["mag"].to_string()).collect();
    assert_eq!(mags.len(), 11, "{mags:?}");
}

#[test]
fn a_bad_cluster_property_is_a_warning_with_its_path_and_is_skipped() {
    let (_, events, found) = render_and_query(&style(
        r#""clusterProperties": {"total": ["+", ["get", "mag"]], "bad": ["+", ["accumulated"]]},"#,
    ));
    let warnings: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Warning).collect();
    assert!(
        warnings.iter().any(|e| e.message.contains("sources.p.clusterProperties.bad.map") && e.message.contains("accumulated")),
        "{warnings:?}"
    );
    let cluster = found.iter().find(|f| f["properties"]["cluster"] == true).expect("still clustered");
    assert_eq!(cluster["properties"]["total"], 45);
    assert!(cluster["properties"]["bad"].is_null());
}

/// The source's `filter` keeps the points it matches before they are
/// clustered: the cluster counts and sums only those.
#[test]
fn a_source_filter_keeps_its_points_before_clustering() {
    let (_, events, found) =
        render_and_query(&style(r#""filter": [">=", ["get", "mag"], 4], "clusterProperties": {"total": ["+", ["get", "mag"]]},"#));
    assert!(!events.iter().any(|e| matches!(e.kind, EventKind::Warning | EventKind::ResourceError)), "{events:?}");
    let cluster = found.iter().find(|f| f["properties"]["cluster"] == true).expect("a cluster");
    assert_eq!(cluster["properties"]["point_count"], 6, "mag 4 to 9");
    assert_eq!(cluster["properties"]["total"], 4 + 5 + 6 + 7 + 8 + 9);
    assert!(found.iter().any(|f| f["properties"]["mag"] == 50), "{found:?}");
    // A filter that cannot be read is a warning, and every point is kept.
    let (_, events, found) = render_and_query(&style(r#""filter": ["+", 1, 2],"#));
    let warned: Vec<&str> = events.iter().filter(|e| e.kind == EventKind::Warning).map(|e| e.message.as_str()).collect();
    assert!(warned.len() == 1 && warned[0].starts_with("sources.p.filter: "), "{warned:?}");
    let cluster = found.iter().find(|f| f["properties"]["cluster"] == true).expect("a cluster");
    assert_eq!(cluster["properties"]["point_count"], 10);
}
