//! `unspin`: find machine-spun text and restore what it originally said.
//!
//! A thin shell over `unspin-core`: argument parsing, reading inputs, loading the model and
//! printing reports. Exit status: 0 success, 2 on any error (bad input, bad model).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
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

fn run(cli: Cli) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match cli.command {
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
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
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
