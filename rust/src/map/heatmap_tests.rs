//! Heatmap layers end to end: inline GeoJSON points drawn as kernel density.

use super::*;
use crate::runtime::RuntimeOptions;

fn render(points: &str, paint: &str) -> (Image, Vec<Event>) {
    let style = format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 5,
            "sources": {{"p": {{"type": "geojson", "data": {{"type": "MultiPoint", "coordinates": {points}}}}}}},
            "layers": [{{"id": "h", "type": "heatmap", "source": "p", "paint": {{{paint}}}}}]}}"#
    );
    super::test_render::render_style(RuntimeOptions::default(), 64, 64, &style)
}

#[test]
fn density_grows_with_points_weight_and_intensity() {
    let (one, events) = render("[[0, 0]]", r#""heatmap-radius": 10"#);
    assert!(!events.iter().any(|e| e.message.contains("UNSUPPORTED")), "{events:?}");
    let centre = one.pixel(32, 32).unwrap();
    // One point at weight 1: density 0.4 at its centre (0.28 at the density
    // texels 2 px away on both axes), the default ramp's cyan there; far
    // away nothing.
    assert!(centre[3] == 255 && centre[1] > 200, "{centre:?}");
    assert_eq!(one.pixel(2, 2), Some([0, 0, 0, 0]));
    // Four points on top of each other: density above 1, the ramp's last
    // entry (the colour at 255/256: red with a trace of yellow).
    let red = |p: Option<[u8; 4]>| p.is_some_and(|p| p[0] == 255 && p[1] < 8 && p[2] == 0 && p[3] == 255);
    let (four, _) = render("[[0, 0], [0, 0], [0, 0], [0, 0]]", r#""heatmap-radius": 10"#);
    assert!(red(four.pixel(32, 32)), "{:?}", four.pixel(32, 32));
    // So does one with intensity 4, and at weight 4.
    let (intense, _) = render("[[0, 0]]", r#""heatmap-radius": 10, "heatmap-intensity": 4"#);
    assert!(red(intense.pixel(32, 32)), "{:?}", intense.pixel(32, 32));
    let (heavy, _) = render("[[0, 0]]", r#""heatmap-radius": 10, "heatmap-weight": 4"#);
    assert!(red(heavy.pixel(32, 32)), "{:?}", heavy.pixel(32, 32));
    // Weight 0 or opacity 0: nothing.
    let (none, _) = render("[[0, 0]]", r#""heatmap-weight": 0"#);
    assert!(none.data.iter().all(|&b| b == 0));
    let (none, _) = render("[[0, 0]]", r#""heatmap-opacity": 0"#);
    assert!(none.data.iter().all(|&b| b == 0));
}
