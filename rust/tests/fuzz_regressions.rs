//! Replays every committed fuzz input (rust/fuzz/seeds/TARGET and
//! rust/fuzz/regressions/TARGET: the inputs that once crashed a target) through
//! the fuzz target's own entry point, under stable Rust, so `cargo test`
//! guards every fixed crash without nightly or cargo-fuzz.

use std::path::{Path, PathBuf};

#[path = "../fuzz/src/entries.rs"]
#[allow(dead_code)]
mod entries;

/// The files under `dir` at any depth (a README aside), sorted; none when
/// it is missing.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(read) = std::fs::read_dir(dir) else { return };
        for path in read.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.is_dir() {
                walk(&path, out);
            } else if path.is_file() && !path.ends_with("README.md") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
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

/// Every file under `FUZZ_REPLAY_DIR` (any depth) through the entry of the
/// target `FUZZ_REPLAY_TARGET`, under stable Rust: a whole corpus, such as a
/// committed snapshot (`make fuzz-replay` extracts each and runs this), on
/// the current engine and entry checks. Names every input that panics (up
/// to 20) and fails if one did. Ignored by `cargo test`: it needs the
/// variables.
#[test]
#[ignore]
fn replay_a_corpus() {
    let (Some(dir), Some(target)) = (std::env::var_os("FUZZ_REPLAY_DIR"), std::env::var("FUZZ_REPLAY_TARGET").ok()) else {
        panic!("set FUZZ_REPLAY_DIR (a folder of inputs) and FUZZ_REPLAY_TARGET (a fuzz target's name)");
    };
    let Some((_, entry)) = entries::TARGETS.iter().find(|(t, _)| *t == target) else {
        panic!("no fuzz target named {target}");
    };
    let files = inputs(Path::new(&dir));
    assert!(!files.is_empty(), "no inputs under {}", Path::new(&dir).display());
    // The failures are listed below; the default hook would print each.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failed = Vec::new();
    for file in &files {
        let data = std::fs::read(file).expect("read input");
        if let Err(e) = std::panic::catch_unwind(|| entry(&data)) {
            let why = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
            failed.push(format!("{}: {}", file.display(), why.chars().take(300).collect::<String>()));
        }
    }
    std::panic::set_hook(hook);
    println!("{target}: replayed {} inputs, {} panicked", files.len(), failed.len());
    assert!(failed.is_empty(), "{target}: {} of {} inputs panic:\n{}", failed.len(), files.len(), failed.iter().take(20).cloned().collect::<Vec<_>>().join("\n"));
}
