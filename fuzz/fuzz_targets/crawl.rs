//! The crawl readers (WARC plain and gzipped, JSON Lines, HTML and text files) on arbitrary
//! bytes. The first byte picks the name the rest is saved under, so format detection by name
//! and by content both see every kind. Every record read is a readable document, a skip or a
//! malformed report; never a panic.
#![no_main]

use std::sync::atomic::AtomicBool;

use libfuzzer_sys::fuzz_target;
use unspin_scan::documents::{read_documents, Record};
use unspin_scan::JsonFields;

const NAMES: [&str; 5] = [
    "input.warc",
    "input.warc.gz",
    "input.jsonl",
    "input.html",
    "input.txt",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("unspin-fuzz-crawl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let path = dir.join(NAMES[usize::from(pick) % NAMES.len()]);
    std::fs::write(&path, bytes).expect("temporary file");
    read_documents(
        &[path.to_string_lossy().into_owned()],
        &JsonFields::default(),
        &AtomicBool::new(false),
        &mut |record| {
            if let Record::Document(d) = record {
                // A document with nothing to read is reported as skipped, never handed on.
                assert!(!d.text.trim().is_empty());
            }
            true
        },
    );
});
