//! PNG encoding/decoding and alpha (pre)multiplication helpers.

use super::image::Image;
use std::io::Cursor;

/// A decoded image with straight (non-premultiplied) RGBA8 pixels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rgba8 {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// Largest decoded image accepted (bytes of RGBA output).
const MAX_DECODED_BYTES: usize = 1 << 30;

/// Encodes straight-alpha RGBA8 pixels as a PNG.
pub fn encode_png(rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let expected = (width as usize).checked_mul(height as usize).and_then(|n| n.checked_mul(4));
    if expected != Some(rgba.len()) {
        return Err(format!("encode_png: {} bytes do not make a {width}x{height} RGBA image", rgba.len()));
    }
    if width == 0 || height == 0 {
        return Err("encode_png: PNG images cannot be empty".into());
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| format!("encode_png: {e}"))?;
        writer.write_image_data(rgba).map_err(|e| format!("encode_png: {e}"))?;
        writer.finish().map_err(|e| format!("encode_png: {e}"))?;
    }
    Ok(out)
}

/// Encodes a premultiplied [`Image`] as a PNG (un-premultiplying a copy).
pub fn encode_image_png(image: &Image) -> Result<Vec<u8>, String> {
    encode_png(&image.to_straight_rgba(), image.width, image.height)
}

/// Decodes a PNG of any colour type and bit depth into straight RGBA8.
/// Corrupt or truncated input gives an error, never a panic.
pub fn decode_png(bytes: &[u8]) -> Result<Rgba8, String> {
    let mut dec = png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: MAX_DECODED_BYTES });
    dec.set_transformations(png::Transformations::normalize_to_color8());
    // Fuzzing builds (cargo fuzz sets cfg(fuzzing)) skip the CRC and Adler-32
    // checks, so that a mutated PNG reaches the decoder and our code instead
    // of stopping at its first broken checksum. Every other build checks them.
    #[cfg(fuzzing)]
    dec.ignore_checksums(true);
    let mut reader = dec.read_info().map_err(|e| format!("decode_png: {e}"))?;
    let (width, height) = {
        let info = reader.info();
        (info.width, info.height)
    };
    let pixels = (width as usize).checked_mul(height as usize).ok_or("decode_png: image too large")?;
    if pixels.checked_mul(4).map_or(true, |n| n > MAX_DECODED_BYTES) {
        return Err(format!("decode_png: {width}x{height} image is too large"));
    }
    let size = reader.output_buffer_size().ok_or("decode_png: image too large")?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(|e| format!("decode_png: {e}"))?;
    let (color, depth) = reader.output_color_type();
    if depth != png::BitDepth::Eight {
        return Err(format!("decode_png: unexpected output bit depth {depth:?}"));
    }
    let channels = match color {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err("decode_png: palette was not expanded".into()),
    };
    let line = frame.line_size;
    let row_len = width as usize * channels;
    if line < row_len || buf.len() < line * (height as usize).saturating_sub(1) + row_len {
        return Err("decode_png: short image data".into());
    }
    let mut data = Vec::with_capacity(pixels * 4);
    for y in 0..height as usize {
        let row = &buf[y * line..y * line + row_len];
        for px in row.chunks_exact(channels) {
            let rgba = match channels {
                1 => [px[0], px[0], px[0], 255],
                2 => [px[0], px[0], px[0], px[1]],
                3 => [px[0], px[1], px[2], 255],
                _ => [px[0], px[1], px[2], px[3]],
            };
            data.extend_from_slice(&rgba);
        }
    }
    Ok(Rgba8 { width, height, data })
}

/// `round(c * a / 255)` exactly, for 8-bit values.
#[inline]
fn mul_div255(c: u8, a: u8) -> u8 {
    let v = c as u32 * a as u32 + 128;
    ((v + (v >> 8)) >> 8) as u8
}

/// Straight RGBA8 -> premultiplied, in place, rounding to nearest.
pub fn premultiply(rgba: &mut [u8]) {
    for px in rgba.chunks_exact_mut(4) {
        let a = px[3];
        if a == 255 {
            continue;
        }
        px[0] = mul_div255(px[0], a);
        px[1] = mul_div255(px[1], a);
        px[2] = mul_div255(px[2], a);
    }
}

/// Premultiplied RGBA8 -> straight, in place, rounding to nearest (colour
/// components larger than alpha are clamped; alpha 0 gives transparent black).
pub fn unpremultiply(rgba: &mut [u8]) {
    for px in rgba.chunks_exact_mut(4) {
        let a = px[3] as u32;
        if a == 255 {
            continue;
        }
        if a == 0 {
            px[0] = 0;
            px[1] = 0;
            px[2] = 0;
            continue;
        }
        for c in &mut px[..3] {
            *c = ((*c as u32 * 255 + a / 2) / a).min(255) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trip() {
        let data: Vec<u8> = (0..3 * 2 * 4).map(|i| (i * 11) as u8).collect();
        let png = encode_png(&data, 3, 2).unwrap();
        let back = decode_png(&png).unwrap();
        assert_eq!((back.width, back.height), (3, 2));
        assert_eq!(back.data, data);
        assert!(encode_png(&data, 4, 2).is_err());
    }

    #[test]
    fn decodes_gray_and_16_bit() {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, 2, 1);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::Sixteen);
            let mut w = enc.write_header().unwrap();
            w.write_image_data(&[0x12, 0x34, 0xff, 0xff]).unwrap();
        }
        let img = decode_png(&out).unwrap();
        assert_eq!(img.data, vec![0x12, 0x12, 0x12, 255, 255, 255, 255, 255]);
    }

    #[test]
    fn corrupt_input_is_an_error() {
        assert!(decode_png(&[]).is_err());
        assert!(decode_png(b"\x89PNG\r\n\x1a\nnot really").is_err());
        let data = vec![200u8; 16 * 16 * 4];
        let png = encode_png(&data, 16, 16).unwrap();
        for cut in [10, 33, png.len() / 2, png.len() - 5] {
            assert!(decode_png(&png[..cut]).is_err(), "cut {cut}");
        }
        let mut bad = png.clone();
        let n = bad.len();
        bad[n / 2] ^= 0xff;
        let _ = decode_png(&bad);
    }

    #[test]
    fn premultiply_rounds_and_round_trips() {
        let mut px = [255, 128, 1, 128, 10, 20, 30, 0, 1, 2, 3, 255];
        premultiply(&mut px);
        assert_eq!(px, [128, 64, 1, 128, 0, 0, 0, 0, 1, 2, 3, 255]);
        unpremultiply(&mut px);
        assert_eq!(px, [255, 128, 2, 128, 0, 0, 0, 0, 1, 2, 3, 255]);
        // Exhaustive: premultiply(unpremultiply(p)) == p for every valid p.
        for a in 1..=255u8 {
            for c in 0..=a {
                let mut p = [c, 0, 0, a];
                unpremultiply(&mut p);
                premultiply(&mut p);
                assert_eq!(p[0], c, "c {c} a {a}");
            }
        }
    }
}
