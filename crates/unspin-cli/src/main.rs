//! `unspin`: find machine-spun text and restore what it originally said.
//!
//! A thin shell over `unspin-core`: argument parsing, reading inputs, loading the model and
//! printing reports.
//!
//! Exit status: `restore` and `score` exit 0 on success; `check` exits like grep: 0 when some
//! document is judged spun, 1 when none is; every command exits 2 on an error (bad input, bad
//! model). `check` reports an unreadable file and goes on with the rest, then exits 2.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use unspin_core::check::{CheckReport, Verdict};
use unspin_core::restore::{Restoration, Restorer};
use unspin_core::Model;

/// The default model, built by scripts/build-model.sh from open sources (see models/NOTICE).
static DEFAULT_MODEL: &[u8] = include_bytes!("../../../models/en-default.unspin");

/// Largest input read in one piece; larger files are refused with a clear message rather than
/// risking unbounded memory (restore needs the whole document for per-document consistency).
const MAX_INPUT: u64 = 16 << 20;

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Judge whether texts are machine-spun: a calibrated probability, a verdict and the
    /// phrases that give it away. Exit status 0 if any input is spun, 1 if none is, 2 on error.
    Check {
        /// Input files, or `-` for standard input.
        #[arg(default_value = "-")]
        inputs: Vec<String>,
        /// Print one JSON object per input (JSON Lines).
        #[arg(long)]
        json: bool,
    },
    /// Print the most likely original of a spun text.
    Restore {
        /// Input file, or `-` for standard input.
        #[arg(default_value = "-")]
        input: String,
        /// Mark changes inline as [spun -> restored] (coloured on a terminal).
        #[arg(long, conflicts_with = "json")]
        diff: bool,
        /// Print the restored text and every change as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Word error rate of a spun and a restored text against the original, and the share of
    /// the spinner's damage undone.
    Score {
        /// The original text.
        #[arg(long)]
        original: PathBuf,
        /// The spun copy.
        #[arg(long)]
        spun: PathBuf,
        /// The restored text (default: restore the spun copy now).
        #[arg(long)]
        restored: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Reads a text input (`-` is standard input), refusing binary data, invalid UTF-8 and
/// inputs over [`MAX_INPUT`] with a message that names the input.
fn read_text(input: &str) -> Result<String> {
    let name = if input == "-" {
        "standard input"
    } else {
        input
    };
    let mut bytes = Vec::new();
    let reader: Box<dyn Read> = if input == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(input).with_context(|| format!("cannot open {name}"))?)
    };
    reader
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {name}"))?;
    if bytes.len() as u64 > MAX_INPUT {
        bail!(
            "{name} is larger than {} MiB; split it into documents first",
            MAX_INPUT >> 20
        );
    }
    if bytes.is_empty() {
        bail!("{name} is empty; there is nothing to restore");
    }
    if bytes.contains(&0) {
        bail!("{name} looks binary (it contains NUL bytes); unspin reads text");
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{name} is not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn load_model(path: Option<&Path>) -> Result<Model> {
    match path {
        Some(p) => Model::open(p).with_context(|| format!("cannot load model {}", p.display())),
        None => Model::from_bytes(DEFAULT_MODEL).context("the embedded model is damaged"),
    }
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

/// Outcome of a successful run, mapped to the exit status.
enum Outcome {
    /// Success (exit 0).
    Done,
    /// `check` found nothing spun (exit 1).
    NothingSpun,
    /// Some input could not be processed; the others were (exit 2).
    PartialFailure,
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
fn check(
    out: &mut impl Write,
    model: Option<&Path>,
    inputs: &[String],
    json: bool,
) -> Result<Outcome> {
    let model = load_model(model)?;
    let restorer = Restorer::new(&model);
    let (mut spun, mut failed) = (false, false);
    for input in inputs {
        let name = if input == "-" {
            "standard input"
        } else {
            input
        };
        match read_text(input) {
            Ok(text) => {
                let report = restorer.check(&text);
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

fn run(cli: Cli) -> Result<Outcome> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match cli.command {
        Command::Check { inputs, json } => {
            let outcome = check(&mut out, cli.model.as_deref(), &inputs, json)?;
            out.flush()?;
            return Ok(outcome);
        }
        Command::Restore { input, diff, json } => {
            let text = read_text(&input)?;
            let model = load_model(cli.model.as_deref())?;
            let r = Restorer::new(&model).restore(&text);
            if json {
                serde_json::to_writer_pretty(&mut out, &r)?;
                writeln!(out)?;
            } else if diff {
                print_diff(&mut out, &text, &r, std::io::stdout().is_terminal())?;
            } else {
                write!(out, "{}", r.text)?;
            }
        }
        Command::Score {
            original,
            spun,
            restored,
            json,
        } => {
            let read = |p: &Path| read_text(&p.to_string_lossy());
            let original = read(&original)?;
            let spun = read(&spun)?;
            let restored = match restored {
                Some(p) => read(&p)?,
                None => {
                    let model = load_model(cli.model.as_deref())?;
                    Restorer::new(&model).restore(&spun).text
                }
            };
            let r = unspin_core::wer::damage_report(&original, &spun, &restored);
            if json {
                serde_json::to_writer(&mut out, &r)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "WER spun {:.3}  WER restored {:.3}  damage undone {:.1}%",
                    r.wer_spun,
                    r.wer_restored,
                    100.0 * r.damage_undone
                )?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Done)
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::NothingSpun) => ExitCode::from(1),
        Ok(Outcome::PartialFailure) => ExitCode::from(2),
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
