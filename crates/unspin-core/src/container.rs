//! The on-disk container of a model: a checked header and named sections of little-endian arrays.
//!
//! Layout: `MAGIC` (8 bytes), format version (u32), flags (u32), stored payload length (u64),
//! payload length once inflated (u64), xxh3-64 of the stored payload (u64), then the payload.
//! The payload is a run of sections: name length (u8), name, byte length (u64), bytes.
//! The checksum is verified before anything is parsed, so a truncated or corrupt file is an
//! error, never a panic or a silently wrong model.

use std::collections::HashMap;

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
/// Refuse to inflate payloads larger than this: a hostile header must not exhaust memory.
const MAX_PAYLOAD: u64 = 1 << 31;

/// Builds a model file section by section.
#[derive(Default)]
pub struct SectionWriter {
    payload: Vec<u8>,
}

impl SectionWriter {
    /// Appends a section of raw bytes.
    pub fn bytes(&mut self, name: &str, data: &[u8]) {
        assert!(name.len() < 256, "section name too long");
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

/// The named sections of a verified, inflated model payload.
pub struct Sections {
    payload: Vec<u8>,
    index: HashMap<String, (usize, usize)>,
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
        if xxhash_rust::xxh3::xxh3_64(stored) != checksum {
            return Err(ModelError::Corrupt("checksum mismatch".into()));
        }
        if raw_len > MAX_PAYLOAD {
            return Err(ModelError::Corrupt(format!(
                "payload of {raw_len} bytes is implausibly large"
            )));
        }
        if flags & !FLAG_ZSTD != 0 {
            return Err(ModelError::Corrupt(format!("unknown flags {flags:#x}")));
        }
        let payload = if flags & FLAG_ZSTD != 0 {
            zstd::bulk::decompress(stored, raw_len as usize)
                .map_err(|e| ModelError::Corrupt(format!("cannot inflate payload: {e}")))?
        } else {
            stored.to_vec()
        };
        if payload.len() as u64 != raw_len {
            return Err(ModelError::Corrupt(format!(
                "payload inflates to {} bytes, header says {raw_len}",
                payload.len()
            )));
        }
        let mut index = HashMap::new();
        let mut at = 0usize;
        while at < payload.len() {
            let name_len = payload[at] as usize;
            let name_end = at + 1 + name_len;
            if name_end + 8 > payload.len() {
                return Err(ModelError::Corrupt("truncated section header".into()));
            }
            let name = String::from_utf8_lossy(&payload[at + 1..name_end]).into_owned();
            let len = read_u64(&payload, name_end) as usize;
            let start = name_end + 8;
            if len > payload.len() - start {
                return Err(ModelError::Corrupt(format!(
                    "section {name} overruns payload"
                )));
            }
            index.insert(name, (start, len));
            at = start + len;
        }
        Ok(Sections { payload, index })
    }

    /// The raw bytes of section `name`, if the file has it.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        let (start, len) = self.index.get(name)?;
        Some(&self.payload[*start..*start + *len])
    }

    /// The raw bytes of section `name`.
    pub fn bytes(&self, name: &str) -> Result<&[u8], ModelError> {
        let (start, len) = self
            .index
            .get(name)
            .ok_or_else(|| ModelError::Corrupt(format!("missing section {name}")))?;
        Ok(&self.payload[*start..*start + *len])
    }

    fn fixed<const N: usize, T>(
        &self,
        name: &str,
        conv: impl Fn([u8; N]) -> T,
    ) -> Result<Vec<T>, ModelError> {
        let b = self.bytes(name)?;
        if b.len() % N != 0 {
            return Err(ModelError::Corrupt(format!(
                "section {name} has a ragged length"
            )));
        }
        Ok(b.chunks_exact(N)
            .map(|c| conv(c.try_into().expect("exact chunk")))
            .collect())
    }

    /// Section `name` as `u32` values.
    pub fn u32s(&self, name: &str) -> Result<Vec<u32>, ModelError> {
        self.fixed(name, u32::from_le_bytes)
    }
    /// Section `name` as `u16` values.
    pub fn u16s(&self, name: &str) -> Result<Vec<u16>, ModelError> {
        self.fixed(name, u16::from_le_bytes)
    }
    /// Section `name` as `f32` values.
    pub fn f32s(&self, name: &str) -> Result<Vec<f32>, ModelError> {
        self.fixed(name, f32::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
