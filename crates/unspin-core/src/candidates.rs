//! What a candidate original is, and the spans of a sentence that have some.
//!
//! Candidates come from the model's channels ([`crate::channel`]); the document layer
//! ([`crate::document`]) ranks and caches them per phrase. This module holds only the types
//! both sides share and the enumeration of spans.

use serde::Serialize;

use crate::lexicon::{source, PhraseId};
use crate::lm::WordId;

/// Longest span, in words, that may be replaced as one unit.
pub const MAX_SPAN: usize = 4;

/// Why a change was made: the way its candidate was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A thesaurus synonym, as written.
    Thesaurus,
    /// A thesaurus synonym of the word's lemma, re-inflected.
    Inflected,
    /// A contraction ("it is" for "it's"), from the closed-class table.
    ClosedClass,
    /// A function-word or phrasal paraphrase ("throughout" -> "during").
    Paraphrase,
    /// A leftover spinner template `{...}`, replaced by its (first) content.
    Spintax,
    /// A pair a learned spinner table attests (`unspin learn`).
    Learned,
    /// Put back as the copy's source writes it: the source was found in an index and the
    /// span lies in a passage aligned with it (`restore --index`).
    Source,
}

/// Language-model tokens of a candidate: held inline for up to two tokens (most candidates), so
/// a document's candidates, which dominate its memory, need no allocation for them.
pub type CandidateLm = smallvec::SmallVec<[Option<WordId>; 2]>;

/// A possible original for a span.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The original phrase, lowercase (held inline up to 24 bytes, most phrases).
    pub text: compact_str::CompactString,
    /// Language-model tokens of `text` (filled by the document layer for kept candidates).
    pub lm: CandidateLm,
    /// The lexicon phrase `text` is, when it was found directly (not re-inflected).
    pub phrase: Option<PhraseId>,
    /// Index of the channel that proposed it in [`crate::Model::channels`].
    pub channel: u8,
    /// Sources attesting the synonym edge (see [`source`]).
    pub sources: u8,
    /// ln P(spun | original, spun at all): how likely the spinner was to pick this phrase
    /// out of the original's group (see [`crate::lexicon::Lexicon::log_selection`]).
    pub log_selection: f32,
    /// Whether the candidate was reached through lemmatising and re-inflecting.
    pub inflected: bool,
    /// Whether the relation holds both ways (each phrase lists the other): a closer synonym.
    pub mutual: bool,
    /// For a pair a learned spinner table attests: `ln P(spun | original) - ln P(spun |
    /// spun)` as the table estimates it (its log-ratio with the two phrases' own LM
    /// probabilities divided out), which replaces the thesaurus's change and fan-out costs.
    pub learned: Option<f32>,
}

impl Candidate {
    /// Whether the edge comes from the closed-class tables rather than a thesaurus.
    pub fn is_closed_class(&self) -> bool {
        self.sources == source::FUNCTION
    }

    /// Whether the function-word and phrasal paraphrase table attests the edge.
    pub fn is_paraphrase(&self) -> bool {
        self.sources & source::PARAPHRASE != 0
    }

    /// Whether a learned spinner table attests the pair.
    pub fn is_learned(&self) -> bool {
        self.learned.is_some()
    }

    /// Whether the pair is a learned table's entry that people attested (a reader's note,
    /// not the learner's guess).
    pub fn is_attested(&self) -> bool {
        self.is_learned() && self.sources & source::ATTESTED != 0
    }
}

/// A span of words and its candidate originals.
#[derive(Clone, Debug)]
pub struct Span {
    /// Index of the first word in the sentence.
    pub first: usize,
    /// Number of words.
    pub len: usize,
    /// The spun phrase as looked up (lowercase, single spaces; inline up to 24 bytes).
    pub spun: compact_str::CompactString,
    /// Candidates, best prior first (shared: the same phrase has the same candidates
    /// everywhere).
    pub candidates: std::sync::Arc<[Candidate]>,
}

/// All spans of `words` (lowercase, normalised) with at least one candidate. `breaks[i]` is
/// true when punctuation separates word `i - 1` from word `i`: no span crosses it.
/// `fixed[i]` marks words that are never part of a span: acronyms, spintax and other tokens a
/// thesaurus swap cannot have produced and the language model cannot judge. `number[i]` marks
/// numbers, which a span holds only with at least one other word (a table's "12 months" for
/// "year"; a number alone is never a spinner's output); `lookup` is then expected to answer
/// only for phrases a learned table knows.
/// `lookup(slice, phrase, with_number)` gives a phrase's candidates (callers cache).
/// `may_start(first, second)` says whether any span of two or more words beginning with those
/// two may have candidates (false only when none has): when not, they are not looked up.
/// `may_span(words)` says the same of one span of three or more words.
pub fn spans(
    words: &[&str],
    breaks: &[bool],
    fixed: &[bool],
    number: &[bool],
    may_start: impl Fn(&str, &str) -> bool,
    may_span: impl Fn(&[&str]) -> bool,
    mut lookup: impl FnMut(&[&str], &str, bool) -> std::sync::Arc<[Candidate]>,
) -> Vec<Span> {
    let mut out = Vec::new();
    // Every window that passes the filters is joined: into one buffer, not a new string each.
    let mut spun = String::new();
    for first in 0..words.len() {
        for len in 1..=MAX_SPAN.min(words.len() - first) {
            if (first + 1..first + len).any(|i| breaks[i]) || fixed[first + len - 1] {
                break;
            }
            if len == 2 && !may_start(words[first], words[first + 1]) {
                break;
            }
            if len == 1 && number[first] {
                continue;
            }
            let slice = &words[first..first + len];
            if len > 2 && !may_span(slice) {
                continue;
            }
            spun.clear();
            for (i, word) in slice.iter().enumerate() {
                if i > 0 {
                    spun.push(' ');
                }
                spun.push_str(word);
            }
            let with_number = number[first..first + len].iter().any(|&n| n);
            let candidates = lookup(slice, &spun, with_number);
            if candidates.is_empty() {
                continue;
            }
            out.push(Span {
                first,
                len,
                spun: spun.as_str().into(),
                candidates,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_spanned_only_beside_words_and_says_so_to_the_lookup() {
        let words = ["over", "the", "final", "12", "months"];
        let none = [false; 5];
        let number = [false, false, false, true, false];
        let mut asked = Vec::new();
        let found = spans(
            &words,
            &none,
            &none,
            &number,
            |_, _| true,
            |_| true,
            |_, phrase, with_number| {
                asked.push((phrase.to_owned(), with_number));
                let c = crate::channel::bare_candidate("year".into(), None, 0);
                std::sync::Arc::from(vec![c])
            },
        );
        assert!(!asked.iter().any(|(p, _)| p == "12"), "{asked:?}");
        assert!(asked.contains(&("12 months".to_owned(), true)));
        assert!(asked.contains(&("final 12".to_owned(), true)));
        assert!(asked.contains(&("months".to_owned(), false)));
        assert!(found.iter().any(|s| &*s.spun == "12 months"));
        // An acronym (fixed) still ends every span that would reach it.
        let fixed = [false, false, false, true, false];
        let mut asked = Vec::new();
        spans(
            &words,
            &none,
            &fixed,
            &none,
            |_, _| true,
            |_| true,
            |_, phrase, _| {
                asked.push(phrase.to_owned());
                std::sync::Arc::from(Vec::new())
            },
        );
        assert!(!asked.iter().any(|p| p.contains("12")), "{asked:?}");
    }
}
