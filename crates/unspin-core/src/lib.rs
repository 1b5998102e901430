//! The unspin engine: finds the words a synonym spinner changed and restores the original text.
//!
//! Data flow, one direction: text -> [`document`] (tokens from the [`language`], sentences,
//! and for every span of one to four words the candidate originals the model's
//! [`channel`]s propose, ranked and cached per phrase) -> [`check`] (is it spun: evidence
//! scored with the [`lm`] and the channels, calibrated to a probability) -> [`restore`]
//! (with that probability: [`decode`] searches each sentence's lattice, one original per
//! spun phrase per document, every change explained). [`Engine`] runs that flow over a
//! shared [`Model`] with one [`weights::Weights`]. [`learn`] fits a spinner's table
//! ([`spinner`]) from its output; [`fingerprint`] and [`wer`] serve tracing and scoring.
//!
//! The crate does no I/O except reading a model (or a spinner table) from a path or bytes.

pub mod candidates;
pub mod channel;
pub mod check;
pub mod container;
pub mod decode;
pub mod document;
pub mod engine;
pub mod fingerprint;
pub mod language;
pub mod learn;
pub mod lexicon;
pub mod lm;
pub mod model;
pub mod morph;
pub mod neighbours;
pub mod neural_check;
pub mod precomputed;
pub mod rescore;
pub mod restore;
pub mod spinner;
pub mod text;
pub mod vet;
pub mod weights;
pub mod wer;
pub mod word_pairs;

pub use container::ModelError;
pub use engine::{Analysis, AnalysisCounts, Engine};
pub use model::Model;
pub use weights::Weights;
