//! Gemma 3 270M behind the rescoring seam: through its own SentencePiece tokenizer it scores
//! as candle's implementation does, it reads a spun phrase as a reader would, and it is not
//! run without its terms of use. Needs the weights and terms fetched by
//! `scripts/fetch-neural-lm.sh gemma` (scripts/test.sh runs it).

use std::sync::OnceLock;

use unspin_core::rescore::ContinuationScorer;
use unspin_neural::{NeuralError, NeuralLm};

/// The model, loaded once for the file's tests (a second of loading and 1 GiB each time).
fn gemma() -> Option<&'static NeuralLm> {
    static MODEL: OnceLock<Option<NeuralLm>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let path = unspin_neural::known_path("gemma").expect("a known name");
            unspin_testkit::require(
                path.is_file(),
                &path.display().to_string(),
                "run scripts/fetch-neural-lm.sh gemma",
            )
            .then(|| NeuralLm::load_known("gemma").expect("the fetched model loads"))
        })
        .as_ref()
}

#[test]
fn text_goes_through_the_sentencepiece_tokenizer_to_the_scores_candle_gives() {
    let Some(lm) = gemma() else { return };
    // The token ids and log-probabilities of forward.rs's Gemma oracle test, now reached from
    // text: "<bos>The president said on" + " Tuesday that the" / " government would". A
    // different tokenization (a missing space mark, a missing <bos>) gives other numbers.
    let scores = lm
        .score_continuations(
            "The president said on",
            &[
                " Tuesday that the".to_owned(),
                " government would".to_owned(),
            ],
        )
        .unwrap();
    let expected = [
        -2.101_874_8 - 0.534_473_8 - 0.826_986_7,
        -10.935_808 - 11.193_812,
    ];
    for (s, e) in scores.iter().zip(expected) {
        assert!(
            (s - e).abs() < 1e-3 * e.abs(),
            "{scores:?} against {expected:?}"
        );
    }
}

#[test]
fn the_original_reads_better_than_its_spun_form_and_any_text_scores() {
    let Some(lm) = gemma() else { return };
    let continuations = [
        " moving average since May.".to_owned(),
        " shifting common since May.".to_owned(),
        // Characters outside the vocabulary go through its byte tokens.
        " ✓ 7,5 % ₿ ⟨crème brûlée⟩ \u{1F680}\u{10FFFF}".to_owned(),
    ];
    let scores = lm
        .score_continuations("Bitcoin has traded above its 50-day", &continuations)
        .unwrap();
    assert!(
        scores.iter().all(|s| s.is_finite() && *s < 0.0),
        "{scores:?}"
    );
    assert!(scores[0] > scores[1] + 10.0, "{scores:?}");
}

#[test]
fn gemma_is_not_run_without_its_terms_of_use() {
    // A cache folder holding the weights' file but not the terms beside it. Refused before
    // anything is read, so the file may be empty.
    let cache = std::env::temp_dir().join(format!("unspin-gemma-terms-{}", std::process::id()));
    std::fs::create_dir_all(cache.join("gemma")).unwrap();
    std::fs::write(cache.join("gemma/gemma-3-270m-q4_k_m.gguf"), b"").unwrap();
    let err = NeuralLm::load_known_from(&cache, "gemma")
        .err()
        .expect("refused");
    assert!(matches!(err, NeuralError::Missing { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("GEMMA_TERMS.html"), "{message}");
    assert!(message.contains("fetch-neural-lm.sh gemma"), "{message}");
    // With the terms there, the empty file itself is what is refused, by name.
    std::fs::write(cache.join("gemma/GEMMA_TERMS.html"), b"terms").unwrap();
    let err = NeuralLm::load_known_from(&cache, "gemma")
        .err()
        .expect("refused");
    assert!(matches!(err, NeuralError::Format { .. }), "{err}");
    assert!(
        err.to_string().contains("gemma-3-270m-q4_k_m.gguf"),
        "{err}"
    );
    std::fs::remove_dir_all(&cache).unwrap();
}
