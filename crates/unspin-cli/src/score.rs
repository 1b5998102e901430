//! `unspin score`: word error rates against the original and the share of damage undone.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::input::read_text;
use crate::model::{ModelChoice, Workload};

/// Arguments of `unspin score`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The original text.
    #[arg(long)]
    original: PathBuf,
    /// The spun copy.
    #[arg(long)]
    spun: PathBuf,
    /// The restored text (default: restore the spun copy now).
    #[arg(long)]
    restored: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(out: &mut impl Write, model: &ModelChoice, args: &Args) -> Result<()> {
    let read = |p: &Path| read_text(&p.to_string_lossy());
    let original = read(&args.original)?;
    let spun = read(&args.spun)?;
    let restored = match &args.restored {
        Some(p) => read(p)?,
        None => {
            model
                .engine(Workload::of_bytes(spun.len() as u64))?
                .restore(&spun)
                .text
        }
    };
    let r = unspin_core::wer::damage_report(&original, &spun, &restored);
    if args.json {
        serde_json::to_writer(&mut *out, &r)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "WER spun {:.3}  WER restored {:.3}  damage undone {:.1}%",
            r.wer_spun,
            r.wer_restored,
            100.0 * r.damage_undone
        )?;
    }
    Ok(())
}
