//! Query tests from ../shared/conformance/query-tests run through the public
//! Rust API (runtime, map, `Map::query_rendered_features`).
//!
//! Comparison (as the suite's own harness did): the features in order, deep
//! equality with object keys in any order, numbers within a small tolerance
//! (1e-6 relative or 1e-9 absolute; coordinates are converted from tile
//! units, so they agree far closer than that when right). The harness deleted
//! `layer` from the results and the 2017 features had no `source`,
//! `sourceLayer` or `state`, so those members are left out of the comparison.
//!
//! Each test prints `pass`/`FAIL` with a reason; the last line is
//! `query tests: N passed, M failed`. Tests listed in tests/query-passing.txt
//! must pass (a ratchet; listed tests missing from the suite folder are not
//! checked). Environment: MAPCORE_QUERY_TESTS (another suite folder),
//! MAPCORE_QUERY_FILTER (run tests whose name contains it),
//! MAPCORE_QUERY_REPORT (write a JSON report there), MAPCORE_QUERY_WRITE_PASSING
//! (write the passing names there, to update the ratchet).
//!
//! Feature order: the suite's harness compared the arrays in order, so this
//! runner does too; a failure whose features only differ in order says so.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mapcore::map::{Map, Runtime};
use mapcore::query::{QueryGeometry, QueryOptions};
use mapcore::runtime::resource::{percent_decode, Decision, Provider, Request, Response};
use mapcore::runtime::RuntimeOptions;
use serde_json::Value as J;

#[path = "../src/test_support.rs"]
mod test_support;

/// MAPCORE_QUERY_TESTS (which must be a folder), else the shared data's
/// query tests; None (after one `skipped:` line) when neither is there.
fn suite_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MAPCORE_QUERY_TESTS") {
        let p = PathBuf::from(p);
        assert!(p.is_dir(), "MAPCORE_QUERY_TESTS={}: not a folder", p.display());
        return Some(p);
    }
    let dir = test_support::shared_path("conformance/query-tests");
    if dir.is_none() {
        test_support::skipped("../shared/conformance/query-tests");
    }
    dir
}

/// Serves local://X from the assets folder, completing synchronously.
struct LocalAssets(PathBuf);

impl Provider for LocalAssets {
    fn request(&self, request: &Arc<Request>) -> Decision {
        let Some(rest) = request.info.url.strip_prefix("local://") else { return Decision::PassThrough };
        // URLs are percent-encoded (glyph URLs name font stacks with spaces).
        let response = match std::fs::read(self.0.join(percent_decode(rest))) {
            Ok(bytes) => Response::data(bytes),
            Err(_) => Response::NotFound,
        };
        let _ = request.complete(response);
        Decision::Handled
    }
    fn cancel(&self, _request: &Arc<Request>) {}
}

fn numbers_close(a: f64, b: f64) -> bool {
    let d = (a - b).abs();
    d <= 1e-9 || d <= 1e-6 * a.abs().max(b.abs())
}

/// Deep equality with key order ignored and numbers compared with tolerance;
/// on mismatch, the path of the first difference.
fn diff(a: &J, b: &J, path: &str) -> Option<String> {
    match (a, b) {
        (J::Number(x), J::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            (!numbers_close(x, y)).then(|| format!("{path}: {x} != expected {y}"))
        }
        (J::Array(x), J::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} items, expected {}", x.len(), y.len()));
            }
            x.iter().zip(y).enumerate().find_map(|(i, (u, v))| diff(u, v, &format!("{path}[{i}]")))
        }
        (J::Object(x), J::Object(y)) => {
            let mut kx: Vec<&String> = x.keys().collect();
            let mut ky: Vec<&String> = y.keys().collect();
            kx.sort();
            ky.sort();
            if kx != ky {
                return Some(format!("{path}: keys {kx:?}, expected {ky:?}"));
            }
            kx.iter().find_map(|k| diff(&x[*k], &y[*k], &format!("{path}.{k}")))
        }
        _ => (a != b).then(|| format!("{path}: {a} != expected {b}")),
    }
}

fn strip(mut f: J) -> J {
    if let J::Object(m) = &mut f {
        for k in ["layer", "source", "sourceLayer", "state"] {
            m.remove(k);
        }
    }
    f
}

fn short(f: &J) -> String {
    let id = f.get("id").map(|v| v.to_string()).unwrap_or_default();
    let ty = f.pointer("/geometry/type").and_then(|v| v.as_str()).unwrap_or("?");
    format!("{ty}#{id}")
}

/// Runs one test: Ok on pass, Err(reason) on failure.
fn run_test(dir: &Path, assets: &Path) -> Result<(), String> {
    let style = std::fs::read(dir.join("style.json")).map_err(|e| format!("style.json: {e}"))?;
    let expected: J = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).map_err(|e| format!("expected.json: {e}"))?)
        .map_err(|e| format!("expected.json: {e}"))?;
    let json: J = serde_json::from_slice(&style).map_err(|e| format!("style.json: {e}"))?;
    let test = &json["metadata"]["test"];
    let width = test["width"].as_u64().unwrap_or(512) as u32;
    let height = test["height"].as_u64().unwrap_or(512) as u32;
    let ratio = test["pixelRatio"].as_f64().unwrap_or(1.0) as f32;
    // No geometry: the whole view, as queryRenderedFeatures() without one.
    let geometry = match &test["queryGeometry"] {
        J::Null => QueryGeometry::Box([0.0, 0.0], [f64::from(width), f64::from(height)]),
        g => QueryGeometry::from_json(g)?,
    };
    // Options: `queryOptions`, or (as the 2017 harness passed the whole test
    // metadata) `layers` / `filter` at the top of metadata.test.
    let options = match test.get("queryOptions") {
        Some(o) => QueryOptions::from_json(o)?,
        None => QueryOptions::from_json(&serde_json::json!({
            "layers": test.get("layers").cloned().unwrap_or(J::Null),
            "filter": test.get("filter").cloned().unwrap_or(J::Null),
        }))?,
    };

    let mut rt = Runtime::new(RuntimeOptions::default()).map_err(|e| format!("runtime: {e}"))?;
    rt.set_provider(Some(Arc::new(LocalAssets(assets.to_path_buf()))));
    rt.add_map(1, Map::new(1, width, height, ratio));
    {
        let (map, core) = rt.map_mut(1).ok_or("no map")?;
        map.set_style_json(&style, core).map_err(|e| format!("style: {}", e.message))?;
    }
    let timeout = Some(Duration::from_secs(30));
    rt.render_still(1, timeout).map_err(|e| format!("render: {e:?}"))?;
    if let Some(ops) = test["operations"].as_array() {
        for op in ops {
            let name = op[0].as_str().unwrap_or("");
            let (map, _) = rt.map_mut(1).ok_or("no map")?;
            let mut cam = map.camera();
            match name {
                "setCenter" => {
                    cam.longitude = op[1][0].as_f64().ok_or("setCenter: bad center")?;
                    cam.latitude = op[1][1].as_f64().ok_or("setCenter: bad center")?;
                }
                "setZoom" => cam.zoom = op[1].as_f64().ok_or("setZoom: bad zoom")?,
                "setBearing" => cam.bearing = op[1].as_f64().ok_or("setBearing: bad bearing")?,
                "setPitch" => cam.pitch = op[1].as_f64().ok_or("setPitch: bad pitch")?,
                "wait" => {}
                other => return Err(format!("operation {other} is not supported by this runner")),
            }
            map.jump_to(cam);
            rt.render_still(1, timeout).map_err(|e| format!("render after {name}: {e:?}"))?;
        }
    }
    let map = rt.map(1).ok_or("no map")?;
    let symbol_layers: Vec<&str> = map
        .style()
        .map(|s| s.layers.iter().filter(|l| l.kind.name() == "symbol").map(|l| l.id.as_str()).collect())
        .unwrap_or_default();
    // The answer's text, as the C API hands it out (each layer written once).
    let text = map.query_rendered_features(&geometry, &options, u64::MAX).map_err(|e| e.message)?.to_json_text();
    let actual: Vec<J> = serde_json::from_str::<Vec<J>>(&text).map_err(|e| e.to_string())?.into_iter().map(strip).collect();
    let actual = J::Array(actual);
    match diff(&actual, &expected, "") {
        None => Ok(()),
        Some(d) => {
            let list = |v: &J| v.as_array().map(|a| a.iter().map(short).collect::<Vec<_>>().join(" ")).unwrap_or_default();
            let why = if symbol_layers.is_empty() { String::new() } else { format!("symbol layers ({}): placement decides; ", symbol_layers.join(", ")) };
            let same_set = match (actual.as_array(), expected.as_array()) {
                (Some(a), Some(e)) if a.len() == e.len() => e.iter().all(|x| a.iter().any(|y| diff(y, x, "").is_none())),
                _ => false,
            };
            let order = if same_set { "same features in another order; " } else { "" };
            Err(format!("{why}{order}{d}; got [{}], expected [{}]", list(&actual), list(&expected)))
        }
    }
}

#[test]
fn query_suite() {
    let Some(suite) = suite_dir() else { return };
    let assets = suite.join("../assets");
    let mut names = Vec::new();
    for group in std::fs::read_dir(&suite).unwrap().flatten() {
        if !group.path().is_dir() {
            continue;
        }
        for test in std::fs::read_dir(group.path()).unwrap().flatten() {
            if test.path().join("style.json").is_file() {
                names.push(format!("{}/{}", group.file_name().to_string_lossy(), test.file_name().to_string_lossy()));
            }
        }
    }
    names.sort();
    assert!(!names.is_empty(), "no query tests under {}", suite.display());
    let only = std::env::var("MAPCORE_QUERY_FILTER").ok();
    let mut passed = Vec::new();
    let mut failed = 0;
    let mut report = Vec::new();
    for name in &names {
        if only.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        match run_test(&suite.join(name), &assets) {
            Ok(()) => {
                println!("pass {name}");
                passed.push(name.clone());
                report.push(serde_json::json!({"test": name, "passed": true}));
            }
            Err(why) => {
                let why: String = if why.len() > 600 { format!("{}…", &why[..why.floor_char_boundary_compat(600)]) } else { why };
                println!("FAIL {name}: {why}");
                report.push(serde_json::json!({"test": name, "passed": false, "error": why}));
                failed += 1;
            }
        }
    }
    println!("query tests: {} passed, {failed} failed", passed.len());
    if let Ok(path) = std::env::var("MAPCORE_QUERY_REPORT") {
        std::fs::write(path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    }
    if let Ok(path) = std::env::var("MAPCORE_QUERY_WRITE_PASSING") {
        std::fs::write(path, passed.join("\n") + "\n").unwrap();
    }
    let ratchet = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/query-passing.txt");
    let required = std::fs::read_to_string(&ratchet).unwrap_or_else(|e| panic!("{}: {e}", ratchet.display()));
    let regressed: Vec<&str> = required
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| only.as_ref().is_none_or(|f| l.contains(f.as_str())))
        // another suite folder may not hold every listed test
        .filter(|l| names.iter().any(|n| n == l))
        .filter(|l| !passed.iter().any(|p| p == l))
        .collect();
    assert!(regressed.is_empty(), "tests listed in tests/query-passing.txt no longer pass: {regressed:?}");
}

trait FloorBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorBoundary for String {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// Prints the features one test's query returns (a debugging aid):
/// `MAPCORE_QUERY_DUMP=group/test cargo test --release --test query_suite dump_one -- --ignored --nocapture`.
#[test]
#[ignore]
fn dump_one() {
    let Some(suite) = suite_dir() else { return };
    let name = std::env::var("MAPCORE_QUERY_DUMP").unwrap_or_default();
    let dir = suite.join(&name);
    let style = std::fs::read(dir.join("style.json")).unwrap();
    let json: J = serde_json::from_slice(&style).unwrap();
    let test = &json["metadata"]["test"];
    let mut rt = Runtime::new(RuntimeOptions::default()).unwrap();
    rt.set_provider(Some(Arc::new(LocalAssets(suite.join("../assets")))));
    rt.add_map(1, Map::new(1, test["width"].as_u64().unwrap_or(512) as u32, test["height"].as_u64().unwrap_or(512) as u32, 1.0));
    let (map, core) = rt.map_mut(1).unwrap();
    map.set_style_json(&style, core).unwrap();
    rt.render_still(1, Some(Duration::from_secs(30))).unwrap();
    let g = QueryGeometry::from_json(&test["queryGeometry"]).unwrap();
    let r = rt.map(1).unwrap().query_rendered_features(&g, &QueryOptions::default(), u64::MAX).unwrap();
    for f in r.into_features() {
        println!("{}", strip(f));
    }
}

/// The source-feature query and the errors, through the public Map API, on
/// the suite's fill/overscaled style over the county tile the repository ships
/// (tests/fixtures/tiles): runs on every clone.
#[test]
fn source_features_and_errors() {
    let style = serde_json::json!({
        "version": 8,
        "center": [-74.522, 39.92],
        "zoom": 8,
        "sources": {"us-counties": {
            "type": "vector", "minzoom": 7, "maxzoom": 7,
            "tiles": ["local://tiles/counties-{z}-{x}-{y}.mvt"]
        }},
        "layers": [{
            "id": "counties", "type": "fill", "source": "us-counties",
            "source-layer": "counties", "paint": {"fill-outline-color": "white"}
        }]
    })
    .to_string()
    .into_bytes();
    let mut rt = Runtime::new(RuntimeOptions::default()).unwrap();
    rt.set_provider(Some(Arc::new(LocalAssets(test_support::fixtures_dir()))));
    let map = Map::new(1, 500, 500, 1.0);
    let err = map.query_rendered_features(&QueryGeometry::Point([1.0, 1.0]), &QueryOptions::default(), u64::MAX).unwrap_err();
    assert!(err.message.contains("no loaded style"), "{err}");
    rt.add_map(1, map);
    let (map, core) = rt.map_mut(1).unwrap();
    map.set_style_json(&style, core).unwrap();
    rt.render_still(1, Some(Duration::from_secs(30))).unwrap();
    let map = rt.map(1).unwrap();

    let all = map.query_source_features("us-counties", Some("counties"), None, u64::MAX).unwrap().into_features();
    assert!(all.len() > 10, "{} features", all.len());
    let mut ids: Vec<String> = all.iter().map(|f| f["id"].to_string()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "features with ids are returned once");
    assert!(all.iter().all(|f| f["sourceLayer"] == "counties" && f["source"] == "us-counties"));

    let filter = serde_json::json!(["==", "name", "Burlington County"]);
    let one = map.query_source_features("us-counties", Some("counties"), Some(&filter), u64::MAX).unwrap().into_features();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["properties"]["name"], "Burlington County");
    assert_eq!(one[0]["geometry"]["type"], "Polygon");

    assert!(map.query_source_features("nope", None, None, u64::MAX).unwrap_err().message.contains("\"nope\""));
    let bad = serde_json::json!(["nonsense-op"]);
    assert!(map.query_source_features("us-counties", Some("counties"), Some(&bad), u64::MAX).is_err());
    let opts = QueryOptions { layers: Some(vec!["missing".into()]), filter: None };
    let err = map.query_rendered_features(&QueryGeometry::Point([1.0, 1.0]), &opts, u64::MAX).unwrap_err();
    assert!(err.message.contains("\"missing\""), "{err}");
    let opts = QueryOptions { layers: None, filter: Some(bad) };
    assert!(map.query_rendered_features(&QueryGeometry::Point([1.0, 1.0]), &opts, u64::MAX).unwrap_err().message.contains("invalid query filter"));
}
