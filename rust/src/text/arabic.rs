//! Arabic contextual forms: letters in logical order are replaced by their
//! isolated, final, initial or medial presentation forms (Unicode blocks
//! Arabic Presentation Forms-A and -B), and lam + alef by its ligature, as
//! MapLibre does (ICU's `u_shapeArabic` with letter shaping, logical order)
//! before bidi reordering. Glyph PBFs carry these presentation forms.
//!
//! Joining follows the Unicode joining types: dual-joining letters join on
//! both sides, right-joining letters (alef, dal, reh, waw, ...) only to the
//! letter before them, the tatweel joins both ways without changing, marks
//! (harakat) are transparent, anything else breaks the joining.

/// Unicode joining type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Joining {
    /// Dual: joins on both sides.
    Dual,
    /// Right: joins only to the preceding letter (in logical order).
    Right,
    /// Join causing (tatweel, zero width joiner).
    Causing,
    /// Transparent (combining marks): skipped when looking for neighbours.
    Transparent,
    /// Non-joining.
    None,
}

/// A shapeable letter: its joining type, its first presentation form
/// (isolated; then final, initial, medial follow) and how many forms it has
/// (2 for right-joining letters, 4 for dual-joining ones, 1 for hamza).
#[derive(Clone, Copy)]
struct Forms {
    joining: Joining,
    first: u32,
    count: u8,
}

const fn d(first: u32) -> Option<Forms> {
    Some(Forms { joining: Joining::Dual, first, count: 4 })
}
const fn r(first: u32) -> Option<Forms> {
    Some(Forms { joining: Joining::Right, first, count: 2 })
}

/// Presentation forms of the Arabic letters U+0621..U+064A (Forms-B).
const BASIC: [Option<Forms>; 42] = [
    Some(Forms { joining: Joining::None, first: 0xFE80, count: 1 }), // 0621 hamza
    r(0xFE81),                                                       // 0622 alef with madda
    r(0xFE83),                                                       // 0623 alef with hamza above
    r(0xFE85),                                                       // 0624 waw with hamza
    r(0xFE87),                                                       // 0625 alef with hamza below
    d(0xFE89),                                                       // 0626 yeh with hamza
    r(0xFE8D),                                                       // 0627 alef
    d(0xFE8F),                                                       // 0628 beh
    r(0xFE93),                                                       // 0629 teh marbuta
    d(0xFE95),                                                       // 062A teh
    d(0xFE99),                                                       // 062B theh
    d(0xFE9D),                                                       // 062C jeem
    d(0xFEA1),                                                       // 062D hah
    d(0xFEA5),                                                       // 062E khah
    r(0xFEA9),                                                       // 062F dal
    r(0xFEAB),                                                       // 0630 thal
    r(0xFEAD),                                                       // 0631 reh
    r(0xFEAF),                                                       // 0632 zain
    d(0xFEB1),                                                       // 0633 seen
    d(0xFEB5),                                                       // 0634 sheen
    d(0xFEB9),                                                       // 0635 sad
    d(0xFEBD),                                                       // 0636 dad
    d(0xFEC1),                                                       // 0637 tah
    d(0xFEC5),                                                       // 0638 zah
    d(0xFEC9),                                                       // 0639 ain
    d(0xFECD),                                                       // 063A ghain
    None,                                                            // 063B
    None,                                                            // 063C
    None,                                                            // 063D
    None,                                                            // 063E
    None,                                                            // 063F
    None,                                                            // 0640 tatweel (join causing)
    d(0xFED1),                                                       // 0641 feh
    d(0xFED5),                                                       // 0642 qaf
    d(0xFED9),                                                       // 0643 kaf
    d(0xFEDD),                                                       // 0644 lam
    d(0xFEE1),                                                       // 0645 meem
    d(0xFEE5),                                                       // 0646 noon
    d(0xFEE9),                                                       // 0647 heh
    r(0xFEED),                                                       // 0648 waw
    Some(Forms { joining: Joining::Dual, first: 0xFEEF, count: 2 }), // 0649 alef maksura
    d(0xFEF1),                                                       // 064A yeh
];

/// Presentation forms (Forms-A) of the letters of Persian and Urdu.
fn extended(c: u32) -> Option<Forms> {
    match c {
        0x0671 => r(0xFB50), // alef wasla
        0x0679 => d(0xFB66), // tteh
        0x067E => d(0xFB56), // peh
        0x0686 => d(0xFB7A), // tcheh
        0x0688 => r(0xFB88), // ddal
        0x0691 => r(0xFB8C), // rreh
        0x0698 => r(0xFB8A), // jeh
        0x06A9 => d(0xFB8E), // keheh
        0x06AF => d(0xFB92), // gaf
        0x06BA => Some(Forms { joining: Joining::Dual, first: 0xFB9E, count: 2 }), // noon ghunna
        0x06BE => d(0xFBAA), // heh doachashmee
        0x06C1 => d(0xFBA6), // heh goal
        0x06CC => d(0xFBFC), // farsi yeh
        0x06D2 => r(0xFBAE), // yeh barree
        _ => None,
    }
}

fn forms(c: char) -> Option<Forms> {
    let c = c as u32;
    if (0x0621..=0x064A).contains(&c) {
        BASIC[(c - 0x0621) as usize]
    } else {
        extended(c)
    }
}

fn joining(c: char) -> Joining {
    if let Some(f) = forms(c) {
        return f.joining;
    }
    match c as u32 {
        0x0640 | 0x200D => Joining::Causing,
        0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06DC | 0x06DF..=0x06E4 | 0x06E7 | 0x06E8 | 0x06EA..=0x06ED => {
            Joining::Transparent
        }
        _ => Joining::None,
    }
}

/// Whether `j` (before a letter) joins towards the following letter.
fn joins_forward(j: Joining) -> bool {
    matches!(j, Joining::Dual | Joining::Causing)
}

/// Whether `j` (after a letter) joins towards the preceding letter.
fn joins_backward(j: Joining) -> bool {
    matches!(j, Joining::Dual | Joining::Right | Joining::Causing)
}

/// The lam-alef ligature (isolated form) for `alef` after a lam.
fn lam_alef(alef: char) -> Option<u32> {
    match alef as u32 {
        0x0622 => Some(0xFEF5),
        0x0623 => Some(0xFEF7),
        0x0625 => Some(0xFEF9),
        0x0627 => Some(0xFEFB),
        _ => None,
    }
}

/// Whether any character could change (fast path for non-Arabic text).
pub fn needs_shaping(chars: &[char]) -> bool {
    chars.iter().any(|c| matches!(*c as u32, 0x0621..=0x06FF))
}

/// The contextual forms of `chars` (logical order). Lam + alef become one
/// ligature, so the result may be shorter than the input.
pub fn shape_arabic(chars: &[char]) -> Vec<char> {
    if !needs_shaping(chars) {
        return chars.to_vec();
    }
    let kinds: Vec<Joining> = chars.iter().map(|c| joining(*c)).collect();
    // Nearest non-transparent neighbours.
    let prev_of = |i: usize| (0..i).rev().find(|&j| kinds[j] != Joining::Transparent);
    let next_of = |i: usize| (i + 1..chars.len()).find(|&j| kinds[j] != Joining::Transparent);

    let mut out = Vec::with_capacity(chars.len());
    let mut skip_alef: Option<usize> = None;
    for (i, &c) in chars.iter().enumerate() {
        if skip_alef == Some(i) {
            continue;
        }
        let Some(f) = forms(c) else {
            out.push(c);
            continue;
        };
        let after_joiner = prev_of(i).is_some_and(|p| joins_forward(kinds[p])) && joins_backward(f.joining);
        let next = next_of(i);
        if c == '\u{0644}' {
            if let Some(lig) = next.and_then(|n| lam_alef(chars[n])) {
                let form = if after_joiner { lig + 1 } else { lig };
                out.push(char::from_u32(form).unwrap_or(c));
                skip_alef = next;
                continue;
            }
        }
        let before_joiner = joins_forward(f.joining) && next.is_some_and(|n| joins_backward(kinds[n]));
        // Form index: 0 isolated, 1 final, 2 initial, 3 medial.
        let mut index = match (after_joiner, before_joiner) {
            (false, false) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (true, true) => 3,
        };
        if index >= f.count as u32 {
            // Letters without initial/medial forms keep isolated/final.
            index = if after_joiner && f.count > 1 { 1 } else { 0 };
        }
        out.push(char::from_u32(f.first + index).unwrap_or(c));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(s: &str) -> Vec<u32> {
        shape_arabic(&s.chars().collect::<Vec<_>>()).into_iter().map(|c| c as u32).collect()
    }

    #[test]
    fn salaam_takes_contextual_forms_and_the_lam_alef_ligature() {
        // س ل ا م: seen initial, lam + alef final ligature, meem isolated
        // (alef does not join forward).
        assert_eq!(shape("سلام"), vec![0xFEB3, 0xFEFC, 0xFEE1]);
    }

    #[test]
    fn forms_by_position() {
        // ب ب ب: initial, medial, final.
        assert_eq!(shape("ببب"), vec![0xFE91, 0xFE92, 0xFE90]);
        // A lone letter takes the isolated form; a right-joining letter
        // breaks the joining after it.
        assert_eq!(shape("ب"), vec![0xFE8F]);
        assert_eq!(shape("بدب"), vec![0xFE91, 0xFEAA, 0xFE8F]);
        // Harakat are transparent and kept.
        assert_eq!(shape("بَب"), vec![0xFE91, 0x064E, 0xFE90]);
        // Lam-alef at the start: isolated ligature.
        assert_eq!(shape("لا"), vec![0xFEFB]);
        // Latin text is untouched.
        assert_eq!(shape("ab"), vec![0x61, 0x62]);
    }
}
