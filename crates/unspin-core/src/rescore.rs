//! The seam for a second, slower language model that rescores restore's close decisions.
//!
//! The trigram model makes the easy calls and prunes the candidates; where a phrase's
//! document-level decision is within [`crate::weights::Params::rescore_margin`] nats of
//! going the other way, restore asks a [`ContinuationScorer`] (a neural model, in
//! `unspin-neural`) how likely each of the top originals, and the phrase as written, reads
//! after the words before it and followed by the words after it, and puts that in place of
//! the trigram's judgement of those occurrences. The scorer sees text with its case and
//! punctuation, which the trigram model does not.

use std::fmt;

/// A language model that scores written continuations of a context.
pub trait ContinuationScorer: Send + Sync {
    /// A short name for reports (`smollm2`).
    fn name(&self) -> &str;

    /// The log-probability (nats) of each of `continuations` written right after `context`.
    /// A continuation carries its own leading space when it starts a new word; all are
    /// scored against the same context, so the differences between them are what count.
    fn score_continuations(
        &self,
        context: &str,
        continuations: &[String],
    ) -> Result<Vec<f32>, ScorerError>;

    /// [`ContinuationScorer::score_continuations`] for many requests at once, in order. A
    /// model that gains from scoring several together (a neural model reads its weights once
    /// per pass) overrides this; by default the requests are scored one by one.
    fn score_requests(
        &self,
        requests: &[ContinuationRequest],
    ) -> Vec<Result<Vec<f32>, ScorerError>> {
        requests
            .iter()
            .map(|r| self.score_continuations(&r.context, &r.continuations))
            .collect()
    }
}

/// Continuations to score after one context (see [`ContinuationScorer::score_requests`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContinuationRequest {
    /// The text before.
    pub context: String,
    /// What may follow it, each with its own leading space when it starts a new word.
    pub continuations: Vec<String>,
}

/// A scorer's failure (restore then keeps the trigram model's decision).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScorerError(pub String);

impl fmt::Display for ScorerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScorerError {}
