//! Line merging before labels are placed along lines, as MapLibre does
//! (`symbol-placement: line`): a line feature whose first point is where
//! another one with the same label ends continues it, so a road cut into
//! many features gets its labels spaced along the whole road instead of
//! restarting (and crowding) at every piece. Only each feature's first
//! part takes part; a feature merged into another is left empty.

use std::collections::HashMap;

/// Merges `lines` (label text, first part of the feature, in feature
/// order) in place, the same way and in the same order as MapLibre's
/// `mergeLines`: each line joins the line ending where it starts and/or
/// the line starting where it ends (same text), the shared point once.
pub fn merge_lines(lines: &mut [(String, Vec<[f32; 2]>)]) {
    type Key = (String, u32, u32);
    let key = |text: &str, p: [f32; 2]| -> Key { (text.to_string(), p[0].to_bits(), p[1].to_bits()) };
    // Lines by their first point, and by their last point.
    let mut by_start: HashMap<Key, usize> = HashMap::new();
    let mut by_end: HashMap<Key, usize> = HashMap::new();
    for k in 0..lines.len() {
        let (text, line) = &lines[k];
        let (Some(&first), Some(&last)) = (line.first(), line.last()) else { continue };
        if text.is_empty() {
            continue;
        }
        let text = text.clone();
        let (start_key, end_key) = (key(&text, first), key(&text, last));
        let before = by_end.get(&start_key).copied();
        let after = by_start.get(&end_key).copied();
        match (before, after) {
            (Some(i), Some(j)) if i != j => {
                // i, then this line, then j: all in i.
                by_start.remove(&end_key);
                let mut joined = std::mem::take(&mut lines[k].1);
                joined.pop();
                joined.append(&mut lines[j].1);
                lines[i].1.pop();
                lines[i].1.append(&mut joined);
                by_end.remove(&start_key);
                if let Some(&end) = lines[i].1.last() {
                    by_end.insert(key(&text, end), i);
                }
            }
            (Some(i), _) => {
                // i, then this line.
                by_end.remove(&start_key);
                by_end.insert(end_key, i);
                let mut tail = std::mem::take(&mut lines[k].1);
                lines[i].1.pop();
                lines[i].1.append(&mut tail);
            }
            (None, Some(j)) => {
                // This line, then j: in j.
                by_start.remove(&end_key);
                by_start.insert(start_key, j);
                let mut joined = std::mem::take(&mut lines[k].1);
                joined.pop();
                joined.append(&mut lines[j].1);
                lines[j].1 = joined;
            }
            (None, None) => {
                by_start.insert(start_key, k);
                by_end.insert(end_key, k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(text: &str, pts: &[[f32; 2]]) -> (String, Vec<[f32; 2]>) {
        (text.to_string(), pts.to_vec())
    }

    #[test]
    fn pieces_of_one_road_become_one_line_in_any_order() {
        // Middle piece last: it joins the pieces before and after it.
        let mut lines = vec![
            l("Main", &[[0.0, 0.0], [10.0, 0.0]]),
            l("Main", &[[20.0, 0.0], [30.0, 0.0]]),
            l("Main", &[[10.0, 0.0], [20.0, 0.0]]),
        ];
        merge_lines(&mut lines);
        assert_eq!(lines[0].1, vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0]]);
        assert!(lines[1].1.is_empty() && lines[2].1.is_empty());
        // A piece before an earlier one: prepended to it (kept in the earlier feature).
        let mut lines = vec![l("Main", &[[10.0, 0.0], [20.0, 0.0]]), l("Main", &[[0.0, 0.0], [10.0, 0.0]])];
        merge_lines(&mut lines);
        assert_eq!(lines[0].1, vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]]);
        assert!(lines[1].1.is_empty());
    }

    #[test]
    fn other_text_or_no_text_is_not_merged() {
        let mut lines = vec![l("Main", &[[0.0, 0.0], [10.0, 0.0]]), l("High", &[[10.0, 0.0], [20.0, 0.0]]), l("", &[[10.0, 0.0], [30.0, 0.0]])];
        let before = lines.clone();
        merge_lines(&mut lines);
        assert_eq!(lines, before);
    }
}
