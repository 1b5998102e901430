//! `unspin restore`: the restored text, inline changes, or JSON.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use unspin_core::restore::Restoration;

use crate::input::read_text;
use crate::model::ModelChoice;

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
}

pub(crate) fn run(out: &mut impl Write, model: &ModelChoice, args: &Args) -> Result<()> {
    let text = read_text(&args.input)?;
    let r = model.engine()?.restore(&text);
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &r)?;
        writeln!(out)?;
    } else if args.diff {
        print_diff(out, &text, &r, std::io::stdout().is_terminal())?;
    } else {
        write!(out, "{}", r.text)?;
    }
    Ok(())
}

fn print_diff(out: &mut impl Write, input: &str, r: &Restoration, colour: bool) -> Result<()> {
    let mut at = 0;
    for c in &r.changes {
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
