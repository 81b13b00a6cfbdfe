//! Reading style JSON with inline GeoJSON data kept as text.
//!
//! Parsed JSON (`serde_json::Value`) takes ten to twenty times the size of
//! its text, and inline GeoJSON can be most of a style. So the style is read
//! in two levels: the document as `Value`, except each source's `data`
//! object, which stays text (the source parses it when it loads, as it
//! parses a URL's answer). The document holds `null` in its place.
//!
//! The style's layers and sources are read up to its [`StyleCaps`]: the
//! ones past a cap are skipped unparsed, and the read says how many. What
//! the read makes is charged to a [`Meter`] as it is made: a style whose
//! document would take more than `max_parsed_bytes` stops being read.

use std::collections::HashMap;
use std::sync::Arc;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value as J;

use super::caps::{Capped, Cut, StyleCaps};
use crate::data::json::{parse_metered, JsonError, JsonSeed, Meter};

/// Inline GeoJSON data by source id, as JSON text.
pub type InlineData = HashMap<String, Arc<str>>;

/// An object's members as unparsed JSON, in order, and how many were
/// skipped; a repeated key keeps its first place and its last value (as
/// `Value` does).
struct Members<'a> {
    members: Vec<(String, &'a RawValue)>,
    skipped: usize,
}

/// Reads an object's first `cap` distinct members ([`Members`]).
struct FirstMembers<'m> {
    cap: usize,
    meter: &'m Meter,
}

impl<'de> DeserializeSeed<'de> for FirstMembers<'_> {
    type Value = Members<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Members<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FirstMembers<'_> {
    type Value = Members<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Members<'de>, M::Error> {
        let mut out = Members { members: Vec::new(), skipped: 0 };
        let mut at: HashMap<String, usize> = HashMap::new();
        while let Some(k) = map.next_key::<String>()? {
            if let Some(&i) = at.get(&k) {
                out.members[i].1 = map.next_value()?;
            } else if out.members.len() < self.cap {
                // Its entry, and its key's index entry and text, twice.
                self.meter.charge(std::mem::size_of::<(String, &RawValue)>() + std::mem::size_of::<(String, usize)>() + 16 + 2 * k.len())?;
                at.insert(k.clone(), out.members.len());
                out.members.push((k, map.next_value()?));
            } else {
                map.next_value::<IgnoredAny>()?;
                out.skipped += 1;
            }
        }
        Ok(out)
    }
}

/// Reads an array's first `cap` values, and how many were skipped.
struct FirstValues<'m> {
    cap: usize,
    meter: &'m Meter,
}

impl<'de> DeserializeSeed<'de> for FirstValues<'_> {
    type Value = (Vec<J>, usize);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(Vec<J>, usize), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FirstValues<'_> {
    type Value = (Vec<J>, usize);
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(Vec<J>, usize), S::Error> {
        let mut kept = Vec::new();
        while kept.len() < self.cap {
            match seq.next_element_seed(JsonSeed(self.meter))? {
                Some(v) => {
                    self.meter.charge_for::<J, _>(0)?;
                    kept.push(v)
                }
                None => return Ok((kept, 0)),
            }
        }
        let mut skipped = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            skipped += 1;
        }
        Ok((kept, skipped))
    }
}

fn is_object(raw: &RawValue) -> bool {
    raw.get().starts_with('{')
}

fn members<'a>(raw: &'a RawValue, cap: usize, meter: &Meter) -> Result<Members<'a>, serde_json::Error> {
    read(serde_json::Deserializer::from_str(raw.get()), FirstMembers { cap, meter })
}

/// Charges a member of the document (its entry and key's text).
fn entry(meter: &Meter, key: &str) -> Result<(), serde_json::Error> {
    meter.charge(16 + std::mem::size_of::<(String, J)>() + key.len())
}

fn value(raw: &RawValue, meter: &Meter) -> Result<J, serde_json::Error> {
    parse_metered(raw.get().as_bytes(), meter)
}

/// `seed` over all of a reader's text (nothing but whitespace after it).
fn read<'de, R: serde_json::de::Read<'de>, S: DeserializeSeed<'de>>(mut de: serde_json::Deserializer<R>, seed: S) -> Result<S::Value, serde_json::Error> {
    let value = seed.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Parses style JSON into its document and the inline data objects of its
/// GeoJSON sources as text (their place in the document is `null`), with at
/// most `caps` layers and sources: the rest are skipped unparsed and the
/// [`Cut`]s say how many. Anything that is not an object where the style
/// has one is parsed whole, for the style's checks to report. What the
/// read makes (its document, the members' index) is held to
/// `caps.max_parsed_bytes`.
pub fn read_style_json(json: &[u8], caps: StyleCaps) -> Result<(J, InlineData, Vec<Cut>), JsonError> {
    let meter = Meter::new(caps.max_parsed_bytes);
    read_metered(json, caps, &meter).map_err(|e| meter.error(e))
}

fn read_metered(json: &[u8], caps: StyleCaps, meter: &Meter) -> Result<(J, InlineData, Vec<Cut>), serde_json::Error> {
    let root = match read(serde_json::Deserializer::from_slice(json), FirstMembers { cap: usize::MAX, meter }) {
        Ok(m) => m,
        Err(e) if meter.over() => return Err(e),
        // Not an object (or not JSON): the plain parse says which.
        Err(_) => return parse_metered(json, meter).map(|doc| (doc, InlineData::new(), Vec::new())),
    };
    let mut data = InlineData::new();
    let mut cuts = Vec::new();
    let mut doc = serde_json::Map::new();
    for (key, raw) in root.members {
        let list = match key.as_str() {
            "layers" => Some(Capped::Layers),
            "sprite" => Some(Capped::SpriteSheets),
            _ => None,
        };
        let value = if let Some(member) = list.filter(|_| raw.get().starts_with('[')) {
            let (kept, skipped) = read(serde_json::Deserializer::from_str(raw.get()), FirstValues { cap: caps.of(member), meter })?;
            if skipped > 0 {
                cuts.push(Cut { member, kept: kept.len(), skipped });
            }
            J::Array(kept)
        } else if key == "sources" && is_object(raw) {
            let mut sources = serde_json::Map::new();
            let read = members(raw, caps.max_sources, meter)?;
            if read.skipped > 0 {
                cuts.push(Cut { member: Capped::Sources, kept: read.members.len(), skipped: read.skipped });
            }
            for (id, source) in read.members {
                let (value, text) = source_value(source, meter)?;
                if let Some(text) = text {
                    data.insert(id.clone(), text);
                }
                entry(meter, &id)?;
                sources.insert(id, value);
            }
            J::Object(sources)
        } else {
            value(raw, meter)?
        };
        entry(meter, &key)?;
        doc.insert(key, value);
    }
    Ok((J::Object(doc), data, cuts))
}

/// A source's JSON, and the text of its `data` object when it is a GeoJSON
/// source with inline data (`null` in its place in the value).
fn source_value(raw: &RawValue, meter: &Meter) -> Result<(J, Option<Arc<str>>), serde_json::Error> {
    if !is_object(raw) {
        return Ok((value(raw, meter)?, None));
    }
    let source = members(raw, usize::MAX, meter)?.members;
    let geojson = source.iter().any(|(field, v)| field == "type" && v.get() == "\"geojson\"");
    let mut data = None;
    let mut fields = serde_json::Map::new();
    for (field, v) in source {
        let value = if geojson && field == "data" && is_object(v) {
            data = Some(Arc::from(v.get()));
            J::Null
        } else {
            value(v, meter)?
        };
        entry(meter, &field)?;
        fields.insert(field, value);
    }
    Ok((J::Object(fields), data))
}

/// Parses one source's JSON (the runtime-styling API's `add_source`) as the
/// style reader reads a source: a GeoJSON source's inline `data` object
/// stays text (returned beside the value, which holds `null` in its place),
/// and the rest is held to `max_parsed` bytes once parsed.
pub fn read_source_json(json: &str, max_parsed: u64) -> Result<(J, Option<Arc<str>>), JsonError> {
    let meter = Meter::new(max_parsed);
    let read = serde_json::from_str::<&RawValue>(json).and_then(|raw| source_value(raw, &meter));
    read.map_err(|e| meter.error(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_data_objects_stay_text_and_the_rest_parses_as_before() {
        let json = br#"{"version": 8, "sources": {
            "a": {"type": "geojson", "data": {"type": "Point", "coordinates": [1, 2]}, "maxzoom": 9},
            "b": {"type": "geojson", "data": "https://example.com/b.geojson"},
            "c": {"type": "vector", "url": "x", "data": {"a": 1}}, "d": 5},
            "layers": [{"id": "l", "type": "fill", "source": "a"}], "zoom": 3}"#;
        let (doc, data, _) = read_style_json(json, StyleCaps::default()).unwrap();
        let mut plain: J = serde_json::from_slice(json).unwrap();
        assert_eq!(data.len(), 1);
        let text = data.get("a").unwrap();
        assert_eq!(serde_json::from_str::<J>(text).unwrap(), plain["sources"]["a"]["data"]);
        plain["sources"]["a"]["data"] = J::Null;
        assert_eq!(doc, plain);
        // Key order is the document's.
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["version", "sources", "layers", "zoom"]);
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_as_a_plain_parse_does() {
        let json = br#"{"version": 8, "zoom": 1, "sources": {"a": {"type": "geojson", "data": {"type": "Point"}, "data": {"type": "MultiPoint"}}}, "zoom": 2}"#;
        let (doc, data, _) = read_style_json(json, StyleCaps::default()).unwrap();
        assert_eq!(doc["zoom"], 2);
        assert_eq!(&*data["a"], r#"{"type": "MultiPoint"}"#);
        let plain: J = serde_json::from_slice(json).unwrap();
        assert_eq!(doc.as_object().unwrap().keys().collect::<Vec<_>>(), plain.as_object().unwrap().keys().collect::<Vec<_>>());
    }

    #[test]
    fn layers_and_sources_past_the_caps_are_skipped_and_counted() {
        let sprites: Vec<String> = (0..=crate::style::caps::MAX_SPRITE_SHEETS).map(|i| format!(r#"{{"id": "{i}", "url": "u"}}"#)).collect();
        let json = format!(
            r#"{{"version": 8, "sources": {{"a": {{"type": "geojson", "data": {{"type": "Point"}}}}, "b": {{}}, "a": {{"type": "vector"}}, "c": {{}}, "d": {{}}}},
            "layers": [{{"id": "1"}}, {{"id": "2"}}, {{"id": "3", "paint": {{"x": [[[1]]]}}}}, 4, "five"], "sprite": [{}]}}"#,
            sprites.join(",")
        );
        let json = json.as_bytes();
        let (doc, data, cuts) = read_style_json(json, StyleCaps { max_layers: 2, max_sources: 2, ..StyleCaps::default() }).unwrap();
        assert_eq!(doc["layers"], serde_json::json!([{"id": "1"}, {"id": "2"}]));
        // A repeated key is the same source (its last value): "c" and "d" are skipped.
        assert_eq!(doc["sources"], serde_json::json!({"a": {"type": "vector"}, "b": {}}));
        assert!(data.is_empty(), "the last \"a\" has no inline data");
        // In the document's order.
        let sheets = crate::style::caps::MAX_SPRITE_SHEETS;
        assert_eq!(
            cuts,
            [
                Cut { member: Capped::Sources, kept: 2, skipped: 2 },
                Cut { member: Capped::Layers, kept: 2, skipped: 3 },
                Cut { member: Capped::SpriteSheets, kept: sheets, skipped: 1 }
            ]
        );
        assert_eq!(doc["sprite"].as_array().map(Vec::len), Some(sheets));
        assert_eq!(
            cuts[1].to_string(),
            "layers: the style has 5 layers, more than max_style_layers (2, a runtime option): the first 2 are kept, the other 3 skipped"
        );
        // Within the caps nothing is cut; the skipped part must still be JSON.
        let (_, _, cuts) = read_style_json(json, StyleCaps { max_layers: 5, max_sources: 4, ..StyleCaps::default() }).unwrap();
        assert_eq!(cuts.iter().map(|c| c.member).collect::<Vec<_>>(), [Capped::SpriteSheets], "{cuts:?}");
        assert!(read_style_json(br#"{"layers": [{}, {}, {]}"#, StyleCaps { max_layers: 1, max_sources: 1, ..StyleCaps::default() }).is_err());
    }

    #[test]
    fn a_non_object_root_and_bad_json_are_reported_as_a_plain_parse_reports_them() {
        let (doc, data, _) = read_style_json(b"[1, 2]", StyleCaps::default()).unwrap();
        assert_eq!((doc, data.len()), (serde_json::json!([1, 2]), 0));
        let Err(JsonError::Json(ours)) = read_style_json(b"{\"version\": 8,\n \"sources\": {\"a\": {\"data\": {]}}}", StyleCaps::default()) else {
            panic!("not a JSON error")
        };
        let plain = serde_json::from_slice::<J>(b"{\"version\": 8,\n \"sources\": {\"a\": {\"data\": {]}}}").unwrap_err();
        assert_eq!((ours.line(), ours.column()), (plain.line(), plain.column()));
    }
}

