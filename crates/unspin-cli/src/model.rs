//! Which model and spinner tables a command runs with, and the engine over them.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use unspin_core::spinner::SpinnerTable;
use unspin_core::{Engine, Model};

/// Which model and spinner tables a command runs with.
pub(crate) struct ModelChoice {
    /// Model file, or the embedded default.
    pub(crate) model: Option<PathBuf>,
    /// Extra spinner tables.
    pub(crate) spinners: Vec<PathBuf>,
    /// Whether to load the embedded spinner table.
    pub(crate) default_spinner: bool,
    /// The language model for restore's close decisions besides the trigram (`trigram`:
    /// none; `smollm2`: the neural model fetched by `scripts/fetch-neural-lm.sh`).
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

    /// An engine over the chosen model with its own weights.
    pub(crate) fn engine(&self) -> Result<Engine> {
        let engine = Engine::new(Arc::new(load_model(self)?));
        if self.lm == "trigram" {
            return Ok(engine);
        }
        let neural = unspin_neural::NeuralLm::load_known(&self.lm)
            .with_context(|| format!("--lm {}", self.lm))?;
        Ok(engine.with_rescorer(Arc::new(neural)))
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
