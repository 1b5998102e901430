//! Learning a spinner's table from its output alone (no originals), by expectation
//! maximisation over the candidate lattice with the language model as the prior.
//!
//! For every document and every written phrase `s` with candidate originals, the evidence for
//! each candidate `o` is how much better the language model likes `o` in the phrase's contexts,
//! with each phrase's own frequency divided out (a pointwise-mutual-information gain, so that a
//! common word is not preferred for being common), summed over the phrase's occurrences in the
//! document: a spinner rewrites every occurrence alike.
//!
//! - E step: per document and phrase, the posterior over "kept as written" and each original,
//!   `q(o) ∝ π(o | s) exp(gain(o))`, `q(kept) ∝ π(s | s)`.
//! - M step: `π(· | s)` = expected document counts, smoothed toward the generic prior (a spin
//!   rate `prior_spin` spread evenly over the candidates) with weight `smoothing`.
//!
//! A deployed spinner's table is fixed, so the same pair recurs across documents, while the
//! language model's chance preferences do not: the counts separate the two. The result is a
//! [`SpinnerTable`] for the restorer's channel.

use std::collections::HashMap;

use std::sync::Arc;

use crate::document::{channel_score, WrittenContext};
use crate::lm::LmWords;
use crate::neighbours::{NeighbourOptions, Neighbours};
use crate::restore::{context, first_pass};
use crate::spinner::{
    AttestedPairs, AttestedSplit, LearnedOriginal, PhraseEntry, SpinnerTable, MIN_SHARE,
    SPLIT_COMMON_LOGPROB,
};
use crate::{Engine, Model};

/// Settings of the learner.
#[derive(Clone, Debug)]
pub struct LearnOptions {
    /// EM iterations.
    pub iterations: usize,
    /// Prior share of documents in which a phrase with candidates was spun.
    pub prior_spin: f32,
    /// Weight (in documents) of the prior against the counts.
    pub smoothing: f32,
    /// Least expected number of documents for a pair to enter the table ([`MIN_DOCUMENTS`]
    /// by default).
    pub min_documents: f32,
    /// Most candidates per span considered (more than restore keeps: the spinner's original
    /// may rank low under the generic thesaurus prior).
    pub candidate_limit: usize,
    /// Largest gain (nats) one occurrence may contribute either way: a word the language
    /// model does not know must not decide a pair on its own.
    pub max_occurrence_gain: f32,
    /// How sharply the generic channel's scores divide the prior spin rate among a phrase's
    /// candidates (0 = evenly).
    pub prior_sharpness: f32,
    /// Judge each phrase beside the first restore pass's output for its neighbours rather
    /// than beside the words as written.
    pub restored_context: bool,
    /// Least share of the first original's documents a runner-up original needs to stay.
    pub runner_up_ratio: f32,
    /// Weight of the corpus's substitution evidence in the prior (0 = none): how much more
    /// often the learning documents write the phrase than the candidate, beyond what the
    /// language model expects of the two (see [`substitution_evidence`]).
    pub substitution_weight: f32,
    /// Largest substitution evidence (nats) either way.
    pub substitution_cap: f32,
    /// Least absence evidence (nats, see [`absence_evidence`]) a pair needs to enter the
    /// table (`None`: no such test). The EM's lattice also fits pairs the corpus's counts
    /// contradict ("triennial" for "hourly", "autism" for "resistance": rare words the
    /// language model happens to like beside the jargon); a spinner's real original is
    /// written far less than its output.
    pub min_absence: Option<f32>,
    /// Distributional neighbours (see [`crate::neighbours`]) offered per one-word phrase
    /// besides its thesaurus candidates (0 = none): real spinners' tables hold pairs no
    /// thesaurus has.
    pub neighbours: usize,
    /// Generic channel score (nats) given to a neighbour in the prior.
    pub neighbour_channel: f32,
    /// Least substitution evidence (nats) for a neighbour to be learned at all: the corpus
    /// must write the phrase far more, and the neighbour far less, than English does.
    pub neighbour_min_evidence: f32,
    /// Name of the family written into the table.
    pub family: String,
}

/// Least expected number of documents for a guessed pair to enter the table, by default. On
/// real spun pages, pairs the EM finds in fewer documents are more often the language model's
/// chance preference in jargon ("rally" <- "group", "highs" <- "greats") than the spinner's
/// habit; check reads a table's tells from the same number of documents
/// ([`crate::spinner::TELL_MIN_DOCUMENTS`]). On a few dozen documents this leaves out real but
/// rare pairs too: see BENCHMARKS.md for both.
pub const MIN_DOCUMENTS: f32 = 3.0;

impl Default for LearnOptions {
    fn default() -> Self {
        LearnOptions {
            iterations: 8,
            prior_spin: 0.3,
            smoothing: 1.0,
            min_documents: MIN_DOCUMENTS,
            candidate_limit: 64,
            max_occurrence_gain: 8.0,
            prior_sharpness: 1.0,
            runner_up_ratio: 0.5,
            restored_context: true,
            substitution_weight: 0.0,
            substitution_cap: 6.0,
            min_absence: None,
            neighbours: 0,
            neighbour_channel: -10.0,
            neighbour_min_evidence: 3.0,
            family: "learned".into(),
        }
    }
}

/// One phrase's evidence in one document: the summed gain of each of its candidates.
struct PhraseInDocument {
    phrase: u32,
    gains: Vec<f32>,
}

/// A written phrase and its candidates, which depend on the phrase alone, so every document
/// sees the same list.
struct PhraseCandidates {
    spun: String,
    /// The candidates' texts.
    originals: Vec<String>,
    /// Their LM tokens.
    lm: Vec<LmWords>,
    /// How many of them (the first) come from the channels; the rest are neighbours.
    from_channels: usize,
    /// Their generic channel scores (the EM's prior).
    channel: Vec<f32>,
    /// Their own LM log-probabilities (see [`crate::lm::phrase_logprob`]).
    logprob: Vec<f32>,
    /// The written phrase's own LM log-probability.
    spun_logprob: f32,
}

/// A phrase's mixture: the share of documents where it was kept as written, and the share of
/// each candidate original (in the candidates' order).
type Mixture = (f32, Vec<f32>);

/// Collects evidence document by document, then runs EM.
pub struct Learner {
    engine: Engine,
    options: LearnOptions,
    phrase_ids: HashMap<String, u32>,
    /// Per phrase, in id order: what every document sees of it.
    phrases: Vec<PhraseCandidates>,
    documents: Vec<Vec<PhraseInDocument>>,
    words: usize,
    /// The language model's distributional neighbours, when asked for.
    neighbours: Option<Neighbours>,
    /// Occurrences of every phrase of up to [`MAX_COUNTED_WORDS`] words in the documents (only
    /// when the substitution evidence is used: a weight or neighbours).
    phrase_counts: HashMap<String, u32>,
}

/// Longest phrase whose occurrences the learner counts for the substitution evidence.
const MAX_COUNTED_WORDS: usize = 4;

/// Which phrases [`Learner::finish_with_proposals`] proposes.
#[derive(Clone, Debug)]
pub struct ProposalOptions {
    /// Originals per proposal, the EM's likeliest first (0 = no proposals).
    pub originals: usize,
    /// Least documents a phrase was seen in.
    pub min_documents: f32,
    /// Least expected documents, summed over its originals, in which the EM read it spun.
    pub min_spun_documents: f32,
}

impl ProposalOptions {
    /// No proposals.
    pub fn none() -> Self {
        ProposalOptions {
            originals: 0,
            ..Default::default()
        }
    }
}

impl Default for ProposalOptions {
    fn default() -> Self {
        ProposalOptions {
            originals: 16,
            min_documents: MIN_DOCUMENTS,
            min_spun_documents: 1.0,
        }
    }
}

/// A phrase the EM read as spun in several documents without settling on an original the
/// table could hold: the trigram model knows too little to tell the candidates apart (the
/// spinner's "stage" for "level" reads to it no better than "phase"), where a fluent model
/// may.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    /// The written phrase.
    pub written: String,
    /// Documents it was seen in.
    pub documents: f32,
    /// Candidate originals, the EM's likeliest first.
    pub originals: Vec<String>,
}

/// What a finished learning run produced, besides the table.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct LearnSummary {
    /// Documents learned from.
    pub documents: usize,
    /// Words in them.
    pub words: usize,
    /// Distinct written phrases with candidates.
    pub phrases: usize,
    /// Pairs in the table.
    pub pairs: usize,
    /// Guessed pairs the EM found in at least one document but in fewer than
    /// [`LearnOptions::min_documents`], with share enough: what the floor alone left out (a
    /// pair in less than one document's worth would not have entered under any floor).
    pub below_document_floor: usize,
    /// Mean per-document log-likelihood of the evidence under the learned table, minus that
    /// under the prior alone (nats per document; higher means the table explains the data).
    pub likelihood_gain: f32,
}

impl Learner {
    /// A learner over `model`'s candidates (its loaded spinner tables included), with the
    /// model's weights but [`LearnOptions::candidate_limit`] candidates per span.
    pub fn new(model: Arc<Model>, options: LearnOptions) -> Self {
        let mut weights = model.weights.clone();
        weights.candidate_limit = options.candidate_limit;
        Learner {
            neighbours: (options.neighbours > 0)
                .then(|| Neighbours::build(model.lm.as_ref(), &NeighbourOptions::default())),
            engine: Engine::with_weights(model, weights),
            options,
            phrase_ids: HashMap::new(),
            phrases: Vec::new(),
            documents: Vec::new(),
            words: 0,
            phrase_counts: HashMap::new(),
        }
    }

    /// Adds one spun document's evidence.
    pub fn add_document(&mut self, text: &str) {
        let doc = self.evidence(text);
        self.words += text.split_whitespace().count();
        self.documents.push(doc);
    }

    fn evidence(&mut self, text: &str) -> Vec<PhraseInDocument> {
        let engine = self.engine.clone();
        let (model, weights) = (engine.model(), engine.weights());
        let lm = model.lm.as_ref();
        let doc = engine.prepare(text);
        // Only the substitution and absence evidence read the counts; a table for every
        // 4-gram of a crawl is not worth keeping when nothing asks for it.
        let counted = self.options.substitution_weight != 0.0
            || self.options.min_absence.is_some()
            || self.options.neighbours > 0;
        for s in doc.sentences.iter().filter(|_| counted) {
            for first in 0..s.units.len() {
                let mut phrase = String::new();
                for u in s.units.iter().skip(first).take(MAX_COUNTED_WORDS) {
                    if !phrase.is_empty() {
                        phrase.push(' ');
                    }
                    phrase.push_str(&u.norm);
                    *self.phrase_counts.entry(phrase.clone()).or_insert(0) += 1;
                }
            }
        }
        // A phrase's neighbours may be spun too ("shifting common" for "moving average"):
        // judged beside the first pass's restoration of them, not as written.
        let first = self.options.restored_context.then(|| {
            let check = engine.check_document(&doc);
            first_pass(model, weights, &doc, Some(&check)).1
        });
        let cap = self.options.max_occurrence_gain;
        let mut local: HashMap<u32, Vec<f32>> = HashMap::new();
        for (si, s) in doc.sentences.iter().enumerate() {
            let ctx = WrittenContext::new(lm, s);
            let outputs = first.as_ref().map(|pass| &pass.outputs[si]);
            for span in &s.spans {
                let end = span.first + span.len;
                let kept = &ctx.tokens[ctx.starts[span.first]..ctx.starts[end]];
                let (before, after) = outputs
                    .as_ref()
                    .and_then(|o| context(lm, o, span, lm.bos()))
                    .unwrap_or_else(|| (ctx.states[span.first], ctx.after(lm, end)));
                let kept_score = lm.score_window(before, kept, &after);
                let kept_logprob = lm.phrase_logprob(kept);
                let id = match self.phrase_ids.get(span.spun.as_str()) {
                    Some(&id) => id,
                    None => {
                        let id = self.phrases.len() as u32;
                        self.phrase_ids.insert(span.spun.to_string(), id);
                        let params = &weights.restore;
                        let c = &span.candidates;
                        let mut phrase = PhraseCandidates {
                            spun: span.spun.to_string(),
                            originals: c.iter().map(|c| c.text.to_string()).collect(),
                            lm: c.iter().map(|c| c.lm.clone()).collect(),
                            from_channels: c.len(),
                            channel: c
                                .iter()
                                .map(|c| channel_score(model, c, span.len, params))
                                .collect(),
                            logprob: c.iter().map(|c| lm.phrase_logprob(&c.lm)).collect(),
                            spun_logprob: kept_logprob,
                        };
                        if let (Some(index), [Some(word)]) = (&self.neighbours, kept) {
                            for (other, _) in index.of(*word, self.options.neighbours) {
                                let text = lm.word(other);
                                if text == span.spun || phrase.originals.iter().any(|o| o == text) {
                                    continue;
                                }
                                phrase.originals.push(text.to_owned());
                                phrase.lm.push(smallvec::smallvec![Some(other)]);
                                phrase.channel.push(self.options.neighbour_channel);
                                phrase.logprob.push(lm.unigram(other));
                            }
                        }
                        self.phrases.push(phrase);
                        id
                    }
                };
                let phrase = &self.phrases[id as usize];
                let gains = local
                    .entry(id)
                    .or_insert_with(|| vec![0.0; phrase.originals.len()]);
                for ((g, words), own) in gains.iter_mut().zip(&phrase.lm).zip(&phrase.logprob) {
                    let lm_gain = lm.score_window(before, words, &after) - kept_score;
                    let pmi_gain = lm_gain - (own - kept_logprob);
                    *g += pmi_gain.clamp(-cap, cap);
                }
            }
        }
        let mut doc: Vec<PhraseInDocument> = local
            .into_iter()
            .map(|(phrase, gains)| PhraseInDocument { phrase, gains })
            .collect();
        doc.sort_by_key(|p| p.phrase);
        doc
    }

    fn count(&self, phrase: &str) -> u32 {
        self.phrase_counts.get(phrase).copied().unwrap_or(0)
    }

    /// Documents added so far.
    pub fn documents(&self) -> usize {
        self.documents.len()
    }

    /// Runs EM and returns the table with a summary.
    pub fn finish(self) -> (SpinnerTable, LearnSummary) {
        let (table, summary, _) = self.finish_with_proposals(&ProposalOptions::none());
        (table, summary)
    }

    /// Runs EM and returns the table, a summary, and the phrases the EM found spun but whose
    /// originals it could not tell apart well enough for the table ([`Proposal`]): for a
    /// second model to choose among ([`crate::vet::promote`]).
    pub fn finish_with_proposals(
        self,
        proposing: &ProposalOptions,
    ) -> (SpinnerTable, LearnSummary, Vec<Proposal>) {
        let o = &self.options;
        let priors: Vec<Mixture> = self
            .phrases
            .iter()
            .map(|phrase| {
                // The generic channel ranks the originals a priori (mutual and agreeing
                // synonyms first, large groups last); the spin rate shares out by it, and
                // by how the corpus itself favours the written phrase over each candidate.
                let weights: Vec<f32> = phrase
                    .channel
                    .iter()
                    .zip(&phrase.originals)
                    .zip(&phrase.logprob)
                    .enumerate()
                    .map(|(i, ((c, original), &own))| {
                        let evidence = substitution_evidence(
                            self.count(&phrase.spun),
                            phrase.spun_logprob,
                            self.count(original),
                            own,
                        );
                        if i >= phrase.from_channels && evidence < o.neighbour_min_evidence {
                            return f32::NEG_INFINITY;
                        }
                        let evidence = evidence.clamp(-o.substitution_cap, o.substitution_cap);
                        c * o.prior_sharpness + o.substitution_weight * evidence
                    })
                    .collect();
                let z = log_sum_exp(&weights);
                let shares = weights
                    .iter()
                    .map(|w| o.prior_spin * (w - z).exp())
                    .collect();
                (1.0 - o.prior_spin, shares)
            })
            .collect();
        let (model, counts, seen) = self.em(&priors);
        let likelihood_gain = self.likelihood(&model) - self.likelihood(&priors);

        let mut table = SpinnerTable {
            family: o.family.clone(),
            ..Default::default()
        };
        let mut below_document_floor = 0;
        for (id, phrase) in self.phrases.iter().enumerate() {
            let (kept, shares) = &model[id];
            below_document_floor += shares
                .iter()
                .zip(&counts[id])
                .filter(|(&share, &docs)| {
                    share >= MIN_SHARE && docs >= o.min_documents.min(1.0) && docs < o.min_documents
                })
                .count();
            let mut originals: Vec<LearnedOriginal> = phrase
                .originals
                .iter()
                .zip(shares)
                .zip(&counts[id])
                .zip(&phrase.logprob)
                .filter(|(((text, &share), &docs), &own)| {
                    share >= MIN_SHARE
                        && docs >= o.min_documents
                        && o.min_absence.is_none_or(|least| {
                            absence_evidence(
                                self.count(&phrase.spun),
                                phrase.spun_logprob,
                                self.count(text),
                                own,
                            ) >= least
                        })
                })
                .map(|(x, _)| x)
                .map(|((text, &share), &documents)| LearnedOriginal {
                    original: text.clone(),
                    documents,
                    share,
                })
                .collect();
            if originals.is_empty() {
                continue;
            }
            originals.sort_by(|a, b| b.documents.total_cmp(&a.documents));
            // A deployed spinner maps a written phrase back to one original nearly always;
            // runners-up far behind the first are the language model's noise.
            let top = originals[0].documents;
            originals.retain(|x| x.documents >= o.runner_up_ratio * top);
            table.entries.insert(
                phrase.spun.clone(),
                PhraseEntry {
                    documents: seen[id],
                    kept: *kept,
                    originals,
                    attested: false,
                },
            );
        }
        drop_inner_phrases(&mut table);
        let proposals = self.proposals(&table, &counts, &seen, proposing);
        let summary = LearnSummary {
            documents: self.documents.len(),
            words: self.words,
            phrases: self.phrases.len(),
            pairs: table.pairs(),
            below_document_floor,
            likelihood_gain: if self.documents.is_empty() {
                0.0
            } else {
                likelihood_gain / self.documents.len() as f32
            },
        };
        (table, summary, proposals)
    }

    /// The phrases outside `table` seen in enough documents and spun, by the EM's posterior,
    /// in enough of them, each with its likeliest originals by the EM's expected counts.
    fn proposals(
        &self,
        table: &SpinnerTable,
        counts: &[Vec<f32>],
        seen: &[f32],
        proposing: &ProposalOptions,
    ) -> Vec<Proposal> {
        if proposing.originals == 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (id, phrase) in self.phrases.iter().enumerate() {
            let spun: f32 = counts[id].iter().sum();
            if seen[id] < proposing.min_documents
                || spun < proposing.min_spun_documents
                || table.entries.contains_key(&phrase.spun)
            {
                continue;
            }
            let mut ranked: Vec<(&String, f32)> = phrase
                .originals
                .iter()
                .zip(counts[id].iter().copied())
                .collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
            out.push(Proposal {
                written: phrase.spun.clone(),
                documents: seen[id],
                originals: ranked
                    .into_iter()
                    .take(proposing.originals)
                    .map(|(text, _)| text.clone())
                    .collect(),
            });
        }
        out
    }

    /// EM over the documents: the fitted mixture per phrase, the expected document counts of
    /// each original behind it, and the documents each phrase was seen in.
    fn em(&self, priors: &[Mixture]) -> (Vec<Mixture>, Vec<Vec<f32>>, Vec<f32>) {
        let o = &self.options;
        let mut model = priors.to_vec();
        let mut seen = vec![0.0f32; self.phrases.len()];
        for doc in &self.documents {
            for p in doc {
                seen[p.phrase as usize] += 1.0;
            }
        }
        let mut counts: Vec<Mixture> = Vec::new();
        for _ in 0..o.iterations.max(1) {
            counts = priors
                .iter()
                .map(|(_, c)| (0.0, vec![0.0; c.len()]))
                .collect();
            for doc in &self.documents {
                for p in doc {
                    let (kept, shares) = &model[p.phrase as usize];
                    let post = posterior(*kept, shares, &p.gains);
                    let slot = &mut counts[p.phrase as usize];
                    slot.0 += post.0;
                    for (c, q) in slot.1.iter_mut().zip(post.1) {
                        *c += q;
                    }
                }
            }
            model = counts
                .iter()
                .zip(priors)
                .zip(&seen)
                .map(|(((k, c), (pk, pc)), &n)| {
                    let z = n + o.smoothing;
                    (
                        (k + o.smoothing * pk) / z,
                        c.iter()
                            .zip(pc)
                            .map(|(x, p)| (x + o.smoothing * p) / z)
                            .collect(),
                    )
                })
                .collect();
        }
        let originals = counts.into_iter().map(|(_, c)| c).collect();
        (model, originals, seen)
    }

    /// Log-likelihood of every document's evidence under `model` (each phrase a mixture of
    /// "kept" and its originals).
    fn likelihood(&self, model: &[Mixture]) -> f32 {
        let mut total = 0.0f64;
        for doc in &self.documents {
            for p in doc {
                let (kept, shares) = &model[p.phrase as usize];
                let logits = logits(*kept, shares, &p.gains);
                total += log_sum_exp(&logits) as f64;
            }
        }
        total as f32
    }
}

/// The table of the pairs people attested in `documents` (one list per document), split as
/// `split` says with `model`'s very common words ([`SPLIT_COMMON_LOGPROB`]): an idiom's
/// word-by-word split leaves out their pairs, and a note is cut at the shared words that are
/// not (see [`AttestedPairs::add_document_with`]). What `unspin learn --attested` puts over
/// the EM's entries.
pub fn attested_table<'a>(
    model: &Model,
    documents: impl IntoIterator<Item = &'a [(String, String)]>,
    split: AttestedSplit,
    family: &str,
) -> SpinnerTable {
    let mut pairs = AttestedPairs::new(split);
    for document in documents {
        pairs.add_document_with(document, |w| model.is_common(w, SPLIT_COMMON_LOGPROB));
    }
    pairs.into_table(family)
}

/// The `proposals` for phrases `table` gives restore no reading of, in any form: neither a
/// pair nor a held phrase, as written or as another form of a pair
/// ([`crate::spinner::SpinnerIndex::add_inflections`]). A promoted pair would take the place
/// of such a reading ("promote" <- "better" over "promote" <- "sell", the other form of
/// "promoting" <- "selling" that people attested), so they are asked after every other
/// source has been put into the table.
pub fn proposals_outside(
    table: &SpinnerTable,
    proposals: Vec<Proposal>,
    model: &Model,
) -> Vec<Proposal> {
    let mut index = crate::spinner::SpinnerIndex::default();
    index.add(table);
    index.add_inflections(table, &model.lexicon.morph, model.language.verb_particles());
    proposals
        .into_iter()
        .filter(|p| {
            !table.held.contains(&p.written)
                && index.learned(&p.written).is_empty()
                && !index.holds(&p.written)
        })
        .collect()
}

/// Every original the candidate lists of `model` hold for a written phrase, past any cut
/// (an engine under [`REACHABLE_CANDIDATES`] candidates per span): what
/// [`crate::vet::guess_originals`] lets the neural model's guesses be. Give it the model without
/// spinner tables, so that only the thesaurus's and the other generic channels' relations
/// count.
pub fn reachable_originals(model: Arc<Model>) -> impl Fn(&str) -> Vec<String> {
    let mut weights = model.weights.clone();
    weights.candidate_limit = REACHABLE_CANDIDATES;
    let engine = Engine::with_weights(model, weights);
    move |phrase: &str| engine.candidate_set(phrase)
}

/// Candidates per span in [`reachable_originals`]: more than any phrase has ("issue" has
/// about 400).
pub const REACHABLE_CANDIDATES: usize = 100_000;

/// Keeps, of `table`'s held phrases, those `engine` proposes some original for: the others
/// restore could not change anyway, so holding them says nothing. A table from a crawl's
/// aligned copies ([`crate::spinner::PairHarvest::add_kept`]) then holds at most the
/// thesaurus's vocabulary, not every name, number and typo its copies kept.
pub fn hold_only_what_restore_could_change(table: &mut SpinnerTable, engine: &Engine) {
    table
        .held
        .retain(|phrase| !engine.candidates(phrase).is_empty());
}

/// Drops the pairs of a phrase that mostly occurs inside a longer learned phrase ("opposition"
/// inside "in opposition to", "got" inside "got here"): there the spinner rewrote the longer
/// phrase, and the inner word's pair is the language model's guess at a part of it.
fn drop_inner_phrases(table: &mut SpinnerTable) {
    let longer: Vec<(String, f32)> = table
        .entries
        .iter()
        .filter(|(s, _)| s.contains(' '))
        .map(|(s, e)| (format!(" {s} "), e.documents))
        .collect();
    table.entries.retain(|spun, e| {
        let inner = format!(" {spun} ");
        !longer.iter().any(|(l, docs)| {
            l.len() > inner.len() && l.contains(&inner) && *docs >= 0.8 * e.documents
        })
    });
}

/// How much more often the corpus writes the phrase than the candidate original, beyond what
/// the language model expects of the two (nats): `ln((c(s)+½) / (c(o)+½)) - (lp(s) - lp(o))`.
///
/// A deployed spinner replaces its original everywhere, so the original all but vanishes
/// from its output while the written phrase is over-represented; two synonyms share their
/// topic, so the corpus's subject matter cancels out of the ratio.
pub fn substitution_evidence(
    spun_count: u32,
    spun_logprob: f32,
    original_count: u32,
    original_logprob: f32,
) -> f32 {
    ((spun_count as f32 + 0.5) / (original_count as f32 + 0.5)).ln()
        - (spun_logprob - original_logprob)
}

/// How strongly the corpus's counts say a spinner replaced `original` by `spun` (nats): the
/// two phrases' occurrences together, split between them as the language model expects
/// (`p` = the original's share of the two probabilities) if nothing was replaced, against
/// the original keeping only [`ABSENCE_KEPT_RATE`] of its share if the spinner replaced it: the
/// binomial log-likelihood ratio `c(o) ln ρ + c(s) ln((1 - ρp) / (1 - p))`. A phrase's count
/// stands for the topic's own scale, so a common word of the subject (`support` beside
/// `help` in market reports) that the corpus never writes scores high, a rare one (`personnel`)
/// hardly at all, and an original written as often as its rival scores against.
pub fn absence_evidence(
    spun_count: u32,
    spun_logprob: f32,
    original_count: u32,
    original_logprob: f32,
) -> f32 {
    let p = 1.0 / (1.0 + (spun_logprob - original_logprob).exp());
    let rho = ABSENCE_KEPT_RATE;
    original_count as f32 * rho.ln() + spun_count as f32 * ((1.0 - rho * p) / (1.0 - p)).ln()
}

/// Share of its occurrences a replaced original keeps in a spinner's output (it is not in
/// every sentence the table applies to: names, quotes, phrases spun as a longer whole).
pub const ABSENCE_KEPT_RATE: f32 = 0.2;

fn logits(kept: f32, shares: &[f32], gains: &[f32]) -> Vec<f32> {
    std::iter::once(kept.max(f32::MIN_POSITIVE).ln())
        .chain(
            shares
                .iter()
                .zip(gains)
                .map(|(s, g)| s.max(f32::MIN_POSITIVE).ln() + g),
        )
        .collect()
}

fn log_sum_exp(x: &[f32]) -> f32 {
    let m = x.iter().copied().fold(f32::MIN, f32::max);
    m + x.iter().map(|v| (v - m).exp()).sum::<f32>().ln()
}

/// Posterior of "kept" and of each original.
fn posterior(kept: f32, shares: &[f32], gains: &[f32]) -> (f32, Vec<f32>) {
    let l = logits(kept, shares, gains);
    let z = log_sum_exp(&l);
    let q: Vec<f32> = l.iter().map(|v| (v - z).exp()).collect();
    (q[0], q[1..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absence_rewards_a_common_original_the_corpus_never_writes() {
        // "help" written 40 times; "support" about as likely in English, never written.
        let common = absence_evidence(40, -8.0, 0, -8.5);
        // A rare word (50 times less likely than "help"), never written either: little news.
        let rare = absence_evidence(40, -8.0, 0, -12.0);
        // "support" written as often as English would: evidence against.
        let natural = absence_evidence(40, -8.0, 24, -8.5);
        assert!(common > 10.0, "{common}");
        assert!(rare > 0.0 && rare < 1.0, "{rare}");
        assert!(natural < 0.0, "{natural}");
    }

    #[test]
    fn the_posterior_sums_to_one_and_follows_the_evidence() {
        let (k, q) = posterior(0.7, &[0.15, 0.15], &[3.0, -3.0]);
        assert!((k + q.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(q[0] > k && k > q[1]);
    }
}
