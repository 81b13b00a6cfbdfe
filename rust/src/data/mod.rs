//! The data model shared by the style language and the sources, below both:
//! values, colours, features and tile ids, and the 3x3 matrices of
//! homogeneous 2D transforms.

pub mod color;
pub mod feature;
pub mod matrix;
pub mod number;
pub mod value;
