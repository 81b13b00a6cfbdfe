//! Runner for the shared expression conformance suite
//! (`OP/TEST/test.json`: expression, optional propertySpec, inputs, expected
//! compiled result and outputs). [`check_test`] checks one test and is what a
//! command-line runner builds on; the `#[test]` below runs the suite folder
//! named by `MAPCORE_EXPRESSION_TESTS` (default
//! `../../shared/conformance/expression-tests`) and enforces the ratchet file
//! `PASSING` next to this module.
//!
//! Numbers compare with a tolerance of 1e-6 absolute or 1e-5 relative (the
//! suite's expected values are cut to six significant digits). An
//! expected evaluation error passes when evaluation fails (messages are not
//! compared: the suite's carry the reference's property path prefix).
//! Colours are compared premultiplied, as the suite writes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value as J};

use crate::data::feature::{Feature, GeomType, Properties, TileId, TilePoint};
use crate::style::expression::within::project;
use crate::style::expression::{parse_expression, EvaluationContext, Expression, ParseError, PropertySpec, Type};
use crate::style::color::Color;
use crate::style::value::Value;

/// Extent the suite's feature geometries are converted to.
const EXTENT: u32 = 8192;

/// The default property spec the suite assumes when a test gives none.
fn spec_json(test: &J) -> J {
    let mut spec = test
        .get("propertySpec")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let J::Object(o) = &mut spec {
        o.entry("property-type").or_insert(json!("data-driven"));
        o.entry("expression")
            .or_insert(json!({"interpolated": true, "parameters": ["zoom", "feature"]}));
    }
    spec
}

fn geometry(g: &J, canonical: TileId) -> (GeomType, Vec<Vec<TilePoint>>) {
    let ty = g.get("type").and_then(J::as_str).unwrap_or("");
    let coords = g.get("coordinates").cloned().unwrap_or(J::Null);
    let pt = |c: &J| -> TilePoint {
        let lng = c.get(0).and_then(J::as_f64).unwrap_or(0.0);
        let lat = c.get(1).and_then(J::as_f64).unwrap_or(0.0);
        let [x, y] = project(lng, lat, canonical.z, EXTENT as f64);
        TilePoint::new(
            (x - canonical.x as f64 * EXTENT as f64).round() as i32,
            (y - canonical.y as f64 * EXTENT as f64).round() as i32,
        )
    };
    let line = |l: &J| -> Vec<TilePoint> {
        l.as_array()
            .map(|a| a.iter().map(pt).collect())
            .unwrap_or_default()
    };
    let lines = |ls: &J| -> Vec<Vec<TilePoint>> {
        ls.as_array()
            .map(|a| a.iter().map(line).collect())
            .unwrap_or_default()
    };
    match ty {
        "Point" => (GeomType::Point, vec![vec![pt(&coords)]]),
        "MultiPoint" => (
            GeomType::Point,
            line(&coords).into_iter().map(|p| vec![p]).collect(),
        ),
        "LineString" => (GeomType::LineString, vec![line(&coords)]),
        "MultiLineString" => (GeomType::LineString, lines(&coords)),
        "Polygon" => (GeomType::Polygon, lines(&coords)),
        "MultiPolygon" => (
            GeomType::Polygon,
            coords
                .as_array()
                .map(|a| a.iter().flat_map(lines).collect())
                .unwrap_or_default(),
        ),
        _ => (GeomType::Unknown, vec![]),
    }
}

fn first_coordinate(v: &J) -> Option<(f64, f64)> {
    match v {
        J::Array(a) if a.first().is_some_and(J::is_number) => {
            Some((a[0].as_f64()?, a.get(1)?.as_f64()?))
        }
        J::Array(a) => a.iter().find_map(first_coordinate),
        _ => None,
    }
}

fn rebase(c: TileId, g: &J) -> TileId {
    let Some((lng, lat)) = g.get("coordinates").and_then(first_coordinate) else {
        return c;
    };
    let [x, y] = project(lng, lat, c.z, EXTENT as f64);
    let (dx, dy) = (
        x - c.x as f64 * EXTENT as f64,
        y - c.y as f64 * EXTENT as f64,
    );
    if dx.abs() < 1e9 && dy.abs() < 1e9 {
        return c;
    }
    TileId::new(c.z, (x / EXTENT as f64) as u32, (y / EXTENT as f64) as u32)
}

fn props(j: Option<&J>) -> Properties {
    match j {
        Some(J::Object(o)) => o.iter().map(|(k, v)| (Arc::from(k.as_str()), Value::from_json(v))).collect::<Vec<_>>().into(),
        _ => Properties::default(),
    }
}

fn num(v: f32) -> J {
    json!(v as f64)
}

/// A colour inside a structure (GL JS's `Color` object as JSON: premultiplied).
fn color_object(c: &Color) -> J {
    let p = c.premultiplied();
    json!({"r": num(p[0]), "g": num(p[1]), "b": num(p[2]), "a": num(p[3])})
}

/// Serializes an output as the suite writes it, given the expression type.
fn serialize(v: &Value, ty: &Type) -> J {
    match (v, ty) {
        (Value::Array(a), Type::NumberArray | Type::Padding) => {
            json!({"values": a.iter().map(|x| serialize(x, &Type::Value)).collect::<Vec<_>>()})
        }
        (Value::Array(a), Type::ColorArray) => json!({"values": a.iter().map(|x| match x {
            Value::Color(c) => color_object(c),
            other => serialize(other, &Type::Value),
        }).collect::<Vec<_>>()}),
        (Value::Color(c), _) => J::Array(c.premultiplied().iter().map(|x| num(*x)).collect()),
        (Value::Array(a), _) => J::Array(a.iter().map(|x| serialize(x, &Type::Value)).collect()),
        (Value::Object(o), _) => J::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), serialize(x, &Type::Value)))
                .collect(),
        ),
        (Value::Image(i), _) => json!({"name": i.name, "available": i.available}),
        (Value::Formatted(f), _) => json!({"sections": f.sections.iter().map(|s| json!({
            "text": s.text,
            "image": s.image.as_ref().map(|i| json!({"name": i.name, "available": i.available})),
            "scale": s.scale,
            "fontStack": s.font_stack,
            "textColor": s.text_color.as_ref().map(color_object),
            "verticalAlign": s.vertical_align,
        })).collect::<Vec<_>>()}),
        (v, _) => v.to_json(),
    }
}

fn close(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            (x - y).abs() <= 1e-6 || (x - y).abs() <= 1e-5 * x.abs().max(y.abs())
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| close(a, b))
        }
        (J::Object(x), J::Object(y)) => {
            // Older tests' formatted sections have no `verticalAlign` (it
            // came later; null is its absence).
            let absent = |k: &str, v: &J| k == "verticalAlign" && v.is_null() && !y.contains_key(k);
            x.iter().filter(|(k, v)| !absent(k, v)).count() == y.len()
                && x.iter().all(|(k, v)| absent(k, v) || y.get(k).is_some_and(|w| close(v, w)))
        }
        _ => a == b,
    }
}

/// A test's expression compiled as the suite means it: against the test's
/// `propertySpec` (or the suite's default), a legacy function converted
/// first (its conversion error is the outer `Err`).
pub fn compile(test: &J) -> Result<Result<Expression, Vec<ParseError>>, String> {
    let spec_j = spec_json(test);
    let spec = PropertySpec::from_json(&spec_j);
    let mut expr_json = test.get("expression").cloned().unwrap_or(J::Null);
    if crate::style::function::is_function(&expr_json) {
        expr_json = crate::style::function::convert_function(&expr_json, &spec_j)?;
    }
    Ok(parse_expression(&expr_json, Some(&spec)))
}

/// Calls `f` with each of the test's `inputs` (`[globals, feature]` pairs)
/// as an evaluation context: zoom, heatmap density, line progress and the
/// other globals; the feature's id, properties, geometry (in the tile the
/// globals name, or the one holding the feature) and state; the test's
/// global state and available images.
pub fn for_each_input(test: &J, mut f: impl FnMut(usize, &EvaluationContext)) {
    let global_state: Option<BTreeMap<String, Value>> =
        test.get("globalState").and_then(J::as_object).map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), Value::from_json(v)))
                .collect()
        });
    let Some(inputs) = test.get("inputs").and_then(J::as_array) else { return };
    for (i, input) in inputs.iter().enumerate() {
        let globals = &input[0];
        let f_json = &input[1];
        let canonical = globals.get("canonicalID").map(|c| {
            TileId::new(
                c["z"].as_u64().unwrap_or(0) as u8,
                c["x"].as_u64().unwrap_or(0) as u32,
                c["y"].as_u64().unwrap_or(0) as u32,
            )
        });
        // Tile coordinates are i32: when the geometry lies too far from
        // the given tile (the suite uses tiles far from the feature), use
        // the tile containing the feature's first coordinate instead.
        let canonical = match (canonical, f_json.get("geometry")) {
            (Some(c), Some(g)) => Some(rebase(c, g)),
            (c, _) => c,
        };
        let (geom_type, geom) = match f_json.get("geometry") {
            Some(g) => geometry(g, canonical.unwrap_or(TileId::new(0, 0, 0))),
            None => (GeomType::Unknown, vec![]),
        };
        let feature = Feature {
            id: f_json.get("id").map(Value::from_json),
            geom_type,
            geometry: geom,
            properties: props(f_json.get("properties")),
        };
        let state = props(f_json.get("featureState"));
        let images: Option<Vec<String>> = globals
            .get("availableImages")
            .and_then(J::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            });
        let g = |k: &str| globals.get(k).and_then(J::as_f64);
        let ctx = EvaluationContext {
            zoom: g("zoom"),
            feature: Some(&feature),
            feature_state: Some(&state),
            heatmap_density: g("heatmapDensity"),
            line_progress: g("lineProgress"),
            accumulated: g("accumulated"),
            elevation: g("elevation"),
            canonical,
            tile_zoom: None,
            extent: EXTENT,
            available_images: images.as_deref(),
            global_state: global_state.as_ref(),
            vars: None,
            assume_scripts_supported: true,
        };
        f(i, &ctx);
    }
}

/// Checks one parsed `test.json`. `Err` describes every mismatch.
pub fn check_test(test: &J) -> Result<(), String> {
    let expected = test.get("expected").cloned().unwrap_or(J::Null);
    let compiled = &expected["compiled"];
    let parsed = compile(test)?;
    let mut problems = Vec::new();
    let expr = match parsed {
        Err(errors) => {
            let got: Vec<J> = errors
                .iter()
                .map(|e| json!({"key": e.key, "error": e.message}))
                .collect();
            if compiled["result"] != "error" {
                return Err(format!("expected success, got errors {}", J::Array(got)));
            }
            if compiled["errors"] != J::Array(got.clone()) {
                return Err(format!(
                    "errors differ: expected {} got {}",
                    compiled["errors"],
                    J::Array(got)
                ));
            }
            return Ok(());
        }
        Ok(e) => e,
    };
    if compiled["result"] != "success" {
        return Err(format!(
            "expected errors {}, compiled successfully",
            compiled["errors"]
        ));
    }
    let ty = expr.result_type().to_string();
    if compiled["type"] != J::String(ty.clone()) {
        problems.push(format!("type: expected {} got {ty}", compiled["type"]));
    }
    if compiled["isFeatureConstant"] != J::Bool(expr.is_feature_constant()) {
        problems.push(format!(
            "isFeatureConstant: expected {}",
            compiled["isFeatureConstant"]
        ));
    }
    if compiled["isZoomConstant"] != J::Bool(expr.is_zoom_constant()) {
        problems.push(format!(
            "isZoomConstant: expected {}",
            compiled["isZoomConstant"]
        ));
    }
    if let Some(outs) = expected.get("outputs").and_then(J::as_array) {
        for_each_input(test, |i, ctx| {
            let Some(want) = outs.get(i) else { return };
            let got = expr.evaluate(ctx);
            match (want.get("error"), got) {
                (Some(_), Err(_)) => {}
                (Some(e), Ok(v)) => problems.push(format!(
                    "output {i}: expected error {e}, got {}",
                    serialize(&v, expr.result_type())
                )),
                (None, Err(e)) => {
                    problems.push(format!("output {i}: expected {want}, got error {e}"))
                }
                (None, Ok(v)) => {
                    let s = serialize(&v, expr.result_type());
                    if !close(&s, want) {
                        problems.push(format!("output {i}: expected {want}, got {s}"));
                    }
                }
            }
        });
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Finds every `test.json` under `dir`; names are paths relative to `dir`.
pub fn find_tests(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "test.json") {
                let name = p
                    .parent()
                    .and_then(|x| x.strip_prefix(dir).ok())
                    .map(|x| x.to_string_lossy().replace('\\', "/"));
                out.push((name.unwrap_or_default(), p));
            }
        }
    }
    out.sort();
    out
}

/// Runs every test under `dir`: (name, result) in name order.
pub fn run_suite(dir: &Path) -> Vec<(String, Result<(), String>)> {
    find_tests(dir)
        .into_iter()
        .map(|(name, path)| {
            let r = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<J>(&b).map_err(|e| e.to_string()))
                .and_then(|t| check_test(&t));
            (name, r)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expression_conformance() {
        // MAPCORE_EXPRESSION_TESTS names another suite folder; by default the
        // shared data's (crate::test_support::shared_dir).
        let dir = match std::env::var_os("MAPCORE_EXPRESSION_TESTS") {
            Some(d) => {
                let d = PathBuf::from(d);
                assert!(d.is_dir(), "MAPCORE_EXPRESSION_TESTS={}: not a folder", d.display());
                d
            }
            None => match crate::test_support::shared_path("conformance/expression-tests") {
                Some(d) => d,
                None => {
                    crate::test_support::skipped("../shared/conformance/expression-tests");
                    return;
                }
            },
        };
        let results = run_suite(&dir);
        assert!(!results.is_empty(), "no expression tests under {}", dir.display());
        let mut passed = 0;
        let mut failed = 0;
        for (name, r) in &results {
            match r {
                Ok(()) => passed += 1,
                Err(e) => {
                    failed += 1;
                    println!("FAIL {name}: {e}");
                }
            }
        }
        println!("expression tests: {passed} passed, {failed} failed");
        if let Ok(out) = std::env::var("MAPCORE_WRITE_PASSING") {
            let list: Vec<&str> = results
                .iter()
                .filter(|r| r.1.is_ok())
                .map(|r| r.0.as_str())
                .collect();
            std::fs::write(out, list.join("\n") + "\n").expect("write PASSING list");
        }
        let ratchet = include_str!("PASSING");
        let regressions: Vec<&str> = ratchet
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .filter(|l| results.iter().any(|(n, r)| n == l && r.is_err()))
            .collect();
        assert!(
            regressions.is_empty(),
            "tests listed in PASSING now fail: {regressions:?}"
        );
    }
}
