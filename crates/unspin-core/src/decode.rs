//! The decoder: a beam search over the lattice of kept words and candidate originals, scored
//! by the trigram language model plus a channel model of the spinner.
//!
//! Score of a path = sum of LM log-probabilities of its words + sum of channel scores of its
//! replacements. Keeping a word costs nothing in the channel; a replacement pays
//! [`Params::change_cost`] (the prior that a spinner touched this phrase at all) plus
//! `fanout_weight * ln(group size)` (the spinner picked this member out of the original's
//! group), less a bonus when two independent thesauri agree on the edge.

use crate::candidates::Candidate;
use crate::lexicon::source;
use crate::lm::{LanguageModel, WordId, OOV_LOGPROB};

/// Tunable weights of the channel model and the search.
#[derive(Clone, Debug)]
pub struct Params {
    /// Cost (nats) of any replacement: how unlikely it is a priori that a phrase was spun.
    pub change_cost: f32,
    /// Weight of ln P(spun | original): the spinner's choice of this member of the group.
    pub fanout_weight: f32,

    /// Bonus when Moby and WordNet both attest the edge.
    pub agreement_bonus: f32,
    /// Bonus when each phrase lists the other as a synonym.
    pub mutual_bonus: f32,

    /// Extra cost of a candidate reached by re-inflection.
    pub inflected_cost: f32,
    /// Extra cost of a closed-class rewrite (contraction, number word).
    pub closed_class_cost: f32,
    /// Cost of the spinner's choice for an edge of the paraphrase table (in place of the
    /// fan-out term).
    pub paraphrase_cost: f32,
    /// Extra cost per extra word of difference between spun and original length.
    pub length_cost: f32,
    /// Hypotheses kept per position.
    pub beam: usize,
    /// Least document-level gain (nats) for which a spun phrase is restored.
    pub margin: f32,
    /// Bonus for using the document's chosen original for a phrase in the second pass.
    pub consistency_bonus: f32,
    /// Nats taken off [`Params::change_cost`] in a document `check` judges spun, scaled by
    /// its probability: where a spinner has been at work, any phrase is likelier to be spun.
    pub spun_relax: f32,
    /// Share of [`Params::fanout_weight`] forgiven in a spun document, scaled the same way:
    /// a deployed spinner's groups are far smaller than a thesaurus entry, so the fan-out
    /// over-charges common originals ("said" has hundreds of synonyms; a spinner's table a few).
    pub spun_fanout_relief: f32,
    /// Cost (nats) of restoring an original that the document still has, kept as written,
    /// elsewhere: a spinner replaces every occurrence of what it spins.
    pub kept_original_cost: f32,
    /// Words at least this likely (unigram natural-log probability) are exempt from
    /// [`Params::kept_original_cost`]: spinners rewrite them inside longer phrases only.
    pub common_word_logprob: f32,
    /// Phrases per 100 words reading better restored at and above which a spun document gets
    /// the whole of [`Params::spun_relax`]; below it, a share in proportion (0 = always all).
    pub full_relax_density: f32,
    /// Cost (nats) of a pair a learned spinner table attests, on top of its learned ratio:
    /// the table was learned from spun documents, where spinning is the rule.
    pub learned_cost: f32,
    /// Share of [`Params::spun_relax`] this document has earned (spin probability x extent,
    /// see [`Params::for_spin_probability`]; 0 until `check` has judged it). A learned pair
    /// pays the rest, so that a clean document's "worth" is not taken for the spinner's
    /// "price".
    pub spin_evidence: f32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            change_cost: 7.0,
            fanout_weight: 1.0,
            agreement_bonus: 1.0,
            mutual_bonus: 3.0,
            inflected_cost: 0.5,
            closed_class_cost: 1.0,
            paraphrase_cost: 2.0,
            length_cost: 0.5,
            beam: 8,
            margin: 2.5,
            consistency_bonus: 3.0,
            spun_relax: 4.0,
            spun_fanout_relief: 0.0,
            kept_original_cost: 6.0,
            common_word_logprob: -5.0,
            full_relax_density: 2.0,
            learned_cost: 1.0,
            spin_evidence: 0.0,
        }
    }
}

impl Params {
    /// The weights for one document that is spun with probability `p` and has
    /// `phrase_density` phrases per 100 words that read better restored (see
    /// [`crate::check::Features::phrase_density`]).
    pub fn for_spin_probability(&self, p: f32, phrase_density: f32) -> Params {
        let p = p.clamp(0.0, 1.0);
        // A lightly spun document is spun, but most of its phrases are not: the relaxation
        // grows with how much of the text reads as spun, up to `full_relax_density`.
        let extent = if self.full_relax_density > 0.0 {
            (phrase_density / self.full_relax_density).clamp(0.0, 1.0)
        } else {
            1.0
        };
        Params {
            change_cost: self.change_cost - self.spun_relax * p * extent,
            spin_evidence: p * extent,
            fanout_weight: self.fanout_weight * (1.0 - self.spun_fanout_relief * p),
            ..self.clone()
        }
    }

    /// Channel score (nats, higher is likelier) of replacing a `spun_len`-word span by `c`.
    pub fn channel(&self, c: &Candidate, spun_len: usize) -> f32 {
        // A learned table knows the spinner's own choice: its ratio replaces the thesaurus's
        // change and fan-out costs (and the length cost: the table attests the gloss).
        if let Some(ratio) = c.learned {
            let unearned = self.spun_relax * (1.0 - self.spin_evidence);
            return ratio - self.learned_cost - unearned;
        }
        let orig_len = c.text.split(' ').count();
        // The paraphrase table is a spinner-sized group: its own cost replaces the fan-out.
        let selection = if c.is_paraphrase() {
            -self.paraphrase_cost
        } else {
            self.fanout_weight * c.log_selection
        };
        let mut s =
            -self.change_cost + selection - self.length_cost * (orig_len.abs_diff(spun_len) as f32);
        if c.sources & source::MOBY != 0 && c.sources & source::WORDNET != 0 {
            s += self.agreement_bonus;
        }
        if c.mutual {
            s += self.mutual_bonus;
        }
        if c.inflected {
            s -= self.inflected_cost;
        }
        if c.is_closed_class() {
            s -= self.closed_class_cost;
        }
        s
    }
}

/// LM tokens of a phrase: a known word id, or `None` for a word the model does not know.
pub type LmWords = Vec<Option<WordId>>;

/// Maps normalised text to LM tokens: whole words where known, else a possessive split
/// ("hegseth's" -> hegseth + 's) or hyphen parts, else unknown.
pub fn lm_words(lm: &LanguageModel, phrase: &str) -> LmWords {
    let mut out = Vec::new();
    for word in phrase.split(' ').filter(|w| !w.is_empty()) {
        if let Some(id) = lm.id(word) {
            out.push(Some(id));
        } else if let Some(id) = lm.id(&crate::text::american_spelling(word)) {
            out.push(Some(id));
        } else if let Some(spoken) = spoken_number(word) {
            out.extend(spoken.split(' ').map(|w| lm.id(w)));
        } else if let Some(stem) = word.strip_suffix("'s") {
            out.push(lm.id(stem));
            out.push(lm.id("'s"));
        } else if word.contains('-') {
            out.extend(word.split('-').filter(|p| !p.is_empty()).map(|p| lm.id(p)));
        } else {
            out.push(None);
        }
    }
    out
}

/// Small numbers are scored as the words a reader would say, so that "5" is judged in
/// context rather than as an unknown word.
fn spoken_number(word: &str) -> Option<&'static str> {
    const SMALL: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    let n: usize = word.parse().ok()?;
    SMALL.get(n).copied()
}

/// Log-probability of a phrase on its own (chain rule with no history): its frequency as a
/// phrase, which a multi-word original's unigrams would understate ("en route to" is far
/// likelier than its three words taken apart).
pub fn phrase_logprob(lm: &LanguageModel, words: &[Option<WordId>]) -> f32 {
    score_words(lm, (None, None), words).0
}

/// Trigram history: the two previous LM words (`None` after an unknown word or at a start).
pub type State = (Option<WordId>, Option<WordId>);

/// Scores `words` from `state`; returns the log-probability and the new state.
pub fn score_words(lm: &LanguageModel, mut state: State, words: &[Option<WordId>]) -> (f32, State) {
    let mut total = 0.0;
    for w in words {
        match w {
            Some(id) => {
                total += lm.logprob(state.0, state.1, *id);
                state = (state.1, Some(*id));
            }
            None => {
                total += OOV_LOGPROB;
                state = (None, None);
            }
        }
    }
    (total, state)
}

/// A replacement arc of the lattice.
#[derive(Clone, Debug)]
pub struct Arc {
    /// Words of the sentence it covers.
    pub len: usize,
    /// LM tokens of the original.
    pub words: LmWords,
    /// Channel score.
    pub channel: f32,
    /// Caller's tag for the arc (which span and candidate it stands for).
    pub tag: (usize, usize),
}

/// One sentence's lattice: the kept form of each word and the arcs leaving each position.
#[derive(Clone, Debug, Default)]
pub struct Lattice {
    /// LM tokens of each word as written.
    pub keep: Vec<LmWords>,
    /// Replacement arcs starting at each word.
    pub arcs: Vec<Vec<Arc>>,
}

/// One step of the best path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Word `i` kept.
    Keep(usize),
    /// Arc `k` leaving word `i` taken.
    Replace(usize, usize),
}

#[derive(Clone, Copy)]
struct Hyp {
    score: f32,
    state: State,
    back: Option<(usize, usize)>,
    step: Option<Step>,
}

/// Best path through `lattice` by beam search with trigram states.
pub fn best_path(lm: &LanguageModel, lattice: &Lattice, beam: usize) -> Vec<Step> {
    let n = lattice.keep.len();
    let mut hyps: Vec<Vec<Hyp>> = vec![Vec::new(); n + 1];
    hyps[0].push(Hyp {
        score: 0.0,
        state: (None, lm.bos()),
        back: None,
        step: None,
    });
    for i in 0..n {
        prune(&mut hyps[i], beam);
        let (done, rest) = hyps.split_at_mut(i + 1);
        let here = &done[i];
        for (h_idx, h) in here.iter().enumerate() {
            let (lp, state) = score_words(lm, h.state, &lattice.keep[i]);
            rest[0].push(Hyp {
                score: h.score + lp,
                state,
                back: Some((i, h_idx)),
                step: Some(Step::Keep(i)),
            });
            for (k, arc) in lattice.arcs[i].iter().enumerate() {
                let (lp, state) = score_words(lm, h.state, &arc.words);
                rest[arc.len - 1].push(Hyp {
                    score: h.score + lp + arc.channel,
                    state,
                    back: Some((i, h_idx)),
                    step: Some(Step::Replace(i, k)),
                });
            }
        }
    }
    // Close the sentence so that the last words are judged as an ending too.
    let end = &mut hyps[n];
    if let Some(eos) = lm.eos() {
        for h in end.iter_mut() {
            h.score += lm.logprob(h.state.0, h.state.1, eos);
        }
    }
    let Some(best) = (0..end.len()).max_by(|&a, &b| end[a].score.total_cmp(&end[b].score)) else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    let mut at = (n, best);
    while let Some(step) = hyps[at.0][at.1].step {
        steps.push(step);
        at = hyps[at.0][at.1].back.expect("a step has a back pointer");
    }
    steps.reverse();
    steps
}

/// Keeps the best hypothesis per state, then the best `beam` of those.
fn prune(h: &mut Vec<Hyp>, beam: usize) {
    h.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut seen: Vec<State> = Vec::with_capacity(beam);
    let mut kept = Vec::with_capacity(beam);
    for hyp in h.iter() {
        if kept.len() == beam {
            break;
        }
        if !seen.contains(&hyp.state) {
            seen.push(hyp.state);
            kept.push(*hyp);
        }
    }
    *h = kept;
}

/// Log-probability of `middle` after the history `before`, plus that of up to two following
/// LM tokens (`after`), which judge how well `middle` leads on.
pub fn window_score(
    lm: &LanguageModel,
    before: State,
    middle: &[Option<WordId>],
    after: &[Option<WordId>],
) -> f32 {
    let (a, s) = score_words(lm, before, middle);
    let (b, _) = score_words(lm, s, after);
    a + b
}
