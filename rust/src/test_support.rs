//! Helpers shared by unit tests.

use std::path::PathBuf;

/// The shared data folder (holding `conformance/` and `bench/`): the
/// `MAPCORE_SHARED` environment variable, else `shared/` beside an ancestor
/// of the crate (../shared of the checkout, or of a worktree one level
/// deeper). None when it is not there: tests that need it say "skipped".
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MAPCORE_SHARED").map(PathBuf::from) {
        if dir.join("conformance").is_dir() {
            return Some(dir);
        }
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().map(|a| a.join("shared")).find(|p| p.join("conformance").is_dir())
}
