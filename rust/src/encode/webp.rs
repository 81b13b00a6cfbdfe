//! Lossless WebP (VP8L) with the image-webp encoder.

use super::{check_side, is_opaque, straight_copy, EncodeError, Format};

/// VP8L stores each side in 14 bits.
const MAX_SIDE: u32 = 16384;

pub fn encode(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>, EncodeError> {
    check_side(Format::Webp, width, height, MAX_SIDE)?;
    let copy;
    let data = if is_opaque(pixels) {
        pixels
    } else {
        copy = straight_copy(pixels);
        &copy
    };
    let mut out = Vec::with_capacity(pixels.len() / 4 + 1024);
    image_webp::WebPEncoder::new(&mut out)
        .encode(data, width, height, image_webp::ColorType::Rgba8)
        .map_err(|e| EncodeError::Encoder(format!("WebP encoder: {e}")))?;
    Ok(out)
}
