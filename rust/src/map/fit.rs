//! The camera that fits geographic bounds into a view (MapLibre's
//! cameraForLatLngBounds): the largest zoom at which the bounds, rotated by
//! the bearing, fit inside the view minus its padding, centred in the padded
//! area. The fit is computed for the unpitched view (as MapLibre Native's);
//! the pitch is carried into the camera.

use super::camera::{Camera, MAX_LATITUDE};

/// West, south, east, north in degrees. West > east crosses the antimeridian.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

/// Padding in logical pixels.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Padding {
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub left: f64,
}

/// Why no camera fits.
#[derive(Debug, Clone, PartialEq)]
pub struct FitError(pub String);

/// The camera fitting `b` into a `width` x `height` view with `padding`.
pub fn camera_for_bounds(
    b: Bounds,
    padding: Padding,
    width: u32,
    height: u32,
    bearing: f64,
    pitch: f64,
) -> Result<Camera, FitError> {
    let all = [b.west, b.south, b.east, b.north, padding.top, padding.right, padding.bottom, padding.left, bearing, pitch];
    if all.iter().any(|v| !v.is_finite()) {
        return Err(FitError("bounds, padding, bearing and pitch must be finite numbers".into()));
    }
    if !(-90.0..=90.0).contains(&b.south) || !(-90.0..=90.0).contains(&b.north) || b.south >= b.north {
        return Err(FitError(format!("south {} and north {} must be latitudes with south < north", b.south, b.north)));
    }
    if !(-180.0..=180.0).contains(&b.west) || !(-180.0..=180.0).contains(&b.east) || b.west == b.east {
        return Err(FitError(format!(
            "west {} and east {} must be different longitudes in -180..180 (west > east crosses the antimeridian)",
            b.west, b.east
        )));
    }
    if [padding.top, padding.right, padding.bottom, padding.left].iter().any(|&p| p < 0.0) {
        return Err(FitError("padding must not be negative".into()));
    }
    if !(0.0..=60.0).contains(&pitch) {
        return Err(FitError(format!("pitch {pitch} is out of range 0..60")));
    }
    let (inner_w, inner_h) = (width as f64 - padding.left - padding.right, height as f64 - padding.top - padding.bottom);
    if inner_w <= 0.0 || inner_h <= 0.0 {
        return Err(FitError(format!("padding leaves no room in the {width}x{height} view")));
    }
    let east = if b.east < b.west { b.east + 360.0 } else { b.east };
    let (south, north) = (b.south.max(-MAX_LATITUDE), b.north.min(MAX_LATITUDE));
    // World pixels at zoom 0, rotated into screen orientation: a bearing
    // of 90 turns east up, i.e. screen = rotate(-bearing) * world.
    let flat = Camera::default().transform(512, 512);
    let (sin, cos) = (-bearing.to_radians()).sin_cos();
    let rotate = |p: [f64; 2], s: f64| [p[0] * cos - p[1] * s, p[0] * s + p[1] * cos];
    let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
    for [lng, lat] in [[b.west, south], [east, south], [east, north], [b.west, north]] {
        let q = rotate(flat.lnglat_to_world(lng, lat), sin);
        for i in 0..2 {
            min[i] = min[i].min(q[i]);
            max[i] = max[i].max(q[i]);
        }
    }
    let scale = (inner_w / (max[0] - min[0]).max(1e-12)).min(inner_h / (max[1] - min[1]).max(1e-12));
    // The bounds' centre lands in the middle of the padded area: the view's
    // centre is offset from it by half the padding difference.
    let centre = [
        (min[0] + max[0]) / 2.0 - (padding.left - padding.right) / 2.0 / scale,
        (min[1] + max[1]) / 2.0 - (padding.top - padding.bottom) / 2.0 / scale,
    ];
    let [lng, lat] = flat.world_to_lnglat(rotate(centre, -sin));
    Ok(Camera { longitude: lng, latitude: lat, zoom: scale.log2(), bearing, pitch }.normalized())
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Bounds = Bounds { west: 13.3, south: 52.45, east: 13.5, north: 52.56 };

    /// Projects the bounds' corners with the camera; returns (min, max).
    fn screen_box(c: Camera, b: Bounds, w: u32, h: u32) -> ([f64; 2], [f64; 2]) {
        let t = c.transform(w, h);
        let east = if b.east < b.west { b.east + 360.0 } else { b.east };
        let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
        for [lng, lat] in [[b.west, b.south], [east, b.south], [east, b.north], [b.west, b.north]] {
            let p = t.lnglat_to_screen(lng, lat).unwrap();
            for i in 0..2 {
                min[i] = min[i].min(p[i]);
                max[i] = max[i].max(p[i]);
            }
        }
        (min, max)
    }

    /// The projected bounds sit inside the padded view, centred, with the
    /// tighter pair of edges touching the padding.
    fn assert_fits(b: Bounds, p: Padding, w: u32, h: u32, bearing: f64) -> Camera {
        let c = camera_for_bounds(b, p, w, h, bearing, 0.0).unwrap();
        let (min, max) = screen_box(c, b, w, h);
        let eps = 1e-6;
        assert!(min[0] >= p.left - eps && max[0] <= w as f64 - p.right + eps, "{min:?} {max:?} {c:?}");
        assert!(min[1] >= p.top - eps && max[1] <= h as f64 - p.bottom + eps, "{min:?} {max:?} {c:?}");
        let touch_x = (min[0] - p.left).abs() < 1e-6 && (max[0] - (w as f64 - p.right)).abs() < 1e-6;
        let touch_y = (min[1] - p.top).abs() < 1e-6 && (max[1] - (h as f64 - p.bottom)).abs() < 1e-6;
        assert!(touch_x || touch_y, "no edge touches: {min:?} {max:?}");
        // Centred in the padded area along both axes.
        let (cx, cy) = ((min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0);
        assert!((cx - (p.left + (w as f64 - p.left - p.right) / 2.0)).abs() < 1e-6, "{cx}");
        assert!((cy - (p.top + (h as f64 - p.top - p.bottom) / 2.0)).abs() < 1e-6, "{cy}");
        c
    }

    #[test]
    fn fits_with_and_without_padding_and_bearing() {
        let none = Padding::default();
        let c = assert_fits(B, none, 512, 512, 0.0);
        // MapLibre's formula, computed here independently: zoom =
        // log2(min(W / dx, H / dy)) with dx, dy the bounds' extent in
        // 512-px world pixels at zoom 0.
        let x = |lng: f64| (lng + 180.0) / 360.0 * 512.0;
        let y = |lat: f64| {
            let r = lat.to_radians();
            (1.0 - ((std::f64::consts::FRAC_PI_4 + r / 2.0).tan()).ln() / std::f64::consts::PI) / 2.0 * 512.0
        };
        let (dx, dy) = (x(B.east) - x(B.west), y(B.south) - y(B.north));
        let zoom = (512.0 / dx).min(512.0 / dy).log2();
        assert!((c.zoom - zoom).abs() < 1e-9, "{} vs {zoom}", c.zoom);
        assert!((c.longitude - 13.4).abs() < 1e-9);
        assert_fits(B, Padding { top: 10.0, right: 40.0, bottom: 0.0, left: 20.0 }, 800, 300, 0.0);
        assert_fits(B, Padding { top: 50.0, right: 5.0, bottom: 20.0, left: 5.0 }, 300, 800, 30.0);
        assert_fits(B, none, 256, 256, -135.0);
        // Across the antimeridian: centred on 180.
        let fiji = Bounds { west: 177.0, south: -19.0, east: -178.0, north: -16.0 };
        let c = assert_fits(fiji, none, 400, 300, 0.0);
        assert!((c.longitude.abs() - 179.5).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn pitch_is_carried_and_bad_input_is_refused() {
        let c = camera_for_bounds(B, Padding::default(), 512, 512, 10.0, 45.0).unwrap();
        assert_eq!((c.pitch, c.bearing), (45.0, 10.0));
        let bad = |b: Bounds, p: Padding, pitch: f64| camera_for_bounds(b, p, 100, 100, 0.0, pitch).unwrap_err().0;
        assert!(bad(Bounds { south: 53.0, ..B }, Padding::default(), 0.0).contains("south < north"));
        assert!(bad(Bounds { west: f64::NAN, ..B }, Padding::default(), 0.0).contains("finite"));
        assert!(bad(Bounds { east: 200.0, ..B }, Padding::default(), 0.0).contains("-180..180"));
        assert!(bad(B, Padding { left: 60.0, right: 40.0, ..Default::default() }, 0.0).contains("no room"));
        assert!(bad(B, Padding { top: -1.0, ..Default::default() }, 0.0).contains("negative"));
        assert!(bad(B, Padding::default(), 70.0).contains("pitch"));
    }
}
