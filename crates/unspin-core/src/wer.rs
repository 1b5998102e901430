//! Word error rate, for measuring how much of a spinner's damage a restoration undoes.
//!
//! Words are lowercased; every punctuation mark is a token of its own; curly apostrophes and
//! quotes are folded to straight ones so that typography does not count as damage.

use serde::Serialize;

/// Tokens for WER: lowercased words (inner apostrophes kept) and single punctuation marks.
pub fn wer_tokens(text: &str) -> Vec<String> {
    let folded = text
        .replace(['\u{2019}', '\u{2018}'], "'")
        .replace(['\u{201c}', '\u{201d}'], "\"");
    crate::text::tokenize(&folded)
        .into_iter()
        .filter(|t| t.kind != crate::text::TokenKind::Space)
        .map(|t| folded[t.start..t.end].to_lowercase())
        .collect()
}

/// Levenshtein distance between token sequences.
pub fn edit_distance(a: &[String], b: &[String]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(x != y))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Word error rate of `hypothesis` against `reference`.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    let r = wer_tokens(reference);
    let h = wer_tokens(hypothesis);
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    edit_distance(&r, &h) as f64 / r.len() as f64
}

/// WER of the spun and restored texts against the original, and the share of damage undone.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct DamageReport {
    /// WER of the spun text against the original.
    pub wer_spun: f64,
    /// WER of the restored text against the original.
    pub wer_restored: f64,
    /// 1 - wer_restored / wer_spun (0 when the spun text was undamaged).
    pub damage_undone: f64,
}

/// Scores a restoration.
pub fn damage_report(original: &str, spun: &str, restored: &str) -> DamageReport {
    let wer_spun = wer(original, spun);
    let wer_restored = wer(original, restored);
    DamageReport {
        wer_spun,
        wer_restored,
        damage_undone: if wer_spun > 0.0 {
            1.0 - wer_restored / wer_spun
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wer_counts_word_and_punctuation_edits() {
        assert_eq!(wer("the war ended.", "the war ended."), 0.0);
        assert!((wer("the war ended.", "the warfare ended.") - 0.25).abs() < 1e-9);
        assert!((wer("it is over", "it’s over") - 2.0 / 3.0).abs() < 1e-9);
        let r = damage_report("a b c d", "a x y d", "a b y d");
        assert!((r.damage_undone - 0.5).abs() < 1e-9);
    }
}
