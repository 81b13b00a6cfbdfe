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

/// `len` bytes of UTF-8 text at `ptr` (a JSON argument, parsed once the
/// call is on its runtime by [`json_value`]).
///
/// # Safety
/// As `bytes_arg`.
pub unsafe fn text_arg<'a>(ptr: *const c_char, len: usize, name: &str) -> CallResult<&'a str> {
    let bytes = bytes_arg(ptr as *const u8, len, name)?;
    std::str::from_utf8(bytes).or_else(|e| invalid_argument(format!("`{name}` is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to())))
}

/// JSON argument `name` parsed under the runtime's bound on a parsed
/// document (`Limits::max_parsed_bytes`): JSON takes many times its text
/// once parsed, and a host may pass on JSON it did not write.
pub fn json_value(text: &str, name: &str, limits: &crate::runtime::Limits) -> CallResult<serde_json::Value> {
    crate::data::json::parse(text.as_bytes(), limits.max_parsed_bytes()).or_else(|e| invalid_argument(e.describe(&format!("`{name}`"))))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Limits;

    #[test]
    fn a_json_argument_is_parsed_under_the_runtimes_bound() {
        // `0,` is 2 bytes of text and more than 32 parsed: past the 16 MiB a
        // document may take under a small max_resource_bytes.
        let zeros = format!("[{}]", vec!["0"; 600_000].join(","));
        let small = Limits { max_resource_bytes: 100_000, ..Default::default() };
        let e = json_value(&zeros, "json", &small).unwrap_err();
        assert!(e.message.contains("`json`: it takes more than 16777216 bytes once parsed") && e.message.contains("max_resource_bytes"), "{}", e.message);
        let parsed = json_value(&zeros, "json", &Limits::default()).unwrap();
        assert_eq!(parsed, serde_json::from_str::<serde_json::Value>(&zeros).unwrap());
        let e = json_value("{\"a\": ", "filter_json", &small).unwrap_err();
        assert!(e.message.starts_with("`filter_json` is not valid JSON"), "{}", e.message);
    }
}
