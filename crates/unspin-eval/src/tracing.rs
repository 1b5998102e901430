//! The tracing experiment: every article of the corpus in a scratch index, and spun copies of
//! the chosen split traced back to them.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::{json, Value};
use unspin_core::fingerprint;
use unspin_core::restore::Restorer;
use unspin_index::{trace, Document, Index};

use crate::spinner::Spinner;

/// Every article under `corpus` (topic folders of numbered files), with its path as id.
fn all_articles(corpus: &Path) -> Result<Vec<Document>> {
    let mut paths = Vec::new();
    for topic in
        std::fs::read_dir(corpus).with_context(|| format!("reading {}", corpus.display()))?
    {
        let topic = topic?.path();
        if topic.is_dir() {
            for f in std::fs::read_dir(&topic)? {
                paths.push(f?.path());
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p)?).into_owned();
            Ok(Document {
                id: p.to_string_lossy().into_owned(),
                url: None,
                title: None,
                text,
            })
        })
        .collect()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Indexes the corpus, traces a spun copy of each of `docs`, and reports recall and latency
/// for unspin and for the written-shingles baseline.
pub fn evaluate(r: &Restorer, spinner: &Spinner, corpus: &Path, docs: &[String]) -> Result<Value> {
    let dir = std::env::temp_dir().join(format!("unspin-eval-index-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let index = Index::create(&dir)?;
    let originals = all_articles(corpus)?;
    let bytes: usize = originals.iter().map(|d| d.text.len()).sum();
    let t = Instant::now();
    for chunk in originals.chunks(1000) {
        index.add_batch(chunk)?;
    }
    let build = t.elapsed().as_secs_f64();
    let stats = index.stats()?;
    let id_of = |text: &str| {
        originals
            .iter()
            .find(|d| d.text == text)
            .map(|d| d.id.clone())
    };

    let (mut ours1, mut ours5, mut base1, mut base5, mut n) = (0, 0, 0, 0, 0usize);
    let (mut ours_ms, mut base_ms) = (Vec::new(), Vec::new());
    let mut coverage = 0.0;
    for doc in docs {
        let Some(want) = id_of(doc) else { continue };
        let (spun, _) = spinner.spin(doc);
        n += 1;
        let t = Instant::now();
        let report = trace::trace(r, &index, &spun, 5, false)?;
        ours_ms.push(t.elapsed().as_secs_f64() * 1e3);
        if let Some(pos) = report.sources.iter().position(|s| s.id == want) {
            ours5 += 1;
            if pos == 0 {
                ours1 += 1;
                coverage += report.sources[0].coverage;
            }
        }
        let t = Instant::now();
        let hits = index.search(&fingerprint::fingerprint(&spun), 5)?;
        base_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let ids: Vec<String> = hits
            .iter()
            .map(|h| index.document(h.doc).map(|d| d.id))
            .collect::<Result<_, _>>()?;
        if let Some(pos) = ids.iter().position(|id| *id == want) {
            base5 += 1;
            if pos == 0 {
                base1 += 1;
            }
        }
    }
    ours_ms.sort_by(f64::total_cmp);
    base_ms.sort_by(f64::total_cmp);
    let _ = std::fs::remove_dir_all(&dir);
    let n_f = n.max(1) as f64;
    Ok(json!({
        "indexed_documents": stats.documents,
        "indexed_mb": bytes as f64 / 1e6,
        "index_build_mb_per_s": bytes as f64 / 1e6 / build,
        "index_file_mb": stats.file_bytes as f64 / 1e6,
        "queries": n,
        "rate": spinner.rate,
        "recall_at_1": ours1 as f64 / n_f,
        "recall_at_5": ours5 as f64 / n_f,
        "mean_coverage_when_found": coverage / ours1.max(1) as f64,
        "trace_ms_p50": percentile(&ours_ms, 0.5),
        "trace_ms_p99": percentile(&ours_ms, 0.99),
        "baseline_written_shingles_recall_at_1": base1 as f64 / n_f,
        "baseline_written_shingles_recall_at_5": base5 as f64 / n_f,
        "baseline_search_ms_p50": percentile(&base_ms, 0.5),
    }))
}
