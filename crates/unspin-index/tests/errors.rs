//! Index failures are named by their kind and path: a missing index, one held by another
//! handle, and a file that is not an index are three different messages.

use unspin_index::{Index, IndexError};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("index-errors-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_held_index_is_reported_as_locked_not_damaged() {
    let dir = scratch("locked");
    let _held = Index::create(&dir).unwrap();
    let err = Index::open(&dir).err().expect("a second open is refused");
    assert!(matches!(err, IndexError::Locked { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("in use") && message.contains(&dir.display().to_string()),
        "{message}"
    );
}

#[test]
fn a_missing_index_and_a_foreign_file_are_told_apart() {
    let dir = scratch("missing");
    assert!(matches!(Index::open(&dir), Err(IndexError::Missing(_))));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(unspin_index::FILE_NAME), b"not a database at all").unwrap();
    let err = Index::open(&dir).err().expect("a foreign file is refused");
    assert!(matches!(err, IndexError::Corrupt { .. }), "{err:?}");
}
