//! The analyst page in a real browser: `unspin serve` on a free loopback port, Debian's
//! headless Chromium loads the page with `?demo` (which pastes the bundled example into the
//! text box and presses Analyse, the same code path as a person), and the rendered DOM must
//! show highlighted spun phrases and the restored text. Screenshots at desktop and phone
//! width are kept in `target/artifacts/`.
//!
//! Needs Chromium (`/usr/bin/chromium`, or `CHROMIUM=path`); `scripts/test.sh` installs it.
//! Without it the test says so and passes on a developer's machine, and fails under CI.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `unspin serve` on a free port (with `extra` arguments) and returns it with its
/// base URL.
fn start_server(extra: &[&str]) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("unspin serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("unspin: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    (Server(child), url)
}

/// Runs headless Chromium (`chromium`) on `url` with extra arguments; returns standard
/// output.
fn headless(chromium: &std::path::Path, url: &str, args: &[String]) -> String {
    // One profile per run: Chromium refuses a profile another instance holds, and the tests
    // run in parallel.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("chromium-profile-{}-{run}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            // Virtual time runs the page's scripts and waits for its requests to finish.
            "--virtual-time-budget=30000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_page_highlights_spun_phrases_and_shows_the_restored_text() {
    let Some(chromium) = unspin_testkit::chromium() else {
        return;
    };
    let (_server, base) = start_server(&[]);
    let url = format!("{base}?demo");

    let dom = headless(&chromium, &url, &["--dump-dom".to_string()]);
    assert!(
        dom.contains("data-state=\"done\""),
        "the analysis did not finish:\n{dom}"
    );
    let highlights = dom.matches("<mark class=\"spin").count();
    assert!(
        highlights >= 5,
        "the page shows {highlights} highlighted phrases:\n{dom}"
    );
    assert!(
        dom.contains("Likely original: “said”"),
        "no tooltip for 'stated':\n{dom}"
    );
    assert!(
        dom.contains("<ins title=\"was “stated”\">said</ins>"),
        "restored text not marked:\n{dom}"
    );
    assert!(dom.contains("Spun: probability"), "no verdict:\n{dom}");

    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    for (name, size) in [
        ("serve-desktop.png", "1280,1000"),
        ("serve-phone.png", "390,1400"),
    ] {
        let shot = artifacts.join(name);
        let _ = std::fs::remove_file(&shot);
        headless(
            &chromium,
            &url,
            &[
                format!("--screenshot={}", shot.display()),
                format!("--window-size={size}"),
            ],
        );
        let bytes = std::fs::read(&shot).expect("screenshot written");
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{name} is not a real screenshot"
        );
    }
}

#[test]
fn with_an_index_the_page_sets_the_source_beside_the_copy_with_rewritten_words_marked() {
    let Some(chromium) = unspin_testkit::chromium() else {
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let index = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-index");
    let _ = std::fs::remove_dir_all(&index);
    let added = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args(["index", "add", "--index"])
        .arg(&index)
        .arg(root.join("examples/originals.jsonl"))
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    let (_server, base) = start_server(&["--index", index.to_str().unwrap()]);
    let dom = headless(
        &chromium,
        &format!("{base}?demo"),
        &["--dump-dom".to_string()],
    );
    assert!(
        dom.contains("data-state=\"done\""),
        "the analysis did not finish:\n{dom}"
    );
    assert!(
        dom.contains("<table class=\"aligned\">"),
        "no aligned source:\n{dom}"
    );
    // The example's copy writes "stated" where its source says "said": both sides marked.
    assert!(
        dom.contains("<mark class=\"rewritten copy-side\">stated</mark>"),
        "the copy's rewritten word is not marked:\n{dom}"
    );
    assert!(
        dom.contains("<mark class=\"rewritten source-side\">said</mark>"),
        "the source's word is not marked:\n{dom}"
    );
    assert!(
        dom.contains("of the copy's aligned words were rewritten"),
        "no rewritten share:\n{dom}"
    );
}
