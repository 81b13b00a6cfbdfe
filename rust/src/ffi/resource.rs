//! Resource provider and request entry points.

use std::ffi::CString;
use std::os::raw::{c_char, c_void};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use super::args::{bytes_arg, opt_str_arg, out_arg, sized_arg};
use super::guard::{call, invalid_argument, invalid_state, CallResult};
use super::handles::{self, Entry, Object, Tag};
use super::owner;
use super::types::*;
use crate::runtime::resource::{Decision, Provider, Request, Response};

/// Where a request handed to the provider stands. A release only answers a
/// request the provider handled ("released without a response"); one it
/// passed through is the runtime's to answer, even if the handle was released
/// inside the provider call.
mod phase {
    pub const IN_CALL: u8 = 0;
    pub const HANDLED: u8 = 1;
    pub const PASSED: u8 = 2;
    /// Set with IN_CALL when the handle was released during the call.
    pub const RELEASED: u8 = 4;
}

fn answer_unanswered(request: &Request) {
    if !request.is_completed() {
        let _ = request.complete(Response::Error("request released without a response".into()));
    }
}

const PROVIDER_V1: usize = std::mem::size_of::<mapcore_resource_provider>();
/// The size of the first released mapcore_resource_info (up to tile_y).
const INFO_V1: usize = std::mem::offset_of!(mapcore_resource_info, range_offset);

/// The host's provider as a `Provider`.
struct HostProvider {
    request: unsafe extern "C" fn(*mut c_void, *const mapcore_resource_info, mapcore_resource_request) -> u32,
    cancel: mapcore_resource_cancel_fn,
    user_data: *mut c_void,
}
// SAFETY: the header documents that the provider's callbacks and user_data
// are used from any thread.
unsafe impl Send for HostProvider {}
unsafe impl Sync for HostProvider {}

fn info_of(request: &Request, url: &CString) -> mapcore_resource_info {
    let (z, x, y) = request.info.tile.unwrap_or((-1, -1, -1));
    let (range_offset, range_length) = request.info.range.unwrap_or((0, 0));
    mapcore_resource_info {
        size: std::mem::size_of::<mapcore_resource_info>(),
        url: url.as_ptr(),
        kind: request.info.kind as u32,
        tile_z: z,
        tile_x: x,
        tile_y: y,
        range_offset,
        range_length,
    }
}

impl Provider for HostProvider {
    fn request(&self, request: &Arc<Request>) -> Decision {
        let url = match CString::new(request.info.url.clone()) {
            Ok(u) => Arc::new(u),
            Err(_) => {
                let _ = request.complete(Response::Error("the URL contains a NUL character".into()));
                return Decision::Handled;
            }
        };
        let state = Arc::new(AtomicU8::new(phase::IN_CALL));
        let handle = handles::insert(
            Tag::Request,
            Entry {
                owner: None,
                object: Object::Request { request: request.clone(), url: url.clone(), phase: state.clone() },
            },
        );
        request.host_tag.store(handle, Ordering::SeqCst);
        let info = info_of(request, &url);
        // SAFETY: calling the host's callback as documented in resource.h.
        let decision = unsafe { (self.request)(self.user_data, &info, mapcore_resource_request { id: handle }) };
        let decision = match decision {
            1 => Decision::Handled,
            0 => Decision::PassThrough,
            other => {
                log::warn!("resource provider returned unknown decision {other} for {}; passing through", request.info.url);
                Decision::PassThrough
            }
        };
        let now = if decision == Decision::Handled { phase::HANDLED } else { phase::PASSED };
        let before = state.swap(now, Ordering::SeqCst);
        if before & phase::RELEASED != 0 && decision == Decision::Handled {
            answer_unanswered(request);
        }
        decision
    }

    fn cancel(&self, request: &Arc<Request>) {
        if let Some(cancel) = self.cancel {
            let id = request.host_tag.load(Ordering::SeqCst);
            // SAFETY: the host's callback, as documented.
            unsafe { cancel(self.user_data, mapcore_resource_request { id }) };
        }
    }
}

/// # Safety
/// `provider` is null or a valid provider struct.
#[no_mangle]
pub unsafe extern "C" fn mapcore_runtime_set_resource_provider(
    runtime: mapcore_runtime,
    provider: *const mapcore_resource_provider,
) -> mapcore_status {
    call("mapcore_runtime_set_resource_provider", || {
        handles::get_owned(runtime.id, Tag::Runtime)?;
        let host: Option<Arc<dyn Provider>> = if provider.is_null() {
            None
        } else {
            let p = sized_arg(provider, "provider", PROVIDER_V1)?;
            let request = match p.request {
                Some(r) => r,
                None => return invalid_argument("`provider->request` is null (pass a NULL provider to clear it)"),
            };
            Some(Arc::new(HostProvider { request, cancel: p.cancel, user_data: p.user_data }))
        };
        owner::with_owned(runtime.id, |o| {
            o.runtime.set_provider(host);
            Ok(())
        })
    })
}

fn request_of(handle: mapcore_resource_request) -> CallResult<(Arc<Request>, Arc<CString>)> {
    match handles::get(handle.id, Tag::Request)?.object {
        Object::Request { request, url, .. } => Ok((request, url)),
        _ => invalid_state("stale resource request handle"),
    }
}

fn complete(handle: mapcore_resource_request, response: Response) -> CallResult {
    let (request, _) = request_of(handle)?;
    request.complete(response).or_else(|_| {
        invalid_state(format!("the request for {} was already completed; the first answer stands", request.info.url))
    })
}

/// # Safety
/// `data` points at `len` readable bytes (or is null with `len` 0).
#[no_mangle]
pub unsafe extern "C" fn mapcore_resource_request_complete(
    request: mapcore_resource_request,
    data: *const u8,
    len: usize,
) -> mapcore_status {
    call("mapcore_resource_request_complete", || {
        let bytes = bytes_arg(data, len, "data")?;
        complete(request, Response::data(bytes.to_vec()))
    })
}

/// A host buffer read in place and released exactly once when dropped.
struct Borrowed {
    data: *const u8,
    len: usize,
    release: mapcore_release_fn,
    context: *mut c_void,
}
// SAFETY: the host guarantees the buffer stays valid and unchanged until
// release, and that release may run on any thread.
unsafe impl Send for Borrowed {}
unsafe impl Sync for Borrowed {}

impl AsRef<[u8]> for Borrowed {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: see the Send/Sync note; data is non-null when len > 0.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

impl Drop for Borrowed {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: the host's release callback, called exactly once.
            unsafe { release(self.context) };
        }
    }
}

/// # Safety
/// `data` stays valid until `release(release_context)` is called.
#[no_mangle]
pub unsafe extern "C" fn mapcore_resource_request_complete_borrowed(
    request: mapcore_resource_request,
    data: *const u8,
    len: usize,
    release: mapcore_release_fn,
    release_context: *mut c_void,
) -> mapcore_status {
    // Created first so that the buffer is released exactly once on every path.
    let borrowed = Borrowed { data, len, release, context: release_context };
    call("mapcore_resource_request_complete_borrowed", move || {
        if len > 0 && data.is_null() {
            return invalid_argument(format!("`data` is null but `len` is {len}"));
        }
        super::args::len_arg(len, "len")?;
        if release.is_none() {
            // Nothing to call back: still valid, the buffer just is not released.
            log::debug!("complete_borrowed without a release callback");
        }
        complete(request, Response::Data(Arc::new(borrowed)))
    })
}

#[no_mangle]
pub extern "C" fn mapcore_resource_request_not_found(request: mapcore_resource_request) -> mapcore_status {
    call("mapcore_resource_request_not_found", || complete(request, Response::NotFound))
}

/// # Safety
/// `message` is null or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mapcore_resource_request_fail(
    request: mapcore_resource_request,
    message: *const c_char,
) -> mapcore_status {
    call("mapcore_resource_request_fail", || {
        let message = opt_str_arg(message, "message")?.unwrap_or("the resource provider failed the request");
        complete(request, Response::Error(message.to_string()))
    })
}

/// # Safety
/// `out_cancelled` is writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_resource_request_is_cancelled(
    request: mapcore_resource_request,
    out_cancelled: *mut bool,
) -> mapcore_status {
    call("mapcore_resource_request_is_cancelled", || {
        let out = out_arg(out_cancelled, "out_cancelled")?;
        let (r, _) = request_of(request)?;
        *out = r.is_cancelled();
        Ok(())
    })
}

/// # Safety
/// `out_info` is writable with its size set.
#[no_mangle]
pub unsafe extern "C" fn mapcore_resource_request_info(
    request: mapcore_resource_request,
    out_info: *mut mapcore_resource_info,
) -> mapcore_status {
    call("mapcore_resource_request_info", || {
        let size = sized_arg(out_info as *const mapcore_resource_info, "out_info", INFO_V1)?.size;
        let (r, url) = request_of(request)?;
        // An older caller's struct is shorter: write only what its size covers.
        let mut info = info_of(&r, &url);
        let n = size.min(std::mem::size_of::<mapcore_resource_info>());
        info.size = n;
        std::ptr::copy_nonoverlapping(&info as *const _ as *const u8, out_info as *mut u8, n);
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn mapcore_resource_request_release(request: mapcore_resource_request) -> mapcore_status {
    call("mapcore_resource_request_release", || {
        // A handle of another kind is a caller bug worth reporting.
        if !handles::live_for_release(request.id, Tag::Request)? {
            return Ok(()); // null or already released
        }
        if let Some(Entry { object: Object::Request { request, phase: state, .. }, .. }) = handles::remove(request.id) {
            let before = state.fetch_or(phase::RELEASED, Ordering::SeqCst);
            if before == phase::HANDLED {
                answer_unanswered(&request);
            }
        }
        Ok(())
    })
}
