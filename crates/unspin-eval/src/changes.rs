//! Precision and recall of changed words: which words of a spun text the restorer changed,
//! which of those the spinner had damaged, and which changes put the original back.

use unspin_core::fingerprint::{self, Word};
use unspin_core::restore::Restoration;

/// Whether each word of `a` is matched in a longest common subsequence with `b`.
fn lcs_matched(a: &[Word], b: &[Word]) -> Vec<bool> {
    let a_words: Vec<&str> = a.iter().map(|w| w.norm.as_str()).collect();
    let b_words: Vec<&str> = b.iter().map(|w| w.norm.as_str()).collect();
    let mut matched = vec![false; a.len()];
    for (i, _) in unspin_core::text::aligned_words(&a_words, &b_words) {
        matched[i] = true;
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

/// Damaged runs of one kind and how many of them a restoration put back.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunTally {
    /// Damaged runs.
    pub runs: usize,
    /// Their words (the longer side of each run).
    pub words: usize,
    /// Runs put back: every original word aligned with the restoration and, for an inserted
    /// run, none of its words left in it.
    pub put_back: usize,
}

impl RunTally {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "runs": self.runs,
            "words": self.words,
            "put_back": self.put_back,
            "put_back_share": self.put_back as f64 / self.runs.max(1) as f64,
        })
    }
}

/// What a table learned from pairs covers, and what a restoration with it put back: the
/// spinner's damaged runs (a word-level alignment of each copy with its original; adjacent
/// changes form one run, as the pair harvest stores them) split into substitutions whose pair
/// the table holds, substitutions it does not hold, and runs the copy inserted or dropped
/// (which the harvest leaves out). It shows how far better use of the table, and how far more
/// coverage, could take damage undone.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TableCoverage {
    /// Substitutions whose (written, original) pair the table holds.
    pub held: RunTally,
    /// Substitutions it does not hold.
    pub unheld: RunTally,
    /// Runs with words on one side only.
    pub inserted: RunTally,
}

impl TableCoverage {
    /// Adds one spun copy, its original and its restoration.
    pub fn add(
        &mut self,
        original: &str,
        spun: &str,
        restored: &str,
        table: &unspin_core::spinner::SpinnerTable,
    ) {
        let (original, copy, restored) = (
            fingerprint::words(original),
            fingerprint::words(spun),
            fingerprint::words(restored),
        );
        let back = lcs_matched(&original, &restored);
        // An inserted run is put back when none of its words is left in the restoration.
        let left = lcs_matched(&copy, &restored);
        let whole = fingerprint::Passage {
            copy_first: 0,
            copy_end: copy.len(),
            source_first: 0,
            source_end: original.len(),
            seeds: 0,
        };
        for run in fingerprint::differing_runs(&copy, &original, &whole) {
            let (written, from) = (
                &copy[run.copy_first..run.copy_end],
                &original[run.source_first..run.source_end],
            );
            let tally = if written.is_empty() || from.is_empty() {
                &mut self.inserted
            } else if table
                .entries
                .get(&fingerprint::phrase(written))
                .is_some_and(|e| {
                    let from = fingerprint::phrase(from);
                    e.originals.iter().any(|o| o.original == from)
                })
            {
                &mut self.held
            } else {
                &mut self.unheld
            };
            tally.runs += 1;
            tally.words += written.len().max(from.len());
            tally.put_back += usize::from(
                (run.source_first..run.source_end).all(|i| back[i])
                    && (!from.is_empty() || (run.copy_first..run.copy_end).all(|i| !left[i])),
            );
        }
    }

    /// The report: each kind's runs, words and share put back.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "substitutions_the_table_holds": self.held.json(),
            "substitutions_it_does_not_hold": self.unheld.json(),
            "insertions_and_deletions": self.inserted.json(),
        })
    }
}

/// [`TableCoverage`] of `restorer` (with `table` loaded) on the spun copies of `docs`.
pub fn by_table_coverage(
    restorer: &unspin_core::engine::Engine,
    spinner: &crate::spinner::Spinner,
    docs: &[String],
    table: &unspin_core::spinner::SpinnerTable,
) -> serde_json::Value {
    let mut coverage = TableCoverage::default();
    for doc in docs {
        let (spun, _) = spinner.spin(doc);
        let restored = restorer.restore(&spun).text;
        coverage.add(doc, &spun, &restored, table);
    }
    coverage.json()
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

    #[test]
    fn splits_damaged_runs_by_the_tables_pairs_and_what_was_put_back() {
        let table = unspin_core::spinner::SpinnerTable {
            family: "t".to_owned(),
            entries: [(
                "officers".to_owned(),
                unspin_core::spinner::PhraseEntry {
                    documents: 1.0,
                    kept: 0.0,
                    originals: vec![unspin_core::spinner::LearnedOriginal {
                        original: "officials".to_owned(),
                        documents: 1.0,
                        share: 1.0,
                    }],
                    attested: false,
                },
            )]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        let original = "officials will say most people agree today";
        let spun = "officers will say essentially the most people agree nowadays";
        let mut coverage = TableCoverage::default();
        // The held pair put back; "the" of the inserted run left; "nowadays" kept.
        coverage.add(
            original,
            spun,
            "officials will say the most people agree nowadays",
            &table,
        );
        let tally = |runs, words, put_back| RunTally {
            runs,
            words,
            put_back,
        };
        assert_eq!(coverage.held, tally(1, 1, 1));
        assert_eq!(coverage.unheld, tally(1, 1, 0));
        assert_eq!(coverage.inserted, tally(1, 2, 0));
        // The whole insertion taken out: put back; a copy left as written puts back nothing.
        coverage.add(
            original,
            spun,
            "officers will say most people agree today",
            &table,
        );
        assert_eq!(coverage.inserted, tally(2, 4, 1));
        assert_eq!(coverage.unheld, tally(2, 2, 1));
        assert_eq!(coverage.held, tally(2, 2, 1));
    }
}
