//! Tracing a copy to its sources: look the shingles of its written words up in the index; when
//! they do not single out one source (no candidate with enough shared shingles, or the best two
//! close), restore the copy and look up the shingles of its restored and written words; align
//! the best candidates passage by passage.

use serde::Serialize;
use unspin_core::fingerprint::{self, Edit, Passage, Word};
use unspin_core::restore::{Change, Restoration};
use unspin_core::Engine;

use crate::{Document, Index, IndexError};

/// An aligned pair of passages, as byte ranges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlignedPassage {
    /// Byte offset of the passage in the copy (the input as given).
    pub copy_start: usize,
    /// Byte offset one past it.
    pub copy_end: usize,
    /// Byte offset of the passage in the source's text.
    pub source_start: usize,
    /// Byte offset one past it.
    pub source_end: usize,
    /// The source's text of the passage (`source_start..source_end`), so that a reader of the
    /// report can set it beside the copy's without fetching the source.
    pub source_text: String,
    /// Shingles shared inside the passage.
    pub seeds: usize,
}

/// A word-level difference inside an aligned passage: what the source said and what the
/// copy says there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WordPair {
    /// Source words.
    pub source: String,
    /// Copy words.
    pub copy: String,
    /// Where one side has no words here (the copy inserted "essentially" before "the most"):
    /// `source` and `copy` are the run with the aligned word after it ("the" -> "essentially
    /// the"), and this is the run with the aligned word before it, `(source, copy)` ("is" ->
    /// "is essentially"). Which of the two a spinner's table keys shows across copies (see
    /// [`fingerprint::WidenedRun`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub widened_left: Option<(String, String)>,
}

impl WordPair {
    /// The pair of an edit inside an aligned passage: the two runs of a substitution, or a
    /// one-sided run widened by its aligned neighbours (see [`fingerprint::widen`]; the
    /// caller knows the edit is inside its passage). `None` for a one-sided run with no word
    /// on one of its sides.
    pub fn of_edit(copy: &[Word], source: &[Word], e: &Edit) -> Option<WordPair> {
        if e.copy_end > e.copy_first && e.source_end > e.source_first {
            return Some(WordPair {
                source: fingerprint::phrase(&source[e.source_first..e.source_end]),
                copy: fingerprint::phrase(&copy[e.copy_first..e.copy_end]),
                widened_left: None,
            });
        }
        let run = fingerprint::widen(copy, source, e)?;
        Some(WordPair {
            source: run.right.0,
            copy: run.right.1,
            widened_left: Some(run.left),
        })
    }

    /// The pair as a spinner table harvest takes it: `(original, written)`, or the widened
    /// run ([`unspin_core::spinner::PairHarvest::add_copy_widened`]).
    pub fn harvested(self) -> Result<(String, String), fingerprint::WidenedRun> {
        match self.widened_left {
            None => Ok((self.source, self.copy)),
            Some(left) => Err(fingerprint::WidenedRun {
                right: (self.source, self.copy),
                left,
            }),
        }
    }
}

/// One candidate source.
#[derive(Clone, Debug, Serialize)]
pub struct Source {
    /// The document's id.
    pub id: String,
    /// Its URL, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its title, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Share of the copy's shingles (of its restored and its written words) found in the
    /// source (0..1).
    pub score: f64,
    /// Share of the source's shingles found in the copy (0..1): breaks ties between a source
    /// and a longer text that merely contains it.
    pub source_share: f64,
    /// Share of the copy's words inside aligned passages (0..1).
    pub coverage: f64,
    /// Aligned passages, in copy order.
    pub passages: Vec<AlignedPassage>,
    /// Differing word pairs inside the passages (only when asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<WordPair>,
}

/// The result of tracing one copy.
#[derive(Clone, Debug, Serialize)]
pub struct TraceReport {
    /// Words in the copy.
    pub words: usize,
    /// Whether the copy was restored, wholly or where close candidates differ, to choose its
    /// source: its written words alone did not single one out (see [`trace`]).
    pub restored: bool,
    /// Candidate sources, best first.
    pub sources: Vec<Source>,
}

/// Maps a byte offset of the restored text back to the input. Offsets inside a change map to
/// its start (`end == false`) or its end (`end == true`).
fn to_input(changes: &[Change], pos: usize, end: bool) -> usize {
    let mut delta: isize = 0; // restored offset - input offset, before the current change
    for c in changes {
        let r_start = (c.start as isize + delta) as usize;
        let r_end = r_start + c.restored.len();
        if pos < r_start || (end && pos == r_start) {
            break;
        }
        if pos < r_end || (end && pos == r_end) {
            return if end { c.end } else { c.start };
        }
        delta += c.restored.len() as isize - (c.end - c.start) as isize;
    }
    (pos as isize - delta) as usize
}

/// Input word indexes `[first, end)` inside the input byte range `[start, stop)`.
fn word_range(words: &[Word], start: usize, stop: usize) -> (usize, usize) {
    let first = words.partition_point(|w| w.end <= start);
    let end = words.partition_point(|w| w.start < stop);
    (first, end.max(first))
}

/// Least shingles of the written words that the best candidate must share for the written
/// words alone to decide a trace.
pub const DECISIVE_SHARED: usize = 10;

/// The second candidate may share at most this share of the best one's shingles for the
/// written words alone to decide a trace; closer than that, the candidates are compared.
pub const DECISIVE_RATIO: f64 = 0.8;

/// Candidates compared when the written words do not single out one: the best and those close
/// to it, at most this many.
pub const MAX_CLOSE: usize = 4;

/// A close candidate whose aligned passages cover this much less of the copy (as a share of
/// its words) than the best one's drops out: it shares only part of the copy (a text made
/// from some of the source's sentences).
pub const COVERAGE_MARGIN: f64 = 0.15;

/// Words of the copy either side of a spot where close candidates differ that are restored
/// with it, so that the language model reads the spot in context.
const DIFFERENCE_CONTEXT: usize = 2;

/// When the spots where close candidates differ fill more than this share of the copy's words,
/// the whole copy is restored instead of those words.
pub const MAX_PARTIAL_SHARE: f64 = 0.5;

/// What the written words' best candidates say about a copy.
enum Verdict {
    /// One source stands out.
    Decided,
    /// The best shares too few shingles: the copy is restored and looked up again.
    TooFew,
    /// The best few are close: they are compared.
    Close,
}

/// Whether the written words' best candidates, best first, single out one source: the best
/// shares enough shingles and the second is well behind it.
fn written_verdict(hits: &[crate::Hit]) -> Verdict {
    let Some(top) = hits.first() else {
        return Verdict::TooFew;
    };
    if top.shared < DECISIVE_SHARED {
        return Verdict::TooFew;
    }
    match hits.get(1) {
        Some(second) if (second.shared as f64) > DECISIVE_RATIO * top.shared as f64 => {
            Verdict::Close
        }
        _ => Verdict::Decided,
    }
}

/// Traces `input` against `index`: the `k` best sources with aligned passages, and with
/// `pairs` the differing word pairs of each.
///
/// Restoring costs tens of milliseconds, a search about one, so the copy is looked up by its
/// written words first ([`DECISIVE_SHARED`], [`DECISIVE_RATIO`]). When the best candidates are
/// close they are compared: those whose passages cover clearly less of the copy than the best
/// drop out ([`COVERAGE_MARGIN`]); one left, or several with the same shingles (one text
/// indexed twice), decides; otherwise they are near-copies of each other, and only the copy's
/// words where they differ are restored to choose ([`MAX_PARTIAL_SHARE`]). A copy whose written words share too little with
/// any document is restored whole and looked up again.
pub fn trace(
    engine: &Engine,
    index: &Index,
    input: &str,
    k: usize,
    pairs: bool,
) -> Result<TraceReport, IndexError> {
    let unchanged = unchanged(input);
    let query = Query::new(input, &unchanged);
    let mut hits = index.search(query.search_sample(), k.max(MAX_CLOSE))?;
    match written_verdict(&hits) {
        Verdict::Decided => {
            hits.truncate(k);
            let aligned = align_hits(index, &unchanged, query, hits, pairs, true)?;
            Ok(aligned.report(false))
        }
        Verdict::TooFew => {
            let restoration = engine.restore(input);
            let aligned = align_sources(index, input, &restoration, k, pairs)?;
            Ok(aligned.report(true))
        }
        Verdict::Close => trace_close(engine, index, input, query, hits, k, pairs),
    }
}

/// The restoration that changes nothing: the copy as written.
fn unchanged(input: &str) -> Restoration {
    Restoration {
        text: input.to_owned(),
        changes: Vec::new(),
    }
}

/// [`trace`] when the written words' best candidates are close (see there).
fn trace_close(
    engine: &Engine,
    index: &Index,
    input: &str,
    query: Query,
    hits: Vec<crate::Hit>,
    k: usize,
    pairs: bool,
) -> Result<TraceReport, IndexError> {
    let unchanged = unchanged(input);
    let input_words = query.input_words.clone();
    let mut aligned = align_hits(index, &unchanged, query, hits, pairs, true)?;
    // The close candidates, scored on every shingle of the copy: the best and those near it.
    let top_score = aligned.sources[0].source.score;
    let close = aligned
        .sources
        .iter()
        .take(MAX_CLOSE)
        .take_while(|a| a.source.score > DECISIVE_RATIO * top_score)
        .count()
        .max(1);
    // Those covering clearly less of the copy than the best share only part of it: the others
    // contend, moved to the front in their order.
    let best_coverage = aligned.sources[..close]
        .iter()
        .map(|a| a.source.coverage)
        .fold(0.0, f64::max);
    let contends = |a: &AlignedSource| a.source.coverage + COVERAGE_MARGIN > best_coverage;
    let contenders = aligned.sources[..close]
        .iter()
        .filter(|a| contends(a))
        .count();
    aligned.sources[..close].sort_by_key(|a| !contends(a));
    let contending = &aligned.sources[..contenders];
    // One contender, or one text indexed more than once (the same shingles), which restoring
    // could not tell apart either.
    if contending
        .iter()
        .all(|a| a.candidate.distinct == contending[0].candidate.distinct)
    {
        aligned.sources.truncate(k);
        return Ok(aligned.report(false));
    }
    // Near-copies of each other: restore the copy where they differ.
    let marked = differing_words(&input_words, contending);
    let spans = marked_spans(&input_words, &marked);
    let restored_words: usize = spans.iter().map(|s| s.words).sum();
    if restored_words == 0 {
        // Where they differ is not in the copy: nothing restoring could tell.
        aligned.sources.truncate(k);
        return Ok(aligned.report(false));
    }
    let restoration = if restored_words as f64 > MAX_PARTIAL_SHARE * input_words.len() as f64 {
        engine.restore(input)
    } else {
        restore_spans(engine, input, &spans)
    };
    let contender_ids: Vec<String> = aligned.sources[..contenders]
        .iter()
        .map(|a| a.source.id.clone())
        .collect();
    let candidates = aligned.sources.into_iter().map(|a| a.candidate).collect();
    let query = Query::new(input, &restoration);
    let mut aligned = align_candidates(&restoration, query, candidates, pairs, true);
    // Ranked by score again, the contenders still before the rest.
    aligned
        .sources
        .sort_by_key(|a| !contender_ids.contains(&a.source.id));
    aligned.sources.truncate(k);
    Ok(aligned.report(true))
}

/// Words of the copy aligned with a spot where the close candidates differ: a shingle of one
/// that not every other has, mapped into the copy through that candidate's passages, with
/// [`DIFFERENCE_CONTEXT`] words either side.
fn differing_words(input_words: &[Word], candidates: &[AlignedSource]) -> Vec<bool> {
    let mut marked = vec![false; input_words.len()];
    for (n, candidate) in candidates.iter().enumerate() {
        for (at, h) in candidate.candidate.shingles.iter().enumerate() {
            let shared_by_all = candidates
                .iter()
                .enumerate()
                .all(|(m, other)| m == n || other.candidate.distinct.binary_search(h).is_ok());
            if shared_by_all {
                continue;
            }
            let Some(p) = candidate
                .passages
                .iter()
                .find(|p| (p.source_first..p.source_end).contains(&at))
            else {
                continue;
            };
            // The copy's word at the same relative place in the passage.
            let (copy_len, source_len) = (p.copy_end - p.copy_first, p.source_end - p.source_first);
            let at_copy = p.copy_first + (at - p.source_first) * copy_len / source_len.max(1);
            let first = at_copy.saturating_sub(DIFFERENCE_CONTEXT);
            let end =
                (at_copy + fingerprint::SHINGLE_WORDS + DIFFERENCE_CONTEXT).min(input_words.len());
            for m in &mut marked[first..end] {
                *m = true;
            }
        }
    }
    marked
}

/// A run of the copy's words to restore.
struct WordSpan {
    /// Byte range in the copy, from its first word's start to its last word's end.
    start: usize,
    end: usize,
    /// Words in it.
    words: usize,
}

/// The runs of marked words of the copy. A run is restored as a text of its own, so the
/// language model reads its first words without what came before them; the
/// [`DIFFERENCE_CONTEXT`] words either side of a difference are there for that.
fn marked_spans(words: &[Word], marked: &[bool]) -> Vec<WordSpan> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !marked[i] {
            i += 1;
            continue;
        }
        let first = i;
        while i < words.len() && marked[i] {
            i += 1;
        }
        spans.push(WordSpan {
            start: words[first].start,
            end: words[i - 1].end,
            words: i - first,
        });
    }
    spans
}

/// `input` with only `spans` restored, as one restoration of the whole input (changes in
/// input offsets, in order).
fn restore_spans(engine: &Engine, input: &str, spans: &[WordSpan]) -> Restoration {
    let mut text = String::with_capacity(input.len());
    let mut changes = Vec::new();
    let mut copied = 0;
    for span in spans {
        text.push_str(&input[copied..span.start]);
        let part = engine.restore(&input[span.start..span.end]);
        text.push_str(&part.text);
        changes.extend(part.changes.into_iter().map(|mut c| {
            c.start += span.start;
            c.end += span.start;
            c
        }));
        copied = span.end;
    }
    text.push_str(&input[copied..]);
    Restoration { text, changes }
}

/// [`trace`] for a copy already restored (`restoration` is `input` restored): callers that
/// need the restoration themselves restore once.
pub fn trace_restored(
    index: &Index,
    input: &str,
    restoration: &Restoration,
    k: usize,
    pairs: bool,
) -> Result<TraceReport, IndexError> {
    Ok(align_sources(index, input, restoration, k, pairs)?.report(true))
}

/// A candidate source aligned with the copy.
pub(crate) struct AlignedSource {
    /// What [`trace`] reports of it.
    pub(crate) source: Source,
    /// The source document, its words and shingles.
    pub(crate) candidate: Candidate,
    /// The aligned passages, in words of the copy as written (not as restored) and of the
    /// source.
    pub(crate) passages: Vec<Passage>,
}

/// A candidate source read from the index, with its words and shingles: what aligning it
/// with a copy needs, computed once however often it is aligned.
pub(crate) struct Candidate {
    /// The source document.
    pub(crate) document: Document,
    /// Its words.
    pub(crate) words: Vec<Word>,
    /// Its shingles, by position.
    pub(crate) shingles: Vec<u64>,
    /// Its shingles, sorted and distinct.
    pub(crate) distinct: Vec<u64>,
}

impl Candidate {
    fn read(index: &Index, doc: u32) -> Result<Candidate, IndexError> {
        let document = index.document(doc)?;
        let words = fingerprint::words(&document.text);
        let shingles = fingerprint::shingles(&words);
        let mut distinct = shingles.clone();
        distinct.sort_unstable();
        distinct.dedup();
        Ok(Candidate {
            document,
            words,
            shingles,
            distinct,
        })
    }
}

/// The copy's words and its candidate sources, best first.
pub(crate) struct Alignment {
    pub(crate) input_words: Vec<Word>,
    pub(crate) sources: Vec<AlignedSource>,
}

/// What a trace looks up: the copy's words as written and as restored, and the shingles of
/// both (sorted, unique).
pub(crate) struct Query {
    input_words: Vec<Word>,
    restored_words: Vec<Word>,
    shingles: Vec<u64>,
}

/// Most shingles of a copy looked up in the index: a long copy is looked up by the
/// [`SEARCH_SAMPLE`] of its shingles with the lowest hashes (a fixed, even sample of them), so
/// that a search's cost is bounded; candidates are then scored on every shingle.
pub const SEARCH_SAMPLE: usize = 600;

impl Query {
    /// The shingles looked up in the index (see [`SEARCH_SAMPLE`]).
    fn search_sample(&self) -> &[u64] {
        // Sorted by hash, so the first are the lowest.
        &self.shingles[..self.shingles.len().min(SEARCH_SAMPLE)]
    }

    fn new(input: &str, restoration: &Restoration) -> Self {
        let input_words = fingerprint::words(input);
        let unchanged = restoration.changes.is_empty() && restoration.text == input;
        let restored_words = if unchanged {
            input_words.clone()
        } else {
            fingerprint::words(&restoration.text)
        };
        let mut shingles = fingerprint::shingles(&input_words);
        if !unchanged {
            shingles.extend(fingerprint::shingles(&restored_words));
        }
        shingles.sort_unstable();
        shingles.dedup();
        Query {
            input_words,
            restored_words,
            shingles,
        }
    }
}

impl Alignment {
    /// What [`trace`] reports of it (`restored`: whether the copy was restored to look it up).
    fn report(self, restored: bool) -> TraceReport {
        TraceReport {
            words: self.input_words.len(),
            restored,
            sources: self.sources.into_iter().map(|a| a.source).collect(),
        }
    }
}

/// Looks the copy up (the shingles of its restored and its written words) and aligns the `k`
/// best candidates with it, best first.
pub(crate) fn align_sources(
    index: &Index,
    input: &str,
    restoration: &Restoration,
    k: usize,
    pairs: bool,
) -> Result<Alignment, IndexError> {
    let query = Query::new(input, restoration);
    let hits = index.search(query.search_sample(), k)?;
    align_hits(index, restoration, query, hits, pairs, false)
}

/// Aligns the copy with each of `hits`, best first; `written_only`: the copy was not restored
/// (`restoration` leaves it as it is), so stretches that read as spun are bridged by their
/// matching words ([`fingerprint::align_unrestored`]).
fn align_hits(
    index: &Index,
    restoration: &Restoration,
    query: Query,
    hits: Vec<crate::Hit>,
    pairs: bool,
    written_only: bool,
) -> Result<Alignment, IndexError> {
    let candidates = hits
        .iter()
        .map(|hit| Candidate::read(index, hit.doc))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(align_candidates(
        restoration,
        query,
        candidates,
        pairs,
        written_only,
    ))
}

/// Number of `sorted` (ascending, distinct) found in `set` (ascending, distinct).
fn shared_count(sorted: &[u64], set: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < sorted.len() && j < set.len() {
        match sorted[i].cmp(&set[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// [`align_hits`] for candidates already read.
fn align_candidates(
    restoration: &Restoration,
    query: Query,
    candidates: Vec<Candidate>,
    pairs: bool,
    written_only: bool,
) -> Alignment {
    let Query {
        input_words,
        restored_words,
        shingles: query_shingles,
    } = query;
    let own = query_shingles.len().max(1);
    let restored_shingles = fingerprint::shingles(&restored_words);
    let mut sources = Vec::new();
    for candidate in candidates {
        let (doc, source_words, source_shingles) =
            (&candidate.document, &candidate.words, &candidate.shingles);
        let shared = shared_count(&query_shingles, &candidate.distinct);
        let aligned: Vec<Passage> = if written_only {
            fingerprint::align_unrestored_shingles(
                &restored_words,
                source_words,
                &restored_shingles,
                source_shingles,
            )
        } else {
            fingerprint::align_shingles(
                restored_words.len(),
                source_words.len(),
                &restored_shingles,
                source_shingles,
            )
        };
        let mut passages = Vec::new();
        let mut input_passages = Vec::new();
        let mut covered = 0usize;
        let mut word_pairs = Vec::new();
        for p in &aligned {
            let r_start = restored_words[p.copy_first].start;
            let r_end = restored_words[p.copy_end - 1].end;
            let copy_start = to_input(&restoration.changes, r_start, false);
            let copy_end = to_input(&restoration.changes, r_end, true);
            let (first, end) = word_range(&input_words, copy_start, copy_end);
            covered += end - first;
            let (source_start, source_end) = (
                source_words[p.source_first].start,
                source_words[p.source_end - 1].end,
            );
            passages.push(AlignedPassage {
                copy_start,
                copy_end,
                source_start,
                source_end,
                source_text: doc.text[source_start..source_end].to_owned(),
                seeds: p.seeds,
            });
            let input_passage = Passage {
                copy_first: first,
                copy_end: end,
                ..p.clone()
            };
            if pairs {
                let (copy, passage) = (&input_words, &input_passage);
                // A one-sided run at the passage's edge is where it was cut, not an edit. Words
                // the copy seems to lack are left out too: where search alone found the source,
                // there is no restoration to show a template (`{who have}`, whose words are not
                // fingerprinted) between them, and a spinner's fillers are words it adds.
                let cut = |e: &Edit| {
                    e.copy_end == e.copy_first
                        || (e.source_end == e.source_first
                            && fingerprint::widened_run(copy, source_words, passage, e).is_none())
                };
                word_pairs.extend(
                    fingerprint::differing_runs(copy, source_words, passage)
                        .iter()
                        .filter(|e| !cut(e))
                        .filter_map(|e| WordPair::of_edit(copy, source_words, e)),
                );
            }
            input_passages.push(input_passage);
        }
        sources.push(AlignedSource {
            source: Source {
                id: doc.id.clone(),
                url: doc.url.clone(),
                title: doc.title.clone(),
                score: shared as f64 / own as f64,
                source_share: shared as f64 / candidate.distinct.len().max(1) as f64,
                coverage: covered as f64 / input_words.len().max(1) as f64,
                passages,
                pairs: word_pairs,
            },
            candidate,
            passages: input_passages,
        });
    }
    sources.sort_by(|a, b| {
        let (a, b) = (&a.source, &b.source);
        b.score
            .total_cmp(&a.score)
            .then(b.source_share.total_cmp(&a.source_share))
            .then_with(|| a.id.cmp(&b.id))
    });
    Alignment {
        input_words,
        sources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(start: usize, end: usize, restored: &str) -> Change {
        Change {
            start,
            end,
            spun: String::new(),
            restored: restored.to_owned(),
            confidence: 1.0,
            kind: unspin_core::restore::ChangeKind::Thesaurus,
            alternatives: Vec::new(),
            source: None,
        }
    }

    #[test]
    fn restored_offsets_map_back_to_the_input() {
        // input:    "the warfare in opposition to them"
        // restored: "the war against them"
        let changes = [change(4, 11, "war"), change(12, 28, "against")];
        assert_eq!(to_input(&changes, 0, false), 0);
        assert_eq!(to_input(&changes, 4, false), 4); // "war" starts where "warfare" did
        assert_eq!(to_input(&changes, 7, true), 11); // ... and ends where it ended
        assert_eq!(to_input(&changes, 8, false), 12); // "against"
        assert_eq!(to_input(&changes, 15, true), 28);
        assert_eq!(to_input(&changes, 16, false), 29); // "them"
        assert_eq!(to_input(&changes, 20, true), 33);
    }
}
