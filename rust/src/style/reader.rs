//! Typed reading of JSON objects with error paths and unknown-key warnings.

use serde_json::{Map, Value as J};

use crate::data::number::format_number;

/// A style error: `path` locates the value (`layers[3].paint.line-width`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StyleError {
    pub path: String,
    pub message: String,
}

impl StyleError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> StyleError {
        StyleError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for StyleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for StyleError {}

pub fn kind(j: &J) -> &'static str {
    match j {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Number(_) => "number",
        J::String(_) => "string",
        J::Array(_) => "array",
        J::Object(_) => "object",
    }
}

/// Reads the keys of one object; remembers which keys were read so the
/// rest can be reported as unknown.
pub struct Reader<'a> {
    pub obj: &'a Map<String, J>,
    pub path: String,
    read: Vec<&'a str>,
}

impl<'a> Reader<'a> {
    pub fn new(j: &'a J, path: &str) -> Result<Reader<'a>, StyleError> {
        match j {
            J::Object(obj) => Ok(Reader {
                obj,
                path: path.to_string(),
                read: Vec::new(),
            }),
            other => Err(StyleError::new(
                path,
                format!("expected object, found {}", kind(other)),
            )),
        }
    }

    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub fn err(&self, key: &str, message: impl Into<String>) -> StyleError {
        StyleError::new(self.key_path(key), message)
    }

    /// The raw value of `key`, marking it read.
    pub fn get(&mut self, key: &str) -> Option<&'a J> {
        let (k, v) = self.obj.get_key_value(key)?;
        self.read.push(k.as_str());
        Some(v)
    }

    fn typed<T>(
        &mut self,
        key: &str,
        what: &str,
        f: impl Fn(&J) -> Option<T>,
    ) -> Result<Option<T>, StyleError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => f(v)
                .map(Some)
                .ok_or_else(|| self.err(key, format!("expected {what}, found {}", kind(v)))),
        }
    }

    pub fn string(&mut self, key: &str) -> Result<Option<String>, StyleError> {
        self.typed(key, "string", |v| v.as_str().map(String::from))
    }
    pub fn number(&mut self, key: &str) -> Result<Option<f64>, StyleError> {
        self.typed(key, "number", J::as_f64)
    }
    pub fn boolean(&mut self, key: &str) -> Result<Option<bool>, StyleError> {
        self.typed(key, "boolean", J::as_bool)
    }
    /// A number in `min..=max`.
    pub fn number_in(&mut self, key: &str, min: f64, max: f64) -> Result<Option<f64>, StyleError> {
        match self.number(key)? {
            Some(v) if v < min => {
                Err(self.err(key, format!("{} is less than the minimum value {}", format_number(v), format_number(min))))
            }
            Some(v) if v > max => {
                Err(self.err(key, format!("{} is greater than the maximum value {}", format_number(v), format_number(max))))
            }
            v => Ok(v),
        }
    }
    pub fn strings(&mut self, key: &str) -> Result<Option<Vec<String>>, StyleError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let a = v
            .as_array()
            .ok_or_else(|| self.err(key, format!("expected array, found {}", kind(v))))?;
        a.iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str().map(String::from).ok_or_else(|| {
                    StyleError::new(
                        format!("{}[{i}]", self.key_path(key)),
                        format!("expected string, found {}", kind(x)),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
    /// An array of exactly `N` numbers.
    pub fn numbers<const N: usize>(&mut self, key: &str) -> Result<Option<[f64; N]>, StyleError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let a = v
            .as_array()
            .ok_or_else(|| self.err(key, format!("expected array, found {}", kind(v))))?;
        if a.len() != N {
            return Err(self.err(
                key,
                format!("array length {N} expected, length {} found", a.len()),
            ));
        }
        let mut out = [0.0; N];
        for (i, x) in a.iter().enumerate() {
            out[i] = x.as_f64().ok_or_else(|| {
                StyleError::new(
                    format!("{}[{i}]", self.key_path(key)),
                    format!("expected number, found {}", kind(x)),
                )
            })?;
        }
        Ok(Some(out))
    }

    /// Warnings for keys that were never read.
    pub fn unknown_keys(&self, warnings: &mut Vec<String>) {
        for k in self.obj.keys() {
            if !self.read.contains(&k.as_str()) {
                warnings.push(format!("{}: unknown property \"{k}\"", self.key_path(k)));
            }
        }
    }
}
