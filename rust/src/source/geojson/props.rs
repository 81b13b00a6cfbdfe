//! A feature's `properties`, read straight into the values the map uses
//! ([`Properties`], [`Value`]) instead of a JSON tree that is then copied:
//! a `serde_json` map of the members and the copy each took about 100
//! bytes a member, and the two were held at once (56 MB of features with
//! 50 properties each took 1.6 GB). Keys are shared between features (up
//! to [`MAX_SHARED_KEYS`] different ones): a data set's features mostly
//! repeat the same few.
//!
//! A repeated member keeps its last value, in the place of its first, as a
//! `serde_json` map does.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::data::json::Meter;
use crate::data::value::Value;
use crate::source::feature::Properties;

/// Different keys shared between the features of one read; keys past it
/// are each a copy of their own.
pub const MAX_SHARED_KEYS: usize = 4096;

/// A feature's `properties` member.
#[derive(Debug, PartialEq)]
pub enum Props {
    Null,
    Object(Arc<Properties>),
    /// Neither an object nor null (an error for the conversion).
    Other,
}

/// The keys of one read, shared between its features.
#[derive(Default)]
pub struct Keys(RefCell<HashSet<Arc<str>>>);

impl Keys {
    /// `k` as a key: a shared one, or a new one (charged to `meter`).
    fn key<E: serde::de::Error>(&self, k: &str, meter: &Meter) -> Result<Arc<str>, E> {
        let mut set = self.0.borrow_mut();
        if let Some(shared) = set.get(k) {
            return Ok(Arc::clone(shared));
        }
        meter.charge(16 + k.len())?;
        let key: Arc<str> = Arc::from(k);
        if set.len() < MAX_SHARED_KEYS {
            set.insert(Arc::clone(&key));
        }
        Ok(key)
    }
}

/// Reads a `properties` member, charging its members to the meter.
#[derive(Clone, Copy)]
pub struct PropsSeed<'a>(pub &'a Keys, pub &'a Meter);

seed_visits_any!(PropsSeed<'_> => Props);

/// Members up to which a repeated key is looked for as each is read; a
/// longer object is rid of its repeats once read.
const LINEAR: usize = 32;

impl<'de> Visitor<'de> for PropsSeed<'_> {
    type Value = Props;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("GeoJSON properties")
    }
    scalars_are!(Props: Props::Other, null: Props::Null);
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Props, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Props::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Props, A::Error> {
        let mut members: Vec<(Arc<str>, Value)> = Vec::new();
        let meter = self.1;
        meter.charge(16 + std::mem::size_of::<Properties>())?;
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(ValueSeed(meter))?;
            meter.charge_for::<(Arc<str>, Value), _>(0)?;
            if members.len() < LINEAR {
                if let Some(slot) = members.iter_mut().find(|(k, _)| **k == *key) {
                    slot.1 = value;
                    continue;
                }
            }
            members.push((self.0.key(&key, meter)?, value));
        }
        if members.len() > LINEAR {
            members = without_repeats(members);
        }
        members.shrink_to_fit();
        Ok(Props::Object(Arc::new(Properties::from(members))))
    }
}

/// The members, each key once: its last value in the place of its first.
fn without_repeats(mut members: Vec<(Arc<str>, Value)>) -> Vec<(Arc<str>, Value)> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| members[a].0.cmp(&members[b].0).then(a.cmp(&b)));
    let mut repeats = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && members[order[j]].0 == members[order[i]].0 {
            j += 1;
        }
        if j - i > 1 {
            let last = std::mem::take(&mut members[order[j - 1]].1);
            members[order[i]].1 = last;
            repeats.extend_from_slice(&order[i + 1..j]);
        }
        i = j;
    }
    if repeats.is_empty() {
        return members;
    }
    repeats.sort_unstable();
    let mut next = repeats.into_iter().peekable();
    members
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            let repeat = next.peek() == Some(i);
            if repeat {
                next.next();
            }
            !repeat
        })
        .map(|(_, m)| m)
        .collect()
}

/// Reads any JSON value as a [`Value`] (as `Value::from_json` converts a
/// parsed one), charging what it holds (strings, members) to the meter.
#[derive(Clone, Copy)]
struct ValueSeed<'m>(&'m Meter);

seed_visits_any!(ValueSeed<'_> => Value);

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Value, E> {
        self.0.charge(s.len())?;
        Ok(Value::String(s.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            self.0.charge_for::<Value, _>(0)?;
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self)?;
            // The entry (key, value) in its tree node, and the key's text.
            self.0.charge(16 + std::mem::size_of::<(String, Value)>() + key.len())?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeSeed;

    fn read(text: &str) -> Props {
        let keys = Keys::default();
        PropsSeed(&keys, &Meter::unlimited()).deserialize(&mut serde_json::Deserializer::from_str(text)).unwrap()
    }

    #[test]
    fn properties_read_as_from_a_json_tree() {
        let text = r#"{"a": 1, "b": [true, null, "x", {"c": -2, "c": 3}], "d": {"e": 1.5}, "u": 18446744073709551615, "a": 7}"#;
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let expected: Vec<(Arc<str>, Value)> =
            json.as_object().unwrap().iter().map(|(k, v)| (Arc::from(k.as_str()), Value::from_json(v))).collect();
        assert_eq!(read(text), Props::Object(Arc::new(Properties::from(expected))));
        assert_eq!(read("null"), Props::Null);
        for other in ["1", "\"a\"", "[1, {}]", "true"] {
            assert_eq!(read(other), Props::Other, "{other}");
        }
    }

    #[test]
    fn a_long_object_keeps_each_key_once_last_value_first_place() {
        // Past LINEAR members, repeats are removed after the read; the
        // result is a serde_json map's either way.
        for n in [LINEAR / 2, LINEAR * 3] {
            let mut members: Vec<String> = (0..n).map(|i| format!("\"k{}\": {i}", i % (n / 3))).collect();
            members.push("\"z\": 1".into());
            members.push(format!("\"k0\": {}", n * 10));
            let text = format!("{{{}}}", members.join(","));
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            let expected: Vec<(Arc<str>, Value)> =
                json.as_object().unwrap().iter().map(|(k, v)| (Arc::from(k.as_str()), Value::from_json(v))).collect();
            assert_eq!(read(&text), Props::Object(Arc::new(Properties::from(expected))), "{n} members");
        }
    }

    #[test]
    fn keys_are_shared_between_features_up_to_the_bound() {
        let keys = Keys::default();
        let meter = Meter::unlimited();
        let one = |text: &str| match PropsSeed(&keys, &meter).deserialize(&mut serde_json::Deserializer::from_str(text)).unwrap() {
            Props::Object(p) => p,
            other => panic!("{other:?}"),
        };
        let (a, b) = (one(r#"{"name": 1}"#), one(r#"{"name": 2}"#));
        assert!(Arc::ptr_eq(&a.0[0].0, &b.0[0].0), "the key is shared");
        for i in 0..MAX_SHARED_KEYS {
            one(&format!(r#"{{"k{i}": 1}}"#));
        }
        let (c, d) = (one(r#"{"late": 1}"#), one(r#"{"late": 2}"#));
        assert!(!Arc::ptr_eq(&c.0[0].0, &d.0[0].0), "past the bound keys are not kept");
        assert_eq!(keys.0.borrow().len(), MAX_SHARED_KEYS);
    }
}
