//! What a tile's symbol layout holds in memory, for the tile cache's byte
//! bound: each symbol, and once each the parts its anchors share (glyph
//! quads, tagged text, the line it follows, icon pieces). Glyph bitmaps and
//! icon images belong to the glyph and image stores, not to the tile.

use std::collections::HashSet;
use std::mem::size_of;

use super::icon::IconPiece;
use super::layout::{LayerSymbols, SymbolInstance, SymbolTile};
use super::quads::GlyphQuad;

/// Bytes `tile`'s layout holds (within a small factor of its allocations).
pub fn layout_bytes(tile: &SymbolTile) -> u64 {
    let mut seen = HashSet::new();
    let mut n = size_of::<SymbolTile>();
    for layer in &tile.layers {
        n += size_of::<LayerSymbols>() + layer.layer.len() + layer.source_layer.len();
        n += layer.symbols.iter().map(|s| symbol_bytes(s, &mut seen)).sum::<usize>();
    }
    n as u64
}

/// A symbol's own bytes, and the shared parts not in `seen` yet (by address).
fn symbol_bytes(s: &SymbolInstance, seen: &mut HashSet<usize>) -> usize {
    let mut once = |addr: *const u8, bytes: usize| if seen.insert(addr as usize) { bytes } else { 0 };
    let quads = |q: &[GlyphQuad]| size_of_val(q);
    let mut n = size_of::<SymbolInstance>();
    n += once(s.key.as_ptr(), s.key.len());
    if let Some((line, _)) = &s.line {
        n += once(line.as_ptr().cast(), size_of_val(&line[..]));
    }
    if let Some(text) = &s.text {
        n += once(text.quads.as_ptr().cast(), quads(&text.quads));
        if let Some(v) = &text.vertical {
            n += once(v.as_ptr().cast(), quads(v));
        }
        if let Some(v) = &text.variable {
            n += once(std::sync::Arc::as_ptr(v).cast(), size_of_val(&v.anchors[..]) + v.justified.iter().map(|(_, q)| size_of_val(q) + 16).sum::<usize>());
            for (_, q) in &v.justified {
                n += once(q.as_ptr().cast(), quads(q));
            }
        }
        let t = &text.tagged;
        n += once(std::sync::Arc::as_ptr(t).cast(), t.chars.len() * 8 + t.section_of.len() * 2 + t.unformed.len() * 6 + t.sections.iter().map(|s| 48 + s.font_stack.len()).sum::<usize>());
    }
    if let Some(icon) = &s.icon {
        n += once(icon.pieces.as_ptr().cast(), icon.pieces.len() * size_of::<IconPiece>());
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbol::layout::Placement;

    fn instance(key: &str, line: Option<std::sync::Arc<Vec<[f32; 2]>>>) -> SymbolInstance {
        SymbolInstance { anchor: [0.0, 0.0], angle: 0.0, line: line.map(|l| (l, 0)), feature: 0, text: None, icon: None, sort_key: 0.0, key: key.into() }
    }

    #[test]
    fn shared_parts_count_once_and_symbols_each() {
        let line = std::sync::Arc::new(vec![[0.0f32, 0.0]; 1000]);
        let one = instance("Main Street", Some(line.clone()));
        let layer = |symbols: Vec<SymbolInstance>| SymbolTile {
            layers: vec![LayerSymbols { layer: "l".into(), source_layer: "s".into(), placement: Placement::Line, symbols, truncated: false }],
            ..SymbolTile::default()
        };
        let single = layout_bytes(&layer(vec![one.clone()]));
        assert!(single >= 8000, "the line's 8,000 bytes count: {single}");
        // Ten anchors on one line share it (and their key): ten symbols' own bytes more, not ten lines.
        let ten = layout_bytes(&layer(vec![one.clone(); 10]));
        assert_eq!(ten - single, 9 * size_of::<SymbolInstance>() as u64);
        // Ten lines of their own count ten times.
        let own: Vec<_> = (0..10).map(|_| instance("Main Street", Some(std::sync::Arc::new(vec![[0.0f32, 0.0]; 1000])))).collect();
        assert!(layout_bytes(&layer(own)) >= 10 * 8000);
    }
}
