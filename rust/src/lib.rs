//! mapcore: renders MapLibre styles on the CPU behind a C API.
//!
//! Data flows top to bottom: `ffi` (the C boundary only) -> `runtime` (owner
//! thread, workers, events, resources) -> `map` (style, camera, still images) ->
//! `style` (style JSON, expressions) / `source` (tiles, MVT, GeoJSON) ->
//! `layout` (per-tile buckets) -> `render` (CPU painter) -> `encode` (PNG,
//! JPEG, WebP of a frame).
//! Engine modules never see C types; `ffi` never holds map logic.

pub mod encode;
pub mod ffi;
pub mod layout;
pub mod map;
pub mod query;
pub mod render;
pub mod runtime;
pub mod source;
pub mod style;
pub mod symbol;
pub mod text;

#[cfg(test)]
mod test_support;
