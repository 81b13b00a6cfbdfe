//! The data model shared by the style language and the sources, below both:
//! values, colours, features and tile ids, the 3x3 matrices of
//! homogeneous 2D transforms, and JSON read under a memory bound.

pub mod color;
pub mod feature;
pub mod json;
pub mod matrix;
pub mod number;
pub mod value;
