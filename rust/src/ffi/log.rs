//! Logging: the library logs through the `log` crate; this dispatcher sends
//! records to the host's callback if one is set, else to env_logger's stderr
//! output filtered by MAPCORE_LOG.

use std::cell::Cell;
use std::ffi::CString;
use std::os::raw::c_void;
use std::sync::{OnceLock, RwLock};

use super::types::mapcore_log_callback;

struct HostSink {
    callback: unsafe extern "C" fn(*mut c_void, u32, *const std::os::raw::c_char, *const std::os::raw::c_char),
    user_data: *mut c_void,
    max_level: log::LevelFilter,
}
// SAFETY: the host promises its callback and user_data may be used from any
// thread (documented in mapcore/base.h).
unsafe impl Send for HostSink {}
unsafe impl Sync for HostSink {}

struct Dispatcher {
    host: RwLock<Option<HostSink>>,
    default: env_logger::Logger,
}

thread_local! {
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

impl log::Log for Dispatcher {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        match &*self.host.read().unwrap_or_else(|e| e.into_inner()) {
            Some(h) => metadata.level() <= h.max_level,
            None => self.default.enabled(metadata),
        }
    }

    fn log(&self, record: &log::Record) {
        if IN_CALLBACK.with(|c| c.get()) {
            return; // a record raised by the host's own callback: drop it
        }
        let host = self.host.read().unwrap_or_else(|e| e.into_inner());
        match &*host {
            Some(h) => {
                if record.level() > h.max_level {
                    return;
                }
                let target = CString::new(record.target().replace('\0', "")).unwrap_or_default();
                let message = CString::new(record.args().to_string().replace('\0', "\\0")).unwrap_or_default();
                IN_CALLBACK.with(|c| c.set(true));
                // SAFETY: the host's callback, called as documented.
                unsafe { (h.callback)(h.user_data, record.level() as u32, target.as_ptr(), message.as_ptr()) };
                IN_CALLBACK.with(|c| c.set(false));
            }
            None => self.default.log(record),
        }
    }

    fn flush(&self) {
        self.default.flush();
    }
}

fn dispatcher() -> &'static Dispatcher {
    static D: OnceLock<&'static Dispatcher> = OnceLock::new();
    D.get_or_init(|| {
        let default = env_logger::Builder::new()
            .parse_env(env_logger::Env::new().filter_or("MAPCORE_LOG", "error"))
            .build();
        let d: &'static Dispatcher = Box::leak(Box::new(Dispatcher { host: RwLock::new(None), default }));
        if log::set_logger(d).is_ok() {
            log::set_max_level(d.default.filter());
        }
        d
    })
}

/// Installs the dispatcher (idempotent).
pub fn init() {
    dispatcher();
}

/// Whether the calling thread is inside the host's log callback.
pub fn in_callback() -> bool {
    IN_CALLBACK.with(|c| c.get())
}

/// Sets or clears the host's callback.
pub fn set_callback(callback: mapcore_log_callback, user_data: *mut c_void, max_level: log::LevelFilter) {
    let d = dispatcher();
    let mut host = d.host.write().unwrap_or_else(|e| e.into_inner());
    *host = callback.map(|callback| HostSink { callback, user_data, max_level });
    log::set_max_level(match &*host {
        Some(h) => h.max_level,
        None => d.default.filter(),
    });
}
