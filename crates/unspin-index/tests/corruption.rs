//! A damaged index file: every flipped byte gives a clear error naming the file or the same
//! answers as the clean index; never a panic, never a silent wrong answer.

use unspin_index::{Document, Index, IndexError};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("index-corruption-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Documents of our own words, distinct enough that each is its own best match.
fn documents() -> Vec<Document> {
    let topics = [
        "council", "harbour", "railway", "library", "hospital", "stadium", "orchard", "museum",
    ];
    topics
        .iter()
        .enumerate()
        .map(|(i, topic)| {
            let text = (0..12)
                .map(|s| {
                    format!(
                        "The {topic} committee met on day {s} and agreed plan number {} for the {topic} after {} hours of debate.",
                        i * 31 + s,
                        s * 7 + i
                    )
                })
                .collect::<Vec<_>>()
                .join(" ");
            Document {
                id: format!("doc-{i}"),
                url: Some(format!("https://example.org/{topic}")),
                title: Some(format!("The {topic}")),
                text,
            }
        })
        .collect()
}

/// Everything a reader of the index can ask: counts, each document, each document's search.
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

/// Copies every file of folder `from` into `to` (made afresh).
fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Flips one byte at each of `positions` of the file `name` in a copy of the clean index and
/// asks everything; returns how many were refused and how many answered as the clean index.
fn flip_each(
    clean_dir: &std::path::Path,
    name: &str,
    positions: impl Fn(usize) -> Vec<usize>,
    docs: &[Document],
    expected: &str,
) -> (usize, usize) {
    let dir = scratch("flipped");
    copy_folder(clean_dir, &dir);
    let file = dir.join(name);
    let clean_bytes = std::fs::read(clean_dir.join(name)).unwrap();
    let len = clean_bytes.len();
    let (mut refused, mut same) = (0, 0);
    for at in positions(len) {
        let mut bytes = clean_bytes.clone();
        bytes[at] ^= 0x5a;
        std::fs::write(&file, &bytes).unwrap();
        let outcome =
            std::panic::catch_unwind(|| Index::open(&dir).and_then(|index| answers(&index, docs)));
        match outcome {
            Err(_) => panic!("{name}, byte {at} of {len}: a panic"),
            Ok(Ok(got)) => {
                assert_eq!(
                    got, expected,
                    "{name}, byte {at} of {len}: different answers"
                );
                same += 1;
            }
            Ok(Err(e)) => {
                let message = e.to_string();
                assert!(
                    message.contains(&file.display().to_string())
                        || message.contains(&dir.display().to_string()),
                    "{name}, byte {at}: the error does not name the index: {message}"
                );
                refused += 1;
            }
        }
        // A refused open may have deleted nothing of ours, but start each flip afresh.
        copy_folder(clean_dir, &dir);
    }
    eprintln!("{name}: flips over {len} bytes: {refused} refused, {same} with identical answers");
    (refused, same)
}

#[test]
fn every_flipped_byte_gives_a_clear_error_or_the_same_answers() {
    let clean_dir = scratch("clean");
    let docs = documents();
    {
        let index = Index::create(&clean_dir).unwrap();
        // Two batches: two segment files beside the database.
        index.add_batch(&docs[..5]).unwrap();
        index.add_batch(&docs[5..]).unwrap();
    }
    let expected = answers(&Index::open(&clean_dir).unwrap(), &docs).unwrap();
    // The checked open commits (it rebuilds the allocator state): every flip starts from the
    // folder as it is after one.
    let segments: Vec<String> = std::fs::read_dir(&clean_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".seg"))
        .collect();
    assert_eq!(segments.len(), 2, "{segments:?}");

    // The database: its header in full, then a stride across the whole file (every page).
    let (refused, same) = flip_each(
        &clean_dir,
        unspin_index::FILE_NAME,
        |len| (0..len.min(1024)).chain((1024..len).step_by(61)).collect(),
        &docs,
        &expected,
    );
    assert!(refused > 0 && same > 0, "{refused} refused, {same} same");
    // A segment: every byte is covered by its checksum, so every flip is refused.
    for name in &segments {
        let (refused, same) = flip_each(
            &clean_dir,
            name,
            |len| (0..len).step_by(7).chain([len - 1]).collect(),
            &docs,
            &expected,
        );
        assert!(
            refused > 0 && same == 0,
            "{name}: {refused} refused, {same} same"
        );
    }
}

#[test]
fn compacting_keeps_every_answer_and_does_not_grow_the_file() {
    let dir = scratch("compact");
    let docs = documents();
    {
        let index = Index::create(&dir).unwrap();
        // Two batches: two segments to merge, and free pages in the database.
        index.add_batch(&docs[..4]).unwrap();
        index.add_batch(&docs[4..]).unwrap();
    }
    let expected = answers(&Index::open(&dir).unwrap(), &docs).unwrap();
    let (before, after) = Index::open(&dir).unwrap().compact().unwrap();
    assert!(after <= before, "{before} -> {after}");
    assert_eq!(
        answers(&Index::open(&dir).unwrap(), &docs).unwrap(),
        expected
    );
}
