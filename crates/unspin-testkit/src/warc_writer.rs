//! Writes WARC files of web pages: test fixtures, benchmark crawls, and a way for users to
//! wrap pages they fetched themselves so that `scan` reads them like a crawl.
//!
//! Each record is one gzip member when compressing, as in Common Crawl, so a reader can
//! resynchronise after a damaged member.

use std::io::{self, Write};

use flate2::write::GzEncoder;
use flate2::Compression;
use xxhash_rust::xxh3::xxh3_128;

/// Writes WARC/1.0 records to `W`, gzip member per record or plain.
pub struct WarcWriter<W: Write> {
    out: W,
    gzip: bool,
    records: u64,
    /// Bytes written so far: the offset at which the next record starts.
    offset: u64,
}

impl<W: Write> WarcWriter<W> {
    /// A writer that compresses each record as its own gzip member when `gzip` is set.
    pub fn new(out: W, gzip: bool) -> Self {
        WarcWriter {
            out,
            gzip,
            records: 0,
            offset: 0,
        }
    }

    /// Offset in the output at which the next record will start.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Writes a `warcinfo` record naming the software that made the file.
    pub fn write_info(&mut self, software: &str) -> io::Result<()> {
        let body = format!("software: {software}\r\nformat: WARC File Format 1.0\r\n");
        let record = self.record("warcinfo", None, "application/warc-fields", body.as_bytes());
        self.write_raw(&record)
    }

    /// Writes an HTTP `response` record for `url` whose payload is `body`, served with the
    /// given HTTP `Content-Type` (for example `text/html; charset=utf-8`).
    pub fn write_response(&mut self, url: &str, content_type: &str, body: &[u8]) -> io::Result<()> {
        let mut http = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        http.extend_from_slice(body);
        let record = self.record(
            "response",
            Some(url),
            "application/http; msgtype=response",
            &http,
        );
        self.write_raw(&record)
    }

    /// The bytes of one uncompressed record (header block, block, two CRLFs).
    pub fn record(
        &mut self,
        warc_type: &str,
        url: Option<&str>,
        content_type: &str,
        block: &[u8],
    ) -> Vec<u8> {
        self.records += 1;
        // Stable record ids: the same input gives the same file, byte for byte.
        let id = xxh3_128(format!("{}\u{0}{}", self.records, url.unwrap_or("")).as_bytes());
        let id = format!("{id:032x}");
        let mut head = format!(
            "WARC/1.0\r\nWARC-Type: {warc_type}\r\nWARC-Date: 2026-01-01T00:00:00Z\r\n\
             WARC-Record-ID: <urn:uuid:{}-{}-{}-{}-{}>\r\n",
            &id[0..8],
            &id[8..12],
            &id[12..16],
            &id[16..20],
            &id[20..32]
        );
        if let Some(url) = url {
            head.push_str(&format!("WARC-Target-URI: {url}\r\n"));
        }
        head.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            block.len()
        ));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(block);
        bytes.extend_from_slice(b"\r\n\r\n");
        bytes
    }

    /// Writes one uncompressed record as is (compressed into its own member when gzipping).
    pub fn write_raw(&mut self, record: &[u8]) -> io::Result<()> {
        let bytes = if self.gzip {
            gzip_member(record)?
        } else {
            record.to_vec()
        };
        self.write_bytes(&bytes)
    }

    /// Writes bytes verbatim: for fixtures that need damaged members or headers.
    pub fn write_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One gzip member holding `bytes`.
pub fn gzip_member(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes)?;
    enc.finish()
}

/// Wraps plain text as a simple news page: title, navigation and footer boilerplate, and the
/// paragraphs (blank-line separated in `text`) as `<p>` elements. HTML-escapes the text.
pub fn html_page(title: &str, text: &str) -> String {
    let mut page = String::with_capacity(text.len() + 2048);
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    page.push_str(&escape(title));
    page.push_str(
        "</title></head>\n<body><header><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> \
         <a href=\"/business\">Business</a> <a href=\"/tech\">Technology</a> \
         <a href=\"/contact\">Contact us</a></nav></header>\n<main><article><h1>",
    );
    page.push_str(&escape(title));
    page.push_str("</h1>\n");
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        page.push_str("<p>");
        page.push_str(&escape(&para.replace('\n', " ")));
        page.push_str("</p>\n");
    }
    page.push_str(
        "</article></main>\n<aside><h2>Most read</h2><ul><li><a href=\"/a\">Markets slide</a></li>\
         <li><a href=\"/b\">Weather warning</a></li></ul></aside>\n<footer><p>Copyright 2026. \
         All rights reserved.</p><a href=\"/privacy\">Privacy</a> <a href=\"/terms\">Terms</a>\
         </footer></body></html>\n",
    );
    page
}

/// Escapes the characters that are special in HTML text.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}
