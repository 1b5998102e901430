//! Learned spinner tables: the channel they give restore, and the learner that makes them.

use std::sync::Arc;
use unspin_core::learn::{LearnOptions, Learner};

use unspin_core::restore::ChangeKind;
use unspin_core::spinner::{LearnedOriginal, PhraseEntry, SpinnerTable};
use unspin_core::{Engine, Model};

fn generic() -> &'static Engine {
    unspin_testkit::default_engine()
}

/// An engine over the default model with `table` added.
fn with(table: &SpinnerTable) -> Engine {
    let mut model = Model::open(&unspin_testkit::default_model_path()).unwrap();
    model.add_spinner(table);
    Engine::new(Arc::new(model))
}

/// A table that says the spinner writes "buying and selling" for "trading".
fn trading_table() -> SpinnerTable {
    one_pair("buying and selling", "trading", 50.0, 0.94, 0.05)
}

/// A one-pair table: `spun`, seen in `documents` documents, stood for `original` in `share`
/// of them and was the author's own word in `kept` of them.
fn one_pair(spun: &str, original: &str, documents: f32, share: f32, kept: f32) -> SpinnerTable {
    let mut t = SpinnerTable {
        family: "test".into(),
        ..Default::default()
    };
    t.entries.insert(
        spun.into(),
        PhraseEntry {
            documents,
            kept,
            originals: vec![LearnedOriginal {
                original: original.into(),
                documents: documents * share,
                share,
            }],
            attested: false,
        },
    );
    t
}

const SPUN: &str = "City officers stated on Tuesday that buying and selling in the shares of the \
    developer was halted. The mayor's workplace declined to remark, but a spokesperson stated the \
    warfare over housing had gone on for too lengthy. Buying and selling resumed later, officers \
    stated, after the White Home of the council set out the guidelines.";

#[test]
fn a_learned_pair_is_restored_where_the_thesaurus_alone_keeps_the_phrase() {
    let without = generic().restore(SPUN);
    assert!(
        !without.text.contains("trading"),
        "control: the generic channel does not restore it: {}",
        without.text
    );
    let r = with(&trading_table()).restore(SPUN);
    let learned: Vec<_> = r
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Learned)
        .collect();
    assert_eq!(learned.len(), 2, "{:?}", r.changes);
    assert!(learned
        .iter()
        .all(|c| c.restored.eq_ignore_ascii_case("trading")));
    assert!(r.text.contains("that trading in the shares"), "{}", r.text);
    assert!(
        r.text.contains("Trading resumed"),
        "case follows: {}",
        r.text
    );
}

#[test]
fn restore_leaves_a_phrase_a_table_holds_as_written_and_check_still_reads_it() {
    // The control: the generic thesaurus rewrites "warfare" and "lengthy".
    let without = generic().restore(SPUN);
    assert!(without.text.contains(" war over") && without.text.contains("too long"));
    assert!(!generic().candidates("warfare").is_empty());
    let mut table = trading_table();
    table.held.insert("warfare".into());
    let held = with(&table);
    let r = held.restore(SPUN);
    assert!(r.text.contains("the warfare over"), "{}", r.text);
    // Only that phrase: "lengthy" is still the thesaurus's, "buying and selling" the table's.
    assert!(r.text.contains("too long"), "{}", r.text);
    assert!(r.text.contains("that trading in"), "{}", r.text);
    // Check measures what it measured without the holding: its calibration read the
    // thesaurus's candidates for the phrase.
    assert_eq!(
        held.check(SPUN).features.to_vec(),
        with(&trading_table()).check(SPUN).features.to_vec()
    );
    // A loaded table with pairs for the phrase outranks another's holding it.
    let mut model = Model::open(&unspin_testkit::default_model_path()).unwrap();
    model.add_spinner(&table);
    model.add_spinner(&one_pair("warfare", "conflict", 20.0, 0.9, 0.05));
    let both = Engine::new(Arc::new(model));
    assert!(both.restore(SPUN).text.contains("the conflict over"));
}

#[test]
fn a_table_does_not_change_what_check_measures() {
    let with_table = with(&trading_table());
    let a = generic().check(SPUN);
    let b = with_table.check(SPUN);
    // The features the calibration was fitted on are the same with or without a table whose
    // entries nobody attested (the EM's guesses).
    assert_eq!(a.features.to_vec(), b.features.to_vec());
    assert_eq!(b.features.attested_tell_density, 0.0);
    // The table's tells are counted: two occurrences of "buying and selling", 95% of them
    // rewritten by the table's account.
    assert_eq!(a.features.attested_density, 0.0);
    let expected = 100.0 * 2.0 * 0.95 / b.words as f32;
    assert!(
        (b.features.attested_density - expected).abs() < 1e-3,
        "{} vs {expected}",
        b.features.attested_density
    );
    assert_eq!(
        b.features.replaced_density, 0.0,
        "the copy never writes trading"
    );
    // Only the family's own evidence moves the probability, and only up.
    let mut weights = with_table.weights().clone();
    weights.check.attested_weight = 0.0;
    let unweighted = Engine::with_weights(with_table.model_arc().clone(), weights.clone());
    assert_eq!(unweighted.check(SPUN).probability, a.probability);
    weights.check.attested_weight = 1.0;
    assert!(weights.check.family_evidence(&b.features) > 0.0);
}

#[test]
fn attested_tells_raise_the_probability_and_nothing_else_moves() {
    let mut attested = trading_table();
    attested
        .entries
        .get_mut("buying and selling")
        .unwrap()
        .attested = true;
    let with_table = with(&attested);
    let a = generic().check(SPUN);
    let b = with_table.check(SPUN);
    // The thesaurus's features are the same; the attested tells are counted (two occurrences,
    // 95% rewritten) and, with a positive weight, raise the probability.
    assert_eq!(a.features.to_vec()[..5], b.features.to_vec()[..5]);
    let expected = 100.0 * 2.0 * 0.95 / b.words as f32;
    assert!(
        (b.features.attested_tell_density - expected).abs() < 1e-3,
        "{} vs {expected}",
        b.features.attested_tell_density
    );
    assert!(with_table.weights().check.weights[5] > 0.0);
    assert!(
        b.probability > a.probability,
        "{} vs {}",
        b.probability,
        a.probability
    );
    // The same entry for a word clean text writes all the time counts for little.
    let mut common = SpinnerTable {
        family: "test".into(),
        ..Default::default()
    };
    let mut entry = attested.entries["buying and selling"].clone();
    entry.originals[0].original = "data".into();
    common.entries.insert("information".into(), entry);
    let text = "The information was published on Monday. Officials said the information showed \
        a rise in prices, and the information was shared with the council before the vote.";
    let informed = with(&common).check(text);
    let unweighted = 100.0 * 3.0 * 0.95 / informed.words as f32;
    assert!(
        informed.features.attested_tell_density < 0.5 * unweighted,
        "{} vs {unweighted}",
        informed.features.attested_tell_density
    );
    // A text that writes none of the tells keeps the generic probability.
    let plain = SPUN
        .replace("buying and selling", "trading")
        .replace("Buying and selling", "Trading");
    let mut weights = with_table.weights().clone();
    weights.check.replaced_weight = 0.0;
    let unweighted = Engine::with_weights(with_table.model_arc().clone(), weights);
    assert_eq!(
        unweighted.check(&plain).probability,
        generic().check(&plain).probability
    );
}

#[test]
fn writing_a_replaced_original_counts_against_the_family() {
    let with_table = with(&trading_table());
    let plain = SPUN
        .replace("buying and selling", "trading")
        .replace("Buying and selling", "Trading");
    let report = with_table.check(&plain);
    assert_eq!(report.features.attested_density, 0.0);
    let expected = 100.0 * 2.0 / report.words as f32;
    assert!((report.features.replaced_density - expected).abs() < 1e-3);
    // Writing the replaced original takes back what the tells add, never more: without
    // tells the probability is the one the other features give.
    assert_eq!(report.probability, generic().check(&plain).probability);
    let mut weights = with_table.weights().clone();
    weights.check.attested_weight = 1.0;
    weights.check.replaced_weight = -1.0;
    let engine = Engine::with_weights(with_table.model_arc().clone(), weights);
    // One "buying and selling" left (0.95 of a tell) beside one "trading" (-1): nothing added.
    // (Probabilities of so spun a text are 1 to the last bit; the logit term is compared.)
    let mixed = engine.check(&SPUN.replacen("buying and selling", "trading", 1));
    let calibration = &engine.weights().check;
    assert!(mixed.features.attested_density > 0.0 && mixed.features.replaced_density > 0.0);
    assert_eq!(calibration.family_evidence(&mixed.features), 0.0);
    let mut tells_only = calibration.clone();
    tells_only.replaced_weight = 0.0;
    assert!(tells_only.family_evidence(&mixed.features) > 0.0);
    assert_eq!(engine.check(&plain).probability, report.probability);
}

/// Our own sentences, each with a slot where the spinner's original belongs.
const FRAMES: &[&str] = &[
    "The {} of the house rose sharply after the report was published on Monday.",
    "Analysts expect the {} to fall again when the central bank meets next week.",
    "Farmers said the {} of grain had doubled since the start of the year.",
    "The average {} paid by buyers in the city is now higher than ever before.",
    "Officials warned that the {} of fuel could climb further during the winter.",
    "Shoppers complained that the {} of bread had gone up twice in a month.",
];

/// Learns from four documents of four `frames` each (rotated), every `{}` written as `spun`:
/// a spinner that always writes `spun` for one original.
fn learn_planted(
    frames: &[&str],
    spun: &str,
    options: LearnOptions,
) -> (SpinnerTable, unspin_core::learn::LearnSummary) {
    planted_learner(frames, spun, options).finish()
}

/// The learner of [`learn_planted`], its documents added, not yet run.
fn planted_learner(frames: &[&str], spun: &str, options: LearnOptions) -> Learner {
    let mut learner = Learner::new(generic().model_arc().clone(), options);
    for round in 0..4 {
        let doc: Vec<String> = frames
            .iter()
            .cycle()
            .skip(round)
            .take(4)
            .map(|f| f.replace("{}", spun))
            .collect();
        learner.add_document(&doc.join(" "));
    }
    learner
}

#[test]
fn the_learner_finds_a_planted_pair_from_spun_text_alone() {
    // A spinner that always writes "worth" for "price"; the learner never sees "price".
    let (table, summary) = learn_planted(FRAMES, "worth", LearnOptions::default());
    assert_eq!(summary.documents, 4);
    let entry = table
        .entries
        .get("worth")
        .expect("the spun word is learned");
    let top = &entry.originals[0];
    assert_eq!(top.original, "price", "{entry:?}");
    assert!(top.share > entry.kept, "{entry:?}");
    assert!(summary.likelihood_gain > 0.0);
}

#[test]
fn a_guess_may_be_any_original_the_candidate_lists_hold_past_their_cut() {
    let model = unspin_testkit::default_model();
    let reachable = unspin_core::learn::reachable_originals(model.clone());
    // "gap" is "hole"'s 38th candidate: past the cut restore and the EM use, not past this.
    let all = reachable("hole");
    let cut = Engine::new(model.clone()).candidate_set("hole");
    assert!(all.contains(&"gap".to_owned()), "{all:?}");
    assert!(!cut.contains(&"gap".to_owned()), "{cut:?}");
    assert!(cut.iter().all(|c| all.contains(c)));
    // A word no list relates to it is not reachable.
    assert!(!all.contains(&"the".to_owned()));
}

#[test]
fn a_phrase_the_em_reads_spun_but_leaves_out_is_proposed_with_its_originals() {
    use unspin_core::learn::{proposals_outside, ProposalOptions};
    // A floor above the four documents keeps every guess out of the table: "worth" is then
    // a proposal, with "price" among its originals, for a second model to choose.
    let options = LearnOptions {
        min_documents: 10.0,
        ..LearnOptions::default()
    };
    let learner = planted_learner(FRAMES, "worth", options);
    let (table, _, proposals) = learner.finish_with_proposals(&ProposalOptions::default());
    assert!(!table.entries.contains_key("worth"), "{table:?}");
    let worth = proposals
        .iter()
        .find(|p| p.written == "worth")
        .expect("worth is proposed");
    assert_eq!(worth.documents, 4.0);
    assert!(worth.originals.len() <= ProposalOptions::default().originals);
    assert!(worth.originals.iter().any(|o| o == "price"), "{worth:?}");
    // A table that reads "promote" in another form ("promoting" <- "selling", people's
    // note) leaves nothing to propose for it; "worth" it does not read, nor hold.
    let promote = unspin_core::learn::Proposal {
        written: "promote".into(),
        documents: 5.0,
        originals: vec!["better".into(), "sell".into()],
    };
    let mut reads = SpinnerTable::default();
    reads.entries.insert(
        "promoting".into(),
        PhraseEntry {
            documents: 5.0,
            kept: 0.1,
            originals: vec![LearnedOriginal {
                original: "selling".into(),
                documents: 5.0,
                share: 0.9,
            }],
            attested: true,
        },
    );
    let mut asked = proposals.clone();
    asked.push(promote);
    let left = proposals_outside(&reads, asked.clone(), generic().model());
    assert!(left.iter().any(|p| p.written == "worth"));
    assert!(!left.iter().any(|p| p.written == "promote"), "{left:?}");
    reads.held.insert("worth".into());
    let left = proposals_outside(&reads, asked, generic().model());
    assert!(!left.iter().any(|p| p.written == "worth"), "{left:?}");
}

#[test]
fn distributional_neighbours_share_contexts_and_leave_out_the_word() {
    let lm = generic().model().lm.as_ref();
    let index = unspin_core::neighbours::Neighbours::build(lm, &Default::default());
    let names = |word: &str| -> Vec<String> {
        index
            .of(lm.id(word).unwrap(), 10)
            .into_iter()
            .map(|(w, _)| lm.word(w).to_owned())
            .collect()
    };
    // Pairs a real spinner's table holds and no thesaurus of ours relates.
    assert!(names("buyers").contains(&"investors".to_owned()));
    assert!(names("greens").contains(&"vegetables".to_owned()));
    assert!(!names("buyers").contains(&"buyers".to_owned()));
    let ranked = index.of(lm.id("buyers").unwrap(), 10);
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1));
}

#[test]
fn substitution_evidence_favours_an_original_the_corpus_lacks() {
    use unspin_core::learn::substitution_evidence;
    // The corpus writes "worth" 300 times and "price" twice, though English has them alike.
    let eaten = substitution_evidence(300, -8.0, 2, -8.0);
    let kept = substitution_evidence(300, -8.0, 250, -8.0);
    assert!(eaten > 4.0 && kept.abs() < 0.5, "{eaten} {kept}");
    // The language model's own preference is divided out.
    assert!(substitution_evidence(10, -9.0, 10, -6.0) > 2.9);
}

#[test]
fn neighbours_let_the_learner_find_a_pair_no_thesaurus_has() {
    // "greens" for "vegetables": not among the thesaurus candidates of "greens".
    assert!(!generic()
        .candidates("greens")
        .iter()
        .any(|c| c.text == "vegetables"));
    let options = LearnOptions {
        neighbours: 20,
        ..LearnOptions::default()
    };
    let frames = [
        "Eat more fresh fruit and {} every day, the doctors said.",
        "The farmers grow {} and potatoes on the hills.",
        "Prices of fruit and {} rose sharply in the markets last month.",
        "Children should eat {} with every meal, the report said.",
    ];
    let (table, _) = learn_planted(&frames, "greens", options);
    let entry = table
        .entries
        .get("greens")
        .expect("the spun word is learned");
    assert!(
        entry.originals.iter().any(|o| o.original == "vegetables"),
        "{entry:?}"
    );
}

mod damaged_tables {
    use proptest::prelude::*;
    use unspin_core::container::SectionWriter;
    use unspin_core::spinner::SpinnerTable;

    /// A well-formed container whose pairs section holds `pairs`.
    fn container(pairs: &str) -> Vec<u8> {
        let mut w = SectionWriter::default();
        w.u32s("spin.format", &[unspin_core::spinner::SPINNER_FORMAT]);
        w.bytes("spin.family", b"f");
        w.bytes("spin.pairs", pairs.as_bytes());
        w.finish(1).unwrap()
    }

    proptest! {
        /// Any bytes: an error or a table, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = SpinnerTable::from_bytes(&bytes);
        }

        /// A valid container with arbitrary pair lines: an error or a table whose shares are
        /// all probabilities.
        #[test]
        fn arbitrary_pair_lines_never_panic(pairs in "[a-z\t0-9.\\-e\n]{0,200}") {
            if let Ok(t) = SpinnerTable::from_bytes(&container(&pairs)) {
                for e in t.entries.values() {
                    prop_assert!((0.0..=1.0).contains(&e.kept));
                    for o in &e.originals {
                        prop_assert!((0.0..=1.0).contains(&o.share));
                    }
                }
            }
        }
    }

    #[test]
    fn a_model_file_is_not_a_spinner_table() {
        let model = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../models/en-default.unspin"
        ))
        .unwrap();
        let err = SpinnerTable::from_bytes(&model).unwrap_err().to_string();
        assert!(err.contains("spin."), "{err}");
    }
}

#[test]
fn harvested_pairs_become_a_table_whose_kept_share_counts_the_authors_own_uses() {
    use unspin_core::spinner::PairHarvest;
    let mut harvest = PairHarvest::default();
    let pair = |o: &str, s: &str| (o.to_owned(), s.to_owned());
    // Copy 1: "worth" twice for "price", and once as the author wrote it.
    harvest.add_copy(
        &[pair("price", "worth"), pair("price", "worth")],
        &["the", "worth", "rose", "worth", "it", "worth", "a", "look"],
    );
    // Copy 2: once more, plus a long rewrite that is no table entry.
    harvest.add_copy(
        &[pair("price", "worth"), pair("a b c d e", "v w x y z")],
        &["worth", "v", "w", "x", "y", "z"],
    );
    assert_eq!(harvest.copies(), 2);
    let table = harvest.into_table("t", 1);
    assert_eq!(table.family, "t");
    assert_eq!(table.pairs(), 1, "{table:?}");
    let e = &table.entries["worth"];
    assert_eq!(e.documents, 2.0);
    assert!((e.originals[0].share - 0.75).abs() < 1e-6, "{e:?}");
    assert!((e.kept - 0.25).abs() < 1e-6, "{e:?}");
    // A pair seen in fewer copies than asked is left out.
    let mut one = PairHarvest::default();
    one.add_copy(&[pair("price", "worth")], &["worth"]);
    assert_eq!(one.into_table("t", 2).pairs(), 0);
}

/// A word the copies wrote as their sources did is held as written, unless some copy wrote
/// it for another word; restore then leaves it, where the thesaurus alone would change it.
#[test]
fn words_the_copies_kept_are_held_unless_a_copy_wrote_them_for_another() {
    use unspin_core::spinner::PairHarvest;
    let pair = |o: &str, s: &str| (o.to_owned(), s.to_owned());
    let mut harvest = PairHarvest::default();
    harvest.add_copy(&[pair("price", "worth")], &["the", "worth", "rose"]);
    // Another copy kept "warfare" and "worth" (its author's own "worth").
    harvest.add_kept(["the", "rose", "warfare", "worth"]);
    let table = harvest.into_table("t", 1);
    assert!(table.held.contains("rose") && table.held.contains("warfare"));
    // "worth" stood for "price" in a copy: a pair, not a holding.
    assert!(!table.held.contains("worth") && table.entries.contains_key("worth"));
    // The holding survives the file, and restore leaves the word the thesaurus alone
    // rewrites ("warfare" -> "war", see the holding test above).
    let table = SpinnerTable::from_bytes(&table.to_bytes().unwrap()).unwrap();
    assert!(table.held.contains("warfare"));
    let r = with(&table).restore(SPUN);
    assert!(r.text.contains("the warfare over"), "{}", r.text);
    assert!(generic().restore(SPUN).text.contains(" war over"));
    // A kept word restore could not change anyway (no candidate: a name, a number) is not
    // worth holding; the cut keeps the rest.
    let mut cut = table.clone();
    cut.held.insert("xqzvw".into());
    unspin_core::learn::hold_only_what_restore_could_change(&mut cut, generic());
    assert!(!cut.held.contains("xqzvw") && cut.held.contains("warfare"));
}

/// A copy aligned with its source teaches the pairs it swapped and holds the words it kept;
/// a copy of another text, or one that changed nothing, teaches nothing.
#[test]
fn a_copy_aligned_with_its_source_is_harvested_only_when_it_is_the_sources_spun_copy() {
    use unspin_core::spinner::{AlignedCopy, PairHarvest};
    let source = "The mayor's office declined to comment on the war over housing in the town, \
                  which has gone on for years, and officials said the council would meet again.";
    let copy = "The mayor's workplace declined to remark on the warfare over housing in the town, \
                which has gone on for years, and officers stated the council would meet again.";
    let mut harvest = PairHarvest::default();
    let other = "Heavy rain closed the river bridge for a second day, and engineers will inspect \
                 its supports before traffic is allowed back across it next week.";
    assert_eq!(harvest.add_aligned(copy, other), AlignedCopy::NoPassage);
    assert_eq!(harvest.add_aligned(source, source), AlignedCopy::Unchanged);
    assert_eq!(harvest.copies(), 0);
    assert!(matches!(
        harvest.add_aligned(copy, source),
        AlignedCopy::Harvested { swapped } if swapped >= 4
    ));
    assert_eq!(harvest.copies(), 1);
    let table = harvest.into_table("t", 1);
    let original = |written: &str| {
        table
            .entries
            .get(written)
            .map(|e| e.originals[0].original.as_str())
    };
    assert_eq!(original("workplace"), Some("office"));
    assert_eq!(original("warfare"), Some("war"));
    // Kept words are held; the unchanged copy held nothing of its own ("meet" is kept by the
    // spun copy too, "engineers" by neither).
    assert!(table.held.contains("housing") && table.held.contains("council"));
    assert!(!table.held.contains("engineers") && !table.held.contains("workplace"));
}

/// A filler a copy inserted is counted on the side of it that the copies agree on: the
/// word after "essentially" is always "the", the word before it varies; "time" always
/// follows "summer".
#[test]
fn an_inserted_run_is_harvested_on_the_side_the_copies_agree_on() {
    use unspin_core::fingerprint::WidenedRun;
    use unspin_core::spinner::PairHarvest;
    let pair = |o: &str, s: &str| (o.to_owned(), s.to_owned());
    let run = |right: (String, String), left: (String, String)| WidenedRun { right, left };
    let mut harvest = PairHarvest::default();
    for before in ["is", "was", "are"] {
        let widened = [
            run(
                pair("the", "essentially the"),
                pair(before, &format!("{before} essentially")),
            ),
            run(
                pair(before, &format!("time {before}")),
                pair("summer", "summer time"),
            ),
        ];
        let words = [
            before,
            "essentially",
            "the",
            "most",
            "summer",
            "time",
            before,
        ];
        harvest.add_copy_widened(&[pair("price", "worth")], &widened, &words);
    }
    assert_eq!(harvest.copies(), 3);
    let table = harvest.into_table("t", 2);
    let original = |written: &str| {
        table.entries.get(written).map(|e| {
            assert_eq!(e.documents, 3.0, "{e:?}");
            e.originals[0].original.clone()
        })
    };
    assert_eq!(original("essentially the").as_deref(), Some("the"));
    assert_eq!(original("summer time").as_deref(), Some("summer"));
    assert_eq!(original("worth").as_deref(), Some("price"));
    // The sides the copies do not agree on are not entries.
    assert_eq!(table.pairs(), 3, "{table:?}");
    // One copy alone: a tie, taken on the right.
    let mut one = PairHarvest::default();
    one.add_copy_widened(
        &[],
        &[run(pair("new", "brand new"), pair("a", "a brand"))],
        &["a", "brand", "new"],
    );
    let table = one.into_table("t", 1);
    assert!(table.entries.contains_key("brand new"), "{table:?}");
    assert_eq!(table.pairs(), 1);
}

#[test]
fn attested_pairs_parse_like_a_readers_notes_and_leave_out_what_is_not_a_pair() {
    use unspin_core::spinner::parse_attested_pair;
    let p = |s: &str, o: &str| Some((s.to_owned(), o.to_owned()));
    assert_eq!(
        parse_attested_pair(" Merchants<-Traders "),
        p("merchants", "traders")
    );
    assert_eq!(
        parse_attested_pair("Easy  shifting common<-Simple moving average"),
        p("easy shifting common", "simple moving average")
    );
    for bad in [
        "worth<-price/value",
        "{that a}<-that a (leftover spintax)",
        "no arrow here",
        "<-price",
        "same<-Same",
        "a b c d e f g h i j k l m<-n o p q r s t u v w x y z",
    ] {
        assert_eq!(parse_attested_pair(bad), None, "{bad}");
    }
}

/// The attested table of one document's pairs, split with `model`'s very common words.
fn attested_with_common_words(
    model: &unspin_core::Model,
    document: &[(String, String)],
) -> SpinnerTable {
    unspin_core::learn::attested_table(model, [document], Default::default(), "t")
}

/// Whether `table` holds the pair `spun` <- `original`.
fn holds(table: &SpinnerTable, spun: &str, original: &str) -> bool {
    table
        .entries
        .get(spun)
        .is_some_and(|e| e.originals.iter().any(|x| x.original == original))
}

/// An idiom attested whole ("based on" <- "according to") is split word by word only where a
/// word is not very common: "based" <- "according", never "on" <- "to", nor "prior" <- "in"
/// from "prior to now" <- "in the past", where no word stands in the same place on both sides
/// ("danger of extra" <- "risk of more" has "of", and gives "extra" <- "more").
#[test]
fn the_word_by_word_split_leaves_out_pairs_of_very_common_words() {
    use unspin_core::spinner::{AttestedPairs, AttestedSplit};
    let pair = |s: &str, o: &str| (s.to_owned(), o.to_owned());
    let model = unspin_core::Model::open(&unspin_testkit::default_model_path()).unwrap();
    let floor = unspin_core::spinner::SPLIT_COMMON_LOGPROB;
    assert!(model.is_common("on to", floor) && !model.is_common("according", floor));
    assert!(model.is_common("in", floor) && !model.is_common("prior", floor));
    let document = [
        pair("based on", "according to"),
        pair("equivalent to", "such as"),
        pair("prior to now", "in the past"),
        pair("danger of extra losses", "risk of more losses"),
    ];
    let table = attested_with_common_words(&model, &document);
    let has = |s: &str, o: &str| holds(&table, s, o);
    assert!(has("based on", "according to") && has("equivalent to", "such as"));
    assert!(has("based", "according") && has("equivalent", "such"));
    assert!(!has("on", "to") && !has("to", "as"), "{table:?}");
    assert!(
        has("prior to now", "in the past") && !has("prior", "in"),
        "{table:?}"
    );
    assert!(
        model.is_common("more", floor) && has("extra", "more"),
        "{table:?}"
    );
    // Without the predicate the split is as before.
    let mut all = AttestedPairs::new(AttestedSplit::default());
    all.add_document(&document);
    let table = all.into_table("t");
    assert!(table.entries.contains_key("on") && table.entries.contains_key("to"));
}

/// A note longer than a table's entry is cut at the words both sides share, where they are
/// not very common: each piece between them is a pair of its own. A shared common word ("the")
/// is no place to cut.
#[test]
fn an_attested_pair_is_cut_at_the_uncommon_words_both_sides_share() {
    use unspin_core::spinner::MAX_HARVESTED_WORDS;
    let pair = |s: &str, o: &str| (s.to_owned(), o.to_owned());
    let model = unspin_core::Model::open(&unspin_testkit::default_model_path()).unwrap();
    let document = [
        pair(
            "lengthy-time period holder provide",
            "long-term holder supply",
        ),
        pair(
            "merchandise are topic to the securities legal guidelines",
            "products are subject to the securities laws",
        ),
        pair("in the intervening time", "at the moment"),
    ];
    let table = attested_with_common_words(&model, &document);
    let has = |s: &str, o: &str| holds(&table, s, o);
    for (s, o) in [
        (
            "lengthy-time period holder provide",
            "long-term holder supply",
        ),
        ("lengthy-time period", "long-term"),
        ("provide", "supply"),
        ("merchandise", "products"),
        ("topic", "subject"),
        ("legal guidelines", "laws"),
        ("in the intervening time", "at the moment"),
    ] {
        assert!(has(s, o), "{s} <- {o}: {table:?}");
    }
    assert!(
        !has("in", "at") && !has("intervening time", "moment"),
        "{table:?}"
    );
    assert!(
        table
            .entries
            .keys()
            .all(|s| s.split(' ').count() <= MAX_HARVESTED_WORDS),
        "{table:?}"
    );
}

#[test]
fn attested_pairs_teach_their_words_and_trust_a_pair_more_the_more_documents_attest_it() {
    use unspin_core::spinner::{AttestedPairs, AttestedSplit, SpinnerTable};
    let pair = |s: &str, o: &str| (s.to_owned(), o.to_owned());
    let mut pairs = AttestedPairs::new(AttestedSplit::default());
    // Four documents attest "worth" <- "price"; one attests the compound, once named twice.
    for _ in 0..3 {
        pairs.add_document(&[pair("worth", "price")]);
    }
    pairs.add_document(&[
        pair("worth", "price"),
        pair("easy shifting common", "simple moving average"),
        pair("easy shifting common", "simple moving average"),
        pair("coinbase premium hole", "coinbase premium gap"),
    ]);
    let table = pairs.into_table("t");
    let worth = &table.entries["worth"];
    assert_eq!(worth.documents, 4.0);
    assert_eq!(worth.originals[0].original, "price");
    assert_eq!(worth.originals[0].share, 1.0);
    // The compound as written, its shared words cut, and word by word.
    for (s, o) in [
        ("easy shifting common", "simple moving average"),
        ("easy", "simple"),
        ("shifting", "moving"),
        ("common", "average"),
        ("coinbase premium hole", "coinbase premium gap"),
        ("hole", "gap"),
    ] {
        let e = &table.entries[s];
        assert_eq!(e.documents, 1.0, "{s}: counted once per document");
        assert_eq!(e.originals[0].original, o);
    }
    // More documents, a smaller kept share: a stronger claim.
    assert!(worth.kept < table.entries["hole"].kept / 2.0, "{table:?}");

    // Put over an EM table, an attested entry replaces the EM's guess and leaves the rest.
    let mut em = SpinnerTable::default();
    let mut guess = table.entries["hole"].clone();
    guess.originals[0].original = "opening".into();
    guess.attested = false;
    em.entries.insert("hole".into(), guess.clone());
    em.entries.insert("stage".into(), guess);
    em.overlay(&table);
    assert_eq!(em.entries["hole"].originals[0].original, "gap");
    assert!(em.entries["hole"].attested);
    assert_eq!(em.entries["stage"].originals[0].original, "opening");
    assert_eq!(em.family, "t");

    // The file keeps which entries were attested; the index hands it to the candidates.
    let back = SpinnerTable::from_bytes(&em.to_bytes().unwrap()).unwrap();
    assert!(back.entries["hole"].attested);
    assert!(!back.entries["stage"].attested);
    let mut index = unspin_core::spinner::SpinnerIndex::default();
    index.add(&back);
    assert!(index.learned("hole").iter().all(|c| c.attested));
    assert!(index.learned("stage").iter().all(|c| !c.attested));
    // A table without attested entries writes no such section and reads back the same.
    let mut plain = back.clone();
    for e in plain.entries.values_mut() {
        e.attested = false;
    }
    assert_eq!(
        SpinnerTable::from_bytes(&plain.to_bytes().unwrap()).unwrap(),
        plain
    );

    // Whole pairs only: no pieces.
    let mut whole = AttestedPairs::new(AttestedSplit {
        trim_shared: false,
        word_by_word: false,
        ..AttestedSplit::default()
    });
    whole.add_document(&[pair("coinbase premium hole", "coinbase premium gap")]);
    assert_eq!(whole.into_table("t").pairs(), 1);
}

/// The learned candidate `original` of `spun` under `table`: its `ln P(spun | original) - ln
/// P(spun | spun)`.
fn learned_ratio(table: &SpinnerTable, spun: &str, original: &str) -> f32 {
    with(table)
        .candidates(spun)
        .iter()
        .find(|c| c.is_learned() && c.text == original)
        .and_then(|c| c.learned)
        .expect("the table's pair is a candidate")
}

#[test]
fn the_spinners_own_choice_is_not_charged_for_its_original_being_common() {
    // "before" is far commoner than "earlier than": dividing out the two phrases'
    // frequencies would put the pair well below keeping the words as written.
    let choice = learned_ratio(
        &one_pair("earlier than", "before", 20.0, 0.8, 0.2),
        "earlier than",
        "before",
    );
    assert!(choice >= 0.0, "the spinner's choice: {choice}");
    // A phrase the table finds as often kept as spun is still an uncertain pair: there the
    // frequencies are divided out as ever.
    let unsure = learned_ratio(
        &one_pair("earlier than", "before", 20.0, 0.45, 0.45),
        "earlier than",
        "before",
    );
    assert!(unsure < -2.0, "an unsure pair: {unsure}");
}

/// Real spinners leave an original written now and then, so a pair people attested is put
/// back even where the document still writes its original elsewhere; a guessed pair is not,
/// and neither is the attested one when its exemption is taken away.
#[test]
fn an_attested_pair_is_restored_though_its_original_is_written_elsewhere() {
    let text = format!("{SPUN} Trading in other shares went on as usual.");
    let guessed = trading_table();
    let mut attested = guessed.clone();
    attested
        .entries
        .get_mut("buying and selling")
        .unwrap()
        .attested = true;
    // A text that writes "trading" also reads less as the family's (the attested words it
    // replaces, see `Params::with_family_evidence`); that evidence is switched off here so
    // that only the cost of the original written elsewhere is tested.
    let engine = |table: &SpinnerTable, attested_cost: Option<f32>| {
        let loaded = with(table);
        let mut weights = loaded.weights().clone();
        weights.restore.family_ratio_high = weights.restore.family_ratio_low;
        if let Some(cost) = attested_cost {
            weights.restore.attested_kept_original_cost = cost;
        }
        Engine::with_weights(loaded.model_arc().clone(), weights)
    };
    let restores =
        |engine: &Engine, text: &str| {
            engine.restore(text).changes.iter().any(|c| {
                c.kind == ChangeKind::Learned && c.restored.eq_ignore_ascii_case("trading")
            })
        };
    assert!(
        restores(&engine(&guessed, None), SPUN),
        "control: the guessed pair is restored when the original is absent"
    );
    assert!(!restores(&engine(&guessed, None), &text));
    assert!(restores(&engine(&attested, None), &text));
    let full = generic().weights().restore.kept_original_cost;
    assert!(
        !restores(&engine(&attested, Some(full)), &text),
        "control: the exemption is what matters"
    );
}
