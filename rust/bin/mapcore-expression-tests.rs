//! Runs an expression conformance suite (a folder of OP/TEST/test.json files
//! in the maplibre-style-spec format) and writes a JSON report.
//!
//!     mapcore-expression-tests [SUITE_DIR] [--report FILE] [--filter TEXT]
//!
//! SUITE_DIR defaults to ../shared/conformance/expression-tests. Prints each
//! failure, per-operator counts, and a last line `N passed, M failed`; exits 1
//! when a test fails.

use std::collections::BTreeMap;
use std::path::PathBuf;

use mapcore::style::expression::conformance::run_suite;

fn main() {
    let mut dir = PathBuf::from("../shared/conformance/expression-tests");
    let mut report: Option<PathBuf> = None;
    let mut filter = String::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--report" => report = args.next().map(PathBuf::from),
            "--filter" => filter = args.next().unwrap_or_default(),
            "-h" | "--help" => {
                println!("usage: mapcore-expression-tests [SUITE_DIR] [--report FILE] [--filter TEXT]");
                return;
            }
            other if other.starts_with('-') => {
                eprintln!("mapcore-expression-tests: unknown option {other}");
                std::process::exit(2);
            }
            other => dir = PathBuf::from(other),
        }
    }
    if !dir.is_dir() {
        eprintln!("mapcore-expression-tests: {} is not a folder", dir.display());
        std::process::exit(2);
    }
    let results: Vec<_> = run_suite(&dir).into_iter().filter(|(name, _)| name.contains(&filter)).collect();
    let mut groups: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut json = Vec::new();
    for (name, result) in &results {
        let group = name.split('/').next().unwrap_or(name).to_string();
        let entry = groups.entry(group).or_default();
        match result {
            Ok(()) => entry.0 += 1,
            Err(e) => {
                entry.1 += 1;
                println!("FAIL {name}: {e}");
            }
        }
        json.push(serde_json::json!({
            "name": name,
            "passed": result.is_ok(),
            "error": result.as_ref().err(),
        }));
    }
    for (group, (p, f)) in &groups {
        if *f > 0 {
            println!("  {group}: {p} passed, {f} failed");
        }
    }
    if let Some(path) = report {
        let text = serde_json::to_string_pretty(&json).expect("serializable");
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("mapcore-expression-tests: cannot write {}: {e}", path.display());
            std::process::exit(2);
        }
    }
    let passed = results.iter().filter(|(_, r)| r.is_ok()).count();
    let failed = results.len() - passed;
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
