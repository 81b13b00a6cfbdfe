//! mapcore: renders MapLibre styles on the CPU behind a C API.
//!
//! Data flows top to bottom: `ffi` (the C boundary only) -> `runtime` (owner
//! thread, workers, events, resources) -> `map` (style, camera, still images) ->
//! `style` (style JSON, expressions) / `source` (tiles, MVT, GeoJSON) ->
//! `layout` (per-tile buckets) -> `render` (CPU painter) -> `encode` (PNG,
//! JPEG, WebP of a frame); `data` (values, colours, features) sits below
//! `style` and `source`. The runtime drives maps through its own trait
//! (`runtime::Client`), so it does not import `map`.
//! No room imports another in a circle (tests/module_graph.rs).
//! Engine modules never see C types; `ffi` never holds map logic.

pub mod data;
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
