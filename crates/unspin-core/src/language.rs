//! The language seam: what the engine must know about a language besides its model data
//! (vocabulary, thesaurus, inflections). English is the one implementation; a model file
//! names its language in its manifest ([`crate::model::Manifest`]) and [`by_tag`] finds it.
//!
//! The tokenizer itself ([`crate::text::tokenize`]) is script-level (letters, digits,
//! joiners, spintax braces) and shared; what differs between languages is here.

use crate::text;
use std::borrow::Cow;

/// Rules of one language that the candidate generator, the LM mapping and the document
/// layer read.
pub trait Language: Send + Sync {
    /// The tag a model's manifest uses for this language (BCP 47, "en").
    fn tag(&self) -> &'static str;

    /// Splits `text` into tokens that cover every byte, in order.
    fn tokenize(&self, text: &str) -> Vec<text::Token> {
        text::tokenize(text)
    }

    /// Lowercase look-up form of a word.
    fn normalise_word(&self, word: &str) -> String {
        text::normalise_word(word)
    }

    /// Whether a punctuation token ends a sentence for the language model.
    fn ends_sentence(&self, punct: &str) -> bool;

    /// The spelling the language model uses for a regional variant of `word` ("defence" ->
    /// "defense"), or `None` when there is none.
    fn model_spelling(&self, word: &str) -> Option<String>;

    /// Whether two lowercase words are the same word in two regional spellings (never a
    /// spinner's synonym pair).
    fn spelling_variants(&self, a: &str, b: &str) -> bool;

    /// The words a reader would say for a small number written in digits ("5" -> "five"),
    /// so that the language model judges it in context.
    fn spoken_number(&self, word: &str) -> Option<&'static str>;

    /// Words that follow the verb of a phrasal verb ("carry out", "succeed in"): a multi-word
    /// original whose second word is not one of them takes no verbal inflection.
    fn verb_particles(&self) -> &'static [&'static str];
}

/// The language of a manifest tag, if this build knows it.
pub fn by_tag(tag: &str) -> Option<Box<dyn Language>> {
    match tag {
        "en" => Some(Box::new(English)),
        _ => None,
    }
}

/// English, as the default model reads it (American spelling in the language model).
#[derive(Clone, Copy, Debug, Default)]
pub struct English;

const PARTICLES: &[&str] = &[
    "about", "across", "after", "along", "around", "at", "away", "back", "by", "down", "for",
    "forth", "forward", "from", "here", "in", "into", "off", "on", "onto", "out", "over", "round",
    "there", "through", "to", "together", "up", "upon", "with",
];

const SMALL_NUMBERS: [&str; 21] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

impl Language for English {
    fn tag(&self) -> &'static str {
        "en"
    }

    fn ends_sentence(&self, p: &str) -> bool {
        matches!(p, "." | "!" | "?" | ";" | ":" | "\u{2026}")
    }

    fn model_spelling(&self, word: &str) -> Option<String> {
        match american_spelling(word) {
            Cow::Owned(us) => Some(us),
            Cow::Borrowed(_) => None,
        }
    }

    fn spelling_variants(&self, a: &str, b: &str) -> bool {
        // Asked of every candidate the thesaurus proposes: each spelling worked out once, and
        // borrowed when no rule changes it (most words).
        if a == b || !same_first_two_bytes(a, b) {
            return false;
        }
        let (us_a, us_b) = (american_spelling(a), american_spelling(b));
        us_a == b || us_b == a || us_a == us_b
    }

    fn spoken_number(&self, word: &str) -> Option<&'static str> {
        let n: usize = word.parse().ok()?;
        SMALL_NUMBERS.get(n).copied()
    }

    fn verb_particles(&self) -> &'static [&'static str] {
        PARTICLES
    }
}

/// Whether `a` and `b` both have two bytes or more and the same first two. Every rule of
/// [`american_spelling`] rewrites a suffix after a stem of two bytes or more, so two spellings
/// of one word always agree in their first two bytes: most pairs of synonyms are told apart
/// here, without spelling either.
fn same_first_two_bytes(a: &str, b: &str) -> bool {
    matches!((a.as_bytes().get(..2), b.as_bytes().get(..2)), (Some(x), Some(y)) if x == y)
}

/// The American spelling of a British-spelled word ("defence" -> "defense", "organised" ->
/// "organized", "metres" -> "meters"), or the word unchanged (borrowed). The language model
/// is American, and a spelling variant is never a spinner's synonym.
pub fn american_spelling(word: &str) -> Cow<'_, str> {
    const RULES: &[(&str, &str)] = &[
        ("isation", "ization"),
        ("ising", "izing"),
        ("ised", "ized"),
        ("ises", "izes"),
        ("ise", "ize"),
        ("yse", "yze"),
        ("ysed", "yzed"),
        ("ence", "ense"),
        ("ogue", "og"),
        ("our", "or"),
        ("ours", "ors"),
        ("oured", "ored"),
        ("ouring", "oring"),
        ("tre", "ter"),
        ("tres", "ters"),
        ("lled", "led"),
        ("lling", "ling"),
    ];
    for (gb, us) in RULES {
        if let Some(stem) = word.strip_suffix(gb) {
            if stem.len() >= 2 {
                return Cow::Owned(format!("{stem}{us}"));
            }
        }
    }
    Cow::Borrowed(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_variants_are_recognised() {
        let en = English;
        assert!(en.spelling_variants("subsidised", "subsidized"));
        assert!(en.spelling_variants("metres", "meters"));
        assert!(en.spelling_variants("defence", "defense"));
        assert!(!en.spelling_variants("home", "house"));
        assert!(!en.spelling_variants("war", "warfare"));
    }

    /// The two-byte check turns away only pairs that are no spelling variants: the answer is
    /// the one of spelling both words, for every pair of words built of a stem (none, shorter
    /// than the rules need, long enough, shared or not) and one of the rules' suffixes.
    #[test]
    fn the_quick_check_never_changes_the_answer() {
        const STEMS: &[&str] = &["", "a", "ab", "abc", "xb", "abd"];
        let words: Vec<String> = STEMS
            .iter()
            .flat_map(|stem| SUFFIXES.iter().map(move |suffix| format!("{stem}{suffix}")))
            .collect();
        let mut variants = 0;
        for a in &words {
            for b in &words {
                let slow = a != b && {
                    let (us_a, us_b) = (american_spelling(a), american_spelling(b));
                    us_a == b.as_str() || us_b == a.as_str() || us_a == us_b
                };
                assert_eq!(English.spelling_variants(a, b), slow, "{a} {b}");
                variants += usize::from(slow);
            }
        }
        assert!(variants > 100, "the pairs include variants: {variants}");
    }

    /// The rules' British and American suffixes, and none.
    const SUFFIXES: &[&str] = &[
        "", "isation", "ization", "ising", "izing", "ised", "ized", "ises", "izes", "ise", "ize",
        "yse", "yze", "ysed", "yzed", "ence", "ense", "ogue", "og", "our", "or", "ours", "ors",
        "oured", "ored", "ouring", "oring", "tre", "ter", "tres", "ters", "lled", "led", "lling",
        "ling", "e", "s",
    ];

    #[test]
    fn small_numbers_are_spoken_and_large_ones_are_not() {
        assert_eq!(English.spoken_number("7"), Some("seven"));
        assert_eq!(English.spoken_number("21"), None);
        assert_eq!(English.spoken_number("x"), None);
    }
}
