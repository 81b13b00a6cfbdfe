//! Every numeric paint and layout property at extreme values, as a constant
//! and from feature data, over points, lines and polygons with labels and
//! icons, under pitch: each still image finishes (no hang, no panic, no
//! runaway allocation), and a constant outside the property's range is a
//! warning naming the property and the value (printed as JavaScript prints
//! it: `1e+300`, not three hundred digits).

use crate::data::number::format_number;
use crate::map::test_render::render_style;
use crate::runtime::RuntimeOptions;
use crate::style::spec::{LayerKind, PropSpec, ValueType, PROPERTIES};
use crate::test_support::fixtures_dir;

/// Extreme numbers, as a style writes them.
const EXTREMES: [(&str, f64); 5] = [("1e300", 1e300), ("-1e300", -1e300), ("1e9", 1e9), ("-1e9", -1e9), ("1e-9", 1e-9)];

const DATA: &str = r#"{"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "Alpha Beta", "n": 3}, "geometry": {"type": "Point", "coordinates": [0.001, 0.001]}},
    {"type": "Feature", "properties": {"name": "Main Street", "n": 1},
     "geometry": {"type": "LineString", "coordinates": [[-0.01, -0.005], [0.01, 0.006], [0.02, -0.01]]}},
    {"type": "Feature", "properties": {"name": "Park", "n": 2},
     "geometry": {"type": "Polygon", "coordinates": [[[-0.005, -0.005], [0.005, -0.005], [0.005, 0.005], [-0.005, 0.005], [-0.005, -0.005]]]}}]}"#;

/// The property's value for `x` (`text` as written): a number, or an array of
/// them for array properties.
fn literal(spec: &PropSpec, text: &str) -> Option<String> {
    match spec.ty {
        ValueType::Number | ValueType::Padding => Some(text.to_string()),
        ValueType::Numbers(n) => Some(format!("[{}]", vec![text; n.unwrap_or(2)].join(", "))),
        _ => None,
    }
}

/// A style with one layer of `spec`'s type over [`DATA`], `spec` set to
/// `value` (symbols: text and an icon, point or line placement).
fn style(spec: &PropSpec, value: &str, placement: &str) -> String {
    let (kind, symbol) = match spec.layer {
        LayerKind::Background => ("background", ""),
        LayerKind::Fill => ("fill", ""),
        LayerKind::Line => ("line", ""),
        LayerKind::Circle => ("circle", ""),
        LayerKind::FillExtrusion => ("fill-extrusion", ""),
        LayerKind::Heatmap => ("heatmap", ""),
        LayerKind::Symbol => ("symbol", r#""text-field": ["get", "name"], "text-font": ["Noto Sans Regular"], "icon-image": "dot","#),
        LayerKind::Raster | LayerKind::Hillshade => unreachable!("no raster data here"),
    };
    let setting = format!(r#""{}": {value}"#, spec.name);
    let (layout, paint) = match spec.group.name() {
        "layout" => (setting, String::new()),
        _ => (String::new(), setting),
    };
    let layout = match spec.layer {
        LayerKind::Symbol => format!(r#"{symbol} "symbol-placement": "{placement}"{}{layout}"#, if layout.is_empty() { "" } else { ", " }),
        _ => layout,
    };
    let source = if spec.layer == LayerKind::Background { "" } else { r#""source": "s","# };
    format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 14, "pitch": 50, "bearing": 20, "sprite": "sprites/berlin",
            "sources": {{"s": {{"type": "geojson", "data": {DATA}}}}},
            "layers": [{{"id": "l", "type": "{kind}", {source} "layout": {{{layout}}}, "paint": {{{paint}}}}}]}}"#
    )
}

#[test]
fn numeric_properties_at_extreme_values_render_and_out_of_range_constants_warn() {
    let options = || RuntimeOptions { render_threads: 1, worker_threads: 1, asset_root: Some(fixtures_dir()), ..Default::default() };
    let mut renders = 0;
    let mut warned = 0;
    for spec in PROPERTIES.iter().filter(|s| !matches!(s.layer, LayerKind::Raster | LayerKind::Hillshade)) {
        for (text, x) in EXTREMES {
            let Some(constant) = literal(spec, text) else { continue };
            let placements: &[&str] = if spec.layer == LayerKind::Symbol { &["point", "line"] } else { &["point"] };
            // Data-driven numbers skip the parse-time range check: the
            // value reaches layout and drawing as it is.
            let from_data = (spec.ty == ValueType::Number && spec.property_type.supports_data())
                .then(|| format!(r#"["*", ["get", "n"], {text}]"#));
            for value in std::iter::once(constant).chain(from_data) {
                for placement in placements {
                    let (image, events) = render_style(options(), 96, 96, &style(spec, &value, placement));
                    assert_eq!((image.width, image.height), (96, 96));
                    renders += 1;
                    let out_of_range = spec.min.is_some_and(|m| x < m) || spec.max.is_some_and(|m| x > m);
                    if out_of_range && !value.starts_with('[') {
                        let warning = events.iter().find(|e| e.message.contains(spec.name));
                        let message = warning.map(|e| e.message.as_str()).unwrap_or("");
                        assert!(message.contains(&format!("{} is ", format_number(x))), "{} = {value}: {message:?}", spec.name);
                        warned += 1;
                    }
                }
            }
        }
    }
    // Every numeric property of seven layer types, at each extreme.
    assert!(renders > 500, "{renders} images");
    assert!(warned > 50, "{warned} warnings");
}
