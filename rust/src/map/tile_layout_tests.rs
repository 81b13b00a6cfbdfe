//! Fill, line, circle (and extrusion, heatmap) layers laid out once per tile: the frames drawn
//! from kept layouts are the frames drawn without them, layouts survive new
//! views, and style edits, feature state and eviction reach them.

use std::collections::HashMap;
use std::sync::Arc;

use super::*;
use crate::layout::{build_display_list, TileLookup, View};
use crate::render::display_list::DrawCommand;
use crate::runtime::RuntimeOptions;

const WHITE: [u8; 4] = [255, 255, 255, 255];
const GREEN: [u8; 4] = [0, 255, 0, 255];
const RED: [u8; 4] = [255, 0, 0, 255];
const BLUE: [u8; 4] = [0, 0, 255, 255];

/// Park polygons (0..40° x 0..40°, and around 100° W 40° S), a forest inside the first, a road along 20° N
/// (id 2) and points; a filtered fill with data-driven colour, a line whose
/// colour reads feature state, circles of data-driven size, and `extra` layers.
fn style(extra: &str) -> String {
    format!(
        r##"{{"version": 8, "sources": {{"g": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [
            {{"type": "Feature", "id": 1, "properties": {{"kind": "park"}}, "geometry": {{"type": "Polygon",
                "coordinates": [[[0, 0], [40, 0], [40, 40], [0, 40], [0, 0]]]}}}},
            {{"type": "Feature", "id": 6, "properties": {{"kind": "park"}}, "geometry": {{"type": "Polygon",
                "coordinates": [[[-110, -50], [-90, -50], [-90, -30], [-110, -30], [-110, -50]]]}}}},
            {{"type": "Feature", "id": 5, "properties": {{"kind": "forest"}}, "geometry": {{"type": "Polygon",
                "coordinates": [[[30, 30], [38, 30], [38, 38], [30, 38], [30, 30]]]}}}},
            {{"type": "Feature", "id": 2, "properties": {{"class": "road"}}, "geometry": {{"type": "LineString",
                "coordinates": [[-10, 20], [60, 20], [60, 25]]}}}},
            {{"type": "Feature", "id": 3, "properties": {{"r": 3}}, "geometry": {{"type": "Point", "coordinates": [15, 25]}}}},
            {{"type": "Feature", "id": 4, "properties": {{"r": 5}}, "geometry": {{"type": "Point", "coordinates": [24, 14]}}}}
        ]}}}}}},
        "layers": [
            {{"id": "bg", "type": "background", "paint": {{"background-color": "#ffffff"}}}},
            {{"id": "f", "type": "fill", "source": "g", "filter": ["==", ["get", "kind"], "park"],
              "paint": {{"fill-color": ["match", ["get", "kind"], "park", "#00ff00", "#000000"], "fill-antialias": false}}}},
            {{"id": "l", "type": "line", "source": "g", "filter": ["==", ["geometry-type"], "LineString"],
              "paint": {{"line-color": ["case", ["boolean", ["feature-state", "hot"], false], "#0000ff", "#ff0000"],
                         "line-width": ["interpolate", ["linear"], ["zoom"], 0, 4, 10, 14]}}}},
            {{"id": "c", "type": "circle", "source": "g", "paint": {{"circle-radius": ["get", "r"], "circle-color": "#ff00ff"}}}}
            {extra}
        ]}}"##
    )
}

fn runtime(options: RuntimeOptions, style: &str) -> Runtime {
    let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, worker_threads: 1, ..options }).unwrap();
    rt.add_map(1, Map::new(1, 64, 64, 1.0));
    let (map, core) = rt.map_mut(1).unwrap();
    map.set_style_json(style.as_bytes(), core).unwrap();
    rt
}

fn camera(longitude: f64, latitude: f64, zoom: f64) -> Camera {
    Camera { longitude, latitude, zoom, ..Default::default() }
}

/// Renders `camera` as a still image; the frame and the layout counts.
fn still(rt: &mut Runtime, camera: Camera) -> (Image, (u64, usize)) {
    rt.map_mut(1).unwrap().0.jump_to(camera);
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let map = rt.map(1).unwrap();
    (map.frame().unwrap().clone(), map.tile_layout_counts())
}

/// The map, seen without kept layouts: every frame filters and evaluates.
struct Fresh<'a>(&'a Map);

impl TileLookup for Fresh<'_> {
    fn tile(&self, source: &str, id: TileId) -> Option<Arc<crate::source::feature::TileData>> {
        self.0.tile(source, id)
    }
    fn cover(&self, source: &str) -> Vec<cover::CoveredTile> {
        self.0.cover(source)
    }
    fn feature_state(&self, source: &str, layer: &str, id: &crate::style::value::Value) -> Option<&crate::source::feature::Properties> {
        self.0.feature_state(source, layer, id)
    }
    fn image(&self, id: &str) -> Option<&StyleImage> {
        TileLookup::image(self.0, id)
    }
}

#[test]
fn frames_from_kept_layouts_are_the_frames_made_without_them() {
    let extra = r##", {"id": "dash", "type": "line", "source": "g", "layout": {"line-cap": "round"},
          "paint": {"line-dasharray": [2, 1], "line-color": "#333333", "line-offset": 3,
                    "line-width": ["interpolate", ["linear"], ["zoom"], 0, 1, 6, ["get", "w"]]}},
        {"id": "pat", "type": "fill", "source": "g", "filter": ["==", ["get", "kind"], "forest"],
          "paint": {"fill-pattern": "dots", "fill-translate": [2, 3], "fill-opacity": ["feature-state", "o"]}},
        {"id": "pc", "type": "circle", "source": "g",
          "paint": {"circle-radius": 4, "circle-pitch-scale": "map", "circle-pitch-alignment": "map",
                    "circle-stroke-width": 1, "circle-stroke-color": ["case", ["boolean", ["feature-state", "hot"], false], "blue", "black"]}},
        {"id": "ex", "type": "fill-extrusion", "source": "g", "filter": ["==", ["get", "kind"], "forest"],
          "paint": {"fill-extrusion-height": 200000, "fill-extrusion-color": "#884400", "fill-extrusion-opacity": 0.7}},
        {"id": "hm", "type": "heatmap", "source": "g", "paint": {"heatmap-radius": 12, "heatmap-weight": ["get", "r"]}}"##;
    let mut rt = runtime(RuntimeOptions::default(), &style(extra));
    {
        let map = rt.map_mut(1).unwrap().0;
        let rgba = Arc::new(vec![0, 0, 255, 255, 0, 255, 0, 128, 255, 0, 0, 255, 0, 0, 0, 0]);
        map.add_image("dots", StyleImage { width: 2, height: 2, pixel_ratio: 1.0, sdf: false, rgba, stretch: Default::default() }).unwrap();
    }
    // Feature state changes before the third view, at the zoom of the second.
    let cameras = [
        camera(20.0, 20.0, 2.0),
        camera(21.0, 20.5, 2.0),
        camera(20.5, 20.0, 2.0),
        camera(21.0, 20.5, 2.7),
        camera(34.0, 34.0, 4.3),
        Camera { bearing: 30.0, pitch: 50.0, ..camera(20.0, 22.0, 3.2) },
        camera(20.0, 20.0, 2.0),
    ];
    let mut compared = 0;
    for (i, cam) in cameras.iter().enumerate() {
        if i == 2 {
            let map = rt.map_mut(1).unwrap().0;
            map.set_feature_state("g", "", "2", &serde_json::json!({"hot": true})).unwrap();
            map.set_feature_state("g", "", "5", &serde_json::json!({"o": 0.5})).unwrap();
        }
        still(&mut rt, *cam);
        let map = rt.map(1).unwrap();
        let style = map.style().unwrap();
        if i == 2 {
            assert!(map.tile_layout_counts().1 > 0, "layouts are kept");
        }
        for ratio in [1.0, 2.0] {
            let view = View { transform: cam.transform(64, 64), pixel_ratio: ratio, width: (64.0 * ratio) as u32, height: (64.0 * ratio) as u32 };
            let fresh = build_display_list(style, &view, &Fresh(map), &HashMap::new());
            assert!(fresh.commands.len() > 3, "{cam:?}: {} commands", fresh.commands.len());
            if i == 0 {
                let kinds = |f: fn(&DrawCommand) -> bool| fresh.commands.iter().filter(|c| f(c)).count();
                assert_eq!(kinds(|c| matches!(c, DrawCommand::Heatmap { .. })), 1, "the heatmap is drawn");
            }
            if i == 4 {
                let extruded = fresh.commands.iter().any(|c| matches!(c, DrawCommand::Extrusion { .. }));
                assert!(extruded, "the extrusion is drawn over the forest");
            }
            // Twice: made (or kept) the first time, read from the layouts the second.
            for _ in 0..2 {
                assert_eq!(build_display_list(style, &view, map, &HashMap::new()), fresh, "{cam:?} at {ratio}x");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 4 * cameras.len());
}

#[test]
fn layouts_are_made_once_per_tile_and_kept_for_new_views() {
    let mut rt = runtime(RuntimeOptions::default(), &style(""));
    let (first, (built, kept)) = still(&mut rt, camera(20.0, 20.0, 2.0));
    assert_eq!(first.pixel(32, 32), Some(RED), "the road");
    assert_eq!(first.pixel(32, 8), Some(GREEN), "the park");
    // Three layers over the view's tiles.
    assert!(built > 0 && built % 3 == 0 && kept as u64 == built, "{built} made, {kept} kept");
    // Panned and zoomed a little over the same tiles: nothing is laid out again.
    let (panned, counts) = still(&mut rt, camera(21.0, 21.0, 2.0));
    assert_ne!(panned.data, first.data, "the view moved");
    assert_eq!(counts, (built, kept));
    let (_, counts) = still(&mut rt, camera(21.0, 21.0, 2.4));
    assert_eq!(counts, (built, kept));
    // Back: the same image as the first time.
    let (again, counts) = still(&mut rt, camera(20.0, 20.0, 2.0));
    assert_eq!(again.data, first.data);
    assert_eq!(counts, (built, kept));
}

#[test]
fn style_edits_and_feature_state_reach_kept_layouts() {
    let mut rt = runtime(RuntimeOptions::default(), &style(""));
    let here = camera(20.0, 20.0, 2.0);
    let (_, (built, _)) = still(&mut rt, here);
    let paint = crate::map::styling::Group::Paint;
    // A paint edit: the fill's colour changes.
    {
        let (map, core) = rt.map_mut(1).unwrap();
        map.set_property("f", paint, "fill-color", &serde_json::json!("#0000ff"), core).unwrap();
    }
    let (image, (after_paint, _)) = still(&mut rt, here);
    assert_eq!(image.pixel(32, 8), Some(BLUE), "the new fill colour");
    assert!(after_paint > built, "laid out again for the edited style");
    // A filter edit: the park is no longer drawn.
    {
        let (map, core) = rt.map_mut(1).unwrap();
        map.set_filter("f", &serde_json::json!(["==", ["get", "kind"], "lake"]), core).unwrap();
    }
    let (image, (after_filter, _)) = still(&mut rt, here);
    assert_eq!(image.pixel(32, 8), Some(WHITE), "filtered out");
    assert!(after_filter > after_paint);
    // Feature state: the road turns blue and back, without laying out again.
    let map = rt.map_mut(1).unwrap().0;
    map.set_feature_state("g", "", "2", &serde_json::json!({"hot": true})).unwrap();
    let (image, (after_state, _)) = still(&mut rt, here);
    assert_eq!(image.pixel(32, 32), Some(BLUE), "the road in its state's colour");
    assert_eq!(after_state, after_filter, "feature state re-evaluates paint only");
    let map = rt.map_mut(1).unwrap().0;
    map.remove_feature_state("g", "", Some("2"), None).unwrap();
    let (image, _) = still(&mut rt, here);
    assert_eq!(image.pixel(32, 32), Some(RED));
    // Layers removed: their layouts go with the style they were made for.
    for id in ["f", "l", "c"] {
        let (map, core) = rt.map_mut(1).unwrap();
        map.remove_layer(id, core).unwrap();
    }
    let (image, (_, kept)) = still(&mut rt, here);
    assert_eq!(image.pixel(32, 32), Some(WHITE));
    assert_eq!(kept, 0);
}

#[test]
fn evicting_a_tile_drops_its_layouts() {
    let a = camera(20.0, 20.0, 2.0);
    let b = camera(-100.0, -40.0, 2.0);
    let mut limits = crate::runtime::Limits::default();
    limits.max_tile_cache_bytes = 1; // nothing beyond the current view
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() }, &style(""));
    let (_, (built_a, kept_a)) = still(&mut rt, a);
    let (_, (built_b, kept_b)) = still(&mut rt, b);
    assert!(kept_a > 0 && kept_b > 0);
    // A's tiles went, with their layouts: only B's are kept.
    assert_eq!(kept_b as u64, built_b - built_a, "{kept_a} kept at A, {kept_b} at B");
    // Back at A: laid out again.
    let (_, (built_again, _)) = still(&mut rt, a);
    assert_eq!(built_again, built_b + kept_a as u64);
    // With the default budget both views' tiles and layouts stay.
    let mut rt = runtime(RuntimeOptions::default(), &style(""));
    let (_, (_, kept_a)) = still(&mut rt, a);
    let (_, (_, kept_both)) = still(&mut rt, b);
    let (_, (built, kept_again)) = still(&mut rt, a);
    assert_eq!(kept_again, kept_both);
    assert_eq!(built, kept_both as u64);
    assert!(kept_both > kept_a);
}

#[test]
fn layout_bytes_count_in_the_tile_cache_budget() {
    let (a, b) = (camera(20.0, 20.0, 2.0), camera(-100.0, -40.0, 2.0));
    let tiles_of = |rt: &Runtime| -> Vec<TileId> { rt.map(1).unwrap().sources["g"].slots.keys().copied().collect() };
    let bytes = |rt: &Runtime| {
        let map = rt.map(1).unwrap();
        let slots: u64 = map.sources.values().flat_map(|s| s.slots.values()).map(cache::slot_bytes).sum();
        (slots, map.tile_layouts.lock().unwrap().bytes())
    };
    // A, B and A again with room for everything: both views' tiles stay.
    let mut rt = runtime(RuntimeOptions::default(), &style(""));
    still(&mut rt, a);
    let at_a = tiles_of(&rt);
    still(&mut rt, b);
    still(&mut rt, a);
    let all = tiles_of(&rt);
    let (slots, layouts) = bytes(&rt);
    assert!(all.len() > at_a.len() && layouts > 0, "{all:?} {layouts}");
    // Room for the tiles but not for their layouts too: B's tiles go.
    let mut limits = crate::runtime::Limits::default();
    limits.max_tile_cache_bytes = slots + layouts - 1;
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() }, &style(""));
    for c in [a, b, a] {
        still(&mut rt, c);
    }
    let mut kept = tiles_of(&rt);
    kept.sort();
    let mut expected = at_a.clone();
    expected.sort();
    assert_eq!(kept, expected, "only A's tiles stay ({} bytes of tiles, {layouts} of layouts)", slots);
}

#[test]
fn symbol_layout_bytes_count_in_the_tile_cache_budget() {
    let (a, b) = (camera(20.0, 20.0, 2.0), camera(-100.0, -40.0, 2.0));
    let labels = r#", {"id": "s", "type": "symbol", "source": "g", "filter": ["==", ["get", "kind"], "park"], "layout": {"text-field": "Park", "text-allow-overlap": true}}"#;
    let tiles_of = |rt: &Runtime| -> Vec<TileId> {
        let mut t: Vec<TileId> = rt.map(1).unwrap().sources["g"].slots.keys().copied().collect();
        t.sort();
        t
    };
    let bytes = |rt: &Runtime| {
        let map = rt.map(1).unwrap();
        let slots: u64 = map.sources.values().flat_map(|s| s.slots.values()).map(cache::slot_bytes).sum();
        let symbols: u64 = map.symbols.bytes_by_tile().values().sum();
        (slots + map.tile_layouts.lock().unwrap().bytes(), symbols)
    };
    let mut rt = runtime(RuntimeOptions::default(), &style(labels));
    still(&mut rt, a);
    let at_a = tiles_of(&rt);
    still(&mut rt, b);
    still(&mut rt, a);
    let (rest, symbols) = bytes(&rt);
    assert!(tiles_of(&rt).len() > at_a.len(), "both views' tiles stay with room for everything");
    assert!(symbols > 0, "the labels' layouts are counted");
    // Room for the tiles and their layer layouts but not their labels too: B's tiles go.
    let mut limits = crate::runtime::Limits::default();
    limits.max_tile_cache_bytes = rest + symbols - 1;
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() }, &style(labels));
    for c in [a, b, a] {
        still(&mut rt, c);
    }
    assert_eq!(tiles_of(&rt), at_a, "only A's tiles stay ({rest} bytes of tiles and layouts, {symbols} of labels)");
    assert!(rt.map(1).unwrap().symbols.tiles.keys().all(|(_, id, _)| at_a.contains(id)), "B's labels went with its tiles");
}

#[test]
fn paint_reads_the_features_tile_for_within_as_filters_do() {
    // The point at 0,0 is within the polygon
    // around it, the one at 60 E is not (MapLibre draws red and blue; the
    // paint had no tile, so `within` was false for both).
    let style = r#"{"version": 8, "center": [0, 0], "zoom": 0, "sources": {"p": {"type": "geojson", "data":
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 0]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [60, 0]}}]}}},
        "layers": [{"id": "c", "type": "circle", "source": "p", "paint": {"circle-radius": 5,
            "circle-color": ["case", ["within", {"type": "Polygon", "coordinates": [[[-20, -20], [20, -20], [20, 20], [-20, 20], [-20, -20]]]}], "red", "blue"]}}]}"#;
    let (frame, events) = super::test_render::render_style(RuntimeOptions::default(), 256, 256, style);
    assert_eq!(frame.pixel(128, 128), Some(RED), "{events:?}");
    assert_eq!(frame.pixel(213, 128), Some(BLUE), "{events:?}");
}
