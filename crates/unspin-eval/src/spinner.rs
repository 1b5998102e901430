//! A spinner simulator that behaves like deployed article spinners: a dictionary of synonym
//! groups; for each group whose member occurs, one randomly chosen replacement used for every
//! occurrence, in lower-case and capitalised forms alike; no protection of names.
//!
//! It spins with its own dictionary (MyThes groups, which the restorer never reads), so that
//! accuracy figures are not a closed loop.

use std::collections::HashMap;

use unspin_core::morph::{Form, Morphology};
use unspin_core::text::{self, Case, TokenKind};

/// Synonym groups: lowercase phrase -> replacements.
#[derive(Default)]
pub struct Dictionary {
    groups: HashMap<String, Vec<String>>,
    /// Natural-log frequency of each member, when known (see [`Dictionary::weigh`]).
    log_freq: HashMap<String, f64>,
    longest: usize,
    /// Inflected forms of one-word group keys, with their key and form
    /// ([`Dictionary::inflect`]): a table kept by lemma spins "sold" as it spins "sell".
    inflected_keys: HashMap<String, (String, Form)>,
    /// Members put into a form: `(member, form) -> surface`.
    member_forms: HashMap<(String, Form), String>,
}

impl Dictionary {
    /// Builds groups from a MyThes `.dat` file: each headword is replaced by a synonym of its
    /// first (most common) sense; generic, related and antonym terms are not synonyms.
    pub fn from_mythes(dat: &str) -> Self {
        let mut d = Dictionary::default();
        let mut lines = dat.lines().skip(1);
        while let Some(head) = lines.next() {
            let Some((word, n)) = head.split_once('|') else {
                continue;
            };
            let n: usize = n.trim().parse().unwrap_or(0);
            let senses: Vec<&str> = (0..n).filter_map(|_| lines.next()).collect();
            let word = word.to_lowercase();
            if !word.chars().all(|c| c.is_ascii_lowercase() || c == ' ') {
                continue;
            }
            let Some(first) = senses.first() else {
                continue;
            };
            let members: Vec<String> = first
                .split('|')
                .skip(1)
                .filter(|m| !m.contains("term)") && !m.contains("(antonym)"))
                .map(|m| m.trim().to_lowercase())
                .filter(|m| {
                    *m != word
                        && m.chars()
                            .all(|c| c.is_ascii_lowercase() || c == ' ' || c == '-')
                })
                .collect();
            if !members.is_empty() {
                d.longest = d.longest.max(word.split(' ').count());
                d.groups.insert(word, members);
            }
        }
        d
    }

    /// Closed synonym groups, as a deployed spinner's table holds them (`{house|home|residence}`):
    /// every member may replace every other, so the spun word says which group it came from
    /// but not which member was the original. Built from MyThes first senses, headwords in
    /// descending `log_freq` order; each word joins the first group that claims it, and a group
    /// keeps at most `max_members` words (hand-made tables are short).
    pub fn from_mythes_groups(
        dat: &str,
        max_members: usize,
        log_freq: impl Fn(&str) -> f64,
    ) -> Self {
        let senses = Dictionary::from_mythes(dat);
        let mut heads: Vec<(&String, &Vec<String>)> = senses.groups.iter().collect();
        let freq: HashMap<&str, f64> = heads
            .iter()
            .map(|(h, _)| (h.as_str(), log_freq(h)))
            .collect();
        heads.sort_by(|a, b| {
            freq[b.0.as_str()]
                .total_cmp(&freq[a.0.as_str()])
                .then_with(|| a.0.cmp(b.0))
        });
        let mut claimed: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut d = Dictionary::default();
        for (head, members) in heads {
            if claimed.contains(head.as_str()) {
                continue;
            }
            let group: Vec<&String> = std::iter::once(head)
                .chain(members.iter().filter(|m| !claimed.contains(m.as_str())))
                .take(max_members)
                .collect();
            if group.len() < 2 {
                continue;
            }
            for &m in &group {
                claimed.insert(m.as_str());
                d.longest = d.longest.max(m.split(' ').count());
                let others = group
                    .iter()
                    .filter(|o| **o != m)
                    .map(|o| (*o).clone())
                    .collect();
                d.groups.insert(m.clone(), others);
            }
        }
        d
    }

    /// Groups read forward from a model's reverse lexicon: every phrase whose edge `keep`
    /// accepts becomes a replacement of its original. With every edge this is the restorer's
    /// own dictionary (the in-dictionary, closed-loop case); with WordNet edges alone, taken
    /// across all senses, it is the naive-WordNet spinner ("he" -> "helium").
    pub fn from_lexicon(lex: &unspin_core::lexicon::Lexicon, keep: impl Fn(u8) -> bool) -> Self {
        let mut d = Dictionary::default();
        for spun in 0..lex.len() as u32 {
            for e in lex.originals(spun) {
                if !keep(e.sources) {
                    continue;
                }
                let original = lex.phrase(e.original);
                d.longest = d.longest.max(original.split(' ').count());
                d.groups
                    .entry(original.to_owned())
                    .or_default()
                    .push(lex.phrase(spun).to_owned());
            }
        }
        d
    }
}

impl Dictionary {
    /// Makes the table one kept by lemma, as deployed spinners' are: an inflected form of a
    /// one-word key is spun with the key's choice, put into the same form ("sold" ->
    /// "promoted" when "sell" -> "promote"; plurals inflect a member's last word, the other
    /// forms its first). A member that has no such form leaves the word as written. Forms
    /// that are keys in their own right keep their own group.
    pub fn inflect(&mut self, morph: &Morphology) {
        for form in Form::ALL {
            for m in self.groups.values().flatten() {
                let mut words: Vec<&str> = m.split(' ').collect();
                let at = form.carrier(words.len());
                if let Some(w) = morph.attested(words[at], form) {
                    words[at] = w;
                    self.member_forms.insert((m.clone(), form), words.join(" "));
                }
            }
            // In key order: where two keys share a form ("lay" of "lie" and "lay"), the first
            // claims it, the same in every run.
            let mut keys: Vec<&String> = self.groups.keys().filter(|k| !k.contains(' ')).collect();
            keys.sort();
            for key in keys {
                let Some(surface) = morph.attested(key, form) else {
                    continue;
                };
                if surface != key && !self.groups.contains_key(surface) {
                    self.inflected_keys
                        .entry(surface.to_owned())
                        .or_insert_with(|| (key.clone(), form));
                }
            }
        }
    }

    /// Records the natural-log frequency of every member, for spinners that prefer readable
    /// (common) replacements.
    pub fn weigh(&mut self, log_freq: impl Fn(&str) -> f64) {
        for members in self.groups.values() {
            for m in members {
                if !self.log_freq.contains_key(m) {
                    self.log_freq.insert(m.clone(), log_freq(m));
                }
            }
        }
    }
}

/// Spins texts with a dictionary at a substitution rate.
pub struct Spinner<'d> {
    dict: &'d Dictionary,
    /// Share of matched phrase types that are replaced.
    pub rate: f64,
    /// Seed for every random choice.
    pub seed: u64,
    /// Share of replacements that are replaced again when the replacement is itself in the
    /// dictionary (spinners apply their groups in turn: "said" -> "stated" -> "acknowledged").
    pub chain: f64,
    /// How strongly the spinner prefers common replacements: a member is picked with weight
    /// `frequency^readable` (0 = uniformly, as a naive table does; deployed spinners' tables
    /// are written for readers and mostly hold everyday words).
    pub readable: f64,
    /// Share of replacements left as a raw template `{replacement|original}`, as broken
    /// spinners leave them.
    pub spintax: f64,
}

fn hash(seed: u64, s: &str, salt: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(
        s.as_bytes(),
        seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15),
    )
}

impl<'d> Spinner<'d> {
    /// A spinner at `rate` with `seed`.
    pub fn new(dict: &'d Dictionary, rate: f64, seed: u64) -> Self {
        Spinner {
            dict,
            rate,
            seed,
            chain: 0.0,
            spintax: 0.0,
            readable: 0.0,
        }
    }

    fn roll(&self, key: &str, salt: u64) -> f64 {
        (hash(self.seed, key, salt) % 1_000_000) as f64 / 1_000_000.0
    }

    fn choose(&self, key: &str) -> Option<String> {
        if !self.dict.groups.contains_key(key) {
            // A form of a key: the lemma's choice, in the form (see `Dictionary::inflect`).
            let (lemma, form) = self.dict.inflected_keys.get(key)?;
            // A leftover template would show the lemma, not the form: left as written.
            let chosen = self.choose(lemma).filter(|c| !c.starts_with('{'))?;
            return self.dict.member_forms.get(&(chosen, *form)).cloned();
        }
        let pick = |k: &str| -> Option<&'d str> {
            let members = self.dict.groups.get(k)?;
            if self.readable == 0.0 {
                return Some(&members[(hash(self.seed, k, 2) % members.len() as u64) as usize]);
            }
            let weights: Vec<f64> = members
                .iter()
                .map(|m| {
                    let lf = self.dict.log_freq.get(m).copied().unwrap_or(-20.0);
                    (self.readable * lf).exp()
                })
                .collect();
            let total: f64 = weights.iter().sum();
            let mut target = self.roll(k, 2) * total;
            for (m, w) in members.iter().zip(&weights) {
                if target < *w {
                    return Some(m);
                }
                target -= w;
            }
            members.last().map(String::as_str)
        };
        if self.roll(key, 1) >= self.rate {
            return None;
        }
        let mut rep = pick(key)?;
        if self.roll(key, 3) < self.chain {
            if let Some(next) = pick(rep).filter(|n| *n != key) {
                rep = next;
            }
        }
        if self.roll(key, 4) < self.spintax {
            return Some(format!("{{{rep}|{key}}}"));
        }
        Some(rep.to_owned())
    }

    /// Spins `input`; returns the spun text and how many words were replaced.
    pub fn spin(&self, input: &str) -> (String, usize) {
        let tokens = text::tokenize(input);
        // Word tokens with whether the gap before them is a single plain space.
        let words: Vec<usize> = (0..tokens.len())
            .filter(|&i| tokens[i].kind == TokenKind::Word)
            .collect();
        let mut out = String::with_capacity(input.len() + input.len() / 8);
        let mut at = 0usize;
        let mut replaced = 0;
        let mut w = 0;
        while w < words.len() {
            let mut done = false;
            for len in (1..=self.dict.longest.min(words.len() - w)).rev() {
                let span = &words[w..w + len];
                let contiguous = span.windows(2).all(|p| {
                    p[1] == p[0] + 2 && &input[tokens[p[0] + 1].start..tokens[p[0] + 1].end] == " "
                });
                if !contiguous {
                    continue;
                }
                let start = tokens[span[0]].start;
                let end = tokens[span[len - 1]].end;
                let key = text::normalise_word(&input[start..end]);
                if let Some(rep) = self.choose(&key) {
                    let first = &input[tokens[span[0]].start..tokens[span[0]].end];
                    let case = text::case_of(first);
                    let case = if case == Case::Mixed {
                        Case::Lower
                    } else {
                        case
                    };
                    out.push_str(&input[at..start]);
                    out.push_str(&text::apply_case(&rep, case, false));
                    at = end;
                    replaced += len;
                    w += len;
                    done = true;
                    break;
                }
            }
            if !done {
                w += 1;
            }
        }
        out.push_str(&input[at..]);
        (out, replaced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_every_occurrence_alike_and_keeps_case() {
        let d = Dictionary::from_mythes("UTF-8\nwar|1\n(noun)|warfare|conflict (generic term)\n");
        let s = Spinner::new(&d, 1.0, 7);
        let (out, n) = s.spin("War is war. The war.");
        assert_eq!(out, "Warfare is warfare. The warfare.");
        assert_eq!(n, 3);
        let none = Spinner::new(&d, 0.0, 7);
        assert_eq!(none.spin("War is war.").0, "War is war.");
    }

    #[test]
    fn closed_groups_let_every_member_replace_every_other() {
        let dat = "UTF-8\nhouse|1\n(noun)|home|residence\nhome|1\n(noun)|abode|house\n";
        let d = Dictionary::from_mythes_groups(dat, 8, |w| if w == "house" { -5.0 } else { -9.0 });
        // "house" is commoner, so its sense makes the group and "home" cannot start another.
        let mut home = d.groups["home"].clone();
        home.sort();
        assert_eq!(home, ["house", "residence"]);
        assert!(!d.groups.contains_key("abode"));
        assert_eq!(d.groups["residence"].len(), 2);
    }

    #[test]
    fn chains_and_leaves_spintax_when_asked() {
        let d = Dictionary::from_mythes(
            "UTF-8\nsaid|1\n(verb)|stated\nstated|1\n(verb)|acknowledged\n",
        );
        let mut s = Spinner::new(&d, 1.0, 7);
        s.chain = 1.0;
        assert_eq!(s.spin("he said").0, "he acknowledged");
        s.chain = 0.0;
        s.spintax = 1.0;
        assert_eq!(s.spin("he said").0, "he {stated|said}");
    }

    #[test]
    fn a_table_kept_by_lemma_spins_every_form_alike() {
        let mut d = Dictionary::from_mythes("UTF-8\nsell|1\n(verb)|promote\n");
        let morph = Morphology::parse(
            "sell,verb,sold,sold,selling,sells\npromote,verb,promoted,promoted,promoting,promotes\n",
            "",
        );
        let s = Spinner::new(&d, 1.0, 7);
        assert_eq!(
            s.spin("they sold it").0,
            "they sold it",
            "forms are not keys yet"
        );
        d.inflect(&morph);
        let s = Spinner::new(&d, 1.0, 7);
        assert_eq!(
            s.spin("Selling, they sold; he sells").0,
            "Promoting, they promoted; he promotes"
        );
    }
}
