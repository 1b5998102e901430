//! The text layer: tokens with byte offsets, and the case pattern of each word.
//!
//! Tokens tile the input exactly (every byte belongs to one token), so any edit expressed as
//! a token range can be applied to the original bytes and everything else is copied verbatim.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters, digits, and apostrophes or hyphens inside them ("it's", "full-scale").
    Word,
    /// Starts with a digit ("17", "21,730", "1st").
    Number,
    /// A brace group left by a spinner's template, such as `{that a}` or `{big|large}`.
    Spintax,
    /// A run of whitespace.
    Space,
    /// Any other single character.
    Punct,
}

/// A token: a kind and a byte range of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

/// Longest brace group taken as spintax; longer ones are ordinary punctuation and text.
const MAX_SPINTAX: usize = 200;

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '-')
}

/// Splits `text` into tokens that cover every byte, in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let kind = if c.is_alphabetic() || c.is_ascii_digit() {
            let kind = if c.is_ascii_digit() {
                TokenKind::Number
            } else {
                TokenKind::Word
            };
            // Continue through alphanumerics; a joiner (or, in numbers, `.`/`,`) continues the
            // token only when an alphanumeric follows it.
            while let Some(&(i, n)) = chars.peek() {
                if n.is_alphanumeric() {
                    chars.next();
                    continue;
                }
                let joins = is_joiner(n) || (kind == TokenKind::Number && matches!(n, '.' | ','));
                let next_alnum = text[i + n.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(|x| x.is_alphanumeric());
                if joins && next_alnum {
                    chars.next();
                } else {
                    break;
                }
            }
            kind
        } else if c.is_whitespace() {
            while chars.peek().is_some_and(|&(_, n)| n.is_whitespace()) {
                chars.next();
            }
            TokenKind::Space
        } else if c == '{' {
            let rest = &text[start + 1..];
            let close = rest
                .char_indices()
                .take_while(|&(i, ch)| i < MAX_SPINTAX && ch != '{' && ch != '\n')
                .find(|&(_, ch)| ch == '}');
            match close {
                Some((i, _)) if !rest[..i].split('|').next().unwrap_or("").trim().is_empty() => {
                    while chars.peek().is_some_and(|&(j, _)| j <= start + 1 + i) {
                        chars.next();
                    }
                    TokenKind::Spintax
                }
                _ => TokenKind::Punct,
            }
        } else {
            TokenKind::Punct
        };
        let end = chars.peek().map(|&(i, _)| i).unwrap_or(text.len());
        tokens.push(Token { kind, start, end });
    }
    tokens
}

/// The capitalisation of a word, used to give a restored word the spun word's case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// all lowercase (or no letters)
    Lower,
    /// First letter upper, the rest lower.
    Title,
    /// ALL UPPER (two letters or more).
    Upper,
    /// Anything else ("iPhone").
    Mixed,
}

/// The case pattern of `word`.
pub fn case_of(word: &str) -> Case {
    // Counted, not collected: asked of every word of every text.
    let (mut letters, mut upper, mut first_upper) = (0usize, 0usize, false);
    for c in word.chars().filter(|c| c.is_alphabetic()) {
        let is_upper = c.is_uppercase();
        if letters == 0 {
            first_upper = is_upper;
        }
        letters += 1;
        upper += usize::from(is_upper);
    }
    if upper == 0 {
        Case::Lower
    } else if letters > 1 && upper == letters {
        Case::Upper
    } else if first_upper && upper == 1 {
        Case::Title
    } else {
        Case::Mixed
    }
}

/// `phrase` (lowercase) written in `case`; with `every_word`, Title applies to each word.
pub fn apply_case(phrase: &str, case: Case, every_word: bool) -> String {
    fn title(w: &str) -> String {
        let mut c = w.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => String::new(),
        }
    }
    match case {
        Case::Lower | Case::Mixed => phrase.to_owned(),
        Case::Upper => phrase.to_uppercase(),
        Case::Title if every_word => phrase.split(' ').map(title).collect::<Vec<_>>().join(" "),
        Case::Title => title(phrase),
    }
}

/// `phrase` (lowercase) written in the case of the spun words it replaces, `spun` as written:
/// - every word Title when every spun word is (two or more: "White Home" -> "White House");
/// - all upper when every spun word is;
/// - otherwise word by word: a word the spun phrase also has is written as the spun phrase
///   writes it ("Day by day Dive" -> "Daily Dive", "the US economic system" -> "the US
///   economy"); the others take the case of the spun word in the same place when both have
///   as many words ("the White Home" -> "the White House"), else the first takes the first
///   spun word's case and the rest stay lowercase.
pub fn case_like(phrase: &str, spun: &[&str]) -> String {
    let cases: Vec<Case> = spun.iter().map(|w| case_of(w)).collect();
    let Some(&first) = cases.first() else {
        return phrase.to_owned();
    };
    if cases.len() > 1 && cases.iter().all(|&c| c == Case::Title) {
        return apply_case(phrase, Case::Title, true);
    }
    if cases.iter().all(|&c| c == Case::Upper) {
        return phrase.to_uppercase();
    }
    let words: Vec<&str> = phrase.split(' ').collect();
    let same_length = words.len() == spun.len();
    let mut used = vec![false; spun.len()];
    let mut out = String::with_capacity(phrase.len());
    for (j, word) in words.iter().enumerate() {
        if j > 0 {
            out.push(' ');
        }
        // The same word in the spun phrase, nearest its place first.
        let same = (0..spun.len())
            .filter(|&i| !used[i] && normalise_word(spun[i]) == *word)
            .min_by_key(|&i| i.abs_diff(j));
        match same {
            Some(i) => {
                used[i] = true;
                out.push_str(spun[i]);
            }
            None if same_length => out.push_str(&apply_case(word, cases[j], false)),
            None if j == 0 => out.push_str(&apply_case(word, first, false)),
            None => out.push_str(word),
        }
    }
    out
}

/// Lowercase form used for look-ups: curly apostrophes become straight ones.
pub fn normalise_word(word: &str) -> String {
    // Most words are ASCII: one copy, and no curly apostrophe to replace.
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    word.to_lowercase().replace('\u{2019}', "'")
}

/// The words two sequences have in common, as index pairs `(in a, in b)` in order: a longest
/// common subsequence, taking the earlier of `a`'s words on a tie. How a copy is aligned with
/// its source (`fingerprint::differing_runs`) and a reader's note with itself
/// (`spinner::AttestedPairs`). Quadratic: for passages and phrases, not whole documents.
pub fn aligned_words(a: &[&str], b: &[&str]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut matched = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            matched.push((i, j));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        tokenize(text)
            .into_iter()
            .map(|t| (t.kind, &text[t.start..t.end]))
            .collect()
    }

    #[test]
    fn a_restored_phrase_takes_the_case_of_the_words_it_replaces() {
        // (restored phrase, spun words as written, the phrase as it is written back)
        let cases = [
            ("white house", "White Home", "White House"),
            ("daily dive", "Day by day Dive", "Daily Dive"),
            ("the white house", "the White Home", "the White House"),
            ("the us economy", "the US economic system", "the US economy"),
            ("before", "Earlier than", "Before"),
            ("today", "As we speak", "Today"),
            ("said", "STATED", "SAID"),
            (
                "us officials said",
                "US officers stated",
                "US officials said",
            ),
            ("officials", "officers", "officials"),
            ("more than", "greater than", "more than"),
        ];
        for (phrase, spun, expected) in cases {
            let spun: Vec<&str> = spun.split(' ').collect();
            assert_eq!(case_like(phrase, &spun), expected, "{phrase} for {spun:?}");
        }
    }

    #[test]
    fn words_keep_inner_apostrophes_and_hyphens() {
        use TokenKind::*;
        assert_eq!(
            kinds("It’s full-scale, 21,730 {that a} ‘x’"),
            vec![
                (Word, "It’s"),
                (Space, " "),
                (Word, "full-scale"),
                (Punct, ","),
                (Space, " "),
                (Number, "21,730"),
                (Space, " "),
                (Spintax, "{that a}"),
                (Space, " "),
                (Punct, "‘"),
                (Word, "x"),
                (Punct, "’"),
            ]
        );
    }

    #[test]
    fn unclosed_braces_are_punctuation() {
        assert_eq!(kinds("{a")[0], (TokenKind::Punct, "{"));
        assert_eq!(kinds("{}")[0], (TokenKind::Punct, "{"));
    }

    #[test]
    fn case_patterns() {
        assert_eq!(case_of("home"), Case::Lower);
        assert_eq!(case_of("Home"), Case::Title);
        assert_eq!(case_of("CNN"), Case::Upper);
        assert_eq!(case_of("iPhone"), Case::Mixed);
        // One capital is a title, not an acronym; only letters count.
        assert_eq!(case_of("A"), Case::Title);
        assert_eq!(case_of("3G"), Case::Title);
        assert_eq!(case_of("U.S."), Case::Upper);
        assert_eq!(case_of("McDonald"), Case::Mixed);
        assert_eq!(case_of("2024"), Case::Lower);
        assert_eq!(case_of("Élan"), Case::Title);
        assert_eq!(apply_case("a whole lot", Case::Title, false), "A whole lot");
        assert_eq!(apply_case("oval office", Case::Title, true), "Oval Office");
    }

    #[test]
    fn words_are_normalised_to_lowercase_with_straight_apostrophes() {
        assert_eq!(normalise_word("It's"), "it's");
        assert_eq!(normalise_word("It\u{2019}S"), "it's");
        assert_eq!(normalise_word("ÉCOLE"), "école");
    }
}
