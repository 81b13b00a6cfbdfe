//! Render session entry points.

use std::time::Duration;

use super::args::{out_arg, out_handle, sized_arg};
use super::guard::{call, fail, invalid_argument, invalid_state, CallResult};
use super::handles::{self, Entry, Object, Tag};
use super::map::{check_size, with_map};
use super::owner::{self, OwnedRuntime, Session, Surface, Target};
use super::types::*;
use crate::encode;
use crate::render::Image;
use crate::runtime::StillError;

const IMAGE_INFO_V1: usize = std::mem::size_of::<mapcore_image_info>();
const ENCODE_OPTIONS_V1: usize = std::mem::size_of::<mapcore_encode_options>();

#[no_mangle]
pub extern "C" fn mapcore_image_info_default() -> mapcore_image_info {
    mapcore_image_info { size: IMAGE_INFO_V1, width: 0, height: 0, stride: 0, byte_length: 0 }
}

fn device_size(width: u32, height: u32, ratio: f32) -> (u32, u32) {
    ((width as f32 * ratio).round() as u32, (height as f32 * ratio).round() as u32)
}

fn check_buffer(width: u32, height: u32, ratio: f32, pixels: *mut u8, stride: usize, len: usize) -> CallResult<Target> {
    let (w, h) = device_size(width, height, ratio);
    if pixels.is_null() {
        return invalid_argument("`pixels` is null");
    }
    super::args::len_arg(len, "len")?;
    super::args::len_arg(stride, "stride")?;
    if stride < 4 * w as usize {
        return invalid_argument(format!("`stride` {stride} is less than 4 * {w} device pixels = {}", 4 * w as usize));
    }
    let need = stride.checked_mul(h as usize).unwrap_or(usize::MAX);
    if len < need {
        return invalid_argument(format!("`len` {len} is too small: {h} rows of {stride} bytes need {need}"));
    }
    Ok(Target::Buffer { ptr: pixels, stride, len })
}

/// Attaches a session with the target `target()` makes: it is made only once
/// the map accepted the session, so a refused surface is not released.
fn attach(map: mapcore_map, width: u32, height: u32, ratio: f32, target: impl FnOnce() -> Target, out: &mut u64) -> CallResult {
    with_map(map, |o, id| {
        if o.sessions.values().any(|s| s.map == id) {
            return invalid_state("the map already has a render session: destroy it first");
        }
        let runtime = o.handle;
        if let Some((m, _)) = o.runtime.map_mut(id) {
            m.set_size(width, height, ratio);
        }
        let session = handles::insert(
            Tag::Session,
            Entry { owner: Some(std::thread::current().id()), object: Object::Session { runtime } },
        );
        o.sessions.insert(session, Session { map: id, target: target(), frame_acquired: false, acquired_pixels: Vec::new() });
        *out = session;
        Ok(())
    })
}

/// # Safety
/// `out_session` is writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_render_session_create_texture(
    map: mapcore_map,
    width: u32,
    height: u32,
    pixel_ratio: f32,
    out_session: *mut mapcore_render_session,
) -> mapcore_status {
    call("mapcore_render_session_create_texture", || {
        let out = out_handle(out_session as *mut u64, "out_session")?;
        let (w, h, r) = check_size(width, height, pixel_ratio)?;
        attach(map, w, h, r, || Target::Texture, out)
    })
}

/// # Safety
/// `pixels` stays valid for `len` bytes until the session is destroyed or
/// the buffer replaced; `out_session` is writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_render_session_create_buffer(
    map: mapcore_map,
    width: u32,
    height: u32,
    pixel_ratio: f32,
    pixels: *mut u8,
    stride: usize,
    len: usize,
    out_session: *mut mapcore_render_session,
) -> mapcore_status {
    call("mapcore_render_session_create_buffer", || {
        let out = out_handle(out_session as *mut u64, "out_session")?;
        let (w, h, r) = check_size(width, height, pixel_ratio)?;
        let target = check_buffer(w, h, r, pixels, stride, len)?;
        attach(map, w, h, r, move || target, out)
    })
}

const SURFACE_CALLBACKS_V1: usize = std::mem::size_of::<mapcore_surface_callbacks>();

#[no_mangle]
pub extern "C" fn mapcore_surface_callbacks_default() -> mapcore_surface_callbacks {
    mapcore_surface_callbacks {
        size: SURFACE_CALLBACKS_V1,
        frame: None,
        release: None,
        user_data: std::ptr::null_mut(),
    }
}

/// # Safety
/// `callbacks` is null or a valid struct with its size set (copied; its
/// callbacks and user_data are retained until the session is released);
/// `out_session` is writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_render_session_create_surface(
    map: mapcore_map,
    width: u32,
    height: u32,
    pixel_ratio: f32,
    callbacks: *const mapcore_surface_callbacks,
    out_session: *mut mapcore_render_session,
) -> mapcore_status {
    call("mapcore_render_session_create_surface", || {
        let out = out_handle(out_session as *mut u64, "out_session")?;
        let cb = *sized_arg(callbacks, "callbacks", SURFACE_CALLBACKS_V1)?;
        let Some(frame) = cb.frame else {
            return invalid_argument("`callbacks->frame` is null: a surface session needs a frame callback");
        };
        let (w, h, r) = check_size(width, height, pixel_ratio)?;
        let surface = move || {
            Target::Surface(Surface { frame, release: cb.release, user_data: cb.user_data, pixels: Vec::new() })
        };
        attach(map, w, h, r, surface, out)
    })
}

/// Runs `f` with the session `session` on its owner thread.
fn with_session<R>(session: mapcore_render_session, f: impl FnOnce(&mut OwnedRuntime, u64) -> CallResult<R>) -> CallResult<R> {
    let entry = handles::get_owned(session.id, Tag::Session)?;
    let runtime = match entry.object {
        Object::Session { runtime, .. } => runtime,
        _ => return invalid_state("stale render session handle"),
    };
    owner::with_owned(runtime, |o| {
        if !o.sessions.contains_key(&session.id) {
            return invalid_state("stale render session handle");
        }
        f(o, session.id)
    })
}

fn not_acquired(o: &OwnedRuntime, id: u64) -> CallResult {
    if o.sessions[&id].frame_acquired {
        return invalid_state("a frame is acquired: call mapcore_render_session_release_frame first");
    }
    Ok(())
}

/// # Safety
/// As mapcore_render_session_create_buffer.
#[no_mangle]
pub unsafe extern "C" fn mapcore_render_session_set_buffer(
    session: mapcore_render_session,
    width: u32,
    height: u32,
    pixel_ratio: f32,
    pixels: *mut u8,
    stride: usize,
    len: usize,
) -> mapcore_status {
    call("mapcore_render_session_set_buffer", || {
        let (w, h, r) = check_size(width, height, pixel_ratio)?;
        let target = check_buffer(w, h, r, pixels, stride, len)?;
        with_session(session, |o, id| {
            let s = o.sessions.get_mut(&id).expect("checked");
            if !matches!(s.target, Target::Buffer { .. }) {
                return invalid_state(format!("this is a {} session: use mapcore_render_session_resize", kind(&s.target)));
            }
            s.target = target;
            let map = s.map;
            if let Some((m, _)) = o.runtime.map_mut(map) {
                m.set_size(w, h, r);
            }
            Ok(())
        })
    })
}

#[no_mangle]
pub extern "C" fn mapcore_render_session_resize(
    session: mapcore_render_session,
    width: u32,
    height: u32,
    pixel_ratio: f32,
) -> mapcore_status {
    call("mapcore_render_session_resize", || {
        let (w, h, r) = check_size(width, height, pixel_ratio)?;
        with_session(session, |o, id| {
            not_acquired(o, id)?;
            let s = &o.sessions[&id];
            if matches!(s.target, Target::Buffer { .. }) {
                return invalid_state("this is a buffer session: use mapcore_render_session_set_buffer with a buffer of the new size");
            }
            let map = s.map;
            if let Some((m, _)) = o.runtime.map_mut(map) {
                m.set_size(w, h, r);
            }
            Ok(())
        })
    })
}

fn kind(target: &Target) -> &'static str {
    match target {
        Target::Texture => "texture",
        Target::Buffer { .. } => "buffer",
        Target::Surface(_) => "surface",
    }
}

/// Hands the map's last frame, unpremultiplied, to the target: written into
/// a buffer, or lent to a surface's frame callback. The callback runs while
/// this thread's runtime is borrowed, so whatever it calls on the owner
/// thread is refused as re-entrant (owner::with_owned).
fn deliver(o: &mut OwnedRuntime, id: u64) {
    let OwnedRuntime { runtime, sessions, .. } = o;
    let s = sessions.get_mut(&id).expect("checked");
    let Some(image) = runtime.map(s.map).and_then(|m| m.frame()) else { return };
    match &mut s.target {
        Target::Texture => {}
        Target::Buffer { ptr, stride, len } => {
            // SAFETY: the caller retains the buffer (len bytes) until the
            // session is destroyed or the buffer replaced (render.h).
            let dst = unsafe { std::slice::from_raw_parts_mut(*ptr, *len) };
            copy_straight(image, dst, *stride);
        }
        Target::Surface(surface) => {
            let info = info_for(image);
            surface.pixels.resize(info.byte_length, 0);
            copy_straight(image, &mut surface.pixels, info.stride);
            // SAFETY: the host's frame callback; the pixels and info are
            // borrowed for the call only (render.h).
            unsafe { (surface.frame)(surface.user_data, surface.pixels.as_ptr(), &info) };
        }
    }
}

/// Copies `image` (premultiplied) into `dst` rows of `stride` bytes as
/// straight alpha.
fn copy_straight(image: &Image, dst: &mut [u8], stride: usize) {
    let row = image.width as usize * 4;
    for y in 0..image.height as usize {
        let src = &image.data[y * row..(y + 1) * row];
        let out = &mut dst[y * stride..y * stride + row];
        out.copy_from_slice(src);
        crate::render::png_io::unpremultiply(out);
    }
}

#[no_mangle]
pub extern "C" fn mapcore_render_session_render_still(session: mapcore_render_session, timeout_ms: u32) -> mapcore_status {
    call("mapcore_render_session_render_still", || {
        with_session(session, |o, id| {
            not_acquired(o, id)?;
            let map = o.sessions[&id].map;
            let timeout = (timeout_ms > 0).then(|| Duration::from_millis(timeout_ms as u64));
            match o.runtime.render_still(map, timeout) {
                Ok(()) => {}
                Err(StillError::NoStyle) => {
                    return invalid_state("the map has no style: call mapcore_map_set_style_json or _url first")
                }
                Err(StillError::NoSuchMap) => return invalid_state("stale map"),
                Err(StillError::Interrupted(what)) => {
                    return fail(
                        mapcore_status::MAPCORE_STATUS_CANCELLED,
                        format!("interrupted by mapcore_runtime_interrupt while waiting for {what}"),
                    )
                }
                Err(StillError::Timeout(what)) => {
                    return fail(
                        mapcore_status::MAPCORE_STATUS_TIMEOUT,
                        format!("resources did not arrive within {timeout_ms} ms (still waiting for {what})"),
                    )
                }
            }
            deliver(o, id);
            Ok(())
        })
    })
}

/// # Safety
/// `out_complete` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_render_session_render_frame(
    session: mapcore_render_session,
    out_complete: *mut bool,
) -> mapcore_status {
    call("mapcore_render_session_render_frame", || {
        with_session(session, |o, id| {
            not_acquired(o, id)?;
            let map = o.sessions[&id].map;
            let complete = match o.runtime.render_frame(map) {
                Ok(c) => c,
                Err(StillError::NoStyle) => {
                    return invalid_state("the map has no style: call mapcore_map_set_style_json or _url first")
                }
                Err(e) => return invalid_state(format!("cannot render: {e:?}")),
            };
            deliver(o, id);
            if !out_complete.is_null() {
                *out_complete = complete;
            }
            Ok(())
        })
    })
}

fn info_for(image: &Image) -> mapcore_image_info {
    let stride = image.width as usize * 4;
    mapcore_image_info {
        size: IMAGE_INFO_V1,
        width: image.width,
        height: image.height,
        stride,
        byte_length: stride * image.height as usize,
    }
}

fn frame_of(o: &OwnedRuntime, id: u64) -> CallResult<&Image> {
    match o.runtime.map(o.sessions[&id].map).and_then(|m| m.frame()) {
        Some(image) => Ok(image),
        None => invalid_state("nothing rendered yet: call mapcore_render_session_render_still first"),
    }
}

/// # Safety
/// `dst` is null or writable for `dst_len` bytes; `out_info` is null or
/// writable with its size set.
#[no_mangle]
pub unsafe extern "C" fn mapcore_render_session_read_pixels(
    session: mapcore_render_session,
    dst: *mut u8,
    dst_len: usize,
    out_info: *mut mapcore_image_info,
) -> mapcore_status {
    call("mapcore_render_session_read_pixels", || {
        if !out_info.is_null() {
            sized_arg(out_info as *const mapcore_image_info, "out_info", IMAGE_INFO_V1)?;
        }
        super::args::len_arg(dst_len, "dst_len")?;
        if dst.is_null() && dst_len != 0 {
            return invalid_argument(format!("`dst` is null but `dst_len` is {dst_len}"));
        }
        if dst.is_null() && out_info.is_null() {
            return invalid_argument("both `dst` and `out_info` are null: nothing to do");
        }
        with_session(session, |o, id| {
            let image = frame_of(o, id)?;
            let info = info_for(image);
            if !dst.is_null() {
                if dst_len < info.byte_length {
                    return invalid_argument(format!(
                        "`dst_len` {dst_len} is too small: the {}x{} image needs {} bytes",
                        info.width, info.height, info.byte_length
                    ));
                }
                let out = std::slice::from_raw_parts_mut(dst, info.byte_length);
                copy_straight(image, out, info.stride);
            }
            if !out_info.is_null() {
                *out_info = info;
            }
            Ok(())
        })
    })
}

/// # Safety
/// Out pointers are writable (`out_info` with its size set).
#[no_mangle]
pub unsafe extern "C" fn mapcore_render_session_acquire_frame(
    session: mapcore_render_session,
    out_pixels: *mut *const u8,
    out_info: *mut mapcore_image_info,
) -> mapcore_status {
    call("mapcore_render_session_acquire_frame", || {
        let out_pixels = out_arg(out_pixels, "out_pixels")?;
        sized_arg(out_info as *const mapcore_image_info, "out_info", IMAGE_INFO_V1)?;
        with_session(session, |o, id| {
            not_acquired(o, id)?;
            match o.sessions[&id].target {
                Target::Texture => {}
                Target::Buffer { .. } => return invalid_state("this is a buffer session: read the caller's buffer instead"),
                Target::Surface(_) => {
                    return invalid_state(
                        "this is a surface session: its frame callback receives each frame (or copy the last one with mapcore_render_session_read_pixels)",
                    )
                }
            }
            let image = frame_of(o, id)?;
            let info = info_for(image);
            let mut pixels = vec![0u8; info.byte_length];
            copy_straight(image, &mut pixels, info.stride);
            let s = o.sessions.get_mut(&id).expect("checked");
            s.acquired_pixels = pixels;
            s.frame_acquired = true;
            *out_pixels = s.acquired_pixels.as_ptr();
            *out_info = info;
            Ok(())
        })
    })
}

#[no_mangle]
pub extern "C" fn mapcore_render_session_release_frame(session: mapcore_render_session) -> mapcore_status {
    call("mapcore_render_session_release_frame", || {
        with_session(session, |o, id| {
            let s = o.sessions.get_mut(&id).expect("checked");
            if !s.frame_acquired {
                return invalid_state("no frame is acquired");
            }
            s.frame_acquired = false;
            s.acquired_pixels = Vec::new();
            Ok(())
        })
    })
}

#[no_mangle]
pub extern "C" fn mapcore_encode_options_default() -> mapcore_encode_options {
    mapcore_encode_options { size: ENCODE_OPTIONS_V1, quality: encode::DEFAULT_JPEG_QUALITY as u32, png_level: 0 }
}

fn encode_format(format: u32) -> CallResult<encode::Format> {
    match format {
        MAPCORE_IMAGE_FORMAT_PNG => Ok(encode::Format::Png),
        MAPCORE_IMAGE_FORMAT_JPEG => Ok(encode::Format::Jpeg),
        MAPCORE_IMAGE_FORMAT_WEBP => Ok(encode::Format::Webp),
        other => invalid_argument(format!(
            "unknown image format {other}: use MAPCORE_IMAGE_FORMAT_PNG, _JPEG or _WEBP (1..3)"
        )),
    }
}

fn encode_options(o: &mapcore_encode_options) -> CallResult<encode::Options> {
    if !(1..=100).contains(&o.quality) {
        return invalid_argument(format!("options->quality {} is out of range: it must be 1..100", o.quality));
    }
    if o.png_level > 9 {
        return invalid_argument(format!("options->png_level {} is out of range: 0 (fast) or a zlib level 1..9", o.png_level));
    }
    Ok(encode::Options { quality: o.quality as u8, png_level: o.png_level as u8 })
}

impl From<encode::EncodeError> for super::guard::Failure {
    fn from(e: encode::EncodeError) -> Self {
        let status = match e {
            encode::EncodeError::InvalidOption(_) => mapcore_status::MAPCORE_STATUS_INVALID_ARGUMENT,
            encode::EncodeError::Unsupported(_) => mapcore_status::MAPCORE_STATUS_UNSUPPORTED,
            encode::EncodeError::Encoder(_) => mapcore_status::MAPCORE_STATUS_INTERNAL,
        };
        super::guard::Failure { status, message: e.to_string() }
    }
}

/// # Safety
/// `options` is null or a valid struct with its size set; out pointers are
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_render_session_encode(
    session: mapcore_render_session,
    format: u32,
    options: *const mapcore_encode_options,
    out_data: *mut *mut u8,
    out_len: *mut usize,
) -> mapcore_status {
    call("mapcore_render_session_encode", || {
        let out_data = out_arg(out_data, "out_data")?;
        if !out_data.is_null() {
            return invalid_argument("`*out_data` must be NULL on entry");
        }
        let out_len = out_arg(out_len, "out_len")?;
        let format = encode_format(format)?;
        let opts = if options.is_null() {
            mapcore_encode_options_default()
        } else {
            *sized_arg(options, "options", ENCODE_OPTIONS_V1)?
        };
        let options = encode_options(&opts)?;
        let bytes = with_session(session, |o, id| {
            let image = frame_of(o, id)?;
            encode::encode_image(image, format, &options).map_err(Into::into)
        })?;
        (*out_data, *out_len) = super::buffers::hand_out(bytes);
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn mapcore_render_session_destroy(session: mapcore_render_session) -> mapcore_status {
    call("mapcore_render_session_destroy", || {
        if !handles::live_for_release(session.id, Tag::Session)? {
            return Ok(());
        }
        let detached = with_session(session, |o, id| {
            not_acquired(o, id)?;
            handles::remove(id);
            Ok(o.sessions.remove(&id))
        })?;
        // Dropped outside the runtime's borrow: a surface's release callback
        // may call mapcore (e.g. destroy the map).
        drop(detached);
        Ok(())
    })
}
