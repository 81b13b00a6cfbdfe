//! Maps in different runtimes that load the same GeoJSON share its index
//! (source::geojson::shared_index): a pool of runtimes holds one copy.

use super::*;
use crate::runtime::RuntimeOptions;

fn loaded(style: &str) -> Runtime {
    let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, ..Default::default() }).unwrap();
    rt.add_map(1, Map::new(1, 64, 64, 1.0));
    {
        let (map, core) = rt.map_mut(1).unwrap();
        map.set_style_json(style.as_bytes(), core).unwrap();
    }
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    rt
}

fn index(rt: &Runtime, source: &str) -> Arc<crate::source::geojson::GeoJsonIndex> {
    match &rt.map(1).unwrap().sources[source].tiles {
        Tiles::GeoJson { index: Some(index), .. } => Arc::clone(index),
        _ => panic!("source {source} has no GeoJSON index"),
    }
}

fn style(data: &str, buffer: u32) -> String {
    format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 2,
            "sources": {{"g": {{"type": "geojson", "buffer": {buffer}, "data": {data}}}}},
            "layers": [{{"id": "c", "type": "circle", "source": "g", "paint": {{"circle-color": "red"}}}}]}}"#
    )
}

#[test]
fn runtimes_loading_the_same_geojson_share_one_index() {
    let data = r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"share": "runtimes"}, "geometry": {"type": "Point", "coordinates": [1, 2]}},
        {"type": "Feature", "properties": {"share": "runtimes"}, "geometry": {"type": "Point", "coordinates": [-3, 4]}}]}"#;
    let (a, b) = (loaded(&style(data, 128)), loaded(&style(data, 128)));
    assert!(Arc::ptr_eq(&index(&a, "g"), &index(&b, "g")), "two runtimes, one index");
    let other = loaded(&style(data, 64));
    assert!(!Arc::ptr_eq(&index(&a, "g"), &index(&other, "g")), "another buffer: another index");
    // Both draw from it: the same picture.
    assert_eq!(a.map(1).unwrap().frame().unwrap().data, b.map(1).unwrap().frame().unwrap().data);
    assert!(a.map(1).unwrap().frame().unwrap().data.chunks_exact(4).any(|p| p[0] > 200), "the circles are drawn");
}
