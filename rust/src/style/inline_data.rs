//! Reading style JSON with inline GeoJSON data kept as text.
//!
//! Parsed JSON (`serde_json::Value`) takes ten to twenty times the size of
//! its text, and inline GeoJSON can be most of a style. So the style is read
//! in two levels: the document as `Value`, except each source's `data`
//! object, which stays text (the source parses it when it loads, as it
//! parses a URL's answer). The document holds `null` in its place.

use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value as J;

/// Inline GeoJSON data by source id, as JSON text.
pub type InlineData = Vec<(String, Arc<str>)>;

/// The inline data of source `id`, if it was kept as text.
pub fn inline_for<'a>(data: &'a InlineData, id: &str) -> Option<&'a Arc<str>> {
    data.iter().find(|(k, _)| k == id).map(|(_, text)| text)
}

/// An object's members as unparsed JSON, in order; a repeated key keeps
/// its first place and its last value (as `Value` does).
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Members<'a>, M::Error> {
                let mut out: Vec<(String, &'a RawValue)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, &'a RawValue>()? {
                    match out.iter_mut().find(|(key, _)| *key == k) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

fn is_object(raw: &RawValue) -> bool {
    raw.get().starts_with('{')
}

fn members(raw: &RawValue) -> Result<Members<'_>, serde_json::Error> {
    serde_json::from_str(raw.get())
}

/// Parses style JSON into its document and the inline data objects of its
/// GeoJSON sources as text (their place in the document is `null`). Anything that is
/// not an object where the style has one is parsed whole, for the style's
/// checks to report.
pub fn read_style_json(json: &[u8]) -> Result<(J, InlineData), serde_json::Error> {
    let root: Members = match serde_json::from_slice(json) {
        Ok(m) => m,
        // Not an object (or not JSON): the plain parse says which.
        Err(_) => return serde_json::from_slice(json).map(|doc| (doc, InlineData::new())),
    };
    let mut data = InlineData::new();
    let mut doc = serde_json::Map::new();
    for (key, raw) in root.0 {
        let value = if key == "sources" && is_object(raw) {
            let mut sources = serde_json::Map::new();
            for (id, source) in members(raw)?.0 {
                let value = if is_object(source) {
                    let source = members(source)?.0;
                    let geojson = source.iter().any(|(field, v)| field == "type" && v.get() == "\"geojson\"");
                    let mut fields = serde_json::Map::new();
                    for (field, v) in source {
                        let value = if geojson && field == "data" && is_object(v) {
                            data.push((id.clone(), Arc::from(v.get())));
                            J::Null
                        } else {
                            serde_json::from_str(v.get())?
                        };
                        fields.insert(field, value);
                    }
                    J::Object(fields)
                } else {
                    serde_json::from_str(source.get())?
                };
                sources.insert(id, value);
            }
            J::Object(sources)
        } else {
            serde_json::from_str(raw.get())?
        };
        doc.insert(key, value);
    }
    Ok((J::Object(doc), data))
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
        let (doc, data) = read_style_json(json).unwrap();
        let mut plain: J = serde_json::from_slice(json).unwrap();
        assert_eq!(data.len(), 1);
        let text = inline_for(&data, "a").unwrap();
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
        let (doc, data) = read_style_json(json).unwrap();
        assert_eq!(doc["zoom"], 2);
        assert_eq!(&*data[0].1, r#"{"type": "MultiPoint"}"#);
        let plain: J = serde_json::from_slice(json).unwrap();
        assert_eq!(doc.as_object().unwrap().keys().collect::<Vec<_>>(), plain.as_object().unwrap().keys().collect::<Vec<_>>());
    }

    #[test]
    fn a_non_object_root_and_bad_json_are_reported_as_a_plain_parse_reports_them() {
        let (doc, data) = read_style_json(b"[1, 2]").unwrap();
        assert_eq!((doc, data.len()), (serde_json::json!([1, 2]), 0));
        let ours = read_style_json(b"{\"version\": 8,\n \"sources\": {\"a\": {\"data\": {]}}}").unwrap_err();
        let plain = serde_json::from_slice::<J>(b"{\"version\": 8,\n \"sources\": {\"a\": {\"data\": {]}}}").unwrap_err();
        assert_eq!((ours.line(), ours.column()), (plain.line(), plain.column()));
    }
}

