//! `nntui completions` and `nntui man`: the shell's completion script and the manual page.

use super::closed_or_failed;
use nntui::prepare::Failure;
use std::io::{self, Write};

/// `nntui completions SHELL`: the shell's completion script, from the parser itself.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<u8, Failure> {
    let mut command = <nntui::cli::Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "nntui", &mut script);
    match io::stdout().lock().write_all(&script) {
        Ok(()) => Ok(0),
        Err(error) => closed_or_failed(error),
    }
}

/// `nntui man`: the manual page in roff, from the parser itself.
pub(crate) fn man() -> Result<u8, Failure> {
    let command = <nntui::cli::Cli as clap::CommandFactory>::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| Failure::new(1, format!("cannot write the manual page: {e}")))?;
    match io::stdout().lock().write_all(&page) {
        Ok(()) => Ok(0),
        Err(error) => closed_or_failed(error),
    }
}
