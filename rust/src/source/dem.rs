//! Raster-dem tiles: elevations decoded from a tile image's RGB bytes
//! (`mapbox`, `terrarium` or `custom` encoding), held with a one-pixel
//! border like MapLibre's DEM data, and MapLibre's hillshade "prepare"
//! pass, which turns them into a slope texture.
//!
//! The border starts as a copy of the nearest edge pixel; a loaded
//! neighbouring tile of the same zoom overwrites it with its own edge
//! pixels ([`DemTile::backfill`]), so slopes are continuous across tile
//! edges where both tiles are loaded.
//!
//! The prepare pass (MapLibre Native's `hillshade_prepare` shader): for each
//! pixel, the Sobel x/y differences of the quarter elevations of its 3 x 3
//! neighbourhood, divided by `2^((z - maxzoom) * k + 19.2562 - z)` (the
//! metres per pixel at zoom `z` times 8, with the low-zoom exaggeration
//! `k` = 0.4 / 0.35 / 0.3 below zoom 2 / 4.5 / above), stored as
//! `clamp(d / 2 + 0.5, 0, 1)` in 8-bit red (x) and green (y) channels, as
//! the GPU's 8-bit render target stores them.

use crate::render::display_list::PatternImage;
use crate::style::source::DemEncoding;

/// A DEM tile's elevations (quarter metres, as MapLibre's prepare pass
/// reads them) on a `(dim + 2)^2` grid: the tile's pixels plus a border.
#[derive(Clone, Debug)]
pub struct DemTile {
    dim: usize,
    heights: Vec<f32>,
}

/// The unpack vector of an encoding: elevation = r*v0 + g*v1 + b*v2 - v3
/// with r, g, b the bytes (0..255).
pub fn unpack(encoding: DemEncoding) -> [f32; 4] {
    match encoding {
        DemEncoding::Mapbox => [6553.6, 25.6, 0.1, 10000.0],
        DemEncoding::Terrarium => [256.0, 1.0, 1.0 / 256.0, 32768.0],
        DemEncoding::Custom { red, green, blue, base_shift } => [red as f32, green as f32, blue as f32, base_shift as f32],
    }
}

impl DemTile {
    /// Decodes a square tile image (RGBA8; alpha is ignored, as MapLibre
    /// does). The image's size was bounded when it was decoded
    /// (`max_image_pixels`); the grid is `(dim + 2)^2` floats.
    pub fn new(image: &PatternImage, encoding: DemEncoding) -> Result<DemTile, String> {
        let (w, h) = (image.width as usize, image.height as usize);
        if w != h {
            return Err(format!("raster-dem tiles must be square, this one is {w}x{h}"));
        }
        if w < 2 || image.data.len() != w * h * 4 {
            return Err(format!("raster-dem tile of {w}x{h} pixels is too small or short"));
        }
        let dim = w;
        let stride = dim + 2;
        let u = unpack(encoding);
        let mut heights = vec![0f32; stride.checked_mul(stride).ok_or("raster-dem tile too large")?];
        for y in 0..dim {
            for x in 0..dim {
                let p = &image.data[(y * dim + x) * 4..(y * dim + x) * 4 + 3];
                let e = f32::from(p[0]) * u[0] + f32::from(p[1]) * u[1] + f32::from(p[2]) * u[2] - u[3];
                heights[(y + 1) * stride + x + 1] = e / 4.0;
            }
        }
        let mut t = DemTile { dim, heights };
        t.fill_border();
        Ok(t)
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    fn idx(&self, x: i64, y: i64) -> usize {
        ((y + 1) as usize) * (self.dim + 2) + (x + 1) as usize
    }

    /// The elevation (quarter metres) at tile pixel `(x, y)`, -1..=dim.
    pub fn get(&self, x: i64, y: i64) -> f32 {
        self.heights[self.idx(x, y)]
    }

    /// The border as copies of the nearest edge pixels.
    fn fill_border(&mut self) {
        let d = self.dim as i64;
        for x in 0..d {
            let (top, bottom) = (self.get(x, 0), self.get(x, d - 1));
            let (i, j) = (self.idx(x, -1), self.idx(x, d));
            self.heights[i] = top;
            self.heights[j] = bottom;
        }
        for y in -1..=d {
            let (left, right) = (self.get(0, y), self.get(d - 1, y));
            let (i, j) = (self.idx(-1, y), self.idx(d, y));
            self.heights[i] = left;
            self.heights[j] = right;
        }
    }

    /// Copies into this tile's border the edge of `other`, the neighbour
    /// at `(dx, dy)` (each -1, 0 or 1; not both 0) of the same size.
    /// Returns false (and changes nothing) otherwise.
    pub fn backfill(&mut self, other: &DemTile, dx: i64, dy: i64) -> bool {
        if other.dim != self.dim || !(-1..=1).contains(&dx) || !(-1..=1).contains(&dy) || (dx == 0 && dy == 0) {
            return false;
        }
        let d = self.dim as i64;
        let (mut x0, mut x1) = (dx * d, dx * d + d);
        let (mut y0, mut y1) = (dy * d, dy * d + d);
        if dx == -1 {
            x0 = x1 - 1;
        } else if dx == 1 {
            x1 = x0 + 1;
        }
        if dy == -1 {
            y0 = y1 - 1;
        } else if dy == 1 {
            y1 = y0 + 1;
        }
        for y in y0..y1 {
            for x in x0..x1 {
                let v = other.get(x - dx * d, y - dy * d);
                let i = self.idx(x, y);
                self.heights[i] = v;
            }
        }
        true
    }

    /// MapLibre Native's prepare pass for a tile of zoom `z` in a source
    /// whose tiles go up to `maxzoom`: a `dim x dim` RGBA8 texture holding
    /// the encoded x and y slopes in red and green (blue and alpha 255).
    pub fn prepare(&self, z: u8, maxzoom: u8) -> PatternImage {
        let d = self.dim as i64;
        let zf = f32::from(z);
        let k = if zf < 2.0 {
            0.4
        } else if zf < 4.5 {
            0.35
        } else {
            0.3
        };
        let scale = 1.0 / 2f32.powf((zf - f32::from(maxzoom)) * k + 19.2562 - zf);
        let enc = |v: f32| ((v / 2.0 + 0.5).clamp(0.0, 1.0) * 255.0).round() as u8;
        let mut data = Vec::with_capacity(self.dim * self.dim * 4);
        for y in 0..d {
            for x in 0..d {
                let h = |i: i64, j: i64| self.get(x + i, y + j);
                let dx = (h(1, -1) + 2.0 * h(1, 0) + h(1, 1)) - (h(-1, -1) + 2.0 * h(-1, 0) + h(-1, 1));
                let dy = (h(-1, 1) + 2.0 * h(0, 1) + h(1, 1)) - (h(-1, -1) + 2.0 * h(0, -1) + h(1, -1));
                data.extend_from_slice(&[enc(dx * scale), enc(dy * scale), 255, 255]);
            }
        }
        PatternImage { width: self.dim as u32, height: self.dim as u32, data: std::sync::Arc::new(data) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(dim: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> PatternImage {
        let mut data = Vec::new();
        for y in 0..dim {
            for x in 0..dim {
                let p = f(x, y);
                data.extend_from_slice(&[p[0], p[1], p[2], 255]);
            }
        }
        PatternImage { width: dim, height: dim, data: std::sync::Arc::new(data) }
    }

    /// Terrarium bytes for a whole-metre elevation.
    fn terrarium(h: i32) -> [u8; 3] {
        let v = (h + 32768) as u32;
        [(v >> 8) as u8, (v & 255) as u8, 0]
    }

    #[test]
    fn decodes_each_encoding() {
        // 1000 m in each encoding.
        let mapbox = image(2, |_, _| {
            let v = (1000 + 10000) * 10;
            [(v >> 16) as u8, (v >> 8) as u8, v as u8]
        });
        let t = DemTile::new(&mapbox, DemEncoding::Mapbox).unwrap();
        assert!((t.get(0, 0) - 250.0).abs() < 0.01, "{}", t.get(0, 0));
        let t = DemTile::new(&image(2, |_, _| terrarium(1000)), DemEncoding::Terrarium).unwrap();
        assert_eq!(t.get(1, 1), 250.0);
        let custom = DemEncoding::Custom { red: 100.0, green: 10.0, blue: 1.0, base_shift: 5.0 };
        let t = DemTile::new(&image(2, |_, _| [1, 2, 3]), custom).unwrap();
        assert_eq!(t.get(0, 1), (100.0 + 20.0 + 3.0 - 5.0) / 4.0);
    }

    #[test]
    fn refuses_non_square_tiles() {
        let img = PatternImage { width: 4, height: 2, data: std::sync::Arc::new(vec![0; 32]) };
        assert!(DemTile::new(&img, DemEncoding::Mapbox).unwrap_err().contains("square"));
    }

    #[test]
    fn border_copies_edges_then_backfills_from_neighbours() {
        let a = DemTile::new(&image(4, |x, y| terrarium((x * 10 + y) as i32)), DemEncoding::Terrarium).unwrap();
        // Edge copies, corners included.
        assert_eq!(a.get(-1, 2), a.get(0, 2));
        assert_eq!(a.get(4, 4), a.get(3, 3));
        let b = DemTile::new(&image(4, |x, y| terrarium(1000 + (x * 10 + y) as i32)), DemEncoding::Terrarium).unwrap();
        let mut a2 = a.clone();
        // b is a's right neighbour: a's right border gets b's left column.
        assert!(a2.backfill(&b, 1, 0));
        for y in 0..4 {
            assert_eq!(a2.get(4, y), b.get(0, y));
        }
        assert_eq!(a2.get(4, -1), a.get(4, -1), "corners come from diagonal neighbours only");
        // b below-left: only a's bottom-left corner.
        let mut a3 = a.clone();
        assert!(a3.backfill(&b, -1, 1));
        assert_eq!(a3.get(-1, 4), b.get(3, 0));
        assert_eq!(a3.get(0, 4), a.get(0, 4));
        let small = DemTile::new(&image(2, |_, _| terrarium(0)), DemEncoding::Terrarium).unwrap();
        assert!(!a3.backfill(&small, 1, 0));
        assert!(!a3.backfill(&b, 0, 0));
    }

    #[test]
    fn prepare_encodes_slopes() {
        // Flat: 0.5 in both channels.
        let flat = DemTile::new(&image(4, |_, _| terrarium(500)), DemEncoding::Terrarium).unwrap();
        let p = flat.prepare(12, 12);
        assert!(p.data.chunks(4).all(|c| c == [128, 128, 255, 255]));
        // Rising eastwards by 40 m per pixel at z12 (maxzoom 12): the x
        // slope is 8 * 10 / 2^(19.2562 - 12) (quarter metres), y flat.
        let east = DemTile::new(&image(4, |x, _| terrarium(40 * x as i32)), DemEncoding::Terrarium).unwrap();
        let p = east.prepare(12, 12);
        let want = 80.0 / 2f32.powf(7.2562);
        let px = &p.data[(5) * 4..(5) * 4 + 4];
        assert_eq!(px[0], (((want / 2.0 + 0.5) * 255.0).round()) as u8);
        assert_eq!(px[1], 128);
        // Tiles below the source's maxzoom are exaggerated: a z10 tile of a
        // source going to z12 gets larger slopes than one of a z10 source.
        assert!(east.prepare(10, 12).data[20] > east.prepare(10, 10).data[20]);
    }
}
