//! Script properties of characters as MapLibre's text layout uses them:
//! where lines may break, which characters stand upright in vertical text,
//! which scripts need complex shaping, and the vertical punctuation forms.
//!
//! The rules follow MapLibre's `i18n` block tables (Unicode blocks, with
//! the exceptions of Unicode's VerticalOrientation.txt); like MapLibre, only
//! the Basic Multilingual Plane is classified: characters above U+FFFF get
//! no special treatment.

/// Whether `c` is in the inclusive range `lo..=hi`.
#[inline]
fn within(c: u32, lo: u32, hi: u32) -> bool {
    c >= lo && c <= hi
}

/// The whitespace MapLibre trims at line ends and leaves out of line widths.
pub fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

/// Characters after which a line may break between words.
pub fn allows_word_breaking(c: char) -> bool {
    matches!(
        c,
        '\n' | ' ' | '&' | '(' | ')' | '+' | '-' | '/' | '\u{AD}' | '\u{B7}' | '\u{200B}' | '\u{2010}' | '\u{2013}'
    )
}

/// Blocks in which a line may break after any character (CJK, kana, Yi, ...).
pub fn allows_ideographic_breaking(c: char) -> bool {
    let c = c as u32;
    if c == 0x2027 {
        // The interpunct, used to hyphenate Chinese words.
        return true;
    }
    if c < 0x2E80 {
        return false;
    }
    within(c, 0x2E80, 0x2EFF) // CJK Radicals Supplement
        || within(c, 0x2F00, 0x2FDF) // Kangxi Radicals
        || within(c, 0x2FF0, 0x2FFF) // Ideographic Description Characters
        || within(c, 0x3000, 0x303F) // CJK Symbols and Punctuation
        || within(c, 0x3040, 0x309F) // Hiragana
        || within(c, 0x30A0, 0x30FF) // Katakana
        || within(c, 0x3100, 0x312F) // Bopomofo
        || within(c, 0x31A0, 0x31BF) // Bopomofo Extended
        || within(c, 0x31C0, 0x31EF) // CJK Strokes
        || within(c, 0x31F0, 0x31FF) // Katakana Phonetic Extensions
        || within(c, 0x3200, 0x32FF) // Enclosed CJK Letters and Months
        || within(c, 0x3300, 0x33FF) // CJK Compatibility
        || within(c, 0x3400, 0x4DBF) // CJK Unified Ideographs Extension A
        || within(c, 0x4E00, 0x9FFF) // CJK Unified Ideographs
        || within(c, 0xA000, 0xA48F) // Yi Syllables
        || within(c, 0xA490, 0xA4CF) // Yi Radicals
        || within(c, 0xF900, 0xFAFF) // CJK Compatibility Ideographs
        || within(c, 0xFE10, 0xFE1F) // Vertical Forms
        || within(c, 0xFE30, 0xFE4F) // CJK Compatibility Forms
        || within(c, 0xFF00, 0xFFEF) // Halfwidth and Fullwidth Forms
}

/// Characters drawn upright (not rotated) in vertical text.
pub fn char_has_upright_vertical_orientation(ch: char) -> bool {
    let c = ch as u32;
    if c == 0x02EA || c == 0x02EB {
        return true;
    }
    if c < 0x1100 {
        return false;
    }
    if within(c, 0x3100, 0x312F) || within(c, 0x31A0, 0x31BF) {
        return true; // Bopomofo
    }
    if within(c, 0xFE30, 0xFE4F) && !within(c, 0xFE49, 0xFE4F) {
        return true; // CJK Compatibility Forms but the overlines and low lines
    }
    if within(c, 0x3300, 0x33FF) // CJK Compatibility
        || within(c, 0xF900, 0xFAFF) // CJK Compatibility Ideographs
        || within(c, 0x2E80, 0x2EFF) // CJK Radicals Supplement
        || within(c, 0x31C0, 0x31EF)
    // CJK Strokes
    {
        return true;
    }
    if within(c, 0x3000, 0x303F) {
        // CJK punctuation but the brackets and the wavy dash.
        return !within(c, 0x3008, 0x3011) && !within(c, 0x3014, 0x301F) && c != 0x3030;
    }
    if within(c, 0x4E00, 0x9FFF) // CJK Unified Ideographs
        || within(c, 0x3400, 0x4DBF) // Extension A
        || within(c, 0x3200, 0x32FF) // Enclosed CJK Letters and Months
        || within(c, 0x3130, 0x318F) // Hangul Compatibility Jamo
        || within(c, 0x1100, 0x11FF) // Hangul Jamo
        || within(c, 0xA960, 0xA97F) // Hangul Jamo Extended-A
        || within(c, 0xD7B0, 0xD7FF) // Hangul Jamo Extended-B
        || within(c, 0xAC00, 0xD7AF) // Hangul Syllables
        || within(c, 0x3040, 0x309F) // Hiragana
        || within(c, 0x2FF0, 0x2FFF) // Ideographic Description Characters
        || within(c, 0x3190, 0x319F) // Kanbun
        || within(c, 0x2F00, 0x2FDF)
    // Kangxi Radicals
    {
        return true;
    }
    if within(c, 0x30A0, 0x30FF) {
        return c != 0x30FC; // Katakana but the prolonged sound mark
    }
    if within(c, 0x31F0, 0x31FF) {
        return true; // Katakana Phonetic Extensions
    }
    if within(c, 0xFF00, 0xFFEF) {
        // Fullwidth forms but brackets, dashes, colons and the halfwidth forms.
        return c != 0xFF08
            && c != 0xFF09
            && c != 0xFF0D
            && !within(c, 0xFF1A, 0xFF1E)
            && c != 0xFF3B
            && c != 0xFF3D
            && c != 0xFF3F
            && !within(c, 0xFF5B, 0xFFDF)
            && c != 0xFFE3
            && !within(c, 0xFFE8, 0xFFEF);
    }
    if within(c, 0xFE50, 0xFE6F) {
        return !within(c, 0xFE58, 0xFE5E) && !within(c, 0xFE63, 0xFE66); // Small Form Variants
    }
    within(c, 0x1400, 0x167F) // Unified Canadian Aboriginal Syllabics
        || within(c, 0x18B0, 0x18FF) // ... Extended
        || within(c, 0xFE10, 0xFE1F) // Vertical Forms
        || within(c, 0x4DC0, 0x4DFF) // Yijing Hexagram Symbols
        || within(c, 0xA000, 0xA48F) // Yi Syllables
        || within(c, 0xA490, 0xA4CF) // Yi Radicals
}

/// Characters that are neither clearly upright nor rotated in vertical text
/// (symbols that look the same either way).
pub fn char_has_neutral_vertical_orientation(ch: char) -> bool {
    let c = ch as u32;
    if within(c, 0x80, 0xFF) {
        return matches!(c, 0xA7 | 0xA9 | 0xAE | 0xB1 | 0xBC | 0xBD | 0xBE | 0xD7 | 0xF7);
    }
    if within(c, 0x2000, 0x206F) {
        return matches!(c, 0x2016 | 0x2020 | 0x2021 | 0x2030 | 0x2031 | 0x203B | 0x203C | 0x2042 | 0x2047 | 0x2048 | 0x2049 | 0x2051);
    }
    if within(c, 0x2100, 0x218F) {
        return true; // Letterlike Symbols, Number Forms
    }
    if within(c, 0x2300, 0x23FF) {
        return within(c, 0x2300, 0x2307)
            || within(c, 0x230C, 0x231F)
            || within(c, 0x2324, 0x2328)
            || c == 0x232B
            || within(c, 0x237D, 0x239A)
            || within(c, 0x23BE, 0x23CD)
            || c == 0x23CF
            || within(c, 0x23D1, 0x23DB)
            || within(c, 0x23E2, 0x23FF);
    }
    // Control Pictures, OCR, Enclosed Alphanumerics; Geometric Shapes.
    if within(c, 0x2400, 0x24FF) || within(c, 0x25A0, 0x25FF) {
        return true;
    }
    if within(c, 0x3000, 0x303F) // CJK Symbols and Punctuation
        || within(c, 0x30A0, 0x30FF) // Katakana
        || within(c, 0xE000, 0xF8FF) // Private Use Area
        || within(c, 0xFE30, 0xFE6F) // CJK Compatibility Forms, Small Form Variants
        || within(c, 0xFF00, 0xFFEF)
    // Halfwidth and Fullwidth Forms
    {
        return true;
    }
    matches!(c, 0x221E | 0x2234 | 0x2235 | 0xFFFC | 0xFFFD) || within(c, 0x2700, 0x2767) || within(c, 0x2776, 0x2793)
}

/// Characters rotated 90° in vertical text (Latin letters, most symbols).
pub fn char_has_rotated_vertical_orientation(c: char) -> bool {
    !(char_has_upright_vertical_orientation(c) || char_has_neutral_vertical_orientation(c))
}

/// Whether any character of `text` stands upright in vertical text (so
/// that the text may be laid out vertically along lines).
pub fn allows_vertical_writing_mode(text: &str) -> bool {
    text.chars().any(char_has_upright_vertical_orientation)
}

/// [`allows_vertical_writing_mode`] for a character slice.
pub fn chars_allow_vertical_writing_mode(chars: &[char]) -> bool {
    chars.iter().any(|c| char_has_upright_vertical_orientation(*c))
}

/// The Arabic blocks (Arabic, Supplement, Extended-A, Presentation Forms
/// A and B): scripts whose glyphs join and must not be spread or rotated.
pub fn is_char_in_complex_shaping_script(ch: char) -> bool {
    let c = ch as u32;
    within(c, 0x0600, 0x06FF)
        || within(c, 0x0750, 0x077F)
        || within(c, 0x08A0, 0x08FF)
        || within(c, 0xFB50, 0xFDFF)
        || within(c, 0xFE70, 0xFEFF)
}

/// Whether `text-letter-spacing` applies: not to text with joining letters.
pub fn allows_letter_spacing(chars: &[char]) -> bool {
    !chars.iter().any(|c| is_char_in_complex_shaping_script(*c))
}

/// The vertical presentation form of a punctuation character, if any.
pub fn vertical_punctuation(c: char) -> Option<char> {
    let v = match c {
        '!' | '！' => '︕',
        '#' => '＃',
        '$' => '＄',
        '%' => '％',
        '&' => '＆',
        '(' | '（' | '｟' => '︵',
        ')' | '）' | '｠' => '︶',
        '*' => '＊',
        '+' => '＋',
        ',' | '，' => '︐',
        '-' | '–' | '－' => '︲',
        '.' | '‧' | '．' => '・',
        '/' => '／',
        ':' | '：' => '︓',
        ';' | '；' => '︔',
        '<' | '〈' | '＜' => '︿',
        '=' => '＝',
        '>' | '〉' | '＞' => '﹀',
        '?' | '？' => '︖',
        '@' => '＠',
        '[' | '［' => '﹇',
        '\\' => '＼',
        ']' | '］' => '﹈',
        '^' => '＾',
        '_' | '＿' => '︳',
        '`' => '｀',
        '{' | '｛' => '︷',
        '|' | '｜' => '―',
        '}' | '｝' => '︸',
        '~' => '～',
        '¢' => '￠',
        '£' => '￡',
        '¥' => '￥',
        '¦' => '￤',
        '¬' => '￢',
        '¯' => '￣',
        '—' => '︱',
        '‘' | '『' => '﹃',
        '’' | '』' => '﹄',
        '“' | '「' | '｢' => '﹁',
        '”' | '」' | '｣' => '﹂',
        '…' => '︙',
        '₩' => '￦',
        '、' => '︑',
        '。' | '｡' => '︒',
        '《' => '︽',
        '》' => '︾',
        '【' => '︻',
        '】' => '︼',
        '〔' => '︹',
        '〕' => '︺',
        '〖' => '︗',
        '〗' => '︘',
        _ => return None,
    };
    Some(v)
}

/// Replaces punctuation by its vertical form where both neighbours are
/// upright or themselves punctuation (a run of rotated Latin keeps its
/// punctuation). Never changes the length.
pub fn verticalize_punctuation(chars: &[char]) -> Vec<char> {
    let fits = |n: Option<&char>| match n {
        None => true,
        Some(c) => !char_has_rotated_vertical_orientation(*c) || vertical_punctuation(*c).is_some(),
    };
    (0..chars.len())
        .map(|i| {
            let prev = if i > 0 { chars.get(i - 1) } else { None };
            let next = chars.get(i + 1);
            if fits(prev) && fits(next) {
                vertical_punctuation(chars[i]).unwrap_or(chars[i])
            } else {
                chars[i]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaking_classes() {
        assert!(allows_ideographic_breaking('中'));
        assert!(allows_ideographic_breaking('。'));
        assert!(allows_ideographic_breaking('\u{2027}'));
        assert!(!allows_ideographic_breaking('a'));
        assert!(!allows_ideographic_breaking('한')); // Hangul breaks at spaces
        assert!(allows_word_breaking(' ') && allows_word_breaking('-') && !allows_word_breaking('a'));
    }

    #[test]
    fn vertical_orientation() {
        assert!(char_has_upright_vertical_orientation('中'));
        assert!(char_has_upright_vertical_orientation('あ'));
        assert!(char_has_upright_vertical_orientation('한'));
        assert!(!char_has_upright_vertical_orientation('ー'));
        assert!(!char_has_upright_vertical_orientation('（'));
        assert!(!char_has_upright_vertical_orientation('A'));
        assert!(char_has_rotated_vertical_orientation('A'));
        assert!(!char_has_rotated_vertical_orientation('（')); // neutral
        assert!(allows_vertical_writing_mode("abc中"));
        assert!(!allows_vertical_writing_mode("abc"));
    }

    #[test]
    fn punctuation_verticalized_between_upright_characters_only() {
        let s: Vec<char> = "中（国）".chars().collect();
        assert_eq!(verticalize_punctuation(&s).into_iter().collect::<String>(), "中︵国︶");
        // Inside rotated Latin text the parenthesis stays.
        let s: Vec<char> = "a(b".chars().collect();
        assert_eq!(verticalize_punctuation(&s).into_iter().collect::<String>(), "a(b");
    }

    #[test]
    fn complex_scripts() {
        assert!(is_char_in_complex_shaping_script('س'));
        assert!(is_char_in_complex_shaping_script('\u{FEB3}'));
        assert!(!is_char_in_complex_shaping_script('א'));
        assert!(!allows_letter_spacing(&['a', 'س']));
        assert!(allows_letter_spacing(&['a', 'b']));
    }
}
