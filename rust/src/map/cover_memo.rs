//! The tiles a view needs from a source, computed once per view and cover
//! options. A map asks for them several times an update per source (to
//! request tiles, lay out labels, evict, check what is loaded), and updates
//! come with every answer; a style naming one tile set as thousands of
//! sources asks for the same cover thousands of times. Only the current
//! view's covers are kept (a new camera or size drops them), so the memo
//! holds at most one cover per distinct set of options in the style.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::map::view_key::ViewKey;
use crate::source::cover::{Capped, CoverOptions, CoveredTile};

#[derive(Default)]
pub struct CoverMemo {
    /// The view the covers are for (a different view never reuses one).
    view: ViewKey,
    /// Covers by a hash of their options (options kept to tell collisions).
    covers: HashMap<u64, Vec<(CoverOptions, Cover)>>,
}

/// A cover, and how `max_tiles` capped it ([`crate::source::cover::cover_capped`]).
pub type Cover = (Vec<CoveredTile>, Option<Capped>);

impl CoverMemo {
    /// The cover of `options` in `view`, from `cover` the first time.
    pub fn get(&mut self, view: ViewKey, options: &CoverOptions, cover: impl FnOnce() -> Cover) -> Cover {
        if view != self.view {
            self.view = view;
            self.covers.clear();
        }
        let same = self.covers.entry(key(options)).or_default();
        if let Some((_, found)) = same.iter().find(|(o, _)| o == options) {
            return found.clone();
        }
        let found = cover();
        same.push((options.clone(), found.clone()));
        found
    }
}

fn key(o: &CoverOptions) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (o.tile_size, o.min_zoom, o.max_zoom, o.round_zoom, o.world_copies, o.max_tiles).hash(&mut h);
    o.bounds.map(|b| [b.west, b.south, b.east, b.north].map(f64::to_bits)).hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::camera::Camera;
    use crate::source::feature::TileId;
    use std::cell::Cell;

    #[test]
    fn a_cover_is_computed_once_per_view_and_options() {
        let mut memo = CoverMemo::default();
        let calls = Cell::new(0);
        let tiles = |z: u8| {
            calls.set(calls.get() + 1);
            (vec![CoveredTile { id: TileId::new(z, 0, 0), overscaled_z: z, wrap: 0 }], None)
        };
        let camera = Camera { longitude: 0.0, latitude: 0.0, zoom: 3.0, bearing: 0.0, pitch: 0.0 };
        let view = |camera: &Camera, w, h| ViewKey::new(camera, w, h, 1.0, 1);
        let (a, b) = (CoverOptions::vector(0, 14), CoverOptions::vector(0, 2));
        assert_eq!(memo.get(view(&camera, 64, 64), &a, || tiles(3)).0[0].id.z, 3);
        assert_eq!(memo.get(view(&camera, 64, 64), &a, || tiles(9)).0[0].id.z, 3, "the same view and options: the memo");
        assert_eq!(memo.get(view(&camera, 64, 64), &b, || tiles(2)).0[0].id.z, 2, "other options: their own cover");
        assert_eq!(calls.get(), 2);
        // Any change of the view computes again.
        assert_eq!(memo.get(view(&camera, 64, 65), &a, || tiles(4)).0[0].id.z, 4);
        let moved = Camera { bearing: 1.0, ..camera };
        assert_eq!(memo.get(view(&moved, 64, 65), &a, || tiles(5)).0[0].id.z, 5);
        assert_eq!(calls.get(), 4);
        // Options that differ only in bounds or the tile cap are not confused.
        let bounded = CoverOptions { bounds: Some(Default::default()), ..a.clone() };
        let capped = CoverOptions { max_tiles: 7, ..a.clone() };
        assert_eq!(memo.get(view(&moved, 64, 65), &bounded, || tiles(6)).0[0].id.z, 6);
        assert_eq!(memo.get(view(&moved, 64, 65), &capped, || tiles(7)).0[0].id.z, 7);
        assert_eq!(calls.get(), 6);
    }
}
