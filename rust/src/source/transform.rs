//! The camera: a Web Mercator transform with MapLibre's conventions.
//!
//! * World size is `512 * 2^zoom` logical pixels (MapLibre's tile size 512); world
//!   coordinates are pixels at the current zoom with y down from the north edge.
//! * `bearing` in degrees, clockwise rotation of the camera (the map turns
//!   counter-clockwise: with bearing 90 east is up).
//! * `pitch` in degrees from straight down, limited to `max_pitch` (60 by default,
//!   at most 85).
//! * Perspective camera with a vertical field of view `fov` (MapLibre's default
//!   0.6435 rad = 36.87°), placed `0.5 / tan(fov / 2) * height` pixels from the
//!   center (1.5 × height for the default fov), looking at the map center.
//!
//! Projection of a ground point relative to the center (after rotation) `(rx, ry)`:
//! `w = 1 - ry * sin(pitch) / D`, `screen = (W/2 + rx / w, H/2 + ry * cos(pitch) / w)`.
//! It is linear in homogeneous coordinates, so each tile gets one 3×3 matrix
//! ([`TileMatrix`]) taking tile coordinates straight to the screen.

use crate::data::matrix::inv3;
use crate::source::feature::{TileId, TilePoint};

/// Largest latitude of Web Mercator.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_6;
/// MapLibre's tile size (pixels per tile at integer zoom).
pub const TILE_SIZE: f64 = 512.0;
/// MapLibre's default vertical field of view (radians), 36.87°.
pub const DEFAULT_FOV: f64 = 0.6435011087932844;

/// Mercator x in [0, 1] of a longitude.
pub fn mercator_x(lng: f64) -> f64 {
    (180.0 + lng) / 360.0
}

/// Mercator y in [0, 1] (0 = north) of a latitude (clamped to ±MAX_LATITUDE).
pub fn mercator_y(lat: f64) -> f64 {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE);
    let s = lat.to_radians().sin();
    0.5 - 0.25 * ((1.0 + s) / (1.0 - s)).ln() / std::f64::consts::PI
}

/// Longitude of a mercator x.
pub fn lng_from_mercator_x(x: f64) -> f64 {
    x * 360.0 - 180.0
}

/// Latitude of a mercator y.
pub fn lat_from_mercator_y(y: f64) -> f64 {
    let y2 = 180.0 - y * 360.0;
    360.0 / std::f64::consts::PI * (y2 * std::f64::consts::PI / 180.0).exp().atan() - 90.0
}

/// A camera over a Web Mercator map.
#[derive(Clone, Debug, PartialEq)]
pub struct Transform {
    /// Viewport size in logical pixels.
    pub width: f64,
    pub height: f64,
    /// Center longitude in degrees (kept in [-180, 180]).
    pub lng: f64,
    /// Center latitude in degrees (kept within ±MAX_LATITUDE).
    pub lat: f64,
    pub zoom: f64,
    /// Degrees.
    pub bearing: f64,
    /// Degrees.
    pub pitch: f64,
    /// Vertical field of view in radians.
    pub fov: f64,
    pub min_zoom: f64,
    pub max_zoom: f64,
    /// Degrees, at most 85.
    pub max_pitch: f64,
    /// MapLibre Native's default `ConstrainMode::HeightOnly`: the zoom is at least
    /// `log2(height / 512)` and the center latitude is limited so that the world
    /// covers the viewport vertically (bearing and pitch are not considered).
    pub constrain_height: bool,
}

impl Default for Transform {
    fn default() -> Self {
        Transform {
            width: 512.0,
            height: 512.0,
            lng: 0.0,
            lat: 0.0,
            zoom: 0.0,
            bearing: 0.0,
            pitch: 0.0,
            fov: DEFAULT_FOV,
            min_zoom: 0.0,
            max_zoom: 24.0,
            max_pitch: 60.0,
            constrain_height: true,
        }
    }
}

/// Maps (tile x, tile y, height in pixels) of one tile to the screen
/// (homogeneous 3×4, row major).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileMatrix3d {
    pub m: [[f64; 4]; 3],
}

impl TileMatrix3d {
    /// Screen position and perspective divisor (larger is farther; ≤ 0 is
    /// behind the camera).
    #[inline]
    pub fn project(&self, x: f64, y: f64, z: f64) -> ([f64; 2], f64) {
        let m = &self.m;
        let row = |r: &[f64; 4]| r[0] * x + r[1] * y + r[2] * z + r[3];
        let w = row(&m[2]);
        ([row(&m[0]) / w, row(&m[1]) / w], w)
    }
}

/// Maps tile coordinates of one tile to screen pixels (homogeneous 3×3, row major).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileMatrix {
    pub m: [[f64; 3]; 3],
}

impl TileMatrix {
    /// Screen position of a tile point. Only meaningful in front of the camera
    /// (`w > 0`): in steeply pitched views, geometry reaching behind the camera
    /// plane must be clipped against `w` first.
    #[inline]
    pub fn project(&self, p: TilePoint) -> [f32; 2] {
        let (x, y) = (f64::from(p.x), f64::from(p.y));
        self.project_f(x, y)
    }

    /// Screen position of fractional tile coordinates.
    #[inline]
    pub fn project_f(&self, x: f64, y: f64) -> [f32; 2] {
        let m = &self.m;
        let w = m[2][0] * x + m[2][1] * y + m[2][2];
        let sx = m[0][0] * x + m[0][1] * y + m[0][2];
        let sy = m[1][0] * x + m[1][1] * y + m[1][2];
        [(sx / w) as f32, (sy / w) as f32]
    }

    /// Perspective divisor at a tile point: 1 at the center's distance, larger when
    /// farther from the camera (≤ 0 behind it).
    #[inline]
    pub fn w(&self, x: f64, y: f64) -> f64 {
        self.m[2][0] * x + self.m[2][1] * y + self.m[2][2]
    }
}

fn mul3(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut r = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            r[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
        }
    }
    r
}


impl Transform {
    /// A camera of the given viewport size at lng/lat 0, zoom 0.
    pub fn new(width: f64, height: f64) -> Transform {
        Transform { width, height, ..Transform::default() }
    }

    /// Sets center, zoom, bearing and pitch, applying all limits.
    pub fn set_camera(&mut self, lng: f64, lat: f64, zoom: f64, bearing: f64, pitch: f64) {
        self.lng = lng;
        self.lat = lat;
        self.zoom = zoom;
        self.bearing = bearing;
        self.pitch = pitch;
        self.constrain();
    }

    /// Applies the limits: finite values, longitude wrapped to [-180, 180],
    /// latitude within ±MAX_LATITUDE, zoom within [min_zoom, max_zoom], bearing in
    /// (-180, 180], pitch within [0, max_pitch] (max_pitch ≤ 85).
    pub fn constrain(&mut self) {
        let fin = |v: f64, d: f64| if v.is_finite() { v } else { d };
        self.width = fin(self.width, 1.0).max(1.0);
        self.height = fin(self.height, 1.0).max(1.0);
        self.lng = fin(self.lng, 0.0);
        if !(-180.0..=180.0).contains(&self.lng) {
            self.lng = (self.lng + 180.0).rem_euclid(360.0) - 180.0;
        }
        self.lat = fin(self.lat, 0.0).clamp(-MAX_LATITUDE, MAX_LATITUDE);
        self.max_pitch = fin(self.max_pitch, 60.0).clamp(0.0, 85.0);
        self.min_zoom = fin(self.min_zoom, 0.0).clamp(0.0, 24.0);
        self.max_zoom = fin(self.max_zoom, 24.0).clamp(self.min_zoom, 24.0);
        self.zoom = fin(self.zoom, 0.0).clamp(self.min_zoom, self.max_zoom);
        let b = fin(self.bearing, 0.0).rem_euclid(360.0);
        self.bearing = if b > 180.0 { b - 360.0 } else { b };
        self.pitch = fin(self.pitch, 0.0).clamp(0.0, self.max_pitch);
        self.fov = fin(self.fov, DEFAULT_FOV).clamp(0.01, 3.0);
        if self.constrain_height {
            let min_zoom = (self.height / TILE_SIZE).log2();
            if self.zoom < min_zoom {
                self.zoom = min_zoom.min(24.0);
            }
            let ws = self.world_size();
            let max_off = ((ws - self.height) / 2.0).max(0.0);
            let y = mercator_y(self.lat) * ws - ws / 2.0;
            let clamped = y.clamp(-max_off, max_off);
            if clamped != y {
                self.lat = lat_from_mercator_y((clamped + ws / 2.0) / ws);
            }
        }
    }

    /// `512 * 2^zoom`.
    pub fn world_size(&self) -> f64 {
        TILE_SIZE * self.zoom.exp2()
    }

    /// Distance from the camera to the center, in pixels (1.5 × height by default).
    pub fn camera_to_center_distance(&self) -> f64 {
        0.5 / (self.fov / 2.0).tan() * self.height
    }

    /// World pixel coordinates of a lng/lat at the current zoom.
    pub fn lnglat_to_world(&self, lng: f64, lat: f64) -> [f64; 2] {
        let s = self.world_size();
        [mercator_x(lng) * s, mercator_y(lat) * s]
    }

    /// Lng/lat of world pixel coordinates (longitude not wrapped).
    pub fn world_to_lnglat(&self, p: [f64; 2]) -> [f64; 2] {
        let s = self.world_size();
        [lng_from_mercator_x(p[0] / s), lat_from_mercator_y(p[1] / s)]
    }

    /// The center in world pixels.
    pub fn center_world(&self) -> [f64; 2] {
        self.lnglat_to_world(self.lng, self.lat)
    }

    /// Homogeneous matrix from world pixels to the screen.
    pub fn world_matrix(&self) -> [[f64; 3]; 3] {
        let [cx, cy] = self.center_world();
        let a = (-self.bearing).to_radians();
        let (sa, ca) = a.sin_cos();
        let p = self.pitch.to_radians();
        let (sp, cp) = p.sin_cos();
        let d = self.camera_to_center_distance();
        let (hw, hh) = (self.width / 2.0, self.height / 2.0);
        // rotation + translation: world -> (rx, ry, 1)
        let rt = [
            [ca, -sa, -(ca * cx - sa * cy)],
            [sa, ca, -(sa * cx + ca * cy)],
            [0.0, 0.0, 1.0],
        ];
        // (rx, ry, 1) -> (X, Y, W)
        let wrow = [0.0, -sp / d, 1.0];
        let proj = [
            [1.0 + hw * wrow[0], hw * wrow[1], hw * wrow[2]],
            [hh * wrow[0], cp + hh * wrow[1], hh * wrow[2]],
            wrow,
        ];
        mul3(&proj, &rt)
    }

    /// Screen position of world pixel coordinates; `None` behind the camera.
    pub fn world_to_screen(&self, p: [f64; 2]) -> Option<[f64; 2]> {
        let m = self.world_matrix();
        let w = m[2][0] * p[0] + m[2][1] * p[1] + m[2][2];
        if w <= 1e-9 {
            return None;
        }
        Some([
            (m[0][0] * p[0] + m[0][1] * p[1] + m[0][2]) / w,
            (m[1][0] * p[0] + m[1][1] * p[1] + m[1][2]) / w,
        ])
    }

    /// Screen position of a lng/lat (`None` behind the camera).
    pub fn lnglat_to_screen(&self, lng: f64, lat: f64) -> Option<[f64; 2]> {
        self.world_to_screen(self.lnglat_to_world(lng, lat))
    }

    /// World pixel coordinates of the ground under a screen point; `None` at or
    /// above the horizon.
    pub fn screen_to_world(&self, s: [f64; 2]) -> Option<[f64; 2]> {
        let inv = inv3(&self.world_matrix())?;
        let (x, y) = (s[0], s[1]);
        let wx = inv[0][0] * x + inv[0][1] * y + inv[0][2];
        let wy = inv[1][0] * x + inv[1][1] * y + inv[1][2];
        let ww = inv[2][0] * x + inv[2][1] * y + inv[2][2];
        // The ground point must be in front of the camera: its w is 1/ww.
        if ww <= 1e-12 {
            return None;
        }
        Some([wx / ww, wy / ww])
    }

    /// Lng/lat under a screen point (longitude not wrapped); `None` above the horizon.
    pub fn screen_to_lnglat(&self, s: [f64; 2]) -> Option<[f64; 2]> {
        self.screen_to_world(s).map(|p| self.world_to_lnglat(p))
    }

    /// Screen y of the horizon (negative when the whole screen shows ground).
    pub fn horizon_y(&self) -> f64 {
        let p = self.pitch.to_radians();
        if p <= 0.0 {
            return f64::NEG_INFINITY;
        }
        self.height / 2.0 - self.camera_to_center_distance() / p.tan()
    }

    /// The matrix taking coordinates of `tile` (0..extent), drawn in world copy
    /// `wrap`, to the screen. Compute once per tile and frame.
    pub fn tile_matrix(&self, tile: TileId, wrap: i32, extent: u32) -> TileMatrix {
        let n = (tile.z as f64).exp2();
        let tile_px = self.world_size() / n;
        let scale = tile_px / f64::from(extent.max(1));
        let ox = (f64::from(tile.x) + f64::from(wrap) * n) * tile_px;
        let oy = f64::from(tile.y) * tile_px;
        let a = [[scale, 0.0, ox], [0.0, scale, oy], [0.0, 0.0, 1.0]];
        TileMatrix { m: mul3(&self.world_matrix(), &a) }
    }

    /// Pixels (at the current zoom) per meter of height at the centre's latitude.
    pub fn pixels_per_meter(&self) -> f64 {
        const EARTH_CIRCUMFERENCE: f64 = 2.0 * std::f64::consts::PI * 6_378_137.0;
        self.world_size() / (EARTH_CIRCUMFERENCE * self.lat.to_radians().cos())
    }

    /// Maps (tile x, tile y, height in pixels) of one tile to the screen: the
    /// ground matrix of [`Transform::tile_matrix`] extended by the camera's
    /// view of height (up is toward the camera and the top of the screen).
    pub fn tile_matrix_3d(&self, tile: TileId, wrap: i32, extent: u32) -> TileMatrix3d {
        let g = self.tile_matrix(tile, wrap, extent).m;
        let (sp, cp) = self.pitch.to_radians().sin_cos();
        let d = self.camera_to_center_distance();
        let hh = self.height / 2.0;
        // Height z adds -sp*z to Y's numerator and -cp*z/d to W (see world_matrix:
        // Y = cp*ry + hh*W, W = 1 - (sp*ry + cp*z)/d).
        let wz = -cp / d;
        TileMatrix3d {
            m: [
                [g[0][0], g[0][1], self.width / 2.0 * wz, g[0][2]],
                [g[1][0], g[1][1], -sp + hh * wz, g[1][2]],
                [g[2][0], g[2][1], wz, g[2][2]],
            ],
        }
    }

    /// Screen position of one tile point. For many points use [`Transform::tile_matrix`].
    pub fn project_tile_point(&self, tile: TileId, wrap: i32, extent: u32, p: TilePoint) -> [f32; 2] {
        self.tile_matrix(tile, wrap, extent).project(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() <= eps
    }

    #[test]
    fn mercator_round_trip() {
        assert!(close(mercator_y(0.0), 0.5, 1e-12));
        assert!(close(mercator_y(MAX_LATITUDE), 0.0, 1e-9));
        assert!(close(mercator_y(90.0), 0.0, 1e-9));
        for lat in [-80.0, -33.3, 0.0, 12.5, 60.0] {
            assert!(close(lat_from_mercator_y(mercator_y(lat)), lat, 1e-9));
        }
        assert!(close(lng_from_mercator_x(mercator_x(-122.4)), -122.4, 1e-9));
    }

    #[test]
    fn z0_center() {
        let t = Transform::new(512.0, 512.0);
        assert_eq!(t.world_size(), 512.0);
        assert_eq!(t.lnglat_to_world(0.0, 0.0), [256.0, 256.0]);
        let s = t.lnglat_to_screen(0.0, 0.0).unwrap();
        assert!(close(s[0], 256.0, 1e-9) && close(s[1], 256.0, 1e-9));
        let s = t.lnglat_to_screen(180.0, 0.0).unwrap();
        assert!(close(s[0], 512.0, 1e-9));
        assert!(close(t.camera_to_center_distance(), 1.5 * 512.0, 1e-6));
    }

    #[test]
    fn center_maps_to_screen_center() {
        let mut t = Transform::new(800.0, 600.0);
        t.set_camera(13.4, 52.5, 11.3, 37.0, 45.0);
        let s = t.lnglat_to_screen(13.4, 52.5).unwrap();
        assert!(close(s[0], 400.0, 1e-6) && close(s[1], 300.0, 1e-6), "{s:?}");
        let ll = t.screen_to_lnglat([400.0, 300.0]).unwrap();
        assert!(close(ll[0], 13.4, 1e-9) && close(ll[1], 52.5, 1e-9));
        // round trip of an off-center point
        let ll = t.screen_to_lnglat([123.0, 456.0]).unwrap();
        let s = t.lnglat_to_screen(ll[0], ll[1]).unwrap();
        assert!(close(s[0], 123.0, 1e-6) && close(s[1], 456.0, 1e-6));
    }

    #[test]
    fn bearing_rotates() {
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(0.0, 0.0, 2.0, 90.0, 0.0);
        // with bearing 90, east is up
        let s = t.lnglat_to_screen(10.0, 0.0).unwrap();
        assert!(close(s[0], 256.0, 1e-6) && s[1] < 256.0, "{s:?}");
        let d = 10.0 / 360.0 * t.world_size();
        assert!(close(256.0 - s[1], d, 1e-6));
        // and north is to the left
        let s = t.lnglat_to_screen(0.0, 10.0).unwrap();
        assert!(s[0] < 256.0 && close(s[1], 256.0, 1e-6), "{s:?}");
    }

    #[test]
    fn pitch_shrinks_far_side() {
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(0.0, 0.0, 4.0, 0.0, 60.0);
        let d = 1.0 / 360.0 * t.world_size() * 10.0;
        let north = t.lnglat_to_screen(0.0, lat_from_mercator_y(0.5 - d / t.world_size())).unwrap();
        let south = t.lnglat_to_screen(0.0, lat_from_mercator_y(0.5 + d / t.world_size())).unwrap();
        assert!(256.0 - north[1] < south[1] - 256.0, "{north:?} {south:?}");
        // far side: closer to the center on screen by the perspective formula
        let sp = 60f64.to_radians().sin();
        let cp = 60f64.to_radians().cos();
        let dist = t.camera_to_center_distance();
        let w = 1.0 + d * sp / dist;
        assert!(close(256.0 - north[1], d * cp / w, 1e-6));
        // pitch limit
        t.set_camera(0.0, 0.0, 4.0, 0.0, 80.0);
        assert_eq!(t.pitch, 60.0);
        t.max_pitch = 85.0;
        t.set_camera(0.0, 0.0, 4.0, 0.0, 80.0);
        assert_eq!(t.pitch, 80.0);
        // the top of a steeply pitched screen is sky
        assert!(t.horizon_y() > 0.0);
        assert!(t.screen_to_lnglat([256.0, 0.0]).is_none());
        assert!(t.screen_to_lnglat([256.0, 500.0]).is_some());
    }

    #[test]
    fn limits() {
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(190.0, 89.0, 30.0, 270.0, -5.0);
        assert!(close(t.lng, -170.0, 1e-9));
        // height constraint: the top of the screen is at the top of the world
        assert!(t.lat < MAX_LATITUDE && t.lat > 85.0);
        t.set_camera(0.0, 89.0, 10.0, 0.0, 0.0);
        let top = t.screen_to_world([256.0, 0.0]).unwrap();
        assert!(close(top[1], 0.0, 1e-6), "{top:?}");
        t.set_camera(190.0, 89.0, 30.0, 270.0, -5.0);
        assert_eq!(t.zoom, 24.0);
        assert_eq!(t.bearing, -90.0);
        assert_eq!(t.pitch, 0.0);
        t.set_camera(f64::NAN, 0.0, f64::INFINITY, 0.0, 0.0);
        assert_eq!(t.lng, 0.0);
        assert_eq!(t.zoom, 0.0);
        // without the height constraint only the latitude limit applies
        t.constrain_height = false;
        t.set_camera(0.0, 89.0, 30.0, 0.0, 0.0);
        assert!(close(t.lat, MAX_LATITUDE, 1e-12));
        // a tall viewport needs a larger world
        let mut t = Transform::new(256.0, 2048.0);
        t.set_camera(0.0, 60.0, 0.0, 0.0, 0.0);
        assert!(close(t.zoom, 2.0, 1e-12));
        assert!(close(t.lat, 0.0, 1e-9));
    }

    #[test]
    fn tile_matrix_3d_agrees_on_the_ground_and_lifts_heights_up_the_screen() {
        let mut t = Transform::new(640.0, 480.0);
        t.set_camera(13.4, 52.5, 16.0, 30.0, 45.0);
        let tile = TileId::new(16, 35201, 21494);
        let (g, m) = (t.tile_matrix(tile, 0, 4096), t.tile_matrix_3d(tile, 0, 4096));
        let ground = g.project_f(1000.0, 2000.0);
        let (lifted0, w0) = m.project(1000.0, 2000.0, 0.0);
        assert!((ground[0] as f64 - lifted0[0]).abs() < 1e-3 && (ground[1] as f64 - lifted0[1]).abs() < 1e-3);
        let (lifted, w) = m.project(1000.0, 2000.0, 50.0);
        assert!(lifted[1] < lifted0[1] - 10.0, "a raised point appears higher on screen");
        assert!(w < w0, "a raised point is closer to the camera");
        // Seen from straight above, height only brings points closer (bigger).
        t.set_camera(13.4, 52.5, 16.0, 0.0, 0.0);
        let m = t.tile_matrix_3d(tile, 0, 4096);
        let (_, w) = m.project(0.0, 0.0, 100.0);
        assert!(w < 1.0);
        assert!(t.pixels_per_meter() > 1.0);
    }

    #[test]
    fn tile_matrix_matches_world_projection() {
        let mut t = Transform::new(640.0, 480.0);
        t.set_camera(-73.98, 40.75, 14.2, -20.0, 30.0);
        let tile = TileId::new(14, 4823, 6157);
        let m = t.tile_matrix(tile, 0, 4096);
        let p = TilePoint::new(1000, 3000);
        let got = m.project(p);
        let n = 16384.0;
        let wx = (4823.0 + 1000.0 / 4096.0) / n * t.world_size();
        let wy = (6157.0 + 3000.0 / 4096.0) / n * t.world_size();
        let want = t.world_to_screen([wx, wy]).unwrap();
        assert!(close(f64::from(got[0]), want[0], 1e-2) && close(f64::from(got[1]), want[1], 1e-2));
        assert_eq!(t.project_tile_point(tile, 0, 4096, p), got);
        // world copy one to the east is one world width to the right (no bearing/pitch)
        let mut t = Transform::new(512.0, 512.0);
        t.set_camera(0.0, 0.0, 0.0, 0.0, 0.0);
        let a = t.project_tile_point(TileId::new(0, 0, 0), 0, 4096, TilePoint::new(0, 0));
        let b = t.project_tile_point(TileId::new(0, 0, 0), 1, 4096, TilePoint::new(0, 0));
        assert_eq!(a, [0.0, 0.0]);
        assert_eq!(b, [512.0, 0.0]);
    }
}
