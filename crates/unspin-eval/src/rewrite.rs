//! A rewriting simulator: copies that are not only synonym swaps. On top of a synonym spinner
//! (usually at a light rate), a copy's sentences are reordered, dropped, or joined by a
//! sentence from another article, and inside sentences words are re-phrased: function words
//! dropped or added, neighbours swapped. The kind of copy a round-trip translation or a
//! sentence rewriter makes, which keeps few of a thesaurus spinner's traces.

use crate::spinner::Spinner;

/// Rates of each operation (shares of sentences or words).
#[derive(Clone, Copy, Debug)]
pub struct Rewriter {
    /// Seed of every choice.
    pub seed: u64,
    /// Share of sentences swapped with the next one.
    pub reorder: f64,
    /// Share of sentences dropped.
    pub drop: f64,
    /// Share of sentences followed by one taken from another article.
    pub insert: f64,
    /// Share of words re-phrased (a function word dropped, a filler added, a neighbour
    /// swapped).
    pub rephrase: f64,
}

/// A rewritten copy and what the simulator did to it.
pub struct Rewritten {
    /// The copy.
    pub text: String,
    /// Words changed inside sentences (synonym swaps and re-phrasings).
    pub changed_words: usize,
    /// Words of the copy.
    pub words: usize,
}

const FUNCTION_WORDS: &[&str] = &[
    "the", "a", "that", "also", "very", "of", "to", "and", "which", "then", "just",
];
const FILLERS: &[&str] = &["also", "really", "then", "indeed", "now", "still"];

impl Rewriter {
    fn roll(&self, salt: u64, i: usize) -> f64 {
        let key = (salt << 32) ^ i as u64;
        (xxhash_rust::xxh3::xxh3_64_with_seed(&key.to_le_bytes(), self.seed) % 1_000_000) as f64
            / 1_000_000.0
    }

    /// Rewrites `doc`: spun by `spinner`, then its sentences and words as the rates say;
    /// inserted sentences come from `donor`.
    pub fn rewrite(&self, doc: &str, spinner: &Spinner, donor: &str) -> Rewritten {
        let (spun, replaced) = spinner.spin(doc);
        let split = |t: &str| -> Vec<String> {
            t.split_inclusive(['.', '\n'])
                .map(str::trim)
                .filter(|s| s.split_whitespace().count() > 2)
                .map(str::to_owned)
                .collect()
        };
        let mut sentences = split(&spun);
        let donated = split(donor);
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        while i < sentences.len() {
            if self.roll(1, i) < self.drop {
                i += 1;
                continue;
            }
            if i + 1 < sentences.len() && self.roll(2, i) < self.reorder {
                sentences.swap(i, i + 1);
            }
            out.push(sentences[i].clone());
            if !donated.is_empty() && self.roll(3, i) < self.insert {
                let pick = (self.roll(4, i) * donated.len() as f64) as usize;
                out.push(donated[pick.min(donated.len() - 1)].clone());
            }
            i += 1;
        }
        let mut changed = replaced;
        let mut n = 0usize;
        let rephrased: Vec<String> = out
            .iter()
            .map(|s| {
                let mut words: Vec<String> = s.split(' ').map(str::to_owned).collect();
                let mut k = 0;
                while k < words.len() {
                    n += 1;
                    let r = self.roll(5, n);
                    if r < self.rephrase {
                        let lower = words[k].to_lowercase();
                        let op = self.roll(6, n);
                        if op < 0.4 && FUNCTION_WORDS.contains(&lower.as_str()) && words.len() > 3 {
                            words.remove(k);
                            changed += 1;
                            continue;
                        } else if op < 0.7 {
                            let filler = FILLERS
                                [(self.roll(7, n) * FILLERS.len() as f64) as usize % FILLERS.len()];
                            words.insert(k, filler.to_owned());
                            changed += 1;
                            k += 2;
                            continue;
                        } else if k + 1 < words.len() {
                            words.swap(k, k + 1);
                            changed += 2;
                            k += 2;
                            continue;
                        }
                    }
                    k += 1;
                }
                words.join(" ")
            })
            .collect();
        let text = rephrased.join(" ");
        let words = text.split_whitespace().count();
        Rewritten {
            text,
            changed_words: changed,
            words,
        }
    }
}
