//! The synonym lexicon read in reverse: for a phrase seen in a spun text, the phrases a spinner
//! could have replaced with it.
//!
//! Spinners map an original phrase `o` to a member of `o`'s synonym group. The model therefore
//! stores, for each phrase `s`, the originals `o` whose group contains `s` (the reverse edges),
//! with the sources that attest the edge, and for each original the size of its group (its
//! fan-out), which is what the channel model charges for the spinner's choice of `s`.

use crate::container::ModelError;
use crate::container::{SectionWriter, Sections};
use crate::language::Language;
use crate::lm::{lm_words, LanguageModel, WordId, OOV_LOGPROB};
use crate::morph::Morphology;

/// Identifier of a phrase in the lexicon.
pub type PhraseId = u32;

/// Bit flags naming the sources that attest a synonym edge.
pub mod source {
    /// Moby thesaurus (crate `thesaurus-moby`).
    pub const MOBY: u8 = 1;
    /// WordNet 3.0 synsets (Debian `wordnet-base`).
    pub const WORDNET: u8 = 2;
    /// Closed-class rewrites written for unspin: contractions (spintax leftovers are handled
    /// by restore itself, and numbers are never in a span).
    pub const FUNCTION: u8 = 4;
    /// Function-word and phrasal paraphrases written for unspin ("during" / "throughout",
    /// "ago" / "in the past", "come" / "get here"): a small, closed table, so an edge here is
    /// judged by its own cost rather than by a thesaurus group's fan-out.
    pub const PARAPHRASE: u8 = 8;
    /// A learned spinner table ([`crate::spinner`]): the pair was seen in the spinner's output.
    pub const LEARNED: u8 = 16;
}

/// Everything needed to write a lexicon, as plain arrays.
#[derive(Default)]
pub struct LexiconParts {
    /// Phrases (lowercase, single spaces), sorted; a phrase's id is its index.
    pub phrases: Vec<String>,
    /// `rev_start[s]..rev_start[s + 1]` indexes the originals of phrase `s`.
    pub rev_start: Vec<u32>,
    /// Original phrase of each reverse edge.
    pub rev_target: Vec<u32>,
    /// Sources of each reverse edge (see [`source`]).
    pub rev_source: Vec<u8>,
    /// Size of each phrase's synonym group when it is the original.
    pub fanout: Vec<u16>,
    /// Inflection table lines: `lemma,pos,form,form...` (lemminflect layout).
    pub inflections: String,
    /// Irregular form lines: `form lemma pos` (WordNet `*.exc`).
    pub exceptions: String,
}

impl LexiconParts {
    /// Writes the parts as `lex.*` sections.
    pub fn write(&self, w: &mut SectionWriter) {
        w.bytes("lex.phrases", self.phrases.join("\n").as_bytes());
        w.u32s("lex.rev_start", &self.rev_start);
        w.u32s("lex.rev_target", &self.rev_target);
        w.bytes("lex.rev_source", &self.rev_source);
        w.u16s("lex.fanout", &self.fanout);
        w.bytes("lex.inflections", self.inflections.as_bytes());
        w.bytes("lex.exceptions", self.exceptions.as_bytes());
    }
}

/// One reverse synonym edge: `original` may have been spun into the phrase looked up.
#[derive(Clone, Copy, Debug)]
pub struct Edge {
    /// The original phrase.
    pub original: PhraseId,
    /// Sources attesting the edge.
    pub sources: u8,
}

/// The reverse synonym lexicon plus the morphology used to re-inflect candidates.
pub struct Lexicon {
    index: fst::Map<Vec<u8>>,
    phrases: Vec<String>,
    rev_start: Vec<u32>,
    rev_target: Vec<u32>,
    rev_source: Vec<u8>,
    fanout: Vec<u16>,
    /// Per original: ln of the summed selection weights (`exp(SELECTION_SHARPNESS x unigram)`)
    /// of the phrases in its group; empty until [`Lexicon::attach_lm`] runs.
    log_norm: Vec<f32>,
    /// Language-model tokens of every phrase, flattened: phrase `p`'s are
    /// `lm_tokens[lm_start[p]..lm_start[p + 1]]`. Filled by [`Lexicon::attach_lm`].
    lm_start: Vec<u32>,
    lm_tokens: Vec<Option<WordId>>,
    /// Unigram log-probability of every phrase (sum over its tokens).
    unigram: Vec<f32>,
    /// Morphology for lemmatising spun words and re-inflecting originals.
    pub morph: Morphology,
}

/// How strongly a spinner prefers common replacements: the chance that original `o` becomes
/// `s` is taken as `freq(s)^SELECTION_SHARPNESS`, normalised over `o`'s group. At 0 every
/// member is equally likely (the raw fan-out); deployed spinners' tables are written for
/// readers, so they rarely pick an obscure member, and a positive value says so. Measured on the
/// development split (0.25, 0.5, 1.0, each with re-tuned channel weights), a positive value
/// traded false alarms for recall with no net gain, so the default stays at 0 until a better
/// frequency source than the LM's unigrams is in the model.
pub const SELECTION_SHARPNESS: f32 = 0.0;

fn corrupt(what: &str) -> ModelError {
    ModelError::Corrupt(format!("lexicon: {what}"))
}

impl Lexicon {
    /// Reads the `lex.*` sections and checks them for consistency.
    pub fn from_sections(s: &Sections) -> Result<Self, ModelError> {
        let text = std::str::from_utf8(s.bytes("lex.phrases")?)
            .map_err(|_| corrupt("phrases are not UTF-8"))?;
        let phrases: Vec<String> = text.split('\n').map(str::to_owned).collect();
        let index = fst::Map::from_iter(
            phrases
                .iter()
                .enumerate()
                .map(|(i, p)| (p.as_str(), i as u64)),
        )
        .map_err(|e| corrupt(&format!("phrases not sorted and unique: {e}")))?;
        let rev_start = s.u32s("lex.rev_start")?;
        let rev_target = s.u32s("lex.rev_target")?;
        let rev_source = s.bytes("lex.rev_source")?.to_vec();
        let fanout = s.u16s("lex.fanout")?;
        let n = phrases.len();
        if rev_start.len() != n + 1
            || fanout.len() != n
            || rev_target.len() != rev_source.len()
            || rev_start.windows(2).any(|w| w[0] > w[1])
            || rev_start.last().map(|&l| l as usize) != Some(rev_target.len())
            || rev_target.iter().any(|&t| t as usize >= n)
            // Each phrase's originals are sorted and unique, so that an edge can be
            // looked up by binary search.
            || rev_start.windows(2).any(|w| {
                rev_target[w[0] as usize..w[1] as usize]
                    .windows(2)
                    .any(|p| p[0] >= p[1])
            })
        {
            return Err(corrupt("edge arrays are inconsistent"));
        }
        let inflections = std::str::from_utf8(s.bytes("lex.inflections")?)
            .map_err(|_| corrupt("inflections are not UTF-8"))?;
        let exceptions = std::str::from_utf8(s.bytes("lex.exceptions")?)
            .map_err(|_| corrupt("exceptions are not UTF-8"))?;
        Ok(Lexicon {
            index,
            phrases,
            rev_start,
            rev_target,
            rev_source,
            fanout,
            log_norm: Vec::new(),
            lm_start: Vec::new(),
            lm_tokens: Vec::new(),
            unigram: Vec::new(),
            morph: Morphology::parse(inflections, exceptions),
        })
    }

    /// The id of a lowercase phrase, if the lexicon has it.
    pub fn id(&self, phrase: &str) -> Option<PhraseId> {
        self.index.get(phrase).map(|v| v as PhraseId)
    }

    /// The text of a phrase.
    pub fn phrase(&self, id: PhraseId) -> &str {
        &self.phrases[id as usize]
    }

    /// Size of the synonym group of `id` as an original.
    pub fn fanout(&self, id: PhraseId) -> u16 {
        self.fanout[id as usize]
    }

    /// Maps every phrase to its language-model tokens and unigram log-probability once, so
    /// that candidates found directly need no string work, and weighs every phrase for
    /// [`Lexicon::log_selection`]. Called once at load.
    pub fn attach_lm(&mut self, lm: &dyn LanguageModel, language: &dyn Language) {
        self.lm_start = Vec::with_capacity(self.phrases.len() + 1);
        self.lm_tokens.clear();
        self.unigram = Vec::with_capacity(self.phrases.len());
        for p in &self.phrases {
            self.lm_start.push(self.lm_tokens.len() as u32);
            let words = lm_words(lm, language, p);
            self.unigram.push(
                words
                    .iter()
                    .map(|w| w.map_or(OOV_LOGPROB, |id| lm.unigram(id)))
                    .sum(),
            );
            self.lm_tokens.extend(words);
        }
        self.lm_start.push(self.lm_tokens.len() as u32);
        // Log-sum-exp per original, shifted by the largest weight for stability.
        let shift = self
            .unigram
            .iter()
            .map(|u| SELECTION_SHARPNESS * u)
            .fold(f32::MIN, f32::max);
        let mut sums = vec![0.0f64; self.phrases.len()];
        for spun in 0..self.phrases.len() {
            let w = ((SELECTION_SHARPNESS * self.unigram[spun] - shift) as f64).exp();
            let lo = self.rev_start[spun] as usize;
            let hi = self.rev_start[spun + 1] as usize;
            for &original in &self.rev_target[lo..hi] {
                sums[original as usize] += w;
            }
        }
        self.log_norm = sums
            .into_iter()
            .map(|s| if s > 0.0 { s.ln() as f32 + shift } else { 0.0 })
            .collect();
    }

    /// Natural log of the chance that a spinner turned `original` into `spun`, given that it
    /// replaced `original` at all (see [`SELECTION_SHARPNESS`]); `-ln fanout` before
    /// [`Lexicon::attach_lm`].
    pub fn log_selection(&self, spun: PhraseId, original: PhraseId) -> f32 {
        match (
            self.unigram.get(spun as usize),
            self.log_norm.get(original as usize),
        ) {
            (Some(u), Some(n)) => SELECTION_SHARPNESS * u - n,
            _ => -(self.fanout(original).max(1) as f32).ln(),
        }
    }

    /// The originals that a spinner could have turned into `spun`.
    pub fn originals(&self, spun: PhraseId) -> impl Iterator<Item = Edge> + '_ {
        let lo = self.rev_start[spun as usize] as usize;
        let hi = self.rev_start[spun as usize + 1] as usize;
        (lo..hi).map(move |i| Edge {
            original: self.rev_target[i],
            sources: self.rev_source[i],
        })
    }

    /// Language-model tokens of a phrase ([`Lexicon::attach_lm`] must have run).
    pub fn lm_tokens(&self, id: PhraseId) -> &[Option<WordId>] {
        let lo = self.lm_start[id as usize] as usize;
        let hi = self.lm_start[id as usize + 1] as usize;
        &self.lm_tokens[lo..hi]
    }

    /// Unigram log-probability of a phrase ([`Lexicon::attach_lm`] must have run).
    pub fn unigram(&self, id: PhraseId) -> f32 {
        self.unigram[id as usize]
    }

    /// Whether a spinner could have turned `original` into `spun` (an edge `spun` -> `original`).
    pub fn has_edge(&self, spun: PhraseId, original: PhraseId) -> bool {
        let lo = self.rev_start[spun as usize] as usize;
        let hi = self.rev_start[spun as usize + 1] as usize;
        self.rev_target[lo..hi].binary_search(&original).is_ok()
    }

    /// Number of phrases.
    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    /// Whether the lexicon is empty.
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// Number of reverse edges.
    pub fn edge_count(&self) -> usize {
        self.rev_target.len()
    }
}
