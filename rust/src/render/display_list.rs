//! The frame as a simple list of drawing commands in screen pixels (device
//! pixels, y down, origin top-left). The map builds it; the rasterizer draws it,
//! in order, with source-over compositing.

use std::sync::Arc;

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
    /// When set, the fill is drawn as MapLibre draws it: aliased, and its
    /// outline as GL lines fading with the distance to the edge (see
    /// `render::outline`); the value is the ground's nearness at device
    /// pixel `(x, y)` (`perspective · (x, y, 1)`, the reciprocal of the
    /// perspective divisor; `[0, 0, 1]` unpitched). When not set, the fill
    /// is antialiased by coverage and the outline stroked 1 px wide.
    pub perspective: Option<[f64; 3]>,
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
    /// Half the width (device px) of the smoothstep fading dash ends
    /// (MapLibre's distance-field gamma: 1 px at integer zooms,
    /// 0.5 px x 2^(zoom - floor(zoom)) at fractional ones).
    pub dash_fade: f32,
    /// Dashed lines: a vertex is added this far (device px) from each sharp
    /// corner on both its segments, as MapLibre's line bucket does, so that
    /// dash ends are square to the line away from corners (GL interpolates
    /// the distance along the line between a segment's corners, slanted
    /// where they are mitred).
    pub dash_corner_split: f32,
    /// Dashed lines: each vertex's distance along the line is floored to a
    /// multiple of this (device px; 0 = exact), as MapLibre stores it (two
    /// units of its 8192 per tile): the dash phase steps at vertices, which
    /// shows in overscaled tiles.
    pub dash_distance_step: f32,
    /// Dashes and patterns: the vectors (device px, or ground units under
    /// `ground`) of one MapLibre tile unit (1/8192 of the tile) along the
    /// tile's x and y axes. MapLibre adds the vertices near sharp corners at
    /// whole tile units; they are snapped to this grid (zero: not snapped).
    pub corner_grid: [[f32; 2]; 2],
    /// `line-gradient`, if any: the colour along the line (then `color` is
    /// white with the line's opacity as alpha).
    /// (Boxed, as are `pattern` and `ground`: most lines have none, and a
    /// display list holds a style per feature.)
    pub gradient: Option<Box<LineGradient>>,
    /// `line-pattern`, if any: drawn instead of the colour (then `color` is
    /// white with the line's opacity as alpha); no dashes, no gradient.
    pub pattern: Option<Box<LinePattern>>,
    /// Set for lines on a pitched map: `lines` and every size above are
    /// then on the ground plane (see [`GroundMap`]), so that, like
    /// MapLibre's lines extruded on the ground, a line is wider where the
    /// ground is nearer and its dashes and pattern recede with it.
    pub ground: Option<Box<GroundMap>>,
}

/// The ground plane of a pitched view for one tile: ground units are the
/// device pixels of the same view without pitch (tile units times a
/// constant), from the tile's corner. `to_screen` maps a ground point
/// `(x, y, 1)` to homogeneous device pixels `(X w, Y w, w)` (`w > 0` in
/// front of the camera); `from_screen` is its inverse, mapping a device
/// pixel `(X, Y, 1)` to homogeneous ground `(x, y, 1) / w`.
/// The geometry is not cut where it reaches behind the camera (distances
/// along the line keep their origin): only what each pixel sees is drawn.
/// `clip`, when set, is the ground rectangle `[x0, y0, x1, y1]` outside
/// which nothing is drawn (the tile's square: cut on the ground, every
/// tile's the same way, so that neighbouring tiles partition the pixels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroundMap {
    pub to_screen: [[f64; 3]; 3],
    pub from_screen: [[f64; 3]; 3],
    pub clip: Option<[f64; 4]>,
}

/// A `line-pattern` on one line feature (MapLibre Native's line_pattern
/// shader at rest): along the line the image repeats every `period` device
/// px of distance along the line; across it the image is centred, `height`
/// device px tall, out to `reach` from the centre line (the line's quad is
/// squeezed onto that when its outset is larger).
#[derive(Clone, Debug, PartialEq)]
pub struct LinePattern {
    pub image: PatternImage,
    pub period: f32,
    pub height: f32,
    pub reach: f32,
    /// MapLibre splits a line's segments this far (device px) from a sharp
    /// corner (turning more than 75 degrees), so that along the segment's
    /// middle the pattern is not skewed by the joins' miter.
    pub corner_split: f32,
    /// MapLibre stores the distance along the line at each vertex floored
    /// to 2 tile units (of 8192 per tile): that step in device px.
    pub distance_step: f32,
}

/// A `line-gradient` on one line feature (GeoJSON `lineMetrics`).
#[derive(Clone, Debug, PartialEq)]
pub struct LineGradient {
    /// Straight-alpha colours at line progress `i / (len - 1)`, sampled
    /// linearly (MapLibre's 256-texel ramp texture).
    pub ramp: Arc<Vec<Color>>,
    /// The line progress at the start and at the end of the feature's line
    /// (the piece of its source line this tile holds), or `None`: progress
    /// is the distance from the start of each line times `per_px` (MapLibre
    /// Native's for lines without clip fractions: tile units / 2^15).
    pub clip: Option<[f32; 2]>,
    pub per_px: f32,
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

/// A pattern image: premultiplied RGBA8, `width * height * 4` bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct PatternImage {
    pub width: u32,
    pub height: u32,
    pub data: Arc<Vec<u8>>,
}

impl PatternImage {
    /// From straight-alpha RGBA8 (as style images are stored); `None` when
    /// empty or the size does not match.
    pub fn from_straight(width: u32, height: u32, rgba: &[u8]) -> Option<PatternImage> {
        let len = (width as usize).checked_mul(height as usize)?.checked_mul(4)?;
        if len == 0 || rgba.len() != len {
            return None;
        }
        let mut data = rgba.to_vec();
        for p in data.chunks_exact_mut(4) {
            let a = p[3] as u32;
            for c in &mut p[..3] {
                *c = ((*c as u32 * a + 127) / 255) as u8;
            }
        }
        Some(PatternImage { width, height, data: Arc::new(data) })
    }
}

/// Pattern paint (`*-pattern`): an image repeated over the plane, sampled
/// bilinearly (with wrap-around) at pixel centres like a GL texture.
#[derive(Clone, Debug, PartialEq)]
pub struct PatternPaint {
    pub image: PatternImage,
    /// Maps a device pixel position `(x, y, 1)` (pixel centres at `+0.5`) to
    /// homogeneous image texel coordinates `(u, v, w)`: the texel is
    /// `(u / w, v / w)`, repeated with the image's size as the period
    /// (row-major 3×3; projective when the view is pitched). Pixels where
    /// `w <= 0` (beyond the horizon) are not drawn.
    pub to_texel: [[f64; 3]; 3],
    /// Multiplies the pattern (`*-opacity`).
    pub opacity: f32,
}

/// The outline of a pattern fill (`fill-antialias`).
#[derive(Clone, Debug, PartialEq)]
pub enum PatternOutline {
    None,
    /// A 1-device-pixel outline drawn with the pattern (no `fill-outline-color`).
    Pattern,
    /// A 1-device-pixel outline in this colour (opacity applied).
    Color(Color),
}

/// Paint for one polygon feature filled with a pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct PatternFillStyle {
    pub pattern: PatternPaint,
    pub antialias: bool,
    pub outline: PatternOutline,
    /// As [`FillStyle::perspective`].
    pub perspective: Option<[f64; 3]>,
}

/// How a raster image is filtered (`raster-resampling`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resampling {
    Linear,
    Nearest,
}

/// Paint for one raster image (a raster tile or an image source) drawn
/// over its quad: sampled at pixel centres through `to_texel` (as
/// [`PatternPaint`], but clamped to the image's edges instead of
/// repeated), then adjusted per texel like MapLibre's raster shader.
#[derive(Clone, Debug, PartialEq)]
pub struct RasterStyle {
    /// Premultiplied RGBA8.
    pub image: PatternImage,
    /// Device pixel `(x, y, 1)` to homogeneous texel coordinates (see
    /// [`PatternPaint::to_texel`]).
    pub to_texel: [[f64; 3]; 3],
    pub resampling: Resampling,
    /// `raster-opacity`.
    pub opacity: f32,
    /// `raster-hue-rotate`, degrees.
    pub hue_rotate: f32,
    /// `raster-brightness-min` / `-max`.
    pub brightness_min: f32,
    pub brightness_max: f32,
    /// `raster-saturation`, `raster-contrast` (-1..1).
    pub saturation: f32,
    pub contrast: f32,
    /// Set for hillshade layers: `image` is then a prepared slope texture
    /// (see `source::dem`), shaded per pixel after filtering instead of
    /// drawn as colour (the adjustments above are not used).
    pub hillshade: Option<std::sync::Arc<HillshadeShade>>,
}

impl RasterStyle {
    /// `image` drawn as it is (no adjustment), linearly resampled.
    pub fn plain(image: PatternImage, to_texel: [[f64; 3]; 3]) -> RasterStyle {
        RasterStyle {
            image,
            to_texel,
            resampling: Resampling::Linear,
            opacity: 1.0,
            hue_rotate: 0.0,
            brightness_min: 0.0,
            brightness_max: 1.0,
            saturation: 0.0,
            contrast: 0.0,
            hillshade: None,
        }
    }
}

/// A heatmap layer's density image and colouring (MapLibre's heatmap
/// texture pass): drawn over the whole target.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapImage {
    /// Kernel density, `width x height` (a quarter of the target's size),
    /// row-major from the top.
    pub density: std::sync::Arc<Vec<f32>>,
    pub width: u32,
    pub height: u32,
    /// 256 premultiplied RGBA8 entries; entry `i` is the colour at density `i / 256`.
    pub ramp: std::sync::Arc<Vec<u8>>,
    /// `heatmap-opacity` (0..1).
    pub opacity: f32,
}

/// Hillshade paint for one tile (MapLibre's hillshade shader uniforms).
#[derive(Clone, Debug, PartialEq)]
pub struct HillshadeShade {
    /// `hillshade-exaggeration`.
    pub exaggeration: f32,
    /// Light azimuth, radians: `hillshade-illumination-direction`, plus the
    /// bearing for the viewport anchor.
    pub azimuth: f32,
    /// Premultiplied RGBA (0..1): shadow, highlight and accent colours.
    pub shadow: [f32; 4],
    pub highlight: [f32; 4],
    pub accent: [f32; 4],
    /// Latitudes (degrees) of the tile's top and bottom edges.
    pub lat_range: [f32; 2],
}

/// Paint of SDF glyphs (text, SDF icons), MapLibre's symbol_sdf shader
/// inputs. Sizes in logical px, as the style gives them.
#[derive(Clone, Debug, PartialEq)]
pub struct SdfPaint {
    /// Fill colour (straight alpha, opacity not applied).
    pub color: Color,
    /// `text-opacity`, multiplies fill and halo.
    pub opacity: f32,
    pub halo_color: Color,
    /// `text-halo-width`, `text-halo-blur` (logical px).
    pub halo_width: f32,
    pub halo_blur: f32,
}

/// One glyph (or SDF icon) quad. The texel rectangle `tex` of `bitmap`
/// (x, y, width, height in texels; texels outside the bitmap read as 0) is
/// mapped onto the screen quad `corners` (device px: the rectangle's
/// top-left, top-right, bottom-right and bottom-left), drawn as GL draws it:
/// two triangles (tl, tr, bl) and (tr, bl, br), each device pixel whose
/// centre is inside shaded once from the bilinear sample at its centre.
#[derive(Clone, Debug, PartialEq)]
pub struct SdfQuad {
    pub corners: [Px; 4],
    /// Perspective w of each corner (1 for screen-aligned quads): texel
    /// coordinates interpolate perspective-correctly.
    pub w: [f32; 4],
    pub tex: [f32; 4],
    pub bitmap: Arc<crate::text::glyph::SdfBitmap>,
    /// `text-size / 24` (logical px): the SDF's scale.
    pub font_scale: f32,
    /// Ratio by which the edge softness grows (1 unless pitched).
    pub gamma_scale: f32,
    /// Index into the command's paints.
    pub paint: u32,
}

/// One colour icon quad: the texel rectangle `tex` of a premultiplied
/// image (texels outside read transparent) mapped onto `corners` as
/// [`SdfQuad`] maps its bitmap, sampled bilinearly, times `opacity`.
#[derive(Clone, Debug, PartialEq)]
pub struct IconQuad {
    pub corners: [Px; 4],
    pub w: [f32; 4],
    pub tex: [f32; 4],
    pub image: PatternImage,
    /// `icon-opacity`.
    pub opacity: f32,
    /// Sample the nearest texel (GL `NEAREST`: MapLibre's choice for
    /// icons drawn at their own size, unrotated and unpitched).
    pub nearest: bool,
}

/// One drawing command.
#[derive(Clone, Debug, PartialEq)]
pub enum DrawCommand {
    /// Fills the whole target (colour with opacity applied), source-over.
    Background { color: Color },
    Fill { rings: Vec<Vec<Px>>, style: FillStyle, clip: Option<ClipQuad> },
    Line { lines: Vec<Vec<Px>>, style: LineStyle, clip: Option<ClipQuad> },
    Circle { centers: Vec<Px>, style: CircleStyle, clip: Option<ClipQuad> },
    /// Fills the whole target with a pattern, source-over.
    BackgroundPattern { pattern: PatternPaint },
    /// A heatmap over the whole target, source-over.
    Heatmap { image: HeatmapImage },
    /// A polygon feature (rings as in `Fill`) filled with a pattern.
    PatternFill { rings: Vec<Vec<Px>>, style: Box<PatternFillStyle>, clip: Option<ClipQuad> },
    /// A raster image over the pixels whose centres are inside `rings`
    /// (its quad on screen, clipped when it reaches behind the camera).
    Raster { rings: Vec<Vec<Px>>, style: Box<RasterStyle>, clip: Option<ClipQuad> },
    /// SDF glyph quads: first every halo (quads whose paint has a visible
    /// halo), then every fill, each in quad order, source-over.
    /// `pixel_ratio` sets MapLibre's edge gamma (0.105 / ratio).
    Sdf { quads: Vec<SdfQuad>, paints: Vec<SdfPaint>, pixel_ratio: f32 },
    /// Colour icons, in quad order, source-over.
    Icons { quads: Vec<IconQuad> },
    /// A fill-extrusion layer: its faces drawn with a depth test (each
    /// pixel takes the nearest face's colour, like MapLibre's depth buffer)
    /// into a transparent offscreen image, which is then composited once at
    /// `opacity` (nearer faces hide farther ones, never show them through).
    Extrusion { faces: Vec<ExtrusionFace>, opacity: f32 },
}

/// One planar face of an extrusion (a roof or a wall), drawn aliased: a
/// pixel is covered when its centre is inside `rings` (even-odd), like a
/// GPU without multisampling.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtrusionFace {
    pub rings: Vec<Vec<Px>>,
    /// The face's nearness at device pixel `(x, y)`: `depth · (x, y, 1)` is
    /// the reciprocal of the perspective divisor (affine on screen for a
    /// plane); of two faces, the larger value is nearer the camera.
    pub depth: [f64; 3],
    /// The fraction of the way from the face's foot to its top at `(x, y)`:
    /// `(ramp · (x, y, 1)) / (depth · (x, y, 1))`, clamped to 0..=1
    /// (perspective-correct, as GPUs interpolate); zero on roofs.
    pub ramp: [f64; 3],
    pub paint: FacePaint,
}

/// What an extrusion face is painted with.
#[derive(Clone, Debug, PartialEq)]
pub enum FacePaint {
    /// Opaque lit colours at the foot and the top, interpolated by the ramp.
    Color([Color; 2]),
    /// A pattern whose colour channels are multiplied by the light at the
    /// foot and at the top, interpolated by the ramp; every covered pixel
    /// takes its texel, transparent ones too (they show what lies below the
    /// layer, not farther faces).
    Pattern { pattern: PatternPaint, light: [f32; 2] },
}

/// A frame to rasterize.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DisplayList {
    pub width: u32,
    pub height: u32,
    pub commands: Vec<DrawCommand>,
}
