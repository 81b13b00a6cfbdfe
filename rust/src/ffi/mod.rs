//! The C boundary only: argument checks, handles, owner-thread storage,
//! status + diagnostics, and the panic guard. No map logic lives here.
//! Every function is declared in include/mapcore/*.h.

mod args;
mod guard;
mod handles;
mod log;
mod owner;
mod types;

pub mod base;
pub mod map;
pub mod render;
pub mod resource;
pub mod runtime;
