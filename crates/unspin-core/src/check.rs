//! Detection: how likely a document is to be machine-spun, and the phrases that give it away.
//!
//! `check` does not decode. Every candidate span is judged in the context of the words as
//! written: the gain (nats) of putting back its best original, language-model log-probability
//! of the window plus the channel score, against keeping it. Gains are summed per spun phrase
//! over the document, as a spinner replaces every occurrence alike. A spun text is full of
//! phrases whose original reads much better ("White Home", "in opposition to"); an ordinary
//! text has few. Five features of that evidence and the density of a loaded table's attested
//! tells, per 100 words (see [`Features`]), go through a logistic calibration ([`Calibration`])
//! fitted on synthetic spins of the development half of the news corpus, clean formal prose
//! and real spun pages (`unspin-eval --wild-train DIR --fit-calibration`), so that the
//! probability means what it says off the news register too.
//!
//! Check reads a prepared [`Document`] and the engine's [`Weights`]; it never restores.

use std::collections::HashMap;

use serde::Serialize;

use crate::candidates::{Candidate, Span};
use crate::document::{channel_score, Document, WrittenContext};
use crate::lm::prefetch_window;
use crate::weights::Weights;
pub use crate::weights::{Calibration, FEATURES};
use crate::Model;

/// What `check` concludes about a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Probability at or above the threshold.
    Spun,
    /// Probability below the threshold.
    Clean,
    /// Fewer words than [`Calibration::min_words`]: the probability is reported, but no
    /// verdict is drawn from so little text.
    TooShort,
}

impl Verdict {
    /// The verdict as written in JSON reports (`spun`, `clean`, `too-short`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Spun => "spun",
            Verdict::Clean => "clean",
            Verdict::TooShort => "too-short",
        }
    }
}

/// A phrase that reads better restored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// Byte offset of the phrase's first occurrence.
    pub start: usize,
    /// Byte offset one past its first occurrence.
    pub end: usize,
    /// The phrase as written at its first occurrence.
    pub spun: String,
    /// The original that gains most (lowercase).
    pub original: String,
    /// Summed gain over all occurrences, in nats.
    pub gain: f32,
    /// How often the phrase occurs.
    pub occurrences: usize,
}

/// The result of checking one document.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// Calibrated probability that the document was machine-spun.
    pub probability: f32,
    /// The verdict at [`Calibration::threshold`].
    pub verdict: Verdict,
    /// Words in the document.
    pub words: usize,
    /// Stray spinner templates (`{a|b}`) found.
    pub spintax: usize,
    /// Strongest evidence first (at most [`Weights::max_evidence`]).
    pub evidence: Vec<Evidence>,
    /// The features the probability was computed from.
    pub features: Features,
    /// What a neural language model added (`--lm`), when one was asked: its agreement with
    /// the evidence and check's probability before it (see [`crate::neural_check`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neural: Option<NeuralCheck>,
}

/// What the neural model added to a check report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NeuralCheck {
    /// The model's name (`smollm2`).
    pub lm: String,
    /// Its [`crate::neural_check::agreement`] with the evidence.
    pub agreement: f32,
    /// check's probability before the model's say: the trigram model's alone.
    pub check_probability: f32,
}

/// Document features behind the probability.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Features {
    /// Summed positive phrase gains, nats per 100 words.
    pub gain_density: f32,
    /// Phrases whose gain clears the restore margin, per 100 words.
    pub phrase_density: f32,
    /// Stray spinner templates per 100 words.
    pub spintax_density: f32,
    /// Spans with an original the language model alone prefers by more than
    /// [`Calibration::lm_gain_low`] nats, per 100 words (no channel cost: how often a plainer
    /// word fits).
    pub lm_low_density: f32,
    /// The same above [`Calibration::lm_gain_high`] nats.
    pub lm_high_density: f32,
    /// Occurrences of phrases a loaded spinner table attests as its outputs, each weighted by
    /// the share of its occurrences the table says were rewritten ([`Channel::tell`]), per
    /// 100 words: "buying and selling" says a spinner was here in a way no clean market
    /// report does. Not in [`Features::to_vec`] (the synthetic spins that fit those weights
    /// contain no deployed spinner's outputs): its weight is [`Calibration::attested_weight`].
    ///
    /// [`Channel::tell`]: crate::channel::Channel::tell
    pub attested_density: f32,
    /// Words a loaded table says its spinner replaces everywhere ("price", "level",
    /// "traders" for the embedded family), per 100 words: a text that keeps writing them did
    /// not go through that spinner. Weighted by [`Calibration::replaced_weight`].
    pub replaced_density: f32,
    /// The same for the words people attested the spinner replaces (a subset): not in the
    /// probability; restore weighs it against the attested density to judge whether the
    /// document is the family's ([`crate::weights::Params::with_family_evidence`]).
    pub attested_replaced_density: f32,
    /// [`Features::attested_density`] over the table entries people attested only ("buying
    /// and selling", "easy shifting common"), each tell also weighted by how specific it is
    /// ([`Calibration::tell_specificity`] of the written phrase's own language-model
    /// probability), per 100 words. Unlike the whole density it is in [`Features::to_vec`]:
    /// its weight is fitted with real pages of the family beside the synthetic spins
    /// (`unspin-eval --wild-train DIR --fit-calibration`), since the EM's guesses among the
    /// tells ("chart", "zone") and common words ("information") are what clean market reports
    /// write too.
    pub attested_tell_density: f32,
}

impl Features {
    /// The features as a vector, in the order of [`Calibration::weights`].
    pub fn to_vec(self) -> [f32; FEATURES] {
        [
            self.gain_density,
            self.phrase_density,
            self.spintax_density,
            self.lm_low_density,
            self.lm_high_density,
            self.attested_tell_density,
        ]
    }
}

impl Calibration {
    /// How much a tell whose written phrase has this surprise (nats: minus its own
    /// language-model log-probability) says of a spinner: nothing at or under
    /// [`Calibration::tell_common_surprise`], fully at or over
    /// [`Calibration::tell_rare_surprise`], linearly between.
    pub fn tell_specificity(&self, surprise: f32) -> f32 {
        let span = self.tell_rare_surprise - self.tell_common_surprise;
        if span <= 0.0 {
            return f32::from(surprise >= self.tell_rare_surprise);
        }
        ((surprise - self.tell_common_surprise) / span).clamp(0.0, 1.0)
    }

    /// What a loaded table's family adds to the logit: its tells, less the words it replaces
    /// that the text writes all the same, never below nothing. A text without the family's
    /// tells (another spinner's output, most clean text) keeps the probability the other
    /// features give it; the replaced words only take back what the tells would add.
    pub fn family_evidence(&self, f: &Features) -> f32 {
        (self.attested_weight * f.attested_density + self.replaced_weight * f.replaced_density)
            .max(0.0)
    }

    /// The verdict on a document of `words` words with this probability.
    pub fn verdict(&self, words: usize, probability: f32) -> Verdict {
        if words < self.min_words {
            Verdict::TooShort
        } else if probability >= self.threshold {
            Verdict::Spun
        } else {
            Verdict::Clean
        }
    }

    /// Probability of spun for these features.
    pub fn probability(&self, f: &Features) -> f32 {
        let z = self.bias
            + self.family_evidence(f)
            + self
                .weights
                .iter()
                .zip(f.to_vec())
                .map(|(w, x)| w * x)
                .sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }
}

/// Per spun phrase: first occurrence, occurrence count, summed gain per candidate.
#[derive(Default)]
struct PhraseEvidence<'s> {
    first: Option<(usize, usize)>,
    occurrences: usize,
    /// Per candidate text, in the order first met: a phrase has at most
    /// [`Weights::check_candidates`] of them, so a list searched in place beats a map (and
    /// its key copies are inline, not allocated).
    gains: Vec<CandidateGain<'s>>,
}

/// A candidate's gain summed over its phrase's occurrences, or, where some occurrence was
/// only bounded ([`crate::lm::WindowScore::AtMost`]), a bound on that sum.
struct CandidateGain<'s> {
    /// The candidate where first met (its text is what counts: another occurrence's list
    /// may hold the same text elsewhere).
    candidate: &'s Candidate,
    /// Its channel score: the same at every occurrence of the phrase (a phrase has one
    /// length), so computed once.
    channel: f32,
    /// Starts at -0.0, which adds nothing to any float (0.0 would turn a first -0.0 into
    /// 0.0): the sum is bit for bit the one that starts from the first gain.
    sum: f32,
    /// `sum` is a bound: at or under zero, the candidate cannot be the phrase's evidence
    /// (only a positive best gain is); above it, [`settle_bounds`] sums it exactly.
    bounded: bool,
}

impl<'s> PhraseEvidence<'s> {
    /// The slot of `candidate`, the `rank`-th of its span's list, made when first met, with
    /// the channel score `channel` computes. A phrase's spans share one cached list, so the
    /// candidate is nearly always at its rank, the very same one: looked for there first,
    /// then by text among all. The channel score is reused only for the very same candidate.
    fn slot(
        &mut self,
        rank: usize,
        candidate: &'s Candidate,
        channel: impl FnOnce() -> f32,
    ) -> &mut CandidateGain<'s> {
        let same_text = |g: &CandidateGain<'_>| g.candidate.text == candidate.text;
        let at = match self.gains.get(rank) {
            Some(g) if std::ptr::eq(g.candidate, candidate) || same_text(g) => Some(rank),
            _ => self.gains.iter().position(same_text),
        };
        match at {
            Some(i) => {
                let g = &mut self.gains[i];
                if !std::ptr::eq(g.candidate, candidate) {
                    g.candidate = candidate;
                    g.channel = channel();
                }
                g
            }
            None => {
                self.gains.push(CandidateGain {
                    candidate,
                    channel: channel(),
                    sum: -0.0,
                    bounded: false,
                });
                self.gains.last_mut().expect("just pushed")
            }
        }
    }

    /// Whether a bounded sum could still be the phrase's evidence.
    fn unsettled(&self) -> bool {
        self.gains.iter().any(CandidateGain::unsettled)
    }
}

impl CandidateGain<'_> {
    /// A bounded sum above zero: it could still be the phrase's evidence, so
    /// [`settle_bounds`] sums it exactly.
    fn unsettled(&self) -> bool {
        self.bounded && self.sum > 0.0
    }
}

/// What check scores for one span: the history before it, the words as written, the tokens
/// after it, and the candidates it weighs (see [`calibrated_candidates`]).
struct SpanWindows<'c, 'd> {
    before: crate::lm::State,
    /// In the sentence's context, which lives only while the sentence is scored.
    kept: &'c [Option<crate::lm::WordId>],
    after: crate::candidates::CandidateLm,
    /// In the document, which outlives the evidence gathered from them.
    candidates: smallvec::SmallVec<[&'d Candidate; 8]>,
}

/// The candidates of `span` that check scores: only those of the channels the calibration was
/// fitted on (a learned table would move it; their candidate lists are the same with or
/// without others), at most [`Weights::check_candidates`].
fn calibrated_candidates<'s>(
    model: &Model,
    weights: &Weights,
    span: &'s Span,
) -> smallvec::SmallVec<[&'s Candidate; 8]> {
    span.candidates
        .iter()
        .filter(|c| model.channels[c.channel as usize].calibrated())
        .take(weights.check_candidates)
        .collect()
}

/// What check learns of one candidate at one occurrence.
enum CandidateScore {
    /// Its language-model gain over the words as written, and its gain with the channel.
    Exact { lm_gain: f32, gain: f32 },
    /// Only a bound on its gain, which is at or under zero, and a language-model gain at or
    /// under both of check's thresholds: the candidate can neither be this occurrence's
    /// evidence nor count in [`Features::lm_low_density`].
    AtMost { gain: f32 },
}

/// Scores candidate `c` of the span `w` describes, stopping at a bound when the bound shows
/// the candidate cannot matter here (see [`CandidateScore`]). The gains are summed in one
/// order of operations, bounded or not, so that a bound is never below the gain.
fn score_candidate(
    lm: &dyn crate::lm::LanguageModel,
    calibration: &Calibration,
    w: &SpanWindows<'_, '_>,
    c: &Candidate,
    kept_score: f32,
    channel: f32,
    recost: f32,
) -> CandidateScore {
    use crate::lm::WindowScore;
    let lm_threshold = calibration.lm_gain_low.min(calibration.lm_gain_high);
    let gain = |lm_gain: f32| candidate_gain(lm_gain, channel, recost);
    let negligible = |window: f32| {
        let lm_gain = window - kept_score;
        lm_gain <= lm_threshold && gain(lm_gain) <= 0.0
    };
    match lm.score_window_unless(w.before, &c.lm, &w.after, &negligible) {
        WindowScore::Exact(window) => {
            let lm_gain = window - kept_score;
            CandidateScore::Exact {
                lm_gain,
                gain: gain(lm_gain),
            }
        }
        WindowScore::AtMost(window) => CandidateScore::AtMost {
            gain: gain(window - kept_score),
        },
    }
}

/// A candidate's gain at one occurrence, in the one order of operations check uses: a bound
/// and the exact gain go through the same sums, so the bound is never below it.
fn candidate_gain(lm_gain: f32, channel: f32, recost: f32) -> f32 {
    lm_gain + channel + recost
}

/// What check adds to restore's channel scores so that its features are measured at the
/// calibration's change cost, whatever restore's own is.
fn recost(weights: &Weights) -> f32 {
    weights.restore.change_cost - weights.check.feature_change_cost
}

/// Replaces the bounded sums that could still be a phrase's evidence (above zero) with exact
/// ones, scoring those candidates again at every occurrence of their phrase, in the order of
/// the first pass. Rare: on the 1 MB bench, a few dozen candidate occurrences of the
/// million scored.
fn settle_bounds(
    model: &Model,
    weights: &Weights,
    doc: &Document<'_>,
    phrases: &mut HashMap<&str, PhraseEvidence, foldhash::fast::RandomState>,
) {
    // Per unsettled phrase, its candidates to sum again and their exact sums so far.
    let mut sums: HashMap<
        &str,
        Vec<(compact_str::CompactString, Option<f32>)>,
        foldhash::fast::RandomState,
    > = phrases
        .iter()
        .filter(|(_, e)| e.unsettled())
        .map(|(&k, e)| {
            let redo = e
                .gains
                .iter()
                .filter(|g| g.unsettled())
                .map(|g| (g.candidate.text.clone(), None))
                .collect();
            (k, redo)
        })
        .collect();
    if sums.is_empty() {
        return;
    }
    let (lm, params, recost) = (model.lm.as_ref(), &weights.restore, recost(weights));
    for s in &doc.sentences {
        if !s
            .spans
            .iter()
            .any(|span| sums.contains_key(span.spun.as_str()))
        {
            continue;
        }
        let ctx = WrittenContext::new(lm, s);
        let written = ctx.written_scores(lm);
        for span in &s.spans {
            let Some(redo) = sums.get_mut(span.spun.as_str()) else {
                continue;
            };
            let end = span.first + span.len;
            let kept_score = ctx.kept_score(&written, span.first, end);
            let (before, after) = (ctx.states[span.first], ctx.after(lm, end));
            for c in calibrated_candidates(model, weights, span) {
                let Some((_, sum)) = redo.iter_mut().find(|(t, _)| *t == c.text) else {
                    continue;
                };
                let lm_gain = lm.score_window(before, &c.lm, &after) - kept_score;
                let channel = channel_score(model, c, span.len, params);
                let gain = candidate_gain(lm_gain, channel, recost);
                *sum = Some(sum.map_or(gain, |s| s + gain));
            }
        }
    }
    for (k, redo) in sums {
        let entry = phrases
            .get_mut(k)
            .expect("an unsettled phrase is in the map");
        for (text, sum) in redo {
            if let (Some(g), Some(sum)) = (
                entry.gains.iter_mut().find(|g| g.candidate.text == text),
                sum,
            ) {
                g.sum = sum;
                g.bounded = false;
            }
        }
    }
}

/// Checks a prepared document with `weights` (its channel, its calibration).
pub fn check(model: &Model, weights: &Weights, doc: &Document<'_>) -> CheckReport {
    let calibration = &weights.check;
    let params = &weights.restore;
    let lm = model.lm.as_ref();
    let mut words = 0usize;
    let mut spintax = 0usize;
    // Keyed by the document's own phrases: a fast hasher, seeded per process.
    let mut phrases: HashMap<&str, PhraseEvidence, foldhash::fast::RandomState> =
        HashMap::default();
    let (mut lm_low, mut lm_high) = (0usize, 0usize);
    let (mut attested, mut attested_tells) = (0.0f32, 0.0f32);
    let (mut replaced, mut attested_replaced) = (0usize, 0usize);
    let recost = recost(weights);
    for s in &doc.sentences {
        words += s.units.len();
        spintax += s.units.iter().filter(|u| u.spintax).count();
        let ctx = WrittenContext::new(lm, s);
        let written = ctx.written_scores(lm);
        // Very common words ("in", "he", "more") say little either way: spinners rewrite them
        // inside longer phrases and leave them alone elsewhere, and every text writes them.
        let common = |first: usize, end: usize| {
            ctx.tokens[ctx.starts[first]..ctx.starts[end]]
                .iter()
                .all(|t| t.is_some_and(|id| lm.unigram(id) >= params.common_word_logprob))
        };
        for i in 0..s.units.len() {
            let word = &s.units[i].norm;
            if model.channels.iter().any(|c| c.replaces(word)) && !common(i, i + 1) {
                replaced += 1;
                attested_replaced +=
                    usize::from(model.channels.iter().any(|c| c.replaces_attested(word)));
            }
        }
        // Each span's windows, worked out once: read to ask for their look-ups one span ahead
        // (independent look-ups overlap their cache misses when asked for together), then to
        // score them.
        let windows: Vec<SpanWindows<'_, '_>> = s
            .spans
            .iter()
            .map(|span| {
                let end = span.first + span.len;
                SpanWindows {
                    before: ctx.states[span.first],
                    kept: &ctx.tokens[ctx.starts[span.first]..ctx.starts[end]],
                    after: ctx.after(lm, end),
                    candidates: calibrated_candidates(model, weights, span),
                }
            })
            .collect();
        let prefetch = |w: &SpanWindows<'_, '_>| {
            for c in &w.candidates {
                prefetch_window(lm, w.before, &c.lm, &w.after);
            }
        };
        if let Some(first) = windows.first() {
            prefetch(first);
        }
        for (k, (span, w)) in s.spans.iter().zip(&windows).enumerate() {
            if let Some(next) = windows.get(k + 1) {
                prefetch(next);
            }
            let end = span.first + span.len;
            let kept = w.kept;
            let entry = phrases.entry(span.spun.as_str()).or_default();
            entry.occurrences += 1;
            entry.first.get_or_insert_with(|| {
                let first = s.units[span.first].start;
                let last = s.units[end - 1].end;
                (first, last)
            });
            let tell = model
                .channels
                .iter()
                .map(|c| c.tell(&span.spun))
                .fold(0.0, f32::max);
            // Most spans are no tell: the unigram look-ups only for those that are.
            if tell > 0.0 && !common(span.first, end) {
                attested += tell;
                let attested_tell = model
                    .channels
                    .iter()
                    .map(|c| c.tell_attested(&span.spun))
                    .fold(0.0, f32::max);
                if attested_tell > 0.0 {
                    // How specific the tell is: a written phrase that clean English writes
                    // often ("information", "help") says little, a rare one ("merchants",
                    // "buying and selling") much.
                    let surprise = -lm.phrase_logprob(kept);
                    attested_tells += attested_tell * calibration.tell_specificity(surprise);
                }
            }
            let mut best_lm = f32::MIN;
            // The words as written are scored once per sentence, not once per span.
            let kept_score = ctx.kept_score(&written, span.first, end);
            for (rank, &c) in w.candidates.iter().enumerate() {
                let slot = entry.slot(rank, c, || channel_score(model, c, span.len, params));
                match score_candidate(lm, calibration, w, c, kept_score, slot.channel, recost) {
                    CandidateScore::Exact { lm_gain, gain } => {
                        best_lm = best_lm.max(lm_gain);
                        slot.sum += gain;
                    }
                    // Under both thresholds: `best_lm` would not cross one for it.
                    CandidateScore::AtMost { gain } => {
                        slot.sum += gain;
                        slot.bounded = true;
                    }
                }
            }
            lm_low += usize::from(best_lm > calibration.lm_gain_low);
            lm_high += usize::from(best_lm > calibration.lm_gain_high);
        }
    }

    settle_bounds(model, weights, doc, &mut phrases);

    let mut evidence: Vec<Evidence> = Vec::new();
    let mut gain_sum = 0.0f32;
    let mut strong = 0usize;
    // In the order of first occurrence: a float sum in hash order would differ in its last
    // bits from run to run.
    let mut ordered: Vec<&PhraseEvidence> = phrases.values().collect();
    ordered.sort_by_key(|e| e.first);
    for e in ordered {
        // A bound left is at or under zero (`settle_bounds`): it is the maximum only when
        // nothing is above zero, and then the phrase is no evidence either way.
        let Some((original, gain)) = e
            .gains
            .iter()
            .map(|g| (&g.candidate.text, g.sum))
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        else {
            continue;
        };
        if gain <= 0.0 {
            continue;
        }
        gain_sum += gain;
        if gain > calibration.strong_gain {
            strong += 1;
        }
        let (start, end) = e.first.unwrap_or((0, 0));
        evidence.push(Evidence {
            start,
            end,
            spun: doc.input[start..end].to_owned(),
            original: original.to_string(),
            gain,
            occurrences: e.occurrences,
        });
    }
    evidence.sort_by(|a, b| b.gain.total_cmp(&a.gain).then(a.start.cmp(&b.start)));
    evidence.truncate(weights.max_evidence);

    let per_100 = |x: f32| {
        if words == 0 {
            0.0
        } else {
            100.0 * x / words as f32
        }
    };
    let features = Features {
        gain_density: per_100(gain_sum),
        phrase_density: per_100(strong as f32),
        spintax_density: per_100(spintax as f32),
        lm_low_density: per_100(lm_low as f32),
        lm_high_density: per_100(lm_high as f32),
        attested_density: per_100(attested),
        replaced_density: per_100(replaced as f32),
        attested_replaced_density: per_100(attested_replaced as f32),
        attested_tell_density: per_100(attested_tells),
    };
    let probability = calibration.probability(&features);
    CheckReport {
        probability,
        verdict: calibration.verdict(words, probability),
        words,
        spintax,
        evidence,
        features,
        neural: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tell_says_more_the_rarer_its_written_phrase() {
        let c = Calibration::default();
        let (common, rare) = (c.tell_common_surprise, c.tell_rare_surprise);
        assert!(common < rare);
        assert_eq!(c.tell_specificity(common - 1.0), 0.0);
        assert_eq!(c.tell_specificity(common), 0.0);
        assert_eq!(c.tell_specificity(rare), 1.0);
        assert_eq!(c.tell_specificity(rare + 10.0), 1.0);
        let mid = c.tell_specificity((common + rare) / 2.0);
        assert!((mid - 0.5).abs() < 1e-6, "{mid}");
        // Equal bounds: a step at the bound, not a division by zero.
        let step = Calibration {
            tell_common_surprise: 10.0,
            tell_rare_surprise: 10.0,
            ..c
        };
        assert_eq!(step.tell_specificity(9.9), 0.0);
        assert_eq!(step.tell_specificity(10.0), 1.0);
    }
}
