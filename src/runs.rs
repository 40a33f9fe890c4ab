//! Runs as files: each run recorded in its own folder (`events.jsonl`, `config.json`,
//! and for a single fit `model.json`), and read back, from nntui or from a program that
//! writes Keras-callback lines.
//!
//! The files are a contract: `events.jsonl` is the event stream, one JSON object per
//! line with a `"type"`, and `run_started` carries `"schema"` ([`SCHEMA`]). A reader
//! accepts older files (no `schema` means 1), skips event types and fields it does not
//! know, and leaves a partial last line (a writer in the middle of it) for later.

pub mod csvlog;
pub mod follow;
pub mod read;
pub mod record;
pub mod table;
pub mod trials;

/// The version of the event schema this build writes (defined with the events).
pub use crate::train::event::SCHEMA;

/// `f` of each item, in order, on as many threads as the machine has cores when there
/// are enough items to be worth it (a table or a walk of thousands of runs).
pub(crate) fn par_map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    if threads == 1 || items.len() < 256 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(items.len().div_ceil(threads))
            .map(|chunk| scope.spawn(move || chunk.iter().map(f).collect::<Vec<U>>()))
            .collect();
        // A thread that panicked takes the process with it, as the serial map would.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}
