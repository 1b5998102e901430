//! Posting segments: the inverted index of shingle hashes, written once and never changed.
//!
//! Each batch of an add writes one segment file (`postings-NNNNNNNN.seg`) beside the database,
//! and segments of a size are merged into one of the next size ([`MERGE_FAN`] at a time), so
//! an index of N batches has O(log N) of them and every posting is rewritten O(log N) times.
//! Keeping posting lists in the database instead meant reading and rewriting every list a
//! batch touched, and a B-tree insert per shingle: the build ran at 7-9 MB/s and slowed as the
//! lists grew (BENCHMARKS.md, "Tracing").
//!
//! Layout (little-endian): `MAGIC`, key count K (u64), posting count P (u64); the P postings
//! (document numbers, u32, ascending within a list); K records of (key, list end) (u64 each:
//! keys strictly ascending, list `i` is postings `end[i - 1]..end[i]`); an xxh3-64 checksum of
//! everything before it. The postings come first because their count is known before a merge
//! starts (the sum of its inputs') and the number of distinct keys is not: a merge writes both
//! sections in one pass and the key count into the header last. A segment is checked against
//! its checksum when the index opens, so a damaged file is refused by name instead of
//! answering wrongly.

use std::collections::BinaryHeap;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// First bytes of every segment file.
const MAGIC: &[u8; 8] = b"UNSPSEG1";
/// Magic, key count, posting count.
const HEADER: usize = 24;
/// The checksum.
const TRAILER: usize = 8;

/// Segments of one level merged into one of the next level at a time: with 4, an index of a
/// hundred batches has at most a dozen segments to search and each posting is written about
/// four times.
pub(crate) const MERGE_FAN: usize = 4;

/// File name of segment `id`.
pub(crate) fn file_name(id: u64) -> String {
    format!("postings-{id:08}.seg")
}

/// Whether `name` is a segment file or a segment being written (what the index may delete
/// when its database does not list it).
pub(crate) fn is_segment_file(name: &str) -> bool {
    name.starts_with("postings-") && (name.ends_with(".seg") || name.ends_with(".seg.tmp"))
}

/// An open, checked segment: its file mapped into memory.
pub(crate) struct Segment {
    /// Number in the database's segment table (and in the file name).
    pub(crate) id: u64,
    /// How many merges made it (0: written by one batch).
    pub(crate) level: u32,
    /// Its file.
    pub(crate) path: PathBuf,
    map: memmap2::Mmap,
    keys: usize,
    postings: usize,
    /// Where each bucket of keys starts (see [`Buckets`]), so that a look-up touches one page
    /// of the records instead of the several an interpolation search over them lands on.
    buckets: Buckets,
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

/// Why a segment could not be used: an I/O failure or damage.
#[derive(Debug)]
pub(crate) enum SegmentError {
    /// Reading or writing the file failed.
    Io(PathBuf, std::io::Error),
    /// The file is not what the database says it is.
    Corrupt(PathBuf, String),
}

impl Segment {
    /// Opens segment `id` in `dir` and checks it: its length, header and checksum against
    /// what the database recorded (`bytes`, `checksum`).
    pub(crate) fn open(
        dir: &Path,
        id: u64,
        level: u32,
        bytes: u64,
        checksum: u64,
    ) -> Result<Segment, SegmentError> {
        let path = dir.join(file_name(id));
        let corrupt = |why: String| SegmentError::Corrupt(path.clone(), why);
        let file = File::open(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                corrupt("the segment file is missing".to_owned())
            } else {
                SegmentError::Io(path.clone(), e)
            }
        })?;
        let len = file
            .metadata()
            .map_err(|e| SegmentError::Io(path.clone(), e))?
            .len();
        if len != bytes {
            return Err(corrupt(format!(
                "the segment file has {len} bytes, the index recorded {bytes}"
            )));
        }
        if (len as usize) < HEADER + TRAILER {
            return Err(corrupt("the segment file is too short".to_owned()));
        }
        // SAFETY: the index holds its folder exclusively (the database's lock) and never
        // rewrites or truncates a segment file, so the mapped bytes do not change under us.
        // (Another program truncating the file while it is open would make reads past the new
        // end fault, as with any mapped file; bytes it changed in place are read as they are,
        // within the bounds checked here.)
        let map =
            unsafe { memmap2::Mmap::map(&file) }.map_err(|e| SegmentError::Io(path.clone(), e))?;
        let body = map.len() - TRAILER;
        let stored = read_u64(&map, body);
        // The header's counts are read before the checksum is known, to find the records while
        // the checksum's pass streams past them; they are trusted only after it (and a
        // builder fed a wrong layout only makes a table that is thrown away).
        let (keys, postings) = (read_u64(&map, 8), read_u64(&map, 16));
        let expected = (keys as u128) * 16 + (postings as u128) * 4 + (HEADER + TRAILER) as u128;
        let mut builder = (expected == map.len() as u128)
            .then(|| BucketBuilder::new(HEADER as u64 + 4 * postings, keys));
        let computed = checksum_of(&file, body as u64, |at, bytes| {
            if let Some(b) = builder.as_mut() {
                b.feed(at, bytes);
            }
        })
        .map_err(|e| SegmentError::Io(path.clone(), e))?;
        if stored != computed || stored != checksum {
            return Err(corrupt("the segment file fails its checksum".to_owned()));
        }
        if &map[..8] != MAGIC {
            return Err(corrupt("not a segment file".to_owned()));
        }
        let Some(builder) = builder else {
            return Err(corrupt(
                "the segment's counts do not match its length".to_owned(),
            ));
        };
        Ok(Segment {
            id,
            level,
            path,
            map,
            keys: keys as usize,
            postings: postings as usize,
            buckets: builder.finish(),
        })
    }

    /// Size of the file in bytes.
    pub(crate) fn bytes(&self) -> u64 {
        self.map.len() as u64
    }

    /// Where the (key, end) records start.
    fn records(&self) -> usize {
        HEADER + 4 * self.postings
    }

    fn key(&self, i: usize) -> u64 {
        read_u64(&self.map, self.records() + 16 * i)
    }

    fn end(&self, i: usize) -> u64 {
        read_u64(&self.map, self.records() + 16 * i + 8)
    }

    /// Document number of posting `j`.
    pub(crate) fn doc(&self, j: usize) -> u32 {
        read_u32(&self.map, HEADER + 4 * j)
    }

    /// The postings of key `i`, as a range of posting numbers; an error when the stored ends
    /// do not make one (a file that passed its checksum but was written wrongly).
    pub(crate) fn range(&self, i: usize) -> Result<std::ops::Range<usize>, String> {
        let start = if i == 0 { 0 } else { self.end(i - 1) };
        let end = self.end(i);
        if start > end || end > self.postings as u64 {
            return Err(format!("posting list {i} has a bad range"));
        }
        Ok(start as usize..end as usize)
    }

    /// The index of `key` among the keys, if present. Keys are hashes, spread evenly, so the
    /// key's place in its bucket (a few hundred records, one or two pages) is guessed from its
    /// value and the records walked from there toward it: a few cache lines, where a binary
    /// search would miss the cache at every probe.
    pub(crate) fn find(&self, key: u64) -> Option<usize> {
        let (lo, hi, guess) = self.buckets.locate(key);
        if lo >= hi {
            return None;
        }
        let mut i = guess.min(hi - 1);
        if self.key(i) < key {
            while i + 1 < hi && self.key(i + 1) <= key {
                i += 1;
            }
        } else {
            while i > lo && self.key(i - 1) >= key {
                i -= 1;
            }
        }
        (self.key(i) == key).then_some(i)
    }

    /// Checks the invariants a reader relies on: keys strictly ascending, lists in range and
    /// ascending, every document number below `next_doc`.
    pub(crate) fn verify(&self, next_doc: u64) -> Result<(), String> {
        let mut previous_key = None;
        for i in 0..self.keys {
            let key = self.key(i);
            if previous_key.is_some_and(|p| p >= key) {
                return Err("keys out of order".to_owned());
            }
            previous_key = Some(key);
            let range = self.range(i)?;
            if range.is_empty() {
                return Err(format!("posting list {i} is empty"));
            }
            let mut previous_doc = None;
            for j in range {
                let doc = self.doc(j);
                if u64::from(doc) >= next_doc {
                    return Err(format!("a posting names missing document {doc}"));
                }
                if previous_doc.is_some_and(|p| p >= doc) {
                    return Err(format!("posting list {i} is out of order"));
                }
                previous_doc = Some(doc);
            }
        }
        if self.keys > 0 && self.end(self.keys - 1) != self.postings as u64 {
            return Err("the posting lists do not cover the postings".to_owned());
        }
        Ok(())
    }
}

/// What a written segment file is: what the database records of it.
pub(crate) struct Written {
    /// Its size in bytes.
    pub(crate) bytes: u64,
    /// Its checksum.
    pub(crate) checksum: u64,
}

/// Writes a segment through two handles, postings from the header on and records from after
/// the last posting, so that a merge streams both in one pass; then the key count, the
/// checksum, a sync, and the move into place.
struct SegmentWriter {
    tmp: PathBuf,
    path: PathBuf,
    postings: BufWriter<File>,
    records: BufWriter<File>,
    expected_postings: u64,
    written_postings: u64,
    written_keys: u64,
}

impl SegmentWriter {
    /// A writer of a segment of exactly `postings` postings.
    fn create(dir: &Path, id: u64, postings: u64) -> Result<SegmentWriter, SegmentError> {
        let path = dir.join(file_name(id));
        let tmp = dir.join(format!("{}.tmp", file_name(id)));
        let io = |e| SegmentError::Io(tmp.clone(), e);
        let mut head = File::create(&tmp).map_err(io)?;
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&0u64.to_le_bytes());
        header.extend_from_slice(&postings.to_le_bytes());
        head.write_all(&header).map_err(io)?;
        let at = |offset: u64| -> Result<BufWriter<File>, SegmentError> {
            let mut f = OpenOptions::new().write(true).open(&tmp).map_err(io)?;
            f.seek(SeekFrom::Start(offset)).map_err(io)?;
            Ok(BufWriter::with_capacity(1 << 20, f))
        };
        Ok(SegmentWriter {
            postings: at(HEADER as u64)?,
            records: at(HEADER as u64 + 4 * postings)?,
            tmp: tmp.clone(),
            path,
            expected_postings: postings,
            written_postings: 0,
            written_keys: 0,
        })
    }

    fn push(&mut self, key: u64, docs: &[u32]) -> std::io::Result<()> {
        for doc in docs {
            self.postings.write_all(&doc.to_le_bytes())?;
        }
        self.written_postings += docs.len() as u64;
        self.written_keys += 1;
        let mut record = [0u8; 16];
        record[..8].copy_from_slice(&key.to_le_bytes());
        record[8..].copy_from_slice(&self.written_postings.to_le_bytes());
        self.records.write_all(&record)
    }

    fn finish(self) -> Result<Written, SegmentError> {
        let tmp = self.tmp.clone();
        let io = |e| SegmentError::Io(tmp.clone(), e);
        if self.written_postings != self.expected_postings {
            return Err(SegmentError::Corrupt(
                tmp.clone(),
                format!(
                    "{} postings written where {} were counted",
                    self.written_postings, self.expected_postings
                ),
            ));
        }
        for w in [self.postings, self.records] {
            w.into_inner().map_err(|e| io(e.into_error()))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&tmp)
            .map_err(io)?;
        file.seek(SeekFrom::Start(8)).map_err(io)?;
        file.write_all(&self.written_keys.to_le_bytes())
            .map_err(io)?;
        let body = HEADER as u64 + 4 * self.written_postings + 16 * self.written_keys;
        let checksum = checksum_of(&file, body, |_, _| {}).map_err(io)?;
        file.seek(SeekFrom::Start(body)).map_err(io)?;
        file.write_all(&checksum.to_le_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        if let Some(dir) = self.path.parent() {
            // The rename must be on disk before the database lists the file.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| SegmentError::Io(dir.to_path_buf(), e))?;
        }
        Ok(Written {
            bytes: body + TRAILER as u64,
            checksum,
        })
    }
}

/// Writes segment `id` in `dir` from (shingle, document) pairs, which it sorts.
pub(crate) fn write_pairs(
    dir: &Path,
    id: u64,
    pairs: &mut [(u64, u32)],
) -> Result<Written, SegmentError> {
    use rayon::slice::ParallelSliceMut;
    pairs.par_sort_unstable();
    let mut w = SegmentWriter::create(dir, id, pairs.len() as u64)?;
    let tmp = w.tmp.clone();
    let mut docs = Vec::new();
    for group in pairs.chunk_by(|a, b| a.0 == b.0) {
        docs.clear();
        docs.extend(group.iter().map(|p| p.1));
        w.push(group[0].0, &docs)
            .map_err(|e| SegmentError::Io(tmp.clone(), e))?;
    }
    w.finish()
}

/// One segment read front to back through buffered reads of its three sections, not through
/// its map: a merge or a count reads every byte once, and pages read through a map would stay
/// in the process's resident memory until the map is dropped (gigabytes at a million
/// documents).
struct Stream {
    path: PathBuf,
    postings: BufReader<File>,
    records: BufReader<File>,
    /// Keys not yet read.
    left: usize,
    /// The current key and the length of its list.
    key: u64,
    len: usize,
    /// End of the previous list.
    last_end: u64,
    total_postings: u64,
    /// The current list's bytes.
    block: Vec<u8>,
}

impl Stream {
    fn open(s: &Segment) -> Result<Stream, SegmentError> {
        let io = |e| SegmentError::Io(s.path.clone(), e);
        let at = |offset: usize| -> Result<BufReader<File>, SegmentError> {
            let mut f = File::open(&s.path).map_err(io)?;
            f.seek(SeekFrom::Start(offset as u64)).map_err(io)?;
            Ok(BufReader::with_capacity(1 << 18, f))
        };
        Ok(Stream {
            path: s.path.clone(),
            postings: at(HEADER)?,
            records: at(s.records())?,
            left: s.keys,
            key: 0,
            len: 0,
            last_end: 0,
            total_postings: s.postings as u64,
            block: Vec::new(),
        })
    }

    /// Moves to the next key; false at the end.
    fn advance(&mut self) -> Result<bool, SegmentError> {
        if self.left == 0 {
            return Ok(false);
        }
        self.left -= 1;
        let mut record = [0u8; 16];
        self.records
            .read_exact(&mut record)
            .map_err(|e| SegmentError::Io(self.path.clone(), e))?;
        self.key = u64::from_le_bytes(record[..8].try_into().expect("8 bytes"));
        let end = u64::from_le_bytes(record[8..].try_into().expect("8 bytes"));
        if end < self.last_end || end > self.total_postings {
            return Err(SegmentError::Corrupt(
                self.path.clone(),
                "a posting list has a bad range".to_owned(),
            ));
        }
        self.len = (end - self.last_end) as usize;
        self.last_end = end;
        Ok(true)
    }

    /// Appends the current key's documents to `out`.
    fn read_docs(&mut self, out: &mut Vec<u32>) -> Result<(), SegmentError> {
        self.block.resize(4 * self.len, 0);
        self.postings
            .read_exact(&mut self.block)
            .map_err(|e| SegmentError::Io(self.path.clone(), e))?;
        out.extend(
            self.block
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes"))),
        );
        Ok(())
    }
}

/// Calls `visit(key, documents)` for every distinct key of `inputs` in ascending order, with
/// the documents of every input holding it, ascending (a k-way merge; the inputs' lists are
/// concatenated in the order given, which is document order, and sorted where they are not).
pub(crate) fn merge_walk(
    inputs: &[Arc<Segment>],
    mut visit: impl FnMut(u64, &[u32]) -> Result<(), SegmentError>,
) -> Result<(), SegmentError> {
    let mut streams = inputs
        .iter()
        .map(|s| Stream::open(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut heap: BinaryHeap<std::cmp::Reverse<(u64, usize)>> = BinaryHeap::new();
    for (n, stream) in streams.iter_mut().enumerate() {
        if stream.advance()? {
            heap.push(std::cmp::Reverse((stream.key, n)));
        }
    }
    let mut holders: Vec<usize> = Vec::new();
    let mut docs: Vec<u32> = Vec::new();
    while let Some(std::cmp::Reverse((key, _))) = heap.peek().copied() {
        holders.clear();
        while let Some(&std::cmp::Reverse((k, n))) = heap.peek() {
            if k != key {
                break;
            }
            heap.pop();
            holders.push(n);
        }
        holders.sort_unstable();
        docs.clear();
        for &n in &holders {
            let stream = &mut streams[n];
            stream.read_docs(&mut docs)?;
            if stream.advance()? {
                if stream.key <= key {
                    return Err(SegmentError::Corrupt(
                        stream.path.clone(),
                        "keys out of order".to_owned(),
                    ));
                }
                heap.push(std::cmp::Reverse((stream.key, n)));
            }
        }
        if !docs.windows(2).all(|w| w[0] < w[1]) {
            docs.sort_unstable();
        }
        visit(key, &docs)?;
    }
    Ok(())
}

/// Merges `inputs` into segment `id` in `dir`, in one pass.
pub(crate) fn merge(dir: &Path, id: u64, inputs: &[Arc<Segment>]) -> Result<Written, SegmentError> {
    // Each (shingle, document) pair is in one input only: the postings add up.
    let postings: u64 = inputs.iter().map(|s| s.postings as u64).sum();
    let mut w = SegmentWriter::create(dir, id, postings)?;
    let tmp = w.tmp.clone();
    merge_walk(inputs, |key, docs| {
        w.push(key, docs)
            .map_err(|e| SegmentError::Io(tmp.clone(), e))
    })?;
    w.finish()
}

/// xxh3-64 of the first `len` bytes of `file` (from its start, wherever its cursor was), read
/// in large blocks (not through a map, whose pages would then count as this process's memory);
/// `visit(offset, bytes)` sees each block as it passes, in order.
fn checksum_of(
    mut file: &File,
    len: u64,
    mut visit: impl FnMut(u64, &[u8]),
) -> std::io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut reader = BufReader::with_capacity(1 << 20, file).take(len);
    let mut block = vec![0u8; 1 << 20];
    let mut at = 0u64;
    loop {
        let n = reader.read(&mut block)?;
        if n == 0 {
            break;
        }
        hasher.update(&block[..n]);
        visit(at, &block[..n]);
        at += n as u64;
    }
    Ok(hasher.digest())
}

/// Records per bucket aimed at: 256 records of 16 bytes are one 4 KiB page.
const RECORDS_PER_BUCKET: u64 = 256;

/// The first record of each bucket of keys, the buckets being the values of a key's top
/// `bits` bits (keys are hashes, spread evenly, so buckets hold about the same number). Built
/// while the file is read for its checksum; eight bytes per bucket, about 1/512 of the records.
#[derive(Debug)]
struct Buckets {
    bits: u32,
    /// `starts[b]`: the first record whose key's bucket is `b` or more; one more entry than
    /// there are buckets, the last the number of records.
    starts: Vec<u64>,
}

impl Buckets {
    /// The records `[first, end)` that can hold `key`, and where among them it would be if
    /// the bucket's keys were spread perfectly evenly over its share of the key range.
    fn locate(&self, key: u64) -> (usize, usize, usize) {
        let b = bucket_of(key, self.bits);
        let (first, end) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        // The key's offset inside its bucket's share (its low `64 - bits` bits), scaled to the
        // bucket's records.
        let offset = u128::from((key << self.bits) >> self.bits);
        let guess = first + ((offset * (end - first) as u128) >> (64 - self.bits)) as usize;
        (first, end, guess)
    }
}

/// The bucket of `key` among `2^bits`.
fn bucket_of(key: u64, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (key >> (64 - bits)) as usize
    }
}

/// Builds [`Buckets`] from the file's bytes as they stream past, in order.
struct BucketBuilder {
    /// Byte offset of the first record.
    records_start: u64,
    keys: u64,
    bits: u32,
    starts: Vec<u64>,
    /// Buckets whose start is known (`starts[..filled]`).
    filled: usize,
    /// The record whose key comes next.
    next: u64,
    /// Bytes of that key met so far (a key may straddle two blocks).
    partial: [u8; 8],
    partial_len: usize,
}

impl BucketBuilder {
    fn new(records_start: u64, keys: u64) -> Self {
        let bits = (keys / RECORDS_PER_BUCKET).max(1).ilog2().min(26);
        BucketBuilder {
            records_start,
            keys,
            bits,
            starts: vec![0; (1usize << bits) + 1],
            filled: 0,
            next: 0,
            partial: [0; 8],
            partial_len: 0,
        }
    }

    /// Takes in the file's bytes `[at, at + bytes.len())`, the blocks given in order.
    fn feed(&mut self, at: u64, bytes: &[u8]) {
        let end = at + bytes.len() as u64;
        while self.next < self.keys {
            let key_at = self.records_start + 16 * self.next + self.partial_len as u64;
            if key_at >= end || key_at < at {
                return;
            }
            let i = (key_at - at) as usize;
            let take = (8 - self.partial_len).min(bytes.len() - i);
            self.partial[self.partial_len..self.partial_len + take]
                .copy_from_slice(&bytes[i..i + take]);
            self.partial_len += take;
            if self.partial_len < 8 {
                return;
            }
            self.partial_len = 0;
            let key = u64::from_le_bytes(self.partial);
            let b = bucket_of(key, self.bits);
            // Keys out of order (a file written wrongly, caught by `verify`) never move a
            // start back: the table stays ascending, so a look-up stays in bounds.
            while self.filled <= b {
                self.starts[self.filled] = self.next;
                self.filled += 1;
            }
            self.next += 1;
        }
    }

    fn finish(mut self) -> Buckets {
        for s in &mut self.starts[self.filled..] {
            *s = self.keys;
        }
        Buckets {
            bits: self.bits,
            starts: self.starts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("unspin-segment-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn lists(s: &Segment) -> Vec<(u64, Vec<u32>)> {
        (0..s.keys)
            .map(|i| (s.key(i), s.range(i).unwrap().map(|j| s.doc(j)).collect()))
            .collect()
    }

    #[test]
    fn a_merge_holds_every_posting_of_its_inputs_and_finds_every_key() {
        let dir = scratch("merge");
        let mut a: Vec<(u64, u32)> = (0..500u64)
            .map(|k| (k.wrapping_mul(0x9e37_79b9_7f4a_7c15), (k % 7) as u32))
            .collect();
        let mut b: Vec<(u64, u32)> = (250..900u64)
            .map(|k| (k.wrapping_mul(0x9e37_79b9_7f4a_7c15), 7 + (k % 5) as u32))
            .collect();
        let wa = write_pairs(&dir, 1, &mut a).unwrap();
        let wb = write_pairs(&dir, 2, &mut b).unwrap();
        let sa = Arc::new(Segment::open(&dir, 1, 0, wa.bytes, wa.checksum).unwrap());
        let sb = Arc::new(Segment::open(&dir, 2, 0, wb.bytes, wb.checksum).unwrap());
        let wm = merge(&dir, 3, &[sa.clone(), sb.clone()]).unwrap();
        let m = Segment::open(&dir, 3, 1, wm.bytes, wm.checksum).unwrap();
        m.verify(12).unwrap();
        let mut expected: Vec<(u64, u32)> = a.iter().chain(&b).copied().collect();
        expected.sort_unstable();
        let got: Vec<(u64, u32)> = lists(&m)
            .into_iter()
            .flat_map(|(k, docs)| docs.into_iter().map(move |d| (k, d)))
            .collect();
        assert_eq!(got, expected);
        for (key, _) in &expected {
            assert!(m.find(*key).is_some());
        }
        assert_eq!(m.find(12345), None);
        assert_eq!((m.keys, m.postings), (900, 1150));
        // The checksum recorded must be the file's.
        assert!(Segment::open(&dir, 3, 1, wm.bytes, wm.checksum ^ 1).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Fed the file in pieces of any size (a key split across two of them, or three), the
    /// builder makes the table that the keys define: each bucket starts at the first key of
    /// it or of a later bucket.
    #[test]
    fn the_bucket_table_does_not_depend_on_how_the_bytes_arrive() {
        let keys: Vec<u64> = (0..5_000u64)
            .map(|k| k.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let records_start = 28u64;
        let mut file = vec![0xabu8; records_start as usize];
        for (i, k) in keys.iter().enumerate() {
            file.extend(k.to_le_bytes());
            file.extend((i as u64).to_le_bytes());
        }
        let mut builder = BucketBuilder::new(records_start, keys.len() as u64);
        let (mut at, mut piece) = (0usize, 0usize);
        while at < file.len() {
            let len = [1, 3, 5, 7, 11, 13, 29, 64][piece % 8].min(file.len() - at);
            builder.feed(at as u64, &file[at..at + len]);
            at += len;
            piece += 1;
        }
        let table = builder.finish();
        assert!(table.bits >= 4);
        let expected: Vec<u64> = (0..=(1usize << table.bits))
            .map(|b| keys.partition_point(|&k| bucket_of(k, table.bits) < b) as u64)
            .collect();
        assert_eq!(table.starts, expected);
    }

    /// The bucket table built while the file streams past (keys straddling the 1 MiB blocks
    /// of the checksum's reads included) finds every key at its place and no other, with keys
    /// spread evenly, crowded into one bucket, and at both ends of the range.
    #[test]
    fn every_key_is_found_at_its_place_through_the_buckets() {
        let dir = scratch("buckets");
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut keys: Vec<u64> = (0..100_000).map(|_| next()).collect();
        // A crowded bucket, and the ends of the key range.
        keys.extend((0..3_000u64).map(|i| (7u64 << 58) + i * 3));
        keys.extend([0, 1, u64::MAX - 1, u64::MAX]);
        keys.sort_unstable();
        keys.dedup();
        // An odd number of postings puts the records at 4 bytes past a multiple of 16, so
        // some key straddles the end of a 1 MiB block.
        let mut pairs: Vec<(u64, u32)> = keys.iter().map(|&k| (k, 1)).collect();
        pairs.extend([(keys[0], 2), (keys[1], 2), (keys[2], 2)]);
        if pairs.len() % 4 != 3 {
            pairs.extend((0..(3 + 4 - pairs.len() % 4) % 4).map(|i| (keys[10 + i], 3)));
        }
        let w = write_pairs(&dir, 1, &mut pairs).unwrap();
        let seg = Segment::open(&dir, 1, 0, w.bytes, w.checksum).unwrap();
        assert!(seg.buckets.bits > 4, "{}", seg.buckets.bits);
        assert_eq!((HEADER + 4 * seg.postings) % 16, 4);
        for (i, &k) in keys.iter().enumerate() {
            assert_eq!(seg.find(k), Some(i), "key {k:#x}");
            for absent in [k.wrapping_add(1), k.wrapping_sub(1)] {
                if keys.binary_search(&absent).is_err() {
                    assert_eq!(seg.find(absent), None, "absent {absent:#x}");
                }
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
