//! `nntui`: parse, validate and load before anything else runs; then train headless or
//! on the dashboard; map every failure to one line on stderr and an exit code
//! (0 ok, 1 failure, 2 usage, 128 + n for signal n).

use clap::Parser;
use crossbeam_channel::{Receiver, select};
use nntui::cli::{Cli, Command, EvaluateArgs, GenerateArgs, PredictArgs, TrainArgs, TuneArgs, ViewArgs};
use nntui::data;
use nntui::headless::{Ending, JsonLines, TextPrinter, result_lines};
use nntui::model_file::{ModelFile, Prediction};
use nntui::prepare::{self, Failure};
use nntui::train::{self, Control, Event, Handle, Plan, RunResult};
use nntui::{signals, tui};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

/// How long the headless printer lets events gather once it has drained the channel.
const GATHER: std::time::Duration = std::time::Duration::from_micros(250);

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
        Some(Command::Predict(args)) => predict(&args),
        Some(Command::Evaluate(args)) => evaluate(&args),
        Some(Command::View(args)) => view(&args),
        Some(Command::Generate(args)) => generate(&args),
        Some(Command::Tune(args)) => tune(&args),
        Some(Command::Completions(args)) => completions(args.shell),
        Some(Command::Man) => man(),
        None => train(&cli.train),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            let _ = writeln!(io::stderr(), "nntui: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn train(args: &TrainArgs) -> Result<u8, Failure> {
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
fn write_plots(
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
fn recording(args: &TrainArgs, data: &std::path::Path, config: &train::RunConfig) -> Option<tui::Recording> {
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
const BIG_FILE: u64 = 32 << 20;

/// Prepares the training data (`prepare::data`), showing progress on a terminal for
/// big files.
fn load(args: &TrainArgs) -> Result<prepare::Prepared, Failure> {
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
enum Interruption {
    /// A signal asked to stop.
    Signal(i32),
    /// The reader of stdout went away (`| head`): not an error.
    OutputClosed,
    /// The user quit the dashboard: a stop they asked for is not a failure.
    Quit,
}

/// Trains on the dashboard; once it is closed, prints the summary on the normal screen
/// so that it stays in the scrollback.
fn dashboard_run(
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
fn live_changes(ending: &tui::Ending) -> Vec<String> {
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

/// `arguments` with `--lr`, `--l1` and `--l2` (in either `--flag value` or `--flag=value`
/// form) replaced by the given values; zero penalties are left out.
fn command_line(arguments: &[String], learning_rate: f64, l1: f64, l2: f64) -> String {
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
fn progress_bar(args: &TrainArgs) -> bool {
    !args.quiet && args.verbose.unwrap_or(if io::stderr().is_terminal() { 1 } else { 2 }) == 1
}

/// An argument as a shell reads it back.
fn quoted(argument: &str) -> String {
    nntui::cli::shell_quoted(argument)
}

/// Consumes events until the run ends: printing, logging, and turning signals into a
/// stop. A second signal ends the process at once.
fn run_headless(
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
fn finish(
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
    if ending == Ending::Stopped && interruption == Some(Interruption::Quit) && args.save_model.is_none() {
        return Ok(0);
    }
    if let Some(path) = &args.save_model {
        match (&result.model, ending) {
            (Some(trained), Ending::Finished) => {
                ModelFile::new(trained, dataset).save(path).map_err(|e| Failure::new(1, e.to_string()))?
            }
            // Cross-validation estimated how well the settings do; the model to keep is
            // trained on every row, as scikit-learn's refit does.
            (None, Ending::Finished) if config.folds > 1 => {
                let trained = match refit(config, dataset, args.quiet, signals)? {
                    Ok(trained) => trained,
                    Err(signal) => return Ok(signals::exit_status(signal)),
                };
                ModelFile::new(&trained, dataset).save(path).map_err(|e| Failure::new(1, e.to_string()))?;
                if !args.quiet {
                    let _ = writeln!(
                        io::stderr(),
                        "nntui: saved {} (trained on all {} rows)",
                        path.display(),
                        dataset.rows()
                    );
                }
            }
            _ => {
                return Err(Failure::new(
                    1,
                    format!("{}: not saved, training did not finish", path.display()),
                ));
            }
        }
    }
    Ok(match ending {
        Ending::Finished => 0,
        Ending::Diverged | Ending::Stopped => 1,
    })
}

/// Trains the settings once on every row, quietly: the model `--save-model` keeps after
/// cross-validation. A signal stops it (`Ok(Err(signal))`).
fn refit(
    config: &train::RunConfig,
    dataset: &Arc<data::Dataset>,
    quiet: bool,
    signals: &Receiver<i32>,
) -> Result<Result<train::TrainedModel, i32>, Failure> {
    if !quiet {
        let _ = writeln!(
            io::stderr(),
            "nntui: refitting on all {} rows for --save-model (the cross-validation above estimates how it does)",
            dataset.rows()
        );
    }
    let single = train::RunConfig { folds: 1, validation_split: None, pace: None, ..config.clone() };
    let plan = Plan::new(single, dataset).map_err(|e| Failure::new(2, e.to_string()))?;
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

/// Reads a file for a model, mapping its errors to exit codes.
fn model_rows(
    file: &ModelFile,
    path: &std::path::Path,
    options: &data::CsvOptions,
    id: Option<&data::LabelColumn>,
) -> Result<data::ModelRows, Failure> {
    let rows = file.read_rows(path, options, id).map_err(|e| match e {
        nntui::model_file::ModelError::Data(data) => Failure::from(data),
        other => Failure::new(1, other.to_string()),
    })?;
    if let Some(warning) = prepare::unseen_warning(&rows.unseen) {
        let _ = writeln!(io::stderr(), "nntui: {}: {warning}", path.display());
    }
    Ok(rows)
}

/// `predict` with a series forecaster: a `row,<label>` line per window, the row being
/// the one it forecasts (past the file's end for the last windows).
fn predict_series(args: &PredictArgs, file: &ModelFile) -> Result<u8, Failure> {
    let input = &args.input;
    let (windows, targets, _) = file.read_series(&input.file, &input.csv_options()).map_err(|e| match e {
        nntui::model_file::ModelError::Data(data) => Failure::from(data),
        other => Failure::new(1, other.to_string()),
    })?;
    let predictions = file.trained().predict(&windows, file.task);
    let mut text = if args.no_output_header { String::new() } else { format!("row,{}\n", file.label_name) };
    for (row, prediction) in targets.iter().zip(&predictions) {
        if let Prediction::Value(value) = prediction {
            text.push_str(&format!("{row},{}\n", nntui::headless::full_precision(*value)));
        }
    }
    let written = match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::new(1, format!("{}: cannot write: {e}", path.display()))),
        None => {
            return io::stdout().lock().write_all(text.as_bytes()).map_or_else(closed_or_failed, |()| Ok(0));
        }
    };
    written.map(|()| 0)
}

fn predict(args: &PredictArgs) -> Result<u8, Failure> {
    let input = &args.input;
    if let Some(path) = &args.output {
        prepare::check_output(path, prepare::Output::File)
            .map_err(|why| Failure::usage(format!("--output {}: {why}", path.display())))?;
    }
    let file = ModelFile::load(&input.model).map_err(|e| Failure::new(1, e.to_string()))?;
    if args.proba && file.task == data::Task::Regression {
        return Err(Failure::new(2, "--proba: the model predicts values (regression), not classes"));
    }
    if args.threshold.is_some() && file.class_names.len() != 2 {
        return Err(Failure::new(2, two_classes_only(&file)));
    }
    match (args.window, file.window) {
        (Some(_), None) => {
            return Err(Failure::new(
                2,
                "--window: the model was not trained on a series (train it with --window)",
            ));
        }
        (Some(n), Some(w)) if n != w.size => {
            return Err(Failure::new(
                2,
                format!("--window {n}: the model was trained on windows of {}", w.size),
            ));
        }
        (_, Some(_)) => return predict_series(args, &file),
        (None, None) => {}
    }
    let id = args.id_col.as_deref().map(nntui::cli::column);
    let rows = model_rows(&file, &input.file, &input.csv_options(), id.as_ref())?;
    let predictions = file.trained().predict(&rows.features, file.task);
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path)
                .map_err(|e| Failure::new(1, format!("{}: cannot write: {e}", path.display())))?,
        )),
        None => Box::new(io::stdout().lock()),
    };
    let mut out = csv::Writer::from_writer(sink);
    // Always a header row (unless --no-output-header): the identifier, the prediction,
    // then the predicted class's probability or, with --proba, every class's.
    let mut header: Vec<String> = Vec::new();
    header.extend(rows.ids.as_ref().map(|(name, _)| name.clone()));
    header.push(if file.task == data::Task::Regression { "value".into() } else { "predicted".into() });
    if args.proba {
        header.extend(file.class_names.iter().cloned());
    } else if file.task != data::Task::Regression {
        header.push("probability".into());
    }
    let written = (|| -> Result<(), csv::Error> {
        if !args.no_output_header {
            out.write_record(&header)?;
        }
        for (index, prediction) in predictions.iter().enumerate() {
            let mut record: Vec<String> = Vec::new();
            if let Some((_, ids)) = &rows.ids {
                record.push(ids[index].clone());
            }
            match prediction {
                Prediction::Class { class, probabilities } => {
                    // --threshold on the second class's probability decides between two.
                    let class = match args.threshold {
                        Some(t) => &usize::from(f64::from(probabilities[1]) > t),
                        None => class,
                    };
                    record.push(file.class_names[*class].clone());
                    if args.proba {
                        record.extend(probabilities.iter().map(|&p| nntui::headless::full_precision(p)));
                    } else {
                        record.push(nntui::headless::full_precision(probabilities[*class]));
                    }
                }
                Prediction::Value(value) => record.push(nntui::headless::full_precision(*value)),
            }
            out.write_record(&record)?;
        }
        out.flush()?;
        Ok(())
    })();
    match written {
        Ok(()) => Ok(0),
        // The csv crate wraps the writer's error; a closed pipe is still not an error.
        Err(error) => match error.into_kind() {
            csv::ErrorKind::Io(error) => closed_or_failed(error),
            other => Err(Failure::new(1, format!("cannot write output: {other:?}"))),
        },
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

/// `nntui completions SHELL`: the shell's completion script, from the parser itself.
fn completions(shell: clap_complete::Shell) -> Result<u8, Failure> {
    let mut command = <nntui::cli::Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "nntui", &mut script);
    match io::stdout().lock().write_all(&script) {
        Ok(()) => Ok(0),
        Err(error) => closed_or_failed(error),
    }
}

/// `nntui man`: the manual page in roff, from the parser itself.
fn man() -> Result<u8, Failure> {
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

/// `--threshold` on a model that does not decide between two classes.
fn two_classes_only(file: &ModelFile) -> String {
    if file.task == data::Task::Regression {
        "--threshold: the model predicts values (regression), not classes".into()
    } else {
        format!("--threshold: decides between two classes; this model has {}", file.class_names.len())
    }
}

fn evaluate(args: &EvaluateArgs) -> Result<u8, Failure> {
    let input = &args.input;
    let file = ModelFile::load(&input.model).map_err(|e| Failure::new(1, e.to_string()))?;
    let rows = if file.window.is_some() {
        // A forecaster: its windows whose target row is in the file, scored on it.
        let (windows, targets, values) =
            file.read_series(&input.file, &input.csv_options()).map_err(|e| match e {
                nntui::model_file::ModelError::Data(data) => Failure::from(data),
                other => Failure::new(1, other.to_string()),
            })?;
        let known: Vec<usize> = (0..targets.len()).filter(|&w| targets[w] <= values.len()).collect();
        if known.is_empty() {
            return Err(Failure::new(
                1,
                format!(
                    "{}: nothing to score: {} rows make no window whose target row is in the file (a window takes {} rows and predicts {} on)",
                    input.file.display(),
                    values.len(),
                    file.window.map_or(0, |w| w.size),
                    file.window.map_or(0, |w| w.horizon),
                ),
            ));
        }
        data::ModelRows {
            features: windows.select(ndarray::Axis(0), &known),
            labels: Some(known.iter().map(|&w| values[targets[w] - 1].clone()).collect()),
            ids: None,
            report: data::DataReport::default(),
            unseen: Vec::new(),
        }
    } else {
        model_rows(&file, &input.file, &input.csv_options(), None)?
    };
    let rows = &rows;
    let Some(labels) = &rows.labels else {
        return Err(Failure::new(
            1,
            format!(
                "{}: no label column ({:?}): evaluation needs the true labels; nntui predict works without them",
                input.file.display(),
                file.label_name
            ),
        ));
    };
    // Rows without a label cannot be scored: left out, and counted, as training does.
    let labelled: Vec<usize> = (0..labels.len()).filter(|&r| !labels[r].is_empty()).collect();
    if labelled.len() < labels.len() {
        let _ = writeln!(
            io::stderr(),
            "nntui: {}: {} without a label left out",
            input.file.display(),
            match labels.len() - labelled.len() {
                1 => "1 row".to_string(),
                n => format!("{n} rows"),
            }
        );
    }
    if labelled.is_empty() {
        return Err(Failure::new(
            1,
            format!(
                "{}: nothing to score: no row has a label ({:?} is empty or missing on every row)",
                input.file.display(),
                file.label_name
            ),
        ));
    }
    let features = rows.features.select(ndarray::Axis(0), &labelled);
    let labels: Vec<String> = labelled.iter().map(|&r| labels[r].clone()).collect();
    if args.threshold.is_some() && file.class_names.len() != 2 {
        return Err(Failure::new(2, two_classes_only(&file)));
    }
    let evaluation = nntui::evaluate::evaluate(&file, &features, &labels, args.threshold)
        .map_err(|message| Failure::new(1, format!("{}: {message}", input.file.display())))?;
    match write!(io::stdout().lock(), "{}", nntui::evaluate::report(&evaluation)) {
        Ok(()) => Ok(0),
        Err(error) => closed_or_failed(error),
    }
}

/// `nntui view`: the table of runs, or one run replayed.
fn view(args: &ViewArgs) -> Result<u8, Failure> {
    use nntui::runs::{read, table};
    let interactive =
        !(args.no_tui || args.json || args.replay || args.plot.is_some()) && io::stdout().is_terminal();
    // On a terminal, a folder with no runs yet (or not made yet) is waited on, as
    // TensorBoard waits: the comparison reads it again every second.
    let found: Vec<Vec<read::Source>> = args.paths.iter().map(|p| read::sources(p)).collect();
    if interactive && found.iter().all(Vec::is_empty) {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let paths = args.paths.clone();
        let heading = move || -> Option<String> {
            paths.iter().all(|p| read::sources(p).is_empty()).then(|| {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                format!(" no runs yet in {}: waiting for them to appear (q quits)", names.join(", "))
            })
        };
        tui::compare_with(args.paths.clone(), color, None, &heading, &mut |_, _| None, None)
            .map_err(|e| Failure::new(1, format!("the terminal failed: {e}")))?;
        return Ok(0);
    }
    let mut sources = Vec::new();
    for (path, found) in args.paths.iter().zip(found) {
        if !path.exists() {
            return Err(Failure::new(1, format!("{}: no such file or folder", path.display())));
        }
        if found.is_empty() {
            return Err(Failure::new(
                1,
                format!(
                    "{}: no runs here (no events.jsonl, Keras-callback lines, CSV logs or TensorBoard tfevents files below it)",
                    path.display()
                ),
            ));
        }
        sources.extend(found);
    }
    // Several runs on a terminal: the comparison reads them itself (once, not twice).
    if interactive && (sources.len() > 1 || matches!(sources.as_slice(), [read::Source::Study(_)])) {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        tui::compare(args.paths.clone(), color)
            .map_err(|e| Failure::new(1, format!("the terminal failed: {e}")))?;
        return Ok(0);
    }
    let mut reader = read::Reader::once();
    let runs = reader
        .read_many(&sources)
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| Failure::new(1, m))?
        .into_iter()
        .flatten()
        .map(|(_, run)| run)
        .collect::<Vec<_>>();
    if let Some(dir) = &args.plot {
        prepare::check_output(dir, prepare::Output::Folder)
            .map_err(|why| Failure::usage(format!("--plot {}: {why}", dir.display())))?;
        // One of nntui's own runs: its charts as training drew them; any other run, or
        // several: a chart per series name, a line per run.
        if let ([run], [source]) = (runs.as_slice(), sources.as_slice())
            && run.own
        {
            let events = read::events(source.path()).map_err(|m| Failure::new(1, m))?;
            let mut plot = nntui::plot::Collector::default();
            events.iter().for_each(|event| plot.take(event));
            write_plots(&plot, dir, args.plot_format)?;
            return Ok(0);
        }
        let series: Vec<nntui::plot::RunSeries> = runs.iter().map(run_series).collect();
        let files = nntui::plot::write_series(&series, dir, args.plot_format)
            .map_err(|message| Failure::new(1, format!("--plot: {message}")))?;
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let _ = writeln!(io::stderr(), "nntui: charts written: {}", names.join(", "));
        return Ok(0);
    }
    if args.replay {
        let [run] = runs.as_slice() else {
            return Err(Failure::new(2, format!("--replay: one run at a time ({} found)", runs.len())));
        };
        let events = if run.own {
            read::events(sources[0].path()).map_err(|m| Failure::new(1, m))?
        } else {
            Vec::new()
        };
        return replay(run, &events);
    }
    if !(args.no_tui || args.json) && io::stdout().is_terminal() {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        // One run, whatever wrote it: its full dashboard (nntui's own followed event by
        // event); several runs, a study, or a folder that may gain runs: the comparison.
        let single = matches!(sources.as_slice(), [source] if !matches!(source, read::Source::Study(_)))
            && runs.len() == 1
            && args.paths.iter().all(|p| {
                !p.is_dir()
                    || p.join(nntui::runs::record::EVENTS).is_file()
                    || matches!(&sources[0], read::Source::TensorBoard { folder, .. } if folder == p)
            });
        let shown = match sources.as_slice() {
            [source @ read::Source::Lines(_)] if single && runs[0].own => {
                tui::view(source.path().to_path_buf(), runs[0].name.clone(), color)
            }
            [source] if single => tui::view_stored(source.clone(), color),
            _ => tui::compare(args.paths.clone(), color),
        };
        shown.map_err(|e| Failure::new(1, format!("the terminal failed: {e}")))?;
        return Ok(0);
    }
    // nntui's runs and Keras-callback lines by run; TensorBoard runs also tag by tag.
    let rows = table::rows(&runs);
    let tags = table::tag_rows(&runs);
    let mut out = io::stdout().lock();
    let written = if args.json {
        // Fields in declaration order (`"type"` first), runs then tags.
        rows.iter()
            .map(serde_json::to_string)
            .chain(tags.iter().map(serde_json::to_string))
            .try_for_each(|line| writeln!(out, "{}", line.map_err(io::Error::other)?))
    } else {
        let mut text = String::new();
        // Runs by run: nntui's and other programs' logs, and TensorBoard runs with
        // hyperparameters (their HParams values are the `differs` column).
        if runs.iter().any(|r| r.tensorboard.is_none() || !r.params.is_empty()) {
            text.push_str(&table::text(&rows));
        }
        if !tags.is_empty() || runs.iter().any(|r| r.tensorboard.is_some()) {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&table::tag_text(&tags));
            for note in table::tensorboard_notes(&runs) {
                text.push_str(&format!("{note}\n"));
            }
        }
        out.write_all(text.as_bytes())
    };
    // The process ends after this: thousands of runs are not freed one allocation at a
    // time (a tenth of the time of a 10,000-run table).
    std::mem::forget((runs, rows, tags, reader));
    match written {
        Ok(()) => Ok(0),
        Err(error) => closed_or_failed(error),
    }
}

/// A run's series for the charts: per name, a line per fold.
fn run_series(run: &nntui::runs::read::Run) -> nntui::plot::RunSeries {
    let mut series: std::collections::BTreeMap<String, Vec<Vec<(f64, f64)>>> =
        std::collections::BTreeMap::new();
    for name in run.names() {
        let lines: Vec<Vec<(f64, f64)>> = run
            .folds
            .values()
            .filter_map(|fold| fold.get(&name))
            .map(|s| s.points())
            .filter(|l| !l.is_empty())
            .collect();
        series.insert(name, lines);
    }
    (run.name.clone(), series)
}

/// A recorded run's lines again: nntui's own `events` through the same printer as
/// training; another program's epochs from the store in Keras's `verbose=2` shape (the
/// kept points of a long log, said so).
fn replay(run: &nntui::runs::read::Run, events: &[Event]) -> Result<u8, Failure> {
    let written = if run.own {
        let mut printer =
            TextPrinter::new(BufWriter::new(io::stdout().lock()), BufWriter::new(io::stderr()), false);
        events.iter().try_for_each(|event| printer.handle(event)).and_then(|()| printer.flush())
    } else {
        let mut out = BufWriter::new(io::stdout().lock());
        (|| -> io::Result<()> {
            for (fold, part) in &run.folds {
                // Every step any series kept, in order, with the values written at it.
                let mut steps: Vec<f64> = part
                    .series
                    .values()
                    .flat_map(|s| s.points().into_iter().map(|p| p.0).chain(s.last.map(|p| p.step)))
                    .collect();
                steps.sort_by(f64::total_cmp);
                steps.dedup();
                for step in steps {
                    let prefix =
                        if run.folds.len() > 1 { format!("Fold {} - ", fold + 1) } else { String::new() };
                    let line: Vec<String> = part
                        .series
                        .iter()
                        .filter_map(|(name, s)| {
                            // A kept point, or the last value (a NaN loss is not drawn).
                            let last = s.last.filter(|p| p.step == step).map(|p| p.value);
                            let value =
                                last.or_else(|| Some(s.points().into_iter().find(|p| p.0 == step)?.1))?;
                            Some(format!("{name}: {}", nntui::headless::keras_number(value)))
                        })
                        .collect();
                    writeln!(out, "{prefix}Epoch {step}\n{}", line.join(" - "))?;
                }
            }
            out.flush()
        })()
    };
    let thinned = run.folds.values().flat_map(|p| p.series.values()).any(|s| s.count > (s.held() + 1) as u64);
    if thinned {
        let _ =
            writeln!(io::stderr(), "nntui: note: a long log: every epoch up to 1024, then evenly thinned");
    }
    if run.skipped > 0 {
        let _ = writeln!(io::stderr(), "nntui: warning: {} unreadable line(s) skipped", run.skipped);
    }
    match written {
        Ok(()) => Ok(0),
        Err(error) => closed_or_failed(error),
    }
}

fn closed_or_failed(error: io::Error) -> Result<u8, Failure> {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Ok(0)
    } else {
        Err(Failure::new(1, format!("cannot write output: {error}")))
    }
}

/// What the search thread says for the dashboard's heading, and what the dashboard asks
/// of the search.
#[derive(Default)]
struct SearchStatus {
    text: String,
    /// `P`: claim no new trial until resumed.
    paused: bool,
    /// `x`: stop this trial (pruned by hand).
    stop_trial: Option<usize>,
}

/// The dashboard's wishes, as the search loop sees them.
struct Steered<P> {
    inner: P,
    status: Arc<std::sync::Mutex<SearchStatus>>,
}

impl<P: nntui::tune::study::Progress> nntui::tune::study::Progress for Steered<P> {
    fn started(&mut self, trial: &nntui::tune::journal::Trial) {
        self.inner.started(trial);
    }
    fn finished(&mut self, trial: &nntui::tune::journal::Trial) {
        self.inner.finished(trial);
    }
    fn stop_requested(&mut self) -> bool {
        self.inner.stop_requested()
    }
    fn stop_trial(&mut self, trial: usize) -> bool {
        self.status.lock().is_ok_and(|mut s| {
            let asked = s.stop_trial == Some(trial);
            if asked {
                s.stop_trial = None;
            }
            asked
        })
    }
}

/// `nntui tune` on a terminal: the search in the background, its leaderboard (the
/// comparison of its trials, sorted by the objective) in the foreground; leaving it
/// stops the search, then the ranking is printed.
fn tune_dashboard(
    mut study: nntui::tune::study::Study,
    dataset: Arc<data::Dataset>,
    objective: nntui::tune::study::Objective,
    storage: std::path::PathBuf,
    temporary: Option<std::path::PathBuf>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Result<u8, Failure> {
    use nntui::tune::{report, study};
    use std::sync::Mutex;
    let status = Arc::new(Mutex::new(SearchStatus::default()));
    let search = {
        let (stop, status) = (Arc::clone(&stop), Arc::clone(&status));
        std::thread::spawn(move || -> Result<study::Study, String> {
            let mut quiet = Steered {
                inner: report::Printer {
                    out: io::sink(),
                    err: io::sink(),
                    objective: study.objective.clone(),
                    quiet: true,
                    stop: Arc::clone(&stop),
                },
                status: Arc::clone(&status),
            };
            let total = study.journal.header.as_ref().map_or(0, |h| h.trials);
            let say = |study: &study::Study, what: &str| {
                let finished = study
                    .journal
                    .trials
                    .values()
                    .filter(|t| t.state != nntui::tune::journal::TrialState::Running)
                    .count();
                if let Ok(mut status) = status.lock() {
                    status.text = format!("nntui tune  {finished} of {total} trials finished, {what}");
                }
            };
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if status.lock().is_ok_and(|s| s.paused) {
                    say(&study, "paused (P: resume)");
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    continue;
                }
                match study.claim(&mut quiet)? {
                    study::Claim::Run(trial) => {
                        say(&study, &format!("trial {} running", trial.number));
                        study.run(&trial, &dataset, &mut quiet)?;
                    }
                    study::Claim::Wait => {
                        say(&study, "waiting for other processes' trials");
                        study.journal.refresh().map_err(|e| e.to_string())?;
                        std::thread::sleep(std::time::Duration::from_millis(500));
                    }
                    study::Claim::Done => break,
                }
            }
            say(
                &study,
                if stop.load(std::sync::atomic::Ordering::SeqCst) { "stopped" } else { "done (q: quit)" },
            );
            Ok(study)
        })
    };
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let heading = || status.lock().ok().map(|s| s.text.clone()).filter(|t| !t.is_empty());
    let mut on_key = |letter: char, path: Option<&std::path::Path>| -> Option<String> {
        let mut status = status.lock().ok()?;
        match letter {
            'P' => {
                status.paused = !status.paused;
                Some(if status.paused {
                    "the search pauses after the trial in progress (P: resume)".into()
                } else {
                    "the search goes on".into()
                })
            }
            'x' => {
                // A trial's path is `study.jsonl#N`.
                let trial = path?.to_string_lossy().rsplit_once('#')?.1.parse::<usize>().ok()?;
                status.stop_trial = Some(trial);
                Some(format!("trial {trial} stops after its next epoch (if this process runs it)"))
            }
            _ => Some(
                "keys here: P pause/resume the search, x stop the trial under the cursor, q stop and quit"
                    .into(),
            ),
        }
    };
    let shown = tui::compare_with(
        vec![storage],
        color,
        Some((objective.name.clone(), objective.maximize)),
        &heading,
        &mut on_key,
        Some(" q stop and quit  P pause  x stop trial  m scatter  s sort  space draw  ? keys"),
    );
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let study =
        search.join().map_err(|_| Failure::new(1, "the search failed"))?.map_err(|e| Failure::new(1, e))?;
    if let Some(path) = &temporary {
        let _ = std::fs::remove_file(path);
    }
    shown.map_err(|e| Failure::new(1, format!("the terminal failed: {e}")))?;
    // Leaving the dashboard early is a stop the user asked for, not a failure; a study
    // in a --storage file can be finished by running the same command again.
    let ranked = study.leaderboard();
    match write!(io::stdout().lock(), "{}", report::summary(&objective, &ranked)) {
        Ok(()) => Ok(0),
        Err(error) => closed_or_failed(error),
    }
}

/// `nntui tune`: claims trials from the study until it has them all, training each as
/// its command line would, then prints the ranking and the best command line.
fn tune(args: &TuneArgs) -> Result<u8, Failure> {
    use nntui::tune::{report, study};
    let settings = study::parse(&args.arguments).map_err(|e| Failure::new(2, format!("tune: {e}")))?;
    let train = settings.train_args(&[]).map_err(|e| Failure::new(2, format!("tune: {e}")))?;
    let Some(_) = train.file.as_ref() else {
        return Err(Failure::new(2, "tune: a CSV file to train on is required"));
    };
    let prepared = load(&train)?;
    for warning in &prepared.warnings {
        let _ = writeln!(io::stderr(), "nntui: {warning}");
    }
    let on_dashboard = !(train.no_tui || train.json) && io::stdout().is_terminal();
    if !(train.quiet || on_dashboard) {
        for line in &prepared.notes {
            let _ = writeln!(io::stderr(), "nntui: {line}");
        }
    }
    // The warnings of the data and of its split, said once here rather than per trial.
    if let Ok(config) = prepare::config(&train, false, &prepared.dataset, prepared.initial.as_ref())
        && let Ok(plan) = Plan::new(config, &prepared.dataset)
    {
        for warning in &plan.warnings {
            let _ = writeln!(io::stderr(), "nntui: warning: {warning}");
        }
    }
    let initial = prepared.initial;
    let dataset = Arc::new(prepared.dataset);
    let objective = settings
        .check(Some(dataset.task.is_classification()))
        .map_err(|e| Failure::new(2, format!("tune: {e}")))?;
    let dashboard = !(train.no_tui || train.json) && io::stdout().is_terminal();
    let mut settings = settings;
    // The dashboard reads the study from its journal: a file, if only a temporary one.
    let temporary = (dashboard && settings.storage.is_none())
        .then(|| std::env::temp_dir().join(format!("nntui-tune-{}.jsonl", std::process::id())));
    if let Some(path) = &temporary {
        settings.storage = Some(path.clone());
    }
    let storage = settings.storage.clone();
    let mut study =
        study::Study::open(settings, objective.clone(), train.seed).map_err(|e| Failure::new(1, e))?;
    study.initial = initial;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    if let (true, Some(storage)) = (dashboard, storage) {
        return tune_dashboard(study, dataset, objective, storage, temporary, stop);
    }
    let signals = signals::listen();
    let flag = Arc::clone(&stop);
    std::thread::spawn(move || {
        // The first signal stops the search after marking the trial in progress to run
        // again; a second one ends the process at once.
        if let Ok(first) = signals.recv() {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            if signals.recv().is_ok() {
                std::process::exit(i32::from(signals::exit_status(first)));
            }
        }
    });
    let mut printer = report::Printer {
        out: io::stdout(),
        err: io::stderr(),
        objective: objective.clone(),
        quiet: train.quiet,
        stop: Arc::clone(&stop),
    };
    loop {
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        match study.claim(&mut printer).map_err(|e| Failure::new(1, e))? {
            study::Claim::Run(trial) => {
                let finished = study.run(&trial, &dataset, &mut printer).map_err(|e| Failure::new(1, e))?;
                use nntui::tune::study::Progress as _;
                printer.finished(&finished);
            }
            study::Claim::Wait => {
                study.journal.refresh().map_err(|e| Failure::new(1, format!("the study journal: {e}")))?;
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
            study::Claim::Done => break,
        }
    }
    if stop.load(std::sync::atomic::Ordering::SeqCst) {
        let _ =
            writeln!(io::stderr(), "nntui: tune interrupted; the trial in progress is marked to run again");
        return Ok(130);
    }
    let _ = study.journal.refresh();
    let ranked = study.leaderboard();
    let completed = ranked.iter().any(|t| t.state == nntui::tune::journal::TrialState::Complete);
    match write!(io::stdout().lock(), "\n{}", report::summary(&objective, &ranked)) {
        // A study whose every trial failed found nothing: not a success.
        Ok(()) => Ok(if completed { 0 } else { 1 }),
        Err(error) => closed_or_failed(error),
    }
}

fn generate(args: &GenerateArgs) -> Result<u8, Failure> {
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
