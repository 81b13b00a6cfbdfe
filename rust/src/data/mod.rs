//! The data model shared by the style language and the sources, below both:
//! values, colours, features and tile ids.

pub mod color;
pub mod feature;
pub mod number;
pub mod value;
