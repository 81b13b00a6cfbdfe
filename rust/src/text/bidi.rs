//! Bidirectional text: logical lines to visual lines, the way MapLibre does
//! it (line breaks are chosen on the logical string, then every line is
//! reordered on its own with the Unicode bidi algorithm, the paragraph
//! direction taken from the first strong character, left-to-right if none).
//!
//! Right-to-left runs are reversed character by character (each character
//! keeping its section), mirrored characters (brackets) take their mirror
//! image, and the bidi control characters are removed. Paragraph separators
//! (`\n`, U+2029, ...) always end a line, whether or not line breaking is on.

use std::ops::Range;

use unicode_bidi::{bidi_class, BidiClass, BidiInfo};

/// One visual line: characters in display order and their sections.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VisualLine {
    pub chars: Vec<char>,
    pub sections: Vec<u16>,
}

/// Paragraph separators (bidi class B).
fn is_paragraph_separator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{1C}' | '\u{1D}' | '\u{1E}' | '\u{85}' | '\u{2029}')
}

/// Explicit directional formatting characters and marks: they steer the
/// algorithm and are not drawn.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether reordering can change anything (right-to-left characters or
/// explicit controls present).
fn needs_reordering(chars: &[char]) -> bool {
    chars.iter().any(|&c| {
        is_bidi_control(c) || matches!(bidi_class(c), BidiClass::R | BidiClass::AL | BidiClass::RLE | BidiClass::RLO | BidiClass::RLI)
    })
}

/// The mirror image of a bracket-like character drawn right to left.
pub fn mirrored(c: char) -> char {
    match c {
        '(' => ')',
        ')' => '(',
        '<' => '>',
        '>' => '<',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '«' => '»',
        '»' => '«',
        '‹' => '›',
        '›' => '‹',
        '⁅' => '⁆',
        '⁆' => '⁅',
        '⁽' => '⁾',
        '⁾' => '⁽',
        '₍' => '₎',
        '₎' => '₍',
        '≤' => '≥',
        '≥' => '≤',
        '〈' => '〉',
        '〉' => '〈',
        '《' => '》',
        '》' => '《',
        '「' => '」',
        '」' => '「',
        '『' => '』',
        '』' => '『',
        '【' => '】',
        '】' => '【',
        '〔' => '〕',
        '〕' => '〔',
        '〖' => '〗',
        '〗' => '〖',
        '〘' => '〙',
        '〙' => '〘',
        '〚' => '〛',
        '〛' => '〚',
        '（' => '）',
        '）' => '（',
        '＜' => '＞',
        '＞' => '＜',
        '［' => '］',
        '］' => '［',
        '｛' => '｝',
        '｝' => '｛',
        '｟' => '｠',
        '｠' => '｟',
        '｢' => '｣',
        '｣' => '｢',
        _ => c,
    }
}

/// The line ends to use: `breaks` (sorted char indices where a new line
/// starts, as the line breaker gives them) plus the end of every paragraph
/// and of the text.
pub fn merge_paragraph_ends(chars: &[char], breaks: &[usize]) -> Vec<usize> {
    let mut ends: Vec<usize> = breaks.iter().copied().filter(|&b| b > 0 && b <= chars.len()).collect();
    for (i, &c) in chars.iter().enumerate() {
        // CR LF is one separator.
        if is_paragraph_separator(c) && !(c == '\r' && chars.get(i + 1) == Some(&'\n')) {
            ends.push(i + 1);
        }
    }
    if !chars.is_empty() {
        ends.push(chars.len());
    }
    ends.sort_unstable();
    ends.dedup();
    ends
}

/// Splits `chars` (logical order, `sections[i]` the section of `chars[i]`)
/// at `breaks` and at paragraph ends, and reorders each line visually.
pub fn visual_lines(chars: &[char], sections: &[u16], breaks: &[usize]) -> Vec<VisualLine> {
    let ends = merge_paragraph_ends(chars, breaks);
    let mut lines = Vec::with_capacity(ends.len());
    if !needs_reordering(chars) {
        let mut start = 0;
        for end in ends {
            lines.push(VisualLine { chars: chars[start..end].to_vec(), sections: sections[start..end].to_vec() });
            start = end;
        }
        return lines;
    }

    let text: String = chars.iter().collect();
    // Byte offset of each char (and of the end), and char index of each
    // char-starting byte.
    let mut byte_of = Vec::with_capacity(chars.len() + 1);
    let mut char_at = vec![u32::MAX; text.len() + 1];
    let mut b = 0usize;
    for (i, c) in chars.iter().enumerate() {
        byte_of.push(b);
        char_at[b] = i as u32;
        b += c.len_utf8();
    }
    byte_of.push(b);
    char_at[b] = chars.len() as u32;

    let info = BidiInfo::new(&text, None);
    let mut start = 0;
    for end in ends {
        let mut line = VisualLine::default();
        let bytes: Range<usize> = byte_of[start]..byte_of[end];
        for para in &info.paragraphs {
            let lo = bytes.start.max(para.range.start);
            let hi = bytes.end.min(para.range.end);
            if lo >= hi {
                continue;
            }
            let (levels, runs) = info.visual_runs(para, lo..hi);
            for run in runs {
                let (a, z) = (char_at[run.start] as usize, char_at[run.end] as usize);
                if levels[run.start].is_rtl() {
                    for i in (a..z).rev() {
                        if !is_bidi_control(chars[i]) {
                            line.chars.push(mirrored(chars[i]));
                            line.sections.push(sections[i]);
                        }
                    }
                } else {
                    for i in a..z {
                        if !is_bidi_control(chars[i]) {
                            line.chars.push(chars[i]);
                            line.sections.push(sections[i]);
                        }
                    }
                }
            }
        }
        lines.push(line);
        start = end;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visual(s: &str, breaks: &[usize]) -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        let sections = vec![0u16; chars.len()];
        visual_lines(&chars, &sections, breaks).into_iter().map(|l| l.chars.into_iter().collect()).collect()
    }

    #[test]
    fn hebrew_is_reversed_and_numbers_keep_their_order() {
        assert_eq!(visual("שלום 123", &[]), vec!["123 םולש"]);
        assert_eq!(visual("abc שלום def", &[]), vec!["abc םולש def"]);
        // Brackets are mirrored in right-to-left runs.
        assert_eq!(visual("א(ב)", &[]), vec!["(ב)א"]);
    }

    #[test]
    fn lines_are_reordered_separately() {
        // Break after "אב " (logical): each line is reversed on its own.
        assert_eq!(visual("אב גד", &[3]), vec![" בא", "דג"]);
    }

    #[test]
    fn paragraph_ends_always_break() {
        assert_eq!(visual("ab\ncd", &[]), vec!["ab\n", "cd"]);
        assert_eq!(merge_paragraph_ends(&['a', '\r', '\n', 'b'], &[]), vec![3, 4]);
    }
}
