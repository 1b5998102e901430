//! With an index: restore a copy from its source, and report the copy.
//!
//! When the copy's best source scores at least [`MIN_FOLLOW_SCORE`] (share of the copy's
//! shingles found in it), each aligned passage is compared word by word with the source
//! ([`fingerprint::differing_runs`]) and every differing run is put back as the source writes
//! it (change kind `source`, with the source's byte offsets); the model's changes inside
//! aligned passages give way (the source says what was there), outside them they stay. The
//! same alignment measures how much of the copy was rewritten ([`CopyOf`]). A copy that neither
//! the model nor its rewriting calls spun (a verbatim copy, another version of the story) is
//! reported as a copy and keeps the model's restoration: restoring from the source is for
//! spun copies.

use serde::Serialize;
use unspin_core::check::{CheckReport, Verdict};
use unspin_core::fingerprint::{self, Edit, Passage, Word};
use unspin_core::restore::{self, Change, ChangeKind, Restoration, SourceSpan};
use unspin_core::Engine;

use crate::trace::{align_sources, AlignedSource, TraceReport, WordPair};
use crate::{Index, IndexError};

/// Least trace score (share of the copy's shingles found in the source) for a source to be
/// followed. Chosen on simulated copies (BENCHMARKS.md, "Restoring from the source").
pub const MIN_FOLLOW_SCORE: f64 = 0.2;

/// Longest run, in words on either side, put back from the source in a spun copy. Longer
/// differences are re-written sentences or alignment seams; the model keeps them.
pub const MAX_RUN_WORDS: usize = 8;

/// Longest run, in words on either side, that counts as a spinner's swap in the rewritten
/// share; longer ones are [`Rewriting::rewrites`] (re-written clauses, an editor's changes).
pub const SPINNER_RUN_WORDS: usize = 4;

/// Largest gap, in words on both sides, between two aligned passages in the same order that
/// are compared as one: a heavily spun stretch shares no shingle with its source, yet lies
/// between two passages that do.
pub const MAX_BRIDGED_GAP: usize = 24;

/// Share of the copy's aligned words that differ from the source above which a traced copy
/// is called spun whatever the model's probability. Chosen on simulated copies
/// (BENCHMARKS.md, "Restoring from the source").
pub const MIN_REWRITTEN_SHARE: f64 = 0.08;

/// Fewest spinner-sized differing runs for the rewritten share to call a copy spun: a copy
/// that differs from its source in two or three places (another version of the story, an
/// editor's touch) has too few differences to tell a spinner by.
pub const MIN_REWRITTEN_RUNS: usize = 5;

/// Spinner-sized runs needed per longer run for the rewritten share to call a copy spun. A
/// spinner's copy differs from its source in many short places and rarely in a long one (the
/// wild-dev copies: 24 to 75 short runs, 0 to 2 long); an editor's version rewrites whole
/// clauses (the bundled clean example against its source: 5 short, 4 long).
pub const SHORT_RUNS_PER_LONG: usize = 4;

/// How a copy differs from its source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Rewriting {
    /// Runs where copy and source both have words, different ones (synonym swaps).
    pub swaps: usize,
    /// Runs of words the copy added.
    pub insertions: usize,
    /// Runs of source words the copy left out.
    pub deletions: usize,
    /// Longer differing runs (over [`SPINNER_RUN_WORDS`] words): re-written clauses or an
    /// editor's changes, left out of the rewritten share.
    pub rewrites: usize,
}

/// The copy's source, as `check --index` reports it.
#[derive(Clone, Debug, Serialize)]
pub struct CopyOf {
    /// The source's id.
    pub id: String,
    /// Its URL, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Trace score (share of the copy's shingles found in the source).
    pub score: f64,
    /// Share of the copy's words inside passages aligned with the source.
    pub coverage: f64,
    /// Share of those aligned words that differ from the source.
    pub rewritten_share: f64,
    /// What kind of differences.
    pub rewriting: Rewriting,
}

/// A restoration that followed a source where it could.
#[derive(Clone, Debug, Serialize)]
pub struct SourcedRestoration {
    /// The restored text.
    pub text: String,
    /// Every change, in input order (kind `source` for those taken from the source).
    pub changes: Vec<Change>,
    /// The source followed, if one scored high enough.
    pub source: Option<FollowedSource>,
}

/// The source a restoration followed, and how much it contributed.
#[derive(Clone, Debug, Serialize)]
pub struct FollowedSource {
    /// The copy's source.
    #[serde(flatten)]
    pub copy_of: CopyOf,
    /// Its title, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Changes taken from the source.
    pub changes_from_source: usize,
    /// Changes the model made outside the aligned passages.
    pub changes_from_model: usize,
}

/// Check and restoration of one copy with an index.
#[derive(Clone, Debug, Serialize)]
pub struct IndexedAnalysis {
    /// The model's check report, with its verdict raised to spun when the copy rewrote more
    /// than [`MIN_REWRITTEN_SHARE`] of its source.
    pub check: CheckReport,
    /// The copy's source, when one was found.
    pub copy_of: Option<CopyOf>,
    /// The restoration, from the source where aligned.
    pub restoration: SourcedRestoration,
    /// The candidate sources, as `trace` reports them (of the model's restoration).
    pub trace: TraceReport,
    /// The word pairs the copy swapped against the source it followed (source words, copy
    /// words; lowercase): the spinner's table as this copy shows it (`scan --pairs-out`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<WordPair>,
    /// The copy's words that stand as the source wrote them inside the aligned passages
    /// (normalised), when it has [`IndexedAnalysis::pairs`]: what the spinner left alone
    /// (`unspin learn --index` holds them, see [`unspin_core::spinner::PairHarvest::add_kept`]).
    /// Not in reports: it is most of the copy.
    #[serde(skip)]
    pub kept_words: Vec<String>,
}

/// The runs of an aligned source that may be put back (at most [`MAX_RUN_WORDS`] words a
/// side), and how many runs are longer than a spinner's swap ([`SPINNER_RUN_WORDS`]). A run at
/// a passage's edge with one side empty is where the passage was cut, not an edit, and is
/// neither.
/// `passages` are the source's bridged passages and `differing` their
/// [`fingerprint::differing_runs`], one list each.
fn runs(passages: &[Passage], differing: &[Vec<Edit>]) -> (Vec<Edit>, usize) {
    let (mut out, mut longer) = (Vec::new(), 0);
    for (p, edits) in passages.iter().zip(differing) {
        for &e in edits {
            let (copy_len, source_len) = (e.copy_end - e.copy_first, e.source_end - e.source_first);
            let at_edge = e.copy_first == p.copy_first || e.copy_end == p.copy_end;
            if at_edge && (copy_len == 0 || source_len == 0) {
                continue;
            }
            let size = copy_len.max(source_len);
            if size > SPINNER_RUN_WORDS {
                longer += 1;
            }
            if size <= MAX_RUN_WORDS {
                out.push(e);
            }
        }
    }
    (out, longer)
}

/// Whether a run is the size of a spinner's swap.
fn spinner_sized(e: &Edit) -> bool {
    (e.copy_end - e.copy_first).max(e.source_end - e.source_first) <= SPINNER_RUN_WORDS
}

/// The passages with short, in-order gaps between them bridged (see [`MAX_BRIDGED_GAP`]).
fn bridged(passages: &[Passage]) -> Vec<Passage> {
    let mut out: Vec<Passage> = Vec::new();
    for p in passages.iter().filter(|p| p.copy_end > p.copy_first) {
        match out.last_mut() {
            Some(last)
                if p.copy_first >= last.copy_end
                    && p.source_first >= last.source_end
                    && p.copy_first - last.copy_end <= MAX_BRIDGED_GAP
                    && p.source_first - last.source_end <= MAX_BRIDGED_GAP =>
            {
                last.copy_end = p.copy_end;
                last.source_end = p.source_end;
                last.seeds += p.seeds;
            }
            _ => out.push(p.clone()),
        }
    }
    out
}

fn copy_of(s: &AlignedSource, edits: &[Edit], longer: usize) -> CopyOf {
    let aligned: usize = bridged(&s.passages)
        .iter()
        .map(|p| p.copy_end - p.copy_first)
        .sum();
    let rewritten: usize = edits
        .iter()
        .filter(|e| spinner_sized(e))
        .map(|e| (e.copy_end - e.copy_first).max(e.source_end - e.source_first))
        .sum();
    let mut rewriting = Rewriting {
        rewrites: longer,
        ..Rewriting::default()
    };
    for e in edits.iter().filter(|e| spinner_sized(e)) {
        match (e.copy_end > e.copy_first, e.source_end > e.source_first) {
            (true, true) => rewriting.swaps += 1,
            (true, false) => rewriting.insertions += 1,
            _ => rewriting.deletions += 1,
        }
    }
    CopyOf {
        id: s.source.id.clone(),
        url: s.source.url.clone(),
        score: s.source.score,
        coverage: s.source.coverage,
        rewritten_share: rewritten as f64 / aligned.max(1) as f64,
        rewriting,
    }
}

/// Whether two changes cannot both apply: their byte ranges overlap, or an insertion (an
/// empty range) falls inside the other or at the same place as another insertion.
fn conflict(a: &Change, b: &Change) -> bool {
    let inside = |x: usize, c: &Change| c.start < x && x < c.end;
    match (a.start == a.end, b.start == b.end) {
        (true, true) => a.start == b.start,
        (true, false) => inside(a.start, b),
        (false, true) => inside(b.start, a),
        (false, false) => a.start < b.end && b.start < a.end,
    }
}

/// The change that puts one run back as the source writes it.
fn source_change(input: &str, words: &[Word], source: &str, sw: &[Word], e: &Edit) -> Change {
    let (start, end, restored, span) =
        match (e.copy_end > e.copy_first, e.source_end > e.source_first) {
            // A swap: the copy's words become the source's, with the source's punctuation between.
            (true, true) => {
                let (s, t) = (sw[e.source_first].start, sw[e.source_end - 1].end);
                (
                    words[e.copy_first].start,
                    words[e.copy_end - 1].end,
                    source[s..t].to_owned(),
                    (s, t),
                )
            }
            // Words the copy added: removed with the space after them.
            (true, false) => {
                let start = words[e.copy_first].start;
                let end = words
                    .get(e.copy_end)
                    .map_or(words[e.copy_end - 1].end, |w| w.start);
                let at = sw
                    .get(e.source_first)
                    .map_or_else(|| sw.last().map_or(0, |w| w.end), |w| w.start);
                (start, end, String::new(), (at, at))
            }
            // Words the copy left out: put back before the next copy word.
            _ => {
                let (s, t) = (sw[e.source_first].start, sw[e.source_end - 1].end);
                let at = words[e.copy_first].start;
                (at, at, format!("{} ", &source[s..t]), (s, t))
            }
        };
    Change {
        start,
        end,
        spun: input[start..end].to_owned(),
        restored,
        confidence: 1.0,
        kind: ChangeKind::Source,
        alternatives: Vec::new(),
        source: Some(SourceSpan {
            start: span.0,
            end: span.1,
        }),
    }
}

/// Checks and restores `input` with the engine, then follows its source in `index` where one
/// is found (see the module's documentation).
pub fn analyse_with_index(
    engine: &Engine,
    index: &Index,
    input: &str,
) -> Result<IndexedAnalysis, IndexError> {
    let analysis = engine.analyse(input);
    follow(index, input, analysis.check, analysis.restoration)
}

/// [`analyse_with_index`] for a copy already checked and restored by the model (`check` and
/// `model` are `input`'s): callers that prepared the document themselves (scan) pass them.
pub fn follow(
    index: &Index,
    input: &str,
    check: CheckReport,
    model: Restoration,
) -> Result<IndexedAnalysis, IndexError> {
    let mut check = check;
    let alignment = align_sources(index, input, &model, 3, false)?;
    let trace = TraceReport {
        words: alignment.input_words.len(),
        restored: true,
        sources: alignment.sources.iter().map(|s| s.source.clone()).collect(),
    };
    let Some(best) = alignment
        .sources
        .first()
        .filter(|s| s.source.score >= MIN_FOLLOW_SCORE)
    else {
        return Ok(IndexedAnalysis {
            check,
            copy_of: None,
            restoration: model.into(),
            trace,
            pairs: Vec::new(),
            kept_words: Vec::new(),
        });
    };
    let words = &alignment.input_words;
    let passages = bridged(&best.passages);
    // Each passage's word alignment, made once: the edits and the words kept both read it.
    let differing: Vec<Vec<Edit>> = passages
        .iter()
        .map(|p| fingerprint::differing_runs(words, &best.candidate.words, p))
        .collect();
    let (edits, longer) = runs(&passages, &differing);
    // Inside aligned passages the source says what was there; outside, the model's changes
    // stand.
    let aligned: Vec<(usize, usize)> = passages
        .iter()
        .map(|p| (words[p.copy_first].start, words[p.copy_end - 1].end))
        .collect();
    // Spinner templates (`{a|b}`) are the spinner's litter, not wording: the model's clean-up
    // of them stands everywhere.
    let inside = |c: &Change| aligned.iter().any(|&(s, e)| c.start < e && c.end > s);
    let kept = |c: &Change| c.kind == ChangeKind::Spintax || !inside(c);
    // A source change gives way to a kept one it overlaps; words the copy seems to lack give
    // way to a template between the same two words (its words are not fingerprinted).
    let gap = |e: &Edit| {
        let from = e.copy_first.checked_sub(1).map_or(0, |i| words[i].end);
        let to = words.get(e.copy_first).map_or(input.len(), |w| w.start);
        (from, to)
    };
    let template_in_gap = |e: &Edit| {
        let (from, to) = gap(e);
        e.copy_end == e.copy_first
            && model
                .changes
                .iter()
                .any(|m| kept(m) && m.start >= from && m.end <= to)
    };
    let edits: Vec<Edit> = edits.into_iter().filter(|e| !template_in_gap(e)).collect();
    // `runs` left out the one-sided runs at a passage's edge, so every run here is an edit.
    let pairs: Vec<WordPair> = edits
        .iter()
        .filter_map(|e| WordPair::of_edit(words, &best.candidate.words, e))
        .collect();
    let copy = copy_of(best, &edits, longer);
    let short = edits.iter().filter(|e| spinner_sized(e)).count();
    if copy.rewritten_share > MIN_REWRITTEN_SHARE
        && short >= MIN_REWRITTEN_RUNS
        && longer * SHORT_RUNS_PER_LONG <= short
        && check.verdict == Verdict::Clean
    {
        check.verdict = Verdict::Spun;
    }
    if check.verdict != Verdict::Spun {
        // Neither the model nor the rewriting says spun (a verbatim copy, another version of
        // the story): its differences from the source are an editor's, not a spinner's, and
        // the text keeps the model's restoration.
        return Ok(IndexedAnalysis {
            check,
            copy_of: Some(copy),
            restoration: model.into(),
            trace,
            pairs: Vec::new(),
            kept_words: Vec::new(),
        });
    }
    let mut changes: Vec<Change> = model.changes.into_iter().filter(kept).collect();
    let from_model = changes.len();
    let text = &best.candidate.document.text;
    let mut from_source: Vec<Change> = edits
        .iter()
        .map(|e| source_change(input, words, text, &best.candidate.words, e))
        .collect();
    from_source.sort_by_key(|c| (c.start, c.end));
    // Passages can overlap in the copy (a source that repeats itself): a change that would
    // overlap one already taken gives way, so the changes always tile the input.
    let mut changes_from_source = 0;
    for c in from_source {
        if !changes.iter().any(|m| conflict(&c, m)) {
            changes.push(c);
            changes_from_source += 1;
        }
    }
    changes.sort_by_key(|c| (c.start, c.end));
    let restored = restore::apply(input, &changes);
    let kept_words = fingerprint::kept_outside(&passages, &differing)
        .into_iter()
        .map(|i| words[i].norm.clone())
        .collect();
    Ok(IndexedAnalysis {
        check,
        copy_of: Some(copy.clone()),
        restoration: SourcedRestoration {
            text: restored,
            changes,
            source: Some(FollowedSource {
                copy_of: copy,
                title: best.source.title.clone(),
                changes_from_source,
                changes_from_model: from_model,
            }),
        },
        trace,
        pairs,
        kept_words,
    })
}

impl From<Restoration> for SourcedRestoration {
    fn from(r: Restoration) -> Self {
        SourcedRestoration {
            text: r.text,
            changes: r.changes,
            source: None,
        }
    }
}
