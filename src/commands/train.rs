//! Training (`nntui FILE.csv`): the data read and the run planned, then the dashboard
//! or the headless loop (printing, logging, recording, signals), the results, the refit
//! that `--save-model` keeps after cross-validation.

use super::closed_or_failed;
use crossbeam_channel::{Receiver, select};
use nntui::cli::TrainArgs;
use nntui::data;
use nntui::headless::{Ending, JsonLines, TextPrinter, result_lines};
use nntui::model_file::ModelFile;
use nntui::prepare::{self, Failure};
use nntui::train::{self, Control, Event, Handle, Plan, RunResult};
use nntui::{signals, tui};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::Arc;

/// How long the headless printer lets events gather once it has drained the channel.
const GATHER: std::time::Duration = std::time::Duration::from_micros(250);

pub(crate) fn train(args: &TrainArgs) -> Result<u8, Failure> {
    // The dashboard needs a terminal; anything else (a pipe, a file, CI) gets text.
    let dashboard = !(args.json || args.no_tui) && io::stdout().is_terminal();
    args.run_config(dashboard).map_err(|e| Failure::usage(e.0))?;
    let Some(path) = &args.file else {
        return Err(Failure::usage("a CSV file to train on is required"));
    };
    prepare::check_outputs(args)?;
    let mut log = match &args.log {
        Some(path) => Some(JsonLines::new(BufWriter::new(
            File::create(path)
                .map_err(|e| Failure::new(1, format!("{}: cannot write the log: {e}", path.display())))?,
        ))),
        None => None,
    };
    let prepared = load(args)?;
    // Warnings are said even when quiet; the report only when it is wanted.
    for warning in &prepared.warnings {
        let _ = writeln!(io::stderr(), "nntui: {warning}");
    }
    if !args.quiet && !dashboard {
        for line in &prepared.notes {
            let _ = writeln!(io::stderr(), "nntui: {line}");
        }
    }
    let dataset = Arc::new(prepared.dataset);
    let config = prepare::config(args, dashboard, &dataset, prepared.initial.as_ref())?;
    let mut plan = Plan::new(config.clone(), &dataset)
        .map_err(|e| Failure::usage(e.to_string()))?
        .with_saver(ModelFile::saver());
    if args.plot.is_some() {
        plan = plan.with_pictures();
    }
    // The bar moves within epochs on a terminal, where folds train one at a time.
    if progress_bar(args)
        && io::stderr().is_terminal()
        && !args.json
        && (plan.config.folds == 1 || plan.config.threads == 1)
    {
        plan = plan.with_progress();
    }
    let recording = recording(args, path, &config);
    // The headless printer drops the weights' histograms: they are made only for a
    // log, a recorded run or `--json`.
    if !dashboard && !args.json && log.is_none() && recording.is_none() {
        plan = plan.without_weights();
        // A quiet printer shows the folds' final scores alone.
        if args.quiet && args.plot.is_none() {
            plan = plan.with_final_scores_only();
        }
    }
    if dashboard {
        return dashboard_run(args, plan, dataset, log, recording);
    }
    let mut recorder = match &recording {
        Some(r) => Some(
            nntui::runs::record::Recorder::create(&r.dir, &r.name, &r.data, &config)
                .map_err(|e| Failure::new(1, format!("{}: cannot record the run: {e}", r.dir.display())))?,
        ),
        None => None,
    };
    let signals = signals::listen();
    let handle = train::spawn(plan, Arc::clone(&dataset));
    let mut plot = args.plot.as_ref().map(|_| nntui::plot::Collector::default());
    let (result, interruption) =
        run_headless(handle, args, log.as_mut(), recorder.as_mut(), plot.as_mut(), &signals)?;
    if let (Some(dir), Some(plot)) = (&args.plot, &plot) {
        write_plots(plot, dir, args.plot_format)?;
    }
    let folder = recorder.map(|r| r.folder);
    finish(args, &dataset, &config, result, interruption, &signals, folder.as_deref())
}

/// Writes `--plot`'s charts and says where, on stderr.
pub(crate) fn write_plots(
    plot: &nntui::plot::Collector,
    dir: &std::path::Path,
    format: nntui::plot::Format,
) -> Result<(), Failure> {
    let files = plot.write(dir, format).map_err(|message| Failure::new(1, format!("--plot: {message}")))?;
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let _ = writeln!(io::stderr(), "nntui: charts written: {}", names.join(", "));
    Ok(())
}

/// `--log-dir` (or `NNTUI_LOG_DIR`) and the run's name, if runs are recorded.
pub(crate) fn recording(
    args: &TrainArgs,
    data: &std::path::Path,
    config: &train::RunConfig,
) -> Option<tui::Recording> {
    let dir = args.log_dir.clone().or_else(|| {
        std::env::var_os("NNTUI_LOG_DIR").filter(|v| !v.is_empty()).map(std::path::PathBuf::from)
    })?;
    let name = match &args.name {
        Some(name) => nntui::runs::record::safe_name(name),
        None => nntui::runs::record::default_name(data, config),
    };
    Some(tui::Recording { dir, name, data: data.display().to_string() })
}

/// Files at least this large get a progress line while loading and a note of how long
/// it took.
pub(crate) const BIG_FILE: u64 = 32 << 20;

/// Prepares the training data (`prepare::data`), showing progress on a terminal for
/// big files.
pub(crate) fn load(args: &TrainArgs) -> Result<prepare::Prepared, Failure> {
    let path = args.file.clone().unwrap_or_default();
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    let big = size >= BIG_FILE && !args.quiet && !args.json;
    let show = big && io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut shown = 0;
    let mut progress = |read: u64, total: u64| {
        let percent = (100 * read).checked_div(total).unwrap_or(100);
        if show && percent != shown {
            shown = percent;
            let _ = write!(io::stderr(), "\rnntui: loading {}: {percent}%", path.display());
        }
    };
    let loaded = prepare::data(args, &mut progress);
    if show {
        // Clear the progress line whatever happened.
        let _ = write!(io::stderr(), "\r\x1b[K");
    }
    let mut prepared = loaded?;
    if big {
        prepared.notes.insert(
            0,
            format!(
                "loaded {}: {} in {:.2} s",
                path.display(),
                data::shape_text(prepared.dataset.rows(), prepared.dataset.feature_count()),
                started.elapsed().as_secs_f64()
            ),
        );
    }
    Ok(prepared)
}

/// Why a run ended before its last event was consumed, if it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interruption {
    /// A signal asked to stop.
    Signal(i32),
    /// The reader of stdout went away (`| head`): not an error.
    OutputClosed,
    /// The user quit the dashboard: a stop they asked for is not a failure.
    Quit,
}

/// Trains on the dashboard; once it is closed, prints the summary on the normal screen
/// so that it stays in the scrollback.
pub(crate) fn dashboard_run(
    args: &TrainArgs,
    plan: Plan,
    dataset: Arc<data::Dataset>,
    log: Option<JsonLines<BufWriter<File>>>,
    recording: Option<tui::Recording>,
) -> Result<u8, Failure> {
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let plot = args.plot.as_ref().map(|_| nntui::plot::Collector::default());
    let mut session = tui::Session {
        config: plan.config,
        dataset: Arc::clone(&dataset),
        log,
        recording,
        recorder: None,
        plot,
    };
    session.start_recording().map_err(|e| Failure::new(1, format!("cannot record the run: {e}")))?;
    let ending =
        tui::run(&mut session, color).map_err(|e| Failure::new(1, format!("the terminal failed: {e}")))?;
    if let (Some(info), Some(summary)) = (&ending.info, &ending.summary) {
        let mut lines = result_lines(info, summary);
        if info.folds > 1 && ending.changes.iter().any(|c| c.fold.is_some()) && summary.mean.is_some() {
            lines
                .push("the mean is over folds trained under different settings (changed live, below)".into());
        }
        lines.extend(live_changes(&ending));
        let mut out = io::stdout().lock();
        for line in lines {
            if let Err(error) = writeln!(out, "{line}") {
                return closed_or_failed(error);
            }
        }
    }
    // A run that had ended is not interrupted by leaving its dashboard, however that is.
    let finished = ending.summary.as_ref().is_some_and(|s| !s.stopped);
    let interruption = match ending.exit {
        tui::Exit::Quit => Interruption::Quit,
        tui::Exit::Interrupted | tui::Exit::Signal(_) if finished => Interruption::Quit,
        // Ctrl-C reaches the dashboard as a key (the terminal is raw), but means SIGINT.
        tui::Exit::Interrupted => Interruption::Signal(signal_hook::consts::SIGINT),
        tui::Exit::Signal(signal) => Interruption::Signal(signal),
    };
    let result = ending.result.unwrap_or_else(|| Err("the engine did not stop in time".into()));
    let folder = session.recorder.take().map(|r| r.folder);
    if let (Some(dir), Some(plot)) = (&args.plot, &session.plot) {
        write_plots(plot, dir, args.plot_format)?;
    }
    let config = ending.info.map_or(session.config, |info| info.config);
    finish(args, &dataset, &config, result, Some(interruption), &signals::listen(), folder.as_deref())
}

/// The changes made live and the command line that starts with the settings in force
/// at the end, or nothing when nothing was changed.
pub(crate) fn live_changes(ending: &tui::Ending) -> Vec<String> {
    if ending.changes.is_empty() {
        return Vec::new();
    }
    let mut lines = vec!["changed live:".to_string()];
    for change in &ending.changes {
        let place = match (change.fold, change.epoch) {
            (Some(fold), Some(epoch)) => format!(" (fold {}, epoch {epoch})", fold + 1),
            _ => String::new(),
        };
        lines.push(format!("  {}{place}", change.text));
    }
    let arguments: Vec<String> = std::env::args().collect();
    let live = &ending.live;
    lines.push(format!(
        "settings at the end: {}",
        command_line(&arguments, live.learning_rate, live.l1, live.l2)
    ));
    lines
}

/// The command line as typed, for the model file (`nntui` for the program's path).
pub(crate) fn typed_command() -> String {
    let mut words: Vec<String> = std::env::args().map(|a| quoted(&a)).collect();
    if let Some(program) = words.first_mut() {
        *program = "nntui".into();
    }
    words.join(" ")
}

/// `arguments` with `--lr`, `--l1` and `--l2` (in either `--flag value` or `--flag=value`
/// form) replaced by the given values; zero penalties are left out.
pub(crate) fn command_line(arguments: &[String], learning_rate: f64, l1: f64, l2: f64) -> String {
    let replaced = ["--lr", "--l1", "--l2"];
    let mut kept = Vec::new();
    let mut skip_value = false;
    for argument in arguments {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if replaced.contains(&argument.as_str()) {
            skip_value = true;
            continue;
        }
        if replaced.iter().any(|flag| argument.starts_with(&format!("{flag}="))) {
            continue;
        }
        kept.push(quoted(argument));
    }
    if let Some(program) = kept.first_mut() {
        *program = "nntui".into();
    }
    kept.push(format!("--lr {learning_rate}"));
    for (flag, value) in [("--l1", l1), ("--l2", l2)] {
        if value != 0.0 {
            kept.push(format!("{flag} {value}"));
        }
    }
    kept.join(" ")
}

/// Whether epochs end in Keras's progress bar (`--verbose 1`, the default when stderr
/// is a terminal) rather than in a line.
pub(crate) fn progress_bar(args: &TrainArgs) -> bool {
    !args.quiet && args.verbose.unwrap_or(if io::stderr().is_terminal() { 1 } else { 2 }) == 1
}

/// An argument as a shell reads it back.
pub(crate) fn quoted(argument: &str) -> String {
    nntui::cli::shell_quoted(argument)
}

/// Consumes events until the run ends: printing, logging, and turning signals into a
/// stop. A second signal ends the process at once.
pub(crate) fn run_headless(
    handle: Handle,
    args: &TrainArgs,
    mut log: Option<&mut JsonLines<BufWriter<File>>>,
    mut recorder: Option<&mut nntui::runs::record::Recorder>,
    mut plot: Option<&mut nntui::plot::Collector>,
    signals: &Receiver<i32>,
) -> Result<(Result<RunResult, String>, Option<Interruption>), Failure> {
    let mut json = args.json.then(|| JsonLines::new(BufWriter::new(io::stdout().lock())));
    let mut printer = (!args.json).then(|| {
        let printer =
            TextPrinter::new(BufWriter::new(io::stdout().lock()), BufWriter::new(io::stderr()), args.quiet);
        if progress_bar(args) {
            let colour =
                io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let columns = crossterm::terminal::size().ok().map(|(width, _)| usize::from(width));
            printer.with_progress_bar(colour, columns.filter(|_| io::stderr().is_terminal()))
        } else {
            printer
        }
    });
    let mut interruption = None;
    loop {
        select! {
            recv(handle.events) -> event => {
                let Ok(event) = event else { break };
                if let Some(log) = log.as_deref_mut() {
                    log.write(&event).map_err(|e| Failure::new(1, format!("cannot write the log: {e}")))?;
                }
                if let Some(plot) = plot.as_deref_mut() {
                    plot.take(&event);
                }
                if let Some(recorder) = recorder.as_deref_mut() {
                    recorder.write(&event).map_err(|e| {
                        Failure::new(1, format!("{}: cannot record the run: {e}", recorder.folder.display()))
                    })?;
                }
                if interruption != Some(Interruption::OutputClosed) {
                    let written = match (&mut json, &mut printer) {
                        (Some(json), _) => json.write(&event),
                        (None, Some(printer)) => printer.handle(&event),
                        (None, None) => Ok(()),
                    };
                    if let Err(error) = written {
                        // A reader that went away (`| head`) is not an error: stop quietly.
                        if error.kind() != io::ErrorKind::BrokenPipe {
                            return Err(Failure::new(1, format!("cannot write output: {error}")));
                        }
                        interruption = Some(Interruption::OutputClosed);
                        let _ = handle.control.send(Control::Stop);
                    }
                }
                let ended = matches!(event, Event::RunEnded(_));
                if ended || handle.events.is_empty() {
                    if let Some(json) = &mut json { let _ = json.flush(); }
                    if let Some(printer) = &mut printer { let _ = printer.flush(); }
                    if let Some(log) = log.as_deref_mut() { let _ = log.flush(); }
                }
                if ended {
                    break;
                }
                if handle.events.is_empty() {
                    // Let events gather rather than be woken for each one: a waiting
                    // receiver costs the engine a system call per event.
                    std::thread::sleep(GATHER);
                }
            },
            recv(signals) -> received => {
                let Ok(received) = received else { continue };
                if matches!(interruption, Some(Interruption::Signal(_))) {
                    std::process::exit(i32::from(signals::exit_status(received)));
                }
                interruption = Some(Interruption::Signal(received));
                let _ = handle.control.send(Control::Stop);
            },
        }
    }
    Ok((handle.join(), interruption))
}

/// Saves the model if asked and turns the run's ending into an exit code.
pub(crate) fn finish(
    args: &TrainArgs,
    dataset: &Arc<data::Dataset>,
    config: &train::RunConfig,
    result: Result<RunResult, String>,
    interruption: Option<Interruption>,
    signals: &Receiver<i32>,
    folder: Option<&std::path::Path>,
) -> Result<u8, Failure> {
    let result = result.map_err(|message| Failure::new(1, format!("the engine failed: {message}")))?;
    match interruption {
        Some(Interruption::Signal(signal)) => return Ok(signals::exit_status(signal)),
        Some(Interruption::OutputClosed) => return Ok(0),
        Some(Interruption::Quit) | None => {}
    }
    let ending = Ending::of(&result.summary);
    // A recorded single fit keeps its model beside its events.
    if let (Some(folder), Some(trained), Ending::Finished) = (folder, &result.model, ending) {
        let path = folder.join(nntui::runs::record::MODEL);
        ModelFile::new(trained, dataset).save(&path).map_err(|e| Failure::new(1, e.to_string()))?;
    }
    let keeps_model = args.save_model.is_some() || args.export_onnx.is_some();
    if ending == Ending::Stopped && interruption == Some(Interruption::Quit) && !keeps_model {
        return Ok(0);
    }
    if keeps_model {
        let trained = match (result.model, ending) {
            (Some(trained), Ending::Finished) => trained,
            // Cross-validation estimated how well the settings do; the model to keep is
            // trained on every row, as scikit-learn's refit does.
            (None, Ending::Finished) if config.folds > 1 => match refit(
                config,
                dataset,
                if args.save_model.is_some() { "--save-model" } else { "--export-onnx" },
                args.quiet,
                signals,
            )? {
                Ok(trained) => trained,
                Err(signal) => return Ok(signals::exit_status(signal)),
            },
            _ => {
                let paths: Vec<String> = args
                    .save_model
                    .iter()
                    .chain(&args.export_onnx)
                    .map(|p| p.display().to_string())
                    .collect();
                return Err(Failure::new(
                    1,
                    format!("{}: not saved, training did not finish", paths.join(", ")),
                ));
            }
        };
        let mut file = ModelFile::new(&trained, dataset);
        file.command = Some(typed_command());
        if let Some(path) = &args.save_model {
            file.save(path).map_err(|e| Failure::new(1, e.to_string()))?;
        }
        if let Some(path) = &args.export_onnx {
            nntui::export::write_onnx(&file, &nntui::export::OnnxOptions::default(), path)
                .map_err(|why| Failure::new(1, format!("--export-onnx: {why}")))?;
        }
        if config.folds > 1 && !args.quiet {
            let paths: Vec<String> =
                args.save_model.iter().chain(&args.export_onnx).map(|p| p.display().to_string()).collect();
            let _ = writeln!(
                io::stderr(),
                "nntui: saved {} (trained on all {} rows)",
                paths.join(" and "),
                dataset.rows()
            );
        }
    }
    Ok(match ending {
        Ending::Finished => 0,
        Ending::Diverged | Ending::Stopped => 1,
    })
}

/// Trains the settings once on every row, quietly: the model `--save-model` keeps after
/// cross-validation. A signal stops it (`Ok(Err(signal))`).
pub(crate) fn refit(
    config: &train::RunConfig,
    dataset: &Arc<data::Dataset>,
    output: &str,
    quiet: bool,
    signals: &Receiver<i32>,
) -> Result<Result<train::TrainedModel, i32>, Failure> {
    if !quiet {
        let _ = writeln!(
            io::stderr(),
            "nntui: refitting on all {} rows for {} (the cross-validation above estimates how it does)",
            dataset.rows(),
            output
        );
    }
    let single = train::RunConfig { folds: 1, validation_split: None, pace: None, ..config.clone() };
    // Only the run's end is read here: no weight histograms.
    let plan = Plan::new(single, dataset).map_err(|e| Failure::new(2, e.to_string()))?.without_weights();
    let handle = train::spawn(plan, Arc::clone(dataset));
    loop {
        select! {
            recv(handle.events) -> event => match event {
                Ok(Event::RunEnded(_)) | Err(_) => break,
                Ok(_) => {}
            },
            recv(signals) -> signal => if let Ok(signal) = signal {
                drop(handle.join());
                return Ok(Err(signal));
            },
        }
    }
    let result = handle.join().map_err(|message| Failure::new(1, format!("the engine failed: {message}")))?;
    match (result.model, Ending::of(&result.summary)) {
        (Some(trained), Ending::Finished) => Ok(Ok(trained)),
        _ => Err(Failure::new(1, "the refit on all rows did not finish: the model was not saved")),
    }
}

#[cfg(test)]
mod tests {
    use super::command_line;

    #[test]
    fn the_command_line_carries_the_settings_in_force() {
        let arguments: Vec<String> = [
            "target/nntui",
            "data/my file.csv",
            "--lr",
            "0.01",
            "--l2=0.5",
            "--lr-decay",
            "0.9",
            "--epochs",
            "20",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            command_line(&arguments, 0.02, 0.0, 1e-4),
            "nntui 'data/my file.csv' --lr-decay 0.9 --epochs 20 --lr 0.02 --l2 0.0001"
        );
    }
}
