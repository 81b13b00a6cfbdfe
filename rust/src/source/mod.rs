//! Sources: tile cover, MVT decoding, GeoJSON tiling, TileJSON.

pub mod feature;
pub mod mvt;
pub mod tilejson;
pub mod url;
pub mod transform;
pub mod cover;
pub mod geojson;
