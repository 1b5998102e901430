//! Reading inputs into records: WARC files (gzip or plain), HTML files, JSON Lines, text
//! files, folders of any of these, and standard input.
//!
//! Reading is sequential and cheap; everything expensive (extraction, checking) happens on
//! the records afterwards, in parallel. A damaged record never ends a scan: it becomes an
//! [`Item::Malformed`] with its offset, and reading resumes at the next record boundary.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use fastwarc::warc::iter::{ArchiveIterator, ArchiveIteratorOptions};
use fastwarc::warc::record::{SharedWarcRecord, WarcRecordType};
use memchr::memmem;
use serde::Serialize;

/// Largest page or text read as one document; larger ones are skipped as too large, which
/// keeps memory bounded whatever the input holds.
pub const MAX_DOCUMENT: u64 = 8 << 20;

/// Where a record came from: the input and its byte offset (WARC: the start of the record's
/// gzip member or header; files: 0) or line number (JSON Lines).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Locator {
    /// The input as named on the command line (a file inside a folder is named by its path).
    pub input: String,
    /// Byte offset of the record in the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Line number (from 1) of the record in a JSON Lines input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl std::fmt::Display for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.offset, self.line) {
            (_, Some(line)) => write!(f, "{}:{line}", self.input),
            (Some(offset), None) => write!(f, "{}@{offset}", self.input),
            (None, None) => write!(f, "{}", self.input),
        }
    }
}

/// The payload of a document record.
#[derive(Clone, Debug)]
pub enum Body {
    /// An HTML page as served, with the charset its HTTP headers declared, if any.
    Html {
        /// The raw bytes.
        bytes: Vec<u8>,
        /// Charset named by the HTTP `Content-Type` header.
        charset: Option<String>,
    },
    /// Plain text (text files, JSON Lines text fields).
    Text(String),
}

/// A document to check.
#[derive(Clone, Debug)]
pub struct RawDocument {
    /// Where it came from.
    pub at: Locator,
    /// Its URL, if the input names one.
    pub url: Option<String>,
    /// Its id (WARC record id, JSON Lines id field), if any.
    pub id: Option<String>,
    /// Its title, when the input names one apart from the payload (JSON Lines title field;
    /// an HTML page's title comes from extraction).
    pub title: Option<String>,
    /// The payload.
    pub body: Body,
}

/// Why a record was not checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// A WARC record that is not a page: `warcinfo`, `request`, `metadata`, ...
    NotAPage,
    /// A response whose content type is not HTML or text.
    NotHtml,
    /// The extracted text is not English.
    NotEnglish,
    /// Nothing to read after extraction.
    Empty,
    /// Larger than [`MAX_DOCUMENT`].
    TooLarge,
    /// Binary data where text was expected.
    Binary,
    /// A file in a folder whose type unspin does not read.
    UnsupportedFile,
}

impl SkipReason {
    /// The reason as written in reports.
    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::NotAPage => "not-a-page",
            SkipReason::NotHtml => "not-html",
            SkipReason::NotEnglish => "not-english",
            SkipReason::Empty => "empty",
            SkipReason::TooLarge => "too-large",
            SkipReason::Binary => "binary",
            SkipReason::UnsupportedFile => "unsupported-file",
        }
    }
}

/// One record read from an input.
#[derive(Clone, Debug)]
pub enum Item {
    /// A document to check.
    Document(RawDocument),
    /// A record that is counted but not checked.
    Skipped {
        /// Where it came from.
        at: Locator,
        /// Its URL, if known.
        url: Option<String>,
        /// Why.
        reason: SkipReason,
        /// More detail (the content type, the language), if any.
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

/// Field names of JSON Lines inputs.
#[derive(Clone, Debug)]
pub struct JsonFields {
    /// Field holding the text (default `text`).
    pub text: String,
    /// Field holding the id (default `id`).
    pub id: String,
    /// Field holding the URL (default `url`).
    pub url: String,
    /// Field holding the title (default `title`).
    pub title: String,
}

impl Default for JsonFields {
    fn default() -> Self {
        JsonFields {
            text: "text".into(),
            id: "id".into(),
            url: "url".into(),
            title: "title".into(),
        }
    }
}

/// Kinds of input, from the file name or, failing that, the first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A WARC file, gzip-compressed (one member per record) or plain.
    Warc,
    /// An HTML page.
    Html,
    /// JSON Lines, one document per line.
    JsonLines,
    /// A plain text document.
    Text,
}

impl InputKind {
    /// The kind a file name implies, if it implies one.
    pub fn from_name(path: &Path) -> Option<InputKind> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let kind = if name.ends_with(".warc")
            || name.ends_with(".warc.gz")
            || name.ends_with(".arc.gz")
        {
            InputKind::Warc
        } else if name.ends_with(".html") || name.ends_with(".htm") || name.ends_with(".xhtml") {
            InputKind::Html
        } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
            InputKind::JsonLines
        } else if name.ends_with(".txt") {
            InputKind::Text
        } else {
            return None;
        };
        Some(kind)
    }

    /// The kind that the first bytes of an input suggest.
    pub fn sniff(head: &[u8]) -> InputKind {
        let trimmed = head.trim_ascii_start();
        if head.starts_with(&[0x1f, 0x8b]) || head.starts_with(b"WARC/") {
            InputKind::Warc
        } else if trimmed.starts_with(b"{") {
            InputKind::JsonLines
        } else if trimmed.starts_with(b"<") {
            InputKind::Html
        } else {
            InputKind::Text
        }
    }
}

/// Reads inputs in order and hands each record to `sink` with the number of input bytes
/// consumed since the previous call (for progress). Stops early when `stop` is set or `sink`
/// returns `false`. Folders are read recursively in name order; files in them whose type
/// unspin does not read are reported as skipped.
pub fn read_inputs(
    inputs: &[String],
    fields: &JsonFields,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(Item, u64) -> bool,
) {
    for input in inputs {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if input == "-" {
            if !read_stdin(fields, stop, sink) {
                return;
            }
            continue;
        }
        let path = PathBuf::from(input);
        if path.is_dir() {
            let mut files = Vec::new();
            if let Err(e) = collect_files(&path, &mut files) {
                let at = locator(input, None, None);
                if !sink(Item::Malformed { at, message: e }, 0) {
                    return;
                }
            }
            for f in files {
                if stop.load(Ordering::Relaxed) || !read_file(&f, true, fields, stop, sink) {
                    return;
                }
            }
        } else if !read_file(&path, false, fields, stop, sink) {
            return;
        }
    }
}

fn locator(input: &str, offset: Option<u64>, line: Option<u64>) -> Locator {
    Locator {
        input: input.to_string(),
        offset,
        line,
    }
}

/// Files under `dir`, recursively, sorted by path.
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read folder: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            collect_files(&e, out)?;
        } else {
            out.push(e);
        }
    }
    Ok(())
}

/// Reads one file. Its name decides its kind, else its first bytes; but a file inside a
/// folder with a name unspin does not know is skipped, not sniffed (folders hold other
/// things). Returns `false` when the sink asked to stop.
fn read_file(
    path: &Path,
    in_folder: bool,
    fields: &JsonFields,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(Item, u64) -> bool,
) -> bool {
    let name = path.to_string_lossy().into_owned();
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            let message = format!("cannot open: {e}");
            return sink(
                Item::Malformed {
                    at: locator(&name, None, None),
                    message,
                },
                0,
            );
        }
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let kind = match InputKind::from_name(path) {
        Some(k) => k,
        None if in_folder => {
            let at = locator(&name, None, None);
            return sink(skipped(at, None, SkipReason::UnsupportedFile, None), size);
        }
        None => {
            let mut head = [0u8; 512];
            let n = read_up_to(&mut file, &mut head).unwrap_or(0);
            if file.seek(SeekFrom::Start(0)).is_err() {
                return true;
            }
            if n == 0 {
                let at = locator(&name, None, None);
                return sink(
                    refuse_unusable(skipped(at, None, SkipReason::Empty, None)),
                    size,
                );
            }
            InputKind::sniff(&head[..n])
        }
    };
    match kind {
        InputKind::Warc => {
            let mut records = 0usize;
            let go_on = read_warc_file(&name, file, stop, &mut |item, n| {
                records += 1;
                sink(item, n)
            });
            // A crawl file with no record at all (a gzip of nothing, or of blank lines) is as
            // empty as an empty file, and said so the same way.
            if go_on && records == 0 && !stop.load(Ordering::Relaxed) {
                let item = skipped(
                    locator(&name, None, None),
                    None,
                    SkipReason::Empty,
                    Some("no WARC records".into()),
                );
                return sink(
                    if in_folder {
                        item
                    } else {
                        refuse_unusable(item)
                    },
                    size,
                );
            }
            go_on
        }
        InputKind::JsonLines => read_json_lines(&name, BufReader::new(file), fields, stop, sink),
        InputKind::Html | InputKind::Text => {
            let at = locator(&name, None, None);
            let item = whole_document(at, file, kind == InputKind::Html);
            sink(
                if in_folder {
                    item
                } else {
                    refuse_unusable(item)
                },
                size,
            )
        }
    }
}

fn skipped(at: Locator, url: Option<String>, reason: SkipReason, detail: Option<String>) -> Item {
    Item::Skipped {
        at,
        url,
        reason,
        detail,
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// An input named by the user that is empty, binary or too large is an error, not a skip:
/// the user asked for that file. (Inside folders and crawls such files are counted as skips.)
fn refuse_unusable(item: Item) -> Item {
    match item {
        Item::Skipped { at, reason, .. }
            if matches!(
                reason,
                SkipReason::Empty | SkipReason::Binary | SkipReason::TooLarge
            ) =>
        {
            let message = match reason {
                SkipReason::Empty => "empty; there is nothing to read".to_string(),
                SkipReason::Binary => {
                    "looks binary (it contains NUL bytes); unspin reads text".to_string()
                }
                _ => format!(
                    "larger than {} MiB as one document; split it first",
                    MAX_DOCUMENT >> 20
                ),
            };
            Item::Malformed { at, message }
        }
        other => other,
    }
}

/// A whole file (or standard input) as one document.
fn whole_document(at: Locator, reader: impl Read, html: bool) -> Item {
    let mut bytes = Vec::new();
    if let Err(e) = reader.take(MAX_DOCUMENT + 1).read_to_end(&mut bytes) {
        return Item::Malformed {
            at,
            message: format!("cannot read: {e}"),
        };
    }
    if bytes.len() as u64 > MAX_DOCUMENT {
        return skipped(at, None, SkipReason::TooLarge, None);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return skipped(at, None, SkipReason::Empty, None);
    }
    let body = if html {
        Body::Html {
            bytes,
            charset: None,
        }
    } else {
        if bytes.contains(&0) {
            return skipped(at, None, SkipReason::Binary, None);
        }
        match String::from_utf8(bytes) {
            Ok(text) => Body::Text(text),
            Err(e) => {
                // Text files are not labelled with a charset; guess one as browsers do.
                Body::Text(crate::extract::decode(e.as_bytes(), None))
            }
        }
    };
    Item::Document(RawDocument {
        at,
        url: None,
        id: None,
        title: None,
        body,
    })
}

/// Most bytes of a WARC read from standard input that are spooled to disk; larger crawls are
/// given as files (which need no spooling).
pub const MAX_SPOOLED_BYTES: u64 = 2 << 30;

/// Copies `reader` into `out` in chunks until end of input; an error when more than `cap`
/// bytes come, and an `Interrupted` error as soon as `stop` is set.
fn spool(
    reader: &mut impl BufRead,
    out: &mut impl Write,
    cap: u64,
    stop: &AtomicBool,
) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
        }
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(total);
        }
        let n = chunk.len();
        total += n as u64;
        if total > cap {
            return Err(io::Error::other(format!(
                "a WARC on standard input larger than {} GiB; give the file's path instead",
                cap >> 30
            )));
        }
        out.write_all(chunk)?;
        reader.consume(n);
    }
}

/// Standard input: sniffed, then read as one stream (a damaged WARC record ends the input,
/// since a pipe cannot be searched for the next record).
fn read_stdin(
    fields: &JsonFields,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(Item, u64) -> bool,
) -> bool {
    let name = "standard input";
    let mut reader = BufReader::with_capacity(1 << 20, io::stdin().lock());
    let head = match reader.fill_buf() {
        Ok(h) => h,
        Err(e) => {
            let message = format!("cannot read: {e}");
            return sink(
                Item::Malformed {
                    at: locator(name, None, None),
                    message,
                },
                0,
            );
        }
    };
    if head.is_empty() {
        let item = skipped(locator(name, None, None), None, SkipReason::Empty, None);
        return sink(refuse_unusable(item), 0);
    }
    match InputKind::sniff(head) {
        InputKind::Warc => {
            // fastwarc reads seekable streams, and resynchronising needs to seek: spool the
            // pipe to a temporary file (disk, not memory) and read that; in chunks, so that
            // Ctrl-C is heard, and up to a cap, so that an endless pipe cannot fill the disk.
            let spooled = tempfile::tempfile().and_then(|mut f| {
                spool(&mut reader, &mut f, MAX_SPOOLED_BYTES, stop)?;
                f.seek(SeekFrom::Start(0))?;
                Ok(f)
            });
            match spooled {
                Ok(file) => read_warc_file(name, file, stop, sink),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => false,
                Err(e) => {
                    let message = format!("cannot spool to a temporary file: {e}");
                    sink(
                        Item::Malformed {
                            at: locator(name, None, None),
                            message,
                        },
                        0,
                    )
                }
            }
        }
        InputKind::JsonLines => read_json_lines(name, reader, fields, stop, sink),
        kind => sink(
            refuse_unusable(whole_document(
                locator(name, None, None),
                reader,
                kind == InputKind::Html,
            )),
            0,
        ),
    }
}

/// One line of a JSON Lines input, as [`json_lines`] hands it on.
pub(crate) enum JsonLine<'a> {
    /// A line with something on it, of at most [`MAX_DOCUMENT`] bytes.
    Record(&'a [u8]),
    /// A line over [`MAX_DOCUMENT`] bytes, skipped unread.
    TooLarge,
    /// The input could not be read further.
    Unreadable(String),
}

/// Walks a JSON Lines input line by line, streamed, blank lines left out: each line goes to
/// `sink` with its place and the bytes it took. Reading ends after an unreadable line, with
/// what `sink` returned for it. Returns `false` when stopped early (`stop` set, or `sink`
/// returned `false`). Memory is bounded by one line of [`MAX_DOCUMENT`].
pub(crate) fn json_lines(
    name: &str,
    mut reader: impl BufRead,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(Locator, JsonLine<'_>, u64) -> bool,
) -> bool {
    let mut line = Vec::new();
    for n in 1u64.. {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        line.clear();
        let at = locator(name, None, Some(n));
        let read = match (&mut reader)
            .take(MAX_DOCUMENT + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(r) => r,
            Err(e) => return sink(at, JsonLine::Unreadable(format!("cannot read: {e}")), 0),
        };
        if read == 0 {
            return true;
        }
        let item = if line.len() as u64 > MAX_DOCUMENT {
            // Skip the rest of the oversized line.
            let mut rest = Vec::new();
            let _ = reader.read_until(b'\n', &mut rest);
            JsonLine::TooLarge
        } else if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        } else {
            JsonLine::Record(&line)
        };
        if !sink(at, item, read as u64) {
            return false;
        }
    }
    true
}

/// JSON Lines, one document per line, streamed.
fn read_json_lines(
    name: &str,
    reader: impl BufRead,
    fields: &JsonFields,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(Item, u64) -> bool,
) -> bool {
    json_lines(name, reader, stop, &mut |at, line, bytes| {
        let item = match line {
            JsonLine::Record(line) => json_record(at, line, fields),
            JsonLine::TooLarge => skipped(at, None, SkipReason::TooLarge, None),
            JsonLine::Unreadable(message) => return sink(Item::Malformed { at, message }, 0),
        };
        sink(item, bytes)
    })
}

/// One JSON Lines record as a document.
fn json_record(at: Locator, line: &[u8], fields: &JsonFields) -> Item {
    let value: serde_json::Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => {
            return Item::Malformed {
                at,
                message: format!("not a JSON record: {e}"),
            }
        }
    };
    let as_string = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    };
    let url = value.get(&fields.url).and_then(as_string);
    let id = value.get(&fields.id).and_then(as_string);
    match value.get(&fields.text) {
        Some(serde_json::Value::String(text)) if text.trim().is_empty() => {
            skipped(at, url, SkipReason::Empty, None)
        }
        Some(serde_json::Value::String(text)) => Item::Document(RawDocument {
            at,
            url,
            id,
            title: value.get(&fields.title).and_then(as_string),
            body: Body::Text(text.clone()),
        }),
        _ => Item::Malformed {
            at,
            message: format!("no string field \"{}\"", fields.text),
        },
    }
}

/// A WARC file, resynchronising after damage: on an error the damaged record is reported
/// and reading starts again at the next record boundary (the next gzip member, or the next
/// `WARC/1.` line in a plain file).
fn read_warc_file(
    name: &str,
    file: File,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(Item, u64) -> bool,
) -> bool {
    let mut file = file;
    let mut head = [0u8; 4];
    let n = read_up_to(&mut file, &mut head).unwrap_or(0);
    let gzip = n >= 3 && head[..3] == [0x1f, 0x8b, 0x08];
    let mut start = 0u64;
    // Offset up to which progress has been reported.
    let mut reported = 0u64;
    // The good record after which unreadable data was found, until it is accounted for.
    let mut gap: Option<u64> = None;
    let mut gap_message = String::new();
    loop {
        if file.seek(SeekFrom::Start(start)).is_err() {
            return true;
        }
        let reader = match file.try_clone() {
            Ok(f) => BufReader::with_capacity(1 << 20, f),
            Err(e) => {
                let message = format!("cannot read: {e}");
                return sink(
                    Item::Malformed {
                        at: locator(name, Some(start), None),
                        message,
                    },
                    0,
                );
            }
        };
        let mut last = start;
        let mut gap_reported = true;
        let result = read_warc_stream(name, reader, start, &mut last, stop, &mut |item, pos| {
            if let Some(after) = gap.take() {
                // Reading resumed cleanly: the unreadable part was stray bytes.
                let at = locator(name, Some(after), None);
                let message = format!(
                    "{gap_message}: unreadable data after the record at this offset, skipped up to offset {pos}"
                );
                gap_reported = sink(Item::Malformed { at, message }, 0);
            }
            let consumed = pos.saturating_sub(reported);
            reported = reported.max(pos);
            gap_reported && sink(item, consumed)
        });
        match result {
            Ok(true) => {
                return true;
            }
            Ok(false) => return false,
            Err(WarcDamage {
                record_start: Some(bad),
                message,
            }) => {
                // A record that is damaged itself (which accounts for any unreadable data
                // found after the previous record): report it, go on at the next boundary.
                gap = None;
                if !sink(
                    Item::Malformed {
                        at: locator(name, Some(bad), None),
                        message,
                    },
                    0,
                ) {
                    return false;
                }
                match next_boundary(&mut file, bad + 1, gzip) {
                    Some(next) => start = next,
                    None => return true,
                }
            }
            Err(WarcDamage {
                record_start: None,
                message,
            }) => {
                // Unreadable data after the good record at `last`: either the next record is
                // damaged (found when reading resumes at the next boundary) or there are
                // stray bytes between records (reported once reading resumes cleanly).
                let Some(next) = next_boundary(&mut file, last + 1, gzip) else {
                    let at = locator(name, Some(last), None);
                    let message = format!("{message}: unreadable data after the record at this offset, to the end of the input");
                    return sink(Item::Malformed { at, message }, 0);
                };
                gap = Some(last);
                gap_message = message;
                start = next;
            }
        }
    }
}

/// Why reading a WARC stream stopped early.
struct WarcDamage {
    /// Start of the record whose body could not be read, when known.
    record_start: Option<u64>,
    message: String,
}

/// Reads records from one WARC stream starting at file offset `base`. `last` is set to the
/// offset of each record as it is read. `Ok(true)` at the end of the stream, `Ok(false)` when
/// the sink asked to stop, `Err` at damage.
fn read_warc_stream(
    name: &str,
    reader: BufReader<File>,
    base: u64,
    last: &mut u64,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(Item, u64) -> bool,
) -> Result<bool, WarcDamage> {
    let options = ArchiveIteratorOptions {
        parse_http: true,
        ..Default::default()
    };
    let mut first = true;
    for record in ArchiveIterator::with_options(reader, options) {
        if stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                return Err(WarcDamage {
                    record_start: if first { Some(base) } else { None },
                    message: format!("bad WARC record: {e}"),
                })
            }
        };
        first = false;
        let item = record.with_mut(|r| -> Result<Item, WarcDamage> {
            // Member offsets are absolute in the file; plain offsets count from `base`.
            let pos = r.stream_pos();
            let offset = if pos >= base { pos } else { base + pos };
            *last = offset;
            let at = locator(name, Some(offset), None);
            let url = r.headers().get("WARC-Target-URI").map(|u| u.into_owned());
            if r.record_type() != WarcRecordType::Response {
                let kind = r.record_type().as_str().to_string();
                return Ok(skipped(at, url, SkipReason::NotAPage, Some(kind)));
            }
            let content_type = r
                .http_content_type()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let charset = r.http_charset().map(|c| c.into_owned());
            let id = r.record_id().map(|i| i.into_owned());
            // The block's bytes after the HTTP head, as declared; a body read as it is stored
            // (no content or transfer encoding to undo) must have all of them.
            let declared = r.content_length();
            let encoded = r.http_headers().is_some_and(|h| {
                h.get("Content-Encoding").is_some() || h.get("Transfer-Encoding").is_some()
            });
            let Some(body) = r.reader_mut() else {
                return Ok(skipped(at, url, SkipReason::Empty, None));
            };
            let mut bytes = Vec::new();
            if let Err(e) = body.take(MAX_DOCUMENT + 1).read_to_end(&mut bytes) {
                return Err(WarcDamage {
                    record_start: Some(offset),
                    message: format!("truncated or corrupt record: {e}"),
                });
            }
            if is_truncated(&bytes) {
                return Err(WarcDamage {
                    record_start: Some(offset),
                    message: "truncated record: the next record starts inside its block".into(),
                });
            }
            if !encoded && (bytes.len() as u64) < declared.min(MAX_DOCUMENT + 1) {
                return Err(WarcDamage {
                    record_start: Some(offset),
                    message: format!(
                        "truncated record: the input ends {} bytes before the end of its block",
                        declared - bytes.len() as u64
                    ),
                });
            }
            if !(content_type.is_empty()
                || content_type.contains("html")
                || content_type.starts_with("text/"))
            {
                return Ok(skipped(at, url, SkipReason::NotHtml, Some(content_type)));
            }
            if bytes.len() as u64 > MAX_DOCUMENT {
                return Ok(skipped(at, url, SkipReason::TooLarge, None));
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(skipped(at, url, SkipReason::Empty, None));
            }
            let body = if content_type.starts_with("text/plain") {
                Body::Text(crate::extract::decode(&bytes, charset.as_deref()))
            } else {
                Body::Html { bytes, charset }
            };
            Ok(Item::Document(RawDocument {
                at,
                url,
                id,
                title: None,
                body,
            }))
        })?;
        let pos = *last;
        if !sink(item, pos) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A block that holds the start of another WARC record was cut short: its declared length
/// ran on into the next record.
fn is_truncated(block: &[u8]) -> bool {
    memmem::find_iter(block, b"\r\nWARC/1.").any(|i| {
        let version = &block[i + 9..];
        version.starts_with(b"0\r\n") || version.starts_with(b"1\r\n")
    })
}

/// Offset of the first record boundary at or after `from`: a gzip member header, or a
/// `WARC/1.` line start in a plain file.
fn next_boundary(file: &mut File, from: u64, gzip: bool) -> Option<u64> {
    let needle: &[u8] = if gzip {
        &[0x1f, 0x8b, 0x08]
    } else {
        b"\nWARC/1."
    };
    // A plain boundary's newline belongs to the previous record.
    let (search_from, adjust) = if gzip {
        (from, 0)
    } else {
        (from.saturating_sub(1), 1)
    };
    file.seek(SeekFrom::Start(search_from)).ok()?;
    let mut reader = BufReader::with_capacity(1 << 20, &mut *file);
    let mut offset = search_from;
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let buf = reader.fill_buf().ok()?;
        if buf.is_empty() {
            return None;
        }
        let mut window = std::mem::take(&mut carry);
        let window_start = offset - window.len() as u64;
        window.extend_from_slice(buf);
        let n = buf.len();
        if let Some(i) = memmem::find(&window, needle) {
            return Some(window_start + i as u64 + adjust);
        }
        reader.consume(n);
        offset += n as u64;
        let keep = needle.len() - 1;
        carry = window[window.len().saturating_sub(keep)..].to_vec();
    }
}

#[cfg(test)]
mod tests {
    use super::is_truncated;

    #[test]
    fn spooling_stops_at_its_cap_and_when_asked() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = AtomicBool::new(false);
        let mut out = Vec::new();
        let n = super::spool(&mut &b"0123456789"[..], &mut out, 10, &stop).unwrap();
        assert_eq!((n, out.as_slice()), (10, &b"0123456789"[..]));
        let err = super::spool(&mut &b"0123456789"[..], &mut Vec::new(), 9, &stop).unwrap_err();
        assert!(err.to_string().contains("give the file's path"), "{err}");
        stop.store(true, Ordering::Relaxed);
        let err = super::spool(&mut &b"0123456789"[..], &mut Vec::new(), 100, &stop).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::Interrupted);
    }

    #[test]
    fn a_block_holding_a_record_header_is_truncated() {
        assert!(is_truncated(
            b"<html>cut\r\nWARC/1.0\r\nWARC-Type: response"
        ));
        assert!(is_truncated(b"<html>cut\r\nWARC/1.1\r\n"));
        assert!(!is_truncated(b"<p>see WARC/1.0 and \r\nWARC/1.2\r\n</p>"));
        assert!(!is_truncated(b"ends with \r\nWARC/1."));
    }
}
