//! The tile layouts a map keeps: for each loaded tile (source, data tile,
//! overscaled zoom, like the symbol layouts) the layouts of the style layers
//! that drew it. Made on first use and kept with the tile (their bytes count
//! with the tile's in the tile cache's budget): dropped when the tile is
//! evicted, when its data is replaced, and all at once when the style
//! changes (a new style or any runtime edit makes a new `Arc<Style>`).

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use super::tile_layout::LayerLayout;
use crate::source::cover::CoveredTile;
use crate::source::feature::{TileData, TileId, TileLayer};
use crate::style::Style;

/// Key of a tile's layouts: source, data tile, overscaled zoom.
pub type TileKey = (String, TileId, u8);

struct TileEntry {
    /// The data the layouts were made from (weak: the tile cache owns it;
    /// held, its address is not reused, so a replaced tile is recognised).
    data: Weak<TileData>,
    /// By the layer's index in the style.
    layers: HashMap<usize, Arc<LayerLayout>>,
}

#[derive(Default)]
pub struct TileLayouts {
    /// The style the layouts were made for.
    style: Weak<Style>,
    tiles: HashMap<TileKey, TileEntry>,
    /// Layer layouts made so far (for tests and statistics).
    built: u64,
}

impl TileLayouts {
    /// The layout of layer `index` of `style` over `tile_layer` of `data`
    /// (the tile `covered` of `source`), made now if it is not kept.
    pub fn get_or_build(
        &mut self,
        style: &Arc<Style>,
        index: usize,
        source: &str,
        covered: &CoveredTile,
        data: &Arc<TileData>,
        tile_layer: &TileLayer,
    ) -> Option<Arc<LayerLayout>> {
        let layer = style.layers.get(index)?;
        self.set_style(style);
        let key = (source.to_string(), covered.id, covered.overscaled_z);
        let entry = self.tiles.entry(key).or_insert_with(|| TileEntry { data: Arc::downgrade(data), layers: HashMap::new() });
        if !std::ptr::eq(entry.data.as_ptr(), Arc::as_ptr(data)) {
            *entry = TileEntry { data: Arc::downgrade(data), layers: HashMap::new() };
        }
        let built = &mut self.built;
        let layout = entry.layers.entry(index).or_insert_with(|| {
            *built += 1;
            Arc::new(LayerLayout::build(layer, covered, tile_layer))
        });
        Some(layout.clone())
    }

    /// Drops every layout unless they were made for `style`.
    pub fn set_style(&mut self, style: &Arc<Style>) {
        if !std::ptr::eq(self.style.as_ptr(), Arc::as_ptr(style)) {
            self.style = Arc::downgrade(style);
            self.tiles.clear();
        }
    }

    /// Drops the layouts of `source`'s tile `id` (every overscaled zoom).
    pub fn drop_tile(&mut self, source: &str, id: TileId) {
        self.tiles.retain(|(s, t, _), _| !(s == source && *t == id));
    }

    /// Drops the layouts of tiles whose data is gone.
    pub fn prune(&mut self) {
        self.tiles.retain(|_, e| e.data.strong_count() > 0);
    }

    /// Bytes the layouts of `source`'s tile `id` hold (every overscaled zoom).
    #[cfg(test)]
    pub fn bytes_of(&self, source: &str, id: TileId) -> u64 {
        self.tiles.iter().filter(|((s, t, _), _)| s == source && *t == id).map(|(_, e)| entry_bytes(e)).sum()
    }

    /// Bytes the layouts hold per tile (every overscaled zoom together), in
    /// one pass.
    pub fn bytes_by_tile(&self) -> HashMap<(&str, TileId), u64> {
        let mut out = HashMap::new();
        for ((s, t, _), e) in &self.tiles {
            *out.entry((s.as_str(), *t)).or_insert(0) += entry_bytes(e);
        }
        out
    }

    /// Bytes all kept layouts hold.
    #[cfg(test)]
    pub fn bytes(&self) -> u64 {
        self.tiles.values().map(entry_bytes).sum()
    }

    /// How many layer layouts were made so far.
    pub fn built(&self) -> u64 {
        self.built
    }

    /// How many layer layouts are kept.
    pub fn kept(&self) -> usize {
        self.tiles.values().map(|e| e.layers.len()).sum()
    }
}

fn entry_bytes(e: &TileEntry) -> u64 {
    e.layers.values().map(|l| l.approx_bytes()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::feature::{Feature, GeomType, Properties, TilePoint};

    fn style() -> Arc<Style> {
        let json = br#"{"version": 8, "sources": {"s": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}},
            "layers": [{"id": "f", "type": "fill", "source": "s"}, {"id": "c", "type": "circle", "source": "s"}]}"#;
        Arc::new(crate::style::parse_style(json).unwrap().style)
    }

    fn data() -> Arc<TileData> {
        let square = vec![vec![TilePoint::new(0, 0), TilePoint::new(9, 0), TilePoint::new(9, 9), TilePoint::new(0, 0)]];
        let feature = Feature { id: None, geom_type: GeomType::Polygon, geometry: square, properties: Properties::default() };
        Arc::new(TileData { layers: vec![TileLayer::new("l".into(), 4096, vec![feature])] })
    }

    #[test]
    fn layouts_are_kept_per_tile_and_layer_and_dropped_with_their_tile_data_or_style() {
        let mut cache = TileLayouts::default();
        let (s, d) = (style(), data());
        let tile = |x| CoveredTile { id: TileId::new(4, x, 5), overscaled_z: 4, wrap: 0 };
        let get = |cache: &mut TileLayouts, s: &Arc<Style>, i: usize, x: u32, d: &Arc<TileData>| {
            cache.get_or_build(s, i, "s", &tile(x), d, &d.layers[0]).unwrap()
        };
        let first = get(&mut cache, &s, 0, 1, &d);
        assert!(Arc::ptr_eq(&first, &get(&mut cache, &s, 0, 1, &d)), "kept");
        get(&mut cache, &s, 1, 1, &d);
        get(&mut cache, &s, 0, 2, &d);
        assert_eq!((cache.built(), cache.kept()), (3, 3));
        assert!(cache.get_or_build(&s, 9, "s", &tile(1), &d, &d.layers[0]).is_none(), "no such layer");
        assert!(cache.bytes_of("s", tile(1).id) > 0 && cache.bytes_of("s", tile(1).id) < cache.bytes());
        // The tile's data replaced (same key, new data): made again.
        let replaced = data();
        assert!(!Arc::ptr_eq(&first, &get(&mut cache, &s, 0, 1, &replaced)));
        assert_eq!((cache.built(), cache.kept()), (4, 2), "the old data's other layouts went too");
        // Dropped with the tile; pruned when the data is gone.
        cache.drop_tile("s", tile(2).id);
        assert_eq!(cache.kept(), 1);
        drop(replaced);
        cache.prune();
        assert_eq!(cache.kept(), 0);
        // Another style (an edit makes a new one): nothing kept is used.
        get(&mut cache, &s, 0, 1, &d);
        cache.set_style(&style());
        assert_eq!(cache.kept(), 0);
    }
}
