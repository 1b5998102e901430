//! Spun copies beside their sources, read from JSON Lines (`unspin learn --pairs`): one record
//! per copy, with the copy's text and its source's in two fields. Streamed line by line, so
//! memory stays bounded by one record ([`crate::source::MAX_DOCUMENT`]) whatever the file
//! holds; a damaged record is reported with its line and skipped, never fatal.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::source::{json_lines, JsonLine, Locator};

/// The JSON Lines fields that hold a copy's text and its source's.
#[derive(Clone, Debug)]
pub struct PairFields {
    /// Field holding the spun copy (default `spun`).
    pub copy: String,
    /// Field holding the source it was spun from (default `original`).
    pub source: String,
}

impl Default for PairFields {
    fn default() -> Self {
        PairFields {
            copy: "spun".into(),
            source: "original".into(),
        }
    }
}

/// One record of a pairs file.
#[derive(Clone, Debug)]
pub enum PairRecord {
    /// A copy and its source.
    Pair {
        /// Where it came from (file and line).
        at: Locator,
        /// The spun copy.
        copy: String,
        /// Its source.
        source: String,
    },
    /// A record that could not be used, and why.
    Skipped {
        /// Where it came from (file and line).
        at: Locator,
        /// What is wrong with it.
        message: String,
    },
}

/// Reads the pairs of the JSON Lines file `path` record by record into `sink`, in order;
/// stops early when `stop` is set or `sink` returns `false`. Only a file that cannot be opened
/// is an error; damaged records reach `sink` as [`PairRecord::Skipped`].
pub fn read_pairs(
    path: &Path,
    fields: &PairFields,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(PairRecord) -> bool,
) -> std::io::Result<()> {
    let file = File::open(path)?;
    let name = path.display().to_string();
    json_lines(&name, BufReader::new(file), stop, &mut |at, line, _| {
        sink(match line {
            JsonLine::Record(line) => pair_record(at, line, fields),
            JsonLine::TooLarge => PairRecord::Skipped {
                at,
                message: format!(
                    "record larger than {} MiB",
                    crate::source::MAX_DOCUMENT >> 20
                ),
            },
            JsonLine::Unreadable(message) => PairRecord::Skipped { at, message },
        })
    });
    Ok(())
}

/// One line as a pair: both fields must be strings with some text.
fn pair_record(at: Locator, line: &[u8], fields: &PairFields) -> PairRecord {
    let value: serde_json::Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => {
            return PairRecord::Skipped {
                at,
                message: format!("not a JSON record: {e}"),
            }
        }
    };
    let text = |field: &str| match value.get(field) {
        Some(serde_json::Value::String(t)) if !t.trim().is_empty() => Ok(t.clone()),
        Some(serde_json::Value::String(_)) => Err(format!("the field \"{field}\" is empty")),
        _ => Err(format!("no string field \"{field}\"")),
    };
    match (text(&fields.copy), text(&fields.source)) {
        (Ok(copy), Ok(source)) => PairRecord::Pair { at, copy, source },
        (Err(message), _) | (_, Err(message)) => PairRecord::Skipped { at, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(content: &[u8]) -> Vec<PairRecord> {
        let dir = std::env::temp_dir().join(format!("unspin-pairs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.jsonl", content.len()));
        std::fs::write(&path, content).unwrap();
        let mut out = Vec::new();
        read_pairs(
            &path,
            &PairFields::default(),
            &AtomicBool::new(false),
            &mut |r| {
                out.push(r);
                true
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn pairs_are_read_and_damaged_records_are_skipped_with_their_line() {
        let records = read(
            b"{\"spun\": \"officers stated\", \"original\": \"officials said\"}\n\
              \n\
              {\"spun\": \"x\"}\n\
              not json\n\
              {\"spun\": \"  \", \"original\": \"y\"}\n\
              {\"spun\": \"a\xff\", \"original\": \"b\"}\n\
              {\"spun\": 3, \"original\": \"b\"}\n\
              {\"spun\": \"the warfare\", \"original\": \"the war\"}",
        );
        let summary: Vec<String> = records
            .iter()
            .map(|r| match r {
                PairRecord::Pair { at, copy, source } => {
                    format!("{}: {copy} <- {source}", at.line.unwrap())
                }
                PairRecord::Skipped { at, message } => {
                    format!("{}: skipped: {message}", at.line.unwrap())
                }
            })
            .collect();
        assert_eq!(summary.len(), 7, "{summary:?}");
        assert_eq!(summary[0], "1: officers stated <- officials said");
        assert!(summary[1].starts_with("3: skipped: no string field \"original\""));
        assert!(summary[2].starts_with("4: skipped: not a JSON record"));
        assert!(summary[3].starts_with("5: skipped: the field \"spun\" is empty"));
        assert!(summary[4].starts_with("6: skipped: not a JSON record"));
        assert!(summary[5].starts_with("7: skipped: no string field \"spun\""));
        assert_eq!(summary[6], "8: the warfare <- the war");
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let missing = std::env::temp_dir().join("unspin-pairs-no-such-file.jsonl");
        let result = read_pairs(
            &missing,
            &PairFields::default(),
            &AtomicBool::new(false),
            &mut |_| true,
        );
        assert!(result.is_err());
    }
}
