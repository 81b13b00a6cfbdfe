//! The `collator`: locale-aware string comparison for `==`, `<`, ... with a
//! collator argument, and `resolved-locale`.
//!
//! A small multi-level collation in the manner of the Unicode Collation
//! Algorithm, as GL JS gets it from `Intl.Collator(locale, {usage: "search"})`:
//! each character becomes collation elements (primary = the base letter,
//! secondary = its accent, tertiary = its case); strings compare by all
//! primaries, then (when diacritic-sensitive) all secondaries, then (when
//! case-sensitive) all tertiaries, lower case first. Latin accents decompose
//! to base + accent; the letters a language sorts as letters of their own
//! (Swedish å ä ö after z, Spanish ñ after n, ...) or expands (German search
//! collation: ä = ae with an accent) come from a per-language table. No
//! collation data is bundled beyond these tables (about 2 KB); scripts other
//! than Latin compare by code point at the primary level.

use std::cmp::Ordering;

use crate::style::value::Collator;

/// Precomposed Latin letters per combining accent, with their base letters,
/// in the order of the accents' secondary weights (DUCET's order: acute,
/// grave, breve, circumflex, caron, ring, diaeresis, double acute, tilde,
/// dot above, stroke, cedilla, ogonek, macron).
const ACCENTS: &[(char, &str, &str)] = &[
    (
        '\u{301}',
        "ÁáĆćÉéǴǵÍíĹĺŃńÓóŔŕŚśÚúÝýŹź",
        "AaCcEeGgIiLlNnOoRrSsUuYyZz",
    ),
    ('\u{300}', "ÀàÈèÌìÒòÙùǸǹẀẁỲỳ", "AaEeIiOoUuNnWwYy"),
    ('\u{306}', "ĂăĔĕĞğĬĭŎŏŬŭ", "AaEeGgIiOoUu"),
    (
        '\u{302}',
        "ÂâĈĉÊêĜĝĤĥÎîĴĵÔôŜŝÛûŴŵŶŷ",
        "AaCcEeGgHhIiJjOoSsUuWwYy",
    ),
    (
        '\u{30C}',
        "ČčĎďĚěŇňŘřŠšŤťŽžǍǎǏǐǑǒǓǔ",
        "CcDdEeNnRrSsTtZzAaIiOoUu",
    ),
    ('\u{30A}', "ÅåŮů", "AaUu"),
    ('\u{308}', "ÄäËëÏïÖöÜüŸÿ", "AaEeIiOoUuYy"),
    ('\u{30B}', "ŐőŰű", "OoUu"),
    ('\u{303}', "ÃãẼẽĨĩÑñÕõŨũỸỹ", "AaEeIiNnOoUuYy"),
    ('\u{307}', "ĊċĖėĠġİŻż", "CcEeGgIZz"),
    ('\u{335}', "ĐđĦħŁłØøĿŀı", "DdHhLlOoLli"),
    ('\u{327}', "ÇçĢģĶķĻļŅņŖŗŞşŢţȘșȚț", "CcGgKkLlNnRrSsTtSsTt"),
    ('\u{328}', "ĄąĘęĮįŲų", "AaEeIiUu"),
    ('\u{304}', "ĀāĒēĪīŌōŪūȲȳ", "AaEeIiOoUuYy"),
];

/// Secondary weight of a combining accent: its rank in `ACCENTS` (1-based),
/// or past them for other combining marks.
fn accent_weight(mark: char) -> u16 {
    ACCENTS
        .iter()
        .position(|(m, _, _)| *m == mark)
        .map(|i| i as u16 + 1)
        .unwrap_or(0x100 + (mark as u32 & 0xff) as u16)
}

/// A precomposed Latin letter as (base letter, accent), if it is one.
fn decompose(c: char) -> Option<(char, char)> {
    if c.is_ascii() {
        return None;
    }
    ACCENTS.iter().find_map(|(mark, from, to)| {
        from.chars()
            .zip(to.chars())
            .find(|(f, _)| *f == c)
            .map(|(_, base)| (base, *mark))
    })
}

fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// How a language sorts one (lower-case) letter.
#[derive(Clone, Copy)]
enum Rule {
    /// A letter of its own, the `n`th after `base` (and before the letter
    /// following `base`); `sec` tells apart letters sharing the slot.
    After(char, u8, u16),
    /// Sorts as these letters, the last one carrying `sec` (German search
    /// collation: ä = "ae" plus an accent).
    Expand(&'static str, u16),
}

use Rule::{After, Expand};

const DIA: u16 = 7; // the diaeresis' secondary weight (see ACCENTS)

/// Letters with their own place per language (CLDR's standard tailorings,
/// German's search tailoring, as GL JS's `usage: "search"` selects).
const TAILORINGS: &[(&[&str], &[(char, Rule)])] = &[
    (
        &["de"],
        &[
            ('ä', Expand("ae", DIA)),
            ('ö', Expand("oe", DIA)),
            ('ü', Expand("ue", DIA)),
        ],
    ),
    (
        &["sv", "fi"],
        &[
            ('å', After('z', 1, 0)),
            ('ä', After('z', 2, 0)),
            ('æ', After('z', 2, 1)),
            ('ö', After('z', 3, 0)),
            ('ø', After('z', 3, 1)),
            ('ü', After('y', 0, DIA)),
        ],
    ),
    (
        &["da", "nb", "nn", "no"],
        &[
            ('æ', After('z', 1, 0)),
            ('ä', After('z', 1, 1)),
            ('ø', After('z', 2, 0)),
            ('ö', After('z', 2, 1)),
            ('å', After('z', 3, 0)),
        ],
    ),
    (
        &["is"],
        &[
            ('á', After('a', 1, 0)),
            ('ð', After('d', 1, 0)),
            ('é', After('e', 1, 0)),
            ('í', After('i', 1, 0)),
            ('ó', After('o', 1, 0)),
            ('ú', After('u', 1, 0)),
            ('ý', After('y', 1, 0)),
            ('þ', After('z', 1, 0)),
            ('æ', After('z', 2, 0)),
            ('ö', After('z', 3, 0)),
            ('ø', After('z', 3, 1)),
        ],
    ),
    (&["es"], &[('ñ', After('n', 1, 0))]),
    (
        &["tr", "az"],
        &[
            ('ç', After('c', 1, 0)),
            ('ğ', After('g', 1, 0)),
            ('ı', After('h', 1, 0)),
            ('ö', After('o', 1, 0)),
            ('ş', After('s', 1, 0)),
            ('ü', After('u', 1, 0)),
        ],
    ),
    (
        &["pl"],
        &[
            ('ą', After('a', 1, 0)),
            ('ć', After('c', 1, 0)),
            ('ę', After('e', 1, 0)),
            ('ł', After('l', 1, 0)),
            ('ń', After('n', 1, 0)),
            ('ó', After('o', 1, 0)),
            ('ś', After('s', 1, 0)),
            ('ź', After('z', 1, 0)),
            ('ż', After('z', 2, 0)),
        ],
    ),
    (
        &["cs", "sk"],
        &[
            ('č', After('c', 1, 0)),
            ('ř', After('r', 1, 0)),
            ('š', After('s', 1, 0)),
            ('ž', After('z', 1, 0)),
            ('ä', After('a', 1, 0)),
            ('ô', After('o', 1, 0)),
        ],
    ),
    (
        &["hu"],
        &[
            ('ö', After('o', 1, 0)),
            ('ő', After('o', 1, 1)),
            ('ü', After('u', 1, 0)),
            ('ű', After('u', 1, 1)),
        ],
    ),
    (
        &["et"],
        &[
            ('š', After('s', 1, 0)),
            ('z', After('s', 2, 0)),
            ('ž', After('s', 3, 0)),
            ('õ', After('w', 1, 0)),
            ('ä', After('w', 2, 0)),
            ('ö', After('w', 3, 0)),
            ('ü', After('w', 4, 0)),
        ],
    ),
    (
        &["lt", "lv"],
        &[
            ('č', After('c', 1, 0)),
            ('ģ', After('g', 1, 0)),
            ('ķ', After('k', 1, 0)),
            ('ļ', After('l', 1, 0)),
            ('ņ', After('n', 1, 0)),
            ('š', After('s', 1, 0)),
            ('ž', After('z', 1, 0)),
        ],
    ),
    (
        &["hr", "bs", "sl", "sr"],
        &[
            ('č', After('c', 1, 0)),
            ('ć', After('c', 2, 0)),
            ('đ', After('d', 1, 0)),
            ('š', After('s', 1, 0)),
            ('ž', After('z', 1, 0)),
        ],
    ),
    (
        &["ro"],
        &[
            ('ă', After('a', 1, 0)),
            ('â', After('a', 2, 0)),
            ('î', After('i', 1, 0)),
            ('ș', After('s', 1, 0)),
            ('ş', After('s', 1, 1)),
            ('ț', After('t', 1, 0)),
            ('ţ', After('t', 1, 1)),
        ],
    ),
];

/// Languages with collation data in ICU (whose locales `Intl.Collator`
/// resolves to themselves); any other locale resolves to the default.
const KNOWN_LANGUAGES: &[&str] = &[
    "af", "am", "ar", "as", "az", "be", "bg", "bn", "bo", "bs", "ca", "cs", "cy", "da", "de", "el",
    "en", "eo", "es", "et", "eu", "fa", "fi", "fil", "fo", "fr", "ga", "gl", "gu", "ha", "he",
    "hi", "hr", "hu", "hy", "id", "ig", "is", "it", "ja", "ka", "kk", "kl", "km", "kn", "ko", "ky",
    "lb", "lo", "lt", "lv", "mk", "ml", "mn", "mr", "ms", "mt", "my", "nb", "ne", "nl", "nn", "no",
    "or", "pa", "pl", "ps", "pt", "ro", "ru", "si", "sk", "sl", "sq", "sr", "sv", "sw", "ta", "te",
    "th", "tk", "to", "tr", "ug", "uk", "ur", "uz", "vi", "wo", "yo", "zh", "zu",
];

/// The default locale (GL JS's in the suite's environment).
pub const DEFAULT_LOCALE: &str = "en-US";

/// The locale a collator resolves `requested` to: the BCP 47 tag with
/// canonical case when its language has collation data, else the default.
pub fn resolve_locale(requested: Option<&str>) -> String {
    let Some(tag) = requested else {
        return DEFAULT_LOCALE.to_string();
    };
    let mut parts = tag.split(['-', '_']);
    let lang = parts.next().unwrap_or("").to_ascii_lowercase();
    if !KNOWN_LANGUAGES.contains(&lang.as_str()) {
        return DEFAULT_LOCALE.to_string();
    }
    let mut out = lang;
    for p in parts {
        if p.is_empty() || p.len() > 8 || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
            break;
        }
        out.push('-');
        match p.len() {
            2 => out.push_str(&p.to_ascii_uppercase()),
            4 => {
                let mut cs = p.chars();
                out.extend(cs.next().map(|c| c.to_ascii_uppercase()));
                out.push_str(&cs.as_str().to_ascii_lowercase());
            }
            _ => out.push_str(&p.to_ascii_lowercase()),
        }
    }
    out
}

fn tailoring(locale: Option<&str>) -> &'static [(char, Rule)] {
    let lang = resolve_locale(locale);
    let lang = lang.split('-').next().unwrap_or("");
    TAILORINGS
        .iter()
        .find(|(langs, _)| langs.contains(&lang))
        .map(|(_, rules)| *rules)
        .unwrap_or(&[])
}

/// One collation element: (primary, secondary, tertiary). Primary 0 is
/// ignorable at the primary level (a combining accent).
type Element = (u32, u16, u8);

fn primary_of(c: char) -> u32 {
    (c as u32) << 4
}

fn push_letter(out: &mut Vec<Element>, c: char, rules: &[(char, Rule)]) {
    let lower = c.to_lowercase().next().unwrap_or(c);
    let tertiary = u8::from(c != lower);
    if let Some((_, rule)) = rules.iter().find(|(r, _)| *r == lower) {
        match *rule {
            After(base, n, sec) => out.push((primary_of(base) + n as u32, sec, tertiary)),
            Expand(letters, sec) => {
                let count = letters.chars().count();
                for (i, l) in letters.chars().enumerate() {
                    let s = if i + 1 == count { sec } else { 0 };
                    out.push((primary_of(l), s, tertiary));
                }
            }
        }
        return;
    }
    match decompose(c) {
        Some((base, mark)) => {
            let b = base.to_lowercase().next().unwrap_or(base);
            out.push((primary_of(b), 0, tertiary));
            out.push((0, accent_weight(mark), 0));
        }
        None if lower == 'ß' => {
            out.push((primary_of('s'), 0, 0));
            out.push((primary_of('s'), 0, 1));
        }
        None => {
            let mut low = c.to_lowercase();
            let first = low.next().unwrap_or(c);
            out.push((primary_of(first), 0, tertiary));
            out.extend(low.map(|l| (primary_of(l), 0, tertiary)));
        }
    }
}

fn elements(s: &str, rules: &[(char, Rule)]) -> Vec<Element> {
    let mut out = Vec::with_capacity(s.len() + 2);
    for c in s.chars() {
        if is_combining(c) {
            // A combining accent: a secondary weight on the letter before.
            out.push((0, accent_weight(c), 0));
        } else {
            push_letter(&mut out, c, rules);
        }
    }
    out
}

/// Compares two strings under a collator's sensitivity and locale.
pub fn collate(a: &str, b: &str, c: &Collator) -> Ordering {
    let rules = tailoring(c.locale.as_deref());
    let (ea, eb) = (elements(a, rules), elements(b, rules));
    let level = |f: fn(&Element) -> Option<u32>| -> Ordering {
        ea.iter().filter_map(f).cmp(eb.iter().filter_map(f))
    };
    let primary = level(|e| (e.0 != 0).then_some(e.0));
    if primary != Ordering::Equal {
        return primary;
    }
    if c.diacritic_sensitive {
        let o = level(|e| Some(e.1 as u32));
        if o != Ordering::Equal {
            return o;
        }
    }
    if c.case_sensitive {
        // Lower case sorts before upper case, as in ICU's default.
        return level(|e| (e.0 != 0).then_some(e.2 as u32));
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coll(case: bool, diacritic: bool, locale: Option<&str>) -> Collator {
        Collator {
            case_sensitive: case,
            diacritic_sensitive: diacritic,
            locale: locale.map(String::from),
        }
    }

    #[test]
    fn tables_aligned() {
        for (mark, from, to) in ACCENTS {
            assert_eq!(from.chars().count(), to.chars().count(), "{mark:?}");
        }
        assert_eq!(decompose('Ž'), Some(('Z', '\u{30C}')));
        assert_eq!(decompose('ø'), Some(('o', '\u{335}')));
    }

    #[test]
    fn sensitivity_levels() {
        let base = coll(false, false, None);
        assert_eq!(collate("Téna", "tena", &base), Ordering::Equal);
        assert_eq!(collate("tēnā", "tena", &base), Ordering::Equal);
        let acc = coll(false, true, None);
        assert_eq!(collate("téna", "tena", &acc), Ordering::Greater);
        // Precomposed and decomposed accents weigh the same.
        assert_eq!(collate("te\u{301}na", "téna", &acc), Ordering::Equal);
        let case = coll(true, false, None);
        assert_eq!(collate("A", "a", &case), Ordering::Greater);
        assert_eq!(collate("a", "B", &case), Ordering::Less);
        assert_eq!(
            collate("ä", "b", &coll(true, true, Some("en"))),
            Ordering::Less
        );
    }

    #[test]
    fn languages_tailor_letters() {
        // German (search): ä is "ae" with an accent, so it sorts after a.
        let de = coll(false, false, Some("de"));
        assert_eq!(collate("ä", "a", &de), Ordering::Greater);
        assert_eq!(
            collate("ü", "ue", &coll(true, false, Some("de-DE"))),
            Ordering::Equal
        );
        assert_eq!(
            collate("ü", "u", &coll(true, false, Some("de"))),
            Ordering::Greater
        );
        // Swedish: ä is a letter after z.
        assert_eq!(
            collate("ä", "z", &coll(false, false, Some("sv"))),
            Ordering::Greater
        );
        // French and unknown locales: the root order (ä = a at the base level).
        assert_eq!(
            collate("ä", "a", &coll(false, false, Some("fr"))),
            Ordering::Equal
        );
        assert_eq!(
            collate("ä", "a", &coll(false, false, Some("dk"))),
            Ordering::Equal
        );
        // Spanish ñ after n, before o.
        let es = coll(false, false, Some("es"));
        assert_eq!(collate("ñ", "nz", &es), Ordering::Greater);
        assert_eq!(collate("ñ", "o", &es), Ordering::Less);
    }

    #[test]
    fn resolved_locales() {
        assert_eq!(resolve_locale(Some("de")), "de");
        assert_eq!(resolve_locale(Some("en_gb")), "en-GB");
        assert_eq!(resolve_locale(Some("zh-hant-tw")), "zh-Hant-TW");
        assert_eq!(resolve_locale(Some("dk")), DEFAULT_LOCALE);
        assert_eq!(resolve_locale(None), DEFAULT_LOCALE);
    }
}
