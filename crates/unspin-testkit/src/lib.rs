//! Helpers shared by unspin's tests and benchmarks (a dev-only crate, never in a release
//! binary): the default model and one engine over it, the WARC writer for fixtures and
//! synthetic crawls, and the one rule for what a test needs from outside the repository.
//!
//! That rule: data in `../shared/`, Chromium and the package registries are not in the
//! repository. On a developer's machine a test whose requirement is missing prints
//! `skipped: ...` with what is missing and how to get it, and passes; with `CI=true` it fails
//! with the same message, so CI can never pass by skipping.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use unspin_core::{Engine, Model};

pub mod warc_writer;

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The committed default model.
pub fn default_model_path() -> PathBuf {
    repo_root().join("models/en-default.unspin")
}

/// The default model (no spinner table), loaded once per test process.
pub fn default_model() -> &'static Arc<Model> {
    static MODEL: OnceLock<Arc<Model>> = OnceLock::new();
    MODEL.get_or_init(|| {
        Arc::new(Model::open(&default_model_path()).expect("the default model loads"))
    })
}

/// One engine over [`default_model`], shared by a test process's tests.
pub fn default_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(default_model().clone()))
}

/// Whether this run is CI's (`CI` set to anything but `false` or empty).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// Applies the rule for a requirement from outside the repository: `true` when it is met;
/// otherwise a message naming `what` is missing and `how` to get it, and `false` (the
/// caller returns, the test passes) on a developer's machine, a panic under CI.
pub fn require(met: bool, what: &str, how: &str) -> bool {
    if met {
        return true;
    }
    let message = format!("{what} is missing: {how}");
    assert!(!under_ci(), "{message} (CI=true: nothing may be skipped)");
    eprintln!("skipped: {message}");
    false
}

/// A folder of `../shared/data/` beside the repository (read there, never copied), or
/// `None` after [`require`]'s message.
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let dir = repo_root().join("../shared/data").join(name);
    require(
        dir.is_dir(),
        &dir.display().to_string(),
        "the tests expect ../shared/ beside the repository",
    )
    .then_some(dir)
}

/// The Chromium binary (`CHROMIUM`, else `/usr/bin/chromium`), or `None` after
/// [`require`]'s message.
pub fn chromium() -> Option<PathBuf> {
    let path =
        PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    require(
        path.is_file(),
        &format!("Chromium at {}", path.display()),
        "run scripts/test.sh (it installs Debian's chromium) or set CHROMIUM",
    )
    .then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_met_requirement_is_met_and_a_missing_one_is_not() {
        assert!(require(true, "x", "y"));
        if !under_ci() {
            assert!(!require(false, "a thing", "get it"));
        } else {
            let caught = std::panic::catch_unwind(|| require(false, "a thing", "get it"));
            assert!(caught.is_err(), "under CI a missing requirement fails");
        }
    }
}
