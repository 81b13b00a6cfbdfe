//! Glyphs as MapLibre's glyph PBFs carry them: metrics at 24 px and a signed
//! distance field bitmap with a 3 px buffer on every side.

use std::collections::HashMap;
use std::sync::Arc;

/// Size (px) at which glyph metrics and SDFs are made.
pub const ONE_EM: f32 = 24.0;
/// Buffer (px) of SDF around each glyph bitmap.
pub const SDF_BUFFER: u32 = 3;
/// Codepoints per glyph range (one PBF).
pub const RANGE_SIZE: u32 = 256;
/// Highest codepoint MapLibre requests ranges for (the Basic Multilingual Plane
/// and the supplementary planes up to 0x10FFFF are 4352 ranges).
pub const MAX_CODEPOINT: u32 = 0x10FFFF;

/// Metrics of one glyph, in px at [`ONE_EM`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GlyphMetrics {
    /// Size of the glyph's ink box (the bitmap is this plus 2 x buffer).
    pub width: u32,
    pub height: u32,
    /// Offset of the ink box from the pen position (x right, y up from the baseline).
    pub left: i32,
    pub top: i32,
    /// Pen advance.
    pub advance: u32,
}

/// An SDF bitmap: one byte per texel (distance 192 = the glyph's edge),
/// row-major, `width * height` bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SdfBitmap {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl SdfBitmap {
    /// The texel at (x, y), 0 outside the bitmap.
    #[inline]
    pub fn texel(&self, x: i64, y: i64) -> u8 {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 {
            return 0;
        }
        self.data[y as usize * self.width as usize + x as usize]
    }
}

/// One glyph of a font stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glyph {
    pub id: u32,
    pub metrics: GlyphMetrics,
    /// None for glyphs without ink (spaces): they only advance.
    pub bitmap: Option<Arc<SdfBitmap>>,
}

/// The glyphs loaded for one font stack, by codepoint.
pub type GlyphMap = HashMap<u32, Arc<Glyph>>;

/// Glyphs by font stack name (the comma-joined `text-font` list).
#[derive(Clone, Debug, Default)]
pub struct GlyphSet {
    pub stacks: HashMap<String, Arc<GlyphMap>>,
    /// Font stacks drawn from local fonts (their text is shaped with
    /// HarfBuzz's rules, `local_shaping`).
    pub local: HashMap<String, Arc<super::local_shaping::LocalStack>>,
}

impl GlyphSet {
    pub fn get(&self, font_stack: &str, codepoint: u32) -> Option<&Arc<Glyph>> {
        self.stacks.get(font_stack)?.get(&codepoint)
    }
}

/// The range (0-based, 256 codepoints each) holding `codepoint`.
pub fn range_of(codepoint: u32) -> u32 {
    codepoint / RANGE_SIZE
}

/// The `{range}` token of a glyph URL for range `index`: "0-255", "256-511", ...
pub fn range_name(index: u32) -> String {
    let start = index * RANGE_SIZE;
    format!("{}-{}", start, start + RANGE_SIZE - 1)
}

/// A font stack's name as MapLibre requests it: the fonts joined by commas.
pub fn font_stack_name(fonts: &[String]) -> String {
    fonts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_named_like_maplibre() {
        assert_eq!(range_of(0x41), 0);
        assert_eq!(range_of(0x4E2D), 78);
        assert_eq!(range_name(0), "0-255");
        assert_eq!(range_name(78), "19968-20223");
        assert_eq!(font_stack_name(&["Open Sans Semibold".into(), "Arial Unicode MS Bold".into()]), "Open Sans Semibold,Arial Unicode MS Bold");
    }

    #[test]
    fn texels_outside_are_zero() {
        let b = SdfBitmap { width: 2, height: 1, data: vec![10, 20] };
        assert_eq!(b.texel(1, 0), 20);
        assert_eq!(b.texel(-1, 0), 0);
        assert_eq!(b.texel(2, 0), 0);
        assert_eq!(b.texel(0, 1), 0);
    }
}
