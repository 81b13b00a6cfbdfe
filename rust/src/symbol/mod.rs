//! Symbols: per-tile symbol layout (anchors, shaped text, glyph quads,
//! collision features) and per-frame placement (collision grid, cross-tile
//! duplicate suppression). A symbol is an optional icon and an optional text
//! sharing one anchor and one collision pass.

pub mod along_line;
pub mod anchors;
pub mod collision_circles;
