//! Scan measurements: synthetic crawls (WARC files of news pages in several site templates,
//! some spun), main-text extraction quality against the known article text, throughput of
//! the scan stages side by side, and family grouping (purity and completeness).

use std::collections::HashMap;
use std::io::BufWriter;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use unspin_core::Engine;
use unspin_scan::source::{Body, Item, Locator, RawDocument};
use unspin_scan::{Analyser, JsonFields, Outcome};
use unspin_testkit::warc_writer::WarcWriter;

use crate::spinner::{Dictionary, Spinner};

/// Every article of the corpus (both halves), path order: (title, body).
pub fn corpus_articles(dir: &Path) -> Result<Vec<(String, String)>> {
    let paths = crate::corpus_paths(dir)?;
    paths
        .iter()
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(p)?).into_owned();
            let (title, body) = text.split_once('\n').unwrap_or(("", &text));
            Ok((title.trim().to_string(), body.trim().to_string()))
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty())
}

/// Number of page templates.
pub const TEMPLATES: usize = 4;

/// A web page around an article, in one of [`TEMPLATES`] site styles, with text-rich
/// boilerplate (menus, teasers quoting other articles, comments, cookie and newsletter
/// notices, scripts and styles) of the kind extractors must drop. `decoys` are other
/// articles whose first sentences fill the teasers and comments.
pub fn page(template: usize, title: &str, text: &str, decoys: &[&str]) -> String {
    let teaser = |i: usize| -> String {
        let d = decoys
            .get(i % decoys.len().max(1))
            .copied()
            .unwrap_or("More news");
        let first = paragraphs(d).nth(1).unwrap_or(d);
        escape(&first.chars().take(220).collect::<String>())
    };
    let body: String = paragraphs(text)
        .map(|p| format!("<p>{}</p>\n", escape(p)))
        .collect();
    let style = "<style>body{font-family:sans-serif;margin:0}.nav a{padding:4px}.ad{background:#eee}</style>\n\
                 <script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());</script>\n";
    let nav = "<nav class=\"nav\"><a href=\"/\">Home</a><a href=\"/news\">News</a><a href=\"/sport\">Sport</a>\
               <a href=\"/business\">Business</a><a href=\"/tech\">Technology</a><a href=\"/culture\">Culture</a>\
               <a href=\"/opinion\">Opinion</a><a href=\"/video\">Video</a></nav>\n";
    let title = escape(title);
    match template % TEMPLATES {
        0 => format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} - Daily News</title>{style}</head>\
             <body><header><div class=\"logo\">Daily News</div>{nav}</header>\
             <div class=\"breadcrumb\"><a href=\"/\">Home</a> &gt; <a href=\"/news\">News</a></div>\
             <main><article><h1>{title}</h1><div class=\"byline\">By Staff Reporter, 12 March 2025</div>\n{body}\
             <aside class=\"related\"><h3>Related stories</h3><ul><li><a href=\"/r1\">{}</a></li><li><a href=\"/r2\">{}</a></li></ul></aside>\
             </article></main>\
             <section class=\"most-read\"><h2>Most read</h2><ol><li><a href=\"/m1\">{}</a></li><li><a href=\"/m2\">{}</a></li><li><a href=\"/m3\">{}</a></li></ol></section>\
             <footer><p>Daily News is not responsible for the content of external sites. Read about our approach to external linking.</p>\
             <p>Copyright 2025 Daily News. All rights reserved.</p></footer></body></html>\n",
            teaser(0), teaser(1), teaser(2), teaser(3), teaser(4)
        ),
        1 => format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title} | My Blog</title>{style}</head>\
             <body><div id=\"top\">{nav}</div><div id=\"wrap\"><div class=\"post\"><h2 class=\"post-title\">{title}</h2>\
             <div class=\"post-meta\">Posted in <a href=\"/c/news\">News</a> | 3 Comments</div>\
             <div class=\"post-content\">\n{body}</div>\
             <div class=\"share\">Share this: <a href=\"#\">Twitter</a> <a href=\"#\">Facebook</a> <a href=\"#\">Email</a></div></div>\
             <div id=\"comments\"><h3>3 Responses</h3>\
             <div class=\"comment\"><b>Mark</b> says:<p>{}</p></div>\
             <div class=\"comment\"><b>Jane</b> says:<p>Interesting read, thanks for sharing this. I had not heard about it before today.</p></div>\
             <div class=\"comment\"><b>Tom</b> says:<p>{}</p></div></div>\
             <div id=\"sidebar\"><h3>Subscribe</h3><p>Get the latest posts delivered straight to your inbox every morning. No spam, ever.</p>\
             <h3>Tags</h3><p><a href=\"#\">economy</a> <a href=\"#\">politics</a> <a href=\"#\">world</a></p></div></div>\
             <div id=\"footer\"><p>Powered by a blogging platform. Theme by someone.</p></div></body></html>\n",
            teaser(5), teaser(6)
        ),
        2 => format!(
            "<!DOCTYPE html><html lang=\"en-US\"><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"><title>{title}</title>{style}</head>\
             <body class=\"single\"><div class=\"cookie\"><p>We use cookies to give you the best experience on our website. By continuing you agree to our use of cookies.</p><button>Accept</button></div>\
             <header class=\"site-header\">{nav}</header><div class=\"ad\">Advertisement</div>\
             <div class=\"entry\"><h1 class=\"entry-title\">{title}</h1><div class=\"entry-content\">\n{body}\
             <div class=\"ad\">Advertisement</div></div></div>\
             <div class=\"yarpp\"><h3>You may also like</h3>\
             <div class=\"card\"><a href=\"/y1\">{}</a></div><div class=\"card\"><a href=\"/y2\">{}</a></div><div class=\"card\"><a href=\"/y3\">{}</a></div></div>\
             <footer class=\"site-footer\"><p>Disclaimer: The information on this site is for general information only and is not advice.</p>\
             <p><a href=\"/privacy\">Privacy Policy</a> <a href=\"/terms\">Terms</a> <a href=\"/contact\">Contact</a></p></footer></body></html>\n",
            teaser(7), teaser(8), teaser(9)
        ),
        _ => format!(
            "<html><head><title>{title}</title></head><body bgcolor=\"white\"><table width=\"100%\"><tr><td>{nav}</td></tr>\
             <tr><td><font size=\"5\"><b>{title}</b></font><br>\n{body}</td></tr>\
             <tr><td><hr><font size=\"1\">{} Contact the webmaster for questions about this page. This page was last updated in 2025.</font></td></tr></table></body></html>\n",
            teaser(10)
        ),
    }
}

/// Bag-of-words F1 of `extracted` against `truth` (lowercased words).
pub fn word_f1(extracted: &str, truth: &str) -> (f64, f64, f64) {
    let bag = |t: &str| {
        let mut m: HashMap<String, usize> = HashMap::new();
        for w in t
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            *m.entry(w.to_lowercase()).or_default() += 1;
        }
        m
    };
    let (e, t) = (bag(extracted), bag(truth));
    let common: usize = e
        .iter()
        .map(|(w, n)| (*n).min(*t.get(w).unwrap_or(&0)))
        .sum();
    let (ne, nt) = (e.values().sum::<usize>(), t.values().sum::<usize>());
    let p = common as f64 / ne.max(1) as f64;
    let r = common as f64 / nt.max(1) as f64;
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

/// Writes `n` pages (NNN.html) and their article text (NNN.txt) for extraction measurements,
/// cycling through the templates; articles are taken from the held-out half.
pub fn make_pages(corpus: &Path, out: &Path, n: usize) -> Result<()> {
    let articles = corpus_articles(corpus)?;
    std::fs::create_dir_all(out)?;
    for i in 0..n {
        let (title, body) = &articles[(i * 37 + 1) % articles.len()];
        let decoys: Vec<&str> = (1..=11)
            .map(|k| articles[(i * 37 + 1 + k * 101) % articles.len()].1.as_str())
            .collect();
        let html = page(i, title, body, &decoys);
        std::fs::write(out.join(format!("{i:03}.html")), html)?;
        std::fs::write(out.join(format!("{i:03}.txt")), body)?;
    }
    eprintln!("wrote {n} pages and their texts to {}", out.display());
    Ok(())
}

/// Extraction quality and speed of our extractor over a folder written by [`make_pages`].
pub fn extraction_report(dir: &Path) -> Result<serde_json::Value> {
    let mut pages: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    pages.sort();
    let (mut sp, mut sr, mut sf) = (0.0, 0.0, 0.0);
    let mut bytes = 0;
    let started = Instant::now();
    for p in &pages {
        let html = std::fs::read(p)?;
        bytes += html.len();
        let truth = std::fs::read_to_string(p.with_extension("txt"))?;
        let text =
            unspin_scan::extract::extract_html(&unspin_scan::extract::decode(&html, None), None)
                .map(|e| e.text)
                .unwrap_or_default();
        let (pr, re, f) = word_f1(&text, &truth);
        sp += pr;
        sr += re;
        sf += f;
    }
    let seconds = started.elapsed().as_secs_f64();
    let n = pages.len().max(1) as f64;
    Ok(serde_json::json!({
        "extractor": "dom_smoothie (unspin)",
        "pages": pages.len(),
        "precision": sp / n, "recall": sr / n, "f1": sf / n,
        "pages_per_second": n / seconds,
        "mb_per_second": bytes as f64 / 1e6 / seconds,
    }))
}

/// Writes a synthetic crawl of about `megabytes` MB: every corpus article in turn as a
/// page (template and site varying), a `spun_share` of them spun with a fresh seed each
/// time, each page with a request record before it as in Common Crawl.
pub fn make_warc(
    corpus: &Path,
    dict: &Dictionary,
    out: &Path,
    megabytes: u64,
    spun_share: f64,
    seed: u64,
    only: Option<usize>,
) -> Result<()> {
    let mut articles = corpus_articles(corpus)?;
    if let Some(n) = only {
        // A small crawl that repeats a few articles, so that copies form families; their
        // originals go beside it as JSON Lines for an index.
        articles.truncate(n);
        let mut lines = String::new();
        for (i, (title, body)) in articles.iter().enumerate() {
            let doc = serde_json::json!({"id": format!("bbc-{i}"), "title": title, "text": body});
            lines.push_str(&doc.to_string());
            lines.push('\n');
        }
        let originals = out.with_extension("originals.jsonl");
        std::fs::write(&originals, lines)?;
    }
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = WarcWriter::new(BufWriter::with_capacity(1 << 20, file), true);
    w.write_info("unspin-eval --make-warc")?;
    let (mut pages, mut spun) = (0u64, 0u64);
    let target = megabytes * 1_000_000;
    let mut i = 0usize;
    while w.offset() < target {
        let (title, body) = &articles[i % articles.len()];
        let round = i / articles.len();
        let roll =
            xxhash_rust::xxh3::xxh3_64_with_seed(&i.to_le_bytes(), seed) as f64 / u64::MAX as f64;
        let is_spun = roll < spun_share;
        let (text, site) = if is_spun {
            let spinner = Spinner::new(dict, 0.3, seed ^ (i as u64).wrapping_mul(0x9E37_79B9));
            spun += 1;
            (spinner.spin(body).0, format!("spin{}.example", i % 97))
        } else {
            (body.clone(), format!("news{}.example", i % 53))
        };
        let decoys: Vec<&str> = (1..=11)
            .map(|k| articles[(i + k * 101) % articles.len()].1.as_str())
            .collect();
        let html = page(i + round, title, &text, &decoys).replacen(
            "</head>",
            &state_script(i as u64, seed),
            1,
        );
        let url = format!("https://www.{site}/{round}/{i}");
        let request = format!(
            "GET /{round}/{i} HTTP/1.1\r\nHost: www.{site}\r\nUser-Agent: unspin-eval\r\n\r\n"
        );
        let record = w.record(
            "request",
            Some(&url),
            "application/http; msgtype=request",
            request.as_bytes(),
        );
        w.write_raw(&record)?;
        w.write_response(&url, "text/html; charset=UTF-8", html.as_bytes())?;
        pages += 1;
        i += 1;
    }
    w.finish()?;
    eprintln!(
        "wrote {pages} pages ({spun} spun) in {:.1} MB to {}",
        std::fs::metadata(out)?.len() as f64 / 1e6,
        out.display()
    );
    Ok(())
}

/// An inline script of application state, as modern news pages carry (tens of kilobytes of
/// JSON with ids and hashes that compress about 2:1): it makes pages the size of real crawled
/// pages (about 65 KB of HTML, 35 KB gzipped), so that reading and parsing cost what they cost
/// in a real crawl.
fn state_script(page: u64, seed: u64) -> String {
    let mut s = String::with_capacity(70_000);
    s.push_str("<script>window.__STATE__={");
    for k in 0..1200u64 {
        let h = xxhash_rust::xxh3::xxh3_64_with_seed(&(page * 10_000 + k).to_le_bytes(), seed);
        s.push_str(&format!(
            "\"item{k}\":{{\"id\":\"{h:016x}\",\"v\":{}}},",
            h % 1000
        ));
    }
    s.push_str("};</script></head>");
    s
}

/// Times the scan stages over one WARC on all cores, each stage a full pass, side by side:
/// reading records only, reading and extracting text, and the whole scan (check included).
pub fn scan_bench(restorer: &Engine, warc: &Path) -> Result<serde_json::Value> {
    let inputs = vec![warc.to_string_lossy().into_owned()];
    let size = std::fs::metadata(warc)?.len() as f64 / 1e6;
    let fields = JsonFields::default();
    let stop = AtomicBool::new(false);

    let started = Instant::now();
    let mut records = 0u64;
    unspin_scan::source::read_inputs(&inputs, &fields, &stop, &mut |_, _| {
        records += 1;
        true
    });
    let read_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut batch = Vec::new();
    let mut extracted = 0usize;
    let mut flush = |batch: &mut Vec<Item>| {
        extracted += std::mem::take(batch)
            .into_par_iter()
            .filter_map(|item| match item {
                Item::Document(RawDocument {
                    body: Body::Html { bytes, charset },
                    url,
                    ..
                }) => {
                    let html = unspin_scan::extract::decode(&bytes, charset.as_deref());
                    let e = unspin_scan::extract::extract_html(&html, url.as_deref())?;
                    unspin_scan::extract::language(&e.text);
                    Some(())
                }
                _ => None,
            })
            .count();
    };
    unspin_scan::source::read_inputs(&inputs, &fields, &stop, &mut |item, _| {
        batch.push(item);
        if batch.len() >= unspin_scan::BATCH {
            flush(&mut batch);
        }
        true
    });
    flush(&mut batch);
    let extract_s = started.elapsed().as_secs_f64();

    let analyser = Analyser::new(restorer, None);
    let started = Instant::now();
    let summary = unspin_scan::scan(
        &inputs,
        &fields,
        &analyser,
        &stop,
        &mut |_| {},
        &mut |_: &Outcome| Ok::<(), std::io::Error>(()),
    )?;
    let scan_s = started.elapsed().as_secs_f64();
    let pages = summary.documents as f64;
    Ok(serde_json::json!({
        "warc_mb": size,
        "records": records,
        "pages": summary.documents,
        "spun": summary.spun,
        "threads": rayon::current_num_threads(),
        "read": {"seconds": read_s, "mb_per_second": size / read_s},
        "read_extract": {"seconds": extract_s, "mb_per_second": size / extract_s,
                          "pages_per_second": extracted as f64 / extract_s},
        "scan": {"seconds": scan_s, "mb_per_second": size / scan_s, "pages_per_second": pages / scan_s},
        "scan_vs_read_extract_time": scan_s / extract_s,
        "peak_rss_mib": crate::peak_rss_mib(),
    }))
}

/// Families: `families` articles of the held-out half each spun `copies` times with
/// different seeds, mixed with `clean` other held-out articles, all checked and grouped as
/// `scan` does without an index. Purity: share of each found family's members that copy its
/// main article (weighted by size). Completeness: share of each article's flagged copies in
/// its largest family. Whole: articles whose copies all sit in one family and nothing else.
pub fn families_report(
    restorer: &Engine,
    dict: &Dictionary,
    docs: &[String],
    families: usize,
    copies: usize,
    clean: usize,
    seed: u64,
) -> serde_json::Value {
    let mut items = Vec::new();
    for (a, doc) in docs.iter().take(families).enumerate() {
        for c in 0..copies {
            let spinner = Spinner::new(dict, 0.3, seed + 1000 * c as u64 + a as u64);
            items.push((format!("copy-{a}-{c}"), spinner.spin(doc).0));
        }
    }
    for (k, doc) in docs.iter().skip(families).take(clean).enumerate() {
        items.push((format!("clean-{k}"), doc.clone()));
    }
    let analyser = Analyser::new(restorer, None);
    let outcomes: Vec<Outcome> = items
        .into_par_iter()
        .map(|(id, text)| {
            analyser.analyse(Item::Document(RawDocument {
                at: Locator {
                    input: id.clone(),
                    offset: None,
                    line: None,
                },
                url: None,
                id: Some(id),
                title: None,
                body: Body::Text(text),
            }))
        })
        .collect();
    let mut builder = unspin_scan::summary::SummaryBuilder::default();
    let mut flagged: HashMap<String, usize> = HashMap::new();
    let mut clean_flagged = 0;
    for o in &outcomes {
        builder.add(o);
        if let Outcome::Report(r) = o {
            let id = r.id.clone().unwrap_or_default();
            if r.verdict == unspin_core::check::Verdict::Spun {
                if let Some(rest) = id.strip_prefix("copy-") {
                    let article = rest.split('-').next().unwrap_or("").to_string();
                    *flagged.entry(article).or_default() += 1;
                } else {
                    clean_flagged += 1;
                }
            }
        }
    }
    let summary = builder.finish(0.0, false);
    let article_of = |doc: &str| -> Option<String> {
        doc.strip_prefix("copy-")
            .map(|r| r.split('-').next().unwrap_or("").to_string())
    };
    let (mut pure_members, mut members) = (0usize, 0usize);
    // For each article: its largest share in one family.
    let mut best_share: HashMap<String, usize> = HashMap::new();
    let mut mixed_with_other = HashMap::<String, bool>::new();
    for f in &summary.families {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for m in &f.members {
            let key = article_of(&m.document).unwrap_or_else(|| m.document.clone());
            *counts.entry(key).or_default() += 1;
        }
        let majority = counts.values().copied().max().unwrap_or(0);
        pure_members += majority;
        members += f.members.len();
        for (article, n) in &counts {
            let e = best_share.entry(article.clone()).or_default();
            *e = (*e).max(*n);
            if counts.len() > 1 {
                mixed_with_other.insert(article.clone(), true);
            }
        }
    }
    let (mut complete_sum, mut whole) = (0.0, 0usize);
    for a in 0..families.min(docs.len()) {
        let key = a.to_string();
        let n = *flagged.get(&key).unwrap_or(&0);
        let best = *best_share.get(&key).unwrap_or(&0);
        complete_sum += if n == 0 { 0.0 } else { best as f64 / n as f64 };
        if n == copies && best == copies && !mixed_with_other.contains_key(&key) {
            whole += 1;
        }
    }
    let expected = families.min(docs.len());
    serde_json::json!({
        "articles": expected,
        "copies_per_article": copies,
        "clean_articles": clean,
        "copies_flagged": flagged.values().sum::<usize>(),
        "clean_flagged": clean_flagged,
        "families_found": summary.families.len(),
        "families_whole": whole,
        "purity": pure_members as f64 / members.max(1) as f64,
        "completeness": complete_sum / expected.max(1) as f64,
    })
}
