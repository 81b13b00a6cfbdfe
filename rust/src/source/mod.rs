//! Sources: the camera, tile cover, MVT decoding, GeoJSON tiling, TileJSON and
//! tile URLs.
//!
//! * [`feature`]: the shared decoded-tile types (`TileData`, `Feature`, `TileId`, ...).
//! * [`mvt`]: Mapbox Vector Tile 2.1 decoding (`decode_tile`), gzip-aware, hostile-input safe.
//! * [`geojson`]: GeoJSON parsing and geojson-vt style on-demand tiling (`GeoJsonIndex`).
//! * [`transform`]: the Web Mercator camera (`Transform`), screen <-> lng/lat, per-tile matrices.
//! * [`cover`]: which tiles to load and draw for a camera (`cover`).
//! * [`tilejson`]: TileJSON parsing; [`url`]: tile URL templates, schemes and bounds.

pub mod archive;
pub mod cover;
pub use crate::data::feature;
pub mod dem;
pub mod geojson;
pub mod mvt;
pub mod raster;
pub mod tilejson;
pub mod transform;
pub mod url;

pub use cover::{cover, CoverOptions, CoveredTile};
pub use feature::{Feature, GeomType, Properties, TileData, TileId, TileLayer, TilePoint};
pub use geojson::{GeoJsonIndex, GeoJsonOptions, GEOJSON_LAYER};
pub use mvt::{decode_tile, DecodeError};
pub use tilejson::TileJson;
pub use transform::{TileMatrix, Transform};
pub use url::{tile_url, Scheme, TileBounds};
