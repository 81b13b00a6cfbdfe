//! JSON read under a bound on the memory it makes.
//!
//! Text is bounded by the resource limit, but what a read makes from it is
//! not bounded by its text: `0,` is 2 bytes and a `serde_json::Value` of 32
//! (more while its array grows), `{},` 3 bytes and a GeoJSON object of
//! about 200, `"k":0,` 6 bytes and a property of about 60. 60 MB of `0,` in
//! a style took 4.4 GB, 60 MB of `{}` in a GeoJSON source 4.9 GB. Readers
//! charge every value they keep to a [`Meter`] before reading the next, so
//! a read stops, with an error naming the limit, within one value of it.
//! [`parse`] reads a whole `serde_json::Value` that way.

use std::cell::Cell;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as J;

/// Bytes charged by one read, and its limit.
pub struct Meter {
    max: u64,
    used: Cell<u64>,
    /// Set when a charge passed the limit, so the error the read unwinds
    /// with is told from a JSON error without reading its message.
    over: Cell<bool>,
}

impl Meter {
    pub fn new(max: u64) -> Meter {
        Meter { max, used: Cell::new(0), over: Cell::new(false) }
    }

    /// A meter that never stops a read (parsed values, tests).
    pub fn unlimited() -> Meter {
        Meter::new(u64::MAX)
    }

    /// Charges `bytes`; past the limit, the read stops.
    pub fn charge<E: serde::de::Error>(&self, bytes: usize) -> Result<(), E> {
        let used = self.used.get().saturating_add(bytes as u64);
        self.used.set(used);
        if used > self.max {
            self.over.set(true);
            return Err(E::custom(format!("past {} bytes read", self.max)));
        }
        Ok(())
    }

    /// Charges one value of type `T` and `extra` bytes it holds.
    pub fn charge_for<T, E: serde::de::Error>(&self, extra: usize) -> Result<(), E> {
        self.charge(std::mem::size_of::<T>().saturating_add(extra))
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// The error a read charged to this meter failed with: too big when a
    /// charge passed the limit, else the JSON error.
    pub fn error(&self, e: serde_json::Error) -> JsonError {
        if self.over() {
            JsonError::TooBig { max: self.max }
        } else {
            JsonError::Json(e)
        }
    }

    /// Whether a charge passed the limit.
    pub fn over(&self) -> bool {
        self.over.get()
    }
}

/// The bound on what one JSON document (a style, a TileJSON, a sprite
/// index, an archive's metadata) may take once parsed, for a runtime whose
/// `max_resource_bytes` is `max_resource_bytes`: four times it, at least
/// 16 MiB (a tile server's small resource limit still takes styles of a
/// megabyte or more).
pub fn max_parsed_bytes(max_resource_bytes: u64) -> u64 {
    max_resource_bytes.saturating_mul(4).max(16 << 20)
}

/// What a document past [`max_parsed_bytes`] is told, after "it takes more
/// than N bytes once parsed".
pub const PARSED_LIMIT: &str = "four times the max_resource_bytes limit, a runtime option, at least 16 MiB";

/// Why a bounded parse failed.
#[derive(Debug)]
pub enum JsonError {
    /// What was read took more than `max` bytes: the read stopped there.
    TooBig { max: u64 },
    /// The text is not JSON (or trails text after it).
    Json(serde_json::Error),
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            JsonError::TooBig { max } => write!(f, "it takes more than {max} bytes once parsed"),
            JsonError::Json(e) => write!(f, "{e}"),
        }
    }
}

impl JsonError {
    /// What a user is told of document `what` ("TileJSON") that was parsed
    /// under [`max_parsed_bytes`] and failed.
    pub fn describe(&self, what: &str) -> String {
        match self {
            JsonError::TooBig { .. } => format!("{what}: {self} ({PARSED_LIMIT})"),
            JsonError::Json(e) => format!("{what} is not valid JSON: {e}"),
        }
    }
}

/// Parses `text` as JSON, stopping as soon as the values made take more
/// than `max` bytes.
pub fn parse(text: &[u8], max: u64) -> Result<J, JsonError> {
    let meter = Meter::new(max);
    parse_metered(text, &meter).map_err(|e| meter.error(e))
}

/// Parses `text` as JSON, charging its values to `meter` (several texts
/// can share one bound). A charge past the limit is an error, and
/// [`Meter::over`] tells it from a JSON error.
pub fn parse_metered(text: &[u8], meter: &Meter) -> Result<J, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let value = JsonSeed(meter).deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Reads a `serde_json::Value`, charging it to the meter: each array
/// element and object member, and each string's text.
#[derive(Clone, Copy)]
pub struct JsonSeed<'m>(pub &'m Meter);

impl<'de> DeserializeSeed<'de> for JsonSeed<'_> {
    type Value = J;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonSeed<'_> {
    type Value = J;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<J, E> {
        Ok(J::Bool(b))
    }
    fn visit_i64<E>(self, v: i64) -> Result<J, E> {
        Ok(J::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<J, E> {
        Ok(J::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<J, E> {
        Ok(serde_json::Number::from_f64(v).map_or(J::Null, J::Number))
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<J, E> {
        self.0.charge(s.len())?;
        Ok(J::String(s.to_string()))
    }
    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_none<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            self.0.charge_for::<J, _>(0)?;
            out.push(v);
        }
        Ok(J::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self)?;
            // The entry (key, value, its hash slot) and the key's text.
            self.0.charge(16 + std::mem::size_of::<(String, J)>() + key.len())?;
            out.insert(key, value);
        }
        Ok(J::Object(out))
    }
}
