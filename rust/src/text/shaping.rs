//! Shaping: a formatted string and its glyphs to positioned glyphs, the way
//! MapLibre shapes text from glyph PBFs (one glyph per codepoint, advances
//! from the metrics, no kerning).
//!
//! [`prepare_text`] applies `text-transform` and Arabic contextual forms to the
//! evaluated `text-field` (so that the glyph ranges are known before
//! shaping); [`shape_text`] breaks lines (`linebreak`), orders bidi runs
//! (`bidi`) and positions the glyphs around the anchor.
//!
//! # Coordinates
//!
//! Everything is in px at [`ONE_EM`] (24 px), x right, y down, the origin at
//! the symbol's anchor point, before `text-size` scaling (multiply by
//! `text-size / 24`). The values are exactly MapLibre's `PositionedGlyph`
//! and `Shaping` fields:
//!
//! * [`PositionedGlyph::x`] is the pen position of the glyph's left edge of
//!   advance (after justification and anchor alignment).
//! * [`PositionedGlyph::y`] is MapLibre's glyph `y`: the line's origin,
//!   starting at [`BASELINE_OFFSET`] (-17) for the first line and moving
//!   down by `line_height × line max font-scale` per line, plus the
//!   section's baseline shift `(line max scale − scale) × 24`, plus the
//!   vertical anchor alignment. For one line of scale 1 and a centre
//!   anchor, y = -17.
//! * `text-offset` (`ShapeOptions::translate`) is NOT in x/y (as in
//!   MapLibre): it moves only the box (`top/bottom/left/right`). The quad
//!   builder adds text-offset itself, as MapLibre's `getGlyphQuads` does.
//!   For a horizontal glyph of a point label (MapLibre's quads), with
//!   `buffer` = [`super::glyph::SDF_BUFFER`] (3):
//!   ```text
//!   quad left = x + (metrics.left - buffer) * scale + text_offset.x
//!   quad top  = y + (-metrics.top - buffer) * scale + text_offset.y
//!   quad size = bitmap size (metrics + 2 * buffer) * scale
//!   ```
//!   (MapLibre writes it with `halfAdvance = advance * scale / 2` added to
//!   the offset and subtracted from the corner, which cancels.) Along
//!   lines, the glyph's offset along the line is `x + halfAdvance` and its
//!   offset across is `y`. Vertical glyphs (`vertical`) are rotated about
//!   their centre in MapLibre's quads; the shaper only advanced them by
//!   `24 × scale`.
//! * [`Shaping::top`]/`bottom`/`left`/`right` is the text box: `left =
//!   translate.x − h × width`, `right = left + width` (width = the longest
//!   line, trailing letter spacing excluded) and `top = translate.y − v ×
//!   height`, `bottom = top + height` (height = sum of the line heights),
//!   h/v the anchor's alignment (0, 0.5, 1). It is the box of the lines,
//!   not of the ink: when every line has scale 1, line i spans
//!   `top + i × line_height ..= top + (i + 1) × line_height` and its glyphs'
//!   y is 17 px above the middle of that span (`y = top + (i + 0.5) ×
//!   line_height − 17`).
//!
//! # Limits
//!
//! Text is cut at [`MAX_TEXT_CHARS`] characters (by [`prepare_text`] and
//! again by [`shape_text`]); line breaking compares each break with at most
//! `linebreak::MAX_PRIOR_BREAKS` earlier ones, so shaping is at worst
//! O(n × 1024).

use std::collections::HashMap;
use std::sync::Arc;

use crate::style::color::Color;
use crate::style::value::Formatted;

use super::arabic::shape_arabic;
use super::bidi::visual_lines;
use super::glyph::{Glyph, GlyphMap, GlyphSet, ONE_EM};
use super::local_shaping::ShapingFaces;
use super::linebreak::determine_line_breaks;
use super::script::{
    allows_letter_spacing, char_has_upright_vertical_orientation, chars_allow_vertical_writing_mode, is_char_in_complex_shaping_script,
    is_whitespace, vertical_punctuation, verticalize_punctuation,
};

/// Longest text shaped, in characters; the rest is dropped.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// One section of a tagged string (a `format` section, or the whole text).
#[derive(Clone, Debug, PartialEq)]
pub struct TextSection {
    /// The font stack name (comma-joined fonts).
    pub font_stack: String,
    /// `font-scale` (1 by default).
    pub scale: f32,
    /// `text-color` of the section, if set.
    pub color: Option<Color>,
}

/// Text ready to shape: characters (logical order, contextual forms
/// applied) with their section.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaggedText {
    pub chars: Vec<char>,
    /// For each char, its index in `sections`.
    pub section_of: Vec<u16>,
    pub sections: Vec<TextSection>,
    /// The characters before Arabic contextual forms, with their sections,
    /// when those changed anything (empty otherwise): what shaping from
    /// local fonts (HarfBuzz's rules) reads.
    pub unformed: Vec<char>,
    pub unformed_section_of: Vec<u16>,
}

impl TaggedText {
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The characters in logical order before Arabic contextual forms, and
    /// their sections.
    pub fn logical(&self) -> (&[char], &[u16]) {
        if self.unformed.is_empty() {
            (&self.chars, &self.section_of)
        } else {
            (&self.unformed, &self.unformed_section_of)
        }
    }

    /// The codepoints each font stack needs (for glyph range requests).
    pub fn codepoints(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        self.chars.iter().zip(&self.section_of).map(|(c, s)| (self.sections[*s as usize].font_stack.as_str(), *c as u32))
    }

    /// The extra codepoints vertical shaping may use (the vertical forms of
    /// punctuation), when the text allows vertical writing at all.
    pub fn vertical_codepoints(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        let allowed = chars_allow_vertical_writing_mode(&self.chars);
        self.chars.iter().zip(&self.section_of).filter(move |_| allowed).filter_map(|(c, s)| {
            vertical_punctuation(*c).map(|v| (self.sections[*s as usize].font_stack.as_str(), v as u32))
        })
    }

    /// Whether the text has characters that stand upright in vertical text.
    pub fn allows_vertical_writing_mode(&self) -> bool {
        chars_allow_vertical_writing_mode(&self.chars)
    }
}

/// `text-transform`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextTransform {
    None,
    Uppercase,
    Lowercase,
}

/// The evaluated `text-field` as shaping input: `text-transform` applied,
/// Arabic letters in their contextual forms (per section, as MapLibre),
/// sections without a font stack given `default_stack`, at most
/// [`MAX_TEXT_CHARS`] characters.
pub fn prepare_text(text: &Formatted, transform: TextTransform, default_stack: &str) -> TaggedText {
    let mut out = TaggedText::default();
    for section in &text.sections {
        if section.image.is_some() && section.text.is_empty() {
            continue;
        }
        let room = MAX_TEXT_CHARS - out.chars.len();
        if room == 0 || out.sections.len() > u16::MAX as usize {
            break;
        }
        let index = out.sections.len() as u16;
        out.sections.push(TextSection {
            font_stack: section.font_stack.clone().unwrap_or_else(|| default_stack.to_string()),
            scale: section.scale.unwrap_or(1.0) as f32,
            color: section.text_color,
        });
        let s = match transform {
            TextTransform::None => std::borrow::Cow::Borrowed(section.text.as_str()),
            TextTransform::Uppercase => section.text.to_uppercase().into(),
            TextTransform::Lowercase => section.text.to_lowercase().into(),
        };
        let chars: Vec<char> = s.chars().take(room.saturating_mul(2)).collect();
        let shaped = shape_arabic(&chars);
        if shaped != chars && out.unformed.is_empty() {
            // The first change: the text so far was unchanged.
            out.unformed = out.chars.clone();
            out.unformed_section_of = out.section_of.clone();
        }
        if !out.unformed.is_empty() || shaped != chars {
            let n = chars.len().min(room);
            out.unformed.extend_from_slice(&chars[..n]);
            out.unformed_section_of.extend(std::iter::repeat(index).take(n));
        }
        let n = shaped.len().min(room);
        out.chars.extend_from_slice(&shaped[..n]);
        out.section_of.extend(std::iter::repeat(index).take(n));
    }
    out
}

/// `text-anchor` (and the anchors of `text-variable-anchor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Center,
    Left,
    Right,
    Top,
    Bottom,
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

impl Anchor {
    pub fn parse(s: &str) -> Anchor {
        match s {
            "left" => Anchor::Left,
            "right" => Anchor::Right,
            "top" => Anchor::Top,
            "bottom" => Anchor::Bottom,
            "top-left" => Anchor::TopLeft,
            "top-right" => Anchor::TopRight,
            "bottom-left" => Anchor::BottomLeft,
            "bottom-right" => Anchor::BottomRight,
            _ => Anchor::Center,
        }
    }

    /// Where the anchor sits in the text's box: (horizontal, vertical), 0 =
    /// left/top, 0.5 = centre, 1 = right/bottom.
    pub fn align(self) -> (f32, f32) {
        let h = match self {
            Anchor::Left | Anchor::TopLeft | Anchor::BottomLeft => 0.0,
            Anchor::Right | Anchor::TopRight | Anchor::BottomRight => 1.0,
            _ => 0.5,
        };
        let v = match self {
            Anchor::Top | Anchor::TopLeft | Anchor::TopRight => 0.0,
            Anchor::Bottom | Anchor::BottomLeft | Anchor::BottomRight => 1.0,
            _ => 0.5,
        };
        (h, v)
    }
}

/// `text-justify` (`auto` is resolved by the caller from the anchor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Justify {
    Left,
    Center,
    Right,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WritingMode {
    Horizontal,
    Vertical,
}

/// Shaping parameters, in px at [`ONE_EM`].
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeOptions {
    /// `text-max-width` x 24; 0 disables line breaking (line placement).
    pub max_width: f32,
    /// `text-line-height` x 24.
    pub line_height: f32,
    pub anchor: Anchor,
    pub justify: Justify,
    /// `text-letter-spacing` x 24 (ignored for text with Arabic letters,
    /// as MapLibre does).
    pub spacing: f32,
    /// `text-offset` x 24: moves the box (`Shaping::top` ...) but not the
    /// glyphs' x/y, as in MapLibre (the quads add the offset).
    pub translate: [f32; 2],
    /// Vertical: punctuation takes its vertical forms and upright
    /// characters are set `vertical` (MapLibre's vertical shaping).
    pub writing_mode: WritingMode,
    /// MapLibre's `allowVerticalPlacement` (`text-writing-mode` lists
    /// `vertical`): in vertical mode every glyph but whitespace and Arabic is
    /// set `vertical`; without it only upright (CJK) characters are.
    pub allow_vertical: bool,
}

impl Default for ShapeOptions {
    fn default() -> Self {
        ShapeOptions {
            max_width: 10.0 * ONE_EM,
            line_height: 1.2 * ONE_EM,
            anchor: Anchor::Center,
            justify: Justify::Center,
            spacing: 0.0,
            translate: [0.0, 0.0],
            writing_mode: WritingMode::Horizontal,
            allow_vertical: false,
        }
    }
}

/// A glyph placed by shaping (MapLibre's `PositionedGlyph`; see the module
/// doc for what x and y mean exactly).
#[derive(Clone, Debug, PartialEq)]
pub struct PositionedGlyph {
    /// The codepoint (after Arabic forms, bidi mirroring and vertical
    /// punctuation), the key of the glyph in its font stack.
    pub glyph: u32,
    /// Pen x, px at 24 px, text-offset not included.
    pub x: f32,
    /// MapLibre's glyph y (line origin, -17 for a single centred line),
    /// text-offset not included.
    pub y: f32,
    /// Upright in vertical text (advanced by 24 × scale; the quads rotate it).
    pub vertical: bool,
    /// Index of the section (font stack, scale, colour) in the tagged text.
    pub section: u16,
    /// The section's `font-scale`.
    pub scale: f32,
}

/// One line of shaped text (glyphs in visual order, left to right).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShapedLine {
    pub glyphs: Vec<PositionedGlyph>,
    /// MapLibre's `lineOffset`: `(line max scale − 1) × 24` (the quads use
    /// half of it for vertical glyphs of verticalizable text).
    pub line_offset: f32,
}

/// Shaped text: its lines and its box around the anchor (see the module doc).
#[derive(Clone, Debug, PartialEq)]
pub struct Shaping {
    pub lines: Vec<ShapedLine>,
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
    pub writing_mode: WritingMode,
    /// Some glyph is upright-vertical (MapLibre's `verticalizable`).
    pub verticalizable: bool,
    /// Glyphs of text shaped from local fonts (`local_shaping`), by the
    /// keys its positioned glyphs carry (a face's glyph id, not a
    /// codepoint); empty for MapLibre's per-codepoint shaping.
    pub local_glyphs: HashMap<u32, Arc<Glyph>>,
}

impl Shaping {
    pub fn glyphs(&self) -> impl Iterator<Item = &PositionedGlyph> {
        self.lines.iter().flat_map(|l| l.glyphs.iter())
    }

    /// The glyph a positioned glyph of section font stack `stack` draws:
    /// from the local shaping's glyphs, else from `glyphs` by codepoint.
    pub fn glyph<'a>(&'a self, glyphs: &'a GlyphSet, stack: &str, key: u32) -> Option<&'a Arc<Glyph>> {
        self.local_glyphs.get(&key).or_else(|| glyphs.get(stack, key))
    }
}

/// MapLibre's `Shaping::yOffset`: the y of the first line's glyphs before
/// anchor alignment.
pub const BASELINE_OFFSET: f32 = -17.0;

/// Shapes `text` with the glyphs in `glyphs`, MapLibre's `getShaping`:
///
/// 1. in vertical writing mode, punctuation takes its vertical forms;
/// 2. letter spacing is dropped for text with Arabic letters;
/// 3. with `max_width` > 0, line breaks are chosen on the logical text
///    (`linebreak`), and paragraph separators always break;
/// 4. each line is reordered visually (`bidi`), trimmed of whitespace, and
///    its glyphs placed left to right: characters without a glyph are
///    skipped (no advance), others advance by `advance × scale + spacing`
///    (upright vertical glyphs by `24 × scale + spacing`); glyphs of a
///    smaller section sit `(line max scale − scale) × 24` lower;
/// 5. each line is justified (`justify`), the block aligned to the anchor.
///
/// Text whose font stacks are all drawn from local fonts is shaped with
/// HarfBuzz's rules instead (`local_shaping`). None when no character has a
/// glyph.
pub fn shape_text(text: &TaggedText, glyphs: &GlyphSet, opts: &ShapeOptions) -> Option<Shaping> {
    shape_text_with(text, glyphs, opts, &ShapingFaces::default())
}

/// [`shape_text`], keeping the faces parsed for local fonts in `faces` for
/// the next texts (a layout's labels share one).
pub fn shape_text_with<'g>(text: &TaggedText, glyphs: &'g GlyphSet, opts: &ShapeOptions, faces: &ShapingFaces<'g>) -> Option<Shaping> {
    if let Some(local) = super::local_shaping::shape_local(text, glyphs, opts, faces) {
        return local;
    }
    let n = text.chars.len().min(text.section_of.len()).min(MAX_TEXT_CHARS);
    if n == 0 {
        return None;
    }
    let vertical_mode = opts.writing_mode == WritingMode::Vertical;
    let chars: Vec<char> = if vertical_mode { verticalize_punctuation(&text.chars[..n]) } else { text.chars[..n].to_vec() };
    let section_of = &text.section_of[..n];
    let spacing = if allows_letter_spacing(&chars) { opts.spacing } else { 0.0 };

    // Each section's glyphs and scale, resolved once.
    let stacks: Vec<Option<&Arc<GlyphMap>>> = text.sections.iter().map(|s| glyphs.stacks.get(&s.font_stack)).collect();
    let lookup = |c: char, s: u16| stacks.get(s as usize).copied().flatten().and_then(|m| m.get(&(c as u32)));
    let scale_of = |s: u16| text.sections.get(s as usize).map_or(1.0, |s| s.scale);

    let breaks = if opts.max_width > 0.0 {
        let advances: Vec<f32> = chars
            .iter()
            .zip(section_of)
            .map(|(&c, &s)| lookup(c, s).map_or(0.0, |g| (g.metrics.advance as f64 * scale_of(s) as f64) as f32 + spacing))
            .collect();
        determine_line_breaks(&chars, &advances, opts.max_width)
    } else {
        Vec::new()
    };
    let lines = visual_lines(&chars, section_of, &breaks);

    let mut out_lines = Vec::with_capacity(lines.len());
    for line in &lines {
        // Trim whitespace so that it does not throw off justification.
        let start = line.chars.iter().position(|c| !is_whitespace(*c));
        let Some(start) = start else {
            out_lines.push(None); // an empty line still feeds a line
            continue;
        };
        let end = line.chars.iter().rposition(|c| !is_whitespace(*c)).map_or(start, |e| e + 1);
        let (lchars, lsections) = (&line.chars[start..end], &line.sections[start..end]);

        let max_scale = lsections.iter().map(|&s| scale_of(s) as f64).fold(0.0f64, f64::max);
        let mut x = 0.0f32;
        let mut out = LineGlyphs { max_scale, ..Default::default() };
        let mut last_advance = 0.0f32;
        for (&c, &s) in lchars.iter().zip(lsections) {
            let Some(g) = lookup(c, s) else { continue };
            let scale = scale_of(s);
            let vertical = vertical_mode
                && if opts.allow_vertical {
                    !(is_whitespace(c) || is_char_in_complex_shaping_script(c))
                } else {
                    char_has_upright_vertical_orientation(c)
                };
            out.glyphs.push(PositionedGlyph { glyph: c as u32, x, y: 0.0, vertical, section: s, scale });
            let advance = if vertical { ONE_EM } else { g.metrics.advance as f32 };
            x += advance * scale + spacing;
            last_advance = g.metrics.advance as f32 * scale;
        }
        if let Some(last) = out.glyphs.last() {
            out.width = x - spacing;
            // MapLibre measures justification to the last glyph's metric advance.
            out.justify_width = last.x + last_advance;
        }
        out_lines.push(Some(out));
    }
    arrange_lines(out_lines, opts, HashMap::new())
}

/// One line's glyphs before arrangement: x from the line's start, y
/// relative to the line's baseline (0 but for shaped marks).
#[derive(Default)]
pub(crate) struct LineGlyphs {
    pub glyphs: Vec<PositionedGlyph>,
    /// The line's length (for the box).
    pub width: f32,
    /// The length justification moves the line by (a part of).
    pub justify_width: f32,
    /// The largest `font-scale` on the line.
    pub max_scale: f64,
}

/// Stacks the lines (None: an empty line), justifies each and aligns the
/// block to the anchor (MapLibre's `shapeLines` and `align`). None when no
/// line has a glyph.
pub(crate) fn arrange_lines(lines: Vec<Option<LineGlyphs>>, opts: &ShapeOptions, local_glyphs: HashMap<u32, Arc<Glyph>>) -> Option<Shaping> {
    let justify = match opts.justify {
        Justify::Left => 0.0f32,
        Justify::Center => 0.5,
        Justify::Right => 1.0,
    };
    let line_height = opts.line_height;
    let mut shaping = Shaping {
        lines: Vec::with_capacity(lines.len()),
        top: opts.translate[1],
        bottom: opts.translate[1],
        left: opts.translate[0],
        right: opts.translate[0],
        writing_mode: opts.writing_mode,
        verticalizable: false,
        local_glyphs,
    };
    let mut y = BASELINE_OFFSET;
    let mut max_line_length = 0.0f32;
    let mut max_line_height = 0.0f32;
    let mut any_glyph = false;

    for line in lines {
        let Some(line) = line else {
            y += line_height;
            shaping.lines.push(ShapedLine::default());
            continue;
        };
        let mut out = ShapedLine { glyphs: line.glyphs, line_offset: 0.0 };
        for g in &mut out.glyphs {
            g.y += y + ((line.max_scale - g.scale as f64) * ONE_EM as f64) as f32;
            shaping.verticalizable |= g.vertical;
        }
        if !out.glyphs.is_empty() {
            any_glyph = true;
            max_line_length = max_line_length.max(line.width);
            let indent = line.justify_width * justify;
            if indent != 0.0 {
                for g in &mut out.glyphs {
                    g.x -= indent;
                }
            }
        }
        let current_line_height = (line_height as f64 * line.max_scale) as f32;
        y += current_line_height;
        out.line_offset = ((line.max_scale - 1.0) * ONE_EM as f64).max(0.0) as f32;
        max_line_height = max_line_height.max(current_line_height);
        shaping.lines.push(out);
    }
    if !any_glyph {
        return None;
    }

    // Align the block to the anchor.
    let (h, v) = opts.anchor.align();
    let height = y - BASELINE_OFFSET;
    let shift_x = (justify - h) * max_line_length;
    let shift_y = if max_line_height != line_height {
        -height * v - BASELINE_OFFSET
    } else {
        (-v * shaping.lines.len() as f32 + 0.5) * line_height
    };
    for g in shaping.lines.iter_mut().flat_map(|l| l.glyphs.iter_mut()) {
        g.x += shift_x;
        g.y += shift_y;
    }
    shaping.top += -v * height;
    shaping.bottom = shaping.top + height;
    shaping.left += -h * max_line_length;
    shaping.right = shaping.left + max_line_length;
    Some(shaping)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::glyph::{Glyph, GlyphMetrics};
    use std::collections::HashMap;

    const EXTRA: &str = "שלום١٢٣一二三四五六中国（）︵︶\u{FEB3}\u{FEFC}\u{FEE1}";

    /// Font stacks "A" and "B": ASCII and [`EXTRA`], advance 10 (space 5).
    fn glyph_set() -> GlyphSet {
        let mut map = GlyphMap::new();
        for c in (0x20u32..0x7F).filter_map(char::from_u32).chain(EXTRA.chars()) {
            let advance = if c == ' ' { 5 } else { 10 };
            let metrics = GlyphMetrics { width: 8, height: 12, left: 1, top: -5, advance };
            map.insert(c as u32, Arc::new(Glyph { id: c as u32, metrics, bitmap: None }));
        }
        let map = Arc::new(map);
        GlyphSet { stacks: HashMap::from([("A".to_string(), map.clone()), ("B".to_string(), map)]), ..Default::default() }
    }

    fn tagged(s: &str) -> TaggedText {
        prepare_text(&Formatted::from_string(s.to_string()), TextTransform::None, "A")
    }

    fn opts(anchor: Anchor, justify: Justify) -> ShapeOptions {
        ShapeOptions { anchor, justify, ..ShapeOptions::default() }
    }

    fn shape(s: &str, o: &ShapeOptions) -> Shaping {
        shape_text(&tagged(s), &glyph_set(), o).expect("shaped")
    }

    fn xs(line: &ShapedLine) -> Vec<f32> {
        line.glyphs.iter().map(|g| g.x).collect()
    }

    fn text_of(line: &ShapedLine) -> String {
        line.glyphs.iter().map(|g| char::from_u32(g.glyph).unwrap()).collect()
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-4
    }

    fn assert_box(s: &Shaping, top: f32, bottom: f32, left: f32, right: f32) {
        assert!(
            close(s.top, top) && close(s.bottom, bottom) && close(s.left, left) && close(s.right, right),
            "box {} {} {} {} != {top} {bottom} {left} {right}",
            s.top,
            s.bottom,
            s.left,
            s.right
        );
    }

    #[test]
    fn single_line_centred() {
        let s = shape("abc", &ShapeOptions::default());
        assert_eq!(s.lines.len(), 1);
        assert_eq!(xs(&s.lines[0]), vec![-15.0, -5.0, 5.0]);
        assert!(s.glyphs().all(|g| g.y == -17.0 && !g.vertical && g.scale == 1.0));
        assert_box(&s, -14.4, 14.4, -15.0, 15.0);
    }

    #[test]
    fn corner_anchors() {
        let s = shape("abc", &opts(Anchor::TopLeft, Justify::Left));
        assert_eq!(xs(&s.lines[0]), vec![0.0, 10.0, 20.0]);
        assert!(s.glyphs().all(|g| close(g.y, -17.0 + 14.4)));
        assert_box(&s, 0.0, 28.8, 0.0, 30.0);

        let s = shape("abc", &opts(Anchor::BottomRight, Justify::Right));
        assert_eq!(xs(&s.lines[0]), vec![-30.0, -20.0, -10.0]);
        assert!(s.glyphs().all(|g| close(g.y, -17.0 - 14.4)));
        assert_box(&s, -28.8, 0.0, -30.0, 0.0);
    }

    #[test]
    fn justification_of_two_lines_with_a_forced_newline() {
        let s = shape("aaaa\nbb", &opts(Anchor::Center, Justify::Left));
        assert_eq!(s.lines.len(), 2);
        assert_eq!(xs(&s.lines[0]), vec![-20.0, -10.0, 0.0, 10.0]);
        assert_eq!(xs(&s.lines[1]), vec![-20.0, -10.0]);
        assert!(s.lines[0].glyphs.iter().all(|g| close(g.y, -31.4)));
        assert!(s.lines[1].glyphs.iter().all(|g| close(g.y, -2.6)));
        assert_box(&s, -28.8, 28.8, -20.0, 20.0);

        let s = shape("aaaa\nbb", &opts(Anchor::Center, Justify::Right));
        assert_eq!(xs(&s.lines[0]), vec![-20.0, -10.0, 0.0, 10.0]);
        assert_eq!(xs(&s.lines[1]), vec![0.0, 10.0]);

        // A newline breaks even without line breaking (line placement).
        let o = ShapeOptions { max_width: 0.0, ..opts(Anchor::Center, Justify::Center) };
        let s = shape("aaaa\nbb", &o);
        assert_eq!(s.lines.len(), 2);
        assert_eq!(xs(&s.lines[1]), vec![-10.0, 0.0]);
    }

    #[test]
    fn long_phrase_breaks_into_balanced_lines() {
        let o = ShapeOptions { max_width: 100.0, ..ShapeOptions::default() };
        let s = shape("aaaa bbbb cccc dddd", &o);
        assert_eq!(s.lines.len(), 2);
        assert_eq!(text_of(&s.lines[0]), "aaaa bbbb");
        assert_eq!(text_of(&s.lines[1]), "cccc dddd");
        // Both 85 px wide (space 5), centred.
        assert_eq!(s.lines[0].glyphs[0].x, -42.5);
        assert_eq!(s.lines[1].glyphs[0].x, -42.5);
        assert_eq!(s.lines[0].glyphs[5].x, 2.5);
        // Without max width, one line.
        let o = ShapeOptions { max_width: 0.0, ..ShapeOptions::default() };
        assert_eq!(shape("aaaa bbbb cccc dddd", &o).lines.len(), 1);
    }

    #[test]
    fn letter_spacing_is_trimmed_at_line_end() {
        let o = ShapeOptions { spacing: 2.0, ..opts(Anchor::Left, Justify::Left) };
        let s = shape("abc", &o);
        assert_eq!(xs(&s.lines[0]), vec![0.0, 12.0, 24.0]);
        assert_box(&s, -14.4, 14.4, 0.0, 34.0);
        let s = shape("abc", &ShapeOptions { spacing: 2.0, ..ShapeOptions::default() });
        assert_eq!(xs(&s.lines[0]), vec![-17.0, -5.0, 7.0]);
    }

    #[test]
    fn text_offset_moves_the_box_only() {
        let s = shape("abc", &ShapeOptions { translate: [24.0, -12.0], ..ShapeOptions::default() });
        assert_eq!(xs(&s.lines[0]), vec![-15.0, -5.0, 5.0]);
        assert!(s.glyphs().all(|g| g.y == -17.0));
        assert_box(&s, -26.4, 2.4, 9.0, 39.0);
    }

    #[test]
    fn ideographs_break_without_spaces() {
        let o = ShapeOptions { max_width: 30.0, ..opts(Anchor::Left, Justify::Left) };
        let s = shape("一二三四五六", &o);
        assert_eq!(s.lines.len(), 2);
        assert_eq!(text_of(&s.lines[0]), "一二三");
        assert_eq!(xs(&s.lines[1]), vec![0.0, 10.0, 20.0]);
        assert!(close(s.lines[1].glyphs[0].y - s.lines[0].glyphs[0].y, 28.8));
    }

    #[test]
    fn right_to_left_is_reversed_and_digits_kept() {
        let s = shape("שלום 123", &opts(Anchor::Left, Justify::Left));
        assert_eq!(text_of(&s.lines[0]), "123 םולש");
        assert_eq!(xs(&s.lines[0]), vec![0.0, 10.0, 20.0, 30.0, 35.0, 45.0, 55.0, 65.0]);
        // Latin then Hebrew in a left-to-right paragraph.
        let s = shape("ab שלום", &opts(Anchor::Left, Justify::Left));
        assert_eq!(text_of(&s.lines[0]), "ab םולש");
    }

    #[test]
    fn arabic_takes_contextual_forms_and_is_drawn_right_to_left() {
        let t = tagged("سلام");
        assert_eq!(t.chars, vec!['\u{FEB3}', '\u{FEFC}', '\u{FEE1}']);
        // Letter spacing does not apply to Arabic.
        let o = ShapeOptions { spacing: 5.0, ..opts(Anchor::Left, Justify::Left) };
        let s = shape_text(&t, &glyph_set(), &o).unwrap();
        assert_eq!(text_of(&s.lines[0]), "\u{FEE1}\u{FEFC}\u{FEB3}");
        assert_eq!(xs(&s.lines[0]), vec![0.0, 10.0, 20.0]);
    }

    #[test]
    fn vertical_mode_sets_cjk_upright_with_vertical_punctuation() {
        let o = ShapeOptions { writing_mode: WritingMode::Vertical, ..opts(Anchor::Left, Justify::Left) };
        let s = shape("中（国）", &o);
        assert_eq!(text_of(&s.lines[0]), "中︵国︶");
        assert!(s.glyphs().all(|g| g.vertical));
        assert!(s.verticalizable);
        assert_eq!(xs(&s.lines[0]), vec![0.0, 24.0, 48.0, 72.0]);
        assert_box(&s, -14.4, 14.4, 0.0, 96.0);
        // Latin stays rotated (not upright) unless vertical placement is on.
        let s = shape("中a", &o);
        assert_eq!(s.glyphs().map(|g| g.vertical).collect::<Vec<_>>(), vec![true, false]);
        assert_eq!(xs(&s.lines[0]), vec![0.0, 24.0]);
        let s = shape("中a", &ShapeOptions { allow_vertical: true, ..o.clone() });
        assert_eq!(s.glyphs().map(|g| g.vertical).collect::<Vec<_>>(), vec![true, true]);
        // Horizontal mode keeps the punctuation.
        let s = shape("中（国）", &opts(Anchor::Left, Justify::Left));
        assert_eq!(text_of(&s.lines[0]), "中（国）");
        assert!(s.glyphs().all(|g| !g.vertical));
        let t = tagged("中（国）");
        let extra: Vec<u32> = t.vertical_codepoints().map(|(_, c)| c).collect();
        assert_eq!(extra, vec!['︵' as u32, '︶' as u32]);
    }

    #[test]
    fn mixed_font_scales_share_a_baseline() {
        let f = Formatted {
            sections: vec![
                crate::style::value::FormattedSection { text: "ab".into(), ..Default::default() },
                crate::style::value::FormattedSection { text: "cd".into(), scale: Some(2.0), font_stack: Some("B".into()), ..Default::default() },
            ],
        };
        let t = prepare_text(&f, TextTransform::None, "A");
        assert_eq!(t.section_of, vec![0, 0, 1, 1]);
        let s = shape_text(&t, &glyph_set(), &ShapeOptions::default()).unwrap();
        assert_eq!(xs(&s.lines[0]), vec![-30.0, -20.0, -10.0, 10.0]);
        let ys: Vec<f32> = s.glyphs().map(|g| g.y).collect();
        assert!(close(ys[0], -4.8) && close(ys[1], -4.8) && close(ys[2], -28.8) && close(ys[3], -28.8), "{ys:?}");
        assert_eq!(s.lines[0].line_offset, 24.0);
        assert_eq!(s.glyphs().map(|g| g.scale).collect::<Vec<_>>(), vec![1.0, 1.0, 2.0, 2.0]);
        assert_box(&s, -28.8, 28.8, -30.0, 30.0);
    }

    #[test]
    fn missing_glyphs_are_skipped_and_blank_text_is_none() {
        let s = shape("a\u{1234}b", &opts(Anchor::Left, Justify::Left));
        assert_eq!(xs(&s.lines[0]), vec![0.0, 10.0]);
        assert!(shape_text(&tagged("  "), &glyph_set(), &ShapeOptions::default()).is_none());
        assert!(shape_text(&tagged("\u{1234}"), &glyph_set(), &ShapeOptions::default()).is_none());
    }

    #[test]
    fn long_text_is_truncated() {
        let s: String = "a".repeat(MAX_TEXT_CHARS + 50);
        assert_eq!(tagged(&s).chars.len(), MAX_TEXT_CHARS);
    }

    #[test]
    fn real_glyphs_advance_by_their_metrics() {
        let Some(dir) = crate::test_support::shared_dir() else {
            eprintln!("skipped: no shared dir");
            return;
        };
        let stack = "Open Sans Semibold,Arial Unicode MS Bold";
        let path = dir.join("conformance/assets/glyphs").join(stack).join("0-255.pbf");
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("skipped: {} missing", path.display());
            return;
        };
        let range = crate::text::pbf::decode_range(&bytes, 0).expect("decodes");
        let map: GlyphMap = range.glyphs.into_iter().map(|g| (g.id, Arc::new(g))).collect();
        let sum: u32 = "Test".chars().map(|c| map[&(c as u32)].metrics.advance).sum();
        let set = GlyphSet { stacks: HashMap::from([(stack.to_string(), Arc::new(map))]), ..Default::default() };
        let t = prepare_text(&Formatted::from_string("Test".into()), TextTransform::None, stack);
        let s = shape_text(&t, &set, &opts(Anchor::Left, Justify::Left)).unwrap();
        assert_eq!(s.lines[0].glyphs.len(), 4);
        assert_eq!(s.right - s.left, sum as f32);
        assert_eq!(s.lines[0].glyphs[0].x, 0.0);
    }
}
