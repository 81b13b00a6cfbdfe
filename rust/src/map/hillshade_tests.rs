//! Raster-dem sources and hillshade layers end to end: DEM tiles read from
//! files, decoded on workers, prepared and shaded.

use super::*;
use crate::runtime::RuntimeOptions;
use crate::test_support::TempDir;

/// Writes a terrarium PNG of `w x h` pixels whose elevation rises by
/// `rise` metres per pixel eastwards (every tile of the source is this file),
/// and its folder (removed when dropped).
fn dem_file(name: &str, w: u32, h: u32, rise: u32) -> (TempDir, std::path::PathBuf) {
    let dir = TempDir::new(&format!("dem-{name}"));
    let mut rgba = Vec::new();
    for _ in 0..h {
        for x in 0..w {
            let v = 32768 + 100 + x * rise;
            rgba.extend_from_slice(&[(v >> 8) as u8, (v & 255) as u8, 0, 255]);
        }
    }
    let path = dir.join("dem.png");
    std::fs::write(&path, crate::render::png_io::encode_png(&rgba, w, h).unwrap()).unwrap();
    (dir, path)
}

fn render(file: &std::path::Path, paint: &str) -> (Image, Vec<Event>) {
    let roots = file.parent().map(|p| vec![p.to_path_buf()]).unwrap_or_default();
    let style = format!(
        r#"{{"version": 8, "center": [0.17578, -0.17578], "zoom": 10,
            "sources": {{"d": {{"type": "raster-dem", "tiles": ["file://{}"], "encoding": "terrarium", "maxzoom": 10}}}},
            "layers": [{{"id": "h", "type": "hillshade", "source": "d", "paint": {{{paint}}}}}]}}"#,
        file.display()
    );
    super::test_render::render_style(RuntimeOptions { allowed_roots: roots, ..Default::default() }, 64, 64, &style)
}

#[test]
fn slopes_facing_the_light_are_highlighted() {
    let (_dir, file) = dem_file("slope", 32, 32, 100);
    let (lit, events) = render(&file, r#""hillshade-illumination-direction": 270, "hillshade-exaggeration": 1"#);
    assert!(!events.iter().any(|e| e.message.contains("UNSUPPORTED")), "{events:?}");
    let (dark, _) = render(&file, r#""hillshade-illumination-direction": 90, "hillshade-exaggeration": 1"#);
    // The view is the middle of tile 10/512/512 (away from the jumps at
    // its edges, where the next copy of the file starts low again).
    // The slope rises eastwards: lit from the west it is light, from the east dark.
    let (l, d) = (lit.pixel(32, 32).unwrap(), dark.pixel(32, 32).unwrap());
    assert!(l[3] > 0 && d[3] > 0, "{l:?} {d:?}");
    assert!(l[0] > 150 && d[0] < 10, "lit {l:?}, dark {d:?}");
    // No exaggeration: nothing drawn.
    let (none, _) = render(&file, r#""hillshade-exaggeration": 0"#);
    assert!(none.data.iter().all(|&b| b == 0));
}

#[test]
fn a_tile_that_is_not_square_is_a_tile_error() {
    let (_dir, file) = dem_file("oblong", 32, 16, 10);
    let (img, events) = render(&file, "");
    let errors: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::TileError).collect();
    assert!(!errors.is_empty(), "{events:?}");
    for e in errors {
        assert!(e.message.contains("raster-dem tiles must be square, this one is 32x16"), "{}", e.message);
    }
    assert!(img.data.iter().all(|&b| b == 0));
}
