//! The pole of inaccessibility of a polygon: the inner point farthest from
//! its outline (where MapLibre puts point labels of polygons), found by
//! refining square cells best-first until no cell can beat the best point by
//! more than `precision`.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::source::geojson::convert::sq_seg_dist;

/// Most cells examined: bounds the work on hostile polygons.
const MAX_CELLS: usize = 20_000;

struct Cell {
    c: [f64; 2],
    h: f64,
    /// Signed distance from the centre to the outline (positive inside).
    d: f64,
    /// Upper bound of the distance within the cell.
    max: f64,
}

impl Cell {
    fn new(c: [f64; 2], h: f64, polygon: &[Vec<[f32; 2]>]) -> Cell {
        let d = signed_distance(c, polygon);
        Cell { c, h, d, max: d + h * std::f64::consts::SQRT_2 }
    }
}

impl PartialEq for Cell {
    fn eq(&self, o: &Self) -> bool {
        self.max == o.max
    }
}
impl Eq for Cell {}
impl PartialOrd for Cell {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Cell {
    fn cmp(&self, o: &Self) -> Ordering {
        self.max.total_cmp(&o.max)
    }
}

/// Distance from `p` to the polygon's outline, negative outside.
fn signed_distance(p: [f64; 2], polygon: &[Vec<[f32; 2]>]) -> f64 {
    let mut inside = false;
    let mut best = f64::INFINITY;
    for ring in polygon {
        let n = ring.len();
        if n == 0 {
            continue;
        }
        let mut j = n - 1;
        for i in 0..n {
            let a = [ring[i][0] as f64, ring[i][1] as f64];
            let b = [ring[j][0] as f64, ring[j][1] as f64];
            if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0] {
                inside = !inside;
            }
            best = best.min(sq_seg_dist(&p, &a, &b));
            j = i;
        }
    }
    let d = best.sqrt();
    if inside {
        d
    } else {
        -d
    }
}

/// The centroid of the outer ring (the first guess).
fn centroid_cell(polygon: &[Vec<[f32; 2]>]) -> Option<Cell> {
    let ring = polygon.first()?;
    let (mut area, mut x, mut y) = (0.0, 0.0, 0.0);
    let n = ring.len();
    let mut j = n.checked_sub(1)?;
    for i in 0..n {
        let a = [ring[i][0] as f64, ring[i][1] as f64];
        let b = [ring[j][0] as f64, ring[j][1] as f64];
        let f = a[0] * b[1] - b[0] * a[1];
        x += (a[0] + b[0]) * f;
        y += (a[1] + b[1]) * f;
        area += f * 3.0;
        j = i;
    }
    let c = if area == 0.0 { [ring[0][0] as f64, ring[0][1] as f64] } else { [x / area, y / area] };
    Some(Cell::new(c, 0.0, polygon))
}

/// The pole of inaccessibility of `polygon` (outer ring then holes).
pub fn polylabel(polygon: &[Vec<[f32; 2]>], precision: f64) -> Option<[f32; 2]> {
    let outer = polygon.first()?;
    if outer.is_empty() || outer.iter().flatten().any(|v| !v.is_finite()) {
        return None;
    }
    let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in outer {
        for k in 0..2 {
            min[k] = min[k].min(p[k] as f64);
            max[k] = max[k].max(p[k] as f64);
        }
    }
    let (w, h) = (max[0] - min[0], max[1] - min[1]);
    let size = w.min(h);
    if size == 0.0 {
        return Some([min[0] as f32, min[1] as f32]);
    }
    let half = size / 2.0;
    let mut queue = BinaryHeap::new();
    let mut x = min[0];
    while x < max[0] {
        let mut y = min[1];
        while y < max[1] {
            queue.push(Cell::new([x + half, y + half], half, polygon));
            if queue.len() > MAX_CELLS {
                break;
            }
            y += size;
        }
        x += size;
    }
    let mut best = centroid_cell(polygon)?;
    let bbox = Cell::new([min[0] + w / 2.0, min[1] + h / 2.0], 0.0, polygon);
    if bbox.d > best.d {
        best = bbox;
    }
    let mut examined = queue.len();
    while let Some(cell) = queue.pop() {
        if cell.d > best.d {
            best = Cell { c: cell.c, h: cell.h, d: cell.d, max: cell.max };
        }
        if cell.max - best.d <= precision || examined > MAX_CELLS {
            continue;
        }
        let h = cell.h / 2.0;
        for (dx, dy) in [(-h, -h), (h, -h), (-h, h), (h, h)] {
            queue.push(Cell::new([cell.c[0] + dx, cell.c[1] + dy], h, polygon));
        }
        examined += 4;
    }
    Some([best.c[0] as f32, best.c[1] as f32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_pole_is_its_centre_and_holes_push_it_away() {
        let square = vec![vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0], [0.0, 0.0]]];
        let p = polylabel(&square, 1.0).unwrap();
        assert!((p[0] - 50.0).abs() <= 1.0 && (p[1] - 50.0).abs() <= 1.0, "{p:?}");
        let mut with_hole = square.clone();
        with_hole.push(vec![[30.0, 30.0], [70.0, 30.0], [70.0, 70.0], [30.0, 70.0], [30.0, 30.0]]);
        let p = polylabel(&with_hole, 1.0).unwrap();
        assert!(signed_distance([p[0] as f64, p[1] as f64], &with_hole) > 10.0, "{p:?} is inside the ring, away from the hole");
    }

    #[test]
    fn an_l_shape_gets_a_point_inside() {
        let l = vec![vec![[0.0, 0.0], [100.0, 0.0], [100.0, 20.0], [20.0, 20.0], [20.0, 100.0], [0.0, 100.0], [0.0, 0.0]]];
        let p = polylabel(&l, 1.0).unwrap();
        assert!(signed_distance([p[0] as f64, p[1] as f64], &l) >= 9.0, "{p:?}");
    }
}
