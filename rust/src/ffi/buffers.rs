//! Byte buffers handed to the caller (encoded images), tracked so that
//! mapcore_buffer_free can tell its own pointers from foreign or freed ones.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::guard::{call, invalid_argument};
use super::types::mapcore_status;

fn live() -> &'static Mutex<HashMap<usize, Box<[u8]>>> {
    static LIVE: OnceLock<Mutex<HashMap<usize, Box<[u8]>>>> = OnceLock::new();
    LIVE.get_or_init(Default::default)
}

/// Hands `bytes` to the caller: returns the pointer and length, and keeps the
/// allocation until mapcore_buffer_free. An empty buffer gets a 1-byte
/// allocation so that its pointer is unique and non-null.
pub fn hand_out(bytes: Vec<u8>) -> (*mut u8, usize) {
    let len = bytes.len();
    let mut boxed = if len == 0 { vec![0u8].into_boxed_slice() } else { bytes.into_boxed_slice() };
    let ptr = boxed.as_mut_ptr();
    live().lock().unwrap_or_else(|e| e.into_inner()).insert(ptr as usize, boxed);
    (ptr, len)
}

#[no_mangle]
pub extern "C" fn mapcore_buffer_free(data: *mut u8) -> mapcore_status {
    call("mapcore_buffer_free", || {
        if data.is_null() {
            return Ok(());
        }
        let removed = live().lock().unwrap_or_else(|e| e.into_inner()).remove(&(data as usize));
        match removed {
            Some(_) => Ok(()),
            None => invalid_argument(format!(
                "{data:p} is not a buffer mapcore handed out, or it was freed already"
            )),
        }
    })
}
