//! Symbols: per-tile symbol layout (anchors, shaped text, glyph quads,
//! collision features) and per-frame placement (collision grid, cross-tile
//! duplicate suppression). A symbol is an optional icon and an optional text
//! sharing one anchor and one collision pass.
//!
//! One file per stage:
//! * layout (per tile, on workers): `layout` (features to symbol instances),
//!   `bounds` (how many symbols a tile and a view lay out), `bytes` (what a
//!   tile's layout holds, for the tile cache),
//!   `merge_lines` (road pieces joined before labels go along them),
//!   `anchors` (anchors along lines, max-angle check), `polylabel` (polygon
//!   label points), `quads` (glyph quads around the anchor),
//!   `variable_anchor` (the anchors a point label may take), `repeat` (same
//!   text no closer than half the spacing along lines);
//! * placement (per frame, owner thread): `placement` (order, collision,
//!   draw commands), `grid` (the viewport collision grid), `along_line`
//!   (glyphs along projected lines, keep-upright), `line_circles` (a line
//!   label's collision circles, laid out along its line and picked per
//!   frame).

pub mod along_line;
pub mod anchors;
pub mod bounds;
pub mod bytes;
pub mod grid;
pub mod layout;
pub mod line_circles;
pub mod merge_lines;
pub mod placement;
pub mod polylabel;
pub mod quads;
pub mod repeat;
pub mod variable_anchor;
pub mod icon;
