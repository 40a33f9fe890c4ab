//! `nntui`: parse, validate and load before anything else runs; then train headless or
//! on the dashboard; map every failure to one line on stderr and an exit code
//! (0 ok, 1 failure, 2 usage, 128 + n for signal n).

mod commands;

use clap::Parser;
use nntui::cli::{Cli, Command};
use std::io::{self, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(nntui::cli::with_optional_values_attached(std::env::args_os())) {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with 0; usage errors to stderr with 2, in
            // nntui's style: one line `nntui: ...` (clap's hints folded into it), then
            // the usage line.
            use clap::error::ErrorKind;
            let code = ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = error.print();
            } else {
                let _ = write!(io::stderr(), "{}", usage_error(&error.render().to_string()));
            }
            return code;
        }
    };
    let mut cli = cli;
    // Keras's verbose=0 is --quiet.
    if cli.train.verbose == Some(0) {
        cli.train.quiet = true;
    }
    let result = match cli.command {
        Some(Command::Predict(args)) => commands::predict::predict(&args),
        Some(Command::Evaluate(args)) => commands::evaluate::evaluate(&args),
        Some(Command::Export(args)) => commands::export::export(&args),
        Some(Command::View(args)) => commands::view::view(&args),
        Some(Command::Generate(args)) => commands::generate::generate(&args),
        Some(Command::Tune(args)) => commands::tune::tune(&args),
        Some(Command::Completions(args)) => commands::shell::completions(args.shell),
        Some(Command::Man) => commands::shell::man(),
        None => commands::train::train(&cli.train),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            let _ = writeln!(io::stderr(), "nntui: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// clap's error text as nntui's: `nntui: ` and its first line without `error: `, its
/// indented hints (`[possible values: ...]`, `tip: ...`) in brackets after it, and the
/// usage line below.
fn usage_error(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let mut text = format!("nntui: {}", lines.next().unwrap_or_default().trim_start_matches("error: "));
    let (mut usage, mut listed) = (None, Vec::new());
    for line in lines {
        let indented = line.starts_with(' ');
        let line = line.trim();
        if line.starts_with("Usage: ") {
            usage = Some(line.to_string());
        } else if line.starts_with("tip: ") || line.starts_with('[') {
            text.push_str(&format!(" ({})", line.trim_start_matches('[').trim_end_matches(']')));
        } else if indented && !line.is_empty() {
            // What the first line lists (the missing arguments).
            listed.push(line.to_string());
        }
    }
    if !listed.is_empty() {
        text.push_str(&format!(" {}", listed.join(", ")));
    }
    text.push('\n');
    if let Some(usage) = usage {
        text.push_str(&usage);
        text.push('\n');
    }
    text
}
