//! Tracing a copy to its sources: look the shingles of its written words up in the index; when
//! they do not single out one source (no candidate with enough shared shingles, or the best two
//! close), restore the copy and look up the shingles of its restored and written words; align
//! the best candidates passage by passage.

use serde::Serialize;
use unspin_core::fingerprint::{self, Passage, Word};
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
    /// Whether the copy was restored to look it up: its written words alone did not single
    /// out a source (see [`trace`]).
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
/// written words alone to decide a trace; closer than that, restoring may reorder them.
pub const DECISIVE_RATIO: f64 = 0.8;

/// Whether the written words' best candidates, best first, single out one source: the best
/// shares enough shingles and the second is well behind it, or is the same text indexed twice
/// (the same shingles), which restoring the copy could not tell apart either.
fn written_words_decide(index: &Index, hits: &[crate::Hit]) -> Result<bool, IndexError> {
    let Some(top) = hits.first() else {
        return Ok(false);
    };
    if top.shared < DECISIVE_SHARED {
        return Ok(false);
    }
    let Some(second) = hits.get(1) else {
        return Ok(true);
    };
    if (second.shared as f64) <= DECISIVE_RATIO * top.shared as f64 {
        return Ok(true);
    }
    let shingles_of = |doc: u32| -> Result<Vec<u64>, IndexError> {
        Ok(fingerprint::fingerprint(&index.document(doc)?.text))
    };
    Ok(shingles_of(top.doc)? == shingles_of(second.doc)?)
}

/// Traces `input` against `index`: the `k` best sources with aligned passages, and with
/// `pairs` the differing word pairs of each. Restores the copy only when its written words do
/// not single out a source ([`DECISIVE_SHARED`], [`DECISIVE_RATIO`]; two candidates with
/// the same shingles are one text): restoring costs tens of milliseconds, the search about
/// one.
pub fn trace(
    engine: &Engine,
    index: &Index,
    input: &str,
    k: usize,
    pairs: bool,
) -> Result<TraceReport, IndexError> {
    let unchanged = Restoration {
        text: input.to_owned(),
        changes: Vec::new(),
    };
    let query = Query::new(input, &unchanged);
    let mut hits = index.search(&query.shingles, k.max(2))?;
    if written_words_decide(index, &hits)? {
        hits.truncate(k);
        let aligned = align_hits(index, &unchanged, query, hits, pairs, true)?;
        return Ok(aligned.report(false));
    }
    let restoration = engine.restore(input);
    let aligned = align_sources(index, input, &restoration, k, pairs)?;
    Ok(aligned.report(true))
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
    /// The source document.
    pub(crate) document: Document,
    /// Its words.
    pub(crate) source_words: Vec<Word>,
    /// The aligned passages, in words of the copy as written (not as restored) and of the
    /// source.
    pub(crate) passages: Vec<Passage>,
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

impl Query {
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
    let hits = index.search(&query.shingles, k)?;
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
    let Query {
        input_words,
        restored_words,
        shingles: query_shingles,
    } = query;
    let own = query_shingles.len().max(1);
    let mut sources = Vec::new();
    for hit in hits {
        let doc: Document = index.document(hit.doc)?;
        let source_words = fingerprint::words(&doc.text);
        let source_fp: std::collections::HashSet<u64> =
            fingerprint::shingles(&source_words).into_iter().collect();
        let shared = query_shingles
            .iter()
            .filter(|h| source_fp.contains(h))
            .count();
        let aligned: Vec<Passage> = if written_only {
            fingerprint::align_unrestored(&restored_words, &source_words)
        } else {
            fingerprint::align(&restored_words, &source_words)
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
                word_pairs.extend(
                    fingerprint::differing_pairs(
                        &input_words,
                        &source_words,
                        std::slice::from_ref(&input_passage),
                    )
                    .into_iter()
                    .map(|(source, copy)| WordPair { source, copy }),
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
                source_share: shared as f64 / source_fp.len().max(1) as f64,
                coverage: covered as f64 / input_words.len().max(1) as f64,
                passages,
                pairs: word_pairs,
            },
            document: doc,
            source_words,
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
    Ok(Alignment {
        input_words,
        sources,
    })
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
