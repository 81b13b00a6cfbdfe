//! JavaScript-compatible conversions the style language inherits: number to
//! string, string to number, value to string, truthiness.

use crate::style::value::Value;

pub use crate::data::number::format_number;

/// JavaScript's `Number(string)`.
pub fn string_to_number(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return 0.0;
    }
    let radix = |p: &str, r: u32| {
        if p.is_empty() {
            f64::NAN
        } else {
            u64::from_str_radix(p, r)
                .map(|v| v as f64)
                .unwrap_or(f64::NAN)
        }
    };
    match t.get(..2) {
        Some("0x") | Some("0X") => return radix(&t[2..], 16),
        Some("0o") | Some("0O") => return radix(&t[2..], 8),
        Some("0b") | Some("0B") => return radix(&t[2..], 2),
        _ => {}
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    if !t
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/// JavaScript's `Number(value)`.
pub fn value_to_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => *n,
        Value::String(s) => string_to_number(s),
        Value::Array(a) if a.is_empty() => 0.0,
        Value::Array(a) if a.len() == 1 => string_to_number(&value_to_string(&a[0])),
        _ => f64::NAN,
    }
}

/// JavaScript truthiness (`Boolean(value)`).
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// The style language's `to-string` conversion.
pub fn value_to_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(*n),
        Value::Color(c) => c.to_css_string(),
        Value::Formatted(f) => f.text(),
        Value::Image(i) => i.name.clone(),
        other => json_stringify(other),
    }
}

/// `JSON.stringify` of a value, numbers formatted as JavaScript does.
pub fn json_stringify(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null | Value::Collator(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_finite() => out.push_str(&format_number(*n)),
        Value::Number(_) => out.push_str("null"),
        Value::String(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        Value::Color(c) => {
            out.push_str(&serde_json::Value::String(c.to_css_string()).to_string());
        }
        Value::Formatted(f) => out.push_str(&serde_json::Value::String(f.text()).to_string()),
        Value::Image(i) => out.push_str(&serde_json::Value::String(i.name.clone()).to_string()),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                write_json(x, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_number_formatting() {
        assert_eq!(format_number(1.0), "1");
        assert_eq!(format_number(-0.5), "-0.5");
        assert_eq!(format_number(1e21), "1e+21");
        assert_eq!(format_number(1.5e-7), "1.5e-7");
        assert_eq!(format_number(0.000001), "0.000001");
        assert_eq!(format_number(123456789.125), "123456789.125");
        assert_eq!(format_number(f64::NAN), "NaN");
    }

    #[test]
    fn js_string_to_number() {
        assert_eq!(string_to_number(" 12 "), 12.0);
        assert_eq!(string_to_number(""), 0.0);
        assert_eq!(string_to_number("0x10"), 16.0);
        assert!(string_to_number("1a").is_nan());
        assert_eq!(value_to_number(&Value::Bool(true)), 1.0);
    }
}
