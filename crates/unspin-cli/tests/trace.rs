//! `unspin index` and `unspin trace` as a user runs them, including an add killed mid-way.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn unspin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args(args)
        .output()
        .expect("unspin runs")
}

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A scratch folder, removed when the guard drops (also when the test fails).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

fn scratch(name: &str) -> Scratch {
    let d = std::env::temp_dir().join(format!("unspin-trace-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Scratch(d)
}

fn stats(index: &Path) -> serde_json::Value {
    let out = unspin(&["index", "stats", "--index", index.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn add_is_deduplicated_and_trace_finds_and_aligns_the_source() {
    let dir = scratch("basic");
    let index = dir.join("idx");
    let idx = index.to_str().unwrap();
    let originals = example("originals.jsonl");
    assert!(unspin(&["index", "add", &originals, "--index", idx])
        .status
        .success());
    assert_eq!(stats(&index)["documents"], 3);
    let again = unspin(&["index", "add", &originals, "--index", idx]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("3 duplicates skipped"));
    assert_eq!(stats(&index)["documents"], 3);

    let out = unspin(&[
        "trace",
        "--pairs",
        "-k",
        "2",
        "--index",
        idx,
        &example("spun-news.txt"),
    ]);
    assert!(out.status.success());
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());

    let out = unspin(&["trace", "--json", "--index", idx, &example("spun-news.txt")]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let best = &v["sources"][0];
    assert_eq!(best["id"], "council-inquiry");
    assert!(best["coverage"].as_f64().unwrap() > 0.9);
    // Passage offsets slice both texts on character boundaries.
    let copy = std::fs::read_to_string(example("spun-news.txt")).unwrap();
    for p in best["passages"].as_array().unwrap() {
        let (s, e) = (
            p["copy_start"].as_u64().unwrap(),
            p["copy_end"].as_u64().unwrap(),
        );
        assert!(copy.get(s as usize..e as usize).is_some());
    }
}

#[test]
fn bad_records_are_reported_and_skipped() {
    let dir = scratch("bad");
    let input = dir.join("mixed.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"ok-1\", \"text\": \"a perfectly good article about the harbour\"}\n\
         {this is not json}\n\
         {\"id\": 7, \"text\": \"numeric ids are kept as their JSON text\"}\n",
    )
    .unwrap();
    let index = dir.join("idx");
    let out = unspin(&[
        "index",
        "add",
        input.to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mixed.jsonl:2"), "{err}");
    assert_eq!(stats(&index)["documents"], 2);
}

#[test]
fn missing_and_damaged_indexes_are_clear_errors() {
    let dir = scratch("damaged");
    let out = unspin(&[
        "trace",
        "--index",
        dir.join("nowhere").to_str().unwrap(),
        &example("spun-news.txt"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no index at"));
    std::fs::write(
        dir.join(unspin_index::FILE_NAME),
        b"garbage, not a database",
    )
    .unwrap();
    let out = unspin(&[
        "trace",
        "--index",
        dir.to_str().unwrap(),
        &example("spun-news.txt"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("index.redb"), "{err}");
}

/// Writes `n` distinct documents of about 120 words as JSON Lines.
fn many_documents(path: &Path, n: usize) {
    use std::io::Write;
    let words = [
        "council", "river", "school", "market", "budget", "hospital", "election", "bridge",
        "teacher", "harbour", "factory", "museum", "railway", "library", "festival", "court",
    ];
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let text: Vec<String> = (0..120)
            .map(|j| {
                format!(
                    "{}{}",
                    words[(i * 7 + j * 13) % words.len()],
                    (i * 31 + j) % 97
                )
            })
            .collect();
        writeln!(
            f,
            "{}",
            serde_json::json!({"id": format!("doc-{i}"), "text": text.join(" ")})
        )
        .unwrap();
    }
}

#[test]
fn an_add_killed_mid_way_leaves_whole_batches_only() {
    let dir = scratch("kill");
    let input = dir.join("many.jsonl");
    let total = 40_000;
    many_documents(&input, total);
    let index = dir.join("idx");
    let mut child = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args([
            "index",
            "add",
            input.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
            "--batch",
            "500",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some batches have been written, then kill without warning.
    let file = index.join(unspin_index::FILE_NAME);
    let started = std::time::Instant::now();
    while std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) < 4 << 20 {
        assert!(started.elapsed().as_secs() < 120, "the add never got going");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the add ended ({status}) before it could be killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        still_running,
        "the add finished before it could be killed; make the input larger"
    );

    let opened = unspin_index::Index::open(&index).expect("a killed add leaves the index openable");
    let kept = opened.verify().expect("nothing half-written");
    assert_eq!(kept % 500, 0, "only whole batches survive: {kept}");
    assert!((kept as usize) < total);
    drop(opened);

    // Running the add again completes it, skipping what was kept.
    let out = unspin(&[
        "index",
        "add",
        input.to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let opened = unspin_index::Index::open(&index).unwrap();
    assert_eq!(opened.verify().unwrap(), total as u64);
}

/// `index add` reads what `scan` reads: a WARC of pages is indexed by the pages' main text,
/// with their URLs and titles, and a copy traces back to the page.
#[test]
fn a_crawl_of_originals_is_indexed_by_its_pages_main_text() {
    use unspin_testkit::warc_writer::{html_page, WarcWriter};
    let dir = scratch("warc");
    let warc = dir.join("originals.warc.gz");
    let originals = std::fs::read_to_string(example("originals.jsonl")).unwrap();
    let mut w = WarcWriter::new(std::fs::File::create(&warc).unwrap(), true);
    let mut pages = 0;
    for line in originals.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let page = html_page(
            v["title"].as_str().unwrap_or("untitled"),
            v["text"].as_str().unwrap(),
        );
        let url = format!("https://news.example/{}", v["id"].as_str().unwrap());
        w.write_response(&url, "text/html; charset=utf-8", page.as_bytes())
            .unwrap();
        pages += 1;
    }
    w.finish().unwrap();
    let index = dir.join("idx");
    let out = unspin(&[
        "index",
        "add",
        warc.to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stats(&index)["documents"], pages);
    let out = unspin(&[
        "trace",
        "--json",
        "--index",
        index.to_str().unwrap(),
        &example("spun-news.txt"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let best = &report["sources"][0];
    assert!(
        best["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://news.example/")),
        "{report}"
    );
    assert!(best["score"].as_f64().unwrap() > 0.3, "{report}");
}

#[test]
fn asking_for_no_sources_is_refused() {
    let dir = scratch("k0");
    let out = unspin(&[
        "trace",
        "-k",
        "0",
        "--index",
        dir.to_str().unwrap(),
        &example("spun-news.txt"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1..=100"), "{err}");
}

/// A word the copy inserted ("the most" -> "essentially the most") is listed among the pairs
/// with the aligned word after it, and, in JSON, with the one before it too.
#[test]
fn pairs_list_a_word_the_copy_inserted_with_its_neighbours() {
    let dir = scratch("inserted");
    let index = dir.join("idx");
    let source = "The council said on Tuesday that the inquiry into the developer is the most \
                  important case of the year, and that the talks with residents would go on \
                  until the end of the summer.";
    let copy = "The council stated on Tuesday that the inquiry into the developer is essentially \
                the most important case of the year, and that the talks with residents would go \
                on until the end of the summer.";
    let sources = dir.join("sources.jsonl");
    let line = serde_json::json!({"id": "inquiry", "text": source});
    std::fs::write(&sources, format!("{line}\n")).unwrap();
    let copy_file = dir.join("copy.txt");
    std::fs::write(&copy_file, copy).unwrap();
    let idx = index.to_str().unwrap();
    assert!(
        unspin(&["index", "add", sources.to_str().unwrap(), "--index", idx])
            .status
            .success()
    );
    let out = unspin(&[
        "trace",
        "--json",
        "--pairs",
        "--index",
        idx,
        copy_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pairs = v["sources"][0]["pairs"].as_array().unwrap();
    let inserted = serde_json::json!({"source": "the", "copy": "essentially the",
        "widened_left": ["is", "is essentially"]});
    assert!(pairs.contains(&inserted), "{pairs:?}");
    // A substitution has no widened side.
    let said = serde_json::json!({"source": "said", "copy": "stated"});
    assert!(pairs.contains(&said), "{pairs:?}");
}
