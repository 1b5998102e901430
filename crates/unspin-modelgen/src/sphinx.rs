//! Reader for the CMU Sphinx binary trie language model (`*.lm.bin`).
//!
//! The file is: the text `Trie Language Model`, the order (u8), one u32 count per order, a u32
//! that once named the quantiser, the quantisation tables (65536 f32 per table: bigram
//! probability, bigram backoff, trigram probability), `count[0] + 1` unigram records
//! `{prob: f32, backoff: f32, next: u32}`, the bit-packed bigram and trigram arrays, and finally
//! the vocabulary as NUL-terminated strings. Values are logarithms in base 1.0001 (Sphinx's
//! `logmath` default); we convert them to natural logs. We read the binary ourselves because the
//! stock ARPA export of this model is known to lose n-grams.

use anyhow::{bail, ensure, Result};
use unspin_core::lm::LanguageModelParts;

const HEADER: &[u8] = b"Trie Language Model";
/// ln(1.0001): converts Sphinx log units to natural logs.
const LOG_BASE: f32 = 9.9995e-5;

struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        ensure!(
            self.at + n <= self.data.len(),
            "file ends early at byte {}",
            self.at
        );
        let s = &self.data[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into()?))
    }
    fn f32s(&mut self, n: usize) -> Result<Vec<f32>> {
        Ok(self
            .take(n * 4)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect())
    }
}

fn required_bits(max: u32) -> u32 {
    32 - max.leading_zeros()
}

/// Reads `len` bits at bit offset `bit` of a little-endian bit array (`len` <= 25).
fn read_bits(mem: &[u8], bit: u64, len: u32) -> u32 {
    let byte = (bit >> 3) as usize;
    let mut buf = [0u8; 4];
    let end = (byte + 4).min(mem.len());
    buf[..end - byte].copy_from_slice(&mem[byte..end]);
    (u32::from_le_bytes(buf) >> (bit & 7)) & ((1u32 << len) - 1)
}

/// Converts a Sphinx trigram trie model into unspin's layout.
pub fn read_trie(data: &[u8]) -> Result<LanguageModelParts> {
    let mut c = Cursor { data, at: 0 };
    ensure!(c.take(HEADER.len())? == HEADER, "not a Sphinx trie LM");
    let order = c.take(1)?[0];
    ensure!(order == 3, "expected a trigram model, found order {order}");
    let counts = [c.u32()?, c.u32()?, c.u32()?];
    let (n1, n2, n3) = (counts[0] as usize, counts[1] as usize, counts[2] as usize);
    let _quantiser = c.u32()?;
    let to_ln = |v: Vec<f32>| v.into_iter().map(|x| x * LOG_BASE).collect::<Vec<_>>();
    let bi_prob_bins = to_ln(c.f32s(1 << 16)?);
    let bi_bo_bins = to_ln(c.f32s(1 << 16)?);
    let tri_prob_bins = to_ln(c.f32s(1 << 16)?);

    let mut uni_prob = Vec::with_capacity(n1);
    let mut uni_bo = Vec::with_capacity(n1);
    let mut uni_next = Vec::with_capacity(n1 + 1);
    for i in 0..=n1 {
        let rec = c.f32s(2)?;
        let next = c.u32()?;
        if i < n1 {
            uni_prob.push(rec[0] * LOG_BASE);
            uni_bo.push(rec[1] * LOG_BASE);
        }
        uni_next.push(next);
    }

    let word_bits = required_bits(counts[0]);
    // Middle (bigram) entries: word, 32 quantiser bits (backoff code low, prob code high), next.
    let next_bits = required_bits(counts[2]);
    let mid_bits = word_bits + 32 + next_bits;
    let mid_size = ((1 + n2 as u64) * mid_bits as u64).div_ceil(8) as usize + 8;
    let mid = c.take(mid_size)?;
    // Longest (trigram) entries: word, 16-bit prob code.
    let long_bits = word_bits + 16;
    let long_size = ((1 + n3 as u64) * long_bits as u64).div_ceil(8) as usize + 8;
    let long = c.take(long_size)?;

    let mut bi_word = Vec::with_capacity(n2);
    let mut bi_prob = Vec::with_capacity(n2);
    let mut bi_bo = Vec::with_capacity(n2);
    let mut bi_next = Vec::with_capacity(n2 + 1);
    for i in 0..=n2 as u64 {
        let base = i * mid_bits as u64;
        if i < n2 as u64 {
            bi_word.push(read_bits(mid, base, word_bits));
            bi_bo.push(read_bits(mid, base + word_bits as u64, 16) as u16);
            bi_prob.push(read_bits(mid, base + word_bits as u64 + 16, 16) as u16);
        }
        bi_next.push(read_bits(mid, base + word_bits as u64 + 32, next_bits));
    }
    let mut tri_word = Vec::with_capacity(n3);
    let mut tri_prob = Vec::with_capacity(n3);
    for i in 0..n3 as u64 {
        let base = i * long_bits as u64;
        tri_word.push(read_bits(long, base, word_bits));
        tri_prob.push(read_bits(long, base + word_bits as u64, 16) as u16);
    }

    let strings_len = c.u32()? as usize;
    let strings = c.take(strings_len)?;
    let words: Vec<String> = strings
        .split(|&b| b == 0)
        .take(n1)
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    if words.len() != n1 {
        bail!("vocabulary has {} words, header says {n1}", words.len());
    }
    // The header counts can exceed the entries actually linked into the trie (Sphinx reserves
    // room for back-filled entries it may not use); the run boundaries are the truth.
    let used2 = *uni_next.last().expect("n1 + 1 entries") as usize;
    ensure!(used2 <= n2, "unigram runs point past the bigram array");
    bi_word.truncate(used2);
    bi_prob.truncate(used2);
    bi_bo.truncate(used2);
    bi_next.truncate(used2 + 1);
    let used3 = bi_next[used2] as usize;
    ensure!(used3 <= n3, "bigram runs point past the trigram array");
    ensure!(
        bi_next.windows(2).all(|w| w[0] <= w[1]),
        "bigram runs out of order"
    );
    tri_word.truncate(used3);
    tri_prob.truncate(used3);
    Ok(LanguageModelParts {
        words,
        uni_prob,
        uni_bo,
        uni_next,
        bi_word,
        bi_prob,
        bi_bo,
        bi_next,
        tri_word,
        tri_prob,
        bi_prob_bins,
        bi_bo_bins,
        tri_prob_bins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_reads_cross_byte_boundaries() {
        // 0b1011_0110, 0b0000_0001: bits 4..9 are 1,0,1,1,1 -> 0b11011
        let mem = [0b1011_0110u8, 0b0000_0001, 0, 0];
        assert_eq!(read_bits(&mem, 4, 5), 0b11011);
        assert_eq!(required_bits(72547), 17);
        assert_eq!(required_bits(0), 0);
    }

    #[test]
    fn rejects_other_files() {
        assert!(read_trie(b"Darpa Trigram LM").is_err());
        assert!(read_trie(b"Trie Language Model\x03").is_err());
    }
}
