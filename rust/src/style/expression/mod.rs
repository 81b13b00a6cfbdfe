//! The expression language: parsed and type-checked once, evaluated per
//! feature and zoom.
