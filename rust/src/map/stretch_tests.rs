//! Stretchable images added at run time (issue 12): an image added with
//! stretch zones and a content box, under `icon-text-fit`, draws the same
//! pixels as the same image from a sprite whose index states the same zones.

use std::sync::Arc;

use crate::map::{Map, Runtime, StyleImage};
use crate::runtime::events::EventKind;
use crate::runtime::RuntimeOptions;
use crate::style::image::ImageStretch;

const W: u32 = 24;
const H: u32 = 16;

/// A 24x16 pill: a dark 4 px frame with red corners and a light inside.
fn pill() -> Vec<u8> {
    let mut rgba = Vec::new();
    for y in 0..H {
        for x in 0..W {
            let edge_x = !(4..20).contains(&x);
            let edge_y = !(4..12).contains(&y);
            rgba.extend_from_slice(match (edge_x, edge_y) {
                (true, true) => &[200, 0, 0, 255],
                (true, false) | (false, true) => &[20, 40, 120, 255],
                _ => &[230, 230, 250, 255],
            });
        }
    }
    rgba
}

fn style(sprite: bool) -> String {
    format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 1, {}
            "sources": {{"p": {{"type": "geojson", "data": {{"type": "Feature", "properties": {{}},
                "geometry": {{"type": "Point", "coordinates": [0, 0]}}}}}}}},
            "layers": [{{"id": "bg", "type": "background", "paint": {{"background-color": "white"}}}},
                {{"id": "s", "type": "symbol", "source": "p", "layout": {{
                    "text-field": "A long label here", "text-size": 14, "icon-image": "pill",
                    "icon-text-fit": "both", "icon-text-fit-padding": [3, 4, 3, 4]}}}}]}}"#,
        if sprite { r#""sprite": "s","# } else { "" }
    )
}

/// Renders the style on a fresh runtime (adding `added` as "pill" after
/// the style is set); returns the pixels.
fn render(dir: &std::path::Path, sprite: bool, added: Option<ImageStretch>) -> Vec<u8> {
    let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, worker_threads: 1, asset_root: Some(dir.to_path_buf()), ..Default::default() }).unwrap();
    rt.add_map(1, Map::new(1, 200, 80, 1.0));
    {
        let (map, core) = rt.map_mut(1).unwrap();
        map.set_style_json(style(sprite).as_bytes(), core).unwrap();
        if let Some(stretch) = added {
            let image = StyleImage { width: W, height: H, pixel_ratio: 1.0, sdf: false, rgba: Arc::new(pill()), stretch };
            map.add_image("pill", image).unwrap();
        }
    }
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let events = rt.drain_events();
    assert!(!events.iter().any(|e| matches!(e.kind, EventKind::ResourceError | EventKind::StyleError)), "{events:?}");
    rt.map(1).unwrap().frame().unwrap().data.clone()
}

#[test]
fn an_added_stretchable_image_fits_text_like_the_same_sprite_image() {
    let dir = crate::test_support::TempDir::new("stretch");
    std::fs::write(dir.join("s.png"), crate::render::png_io::encode_png(&pill(), W, H).unwrap()).unwrap();
    let index = serde_json::json!({"pill": {"x": 0, "y": 0, "width": W, "height": H, "pixelRatio": 1,
        "stretchX": [[4, 20]], "stretchY": [[4, 12]], "content": [4, 4, 20, 12]}});
    std::fs::write(dir.join("s.json"), index.to_string()).unwrap();
    let stretch = ImageStretch::checked(vec![[4.0, 20.0]], vec![[4.0, 12.0]], Some([4.0, 4.0, 20.0, 12.0]), W, H, ["x", "y", "c"]).unwrap();

    let from_sprite = render(&dir, true, None);
    let added = render(&dir, false, Some(stretch));
    let plain = render(&dir, false, Some(ImageStretch::default()));
    // The icon was stretched around the label: its red corners lie further
    // apart than the image is wide.
    let red: Vec<usize> = from_sprite.chunks_exact(4).enumerate().filter(|(_, p)| p[0] > 150 && p[1] < 60 && p[2] < 60).map(|(i, _)| i % 200).collect();
    let span = red.iter().max().unwrap_or(&0) - red.iter().min().unwrap_or(&0);
    assert!(span > 2 * W as usize, "red corners {span} px apart: the sprite image was not stretched");
    assert!(added == from_sprite, "the added stretchable image draws differently from the sprite's");
    assert!(plain != from_sprite, "stretch zones change nothing: the comparison proves nothing");
}

#[test]
fn stretch_zones_and_content_are_checked_naming_the_field() {
    let names = ["options->stretch_x", "options->stretch_y", "options->content"];
    let check = |x: Vec<[f32; 2]>, y: Vec<[f32; 2]>, c: Option<[f32; 4]>| ImageStretch::checked(x, y, c, W, H, names);
    assert!(check(vec![[0.0, 4.0], [8.0, 24.0]], vec![[2.0, 2.0]], Some([0.0, 0.0, 24.0, 16.0])).is_ok());
    for (x, y, c, field) in [
        (vec![[4.0, 30.0]], vec![], None, "options->stretch_x"),
        (vec![[8.0, 12.0], [10.0, 14.0]], vec![], None, "options->stretch_x"),
        (vec![[6.0, 2.0]], vec![], None, "options->stretch_x"),
        (vec![[f32::NAN, 2.0]], vec![], None, "options->stretch_x"),
        (vec![], vec![[-1.0, 2.0]], None, "options->stretch_y"),
        (vec![], vec![], Some([0.0, 0.0, 25.0, 4.0]), "options->content"),
        (vec![], vec![], Some([4.0, 4.0, 4.0, 8.0]), "options->content"),
    ] {
        let e = check(x.clone(), y.clone(), c).unwrap_err();
        assert!(e.starts_with(field), "{x:?} {y:?} {c:?}: {e}");
    }
}
