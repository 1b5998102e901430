//! Fuzzing extraction with proptest: HTML-like strings built from tags, text and stray
//! markup, arbitrary bytes for charset decoding. Never a panic; flattening deep nesting keeps
//! every byte of text. `PROPTEST_CASES=100000` for the long run (BENCHMARKS.md).

use proptest::prelude::*;
use unspin_extract::{decode, extract_html, flatten_deep_nesting, MAX_NESTING};

/// Pieces of HTML, well-formed or not.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<div>".to_owned()),
        Just("</div>".to_owned()),
        Just("<p>".to_owned()),
        Just("<script>if (a<b) x = '</div>';</script>".to_owned()),
        Just("<!-- a comment <div> -->".to_owned()),
        Just("<br/>".to_owned()),
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("<a href=\"javascript:x()\">link</a>".to_owned()),
        Just("<meta charset=\"koi8-r\">".to_owned()),
        "[a-zA-Z ,.é€]{0,40}",
    ]
}

fn without_tags(s: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' if inside => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

proptest! {
    #[test]
    fn extraction_of_any_markup_never_panics(pieces in proptest::collection::vec(piece(), 0..200)) {
        let html = pieces.concat();
        let _ = extract_html(&html, Some("not a url"));
        let _ = extract_html(&html, Some("https://news.example/a"));
    }

    #[test]
    fn flattening_drops_tags_only(pieces in proptest::collection::vec(piece(), 0..400), depth in 1usize..8) {
        let html = pieces.concat();
        let flat = flatten_deep_nesting(&html, depth);
        prop_assert_eq!(without_tags(&flat), without_tags(&html));
        prop_assert!(flat.len() <= html.len());
    }

    #[test]
    fn decoding_any_bytes_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        declared in proptest::option::of("[a-zA-Z0-9_-]{0,12}"),
    ) {
        let _ = decode(&bytes, declared.as_deref());
    }
}

#[test]
fn the_limit_is_what_the_extractor_sees() {
    let deep = format!("{}text{}", "<div>".repeat(10_000), "</div>".repeat(10_000));
    assert_eq!(
        flatten_deep_nesting(&deep, MAX_NESTING)
            .matches("<div>")
            .count(),
        MAX_NESTING
    );
}
