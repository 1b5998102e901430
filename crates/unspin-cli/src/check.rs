//! `unspin check`: a verdict per input, as text or JSON Lines.

use std::io::Write;

use std::path::PathBuf;

use anyhow::Result;
use unspin_core::check::{CheckReport, Verdict};
use unspin_index::follow::analyse_with_index;
use unspin_index::Index;

use crate::input::{display_name, read_text};
use crate::model::{ModelChoice, Workload};
use crate::Outcome;

/// Arguments of `unspin check`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Input files, or `-` for standard input.
    #[arg(default_value = "-")]
    inputs: Vec<String>,
    /// Print one JSON object per input (JSON Lines).
    #[arg(long)]
    json: bool,
    /// Index of originals (`unspin index add`): also report the copy's source (`copy_of`),
    /// and call spun a copy that rewrote more than a set share of its source's words, whatever
    /// the model's probability (round-trip translations, sentence rewrites).
    #[arg(long)]
    index: Option<PathBuf>,
}

fn print_check(out: &mut impl Write, name: &str, r: &CheckReport) -> Result<()> {
    let verdict = match r.verdict {
        Verdict::Spun => "SPUN",
        Verdict::Clean => "clean",
        Verdict::TooShort => "too short to tell",
    };
    writeln!(
        out,
        "{name}: {verdict} (probability {:.2}, {} words)",
        r.probability, r.words
    )?;
    if let Some(n) = &r.neural {
        writeln!(
            out,
            "  {} reads the evidence's originals better by {:.1} nats per 100 words (trigram model alone: probability {:.2})",
            n.lm, n.agreement, n.check_probability
        )?;
    }
    for e in r.evidence.iter().take(5) {
        let times = if e.occurrences > 1 {
            format!(", {} times", e.occurrences)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  \"{}\" -> \"{}\"  (+{:.1} nats{times})",
            e.spun, e.original, e.gain
        )?;
    }
    Ok(())
}

/// `unspin check`: every input in turn; an unreadable one is reported and skipped.
pub(crate) fn run(out: &mut impl Write, model: &ModelChoice, args: &Args) -> Result<Outcome> {
    let (inputs, json) = (&args.inputs, args.json);
    let engine = model.engine(Workload::of_inputs(inputs))?;
    let index = args.index.as_deref().map(Index::open).transpose()?;
    let (mut spun, mut failed) = (false, false);
    for input in inputs {
        let name = display_name(input);
        match read_text(input) {
            Ok(text) => {
                let (report, copy_of) = match &index {
                    Some(index) => {
                        let a = analyse_with_index(&engine, index, &text)?;
                        (a.check, a.copy_of)
                    }
                    None => (engine.check(&text), None),
                };
                spun |= report.verdict == Verdict::Spun;
                if json {
                    let mut v = serde_json::to_value(&report)?;
                    v["input"] = serde_json::json!(name);
                    if index.is_some() {
                        v["copy_of"] = serde_json::to_value(&copy_of)?;
                    }
                    serde_json::to_writer(&mut *out, &v)?;
                    writeln!(out)?;
                } else {
                    print_check(out, name, &report)?;
                    if let Some(c) = &copy_of {
                        writeln!(
                            out,
                            "  copy of {} (score {:.2}, {:.0}% of its aligned words rewritten)",
                            c.id,
                            c.score,
                            100.0 * c.rewritten_share
                        )?;
                    }
                }
            }
            Err(e) => {
                failed = true;
                out.flush()?;
                eprintln!("unspin: {e:#}");
                if json {
                    let v = serde_json::json!({"input": name, "error": format!("{e:#}")});
                    serde_json::to_writer(&mut *out, &v)?;
                    writeln!(out)?;
                }
            }
        }
    }
    Ok(if failed {
        Outcome::PartialFailure
    } else if spun {
        Outcome::Done
    } else {
        Outcome::NothingSpun
    })
}
