//! A style that asks for many resources at once: at most
//! `max_requests_in_flight` reach the provider together, the rest follow as
//! answers come back, and a map that goes takes its waiting requests along
//! unsent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::map::{Map, Runtime};
use crate::runtime::resource::{Decision, Provider, Request, Response};
use crate::runtime::{Limits, RuntimeOptions, StillError};

/// A provider that keeps every request for the test to answer.
#[derive(Default)]
struct Held {
    requests: Mutex<Vec<Arc<Request>>>,
    cancelled: AtomicUsize,
}

impl Provider for Held {
    fn request(&self, request: &Arc<Request>) -> Decision {
        self.requests.lock().unwrap().push(request.clone());
        Decision::Handled
    }
    fn cancel(&self, _: &Arc<Request>) {
        self.cancelled.fetch_add(1, Ordering::SeqCst);
    }
}

impl Held {
    fn seen(&self) -> Vec<Arc<Request>> {
        self.requests.lock().unwrap().clone()
    }
}

const SOURCES: usize = 50;
const LIMIT: u32 = 7;

/// A runtime whose provider holds its requests, and map 1 with a style of
/// [`SOURCES`] vector sources of one tile each over a red circle.
fn held_runtime() -> (Runtime, Arc<Held>) {
    let limits = Limits { max_requests_in_flight: LIMIT, ..Default::default() };
    let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, worker_threads: 1, limits, ..Default::default() }).unwrap();
    let held = Arc::new(Held::default());
    rt.set_provider(Some(held.clone()));
    rt.add_map(1, Map::new(1, 64, 64, 1.0));
    let sources: Vec<String> =
        (0..SOURCES).map(|i| format!(r#""v{i}": {{"type": "vector", "tiles": ["https://tiles/{i}/{{z}}/{{x}}/{{y}}.mvt"], "maxzoom": 0}}"#)).collect();
    let mut layers: Vec<String> = (0..SOURCES).map(|i| format!(r#"{{"id": "r{i}", "type": "line", "source": "v{i}", "source-layer": "road"}}"#)).collect();
    layers.push(r#"{"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": 8}}"#.into());
    let style = format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 0, "sources": {{"p": {{"type": "geojson", "data": {{"type": "Point", "coordinates": [0, 0]}}}}, {}}}, "layers": [{}]}}"#,
        sources.join(","),
        layers.join(",")
    );
    let (map, core) = rt.map_mut(1).unwrap();
    map.set_style_json(style.as_bytes(), core).unwrap();
    (rt, held)
}

#[test]
fn at_most_max_requests_in_flight_reach_the_provider_and_the_rest_follow() {
    let (mut rt, held) = held_runtime();
    let tile: &[u8] = include_bytes!("../../../tests/fixtures/tiles/14-8802-5374.mvt");
    let (mut answered, mut most_out) = (0, 0);
    let mut out = 0;
    for _ in 0..1000 * SOURCES {
        // With none out, the answers' decoding holds the places: wait for it.
        rt.pump(Some(if out == 0 { Duration::from_millis(10) } else { Duration::ZERO }));
        let seen = held.seen();
        out = seen.len() - answered;
        assert!(out <= LIMIT as usize, "{out} requests out at once, more than {LIMIT}");
        most_out = most_out.max(out);
        if answered == SOURCES {
            break;
        }
        if out > 0 {
            // The oldest out is answered; its place goes to a waiting one
            // once the runtime has handled the answer and decoded the tile.
            seen[answered].complete(Response::Data(Arc::new(tile.to_vec()))).unwrap();
            answered += 1;
        }
    }
    assert_eq!(most_out, LIMIT as usize, "the limit was reached");
    let mut urls: Vec<String> = held.seen().iter().map(|r| r.info.url.clone()).collect();
    assert_eq!(urls.len(), SOURCES, "one request per source's tile");
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), SOURCES, "each asked for once");
    rt.render_still(1, Some(Duration::from_secs(20))).unwrap();
    assert_eq!(rt.map(1).unwrap().frame().unwrap().pixel(32, 32), Some([255, 0, 0, 255]), "the map draws");
}

#[test]
fn a_removed_maps_waiting_requests_never_reach_the_provider() {
    let (mut rt, held) = held_runtime();
    // A still render that times out says why the rest did not load.
    match rt.render_still(1, Some(Duration::from_millis(50))) {
        Err(StillError::Timeout(why)) => assert!(why.contains(&format!("{} requests wait to go out ({LIMIT} are out: max_requests_in_flight is {LIMIT})", SOURCES - LIMIT as usize)), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(held.seen().len(), LIMIT as usize);
    rt.remove_map(1);
    rt.pump(Some(Duration::ZERO));
    assert_eq!(held.seen().len(), LIMIT as usize, "no waiting request was sent");
    assert_eq!(held.cancelled.load(Ordering::SeqCst), LIMIT as usize, "the ones out were cancelled");
    assert!(held.seen().iter().all(|r| r.is_cancelled()));
}

#[test]
fn the_loaded_check_stops_at_its_limit_within_a_source() {
    // One source whose view needs 4 tiles, none answered: asking for fewer
    // pending items stops there instead of describing every tile.
    let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, worker_threads: 1, ..Default::default() }).unwrap();
    rt.set_provider(Some(Arc::new(Held::default())));
    rt.add_map(1, Map::new(1, 1024, 1024, 1.0));
    let style = r#"{"version": 8, "center": [0, 0], "zoom": 2,
        "sources": {"v": {"type": "vector", "tiles": ["https://tiles/{z}/{x}/{y}.mvt"], "maxzoom": 2}},
        "layers": [{"id": "r", "type": "line", "source": "v", "source-layer": "road"}]}"#;
    let (map, core) = rt.map_mut(1).unwrap();
    map.set_style_json(style.as_bytes(), core).unwrap();
    rt.pump(Some(Duration::from_millis(10)));
    let map = rt.map(1).unwrap();
    let all = map.pending_items(usize::MAX);
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(map.pending_items(3), all[..3], "the first three, in the same order");
    assert_eq!(map.pending_items(1).len(), 1);
}
