//! The tracing experiment: every article of the corpus in a scratch index, and spun copies of
//! the chosen split traced back to them.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::{json, Value};
use unspin_core::fingerprint;
use unspin_core::Engine;
use unspin_index::{trace, Document, Index};

use crate::spinner::Spinner;

/// Every article under `corpus` (topic folders of numbered files), with its path as id.
fn all_articles(corpus: &Path) -> Result<Vec<Document>> {
    let paths = crate::corpus_paths(corpus)?;
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

/// A fresh index in `dir` of every article of `corpus` and the distractors (JSON Lines).
pub fn build_index(
    dir: &Path,
    corpus: &Path,
    distractors: Option<&Path>,
    batch_size: usize,
) -> Result<Index> {
    Ok(fill_index(dir, &all_articles(corpus)?, distractors, batch_size)?.0)
}

/// A fresh index in `dir` of every article of `corpus` except `docs`, and the distractors.
pub fn build_index_without(
    dir: &Path,
    corpus: &Path,
    docs: &[String],
    distractors: Option<&Path>,
) -> Result<Index> {
    let left_out: std::collections::HashSet<&str> = docs.iter().map(String::as_str).collect();
    let originals: Vec<Document> = all_articles(corpus)?
        .into_iter()
        .filter(|d| !left_out.contains(d.text.as_str()))
        .collect();
    Ok(fill_index(dir, &originals, distractors, 1000)?.0)
}

/// A fresh index in `dir` of `originals` and the distractors; also the bytes of text added.
fn fill_index(
    dir: &Path,
    originals: &[Document],
    distractors: Option<&Path>,
    batch_size: usize,
) -> Result<(Index, usize)> {
    let _ = std::fs::remove_dir_all(dir);
    let index = Index::create(dir)?;
    let mut bytes: usize = originals.iter().map(|d| d.text.len()).sum();
    let batch_size = batch_size.max(1);
    for chunk in originals.chunks(batch_size) {
        index.add_batch(chunk)?;
    }
    if let Some(path) = distractors {
        use std::io::BufRead;
        let file =
            std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
        let mut batch = Vec::with_capacity(batch_size);
        for line in std::io::BufReader::new(file).lines() {
            let d: Document = serde_json::from_str(&line?)?;
            bytes += d.text.len();
            batch.push(d);
            if batch.len() == batch_size {
                index.add_batch(&batch)?;
                batch.clear();
            }
        }
        index.add_batch(&batch)?;
    }
    Ok((index, bytes))
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Indexes the corpus, traces a spun copy of each of `docs`, and reports recall and latency
/// for unspin and for the written-shingles baseline.
pub fn evaluate(
    r: &Engine,
    spinner: &Spinner,
    corpus: &Path,
    distractors: Option<&Path>,
    batch_size: usize,
    keep_index: Option<&Path>,
    docs: &[String],
) -> Result<Value> {
    let dir = keep_index.map_or_else(
        || std::env::temp_dir().join(format!("unspin-eval-index-{}", std::process::id())),
        Path::to_path_buf,
    );
    let originals = all_articles(corpus)?;
    let rss_before = crate::peak_rss_mib();
    let t = Instant::now();
    let reused = keep_index.is_some() && dir.join(unspin_index::FILE_NAME).exists();
    let (index, bytes) = if reused {
        (Index::open(&dir)?, 0)
    } else {
        fill_index(&dir, &originals, distractors, batch_size)?
    };
    let build = t.elapsed().as_secs_f64();
    let rss_after_build = crate::peak_rss_mib();
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
    let mut restored = 0usize;
    for doc in docs {
        let Some(want) = id_of(doc) else { continue };
        let (spun, _) = spinner.spin(doc);
        n += 1;
        let t = Instant::now();
        let report = trace::trace(r, &index, &spun, 5, false)?;
        ours_ms.push(t.elapsed().as_secs_f64() * 1e3);
        restored += usize::from(report.restored);
        if report.sources.first().is_some_and(|s| s.id != want) {
            let top: Vec<(String, f64)> = report
                .sources
                .iter()
                .map(|s| (s.id.clone(), s.score))
                .collect();
            eprintln!("trace miss: wanted {want}, got {top:?}");
        }
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
    if keep_index.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let n_f = n.max(1) as f64;
    let mut report = json!({
        "indexed_documents": stats.documents,
        "index_batch": batch_size,
        "peak_rss_mib_before_build": rss_before,
        "peak_rss_mib_after_build": rss_after_build,
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
        "trace_restored_share": restored as f64 / n_f,
        "baseline_written_shingles_recall_at_1": base1 as f64 / n_f,
        "baseline_written_shingles_recall_at_5": base5 as f64 / n_f,
        "baseline_search_ms_p50": percentile(&base_ms, 0.5),
        "baseline_search_ms_p99": percentile(&base_ms, 0.99),
    });
    if reused {
        // The index was built by an earlier run: no build figures for this one.
        for key in [
            "index_build_mb_per_s",
            "indexed_mb",
            "peak_rss_mib_after_build",
        ] {
            report.as_object_mut().expect("object").remove(key);
        }
    }
    Ok(report)
}

/// Writes `{"id", "text"}` for the spun copy of each of `docs` (id: its true source).
pub fn export_queries(spinner: &Spinner, corpus: &Path, docs: &[String], out: &Path) -> Result<()> {
    use std::io::Write;
    let originals = all_articles(corpus)?;
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(out).with_context(|| format!("writing {}", out.display()))?,
    );
    for doc in docs {
        let Some(source) = originals.iter().find(|d| d.text == *doc) else {
            continue;
        };
        let (spun, _) = spinner.spin(doc);
        writeln!(f, "{}", serde_json::json!({"id": source.id, "text": spun}))?;
    }
    f.flush()?;
    Ok(())
}

/// Sentences of a text (split after `.`, `!` or `?` followed by a space or line break).
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    for i in 0..b.len().saturating_sub(1) {
        if matches!(b[i], b'.' | b'!' | b'?') && matches!(b[i + 1], b' ' | b'\n') {
            let s = text[start..=i].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = i + 1;
        }
    }
    let s = text[start..].trim();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

/// Writes `n` distractors built from the corpus: two in three are shuffled-sentence mixes of
/// 10-25 sentences from random articles; one in three is a near-duplicate of a real article
/// with about half of its sentences swapped for sentences of other articles.
pub fn make_distractors(corpus: &Path, n: usize, seed: u64, out: &Path) -> Result<()> {
    use std::io::Write;
    let articles = all_articles(corpus)?;
    let pool: Vec<Vec<&str>> = articles.iter().map(|d| sentences(&d.text)).collect();
    let all: Vec<&str> = pool.iter().flatten().copied().collect();
    let mut state = seed ^ 0x5851_f42d_4c95_7f2d;
    let mut next = move || {
        // xorshift64*: a fixed, dependency-free generator, so the corpus is reproducible.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(out).with_context(|| format!("writing {}", out.display()))?,
    );
    for i in 0..n {
        let text = if i % 3 == 2 {
            // Half the sentences (at least one) are swapped, so a near-duplicate is never the
            // article itself.
            let base = &pool[(next() % pool.len() as u64) as usize];
            let mut swap = vec![false; base.len()];
            let mut left = base.len().div_ceil(2);
            while left > 0 {
                let at = (next() % base.len() as u64) as usize;
                if !swap[at] {
                    swap[at] = true;
                    left -= 1;
                }
            }
            base.iter()
                .zip(&swap)
                .map(|(s, &swapped)| {
                    if swapped {
                        all[(next() % all.len() as u64) as usize]
                    } else {
                        *s
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            let len = 10 + (next() % 16) as usize;
            (0..len)
                .map(|_| all[(next() % all.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let doc = Document {
            id: format!("distractor-{i}"),
            url: None,
            title: None,
            text,
        };
        writeln!(f, "{}", serde_json::to_string(&doc)?)?;
    }
    f.flush()?;
    Ok(())
}
