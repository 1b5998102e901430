//! The unspin engine: finds the words a synonym spinner changed and restores the original text.
//!
//! Data flow: [`text::tokenize`] splits the input into tokens with byte offsets;
//! [`candidates`] proposes, for each span of one to four words, the originals a spinner could
//! have replaced (reverse thesaurus look-up, re-inflected, plus contractions, numbers and stray
//! spintax); [`decode`] searches the lattice of those candidates with the trigram
//! [`lm::LanguageModel`] and a channel model, keeping one original per spun phrase per document;
//! [`restore`] turns the chosen path into text and an explained list of changes. [`wer`] scores
//! a restoration against the original.
//!
//! The crate does no I/O except reading a model from a path or a byte slice.

pub mod candidates;
pub mod check;
pub mod container;
pub mod decode;
pub mod fingerprint;
pub mod learn;
pub mod lexicon;
pub mod lm;
pub mod morph;
pub mod restore;
pub mod spinner;
pub mod text;
pub mod wer;

use container::Sections;
use lexicon::Lexicon;
use lm::LanguageModel;

/// Why a model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The bytes do not start with the unspin model magic.
    #[error("not an unspin model file (bad magic)")]
    NotAModel,
    /// The file was written by another format version.
    #[error("model format version {found}, this build reads version {expected}")]
    Version {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// The file is damaged or inconsistent.
    #[error("corrupt model: {0}")]
    Corrupt(String),
    /// The file could not be read.
    #[error("cannot read model: {0}")]
    Io(#[from] std::io::Error),
}

/// A loaded model: language model plus reverse synonym lexicon.
pub struct Model {
    /// The trigram language model.
    pub lm: LanguageModel,
    /// The reverse synonym lexicon and morphology.
    pub lexicon: Lexicon,
    /// Learned spinner tables: the channel for the phrases they attest.
    pub spinners: spinner::SpinnerIndex,
}

impl Model {
    /// Builds a model from parsed sections.
    pub fn from_sections(s: &Sections) -> Result<Self, ModelError> {
        let lm = LanguageModel::from_sections(s)?;
        let mut lexicon = Lexicon::from_sections(s)?;
        lexicon.attach_lm(&lm);
        Ok(Model {
            lm,
            lexicon,
            spinners: spinner::SpinnerIndex::default(),
        })
    }

    /// Adds a learned spinner table to the channel. Add tables before creating a
    /// [`restore::Restorer`]: candidates are cached per phrase.
    pub fn add_spinner(&mut self, table: &spinner::SpinnerTable) {
        self.spinners.add(table);
    }

    /// Loads a model from the bytes of a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        Self::from_sections(&Sections::parse(bytes)?)
    }

    /// Loads a model file.
    pub fn open(path: &std::path::Path) -> Result<Self, ModelError> {
        Self::from_bytes(&std::fs::read(path)?)
    }
}
