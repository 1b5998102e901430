//! `unspin`: find machine-spun text and restore what it originally said.
//!
//! A dispatcher over `unspin-core`, `unspin-index`, `unspin-scan` and `unspin-server`: the
//! global options choose the model ([`model`]), and each command lives in its own module
//! with its arguments (`check`, `restore`, `index`, `trace`, `scan`, `serve`, `learn`,
//! `score`); [`input`] reads what they read.
//!
//! Exit status: `restore` and `score` exit 0 on success; `check` exits like grep: 0 when some
//! document is judged spun, 1 when none is; every command exits 2 on an error (bad input, bad
//! model). `check` reports an unreadable file and goes on with the rest, then exits 2.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

mod check;
mod index;
mod input;
mod learn;
mod model;
mod restore;
mod scan;
mod score;
mod serve;
mod trace;

use model::ModelChoice;

#[derive(Parser)]
#[command(
    name = "unspin",
    version,
    about = "Find machine-spun text and restore the original wording"
)]
struct Cli {
    /// Model file to use instead of the embedded default.
    #[arg(long, global = true)]
    model: Option<PathBuf>,
    /// A learned spinner table (`unspin learn`) to restore and check with; repeatable. Added
    /// to the embedded table of the most common family unless --no-default-spinner.
    #[arg(long, global = true)]
    spinner: Vec<PathBuf>,
    /// Do not load the embedded spinner table: the generic thesaurus channel only.
    #[arg(long, global = true)]
    no_default_spinner: bool,
    /// Language model for restore's close decisions and check's second opinion: `trigram`
    /// (the model's own, alone), `smollm2` (a 135M-parameter neural model decides the phrases
    /// the trigram finds close, and check weighs whether it too reads the evidence's
    /// originals better; far slower; fetch it first with scripts/fetch-neural-lm.sh) or
    /// `gemma` (Gemma 3 270M for restore the same way, under Google's Gemma Terms of Use,
    /// which scripts/fetch-neural-lm.sh gemma puts beside it; slower still; check is not
    /// calibrated for it and stays the trigram's).
    #[arg(long, global = true, default_value = "trigram", value_parser = ["trigram", "smollm2", "gemma"])]
    lm: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Judge whether texts are machine-spun: a calibrated probability, a verdict and the
    /// phrases that give it away. Exit status 0 if any input is spun, 1 if none is, 2 on error.
    Check(check::Args),
    /// Print the most likely original of a spun text.
    Restore(restore::Args),
    /// Build or inspect an index of original articles for `trace`.
    Index {
        #[command(subcommand)]
        action: index::Action,
    },
    /// Find the sources of a (spun) copy in an index, with the aligned passages.
    Trace(trace::Args),
    /// Check whole crawls: WARC files (gzip or plain), HTML pages, JSON Lines, text files,
    /// folders of these, or `-`. One JSON line per record (to --out or standard output), a
    /// progress bar on a terminal, and a summary at the end (standard error, --summary FILE).
    /// Damaged records are reported with their offset and skipped. Exit status 0 when every
    /// record could be read, 2 when some could not, 130 when interrupted.
    Scan(scan::Args),
    /// Serve the JSON API (/v1/check, /v1/restore, /v1/analyse, /v1/trace, /v1/extract,
    /// /healthz, /v1/openapi.json) and the analyst page (/) until Ctrl-C. Prints the address
    /// it listens on.
    Serve(serve::Args),
    /// Learn a spinner's table from its output alone: spun text files, JSON Lines files of
    /// spun records (one document per line, text in --text-field), or folders of them
    /// (`*.txt`, `*.jsonl`, searched recursively); or from copies beside their sources
    /// (--pairs, --pair, --index). Writes a spinner table for --spinner. Learning starts from
    /// the generic channel, never from a loaded table.
    Learn(learn::Args),
    /// Word error rate of a spun and a restored text against the original, and the share of
    /// the spinner's damage undone.
    Score(score::Args),
}

/// Outcome of a successful run, mapped to the exit status.
pub(crate) enum Outcome {
    /// Success (exit 0).
    Done,
    /// `check` found nothing spun (exit 1).
    NothingSpun,
    /// Some input could not be processed; the others were (exit 2).
    PartialFailure,
    /// Stopped by Ctrl-C after writing what was done (exit 130).
    Interrupted,
}

/// Runs `f` with a buffered standard output, flushed at the end.
fn with_stdout<T>(
    f: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock>) -> Result<T>,
) -> Result<T> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let value = f(&mut out)?;
    out.flush()?;
    Ok(value)
}

fn run(cli: Cli) -> Result<Outcome> {
    let choice = ModelChoice {
        model: cli.model,
        spinners: cli.spinner,
        default_spinner: !cli.no_default_spinner,
        lm: cli.lm,
    };
    let done = |()| Outcome::Done;
    match &cli.command {
        Command::Check(args) => with_stdout(|out| check::run(out, &choice, args)),
        Command::Restore(args) => with_stdout(|out| restore::run(out, &choice, args)).map(done),
        Command::Index { action } => with_stdout(|out| index::run(out, action)),
        Command::Trace(args) => with_stdout(|out| trace::run(out, &choice, args)).map(done),
        // Learning starts from the generic channel: a loaded table would teach itself.
        Command::Learn(args) => {
            with_stdout(|out| learn::run(out, &choice.generic(), args)).map(done)
        }
        Command::Score(args) => with_stdout(|out| score::run(out, &choice, args)).map(done),
        // Scan and serve write their own output.
        Command::Scan(args) => scan::run(&choice, args),
        Command::Serve(args) => serve::run(&choice, args).map(done),
    }
}

fn main() -> ExitCode {
    // A damaged index is reported as an error naming it; the storage engine's panic message
    // behind it would only bury that line.
    unspin_index::install_quiet_panic_hook();
    match run(Cli::parse()) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::NothingSpun) => ExitCode::from(1),
        Ok(Outcome::PartialFailure) => ExitCode::from(2),
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        Err(e) => {
            // A closed pipe (`unspin restore x | head`) is not an error worth reporting.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("unspin: {e:#}");
            ExitCode::from(2)
        }
    }
}
