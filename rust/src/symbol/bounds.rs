//! Bounds on symbol layout. A tile's symbol layers lay out their labels on a
//! worker, and every laid-out symbol is kept with the tile (its glyph quads,
//! anchor, text: a few KB). A hostile tile or a style that repeats a symbol
//! layer thousands of times could otherwise make layouts of any size, and a
//! view of many such tiles multiplies them. So:
//! * one layer lays out at most [`MAX_SYMBOLS_PER_LAYER`] symbols in a tile;
//! * a tile's symbol layers together read at most
//!   [`MAX_FEATURE_READS_PER_TILE`] features and lay out at most their
//!   tile's share of the view's symbols ([`SymbolBounds::for_view`]): the
//!   view's bound split evenly over the symbol tiles it needs, never more
//!   than [`MAX_SYMBOLS_PER_TILE`];
//! * and likewise lay out at most their share of the view's glyphs (each
//!   symbol's text quads, and its icon): a label may have 1,000 characters,
//!   and 60,000 points with such a label (a 6.7 MB style) took 4.4 GB and
//!   aborted before, where a street map's view draws 10^4 glyphs;
//! * and evaluate their expressions in at most their share of the view's
//!   expression work bound ([`crate::style::expression::fuel`]): a tile's
//!   label jobs each had the whole bound, so a view's label work grew with
//!   its tiles (5,000 image sections of a `format` over 2,000 points: 15 s
//!   over four tiles, each within the bound).
//!
//! A tile keeps the layout it was given while it stays cached (a later view
//! with fewer tiles does not lay it out again); the tile cache counts its
//! bytes ([`super::bytes`]).

use crate::style::expression::fuel::MAX_STEPS;

/// Most symbols laid out per layer and tile.
pub const MAX_SYMBOLS_PER_LAYER: usize = 65_536;
/// Most symbols laid out per tile, over all its symbol layers.
pub const MAX_SYMBOLS_PER_TILE: usize = 65_536;
/// Most features read per tile over all its symbol layers (each layer reads
/// its source layer's features to filter them): past it, the remaining
/// layers lay out nothing in that tile.
pub const MAX_FEATURE_READS_PER_TILE: usize = 1 << 20;
/// Symbols a view lays out over all its tiles: one per this many frame
/// pixels, at least [`MIN_SYMBOLS_PER_VIEW`]. The streets benchmark at
/// 1024 x 1024 lays out 372 (zoom 14) to 2,262 (zoom 18) over four tiles.
pub const PIXELS_PER_SYMBOL: u64 = 16;
pub const MIN_SYMBOLS_PER_VIEW: usize = 65_536;
/// A tile's share never falls below this (a view of very many tiles).
pub const MIN_SYMBOLS_PER_TILE_SHARE: usize = 1_024;
/// Glyphs (text quads and icons) a view lays out over all its tiles: one
/// per this many frame pixels, at least [`MIN_GLYPHS_PER_VIEW`] (a glyph of
/// 12 px text covers about 100 pixels; a frame of labels that overlap four
/// deep has one per 25).
pub const PIXELS_PER_GLYPH: u64 = 4;
pub const MIN_GLYPHS_PER_VIEW: usize = 1 << 18;
/// Most glyphs per tile, and the least share of the view's a tile gets.
pub const MAX_GLYPHS_PER_TILE: usize = 1 << 20;
pub const MIN_GLYPHS_PER_TILE_SHARE: usize = 16_384;
/// The least share of the expression work bound a tile's label jobs get (a
/// street map's whole frame takes under 10^5 steps).
pub const MIN_STEPS_PER_TILE_SHARE: u64 = 1 << 18;

/// The bounds of one tile's symbol layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SymbolBounds {
    /// Symbols over all the tile's symbol layers.
    pub symbols: usize,
    /// Features read over all the tile's symbol layers.
    pub reads: usize,
    /// Symbols of the whole view the tile's share was taken from (for
    /// messages).
    pub view: usize,
    /// Glyphs over all the tile's symbol layers, and the view's.
    pub glyphs: usize,
    pub view_glyphs: usize,
    /// Expression steps each of the tile's label jobs may take.
    pub steps: u64,
}

impl Default for SymbolBounds {
    /// A tile alone: the per-tile bounds (a small view's glyphs).
    fn default() -> SymbolBounds {
        SymbolBounds {
            symbols: MAX_SYMBOLS_PER_TILE,
            reads: MAX_FEATURE_READS_PER_TILE,
            view: MIN_SYMBOLS_PER_VIEW,
            glyphs: MIN_GLYPHS_PER_VIEW,
            view_glyphs: MIN_GLYPHS_PER_VIEW,
            steps: MAX_STEPS,
        }
    }
}

impl SymbolBounds {
    /// The symbols a `pixels`-pixel view lays out over all its tiles.
    pub fn view_symbols(pixels: u64) -> usize {
        usize::try_from(pixels / PIXELS_PER_SYMBOL).unwrap_or(usize::MAX).max(MIN_SYMBOLS_PER_VIEW)
    }

    /// One tile's bounds in a `pixels`-pixel view that needs `tiles` symbol
    /// tiles (over all its symbol sources).
    pub fn for_view(pixels: u64, tiles: usize) -> SymbolBounds {
        let view = SymbolBounds::view_symbols(pixels);
        let view_glyphs = usize::try_from(pixels / PIXELS_PER_GLYPH).unwrap_or(usize::MAX).max(MIN_GLYPHS_PER_VIEW);
        SymbolBounds {
            symbols: (view / tiles.max(1)).clamp(MIN_SYMBOLS_PER_TILE_SHARE, MAX_SYMBOLS_PER_TILE),
            reads: MAX_FEATURE_READS_PER_TILE,
            view,
            glyphs: (view_glyphs / tiles.max(1)).clamp(MIN_GLYPHS_PER_TILE_SHARE, MAX_GLYPHS_PER_TILE),
            view_glyphs,
            steps: (MAX_STEPS / tiles.max(1) as u64).clamp(MIN_STEPS_PER_TILE_SHARE, MAX_STEPS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_views_symbols_are_split_over_its_tiles() {
        // One tile of a small view has the whole per-tile bound.
        assert_eq!(SymbolBounds::for_view(512 * 512, 1), SymbolBounds::default());
        // Four tiles of a 1024 x 1024 view share the view's minimum.
        assert_eq!(SymbolBounds::for_view(1024 * 1024, 4).symbols, MIN_SYMBOLS_PER_VIEW / 4);
        // A poster scales with its pixels, never past the per-tile bound.
        assert_eq!(SymbolBounds::view_symbols(4096 * 4096), 4096 * 4096 / 16);
        assert_eq!(SymbolBounds::for_view(4096 * 4096, 8).symbols, MAX_SYMBOLS_PER_TILE);
        assert_eq!(SymbolBounds::for_view(4096 * 4096, 64).symbols, 4096 * 4096 / 16 / 64);
        // Glyphs likewise.
        assert_eq!(SymbolBounds::for_view(1024 * 1024, 4).glyphs, MIN_GLYPHS_PER_VIEW / 4);
        assert_eq!(SymbolBounds::for_view(4096 * 4096, 8).glyphs, 4096 * 4096 / 4 / 8);
        assert_eq!(SymbolBounds::for_view(4096 * 4096, 10_000).glyphs, MIN_GLYPHS_PER_TILE_SHARE);
        // The expression work bound likewise, whatever the pixels.
        assert_eq!(SymbolBounds::for_view(1024 * 1024, 4).steps, MAX_STEPS / 4);
        assert_eq!(SymbolBounds::for_view(1024 * 1024, 10_000).steps, MIN_STEPS_PER_TILE_SHARE);
        // Very many tiles: the floor.
        assert_eq!(SymbolBounds::for_view(512 * 512, 1000).symbols, MIN_SYMBOLS_PER_TILE_SHARE);
        // Zero tiles is one tile, and reads stay the per-tile bound.
        assert_eq!(SymbolBounds::for_view(0, 0), SymbolBounds::default());
        assert_eq!(SymbolBounds::for_view(u64::MAX, 3).reads, MAX_FEATURE_READS_PER_TILE);
        // The view's total is kept for messages.
        assert_eq!(SymbolBounds::for_view(4096 * 4096, 64).view, 4096 * 4096 / 16);
    }
}
