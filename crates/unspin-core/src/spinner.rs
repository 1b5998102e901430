//! Spinner models: a deployed spinner's own table, learned from its output (see
//! [`crate::learn`]), as the channel for the phrases it attests.
//!
//! A deployed spinner is a near-fixed table: the same original becomes the same replacement in
//! every article it rewrites. A generic thesaurus cannot know which of an original's hundreds
//! of synonyms the spinner picked, so it charges every one of them a fan-out cost; a table
//! learned from the spinner's output knows that "worth" is nearly always "price" in its copies.
//!
//! The table is stored per written phrase `s`: in how many documents `s` was seen, the share
//! of those in which it was left as written (`kept`), and each original `o` with the share of
//! documents in which `s` stood for `o`. The channel turns that reverse view into
//! `ln P(s | o) - ln P(s | s)` by dividing out the originals' frequencies (see
//! [`crate::channel::LearnedChannel`]).
//!
//! Files use the model container ([`crate::container`]: magic, version, checksum), with
//! `spin.*` sections, so a damaged table is refused like a damaged model.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::container::ModelError;
use crate::container::{SectionWriter, Sections};
use crate::morph::{Form, Morphology};

/// Version of the `spin.*` section layout.
pub const SPINNER_FORMAT: u32 = 1;

/// Largest log-ratio a learned pair may claim: a phrase seen spun in every document of a
/// small sample is not infinitely sure.
pub const MAX_LEARNED_RATIO: f32 = 4.0;

/// Log-ratio (`ln share(o) - ln kept`, [`LearnedCandidate::log_ratio`]) at and above which a
/// table reads a pair as the spinner's own choice: the written phrase stood for the original
/// at least three times as often as it was the author's word. The channel does not put such
/// a pair's `P(spun | original)` below `P(spun | spun)` (see
/// [`crate::channel::LearnedChannel`]).
pub const SPINNER_CHOICE_LOG_RATIO: f32 = 1.098_612_3; // ln 3

/// One original a written phrase stood for.
#[derive(Clone, Debug, PartialEq)]
pub struct LearnedOriginal {
    /// The original phrase, lowercase, single spaces.
    pub original: String,
    /// Expected number of documents in which the written phrase stood for this original.
    pub documents: f32,
    /// Share of the phrase's documents in which it stood for this original.
    pub share: f32,
}

/// What the table knows of one written phrase.
#[derive(Clone, Debug, PartialEq)]
pub struct PhraseEntry {
    /// Documents in which the phrase was seen.
    pub documents: f32,
    /// Share of those documents in which it was written by the author, not the spinner.
    pub kept: f32,
    /// Originals it stood for, most frequent first.
    pub originals: Vec<LearnedOriginal>,
    /// Whether the entry comes from pairs people attested ([`AttestedPairs`]) rather than
    /// the EM's guesses (stored in the optional `spin.attested` section).
    pub attested: bool,
}

/// A learned spinner table: the family's name and its entries by written phrase.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpinnerTable {
    /// Name of the spinner family (for attribution and reports).
    pub family: String,
    /// Entries by written phrase (lowercase, single spaces).
    pub entries: BTreeMap<String, PhraseEntry>,
    /// Written phrases (lowercase, single spaces) the spinner is read to leave as written:
    /// every original the EM guessed for them read worse than the phrase itself to a fluent
    /// model ([`crate::vet`]), or copies aligned with their sources wrote them as the sources
    /// did and never for another word ([`PairHarvest::add_kept`]). Restore changes none of
    /// them, from any channel: dropping the guesses alone let the generic thesaurus rewrite
    /// the phrase instead ("indicator" -> "signal" once "indicator" <- "image" was gone).
    /// Never a phrase with an entry.
    pub held: BTreeSet<String>,
}

fn corrupt(what: &str) -> ModelError {
    ModelError::Corrupt(format!("spinner table: {what}"))
}

impl SpinnerTable {
    /// Number of (written, original) pairs.
    pub fn pairs(&self) -> usize {
        self.entries.values().map(|e| e.originals.len()).sum()
    }

    /// Serialises the table into a container file (zstd, checksummed).
    pub fn to_bytes(&self) -> std::io::Result<Vec<u8>> {
        let mut w = SectionWriter::default();
        w.u32s("spin.format", &[SPINNER_FORMAT]);
        w.bytes("spin.family", self.family.as_bytes());
        // One line per pair: written, documents, kept, original, documents, share. Text keeps
        // the file inspectable and merges trivially; zstd makes it compact.
        let mut lines = String::new();
        for (spun, e) in &self.entries {
            if e.originals.is_empty() {
                continue;
            }
            for o in &e.originals {
                lines.push_str(&format!(
                    "{spun}\t{:.3}\t{:.4}\t{}\t{:.3}\t{:.4}\n",
                    e.documents, e.kept, o.original, o.documents, o.share
                ));
            }
        }
        w.bytes("spin.pairs", lines.as_bytes());
        let attested: Vec<&str> = self
            .entries
            .iter()
            .filter(|(_, e)| e.attested && !e.originals.is_empty())
            .map(|(spun, _)| spun.as_str())
            .collect();
        if !attested.is_empty() {
            // A section of its own, so that files without it (older tables) still load.
            w.bytes("spin.attested", attested.join("\n").as_bytes());
        }
        let held: Vec<&str> = self
            .held
            .iter()
            .filter(|spun| !self.entries.contains_key(*spun))
            .map(String::as_str)
            .collect();
        if !held.is_empty() {
            // Likewise optional: older readers ignore it and older tables hold none.
            w.bytes("spin.held", held.join("\n").as_bytes());
        }
        w.finish(19)
    }

    /// Reads a table written by [`SpinnerTable::to_bytes`], checking every field.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let s = Sections::parse(bytes)?;
        let format = s.u32s("spin.format")?;
        if format.first() != Some(&SPINNER_FORMAT) {
            return Err(corrupt("unknown spinner table format"));
        }
        let family = std::str::from_utf8(s.bytes("spin.family")?)
            .map_err(|_| corrupt("family name is not UTF-8"))?
            .to_owned();
        let text = std::str::from_utf8(s.bytes("spin.pairs")?)
            .map_err(|_| corrupt("pairs are not UTF-8"))?;
        let mut entries: BTreeMap<String, PhraseEntry> = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let bad = || corrupt(&format!("line {} is malformed", n + 1));
            let cols: Vec<&str> = line.split('\t').collect();
            let [spun, docs, kept, original, odocs, share] = cols[..] else {
                return Err(bad());
            };
            let num = |x: &str| -> Result<f32, ModelError> {
                x.parse::<f32>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(bad)
            };
            let (docs, kept, odocs, share) = (num(docs)?, num(kept)?, num(odocs)?, num(share)?);
            if spun.is_empty() || original.is_empty() || kept > 1.0 || share > 1.0 {
                return Err(bad());
            }
            let e = entries.entry(spun.to_owned()).or_insert(PhraseEntry {
                documents: docs,
                kept,
                originals: Vec::new(),
                attested: false,
            });
            e.originals.push(LearnedOriginal {
                original: original.to_owned(),
                documents: odocs,
                share,
            });
        }
        if let Ok(attested) = s.bytes("spin.attested") {
            let attested = std::str::from_utf8(attested)
                .map_err(|_| corrupt("attested phrases are not UTF-8"))?;
            for spun in attested.lines() {
                entries
                    .get_mut(spun)
                    .ok_or_else(|| corrupt("an attested phrase has no pair"))?
                    .attested = true;
            }
        }
        let mut held = BTreeSet::new();
        if let Ok(bytes) = s.bytes("spin.held") {
            let text =
                std::str::from_utf8(bytes).map_err(|_| corrupt("held phrases are not UTF-8"))?;
            for spun in text.lines() {
                if spun.trim().is_empty() || entries.contains_key(spun) {
                    return Err(corrupt("a held phrase is empty or has pairs"));
                }
                held.insert(spun.to_owned());
            }
        }
        Ok(SpinnerTable {
            family,
            entries,
            held,
        })
    }

    /// Reads a table file.
    pub fn open(path: &std::path::Path) -> Result<Self, ModelError> {
        Self::from_bytes(&std::fs::read(path)?)
    }

    /// Puts `other`'s entries over this table's: where both know a written phrase, `other`'s
    /// entry replaces this one's (attested pairs over the EM's guesses, which a wrong candidate
    /// or a misleading language model can skew: "stage" <- "floor" where people read "level").
    pub fn overlay(&mut self, other: &SpinnerTable) {
        for (spun, entry) in &other.entries {
            self.held.remove(spun);
            self.entries.insert(spun.clone(), entry.clone());
        }
        // `other`'s reading that a phrase is left as written goes over our guesses too, but
        // not over pairs people attested.
        for spun in &other.held {
            if self.entries.get(spun).is_some_and(|e| e.attested) {
                continue;
            }
            self.entries.remove(spun);
            self.held.insert(spun.clone());
        }
        if self.family.is_empty() {
            self.family = other.family.clone();
        }
    }

    /// Adds another table's evidence to this one: document counts add up and shares are
    /// re-weighted by them, so learning from two crawls and merging equals learning from both
    /// (up to the EM's own smoothing).
    pub fn merge(&mut self, other: &SpinnerTable) {
        for (spun, theirs) in &other.entries {
            let Some(ours) = self.entries.get_mut(spun) else {
                self.entries.insert(spun.clone(), theirs.clone());
                continue;
            };
            let total = ours.documents + theirs.documents;
            if total <= 0.0 {
                continue;
            }
            let mut by_original: BTreeMap<String, f32> = BTreeMap::new();
            for o in ours.originals.iter().chain(&theirs.originals) {
                *by_original.entry(o.original.clone()).or_default() += o.documents;
            }
            ours.kept = (ours.kept * ours.documents + theirs.kept * theirs.documents) / total;
            ours.attested |= theirs.attested;
            ours.documents = total;
            ours.originals = by_original
                .into_iter()
                .map(|(original, documents)| LearnedOriginal {
                    original,
                    documents,
                    share: (documents / total).min(1.0),
                })
                .collect();
            ours.originals
                .sort_by(|a, b| b.documents.total_cmp(&a.documents));
        }
        // A phrase one table holds as written and the other has pairs for keeps the pairs:
        // merging adds evidence, and only the pairs carry counts.
        self.held.extend(other.held.iter().cloned());
        let entries = &self.entries;
        self.held.retain(|spun| !entries.contains_key(spun));
        if self.family.is_empty() {
            self.family = other.family.clone();
        }
    }
}

/// A learned original as the candidate generator sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct LearnedCandidate {
    /// The original phrase.
    pub original: String,
    /// `ln share(o) - ln kept`, capped at [`MAX_LEARNED_RATIO`]: how much likelier the
    /// spinner's table makes this original than the phrase as written, before the originals'
    /// frequencies are divided out.
    pub log_ratio: f32,
    /// Whether a table's entry for it was attested by people ([`PhraseEntry::attested`]).
    pub attested: bool,
    /// Whether the pair is another form of a pair a table holds ("promoted" <- "sold" from
    /// "promoting" <- "selling"), not one the table saw.
    pub inflected: bool,
}

/// A map asked for every word and window of every text (a fast hasher, seeded per process;
/// nothing is read in hash order).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// A set asked as often, hashed as [`FastMap`].
type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// The loaded spinner tables, merged, for look-up by written phrase.
#[derive(Default)]
pub struct SpinnerIndex {
    /// Originals by written phrase: the pairs the tables hold, and for phrases they do not
    /// hold as written, the other forms of their pairs ([`SpinnerIndex::add_inflections`]).
    by_spun: FastMap<String, Vec<LearnedCandidate>>,
    /// Written phrases the tables attest as the spinner's outputs, with the share of their
    /// occurrences that were rewritten (`1 - kept`).
    tells: FastMap<String, f32>,
    /// The same for the entries people attested: the EM's guesses among the tells ("chart",
    /// "zone", "indicator" for the embedded family) are words that clean market reports
    /// write in their own right, people's notes are the spinner's habits.
    tells_attested: FastMap<String, f32>,
    /// One-word originals the tables say the spinner replaces: a text that keeps writing
    /// them was not through it.
    replaced: FastSet<String>,
    /// Of those, the ones people attested: the EM also names common words ("now", "years",
    /// "any") that every text writes, the family's own copies of news among them.
    replaced_attested: FastSet<String>,
    /// [`crate::word_pairs::pair_key`]s of the first two words of every written phrase of
    /// two or more words (see [`SpinnerIndex::may_start`]).
    pair_starts: FastSet<u64>,
    /// [`crate::word_pairs::tail_key`]s of every written phrase of three or more words
    /// (see [`SpinnerIndex::may_span`]).
    tails: FastSet<u64>,
    /// Written phrases a table holds as written ([`SpinnerTable::held`]).
    held: FastSet<String>,
    families: Vec<String>,
}

/// Least documents a pair needs before check reads its written phrase as a tell, and its
/// original as a word the spinner replaces: pairs seen in one or two pages are mostly the
/// learner's guesses.
pub const TELL_MIN_DOCUMENTS: f32 = 3.0;

/// Least share a learned original needs to be proposed: rarer ones are the EM's noise.
pub const MIN_SHARE: f32 = 0.05;

/// Keeps the larger of `map[key]` and `value` (the stronger claim of two tables).
fn raise(map: &mut FastMap<String, f32>, key: &str, value: f32) {
    let slot = map.entry(key.to_owned()).or_default();
    *slot = slot.max(value);
}

impl SpinnerIndex {
    /// Adds a table. Where two tables know the same phrase, the stronger claim is kept.
    pub fn add(&mut self, table: &SpinnerTable) {
        self.families.push(table.family.clone());
        self.held.extend(table.held.iter().cloned());
        for (spun, e) in &table.entries {
            let strong: Vec<&LearnedOriginal> = e
                .originals
                .iter()
                .filter(|o| o.share >= MIN_SHARE && o.documents >= TELL_MIN_DOCUMENTS)
                .collect();
            if !strong.is_empty() {
                let rewritten = (1.0 - e.kept).clamp(0.0, 1.0);
                raise(&mut self.tells, spun, rewritten);
                if e.attested {
                    raise(&mut self.tells_attested, spun, rewritten);
                }
                for o in strong.iter().filter(|o| !o.original.contains(' ')) {
                    self.replaced.insert(o.original.clone());
                    if e.attested {
                        self.replaced_attested.insert(o.original.clone());
                    }
                }
            }
            self.note_windows(spun);
            let list = self.by_spun.entry(spun.clone()).or_default();
            // A pair seen as written outranks the forms of other pairs.
            list.retain(|c| !c.inflected);
            for o in e.originals.iter().filter(|o| o.share >= MIN_SHARE) {
                offer(
                    list,
                    LearnedCandidate {
                        original: o.original.clone(),
                        log_ratio: log_ratio(e, o),
                        attested: e.attested,
                        inflected: false,
                    },
                );
            }
        }
    }

    /// Lets the window filters ([`SpinnerIndex::may_start`], [`SpinnerIndex::may_span`])
    /// pass the written phrase `spun`.
    fn note_windows(&mut self, spun: &str) {
        if let Some((first, second)) = crate::word_pairs::first_two_words(spun) {
            self.pair_starts
                .insert(crate::word_pairs::pair_key(first, second));
        }
        if let Some(key) = crate::word_pairs::words_of_long_phrase(spun)
            .and_then(|words| crate::word_pairs::tail_key(&words))
        {
            self.tails.insert(key);
        }
    }

    /// Adds the other forms of `table`'s pairs. A deployed spinner's table is kept by lemma
    /// and re-inflected: the pages that taught "promoting" <- "selling" and "merchants" <-
    /// "traders" say that it also writes "promoted" for "sold" and "merchant" for "trader",
    /// forms a few hundred pages need not show. Each pair people attested or seen in at least
    /// [`TELL_MIN_DOCUMENTS`] documents is read as a pair of lemmas in every form both sides
    /// share (plurals inflect a phrase's last word, the other forms its first), and put into
    /// every other form the morphology attests for both lemmas. The forms keep the pair's
    /// ratio; restore charges them
    /// [`crate::weights::Params::learned_inflected_cost`]. They tell check nothing: its
    /// features read the pairs as seen. The table's held phrases are held in their other
    /// forms too.
    pub fn add_inflections(
        &mut self,
        table: &SpinnerTable,
        morph: &Morphology,
        verb_particles: &[&str],
    ) {
        for (spun, e) in &table.entries {
            // Only pairs people attested or seen in a few documents: the EM's rarer guesses
            // are its noise, and in every form they would be more of it.
            let strong = |o: &&LearnedOriginal| {
                o.share >= MIN_SHARE && (e.attested || o.documents >= TELL_MIN_DOCUMENTS)
            };
            for o in e.originals.iter().filter(strong) {
                for (form_spun, form_original) in
                    other_forms(spun, &o.original, morph, verb_particles)
                {
                    let seen = self
                        .by_spun
                        .get(&form_spun)
                        .is_some_and(|list| list.iter().any(|c| !c.inflected));
                    if form_spun == form_original || seen {
                        continue;
                    }
                    self.note_windows(&form_spun);
                    offer(
                        self.by_spun.entry(form_spun).or_default(),
                        LearnedCandidate {
                            original: form_original,
                            log_ratio: log_ratio(e, o),
                            attested: e.attested,
                            inflected: true,
                        },
                    );
                }
            }
        }
        // A phrase read right as written is so in its other forms ("indicators" with
        // "indicator"), unless a table has a pair for the form as written ([`Self::holds`]).
        for held in &table.held {
            for (form, _) in other_forms(held, held, morph, verb_particles) {
                self.held.insert(form);
            }
        }
    }

    /// The learned originals of a written phrase: the pairs a table holds for it, else the
    /// other forms of its pairs ([`SpinnerIndex::add_inflections`]); empty when neither.
    pub fn learned(&self, spun: &str) -> &[LearnedCandidate] {
        self.by_spun.get(spun).map_or(&[], Vec::as_slice)
    }

    /// How much `spun` tells of the spinner: the share of its occurrences the tables say were
    /// rewritten, for phrases with a pair in at least [`TELL_MIN_DOCUMENTS`] documents (else 0).
    pub fn tell(&self, spun: &str) -> f32 {
        self.tells.get(spun).copied().unwrap_or(0.0)
    }

    /// [`Self::tell`] for the entries people attested only (else 0).
    pub fn tell_attested(&self, spun: &str) -> f32 {
        self.tells_attested.get(spun).copied().unwrap_or(0.0)
    }

    /// Whether the tables say the spinner replaces the one-word original `word` (lowercase).
    pub fn replaces(&self, word: &str) -> bool {
        self.replaced.contains(word)
    }

    /// Whether an attested pair of the tables says the spinner replaces the one-word original
    /// `word` (lowercase).
    pub fn replaces_attested(&self, word: &str) -> bool {
        self.replaced_attested.contains(word)
    }

    /// Whether some written phrase of the tables may begin with the words `first second`:
    /// false only when none does.
    pub fn may_start(&self, first: &str, second: &str) -> bool {
        self.pair_starts
            .contains(&crate::word_pairs::pair_key(first, second))
    }

    /// Whether some written phrase of the tables may be the window `words` (three or more
    /// words): false only when none has its length, inner words and last word (a table is
    /// looked up as written; the filter of phrase beginnings answers for the first word).
    pub fn may_span(&self, words: &[&str]) -> bool {
        crate::word_pairs::tail_key(words).is_some_and(|key| self.tails.contains(&key))
    }

    /// Whether a table holds `spun` (lowercase) as written ([`SpinnerTable::held`]) and no
    /// table has a pair for it as written: then restore changes it from no channel. The
    /// other forms of other pairs do not count: with "indicator" held, "indicator" <- "signal"
    /// from "indicators" <- "signals" is the reading the model turned down.
    pub fn holds(&self, spun: &str) -> bool {
        // Asked for every span restore decodes: most tables hold nothing.
        !self.held.is_empty()
            && self.held.contains(spun)
            && self.learned(spun).iter().all(|c| c.inflected)
    }

    /// Whether any table is loaded.
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    /// Names of the loaded families, in load order.
    pub fn families(&self) -> &[String] {
        &self.families
    }
}

/// `ln share(o) - ln kept` of the entry `e`, capped at [`MAX_LEARNED_RATIO`] (see
/// [`LearnedCandidate::log_ratio`]).
fn log_ratio(e: &PhraseEntry, o: &LearnedOriginal) -> f32 {
    // A kept share of 0 in a small sample means "rarely", not "never".
    let kept = e.kept.max(0.01);
    (o.share / kept).ln().min(MAX_LEARNED_RATIO)
}

/// Puts `candidate` into a phrase's `list`; where the list has its original already (from
/// another table, or another pair's form), the stronger ratio is kept and either's attestation.
fn offer(list: &mut Vec<LearnedCandidate>, candidate: LearnedCandidate) {
    match list.iter_mut().find(|c| c.original == candidate.original) {
        Some(c) => {
            c.log_ratio = c.log_ratio.max(candidate.log_ratio);
            c.attested |= candidate.attested;
        }
        None => list.push(candidate),
    }
}

/// `words` with the word that carries `form` replaced by `word`, joined by spaces.
fn with_word(words: &[&str], at: usize, word: &str) -> String {
    let mut out: Vec<&str> = words.to_vec();
    out[at] = word;
    out.join(" ")
}

/// The pair `spun` <- `original` in the other forms its lemmas share (see
/// [`SpinnerIndex::add_inflections`]), the pair itself left out. A phrase of several words
/// takes a verb's form only when its second word is one of `verb_particles` ("set off" ->
/// "sets off"; never "have been" -> "has been", whose "have" is no verb of its own).
fn other_forms(
    spun: &str,
    original: &str,
    morph: &Morphology,
    verb_particles: &[&str],
) -> Vec<(String, String)> {
    let spun_words: Vec<&str> = spun.split(' ').collect();
    let original_words: Vec<&str> = original.split(' ').collect();
    // The pair read as lemmas: as written (base forms), and in each form both sides are
    // written in, with the lemma of each side's inflected word. (A verb's forms and a noun's
    // cannot be kept apart: "reserves" is the plural and the third person alike.)
    let mut lemma_pairs: Vec<(String, String)> = vec![(spun.to_owned(), original.to_owned())];
    for form in Form::ALL {
        let lemma_of = |word: &str| {
            morph
                .analyse(word)
                .find(|&(_, f)| f == form)
                .map(|(lemma, _)| lemma.to_owned())
        };
        lemma_pairs.extend(swap_inflected(
            &spun_words,
            &original_words,
            form,
            verb_particles,
            lemma_of,
        ));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |pair: (String, String)| {
        if (pair.0 != spun || pair.1 != original) && !out.contains(&pair) {
            out.push(pair);
        }
    };
    for (s_lemma, o_lemma) in &lemma_pairs {
        push((s_lemma.clone(), o_lemma.clone()));
        let s_words: Vec<&str> = s_lemma.split(' ').collect();
        let o_words: Vec<&str> = o_lemma.split(' ').collect();
        for form in Form::ALL {
            let inflect = |word: &str| morph.attested(word, form).map(str::to_owned);
            if let Some(pair) = swap_inflected(&s_words, &o_words, form, verb_particles, inflect) {
                push(pair);
            }
        }
    }
    out
}

/// The pair `spun` <- `original` (as words) with the word that carries `form` on each side
/// replaced by `change` of it; `None` when `change` has no answer for a side, or a side cannot
/// take the form ([`Form::fits`]).
fn swap_inflected(
    spun: &[&str],
    original: &[&str],
    form: Form,
    verb_particles: &[&str],
    change: impl Fn(&str) -> Option<String>,
) -> Option<(String, String)> {
    if !form.fits(spun, verb_particles) || !form.fits(original, verb_particles) {
        return None;
    }
    let (s_at, o_at) = (form.carrier(spun.len()), form.carrier(original.len()));
    Some((
        with_word(spun, s_at, &change(spun[s_at])?),
        with_word(original, o_at, &change(original[o_at])?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(family: &str, rows: &[(&str, f32, f32, &str, f32)]) -> SpinnerTable {
        let mut t = SpinnerTable {
            family: family.into(),
            ..Default::default()
        };
        for &(spun, docs, kept, original, odocs) in rows {
            let e = t.entries.entry(spun.into()).or_insert(PhraseEntry {
                documents: docs,
                kept,
                originals: Vec::new(),
                attested: false,
            });
            e.originals.push(LearnedOriginal {
                original: original.into(),
                documents: odocs,
                share: odocs / docs,
            });
        }
        t
    }

    /// Written phrases and originals drawn from words the test morphology below inflects,
    /// a particle and a word it does not know, one to three words long.
    fn phrase() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let word = prop::sample::select(vec![
            "sell",
            "sold",
            "selling",
            "sells",
            "promote",
            "promoting",
            "promotes",
            "trader",
            "traders",
            "merchant",
            "merchants",
            "set",
            "sets",
            "off",
            "be",
            "is",
            "been",
            "xyz",
        ]);
        prop::collection::vec(word, 1..=3).prop_map(|w| w.join(" "))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever a table holds, its forms never outrank a pair it holds as written, never
        /// claim more than the largest ratio, and tell check nothing.
        #[test]
        fn the_forms_of_any_table_keep_the_index_invariants(
            rows in proptest::collection::vec(
                (phrase(), 0.0f32..20.0, 0.0f32..1.0, phrase(), 0.0f32..1.0, proptest::bool::ANY),
                0..12,
            ),
        ) {
            let morph = Morphology::parse(
                "promote,verb,promoted,promoted,promoting,promotes\n\
                 sell,verb,sold,sold,selling,sells\n\
                 merchant,noun,merchants\ntrader,noun,traders\n\
                 set,verb,set,set,setting,sets\nbe,verb,was,been,being,is\n",
                "",
            );
            let mut t = SpinnerTable::default();
            for (spun, docs, kept, original, share, attested) in rows {
                let e = t.entries.entry(spun).or_insert(PhraseEntry {
                    documents: docs,
                    kept,
                    originals: Vec::new(),
                    attested,
                });
                e.originals.push(LearnedOriginal { original, documents: docs * share, share });
            }
            let mut index = SpinnerIndex::default();
            index.add(&t);
            let probes: Vec<String> = t
                .entries
                .keys()
                .cloned()
                .chain(["sold", "sells", "merchant", "set off", "sets off", "is", "been"].map(String::from))
                .collect();
            let tells: Vec<(f32, f32, bool)> = probes
                .iter()
                .map(|p| (index.tell(p), index.tell_attested(p), index.replaces(p)))
                .collect();
            index.add_inflections(&t, &morph, &["off"]);
            for (p, before) in probes.iter().zip(&tells) {
                let after = (index.tell(p), index.tell_attested(p), index.replaces(p));
                proptest::prop_assert_eq!(&after, before, "{}", p);
                for c in index.learned(p) {
                    proptest::prop_assert!(c.log_ratio.is_finite() && c.log_ratio <= MAX_LEARNED_RATIO);
                }
            }
            for (spun, e) in &t.entries {
                if e.originals.iter().any(|o| o.share >= MIN_SHARE) {
                    proptest::prop_assert!(
                        index.learned(spun).iter().all(|c| !c.inflected),
                        "{} {:?}", spun, index.learned(spun)
                    );
                }
            }
        }
    }

    #[test]
    fn a_table_survives_its_file_and_a_flipped_byte_is_refused() {
        let t = table(
            "a",
            &[
                ("worth", 10.0, 0.2, "price", 8.0),
                ("stage", 4.0, 0.5, "level", 2.0),
            ],
        );
        let bytes = t.to_bytes().unwrap();
        let back = SpinnerTable::from_bytes(&bytes).unwrap();
        assert_eq!(back.family, "a");
        assert_eq!(back.entries["worth"].originals[0].original, "price");
        assert!((back.entries["worth"].originals[0].share - 0.8).abs() < 1e-3);
        for at in [0, 10, bytes.len() / 2, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x40;
            assert!(SpinnerTable::from_bytes(&bad).is_err(), "flip at {at}");
        }
    }

    #[test]
    fn merging_weighs_shares_by_documents() {
        let mut a = table("a", &[("worth", 10.0, 0.2, "price", 8.0)]);
        let b = table("b", &[("worth", 10.0, 0.6, "value", 4.0)]);
        a.merge(&b);
        let e = &a.entries["worth"];
        assert_eq!(e.documents, 20.0);
        assert!((e.kept - 0.4).abs() < 1e-6);
        assert_eq!(e.originals[0].original, "price");
        assert!((e.originals[0].share - 0.4).abs() < 1e-6);
        assert!((e.originals[1].share - 0.2).abs() < 1e-6);
    }

    #[test]
    fn held_phrases_round_trip_and_yield_to_pairs_when_tables_combine() {
        let mut t = table("a", &[("worth", 10.0, 0.1, "price", 0.8)]);
        t.held.insert("indicator".into());
        let back = SpinnerTable::from_bytes(&t.to_bytes().unwrap()).unwrap();
        assert_eq!(back, t);
        // Files from before held phrases (no section) hold none.
        let older = table("a", &[("worth", 10.0, 0.1, "price", 0.8)]);
        assert!(SpinnerTable::from_bytes(&older.to_bytes().unwrap())
            .unwrap()
            .held
            .is_empty());
        // Merging: pairs for a phrase outrank another table's holding it.
        let mut merged = t.clone();
        merged.merge(&table("b", &[("indicator", 4.0, 0.5, "gauge", 0.5)]));
        assert!(merged.held.is_empty() && merged.entries.contains_key("indicator"));
        // Overlaying: the table on top decides, but not over pairs people attested.
        let mut below = table("b", &[("indicator", 4.0, 0.5, "gauge", 0.5)]);
        below.overlay(&t);
        assert!(below.held.contains("indicator") && !below.entries.contains_key("indicator"));
        let mut attested = table("b", &[("indicator", 4.0, 0.5, "gauge", 0.5)]);
        attested.entries.get_mut("indicator").unwrap().attested = true;
        attested.overlay(&t);
        assert!(attested.held.is_empty() && attested.entries.contains_key("indicator"));
        let mut unheld = t.clone();
        unheld.overlay(&table("b", &[("indicator", 4.0, 0.5, "gauge", 0.5)]));
        assert!(unheld.held.is_empty());
        // The index holds it only while no table has an original for it.
        let mut index = SpinnerIndex::default();
        index.add(&t);
        assert!(index.holds("indicator") && !index.holds("worth"));
        // Nor does another pair's form that happens to be written like it.
        let morph = Morphology::parse("indicator,noun,indicators\nsignal,noun,signals\n", "");
        let plural = table("c", &[("indicators", 10.0, 0.1, "signals", 9.0)]);
        index.add(&plural);
        index.add_inflections(&plural, &morph, &[]);
        assert_eq!(index.learned("indicator")[0].original, "signal");
        assert!(index.holds("indicator"));
        // Its other forms are held too, but a pair as written outranks that.
        assert!(!index.holds("indicators"));
        let mut forms = SpinnerIndex::default();
        forms.add(&t);
        forms.add_inflections(&t, &morph, &[]);
        assert!(forms.holds("indicators"));
        index.add(&table("b", &[("indicator", 4.0, 0.5, "gauge", 0.5)]));
        assert!(!index.holds("indicator"));
    }

    #[test]
    fn the_index_caps_ratios_and_drops_rare_originals() {
        let t = table(
            "a",
            &[
                ("worth", 100.0, 0.0, "price", 99.0),
                ("worth", 100.0, 0.0, "use", 1.0),
            ],
        );
        let mut index = SpinnerIndex::default();
        index.add(&t);
        let learned = index.learned("worth");
        assert_eq!(learned.len(), 1);
        assert_eq!(learned[0].log_ratio, MAX_LEARNED_RATIO);
        assert!(index.learned("stage").is_empty());
    }

    #[test]
    fn a_pair_is_offered_in_the_other_forms_of_its_lemmas() {
        let morph = Morphology::parse(
            "promote,verb,promoted,promoted,promoting,promotes\n\
             sell,verb,sold,sold,selling,sells\n\
             merchant,noun,merchants\ntrader,noun,traders\n\
             set,verb,set,set,setting,sets\ntrigger,verb,triggered,triggered,triggering,triggers\n\
             have,verb,had,had,having,has\nbe,verb,was,been,being,is\n",
            "",
        );
        let t = table(
            "a",
            &[
                ("promoting", 10.0, 0.1, "selling", 9.0),
                ("merchants", 10.0, 0.1, "traders", 9.0),
                ("setting off", 10.0, 0.1, "triggering", 9.0),
                ("has been", 10.0, 0.1, "is", 9.0),
                // Seen as written: its own entry wins over the form of another pair.
                ("promoted", 10.0, 0.5, "advertised", 5.0),
            ],
        );
        let mut index = SpinnerIndex::default();
        index.add(&t);
        index.add_inflections(&t, &morph, &["off", "up"]);
        let originals = |spun: &str| -> Vec<(String, bool)> {
            index
                .learned(spun)
                .iter()
                .map(|c| (c.original.clone(), c.inflected))
                .collect()
        };
        assert_eq!(originals("promotes"), [("sells".to_owned(), true)]);
        assert_eq!(originals("promote"), [("sell".to_owned(), true)]);
        assert_eq!(originals("merchant"), [("trader".to_owned(), true)]);
        // "set" is its own past: both readings are offered, the language model chooses.
        assert!(originals("set off").contains(&("triggered".to_owned(), true)));
        assert!(originals("sets off").contains(&("triggers".to_owned(), true)));
        // A phrase whose second word is no particle takes no verb's form.
        assert!(originals("have been").is_empty() && originals("had been").is_empty());
        assert_eq!(originals("promoted"), [("advertised".to_owned(), false)]);
        assert_eq!(originals("promoting"), [("selling".to_owned(), false)]);
        // Forms tell check nothing, and longer forms are found by the window filters.
        assert_eq!(index.tell("promotes"), 0.0);
        assert!(index.may_start("sets", "off"));
        // The same ratio as the pair seen.
        let seen = index.learned("merchants")[0].log_ratio;
        assert_eq!(index.learned("merchant")[0].log_ratio, seen);
    }

    #[test]
    fn only_attested_pairs_say_which_words_the_spinner_surely_replaces() {
        let mut t = table(
            "a",
            &[
                ("worth", 10.0, 0.1, "price", 9.0),
                ("here", 10.0, 0.1, "now", 9.0),
            ],
        );
        t.entries.get_mut("worth").unwrap().attested = true;
        let mut index = SpinnerIndex::default();
        index.add(&t);
        // Both are strong enough to count against the family in check's calibrated feature;
        // only the attested one in the surer count restore weighs.
        assert!(index.replaces("price") && index.replaces("now"));
        assert!(index.replaces_attested("price"));
        assert!(!index.replaces_attested("now"));
    }
}

/// Longest phrase (in words, either side) a harvested pair may have: longer differences are
/// an editor's rewrites, not a spinner's table entries.
pub const MAX_HARVESTED_WORDS: usize = 4;

/// Pairs seen in copies aligned with their sources (a traced copy beside the source it
/// followed), gathered into a [`SpinnerTable`]: learning from pairs, where EM over spun text
/// alone ([`crate::learn`]) has to guess.
///
/// Per written phrase it counts its occurrences in the copies that show it spun at least once
/// and, per original, the occurrences and copies where it stood for that original; the rest of
/// its occurrences in those copies were the author's own words (the table's `kept`).
///
/// Words a copy inserted ("essentially" in "essentially the most") come as a
/// [`WidenedRun`](crate::fingerprint::WidenedRun): the run with the word on its right or on
/// its left. Each run is counted as the one of its two sides that more copies show (the right
/// one on a tie): a table that keys "the" -> "essentially the" shows it in every copy, while
/// the word before the run varies.
///
/// The words a copy wrote as its source did ([`PairHarvest::add_kept`]) say what the table
/// leaves alone: those never written for another word are held as written.
///
/// Memory grows with the distinct phrases, runs and words, not with the copies.
#[derive(Clone, Debug, Default)]
pub struct PairHarvest {
    phrases: BTreeMap<String, HarvestedPhrase>,
    /// Per widened run, `[right, left]` each `(original, written)`.
    widened: BTreeMap<[(String, String); 2], WidenedTally>,
    /// Words some copy wrote where its source had them too (normalised).
    kept: BTreeSet<String>,
    copies: usize,
}

#[derive(Clone, Debug, Default)]
struct HarvestedPhrase {
    documents: u32,
    occurrences: u32,
    /// Per original: (copies, occurrences).
    originals: BTreeMap<String, (u32, u32)>,
}

/// What the copies showed of one widened run.
#[derive(Clone, Copy, Debug, Default)]
struct WidenedTally {
    /// Copies that showed it.
    copies: u32,
    /// Its occurrences in them.
    spun: u32,
    /// Occurrences of each side's written phrase in those copies, `[right, left]`.
    written: [u32; 2],
}

/// What [`PairHarvest::add_aligned`] made of one copy beside its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlignedCopy {
    /// The copy shares no passage with the source: probably not its copy.
    NoPassage,
    /// The shared passages are word for word the source's (or differ only in runs too long
    /// for a table entry): nothing a spinner swapped.
    Unchanged,
    /// The copy's swaps were harvested.
    Harvested {
        /// Differing pairs and widened runs found in the shared passages.
        swapped: usize,
    },
}

/// Whether a harvested pair is short enough to be a spinner's table entry.
fn harvestable((original, written): &(String, String)) -> bool {
    let long = |p: &str| p.split(' ').count() > MAX_HARVESTED_WORDS;
    !original.is_empty() && !written.is_empty() && !long(original) && !long(written)
}

impl HarvestedPhrase {
    /// Counts `copies` copies in which the phrase stood for `originals` (occurrences each, in
    /// all of them) and was written `written` times in all.
    fn add_copies<'a>(
        &mut self,
        copies: u32,
        originals: impl IntoIterator<Item = (&'a str, u32)>,
        written: u32,
    ) {
        let mut spun = 0;
        for (original, n) in originals {
            let slot = self.originals.entry(original.to_owned()).or_default();
            slot.0 += copies;
            slot.1 += n;
            spun += n;
        }
        self.documents += copies;
        // At least the spun occurrences, even if tokenisation counted fewer.
        self.occurrences += written.max(spun);
    }
}

impl PairHarvest {
    /// Adds one copy's pairs, `(original, written)` (lowercase, single spaces), with the
    /// copy's normalised words (`words`, to count every occurrence of a written phrase).
    /// Pairs longer than [`MAX_HARVESTED_WORDS`] on either side are left out.
    pub fn add_copy(&mut self, pairs: &[(String, String)], words: &[&str]) {
        self.add_copy_widened(pairs, &[], words);
    }

    /// [`PairHarvest::add_copy`] with the copy's runs that one side left empty
    /// ([`crate::fingerprint::widened_runs`]; each side `(source, copy)`, the original first,
    /// as in `pairs`).
    pub fn add_copy_widened(
        &mut self,
        pairs: &[(String, String)],
        widened: &[crate::fingerprint::WidenedRun],
        words: &[&str],
    ) {
        let mut seen: BTreeMap<&str, BTreeMap<&str, u32>> = BTreeMap::new();
        for (original, written) in pairs.iter().filter(|p| harvestable(p)) {
            *seen
                .entry(written)
                .or_default()
                .entry(original)
                .or_default() += 1;
        }
        let mut runs: BTreeMap<[&(String, String); 2], u32> = BTreeMap::new();
        for w in widened {
            if harvestable(&w.right) && harvestable(&w.left) {
                *runs.entry([&w.right, &w.left]).or_default() += 1;
            }
        }
        if seen.is_empty() && runs.is_empty() {
            return;
        }
        self.copies += 1;
        for (written, originals) in seen {
            self.phrases
                .entry(written.to_owned())
                .or_default()
                .add_copies(1, originals, occurrences(words, written));
        }
        for ([right, left], n) in runs {
            let tally = self
                .widened
                .entry([right.clone(), left.clone()])
                .or_default();
            tally.copies += 1;
            tally.spun += n;
            tally.written[0] += occurrences(words, &right.1);
            tally.written[1] += occurrences(words, &left.1);
        }
    }

    /// Aligns a spun copy with its source (both as written) and adds what the copy shows:
    /// the pairs it swapped, the runs it widened ([`PairHarvest::add_copy_widened`]) and the
    /// words it wrote as the source did ([`PairHarvest::add_kept`]). A copy that shares no
    /// passage with the source, or changed none of the words it shares, adds nothing: it is
    /// not the source's spun copy, and words a copy that never went through the spinner kept
    /// say nothing of the spinner's table.
    pub fn add_aligned(&mut self, copy: &str, source: &str) -> AlignedCopy {
        use crate::fingerprint;
        let (copy_words, source_words) = (fingerprint::words(copy), fingerprint::words(source));
        let passages = fingerprint::align(&copy_words, &source_words);
        if passages.is_empty() {
            return AlignedCopy::NoPassage;
        }
        let pairs = fingerprint::differing_pairs(&copy_words, &source_words, &passages);
        let widened = fingerprint::widened_runs(&copy_words, &source_words, &passages);
        let norms: Vec<&str> = copy_words.iter().map(|w| w.norm.as_str()).collect();
        let before = self.copies;
        self.add_copy_widened(&pairs, &widened, &norms);
        if self.copies == before {
            return AlignedCopy::Unchanged;
        }
        let kept = fingerprint::kept_words(&copy_words, &source_words, &passages);
        self.add_kept(kept.into_iter().map(|i| norms[i]));
        AlignedCopy::Harvested {
            swapped: pairs.len() + widened.len(),
        }
    }

    /// Copies that gave at least one pair.
    pub fn copies(&self) -> usize {
        self.copies
    }

    /// The table: every pair seen in at least `min_documents` copies, its share the share of
    /// the written phrase's occurrences that stood for it; the kept words that no copy wrote
    /// for another held as written.
    pub fn into_table(self, family: &str, min_documents: u32) -> SpinnerTable {
        let PairHarvest {
            mut phrases,
            widened,
            kept,
            ..
        } = self;
        // Copies showing each pair, as a substitution or as either side of a widened run (a
        // copy that shows it both ways counts twice: a tie-break, not a table figure).
        let mut support: BTreeMap<(String, String), u32> = BTreeMap::new();
        for (written, p) in &phrases {
            for (original, (docs, _)) in &p.originals {
                *support
                    .entry((original.clone(), written.clone()))
                    .or_default() += docs;
            }
        }
        for (sides, tally) in &widened {
            for side in sides {
                *support.entry(side.clone()).or_default() += tally.copies;
            }
        }
        let support_of = |p: &(String, String)| support.get(p).copied().unwrap_or(0);
        for ([right, left], tally) in widened {
            let (side, written) = if support_of(&left) > support_of(&right) {
                (left, tally.written[1])
            } else {
                (right, tally.written[0])
            };
            let (original, phrase) = side;
            // All of the run's copies at once: the sums of what each would add (each copy
            // writes the phrase at least as often as it showed it spun).
            phrases.entry(phrase).or_default().add_copies(
                tally.copies,
                [(original.as_str(), tally.spun)],
                written,
            );
        }
        let mut table = SpinnerTable {
            family: family.to_owned(),
            ..Default::default()
        };
        let written_spun: BTreeSet<String> = phrases.keys().cloned().collect();
        for (written, p) in phrases {
            let total = p.occurrences.max(1) as f32;
            let mut originals: Vec<LearnedOriginal> = p
                .originals
                .iter()
                .filter(|(_, (docs, _))| *docs >= min_documents)
                .map(|(original, (docs, n))| LearnedOriginal {
                    original: original.clone(),
                    documents: *docs as f32,
                    share: (*n as f32 / total).min(1.0),
                })
                .collect();
            if originals.is_empty() {
                continue;
            }
            originals.sort_by(|a, b| b.documents.total_cmp(&a.documents));
            let spun: u32 = p.originals.values().map(|(_, n)| n).sum();
            table.entries.insert(
                written,
                PhraseEntry {
                    documents: p.documents as f32,
                    kept: (1.0 - spun as f32 / total).max(0.0),
                    originals,
                    attested: false,
                },
            );
        }
        // A word the copies wrote as their sources did, and never for another word, is the
        // author's wherever a copy writes it: the spinner's table has no entry that writes it
        // (or the copies would show one), so restore leaves it, which the generic thesaurus
        // would not. Once is enough: on the simulator's development half, holding words kept
        // once put back more than holding those kept twice (BENCHMARKS.md, session 40).
        table.held = kept
            .into_iter()
            .filter(|w| !written_spun.contains(w))
            .collect();
        table
    }

    /// Adds the words a copy wrote as its source did (normalised; see
    /// [`crate::fingerprint::kept_words`]): what [`PairHarvest::into_table`] holds as written
    /// unless some copy wrote the word for another.
    pub fn add_kept<'a>(&mut self, words: impl IntoIterator<Item = &'a str>) {
        for w in words {
            if !self.kept.contains(w) {
                self.kept.insert(w.to_owned());
            }
        }
    }
}

/// Occurrences of the phrase `phrase` (words separated by single spaces) in `words`.
fn occurrences(words: &[&str], phrase: &str) -> u32 {
    let parts: Vec<&str> = phrase.split(' ').collect();
    if parts.is_empty() || words.len() < parts.len() {
        return 0;
    }
    words
        .windows(parts.len())
        .filter(|w| *w == parts.as_slice())
        .count() as u32
}

/// How [`AttestedPairs`] breaks an attested pair into table entries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AttestedSplit {
    /// Also enter the pair with the words both sides share at its ends cut ("coinbase premium
    /// hole" <- "coinbase premium gap" also teaches "hole" <- "gap").
    pub trim_shared: bool,
    /// When the cut pair has as many words on each side, also enter each differing word alone
    /// ("easy shifting common" <- "simple moving average" also teaches "easy" <- "simple").
    pub word_by_word: bool,
    /// Pseudo-documents of the kept-share prior (see [`AttestedPairs`]).
    pub prior_documents: f32,
}

/// Default of [`AttestedSplit::prior_documents`]: chosen on the wild-train folds (see
/// BENCHMARKS.md, attested pairs), between 0.25 (more put back, more changes) and 1 (clean
/// text's changes as without attested pairs).
pub const ATTESTED_PRIOR_DOCUMENTS: f32 = 0.5;

impl Default for AttestedSplit {
    fn default() -> Self {
        AttestedSplit {
            trim_shared: true,
            word_by_word: true,
            prior_documents: ATTESTED_PRIOR_DOCUMENTS,
        }
    }
}

/// Pairs a person attested by reading spun documents (`spun<-original`, a few per document,
/// e.g. an analyst's notes or a dataset's evidence column), gathered into a [`SpinnerTable`].
///
/// An attestation says the spinner rewrote `original` as `spun` in that document; a deployed
/// spinner's table is fixed, so the documents attesting a written phrase are documents where
/// it was rewritten. Its `kept` share starts at one half (no idea) held by
/// [`AttestedSplit::prior_documents`] pseudo-documents and falls with each attesting
/// document: `kept = 0.5 a / (a + n)`. A pair attested once is a hint; one attested in ten
/// documents is the spinner's habit. Per written phrase, `documents` is `n` and each
/// original's share the share of those documents that named it. [`SpinnerTable::overlay`]
/// puts these entries over an EM table's.
#[derive(Clone, Debug, Default)]
pub struct AttestedPairs {
    /// Per written phrase, per original: documents attesting the pair.
    phrases: BTreeMap<String, BTreeMap<String, u32>>,
    /// Per written phrase: documents attesting it with any original.
    documents: BTreeMap<String, u32>,
    split: AttestedSplit,
}

/// Unigram natural-log probability at and above which [`AttestedPairs::add_document_with`]'s
/// callers call a word very common: in the default model's trigram, the prepositions and
/// pronouns ("on" -5.1, "as" -5.5, "from" -5.8, "by" -6.2) are above it and content words ("new"
/// and "year" -6.8, "price" -8.8) below. Set by reading those unigrams, not by a measurement.
pub const SPLIT_COMMON_LOGPROB: f32 = -6.5;

/// Words a side of an attested pair may have ([`parse_attested_pair`]). Longer than an entry
/// of a table ([`MAX_HARVESTED_WORDS`]): a reader notes a phrase in its context ("merchandise
/// are topic to the securities legal guidelines"), and [`AttestedPairs`] cuts it into entries
/// at the words both sides share. Longer notes are sentences, not pairs.
pub const MAX_ATTESTED_WORDS: usize = 12;

/// One `spun<-original` attestation, lowercase with single spaces, or `None` when it is not a
/// plain pair of phrases (alternatives such as `price/value`, notes in brackets, spintax,
/// identical sides or sides longer than [`MAX_ATTESTED_WORDS`]).
pub fn parse_attested_pair(text: &str) -> Option<(String, String)> {
    let (spun, original) = text.split_once("<-")?;
    let norm = |s: &str| -> Option<String> {
        if s.contains(['/', '(', ')', '{', '}', '[', ']', '|', '"']) {
            return None;
        }
        let words: Vec<String> = s.split_whitespace().map(str::to_lowercase).collect();
        (!words.is_empty() && words.len() <= MAX_ATTESTED_WORDS).then(|| words.join(" "))
    };
    let (spun, original) = (norm(spun)?, norm(original)?);
    (spun != original).then_some((spun, original))
}

/// One document's attested pairs from a line of notes, `spun<-original` pairs separated by `;`
/// (wild-train's evidence column, `unspin learn --attested`), each as [`parse_attested_pair`]
/// gives it; what is not a plain pair is left out.
pub fn parse_attested_line(line: &str) -> Vec<(String, String)> {
    line.split(';').filter_map(parse_attested_pair).collect()
}

impl AttestedPairs {
    /// An empty collection that splits pairs as `split` says.
    pub fn new(split: AttestedSplit) -> Self {
        AttestedPairs {
            split,
            ..Default::default()
        }
    }

    /// Adds one document's attested pairs, `(spun, original)` as [`parse_attested_pair`]
    /// gives them; a pair named twice in one document counts once.
    pub fn add_document(&mut self, pairs: &[(String, String)]) {
        self.add_document_with(pairs, |_| false);
    }

    /// [`AttestedPairs::add_document`], where the word-by-word split leaves out a pair of two
    /// words that `common` says are very common ([`crate::Model::is_common`] at
    /// [`SPLIT_COMMON_LOGPROB`]): "based on" <- "according to" and "equivalent to" <- "such
    /// as" are the spinner's idioms, but "on" <- "to" and "to" <- "as" are no pairs of its
    /// table, and in every text they would be noise. In a piece of three words or more with no
    /// word in the same place on both sides, a pair with one very common word is left out too:
    /// "prior to now" <- "in the past" gives no "prior" <- "in", since idioms as long as each
    /// other need not match word for word, while "officers stated" <- "officials said" still
    /// gives "stated" <- "said" and "danger of extra" <- "risk of more" "extra" <- "more".
    ///
    /// With [`AttestedSplit::word_by_word`], a pair is also cut at the words both sides share
    /// that are not very common ("lengthy-time period holder provide" <- "long-term holder
    /// supply" teaches "lengthy-time period" <- "long-term" and "provide" <- "supply"), and each
    /// piece is entered as a pair of its own. Shared common words ("the", "of") are no place to
    /// cut: "in the intervening time" <- "at the moment" is one idiom, not two pairs. Only
    /// pieces of at most [`MAX_HARVESTED_WORDS`] a side become entries.
    pub fn add_document_with(&mut self, pairs: &[(String, String)], common: impl Fn(&str) -> bool) {
        let mut seen: std::collections::BTreeSet<(String, String)> = Default::default();
        let mut enter = |s: &str, o: &str| {
            let fits = |p: &str| p.split(' ').count() <= MAX_HARVESTED_WORDS;
            if !s.is_empty() && !o.is_empty() && s != o && fits(s) && fits(o) {
                seen.insert((s.to_owned(), o.to_owned()));
            }
        };
        for (spun, original) in pairs {
            enter(spun, original);
            let (s, o) = trim_shared(spun, original);
            if !self.split.trim_shared || s.is_empty() || o.is_empty() {
                continue;
            }
            enter(s, o);
            if !self.split.word_by_word {
                continue;
            }
            let (sw, ow): (Vec<&str>, Vec<&str>) = (s.split(' ').collect(), o.split(' ').collect());
            let mut pieces = pieces_between_shared(&sw, &ow, |w| !common(w));
            pieces.push((sw, ow));
            for (sw, ow) in pieces {
                let (s, o) = (sw.join(" "), ow.join(" "));
                let (s, o) = trim_shared(&s, &o);
                enter(s, o);
                let (sw, ow): (Vec<&str>, Vec<&str>) =
                    (s.split(' ').collect(), o.split(' ').collect());
                if sw.len() == ow.len() && sw.len() > 1 {
                    // Two words a side match word for word ("officers stated" <- "officials
                    // said"), and so do longer pieces with a word in the same place on both
                    // sides ("danger of extra" <- "risk of more"); other idioms need not ("prior
                    // to now" <- "in the past"), and a very common word is where they do not.
                    let word_for_word = sw.len() == 2 || sw.iter().zip(&ow).any(|(a, b)| a == b);
                    let apart = |a: &str, b: &str| {
                        if word_for_word {
                            !(common(a) && common(b))
                        } else {
                            !(common(a) || common(b))
                        }
                    };
                    for (a, b) in sw.iter().zip(&ow).filter(|(a, b)| apart(a, b)) {
                        enter(a, b);
                    }
                }
            }
        }
        let mut written: std::collections::BTreeSet<&str> = Default::default();
        for (spun, original) in &seen {
            *self
                .phrases
                .entry(spun.clone())
                .or_default()
                .entry(original.clone())
                .or_default() += 1;
            written.insert(spun);
        }
        for spun in written {
            *self.documents.entry(spun.to_owned()).or_default() += 1;
        }
    }

    /// The table of `family`: every attested pair, as described on [`AttestedPairs`].
    pub fn into_table(self, family: &str) -> SpinnerTable {
        let mut table = SpinnerTable {
            family: family.to_owned(),
            ..Default::default()
        };
        let a = self.split.prior_documents.max(0.0);
        for (spun, originals) in self.phrases {
            let documents = self.documents.get(&spun).copied().unwrap_or(1).max(1) as f32;
            let mut originals: Vec<LearnedOriginal> = originals
                .into_iter()
                .map(|(original, n)| LearnedOriginal {
                    original,
                    documents: n as f32,
                    share: (n as f32 / documents).min(1.0),
                })
                .collect();
            originals.sort_by(|a, b| b.documents.total_cmp(&a.documents));
            table.entries.insert(
                spun,
                PhraseEntry {
                    documents,
                    kept: 0.5 * a / (a + documents),
                    originals,
                    attested: true,
                },
            );
        }
        table
    }
}

/// The pieces of a pair between the words both sides share, in order: the two word lists
/// aligned by their longest common subsequence, cut at each aligned word that `anchor`
/// accepts, the pieces where both sides have words kept (a piece with one side empty is an
/// insertion, which says nothing on its own). Empty when no aligned word is an anchor.
fn pieces_between_shared<'a>(
    spun: &[&'a str],
    original: &[&'a str],
    anchor: impl Fn(&str) -> bool,
) -> Vec<(Vec<&'a str>, Vec<&'a str>)> {
    let (mut pieces, mut from) = (Vec::new(), (0, 0));
    for (i, j) in crate::text::aligned_words(spun, original) {
        if anchor(spun[i]) {
            pieces.push((spun[from.0..i].to_vec(), original[from.1..j].to_vec()));
            from = (i + 1, j + 1);
        }
    }
    if pieces.is_empty() {
        return pieces;
    }
    pieces.push((spun[from.0..].to_vec(), original[from.1..].to_vec()));
    pieces.retain(|(s, o)| !s.is_empty() && !o.is_empty());
    pieces
}

/// `spun` and `original` with the words they share at both ends cut (lowercase phrases with
/// single spaces in, slices of them out; either may come out empty).
pub fn trim_shared<'a>(spun: &'a str, original: &'a str) -> (&'a str, &'a str) {
    let s: Vec<&str> = spun.split(' ').collect();
    let o: Vec<&str> = original.split(' ').collect();
    let lead = s.iter().zip(&o).take_while(|(a, b)| a == b).count();
    let trail = s[lead..]
        .iter()
        .rev()
        .zip(o[lead..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let slice = |text: &'a str, words: &[&str], from: usize, to: usize| -> &'a str {
        if from >= to {
            return "";
        }
        // Byte offsets of words `from..to` in `text` (single spaces between words).
        let start: usize = words[..from].iter().map(|w| w.len() + 1).sum();
        let end: usize = start + words[from..to].iter().map(|w| w.len() + 1).sum::<usize>() - 1;
        &text[start..end]
    };
    (
        slice(spun, &s, lead, s.len() - trail),
        slice(original, &o, lead, o.len() - trail),
    )
}
