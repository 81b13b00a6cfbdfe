//! The sources an update visits (`Map::used_sources`) are kept between
//! updates; every change of style or zoom that changes them is seen.

use serde_json::json;

use crate::map::styling::Group;
use crate::map::{Map, Runtime};
use crate::runtime::RuntimeOptions;

fn used(map: &Map) -> Vec<String> {
    map.used_sources().to_vec()
}

#[test]
fn used_sources_follow_zoom_layers_and_visibility() {
    let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, ..Default::default() }).unwrap();
    rt.add_map(1, Map::new(1, 32, 32, 1.0));
    let point = json!({"type": "geojson", "data": {"type": "Point", "coordinates": [0, 0]}});
    let style = json!({"version": 8, "center": [0, 0], "zoom": 0,
        "sources": {"a": point, "b": point},
        "layers": [
            {"id": "la", "type": "circle", "source": "a", "paint": {"circle-radius": 2}},
            {"id": "lb", "type": "circle", "source": "b", "minzoom": 5},
            {"id": "la2", "type": "circle", "source": "a", "paint": {"circle-radius": 2}}]});
    let (map, core) = rt.map_mut(1).unwrap();
    map.set_style_json(style.to_string().as_bytes(), core).unwrap();
    assert_eq!(used(map), ["a"], "b's only layer starts at zoom 5; a once");
    let mut camera = map.camera();
    camera.zoom = 6.0;
    map.jump_to(camera);
    assert_eq!(used(map), ["a", "b"], "zoom 6 shows lb");
    map.add_source("c", &point.to_string(), core).unwrap();
    assert_eq!(used(map), ["a", "b"], "a source no layer uses is not visited");
    map.add_layer(&json!({"id": "lc", "type": "circle", "source": "c", "paint": {"circle-color": "red", "circle-radius": 6}}), Some("la"), core)
        .unwrap();
    assert_eq!(used(map), ["c", "a", "b"], "in the order layers first use them");
    map.set_property("lb", Group::Layout, "visibility", &json!("none"), core).unwrap();
    assert_eq!(used(map), ["c", "a"], "a hidden layer's source is not visited");
    // End to end: the added layer's source loads and draws (red, 6 px, under
    // a's black 2 px circles).
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let frame = rt.map(1).unwrap().frame().unwrap();
    assert_eq!(frame.pixel(20, 16).map(|p| p[0] > 200 && p[1] < 50), Some(true), "{:?}", frame.pixel(20, 16));
    assert_eq!(frame.pixel(16, 16).map(|p| p[0] < 50), Some(true), "{:?}", frame.pixel(16, 16));
}
