//! End to end on real spun copies in `../shared/data/wild-dev/` (read there, never copied).
//! Fails when the share of damage undone drops below the floors in `tests/floors.json`, or when
//! a clean article gets more than one change per 200 words; and checks that `unspin check`
//! flags every thesaurus-spinner copy and passes every clean article.

use std::path::PathBuf;
use std::process::Command;

mod common;

use common::wild_dev;

fn run(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn damage_undone_stays_above_its_floors() {
    let Some(dir) = wild_dev() else {
        return;
    };
    let floors: serde_json::Value =
        serde_json::from_str(include_str!("floors.json")).expect("floors.json parses");
    for (id, floor) in floors["damage_undone"].as_object().unwrap() {
        let p = |suffix: &str| {
            dir.join(format!("{id}.{suffix}.txt"))
                .to_string_lossy()
                .into_owned()
        };
        let r = run(&[
            "score",
            "--original",
            &p("orig"),
            "--spun",
            &p("spun"),
            "--json",
        ]);
        let undone = r["damage_undone"].as_f64().unwrap();
        eprintln!(
            "{id}: WER spun {} restored {} undone {undone:.3}",
            r["wer_spun"], r["wer_restored"]
        );
        assert!(
            undone >= floor.as_f64().unwrap(),
            "{id}: damage undone {undone:.3} below floor {floor}"
        );
    }
}

#[test]
fn clean_articles_are_barely_touched() {
    let Some(dir) = wild_dev() else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".clean.txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let r = run(&["restore", "--json", f.to_str().unwrap()]);
        let changed: usize = r["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| unspin_core::wer::wer_tokens(c["spun"].as_str().unwrap()).len())
            .sum();
        let words = unspin_core::wer::wer_tokens(&text).len();
        assert!(
            changed * 200 <= words,
            "{}: {changed} changed words in {words}",
            f.display()
        );
    }
}

#[test]
fn check_flags_thesaurus_copies_and_passes_clean_articles() {
    let Some(dir) = wild_dev() else {
        return;
    };
    let index = std::fs::read_to_string(dir.join("index.tsv")).unwrap();
    let mut expected: Vec<(PathBuf, bool)> = Vec::new();
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (id, notes) = (cols[0], cols.last().copied().unwrap_or(""));
        if notes.starts_with("style=thesaurus") {
            expected.push((dir.join(format!("{id}.spun.txt")), true));
        } else if notes.starts_with("clean") {
            expected.push((dir.join(format!("{id}.clean.txt")), false));
        }
    }
    assert!(expected.iter().filter(|e| e.1).count() >= 3);
    assert!(expected.iter().filter(|e| !e.1).count() >= 5);
    for (path, spun) in expected {
        let out = Command::new(env!("CARGO_BIN_EXE_unspin"))
            .args(["check", "--json", path.to_str().unwrap()])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        eprintln!("{}: {} {}", path.display(), v["verdict"], v["probability"]);
        let want = if spun { "spun" } else { "clean" };
        assert_eq!(v["verdict"], want, "{}", path.display());
        assert_eq!(out.status.code(), Some(if spun { 0 } else { 1 }));
    }
}

#[test]
fn with_the_sources_indexed_each_copy_is_traced_restored_and_reported() {
    let Some(dir) = wild_dev() else {
        return;
    };
    let index = std::env::temp_dir().join(format!("unspin-wild-trace-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&index);
    let mut originals: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".orig.txt"))
        .collect();
    originals.sort();
    assert!(originals.len() >= 4);
    let own = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/originals.jsonl"
    );
    let mut args = vec!["index", "add", "--index", index.to_str().unwrap(), own];
    args.extend(originals.iter().map(String::as_str));
    let out = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for orig in &originals {
        let spun = orig.replace(".orig.txt", ".spun.txt");
        let r = run(&["trace", "--json", "--index", index.to_str().unwrap(), &spun]);
        let best = &r["sources"][0];
        eprintln!(
            "{spun}: {} score {} coverage {}",
            best["id"], best["score"], best["coverage"]
        );
        assert_eq!(best["id"].as_str(), Some(orig.as_str()), "{spun}");

        // With the index, restore follows the source and check reports the copy: the
        // synonym-spun copies come back nearly whole, and the round-trip translation (001),
        // which the model alone calls clean, is a rewritten copy.
        let restored = run(&[
            "restore",
            "--json",
            "--index",
            index.to_str().unwrap(),
            &spun,
        ]);
        assert_eq!(
            restored["source"]["id"].as_str(),
            Some(orig.as_str()),
            "{spun}"
        );
        let restored_file = index.join("restored.txt");
        std::fs::write(&restored_file, restored["text"].as_str().unwrap()).unwrap();
        let score = run(&[
            "score",
            "--json",
            "--original",
            orig,
            "--spun",
            &spun,
            "--restored",
            restored_file.to_str().unwrap(),
        ]);
        let undone = score["damage_undone"].as_f64().unwrap();
        eprintln!("{spun}: with the index, damage undone {undone:.3}");
        let check = run(&["check", "--json", "--index", index.to_str().unwrap(), &spun]);
        assert_eq!(check["verdict"], "spun", "{spun}: {check}");
        if orig.ends_with("001.orig.txt") {
            assert!(
                check["probability"].as_f64().unwrap() < 0.5,
                "control: {check}"
            );
            assert!(undone >= 0.5, "{spun}: {undone:.3}");
        } else {
            assert!(
                undone >= 0.9,
                "{spun}: damage undone {undone:.3} with the source indexed"
            );
        }
    }
    std::fs::remove_dir_all(&index).unwrap();
}
