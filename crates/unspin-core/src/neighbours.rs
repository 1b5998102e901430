//! Distributional neighbours: the words the language model sees in the same contexts as a
//! given word, a source of candidate originals that no thesaurus lists.
//!
//! Deployed spinners' tables are not thesauruses: real ones write "development" for "trend",
//! "purple" for "red", "greenback" for "dollar", "belongings" for "assets", pairs that neither
//! Moby nor WordNet relates but that share their contexts. Each word is described by the words
//! that precede and follow it in the model's bigrams, weighted by pointwise mutual
//! information; two words are neighbours when those descriptions agree (cosine similarity).
//! The learner ([`crate::learn`]) offers a written word's neighbours as extra candidates and
//! lets the corpus decide which, if any, the spinner used; the restorer never proposes them
//! on its own (co-hyponyms and antonyms share contexts too).

use crate::lm::{LanguageModel, WordId};

/// Settings of [`Neighbours::build`].
#[derive(Clone, Debug)]
pub struct NeighbourOptions {
    /// Context features kept per word (its strongest by PMI).
    pub features_per_word: usize,
    /// Words kept per context feature (the strongest): a feature shared by tens of thousands
    /// of words says little and would make every query slow.
    pub words_per_feature: usize,
    /// Least unigram log-probability (natural log) of a word to describe or propose.
    pub min_unigram: f32,
}

impl Default for NeighbourOptions {
    fn default() -> Self {
        NeighbourOptions {
            features_per_word: 150,
            words_per_feature: 4000,
            min_unigram: -16.0,
        }
    }
}

/// Context vectors of the model's words and their inverted index.
pub struct Neighbours {
    /// Per word: (feature, weight), L2-normalised; features are `previous word` or
    /// `vocabulary size + following word`.
    vectors: Vec<Vec<(u32, f32)>>,
    /// Per feature: (word, weight).
    postings: Vec<Vec<(WordId, f32)>>,
}

impl Neighbours {
    /// Describes every sufficiently frequent alphabetic word of `lm` by its bigram contexts.
    pub fn build(lm: &dyn LanguageModel, options: &NeighbourOptions) -> Self {
        let n = lm.vocab_len();
        let eligible: Vec<bool> = (0..n as WordId)
            .map(|w| {
                lm.unigram(w) >= options.min_unigram
                    && lm.word(w).chars().all(|c| c.is_alphabetic() || c == '\'')
            })
            .collect();
        let mut raw: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
        lm.for_each_bigram(&mut |prev, word, logprob| {
            let pmi = logprob - lm.unigram(word);
            if pmi <= 0.0 {
                return;
            }
            if eligible[word as usize] {
                raw[word as usize].push((prev, pmi));
            }
            if eligible[prev as usize] {
                raw[prev as usize].push((n as u32 + word, pmi));
            }
        });
        let mut postings: Vec<Vec<(WordId, f32)>> = vec![Vec::new(); 2 * n];
        let vectors: Vec<Vec<(u32, f32)>> = raw
            .into_iter()
            .enumerate()
            .map(|(w, mut features)| {
                features.sort_by(|a, b| b.1.total_cmp(&a.1));
                features.truncate(options.features_per_word);
                let norm = features.iter().map(|f| f.1 * f.1).sum::<f32>().sqrt();
                for f in &mut features {
                    f.1 /= norm.max(f32::MIN_POSITIVE);
                    postings[f.0 as usize].push((w as WordId, f.1));
                }
                features
            })
            .collect();
        for list in &mut postings {
            if list.len() > options.words_per_feature {
                list.sort_by(|a, b| b.1.total_cmp(&a.1));
                list.truncate(options.words_per_feature);
            }
        }
        Neighbours { vectors, postings }
    }

    /// The `limit` words whose contexts agree best with `word`'s, best first, with their
    /// cosine similarity; `word` itself is left out.
    pub fn of(&self, word: WordId, limit: usize) -> Vec<(WordId, f32)> {
        let Some(vector) = self.vectors.get(word as usize) else {
            return Vec::new();
        };
        let mut scores: std::collections::HashMap<WordId, f32> = Default::default();
        for &(feature, weight) in vector {
            for &(other, w) in &self.postings[feature as usize] {
                if other != word {
                    *scores.entry(other).or_insert(0.0) += weight * w;
                }
            }
        }
        let mut ranked: Vec<(WordId, f32)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);
        ranked
    }
}
