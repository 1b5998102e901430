//! Builds the reverse synonym lexicon from Moby, WordNet synsets and the closed-class tables.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result};
use unspin_core::lexicon::{source, LexiconParts};

use crate::closed_class;

/// Longest phrase, in words, that a candidate span may have.
const MAX_WORDS: usize = 4;

/// Lowercases, trims and single-spaces a thesaurus entry; `None` for entries a text tokenizer
/// could never produce as a span (digits mixed with letters, brackets, slashes...).
pub fn normalise(entry: &str) -> Option<String> {
    let lower = entry.trim().to_lowercase().replace('_', " ");
    let words: Vec<&str> = lower.split_whitespace().collect();
    if words.is_empty() || words.len() > MAX_WORDS {
        return None;
    }
    let ok = words.iter().all(|w| {
        w.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '\'' || c == '-')
            && w.chars().any(|c| c.is_ascii_alphanumeric())
    });
    ok.then(|| words.join(" "))
}

/// Accumulates synonym groups and emits reverse edges.
pub struct Builder {
    edges: HashMap<(String, String), u8>,
    fanout: HashMap<String, u32>,
    known_word: Box<dyn Fn(&str) -> bool>,
}

impl Builder {
    /// `known_word` says whether the language model can score a word; originals made of
    /// unknown words are dropped because the decoder could never prefer them.
    pub fn new(known_word: impl Fn(&str) -> bool + 'static) -> Self {
        Builder {
            edges: HashMap::new(),
            fanout: HashMap::new(),
            known_word: Box::new(known_word),
        }
    }

    fn scorable(&self, phrase: &str) -> bool {
        phrase.split([' ', '-']).all(|w| (self.known_word)(w))
    }

    /// Records that a spinner may replace `original` by any member of `group`.
    pub fn group(&mut self, original: &str, group: &[String], src: u8) {
        *self.fanout.entry(original.to_owned()).or_default() += group.len() as u32;
        if !self.scorable(original) {
            return;
        }
        for spun in group {
            if spun != original {
                *self
                    .edges
                    .entry((spun.clone(), original.to_owned()))
                    .or_default() |= src;
            }
        }
    }

    /// Moby: each line is a headword followed by its synonyms, separated by `,` in the
    /// original file and by `|` as the `thesaurus-moby` crate ships it.
    pub fn add_moby(&mut self, text: &str) {
        for line in text.lines() {
            let mut entries = line.split([',', '|']).filter_map(normalise);
            let Some(head) = entries.next() else { continue };
            let group: Vec<String> = entries.collect::<HashSet<_>>().into_iter().collect();
            self.group(&head, &group, source::MOBY);
        }
    }

    /// WordNet `data.*` files: every member of a synset may stand for every other.
    pub fn add_wordnet(&mut self, dir: &Path) -> Result<()> {
        for pos in ["noun", "verb", "adj", "adv"] {
            let path = dir.join(format!("data.{pos}"));
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            for line in text.lines().filter(|l| !l.starts_with("  ")) {
                let cols: Vec<&str> = line.split(' ').collect();
                let Some(count) = cols.get(3).and_then(|c| usize::from_str_radix(c, 16).ok())
                else {
                    continue;
                };
                let members: Vec<String> = (0..count)
                    .filter_map(|i| cols.get(4 + 2 * i))
                    .map(|w| w.split('(').next().unwrap_or(w))
                    .filter_map(normalise)
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                if members.len() < 2 {
                    continue;
                }
                for m in &members {
                    self.group(m, &members, source::WORDNET);
                }
            }
        }
        Ok(())
    }

    /// Contractions and the function-word and phrasal paraphrases, both ways.
    pub fn add_closed_class(&mut self) {
        for (a, b) in closed_class::EQUIVALENTS {
            self.group(a, &[b.to_string()], source::FUNCTION);
            self.group(b, &[a.to_string()], source::FUNCTION);
        }
        for (a, b) in closed_class::PARAPHRASES {
            self.group(a, &[b.to_string()], source::PARAPHRASE);
            self.group(b, &[a.to_string()], source::PARAPHRASE);
        }
    }

    /// Sorts phrases and lays the edges out by spun phrase.
    pub fn finish(self) -> LexiconParts {
        let mut phrases: Vec<String> = self
            .edges
            .keys()
            .flat_map(|(s, o)| [s.clone(), o.clone()])
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        phrases.sort_unstable();
        let id: HashMap<&str, u32> = phrases
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_str(), i as u32))
            .collect();
        let mut by_spun: BTreeMap<u32, Vec<(u32, u8)>> = BTreeMap::new();
        for ((s, o), src) in &self.edges {
            by_spun
                .entry(id[s.as_str()])
                .or_default()
                .push((id[o.as_str()], *src));
        }
        let mut parts = LexiconParts {
            fanout: phrases
                .iter()
                .map(|p| {
                    self.fanout
                        .get(p)
                        .copied()
                        .unwrap_or(1)
                        .clamp(1, u16::MAX as u32) as u16
                })
                .collect(),
            ..LexiconParts::default()
        };
        for s in 0..phrases.len() as u32 {
            parts.rev_start.push(parts.rev_target.len() as u32);
            if let Some(list) = by_spun.get_mut(&s) {
                list.sort_unstable();
                for (o, src) in list.iter() {
                    parts.rev_target.push(*o);
                    parts.rev_source.push(*src);
                }
            }
        }
        parts.rev_start.push(parts.rev_target.len() as u32);
        parts.phrases = phrases;
        parts
    }
}

/// Reads lemminflect's `infl_lu.csv.gz`, keeping lowercase lemmas.
pub fn read_inflections(path: &Path) -> Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .with_context(|| format!("inflating {}", path.display()))?;
    Ok(text
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .map(|l| format!("{l}\n"))
        .collect())
}

/// Reads WordNet's `*.exc` irregular forms as `form lemma pos` lines.
pub fn read_exceptions(dir: &Path) -> Result<String> {
    let mut out = String::new();
    for pos in ["noun", "verb", "adj", "adv"] {
        let path = dir.join(format!("{pos}.exc"));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        for line in text.lines() {
            let mut cols = line.split(' ');
            if let (Some(form), Some(lemma)) = (cols.next(), cols.next()) {
                out.push_str(&format!("{form} {lemma} {pos}\n"));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_entries() {
        assert_eq!(
            normalise(" In  Opposition_to "),
            Some("in opposition to".into())
        );
        assert_eq!(normalise("a b c d e"), None);
        assert_eq!(normalise("(x)"), None);
    }

    #[test]
    fn reverse_edges_point_from_spun_to_original() {
        let mut b = Builder::new(|w| w != "zzz");
        b.add_moby("against,in opposition to,versus\nzzz,versus\n");
        let parts = b.finish();
        let id = |p: &str| parts.phrases.iter().position(|q| q == p).unwrap();
        let s = id("in opposition to");
        let lo = parts.rev_start[s] as usize;
        let hi = parts.rev_start[s + 1] as usize;
        assert_eq!(&parts.rev_target[lo..hi], &[id("against") as u32]);
        assert_eq!(parts.fanout[id("against")], 2);
        // `zzz` cannot be scored by the language model, so it is never an original.
        assert!(!parts.phrases.iter().any(|p| p == "zzz"));
    }
}
