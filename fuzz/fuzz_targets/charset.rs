//! Decoding with a declared charset: the first byte is the label's length, the label follows,
//! the rest is the body. Valid UTF-8 without a byte-order mark, declared as UTF-8, comes back
//! unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 24).min(rest.len());
    let (label, body) = rest.split_at(n);
    let label = String::from_utf8_lossy(label);
    let _ = unspin_extract::decode(body, Some(&label));
    let _ = unspin_extract::decode(body, None);
    if let Ok(text) = std::str::from_utf8(body) {
        if !text.starts_with('\u{feff}') {
            assert_eq!(unspin_extract::decode(body, Some("utf-8")), text);
        }
    }
});
