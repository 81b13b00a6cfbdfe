//! Round trips through the decoders the runtime already has: PNG and WebP
//! give back the frame exactly, JPEG within a PSNR bound.

use super::*;
use crate::map::Map;
use crate::render::png_io::{decode_png, premultiply};
use crate::runtime::{Runtime, RuntimeOptions};
use crate::source::raster::decode_image;

/// A synthetic premultiplied image: smooth gradients, hard edges and (when
/// `translucent`) every alpha value.
fn synthetic(width: u32, height: u32, translucent: bool) -> Vec<u8> {
    let mut straight = Vec::with_capacity(width as usize * height as usize * 4);
    for y in 0..height {
        for x in 0..width {
            let edge = if (x / 16 + y / 16) % 2 == 0 { 40 } else { 0 };
            let a = if translucent { ((x * 7 + y * 3) % 256) as u8 } else { 255 };
            straight.extend_from_slice(&[
                (x * 255 / width.max(1)) as u8,
                (y * 255 / height.max(1)) as u8,
                (128 + edge) as u8,
                a,
            ]);
        }
    }
    premultiply(&mut straight);
    straight
}

/// A real frame: a background, an antialiased polygon, a translucent circle.
fn rendered_frame(background: bool) -> Image {
    let mut rt = Runtime::new(RuntimeOptions::default()).unwrap();
    rt.add_map(1, Map::new(1, 200, 120, 1.0));
    let bg = if background { r##"{"id": "bg", "type": "background", "paint": {"background-color": "#e8eef4"}},"## } else { "" };
    let style = format!(
        r##"{{"version": 8, "center": [0, 0], "zoom": 1,
        "sources": {{"s": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [
          {{"type": "Feature", "properties": {{}}, "geometry": {{"type": "Polygon",
            "coordinates": [[[-40, -30], [35, -20], [10, 40], [-40, -30]]]}}}},
          {{"type": "Feature", "properties": {{}}, "geometry": {{"type": "Point", "coordinates": [30, 10]}}}}]}}}}}},
        "layers": [{bg}
          {{"id": "f", "type": "fill", "source": "s", "paint": {{"fill-color": "#2a6", "fill-opacity": 0.8}}}},
          {{"id": "c", "type": "circle", "source": "s", "paint": {{"circle-radius": 25, "circle-color": "#c03", "circle-opacity": 0.5}}}}]}}"##
    );
    {
        let (map, core) = rt.map_mut(1).unwrap();
        map.set_style_json(style.as_bytes(), core).unwrap();
    }
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    rt.map(1).unwrap().frame().unwrap().clone()
}

fn encode(pixels: &[u8], w: u32, h: u32, format: Format, options: Options) -> Vec<u8> {
    encode_premultiplied(pixels, w, h, format, &options).unwrap()
}

/// Decodes with the runtime's own raster decoder (premultiplied output).
fn decoded(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let img = decode_image(bytes).unwrap();
    (img.width, img.height, img.data.to_vec())
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let (mut se, mut n) = (0f64, 0f64);
    for (pa, pb) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for c in 0..3 {
            let d = pa[c] as f64 - pb[c] as f64;
            se += d * d;
            n += 1.0;
        }
    }
    if se == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0 * 255.0 / (se / n)).log10()
}

#[test]
fn png_round_trips_exactly_and_drops_alpha_only_when_opaque() {
    for translucent in [false, true] {
        let px = synthetic(67, 45, translucent);
        for level in [0, 6] {
            let bytes = encode(&px, 67, 45, Format::Png, Options { png_level: level, ..Default::default() });
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            // IHDR colour type: 2 = RGB, 6 = RGBA.
            assert_eq!(bytes[25], if translucent { 6 } else { 2 }, "translucent {translucent}");
            assert_eq!(decoded(&bytes), (67, 45, px.clone()), "translucent {translucent} level {level}");
        }
    }
}

#[test]
fn png_of_a_translucent_frame_holds_straight_alpha() {
    let frame = rendered_frame(false);
    assert!(frame.data.chunks_exact(4).any(|p| p[3] > 0 && p[3] < 255), "the frame has translucent pixels");
    let bytes = encode_image(&frame, Format::Png, &Options::default()).unwrap();
    let png = decode_png(&bytes).unwrap();
    assert_eq!(png.data, frame.to_straight_rgba());
}

#[test]
fn webp_round_trips_exactly() {
    for translucent in [false, true] {
        let px = synthetic(50, 31, translucent);
        let bytes = encode(&px, 50, 31, Format::Webp, Options::default());
        assert_eq!((&bytes[..4], &bytes[8..16]), (&b"RIFF"[..], &b"WEBPVP8L"[..]));
        assert_eq!(decoded(&bytes), (50, 31, px), "translucent {translucent}");
    }
    for background in [true, false] {
        let frame = rendered_frame(background);
        let bytes = encode_image(&frame, Format::Webp, &Options::default()).unwrap();
        assert_eq!(decoded(&bytes), (frame.width, frame.height, frame.data.clone()), "background {background}");
    }
}

#[test]
fn jpeg_is_close_to_the_frame_and_quality_trades_size() {
    let frame = rendered_frame(true);
    let mut last_size = 0;
    let mut last_psnr = 0.0;
    for quality in [20, 80, 95] {
        let bytes = encode_image(&frame, Format::Jpeg, &Options { quality, ..Default::default() }).unwrap();
        assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
        let (w, h, px) = decoded(&bytes);
        assert_eq!((w, h), (frame.width, frame.height));
        let p = psnr(&px, &frame.data);
        assert!(p > 28.0, "quality {quality}: PSNR {p:.1} dB");
        assert!(bytes.len() > last_size && p > last_psnr, "quality {quality}: {} bytes, {p:.1} dB", bytes.len());
        (last_size, last_psnr) = (bytes.len(), p);
    }
    assert!(last_psnr > 38.0, "quality 95: PSNR {last_psnr:.1} dB");
}

#[test]
fn jpeg_composites_translucent_pixels_over_black() {
    // Half-transparent white is (128,128,128,128) premultiplied: grey over black.
    let px: Vec<u8> = [128u8, 128, 128, 128].repeat(16 * 16);
    let bytes = encode(&px, 16, 16, Format::Jpeg, Options { quality: 100, ..Default::default() });
    let (_, _, out) = decoded(&bytes);
    assert!(out.chunks_exact(4).all(|p| p[3] == 255 && (126..=130).contains(&p[0])), "{:?}", &out[..8]);
}

#[test]
fn bad_options_and_sizes_are_errors() {
    let px = synthetic(4, 4, false);
    for (options, what) in [
        (Options { quality: 0, png_level: 0 }, "quality 0"),
        (Options { quality: 101, png_level: 0 }, "quality 101"),
        (Options { quality: 80, png_level: 10 }, "png_level 10"),
    ] {
        let err = encode_premultiplied(&px, 4, 4, Format::Png, &options).unwrap_err();
        assert!(matches!(&err, EncodeError::InvalidOption(m) if m.contains(what)), "{err:?}");
    }
    let err = encode_premultiplied(&[], 0, 4, Format::Png, &Options::default()).unwrap_err();
    assert!(matches!(err, EncodeError::Unsupported(_)), "{err:?}");
    let err = encode_premultiplied(&px, 4, 5, Format::Webp, &Options::default()).unwrap_err();
    assert!(matches!(err, EncodeError::Encoder(_)), "{err:?}");
    let wide = vec![255u8; 70_000 * 4];
    let err = encode_premultiplied(&wide, 70_000, 1, Format::Jpeg, &Options::default()).unwrap_err();
    assert!(matches!(&err, EncodeError::Unsupported(m) if m.contains("65535")), "{err:?}");
    let err = encode_premultiplied(&wide, 70_000, 1, Format::Webp, &Options::default()).unwrap_err();
    assert!(matches!(&err, EncodeError::Unsupported(m) if m.contains("16384")), "{err:?}");
    // PNG has no such limit.
    assert!(encode_premultiplied(&wide, 70_000, 1, Format::Png, &Options::default()).is_ok());
}

#[test]
fn png_zlib_levels_leave_flat_maps_unfiltered_and_filter_gradients() {
    // A flat map-like frame is encoded unfiltered, exactly.
    let frame = rendered_frame(true);
    let flat = encode_image(&frame, Format::Png, &Options { png_level: 6, ..Default::default() }).unwrap();
    assert_eq!(decoded(&flat).2, frame.data);
    assert!(super::png::mostly_flat(&frame.data, 4));
    // A gradient with no two equal neighbours is filtered.
    let grad = synthetic(64, 64, false);
    assert!(!super::png::mostly_flat(&grad, 4));
    let bytes = encode(&grad, 64, 64, Format::Png, Options { png_level: 6, ..Default::default() });
    assert_eq!(decoded(&bytes).2, grad);
}
