//! Fuzzing the readers with proptest (the build machine has no nightly toolchain for
//! cargo-fuzz): arbitrary bytes, and valid crawls with bytes flipped, inserted and cut, read as
//! WARC, gzipped WARC, JSON Lines and HTML. Every run must end with one outcome per record
//! and never panic. `PROPTEST_CASES=100000 cargo test --release -p unspin-scan --test
//! hostile_bytes` is the long run (see BENCHMARKS.md); CI runs the default 256 cases.

use std::sync::atomic::AtomicBool;

use proptest::prelude::*;
use unspin_scan::documents::{read_documents, Record};
use unspin_scan::JsonFields;
use unspin_testkit::warc_writer::{html_page, WarcWriter};

/// A valid crawl of three pages, plain or gzipped.
fn crawl(gzip: bool) -> Vec<u8> {
    let mut w = WarcWriter::new(Vec::new(), gzip);
    w.write_info("unspin fuzz").unwrap();
    for n in 0..3 {
        let page = html_page(
            &format!("page {n}"),
            "The council will open an inquiry into the developer, officials said on Tuesday.",
        );
        w.write_response(
            &format!("https://news.example/{n}"),
            "text/html; charset=utf-8",
            page.as_bytes(),
        )
        .unwrap();
    }
    w.finish().unwrap()
}

const JSONL: &str = "{\"id\": 1, \"text\": \"The officers stated on Tuesday.\"}\n{\"id\": \"two\", \"text\": \"A second record.\", \"url\": \"https://a.example/\"}\n";

/// Reads `bytes` saved under `name`; returns how many records came out.
fn read(name: &str, bytes: &[u8]) -> usize {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "fuzz-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let mut records = 0;
    read_documents(
        &[path.to_string_lossy().into_owned()],
        &JsonFields::default(),
        &AtomicBool::new(false),
        &mut |r| {
            match r {
                Record::Document(d) => assert!(!d.text.trim().is_empty() || d.text.is_empty()),
                Record::Skipped { .. } | Record::Malformed { .. } => {}
            }
            records += 1;
            true
        },
    );
    records
}

/// A mutation of `base`: some bytes flipped, a run inserted, a cut.
fn mutated(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = base.len();
    (
        proptest::collection::vec((0..len, any::<u8>()), 0..8),
        proptest::option::of((0..len, proptest::collection::vec(any::<u8>(), 1..64))),
        proptest::option::of(0..len),
    )
        .prop_map(move |(flips, insert, cut)| {
            let mut b = base.clone();
            for (at, x) in flips {
                b[at] ^= x;
            }
            if let Some((at, bytes)) = insert {
                b.splice(at..at, bytes);
            }
            if let Some(at) = cut {
                b.truncate(at.min(b.len()));
            }
            b
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_under_any_name_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096),
        name in prop::sample::select(vec!["x.warc", "x.warc.gz", "x.jsonl", "x.html", "x.txt"]),
    ) {
        read(name, &bytes);
    }

    #[test]
    fn damaged_plain_crawls_are_read_without_panic(bytes in mutated(crawl(false))) {
        read("c.warc", &bytes);
    }

    #[test]
    fn damaged_gzipped_crawls_are_read_without_panic(bytes in mutated(crawl(true))) {
        read("c.warc.gz", &bytes);
    }

    #[test]
    fn damaged_json_lines_give_one_outcome_per_line(bytes in mutated(JSONL.as_bytes().to_vec())) {
        let lines = bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count();
        let records = read("r.jsonl", &bytes);
        // Binary or empty input is one refusal; text gives at most one outcome per line.
        prop_assert!(records <= lines.max(1), "{records} records from {lines} lines");
    }
}

#[test]
fn the_undamaged_fixtures_read_whole() {
    assert_eq!(read("ok.warc", &crawl(false)), 4);
    assert_eq!(read("ok.warc.gz", &crawl(true)), 4);
    assert_eq!(read("ok.jsonl", JSONL.as_bytes()), 2);
}
