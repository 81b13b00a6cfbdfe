//! The panic boundary and the thread-local diagnostic.

use std::cell::RefCell;
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::types::mapcore_status;

/// A failed call: the status and what the user should know.
#[derive(Debug)]
pub struct Failure {
    pub status: mapcore_status,
    pub message: String,
}

pub type CallResult<T = ()> = Result<T, Failure>;

pub fn fail<T>(status: mapcore_status, message: impl Into<String>) -> CallResult<T> {
    Err(Failure { status, message: message.into() })
}

pub fn invalid_argument<T>(message: impl Into<String>) -> CallResult<T> {
    fail(mapcore_status::MAPCORE_STATUS_INVALID_ARGUMENT, message)
}

pub fn invalid_state<T>(message: impl Into<String>) -> CallResult<T> {
    fail(mapcore_status::MAPCORE_STATUS_INVALID_STATE, message)
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

/// The current diagnostic (valid until the next call on this thread).
pub fn last_error_ptr() -> *const std::os::raw::c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// The environment variable that makes entry points panic, for the C tests
/// of the panic boundary: a function name, or `*` for every status-returning
/// function. Harmless in a release library: a panic here is caught like any
/// other and the call returns INTERNAL with a diagnostic naming the variable,
/// which is what a bug would do; whoever sets a process's environment can do
/// far more (and nothing else reads it).
const TEST_PANIC_VAR: &str = "MAPCORE_TEST_PANIC";

fn test_panic(function: &str) {
    // Checked on every call (not cached) so a test can turn it on and off.
    if let Some(v) = std::env::var_os(TEST_PANIC_VAR) {
        if v == "*" || v == function {
            panic!("{TEST_PANIC_VAR}={} asked {function} to panic", v.to_string_lossy());
        }
    }
}

/// Runs one C entry point: clears the diagnostic, catches panics, and turns
/// the result into a status plus diagnostic prefixed by the function name.
pub fn call(function: &str, body: impl FnOnce() -> CallResult) -> mapcore_status {
    set_last_error("");
    match catch_unwind(AssertUnwindSafe(|| {
        test_panic(function);
        body()
    })) {
        Ok(Ok(())) => mapcore_status::MAPCORE_STATUS_OK,
        Ok(Err(f)) => {
            set_last_error(&format!("{function}: {}", f.message));
            f.status
        }
        Err(payload) => {
            let msg = format!("{function}: internal error (panic: {}); please report this bug", panic_message(&*payload));
            log::error!("{msg}");
            set_last_error(&msg);
            mapcore_status::MAPCORE_STATUS_INTERNAL
        }
    }
}

/// For entry points that return a value instead of a status: catches panics
/// and returns `fallback`.
pub fn call_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    set_last_error("");
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}
