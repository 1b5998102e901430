//! Helpers shared by the end-to-end tests.

use std::path::PathBuf;

/// `../shared/data/wild-dev/` beside the repository (read there, never copied), or `None`
/// after saying it is missing (a failure under CI: see `unspin_testkit::require`).
pub fn wild_dev() -> Option<PathBuf> {
    unspin_testkit::shared_data("wild-dev")
}
