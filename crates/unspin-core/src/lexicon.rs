//! The synonym lexicon read in reverse: for a phrase seen in a spun text, the phrases a spinner
//! could have replaced with it.
//!
//! Spinners map an original phrase `o` to a member of `o`'s synonym group. The model therefore
//! stores, for each phrase `s`, the originals `o` whose group contains `s` (the reverse edges),
//! with the sources that attest the edge, and for each original the size of its group (its
//! fan-out), which is what the channel model charges for the spinner's choice of `s`.

use crate::container::ModelError;
use crate::container::{Array, Delimited, SectionWriter, Sections, StringIndex, StringTable};
use crate::language::Language;
use crate::lm::{lm_words, LanguageModel, WordId, OOV_LOGPROB};
use crate::morph::Morphology;
use crate::word_pairs::WordPairSet;

/// Identifier of a phrase in the lexicon.
pub type PhraseId = u32;

/// Marks a word the language model does not know among a phrase's stored LM tokens.
const NO_WORD: u32 = u32::MAX;

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
    /// With [`LEARNED`]: the table's entry comes from pairs people attested in spun documents
    /// (`unspin learn --attested`), not from the EM's guesses.
    pub const ATTESTED: u8 = 32;
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
    /// Whether the reverse edge exists too (`original` is also among the originals of the
    /// phrase looked up): the two are in each other's groups.
    pub mutual: bool,
}

/// The reverse synonym lexicon plus the morphology used to re-inflect candidates.
///
/// What depends on the language model (each phrase's LM tokens and unigram, each original's
/// selection norm) is computed at load, or read from a prepared image
/// ([`Lexicon::write_derived`]).
pub struct Lexicon {
    /// Phrase -> id; stored in a prepared image (`lex.index`), else built at load.
    index: StringIndex,
    phrases: StringTable,
    rev_start: Array<u32>,
    rev_target: Array<u32>,
    rev_source: Array<u8>,
    fanout: Array<u16>,
    /// Per original: ln of the summed selection weights (`exp(SELECTION_SHARPNESS x unigram)`)
    /// of the phrases in its group.
    log_norm: Array<f32>,
    /// Language-model tokens of every phrase, flattened ([`NO_WORD`] for a word the LM does
    /// not know): phrase `p`'s are `lm_tokens[lm_start[p]..lm_start[p + 1]]`.
    lm_start: Array<u32>,
    lm_tokens: Array<u32>,
    /// Unigram log-probability of every phrase (sum over its tokens).
    unigram: Array<f32>,
    /// Per reverse edge: 1 when the edge the other way exists too (see [`Edge::mutual`]).
    rev_mutual: Array<u8>,
    /// Per phrase: its id in the morphology's strings ([`NO_WORD`] when it has none), so that
    /// re-inflecting a one-word original needs no string look-up.
    morph_id: Array<u32>,
    /// Morphology for lemmatising spun words and re-inflecting originals.
    pub morph: Morphology,
    /// The first two words of every phrase of two or more words, each also with either word
    /// in every inflected form the morphology lists for it as a lemma (stored in a prepared
    /// image, `lex.pair_starts`, else built at load): see [`Lexicon::may_start_phrase`].
    pair_starts: WordPairSet,
    /// The [`crate::word_pairs::tail_key`] of every phrase of three or more words, with its
    /// last word in every inflected form (`lex.tails` in a prepared image, else built at
    /// load): see [`Lexicon::may_be_phrase`].
    tails: WordPairSet,
    /// The words the morphology may lemmatise to a lemma with a space in it
    /// (`lex.spaced_words`, else built at load), for which no filter of phrase words holds.
    spaced_words: WordPairSet,
    /// Whether `spaced_words` has any (usually none: then no window asks).
    any_spaced_words: bool,
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
    /// Every written window of two to `max_words` words the thesaurus may find originals for:
    /// each phrase of that length as it is, with its first word in every form the morphology
    /// lists for it as a lemma, and with its last word so (the thesaurus lemmatises a window's
    /// first word or its last). Sorted, each once.
    pub fn multi_word_windows(&self, max_words: usize) -> Vec<String> {
        let forms = self.morph.forms_by_lemma();
        let forms_of = |w: &str| forms.get(w).map_or(&[][..], Vec::as_slice);
        let mut windows = Vec::new();
        for id in 0..self.len() as PhraseId {
            let phrase = self.phrase(id);
            let mut words: Vec<&str> = phrase.split(' ').collect();
            if !(2..=max_words).contains(&words.len()) {
                continue;
            }
            windows.push(phrase.to_owned());
            for at in [0, words.len() - 1] {
                let lemma = words[at];
                for &form in forms_of(lemma) {
                    words[at] = form;
                    windows.push(words.join(" "));
                }
                words[at] = lemma;
            }
        }
        windows.sort_unstable();
        windows.dedup();
        windows
    }

    /// Moves the phrase index, the window filters and the morphology's index, which every
    /// window of a text probes at random, into large pages (see
    /// [`crate::Model::move_tables_to_large_pages`]).
    pub fn move_tables_to_large_pages(&mut self) {
        self.index.move_to_large_pages();
        self.pair_starts.move_to_large_pages();
        self.tails.move_to_large_pages();
        self.morph.move_tables_to_large_pages();
    }

    /// Reads the `lex.*` sections, checks them for consistency and attaches the language
    /// model (each phrase's tokens and unigram; see [`Lexicon::log_selection`]).
    pub fn from_sections(
        s: &Sections,
        lm: &dyn LanguageModel,
        language: &dyn Language,
    ) -> Result<Self, ModelError> {
        let phrases =
            StringTable::from_sections(s, "lex.phrases", "lex.phrase_ends", Delimited::Joined)?;
        let index = match s.prepared("lex.index") {
            Some(_) => StringIndex::from_slots(s.array("lex.index")?)
                .ok_or_else(|| corrupt("phrase index is not a table"))?,
            None => {
                // The format keeps phrases sorted and unique (a phrase is one id), as the fst
                // index that this replaced required.
                let mut sorted = phrases.iter().zip(phrases.iter().skip(1));
                if !sorted.all(|(a, b)| a < b) {
                    return Err(corrupt("phrases not sorted and unique"));
                }
                StringIndex::build(&phrases)
            }
        };
        let rev_start: Array<u32> = s.array("lex.rev_start")?;
        let rev_target: Array<u32> = s.array("lex.rev_target")?;
        let rev_source: Array<u8> = s.array("lex.rev_source")?;
        let fanout: Array<u16> = s.array("lex.fanout")?;
        let n = phrases.len();
        // A prepared image compiled into the program was checked when the build wrote it.
        let checked = s.is_prepared_image()
            || (rev_start.len() == n + 1
                && fanout.len() == n
                && rev_target.len() == rev_source.len()
                && rev_start.windows(2).all(|w| w[0] <= w[1])
                && rev_start.last().map(|&l| l as usize) == Some(rev_target.len())
                && rev_target.iter().all(|&t| (t as usize) < n)
                // Each phrase's originals are sorted and unique, so that an edge can be
                // looked up by binary search.
                && rev_start.windows(2).all(|w| {
                    rev_target[w[0] as usize..w[1] as usize]
                        .windows(2)
                        .all(|p| p[0] < p[1])
                }));
        if !checked {
            return Err(corrupt("edge arrays are inconsistent"));
        }
        let morph = Morphology::from_sections(s)?;
        let (pair_starts, tails) = match (s.prepared("lex.pair_starts"), s.prepared("lex.tails")) {
            (Some(_), Some(_)) => (
                WordPairSet::from_slots(s.array("lex.pair_starts")?)
                    .ok_or_else(|| corrupt("phrase beginnings are not a table"))?,
                WordPairSet::from_slots(s.array("lex.tails")?)
                    .ok_or_else(|| corrupt("phrase tails are not a table"))?,
            ),
            _ => {
                // A word's forms (the words whose lemma it is).
                let forms = morph.forms_by_lemma();
                let forms_of = |w: &str| forms.get(w).map_or(&[][..], Vec::as_slice);
                (
                    WordPairSet::of_phrase_starts_in_all_forms(phrases.iter(), forms_of),
                    WordPairSet::of_phrase_tails_in_all_forms(phrases.iter(), forms_of),
                )
            }
        };
        let spaced_words = match s.prepared("lex.spaced_words") {
            Some(_) => WordPairSet::from_slots(s.array("lex.spaced_words")?)
                .ok_or_else(|| corrupt("words with spaced lemmas are not a table"))?,
            None => WordPairSet::of_words(morph.words_with_spaced_lemmas()),
        };
        let any_spaced_words = !spaced_words.is_empty();
        let mut lexicon = Lexicon {
            index,
            phrases,
            rev_start,
            rev_target,
            rev_source,
            fanout,
            log_norm: Array::default(),
            lm_start: Array::default(),
            lm_tokens: Array::default(),
            unigram: Array::default(),
            rev_mutual: Array::default(),
            morph_id: Array::default(),
            morph,
            pair_starts,
            tails,
            spaced_words,
            any_spaced_words,
        };
        if s.prepared("lex.rev_mutual").is_some() {
            lexicon.rev_mutual = s.array("lex.rev_mutual")?;
            lexicon.morph_id = s.array("lex.morph_id")?;
            let consistent = lexicon.rev_mutual.len() == lexicon.rev_target.len()
                && lexicon.morph_id.len() == n
                && lexicon
                    .morph_id
                    .iter()
                    .all(|&m| m == NO_WORD || (m as usize) < lexicon.morph.len());
            if !consistent {
                return Err(corrupt("edge or morphology arrays are inconsistent"));
            }
        } else {
            let mut mutual = Vec::with_capacity(lexicon.rev_target.len());
            for spun in 0..n {
                for e in lexicon.rev_start[spun] as usize..lexicon.rev_start[spun + 1] as usize {
                    let original = lexicon.rev_target[e];
                    mutual.push(u8::from(lexicon.has_edge(original, spun as PhraseId)));
                }
            }
            lexicon.rev_mutual = mutual.into();
            lexicon.morph_id = lexicon
                .phrases
                .iter()
                .map(|p| lexicon.morph.id(p).unwrap_or(NO_WORD))
                .collect::<Vec<_>>()
                .into();
        }
        if s.prepared("lex.lm_start").is_some() {
            lexicon.lm_start = s.array("lex.lm_start")?;
            lexicon.lm_tokens = s.array("lex.lm_tokens")?;
            lexicon.unigram = s.array("lex.unigram")?;
            lexicon.log_norm = s.array("lex.log_norm")?;
            let consistent = lexicon.lm_start.len() == n + 1
                && lexicon.unigram.len() == n
                && lexicon.log_norm.len() == n
                && lexicon.lm_start.windows(2).all(|w| w[0] <= w[1])
                && lexicon.lm_start.last().map(|&l| l as usize) == Some(lexicon.lm_tokens.len())
                && lexicon
                    .lm_tokens
                    .iter()
                    .all(|&t| t == NO_WORD || (t as usize) < lm.vocab_len());
            if !consistent {
                return Err(corrupt("language-model arrays are inconsistent"));
            }
        } else {
            lexicon.attach_lm(lm, language);
        }
        Ok(lexicon)
    }

    /// Writes what loading otherwise computes (the phrase offsets and index, what
    /// [`Lexicon::from_sections`] attaches from the language model, the stored mutual edges and
    /// morphology ids, the morphology's arrays), for a prepared image, which has the file's own
    /// sections beside them.
    pub fn write_derived(&self, w: &mut SectionWriter) {
        self.phrases.write_ends(w, "lex.phrase_ends");
        w.u64s("lex.index", self.index.slots());
        w.u32s("lex.lm_start", &self.lm_start);
        w.u32s("lex.lm_tokens", &self.lm_tokens);
        w.f32s("lex.unigram", &self.unigram);
        w.f32s("lex.log_norm", &self.log_norm);
        w.bytes("lex.rev_mutual", &self.rev_mutual);
        w.u32s("lex.morph_id", &self.morph_id);
        w.u64s("lex.pair_starts", self.pair_starts.slots());
        w.u64s("lex.tails", self.tails.slots());
        w.u64s("lex.spaced_words", self.spaced_words.slots());
        self.morph.write_derived(w);
    }

    /// Whether some phrase of two or more words may begin with `first second` (lowercase
    /// words), either of them written in an inflected form of the phrase's: false only when
    /// none does.
    pub fn may_start_phrase(&self, first: &str, second: &str) -> bool {
        self.pair_starts.may_contain(first, second)
    }

    /// Whether some phrase of as many words as the window `words` (three or more, lowercase)
    /// may have its inner words and its last word, as written or inflected: false only when
    /// none does. The first word is free (the thesaurus may lemmatise it; the filter of
    /// phrase beginnings answers for it), and so is the last word's form, since the
    /// thesaurus may lemmatise that instead.
    pub fn may_be_phrase(&self, words: &[&str]) -> bool {
        self.tails.may_contain_tail(words)
    }

    /// Whether the morphology may lemmatise `word` to a lemma with a space in it, which
    /// would change the number of words of a phrase that the filters assume.
    pub fn may_have_spaced_lemma(&self, word: &str) -> bool {
        self.any_spaced_words && self.spaced_words.may_contain_word(word)
    }

    /// The id of a lowercase phrase, if the lexicon has it.
    pub fn id(&self, phrase: &str) -> Option<PhraseId> {
        self.index.get(&self.phrases, phrase)
    }

    /// The text of a phrase.
    pub fn phrase(&self, id: PhraseId) -> &str {
        self.phrases.get(id as usize)
    }

    /// Size of the synonym group of `id` as an original.
    pub fn fanout(&self, id: PhraseId) -> u16 {
        self.fanout[id as usize]
    }

    /// Maps every phrase to its language-model tokens and unigram log-probability once, so
    /// that candidates found directly need no string work, and weighs every phrase for
    /// [`Lexicon::log_selection`].
    fn attach_lm(&mut self, lm: &dyn LanguageModel, language: &dyn Language) {
        let mut lm_start = Vec::with_capacity(self.phrases.len() + 1);
        let mut lm_tokens = Vec::new();
        let mut unigram = Vec::with_capacity(self.phrases.len());
        for p in self.phrases.iter() {
            lm_start.push(lm_tokens.len() as u32);
            let words = lm_words(lm, language, p);
            unigram.push(
                words
                    .iter()
                    .map(|w| w.map_or(OOV_LOGPROB, |id| lm.unigram(id)))
                    .sum::<f32>(),
            );
            lm_tokens.extend(words.iter().map(|w| w.unwrap_or(NO_WORD)));
        }
        lm_start.push(lm_tokens.len() as u32);
        // Log-sum-exp per original, shifted by the largest weight for stability.
        let shift = unigram
            .iter()
            .map(|u| SELECTION_SHARPNESS * u)
            .fold(f32::MIN, f32::max);
        let mut sums = vec![0.0f64; self.phrases.len()];
        for (spun, u) in unigram.iter().enumerate() {
            let w = ((SELECTION_SHARPNESS * u - shift) as f64).exp();
            let lo = self.rev_start[spun] as usize;
            let hi = self.rev_start[spun + 1] as usize;
            for &original in &self.rev_target[lo..hi] {
                sums[original as usize] += w;
            }
        }
        self.log_norm = sums
            .into_iter()
            .map(|s| if s > 0.0 { s.ln() as f32 + shift } else { 0.0 })
            .collect::<Vec<_>>()
            .into();
        self.lm_start = lm_start.into();
        self.lm_tokens = lm_tokens.into();
        self.unigram = unigram.into();
    }

    /// Natural log of the chance that a spinner turned `original` into `spun`, given that it
    /// replaced `original` at all (see [`SELECTION_SHARPNESS`]).
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
            mutual: self.rev_mutual[i] != 0,
        })
    }

    /// Language-model tokens of a phrase (`None` for a word the LM does not know).
    pub fn lm_tokens(&self, id: PhraseId) -> impl Iterator<Item = Option<WordId>> + '_ {
        let lo = self.lm_start[id as usize] as usize;
        let hi = self.lm_start[id as usize + 1] as usize;
        self.lm_tokens[lo..hi]
            .iter()
            .map(|&t| (t != NO_WORD).then_some(t))
    }

    /// Phrase `id` put into `form`, when it is one word whose inflection the morphology
    /// attests (the look-up by id that [`crate::morph::Morphology::attested`] makes by text).
    pub fn attested_form(&self, id: PhraseId, form: crate::morph::Form) -> Option<&str> {
        match self.morph_id[id as usize] {
            NO_WORD => None,
            m => self.morph.attested_by_id(m, form),
        }
    }

    /// Unigram log-probability of a phrase.
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
