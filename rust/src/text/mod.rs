//! Text: from font stacks and strings to shaped glyph runs.
//!
//! * [`glyph`]: glyph metrics and SDF bitmaps (24 px glyphs with a 3 px buffer),
//!   the glyph ranges a string needs, and a font stack's glyph set.
//! * [`font`]: local fonts (bundled Noto Sans, host fonts): faces, `text-font`
//!   matching, a glyph cache; [`sdf_gen`] renders their glyphs as SDFs with
//!   the PBFs' metrics.
//! * [`pbf`]: decoding a glyph PBF range (glyphs.proto) with bounded work.
//! * [`shaping`]: MapLibre's per-codepoint shaping: line breaking, justification,
//!   anchors, letter spacing, vertical writing mode; bidi and Arabic forms
//!   come before it (`bidi`, `arabic`), line breaking in `linebreak`.
//! * [`local_shaping`]: HarfBuzz's shaping rules (rustybuzz) for text drawn
//!   from local fonts: complex scripts, bidi runs, UAX #14 line breaks
//!   between clusters; glyphs keyed by (face, glyph id).
//! * [`script`]: character classes (breaking, vertical orientation, vertical
//!   punctuation, complex scripts).
//!
//! Nothing here touches maps, tiles or C types: the symbol layout (`symbol/`)
//! asks for shapings, the map loads the ranges through the resource loader.

pub mod glyph;
pub mod font;
pub mod sdf_gen;
pub mod pbf;
pub mod shaping;
pub mod local_shaping;
pub mod arabic;
pub mod bidi;
pub mod linebreak;
pub mod script;
