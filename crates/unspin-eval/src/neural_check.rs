//! Whether `check` would gain from the neural language model (issue: neural LM, "check may
//! use the neural score too, if it pays: measure it").
//!
//! check's evidence is a list of phrases whose best original reads better under the trigram.
//! Here the neural model is asked the same question of each of them, at its first
//! occurrence: the original's log-probability against the phrase as written, in the text's
//! own context, with the four words after it as written. A spun text's evidence should read
//! better restored under a fluent model too; a clean text's evidence (a jargon term the
//! trigram does not know) should not. The feature is the sum of those gains that are positive,
//! weighted by the phrase's occurrences, per 100 words ([`unspin_core::neural_check`]). It
//! is measured beside check's own probability ([`report`]), and [`fit`] fits the
//! calibration check uses under `--lm` ([`unspin_core::neural_check::NeuralCalibration`]).

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use rayon::prelude::*;
use unspin_core::rescore::ContinuationScorer;
use unspin_core::{Engine, Model};

use crate::detect::Scored;
use crate::wildtrain::{self, FoldLearning};

/// The neural model's agreement with check's evidence on `text`
/// ([`unspin_core::neural_check::agreement`]), and check's probability. `None` when the
/// model failed.
pub fn measure(engine: &Engine, text: &str, scorer: &dyn ContinuationScorer) -> Option<(f64, f64)> {
    let report = engine.check(text);
    let agreement = unspin_core::neural_check::agreement(&report, text, scorer)?;
    // The trigram model's probability, whether or not the engine asked a neural model.
    let probability = report
        .neural
        .map_or(report.probability, |n| n.check_probability);
    Some((f64::from(probability), f64::from(agreement)))
}

/// One document's check probability and neural agreement.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Measured {
    /// check's calibrated probability.
    pub probability: f64,
    /// [`unspin_core::neural_check::agreement`].
    pub agreement: f64,
    /// Whether the document is spun.
    pub spun: bool,
}

/// check's probability moved by the neural agreement: its log-odds plus `weight` times the
/// agreement.
fn combined(m: &Measured, weight: f64) -> f64 {
    log_odds(m.probability) + weight * m.agreement
}

/// The log-odds of a probability, kept finite at 0 and 1.
fn log_odds(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
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

/// What [`fit`] fits on besides the real pages, and what it reports on.
pub struct FitData<'a> {
    /// Clean texts to fit on (`work-data/brown/fit`).
    pub fit_clean: &'a [String],
    /// How many examples each of those counts for.
    pub fit_clean_weight: f64,
    /// How many examples each real spun page counts for.
    pub page_weight: f64,
    /// Named groups of clean texts reported on, never fitted on (wild-clean-dev, the Brown
    /// corpus's held half).
    pub held_clean: &'a [(String, Vec<String>)],
}

/// One fold's documents measured: its pages (style, check's log-odds, agreement), the fit
/// clean texts and each held clean group, all checked with the table learned from the other
/// fold's pages.
struct FoldMeasured {
    pages: Vec<(String, [f64; 2])>,
    fit_clean: Vec<[f64; 2]>,
    held: Vec<Vec<[f64; 2]>>,
}

/// check's log-odds and the agreement of `text`; `None` (and counted) when the model failed.
fn row(
    engine: &Engine,
    scorer: &dyn ContinuationScorer,
    text: &str,
    failures: &std::sync::atomic::AtomicUsize,
) -> Option<[f64; 2]> {
    let measured = measure(engine, text, scorer);
    if measured.is_none() {
        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let (p, g) = measured?;
    Some([log_odds(p), g])
}

/// [`row`] of each text, in parallel; the texts the model failed on are left out.
fn rows(
    engine: &Engine,
    scorer: &dyn ContinuationScorer,
    texts: &[String],
    failures: &std::sync::atomic::AtomicUsize,
) -> Vec<[f64; 2]> {
    texts
        .par_iter()
        .filter_map(|t| row(engine, scorer, t, failures))
        .collect()
}

/// A fitted calibration's logit.
fn logit(fitted: &(f64, Vec<f64>), x: &[f64; 2]) -> f64 {
    fitted.0 + fitted.1[0] * x[0] + fitted.1[1] * x[1]
}

/// Fits the neural check calibration ([`unspin_core::neural_check::NeuralCalibration`]) for
/// the model behind `scorer`: a weighted logistic fit of check's log-odds and the model's
/// agreement on the real spun pages of `dir` (every style) against the `fit_clean` texts.
/// Each fold's pages are checked with the table learned from the other fold's pages of
/// `style`, as in [`wildtrain::report`]. Reports, per fold, the calibration fitted without
/// that fold's pages (and with the other fold's table on the clean texts) and what it flags
/// of that fold's pages and of the held clean groups beside check alone: the held-out
/// figures. Then the calibration fitted on both folds: the one to ship.
pub fn fit(
    model_path: &Path,
    dir: &Path,
    style: &str,
    set: &[String],
    learning: &FoldLearning<'_>,
    scorer: &dyn ContinuationScorer,
    data: &FitData<'_>,
) -> Result<serde_json::Value> {
    let pages = wildtrain::read_pages(dir)?;
    let generic = Arc::new(Model::open(model_path)?);
    let failures = std::sync::atomic::AtomicUsize::new(0);
    let mut measured = Vec::new();
    for fold in 0..2 {
        let (_, _, with_table) =
            wildtrain::fold_model(&generic, model_path, &pages, fold, style, learning)?;
        let engine = wildtrain::engine_for(Arc::new(with_table), set)?;
        // A page the model fails on is left out with its style.
        let page_rows: Vec<(String, [f64; 2])> = pages
            .par_iter()
            .filter(|p| p.fold == fold)
            .filter_map(|p| Some((p.style.clone(), row(&engine, scorer, &p.text, &failures)?)))
            .collect();
        let held = data
            .held_clean
            .iter()
            .map(|(_, texts)| rows(&engine, scorer, texts, &failures))
            .collect();
        measured.push(FoldMeasured {
            pages: page_rows,
            fit_clean: rows(&engine, scorer, data.fit_clean, &failures),
            held,
        });
    }
    let examples = |m: &FoldMeasured| -> Vec<([f64; 2], bool, f64)> {
        m.pages
            .iter()
            .map(|(_, x)| (*x, true, data.page_weight))
            .chain(
                m.fit_clean
                    .iter()
                    .map(|x| (*x, false, data.fit_clean_weight)),
            )
            .collect()
    };
    // Without the agreement (its column zero, which the ridge keeps at weight zero): check's
    // own log-odds refitted on the same examples, so that what the agreement adds is told
    // apart from a move of the threshold.
    let fit_on = |examples: &[([f64; 2], bool, f64)], with_agreement: bool| {
        let xs: Vec<Vec<f64>> = examples
            .iter()
            .map(|e| vec![e.0[0], if with_agreement { e.0[1] } else { 0.0 }])
            .collect();
        let ys: Vec<bool> = examples.iter().map(|e| e.1).collect();
        let ws: Vec<f64> = examples.iter().map(|e| e.2).collect();
        crate::detect::fit_logistic_weighted(&xs, &ys, &ws)
    };
    let check_alone = (0.0, vec![1.0, 0.0]);
    let mut styles: Vec<&str> = pages.iter().map(|p| p.style.as_str()).collect();
    styles.sort_unstable();
    styles.dedup();
    let mut held_out = Vec::new();
    for (fold, m) in measured.iter().enumerate() {
        let fitted = fit_on(&examples(&measured[1 - fold]), true);
        let refitted = fit_on(&examples(&measured[1 - fold]), false);
        let flagged = |cal: &(f64, Vec<f64>), rows: &mut dyn Iterator<Item = &[f64; 2]>| {
            rows.filter(|x| logit(cal, x) >= 0.0).count()
        };
        let by_style: Vec<serde_json::Value> = styles
            .iter()
            .map(|s| {
                let of_style = || m.pages.iter().filter(|p| p.0 == *s).map(|p| &p.1);
                serde_json::json!({
                    "style": s,
                    "pages": of_style().count(),
                    "flagged_check_alone": flagged(&check_alone, &mut of_style()),
                    "flagged_check_alone_refitted": flagged(&refitted, &mut of_style()),
                    "flagged_with_neural": flagged(&fitted, &mut of_style()),
                })
            })
            .collect();
        let held: Vec<serde_json::Value> = data
            .held_clean
            .iter()
            .zip(&m.held)
            .map(|((name, _), rows)| {
                // The AUC of the style's pages against this group's texts.
                let auc = |cal: &(f64, Vec<f64>)| {
                    let scored: Vec<Scored> = m
                        .pages
                        .iter()
                        .filter(|p| p.0 == style)
                        .map(|p| (&p.1, true))
                        .chain(rows.iter().map(|x| (x, false)))
                        .map(|(x, spun)| Scored {
                            score: logit(cal, x),
                            spun,
                        })
                        .collect();
                    crate::detect::auc(&scored)
                };
                serde_json::json!({
                    "clean": name,
                    "texts": rows.len(),
                    "flagged_check_alone": flagged(&check_alone, &mut rows.iter()),
                    "flagged_check_alone_refitted": flagged(&refitted, &mut rows.iter()),
                    "flagged_with_neural": flagged(&fitted, &mut rows.iter()),
                    "auc_check_alone": auc(&check_alone),
                    "auc_with_neural": auc(&fitted),
                })
            })
            .collect();
        held_out.push(serde_json::json!({
            "fold": fold,
            "fitted_on_other_fold": {"bias": fitted.0, "check_weight": fitted.1[0],
                "agreement_weight": fitted.1[1]},
            "check_alone_refitted": {"bias": refitted.0, "check_weight": refitted.1[0]},
            "pages": by_style,
            "held_clean": held,
        }));
    }
    let all: Vec<_> = measured.iter().flat_map(examples).collect();
    let shipped = fit_on(&all, true);
    Ok(serde_json::json!({
        "lm": scorer.name(),
        "style": style,
        "fit_clean_texts": data.fit_clean.len(),
        "failures": failures.load(std::sync::atomic::Ordering::Relaxed),
        "held_out": held_out,
        "calibration": {"bias": shipped.0, "check_weight": shipped.1[0],
            "agreement_weight": shipped.1[1]},
    }))
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
