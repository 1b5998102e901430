//! Restoration of a whole document: sentences, candidate spans, a first decode, one original
//! per spun phrase for the document, a second decode under that choice, and the explained
//! list of changes.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::candidates::{self, Candidate, Span};
use crate::check::Calibration;
use crate::decode::{self, Arc, Lattice, LmWords, Params, State, Step};
use crate::text::{self, Case, TokenKind};
use crate::Model;

/// Why a change was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A thesaurus synonym, as written.
    Thesaurus,
    /// A thesaurus synonym of the word's lemma, re-inflected.
    Inflected,
    /// A contraction or number word.
    ClosedClass,
    /// A function-word or phrasal paraphrase ("throughout" -> "during").
    Paraphrase,
    /// A leftover spinner template `{...}`, replaced by its (first) content.
    Spintax,
    /// A pair a learned spinner table attests (`unspin learn`).
    Learned,
}

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
}

/// The restored text and every change made to produce it.
#[derive(Clone, Debug, Serialize)]
pub struct Restoration {
    /// The restored text: the input with each change applied, all other bytes untouched.
    pub text: String,
    /// The changes, in input order, not overlapping.
    pub changes: Vec<Change>,
}

pub(crate) struct Unit {
    pub(crate) token: usize,
    pub(crate) norm: String,
    pub(crate) lm: LmWords,
    pub(crate) case: Case,
    pub(crate) spintax: bool,
    /// Never part of a candidate span (see [`candidates::spans`]).
    pub(crate) fixed: bool,
}

#[derive(Default)]
pub(crate) struct Sentence {
    pub(crate) units: Vec<Unit>,
    pub(crate) breaks: Vec<bool>,
    pub(crate) spans: Vec<Span>,
}

/// Most phrases remembered across documents before the cache starts afresh (about 100 MB at
/// worst; a news vocabulary fills a small part of it).
const SHARED_CACHE_PHRASES: usize = 200_000;

/// Candidates per phrase, shared by all documents a restorer sees.
type SharedCache = Mutex<HashMap<String, std::sync::Arc<[Candidate]>>>;

/// Restores documents with a model.
pub struct Restorer<'m> {
    pub(crate) model: &'m Model,
    /// Decoder weights. Set them before the first document: candidate lists are ranked with
    /// them and cached across documents.
    pub params: Params,
    /// Candidates depend on the phrase alone, and a crawl repeats its vocabulary, so they are
    /// computed once per phrase (per document first, then merged here).
    cache: SharedCache,
    /// Most candidates kept per span (set before the first document, like `params`).
    pub candidate_limit: usize,
    /// How `check` turns its features into a probability; restore reads the same probability
    /// to set its weights.
    pub calibration: Calibration,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Ends a sentence for the language model.
fn ends_sentence(p: &str) -> bool {
    matches!(p, "." | "!" | "?" | ";" | ":" | "\u{2026}")
}

impl<'m> Restorer<'m> {
    /// A restorer with default weights.
    pub fn new(model: &'m Model) -> Self {
        Restorer {
            model,
            params: Params::default(),
            cache: Mutex::new(HashMap::new()),
            candidate_limit: candidates::MAX_CANDIDATES,
            calibration: Calibration::default(),
        }
    }

    fn sentences(&self, input: &str, tokens: &[text::Token]) -> Vec<Sentence> {
        let lm = &self.model.lm;
        let mut out = Vec::new();
        let mut cur = Sentence::default();
        let mut pending_break = false;
        let flush = |cur: &mut Sentence, out: &mut Vec<Sentence>| {
            if !cur.units.is_empty() {
                out.push(std::mem::take(cur));
            }
        };
        for (i, t) in tokens.iter().enumerate() {
            let s = &input[t.start..t.end];
            match t.kind {
                TokenKind::Word | TokenKind::Number | TokenKind::Spintax => {
                    let spintax = t.kind == TokenKind::Spintax;
                    let raw = if spintax {
                        s[1..s.len() - 1].split('|').next().unwrap_or("").trim()
                    } else {
                        s
                    };
                    let norm = text::normalise_word(raw);
                    let lm_tokens = decode::lm_words(lm, &norm);
                    let case = text::case_of(raw);
                    cur.breaks.push(pending_break || spintax);
                    pending_break = spintax;
                    cur.units.push(Unit {
                        token: i,
                        norm,
                        lm: lm_tokens,
                        case,
                        spintax,
                        fixed: spintax
                            || t.kind == TokenKind::Number
                            || matches!(case, Case::Upper | Case::Mixed),
                    });
                }
                TokenKind::Space => {
                    if s.contains('\n') {
                        flush(&mut cur, &mut out);
                        pending_break = false;
                    }
                }
                TokenKind::Punct => {
                    if ends_sentence(s) {
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

    /// Prior of a candidate before context: its unigram log-probability plus its channel
    /// score. A re-inflected form the language model has never seen ("citationed") is no
    /// word at all, and is dropped.
    fn prior(&self, c: &candidates::Candidate, spun_len: usize) -> Option<f32> {
        if let Some(id) = c.phrase {
            return Some(self.model.lexicon.unigram(id) + self.params.channel(c, spun_len));
        }
        let words = decode::lm_words(&self.model.lm, &c.text);
        if c.inflected && words.iter().any(Option::is_none) {
            return None;
        }
        let unigram: f32 = words
            .iter()
            .map(|w| w.map_or(crate::lm::OOV_LOGPROB, |id| self.model.lm.unigram(id)))
            .sum();
        Some(unigram + self.params.channel(c, spun_len))
    }

    /// Builds the lattice of a sentence; `allow(span, candidate)` filters the arcs and returns
    /// an extra channel bonus for those it keeps.
    fn lattice(
        &self,
        params: &Params,
        s: &Sentence,
        allow: impl Fn(&Span, usize) -> Option<f32>,
    ) -> Lattice {
        let mut lattice = Lattice {
            keep: s.units.iter().map(|u| u.lm.clone()).collect(),
            arcs: vec![Vec::new(); s.units.len()],
        };
        for (si, span) in s.spans.iter().enumerate() {
            for (ci, c) in span.candidates.iter().enumerate() {
                if let Some(bonus) = allow(span, ci) {
                    lattice.arcs[span.first].push(Arc {
                        len: span.len,
                        words: c.lm.clone(),
                        channel: params.channel(c, span.len) + bonus,
                        tag: (si, ci),
                    });
                }
            }
        }
        lattice
    }

    /// The candidates of `phrase` (lowercase words) taken as one span, best prior first.
    fn phrase_candidates(&self, phrase: &str) -> Vec<Candidate> {
        let words: Vec<&str> = phrase.split(' ').collect();
        candidates::candidates_for(
            self.sources(),
            &words,
            phrase,
            self.candidate_limit,
            &|c, n| self.prior(c, n),
        )
    }

    /// Every original the candidate generator proposes for `phrase` (lowercase words) taken
    /// as one span: the set any restoration of that phrase must come from.
    pub fn candidate_set(&self, phrase: &str) -> Vec<String> {
        self.phrase_candidates(phrase)
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    /// The candidates of `phrase` taken as one span, best prior first, each with its channel
    /// score under the current weights: what a developer needs to see why an original was or
    /// was not proposed, and what it costs.
    pub fn explain_candidates(&self, phrase: &str) -> Vec<(Candidate, f32)> {
        let len = phrase.split(' ').count();
        self.phrase_candidates(phrase)
            .into_iter()
            .map(|c| {
                let channel = self.params.channel(&c, len);
                (c, channel)
            })
            .collect()
    }

    /// The model this restorer reads.
    pub fn model(&self) -> &'m Model {
        self.model
    }

    fn sources(&self) -> candidates::Sources<'m> {
        candidates::Sources {
            lexicon: &self.model.lexicon,
            lm: &self.model.lm,
            spinners: &self.model.spinners,
        }
    }

    /// Tokens and sentences of `input`, with the candidate spans of every sentence.
    pub(crate) fn prepare(&self, input: &str) -> (Vec<text::Token>, Vec<Sentence>) {
        let tokens = text::tokenize(input);
        let mut sentences = self.sentences(input, &tokens);
        let mut local: HashMap<String, std::sync::Arc<[Candidate]>> = HashMap::new();
        let mut fresh: Vec<String> = Vec::new();
        for s in &mut sentences {
            let words: Vec<&str> = s.units.iter().map(|u| u.norm.as_str()).collect();
            let fixed: Vec<bool> = s.units.iter().map(|u| u.fixed).collect();
            s.spans = candidates::spans(&words, &s.breaks, &fixed, |slice, phrase| {
                if let Some(c) = local.get(phrase) {
                    return c.clone();
                }
                let shared = self.cache.lock().ok().and_then(|m| m.get(phrase).cloned());
                let c = shared.unwrap_or_else(|| {
                    fresh.push(phrase.to_owned());
                    candidates::candidates_for(
                        self.sources(),
                        slice,
                        phrase,
                        self.candidate_limit,
                        &|c, n| self.prior(c, n),
                    )
                    .into()
                });
                local.insert(phrase.to_owned(), c.clone());
                c
            });
        }
        if let Ok(mut shared) = self.cache.lock() {
            if shared.len() + fresh.len() > SHARED_CACHE_PHRASES {
                shared.clear();
            }
            for phrase in fresh {
                if let Some(c) = local.remove(&phrase) {
                    shared.insert(phrase, c);
                }
            }
        }
        (tokens, sentences)
    }

    /// The document's weights and the first pass of restore over prepared sentences: every
    /// candidate allowed, the best path of each sentence's lattice.
    pub(crate) fn first_pass(
        &self,
        input: &str,
        tokens: &[text::Token],
        sentences: &[Sentence],
    ) -> (Params, Vec<Lattice>, Vec<Vec<Step>>) {
        // How likely the document is spun sets how readily a word is taken for spun (the
        // prior of the channel): a spun article has a replaced phrase every few words, a
        // clean one none. `check` answers that from the same candidates without decoding.
        let params = if self.params.spun_relax > 0.0 || self.params.spun_fanout_relief > 0.0 {
            let report = self.check_prepared(input, tokens, sentences, &self.calibration);
            self.params
                .for_spin_probability(report.probability, report.features.phrase_density)
        } else {
            self.params.clone()
        };
        let lattices: Vec<Lattice> = sentences
            .iter()
            .map(|s| self.lattice(&params, s, |_, _| Some(0.0)))
            .collect();
        let paths: Vec<Vec<Step>> = lattices
            .iter()
            .map(|l| decode::best_path(&self.model.lm, l, params.beam))
            .collect();
        (params, lattices, paths)
    }

    /// Restores `input`.
    pub fn restore(&self, input: &str) -> Restoration {
        let (tokens, sentences) = self.prepare(input);
        // Pass 1: every candidate allowed; then one decision per spun phrase for the document.
        let (params, lattices, paths) = self.first_pass(input, &tokens, &sentences);
        let params = &params;
        let evidence = self.evidence(params, &sentences, &lattices, &paths);
        let decisions = self.decide(params, &evidence);

        // Pass 2: only the document's chosen original for each phrase.
        let bonus = params.consistency_bonus;
        let mut changes = Vec::new();
        for s in &sentences {
            let lattice = self.lattice(params, s, |span, ci| {
                let (best, _) = decisions.get(&span.spun)?;
                (span.candidates[ci].text == *best).then_some(bonus)
            });
            let path = decode::best_path(&self.model.lm, &lattice, params.beam);
            for step in &path {
                match *step {
                    Step::Replace(i, k) => {
                        let (si, ci) = lattice.arcs[i][k].tag;
                        let span = &s.spans[si];
                        let gains = &evidence[&span.spun];
                        changes.push(self.change(input, &tokens, s, span, ci, gains));
                    }
                    Step::Keep(i) if s.units[i].spintax => {
                        let u = &s.units[i];
                        let t = tokens[u.token];
                        let raw = &input[t.start..t.end];
                        let content = raw[1..raw.len() - 1].split('|').next().unwrap_or("").trim();
                        changes.push(Change {
                            start: t.start,
                            end: t.end,
                            spun: raw.to_owned(),
                            restored: content.to_owned(),
                            confidence: 0.99,
                            kind: ChangeKind::Spintax,
                            alternatives: Vec::new(),
                        });
                    }
                    Step::Keep(_) => {}
                }
            }
        }
        changes.sort_by_key(|c| c.start);
        Restoration {
            text: apply(input, &changes),
            changes,
        }
    }

    /// Document-level evidence: for each phrase changed anywhere on the decoded paths, the
    /// summed gain of each of its candidates over all its occurrences, judged in that context.
    fn evidence(
        &self,
        params: &Params,
        sentences: &[Sentence],
        lattices: &[Lattice],
        paths: &[Vec<Step>],
    ) -> HashMap<String, HashMap<String, f32>> {
        let mut changed: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for (s, (l, p)) in sentences.iter().zip(lattices.iter().zip(paths)) {
            for step in p {
                if let Step::Replace(i, k) = step {
                    let (si, _) = l.arcs[*i][*k].tag;
                    changed.insert(&s.spans[si].spun);
                }
            }
        }
        let mut evidence: HashMap<String, HashMap<String, f32>> = HashMap::new();
        for (s, (l, p)) in sentences.iter().zip(lattices.iter().zip(paths)) {
            let outputs = path_outputs(l, p);
            for span in &s.spans {
                if !changed.contains(span.spun.as_str()) {
                    continue;
                }
                let Some((before, after)) =
                    context(&self.model.lm, &outputs, span, self.model.lm.bos())
                else {
                    continue;
                };
                let kept: LmWords = s.units[span.first..span.first + span.len]
                    .iter()
                    .flat_map(|u| u.lm.iter().copied())
                    .collect();
                let entry = evidence.entry(span.spun.clone()).or_default();
                let kept_score = decode::window_score(&self.model.lm, before, &kept, &after);
                // A text can be both a learned and a thesaurus candidate: it counts once per
                // occurrence, at its better channel.
                let mut best: HashMap<&str, f32> = HashMap::new();
                for c in span.candidates.iter() {
                    let channel = params.channel(c, span.len);
                    let gain = decode::window_score(&self.model.lm, before, &c.lm, &after)
                        + channel
                        - kept_score;
                    let slot = best.entry(c.text.as_str()).or_insert(f32::MIN);
                    *slot = slot.max(gain);
                }
                for (text, gain) in best {
                    *entry.entry(text.to_owned()).or_default() += gain;
                }
            }
        }
        // A spinner replaces every occurrence of a phrase it spins, so an original that is
        // still written somewhere in the document (and not itself taken for spun) was not
        // spun away here. Very common words are exempt: spinners rewrite them inside longer
        // phrases ("in the" -> "within the") and leave their other occurrences alone.
        if params.kept_original_cost > 0.0 {
            let wanted: std::collections::HashSet<&str> = evidence
                .values()
                .flat_map(|gains| gains.keys().map(String::as_str))
                .collect();
            let lm = &self.model.lm;
            let common = |text: &str| {
                decode::lm_words(lm, text)
                    .iter()
                    .all(|w| w.is_some_and(|id| lm.unigram(id) >= params.common_word_logprob))
            };
            let excluded: std::collections::HashSet<String> =
                kept_phrases(sentences, paths, &wanted)
                    .into_iter()
                    .filter(|text| !common(text))
                    .map(str::to_owned)
                    .collect();
            for gains in evidence.values_mut() {
                for (text, gain) in gains.iter_mut() {
                    if excluded.contains(text.as_str()) {
                        *gain -= params.kept_original_cost;
                    }
                }
            }
        }
        evidence
    }

    /// The document's choice per spun phrase: its best candidate, when the summed gain clears
    /// the margin.
    fn decide(
        &self,
        params: &Params,
        evidence: &HashMap<String, HashMap<String, f32>>,
    ) -> HashMap<String, (String, f32)> {
        evidence
            .iter()
            .filter_map(|(spun, gains)| {
                let (best, gain) = gains
                    .iter()
                    .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(a.0)))?;
                (*gain > params.margin).then(|| (spun.clone(), (best.clone(), *gain)))
            })
            .collect()
    }

    fn change(
        &self,
        input: &str,
        tokens: &[text::Token],
        s: &Sentence,
        span: &Span,
        ci: usize,
        gains: &HashMap<String, f32>,
    ) -> Change {
        let units = &s.units[span.first..span.first + span.len];
        let start = tokens[units[0].token].start;
        let end = tokens[units[span.len - 1].token].end;
        let every_word = span.len > 1 && units.iter().all(|u| u.case == Case::Title);
        let cased = |t: &str| text::apply_case(t, units[0].case, every_word);
        let c = &span.candidates[ci];
        let mut alternatives: Vec<(&String, f32)> = gains
            .iter()
            .filter(|(t, _)| **t != c.text)
            .map(|(t, g)| (t, *g))
            .collect();
        alternatives.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        Change {
            start,
            end,
            spun: input[start..end].to_owned(),
            restored: cased(&c.text),
            confidence: sigmoid(gains.get(&c.text).copied().unwrap_or(0.0)),
            kind: if c.is_learned() {
                ChangeKind::Learned
            } else if c.is_closed_class() {
                ChangeKind::ClosedClass
            } else if c.is_paraphrase() && c.sources & !crate::lexicon::source::PARAPHRASE == 0 {
                ChangeKind::Paraphrase
            } else if c.inflected {
                ChangeKind::Inflected
            } else {
                ChangeKind::Thesaurus
            },
            alternatives: alternatives
                .into_iter()
                .take(3)
                .map(|(t, g)| Alternative {
                    text: cased(t),
                    confidence: sigmoid(g),
                })
                .collect(),
        }
    }
}

/// The phrases of `wanted` that the decoded paths keep as written somewhere (no replaced word
/// or sentence break inside them).
fn kept_phrases<'w>(
    sentences: &[Sentence],
    paths: &[Vec<Step>],
    wanted: &std::collections::HashSet<&'w str>,
) -> std::collections::HashSet<&'w str> {
    let mut kept = std::collections::HashSet::new();
    let mut phrase = String::new();
    for (s, p) in sentences.iter().zip(paths) {
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
        for step in p {
            match *step {
                Step::Keep(i) if !s.units[i].spintax => {
                    if s.breaks[i] {
                        flush(&mut run);
                    }
                    run.push(&s.units[i].norm);
                }
                _ => flush(&mut run),
            }
        }
        flush(&mut run);
    }
    kept
}

/// The output of each step of a path: (first word, words covered, LM tokens written).
pub(crate) fn path_outputs<'a>(
    l: &'a Lattice,
    p: &[Step],
) -> Vec<(usize, usize, &'a [Option<u32>])> {
    p.iter()
        .map(|step| match *step {
            Step::Keep(i) => (i, 1, l.keep[i].as_slice()),
            Step::Replace(i, k) => (i, l.arcs[i][k].len, l.arcs[i][k].words.as_slice()),
        })
        .collect()
}

/// LM history before `span` and up to two LM tokens after it, in the context of a decoded
/// path; `None` when the path covers the span's edges with a replacement that straddles them.
pub(crate) fn context(
    lm: &crate::lm::LanguageModel,
    outputs: &[(usize, usize, &[Option<u32>])],
    span: &Span,
    bos: Option<u32>,
) -> Option<(State, Vec<Option<u32>>)> {
    let start = span.first;
    let end = span.first + span.len;
    if outputs
        .iter()
        .any(|&(f, n, _)| (f < start && f + n > start) || (f < end && f + n > end))
    {
        return None;
    }
    let before_words: Vec<Option<u32>> = outputs
        .iter()
        .filter(|&&(f, _, _)| f < start)
        .flat_map(|&(_, _, w)| w.iter().copied())
        .collect();
    let (_, state) = decode::score_words(lm, (None, bos), &before_words);
    let mut after: Vec<Option<u32>> = outputs
        .iter()
        .filter(|&&(f, _, _)| f >= end)
        .flat_map(|&(_, _, w)| w.iter().copied())
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
