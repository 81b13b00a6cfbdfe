//! Hostile input end to end: every case ends within seconds, in bounded
//! memory, with an event naming the cause, and the rest of the map draws.

use crate::map::Map;
use crate::runtime::events::{Event, EventKind};
use crate::runtime::{Runtime, RuntimeOptions};

const RED: [u8; 4] = [255, 0, 0, 255];

fn runtime(options: RuntimeOptions) -> Runtime {
    let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, worker_threads: 2, ..options }).unwrap();
    rt.add_map(1, Map::new(1, 64, 64, 1.0));
    rt
}

/// Sets `style` on map 1, renders a still image and returns the frame's
/// centre pixel and the events.
fn render(rt: &mut Runtime, style: &str) -> (Option<[u8; 4]>, Vec<Event>) {
    {
        let (map, core) = rt.map_mut(1).unwrap();
        map.set_style_json(style.as_bytes(), core).unwrap();
    }
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let frame = rt.map(1).unwrap().frame().unwrap();
    (frame.pixel(32, 32), rt.drain_events())
}

fn point_source(props: &str) -> String {
    format!(
        r#"{{"type": "geojson", "data": {{"type": "Feature", "properties": {props},
            "geometry": {{"type": "Point", "coordinates": [0, 0]}}}}}}"#
    )
}

fn circle_style(sources: &str, layers: &str) -> String {
    format!(r#"{{"version": 8, "center": [0, 0], "zoom": 0, "sources": {{{sources}}}, "layers": [{layers}]}}"#)
}

#[test]
fn a_let_chain_radius_renders_its_circle() {
    // 26 lets, each doubling: 2^26 copies of the base if `var` copied.
    let radius = crate::style::expression::tests::let_chain(26, serde_json::json!(["get", "r"]));
    let style = circle_style(
        &format!(r#""p": {}"#, point_source(&format!(r#"{{"r": {}}}"#, 10.0 / 2f64.powi(26)))),
        &format!(
            r#"{{"id": "c", "type": "circle", "source": "p", "paint": {{"circle-color": "red", "circle-radius": {radius}}}}}"#
        ),
    );
    let mut rt = runtime(RuntimeOptions::default());
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "{events:?}");
    let frame = rt.map(1).unwrap().frame().unwrap();
    assert_eq!(frame.pixel(32 + 6, 32), Some(RED), "radius 10");
    assert_eq!(frame.pixel(32 + 14, 32), Some([0, 0, 0, 0]), "radius 10");
}
