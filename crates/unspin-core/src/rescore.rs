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
use std::sync::atomic::{AtomicU64, Ordering};

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

    /// The words the model finds likeliest to come right after each of `contexts` (each a
    /// text's words up to a place, without the space after), best first, at most `limit`
    /// per context, lowercase: an open guess at what was written there, with no thesaurus
    /// behind it ([`crate::vet::guess_originals`] asks it for originals past the candidate
    /// lists' cut).
    /// A word is a whole token that starts one; words the model spells in several tokens
    /// are not among them. A model that cannot guess (the default) answers no words.
    fn next_words(
        &self,
        contexts: &[String],
        _limit: usize,
    ) -> Vec<Result<Vec<String>, ScorerError>> {
        contexts.iter().map(|_| Ok(Vec::new())).collect()
    }
}

/// Continuations to score after one context (see [`ContinuationScorer::score_requests`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContinuationRequest {
    /// The text before.
    pub context: String,
    /// What may follow it, each with its own leading space when it starts a new word.
    pub continuations: Vec<String>,
}

/// Bytes of context before a phrase that [`ContinuationRequest::written_or_original`] sends
/// (a neural model's own window keeps the last tokens of it).
const CONTEXT_BYTES: usize = 400;

/// Words after a phrase, as written, that [`ContinuationRequest::written_or_original`] sends
/// with each continuation: a spun phrase often reads well alone and badly with what follows
/// ("in opposition to the ...").
const WORDS_AFTER: usize = 4;

impl ContinuationRequest {
    /// The question "does `original` read better than the phrase written at `at` in
    /// `text`?": the context before the phrase (up to 400 bytes), then two continuations, the
    /// phrase as written and `original` (given the written phrase's first capital), each
    /// followed by the next four words as written. The answer's second score minus its first
    /// is the original's gain. `at` must lie on character boundaries of `text`.
    pub fn written_or_original(
        text: &str,
        at: std::ops::Range<usize>,
        original: &str,
    ) -> ContinuationRequest {
        Self::written_or_originals(text, at, &[original])
    }

    /// [`ContinuationRequest::written_or_original`] with several originals: the phrase as
    /// written first, then each original in order, all in the same context and followed by the
    /// same words.
    pub fn written_or_originals(
        text: &str,
        at: std::ops::Range<usize>,
        originals: &[&str],
    ) -> ContinuationRequest {
        let after: String = text[at.end..]
            .split_inclusive(char::is_whitespace)
            .filter(|w| !w.trim().is_empty())
            .take(WORDS_AFTER)
            .collect();
        // An original is stored lowercase: give it the written phrase's first capital.
        let written = &text[at.clone()];
        let capital = written.starts_with(char::is_uppercase);
        let space = |s: &str| match after.trim_end() {
            "" => format!(" {s}"),
            after => format!(" {s} {after}"),
        };
        let continuations = std::iter::once(space(written))
            .chain(originals.iter().map(|original| match capital {
                true => space(&crate::text::apply_case(
                    original,
                    crate::text::Case::Title,
                    false,
                )),
                false => space(original),
            }))
            .collect();
        ContinuationRequest {
            context: Self::context_before(text, at.start),
            continuations,
        }
    }

    /// The context these requests give a phrase that starts at byte `start` of `text`: up to
    /// 400 bytes before it, without the space after the last word. `start` must lie on a
    /// character boundary.
    pub fn context_before(text: &str, start: usize) -> String {
        let mut from = start.saturating_sub(CONTEXT_BYTES);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        text[from..start].trim_end().to_owned()
    }
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

/// [`ContinuationScorer::score_continuations`] for a scorer whose own path is
/// [`ContinuationScorer::score_requests`] (a neural model's packed passes, a cache): the one
/// request sent as a batch of one.
pub fn score_through_batch(
    scorer: &(impl ContinuationScorer + ?Sized),
    context: &str,
    continuations: &[String],
) -> Result<Vec<f32>, ScorerError> {
    let request = ContinuationRequest {
        context: context.to_owned(),
        continuations: continuations.to_vec(),
    };
    scorer
        .score_requests(std::slice::from_ref(&request))
        .pop()
        .unwrap_or_else(|| Err(ScorerError("no answer".to_owned())))
}

/// Windows [`CachedScorer::new`] keeps by default: a few hundred bytes each, so tens of MB,
/// beside the neural model's hundreds.
pub const SCORED_WINDOWS_CACHED: usize = 50_000;

/// A [`ContinuationScorer`] that remembers the windows it scored: a request seen before (the
/// same context and continuations, e.g. a syndicated copy met twice in a crawl, or a page
/// restored again by a server) is answered from memory, and only the others reach the slow
/// model, together in one call. Failures are not kept, so a request that failed is tried
/// again. Bounded: the least useful windows are evicted (S3-FIFO, as the candidate cache).
pub struct CachedScorer<S> {
    inner: S,
    cache: quick_cache::sync::Cache<ContinuationRequest, Vec<f32>>,
    hits: AtomicU64,
}

impl<S: ContinuationScorer> CachedScorer<S> {
    /// `inner`, remembering up to `capacity` scored windows.
    pub fn new(inner: S, capacity: usize) -> Self {
        CachedScorer {
            inner,
            cache: quick_cache::sync::Cache::new(capacity.max(1)),
            hits: AtomicU64::new(0),
        }
    }

    /// Requests answered from memory so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

impl<S: ContinuationScorer> ContinuationScorer for CachedScorer<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// Not cached: a learning run asks each context once.
    fn next_words(
        &self,
        contexts: &[String],
        limit: usize,
    ) -> Vec<Result<Vec<String>, ScorerError>> {
        self.inner.next_words(contexts, limit)
    }

    fn score_continuations(
        &self,
        context: &str,
        continuations: &[String],
    ) -> Result<Vec<f32>, ScorerError> {
        score_through_batch(self, context, continuations)
    }

    fn score_requests(
        &self,
        requests: &[ContinuationRequest],
    ) -> Vec<Result<Vec<f32>, ScorerError>> {
        let mut answers: Vec<Option<Result<Vec<f32>, ScorerError>>> =
            requests.iter().map(|r| self.cache.get(r).map(Ok)).collect();
        let known = answers.iter().filter(|a| a.is_some()).count();
        self.hits.fetch_add(known as u64, Ordering::Relaxed);
        let missing: Vec<usize> = (0..requests.len())
            .filter(|&i| answers[i].is_none())
            .collect();
        if !missing.is_empty() {
            let asked: Vec<ContinuationRequest> =
                missing.iter().map(|&i| requests[i].clone()).collect();
            let scored = self.inner.score_requests(&asked);
            for ((&i, request), answer) in missing.iter().zip(asked).zip(scored) {
                if let Ok(scores) = &answer {
                    self.cache.insert(request, scores.clone());
                }
                answers[i] = Some(answer);
            }
        }
        answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|| Err(ScorerError("no answer".to_owned()))))
            .collect()
    }
}

/// A scorer whose every request fails, for tests of what its callers keep when the model is
/// down.
#[cfg(test)]
pub(crate) struct FailingScorer;

#[cfg(test)]
impl ContinuationScorer for FailingScorer {
    fn name(&self) -> &str {
        "fails"
    }
    fn score_continuations(&self, _: &str, _: &[String]) -> Result<Vec<f32>, ScorerError> {
        Err(ScorerError("the test scorer always fails".into()))
    }

    fn next_words(&self, contexts: &[String], _: usize) -> Vec<Result<Vec<String>, ScorerError>> {
        contexts
            .iter()
            .map(|_| Err(ScorerError("the test scorer always fails".into())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Scores a continuation by its length and fails on the context "fail"; keeps every
    /// request it is asked, in order.
    #[derive(Default)]
    struct Recording {
        asked: Mutex<Vec<ContinuationRequest>>,
    }

    impl ContinuationScorer for Recording {
        fn name(&self) -> &str {
            "recording"
        }

        fn score_continuations(
            &self,
            context: &str,
            continuations: &[String],
        ) -> Result<Vec<f32>, ScorerError> {
            self.asked.lock().unwrap().push(ContinuationRequest {
                context: context.to_owned(),
                continuations: continuations.to_vec(),
            });
            if context == "fail" {
                return Err(ScorerError("asked to fail".to_owned()));
            }
            Ok(continuations.iter().map(|c| -(c.len() as f32)).collect())
        }

        /// The context's last word, `limit` times.
        fn next_words(
            &self,
            contexts: &[String],
            limit: usize,
        ) -> Vec<Result<Vec<String>, ScorerError>> {
            contexts
                .iter()
                .map(|c| {
                    Ok(vec![
                        c.split(' ').next_back().unwrap_or_default().to_owned();
                        limit
                    ])
                })
                .collect()
        }
    }

    fn request(context: &str, continuations: &[&str]) -> ContinuationRequest {
        ContinuationRequest {
            context: context.to_owned(),
            continuations: continuations.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn a_window_scored_once_is_answered_from_memory_and_a_failure_is_tried_again() {
        let rose = request("The price", &[" rose", " went up"]);
        let failing = request("fail", &[" x"]);
        // The same context with other continuations is another window.
        let rose_alone = request("The price", &[" rose"]);
        let cached = CachedScorer::new(Recording::default(), 10);
        let first = cached.score_requests(&[rose.clone(), failing.clone()]);
        let second = cached.score_requests(&[rose.clone(), failing.clone(), rose_alone.clone()]);
        assert_eq!(first[0], Ok(vec![-5.0, -8.0]));
        assert_eq!(second[0], first[0]);
        assert!(first[1].is_err() && second[1].is_err());
        assert_eq!(second[2], Ok(vec![-5.0]));
        assert_eq!(cached.hits(), 1);
        let asked = cached.inner.asked.lock().unwrap().clone();
        assert_eq!(asked, vec![rose, failing.clone(), failing, rose_alone]);
        assert_eq!(
            cached.score_continuations("The price", &[" rose".to_owned()]),
            Ok(vec![-5.0])
        );
        assert_eq!(cached.hits(), 2);
    }

    #[test]
    fn the_cache_passes_guesses_to_its_model() {
        let cached = CachedScorer::new(Recording::default(), 10);
        let contexts = ["The price".to_owned(), "rose".to_owned()];
        assert_eq!(
            cached.next_words(&contexts, 2),
            [
                Ok(vec!["price".to_owned(); 2]),
                Ok(vec!["rose".to_owned(); 2])
            ]
        );
    }
}
