//! Learning a spinner table from real spun pages without originals, measured on pages of
//! other source groups: `unspin-eval --wild-train ../shared/data/wild-train`.
//!
//! The pages' `index.tsv` lists, per page, a few `spun<-likely original` pairs seen in it
//! (the evidence column). They score a restoration; with `--attested-pairs` the training
//! fold's pairs are also learned from (as `scripts/build-spinner.sh` does), never the scored
//! fold's. The README's same-source groups decide the folds, so that two spins of one article
//! never sit on both sides. Each fold's table is learned from the other fold's pages of the
//! family and used on this fold's pages, beside the generic channel in the same run.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use unspin_core::learn::{LearnOptions, Learner};
use unspin_core::restore::Change;
use unspin_core::spinner::SpinnerTable;
use unspin_core::Engine;
use unspin_core::Model;

/// One page of the wild-train set.
pub struct Page {
    /// Its style label.
    pub style: String,
    /// `(spun, original)` pairs seen in it, as written.
    pub evidence: Vec<(String, String)>,
    /// The same pairs as `unspin learn --attested` reads them
    /// ([`unspin_core::spinner::parse_attested_line`]).
    pub attested: Vec<(String, String)>,
    /// Its text.
    pub text: String,
    /// Its fold (0 or 1).
    pub fold: usize,
    /// Its id (`index.tsv`'s first column, the file's number).
    pub id: String,
}

/// Reads `index.tsv`, the pages and the README's same-source groups.
pub fn read_pages(dir: &Path) -> Result<Vec<Page>> {
    let index = std::fs::read_to_string(dir.join("index.tsv"))
        .with_context(|| format!("reading {}", dir.join("index.tsv").display()))?;
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    // "- 0049–0051": every id in the range belongs to the group named by its first id.
    let mut group_of: HashMap<u32, u32> = HashMap::new();
    for line in readme.lines() {
        let Some(rest) = line.trim().strip_prefix("- ") else {
            continue;
        };
        let parts: Vec<&str> = rest.split(['–', '-']).map(str::trim).collect();
        if let [a, b] = parts[..] {
            if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                for id in a..=b {
                    group_of.insert(id, a);
                }
            }
        }
    }
    let mut pages = Vec::new();
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 6 {
            continue;
        }
        let id = cols[0];
        let n: u32 = id.parse().unwrap_or(0);
        let group = group_of.get(&n).copied().unwrap_or(n);
        let fold = (xxhash_rust::xxh3::xxh3_64(&group.to_le_bytes()) % 2) as usize;
        let evidence = cols[5]
            .split(';')
            .filter_map(|p| {
                let (s, o) = p.split_once("<-")?;
                Some((s.trim().to_owned(), o.trim().to_owned()))
            })
            .filter(|(s, o)| !s.is_empty() && !o.is_empty())
            .collect();
        let path = dir.join(format!("{id}.spun.txt"));
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        pages.push(Page {
            style: cols[4].to_owned(),
            evidence,
            attested: unspin_core::spinner::parse_attested_line(cols[5]),
            text: String::from_utf8_lossy(&bytes).into_owned(),
            fold,
            id: id.to_owned(),
        });
    }
    Ok(pages)
}

/// Whether `b` is a word character (a match must not start or end inside a word).
fn wordish(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric())
}

/// Byte ranges of `needle` in `text`, case-insensitively, on word boundaries.
fn occurrences(text: &str, needle: &str) -> Vec<(usize, usize)> {
    let hay = text.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = hay[from..].find(&needle) {
        let start = from + at;
        let end = start + needle.len();
        if !wordish(hay[..start].chars().next_back()) && !wordish(hay[end..].chars().next()) {
            out.push((start, end));
        }
        from = start + needle.len().max(1);
        while !hay.is_char_boundary(from) {
            from += 1;
        }
    }
    out
}

/// The restored text of `input[start..end]`, widened to whole changes that straddle it.
fn restored_region(input: &str, changes: &[Change], start: usize, end: usize) -> String {
    let (mut a, mut b) = (start, end);
    for c in changes {
        if c.start < b && c.end > a {
            a = a.min(c.start);
            b = b.max(c.end);
        }
    }
    let mut out = String::new();
    let mut at = a;
    for c in changes.iter().filter(|c| c.start >= a && c.end <= b) {
        out.push_str(&input[at..c.start]);
        out.push_str(&c.restored);
        at = c.end;
    }
    out.push_str(&input[at..b]);
    out
}

/// Evidence pairs put back, out of their occurrences, and changes made.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Score {
    /// Occurrences of attested spun phrases.
    pub occurrences: usize,
    /// Of those, restored to the attested original.
    pub restored: usize,
    /// Changes made in all.
    pub changes: usize,
    /// Of those, the pairs of a loaded spinner table (the rest are the generic channel's,
    /// re-inflections and spintax): where restore's precision on real pages is decided, the
    /// generic share being the less sure.
    pub table_changes: usize,
    /// Occurrences of attested spun phrases that restore changed to something other than the
    /// attested original: the changes the pages' notes show wrong (every other change on an
    /// unnoted phrase needs reading by hand).
    pub changed_otherwise: usize,
    /// Words in the pages.
    pub words: usize,
    /// Pages scored.
    pub pages: usize,
    /// Of those, flagged spun by `check`.
    pub flagged: usize,
}

impl Score {
    fn add(&mut self, o: Score) {
        self.occurrences += o.occurrences;
        self.restored += o.restored;
        self.changes += o.changes;
        self.table_changes += o.table_changes;
        self.changed_otherwise += o.changed_otherwise;
        self.words += o.words;
        self.pages += o.pages;
        self.flagged += o.flagged;
    }

    /// Share of occurrences put back.
    pub fn share(&self) -> f64 {
        self.restored as f64 / self.occurrences.max(1) as f64
    }
}

/// Per attested pair (lowercase): occurrences and how many were put back.
type PairTally = HashMap<(String, String), (usize, usize)>;

/// What an engine offered for the attested pairs ([`coverage`]).
#[derive(Default)]
struct CoverageTally {
    /// Per class: occurrences and how many were put back.
    by_class: std::collections::BTreeMap<&'static str, (usize, usize)>,
    /// Per attested pair (lowercase): whether the original was among the candidates on some
    /// page.
    offered: HashMap<(String, String), bool>,
    /// Per [`training_class`]: occurrences and how many were put back.
    by_training: std::collections::BTreeMap<&'static str, (usize, usize)>,
}

/// Classes' tallies as JSON: per class, occurrences, put back and their share.
fn coverage_report(
    classes: &std::collections::BTreeMap<&'static str, (usize, usize)>,
) -> serde_json::Value {
    classes
        .iter()
        .map(|(class, (n, r))| {
            let share = *r as f64 / (*n).max(1) as f64;
            (
                (*class).to_owned(),
                serde_json::json!({"occurrences": n, "put_back": r, "share": share}),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Where the engine's candidates for an attested pair's differing words come from: `table`
/// when a loaded spinner table offers the original, `thesaurus` when only the generic channel
/// does, `none` when no candidate is the original. Separates what restore could not choose
/// from what it was never offered.
fn coverage(engine: &Engine, spun: &str, original: &str) -> &'static str {
    let (s, o) = differing_words(&spun.to_lowercase(), &original.to_lowercase());
    match engine.candidates(&s).iter().find(|c| *c.text == o) {
        Some(c) if c.learned.is_some() => "table",
        Some(_) => "thesaurus",
        None => "none",
    }
}

/// Where a held-out page's attested pair stands in the pages its fold's table was learned
/// from: `noted` when their notes hold the pair, else by how many of them write its spun phrase
/// at all (`seen_3_or_more`, `seen_1_or_2`, `unseen`). What learning from those pages could
/// know of it, whatever the engine: the EM needs the phrase written, a floor of documents
/// ([`unspin_core::learn::MIN_DOCUMENTS`]) to keep a guess, and nothing reaches an unseen one.
fn training_class(train: &[&Page], spun: &str, original: &str) -> &'static str {
    let (s, o) = (spun.to_lowercase(), original.to_lowercase());
    let noted = |p: &&Page| {
        p.evidence
            .iter()
            .any(|(a, b)| a.to_lowercase() == s && b.to_lowercase() == o)
    };
    if train.iter().any(noted) {
        return "noted";
    }
    match train
        .iter()
        .filter(|p| !occurrences(&p.text, &s).is_empty())
        .count()
    {
        0 => "unseen",
        1 | 2 => "seen_1_or_2",
        _ => "seen_3_or_more",
    }
}

/// The words where an attested pair differs ("coinbase premium hole" <- "coinbase premium gap":
/// "hole" <- "gap"): common leading and trailing words cut.
fn differing_words(spun: &str, original: &str) -> (String, String) {
    let single = |p: &str| p.split_whitespace().collect::<Vec<_>>().join(" ");
    let (spun, original) = (single(spun), single(original));
    let (s, o) = unspin_core::spinner::trim_shared(&spun, &original);
    (s.to_owned(), o.to_owned())
}

/// Scores one page's restoration by `restorer`; `known` is each of the page's evidence pairs'
/// [`training_class`], the same for every engine.
fn score(
    restorer: &Engine,
    page: &Page,
    known: &[&'static str],
    tally: &mut PairTally,
    by_coverage: &mut CoverageTally,
    scored: &mut Vec<crate::detect::Scored>,
) -> Score {
    let analysis = restorer.analyse(&page.text);
    scored.push(crate::detect::Scored {
        score: f64::from(analysis.check.probability),
        spun: true,
    });
    let flagged = analysis.check.verdict == unspin_core::check::Verdict::Spun;
    let r = analysis.restoration;
    let mut s = Score {
        flagged: usize::from(flagged),
        pages: 1,
        changes: r.changes.len(),
        table_changes: r
            .changes
            .iter()
            .filter(|c| c.kind == unspin_core::candidates::ChangeKind::Learned)
            .count(),
        words: page.text.split_whitespace().count(),
        ..Default::default()
    };
    for ((spun, original), &known) in page.evidence.iter().zip(known) {
        let class = coverage(restorer, spun, original);
        *by_coverage
            .offered
            .entry((spun.to_lowercase(), original.to_lowercase()))
            .or_default() |= class != "none";
        for (a, b) in occurrences(&page.text, spun) {
            s.occurrences += 1;
            let region = restored_region(&page.text, &r.changes, a, b);
            let put_back = region.to_lowercase().contains(&original.to_lowercase());
            s.restored += usize::from(put_back);
            s.changed_otherwise +=
                usize::from(!put_back && r.changes.iter().any(|c| c.start < b && c.end > a));
            for c in [
                by_coverage.by_class.entry(class).or_default(),
                by_coverage.by_training.entry(known).or_default(),
            ] {
                c.0 += 1;
                c.1 += usize::from(put_back);
            }
            let t = tally
                .entry((spun.to_lowercase(), original.to_lowercase()))
                .or_default();
            t.0 += 1;
            t.1 += usize::from(put_back);
        }
    }
    s
}

/// Clean texts: words changed per 200 words and texts `check` calls spun.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct CleanScore {
    /// Texts.
    pub texts: usize,
    /// Texts flagged spun.
    pub flagged: usize,
    /// Changes per 200 words.
    pub changes_per_200: f64,
}

fn clean_score(
    restorer: &Engine,
    texts: &[String],
    scored: &mut Vec<crate::detect::Scored>,
) -> CleanScore {
    let (mut changes, mut words, mut flagged) = (0usize, 0usize, 0usize);
    for t in texts {
        let analysis = restorer.analyse(t);
        scored.push(crate::detect::Scored {
            score: f64::from(analysis.check.probability),
            spun: false,
        });
        changes += analysis.restoration.changes.len();
        words += t.split_whitespace().count();
        flagged += usize::from(analysis.check.verdict == unspin_core::check::Verdict::Spun);
    }
    CleanScore {
        texts: texts.len(),
        flagged,
        changes_per_200: 200.0 * changes as f64 / words.max(1) as f64,
    }
}

/// Learner settings with `name=value` overrides applied.
pub fn learn_options(family: &str, set: &[String]) -> Result<LearnOptions> {
    let mut o = LearnOptions {
        family: family.into(),
        ..Default::default()
    };
    for kv in set {
        let (k, v) = crate::setting("--learn-set", kv)?;
        match k {
            "iterations" => o.iterations = v as usize,
            "prior_spin" => o.prior_spin = v,
            "smoothing" => o.smoothing = v,
            "min_documents" => o.min_documents = v,
            "candidate_limit" => o.candidate_limit = v as usize,
            "max_occurrence_gain" => o.max_occurrence_gain = v,
            "prior_sharpness" => o.prior_sharpness = v,
            "runner_up_ratio" => o.runner_up_ratio = v,
            "restored_context" => o.restored_context = v != 0.0,
            "substitution_weight" => o.substitution_weight = v,
            "substitution_cap" => o.substitution_cap = v,
            "min_absence" => o.min_absence = Some(v),
            "neighbours" => o.neighbours = v as usize,
            "neighbour_channel" => o.neighbour_channel = v,
            "neighbour_min_evidence" => o.neighbour_min_evidence = v,
            _ => anyhow::bail!("unknown learner setting {k}"),
        }
    }
    Ok(o)
}

/// Learns a table from spun `texts`.
pub fn learn(model: &std::sync::Arc<Model>, texts: &[&str], options: LearnOptions) -> SpinnerTable {
    let mut learner = Learner::new(model.clone(), options);
    for t in texts {
        learner.add_document(t);
    }
    learner.finish().0
}

/// An engine over `model` with the `name=value` weight overrides of `set` applied.
pub fn engine_for(model: std::sync::Arc<Model>, set: &[String]) -> Result<Engine> {
    let mut weights = model.weights.clone();
    for kv in set {
        weights.set(kv).with_context(|| format!("--set {kv}"))?;
    }
    Ok(Engine::with_weights(model, weights))
}

/// The table of the pairs `pages`' notes attest, split by `split` (a note's words that both
/// sides share are cut where `generic` finds them uncommon), as the embedded table's build
/// puts them over the EM's entries.
pub(crate) fn attested_table<'p>(
    generic: &Model,
    pages: impl IntoIterator<Item = &'p Page>,
    split: unspin_core::spinner::AttestedSplit,
    family: &str,
) -> SpinnerTable {
    let documents = pages.into_iter().map(|p| p.attested.as_slice());
    unspin_core::learn::attested_table(generic, documents, split, family)
}

/// How each fold's table is learned.
pub struct FoldLearning<'a> {
    /// Learner setting overrides, `name=value`.
    pub set: &'a [String],
    /// Also the training fold's attested pairs (the evidence column), put over the EM's
    /// entries, split this way.
    pub attested: Option<unspin_core::spinner::AttestedSplit>,
    /// Write each fold's table here (`fold0.spinner`, `fold1.spinner`) and list its pages.
    pub tables_out: Option<&'a Path>,
    /// Read each fold's table from here (as [`FoldLearning::tables_out`] wrote it) instead of
    /// learning it: weights measured on tables that were slow to make (vetted ones).
    pub tables_in: Option<&'a Path>,
    /// Pairs (`written`, `original`) taken out of the tables read from
    /// [`FoldLearning::tables_in`]: a stricter threshold of a slow step (the promotion's)
    /// measured without running it again.
    pub tables_without: &'a [(String, String)],
    /// Vet the EM's guessed pairs with this model on the training fold's pages before the
    /// attested pairs go over them ([`unspin_core::vet`]).
    pub vet: Option<std::sync::Arc<dyn unspin_core::rescore::ContinuationScorer>>,
    /// How [`FoldLearning::vet`] vets.
    pub vet_options: unspin_core::vet::VetOptions,
    /// With [`FoldLearning::vet`]: which phrases the EM proposes, which words the same model
    /// guesses for them ([`unspin_core::vet::guess_originals`]; none by default) and how it
    /// promotes them ([`unspin_core::vet::promote`]), after the vetting.
    pub promote: Option<(
        unspin_core::learn::ProposalOptions,
        unspin_core::vet::PromoteOptions,
        unspin_core::vet::GuessOptions,
    )>,
}

/// The table learned from the pages of `style` outside `fold`, and the model at `model_path`
/// with it loaded; also how many pages it was learned from.
pub(crate) fn fold_model(
    generic: &std::sync::Arc<Model>,
    model_path: &Path,
    pages: &[Page],
    fold: usize,
    style: &str,
    learning: &FoldLearning<'_>,
) -> Result<(usize, SpinnerTable, Model)> {
    let train: Vec<&str> = pages
        .iter()
        .filter(|p| p.fold != fold && p.style == style)
        .map(|p| p.text.as_str())
        .collect();
    if let Some(dir) = learning.tables_in {
        let path = dir.join(format!("fold{fold}.spinner"));
        let mut table = SpinnerTable::open(&path)
            .with_context(|| format!("reading the fold table {}", path.display()))?;
        for (written, original) in learning.tables_without {
            if let Some(entry) = table.entries.get_mut(written) {
                if !entry.attested {
                    entry.originals.retain(|o| &o.original != original);
                }
            }
        }
        table.entries.retain(|_, e| !e.originals.is_empty());
        let mut with_table = Model::open(model_path)?;
        with_table.add_spinner(&table);
        return Ok((train.len(), table, with_table));
    }
    let mut learner = Learner::new(generic.clone(), learn_options(style, learning.set)?);
    for t in &train {
        learner.add_document(t);
    }
    let proposing = match (&learning.vet, &learning.promote) {
        (Some(_), Some((proposing, _, _))) => proposing.clone(),
        _ => unspin_core::learn::ProposalOptions::none(),
    };
    let (mut table, _, proposals) = learner.finish_with_proposals(&proposing);
    if let Some(scorer) = &learning.vet {
        let (vetted, summary) =
            unspin_core::vet::vet(&table, &train, scorer.as_ref(), &learning.vet_options);
        let dropped: Vec<String> = summary
            .dropped
            .iter()
            .take(60)
            .map(|(w, o, g)| format!("{w}<-{o} {g:.1}"))
            .collect();
        eprintln!(
            "fold {fold}: vetted {} guessed pairs, dropped {} ({} failures), held {} phrases: {}",
            summary.vetted,
            summary.dropped.len(),
            summary.failures,
            vetted.held.len(),
            dropped.join("; ")
        );
        table = vetted;
    }
    if let Some(split) = learning.attested {
        let training = pages.iter().filter(|p| p.fold != fold && p.style == style);
        table.overlay(&attested_table(generic, training, split, style));
    }
    if let (Some(scorer), Some((_, promoting, guessing))) = (&learning.vet, &learning.promote) {
        let proposals = unspin_core::learn::proposals_outside(&table, proposals, generic);
        let reachable = unspin_core::learn::reachable_originals(generic.clone());
        let (guessed, guesses) = unspin_core::vet::guess_originals(
            proposals.clone(),
            &train,
            scorer.as_ref(),
            guessing,
            &reachable,
        );
        let (promoted, summary) =
            unspin_core::vet::promote(&table, &guessed, &train, scorer.as_ref(), promoting);
        // A promoted original the EM did not offer is one of the model's guesses.
        let from_guesses = summary
            .promoted
            .iter()
            .filter(|(w, o, _)| {
                !proposals
                    .iter()
                    .any(|p| p.written == *w && p.originals.contains(o))
            })
            .count();
        let list: Vec<String> = summary
            .promoted
            .iter()
            .map(|(w, o, g)| format!("{w}<-{o} {g:.1}"))
            .collect();
        eprintln!(
            "fold {fold}: {} proposals, {} judged, {} originals guessed ({} failures), promoted {} ({} of them guesses; {} failures): {}",
            proposals.len(),
            summary.judged,
            guesses.guessed,
            guesses.failures,
            summary.promoted.len(),
            from_guesses,
            summary.failures,
            list.join("; ")
        );
        table = promoted;
    }
    let mut with_table = Model::open(model_path)?;
    with_table.add_spinner(&table);
    Ok((train.len(), table, with_table))
}

/// Runs the two-fold measurement and prints a JSON report.
pub fn report(
    model_path: &Path,
    dir: &Path,
    clean_dir: Option<&Path>,
    style: &str,
    set: &[String],
    learning: &FoldLearning<'_>,
    rescorer: Option<&std::sync::Arc<dyn unspin_core::rescore::ContinuationScorer>>,
) -> Result<serde_json::Value> {
    let pages = read_pages(dir)?;
    let generic = std::sync::Arc::new(Model::open(model_path)?);
    let clean = match clean_dir {
        Some(d) => texts_in(&[d.to_path_buf()], ".clean.txt")?,
        None => Vec::new(),
    };
    let mut folds = Vec::new();
    let (mut base_all, mut learned_all) = (Score::default(), Score::default());
    let (mut base_tally, mut tally) = (PairTally::new(), PairTally::new());
    let (mut base_coverage, mut learned_coverage, mut rescored_coverage) = (
        CoverageTally::default(),
        CoverageTally::default(),
        CoverageTally::default(),
    );
    // Per fold and engine, the pages' and the clean texts' probabilities, for the AUC.
    let (mut base_scored, mut learned_scored) = (Vec::new(), Vec::new());
    // With a second language model: the learned engine again, deciding its close calls with
    // it (check is the same, so only restoration is reported).
    let (mut rescored_all, mut rescored_tally, mut rescored_scored) =
        (Score::default(), PairTally::new(), Vec::new());
    // With a second language model: per fold, check's probability and the model's agreement
    // with check's evidence on every page and clean text (whether check would gain from it).
    let mut neural_check: Vec<Vec<crate::neural_check::Measured>> = Vec::new();
    // The style's pages the learned engine does not flag, each with its probability.
    let mut unflagged: Vec<serde_json::Value> = Vec::new();
    for fold in 0..2 {
        let (train, table, with_table) =
            fold_model(&generic, model_path, &pages, fold, style, learning)?;
        let base = engine_for(generic.clone(), set)?;
        let learned = engine_for(std::sync::Arc::new(with_table), set)?;
        let rescored = rescorer.map(|r| learned.with_rescorer(r.clone()));
        let (mut b, mut l, mut r) = (Score::default(), Score::default(), Score::default());
        let trained_on: Vec<&Page> = pages
            .iter()
            .filter(|p| p.fold != fold && p.style == style)
            .collect();
        for p in pages.iter().filter(|p| p.fold == fold && p.style == style) {
            let known: Vec<&'static str> = p
                .evidence
                .iter()
                .map(|(spun, original)| training_class(&trained_on, spun, original))
                .collect();
            b.add(score(
                &base,
                p,
                &known,
                &mut base_tally,
                &mut base_coverage,
                &mut base_scored,
            ));
            let page = score(
                &learned,
                p,
                &known,
                &mut tally,
                &mut learned_coverage,
                &mut learned_scored,
            );
            if page.flagged == 0 {
                // The pages check misses, for reading why (`unspin check` with the fold's
                // table, `--fold-tables`).
                unflagged.push(serde_json::json!({"id": p.id, "fold": fold,
                    "probability": learned_scored.last().map(|s| s.score)}));
            }
            l.add(page);
            if let Some(e) = &rescored {
                r.add(score(
                    e,
                    p,
                    &known,
                    &mut rescored_tally,
                    &mut rescored_coverage,
                    &mut rescored_scored,
                ));
            }
        }
        base_all.add(b);
        learned_all.add(l);
        let clean_generic = clean_score(&base, &clean, &mut base_scored);
        let clean_learned = clean_score(&learned, &clean, &mut learned_scored);
        let mut row = serde_json::json!({
            "fold": fold,
            "train_pages": train,
            "table_pairs": table.pairs(),
            "generic": {"share": b.share(), "score": b, "clean": clean_generic},
            "learned": {"share": l.share(), "score": l, "clean": clean_learned},
        });
        let mut measured = Vec::new();
        if let Some(scorer) = rescorer {
            let spun_pages = pages.iter().filter(|p| p.fold == fold && p.style == style);
            let documents = spun_pages
                .map(|p| (p.text.as_str(), true))
                .chain(clean.iter().map(|t| (t.as_str(), false)));
            for (text, spun) in documents {
                if let Some((probability, agreement)) =
                    crate::neural_check::measure(&learned, text, scorer.as_ref())
                {
                    measured.push(crate::neural_check::Measured {
                        probability,
                        agreement,
                        spun,
                    });
                }
            }
        }
        neural_check.push(measured);
        if let Some(e) = &rescored {
            let clean_rescored = clean_score(e, &clean, &mut rescored_scored);
            let counts = e.counts();
            row["rescored"] = serde_json::json!({"share": r.share(), "score": r,
                "clean": clean_rescored, "phrases_decided": counts.rescored_phrases,
                "decisions": counts.rescore_decisions,
                "occurrences_scored": counts.rescored_occurrences,
                "failures": counts.rescore_failures, "restorations": counts.restored});
            rescored_all.add(r);
        }
        if let Some(dir) = learning.tables_out {
            // The table this fold's pages were restored with, and the pages, for a look by
            // hand (`unspin --no-default-spinner --spinner ... restore --diff`).
            std::fs::create_dir_all(dir)?;
            let path = dir.join(format!("fold{fold}.spinner"));
            std::fs::write(&path, table.to_bytes()?)
                .with_context(|| format!("writing {}", path.display()))?;
            let ids: Vec<&str> = pages
                .iter()
                .filter(|p| p.fold == fold && p.style == style)
                .map(|p| p.id.as_str())
                .collect();
            row["pages"] = serde_json::json!(ids);
        }
        folds.push(row);
    }
    let clean_flagged: u64 = folds
        .iter()
        .map(|f| f["learned"]["clean"]["flagged"].as_u64().unwrap_or(0))
        .max()
        .unwrap_or(0);
    let offered =
        |pair: &(String, String)| learned_coverage.offered.get(pair).copied().unwrap_or(false);
    // The pairs most often left as written, and whether the learned engine even offers
    // their original (a diagnostic: these pairs are never learned from).
    let mut missed: Vec<_> = tally.iter().filter(|(_, (n, r))| n > r).collect();
    missed.sort_by(|a, b| (b.1 .0 - b.1 .1).cmp(&(a.1 .0 - a.1 .1)).then(a.0.cmp(b.0)));
    let missed: Vec<serde_json::Value> = missed
        .iter()
        .take(40)
        .map(|((s, o), (n, r))| {
            serde_json::json!({
                "pair": format!("{s}<-{o}"),
                "occurrences": n,
                "put_back": r,
                "generic_put_back": base_tally.get(&(s.clone(), o.clone())).map_or(0, |t| t.1),
                "candidate": offered(&(s.clone(), o.clone())),
            })
        })
        .collect();
    let occurrences_with_candidate: usize = tally
        .iter()
        .filter(|(k, _)| offered(k))
        .map(|(_, (n, _))| n)
        .sum();
    let rescored_share = rescorer.map(|_| rescored_all.share());
    let neural_check = match (rescorer, <[_; 2]>::try_from(neural_check)) {
        (Some(_), Ok(folds)) => Some(crate::neural_check::report(&folds)),
        _ => None,
    };
    Ok(serde_json::json!({
        "style": style,
        "rescored_share": rescored_share,
        "neural_check": neural_check,
        "occurrences_with_candidate": occurrences_with_candidate,
        "by_coverage": {"generic": coverage_report(&base_coverage.by_class),
            "learned": coverage_report(&learned_coverage.by_class)},
        // The same occurrences by what the fold's training pages show of each pair
        // (`training_class`): how much of what is missed no learning from them could reach.
        "by_training_data": {"generic": coverage_report(&base_coverage.by_training),
            "learned": coverage_report(&learned_coverage.by_training)},
        "most_missed": missed,
        "generic_flagged": base_all.flagged,
        "learned_flagged": learned_all.flagged,
        "learned_unflagged_pages": unflagged,
        "pages": learned_all.pages,
        "learned_clean_flagged_worst_fold": clean_flagged,
        "generic_auc": crate::detect::auc(&base_scored),
        "learned_auc": crate::detect::auc(&learned_scored),
        "generic_share": base_all.share(),
        "learned_share": learned_all.share(),
        "folds": folds,
    }))
}

/// The `*.txt` texts of each of `dirs`, named by their folder: groups of clean texts to fit
/// against or report on.
pub fn named_text_groups(dirs: &[std::path::PathBuf]) -> Result<Vec<(String, Vec<String>)>> {
    dirs.iter()
        .map(|dir| {
            Ok((
                dir.display().to_string(),
                texts_in(std::slice::from_ref(dir), ".txt")?,
            ))
        })
        .collect()
}

/// The texts of every file under `dirs` (not recursive) whose name ends with `suffix`, in
/// path order.
pub fn texts_in(dirs: &[std::path::PathBuf], suffix: &str) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    for d in dirs {
        for e in std::fs::read_dir(d).with_context(|| format!("reading {}", d.display()))? {
            let path = e
                .with_context(|| format!("reading {}", d.display()))?
                .path();
            if path.to_string_lossy().ends_with(suffix) {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

/// A text checked with a fold's table: the logit without the table's features, the
/// features, and whether it is a spun page.
type Row = (f64, unspin_core::check::Features, bool);

/// Chooses `attested_weight` and `replaced_weight` on top of the current calibration:
/// positives are each fold's pages of `style` checked with the table learned from the other
/// fold, negatives each named group of `clean` texts checked with each fold's table (so each
/// clean text counts twice). Reports the chosen numbers and the flagged counts before and
/// after on the same data (which the choice saw).
pub fn fit_attested(
    model_path: &Path,
    dir: &Path,
    clean: &[(String, Vec<String>)],
    style: &str,
    set: &[String],
    learn_set: &[String],
    attested: Option<unspin_core::spinner::AttestedSplit>,
) -> Result<serde_json::Value> {
    let pages = read_pages(dir)?;
    anyhow::ensure!(!clean.is_empty(), "no clean *.txt texts to fit against");
    let generic = std::sync::Arc::new(Model::open(model_path)?);
    let mut rows: Vec<Row> = Vec::new();
    // Which clean group each row's text is from (unused for pages).
    let mut groups: Vec<usize> = Vec::new();
    for fold in 0..2 {
        let (_, _, with_table) = fold_model(
            &generic,
            model_path,
            &pages,
            fold,
            style,
            &FoldLearning {
                set: learn_set,
                attested,
                tables_out: None,
                tables_in: None,
                tables_without: &[],
                vet: None,
                vet_options: Default::default(),
                promote: None,
            },
        )?;
        let engine = engine_for(std::sync::Arc::new(with_table), set)?;
        let calibration = engine.weights().check.clone();
        let mut row = |text: &str, spun: bool, group: usize| {
            let f = engine.check(text).features;
            let mut base = calibration.clone();
            base.attested_weight = 0.0;
            base.replaced_weight = 0.0;
            let p = f64::from(base.probability(&f)).clamp(1e-9, 1.0 - 1e-9);
            rows.push(((p / (1.0 - p)).ln(), f, spun));
            groups.push(group);
        };
        for p in pages.iter().filter(|p| p.fold == fold && p.style == style) {
            row(&p.text, true, 0);
        }
        for (g, (_, texts)) in clean.iter().enumerate() {
            for t in texts {
                row(t, false, g);
            }
        }
    }
    let positives = rows.iter().filter(|r| r.2).count();
    // The family's evidence is `max(0, a x attested + r x replaced)` on top of the other
    // features' logit. Searched on a grid: the most held-out pages flagged without a single
    // further clean text flagged in any group, then the smallest weights (the least moved
    // from the calibration the other features were fitted under).
    // `family_evidence` reads only the two weights: any calibration carries them.
    let calibration = unspin_core::weights::Calibration::default();
    let flagged = |group: Option<usize>, a: f64, w: f64| {
        let weighted = unspin_core::weights::Calibration {
            attested_weight: a as f32,
            replaced_weight: w as f32,
            ..calibration.clone()
        };
        rows.iter()
            .zip(&groups)
            .filter(|(r, g)| match group {
                None => r.2,
                Some(x) => !r.2 && **g == x,
            })
            .filter(|(r, _)| r.0 + f64::from(weighted.family_evidence(&r.1)) >= 0.0)
            .count()
    };
    let base: Vec<usize> = (0..clean.len())
        .map(|g| flagged(Some(g), 0.0, 0.0))
        .collect();
    let mut best = (flagged(None, 0.0, 0.0), 0.0, 0.0);
    for ai in 0..=40 {
        for wi in 0..=40 {
            let (a, w) = (f64::from(ai) * 0.05, -f64::from(wi) * 0.05);
            let pages = flagged(None, a, w);
            if pages > best.0 && (0..clean.len()).all(|g| flagged(Some(g), a, w) <= base[g]) {
                best = (pages, a, w);
            }
        }
    }
    let (pages, a, w) = best;
    let groups_json: Vec<serde_json::Value> = clean
        .iter()
        .enumerate()
        .map(|(g, (name, texts))| {
            serde_json::json!({
                "clean": name,
                "texts": texts.len(),
                "flagged_rows_before": base[g],
                "flagged_rows_after": flagged(Some(g), a, w),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "style": style,
        "pages": positives,
        "attested_weight": a,
        "replaced_weight": w,
        "flagged_pages_before": flagged(None, 0.0, 0.0),
        "flagged_pages_after": pages,
        "clean": groups_json,
    }))
}

/// What [`fit_calibration`] fits on, besides the real pages, and what it reports on.
pub struct CalibrationData<'a> {
    /// Articles whose variants, as written and spun by the simulator, are the synthetic
    /// examples ([`crate::checks::synthetic_rows`]).
    pub articles: &'a [String],
    /// The simulator's thesaurus.
    pub mythes: &'a crate::spinner::Dictionary,
    /// The simulator's seed.
    pub seed: u64,
    /// Further clean texts to fit on (other registers: `work-data/brown/fit`).
    pub extra_clean: &'a [String],
    /// How many examples each of those counts for.
    pub extra_clean_weight: f64,
    /// How many examples each real spun page counts for.
    pub page_weight: f64,
    /// Named groups of clean texts reported on, never fitted on (wild-clean-dev, the
    /// Brown corpus's held half).
    pub held_clean: &'a [(String, Vec<String>)],
}

/// One example of the calibration fit: its features, whether it is spun, its weight.
type Example = (Vec<f64>, bool, f64);

/// What one fold reports on: its pages (style, features), then the features of each held
/// clean group's texts.
struct FoldRows {
    pages: Vec<(String, Vec<f64>)>,
    held: Vec<Vec<Vec<f64>>>,
}

/// Fits check's calibration on synthetic spins, further clean texts and the real spun pages
/// of `dir` (every style), each fold's pages checked with the table learned from the other
/// fold's pages of `style` (so a page's tells are measured as an unseen copy's would be).
/// Reports, per fold, the calibration fitted without that fold's pages (and with the other
/// fold's table on the fitted texts) and how it does on that fold's pages and on the held
/// clean groups: the held-out figures. Then the calibration fitted on both folds: the one to
/// ship.
pub fn fit_calibration(
    model_path: &Path,
    dir: &Path,
    style: &str,
    set: &[String],
    learning: &FoldLearning<'_>,
    data: &CalibrationData<'_>,
) -> Result<serde_json::Value> {
    use rayon::prelude::*;
    let pages = read_pages(dir)?;
    let generic = std::sync::Arc::new(Model::open(model_path)?);
    // Per fold: the examples to fit on, and the rows to report on (pages by style, then each
    // held clean group), all checked with the fold's table.
    let mut fitted: Vec<Vec<Example>> = Vec::new();
    let mut reported: Vec<FoldRows> = Vec::new();
    for fold in 0..2 {
        let (_, _, with_table) = fold_model(&generic, model_path, &pages, fold, style, learning)?;
        let engine = engine_for(std::sync::Arc::new(with_table), set)?;
        let row = |t: &str| crate::checks::feature_row(&engine, t);
        let mut examples: Vec<Example> =
            crate::checks::synthetic_rows(&engine, data.mythes, data.articles, data.seed)
                .into_iter()
                .map(|(x, spun)| (x, spun, 1.0))
                .collect();
        examples.extend(
            data.extra_clean
                .par_iter()
                .map(|t| (row(t), false, data.extra_clean_weight))
                .collect::<Vec<_>>(),
        );
        let fold_pages: Vec<(String, Vec<f64>)> = pages
            .par_iter()
            .filter(|p| p.fold == fold)
            .map(|p| (p.style.clone(), row(&p.text)))
            .collect();
        examples.extend(
            fold_pages
                .iter()
                .map(|(_, x)| (x.clone(), true, data.page_weight)),
        );
        let held: Vec<Vec<Vec<f64>>> = data
            .held_clean
            .iter()
            .map(|(_, texts)| texts.par_iter().map(|t| row(t)).collect())
            .collect();
        fitted.push(examples);
        reported.push(FoldRows {
            pages: fold_pages,
            held,
        });
    }
    let fit = |examples: &[&Example]| {
        let xs: Vec<Vec<f64>> = examples.iter().map(|e| e.0.clone()).collect();
        let ys: Vec<bool> = examples.iter().map(|e| e.1).collect();
        let ws: Vec<f64> = examples.iter().map(|e| e.2).collect();
        crate::detect::fit_logistic_weighted(&xs, &ys, &ws)
    };
    let logit = |(bias, w): &(f64, Vec<f64>), x: &[f64]| -> f64 {
        bias + w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>()
    };
    let mut styles: Vec<String> = pages.iter().map(|p| p.style.clone()).collect();
    styles.sort();
    styles.dedup();
    let mut held_out = Vec::new();
    for fold in 0..2 {
        let other: Vec<&Example> = fitted[1 - fold].iter().collect();
        let calibration = fit(&other);
        let FoldRows {
            pages: fold_pages,
            held,
        } = &reported[fold];
        let flagged = |rows: &mut dyn Iterator<Item = &Vec<f64>>| {
            rows.filter(|x| logit(&calibration, x) >= 0.0).count()
        };
        let by_style: Vec<serde_json::Value> = styles
            .iter()
            .map(|s| {
                let rows: Vec<&Vec<f64>> = fold_pages
                    .iter()
                    .filter(|(st, _)| st == s)
                    .map(|(_, x)| x)
                    .collect();
                serde_json::json!({"style": s, "pages": rows.len(),
                    "flagged": flagged(&mut rows.iter().copied())})
            })
            .collect();
        let clean: Vec<serde_json::Value> = data
            .held_clean
            .iter()
            .zip(held)
            .map(|((name, _), rows)| {
                // The family's held-out pages against this clean group.
                let scored: Vec<crate::detect::Scored> = fold_pages
                    .iter()
                    .filter(|(st, _)| st == style)
                    .map(|(_, x)| (x, true))
                    .chain(rows.iter().map(|x| (x, false)))
                    .map(|(x, spun)| crate::detect::Scored {
                        score: logit(&calibration, x),
                        spun,
                    })
                    .collect();
                serde_json::json!({"clean": name, "texts": rows.len(),
                    "flagged": flagged(&mut rows.iter()),
                    "family_auc": crate::detect::auc(&scored)})
            })
            .collect();
        held_out.push(serde_json::json!({
            "fold": fold,
            "bias": calibration.0,
            "weights": calibration.1,
            "pages": by_style,
            "held_clean": clean,
        }));
    }
    let all: Vec<&Example> = fitted.iter().flatten().collect();
    let (bias, weights) = fit(&all);
    Ok(serde_json::json!({
        "style": style,
        "articles": data.articles.len(),
        "extra_clean": data.extra_clean.len(),
        "extra_clean_weight": data.extra_clean_weight,
        "page_weight": data.page_weight,
        "held_out": held_out,
        "bias": bias,
        "weights": weights,
    }))
}
