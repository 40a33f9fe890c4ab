//! `nntui tune`: the search, headless or on its dashboard, steered from it.

use super::closed_or_failed;
use super::train::load;
use nntui::cli::TuneArgs;
use nntui::data;
use nntui::prepare::{self, Failure};
use nntui::train::Plan;
use nntui::{signals, tui};
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;

/// What the search thread says for the dashboard's heading, and what the dashboard asks
/// of the search.
#[derive(Default)]
pub(crate) struct SearchStatus {
    text: String,
    /// The trial this process runs and since when.
    running: Option<(usize, std::time::Instant)>,
    /// How long each trial this process ran took, in seconds (pruned ones too).
    durations: Vec<f64>,
    /// Trials not yet finished in the study (running ones included).
    left: usize,
    /// `P`: claim no new trial until resumed.
    paused: bool,
    /// `x`: stop this trial (pruned by hand).
    stop_trial: Option<usize>,
}

/// The dashboard's wishes, as the search loop sees them.
pub(crate) struct Steered<P> {
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
pub(crate) fn tune_dashboard(
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
                    status.left = total.saturating_sub(finished);
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
                        let started = std::time::Instant::now();
                        if let Ok(mut status) = status.lock() {
                            status.running = Some((trial.number, started));
                        }
                        let ran = study.run(&trial, &dataset, &mut quiet);
                        if let Ok(mut status) = status.lock() {
                            status.running = None;
                            status.durations.push(started.elapsed().as_secs_f64());
                        }
                        ran?;
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
    let heading = || status.lock().ok().map(|s| heading_text(&s)).filter(|t| !t.is_empty());
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
    let (done, total) = study.counts();
    if done < total {
        let _ = writeln!(io::stderr(), "nntui: {}", unfinished(done, total, temporary.is_none()));
    }
    // Leaving the dashboard early is a stop the user asked for, not a failure; a study
    // in a --storage file can be finished by running the same command again.
    let ranked = study.leaderboard();
    let importances = report::importance_text(&study.settings.space, &objective, &ranked);
    match write!(io::stdout().lock(), "{}", report::summary(&objective, &ranked, &importances)) {
        Ok(()) => Ok(0),
        Err(error) => closed_or_failed(error),
    }
}

/// The dashboard's heading: how far the study is, the running trial's time, and at this
/// process's pace so far (the mean of the trials it ran), about how long the rest take.
fn heading_text(status: &SearchStatus) -> String {
    let mut text = status.text.clone();
    if text.is_empty() {
        return text;
    }
    let running = status.running.map(|(_, since)| since.elapsed().as_secs_f64());
    if let Some(seconds) = running {
        text.push_str(&format!(" {}", duration_text(seconds)));
    }
    if !status.durations.is_empty() && status.left > 0 {
        let mean = status.durations.iter().sum::<f64>() / status.durations.len() as f64;
        let left = (mean * status.left as f64 - running.unwrap_or(0.0)).max(0.0);
        text.push_str(&format!("; {}/trial, {} left", duration_text(mean), duration_text(left)));
    }
    text
}

/// `0.4s`, `7.5s`, then Keras's `12s`, `2:05`, `1:02:05`.
fn duration_text(seconds: f64) -> String {
    if seconds < 10.0 { format!("{seconds:.1}s") } else { nntui::headless::eta_text(seconds) }
}

/// How far a stopped study got, and how to go on.
fn unfinished(done: usize, total: usize, kept: bool) -> String {
    if kept {
        format!("{done} of {total} trials ran; the same command continues the study")
    } else {
        format!(
            "{done} of {total} trials ran; give --storage FILE to keep a study that the same command continues"
        )
    }
}

/// A pruner that would stop trials from their first epoch, said once with the option that
/// changes it.
fn early_pruning_note(pruner: &nntui::tune::pruner::Pruner, epochs: usize) -> Option<String> {
    use nntui::tune::pruner::Pruner;
    match *pruner {
        Pruner::Median { startup, warmup: 0 } => Some(format!(
            "--pruner median may stop a trial from its first epoch once {startup} trials have completed; --warmup-epochs N lets every trial train N epochs first"
        )),
        Pruner::Asha { min_epochs: Some(1), .. } => Some(
            "--pruner asha's first rung is epoch 1: a trial may stop after its first epoch; a larger --min-epochs waits longer".into(),
        ),
        Pruner::Asha { min_epochs: None, .. } if epochs < 200 => Some(format!(
            "--pruner asha's first rung is a hundredth of the longest completed trial, epoch 1 for {epochs}-epoch trials: a trial may stop after its first epoch; --min-epochs N sets it"
        )),
        _ => None,
    }
}

/// `nntui tune`: claims trials from the study until it has them all, training each as
/// its command line would, then prints the ranking and the best command line.
pub(crate) fn tune(args: &TuneArgs) -> Result<u8, Failure> {
    use nntui::tune::{report, study};
    let settings = study::parse(&args.arguments).map_err(|e| Failure::new(2, format!("tune: {e}")))?;
    // The shared options with a sample of the searched ones (an option may need another:
    // a searched --lr-decay goes with --lr-decay-steps).
    let train = settings
        .train_args(&settings.space.sample(0, 0))
        .map_err(|e| Failure::new(2, format!("tune: {e}")))?;
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
    if settings.space.params.is_empty() {
        let _ = writeln!(
            io::stderr(),
            "nntui: warning: nothing is searched (no option given as choices a|b|c or a range LO..HI): every trial trains the same settings"
        );
    }
    let initial = prepared.initial;
    let dataset = Arc::new(prepared.dataset);
    let objective = settings
        .check(Some(dataset.task.is_classification()))
        .map_err(|e| Failure::new(2, format!("tune: {e}")))?;
    if let Some(note) = early_pruning_note(&settings.pruner, train.epochs) {
        let _ = writeln!(io::stderr(), "nntui: note: {note}");
    }
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
    // The first signal's number, for the exit status (143 for SIGTERM, as training's).
    let received = Arc::new(std::sync::atomic::AtomicI32::new(0));
    let first_signal = Arc::clone(&received);
    std::thread::spawn(move || {
        // The first signal stops the search after marking the trial in progress to run
        // again; a second one ends the process at once.
        if let Ok(first) = signals.recv() {
            first_signal.store(first, std::sync::atomic::Ordering::SeqCst);
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
    let mut ran = 0usize;
    loop {
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        match study.claim(&mut printer).map_err(|e| Failure::new(1, e))? {
            study::Claim::Run(trial) => {
                ran += 1;
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
        let _ = study.journal.refresh();
        let (done, total) = study.counts();
        let _ = writeln!(
            io::stderr(),
            "nntui: tune interrupted; the trial in progress is marked to run again; {}",
            unfinished(done, total, study.settings.storage.is_some())
        );
        let signal = received.load(std::sync::atomic::Ordering::SeqCst);
        return Ok(if signal == 0 { 130 } else { signals::exit_status(signal) });
    }
    let _ = study.journal.refresh();
    if ran == 0 && !train.quiet {
        let (done, total) = study.counts();
        let _ = writeln!(
            io::stderr(),
            "nntui: study complete: {done} of {total} trials ran, none is left; --trials N above {total} runs more"
        );
    }
    let ranked = study.leaderboard();
    let completed = ranked.iter().any(|t| t.state == nntui::tune::journal::TrialState::Complete);
    let importances = report::importance_text(&study.settings.space, &objective, &ranked);
    match write!(io::stdout().lock(), "\n{}", report::summary(&objective, &ranked, &importances)) {
        // A study whose every trial failed found nothing: not a success.
        Ok(()) => Ok(u8::from(!completed)),
        Err(error) => closed_or_failed(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heading_tells_the_running_trials_time_and_the_time_left() {
        let text = "nntui tune  2 of 10 trials finished, trial 3 running".to_string();
        let mut status = SearchStatus { text, left: 8, ..SearchStatus::default() };
        // Nothing measured yet: no estimate.
        assert_eq!(heading_text(&status), "nntui tune  2 of 10 trials finished, trial 3 running");
        status.durations = vec![4.0, 6.0];
        let since = std::time::Instant::now().checked_sub(std::time::Duration::from_millis(1500)).unwrap();
        status.running = Some((3, since));
        // 8 trials left at 5 s each, 1.5 s of them done.
        let heading = heading_text(&status);
        assert!(heading.starts_with("nntui tune  2 of 10 trials finished, trial 3 running 1."), "{heading}");
        assert!(heading.ends_with("s; 5.0s/trial, 38s left"), "{heading}");
        assert_eq!(duration_text(754.0), "12:34");
    }
}
