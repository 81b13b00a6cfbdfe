//! Icons of symbols: the image named by `icon-image`, shaped around the
//! anchor by `icon-anchor` and `icon-offset` (MapLibre's shapeIcon) or
//! fitted to the label's text by `icon-text-fit` (+ padding), then cut into
//! quads: one for a plain image, a nine-patch grid for a stretchable one
//! (`stretchX`, `stretchY`, `content`) when it is fitted to text. Quad
//! corners are in px at `icon-size` 1 plus fixed px offsets, as MapLibre's
//! getIconQuads builds them.

use std::collections::HashMap;
use std::sync::Arc;

use crate::render::display_list::PatternImage;
pub use crate::style::image::{ImageStretch, MAX_STRETCH_ZONES};
use crate::text::glyph::SdfBitmap;
use crate::text::shaping::Anchor;

/// An image ready for symbols: its pixels as the painters sample them.
#[derive(Clone, Debug)]
pub struct IconImage {
    pub width: u32,
    pub height: u32,
    pub pixel_ratio: f32,
    pub pixels: IconPixels,
    pub stretch: ImageStretch,
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
        Some(IconImage { width, height, pixel_ratio, pixels, stretch: ImageStretch::default() })
    }

    pub fn with_stretch(mut self, stretch: ImageStretch) -> IconImage {
        self.stretch = stretch;
        self
    }

    pub fn is_sdf(&self) -> bool {
        matches!(self.pixels, IconPixels::Sdf(_))
    }

    /// Its size in px at icon-size 1.
    fn display_size(&self) -> [f32; 2] {
        [self.width as f32 / self.pixel_ratio, self.height as f32 / self.pixel_ratio]
    }
}

/// The images symbols can use, by id.
pub type IconImages = HashMap<String, Arc<IconImage>>;

/// `icon-text-fit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextFit {
    None,
    Width,
    Height,
    Both,
}

impl TextFit {
    pub fn parse(s: &str) -> TextFit {
        match s {
            "width" => TextFit::Width,
            "height" => TextFit::Height,
            "both" => TextFit::Both,
            _ => TextFit::None,
        }
    }
}

/// One quad of an icon. A corner's offset from the anchor is
/// `em[i] * max(min_scale, icon scale) + px[i]` (px), turned with the map
/// or the line when placed.
#[derive(Clone, Debug, PartialEq)]
pub struct IconPiece {
    /// Corners (tl, tr, br, bl) in px at icon-size 1, `icon-rotate` applied.
    pub em: [[f32; 2]; 4],
    /// Fixed px offsets of the corners (the parts of a nine-patch that do not stretch).
    pub px: [[f32; 2]; 4],
    /// The scale below which the piece stops shrinking (its fixed parts' share).
    pub min_scale: [f32; 2],
    /// Texel rectangle (x, y, w, h) in the image, its 1-texel border included.
    pub tex: [f32; 4],
}

/// A symbol's icon.
#[derive(Clone, Debug)]
pub struct SymbolIcon {
    pub image: Arc<IconImage>,
    /// Shared by every anchor of the feature (line labels repeat it).
    pub pieces: Arc<[IconPiece]>,
    /// The icon's box (left, top, right, bottom), unrotated, px at icon-size 1.
    pub bounds: [f32; 4],
    /// `icon-rotate` in degrees (for the collision box).
    pub rotate: f32,
    /// Fitted to its text (`icon-text-fit`): it moves with the text.
    pub fitted: bool,
}

/// The box of `image` around the anchor by `icon-anchor` and `icon-offset`.
pub fn shape_icon(image: &IconImage, anchor: Anchor, offset: [f32; 2]) -> [f32; 4] {
    let (h, v) = anchor.align();
    let [w, ht] = image.display_size();
    let x1 = offset[0] - w * h;
    let y1 = offset[1] - ht * v;
    [x1, y1, x1 + w, y1 + ht]
}

/// The box of `image` fitted to the text box `text` (px, left, top, right,
/// bottom) by `fit`, with `padding` (top, right, bottom, left) around the
/// text; `icon-anchor` does not apply (the icon centres on the text).
pub fn fit_icon_to_text(image: &IconImage, text: [f32; 4], fit: TextFit, padding: [f32; 4], offset: [f32; 2]) -> [f32; 4] {
    let [w, h] = image.display_size();
    let (left, right) = if matches!(fit, TextFit::Width | TextFit::Both) {
        (offset[0] + text[0] - padding[3], offset[0] + text[2] + padding[1])
    } else {
        let l = offset[0] + (text[0] + text[2] - w) / 2.0;
        (l, l + w)
    };
    let (top, bottom) = if matches!(fit, TextFit::Height | TextFit::Both) {
        (offset[1] + text[1] - padding[0], offset[1] + text[3] + padding[2])
    } else {
        let t = offset[1] + (text[1] + text[3] - h) / 2.0;
        (t, t + h)
    };
    [left, top, right, bottom]
}

/// Total length of `zones`.
fn zone_sum(zones: &[[f32; 2]]) -> f32 {
    zones.iter().map(|z| z[1] - z[0]).sum()
}

/// Length of `zones` inside `min..max`.
fn zone_sum_within(zones: &[[f32; 2]], min: f32, max: f32) -> f32 {
    zones.iter().map(|z| z[1].clamp(min, max) - z[0].clamp(min, max)).sum()
}

/// A cut through one axis of the image: `stretch` texels of stretchable
/// zones and `fixed` texels of fixed ones before it.
#[derive(Clone, Copy, Debug)]
struct Cut {
    fixed: f32,
    stretch: f32,
}

/// The cuts of an axis into alternating fixed and stretched parts, from the
/// left border texel to the right one.
fn cuts(zones: &[[f32; 2]], fixed_size: f32, stretch_size: f32) -> Vec<Cut> {
    let mut out = vec![Cut { fixed: -1.0, stretch: 0.0 }];
    for z in zones {
        let last = out.last().map_or(0.0, |c| c.stretch);
        out.push(Cut { fixed: z[0] - last, stretch: last });
        out.push(Cut { fixed: z[0] - last, stretch: last + (z[1] - z[0]) });
    }
    out.push(Cut { fixed: fixed_size + 1.0, stretch: stretch_size });
    out
}

/// One axis of the quad maths: the stretch zones, their sums, and the
/// content window (the part of the image that the icon's box spans).
struct Axis {
    stretch_size: f32,
    stretch_offset: f32,
    stretch_content: f32,
    fixed_offset: f32,
    fixed_content: f32,
    /// The icon box's start and length (px).
    start: f32,
    length: f32,
    pixel_ratio: f32,
}

impl Axis {
    fn new(zones: &[[f32; 2]], size: f32, content: Option<[f32; 2]>, start: f32, length: f32, pixel_ratio: f32) -> Axis {
        let stretch_size = zone_sum(zones);
        let fixed_size = size - stretch_size;
        let (stretch_offset, stretch_content, fixed_offset, fixed_content) = match content {
            Some([a, b]) => {
                let (so, sc) = (zone_sum_within(zones, 0.0, a), zone_sum_within(zones, a, b));
                (so, sc, a - so, (b - a) - sc)
            }
            None => (0.0, stretch_size, 0.0, fixed_size),
        };
        Axis { stretch_size, stretch_offset, stretch_content, fixed_offset, fixed_content, start, length, pixel_ratio }
    }

    /// The stretching part of a cut's position (px at icon-size 1).
    fn em(&self, c: Cut) -> f32 {
        let share = if self.stretch_content != 0.0 { (c.stretch - self.stretch_offset) / self.stretch_content } else { 0.0 };
        self.start + self.length * share
    }

    /// The fixed part of a cut's position (px).
    fn px(&self, c: Cut) -> f32 {
        let share = if self.stretch_size != 0.0 { c.stretch / self.stretch_size } else { 0.0 };
        ((c.fixed - self.fixed_offset) - self.fixed_content * share) / self.pixel_ratio
    }

    fn min_scale(&self) -> f32 {
        if self.length != 0.0 {
            self.fixed_content / self.pixel_ratio / self.length
        } else {
            0.0
        }
    }
}

/// The quads of `image` drawn in `bounds` (px at icon-size 1), turned by
/// `rotate` degrees; `fitted` when the box comes from `icon-text-fit` (only
/// then do stretch zones and the content box apply).
pub fn icon_quads(image: Arc<IconImage>, bounds: [f32; 4], rotate: f32, fitted: bool) -> SymbolIcon {
    let (w, h) = (image.width as f32, image.height as f32);
    let meta = &image.stretch;
    let full_x = [[0.0, w]];
    let full_y = [[0.0, h]];
    let zx: &[[f32; 2]] = if meta.x.is_empty() { &full_x } else { &meta.x };
    let zy: &[[f32; 2]] = if meta.y.is_empty() { &full_y } else { &meta.y };
    let content = meta.content.filter(|_| fitted);
    let ax = Axis::new(zx, w, content.map(|c| [c[0], c[2]]), bounds[0], bounds[2] - bounds[0], image.pixel_ratio);
    let ay = Axis::new(zy, h, content.map(|c| [c[1], c[3]]), bounds[1], bounds[3] - bounds[1], image.pixel_ratio);
    let (s, c) = rotate.to_radians().sin_cos();
    let turn = |p: [f32; 2]| if rotate != 0.0 { [p[0] * c - p[1] * s, p[0] * s + p[1] * c] } else { p };
    let piece = |l: Cut, t: Cut, r: Cut, b: Cut| {
        let (x1, x2, y1, y2) = (ax.em(l), ax.em(r), ay.em(t), ay.em(b));
        let (px1, px2, py1, py2) = (ax.px(l), ax.px(r), ay.px(t), ay.px(b));
        let (tx1, tx2, ty1, ty2) = (l.stretch + l.fixed, r.stretch + r.fixed, t.stretch + t.fixed, b.stretch + b.fixed);
        IconPiece {
            em: [[x1, y1], [x2, y1], [x2, y2], [x1, y2]].map(turn),
            px: [[px1, py1], [px2, py1], [px2, py2], [px1, py2]],
            min_scale: [ax.min_scale(), ay.min_scale()],
            tex: [tx1, ty1, tx2 - tx1, ty2 - ty1],
        }
    };
    let pieces = if !fitted || !meta.is_stretchable() {
        vec![piece(
            Cut { fixed: 0.0, stretch: -1.0 },
            Cut { fixed: 0.0, stretch: -1.0 },
            Cut { fixed: 0.0, stretch: w + 1.0 },
            Cut { fixed: 0.0, stretch: h + 1.0 },
        )]
    } else {
        let xs = cuts(zx, w - ax.stretch_size, ax.stretch_size);
        let ys = cuts(zy, h - ay.stretch_size, ay.stretch_size);
        let mut out = Vec::with_capacity((xs.len() - 1) * (ys.len() - 1));
        for x in xs.windows(2) {
            for y in ys.windows(2) {
                out.push(piece(x[0], y[0], x[1], y[1]));
            }
        }
        out
    };
    SymbolIcon { image, pieces: pieces.into(), bounds, rotate, fitted }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corner(p: &IconPiece, i: usize, scale: f32) -> [f32; 2] {
        [p.em[i][0] * scale.max(p.min_scale[0]) + p.px[i][0], p.em[i][1] * scale.max(p.min_scale[1]) + p.px[i][1]]
    }

    #[test]
    fn icons_are_shaped_around_their_anchor() {
        let img = Arc::new(IconImage::new(4, 2, 2.0, false, &[255; 32]).unwrap());
        let b = shape_icon(&img, Anchor::Center, [0.0, 0.0]);
        assert_eq!(b, [-1.0, -0.5, 1.0, 0.5]);
        let icon = icon_quads(img.clone(), b, 0.0, false);
        assert_eq!(icon.pieces.len(), 1);
        // The 1-texel border scales with the icon.
        assert_eq!(corner(&icon.pieces[0], 0, 1.0), [-1.5, -1.0]);
        assert_eq!(corner(&icon.pieces[0], 2, 2.0), [3.0, 2.0]);
        assert_eq!(icon.pieces[0].tex, [-1.0, -1.0, 6.0, 4.0]);
        let b = shape_icon(&img, Anchor::BottomRight, [1.0, 2.0]);
        assert_eq!(b, [-1.0, 1.0, 1.0, 2.0]);
        // Rotated 90° clockwise (y down): top-left (-1.5, 0.5) -> (-0.5, -1.5).
        let tl = corner(&icon_quads(img, b, 90.0, false).pieces[0], 0, 1.0);
        assert!((tl[0] + 0.5).abs() < 1e-5 && (tl[1] + 1.5).abs() < 1e-5, "{tl:?}");
        assert!(IconImage::new(2, 2, 1.0, true, &[0; 16]).unwrap().is_sdf());
        assert!(IconImage::new(2, 2, 1.0, true, &[0; 15]).is_none());
    }

    #[test]
    fn icons_fit_their_text_with_padding() {
        let img = IconImage::new(10, 6, 1.0, false, &[255; 240]).unwrap();
        let text = [-20.0, -8.0, 20.0, 8.0];
        let pad = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(fit_icon_to_text(&img, text, TextFit::Both, pad, [0.0, 0.0]), [-24.0, -9.0, 22.0, 11.0]);
        assert_eq!(fit_icon_to_text(&img, text, TextFit::Width, pad, [1.0, 0.0]), [-23.0, -3.0, 23.0, 3.0]);
        assert_eq!(fit_icon_to_text(&img, text, TextFit::Height, pad, [0.0, 0.0]), [-5.0, -9.0, 5.0, 11.0]);
        assert_eq!(fit_icon_to_text(&img, [0.0, 0.0, 4.0, 2.0], TextFit::None, pad, [0.0, 0.0]), [-3.0, -2.0, 7.0, 4.0]);
        // A plain image fitted to text stretches as a whole, border included.
        let icon = icon_quads(Arc::new(img), [-20.0, -6.0, 20.0, 6.0], 0.0, true);
        assert_eq!(icon.pieces.len(), 1);
        assert_eq!(corner(&icon.pieces[0], 0, 1.0), [-24.0, -8.0]);
    }

    #[test]
    fn stretchable_images_keep_their_fixed_parts() {
        // 10x4: columns 3..7 stretch, rows unchanged; content is columns 2..8.
        let entry = serde_json::json!({"stretchX": [[3, 7]], "content": [2, 0, 8, 4]});
        let stretch = ImageStretch::from_json(&entry, 10, 4).unwrap();
        let img = Arc::new(IconImage::new(10, 4, 1.0, false, &[255; 160]).unwrap().with_stretch(stretch));
        // Fit the content (6 wide) to 30 px of text.
        let icon = icon_quads(img.clone(), [-15.0, -2.0, 15.0, 2.0], 0.0, true);
        // Three columns (border+fixed, stretch, fixed+border) by three rows
        // (the border texels above and below, fixed; the rows, stretched).
        assert_eq!(icon.pieces.len(), 9);
        let col = |i: usize| &icon.pieces[i * 3 + 1];
        // The fixed left part keeps its 3 texels (+ border) left of the content's start.
        assert_eq!(corner(&icon.pieces[0], 0, 1.0), [-15.0 - 3.0, -3.0]);
        assert_eq!(corner(col(0), 0, 1.0), [-15.0 - 3.0, -2.0]);
        assert_eq!(corner(col(0), 1, 1.0), [-15.0 + 1.0, -2.0]);
        assert_eq!(corner(col(1), 1, 1.0), [15.0 - 1.0, -2.0]);
        assert_eq!(corner(col(2), 2, 1.0), [15.0 + 3.0, 2.0]);
        assert_eq!(corner(&icon.pieces[8], 2, 1.0), [15.0 + 3.0, 3.0]);
        assert_eq!(col(0).tex, [-1.0, 0.0, 4.0, 4.0]);
        assert_eq!(col(1).tex, [3.0, 0.0, 4.0, 4.0]);
        assert_eq!(col(2).tex, [7.0, 0.0, 4.0, 4.0]);
        // Shrunk below its fixed parts' share, the content stops shrinking.
        assert!(col(0).min_scale[0] > 0.0);
        // Not fitted: one quad, the image at its own size.
        let plain = icon_quads(img, [-5.0, -2.0, 5.0, 2.0], 0.0, false);
        assert_eq!(plain.pieces.len(), 1);
        assert_eq!(corner(&plain.pieces[0], 2, 1.0), [6.0, 3.0]);
    }

    #[test]
    fn bad_stretch_metadata_is_refused() {
        let bad = [
            serde_json::json!({"stretchX": [[5, 3]]}),
            serde_json::json!({"stretchX": [[0, 11]]}),
            serde_json::json!({"stretchX": [[2, 6], [4, 8]]}),
            serde_json::json!({"stretchY": "x"}),
            serde_json::json!({"content": [0, 0, 11, 4]}),
            serde_json::json!({"content": [4, 0, 2, 4]}),
            serde_json::json!({"stretchX": vec![[0, 0]; MAX_STRETCH_ZONES + 1]}),
        ];
        for entry in bad {
            assert!(ImageStretch::from_json(&entry, 10, 4).is_err(), "{entry}");
        }
        let ok = ImageStretch::from_json(&serde_json::json!({"stretchY": [[1, 2], [2, 3]]}), 10, 4).unwrap();
        assert_eq!(ok.y, vec![[1.0, 2.0], [2.0, 3.0]]);
        assert!(ok.is_stretchable() && ok.content.is_none());
    }
}
