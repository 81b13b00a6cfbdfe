//! Style specification v8: style JSON -> typed sources and layers; property
//! values; the expression language.

pub mod color;
pub mod expression;
pub mod filter;
pub mod function;
pub mod property;
pub mod spec;
pub mod value;
