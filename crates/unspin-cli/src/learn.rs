//! `unspin learn`: reading spun texts, running the learner with a progress bar, writing the
//! table and a summary.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use unspin_core::check::Verdict;
use unspin_core::fingerprint;
use unspin_core::learn::{LearnOptions, LearnSummary, Learner};
use unspin_core::spinner::{
    parse_attested_line, AlignedCopy, AttestedSplit, PairHarvest, SpinnerTable,
};
use unspin_core::Engine;
use unspin_index::follow::analyse_with_index;
use unspin_index::Index;

use std::sync::atomic::AtomicBool;

use unspin_scan::documents::{read_documents, Record};
use unspin_scan::pairs::{read_pairs, PairFields, PairRecord};
use unspin_scan::JsonFields;

use crate::model::{load_model, ModelChoice};

/// Arguments of `unspin learn`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Spun texts: anything `scan` reads (text, JSON Lines, HTML, WARC files, folders).
    #[arg(required_unless_present_any = ["attested", "pairs", "pair"])]
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
    /// Index of originals (`unspin index add`): a spun copy whose source is in it teaches the
    /// word pairs it swapped against that source (aligned, not guessed), and the words it
    /// wrote as the source did are held as written unless a copy wrote them for another; the
    /// other inputs are learned from their text alone, and the two tables are merged.
    #[arg(long)]
    index: Option<PathBuf>,
    /// Spun copies beside their sources, as JSON Lines: one record per copy, its text in
    /// --copy-field and its source's in --source-field. Each copy is aligned with its source
    /// and teaches the pairs it swapped (aligned, not guessed), and the words it wrote as the
    /// source did are held as written unless a copy wrote them for another, as with --index.
    /// A damaged record is reported with its line and skipped. Repeatable.
    #[arg(long, value_name = "FILE")]
    pairs: Vec<PathBuf>,
    /// A spun copy and its source as two text files: learned as a --pairs record is.
    /// Repeatable.
    #[arg(long, num_args = 2, value_names = ["COPY", "SOURCE"])]
    pair: Vec<PathBuf>,
    /// JSON Lines field of a --pairs record holding the spun copy.
    #[arg(long, default_value = "spun")]
    copy_field: String,
    /// JSON Lines field of a --pairs record holding the copy's source.
    #[arg(long, default_value = "original")]
    source_field: String,
    /// Pairs people attested in spun documents: a text file with one document per line, its
    /// pairs as `spun<-original` separated by `;` (lines starting with `#` are comments). Their
    /// entries replace the learned ones for the phrases they attest; pairs with alternatives
    /// (`price/value`) or notes in brackets are left out. Repeatable.
    #[arg(long)]
    attested: Vec<PathBuf>,
    /// Pseudo-documents of an attested phrase's kept-share prior: smaller trusts a pair
    /// attested in few documents more.
    #[arg(long, default_value_t = unspin_core::spinner::ATTESTED_PRIOR_DOCUMENTS)]
    attested_prior: f32,
    /// Least expected number of documents in which the EM must find a guessed pair for it to
    /// enter the table: fewer keeps rarer pairs and more of the language model's chance
    /// preferences (worth lowering only for a few dozen documents of a clean spinner).
    #[arg(long, default_value_t = unspin_core::learn::MIN_DOCUMENTS)]
    min_documents: f32,
    /// Vet the pairs the EM guessed with the neural model `--lm` names (smollm2 or gemma):
    /// each is put to it where the inputs write the phrase (the first 64 MB of them), and is
    /// dropped when the model reads its original more than 3 nats worse, on average, than the
    /// phrase as written (see unspin_core::vet). Attested pairs and pairs aligned with a
    /// source are not vetted. Slow: about 20 minutes for a table of 1,600 pairs on two cores.
    #[arg(long)]
    vet: bool,
    /// With --vet: also let the neural model choose the originals of the phrases the EM read
    /// as spun in several documents but could not settle (see unspin_core::vet::promote). A
    /// phrase's best original joins the table as a guessed pair when it reads at least 2 nats
    /// better than the phrase as written on average, and best in 3 of 4 places.
    #[arg(long, requires = "vet")]
    promote: bool,
}

/// Bytes of the inputs kept in memory for `--vet` (the EM itself keeps only counts).
const VET_TEXT_BYTES: usize = 64 << 20;

/// The attested pairs in `paths` (see [`Args::attested`]), one list per document that gave
/// at least one pair.
fn read_attested(paths: &[PathBuf]) -> Result<Vec<Vec<(String, String)>>> {
    let mut documents = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read attested pairs {}", path.display()))?;
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parsed = parse_attested_line(line);
            if !parsed.is_empty() {
                documents.push(parsed);
            }
        }
    }
    if !paths.is_empty() && documents.is_empty() {
        bail!(
            "no `spun<-original` pair in the attested files ({})",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(documents)
}

/// What the copies given beside their sources (`--pairs`, `--pair`) came to.
#[derive(Default)]
struct PairsRead {
    /// Records skipped as damaged.
    skipped: usize,
    /// Copies that shared no passage with their source, or changed none of its words.
    not_aligned: usize,
}

/// Aligns every copy of `--pairs` and `--pair` with its source into `harvest`. A pairs file
/// that cannot be opened and a `--pair` file that cannot be read are errors naming them; a
/// damaged record, or a copy that does not align with its source, is reported and skipped.
fn harvest_pairs(
    options: &Args,
    harvest: &mut PairHarvest,
    bar: &ProgressBar,
) -> Result<PairsRead> {
    let mut read = PairsRead::default();
    let mut add = |at: &dyn std::fmt::Display, copy: &str, source: &str| {
        bar.inc(1);
        let why = match harvest.add_aligned(copy, source) {
            AlignedCopy::Harvested { .. } => return,
            AlignedCopy::NoPassage => "the copy shares no passage with its source",
            AlignedCopy::Unchanged => "the copy writes what it shares with its source unchanged",
        };
        bar.suspend(|| eprintln!("unspin: {at}: {why}; nothing learned from it"));
        read.not_aligned += 1;
    };
    let fields = PairFields {
        copy: options.copy_field.clone(),
        source: options.source_field.clone(),
    };
    let stop = AtomicBool::new(false);
    for path in &options.pairs {
        let mut skipped = 0;
        read_pairs(path, &fields, &stop, &mut |record| {
            match record {
                PairRecord::Pair { at, copy, source } => add(&at, &copy, &source),
                PairRecord::Skipped { at, message } => {
                    bar.suspend(|| eprintln!("unspin: skipped: {at}: {message}"));
                    skipped += 1;
                }
            }
            true
        })
        .with_context(|| format!("cannot read pairs {}", path.display()))?;
        read.skipped += skipped;
    }
    // clap takes --pair's values two at a time.
    for files in options.pair.chunks_exact(2) {
        let (copy, source) = (&files[0], &files[1]);
        let text = |p: &PathBuf| crate::input::read_text(&p.to_string_lossy());
        let (copy_text, source_text) = (text(copy)?, text(source)?);
        add(
            &format!("{} beside {}", copy.display(), source.display()),
            &copy_text,
            &source_text,
        );
    }
    Ok(read)
}

/// Learns a table from the inputs and writes it.
pub(crate) fn run(out: &mut impl Write, model: &ModelChoice, options: &Args) -> Result<()> {
    let inputs: Vec<String> = options
        .inputs
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if !(options.min_documents.is_finite() && options.min_documents >= 0.0) {
        bail!(
            "--min-documents must be a number of documents, 0 or more (got {})",
            options.min_documents
        );
    }
    // Read first: a bad attested file or a missing model should fail before the slow part.
    let attested_pairs = read_attested(&options.attested)?;
    let lm = model.lm.clone();
    let vetter = match (options.vet, lm.as_str()) {
        (false, _) => None,
        (true, "trigram") => bail!("--vet needs a neural model: add --lm smollm2 (or gemma)"),
        (true, lm) => {
            Some(unspin_neural::NeuralLm::load_known(lm).with_context(|| format!("--lm {lm}"))?)
        }
    };
    let attested_documents = attested_pairs.len();
    // Learning decodes every page many times over: much text for the language model.
    let mut model = load_model(model)?;
    unspin_model::prepare_for_much_text(&mut model);
    let attested = unspin_core::learn::attested_table(
        &model,
        attested_pairs.iter().map(Vec::as_slice),
        AttestedSplit {
            prior_documents: options.attested_prior,
            ..AttestedSplit::default()
        },
        &options.family,
    );
    let model = std::sync::Arc::new(model);
    let index = options
        .index
        .as_deref()
        .map(|p| Index::open(p).with_context(|| format!("cannot open index {}", p.display())))
        .transpose()?;
    let engine = Engine::new(model.clone());
    let mut harvest = PairHarvest::default();
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("learning {spinner} {pos} documents {elapsed}")
                .expect("a valid template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let pairs_read = harvest_pairs(options, &mut harvest, &bar)?;
    let mut learner = Learner::new(
        model,
        LearnOptions {
            family: options.family.clone(),
            min_documents: options.min_documents,
            ..Default::default()
        },
    );
    let fields = JsonFields {
        text: options.text_field.clone(),
        ..JsonFields::default()
    };
    let mut skipped = pairs_read.skipped;
    let mut index_error = None;
    // What --vet puts to the model: the texts the EM learns from, up to a bound.
    let (mut kept_texts, mut kept_bytes) = (Vec::new(), 0usize);
    let mut keep = |text: &str| {
        if vetter.is_some() && kept_bytes + text.len() <= VET_TEXT_BYTES {
            kept_bytes += text.len();
            kept_texts.push(text.to_owned());
        }
    };
    let stop = AtomicBool::new(false);
    // A file or record that cannot be read is reported and skipped: one bad page must not end
    // a run over a crawl's output.
    // Attested pairs alone need no text to read.
    let mut sink = |record: Record| -> bool {
        match record {
            Record::Document(d) => {
                match &index {
                    Some(index) => match analyse_with_index(&engine, index, &d.text) {
                        Ok(a) if a.copy_of.is_some() && a.check.verdict == Verdict::Spun => {
                            let (mut pairs, mut widened) = (Vec::new(), Vec::new());
                            for p in a.pairs {
                                match p.harvested() {
                                    Ok(pair) => pairs.push(pair),
                                    Err(run) => widened.push(run),
                                }
                            }
                            let words = fingerprint::words(&d.text);
                            let norms: Vec<&str> = words.iter().map(|w| w.norm.as_str()).collect();
                            harvest.add_copy_widened(&pairs, &widened, &norms);
                            harvest.add_kept(a.kept_words.iter().map(String::as_str));
                        }
                        Ok(_) => {
                            keep(&d.text);
                            learner.add_document(&d.text)
                        }
                        Err(e) => {
                            index_error = Some(e);
                            return false;
                        }
                    },
                    None => {
                        keep(&d.text);
                        learner.add_document(&d.text)
                    }
                }
                bar.inc(1);
            }
            Record::Skipped { at, reason, .. } => {
                bar.suspend(|| eprintln!("unspin: skipped: {at}: {}", reason.as_str()));
                skipped += 1;
            }
            Record::Malformed { at, message } => {
                bar.suspend(|| eprintln!("unspin: skipped: {at}: {message}"));
                skipped += 1;
            }
        }
        true
    };
    if !inputs.is_empty() {
        read_documents(&inputs, &fields, &stop, &mut sink);
    }
    bar.finish_and_clear();
    if let (Some(e), Some(p)) = (index_error, &options.index) {
        return Err(e).with_context(|| format!("cannot search index {}", p.display()));
    }
    let traced = harvest.copies();
    if learner.documents() == 0 && traced == 0 && attested_documents == 0 {
        if pairs_read.not_aligned > 0 {
            bail!(
                "no copy aligned with its source ({} did not, {skipped} records skipped)",
                pairs_read.not_aligned
            );
        }
        bail!("no readable document in the inputs ({skipped} skipped)");
    }
    let proposing = match options.promote {
        true => unspin_core::learn::ProposalOptions::default(),
        false => unspin_core::learn::ProposalOptions::none(),
    };
    let (mut table, summary, proposals) = if learner.documents() > 0 {
        learner.finish_with_proposals(&proposing)
    } else {
        (
            SpinnerTable {
                family: options.family.clone(),
                ..Default::default()
            },
            LearnSummary::default(),
            Vec::new(),
        )
    };
    // Only the EM's guesses are vetted: pairs aligned with a source or attested are read, not
    // guessed.
    // What the neural model reads for the vetting and the promotion.
    let texts: Vec<&str> = kept_texts.iter().map(String::as_str).collect();
    let vetted = vetter.as_ref().map(|scorer| {
        let options = unspin_core::vet::VetOptions::default();
        let (vetted, summary) = unspin_core::vet::vet(&table, &texts, scorer, &options);
        // Counted now: pairs from aligned copies add the words they kept.
        let held = vetted.held.len();
        table = vetted;
        (summary, held)
    });
    // Pairs seen beside their sources are evidence in their own right: merged, their copies
    // add to the EM's expected documents.
    let mut aligned = harvest.into_table(&options.family, 1);
    unspin_core::learn::hold_only_what_restore_could_change(&mut aligned, &engine);
    table.merge(&aligned);
    // What people attested is surer than either guess: it replaces their entries.
    table.overlay(&attested);
    for m in &options.merge {
        let other = SpinnerTable::open(m)
            .with_context(|| format!("cannot load spinner table {}", m.display()))?;
        table.merge(&other);
    }
    // Last, so that no phrase another source reads (in any of its forms) is proposed.
    let proposals_count = proposals.len();
    let promoted = match (&vetter, proposals.is_empty()) {
        (Some(scorer), false) => {
            let proposals =
                unspin_core::learn::proposals_outside(&table, proposals, engine.model());
            let options = unspin_core::vet::PromoteOptions::default();
            let (promoted, summary) =
                unspin_core::vet::promote(&table, &proposals, &texts, scorer, &options);
            table = promoted;
            Some((proposals.len(), summary))
        }
        _ => None,
    };
    let bytes = table.to_bytes().context("cannot encode the table")?;
    // Written beside and renamed into place, so that an interrupted write never leaves half a
    // table where a whole one was (`--out` may name a table just merged).
    let partial = options.out.with_extension("partial");
    if let Err(e) =
        std::fs::write(&partial, bytes).and_then(|()| std::fs::rename(&partial, &options.out))
    {
        let _ = std::fs::remove_file(&partial);
        return Err(e).with_context(|| format!("cannot write {}", options.out.display()));
    }
    let mut top: Vec<(&str, &str, f32)> = table
        .entries
        .iter()
        .flat_map(|(s, e)| {
            e.originals
                .iter()
                .map(move |o| (s.as_str(), o.original.as_str(), o.documents))
        })
        .collect();
    top.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(b.0)));
    if options.json {
        let top: Vec<serde_json::Value> = top
            .iter()
            .take(20)
            .map(|(s, o, d)| serde_json::json!({"spun": s, "original": o, "documents": d}))
            .collect();
        let report = serde_json::json!({
            "summary": summary,
            "skipped": skipped,
            "table_pairs": table.pairs(),
            "held_as_written": table.held.len(),
            "copies_aligned_with_their_source": traced,
            "copies_not_aligned": pairs_read.not_aligned,
            "documents_with_attested_pairs": attested_documents,
            "top_pairs": top,
            "vetted": vetted.as_ref().map(|(v, held)| serde_json::json!({
                "pairs": v.vetted,
                "dropped": v.dropped.len(),
                "failures": v.failures,
                "held_as_written": held,
                "most_dropped": v.dropped.iter().take(20)
                    .map(|(s, o, g)| serde_json::json!({"spun": s, "original": o, "gain": g}))
                    .collect::<Vec<_>>(),
            })),
            "promoted": promoted.as_ref().map(|(asked, p)| serde_json::json!({
                "proposals": proposals_count,
                "outside_the_table": asked,
                "judged": p.judged,
                "promoted": p.promoted.len(),
                "failures": p.failures,
                "most_promoted": p.promoted.iter().take(20)
                    .map(|(s, o, g)| serde_json::json!({"spun": s, "original": o, "gain": g}))
                    .collect::<Vec<_>>(),
            })),
            "out": options.out,
        });
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        // Only the sources that were given: "from 0 documents" reads as a failure when the
        // pairs came from aligned copies alone.
        let mut sources = Vec::new();
        if summary.documents > 0 {
            sources.push(format!(
                "{} documents ({} words; likelihood gain {:.1} nats per document)",
                summary.documents, summary.words, summary.likelihood_gain
            ));
        }
        if traced > 0 || pairs_read.not_aligned > 0 {
            sources.push(format!("{traced} copies aligned with their source"));
        }
        if attested_documents > 0 {
            sources.push(format!("{attested_documents} documents' attested pairs"));
        }
        writeln!(
            out,
            "learned {} pairs from {}; {skipped} records skipped; wrote {}",
            table.pairs(),
            sources.join(", "),
            options.out.display()
        )?;
        if pairs_read.not_aligned > 0 {
            writeln!(
                out,
                "left out {} copies that did not align with their source",
                pairs_read.not_aligned
            )?;
        }
        if traced > 0 {
            writeln!(
                out,
                "held {} phrases as written (the words aligned copies kept, and any the vetting held)",
                table.held.len()
            )?;
        }
        if summary.below_document_floor > 0 {
            writeln!(
                out,
                "left out {} guessed pairs found in 1 to fewer than {} documents (--min-documents)",
                summary.below_document_floor, options.min_documents
            )?;
        }
        for (s, o, d) in top.iter().take(20) {
            writeln!(out, "  \"{s}\" <- \"{o}\"  ({d:.1} documents)")?;
        }
        if let Some((v, held)) = &vetted {
            writeln!(
                out,
                "vetted {} guessed pairs with --lm {}: dropped {} ({} requests failed, their pairs kept); {} phrases lost every guess and are held as written",
                v.vetted,
                lm,
                v.dropped.len(),
                v.failures,
                held
            )?;
            for (s, o, g) in v.dropped.iter().take(10) {
                writeln!(out, "  dropped \"{s}\" <- \"{o}\"  ({g:.1} nats)")?;
            }
        }
        if let Some((asked, p)) = &promoted {
            writeln!(
                out,
                "of {proposals_count} phrases the EM read as spun without settling an original ({asked} read by no other source), --promote judged {} and promoted {} ({} requests failed)",
                p.judged,
                p.promoted.len(),
                p.failures
            )?;
            for (s, o, g) in p.promoted.iter().take(10) {
                writeln!(out, "  promoted \"{s}\" <- \"{o}\"  ({g:.1} nats)")?;
            }
        }
    }
    Ok(())
}
