//! Values of the style language: what expressions produce and features carry.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::data::color::Color;

/// A style-language value. `Object` keeps keys sorted (deterministic output).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Color(Color),
    Array(Vec<Value>),
    Object(BTreeMap<String, Value>),
    /// Rich text made by `format` (or coerced from a string).
    Formatted(Arc<Formatted>),
    /// An image reference made by `image`; `available` tells whether the image
    /// was among the available images when it was evaluated.
    Image(ResolvedImage),
    /// String comparison options made by `collator`.
    Collator(Collator),
}

/// One section of a formatted string.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FormattedSection {
    pub text: String,
    pub image: Option<ResolvedImage>,
    pub scale: Option<f64>,
    pub font_stack: Option<String>,
    pub text_color: Option<Color>,
    pub vertical_align: Option<String>,
}

/// A formatted string: text (or image) sections with per-section options.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Formatted {
    pub sections: Vec<FormattedSection>,
}

impl Formatted {
    pub fn from_string(s: String) -> Formatted {
        Formatted {
            sections: vec![FormattedSection {
                text: s,
                ..Default::default()
            }],
        }
    }
    /// The plain text of all sections.
    pub fn text(&self) -> String {
        self.sections.iter().map(|s| s.text.as_str()).collect()
    }
}

/// A resolved image name.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ResolvedImage {
    pub name: String,
    pub available: bool,
}

/// Options of locale-aware string comparison.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Collator {
    pub case_sensitive: bool,
    pub diacritic_sensitive: bool,
    pub locale: Option<String>,
}

impl Value {
    /// About the heap bytes the value holds (strings, arrays, objects and
    /// what they hold; a formatted string's sections), not its own size.
    pub fn heap_bytes(&self) -> u64 {
        const NODE: u64 = 16; // an allocation's or a map entry's overhead, about
        let value = std::mem::size_of::<Value>() as u64;
        match self {
            Value::String(s) => s.capacity() as u64,
            Value::Array(items) => items.iter().fold(items.capacity() as u64 * value, |n, v| n.saturating_add(v.heap_bytes())),
            Value::Object(members) => members.iter().fold(0u64, |n, (k, v)| {
                n.saturating_add(k.capacity() as u64 + value + std::mem::size_of::<String>() as u64 + NODE).saturating_add(v.heap_bytes())
            }),
            Value::Formatted(f) => f.sections.iter().fold(NODE, |n, s| {
                n.saturating_add(std::mem::size_of::<FormattedSection>() as u64 + s.text.capacity() as u64)
            }),
            Value::Image(i) => i.name.capacity() as u64,
            Value::Collator(c) => c.locale.as_ref().map_or(0, |l| l.capacity() as u64),
            _ => 0,
        }
    }

    /// Converts plain JSON into a value (colours stay strings: JSON has none).
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts back to JSON. Colours become `[r, g, b, a]` (straight, 0..1),
    /// formatted strings their text, images their name.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => serde_json::Number::from_f64(*n)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::String(s) => J::String(s.clone()),
            Value::Color(c) => J::Array(
                [c.r, c.g, c.b, c.a]
                    .iter()
                    .map(|v| Value::Number(*v as f64).to_json())
                    .collect(),
            ),
            Value::Array(a) => J::Array(a.iter().map(Value::to_json).collect()),
            Value::Object(o) => {
                J::Object(o.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Formatted(f) => J::String(f.text()),
            Value::Image(i) => J::String(i.name.clone()),
            Value::Collator(_) => J::Null,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_color(&self) -> Option<Color> {
        match self {
            Value::Color(c) => Some(*c),
            _ => None,
        }
    }
}
