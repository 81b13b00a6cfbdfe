//! Line breaking for point labels (`text-max-width`), as MapLibre chooses
//! breaks: on the logical string, among the characters after which a line
//! may break (spaces and word-breaking punctuation, and any character of
//! the ideographic scripts), the set of breaks minimising the total
//! "badness" = squared difference of each line's width from the target
//! width (total width / number of lines needed), plus penalties: a `\n`
//! forces a break, an opening parenthesis at a line end or a closing one at
//! a line start costs extra, and ideographic breaks cost extra when the
//! text carries zero width spaces (breaks suggested by the data). The last
//! line is better short than long.
//!
//! Work is bounded: each candidate break is compared with at most
//! [`MAX_PRIOR_BREAKS`] earlier candidates (MapLibre compares with all of
//! them; labels with that many break opportunities do not occur in
//! practice, and hostile input stays O(n × MAX_PRIOR_BREAKS)).

use super::script::{allows_ideographic_breaking, allows_word_breaking, is_whitespace};

/// How many earlier candidate breaks each candidate is compared with.
pub const MAX_PRIOR_BREAKS: usize = 1024;

const ZERO_WIDTH_SPACE: char = '\u{200B}';

struct Candidate {
    /// Index of the first character of the next line.
    index: usize,
    /// Width of the text before the break (whitespace excluded).
    x: f32,
    /// The best break before this one (index into the candidate list).
    prior: Option<usize>,
    badness: f32,
}

fn badness(line_width: f32, target_width: f32, penalty: f32, is_last: bool) -> f32 {
    let ragged = ((line_width - target_width) as f64).powi(2) as f32;
    if is_last {
        // A short last line is better than a long one.
        return if line_width < target_width { ragged / 2.0 } else { ragged * 2.0 };
    }
    if penalty < 0.0 {
        ragged - penalty * penalty
    } else {
        ragged + penalty * penalty
    }
}

fn penalty(c: char, next: char, penalizable_ideographic: bool) -> f32 {
    let mut p = 0.0;
    if c == '\n' {
        p -= 10000.0;
    }
    if c == '(' || c == '\u{FF08}' {
        p += 50.0;
    }
    if next == ')' || next == '\u{FF09}' {
        p += 50.0;
    }
    if penalizable_ideographic {
        p += 150.0;
    }
    p
}

fn evaluate(candidates: &[Candidate], index: usize, x: f32, target: f32, penalty: f32, is_last: bool) -> Candidate {
    let mut prior = None;
    let mut best = badness(x, target, penalty, is_last);
    let first = candidates.len().saturating_sub(MAX_PRIOR_BREAKS);
    for (k, c) in candidates.iter().enumerate().skip(first) {
        let b = badness(x - c.x, target, penalty, is_last) + c.badness;
        if b <= best {
            prior = Some(k);
            best = b;
        }
    }
    Candidate { index, x, prior, badness: best }
}

/// The char indices at which lines start (after the first), ending with
/// `chars.len()`; empty when `max_width` is 0 (no breaking) or the text is
/// empty. `advances[i]` is the advance of `chars[i]` in px (font-scale and
/// letter spacing included, 0 for characters without a glyph).
pub fn determine_line_breaks(chars: &[char], advances: &[f32], max_width: f32) -> Vec<usize> {
    determine_line_breaks_at(chars, advances, max_width, |i| allows_ideographic_breaking(chars[i]) || allows_word_breaking(chars[i]))
}

/// [`determine_line_breaks`] with the break opportunities given:
/// `may_break_after(i)` says whether a line may end after `chars[i]` (text
/// shaped from local fonts breaks where UAX #14 allows, between clusters).
pub fn determine_line_breaks_at(chars: &[char], advances: &[f32], max_width: f32, may_break_after: impl Fn(usize) -> bool) -> Vec<usize> {
    if max_width <= 0.0 || chars.is_empty() || !max_width.is_finite() {
        return Vec::new();
    }
    let total: f32 = advances.iter().sum();
    let line_count = (total / max_width).ceil().max(1.0);
    let target = total / line_count;
    let suggested_breaks = chars.contains(&ZERO_WIDTH_SPACE);

    let mut candidates: Vec<Candidate> = Vec::new();
    let mut x = 0.0f32;
    for (i, &c) in chars.iter().enumerate() {
        if !is_whitespace(c) {
            x += advances[i];
        }
        if i + 1 < chars.len() && may_break_after(i) {
            let ideographic = allows_ideographic_breaking(c);
            let p = penalty(c, chars[i + 1], ideographic && suggested_breaks);
            let cand = evaluate(&candidates, i + 1, x, target, p, false);
            candidates.push(cand);
        }
    }
    let last = evaluate(&candidates, chars.len(), x, target, 0.0, true);
    let mut breaks = vec![last.index];
    let mut prior = last.prior;
    while let Some(k) = prior {
        breaks.push(candidates[k].index);
        prior = candidates[k].prior;
    }
    breaks.sort_unstable();
    breaks.dedup();
    breaks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaks(s: &str, max_width: f32) -> Vec<usize> {
        let chars: Vec<char> = s.chars().collect();
        let adv: Vec<f32> = chars.iter().map(|&c| if c == ' ' { 5.0 } else { 10.0 }).collect();
        determine_line_breaks(&chars, &adv, max_width)
    }

    #[test]
    fn no_breaking_without_max_width() {
        assert!(breaks("a b c", 0.0).is_empty());
        assert_eq!(breaks("abc", 100.0), vec![3]);
    }

    #[test]
    fn balanced_lines() {
        // 4 words of 40 px: total 175 px, max 100 -> 2 lines of ~87 px:
        // "aaaa bbbb " | "cccc dddd".
        assert_eq!(breaks("aaaa bbbb cccc dddd", 100.0), vec![10, 19]);
    }

    #[test]
    fn newline_forces_a_break() {
        assert_eq!(breaks("ab\ncd", 1000.0), vec![3, 5]);
    }

    #[test]
    fn ideographs_break_anywhere() {
        // 6 ideographs of 10 px, max 30: two lines of 3.
        assert_eq!(breaks("一二三四五六", 30.0), vec![3, 6]);
    }

    #[test]
    fn hostile_input_is_bounded() {
        let s: String = std::iter::repeat("a ").take(20_000).collect();
        let t = std::time::Instant::now();
        let b = breaks(&s, 50.0);
        assert!(b.len() > 100);
        assert!(t.elapsed().as_secs_f32() < 20.0);
    }
}
