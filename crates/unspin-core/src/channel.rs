//! The channel seam: where candidate originals come from and what a replacement costs.
//!
//! A [`Channel`] models one kind of spinner knowledge. It proposes the originals a written
//! phrase may stand for and scores "this written phrase came from that original" in nats
//! (higher is likelier). The model holds a list of channels ([`crate::Model::channels`]);
//! the document layer asks each in turn and ranks what they propose. Two implementations:
//!
//! - [`ThesaurusChannel`]: the generic reverse thesaurus (Moby, WordNet, closed-class and
//!   paraphrase tables), with re-inflection; a replacement pays a change cost and the
//!   spinner's choice out of the original's synonym group.
//! - [`LearnedChannel`]: learned spinner tables ([`crate::spinner`], `unspin learn`); a pair
//!   pays its learned ratio instead.
//!
//! A new spinner family is a new table for the learned channel; a new kind of spinner
//! knowledge (pairs harvested from traced copies, say) is a new `Channel`.

use std::any::Any;

use crate::candidates::{Candidate, ChangeKind};
use crate::language::Language;
use crate::lexicon::{source, Lexicon, PhraseId};
use crate::lm::{lm_words, LanguageModel};
use crate::morph::{Form, Morphology};
use crate::spinner::{SpinnerIndex, SpinnerTable, SPINNER_CHOICE_LOG_RATIO};
use crate::weights::{Params, Weights};

/// What a channel may read when proposing: the model's shared data.
#[derive(Clone, Copy)]
pub struct ChannelInput<'m> {
    /// The reverse synonym lexicon and morphology.
    pub lexicon: &'m Lexicon,
    /// The language model (for tokens and frequencies).
    pub lm: &'m dyn LanguageModel,
    /// The language's rules.
    pub language: &'m dyn Language,
}

/// One source of candidate originals and its cost model.
pub trait Channel: Any + Send + Sync {
    /// A short name for reports (`thesaurus`, `learned`).
    fn name(&self) -> &str;

    /// Appends the originals `spun` (the words of `slice` joined by spaces) may stand for.
    /// Order does not matter (the caller ranks); `lm` may be left empty (the caller fills
    /// it); `channel` is set by the caller.
    fn propose(
        &self,
        input: &ChannelInput<'_>,
        slice: &[&str],
        spun: &str,
        out: &mut Vec<Candidate>,
    );

    /// Channel score (nats, higher is likelier) of a `spun_len`-word span written for `c`.
    fn score(&self, c: &Candidate, spun_len: usize, w: &Params) -> f32;

    /// How a change made with `c` is explained.
    fn kind(&self, c: &Candidate) -> ChangeKind;

    /// Most candidates kept from this channel per span (`None`: all).
    fn limit(&self, weights: &Weights) -> Option<usize>;

    /// Whether check's calibrated features read this channel's candidates. A channel whose
    /// scores were not part of the calibration's fit must say no, or it would move the
    /// probability away from what it means.
    fn calibrated(&self) -> bool;

    /// How much writing `spun` tells of a spinner (0 = nothing, 1 = only a spinner writes
    /// it): check's attested density sums it.
    fn tell(&self, _spun: &str) -> f32 {
        0.0
    }

    /// [`Channel::tell`] for the entries people attested only: the surer part of it, which
    /// check's calibration reads ([`crate::check::Features::attested_tell_density`]).
    fn tell_attested(&self, _spun: &str) -> f32 {
        0.0
    }

    /// Whether the channel's spinner replaces the one-word original `word` (lowercase)
    /// wherever it occurs: check's replaced density counts such words, evidence *against*
    /// that spinner.
    fn replaces(&self, _word: &str) -> bool {
        false
    }

    /// Whether people attested that the channel's spinner replaces `word` (lowercase): the
    /// surer part of [`Channel::replaces`], which restore weighs against the family's tells
    /// (see [`crate::weights::Params::with_family_evidence`]).
    fn replaces_attested(&self, _word: &str) -> bool {
        false
    }

    /// Whether the channel has an entry for exactly this written phrase (lowercase): a
    /// phrase with a number in it is looked up only then.
    fn knows(&self, _phrase: &str) -> bool {
        false
    }

    /// Whether the channel's spinner leaves the written phrase `spun` (lowercase) as written:
    /// then restore makes no change to it from any channel (see
    /// [`crate::spinner::SpinnerTable::held`]); check still reads its candidates.
    fn holds(&self, _spun: &str) -> bool {
        false
    }

    /// Whether the channel may propose candidates for some span of two or more words that
    /// begins with the words `first second` (lowercase): false only when it proposes none for
    /// any of them, so that the document layer skips those windows without looking them up.
    /// The default, yes, is always right.
    fn may_start(&self, _input: &ChannelInput<'_>, _first: &str, _second: &str) -> bool {
        true
    }

    /// Whether the channel may propose candidates for the span `words` of three or more words
    /// (lowercase): false only when it proposes none, so that the document layer skips the
    /// window without joining and looking it up. Asked only of windows whose first two words
    /// some channel may start. The default, yes, is always right.
    fn may_span(&self, _input: &ChannelInput<'_>, _words: &[&str]) -> bool {
        true
    }
}

/// Prior of a candidate before context: its unigram log-probability plus its channel score.
/// A re-inflected form the language model has never seen ("citationed") is no word at all,
/// and is dropped. A candidate without a phrase id keeps the LM tokens worked out here, so
/// that the survivors of the cut need not work them out again.
fn prior(
    input: &ChannelInput<'_>,
    channel: &dyn Channel,
    params: &Params,
    c: &mut Candidate,
    spun_len: usize,
) -> Option<f32> {
    if let Some(id) = c.phrase {
        return Some(input.lexicon.unigram(id) + channel.score(c, spun_len, params));
    }
    let words = lm_words(input.lm, input.language, &c.text);
    if c.inflected && words.iter().any(Option::is_none) {
        return None;
    }
    let unigram: f32 = words
        .iter()
        .map(|w| w.map_or(crate::lm::OOV_LOGPROB, |id| input.lm.unigram(id)))
        .sum();
    if c.lm.is_empty() {
        c.lm = words;
    }
    Some(unigram + channel.score(c, spun_len, params))
}

/// The candidates `channel` (number `index` among the model's channels) proposes for one span
/// (`slice` joined by spaces is `spun`), best prior first, cut at its limit, each with its LM
/// tokens. None equals the span or is a spelling variant of it. What the document layer
/// ranks per channel, and what a prepared image stores for words and costly phrases
/// ([`crate::precomputed`]).
pub fn ranked_candidates(
    input: &ChannelInput<'_>,
    channel: &dyn Channel,
    index: usize,
    weights: &Weights,
    slice: &[&str],
    spun: &str,
) -> Vec<Candidate> {
    let mut found = Vec::new();
    channel.propose(input, slice, spun, &mut found);
    found.retain(|c| c.text != spun && !input.language.spelling_variants(spun, &c.text));
    let mut scored: Vec<(f32, Candidate)> = found
        .into_iter()
        .filter_map(|mut c| {
            c.channel = index as u8;
            Some((
                prior(input, channel, &weights.restore, &mut c, slice.len())?,
                c,
            ))
        })
        .collect();
    // Stable, so equal priors keep their order: deterministic output.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    if let Some(limit) = channel.limit(weights) {
        scored.truncate(limit);
    }
    let mut out: Vec<Candidate> = scored.into_iter().map(|(_, c)| c).collect();
    for c in out.iter_mut().filter(|c| c.lm.is_empty()) {
        c.lm = match c.phrase {
            Some(id) => input.lexicon.lm_tokens(id).collect(),
            None => lm_words(input.lm, input.language, &c.text),
        };
    }
    out
}

/// The generic reverse thesaurus channel.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThesaurusChannel;

impl Channel for ThesaurusChannel {
    fn name(&self) -> &str {
        "thesaurus"
    }

    fn propose(
        &self,
        input: &ChannelInput<'_>,
        slice: &[&str],
        spun: &str,
        out: &mut Vec<Candidate>,
    ) {
        let mut found = Vec::new();
        direct(input.lexicon, spun, &mut found);
        via_lemma(input, slice, &mut found);
        out.extend(merge(found));
    }

    fn score(&self, c: &Candidate, spun_len: usize, w: &Params) -> f32 {
        // Asked for every candidate of every span check scores: spaces counted, not split.
        let orig_len = c.text.bytes().filter(|&b| b == b' ').count() + 1;
        // The paraphrase table is a spinner-sized group: its own cost replaces the fan-out.
        let selection = if c.is_paraphrase() {
            -w.paraphrase_cost
        } else {
            w.fanout_weight * c.log_selection
        };
        let mut s =
            -w.change_cost + selection - w.length_cost * (orig_len.abs_diff(spun_len) as f32);
        if c.sources & source::MOBY != 0 && c.sources & source::WORDNET != 0 {
            s += w.agreement_bonus;
        }
        if c.mutual {
            s += w.mutual_bonus;
        }
        if c.inflected {
            s -= w.inflected_cost;
        }
        if c.is_closed_class() {
            s -= w.closed_class_cost;
        }
        s
    }

    fn kind(&self, c: &Candidate) -> ChangeKind {
        if c.is_closed_class() {
            ChangeKind::ClosedClass
        } else if c.is_paraphrase() && c.sources & !source::PARAPHRASE == 0 {
            ChangeKind::Paraphrase
        } else if c.inflected {
            ChangeKind::Inflected
        } else {
            ChangeKind::Thesaurus
        }
    }

    fn limit(&self, weights: &Weights) -> Option<usize> {
        Some(weights.candidate_limit)
    }

    fn calibrated(&self) -> bool {
        true
    }

    /// A span of two or more words has candidates only as a lexicon phrase, as written or with
    /// its first word lemmatised (`via_lemma`), or with its last lemmatised, which for two
    /// words is the second: so some phrase begins with the first two words, the first's lemma
    /// and the second, or for two words the first and the second's lemma.
    fn may_start(&self, input: &ChannelInput<'_>, first: &str, second: &str) -> bool {
        let lex = input.lexicon;
        // The lexicon's filter holds every written form of both words whose lemma begins a
        // phrase: no analysis of the window's words here. A lemma with a space in it would
        // shift the words of the phrase it makes.
        lex.may_start_phrase(first, second)
            || lex.may_have_spaced_lemma(first)
            || lex.may_have_spaced_lemma(second)
    }

    /// The thesaurus looks a window up as written, with its first word lemmatised or with its
    /// last: the inner words are always as written, so some phrase of the window's length
    /// must have them. A word whose lemma has a space in it would change the length.
    fn may_span(&self, input: &ChannelInput<'_>, words: &[&str]) -> bool {
        let lex = input.lexicon;
        let (Some(first), Some(last)) = (words.first(), words.last()) else {
            return true;
        };
        lex.may_be_phrase(words)
            || lex.may_have_spaced_lemma(first)
            || lex.may_have_spaced_lemma(last)
            // A unit with a space would be two words of a phrase.
            || words.iter().any(|w| w.contains(' '))
    }
}

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

/// A candidate with only its text, phrase and sources set (the rest by the caller).
pub(crate) fn bare_candidate(text: String, phrase: Option<u32>, sources: u8) -> Candidate {
    Candidate {
        text: text.into(),
        lm: Default::default(),
        phrase,
        channel: 0,
        sources,
        log_selection: 0.0,
        inflected: false,
        mutual: false,
        learned: None,
    }
}

fn direct(lex: &Lexicon, phrase: &str, out: &mut Vec<Candidate>) {
    if let Some(id) = lex.id(phrase) {
        for e in lex.originals(id) {
            out.push(Candidate {
                log_selection: lex.log_selection(id, e.original),
                // The edge's stored flag: the same as `lex.has_edge(e.original, id)`, without
                // its binary search.
                mutual: e.mutual,
                ..bare_candidate(
                    lex.phrase(e.original).to_owned(),
                    Some(e.original),
                    e.sources,
                )
            });
        }
    }
}

/// Re-inflects a (possibly multi-word) original: verbs and comparatives inflect their first
/// word ("succeed in" -> "succeeded in"), plurals their last ("press release" -> "press
/// releases"). `None` when the inflection is not attested for that word (a noun has no past
/// tense: no "departmented") or a noun phrase would take a verbal form.
fn reinflect(input: &ChannelInput<'_>, original: PhraseId, form: Form) -> Option<String> {
    let lex = input.lexicon;
    let text = lex.phrase(original);
    if !text.contains(' ') {
        return lex.attested_form(original, form).map(str::to_owned);
    }
    let words: Vec<&str> = text.split(' ').collect();
    let at = form.carrier(words.len());
    if !form.fits(&words, input.language.verb_particles()) {
        return None;
    }
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[at] = lex.morph.attested(words[at], form)?.to_owned();
    Some(out.join(" "))
}

fn via_lemma(input: &ChannelInput<'_>, words: &[&str], out: &mut Vec<Candidate>) {
    let lex = input.lexicon;
    // Which word carries the inflection: the last for a plural, the first otherwise.
    let positions: &[usize] = if words.len() == 1 {
        &[0]
    } else {
        &[0, words.len() - 1]
    };
    for &at in positions {
        for (lemma, form) in lex.morph.analyse(words[at]) {
            if at != form.carrier(words.len()) {
                continue;
            }
            let mut base: Vec<&str> = words.to_vec();
            base[at] = lemma;
            let Some(id) = lex.id(&base.join(" ")) else {
                continue;
            };
            for e in lex.originals(id) {
                let Some(text) = reinflect(input, e.original, form) else {
                    continue;
                };
                out.push(Candidate {
                    log_selection: lex.log_selection(id, e.original),
                    inflected: true,
                    mutual: e.mutual,
                    ..bare_candidate(text, None, e.sources)
                });
            }
        }
    }
}

/// Learned spinner tables as a channel.
#[derive(Default)]
pub struct LearnedChannel {
    tables: SpinnerIndex,
}

impl LearnedChannel {
    /// A channel over one table, with its pairs' other forms (see
    /// [`SpinnerIndex::add_inflections`]).
    pub fn new(table: &SpinnerTable, morph: &Morphology, verb_particles: &[&str]) -> Self {
        let mut channel = LearnedChannel::default();
        channel.add(table, morph, verb_particles);
        channel
    }

    /// Adds a table (merged with those already loaded; see [`SpinnerIndex::add`]) and its
    /// pairs' other forms.
    pub fn add(&mut self, table: &SpinnerTable, morph: &Morphology, verb_particles: &[&str]) {
        self.tables.add(table);
        self.tables.add_inflections(table, morph, verb_particles);
    }

    /// The loaded tables.
    pub fn tables(&self) -> &SpinnerIndex {
        &self.tables
    }
}

impl Channel for LearnedChannel {
    fn name(&self) -> &str {
        "learned"
    }

    /// The table's log-ratio is the reverse view (how often the written phrase stood for the
    /// original); the channel wants `P(spun | original)`, which is that ratio over the
    /// original's frequency relative to the written phrase's: the language model scores the
    /// original's own frequency on the path.
    fn propose(
        &self,
        input: &ChannelInput<'_>,
        _slice: &[&str],
        spun: &str,
        out: &mut Vec<Candidate>,
    ) {
        let found = self.tables.learned(spun);
        if found.is_empty() {
            return;
        }
        let (lm, language) = (input.lm, input.language);
        let spun_logprob = lm.phrase_logprob(&lm_words(lm, language, spun));
        for l in found {
            let words = lm_words(lm, language, &l.original);
            let mut ratio = l.log_ratio + spun_logprob - lm.phrase_logprob(&words);
            // Dividing out the originals' frequencies holds when the table's kept share is
            // right; for the spinner's own choices it is not. A deterministic spinner writes
            // "earlier than" for every "before", yet the table, learned from few pages,
            // keeps a share of contexts where the phrase reads as written ("earlier than
            // expected"), and "before", some 200 times the commoner phrase, then cost the
            // pair more than the paraphrase table's generic edge for the same words. For
            // those pairs the table's word is taken: the spinner writes `spun` for the
            // original at least as surely as it leaves `spun` alone.
            if l.log_ratio >= SPINNER_CHOICE_LOG_RATIO {
                ratio = ratio.max(0.0);
            }
            let sources = if l.attested {
                source::LEARNED | source::ATTESTED
            } else {
                source::LEARNED
            };
            out.push(Candidate {
                lm: words,
                learned: Some(ratio),
                inflected: l.inflected,
                ..bare_candidate(l.original.clone(), input.lexicon.id(&l.original), sources)
            });
        }
    }

    /// A learned table knows the spinner's own choice: its ratio replaces the thesaurus's
    /// change and fan-out costs (and the length cost: the table attests the gloss). The
    /// relaxation the document has not earned from check is paid here: by the spin
    /// probability times the thesaurus's extent for the EM's guesses, by the spin probability
    /// alone for attested pairs (see [`Params::spin_probability`]).
    fn score(&self, c: &Candidate, _spun_len: usize, w: &Params) -> f32 {
        let ratio = c.learned.unwrap_or(0.0);
        let earned = if c.is_attested() {
            w.spin_probability.max(w.spin_evidence)
        } else {
            w.spin_evidence
        } * w.family_share;
        let unearned = w.spun_relax * (1.0 - earned);
        let inflected = if c.inflected {
            w.learned_inflected_cost
        } else {
            0.0
        };
        ratio - w.learned_cost - inflected - unearned - w.family_cost * (1.0 - w.family_share)
    }

    fn kind(&self, _c: &Candidate) -> ChangeKind {
        ChangeKind::Learned
    }

    /// Every learned pair is kept, on top of the thesaurus's limit: the thesaurus list is then
    /// the same with or without a table.
    fn limit(&self, _weights: &Weights) -> Option<usize> {
        None
    }

    /// The calibration was fitted on the thesaurus channel's evidence; a table learned from
    /// spun pages would move it.
    fn calibrated(&self) -> bool {
        false
    }

    fn tell(&self, spun: &str) -> f32 {
        self.tables.tell(spun)
    }

    fn tell_attested(&self, spun: &str) -> f32 {
        self.tables.tell_attested(spun)
    }

    fn replaces(&self, word: &str) -> bool {
        self.tables.replaces(word)
    }

    fn replaces_attested(&self, word: &str) -> bool {
        self.tables.replaces_attested(word)
    }

    fn knows(&self, phrase: &str) -> bool {
        !self.tables.learned(phrase).is_empty()
    }

    fn holds(&self, spun: &str) -> bool {
        self.tables.holds(spun)
    }

    /// A table proposes only for the written phrases it has entries for.
    fn may_start(&self, _input: &ChannelInput<'_>, first: &str, second: &str) -> bool {
        self.tables.may_start(first, second)
    }

    /// A table proposes only for the written phrases it has entries for.
    fn may_span(&self, _input: &ChannelInput<'_>, words: &[&str]) -> bool {
        self.tables.may_span(words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learned(sources: u8) -> Candidate {
        Candidate {
            learned: Some(3.0),
            ..bare_candidate("level".into(), None, sources)
        }
    }

    #[test]
    fn an_attested_pair_pays_only_what_the_spin_probability_leaves_unearned() {
        let channel = LearnedChannel::default();
        // A document check finds spun (0.9) whose words the thesaurus barely links to
        // originals (a fifth of the extent that would earn the whole relaxation).
        let w = Params::default().for_spin_probability(0.9, 0.4);
        let guess = channel.score(&learned(source::LEARNED), 1, &w);
        let attested = channel.score(&learned(source::LEARNED | source::ATTESTED), 1, &w);
        let relax = w.spun_relax;
        assert!((guess - (3.0 - w.learned_cost - relax * (1.0 - 0.9 * 0.2))).abs() < 1e-5);
        assert!((attested - (3.0 - w.learned_cost - relax * 0.1)).abs() < 1e-5);
        // In a document that is not the family's, both pay the family cost and lose the
        // relaxation they earned.
        let other = w.with_family_evidence(0.0, 10.0);
        assert_eq!(other.family_share, 0.0);
        let attested_elsewhere =
            channel.score(&learned(source::LEARNED | source::ATTESTED), 1, &other);
        assert!((attested_elsewhere - (3.0 - w.learned_cost - relax - w.family_cost)).abs() < 1e-5);
        // Before check has judged the document, both pay the whole relaxation.
        let unjudged = Params::default();
        assert_eq!(
            channel.score(&learned(source::LEARNED), 1, &unjudged),
            channel.score(&learned(source::LEARNED | source::ATTESTED), 1, &unjudged)
        );
    }
}
