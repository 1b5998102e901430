//! Candidate lists of the thesaurus channel, computed when the program's model image is
//! prepared instead of the first time a process meets each word or phrase.
//!
//! Finding a word's candidates walks its synonyms and its lemma's (re-inflecting each, looking
//! each up in the language model, ranking hundreds to keep 24): about 0.1 ms a word, and a
//! process meets thousands of distinct words before its cache helps. That was half of
//! `check`'s time on a few hundred articles and nearly all of it on one file per process. The
//! lists depend only on the model and on the weights they were ranked with, so they are
//! stored in the prepared image (`cand.*` sections, like the other derived data) with a key of
//! those weights; an engine with other weights (`--set`) finds its key different and computes
//! lists as before. Of multi-word windows only those whose list the candidate limit cuts are
//! stored ("taken up", "passed over": hundreds of re-inflected originals each, a tenth of a
//! millisecond or more); the others are cheap to compute. Other channels are always computed
//! (they depend on loaded spinner tables).

use crate::candidates::Candidate;
use crate::container::{Array, ModelError, SectionWriter, Sections, StringTable};
use crate::lexicon::Lexicon;
use crate::lm::WordId;
use crate::weights::Weights;

/// Marks a candidate without a lexicon phrase, and an unknown LM token.
const NONE: u32 = u32::MAX;
const INFLECTED: u8 = 1;
const MUTUAL: u8 = 2;

/// The lists, read in place from a prepared image.
pub struct PrecomputedCandidates {
    /// [`PrecomputedCandidates::weights_key`] of the weights the lists were ranked with.
    key: u64,
    /// Word or phrase -> its number.
    words: fst::Map<Array<u8>>,
    /// Word `i`'s candidates are `starts[i]..starts[i + 1]`.
    starts: Array<u32>,
    texts: StringTable,
    phrase: Array<u32>,
    log_selection: Array<f32>,
    sources: Array<u8>,
    flags: Array<u8>,
    /// Candidate `c`'s LM tokens are `lm_ids[lm_starts[c]..lm_starts[c + 1]]` (empty, like
    /// its text, for a lexicon phrase, whose own are the lexicon's).
    lm_starts: Array<u32>,
    lm_ids: Array<u32>,
}

/// What [`PrecomputedCandidates::build`] collects, as plain vectors.
#[derive(Default)]
struct Parts {
    words: Vec<(String, u64)>,
    starts: Vec<u32>,
    text: Vec<u8>,
    text_ends: Vec<u32>,
    phrase: Vec<u32>,
    log_selection: Vec<f32>,
    sources: Vec<u8>,
    flags: Vec<u8>,
    lm_starts: Vec<u32>,
    lm_ids: Vec<u32>,
}

impl PrecomputedCandidates {
    /// A key of everything in `weights` that ranks and cuts a channel's candidates: the
    /// restore parameters (channel scores) and the candidate limit.
    pub fn weights_key(weights: &Weights) -> u64 {
        // The decoder's settings (its beam, the first pass's width) do not rank candidates: a
        // run that sets them keeps the lists.
        let ranking = crate::weights::Params {
            beam: 0,
            first_pass_width: 0.0,
            ..weights.restore.clone()
        };
        let bytes =
            serde_json::to_vec(&(&ranking, weights.candidate_limit)).expect("weights serialise");
        xxhash_rust::xxh3::xxh3_64(&bytes)
    }

    /// Whether the lists were ranked with `weights`.
    pub fn ranked_with(&self, weights: &Weights) -> bool {
        self.key == Self::weights_key(weights)
    }

    /// Computes the lists of `words` (words and phrases), with `list(word)`: the thesaurus
    /// channel's candidates of that span as [`crate::document::phrase_candidates`] ranks them
    /// under `weights`, or none to store none. Runs on every core (rayon).
    pub fn build(
        words: &[&str],
        weights: &Weights,
        list: impl Fn(&str) -> Vec<Candidate> + Sync,
    ) -> PrecomputedCandidates {
        use rayon::prelude::*;
        let mut found: Vec<(&str, Vec<Candidate>)> = words
            .par_iter()
            .map(|w| (*w, list(w)))
            .filter(|(_, c)| !c.is_empty())
            .collect();
        // The fst wants its keys in order and once each.
        found.sort_by(|a, b| a.0.cmp(b.0));
        found.dedup_by(|a, b| a.0 == b.0);
        let mut p = Parts {
            starts: vec![0],
            lm_starts: vec![0],
            ..Parts::default()
        };
        for (n, (word, candidates)) in found.into_iter().enumerate() {
            p.words.push((word.to_owned(), n as u64));
            for c in candidates {
                debug_assert!(c.learned.is_none(), "the thesaurus channel learns nothing");
                // A lexicon phrase's text and LM tokens are the lexicon's: stored only for a
                // re-inflected form, which the lexicon does not hold.
                if c.phrase.is_none() {
                    p.text.extend_from_slice(c.text.as_bytes());
                    p.lm_ids.extend(c.lm.iter().map(|t| t.unwrap_or(NONE)));
                }
                p.text_ends.push(p.text.len() as u32);
                p.text.push(b'\n');
                p.lm_starts.push(p.lm_ids.len() as u32);
                p.phrase.push(c.phrase.unwrap_or(NONE));
                p.log_selection.push(c.log_selection);
                p.sources.push(c.sources);
                p.flags
                    .push((u8::from(c.inflected) * INFLECTED) | (u8::from(c.mutual) * MUTUAL));
            }
            p.starts.push(p.phrase.len() as u32);
        }
        let map = fst::Map::from_iter(p.words).expect("sorted, distinct words");
        PrecomputedCandidates {
            key: Self::weights_key(weights),
            words: fst::Map::new(Array::from(map.into_fst().into_inner()))
                .expect("an fst just built"),
            starts: p.starts.into(),
            texts: StringTable::from_parts(p.text, p.text_ends),
            phrase: p.phrase.into(),
            log_selection: p.log_selection.into(),
            sources: p.sources.into(),
            flags: p.flags.into(),
            lm_starts: p.lm_starts.into(),
            lm_ids: p.lm_ids.into(),
        }
    }

    /// Writes the lists as `cand.*` sections of a prepared image.
    pub fn write(&self, w: &mut SectionWriter) {
        w.u64s("cand.weights_key", &[self.key]);
        w.bytes("cand.words_fst", self.words.as_fst().as_bytes());
        w.u32s("cand.starts", &self.starts);
        self.texts.write(w, "cand.texts", "cand.text_ends");
        w.u32s("cand.phrase", &self.phrase);
        w.f32s("cand.log_selection", &self.log_selection);
        w.bytes("cand.sources", &self.sources);
        w.bytes("cand.flags", &self.flags);
        w.u32s("cand.lm_starts", &self.lm_starts);
        w.u32s("cand.lm_ids", &self.lm_ids);
    }

    /// The lists of a prepared image; `None` from any other file (derived data is read only
    /// from the program's own image: see [`Sections::prepared`]).
    pub fn from_sections(s: &Sections) -> Result<Option<Self>, ModelError> {
        if s.prepared("cand.words_fst").is_none() {
            return Ok(None);
        }
        let key: Array<u64> = s.array("cand.weights_key")?;
        let corrupt = |what: &str| ModelError::Corrupt(format!("candidate lists: {what}"));
        Ok(Some(PrecomputedCandidates {
            key: *key.first().ok_or_else(|| corrupt("no weights key"))?,
            words: fst::Map::new(s.array("cand.words_fst")?)
                .map_err(|e| corrupt(&e.to_string()))?,
            starts: s.array("cand.starts")?,
            texts: StringTable::from_sections(
                s,
                "cand.texts",
                "cand.text_ends",
                crate::container::Delimited::Terminated,
            )?,
            phrase: s.array("cand.phrase")?,
            log_selection: s.array("cand.log_selection")?,
            sources: s.array("cand.sources")?,
            flags: s.array("cand.flags")?,
            lm_starts: s.array("cand.lm_starts")?,
            lm_ids: s.array("cand.lm_ids")?,
        }))
    }

    /// Number of words and phrases with a list.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Whether no word or phrase has a list.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The thesaurus channel's candidates of the span `word` (a word, or a phrase of words
    /// joined by single spaces), as channel number `channel`, if it has a list (one without
    /// has no candidate or was not stored: the caller computes). `lexicon` is the model's,
    /// which holds the text and LM tokens of every candidate that is one of its phrases.
    pub fn get(&self, word: &str, channel: u8, lexicon: &Lexicon) -> Option<Vec<Candidate>> {
        let n = self.words.get(word)? as usize;
        let (lo, hi) = (self.starts[n] as usize, self.starts[n + 1] as usize);
        Some(
            (lo..hi)
                .map(|c| {
                    let phrase = (self.phrase[c] != NONE).then_some(self.phrase[c]);
                    let (text, lm) = match phrase {
                        Some(id) => (lexicon.phrase(id).into(), lexicon.lm_tokens(id).collect()),
                        None => {
                            let (a, b) =
                                (self.lm_starts[c] as usize, self.lm_starts[c + 1] as usize);
                            let lm = self.lm_ids[a..b]
                                .iter()
                                .map(|&t| (t != NONE).then_some(t as WordId))
                                .collect();
                            (self.texts.get(c).into(), lm)
                        }
                    };
                    Candidate {
                        text,
                        lm,
                        phrase,
                        channel,
                        sources: self.sources[c],
                        log_selection: self.log_selection[c],
                        inflected: self.flags[c] & INFLECTED != 0,
                        mutual: self.flags[c] & MUTUAL != 0,
                        learned: None,
                    }
                })
                .collect(),
        )
    }
}
