//! A filter of the two-word beginnings of phrases: lets the document layer skip every window of
//! two or more words that no channel could know without joining, hashing and looking it up.
//!
//! Most windows of running text ("said the", "of a new") begin no phrase of the lexicon or of
//! a learned table, yet each cost a string, a cache look-up and, on a miss, a search of the
//! lexicon and of the morphology. A filter answers for the window's first two words at once,
//! for all its lengths. It may answer yes wrongly (two pairs may share a hash), never no:
//! skipping a window that had a candidate would change an output.

use crate::container::Array;

/// Hash of the word pair `first second` (the words of a phrase split at single spaces).
pub fn pair_key(first: &str, second: &str) -> u64 {
    let key = xxhash_rust::xxh3::xxh3_64_with_seed(
        second.as_bytes(),
        xxhash_rust::xxh3::xxh3_64(first.as_bytes()),
    );
    // 0 marks an empty slot.
    key.max(1)
}

/// Slot of `key` before probing (Fibonacci hashing: the keys are hashes already, but their
/// top bits must pick the slot).
fn home(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
}

/// The first two words of `phrase` (single spaces), when it has two or more.
pub fn first_two_words(phrase: &str) -> Option<(&str, &str)> {
    let mut words = phrase.split(' ');
    let first = words.next()?;
    let second = words.next()?;
    Some((first, second))
}

/// A set of [`pair_key`]s: an open-addressing table at most half full, stored in a prepared
/// image as it is (`Array<u64>`, 0 for an empty slot).
pub struct WordPairSet {
    slots: Array<u64>,
    shift: u32,
}

impl WordPairSet {
    /// The set of the first two words of every phrase of two or more words.
    pub fn of_phrases<'p>(phrases: impl Iterator<Item = &'p str>) -> Self {
        let keys: Vec<u64> = phrases
            .filter_map(first_two_words)
            .map(|(a, b)| pair_key(a, b))
            .collect();
        let bits = (2 * keys.len().max(1)).next_power_of_two().trailing_zeros();
        let mask = (1usize << bits) - 1;
        let shift = 64 - bits;
        let mut slots = vec![0u64; 1 << bits];
        for key in keys {
            let mut at = home(key, shift);
            while slots[at] != 0 && slots[at] != key {
                at = (at + 1) & mask;
            }
            slots[at] = key;
        }
        WordPairSet {
            slots: slots.into(),
            shift,
        }
    }

    /// A set stored by [`WordPairSet::slots`], or `None` when its length is not a power of two
    /// (only the program's own prepared image is read this way).
    pub fn from_slots(slots: Array<u64>) -> Option<Self> {
        let n = slots.len();
        (n.is_power_of_two()).then(|| WordPairSet {
            shift: 64 - n.trailing_zeros(),
            slots,
        })
    }

    /// The table, for a prepared image.
    pub fn slots(&self) -> &[u64] {
        &self.slots
    }

    /// Whether some phrase may begin with `first second`: false only when none does.
    pub fn may_contain(&self, first: &str, second: &str) -> bool {
        let key = pair_key(first, second);
        let mask = self.slots.len() - 1;
        let mut at = home(key, self.shift);
        loop {
            match self.slots[at] {
                0 => return false,
                k if k == key => return true,
                _ => at = (at + 1) & mask,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phrase_beginning_is_found_and_one_word_phrases_add_nothing() {
        let phrases = [
            "white house",
            "in opposition to",
            "price",
            "a b c d",
            " leading space",
        ];
        let set = WordPairSet::of_phrases(phrases.iter().copied());
        assert!(set.may_contain("white", "house"));
        assert!(set.may_contain("in", "opposition"));
        assert!(set.may_contain("a", "b"));
        assert!(set.may_contain("", "leading"));
        assert!(!set.may_contain("house", "white"));
        assert!(!set.may_contain("opposition", "to"));
        assert!(!set.may_contain("price", ""));
        let empty = WordPairSet::of_phrases(std::iter::empty());
        assert!(!empty.may_contain("white", "house"));
        let stored = WordPairSet::from_slots(set.slots().to_vec().into()).unwrap();
        assert!(stored.may_contain("white", "house"));
        assert!(!stored.may_contain("house", "white"));
    }
}
