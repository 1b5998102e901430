//! Behaviour of the restorer with the default model: crafted sentences and invariants.

use proptest::prelude::*;
use unspin_core::restore::ChangeKind;
use unspin_core::Engine;

fn engine() -> &'static Engine {
    unspin_testkit::default_engine()
}

fn restore(text: &str) -> String {
    engine().restore(text).text
}

#[test]
fn multi_word_spin_is_undone() {
    let out = restore("Officials said the troops fought in opposition to the rebels for weeks.");
    assert_eq!(
        out,
        "Officials said the troops fought against the rebels for weeks."
    );
}

#[test]
fn case_follows_the_spun_word() {
    let r = engine().restore("The warfare ended. Warfare is never the answer to warfare.");
    assert!(!r.changes.is_empty(), "something to check: {}", r.text);
    for c in &r.changes {
        let first_upper = c.spun.chars().next().unwrap().is_uppercase();
        assert_eq!(
            first_upper,
            c.restored.chars().next().unwrap().is_uppercase(),
            "{c:?}"
        );
    }
}

#[test]
fn stray_spintax_restores_to_its_content() {
    let r = engine().restore("He denied {that a} policy change was made.");
    assert!(r.text.starts_with("He denied that a policy"), "{}", r.text);
    assert!(r.changes.iter().any(|c| c.kind == ChangeKind::Spintax));
}

#[test]
fn one_original_per_spun_phrase_per_document() {
    let r = engine().restore(
        "The warfare in the north went on. Nobody wanted the warfare. The warfare ended in May.",
    );
    let restored: std::collections::HashSet<String> = r
        .changes
        .iter()
        .filter(|c| c.spun.eq_ignore_ascii_case("warfare"))
        .map(|c| c.restored.to_lowercase())
        .collect();
    assert_eq!(
        restored.len(),
        1,
        "restored, and one way only: {restored:?}"
    );
}

#[test]
fn plain_prose_is_left_alone() {
    let text = "The minister said on Monday that the government would publish its plans for \
                schools next week, after talks with teachers and parents.";
    assert_eq!(restore(text), text);
}

#[test]
fn numbers_and_acronyms_are_never_rewritten() {
    let text = "The UK sent 11 ships and 2 planes.";
    assert_eq!(restore(text), text);
}

#[test]
fn empty_and_symbol_only_inputs() {
    assert_eq!(restore(""), "");
    assert_eq!(restore("  \n\t"), "  \n\t");
    assert_eq!(restore("{}{|}…—“”"), "{}{|}…—“”");
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "warfare",
        "officers",
        "stated",
        "the",
        "White",
        "Home",
        "in",
        "opposition",
        "to",
        "a",
        "whole",
        "lot",
        "Nationwide",
        "Safety",
        "it’s",
        "finish",
        "{that a}",
        "5",
        "UK",
        "ÉTÉ",
        "naïve",
        "—",
        ",",
        ".",
        "\n",
        "déjà",
        "🙂",
        "e\u{301}",
    ])
    .prop_map(str::to_owned)
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (word(), prop::sample::select(vec![" ", "", "  ", "\n"])),
        0..40,
    )
    .prop_map(|parts| parts.into_iter().map(|(w, s)| w + s).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Outside the changed spans the output is the input, byte for byte, and every span maps
    /// back to the input.
    #[test]
    fn bytes_outside_changes_are_untouched(doc in document()) {
        let r = engine().restore(&doc);
        let mut rebuilt = String::new();
        let mut at = 0;
        for c in &r.changes {
            prop_assert!(c.start >= at && c.end <= doc.len() && doc.is_char_boundary(c.start));
            prop_assert_eq!(&doc[c.start..c.end], c.spun.as_str());
            rebuilt.push_str(&doc[at..c.start]);
            rebuilt.push_str(&c.restored);
            at = c.end;
        }
        rebuilt.push_str(&doc[at..]);
        prop_assert_eq!(rebuilt, r.text.clone());
        if r.changes.is_empty() {
            prop_assert_eq!(r.text, doc);
        }
    }

    /// A restoration never invents a word: each change is one of its span's candidates.
    #[test]
    fn changes_come_from_the_candidate_set(doc in document()) {
        let restorer = engine();
        for c in restorer.restore(&doc).changes {
            if c.kind == ChangeKind::Spintax {
                let braced = c.spun.starts_with('\u{7b}') && c.spun.contains(c.restored.as_str());
                prop_assert!(braced);
                continue;
            }
            let spun = unspin_core::text::normalise_word(&c.spun)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let set = restorer.candidate_set(&spun);
            prop_assert!(set.contains(&c.restored.to_lowercase()), "{:?} not in {:?}", c, set);
        }
    }

    /// `check` gives a probability, and each piece of evidence names its phrase by offsets
    /// that slice the input exactly; every original it offers is in the candidate set.
    #[test]
    fn check_evidence_maps_back_to_the_input(doc in document()) {
        let restorer = engine();
        let report = restorer.check(&doc);
        prop_assert!((0.0..=1.0).contains(&report.probability));
        for e in &report.evidence {
            prop_assert!(doc.is_char_boundary(e.start) && doc.is_char_boundary(e.end));
            prop_assert_eq!(&doc[e.start..e.end], e.spun.as_str());
            prop_assert!(e.gain > 0.0);
            let spun = unspin_core::text::normalise_word(&e.spun)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let set = restorer.candidate_set(&spun);
            prop_assert!(set.contains(&e.original), "{:?} not in {:?}", e, set);
        }
    }
}

#[test]
fn check_tells_spun_from_plain_prose() {
    let restorer = engine();
    let spun = "Officers stated the warfare in opposition to the rebels would finish quickly. \
        The division stated it had no remark. Officers stated the White Home was briefed. \
        A spokesperson stated the warfare had gone on for too lengthy and that officers \
        would meet once more within the coming week to talk about the subsequent steps.";
    let plain = "Officials said the war against the rebels would end soon. The department said \
        it had no comment. Officials said the White House was briefed. A spokesperson said the \
        war had gone on for too long and that officials would meet again in the coming week \
        to discuss the next steps.";
    let (s, p) = (restorer.check(spun), restorer.check(plain));
    assert!(s.probability > 0.9, "spun scored {}", s.probability);
    assert!(p.probability < 0.5, "plain scored {}", p.probability);
    assert_eq!(s.verdict, unspin_core::check::Verdict::Spun);
    assert_eq!(p.verdict, unspin_core::check::Verdict::Clean);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Aligned passages stay inside both texts, follow the copy's order without overlapping,
    /// and each word pair they yield is made of words of the two texts.
    #[test]
    fn alignment_passages_are_in_bounds_and_ordered(copy in document(), source in document()) {
        use unspin_core::fingerprint::{align, differing_pairs, words};
        let (c, s) = (words(&copy), words(&source));
        let passages = align(&c, &s);
        let mut last_end = 0;
        for p in &passages {
            prop_assert!(p.copy_first < p.copy_end && p.copy_end <= c.len());
            prop_assert!(p.source_first < p.source_end && p.source_end <= s.len());
            prop_assert!(p.copy_first >= last_end);
            last_end = p.copy_end;
        }
        for (from, to) in differing_pairs(&c, &s, &passages) {
            prop_assert!(from.split(' ').all(|w| s.iter().any(|x| x.norm == w)));
            prop_assert!(to.split(' ').all(|w| c.iter().any(|x| x.norm == w)));
        }
    }
}

/// A spinner rewrites every occurrence of what it spins, so an original the document still
/// has, written as is, is not put back elsewhere; without that rule the same text is restored.
#[test]
fn an_original_still_written_elsewhere_is_not_restored() {
    let spun = "City officers stated on Tuesday that the council will open an inquiry in \
                opposition to the developer. A spokesperson stated the warfare over housing had \
                gone on for too lengthy.";
    let text = &format!("{spun} It was a long year.");
    let spun_away = |r: &unspin_core::restore::Restoration| {
        r.changes
            .iter()
            .any(|c| c.spun == "lengthy" && c.restored == "long")
    };
    let mut weights = engine().weights().clone();
    weights.restore.kept_original_cost = 0.0;
    let without_rule = Engine::with_weights(engine().model_arc().clone(), weights);
    assert!(
        spun_away(&without_rule.restore(text)),
        "control: the rule is what matters"
    );
    let with_rule = engine();
    assert!(
        spun_away(&with_rule.restore(spun)),
        "control: restored when \"long\" is absent"
    );
    assert!(!spun_away(&with_rule.restore(text)));
}

/// `analyse` is check and restore of one prepared document: the same report and text as
/// the two views, with one preparation and one check.
#[test]
fn analyse_is_check_and_restore_done_once() {
    let text = "Officers stated the warfare in opposition to the rebels would finish quickly.";
    let engine = Engine::new(engine().model_arc().clone());
    let a = engine.analyse(text);
    let counts = engine.counts();
    assert_eq!(
        (counts.prepared, counts.checked, counts.restored),
        (1, 1, 1)
    );
    assert_eq!(a.restoration.text, engine.restore(text).text);
    assert_eq!(a.check.probability, engine.check(text).probability);
    assert!(!a.restoration.changes.is_empty());
}
