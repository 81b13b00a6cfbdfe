//! The frame as a simple list of drawing commands in screen pixels (device
//! pixels, y down, origin top-left). The map builds it; the rasterizer draws it,
//! in order, with source-over compositing.

use crate::style::color::Color;

/// A point in device pixels.
pub type Px = [f32; 2];

/// A convex clip region (e.g. a tile's quad on screen), in device pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct ClipQuad(pub [Px; 4]);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineJoin {
    Bevel,
    Round,
    Miter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineCap {
    Butt,
    Round,
    Square,
}

/// Paint for one polygon feature (rings in device pixels; exterior rings followed
/// by their holes, as `TileData` geometry; filled with the even-odd rule per polygon).
#[derive(Clone, Debug, PartialEq)]
pub struct FillStyle {
    /// Colour with opacity already applied.
    pub color: Color,
    pub antialias: bool,
    /// When set, a 1-device-pixel outline of every ring in this colour.
    pub outline: Option<Color>,
}

/// Paint for one line feature, sizes in device pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct LineStyle {
    /// Colour with opacity already applied.
    pub color: Color,
    pub width: f32,
    pub gap_width: f32,
    /// Perpendicular offset; positive is to the right of the line direction.
    pub offset: f32,
    pub blur: f32,
    pub join: LineJoin,
    pub cap: LineCap,
    pub miter_limit: f32,
    pub round_limit: f32,
    /// Dash pattern in device pixels (already multiplied by the line width), if any.
    pub dasharray: Option<Vec<f32>>,
}

/// Paint for one circle, sizes in device pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct CircleStyle {
    /// Colour with opacity already applied.
    pub color: Color,
    pub radius: f32,
    pub blur: f32,
    pub stroke_width: f32,
    /// Stroke colour with stroke opacity already applied.
    pub stroke_color: Color,
    /// Horizontal/vertical scale of the circle (pitch-alignment: map); 1.0 = round.
    pub scale: [f32; 2],
}

/// One drawing command.
#[derive(Clone, Debug, PartialEq)]
pub enum DrawCommand {
    /// Fills the whole target (colour with opacity applied), source-over.
    Background { color: Color },
    Fill { rings: Vec<Vec<Px>>, style: FillStyle, clip: Option<ClipQuad> },
    Line { lines: Vec<Vec<Px>>, style: LineStyle, clip: Option<ClipQuad> },
    Circle { centers: Vec<Px>, style: CircleStyle, clip: Option<ClipQuad> },
}

/// A frame to rasterize.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DisplayList {
    pub width: u32,
    pub height: u32,
    pub commands: Vec<DrawCommand>,
}
