//! Text helpers of the language: number formatting and script support
//! (the collator is in `collate`). Locale data is not bundled: number
//! formatting knows the separators of common locales and the short unit
//! names of English (CLDR's), used for every locale.

/// Rounds a plain decimal string (shortest round-trip digits) to `max`
/// fraction digits, half away from zero.
fn round_decimal(s: &str, max: usize) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() <= max {
        return s.to_string();
    }
    let mut digits: Vec<u8> = int
        .bytes()
        .chain(frac.bytes().take(max))
        .map(|b| b - b'0')
        .collect();
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

/// Number conventions of a locale: grouping and decimal separators, and
/// whether a currency symbol follows the number.
struct Conventions {
    group: &'static str,
    decimal: char,
    currency_after: bool,
}

fn conventions(locale: Option<&str>) -> Conventions {
    let lang = locale
        .unwrap_or("en")
        .split(['-', '_'])
        .next()
        .unwrap_or("en")
        .to_ascii_lowercase();
    match lang.as_str() {
        "de" | "it" | "nl" | "id" | "da" | "tr" | "el" | "pt" | "es" | "ro" | "hr" | "sl" => {
            Conventions {
                group: ".",
                decimal: ',',
                currency_after: true,
            }
        }
        "fr" => Conventions {
            group: "\u{202f}",
            decimal: ',',
            currency_after: true,
        },
        "ru" | "sv" | "pl" | "cs" | "sk" | "fi" | "nb" | "no" | "uk" | "hu" | "bg" | "lt"
        | "lv" | "et" => Conventions {
            group: "\u{a0}",
            decimal: ',',
            currency_after: true,
        },
        _ => Conventions {
            group: ",",
            decimal: '.',
            currency_after: false,
        },
    }
}

fn currency_symbol(code: &str, locale: Option<&str>) -> String {
    let ja = locale.is_some_and(|l| l.starts_with("ja"));
    match code {
        "USD" => "$".into(),
        "EUR" => "€".into(),
        "GBP" => "£".into(),
        "JPY" if ja => "￥".into(),
        "JPY" => "¥".into(),
        "INR" => "₹".into(),
        "KRW" => "₩".into(),
        other => other.into(),
    }
}

/// Formats `n` as `number-format` does: grouping, fraction digits and an
/// optional currency, with the separators of common locales (en-US when the
/// locale is unknown).
pub fn number_format(
    n: f64,
    locale: Option<&str>,
    currency: Option<&str>,
    min_fraction: Option<f64>,
    max_fraction: Option<f64>,
) -> String {
    if !n.is_finite() {
        return crate::style::expression::format_number(n);
    }
    format_decimal(n, locale, currency, min_fraction, max_fraction).0
}

/// `number-format` with a `unit` (style "unit", short display, as
/// `Intl.NumberFormat` writes it in English); an unknown unit is an error
/// naming it, like JavaScript's RangeError.
pub fn number_format_unit(
    n: f64,
    locale: Option<&str>,
    unit: &str,
    min_fraction: Option<f64>,
    max_fraction: Option<f64>,
) -> Result<String, String> {
    let pattern = unit_pattern(unit).ok_or_else(|| format!("Invalid unit argument: {unit}"))?;
    let (body, one) = if n.is_finite() {
        format_decimal(n, locale, None, min_fraction, max_fraction)
    } else {
        (crate::style::expression::format_number(n), false)
    };
    let (sing, plural) = pattern;
    Ok(if one { sing } else { plural }.replace("{0}", &body))
}

/// Short English patterns of the units ECMA-402 sanctions (CLDR's): the
/// singular and the plural form ("{0}" is the number).
fn simple_unit(unit: &str) -> Option<(&'static str, &'static str)> {
    let sym = match unit {
        "acre" => "{0} ac",
        "bit" => "{0} bit",
        "byte" => "{0} byte",
        "celsius" => "{0}°C",
        "centimeter" => "{0} cm",
        "day" => return Some(("{0} day", "{0} days")),
        "degree" => "{0} deg",
        "fahrenheit" => "{0}°F",
        "fluid-ounce" => "{0} fl oz",
        "foot" => "{0} ft",
        "gallon" => "{0} gal",
        "gigabit" => "{0} Gb",
        "gigabyte" => "{0} GB",
        "gram" => "{0} g",
        "hectare" => "{0} ha",
        "hour" => "{0} hr",
        "inch" => "{0} in",
        "kilobit" => "{0} kb",
        "kilobyte" => "{0} kB",
        "kilogram" => "{0} kg",
        "kilometer" => "{0} km",
        "liter" => "{0} L",
        "megabit" => "{0} Mb",
        "megabyte" => "{0} MB",
        "meter" => "{0} m",
        "microsecond" => "{0} μs",
        "mile" => "{0} mi",
        "mile-scandinavian" => "{0} smi",
        "milliliter" => "{0} mL",
        "millimeter" => "{0} mm",
        "millisecond" => "{0} ms",
        "minute" => "{0} min",
        "month" => return Some(("{0} mth", "{0} mths")),
        "nanosecond" => "{0} ns",
        "ounce" => "{0} oz",
        "percent" => "{0}%",
        "petabyte" => "{0} PB",
        "pound" => "{0} lb",
        "second" => "{0} sec",
        "stone" => "{0} st",
        "terabit" => "{0} Tb",
        "terabyte" => "{0} TB",
        "week" => return Some(("{0} wk", "{0} wks")),
        "yard" => "{0} yd",
        "year" => return Some(("{0} yr", "{0} yrs")),
        _ => return None,
    };
    Some((sym, sym))
}

/// The pattern of a simple unit or of a sanctioned pair "X-per-Y".
fn unit_pattern(unit: &str) -> Option<(String, String)> {
    if let Some((s, p)) = simple_unit(unit) {
        return Some((s.to_string(), p.to_string()));
    }
    let (num, den) = unit.split_once("-per-")?;
    let special = match unit {
        "kilometer-per-hour" => Some("{0} km/h"),
        "meter-per-second" => Some("{0} m/s"),
        "mile-per-hour" => Some("{0} mph"),
        "liter-per-kilometer" => Some("{0} L/km"),
        "mile-per-gallon" => Some("{0} mpg"),
        _ => None,
    };
    let (den_s, _) = simple_unit(den)?;
    let (num_s, num_p) = simple_unit(num)?;
    if let Some(p) = special {
        return Some((p.to_string(), p.to_string()));
    }
    let den_sym = den_s.trim_start_matches("{0}").trim();
    Some((format!("{num_s}/{den_sym}"), format!("{num_p}/{den_sym}")))
}

/// The formatted number and whether it reads as exactly one (English's
/// singular form).
fn format_decimal(
    n: f64,
    locale: Option<&str>,
    currency: Option<&str>,
    min_fraction: Option<f64>,
    max_fraction: Option<f64>,
) -> (String, bool) {
    let conv = conventions(locale);
    let currency = currency.map(|c| c.to_ascii_uppercase());
    let currency_digits = match currency.as_deref() {
        Some("JPY" | "KRW") => 0,
        _ => 2,
    };
    let default_max = if currency.is_some() {
        currency_digits
    } else {
        3
    };
    let min = min_fraction
        .map(|v| v.clamp(0.0, 20.0) as usize)
        .unwrap_or(if currency.is_some() {
            currency_digits
        } else {
            0
        });
    let max = max_fraction
        .map(|v| v.clamp(0.0, 20.0) as usize)
        .unwrap_or(default_max.max(min))
        .max(min);
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
            grouped.push_str(conv.group);
        }
        grouped.push(ch);
    }
    let sign = if n < 0.0 && (int.bytes().any(|b| b != b'0') || frac.bytes().any(|b| b != b'0')) {
        "-"
    } else {
        ""
    };
    let body = if frac.is_empty() {
        grouped
    } else {
        format!("{grouped}{}{frac}", conv.decimal)
    };
    let one = sign.is_empty() && int == "1" && frac.is_empty();
    let text = match currency {
        Some(c) => {
            let sym = currency_symbol(&c, locale);
            if conv.currency_after {
                format!("{sign}{body}\u{a0}{sym}")
            } else if sym.chars().all(|ch| ch.is_ascii_uppercase()) {
                format!("{sign}{sym}\u{a0}{body}")
            } else {
                format!("{sign}{sym}{body}")
            }
        }
        None => format!("{sign}{body}"),
    };
    (text, one)
}

/// Whether text in `s` can be rendered (all scripts are shaped here except
/// those needing complex shaping that mapcore does not do).
pub fn is_supported_script(s: &str) -> bool {
    !s.chars().any(|c| {
        let u = c as u32;
        // Indic and other complex scripts (Devanagari..Malayalam, Sinhala,
        // Myanmar, Khmer, Tibetan): need shaping.
        (0x0900..=0x0DFF).contains(&u)
            || (0x0F00..=0x0FFF).contains(&u)
            || (0x1000..=0x109F).contains(&u)
            || (0x1780..=0x17FF).contains(&u)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(
            number_format(987654321.234567, None, None, Some(2.0), Some(4.0)),
            "987,654,321.2346"
        );
        assert_eq!(
            number_format(1234.5, Some("en-US"), Some("USD"), None, None),
            "$1,234.50"
        );
        assert_eq!(number_format(-0.5, None, None, None, None), "-0.5");
        assert_eq!(
            number_format(123456.789, None, None, None, None),
            "123,456.789"
        );
        assert_eq!(
            number_format(123456.789, Some("ja-JP"), Some("JPY"), None, None),
            "￥123,457"
        );
        assert_eq!(
            number_format(123456.789, Some("de-DE"), Some("EUR"), None, None),
            "123.456,79\u{a0}€"
        );
        assert_eq!(number_format(0.999, None, None, None, Some(2.0)), "1");
    }

    #[test]
    fn units() {
        let f = |n, u| number_format_unit(n, Some("en-US"), u, None, None);
        assert_eq!(f(1234.567, "meter").unwrap(), "1,234.567 m");
        assert_eq!(f(1234.567, "celsius").unwrap(), "1,234.567°C");
        assert_eq!(f(1234.567, "kilobyte").unwrap(), "1,234.567 kB");
        assert_eq!(f(1.0, "day").unwrap(), "1 day");
        assert_eq!(f(2.0, "day").unwrap(), "2 days");
        assert_eq!(f(50.0, "kilometer-per-hour").unwrap(), "50 km/h");
        assert_eq!(f(3.0, "gram-per-liter").unwrap(), "3 g/L");
        assert!(f(1.0, "parsec").unwrap_err().contains("parsec"));
        assert!(f(1.0, "meter-per-parsec").is_err());
    }
}
