//! `unspin learn`: reading spun texts, running the learner with a progress bar, writing the
//! table and a summary.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use unspin_core::learn::{LearnOptions, Learner};
use unspin_core::spinner::SpinnerTable;

use crate::{collect_inputs, load_model, read_text, ModelChoice};

/// Options of `unspin learn` besides the inputs.
pub struct Options {
    /// Where the table goes.
    pub out: PathBuf,
    /// Family name.
    pub family: String,
    /// Tables to merge into.
    pub merge: Vec<PathBuf>,
    /// Summary as JSON.
    pub json: bool,
    /// JSON Lines field holding a record's text.
    pub text_field: String,
}

/// The non-empty text of a JSON Lines record's `field`.
fn record_text(line: &str, field: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let t = v.get(field)?.as_str()?;
    (!t.trim().is_empty()).then(|| t.to_owned())
}

/// Learns a table from the inputs and writes it.
pub fn run(
    out: &mut impl Write,
    model: &ModelChoice,
    inputs: &[PathBuf],
    options: &Options,
) -> Result<()> {
    let mut files = Vec::new();
    for input in inputs {
        collect_inputs(input, &mut files)?;
    }
    if files.is_empty() {
        bail!("no text files to learn from in the inputs");
    }
    let model = load_model(model)?;
    let mut learner = Learner::new(
        &model,
        LearnOptions {
            family: options.family.clone(),
            ..Default::default()
        },
    );
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(files.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("learning {bar:30} {pos}/{len} files {elapsed}")
                .expect("a valid template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut skipped = 0usize;
    for f in &files {
        // A file or record that cannot be read is reported and skipped: one bad page must not
        // end a run over a crawl's output.
        let is_jsonl = f.extension().is_some_and(|e| e == "jsonl");
        match read_text(&f.to_string_lossy()) {
            Ok(text) if is_jsonl => {
                for (n, line) in text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                {
                    match record_text(line, &options.text_field) {
                        Some(t) => learner.add_document(&t),
                        None => {
                            bar.suspend(|| {
                                eprintln!(
                                    "unspin: skipped: {} line {}: not a JSON object with a \
                                     string field {:?}",
                                    f.display(),
                                    n + 1,
                                    options.text_field
                                )
                            });
                            skipped += 1;
                        }
                    }
                }
            }
            Ok(text) => learner.add_document(&text),
            Err(e) => {
                bar.suspend(|| eprintln!("unspin: skipped: {e:#}"));
                skipped += 1;
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if learner.documents() == 0 {
        bail!("none of the {} input files could be read", files.len());
    }
    let (mut table, summary) = learner.finish();
    for m in &options.merge {
        let other = SpinnerTable::open(m)
            .with_context(|| format!("cannot load spinner table {}", m.display()))?;
        table.merge(&other);
    }
    let bytes = table.to_bytes().context("cannot encode the table")?;
    // Written beside and renamed into place, so that an interrupted write never leaves half a
    // table where a whole one was (`--out` may name a table just merged).
    let partial = options.out.with_extension("partial");
    if let Err(e) =
        std::fs::write(&partial, bytes).and_then(|()| std::fs::rename(&partial, &options.out))
    {
        let _ = std::fs::remove_file(&partial);
        return Err(e).with_context(|| format!("cannot write {}", options.out.display()));
    }
    let mut top: Vec<(&str, &str, f32)> = table
        .entries
        .iter()
        .flat_map(|(s, e)| {
            e.originals
                .iter()
                .map(move |o| (s.as_str(), o.original.as_str(), o.documents))
        })
        .collect();
    top.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(b.0)));
    if options.json {
        let top: Vec<serde_json::Value> = top
            .iter()
            .take(20)
            .map(|(s, o, d)| serde_json::json!({"spun": s, "original": o, "documents": d}))
            .collect();
        let report = serde_json::json!({
            "summary": summary,
            "skipped": skipped,
            "table_pairs": table.pairs(),
            "top_pairs": top,
            "out": options.out,
        });
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "learned {} pairs from {} documents ({} words, {} skipped); likelihood gain {:.1} nats per document; wrote {}",
            table.pairs(),
            summary.documents,
            summary.words,
            skipped,
            summary.likelihood_gain,
            options.out.display()
        )?;
        for (s, o, d) in top.iter().take(20) {
            writeln!(out, "  \"{s}\" <- \"{o}\"  ({d:.1} documents)")?;
        }
    }
    Ok(())
}
