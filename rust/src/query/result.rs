//! A query's answer, built under a bound on its size.
//!
//! A rendered-feature query returns each feature with the style layer it
//! was found in (MapLibre's `feature.layer`). Held as one JSON object per
//! feature, a layer's filter and properties were copied for every feature:
//! a 2.5 MB filter over 50,000 points took 23 GB. Here a feature is held
//! without its layer, each layer's JSON once, and the layer is written into
//! each feature only as the answer's text is written ([`QueryResult::to_json_text`]).
//! That text is bounded too: a query whose answer would take more than its
//! bound in bytes fails, naming the bound, before building the rest.

use std::io::Write;

use serde_json::Value as J;

use super::{QueryError, QueryErrorKind};

/// The features a query found, in order.
#[derive(Debug, Default)]
pub struct QueryResult {
    /// Each feature without its `layer` member, and the index of its layer.
    features: Vec<(J, Option<usize>)>,
    /// The layers' JSON, each once.
    layers: Vec<J>,
    /// The length of [`QueryResult::to_json_text`].
    bytes: u64,
}

impl QueryResult {
    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The features as GeoJSON objects, each with its `layer` member (a copy
    /// of its layer's JSON per feature: for callers in Rust that look at
    /// them; the C API writes [`QueryResult::to_json_text`]).
    pub fn into_features(self) -> Vec<J> {
        let layers = self.layers;
        self.features
            .into_iter()
            .map(|(mut f, layer)| {
                if let (Some(i), J::Object(m)) = (layer, &mut f) {
                    m.insert("layer".into(), layers[i].clone());
                }
                f
            })
            .collect()
    }

    /// The features as a JSON array, each layer serialized once and each
    /// feature written straight into the answer.
    pub fn to_json_text(&self) -> String {
        let layers: Vec<String> = self.layers.iter().map(J::to_string).collect();
        let mut out: Vec<u8> = Vec::with_capacity(usize::try_from(self.bytes).unwrap_or(0));
        out.push(b'[');
        for (i, (feature, layer)) in self.features.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let start = out.len();
            serde_json::to_writer(&mut out, feature).expect("a JSON value writes to memory");
            match layer.map(|l| &layers[l]) {
                // A feature is an object with members: its text ends in '}'.
                Some(layer) if out.len() - start > 2 && out.last() == Some(&b'}') => {
                    out.pop();
                    out.extend_from_slice(LAYER_MEMBER.as_bytes());
                    out.extend_from_slice(layer.as_bytes());
                    out.push(b'}');
                }
                _ => {}
            }
        }
        out.push(b']');
        String::from_utf8(out).expect("JSON text is UTF-8")
    }
}

/// What joins a feature's members and its layer in the text.
const LAYER_MEMBER: &str = ",\"layer\":";

/// Builds a [`QueryResult`] under a bound on its text's bytes.
pub struct ResultBuilder {
    result: QueryResult,
    /// Each layer's text length.
    layer_bytes: Vec<u64>,
    max_bytes: u64,
}

impl ResultBuilder {
    pub fn new(max_bytes: u64) -> ResultBuilder {
        // The array's brackets.
        ResultBuilder { result: QueryResult { bytes: 2, ..QueryResult::default() }, layer_bytes: Vec::new(), max_bytes }
    }

    /// Adds a layer's JSON; features found in it name the index returned.
    pub fn layer(&mut self, json: J) -> usize {
        self.layer_bytes.push(text_len(&json));
        self.result.layers.push(json);
        self.result.layers.len() - 1
    }

    /// Adds a feature (a JSON object without `layer`) found in `layer`;
    /// fails when the answer's text would pass the bound.
    pub fn push(&mut self, feature: J, layer: Option<usize>) -> Result<(), QueryError> {
        let comma = u64::from(!self.result.features.is_empty());
        let with_layer = layer.map_or(0, |l| LAYER_MEMBER.len() as u64 + self.layer_bytes[l]);
        let bytes = self.result.bytes.saturating_add(comma + text_len(&feature) + with_layer);
        if bytes > self.max_bytes {
            return Err(too_large(self.max_bytes));
        }
        self.result.bytes = bytes;
        self.result.features.push((feature, layer));
        Ok(())
    }

    pub fn finish(self) -> QueryResult {
        self.result
    }
}

/// The error of an answer past `max_bytes`.
pub fn too_large(max_bytes: u64) -> QueryError {
    QueryError::new(
        QueryErrorKind::TooLarge,
        format!(
            "the query's answer takes more than {max_bytes} bytes of JSON (the bound on a JSON document, {}): query a smaller box, fewer layers or with a filter",
            crate::data::json::PARSED_LIMIT
        ),
    )
}

/// The length of `j`'s JSON text, without writing it down.
fn text_len(j: &J) -> u64 {
    struct Count(u64);
    impl Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    // Writing to a counter does not fail.
    let _ = serde_json::to_writer(&mut n, j);
    n.0
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_text_holds_each_feature_with_its_layer_and_its_length_is_counted() {
        let mut b = ResultBuilder::new(u64::MAX);
        let big = b.layer(json!({"id": "a", "filter": ["==", "k", "x"]}));
        let small = b.layer(json!({"id": "b"}));
        b.push(json!({"type": "Feature", "properties": {"k": "x"}}), Some(big)).unwrap();
        b.push(json!({"type": "Feature", "id": 2}), Some(small)).unwrap();
        b.push(json!({"type": "Feature", "id": 3}), None).unwrap();
        let r = b.finish();
        let text = r.to_json_text();
        assert_eq!(text.len() as u64, r.bytes);
        let parsed: J = serde_json::from_str(&text).unwrap();
        let features = r.into_features();
        assert_eq!(parsed, J::Array(features.clone()));
        assert_eq!(features[0]["layer"]["filter"], json!(["==", "k", "x"]));
        assert_eq!(features[1]["layer"]["id"], "b");
        assert!(features[2].get("layer").is_none());
    }

    #[test]
    fn a_feature_past_the_bound_fails_naming_it() {
        let feature = json!({"type": "Feature", "id": 1});
        let layer = json!({"id": "a"});
        // [ + feature with its layer + ]: exactly the bound, then one past it.
        let one = 2 + text_len(&feature) + LAYER_MEMBER.len() as u64 + text_len(&layer);
        let mut b = ResultBuilder::new(one);
        let l = b.layer(layer);
        b.push(feature.clone(), Some(l)).unwrap();
        let e = b.push(feature, Some(l)).unwrap_err();
        assert_eq!(e.kind, QueryErrorKind::TooLarge);
        assert!(e.message.contains(&format!("more than {one} bytes")), "{}", e.message);
        assert_eq!(b.finish().len(), 1);
    }
}
