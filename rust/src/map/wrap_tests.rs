//! World copies end to end: what lies across the antimeridian still draws.

use crate::runtime::RuntimeOptions;

#[test]
fn a_circle_just_across_the_antimeridian_draws_in_the_neighbouring_copy() {
    // 514 px at zoom 0: the world is 512 px wide, so one pixel of the copy to
    // the west is in view. A circle at 179° E is centred 0.4 px left of the
    // image there and reaches 20 px into it (as in MapLibre).
    let style = r#"{"version": 8, "center": [0, 0], "zoom": 0,
        "sources": {"p": {"type": "geojson", "data": {"type": "Point", "coordinates": [179, 0]}}},
        "layers": [{"id": "c", "type": "circle", "source": "p", "paint": {"circle-radius": 20}}]}"#;
    let (img, _) = super::test_render::render_style(RuntimeOptions::default(), 514, 514, style);
    let alpha = |x| img.pixel(x, 257).unwrap()[3];
    assert_eq!((alpha(505), alpha(513)), (255, 255), "the copy in the world itself");
    assert_eq!((alpha(0), alpha(15)), (255, 255), "the copy to the west");
    assert_eq!(alpha(30), 0);
}
