//! The C boundary only: argument checks, handles, owner-thread storage,
//! status + diagnostics, and the panic guard. No map logic lives here.
//! Every function is declared in include/mapcore/*.h.

mod args;
mod guard;
mod handles;
mod log;
mod owner;
pub mod types;

pub mod archive;
pub mod base;
pub mod buffers;
pub mod map;
pub mod query;
pub mod render;
pub mod resource;
pub mod runtime;
pub mod style;
