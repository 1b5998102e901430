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
