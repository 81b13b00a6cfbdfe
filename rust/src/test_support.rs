//! Helpers shared by the tests: the unit tests (`crate::test_support`) and the
//! integration tests in rust/tests (which include this file with `#[path]`).
//!
//! Two kinds of data:
//! * the shared conformance data (`conformance/` and `bench/`, kept outside
//!   the repository, beside the checkout as ../shared or named by
//!   `MAPCORE_SHARED`): tests that need it run when it is there (as in CI) and
//!   otherwise print one `skipped:` line and return;
//! * small fixtures the repository ships (tests/fixtures): always there, so
//!   the tests that use them always run.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The shared data folder (holding `conformance/` and `bench/`): the
/// `MAPCORE_SHARED` environment variable, else `shared/` beside an ancestor
/// of the crate (../shared of the checkout, or of a worktree one level
/// deeper). None when it is not there: tests that need it call [`skipped`].
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MAPCORE_SHARED").map(PathBuf::from) {
        if dir.join("conformance").is_dir() {
            return Some(dir);
        }
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().map(|a| a.join("shared")).find(|p| p.join("conformance").is_dir())
}

/// A folder of the shared data (e.g. `conformance/query-tests`), if there.
pub fn shared_path(rel: &str) -> Option<PathBuf> {
    shared_dir().map(|d| d.join(rel)).filter(|p| p.exists())
}

/// Says that a test did not run because `what` (e.g.
/// `../shared/conformance/query-tests`) is missing: one line on stderr,
/// written past the test harness's output capture so that `cargo test`
/// shows it.
pub fn skipped(what: &str) {
    let line = format!("skipped: {what} not found (set MAPCORE_SHARED or put the shared data at ../shared)\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// The repository's test fixtures (tests/fixtures).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// A fixture's bytes; panics when it is missing (fixtures ship with the
/// repository, so a missing one is a broken checkout, never a skip).
pub fn fixture(rel: &str) -> Vec<u8> {
    let path = fixtures_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A scratch folder `mapcore-NAME-PID` in the system's temp folder, made
/// empty when created and removed with its contents when dropped (also when
/// the test fails), so that test runs leave nothing behind. Tests in one
/// process need distinct names.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("mapcore-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot make {}: {e}", dir.display()));
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
