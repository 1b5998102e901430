//! One record in, one outcome out: extraction, language, check, and for spun pages (or any
//! page when an index is loaded) restoration, the family sketch and the source.

use serde::Serialize;
use unspin_core::check::Verdict;
use unspin_core::fingerprint;
use unspin_core::Engine;
use unspin_index::Index;

use crate::extract;
use crate::families::sketch;
use crate::source::{Body, Item, Locator, RawDocument, SkipReason};

/// Evidence shown per document: the strongest few phrases.
const EVIDENCE_SHOWN: usize = 3;

/// A trace result below this score is no source: unrelated articles share a few common
/// word triples (score <= 0.02 in the trace benchmarks), real sources of spun copies score
/// 0.3 and more.
pub const MIN_SOURCE_SCORE: f64 = 0.1;

/// One spun phrase as shown in scan results.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceBrief {
    /// The phrase as written.
    pub spun: String,
    /// The likely original.
    pub original: String,
    /// How strongly it points at spinning (nats).
    pub gain: f64,
}

/// The best source of a document in the index.
#[derive(Clone, Debug, Serialize)]
pub struct SourceBrief {
    /// Its id in the index.
    pub id: String,
    /// Its URL, if the index has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Share of the document's shingles found in the source.
    pub score: f64,
    /// Share of the document's words inside aligned passages.
    pub coverage: f64,
    /// Share of the aligned words that differ from the source (when the source was close
    /// enough to follow; see `unspin_index::follow`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewritten_share: Option<f64>,
}

/// The result for one checked document: one JSON line of `scan`.
#[derive(Clone, Debug, Serialize)]
pub struct DocumentReport {
    /// Where the record was read.
    #[serde(flatten)]
    pub at: Locator,
    /// Its URL, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its id, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Host of the URL without `www.`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Page title, for HTML.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Words in the checked text.
    pub words: usize,
    /// Calibrated probability that the text was spun.
    pub spun_probability: f64,
    /// `spun`, `clean` or `too-short`.
    pub verdict: Verdict,
    /// The strongest evidence.
    pub evidence: Vec<EvidenceBrief>,
    /// The best source in the index (only with an index, and only above
    /// [`MIN_SOURCE_SCORE`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceBrief>,
    /// Bottom-k sketch of the restored text, for families (spun documents only).
    #[serde(skip)]
    pub sketch: Vec<u64>,
    /// Word pairs the document swapped against the source it follows (with an index; `scan
    /// --pairs-out`), words it inserted widened as [`unspin_index::trace::WordPair`] says.
    #[serde(skip)]
    pub pairs: Vec<unspin_index::trace::WordPair>,
}

impl DocumentReport {
    /// A short name for the document: URL, else id, else where it was read.
    pub fn label(&self) -> String {
        self.url
            .clone()
            .or_else(|| self.id.clone())
            .unwrap_or_else(|| self.at.to_string())
    }
}

/// What became of one record; serialises as one JSON line of `scan`.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// Checked.
    Report(Box<DocumentReport>),
    /// Counted, not checked.
    Skipped {
        /// Where it was read.
        #[serde(flatten)]
        at: Locator,
        /// Its URL, if known.
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// Why.
        #[serde(rename = "skipped")]
        reason: SkipReason,
        /// Detail (content type, language, record type).
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// Damaged or unreadable.
    Malformed {
        /// Where.
        #[serde(flatten)]
        at: Locator,
        /// What is wrong.
        #[serde(rename = "error")]
        message: String,
    },
}

impl Outcome {
    /// Where the record was read.
    pub fn at(&self) -> &Locator {
        match self {
            Outcome::Report(r) => &r.at,
            Outcome::Skipped { at, .. } | Outcome::Malformed { at, .. } => at,
        }
    }

    /// Its URL, if known.
    pub fn url(&self) -> Option<&str> {
        match self {
            Outcome::Report(r) => r.url.as_deref(),
            Outcome::Skipped { url, .. } => url.as_deref(),
            Outcome::Malformed { .. } => None,
        }
    }

    /// A short name for the record: URL, else id, else where it was read.
    pub fn label(&self) -> String {
        match self {
            Outcome::Report(r) => r.label(),
            other => other
                .url()
                .map_or_else(|| other.at().to_string(), str::to_string),
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The host of a URL, without a leading `www.`.
pub fn site_of(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

/// Turns records into outcomes. Shared by all worker threads.
pub struct Analyser<'a> {
    engine: &'a Engine,
    index: Option<&'a Index>,
}

impl<'a> Analyser<'a> {
    /// An analyser that checks with `engine`, restores what is spun (for family sketches)
    /// and, given an index, traces every document long enough to judge.
    pub fn new(engine: &'a Engine, index: Option<&'a Index>) -> Self {
        Analyser { engine, index }
    }

    /// The outcome of one record.
    pub fn analyse(&self, item: Item) -> Outcome {
        match item {
            Item::Document(doc) => self.document(doc),
            Item::Skipped {
                at,
                url,
                reason,
                detail,
            } => Outcome::Skipped {
                at,
                url,
                reason,
                detail,
            },
            Item::Malformed { at, message } => Outcome::Malformed { at, message },
        }
    }

    fn document(&self, doc: RawDocument) -> Outcome {
        let RawDocument {
            at,
            url,
            id,
            title,
            body,
        } = doc;
        let skip = |at, url, reason, detail| Outcome::Skipped {
            at,
            url,
            reason,
            detail,
        };
        let (title, text) = match body {
            Body::Text(text) => (title, text),
            Body::Html { bytes, charset } => {
                let html = extract::decode(&bytes, charset.as_deref());
                match extract::extract_html(&html, url.as_deref()) {
                    Some(e) => (e.title, e.text),
                    None => {
                        let detail = Some("no readable main text".to_string());
                        return skip(at, url, SkipReason::Empty, detail);
                    }
                }
            }
        };
        if text.trim().is_empty() {
            return skip(at, url, SkipReason::Empty, None);
        }
        if let Some(lang) = extract::language(&text) {
            if lang != "eng" {
                return skip(at, url, SkipReason::NotEnglish, Some(lang.to_string()));
            }
        }
        // Prepared and checked once; restored (when needed) from the same document with the
        // same report.
        let prepared = self.engine.prepare(&text);
        let check = self.engine.check_document(&prepared);
        let spun = check.verdict == Verdict::Spun;
        let mut report = DocumentReport {
            site: url.as_deref().and_then(site_of),
            at,
            url,
            id,
            title,
            words: check.words,
            spun_probability: (f64::from(check.probability) * 1000.0).round() / 1000.0,
            verdict: check.verdict,
            evidence: check
                .evidence
                .iter()
                .take(EVIDENCE_SHOWN)
                .map(|e| EvidenceBrief {
                    spun: e.spun.clone(),
                    original: e.original.clone(),
                    gain: (f64::from(e.gain) * 100.0).round() / 100.0,
                })
                .collect(),
            source: None,
            sketch: Vec::new(),
            pairs: Vec::new(),
        };
        let trace = self.index.is_some() && check.verdict != Verdict::TooShort;
        if spun || trace {
            let model = self.engine.restore_document(&prepared, Some(&check));
            // With an index the restored text is the followed one (the model's when the copy
            // is not spun); the check and the model's restoration move into `follow`.
            let restored = match self.index.filter(|_| trace) {
                None => model.text,
                Some(index) => match unspin_index::follow::follow(index, &text, check, model) {
                    Ok(followed) => {
                        // A copy that rewrote much of its source is spun whatever the model
                        // says (round-trip translations, sentence rewrites).
                        report.verdict = followed.check.verdict;
                        let share = followed.copy_of.as_ref().map(|c| round3(c.rewritten_share));
                        report.source = followed
                            .trace
                            .sources
                            .into_iter()
                            .take(1)
                            .find(|s| s.score >= MIN_SOURCE_SCORE)
                            .map(|s| SourceBrief {
                                id: s.id,
                                url: s.url,
                                score: round3(s.score),
                                coverage: round3(s.coverage),
                                rewritten_share: share,
                            });
                        report.pairs = followed.pairs;
                        followed.restoration.text
                    }
                    Err(e) => {
                        return Outcome::Malformed {
                            at: report.at,
                            message: format!("the index failed while tracing: {e}"),
                        }
                    }
                },
            };
            if report.verdict == Verdict::Spun {
                let words = fingerprint::words(&restored);
                report.sketch = sketch(&fingerprint::shingles(&words));
            }
        }
        Outcome::Report(Box::new(report))
    }
}
