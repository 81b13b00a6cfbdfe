//! CPU painter: rasterizes a display list into premultiplied RGBA pixels.
//!
//! `rasterize` draws a [`display_list::DisplayList`] into an [`image::Image`];
//! `pixelmatch` compares images like the render-test suites do; `png_io`
//! encodes/decodes PNG and converts between straight and premultiplied alpha.

pub mod display_list;
pub mod image;
pub mod pixelmatch;
pub mod png_io;
pub mod rasterize;

mod backend;
mod band_path;
mod circle;
mod composite;
mod fill;
mod geom;
mod line;

pub use image::Image;
pub use rasterize::rasterize;

#[cfg(test)]
mod tests;
