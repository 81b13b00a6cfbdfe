//! The style's images: sprite entries and images added at run time.

use std::sync::Arc;

/// An image of the style (a sprite entry or one added at run time), for
/// icons and patterns.
#[derive(Clone, Debug, PartialEq)]
pub struct StyleImage {
    pub width: u32,
    pub height: u32,
    pub pixel_ratio: f32,
    pub sdf: bool,
    /// Straight-alpha RGBA, `width * height * 4` bytes.
    pub rgba: Arc<Vec<u8>>,
}
