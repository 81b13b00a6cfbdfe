//! Owner-thread storage: a thread's runtime, its render sessions and its
//! current event batch live in a thread-local, so owner-thread objects need no
//! locks and a call from another thread cannot reach them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_void, CString};

use super::guard::{invalid_state, CallResult};
use super::types::{mapcore_event, mapcore_image_info, mapcore_release_fn};
use crate::map::Runtime;

/// Where a render session's pixels go.
pub enum Target {
    /// The session owns the image (the map's last frame).
    Texture,
    /// A caller-owned buffer, retained until replaced or detached.
    Buffer { ptr: *mut u8, stride: usize, len: usize },
    /// The host's frame callback, called with every finished frame.
    Surface(Surface),
}

/// A surface session's host callbacks. Dropping it (the session destroyed,
/// or its runtime dropped when the owner thread exits) calls `release`
/// exactly once.
pub struct Surface {
    pub frame: unsafe extern "C" fn(*mut c_void, *const u8, *const mapcore_image_info),
    pub release: mapcore_release_fn,
    pub user_data: *mut c_void,
    /// The straight-alpha frame lent to `frame` (reused between frames).
    pub pixels: Vec<u8>,
}

impl Drop for Surface {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            // SAFETY: the host's release callback with its user_data, called
            // once (render.h: mapcore_surface_callbacks).
            unsafe { release(self.user_data) };
        }
    }
}

pub struct Session {
    pub map: u64,
    pub target: Target,
    pub frame_acquired: bool,
    /// Straight-alpha copy of the last frame while it is acquired.
    pub acquired_pixels: Vec<u8>,
}

/// The last drained event batch: the C structs and the strings they point at.
#[derive(Default)]
pub struct EventBatch {
    pub events: Vec<mapcore_event>,
    pub strings: Vec<CString>,
}

pub struct OwnedRuntime {
    pub handle: u64,
    pub runtime: Runtime,
    pub sessions: HashMap<u64, Session>,
    pub batch: EventBatch,
}

thread_local! {
    static OWNED: RefCell<Option<OwnedRuntime>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's runtime `runtime`. A re-entrant call (from a
/// callback mapcore is running) is INVALID_STATE.
pub fn with_owned<R>(runtime: u64, f: impl FnOnce(&mut OwnedRuntime) -> CallResult<R>) -> CallResult<R> {
    OWNED.with(|cell| {
        let mut guard = match cell.try_borrow_mut() {
            Ok(g) => g,
            Err(_) => {
                return invalid_state(
                    "re-entrant call: owner-thread functions cannot be called from inside a callback \
                     that mapcore is running on this thread (e.g. a resource provider)",
                )
            }
        };
        match guard.as_mut() {
            Some(owned) if owned.handle == runtime => f(owned),
            _ => invalid_state("stale runtime handle: this thread has no such runtime"),
        }
    })
}

/// Whether this thread owns a live runtime.
pub fn has_runtime() -> CallResult<bool> {
    OWNED.with(|cell| match cell.try_borrow() {
        Ok(g) => Ok(g.is_some()),
        Err(_) => invalid_state("re-entrant call from inside a mapcore callback"),
    })
}

/// Installs this thread's runtime.
pub fn install(owned: OwnedRuntime) -> CallResult<()> {
    OWNED.with(|cell| match cell.try_borrow_mut() {
        Ok(mut g) => {
            *g = Some(owned);
            Ok(())
        }
        Err(_) => invalid_state("re-entrant call from inside a mapcore callback"),
    })
}

/// Takes this thread's runtime out (to destroy it outside the borrow, since
/// dropping it joins workers and may call the host's cancel callbacks).
pub fn take(runtime: u64) -> CallResult<Option<OwnedRuntime>> {
    OWNED.with(|cell| match cell.try_borrow_mut() {
        Ok(mut g) => Ok(if g.as_ref().map(|o| o.handle) == Some(runtime) { g.take() } else { None }),
        Err(_) => invalid_state("re-entrant call from inside a mapcore callback"),
    })
}
