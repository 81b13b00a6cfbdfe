//! Text helpers of the language: collator comparison, number formatting,
//! script support. Locale data is not bundled: comparison folds case and
//! Latin diacritics; number formatting uses en-US conventions.

use std::cmp::Ordering;

use crate::style::value::Collator;

/// Base letter of a Latin letter with a diacritic (precomposed), if any.
fn strip_diacritic(c: char) -> char {
    const FROM: &str = "ÀÁÂÃÄÅàáâãäåĀāĂăĄąÇçĆćĈĉĊċČčĎďĐđÈÉÊËèéêëĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħÌÍÎÏìíîïĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľĿŀŁłÑñŃńŅņŇňÒÓÔÕÖØòóôõöøŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųŴŵÝýÿŶŷŸŹźŻżŽž";
    const TO: &str = "AAAAAAaaaaaaAaAaAaCcCcCcCcCcDdDdEEEEeeeeEeEeEeEeEeGgGgGgGgHhHhIIIIiiiiIiIiIiIiIiJjKkLlLlLlLlLlNnNnNnNnOOOOOOooooooOoOoOoRrRrRrSsSsSsSsTtTtTtUUUUuuuuUuUuUuUuUuUuWwYyyYyYZzZzZz";
    if c.is_ascii() {
        return c;
    }
    FROM.chars().zip(TO.chars()).find(|(f, _)| *f == c).map(|(_, t)| t).unwrap_or(c)
}

fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

fn key(s: &str, case: bool, diacritic: bool) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        if !diacritic && is_combining(c) {
            continue;
        }
        let c = if diacritic { c } else { strip_diacritic(c) };
        if case {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Compares two strings under a collator's sensitivity.
pub fn collate(a: &str, b: &str, c: &Collator) -> Ordering {
    // Primary: letters without case and accents; then the requested levels.
    let primary = key(a, false, false).cmp(&key(b, false, false));
    if primary != Ordering::Equal {
        return primary;
    }
    if c.diacritic_sensitive {
        let o = key(a, false, true).cmp(&key(b, false, true));
        if o != Ordering::Equal {
            return o;
        }
    }
    if c.case_sensitive {
        // Lower case sorts before upper case, as in ICU's default.
        let flip = |s: &str| -> Vec<char> {
            key(s, true, c.diacritic_sensitive)
                .into_iter()
                .map(|ch| if ch.is_uppercase() { '\u{1}' } else { '\u{0}' })
                .collect()
        };
        return flip(a).cmp(&flip(b));
    }
    Ordering::Equal
}

/// Rounds a plain decimal string (shortest round-trip digits) to `max`
/// fraction digits, half away from zero.
fn round_decimal(s: &str, max: usize) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() <= max {
        return s.to_string();
    }
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes().take(max)).map(|b| b - b'0').collect();
    if frac.as_bytes()[max] >= b'5' {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let split = digits.len() - max;
    let txt: String = digits.iter().map(|d| (b'0' + d) as char).collect();
    if max == 0 {
        txt
    } else {
        format!("{}.{}", &txt[..split], &txt[split..])
    }
}

/// Formats `n` with grouping and fraction digits (en-US conventions).
pub fn number_format(n: f64, currency: Option<&str>, min_fraction: Option<f64>, max_fraction: Option<f64>) -> String {
    if !n.is_finite() {
        return crate::style::expression::format_number(n);
    }
    let default_max = if currency.is_some() { 2 } else { 3 };
    let min = min_fraction.map(|v| v.clamp(0.0, 20.0) as usize).unwrap_or(if currency.is_some() { 2 } else { 0 });
    let max = max_fraction.map(|v| v.clamp(0.0, 20.0) as usize).unwrap_or(default_max.max(min)).max(min);
    let s = round_decimal(&format!("{}", n.abs()), max);
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut frac = frac.to_string();
    while frac.len() < min {
        frac.push('0');
    }
    while frac.len() > min && frac.ends_with('0') {
        frac.pop();
    }
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if n < 0.0 && (int.bytes().any(|b| b != b'0') || frac.bytes().any(|b| b != b'0')) { "-" } else { "" };
    let body = if frac.is_empty() { grouped } else { format!("{grouped}.{frac}") };
    match currency {
        Some(c) => {
            let sym = match c.to_ascii_uppercase().as_str() {
                "USD" => "$".to_string(),
                "EUR" => "€".to_string(),
                "GBP" => "£".to_string(),
                "JPY" => "¥".to_string(),
                other => format!("{other}\u{a0}"),
            };
            format!("{sign}{sym}{body}")
        }
        None => format!("{sign}{body}"),
    }
}

/// Whether text in `s` can be rendered (all scripts are shaped here except
/// those needing complex shaping that mapcore does not do).
pub fn is_supported_script(s: &str) -> bool {
    !s.chars().any(|c| {
        let u = c as u32;
        // Indic and other complex scripts (Devanagari..Malayalam, Sinhala,
        // Myanmar, Khmer, Tibetan): need shaping.
        (0x0900..=0x0DFF).contains(&u) || (0x0F00..=0x0FFF).contains(&u) || (0x1000..=0x109F).contains(&u)
            || (0x1780..=0x17FF).contains(&u)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collation() {
        let base = Collator { case_sensitive: false, diacritic_sensitive: false, locale: None };
        assert_eq!(collate("Téna", "tena", &base), Ordering::Equal);
        let acc = Collator { diacritic_sensitive: true, ..base.clone() };
        assert_ne!(collate("téna", "tena", &acc), Ordering::Equal);
        let case = Collator { case_sensitive: true, ..base };
        assert_ne!(collate("A", "a", &case), Ordering::Equal);
        assert_eq!(collate("a", "B", &case), Ordering::Less);
    }

    #[test]
    fn numbers() {
        assert_eq!(number_format(987654321.234567, None, Some(2.0), Some(4.0)), "987,654,321.2346");
        assert_eq!(number_format(1234.5, Some("USD"), None, None), "$1,234.50");
        assert_eq!(number_format(-0.5, None, None, None), "-0.5");
    }
}
