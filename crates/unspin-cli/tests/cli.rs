//! The `unspin` command as a user runs it: output snapshots, exit codes, bad input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn unspin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unspin runs");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(data) = stdin {
        // A refused input may close the pipe early; that is fine.
        let _ = pipe.write_all(data);
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn example() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/spun-news.txt").to_owned()
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("unspin-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn restore_example_diff() {
    let out = unspin(&["restore", "--diff", &example()], None);
    assert!(out.status.success());
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn restore_example_json() {
    let out = unspin(&["restore", "--json", &example()], None);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    insta::assert_json_snapshot!(v["changes"]);
}

#[test]
fn restore_reads_standard_input() {
    let out = unspin(&["restore"], Some("He denied {that a} change.".as_bytes()));
    assert!(out.status.success());
    assert_eq!(out.stdout, b"He denied that a change.");
}

fn assert_refused(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(2), "exit status");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "stderr {err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_inputs_are_refused_with_their_name() {
    let empty = temp_file("empty.txt", b"");
    assert_refused(
        &unspin(&["restore", empty.to_str().unwrap()], None),
        "empty.txt is empty",
    );
    let binary = temp_file("blob.bin", b"\x7fELF\x00\x01\x02");
    assert_refused(
        &unspin(&["restore", binary.to_str().unwrap()], None),
        "blob.bin looks binary",
    );
    let latin1 = temp_file("latin1.txt", b"caf\xe9 au lait");
    assert_refused(
        &unspin(&["restore", latin1.to_str().unwrap()], None),
        "latin1.txt is not valid UTF-8 (first bad byte at offset 3)",
    );
    assert_refused(
        &unspin(&["restore", "/no/such/file.txt"], None),
        "cannot open /no/such/file.txt",
    );
    assert_refused(&unspin(&["restore"], Some(b"")), "standard input is empty");
}

#[test]
fn a_100_mb_single_line_is_refused_without_reading_it_all() {
    let line = vec![b'a'; 100 << 20];
    let big = temp_file("huge.txt", &line);
    drop(line);
    assert_refused(
        &unspin(&["restore", big.to_str().unwrap()], None),
        "huge.txt is larger than 16 MiB",
    );
    std::fs::remove_file(big).unwrap();
}

#[test]
fn corrupt_models_are_refused() {
    let garbage = temp_file("garbage.unspin", b"this is not a model");
    assert_refused(
        &unspin(
            &["--model", garbage.to_str().unwrap(), "restore", &example()],
            None,
        ),
        "not an unspin model file",
    );
    let real = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/en-default.unspin"
    ))
    .unwrap();
    let truncated = temp_file("truncated.unspin", &real[..real.len() / 2]);
    assert_refused(
        &unspin(
            &[
                "--model",
                truncated.to_str().unwrap(),
                "restore",
                &example(),
            ],
            None,
        ),
        "corrupt model",
    );
}

#[test]
fn score_reports_damage_undone() {
    let orig = temp_file("orig.txt", b"The war ended.");
    let spun = temp_file("spun.txt", b"The warfare ended.");
    let restored = temp_file("restored.txt", b"The war ended.");
    let out = unspin(
        &[
            "score",
            "--original",
            orig.to_str().unwrap(),
            "--spun",
            spun.to_str().unwrap(),
            "--restored",
            restored.to_str().unwrap(),
            "--json",
        ],
        None,
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["wer_spun"], 0.25);
    assert_eq!(v["wer_restored"], 0.0);
    assert_eq!(v["damage_undone"], 1.0);
}

fn clean_example() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/clean-news.txt").to_owned()
}

#[test]
fn check_flags_the_spun_example_and_exits_zero() {
    let out = unspin(&["check", &example()], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let text = text.replace(&example(), "examples/spun-news.txt");
    insta::assert_snapshot!(text);
}

#[test]
fn check_passes_the_clean_example_and_exits_one() {
    let out = unspin(&["check", &clean_example()], None);
    assert_eq!(out.status.code(), Some(1), "grep-like: nothing spun");
    assert!(String::from_utf8_lossy(&out.stdout).contains(": clean (probability"));
}

#[test]
fn check_json_lines_one_object_per_input() {
    let out = unspin(&["check", "--json", &clean_example(), &example()], None);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["verdict"], "clean");
    assert_eq!(lines[1]["verdict"], "spun");
    let p = lines[1]["probability"].as_f64().unwrap();
    assert!(p > 0.9 && p <= 1.0, "{p}");
    // Evidence offsets slice the input at the phrase they name.
    let input = std::fs::read_to_string(example()).unwrap();
    for e in lines[1]["evidence"].as_array().unwrap() {
        let (s, t) = (e["start"].as_u64().unwrap(), e["end"].as_u64().unwrap());
        assert_eq!(&input[s as usize..t as usize], e["spun"].as_str().unwrap());
    }
}

#[test]
fn check_reports_an_unreadable_file_and_goes_on() {
    let missing = temp_file("present.txt", b"x").with_file_name("missing.txt");
    let out = unspin(
        &["check", "--json", missing.to_str().unwrap(), &example()],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an error makes the exit status 2"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing.txt"), "{err}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains("\"error\""));
    assert!(lines[1].contains("\"verdict\":\"spun\""));
}

#[test]
fn check_says_too_short_for_a_sentence() {
    let out = unspin(
        &["check"],
        Some("Officers stated the warfare is over.".as_bytes()),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("too short to tell"));
}

#[test]
fn check_refuses_binary_input() {
    let out = unspin(&["check"], Some(b"\x00\x01binary"));
    assert_refused(&out, "standard input");
}

#[test]
fn a_neural_model_not_fetched_is_an_error_naming_the_script_that_fetches_it() {
    // An empty cache folder: neither model's weights, nor Gemma's terms.
    let cache = std::env::temp_dir().join(format!("unspin-cli-empty-cache-{}", std::process::id()));
    std::fs::create_dir_all(&cache).unwrap();
    for lm in ["smollm2", "gemma"] {
        let out = Command::new(env!("CARGO_BIN_EXE_unspin"))
            .args(["--lm", lm, "restore", &example()])
            .env("UNSPIN_CACHE", &cache)
            .output()
            .expect("unspin runs");
        assert!(!out.status.success(), "--lm {lm} ran without its weights");
        assert!(out.stdout.is_empty(), "--lm {lm}: nothing restored");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let script = format!("scripts/fetch-neural-lm.sh {lm}");
        assert!(stderr.contains(&script), "--lm {lm}: {stderr}");
    }
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn check_under_a_neural_model_reports_its_say_in_text_and_json() {
    let path = unspin_neural::known_path("smollm2").expect("a known name");
    if !unspin_testkit::require(
        path.is_file(),
        &path.display().to_string(),
        "run scripts/fetch-neural-lm.sh",
    ) {
        return;
    }
    let out = unspin(&["--lm", "smollm2", "check", &example()], None);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(": SPUN (probability"), "{text}");
    assert!(
        text.contains("smollm2 reads the evidence's originals better by"),
        "{text}"
    );
    let out = unspin(&["--lm", "smollm2", "check", "--json", &example()], None);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["neural"]["lm"], "smollm2");
    assert!(report["neural"]["agreement"].as_f64().unwrap() > 0.0);
    // Without the model, the report says nothing of one.
    let out = unspin(&["check", "--json", &example()], None);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report.get("neural").is_none(), "{report}");
}
