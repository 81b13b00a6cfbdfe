//! Raster tiles: PNG, JPEG or WebP bytes decoded into premultiplied RGBA8
//! (the format the raster painter samples). Hostile input gives an error,
//! never a panic or an unbounded allocation.

use std::io::Cursor;

use crate::render::display_list::PatternImage;

/// Decoded images larger than this (in pixels) are refused.
const MAX_PIXELS: usize = 4096 * 4096;

fn check_size(width: usize, height: usize) -> Result<(), String> {
    if width == 0 || height == 0 {
        return Err("empty image".into());
    }
    if width.checked_mul(height).map_or(true, |n| n > MAX_PIXELS) {
        return Err(format!("{width}x{height} image is too large"));
    }
    Ok(())
}

/// The width and height an image's header declares, read without decoding
/// it: `None` when the bytes are not a PNG, JPEG or WebP image (or the header
/// is unreadable: the decoder will say why).
pub fn image_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        if bytes.len() < 24 || &bytes[12..16] != b"IHDR" {
            return None;
        }
        let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        Some((be(16), be(20)))
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut dec = zune_jpeg::JpegDecoder::new(Cursor::new(bytes));
        dec.decode_headers().ok()?;
        let (w, h) = dec.dimensions()?;
        Some((w as u32, h as u32))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        let dec = image_webp::WebPDecoder::new(Cursor::new(bytes)).ok()?;
        Some(dec.dimensions())
    } else {
        None
    }
}

/// Refuses an image whose header declares more than `max_pixels` pixels
/// (before anything is decoded or allocated for it).
pub fn check_image_pixels(bytes: &[u8], max_pixels: u64) -> Result<(), String> {
    match image_dimensions(bytes) {
        Some((w, h)) if w as u64 * h as u64 > max_pixels => Err(format!(
            "{w}x{h} image exceeds the max_image_pixels limit of {max_pixels} (a runtime option)"
        )),
        _ => Ok(()),
    }
}

/// Decodes a raster tile (format sniffed from its first bytes) into a
/// premultiplied RGBA8 image.
pub fn decode_image(bytes: &[u8]) -> Result<PatternImage, String> {
    let (width, height, mut rgba) = if bytes.starts_with(b"\x89PNG") {
        let img = crate::render::png_io::decode_png(bytes)?;
        (img.width, img.height, img.data)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        decode_jpeg(bytes)?
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        decode_webp(bytes)?
    } else {
        return Err("not a PNG, JPEG or WebP image".into());
    };
    check_size(width as usize, height as usize)?;
    crate::render::png_io::premultiply(&mut rgba);
    if rgba.len() != width as usize * height as usize * 4 {
        return Err("short image data".into());
    }
    Ok(PatternImage { width, height, data: std::sync::Arc::new(rgba) })
}

fn decode_jpeg(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>), String> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .set_max_width(16384)
        .set_max_height(16384)
        .jpeg_set_out_colorspace(ColorSpace::RGBA);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options);
    dec.decode_headers().map_err(|e| format!("JPEG: {e:?}"))?;
    let (w, h) = dec.dimensions().ok_or("JPEG: no dimensions")?;
    check_size(w, h)?;
    let pixels = dec.decode().map_err(|e| format!("JPEG: {e:?}"))?;
    let channels = match dec.output_colorspace() {
        Some(ColorSpace::RGBA) => 4,
        Some(ColorSpace::RGB) => 3,
        Some(ColorSpace::Luma) => 1,
        other => return Err(format!("JPEG: unexpected colour space {other:?}")),
    };
    if pixels.len() < w * h * channels {
        return Err("JPEG: short image data".into());
    }
    let rgba = match channels {
        4 => pixels[..w * h * 4].to_vec(),
        3 => pixels[..w * h * 3].chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        _ => pixels[..w * h].iter().flat_map(|&g| [g, g, g, 255]).collect(),
    };
    Ok((w as u32, h as u32, rgba))
}

fn decode_webp(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>), String> {
    let mut dec = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(|e| format!("WebP: {e}"))?;
    let (w, h) = dec.dimensions();
    check_size(w as usize, h as usize)?;
    let size = dec.output_buffer_size().ok_or("WebP: image too large")?;
    let mut buf = vec![0u8; size];
    dec.read_image(&mut buf).map_err(|e| format!("WebP: {e}"))?;
    let n = w as usize * h as usize;
    let rgba = if dec.has_alpha() {
        if buf.len() < n * 4 {
            return Err("WebP: short image data".into());
        }
        buf.truncate(n * 4);
        buf
    } else {
        if buf.len() < n * 3 {
            return Err("WebP: short image data".into());
        }
        buf[..n * 3].chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect()
    };
    Ok((w, h, rgba))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_tiles_decode_premultiplied_and_garbage_is_an_error() {
        let png = crate::render::png_io::encode_png(&[255, 0, 0, 255, 0, 0, 255, 128], 2, 1).unwrap();
        let img = decode_image(&png).unwrap();
        assert_eq!((img.width, img.height), (2, 1));
        assert_eq!(&img.data[..], &[255, 0, 0, 255, 0, 0, 128, 128]);
        assert!(decode_image(b"not an image").is_err());
        assert!(decode_image(&png[..png.len() / 2]).is_err());
        assert!(decode_image(&[0xFF, 0xD8, 0xFF, 0x00, 0x01]).is_err());
        assert!(decode_image(b"RIFF\x10\x00\x00\x00WEBPVP8 ").is_err());
    }
}
