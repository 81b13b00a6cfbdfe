//! Version, status names, diagnostics, logging.

use std::os::raw::{c_char, c_void};

use super::guard::{call, call_value, invalid_argument, invalid_state};
use super::log as host_log;
use super::types::{mapcore_log_callback, mapcore_status};

#[no_mangle]
pub extern "C" fn mapcore_version() -> u32 {
    call_value(0, || {
        let v = |s: &str| s.parse::<u32>().unwrap_or(0);
        (v(env!("CARGO_PKG_VERSION_MAJOR")) << 16) | (v(env!("CARGO_PKG_VERSION_MINOR")) << 8) | v(env!("CARGO_PKG_VERSION_PATCH"))
    })
}

#[no_mangle]
pub extern "C" fn mapcore_version_string() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

#[no_mangle]
pub extern "C" fn mapcore_status_name(status: u32) -> *const c_char {
    let name: &'static str = match status {
        0 => "OK\0",
        1 => "INVALID_ARGUMENT\0",
        2 => "INVALID_STATE\0",
        3 => "WRONG_THREAD\0",
        4 => "NOT_FOUND\0",
        5 => "UNSUPPORTED\0",
        6 => "PARSE_ERROR\0",
        7 => "IO_ERROR\0",
        8 => "INTERNAL\0",
        9 => "TIMEOUT\0",
        10 => "CANCELLED\0",
        _ => "UNKNOWN\0",
    };
    name.as_ptr() as *const c_char
}

/// Does not clear the diagnostic (it is what this function reads).
#[no_mangle]
pub extern "C" fn mapcore_last_error_message() -> *const c_char {
    super::guard::last_error_ptr()
}

#[no_mangle]
pub extern "C" fn mapcore_log_set_callback(
    callback: mapcore_log_callback,
    user_data: *mut c_void,
    max_level: u32,
) -> mapcore_status {
    call("mapcore_log_set_callback", || {
        let level = match max_level {
            1 => log::LevelFilter::Error,
            2 => log::LevelFilter::Warn,
            3 => log::LevelFilter::Info,
            4 => log::LevelFilter::Debug,
            5 => log::LevelFilter::Trace,
            _ if callback.is_none() => log::LevelFilter::Off,
            other => return invalid_argument(format!("unknown log level {other}: use MAPCORE_LOG_ERROR..MAPCORE_LOG_TRACE (1..5)")),
        };
        if host_log::in_callback() {
            return invalid_state("cannot change the log callback from inside the log callback");
        }
        host_log::set_callback(callback, user_data, level);
        Ok(())
    })
}
