//! JPEG (baseline; 4:2:0 chroma below quality 90, 4:4:4 from 90): no alpha, so translucent pixels come out
//! composited over black (the premultiplied colour).

use super::{check_side, EncodeError, Format};

pub fn encode(pixels: &[u8], width: u32, height: u32, quality: u8) -> Result<Vec<u8>, EncodeError> {
    check_side(Format::Jpeg, width, height, u16::MAX as u32)?;
    let mut out = Vec::with_capacity(pixels.len() / 8 + 1024);
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder
        .encode(pixels, width as u16, height as u16, jpeg_encoder::ColorType::Rgba)
        .map_err(|e| EncodeError::Encoder(format!("JPEG encoder: {e}")))?;
    Ok(out)
}
