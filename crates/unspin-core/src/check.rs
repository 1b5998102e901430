//! Detection: how likely a document is to be machine-spun, and the phrases that give it away.
//!
//! `check` does not decode. Every candidate span is judged in the context of the words as
//! written: the gain (nats) of putting back its best original, language-model log-probability
//! of the window plus the channel score, against keeping it. Gains are summed per spun phrase
//! over the document, as a spinner replaces every occurrence alike. A spun text is full of
//! phrases whose original reads much better ("White Home", "in opposition to"); an ordinary
//! text has few. Three features of that evidence, per 100 words, go through a logistic
//! calibration fitted on synthetic spins of the development half of the news corpus
//! (`unspin-eval --fit-check`), so that the probability means what it says.

use std::collections::HashMap;

use serde::Serialize;

use crate::decode::{self, State};
use crate::lm::{LanguageModel, WordId};
use crate::restore::{Restorer, Sentence};
use crate::text;

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
    /// Strongest evidence first (at most [`MAX_EVIDENCE`]).
    pub evidence: Vec<Evidence>,
    /// The features the probability was computed from.
    pub features: Features,
}

/// Candidates per span that `check` scores, best prior first. The language model is most of
/// check's cost, and the original of a spun phrase is nearly always among the first few.
pub const CHECK_CANDIDATES: usize = 8;

/// Most evidence items reported per document.
pub const MAX_EVIDENCE: usize = 10;

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
    /// [`LM_GAIN_LOW`] nats, per 100 words (no channel cost: how often a plainer word fits).
    pub lm_low_density: f32,
    /// The same above [`LM_GAIN_HIGH`] nats.
    pub lm_high_density: f32,
    /// Occurrences of phrases a loaded spinner table attests as its outputs (learned ratio at
    /// least [`Calibration::attested_min_ratio`]), per 100 words: "buying and selling" says
    /// a spinner was here in a way no clean market report does. Not in [`Features::to_vec`]:
    /// its weight is [`Calibration::attested_weight`].
    pub attested_density: f32,
}

/// Language-model-only gain above which a span counts towards [`Features::lm_low_density`].
pub const LM_GAIN_LOW: f32 = 4.0;
/// Language-model-only gain above which a span counts towards [`Features::lm_high_density`].
pub const LM_GAIN_HIGH: f32 = 8.0;

impl Features {
    /// The features as a vector, in the order of [`Calibration::weights`].
    pub fn to_vec(self) -> [f32; FEATURES] {
        [
            self.gain_density,
            self.phrase_density,
            self.spintax_density,
            self.lm_low_density,
            self.lm_high_density,
        ]
    }
}

/// Number of features.
pub const FEATURES: usize = 5;

/// Logistic calibration of the features, and the verdict policy.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// Intercept.
    pub bias: f32,
    /// One weight per feature (see [`Features::to_vec`]).
    pub weights: [f32; FEATURES],
    /// Probability at or above which the verdict is [`Verdict::Spun`].
    pub threshold: f32,
    /// Documents with fewer words get [`Verdict::TooShort`].
    pub min_words: usize,
    /// Change cost (nats) of the channel the features are measured with. The weights were
    /// fitted under it, so check keeps it whatever cost restore uses.
    pub change_cost: f32,
    /// Gain (nats) above which a phrase counts towards [`Features::phrase_density`].
    pub strong_gain: f32,
    /// Weight of [`Features::attested_density`] in the logit. The synthetic spins that fit the
    /// other weights contain no deployed spinner's outputs, so this one is set on real pages
    /// (see BENCHMARKS.md); 0 leaves the probability as the thesaurus channel gives it.
    pub attested_weight: f32,
    /// Least learned log-ratio (`ln share - ln kept`) for a written phrase to count as an
    /// attested spinner output.
    pub attested_min_ratio: f32,
}

impl Default for Calibration {
    /// Fitted by `unspin-eval --fit-check` on the development half (see BENCHMARKS.md).
    fn default() -> Self {
        Calibration {
            bias: -3.4202,
            weights: [0.3588, -0.2120, 11.325, 0.1100, 0.0146],
            threshold: 0.5,
            min_words: 50,
            change_cost: 5.5,
            strong_gain: 2.5,
            attested_weight: 0.0,
            attested_min_ratio: 2.0,
        }
    }
}

impl Calibration {
    /// Probability of spun for these features.
    pub fn probability(&self, f: &Features) -> f32 {
        let z = self.bias
            + self.attested_weight * f.attested_density
            + self
                .weights
                .iter()
                .zip(f.to_vec())
                .map(|(w, x)| w * x)
                .sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }
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
    pub(crate) fn new(lm: &LanguageModel, s: &Sentence) -> Self {
        let mut tokens = Vec::new();
        let mut starts = Vec::with_capacity(s.units.len() + 1);
        let mut states = Vec::with_capacity(s.units.len());
        let mut state: State = (None, lm.bos());
        for u in &s.units {
            starts.push(tokens.len());
            states.push(state);
            state = decode::score_words(lm, state, &u.lm).1;
            tokens.extend(u.lm.iter().copied());
        }
        starts.push(tokens.len());
        WrittenContext {
            tokens,
            starts,
            states,
        }
    }

    /// Up to two LM tokens after unit `end - 1`, closed by the sentence end.
    pub(crate) fn after(&self, lm: &LanguageModel, end: usize) -> Vec<Option<WordId>> {
        let from = self.starts[end];
        let mut after: Vec<Option<WordId>> =
            self.tokens[from..(from + 2).min(self.tokens.len())].to_vec();
        if after.len() < 2 {
            after.extend(lm.eos().map(Some));
        }
        after
    }
}

/// Per spun phrase: first occurrence, occurrence count, summed gain per candidate.
#[derive(Default)]
struct PhraseEvidence {
    first: Option<(usize, usize)>,
    occurrences: usize,
    gains: HashMap<String, f32>,
}

impl Restorer<'_> {
    /// Checks one document with the restorer's calibration.
    pub fn check(&self, input: &str) -> CheckReport {
        self.check_with(input, &self.calibration)
    }

    /// Checks one document with `calibration`.
    pub fn check_with(&self, input: &str, calibration: &Calibration) -> CheckReport {
        let (tokens, sentences) = self.prepare(input);
        self.check_prepared(input, &tokens, &sentences, calibration)
    }

    /// Checks a document already split by [`Restorer::prepare`].
    pub(crate) fn check_prepared(
        &self,
        input: &str,
        tokens: &[text::Token],
        sentences: &[Sentence],
        calibration: &Calibration,
    ) -> CheckReport {
        let lm = &self.model.lm;
        let mut words = 0usize;
        let mut spintax = 0usize;
        let mut phrases: HashMap<&str, PhraseEvidence> = HashMap::new();
        let (mut lm_low, mut lm_high) = (0usize, 0usize);
        let mut attested = 0usize;
        let spinners = &self.model.spinners;
        // Restore's change cost may differ; the features are measured at the calibration's.
        let recost = self.params.change_cost - calibration.change_cost;
        for s in sentences {
            words += s.units.len();
            spintax += s.units.iter().filter(|u| u.spintax).count();
            let ctx = WrittenContext::new(lm, s);
            for span in &s.spans {
                let end = span.first + span.len;
                let kept = &ctx.tokens[ctx.starts[span.first]..ctx.starts[end]];
                let before = ctx.states[span.first];
                let after = ctx.after(lm, end);
                let entry = phrases.entry(span.spun.as_str()).or_default();
                entry.occurrences += 1;
                entry.first.get_or_insert_with(|| {
                    let first = tokens[s.units[span.first].token].start;
                    let last = tokens[s.units[end - 1].token].end;
                    (first, last)
                });
                if spinners
                    .learned(&span.spun)
                    .iter()
                    .any(|l| l.log_ratio >= calibration.attested_min_ratio)
                {
                    attested += 1;
                }
                let mut best_lm = f32::MIN;
                // The words as written are scored once per span, not once per candidate.
                let kept_score = decode::window_score(lm, before, kept, &after);
                // Learned pairs are left out: the calibration was fitted on the thesaurus
                // channel's evidence, and a table learned from spun pages would move it.
                // (They are separate candidates, so the thesaurus list is unchanged.)
                let thesaurus = span.candidates.iter().filter(|c| !c.is_learned());
                for c in thesaurus.take(CHECK_CANDIDATES) {
                    let lm_gain = decode::window_score(lm, before, &c.lm, &after) - kept_score;
                    best_lm = best_lm.max(lm_gain);
                    let gain = lm_gain + self.params.channel(c, span.len) + recost;
                    *entry.gains.entry(c.text.clone()).or_default() += gain;
                }
                lm_low += usize::from(best_lm > LM_GAIN_LOW);
                lm_high += usize::from(best_lm > LM_GAIN_HIGH);
            }
        }

        let mut evidence: Vec<Evidence> = Vec::new();
        let mut gain_sum = 0.0f32;
        let mut strong = 0usize;
        for e in phrases.values() {
            let Some((original, gain)) = e
                .gains
                .iter()
                .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(a.0)))
            else {
                continue;
            };
            if *gain <= 0.0 {
                continue;
            }
            gain_sum += gain;
            if *gain > calibration.strong_gain {
                strong += 1;
            }
            let (start, end) = e.first.unwrap_or((0, 0));
            evidence.push(Evidence {
                start,
                end,
                spun: input[start..end].to_owned(),
                original: original.clone(),
                gain: *gain,
                occurrences: e.occurrences,
            });
        }
        evidence.sort_by(|a, b| b.gain.total_cmp(&a.gain).then(a.start.cmp(&b.start)));
        evidence.truncate(MAX_EVIDENCE);

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
            attested_density: per_100(attested as f32),
        };
        let probability = calibration.probability(&features);
        let verdict = if words < calibration.min_words {
            Verdict::TooShort
        } else if probability >= calibration.threshold {
            Verdict::Spun
        } else {
            Verdict::Clean
        };
        CheckReport {
            probability,
            verdict,
            words,
            spintax,
            evidence,
            features,
        }
    }

    /// Mean negative log-probability per word of `input` as written, under the language model
    /// alone: the perplexity-only detector that `check` is compared against.
    pub fn mean_surprisal(&self, input: &str) -> f32 {
        let lm = &self.model.lm;
        let tokens = text::tokenize(input);
        let (mut total, mut count) = (0.0f32, 0usize);
        let mut state: State = (None, lm.bos());
        for t in &tokens {
            let s = &input[t.start..t.end];
            match t.kind {
                text::TokenKind::Word | text::TokenKind::Number => {
                    let words = decode::lm_words(lm, &text::normalise_word(s));
                    let (lp, next) = decode::score_words(lm, state, &words);
                    total += lp;
                    count += words.len();
                    state = next;
                }
                text::TokenKind::Punct if matches!(s, "." | "!" | "?") => {
                    state = (None, lm.bos());
                }
                _ => {}
            }
        }
        if count == 0 {
            0.0
        } else {
            -total / count as f32
        }
    }
}
