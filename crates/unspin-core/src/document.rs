//! A document prepared once for check and restore: its tokens, its sentences of words (each
//! with its LM tokens) and every span's candidate originals, ranked.
//!
//! Candidates depend on the phrase alone, and a crawl repeats its vocabulary, so they are
//! computed once per phrase and kept in a [`CandidateCache`] that an engine shares across
//! documents and threads.

use std::sync::Arc;

use crate::candidates::{self, Candidate, Span};
use crate::lm::{LanguageModel, State, WordId};
use crate::text::{self, Case, TokenKind};
use crate::weights::{Params, Weights};
use crate::Model;

/// One word of a sentence.
pub(crate) struct Unit {
    /// Its byte range in the input (the word itself; a spintax unit's whole template).
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Lowercase look-up form (inline up to 24 bytes: no allocation per word).
    pub(crate) norm: compact_str::CompactString,
    /// LM tokens of the word as written (inline for one or two).
    pub(crate) lm: crate::candidates::CandidateLm,
    /// A leftover spinner template, read as its first choice.
    pub(crate) spintax: bool,
    /// Never part of a candidate span (see [`candidates::spans`]).
    pub(crate) fixed: bool,
    /// A number: part of a span only where a learned table knows the phrase ("12 months"
    /// for "year"; see [`candidates::spans`]).
    pub(crate) number: bool,
}

/// A run of words between sentence ends, with its candidate spans.
#[derive(Default)]
pub(crate) struct Sentence {
    pub(crate) units: Vec<Unit>,
    /// `breaks[i]`: punctuation separates word `i - 1` from word `i`.
    pub(crate) breaks: Vec<bool>,
    pub(crate) spans: Vec<Span>,
}

/// A text prepared for analysis.
/// The tokens themselves are not kept: each word holds its byte range, and the spaces and
/// punctuation between words (half the tokens) are needed only to find sentences and breaks.
pub struct Document<'t> {
    pub(crate) input: &'t str,
    pub(crate) sentences: Vec<Sentence>,
}

impl Document<'_> {
    /// The text as given.
    pub fn text(&self) -> &str {
        self.input
    }
}

/// Most phrases remembered across documents (about 100 MB at worst; a news vocabulary fills a
/// small part of it). Past it, the cache evicts the phrases seen least (S3-FIFO), instead of
/// starting afresh: a crawl keeps its common phrases however long it runs.
const SHARED_CACHE_PHRASES: usize = 200_000;

/// Hashing for phrase maps: fast, and seeded per process, since phrases come from the input.
type PhraseHasher = foldhash::fast::RandomState;

/// Candidates per phrase, shared by every document an engine prepares, across threads (a
/// sharded concurrent cache).
pub struct CandidateCache {
    phrases:
        quick_cache::sync::Cache<String, Arc<[Candidate]>, quick_cache::UnitWeighter, PhraseHasher>,
    /// The one empty list every phrase without a candidate (most windows) shares.
    none: Arc<[Candidate]>,
    /// Whether the model's precomputed lists ([`crate::precomputed`]) were ranked
    /// with this engine's weights, so that they may stand for computed ones.
    precomputed: bool,
}

impl CandidateCache {
    /// An empty cache for an engine over `model` with `weights`.
    pub fn new(model: &Model, weights: &Weights) -> Self {
        CandidateCache {
            phrases: quick_cache::sync::Cache::with(
                SHARED_CACHE_PHRASES,
                SHARED_CACHE_PHRASES as u64,
                quick_cache::UnitWeighter,
                PhraseHasher::default(),
                quick_cache::sync::DefaultLifecycle::default(),
            ),
            none: Arc::from(Vec::new()),
            precomputed: model
                .precomputed
                .as_ref()
                .is_some_and(|p| p.ranked_with(weights)),
        }
    }
}

/// Prepares `input`: tokens, sentences and the ranked candidates of every span.
pub(crate) fn prepare<'t>(
    model: &Model,
    weights: &Weights,
    cache: &CandidateCache,
    input: &'t str,
) -> Document<'t> {
    // The tokens go before the candidates come: only the words' ranges outlive this line.
    let mut sentences = sentences(model, input, &model.language.tokenize(input));
    // Every look-up goes to the shared cache (sharded, so threads rarely wait): a map of the
    // document's own phrases beside it would hold every distinct window of the document, most
    // of them without a candidate (half a million for 2 MB of text).
    let input_of_channels = model.channel_input();
    let may_start = |first: &str, second: &str| {
        model
            .channels
            .iter()
            .any(|c| c.may_start(&input_of_channels, first, second))
    };
    let may_span = |words: &[&str]| {
        model
            .channels
            .iter()
            .any(|c| c.may_span(&input_of_channels, words))
    };
    for s in &mut sentences {
        let words: Vec<&str> = s.units.iter().map(|u| u.norm.as_str()).collect();
        let fixed: Vec<bool> = s.units.iter().map(|u| u.fixed).collect();
        let number: Vec<bool> = s.units.iter().map(|u| u.number).collect();
        s.spans = candidates::spans(
            &words,
            &s.breaks,
            &fixed,
            &number,
            may_start,
            may_span,
            |slice, phrase, with_number| {
                // A phrase with a number is a table's output or nothing: no thesaurus swap writes
                // digits, and such phrases are too many to cache when no table knows them.
                if with_number && !model.channels.iter().any(|c| c.knows(phrase)) {
                    return cache.none.clone();
                }
                cache.phrases.get(phrase).unwrap_or_else(|| {
                    let mut found = candidates_of(model, weights, slice, phrase, cache.precomputed);
                    if with_number {
                        found.retain(|c| c.learned.is_some());
                    }
                    let shared = if found.is_empty() {
                        cache.none.clone()
                    } else {
                        found.into()
                    };
                    cache.phrases.insert(phrase.to_owned(), shared.clone());
                    shared
                })
            },
        );
    }
    Document { input, sentences }
}

fn sentences(model: &Model, input: &str, tokens: &[text::Token]) -> Vec<Sentence> {
    let language = model.language.as_ref();
    let mut out = Vec::new();
    let mut cur = Sentence::default();
    let mut pending_break = false;
    let flush = |cur: &mut Sentence, out: &mut Vec<Sentence>| {
        if !cur.units.is_empty() {
            out.push(std::mem::take(cur));
        }
    };
    for t in tokens {
        let s = &input[t.start..t.end];
        match t.kind {
            TokenKind::Word | TokenKind::Number | TokenKind::Spintax => {
                let spintax = t.kind == TokenKind::Spintax;
                let raw = if spintax {
                    s[1..s.len() - 1].split('|').next().unwrap_or("").trim()
                } else {
                    s
                };
                let norm = language.normalise_word(raw);
                let lm_tokens = model.lm_words(&norm);
                let case = text::case_of(raw);
                cur.breaks.push(pending_break || spintax);
                pending_break = spintax;
                cur.units.push(Unit {
                    start: t.start,
                    end: t.end,
                    norm: norm.into(),
                    lm: lm_tokens,
                    spintax,
                    fixed: spintax || matches!(case, Case::Upper | Case::Mixed),
                    number: t.kind == TokenKind::Number,
                });
            }
            TokenKind::Space => {
                if s.contains('\n') {
                    flush(&mut cur, &mut out);
                    pending_break = false;
                }
            }
            TokenKind::Punct => {
                if language.ends_sentence(s) {
                    flush(&mut cur, &mut out);
                    pending_break = false;
                } else {
                    pending_break = true;
                }
            }
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// Channel score of `c` for a `spun_len`-word span, by the channel that proposed it.
pub fn channel_score(model: &Model, c: &Candidate, spun_len: usize, params: &Params) -> f32 {
    model.channels[c.channel as usize].score(c, spun_len, params)
}

/// The candidates of one span (`slice` joined by spaces is `spun`), each with its LM
/// tokens: every channel's in the model's order, each channel's best prior first and cut at
/// its limit. None equals the span or is a spelling variant of it.
pub fn phrase_candidates(
    model: &Model,
    weights: &Weights,
    slice: &[&str],
    spun: &str,
) -> Vec<Candidate> {
    candidates_of(model, weights, slice, spun, false)
}

/// [`phrase_candidates`], reading a span's thesaurus list from the model's
/// precomputed lists when `precomputed` says they were ranked with `weights` (the same list,
/// computed when the image was prepared).
fn candidates_of(
    model: &Model,
    weights: &Weights,
    slice: &[&str],
    spun: &str,
    precomputed: bool,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (index, channel) in model.channels.iter().enumerate() {
        // A span without a stored list was either not among those stored or has no
        // candidate: computing settles which.
        let stored = (precomputed && channel.name() == "thesaurus")
            .then(|| {
                model
                    .precomputed
                    .as_ref()?
                    .get(spun, index as u8, &model.lexicon)
            })
            .flatten();
        out.extend(
            stored.unwrap_or_else(|| channel_candidates(model, weights, index, slice, spun)),
        );
    }
    out
}

/// The candidates channel `index` of `model` proposes for one span, best prior first, cut at
/// its limit, each with its LM tokens (see [`crate::channel::ranked_candidates`]).
pub fn channel_candidates(
    model: &Model,
    weights: &Weights,
    index: usize,
    slice: &[&str],
    spun: &str,
) -> Vec<Candidate> {
    crate::channel::ranked_candidates(
        &model.channel_input(),
        model.channels[index].as_ref(),
        index,
        weights,
        slice,
        spun,
    )
}

/// LM states before each unit of a sentence and the flat LM tokens of the words as written.
pub(crate) struct WrittenContext {
    pub(crate) tokens: Vec<Option<WordId>>,
    /// `starts[i]` is where unit `i`'s tokens begin in `tokens`; one extra entry at the end.
    pub(crate) starts: Vec<usize>,
    /// LM state before each unit.
    pub(crate) states: Vec<State>,
}

impl WrittenContext {
    pub(crate) fn new(lm: &dyn LanguageModel, s: &Sentence) -> Self {
        let mut tokens = Vec::new();
        let mut starts = Vec::with_capacity(s.units.len() + 1);
        let mut states = Vec::with_capacity(s.units.len());
        let mut state: State = (None, lm.bos());
        for u in &s.units {
            starts.push(tokens.len());
            states.push(state);
            // Only the history is needed here: scoring the words would cost a look-up each.
            state = crate::lm::advance(state, &u.lm);
            tokens.extend(u.lm.iter().copied());
        }
        starts.push(tokens.len());
        WrittenContext {
            tokens,
            starts,
            states,
        }
    }

    /// Each token's log-probability after the words as written before it, and last the
    /// sentence end's after all of them (when the model has one): one look-up per token for
    /// the sentence, where scoring each span's words as written would cost one per token of
    /// every span and the two tokens after it.
    pub(crate) fn written_scores(&self, lm: &dyn LanguageModel) -> Vec<f32> {
        let mut state: State = (None, lm.bos());
        lm.prefetch(state, &self.tokens);
        let mut scores = Vec::with_capacity(self.tokens.len() + 1);
        for token in &self.tokens {
            let (score, next) = lm.score_words(state, std::slice::from_ref(token));
            scores.push(score);
            state = next;
        }
        if let Some(eos) = lm.eos() {
            scores.push(lm.score_words(state, &[Some(eos)]).0);
        }
        scores
    }

    /// [`LanguageModel::score_window`] of the words as written from unit `first` to `end`
    /// (exclusive), after the history as written, with [`WrittenContext::after`] as the
    /// tokens after it, read from `written` ([`WrittenContext::written_scores`]): the same
    /// sums in the same order, so the same value to the bit.
    pub(crate) fn kept_score(&self, written: &[f32], first: usize, end: usize) -> f32 {
        let (from, to) = (self.starts[first], self.starts[end]);
        let middle = written[from..to].iter().fold(0.0f32, |sum, s| sum + s);
        // The two tokens after the span, or as many as there are and then the sentence end.
        let after_end = (to + 2).min(written.len());
        let after = written[to..after_end].iter().fold(0.0f32, |sum, s| sum + s);
        middle + after
    }

    /// Up to two LM tokens after unit `end - 1`, closed by the sentence end (held inline:
    /// check asks for them once per span).
    pub(crate) fn after(
        &self,
        lm: &dyn LanguageModel,
        end: usize,
    ) -> crate::candidates::CandidateLm {
        let from = self.starts[end];
        let mut after: crate::candidates::CandidateLm =
            self.tokens[from..(from + 2).min(self.tokens.len())].into();
        if after.len() < 2 {
            after.extend(lm.eos().map(Some));
        }
        after
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::testing::FnLm;
    use proptest::prelude::*;

    /// Irregular log-probabilities from a hash of the trigram, so that sums in another order
    /// would differ in their last bits.
    fn irregular_logprob(prev2: Option<WordId>, prev: Option<WordId>, w: WordId) -> f32 {
        let key = (u64::from(prev2.map_or(99, |x| x)) * 131 + u64::from(prev.map_or(99, |x| x)))
            * 131
            + u64::from(w);
        -((key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as f32) / 1_234_567.0
    }

    fn sentence(units: &[Vec<Option<WordId>>]) -> Sentence {
        Sentence {
            units: units
                .iter()
                .map(|lm| Unit {
                    start: 0,
                    end: 0,
                    norm: compact_str::CompactString::default(),
                    lm: lm.iter().copied().collect(),
                    spintax: false,
                    fixed: false,
                    number: false,
                })
                .collect(),
            ..Sentence::default()
        }
    }

    proptest! {
        /// The words as written, read from the sentence's scores, are exactly what scoring their
        /// window gives: every span of random sentences whose words are one or two tokens, some
        /// unknown (which cut the history).
        #[test]
        fn kept_scores_are_the_windows_scores(
            units in proptest::collection::vec(
                proptest::collection::vec(proptest::option::weighted(0.9, 2u32..10), 1..3),
                0..12,
            ),
        ) {
            let lm = FnLm { words: 10, logprob: irregular_logprob, exact_ceilings: false };
            let s = sentence(&units);
            let ctx = WrittenContext::new(&lm, &s);
            let written = ctx.written_scores(&lm);
            for first in 0..units.len() {
                for end in first + 1..=units.len() {
                    let window = lm.score_window(
                        ctx.states[first],
                        &ctx.tokens[ctx.starts[first]..ctx.starts[end]],
                        &ctx.after(&lm, end),
                    );
                    prop_assert_eq!(ctx.kept_score(&written, first, end).to_bits(), window.to_bits());
                }
            }
        }
    }
}
