//! C-compatible types mirroring include/mapcore/*.h. Names follow the header.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_void};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mapcore_status {
    MAPCORE_STATUS_OK = 0,
    MAPCORE_STATUS_INVALID_ARGUMENT = 1,
    MAPCORE_STATUS_INVALID_STATE = 2,
    MAPCORE_STATUS_WRONG_THREAD = 3,
    MAPCORE_STATUS_NOT_FOUND = 4,
    MAPCORE_STATUS_UNSUPPORTED = 5,
    MAPCORE_STATUS_PARSE_ERROR = 6,
    MAPCORE_STATUS_IO_ERROR = 7,
    MAPCORE_STATUS_INTERNAL = 8,
    MAPCORE_STATUS_TIMEOUT = 9,
    MAPCORE_STATUS_CANCELLED = 10,
}

macro_rules! handle_type {
    ($name:ident) => {
        #[repr(C)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
        pub struct $name {
            pub id: u64,
        }
    };
}
handle_type!(mapcore_runtime);
handle_type!(mapcore_map);
handle_type!(mapcore_render_session);
handle_type!(mapcore_resource_request);
handle_type!(mapcore_archive);
handle_type!(mapcore_mbtiles_writer);

pub type mapcore_log_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: u32, target: *const c_char, message: *const c_char)>;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_runtime_options {
    pub size: usize,
    pub worker_threads: u32,
    pub render_threads: u32,
    pub asset_root: *const c_char,
    pub allowed_roots: *const *const c_char,
    pub allowed_root_count: usize,
    pub max_resource_bytes: u64,
    pub max_image_pixels: u64,
    pub max_tiles_per_source: u32,
    pub font_paths: *const *const c_char,
    pub font_path_count: usize,
    pub glyphs_mode: u32,
    pub max_tile_cache_bytes: u64,
    pub max_features_per_tile: u64,
    pub max_vertices_per_tile: u64,
    pub max_overdraw: u32,
    pub max_requests_in_flight: u32,
    pub max_style_layers: u32,
    pub max_style_sources: u32,
    pub max_geojson_cut_bytes: u64,
    pub max_tiles_per_view: u32,
    pub max_expression_nodes: u32,
    pub max_expression_depth: u32,
    pub max_glyph_ranges: u32,
    pub max_sprite_images: u32,
    pub max_glyph_bytes: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_event {
    pub type_: u32,
    pub map: mapcore_map,
    pub message: *const c_char,
    pub url: *const c_char,
    pub source_id: *const c_char,
    pub resource_kind: u32,
    pub tile_z: i32,
    pub tile_x: i32,
    pub tile_y: i32,
    pub complete: bool,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_resource_info {
    pub size: usize,
    pub url: *const c_char,
    pub kind: u32,
    pub tile_z: i32,
    pub tile_x: i32,
    pub tile_y: i32,
    pub range_offset: u64,
    pub range_length: u64,
}

pub type mapcore_resource_provider_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        info: *const mapcore_resource_info,
        request: mapcore_resource_request,
    ) -> u32,
>;
pub type mapcore_resource_cancel_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, request: mapcore_resource_request)>;
pub type mapcore_release_fn = Option<unsafe extern "C" fn(release_context: *mut c_void)>;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_resource_provider {
    pub size: usize,
    pub request: mapcore_resource_provider_fn,
    pub cancel: mapcore_resource_cancel_fn,
    pub user_data: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_map_options {
    pub size: usize,
    pub width: u32,
    pub height: u32,
    pub pixel_ratio: f32,
}

pub const MAPCORE_CAMERA_CENTER: u32 = 1;
pub const MAPCORE_CAMERA_ZOOM: u32 = 2;
pub const MAPCORE_CAMERA_BEARING: u32 = 4;
pub const MAPCORE_CAMERA_PITCH: u32 = 8;
pub const MAPCORE_CAMERA_ALL: u32 = 0xF;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_camera {
    pub size: usize,
    pub fields: u32,
    pub longitude: f64,
    pub latitude: f64,
    pub zoom: f64,
    pub bearing: f64,
    pub pitch: f64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_image_info {
    pub size: usize,
    pub width: u32,
    pub height: u32,
    pub stride: usize,
    pub byte_length: usize,
}

/// Receives a surface session's finished frame (render.h).
pub type mapcore_surface_frame_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, pixels: *const u8, info: *const mapcore_image_info)>;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_surface_callbacks {
    pub size: usize,
    pub frame: mapcore_surface_frame_fn,
    pub release: mapcore_release_fn,
    pub user_data: *mut c_void,
}

pub const MAPCORE_QUERY_POINT: u32 = 0;
pub const MAPCORE_QUERY_BOX: u32 = 1;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_query_geometry {
    pub size: usize,
    pub type_: u32,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

pub const MAPCORE_IMAGE_FORMAT_PNG: u32 = 1;
pub const MAPCORE_IMAGE_FORMAT_JPEG: u32 = 2;
pub const MAPCORE_IMAGE_FORMAT_WEBP: u32 = 3;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_encode_options {
    pub size: usize,
    pub quality: u32,
    pub png_level: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_image_options {
    pub size: usize,
    pub pixel_ratio: f32,
    pub sdf: bool,
    pub stretch_x: *const f32,
    pub stretch_x_count: usize,
    pub stretch_y: *const f32,
    pub stretch_y_count: usize,
    pub has_content: bool,
    pub content: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mapcore_edge_insets {
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub left: f64,
}
