//! The warning for a frame whose drawing passed `max_overdraw` (see
//! `render::work`): how much it asked for, and which layers lost commands.

use crate::render::work::Cut;
use crate::style::Style;

/// Layers named in the warning at most; the rest are counted.
const MAX_NAMED: usize = 5;

/// `starts`: where each drawn layer's commands begin (first command, index
/// in `style.layers`), as `layout::build_display_list_by_layer` gives them.
pub fn warning(cut: &Cut, starts: &[(usize, usize)], style: &Style, max_overdraw: u32, (w, h): (u32, u32)) -> String {
    // Skipped commands per layer, in paint order.
    let mut per_layer: Vec<(usize, usize)> = Vec::new();
    for &i in &cut.skipped {
        let at = starts.partition_point(|&(first, _)| first <= i);
        let Some(&(_, layer)) = at.checked_sub(1).and_then(|k| starts.get(k)) else { continue };
        match per_layer.last_mut() {
            Some((l, n)) if *l == layer => *n += 1,
            _ => per_layer.push((layer, 1)),
        }
    }
    let named: Vec<String> = per_layer
        .iter()
        .take(MAX_NAMED)
        .map(|&(l, n)| format!("\"{}\" ({n})", style.layers.get(l).map_or("?", |l| l.id.as_str())))
        .collect();
    let more = per_layer.len().saturating_sub(MAX_NAMED);
    let pixels = (u64::from(w) * u64::from(h)).max(1);
    format!(
        "the {w}x{h} frame asks for about {} times its pixels in drawing, more than max_overdraw ({max_overdraw}, a runtime option): {} of {} draw commands were skipped, of layer{} {}{}",
        cut.asked / pixels,
        cut.skipped.len(),
        cut.commands,
        if per_layer.len() == 1 { "" } else { "s" },
        named.join(", "),
        if more > 0 { format!(" and {more} more") } else { String::new() }
    )
}
