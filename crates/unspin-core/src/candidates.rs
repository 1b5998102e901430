//! Candidate generation: for each span of one to four words, the originals a spinner could
//! have replaced with it.
//!
//! Three ways in: the span itself is a thesaurus entry ("in opposition to" <- "against");
//! the span is an inflected form whose lemma is an entry, and the original is re-inflected
//! ("officers" = officer + plural <- official + plural = "officials"); closed-class rewrites
//! (contractions, number words) come through the lexicon like any other edge.

use crate::lexicon::{source, Lexicon};
use crate::morph::Form;
use crate::spinner::SpinnerIndex;

/// Longest span, in words, that may be replaced as one unit.
pub const MAX_SPAN: usize = 4;

/// A possible original for a span.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The original phrase, lowercase.
    pub text: String,
    /// Language-model tokens of `text` (filled by [`candidates_for`] for the kept candidates).
    pub lm: crate::decode::LmWords,
    /// The lexicon phrase `text` is, when it was found directly (not re-inflected).
    pub phrase: Option<crate::lexicon::PhraseId>,
    /// Sources attesting the synonym edge (see [`source`]).
    pub sources: u8,
    /// ln P(spun | original, spun at all): how likely the spinner was to pick this phrase
    /// out of the original's group (see [`Lexicon::log_selection`]).
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
}

/// A span of words and its candidate originals.
#[derive(Clone, Debug)]
pub struct Span {
    /// Index of the first word in the sentence.
    pub first: usize,
    /// Number of words.
    pub len: usize,
    /// The spun phrase as looked up (lowercase, single spaces).
    pub spun: String,
    /// Candidates, best prior first (shared: the same phrase has the same candidates
    /// everywhere).
    pub candidates: std::sync::Arc<[Candidate]>,
}

/// Most candidates kept per span; the rest are rarely right and cost decode time.
pub const MAX_CANDIDATES: usize = 24;

/// Merges candidates with the same text (found directly and via a lemma, or from two
/// sources); the result is sorted by text.
fn merge(mut all: Vec<Candidate>) -> Vec<Candidate> {
    all.sort_by(|a, b| a.text.cmp(&b.text));
    let mut out: Vec<Candidate> = Vec::with_capacity(all.len());
    for c in all {
        match out.last_mut() {
            Some(existing) if existing.text == c.text => {
                existing.sources |= c.sources;
                existing.inflected &= c.inflected;
                existing.phrase = existing.phrase.or(c.phrase);
                existing.mutual |= c.mutual;
                existing.log_selection = existing.log_selection.max(c.log_selection);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether `spun` is also an original of `original` (the edge exists both ways).
fn mutual(lex: &Lexicon, spun: u32, original: u32) -> bool {
    lex.has_edge(original, spun)
}

fn direct(lex: &Lexicon, phrase: &str, out: &mut Vec<Candidate>) {
    if let Some(id) = lex.id(phrase) {
        for e in lex.originals(id) {
            out.push(Candidate {
                text: lex.phrase(e.original).to_owned(),
                lm: Vec::new(),
                phrase: Some(e.original),
                sources: e.sources,
                log_selection: lex.log_selection(id, e.original),
                inflected: false,
                mutual: mutual(lex, id, e.original),
                learned: None,
            });
        }
    }
}

/// The originals a learned spinner table gives for `spun`. The table's log-ratio is the
/// reverse view (how often the written phrase stood for the original); the channel wants
/// `P(spun | original)`, which is that ratio over the original's frequency relative to the
/// written phrase's: the language model scores the original's own frequency on the path.
fn learned(
    lex: &Lexicon,
    lm: &crate::lm::LanguageModel,
    spinners: &SpinnerIndex,
    spun: &str,
    out: &mut Vec<Candidate>,
) {
    let found = spinners.learned(spun);
    if found.is_empty() {
        return;
    }
    let spun_logprob = crate::decode::phrase_logprob(lm, &crate::decode::lm_words(lm, spun));
    for l in found {
        let words = crate::decode::lm_words(lm, &l.original);
        let ratio = l.log_ratio + spun_logprob - crate::decode::phrase_logprob(lm, &words);
        out.push(Candidate {
            text: l.original.clone(),
            lm: words,
            phrase: lex.id(&l.original),
            sources: source::LEARNED,
            log_selection: 0.0,
            inflected: false,
            mutual: false,
            learned: Some(ratio),
        });
    }
}

/// Words that follow the verb of a phrasal verb ("get here", "succeed in", "carry out"). A
/// multi-word original whose second word is not one of them is a noun phrase ("state of
/// matter"), which takes no verbal inflection.
const PARTICLES: &[&str] = &[
    "about", "across", "after", "along", "around", "at", "away", "back", "by", "down", "for",
    "forth", "forward", "from", "here", "in", "into", "off", "on", "onto", "out", "over", "round",
    "there", "through", "to", "together", "up", "upon", "with",
];

/// Re-inflects a (possibly multi-word) original: verbs and comparatives inflect their first
/// word ("succeed in" -> "succeeded in"), plurals their last ("press release" -> "press
/// releases"). `None` when the inflection is not attested for that word (a noun has no past
/// tense: no "departmented") or a noun phrase would take a verbal form.
fn reinflect(lex: &Lexicon, original: &str, form: Form) -> Option<String> {
    let words: Vec<&str> = original.split(' ').collect();
    let at = match form {
        Form::Plural => words.len() - 1,
        _ => 0,
    };
    let verbal = matches!(
        form,
        Form::Past | Form::Participle | Form::Gerund | Form::ThirdPerson
    );
    if verbal && words.len() > 1 && !PARTICLES.contains(&words[1]) {
        return None;
    }
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[at] = lex.morph.attested(words[at], form)?.to_owned();
    Some(out.join(" "))
}

fn via_lemma(lex: &Lexicon, words: &[&str], out: &mut Vec<Candidate>) {
    // Which word carries the inflection: the last for a plural, the first otherwise.
    let positions: &[usize] = if words.len() == 1 {
        &[0]
    } else {
        &[0, words.len() - 1]
    };
    for &at in positions {
        for (lemma, form) in lex.morph.analyse(words[at]) {
            let wanted = if *form == Form::Plural {
                at == words.len() - 1
            } else {
                at == 0
            };
            if !wanted {
                continue;
            }
            let mut base: Vec<&str> = words.to_vec();
            base[at] = lemma;
            let Some(id) = lex.id(&base.join(" ")) else {
                continue;
            };
            for e in lex.originals(id) {
                let Some(text) = reinflect(lex, lex.phrase(e.original), *form) else {
                    continue;
                };
                out.push(Candidate {
                    text,
                    lm: Vec::new(),
                    phrase: None,
                    sources: e.sources,
                    log_selection: lex.log_selection(id, e.original),
                    inflected: true,
                    mutual: mutual(lex, id, e.original),
                    learned: None,
                });
            }
        }
    }
}

/// Where candidates come from: the thesaurus lexicon, the language model (for tokens and
/// frequencies) and the learned spinner tables.
#[derive(Clone, Copy)]
pub struct Sources<'m> {
    /// The reverse synonym lexicon.
    pub lexicon: &'m Lexicon,
    /// The language model.
    pub lm: &'m crate::lm::LanguageModel,
    /// Learned spinner tables (may be empty).
    pub spinners: &'m SpinnerIndex,
}

/// Candidates without the span itself or its spelling variants, best prior first (stable, so
/// equal priors keep their order: deterministic output); `None` from `prior` drops one.
fn rank(
    mut candidates: Vec<Candidate>,
    slice: &[&str],
    spun: &str,
    prior: &impl Fn(&Candidate, usize) -> Option<f32>,
) -> Vec<Candidate> {
    candidates.retain(|c| c.text != spun && !crate::text::spelling_variants(spun, &c.text));
    let mut scored: Vec<(f32, Candidate)> = candidates
        .into_iter()
        .filter_map(|c| Some((prior(&c, slice.len())?, c)))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().map(|(_, c)| c).collect()
}

/// The candidates of one span (`slice` joined by spaces is `spun`), each with its
/// language-model tokens: the pairs a learned spinner table attests first, then at most
/// `limit` from the thesaurus, each group best prior first (`prior(candidate, span length)`;
/// `None` drops one). None equals the span or is a spelling variant of it.
pub fn candidates_for(
    from: Sources<'_>,
    slice: &[&str],
    spun: &str,
    limit: usize,
    prior: &impl Fn(&Candidate, usize) -> Option<f32>,
) -> Vec<Candidate> {
    let (lex, lm) = (from.lexicon, from.lm);
    let mut thesaurus = Vec::new();
    direct(lex, spun, &mut thesaurus);
    via_lemma(lex, slice, &mut thesaurus);
    let mut thesaurus = rank(merge(thesaurus), slice, spun, prior);
    thesaurus.truncate(limit);
    // Learned pairs stay apart from the thesaurus's (a text may be both) and come on top of
    // its `limit`: the thesaurus list is then the same with or without a table, and `check`,
    // calibrated on it, reads only it.
    let mut found = Vec::new();
    learned(lex, lm, from.spinners, spun, &mut found);
    let mut out = rank(found, slice, spun, prior);
    out.extend(thesaurus);
    for c in out.iter_mut().filter(|c| c.lm.is_empty()) {
        c.lm = match c.phrase {
            Some(id) => lex.lm_tokens(id).to_vec(),
            None => crate::decode::lm_words(lm, &c.text),
        };
    }
    out
}

/// All spans of `words` (lowercase, normalised) with at least one candidate. `breaks[i]` is
/// true when punctuation separates word `i - 1` from word `i`: no span crosses it.
/// `fixed[i]` marks words that are never part of a span: numbers, acronyms and other tokens a
/// thesaurus swap cannot have produced and the language model cannot judge.
/// `lookup(slice, phrase)` gives a phrase's candidates (see [`candidates_for`]; callers cache).
pub fn spans(
    words: &[&str],
    breaks: &[bool],
    fixed: &[bool],
    mut lookup: impl FnMut(&[&str], &str) -> std::sync::Arc<[Candidate]>,
) -> Vec<Span> {
    let mut out = Vec::new();
    for first in 0..words.len() {
        for len in 1..=MAX_SPAN.min(words.len() - first) {
            if (first + 1..first + len).any(|i| breaks[i]) || fixed[first + len - 1] {
                break;
            }
            let slice = &words[first..first + len];
            let spun = slice.join(" ");
            let candidates = lookup(slice, &spun);
            if candidates.is_empty() {
                continue;
            }
            out.push(Span {
                first,
                len,
                spun,
                candidates,
            });
        }
    }
    out
}
