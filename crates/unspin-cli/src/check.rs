//! `unspin check`: a verdict per input, as text or JSON Lines.

use std::io::Write;

use anyhow::Result;
use unspin_core::check::{CheckReport, Verdict};

use crate::input::{display_name, read_text};
use crate::model::ModelChoice;
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
    let engine = model.engine()?;
    let (mut spun, mut failed) = (false, false);
    for input in inputs {
        let name = display_name(input);
        match read_text(input) {
            Ok(text) => {
                let report = engine.check(&text);
                spun |= report.verdict == Verdict::Spun;
                if json {
                    let mut v = serde_json::to_value(&report)?;
                    v["input"] = serde_json::json!(name);
                    serde_json::to_writer(&mut *out, &v)?;
                    writeln!(out)?;
                } else {
                    print_check(out, name, &report)?;
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
