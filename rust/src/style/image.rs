//! The style's images: sprite entries and images added at run time.

use std::sync::Arc;

use serde_json::Value as J;

/// An image of the style (a sprite entry or one added at run time), for
/// icons and patterns.
#[derive(Clone, Debug, PartialEq)]
pub struct StyleImage {
    pub width: u32,
    pub height: u32,
    pub pixel_ratio: f32,
    pub sdf: bool,
    /// Straight-alpha RGBA, `width * height * 4` bytes.
    pub rgba: Arc<Vec<u8>>,
    /// Stretch zones and content box (sprite index `stretchX`, `stretchY`, `content`).
    pub stretch: ImageStretch,
}

/// Most stretch zones per axis an image may declare.
pub const MAX_STRETCH_ZONES: usize = 64;

/// A stretchable image's metadata, in image pixels: the column ranges
/// (`stretchX`) and row ranges (`stretchY`) that stretch, and the `content`
/// box (left, top, right, bottom) that `icon-text-fit` fits to the text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageStretch {
    pub x: Vec<[f32; 2]>,
    pub y: Vec<[f32; 2]>,
    pub content: Option<[f32; 4]>,
}

impl ImageStretch {
    /// Reads `stretchX`, `stretchY` and `content` of a sprite index entry
    /// (or of an image's options) for a `width` x `height` image. Zones must
    /// be ascending, non-overlapping pairs inside the image; the content box
    /// must lie inside it.
    pub fn from_json(entry: &J, width: u32, height: u32) -> Result<ImageStretch, String> {
        let zones = |key: &str| -> Result<Vec<[f32; 2]>, String> {
            let Some(v) = entry.get(key) else { return Ok(Vec::new()) };
            let list = v.as_array().ok_or_else(|| format!("{key} must be an array of [from, to] pairs"))?;
            if list.len() > MAX_STRETCH_ZONES {
                return Err(format!("{key} has {} zones (at most {MAX_STRETCH_ZONES})", list.len()));
            }
            list.iter()
                .map(|z| {
                    z.as_array()
                        .filter(|p| p.len() == 2)
                        .and_then(|p| Some([p[0].as_f64()? as f32, p[1].as_f64()? as f32]))
                        .ok_or_else(|| format!("{key} must be an array of [from, to] pairs"))
                })
                .collect()
        };
        let (x, y) = (zones("stretchX")?, zones("stretchY")?);
        let content = match entry.get("content") {
            None => None,
            Some(v) => {
                let c: Option<Vec<f32>> = v.as_array().filter(|a| a.len() == 4).and_then(|a| a.iter().map(|n| n.as_f64().map(|n| n as f32)).collect());
                match c {
                    Some(c) => Some([c[0], c[1], c[2], c[3]]),
                    None => return Err(format!("content must be [left, top, right, bottom] inside the {width}x{height} image")),
                }
            }
        };
        ImageStretch::checked(x, y, content, width, height, ["stretchX", "stretchY", "content"])
    }

    /// Checks zones and a content box for a `width` x `height` image: at
    /// most [`MAX_STRETCH_ZONES`] zones per axis, each `[from, to]` with
    /// from <= to, ascending and not overlapping, inside the image; the
    /// content box (left, top, right, bottom) non-empty and inside the
    /// image. Errors name the field as `names` (x zones, y zones, content).
    pub fn checked(
        x: Vec<[f32; 2]>,
        y: Vec<[f32; 2]>,
        content: Option<[f32; 4]>,
        width: u32,
        height: u32,
        names: [&str; 3],
    ) -> Result<ImageStretch, String> {
        let check = |key: &str, zones: &[[f32; 2]], size: f32| -> Result<(), String> {
            if zones.len() > MAX_STRETCH_ZONES {
                return Err(format!("{key} has {} zones (at most {MAX_STRETCH_ZONES})", zones.len()));
            }
            let mut after = 0.0f32;
            for &[a, b] in zones {
                if !(a >= after && b >= a && b <= size) {
                    return Err(format!("{key} zone [{a}, {b}] must be ascending, not overlap, and lie within 0..{size}"));
                }
                after = b;
            }
            Ok(())
        };
        check(names[0], &x, width as f32)?;
        check(names[1], &y, height as f32)?;
        if let Some(c) = content {
            let inside = c[0] >= 0.0 && c[1] >= 0.0 && c[0] < c[2] && c[1] < c[3] && c[2] <= width as f32 && c[3] <= height as f32;
            if !inside {
                return Err(format!(
                    "{} [{}, {}, {}, {}] must be [left, top, right, bottom] inside the {width}x{height} image",
                    names[2], c[0], c[1], c[2], c[3]
                ));
            }
        }
        Ok(ImageStretch { x, y, content })
    }

    pub fn is_stretchable(&self) -> bool {
        !self.x.is_empty() || !self.y.is_empty()
    }
}
