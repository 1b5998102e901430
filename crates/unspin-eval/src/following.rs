//! Restoring from the source: every article of the corpus in a scratch index (plus optional
//! distractors), spun copies of the chosen split restored by the model alone and with the
//! index (`restore --index`) in the same run, and the clean originals checked and restored
//! with the index (their own text is indexed: nothing should change). A second index holds
//! only the other half's articles (and the distractors): there the copies' sources are
//! absent, and any source followed is a false one.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use serde_json::{json, Value};
use unspin_core::check::Verdict;
use unspin_core::wer::damage_report;
use unspin_core::Engine;
use unspin_index::follow::analyse_with_index;

use crate::spinner::Spinner;

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Minimum, 5th percentile, median, 95th percentile and maximum.
fn quantiles(mut v: Vec<f64>) -> Value {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v.get(((v.len().max(1) - 1) as f64 * p) as usize).copied();
    json!({"min": q(0.0), "p05": q(0.05), "median": q(0.5), "p95": q(0.95), "max": q(1.0)})
}

/// Runs the experiment over `docs` (their sources are among the corpus's articles).
pub fn evaluate(
    engine: &Engine,
    spinner: &Spinner,
    corpus: &Path,
    distractors: Option<&Path>,
    docs: &[String],
) -> Result<Value> {
    let dir = std::env::temp_dir().join(format!("unspin-eval-follow-{}", std::process::id()));
    let index = crate::tracing::build_index(&dir, corpus, distractors, 1000)?;
    let stats = index.stats()?;
    let absent_dir = dir.with_extension("absent");
    let absent = crate::tracing::build_index_without(&absent_dir, corpus, docs, distractors)?;
    let (mut false_follows, mut absent_restored) = (0usize, 0.0);
    let (mut present_scores, mut absent_scores) = (Vec::new(), Vec::new());
    let (mut model_spun, mut model_restored, mut indexed_restored) = (0.0, 0.0, 0.0);
    let (mut followed, mut flagged_model, mut flagged_indexed) = (0usize, 0usize, 0usize);
    let (mut clean_changes, mut clean_words, mut clean_flagged) = (0usize, 0usize, 0usize);
    let (mut spun_shares, mut clean_shares) = (Vec::new(), Vec::new());
    let (mut ms_indexed, mut ms_separate) = (Vec::new(), Vec::new());
    for doc in docs {
        let (spun, _) = spinner.spin(doc);
        // Today's two steps one after the other: trace, then restore.
        let t = Instant::now();
        let _ = unspin_index::trace::trace(engine, &index, &spun, 3, false)?;
        let model = engine.analyse(&spun);
        ms_separate.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let with_index = analyse_with_index(engine, &index, &spun)?;
        ms_indexed.push(t.elapsed().as_secs_f64() * 1e3);
        let best_score = |index: &unspin_index::Index| -> Result<f64> {
            let r =
                unspin_index::trace::trace_restored(index, &spun, &model.restoration, 1, false)?;
            Ok(r.sources.first().map_or(0.0, |s| s.score))
        };
        present_scores.push(best_score(&index)?);
        absent_scores.push(best_score(&absent)?);
        let without_source = analyse_with_index(engine, &absent, &spun)?;
        false_follows += usize::from(without_source.restoration.source.is_some());
        absent_restored += damage_report(doc, &spun, &without_source.restoration.text).wer_restored;

        let m = damage_report(doc, &spun, &model.restoration.text);
        let w = damage_report(doc, &spun, &with_index.restoration.text);
        model_spun += m.wer_spun;
        model_restored += m.wer_restored;
        indexed_restored += w.wer_restored;
        followed += usize::from(with_index.restoration.source.is_some());
        flagged_model += usize::from(model.check.verdict == Verdict::Spun);
        flagged_indexed += usize::from(with_index.check.verdict == Verdict::Spun);
        if let Some(c) = &with_index.copy_of {
            spun_shares.push(c.rewritten_share);
        }

        let clean = analyse_with_index(engine, &index, doc)?;
        clean_changes += clean
            .restoration
            .changes
            .iter()
            .map(|c| unspin_core::wer::wer_tokens(&c.spun).len().max(1))
            .sum::<usize>();
        clean_words += unspin_core::wer::wer_tokens(doc).len();
        clean_flagged += usize::from(clean.check.verdict == Verdict::Spun);
        if let Some(c) = &clean.copy_of {
            clean_shares.push(c.rewritten_share);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&absent_dir);
    let n = docs.len().max(1) as f64;
    Ok(json!({
        "articles": docs.len(),
        "indexed_documents": stats.documents,
        "damage_undone_model_only": 1.0 - model_restored / model_spun,
        "damage_undone_with_index": 1.0 - indexed_restored / model_spun,
        "source_followed_share": followed as f64 / n,
        "source_absent_followed_share": false_follows as f64 / n,
        "damage_undone_source_absent": 1.0 - absent_restored / model_spun,
        "best_source_score_present": quantiles(present_scores),
        "best_source_score_absent": quantiles(absent_scores),
        "spun_flagged_model_only": flagged_model as f64 / n,
        "spun_flagged_with_index": flagged_indexed as f64 / n,
        "clean_changes_per_200_words_with_index": 200.0 * clean_changes as f64 / clean_words.max(1) as f64,
        "clean_flagged_with_index": clean_flagged as f64 / n,
        "rewritten_share_spun": quantiles(spun_shares),
        "rewritten_share_clean": quantiles(clean_shares),
        "median_ms_trace_then_restore": median(ms_separate),
        "median_ms_with_index": median(ms_indexed),
    }))
}

/// Heavy rewrites (see [`crate::rewrite`]) of `docs`, their sources indexed among the corpus
/// and the distractors: `check` alone and `check --index` on each copy, the measured rewritten
/// share against the simulator's, and the clean originals checked with the index.
pub fn evaluate_rewrites(
    engine: &Engine,
    spinner: &Spinner,
    rewriter: &crate::rewrite::Rewriter,
    corpus: &Path,
    distractors: Option<&Path>,
    docs: &[String],
) -> Result<Value> {
    let dir = std::env::temp_dir().join(format!("unspin-eval-rewrite-{}", std::process::id()));
    let index = crate::tracing::build_index(&dir, corpus, distractors, 1000)?;
    let stats = index.stats()?;
    let (mut flagged_model, mut flagged_index, mut followed) = (0usize, 0usize, 0usize);
    let mut shares = Vec::new();
    let (mut clean_flagged, mut truth_sum, mut measured_sum, mut abs_error) =
        (0usize, 0.0, 0.0, 0.0);
    for (i, doc) in docs.iter().enumerate() {
        let donor = &docs[(i + 1) % docs.len()];
        let copy = rewriter.rewrite(doc, spinner, donor);
        let a = analyse_with_index(engine, &index, &copy.text)?;
        flagged_model += usize::from(engine.check(&copy.text).verdict == Verdict::Spun);
        flagged_index += usize::from(a.check.verdict == Verdict::Spun);
        if let Some(c) = &a.copy_of {
            followed += 1;
            let truth = copy.changed_words as f64 / copy.words.max(1) as f64;
            truth_sum += truth;
            measured_sum += c.rewritten_share;
            shares.push(c.rewritten_share);
            abs_error += (c.rewritten_share - truth).abs();
        }
        let clean = analyse_with_index(engine, &index, doc)?;
        clean_flagged += usize::from(clean.check.verdict == Verdict::Spun);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let n = docs.len().max(1) as f64;
    let f = followed.max(1) as f64;
    Ok(json!({
        "articles": docs.len(),
        "indexed_documents": stats.documents,
        "spin_rate": spinner.rate,
        "rewriter": {"reorder": rewriter.reorder, "drop": rewriter.drop, "insert": rewriter.insert,
            "rephrase": rewriter.rephrase},
        "recall_model_only": flagged_model as f64 / n,
        "recall_with_index": flagged_index as f64 / n,
        "source_followed_share": followed as f64 / n,
        "clean_flagged_with_index": clean_flagged as f64 / n,
        "rewritten_share_truth_mean": truth_sum / f,
        "rewritten_share_measured_mean": measured_sum / f,
        "rewritten_share_mean_abs_error": abs_error / f,
        "rewritten_share_measured": quantiles(shares),
    }))
}
