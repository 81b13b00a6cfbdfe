//! Layer filters: expression filters, and legacy filters (`["==", "key",
//! value]`, `["in", "$type", ...]`, `["!has", "key"]`, ...) converted to
//! expressions with the legacy semantics (comparisons of mismatched types
//! are false, not errors).

use serde_json::{json, Value as J};

use crate::style::expression::{EvaluationContext, Expression, Type};

/// A compiled layer filter.
#[derive(Clone, Debug)]
pub struct Filter {
    /// The filter as given in the style.
    pub json: J,
    expression: Expression,
}

impl Filter {
    /// Parses an expression or legacy filter. Errors are `[key]: message`
    /// relative to the filter (empty key for the filter itself).
    pub fn parse(j: &J) -> Result<Filter, String> {
        let expr_json = if is_expression_filter(j) {
            j.clone()
        } else {
            convert_legacy(j)?
        };
        let expression = crate::style::expression::parse_typed(&expr_json, &Type::Boolean)
            .map_err(|errs| {
                errs.iter()
                    .map(|e| {
                        if e.key.is_empty() {
                            e.message.clone()
                        } else {
                            format!("{}: {}", e.key, e.message)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })?;
        if expression.is_state_dependent() {
            return Err("\"feature-state\" data expressions are not supported with filters.".into());
        }
        Ok(Filter {
            json: j.clone(),
            expression,
        })
    }

    /// Whether the feature in `ctx` passes (evaluation errors fail it).
    pub fn matches(&self, ctx: &EvaluationContext) -> bool {
        self.expression.evaluate_bool(ctx).unwrap_or(false)
    }

    pub fn expression(&self) -> &Expression {
        &self.expression
    }
}

/// Filters are equal when written alike (the compiled expression follows
/// from the JSON).
impl PartialEq for Filter {
    fn eq(&self, other: &Filter) -> bool {
        self.json == other.json
    }
}

/// Whether `f` is written in the expression syntax (else legacy).
pub fn is_expression_filter(f: &J) -> bool {
    let a = match f {
        J::Bool(_) => return true,
        J::Array(a) if !a.is_empty() => a,
        _ => return false,
    };
    match a[0].as_str() {
        Some("has") => a.len() >= 2 && a[1] != "$id" && a[1] != "$type",
        Some("in") => a.len() >= 3 && (!a[1].is_string() || a[2].is_array()),
        Some("!in") | Some("!has") | Some("none") => false,
        Some("==" | "!=" | ">" | ">=" | "<" | "<=") => {
            a.len() != 3 || a[1].is_array() || a[2].is_array()
        }
        Some("any" | "all") => a[1..]
            .iter()
            .all(|x| is_expression_filter(x) || x.is_boolean()),
        _ => true,
    }
}

fn getter(key: &J) -> J {
    match key.as_str() {
        Some("$type") => json!(["geometry-type"]),
        Some("$id") => json!(["id"]),
        _ => json!(["get", key]),
    }
}

fn js_type(v: &J) -> Option<&'static str> {
    match v {
        J::String(_) => Some("string"),
        J::Number(_) => Some("number"),
        J::Bool(_) => Some("boolean"),
        _ => None,
    }
}

fn comparison(key: &J, value: &J, op: &str) -> J {
    let get = getter(key);
    let value = if value.is_array() || value.is_object() {
        json!(["literal", value])
    } else {
        value.clone()
    };
    match op {
        "==" => json!(["==", get, value]),
        _ => match js_type(&value) {
            // Ordering: only values of the same type compare.
            Some(t @ ("string" | "number")) => {
                json!(["all", ["==", ["typeof", get], t], [op, get, value]])
            }
            _ => json!(false),
        },
    }
}

fn in_op(key: &J, values: &[J]) -> J {
    if values.is_empty() {
        return json!(false);
    }
    let get = getter(key);
    // First occurrences, in order (a set of their text: thousands of
    // values compared pairwise took minutes).
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<&J> = values.iter().filter(|v| seen.insert(v.to_string())).collect();
    let all_strings = unique.iter().all(|v| v.is_string());
    let all_ints = unique.iter().all(|v| {
        v.as_f64()
            .is_some_and(|n| n.fract() == 0.0 && n.abs() <= 9007199254740991.0)
    });
    if all_strings || all_ints {
        return json!(["match", get, unique, true, false]);
    }
    let mut any = vec![json!("any")];
    for v in unique {
        any.push(json!(["==", get, v]));
    }
    J::Array(any)
}

fn has_op(key: &J) -> J {
    match key.as_str() {
        Some("$type") => json!(true),
        Some("$id") => json!(["!=", ["id"], null]),
        _ => json!(["has", key]),
    }
}

fn not(e: J) -> J {
    json!(["!", e])
}

/// Converts a legacy filter to an expression. Like MapLibre Native, a
/// filter (or a legacy `any`/`all`/`none` member) that is an object, a
/// string, a number or an empty array is an error, and so is an operator
/// that is not a string: the layer is then skipped with a warning, not
/// drawn unfiltered. `null` passes everything; `true` and `false` are
/// accepted as GL JS accepts them.
pub fn convert_legacy(f: &J) -> Result<J, String> {
    let a = match f {
        J::Null => return Ok(json!(true)),
        J::Bool(b) => return Ok(json!(b)),
        J::Array(a) if !a.is_empty() => a,
        _ => return Err(format!("filter value must be a non empty array, not {}", short_json(f))),
    };
    let Some(op) = a[0].as_str() else {
        return Err(format!("filter operator must be a string, not {}", short_json(&a[0])));
    };
    if a.len() <= 1 {
        return Ok(json!(op != "any"));
    }
    let members = |wrap: fn(J) -> J| -> Result<Vec<J>, String> { a[1..].iter().map(|x| convert_legacy(x).map(wrap)).collect() };
    let arg = |i: usize| a.get(i).cloned().unwrap_or(J::Null);
    Ok(match op {
        "==" => comparison(&arg(1), &arg(2), "=="),
        "!=" => not(comparison(&arg(1), &arg(2), "==")),
        "<" | ">" | "<=" | ">=" => comparison(&arg(1), &arg(2), op),
        "any" => J::Array(std::iter::once(json!("any")).chain(members(|x| x)?).collect()),
        "all" => J::Array(std::iter::once(json!("all")).chain(members(|x| x)?).collect()),
        "none" => J::Array(std::iter::once(json!("all")).chain(members(not)?).collect()),
        "in" => in_op(&arg(1), &a[2..]),
        "!in" => not(in_op(&arg(1), &a[2..])),
        "has" => has_op(&arg(1)),
        "!has" => not(has_op(&arg(1))),
        _ => json!(true),
    })
}

/// A value for a message: its JSON, cut to 40 characters.
fn short_json(v: &J) -> String {
    let text = v.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::feature::{Feature, GeomType, Properties};
    use crate::style::value::Value;

    fn feature(props: &[(&str, Value)], ty: GeomType) -> Feature {
        let mut p = Properties::default();
        for (k, v) in props {
            p.insert(*k, v.clone());
        }
        Feature {
            id: Some(Value::Number(7.0)),
            geom_type: ty,
            geometry: vec![],
            properties: p,
        }
    }

    fn pass(filter: J, f: &Feature) -> bool {
        Filter::parse(&filter)
            .unwrap()
            .matches(&EvaluationContext::for_feature(10.0, f))
    }

    #[test]
    fn a_legacy_in_filter_keeps_the_first_of_repeated_values_in_order() {
        assert_eq!(convert_legacy(&json!(["in", "k", "b", "a", "b", "c", "a"])).unwrap(), json!(["match", ["get", "k"], ["b", "a", "c"], true, false]));
        assert_eq!(
            convert_legacy(&json!(["in", "k", 1, "1", 1, 2.5])).unwrap(),
            json!(["any", ["==", ["get", "k"], 1], ["==", ["get", "k"], "1"], ["==", ["get", "k"], 2.5]])
        );
        // 100,000 values (pairwise, 5 * 10^9 comparisons) convert at once.
        let many: Vec<J> = std::iter::once(json!("in")).chain(std::iter::once(json!("k"))).chain((0..100_000).map(|i| json!(i % 60_000))).collect();
        let converted = convert_legacy(&J::Array(many)).unwrap();
        assert_eq!(converted[2].as_array().map(Vec::len), Some(60_000));
        let f = feature(&[("k", Value::Number(59_999.0))], GeomType::Point);
        assert!(Filter::parse(&converted).unwrap().matches(&EvaluationContext::for_feature(10.0, &f)));
    }

    #[test]
    fn legacy_filters() {
        let f = feature(
            &[
                ("class", Value::String("park".into())),
                ("rank", Value::Number(3.0)),
            ],
            GeomType::Polygon,
        );
        assert!(pass(json!(["==", "class", "park"]), &f));
        assert!(!pass(json!(["!=", "class", "park"]), &f));
        assert!(pass(json!(["<", "rank", 5]), &f));
        assert!(
            !pass(json!(["<", "class", 5]), &f),
            "type mismatch is false"
        );
        assert!(pass(json!(["in", "class", "park", "wood"]), &f));
        assert!(pass(json!(["!in", "rank", 1, 2]), &f));
        assert!(pass(json!(["in", "rank", 1.5, 3]), &f));
        assert!(pass(json!(["has", "rank"]), &f));
        assert!(pass(json!(["!has", "name"]), &f));
        assert!(pass(json!(["==", "$type", "Polygon"]), &f));
        assert!(pass(json!(["in", "$type", "Point", "Polygon"]), &f));
        assert!(pass(json!(["==", "$id", 7]), &f));
        assert!(pass(
            json!(["all", ["==", "class", "park"], ["none", ["==", "rank", 1]]]),
            &f
        ));
        assert!(!pass(json!(["any"]), &f));
        assert!(pass(json!(["all"]), &f));
        assert!(pass(
            json!(["any", ["==", "class", "x"], ["has", "rank"]]),
            &f
        ));
    }

    #[test]
    fn filters_that_are_not_arrays_are_errors_as_in_maplibre_native() {
        for bad in [json!({"a": 1}), json!("class"), json!(3), json!([]), json!(["all", ["==", "class", "park"], {"a": 1}]), json!(["none", []]), json!(["any", [5, "class"], ["!has", "x"]])] {
            let e = Filter::parse(&bad).expect_err(&bad.to_string());
            assert!(e.contains("filter value must be a non empty array") || e.contains("filter operator must be a string"), "{bad}: {e}");
        }
        let f = feature(&[("class", Value::String("park".into()))], GeomType::Point);
        assert!(pass(json!(null), &f));
        assert!(pass(json!(true), &f) && !pass(json!(false), &f));
        assert!(pass(json!(["all", ["==", "class", "park"], ["!has", "x"]]), &f));
    }

    #[test]
    fn a_layer_whose_filter_is_not_an_array_is_skipped_with_a_warning() {
        let doc = json!({"version": 8, "sources": {"s": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}},
            "layers": [{"id": "a", "type": "circle", "source": "s", "filter": {"class": "park"}},
                       {"id": "b", "type": "circle", "source": "s", "filter": ["==", "class", "park"]}]});
        let (parsed, _) = crate::style::parse_style_lenient(doc.to_string().as_bytes(), Default::default()).expect("lenient load");
        let ids: Vec<&str> = parsed.style.layers.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["b"]);
        let warning = parsed.warnings.iter().map(|w| w.to_string()).find(|w| w.contains("filter value must be a non empty array"));
        assert_eq!(warning.as_deref(), Some(r#"layers[0].filter: filter value must be a non empty array, not {"class":"park"} (layer skipped)"#));
        assert!(crate::style::parse_style(doc.to_string().as_bytes()).is_err(), "the strict parse refuses it");
    }

    #[test]
    fn expression_filters() {
        let f = feature(&[("rank", Value::Number(3.0))], GeomType::Point);
        assert!(is_expression_filter(&json!(["==", ["get", "rank"], 3])));
        assert!(!is_expression_filter(&json!(["==", "rank", 3])));
        assert!(pass(json!([">", ["get", "rank"], 2]), &f));
        assert!(pass(json!(true), &f));
        assert!(!pass(json!(["==", ["get", "missing"], 2]), &f));
        assert!(Filter::parse(&json!(["+", 1, 2])).is_err());
    }
}
