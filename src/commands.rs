//! The commands, one file each; `main` parses and dispatches to them.

pub(crate) mod evaluate;
pub(crate) mod export;
pub(crate) mod generate;
pub(crate) mod predict;
pub(crate) mod shell;
pub(crate) mod train;
pub(crate) mod tune;
pub(crate) mod view;

use nntui::prepare::Failure;
use std::io;

/// A write that failed: a reader that went away (`| head`) is not an error.
pub(crate) fn closed_or_failed(error: io::Error) -> Result<u8, Failure> {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Ok(0)
    } else {
        Err(Failure::new(1, format!("cannot write output: {error}")))
    }
}
