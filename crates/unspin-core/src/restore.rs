//! Restoration of a prepared document: a first decode, one original per spun phrase for the
//! document, a second decode under that choice, and the explained list of changes.
//!
//! Restore reads the document's check report (how likely it is spun sets how readily a word
//! is taken for spun, [`Params::for_spin_probability`]) but never checks: the engine
//! ([`crate::Engine`]) checks each document once and hands the report over.

use std::collections::{HashMap, HashSet};

/// Maps and sets keyed by phrases of the document: a fast hash, seeded per process since the
/// keys come from the input.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type Set<K> = HashSet<K, foldhash::fast::RandomState>;

use serde::Serialize;

pub use crate::candidates::ChangeKind;
use crate::candidates::{self, Span};
use crate::check::CheckReport;
use crate::decode::{self, Arc, Lattice, Step};
use crate::document::{channel_score, Document, Sentence};
use crate::lm::{LanguageModel, LmWords, State};
use crate::rescore::{ContinuationRequest, ContinuationScorer};
use crate::text;
use crate::weights::{Params, Weights};
use crate::Model;

/// A runner-up original for a change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alternative {
    /// The alternative text, in the spun text's case.
    pub text: String,
    /// Its confidence on the same scale as the change's.
    pub confidence: f32,
}

/// One restored span.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// Byte offset of the span in the input.
    pub start: usize,
    /// Byte offset one past the span in the input.
    pub end: usize,
    /// The spun text, exactly as in the input.
    pub spun: String,
    /// What it was restored to.
    pub restored: String,
    /// Probability-like confidence that the restoration is right (logistic of the gain).
    pub confidence: f32,
    /// How the candidate was found.
    pub kind: ChangeKind,
    /// Other originals considered, best first.
    pub alternatives: Vec<Alternative>,
    /// For a change of kind [`ChangeKind::Source`]: where the source has the restored text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceSpan>,
}

/// Where in an indexed source a restored span comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SourceSpan {
    /// Byte offset in the source's text.
    pub start: usize,
    /// Byte offset one past it.
    pub end: usize,
}

/// The restored text and every change made to produce it.
#[derive(Clone, Debug, Serialize)]
pub struct Restoration {
    /// The restored text: the input with each change applied, all other bytes untouched.
    pub text: String,
    /// The changes, in input order, not overlapping.
    pub changes: Vec<Change>,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The weights of one document: the engine's, relaxed by how likely check found it spun.
pub(crate) fn document_params(weights: &Weights, check: Option<&CheckReport>) -> Params {
    match check {
        // A spun article has a replaced phrase every few words, a clean one none. The
        // relaxation was tuned under the trigram model's probability: a neural model's say
        // in check (a calibration of its own, which ranks better but reads lower on spun
        // pages) changes the verdict, not how boldly restore works (BENCHMARKS.md, "check
        // with the neural model").
        Some(report) if weights.restore.reads_spin_probability() => weights
            .restore
            .for_spin_probability(
                report
                    .neural
                    .as_ref()
                    .map_or(report.probability, |n| n.check_probability),
                report.features.phrase_density,
            )
            .with_family_evidence(
                report.features.attested_density,
                report.features.attested_replaced_density,
            ),
        _ => weights.restore.clone(),
    }
}

/// Restores one prepared document.
struct Restore<'a> {
    model: &'a Model,
    /// This document's weights.
    params: Params,
    /// The second language model for close decisions, if any.
    rescorer: Option<&'a dyn ContinuationScorer>,
}

/// A candidate's document-level gain (nats), and the part of it the language model gave.
#[derive(Clone, Copy, Debug, Default)]
struct Gain {
    total: f32,
    lm: f32,
    /// Whether the candidate is a pair people attested (see
    /// [`Params::attested_kept_original_cost`]).
    attested: bool,
}

/// What the second language model did for one document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rescored {
    /// Phrases whose document-level decision restore made (some first-pass path changed
    /// them): the decisions the second model could have been sent.
    pub decisions: usize,
    /// Spun phrases whose decision it made.
    pub phrases: usize,
    /// Occurrences it scored.
    pub occurrences: usize,
    /// Phrases it failed on (their trigram decision stands).
    pub failures: usize,
}

/// One step of a decoded path as written out (12 bytes: the first pass keeps one per word of
/// the document until its evidence is summed).
#[derive(Clone, Copy)]
struct OutputStep {
    /// The first word it covers.
    first: u32,
    /// Where its LM tokens end in [`PathOutput::tokens`] (they start where the step before
    /// ends).
    end: u32,
    /// How many words it covers.
    len: u8,
    /// The word as written, not a replacement.
    kept: bool,
}

/// A decoded path as written out: its steps and the LM tokens they write (one flat vector per
/// sentence: a vector per step cost 14% of restore's time in allocations).
#[derive(Default)]
pub(crate) struct PathOutput {
    steps: Vec<OutputStep>,
    tokens: LmWords,
}

impl PathOutput {
    /// Per step: the first word it covers, how many, what it writes and whether it keeps the
    /// word as written.
    fn steps(&self) -> impl Iterator<Item = (usize, usize, &[Option<u32>], bool)> {
        let mut start = 0;
        self.steps.iter().map(move |step| {
            let range = start..step.end as usize;
            start = step.end as usize;
            (
                step.first as usize,
                usize::from(step.len),
                &self.tokens[range],
                step.kept,
            )
        })
    }
}

/// The first pass over a document, per sentence: what its best path writes, and the (span,
/// candidate) of each replacement on it. The lattices and the paths themselves are dropped
/// sentence by sentence: kept for a whole document they were most of restore's memory.
pub(crate) struct FirstPass {
    pub(crate) outputs: Vec<PathOutput>,
    pub(crate) replaced: Vec<Vec<(usize, usize)>>,
}

/// Restores a prepared document; `check` is its report: the weights are relaxed by how likely
/// it found the document spun.
pub fn restore(
    model: &Model,
    weights: &Weights,
    doc: &Document<'_>,
    check: Option<&CheckReport>,
) -> Restoration {
    restore_rescored(model, weights, doc, check, None).0
}

/// Restores a prepared document, sending the close decisions to `rescorer` (see
/// [`crate::rescore`]).
pub fn restore_rescored(
    model: &Model,
    weights: &Weights,
    doc: &Document<'_>,
    check: Option<&CheckReport>,
    rescorer: Option<&dyn ContinuationScorer>,
) -> (Restoration, Rescored) {
    Restore {
        model,
        params: document_params(weights, check),
        rescorer,
    }
    .restore(doc)
}

/// The document's weights and restore's first pass over it (the learner judges each phrase
/// beside the first pass's restoration of its neighbours).
pub(crate) fn first_pass(
    model: &Model,
    weights: &Weights,
    doc: &Document<'_>,
    check: Option<&CheckReport>,
) -> (Params, FirstPass) {
    let mut params = document_params(weights, check);
    // The learner judges each phrase beside this pass alone, offline: it keeps every
    // hypothesis the beam holds.
    params.first_pass_width = 0.0;
    let r = Restore {
        model,
        params,
        rescorer: None,
    };
    let pass = r.first_pass(doc);
    (r.params, pass)
}

impl Restore<'_> {
    /// Builds the lattice of a sentence; `allow(span, candidate)` filters the arcs and returns
    /// an extra channel bonus for those it keeps.
    fn lattice<'s>(
        &self,
        s: &'s Sentence,
        allow: impl Fn(&Span, usize) -> Option<f32>,
    ) -> Lattice<'s> {
        let mut lattice = Lattice {
            keep: s.units.iter().map(|u| u.lm.as_slice()).collect(),
            arcs: vec![Vec::new(); s.units.len()],
        };
        for (si, span) in s.spans.iter().enumerate() {
            // A phrase a table holds as written is not restored, by any channel. Check still
            // reads its candidates: its calibration was fitted with them.
            if self.model.channels.iter().any(|c| c.holds(&span.spun)) {
                continue;
            }
            for (ci, c) in span.candidates.iter().enumerate() {
                if let Some(bonus) = allow(span, ci) {
                    lattice.arcs[span.first].push(Arc {
                        len: span.len,
                        words: c.lm.as_slice(),
                        channel: channel_score(self.model, c, span.len, &self.params) + bonus,
                        tag: (si, ci),
                    });
                }
            }
        }
        lattice
    }

    /// The first pass: every candidate allowed, the best path of each sentence's lattice.
    fn first_pass(&self, doc: &Document<'_>) -> FirstPass {
        let mut pass = FirstPass {
            outputs: Vec::with_capacity(doc.sentences.len()),
            replaced: Vec::with_capacity(doc.sentences.len()),
        };
        for s in &doc.sentences {
            let lattice = self.lattice(s, |_, _| Some(0.0));
            let (beam, width) = (self.params.beam, self.params.first_pass_limit());
            let path = decode::best_path_within(self.model.lm.as_ref(), &lattice, beam, width);
            pass.outputs.push(path_outputs(&lattice, &path));
            pass.replaced.push(
                path.iter()
                    .filter_map(|step| match *step {
                        Step::Replace(i, k) => Some(lattice.arcs[i][k].tag),
                        Step::Keep(_) => None,
                    })
                    .collect(),
            );
        }
        pass
    }

    fn restore(&self, doc: &Document<'_>) -> (Restoration, Rescored) {
        let (input, sentences) = (doc.input, &doc.sentences);
        // Pass 1: every candidate allowed; then one decision per spun phrase for the document.
        let first = self.first_pass(doc);
        let mut evidence = self.evidence(sentences, &first);
        let rescored = match self.rescorer {
            Some(scorer) => self.rescore(doc, scorer, &mut evidence),
            None => Rescored::default(),
        };
        let decisions = self.decide(&evidence);

        // Pass 2: only the document's chosen original for each phrase.
        let bonus = self.params.consistency_bonus;
        let mut changes = Vec::new();
        for s in sentences {
            let lattice = self.lattice(s, |span, ci| {
                let (best, _) = decisions.get(span.spun.as_str())?;
                (span.candidates[ci].text == *best).then_some(bonus)
            });
            let path = decode::best_path(self.model.lm.as_ref(), &lattice, self.params.beam);
            for step in &path {
                match *step {
                    Step::Replace(i, k) => {
                        let (si, ci) = lattice.arcs[i][k].tag;
                        let span = &s.spans[si];
                        let gains = &evidence[span.spun.as_str()];
                        changes.push(self.change(input, s, span, ci, gains));
                    }
                    Step::Keep(i) if s.units[i].spintax => {
                        let u = &s.units[i];
                        let raw = &input[u.start..u.end];
                        let content = raw[1..raw.len() - 1].split('|').next().unwrap_or("").trim();
                        changes.push(Change {
                            start: u.start,
                            end: u.end,
                            spun: raw.to_owned(),
                            restored: content.to_owned(),
                            confidence: 0.99,
                            kind: ChangeKind::Spintax,
                            alternatives: Vec::new(),
                            source: None,
                        });
                    }
                    Step::Keep(_) => {}
                }
            }
        }
        changes.sort_by_key(|c| c.start);
        let restoration = Restoration {
            text: apply(input, &changes),
            changes,
        };
        (restoration, rescored)
    }

    /// Puts the second language model's judgement in place of the trigram model's for the
    /// phrases whose decision is within [`Params::rescore_margin`] of going the other way:
    /// their top [`Params::rescore_candidates`] originals and the phrase as written are scored
    /// at its first [`Params::rescore_occurrences`] occurrences, after the text before it
    /// (this sentence and the one before) and followed by [`Params::rescore_right_words`]
    /// words as written. Candidates outside the
    /// top are dropped for those phrases, so that none wins by the trigram's word alone.
    fn rescore(
        &self,
        doc: &Document<'_>,
        scorer: &dyn ContinuationScorer,
        evidence: &mut Map<String, Map<String, Gain>>,
    ) -> Rescored {
        let p = &self.params;
        let mut close: Map<String, Vec<String>> = Map::default();
        for (spun, gains) in evidence.iter() {
            let mut ranked: Vec<(&String, f32)> = gains.iter().map(|(t, g)| (t, g.total)).collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            let Some(&(_, first)) = ranked.first() else {
                continue;
            };
            let second = ranked.get(1).map_or(f32::MIN, |r| r.1);
            let near_margin = (first - p.margin).abs() < p.rescore_margin;
            let near_runner_up = first > p.margin && first - second < p.rescore_margin;
            if near_margin || near_runner_up {
                let top = ranked.iter().take(p.rescore_candidates);
                close.insert(spun.clone(), top.map(|(t, _)| (*t).clone()).collect());
            }
        }
        let mut report = Rescored {
            decisions: evidence.len(),
            ..Rescored::default()
        };
        if close.is_empty() {
            return report;
        }
        let input = doc.input;
        // Every occurrence to score is gathered first and sent in one call, so that a model
        // that reads its weights once per pass can score them together.
        let mut requests: Vec<ContinuationRequest> = Vec::new();
        let mut request_phrases: Vec<&str> = Vec::new();
        // Occurrences scored per phrase: a spinner rewrites every occurrence alike, so the
        // first few speak for the rest.
        let mut seen: Map<&str, usize> = Map::default();
        for (si, s) in doc.sentences.iter().enumerate() {
            let context_start = doc.sentences[si.saturating_sub(1)]
                .units
                .first()
                .map_or(0, |u| u.start);
            for span in &s.spans {
                let Some((spun, originals)) = close.get_key_value(span.spun.as_str()) else {
                    continue;
                };
                if seen.get(spun.as_str()).copied().unwrap_or(0) >= p.rescore_occurrences {
                    continue;
                }
                *seen.entry(spun.as_str()).or_default() += 1;
                let units = &s.units[span.first..span.first + span.len];
                let (start, end) = (units[0].start, units[span.len - 1].end);
                let after = &s.units[span.first + span.len..];
                let right_end = after[..after.len().min(p.rescore_right_words)]
                    .last()
                    .map_or(end, |u| u.end);
                let right = &input[end..right_end];
                let written: Vec<&str> = units.iter().map(|u| &input[u.start..u.end]).collect();
                let mut continuations = vec![format!(" {}{right}", &input[start..end])];
                continuations.extend(
                    originals
                        .iter()
                        .map(|o| format!(" {}{right}", text::case_like(o, &written))),
                );
                let context = input[context_start.min(start)..start].trim_end();
                requests.push(ContinuationRequest {
                    context: context.to_owned(),
                    continuations,
                });
                request_phrases.push(spun.as_str());
            }
        }
        let mut neural: Map<&str, Vec<f32>> = Map::default();
        let mut failed: Set<&str> = Set::default();
        let answers = scorer.score_requests(&requests);
        for ((request, spun), answer) in requests.iter().zip(&request_phrases).zip(answers) {
            match answer {
                Ok(scores) if scores.len() == request.continuations.len() => {
                    report.occurrences += 1;
                    let sums = neural
                        .entry(spun)
                        .or_insert_with(|| vec![0.0; scores.len() - 1]);
                    for (sum, score) in sums.iter_mut().zip(&scores[1..]) {
                        *sum += score - scores[0];
                    }
                }
                _ => {
                    failed.insert(spun);
                }
            }
        }
        for (spun, originals) in &close {
            if failed.contains(spun.as_str()) {
                report.failures += 1;
                continue;
            }
            let (Some(sums), Some(gains)) = (neural.get(spun.as_str()), evidence.get_mut(spun))
            else {
                continue;
            };
            report.phrases += 1;
            gains.retain(|t, _| originals.contains(t));
            for (original, sum) in originals.iter().zip(sums) {
                if let Some(g) = gains.get_mut(original) {
                    g.total += p.rescore_weight * sum - g.lm;
                    g.lm = p.rescore_weight * sum;
                }
            }
        }
        report
    }

    /// Document-level evidence: for each phrase changed anywhere on the decoded paths, the
    /// summed gain of each of its candidates over all its occurrences, judged in that context.
    fn evidence(
        &self,
        sentences: &[Sentence],
        first: &FirstPass,
    ) -> Map<String, Map<String, Gain>> {
        let (params, lm) = (&self.params, self.model.lm.as_ref());
        let mut changed: Set<&str> = Set::default();
        for (s, replaced) in sentences.iter().zip(&first.replaced) {
            for &(si, _) in replaced {
                changed.insert(&s.spans[si].spun);
            }
        }
        let mut evidence: Map<String, Map<String, Gain>> = Map::default();
        for (s, outputs) in sentences.iter().zip(&first.outputs) {
            for span in &s.spans {
                if !changed.contains(span.spun.as_str()) {
                    continue;
                }
                let Some((before, after)) = context(lm, outputs, span, lm.bos()) else {
                    continue;
                };
                let kept: LmWords = s.units[span.first..span.first + span.len]
                    .iter()
                    .flat_map(|u| u.lm.iter().copied())
                    .collect();
                let entry = evidence.entry(span.spun.to_string()).or_default();
                crate::lm::prefetch_window(lm, before, &kept, &after);
                for c in span.candidates.iter() {
                    crate::lm::prefetch_window(lm, before, &c.lm, &after);
                }
                let kept_score = lm.score_window(before, &kept, &after);
                // A text can be both a learned and a thesaurus candidate: it counts once per
                // occurrence, at its better channel.
                let mut best: Map<&str, Gain> = Map::default();
                for c in span.candidates.iter() {
                    let channel = channel_score(self.model, c, span.len, params);
                    let score = lm.score_window(before, &c.lm, &after);
                    // The total in the same order of operations as ever: restorations without
                    // a rescorer stay bit-identical.
                    let gain = Gain {
                        total: score + channel - kept_score,
                        lm: score - kept_score,
                        attested: c.is_attested(),
                    };
                    let slot = best.entry(c.text.as_str()).or_insert(Gain {
                        total: f32::MIN,
                        lm: 0.0,
                        attested: false,
                    });
                    if gain.total > slot.total {
                        *slot = gain;
                    }
                }
                for (text, gain) in best {
                    let sum = entry.entry(text.to_owned()).or_default();
                    sum.total += gain.total;
                    sum.lm += gain.lm;
                    sum.attested |= gain.attested;
                }
            }
        }
        // A spinner replaces every occurrence of a phrase it spins, so an original that is
        // still written somewhere in the document (and not itself taken for spun) was not
        // spun away here. Very common words are exempt: spinners rewrite them inside longer
        // phrases ("in the" -> "within the") and leave their other occurrences alone. A pair
        // people attested pays `attested_kept_original_cost` instead: real spinners leave an
        // original written now and then, and such a pair needs no check against chance.
        if params.kept_original_cost > 0.0 || params.attested_kept_original_cost > 0.0 {
            let wanted: Set<&str> = evidence
                .values()
                .flat_map(|gains| gains.keys().map(String::as_str))
                .collect();
            let excluded: Set<String> = kept_phrases(sentences, &first.outputs, &wanted)
                .into_iter()
                .filter(|text| !self.model.is_common(text, params.common_word_logprob))
                .map(str::to_owned)
                .collect();
            for gains in evidence.values_mut() {
                for (text, gain) in gains.iter_mut() {
                    if excluded.contains(text.as_str()) {
                        gain.total -= if gain.attested {
                            params.attested_kept_original_cost
                        } else {
                            params.kept_original_cost
                        };
                    }
                }
            }
        }
        evidence
    }

    /// The document's choice per spun phrase: its best candidate, when the summed gain clears
    /// the margin.
    fn decide(&self, evidence: &Map<String, Map<String, Gain>>) -> Map<String, (String, f32)> {
        let params = &self.params;
        evidence
            .iter()
            .filter_map(|(spun, gains)| {
                let (best, gain) = gains
                    .iter()
                    .map(|(t, g)| (t, g.total))
                    .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))?;
                (gain > params.margin).then(|| (spun.clone(), (best.clone(), gain)))
            })
            .collect()
    }

    fn change(
        &self,
        input: &str,
        s: &Sentence,
        span: &Span,
        ci: usize,
        gains: &Map<String, Gain>,
    ) -> Change {
        let units = &s.units[span.first..span.first + span.len];
        let start = units[0].start;
        let end = units[span.len - 1].end;
        let written: Vec<&str> = units.iter().map(|u| &input[u.start..u.end]).collect();
        let cased = |t: &str| text::case_like(t, &written);
        let c = &span.candidates[ci];
        let mut alternatives: Vec<(&String, f32)> = gains
            .iter()
            .filter(|(t, _)| **t != c.text)
            .map(|(t, g)| (t, g.total))
            .collect();
        alternatives.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        Change {
            start,
            end,
            spun: input[start..end].to_owned(),
            restored: cased(&c.text),
            confidence: sigmoid(gains.get(c.text.as_str()).map_or(0.0, |g| g.total)),
            kind: self.model.channels[c.channel as usize].kind(c),
            alternatives: alternatives
                .into_iter()
                .take(3)
                .map(|(t, g)| Alternative {
                    text: cased(t),
                    confidence: sigmoid(g),
                })
                .collect(),
            source: None,
        }
    }
}

/// The phrases of `wanted` that the decoded paths keep as written somewhere (no replaced word
/// or sentence break inside them).
fn kept_phrases<'w>(
    sentences: &[Sentence],
    outputs: &[PathOutput],
    wanted: &Set<&'w str>,
) -> Set<&'w str> {
    let mut kept = Set::default();
    let mut phrase = String::new();
    for (s, output) in sentences.iter().zip(outputs) {
        let mut run: Vec<&str> = Vec::new();
        let mut flush = |run: &mut Vec<&str>| {
            for first in 0..run.len() {
                phrase.clear();
                for (n, word) in run[first..].iter().take(candidates::MAX_SPAN).enumerate() {
                    if n > 0 {
                        phrase.push(' ');
                    }
                    phrase.push_str(word);
                    if let Some(w) = wanted.get(phrase.as_str()) {
                        kept.insert(*w);
                    }
                }
            }
            run.clear();
        };
        for (i, _, _, kept) in output.steps() {
            if kept && !s.units[i].spintax {
                if s.breaks[i] {
                    flush(&mut run);
                }
                run.push(&s.units[i].norm);
            } else {
                flush(&mut run);
            }
        }
        flush(&mut run);
    }
    kept
}

/// What each step of a path writes.
fn path_outputs(l: &Lattice<'_>, p: &[Step]) -> PathOutput {
    let mut out = PathOutput::default();
    for step in p {
        let (first, len, words, kept) = match *step {
            Step::Keep(i) => (i, 1, l.keep[i], true),
            Step::Replace(i, k) => (i, l.arcs[i][k].len, l.arcs[i][k].words, false),
        };
        out.tokens.extend_from_slice(words);
        out.steps.push(OutputStep {
            // Sentences are words of one document, spans at most MAX_SPAN words: both fit.
            first: u32::try_from(first).expect("a sentence of fewer than 2^32 words"),
            end: u32::try_from(out.tokens.len()).expect("fewer than 2^32 LM tokens"),
            len: u8::try_from(len).expect("a span of at most MAX_SPAN words"),
            kept,
        });
    }
    out
}

/// LM history before `span` and up to two LM tokens after it, in the context of a decoded
/// path; `None` when the path covers the span's edges with a replacement that straddles them.
pub(crate) fn context(
    lm: &dyn LanguageModel,
    outputs: &PathOutput,
    span: &Span,
    bos: Option<u32>,
) -> Option<(State, crate::candidates::CandidateLm)> {
    let start = span.first;
    let end = span.first + span.len;
    if outputs
        .steps()
        .any(|(f, n, _, _)| (f < start && f + n > start) || (f < end && f + n > end))
    {
        return None;
    }
    // The history only: scoring every word before the span would cost a look-up each.
    let state = outputs
        .steps()
        .filter(|&(f, _, _, _)| f < start)
        .fold((None, bos), |state, (_, _, w, _)| {
            crate::lm::advance(state, w)
        });
    let mut after: crate::candidates::CandidateLm = outputs
        .steps()
        .filter(|&(f, _, _, _)| f >= end)
        .flat_map(|(_, _, w, _)| w.iter().copied())
        .take(2)
        .collect();
    if after.len() < 2 {
        after.extend(lm.eos().map(Some));
    }
    Some((state, after))
}

/// Applies non-overlapping changes, sorted by start, to `input`.
pub fn apply(input: &str, changes: &[Change]) -> String {
    let mut out = String::with_capacity(input.len());
    let mut at = 0;
    for c in changes {
        out.push_str(&input[at..c.start]);
        out.push_str(&c.restored);
        at = c.end;
    }
    out.push_str(&input[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Features, Verdict};
    use crate::neural_check::NeuralCheck;

    #[test]
    fn restore_relaxes_by_the_trigram_models_probability_whatever_a_neural_model_said() {
        let weights = Weights::default();
        let report = |probability: f32, neural: Option<NeuralCheck>| CheckReport {
            probability,
            verdict: Verdict::Spun,
            words: 200,
            spintax: 0,
            evidence: Vec::new(),
            features: Features {
                phrase_density: 5.0,
                ..Features::default()
            },
            neural,
        };
        let trigram = document_params(&weights, Some(&report(0.9, None)));
        let said = NeuralCheck {
            lm: "smollm2".into(),
            agreement: 1.0,
            check_probability: 0.9,
        };
        let with_neural = document_params(&weights, Some(&report(0.3, Some(said))));
        assert_eq!(with_neural, trigram);
        // The probability does move restore when no neural model spoke.
        assert_ne!(document_params(&weights, Some(&report(0.3, None))), trigram);
    }
}
