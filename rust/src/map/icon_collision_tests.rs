//! Icon placement as MapLibre Native's: boxes that touch collide, an icon's
//! box stays upright on screen whatever line it follows, nothing is
//! anchored beyond the top or bottom of the world, and a tile in view gets
//! no labels from its neighbours' buffers. Each case renders a
//! style against the fixtures' sprite (16 px icons) and counts what shows.

use std::ops::Range;

use crate::map::test_render::render_style;
use crate::render::Image;
use crate::runtime::RuntimeOptions;
use crate::test_support::fixtures_dir;

const WHITE: [u8; 4] = [255, 255, 255, 255];

fn options() -> RuntimeOptions {
    RuntimeOptions { render_threads: 1, worker_threads: 1, asset_root: Some(fixtures_dir()), ..Default::default() }
}

/// A style with the fixtures' sprite, a white background, `sources` and one
/// symbol layer `layer` (its source, source-layer and layout).
fn style(center: [f64; 2], zoom: f64, sources: &str, layer: &str) -> String {
    format!(
        r#"{{"version": 8, "center": [{}, {}], "zoom": {zoom}, "sprite": "sprites/berlin", "sources": {sources},
            "layers": [{{"id": "bg", "type": "background", "paint": {{"background-color": "white"}}}},
                       {{"id": "icons", "type": "symbol", {layer}}}]}}"#,
        center[0], center[1]
    )
}

/// Pixels that are not the white background in `rows` (and `columns`, all
/// when `None`).
fn drawn(img: &Image, rows: Range<u32>, columns: Option<Range<u32>>) -> usize {
    let columns = columns.unwrap_or(0..img.width);
    rows.flat_map(|y| columns.clone().map(move |x| (x, y))).filter(|&(x, y)| img.pixel(x, y) != Some(WHITE)).count()
}

/// Five "dot" icons (16 px) on a row, 20 px apart at zoom 3 (1.7578125° of
/// longitude; exact in tile units), with `padding`: whether each shows.
fn row_of_dots(padding: f64) -> Vec<bool> {
    let points: Vec<String> = (-2..=2).map(|k| format!("[{}, 20]", f64::from(k) * 1.7578125)).collect();
    let sources = format!(r#"{{"p": {{"type": "geojson", "data": {{"type": "MultiPoint", "coordinates": [{}]}}}}}}"#, points.join(","));
    let layer = format!(r#""source": "p", "layout": {{"icon-image": "dot", "icon-padding": {padding}}}"#);
    let (img, events) = render_style(options(), 200, 60, &style([0.0, 20.0], 3.0, &sources, &layer));
    assert!(events.iter().all(|e| !e.message.contains("sprite")), "{events:?}");
    // (The dot is a ring: look at its 10 px square.)
    (0..5).map(|i| drawn(&img, 25..35, Some(55 + 20 * i..65 + 20 * i)) > 0).collect()
}

#[test]
fn icon_boxes_that_touch_collide() {
    // Padding 2: boxes 20 px wide, 20 px apart, edge on edge: every other icon.
    assert_eq!(row_of_dots(2.0), [true, false, true, false, true]);
    // Padding 1: a 2 px gap between boxes, all five show.
    assert_eq!(row_of_dots(1.0), [true; 5]);
}

#[test]
fn icons_along_a_diagonal_line_collide_by_upright_boxes() {
    // A line at about 47° in one tile; icons every 32 px along it are
    // 21.8 px apart across and down, more than the upright boxes' 20 px.
    // (A box turned with the line spans 26.6 px and would drop every other.)
    let sources = r#"{"l": {"type": "geojson", "data": {"type": "LineString", "coordinates": [[5, 5], [35, 35]]}}}"#;
    let render = |overlap: bool| {
        let layer = format!(
            r#""source": "l", "layout": {{"symbol-placement": "line", "symbol-spacing": 32, "icon-image": "dot",
                "icon-allow-overlap": {overlap}}}"#
        );
        render_style(options(), 300, 300, &style([20.0, 20.0], 3.0, sources, &layer)).0
    };
    let (free, placed) = (render(true), render(false));
    assert!(drawn(&free, 0..300, None) > 10 * 100, "a row of icons along the line");
    assert_eq!(drawn(&placed, 0..300, None), drawn(&free, 0..300, None), "no icon dropped");
    assert!(placed.data == free.data);
}

#[test]
fn nothing_is_anchored_beyond_the_top_of_the_world() {
    // The streets tile as the world's one tile at zoom 0 (512 px): 119 of
    // its points lie in the buffer above it, up to 125 px beyond the top.
    // Icons are offset 200 px down, so those would show in rows 75..192.
    let sources = r#"{"v": {"type": "vector", "tiles": ["tiles/14-8802-5374.mvt"], "maxzoom": 0}}"#;
    let layer = r#""source": "v", "source-layer": "poi_label",
        "layout": {"icon-image": "dot", "icon-allow-overlap": true, "icon-offset": [0, 200]}"#;
    let (img, _) = render_style(options(), 512, 512, &style([0.0, 0.0], 0.0, sources, layer));
    assert!(drawn(&img, 192..300, None) > 1000, "icons anchored inside the world");
    assert_eq!(drawn(&img, 0..192, None), 0, "nothing anchored above it");
}

#[test]
fn a_tile_in_view_without_data_gets_no_labels_from_its_neighbours_buffers() {
    // The view's top half is tile 14/8802/5373, which the fixtures lack (a
    // failed request); its bottom half is 14/8802/5374, whose buffer holds
    // 119 points of the tile above. MapLibre Native lays out only symbols
    // anchored in their own tile, so the top half stays empty; a buffer copy
    // is placed only for a tile out of view.
    let n = 16384.0f64;
    let lon = 8802.5 / n * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * 5374.0 / n)).sinh().atan().to_degrees();
    let sources = r#"{"v": {"type": "vector", "tiles": ["tiles/{z}-{x}-{y}.mvt"], "minzoom": 14, "maxzoom": 14}}"#;
    let layer = r#""source": "v", "source-layer": "poi_label", "layout": {"icon-image": "dot", "icon-allow-overlap": true}"#;
    let (img, _) = render_style(options(), 256, 256, &style([lon, lat], 14.0, sources, layer));
    assert!(drawn(&img, 136..256, None) > 1000, "icons of the tile below");
    assert_eq!(drawn(&img, 0..120, None), 0, "none from its buffer in the tile above");
}
