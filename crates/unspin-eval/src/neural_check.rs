//! Whether `check` would gain from the neural language model (issue: neural LM, "check may
//! use the neural score too, if it pays: measure it").
//!
//! check's evidence is a list of phrases whose best original reads better under the trigram.
//! Here the neural model is asked the same question of each of them, at its first
//! occurrence: the original's log-probability against the phrase as written, in the text's
//! own context, with the four words after it as written. A spun text's evidence should read
//! better restored under a fluent model too; a clean text's evidence (a jargon term the
//! trigram does not know) should not. The feature is the sum of those gains that are positive,
//! weighted by the phrase's occurrences, per 100 words. It is measured beside check's own
//! probability, never wired into check unless it pays.

use unspin_core::check::CheckReport;
use unspin_core::rescore::{ContinuationRequest, ContinuationScorer};
use unspin_core::text;

use crate::detect::Scored;

/// Bytes of context before a phrase the model reads (its own window keeps the last 64
/// tokens of it).
const CONTEXT_BYTES: usize = 400;

/// Words after a phrase, as written, scored with each continuation.
const WORDS_AFTER: usize = 4;

/// The neural model's agreement with `report`'s evidence on `text`: positive gains (nats) of
/// the original over the phrase as written, times its occurrences, per 100 words. `None`
/// when the model failed on a request.
pub fn neural_agreement(
    report: &CheckReport,
    text: &str,
    scorer: &dyn ContinuationScorer,
) -> Option<f64> {
    let requests: Vec<ContinuationRequest> = report
        .evidence
        .iter()
        .map(|e| {
            let mut from = e.start.saturating_sub(CONTEXT_BYTES);
            while !text.is_char_boundary(from) {
                from += 1;
            }
            let after: String = text[e.end..]
                .split_inclusive(char::is_whitespace)
                .filter(|w| !w.trim().is_empty())
                .take(WORDS_AFTER)
                .collect();
            // The original is stored lowercase: give it the written phrase's first capital.
            let written = &text[e.start..e.end];
            let original = match written.starts_with(char::is_uppercase) {
                true => text::apply_case(&e.original, text::Case::Title, false),
                false => e.original.clone(),
            };
            let space = |s: &str| match after.is_empty() {
                true => format!(" {s}"),
                false => format!(" {s} {}", after.trim_end()),
            };
            ContinuationRequest {
                context: text[from..e.start].trim_end().to_owned(),
                continuations: vec![space(written), space(&original)],
            }
        })
        .collect();
    let answers = scorer.score_requests(&requests);
    let mut sum = 0.0f64;
    for (e, answer) in report.evidence.iter().zip(answers) {
        let scores = answer.ok()?;
        let gain = f64::from(scores[1] - scores[0]);
        sum += gain.max(0.0) * e.occurrences as f64;
    }
    Some(100.0 * sum / report.words.max(1) as f64)
}

/// One document's check probability and neural agreement.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Measured {
    /// check's calibrated probability.
    pub probability: f64,
    /// [`neural_agreement`].
    pub agreement: f64,
    /// Whether the document is spun.
    pub spun: bool,
}

/// check's probability moved by the neural agreement: its log-odds plus `weight` times the
/// agreement.
fn combined(m: &Measured, weight: f64) -> f64 {
    let p = m.probability.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln() + weight * m.agreement
}

/// The weights tried for the combination.
const WEIGHTS: [f64; 9] = [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0];

/// The report on two folds' documents: the AUC of check alone, of the agreement alone, and of
/// the combination with its weight chosen on the other fold (the fold's own documents never
/// choose it).
pub fn report(folds: &[Vec<Measured>; 2]) -> serde_json::Value {
    let auc_of = |docs: &[Measured], score: &dyn Fn(&Measured) -> f64| {
        let scored: Vec<Scored> = docs
            .iter()
            .map(|m| Scored {
                score: score(m),
                spun: m.spun,
            })
            .collect();
        crate::detect::auc(&scored).unwrap_or(f64::NAN)
    };
    let mut rows = Vec::new();
    for (fold, docs) in folds.iter().enumerate() {
        let other = &folds[1 - fold];
        // The smallest weight of the best AUC on the other fold.
        let mut chosen = (0.0, f64::NEG_INFINITY);
        for weight in WEIGHTS {
            let auc = auc_of(other, &|m| combined(m, weight));
            if auc > chosen.1 {
                chosen = (weight, auc);
            }
        }
        let chosen = chosen.0;
        rows.push(serde_json::json!({
            "fold": fold,
            "documents": docs.len(),
            "check_auc": auc_of(docs, &|m| m.probability),
            "neural_agreement_auc": auc_of(docs, &|m| m.agreement),
            "weight_chosen_on_other_fold": chosen,
            "combined_auc": auc_of(docs, &|m| combined(m, chosen)),
            "documents_measured": docs,
        }));
    }
    serde_json::json!(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(probability: f64, agreement: f64, spun: bool) -> Measured {
        Measured {
            probability,
            agreement,
            spun,
        }
    }

    #[test]
    fn the_combination_weight_is_chosen_on_the_other_fold() {
        // Fold 1's check alone is perfect; fold 0 needs the agreement. So fold 0's weight
        // (chosen on fold 1) is 0, and fold 1's (chosen on fold 0) is not.
        let fold0 = vec![doc(0.4, 5.0, true), doc(0.6, 0.0, false)];
        let fold1 = vec![doc(0.9, 0.0, true), doc(0.1, 3.0, false)];
        let rows = report(&[fold0, fold1]);
        assert_eq!(rows[0]["check_auc"], 0.0);
        assert_eq!(rows[0]["neural_agreement_auc"], 1.0);
        assert_eq!(rows[0]["weight_chosen_on_other_fold"], 0.0);
        assert_eq!(rows[0]["combined_auc"], 0.0);
        assert!(rows[1]["weight_chosen_on_other_fold"].as_f64().unwrap() > 0.0);
    }
}
