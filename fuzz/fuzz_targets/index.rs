//! A damaged index: the input is a list of (offset, xor) pairs, five bytes each, applied to
//! the files of a small clean index (its database and its posting segments, as one run of
//! bytes). Opening and reading it gives a clear error naming the index or the clean index's
//! answers exactly; never a panic, never a silently different answer.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use unspin_index::{Document, Index, IndexError};

/// Documents of our own words, each its own best match.
fn documents() -> Vec<Document> {
    ["council", "harbour", "railway", "library"]
        .iter()
        .enumerate()
        .map(|(i, topic)| Document {
            id: format!("doc-{i}"),
            url: Some(format!("https://example.org/{topic}")),
            title: Some(format!("The {topic}")),
            text: (0..8)
                .map(|s| {
                    format!(
                        "The {topic} committee met on day {s} and agreed plan {} after {} hours.",
                        i * 31 + s,
                        s * 7 + i
                    )
                })
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect()
}

/// Everything a reader can ask of the index.
fn answers(index: &Index, docs: &[Document]) -> Result<String, IndexError> {
    let stats = index.stats()?;
    let mut out = format!("{} {}\n", stats.documents, stats.shingles);
    for n in 0..docs.len() as u32 {
        out += &format!("{:?}\n", index.document(n)?);
    }
    for d in docs {
        let fp = unspin_core::fingerprint::fingerprint(&d.text);
        out += &format!("{:?}\n", index.search(&fp, 3)?);
    }
    out += &format!("{}\n", index.verify()?);
    Ok(out)
}

/// The clean index's files (name, bytes; after one checked open, which commits) and its
/// answers.
fn clean() -> &'static (Vec<(String, Vec<u8>)>, String) {
    static CLEAN: OnceLock<(Vec<(String, Vec<u8>)>, String)> = OnceLock::new();
    CLEAN.get_or_init(|| {
        let dir = scratch("clean");
        let _ = std::fs::remove_dir_all(&dir);
        let docs = documents();
        Index::create(&dir).unwrap().add_batch(&docs).unwrap();
        let expected = answers(&Index::open(&dir).unwrap(), &docs).unwrap();
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        (files, expected)
    })
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("unspin-fuzz-index-{name}-{}", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let (clean_files, expected) = clean();
    let mut files = clean_files.clone();
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    for flip in data.chunks_exact(5) {
        let mut at = u32::from_le_bytes([flip[0], flip[1], flip[2], flip[3]]) as usize % total;
        for (_, bytes) in files.iter_mut() {
            if at < bytes.len() {
                bytes[at] ^= flip[4];
                break;
            }
            at -= bytes.len();
        }
    }
    let dir = scratch("damaged");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    match Index::open(&dir).and_then(|index| answers(&index, &documents())) {
        Ok(got) => assert_eq!(&got, expected, "a damaged index answered differently"),
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains(&dir.display().to_string()),
                "the error does not name the index: {message}"
            );
        }
    }
});
