//! The warnings for a frame whose layout passed its bounds (see
//! `layout::budget`) or whose drawing passed `max_overdraw` (see
//! `render::work`): how much it asked for, and which layers lost what.

use crate::style::expression::fuel::Spent;
use crate::layout::budget::FrameBudget;
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
    let pixels = (u64::from(w) * u64::from(h)).max(1);
    format!(
        "the {w}x{h} frame asks for about {} times its pixels in drawing, more than max_overdraw ({max_overdraw}, a runtime option): {} of {} draw commands were skipped, of {}",
        cut.asked / pixels,
        cut.skipped.len(),
        cut.commands,
        layer_list(per_layer.iter().map(|&(l, n)| format!("\"{}\" ({n})", layer_id(style, l))).collect()),
    )
}

/// The warning for layers a frame's layout left out (see `FrameBudget`).
pub fn left_out(budget: &FrameBudget, style: &Style, (w, h): (u32, u32)) -> String {
    format!(
        "the {w}x{h} frame's layers read more than {} tile features, make more than {} draw commands or spread heatmap kernels over more than {} density texels (its layout bounds): {} left out in part",
        budget.max_reads,
        budget.max_commands,
        budget.max_heatmap_texels,
        layer_list(budget.left_out.iter().map(|&l| format!("\"{}\"", layer_id(style, l))).collect()),
    )
}

/// What is said of work under an expression bound of `steps` steps
/// ([`crate::style::expression::fuel`]) that ran into it; nothing if it did not.
/// `share` names whose share of the whole bound `steps` is, when less.
pub fn expression_work(steps: u64, share: &str, spent: Spent) -> Option<String> {
    let mut said = Vec::new();
    if spent.steps {
        said.push(format!(
            "{}: the rest took their defaults, and the features whose filters they were left out",
            expression_work_bound(steps, share)
        ));
    }
    if spent.long_strings {
        said.push(format!(
            "its expressions would have built strings of more than {} bytes (the expression string bound): those values took their defaults",
            crate::style::expression::fuel::MAX_STRING_BYTES
        ));
    }
    (!said.is_empty()).then(|| said.join("; "))
}

/// The expression work bound of `steps` steps (the whole bound, or `share`
/// of it: "this tile's share of the view's"), as [`expression_work`] and a
/// query's error name it.
pub fn expression_work_bound(steps: u64, share: &str) -> String {
    let max = crate::style::expression::fuel::MAX_STEPS;
    let share = if steps < max { format!(", {share} {max}") } else { String::new() };
    format!(
        "its expressions took more than {steps} evaluation steps (the expression work bound{share}, for a style whose expressions copy or scan large data for each of many features)"
    )
}

fn layer_id(style: &Style, index: usize) -> &str {
    style.layers.get(index).map_or("?", |l| l.id.as_str())
}

/// "layer a", "layers a, b", or the first [`MAX_NAMED`] "and N more".
fn layer_list(names: Vec<String>) -> String {
    let more = names.len().saturating_sub(MAX_NAMED);
    format!(
        "layer{} {}{}",
        if names.len() == 1 { "" } else { "s" },
        names[..names.len().min(MAX_NAMED)].join(", "),
        if more > 0 { format!(" and {more} more") } else { String::new() }
    )
}
