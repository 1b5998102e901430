//! Candidate generation: for each span of one to four words, the originals a spinner could
//! have replaced with it.
//!
//! Three ways in: the span itself is a thesaurus entry ("in opposition to" <- "against");
//! the span is an inflected form whose lemma is an entry, and the original is re-inflected
//! ("officers" = officer + plural <- official + plural = "officials"); closed-class rewrites
//! (contractions, number words) come through the lexicon like any other edge.

use crate::lexicon::{source, Lexicon};
use crate::morph::Form;

/// Longest span, in words, that may be replaced as one unit.
pub const MAX_SPAN: usize = 4;

/// A possible original for a span.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The original phrase, lowercase.
    pub text: String,
    /// Sources attesting the synonym edge (see [`source`]).
    pub sources: u8,
    /// Size of the original's synonym group.
    pub fanout: u16,
    /// ln P(spun | original, spun at all): how likely the spinner was to pick this phrase
    /// out of the original's group (see [`Lexicon::log_selection`]).
    pub log_selection: f32,
    /// Whether the candidate was reached through lemmatising and re-inflecting.
    pub inflected: bool,
    /// Whether the relation holds both ways (each phrase lists the other): a closer synonym.
    pub mutual: bool,
}

impl Candidate {
    /// Whether the edge comes from the closed-class tables rather than a thesaurus.
    pub fn is_closed_class(&self) -> bool {
        self.sources == source::FUNCTION
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
    /// Candidates, best prior first.
    pub candidates: Vec<Candidate>,
}

/// Most candidates kept per span; the rest are rarely right and cost decode time.
pub const MAX_CANDIDATES: usize = 24;

fn push(out: &mut Vec<Candidate>, c: Candidate) {
    if let Some(existing) = out.iter_mut().find(|e| e.text == c.text) {
        existing.sources |= c.sources;
        existing.inflected &= c.inflected;
        existing.mutual |= c.mutual;
        existing.log_selection = existing.log_selection.max(c.log_selection);
    } else {
        out.push(c);
    }
}

/// Whether `spun` is also an original of `original` (the edge exists both ways).
fn mutual(lex: &Lexicon, spun: u32, original: u32) -> bool {
    lex.originals(original).any(|e| e.original == spun)
}

fn direct(lex: &Lexicon, phrase: &str, out: &mut Vec<Candidate>) {
    if let Some(id) = lex.id(phrase) {
        for e in lex.originals(id) {
            push(
                out,
                Candidate {
                    text: lex.phrase(e.original).to_owned(),
                    sources: e.sources,
                    fanout: lex.fanout(e.original),
                    log_selection: lex.log_selection(id, e.original),
                    inflected: false,
                    mutual: mutual(lex, id, e.original),
                },
            );
        }
    }
}

/// Re-inflects a (possibly multi-word) original: verbs and comparatives inflect their first
/// word ("succeed in" -> "succeeded in"), plurals their last ("press release" -> "press releases").
fn reinflect(lex: &Lexicon, original: &str, form: Form) -> String {
    let words: Vec<&str> = original.split(' ').collect();
    let at = match form {
        Form::Plural => words.len() - 1,
        _ => 0,
    };
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[at] = lex.morph.inflect(words[at], form);
    out.join(" ")
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
                push(
                    out,
                    Candidate {
                        text: reinflect(lex, lex.phrase(e.original), *form),
                        sources: e.sources,
                        fanout: lex.fanout(e.original),
                        log_selection: lex.log_selection(id, e.original),
                        inflected: true,
                        mutual: mutual(lex, id, e.original),
                    },
                );
            }
        }
    }
}

/// All spans of `words` (lowercase, normalised) with at least one candidate. `breaks[i]` is
/// true when punctuation separates word `i - 1` from word `i`: no span crosses it.
/// `fixed[i]` marks words that are never part of a span: numbers, acronyms and other tokens a
/// thesaurus swap cannot have produced and the language model cannot judge.
/// `prior(candidate, span length)` ranks the candidates of a span, of which the best
/// [`MAX_CANDIDATES`] are kept; it returns `None` for a candidate that must be dropped.
pub fn spans(
    lex: &Lexicon,
    words: &[&str],
    breaks: &[bool],
    fixed: &[bool],
    prior: impl Fn(&Candidate, usize) -> Option<f32>,
) -> Vec<Span> {
    let mut out = Vec::new();
    for first in 0..words.len() {
        for len in 1..=MAX_SPAN.min(words.len() - first) {
            if (first + 1..first + len).any(|i| breaks[i]) || fixed[first + len - 1] {
                break;
            }
            let slice = &words[first..first + len];
            let spun = slice.join(" ");
            let mut candidates = Vec::new();
            direct(lex, &spun, &mut candidates);
            via_lemma(lex, slice, &mut candidates);
            candidates
                .retain(|c| c.text != spun && !crate::text::spelling_variants(&spun, &c.text));
            let mut scored: Vec<(f32, Candidate)> = candidates
                .into_iter()
                .filter_map(|c| Some((prior(&c, len)?, c)))
                .collect();
            if scored.is_empty() {
                continue;
            }
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            let candidates: Vec<Candidate> = scored
                .into_iter()
                .take(MAX_CANDIDATES)
                .map(|(_, c)| c)
                .collect();
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
