//! The dashboard's state: everything it shows, built from engine events alone, and the
//! small verbs that keys map to. Pure: time comes in as an argument.
//!
//! By what it is about: the run as the events (or the store) tell it, here; what the
//! screen shows of it, in `view`; what keys do and the settings they steer, in
//! `control`.

use crate::series::Part;
use crate::train::callbacks::CallbackAction;
use crate::train::{
    Ack, CallbackEvent, Control, EpochReport, Event, FoldOutcome, FoldReport, LearnedReport, RunInfo,
    RunSummary, Warning, WeightsReport,
};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

mod control;
mod view;

pub use control::{Action, Command, LiveSettings, PATIENCE_STEP, Steering};
pub use view::{SMOOTHING, Screen, ZOOM};

/// What the run is doing, as the header shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Waiting for the engine's first event.
    Starting,
    /// Training.
    Running,
    /// Paused by the user.
    Paused,
    /// Every fold ended; the results stay up until the user quits.
    Done,
    /// The engine stopped without finishing; the message says why.
    Failed(String),
}

/// A fold's state in the cross-validation table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldState {
    /// Not started.
    Pending,
    /// Training.
    Running,
    /// All epochs ran.
    Completed,
    /// Its loss or weights blew up.
    Diverged,
    /// Stopped early.
    Stopped,
}

/// A vertical mark on the charts where a hyperparameter changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Position in epochs (fractional: mid-epoch changes land mid-epoch).
    pub at: f64,
    /// What changed.
    pub label: String,
}

/// One snapshot in the weights-over-time strip.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// Epoch of the snapshot.
    pub epoch: usize,
    /// The weights report.
    pub weights: WeightsReport,
}

/// Snapshots kept per fold for the strip.
pub const STRIP_CAPACITY: usize = 48;
/// Markers kept per fold.
pub const MARKER_CAPACITY: usize = 64;
/// Log lines kept.
pub const LOG_CAPACITY: usize = 200;
/// Points a finished fold keeps for its dimmed lines.
const FINISHED_FOLD_POINTS: usize = 256;

/// What the right-hand panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SidePanel {
    /// Weight and gradient distributions.
    Weights,
    /// The confusion matrix and the ROC curve.
    Learned,
    /// The decision map (or a regression's curve).
    Map,
}

/// Everything shown about one fold.
#[derive(Clone, Debug, PartialEq)]
pub struct FoldView {
    /// Its state.
    pub state: FoldState,
    /// Its series by name (`loss`, `val_accuracy`, `learning_rate`; a TensorBoard run's
    /// tags), from the store.
    pub series: Part,
    /// The last epoch report.
    pub last: Option<EpochReport>,
    /// What the model learned after the last epoch that reported it (the pictures).
    pub learned: Option<Box<LearnedReport>>,
    /// Batches per epoch (to place mid-epoch markers).
    pub steps_per_epoch: usize,
    /// Its final report.
    pub report: Option<FoldReport>,
    /// Hyperparameter changes.
    pub markers: Vec<Marker>,
    /// Where policies acted: early stopping's end, learning-rate reductions.
    pub policy_marks: Vec<Marker>,
    /// Weight distributions over time, oldest first, decimated.
    pub strip: Vec<Snapshot>,
    strip_stride: usize,
}

impl Default for FoldView {
    fn default() -> Self {
        FoldView {
            state: FoldState::Pending,
            series: Part::default(),
            last: None,
            learned: None,
            steps_per_epoch: 1,
            report: None,
            markers: Vec::new(),
            policy_marks: Vec::new(),
            strip: Vec::new(),
            strip_stride: 1,
        }
    }
}

impl FoldView {
    /// Epochs finished (for a run read from the store, its last step).
    #[allow(clippy::cast_possible_truncation, reason = "steps are whole numbers")]
    pub fn epochs_done(&self) -> usize {
        self.last
            .as_ref()
            .map_or_else(|| self.series.last_step().unwrap_or(0.0).max(0.0) as usize, |r| r.epoch)
    }

    /// Whether it has values to draw.
    pub fn has_values(&self) -> bool {
        !self.series.is_empty()
    }

    /// The latest weights, if any arrived.
    pub fn weights(&self) -> Option<&WeightsReport> {
        self.strip.last().map(|s| &s.weights)
    }

    fn add_snapshot(&mut self, weights: &WeightsReport) {
        let snapshot = Snapshot { epoch: weights.epoch, weights: weights.clone() };
        // The newest snapshot is always shown; older ones are kept on a stride that
        // doubles whenever the strip is full.
        if let Some(last) = self.strip.last()
            && !last.epoch.is_multiple_of(self.strip_stride)
        {
            self.strip.pop();
        }
        self.strip.push(snapshot);
        if self.strip.len() > STRIP_CAPACITY {
            self.strip_stride *= 2;
            let stride = self.strip_stride;
            let newest = self.strip.pop();
            self.strip.retain(|s| s.epoch.is_multiple_of(stride));
            self.strip.extend(newest);
        }
    }
}

/// A run read from the store rather than followed event by event (another program's
/// log, a TensorBoard run, a study's trial): what the dashboard shows besides its series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stored {
    /// What wrote it: `TensorBoard`, `Keras-callback lines`, `CSV log`, `study trial`.
    pub kind: &'static str,
    /// `running`, `done`, `stopped`, `diverged`, or a trial's state.
    pub state: &'static str,
    /// Its settings or hyperparameters by name.
    pub params: Vec<(String, String)>,
    /// What reading it left out or noticed.
    pub notes: Vec<String>,
    /// Histogram tags: `(step, histogram)`, oldest first (TensorBoard's).
    pub histograms: std::collections::BTreeMap<String, Vec<(i64, crate::train::Histogram)>>,
    /// Lines or records that could not be read.
    pub skipped: usize,
    /// Whether its steps are epochs (Keras's epoch tags, callback lines, CSV logs).
    pub epochs: bool,
}

/// What the user may be told, with where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// The fold concerned.
    pub fold: Option<usize>,
    /// The epoch concerned.
    pub epoch: Option<usize>,
    /// The text.
    pub text: String,
    /// How to show it.
    pub kind: LogKind,
}

/// The kind of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    /// Ordinary news.
    Info,
    /// A hyperparameter changed.
    Change,
    /// A training policy acted (early stopping, a learning-rate reduction, a checkpoint).
    Policy,
    /// Something went wrong.
    Warning,
}

/// The dashboard's state.
#[derive(Clone, Debug)]
pub struct App {
    /// Run state.
    pub mode: Mode,
    /// The file being trained on (known before the first event).
    pub source: String,
    /// Settings, data and network, once the run started.
    pub info: Option<RunInfo>,
    /// One view per fold.
    pub folds: Vec<FoldView>,
    /// A recorded run (`nntui view`): nothing can be steered.
    pub recorded: bool,
    /// News, oldest first.
    pub log: VecDeque<LogEntry>,
    /// The final summary.
    pub summary: Option<RunSummary>,
    /// A run read from the store: its kind, state, settings, notes and histograms.
    pub stored: Option<Stored>,
    /// When the current time was last set.
    pub now: Instant,
    started: Option<Instant>,
    ended: Option<Instant>,
    /// Since when the run is paused, and the paused time before that.
    paused_since: Option<Instant>,
    paused_total: Duration,
    recent_epochs: VecDeque<Instant>,
    /// What the screen shows of it.
    pub screen: Screen,
    /// The settings asked for and acknowledged.
    pub steering: Steering,
}

impl App {
    /// A dashboard waiting for the run on `source`, with the settings it will start with.
    pub fn new(source: impl Into<String>, live: LiveSettings, now: Instant) -> App {
        App {
            mode: Mode::Starting,
            source: source.into(),
            info: None,
            folds: Vec::new(),
            recorded: false,
            log: VecDeque::new(),
            summary: None,
            stored: None,
            now,
            started: None,
            ended: None,
            paused_since: None,
            paused_total: Duration::ZERO,
            recent_epochs: VecDeque::new(),
            screen: Screen::new(),
            steering: Steering::new(live),
        }
    }

    /// A fresh dashboard for a restarted run that keeps the user's view choices and
    /// the settings they asked for.
    #[must_use]
    pub fn restarted(&self, now: Instant) -> App {
        let mut app =
            App::new(self.source.clone(), LiveSettings { paused: false, ..self.steering.wanted }, now);
        app.screen.layer = self.screen.layer;
        app.screen.log_scale = self.screen.log_scale;
        app.screen.hide_other_folds = self.screen.hide_other_folds;
        app.screen.theme = self.screen.theme;
        app.steering.last_pace = self.steering.last_pace;
        if self.steering.wanted.pace.is_none() {
            let text =
                format!("restarted at full speed (f: back to {} epochs/s)", short(self.steering.last_pace));
            app.note(None, None, LogKind::Change, text);
        }
        app
    }

    /// Shows a run read from the store (any run, whatever wrote it), keeping the user's
    /// view choices; called again with each new read of a growing run.
    pub fn load(&mut self, run: crate::runs::read::Run, state: &'static str, kind: &'static str) {
        let settings: Vec<(String, String)> =
            crate::runs::table::settings(&run).clone().into_iter().collect();
        let keras_epochs = run.keras_epochs;
        let crate::runs::read::Run { folds, notes, tensorboard, skipped, .. } = run;
        let count = folds.keys().next_back().map_or(0, |&last| last + 1).max(1);
        self.folds.resize_with(count, FoldView::default);
        let fold_state = match state {
            "running" => FoldState::Running,
            "diverged" => FoldState::Diverged,
            "stopped" | "pruned" | "failed" => FoldState::Stopped,
            _ => FoldState::Completed,
        };
        for (index, part) in folds {
            let fold = &mut self.folds[index];
            fold.series = part;
            fold.state = fold_state;
        }
        self.mode = match state {
            "running" => Mode::Running,
            "diverged" => Mode::Failed("the last loss is not a number".into()),
            _ => Mode::Done,
        };
        self.recorded = true;
        let logged: Vec<String> = self.log.iter().map(|e| e.text.clone()).collect();
        for note in notes.iter().filter(|n| !logged.contains(n)) {
            self.note(None, None, LogKind::Warning, note.clone());
        }
        if skipped > 0 && self.stored.as_ref().is_none_or(|s| s.skipped == 0) {
            self.note(None, None, LogKind::Warning, format!("{skipped} unreadable lines or records skipped"));
        }
        let epochs = kind != "TensorBoard" || keras_epochs;
        if self.stored.is_none() {
            let names: std::collections::BTreeSet<&String> =
                self.folds.iter().flat_map(|f| f.series.series.keys()).collect();
            let count = self.folds.len();
            let folds_text = if count > 1 { format!(" in {count} folds") } else { String::new() };
            self.note(None, None, LogKind::Info, format!("read {kind}: {} series{folds_text}", names.len()));
        }
        self.stored = Some(Stored {
            kind,
            state,
            params: settings,
            notes,
            histograms: tensorboard.map(|t| t.histograms).unwrap_or_default(),
            skipped,
            epochs,
        });
    }

    /// Updates the clock (for elapsed time, epochs per second and ETA).
    pub fn tick(&mut self, now: Instant) {
        self.now = now;
    }

    fn note(&mut self, fold: Option<usize>, epoch: Option<usize>, kind: LogKind, text: String) {
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(LogEntry { fold, epoch, text, kind });
    }

    /// Takes in one engine event.
    pub fn on_event(&mut self, event: &Event, now: Instant) {
        self.now = now;
        match event {
            Event::RunStarted(info) => {
                self.folds = vec![FoldView::default(); info.folds];
                self.steering.live.learning_rate = info.config.optimizer.learning_rate;
                self.steering.live.l1 = info.config.regularizer.l1;
                self.steering.live.l2 = info.config.regularizer.l2;
                self.steering.live.pace = info.config.pace;
                self.steering.wanted = self.steering.live;
                self.mode = Mode::Running;
                self.started = Some(now);
                let what = if info.folds > 1 {
                    let threads = if info.threads == 1 {
                        "1 thread".into()
                    } else {
                        format!("{} threads", info.threads)
                    };
                    let kind = if info.config.window.is_some() { "time-ordered " } else { "" };
                    format!("{}-fold {kind}cross-validation on {threads}", info.folds)
                } else {
                    "a single fit".to_string()
                };
                self.note(
                    None,
                    None,
                    LogKind::Info,
                    format!("started {what}, {} epochs each", info.config.epochs),
                );
                let data = &info.dataset;
                for line in data.preprocessing.iter().flat_map(|p| &p.lines) {
                    self.note(None, None, LogKind::Info, line.trim().to_string());
                }
                for (file, what) in
                    [(&data.validation_data, "validating on"), (&data.test_data, "testing after training on")]
                {
                    if let Some(file) = file {
                        self.note(
                            None,
                            None,
                            LogKind::Info,
                            format!("{what} {} ({} rows)", file.source, file.rows),
                        );
                    }
                }
                for warning in &info.warnings {
                    self.note(None, None, LogKind::Warning, warning.clone());
                }
                self.info = Some(info.as_ref().clone());
            }
            Event::FoldStarted(start) => {
                if let Some(fold) = self.folds.get_mut(start.fold) {
                    fold.state = FoldState::Running;
                    fold.steps_per_epoch = start.steps_per_epoch.max(1);
                }
            }
            Event::EpochEnded(report) => self.on_epoch(report, now),
            Event::Weights(weights) => {
                if let Some(fold) = self.folds.get_mut(weights.fold) {
                    fold.add_snapshot(weights);
                }
            }
            Event::FoldEnded(report) => self.on_fold_ended(report),
            Event::RunEnded(summary) => {
                self.summary = Some(summary.clone());
                self.ended = Some(now);
                self.resume_clock(now);
                let all_diverged = !summary.folds.is_empty()
                    && summary.folds.iter().all(|f| matches!(f.outcome, FoldOutcome::Diverged { .. }));
                if all_diverged {
                    let what =
                        if summary.folds.len() > 1 { "every fold diverged" } else { "training diverged" };
                    self.mode = Mode::Failed(what.into());
                } else if !matches!(self.mode, Mode::Failed(_)) {
                    self.mode = Mode::Done;
                }
                let text = match (summary.mean, summary.std, self.info.as_ref()) {
                    (Some(mean), Some(std), Some(info)) => format!(
                        "done: {} (+/- {})",
                        crate::headless::metric_text(info.metric, mean),
                        crate::headless::metric_text(info.metric, std)
                    ),
                    _ if summary.stopped => "stopped".to_string(),
                    _ if all_diverged => "failed: no fold finished".to_string(),
                    _ => "done".to_string(),
                };
                self.note(None, None, LogKind::Info, text);
                if let Some(info) = self.info.as_ref() {
                    for line in crate::headless::test_lines(info, summary) {
                        self.note(None, None, LogKind::Info, line);
                    }
                }
            }
            Event::Warning(warning) => self.on_warning(warning),
            Event::Ack(ack) => self.on_ack(ack),
            Event::Callback(policy) => self.on_policy(policy),
            Event::Progress(_) => {}
            Event::Learned(learned) => {
                if let Some(fold) = self.folds.get_mut(learned.fold) {
                    fold.learned = Some(learned.clone());
                }
            }
        }
    }

    fn on_epoch(&mut self, report: &EpochReport, now: Instant) {
        let Some(fold) = self.folds.get_mut(report.fold) else {
            return;
        };
        fold.state = FoldState::Running;
        let metric = self.info.as_ref().map_or("accuracy", |i| i.metric.name());
        for (name, value) in report.values(metric) {
            fold.series.push_epoch(&name, report.epoch, value);
        }
        fold.last = Some(report.clone());
        if self.recent_epochs.len() == 256 {
            self.recent_epochs.pop_front();
        }
        self.recent_epochs.push_back(now);
    }

    fn on_fold_ended(&mut self, report: &FoldReport) {
        let cross_validation = self.info.as_ref().is_some_and(|i| i.folds > 1);
        let Some(fold) = self.folds.get_mut(report.fold) else {
            return;
        };
        fold.state = match report.outcome {
            FoldOutcome::Completed => FoldState::Completed,
            FoldOutcome::Diverged { .. } => FoldState::Diverged,
            FoldOutcome::Stopped { .. } => FoldState::Stopped,
        };
        fold.report = Some(report.clone());
        for series in fold.series.series.values_mut() {
            series.compact(FINISHED_FOLD_POINTS);
        }
        if report.outcome == FoldOutcome::Completed
            && let (Some(info), Some(score)) = (self.info.as_ref(), report.score(cross_validation))
        {
            let name = if cross_validation { format!("fold {}", report.fold + 1) } else { "fit".into() };
            let text = format!(
                "{name} done: {} {}, loss {:.4}",
                info.metric.name(),
                crate::headless::metric_text(info.metric, score.metric),
                score.loss
            );
            self.note(Some(report.fold), Some(report.epochs_run), LogKind::Info, text);
        }
    }

    fn on_warning(&mut self, warning: &Warning) {
        let text = match &warning.hint {
            Some(hint) => format!("{}; {hint}", warning.message),
            None => warning.message.clone(),
        };
        self.note(warning.fold, warning.epoch, LogKind::Warning, text);
    }

    fn on_ack(&mut self, ack: &Ack) {
        let before = self.steering.live;
        self.steering.live = LiveSettings {
            learning_rate: ack.learning_rate,
            l1: ack.l1,
            l2: ack.l2,
            pace: ack.pace,
            paused: ack.paused,
        };
        self.steering.wanted = LiveSettings { paused: self.steering.wanted.paused, ..self.steering.live };
        if let Some(pace) = ack.pace {
            self.steering.last_pace = pace;
        }
        match self.mode {
            Mode::Running if ack.paused => {
                self.mode = Mode::Paused;
                self.paused_since = Some(self.now);
            }
            Mode::Paused if !ack.paused => {
                self.mode = Mode::Running;
                self.resume_clock(self.now);
            }
            _ => {}
        }
        let label = match ack.control {
            Control::SetLearningRate(_) | Control::ScaleLearningRate(_) => {
                Some(format!("learning rate {} -> {}", short(before.learning_rate), short(ack.learning_rate)))
            }
            Control::SetL1(_) => Some(format!("L1 {} -> {}", short(before.l1), short(ack.l1))),
            Control::SetL2(_) => Some(format!("L2 {} -> {}", short(before.l2), short(ack.l2))),
            _ => None,
        };
        if let (Some(label), Some(fold)) = (&label, ack.fold.and_then(|f| self.folds.get_mut(f))) {
            let at = ack.iterations as f64 / fold.steps_per_epoch as f64;
            if fold.markers.len() < MARKER_CAPACITY {
                fold.markers.push(Marker { at, label: label.clone() });
            }
        }
        // Parallel folds acknowledge the same control each; log it once.
        if ack.sequence < self.steering.logged_changes {
            return;
        }
        self.steering.logged_changes = ack.sequence + 1;
        let text = match ack.control {
            Control::Pause => "paused".to_string(),
            Control::Resume => "resumed".to_string(),
            Control::Step => "one more epoch".to_string(),
            Control::SetPace(Some(pace)) => format!("pace {} epochs/s", short(pace)),
            Control::SetPace(None) => "full speed".to_string(),
            Control::Stop => "stopping".to_string(),
            Control::SetEarlyStopping(true) => "early stopping on".to_string(),
            Control::SetEarlyStopping(false) => {
                "early stopping off: it watches but does not stop".to_string()
            }
            Control::ExtendPatience(epochs) => format!("early stopping's patience +{epochs}"),
            Control::RestoreBestWeights => "putting back the best weights".to_string(),
            _ => label.unwrap_or_default(),
        };
        let epoch = ack.fold.map(|_| ack.epoch);
        // Every change to what training does (not pauses or pace) is listed at the end.
        if matches!(
            ack.control,
            Control::SetLearningRate(_)
                | Control::ScaleLearningRate(_)
                | Control::SetL1(_)
                | Control::SetL2(_)
                | Control::SetEarlyStopping(_)
                | Control::ExtendPatience(_)
                | Control::RestoreBestWeights
        ) {
            self.steering.changes.push(LogEntry {
                fold: ack.fold,
                epoch,
                text: text.clone(),
                kind: LogKind::Change,
            });
        }
        self.note(ack.fold, epoch, LogKind::Change, text);
    }

    fn on_policy(&mut self, policy: &CallbackEvent) {
        let kind = match policy.action {
            CallbackAction::WriteFailed { .. } => LogKind::Warning,
            _ => LogKind::Policy,
        };
        if let Some(fold) = self.folds.get_mut(policy.fold) {
            let mark = match &policy.action {
                CallbackAction::EarlyStopping { stopped_epoch } => {
                    Some((*stopped_epoch, "stopped".to_string()))
                }
                CallbackAction::ReduceLrOnPlateau { learning_rate } => {
                    Some((policy.epoch, format!("lr {}", short(*learning_rate))))
                }
                _ => None,
            };
            if let Some((epoch, label)) = mark
                && fold.policy_marks.len() < MARKER_CAPACITY
            {
                fold.policy_marks.push(Marker { at: epoch as f64, label });
            }
        }
        self.note(Some(policy.fold), Some(policy.epoch), kind, policy.action.to_string());
    }

    /// Adds a pause that ended at `now` to the paused time.
    fn resume_clock(&mut self, now: Instant) {
        if let Some(since) = self.paused_since.take() {
            self.paused_total += now.saturating_duration_since(since);
        }
    }

    /// The engine ended without a summary: show why.
    pub fn fail(&mut self, message: String) {
        self.note(None, None, LogKind::Warning, format!("the engine failed: {message}"));
        self.mode = Mode::Failed(message);
        self.ended.get_or_insert(self.now);
    }

    /// A line of news from outside the run (the viewer's follower).
    pub fn notice(&mut self, text: String) {
        self.note(None, None, LogKind::Info, text);
    }

    /// The `--log` file could not be written: say so once.
    pub fn fail_log(&mut self) {
        self.note(None, None, LogKind::Warning, "cannot write the log file; logging stopped".into());
    }

    /// Epochs finished over all folds, and the total the run will do.
    pub fn progress(&self) -> (usize, usize) {
        let Some(info) = &self.info else {
            return (0, 0);
        };
        let epochs = info.config.epochs;
        let done = self
            .folds
            .iter()
            .map(|f| match f.state {
                // Early stopping's remaining epochs will never run either.
                FoldState::Completed if f.report.as_ref().is_some_and(|r| r.stopped_early.is_some()) => {
                    epochs
                }
                FoldState::Pending | FoldState::Running | FoldState::Completed => f.epochs_done(),
                // Their remaining epochs will never run.
                FoldState::Diverged | FoldState::Stopped => epochs,
            })
            .sum();
        (done, epochs * info.folds)
    }

    /// Epochs per second over the last two seconds of arrivals.
    pub fn epochs_per_second(&self) -> Option<f64> {
        if self.mode != Mode::Running {
            return None;
        }
        let window = Duration::from_secs(2);
        let recent: Vec<&Instant> =
            self.recent_epochs.iter().filter(|&&t| self.now.saturating_duration_since(t) <= window).collect();
        let (first, last) = (recent.first()?, recent.last()?);
        let span = self.now.saturating_duration_since(**first).max(last.saturating_duration_since(**first));
        if recent.len() < 2 || span.is_zero() {
            return None;
        }
        Some((recent.len() - 1) as f64 / span.as_secs_f64())
    }

    /// Training time since the run started (to its end once it ended), pauses left out.
    pub fn elapsed(&self) -> Duration {
        let Some(start) = self.started else {
            return Duration::ZERO;
        };
        let end = self.ended.unwrap_or(self.now);
        let paused = self.paused_total
            + self.paused_since.map_or(Duration::ZERO, |since| end.saturating_duration_since(since));
        end.saturating_duration_since(start).saturating_sub(paused)
    }

    /// Estimated time to the end, while running.
    pub fn eta(&self) -> Option<Duration> {
        let rate = self.epochs_per_second()?;
        let (done, total) = self.progress();
        Some(Duration::from_secs_f64(total.saturating_sub(done) as f64 / rate))
    }
}

/// Three significant digits: `-0.541`, `0.0253`, `16.9`, `1.2e-5`.
#[allow(clippy::cast_possible_truncation, reason = "a decimal exponent of a finite f64, within i32")]
pub fn three_digits(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..5).contains(&magnitude) {
        return format!("{value:.1e}");
    }
    let decimals = (2 - magnitude).max(0) as usize;
    format!("{value:.decimals$}")
}

pub use crate::series::short;

#[cfg(test)]
mod tests {
    use super::*;
    use control::{FASTEST_PACE, SLOWEST_PACE};

    fn app() -> App {
        let live = LiveSettings { learning_rate: 0.001, l1: 0.0, l2: 0.0, pace: Some(20.0), paused: false };
        let mut app = App::new("t.csv", live, Instant::now());
        app.mode = Mode::Running;
        app
    }

    #[test]
    fn three_significant_digits() {
        assert_eq!(three_digits(-0.540_71), "-0.541");
        assert_eq!(three_digits(0.025_31), "0.0253");
        assert_eq!(three_digits(16.928), "16.9");
        assert_eq!(three_digits(1234.6), "1235");
        assert_eq!(three_digits(1.2e-5), "1.2e-5");
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.001), "0.001");
        assert_eq!(short(0.0025), "0.0025");
        assert_eq!(short(20.0), "20");
        assert_eq!(short(2.5e-5), "2.5e-5");
        assert_eq!(short(0.0), "0");
    }

    #[test]
    fn each_action_gives_its_control() {
        let mut a = app();
        assert_eq!(a.apply(Action::TogglePause), Some(Command::Control(Control::Pause)));
        assert_eq!(a.apply(Action::Step), Some(Command::Control(Control::Step)));
        assert_eq!(a.apply(Action::TogglePause), Some(Command::Control(Control::Resume)));
        assert_eq!(a.apply(Action::Step), None, "step means nothing while running");
        assert_eq!(
            a.apply(Action::ScaleLearningRate(2.0)),
            Some(Command::Control(Control::ScaleLearningRate(2.0)))
        );
        assert_eq!(a.apply(Action::RaiseL2), Some(Command::Control(Control::SetL2(1e-4))));
        assert_eq!(a.apply(Action::RaiseL2), Some(Command::Control(Control::SetL2(1e-3))));
        assert_eq!(a.apply(Action::LowerL2), Some(Command::Control(Control::SetL2(1e-4))));
        assert_eq!(a.apply(Action::Faster), Some(Command::Control(Control::SetPace(Some(40.0)))));
        assert_eq!(a.apply(Action::Slower), Some(Command::Control(Control::SetPace(Some(20.0)))));
        assert_eq!(a.apply(Action::ToggleFullSpeed), Some(Command::Control(Control::SetPace(None))));
        assert_eq!(a.apply(Action::ToggleFullSpeed), Some(Command::Control(Control::SetPace(Some(20.0)))));
        assert_eq!(a.apply(Action::Restart), Some(Command::Restart));
        assert_eq!(a.apply(Action::Quit), Some(Command::Quit { interrupted: false }));
        assert_eq!(a.apply(Action::Interrupt), Some(Command::Quit { interrupted: true }));
    }

    #[test]
    fn view_actions_change_only_the_view() {
        let mut a = app();
        assert_eq!(a.apply(Action::ToggleLogScale), None);
        assert!(a.screen.log_scale);
        assert_eq!(a.apply(Action::ToggleHelp), None);
        assert!(a.screen.help);
        assert_eq!(a.apply(Action::TogglePause), None, "help is modal");
        assert_eq!(a.apply(Action::Back), None);
        assert!(!a.screen.help, "Esc closes help first");
        assert_eq!(a.apply(Action::Back), None, "Esc never ends a run");
    }

    #[test]
    fn pace_limits() {
        let mut a = app();
        a.steering.wanted.pace = Some(FASTEST_PACE);
        assert_eq!(
            a.apply(Action::Faster),
            Some(Command::Control(Control::SetPace(None))),
            "past the fastest is full speed"
        );
        assert_eq!(a.apply(Action::Slower), Some(Command::Control(Control::SetPace(Some(FASTEST_PACE)))));
        a.steering.wanted.pace = Some(SLOWEST_PACE);
        assert_eq!(a.apply(Action::Slower), None, "nothing to change at the slowest pace");
        assert!(a.log.back().unwrap().text.contains("already at the slowest pace"));
        a.steering.wanted.pace = None;
        assert_eq!(a.apply(Action::Faster), None, "nothing faster than full speed");
    }

    #[test]
    fn controls_are_not_sent_once_done() {
        let mut a = app();
        a.mode = Mode::Done;
        assert_eq!(a.apply(Action::TogglePause), None);
        assert_eq!(a.apply(Action::ScaleLearningRate(2.0)), None);
        assert_eq!(a.apply(Action::Restart), Some(Command::Restart));
    }
}
