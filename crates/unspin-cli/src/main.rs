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
use unspin_core::spinner::SpinnerTable;
use unspin_core::Model;
use unspin_index::trace::{self, TraceReport};
use unspin_index::{Document, Index};

mod learn;
mod scan;

/// The default model, built by scripts/build-model.sh from open sources (see models/NOTICE).
static DEFAULT_MODEL: &[u8] = include_bytes!("../../../models/en-default.unspin");
/// The spinner table of the family seen most in the wild (wild-train's thesaurus-A pages),
/// learned without originals by scripts/build-spinner.sh.
static DEFAULT_SPINNER: &[u8] = include_bytes!("../../../models/en-thesaurus-a.spinner");

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
    /// A learned spinner table (`unspin learn`) to restore and check with; repeatable. Added
    /// to the embedded table of the most common family unless --no-default-spinner.
    #[arg(long, global = true)]
    spinner: Vec<PathBuf>,
    /// Do not load the embedded spinner table: the generic thesaurus channel only.
    #[arg(long, global = true)]
    no_default_spinner: bool,
    #[command(subcommand)]
    command: Command,
}

/// Which model and spinner tables a command runs with.
pub(crate) struct ModelChoice {
    /// Model file, or the embedded default.
    pub(crate) model: Option<PathBuf>,
    /// Extra spinner tables.
    pub(crate) spinners: Vec<PathBuf>,
    /// Whether to load the embedded spinner table.
    pub(crate) default_spinner: bool,
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
    /// Build or inspect an index of original articles for `trace`.
    Index {
        #[command(subcommand)]
        action: IndexAction,
    },
    /// Find the sources of a (spun) copy in an index, with the aligned passages.
    Trace {
        /// Input file, or `-` for standard input.
        #[arg(default_value = "-")]
        input: String,
        /// Index folder (made by `unspin index add`).
        #[arg(long)]
        index: PathBuf,
        /// How many candidate sources to report.
        #[arg(short = 'k', long, default_value_t = 5)]
        top: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Also list the word pairs that differ between source and copy in each passage
        /// (source -> copy), the raw material of a spinner's table.
        #[arg(long)]
        pairs: bool,
    },
    /// Check whole crawls: WARC files (gzip or plain), HTML pages, JSON Lines, text files,
    /// folders of these, or `-`. One JSON line per record (to --out or standard output), a
    /// progress bar on a terminal, and a summary at the end (standard error, --summary FILE).
    /// Damaged records are reported with their offset and skipped. Exit status 0 when every
    /// record could be read, 2 when some could not, 130 when interrupted.
    Scan {
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
    },
    /// Serve the JSON API (/v1/check, /v1/restore, /v1/trace, /v1/extract, /healthz,
    /// /v1/openapi.json) and the analyst page (/) until Ctrl-C. Prints the address it
    /// listens on.
    Serve {
        /// Address to listen on (loopback by default; port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Index folder, for /v1/trace and the source panel of the page.
        #[arg(long)]
        index: Option<PathBuf>,
        /// Largest request body in bytes.
        #[arg(long, default_value_t = 1 << 20)]
        max_body: usize,
        /// Seconds a request may take before it is answered with a timeout error.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Learn a spinner's table from its output alone: spun text files, JSON Lines files of
    /// spun records (one document per line, text in --text-field), or folders of them
    /// (`*.txt`, `*.jsonl`, searched recursively). Writes a spinner table for --spinner.
    /// Learning starts from the generic channel, never from a loaded table.
    Learn {
        /// Spun text files or folders.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Spinner table file to write.
        #[arg(long)]
        out: PathBuf,
        /// Name of the spinner family, kept in the table.
        #[arg(long, default_value = "learned")]
        family: String,
        /// Tables to merge the learned one into (their evidence adds up).
        #[arg(long)]
        merge: Vec<PathBuf>,
        /// Print the summary as JSON on standard output.
        #[arg(long)]
        json: bool,
        /// JSON Lines field holding the text.
        #[arg(long, default_value = "text")]
        text_field: String,
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

#[derive(Subcommand)]
enum IndexAction {
    /// Add original articles: text files (the path is the id), JSON Lines files with `id`,
    /// `text` and optional `url` and `title` per line, or folders of either (searched
    /// recursively). Documents whose id is already indexed are skipped. Each batch is one
    /// transaction: an interrupted add keeps every finished batch and nothing half-written.
    Add {
        /// Files or folders.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Index folder (created if missing).
        #[arg(long)]
        index: PathBuf,
        /// Documents per transaction: larger batches write faster (fewer rewrites of the
        /// posting lists), an interrupted add loses at most one batch.
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
    },
    /// Print the number of documents and shingles and the size of an index (JSON).
    Stats {
        /// Index folder.
        #[arg(long)]
        index: PathBuf,
    },
}

/// Reads a text input (`-` is standard input), refusing binary data, invalid UTF-8 and
/// inputs over [`MAX_INPUT`] with a message that names the input.
pub(crate) fn read_text(input: &str) -> Result<String> {
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
        bail!("{name} is empty; there is nothing to read");
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

pub(crate) fn load_model(choice: &ModelChoice) -> Result<Model> {
    let mut model = match &choice.model {
        Some(p) => Model::open(p).with_context(|| format!("cannot load model {}", p.display()))?,
        None => Model::from_bytes(DEFAULT_MODEL).context("the embedded model is damaged")?,
    };
    if choice.default_spinner {
        let table = SpinnerTable::from_bytes(DEFAULT_SPINNER)
            .context("the embedded spinner table is damaged")?;
        model.add_spinner(&table);
    }
    for p in &choice.spinners {
        let table = SpinnerTable::open(p)
            .with_context(|| format!("cannot load spinner table {}", p.display()))?;
        model.add_spinner(&table);
    }
    Ok(model)
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
    model: &ModelChoice,
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

/// Files under `path` (itself if a file), sorted, that `index add` and `learn` read: text and
/// JSON Lines files, folders searched recursively.
pub(crate) fn collect_inputs(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read folder {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir()
                || matches!(
                    e.extension().and_then(|x| x.to_str()),
                    Some("txt" | "jsonl")
                )
            {
                collect_inputs(&e, out)?;
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// One JSON Lines record of `index add`.
#[derive(serde::Deserialize)]
struct Record {
    id: serde_json::Value,
    text: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

/// Parses one JSON Lines record.
fn parse_record(line: &str) -> Result<Document, serde_json::Error> {
    let r: Record = serde_json::from_str(line)?;
    Ok(Document {
        id: match r.id {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        },
        url: r.url,
        title: r.title,
        text: r.text,
    })
}

/// Feeds the documents of one input file to `sink`. JSON Lines are streamed record by record
/// (memory stays bounded however large the file); a bad record is reported with its file and
/// line and skipped, and `failed` is set.
fn read_documents(
    path: &Path,
    failed: &mut bool,
    sink: &mut dyn FnMut(Document) -> Result<()>,
) -> Result<()> {
    use std::io::BufRead;
    let name = path.to_string_lossy().into_owned();
    if path.extension().and_then(|x| x.to_str()) != Some("jsonl") {
        let text = read_text(&name)?;
        return sink(Document {
            id: name,
            url: None,
            title: None,
            text,
        });
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {name}"))?;
    let mut reader = std::io::BufReader::new(file);
    let mut line = Vec::new();
    for n in 1.. {
        line.clear();
        let read = (&mut reader)
            .take(MAX_INPUT + 1)
            .read_until(b'\n', &mut line)
            .with_context(|| format!("cannot read {name}"))?;
        if read == 0 {
            break;
        }
        let problem = if line.len() as u64 > MAX_INPUT {
            // Skip the rest of an oversized record.
            let mut rest = Vec::new();
            reader.read_until(b'\n', &mut rest).ok();
            Some(format!("record longer than {} MiB", MAX_INPUT >> 20))
        } else {
            match std::str::from_utf8(&line) {
                Err(e) => Some(format!("not valid UTF-8 at byte {}", e.valid_up_to())),
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => match parse_record(text) {
                    Ok(doc) => {
                        sink(doc)?;
                        None
                    }
                    Err(e) => Some(e.to_string()),
                },
            }
        };
        if let Some(problem) = problem {
            *failed = true;
            eprintln!("unspin: {name}:{n}: skipped a bad record: {problem}");
        }
    }
    Ok(())
}

fn index_add(inputs: &[PathBuf], dir: &Path, batch: usize) -> Result<Outcome> {
    let index = Index::create(dir)?;
    let mut files = Vec::new();
    for input in inputs {
        collect_inputs(input, &mut files)?;
    }
    let mut failed = false;
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
    for f in &files {
        let mut sink = |doc: Document| -> Result<()> {
            pending.push(doc);
            if pending.len() >= batch.max(1) {
                flush(&mut pending)?;
            }
            Ok(())
        };
        if let Err(e) = read_documents(f, &mut failed, &mut sink) {
            failed = true;
            eprintln!("unspin: {e:#}");
        }
    }
    flush(&mut pending)?;
    eprintln!(
        "unspin: added {} documents ({} duplicates skipped, {:.1} MB of text) to {}",
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

fn run(cli: Cli) -> Result<Outcome> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let choice = ModelChoice {
        model: cli.model,
        spinners: cli.spinner,
        default_spinner: !cli.no_default_spinner,
    };
    match cli.command {
        Command::Learn {
            inputs,
            out: table_path,
            family,
            merge,
            json,
            text_field,
        } => {
            let options = learn::Options {
                out: table_path,
                family,
                merge,
                json,
                text_field,
            };
            // Learning starts from the generic channel: a loaded table would teach itself.
            let generic = ModelChoice {
                default_spinner: false,
                spinners: Vec::new(),
                ..choice
            };
            learn::run(&mut out, &generic, &inputs, &options)?;
        }
        Command::Index { action } => match action {
            IndexAction::Add {
                inputs,
                index,
                batch,
            } => return index_add(&inputs, &index, batch),
            IndexAction::Stats { index } => {
                let stats = Index::open(&index)?.stats()?;
                serde_json::to_writer_pretty(&mut out, &stats)?;
                writeln!(out)?;
            }
        },
        Command::Trace {
            input,
            index,
            top,
            json,
            pairs,
        } => {
            let text = read_text(&input)?;
            let index = Index::open(&index)?;
            let model = load_model(&choice)?;
            let restorer = Restorer::new(&model);
            let report = trace::trace(&restorer, &index, &text, top, pairs)?;
            if json {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            } else {
                print_trace(&mut out, &text, &report, pairs)?;
            }
        }
        Command::Scan {
            inputs,
            index,
            out: out_path,
            summary,
            text_field,
            id_field,
            url_field,
            quiet,
        } => {
            let fields = unspin_scan::JsonFields {
                text: text_field,
                id: id_field,
                url: url_field,
            };
            let options = scan::Options {
                index,
                out: out_path,
                summary,
                quiet,
            };
            drop(out);
            return scan::run(&choice, &inputs, &fields, &options);
        }
        Command::Serve {
            addr,
            index,
            max_body,
            timeout,
        } => {
            drop(out);
            let model: &'static Model = Box::leak(Box::new(load_model(&choice)?));
            let index = match index {
                Some(dir) => Some(Index::open(&dir)?),
                None => None,
            };
            let limits = unspin_server::Limits {
                body_bytes: max_body,
                timeout: std::time::Duration::from_secs(timeout.max(1)),
                ..Default::default()
            };
            let state = unspin_server::AppState::new(model, index, limits);
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the server runtime")?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(&addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr}"))?;
                let local = listener.local_addr()?;
                println!("unspin: listening on http://{local}/");
                std::io::stdout().flush()?;
                unspin_server::serve(listener, state).await?;
                anyhow::Ok(())
            })?;
            return Ok(Outcome::Done);
        }
        Command::Check { inputs, json } => {
            let outcome = check(&mut out, &choice, &inputs, json)?;
            out.flush()?;
            return Ok(outcome);
        }
        Command::Restore { input, diff, json } => {
            let text = read_text(&input)?;
            let model = load_model(&choice)?;
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
                    let model = load_model(&choice)?;
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
