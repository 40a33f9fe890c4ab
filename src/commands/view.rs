//! `nntui view`: recorded runs (and other programs' logs) on the dashboard, the
//! comparison, as a table, as charts, or replayed.

use super::closed_or_failed;
use super::train::write_plots;
use nntui::cli::ViewArgs;
use nntui::headless::TextPrinter;
use nntui::prepare::{self, Failure};
use nntui::train::Event;
use nntui::tui;
use std::io::{self, BufWriter, IsTerminal, Write};

/// `nntui view`: the table of runs, or one run replayed.
pub(crate) fn view(args: &ViewArgs) -> Result<u8, Failure> {
    // Optuna's storage URLs name their file: `sqlite:///study.db` is `study.db`.
    let paths: Vec<std::path::PathBuf> = args
        .paths
        .iter()
        .map(|p| match p.to_str().and_then(|t| t.strip_prefix("sqlite:///")) {
            Some(file) => std::path::PathBuf::from(file),
            None => p.clone(),
        })
        .collect();
    use nntui::runs::{read, table};
    let interactive =
        !(args.no_tui || args.json || args.replay || args.plot.is_some()) && io::stdout().is_terminal();
    // On a terminal, a folder with no runs yet (or not made yet) is waited on, as
    // TensorBoard waits: the comparison reads it again every second.
    let found: Vec<Vec<read::Source>> = paths.iter().map(|p| read::sources(p)).collect();
    if interactive && found.iter().all(Vec::is_empty) {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let waiting = paths.clone();
        let heading = move || -> Option<String> {
            waiting.iter().all(|p| read::sources(p).is_empty()).then(|| {
                let names: Vec<String> = waiting.iter().map(|p| p.display().to_string()).collect();
                format!(" no runs yet in {}: waiting for them to appear (q quits)", names.join(", "))
            })
        };
        tui::compare_with(paths.clone(), color, None, &heading, &mut |_, _| None, None)
            .map_err(|e| Failure::new(1, format!("the terminal failed: {e}")))?;
        return Ok(0);
    }
    let mut sources = Vec::new();
    for (path, found) in paths.iter().zip(found) {
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
    if interactive
        && (sources.len() > 1
            || matches!(sources.as_slice(), [read::Source::Study(_) | read::Source::Optuna(_)]))
    {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        tui::compare(paths.clone(), color)
            .map_err(|e| Failure::new(1, format!("the terminal failed: {e}")))?;
        return Ok(0);
    }
    // A table needs each series' last, best and count, not its points.
    let mut reader =
        if args.plot.is_some() || args.replay { read::Reader::once() } else { read::Reader::summaries() };
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
        // A study's trials: its figures (one set per study in a storage of several),
        // besides the charts of what its trials reported along the way.
        let objectives: std::collections::BTreeSet<&String> =
            runs.iter().filter_map(|r| r.objective.as_ref().map(|(name, _)| name)).collect();
        let mut files = Vec::new();
        for objective in &objectives {
            let trials: Vec<&read::Run> =
                runs.iter().filter(|r| r.objective.as_ref().is_some_and(|(n, _)| n == *objective)).collect();
            let Some(figures) = nntui::runs::trials::Figures::of(&trials) else { continue };
            let prefix =
                if objectives.len() > 1 { objective.split('/').next().unwrap_or(objective) } else { "" };
            files.extend(
                nntui::plot::write_study(&figures, dir, prefix, args.plot_format)
                    .map_err(|message| Failure::new(1, format!("--plot: {message}")))?,
            );
        }
        let series: Vec<nntui::plot::RunSeries> = runs.iter().map(run_series).collect();
        if files.is_empty() || series.iter().any(|(_, s)| !s.is_empty()) {
            files.extend(
                nntui::plot::write_series(&series, dir, args.plot_format)
                    .map_err(|message| Failure::new(1, format!("--plot: {message}")))?,
            );
        }
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
        let single = matches!(sources.as_slice(), [source] if !matches!(source, read::Source::Study(_) | read::Source::Optuna(_)))
            && runs.len() == 1
            && paths.iter().all(|p| {
                !p.is_dir()
                    || p.join(nntui::runs::record::EVENTS).is_file()
                    || matches!(&sources[0], read::Source::TensorBoard { folder, .. } if folder == p)
            });
        let shown = match sources.as_slice() {
            [source @ read::Source::Lines(_)] if single && runs[0].own => {
                tui::view(source.path().to_path_buf(), runs[0].name.clone(), color)
            }
            [source] if single => tui::view_stored(source.clone(), color),
            _ => tui::compare(paths.clone(), color),
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
            .and_then(|()| {
                for (path, (completed, shares)) in study_importances(&sources) {
                    let line = ImportanceLine {
                        kind: "importance",
                        study: &path,
                        method: "ped-anova",
                        completed,
                        importances: shares
                            .iter()
                            .map(|(flag, share)| Share {
                                option: flag.trim_start_matches('-'),
                                share: *share,
                            })
                            .collect(),
                    };
                    writeln!(out, "{}", serde_json::to_string(&line).map_err(io::Error::other)?)?;
                }
                Ok(())
            })
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
        for (path, (completed, shares)) in study_importances(&sources) {
            text.push_str(&format!("\n{path}: {}", nntui::tune::report::bars(completed, &shares)));
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

/// A study's importances as a `--json` line (`"type"` first, as every line).
#[derive(serde::Serialize)]
struct ImportanceLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    study: &'a str,
    method: &'static str,
    completed: usize,
    importances: Vec<Share<'a>>,
}

/// One option's share of the importance.
#[derive(serde::Serialize)]
struct Share<'a> {
    option: &'a str,
    share: f64,
}

/// Each study's searched options' importances (its path, and for an Optuna storage
/// `#` and the study's name; completed trials, shares). A study of several objectives
/// has none (Optuna asks which objective).
fn study_importances(
    sources: &[nntui::runs::read::Source],
) -> Vec<(String, nntui::tune::report::Importances)> {
    sources
        .iter()
        .flat_map(|source| match source {
            nntui::runs::read::Source::Study(path) => nntui::tune::journal::Journal::open(path)
                .ok()
                .and_then(|journal| nntui::tune::report::journal_importances(&journal))
                .map(|importances| (path.display().to_string(), importances))
                .into_iter()
                .collect(),
            nntui::runs::read::Source::Optuna(path) => {
                let mut storage = nntui::tune::optuna::Storage::open(path);
                if storage.refresh().is_err() {
                    return Vec::new();
                }
                storage
                    .studies()
                    .into_iter()
                    .filter_map(|study| {
                        Some((format!("{}#{}", path.display(), study.name), study.importances()?))
                    })
                    .collect()
            }
            _ => Vec::new(),
        })
        .collect()
}

/// A run's series for the charts: per name, a line per fold.
pub(crate) fn run_series(run: &nntui::runs::read::Run) -> nntui::plot::RunSeries {
    let mut series: std::collections::BTreeMap<String, Vec<Vec<(f64, f64)>>> =
        std::collections::BTreeMap::new();
    for name in run.names() {
        let lines: Vec<Vec<(f64, f64)>> = run
            .folds
            .values()
            .filter_map(|fold| fold.get(&name))
            .map(nntui::series::Series::points)
            .filter(|l| !l.is_empty())
            .collect();
        series.insert(name, lines);
    }
    (run.name.clone(), series)
}

/// A recorded run's lines again: nntui's own `events` through the same printer as
/// training; another program's epochs from the store in Keras's `verbose=2` shape (the
/// kept points of a long log, said so).
pub(crate) fn replay(run: &nntui::runs::read::Run, events: &[Event]) -> Result<u8, Failure> {
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
