//! The engine: one entry point for check and restore over a shared model.
//!
//! An [`Engine`] owns an `Arc<Model>`, the [`Weights`] it analyses with and a
//! [`CandidateCache`] shared by every clone, so that a server's workers, a scan's threads and
//! Python's calls all reuse what earlier documents computed. It is `Send + Sync` and cheap to
//! clone.
//!
//! Data flow: text -> [`Document`] (tokens, sentences, ranked candidates; prepared once) ->
//! [`check::check`] (probability and evidence) -> [`restore::restore`] (with that
//! probability) -> [`Analysis`]. [`Engine::check`] and [`Engine::restore`] are views of the
//! same flow; [`Engine::counts`] tells how often each step ran, so callers can show that
//! they do each analysis once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;

use crate::candidates::Candidate;
use crate::check::{self, CheckReport};
use crate::document::{self, CandidateCache, Document};
use crate::neural_check;
use crate::rescore::ContinuationScorer;
use crate::restore::{self, Restoration};
use crate::weights::Weights;
use crate::Model;

/// What the engine concludes about one text: the check report and the restoration made
/// with its probability.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// Whether the text is spun, and the phrases that say so.
    pub check: CheckReport,
    /// The restored text and every change.
    pub restoration: Restoration,
}

/// How many times each step of the analysis ran, over all clones of an engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AnalysisCounts {
    /// Documents prepared (tokenised, split, given candidates).
    pub prepared: u64,
    /// Check reports computed.
    pub checked: u64,
    /// Restorations computed.
    pub restored: u64,
    /// Phrases whose document-level decision restore made with a second language model at
    /// hand: the decisions it could have been sent (see [`crate::rescore`]).
    pub rescore_decisions: u64,
    /// Spun phrases whose decision a second language model made (see [`crate::rescore`]).
    pub rescored_phrases: u64,
    /// Their occurrences it scored.
    pub rescored_occurrences: u64,
    /// Phrases it failed on, left to the trigram model's decision.
    pub rescore_failures: u64,
    /// Check reports the second language model had its say in (see
    /// [`crate::neural_check`]).
    pub neural_checks: u64,
    /// Check reports it failed on, left with the trigram model's probability.
    pub neural_check_failures: u64,
}

#[derive(Default)]
struct Counters {
    prepared: AtomicU64,
    checked: AtomicU64,
    restored: AtomicU64,
    rescore_decisions: AtomicU64,
    rescored_phrases: AtomicU64,
    rescored_occurrences: AtomicU64,
    rescore_failures: AtomicU64,
    neural_checks: AtomicU64,
    neural_check_failures: AtomicU64,
}

struct Shared {
    model: Arc<Model>,
    weights: Weights,
    /// The second language model for restore's close decisions, if any.
    rescorer: Option<Arc<dyn ContinuationScorer>>,
    cache: CandidateCache,
    counts: Counters,
}

/// Checks and restores texts with one model and one set of weights.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
}

impl Engine {
    /// An engine with the model's own weights.
    pub fn new(model: Arc<Model>) -> Self {
        let weights = model.weights.clone();
        Self::with_weights(model, weights)
    }

    /// An engine with other weights (candidates are ranked with them, so the cache is its
    /// own).
    pub fn with_weights(model: Arc<Model>, weights: Weights) -> Self {
        Engine {
            shared: Arc::new(Shared {
                cache: CandidateCache::new(&model, &weights),
                model,
                weights,
                rescorer: None,
                counts: Counters::default(),
            }),
        }
    }

    /// This engine with `scorer` deciding restore's close calls (see [`crate::rescore`]); a
    /// new engine (its own candidate cache and counts) over the same model and weights.
    pub fn with_rescorer(&self, scorer: Arc<dyn ContinuationScorer>) -> Engine {
        Engine {
            shared: Arc::new(Shared {
                model: self.shared.model.clone(),
                weights: self.shared.weights.clone(),
                rescorer: Some(scorer),
                cache: CandidateCache::new(&self.shared.model, &self.shared.weights),
                counts: Counters::default(),
            }),
        }
    }

    /// A new engine with this one's model, weights and second language model, and its own
    /// empty candidate cache and zeroed counts: what a benchmark's round starts from.
    pub fn fresh(&self) -> Engine {
        let engine = Engine::with_weights(self.shared.model.clone(), self.shared.weights.clone());
        match &self.shared.rescorer {
            Some(scorer) => engine.with_rescorer(scorer.clone()),
            None => engine,
        }
    }

    /// The second language model's name, if one decides close calls.
    pub fn rescorer_name(&self) -> Option<&str> {
        self.shared.rescorer.as_deref().map(|r| r.name())
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.shared.model
    }

    /// The model, shared.
    pub fn model_arc(&self) -> &Arc<Model> {
        &self.shared.model
    }

    /// The weights this engine analyses with.
    pub fn weights(&self) -> &Weights {
        &self.shared.weights
    }

    /// Prepares a text for [`Engine::check_document`] and [`Engine::restore_document`].
    pub fn prepare<'t>(&self, text: &'t str) -> Document<'t> {
        self.shared.counts.prepared.fetch_add(1, Ordering::Relaxed);
        let s = &*self.shared;
        document::prepare(&s.model, &s.weights, &s.cache, text)
    }

    /// Checks a prepared document. With a second language model that the calibration has
    /// an entry for, the model's agreement with the evidence moves the probability (see
    /// [`crate::neural_check`]); if the model fails, the trigram model's stands.
    pub fn check_document(&self, doc: &Document<'_>) -> CheckReport {
        let s = &*self.shared;
        s.counts.checked.fetch_add(1, Ordering::Relaxed);
        let mut report = check::check(&s.model, &s.weights, doc);
        let calibration = &s.weights.check;
        let Some((scorer, neural)) = s
            .rescorer
            .as_deref()
            .and_then(|r| Some((r, calibration.neural.get(r.name())?)))
        else {
            return report;
        };
        match neural_check::agreement(&report, doc.input, scorer) {
            Some(agreement) => {
                s.counts.neural_checks.fetch_add(1, Ordering::Relaxed);
                let check_probability = report.probability;
                report.probability = neural.probability(check_probability, agreement);
                report.verdict = calibration.verdict(report.words, report.probability);
                report.neural = Some(neural_check::NeuralCheck {
                    lm: scorer.name().to_owned(),
                    agreement,
                    check_probability,
                });
            }
            None => {
                s.counts
                    .neural_check_failures
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
        report
    }

    /// Restores a prepared document, given its check report when the weights read the spin
    /// probability ([`crate::weights::Params::reads_spin_probability`]; without a report the
    /// document is restored as if check had found it clean).
    pub fn restore_document(&self, doc: &Document<'_>, check: Option<&CheckReport>) -> Restoration {
        let s = &*self.shared;
        s.counts.restored.fetch_add(1, Ordering::Relaxed);
        let rescorer = s.rescorer.as_deref();
        let (restoration, rescored) =
            restore::restore_rescored(&s.model, &s.weights, doc, check, rescorer);
        let c = &s.counts;
        c.rescore_decisions
            .fetch_add(rescored.decisions as u64, Ordering::Relaxed);
        c.rescored_phrases
            .fetch_add(rescored.phrases as u64, Ordering::Relaxed);
        c.rescored_occurrences
            .fetch_add(rescored.occurrences as u64, Ordering::Relaxed);
        c.rescore_failures
            .fetch_add(rescored.failures as u64, Ordering::Relaxed);
        restoration
    }

    /// Checks and restores a text, preparing it once and checking it once.
    pub fn analyse(&self, text: &str) -> Analysis {
        let doc = self.prepare(text);
        let check = self.check_document(&doc);
        let restoration = self.restore_document(&doc, Some(&check));
        Analysis { check, restoration }
    }

    /// Checks a text.
    pub fn check(&self, text: &str) -> CheckReport {
        self.check_document(&self.prepare(text))
    }

    /// Restores a text (checking it first only when the weights read the spin probability).
    pub fn restore(&self, text: &str) -> Restoration {
        let doc = self.prepare(text);
        let check = self
            .weights()
            .restore
            .reads_spin_probability()
            .then(|| self.check_document(&doc));
        self.restore_document(&doc, check.as_ref())
    }

    /// The candidates of `phrase` (lowercase words separated by single spaces) taken as one
    /// span, in the order restore considers them: what a developer needs to see why an
    /// original was or was not proposed.
    pub fn candidates(&self, phrase: &str) -> Vec<Candidate> {
        let words: Vec<&str> = phrase.split(' ').collect();
        document::phrase_candidates(self.model(), self.weights(), &words, phrase)
    }

    /// Every original proposed for `phrase` taken as one span: the set any restoration of
    /// that phrase must come from.
    pub fn candidate_set(&self, phrase: &str) -> Vec<String> {
        self.candidates(phrase)
            .into_iter()
            .map(|c| c.text.into_string())
            .collect()
    }

    /// Channel score (nats) of `c` for a `spun_len`-word span under this engine's weights,
    /// as a document check found clean would pay it.
    pub fn channel_score(&self, c: &Candidate, spun_len: usize) -> f32 {
        document::channel_score(self.model(), c, spun_len, &self.weights().restore)
    }

    /// How often each step has run, over all clones of this engine.
    pub fn counts(&self) -> AnalysisCounts {
        let c = &self.shared.counts;
        AnalysisCounts {
            prepared: c.prepared.load(Ordering::Relaxed),
            checked: c.checked.load(Ordering::Relaxed),
            restored: c.restored.load(Ordering::Relaxed),
            rescore_decisions: c.rescore_decisions.load(Ordering::Relaxed),
            rescored_phrases: c.rescored_phrases.load(Ordering::Relaxed),
            rescored_occurrences: c.rescored_occurrences.load(Ordering::Relaxed),
            rescore_failures: c.rescore_failures.load(Ordering::Relaxed),
            neural_checks: c.neural_checks.load(Ordering::Relaxed),
            neural_check_failures: c.neural_check_failures.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn an_engine_can_be_shared_across_threads() {
        assert_send_sync::<Engine>();
    }
}
