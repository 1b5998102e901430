//! Scanning crawls for spun copies.
//!
//! Data flow: [`source::read_inputs`] turns input bytes (WARC records, HTML and text files,
//! JSON Lines) into [`source::Item`]s on one reader thread; batches of items go to the rayon
//! pool, where [`analyse::Analyser`] extracts the main text, identifies the language, checks
//! and (for spun pages) restores and traces; the outcomes come back in input order to the
//! caller's sink and to the [`summary::SummaryBuilder`], which groups families at the end.
//!
//! Memory is bounded by the batch size times the largest document
//! ([`source::MAX_DOCUMENT`]) plus about half a kilobyte per spun page for families,
//! whatever the size of the input.

pub mod analyse;
pub mod documents;
pub mod families;
pub mod pairs;
pub mod source;
pub mod summary;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use rayon::prelude::*;

pub use analyse::{Analyser, DocumentReport, Outcome};
pub use source::{Item, JsonFields, Locator};
pub use summary::Summary;
/// Main-text extraction (the `unspin-extract` crate), re-exported for scan's callers.
pub use unspin_extract as extract;

/// Records handed to the worker pool at a time.
pub const BATCH: usize = 64;
/// Batches read ahead of the workers.
const READ_AHEAD: usize = 4;

/// Progress so far, for a progress bar.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Records done.
    pub records: u64,
    /// Input bytes read.
    pub bytes: u64,
    /// Spun documents found.
    pub spun: u64,
}

/// Scans `inputs`: every outcome goes to `emit` in input order, `progress` is called after
/// each batch, and the summary is returned at the end. Setting `stop` ends reading early;
/// what was read is still analysed, emitted and summarised. An error from `emit` (say, a full
/// disk) stops the scan and is returned.
pub fn scan<E>(
    inputs: &[String],
    fields: &JsonFields,
    analyser: &Analyser,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Progress),
    emit: &mut dyn FnMut(&Outcome) -> Result<(), E>,
) -> Result<Summary, E> {
    let started = Instant::now();
    let mut summary = summary::SummaryBuilder::default();
    let (send, receive) = sync_channel::<(Vec<Item>, u64)>(READ_AHEAD);
    // Set when the consumer fails, so that the reader stops too.
    let abandon = AtomicBool::new(false);
    let mut failure = None;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut batch = Vec::with_capacity(BATCH);
            let mut bytes = 0;
            let mut sink = |item: Item, consumed: u64| {
                batch.push(item);
                bytes += consumed;
                if batch.len() >= BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if send.send((full, std::mem::take(&mut bytes))).is_err() {
                        return false;
                    }
                }
                !abandon.load(Ordering::Relaxed)
            };
            source::read_inputs(inputs, fields, stop, &mut sink);
            if !batch.is_empty() || bytes > 0 {
                let _ = send.send((batch, bytes));
            }
            drop(send);
        });
        for (batch, bytes) in receive.iter() {
            if failure.is_some() {
                continue; // drain so the reader can finish
            }
            let outcomes: Vec<Outcome> = batch
                .into_par_iter()
                .map(|item| analyser.analyse(item))
                .collect();
            summary.add_bytes(bytes);
            for o in &outcomes {
                summary.add(o);
                if let Err(e) = emit(o) {
                    failure = Some(e);
                    abandon.store(true, Ordering::Relaxed);
                    break;
                }
            }
            progress(Progress {
                records: summary.records(),
                bytes: summary.bytes(),
                spun: summary.spun(),
            });
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(summary.finish(
        started.elapsed().as_secs_f64(),
        stop.load(Ordering::Relaxed),
    ))
}
