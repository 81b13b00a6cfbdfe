//! Anchors along lines (seam: MapLibre's getAnchors lands with the labels work).

/// An anchor on a line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    pub point: [f32; 2],
    pub angle: f32,
    pub segment: Option<usize>,
}

#[allow(clippy::too_many_arguments)]
pub fn line_anchors(_line: &[[f32; 2]], _spacing: f32, _max_angle: f32, _shaped_text: Option<(f32, f32)>, _shaped_icon: Option<(f32, f32)>, _glyph_size: f32, _box_scale: f32, _overscaling: f32, _tile_extent: f32) -> Vec<Anchor> {
    Vec::new()
}

pub fn center_anchor(_line: &[[f32; 2]], _max_angle: f32, _shaped_text: Option<(f32, f32)>, _shaped_icon: Option<(f32, f32)>, _glyph_size: f32, _box_scale: f32) -> Option<Anchor> {
    None
}
