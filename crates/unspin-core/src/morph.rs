//! Inflection: finding the lemma and form of a spun word, and putting an original into the same
//! form ("officers" -> officer + plural; official + plural -> "officials").

use std::collections::HashMap;

use crate::container::{
    Array, Delimited, ModelError, SectionWriter, Sections, StringIndex, StringTable,
};

/// A grammatical form a lemma can be inflected into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// Plural noun.
    Plural,
    /// Past tense.
    Past,
    /// Past participle.
    Participle,
    /// Present participle / gerund.
    Gerund,
    /// Third person singular present.
    ThirdPerson,
    /// Comparative adjective or adverb.
    Comparative,
    /// Superlative adjective or adverb.
    Superlative,
}

impl Form {
    /// Every form, in code order.
    pub const ALL: [Form; 7] = [
        Form::Plural,
        Form::Past,
        Form::Participle,
        Form::Gerund,
        Form::ThirdPerson,
        Form::Comparative,
        Form::Superlative,
    ];

    /// Which word of an `n`-word phrase carries this form: the last for a plural ("press
    /// releases"), the first otherwise ("succeeded in", "made an attempt").
    pub fn carrier(self, n: usize) -> usize {
        if self == Form::Plural {
            n - 1
        } else {
            0
        }
    }

    /// Whether this is one of a verb's forms.
    fn is_verbal(self) -> bool {
        matches!(
            self,
            Form::Past | Form::Participle | Form::Gerund | Form::ThirdPerson
        )
    }

    /// Whether the phrase `words` can take this form: a phrase of several words takes a
    /// verb's form only when its second word is one of `verb_particles` ("succeed in" ->
    /// "succeeded in"; never "press release" -> "pressed release", "have been" -> "has been").
    pub fn fits(self, words: &[&str], verb_particles: &[&str]) -> bool {
        !self.is_verbal() || words.len() == 1 || verb_particles.contains(&words[1])
    }

    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(code: u8) -> Option<Form> {
        Form::ALL.get(code as usize).copied()
    }
}

/// Lemma and inflection tables, stored as arrays over one sorted string list so that a
/// prepared image reads them in place (sections `morph.*`).
pub struct Morphology {
    /// Every lemma and surface form, sorted and unique; an entry's id is its index.
    strings: StringTable,
    /// String -> id (a hash index: a look-up is one hash and nearly always one comparison,
    /// where an fst walked a node per byte).
    index: StringIndex,
    /// `analysis_start[s]..analysis_start[s + 1]` are the readings of string `s` as an
    /// inflected form, in the order the tables list them.
    analysis_start: Array<u32>,
    /// Lemma id of each reading.
    analysis_lemma: Array<u32>,
    /// Form code of each reading.
    analysis_form: Array<u8>,
    /// `lemma id << 3 | form code`, sorted: the attested inflections.
    form_key: Array<u64>,
    /// Surface id of each attested inflection (the first listed spelling).
    form_surface: Array<u32>,
}

fn slots(pos: &str) -> &'static [Form] {
    match pos {
        "noun" => &[Form::Plural],
        "verb" => &[
            Form::Past,
            Form::Participle,
            Form::Gerund,
            Form::ThirdPerson,
        ],
        "adj" | "adv" => &[Form::Comparative, Form::Superlative],
        _ => &[],
    }
}

/// The tables as parsed from text, before they are laid out as arrays.
#[derive(Default)]
struct ParsedTables {
    /// surface form -> (lemma, form), in the order listed
    analyses: HashMap<String, Vec<(String, Form)>>,
    /// (lemma, form) -> surface form (first listed spelling)
    forms: HashMap<(String, Form), String>,
}

impl ParsedTables {
    fn parse(inflections: &str, exceptions: &str) -> Self {
        let mut m = ParsedTables::default();
        for line in inflections.lines() {
            let mut cols = line.split(',');
            let (Some(lemma), Some(pos)) = (cols.next(), cols.next()) else {
                continue;
            };
            let mut past = "";
            for (i, (slot, col)) in slots(pos).iter().zip(cols).enumerate() {
                let col = if col.is_empty() && *slot == Form::Participle {
                    past
                } else {
                    col
                };
                if i == 0 {
                    past = col;
                }
                for (k, surface) in col.split('/').filter(|s| !s.is_empty()).enumerate() {
                    if k == 0 {
                        m.forms
                            .entry((lemma.to_owned(), *slot))
                            .or_insert_with(|| surface.to_owned());
                    }
                    if surface != lemma {
                        m.add_analysis(surface, lemma, *slot);
                    }
                }
            }
        }
        for line in exceptions.lines() {
            let mut cols = line.split(' ');
            let (Some(surface), Some(lemma), Some(pos)) = (cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            if surface == lemma || m.analyses.contains_key(surface) {
                continue;
            }
            let form = match pos {
                "noun" => Form::Plural,
                "verb" => Form::Past,
                _ if surface.ends_with("est") => Form::Superlative,
                _ => Form::Comparative,
            };
            m.add_analysis(surface, lemma, form);
        }
        m
    }

    fn add_analysis(&mut self, surface: &str, lemma: &str, form: Form) {
        let v = self.analyses.entry(surface.to_owned()).or_default();
        if !v.iter().any(|(l, f)| l == lemma && *f == form) {
            v.push((lemma.to_owned(), form));
        }
    }
}

fn corrupt(what: &str) -> ModelError {
    ModelError::Corrupt(format!("morphology: {what}"))
}

impl Morphology {
    /// Parses lemminflect-style lines (`lemma,pos,form,...`, alternatives split by `/`, an empty
    /// participle meaning "same as past") and WordNet exception lines (`form lemma pos`).
    pub fn parse(inflections: &str, exceptions: &str) -> Self {
        let tables = ParsedTables::parse(inflections, exceptions);
        let mut strings: Vec<&str> = tables
            .analyses
            .iter()
            .flat_map(|(s, v)| std::iter::once(s.as_str()).chain(v.iter().map(|(l, _)| l.as_str())))
            .chain(
                tables
                    .forms
                    .iter()
                    .flat_map(|((l, _), s)| [l.as_str(), s.as_str()]),
            )
            .collect();
        strings.sort_unstable();
        strings.dedup();
        let id = |s: &str| strings.binary_search(&s).expect("every string is listed") as u32;
        let mut analysis_start = Vec::with_capacity(strings.len() + 1);
        let mut analysis_lemma = Vec::new();
        let mut analysis_form = Vec::new();
        for s in &strings {
            analysis_start.push(analysis_lemma.len() as u32);
            for (lemma, form) in tables.analyses.get(*s).map(Vec::as_slice).unwrap_or(&[]) {
                analysis_lemma.push(id(lemma));
                analysis_form.push(form.code());
            }
        }
        analysis_start.push(analysis_lemma.len() as u32);
        let mut forms: Vec<(u64, u32)> = tables
            .forms
            .iter()
            .map(|((lemma, form), surface)| {
                (
                    u64::from(id(lemma)) << 3 | u64::from(form.code()),
                    id(surface),
                )
            })
            .collect();
        forms.sort_unstable();
        let mut text = Vec::new();
        let mut ends = Vec::with_capacity(strings.len());
        for s in &strings {
            text.extend_from_slice(s.as_bytes());
            ends.push(text.len() as u32);
            text.push(b'\n');
        }
        let strings = StringTable::from_parts(text, ends);
        Morphology {
            index: StringIndex::build(&strings),
            strings,
            analysis_start: analysis_start.into(),
            analysis_lemma: analysis_lemma.into(),
            analysis_form: analysis_form.into(),
            form_key: forms.iter().map(|f| f.0).collect::<Vec<_>>().into(),
            form_surface: forms.iter().map(|f| f.1).collect::<Vec<_>>().into(),
        }
    }

    /// Reads the tables from a prepared image's `morph.*` sections, or, when the file has none,
    /// parses the `lex.inflections` and `lex.exceptions` text.
    pub fn from_sections(s: &Sections) -> Result<Self, ModelError> {
        if s.prepared("morph.index").is_none() {
            let text = |name: &str| {
                std::str::from_utf8(s.bytes(name)?)
                    .map_err(|_| corrupt(&format!("{name} is not UTF-8")))
            };
            return Ok(Self::parse(
                text("lex.inflections")?,
                text("lex.exceptions")?,
            ));
        }
        let m = Morphology {
            strings: StringTable::from_sections(
                s,
                "morph.strings",
                "morph.string_ends",
                Delimited::Terminated,
            )?,
            index: StringIndex::from_slots(s.array("morph.index")?)
                .ok_or_else(|| corrupt("index is not a power of two long"))?,
            analysis_start: s.array("morph.analysis_start")?,
            analysis_lemma: s.array("morph.analysis_lemma")?,
            analysis_form: s.array("morph.analysis_form")?,
            form_key: s.array("morph.form_key")?,
            form_surface: s.array("morph.form_surface")?,
        };
        let n = m.strings.len();
        let consistent = m.analysis_start.len() == n + 1
            && m.analysis_start.windows(2).all(|w| w[0] <= w[1])
            && m.analysis_start.last().map(|&l| l as usize) == Some(m.analysis_lemma.len())
            && m.analysis_form.len() == m.analysis_lemma.len()
            && m.analysis_lemma.iter().all(|&l| (l as usize) < n)
            && m.analysis_form
                .iter()
                .all(|&f| Form::from_code(f).is_some())
            && m.form_key.len() == m.form_surface.len()
            && m.form_surface.iter().all(|&l| (l as usize) < n);
        if !consistent {
            return Err(corrupt("arrays are inconsistent"));
        }
        Ok(m)
    }

    /// Writes the tables as `morph.*` sections (all derived from the `lex.inflections` and
    /// `lex.exceptions` text), for a prepared image.
    pub fn write_derived(&self, w: &mut SectionWriter) {
        self.strings.write(w, "morph.strings", "morph.string_ends");
        w.u64s("morph.index", self.index.slots());
        w.u32s("morph.analysis_start", &self.analysis_start);
        w.u32s("morph.analysis_lemma", &self.analysis_lemma);
        w.bytes("morph.analysis_form", &self.analysis_form);
        w.u64s("morph.form_key", &self.form_key);
        w.u32s("morph.form_surface", &self.form_surface);
    }

    /// Moves the string index, which every lemmatised word probes, into large pages (see
    /// [`crate::Model::move_tables_to_large_pages`]).
    pub fn move_tables_to_large_pages(&mut self) {
        self.index.move_to_large_pages();
    }

    /// The (lemma, form) readings of an inflected word; none for base forms and unknown words.
    pub fn analyse(&self, word: &str) -> impl Iterator<Item = (&str, Form)> + '_ {
        let range = match self.index.get(&self.strings, word) {
            Some(id) => {
                let id = id as usize;
                self.analysis_start[id] as usize..self.analysis_start[id + 1] as usize
            }
            None => 0..0,
        };
        range.filter_map(move |i| {
            Some((
                self.strings.get(self.analysis_lemma[i] as usize),
                Form::from_code(self.analysis_form[i])?,
            ))
        })
    }

    /// Each lemma's inflected forms (the surfaces with a reading of that lemma), in the order of
    /// [`Morphology::readings`].
    pub fn forms_by_lemma(&self) -> std::collections::HashMap<&str, Vec<&str>> {
        let mut forms: std::collections::HashMap<&str, Vec<&str>> = Default::default();
        for (surface, lemma) in self.readings() {
            forms.entry(lemma).or_default().push(surface);
        }
        forms
    }

    /// Every (surface, lemma) reading the tables list, as [`Morphology::analyse`] gives them
    /// word by word.
    pub fn readings(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        (0..self.strings.len()).flat_map(move |s| {
            let surface = self.strings.get(s);
            self.analyse(surface)
                .map(move |(lemma, _)| (surface, lemma))
        })
    }

    /// Every word with a reading whose lemma has a space in it ("cannot" as "can not"):
    /// lemmatising such a word changes the number of words of a phrase.
    pub fn words_with_spaced_lemmas(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.strings.len()).filter_map(move |s| {
            let (lo, hi) = (
                self.analysis_start[s] as usize,
                self.analysis_start[s + 1] as usize,
            );
            self.analysis_lemma[lo..hi]
                .iter()
                .any(|&l| self.strings.get(l as usize).contains(' '))
                .then(|| self.strings.get(s))
        })
    }

    /// `lemma` put into `form` when the table attests that form of that lemma.
    pub fn attested(&self, lemma: &str, form: Form) -> Option<&str> {
        self.attested_by_id(self.id(lemma)?, form)
    }

    /// The id of a lemma or surface form the tables list ([`Morphology::attested_by_id`]).
    pub fn id(&self, word: &str) -> Option<u32> {
        self.index.get(&self.strings, word)
    }

    /// [`Morphology::attested`] for the lemma with id `lemma`.
    pub fn attested_by_id(&self, lemma: u32, form: Form) -> Option<&str> {
        let key = u64::from(lemma) << 3 | u64::from(form.code());
        let at = self.form_key.binary_search(&key).ok()?;
        Some(self.strings.get(self.form_surface[at] as usize))
    }

    /// Number of lemmas and surface forms listed.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Whether the tables list no word.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Morphology {
        Morphology::parse(
            "come,verb,came,come,coming,comes\nofficer,noun,officers\nfast,verb,fasted,,fasting,fasts\nwar,noun,wars/war\n",
            "mice mouse noun\n",
        )
    }

    #[test]
    fn analyses_and_inflects_from_tables() {
        let m = sample();
        let readings = |w| m.analyse(w).collect::<Vec<_>>();
        assert_eq!(readings("came"), [("come", Form::Past)]);
        assert_eq!(m.attested("come", Form::Past), Some("came"));
        assert_eq!(m.attested("fast", Form::Participle), Some("fasted"));
        assert_eq!(
            m.attested("officer", Form::Past),
            None,
            "a noun has no past tense"
        );
        assert_eq!(readings("mice"), [("mouse", Form::Plural)]);
        assert!(
            readings("war").is_empty(),
            "a base form has no inflected reading"
        );
    }
}
