//! Icons of symbols: the image named by `icon-image`, shaped around the
//! anchor by `icon-anchor` and `icon-offset` (MapLibre's shapeIcon) and
//! turned into one quad (getIconQuads without `icon-text-fit`), in px at
//! `icon-size` 1.

use std::collections::HashMap;
use std::sync::Arc;

use crate::render::display_list::PatternImage;
use crate::text::glyph::SdfBitmap;
use crate::text::shaping::Anchor;

/// An image ready for symbols: its pixels as the painters sample them.
#[derive(Clone, Debug)]
pub struct IconImage {
    pub width: u32,
    pub height: u32,
    pub pixel_ratio: f32,
    pub pixels: IconPixels,
}

#[derive(Clone, Debug)]
pub enum IconPixels {
    /// Premultiplied RGBA.
    Color(PatternImage),
    /// An SDF icon: its alpha channel is the distance field.
    Sdf(Arc<SdfBitmap>),
}

impl IconImage {
    /// From straight-alpha RGBA (as style images are stored).
    pub fn new(width: u32, height: u32, pixel_ratio: f32, sdf: bool, rgba: &[u8]) -> Option<IconImage> {
        let pixels = if sdf {
            let len = (width as usize).checked_mul(height as usize)?;
            if len == 0 || rgba.len() != len.checked_mul(4)? {
                return None;
            }
            IconPixels::Sdf(Arc::new(SdfBitmap { width, height, data: rgba.chunks_exact(4).map(|p| p[3]).collect() }))
        } else {
            IconPixels::Color(PatternImage::from_straight(width, height, rgba)?)
        };
        let pixel_ratio = if pixel_ratio.is_finite() && pixel_ratio > 0.0 { pixel_ratio } else { 1.0 };
        Some(IconImage { width, height, pixel_ratio, pixels })
    }

    pub fn is_sdf(&self) -> bool {
        matches!(self.pixels, IconPixels::Sdf(_))
    }
}

/// The images symbols can use, by id.
pub type IconImages = HashMap<String, Arc<IconImage>>;

/// A symbol's icon.
#[derive(Clone, Debug)]
pub struct SymbolIcon {
    pub image: Arc<IconImage>,
    /// Quad corners (tl, tr, br, bl) around the anchor, px at icon-size 1,
    /// `icon-rotate` applied.
    pub corners: [[f32; 2]; 4],
    /// Texel rectangle: the image and its 1-texel transparent border.
    pub tex: [f32; 4],
    /// The icon's box (left, top, right, bottom), unrotated, px at icon-size 1.
    pub bounds: [f32; 4],
    /// `icon-rotate` in degrees (for the collision box).
    pub rotate: f32,
}

/// Shapes `image` for a symbol.
pub fn shape_icon(image: Arc<IconImage>, anchor: Anchor, offset: [f32; 2], rotate: f32) -> SymbolIcon {
    let (h, v) = anchor.align();
    let (w, ht) = (image.width as f32 / image.pixel_ratio, image.height as f32 / image.pixel_ratio);
    let x1 = offset[0] - w * h;
    let y1 = offset[1] - ht * v;
    let bounds = [x1, y1, x1 + w, y1 + ht];
    let border = 1.0 / image.pixel_ratio;
    let (l, t, r, b) = (bounds[0] - border, bounds[1] - border, bounds[2] + border, bounds[3] + border);
    let (s, c) = rotate.to_radians().sin_cos();
    let corners = [[l, t], [r, t], [r, b], [l, b]].map(|p| [p[0] * c - p[1] * s, p[0] * s + p[1] * c]);
    SymbolIcon { corners, tex: [-1.0, -1.0, image.width as f32 + 2.0, image.height as f32 + 2.0], bounds, rotate, image }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icons_are_shaped_around_their_anchor() {
        let img = Arc::new(IconImage::new(4, 2, 2.0, false, &[255; 32]).unwrap());
        let icon = shape_icon(img.clone(), Anchor::Center, [0.0, 0.0], 0.0);
        assert_eq!(icon.bounds, [-1.0, -0.5, 1.0, 0.5]);
        assert_eq!(icon.corners[0], [-1.5, -1.0]);
        assert_eq!(icon.tex, [-1.0, -1.0, 6.0, 4.0]);
        let icon = shape_icon(img, Anchor::BottomRight, [1.0, 2.0], 90.0);
        assert_eq!(icon.bounds, [-1.0, 1.0, 1.0, 2.0]);
        // Rotated 90° clockwise (y down): top-left (-1.5, 0.5) -> (-0.5, -1.5).
        let tl = icon.corners[0];
        assert!((tl[0] + 0.5).abs() < 1e-5 && (tl[1] + 1.5).abs() < 1e-5, "{tl:?}");
        assert!(IconImage::new(2, 2, 1.0, true, &[0; 16]).unwrap().is_sdf());
        assert!(IconImage::new(2, 2, 1.0, true, &[0; 15]).is_none());
    }
}
