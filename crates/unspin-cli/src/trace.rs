//! `unspin trace`: the sources of a copy in an index, with aligned passages.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use unspin_index::trace::{self, TraceReport};
use unspin_index::Index;

use crate::input::read_text;
use crate::model::{ModelChoice, Workload};

/// Arguments of `unspin trace`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Input file, or `-` for standard input.
    #[arg(default_value = "-")]
    input: String,
    /// Index folder (made by `unspin index add`).
    #[arg(long)]
    index: PathBuf,
    /// How many candidate sources to report (1 to 100).
    #[arg(short = 'k', long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=100))]
    top: u16,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also list the word pairs that differ between source and copy in each passage
    /// (source -> copy), the raw material of a spinner's table.
    #[arg(long)]
    pairs: bool,
}

pub(crate) fn run(out: &mut impl Write, model: &ModelChoice, args: &Args) -> Result<()> {
    let text = read_text(&args.input)?;
    let index = Index::open(&args.index)?;
    // A trace restores the copy only when the search is close: little text to score.
    let engine = model.engine(Workload::Short)?;
    let report = trace::trace(&engine, &index, &text, usize::from(args.top), args.pairs)?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        print_trace(out, &text, &report, args.pairs)?;
    }
    Ok(())
}

fn print_trace(out: &mut impl Write, input: &str, report: &TraceReport, pairs: bool) -> Result<()> {
    if report.sources.is_empty() {
        writeln!(out, "no source found")?;
    }
    for (rank, s) in report.sources.iter().enumerate() {
        writeln!(
            out,
            "{}. {}  score {:.2}, covers {:.0}% of the copy{}",
            rank + 1,
            s.id,
            s.score,
            100.0 * s.coverage,
            s.title
                .as_ref()
                .map(|t| format!("  \"{t}\""))
                .unwrap_or_default()
        )?;
        for p in s
            .passages
            .iter()
            .take(if rank == 0 { usize::MAX } else { 3 })
        {
            let excerpt: String = input[p.copy_start..p.copy_end].chars().take(60).collect();
            writeln!(
                out,
                "   copy {}..{} <-> source {}..{}  ({} shared shingles) \"{}...\"",
                p.copy_start,
                p.copy_end,
                p.source_start,
                p.source_end,
                p.seeds,
                excerpt.replace('\n', " ")
            )?;
        }
        if pairs {
            for w in &s.pairs {
                writeln!(out, "   {} -> {}", w.source, w.copy)?;
            }
        }
    }
    Ok(())
}
