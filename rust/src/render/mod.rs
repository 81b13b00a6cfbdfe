//! CPU painter: rasterizes a display list into premultiplied RGBA pixels.
//!
//! Public API:
//! * [`rasterize`]`(&DisplayList, threads) -> Image`: draws the commands in
//!   order with source-over into a transparent premultiplied RGBA8 image, in
//!   parallel horizontal bands; the bytes are identical for any thread count.
//! * [`pixelmatch::pixelmatch`]: perceptual image comparison for render tests.
//! * [`png_io`]: PNG encode/decode, premultiply/unpremultiply.
//!
//! Inside: `rasterize` splits the target into bands and runs the painters
//! (`fill`, `line`, `circle`) per band; sharp geometry becomes band-local
//! line contours (`band_path`, which is what makes banding deterministic) and
//! is filled through the `backend`: anti-aliased fills by the exact-area
//! coverage rasterizer (`coverage`), aliased fills and clip masks by
//! tiny-skia; stroke outlines come from `stroke` (tiny-skia's stroker);
//! circles and blurred lines are shaded per pixel with MapLibre's shader
//! maths (`composite`); pattern paint (`background-pattern`, `fill-pattern`)
//! is sampled per pixel through the command's device-to-texel matrix
//! (`pattern`) and composited through the same coverage; raster images
//! (`raster` layers) are sampled the same way with clamp-to-edge addressing
//! and MapLibre's raster colour adjustments over the pixels whose centres lie
//! in their quad (`raster`).

pub mod display_list;
pub mod image;
pub mod pixelmatch;
pub mod png_io;
pub mod rasterize;

mod backend;
mod heatmap;
mod hillshade;
mod band_path;
mod circle;
mod composite;
mod coverage;
mod extrusion;
mod fill;
mod geom;
mod ground;
mod line;
mod outline;
mod pattern;
mod raster;
mod icon;
mod sdf;
mod textured;
mod stroke;
pub mod work;

pub use image::Image;
pub use rasterize::{rasterize, rasterize_in_bands, rasterize_prepared, Prepared};

#[cfg(test)]
mod tests;
