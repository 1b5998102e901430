//! From served bytes to the text a reader sees: charset detection and decoding, main-text
//! extraction with boilerplate removed (readability, via `dom_smoothie`), and language
//! identification (`whatlang`). A crate of its own so that the server can extract a pasted
//! page without the scan pipeline.

use dom_smoothie::{Config, Readability, TextMode};
use encoding_rs::Encoding;

/// Decodes `bytes` to text. The charset is, in order: the one the HTTP headers name, a
/// `<meta charset>` in the first 2 KiB, UTF-8 if the bytes are valid UTF-8, else the guess of
/// `chardetng` (the detector Firefox uses). Undecodable bytes become U+FFFD.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> String {
    let encoding = declared
        .and_then(|c| Encoding::for_label(c.trim().as_bytes()))
        .or_else(|| meta_charset(bytes))
        .unwrap_or_else(|| {
            if std::str::from_utf8(bytes).is_ok() {
                encoding_rs::UTF_8
            } else {
                let mut detector =
                    chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
                detector.feed(bytes, true);
                detector.guess(None, chardetng::Utf8Detection::Allow)
            }
        });
    // A BOM overrides a declaration, as in browsers.
    let (text, _, _) = encoding.decode(bytes);
    text.into_owned()
}

/// The charset a `<meta charset=...>` or `<meta http-equiv content="...; charset=...">`
/// near the start of the page declares.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(2048)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&lower[from..], b"charset=") {
        let start = from + i + b"charset=".len();
        let rest = &lower[start..];
        let rest = rest
            .strip_prefix(b"\"")
            .or_else(|| rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let end = rest
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
            .unwrap_or(rest.len());
        if let Some(e) = Encoding::for_label(&rest[..end]) {
            // A page that says UTF-16 in ASCII is not UTF-16 (the HTML standard's rule).
            return Some(
                if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE {
                    encoding_rs::UTF_8
                } else {
                    e
                },
            );
        }
        from = start;
    }
    None
}

/// The main text of a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    /// The page title, if it has one.
    pub title: Option<String>,
    /// The article text, paragraphs separated by blank lines.
    pub text: String,
}

/// Extracts the main text of an HTML page (boilerplate such as navigation, sidebars and
/// footers removed). `None` when the page has no readable content.
pub fn extract_html(html: &str, url: Option<&str>) -> Option<Extracted> {
    let config = Config {
        text_mode: TextMode::Formatted,
        // Pages with absurd element counts are not articles; bound the work per page.
        max_elements_to_parse: 100_000,
        ..Default::default()
    };
    // A URL that does not parse would make the extractor fail; it only resolves links.
    let url = url.filter(|u| url::Url::parse(u).is_ok());
    let html = flatten_deep_nesting(html, MAX_NESTING);
    let mut readability = Readability::new(html.as_ref(), url, Some(config)).ok()?;
    let article = readability.parse().ok()?;
    let text = tidy(&article.text_content);
    if text.is_empty() {
        return None;
    }
    let title = Some(article.title.trim().to_string()).filter(|t| !t.is_empty());
    Some(Extracted { title, text })
}

/// Deepest element nesting handed to the extractor. Real pages stay far below it; the
/// extractor's work grows with the square of the depth (20,000 nested `<div>`s took a
/// minute), so deeper tags are dropped and their text kept.
pub const MAX_NESTING: usize = 200;

/// Elements that never contain others, and elements whose end tag may be left out (a page
/// of a thousand unclosed `<li>`s is not deep): neither counts toward the depth.
const FLAT_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "thead", "tbody", "tfoot",
    "colgroup", "rb", "rt", "rp", "optgroup",
];

/// `html` with every start and end tag nested deeper than `max_depth` removed (their text
/// stays), in one pass; borrowed unchanged when no element is that deep.
pub fn flatten_deep_nesting(html: &str, max_depth: usize) -> std::borrow::Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let (mut depth, mut copied, mut at) = (0usize, 0usize, 0usize);
    while let Some(offset) = memchr::memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        let Some(len) = memchr::memchr(b'>', &bytes[start..]) else {
            break;
        };
        let end = start + len + 1;
        at = end;
        let tag = &html[start + 1..end - 1];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if name.is_empty() || tag.ends_with('/') || FLAT_ELEMENTS.contains(&name.as_str()) {
            continue;
        }
        let too_deep = if closing {
            let deep = depth > max_depth;
            depth = depth.saturating_sub(1);
            deep
        } else {
            depth += 1;
            depth > max_depth
        };
        if too_deep {
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
            buf.push_str(&html[copied..start]);
            copied = end;
        }
        if !closing && matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
            // Raw text: its `<` are not tags (`i<n` in a script); resume after its end tag.
            at = memchr::memmem::find_iter(&bytes[end..], b"</")
                .map(|i| end + i)
                .find(|&i| {
                    bytes[i + 2..]
                        .get(..name.len())
                        .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
                })
                .unwrap_or(bytes.len());
        }
    }
    match out {
        Some(mut buf) => {
            buf.push_str(&html[copied..]);
            std::borrow::Cow::Owned(buf)
        }
        None => std::borrow::Cow::Borrowed(html),
    }
}

/// Collapses runs of spaces inside lines and runs of blank lines to one blank line.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        out.push_str(&line);
    }
    out
}

/// The language of `text` as an ISO 639-3 code when the identification is reliable.
pub fn language(text: &str) -> Option<&'static str> {
    // The first few thousand characters decide; identification cost grows with length.
    let sample: String = text.chars().take(4000).collect();
    let info = whatlang::detect(&sample)?;
    info.is_reliable().then(|| info.lang().code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_declared_meta_and_guessed_charsets() {
        assert_eq!(decode(b"caf\xe9", Some("iso-8859-1")), "café");
        let page = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9</body>";
        assert!(decode(page, None).contains("café"));
        assert_eq!(decode("café".as_bytes(), None), "café");
        // Undeclared Latin-1 is guessed, not mangled into replacement characters.
        let guessed = decode(
            b"Le caf\xe9 de la gare est ferm\xe9 depuis longtemps.",
            None,
        );
        assert!(guessed.contains("café"), "{guessed}");
    }

    #[test]
    fn extraction_drops_navigation_and_footer() {
        let body = "The council voted on Tuesday to close the old bridge to traffic. ".repeat(8);
        let page =
            unspin_testkit::warc_writer::html_page("Bridge closes", &format!("{body}\n\n{body}"));
        let got = extract_html(&page, Some("https://example.com/news/1")).expect("content");
        assert!(got.text.contains("The council voted"));
        assert!(!got.text.contains("Contact us"), "{}", got.text);
        assert!(!got.text.contains("All rights reserved"), "{}", got.text);
        assert_eq!(got.title.as_deref(), Some("Bridge closes"));
    }

    #[test]
    fn deep_nesting_is_flattened_and_its_text_kept() {
        let deep = format!(
            "<html><body>{}<p>The council met on Tuesday to discuss the plan for the harbour, \
             and the mayor said the work would begin next spring after a long debate.</p>{}</body></html>",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        let flat = flatten_deep_nesting(&deep, MAX_NESTING);
        // <html> and <body> are two of the levels kept.
        assert_eq!(flat.matches("<div>").count(), MAX_NESTING - 2);
        assert_eq!(flat.matches("</div>").count(), MAX_NESTING - 2);
        let page = extract_html(&deep, None).expect("the text survives");
        assert!(
            page.text.contains("the work would begin next spring"),
            "{}",
            page.text
        );
        // A page within the limit is handed over unchanged.
        let shallow = "<div><p>one<p>two</div>";
        assert!(matches!(
            flatten_deep_nesting(shallow, MAX_NESTING),
            std::borrow::Cow::Borrowed(_)
        ));
        let script = format!(
            "<div><script>{}</script><style>a<b{{}}</style><p>text</div>",
            "for(i=0;i<n;i++){}".repeat(1_000)
        );
        assert!(matches!(
            flatten_deep_nesting(&script, MAX_NESTING),
            std::borrow::Cow::Borrowed(_)
        ));
        let many_items = format!("<ul>{}</ul>", "<li>item".repeat(5_000));
        assert!(matches!(
            flatten_deep_nesting(&many_items, MAX_NESTING),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn identifies_english_and_not_english() {
        let en = "The council voted on Tuesday to close the old bridge to traffic after engineers found cracks.";
        let de =
            "Der Stadtrat hat am Dienstag beschlossen, die alte Brücke für den Verkehr zu sperren.";
        assert_eq!(language(en), Some("eng"));
        assert_eq!(language(de), Some("deu"));
    }
}
