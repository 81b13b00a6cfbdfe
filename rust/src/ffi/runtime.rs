//! Runtime entry points: create, destroy, pump, wake, drain events.

use std::collections::HashMap;
use std::ffi::CString;
use std::path::PathBuf;
use std::time::Duration;

use super::args::{opt_str_arg, out_arg, out_handle};
use super::guard::{call, fail, invalid_state, CallResult};
use super::handles::{self, Entry, Object, Tag};
use super::owner::{self, EventBatch, OwnedRuntime};
use super::types::*;
use crate::runtime::events::Event;
use crate::map::Runtime;
use crate::runtime::RuntimeOptions;

/// The size of the first released mapcore_runtime_options (up to asset_root).
const RUNTIME_OPTIONS_V1: usize = std::mem::offset_of!(mapcore_runtime_options, allowed_roots);

#[no_mangle]
pub extern "C" fn mapcore_runtime_options_default() -> mapcore_runtime_options {
    mapcore_runtime_options {
        size: std::mem::size_of::<mapcore_runtime_options>(),
        worker_threads: 0,
        render_threads: 0,
        asset_root: std::ptr::null(),
        allowed_roots: std::ptr::null(),
        allowed_root_count: 0,
        max_resource_bytes: 0,
        max_image_pixels: 0,
        max_tiles_per_source: 0,
        font_paths: std::ptr::null(),
        font_path_count: 0,
        glyphs_mode: 0,
        max_tile_cache_bytes: 0,
        max_features_per_tile: 0,
        max_vertices_per_tile: 0,
        max_overdraw: 0,
        max_requests_in_flight: 0,
        max_style_layers: 0,
        max_style_sources: 0,
        max_geojson_cut_bytes: 0,
        max_tiles_per_view: 0,
        max_expression_nodes: 0,
        max_expression_depth: 0,
        max_glyph_ranges: 0,
        max_sprite_images: 0,
        max_glyph_bytes: 0,
    }
}

/// Copies the caller's options: the fields its `size` covers, defaults for
/// the rest (an older caller's struct is shorter than ours).
///
/// # Safety
/// `options` points at a struct whose first field is its size, readable for
/// that many bytes.
unsafe fn read_options(options: *const mapcore_runtime_options) -> CallResult<mapcore_runtime_options> {
    let o = super::args::sized_arg(options, "options", RUNTIME_OPTIONS_V1)?;
    let mut out = mapcore_runtime_options_default();
    let n = o.size.min(std::mem::size_of::<mapcore_runtime_options>());
    std::ptr::copy_nonoverlapping(options as *const u8, &mut out as *mut _ as *mut u8, n);
    out.size = std::mem::size_of::<mapcore_runtime_options>();
    Ok(out)
}

/// # Safety
/// `options` is null or a valid options struct; `out_runtime` is writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_runtime_create(
    options: *const mapcore_runtime_options,
    out_runtime: *mut mapcore_runtime,
) -> mapcore_status {
    call("mapcore_runtime_create", || {
        let out = out_handle(out_runtime as *mut u64, "out_runtime")?;
        let mut opts = RuntimeOptions::default();
        if !options.is_null() {
            let o = read_options(options)?;
            opts.worker_threads = o.worker_threads;
            opts.render_threads = o.render_threads;
            opts.asset_root = opt_str_arg(o.asset_root, "options->asset_root")?.map(PathBuf::from);
            if let Some(root) = &opts.asset_root {
                if !root.is_dir() {
                    return fail(
                        mapcore_status::MAPCORE_STATUS_IO_ERROR,
                        format!("options->asset_root {} is not a readable folder", root.display()),
                    );
                }
            }
            if o.allowed_root_count > 0 && o.allowed_roots.is_null() {
                return super::guard::invalid_argument(format!(
                    "options->allowed_roots is NULL but options->allowed_root_count is {}",
                    o.allowed_root_count
                ));
            }
            if o.allowed_root_count > 4096 {
                return super::guard::invalid_argument(format!(
                    "options->allowed_root_count is {}: at most 4096",
                    o.allowed_root_count
                ));
            }
            for i in 0..o.allowed_root_count {
                let name = format!("options->allowed_roots[{i}]");
                let root = PathBuf::from(super::args::str_arg(*o.allowed_roots.add(i), &name)?);
                if !root.is_dir() {
                    return fail(
                        mapcore_status::MAPCORE_STATUS_IO_ERROR,
                        format!("{name} {} is not a readable folder", root.display()),
                    );
                }
                opts.allowed_roots.push(root);
            }
            let limits = &mut opts.limits;
            if o.max_resource_bytes > 0 {
                limits.max_resource_bytes = o.max_resource_bytes;
            }
            if o.max_image_pixels > 0 {
                limits.max_image_pixels = o.max_image_pixels;
            }
            if o.max_tiles_per_source > 0 {
                limits.max_tiles_per_source = o.max_tiles_per_source;
            }
            if o.max_tile_cache_bytes > 0 {
                limits.max_tile_cache_bytes = o.max_tile_cache_bytes;
            }
            if o.max_features_per_tile > 0 {
                limits.max_features_per_tile = o.max_features_per_tile;
            }
            if o.max_vertices_per_tile > 0 {
                limits.max_vertices_per_tile = o.max_vertices_per_tile;
            }
            if o.max_overdraw > 0 {
                limits.max_overdraw = o.max_overdraw;
            }
            if o.max_requests_in_flight > 0 {
                limits.max_requests_in_flight = o.max_requests_in_flight;
            }
            if o.max_style_layers > 0 {
                limits.max_style_layers = o.max_style_layers;
            }
            if o.max_style_sources > 0 {
                limits.max_style_sources = o.max_style_sources;
            }
            if o.max_geojson_cut_bytes > 0 {
                limits.max_geojson_cut_bytes = o.max_geojson_cut_bytes;
            }
            if o.max_tiles_per_view > 0 {
                limits.max_tiles_per_view = o.max_tiles_per_view;
            }
            if o.max_expression_nodes > 0 {
                limits.max_expression_nodes = o.max_expression_nodes;
            }
            if o.max_expression_depth as usize > crate::style::expression::parse::MAX_EXPRESSION_DEPTH {
                return super::guard::invalid_argument(format!(
                    "options->max_expression_depth is {}, more than {} (JSON nests at most 128 deep)",
                    o.max_expression_depth,
                    crate::style::expression::parse::MAX_EXPRESSION_DEPTH
                ));
            }
            if o.max_expression_depth > 0 {
                limits.max_expression_depth = o.max_expression_depth;
            }
            if o.max_glyph_ranges > 0 {
                limits.max_glyph_ranges = o.max_glyph_ranges;
            }
            if o.max_sprite_images > 0 {
                limits.max_sprite_images = o.max_sprite_images;
            }
            if o.max_glyph_bytes > 0 {
                limits.max_glyph_bytes = o.max_glyph_bytes;
            }
            if o.font_path_count > 0 && o.font_paths.is_null() {
                return super::guard::invalid_argument(format!(
                    "options->font_paths is NULL but options->font_path_count is {}",
                    o.font_path_count
                ));
            }
            if o.font_path_count > 4096 {
                return super::guard::invalid_argument(format!("options->font_path_count is {}: at most 4096", o.font_path_count));
            }
            for i in 0..o.font_path_count {
                let name = format!("options->font_paths[{i}]");
                opts.font_paths.push(PathBuf::from(super::args::str_arg(*o.font_paths.add(i), &name)?));
            }
            opts.glyphs_mode = match o.glyphs_mode {
                0 => crate::runtime::GlyphsMode::UrlFirst,
                1 => crate::runtime::GlyphsMode::LocalFirst,
                2 => crate::runtime::GlyphsMode::UrlOnly,
                m => return super::guard::invalid_argument(format!("options->glyphs_mode {m} is not a mapcore_glyphs_mode")),
            };
        }
        if owner::has_runtime()? {
            return invalid_state("this thread already owns a live runtime; destroy it first or create the new one on another thread");
        }
        super::log::init();
        let runtime = Runtime::new(opts).or_else(|e| {
            let status = match e.kind() {
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                    mapcore_status::MAPCORE_STATUS_IO_ERROR
                }
                _ => mapcore_status::MAPCORE_STATUS_INTERNAL,
            };
            fail(status, format!("cannot create the runtime: {e}"))
        })?;
        let shared = runtime.shared();
        let handle = handles::insert(
            Tag::Runtime,
            Entry { owner: Some(std::thread::current().id()), object: Object::Runtime(shared) },
        );
        owner::install(OwnedRuntime { handle, runtime, sessions: HashMap::new(), batch: EventBatch::default() })?;
        *out = handle;
        Ok(())
    })
}

/// # Safety
/// `data` points at `size` readable bytes; `out_faces` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_runtime_add_font(
    runtime: mapcore_runtime,
    data: *const std::os::raw::c_void,
    size: usize,
    out_faces: *mut usize,
) -> mapcore_status {
    call("mapcore_runtime_add_font", || {
        handles::get_owned(runtime.id, Tag::Runtime)?;
        let bytes = super::args::bytes_arg(data as *const u8, size, "data")?;
        if bytes.is_empty() {
            return super::guard::invalid_argument("`data` is empty: not a font");
        }
        let bytes = bytes.to_vec();
        let names = owner::with_owned(runtime.id, |o| {
            o.runtime.add_font(bytes, "bytes").or_else(|e| fail(mapcore_status::MAPCORE_STATUS_PARSE_ERROR, e))
        })?;
        if !out_faces.is_null() {
            *out_faces = names.len();
        }
        Ok(())
    })
}

/// # Safety
/// `path` is a NUL-terminated string; `out_faces` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_runtime_add_font_file(
    runtime: mapcore_runtime,
    path: *const std::os::raw::c_char,
    out_faces: *mut usize,
) -> mapcore_status {
    call("mapcore_runtime_add_font_file", || {
        handles::get_owned(runtime.id, Tag::Runtime)?;
        let path = super::args::str_arg(path, "path")?.to_string();
        let names = owner::with_owned(runtime.id, |o| {
            o.runtime.add_font_file(&path).or_else(|e| {
                let status = if e.contains("not a usable") || e.contains("font collection") || e.contains("more than the limit") {
                    mapcore_status::MAPCORE_STATUS_PARSE_ERROR
                } else {
                    mapcore_status::MAPCORE_STATUS_IO_ERROR
                };
                fail(status, e)
            })
        })?;
        if !out_faces.is_null() {
            *out_faces = names.len();
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn mapcore_runtime_destroy(runtime: mapcore_runtime) -> mapcore_status {
    call("mapcore_runtime_destroy", || {
        if !handles::live_for_release(runtime.id, Tag::Runtime)? {
            return Ok(());
        }
        handles::get_owned(runtime.id, Tag::Runtime)?;
        let maps = owner::with_owned(runtime.id, |o| Ok(o.runtime.map_count()))?;
        if maps > 0 {
            return invalid_state(format!("the runtime still has {maps} live map(s): destroy them first"));
        }
        let owned = owner::take(runtime.id)?;
        handles::remove(runtime.id);
        drop(owned); // joins the workers
        Ok(())
    })
}

/// # Safety
/// `out_processed` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_runtime_pump(
    runtime: mapcore_runtime,
    timeout_ms: u32,
    out_processed: *mut u32,
) -> mapcore_status {
    call("mapcore_runtime_pump", || {
        handles::get_owned(runtime.id, Tag::Runtime)?;
        let timeout = match timeout_ms {
            0 => None,
            u32::MAX => Some(Duration::from_secs(86400 * 365)),
            ms => Some(Duration::from_millis(ms as u64)),
        };
        let n = owner::with_owned(runtime.id, |o| Ok(o.runtime.pump(timeout)))?;
        if !out_processed.is_null() {
            *out_processed = n;
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn mapcore_runtime_wake(runtime: mapcore_runtime) -> mapcore_status {
    call("mapcore_runtime_wake", || match handles::get(runtime.id, Tag::Runtime)?.object {
        Object::Runtime(shared) => {
            shared.inbox.wake();
            Ok(())
        }
        _ => invalid_state("stale runtime handle"),
    })
}

#[no_mangle]
pub extern "C" fn mapcore_runtime_interrupt(runtime: mapcore_runtime) -> mapcore_status {
    call("mapcore_runtime_interrupt", || match handles::get(runtime.id, Tag::Runtime)?.object {
        Object::Runtime(shared) => {
            shared.interrupt();
            Ok(())
        }
        _ => invalid_state("stale runtime handle"),
    })
}

fn c_string(strings: &mut Vec<CString>, s: &str) -> *const std::os::raw::c_char {
    let c = CString::new(s.replace('\0', "\\0")).unwrap_or_default();
    let p = c.as_ptr();
    strings.push(c); // the heap buffer does not move when the Vec grows
    p
}

fn to_c_event(e: &Event, strings: &mut Vec<CString>) -> mapcore_event {
    let (z, x, y) = e.tile.unwrap_or((-1, -1, -1));
    mapcore_event {
        type_: e.kind as u32,
        map: mapcore_map { id: e.map },
        message: c_string(strings, &e.message),
        url: c_string(strings, &e.url),
        source_id: c_string(strings, &e.source_id),
        resource_kind: e.resource_kind.map(|k| k as u32).unwrap_or(0),
        tile_z: z,
        tile_x: x,
        tile_y: y,
        complete: e.complete,
    }
}

/// # Safety
/// Out pointers are writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_runtime_drain_events(
    runtime: mapcore_runtime,
    out_events: *mut *const mapcore_event,
    out_count: *mut usize,
) -> mapcore_status {
    call("mapcore_runtime_drain_events", || {
        let out_events = out_arg(out_events, "out_events")?;
        let out_count = out_arg(out_count, "out_count")?;
        handles::get_owned(runtime.id, Tag::Runtime)?;
        owner::with_owned(runtime.id, |o| -> CallResult {
            let events = o.runtime.drain_events();
            let mut batch = EventBatch::default();
            batch.events = events.iter().map(|e| to_c_event(e, &mut batch.strings)).collect();
            o.batch = batch;
            *out_count = o.batch.events.len();
            *out_events = if o.batch.events.is_empty() { std::ptr::null() } else { o.batch.events.as_ptr() };
            Ok(())
        })
    })
}
