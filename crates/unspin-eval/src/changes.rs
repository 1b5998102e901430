//! Precision and recall of changed words: which words of a spun text the restorer changed,
//! which of those the spinner had damaged, and which changes put the original back.

use unspin_core::fingerprint::{self, Word};
use unspin_core::restore::Restoration;

/// Whether each word of `a` is matched in a longest common subsequence with `b`.
fn lcs_matched(a: &[Word], b: &[Word]) -> Vec<bool> {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i].norm == b[j].norm {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let mut matched = vec![false; n];
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i].norm == b[j].norm {
            matched[i] = true;
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    matched
}

/// Word counts behind precision and recall of changed words.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChangeCounts {
    /// Spun words the spinner damaged (not in the alignment with the original).
    pub damaged: usize,
    /// Spun words the restorer changed.
    pub changed: usize,
    /// Changed words that were damaged and whose change restored the original wording.
    pub corrected: usize,
}

impl ChangeCounts {
    /// Adds another document's counts.
    pub fn add(&mut self, o: ChangeCounts) {
        self.damaged += o.damaged;
        self.changed += o.changed;
        self.corrected += o.corrected;
    }
}

/// Counts for one document.
pub fn count(original: &str, spun: &str, r: &Restoration) -> ChangeCounts {
    let orig = fingerprint::words(original);
    let spun_words = fingerprint::words(spun);
    let restored = fingerprint::words(&r.text);
    let intact = lcs_matched(&spun_words, &orig);
    let right = lcs_matched(&restored, &orig);
    let mut counts = ChangeCounts {
        damaged: intact.iter().filter(|m| !**m).count(),
        ..ChangeCounts::default()
    };
    let mut delta: isize = 0;
    for c in &r.changes {
        let in_change = |w: &&Word| w.start >= c.start && w.end <= c.end;
        let changed: Vec<usize> = (0..spun_words.len())
            .filter(|&i| in_change(&&spun_words[i]))
            .collect();
        let r_start = (c.start as isize + delta) as usize;
        let r_end = r_start + c.restored.len();
        let good = restored
            .iter()
            .zip(&right)
            .filter(|(w, _)| w.start >= r_start && w.end <= r_end)
            .all(|(_, ok)| *ok);
        counts.changed += changed.len();
        if good {
            counts.corrected += changed.iter().filter(|&&i| !intact[i]).count();
        }
        delta += c.restored.len() as isize - (c.end - c.start) as isize;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use unspin_core::restore::{Change, ChangeKind};

    #[test]
    fn counts_right_wrong_and_missed_changes() {
        let original = "officials said the war would end soon";
        let spun = "officers stated the warfare would finish soon";
        let change = |start: usize, end: usize, restored: &str| Change {
            start,
            end,
            spun: spun[start..end].to_owned(),
            restored: restored.to_owned(),
            confidence: 1.0,
            kind: ChangeKind::Thesaurus,
            alternatives: Vec::new(),
            source: None,
        };
        // "stated" -> "said" (right), "warfare" -> "fighting" (wrong); "officers" and
        // "finish" missed.
        let changes = vec![change(9, 15, "said"), change(20, 27, "fighting")];
        let text = unspin_core::restore::apply(spun, &changes);
        let r = Restoration { text, changes };
        let c = count(original, spun, &r);
        assert_eq!((c.damaged, c.changed, c.corrected), (4, 2, 1));
    }
}
