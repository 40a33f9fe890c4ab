//! The engine thread: a coordinator that applies controls and collects results, and
//! fold workers that train in parallel, all sending events on one channel.

use super::Control;
use super::event::{Event, FoldOutcome, FoldReport, RunInfo, RunSummary, Warning};
use super::fit::{TrainedModel, train_fold};
use super::live::Live;
use super::plan::Plan;
use crate::data::Dataset;
use crate::stats::mean_and_std;
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, never, select, unbounded};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Instant;

/// Events the channel holds before the engine waits for its consumer. At 144 bytes an
/// event this bounds a slow consumer's backlog to 300 KB (and costs that much, touched
/// once, at start-up), while a consumer that drains every frame (the dashboard, 30
/// times a second) does not make the engine wait: `RunSummary::backpressure_waits`
/// counts the times it did.
pub const EVENT_CAPACITY: usize = 2048;

/// A running engine: its events, its controls, and its thread.
pub struct Handle {
    /// Everything the engine reports, ending with `Event::RunEnded`.
    pub events: Receiver<Event>,
    /// Controls, applied at the next batch boundary.
    pub control: Sender<Control>,
    thread: JoinHandle<Result<RunResult, String>>,
}

/// What a finished run leaves besides its events.
#[derive(Debug)]
pub struct RunResult {
    /// The same summary as the last event.
    pub summary: RunSummary,
    /// The trained network of a single fit (`None` for cross-validation).
    pub model: Option<TrainedModel>,
}

impl Handle {
    /// Stops the engine if it is still running (paused or not), then waits for it to
    /// finish. An engine that panicked gives its panic message.
    pub fn join(self) -> Result<RunResult, String> {
        // Without a consumer or a controller the run has no one to serve: the closed
        // control channel is the engine's signal to stop.
        drop(self.events);
        drop(self.control);
        self.thread.join().map_err(|payload| panic_message(payload.as_ref())).and_then(|result| result)
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the engine stopped unexpectedly".to_string())
}

/// Sends events, counting waits on a full channel and noticing a consumer that left.
pub(crate) struct Emitter {
    sender: Sender<Event>,
    waits: AtomicU64,
    gone: AtomicBool,
}

impl Emitter {
    fn new(sender: Sender<Event>) -> Self {
        Emitter { sender, waits: AtomicU64::new(0), gone: AtomicBool::new(false) }
    }

    /// Sends `event`, waiting if the channel is full; drops it if nobody listens.
    pub fn send(&self, event: Event) {
        if self.consumer_gone() {
            return;
        }
        match self.sender.try_send(event) {
            Ok(()) => {}
            Err(TrySendError::Full(event)) => {
                self.waits.fetch_add(1, Ordering::Relaxed);
                if self.sender.send(event).is_err() {
                    self.gone.store(true, Ordering::Relaxed);
                }
            }
            Err(TrySendError::Disconnected(_)) => self.gone.store(true, Ordering::Relaxed),
        }
    }

    /// Whether the consumer dropped its receiver (then there is no point training on).
    pub fn consumer_gone(&self) -> bool {
        self.gone.load(Ordering::Relaxed)
    }
}

/// Starts training `plan` on `dataset` in the background.
#[allow(
    clippy::expect_used,
    reason = "std::thread::spawn panics alike: a system that cannot start a thread cannot train"
)]
pub fn spawn(plan: Plan, dataset: Arc<Dataset>) -> Handle {
    let (event_sender, events) = bounded(EVENT_CAPACITY);
    let (control, controls) = unbounded();
    let thread = thread::Builder::new()
        .name("nntui-engine".into())
        .spawn(move || run(&plan, &dataset, &Emitter::new(event_sender), controls))
        .expect("the system can start one thread");
    Handle { events, control, thread }
}

/// Runs shorter than this get no demo hint.
const DEMO_EPOCHS: usize = 100;

/// A hint when a run on one of nntui's demo datasets falls far short of what the data
/// allows (the spiral reaches 97% with `--init he_uniform`, 71% with the tutorial's
/// `random_uniform`): the score of a finished run, cross-validated or fitted.
fn demo_warning(plan: &Plan, folds: &[FoldReport], mean: Option<f64>) -> Option<Warning> {
    // A short run falls short for want of epochs, not of settings.
    let demo = plan.config.demo.as_ref().filter(|_| plan.config.epochs >= DEMO_EPOCHS)?;
    let score = if plan.is_cross_validation() {
        mean?
    } else {
        let fold = folds.first().filter(|f| f.outcome == FoldOutcome::Completed)?;
        fold.validation.or(fold.train)?.metric
    };
    let regression = plan.metric == crate::nn::Metric::Mae;
    let short = if regression { score > demo.reachable * 1.15 } else { score < demo.reachable - 0.08 };
    if !short {
        return None;
    }
    let (got, reachable) = if regression {
        (format!("mae {score:.4}"), format!("about {:.2}", demo.reachable))
    } else {
        (format!("{:.2}% accuracy", 100.0 * score), format!("about {:.0}%", 100.0 * demo.reachable))
    };
    Some(Warning {
        fold: None,
        epoch: None,
        message: format!("{got} on the {} demo, where {reachable} is within reach", demo.name),
        hint: Some(format!("try {} (data/README.md gives each demo's flags)", demo.suggested)),
    })
}

/// What a worker reports back: a finished fold, or the panic that ended it.
enum Done {
    Fold(Box<(FoldReport, TrainedModel)>),
    Failed(String),
}

/// The run; `Err` with the message if a worker panicked (then no `RunEnded` is sent:
/// consumers see the channel close, and `Handle::join` gives the message).
fn run(
    plan: &Plan,
    dataset: &Dataset,
    emitter: &Emitter,
    controls: Receiver<Control>,
) -> Result<RunResult, String> {
    let started = Instant::now();
    let folds = plan.fold_count();
    let workers = plan.config.threads.clamp(1, folds);
    emitter.send(Event::RunStarted(Box::new(RunInfo {
        schema: super::event::SCHEMA,
        config: plan.config.clone(),
        dataset: dataset.summary(),
        model: plan.model::<f32>().summary(),
        loss: plan.loss,
        metric: plan.metric,
        folds,
        batch_size: plan.batch_size,
        threads: workers,
        warnings: plan.warnings.clone(),
    })));

    let live = Live::new(&plan.config);
    let layout = dataset.features.as_standard_layout();
    #[allow(clippy::expect_used, reason = "a standard-layout array is one slice")]
    let features = layout.as_slice().expect("a standard-layout array is one slice");
    let next_fold = AtomicUsize::new(0);
    let (done, finished) = unbounded::<Done>();
    let mut failure = None;
    let mut reports: Vec<Option<FoldReport>> = vec![None; folds];
    let mut model = None;

    thread::scope(|scope| {
        for worker in 0..workers {
            let done = done.clone();
            let (live, next_fold) = (&live, &next_fold);
            let body = move || {
                let mut view = live.view();
                loop {
                    let fold = next_fold.fetch_add(1, Ordering::SeqCst);
                    if fold >= folds || live.stopped() || emitter.consumer_gone() {
                        break;
                    }
                    let trained = panic::catch_unwind(AssertUnwindSafe(|| {
                        train_fold(plan, dataset, features, fold, live, &mut view, emitter)
                    }));
                    let message = match trained {
                        Ok(result) => Done::Fold(Box::new(result)),
                        Err(payload) => Done::Failed(panic_message(payload.as_ref())),
                    };
                    let failed = matches!(message, Done::Failed(_));
                    if done.send(message).is_err() || failed {
                        break;
                    }
                }
            };
            #[allow(
                clippy::expect_used,
                reason = "as std::thread::spawn: a system that cannot start a thread cannot train"
            )]
            thread::Builder::new()
                .name(format!("nntui-fold-{worker}"))
                .spawn_scoped(scope, body)
                .expect("the system can start a worker thread");
        }
        drop(done);
        let mut controls = controls;
        loop {
            select! {
                recv(controls) -> message => match message {
                    Ok(control) => {
                        if let Err(reason) = live.apply(control) {
                            emitter.send(Event::Warning(Warning { fold: None, epoch: None, message: reason, hint: None }));
                        }
                    }
                    // Nobody can steer the run any more (the handle was joined or
                    // dropped): stop, or a paused worker would wait forever.
                    Err(_) => {
                        let _ = live.apply(Control::Stop);
                        controls = never();
                    }
                },
                recv(finished) -> message => match message {
                    Ok(Done::Fold(result)) => {
                        let (report, trained) = *result;
                        if folds == 1 && report.train.is_some() {
                            model = Some(trained);
                        }
                        let fold = report.fold;
                        reports[fold] = Some(report);
                    }
                    Ok(Done::Failed(message)) => {
                        // The other folds stop too: the run cannot be reported whole.
                        let _ = live.apply(Control::Stop);
                        failure.get_or_insert(message);
                    }
                    Err(_) => break,
                },
            }
        }
    });
    if let Some(message) = failure {
        return Err(message);
    }

    for ack in live.unacknowledged() {
        emitter.send(Event::Ack(ack));
    }
    let folds: Vec<FoldReport> = reports.into_iter().flatten().collect();
    let scores: Vec<f64> = if plan.is_cross_validation() {
        folds
            .iter()
            .filter(|f| f.outcome == FoldOutcome::Completed)
            .filter_map(|f| f.validation.map(|s| s.metric))
            .collect()
    } else {
        Vec::new()
    };
    let statistics = mean_and_std(scores.iter().copied());
    if let Some(warning) = demo_warning(plan, &folds, statistics.map(|(mean, _)| mean)) {
        emitter.send(Event::Warning(warning));
    }
    let summary = RunSummary {
        stopped: live.stopped(),
        folds,
        mean: statistics.map(|(mean, _)| mean),
        std: statistics.map(|(_, std)| std),
        elapsed_seconds: started.elapsed().as_secs_f64(),
        backpressure_waits: emitter.waits.load(Ordering::Relaxed),
    };
    emitter.send(Event::RunEnded(summary.clone()));
    Ok(RunResult { summary, model })
}
