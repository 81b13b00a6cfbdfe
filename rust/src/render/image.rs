//! The rasterizer's output: a premultiplied RGBA8 image.

/// Premultiplied RGBA8 pixels, rows top to bottom, `width * height * 4` bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl Image {
    /// A fully transparent image. A zero-size image has no pixels.
    pub fn new(width: u32, height: u32) -> Image {
        let len = (width as usize).saturating_mul(height as usize).saturating_mul(4);
        Image { width, height, data: vec![0; len] }
    }

    /// The pixels with straight (non-premultiplied) alpha, e.g. for PNG
    /// encoding or `pixelmatch` against an expected image.
    pub fn to_straight_rgba(&self) -> Vec<u8> {
        let mut data = self.data.clone();
        super::png_io::unpremultiply(&mut data);
        data
    }

    /// The premultiplied RGBA of pixel (x, y), or `None` outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        let p = self.data.get(i..i + 4)?;
        Some([p[0], p[1], p[2], p[3]])
    }
}
