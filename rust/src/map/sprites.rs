//! Sprites: each of the style's sprite sheets is a JSON index plus a PNG
//! (`@2x` variants at pixel ratios above 1), sliced into the map's images.
//! Images of a sprite with id "default" keep their names; others are named
//! `ID:NAME` (MapLibre's multi-sprite rule).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value as J;

use super::styling::StyleImage;
use crate::render::png_io::decode_png;

/// The URLs of a sprite sheet's index and image for a pixel ratio.
pub fn sprite_urls(base: &str, pixel_ratio: f32) -> (String, String) {
    let suffix = if pixel_ratio > 1.0 { "@2x" } else { "" };
    let (path, query) = match base.find('?') {
        Some(i) => (&base[..i], &base[i..]),
        None => (base, ""),
    };
    (format!("{path}{suffix}.json{query}"), format!("{path}{suffix}.png{query}"))
}

/// Slices a sprite sheet into images named by the index.
pub fn slice(id: &str, index: &[u8], png: &[u8]) -> Result<BTreeMap<String, StyleImage>, String> {
    let index: J = serde_json::from_slice(index).map_err(|e| format!("sprite index is not valid JSON: {e}"))?;
    let entries = index.as_object().ok_or("sprite index must be a JSON object")?;
    let sheet = decode_png(png).map_err(|e| format!("sprite image: {e}"))?;
    let mut out = BTreeMap::new();
    for (name, e) in entries {
        let num = |k: &str| e.get(k).and_then(J::as_f64);
        let (Some(x), Some(y), Some(w), Some(h)) = (num("x"), num("y"), num("width"), num("height")) else {
            return Err(format!("sprite image \"{name}\": x, y, width and height are required numbers"));
        };
        let (x, y, w, h) = (x as u32, y as u32, w as u32, h as u32);
        if w == 0 || h == 0 || x + w > sheet.width || y + h > sheet.height {
            return Err(format!("sprite image \"{name}\" ({x},{y} {w}x{h}) lies outside the {}x{} sheet", sheet.width, sheet.height));
        }
        let mut rgba = Vec::with_capacity((w * h * 4) as usize);
        for row in y..y + h {
            let start = ((row * sheet.width + x) * 4) as usize;
            rgba.extend_from_slice(&sheet.data[start..start + (w * 4) as usize]);
        }
        let key = if id == "default" { name.clone() } else { format!("{id}:{name}") };
        let image = StyleImage {
            width: w,
            height: h,
            pixel_ratio: num("pixelRatio").unwrap_or(1.0) as f32,
            sdf: e.get("sdf").and_then(J::as_bool).unwrap_or(false),
            rgba: Arc::new(rgba),
        };
        out.insert(key, image);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::png_io::encode_png;

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
        let images = slice("icons", index, &png).unwrap();
        let dot = &images["icons:dot"];
        assert_eq!((dot.width, dot.height, dot.pixel_ratio, dot.sdf), (2, 2, 2.0, true));
        assert_eq!(&dot.rgba[..4], &[255, 0, 0, 255]);
        assert!(slice("default", br#"{"big":{"x":3,"y":3,"width":2,"height":2}}"#, &png).unwrap_err().contains("outside"));
        assert!(slice("default", b"[1]", &png).is_err());
    }
}
