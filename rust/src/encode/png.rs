//! PNG: the png crate with fdeflate (fast) or zlib levels; RGB when opaque.
//!
//! Filters, measured on the streets benchmark frame (1024², RGB): with
//! fdeflate the Sub filter is the fastest and smallest (1.38 MB in 18 ms;
//! adaptive 1.40 MB in 28 ms); with zlib, a map of flat colours compresses
//! best unfiltered (level 6: 0.76 MB unfiltered, 1.08 MB adaptive), while
//! photo-like rasters need the adaptive filter. The zlib path picks by the
//! share of pixels equal to their left neighbour.

use super::{is_opaque, straight_copy, EncodeError};

pub fn encode(pixels: &[u8], width: u32, height: u32, level: u8) -> Result<Vec<u8>, EncodeError> {
    let opaque = is_opaque(pixels);
    let (data, color, bpp) = if opaque {
        (pixels.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect::<Vec<u8>>(), png::ColorType::Rgb, 3)
    } else {
        (straight_copy(pixels), png::ColorType::Rgba, 4)
    };
    let err = |e: png::EncodingError| EncodeError::Encoder(format!("PNG encoder: {e}"));
    let mut out = Vec::with_capacity(data.len() / 4 + 1024);
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(color);
        enc.set_depth(png::BitDepth::Eight);
        if level == 0 {
            enc.set_deflate_compression(png::DeflateCompression::FdeflateUltraFast);
            enc.set_filter(png::Filter::Sub);
        } else {
            enc.set_deflate_compression(png::DeflateCompression::Level(level));
            enc.set_filter(if mostly_flat(&data, bpp) { png::Filter::NoFilter } else { png::Filter::Adaptive });
        }
        let mut writer = enc.write_header().map_err(err)?;
        writer.write_image_data(&data).map_err(err)?;
        writer.finish().map_err(err)?;
    }
    Ok(out)
}

/// Whether at least half of a sample of pixels (every 7th) equal their left
/// neighbour: flat areas that LZ matching handles better unfiltered.
pub(super) fn mostly_flat(data: &[u8], bpp: usize) -> bool {
    let (mut same, mut total) = (0usize, 0usize);
    let mut i = bpp;
    while i + bpp <= data.len() {
        total += 1;
        same += (data[i..i + bpp] == data[i - bpp..i]) as usize;
        i += 7 * bpp;
    }
    total > 0 && same * 2 >= total
}
