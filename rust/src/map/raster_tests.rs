//! Raster sources and layers end to end: tiles read from files, decoded on
//! workers and drawn over their quads.

use super::*;
use crate::runtime::RuntimeOptions;
use crate::test_support::TempDir;

const R: [u8; 4] = [255, 0, 0, 255];
const G: [u8; 4] = [0, 255, 0, 255];
const B: [u8; 4] = [0, 0, 255, 255];
const W: [u8; 4] = [255, 255, 255, 255];

/// A folder with `quad.png` (2×2: red, green / blue, white) and `bad.png`
/// (not an image).
fn tile_dir(name: &str) -> TempDir {
    let dir = TempDir::new(&format!("raster-{name}"));
    let png = crate::render::png_io::encode_png(&[R, G, B, W].concat(), 2, 2).unwrap();
    std::fs::write(dir.join("quad.png"), png).unwrap();
    std::fs::write(dir.join("bad.png"), b"\x89PNG but not really").unwrap();
    dir
}

/// Renders a 512×512 view of a raster layer over `file` with `paint` and
/// extra style fields; returns the frame and the events.
fn render(file: &std::path::Path, paint: &str, view: &str, threads: u32) -> (Image, Vec<Event>) {
    let roots = file.parent().map(|p| vec![p.to_path_buf()]).unwrap_or_default();
    let style = format!(
        r#"{{"version": 8, {view} "sources": {{"r": {{"type": "raster", "tiles": ["file://{}"], "tileSize": 512}}}},
            "layers": [{{"id": "r", "type": "raster", "source": "r", "paint": {{{paint}}}}}]}}"#,
        file.display()
    );
    super::test_render::render_style(RuntimeOptions { render_threads: threads, allowed_roots: roots, ..Default::default() }, 512, 512, &style)
}

const Z0: &str = r#""center": [0, 0], "zoom": 0,"#;

#[test]
fn a_two_by_two_tile_covers_the_world_tile_at_zoom_zero() {
    let dir = tile_dir("quad");
    let (img, events) = render(&dir.join("quad.png"), r#""raster-resampling": "nearest""#, Z0, 1);
    assert!(!events.iter().any(|e| e.kind == EventKind::Warning && e.message.contains("UNSUPPORTED")), "{events:?}");
    // The tile is the whole 512 px view; each texel a 256 px quadrant.
    assert_eq!(img.pixel(10, 10), Some(R));
    assert_eq!(img.pixel(255, 255), Some(R));
    assert_eq!(img.pixel(256, 10), Some(G));
    assert_eq!(img.pixel(10, 256), Some(B));
    assert_eq!(img.pixel(500, 500), Some(W));
    // Linear: clamped to the edge texel near the border, blended in the middle.
    let (img, _) = render(&dir.join("quad.png"), "", Z0, 1);
    assert_eq!(img.pixel(0, 0), Some(R));
    assert_eq!(img.pixel(511, 0), Some(G));
    let mid = img.pixel(255, 128).unwrap();
    assert!(mid[0] > 120 && mid[0] < 135 && mid[1] > 120 && mid[1] < 135 && mid[3] == 255, "{mid:?}");
}

#[test]
fn opacity_and_saturation_adjust_each_texel() {
    let dir = tile_dir("paint");
    let quad = dir.join("quad.png");
    let (img, _) = render(&quad, r#""raster-resampling": "nearest", "raster-opacity": 0.5"#, Z0, 1);
    assert_eq!(img.pixel(10, 10), Some([128, 0, 0, 128]));
    assert_eq!(img.pixel(500, 500), Some([128, 128, 128, 128]));
    let (img, _) = render(&quad, r#""raster-resampling": "nearest", "raster-saturation": -1"#, Z0, 1);
    // Saturation -1: every channel becomes the average.
    assert_eq!(img.pixel(10, 10), Some([85, 85, 85, 255]));
    assert_eq!(img.pixel(10, 300), Some([85, 85, 85, 255]));
    assert_eq!(img.pixel(500, 500), Some(W));
    // Brightness limits map 0..1 into [min, max].
    let (img, _) = render(&quad, r#""raster-resampling": "nearest", "raster-brightness-max": 0.5"#, Z0, 1);
    assert_eq!(img.pixel(500, 500), Some([128, 128, 128, 255]));
}

#[test]
fn a_corrupt_tile_is_a_tile_error_naming_it() {
    let dir = tile_dir("bad");
    let (img, events) = render(&dir.join("bad.png"), "", Z0, 1);
    let errors: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::TileError).collect();
    assert_eq!(errors.len(), 1, "{events:?}");
    assert_eq!(errors[0].tile, Some((0, 0, 0)));
    assert!(errors[0].message.contains("tile 0/0/0 of source \"r\""), "{}", errors[0].message);
    assert!(img.data.iter().all(|&b| b == 0));
    // A missing tile is simply empty.
    let (img, events) = render(&dir.join("missing.png"), "", Z0, 1);
    assert!(!events.iter().any(|e| e.kind == EventKind::TileError));
    assert!(img.data.iter().all(|&b| b == 0));
}

#[test]
fn pitched_rotated_rasters_are_the_same_for_any_thread_count() {
    let dir = tile_dir("threads");
    let view = r#""center": [10, 20], "zoom": 2.3, "pitch": 60, "bearing": 33,"#;
    let paint = r#""raster-hue-rotate": 40, "raster-contrast": 0.3, "raster-opacity": 0.9"#;
    let (one, _) = render(&dir.join("quad.png"), paint, view, 1);
    assert!(one.data.chunks(4).filter(|p| p[3] > 0).count() > 100_000, "the tiles cover most of the view");
    for threads in [2, 3, 8] {
        let (many, _) = render(&dir.join("quad.png"), paint, view, threads);
        let first = many.data.iter().zip(&one.data).position(|(a, b)| a != b);
        let n = many.data.chunks(4).zip(one.data.chunks(4)).filter(|(a, b)| a != b).count();
        let at = first.map(|i| ((i / 4) % 512, i / 4 / 512, &many.data[i / 4 * 4..i / 4 * 4 + 4], &one.data[i / 4 * 4..i / 4 * 4 + 4]));
        assert_eq!(at, None, "{threads} threads, {n} pixels differ");
    }
}
