//! The neural model behind the rescoring seam: it reads, it judges a spun phrase as a reader
//! would, restore sends it the close calls, and a bad file is an error naming it. Needs the
//! weights fetched by scripts/fetch-neural-lm.sh (scripts/test.sh runs it).

use std::sync::Arc;

use unspin_core::rescore::{ContinuationRequest, ContinuationScorer};
use unspin_core::Engine;
use unspin_neural::{NeuralError, NeuralLm};

fn smollm2() -> Option<NeuralLm> {
    let path = unspin_neural::known_path("smollm2").expect("a known name");
    unspin_testkit::require(
        path.is_file(),
        &path.display().to_string(),
        "run scripts/fetch-neural-lm.sh",
    )
    .then(|| NeuralLm::load(&path, "smollm2").expect("the fetched model loads"))
}

#[test]
fn the_original_reads_better_than_its_spun_form() {
    let Some(lm) = smollm2() else { return };
    let continuations = [
        " moving average since May.".to_owned(),
        " shifting common since May.".to_owned(),
    ];
    let scores = lm
        .score_continuations("Bitcoin has traded above its 50-day", &continuations)
        .unwrap();
    assert_eq!(scores.len(), 2);
    assert!(scores.iter().all(|s| *s < 0.0), "{scores:?}");
    assert!(scores[0] > scores[1] + 10.0, "{scores:?}");
    // The same call gives the same numbers (a call keeps no state).
    let again = lm
        .score_continuations("Bitcoin has traded above its 50-day", &continuations)
        .unwrap();
    assert_eq!(scores, again);
}

#[test]
fn the_model_guesses_the_word_a_spinner_replaced() {
    let Some(lm) = smollm2() else { return };
    let contexts = [
        "Bitcoin has traded above its 50-day simple moving".to_owned(),
        "The happy dog wagged its".to_owned(),
        String::new(),
    ];
    let guesses = lm.next_words(&contexts, 5);
    assert_eq!(guesses.len(), contexts.len());
    let words: Vec<Vec<String>> = guesses.into_iter().map(Result::unwrap).collect();
    assert_eq!(words[0][0], "average", "{words:?}");
    assert_eq!(words[1][0], "tail", "{words:?}");
    for list in &words {
        assert!(list.len() <= 5 && !list.is_empty(), "{words:?}");
        // Whole lowercase words, each once.
        assert!(
            list.iter().all(|w| w.chars().all(char::is_lowercase)),
            "{words:?}"
        );
        let mut unique = list.clone();
        unique.dedup();
        assert_eq!(unique.len(), list.len(), "{words:?}");
    }
    // Guessed together or alone, the same words.
    assert_eq!(
        lm.next_words(&contexts[1..2], 5)[0].as_ref().unwrap(),
        &words[1]
    );
}

#[test]
fn requests_scored_together_score_as_they_do_alone() {
    let Some(lm) = smollm2() else { return };
    let request = |context: &str, continuations: &[&str]| ContinuationRequest {
        context: context.to_owned(),
        continuations: continuations.iter().map(|c| (*c).to_owned()).collect(),
    };
    let requests = [
        request(
            "Bitcoin has traded above its 50-day",
            &[" moving average since May.", " shifting common since May."],
        ),
        request("", &[" The", " A"]),
        request(
            "Officials said on Tuesday that the",
            &[" price of wheat rose.", " value of wheat rose.", ""],
        ),
    ];
    let together = lm.score_requests(&requests);
    assert_eq!(together.len(), requests.len());
    for (request, scores) in requests.iter().zip(together) {
        let scores = scores.unwrap();
        let alone = lm
            .score_continuations(&request.context, &request.continuations)
            .unwrap();
        assert_eq!(scores.len(), request.continuations.len());
        for (t, a) in scores.iter().zip(&alone) {
            assert!(
                (t - a).abs() < 1e-3 * a.abs().max(1.0),
                "{scores:?} against {alone:?}"
            );
        }
    }
}

#[test]
fn restore_sends_its_close_calls_and_stays_a_valid_restoration() {
    let Some(lm) = smollm2() else { return };
    let engine = Engine::new(unspin_testkit::default_model().clone()).with_rescorer(Arc::new(lm));
    assert_eq!(engine.rescorer_name(), Some("smollm2"));
    let spun = "The firm's chief govt mentioned on Tuesday that gross sales rose sharply \
                within the third quarter, and analysts anticipate the corporate to boost its \
                forecast for the complete yr when it reviews outcomes subsequent month. \
                Shares within the firm climbed 4 per cent in early buying and selling.";
    let restoration = engine.restore(spun);
    assert_eq!(
        unspin_core::restore::apply(spun, &restoration.changes),
        restoration.text
    );
    assert!(!restoration.changes.is_empty());
    let counts = engine.counts();
    assert!(counts.rescored_phrases > 0, "{counts:?}");
    assert_eq!(counts.rescore_failures, 0);
}

/// One of the repository's own examples (`examples/`).
fn example(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn check_weighs_the_models_agreement_with_its_evidence() {
    let Some(lm) = smollm2() else { return };
    let trigram = Engine::new(unspin_testkit::default_model().clone());
    let engine = trigram.with_rescorer(Arc::new(lm));
    let calibration = engine.weights().check.neural["smollm2"].clone();
    let (spun, clean) = (example("spun-news.txt"), example("clean-news.txt"));
    let (spun_report, clean_report) = (engine.check(&spun), engine.check(&clean));
    let said =
        |r: &unspin_core::check::CheckReport| r.neural.clone().expect("the model had its say");
    let (s, c) = (said(&spun_report), said(&clean_report));
    assert_eq!(s.lm, "smollm2");
    // A spun text's evidence reads better restored to a fluent model too; a clean text's
    // much less so.
    assert!(
        s.agreement > 1.0 && s.agreement > 2.0 * c.agreement,
        "{s:?} {c:?}"
    );
    for (report, said, text) in [(&spun_report, &s, &spun), (&clean_report, &c, &clean)] {
        // What check reports before the model's say is the trigram model's probability.
        let alone = trigram.check(text);
        assert!(alone.neural.is_none());
        assert_eq!(said.check_probability, alone.probability);
        assert_eq!(report.evidence, alone.evidence);
        let expected = calibration.probability(said.check_probability, said.agreement);
        assert!((report.probability - expected).abs() < 1e-6);
    }
    assert_eq!(spun_report.verdict, unspin_core::check::Verdict::Spun);
    assert_eq!(clean_report.verdict, unspin_core::check::Verdict::Clean);
    let counts = engine.counts();
    assert_eq!((counts.neural_checks, counts.neural_check_failures), (2, 0));
}

#[test]
fn a_bad_model_file_is_an_error_naming_it() {
    let dir = std::env::temp_dir().join(format!("unspin-neural-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("not-a-model.gguf");
    std::fs::write(&bad, b"GGUF but nothing else").unwrap();
    let err = NeuralLm::load(&bad, "bad").err().expect("refused");
    assert!(matches!(err, NeuralError::Format { .. }), "{err}");
    assert!(err.to_string().contains("not-a-model.gguf"), "{err}");
    let missing = NeuralLm::load(&dir.join("absent.gguf"), "absent")
        .err()
        .expect("refused");
    assert!(matches!(missing, NeuralError::Io { .. }), "{missing}");
    let unknown = NeuralLm::load_known("gpt-99").err().expect("refused");
    assert!(unknown.to_string().contains("smollm2"), "{unknown}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_continuation_too_long_for_one_pass_is_an_error_not_a_huge_pass() {
    let Some(lm) = smollm2() else { return };
    // Two different continuations of 2,500 tokens: 5,000 rows, over a pass's 4,096.
    let continuations = vec![" word".repeat(2500), " thing".repeat(2500)];
    let err = lm
        .score_continuations("The council said", &continuations)
        .expect_err("refused");
    assert!(err.to_string().contains("smollm2"), "{err}");
    // A normal call afterwards is unaffected.
    assert!(lm
        .score_continuations("The council said", &[" it would".to_owned()])
        .is_ok());
}
