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
