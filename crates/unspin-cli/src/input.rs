//! Reading one text input (a file or standard input) with the limits every command keeps.
//! Commands that read many documents (`index add`, `learn`, `scan`) read them through scan's
//! reader (`unspin_scan::documents`).

use std::io::Read;

use anyhow::{bail, Context, Result};

/// Largest input read in one piece; larger files are refused with a clear message rather than
/// risking unbounded memory (restore needs the whole document for per-document consistency).
pub(crate) const MAX_INPUT: u64 = 16 << 20;

/// The name of an input in messages.
pub(crate) fn display_name(input: &str) -> &str {
    if input == "-" {
        "standard input"
    } else {
        input
    }
}

/// Reads a text input (`-` is standard input), refusing binary data, invalid UTF-8 and
/// inputs over [`MAX_INPUT`] with a message that names the input.
pub(crate) fn read_text(input: &str) -> Result<String> {
    let name = display_name(input);
    let mut bytes = Vec::new();
    let reader: Box<dyn Read> = if input == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(input).with_context(|| format!("cannot open {name}"))?)
    };
    reader
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {name}"))?;
    if bytes.len() as u64 > MAX_INPUT {
        bail!(
            "{name} is larger than {} MiB; split it into documents first",
            MAX_INPUT >> 20
        );
    }
    if bytes.is_empty() {
        bail!("{name} is empty; there is nothing to read");
    }
    if bytes.contains(&0) {
        bail!("{name} looks binary (it contains NUL bytes); unspin reads text");
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{name} is not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}
