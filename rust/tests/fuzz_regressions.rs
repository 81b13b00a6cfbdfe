//! Replays every committed fuzz input (rust/fuzz/seeds/TARGET and
//! rust/fuzz/regressions/TARGET: the inputs that once crashed a target) through
//! the fuzz target's own entry point, under stable Rust, so `cargo test`
//! guards every fixed crash without nightly or cargo-fuzz.

use std::path::{Path, PathBuf};

#[path = "../fuzz/src/entries.rs"]
#[allow(dead_code)]
mod entries;

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file() && !p.ends_with("README.md")).collect();
    files.sort();
    files
}

#[test]
fn every_committed_fuzz_input_replays_through_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    // Every folder names a target (an input filed under a wrong name would
    // never be replayed).
    for kind in ["seeds", "regressions"] {
        for dir in std::fs::read_dir(root.join(kind)).unwrap_or_else(|e| panic!("{}/{kind}: {e}", root.display())) {
            let dir = dir.expect("entry").path();
            if dir.is_dir() {
                let name = dir.file_name().expect("name").to_string_lossy().into_owned();
                assert!(entries::TARGETS.iter().any(|(t, _)| *t == name), "{}: no fuzz target named {name}", dir.display());
            }
        }
    }
    let mut replayed = 0;
    for (name, entry) in entries::TARGETS {
        let files: Vec<PathBuf> = ["seeds", "regressions"].iter().flat_map(|k| inputs(&root.join(k).join(name))).collect();
        assert!(!files.is_empty(), "fuzz target {name} has no committed input under {}/seeds", root.display());
        for file in files {
            let data = std::fs::read(&file).expect("read input");
            let result = std::panic::catch_unwind(|| entry(&data));
            assert!(result.is_ok(), "fuzz target {name} panics on {}", file.display());
            replayed += 1;
        }
    }
    println!("replayed {replayed} fuzz inputs through {} targets", entries::TARGETS.len());
}
