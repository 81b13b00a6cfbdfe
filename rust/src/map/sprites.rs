//! Sprites: each of the style's sprite sheets is a JSON index plus a PNG
//! (`@2x` variants at pixel ratios above 1), sliced into the map's images.
//! Images of a sprite with id "default" keep their names; others are named
//! `ID:NAME` (MapLibre's multi-sprite rule).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value as J;

use super::styling::StyleImage;
use super::{Map, Purpose};
use crate::render::png_io::{decode_png, Rgba8};
use crate::runtime::events::{Event, EventKind};
use crate::runtime::resource::Bytes;
use crate::runtime::Core;
use crate::style::image::ImageStretch;

/// The URLs of a sprite sheet's index and image for a pixel ratio.
pub fn sprite_urls(base: &str, pixel_ratio: f32) -> (String, String) {
    let suffix = if pixel_ratio > 1.0 { "@2x" } else { "" };
    let (path, query) = match base.find('?') {
        Some(i) => (&base[..i], &base[i..]),
        None => (base, ""),
    };
    (format!("{path}{suffix}.json{query}"), format!("{path}{suffix}.png{query}"))
}

/// Sliced images may copy at most this many times the sheet's pixels in all
/// (entries may overlap; N entries each naming the whole sheet may not).
pub const MAX_SPRITE_COPIES: u64 = 4;

/// Most pixels a map's sprite sheets have together: each sheet is bounded by
/// `max_image_pixels`, a style naming many sheets by twice that.
pub fn sheet_budget(limits: &crate::runtime::Limits) -> u64 {
    limits.max_image_pixels.saturating_mul(2)
}

/// A sliced sheet: its images, and a warning per entry that was skipped.
#[derive(Debug, Default)]
pub struct Sliced {
    pub images: BTreeMap<String, StyleImage>,
    pub warnings: Vec<String>,
}

/// Slices a sprite sheet into images named by the index. A bad entry (not
/// numbers, outside the sheet, over the budgets) is a warning and skipped; a
/// bad index or image fails the sheet. The index may take `max_parsed`
/// bytes parsed; images past the first `max_images` (the runtime option
/// `max_sprite_images`) are skipped.
pub fn slice(id: &str, index: &[u8], png: &[u8], max_parsed: u64, max_images: usize) -> Result<Sliced, String> {
    let index: J = crate::data::json::parse(index, max_parsed).map_err(|e| e.describe("sprite index"))?;
    // A bad index is refused before the sheet is decoded.
    index.as_object().ok_or("sprite index must be a JSON object")?;
    let sheet = decode_png(png).map_err(|e| format!("sprite image: {e}"))?;
    slice_sheet(id, &index, &sheet, max_images)
}

/// Slices a decoded sheet into the images `index` (a parsed sprite index)
/// names, as [`slice`] does.
pub fn slice_sheet(id: &str, index: &J, sheet: &Rgba8, max_images: usize) -> Result<Sliced, String> {
    let entries = index.as_object().ok_or("sprite index must be a JSON object")?;
    let (sw, sh) = (sheet.width as u64, sheet.height as u64);
    if sheet.data.len() as u64 != sw * sh * 4 {
        return Err("sprite image: short pixel data".into());
    }
    let mut budget = (sw * sh).saturating_mul(MAX_SPRITE_COPIES);
    let mut out = Sliced::default();
    for (i, (name, e)) in entries.iter().enumerate() {
        if i >= max_images {
            out.warnings.push(format!(
                "sprite index names {} images: the {} after the first {max_images} are skipped (max_sprite_images)",
                entries.len(),
                entries.len() - max_images
            ));
            break;
        }
        // Whole, non-negative numbers that fit the sheet, else skipped.
        let num = |k: &str| e.get(k).and_then(J::as_f64);
        let whole = |k: &str| num(k).filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v <= u32::MAX as f64).map(|v| v as u64);
        let (Some(x), Some(y), Some(w), Some(h)) = (whole("x"), whole("y"), whole("width"), whole("height")) else {
            out.warnings.push(format!(
                "sprite image \"{name}\": x, y, width and height must be whole non-negative numbers: skipped"
            ));
            continue;
        };
        // u64 sums of values below 2^32 cannot overflow.
        if w == 0 || h == 0 || x + w > sw || y + h > sh {
            out.warnings.push(format!(
                "sprite image \"{name}\" ({x},{y} {w}x{h}) lies outside the {sw}x{sh} sheet: skipped"
            ));
            continue;
        }
        if w * h > budget {
            out.warnings.push(format!(
                "sprite image \"{name}\": the sheet's images would copy more than {MAX_SPRITE_COPIES} times its pixels: skipped"
            ));
            continue;
        }
        budget -= w * h;
        let (x, w) = (x as usize, w as usize);
        let mut rgba = Vec::with_capacity(w * h as usize * 4);
        for row in y as usize..(y + h) as usize {
            let start = (row * sw as usize + x) * 4;
            rgba.extend_from_slice(&sheet.data[start..start + w * 4]);
        }
        let key = if id == "default" { name.clone() } else { format!("{id}:{name}") };
        let ratio = num("pixelRatio").filter(|r| r.is_finite() && *r > 0.0).unwrap_or(1.0);
        // Bad stretch metadata: the image stays, drawn without stretching.
        let stretch = ImageStretch::from_json(e, w as u32, h as u32).unwrap_or_else(|err| {
            out.warnings.push(format!("sprite image \"{name}\": {err}: drawn without stretching"));
            ImageStretch::default()
        });
        let image = StyleImage {
            width: w as u32,
            height: h as u32,
            pixel_ratio: ratio as f32,
            sdf: e.get("sdf").and_then(J::as_bool).unwrap_or(false),
            rgba: Arc::new(rgba),
            stretch,
        };
        out.images.insert(key, image);
    }
    Ok(out)
}

/// Slices sheet `id` on a worker, then adds its images to the map (a warning
/// event per skipped entry; a failure event if the sheet fails or the job
/// panics, and the sprite stops being waited for either way).
pub(super) fn spawn_slice(core: &mut Core, map_id: u64, id: String, url: String, index: Bytes, image: Bytes) {
    let purpose = Purpose::Sprite { id: id.clone(), image: true };
    let max_parsed = core.limits().max_parsed_bytes();
    let max_images = core.limits().max_sprite_images as usize;
    core.spawn_for(map_id, purpose, move || {
        let result = slice(&id, (*index).as_ref(), (*image).as_ref(), max_parsed, max_images);
        Box::new(move |map: &mut Map, core: &mut Core| {
            let Some(load) = map.sprites.get_mut(&id) else { return };
            load.done = true;
            match result {
                Ok(sliced) => {
                    for w in sliced.warnings {
                        core.emit(Event::new(EventKind::Warning, map.id).url(url.clone()).message(format!("sprite \"{id}\": {w}")));
                    }
                    map.sprite_images.extend(sliced.images);
                    map.images_changed();
                    map.frame = None;
                }
                Err(e) => core.emit(
                    Event::new(EventKind::ResourceError, map.id).url(url).message(format!("sprite \"{id}\": {e}")),
                ),
            }
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::png_io::encode_png;

    const ALL: usize = crate::runtime::Limits::DEFAULT_MAX_SPRITE_IMAGES as usize;

    #[test]
    fn urls_take_the_ratio_suffix_before_the_query() {
        assert_eq!(sprite_urls("local://sprites/a", 1.0), ("local://sprites/a.json".into(), "local://sprites/a.png".into()));
        assert_eq!(sprite_urls("https://x/s?k=1", 2.0).1, "https://x/s@2x.png?k=1");
    }

    #[test]
    fn slices_named_images_and_rejects_bad_rectangles() {
        let mut sheet = vec![0u8; 4 * 4 * 4];
        sheet[(4 + 2) * 4..(4 + 2) * 4 + 4].copy_from_slice(&[255, 0, 0, 255]); // pixel (2,1)
        let png = encode_png(&sheet, 4, 4).unwrap();
        let index = br#"{"dot":{"x":2,"y":1,"width":2,"height":2,"pixelRatio":2,"sdf":true}}"#;
        let images = slice("icons", index, &png, u64::MAX, ALL).unwrap().images;
        let dot = &images["icons:dot"];
        assert_eq!((dot.width, dot.height, dot.pixel_ratio, dot.sdf), (2, 2, 2.0, true));
        assert_eq!(&dot.rgba[..4], &[255, 0, 0, 255]);
        let big = slice("default", br#"{"big":{"x":3,"y":3,"width":2,"height":2},"ok":{"x":0,"y":0,"width":1,"height":1}}"#, &png, u64::MAX, ALL).unwrap();
        assert!(big.images.contains_key("ok") && !big.images.contains_key("big"));
        assert!(big.warnings[0].contains("outside"), "{:?}", big.warnings);
        assert!(slice("default", b"[1]", &png, u64::MAX, ALL).is_err());
        // What the index makes once parsed is bounded: 1,000 zeros take 80,000 bytes.
        let zeros = format!(r#"{{"dot": {{"x": 0, "y": 0, "width": 1, "height": 1, "pad": [{}]}}}}"#, vec!["0"; 1000].join(","));
        assert!(slice("default", zeros.as_bytes(), &png, 100_000, ALL).is_ok());
        let e = slice("default", zeros.as_bytes(), &png, 10_000, ALL).unwrap_err();
        assert!(e.contains("more than 10000 bytes once parsed") && e.contains("max_resource_bytes"), "{e}");
    }

    #[test]
    fn entries_near_u32_max_or_over_budget_are_skipped_with_warnings() {
        let png = encode_png(&vec![255u8; 4 * 4 * 4], 4, 4).unwrap();
        // x + width wraps in u32; huge and negative and fractional values.
        let index = br#"{
            "wrap": {"x": 4294967295, "y": 0, "width": 2, "height": 1},
            "huge": {"x": 0, "y": 0, "width": 4294967295, "height": 4294967295},
            "over": {"x": 1e300, "y": 0, "width": 1, "height": 1},
            "neg": {"x": -1, "y": 0, "width": 1, "height": 1},
            "frac": {"x": 0.5, "y": 0, "width": 1, "height": 1},
            "text": {"x": "0", "y": 0, "width": 1, "height": 1},
            "fine": {"x": 3, "y": 3, "width": 1, "height": 1}
        }"#;
        let sliced = slice("default", index, &png, u64::MAX, ALL).unwrap();
        assert_eq!(sliced.images.keys().collect::<Vec<_>>(), vec!["fine"]);
        assert_eq!(sliced.warnings.len(), 6, "{:?}", sliced.warnings);
        assert!(sliced.warnings.iter().any(|w| w.contains("\"wrap\"") && w.contains("outside")));
        // 1000 entries each naming the whole sheet: only 4 sheets' worth are copied.
        let many: serde_json::Map<String, J> = (0..1000)
            .map(|i| (format!("i{i}"), serde_json::json!({"x": 0, "y": 0, "width": 4, "height": 4})))
            .collect();
        let sliced = slice("default", serde_json::to_vec(&many).unwrap().as_slice(), &png, u64::MAX, ALL).unwrap();
        assert_eq!(sliced.images.len(), MAX_SPRITE_COPIES as usize);
        assert_eq!(sliced.warnings.len(), 1000 - MAX_SPRITE_COPIES as usize);
    }

    #[test]
    fn images_past_max_images_are_skipped_naming_the_option() {
        let png = encode_png(&vec![255u8; 4 * 4 * 4], 4, 4).unwrap();
        let index: serde_json::Map<String, J> =
            (0..5).map(|i| (format!("i{i}"), serde_json::json!({"x": i % 4, "y": 0, "width": 1, "height": 1}))).collect();
        let index = serde_json::to_vec(&index).unwrap();
        let sliced = slice("default", &index, &png, u64::MAX, 3).unwrap();
        assert_eq!(sliced.images.keys().collect::<Vec<_>>(), vec!["i0", "i1", "i2"]);
        assert_eq!(sliced.warnings, vec!["sprite index names 5 images: the 2 after the first 3 are skipped (max_sprite_images)".to_string()]);
        assert_eq!(slice("default", &index, &png, u64::MAX, 5).unwrap().images.len(), 5);
    }

    #[test]
    fn stretch_zones_and_content_are_read_and_bad_ones_dropped_with_a_warning() {
        let png = encode_png(&vec![255u8; 8 * 4 * 4], 8, 4).unwrap();
        let index = br#"{
            "pill": {"x": 0, "y": 0, "width": 8, "height": 4, "stretchX": [[2, 6]], "stretchY": [[1, 3]], "content": [2, 1, 6, 3]},
            "bad": {"x": 0, "y": 0, "width": 4, "height": 4, "stretchX": [[2, 9]]}
        }"#;
        let sliced = slice("default", index, &png, u64::MAX, ALL).unwrap();
        let pill = &sliced.images["pill"].stretch;
        assert_eq!((pill.x.clone(), pill.y.clone(), pill.content), (vec![[2.0, 6.0]], vec![[1.0, 3.0]], Some([2.0, 1.0, 6.0, 3.0])));
        // The image stays, without stretching.
        assert!(!sliced.images["bad"].stretch.is_stretchable());
        assert!(sliced.warnings.len() == 1 && sliced.warnings[0].contains("stretchX"), "{:?}", sliced.warnings);
    }
}
