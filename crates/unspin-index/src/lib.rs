//! The on-disk index of original articles that `unspin trace` searches.
//!
//! One redb file (`index.redb`) in the index folder: embedded, no server, ACID. Documents are
//! added in batches, each batch one write transaction, so a crash or `kill -9` during an add
//! leaves every batch that had committed and nothing of the one in flight. Documents are
//! deduplicated by id.
//!
//! Tables: `docs` (document number -> JSON of the document), `ids` (id -> document number),
//! `postings` (shingle hash -> sorted little-endian u32 document numbers; an inverted index of
//! the shingles of [`unspin_core::fingerprint`]), `meta` (format version, next document
//! number).

pub mod follow;
pub mod trace;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

const DOCS: TableDefinition<u32, &[u8]> = TableDefinition::new("docs");
const IDS: TableDefinition<&str, u32> = TableDefinition::new("ids");
const POSTINGS: TableDefinition<u64, &[u8]> = TableDefinition::new("postings");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Version of the index layout; an index written by another version is refused.
pub const FORMAT_VERSION: u64 = 1;

/// Shingles found in more documents than this are skipped at query time: they are boilerplate
/// ("said in a statement"), not evidence of copying.
pub const MAX_POSTINGS: usize = 5_000;

/// Page cache of an open index.
const CACHE_BYTES: usize = 64 << 20;

/// File name of the database inside the index folder.
pub const FILE_NAME: &str = "index.redb";

/// Why the index could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// No index at that place.
    #[error("no index at {0} (create one with `unspin index add ... --index {0}`)")]
    Missing(PathBuf),
    /// The file is not a usable index.
    #[error("index {path} is damaged or not an unspin index: {reason}")]
    Corrupt {
        /// The index file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Another process (or another handle in this one) has the index open.
    #[error("index {path} is in use by another process (an `index add` or a server?); wait for it to finish")]
    Locked {
        /// The index file.
        path: PathBuf,
    },
    /// The disk is full: the batch in flight was not written, every earlier one is kept.
    #[error("index {path}: the disk is full; free space and run the add again (finished batches are kept)")]
    DiskFull {
        /// The index file.
        path: PathBuf,
    },
    /// The index holds as many documents as its layout can number.
    #[error("index {path} is full ({reason}); start another index")]
    Capacity {
        /// The index file.
        path: PathBuf,
        /// Which limit.
        reason: String,
    },
    /// Another input/output failure.
    #[error("index {path}: {source}")]
    Io {
        /// The index file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl IndexError {
    /// Names a storage failure of the index at `path` by its kind: lock held, full disk,
    /// other I/O, or damage.
    fn storage(path: &Path, e: impl Into<redb::Error>) -> IndexError {
        let path = path.to_path_buf();
        match e.into() {
            redb::Error::DatabaseAlreadyOpen => IndexError::Locked { path },
            redb::Error::Io(source) => match source.kind() {
                std::io::ErrorKind::StorageFull => IndexError::DiskFull { path },
                // redb reports a file it cannot parse ("magic number mismatch") this way.
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => {
                    IndexError::Corrupt {
                        path,
                        reason: source.to_string(),
                    }
                }
                _ => IndexError::Io { path, source },
            },
            other => IndexError::Corrupt {
                path,
                reason: other.to_string(),
            },
        }
    }
}

/// An original article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Caller's identifier (unique in the index).
    pub id: String,
    /// Where it was published, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its title, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its text.
    pub text: String,
}

/// What an add did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AddReport {
    /// Documents added.
    pub added: usize,
    /// Documents skipped because their id was already indexed.
    pub duplicates: usize,
    /// Bytes of text added.
    pub bytes: usize,
}

/// Size of the index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Documents indexed.
    pub documents: u64,
    /// Distinct shingles.
    pub shingles: u64,
    /// Size of the index file in bytes.
    pub file_bytes: u64,
}

/// A candidate source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Document number.
    pub doc: u32,
    /// Query shingles the document shares.
    pub shared: usize,
}

/// An open index.
pub struct Index {
    db: redb::Database,
    path: PathBuf,
}

/// A database builder that checks every page's checksum when the file is opened: a file
/// altered outside unspin (a flipped byte, a truncated copy) is then refused with a clear
/// error at open, instead of answering wrongly or panicking later. It reads the whole file,
/// once per open (see BENCHMARKS.md for what that costs).
fn checked_builder() -> redb::Builder {
    let mut builder = redb::Builder::new();
    builder.set_check_integrity_on_open(true);
    // The check walks every page once; a large cache would only keep the whole file in
    // memory (the default held 600 MB of a 800 MB index). Queries touch few pages each.
    builder.set_cache_size(CACHE_BYTES);
    builder
}

thread_local! {
    /// Depth of [`guarded`] calls on this thread: the quiet panic hook stays silent inside one.
    static GUARD_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Runs `f`, turning a panic inside the storage engine into [`IndexError::Corrupt`] for
/// `path`: a damaged file that slips past the checks must still end in a clear error, not a
/// crash (and not a `PanicException` in Python).
fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T, IndexError>) -> Result<T, IndexError> {
    GUARD_DEPTH.with(|d| d.set(d.get() + 1));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARD_DEPTH.with(|d| d.set(d.get() - 1));
    result.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".to_owned());
        Err(IndexError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("the database failed while reading it ({what})"),
        })
    })
}

/// Installs a panic hook that stays silent for panics [`guarded`] turns into errors (they are
/// reported as such) and defers to the previous hook for every other panic. For binaries.
pub fn install_quiet_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if GUARD_DEPTH.with(|d| d.get()) == 0 {
            previous(info);
        }
    }));
}

impl Index {
    /// [`guarded`] for this index's file.
    fn guard<T>(&self, f: impl FnOnce() -> Result<T, IndexError>) -> Result<T, IndexError> {
        guarded(&self.path, f)
    }

    /// A storage failure of this index, by kind.
    fn fail(&self, e: impl Into<redb::Error>) -> IndexError {
        IndexError::storage(&self.path, e)
    }

    /// Damage or a layout this build cannot read.
    fn corrupt(&self, reason: impl std::fmt::Display) -> IndexError {
        IndexError::Corrupt {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// Opens the index in `dir`, creating the folder and an empty index if there is none.
    pub fn create(dir: &Path) -> Result<Index, IndexError> {
        let path = dir.join(FILE_NAME);
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            path: path.clone(),
            source,
        })?;
        let db = guarded(&path, || {
            checked_builder()
                .create(&path)
                .map_err(|e| IndexError::storage(&path, e))
        })?;
        let index = Index { db, path };
        index.guard(|| index.init())?;
        Ok(index)
    }

    /// Opens an existing index in `dir`.
    pub fn open(dir: &Path) -> Result<Index, IndexError> {
        let path = dir.join(FILE_NAME);
        if !path.is_file() {
            return Err(IndexError::Missing(dir.to_path_buf()));
        }
        let db = guarded(&path, || {
            checked_builder()
                .open(&path)
                .map_err(|e| IndexError::storage(&path, e))
        })?;
        let index = Index { db, path };
        index.guard(|| index.check_version())?;
        Ok(index)
    }

    fn init(&self) -> Result<(), IndexError> {
        let txn = self.db.begin_write().map_err(|e| self.fail(e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| self.fail(e))?;
            let version = meta
                .get("format")
                .map_err(|e| self.fail(e))?
                .map(|v| v.value());
            match version {
                None => {
                    meta.insert("format", FORMAT_VERSION)
                        .map_err(|e| self.fail(e))?;
                    meta.insert("next_doc", 0).map_err(|e| self.fail(e))?;
                }
                Some(FORMAT_VERSION) => {}
                Some(v) => {
                    return Err(self.corrupt(format!(
                        "format version {v}, this build reads {FORMAT_VERSION}"
                    )))
                }
            }
            txn.open_table(DOCS).map_err(|e| self.fail(e))?;
            txn.open_table(IDS).map_err(|e| self.fail(e))?;
            txn.open_table(POSTINGS).map_err(|e| self.fail(e))?;
        }
        txn.commit().map_err(|e| self.fail(e))
    }

    fn check_version(&self) -> Result<(), IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let meta = txn.open_table(META).map_err(|e| self.fail(e))?;
        match meta.get("format").map_err(|e| self.fail(e))? {
            Some(v) if v.value() == FORMAT_VERSION => Ok(()),
            Some(v) => Err(self.corrupt(format!(
                "format version {}, this build reads {FORMAT_VERSION}",
                v.value()
            ))),
            None => Err(self.corrupt("no format version")),
        }
    }

    /// Adds `docs` in one transaction: all of them or, on error or crash, none.
    pub fn add_batch(&self, docs: &[Document]) -> Result<AddReport, IndexError> {
        self.guard(|| self.add_batch_unguarded(docs))
    }

    fn add_batch_unguarded(&self, docs: &[Document]) -> Result<AddReport, IndexError> {
        use rayon::prelude::*;
        let mut report = AddReport::default();
        // Fingerprinting is the CPU work of an add; it needs no transaction, so it runs on
        // every core before the (single-writer) transaction starts.
        let fingerprints: Vec<Vec<u64>> = docs
            .par_iter()
            .map(|d| unspin_core::fingerprint::fingerprint(&d.text))
            .collect();
        let txn = self.db.begin_write().map_err(|e| self.fail(e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| self.fail(e))?;
            let mut ids = txn.open_table(IDS).map_err(|e| self.fail(e))?;
            let mut table = txn.open_table(DOCS).map_err(|e| self.fail(e))?;
            let mut postings = txn.open_table(POSTINGS).map_err(|e| self.fail(e))?;
            let mut next = meta
                .get("next_doc")
                .map_err(|e| self.fail(e))?
                .map(|v| v.value())
                .ok_or_else(|| self.corrupt("no document counter"))?;
            let mut fresh: HashMap<u64, Vec<u32>> = HashMap::new();
            for (d, fingerprint) in docs.iter().zip(fingerprints) {
                if ids.get(d.id.as_str()).map_err(|e| self.fail(e))?.is_some() {
                    report.duplicates += 1;
                    continue;
                }
                let doc = u32::try_from(next).map_err(|_| IndexError::Capacity {
                    path: self.path.clone(),
                    reason: format!("{} documents", u32::MAX),
                })?;
                next += 1;
                let json = serde_json::to_vec(d).map_err(|e| self.corrupt(e))?;
                table
                    .insert(doc, json.as_slice())
                    .map_err(|e| self.fail(e))?;
                ids.insert(d.id.as_str(), doc).map_err(|e| self.fail(e))?;
                for h in fingerprint {
                    fresh.entry(h).or_default().push(doc);
                }
                report.added += 1;
                report.bytes += d.text.len();
            }
            let mut keys: Vec<u64> = fresh.keys().copied().collect();
            keys.sort_unstable();
            for h in keys {
                let mut list = postings
                    .get(h)
                    .map_err(|e| self.fail(e))?
                    .map(|v| v.value().to_vec())
                    .unwrap_or_default();
                for doc in &fresh[&h] {
                    list.extend_from_slice(&doc.to_le_bytes());
                }
                postings
                    .insert(h, list.as_slice())
                    .map_err(|e| self.fail(e))?;
            }
            meta.insert("next_doc", next).map_err(|e| self.fail(e))?;
        }
        txn.commit().map_err(|e| self.fail(e))?;
        Ok(report)
    }

    /// Counts of the index.
    pub fn stats(&self) -> Result<Stats, IndexError> {
        self.guard(|| self.stats_unguarded())
    }

    fn stats_unguarded(&self) -> Result<Stats, IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.fail(e))?;
        let postings = txn.open_table(POSTINGS).map_err(|e| self.fail(e))?;
        Ok(Stats {
            documents: docs.len().map_err(|e| self.fail(e))?,
            shingles: postings.len().map_err(|e| self.fail(e))?,
            file_bytes: std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
        })
    }

    /// The `k` documents sharing most of `fingerprint`'s shingles (shingles more common than
    /// [`MAX_POSTINGS`] documents are ignored), best first.
    pub fn search(&self, fingerprint: &[u64], k: usize) -> Result<Vec<Hit>, IndexError> {
        self.guard(|| self.search_unguarded(fingerprint, k))
    }

    fn search_unguarded(&self, fingerprint: &[u64], k: usize) -> Result<Vec<Hit>, IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let postings = txn.open_table(POSTINGS).map_err(|e| self.fail(e))?;
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for h in fingerprint {
            let Some(list) = postings.get(*h).map_err(|e| self.fail(e))? else {
                continue;
            };
            let bytes = list.value();
            if bytes.len() % 4 != 0 {
                return Err(self.corrupt("a posting list is not a whole number of entries"));
            }
            if bytes.len() / 4 > MAX_POSTINGS {
                continue;
            }
            for chunk in bytes.chunks_exact(4) {
                let doc = u32::from_le_bytes(chunk.try_into().expect("4 bytes"));
                *counts.entry(doc).or_default() += 1;
            }
        }
        let mut hits: Vec<Hit> = counts
            .into_iter()
            .map(|(doc, shared)| Hit { doc, shared })
            .collect();
        hits.sort_by(|a, b| b.shared.cmp(&a.shared).then(a.doc.cmp(&b.doc)));
        hits.truncate(k);
        Ok(hits)
    }

    /// The document with number `doc`.
    pub fn document(&self, doc: u32) -> Result<Document, IndexError> {
        self.guard(|| self.document_unguarded(doc))
    }

    fn document_unguarded(&self, doc: u32) -> Result<Document, IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.fail(e))?;
        let value = docs
            .get(doc)
            .map_err(|e| self.fail(e))?
            .ok_or_else(|| self.corrupt(format!("document {doc} is listed but missing")))?;
        serde_json::from_slice(value.value()).map_err(|e| self.corrupt(e))
    }

    /// Rewrites the file without its free space (an interrupted add leaves pages behind);
    /// returns its size in bytes before and after.
    pub fn compact(&mut self) -> Result<(u64, u64), IndexError> {
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let before = size(&self.path);
        let path = self.path.clone();
        let db = &mut self.db;
        guarded(&path, || {
            // redb compacts a little per call; repeat until nothing moves.
            while db.compact().map_err(|e| IndexError::storage(&path, e))? {}
            Ok(())
        })?;
        Ok((before, size(&self.path)))
    }

    /// Checks the invariants a crash must not break: every document number in a posting list
    /// is a stored document, every stored document's id maps back to it, and the document
    /// counter is past every stored document. Returns the number of documents.
    pub fn verify(&self) -> Result<u64, IndexError> {
        self.guard(|| self.verify_unguarded())
    }

    fn verify_unguarded(&self) -> Result<u64, IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.fail(e))?;
        let ids = txn.open_table(IDS).map_err(|e| self.fail(e))?;
        let postings = txn.open_table(POSTINGS).map_err(|e| self.fail(e))?;
        let meta = txn.open_table(META).map_err(|e| self.fail(e))?;
        let next = meta
            .get("next_doc")
            .map_err(|e| self.fail(e))?
            .map(|v| v.value())
            .ok_or_else(|| self.corrupt("no document counter"))?;
        for entry in docs.iter().map_err(|e| self.fail(e))? {
            let (doc, json) = entry.map_err(|e| self.fail(e))?;
            let d: Document = serde_json::from_slice(json.value()).map_err(|e| self.corrupt(e))?;
            let mapped = ids
                .get(d.id.as_str())
                .map_err(|e| self.fail(e))?
                .map(|v| v.value());
            if mapped != Some(doc.value()) || u64::from(doc.value()) >= next {
                return Err(self.corrupt(format!("document {} is half-written", d.id)));
            }
        }
        for entry in postings.iter().map_err(|e| self.fail(e))? {
            let (_, list) = entry.map_err(|e| self.fail(e))?;
            for chunk in list.value().chunks_exact(4) {
                let doc = u32::from_le_bytes(chunk.try_into().expect("4 bytes"));
                if docs.get(doc).map_err(|e| self.fail(e))?.is_none() {
                    return Err(self.corrupt(format!("a posting names missing document {doc}")));
                }
            }
        }
        if ids.len().map_err(|e| self.fail(e))? != docs.len().map_err(|e| self.fail(e))? {
            return Err(self.corrupt("ids and documents differ in number"));
        }
        docs.len().map_err(|e| self.fail(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str) -> Document {
        Document {
            id: id.to_owned(),
            url: None,
            title: None,
            text: text.to_owned(),
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("unspin-index-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn add_search_dedup_and_reopen() {
        let dir = temp_dir("basic");
        let index = Index::create(&dir).unwrap();
        let r = index
            .add_batch(&[
                doc(
                    "a",
                    "officials said the war against the rebels would end soon",
                ),
                doc(
                    "b",
                    "markets fell sharply on monday as investors weighed tariffs",
                ),
            ])
            .unwrap();
        assert_eq!((r.added, r.duplicates), (2, 0));
        let r = index
            .add_batch(&[doc("a", "a different text under the same id")])
            .unwrap();
        assert_eq!((r.added, r.duplicates), (0, 1));
        drop(index);
        let index = Index::open(&dir).unwrap();
        assert_eq!(index.stats().unwrap().documents, 2);
        assert_eq!(index.verify().unwrap(), 2);
        let q = unspin_core::fingerprint::fingerprint("the war against the rebels would end");
        let hits = index.search(&q, 5).unwrap();
        assert_eq!(hits[0].doc, 0);
        assert_eq!(index.document(hits[0].doc).unwrap().id, "a");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_and_foreign_files_are_clear_errors() {
        let dir = temp_dir("bad");
        assert!(matches!(Index::open(&dir), Err(IndexError::Missing(_))));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FILE_NAME), b"this is not a database at all").unwrap();
        let err = Index::open(&dir).err().expect("refused").to_string();
        assert!(err.contains("index.redb"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
