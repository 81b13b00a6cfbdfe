//! The tile cache's bound: tiles the view no longer needs stay loaded (a
//! camera that comes back finds them) until their bytes (with the bytes of
//! their layer and symbol layouts) pass the runtime's `max_tile_cache_bytes`; then the
//! least recently needed go first, with the symbol and tile layouts made
//! from them. An evicted tile is requested again when a
//! view needs it.

use std::collections::HashMap;

use super::sources::{SourceState, TileSlot};
use super::symbols::{SymbolSlot, Symbols};
use crate::data::feature::{TileData, TileId};
use crate::layout::tile_cache::TileLayouts;

/// Bytes a decoded tile holds (an estimate from its parts: points,
/// properties, strings; within a small factor of the allocations).
pub fn tile_bytes(tile: &TileData) -> u64 {
    let mut n = 64u64;
    for layer in &tile.layers {
        n += 64 + layer.name.len() as u64;
        n += layer.features.iter().map(|f| f.approx_bytes()).sum::<u64>();
    }
    n
}

/// Bytes a slot holds.
pub fn slot_bytes(slot: &TileSlot) -> u64 {
    match slot {
        TileSlot::Ready(_, bytes) => *bytes,
        TileSlot::Image(i) => i.data.len() as u64 + 64,
        TileSlot::Loading | TileSlot::Empty | TileSlot::Failed => 64,
    }
}

/// When each source's tiles were last needed (a tick per map update).
#[derive(Default)]
pub struct TileUse {
    tick: u64,
    last: HashMap<(String, TileId), u64>,
}

impl TileUse {
    /// Starts an update: tiles marked from now on are the view's.
    pub fn next_tick(&mut self) {
        self.tick += 1;
    }

    /// The tiles the current view needs (marked since the last tick).
    pub fn current(&self) -> impl Iterator<Item = (&str, TileId)> + '_ {
        self.last.iter().filter(|(_, t)| **t == self.tick).map(|((s, id), _)| (s.as_str(), *id))
    }

    /// The view needs `tile` of `source`.
    pub fn mark(&mut self, source: &str, tile: TileId) {
        let tick = self.tick;
        match self.last.get_mut(&(source.to_string(), tile)) {
            Some(t) => *t = tick,
            None => {
                self.last.insert((source.to_string(), tile), tick);
            }
        }
    }

    /// Evicts the least recently needed tiles (never the current view's, nor
    /// ones still loading) until the sources' slots hold at most `budget`
    /// bytes; drops their symbol and tile layouts. Returns how many were evicted.
    pub fn evict(
        &mut self,
        sources: &mut std::collections::BTreeMap<String, SourceState>,
        symbols: &mut Symbols,
        layouts: &mut TileLayouts,
        budget: u64,
    ) -> usize {
        // Forget the use of tiles that are gone (a new style, a removed source),
        // and the layouts of tiles whose data is gone (replaced, or its source removed).
        self.last.retain(|(s, id), _| sources.get(s).is_some_and(|st| st.slots.contains_key(id)));
        layouts.prune();
        let slots: u64 = sources.values().flat_map(|state| state.slots.values()).map(slot_bytes).sum();
        // A tile's layer layouts and symbol layouts go with it.
        let mut by_tile = layouts.bytes_by_tile();
        for (tile, bytes) in symbols.bytes_by_tile() {
            *by_tile.entry(tile).or_default() += bytes;
        }
        let mut total = slots + by_tile.values().sum::<u64>();
        if total <= budget {
            return 0;
        }
        let mut candidates: Vec<(u64, u64, String, TileId)> = Vec::new();
        for (name, state) in sources.iter() {
            for (id, slot) in &state.slots {
                let last = self.last.get(&(name.clone(), *id)).copied().unwrap_or(0);
                if last != self.tick && !matches!(slot, TileSlot::Loading) {
                    candidates.push((last, slot_bytes(slot) + by_tile.get(&(name.as_str(), *id)).copied().unwrap_or(0), name.clone(), *id));
                }
            }
        }
        candidates.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut evicted = 0;
        for (_, bytes, name, id) in candidates {
            if total <= budget {
                break;
            }
            if let Some(state) = sources.get_mut(&name) {
                state.slots.remove(&id);
            }
            self.last.remove(&(name.clone(), id));
            layouts.drop_tile(&name, id);
            symbols.tiles.retain(|(s, t, _), slot| !(s == &name && *t == id && !matches!(slot, SymbolSlot::Preparing | SymbolSlot::Laying)));
            total = total.saturating_sub(bytes);
            evicted += 1;
        }
        evicted
    }
}
