//! CPU painter: rasterizes a display list into premultiplied RGBA pixels.

pub mod display_list;
