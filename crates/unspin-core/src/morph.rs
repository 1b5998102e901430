//! Inflection: finding the lemma and form of a spun word, and putting an original into the same
//! form ("officers" -> officer + plural; official + plural -> "officials").

use std::collections::HashMap;

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

/// Lemma and inflection tables.
#[derive(Default)]
pub struct Morphology {
    /// surface form -> (lemma, form)
    analyses: HashMap<String, Vec<(String, Form)>>,
    /// (lemma, form) -> surface form (first listed spelling)
    forms: HashMap<(String, Form), String>,
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

impl Morphology {
    /// Parses lemminflect-style lines (`lemma,pos,form,...`, alternatives split by `/`, an empty
    /// participle meaning "same as past") and WordNet exception lines (`form lemma pos`).
    pub fn parse(inflections: &str, exceptions: &str) -> Self {
        let mut m = Morphology::default();
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

    /// The (lemma, form) readings of an inflected word; empty for base forms and unknown words.
    pub fn analyse(&self, word: &str) -> &[(String, Form)] {
        self.analyses.get(word).map(Vec::as_slice).unwrap_or(&[])
    }

    /// `lemma` put into `form` when the table attests that form of that lemma.
    pub fn attested(&self, lemma: &str, form: Form) -> Option<&str> {
        self.forms
            .get(&(lemma.to_owned(), form))
            .map(String::as_str)
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
        assert_eq!(m.analyse("came"), &[("come".to_string(), Form::Past)]);
        assert_eq!(m.attested("come", Form::Past), Some("came"));
        assert_eq!(m.attested("fast", Form::Participle), Some("fasted"));
        assert_eq!(
            m.attested("officer", Form::Past),
            None,
            "a noun has no past tense"
        );
        assert_eq!(m.analyse("mice"), &[("mouse".to_string(), Form::Plural)]);
        assert!(
            m.analyse("war").is_empty(),
            "a base form has no inflected reading"
        );
    }
}
