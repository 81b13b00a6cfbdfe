//! Map entry points: create, destroy, style, camera.

use std::os::raw::c_char;

use super::args::{bytes_arg, out_arg, out_handle, sized_arg, str_arg};
use super::guard::{call, invalid_argument, invalid_state, CallResult, Failure};
use super::handles::{self, Entry, Object, Tag};
use super::owner::{self, OwnedRuntime};
use super::types::*;
use crate::map::fit::{camera_for_bounds, Bounds, Padding};
use crate::map::{Camera, Map, MapError, MapErrorKind};

const MAP_OPTIONS_V1: usize = std::mem::size_of::<mapcore_map_options>();
const CAMERA_V1: usize = std::mem::size_of::<mapcore_camera>();

impl From<MapError> for Failure {
    fn from(e: MapError) -> Failure {
        let status = match e.kind {
            MapErrorKind::InvalidArgument => mapcore_status::MAPCORE_STATUS_INVALID_ARGUMENT,
            MapErrorKind::InvalidState => mapcore_status::MAPCORE_STATUS_INVALID_STATE,
            MapErrorKind::NotFound => mapcore_status::MAPCORE_STATUS_NOT_FOUND,
            MapErrorKind::Parse => mapcore_status::MAPCORE_STATUS_PARSE_ERROR,
            MapErrorKind::Unsupported => mapcore_status::MAPCORE_STATUS_UNSUPPORTED,
        };
        Failure { status, message: e.message }
    }
}

/// Runs `f` on the map `map` on its owner thread.
pub fn with_map<R>(map: mapcore_map, f: impl FnOnce(&mut OwnedRuntime, u64) -> CallResult<R>) -> CallResult<R> {
    let entry = handles::get_owned(map.id, Tag::Map)?;
    let runtime = match entry.object {
        Object::Map { runtime } => runtime,
        _ => return invalid_state("stale map handle"),
    };
    owner::with_owned(runtime, |o| {
        if o.runtime.map(map.id).is_none() {
            return invalid_state("stale map handle: its runtime no longer has it");
        }
        f(o, map.id)
    })
}

/// The map `id` and its runtime core.
pub fn map_core(o: &mut OwnedRuntime, id: u64) -> CallResult<(&mut Map, &mut crate::runtime::Core)> {
    match o.runtime.map_mut(id) {
        Some(pair) => Ok(pair),
        None => invalid_state("stale map handle: its runtime no longer has it"),
    }
}

/// Validated logical size and pixel ratio.
pub fn check_size(width: u32, height: u32, pixel_ratio: f32) -> CallResult<(u32, u32, f32)> {
    if !(1..=16384).contains(&width) || !(1..=16384).contains(&height) {
        return invalid_argument(format!("size {width}x{height} is out of range: width and height must be 1..16384"));
    }
    if !pixel_ratio.is_finite() || pixel_ratio <= 0.0 || pixel_ratio > 16.0 {
        return invalid_argument(format!("pixel_ratio {pixel_ratio} is out of range: it must be > 0 and <= 16"));
    }
    let (pw, ph) = ((width as f32 * pixel_ratio).round(), (height as f32 * pixel_ratio).round());
    if pw < 1.0 || ph < 1.0 || pw * ph > 16384.0 * 16384.0 {
        return invalid_argument(format!("{width}x{height} at pixel ratio {pixel_ratio} gives a {pw}x{ph} image, which is out of range"));
    }
    Ok((width, height, pixel_ratio))
}

#[no_mangle]
pub extern "C" fn mapcore_map_options_default() -> mapcore_map_options {
    mapcore_map_options { size: MAP_OPTIONS_V1, width: 512, height: 512, pixel_ratio: 1.0 }
}

/// # Safety
/// `options` is null or valid; `out_map` is writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_create(
    runtime: mapcore_runtime,
    options: *const mapcore_map_options,
    out_map: *mut mapcore_map,
) -> mapcore_status {
    call("mapcore_map_create", || {
        let out = out_handle(out_map as *mut u64, "out_map")?;
        let opts = if options.is_null() { mapcore_map_options_default() } else { *sized_arg(options, "options", MAP_OPTIONS_V1)? };
        let (w, h, r) = check_size(opts.width, opts.height, opts.pixel_ratio)?;
        handles::get_owned(runtime.id, Tag::Runtime)?;
        owner::with_owned(runtime.id, |o| {
            let id = handles::insert(
                Tag::Map,
                Entry { owner: Some(std::thread::current().id()), object: Object::Map { runtime: runtime.id } },
            );
            o.runtime.add_map(id, Map::new(id, w, h, r));
            *out = id;
            Ok(())
        })
    })
}

#[no_mangle]
pub extern "C" fn mapcore_map_destroy(map: mapcore_map) -> mapcore_status {
    call("mapcore_map_destroy", || {
        if !handles::live_for_release(map.id, Tag::Map)? {
            return Ok(());
        }
        with_map(map, |o, id| {
            if o.sessions.values().any(|s| s.map == id) {
                return invalid_state("a render session is attached to the map: destroy it first");
            }
            o.runtime.remove_map(id);
            handles::remove(id);
            Ok(())
        })
    })
}

/// # Safety
/// `json` points at `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_set_style_json(map: mapcore_map, json: *const c_char, len: usize) -> mapcore_status {
    call("mapcore_map_set_style_json", || {
        let bytes = bytes_arg(json as *const u8, len, "json")?;
        if let Err(e) = std::str::from_utf8(bytes) {
            return invalid_argument(format!("`json` is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()));
        }
        with_map(map, |o, id| {
            let (m, core) = map_core(o, id)?;
            m.set_style_json(bytes, core).map_err(Failure::from)
        })
    })
}

/// # Safety
/// `url` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_set_style_url(map: mapcore_map, url: *const c_char) -> mapcore_status {
    call("mapcore_map_set_style_url", || {
        let url = str_arg(url, "url")?;
        if url.is_empty() {
            return invalid_argument("`url` is empty");
        }
        with_map(map, |o, id| {
            let (m, core) = map_core(o, id)?;
            m.set_style_url(url, core);
            Ok(())
        })
    })
}

#[no_mangle]
pub extern "C" fn mapcore_camera_default() -> mapcore_camera {
    mapcore_camera { size: CAMERA_V1, fields: MAPCORE_CAMERA_ALL, longitude: 0.0, latitude: 0.0, zoom: 0.0, bearing: 0.0, pitch: 0.0 }
}

/// # Safety
/// `out_camera` is writable with its size set.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_get_camera(map: mapcore_map, out_camera: *mut mapcore_camera) -> mapcore_status {
    call("mapcore_map_get_camera", || {
        sized_arg(out_camera as *const mapcore_camera, "out_camera", CAMERA_V1)?;
        let cam = with_map(map, |o, id| Ok(o.runtime.map(id).map(|m| m.camera()).unwrap_or_default()))?;
        *out_camera = camera_out(cam);
        Ok(())
    })
}

/// The C camera of `cam`, all fields set.
fn camera_out(cam: Camera) -> mapcore_camera {
    mapcore_camera {
        size: CAMERA_V1,
        fields: MAPCORE_CAMERA_ALL,
        longitude: cam.longitude,
        latitude: cam.latitude,
        zoom: cam.zoom,
        bearing: cam.bearing,
        pitch: cam.pitch,
    }
}

/// # Safety
/// `padding` is null or valid; `out_camera` is writable with its size set.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_camera_for_bounds(
    map: mapcore_map,
    west: f64,
    south: f64,
    east: f64,
    north: f64,
    padding: *const mapcore_edge_insets,
    bearing: f64,
    pitch: f64,
    out_camera: *mut mapcore_camera,
) -> mapcore_status {
    call("mapcore_map_camera_for_bounds", || {
        sized_arg(out_camera as *const mapcore_camera, "out_camera", CAMERA_V1)?;
        let p = if padding.is_null() { Padding::default() } else {
            let p = &*padding;
            Padding { top: p.top, right: p.right, bottom: p.bottom, left: p.left }
        };
        let (w, h) = with_map(map, |o, id| Ok(o.runtime.map(id).map(|m| m.size()).unwrap_or((1, 1))))?;
        let bounds = Bounds { west, south, east, north };
        let cam = camera_for_bounds(bounds, p, w, h, bearing, pitch).or_else(|e| invalid_argument(e.0))?;
        *out_camera = camera_out(cam);
        Ok(())
    })
}

fn check_camera(c: &mapcore_camera) -> CallResult<Camera> {
    if c.fields & !MAPCORE_CAMERA_ALL != 0 {
        return invalid_argument(format!("camera->fields has unknown bits {:#x}", c.fields & !MAPCORE_CAMERA_ALL));
    }
    let check = |bit: u32, name: &str, v: f64, lo: f64, hi: f64| -> CallResult {
        if c.fields & bit != 0 && !(v.is_finite() && v >= lo && v <= hi) {
            return invalid_argument(format!("camera->{name} is {v}: it must be a finite number in {lo}..{hi}"));
        }
        Ok(())
    };
    check(MAPCORE_CAMERA_CENTER, "longitude", c.longitude, -1e9, 1e9)?;
    check(MAPCORE_CAMERA_CENTER, "latitude", c.latitude, -90.0, 90.0)?;
    check(MAPCORE_CAMERA_ZOOM, "zoom", c.zoom, 0.0, 24.0)?;
    check(MAPCORE_CAMERA_BEARING, "bearing", c.bearing, -1e9, 1e9)?;
    check(MAPCORE_CAMERA_PITCH, "pitch", c.pitch, 0.0, 60.0)?;
    Ok(Camera { longitude: c.longitude, latitude: c.latitude, zoom: c.zoom, bearing: c.bearing, pitch: c.pitch })
}

/// # Safety
/// `camera` is a valid camera struct with its size set.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_jump_to(map: mapcore_map, camera: *const mapcore_camera) -> mapcore_status {
    call("mapcore_map_jump_to", || {
        let c = sized_arg(camera, "camera", CAMERA_V1)?;
        let target = check_camera(c)?;
        with_map(map, |o, id| {
            let (m, _) = map_core(o, id)?;
            let mut cam = m.camera();
            if c.fields & MAPCORE_CAMERA_CENTER != 0 {
                cam.longitude = target.longitude;
                cam.latitude = target.latitude;
            }
            if c.fields & MAPCORE_CAMERA_ZOOM != 0 {
                cam.zoom = target.zoom;
            }
            if c.fields & MAPCORE_CAMERA_BEARING != 0 {
                cam.bearing = target.bearing;
            }
            if c.fields & MAPCORE_CAMERA_PITCH != 0 {
                cam.pitch = target.pitch;
            }
            m.jump_to(cam);
            Ok(())
        })
    })
}


/// # Safety
/// Out pointers are writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_pixel_for_lnglat(
    map: mapcore_map,
    longitude: f64,
    latitude: f64,
    out_x: *mut f64,
    out_y: *mut f64,
) -> mapcore_status {
    call("mapcore_map_pixel_for_lnglat", || {
        let (ox, oy) = (out_arg(out_x, "out_x")?, out_arg(out_y, "out_y")?);
        if !(longitude.is_finite() && latitude.is_finite()) {
            return invalid_argument(format!("({longitude}, {latitude}) is not a finite position"));
        }
        let t = with_map(map, |o, id| Ok(o.runtime.map(id).map(|m| m.transform())))?;
        match t.and_then(|t| t.lnglat_to_screen(longitude, latitude)) {
            Some([x, y]) => {
                (*ox, *oy) = (x, y);
                Ok(())
            }
            None => invalid_argument(format!("({longitude}, {latitude}) is behind the camera")),
        }
    })
}

/// # Safety
/// Out pointers are writable.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_lnglat_for_pixel(
    map: mapcore_map,
    x: f64,
    y: f64,
    out_longitude: *mut f64,
    out_latitude: *mut f64,
) -> mapcore_status {
    call("mapcore_map_lnglat_for_pixel", || {
        let (olng, olat) = (out_arg(out_longitude, "out_longitude")?, out_arg(out_latitude, "out_latitude")?);
        if !(x.is_finite() && y.is_finite()) {
            return invalid_argument(format!("({x}, {y}) is not a finite position"));
        }
        let t = with_map(map, |o, id| Ok(o.runtime.map(id).map(|m| m.transform())))?;
        match t.and_then(|t| t.screen_to_lnglat([x, y])) {
            Some([lng, lat]) => {
                (*olng, *olat) = (lng, lat);
                Ok(())
            }
            None => invalid_argument(format!("({x}, {y}) is above the horizon")),
        }
    })
}
