//! The engine through its channels only: every control observed in the events.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use crossbeam_channel::{Receiver, RecvTimeoutError};
use nntui::data::{self, CsvOptions, Dataset};
use nntui::train::{self, Control, Event, FoldOutcome, Plan, RunConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn moons() -> Arc<Dataset> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/moons.csv");
    Arc::new(data::load(&path, &CsvOptions::default()).unwrap())
}

fn start(config: RunConfig) -> train::Handle {
    let dataset = moons();
    train::spawn(Plan::new(config, &dataset).unwrap(), dataset)
}

/// The next event that `keep` selects, failing after `within`.
fn next_matching<T>(
    events: &Receiver<Event>,
    within: Duration,
    mut keep: impl FnMut(Event) -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        let event =
            events.recv_deadline(deadline).unwrap_or_else(|e| panic!("no matching event in {within:?}: {e}"));
        if std::env::var_os("NNTUI_DEBUG_EVENTS").is_some() {
            eprintln!("{event:?}");
        }
        if let Some(found) = keep(event) {
            return found;
        }
    }
}

/// Asserts that no epoch ends during `quiet`; other events may come.
fn assert_no_epochs(events: &Receiver<Event>, quiet: Duration) {
    let deadline = Instant::now() + quiet;
    loop {
        match events.recv_deadline(deadline) {
            Ok(Event::EpochEnded(e)) => panic!("epoch {} ended while it should not", e.epoch),
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => return,
            Err(RecvTimeoutError::Disconnected) => panic!("the engine ended"),
        }
    }
}

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn pause_step_learning_rate_resume_and_stop() {
    let handle = start(RunConfig { folds: 1, epochs: 100_000, pace: Some(50.0), ..RunConfig::default() });
    let events = &handle.events;
    next_matching(events, WAIT, |e| matches!(e, Event::EpochEnded(_)).then_some(()));

    handle.control.send(Control::Pause).unwrap();
    let paused_at = next_matching(events, WAIT, |e| match e {
        Event::Ack(ack) if ack.control == Control::Pause => Some(ack),
        _ => None,
    });
    assert!(paused_at.paused);
    assert_eq!(paused_at.fold, Some(0));
    // The epoch in progress when the pause took effect may not end: nothing ends.
    assert_no_epochs(events, Duration::from_millis(400));

    handle.control.send(Control::Step).unwrap();
    let stepped = next_matching(events, WAIT, |e| match e {
        Event::EpochEnded(report) => Some(report),
        _ => None,
    });
    assert_eq!(stepped.epoch, paused_at.epoch, "a step finishes the epoch the pause interrupted");
    assert_no_epochs(events, Duration::from_millis(400));

    handle.control.send(Control::SetLearningRate(0.05)).unwrap();
    let ack = next_matching(events, WAIT, |e| match e {
        Event::Ack(ack) if matches!(ack.control, Control::SetLearningRate(_)) => Some(ack),
        _ => None,
    });
    assert_eq!(
        (ack.learning_rate, ack.epoch),
        (0.05, stepped.epoch + 1),
        "takes effect where the step left off"
    );

    handle.control.send(Control::Resume).unwrap();
    let after = next_matching(events, WAIT, |e| match e {
        Event::EpochEnded(report) => Some(report),
        _ => None,
    });
    assert_eq!(after.learning_rate, 0.05);
    assert_eq!(after.epoch, stepped.epoch + 1);

    handle.control.send(Control::Stop).unwrap();
    let summary = next_matching(events, WAIT, |e| match e {
        Event::RunEnded(summary) => Some(summary),
        _ => None,
    });
    assert!(summary.stopped);
    assert!(matches!(summary.folds[0].outcome, FoldOutcome::Stopped { .. }));
    let result = handle.join().unwrap();
    assert!(result.summary.stopped);
}

/// The mean standard deviation of the kernels in a weights event.
fn kernel_spread(event: Event) -> Option<(usize, f64)> {
    match event {
        Event::Weights(w) => {
            let spread = w.layers.iter().map(|l| l.kernel.std).sum::<f64>() / w.layers.len() as f64;
            Some((w.epoch, spread))
        }
        _ => None,
    }
}

#[test]
fn a_live_l2_penalty_enters_the_loss_and_shrinks_the_weights() {
    let handle = start(RunConfig { folds: 1, epochs: 100_000, ..RunConfig::default() });
    let events = &handle.events;
    let (_, before) = next_matching(events, WAIT, |e| kernel_spread(e).filter(|&(epoch, _)| epoch >= 300));
    let loss_before =
        next_matching(events, WAIT, |e| if let Event::EpochEnded(r) = e { Some(r.loss) } else { None });

    handle.control.send(Control::ScaleLearningRate(4.0)).unwrap();
    handle.control.send(Control::SetL2(1.0)).unwrap();
    let acks: Vec<_> = (0..2)
        .map(|_| next_matching(events, WAIT, |e| if let Event::Ack(a) = e { Some(a) } else { None }))
        .collect();
    assert_eq!((acks[0].learning_rate, acks[0].l2), (0.004, 0.0));
    assert_eq!((acks[1].learning_rate, acks[1].l2), (0.004, 1.0));

    let first = next_matching(events, WAIT, |e| if let Event::EpochEnded(r) = e { Some(r) } else { None });
    assert_eq!(first.learning_rate, 0.004);
    // The penalty (sum of squared kernel weights) is part of the reported loss at once.
    assert!(first.loss > loss_before + 0.2, "loss {} vs {loss_before} before the penalty", first.loss);
    let start_epoch = acks[1].epoch;
    let (_, after) =
        next_matching(events, WAIT, |e| kernel_spread(e).filter(|&(epoch, _)| epoch >= start_epoch + 200));
    assert!(after < before / 2.0, "kernel spread {after} should shrink from {before} under L2");
    handle.control.send(Control::Stop).unwrap();
    for _ in events {}
}

#[test]
fn an_invalid_control_value_is_refused_with_a_warning() {
    let handle = start(RunConfig { folds: 1, epochs: 100_000, pace: Some(100.0), ..RunConfig::default() });
    handle.control.send(Control::SetLearningRate(-1.0)).unwrap();
    let warning =
        next_matching(&handle.events, WAIT, |e| if let Event::Warning(w) = e { Some(w) } else { None });
    assert!(warning.message.contains("refused"), "{}", warning.message);
    handle.control.send(Control::Stop).unwrap();
    for _ in &handle.events {}
}

#[test]
fn every_event_names_its_fold_and_parallel_folds_all_report() {
    let handle = start(RunConfig { folds: 4, epochs: 6, threads: 2, ..RunConfig::default() });
    let events: Vec<Event> = handle.events.iter().collect();
    let result = handle.join().unwrap();
    let mut per_fold = [0; 4];
    for event in &events {
        if let Event::EpochEnded(report) = event {
            per_fold[report.fold] += 1;
        }
        match event {
            Event::RunStarted(_) | Event::RunEnded(_) => assert_eq!(event.fold(), None),
            Event::Warning(_) | Event::Ack(_) => {}
            other => assert!(other.fold().is_some()),
        }
    }
    assert_eq!(per_fold, [6; 4]);
    assert_eq!(result.summary.folds.len(), 4);
    let weights = events.iter().filter(|e| matches!(e, Event::Weights(_))).count();
    assert!(weights >= 4, "weights at least at each fold's last epoch");
    assert!(result.summary.mean.unwrap() > 0.5);
}

#[test]
fn a_consumer_that_goes_away_stops_the_engine() {
    // Ten million epochs would take hours; the engine must notice nobody listens.
    let handle = start(RunConfig { folds: 1, epochs: 10_000_000, ..RunConfig::default() });
    next_matching(&handle.events, WAIT, |e| matches!(e, Event::EpochEnded(_)).then_some(()));
    let started = Instant::now();
    let result = handle.join().unwrap(); // drops the receiver, then waits
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
    assert!(matches!(result.summary.folds[0].outcome, FoldOutcome::Stopped { .. }));
}

#[test]
fn joining_a_paused_engine_stops_it() {
    let handle = start(RunConfig { folds: 2, epochs: 10_000_000, threads: 2, ..RunConfig::default() });
    next_matching(&handle.events, WAIT, |e| matches!(e, Event::EpochEnded(_)).then_some(()));
    handle.control.send(Control::Pause).unwrap();
    next_matching(&handle.events, WAIT, |e| matches!(e, Event::Ack(a) if a.paused).then_some(()));
    // join must not wait for a resume that can never come: run it on a thread and
    // fail (rather than hang the suite) if it does not return.
    let (done, joined) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || done.send(handle.join().map(|r| r.summary.stopped)).unwrap());
    let stopped = joined.recv_timeout(WAIT).expect("join on a paused engine returned").unwrap();
    assert!(stopped);
}

#[test]
fn dropping_a_paused_engine_stops_it() {
    let dataset = moons();
    let config = RunConfig { folds: 1, epochs: 10_000_000, ..RunConfig::default() };
    let handle = train::spawn(Plan::new(config, &dataset).unwrap(), Arc::clone(&dataset));
    let events = handle.events.clone();
    next_matching(&events, WAIT, |e| matches!(e, Event::EpochEnded(_)).then_some(()));
    handle.control.send(Control::Pause).unwrap();
    next_matching(&events, WAIT, |e| matches!(e, Event::Ack(a) if a.paused).then_some(()));
    drop(handle);
    // The engine's thread ends, closing the channel after its last events.
    let summary = next_matching(&events, WAIT, |e| match e {
        Event::RunEnded(summary) => Some(summary),
        _ => None,
    });
    assert!(summary.stopped);
}

#[test]
fn a_control_sent_at_start_up_is_acknowledged_where_it_takes_effect() {
    // The race needs repetition to show: the control may land before the workers start
    // (it used to be taken up silently then, and acknowledged only at the end of a run
    // that, paused, never ended) or after they started; either way a worker acknowledges
    // it, with its position, as soon as it takes effect.
    for attempt in 0..20 {
        // Long enough that the run cannot end before the control arrives.
        let handle = start(RunConfig { folds: 2, epochs: 100_000, threads: 2, ..RunConfig::default() });
        handle.control.send(Control::Pause).unwrap();
        let mut epochs_before = 0;
        let ack = next_matching(&handle.events, WAIT, |e| match e {
            Event::Ack(ack) => Some(ack),
            Event::EpochEnded(_) => {
                epochs_before += 1;
                None
            }
            Event::RunEnded(_) => panic!("attempt {attempt}: the pause was not acknowledged during the run"),
            _ => None,
        });
        assert!(ack.paused);
        assert!(ack.fold.is_some(), "attempt {attempt}: acknowledged by the fold where it took effect");
        // Where it took effect agrees with what was reported before it.
        assert!(
            ack.epoch >= 1 && ack.epoch <= epochs_before + 1,
            "attempt {attempt}: {ack:?} after {epochs_before} epochs"
        );
        if epochs_before == 0 {
            // Before any epoch ended: in the first epoch, at whatever batch it had reached
            // (0 updates when the control came before the workers started).
            assert_eq!(ack.epoch, 1, "attempt {attempt}: {ack:?}");
        }
        handle.control.send(Control::Stop).unwrap();
        assert!(handle.join().unwrap().summary.stopped);
    }
}

#[test]
fn a_stopped_fold_reports_what_it_measured_without_evaluating_again() {
    let handle =
        start(RunConfig { folds: 1, epochs: 50, validation_split: Some(0.2), ..RunConfig::default() });
    handle.control.send(Control::Pause).unwrap();
    next_matching(&handle.events, WAIT, |e| matches!(e, Event::Ack(a) if a.paused).then_some(()));
    handle.control.send(Control::Step).unwrap();
    let epoch = next_matching(&handle.events, WAIT, |e| match e {
        Event::EpochEnded(epoch) => Some(epoch),
        _ => None,
    });
    handle.control.send(Control::Stop).unwrap();
    let fold = next_matching(&handle.events, WAIT, |e| match e {
        Event::FoldEnded(fold) => Some(fold),
        _ => None,
    });
    // The pause usually lands in the first epoch; on a busy machine the engine (at full
    // speed) may finish a few before the control arrives. Either way the step ends the
    // epoch it paused in, and that is the last one run.
    assert_eq!(fold.outcome, FoldOutcome::Stopped { epoch: epoch.epoch });
    assert_eq!(fold.epochs_run, epoch.epoch);
    // The last epoch's own numbers, not a fresh pass over the rows (which would give the
    // training rows' loss after the epoch's last update, a different number).
    let train = fold.train.unwrap();
    assert_eq!((train.loss, train.metric), (epoch.loss, epoch.metric));
    let validation = fold.validation.unwrap();
    assert_eq!((Some(validation.loss), Some(validation.metric)), (epoch.val_loss, epoch.val_metric));
    handle.join().unwrap();
}

#[test]
fn early_stopping_can_be_turned_off_extended_and_asked_to_restore_live() {
    use nntui::train::callbacks::{CallbackAction, Callbacks, EarlyStoppingSpec};
    let policies = |patience| Callbacks {
        early_stopping: Some(EarlyStoppingSpec { patience, ..EarlyStoppingSpec::default() }),
        ..Callbacks::default()
    };
    // Patience 0 stops at the first epoch that does not improve; turned off, it only watches.
    let config = RunConfig {
        folds: 1,
        epochs: 60,
        validation_split: Some(0.3),
        policies: policies(0),
        ..RunConfig::default()
    };
    let handle = start(config.clone());
    handle.control.send(Control::Pause).unwrap();
    next_matching(&handle.events, WAIT, |e| matches!(e, Event::Ack(a) if a.paused).then_some(()));
    handle.control.send(Control::SetEarlyStopping(false)).unwrap();
    handle.control.send(Control::Resume).unwrap();
    let events: Vec<Event> = handle.events.iter().collect();
    assert!(
        events.iter().any(|e| matches!(e, Event::Ack(a) if a.control == Control::SetEarlyStopping(false)))
    );
    assert!(!events.iter().any(
        |e| matches!(e, Event::Callback(p) if matches!(p.action, CallbackAction::EarlyStopping { .. }))
    ));
    assert_eq!(events.iter().filter(|e| matches!(e, Event::EpochEnded(_))).count(), 60);
    handle.join().unwrap();

    // The same run with early stopping on stops early.
    let handle = start(config);
    let events: Vec<Event> = handle.events.iter().collect();
    assert!(events.iter().any(
        |e| matches!(e, Event::Callback(p) if matches!(p.action, CallbackAction::EarlyStopping { .. }))
    ));
    handle.join().unwrap();

    // Asked live, a running fold puts back its best weights and says which.
    let config = RunConfig {
        folds: 1,
        epochs: 100_000,
        validation_split: Some(0.3),
        policies: policies(100_000),
        ..RunConfig::default()
    };
    let handle = start(config);
    next_matching(&handle.events, WAIT, |e| matches!(e, Event::EpochEnded(r) if r.epoch >= 5).then_some(()));
    handle.control.send(Control::ExtendPatience(5)).unwrap();
    handle.control.send(Control::RestoreBestWeights).unwrap();
    let best = next_matching(&handle.events, WAIT, |e| match e {
        Event::Callback(p) => match p.action {
            CallbackAction::RestoredBestWeights { best_epoch } => Some(best_epoch),
            _ => None,
        },
        _ => None,
    });
    assert!(best >= 1);
    let patience = next_matching(&handle.events, WAIT, |e| match e {
        Event::EpochEnded(r) => r.policies.and_then(|p| p.early_stopping).map(|e| e.patience),
        _ => None,
    });
    assert_eq!(patience, 100_005);
    handle.control.send(Control::Stop).unwrap();
    handle.join().unwrap();
}

/// `--verbose 1`: Keras's progress bar. Each epoch's heading once, the bar drawn over
/// itself (`\r`, padded over a longer one before it, cut to the terminal's width) while
/// the epoch runs, and the epoch's own line in the bar's form at its end; values as the
/// epoch line's. The engine sends progress only when asked (`Plan::with_progress`).
#[test]
fn the_progress_bar_draws_over_itself_and_ends_each_epoch_with_its_line() {
    let config =
        RunConfig { folds: 1, epochs: 2, threads: 1, validation_split: Some(0.25), ..RunConfig::default() };
    let mut events: Vec<Event> = start(config).events.iter().collect();
    assert!(!events.iter().any(|e| matches!(e, Event::Progress(_))), "no progress unless asked for");
    // Two updates before each epoch's end, the second shorter than the first.
    let mut script = Vec::new();
    for event in events.drain(..) {
        if let Event::EpochEnded(e) = &event {
            for (step, loss) in [(3, 0.123_456_78), (15, 0.5)] {
                script.push(Event::Progress(train::BatchProgress {
                    fold: 0,
                    epoch: e.epoch,
                    step,
                    steps: e.steps,
                    loss,
                    metric: 0.75,
                    seconds: 0.03 * step as f64,
                }));
            }
        }
        script.push(event);
    }
    let mut err = Vec::new();
    let mut printer =
        nntui::headless::TextPrinter::new(Vec::new(), &mut err, false).with_progress_bar(false, Some(80));
    for event in &script {
        printer.handle(event).unwrap();
    }
    printer.flush().unwrap();
    drop(printer);
    let text = String::from_utf8(err).unwrap();
    let epoch = text.split("Epoch 1/2\n").nth(1).unwrap().split("Epoch 2/2").next().unwrap();
    let steps = 30; // 300 training rows in batches of 10
    let draws: Vec<&str> = epoch.split('\r').skip(1).collect();
    assert_eq!(draws.len(), 3, "{epoch:?}");
    assert_eq!(draws[0], " 3/30 ━━━━━━━━━━━━━━━━━━━━ 0s 30ms/step - loss: 0.1235 - accuracy: 0.7500");
    assert_eq!(draws[1], "15/30 ━━━━━━━━━━━━━━━━━━━━ 0s 30ms/step - loss: 0.5000 - accuracy: 0.7500");
    assert!(draws[2].starts_with(&format!("{steps}/{steps} ━━━━━━━━━━━━━━━━━━━━ 0s ")), "{:?}", draws[2]);
    assert!(draws[2].contains(" - val_loss: ") && draws[2].ends_with('\n'), "{:?}", draws[2]);
    assert_eq!(text.matches("Epoch 1/2").count(), 1);
    // The bar's share: 3 of 30 steps fill 2 of its 20 cells (drawn plain here; in colour
    // the done part is green).
    let colour = {
        let mut err = Vec::new();
        let mut printer =
            nntui::headless::TextPrinter::new(Vec::new(), &mut err, false).with_progress_bar(true, Some(60));
        for event in &script {
            printer.handle(event).unwrap();
        }
        drop(printer);
        String::from_utf8(err).unwrap()
    };
    assert!(colour.contains("\x1b[1m 3/30\x1b[0m \x1b[32m━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━━━━━\x1b[0m 0s 30ms/step - loss: 0.1235 - ac\r"), "{colour:?}");
}

/// Every event of a run to its end, and its summary.
fn run_plan(plan: Plan) -> (Vec<Event>, train::RunSummary) {
    let handle = train::spawn(plan, moons());
    let events: Vec<Event> = handle.events.iter().collect();
    (events, handle.join().unwrap().summary)
}

/// Each epoch's (fold, epoch, held-out loss) in the order the events came.
fn held_out_losses(events: &[Event]) -> Vec<(usize, usize, Option<f64>)> {
    let mut losses: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::EpochEnded(r) => Some((r.fold, r.epoch, r.val_loss)),
            _ => None,
        })
        .collect();
    losses.sort_by_key(|&(fold, epoch, _)| (fold, epoch));
    losses
}

#[test]
fn a_quiet_cross_validation_scores_its_held_out_rows_after_the_last_epoch_alone() {
    use nntui::train::callbacks::{Callbacks, EarlyStoppingSpec};
    let dataset = moons();
    let config = RunConfig { folds: 3, epochs: 5, threads: 2, ..RunConfig::default() };
    let (every_events, every) = run_plan(Plan::new(config.clone(), &dataset).unwrap());
    let (last_events, last) = run_plan(Plan::new(config, &dataset).unwrap().with_final_scores_only());
    // The folds' results are the same to the bit: the last epoch is scored in both.
    let results = |summary: &train::RunSummary| {
        let folds = summary.folds.iter().map(|f| train::FoldReport { elapsed_seconds: 0.0, ..f.clone() });
        format!("{:?}", folds.collect::<Vec<_>>())
    };
    assert_eq!(results(&every), results(&last));
    assert_eq!((every.mean, every.std), (last.mean, last.std));
    assert!(every.folds.iter().all(|f| f.validation.is_some() && f.train.is_some()));
    let (every, last) = (held_out_losses(&every_events), held_out_losses(&last_events));
    assert_eq!(every.len(), 15);
    assert_eq!(last.len(), 15);
    for ((fold, epoch, all), (_, _, only)) in every.iter().zip(&last) {
        assert!(all.is_some(), "fold {fold} epoch {epoch} scored by default");
        if *epoch == 5 {
            assert_eq!(all, only, "fold {fold}'s last epoch scored alike");
        } else {
            assert_eq!(*only, None, "fold {fold} epoch {epoch} left unscored");
        }
    }
    // A single fit scores every epoch: a stop reports the last one's held-out scores.
    let single = RunConfig { folds: 1, epochs: 4, validation_split: Some(0.3), ..RunConfig::default() };
    let (events, _) = run_plan(Plan::new(single, &dataset).unwrap().with_final_scores_only());
    let losses = held_out_losses(&events);
    assert_eq!(losses.len(), 4);
    assert!(losses.iter().all(|(_, _, loss)| loss.is_some()), "{losses:?}");
    // Callbacks read every epoch's held-out loss, so they keep it.
    let watched = RunConfig {
        folds: 2,
        epochs: 4,
        policies: Callbacks {
            early_stopping: Some(EarlyStoppingSpec { patience: 10, ..EarlyStoppingSpec::default() }),
            ..Callbacks::default()
        },
        ..RunConfig::default()
    };
    let (events, _) = run_plan(Plan::new(watched, &dataset).unwrap().with_final_scores_only());
    let losses = held_out_losses(&events);
    assert_eq!(losses.len(), 8);
    assert!(losses.iter().all(|(_, _, loss)| loss.is_some()), "{losses:?}");
}
