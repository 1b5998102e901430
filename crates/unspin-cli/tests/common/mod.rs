//! Helpers shared by the end-to-end tests.

use std::path::PathBuf;

/// `../shared/data/wild-dev/` beside the repository (read there, never copied); fails with a
/// clear message when it is missing.
pub fn wild_dev() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/wild-dev"
    ));
    assert!(
        dir.join("index.tsv").exists(),
        "wild-dev data not found at {}: the repository expects ../shared/ beside it",
        dir.display()
    );
    dir
}
