//! Which model and spinner tables a command runs with, and the engine over them.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use unspin_core::rescore::{CachedScorer, SCORED_WINDOWS_CACHED};
use unspin_core::spinner::SpinnerTable;
use unspin_core::{Engine, Model};

/// How much text a command will score: whether moving the model's tables to large pages first
/// pays ([`unspin_model::prepare_for_much_text`]: 40-50 ms and 110 MB once, for check and
/// restore about 1.15-1.3x faster after).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Workload {
    /// A few short texts: the move would cost more than it saves.
    Short,
    /// A crawl, a server's life, a large file, a learning run.
    Long,
}

/// Inputs of at least this many bytes in all make a [`Workload::Long`] for check and restore:
/// about where the move's 40-50 ms are won back by check (about 1.3 us saved a word on the
/// 1 MB bench, so about 35k words or 210 KB); restore, slower a word, wins them back sooner.
const LONG_INPUT_BYTES: u64 = 256 << 10;

impl Workload {
    /// The workload of checking or restoring `inputs` (files, or `-` for standard input,
    /// counted as short: its length is not known before it is read).
    pub(crate) fn of_inputs(inputs: &[String]) -> Workload {
        let bytes: u64 = inputs
            .iter()
            .filter(|i| i.as_str() != "-")
            .filter_map(|i| std::fs::metadata(i).ok())
            .map(|m| m.len())
            .sum();
        Workload::of_bytes(bytes)
    }

    /// The workload of checking or restoring a text of `bytes` bytes.
    pub(crate) fn of_bytes(bytes: u64) -> Workload {
        if bytes >= LONG_INPUT_BYTES {
            Workload::Long
        } else {
            Workload::Short
        }
    }
}

/// Which model and spinner tables a command runs with.
pub(crate) struct ModelChoice {
    /// Model file, or the embedded default.
    pub(crate) model: Option<PathBuf>,
    /// Extra spinner tables.
    pub(crate) spinners: Vec<PathBuf>,
    /// Whether to load the embedded spinner table.
    pub(crate) default_spinner: bool,
    /// The language model for restore's close decisions besides the trigram (`trigram`:
    /// none; `smollm2` or `gemma`: the neural model fetched by `scripts/fetch-neural-lm.sh`).
    pub(crate) lm: String,
}

impl ModelChoice {
    /// The same model without any spinner table: the generic channel only.
    pub(crate) fn generic(&self) -> ModelChoice {
        ModelChoice {
            model: self.model.clone(),
            spinners: Vec::new(),
            default_spinner: false,
            lm: self.lm.clone(),
        }
    }

    /// An engine over the chosen model with its own weights, made ready for `workload`.
    pub(crate) fn engine(&self, workload: Workload) -> Result<Engine> {
        let mut model = load_model(self)?;
        if workload == Workload::Long {
            unspin_model::prepare_for_much_text(&mut model);
        }
        let engine = Engine::new(Arc::new(model));
        if self.lm == "trigram" {
            return Ok(engine);
        }
        let neural = unspin_neural::NeuralLm::load_known(&self.lm)
            .with_context(|| format!("--lm {}", self.lm))?;
        // Scored windows are kept: serve and scan meet the same sentences again.
        let cached = CachedScorer::new(neural, SCORED_WINDOWS_CACHED);
        Ok(engine.with_rescorer(Arc::new(cached)))
    }
}

pub(crate) fn load_model(choice: &ModelChoice) -> Result<Model> {
    let mut model = match &choice.model {
        Some(p) => Model::open(p).with_context(|| format!("cannot load model {}", p.display()))?,
        None => unspin_model::default_model().context("the embedded model is damaged")?,
    };
    if choice.default_spinner {
        let table =
            unspin_model::default_spinner().context("the embedded spinner table is damaged")?;
        model.add_spinner(&table);
    }
    for p in &choice.spinners {
        let table = SpinnerTable::open(p)
            .with_context(|| format!("cannot load spinner table {}", p.display()))?;
        model.add_spinner(&table);
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs count by their files' sizes; standard input and unreadable paths count as
    /// nothing, so they never make a short run pay the move.
    #[test]
    fn a_workload_is_long_from_the_threshold_on() {
        assert_eq!(Workload::of_bytes(LONG_INPUT_BYTES - 1), Workload::Short);
        assert_eq!(Workload::of_bytes(LONG_INPUT_BYTES), Workload::Long);
        let dir = std::env::temp_dir().join(format!("unspin-workload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let half = dir.join("half.txt");
        std::fs::write(&half, vec![b'a'; LONG_INPUT_BYTES as usize / 2]).unwrap();
        let half = half.to_string_lossy().into_owned();
        let missing = dir.join("missing.txt").to_string_lossy().into_owned();
        assert_eq!(
            Workload::of_inputs(std::slice::from_ref(&half)),
            Workload::Short
        );
        assert_eq!(
            Workload::of_inputs(&[half.clone(), "-".into(), missing]),
            Workload::Short
        );
        assert_eq!(Workload::of_inputs(&[half.clone(), half]), Workload::Long);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
