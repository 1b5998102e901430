//! Each record is analysed once: prepared once, checked once, and restored (from the same
//! prepared document, with the same check report) only when it is spun.

use unspin_core::check::Verdict;
use unspin_core::Engine;
use unspin_scan::source::{Body, Item, RawDocument};
use unspin_scan::{Analyser, Locator, Outcome};

const SPUN: &str = include_str!("../../../examples/spun-news.txt");
const CLEAN: &str = include_str!("../../../examples/clean-news.txt");

fn record(name: &str, text: &str) -> Item {
    Item::Document(RawDocument {
        at: Locator {
            input: name.to_owned(),
            offset: None,
            line: None,
        },
        url: None,
        id: Some(name.to_owned()),
        title: None,
        body: Body::Text(text.to_owned()),
    })
}

#[test]
fn a_scan_record_is_prepared_checked_and_restored_at_most_once() {
    let engine = Engine::new(unspin_testkit::default_model().clone());
    let analyser = Analyser::new(&engine, None);
    let texts = [SPUN, CLEAN, SPUN, CLEAN, CLEAN];
    let mut spun = 0;
    for (i, text) in texts.iter().enumerate() {
        match analyser.analyse(record(&format!("r{i}"), text)) {
            Outcome::Report(r) => spun += usize::from(r.verdict == Verdict::Spun),
            other => panic!("record {i} was not analysed: {other:?}"),
        }
    }
    assert_eq!(spun, 2, "the spun example is spun and the clean one is not");
    let counts = engine.counts();
    assert_eq!(counts.prepared, texts.len() as u64);
    assert_eq!(counts.checked, texts.len() as u64);
    assert_eq!(
        counts.restored, spun as u64,
        "only spun pages are restored (for families)"
    );
}

#[test]
fn with_an_index_every_record_is_still_prepared_checked_and_restored_once() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("scan-once-index-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let index = unspin_index::Index::create(&dir).unwrap();
    let originals: Vec<unspin_index::Document> = include_str!("../../../examples/originals.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    index.add_batch(&originals).unwrap();
    let engine = Engine::new(unspin_testkit::default_model().clone());
    let analyser = Analyser::new(&engine, Some(&index));
    let texts = [SPUN, CLEAN, SPUN];
    for (i, text) in texts.iter().enumerate() {
        match analyser.analyse(record(&format!("r{i}"), text)) {
            Outcome::Report(r) if *text == SPUN => {
                let source = r.source.expect("the spun example's source is indexed");
                assert_eq!(source.id, "council-inquiry");
                assert!(
                    source.rewritten_share.is_some_and(|s| s > 0.1),
                    "{source:?}"
                );
            }
            Outcome::Report(_) => {}
            other => panic!("record {i} was not analysed: {other:?}"),
        }
    }
    let counts = engine.counts();
    let n = texts.len() as u64;
    assert_eq!(
        (counts.prepared, counts.checked, counts.restored),
        (n, n, n)
    );
}
