//! `unspin restore`: the restored text, inline changes, or JSON.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use std::path::PathBuf;

use unspin_core::restore::Change;
use unspin_index::follow::{analyse_with_index, SourcedRestoration};
use unspin_index::Index;

use crate::input::read_text;
use crate::model::{ModelChoice, Workload};

/// Arguments of `unspin restore`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Input file, or `-` for standard input.
    #[arg(default_value = "-")]
    input: String,
    /// Mark changes inline as [spun -> restored] (coloured on a terminal).
    #[arg(long, conflicts_with = "json")]
    diff: bool,
    /// Print the restored text and every change as JSON.
    #[arg(long)]
    json: bool,
    /// Index of originals (`unspin index add`): when the copy's source is in it, the aligned
    /// passages are put back as the source writes them (change kind `source`), the model
    /// restores the rest.
    #[arg(long)]
    index: Option<PathBuf>,
}

pub(crate) fn run(out: &mut impl Write, model: &ModelChoice, args: &Args) -> Result<()> {
    let text = read_text(&args.input)?;
    let engine = model.engine(Workload::of_bytes(text.len() as u64))?;
    let r: SourcedRestoration = match &args.index {
        Some(dir) => {
            let index = Index::open(dir)?;
            let r = analyse_with_index(&engine, &index, &text)?.restoration;
            match &r.source {
                Some(s) => eprintln!(
                    "unspin: source {} (score {:.2}): {} changes from the source, {} by the model",
                    s.copy_of.id, s.copy_of.score, s.changes_from_source, s.changes_from_model
                ),
                None => eprintln!("unspin: no source in the index; restored by the model alone"),
            }
            r
        }
        None => engine.restore(&text).into(),
    };
    if let Some(name) = engine.rescorer_name() {
        // How much of the work the slow model did: the share of decisions sent to it.
        let c = engine.counts();
        eprintln!(
            "unspin: {name} decided {} of {} phrase decisions ({} occurrences scored, {} failed)",
            c.rescored_phrases, c.rescore_decisions, c.rescored_occurrences, c.rescore_failures
        );
    }
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &r)?;
        writeln!(out)?;
    } else if args.diff {
        print_diff(out, &text, &r.changes, std::io::stdout().is_terminal())?;
    } else {
        write!(out, "{}", r.text)?;
    }
    Ok(())
}

fn print_diff(out: &mut impl Write, input: &str, changes: &[Change], colour: bool) -> Result<()> {
    let mut at = 0;
    for c in changes {
        write!(out, "{}", &input[at..c.start])?;
        if colour {
            write!(
                out,
                "\x1b[31m[{}\x1b[0m -> \x1b[32m{}]\x1b[0m",
                c.spun, c.restored
            )?;
        } else {
            write!(out, "[{} -> {}]", c.spun, c.restored)?;
        }
        at = c.end;
    }
    write!(out, "{}", &input[at..])?;
    Ok(())
}
