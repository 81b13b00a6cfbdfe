//! Image encoding of rendered frames: PNG (fast deflate), JPEG (quality
//! 1..100) and lossless WebP.
//!
//! Input is the renderer's premultiplied RGBA8 image. Opaque images (the
//! usual map) are encoded without an alpha channel where the format allows
//! (PNG RGB), and without an unpremultiply pass (straight == premultiplied
//! when every alpha is 255).

mod jpeg;
mod png;
mod webp;

#[cfg(test)]
mod tests;

use crate::render::Image;

/// An output image format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Webp,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Webp => "WebP",
        }
    }
}

/// JPEG quality when none is given (tileserver-gl's default).
pub const DEFAULT_JPEG_QUALITY: u8 = 80;

/// Encoder settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// JPEG quality 1..=100 (other formats are lossless and ignore it).
    pub quality: u8,
    /// PNG deflate effort: 0 = fast (fdeflate), 1..=9 = zlib levels
    /// (smaller files, slower).
    pub png_level: u8,
}

impl Default for Options {
    fn default() -> Options {
        Options { quality: DEFAULT_JPEG_QUALITY, png_level: 0 }
    }
}

/// Why an image could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// A setting out of range (quality, level).
    InvalidOption(String),
    /// The image is beyond what the format can hold (e.g. JPEG's 65535 px
    /// sides, WebP's 16384), or empty.
    Unsupported(String),
    /// The encoder failed (a bug or an out-of-memory).
    Encoder(String),
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EncodeError::InvalidOption(m) | EncodeError::Unsupported(m) | EncodeError::Encoder(m) => f.write_str(m),
        }
    }
}

impl Options {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), EncodeError> {
        if !(1..=100).contains(&self.quality) {
            return Err(EncodeError::InvalidOption(format!("quality {} is out of range: it must be 1..100", self.quality)));
        }
        if self.png_level > 9 {
            return Err(EncodeError::InvalidOption(format!(
                "png_level {} is out of range: 0 (fast) or a zlib level 1..9",
                self.png_level
            )));
        }
        Ok(())
    }
}

/// Encodes a premultiplied frame.
pub fn encode_image(image: &Image, format: Format, options: &Options) -> Result<Vec<u8>, EncodeError> {
    encode_premultiplied(&image.data, image.width, image.height, format, options)
}

/// Encodes `width` x `height` premultiplied RGBA8 pixels (rows top to
/// bottom, no padding).
pub fn encode_premultiplied(
    pixels: &[u8],
    width: u32,
    height: u32,
    format: Format,
    options: &Options,
) -> Result<Vec<u8>, EncodeError> {
    options.validate()?;
    if width == 0 || height == 0 {
        return Err(EncodeError::Unsupported(format!("cannot encode an empty {width}x{height} image")));
    }
    let expected = (width as usize).checked_mul(height as usize).and_then(|n| n.checked_mul(4));
    if expected != Some(pixels.len()) {
        return Err(EncodeError::Encoder(format!("{} bytes do not make a {width}x{height} RGBA image", pixels.len())));
    }
    match format {
        Format::Png => png::encode(pixels, width, height, options.png_level),
        Format::Jpeg => jpeg::encode(pixels, width, height, options.quality),
        Format::Webp => webp::encode(pixels, width, height),
    }
}

/// Whether every pixel is opaque.
fn is_opaque(pixels: &[u8]) -> bool {
    pixels.chunks_exact(4).all(|p| p[3] == 255)
}

/// A straight-alpha copy of premultiplied pixels.
fn straight_copy(pixels: &[u8]) -> Vec<u8> {
    let mut v = pixels.to_vec();
    crate::render::png_io::unpremultiply(&mut v);
    v
}

/// Checks a side against a format's limit.
fn check_side(format: Format, width: u32, height: u32, max: u32) -> Result<(), EncodeError> {
    if width > max || height > max {
        return Err(EncodeError::Unsupported(format!(
            "a {width}x{height} image is too large for {}: each side must be at most {max} pixels",
            format.name()
        )));
    }
    Ok(())
}
