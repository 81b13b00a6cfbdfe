//! Argument checks shared by the entry points.

use std::ffi::CStr;
use std::os::raw::c_char;

use super::guard::{invalid_argument, CallResult};

/// A required NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` must be null or point at a NUL-terminated string valid for the call.
pub unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> CallResult<&'a str> {
    if ptr.is_null() {
        return invalid_argument(format!("`{name}` is null"));
    }
    CStr::from_ptr(ptr).to_str().or_else(|e| {
        invalid_argument(format!("`{name}` is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()))
    })
}

/// An optional NUL-terminated UTF-8 string (NULL → None).
///
/// # Safety
/// As `str_arg`.
pub unsafe fn opt_str_arg<'a>(ptr: *const c_char, name: &str) -> CallResult<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        str_arg(ptr, name).map(Some)
    }
}

/// A byte length: no Rust slice may be longer than `isize::MAX` bytes, so a
/// larger one cannot describe real memory.
pub fn len_arg(len: usize, name: &str) -> CallResult<usize> {
    if len > isize::MAX as usize {
        return invalid_argument(format!("`{name}` {len} is too large: lengths are at most isize::MAX ({})", isize::MAX));
    }
    Ok(len)
}

/// `len` bytes at `ptr` (NULL allowed only when `len` is 0).
///
/// # Safety
/// `ptr` must point at `len` readable bytes for the call.
pub unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &str) -> CallResult<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return invalid_argument(format!("`{name}` is null but its length is {len}"));
    }
    if len > isize::MAX as usize {
        return invalid_argument(format!("`{name}` length {len} is too large: lengths are at most isize::MAX"));
    }
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// A required pointer to a struct with a leading `size` field of at least
/// `min_size` bytes.
///
/// # Safety
/// `ptr` must be null or point at a readable struct whose first field is a
/// `size_t`.
pub unsafe fn sized_arg<'a, T>(ptr: *const T, name: &str, min_size: usize) -> CallResult<&'a T> {
    if ptr.is_null() {
        return invalid_argument(format!("`{name}` is null"));
    }
    let size = *(ptr as *const usize);
    if size < min_size {
        return invalid_argument(format!(
            "`{name}->size` is {size} but must be at least {min_size}: set it to sizeof the struct or use its _default() constructor"
        ));
    }
    Ok(&*ptr)
}

/// A required out-pointer.
pub fn out_arg<'a, T>(ptr: *mut T, name: &str) -> CallResult<&'a mut T> {
    if ptr.is_null() {
        return invalid_argument(format!("`{name}` is null"));
    }
    // SAFETY: the caller promises a writable T behind a non-null out pointer.
    Ok(unsafe { &mut *ptr })
}

/// An out-handle: non-null and holding the null handle.
pub fn out_handle<'a>(ptr: *mut u64, name: &str) -> CallResult<&'a mut u64> {
    let out = out_arg(ptr, name)?;
    if *out != 0 {
        return invalid_argument(format!("`*{name}` must hold the null handle ({{0}}) on entry; it holds {:#x}", *out));
    }
    Ok(out)
}
