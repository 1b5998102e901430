//! Readable documents from anything `scan` reads (WARC, HTML, JSON Lines, text files, folders,
//! standard input): the one reader that `index add` and `learn` use too, so that a new input
//! format is added once, in [`crate::source`].

use std::sync::atomic::AtomicBool;

use crate::source::{self, Body, Item, JsonFields, Locator, SkipReason};

/// A document as text, with what its input says about it.
#[derive(Clone, Debug)]
pub struct TextDocument {
    /// Where it came from (a file, a file and line, a WARC offset).
    pub at: Locator,
    /// Its id, when the input names one (JSON Lines id field, WARC record id).
    pub id: Option<String>,
    /// Its URL, if known.
    pub url: Option<String>,
    /// Its title (JSON Lines title field, or the HTML page's).
    pub title: Option<String>,
    /// Its readable text (an HTML page's main text).
    pub text: String,
}

/// What reading one record gave.
#[derive(Clone, Debug)]
pub enum Record {
    /// A readable document.
    Document(TextDocument),
    /// A record with nothing to read (not a page, not HTML, empty, binary...).
    Skipped {
        /// Where.
        at: Locator,
        /// Why.
        reason: SkipReason,
        /// More detail, if any.
        detail: Option<String>,
    },
    /// A damaged record or an unreadable input.
    Malformed {
        /// Where the damage starts.
        at: Locator,
        /// What is wrong.
        message: String,
    },
}

/// The readable text of a record: HTML decoded and its main text extracted; `None` when a
/// page has no readable text.
fn readable(body: Body, title: Option<String>) -> Option<(Option<String>, String)> {
    match body {
        Body::Text(text) => Some((title, text)),
        Body::Html { bytes, charset } => {
            let html = unspin_extract::decode(&bytes, charset.as_deref());
            let e = unspin_extract::extract_html(&html, None)?;
            Some((e.title.or(title), e.text))
        }
    }
}

/// Reads `inputs` record by record and hands each to `sink`, in input order; stops early when
/// `stop` is set or `sink` returns `false`.
pub fn read_documents(
    inputs: &[String],
    fields: &JsonFields,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(Record) -> bool,
) {
    source::read_inputs(inputs, fields, stop, &mut |item, _| {
        let record = match item {
            Item::Document(doc) => match readable(doc.body, doc.title) {
                Some((_, text)) if text.trim().is_empty() => Record::Skipped {
                    at: doc.at,
                    reason: SkipReason::Empty,
                    detail: None,
                },
                Some((title, text)) => Record::Document(TextDocument {
                    at: doc.at,
                    id: doc.id,
                    url: doc.url,
                    title,
                    text,
                }),
                None => Record::Skipped {
                    at: doc.at,
                    reason: SkipReason::Empty,
                    detail: Some("no readable main text".into()),
                },
            },
            Item::Skipped {
                at, reason, detail, ..
            } => Record::Skipped { at, reason, detail },
            Item::Malformed { at, message } => Record::Malformed { at, message },
        };
        sink(record)
    });
}
