//! The fuzz targets' entry points (one per target, in src/entries.rs).

pub mod entries;
