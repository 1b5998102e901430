//! The default model and spinner table, compiled into the program.
//!
//! The model is compiled in as a prepared image (see `build.rs`): uncompressed, with its
//! indexes and tables already built and every array aligned, so [`default_model`] reads it in
//! place, in about two milliseconds, instead of inflating and building ~90 MB (a third of a
//! second) on every start. The image costs the program's file size, not memory: the operating
//! system pages in only what a run reads, and shares those pages between processes.

use unspin_core::container::ModelError;
use unspin_core::spinner::SpinnerTable;
use unspin_core::Model;

/// Bytes aligned to a cache line ([`unspin_core::container::CACHE_LINE`]), so that the image's
/// aligned sections are aligned in memory too and can be read in place as arrays of `u32`,
/// `u64` and `f32`, and its cache-line-aligned tables start on a line.
#[repr(C, align(64))]
struct Aligned<Bytes: ?Sized>(Bytes);

/// The prepared image of `models/en-default.unspin` (built by `scripts/build-model.sh` from
/// open sources, see `models/NOTICE`).
static DEFAULT_IMAGE: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("OUT_DIR"),
    "/en-default.image"
)));

/// The spinner table of the family seen most in the wild (wild-train's thesaurus-A pages),
/// learned without originals by `scripts/build-spinner.sh`.
static DEFAULT_SPINNER: &[u8] = include_bytes!("../../../models/en-thesaurus-a.spinner");

/// The default model, without spinner tables.
pub fn default_model() -> Result<Model, ModelError> {
    Model::from_static(&DEFAULT_IMAGE.0)
}

/// Whether the system grants large pages to a process that asks for them: Linux with
/// transparent huge pages not set to `never`. Where it does not, moving the model's tables
/// ([`prepare_for_much_text`]) would only copy them.
pub fn large_pages_granted() -> bool {
    // The file reads like "always [madvise] never", the mode in force in brackets.
    std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
        .is_ok_and(|modes| !modes.contains("[never]"))
}

/// Makes `model` ready for a process that will check or restore much text (a crawl, a learning
/// run, a large file, a batch from Python): the tables its look-ups probe at random are moved
/// to large pages where the system grants them ([`Model::move_tables_to_large_pages`]).
/// Changes no result.
pub fn prepare_for_much_text(model: &mut Model) {
    if large_pages_granted() {
        model.move_tables_to_large_pages();
    }
}

/// The default spinner table.
pub fn default_spinner() -> Result<SpinnerTable, ModelError> {
    SpinnerTable::from_bytes(DEFAULT_SPINNER)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The image reads as the model file it was prepared from: same vocabulary, lexicon and
    /// weights, and the same restoration of a spun sentence.
    #[test]
    fn the_prepared_image_is_the_committed_model() {
        let image = default_model().expect("the image loads");
        let file = Model::from_bytes(include_bytes!("../../../models/en-default.unspin"))
            .expect("the file loads");
        assert_eq!(image.manifest, file.manifest);
        assert_eq!(image.lexicon.len(), file.lexicon.len());
        assert_eq!(image.lexicon.edge_count(), file.lexicon.edge_count());
        assert_eq!(image.lm.vocab_len(), file.lm.vocab_len());
        assert_eq!(
            serde_json::to_string(&image.weights).unwrap(),
            serde_json::to_string(&file.weights).unwrap()
        );
        let spun =
            "Officers stated the value of gasoline rose essentially the most in a 12 months.";
        let restore = |m: Model| unspin_core::Engine::new(std::sync::Arc::new(m)).restore(spun);
        let (a, b) = (restore(image), restore(file));
        assert_eq!(a.text, b.text);
        assert_ne!(a.text, spun, "the sentence is restored at all");
    }

    /// A model whose tables moved to large pages checks and restores as the image read in
    /// place does: same probability and evidence, same restoration and changes.
    #[test]
    fn tables_in_large_pages_change_no_result() {
        let text = include_str!("../../../examples/spun-news.txt");
        let engine = |move_tables: bool| {
            let mut model = default_model().expect("the image loads");
            model.add_spinner(&default_spinner().expect("the table loads"));
            if move_tables {
                model.move_tables_to_large_pages();
            }
            unspin_core::Engine::new(std::sync::Arc::new(model))
        };
        let (in_place, moved) = (engine(false), engine(true));
        let (a, b) = (in_place.analyse(text), moved.analyse(text));
        assert_eq!(a.check.probability, b.check.probability);
        assert_eq!(a.check.evidence, b.check.evidence);
        assert_eq!(a.restoration.text, b.restoration.text);
        assert_eq!(a.restoration.changes.len(), b.restoration.changes.len());
        assert!(
            !a.restoration.changes.is_empty(),
            "the example is restored at all"
        );
    }

    /// The candidate lists stored in the image are exactly what the model file computes for
    /// those words and phrases (every 50th word of the vocabulary and a few a spinner rewrites;
    /// every 100th multi-word window and a few phrasal verbs), a word without a list has no
    /// candidate, a phrase without one has a list the limit did not cut, and other weights do
    /// not use them.
    #[test]
    fn the_precomputed_lists_are_what_the_file_computes() {
        let image = default_model().expect("the image loads");
        let file = Model::from_bytes(include_bytes!("../../../models/en-default.unspin"))
            .expect("the file loads");
        assert!(
            file.precomputed.is_none(),
            "a model file is never trusted with them"
        );
        let lists = image.precomputed.as_ref().expect("the image has the lists");
        assert!(lists.ranked_with(&image.weights));
        eprintln!("{} words have a stored list", lists.len());
        assert!(lists.len() > 10_000, "{} words", lists.len());
        let weights = &file.weights;
        let mut words: Vec<String> = (0..file.lm.vocab_len())
            .step_by(50)
            .map(|id| file.lm.word(id as u32).to_owned())
            .collect();
        words.extend(["stated", "value", "officers", "merchants", "essentially"].map(String::from));
        let mut with_list = 0;
        for word in &words {
            if unspin_core::text::normalise_word(word) != *word {
                continue;
            }
            let computed =
                unspin_core::document::channel_candidates(&file, weights, 0, &[word], word);
            match lists.get(word, 0, &image.lexicon) {
                Some(stored) => {
                    assert_eq!(stored, computed, "{word}");
                    with_list += 1;
                }
                None => assert!(computed.is_empty(), "{word} has candidates but no list"),
            }
        }
        assert!(
            with_list > 100,
            "{with_list} of {} sampled words",
            words.len()
        );
        let mut windows: Vec<String> = file
            .lexicon
            .multi_word_windows(unspin_core::candidates::MAX_SPAN)
            .into_iter()
            .step_by(100)
            .collect();
        windows
            .extend(["taken up", "passed over", "carried on", "in a single day"].map(String::from));
        let (mut stored_phrases, mut computed_phrases) = (0, 0);
        for phrase in &windows {
            let slice: Vec<&str> = phrase.split(' ').collect();
            let computed =
                unspin_core::document::channel_candidates(&file, weights, 0, &slice, phrase);
            match lists.get(phrase, 0, &image.lexicon) {
                Some(stored) => {
                    assert_eq!(stored, computed, "{phrase}");
                    stored_phrases += 1;
                }
                None => {
                    assert!(
                        computed.len() < weights.candidate_limit,
                        "{phrase} has no list"
                    );
                    computed_phrases += 1;
                }
            }
        }
        assert!(
            stored_phrases > 50 && computed_phrases > 1000,
            "{stored_phrases} phrases with a list, {computed_phrases} without, of {}",
            windows.len()
        );
        let mut other = image.weights.clone();
        other.set("candidate_limit=30").unwrap();
        assert!(!lists.ranked_with(&other));
        // The decoder's settings do not rank candidates: setting them keeps the lists.
        let mut decoder = image.weights.clone();
        decoder.set("beam=4").unwrap();
        decoder.set("first_pass_width=3").unwrap();
        assert!(lists.ranked_with(&decoder));
    }

    /// The two-word filter of the document layer never skips a window that has candidates:
    /// every window of two to four words of the bundled examples, every 13th multi-word
    /// lexicon phrase with its first word in each inflection and its last in each, and every
    /// multi-word phrase of the embedded spinner table either has no candidate from any
    /// channel or passes both filters: it begins with a pair some channel may start and, of
    /// three or more words, some channel may span it. And the filters do skip most windows of
    /// running text, and the second a third of the longer windows the first lets through
    /// (32 of 67 here; on the 300-article bench 13,950 of 25,160), or they would save
    /// nothing.
    #[test]
    fn windows_the_word_filters_skip_have_no_candidates() {
        use unspin_core::morph::Form;
        let mut model = default_model().expect("the image loads");
        let table = default_spinner().expect("the table loads");
        model.add_spinner(&table);
        let weights = model.weights.clone();
        let input = model.channel_input();
        let may_start = |a: &str, b: &str| model.channels.iter().any(|c| c.may_start(&input, a, b));
        let may_span = |words: &[&str]| model.channels.iter().any(|c| c.may_span(&input, words));
        let has_candidates = |words: &[&str]| {
            let phrase = words.join(" ");
            (0..model.channels.len()).any(|i| {
                !unspin_core::document::channel_candidates(&model, &weights, i, words, &phrase)
                    .is_empty()
            })
        };
        let mut windows: Vec<Vec<String>> = Vec::new();
        for text in [
            include_str!("../../../examples/spun-news.txt"),
            include_str!("../../../examples/clean-news.txt"),
        ] {
            let words: Vec<String> = text
                .split_whitespace()
                .map(|w| {
                    unspin_core::text::normalise_word(
                        w.trim_matches(|c: char| !c.is_alphanumeric()),
                    )
                })
                .filter(|w| !w.is_empty())
                .collect();
            for len in 2..=4 {
                windows.extend(words.windows(len).map(<[String]>::to_vec));
            }
        }
        let text_windows = windows.len();
        let lex = &model.lexicon;
        for id in (0..lex.len() as u32).step_by(13) {
            let words: Vec<String> = lex.phrase(id).split(' ').map(str::to_owned).collect();
            if words.len() < 2 {
                continue;
            }
            windows.push(words.clone());
            for form in Form::ALL {
                let mut first = words.clone();
                if let Some(surface) = lex.morph.attested(&words[0], form) {
                    first[0] = surface.to_owned();
                    windows.push(first);
                }
                let last = words.len() - 1;
                if let Some(surface) = lex.morph.attested(&words[last], form) {
                    let mut inflected = words.clone();
                    inflected[last] = surface.to_owned();
                    windows.push(inflected);
                }
            }
        }
        windows.extend(
            table
                .entries
                .keys()
                .filter(|p| p.contains(' '))
                .map(|p| p.split(' ').map(str::to_owned).collect()),
        );
        let (mut with_candidates, mut skipped_text) = (0, 0);
        let (mut long_started, mut long_skipped) = (0, 0);
        for (i, window) in windows.iter().enumerate() {
            let words: Vec<&str> = window.iter().map(String::as_str).collect();
            let passes = may_start(words[0], words[1]) && (words.len() < 3 || may_span(&words));
            if has_candidates(&words) {
                with_candidates += 1;
                assert!(passes, "{words:?} has candidates but the filter skips it");
            }
            if i < text_windows && !passes {
                skipped_text += 1;
            }
            if i < text_windows && words.len() > 2 && may_start(words[0], words[1]) {
                long_started += 1;
                long_skipped += usize::from(!passes);
            }
        }
        eprintln!(
            "{} windows, {with_candidates} with candidates, {skipped_text} of the {text_windows} from text skipped, \
             {long_skipped} of the {long_started} longer ones started",
            windows.len()
        );
        assert!(
            long_skipped * 3 > long_started,
            "{long_skipped} of {long_started}"
        );
        assert!(with_candidates > 1_000, "{with_candidates}");
        assert!(
            skipped_text * 2 > text_windows,
            "{skipped_text} of {text_windows}"
        );
    }
}
