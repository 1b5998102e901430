//! Property: whatever the copy, every aligned passage names byte ranges that slice the copy
//! and the source on character boundaries (restored offsets always map back to the input).

use std::sync::OnceLock;

use proptest::prelude::*;
use unspin_core::Engine;
use unspin_index::{trace, Document, Index};

const SOURCE: &str = "City officials said the war against the rebels would end soon. \\
    The department said the White House had no comment on the talks, which went on for weeks.";

fn engine() -> &'static Engine {
    unspin_testkit::default_engine()
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        // Under target/ (cargo clean removes it), one folder per test process.
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("unspin-index-prop-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let index = Index::create(&dir).unwrap();
        index
            .add_batch(&[Document {
                id: "source".into(),
                url: None,
                title: None,
                text: SOURCE.into(),
            }])
            .unwrap();
        index
    })
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "City",
        "officials",
        "officers",
        "said",
        "stated",
        "the",
        "war",
        "warfare",
        "against",
        "in opposition to",
        "rebels",
        "would",
        "end",
        "finish",
        "soon.",
        "department",
        "division",
        "White",
        "House",
        "Home",
        "had",
        "no",
        "comment",
        "remark",
        "on",
        "talks,",
        "which",
        "went",
        "for",
        "weeks.",
        "é",
        "🙂",
        "—",
        "{that a}",
    ])
    .prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn passages_slice_copy_and_source(words in prop::collection::vec(word(), 0..60)) {
        let copy = words.join(" ");
        let report = trace::trace(engine(), index(), &copy, 3, true).unwrap();
        for s in &report.sources {
            prop_assert!((0.0..=1.0).contains(&s.score));
            prop_assert!((0.0..=1.0).contains(&s.coverage));
            for p in &s.passages {
                prop_assert!(p.copy_start < p.copy_end && p.copy_end <= copy.len());
                prop_assert!(copy.is_char_boundary(p.copy_start) && copy.is_char_boundary(p.copy_end));
                prop_assert!(p.source_start < p.source_end && p.source_end <= SOURCE.len());
                prop_assert!(SOURCE.is_char_boundary(p.source_start));
                prop_assert!(SOURCE.is_char_boundary(p.source_end));
            }
        }
    }
}

/// A copy whose written words single out its source is traced without restoring it, with
/// the same source and passages covering it; a text whose written words share too little is
/// restored first.
#[test]
fn written_words_that_single_out_the_source_skip_the_restore() {
    let copy = SOURCE.replacen("said", "stated", 1);
    let report = trace::trace(engine(), index(), &copy, 3, false).unwrap();
    assert!(!report.restored);
    assert_eq!(report.sources[0].id, "source");
    assert!(report.sources[0].coverage > 0.95, "{:?}", report.sources[0]);
    let unrelated = "Markets fell sharply on Monday as investors weighed the new tariffs.";
    let report = trace::trace(engine(), index(), unrelated, 3, false).unwrap();
    assert!(report.restored);
}

/// Two sources that differ in their last word ("war" and "vote") at a spot the copy spun: its
/// written words cannot tell them apart, so the trace restores the copy there, and only there,
/// and names the one it was made from (which a tie would have put second: ids break ties).
#[test]
fn near_copies_are_told_apart_by_restoring_where_they_differ() {
    let base = "City officials said the war against the rebels would end soon. The department \
        said the White House had no comment on the talks, which went on for weeks. Officials \
        said the city would rebuild the bridge and the school after the";
    let source = format!("{base} war.");
    let near_copy = format!("{base} vote.");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("unspin-index-near-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let index = Index::create(&dir).unwrap();
    let doc = |id: &str, text: &str| Document {
        id: id.into(),
        url: None,
        title: None,
        text: text.into(),
    };
    index
        .add_batch(&[doc("z-source", &source), doc("a-near-copy", &near_copy)])
        .unwrap();
    let copy = source
        .replace("would end soon", "would finish soon")
        .replace("after the war.", "after the warfare.");
    let report = trace::trace(engine(), &index, &copy, 2, false).unwrap();
    assert!(report.restored, "{report:?}");
    assert_eq!(report.sources[0].id, "z-source", "{:?}", report.sources);
    assert!(report.sources[0].score > report.sources[1].score);
    std::fs::remove_dir_all(&dir).unwrap();
}
