//! The detection experiments: clean articles and their spins by several simulated spinners,
//! scored by `check` and by the perplexity-only baseline.

use rayon::prelude::*;
use serde_json::{json, Value};
use unspin_core::lexicon::source;
use unspin_core::Engine;
use unspin_core::Model;

use crate::detect::{self, Scored};
use crate::spinner::{Dictionary, Spinner};

/// A simulated spinner.
struct Style<'d> {
    name: &'static str,
    /// Whether its dictionary is (part of) the restorer's own: a closed loop, reported apart.
    in_dictionary: bool,
    dict: &'d Dictionary,
    chain: f64,
    spintax: f64,
}

impl Style<'_> {
    fn spin(&self, text: &str, rate: f64, seed: u64) -> String {
        let mut s = Spinner::new(self.dict, rate, seed);
        s.chain = self.chain;
        s.spintax = self.spintax;
        s.spin(text).0
    }
}

/// The article itself and a short prefix of it (whole sentences up to about 80 words), so that
/// every length bucket is filled.
fn variants(doc: &str) -> Vec<String> {
    let mut out = vec![doc.to_owned()];
    let mut words = 0;
    let mut cut = None;
    for (i, ch) in doc.char_indices() {
        if ch.is_whitespace() {
            words += 1;
        }
        if matches!(ch, '.' | '!' | '?') && words >= 60 {
            cut = Some(i + 1);
            break;
        }
    }
    if let Some(cut) = cut {
        if cut < doc.len() {
            out.push(doc[..cut].to_owned());
        }
    }
    out
}

fn bucket(words: usize) -> &'static str {
    match words {
        0..100 => "<100",
        100..=300 => "100-300",
        _ => ">300",
    }
}

/// One document's two scores.
#[derive(Clone, Copy)]
struct Pair {
    check: f64,
    baseline: f64,
    words: usize,
    spun: bool,
}

/// Mean negative log-probability per word of `input` as written, under the language model
/// alone: the perplexity-only detector that `check` is compared against.
pub fn mean_surprisal(engine: &Engine, input: &str) -> f32 {
    use unspin_core::text::{normalise_word, tokenize, TokenKind};
    let model = engine.model();
    let lm = model.lm.as_ref();
    let (mut total, mut count) = (0.0f32, 0usize);
    let mut state = (None, lm.bos());
    for t in &tokenize(input) {
        let s = &input[t.start..t.end];
        match t.kind {
            TokenKind::Word | TokenKind::Number => {
                let words = model.lm_words(&normalise_word(s));
                let (lp, next) = lm.score_words(state, &words);
                total += lp;
                count += words.len();
                state = next;
            }
            TokenKind::Punct if matches!(s, "." | "!" | "?") => state = (None, lm.bos()),
            _ => {}
        }
    }
    if count == 0 {
        0.0
    } else {
        -total / count as f32
    }
}

fn score(r: &Engine, text: &str, spun: bool) -> Pair {
    let report = r.check(text);
    Pair {
        check: report.probability as f64,
        baseline: mean_surprisal(r, text) as f64,
        words: report.words,
        spun,
    }
}

fn metrics(items: &[Pair]) -> Value {
    let ours: Vec<Scored> = items
        .iter()
        .map(|p| Scored {
            score: p.check,
            spun: p.spun,
        })
        .collect();
    let base: Vec<Scored> = items
        .iter()
        .map(|p| Scored {
            score: p.baseline,
            spun: p.spun,
        })
        .collect();
    json!({
        "clean": items.iter().filter(|p| !p.spun).count(),
        "spun": items.iter().filter(|p| p.spun).count(),
        "auc": detect::auc(&ours),
        "tpr_at_1pct_fpr": detect::tpr_at_fpr(&ours, 0.01),
        "baseline_auc": detect::auc(&base),
        "baseline_tpr_at_1pct_fpr": detect::tpr_at_fpr(&base, 0.01),
    })
}

/// Scores of one article's experiments.
#[derive(Default)]
struct DocScores {
    clean: Vec<Pair>,
    by_style: Vec<Vec<Pair>>,
    by_rate: Vec<Vec<Pair>>,
    mixed: Vec<Scored>,
}

/// Rates of the TPR-vs-rate curve.
const RATES: [f64; 8] = [0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40];

/// The headline rate of the issue: 20% substitution.
const HEADLINE_RATE: f64 = 0.2;

/// Runs every detection experiment on `docs` and returns the report.
pub fn evaluate(
    r: &Engine,
    model: &Model,
    mythes: &Dictionary,
    docs: &[String],
    seed: u64,
) -> Value {
    let lexicon = Dictionary::from_lexicon(&model.lexicon, |_| true);
    let wordnet = Dictionary::from_lexicon(&model.lexicon, |s| s & source::WORDNET != 0);
    let styles = [
        Style {
            name: "mythes",
            in_dictionary: false,
            dict: mythes,
            chain: 0.0,
            spintax: 0.0,
        },
        Style {
            name: "mythes-chained-spintax",
            in_dictionary: false,
            dict: mythes,
            chain: 0.3,
            spintax: 0.03,
        },
        Style {
            name: "lexicon",
            in_dictionary: true,
            dict: &lexicon,
            chain: 0.0,
            spintax: 0.0,
        },
        Style {
            name: "naive-wordnet",
            in_dictionary: true,
            dict: &wordnet,
            chain: 0.0,
            spintax: 0.0,
        },
    ];

    let per_doc: Vec<DocScores> = docs
        .par_iter()
        .enumerate()
        .map(|(d, doc)| {
            let doc_seed = seed.wrapping_mul(1_000_003).wrapping_add(d as u64);
            let mut out = DocScores {
                by_style: vec![Vec::new(); styles.len()],
                by_rate: vec![Vec::new(); RATES.len()],
                ..DocScores::default()
            };
            for (v, text) in variants(doc).iter().enumerate() {
                let c = score(r, text, false);
                out.clean.push(c);
                out.mixed.push(Scored {
                    score: c.check,
                    spun: false,
                });
                for (si, style) in styles.iter().enumerate() {
                    out.by_style[si].push(score(
                        r,
                        &style.spin(text, HEADLINE_RATE, doc_seed),
                        true,
                    ));
                }
                let rate = RATES[d % RATES.len()];
                out.mixed.push(Scored {
                    score: score(r, &styles[0].spin(text, rate, doc_seed), true).check,
                    spun: true,
                });
                if v == 0 && c.words >= 200 {
                    for (ri, &rate) in RATES.iter().enumerate() {
                        out.by_rate[ri].push(score(r, &styles[0].spin(text, rate, doc_seed), true));
                    }
                }
            }
            out
        })
        .collect();
    // Clean documents; per style at the headline rate (every variant); the out-of-dictionary
    // style at each rate (full articles of >= 200 words); and the calibration mix (each clean
    // document and one spin at a rate cycling through RATES).
    let mut clean: Vec<Pair> = Vec::new();
    let mut by_style: Vec<Vec<Pair>> = vec![Vec::new(); styles.len()];
    let mut by_rate: Vec<Vec<Pair>> = vec![Vec::new(); RATES.len()];
    let mut mixed: Vec<Scored> = Vec::new();
    for d in per_doc {
        clean.extend(d.clean);
        mixed.extend(d.mixed);
        for (all, one) in by_style.iter_mut().zip(d.by_style) {
            all.extend(one);
        }
        for (all, one) in by_rate.iter_mut().zip(d.by_rate) {
            all.extend(one);
        }
    }
    let long_clean: Vec<Pair> = clean.iter().filter(|p| p.words >= 200).copied().collect();
    let with_clean = |spun: &[Pair], keep: &dyn Fn(&Pair) -> bool| -> Vec<Pair> {
        clean
            .iter()
            .chain(spun)
            .filter(|p| keep(p))
            .copied()
            .collect()
    };
    let style_rows: Vec<Value> = styles
        .iter()
        .zip(&by_style)
        .map(|(s, spun)| {
            let mut m = metrics(&with_clean(spun, &|p| p.words >= 200));
            m["style"] = json!(s.name);
            m["in_dictionary"] = json!(s.in_dictionary);
            m["rate"] = json!(HEADLINE_RATE);
            m["min_words"] = json!(200);
            m
        })
        .collect();
    let bucket_rows: Vec<Value> = ["<100", "100-300", ">300"]
        .iter()
        .map(|b| {
            let mut m = metrics(&with_clean(&by_style[0], &|p| bucket(p.words) == *b));
            m["bucket"] = json!(b);
            m
        })
        .collect();
    let rate_rows: Vec<Value> = RATES
        .iter()
        .zip(&by_rate)
        .map(|(rate, spun)| {
            let items: Vec<Pair> = long_clean.iter().chain(spun).copied().collect();
            let mut m = metrics(&items);
            m["rate"] = json!(rate);
            m
        })
        .collect();
    let headline = style_rows[0].clone();
    json!({
        "documents": docs.len(),
        "seed": seed,
        "headline": headline,
        "styles": style_rows,
        "length_buckets": bucket_rows,
        "rate_curve": rate_rows,
        "reliability": detect::reliability(&mixed),
    })
}

/// Fits the check calibration on `docs`: each clean variant against a spin of it by the
/// out-of-dictionary spinner at a rate cycling through 5%..40%; `clean` texts (other
/// registers: the Brown corpus's learned, government and hobby prose) are further clean
/// examples, so that formal and technical writing is not taken for a spinner's, as news
/// alone teaches.
pub fn fit(r: &Engine, mythes: &Dictionary, docs: &[String], clean: &[String], seed: u64) -> Value {
    let examples: Vec<(Vec<f64>, bool)> = synthetic_rows(r, mythes, docs, seed)
        .into_iter()
        .chain(
            clean
                .par_iter()
                .map(|t| (feature_row(r, t), false))
                .collect::<Vec<_>>(),
        )
        .collect();
    let (xs, ys): (Vec<Vec<f64>>, Vec<bool>) = examples.into_iter().unzip();
    let (bias, weights) = detect::fit_logistic(&xs, &ys);
    json!({"style": "mythes-chained-spintax", "examples": xs.len(), "other_clean": clean.len(),
        "bias": bias, "weights": weights})
}

/// Check's calibrated features of `text` (see [`unspin_core::check::Features::to_vec`]).
pub fn feature_row(r: &Engine, text: &str) -> Vec<f64> {
    r.check(text)
        .features
        .to_vec()
        .iter()
        .map(|&x| f64::from(x))
        .collect()
}

/// The calibration's synthetic examples: each variant of each of `docs` as written (clean)
/// and spun by the out-of-dictionary spinner at a rate cycling through 5%..40% (spun), as
/// feature rows of `r`'s check.
pub fn synthetic_rows(
    r: &Engine,
    mythes: &Dictionary,
    docs: &[String],
    seed: u64,
) -> Vec<(Vec<f64>, bool)> {
    let style = Style {
        name: "mythes-chained-spintax",
        in_dictionary: false,
        dict: mythes,
        chain: 0.3,
        spintax: 0.03,
    };
    docs.par_iter()
        .enumerate()
        .flat_map_iter(|(d, doc)| {
            let doc_seed = seed.wrapping_mul(1_000_003).wrapping_add(d as u64);
            let rate = RATES[d % RATES.len()];
            let mut out = Vec::new();
            for text in variants(doc) {
                let spun = style.spin(&text, rate, doc_seed);
                for (t, is_spun) in [(text, false), (spun, true)] {
                    out.push((feature_row(r, &t), is_spun));
                }
            }
            out
        })
        .collect()
}
