//! Symbols: per-tile symbol layout (anchors, shaped text, glyph quads,
//! collision features) and per-frame placement (collision grid, cross-tile
//! duplicate suppression). A symbol is an optional icon and an optional text
//! sharing one anchor and one collision pass.

pub mod anchors;
pub mod layout;
pub mod polylabel;
pub mod quads;
pub mod grid;
pub mod placement;
