//! Learning a spinner table from real spun pages without originals, measured on pages of
//! other source groups: `unspin-eval --wild-train ../shared/data/wild-train`.
//!
//! The pages' `index.tsv` lists, per page, a few `spun<-likely original` pairs seen in it
//! (the evidence column). They are never learned from: they only score a restoration. The
//! README's same-source groups decide the folds, so that two spins of one article never sit on
//! both sides. Each fold's table is learned from the other fold's pages of the family and used
//! on this fold's pages, beside the generic channel in the same run.

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
    /// `(spun, original)` pairs seen in it.
    pub evidence: Vec<(String, String)>,
    /// Its text.
    pub text: String,
    /// Its fold (0 or 1).
    pub fold: usize,
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
            text: String::from_utf8_lossy(&bytes).into_owned(),
            fold,
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
        self.words += o.words;
        self.pages += o.pages;
        self.flagged += o.flagged;
    }

    /// Share of occurrences put back.
    pub fn share(&self) -> f64 {
        self.restored as f64 / self.occurrences.max(1) as f64
    }
}

fn score(restorer: &Engine, page: &Page) -> Score {
    let analysis = restorer.analyse(&page.text);
    let flagged = analysis.check.verdict == unspin_core::check::Verdict::Spun;
    let r = analysis.restoration;
    let mut s = Score {
        flagged: usize::from(flagged),
        pages: 1,
        changes: r.changes.len(),
        words: page.text.split_whitespace().count(),
        ..Default::default()
    };
    for (spun, original) in &page.evidence {
        for (a, b) in occurrences(&page.text, spun) {
            s.occurrences += 1;
            let region = restored_region(&page.text, &r.changes, a, b);
            if region.to_lowercase().contains(&original.to_lowercase()) {
                s.restored += 1;
            }
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

fn clean_score(restorer: &Engine, texts: &[String]) -> CleanScore {
    let (mut changes, mut words, mut flagged) = (0usize, 0usize, 0usize);
    for t in texts {
        let analysis = restorer.analyse(t);
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

/// Runs the two-fold measurement and prints a JSON report.
pub fn report(
    model_path: &Path,
    dir: &Path,
    clean_dir: Option<&Path>,
    style: &str,
    set: &[String],
    learn_set: &[String],
) -> Result<serde_json::Value> {
    let pages = read_pages(dir)?;
    let generic = std::sync::Arc::new(Model::open(model_path)?);
    let clean: Vec<String> = match clean_dir {
        Some(d) => {
            let mut paths: Vec<_> = std::fs::read_dir(d)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".clean.txt"))
                .collect();
            paths.sort();
            paths
                .iter()
                .map(|p| Ok(String::from_utf8_lossy(&std::fs::read(p)?).into_owned()))
                .collect::<Result<_>>()?
        }
        None => Vec::new(),
    };
    let mut folds = Vec::new();
    let (mut base_all, mut learned_all) = (Score::default(), Score::default());
    for fold in 0..2 {
        let train: Vec<&str> = pages
            .iter()
            .filter(|p| p.fold != fold && p.style == style)
            .map(|p| p.text.as_str())
            .collect();
        let table = learn(&generic, &train, learn_options(style, learn_set)?);
        let mut with_table = Model::open(model_path)?;
        with_table.add_spinner(&table);
        let base = engine_for(generic.clone(), set)?;
        let learned = engine_for(std::sync::Arc::new(with_table), set)?;
        let (mut b, mut l) = (Score::default(), Score::default());
        for p in pages.iter().filter(|p| p.fold == fold && p.style == style) {
            b.add(score(&base, p));
            l.add(score(&learned, p));
        }
        base_all.add(b);
        learned_all.add(l);
        let clean_generic = clean_score(&base, &clean);
        let clean_learned = clean_score(&learned, &clean);
        folds.push(serde_json::json!({
            "fold": fold,
            "train_pages": train.len(),
            "table_pairs": table.pairs(),
            "generic": {"share": b.share(), "score": b, "clean": clean_generic},
            "learned": {"share": l.share(), "score": l, "clean": clean_learned},
        }));
    }
    let clean_flagged: u64 = folds
        .iter()
        .map(|f| f["learned"]["clean"]["flagged"].as_u64().unwrap_or(0))
        .max()
        .unwrap_or(0);
    Ok(serde_json::json!({
        "style": style,
        "generic_flagged": base_all.flagged,
        "learned_flagged": learned_all.flagged,
        "pages": learned_all.pages,
        "learned_clean_flagged_worst_fold": clean_flagged,
        "generic_share": base_all.share(),
        "learned_share": learned_all.share(),
        "folds": folds,
    }))
}
