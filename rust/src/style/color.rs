//! Colours: straight (non-premultiplied) RGBA, each component in 0..=1.

/// A colour with straight alpha. Components are in 0..=1.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Color {
    pub r: f32,
    pub g: f32,
    pub b: f32,
    pub a: f32,
}

impl Color {
    pub const TRANSPARENT: Color = Color { r: 0.0, g: 0.0, b: 0.0, a: 0.0 };
    pub const BLACK: Color = Color { r: 0.0, g: 0.0, b: 0.0, a: 1.0 };
    pub const WHITE: Color = Color { r: 1.0, g: 1.0, b: 1.0, a: 1.0 };

    pub const fn new(r: f32, g: f32, b: f32, a: f32) -> Self {
        Color { r, g, b, a }
    }

    /// The same colour with alpha multiplied by `opacity`.
    pub fn with_opacity(self, opacity: f32) -> Color {
        Color { a: self.a * opacity.clamp(0.0, 1.0), ..self }
    }
}
