//! The map's camera and its view transform.

use crate::source::transform::Transform;

/// Where the map looks. Longitude wraps to -180..180, latitude is clamped to
/// Web Mercator's range, bearing is normalized to (-180, 180].
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Camera {
    pub longitude: f64,
    pub latitude: f64,
    pub zoom: f64,
    pub bearing: f64,
    pub pitch: f64,
}

pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

impl Camera {
    /// The same camera with every field in its canonical range.
    pub fn normalized(self) -> Camera {
        let wrap = |v: f64| {
            if (-180.0..=180.0).contains(&v) {
                return v; // keep exact values exact
            }
            let w = (v + 180.0).rem_euclid(360.0) - 180.0;
            if w == -180.0 && v > 0.0 {
                180.0
            } else {
                w
            }
        };
        let mut bearing = self.bearing;
        if !(-180.0 < bearing && bearing <= 180.0) {
            bearing = (bearing + 180.0).rem_euclid(360.0) - 180.0;
            if bearing == -180.0 {
                bearing = 180.0;
            }
        }
        Camera {
            longitude: wrap(self.longitude),
            latitude: self.latitude.clamp(-MAX_LATITUDE, MAX_LATITUDE),
            zoom: self.zoom.clamp(0.0, 24.0),
            bearing,
            pitch: self.pitch.clamp(0.0, 60.0),
        }
    }

    /// The view transform for a logical size.
    pub fn transform(&self, width: u32, height: u32) -> Transform {
        let mut t = Transform::new(width as f64, height as f64);
        t.set_camera(self.longitude, self.latitude, self.zoom, self.bearing, self.pitch);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_longitude_latitude_and_bearing() {
        let c = Camera { longitude: 190.0, latitude: 89.0, zoom: 30.0, bearing: 270.0, pitch: 80.0 }.normalized();
        assert_eq!(c.longitude, -170.0);
        assert_eq!(c.latitude, MAX_LATITUDE);
        assert_eq!(c.zoom, 24.0);
        assert_eq!(c.bearing, -90.0);
        assert_eq!(c.pitch, 60.0);
        assert_eq!(Camera { bearing: -180.0, ..Camera::default() }.normalized().bearing, 180.0);
    }
}
