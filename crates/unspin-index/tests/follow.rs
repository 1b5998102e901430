//! Restoring from the source (`restore --index`) and reporting the copy (`check --index`).

use unspin_core::check::Verdict;
use unspin_core::restore::ChangeKind;
use unspin_index::follow::analyse_with_index;
use unspin_index::{Document, Index};

const SPUN: &str = include_str!("../../../examples/spun-news.txt");

fn originals() -> Vec<Document> {
    include_str!("../../../examples/originals.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn index(name: &str) -> Index {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("follow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let index = Index::create(&dir).unwrap();
    index.add_batch(&originals()).unwrap();
    index
}

fn source_text() -> String {
    originals()
        .into_iter()
        .find(|d| d.id == "council-inquiry")
        .unwrap()
        .text
}

#[test]
fn a_copy_whose_source_is_indexed_is_restored_to_the_source_s_words() {
    let engine = unspin_testkit::default_engine();
    let a = analyse_with_index(engine, &index("restore"), SPUN).unwrap();
    let followed = a.restoration.source.as_ref().expect("the source is found");
    assert_eq!(followed.copy_of.id, "council-inquiry");
    // Every swap is put back as the source writes it; the spinner's template "{who have}"
    // is cleaned up as the model does it.
    assert_eq!(a.restoration.text.trim_end(), source_text());
    let source = source_text();
    for c in a
        .restoration
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Source)
    {
        let span = c.source.expect("a source change names its source span");
        assert_eq!(
            &source[span.start..span.end],
            c.restored.trim_end(),
            "{c:?}"
        );
        assert_eq!(&SPUN[c.start..c.end], c.spun);
    }
    assert!(followed.changes_from_source >= 8, "{followed:?}");
    let copy = a.copy_of.expect("copy_of is reported");
    assert!(copy.rewritten_share > 0.1, "{copy:?}");
    assert_eq!(a.check.verdict, Verdict::Spun);
}

#[test]
fn the_source_itself_is_a_copy_with_nothing_rewritten_and_nothing_changed() {
    let engine = unspin_testkit::default_engine();
    let text = source_text();
    let a = analyse_with_index(engine, &index("verbatim"), &text).unwrap();
    let copy = a.copy_of.expect("found");
    assert_eq!(copy.rewritten_share, 0.0);
    assert!(
        a.restoration.changes.is_empty(),
        "{:?}",
        a.restoration.changes
    );
    assert_eq!(a.restoration.text, text);
}

#[test]
fn words_the_copy_added_or_left_out_are_taken_out_or_put_back() {
    let engine = unspin_testkit::default_engine();
    let copy = SPUN
        .replace("declined to remark", "declined essentially to remark")
        .replace("in the town had", "in town had");
    let a = analyse_with_index(engine, &index("indels"), &copy).unwrap();
    assert_eq!(a.restoration.text.trim_end(), source_text());
    let r = a.copy_of.unwrap().rewriting;
    assert_eq!((r.insertions, r.deletions), (1, 1), "{r:?}");
}

/// Another version of the same story (written for this project: some sentences shared, others
/// rewritten by hand) is reported as a copy, but neither called spun nor rewritten into the
/// source's words.
#[test]
fn another_version_of_the_story_is_a_copy_but_not_spun() {
    let engine = unspin_testkit::default_engine();
    let text = include_str!("../../../examples/clean-news.txt");
    let a = analyse_with_index(engine, &index("version"), text).unwrap();
    assert_eq!(
        a.copy_of.expect("it shares sentences").id,
        "council-inquiry"
    );
    assert_eq!(a.check.verdict, Verdict::Clean);
    assert!(a.restoration.source.is_none());
    assert_eq!(a.restoration.text, engine.restore(text).text);
}

#[test]
fn without_a_source_the_model_restores_alone() {
    let engine = unspin_testkit::default_engine();
    let text = "Officers stated the warfare in opposition to the rebels would finish quickly, \
                and a spokesperson stated that talks would go on for too lengthy.";
    let a = analyse_with_index(engine, &index("none"), text).unwrap();
    assert!(a.copy_of.is_none() && a.restoration.source.is_none());
    assert_eq!(a.restoration.text, engine.restore(text).text);
}

mod properties {
    use proptest::prelude::*;
    use std::sync::OnceLock;
    use unspin_index::follow::analyse_with_index;
    use unspin_index::{Document, Index};

    /// A source that repeats a passage (so aligned passages can overlap in a copy) and the
    /// bundled originals.
    fn index() -> &'static Index {
        static INDEX: OnceLock<Index> = OnceLock::new();
        INDEX.get_or_init(|| {
            let mut docs = super::originals();
            let repeated = super::source_text();
            docs.push(Document {
                id: "repeats".into(),
                url: None,
                title: None,
                text: format!("{repeated} {repeated}"),
            });
            let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("follow-prop-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let index = Index::create(&dir).unwrap();
            index.add_batch(&docs).unwrap();
            index
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Whatever a copy does to its source (words swapped, dropped, added, passages
        /// repeated), the changes never overlap, each slices the copy exactly, and applying
        /// them gives the restored text.
        #[test]
        fn changes_tile_the_copy(
            edits in prop::collection::vec((0usize..80, 0u8..3, "[a-z]{1,8}"), 0..30),
            twice in any::<bool>(),
        ) {
            let source = super::source_text();
            let mut words: Vec<String> = source.split(' ').map(str::to_owned).collect();
            for (at, op, word) in edits {
                let at = at % (words.len() + 1);
                match op {
                    0 if at < words.len() => words[at] = word,
                    1 if at < words.len() => { words.remove(at); }
                    _ => words.insert(at, word),
                }
            }
            let mut copy = words.join(" ");
            if twice {
                copy = format!("{copy}\n\n{copy}");
            }
            let a = analyse_with_index(unspin_testkit::default_engine(), index(), &copy).unwrap();
            let mut at = 0;
            for c in &a.restoration.changes {
                prop_assert!(c.start >= at && c.end >= c.start && c.end <= copy.len(), "{c:?}");
                prop_assert_eq!(&copy[c.start..c.end], c.spun.as_str());
                at = c.end;
            }
            let rebuilt = unspin_core::restore::apply(&copy, &a.restoration.changes);
            prop_assert_eq!(rebuilt, a.restoration.text);
        }
    }
}
