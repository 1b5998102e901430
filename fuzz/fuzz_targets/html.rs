//! Main-text extraction of arbitrary bytes served as a page: charset detection, decoding,
//! deep-nesting flattening, readability and language identification. Flattening only drops
//! tags, so it never adds text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = unspin_extract::decode(data, None);
    let flat = unspin_extract::flatten_deep_nesting(&html, 32);
    assert!(flat.len() <= html.len());
    if let Some(page) = unspin_extract::extract_html(&flat, Some("https://fuzz.example/page")) {
        let _ = unspin_extract::language(&page.text);
    }
});
