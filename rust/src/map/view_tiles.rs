//! The bytes of the view's tiles, bounded over all its sources. Each source
//! requests at most `max_tiles_per_source` tiles per view, and each tile is
//! held to `max_resource_bytes` and the per-tile feature and vertex limits;
//! nothing bounded their sum over sources, so a style naming one tile set
//! as 2,000 sources (600 KB of style) made a 1.9 GB process. Now a view's
//! tiles (their raw bytes while they decode, an image at the pixels its
//! header declares, then their decoded bytes)
//! hold at most [`budget`] bytes together: a tile that would pass it is not
//! kept (its slot fails, and a warning names the source and the bound),
//! and is asked for again when the view changes (camera, size or style).
//! Sources are asked for their tiles in the order the style's layers first
//! use them, so the first sources' tiles usually come first, but which
//! tiles pass depends on the order their answers come in; a style within
//! the bound loses none.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::cache::{slot_bytes, TileUse};
use super::sources::{SourceState, TileSlot};
use super::view_key::ViewKey;
use crate::runtime::Limits;
use crate::source::feature::TileId;

/// The view's tiles hold at most this many bytes: four resources of
/// `max_resource_bytes` (256 MiB by default), at least [`MIN_BUDGET`]. The
/// Berlin demo's tile decodes to about 0.6 MB for its building and road
/// layers: a view holds hundreds of such tiles before the bound.
pub fn budget(limits: &Limits) -> u64 {
    limits.max_resource_bytes.saturating_mul(4).max(MIN_BUDGET)
}

/// A small `max_resource_bytes` (a tile server's) leaves views this much.
pub const MIN_BUDGET: u64 = 16 << 20;

#[derive(Default)]
pub struct ViewTiles {
    /// Decoded bytes of the slots the current view needs.
    held: u64,
    /// Raw bytes of tiles being decoded, by tile, and their sum.
    decoding: HashMap<(String, TileId), u64>,
    decoding_total: u64,
    /// Tiles refused by the bound: asked for again when the view changes
    /// (another view may have room; the same one would refuse them again).
    refused: BTreeSet<(String, TileId)>,
    /// The view they were refused in.
    view: ViewKey,
    /// A refusal was warned about (until the view changes).
    warned: bool,
}

/// What [`ViewTiles::admit`] decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Admit {
    Yes,
    /// Refused; `warn` for the view's first refusal, with the bytes the
    /// view's tiles would have held.
    No { warn: Option<u64> },
}

impl ViewTiles {
    /// When `view` changed since the last update, the refused tiles' slots
    /// go, so this update asks for them again.
    pub fn retry(&mut self, sources: &mut BTreeMap<String, SourceState>, view: ViewKey) {
        if std::mem::replace(&mut self.view, view) == view {
            return;
        }
        for (source, tile) in std::mem::take(&mut self.refused) {
            if let Some(state) = sources.get_mut(&source) {
                if matches!(state.slots.get(&tile), Some(TileSlot::Failed)) {
                    state.slots.remove(&tile);
                }
            }
        }
        self.warned = false;
    }

    /// Counts the bytes of the slots the current view needs (after the
    /// update that marked them).
    pub fn recount(&mut self, sources: &BTreeMap<String, SourceState>, used: &TileUse) {
        // Only tiles still loading decode (a source replaced by a new style
        // gives nothing back).
        self.decoding.retain(|(source, tile), _| matches!(sources.get(source).and_then(|s| s.slots.get(tile)), Some(TileSlot::Loading)));
        self.decoding_total = self.decoding.values().sum();
        self.held = used.current().filter_map(|(source, tile)| sources.get(source)?.slots.get(&tile)).map(slot_bytes).sum();
    }

    /// Whether a tile of `bytes` more (raw when `decoding`, else decoded)
    /// fits; a decoded tile first gives back its raw bytes. Counted when it does.
    pub fn admit(&mut self, source: &str, tile: TileId, bytes: u64, decoding: bool, budget: u64) -> Admit {
        self.release(source, tile);
        let total = self.held.saturating_add(self.decoding_total).saturating_add(bytes);
        if total > budget {
            self.refused.insert((source.to_string(), tile));
            let first = !std::mem::replace(&mut self.warned, true);
            return Admit::No { warn: first.then_some(total) };
        }
        if decoding {
            self.decoding.insert((source.to_string(), tile), bytes);
            self.decoding_total += bytes;
        } else {
            self.held += bytes;
        }
        Admit::Yes
    }

    /// A tile's decode ended without a tile (an error, a failed job).
    pub fn release(&mut self, source: &str, tile: TileId) {
        if let Some(b) = self.decoding.remove(&(source.to_string(), tile)) {
            self.decoding_total -= b;
        }
    }
}

/// The warning for the view's first refused tile.
pub fn warning(source: &str, tile: TileId, total: u64, budget: u64) -> String {
    format!(
        "source \"{source}\": tile {}/{}/{} is not loaded, nor the view's tiles past it: the view's tiles would hold {} KB, \
         over the bound of {} KB on a view's tiles over all sources (four times max_resource_bytes, a runtime option, at least 16 MiB)",
        tile.z,
        tile.x,
        tile.y,
        total >> 10,
        budget >> 10
    )
}

/// Bytes a slot adds to the view, if it holds a tile.
pub fn kept_bytes(slot: &TileSlot) -> Option<u64> {
    matches!(slot, TileSlot::Ready(..) | TileSlot::Image(_)).then(|| slot_bytes(slot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_past_the_bound_are_refused_and_warned_once_per_view() {
        let mut v = ViewTiles::default();
        let t = |x| TileId::new(1, x, 0);
        assert_eq!(v.admit("a", t(0), 60, true, 100), Admit::Yes);
        // Raw bytes count while decoding: 60 + 50 > 100.
        assert_eq!(v.admit("a", t(1), 50, true, 100), Admit::No { warn: Some(110) });
        assert_eq!(v.admit("b", t(2), 50, true, 100), Admit::No { warn: None }, "one warning per view");
        // Decoded, the first tile gives back its raw bytes: 30 held.
        assert_eq!(v.admit("a", t(0), 30, false, 100), Admit::Yes);
        assert_eq!(v.admit("b", t(1), 70, false, 100), Admit::Yes);
        assert_eq!(v.admit("b", t(2), 1, false, 100), Admit::No { warn: None });
        // A decode that fails gives its raw bytes back.
        let mut v = ViewTiles::default();
        assert_eq!(v.admit("a", t(0), 90, true, 100), Admit::Yes);
        v.release("a", t(0));
        assert_eq!(v.admit("a", t(1), 90, true, 100), Admit::Yes);
    }
}
