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
        let zones = |key: &str, size: f32| -> Result<Vec<[f32; 2]>, String> {
            let Some(v) = entry.get(key) else { return Ok(Vec::new()) };
            let list = v.as_array().ok_or_else(|| format!("{key} must be an array of [from, to] pairs"))?;
            if list.len() > MAX_STRETCH_ZONES {
                return Err(format!("{key} has {} zones (at most {MAX_STRETCH_ZONES})", list.len()));
            }
            let mut out: Vec<[f32; 2]> = Vec::with_capacity(list.len());
            for z in list {
                let pair = z.as_array().filter(|p| p.len() == 2).and_then(|p| Some([p[0].as_f64()? as f32, p[1].as_f64()? as f32]));
                let Some([a, b]) = pair else { return Err(format!("{key} must be an array of [from, to] pairs")) };
                let after = out.last().map_or(0.0, |l| l[1]);
                if !(a >= after && b >= a && b <= size) {
                    return Err(format!("{key} zone [{a}, {b}] must be ascending, not overlap, and lie within 0..{size}"));
                }
                out.push([a, b]);
            }
            Ok(out)
        };
        let x = zones("stretchX", width as f32)?;
        let y = zones("stretchY", height as f32)?;
        let content = match entry.get("content") {
            None => None,
            Some(v) => {
                let c: Option<Vec<f32>> = v.as_array().filter(|a| a.len() == 4).and_then(|a| a.iter().map(|n| n.as_f64().map(|n| n as f32)).collect());
                match c {
                    Some(c) if c[0] >= 0.0 && c[1] >= 0.0 && c[0] < c[2] && c[1] < c[3] && c[2] <= width as f32 && c[3] <= height as f32 => {
                        Some([c[0], c[1], c[2], c[3]])
                    }
                    _ => return Err(format!("content must be [left, top, right, bottom] inside the {width}x{height} image")),
                }
            }
        };
        Ok(ImageStretch { x, y, content })
    }

    pub fn is_stretchable(&self) -> bool {
        !self.x.is_empty() || !self.y.is_empty()
    }
}
