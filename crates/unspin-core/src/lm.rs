//! The language-model seam ([`LanguageModel`]: what the decoder, `check` and the learner ask
//! of a model) and its first implementation, [`TrigramModel`], a backoff trigram model in
//! unspin's own compact layout; plus the scoring helpers every caller shares
//! ([`score_words`], [`window_score`], [`phrase_logprob`], [`lm_words`]).
//!
//! The layout mirrors a reversed trie, the shape the CMU model ships in: for each word `w`,
//! the previous words `p` with a bigram `p w` form a sorted run of entries; each such entry owns
//! a sorted run of the words `q` before it with a trigram `q p w`. Probabilities are 16-bit codes
//! into per-order tables of natural-log values, which keeps the model small without changing
//! the ranking of candidates in any way that matters to the decoder.

use crate::container::ModelError;
use crate::container::{
    fibonacci_slot, half_full_bits, Array, Delimited, SectionWriter, Sections, StringIndex,
    StringTable,
};
use crate::language::Language;

/// Identifier of a vocabulary word.
pub type WordId = u32;

/// Log-probability (natural log) given to a word the model does not know.
pub const OOV_LOGPROB: f32 = -16.0;

/// A backoff trigram model over a lowercase vocabulary.
pub struct TrigramModel {
    /// Word -> id; stored in a prepared image (`lm.vocab_index`), else built at load.
    vocab: StringIndex,
    words: StringTable,
    uni_prob: Array<f32>,
    uni_bo: Array<f32>,
    /// `uni_next[w]..uni_next[w + 1]` is the run of bigram entries ending in `w`.
    uni_next: Array<u32>,
    bi_word: Array<u32>,
    bi_prob: Array<u16>,
    bi_bo: Array<u16>,
    /// `bi_next[e]..bi_next[e + 1]` is the run of trigram entries extending bigram entry `e`.
    bi_next: Array<u32>,
    tri_word: Array<u32>,
    tri_prob: Array<u16>,
    bi_prob_bins: Array<f32>,
    bi_bo_bins: Array<f32>,
    tri_prob_bins: Array<f32>,
    bos: Option<WordId>,
    eos: Option<WordId>,
    /// Open-addressing table from (word, previous word) to everything a look-up needs of that
    /// bigram, built at load (not stored in the model file: 64 MiB that compress poorly;
    /// stored in a prepared image, `lm.bigram_table`). Each slot is two `u64`s (see
    /// [`BigramSlot`]) and one probe reads one cache line: the run layout scattered a bigram's
    /// probability, backoff and trigram run over four arrays, and those misses were half of
    /// check's time.
    bigram_slots: Array<u64>,
    /// `64 - log2(slot count)`: the shift that maps a hash to a slot.
    bigram_shift: u32,
    /// Open-addressing table from (word two back, bigram) to the trigram's probability code,
    /// one `u64` a slot (see [`TrigramModel::trigram_table`]); stored in a prepared image
    /// (`lm.trigram_table`), else built at load. Its home slot is a hash of the three words,
    /// so that a look-up's trigram probe can be asked for before the bigram is read: the
    /// binary search of a bigram's run of trigrams and the separate read of the trigram's
    /// code were two of a look-up's cache misses, neither of which could be prefetched.
    trigram_slots: Array<u64>,
    /// `64 - log2(slot count)` of the trigram table.
    trigram_shift: u32,
    /// Per word, the largest log-probability [`TrigramModel::logprob`] gives it after any
    /// history (see [`TrigramModel::word_ceilings`]); stored in a prepared image
    /// (`lm.word_ceilings`), else built at load.
    word_ceilings: Array<f32>,
}

/// Marks an empty slot of [`TrigramModel::bigram_slots`] (its key word; no word id reaches
/// [`MAX_VOCABULARY`]).
const EMPTY_SLOT: u64 = u64::MAX;

/// Word ids must stay below this for the bigram table's 24-bit key fields.
pub const MAX_VOCABULARY: usize = (1 << 24) - 1;

/// Bigram entries must stay below this for the trigram table's 24-bit bigram field.
pub const MAX_BIGRAMS: usize = (1 << 24) - 1;

/// Slot of the pair (`w`, `prev`) before probing (Fibonacci hashing).
fn bigram_home(w: WordId, prev: WordId, shift: u32) -> usize {
    fibonacci_slot((u64::from(w) << 32) | u64::from(prev), shift)
}

/// Slot of the trigram (`prev2`, `prev`, `w`) before probing: a hash of all three words, so
/// that it is known before the bigram `prev w` is found.
fn trigram_home(w: WordId, prev: WordId, prev2: WordId, shift: u32) -> usize {
    // The three 24-bit ids overlap a little; the multiplication mixes every bit into the top
    // ones, which are those kept.
    fibonacci_slot(
        (u64::from(w) << 40) ^ (u64::from(prev) << 20) ^ u64::from(prev2),
        shift,
    )
}

/// The key of a trigram table slot, which holds `key << 16 | probability code`, that is
/// `bigram number << 40 | prev2 << 16 | code`. The bigram's number stands for `prev w`, so that
/// the three words fit in one `u64` with the code.
fn trigram_key(bigram: u32, prev2: WordId) -> u64 {
    (u64::from(bigram) << 24) | u64::from(prev2)
}

/// What the bigram table holds of one bigram `prev w`, unpacked from its two words:
/// `w << 40 | prev << 16 | backoff code` and `probability << 32 | number`. The probability is
/// stored decoded, not as its code: a look-up that finds its bigram then reads nothing else
/// (the 256 KiB table of codes competed for the cache with the slots).
#[derive(Clone, Copy, Debug, PartialEq)]
struct BigramSlot {
    /// Natural-log probability.
    prob: f32,
    backoff: u16,
    /// Its entry in the runs (`bi_word`...), which names it in the trigram table.
    number: u32,
}

impl BigramSlot {
    fn key(w: WordId, prev: WordId) -> u64 {
        (u64::from(w) << 24) | u64::from(prev)
    }

    fn pack(self, w: WordId, prev: WordId) -> [u64; 2] {
        [
            (Self::key(w, prev) << 16) | u64::from(self.backoff),
            (u64::from(self.prob.to_bits()) << 32) | u64::from(self.number),
        ]
    }

    fn unpack(first: u64, second: u64) -> Self {
        BigramSlot {
            prob: f32::from_bits((second >> 32) as u32),
            backoff: first as u16,
            number: second as u32,
        }
    }
}

/// Asks the processor to start loading the cache line of `value`: a hint that never faults.
#[inline]
fn prefetch_address<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint that never faults, and the address is a reference's.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Everything needed to write a language model, as plain arrays (see [`TrigramModel`]).
pub struct LanguageModelParts {
    /// Word strings, indexed by id.
    pub words: Vec<String>,
    /// Unigram log-probabilities (natural log).
    pub uni_prob: Vec<f32>,
    /// Unigram backoff weights (natural log).
    pub uni_bo: Vec<f32>,
    /// Bigram run boundaries, one more than the vocabulary.
    pub uni_next: Vec<u32>,
    /// Previous word of each bigram entry.
    pub bi_word: Vec<u32>,
    /// Bigram probability codes.
    pub bi_prob: Vec<u16>,
    /// Bigram backoff codes.
    pub bi_bo: Vec<u16>,
    /// Trigram run boundaries, one more than the bigram entries.
    pub bi_next: Vec<u32>,
    /// Word two back of each trigram entry.
    pub tri_word: Vec<u32>,
    /// Trigram probability codes.
    pub tri_prob: Vec<u16>,
    /// Decoding table for bigram probability codes.
    pub bi_prob_bins: Vec<f32>,
    /// Decoding table for bigram backoff codes.
    pub bi_bo_bins: Vec<f32>,
    /// Decoding table for trigram probability codes.
    pub tri_prob_bins: Vec<f32>,
}

impl LanguageModelParts {
    /// Writes the parts as `lm.*` sections.
    pub fn write(&self, w: &mut SectionWriter) {
        let mut joined = Vec::new();
        for word in &self.words {
            joined.extend_from_slice(word.as_bytes());
            joined.push(b'\n');
        }
        w.bytes("lm.words", &joined);
        w.f32s("lm.uni_prob", &self.uni_prob);
        w.f32s("lm.uni_bo", &self.uni_bo);
        w.u32s("lm.uni_next", &self.uni_next);
        w.u32s("lm.bi_word", &self.bi_word);
        w.u16s("lm.bi_prob", &self.bi_prob);
        w.u16s("lm.bi_bo", &self.bi_bo);
        w.u32s("lm.bi_next", &self.bi_next);
        w.u32s("lm.tri_word", &self.tri_word);
        w.u16s("lm.tri_prob", &self.tri_prob);
        w.f32s("lm.bi_prob_bins", &self.bi_prob_bins);
        w.f32s("lm.bi_bo_bins", &self.bi_bo_bins);
        w.f32s("lm.tri_prob_bins", &self.tri_prob_bins);
    }
}

fn corrupt(what: &str) -> ModelError {
    ModelError::Corrupt(format!("language model: {what}"))
}

impl TrigramModel {
    /// Reads the `lm.*` sections and checks that every run boundary and code is in range,
    /// so that lookups later cannot index out of bounds.
    pub fn from_sections(s: &Sections) -> Result<Self, ModelError> {
        let words =
            StringTable::from_sections(s, "lm.words", "lm.word_ends", Delimited::Terminated)?;
        let vocab = match s.prepared("lm.vocab_index") {
            Some(_) => StringIndex::from_slots(s.array("lm.vocab_index")?)
                .ok_or_else(|| corrupt("vocabulary index is not a table"))?,
            None => StringIndex::build(&words),
        };
        let lm = TrigramModel {
            vocab,
            uni_prob: s.array("lm.uni_prob")?,
            uni_bo: s.array("lm.uni_bo")?,
            uni_next: s.array("lm.uni_next")?,
            bi_word: s.array("lm.bi_word")?,
            bi_prob: s.array("lm.bi_prob")?,
            bi_bo: s.array("lm.bi_bo")?,
            bi_next: s.array("lm.bi_next")?,
            tri_word: s.array("lm.tri_word")?,
            tri_prob: s.array("lm.tri_prob")?,
            bi_prob_bins: s.array("lm.bi_prob_bins")?,
            bi_bo_bins: s.array("lm.bi_bo_bins")?,
            tri_prob_bins: s.array("lm.tri_prob_bins")?,
            bos: None,
            eos: None,
            words,
            bigram_slots: Array::default(),
            bigram_shift: 64,
            trigram_slots: Array::default(),
            trigram_shift: 64,
            word_ceilings: Array::default(),
        };
        // A prepared image compiled into the program was checked when the build wrote it.
        if !s.is_prepared_image() {
            lm.validate()?;
        }
        let bos = lm.id("<s>");
        let eos = lm.id("</s>");
        let (bigram_slots, bigram_shift) = match s.prepared("lm.bigram_table") {
            Some(_) => {
                // Only ever read from the program's own prepared image (`Sections::prepared`),
                // checked when the build wrote it.
                let slots: Array<u64> = s.array("lm.bigram_table")?;
                let shift = 64 - (slots.len() / 2).trailing_zeros();
                (slots, shift)
            }
            None => {
                let (slots, shift) = lm.bigram_table();
                (slots.into(), shift)
            }
        };
        let (trigram_slots, trigram_shift) = match s.prepared("lm.trigram_table") {
            // As the bigram table: only from the program's own prepared image.
            Some(_) => {
                let slots: Array<u64> = s.array("lm.trigram_table")?;
                let shift = 64 - slots.len().trailing_zeros();
                (slots, shift)
            }
            None => {
                let (slots, shift) = lm.trigram_table();
                (slots.into(), shift)
            }
        };
        let lm = TrigramModel {
            bos,
            eos,
            bigram_slots,
            bigram_shift,
            trigram_slots,
            trigram_shift,
            ..lm
        };
        let word_ceilings = match s.prepared("lm.word_ceilings") {
            Some(_) => s.array("lm.word_ceilings")?,
            None => lm.word_ceilings().into(),
        };
        if word_ceilings.len() != lm.words.len() {
            return Err(corrupt("word ceilings disagree with the vocabulary"));
        }
        Ok(TrigramModel {
            word_ceilings,
            ..lm
        })
    }

    /// Per word `w`, the largest log-probability of `w` after any history: the most a
    /// decoder's hypothesis can gain by adding it, which lets the decoder skip extensions
    /// that cannot reach the beam. Exact in every branch of [`TrigramModel::logprob`] but the
    /// last (a word backed off to its unigram, bounded with the largest back-off any history
    /// adds): the unigram; every bigram and trigram ending in `w`; and for a bigram `p w`
    /// backed off to from a stored history `q p` without the trigram `q p w`, the largest
    /// such history's back-off weight, which can be positive. Up to float rounding: the
    /// branches sum in other orders.
    fn word_ceilings(&self) -> Vec<f32> {
        let words = self.words.len();
        // Per word `p`, the histories `q p` with a positive back-off weight, largest first.
        let mut histories: Vec<Vec<(f32, WordId)>> = vec![Vec::new(); words];
        let mut unigram_backoff = f32::MIN;
        for (p, list) in histories.iter_mut().enumerate() {
            for e in self.uni_next[p] as usize..self.uni_next[p + 1] as usize {
                let backoff = self.bi_bo_bins[self.bi_bo[e] as usize];
                if backoff > 0.0 {
                    list.push((backoff, self.bi_word[e]));
                }
            }
            list.sort_by(|a, b| b.0.total_cmp(&a.0));
            let largest = list.first().map_or(0.0, |h| h.0);
            unigram_backoff = unigram_backoff.max(self.uni_bo[p] + largest);
        }
        let mut ceilings = Vec::with_capacity(words);
        for w in 0..words {
            let mut ceiling = self.uni_prob[w] + unigram_backoff.max(0.0);
            for e in self.uni_next[w] as usize..self.uni_next[w + 1] as usize {
                let p = self.bi_word[e];
                let bigram = self.bi_prob_bins[self.bi_prob[e] as usize];
                ceiling = ceiling.max(bigram);
                for t in self.bi_next[e] as usize..self.bi_next[e + 1] as usize {
                    ceiling = ceiling.max(self.tri_prob_bins[self.tri_prob[t] as usize]);
                }
                let run = &self.tri_word[self.bi_next[e] as usize..self.bi_next[e + 1] as usize];
                if let Some(&(backoff, _)) = histories[p as usize]
                    .iter()
                    .find(|&&(_, q)| run.binary_search(&q).is_err())
                {
                    ceiling = ceiling.max(bigram + backoff);
                }
            }
            ceilings.push(ceiling);
        }
        ceilings
    }

    /// Writes what loading otherwise builds (the words' offsets, the vocabulary's index, the
    /// bigram table), for a prepared image, which has the file's own sections beside them.
    pub fn write_derived(&self, w: &mut SectionWriter) {
        self.words.write_ends(w, "lm.word_ends");
        w.u64s("lm.vocab_index", self.vocab.slots());
        // Cache-line aligned, so that no 16-byte slot straddles two lines.
        w.u64s_aligned(
            "lm.bigram_table",
            &self.bigram_slots,
            crate::container::CACHE_LINE,
        );
        w.u64s_aligned(
            "lm.trigram_table",
            &self.trigram_slots,
            crate::container::CACHE_LINE,
        );
        w.f32s("lm.word_ceilings", &self.word_ceilings);
    }

    fn validate(&self) -> Result<(), ModelError> {
        let n = self.words.len();
        let n2 = self.bi_word.len();
        let n3 = self.tri_word.len();
        if self.uni_prob.len() != n || self.uni_bo.len() != n || self.uni_next.len() != n + 1 {
            return Err(corrupt("unigram arrays disagree with the vocabulary"));
        }
        if self.bi_prob.len() != n2 || self.bi_bo.len() != n2 || self.bi_next.len() != n2 + 1 {
            return Err(corrupt("bigram arrays disagree"));
        }
        if self.tri_prob.len() != n3 {
            return Err(corrupt("trigram arrays disagree"));
        }
        let bins = [&self.bi_prob_bins, &self.bi_bo_bins, &self.tri_prob_bins];
        if bins.iter().any(|b| b.len() != 1 << 16) {
            return Err(corrupt("quantisation tables must have 65536 entries"));
        }
        let monotone = |v: &[u32], end: usize| {
            v.windows(2).all(|w| w[0] <= w[1]) && v.last().is_some_and(|&l| l as usize <= end)
        };
        if !monotone(&self.uni_next, n2) || !monotone(&self.bi_next, n3) {
            return Err(corrupt("run boundaries out of order"));
        }
        if n >= MAX_VOCABULARY {
            return Err(corrupt("vocabulary too large (16.7 million words at most)"));
        }
        if n2 >= MAX_BIGRAMS {
            return Err(corrupt("too many bigrams (16.7 million at most)"));
        }
        if self
            .bi_word
            .iter()
            .chain(self.tri_word.iter())
            .any(|&w| w as usize >= n)
        {
            return Err(corrupt("word id out of range"));
        }
        Ok(())
    }

    /// Moves the word index and the bigram and trigram hash tables, which every look-up probes
    /// at random, into 2 MiB pages ([`Array::into_large_pages`]): for a process about to score
    /// much text.
    pub fn move_tables_to_large_pages(&mut self) {
        self.vocab.move_to_large_pages();
        self.bigram_slots.move_to_large_pages();
        self.trigram_slots.move_to_large_pages();
    }

    /// Number of words in the vocabulary.
    pub fn vocab_len(&self) -> usize {
        self.words.len()
    }

    /// The id of a (lowercase, normalised) word, if the model knows it.
    pub fn id(&self, word: &str) -> Option<WordId> {
        self.vocab.get(&self.words, word)
    }

    /// The string of a word id.
    pub fn word(&self, id: WordId) -> &str {
        self.words.get(id as usize)
    }

    /// Sentence-start token, when the model has one.
    pub fn bos(&self) -> Option<WordId> {
        self.bos
    }

    /// Sentence-end token, when the model has one.
    pub fn eos(&self) -> Option<WordId> {
        self.eos
    }

    /// Unigram log-probability of a word.
    pub fn unigram(&self, w: WordId) -> f32 {
        self.uni_prob[w as usize]
    }

    /// The bigram hash table (at most half full; two words a slot) and its shift.
    fn bigram_table(&self) -> (Vec<u64>, u32) {
        let bits = half_full_bits(self.bi_word.len());
        let shift = 64 - bits;
        let mask = (1usize << bits) - 1;
        let mut slots = vec![EMPTY_SLOT; 2 << bits];
        for w in 0..self.words.len() {
            let (lo, hi) = (self.uni_next[w] as usize, self.uni_next[w + 1] as usize);
            for e in lo..hi {
                let prev = self.bi_word[e];
                let mut at = bigram_home(w as WordId, prev, shift);
                while slots[2 * at] != EMPTY_SLOT {
                    at = (at + 1) & mask;
                }
                let slot = self.bigram_entry(e);
                slots[2 * at..2 * at + 2].copy_from_slice(&slot.pack(w as WordId, prev));
            }
        }
        (slots, shift)
    }

    /// Everything a look-up needs of bigram entry `e` of the runs.
    fn bigram_entry(&self, e: usize) -> BigramSlot {
        BigramSlot {
            prob: self.bi_prob_bins[self.bi_prob[e] as usize],
            backoff: self.bi_bo[e],
            // `validate` bounds the number of bigrams.
            number: e as u32,
        }
    }

    /// The trigram hash table (at most half full; one word a slot) and its shift.
    fn trigram_table(&self) -> (Vec<u64>, u32) {
        let bits = half_full_bits(self.tri_word.len());
        let shift = 64 - bits;
        let mask = (1usize << bits) - 1;
        let mut slots = vec![EMPTY_SLOT; 1 << bits];
        for w in 0..self.words.len() {
            for e in self.uni_next[w] as usize..self.uni_next[w + 1] as usize {
                let prev = self.bi_word[e];
                for t in self.bi_next[e] as usize..self.bi_next[e + 1] as usize {
                    let prev2 = self.tri_word[t];
                    let mut at = trigram_home(w as WordId, prev, prev2, shift);
                    while slots[at] != EMPTY_SLOT {
                        at = (at + 1) & mask;
                    }
                    // Never all ones: word ids and bigram numbers stay below their maxima.
                    slots[at] = (trigram_key(e as u32, prev2) << 16) | u64::from(self.tri_prob[t]);
                }
            }
        }
        (slots, shift)
    }

    fn find_bigram(&self, w: WordId, prev: WordId) -> Option<BigramSlot> {
        let mask = self.bigram_slots.len() / 2 - 1;
        let key = BigramSlot::key(w, prev);
        let mut at = bigram_home(w, prev, self.bigram_shift);
        loop {
            let first = self.bigram_slots[2 * at];
            if first == EMPTY_SLOT {
                return None;
            }
            if first >> 16 == key {
                return Some(BigramSlot::unpack(first, self.bigram_slots[2 * at + 1]));
            }
            at = (at + 1) & mask;
        }
    }

    /// The probability code of the trigram `prev2 prev w`, whose bigram `prev w` is `bigram`.
    fn find_trigram(
        &self,
        bigram: BigramSlot,
        prev2: WordId,
        prev: WordId,
        w: WordId,
    ) -> Option<u16> {
        let mask = self.trigram_slots.len() - 1;
        let key = trigram_key(bigram.number, prev2);
        let mut at = trigram_home(w, prev, prev2, self.trigram_shift);
        loop {
            let slot = self.trigram_slots[at];
            if slot == EMPTY_SLOT {
                return None;
            }
            if slot >> 16 == key {
                return Some(slot as u16);
            }
            at = (at + 1) & mask;
        }
    }

    /// Asks the processor to start loading the table slots that scoring `words` from `state`
    /// will probe (each word's bigram, its history's backoff pair and its trigram), so that a caller
    /// with many independent look-ups ahead waits for their cache misses together instead of
    /// one after another. Changes no result.
    pub fn prefetch_words(&self, state: State, words: &[Option<WordId>]) {
        if let (Some(q), Some(p), Some(Some(_))) = (state.0, state.1, words.first()) {
            self.prefetch_slot(p, q);
        }
        self.prefetch_after_history(state, words);
    }

    /// [`TrigramModel::prefetch_words`] less the slot of `state`'s own backoff, which
    /// [`LanguageModel::prefetch_continuations`] asks for once for all continuations. The
    /// backoff of a later word's history `q p` is the slot of the bigram `q p`, asked for
    /// already as the word before's own bigram.
    fn prefetch_after_history(&self, mut state: State, words: &[Option<WordId>]) {
        for w in words {
            match *w {
                Some(id) => {
                    if let Some(p) = state.1 {
                        self.prefetch_slot(id, p);
                        if let Some(q) = state.0 {
                            self.prefetch_trigram(id, p, q);
                        }
                    }
                    state = (state.1, Some(id));
                }
                None => state = (None, None),
            }
        }
    }

    #[inline]
    fn prefetch_slot(&self, w: WordId, prev: WordId) {
        if self.bigram_slots.is_empty() {
            return;
        }
        let at = bigram_home(w, prev, self.bigram_shift);
        prefetch_address(&self.bigram_slots[2 * at]);
    }

    #[inline]
    fn prefetch_trigram(&self, w: WordId, prev: WordId, prev2: WordId) {
        if self.trigram_slots.is_empty() {
            return;
        }
        let at = trigram_home(w, prev, prev2, self.trigram_shift);
        prefetch_address(&self.trigram_slots[at]);
    }

    /// Backoff weight of the history `prev2 prev`.
    fn bigram_backoff(&self, prev2: WordId, prev: WordId) -> f32 {
        self.find_bigram(prev, prev2)
            .map(|b| self.bi_bo_bins[b.backoff as usize])
            .unwrap_or(0.0)
    }

    /// Natural-log probability of `w` after the history `prev2 prev` (either may be absent,
    /// which means the history was cut by an unknown word or a sentence start).
    pub fn logprob(&self, prev2: Option<WordId>, prev: Option<WordId>, w: WordId) -> f32 {
        // The unigram is read only where it is used: most look-ups find their bigram.
        let Some(p) = prev else {
            return self.uni_prob[w as usize];
        };
        match self.find_bigram(w, p) {
            Some(b) => match prev2 {
                Some(q) => match self.find_trigram(b, q, p, w) {
                    Some(code) => self.tri_prob_bins[code as usize],
                    None => b.prob + self.bigram_backoff(q, p),
                },
                None => b.prob,
            },
            None => {
                let mut s = self.uni_prob[w as usize] + self.uni_bo[p as usize];
                if let Some(q) = prev2 {
                    s += self.bigram_backoff(q, p);
                }
                s
            }
        }
    }
}

/// What the engine asks of a language model: word ids, sentence markers, and the
/// log-probability of a word after a two-word history. The decoder's beam carries that
/// history ([`State`]); windows are scored through [`LanguageModel::score_window`], which a
/// model that gains from batching (a neural one) may override.
pub trait LanguageModel: Send + Sync {
    /// The id of a (lowercase, normalised) word, if the model knows it.
    fn id(&self, word: &str) -> Option<WordId>;
    /// Sentence-start token, when the model has one.
    fn bos(&self) -> Option<WordId>;
    /// Sentence-end token, when the model has one.
    fn eos(&self) -> Option<WordId>;
    /// Log-probability (natural log) of a word on its own.
    fn unigram(&self, w: WordId) -> f32;
    /// Natural-log probability of `w` after the history `prev2 prev` (either may be absent,
    /// which means the history was cut by an unknown word or a sentence start). Never
    /// positive, and never above [`LanguageModel::ceiling`] of `w`: the decoder's bound
    /// relies on it (see [`crate::decode::best_path`]).
    fn logprob(&self, prev2: Option<WordId>, prev: Option<WordId>, w: WordId) -> f32;
    /// Scores `words` from `state`; returns the log-probability and the new state.
    fn score_words(&self, state: State, words: &[Option<WordId>]) -> (f32, State) {
        score_words(self, state, words)
    }
    /// Log-probability of `middle` after the history `before`, plus that of the tokens
    /// `after` it, which judge how well `middle` leads on.
    fn score_window(
        &self,
        before: State,
        middle: &[Option<WordId>],
        after: &[Option<WordId>],
    ) -> f32 {
        window_score(self, before, middle, after)
    }
    /// [`LanguageModel::score_window`], or only a bound on it when the bound already says the
    /// window does not matter to the caller: `middle` is scored exactly, then the tokens
    /// `after` it one by one, each one not yet scored counted at its
    /// [`LanguageModel::ceiling`], until `negligible` holds of that bound (then
    /// [`WindowScore::AtMost`]) or every token is scored ([`WindowScore::Exact`], the same
    /// value to the bit as `score_window`). `negligible` must hold of every value below one
    /// it holds of. A model that overrides `score_window` must override this to agree with it;
    /// the default agrees with the default.
    fn score_window_unless(
        &self,
        before: State,
        middle: &[Option<WordId>],
        after: &[Option<WordId>],
        negligible: &dyn Fn(f32) -> bool,
    ) -> WindowScore {
        window_score_unless(self, before, middle, after, negligible)
    }
    /// The largest [`LanguageModel::logprob`] of `w` after any history: the decoder skips
    /// extensions that could not reach the beam even with it. The default, zero, holds for
    /// any model, since no log-probability is positive.
    fn ceiling(&self, w: WordId) -> f32 {
        let _ = w;
        0.0
    }
    /// Starts loading what scoring `words` from `state` will read, for callers about to score
    /// many independent windows (check's candidates, the decoder's hypotheses): a hint that
    /// changes no result. The default does nothing.
    fn prefetch(&self, state: State, words: &[Option<WordId>]) {
        let _ = (state, words);
    }
    /// [`LanguageModel::prefetch`] of each of several continuations of one history (the
    /// extensions of one decoder hypothesis): a model may ask for what the history itself
    /// needs once instead of once per continuation. The default asks `prefetch` for each.
    fn prefetch_continuations(
        &self,
        state: State,
        continuations: &mut dyn Iterator<Item = &[Option<WordId>]>,
    ) {
        for words in continuations {
            self.prefetch(state, words);
        }
    }
    /// Log-probability of a phrase on its own (see [`phrase_logprob`]).
    fn phrase_logprob(&self, words: &[Option<WordId>]) -> f32 {
        phrase_logprob(self, words)
    }
    /// Moves the tables look-ups probe at random into large pages, for a process about to
    /// score much text (see [`crate::Model::move_tables_to_large_pages`]). Changes no result.
    /// The default does nothing.
    fn move_tables_to_large_pages(&mut self) {}
    /// Number of word ids (ids run from 0 to this, exclusive).
    fn vocab_len(&self) -> usize;
    /// The spelling of a word id.
    fn word(&self, id: WordId) -> &str;
    /// Calls `f(previous, word, log-probability)` for every bigram the model stores; a model
    /// without explicit bigrams stores none, and then has no distributional neighbours (see
    /// [`crate::neighbours`]).
    fn for_each_bigram(&self, f: &mut dyn FnMut(WordId, WordId, f32)) {
        let _ = f;
    }
}

impl LanguageModel for TrigramModel {
    fn id(&self, word: &str) -> Option<WordId> {
        TrigramModel::id(self, word)
    }
    fn bos(&self) -> Option<WordId> {
        self.bos
    }
    fn eos(&self) -> Option<WordId> {
        self.eos
    }
    fn unigram(&self, w: WordId) -> f32 {
        TrigramModel::unigram(self, w)
    }
    fn logprob(&self, prev2: Option<WordId>, prev: Option<WordId>, w: WordId) -> f32 {
        TrigramModel::logprob(self, prev2, prev, w)
    }
    fn prefetch(&self, state: State, words: &[Option<WordId>]) {
        self.prefetch_words(state, words);
    }
    fn prefetch_continuations(
        &self,
        state: State,
        continuations: &mut dyn Iterator<Item = &[Option<WordId>]>,
    ) {
        if let (Some(q), Some(p)) = state {
            self.prefetch_slot(p, q);
        }
        for words in continuations {
            self.prefetch_after_history(state, words);
        }
    }
    fn ceiling(&self, w: WordId) -> f32 {
        self.word_ceilings[w as usize]
    }
    fn move_tables_to_large_pages(&mut self) {
        TrigramModel::move_tables_to_large_pages(self);
    }
    fn vocab_len(&self) -> usize {
        self.words.len()
    }
    fn word(&self, id: WordId) -> &str {
        TrigramModel::word(self, id)
    }
    fn for_each_bigram(&self, f: &mut dyn FnMut(WordId, WordId, f32)) {
        for w in 0..self.words.len() {
            let (lo, hi) = (self.uni_next[w] as usize, self.uni_next[w + 1] as usize);
            for e in lo..hi {
                f(
                    self.bi_word[e],
                    w as WordId,
                    self.bi_prob_bins[self.bi_prob[e] as usize],
                );
            }
        }
    }
}

/// LM tokens of a phrase: a known word id, or `None` for a word the model does not know.
pub type LmWords = smallvec::SmallVec<[Option<WordId>; 2]>;

/// Trigram history: the two previous LM words (`None` after an unknown word or at a start).
pub type State = (Option<WordId>, Option<WordId>);

/// Maps normalised text to LM tokens: whole words where known (in the model's spelling),
/// small numbers as spoken, else a possessive split ("hegseth's" -> hegseth + 's) or hyphen
/// parts, else unknown.
pub fn lm_words(lm: &dyn LanguageModel, language: &dyn Language, phrase: &str) -> LmWords {
    let mut out = LmWords::new();
    for word in phrase.split(' ').filter(|w| !w.is_empty()) {
        if let Some(id) = lm.id(word) {
            out.push(Some(id));
        } else if let Some(id) = language.model_spelling(word).and_then(|w| lm.id(&w)) {
            out.push(Some(id));
        } else if let Some(spoken) = language.spoken_number(word) {
            out.extend(spoken.split(' ').map(|w| lm.id(w)));
        } else if let Some(stem) = word.strip_suffix("'s") {
            out.push(lm.id(stem));
            out.push(lm.id("'s"));
        } else if word.contains('-') {
            out.extend(word.split('-').filter(|p| !p.is_empty()).map(|p| lm.id(p)));
        } else {
            out.push(None);
        }
    }
    out
}

/// Scores `words` from `state`; returns the log-probability and the new state.
pub fn score_words<L: LanguageModel + ?Sized>(
    lm: &L,
    mut state: State,
    words: &[Option<WordId>],
) -> (f32, State) {
    let mut total = 0.0;
    for w in words {
        match w {
            Some(id) => {
                total += lm.logprob(state.0, state.1, *id);
                state = (state.1, Some(*id));
            }
            None => {
                total += OOV_LOGPROB;
                state = (None, None);
            }
        }
    }
    (total, state)
}

/// Log-probability of `middle` after the history `before`, plus that of up to two following
/// LM tokens (`after`), which judge how well `middle` leads on.
pub fn window_score<L: LanguageModel + ?Sized>(
    lm: &L,
    before: State,
    middle: &[Option<WordId>],
    after: &[Option<WordId>],
) -> f32 {
    let (a, s) = score_words(lm, before, middle);
    let (b, _) = score_words(lm, s, after);
    a + b
}

/// What [`LanguageModel::score_window_unless`] found out about a window's score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WindowScore {
    /// The score itself, as [`LanguageModel::score_window`] gives it.
    Exact(f32),
    /// A bound the score does not exceed, of which the caller's test held.
    AtMost(f32),
}

/// [`LanguageModel::score_window_unless`] from [`LanguageModel::logprob`] and
/// [`LanguageModel::ceiling`]. Check spends a third of its language-model look-ups on the
/// tokens after a candidate, and for a third of its candidates the candidate's own words
/// already score so low that no continuation could make it worth a change.
pub fn window_score_unless<L: LanguageModel + ?Sized>(
    lm: &L,
    before: State,
    middle: &[Option<WordId>],
    after: &[Option<WordId>],
    negligible: &dyn Fn(f32) -> bool,
) -> WindowScore {
    let (a, mut state) = score_words(lm, before, middle);
    // A model's ceilings hold up to the rounding of sums made in another order (see
    // `TrigramModel::word_ceilings`): a thousandth of a nat covers it many times over.
    let ceiling = |w: &Option<WordId>| w.map_or(OOV_LOGPROB, |id| lm.ceiling(id) + 1e-3);
    // `scored` is summed in the order `score_words` sums, and a bound adds the ceilings after
    // it in the same order: rounding is monotone, so the bound never falls below the score.
    let mut scored = 0.0f32;
    for (k, w) in after.iter().enumerate() {
        let bound = a + after[k..].iter().fold(scored, |sum, w| sum + ceiling(w));
        if negligible(bound) {
            return WindowScore::AtMost(bound);
        }
        let (logprob, next) = score_words(lm, state, std::slice::from_ref(w));
        scored += logprob;
        state = next;
    }
    WindowScore::Exact(a + scored)
}

/// The history after `words` from `state`, without scoring them.
pub fn advance(mut state: State, words: &[Option<WordId>]) -> State {
    for w in words {
        state = match w {
            Some(id) => (state.1, Some(*id)),
            None => (None, None),
        };
    }
    state
}

/// [`LanguageModel::prefetch`] for what [`window_score`] of the same arguments will read.
pub fn prefetch_window(
    lm: &(impl LanguageModel + ?Sized),
    before: State,
    middle: &[Option<WordId>],
    after: &[Option<WordId>],
) {
    // As one run of words: the backoff of the history `after` starts from is the bigram that
    // ends `middle`, asked for already. Copied to the stack (a collect cost as much as the
    // look-ups it saved).
    let n = middle.len() + after.len();
    if n <= 8 {
        let mut words = [None; 8];
        words[..middle.len()].copy_from_slice(middle);
        words[middle.len()..n].copy_from_slice(after);
        lm.prefetch(before, &words[..n]);
    } else {
        lm.prefetch(before, middle);
        lm.prefetch(advance(before, middle), after);
    }
}

/// Log-probability of a phrase on its own (chain rule with no history): its frequency as a
/// phrase, which a multi-word original's unigrams would understate ("en route to" is far
/// likelier than its three words taken apart).
pub fn phrase_logprob<L: LanguageModel + ?Sized>(lm: &L, words: &[Option<WordId>]) -> f32 {
    score_words(lm, (None, None), words).0
}

/// Language models for the tests of the modules that score with one.
#[cfg(test)]
pub(crate) mod testing {
    use super::{LanguageModel, WordId};

    /// A language model of `words` word ids (0 the sentence start, 1 its end) whose
    /// log-probabilities come from a function of the trigram; with each word's exact ceiling
    /// over every history, or with the trait's default (zero).
    pub(crate) struct FnLm {
        pub(crate) words: u32,
        pub(crate) logprob: fn(Option<WordId>, Option<WordId>, WordId) -> f32,
        pub(crate) exact_ceilings: bool,
    }

    impl LanguageModel for FnLm {
        fn id(&self, _word: &str) -> Option<WordId> {
            None
        }
        fn bos(&self) -> Option<WordId> {
            Some(0)
        }
        fn eos(&self) -> Option<WordId> {
            Some(1)
        }
        fn unigram(&self, w: WordId) -> f32 {
            (self.logprob)(None, None, w)
        }
        fn logprob(&self, prev2: Option<WordId>, prev: Option<WordId>, w: WordId) -> f32 {
            (self.logprob)(prev2, prev, w)
        }
        fn ceiling(&self, w: WordId) -> f32 {
            if !self.exact_ceilings {
                return 0.0;
            }
            let histories = || (0..self.words).map(Some).chain([None]);
            histories()
                .flat_map(|a| histories().map(move |b| (a, b)))
                .map(|(a, b)| (self.logprob)(a, b, w))
                .fold(f32::MIN, f32::max)
        }
        fn vocab_len(&self) -> usize {
            self.words as usize
        }
        fn word(&self, _id: WordId) -> &str {
            ""
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny hand-made model: vocabulary `<s> </s> the cat sat`, with bigram `the cat` and
    /// trigram `<s> the cat`.
    pub fn tiny() -> TrigramModel {
        TrigramModel::from_sections(&Sections::parse(&tiny_file()).unwrap()).unwrap()
    }

    /// The model file of [`tiny`].
    fn tiny_file() -> Vec<u8> {
        let mut bins = vec![0.0f32; 1 << 16];
        bins[1] = -0.5;
        bins[2] = -0.1;
        let words: Vec<String> = ["<s>", "</s>", "the", "cat", "sat"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // bigram entries, grouped by the word they end in: cat <- the (entry 0)
        let parts = LanguageModelParts {
            uni_prob: vec![-9.0, -2.0, -1.0, -3.0, -4.0],
            uni_bo: vec![-0.2, 0.0, -0.3, -0.4, 0.0],
            uni_next: vec![0, 0, 0, 0, 1, 1],
            bi_word: vec![2],
            bi_prob: vec![1],
            bi_bo: vec![0],
            bi_next: vec![0, 1],
            tri_word: vec![0],
            tri_prob: vec![2],
            bi_prob_bins: bins.clone(),
            bi_bo_bins: bins.clone(),
            tri_prob_bins: bins,
            words,
        };
        let mut w = SectionWriter::default();
        parts.write(&mut w);
        w.finish(1).unwrap()
    }

    /// Derived sections in a model file that is not the program's own image are never read:
    /// garbage in them changes nothing.
    #[test]
    fn a_file_with_derived_sections_builds_them_again() {
        let mut tampered = SectionWriter::default();
        let file = Sections::parse(&tiny_file()).unwrap();
        for (name, bytes) in file.iter() {
            tampered.bytes(name, bytes);
        }
        tampered.u64s("lm.vocab_index", &[7, 7, 7]);
        tampered.u64s("lm.bigram_table", &[7, 7, 7]);
        let lm =
            TrigramModel::from_sections(&Sections::parse(&tampered.finish(1).unwrap()).unwrap())
                .expect("derived sections are ignored");
        let id = |w| lm.id(w).unwrap();
        assert_eq!(lm.logprob(None, Some(id("the")), id("cat")), -0.5);
    }

    #[test]
    fn backoff_arithmetic() {
        let lm = tiny();
        let id = |w| lm.id(w).unwrap();
        assert_eq!(lm.logprob(None, None, id("cat")), -3.0);
        assert_eq!(lm.logprob(None, Some(id("the")), id("cat")), -0.5);
        assert_eq!(
            lm.logprob(Some(id("<s>")), Some(id("the")), id("cat")),
            -0.1
        );
        // unseen bigram `cat sat`: bo(cat) + p(sat)
        assert!((lm.logprob(None, Some(id("cat")), id("sat")) - (-4.4)).abs() < 1e-6);
        assert_eq!(lm.id("dog"), None);
    }

    /// The language model of the committed default model file.
    fn default_trigram() -> TrigramModel {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../models/en-default.unspin"
        );
        let bytes = std::fs::read(path).expect("default model reads");
        TrigramModel::from_sections(&Sections::parse(&bytes).unwrap()).unwrap()
    }

    /// The bigram hash table finds exactly the entries a binary search of the runs finds,
    /// with their probability, backoff and number: every stored pair, and no pair that is
    /// not stored.
    #[test]
    fn bigram_table_agrees_with_the_runs() {
        let lm = &default_trigram();
        // Built here from the runs, not by `bigram_entry`, so that the table is checked
        // against an independent reading.
        let entry = |e: usize| BigramSlot {
            prob: lm.bi_prob_bins[lm.bi_prob[e] as usize],
            backoff: lm.bi_bo[e],
            number: e as u32,
        };
        let mut absent_checked = 0;
        for w in 0..lm.words.len() {
            let (lo, hi) = (lm.uni_next[w] as usize, lm.uni_next[w + 1] as usize);
            for e in lo..hi {
                assert_eq!(lm.find_bigram(w as WordId, lm.bi_word[e]), Some(entry(e)));
            }
            // A few pairs per word that the run may or may not hold.
            for prev in [
                (w * 7919) % lm.words.len(),
                (w * 104_729 + 13) % lm.words.len(),
            ] {
                let prev = prev as WordId;
                let expected = lm.bi_word[lo..hi]
                    .binary_search(&prev)
                    .ok()
                    .map(|i| entry(lo + i));
                assert_eq!(lm.find_bigram(w as WordId, prev), expected);
                absent_checked += usize::from(expected.is_none());
            }
        }
        assert!(absent_checked > 1000, "the probe of absent pairs ran");
        assert_eq!(tiny().find_bigram(3, 4), None);
    }

    /// The trigram hash table finds exactly the trigrams a binary search of the runs finds,
    /// with their probability codes: every stored trigram, and for every 50th bigram a few
    /// histories it may or may not have.
    #[test]
    fn trigram_table_agrees_with_the_runs() {
        let lm = &default_trigram();
        let words = lm.words.len();
        let (mut found, mut absent_checked) = (0, 0);
        for w in 0..words {
            for e in lm.uni_next[w] as usize..lm.uni_next[w + 1] as usize {
                let p = lm.bi_word[e];
                let bigram = lm.find_bigram(w as WordId, p).expect("a stored bigram");
                let (lo, hi) = (lm.bi_next[e] as usize, lm.bi_next[e + 1] as usize);
                for t in lo..hi {
                    let q = lm.tri_word[t];
                    assert_eq!(
                        lm.find_trigram(bigram, q, p, w as WordId),
                        Some(lm.tri_prob[t])
                    );
                    found += 1;
                }
                if e % 50 != 0 {
                    continue;
                }
                for q in [(e * 7919) % words, (e * 104_729 + 13) % words, w, 0] {
                    let q = q as WordId;
                    let expected = lm.tri_word[lo..hi]
                        .binary_search(&q)
                        .ok()
                        .map(|i| lm.tri_prob[lo + i]);
                    assert_eq!(lm.find_trigram(bigram, q, p, w as WordId), expected);
                    absent_checked += usize::from(expected.is_none());
                }
            }
        }
        assert_eq!(found, lm.tri_word.len());
        assert!(absent_checked > 1000, "the probe of absent trigrams ran");
    }

    /// No log-probability of the default model is above its word's ceiling, which the
    /// decoder's bound relies on: every word's after every history it has a stored bigram or
    /// trigram with (the branches that can be near the ceiling), for every 40th word, after
    /// the history whose back-off weights add the most to a unigram, and after a few thousand
    /// other histories. And no ceiling is positive, so the trait's default ceiling (zero)
    /// would hold for this model too.
    #[test]
    fn no_log_probability_of_the_default_model_is_above_its_ceiling() {
        let lm = &default_trigram();
        let words = lm.words.len();
        assert!(lm.word_ceilings.iter().all(|&c| c <= 0.0));
        // The history that adds the most to a word backed off to its unigram.
        let backoff_of = |e: usize| lm.bi_bo_bins[lm.bi_bo[e] as usize];
        let (_, largest_backoff) = (0..words)
            .flat_map(|p| {
                let run = lm.uni_next[p] as usize..lm.uni_next[p + 1] as usize;
                run.map(move |e| (lm.uni_bo[p] + backoff_of(e), (lm.bi_word[e], p as WordId)))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .expect("the model has bigrams");
        let mut checked = 0usize;
        for w in (0..words).step_by(40) {
            let ceiling = lm.word_ceilings[w];
            let w = w as WordId;
            let mut check = |q: Option<WordId>, p: Option<WordId>| {
                let lp = lm.logprob(q, p, w);
                // Up to the rounding of sums made in another order (the decoder adds a
                // margin for it).
                assert!(lp <= ceiling + 1e-4, "{q:?} {p:?} {w}: {lp} > {ceiling}");
                checked += 1;
            };
            check(None, None);
            check(Some(largest_backoff.0), Some(largest_backoff.1));
            for e in lm.uni_next[w as usize] as usize..lm.uni_next[w as usize + 1] as usize {
                let p = lm.bi_word[e];
                check(None, Some(p));
                // Histories `q p`: those stored (with their back-off weights), then others.
                let (lo, hi) = (lm.uni_next[p as usize], lm.uni_next[p as usize + 1]);
                for h in (lo..hi).take(200) {
                    check(Some(lm.bi_word[h as usize]), Some(p));
                }
                check(Some((p * 7919 + w) % words as WordId), Some(p));
            }
            for k in 0..50u32 {
                let p = (w.wrapping_mul(104_729) + k * 7) % words as WordId;
                check(Some((p * 31 + k) % words as WordId), Some(p));
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    /// Irregular log-probabilities from a hash of the trigram, in about [-13.6, 0].
    fn hashed_logprob(prev2: Option<WordId>, prev: Option<WordId>, w: WordId) -> f32 {
        let key = (u64::from(prev2.map_or(99, |x| x)) * 131 + u64::from(prev.map_or(99, |x| x)))
            * 131
            + u64::from(w);
        -((key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as f32) / 1_234_567.0
    }

    proptest::proptest! {
        /// A window is either scored exactly, to the bit as `score_window` scores it, or
        /// bounded from above by a value the caller's test holds of, with exact ceilings and
        /// with the loosest (zero).
        #[test]
        fn a_window_is_only_ever_bounded_from_above(
            before in (proptest::option::of(0u32..6), proptest::option::of(0u32..6)),
            middle in proptest::collection::vec(proptest::option::weighted(0.9, 0u32..6), 0..3),
            after in proptest::collection::vec(proptest::option::weighted(0.9, 0u32..6), 0..4),
            threshold in -45.0f32..0.0,
            exact_ceilings in proptest::bool::ANY,
        ) {
            let lm = testing::FnLm { words: 6, logprob: hashed_logprob, exact_ceilings };
            let score = lm.score_window(before, &middle, &after);
            match lm.score_window_unless(before, &middle, &after, &|x| x <= threshold) {
                WindowScore::Exact(exact) => {
                    proptest::prop_assert_eq!(exact.to_bits(), score.to_bits());
                    // Scored to the end only when the first bound did not settle it.
                    if !after.is_empty() {
                        let ceilings = after.iter().fold(0.0, |sum, w| {
                            sum + w.map_or(OOV_LOGPROB, |id| lm.ceiling(id) + 1e-3)
                        });
                        let first_bound = score_words(&lm, before, &middle).0 + ceilings;
                        proptest::prop_assert!(first_bound > threshold);
                    }
                }
                WindowScore::AtMost(bound) => {
                    proptest::prop_assert!(bound <= threshold);
                    proptest::prop_assert!(score <= bound, "{score} > {bound}");
                }
            }
        }
    }
}
