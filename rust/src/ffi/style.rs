//! Runtime styling entry points (include/mapcore/style.h).

use std::ffi::CString;
use std::os::raw::c_char;

use super::args::{bytes_arg, json_value, opt_str_arg, out_arg, sized_arg, str_arg, text_arg};
use super::guard::{call, invalid_argument, CallResult, Failure};
use super::map::{map_core, with_map};
use super::types::*;
use crate::map::styling::Group;
use crate::map::StyleImage;
use crate::style::image::{ImageStretch, MAX_STRETCH_ZONES};

/// Hands `s` to the caller through `out` (checked by `check_out`).
pub(super) fn give_string(out: *mut *mut c_char, s: String) -> CallResult {
    *out_arg(out, "out_json")? = CString::new(s.replace('\0', "\\u0000")).unwrap_or_default().into_raw();
    Ok(())
}

/// `out` must be writable and hold NULL.
pub(super) fn check_out(out: *mut *mut c_char) -> CallResult {
    let o = out_arg(out, "out_json")?;
    if !o.is_null() {
        return invalid_argument("`*out_json` must be NULL on entry");
    }
    Ok(())
}

/// # Safety
/// `string` is NULL or a string mapcore handed out and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mapcore_string_free(string: *mut c_char) -> mapcore_status {
    call("mapcore_string_free", || {
        if !string.is_null() {
            drop(CString::from_raw(string));
        }
        Ok(())
    })
}

/// # Safety
/// Pointers as documented in style.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_add_source(map: mapcore_map, id: *const c_char, json: *const c_char, len: usize) -> mapcore_status {
    call("mapcore_map_add_source", || {
        let id = str_arg(id, "id")?;
        let source = text_arg(json, len, "json")?;
        with_map(map, |o, m| {
            let (m, core) = map_core(o, m)?;
            m.add_source(id, source, core).map_err(Failure::from)
        })
    })
}

/// # Safety
/// `id` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_remove_source(map: mapcore_map, id: *const c_char) -> mapcore_status {
    call("mapcore_map_remove_source", || {
        let id = str_arg(id, "id")?;
        with_map(map, |o, m| {
            let (m, core) = map_core(o, m)?;
            m.remove_source(id, core).map_err(Failure::from)
        })
    })
}

/// # Safety
/// Pointers as documented in style.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_add_layer(map: mapcore_map, json: *const c_char, len: usize, before_id: *const c_char) -> mapcore_status {
    call("mapcore_map_add_layer", || {
        let layer = text_arg(json, len, "json")?;
        let before = opt_str_arg(before_id, "before_id")?;
        with_map(map, |o, m| {
            let (m, core) = map_core(o, m)?;
            let layer = json_value(layer, "json", core.limits())?;
            m.add_layer(&layer, before, core).map_err(Failure::from)
        })
    })
}

/// # Safety
/// `id` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_remove_layer(map: mapcore_map, id: *const c_char) -> mapcore_status {
    call("mapcore_map_remove_layer", || {
        let id = str_arg(id, "id")?;
        with_map(map, |o, m| {
            let (m, core) = map_core(o, m)?;
            m.remove_layer(id, core).map_err(Failure::from)
        })
    })
}

unsafe fn set_property(
    function: &str,
    group: Group,
    map: mapcore_map,
    layer_id: *const c_char,
    name: *const c_char,
    json: *const c_char,
    len: usize,
) -> mapcore_status {
    call(function, || {
        let layer = str_arg(layer_id, "layer_id")?;
        let name = str_arg(name, "name")?;
        let value = text_arg(json, len, "json")?;
        with_map(map, |o, m| {
            let (m, core) = map_core(o, m)?;
            let value = json_value(value, "json", core.limits())?;
            m.set_property(layer, group, name, &value, core).map_err(Failure::from)
        })
    })
}

unsafe fn get_property(
    function: &str,
    group: Group,
    map: mapcore_map,
    layer_id: *const c_char,
    name: *const c_char,
    out_json: *mut *mut c_char,
) -> mapcore_status {
    call(function, || {
        check_out(out_json)?;
        let layer = str_arg(layer_id, "layer_id")?;
        let name = str_arg(name, "name")?;
        let value = with_map(map, |o, m| {
            let (m, _) = map_core(o, m)?;
            m.get_property(layer, group, name).map_err(Failure::from)
        })?;
        give_string(out_json, value.to_string())
    })
}

/// # Safety
/// Pointers as documented in style.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_set_paint_property(map: mapcore_map, layer_id: *const c_char, name: *const c_char, json: *const c_char, len: usize) -> mapcore_status {
    set_property("mapcore_map_set_paint_property", Group::Paint, map, layer_id, name, json, len)
}

/// # Safety
/// Pointers as documented in style.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_get_paint_property(map: mapcore_map, layer_id: *const c_char, name: *const c_char, out_json: *mut *mut c_char) -> mapcore_status {
    get_property("mapcore_map_get_paint_property", Group::Paint, map, layer_id, name, out_json)
}

/// # Safety
/// Pointers as documented in style.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_set_layout_property(map: mapcore_map, layer_id: *const c_char, name: *const c_char, json: *const c_char, len: usize) -> mapcore_status {
    set_property("mapcore_map_set_layout_property", Group::Layout, map, layer_id, name, json, len)
}

/// # Safety
/// Pointers as documented in style.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_get_layout_property(map: mapcore_map, layer_id: *const c_char, name: *const c_char, out_json: *mut *mut c_char) -> mapcore_status {
    get_property("mapcore_map_get_layout_property", Group::Layout, map, layer_id, name, out_json)
}

/// # Safety
/// Pointers as documented in style.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_set_filter(map: mapcore_map, layer_id: *const c_char, json: *const c_char, len: usize) -> mapcore_status {
    call("mapcore_map_set_filter", || {
        let layer = str_arg(layer_id, "layer_id")?;
        let filter = if json.is_null() && len == 0 { None } else { Some(text_arg(json, len, "json")?) };
        with_map(map, |o, m| {
            let (m, core) = map_core(o, m)?;
            let filter = match filter {
                Some(text) => json_value(text, "json", core.limits())?,
                None => serde_json::Value::Null,
            };
            m.set_filter(layer, &filter, core).map_err(Failure::from)
        })
    })
}

/// # Safety
/// `id` is a NUL-terminated string; `rgba` points at `stride * (height - 1)
/// + width * 4` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_add_image(
    map: mapcore_map,
    id: *const c_char,
    rgba: *const u8,
    width: u32,
    height: u32,
    stride: usize,
    pixel_ratio: f32,
    sdf: bool,
) -> mapcore_status {
    call("mapcore_map_add_image", || {
        let options = mapcore_image_options { pixel_ratio, sdf, ..mapcore_image_options_default() };
        add_image(map, id, rgba, width, height, stride, &options, "pixel_ratio")
    })
}

const IMAGE_OPTIONS_V1: usize = std::mem::size_of::<mapcore_image_options>();

#[no_mangle]
pub extern "C" fn mapcore_image_options_default() -> mapcore_image_options {
    mapcore_image_options {
        size: IMAGE_OPTIONS_V1,
        pixel_ratio: 1.0,
        sdf: false,
        stretch_x: std::ptr::null(),
        stretch_x_count: 0,
        stretch_y: std::ptr::null(),
        stretch_y_count: 0,
        has_content: false,
        content: [0.0; 4],
    }
}

/// # Safety
/// As `mapcore_map_add_image`; `options` is null or a valid options struct
/// whose zone arrays hold `2 * count` floats.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_add_image_with_options(
    map: mapcore_map,
    id: *const c_char,
    rgba: *const u8,
    width: u32,
    height: u32,
    stride: usize,
    options: *const mapcore_image_options,
) -> mapcore_status {
    call("mapcore_map_add_image_with_options", || {
        let options =
            if options.is_null() { mapcore_image_options_default() } else { *sized_arg(options, "options", IMAGE_OPTIONS_V1)? };
        add_image(map, id, rgba, width, height, stride, &options, "options->pixel_ratio")
    })
}

/// Zone pairs from a C array of `2 * count` floats.
unsafe fn zones_arg(ptr: *const f32, count: usize, name: &str) -> CallResult<Vec<[f32; 2]>> {
    if count > MAX_STRETCH_ZONES {
        return invalid_argument(format!("`{name}_count` is {count} (at most {MAX_STRETCH_ZONES} zones)"));
    }
    if count > 0 && ptr.is_null() {
        return invalid_argument(format!("`{name}` is null but `{name}_count` is {count}"));
    }
    if count == 0 {
        return Ok(Vec::new());
    }
    let floats = std::slice::from_raw_parts(ptr, count * 2);
    Ok(floats.chunks_exact(2).map(|p| [p[0], p[1]]).collect())
}

/// The checks and copy behind both add_image entry points.
#[allow(clippy::too_many_arguments)]
unsafe fn add_image(
    map: mapcore_map,
    id: *const c_char,
    rgba: *const u8,
    width: u32,
    height: u32,
    stride: usize,
    options: &mapcore_image_options,
    ratio_name: &str,
) -> CallResult {
    let id = str_arg(id, "id")?;
    if width == 0 || height == 0 || width > 8192 || height > 8192 {
        return invalid_argument(format!("image size {width}x{height} is out of range (1..8192 each)"));
    }
    if stride < width as usize * 4 {
        return invalid_argument(format!("`stride` {stride} is less than 4 * width = {}", width as usize * 4));
    }
    let pixel_ratio = options.pixel_ratio;
    if !(pixel_ratio.is_finite() && pixel_ratio > 0.0 && pixel_ratio <= 16.0) {
        return invalid_argument(format!("{ratio_name} {pixel_ratio} is out of range: it must be > 0 and <= 16"));
    }
    let stretch_x = zones_arg(options.stretch_x, options.stretch_x_count, "options->stretch_x")?;
    let stretch_y = zones_arg(options.stretch_y, options.stretch_y_count, "options->stretch_y")?;
    let content = options.has_content.then_some(options.content);
    let stretch = ImageStretch::checked(stretch_x, stretch_y, content, width, height, ["options->stretch_x", "options->stretch_y", "options->content"])
        .or_else(invalid_argument)?;
    let stride = super::args::len_arg(stride, "stride")?;
    let Some(len) = stride.checked_mul(height as usize - 1).and_then(|n| n.checked_add(width as usize * 4)) else {
        return invalid_argument(format!("`stride` {stride} times {height} rows overflows"));
    };
    let bytes = bytes_arg(rgba, len, "rgba")?;
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 4);
    for row in 0..height as usize {
        pixels.extend_from_slice(&bytes[row * stride..row * stride + width as usize * 4]);
    }
    let image = StyleImage { width, height, pixel_ratio, sdf: options.sdf, rgba: std::sync::Arc::new(pixels), stretch };
    with_map(map, |o, m| {
        let (m, _) = map_core(o, m)?;
        m.add_image(id, image).map_err(Failure::from)
    })
}

/// # Safety
/// `id` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_remove_image(map: mapcore_map, id: *const c_char) -> mapcore_status {
    call("mapcore_map_remove_image", || {
        let id = str_arg(id, "id")?;
        with_map(map, |o, m| {
            let (m, _) = map_core(o, m)?;
            m.remove_image(id).map_err(Failure::from)
        })
    })
}

/// # Safety
/// `out_json` is writable and holds NULL.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_get_style_json(map: mapcore_map, out_json: *mut *mut c_char) -> mapcore_status {
    call("mapcore_map_get_style_json", || {
        check_out(out_json)?;
        let json = with_map(map, |o, m| {
            let (m, _) = map_core(o, m)?;
            m.style_json().map_err(Failure::from)
        })?;
        give_string(out_json, json)
    })
}

/// # Safety
/// Pointers as documented in map.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_set_feature_state(
    map: mapcore_map,
    source_id: *const c_char,
    source_layer: *const c_char,
    feature_id: *const c_char,
    state_json: *const c_char,
    len: usize,
) -> mapcore_status {
    call("mapcore_map_set_feature_state", || {
        let source = str_arg(source_id, "source_id")?;
        let layer = opt_str_arg(source_layer, "source_layer")?.unwrap_or("");
        let id = str_arg(feature_id, "feature_id")?;
        let state = text_arg(state_json, len, "state_json")?;
        with_map(map, |o, m| {
            let (m, core) = map_core(o, m)?;
            let state = json_value(state, "state_json", core.limits())?;
            m.set_feature_state(source, layer, id, &state).map_err(Failure::from)
        })
    })
}

/// # Safety
/// Pointers as documented in map.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_get_feature_state(
    map: mapcore_map,
    source_id: *const c_char,
    source_layer: *const c_char,
    feature_id: *const c_char,
    out_json: *mut *mut c_char,
) -> mapcore_status {
    call("mapcore_map_get_feature_state", || {
        check_out(out_json)?;
        let source = str_arg(source_id, "source_id")?;
        let layer = opt_str_arg(source_layer, "source_layer")?.unwrap_or("");
        let id = str_arg(feature_id, "feature_id")?;
        let state = with_map(map, |o, m| {
            let (m, _) = map_core(o, m)?;
            m.get_feature_state(source, layer, id).map_err(Failure::from)
        })?;
        give_string(out_json, state.to_string())
    })
}

/// # Safety
/// Pointers as documented in map.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_remove_feature_state(
    map: mapcore_map,
    source_id: *const c_char,
    source_layer: *const c_char,
    feature_id: *const c_char,
    key: *const c_char,
) -> mapcore_status {
    call("mapcore_map_remove_feature_state", || {
        let source = str_arg(source_id, "source_id")?;
        let layer = opt_str_arg(source_layer, "source_layer")?.unwrap_or("");
        let id = opt_str_arg(feature_id, "feature_id")?;
        let key = opt_str_arg(key, "key")?;
        with_map(map, |o, m| {
            let (m, _) = map_core(o, m)?;
            m.remove_feature_state(source, layer, id, key).map_err(Failure::from)
        })
    })
}
