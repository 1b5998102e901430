//! Filters of the words of phrases: let the document layer skip windows that no channel could
//! know without joining, hashing and looking them up.
//!
//! Most windows of running text ("said the", "of a new") begin no phrase of the lexicon or of
//! a learned table, yet each cost a string, a cache look-up and, on a miss, a search of the
//! lexicon and of the morphology. One filter answers for the window's first two words at once,
//! for all its lengths ([`pair_key`]); a second for a window of three or more words by its
//! length, its inner words and its last word ([`tail_key`]), the last in every form a channel
//! may lemmatise it from: of the windows whose first two words begin some phrase ("in a", "on
//! the"), most three- and four-word ones are no phrase. A filter may answer yes wrongly (two
//! keys may share a hash), never no: skipping a window that had a candidate would change an
//! output.

use crate::container::{fibonacci_slot, half_full_bits, Array};

/// Hash of the word pair `first second` (the words of a phrase split at single spaces).
pub fn pair_key(first: &str, second: &str) -> u64 {
    let key = xxhash_rust::xxh3::xxh3_64_with_seed(
        second.as_bytes(),
        xxhash_rust::xxh3::xxh3_64(first.as_bytes()),
    );
    // 0 marks an empty slot.
    key.max(1)
}

/// Hash of a window of three or more words by its length and its inner words (all but the
/// first and the last): "in a single day" and "in the single days" share it, "in a single"
/// does not. `None` for a window of fewer than three words.
fn interior_key(words: &[&str]) -> Option<u64> {
    let n = words.len();
    if n < 3 {
        return None;
    }
    // The length seeds the chain: the same inner words in windows of two lengths differ.
    let key = words[1..n - 1]
        .iter()
        .fold(0x5eed_0000 + n as u64, |seed, word| {
            xxhash_rust::xxh3::xxh3_64_with_seed(word.as_bytes(), seed)
        });
    // 0 marks an empty slot.
    Some(key.max(1))
}

/// Hash of a window of three or more words by its length, its inner words and its last word:
/// "in a single day" and "on a single day" share it, "in a single days" does not. A
/// thesaurus that lemmatises a window's first word or its last finds the phrase's last word
/// as written or in one of its forms; a set of these keys over every form of each phrase's
/// last word answers for the window's end as well as its inside. `None` for a window of
/// fewer than three words.
pub fn tail_key(words: &[&str]) -> Option<u64> {
    let last = words.last()?;
    // The last word hashed with the inside as its seed.
    let key = xxhash_rust::xxh3::xxh3_64_with_seed(last.as_bytes(), interior_key(words)?);
    // 0 marks an empty slot.
    Some(key.max(1))
}

/// Hash of one word, for a set of single words (a seed apart from the other keys).
pub fn word_key(word: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(word.as_bytes(), 0x5eed_1000).max(1)
}

/// The words of `phrase` (single spaces) when it has three or more, for [`tail_key`].
pub fn words_of_long_phrase(phrase: &str) -> Option<Vec<&str>> {
    let words: Vec<&str> = phrase.split(' ').collect();
    (words.len() >= 3).then_some(words)
}

/// The first two words of `phrase` (single spaces), when it has two or more.
pub fn first_two_words(phrase: &str) -> Option<(&str, &str)> {
    let mut words = phrase.split(' ');
    let first = words.next()?;
    let second = words.next()?;
    Some((first, second))
}

/// A set of word keys ([`pair_key`]s, [`tail_key`]s or [`word_key`]s): an open-addressing
/// table at most half full, stored in a prepared image as it is (`Array<u64>`, 0 for an empty
/// slot).
pub struct WordPairSet {
    slots: Array<u64>,
    shift: u32,
}

impl WordPairSet {
    /// Moves the slots into large pages ([`Array::into_large_pages`]).
    pub fn move_to_large_pages(&mut self) {
        self.slots.move_to_large_pages();
    }

    /// The set of the first two words of every phrase of two or more words, each also with
    /// its first word or its second in every form `forms_of` gives (the words whose lemma it
    /// is): the thesaurus matches a window with either word lemmatised, and a filter over the
    /// written forms answers without analysing the window's words.
    pub fn of_phrase_starts_in_all_forms<'p: 'f, 'f>(
        phrases: impl Iterator<Item = &'p str>,
        forms_of: impl Fn(&str) -> &'f [&'p str],
    ) -> Self {
        let mut keys = Vec::new();
        for (first, second) in phrases.filter_map(first_two_words) {
            keys.push(pair_key(first, second));
            keys.extend(forms_of(first).iter().map(|f| pair_key(f, second)));
            keys.extend(forms_of(second).iter().map(|f| pair_key(first, f)));
        }
        // Many phrases share their first two words: the table is sized for distinct keys.
        keys.sort_unstable();
        keys.dedup();
        Self::of_keys(keys)
    }

    /// The set of the [`tail_key`]s of every phrase of three or more words, with its last word
    /// as written and in every form `forms_of` gives (the words whose lemma it is).
    pub fn of_phrase_tails_in_all_forms<'p: 'f, 'f>(
        phrases: impl Iterator<Item = &'p str>,
        forms_of: impl Fn(&str) -> &'f [&'p str],
    ) -> Self {
        let mut keys = Vec::new();
        for mut words in phrases.filter_map(words_of_long_phrase) {
            keys.extend(tail_key(&words));
            let last = words.len() - 1;
            for &form in forms_of(words[last]) {
                words[last] = form;
                keys.extend(tail_key(&words));
            }
        }
        keys.sort_unstable();
        keys.dedup();
        Self::of_keys(keys)
    }

    /// The set of single words (see [`word_key`]).
    pub fn of_words<'w>(words: impl Iterator<Item = &'w str>) -> Self {
        Self::of_keys(words.map(word_key).collect())
    }

    /// The set of `keys` (none of them 0).
    fn of_keys(keys: Vec<u64>) -> Self {
        let bits = half_full_bits(keys.len());
        let mask = (1usize << bits) - 1;
        let shift = 64 - bits;
        let mut slots = vec![0u64; 1 << bits];
        for key in keys {
            let mut at = fibonacci_slot(key, shift);
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
        self.may_contain_key(pair_key(first, second))
    }

    /// Whether some phrase of the same length may have the inner words of the window `words`
    /// (three or more words) and its last word in some form: false only when none does. A set
    /// of tails answers.
    pub fn may_contain_tail(&self, words: &[&str]) -> bool {
        tail_key(words).is_some_and(|key| self.may_contain_key(key))
    }

    /// Whether `word` may be in a set of single words: false only when it is not.
    pub fn may_contain_word(&self, word: &str) -> bool {
        self.may_contain_key(word_key(word))
    }

    /// Whether the set has no key.
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(|&k| k == 0)
    }

    /// Whether `key` may be in the set: false only when it is not.
    fn may_contain_key(&self, key: u64) -> bool {
        let mask = self.slots.len() - 1;
        let mut at = fibonacci_slot(key, self.shift);
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
        let set = WordPairSet::of_phrase_starts_in_all_forms(phrases.iter().copied(), |_| &[]);
        assert!(set.may_contain("white", "house"));
        assert!(set.may_contain("in", "opposition"));
        assert!(set.may_contain("a", "b"));
        assert!(set.may_contain("", "leading"));
        assert!(!set.may_contain("house", "white"));
        assert!(!set.may_contain("opposition", "to"));
        assert!(!set.may_contain("price", ""));
        let empty = WordPairSet::of_phrase_starts_in_all_forms(std::iter::empty(), |_| &[]);
        assert!(!empty.may_contain("white", "house"));
        let stored = WordPairSet::from_slots(set.slots().to_vec().into()).unwrap();
        assert!(stored.may_contain("white", "house"));
        assert!(!stored.may_contain("house", "white"));
    }

    #[test]
    fn a_phrase_start_is_found_in_every_form_of_either_word() {
        fn forms(w: &str) -> &'static [&'static str] {
            match w {
                "carry" => &["carried", "carries"],
                "house" => &["houses"],
                _ => &[],
            }
        }
        let phrases = ["carry out", "white house", "price"];
        let set = WordPairSet::of_phrase_starts_in_all_forms(phrases.iter().copied(), forms);
        for (a, b) in [
            ("carry", "out"),
            ("carried", "out"),
            ("carries", "out"),
            ("white", "house"),
            ("white", "houses"),
        ] {
            assert!(set.may_contain(a, b), "{a} {b}");
        }
        // Only the word that has the form: "out" has none, "white" none.
        assert!(!set.may_contain("carry", "outs"));
        assert!(!set.may_contain("whiter", "house"));
        assert!(!set.may_contain("carried", "house"));
    }

    #[test]
    fn a_window_is_found_by_its_inside_and_its_last_word_in_any_form() {
        fn forms(w: &str) -> &'static [&'static str] {
            match w {
                "day" => &["days"],
                _ => &[],
            }
        }
        let phrases = ["in a single day", "in opposition to", "white house"];
        let set = WordPairSet::of_phrase_tails_in_all_forms(phrases.iter().copied(), forms);
        // The first word is free (the pair filter answers for it), the last in any form.
        assert!(set.may_contain_tail(&["in", "a", "single", "day"]));
        assert!(set.may_contain_tail(&["on", "a", "single", "days"]));
        assert!(set.may_contain_tail(&["at", "opposition", "to"]));
        // Another last word, inner word or length fails.
        assert!(!set.may_contain_tail(&["in", "a", "single", "week"]));
        assert!(!set.may_contain_tail(&["in", "opposition", "of"]));
        assert!(!set.may_contain_tail(&["in", "a", "double", "day"]));
        assert!(!set.may_contain_tail(&["a", "single", "day"]));
        assert!(!set.may_contain_tail(&["white", "house"]));
        let stored = WordPairSet::from_slots(set.slots().to_vec().into()).unwrap();
        assert!(stored.may_contain_tail(&["on", "a", "single", "days"]));
    }
}
