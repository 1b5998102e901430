//! A decoder-only transformer's forward pass (llama or Gemma 3) that scores many short continuations in one pass.
//!
//! candle's own quantized llama feeds one token per step to score a continuation (it returns
//! the last position's logits only), and a single row's product reads every weight once for
//! one token. Here the tokens of many scoring requests go through the model together as one
//! sequence: each token attends only to its own ancestors (its context and the earlier tokens
//! of its own continuation), so the continuations of one context share that context's rows,
//! different requests do not see each other, and the weights are read once per pass. The
//! weights are kept in f32 so that the products go through candle's blocked f32 matrix product
//! (its quantized CPU products are about four times slower on a pass of many rows).

use std::collections::HashMap;

use candle_core::quantized::gguf_file;
use candle_core::{DType, Device, Module, Tensor, D};

/// Most tokens one pass may hold (its mask is this squared, 64 MiB of f32).
const MAX_PASS_ROWS: usize = 4096;

/// One block of the model, its matrices `(out, in)` as stored (multiplied as `x · wᵀ`, a
/// transposed view, so loading copies nothing).
struct Block {
    attention_norm: Tensor,
    query: Tensor,
    key: Tensor,
    value: Tensor,
    /// Gemma 3 normalises each head's query and key (over the head's width) before rotating.
    query_norm: Option<Tensor>,
    key_norm: Option<Tensor>,
    attention_out: Tensor,
    /// Gemma 3 normalises each sub-layer's output before adding it back ("sandwich" norms).
    post_attention_norm: Option<Tensor>,
    feed_forward_norm: Tensor,
    gate: Tensor,
    up: Tensor,
    down: Tensor,
    post_feed_forward_norm: Option<Tensor>,
    /// Which of the model's rotary tables this block's attention uses.
    rotary: usize,
}

/// The architectures the pass runs: they share the decoder's shape and differ in the details
/// listed on [`Decoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Architecture {
    /// Llama (SmolLM2): SiLU-gated feed-forward, interleaved rotation, one rotary base.
    Llama,
    /// Gemma 3: GELU-gated feed-forward, half-split rotation, query and key norms, sandwich
    /// norms, embeddings scaled by the square root of the width, and a local rotary base on
    /// the sliding-window blocks (five of every six).
    Gemma3,
}

/// The weights of a decoder-only transformer (llama or Gemma 3), in f32.
pub(crate) struct Decoder {
    architecture: Architecture,
    /// The token embeddings, `(vocabulary, hidden)`; `None` when they are the output matrix's
    /// rows (tied, as in SmolLM2 and Gemma), which are then read from it instead of kept twice.
    embeddings: Option<Tensor>,
    /// What the embeddings are multiplied by (Gemma: the square root of the width; llama: 1).
    embedding_scale: f64,
    blocks: Vec<Block>,
    output_norm: Tensor,
    /// The output matrix, `(vocabulary, hidden)`.
    output: Tensor,
    /// The rotary tables, `(cosine, sine)`, one per rotary base the blocks use.
    rotaries: Vec<(Tensor, Tensor)>,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    rms_eps: f32,
    max_position: usize,
}

/// Tokens laid out as a forest: each token's parent is the token before it in its own text
/// (`None` for the first token of a text). A token sees exactly its ancestors and itself, so
/// texts that begin alike share the rows of what they have in common.
#[derive(Debug, Default)]
pub(crate) struct TokenForest {
    /// The token ids.
    pub tokens: Vec<u32>,
    /// Each token's parent, by index; parents come before their children.
    pub parents: Vec<Option<usize>>,
    /// Each (parent, token) pair's node, so that a text beginning like another reuses it.
    children: HashMap<(Option<usize>, u32), usize>,
}

impl TokenForest {
    /// Adds `tokens` as a text continuing after `parent` (or as a new text), reusing the
    /// nodes of any text already added with the same beginning; returns each token's node.
    pub fn push(&mut self, parent: Option<usize>, tokens: &[u32]) -> Vec<usize> {
        let mut nodes = Vec::with_capacity(tokens.len());
        let mut last = parent;
        for &t in tokens {
            let next = self.tokens.len();
            let node = *self.children.entry((last, t)).or_insert(next);
            if node == next {
                self.tokens.push(t);
                self.parents.push(last);
            }
            nodes.push(node);
            last = Some(node);
        }
        nodes
    }

    /// How many tokens the forest holds.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Each token's position in its own text (its number of ancestors).
    fn positions(&self) -> Vec<u32> {
        let mut positions: Vec<u32> = Vec::with_capacity(self.len());
        for parent in &self.parents {
            positions.push(parent.map_or(0, |p| positions[p] + 1));
        }
        positions
    }

    /// The additive attention mask: 0 where a token may see another (an ancestor or itself),
    /// minus infinity elsewhere.
    fn mask(&self) -> Vec<f32> {
        let n = self.len();
        let mut mask = vec![f32::NEG_INFINITY; n * n];
        for i in 0..n {
            let row = &mut mask[i * n..(i + 1) * n];
            let mut at = Some(i);
            while let Some(a) = at {
                row[a] = 0.0;
                at = self.parents[a];
            }
        }
        mask
    }
}

/// Gemma 3's rotary base on its sliding-window blocks, fixed by the architecture (llama.cpp
/// and candle use the same value when the file does not say).
const GEMMA3_LOCAL_ROPE_BASE: f32 = 10_000.0;

/// In Gemma 3 every sixth block attends globally; the others use a sliding window (longer
/// than any pass here, so only their rotary base differs).
const GEMMA3_GLOBAL_EVERY: usize = 6;

impl Decoder {
    /// Reads a llama or Gemma 3 GGUF model's weights, dequantized to f32.
    pub fn from_gguf<R: std::io::Read + std::io::Seek>(
        content: &gguf_file::Content,
        reader: &mut R,
    ) -> candle_core::Result<Decoder> {
        let device = &Device::Cpu;
        let meta = |key: &str| {
            content
                .metadata
                .get(key)
                .ok_or_else(|| candle_core::Error::Msg(format!("no {key} in the metadata")))
        };
        let arch_name = meta("general.architecture")?.to_string()?.clone();
        let architecture = match arch_name.as_str() {
            "llama" => Architecture::Llama,
            "gemma3" => Architecture::Gemma3,
            other => candle_core::bail!("architecture {other:?} (only llama and gemma3 run)"),
        };
        let key = |name: &str| meta(&format!("{arch_name}.{name}"));
        let heads = key("attention.head_count")?.to_u32()? as usize;
        let kv_heads = key("attention.head_count_kv")?.to_u32()? as usize;
        let block_count = key("block_count")?.to_u32()? as usize;
        let hidden = key("embedding_length")?.to_u32()? as usize;
        let rms_eps = key("attention.layer_norm_rms_epsilon")?.to_f32()?;
        let rope_base = key("rope.freq_base")
            .and_then(|v| v.to_f32())
            .unwrap_or(10_000.0);
        let max_position = key("context_length")
            .and_then(|v| v.to_u32())
            .map_or(2048, |v| v as usize)
            .min(4096);
        if heads == 0 || kv_heads == 0 || !heads.is_multiple_of(kv_heads) {
            candle_core::bail!("{heads} heads, {kv_heads} key-value heads");
        }
        // Gemma's heads are wider than the width shared out (its file says how wide); a
        // llama's are the width shared out.
        let head_dim = match key("attention.key_length") {
            Ok(v) => v.to_u32()? as usize,
            Err(_) if hidden.is_multiple_of(heads) => hidden / heads,
            Err(_) => candle_core::bail!("width {hidden} over {heads} heads"),
        };
        if let Ok(rope_dim) = key("rope.dimension_count") {
            let rope_dim = rope_dim.to_u32()? as usize;
            if rope_dim != head_dim {
                candle_core::bail!("rotary width {rope_dim} is not the head width {head_dim}");
            }
        }
        let mut read = |name: &str| -> candle_core::Result<Tensor> {
            content
                .tensor(reader, name, device)?
                .dequantize(device)?
                .to_dtype(DType::F32)
        };
        let gemma = architecture == Architecture::Gemma3;
        let mut blocks = Vec::with_capacity(block_count);
        for i in 0..block_count {
            let name = |part: &str| format!("blk.{i}.{part}.weight");
            let mut gemma_only = |part: &str| match gemma {
                true => read(&name(part)).map(Some),
                false => Ok(None),
            };
            let query_norm = gemma_only("attn_q_norm")?;
            let key_norm = gemma_only("attn_k_norm")?;
            let post_attention_norm = gemma_only("post_attention_norm")?;
            let post_feed_forward_norm = gemma_only("post_ffw_norm")?;
            let global = (i + 1).is_multiple_of(GEMMA3_GLOBAL_EVERY);
            blocks.push(Block {
                query: read(&name("attn_q"))?,
                key: read(&name("attn_k"))?,
                value: read(&name("attn_v"))?,
                query_norm,
                key_norm,
                attention_out: read(&name("attn_output"))?,
                post_attention_norm,
                gate: read(&name("ffn_gate"))?,
                up: read(&name("ffn_up"))?,
                down: read(&name("ffn_down"))?,
                post_feed_forward_norm,
                attention_norm: read(&name("attn_norm"))?,
                feed_forward_norm: read(&name("ffn_norm"))?,
                rotary: usize::from(gemma && !global),
            });
        }
        // Models with tied embeddings have no output matrix of their own.
        let (embeddings, output) = match content.tensor_infos.contains_key("output.weight") {
            true => (Some(read("token_embd.weight")?), read("output.weight")?),
            false => (None, read("token_embd.weight")?),
        };
        let output_norm = read("output_norm.weight")?;
        let mut rotaries = vec![rotary_tables(head_dim, rope_base, max_position)?];
        if gemma {
            rotaries.push(rotary_tables(
                head_dim,
                GEMMA3_LOCAL_ROPE_BASE,
                max_position,
            )?);
        }
        Ok(Decoder {
            architecture,
            embeddings,
            embedding_scale: if gemma { (hidden as f64).sqrt() } else { 1.0 },
            blocks,
            output_norm,
            output,
            rotaries,
            heads,
            kv_heads,
            head_dim,
            rms_eps,
            max_position,
        })
    }

    /// Runs the forest through the model in one pass and returns, for each `(row, token)` in
    /// `wanted`, the log-probability (nats) the model gives `token` right after the token at
    /// `row` (given that token's ancestors).
    pub fn logprobs_after(
        &self,
        forest: &TokenForest,
        wanted: &[(usize, u32)],
    ) -> candle_core::Result<Vec<f32>> {
        if forest.len() == 0 || wanted.is_empty() {
            return Ok(vec![0.0; wanted.len()]);
        }
        // Each row something is asked after, once, in the order first asked.
        let mut rows: Vec<usize> = Vec::new();
        let mut row_of: HashMap<usize, usize> = HashMap::new();
        for &(row, _) in wanted {
            row_of.entry(row).or_insert_with(|| {
                rows.push(row);
                rows.len() - 1
            });
        }
        let distributions = self.distributions_after(forest, &rows)?;
        Ok(wanted
            .iter()
            .map(|&(row, token)| {
                distributions[row_of[&row]]
                    .get(token as usize)
                    .copied()
                    .unwrap_or(-100.0)
            })
            .collect())
    }

    /// Runs the forest through the model in one pass and returns, for each of `rows`, the
    /// log-probability (nats) the model gives every token of its vocabulary right after the
    /// token at that row (given its ancestors): what comes next, whatever it is.
    pub fn distributions_after(
        &self,
        forest: &TokenForest,
        rows: &[usize],
    ) -> candle_core::Result<Vec<Vec<f32>>> {
        let device = &Device::Cpu;
        let n = forest.len();
        if n == 0 || rows.is_empty() {
            return Ok(vec![Vec::new(); rows.len()]);
        }
        if let Some(&row) = rows.iter().find(|&&row| row >= n) {
            candle_core::bail!("row {row} of a {n}-token forest");
        }
        let positions = forest.positions();
        // The mask and attention grow with the square of the pass: a request too big for
        // one (only a caller's own huge continuations could make one) is refused, not run.
        if n > MAX_PASS_ROWS {
            candle_core::bail!("{n} tokens in one pass (at most {MAX_PASS_ROWS})");
        }
        if positions.iter().any(|&p| p as usize >= self.max_position) {
            candle_core::bail!("a text longer than {} tokens", self.max_position);
        }
        let ids = Tensor::new(forest.tokens.as_slice(), device)?;
        let position_ids = Tensor::new(positions.as_slice(), device)?;
        let rotaries = self
            .rotaries
            .iter()
            .map(|(cos, sin)| {
                Ok((
                    cos.index_select(&position_ids, 0)?,
                    sin.index_select(&position_ids, 0)?,
                ))
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        let mask = Tensor::from_vec(forest.mask(), (n, n), device)?;
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let per_head = |x: Tensor, heads: usize| -> candle_core::Result<Tensor> {
            x.reshape((1, n, heads, self.head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let norm = |x: &Tensor, weight: &Option<Tensor>| -> candle_core::Result<Tensor> {
            match weight {
                Some(w) => candle_nn::ops::rms_norm(x, w, self.rms_eps),
                None => Ok(x.clone()),
            }
        };
        let (interleaved, activation) = match self.architecture {
            // Llama files store the query and key rows for the interleaved rotation.
            Architecture::Llama => (true, candle_nn::Activation::Silu),
            Architecture::Gemma3 => (false, candle_nn::Activation::GeluPytorchTanh),
        };
        let rotate = |x: &Tensor, (cos, sin): &(Tensor, Tensor)| match interleaved {
            true => candle_nn::rotary_emb::rope_i(x, cos, sin),
            false => candle_nn::rotary_emb::rope(x, cos, sin),
        };
        let mut x = match &self.embeddings {
            Some(embeddings) => embeddings.index_select(&ids, 0)?,
            None => self.output.index_select(&ids, 0)?,
        };
        if self.embedding_scale != 1.0 {
            x = (x * self.embedding_scale)?;
        }
        for block in &self.blocks {
            let h = candle_nn::ops::rms_norm(&x, &block.attention_norm, self.rms_eps)?;
            let q = per_head(h.matmul(&block.query.t()?)?, self.heads)?;
            let k = per_head(h.matmul(&block.key.t()?)?, self.kv_heads)?;
            let v = per_head(h.matmul(&block.value.t()?)?, self.kv_heads)?;
            let q = rotate(&norm(&q, &block.query_norm)?, &rotaries[block.rotary])?;
            let k = rotate(&norm(&k, &block.key_norm)?, &rotaries[block.rotary])?;
            let repeats = self.heads / self.kv_heads;
            let k = repeat_kv_heads(k, repeats)?;
            let v = repeat_kv_heads(v, repeats)?.contiguous()?;
            let attention = (q.matmul(&k.t()?)? * scale)?.broadcast_add(&mask)?;
            let attention = candle_nn::ops::softmax_last_dim(&attention)?;
            let y = attention
                .matmul(&v)?
                .transpose(1, 2)?
                .reshape((n, self.heads * self.head_dim))?;
            let y = norm(
                &y.matmul(&block.attention_out.t()?)?,
                &block.post_attention_norm,
            )?;
            x = (x + y)?;
            let h = candle_nn::ops::rms_norm(&x, &block.feed_forward_norm, self.rms_eps)?;
            let gated =
                (activation.forward(&h.matmul(&block.gate.t()?)?)? * h.matmul(&block.up.t()?)?)?;
            let y = norm(
                &gated.matmul(&block.down.t()?)?,
                &block.post_feed_forward_norm,
            )?;
            x = (x + y)?;
        }
        // Only the rows something is asked after go through the output matrix.
        let rows: Vec<u32> = rows.iter().map(|&row| row as u32).collect();
        let picked = x.index_select(&Tensor::new(rows.as_slice(), device)?, 0)?;
        let picked = candle_nn::ops::rms_norm(&picked, &self.output_norm, self.rms_eps)?;
        let logits = picked.matmul(&self.output.t()?)?;
        let max = logits.max_keepdim(D::Minus1)?;
        let log_sum = logits
            .broadcast_sub(&max)?
            .exp()?
            .sum_keepdim(D::Minus1)?
            .log()?
            .add(&max)?;
        logits.broadcast_sub(&log_sum)?.to_vec2::<f32>()
    }
}

/// The rotary embedding's cosine and sine tables, `(positions, head_dim / 2)`.
fn rotary_tables(
    head_dim: usize,
    base: f32,
    positions: usize,
) -> candle_core::Result<(Tensor, Tensor)> {
    let half = head_dim / 2;
    let mut cos = Vec::with_capacity(positions * half);
    let mut sin = Vec::with_capacity(positions * half);
    for p in 0..positions {
        for i in 0..half {
            let theta = 1.0 / base.powf((2 * i) as f32 / head_dim as f32);
            let angle = p as f32 * theta;
            cos.push(angle.cos());
            sin.push(angle.sin());
        }
    }
    let device = &Device::Cpu;
    Ok((
        Tensor::from_vec(cos, (positions, half), device)?,
        Tensor::from_vec(sin, (positions, half), device)?,
    ))
}

/// Grouped-query attention: each of the key or value heads of `x` (`1 x kv_heads x n x
/// head_dim`) serves `repeats` query heads, so it is repeated that many times, next to itself.
fn repeat_kv_heads(x: Tensor, repeats: usize) -> candle_core::Result<Tensor> {
    if repeats == 1 {
        return Ok(x);
    }
    let (batch, kv_heads, n, head_dim) = x.dims4()?;
    // Laying the copies end to end along the rows, then reading them as heads, puts each head's
    // copies side by side without a strided copy.
    Tensor::cat(&vec![&x; repeats], 2)?.reshape((batch, kv_heads * repeats, n, head_dim))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two requests, the first with two continuations of different lengths: each is a
    /// `(context, continuations)` of token ids.
    type Requests<'a> = [(&'a [u32], &'a [&'a [u32]]); 2];

    /// Runs `requests` through the named model's file in one forest pass and checks the
    /// continuations' log-probabilities against `expected` (recorded from candle's own
    /// implementation of the architecture, each text alone, on the same file's weights
    /// dequantized to f32). Skipped (or failed, under CI) when the file is not fetched.
    fn a_forest_pass_gives(name: &str, requests: Requests, expected: &[f32]) {
        let path = crate::known_path(name).expect("a known name");
        if !unspin_testkit::require(
            path.is_file(),
            &path.display().to_string(),
            &format!("run scripts/fetch-neural-lm.sh {name}"),
        ) {
            return;
        }
        let mut file = std::fs::File::open(&path).unwrap();
        let content = gguf_file::Content::read(&mut file).unwrap();
        let decoder = Decoder::from_gguf(&content, &mut file).unwrap();
        let mut forest = TokenForest::default();
        // Each continuation's wanted rows: the context's last node, then its own nodes.
        let mut wanted = Vec::new();
        let mut first_request_rows = 0;
        for (i, (context, continuations)) in requests.iter().enumerate() {
            for continuation in *continuations {
                let end = *forest.push(None, context).last().unwrap();
                let nodes = forest.push(Some(end), &continuation[..continuation.len() - 1]);
                let rows = std::iter::once(end).chain(nodes);
                wanted.extend(rows.zip(continuation.iter().copied()));
            }
            if i == 0 {
                first_request_rows = forest.len();
            }
        }
        // The first request's context was laid down once, whatever its continuations.
        let (context, continuations) = requests[0];
        let own_rows: usize = continuations.iter().map(|c| c.len() - 1).sum();
        assert_eq!(first_request_rows, context.len() + own_rows);
        let ours = decoder.logprobs_after(&forest, &wanted).unwrap();
        assert_eq!(ours.len(), expected.len());
        for (o, e) in ours.iter().zip(expected) {
            assert!(
                (o - e).abs() < 1e-3 * e.abs().max(1.0),
                "{ours:?} against {expected:?}"
            );
        }
    }

    /// Against `candle-transformers` 0.11.1's `quantized_llama::ModelWeights`. Recorded once,
    /// so that the test keeps an outside oracle without compiling candle's model zoo (two
    /// minutes of every clean build).
    #[test]
    fn a_llama_forest_pass_gives_what_candle_gives_each_text_alone() {
        a_forest_pass_gives(
            "smollm2",
            [
                (&[1, 504, 3124, 314], &[&[1789, 253, 2013], &[99, 7]]),
                (&[1, 2417, 30], &[&[421, 1101, 28]]),
            ],
            &[
                -11.850_987,
                -8.966_518,
                -17.730_335,
                -17.851_685,
                -19.96491,
                -13.716_702,
                -17.302_725,
                -4.846_128_5,
            ],
        );
    }

    /// Against `candle-transformers` 0.11.1's `quantized_gemma3::ModelWeights` with its
    /// feed-forward's activation set to the tanh GELU that Gemma 3 uses (that file applies
    /// SiLU, which llama.cpp and the reference do not), run with `CANDLE_DEQUANTIZE_ALL=1`.
    /// The texts are "<bos>The president said on" + " Tuesday that the" / " government
    /// would", and "<bos> banana of" + " administration will government".
    #[test]
    fn a_gemma3_forest_pass_gives_what_candle_gives_each_text_alone() {
        a_forest_pass_gives(
            "gemma",
            [
                (
                    &[2, 818, 6207, 1176, 580],
                    &[&[9863, 600, 506], &[3251, 1093]],
                ),
                (&[2, 30077, 529], &[&[9635, 795, 3251]]),
            ],
            &[
                -2.101_874_8,
                -0.534_473_8,
                -0.826_986_7,
                -10.935_808,
                -11.193_812,
                -14.100_827,
                -5.641_113_3,
                -13.598_277,
            ],
        );
    }
}
