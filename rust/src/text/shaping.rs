//! Shaping: a formatted string and its glyphs to positioned glyphs, the way
//! MapLibre shapes text from glyph PBFs (one glyph per codepoint, advances
//! from the metrics).
//!
//! [`prepare_text`] applies `text-transform` and Arabic contextual forms to the
//! evaluated `text-field` (so that the glyph ranges are known before
//! shaping); [`shape_text`] breaks lines, orders bidi runs and positions the
//! glyphs around the anchor.
//!
//! Coordinates are in px at [`ONE_EM`] (24 px) units, x right, y down, the
//! origin at the symbol's anchor point; `text-size` scales them later.

use crate::style::color::Color;
use crate::style::value::Formatted;

use super::glyph::{GlyphSet, ONE_EM};

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

/// Text ready to shape: characters with their section.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaggedText {
    pub chars: Vec<char>,
    /// For each char, its index in `sections`.
    pub section_of: Vec<u16>,
    pub sections: Vec<TextSection>,
}

impl TaggedText {
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The codepoints each font stack needs (for glyph range requests).
    pub fn codepoints(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        self.chars.iter().zip(&self.section_of).map(|(c, s)| (self.sections[*s as usize].font_stack.as_str(), *c as u32))
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
/// Arabic letters in their contextual forms, sections without a font stack
/// given `default_stack`.
pub fn prepare_text(text: &Formatted, transform: TextTransform, default_stack: &str) -> TaggedText {
    let mut out = TaggedText::default();
    for section in &text.sections {
        if section.image.is_some() && section.text.is_empty() {
            continue;
        }
        let index = out.sections.len().min(u16::MAX as usize) as u16;
        out.sections.push(TextSection {
            font_stack: section.font_stack.clone().unwrap_or_else(|| default_stack.to_string()),
            scale: section.scale.unwrap_or(1.0) as f32,
            color: section.text_color,
        });
        let s = match transform {
            TextTransform::None => section.text.clone(),
            TextTransform::Uppercase => section.text.to_uppercase(),
            TextTransform::Lowercase => section.text.to_lowercase(),
        };
        for c in s.chars() {
            out.chars.push(c);
            out.section_of.push(index);
        }
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
    /// `text-letter-spacing` x 24.
    pub spacing: f32,
    /// `text-offset` x 24.
    pub translate: [f32; 2],
    pub writing_mode: WritingMode,
    /// Whether vertical placement may be used (line placement of CJK).
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

/// A glyph placed by shaping. `x` is the pen position, `y` the top of the
/// line box (the glyph's `top` metric is measured from a baseline 17 px
/// below it, as in MapLibre's shaping), both before `text-size` scaling.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionedGlyph {
    pub glyph: u32,
    pub x: f32,
    pub y: f32,
    /// Rotated 90° for vertical text.
    pub vertical: bool,
    /// Index of the section (font stack, scale, colour) in the tagged text.
    pub section: u16,
    /// The section's `font-scale`.
    pub scale: f32,
}

/// One line of shaped text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShapedLine {
    pub glyphs: Vec<PositionedGlyph>,
    /// Vertical offset of the line (MapLibre's `lineOffset`, for mixed sizes).
    pub line_offset: f32,
}

/// Shaped text: its lines and its box around the anchor.
#[derive(Clone, Debug, PartialEq)]
pub struct Shaping {
    pub lines: Vec<ShapedLine>,
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
    pub writing_mode: WritingMode,
}

impl Shaping {
    pub fn glyphs(&self) -> impl Iterator<Item = &PositionedGlyph> {
        self.lines.iter().flat_map(|l| l.glyphs.iter())
    }
}

/// MapLibre's baseline: glyph tops are measured from 17 px below the line top.
pub const BASELINE_OFFSET: f32 = -17.0;

/// Shapes `text` with the glyphs in `glyphs` (characters without a glyph are
/// skipped). None when nothing is left to draw.
///
/// This first version lays every character on one line; line breaking,
/// bidi and vertical text come with the full shaper.
pub fn shape_text(text: &TaggedText, glyphs: &GlyphSet, opts: &ShapeOptions) -> Option<Shaping> {
    let mut line = ShapedLine::default();
    let mut x = 0.0f32;
    for (c, s) in text.chars.iter().zip(&text.section_of) {
        let section = &text.sections[*s as usize];
        let Some(g) = glyphs.get(&section.font_stack, *c as u32) else { continue };
        line.glyphs.push(PositionedGlyph { glyph: *c as u32, x, y: 0.0, vertical: false, section: *s, scale: section.scale });
        x += g.metrics.advance as f32 * section.scale + opts.spacing;
    }
    if line.glyphs.is_empty() {
        return None;
    }
    let width = (x - opts.spacing).max(0.0);
    let height = opts.line_height;
    let (h, v) = opts.anchor.align();
    let (dx, dy) = (-width * h + opts.translate[0], -height * v + opts.translate[1] + (opts.line_height - ONE_EM) * 0.0);
    for g in &mut line.glyphs {
        g.x += dx;
        g.y += dy + BASELINE_OFFSET - BASELINE_OFFSET;
    }
    Some(Shaping {
        lines: vec![line],
        top: dy,
        bottom: dy + height,
        left: dx,
        right: dx + width,
        writing_mode: WritingMode::Horizontal,
    })
}
