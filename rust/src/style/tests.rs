//! Style parsing tests: errors with paths, warnings, defaults, legacy
//! functions and filters, runtime property changes.

use serde_json::json;

use crate::data::feature::{Feature, GeomType, Properties};
use crate::style::color::Color;
use crate::style::expression::EvaluationContext;
use crate::style::source::{GeoJsonData, Scheme, SourceSpec};
use crate::style::value::Value;
use crate::style::{parse_style, LayerKind};

fn style_with(layers: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "version": 8,
        "sources": {
            "v": {"type": "vector", "tiles": ["local://tiles/{z}-{x}-{y}.mvt"], "maxzoom": 14},
            "g": {"type": "geojson", "data": "local://data/a.geojson"},
            "r": {"type": "raster", "url": "local://tilesets/r.json", "tileSize": 256}
        },
        "layers": layers
    }))
    .unwrap()
}

fn err(doc: &[u8]) -> String {
    parse_style(doc).map(|_| ()).unwrap_err().to_string()
}

fn feature(props: &[(&str, Value)]) -> Feature {
    let mut p = Properties::default();
    for (k, v) in props {
        p.insert(*k, v.clone());
    }
    Feature {
        id: None,
        geom_type: GeomType::Polygon,
        geometry: vec![],
        properties: p,
    }
}

#[test]
fn parses_sources_in_order_with_defaults() {
    let parsed = parse_style(&style_with(json!([]))).unwrap();
    let s = &parsed.style;
    let names: Vec<&str> = s.sources.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["v", "g", "r"]);
    match s.source("v").unwrap() {
        SourceSpec::Vector { tiles, .. } => {
            assert_eq!(tiles.maxzoom, 14.0);
            assert_eq!(tiles.minzoom, 0.0);
            assert_eq!(tiles.scheme, Scheme::Xyz);
        }
        other => panic!("{other:?}"),
    }
    match s.source("g").unwrap() {
        SourceSpec::GeoJson(g) => {
            assert_eq!(g.data, GeoJsonData::Url("local://data/a.geojson".into()));
            assert_eq!((g.maxzoom, g.buffer, g.tolerance), (18.0, 128.0, 0.375));
        }
        other => panic!("{other:?}"),
    }
    match s.source("r").unwrap() {
        SourceSpec::Raster(t) => assert_eq!(t.tile_size, 256),
        other => panic!("{other:?}"),
    }
}

#[test]
fn version_is_required() {
    assert_eq!(
        err(br#"{"sources": {}, "layers": []}"#),
        "version: missing required property \"version\""
    );
    // Missing sources/layers only warn (MapLibre Native loads such styles).
    let p = parse_style(br#"{"version": 8}"#).unwrap();
    assert_eq!(p.warnings.len(), 2);
    assert!(p.style.layers.is_empty() && p.style.sources.is_empty());
    assert_eq!(
        err(br#"{"version": 7, "sources": {}, "layers": []}"#),
        "version: expected 8, found 7"
    );
}

#[test]
fn invalid_json_has_line_and_column() {
    let e = err(b"{\n  \"version\": 8,\n  oops\n}");
    assert!(e.starts_with("invalid JSON at line 3, column 3"), "{e}");
}

#[test]
fn errors_have_paths() {
    let doc = style_with(json!([
        {"id": "a", "type": "background"},
        {"id": "b", "type": "line", "source": "v", "source-layer": "roads", "paint": {"line-width": "wide"}}
    ]));
    assert_eq!(
        err(&doc),
        "layers[1].paint.line-width: expected number, found string"
    );
    let doc = br#"{"version": 8, "sources": {"foo": {"type": "bar"}}, "layers": []}"#;
    assert_eq!(err(doc), "sources.foo: unknown source type \"bar\"");
    let doc = style_with(json!([{"id": "a", "type": "fill", "source": "nope"}]));
    assert_eq!(err(&doc), "layers[0].source: source \"nope\" not found");
    let doc = style_with(json!([{"id": "a", "type": "fill", "source": "r"}]));
    assert!(err(&doc).starts_with("layers[0].source: layer \"a\" requires a vector source"));
    let doc = style_with(
        json!([{"id": "a", "type": "circle", "source": "g", "paint": {"circle-color": ["get", 1, 2, 3]}}]),
    );
    assert!(
        err(&doc).starts_with("layers[0].paint.circle-color"),
        "{}",
        err(&doc)
    );
    let doc = style_with(
        json!([{"id": "a", "type": "fill", "source": "g", "paint": {"fill-opacity": 2}}]),
    );
    assert_eq!(
        err(&doc),
        "layers[0].paint.fill-opacity: 2 is greater than the maximum value 1"
    );
    let doc = style_with(
        json!([{"id": "a", "type": "line", "source": "g", "layout": {"line-cap": "pointy"}}]),
    );
    assert_eq!(
        err(&doc),
        "layers[0].layout.line-cap: expected one of [\"butt\", \"round\", \"square\"], \"pointy\" found"
    );
    let doc = style_with(
        json!([{"id": "a", "type": "fill", "source": "g", "paint": {"fill-color": "nocolor"}}]),
    );
    assert_eq!(
        err(&doc),
        "layers[0].paint.fill-color: color expected, \"nocolor\" found"
    );
    let doc =
        style_with(json!([{"id": "a", "type": "background"}, {"id": "a", "type": "background"}]));
    assert_eq!(err(&doc), "layers[1]: duplicate layer id \"a\"");
    let doc = style_with(
        json!([{"id": "a", "type": "fill", "source": "g", "paint": {"fill-translate": [1, "x"]}}]),
    );
    assert_eq!(
        err(&doc),
        "layers[0].paint.fill-translate[1]: expected number, found string"
    );
    let doc = style_with(
        json!([{"id": "a", "type": "fill", "source": "g", "filter": ["==", ["get", "a"], ["+", 1, "x"]]}]),
    );
    assert!(
        err(&doc).starts_with("layers[0].filter[2][2]: "),
        "{}",
        err(&doc)
    );
}

#[test]
fn unknown_keys_are_warnings() {
    let doc = serde_json::to_vec(&json!({
        "version": 8, "foo": 1,
        "sources": {"g": {"type": "geojson", "data": "x", "bar": true}},
        "layers": [{"id": "a", "type": "fill", "source": "g", "baz": 1,
                    "paint": {"fill-colour": "red", "fill-color-transition": {"duration": 0}}}]
    }))
    .unwrap();
    let parsed = parse_style(&doc).unwrap();
    assert_eq!(parsed.warnings.len(), 4, "{:?}", parsed.warnings);
    assert!(parsed
        .warnings
        .iter()
        .any(|w| w.starts_with("layers[0].paint.fill-colour")));
    assert!(parsed
        .warnings
        .iter()
        .any(|w| w.starts_with("sources.g.bar")));
}

#[test]
fn a_geojson_sources_filter_is_compiled_and_a_bad_one_warned_and_dropped() {
    let doc = |filter: serde_json::Value| {
        serde_json::to_vec(&json!({"version": 8, "sources": {"g": {"type": "geojson", "data": "x", "filter": filter}}, "layers": []}))
            .unwrap()
    };
    let filter = |p: &crate::style::document::ParsedStyle| match &p.style.sources[0] {
        (_, crate::style::source::SourceSpec::GeoJson(g)) => g.filter.clone(),
        other => panic!("{other:?}"),
    };
    let good = parse_style(&doc(json!(["==", "$type", "Point"]))).unwrap();
    assert!(good.warnings.is_empty(), "{:?}", good.warnings);
    assert_eq!(filter(&good).unwrap().json, json!(["==", "$type", "Point"]));
    let bad = parse_style(&doc(json!(["+", 1, 2]))).unwrap();
    assert!(filter(&bad).is_none());
    assert_eq!(bad.warnings.len(), 1, "{:?}", bad.warnings);
    assert!(bad.warnings[0].starts_with("sources.g.filter: ") && bad.warnings[0].ends_with("every feature is kept"), "{:?}", bad.warnings);
}

#[test]
fn defaults_and_typed_getters() {
    let doc = style_with(json!([
        {"id": "f", "type": "fill", "source": "g"},
        {"id": "l", "type": "line", "source": "g", "layout": {"visibility": "none"},
         "paint": {"line-dasharray": [2, 1], "line-color": "rgba(255, 0, 0, 0.5)"}}
    ]));
    let parsed = parse_style(&doc).unwrap();
    let ctx = EvaluationContext::at_zoom(3.0);
    let f = &parsed.style.layers[0];
    assert_eq!(f.kind, LayerKind::Fill);
    assert_eq!(f.paint.get_color("fill-color", &ctx), Color::BLACK);
    assert_eq!(f.paint.get_f32("fill-opacity", &ctx), 1.0);
    assert!(f.paint.get_bool("fill-antialias", &ctx));
    assert_eq!(f.paint.get_color_opt("fill-outline-color", &ctx), None);
    assert_eq!(f.paint.get_enum("fill-translate-anchor", &ctx), "map");
    assert_eq!(
        f.paint.get_f32_array("fill-translate", &ctx),
        vec![0.0, 0.0]
    );
    assert!(f.is_visible());
    let l = &parsed.style.layers[1];
    assert!(!l.is_visible());
    assert_eq!(
        l.paint.get_f32_array("line-dasharray", &ctx),
        vec![2.0, 1.0]
    );
    assert_eq!(
        l.paint.get_color("line-color", &ctx),
        Color::new(1.0, 0.0, 0.0, 0.5)
    );
    assert_eq!(l.layout.get_enum("line-join", &ctx), "miter");
    assert_eq!(l.paint.get_f32("line-width", &ctx), 1.0);
}

#[test]
fn data_driven_properties_and_fallback() {
    let doc = style_with(json!([
        {"id": "f", "type": "fill", "source": "g",
         "paint": {"fill-color": ["match", ["get", "kind"], "park", "green", "red"],
                   "fill-opacity": ["number", ["get", "o"]]}}
    ]));
    let parsed = parse_style(&doc).unwrap();
    let layer = &parsed.style.layers[0];
    assert!(!layer.paint.is_feature_constant("fill-color"));
    assert!(layer.paint.is_zoom_constant("fill-color"));
    let park = feature(&[
        ("kind", Value::String("park".into())),
        ("o", Value::Number(0.25)),
    ]);
    let ctx = EvaluationContext::for_feature(10.0, &park);
    let green = Color::parse("green").unwrap();
    assert_eq!(layer.paint.get_color("fill-color", &ctx), green);
    assert_eq!(layer.paint.get_f32("fill-opacity", &ctx), 0.25);
    // Evaluation error (o missing): the default.
    let other = feature(&[("kind", Value::String("x".into()))]);
    let ctx = EvaluationContext::for_feature(10.0, &other);
    assert_eq!(
        layer.paint.get_color("fill-color", &ctx),
        Color::new(1.0, 0.0, 0.0, 1.0)
    );
    assert_eq!(layer.paint.get_f32("fill-opacity", &ctx), 1.0);
}

#[test]
fn zoom_and_data_restrictions() {
    // fill-antialias is data-constant: feature data is rejected.
    let doc = style_with(
        json!([{"id": "f", "type": "fill", "source": "g", "paint": {"fill-antialias": ["get", "x"]}}]),
    );
    assert_eq!(
        err(&doc),
        "layers[0].paint.fill-antialias: data expressions not supported"
    );
    // visibility takes no expressions.
    let doc = style_with(
        json!([{"id": "f", "type": "fill", "source": "g", "layout": {"visibility": ["literal", "none"]}}]),
    );
    assert!(err(&doc).starts_with("layers[0].layout.visibility: "));
    let doc = style_with(json!([{"id": "s", "type": "symbol", "source": "g",
        "layout": {"text-size": ["number", ["feature-state", "s"], 1]}}]));
    assert_eq!(
        err(&doc),
        "layers[0].layout.text-size: \"feature-state\" data expressions are not supported with layout properties."
    );
    let doc = style_with(json!([{"id": "s", "type": "fill", "source": "g",
        "filter": ["boolean", ["feature-state", "s"], false]}]));
    assert_eq!(err(&doc), "layers[0].filter: \"feature-state\" data expressions are not supported with filters.");
    // zoom must be the input of a top-level curve.
    let doc = style_with(
        json!([{"id": "f", "type": "fill", "source": "g", "paint": {"fill-opacity": ["*", 0.1, ["zoom"]]}}]),
    );
    assert_eq!(
        err(&doc),
        "layers[0].paint.fill-opacity: \"zoom\" expression may only be used as input to a top-level \"step\" or \"interpolate\" expression."
    );
}

#[test]
fn legacy_functions() {
    let doc = style_with(json!([
        {"id": "l", "type": "line", "source": "g",
         "paint": {"line-width": {"base": 2, "stops": [[10, 1], [12, 5]]},
                   "line-color": {"property": "kind", "type": "categorical", "stops": [["a", "#00f"]], "default": "#0f0"},
                   "line-opacity": {"property": "o", "stops": [[{"zoom": 0, "value": 0}, 0], [{"zoom": 0, "value": 10}, 1],
                                                           [{"zoom": 10, "value": 0}, 0.5], [{"zoom": 10, "value": 10}, 1]]}}}
    ]));
    let parsed = parse_style(&doc).unwrap();
    let l = &parsed.style.layers[0];
    assert_eq!(
        l.paint
            .get_f32("line-width", &EvaluationContext::at_zoom(9.0)),
        1.0
    );
    assert!(
        (l.paint
            .get_f32("line-width", &EvaluationContext::at_zoom(11.0))
            - 7.0 / 3.0)
            .abs()
            < 1e-5
    );
    assert_eq!(
        l.paint
            .get_f32("line-width", &EvaluationContext::at_zoom(13.0)),
        5.0
    );
    let a = feature(&[
        ("kind", Value::String("a".into())),
        ("o", Value::Number(5.0)),
    ]);
    let b = feature(&[("kind", Value::String("b".into()))]);
    assert_eq!(
        l.paint
            .get_color("line-color", &EvaluationContext::for_feature(5.0, &a)),
        Color::new(0.0, 0.0, 1.0, 1.0)
    );
    assert_eq!(
        l.paint
            .get_color("line-color", &EvaluationContext::for_feature(5.0, &b)),
        Color::new(0.0, 1.0, 0.0, 1.0)
    );
    assert!(
        (l.paint
            .get_f32("line-opacity", &EvaluationContext::for_feature(5.0, &a))
            - 0.625)
            .abs()
            < 1e-6
    );
}

#[test]
fn legacy_filters_and_tokens() {
    let doc = style_with(json!([
        {"id": "s", "type": "symbol", "source": "g",
         "filter": ["all", ["==", "$type", "Polygon"], ["in", "kind", "a", "b"]],
         "layout": {"text-field": "{name} ({ref})", "icon-image": "{icon}-15"}}
    ]));
    let parsed = parse_style(&doc).unwrap();
    let s = &parsed.style.layers[0];
    let mut f = feature(&[
        ("kind", Value::String("a".into())),
        ("name", Value::String("Main".into())),
        ("ref", Value::Number(7.0)),
        ("icon", Value::String("bus".into())),
    ]);
    let ctx = EvaluationContext::for_feature(10.0, &f);
    assert!(s.filter_matches(&ctx));
    assert_eq!(s.layout.get_string("text-field", &ctx), "Main (7)");
    assert_eq!(
        s.layout.get_image("icon-image", &ctx).as_deref(),
        Some("bus-15")
    );
    assert_eq!(
        s.layout.get_strings("text-font", &ctx),
        ["Open Sans Regular", "Arial Unicode MS Regular"]
    );
    f.geom_type = GeomType::Point;
    assert!(!s.filter_matches(&EvaluationContext::for_feature(10.0, &f)));
}

#[test]
fn runtime_changes() {
    let mut parsed = parse_style(&style_with(
        json!([{"id": "c", "type": "circle", "source": "g"}]),
    ))
    .unwrap();
    let layer = parsed.style.layer_mut("c").unwrap();
    let ctx = EvaluationContext::at_zoom(1.0);
    layer
        .set_paint_property("circle-radius", &json!(12))
        .unwrap();
    assert_eq!(layer.paint.get_f32("circle-radius", &ctx), 12.0);
    assert_eq!(layer.paint.get_json("circle-radius"), Some(&json!(12)));
    assert_eq!(
        layer
            .set_paint_property("circle-radius", &json!("big"))
            .unwrap_err(),
        "circle-radius: expected number, found string"
    );
    assert_eq!(
        layer
            .set_paint_property("fill-color", &json!("red"))
            .unwrap_err(),
        "fill-color: unknown paint property for a circle layer"
    );
    layer
        .set_paint_property("circle-radius", &serde_json::Value::Null)
        .unwrap();
    assert_eq!(layer.paint.get_f32("circle-radius", &ctx), 5.0);
    layer
        .set_layout_property("visibility", &json!("none"))
        .unwrap();
    assert!(layer.is_hidden(5.0));
    layer.set_filter(&json!(["==", "x", 1])).unwrap();
    assert!(layer.filter.is_some());
    assert!(layer.set_filter(&json!(["+", 1, 2])).is_err());
    layer.set_filter(&serde_json::Value::Null).unwrap();
    assert!(layer.filter.is_none());
}

#[test]
fn global_state_defaults() {
    let p = parse_style(br#"{"version": 8, "sources": {}, "layers": [], "state": {"mode": {"default": "dark"}}}"#).unwrap();
    assert_eq!(p.style.global_state().get("mode"), Some(&Value::String("dark".into())));
}

#[test]
fn ref_layers_inherit() {
    let doc = style_with(json!([
        {"id": "a", "type": "line", "source": "v", "source-layer": "roads", "filter": ["==", "k", 1]},
        {"id": "b", "ref": "a", "paint": {"line-color": "red"}}
    ]));
    let parsed = parse_style(&doc).unwrap();
    let b = parsed.style.layer("b").unwrap();
    assert_eq!(b.kind, LayerKind::Line);
    assert_eq!(b.source_layer.as_deref(), Some("roads"));
    assert!(b.filter.is_some());
}

/// Parses every render-test style of the shared suite and prints what fails
/// (run with `--ignored --nocapture`; a survey, not a gate).
#[test]
#[ignore]
fn survey_render_test_styles() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ok = 0;
    let mut warnings = std::collections::BTreeMap::<String, usize>::new();
    let suites = ["render-tests", "query-tests"].into_iter().flat_map(|s| {
        ["../../shared/conformance/", "../../../shared/conformance/"]
            .into_iter()
            .map(move |d| root.join(d).join(s))
    });
    for dir in suites.filter(|d| d.is_dir()) {
        for group in std::fs::read_dir(&dir).unwrap().flatten() {
            for test in std::fs::read_dir(group.path()).unwrap().flatten() {
                let path = test.path().join("style.json");
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                match parse_style(&bytes) {
                    Ok(mut p) => {
                        ok += 1;
                        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                        let ops = doc
                            .pointer("/metadata/test/operations")
                            .and_then(|o| o.as_array())
                            .cloned();
                        for op in ops.unwrap_or_default() {
                            let name = op[0].as_str().unwrap_or("");
                            let r: Result<(), String> = match name {
                                "setPaintProperty" | "setLayoutProperty" | "setFilter" => {
                                    match p.style.layer_mut(op[1].as_str().unwrap_or("")) {
                                        None => Err("no such layer".into()),
                                        Some(l) => match name {
                                            "setPaintProperty" => l.set_paint_property(
                                                op[2].as_str().unwrap_or(""),
                                                &op[3],
                                            ),
                                            "setLayoutProperty" => l.set_layout_property(
                                                op[2].as_str().unwrap_or(""),
                                                &op[3],
                                            ),
                                            _ => l.set_filter(&op[2]),
                                        },
                                    }
                                }
                                "addLayer" => {
                                    let mut w = Vec::new();
                                    crate::style::Layer::parse(&op[1], "addLayer", &mut w)
                                        .map(|l| p.style.layers.push(l))
                                        .map_err(|e| e.to_string())
                                }
                                _ => Ok(()),
                            };
                            if let Err(e) = r {
                                println!(
                                    "OPERR {}: {name} {e}",
                                    path.strip_prefix(&dir).unwrap().display()
                                );
                            }
                        }
                        let zoom = p.style.zoom.unwrap_or(0.0);
                    for l in &p.style.layers {
                        for set in [&l.paint, &l.layout] {
                            for name in set.set_names() {
                                if let Some(crate::style::property::PropertyValue::Expression(e)) = set.get(name) {
                                    if e.is_feature_constant() {
                                        let ctx = EvaluationContext::at_zoom(zoom);
                                        if let Err(err) = e.evaluate_checked(&ctx) {
                                            println!("EVALERR {} {}.{name}: {err}", path.display(), l.id);
                                        }
                                    }
                                }
                            }
                        }
                    }
                    for w in p.warnings {
                            let key = w.rsplit(": ").next().unwrap_or("").to_string();
                            *warnings.entry(key).or_default() += 1;
                        }
                    }
                    Err(e) => println!("ERR {}: {e}", path.strip_prefix(&dir).unwrap().display()),
                }
            }
        }
    }
    println!("parsed {ok}");
    for (w, n) in warnings {
        println!("WARN {n} x {w}");
    }
}

/// Rough evaluation speed check (run with `--ignored --nocapture`).
#[test]
#[ignore]
fn bench_property_evaluation() {
    let doc = style_with(json!([{"id": "f", "type": "fill", "source": "g", "paint": {
        "fill-color": ["match", ["get", "class"], "park", "#0f0", ["wood", "forest"], "#060", "#ccc"],
        "fill-opacity": ["interpolate", ["linear"], ["zoom"], 5, 0.2, 15, ["case", ["has", "x"], 1, 0.5]]}}]));
    let parsed = parse_style(&doc).unwrap();
    let layer = &parsed.style.layers[0];
    let classes = ["park", "wood", "forest", "road", "water"];
    let features: Vec<Feature> = (0..1000)
        .map(|i| feature(&[("class", Value::String(classes[i % 5].into())), ("n", Value::Number(i as f64))]))
        .collect();
    let start = std::time::Instant::now();
    let mut acc = 0.0f32;
    for _ in 0..1000 {
        for f in &features {
            let ctx = EvaluationContext::for_feature(10.5, f);
            acc += layer.paint.get_color("fill-color", &ctx).g + layer.paint.get_f32("fill-opacity", &ctx);
        }
    }
    let per = start.elapsed().as_nanos() as f64 / 1e6;
    println!("{per:.1} ns per feature for two properties (checksum {acc})");
}

#[test]
fn zoom_and_feature_values_laid_out_for_a_tile_mix_its_zoom_and_the_next() {
    let doc = style_with(json!([
        {"id": "c", "type": "circle", "source": "g", "paint": {
            "circle-radius": ["interpolate", ["linear"], ["zoom"], 10.5, ["get", "r"], 11.5, ["*", 3, ["get", "r"]]],
            "circle-color": ["interpolate", ["linear"], ["zoom"], 11, ["to-color", ["get", "c"]], 12, "blue"],
            "circle-stroke-width": ["step", ["zoom"], 1, 11.2, ["get", "r"]],
            "circle-blur": ["interpolate", ["linear"], ["zoom"], 10.5, 0, 11.5, 1]}}
    ]));
    let parsed = parse_style(&doc).unwrap();
    let p = &parsed.style.layers[0].paint;
    let mut props = Properties::default();
    props.insert("r", Value::Number(2.0));
    props.insert("c", Value::String("red".into()));
    let feature = Feature { id: None, geom_type: GeomType::Point, geometry: vec![], properties: props };
    let exact = EvaluationContext::for_feature(11.4, &feature);
    let laid_out = EvaluationContext { tile_zoom: Some(11.0), ..exact };
    // Exactly: 2 + 0.9 * 4 = 5.6. For tile zoom 11: r(11) = 4, r(12) = 6,
    // mixed at 0.4: 4.8 (MapLibre's GPU binders).
    assert!((p.get_f64("circle-radius", &exact) - 5.6).abs() < 1e-9);
    assert!((p.get_f64("circle-radius", &laid_out) - 4.8).abs() < 1e-9);
    // Colours mix the same way (red at 11, blue at 12).
    let c = p.get_color("circle-color", &laid_out);
    assert!((c.r - 0.6).abs() < 1e-6 && (c.b - 0.4).abs() < 1e-6, "{c:?}");
    // A step keeps the tile zoom's value; a zoom-only value stays exact.
    assert_eq!(p.get_f64("circle-stroke-width", &laid_out), 1.0);
    assert_eq!(p.get_f64("circle-stroke-width", &exact), 2.0);
    assert!((p.get_f64("circle-blur", &laid_out) - 0.9).abs() < 1e-9);
}

#[test]
fn json_nested_too_deep_is_an_error_that_says_so() {
    let mut filter = String::from("true");
    for _ in 0..5000 {
        filter = format!(r#"["any", {filter}]"#);
    }
    let doc = format!(r#"{{"version": 8, "sources": {{}}, "layers": [{{"id": "b", "type": "background", "filter": {filter}}}]}}"#);
    let e = err(doc.as_bytes());
    assert!(e.contains("nest more than 128 deep") && e.contains("line 1, column"), "{e}");
    let e = crate::style::parse_style_lenient(doc.as_bytes(), Default::default()).unwrap_err().to_string();
    assert!(e.contains("nest more than 128 deep"), "{e}");
}

#[test]
fn the_strict_parse_refuses_more_layers_than_the_default_cap() {
    let cap = crate::style::StyleCaps::DEFAULT_MAX_LAYERS as usize;
    let layers = |n: usize| (0..n).map(|i| format!(r#"{{"id": "{i}", "type": "background"}}"#)).collect::<Vec<_>>().join(",");
    let style = |n: usize| format!(r#"{{"version": 8, "sources": {{}}, "layers": [{}]}}"#, layers(n));
    assert_eq!(crate::style::parse_style(style(cap).as_bytes()).expect("at the cap").style.layers.len(), cap);
    let e = crate::style::parse_style(style(cap + 1).as_bytes()).unwrap_err().to_string();
    assert!(e.contains(&format!("layers: the style has {} layers, more than max_style_layers ({cap}", cap + 1)), "{e}");
}

#[test]
fn a_styles_constant_expressions_share_one_work_bound() {
    use crate::style::expression::fuel::{MAX_STRING_BYTES, STYLE_STEPS};
    // 200 layers each folding a string of 1 MiB (19 lets, each doubling
    // "ab"): 200 MiB of strings kept in the style, where the style's bound
    // holds them to 128 MiB. The layers past it keep their default text.
    let text = crate::style::expression::tests::let_chain_of("concat", 19, serde_json::json!("ab"));
    let layers: Vec<String> = (0..200)
        .map(|i| format!(r#"{{"id": "t{i}", "type": "symbol", "source": "p", "layout": {{"text-field": {text}}}}}"#))
        .collect();
    let doc = format!(
        r#"{{"version": 8, "sources": {{"p": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": []}}}}}}, "layers": [{}]}}"#,
        layers.join(",")
    );
    let (parsed, _) = crate::style::parse_style_lenient(doc.as_bytes(), Default::default()).expect("a lenient load");
    assert_eq!(parsed.style.layers.len(), 200, "every layer stays");
    let spent: Vec<&String> = parsed.warnings.iter().filter(|w| w.contains("work bound was spent")).collect();
    let folded = 200 - spent.len();
    assert!(spent.len() > 100 && folded > 0, "{folded} layers folded their text");
    assert!(spent.iter().all(|w| w.contains("layout.text-field") && w.contains("default used")), "{spent:?}");
    assert!(folded as u64 * MAX_STRING_BYTES as u64 <= STYLE_STEPS * 8, "{folded} MiB of strings");
    let bound = format!("the style's constant expressions took more than {STYLE_STEPS} evaluation steps");
    assert_eq!(parsed.warnings.iter().filter(|w| w.starts_with(&bound)).count(), 1, "said once: {:?}", parsed.warnings.last());
}
