//! Hostile input end to end: every case ends within seconds, in bounded
//! memory, with an event naming the cause, and the rest of the map draws.

use crate::map::{Map, Runtime};
use crate::runtime::events::{Event, EventKind};
use crate::runtime::RuntimeOptions;
use crate::test_support::TempDir;

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

#[test]
fn a_let_chain_of_concats_stops_at_the_string_bound_and_the_rest_draws() {
    // 40 lets, each concatenating the last with itself: 2^41 bytes if built
    // (it aborted at 4 GB). The labels' jobs say so; the circle draws.
    let text = crate::style::expression::tests::let_chain_of("concat", 40, serde_json::json!(["get", "s"]));
    let style = circle_style(
        &format!(r#""p": {}"#, point_source(r#"{"s": "ab"}"#)),
        &format!(
            r#"{{"id": "c", "type": "circle", "source": "p", "paint": {{"circle-color": "red", "circle-radius": 10}}}},
               {{"id": "t", "type": "symbol", "source": "p", "layout": {{"text-field": {text}}}}}"#
        ),
    );
    let mut rt = runtime(RuntimeOptions::default());
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "{events:?}");
    let warned: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Warning && e.message.contains("expression string bound")).collect();
    assert!(!warned.is_empty(), "{events:?}");
    let bound = crate::style::expression::fuel::MAX_STRING_BYTES;
    assert!(
        warned.iter().all(|e| e.message.starts_with("labels of tile 0/0/0") && e.message.contains(&format!("strings of more than {bound} bytes"))),
        "{}",
        warned[0].message
    );
}

#[test]
fn expressions_past_max_expression_nodes_or_depth_are_refused_naming_the_option() {
    use crate::runtime::Limits;
    use serde_json::json;
    // circle-radius ["+", 1, ["+", 1, ... 8]] (20 levels, 41 nodes): within the
    // defaults, past 16 levels or 32 nodes; the radius then takes its default (5).
    let mut radius = json!(8);
    for _ in 0..20 {
        radius = json!(["+", 1, radius]);
    }
    let style = circle_style(
        &format!(r#""p": {}"#, point_source("{}")),
        &format!(r#"{{"id": "c", "type": "circle", "source": "p", "paint": {{"circle-color": "red", "circle-radius": {radius}}}}}"#),
    );
    let radius_of = |limits: Limits| {
        let mut rt = runtime(RuntimeOptions { limits, ..Default::default() });
        let (_, events) = render(&mut rt, &style);
        let frame = rt.map(1).unwrap().frame().unwrap();
        let drawn = (0..32).take_while(|d| frame.pixel(32 + d, 32) == Some(RED)).count();
        let warned: Vec<String> = events.iter().filter(|e| e.kind == EventKind::Warning).map(|e| e.message.clone()).collect();
        (drawn, warned, rt)
    };
    let (drawn, warned, _) = radius_of(Limits::default());
    assert!(drawn > 20 && warned.is_empty(), "radius 28 within the defaults: {drawn} px, {warned:?}");
    let (drawn, warned, _) = radius_of(Limits { max_expression_depth: 16, ..Default::default() });
    assert!(drawn < 8, "the default radius: {drawn} px");
    assert!(warned[0].starts_with("layers[0].paint.circle-radius") && warned[0].contains("more than 16 levels (the expression depth limit, max_expression_depth, a runtime option)"), "{warned:?}");
    let (drawn, warned, mut rt) = radius_of(Limits { max_expression_nodes: 32, ..Default::default() });
    assert!(drawn < 8, "the default radius: {drawn} px");
    assert!(warned[0].contains("more than 32 nodes (the expression size limit, max_expression_nodes, a runtime option)"), "{warned:?}");
    // The runtime-styling API holds its edits to the same limits.
    let (map, core) = rt.map_mut(1).unwrap();
    let e = map.set_property("c", crate::map::styling::Group::Paint, "circle-radius", &radius, core).unwrap_err();
    assert!(e.message.contains("max_expression_nodes"), "{e:?}");
    map.set_property("c", crate::map::styling::Group::Paint, "circle-radius", &json!(["+", 1, 2]), core).expect("a small one");
}

fn temp_dir(name: &str) -> TempDir {
    TempDir::new(&format!("hostile-{name}"))
}

fn raster_over_circle(tile_url: &str) -> String {
    circle_style(
        &format!(r#""p": {}, "r": {{"type": "raster", "tiles": ["{tile_url}"], "tileSize": 512}}"#, point_source("{}")),
        r#"{"id": "r", "type": "raster", "source": "r"},
           {"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": 8}}"#,
    )
}

/// A PNG's signature and header declaring `side` x `side` RGBA pixels,
/// with no image data behind it.
fn png_header(side: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&side.to_be_bytes());
    png.extend_from_slice(&side.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    png
}

fn resource_errors(events: &[Event]) -> Vec<&Event> {
    events.iter().filter(|e| e.kind == EventKind::ResourceError).collect()
}

#[test]
fn local_files_are_refused_by_default_and_the_rest_draws() {
    let mut rt = runtime(RuntimeOptions::default());
    let (centre, events) = render(&mut rt, &raster_over_circle("file:///etc/passwd"));
    assert_eq!(centre, Some(RED), "the circle draws: {events:?}");
    let errors = resource_errors(&events);
    assert!(
        errors.iter().any(|e| e.url == "file:///etc/passwd" && e.message.contains("allowed_roots")),
        "{events:?}"
    );
    // Under an allowed root, a device is still refused, without blocking.
    let mut rt = runtime(RuntimeOptions { allowed_roots: vec!["/dev".into()], ..Default::default() });
    let (centre, events) = render(&mut rt, &raster_over_circle("file:///dev/zero"));
    assert_eq!(centre, Some(RED), "{events:?}");
    assert!(
        resource_errors(&events).iter().any(|e| e.message.contains("not a regular file")),
        "{events:?}"
    );
}

#[test]
fn an_image_over_the_pixel_limit_is_refused_before_decoding() {
    let dir = temp_dir("pixels");
    // A PNG header declaring 100000 x 100000 pixels (no data behind it).
    std::fs::write(dir.join("huge.png"), png_header(100_000)).unwrap();
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), ..Default::default() });
    let (centre, events) = render(&mut rt, &raster_over_circle("huge.png"));
    assert_eq!(centre, Some(RED), "{events:?}");
    assert!(
        resource_errors(&events)
            .iter()
            .any(|e| e.url == "huge.png" && e.message.contains("max_image_pixels") && e.message.contains("100000x100000")),
        "{events:?}"
    );
    // Over the byte limit: refused with the limit named.
    std::fs::write(dir.join("big.png"), vec![0u8; 5000]).unwrap();
    let mut limits = crate::runtime::Limits::default();
    limits.max_resource_bytes = 4000;
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), limits, ..Default::default() });
    let (centre, events) = render(&mut rt, &raster_over_circle("big.png"));
    assert_eq!(centre, Some(RED), "{events:?}");
    assert!(
        resource_errors(&events).iter().any(|e| e.message.contains("max_resource_bytes limit of 4000")),
        "{events:?}"
    );
}

#[test]
fn panicking_worker_jobs_are_failures_and_the_still_render_finishes() {
    let dir = temp_dir("panic");
    let png = crate::render::png_io::encode_png(&[0, 0, 255, 255], 1, 1).unwrap();
    std::fs::write(dir.join("tile.png"), &png).unwrap();
    std::fs::write(dir.join("s.png"), &png).unwrap();
    std::fs::write(dir.join("s.json"), br#"{"a": {"x": 0, "y": 0, "width": 1, "height": 1}}"#).unwrap();
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), ..Default::default() });
    rt.panic_jobs(true);
    let style = raster_over_circle("tile.png").replacen(r#""sources""#, r#""sprite": "s", "sources""#, 1);
    let (_, events) = render(&mut rt, &style);
    let has = |kind: EventKind, what: &str| {
        events.iter().any(|e| e.kind == kind && e.message.contains(what) && e.message.contains("panicked"))
    };
    assert!(has(EventKind::ResourceError, "source \"p\""), "{events:?}");
    assert!(has(EventKind::TileError, "tile 0/0/0 of source \"r\""), "{events:?}");
    assert!(has(EventKind::ResourceError, "sprite \"default\""), "{events:?}");
    assert!(events.iter().any(|e| e.kind == EventKind::StillImageFinished));
}

#[test]
fn sprite_entries_outside_the_sheet_are_warnings_and_the_rest_draws() {
    let dir = temp_dir("sprite");
    let png = crate::render::png_io::encode_png(&[255, 0, 0, 255].repeat(4), 2, 2).unwrap();
    std::fs::write(dir.join("s.png"), &png).unwrap();
    std::fs::write(
        dir.join("s.json"),
        br#"{"wrap": {"x": 4294967295, "y": 0, "width": 2, "height": 2}, "dot": {"x": 0, "y": 0, "width": 2, "height": 2}}"#,
    )
    .unwrap();
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), ..Default::default() });
    let style = r#"{"version": 8, "sprite": "s", "sources": {},
        "layers": [{"id": "bg", "type": "background", "paint": {"background-pattern": "dot"}}]}"#;
    let (centre, events) = render(&mut rt, style);
    assert_eq!(centre, Some(RED), "{events:?}");
    assert!(
        events.iter().any(|e| e.kind == EventKind::Warning && e.message.contains("\"wrap\"") && e.message.contains("outside")),
        "{events:?}"
    );
}

#[test]
fn sprite_images_past_max_sprite_images_are_skipped_naming_the_option() {
    let dir = temp_dir("sprite-images");
    let png = crate::render::png_io::encode_png(&[255, 0, 0, 255].repeat(4), 2, 2).unwrap();
    std::fs::write(dir.join("s.png"), &png).unwrap();
    // The first two entries within a bound of 2, "z" past it.
    let entry = r#"{"x": 0, "y": 0, "width": 2, "height": 2}"#;
    std::fs::write(dir.join("s.json"), format!(r#"{{"a": {entry}, "dot": {entry}, "z": {entry}}}"#)).unwrap();
    let style = |pattern: &str| {
        format!(
            r#"{{"version": 8, "sprite": "s", "sources": {{}},
                "layers": [{{"id": "bg", "type": "background", "paint": {{"background-pattern": "{pattern}"}}}}]}}"#
        )
    };
    let limits = crate::runtime::Limits { max_sprite_images: 2, ..Default::default() };
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), limits, ..Default::default() });
    let (centre, events) = render(&mut rt, &style("dot"));
    assert_eq!(centre, Some(RED), "{events:?}");
    let warned: Vec<&str> = events.iter().filter(|e| e.kind == EventKind::Warning).map(|e| e.message.as_str()).collect();
    assert_eq!(warned, ["sprite \"default\": sprite index names 3 images: the 1 after the first 2 are skipped (max_sprite_images)"]);
    let (centre, events) = render(&mut rt, &style("z"));
    assert_ne!(centre, Some(RED), "{events:?}");
}

#[test]
fn a_one_pixel_tile_size_is_capped_with_a_warning() {
    let dir = temp_dir("tilesize");
    let png = crate::render::png_io::encode_png(&[0, 0, 255, 255], 1, 1).unwrap();
    std::fs::write(dir.join("t.png"), &png).unwrap();
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), ..Default::default() });
    // Counts tile requests, then lets the runtime load them.
    struct Count(std::sync::atomic::AtomicUsize);
    impl crate::runtime::resource::Provider for Count {
        fn request(&self, r: &std::sync::Arc<crate::runtime::resource::Request>) -> crate::runtime::resource::Decision {
            if r.info.kind == crate::runtime::resource::ResourceKind::Tile {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            crate::runtime::resource::Decision::PassThrough
        }
        fn cancel(&self, _: &std::sync::Arc<crate::runtime::resource::Request>) {}
    }
    let count = std::sync::Arc::new(Count(Default::default()));
    rt.set_provider(Some(count.clone()));
    let style = raster_over_circle("t.png").replace(r#""tileSize": 512"#, r#""tileSize": 1"#).replace(r#""zoom": 0"#, r#""zoom": 3"#);
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "{events:?}");
    let requested = count.0.load(std::sync::atomic::Ordering::SeqCst);
    let limit = crate::runtime::Limits::DEFAULT_MAX_TILES_PER_SOURCE as usize;
    assert!(requested > 0 && requested <= limit, "{requested} tiles requested");
    assert!(
        events.iter().any(|e| e.kind == EventKind::Warning && e.message.contains("max_tiles_per_source")),
        "{events:?}"
    );
}

#[test]
fn a_style_with_bad_parts_draws_the_rest_with_warnings() {
    let style = r#"{"version": 8, "center": [0, 0], "zoom": 0, "pitch": "steep",
        "sources": {
            "p": {"type": "geojson", "data": {"type": "Feature", "properties": {},
                  "geometry": {"type": "Point", "coordinates": [0, 0]}}},
            "nodata": {"type": "geojson"},
            "bad": {"type": "vector", "tiles": 5}
        },
        "layers": [
            {"id": "bg", "type": "background", "paint": {"background-color": "not a colour", "background-opacity": 1}},
            {"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": ["+", 1, "x"]}},
            {"id": "c2", "type": "circle", "source": "nodata"},
            {"id": "v", "type": "line", "source": "bad"},
            {"id": "f", "type": "circle", "source": "p", "filter": ["==", 1]},
            {"id": "x", "type": "nope"},
            {"id": "c", "type": "circle", "source": "p"}
        ]}"#;
    let mut rt = runtime(RuntimeOptions::default());
    let (centre, events) = render(&mut rt, style);
    // circle-radius falls back to its default (5): the centre is red.
    assert_eq!(centre, Some(RED), "{events:?}");
    let frame = rt.map(1).unwrap().frame().unwrap();
    assert_eq!(frame.pixel(2, 2), Some([0, 0, 0, 255]), "background-color default (black)");
    let warned = |path: &str| events.iter().any(|e| e.kind == EventKind::Warning && e.message.starts_with(path));
    for path in [
        "pitch",
        "sources.nodata",
        "sources.bad.tiles",
        "layers[0].paint.background-color",
        "layers[1].paint.circle-radius",
        "layers[3].source",
        "layers[4].filter",
        "layers[5].type",
        "layers[6]",
    ] {
        assert!(warned(path), "no warning for {path}: {events:?}");
    }
    assert!(!events.iter().any(|e| e.kind == EventKind::StyleError), "{events:?}");
    let layers: Vec<String> = rt.map(1).unwrap().style().unwrap().layers.iter().map(|l| l.id.clone()).collect();
    assert_eq!(layers, ["bg", "c", "c2"]);
    // The runtime-styling API stays strict: the same bad value is refused.
    let (map, core) = rt.map_mut(1).unwrap();
    let group = crate::map::styling::Group::Paint;
    assert!(map.set_property("c", group, "circle-radius", &serde_json::json!(["+", 1, "x"]), core).is_err());
    // Only bad JSON, a non-object root or a wrong version fail.
    for bad in [r#"{"version": 8,"#, "[]", r#"{"version": 7, "sources": {}, "layers": []}"#] {
        let (map, core) = rt.map_mut(1).unwrap();
        assert!(map.set_style_json(bad.as_bytes(), core).is_err(), "{bad}");
    }
}

#[test]
fn a_style_whose_document_passes_its_bound_once_parsed_is_refused() {
    // `0,` is 2 bytes of text and 32 parsed: 1.2 MB of text that parses to
    // more than the 16 MiB a style may take under a small
    // max_resource_bytes, in an array, as top-level members, in a layer.
    // 60 MB of zeros took 4.4 GB before the parse was metered.
    let zeros = vec!["0"; 600_000].join(",");
    let members: Vec<String> = (0..120_000).map(|i| format!(r#""k{i}": 0"#)).collect();
    let bg = r#""id": "bg", "type": "background", "paint": {"background-color": "red"}"#;
    let styles = [
        format!(r#"{{"version": 8, "metadata": {{"x": [{zeros}]}}, "sources": {{}}, "layers": [{{{bg}}}]}}"#),
        format!(r#"{{"version": 8, {}, "sources": {{}}, "layers": [{{{bg}}}]}}"#, members.join(",")),
        format!(r#"{{"version": 8, "sources": {{}}, "layers": [{{{bg}, "metadata": [{zeros}]}}]}}"#),
    ];
    // The strict parser's default bound is the runtime's default one.
    use crate::style::StyleCaps;
    let default = crate::runtime::Limits::DEFAULT_MAX_RESOURCE_BYTES;
    assert_eq!(crate::data::json::max_parsed_bytes(default), StyleCaps::DEFAULT_MAX_PARSED_BYTES);
    for style in &styles {
        let limits = crate::runtime::Limits { max_resource_bytes: 100_000, ..Default::default() };
        let mut rt = runtime(RuntimeOptions { limits, ..Default::default() });
        let (map, core) = rt.map_mut(1).unwrap();
        let err = map.set_style_json(style.as_bytes(), core).unwrap_err();
        assert!(err.message.contains("more than 16777216 bytes once parsed") && err.message.contains("max_resource_bytes"), "{err:?}");
        // Under the default limit it loads and draws.
        let mut rt = runtime(RuntimeOptions::default());
        let (centre, events) = render(&mut rt, style);
        assert_eq!(centre, Some(RED), "{events:?}");
    }
}

#[test]
fn the_tile_cache_evicts_tiles_the_view_left_and_loads_them_again() {
    // Points on a grid over the world; a camera at zoom 6 needs a few tiles.
    let mut features = Vec::new();
    for lon in (-170..=170).step_by(10) {
        for lat in (-70..=70).step_by(10) {
            features.push(format!(
                r#"{{"type": "Feature", "properties": {{}}, "geometry": {{"type": "Point", "coordinates": [{lon}, {lat}]}}}}"#
            ));
        }
    }
    let source = format!(r#""p": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{}]}}}}"#, features.join(","));
    let style = circle_style(
        &source,
        r#"{"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": 8}}"#,
    );
    let mut limits = crate::runtime::Limits::default();
    limits.max_tile_cache_bytes = 1; // nothing beyond the current view
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() });
    let (_, events) = render(&mut rt, &style);
    let view = |lon: f64, lat: f64| crate::map::Camera { longitude: lon, latitude: lat, zoom: 6.0, ..Default::default() };
    let still = |rt: &mut Runtime, lon: f64, lat: f64| {
        rt.map_mut(1).unwrap().0.jump_to(view(lon, lat));
        rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
        let map = rt.map(1).unwrap();
        let slots: usize = map.sources.values().map(|s| s.slots.len()).sum();
        (map.frame().unwrap().pixel(32, 32), slots)
    };
    let (at_a, slots_a) = still(&mut rt, 10.0, 20.0);
    assert_eq!(at_a, Some(RED), "a point at the centre: {events:?}");
    let (at_b, slots_b) = still(&mut rt, -100.0, -40.0);
    assert_eq!(at_b, Some(RED));
    // B's tiles only: A's were evicted (a view at zoom 6, 64 px wide, needs
    // at most 4 tiles).
    assert!(slots_b <= 4, "{slots_b} slots after moving (A had {slots_a})");
    let a_tiles = rt.map(1).unwrap().needed_tiles(&rt.map(1).unwrap().sources["p"]);
    assert!(a_tiles.iter().all(|t| rt.map(1).unwrap().sources["p"].slots.contains_key(&t.id)));
    // Back at A: loaded again, the same pixels.
    let (again, _) = still(&mut rt, 10.0, 20.0);
    assert_eq!(again, at_a);
    // With the default budget nothing is evicted: A and B stay loaded.
    let mut rt = runtime(RuntimeOptions::default());
    render(&mut rt, &style);
    let (_, first) = still(&mut rt, 10.0, 20.0);
    let (_, both) = still(&mut rt, -100.0, -40.0);
    assert!(both > first, "{both} slots after moving, {first} before: the cache keeps the old view");
}

#[test]
fn tiles_over_the_feature_or_vertex_limit_fail_with_the_limit_named_and_the_rest_draws() {
    // A vector tile of the shipped fixtures (hundreds of features) and a
    // GeoJSON source of 20 points, under limits of 10 features / 50 vertices.
    let dir = temp_dir("tile-limits");
    std::fs::write(dir.join("t.mvt"), include_bytes!("../../../tests/fixtures/tiles/14-8802-5374.mvt")).unwrap();
    let points: Vec<String> = (0..20)
        .map(|i| format!(r#"{{"type": "Feature", "properties": {{}}, "geometry": {{"type": "Point", "coordinates": [{}, 10]}}}}"#, i as f64 * 0.1))
        .collect();
    let style = |vector_layers: &str| {
        circle_style(
            &format!(
                r#""p": {}, "many": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{}]}}}},
                   "v": {{"type": "vector", "tiles": ["t.mvt"], "minzoom": 0, "maxzoom": 0}}"#,
                point_source("{}"),
                points.join(",")
            ),
            &format!(
                r#"{vector_layers}
                   {{"id": "m", "type": "circle", "source": "many", "paint": {{"circle-color": "blue"}}}},
                   {{"id": "c", "type": "circle", "source": "p", "paint": {{"circle-color": "red", "circle-radius": 8}}}}"#
            ),
        )
    };
    let layers = r#"{"id": "b", "type": "fill", "source": "v", "source-layer": "building"},"#;
    let tile_errors = |events: &[Event], limit: &str| -> usize {
        events.iter().filter(|e| e.kind == EventKind::TileError && e.message.contains(limit)).count()
    };

    let mut limits = crate::runtime::Limits::default();
    limits.max_features_per_tile = 10;
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), limits, ..Default::default() });
    let (centre, events) = render(&mut rt, &style(layers));
    assert_eq!(centre, Some(RED), "the single point still draws: {events:?}");
    // The vector tile and the GeoJSON tile holding the 20 points fail, each naming the limit.
    assert!(tile_errors(&events, "max_features_per_tile") >= 2, "{events:?}");
    assert!(events.iter().any(|e| e.kind == EventKind::TileError && e.source_id == "v"), "{events:?}");
    assert!(events.iter().any(|e| e.kind == EventKind::TileError && e.source_id == "many"), "{events:?}");

    let mut limits = crate::runtime::Limits::default();
    limits.max_vertices_per_tile = 50;
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), limits, ..Default::default() });
    let (centre, events) = render(&mut rt, &style(layers));
    assert_eq!(centre, Some(RED), "{events:?}");
    assert!(
        events.iter().any(|e| e.kind == EventKind::TileError && e.source_id == "v" && e.message.contains("max_vertices_per_tile")),
        "{events:?}"
    );

    // The defaults take the same tile.
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), ..Default::default() });
    let (centre, events) = render(&mut rt, &style(layers));
    assert_eq!(centre, Some(RED));
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::TileError).count(), 0, "{events:?}");
}

#[test]
fn a_geojson_tile_past_max_geojson_cut_bytes_fails_naming_it_and_the_rest_draws() {
    // A line zig-zagging across longitude 0, 20,000 times: every crossing
    // of a tile edge is a piece of its own at every zoom. Under a small
    // max_geojson_cut_bytes the tiles at the crossing cannot be cut (at
    // zoom 9 the view's tiles are smaller than the line, whose whole it
    // keeps within their buffers at lower zooms); with the default they are.
    let coords: Vec<String> =
        (0..20_000).map(|i| format!("[{}, {}]", if i % 2 == 0 { -0.2 } else { 0.2 } * (1 + i % 7) as f64, (i % 50) as f64 * 0.02 - 0.5)).collect();
    let style = format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 9,
            "sources": {{"line": {{"type": "geojson", "data": {{"type": "Feature", "properties": {{}},
                            "geometry": {{"type": "LineString", "coordinates": [{}]}}}}}},
                        "p": {}}},
            "layers": [{{"id": "l", "type": "line", "source": "line", "paint": {{"line-color": "blue"}}}},
                       {{"id": "c", "type": "circle", "source": "p", "paint": {{"circle-color": "red", "circle-radius": 4}}}}]}}"#,
        coords.join(","),
        point_source("{}")
    );
    // (The line asks for thousands of times the frame's pixels in drawing:
    // max_overdraw is raised so that it draws.)
    let roomy = crate::runtime::Limits { max_overdraw: u32::MAX, ..Default::default() };
    let limits = crate::runtime::Limits { max_geojson_cut_bytes: 20_000, ..roomy };
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() });
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "the point still draws: {events:?}");
    let failed: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::TileError).collect();
    assert!(!failed.is_empty(), "{events:?}");
    for e in &failed {
        assert_eq!(e.source_id, "line", "{e:?}");
        assert!(e.message.contains("more than 40000 bytes, twice the max_geojson_cut_bytes limit (a runtime option)"), "{e:?}");
    }

    // The default cuts the same tiles, and the line draws beside the point.
    let mut rt = runtime(RuntimeOptions { limits: roomy, ..Default::default() });
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED));
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::TileError).count(), 0, "{events:?}");
    let frame = rt.map(1).unwrap().frame().unwrap();
    let blue = (0..64).flat_map(|y| (0..64).map(move |x| (x, y))).filter(|&(x, y)| frame.pixel(x, y).is_some_and(|p| p[2] > 200 && p[0] < 50)).count();
    assert!(blue > 100, "{blue} blue pixels");
}

/// A style's inline GeoJSON: the data stays text in the parsed style (not
/// parsed JSON, ten to twenty times its size), the map's document holds null
/// for it, printing the style and editing it give the data back, and the
/// source draws.
#[test]
fn inline_geojson_is_text_in_the_style_and_whole_in_style_json_and_after_edits() {
    use crate::map::styling::Group;
    use crate::style::source::{GeoJsonData, SourceSpec};
    use serde_json::{json, Value as J};
    let data = json!({"type": "Feature", "properties": {"k": 1},
                      "geometry": {"type": "Polygon", "coordinates": [[[-50, -50], [50, -50], [50, 50], [-50, 50], [-50, -50]]]}});
    let style = json!({"version": 8, "sources": {"s": {"type": "geojson", "data": data}},
                       "layers": [{"id": "f", "type": "fill", "source": "s", "paint": {"fill-color": "red"}}]});
    let mut rt = Runtime::new(RuntimeOptions { worker_threads: 1, render_threads: 1, ..Default::default() }).unwrap();
    rt.add_map(1, Map::new(1, 64, 64, 1.0));
    let (map, core) = rt.map_mut(1).unwrap();
    // Pretty-printed: the kept text is not what printing the data gives.
    map.set_style_json(serde_json::to_string_pretty(&style).unwrap().as_bytes(), core).unwrap();
    let spec = &map.style().unwrap().sources[0].1;
    let SourceSpec::GeoJson(g) = spec else { panic!("{spec:?}") };
    let GeoJsonData::Inline(text) = &g.data else { panic!("{:?}", g.data) };
    assert_eq!(serde_json::from_str::<J>(text).unwrap(), data);
    assert_eq!(serde_json::from_str::<J>(&map.style_json().unwrap()).unwrap(), style);
    // Loaded, then edited: the edit keeps the loaded source (its data is
    // neither parsed nor printed again).
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let (map, core) = rt.map_mut(1).unwrap();
    assert_eq!(map.sources["s"].meta, crate::map::sources::Meta::Ready);
    map.set_property("f", Group::Paint, "fill-color", &json!("blue"), core).unwrap();
    assert_eq!(map.sources["s"].meta, crate::map::sources::Meta::Ready, "the edit reloaded the source");
    let printed: J = serde_json::from_str(&map.style_json().unwrap()).unwrap();
    assert_eq!(printed["sources"]["s"]["data"], data);
    assert_eq!(printed["layers"][0]["paint"]["fill-color"], "blue");
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let frame = rt.map(1).unwrap().frame().unwrap();
    let centre = ((32 * 64 + 32) * 4) as usize;
    assert_eq!(&frame.data[centre..centre + 4], &[0, 0, 255, 255], "the polygon draws blue");
}

#[test]
fn geojson_data_past_the_maps_budget_fails_its_source_and_the_rest_draws() {
    // Budget: four times max_resource_bytes. Five sources of about 3,600
    // bytes each under a 16,000-byte budget: the fifth one's data is
    // refused, named; the others draw.
    let limits = crate::runtime::Limits { max_resource_bytes: 4000, ..Default::default() };
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() });
    let pad = "x".repeat(3500);
    let sources: Vec<String> = (0..5).map(|i| format!(r#""s{i}": {}"#, point_source(&format!(r#"{{"pad": "{pad}"}}"#)))).collect();
    let layers: Vec<String> = (0..5)
        .map(|i| format!(r#"{{"id": "c{i}", "type": "circle", "source": "s{i}", "paint": {{"circle-color": "red", "circle-radius": 8}}}}"#))
        .collect();
    let (centre, events) = render(&mut rt, &circle_style(&sources.join(","), &layers.join(",")));
    assert_eq!(centre, Some(RED), "{events:?}");
    let refused: Vec<&Event> =
        resource_errors(&events).into_iter().filter(|e| e.message.contains("more than 16000 (four times the max_resource_bytes limit")).collect();
    assert_eq!(refused.len(), 1, "{events:?}");
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::SourceLoaded).count(), 4, "{events:?}");
}

#[test]
fn geojson_data_counts_in_the_budget_at_its_indexed_size() {
    // Coordinates take 6 bytes of text ("[0,0],") and 24 indexed: two
    // sources of 600 points fit the 16,000-byte budget as text (about
    // 3,700 bytes each) but not indexed (about 14,500 each).
    let points = vec!["[0,0]"; 600].join(",");
    one_of_two_is_refused_indexed(&format!(r#"{{"type": "geojson", "data": {{"type": "MultiPoint", "coordinates": [{points}]}}}}"#));
}

#[test]
fn geojson_properties_count_in_the_budget_at_their_indexed_size() {
    // A member like "k12":0, takes 8 bytes of text and about 60 indexed (its
    // entry, its key): two sources of one point with 150 members fit the
    // 16,000-byte budget as text (about 1,400 bytes each) and as geometry
    // (a point), not with their properties (about 9,000 each).
    let members: Vec<String> = (0..150).map(|i| format!(r#""k{i}":0"#)).collect();
    one_of_two_is_refused_indexed(&point_source(&format!("{{{}}}", members.join(","))));
}

/// Draws sources "a" and "b", both `source`, and a point under a 16,000-byte
/// GeoJSON budget where `source` fits as text and not indexed: the first
/// indexed is kept, the other fails naming the budget, the rest draws.
fn one_of_two_is_refused_indexed(source: &str) {
    let limits = crate::runtime::Limits { max_resource_bytes: 4000, ..Default::default() };
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() });
    assert!(source.len() < 4000, "{}", source.len());
    let sources = format!(r#""a": {source}, "b": {source}, "p": {}"#, point_source("{}"));
    let layers = ["a", "b", "p"]
        .map(|s| format!(r#"{{"id": "{s}", "type": "circle", "source": "{s}", "paint": {{"circle-color": "red", "circle-radius": 8}}}}"#))
        .join(",");
    let (centre, events) = render(&mut rt, &circle_style(&sources, &layers));
    assert_eq!(centre, Some(RED), "{events:?}");
    let refused: Vec<&Event> = resource_errors(&events)
        .into_iter()
        .filter(|e| e.message.contains("bytes indexed") && e.message.contains("more than 16000 (four times the max_resource_bytes limit"))
        .collect();
    assert_eq!(refused.len(), 1, "{events:?}");
    assert!(refused[0].source_id == "a" || refused[0].source_id == "b", "{:?}", refused[0]);
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::SourceLoaded).count(), 2, "{events:?}");
}

#[test]
fn geojson_that_takes_more_than_the_budget_once_read_stops_being_read() {
    // `{},` is 3 bytes of text and an object of about 200 read: 1,200 of
    // them fit the 16,000-byte budget as text and not read. 60 MB of them
    // took 4.9 GB before reads were metered. The read stops naming the
    // budget; the rest draws.
    let limits = crate::runtime::Limits { max_resource_bytes: 4000, ..Default::default() };
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() });
    let empties = format!(r#"{{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{}]}}}}"#, vec!["{}"; 1200].join(","));
    assert!(empties.len() < 4000);
    let sources = format!(r#""e": {empties}, "p": {}"#, point_source("{}"));
    let layers = ["e", "p"]
        .map(|s| format!(r#"{{"id": "{s}", "type": "circle", "source": "{s}", "paint": {{"circle-color": "red", "circle-radius": 8}}}}"#))
        .join(",");
    let (centre, events) = render(&mut rt, &circle_style(&sources, &layers));
    assert_eq!(centre, Some(RED), "{events:?}");
    let refused = resource_errors(&events);
    assert_eq!(refused.len(), 1, "{events:?}");
    assert_eq!(refused[0].source_id, "e");
    assert!(
        refused[0].message.contains("takes more than 16000 bytes once read")
            && refused[0].message.contains("four times the max_resource_bytes limit"),
        "{}",
        refused[0].message
    );
}

#[test]
fn sprite_sheets_past_the_maps_budget_are_refused_and_the_rest_draws() {
    // Budget: twice max_image_pixels. Four 60x60 sheets (3,600 pixels each)
    // under a 12,000-pixel budget: one of them is refused, named.
    let dir = temp_dir("sprite-budget");
    let sheet = crate::render::png_io::encode_png(&[0u8; 60 * 60 * 4], 60, 60).unwrap();
    for i in 0..4 {
        std::fs::write(dir.join(format!("s{i}.png")), &sheet).unwrap();
        std::fs::write(dir.join(format!("s{i}.json")), r#"{"dot": {"x": 0, "y": 0, "width": 8, "height": 8, "pixelRatio": 1}}"#).unwrap();
    }
    let limits = crate::runtime::Limits { max_image_pixels: 6000, ..Default::default() };
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), limits, ..Default::default() });
    let sprites: Vec<String> = (0..4).map(|i| format!(r#"{{"id": "s{i}", "url": "file://{}/s{i}"}}"#, dir.display())).collect();
    let style = circle_style(
        &format!(r#""p": {}"#, point_source("{}")),
        r#"{"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": 8}}"#,
    )
    .replacen(r#""version": 8,"#, &format!(r#""version": 8, "sprite": [{}],"#, sprites.join(",")), 1);
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "{events:?}");
    let refused: Vec<&Event> =
        resource_errors(&events).into_iter().filter(|e| e.message.contains("more than 12000 (twice the max_image_pixels limit")).collect();
    assert_eq!(refused.len(), 1, "{events:?}");
}

/// A style whose "big" circles, one per point, are `radius` px over a
/// 64 x 64 frame, under a small red circle drawn last.
fn overdraw_style(points: usize, radius: f64) -> String {
    let features: Vec<String> = (0..points)
        .map(|i| format!(r#"{{"type": "Feature", "properties": {{}}, "geometry": {{"type": "Point", "coordinates": [{}, 0]}}}}"#, i as f64 * 1e-4))
        .collect();
    circle_style(
        &format!(
            r#""many": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{}]}}}}, "p": {}"#,
            features.join(","),
            point_source("{}")
        ),
        &format!(
            r#"{{"id": "big", "type": "circle", "source": "many", "paint": {{"circle-color": "blue", "circle-radius": {radius}}}}},
               {{"id": "top", "type": "circle", "source": "p", "paint": {{"circle-color": "red", "circle-radius": 4}}}}"#
        ),
    )
}

#[test]
fn a_frame_asking_for_too_much_drawing_skips_past_max_overdraw_and_the_layers_after_draw() {
    let overdraw = |events: &[Event]| -> Vec<String> {
        events.iter().filter(|e| e.kind == EventKind::Warning && e.message.contains("max_overdraw")).map(|e| e.message.clone()).collect()
    };
    // 600 circles each covering the frame: 600 times its pixels. The layer
    // may take a quarter of 256 frames, so 64 draw and 536 are skipped.
    let mut rt = runtime(RuntimeOptions::default());
    let (centre, events) = render(&mut rt, &overdraw_style(600, 1e6));
    assert_eq!(centre, Some(RED), "the layer after the heavy one draws: {events:?}");
    let corner = rt.map(1).unwrap().frame().unwrap().pixel(1, 1);
    assert_eq!(corner, Some([0, 0, 255, 255]), "the circles kept draw");
    let warned = overdraw(&events);
    assert_eq!(warned.len(), 1, "{events:?}");
    assert!(warned[0].contains("536 of 601 draw commands were skipped, of layer \"big\" (536)"), "{}", warned[0]);
    assert!(warned[0].contains("the 64x64 frame asks for about 600 times its pixels"), "{}", warned[0]);
    // The same circles at their usual size: nothing skipped.
    let (centre, events) = render(&mut rt, &overdraw_style(600, 5.0));
    assert_eq!(centre, Some(RED));
    assert!(overdraw(&events).is_empty(), "{events:?}");
    // The option sets the bound: at 1, even that frame is cut.
    let limits = crate::runtime::Limits { max_overdraw: 1, ..Default::default() };
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() });
    let (_, events) = render(&mut rt, &overdraw_style(600, 5.0));
    assert!(overdraw(&events).iter().any(|m| m.contains("more than max_overdraw (1, a runtime option)")), "{events:?}");
}

#[test]
fn a_style_repeating_a_layer_leaves_the_copies_past_the_frames_layout_bounds_out() {
    use crate::layout::budget::FrameBudget;
    use std::cell::RefCell;
    // Ten points, drawn by 50 copies of one circle layer.
    let features: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"type": "Feature", "properties": {{}}, "geometry": {{"type": "Point", "coordinates": [{}, 0]}}}}"#, i as f64))
        .collect();
    let layers: Vec<String> =
        (0..50).map(|i| format!(r#"{{"id": "c{i}", "type": "circle", "source": "ten", "paint": {{"circle-color": "red"}}}}"#)).collect();
    let style = circle_style(
        &format!(r#""ten": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{}]}}}}"#, features.join(",")),
        &layers.join(","),
    );
    let mut rt = runtime(RuntimeOptions::default());
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "{events:?}");
    assert!(!events.iter().any(|e| e.message.contains("layout bounds")), "a small frame's default bounds are far off: {events:?}");
    let map = rt.map(1).unwrap();
    let style = map.style().unwrap();
    let view = crate::layout::View { transform: map.camera.transform(64, 64), pixel_ratio: 1.0, width: 64, height: 64 };
    let build = |budget: FrameBudget| {
        let budget = RefCell::new(budget);
        let (list, _) = crate::layout::build_display_list_within(style, &view, map, &Default::default(), &budget);
        (list.commands.len(), budget.into_inner())
    };
    let (all, budget) = build(FrameBudget::unbounded());
    assert_eq!((all, budget.cut()), (500, false));
    // 25 reads: two layers of ten features; the third and later are left out.
    let (n, budget) = build(FrameBudget::new(25, usize::MAX));
    assert_eq!(n, 20);
    assert_eq!(budget.left_out.len(), 48);
    // 100 commands: ten layers draw.
    let (n, budget) = build(FrameBudget::new(u64::MAX, 100));
    assert_eq!((n, budget.left_out.len()), (100, 40));
    let message = crate::map::overdraw::left_out(&budget, style, (64, 64));
    assert!(message.contains(r#"make more than 100 draw commands or spread heatmap kernels over more than 268435456 density texels (its layout bounds): layers "c10", "c11", "c12", "c13", "c14" and 35 more left out"#), "{message}");
}

/// Lays out map 1's first symbol tile (of `source`) again under `bounds`.
fn lay_out_again(rt: &Runtime, source: &str, bounds: crate::symbol::bounds::SymbolBounds) -> crate::symbol::layout::SymbolTile {
    let map = rt.map(1).unwrap();
    let (style, glyphs, images) = (map.style().unwrap(), map.symbols.glyphs.set(), crate::symbol::icon::IconImages::new());
    let ((_, id, z), _) = map.symbols.tiles.iter().next().expect("a symbol tile");
    let data = map.sources.get(source).and_then(|s| s.tile(*id)).expect("its data");
    crate::symbol::layout::layout_tile(style, source, data, *id, *z as f64, &glyphs, &images, bounds)
}

#[test]
fn a_tiles_symbol_layers_together_lay_out_a_bounded_number_of_symbols() {
    use crate::symbol::bounds::SymbolBounds;
    // Ten labelled points, laid out by 20 copies of one symbol layer.
    let features: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"type": "Feature", "properties": {{}}, "geometry": {{"type": "Point", "coordinates": [{}, 0]}}}}"#, i as f64 * 5.0))
        .collect();
    let layers: Vec<String> = (0..20)
        .map(|i| format!(r#"{{"id": "s{i}", "type": "symbol", "source": "ten", "layout": {{"text-field": "A", "text-allow-overlap": true}}}}"#))
        .collect();
    let style = circle_style(
        &format!(r#""ten": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{}]}}}}"#, features.join(",")),
        &layers.join(","),
    );
    let mut rt = runtime(RuntimeOptions::default());
    let (_, events) = render(&mut rt, &style);
    let lay = |bounds| {
        let tile = lay_out_again(&rt, "ten", bounds);
        let counts: Vec<usize> = tile.layers.iter().map(|l| l.symbols.len()).collect();
        (counts, tile.layers.iter().filter(|l| l.truncated).count())
    };
    let (counts, truncated) = lay(SymbolBounds::default());
    assert_eq!((counts.iter().sum::<usize>(), truncated), (200, 0), "{events:?}");
    // 45 symbols: four layers and half of the fifth; the rest lay out none.
    let (counts, truncated) = lay(SymbolBounds { symbols: 45, reads: usize::MAX, ..Default::default() });
    assert_eq!(&counts[..6], &[10, 10, 10, 10, 5, 0]);
    assert_eq!((counts.iter().sum::<usize>(), truncated), (45, 16));
    // 25 features read: two layers and half of the third.
    let (counts, truncated) = lay(SymbolBounds { symbols: usize::MAX, reads: 25, ..Default::default() });
    assert_eq!((counts.iter().sum::<usize>(), truncated), (25, 18));
    // 45 glyphs (a glyph a label): as 45 symbols.
    let (counts, truncated) = lay(SymbolBounds { symbols: usize::MAX, reads: usize::MAX, glyphs: 45, ..Default::default() });
    assert_eq!(&counts[..6], &[10, 10, 10, 10, 5, 0]);
    assert_eq!((counts.iter().sum::<usize>(), truncated), (45, 16));
}

#[test]
fn a_line_labels_anchors_stop_at_the_tiles_glyph_bound() {
    use crate::symbol::bounds::SymbolBounds;
    // One line across the tile labelled "AB" every pixel: as many labels
    // as fit along it, from one feature (a 1,000-character label on 60,000
    // points took 4.4 GB before the glyph bound).
    let style = circle_style(
        r#""l": {"type": "geojson", "data": {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[-170, 0], [170, 0]]}}}"#,
        r#"{"id": "s", "type": "symbol", "source": "l", "layout": {"symbol-placement": "line", "symbol-spacing": 1, "text-field": "AB", "text-allow-overlap": true}}"#,
    );
    let mut rt = runtime(RuntimeOptions::default());
    render(&mut rt, &style);
    let lay = |bounds| {
        let tile = lay_out_again(&rt, "l", bounds);
        (tile.layers[0].symbols.len(), tile.layers[0].truncated)
    };
    let (all, truncated) = lay(SymbolBounds::default());
    assert!(all >= 20 && !truncated, "{all} labels");
    // 31 glyphs: 16 labels of two (the last one passes the bound).
    assert_eq!(lay(SymbolBounds { glyphs: 31, ..Default::default() }), (16, true));
}

#[test]
fn symbol_layers_cut_at_a_tiles_bounds_are_named_in_a_warning() {
    use crate::symbol::bounds::MAX_FEATURE_READS_PER_TILE;
    // 66,000 points read by 16 symbol layers (their filter draws none):
    // 1,056,000 reads, past 2^20 in the sixteenth layer.
    let n = 66_000;
    assert!(16 * n > MAX_FEATURE_READS_PER_TILE && 15 * n < MAX_FEATURE_READS_PER_TILE);
    let features: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"type":"Feature","properties":{{}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}}"#, (i % 300) as f64 * 0.5 - 75.0, (i / 300) as f64 * 0.2 - 23.0))
        .collect();
    let mut layers: Vec<String> = (0..16)
        .map(|i| format!(r#"{{"id": "s{i}", "type": "symbol", "source": "many", "filter": ["==", ["get", "x"], 1], "layout": {{"text-field": "A"}}}}"#))
        .collect();
    layers.push(r#"{"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": 4}}"#.into());
    let style = circle_style(
        &format!(r#""many": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{}]}}}}, "p": {}"#, features.join(","), point_source("{}")),
        &layers.join(","),
    );
    let mut rt = runtime(RuntimeOptions::default());
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "the rest draws");
    let warned: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Warning && e.message.contains("laid out only part")).collect();
    assert_eq!(warned.len(), 1, "{events:?}");
    assert!(warned[0].message.contains(r#"tile 0/0/0 of source "many": symbol layer "s15" laid out only part of the tile's labels"#), "{}", warned[0].message);
    assert!(warned[0].message.contains("from at most 1048576 features read"), "{}", warned[0].message);
    // A new style cuts the same tile again: told again, naming its layer.
    let renamed = style.replace(r#""id": "s"#, r#""id": "t"#);
    let (_, events) = render(&mut rt, &renamed);
    let warned: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Warning && e.message.contains("laid out only part")).collect();
    assert_eq!(warned.len(), 1, "{events:?}");
    assert!(warned[0].message.contains(r#"symbol layer "t15""#), "{}", warned[0].message);
}

#[test]
fn a_view_of_many_label_heavy_tiles_lays_out_its_share_per_tile() {
    use crate::symbol::bounds::{MIN_SYMBOLS_PER_VIEW, MAX_SYMBOLS_PER_TILE};
    // A 64 x 64 view at zoom 1 over (0, 0) needs the four zoom-1 tiles; each
    // holds 17,000 labelled points, past its share of the view's 65,536.
    let per_tile = 17_000;
    let share = MIN_SYMBOLS_PER_VIEW / 4;
    assert!(per_tile > share && per_tile < MAX_SYMBOLS_PER_TILE);
    let features: Vec<String> = (0..4 * per_tile)
        .map(|i| {
            let (q, j) = (i / per_tile, i % per_tile);
            let (sx, sy) = (if q % 2 == 0 { -1.0 } else { 1.0 }, if q < 2 { -1.0 } else { 1.0 });
            let (x, y) = (sx * (10.0 + (j % 130) as f64), sy * (5.0 + (j / 130) as f64 * 0.5));
            format!(r#"{{"type":"Feature","properties":{{}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}"#)
        })
        .collect();
    let layers = [
        r#"{"id": "s", "type": "symbol", "source": "many", "layout": {"text-field": "A"}}"#.to_string(),
        r#"{"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": 4}}"#.to_string(),
    ];
    let style = format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 1, "sources": {{"many": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{}]}}}}, "p": {}}}, "layers": [{}]}}"#,
        features.join(","),
        point_source("{}"),
        layers.join(",")
    );
    let mut rt = runtime(RuntimeOptions::default());
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "the rest draws");
    let map = rt.map(1).unwrap();
    let laid: Vec<(crate::data::feature::TileId, usize)> = map
        .symbols
        .tiles
        .iter()
        .filter_map(|((source, id, _), slot)| match slot {
            crate::map::symbols::SymbolSlot::Ready(t) if source == "many" => Some((*id, t.layers.iter().map(|l| l.symbols.len()).sum())),
            _ => None,
        })
        .collect();
    assert_eq!(laid.len(), 4, "{laid:?}");
    assert!(laid.iter().all(|(_, n)| *n == share), "each tile lays out its share: {laid:?}");
    let warned: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Warning && e.message.contains("laid out only part")).collect();
    assert_eq!(warned.len(), 4, "one warning per tile: {events:?}");
    assert!(warned[0].message.contains(&format!("and {share} over all its layers, its share of the view's {MIN_SYMBOLS_PER_VIEW} symbols")), "{}", warned[0].message);
}

#[test]
fn a_style_naming_one_tile_set_as_many_sources_keeps_the_views_tiles_within_bound() {
    use crate::source::feature::TileId;
    // One tile of the shipped fixtures, as the one tile of many sources: each
    // decoded tile counts against the view's bound over all sources.
    let dir = temp_dir("view-tiles");
    let mvt: &[u8] = include_bytes!("../../../tests/fixtures/tiles/14-8802-5374.mvt");
    std::fs::write(dir.join("t.mvt"), mvt).unwrap();
    let wanted = |name: &str| name == "building" || name == "road";
    let decoded = crate::source::mvt::decode_tile(mvt, Some(&wanted)).unwrap();
    let tile_bytes = super::cache::tile_bytes(&decoded);
    // A tile server's small resource limit: the view's bound is its floor.
    let mut limits = crate::runtime::Limits::default();
    limits.max_resource_bytes = 1 << 20;
    let budget = super::view_tiles::budget(&limits);
    assert_eq!(budget, super::view_tiles::MIN_BUDGET);
    // About three tiles more than the bound holds.
    let n = (budget / tile_bytes + 3) as usize;
    assert!(n < 200, "{tile_bytes} bytes a tile");
    let sources: Vec<String> = (0..n).map(|i| format!(r#""v{i}": {{"type": "vector", "tiles": ["t.mvt"], "minzoom": 0, "maxzoom": 0}}"#)).collect();
    let mut layers: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"id": "b{i}", "type": "fill", "source": "v{i}", "source-layer": "building"}}, {{"id": "r{i}", "type": "line", "source": "v{i}", "source-layer": "road"}}"#))
        .collect();
    layers.push(r#"{"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": 8}}"#.into());
    let style = circle_style(&format!(r#""p": {}, {}"#, point_source("{}"), sources.join(",")), &layers.join(","));
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), limits, ..Default::default() });
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "the rest draws");
    let map = rt.map(1).unwrap();
    let ready = |map: &Map, i: usize| match map.sources[&format!("v{i}")].slots.get(&TileId::new(0, 0, 0)) {
        Some(super::sources::TileSlot::Ready(_, bytes)) => Some(*bytes),
        _ => None,
    };
    let kept: Vec<u64> = (0..n).filter_map(|i| ready(map, i)).collect();
    let held: u64 = kept.iter().sum();
    assert!(held <= budget && kept.len() >= n - 4 && kept.len() < n, "{} of {n} tiles kept, {held} bytes, bound {budget}", kept.len());
    let warned: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Warning && e.message.contains("over the bound of")).collect();
    assert_eq!(warned.len(), 1, "one warning for the view: {events:?}");
    assert!(warned[0].message.contains("is not loaded, nor the view's tiles past it") && warned[0].message.contains("max_resource_bytes"), "{}", warned[0].message);
    // The kept sources' layers removed, the view changes: the refused tiles
    // are asked for again, and now fit.
    let refused: Vec<usize> = (0..n).filter(|&i| ready(map, i).is_none()).collect();
    let (map, core) = rt.map_mut(1).unwrap();
    for i in (0..n).filter(|i| !refused.contains(i)) {
        map.remove_layer(&format!("b{i}"), core).unwrap();
        map.remove_layer(&format!("r{i}"), core).unwrap();
    }
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let map = rt.map(1).unwrap();
    assert!(refused.iter().all(|&i| ready(map, i).is_some()), "the refused sources {refused:?} load in the new view");
}

#[test]
fn a_view_asks_for_at_most_max_tiles_per_view_tiles_over_its_sources() {
    use crate::runtime::Limits;
    // A point drawn first, then four vector sources of missing tiles; at
    // zoom 3 the view's centre is the corner of four tiles, so each source
    // needs 4. 5,000 such sources asked for 1.28 million tiles in one view.
    // The point's source holds the whole bound while it is indexed (the
    // first warning names all four), then takes the 4 it needs.
    let dir = temp_dir("view-share");
    let sources: Vec<String> = (0..4).map(|i| format!(r#""v{i}": {{"type": "vector", "tiles": ["missing-{i}-{{z}}-{{x}}-{{y}}.mvt"]}}"#)).collect();
    let layers: Vec<String> = (0..4).map(|i| format!(r#"{{"id": "f{i}", "type": "fill", "source": "v{i}", "source-layer": "x"}}"#)).collect();
    let style = format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 3, "sources": {{"p": {}, {}}},
            "layers": [{{"id": "c", "type": "circle", "source": "p", "paint": {{"circle-color": "red", "circle-radius": 8}}}}, {}]}}"#,
        point_source("{}"),
        sources.join(","),
        layers.join(",")
    );
    let asked = |rt: &Runtime| -> Vec<usize> { ["p", "v0", "v1", "v2", "v3"].iter().map(|s| rt.map(1).unwrap().sources[*s].slots.len()).collect() };
    let options = |limits| RuntimeOptions { asset_root: Some(dir.to_path_buf()), limits, ..Default::default() };
    let mut rt = runtime(options(Limits { max_tiles_per_view: 6, ..Default::default() }));
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "the first source draws");
    assert_eq!(asked(&rt), vec![4, 2, 0, 0, 0], "shares in the layers' order");
    let warned: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Warning && e.message.contains("max_tiles_per_view")).collect();
    assert_eq!(warned.len(), 1, "{events:?}");
    assert!(
        warned[0].message.starts_with("the view's sources need more tiles than the max_tiles_per_view limit of 6 (a runtime option): sources \"v0\", \"v1\", \"v2\", \"v3\" drew only part"),
        "{}",
        warned[0].message
    );
    // By default every tile is asked for and nothing is said.
    let mut rt = runtime(options(Limits::default()));
    let (_, events) = render(&mut rt, &style);
    assert_eq!(asked(&rt), vec![4; 5]);
    assert!(!events.iter().any(|e| e.message.contains("max_tiles_per_view")), "{events:?}");
}

#[test]
fn a_url_past_the_bound_is_answered_with_an_error_naming_it_and_kept_cut() {
    use crate::runtime::resource::{cut_long_url, MAX_URL_BYTES};
    // A tile URL template of 10 KB: 500 sources of 60 KB templates took
    // 3 GB in one view, each tile request and its event holding a copy.
    let long = "a".repeat(10_000);
    let style = circle_style(
        &format!(r#""p": {}, "v": {{"type": "vector", "tiles": ["{long}/{{z}}/{{x}}/{{y}}.mvt"], "minzoom": 0, "maxzoom": 0}}"#, point_source("{}")),
        r#"{"id": "f", "type": "fill", "source": "v", "source-layer": "x"},
           {"id": "c", "type": "circle", "source": "p", "paint": {"circle-color": "red", "circle-radius": 8}}"#,
    );
    let mut rt = runtime(RuntimeOptions::default());
    let (centre, events) = render(&mut rt, &style);
    assert_eq!(centre, Some(RED), "the rest draws");
    let refused: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::ResourceError && e.message.contains("bound on a URL")).collect();
    assert_eq!(refused.len(), 1, "{events:?}");
    let e = refused[0];
    assert!(e.message.contains(&format!("bytes long, more than {MAX_URL_BYTES}")), "{}", e.message);
    assert!(e.url.len() < 300 && e.url.ends_with("...") && e.url.starts_with("aaaa"), "{}", e.url);
    // At the bound a URL is kept whole; past it, cut at a character.
    let mut url = "b".repeat(MAX_URL_BYTES);
    assert!(cut_long_url(&mut url).is_none() && url.len() == MAX_URL_BYTES);
    let mut url = format!("{}{}", "b".repeat(199), "\u{e9}".repeat(MAX_URL_BYTES));
    assert!(cut_long_url(&mut url).is_some());
    assert_eq!(url, format!("{}...", "b".repeat(199)));
}

#[test]
fn layers_and_sources_past_the_style_caps_are_skipped_with_a_warning_and_not_added() {
    use crate::runtime::Limits;
    let limits = Limits { max_style_layers: 3, max_style_sources: 2, ..Default::default() };
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() });
    // Four sources and five layers: blue under red, then three layers (one
    // of a source past the cap) that would paint the centre green.
    let circle = |id: &str, source: &str, colour: &str, radius: u32| {
        format!(r#"{{"id": "{id}", "type": "circle", "source": "{source}", "paint": {{"circle-color": "{colour}", "circle-radius": {radius}}}}}"#)
    };
    let sources = (0..4).map(|i| format!(r#""p{i}": {}"#, point_source("{}"))).collect::<Vec<_>>().join(",");
    let layers = [circle("blue", "p0", "blue", 20), circle("red", "p1", "red", 10), circle("small", "p0", "blue", 1), circle("g1", "p2", "lime", 10), circle("g2", "p3", "lime", 10)];
    let (centre, events) = render(&mut rt, &circle_style(&sources, &layers.join(",")));
    let frame = rt.map(1).unwrap().frame().unwrap();
    assert_eq!(frame.pixel(32 + 5, 32), Some(RED), "the first layers draw, the ones past the cap do not");
    assert_eq!(frame.pixel(32 + 15, 32), Some([0, 0, 255, 255]));
    assert_eq!(centre.map(|p| p[1]), Some(0), "no green: {centre:?}");
    let warned = |what: &str| events.iter().any(|e| e.kind == EventKind::Warning && e.message.contains(what));
    assert!(warned("layers: the style has 5 layers, more than max_style_layers (3"), "{events:?}");
    assert!(warned("sources: the style has 4 sources, more than max_style_sources (2"), "{events:?}");
    // The runtime-styling API refuses to go past a cap, and changes nothing.
    let (map, core) = rt.map_mut(1).unwrap();
    let e = map.add_layer(&serde_json::json!({"id": "more", "type": "background"}), None, core).unwrap_err();
    assert!(e.message.contains("the style has 4 layers, more than max_style_layers (3"), "{e:?}");
    let e = map.add_source("p9", &point_source("{}"), core).unwrap_err();
    assert!(e.message.contains("the style has 3 sources, more than max_style_sources (2"), "{e:?}");
    assert_eq!(map.style().unwrap().layers.len(), 3);
    assert_eq!(map.style().unwrap().sources.len(), 2);
    map.remove_layer("small", core).unwrap();
    map.add_layer(&serde_json::json!({"id": "more", "type": "background"}), None, core).expect("room for one again");
}

#[test]
fn a_source_added_at_run_time_keeps_its_data_as_text_and_the_rest_under_the_bound() {
    use crate::style::source::{GeoJsonData, SourceSpec};
    // `add_source` parsed its whole JSON as a tree, data included: 26 MB of
    // points took 0.92 GB before the source read a byte of it.
    let limits = crate::runtime::Limits { max_resource_bytes: 100_000, ..Default::default() };
    let mut rt = runtime(RuntimeOptions { limits, ..Default::default() });
    let _ = render(&mut rt, &circle_style("", r#"{"id": "bg", "type": "background", "paint": {"background-color": "white"}}"#));
    let (map, core) = rt.map_mut(1).unwrap();
    // Pretty-printed: the kept text is what was given, not a reprint.
    let data = "{\n  \"type\": \"Polygon\",\n  \"coordinates\": [[[-50, -50], [50, -50], [50, 50], [-50, 50], [-50, -50]]]\n}";
    map.add_source("s", &format!(r#"{{"type": "geojson", "data": {data}}}"#), core).unwrap();
    map.add_layer(&serde_json::json!({"id": "f", "type": "fill", "source": "s", "paint": {"fill-color": "red"}}), None, core).unwrap();
    let spec = &map.style().unwrap().sources[0].1;
    let SourceSpec::GeoJson(g) = spec else { panic!("{spec:?}") };
    assert!(matches!(&g.data, GeoJsonData::Inline(text) if &**text == data), "{:?}", g.data);
    assert!(map.style_doc["sources"]["s"]["data"].is_null(), "the document holds no copy");
    // The rest of a source's JSON is held to the parsed bound (16 MiB here).
    let zeros = vec!["0"; 600_000].join(",");
    let e = map.add_source("big", &format!(r#"{{"type": "geojson", "data": {data}, "x": [{zeros}]}}"#), core).unwrap_err();
    assert!(e.message.contains("source \"big\": it takes more than 16777216 bytes once parsed") && e.message.contains("max_resource_bytes"), "{e:?}");
    // Data of the same zeros is not parsed here: the source's own bound (the
    // map's GeoJSON budget) refuses it when it loads.
    let zeros_data = format!(r#"{{"type": "Feature", "properties": {{"z": [{zeros}]}}, "geometry": {{"type": "Point", "coordinates": [0, 0]}}}}"#);
    map.add_source("z", &format!(r#"{{"type": "geojson", "data": {zeros_data}}}"#), core).unwrap();
    map.add_layer(&serde_json::json!({"id": "c", "type": "circle", "source": "z"}), None, core).unwrap();
    assert_eq!(map.style().unwrap().sources.len(), 2);
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let events = rt.drain_events();
    let refused = resource_errors(&events);
    assert!(refused.len() == 1 && refused[0].message.contains("source \"z\": its GeoJSON data") && refused[0].message.contains("more than 400000"), "{events:?}");
    let frame = rt.map(1).unwrap().frame().unwrap();
    assert_eq!(frame.pixel(32, 32), Some(RED), "the polygon draws");
}

#[test]
fn geojson_sources_are_indexed_under_the_runtimes_one_at_a_time_lock() {
    use crate::map::sources::Meta;
    use crate::runtime::StillError;
    // Two workers, two sources: their index builds (several times what an
    // index keeps) wait for the runtime's lock, so the peak holds one build.
    let mut rt = runtime(RuntimeOptions::default());
    let sources = format!(r#""a": {}, "b": {}"#, point_source("{}"), point_source("{}"));
    let layers = [("a", "blue", 12), ("b", "red", 6)]
        .map(|(s, c, r)| format!(r#"{{"id": "{s}", "type": "circle", "source": "{s}", "paint": {{"circle-color": "{c}", "circle-radius": {r}}}}}"#));
    let (map, core) = rt.map_mut(1).unwrap();
    map.set_style_json(circle_style(&sources, &layers.join(",")).as_bytes(), core).unwrap();
    let heavy = core.one_at_a_time();
    let held = heavy.lock().unwrap();
    // While something else holds it, neither source is indexed.
    let e = rt.render_still(1, Some(std::time::Duration::from_millis(500))).unwrap_err();
    assert!(matches!(e, StillError::Timeout(_)), "{e:?}");
    let map = rt.map(1).unwrap();
    assert!(["a", "b"].iter().all(|s| map.sources[*s].meta == Meta::Loading), "{:?}", map.sources.values().map(|s| &s.meta).collect::<Vec<_>>());
    drop(held);
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let frame = rt.map(1).unwrap().frame().unwrap();
    assert_eq!((frame.pixel(32, 32), frame.pixel(32 + 9, 32)), (Some(RED), Some([0, 0, 255, 255])), "both draw once it is free");
}

/// `n` points in a ring 10 degrees around the centre (14 pixels at zoom 0),
/// each with "k" its index.
fn ring_of_points(n: usize) -> String {
    (0..n)
        .map(|i| {
            let a = i as f64 * std::f64::consts::TAU / n as f64;
            format!(r#"{{"type": "Feature", "properties": {{"k": {i}}}, "geometry": {{"type": "Point", "coordinates": [{}, {}]}}}}"#, 10.0 * a.cos(), 10.0 * a.sin())
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The filter of [`scanning_style`]: whether "k" is in the text of the
/// numbers to `n`, comma-separated (n = 40,000: a 230 KB string).
fn scanning_filter(n: usize) -> String {
    let list = (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    format!(r#"["in", ["to-string", ["get", "k"]], "{list}"]"#)
}

/// A red background and a blue circle layer "c" over `points` (source "p")
/// whose filter searches the numbers to `n` for each point.
fn scanning_style(points: &str, n: usize) -> String {
    circle_style(
        &format!(r#""p": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{points}]}}}}"#),
        &format!(
            r#"{{"id": "bg", "type": "background", "paint": {{"background-color": "red"}}}},
               {{"id": "c", "type": "circle", "source": "p", "filter": {}, "paint": {{"circle-color": "blue", "circle-radius": 2}}}}"#,
            scanning_filter(n)
        ),
    )
}

#[test]
fn expressions_that_scan_large_literals_for_every_feature_stop_at_the_work_bound_and_the_rest_draws() {
    use crate::style::expression::fuel::MAX_STEPS;
    // A filter searching a 230 KB string (the numbers to 40,000) for each
    // of 2,000 points in a ring around the centre (10 degrees out: 14
    // pixels at zoom 0): 4.6 * 10^8 steps, past the bound. A 7 MB style
    // searching a 2 MB string for each of 50,000 points took 277 s before it.
    let points = ring_of_points(2_000);
    let style = |n: usize| scanning_style(&points, n);
    let blue = |rt: &Runtime| rt.map(1).unwrap().frame().unwrap().data.chunks(4).filter(|p| p == &[0, 0, 255, 255]).count();
    let mut rt = runtime(RuntimeOptions::default());
    let (centre, events) = render(&mut rt, &style(40_000));
    let warned: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Warning && e.message.contains("expression work bound")).collect();
    assert_eq!(warned.len(), 1, "{events:?}");
    assert!(warned[0].message.contains(&format!("the 64x64 frame: its expressions took more than {MAX_STEPS} evaluation steps")), "{}", warned[0].message);
    assert_eq!(centre, Some(RED), "the background draws");
    let cut = blue(&rt);
    // A short string: every point passes, nothing is said.
    let mut rt = runtime(RuntimeOptions::default());
    let (_, events) = render(&mut rt, &style(2_000));
    assert!(!events.iter().any(|e| e.message.contains("expression work bound")), "{events:?}");
    let all = blue(&rt);
    assert!(cut > 0 && cut < all, "the points before the bound draw, not all: {cut} of {all} pixels");
}

#[test]
fn a_styles_geojson_sources_share_one_expression_work_bound() {
    use crate::style::expression::fuel::MAX_STEPS;
    // Four clustered sources of 1,000 points whose cluster property scans a
    // 29 KB string for each point: under half the bound each. Each source
    // had a bound of its own, so 10,000 of them took hours; now the first
    // two index whole, the third runs out and the fourth has nothing left.
    let points = ring_of_points(1_000);
    let list = (0..6_000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let sources: Vec<String> = (0..4)
        .map(|i| {
            format!(
                r#""s{i}": {{"type": "geojson", "cluster": true, "data": {{"type": "FeatureCollection", "features": [{points}]}},
                    "clusterProperties": {{"m": ["+", ["index-of", ["to-string", ["get", "k"]], "{list},{i}"]]}}}}"#
            )
        })
        .collect();
    let layers: Vec<String> =
        (0..4).map(|i| format!(r#"{{"id": "c{i}", "type": "circle", "source": "s{i}", "paint": {{"circle-color": "red"}}}}"#)).collect();
    let mut rt = runtime(RuntimeOptions::default());
    let (_, events) = render(&mut rt, &circle_style(&sources.join(","), &layers.join(",")));
    let warned: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Warning && e.message.contains("expression work bound")).collect();
    let share = format!("(the expression work bound, what the style's GeoJSON sources had left of their {MAX_STEPS}");
    assert_eq!(warned.len(), 2, "{events:?}");
    assert!(warned.iter().all(|e| e.message.contains(&share)), "{}", warned[0].message);
    let named: std::collections::BTreeSet<&str> = warned.iter().map(|e| e.source_id.as_str()).collect();
    assert_eq!(named.len(), 2, "two sources, each named once: {named:?}");
}

#[test]
fn a_views_label_jobs_share_the_expression_work_bound() {
    use crate::style::expression::fuel::MAX_STEPS;
    // The scanning filter on a symbol layer, the ring of points over the
    // four tiles around the centre at zoom 1: each tile's label jobs have a
    // quarter of the bound (each had all of it, so a view's label work grew
    // with its tiles).
    let points = ring_of_points(2_000);
    let style = scanning_style(&points, 40_000)
        .replace(r#""zoom": 0"#, r#""zoom": 1"#)
        .replace(r#""type": "circle", "source": "p""#, r#""type": "symbol", "source": "p", "layout": {"text-field": "x"}"#);
    let mut rt = runtime(RuntimeOptions::default());
    let (_, events) = render(&mut rt, &style);
    let warned: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Warning && e.message.starts_with("labels of tile 1/")).collect();
    assert!(!warned.is_empty(), "{events:?}");
    let share = format!("more than {} evaluation steps (the expression work bound, this tile's share of the view's {MAX_STEPS}", MAX_STEPS / 4);
    assert!(warned.iter().all(|e| e.message.contains(&share)), "{}", warned[0].message);
    // A tile's two label jobs (glyph dependencies, then layout) each meet
    // it: the tile is told once.
    let tiles: std::collections::BTreeSet<&str> = warned.iter().map(|e| e.message.split(':').next().unwrap()).collect();
    assert_eq!(tiles.len(), warned.len(), "{:?}", warned.iter().map(|e| &e.message).collect::<Vec<_>>());
}

#[test]
fn a_query_over_expressions_past_the_work_bound_fails_naming_it() {
    use crate::query::{QueryErrorKind, QueryGeometry, QueryOptions};
    // The layer's filter searches a 230 KB string for each of 2,000 points
    // (4.6 * 10^8 steps); a 15,000-branch `case` filter over 50,000 points
    // held the owner thread for over ten minutes in a query.
    let points = ring_of_points(2_000);
    let whole = QueryGeometry::Box([0.0, 0.0], [64.0, 64.0]);
    let mut rt = runtime(RuntimeOptions::default());
    render(&mut rt, &scanning_style(&points, 40_000));
    let map = rt.map(1).unwrap();
    let e = map.query_rendered_features(&whole, &QueryOptions::default(), u64::MAX).unwrap_err();
    assert_eq!(e.kind, QueryErrorKind::WorkBound);
    assert!(e.message.contains("the query stopped: its expressions took more than") && e.message.contains("smaller box"), "{}", e.message);
    // The source query with the same filter as its own.
    let filter: serde_json::Value = serde_json::from_str(&scanning_filter(40_000)).unwrap();
    let e = map.query_source_features("p", None, Some(&filter), u64::MAX).unwrap_err();
    assert_eq!(e.kind, QueryErrorKind::WorkBound, "{}", e.message);
    // The layer's filter alone, when the query asks other layers, costs nothing.
    let bg = QueryOptions { layers: Some(vec!["bg".into()]), filter: None };
    assert!(map.query_rendered_features(&whole, &bg, u64::MAX).unwrap().is_empty());
    // A short string: every point is found.
    let mut rt = runtime(RuntimeOptions::default());
    render(&mut rt, &scanning_style(&points, 2_000));
    let map = rt.map(1).unwrap();
    assert_eq!(map.query_rendered_features(&whole, &QueryOptions::default(), u64::MAX).unwrap().len(), 2_000);
}

#[test]
fn a_query_answer_holds_each_layer_once_and_stops_at_its_bound() {
    use crate::query::{QueryErrorKind, QueryGeometry, QueryOptions};
    // 2,000 points found in a layer whose filter is 11 KB of JSON (the
    // numbers to 2,000): 22 MB of text when each feature carries its layer.
    let points = ring_of_points(2_000);
    let mut rt = runtime(RuntimeOptions::default());
    render(&mut rt, &scanning_style(&points, 2_000));
    let map = rt.map(1).unwrap();
    let whole = QueryGeometry::Box([0.0, 0.0], [64.0, 64.0]);
    let answer = map.query_rendered_features(&whole, &QueryOptions::default(), u64::MAX).unwrap();
    let text = answer.to_json_text();
    assert!(text.len() > 2_000 * 8_000, "{} bytes", text.len());
    let features: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(features.len(), 2_000);
    let filter: serde_json::Value = serde_json::from_str(&scanning_filter(2_000)).unwrap();
    assert!(features.iter().all(|f| f["layer"]["id"] == "c" && f["layer"]["filter"] == filter && f["source"] == "p"));
    // The text is what the features with their layers write.
    assert!(serde_json::Value::Array(answer.into_features()).to_string() == text);
    // Under a bound of a megabyte it fails, naming the bound.
    let e = map.query_rendered_features(&whole, &QueryOptions::default(), 1 << 20).unwrap_err();
    assert_eq!(e.kind, QueryErrorKind::TooLarge);
    assert!(e.message.contains("more than 1048576 bytes of JSON") && e.message.contains("max_resource_bytes"), "{}", e.message);
    let e = map.query_source_features("p", None, None, 1_000).unwrap_err();
    assert_eq!(e.kind, QueryErrorKind::TooLarge);
}

#[test]
fn heatmap_kernels_past_the_frames_texel_bound_are_left_out() {
    use crate::layout::budget::{FrameBudget, MAX_HEATMAP_TEXELS};
    use crate::render::display_list::DrawCommand;
    use std::cell::RefCell;
    // Ten points whose kernels each cover the whole 16 x 16 density image of
    // a 64 x 64 frame. 50,000 such points at 1024 x 1024 took 23 s.
    let features: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"type": "Feature", "properties": {{}}, "geometry": {{"type": "Point", "coordinates": [{}, 0]}}}}"#, i as f64))
        .collect();
    let style = circle_style(
        &format!(r#""ten": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{}]}}}}"#, features.join(",")),
        r#"{"id": "h", "type": "heatmap", "source": "ten", "paint": {"heatmap-radius": 1000}}"#,
    );
    let mut rt = runtime(RuntimeOptions::default());
    let (_, events) = render(&mut rt, &style);
    assert!(!events.iter().any(|e| e.message.contains("layout bounds")), "{events:?}");
    let map = rt.map(1).unwrap();
    let style = map.style().unwrap();
    let view = crate::layout::View { transform: map.camera.transform(64, 64), pixel_ratio: 1.0, width: 64, height: 64 };
    let density = |max_heatmap_texels: u64| {
        let mut budget = FrameBudget::unbounded();
        budget.max_heatmap_texels = max_heatmap_texels;
        let budget = RefCell::new(budget);
        let (list, _) = crate::layout::build_display_list_within(style, &view, map, &Default::default(), &budget);
        let sum: f32 = list
            .commands
            .iter()
            .map(|c| match c {
                DrawCommand::Heatmap { image } => image.density.iter().sum(),
                _ => 0.0,
            })
            .sum();
        (sum, budget.into_inner())
    };
    let (all, budget) = density(MAX_HEATMAP_TEXELS);
    assert!(all > 0.0 && !budget.cut());
    // Room for three of the ten kernels.
    let (part, budget) = density(3 * 16 * 16);
    assert!(part > 0.0 && part < all * 0.5, "{part} of {all}");
    assert_eq!(budget.left_out.iter().copied().collect::<Vec<_>>(), vec![0]);
    let message = crate::map::overdraw::left_out(&budget, style, (64, 64));
    assert!(message.contains(r#"spread heatmap kernels over more than 768 density texels (its layout bounds): layer "h" left out in part"#), "{message}");
}

#[test]
fn an_image_tile_past_the_views_bound_by_its_header_is_refused_before_decoding() {
    let dir = temp_dir("decoded");
    // A 57-byte PNG declaring 3000 x 3000 pixels (36 MB decoded) with no
    // image data: decoding it would fail with a tile error.
    std::fs::write(dir.join("wide.png"), png_header(3000)).unwrap();
    // max_resource_bytes 100,000: a view's tiles hold at most 16 MiB.
    let limits = crate::runtime::Limits { max_resource_bytes: 100_000, ..Default::default() };
    let mut rt = runtime(RuntimeOptions { asset_root: Some(dir.to_path_buf()), limits, ..Default::default() });
    let (centre, events) = render(&mut rt, &raster_over_circle("wide.png"));
    assert_eq!(centre, Some(RED), "{events:?}");
    assert!(
        events.iter().any(|e| e.kind == EventKind::Warning && e.message.contains("tile 0/0/0 is not loaded") && e.message.contains("over the bound of 16384 KB")),
        "{events:?}"
    );
    // 72 KB tiles decoding to 64 MB each were all decoded, then refused
    // (49 s for a view of 256): now none is decoded.
    assert!(!events.iter().any(|e| e.kind == EventKind::TileError), "{events:?}");
}
