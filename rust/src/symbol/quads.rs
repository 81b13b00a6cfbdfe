//! Glyph quads: where each shaped glyph's SDF rectangle sits around the
//! symbol's anchor (MapLibre's getGlyphQuads), in px at 24 px (scaled by
//! `text-size / 24` when placed).

use std::sync::Arc;

use crate::text::glyph::{GlyphSet, SdfBitmap, ONE_EM, SDF_BUFFER};
use crate::text::shaping::{Shaping, TaggedText};

/// Atlas padding around each glyph bitmap (GL samples it as zero).
const GLYPH_PADDING: f32 = 1.0;

/// One glyph's quad, relative to the anchor (px at 24 px, y down).
#[derive(Clone, Debug)]
pub struct GlyphQuad {
    /// Corners of the texture rectangle: top-left, top-right, bottom-right,
    /// bottom-left. For glyphs along a line, relative to the glyph's own
    /// centre on the line (`glyph_offset`); otherwise relative to the anchor.
    pub corners: [[f32; 2]; 4],
    /// Texel rectangle (x, y, w, h) in `bitmap`.
    pub tex: [f32; 4],
    pub bitmap: Arc<SdfBitmap>,
    /// Along lines: the glyph centre's offset along (x) and across (y) the line.
    pub glyph_offset: [f32; 2],
    /// The section (for `format`'s per-section colour).
    pub section: u16,
}

/// A label's glyph quads, shared by every anchor of its feature and by its
/// variable-anchor justifications (a symbol holds a pointer, not a copy).
pub type Quads = std::sync::Arc<[GlyphQuad]>;

/// The quads of `shaping`; `along_line` keeps each glyph relative to its
/// own centre (it is placed on the line per frame); `rotate` is
/// `text-rotate` in degrees (point labels); `offset` is `text-offset` in px
/// at 24 px, built into point labels' quads (line labels apply it when
/// placed).
pub fn glyph_quads(shaping: &Shaping, text: &TaggedText, glyphs: &GlyphSet, along_line: bool, rotate: f32, offset: [f32; 2]) -> Vec<GlyphQuad> {
    let (sin, cos) = rotate.to_radians().sin_cos();
    let mut out = Vec::new();
    let rect_buffer = SDF_BUFFER as f32 + GLYPH_PADDING;
    for line in &shaping.lines {
        for g in &line.glyphs {
            let Some(section) = text.sections.get(g.section as usize) else { continue };
            let Some(glyph) = shaping.glyph(glyphs, &section.font_stack, g.glyph) else { continue };
            let Some(bitmap) = &glyph.bitmap else { continue };
            let m = glyph.metrics;
            let half_advance = m.advance as f32 * g.scale / 2.0;
            let (glyph_offset, built_in) = if along_line {
                // The glyph's y stays in its quad (GL adds it to the corner
                // offsets); only x is walked along the line.
                ([g.x + half_advance, g.y], [0.0, g.y])
            } else {
                ([0.0, 0.0], [g.x + half_advance + offset[0], g.y + offset[1]])
            };
            let (tw, th) = (bitmap.width as f32 + 2.0 * GLYPH_PADDING, bitmap.height as f32 + 2.0 * GLYPH_PADDING);
            // Upright (vertical) glyphs are built at the origin, turned, then moved.
            let at = if g.vertical { [0.0, 0.0] } else { built_in };
            let x1 = (m.left as f32 - rect_buffer) * g.scale - half_advance + at[0];
            let y1 = (-m.top as f32 - rect_buffer) * g.scale + at[1];
            let (x2, y2) = (x1 + tw * g.scale, y1 + th * g.scale);
            let mut corners = [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
            if g.vertical {
                // MapLibre: a quarter turn counter-clockwise about the middle
                // of the left edge of the glyph's 24 px box (below the
                // midline by the shaping's default offset), then pulled back
                // by half-width glyphs' difference from a full em. The label
                // turns the other way on a steep line: the glyph stands up.
                let center = [-half_advance, half_advance - SHAPING_DEFAULT_OFFSET];
                let correction = [5.0 - SHAPING_DEFAULT_OFFSET - (ONE_EM / 2.0 - half_advance), 0.0];
                for c in &mut corners {
                    let (dx, dy) = (c[0] - center[0], c[1] - center[1]);
                    *c = [center[0] + dy + correction[0] + built_in[0], center[1] - dx + correction[1] + built_in[1]];
                }
            }
            if rotate != 0.0 {
                for c in &mut corners {
                    *c = [c[0] * cos - c[1] * sin, c[0] * sin + c[1] * cos];
                }
            }
            out.push(GlyphQuad {
                corners,
                tex: [-GLYPH_PADDING, -GLYPH_PADDING, tw, th],
                bitmap: bitmap.clone(),
                glyph_offset,
                section: g.section,
            });
        }
    }
    out
}

/// MapLibre's shaping baseline offset (px at 24 px): glyph boxes sit this far
/// above the line's y.
const SHAPING_DEFAULT_OFFSET: f32 = -17.0;
