//! Sources: tile cover, MVT decoding, GeoJSON tiling, TileJSON.

pub mod feature;
pub mod mvt;
