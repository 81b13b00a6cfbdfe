//! MapLibre's line bucket adds a vertex near each sharp corner of a dashed
//! or patterned line (so the pattern's distances stay close at the corner),
//! rounded to whole tile units.

/// `pts` with a vertex added `offset` px from each sharp corner (turning
/// more than 75 degrees) on both of its segments when they are long
/// enough, as MapLibre's line bucket does (closed lines: the closing vertex
/// too), into `out`. The step from the corner is rounded to whole units of
/// `grid` (its columns: one tile unit along the tile's x and y), as
/// MapLibre rounds the added vertex to tile coordinates.
pub(super) fn split_sharp_corners(pts: &[[f32; 2]], closed: bool, offset: f32, grid: [[f32; 2]; 2], out: &mut Vec<[f32; 2]>) {
    out.clear();
    let n = pts.len();
    let Some(&first) = pts.first() else { return };
    out.push(first);
    let dist = |a: [f32; 2], b: [f32; 2]| ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
    let unit = |a: [f32; 2], b: [f32; 2]| {
        let l = dist(a, b);
        if l > 0.0 {
            [(b[0] - a[0]) / l, (b[1] - a[1]) / l]
        } else {
            [0.0, 0.0]
        }
    };
    // cos(half the angle between the normals) < cos(37.5 degrees).
    let cos_sharp = (37.5f32).to_radians().cos();
    let sharp = |i: usize| -> bool {
        if offset <= 0.0 || n < 3 {
            return false;
        }
        let (prev, next) = if i == 0 || i == n - 1 {
            if !closed {
                return false;
            }
            (pts[n - 2], pts[1])
        } else {
            (pts[i - 1], pts[i + 1])
        };
        let (u1, u2) = (unit(prev, pts[i]), unit(pts[i], next));
        let sum = [u1[0] + u2[0], u1[1] + u2[1]];
        (sum[0] * sum[0] + sum[1] * sum[1]).sqrt() / 2.0 < cos_sharp
    };
    let snap = snap_to_grid(grid);
    let lerp = |a: [f32; 2], b: [f32; 2], t: f32| {
        let v = snap([(b[0] - a[0]) * t, (b[1] - a[1]) * t]);
        [a[0] + v[0], a[1] + v[1]]
    };
    for i in 0..n - 1 {
        let (a, b) = (pts[i], pts[i + 1]);
        let mut start = a;
        let len = dist(a, b);
        if sharp(i) && len > 2.0 * offset {
            start = lerp(a, b, offset / len);
            out.push(start);
        }
        let rest = dist(start, b);
        if sharp(i + 1) && rest > 2.0 * offset {
            out.push(lerp(b, start, offset / rest));
        }
        out.push(b);
    }
}

/// A vector rounded to whole steps of the grid whose columns are `g`
/// (unchanged when the grid is degenerate).
fn snap_to_grid(g: [[f32; 2]; 2]) -> impl Fn([f32; 2]) -> [f32; 2] {
    let [[a, c], [b, d]] = g.map(|col| col.map(f64::from));
    // columns (a, c) and (b, d): v = [[a, b], [c, d]] t
    let det = a * d - b * c;
    let ok = det.is_finite() && det.abs() > 1e-12;
    move |v: [f32; 2]| {
        if !ok {
            return v;
        }
        let (x, y) = (f64::from(v[0]), f64::from(v[1]));
        let (tx, ty) = (((d * x - b * y) / det).round(), ((a * y - c * x) / det).round());
        [(a * tx + b * ty) as f32, (c * tx + d * ty) as f32]
    }
}

#[cfg(test)]
mod tests {
    use super::split_sharp_corners;

    #[test]
    fn sharp_corners_split_long_segments_near_them() {
        let mut out = Vec::new();
        // A right angle: both segments get a vertex 15 px from the corner.
        let near = |a: &[[f32; 2]], b: &[[f32; 2]]| a.len() == b.len() && a.iter().zip(b).all(|(p, q)| (p[0] - q[0]).abs() + (p[1] - q[1]).abs() < 1e-3);
        split_sharp_corners(&[[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]], false, 15.0, [[0.0; 2]; 2], &mut out);
        assert!(near(&out, &[[0.0, 0.0], [85.0, 0.0], [100.0, 0.0], [100.0, 15.0], [100.0, 100.0]]), "{out:?}");
        // A gentle turn (30 degrees) and a sharp one with a short segment: unchanged.
        let gentle = [[0.0, 0.0], [100.0, 0.0], [186.6, 50.0]];
        split_sharp_corners(&gentle, false, 15.0, [[0.0; 2]; 2], &mut out);
        assert_eq!(out, gentle.to_vec());
        let short = [[0.0, 0.0], [20.0, 0.0], [20.0, 100.0]];
        split_sharp_corners(&short, false, 15.0, [[0.0; 2]; 2], &mut out);
        assert!(near(&out, &[[0.0, 0.0], [20.0, 0.0], [20.0, 15.0], [20.0, 100.0]]), "{out:?}");
        // A closed square: its closing vertex is a corner too.
        let square = [[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0], [0.0, 0.0]];
        split_sharp_corners(&square, true, 10.0, [[0.0; 2]; 2], &mut out);
        assert_eq!(out.len(), 5 + 8);
        assert!(near(&out[1..2], &[[10.0, 0.0]]) && near(&out[out.len() - 2..out.len() - 1], &[[0.0, 10.0]]), "{out:?}");
    }

    #[test]
    fn added_vertices_lie_on_the_tile_unit_grid() {
        let mut out = Vec::new();
        // A slanted corner: 15 px back along (-3, -4)/5 is (-9, -12) from
        // the corner, off a grid of 2 px units; a quarter-turned grid of
        // 5 px units holds it.
        let slant = [[0.0, 0.0], [30.0, 40.0], [70.0, 10.0]];
        split_sharp_corners(&slant, false, 15.0, [[0.0; 2]; 2], &mut out);
        assert!((out[1][0] - 21.0).abs() < 1e-4 && (out[1][1] - 28.0).abs() < 1e-4, "{out:?}");
        // 2 px grid: (-9, -12) stays (-9 rounds to -10 or -8: -4.5 units -> -4 or -5).
        split_sharp_corners(&slant, false, 15.0, [[2.0, 0.0], [0.0, 2.0]], &mut out);
        let back = [out[1][0] - 30.0, out[1][1] - 40.0];
        assert!(back[0].rem_euclid(2.0) < 1e-4 && back[1].rem_euclid(2.0) < 1e-4 && (back[1] + 12.0).abs() < 1e-4, "{out:?}");
        // A grid turned by 90 degrees (bearing): units along (0, 5) and (-5, 0).
        split_sharp_corners(&slant, false, 15.0, [[0.0, 5.0], [-5.0, 0.0]], &mut out);
        let back = [out[1][0] - 30.0, out[1][1] - 40.0];
        assert!((back[0] + 10.0).abs() < 1e-4 && (back[1] + 10.0).abs() < 1e-4, "{out:?}");
    }
}
