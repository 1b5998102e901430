//! The on-disk index of original articles that `unspin trace` searches.
//!
//! One folder: a redb database (`index.redb`: embedded, no server, ACID) and the posting
//! segments beside it ([`segment`]: immutable files of shingle hash -> document numbers, an
//! inverted index of the shingles of [`unspin_core::fingerprint`]). Documents are added in
//! batches; each batch writes one segment, then one write transaction records its documents
//! and the segment together, so a crash or `kill -9` during an add leaves every batch that had
//! committed and nothing of the one in flight (a segment file the database does not list is
//! deleted at the next open). Documents are deduplicated by id.
//!
//! Tables: `docs` (document number -> JSON of the document), `ids` (id -> document number),
//! `segments` (segment number -> level, file size, checksum), `meta` (format version, next
//! document number, next segment number).

pub mod follow;
mod segment;
pub mod trace;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

const DOCS: TableDefinition<u32, &[u8]> = TableDefinition::new("docs");
const IDS: TableDefinition<&str, u32> = TableDefinition::new("ids");
/// Segment number -> (level, file size in bytes, checksum).
const SEGMENTS: TableDefinition<u64, (u64, u64, u64)> = TableDefinition::new("segments");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Version of the index layout; an index written by another version is refused (version 1
/// kept its posting lists in the database; rebuild such an index with `unspin index add`).
pub const FORMAT_VERSION: u64 = 2;

/// Shingles found in more documents than this are skipped at query time: they are boilerplate
/// ("said in a statement"), not evidence of copying.
pub const MAX_POSTINGS: usize = 1_000;

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
    /// The database file.
    path: PathBuf,
    /// The index folder.
    dir: PathBuf,
    /// The segments, oldest documents first (a merge replaces a run of them in place).
    segments: RwLock<Vec<Arc<segment::Segment>>>,
    /// Held by an add from its first write to its last merge: one writer at a time, and the
    /// next segment number with it.
    writer: Mutex<u64>,
}

/// A segment's failure as an index error naming the segment file.
fn segment_error(e: segment::SegmentError) -> IndexError {
    match e {
        segment::SegmentError::Io(path, source) => {
            if source.kind() == std::io::ErrorKind::StorageFull {
                IndexError::DiskFull { path }
            } else {
                IndexError::Io { path, source }
            }
        }
        segment::SegmentError::Corrupt(path, reason) => IndexError::Corrupt { path, reason },
    }
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

    /// The counter `key` of the `meta` table (`next_doc`, `next_segment`); its absence is
    /// damage ("no `what` counter").
    fn counter(
        &self,
        meta: &impl ReadableTable<&'static str, u64>,
        key: &str,
        what: &str,
    ) -> Result<u64, IndexError> {
        meta.get(key)
            .map_err(|e| self.fail(e))?
            .map(|v| v.value())
            .ok_or_else(|| self.corrupt(format!("no {what} counter")))
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
        let index = Index::over(db, dir);
        index.guard(|| index.init())?;
        index.guard(|| index.load_segments())?;
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
        let index = Index::over(db, dir);
        index.guard(|| index.check_version())?;
        index.guard(|| index.load_segments())?;
        Ok(index)
    }

    fn over(db: redb::Database, dir: &Path) -> Index {
        Index {
            db,
            path: dir.join(FILE_NAME),
            dir: dir.to_path_buf(),
            segments: RwLock::new(Vec::new()),
            writer: Mutex::new(0),
        }
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
                    meta.insert("next_segment", 0).map_err(|e| self.fail(e))?;
                }
                Some(FORMAT_VERSION) => {}
                Some(v) => return Err(self.wrong_version(v)),
            }
            txn.open_table(DOCS).map_err(|e| self.fail(e))?;
            txn.open_table(IDS).map_err(|e| self.fail(e))?;
            txn.open_table(SEGMENTS).map_err(|e| self.fail(e))?;
        }
        txn.commit().map_err(|e| self.fail(e))
    }

    fn wrong_version(&self, found: u64) -> IndexError {
        self.corrupt(format!(
            "format version {found}, this build reads {FORMAT_VERSION} (build the index again \
             with `unspin index add`)"
        ))
    }

    fn check_version(&self) -> Result<(), IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let meta = txn.open_table(META).map_err(|e| self.fail(e))?;
        match meta.get("format").map_err(|e| self.fail(e))? {
            Some(v) if v.value() == FORMAT_VERSION => Ok(()),
            Some(v) => Err(self.wrong_version(v.value())),
            None => Err(self.corrupt("no format version")),
        }
    }

    /// Opens and checks every segment the database lists, and deletes segment files it does
    /// not list (left by an add or a merge that did not commit; the folder is ours alone while
    /// the database is open).
    fn load_segments(&self) -> Result<(), IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let table = txn.open_table(SEGMENTS).map_err(|e| self.fail(e))?;
        let meta = txn.open_table(META).map_err(|e| self.fail(e))?;
        let next_segment = self.counter(&meta, "next_segment", "segment")?;
        let mut segments = Vec::new();
        let mut listed = std::collections::HashSet::new();
        for entry in table.iter().map_err(|e| self.fail(e))? {
            let (id, record) = entry.map_err(|e| self.fail(e))?;
            let (id, (level, bytes, checksum)) = (id.value(), record.value());
            if id >= next_segment || level > 64 {
                return Err(self.corrupt(format!("segment {id} is listed wrongly")));
            }
            let s = segment::Segment::open(&self.dir, id, level as u32, bytes, checksum)
                .map_err(segment_error)?;
            listed.insert(segment::file_name(id));
            segments.push(Arc::new(s));
        }
        // Segment numbers grow with the documents they hold: a batch's segment is numbered
        // after every earlier one, and a merge takes the newest run of segments and is
        // numbered after all. In that order their lists concatenate in document order.
        segments.sort_by_key(|s| s.id);
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if segment::is_segment_file(&name) && !listed.contains(&name) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        *self.segments.write().expect("segment list") = segments;
        *self.writer.lock().expect("writer") = next_segment;
        Ok(())
    }

    /// Adds `docs` in one transaction: all of them or, on error or crash, none.
    pub fn add_batch(&self, docs: &[Document]) -> Result<AddReport, IndexError> {
        self.guard(|| self.add_batch_unguarded(docs))
    }

    fn add_batch_unguarded(&self, docs: &[Document]) -> Result<AddReport, IndexError> {
        use rayon::prelude::*;
        let mut next_segment = self.writer.lock().expect("writer");
        let mut report = AddReport::default();
        // Fingerprinting is the CPU work of an add; it needs no transaction, so it runs on
        // every core before the (single-writer) transaction starts.
        let fingerprints: Vec<Vec<u64>> = docs
            .par_iter()
            .map(|d| unspin_core::fingerprint::fingerprint(&d.text))
            .collect();
        let txn = self.db.begin_write().map_err(|e| self.fail(e))?;
        let mut written = None;
        {
            let mut meta = txn.open_table(META).map_err(|e| self.fail(e))?;
            let mut ids = txn.open_table(IDS).map_err(|e| self.fail(e))?;
            let mut table = txn.open_table(DOCS).map_err(|e| self.fail(e))?;
            let mut segments = txn.open_table(SEGMENTS).map_err(|e| self.fail(e))?;
            let mut next = self.counter(&meta, "next_doc", "document")?;
            let mut pairs: Vec<(u64, u32)> = Vec::new();
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
                pairs.extend(fingerprint.into_iter().map(|h| (h, doc)));
                report.added += 1;
                report.bytes += d.text.len();
            }
            if !pairs.is_empty() {
                // The segment is on disk (synced) before the transaction that lists it
                // commits; if that never happens, the next open deletes the file.
                let id = *next_segment;
                let w = segment::write_pairs(&self.dir, id, &mut pairs).map_err(segment_error)?;
                segments
                    .insert(id, (0, w.bytes, w.checksum))
                    .map_err(|e| self.fail(e))?;
                meta.insert("next_segment", id + 1)
                    .map_err(|e| self.fail(e))?;
                written = Some((id, w));
            }
            meta.insert("next_doc", next).map_err(|e| self.fail(e))?;
        }
        txn.commit().map_err(|e| self.fail(e))?;
        if let Some((id, w)) = written {
            *next_segment = id + 1;
            let s = segment::Segment::open(&self.dir, id, 0, w.bytes, w.checksum)
                .map_err(segment_error)?;
            self.segments
                .write()
                .expect("segment list")
                .push(Arc::new(s));
            self.merge_full_levels(&mut next_segment)?;
        }
        Ok(report)
    }

    /// Merges the segments of a level into one of the next while a level holds
    /// [`segment::MERGE_FAN`] of them (the newest segments, as levels only grow with age).
    fn merge_full_levels(&self, next_segment: &mut u64) -> Result<(), IndexError> {
        loop {
            let segments = self.segments.read().expect("segment list").clone();
            let Some(level) = segments.last().map(|s| s.level) else {
                return Ok(());
            };
            let run = segments
                .iter()
                .rev()
                .take_while(|s| s.level == level)
                .count();
            if run < segment::MERGE_FAN {
                return Ok(());
            }
            let from = segments.len() - run;
            self.merge_run(&segments, from, level + 1, next_segment)?;
        }
    }

    /// Merges `segments[from..]` into one segment of `level` and records the swap in one
    /// transaction; the replaced files are deleted after it commits.
    fn merge_run(
        &self,
        segments: &[Arc<segment::Segment>],
        from: usize,
        level: u32,
        next_segment: &mut u64,
    ) -> Result<(), IndexError> {
        let inputs = &segments[from..];
        let id = *next_segment;
        let w = segment::merge(&self.dir, id, inputs).map_err(segment_error)?;
        let txn = self.db.begin_write().map_err(|e| self.fail(e))?;
        {
            let mut table = txn.open_table(SEGMENTS).map_err(|e| self.fail(e))?;
            let mut meta = txn.open_table(META).map_err(|e| self.fail(e))?;
            for s in inputs {
                table.remove(s.id).map_err(|e| self.fail(e))?;
            }
            table
                .insert(id, (u64::from(level), w.bytes, w.checksum))
                .map_err(|e| self.fail(e))?;
            meta.insert("next_segment", id + 1)
                .map_err(|e| self.fail(e))?;
        }
        txn.commit().map_err(|e| self.fail(e))?;
        *next_segment = id + 1;
        let merged = segment::Segment::open(&self.dir, id, level, w.bytes, w.checksum)
            .map_err(segment_error)?;
        {
            let mut list = self.segments.write().expect("segment list");
            list.truncate(from);
            list.push(Arc::new(merged));
        }
        // Searches in flight keep their own maps of the old files (removing a mapped file
        // leaves the mapping readable); a file that cannot be removed now is removed at the
        // next open.
        for s in inputs {
            let _ = std::fs::remove_file(&s.path);
        }
        Ok(())
    }

    /// Counts of the index.
    pub fn stats(&self) -> Result<Stats, IndexError> {
        self.guard(|| self.stats_unguarded())
    }

    fn stats_unguarded(&self) -> Result<Stats, IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.fail(e))?;
        let segments = self.segments.read().expect("segment list").clone();
        // A shingle may be in several segments: count it once.
        let mut shingles = 0u64;
        segment::merge_walk(&segments, |_, _| {
            shingles += 1;
            Ok(())
        })
        .map_err(segment_error)?;
        let file_bytes = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0)
            + segments.iter().map(|s| s.bytes()).sum::<u64>();
        Ok(Stats {
            documents: docs.len().map_err(|e| self.fail(e))?,
            shingles,
            file_bytes,
        })
    }

    /// The `k` documents sharing most of `fingerprint`'s shingles (shingles more common than
    /// [`MAX_POSTINGS`] documents are ignored), best first.
    pub fn search(&self, fingerprint: &[u64], k: usize) -> Result<Vec<Hit>, IndexError> {
        self.guard(|| self.search_unguarded(fingerprint, k))
    }

    fn search_unguarded(&self, fingerprint: &[u64], k: usize) -> Result<Vec<Hit>, IndexError> {
        if k == 0 {
            return Ok(Vec::new());
        }
        let mut hits = self.tally(fingerprint)?;
        // Most shared first, then the lower number: a total order, so selecting the head and
        // sorting it gives what sorting every hit gives.
        let order = |a: &Hit, b: &Hit| b.shared.cmp(&a.shared).then(a.doc.cmp(&b.doc));
        if hits.len() > k {
            hits.select_nth_unstable_by(k - 1, order);
            hits.truncate(k);
        }
        hits.sort_unstable_by(order);
        Ok(hits)
    }

    /// Every document sharing a shingle with `fingerprint` and how many it shares (shingles in
    /// more than [`MAX_POSTINGS`] documents left out).
    ///
    /// Counted in a dense array indexed by document number: a query touches tens of thousands
    /// of documents in a large index, and a hash map's random probes were most of a search's
    /// time. The array is the thread's own and kept between searches (only the entries a
    /// search touched are reset), so a search neither allocates nor clears it; it is taken
    /// out while in use, so a search that fails half-way leaves nothing behind.
    fn tally(&self, fingerprint: &[u64]) -> Result<Vec<Hit>, IndexError> {
        thread_local! {
            /// Count per document number, zero outside a search.
            static COUNTS: std::cell::Cell<Vec<u32>> = const { std::cell::Cell::new(Vec::new()) };
        }
        let segments = self.segments.read().expect("segment list").clone();
        let mut counts = COUNTS.take();
        let mut touched: Vec<u32> = Vec::new();
        let mut lists: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
        for h in fingerprint {
            lists.clear();
            for (n, s) in segments.iter().enumerate() {
                if let Some(i) = s.find(*h) {
                    let range = s.range(i).map_err(|why| IndexError::Corrupt {
                        path: s.path.clone(),
                        reason: why,
                    })?;
                    lists.push((n, range));
                }
            }
            if lists.iter().map(|(_, r)| r.len()).sum::<usize>() > MAX_POSTINGS {
                continue;
            }
            for (n, range) in &lists {
                for j in range.clone() {
                    let doc = segments[*n].doc(j);
                    let at = doc as usize;
                    if at >= counts.len() {
                        counts.resize(at + 1, 0);
                    }
                    if counts[at] == 0 {
                        touched.push(doc);
                    }
                    counts[at] += 1;
                }
            }
        }
        let hits = touched
            .iter()
            .map(|&doc| {
                let shared = std::mem::take(&mut counts[doc as usize]) as usize;
                Hit { doc, shared }
            })
            .collect();
        COUNTS.set(counts);
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

    /// Merges every segment into one and rewrites the database without its free space (an
    /// interrupted add leaves pages behind); returns the index's size in bytes before and
    /// after.
    pub fn compact(&mut self) -> Result<(u64, u64), IndexError> {
        let before = self.stats()?.file_bytes;
        self.guard(|| {
            let mut next_segment = self.writer.lock().expect("writer");
            let segments = self.segments.read().expect("segment list").clone();
            if segments.len() > 1 {
                let level = segments.iter().map(|s| s.level).max().unwrap_or(0) + 1;
                self.merge_run(&segments, 0, level, &mut next_segment)?;
            }
            Ok(())
        })?;
        let path = self.path.clone();
        let db = &mut self.db;
        guarded(&path, || {
            // redb compacts a little per call; repeat until nothing moves.
            while db.compact().map_err(|e| IndexError::storage(&path, e))? {}
            Ok(())
        })?;
        Ok((before, self.stats()?.file_bytes))
    }

    /// Checks the invariants a crash must not break: every stored document's id maps back to
    /// it, documents are numbered without gaps below the document counter, and every segment
    /// is sound (keys in order, each posting list in order, every posting a stored document).
    /// Returns the number of documents.
    pub fn verify(&self) -> Result<u64, IndexError> {
        self.guard(|| self.verify_unguarded())
    }

    fn verify_unguarded(&self) -> Result<u64, IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.fail(e))?;
        let docs = txn.open_table(DOCS).map_err(|e| self.fail(e))?;
        let ids = txn.open_table(IDS).map_err(|e| self.fail(e))?;
        let meta = txn.open_table(META).map_err(|e| self.fail(e))?;
        let next = self.counter(&meta, "next_doc", "document")?;
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
        // Every stored number is below the counter and distinct: as many as the counter means
        // every number below it is stored, so a posting below it names a stored document.
        let stored = docs.len().map_err(|e| self.fail(e))?;
        if stored != next {
            return Err(self.corrupt(format!(
                "{stored} documents stored, the counter says {next}"
            )));
        }
        for s in self.segments.read().expect("segment list").iter() {
            s.verify(next).map_err(|reason| IndexError::Corrupt {
                path: s.path.clone(),
                reason,
            })?;
        }
        if ids.len().map_err(|e| self.fail(e))? != stored {
            return Err(self.corrupt("ids and documents differ in number"));
        }
        Ok(stored)
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

    /// The segment files in `dir`, sorted.
    fn segment_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| segment::is_segment_file(n))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn batches_merged_into_segments_answer_as_one_batch_does() {
        let docs: Vec<Document> = (0..11)
            .map(|i| {
                let text = (0..30)
                    .map(|j| format!("word{} term{}", (i * 7 + j) % 23, (i + j * 3) % 17))
                    .collect::<Vec<_>>()
                    .join(" ");
                doc(&format!("d{i}"), &text)
            })
            .collect();
        let whole_dir = temp_dir("whole");
        let whole = Index::create(&whole_dir).unwrap();
        whole.add_batch(&docs).unwrap();
        let dir = temp_dir("batches");
        let index = Index::create(&dir).unwrap();
        for d in &docs {
            index.add_batch(std::slice::from_ref(d)).unwrap();
        }
        // Eleven batches: two merges of four at level 0, three left at level 0.
        let levels: Vec<u32> = index
            .segments
            .read()
            .unwrap()
            .iter()
            .map(|s| s.level)
            .collect();
        assert_eq!(levels, vec![1, 1, 0, 0, 0]);
        assert_eq!(segment_files(&dir).len(), 5, "replaced files are deleted");
        let answers = |index: &Index| {
            let hits: Vec<Vec<Hit>> = docs
                .iter()
                .map(|d| {
                    index
                        .search(&unspin_core::fingerprint::fingerprint(&d.text), 4)
                        .unwrap()
                })
                .collect();
            (
                hits,
                index.stats().unwrap().shingles,
                index.verify().unwrap(),
            )
        };
        let expected = answers(&whole);
        assert_eq!(answers(&index), expected);
        // A segment file the database does not list (an add killed before its commit) is
        // deleted at the next open, and nothing else changes.
        drop(index);
        std::fs::write(dir.join(segment::file_name(999)), b"left behind").unwrap();
        std::fs::write(
            dir.join(format!("{}.tmp", segment::file_name(998))),
            b"half",
        )
        .unwrap();
        let index = Index::open(&dir).unwrap();
        assert_eq!(segment_files(&dir).len(), 5);
        assert_eq!(answers(&index), expected);
        // Compacting leaves one segment and the same answers.
        let mut index = index;
        index.compact().unwrap();
        assert_eq!(segment_files(&dir).len(), 1);
        assert_eq!(answers(&index), expected);
        drop(index);
        assert_eq!(answers(&Index::open(&dir).unwrap()), expected);
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&whole_dir).unwrap();
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
