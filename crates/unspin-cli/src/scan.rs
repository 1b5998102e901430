//! `unspin scan`: wiring of `unspin-scan` to files, the terminal and Ctrl-C.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use unspin_index::Index;
use unspin_scan::{Analyser, JsonFields, Outcome as ScanOutcome};

use crate::model::{ModelChoice, Workload};
use crate::Outcome;

/// Arguments of `unspin scan`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// WARC, HTML, JSON Lines or text files, folders, or `-` for standard input.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Index folder: also report each document's best source, and group families by
    /// source.
    #[arg(long)]
    index: Option<PathBuf>,
    /// Write the per-record JSON Lines here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the summary as JSON here.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// With --index: write, for each copy restored from its source, the word pairs it swapped
    /// against the source (JSON Lines: the record, the source's id, the pairs as source ->
    /// copy; words the copy inserted come with the aligned word after them, and in
    /// `widened_left` with the one before): a spinner's table as a crawl shows it.
    #[arg(long, requires = "index")]
    pairs_out: Option<PathBuf>,
    /// JSON Lines field holding the text.
    #[arg(long, default_value = "text")]
    text_field: String,
    /// JSON Lines field holding the id.
    #[arg(long, default_value = "id")]
    id_field: String,
    /// JSON Lines field holding the URL.
    #[arg(long, default_value = "url")]
    url_field: String,
    /// No progress bar and no summary on standard error.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// Runs the scan and maps what happened to the exit status.
pub(crate) fn run(model: &ModelChoice, options: &Args) -> Result<Outcome> {
    let inputs = &options.inputs;
    let fields = &JsonFields {
        text: options.text_field.clone(),
        id: options.id_field.clone(),
        url: options.url_field.clone(),
        ..JsonFields::default()
    };
    // A crawl: the tables' move to large pages is soon won back.
    let engine = model.engine(Workload::Long)?;
    let index = match &options.index {
        Some(dir) => Some(Index::open(dir)?),
        None => None,
    };
    let analyser = Analyser::new(&engine, index.as_ref());
    let mut out: Box<dyn Write> = match &options.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };

    // Ctrl-C stops reading; what was read is still analysed, written and summarised.
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        // A second handler cannot be installed (tests call run once per process).
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::Relaxed));
    }

    let bar = if !options.quiet && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed_precise} {bytes} read ({bytes_per_sec}) {msg}",
            )
            .expect("valid template"),
        );
        Some(bar)
    } else {
        None
    };
    let mut progress = |p: unspin_scan::Progress| {
        if let Some(bar) = &bar {
            bar.set_position(p.bytes);
            bar.set_message(format!("{} records, {} spun", p.records, p.spun));
        }
    };
    let mut pairs_out: Option<Box<dyn Write>> = match &options.pairs_out {
        Some(p) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        ))),
        None => None,
    };
    let mut emit = |o: &ScanOutcome| -> std::io::Result<()> {
        serde_json::to_writer(&mut out, o)?;
        out.write_all(b"\n")?;
        if let (Some(w), ScanOutcome::Report(r)) = (pairs_out.as_mut(), o) {
            if let (Some(source), false) = (&r.source, r.pairs.is_empty()) {
                let line = serde_json::json!({"record": r.at, "id": r.id, "url": r.url,
                    "source": source.id, "pairs": r.pairs});
                serde_json::to_writer(&mut *w, &line)?;
                w.write_all(b"\n")?;
            }
        }
        Ok(())
    };
    let result = unspin_scan::scan(inputs, fields, &analyser, &stop, &mut progress, &mut emit);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = match result {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(Outcome::Done),
        Err(e) => return Err(e).context("cannot write the scan results"),
    };
    out.flush().context("cannot write the scan results")?;
    if let Some(mut w) = pairs_out {
        w.flush().context("cannot write the pairs")?;
    }
    if let Some(p) = &options.summary {
        let json = serde_json::to_vec_pretty(&summary)?;
        std::fs::write(p, json).with_context(|| format!("cannot write {}", p.display()))?;
    }
    if !options.quiet {
        eprint!("{}", summary.human());
    }
    Ok(if summary.interrupted {
        Outcome::Interrupted
    } else if summary.malformed > 0 {
        Outcome::PartialFailure
    } else {
        Outcome::Done
    })
}
