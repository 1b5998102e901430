//! check with a second language model: whether a fluent model agrees with check's evidence.
//!
//! check's evidence is a list of phrases whose best original reads better under the trigram
//! model. A spun text's evidence ("White Home", "essentially the most") should read better
//! restored under a neural model too, which sees case, digits and punctuation; a clean
//! text's evidence (a jargon term the trigram does not know, a market report's figures)
//! should not. So the neural model is asked the same question of each evidence phrase, at its
//! first occurrence: the original's log-probability against the phrase as written, in the
//! text's own context and followed by the words after it as written. The document's
//! *agreement* is the sum of the gains that are positive, times the phrase's occurrences, per
//! 100 words.
//!
//! A [`NeuralCalibration`] (one per neural model, in [`crate::weights::Calibration::neural`])
//! turns check's probability and the agreement into the probability reported. Measured
//! (BENCHMARKS.md, "check with the neural model"): SmolLM2's agreement alone ranks spun pages
//! against clean texts about as well as all of check; calibrated on real spun pages and
//! formal prose, check under it is a more cautious detector (far fewer false alarms on formal
//! prose, somewhat fewer spun pages flagged).

pub use crate::check::NeuralCheck;
use crate::check::{CheckReport, Evidence};
use crate::rescore::{ContinuationRequest, ContinuationScorer};
pub use crate::weights::NeuralCalibration;

/// The evidence whose first occurrence lies in `text` (a report checked on this text always;
/// a report paired with the wrong text never sends a slice out of bounds).
fn evidence_in<'r>(report: &'r CheckReport, text: &'r str) -> impl Iterator<Item = &'r Evidence> {
    report
        .evidence
        .iter()
        .filter(move |e| text.get(e.start..e.end).is_some())
}

/// The requests [`agreement`] sends for `report`'s evidence on `text`: per phrase, the
/// context before its first occurrence, then the phrase as written and its original, each
/// followed by the next words as written.
pub fn agreement_requests(report: &CheckReport, text: &str) -> Vec<ContinuationRequest> {
    evidence_in(report, text)
        .map(|e| ContinuationRequest::written_or_original(text, e.start..e.end, &e.original))
        .collect()
}

/// The neural model's agreement with `report`'s evidence on `text`: the positive gains
/// (nats) of each phrase's original over the phrase as written, times the phrase's
/// occurrences, per 100 words. `None` when the model failed on a request (check then keeps
/// its own probability); 0 when there is no evidence.
pub fn agreement(report: &CheckReport, text: &str, scorer: &dyn ContinuationScorer) -> Option<f32> {
    let requests = agreement_requests(report, text);
    let answers = scorer.score_requests(&requests);
    let mut sum = 0.0f64;
    let occurrences = evidence_in(report, text).map(|e| e.occurrences);
    for (occurrences, answer) in occurrences.zip(answers) {
        let scores = answer.ok()?;
        let gain = f64::from(scores.get(1)? - scores.first()?);
        sum += gain.max(0.0) * occurrences as f64;
    }
    Some((100.0 * sum / report.words.max(1) as f64) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Evidence, Features, Verdict};
    use crate::rescore::{FailingScorer, ScorerError};

    /// Scores a continuation by whether it contains `good`: the original reads better.
    struct Prefers(&'static str);

    impl ContinuationScorer for Prefers {
        fn name(&self) -> &str {
            "prefers"
        }
        fn score_continuations(
            &self,
            _context: &str,
            continuations: &[String],
        ) -> Result<Vec<f32>, ScorerError> {
            Ok(continuations
                .iter()
                .map(|c| if c.contains(self.0) { -1.0 } else { -4.0 })
                .collect())
        }
    }

    fn report(text: &str, phrase: &str, original: &str, occurrences: usize) -> CheckReport {
        let start = text.find(phrase).unwrap();
        CheckReport {
            probability: 0.5,
            verdict: Verdict::Spun,
            words: text.split_whitespace().count(),
            spintax: 0,
            evidence: vec![Evidence {
                start,
                end: start + phrase.len(),
                spun: phrase.into(),
                original: original.into(),
                gain: 3.0,
                occurrences,
            }],
            features: Features::default(),
            neural: None,
        }
    }

    #[test]
    fn the_agreement_counts_gains_for_the_original_only() {
        let text = "The White Home said on Monday that the talks would go on.";
        let r = report(text, "White Home", "white house", 2);
        let requests = agreement_requests(&r, text);
        assert_eq!(requests[0].context, "The");
        // The original takes the written phrase's capital; both read on with 4 words.
        assert_eq!(
            requests[0].continuations,
            [
                " White Home said on Monday that",
                " White house said on Monday that"
            ]
        );
        let words = 12.0;
        let agrees = agreement(&r, text, &Prefers("house")).unwrap();
        assert!(
            (agrees - 100.0 * 3.0 * 2.0 / words).abs() < 1e-4,
            "{agrees}"
        );
        // A model that prefers the phrase as written gives no negative agreement.
        assert_eq!(agreement(&r, text, &Prefers("Home")), Some(0.0));
        assert_eq!(agreement(&r, text, &FailingScorer), None);
    }

    #[test]
    fn evidence_outside_the_text_is_not_sent() {
        let r = report("a White Home b", "White Home", "white house", 1);
        assert!(agreement_requests(&r, "short").is_empty());
        assert_eq!(agreement(&r, "short", &Prefers("house")), Some(0.0));
    }

    #[test]
    fn agreement_raises_the_probability_and_none_leaves_the_log_odds_scaled() {
        let c = NeuralCalibration {
            bias: -0.5,
            check_weight: 1.0,
            agreement_weight: 0.5,
        };
        let low = c.probability(0.4, 0.0);
        let high = c.probability(0.4, 3.0);
        assert!(high > 0.5 && low < 0.4, "{low} {high}");
        // Certain inputs stay finite.
        assert!(c.probability(1.0, 0.0).is_finite() && c.probability(0.0, 100.0) <= 1.0);
    }
}
