//! MapLibre's repeat filter for labels along lines (`symbol-placement:
//! line`): within one tile and layer, an anchor is dropped when an anchor of
//! the same text already taken lies closer than half the symbol spacing
//! (GL JS `anchorIsTooClose`, Native `SymbolLayout::anchorIsTooClose`). A road
//! cut into many short pieces so gets one label per half spacing, not one per
//! piece. Features are visited in layout order, and the first anchor wins.
//!
//! Taken anchors are kept in a grid of square cells per text, so a check looks
//! at the few cells around the point: anchors taken in one cell are at least
//! the cell size apart, which bounds each cell to a handful, whatever the
//! input (no quadratic scan of a tile's anchors).

use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct RepeatFilter {
    /// Side of a cell in tile units: the first positive distance asked for.
    cell: f32,
    /// Taken anchors by text, then by cell.
    taken: HashMap<Arc<str>, HashMap<(i64, i64), Vec<[f32; 2]>>>,
}

impl RepeatFilter {
    /// True when an anchor of `text` already taken lies closer than
    /// `distance` (tile units) to `point`; otherwise `point` is taken and
    /// false is returned. A distance that is not positive never rejects.
    pub fn too_close(&mut self, text: &Arc<str>, point: [f32; 2], distance: f32) -> bool {
        if !(distance > 0.0 && distance.is_finite() && point.iter().all(|v| v.is_finite())) {
            return false;
        }
        if self.cell <= 0.0 {
            self.cell = distance;
        }
        let cell_of = |v: f32| (v / self.cell).floor() as i64;
        let (cx, cy) = (cell_of(point[0]), cell_of(point[1]));
        // Cells a point closer than `distance` can be in (one ring when the
        // distance is the cell size).
        let reach = (distance / self.cell).ceil().min(64.0) as i64;
        if let Some(cells) = self.taken.get(text.as_ref()) {
            for gy in cy - reach..=cy + reach {
                for gx in cx - reach..=cx + reach {
                    let Some(points) = cells.get(&(gx, gy)) else { continue };
                    if points.iter().any(|p| ((p[0] - point[0]).powi(2) + (p[1] - point[1]).powi(2)).sqrt() < distance) {
                        return true;
                    }
                }
            }
        }
        self.taken.entry(text.clone()).or_default().entry((cx, cy)).or_default().push(point);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_within_the_distance_is_dropped() {
        let mut f = RepeatFilter::default();
        let main: Arc<str> = Arc::from("Main St");
        assert!(!f.too_close(&main, [100.0, 100.0], 50.0));
        assert!(f.too_close(&main, [130.0, 130.0], 50.0), "35 units from a taken anchor");
        assert!(!f.too_close(&main, [150.0, 100.0], 50.0), "exactly the distance is not closer");
        // Another text is independent.
        assert!(!f.too_close(&Arc::from("Oak Ave"), [101.0, 100.0], 50.0));
    }

    #[test]
    fn rejected_anchors_are_not_taken() {
        let mut f = RepeatFilter::default();
        let t: Arc<str> = Arc::from("x");
        assert!(!f.too_close(&t, [0.0, 0.0], 10.0));
        assert!(f.too_close(&t, [8.0, 0.0], 10.0));
        // 16 from the taken anchor, 8 from the rejected one: taken.
        assert!(!f.too_close(&t, [16.0, 0.0], 10.0));
    }

    #[test]
    fn neighbours_across_cells_and_larger_distances_are_seen() {
        let mut f = RepeatFilter::default();
        let t: Arc<str> = Arc::from("x");
        assert!(!f.too_close(&t, [9.9, 9.9], 10.0));
        assert!(f.too_close(&t, [10.1, 10.1], 10.0), "next cell diagonally");
        assert!(!f.too_close(&t, [40.0, 9.9], 10.0));
        // A later, larger distance looks further than one cell.
        assert!(f.too_close(&t, [70.0, 9.9], 35.0));
        assert!(!f.too_close(&t, [1.0, 1.0], 0.0), "no distance, no rejection");
    }
}
