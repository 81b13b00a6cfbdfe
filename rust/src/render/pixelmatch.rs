//! pixelmatch: perceptual image comparison as used by map render-test suites,
//! implemented from the algorithm's description.
//!
//! Colour difference is measured in YIQ space (weighted squared differences
//! of luma and chroma, after blending translucent pixels over white); a pixel
//! differs when the delta exceeds `35215 * threshold^2` (35215 is the largest
//! possible delta). A differing pixel is an anti-aliasing pixel, and is not
//! counted unless `include_aa`, when in either image it has both a darker and
//! a brighter neighbour among its 8 neighbours, no more than 2 neighbours (or
//! image borders) equal to it, and the darkest or brightest neighbour has
//! more than 2 identical neighbours in both images.

/// Comparison options (defaults as in pixelmatch).
#[derive(Clone, Debug, PartialEq)]
pub struct PixelmatchOptions {
    /// Matching threshold in 0..=1; smaller is more sensitive. Default 0.1.
    pub threshold: f64,
    /// Count anti-aliased pixels as differences. Default false.
    pub include_aa: bool,
    /// Opacity of the unchanged image in the diff output. Default 0.1.
    pub alpha: f64,
    /// Colour of anti-aliased pixels in the diff. Default yellow.
    pub aa_color: [u8; 3],
    /// Colour of differing pixels in the diff. Default red.
    pub diff_color: [u8; 3],
    /// Draw only the differences on a transparent background. Default false.
    pub diff_mask: bool,
}

impl Default for PixelmatchOptions {
    fn default() -> Self {
        PixelmatchOptions {
            threshold: 0.1,
            include_aa: false,
            alpha: 0.1,
            aa_color: [255, 255, 0],
            diff_color: [255, 0, 0],
            diff_mask: false,
        }
    }
}

/// Compares two straight-alpha RGBA8 images of `width` x `height`.
/// Returns the number of mismatched pixels and a diff image (RGBA8).
pub fn pixelmatch(a: &[u8], b: &[u8], width: u32, height: u32, opts: &PixelmatchOptions) -> Result<(usize, Vec<u8>), String> {
    let len = (width as usize)
        .checked_mul(height as usize)
        .and_then(|n| n.checked_mul(4))
        .ok_or("pixelmatch: image size overflows")?;
    if a.len() != len || b.len() != len {
        return Err(format!(
            "pixelmatch: image sizes do not match: {} and {} bytes for {width}x{height} RGBA ({len} bytes)",
            a.len(),
            b.len()
        ));
    }
    if !(0.0..=1.0).contains(&opts.threshold) {
        return Err(format!("pixelmatch: threshold {} is not in 0..=1", opts.threshold));
    }
    let (w, h) = (width as usize, height as usize);
    let mut out = vec![0u8; len];
    let max_delta = 35215.0 * opts.threshold * opts.threshold;
    let mut diff = 0usize;

    if a == b {
        if !opts.diff_mask {
            for i in 0..w * h {
                draw_gray(a, i * 4, opts.alpha, &mut out);
            }
        }
        return Ok((0, out));
    }

    for y in 0..h {
        for x in 0..w {
            let pos = (y * w + x) * 4;
            let delta = color_delta(a, b, pos, pos, false);
            if delta.abs() > max_delta {
                if !opts.include_aa && (antialiased(a, x, y, w, h, b) || antialiased(b, x, y, w, h, a)) {
                    if !opts.diff_mask {
                        draw(&mut out, pos, opts.aa_color);
                    }
                } else {
                    draw(&mut out, pos, opts.diff_color);
                    diff += 1;
                }
            } else if !opts.diff_mask {
                draw_gray(a, pos, opts.alpha, &mut out);
            }
        }
    }
    Ok((diff, out))
}

fn draw(out: &mut [u8], pos: usize, c: [u8; 3]) {
    out[pos] = c[0];
    out[pos + 1] = c[1];
    out[pos + 2] = c[2];
    out[pos + 3] = 255;
}

fn draw_gray(img: &[u8], pos: usize, alpha: f64, out: &mut [u8]) {
    let y = rgb2y(img[pos] as f64, img[pos + 1] as f64, img[pos + 2] as f64);
    let v = blend(y, alpha * img[pos + 3] as f64 / 255.0).clamp(0.0, 255.0) as u8;
    draw(out, pos, [v, v, v]);
}

fn blend(c: f64, a: f64) -> f64 {
    255.0 + (c - 255.0) * a
}

fn rgb2y(r: f64, g: f64, b: f64) -> f64 {
    r * 0.29889531 + g * 0.58662247 + b * 0.11448223
}

fn rgb2i(r: f64, g: f64, b: f64) -> f64 {
    r * 0.59597799 - g * 0.27417610 - b * 0.32180189
}

fn rgb2q(r: f64, g: f64, b: f64) -> f64 {
    r * 0.21147017 - g * 0.52261711 + b * 0.31114694
}

/// Pixel `k` of `img1` vs pixel `m` of `img2` (over white). The sign tells
/// whether the first is brighter (negative) or darker; `y_only` returns the
/// signed luma difference only.
fn color_delta(img1: &[u8], img2: &[u8], k: usize, m: usize, y_only: bool) -> f64 {
    let p1 = &img1[k..k + 4];
    let p2 = &img2[m..m + 4];
    if p1 == p2 {
        return 0.0;
    }
    let over_white = |p: &[u8]| -> [f64; 3] {
        let (r, g, b, a) = (p[0] as f64, p[1] as f64, p[2] as f64, p[3] as f64);
        if p[3] < 255 {
            let a = a / 255.0;
            [blend(r, a), blend(g, a), blend(b, a)]
        } else {
            [r, g, b]
        }
    };
    let [r1, g1, b1] = over_white(p1);
    let [r2, g2, b2] = over_white(p2);
    let y1 = rgb2y(r1, g1, b1);
    let y2 = rgb2y(r2, g2, b2);
    let y = y1 - y2;
    if y_only {
        return y;
    }
    let i = rgb2i(r1, g1, b1) - rgb2i(r2, g2, b2);
    let q = rgb2q(r1, g1, b1) - rgb2q(r2, g2, b2);
    let delta = 0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q;
    if y1 > y2 {
        -delta
    } else {
        delta
    }
}

fn neighbourhood(x: usize, y: usize, w: usize, h: usize) -> (usize, usize, usize, usize, usize) {
    let x0 = x.saturating_sub(1);
    let y0 = y.saturating_sub(1);
    let x2 = (x + 1).min(w - 1);
    let y2 = (y + 1).min(h - 1);
    let on_border = x == x0 || x == x2 || y == y0 || y == y2;
    (x0, y0, x2, y2, on_border as usize)
}

/// Whether pixel (x, y) of `img` looks like anti-aliasing (see module docs).
fn antialiased(img: &[u8], x1: usize, y1: usize, w: usize, h: usize, img2: &[u8]) -> bool {
    let (x0, y0, x2, y2, mut zeroes) = neighbourhood(x1, y1, w, h);
    let pos = (y1 * w + x1) * 4;
    let (mut min, mut max) = (0.0f64, 0.0f64);
    let (mut min_xy, mut max_xy) = ((0, 0), (0, 0));
    for x in x0..=x2 {
        for y in y0..=y2 {
            if x == x1 && y == y1 {
                continue;
            }
            let delta = color_delta(img, img, pos, (y * w + x) * 4, true);
            if delta == 0.0 {
                zeroes += 1;
                if zeroes > 2 {
                    return false;
                }
            } else if delta < min {
                min = delta;
                min_xy = (x, y);
            } else if delta > max {
                max = delta;
                max_xy = (x, y);
            }
        }
    }
    if min == 0.0 || max == 0.0 {
        return false;
    }
    (has_many_siblings(img, min_xy.0, min_xy.1, w, h) && has_many_siblings(img2, min_xy.0, min_xy.1, w, h))
        || (has_many_siblings(img, max_xy.0, max_xy.1, w, h) && has_many_siblings(img2, max_xy.0, max_xy.1, w, h))
}

/// Whether pixel (x, y) has more than 2 identical neighbours (borders count).
fn has_many_siblings(img: &[u8], x1: usize, y1: usize, w: usize, h: usize) -> bool {
    let (x0, y0, x2, y2, mut zeroes) = neighbourhood(x1, y1, w, h);
    let pos = (y1 * w + x1) * 4;
    for x in x0..=x2 {
        for y in y0..=y2 {
            if x == x1 && y == y1 {
                continue;
            }
            let pos2 = (y * w + x) * 4;
            if img[pos..pos + 4] == img[pos2..pos2 + 4] {
                zeroes += 1;
            }
            if zeroes > 2 {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(w: usize, h: usize, c: [u8; 4]) -> Vec<u8> {
        c.iter().cycle().take(w * h * 4).cloned().collect()
    }

    #[test]
    fn identical_images_match() {
        let a = solid(8, 8, [10, 200, 30, 255]);
        let (n, diff) = pixelmatch(&a, &a.clone(), 8, 8, &PixelmatchOptions::default()).unwrap();
        assert_eq!(n, 0);
        assert_eq!(diff.len(), 8 * 8 * 4);
        assert_eq!(diff[3], 255);
    }

    #[test]
    fn one_changed_pixel_counts_once() {
        let a = solid(8, 8, [255, 255, 255, 255]);
        let mut b = a.clone();
        let p = (3 * 8 + 4) * 4;
        b[p..p + 3].copy_from_slice(&[0, 0, 0]);
        let (n, diff) = pixelmatch(&a, &b, 8, 8, &PixelmatchOptions::default()).unwrap();
        assert_eq!(n, 1);
        assert_eq!(&diff[p..p + 4], &[255, 0, 0, 255]);
        // Grey elsewhere: white faded stays white.
        assert_eq!(&diff[0..4], &[255, 255, 255, 255]);
        // Below the threshold: no difference.
        let mut c = a.clone();
        c[p] = 250;
        assert_eq!(pixelmatch(&a, &c, 8, 8, &PixelmatchOptions::default()).unwrap().0, 0);
    }

    #[test]
    fn antialiased_edge_pixel_is_not_counted() {
        // a: black | grey | white columns; b: the grey column is black (edge moved).
        let (w, h) = (7usize, 5usize);
        let mut a = vec![0u8; w * h * 4];
        for y in 0..h {
            for x in 0..w {
                let v = match x {
                    0..=2 => 0,
                    3 => 128,
                    _ => 255,
                };
                a[(y * w + x) * 4..(y * w + x) * 4 + 4].copy_from_slice(&[v, v, v, 255]);
            }
        }
        let mut b = a.clone();
        for y in 0..h {
            let p = (y * w + 3) * 4;
            b[p..p + 3].copy_from_slice(&[0, 0, 0]);
        }
        let (n, diff) = pixelmatch(&a, &b, w as u32, h as u32, &PixelmatchOptions::default()).unwrap();
        assert_eq!(n, 0);
        let p = (2 * w + 3) * 4;
        assert_eq!(&diff[p..p + 4], &[255, 255, 0, 255]);
        let opts = PixelmatchOptions { include_aa: true, ..Default::default() };
        assert_eq!(pixelmatch(&a, &b, w as u32, h as u32, &opts).unwrap().0, h);
    }

    #[test]
    fn size_mismatch_is_an_error() {
        let a = solid(2, 2, [0, 0, 0, 255]);
        assert!(pixelmatch(&a, &a[..12], 2, 2, &PixelmatchOptions::default()).is_err());
        assert!(pixelmatch(&a, &a, 3, 2, &PixelmatchOptions::default()).is_err());
        assert_eq!(pixelmatch(&[], &[], 0, 0, &PixelmatchOptions::default()).unwrap().0, 0);
    }
}
