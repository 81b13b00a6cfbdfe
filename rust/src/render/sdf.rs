//! SDF glyph painter (text and SDF icons): MapLibre's symbol_sdf shader on
//! the CPU. (Seam: the painter lands with the labels work.)

use super::display_list::{SdfPaint, SdfQuad};

/// Draws `quads` into a band of premultiplied RGBA8 rows `top..top + rows`
/// of a `width`-pixel-wide target.
pub(crate) fn draw_sdf(_pixels: &mut [u8], _width: usize, _top: u32, _rows: usize, _quads: &[SdfQuad], _paints: &[SdfPaint], _pixel_ratio: f32) {}
