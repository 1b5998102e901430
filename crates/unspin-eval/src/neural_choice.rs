//! Would a neural model choose the spinner's original among a written phrase's thesaurus
//! candidates? A probe for the learner's coverage limit (BENCHMARKS.md, session 41): on
//! wild-train's family pages, every attested note whose original is among the written
//! phrase's first candidates is put to the neural model where the pages write the phrase. Each
//! candidate, and the phrase as written, continues the text before it (with the next words as
//! written after it, as the vetting asks: [`ContinuationRequest::written_or_original`]); the
//! original's rank by the summed log-probabilities is reported beside its rank in the generic
//! channel's own order, and whether a loaded table already holds the pair. It learns nothing.

use std::collections::BTreeMap;

use anyhow::Result;
use unspin_core::rescore::{ContinuationRequest, ContinuationScorer};
use unspin_core::vet::WrittenPlaces;
use unspin_core::Engine;

use crate::wildtrain::Page;

/// Occurrences of a written phrase put to the model per pair.
const OCCURRENCES: usize = 2;

/// The word pairs where a note's two sides differ: word by word when both sides have as many
/// words, else the run left when the shared leading and trailing words are cut (as
/// `scripts/candidate-ranks.py` splits them).
fn differing(spun: &str, original: &str) -> Vec<(String, String)> {
    let words = |p: &str| -> Vec<String> {
        p.to_lowercase()
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| ".,:;!?()\"'".contains(c))
                    .to_owned()
            })
            .filter(|w| !w.is_empty())
            .collect()
    };
    let (s, o) = (words(spun), words(original));
    if s.len() == o.len() {
        return s.into_iter().zip(o).filter(|(a, b)| a != b).collect();
    }
    let mut i = 0;
    while i < s.len().min(o.len()) && s[i] == o[i] {
        i += 1;
    }
    let mut j = 0;
    while j < s.len().min(o.len()) - i && s[s.len() - 1 - j] == o[o.len() - 1 - j] {
        j += 1;
    }
    vec![(s[i..s.len() - j].join(" "), o[i..o.len() - j].join(" "))]
}

/// One probed pair.
struct Probed {
    /// Notes of the pair.
    notes: usize,
    /// The original's rank (from 0) by the neural model's scores.
    neural_rank: usize,
    /// Its rank in the thesaurus's own order.
    prior_rank: usize,
    /// Whether a loaded table holds the pair.
    held: bool,
    /// Whether the original reads better than the phrase as written.
    beats_written: bool,
    /// `written<-original`.
    pair: String,
}

/// The probe's report over `pages` of `style`, with `engine`'s candidates (cut at its
/// weights' `candidate_limit`).
pub fn report(
    engine: &Engine,
    scorer: &dyn ContinuationScorer,
    pages: &[Page],
    style: &str,
) -> Result<serde_json::Value> {
    let family: Vec<&Page> = pages.iter().filter(|p| p.style == style).collect();
    let mut notes: BTreeMap<(String, String), usize> = BTreeMap::new();
    for page in &family {
        for (spun, original) in &page.evidence {
            for pair in differing(spun, original) {
                if !pair.0.is_empty() && !pair.1.is_empty() {
                    *notes.entry(pair).or_default() += 1;
                }
            }
        }
    }
    let (mut probed, mut failures, mut no_candidate, mut unwritten) = (0usize, 0usize, 0, 0);
    let mut rows: Vec<Probed> = Vec::new();
    // Notes whose written phrase the loaded tables give this original first.
    let mut table_first_notes = 0usize;
    // Lowercased once: every phrase is looked up in every page.
    let family_texts: Vec<&str> = family.iter().map(|p| p.text.as_str()).collect();
    let written_places = WrittenPlaces::new(&family_texts);
    for ((spun, original), n) in &notes {
        let (learned, thesaurus): (Vec<_>, Vec<_>) = engine
            .candidates(spun)
            .into_iter()
            .partition(|c| c.is_learned());
        let learned: Vec<String> = learned.into_iter().map(|c| c.text.to_string()).collect();
        let mut texts: Vec<String> = Vec::new();
        for c in thesaurus {
            if !texts.iter().any(|t| t == c.text.as_str()) {
                texts.push(c.text.to_string());
            }
        }
        let Some(prior_rank) = texts.iter().position(|t| t == original) else {
            no_candidate += n;
            continue;
        };
        let places = written_places.of(spun, OCCURRENCES);
        if places.is_empty() {
            unwritten += n;
            continue;
        }
        let originals: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut sums = vec![0.0f32; texts.len() + 1];
        let mut ok = false;
        for (text, at) in places {
            // The written phrase, then every candidate, each with the next words as written.
            let asked = ContinuationRequest::written_or_originals(text, at, &originals);
            match scorer.score_continuations(&asked.context, &asked.continuations) {
                Ok(scores) => {
                    ok = true;
                    for (s, x) in sums.iter_mut().zip(scores) {
                        *s += x;
                    }
                }
                Err(_) => failures += 1,
            }
        }
        if !ok {
            continue;
        }
        let own = sums[1 + prior_rank];
        let neural_rank = sums[1..].iter().filter(|&&s| s > own).count();
        let holds = learned.contains(original);
        let table_first = learned.first() == Some(original);
        probed += n;
        table_first_notes += if table_first { *n } else { 0 };
        rows.push(Probed {
            notes: *n,
            neural_rank,
            prior_rank,
            held: holds,
            beats_written: own > sums[0],
            pair: format!("{spun}<-{original}"),
        });
    }
    let share = |keep: &dyn Fn(&Probed) -> bool, hit: &dyn Fn(&Probed) -> bool| {
        let total: usize = rows.iter().filter(|r| keep(r)).map(|r| r.notes).sum();
        let hits: usize = rows
            .iter()
            .filter(|r| keep(r) && hit(r))
            .map(|r| r.notes)
            .sum();
        serde_json::json!({"notes": total, "share": hits as f64 / total.max(1) as f64})
    };
    let group = |keep: &dyn Fn(&Probed) -> bool| {
        serde_json::json!({
            "neural_first": share(keep, &|r| r.neural_rank == 0),
            "neural_in_first_3": share(keep, &|r| r.neural_rank < 3),
            "prior_first": share(keep, &|r| r.prior_rank == 0),
            "prior_in_first_3": share(keep, &|r| r.prior_rank < 3),
            "reads_better_than_written": share(keep, &|r| r.beats_written),
        })
    };
    let mut missed: Vec<&Probed> = rows.iter().filter(|r| !r.held).collect();
    missed.sort_by(|a, b| b.notes.cmp(&a.notes).then_with(|| a.pair.cmp(&b.pair)));
    Ok(serde_json::json!({
        "style": style,
        "notes": notes.values().sum::<usize>(),
        "probed_notes": probed,
        "original_not_a_candidate": no_candidate,
        "phrase_not_written": unwritten,
        "failed_requests": failures,
        "all_probed": group(&|_| true),
        "loaded_tables_first": table_first_notes as f64 / probed.max(1) as f64,
        "not_in_the_loaded_tables": group(&|r| !r.held),
        "not_in_the_loaded_tables_examples": missed.iter().take(30)
            .map(|r| format!("{} x{}: neural rank {}, prior rank {}",
                r.pair, r.notes, r.neural_rank + 1, r.prior_rank + 1))
            .collect::<Vec<_>>(),
    }))
}
