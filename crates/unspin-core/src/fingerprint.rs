//! Fingerprints for tracing a copy to its source, and the alignment of a copy with a source.
//!
//! A spinner swaps a quarter or more of the words, so few word shingles of a spun copy match
//! its source. Restoring first undoes much of that (see [`crate::restore`]), and what is left
//! is matched with short shingles: word 3-grams, lowercased, hashed with
//! xxh3 (stable across runs and machines, so hashes may be stored on disk). A query is
//! fingerprinted from both its restored and its written words, so a source is found whether
//! or not a swap was undone.
//!
//! Alignment follows the PAN text-alignment recipe: seeds are shingles shared by copy and
//! source; seeds close to each other on both sides are merged into passages.

use serde::Serialize;

use crate::text::{self, TokenKind};

/// Words per shingle.
pub const SHINGLE_WORDS: usize = 3;

/// One word of a text with its byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Normalised form: lowercase, typographic apostrophes made plain.
    pub norm: String,
    /// Byte offset in the text.
    pub start: usize,
    /// Byte offset one past the word.
    pub end: usize,
}

/// The words (and numbers) of `input`, normalised for matching.
pub fn words(input: &str) -> Vec<Word> {
    text::tokenize(input)
        .into_iter()
        .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::Number))
        .map(|t| Word {
            norm: text::normalise_word(&input[t.start..t.end]),
            start: t.start,
            end: t.end,
        })
        .collect()
}

/// Stable hash of the shingle of `words[at..at + SHINGLE_WORDS]`.
fn shingle_hash(words: &[Word], at: usize) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for w in &words[at..at + SHINGLE_WORDS] {
        h.update(w.norm.as_bytes());
        h.update(b" ");
    }
    h.digest()
}

/// The shingle hash starting at each word position (`words.len() - 2` of them).
pub fn shingles(words: &[Word]) -> Vec<u64> {
    if words.len() < SHINGLE_WORDS {
        return Vec::new();
    }
    (0..=words.len() - SHINGLE_WORDS)
        .map(|i| shingle_hash(words, i))
        .collect()
}

/// Distinct shingle hashes of a text, sorted: what the index stores for a document.
pub fn fingerprint(input: &str) -> Vec<u64> {
    let mut s = shingles(&words(input));
    s.sort_unstable();
    s.dedup();
    s
}

/// A passage of the copy aligned with a passage of the source (word index ranges).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Passage {
    /// First word of the copy's passage.
    pub copy_first: usize,
    /// One past the copy's last word.
    pub copy_end: usize,
    /// First word of the source's passage.
    pub source_first: usize,
    /// One past the source's last word.
    pub source_end: usize,
    /// Shared shingles inside the passage.
    pub seeds: usize,
}

/// Largest gap, in words on either side, bridged when merging seeds into one passage.
pub const MAX_GAP: usize = 12;

/// Least seeds for a passage to be reported.
pub const MIN_SEEDS: usize = 2;

/// Aligns `copy` with `source`: shared shingles (seeds), merged into passages where they
/// follow each other within [`MAX_GAP`] words on both sides. Passages are in copy order and do
/// not overlap on the copy side.
pub fn align(copy: &[Word], source: &[Word]) -> Vec<Passage> {
    align_shingles(copy.len(), source.len(), &shingles(copy), &shingles(source))
}

/// [`align`] of a copy of `copy_len` words with a source of `source_len` words given their
/// [`shingles`] (for callers that align one text with several and compute each text's shingles
/// once).
pub fn align_shingles(
    copy_len: usize,
    source_len: usize,
    copy_shingles: &[u64],
    source_shingles: &[u64],
) -> Vec<Passage> {
    // Each source shingle with its position, sorted: a shingle's positions are one run, in
    // ascending order.
    let mut at: Vec<(u64, usize)> = source_shingles
        .iter()
        .enumerate()
        .map(|(i, &h)| (h, i))
        .collect();
    at.sort_unstable();
    // Seeds in copy order; a copy shingle found several times in the source takes the
    // occurrence nearest the previous seed (the first of equally near ones), so repeated
    // phrases do not scatter a passage.
    let mut seeds: Vec<(usize, usize)> = Vec::new();
    for (ci, &h) in copy_shingles.iter().enumerate() {
        let first = at.partition_point(|&(k, _)| k < h);
        let run = at[first..].partition_point(|&(k, _)| k == h);
        if run == 0 {
            continue;
        }
        let expected = seeds.last().map_or(0, |&(pc, ps)| ps + (ci - pc));
        let best = at[first..first + run]
            .iter()
            .map(|&(_, p)| p)
            .min_by_key(|&p| p.abs_diff(expected))
            .expect("non-empty");
        seeds.push((ci, best));
    }
    let mut out: Vec<Passage> = Vec::new();
    for (ci, si) in seeds {
        if let Some(p) = out.last_mut() {
            let copy_gap = ci.saturating_sub(p.copy_end);
            let forward = si + SHINGLE_WORDS > p.source_first && si >= p.source_first;
            let source_gap = si.saturating_sub(p.source_end);
            if copy_gap <= MAX_GAP && forward && source_gap <= MAX_GAP {
                p.copy_end = p.copy_end.max(ci + SHINGLE_WORDS);
                p.source_end = p.source_end.max(si + SHINGLE_WORDS);
                p.seeds += 1;
                continue;
            }
        }
        out.push(Passage {
            copy_first: ci,
            copy_end: ci + SHINGLE_WORDS,
            source_first: si,
            source_end: si + SHINGLE_WORDS,
            seeds: 1,
        });
    }
    out.retain(|p| p.seeds >= MIN_SEEDS);
    // A passage's edge words belong to it even when a swap there kept them out of every shared
    // shingle ("Officers stated on ..."): extend each edge by up to a shingle's width where
    // both sides have room before the neighbouring passage, and over the whole room when both
    // sides have the same number of words there, at most a bridgeable gap (a word-for-word
    // swap at the start or end of the text, the case that gap bridging assumes inside one).
    let reach_into = |copy_room: usize, source_room: usize| {
        if copy_room == source_room && copy_room <= MAX_GAP {
            copy_room
        } else {
            (SHINGLE_WORDS - 1).min(copy_room).min(source_room)
        }
    };
    for i in 0..out.len() {
        let (copy_floor, source_floor) = if i == 0 {
            (0, 0)
        } else {
            (out[i - 1].copy_end, out[i - 1].source_end)
        };
        let (copy_ceiling, source_ceiling) = match out.get(i + 1) {
            Some(next) => (next.copy_first, next.source_first),
            None => (copy_len, source_len),
        };
        let p = &mut out[i];
        let back = reach_into(
            p.copy_first.saturating_sub(copy_floor),
            p.source_first.saturating_sub(source_floor),
        );
        p.copy_first -= back;
        p.source_first -= back;
        let forward = reach_into(
            copy_ceiling.saturating_sub(p.copy_end),
            source_ceiling.saturating_sub(p.source_end),
        );
        p.copy_end += forward;
        p.source_end += forward;
    }
    out
}

/// Longest stretch, in words on either side, that [`align_unrestored`] bridges by its
/// matching words.
pub const MAX_WORD_BRIDGE: usize = 60;

/// Aligns a copy as written (not restored) with `source`: [`align`], then stretches between
/// passages, and before the first and after the last, joined to them where they look like the
/// source's words spun, word for word. Dense swaps leave no shared shingle for many words (at a
/// third of the words swapped, most word 3-grams are broken); restoring first would mend most
/// of them but costs far more than aligning.
pub fn align_unrestored(copy: &[Word], source: &[Word]) -> Vec<Passage> {
    align_unrestored_shingles(copy, source, &shingles(copy), &shingles(source))
}

/// [`align_unrestored`] given the two texts' [`shingles`] (see [`align_shingles`]).
pub fn align_unrestored_shingles(
    copy: &[Word],
    source: &[Word],
    copy_shingles: &[u64],
    source_shingles: &[u64],
) -> Vec<Passage> {
    let mut out: Vec<Passage> = Vec::new();
    for p in align_shingles(copy.len(), source.len(), copy_shingles, source_shingles) {
        if let Some(last) = out.last_mut() {
            // Passages from `align` may share a shingle's width of copy words when the
            // source jumps back between them; only a gap going forward on both sides is a
            // stretch.
            if p.source_first >= last.source_end
                && p.copy_first >= last.copy_end
                && spun_stretch(
                    &copy[last.copy_end..p.copy_first],
                    &source[last.source_end..p.source_first],
                )
            {
                last.copy_end = p.copy_end;
                last.source_end = p.source_end;
                last.seeds += p.seeds;
                continue;
            }
        }
        out.push(p);
    }
    if let Some(first) = out.first_mut() {
        if spun_stretch(&copy[..first.copy_first], &source[..first.source_first]) {
            first.copy_first = 0;
            first.source_first = 0;
        }
    }
    if let Some(last) = out.last_mut() {
        if spun_stretch(&copy[last.copy_end..], &source[last.source_end..]) {
            last.copy_end = copy.len();
            last.source_end = source.len();
        }
    }
    out
}

/// Whether a stretch of the copy reads as the matching stretch of the source spun: both at
/// most [`MAX_WORD_BRIDGE`] words, of about the same length (a spinner swaps words and short
/// phrases, so a passage keeps its length within a quarter), and at least a third of the
/// longer side's words kept in order (word-level longest common subsequence).
fn spun_stretch(copy: &[Word], source: &[Word]) -> bool {
    let (n, m) = (copy.len(), source.len());
    let longer = n.max(m);
    if longer == 0 {
        return true;
    }
    if longer > MAX_WORD_BRIDGE || n.abs_diff(m) > 2 + longer / 4 {
        return false;
    }
    let mut row = vec![0u16; m + 1];
    for c in copy {
        let mut diagonal = 0u16;
        for (j, s) in source.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if c.norm == s.norm {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    3 * row[m] as usize >= longer
}

/// A run of words that differs between copy and source inside an aligned passage: copy
/// words `copy_first..copy_end` stand where the source has `source_first..source_end`. One side
/// may be empty (words the copy inserted, or left out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edit {
    /// First copy word of the run.
    pub copy_first: usize,
    /// One past its last copy word (`== copy_first` when the copy has none here).
    pub copy_end: usize,
    /// First source word of the run.
    pub source_first: usize,
    /// One past its last source word (`== source_first` when the source has none here).
    pub source_end: usize,
}

/// The runs that differ inside one aligned passage, in order, from a word-level longest
/// common subsequence of its copy and source words: every word of the passage outside them
/// is the same in both.
pub fn differing_runs(copy: &[Word], source: &[Word], p: &Passage) -> Vec<Edit> {
    let c: Vec<&str> = copy[p.copy_first..p.copy_end]
        .iter()
        .map(|w| w.norm.as_str())
        .collect();
    let s: Vec<&str> = source[p.source_first..p.source_end]
        .iter()
        .map(|w| w.norm.as_str())
        .collect();
    let mut out = Vec::new();
    // The next source and copy words after the last match; the ends close the last run.
    let (mut i, mut j) = (0, 0);
    let matches = text::aligned_words(&s, &c).into_iter();
    for (mi, mj) in matches.chain([(s.len(), c.len())]) {
        if mi > i || mj > j {
            out.push(Edit {
                copy_first: p.copy_first + j,
                copy_end: p.copy_first + mj,
                source_first: p.source_first + i,
                source_end: p.source_first + mi,
            });
        }
        (i, j) = (mi + 1, mj + 1);
    }
    out
}

/// Word pairs that differ inside aligned passages: (source words, copy words), from a
/// word-level edit alignment of each passage. These are the substitutions a spinner made (or
/// that restoration could not undo); insertions and deletions are left out (see
/// [`widened_runs`]).
pub fn differing_pairs(
    copy: &[Word],
    source: &[Word],
    passages: &[Passage],
) -> Vec<(String, String)> {
    passages
        .iter()
        .flat_map(|p| differing_runs(copy, source, p))
        .filter(|e| e.copy_end > e.copy_first && e.source_end > e.source_first)
        .map(|e| {
            (
                phrase(&source[e.source_first..e.source_end]),
                phrase(&copy[e.copy_first..e.copy_end]),
            )
        })
        .collect()
}

/// A run one side of an aligned passage left empty (words the copy inserted, or left out),
/// as pairs a spinner's table could key it by: the run with the aligned word on its right, and
/// with the one on its left, each `(source words, copy words)`. A table writes "the most" as
/// "essentially the most", which aligns as "essentially" inserted before "the": the pair
/// widened right ("the" -> "essentially the") restores it, the one widened left ("is" -> "is
/// essentially") only where "is" came before; "summer" -> "summer time" is the other way
/// round. Which side a table keys shows only across copies
/// ([`crate::spinner::PairHarvest::add_copy_widened`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidenedRun {
    /// The run with the aligned word after it.
    pub right: (String, String),
    /// The run with the aligned word before it.
    pub left: (String, String),
}

/// The [`WidenedRun`] of `e` inside `p`, when one side of `e` is empty and both sides of it
/// have an aligned word inside the passage (a one-sided run at a passage's edge is where the
/// passage was cut, not an edit).
pub fn widened_run(copy: &[Word], source: &[Word], p: &Passage, e: &Edit) -> Option<WidenedRun> {
    let inside = e.copy_first > p.copy_first
        && e.source_first > p.source_first
        && e.copy_end < p.copy_end
        && e.source_end < p.source_end;
    inside.then(|| widen(copy, source, e)).flatten()
}

/// The [`WidenedRun`] of `e` when one side of it is empty and both texts have a word before
/// and after it; the caller knows those words are aligned (`e` lies inside a passage, as
/// [`widened_run`] checks).
pub fn widen(copy: &[Word], source: &[Word], e: &Edit) -> Option<WidenedRun> {
    let one_sided = (e.copy_first == e.copy_end) != (e.source_first == e.source_end);
    let beside = e.copy_first > 0
        && e.source_first > 0
        && e.copy_end < copy.len()
        && e.source_end < source.len();
    if !one_sided || !beside {
        return None;
    }
    let pair = |s: std::ops::Range<usize>, c: std::ops::Range<usize>| {
        (phrase(&source[s]), phrase(&copy[c]))
    };
    Some(WidenedRun {
        right: pair(
            e.source_first..e.source_end + 1,
            e.copy_first..e.copy_end + 1,
        ),
        left: pair(
            e.source_first - 1..e.source_end,
            e.copy_first - 1..e.copy_end,
        ),
    })
}

/// The [`WidenedRun`]s inside aligned passages, in order: what [`differing_pairs`] leaves out.
pub fn widened_runs(copy: &[Word], source: &[Word], passages: &[Passage]) -> Vec<WidenedRun> {
    passages
        .iter()
        .flat_map(|p| {
            differing_runs(copy, source, p)
                .into_iter()
                .filter_map(move |e| widened_run(copy, source, p, &e))
        })
        .collect()
}

/// The copy's words that stand unchanged inside aligned passages (indices into `copy`, in
/// order): the words the spinner left as the source wrote them, which a deterministic table
/// therefore does not replace.
pub fn kept_words(copy: &[Word], source: &[Word], passages: &[Passage]) -> Vec<usize> {
    let runs: Vec<Vec<Edit>> = passages
        .iter()
        .map(|p| differing_runs(copy, source, p))
        .collect();
    kept_outside(passages, &runs)
}

/// [`kept_words`] given each passage's [`differing_runs`] (`runs[i]` of `passages[i]`), for
/// callers that have them already.
pub fn kept_outside(passages: &[Passage], runs: &[Vec<Edit>]) -> Vec<usize> {
    let mut out = Vec::new();
    for (p, edits) in passages.iter().zip(runs) {
        let mut at = p.copy_first;
        for e in edits {
            out.extend(at..e.copy_first);
            at = e.copy_end;
        }
        out.extend(at..p.copy_end);
    }
    // Passages may share a few copy words where the source jumps back between them.
    out.sort_unstable();
    out.dedup();
    out
}

/// The words' normalised forms joined by single spaces: a phrase as a spinner table keys it.
pub fn phrase(words: &[Word]) -> String {
    words
        .iter()
        .map(|w| w.norm.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xxh3-64 of "a b c " (each word followed by a space).
    const PINNED_HASH: u64 = 165_172_912_802_479_781;

    #[test]
    fn fingerprints_are_stable_and_case_and_punctuation_blind() {
        assert_eq!(
            fingerprint("The Colour of the sky, today."),
            fingerprint("the colour of the sky today")
        );
        assert_ne!(
            fingerprint("four of them left"),
            fingerprint("for of them left")
        );
        assert_eq!(fingerprint("two words"), Vec::<u64>::new());
        // A fixed value guards the on-disk format: change it only with a format version bump.
        assert_eq!(shingles(&words("a b c")), vec![PINNED_HASH]);
    }

    #[test]
    fn align_merges_nearby_seeds_and_finds_the_pairs() {
        let source = words(
            "officials said the war against the rebels would end soon and the talks would go on",
        );
        let copy = words(
            "officers said the war against the rebels would finish soon and the talks would go on",
        );
        let passages = align(&copy, &source);
        assert_eq!(passages.len(), 1, "{passages:?}");
        let p = &passages[0];
        // The first shared shingle starts at word 1; the edge extension takes in word 0.
        assert_eq!((p.copy_first, p.source_first), (0, 0));
        assert_eq!(p.copy_end, copy.len());
        let pairs = differing_pairs(&copy, &source, &passages);
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(
            pairs,
            vec![pair("officials", "officers"), pair("end", "finish")]
        );
        // Every other word of the passage stands as the source wrote it.
        let kept: Vec<&str> = kept_words(&copy, &source, &passages)
            .into_iter()
            .map(|i| copy[i].norm.as_str())
            .collect();
        assert_eq!(kept.len(), copy.len() - 2);
        assert!(!kept.contains(&"officers") && !kept.contains(&"finish"));
        assert_eq!(kept[..3], ["said", "the", "war"]);
    }

    /// A spinner's filler ("most" -> "essentially the most") aligns as a word inserted before
    /// "the": it is offered widened both ways, and a run cut at a passage's edge is not.
    #[test]
    fn an_inserted_word_is_offered_with_its_neighbour_on_each_side() {
        let source = words(
            "officials said it is the most important vote of the year and the talks would go on",
        );
        let copy = words(
            "officers said it is essentially the most important vote of the year and the talks \
             would go on",
        );
        let passages = align(&copy, &source);
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(
            widened_runs(&copy, &source, &passages),
            vec![WidenedRun {
                right: pair("the", "essentially the"),
                left: pair("is", "is essentially"),
            }]
        );
        // The substitutions are as before: the insertion is no substitution.
        assert_eq!(
            differing_pairs(&copy, &source, &passages),
            vec![pair("officials", "officers")]
        );
        // The same run at the passage's first word has no aligned word before it.
        let p = &passages[0];
        let at_edge = Edit {
            copy_first: p.copy_first,
            copy_end: p.copy_first + 1,
            source_first: p.source_first,
            source_end: p.source_first,
        };
        assert_eq!(widened_run(&copy, &source, p, &at_edge), None);
    }

    /// Every other word swapped leaves no shared shingle for a whole sentence: `align` splits
    /// the copy there, `align_unrestored` bridges it, but not a stretch of other words.
    #[test]
    fn unrestored_alignment_bridges_densely_spun_stretches_only() {
        let source = words(
            "the council said on monday that it will open an inquiry into the developer \
             after residents said the old plan for the new homes by the river was far too \
             large for the town and the roads around it could not take the extra traffic \
             so the mayor has asked for a report on the matter before the end of the year",
        );
        let spun = words(
            "the council said on monday that it will open an inquiry into the developer \
             after locals stated the previous scheme for the recent houses by the stream \
             was much too big for the city and the streets round it could not take the extra traffic \
             so the mayor has asked for a report on the matter before the end of the year",
        );
        let other = words(
            "the council said on monday that it will open an inquiry into the developer \
             while shares in banks rose sharply as traders bet that interest rates will fall \
             early next spring and oil prices slipped again amid weak demand from \
             so the mayor has asked for a report on the matter before the end of the year",
        );
        let covered = |ps: &[Passage]| ps.iter().map(|p| p.copy_end - p.copy_first).sum::<usize>();
        assert!(
            align(&spun, &source).len() > 1,
            "the swaps split the alignment"
        );
        let bridged = align_unrestored(&spun, &source);
        assert_eq!(bridged.len(), 1, "{bridged:?}");
        assert_eq!(covered(&bridged), spun.len());
        let unrelated = align_unrestored(&other, &source);
        assert!(covered(&unrelated) < other.len(), "{unrelated:?}");
    }

    #[test]
    fn unrelated_texts_do_not_align() {
        let a = words("the quick brown fox jumps over the lazy dog near the river bank");
        let b = words("markets fell sharply on monday as investors weighed the new tariffs");
        assert!(align(&a, &b).is_empty());
    }
}
