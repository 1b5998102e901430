//! A loaded model: its manifest, language, language model, lexicon, channels and weights.
//!
//! A model file is a container of named sections ([`crate::container`]): `manifest` (JSON,
//! [`Manifest`]: the language and the components with their versions), `lm.*` (the trigram
//! model), `lex.*` (the reverse thesaurus and morphology) and optionally `weights` (JSON,
//! [`Weights`]). Files written before manifests existed read as English with the trigram
//! model and the thesaurus channel.

use serde::{Deserialize, Serialize};

use crate::channel::{Channel, ChannelInput, LearnedChannel, ThesaurusChannel};
use crate::container::{ModelError, SectionWriter, Sections};
use crate::language::{self, Language};
use crate::lexicon::Lexicon;
use crate::lm::{LanguageModel, LmWords, TrigramModel};
use crate::precomputed::PrecomputedCandidates;
use crate::spinner::SpinnerTable;
use crate::weights::Weights;

/// What a model file holds, as its `manifest` section says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The language's tag ([`crate::language::by_tag`]).
    pub language: String,
    /// The parts of the model, in load order.
    pub components: Vec<Component>,
}

/// One part of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// What it is: `language-model`, `lexicon` or `channel`.
    pub kind: String,
    /// Which one (`trigram`, `thesaurus`, `learned:<family>`).
    pub name: String,
    /// Version of its section layout.
    pub version: u32,
}

impl Manifest {
    /// The manifest's language, once every component is known to this build; an unknown
    /// language or component is refused by name (a newer model file, not a damaged one).
    pub fn language(&self) -> Result<Box<dyn Language>, ModelError> {
        for c in &self.components {
            let known =
                matches!(
                    (c.kind.as_str(), c.name.as_str(), c.version),
                    ("language-model", "trigram", 1)
                        | ("lexicon", "thesaurus", 1)
                        | ("channel", "thesaurus", 1)
                ) || (c.kind == "channel" && c.name.starts_with("learned:") && c.version == 1);
            if !known {
                return Err(ModelError::Corrupt(format!(
                    "manifest: component {} {} version {} is not known to this build",
                    c.kind, c.name, c.version
                )));
            }
        }
        language::by_tag(&self.language).ok_or_else(|| {
            ModelError::Corrupt(format!(
                "manifest: language {:?} is not known to this build",
                self.language
            ))
        })
    }

    /// Writes the manifest as the `manifest` section.
    pub fn write(&self, w: &mut SectionWriter) {
        w.bytes(
            "manifest",
            &serde_json::to_vec(self).expect("a manifest serialises"),
        );
    }

    /// The manifest of the default English model: the trigram model, the thesaurus lexicon
    /// and its channel (also what a file without a manifest is taken to hold).
    pub fn english() -> Self {
        let component = |kind: &str, name: &str| Component {
            kind: kind.to_owned(),
            name: name.to_owned(),
            version: 1,
        };
        Manifest {
            language: "en".to_owned(),
            components: vec![
                component("language-model", "trigram"),
                component("lexicon", "thesaurus"),
                component("channel", "thesaurus"),
            ],
        }
    }
}

/// A loaded model.
pub struct Model {
    /// What the file said it holds (plus the spinner tables added since).
    pub manifest: Manifest,
    /// The language's rules.
    pub language: Box<dyn Language>,
    /// The language model.
    pub lm: Box<dyn LanguageModel>,
    /// The reverse synonym lexicon and morphology.
    pub lexicon: Lexicon,
    /// Where candidates come from, asked in this order (learned tables ahead of the
    /// thesaurus).
    pub channels: Vec<Box<dyn Channel>>,
    /// The weights engines start from (the file's `weights` section, else the defaults).
    pub weights: Weights,
    /// Candidate lists of words and costly phrases computed when the program's image was
    /// prepared (`None` for any other file): see [`crate::precomputed`].
    pub precomputed: Option<PrecomputedCandidates>,
}

impl Model {
    /// Builds a model from parsed sections.
    pub fn from_sections(s: &Sections) -> Result<Self, ModelError> {
        let manifest = match s.get("manifest") {
            Some(bytes) => serde_json::from_slice(bytes)
                .map_err(|e| ModelError::Corrupt(format!("manifest: {e}")))?,
            None => Manifest::english(),
        };
        let language = manifest.language()?;
        let weights = match s.get("weights") {
            Some(bytes) => serde_json::from_slice(bytes)
                .map_err(|e| ModelError::Corrupt(format!("weights: {e}")))?,
            None => Weights::default(),
        };
        let lm = TrigramModel::from_sections(s)?;
        let lexicon = Lexicon::from_sections(s, &lm, language.as_ref())?;
        Ok(Model {
            manifest,
            language,
            lm: Box::new(lm),
            lexicon,
            channels: vec![Box::new(ThesaurusChannel)],
            weights,
            precomputed: PrecomputedCandidates::from_sections(s)?,
        })
    }

    /// Adds a learned spinner table to the learned channel (created ahead of the others on
    /// the first table). Add tables before creating an [`crate::Engine`]: candidates are
    /// cached per phrase.
    pub fn add_spinner(&mut self, table: &SpinnerTable) {
        self.manifest.components.push(Component {
            kind: "channel".to_owned(),
            name: format!("learned:{}", table.family),
            version: 1,
        });
        let first = self
            .channels
            .first_mut()
            .and_then(|c| (c.as_mut() as &mut dyn std::any::Any).downcast_mut::<LearnedChannel>());
        match first {
            Some(learned) => {
                learned.add(table, &self.lexicon.morph, self.language.verb_particles())
            }
            None => self.channels.insert(
                0,
                Box::new(LearnedChannel::new(
                    table,
                    &self.lexicon.morph,
                    self.language.verb_particles(),
                )),
            ),
        }
    }

    /// Copies the tables that every word and window of a text probes at random (the language
    /// model's word index and hash tables; the lexicon's phrase index and window filters and
    /// the morphology's index: about 110 MB for the default model) into 2 MiB pages where the
    /// system grants them ([`crate::container::Array::into_large_pages`]). For a process about
    /// to check or restore much text (a crawl, a large file, a learning run): it spends 40-50
    /// ms and the tables' size in memory once, and each look-up then misses the
    /// address-translation cache far less (check and restore ran 1.15-1.3x faster,
    /// BENCHMARKS.md "Large pages"). A run over one short text should not. Changes no result.
    pub fn move_tables_to_large_pages(&mut self) {
        self.lm.move_tables_to_large_pages();
        self.lexicon.move_tables_to_large_pages();
    }

    /// What the channels read.
    pub fn channel_input(&self) -> ChannelInput<'_> {
        ChannelInput {
            lexicon: &self.lexicon,
            lm: self.lm.as_ref(),
            language: self.language.as_ref(),
        }
    }

    /// Whether every word of a normalised phrase is known to the language model at least
    /// this likely (unigram natural-log probability, as
    /// [`crate::weights::Params::common_word_logprob`]): "in", "to", "more".
    pub fn is_common(&self, phrase: &str, floor: f32) -> bool {
        self.lm_words(phrase)
            .iter()
            .all(|w| w.is_some_and(|id| self.lm.unigram(id) >= floor))
    }

    /// LM tokens of a normalised phrase.
    pub fn lm_words(&self, phrase: &str) -> LmWords {
        crate::lm::lm_words(self.lm.as_ref(), self.language.as_ref(), phrase)
    }

    /// Loads a model from the bytes of a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        Self::from_sections(&Sections::parse(bytes)?)
    }

    /// Loads a model compiled into the program: a prepared image ([`Model::prepared_image`])
    /// is read in place, in milliseconds; a model file is read as by [`Model::from_bytes`].
    pub fn from_static(bytes: &'static [u8]) -> Result<Self, ModelError> {
        Self::from_sections(&Sections::parse_static(bytes)?)
    }

    /// The model file `file` as a prepared image: uncompressed, with what loading otherwise
    /// builds (indexes, the bigram table, the lexicon's language-model arrays, the
    /// morphology's arrays) stored beside the arrays, each section aligned, for
    /// [`Model::from_static`]. Checked here, once, by loading the file in full.
    pub fn prepared_image(file: &[u8]) -> Result<Vec<u8>, ModelError> {
        let s = Sections::parse(file)?;
        let model = Self::from_sections(&s)?;
        let lm = TrigramModel::from_sections(&s)?;
        let mut w = SectionWriter::default();
        // The file's own sections as they are (a file without a manifest or weights gets the
        // ones it is read with), then what loading derives from them.
        for (name, bytes) in s
            .iter()
            .filter(|(n, _)| !matches!(*n, "manifest" | "weights"))
        {
            w.bytes(name, bytes);
        }
        model.manifest.write(&mut w);
        w.bytes(
            "weights",
            &serde_json::to_vec(&model.weights).expect("weights serialise"),
        );
        lm.write_derived(&mut w);
        model.lexicon.write_derived(&mut w);
        model.precompute_candidates().write(&mut w);
        Ok(w.finish_uncompressed())
    }

    /// The thesaurus channel's candidate list of every one-word span the language model
    /// knows, and of every multi-word window whose list the candidate limit cuts, ranked with
    /// the model's own weights (see [`crate::precomputed`]).
    pub fn precompute_candidates(&self) -> PrecomputedCandidates {
        let language = self.language.as_ref();
        let windows = self.lexicon.multi_word_windows(crate::candidates::MAX_SPAN);
        let words: Vec<&str> = (0..self.lm.vocab_len())
            .map(|id| self.lm.word(id as crate::lm::WordId))
            .filter(|w| !w.is_empty() && language.normalise_word(w) == *w)
            .chain(windows.iter().map(String::as_str))
            .collect();
        let thesaurus = self
            .channels
            .iter()
            .position(|c| c.name() == "thesaurus")
            .expect("a model has the thesaurus channel");
        let input = self.channel_input();
        let channel = self.channels[thesaurus].as_ref();
        let limit = channel.limit(&self.weights);
        PrecomputedCandidates::build(&words, &self.weights, |phrase| {
            let slice: Vec<&str> = phrase.split(' ').collect();
            let list = crate::channel::ranked_candidates(
                &input,
                channel,
                thesaurus,
                &self.weights,
                &slice,
                phrase,
            );
            // Of the multi-word windows (about 265,000, 149,000 with a list), only those whose
            // list the limit cut are kept (about 12,000): they reach hundreds of re-inflected
            // originals ("taken up", "passed over") and took three quarters of the time spent
            // on multi-word windows (the 1 MB bench); the rest are cheap to compute and would
            // add 20 MB to the image.
            if slice.len() > 1 && Some(list.len()) != limit {
                return Vec::new();
            }
            list
        })
    }

    /// Loads a model file.
    pub fn open(path: &std::path::Path) -> Result<Self, ModelError> {
        Self::from_bytes(&std::fs::read(path)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_names_what_this_build_cannot_read() {
        let english = Manifest::english();
        assert_eq!(english.language().unwrap().tag(), "en");
        let mut other = english.clone();
        other.language = "xx".into();
        let err = other.language().err().unwrap().to_string();
        assert!(err.contains("\"xx\""), "{err}");
        let mut newer = english.clone();
        newer.components[0].version = 2;
        let err = newer.language().err().unwrap().to_string();
        assert!(err.contains("language-model trigram version 2"), "{err}");
        let back: Manifest =
            serde_json::from_slice(&serde_json::to_vec(&english).unwrap()).unwrap();
        assert_eq!(back, english);
    }
}
