//! What "the same view" is for what a map keeps per view (the view's tile
//! covers, the tiles its bound refused): the camera and the frame's size
//! and pixel ratio, compared bit for bit, and the style, by the serial
//! number the map gives each style it installs (an address could be reused
//! by the next style).

use crate::map::camera::Camera;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ViewKey {
    camera: [u64; 5],
    size: (u32, u32),
    pixel_ratio: u32,
    style: u64,
}

impl ViewKey {
    pub fn new(camera: &Camera, width: u32, height: u32, pixel_ratio: f32, style: u64) -> ViewKey {
        let c = camera;
        ViewKey {
            camera: [c.longitude, c.latitude, c.zoom, c.bearing, c.pitch].map(f64::to_bits),
            size: (width, height),
            pixel_ratio: pixel_ratio.to_bits(),
            style,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_of_the_view_counts_exactly() {
        let camera = Camera { longitude: 1.0, latitude: 2.0, zoom: 3.0, bearing: 0.0, pitch: 0.0 };
        let key = ViewKey::new(&camera, 64, 32, 1.0, 7);
        assert_eq!(key, ViewKey::new(&camera, 64, 32, 1.0, 7));
        let moved = Camera { zoom: 3.0 + f64::EPSILON * 4.0, ..camera };
        for other in [
            ViewKey::new(&moved, 64, 32, 1.0, 7),
            ViewKey::new(&Camera { pitch: -0.0, ..camera }, 64, 32, 1.0, 7),
            ViewKey::new(&camera, 32, 64, 1.0, 7),
            ViewKey::new(&camera, 64, 32, 2.0, 7),
            ViewKey::new(&camera, 64, 32, 1.0, 8),
        ] {
            assert_ne!(key, other);
        }
    }
}
