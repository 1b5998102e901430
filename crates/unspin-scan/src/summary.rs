//! The end-of-scan summary: counts, skips by reason, damaged records, the score histogram,
//! the sites with most spun pages, and families.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use unspin_core::check::Verdict;

use crate::analyse::Outcome;
use crate::families::{Family, FamilyBuilder, Member};
use crate::source::Locator;

/// Damaged records listed by location in the summary (all are counted).
const MALFORMED_LISTED: usize = 100;
/// Sites listed in the summary.
const SITES_LISTED: usize = 20;
/// Histogram bins over the spun probability.
const BINS: usize = 10;

/// A damaged record in the summary.
#[derive(Clone, Debug, Serialize)]
pub struct MalformedRecord {
    /// Where.
    #[serde(flatten)]
    pub at: Locator,
    /// What is wrong.
    pub error: String,
}

/// One bin of the score histogram.
#[derive(Clone, Debug, Serialize)]
pub struct Bin {
    /// Lower bound of the spun probability (inclusive).
    pub from: f32,
    /// Upper bound (exclusive; the last bin includes 1).
    pub to: f32,
    /// Documents in the bin.
    pub documents: u64,
}

/// A site and its pages.
#[derive(Clone, Debug, Serialize)]
pub struct SiteCount {
    /// Host without `www.`.
    pub site: String,
    /// Spun pages.
    pub spun: u64,
    /// Pages checked.
    pub documents: u64,
}

/// What a scan found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Records read (documents, skipped and damaged).
    pub records: u64,
    /// Documents checked.
    pub documents: u64,
    /// Judged spun.
    pub spun: u64,
    /// Judged clean.
    pub clean: u64,
    /// Too short to judge.
    pub too_short: u64,
    /// Spun share of the documents long enough to judge.
    pub spun_share: f64,
    /// Records skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Damaged records and unreadable inputs.
    pub malformed: u64,
    /// The first damaged records, with their location.
    pub malformed_records: Vec<MalformedRecord>,
    /// Documents by spun probability.
    pub histogram: Vec<Bin>,
    /// Sites with most spun pages.
    pub top_sites: Vec<SiteCount>,
    /// Groups of spun copies of one article.
    pub families: Vec<Family>,
    /// Input bytes read.
    pub bytes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Whether the scan was interrupted before the end of its inputs.
    pub interrupted: bool,
}

/// Accumulates outcomes into a [`Summary`].
pub struct SummaryBuilder {
    summary: Summary,
    bins: [u64; BINS],
    sites: HashMap<String, (u64, u64)>,
    families: FamilyBuilder,
}

impl Default for SummaryBuilder {
    fn default() -> Self {
        SummaryBuilder {
            summary: Summary::default(),
            bins: [0; BINS],
            sites: HashMap::new(),
            families: FamilyBuilder::default(),
        }
    }
}

impl SummaryBuilder {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        let s = &mut self.summary;
        s.records += 1;
        match outcome {
            Outcome::Report(r) => {
                s.documents += 1;
                let spun = r.verdict == Verdict::Spun;
                match r.verdict {
                    Verdict::Spun => s.spun += 1,
                    Verdict::Clean => s.clean += 1,
                    Verdict::TooShort => s.too_short += 1,
                }
                if r.verdict != Verdict::TooShort {
                    let bin = ((r.spun_probability * BINS as f64) as usize).min(BINS - 1);
                    self.bins[bin] += 1;
                }
                if let Some(site) = &r.site {
                    let e = self.sites.entry(site.clone()).or_default();
                    e.0 += u64::from(spun);
                    e.1 += 1;
                }
                if spun {
                    let member = Member {
                        document: r.label(),
                        site: r.site.clone(),
                    };
                    let source = r.source.as_ref().map(|s| s.id.clone());
                    self.families.add(member, source, r.sketch.clone());
                }
            }
            Outcome::Skipped { reason, .. } => {
                *s.skipped.entry(reason.as_str().to_string()).or_default() += 1;
            }
            Outcome::Malformed { at, message } => {
                s.malformed += 1;
                if s.malformed_records.len() < MALFORMED_LISTED {
                    s.malformed_records.push(MalformedRecord {
                        at: at.clone(),
                        error: message.clone(),
                    });
                }
            }
        }
    }

    /// Records input bytes read.
    pub fn add_bytes(&mut self, bytes: u64) {
        self.summary.bytes += bytes;
    }

    /// Input bytes so far.
    pub fn bytes(&self) -> u64 {
        self.summary.bytes
    }

    /// Spun documents so far.
    pub fn spun(&self) -> u64 {
        self.summary.spun
    }

    /// Records so far.
    pub fn records(&self) -> u64 {
        self.summary.records
    }

    /// The summary, with families grouped.
    pub fn finish(self, seconds: f64, interrupted: bool) -> Summary {
        let mut s = self.summary;
        let judged = s.spun + s.clean;
        s.spun_share = if judged == 0 {
            0.0
        } else {
            s.spun as f64 / judged as f64
        };
        s.histogram = self
            .bins
            .iter()
            .enumerate()
            .map(|(i, &documents)| Bin {
                from: i as f32 / BINS as f32,
                to: (i + 1) as f32 / BINS as f32,
                documents,
            })
            .collect();
        let mut sites: Vec<SiteCount> = self
            .sites
            .into_iter()
            .filter(|(_, (spun, _))| *spun > 0)
            .map(|(site, (spun, documents))| SiteCount {
                site,
                spun,
                documents,
            })
            .collect();
        sites.sort_by(|a, b| b.spun.cmp(&a.spun).then_with(|| a.site.cmp(&b.site)));
        sites.truncate(SITES_LISTED);
        s.top_sites = sites;
        s.families = self.families.build();
        s.seconds = (seconds * 1000.0).round() / 1000.0;
        s.interrupted = interrupted;
        s
    }
}

impl Summary {
    /// A few lines for a person reading the terminal.
    pub fn human(&self) -> String {
        let mut out = format!(
            "{} records, {} documents checked: {} spun ({:.1}%), {} clean, {} too short; {:.1} MB in {:.1} s\n",
            self.records,
            self.documents,
            self.spun,
            100.0 * self.spun_share,
            self.clean,
            self.too_short,
            self.bytes as f64 / 1e6,
            self.seconds
        );
        if !self.skipped.is_empty() {
            let parts: Vec<String> = self
                .skipped
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect();
            out.push_str(&format!("skipped: {}\n", parts.join(", ")));
        }
        if self.malformed > 0 {
            out.push_str(&format!("damaged or unreadable: {}\n", self.malformed));
            for m in self.malformed_records.iter().take(5) {
                out.push_str(&format!("  {}: {}\n", m.at, m.error));
            }
        }
        for s in self.top_sites.iter().take(5) {
            out.push_str(&format!(
                "site {}: {} of {} pages spun\n",
                s.site, s.spun, s.documents
            ));
        }
        if !self.families.is_empty() {
            let copies: usize = self.families.iter().map(|f| f.size).sum();
            out.push_str(&format!(
                "{} families of copies ({copies} copies)\n",
                self.families.len()
            ));
        }
        if self.interrupted {
            out.push_str("interrupted: the results above cover what was read before the stop\n");
        }
        out
    }
}
