//! The on-disk container of a model: a checked header and named sections of little-endian arrays.
//!
//! Layout: `MAGIC` (8 bytes), format version (u32), flags (u32), stored payload length (u64),
//! payload length once inflated (u64), xxh3-64 of the stored payload (u64), then the payload.
//! The payload is a run of sections: name length (u8), name, byte length (u64), bytes.
//! The checksum is verified before anything is parsed, so a truncated or corrupt file is an
//! error, never a panic or a silently wrong model.
//!
//! The writer pads sections (with nameless padding sections, which readers skip) so that every
//! section's data starts at a multiple of 8 bytes from the start of the payload (and of the
//! file: the header is 40 bytes; tables written with [`SectionWriter::bytes_aligned`] start at
//! a multiple of 64 from the start of the file). An uncompressed
//! file compiled into the program ([`Sections::parse_static`]) is then read in place: its
//! arrays ([`Array`]) point into the program's own read-only pages, and loading a model costs
//! no copying, inflating or building (a prepared image, [`crate::Model::prepared_image`]).

use std::collections::HashMap;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::Arc;

/// Why a model could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The bytes do not start with the unspin model magic.
    #[error("not an unspin model file (bad magic)")]
    NotAModel,
    /// The file was written by another format version.
    #[error("model format version {found}, this build reads version {expected}")]
    Version {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// The file is damaged or inconsistent.
    #[error("corrupt model: {0}")]
    Corrupt(String),
    /// The file could not be read.
    #[error("cannot read model: {0}")]
    Io(#[from] std::io::Error),
}

/// First eight bytes of every unspin model file.
pub const MAGIC: &[u8; 8] = b"UNSPINMD";
/// Version of the section layout; bump it whenever a section changes meaning.
pub const FORMAT_VERSION: u32 = 1;
const FLAG_ZSTD: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 8 + 8;
/// Alignment of a prepared image in the program and of its cache-line-aligned sections
/// ([`SectionWriter::bytes_aligned`]).
pub const CACHE_LINE: usize = 64;
/// Refuse to inflate payloads larger than this: a hostile header must not exhaust memory.
const MAX_PAYLOAD: u64 = 1 << 31;

/// Builds a model file section by section.
#[derive(Default)]
pub struct SectionWriter {
    payload: Vec<u8>,
}

impl SectionWriter {
    /// Appends a section of raw bytes, its data aligned to 8 bytes in the payload.
    pub fn bytes(&mut self, name: &str, data: &[u8]) {
        self.bytes_aligned(name, data, 8);
    }

    /// Appends a section of raw bytes whose data starts at a multiple of `align` bytes (a
    /// power of two, at least 8) from the start of the file: in a prepared image compiled in
    /// at [`CACHE_LINE`] alignment, a table whose entries must not straddle cache lines.
    pub fn bytes_aligned(&mut self, name: &str, data: &[u8], align: usize) {
        assert!(
            align.is_power_of_two() && align >= 8,
            "alignment must be a power of two of at least 8"
        );
        assert!(
            !name.is_empty() && name.len() < 256,
            "section name empty or too long"
        );
        // The data would start after a one-byte name length, the name and an eight-byte
        // length. When that is not a multiple of `align` (counted from the file's start: the
        // header is 40 bytes, a multiple of 8), a nameless padding section (9 bytes of header
        // plus `pad` bytes) goes first.
        let misalignment = (HEADER_LEN + self.payload.len() + 1 + name.len() + 8) % align;
        if misalignment != 0 {
            let pad = (align - (misalignment + 9) % align) % align;
            self.payload.push(0);
            self.payload.extend_from_slice(&(pad as u64).to_le_bytes());
            self.payload.resize(self.payload.len() + pad, 0);
        }
        self.payload.push(name.len() as u8);
        self.payload.extend_from_slice(name.as_bytes());
        self.payload
            .extend_from_slice(&(data.len() as u64).to_le_bytes());
        self.payload.extend_from_slice(data);
    }

    /// Appends a section of `u32` values.
    pub fn u32s(&mut self, name: &str, data: &[u32]) {
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.bytes(name, &bytes);
    }

    /// Appends a section of `u16` values.
    pub fn u16s(&mut self, name: &str, data: &[u16]) {
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.bytes(name, &bytes);
    }

    /// Appends a section of `f32` values.
    pub fn f32s(&mut self, name: &str, data: &[f32]) {
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.bytes(name, &bytes);
    }

    /// Appends a section of `u64` values.
    pub fn u64s(&mut self, name: &str, data: &[u64]) {
        self.u64s_aligned(name, data, 8);
    }

    /// Appends a section of `u64` values aligned as [`SectionWriter::bytes_aligned`] says.
    pub fn u64s_aligned(&mut self, name: &str, data: &[u64], align: usize) {
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.bytes_aligned(name, &bytes, align);
    }

    /// Finishes the file uncompressed: a prepared image, read in place by
    /// [`Sections::parse_static`].
    pub fn finish_uncompressed(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(self.payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&self.payload).to_le_bytes());
        out.extend_from_slice(&self.payload);
        out
    }

    /// Finishes the file: header plus zstd-compressed payload at `level`.
    pub fn finish(self, level: i32) -> std::io::Result<Vec<u8>> {
        let stored = zstd::bulk::compress(&self.payload, level)?;
        let mut out = Vec::with_capacity(HEADER_LEN + stored.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&FLAG_ZSTD.to_le_bytes());
        out.extend_from_slice(&(stored.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&stored).to_le_bytes());
        out.extend_from_slice(&stored);
        Ok(out)
    }
}

/// Where a payload's bytes live: compiled into the program, or inflated on the heap into
/// 8-byte words (so that sections the writer aligned stay aligned).
#[derive(Clone)]
enum Backing {
    Static(&'static [u8]),
    Heap(Arc<HeapPayload>),
}

struct HeapPayload {
    words: Vec<u64>,
    len: usize,
}

impl HeapPayload {
    fn zeroed(len: usize) -> Self {
        HeapPayload {
            words: vec![0; len.div_ceil(8)],
            len,
        }
    }
    fn bytes(&self) -> &[u8] {
        &bytemuck::cast_slice(&self.words)[..self.len]
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut bytemuck::cast_slice_mut(&mut self.words)[..self.len]
    }
}

impl Backing {
    fn bytes(&self) -> &[u8] {
        match self {
            Backing::Static(b) => b,
            Backing::Heap(h) => h.bytes(),
        }
    }
}

/// A value a section can hold as a little-endian array.
pub trait SectionValue: bytemuck::Pod + Sync + Send {
    /// Reads one value from its little-endian bytes (`size_of::<Self>()` of them).
    fn from_le(bytes: &[u8]) -> Self;
}

macro_rules! section_value {
    ($($t:ty),*) => {$(
        impl SectionValue for $t {
            fn from_le(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("exact chunk"))
            }
        }
    )*};
}
section_value!(u8, u16, u32, u64, f32);

/// A read-only array of a model: a view into the payload it was read from (no copy) when the
/// section is aligned and the machine little-endian, otherwise its own copy; or an array
/// computed at load.
pub struct Array<T: SectionValue> {
    ptr: NonNull<T>,
    len: usize,
    _owner: ArrayOwner<T>,
}

/// What keeps an [`Array`]'s memory alive; never read, only held.
enum ArrayOwner<T> {
    Payload(#[allow(dead_code)] Backing),
    Own(#[allow(dead_code)] Vec<T>),
    /// A copy in an anonymous mapping asked to be backed by 2 MiB pages
    /// ([`Array::into_large_pages`]).
    LargePages(#[allow(dead_code)] memmap2::Mmap),
}

// SAFETY: an `Array` is an immutable slice of `T` whose memory its owner keeps alive (static
// bytes, a shared heap payload or its own vector); sharing or sending it is sharing or sending
// `&[T]`, which `T: Sync + Send` allows.
unsafe impl<T: SectionValue> Send for Array<T> {}
// SAFETY: as above.
unsafe impl<T: SectionValue> Sync for Array<T> {}

impl<T: SectionValue> Deref for Array<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` and `len` were taken from a valid, aligned `&[T]` into memory that
        // `_owner` keeps alive and never mutates (a `Vec`'s heap buffer and a mapping do not
        // move when their owner is moved; a mapping's copy starts on a large page's boundary,
        // aligned for any `T`).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: SectionValue> From<Vec<T>> for Array<T> {
    fn from(v: Vec<T>) -> Self {
        let ptr = NonNull::new(v.as_ptr() as *mut T).expect("a Vec's pointer is never null");
        Array {
            ptr,
            len: v.len(),
            _owner: ArrayOwner::Own(v),
        }
    }
}

/// The size of the large pages [`Array::into_large_pages`] asks for (x86-64's and AArch64's
/// with 4 KiB base pages).
const LARGE_PAGE: usize = 2 << 20;

impl<T: SectionValue> Array<T> {
    /// The array copied into memory the kernel is asked to back with 2 MiB pages
    /// (`madvise(MADV_HUGEPAGE)`), or the array itself where that cannot be asked (not Linux,
    /// no memory to map, an empty array).
    ///
    /// Why: a table of a hundred megabytes probed at random (the language model's) misses the
    /// processor's address-translation cache on nearly every look-up when it lies in 4 KiB
    /// pages, the program's own read-only data among them; with 2 MiB pages the whole table
    /// needs a few dozen translations. The copy costs time and memory once (40-50 ms for the
    /// default model's 110 MB), so only a process that will look up much pays it (see
    /// [`crate::Model::move_tables_to_large_pages`]). Whether the kernel grants the pages is
    /// its choice (`/sys/kernel/mm/transparent_hugepage/enabled`); the copy reads the same
    /// either way.
    pub fn into_large_pages(self) -> Array<T> {
        if self.len == 0 || !cfg!(target_os = "linux") {
            return self;
        }
        match Self::copy_to_large_pages(&self) {
            Ok(copy) => copy,
            Err(_) => self,
        }
    }

    /// [`Array::into_large_pages`] in place.
    pub fn move_to_large_pages(&mut self) {
        *self = std::mem::take(self).into_large_pages();
    }

    fn copy_to_large_pages(values: &[T]) -> std::io::Result<Array<T>> {
        let bytes: &[u8] = bytemuck::cast_slice(values);
        // Room to start the copy on a large page's boundary, wherever the mapping starts.
        let mut map = memmap2::MmapMut::map_anon(bytes.len() + LARGE_PAGE)?;
        let offset = map.as_ptr().align_offset(LARGE_PAGE);
        let whole_pages = bytes.len().div_ceil(LARGE_PAGE) * LARGE_PAGE;
        #[cfg(target_os = "linux")]
        map.advise_range(
            memmap2::Advice::HugePage,
            offset,
            whole_pages.min(map.len() - offset),
        )?;
        map[offset..offset + bytes.len()].copy_from_slice(bytes);
        let map = map.make_read_only()?;
        let ptr = NonNull::new(map[offset..].as_ptr() as *mut T).expect("a mapping is never null");
        Ok(Array {
            ptr,
            len: values.len(),
            _owner: ArrayOwner::LargePages(map),
        })
    }
}

impl<T: SectionValue> Default for Array<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T: SectionValue> AsRef<[T]> for Array<T> {
    fn as_ref(&self) -> &[T] {
        self
    }
}

impl<T: SectionValue + std::fmt::Debug> std::fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// How the entries of a [`StringTable`]'s text are delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delimited {
    /// Every entry is followed by `\n` (`a\nb\n`).
    Terminated,
    /// Entries are joined by `\n` (`a\nb`): the last runs to the end of the text.
    Joined,
}

/// Strings stored end to end in one UTF-8 text, with the end offset of each: a model's
/// vocabulary or phrase list without one allocation per entry.
#[derive(Default)]
pub struct StringTable {
    text: Array<u8>,
    ends: Array<u32>,
}

impl StringTable {
    /// Reads the table from a text of entries delimited by `\n` (`text_section`) and, when
    /// the file has it, the entries' end offsets (`ends_section`); without it the offsets are
    /// found by scanning the text.
    pub fn from_sections(
        s: &Sections,
        text_section: &str,
        ends_section: &str,
        delimited: Delimited,
    ) -> Result<Self, ModelError> {
        let text: Array<u8> = s.array(text_section)?;
        if std::str::from_utf8(&text).is_err() {
            return Err(ModelError::Corrupt(format!(
                "section {text_section} is not UTF-8"
            )));
        }
        if text.len() >= u32::MAX as usize {
            return Err(ModelError::Corrupt(format!(
                "section {text_section} is too long"
            )));
        }
        let ends: Array<u32> = if s.get(ends_section).is_some() {
            s.array(ends_section)?
        } else {
            let mut ends: Vec<u32> = text
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i as u32)
                .collect();
            if delimited == Delimited::Joined {
                ends.push(text.len() as u32);
            }
            ends.into()
        };
        // Every entry must lie inside the text, in order, and end before a `\n` or at the end
        // (so on a character boundary): then `get` never slices outside the text or inside a
        // character.
        let mut start = 0usize;
        for &end in ends.iter() {
            let end = end as usize;
            let at_delimiter = (end < text.len() && text[end] == b'\n')
                || (end == text.len() && delimited == Delimited::Joined);
            if end < start || !at_delimiter {
                return Err(ModelError::Corrupt(format!(
                    "section {ends_section} does not match {text_section}"
                )));
            }
            start = end + 1;
        }
        Ok(StringTable { text, ends })
    }

    /// A table over `text`, entry `i` ending at `ends[i]` (each end at a `\n` or the end of
    /// the text, in order).
    ///
    /// # Panics
    /// When `text` is not UTF-8 or an end is out of order or not at a delimiter: a table
    /// built by the program itself must be right.
    pub fn from_parts(text: Vec<u8>, ends: Vec<u32>) -> Self {
        assert!(std::str::from_utf8(&text).is_ok(), "table text is UTF-8");
        let mut start = 0usize;
        for &end in &ends {
            let end = end as usize;
            assert!(
                end >= start && end <= text.len() && (end == text.len() || text[end] == b'\n'),
                "table ends are in order and at delimiters"
            );
            start = end + 1;
        }
        StringTable {
            text: text.into(),
            ends: ends.into(),
        }
    }

    /// Writes the table as `text_section` (the text as read) and `ends_section`.
    pub fn write(&self, w: &mut SectionWriter, text_section: &str, ends_section: &str) {
        w.bytes(text_section, &self.text);
        self.write_ends(w, ends_section);
    }

    /// Writes only the entries' end offsets, for a file that has the text already.
    pub fn write_ends(&self, w: &mut SectionWriter, ends_section: &str) {
        w.u32s(ends_section, &self.ends);
    }

    /// Entry `i`.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + 1
        };
        let bytes = &self.text[start..self.ends[i] as usize];
        // SAFETY: the whole text was checked to be UTF-8 when the table was read, and every
        // entry starts after and ends before a `\n`, so on character boundaries.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Slot of a 64-bit `key` in an open-addressing table of `2^(64 - shift)` slots, before
/// probing (Fibonacci hashing: the multiplication mixes every bit of the key into the top ones,
/// which are those kept). Shared by the model's hash tables.
pub(crate) fn fibonacci_slot(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
}

/// Bits of the slot count of an open-addressing table for `entries` keys, at most half full,
/// so that a probe for an absent key stops after a slot or two.
pub(crate) fn half_full_bits(entries: usize) -> u32 {
    (2 * entries.max(1)).next_power_of_two().trailing_zeros()
}

/// String -> position in a [`StringTable`], as an open-addressing hash table at most half
/// full, stored in a prepared image as it is. It replaced an fst: a word's look-up is one
/// hash and, nearly always, one slot and one comparison, where the fst walked a node per
/// byte (the language model's word look-ups were 12% of check's instructions).
///
/// Each slot is 0 (empty) or a 32-bit fingerprint of the hash above the position plus one:
/// a string that is not in the table is nearly always turned away by the fingerprint,
/// without reading the table's text.
pub struct StringIndex {
    slots: Array<u64>,
    shift: u32,
}

/// Hash of an indexed string (the fingerprint is its top half).
fn string_hash(s: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(s.as_bytes())
}

impl StringIndex {
    /// Moves the slots into large pages ([`Array::into_large_pages`]).
    pub fn move_to_large_pages(&mut self) {
        self.slots.move_to_large_pages();
    }

    /// The index of `table`'s entries. Of entries spelled alike, the first is found.
    pub fn build(table: &StringTable) -> Self {
        let bits = half_full_bits(table.len());
        let mut slots = vec![0u64; 1 << bits];
        let shift = 64 - bits;
        let mask = slots.len() - 1;
        for (position, entry) in table.iter().enumerate() {
            let hash = string_hash(entry);
            let slot = (hash & !u64::from(u32::MAX)) | (position as u64 + 1);
            let mut at = fibonacci_slot(hash, shift);
            loop {
                match slots[at] {
                    0 => {
                        slots[at] = slot;
                        break;
                    }
                    // The same string already there: keep the first.
                    taken if table.get(Self::position(taken)) == entry => break,
                    _ => at = (at + 1) & mask,
                }
            }
        }
        StringIndex {
            slots: slots.into(),
            shift,
        }
    }

    /// An index stored by [`StringIndex::slots`], or `None` when its length is not a power
    /// of two (of at least two). Only the program's own prepared image is read this way (its positions are
    /// not checked against the table).
    pub fn from_slots(slots: Array<u64>) -> Option<Self> {
        let n = slots.len();
        (n.is_power_of_two() && n >= 2).then(|| StringIndex {
            shift: 64 - n.trailing_zeros(),
            slots,
        })
    }

    /// The table, for a prepared image.
    pub fn slots(&self) -> &[u64] {
        &self.slots
    }

    /// The position of `key` in `table` (the table the index was built from).
    pub fn get(&self, table: &StringTable, key: &str) -> Option<u32> {
        let hash = string_hash(key);
        let fingerprint = hash >> 32;
        let mask = self.slots.len() - 1;
        let mut at = fibonacci_slot(hash, self.shift);
        loop {
            match self.slots[at] {
                0 => return None,
                slot if slot >> 32 == fingerprint && table.get(Self::position(slot)) == key => {
                    return Some(Self::position(slot) as u32);
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    fn position(slot: u64) -> usize {
        (slot & u64::from(u32::MAX)) as usize - 1
    }
}

/// The named sections of a verified, inflated model payload.
pub struct Sections {
    backing: Backing,
    index: HashMap<String, (usize, usize)>,
    /// Read in place from the program's own prepared image ([`Sections::parse_static`]).
    prepared_image: bool,
}

/// The checked fields of a file's header.
struct Header {
    compressed: bool,
    raw_len: u64,
    checksum: u64,
}

impl Header {
    /// Checks magic, version, flags and lengths; the checksum is left to the caller.
    fn read(file: &[u8]) -> Result<Self, ModelError> {
        if file.len() < HEADER_LEN || &file[..8] != MAGIC {
            return Err(ModelError::NotAModel);
        }
        let version = read_u32(file, 8);
        if version != FORMAT_VERSION {
            return Err(ModelError::Version {
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let flags = read_u32(file, 12);
        let stored_len = read_u64(file, 16);
        let raw_len = read_u64(file, 24);
        let checksum = read_u64(file, 32);
        let stored = &file[HEADER_LEN..];
        if stored.len() as u64 != stored_len {
            return Err(ModelError::Corrupt(format!(
                "payload is {} bytes, header says {stored_len}",
                stored.len()
            )));
        }
        if raw_len > MAX_PAYLOAD {
            return Err(ModelError::Corrupt(format!(
                "payload of {raw_len} bytes is implausibly large"
            )));
        }
        if flags & !FLAG_ZSTD != 0 {
            return Err(ModelError::Corrupt(format!("unknown flags {flags:#x}")));
        }
        let compressed = flags & FLAG_ZSTD != 0;
        if !compressed && raw_len != stored_len {
            return Err(ModelError::Corrupt(format!(
                "uncompressed payload of {stored_len} bytes, header says {raw_len}"
            )));
        }
        Ok(Header {
            compressed,
            raw_len,
            checksum,
        })
    }
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
fn read_u64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

impl Sections {
    /// Verifies the header and checksum of `file`, inflates the payload and indexes its sections.
    pub fn parse(file: &[u8]) -> Result<Self, ModelError> {
        let header = Header::read(file)?;
        let stored = &file[HEADER_LEN..];
        // Under the fuzzer (`--cfg fuzzing`, fuzz/) a mismatch is let through, so that mutated
        // inputs reach the section table and the components behind it.
        if xxhash_rust::xxh3::xxh3_64(stored) != header.checksum && !cfg!(fuzzing) {
            return Err(ModelError::Corrupt("checksum mismatch".into()));
        }
        let mut payload = HeapPayload::zeroed(header.raw_len as usize);
        if header.compressed {
            let written = zstd::bulk::decompress_to_buffer(stored, payload.bytes_mut())
                .map_err(|e| ModelError::Corrupt(format!("cannot inflate payload: {e}")))?;
            if written as u64 != header.raw_len {
                return Err(ModelError::Corrupt(format!(
                    "payload inflates to {written} bytes, header says {}",
                    header.raw_len
                )));
            }
        } else {
            payload.bytes_mut().copy_from_slice(stored);
        }
        Self::index(Backing::Heap(Arc::new(payload)), false)
    }

    /// Reads a file compiled into the program. An uncompressed file (a prepared image) is read
    /// in place, without copying and without hashing its payload: it was verified when the
    /// build wrote it, and the program's own bytes are not input. A compressed file is
    /// verified and inflated as by [`Sections::parse`].
    pub fn parse_static(file: &'static [u8]) -> Result<Self, ModelError> {
        let header = Header::read(file)?;
        if header.compressed {
            return Self::parse(file);
        }
        Self::index(Backing::Static(&file[HEADER_LEN..]), true)
    }

    /// Whether these sections are the program's own prepared image, read in place: its
    /// consistency was checked when the build wrote it, so readers skip the checks that would
    /// touch every entry (and every page) of it.
    pub fn is_prepared_image(&self) -> bool {
        self.prepared_image
    }

    /// Section `name` when it holds data derived at build time and these sections are the
    /// program's own prepared image. From any other file derived data is built again at load
    /// instead of read: an fst or a hash table cannot be checked without walking all of it,
    /// and a crafted one could make a look-up fail later instead of the load failing now.
    pub fn prepared(&self, name: &str) -> Option<&[u8]> {
        self.prepared_image.then(|| self.get(name)).flatten()
    }

    fn index(backing: Backing, prepared_image: bool) -> Result<Self, ModelError> {
        let payload = backing.bytes();
        let mut index = HashMap::new();
        let mut at = 0usize;
        while at < payload.len() {
            let name_len = payload[at] as usize;
            let name_end = at + 1 + name_len;
            if name_end + 8 > payload.len() {
                return Err(ModelError::Corrupt("truncated section header".into()));
            }
            let name = String::from_utf8_lossy(&payload[at + 1..name_end]).into_owned();
            let len = read_u64(payload, name_end);
            let start = name_end + 8;
            if len > (payload.len() - start) as u64 {
                return Err(ModelError::Corrupt(format!(
                    "section {name} overruns payload"
                )));
            }
            let len = len as usize;
            // Nameless sections are the writer's alignment padding.
            if name_len > 0 {
                index.insert(name, (start, len));
            }
            at = start + len;
        }
        Ok(Sections {
            backing,
            index,
            prepared_image,
        })
    }

    /// Section `name` as an array of `T`: read in place when it is aligned for `T` and the
    /// machine is little-endian, else copied.
    pub fn array<T: SectionValue>(&self, name: &str) -> Result<Array<T>, ModelError> {
        let b = self.bytes(name)?;
        let size = std::mem::size_of::<T>();
        if b.len() % size != 0 {
            return Err(ModelError::Corrupt(format!(
                "section {name} has a ragged length"
            )));
        }
        if cfg!(target_endian = "little") {
            if let Ok(slice) = bytemuck::try_cast_slice::<u8, T>(b) {
                return Ok(Array {
                    ptr: NonNull::new(slice.as_ptr() as *mut T)
                        .expect("a slice's pointer is never null"),
                    len: slice.len(),
                    _owner: ArrayOwner::Payload(self.backing.clone()),
                });
            }
        }
        Ok(b.chunks_exact(size)
            .map(T::from_le)
            .collect::<Vec<_>>()
            .into())
    }

    /// Every section, by name (sorted, so that a file written from them is the same on every
    /// run).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let mut names: Vec<&str> = self.index.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
            .into_iter()
            .map(|name| (name, self.get(name).expect("an indexed section")))
    }

    /// The raw bytes of section `name`, if the file has it.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        let (start, len) = self.index.get(name)?;
        Some(&self.backing.bytes()[*start..*start + *len])
    }

    /// The raw bytes of section `name`.
    pub fn bytes(&self, name: &str) -> Result<&[u8], ModelError> {
        let (start, len) = self
            .index
            .get(name)
            .ok_or_else(|| ModelError::Corrupt(format!("missing section {name}")))?;
        Ok(&self.backing.bytes()[*start..*start + *len])
    }

    /// Section `name` as `u32` values.
    pub fn u32s(&self, name: &str) -> Result<Vec<u32>, ModelError> {
        Ok(self.array::<u32>(name)?.to_vec())
    }
    /// Section `name` as `u16` values.
    pub fn u16s(&self, name: &str) -> Result<Vec<u16>, ModelError> {
        Ok(self.array::<u16>(name)?.to_vec())
    }
    /// Section `name` as `f32` values.
    pub fn f32s(&self, name: &str) -> Result<Vec<f32>, ModelError> {
        Ok(self.array::<f32>(name)?.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_of(entries: &[String]) -> StringTable {
        let mut text = Vec::new();
        let mut ends = Vec::new();
        for e in entries {
            text.extend_from_slice(e.as_bytes());
            ends.push(text.len() as u32);
            text.push(b'\n');
        }
        StringTable::from_parts(text, ends)
    }

    proptest::proptest! {
        /// Every entry is found at its first position (of entries spelled alike), before and
        /// after the index is stored, and a string that is no entry is not found.
        #[test]
        fn a_string_index_finds_each_entry_at_its_first_position(
            entries in proptest::collection::vec("[a-c' ]{0,4}", 0..40),
            absent in "[a-d]{0,5}",
        ) {
            let table = table_of(&entries);
            let built = StringIndex::build(&table);
            let stored = StringIndex::from_slots(built.slots().to_vec().into()).unwrap();
            for index in [&built, &stored] {
                for e in &entries {
                    let first = entries.iter().position(|x| x == e).unwrap() as u32;
                    proptest::prop_assert_eq!(index.get(&table, e), Some(first));
                }
                let expected = entries.iter().position(|x| *x == absent).map(|p| p as u32);
                proptest::prop_assert_eq!(index.get(&table, &absent), expected);
            }
        }
    }

    /// An array moved to large pages reads the same, whatever its length (under a page, across
    /// several, not a whole number of them), starts on a large page where the system maps one
    /// (Linux), and an empty array stays as it is.
    #[test]
    fn an_array_in_large_pages_reads_the_same() {
        for len in [1usize, 1000, (3 << 20) / 8 + 5] {
            let values: Vec<u64> = (0..len as u64)
                .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
                .collect();
            let moved = Array::from(values.clone()).into_large_pages();
            assert_eq!(&moved[..], &values[..], "length {len}");
            if cfg!(target_os = "linux") {
                assert_eq!(moved.as_ptr() as usize % LARGE_PAGE, 0, "length {len}");
            }
        }
        let f32s: Vec<f32> = vec![0.25, -1.5, f32::MIN];
        assert_eq!(&Array::from(f32s.clone()).into_large_pages()[..], &f32s[..]);
        assert!(Array::<u32>::default().into_large_pages().is_empty());
    }

    #[test]
    fn a_stored_string_index_must_be_a_power_of_two_long() {
        assert!(StringIndex::from_slots(vec![0u64; 3].into()).is_none());
        assert!(StringIndex::from_slots(vec![0u64; 1].into()).is_none());
        assert!(StringIndex::from_slots(Vec::<u64>::new().into()).is_none());
        assert!(StringIndex::from_slots(vec![0u64; 4].into()).is_some());
    }

    fn sample() -> Vec<u8> {
        let mut w = SectionWriter::default();
        w.u32s("a", &[1, 2, 3]);
        w.bytes("b", b"hello");
        w.finish(3).unwrap()
    }

    #[test]
    fn round_trip() {
        let s = Sections::parse(&sample()).unwrap();
        assert_eq!(s.u32s("a").unwrap(), vec![1, 2, 3]);
        assert_eq!(s.bytes("b").unwrap(), b"hello");
        assert!(s.bytes("c").is_err());
    }

    /// A prepared image is read in place: every section written is aligned, and its arrays
    /// point into the image's own bytes instead of a copy.
    #[test]
    fn an_uncompressed_image_is_read_in_place() {
        let mut w = SectionWriter::default();
        w.bytes("odd", b"abc");
        w.u32s("a", &[1, 2, 3]);
        w.bytes("longer name", b"x");
        w.u64s("b", &[u64::MAX, 7]);
        w.f32s("c", &[0.5]);
        w.bytes("t", b"one\ntwo\n");
        w.u32s("t.ends", &[3, 7]);
        // Copied into 8-aligned static memory, as `include_bytes!` into an aligned wrapper
        // places it.
        let bytes = w.finish_uncompressed();
        let words: &'static mut [u64] =
            Box::leak(vec![0u64; bytes.len().div_ceil(8)].into_boxed_slice());
        let view: &'static mut [u8] = bytemuck::cast_slice_mut(words);
        view[..bytes.len()].copy_from_slice(&bytes);
        let image: &'static [u8] = &view[..bytes.len()];
        let s = Sections::parse_static(image).unwrap();
        assert!(s.is_prepared_image());
        let range = image.as_ptr_range();
        let a: Array<u32> = s.array("a").unwrap();
        let b: Array<u64> = s.array("b").unwrap();
        let c: Array<f32> = s.array("c").unwrap();
        assert_eq!(
            (&a[..], &b[..], &c[..]),
            (&[1, 2, 3][..], &[u64::MAX, 7][..], &[0.5][..])
        );
        for ptr in [a.as_ptr() as *const u8, b.as_ptr() as _, c.as_ptr() as _] {
            assert!(range.contains(&ptr), "an aligned section is read in place");
        }
        assert_eq!(s.bytes("odd").unwrap(), b"abc");
        let t = StringTable::from_sections(&s, "t", "t.ends", Delimited::Terminated).unwrap();
        assert_eq!(t.iter().collect::<Vec<_>>(), ["one", "two"]);
        // The same bytes parsed as a file are checked and copied, with the same content.
        let copied = Sections::parse(image).unwrap();
        assert!(!copied.is_prepared_image());
        assert_eq!(&copied.array::<u64>("b").unwrap()[..], &b[..]);
    }

    #[test]
    fn string_tables_refuse_ends_that_do_not_fit_their_text() {
        for (ends, ok) in [
            (vec![3u32, 7], true),
            (vec![3, 8], false),
            (vec![2, 7], false),
            (vec![7, 3], false),
        ] {
            let mut w = SectionWriter::default();
            w.bytes("t", "one\ntwo\n".as_bytes());
            w.u32s("t.ends", &ends);
            let s = Sections::parse(&w.finish(1).unwrap()).unwrap();
            let got = StringTable::from_sections(&s, "t", "t.ends", Delimited::Terminated);
            assert_eq!(got.is_ok(), ok, "{ends:?}");
        }
        let mut w = SectionWriter::default();
        w.bytes("joined", b"a\nb\xc3\xa9");
        let s = Sections::parse(&w.finish(1).unwrap()).unwrap();
        let t = StringTable::from_sections(&s, "joined", "none", Delimited::Joined).unwrap();
        assert_eq!(t.iter().collect::<Vec<_>>(), ["a", "b\u{e9}"]);
    }

    #[test]
    fn every_flipped_byte_and_truncation_is_an_error() {
        let good = sample();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x55;
            // Flipping a byte of the inflated-length field can still succeed only if the
            // length stays right, which a xor cannot do; every other field is checked.
            assert!(
                Sections::parse(&bad).is_err(),
                "byte {i} flipped was accepted"
            );
        }
        for n in 0..good.len() {
            assert!(
                Sections::parse(&good[..n]).is_err(),
                "truncation to {n} accepted"
            );
        }
    }
}
