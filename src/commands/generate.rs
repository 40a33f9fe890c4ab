//! `nntui generate`: a built-in dataset as CSV.

use super::closed_or_failed;
use nntui::cli::GenerateArgs;
use nntui::data;
use nntui::prepare::Failure;
use std::fs::File;
use std::io::{self};

pub(crate) fn generate(args: &GenerateArgs) -> Result<u8, Failure> {
    let spec = args.spec();
    let written = match &args.output {
        Some(path) => File::create(path)
            .and_then(|mut file| data::generate::write_csv(&spec, &mut file))
            .map_err(|e| Failure::new(1, format!("{}: {e}", path.display()))),
        None => data::generate::write_csv(&spec, &mut io::stdout().lock())
            .or_else(|e| closed_or_failed(e).map(|_| ())),
    };
    written.map(|()| 0)
}
