//! `unspin index`: adding original articles to an index, its statistics, checking and
//! compacting it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use unspin_index::{Document, Index};

use std::sync::atomic::AtomicBool;

use unspin_scan::documents::{read_documents, Record};
use unspin_scan::JsonFields;

use crate::Outcome;

/// Subcommands of `unspin index`.
#[derive(clap::Subcommand)]
pub(crate) enum Action {
    /// Add original articles: text files (the path is the id), JSON Lines files with `text`
    /// and optional `id`, `url` and `title` per line, HTML pages and WARC files (by their main
    /// text), folders of these (searched recursively), or `-`: whatever `scan` reads.
    /// Documents whose id is already indexed are skipped. Each batch is one transaction: an
    /// interrupted add keeps every finished batch and nothing half-written.
    Add {
        /// Files or folders.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Index folder (created if missing).
        #[arg(long)]
        index: PathBuf,
        /// Documents per transaction (each writes one posting segment): larger batches make
        /// fewer segments to merge, an interrupted add loses at most one batch.
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
    },
    /// Print the number of documents and shingles and the size of an index (JSON).
    Stats {
        /// Index folder.
        #[arg(long)]
        index: PathBuf,
    },
    /// Check an index: every page's and segment's checksum (as every open does) and that every posting
    /// names a stored document whose id maps back to it. Exit 0 and a JSON report when sound,
    /// 2 and the reason when not.
    Verify {
        /// Index folder.
        #[arg(long)]
        index: PathBuf,
    },
    /// Merge an index's posting segments into one and rewrite its database without the free
    /// space interrupted adds leave; prints the sizes before and after (JSON).
    Compact {
        /// Index folder.
        #[arg(long)]
        index: PathBuf,
    },
}

pub(crate) fn run(out: &mut impl Write, action: &Action) -> Result<Outcome> {
    match action {
        Action::Add {
            inputs,
            index,
            batch,
        } => add(inputs, index, *batch),
        Action::Stats { index } => {
            let stats = Index::open(index)?.stats()?;
            serde_json::to_writer_pretty(&mut *out, &stats)?;
            writeln!(out)?;
            Ok(Outcome::Done)
        }
        Action::Verify { index } => {
            let documents = Index::open(index)?.verify()?;
            let report = serde_json::json!({"ok": true, "documents": documents});
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
            Ok(Outcome::Done)
        }
        Action::Compact { index } => {
            let (before, after) = Index::open(index)?.compact()?;
            let report = serde_json::json!({"bytes_before": before, "bytes_after": after});
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
            Ok(Outcome::Done)
        }
    }
}

/// What a skipped record was, for a message.
fn skip_note(reason: &unspin_scan::source::SkipReason, detail: &Option<String>) -> String {
    match detail {
        Some(d) => format!("{}: {d}", reason.as_str()),
        None => reason.as_str().to_owned(),
    }
}

fn add(inputs: &[PathBuf], dir: &Path, batch: usize) -> Result<Outcome> {
    let index = Index::create(dir)?;
    let inputs: Vec<String> = inputs
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let (mut failed, mut skipped) = (false, 0usize);
    let mut pending: Vec<Document> = Vec::new();
    let mut total = unspin_index::AddReport::default();
    let mut flush = |pending: &mut Vec<Document>| -> Result<()> {
        let r = index.add_batch(pending)?;
        total.added += r.added;
        total.duplicates += r.duplicates;
        total.bytes += r.bytes;
        pending.clear();
        Ok(())
    };
    let mut error = None;
    let stop = AtomicBool::new(false);
    // Scan's reader: every format scan reads can be indexed (an HTML page by its main
    // text). A document's id is its input's id field, else where it came from (the path of
    // a text file, `file:line` of a JSON Lines record without one).
    read_documents(&inputs, &JsonFields::default(), &stop, &mut |record| {
        match record {
            Record::Document(d) => {
                pending.push(Document {
                    id: d.id.unwrap_or_else(|| d.at.to_string()),
                    url: d.url,
                    title: d.title,
                    text: d.text,
                });
                if pending.len() >= batch.max(1) {
                    if let Err(e) = flush(&mut pending) {
                        error = Some(e);
                        return false;
                    }
                }
            }
            Record::Skipped { at, reason, detail } => {
                skipped += 1;
                eprintln!("unspin: {at}: skipped ({})", skip_note(&reason, &detail));
            }
            Record::Malformed { at, message } => {
                failed = true;
                eprintln!("unspin: {at}: skipped a bad record: {message}");
            }
        }
        true
    });
    if let Some(e) = error {
        return Err(e);
    }
    flush(&mut pending)?;
    eprintln!(
        "unspin: added {} documents ({} duplicates skipped, {skipped} records without text, \
         {:.1} MB of text) to {}",
        total.added,
        total.duplicates,
        total.bytes as f64 / 1e6,
        dir.display()
    );
    Ok(if failed {
        Outcome::PartialFailure
    } else {
        Outcome::Done
    })
}
