//! Legacy style functions (`{"stops": ..., "base": ..., "type": ...,
//! "property": ..., "default": ...}`) converted to expressions, with the
//! same semantics as MapLibre's conversion: zoom functions become top-level
//! `interpolate`/`step` on `["zoom"]`, property functions `match`/`case`/
//! `step`/`interpolate` on `["get", property]`, zoom-and-property functions a
//! zoom curve of property functions; identity functions a typed `get`.

use serde_json::{json, Value as J};

/// True if `v` is a legacy function object.
pub fn is_function(v: &J) -> bool {
    v.is_object()
}

fn literal(v: &J) -> J {
    if v.is_object() || v.is_array() {
        json!(["literal", v])
    } else {
        v.clone()
    }
}

fn interpolate_op(p: &J) -> &'static str {
    match p.get("colorSpace").and_then(J::as_str) {
        Some("hcl") => "interpolate-hcl",
        Some("lab") => "interpolate-lab",
        _ => "interpolate",
    }
}

fn function_type(p: &J, spec: &J) -> String {
    match p.get("type").and_then(J::as_str) {
        Some(t) => t.to_string(),
        None => {
            let interp = spec.pointer("/expression/interpolated").and_then(J::as_bool).unwrap_or(false);
            if interp { "exponential" } else { "interval" }.to_string()
        }
    }
}

fn append_stop(curve: &mut Vec<J>, input: J, output: J, is_step: bool) {
    if curve.len() > 3 && curve[curve.len() - 2] == input {
        return;
    }
    if !(is_step && curve.len() == 2) {
        curve.push(input);
    }
    curve.push(output);
}

fn fixup_step(curve: &mut Vec<J>) {
    if curve[0] == "step" && curve.len() == 3 {
        let out = curve[2].clone();
        curve.push(json!(0));
        curve.push(out);
    }
}

fn fallback(p: &J, spec: &J) -> J {
    match p.get("default").or_else(|| spec.get("default")) {
        Some(d) => literal(d),
        None if spec.get("type").and_then(J::as_str) == Some("resolvedImage") => json!(""),
        None => J::Null,
    }
}

/// Converts `{token}` strings to `concat`/`get` expressions.
pub fn convert_tokens(s: &str) -> J {
    let mut out = vec![json!("concat")];
    let mut pos = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{' {
            if let Some(len) = s[i + 1..].find(['{', '}']) {
                if bytes[i + 1 + len] == b'}' && len > 0 {
                    if i > pos {
                        out.push(json!(s[pos..i]));
                    }
                    out.push(json!(["get", s[i + 1..i + 1 + len]]));
                    i += len + 2;
                    pos = i;
                    continue;
                }
            }
        }
        i += 1;
    }
    if out.len() == 1 {
        return json!(s);
    }
    if pos < s.len() {
        out.push(json!(s[pos..]));
    } else if out.len() == 2 {
        return json!(["to-string", out[1]]);
    }
    J::Array(out)
}

fn identity(p: &J, spec: &J) -> J {
    let prop = p.get("property").cloned().unwrap_or(J::Null);
    let get = json!(["get", prop]);
    let ty = spec.get("type").and_then(J::as_str).unwrap_or("");
    match p.get("default") {
        None => {
            if ty == "string" {
                json!(["string", get])
            } else {
                get
            }
        }
        Some(d) if ty == "enum" => {
            let values: Vec<J> = match spec.get("values") {
                Some(J::Object(o)) => o.keys().map(|k| json!(k)).collect(),
                Some(J::Array(a)) => a.clone(),
                _ => vec![],
            };
            json!(["match", get, values, get, d])
        }
        Some(d) => {
            let op = match ty {
                "color" => "to-color",
                "" => "string",
                t => t,
            };
            let mut e = vec![json!(op), get, literal(d)];
            if ty == "array" {
                let value = spec.get("value").cloned().unwrap_or(J::Null);
                let len = spec.get("length").cloned().unwrap_or(J::Null);
                e.splice(1..1, [value, len]);
            }
            J::Array(e)
        }
    }
}

fn property_function(p: &J, spec: &J, stops: &[(J, J)]) -> Result<J, String> {
    let ty = function_type(p, spec);
    let get = json!(["get", p.get("property").cloned().unwrap_or(J::Null)]);
    let with_default = |e: J| match p.get("default") {
        None => e,
        Some(d) => json!(["case", ["==", ["typeof", get], "number"], e, literal(d)]),
    };
    match ty.as_str() {
        "categorical" if stops.first().is_some_and(|s| s.0.is_boolean()) => {
            let mut e = vec![json!("case")];
            for (i, o) in stops {
                e.push(json!(["==", get, i]));
                e.push(o.clone());
            }
            e.push(fallback(p, spec));
            Ok(J::Array(e))
        }
        "categorical" => {
            let mut e = vec![json!("match"), get.clone()];
            for (i, o) in stops {
                append_stop(&mut e, i.clone(), o.clone(), false);
            }
            e.push(fallback(p, spec));
            Ok(J::Array(e))
        }
        "interval" => {
            let mut e = vec![json!("step"), json!(["number", get])];
            for (i, o) in stops {
                append_stop(&mut e, i.clone(), o.clone(), true);
            }
            fixup_step(&mut e);
            Ok(with_default(J::Array(e)))
        }
        "exponential" => {
            let mut e = vec![json!(interpolate_op(p)), curve_type(p), json!(["number", get])];
            for (i, o) in stops {
                append_stop(&mut e, i.clone(), o.clone(), false);
            }
            Ok(with_default(J::Array(e)))
        }
        t => Err(format!("unknown property function type \"{t}\"")),
    }
}

fn curve_type(p: &J) -> J {
    match p.get("base").and_then(J::as_f64) {
        Some(b) if b != 1.0 => json!(["exponential", b]),
        _ => json!(["linear"]),
    }
}

fn zoom_function(p: &J, spec: &J, stops: &[(J, J)]) -> Result<J, String> {
    let ty = function_type(p, spec);
    let (mut e, is_step) = match ty.as_str() {
        "interval" => (vec![json!("step"), json!(["zoom"])], true),
        "exponential" => (vec![json!(interpolate_op(p)), curve_type(p), json!(["zoom"])], false),
        t => return Err(format!("unknown zoom function type \"{t}\"")),
    };
    for (i, o) in stops {
        append_stop(&mut e, i.clone(), o.clone(), is_step);
    }
    fixup_step(&mut e);
    Ok(J::Array(e))
}

fn zoom_and_property_function(p: &J, spec: &J, stops: &[(J, J)]) -> Result<J, String> {
    let mut zooms: Vec<(J, Vec<(J, J)>)> = Vec::new();
    for (input, output) in stops {
        let z = input.get("zoom").cloned().unwrap_or(J::Null);
        let v = input.get("value").cloned().unwrap_or(J::Null);
        match zooms.iter_mut().find(|(x, _)| *x == z) {
            Some((_, s)) => s.push((v, output.clone())),
            None => zooms.push((z, vec![(v, output.clone())])),
        }
    }
    let mut inner = serde_json::Map::new();
    for k in ["type", "property", "default"] {
        if let Some(v) = p.get(k) {
            inner.insert(k.into(), v.clone());
        }
    }
    let inner = J::Object(inner);
    let exponential = function_type(&json!({}), spec) == "exponential";
    let mut e = if exponential {
        vec![json!(interpolate_op(p)), json!(["linear"]), json!(["zoom"])]
    } else {
        vec![json!("step"), json!(["zoom"])]
    };
    for (z, s) in &zooms {
        let out = property_function(&inner, spec, s)?;
        append_stop(&mut e, z.clone(), out, !exponential);
    }
    fixup_step(&mut e);
    Ok(J::Array(e))
}

/// Converts a legacy function to an expression. `spec` is the property's
/// v8.json-style specification (`type`, `value`, `length`, `values`,
/// `default`, `tokens`, `expression.interpolated`).
pub fn convert_function(p: &J, spec: &J) -> Result<J, String> {
    let Some(obj) = p.as_object() else { return Err("expected a function object".into()) };
    if obj.get("type").and_then(J::as_str) == Some("identity") || !obj.contains_key("stops") {
        if obj.get("type").and_then(J::as_str) != Some("identity") && !obj.contains_key("property") {
            return Err("function must have \"stops\" or be an identity function".into());
        }
        return Ok(identity(p, spec));
    }
    let raw = obj["stops"].as_array().ok_or("\"stops\" must be an array")?;
    if raw.is_empty() {
        return Err("function must have at least one stop".into());
    }
    let mut stops = Vec::with_capacity(raw.len());
    for s in raw {
        match s.as_array().map(|a| a.as_slice()) {
            Some([i, o]) => stops.push((i.clone(), o.clone())),
            _ => return Err("each stop must be an array of two values".into()),
        }
    }
    let zoom_and_feature = stops[0].0.is_object();
    let feature = zoom_and_feature || obj.contains_key("property");
    let tokens = spec.get("tokens").and_then(J::as_bool).unwrap_or(false);
    for s in &mut stops {
        s.1 = match &s.1 {
            J::String(t) if !feature && tokens => convert_tokens(t),
            o => literal(o),
        };
    }
    if zoom_and_feature {
        zoom_and_property_function(p, spec, &stops)
    } else if feature {
        property_function(p, spec, &stops)
    } else {
        zoom_function(p, spec, &stops)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_function_to_interpolate() {
        let spec = json!({"type": "number", "expression": {"interpolated": true}});
        let f = json!({"base": 2, "stops": [[0, 1], [10, 5]]});
        assert_eq!(
            convert_function(&f, &spec).unwrap(),
            json!(["interpolate", ["exponential", 2.0], ["zoom"], 0, 1, 10, 5])
        );
    }

    #[test]
    fn categorical_and_interval() {
        let spec = json!({"type": "color", "expression": {"interpolated": true}});
        let f = json!({"property": "k", "type": "categorical", "stops": [["a", "red"]], "default": "blue"});
        assert_eq!(convert_function(&f, &spec).unwrap(), json!(["match", ["get", "k"], "a", "red", "blue"]));
        let f = json!({"type": "interval", "stops": [[5, 1]]});
        assert_eq!(convert_function(&f, &spec).unwrap(), json!(["step", ["zoom"], 1, 0, 1]));
    }

    #[test]
    fn tokens() {
        assert_eq!(convert_tokens("{name}"), json!(["to-string", ["get", "name"]]));
        assert_eq!(convert_tokens("a {b} c"), json!(["concat", "a ", ["get", "b"], " c"]));
        assert_eq!(convert_tokens("plain"), json!("plain"));
    }
}
