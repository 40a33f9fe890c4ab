//! The dashboard's state: everything it shows, built from engine events alone, and the
//! small verbs that keys map to. Pure: time comes in as an argument.

use super::theme::Theme;
use crate::series::Part;
use crate::train::callbacks::CallbackAction;
use crate::train::{
    Ack, CallbackEvent, Control, EpochReport, Event, FoldOutcome, FoldReport, LearnedReport, RunInfo,
    RunSummary, Warning, WeightsReport,
};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

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

/// The settings the user can change live, as the dashboard last heard of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiveSettings {
    /// Initial learning rate (a schedule multiplies it).
    pub learning_rate: f64,
    /// L1 penalty.
    pub l1: f64,
    /// L2 penalty.
    pub l2: f64,
    /// Epochs per second at most; `None` is full speed.
    pub pace: Option<f64>,
    /// Paused.
    pub paused: bool,
}

/// A key's meaning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action {
    /// Pause, or resume.
    TogglePause,
    /// One more epoch while paused.
    Step,
    /// Multiply the learning rate.
    ScaleLearningRate(f64),
    /// L2 x10 (from 0: 1e-4).
    RaiseL2,
    /// L2 /10 (below 1e-6: 0).
    LowerL2,
    /// Pace x2.
    Faster,
    /// Pace /2.
    Slower,
    /// Full speed, or back to the last pace.
    ToggleFullSpeed,
    /// Next layer in the weights panel.
    NextLayer,
    /// Previous layer.
    PreviousLayer,
    /// Show the next fold in the charts.
    NextFold,
    /// Show the previous fold.
    PreviousFold,
    /// Log scale for the loss chart.
    ToggleLogScale,
    /// The other folds on the charts: dimmed, or hidden.
    ToggleOtherFolds,
    /// For a series forecast: the held-out targets against the predictions in place of
    /// the metric chart, or back.
    ToggleForecast,
    /// The right-hand panel's next view: weights, what the model learned (confusion
    /// matrix and ROC curve), the decision map.
    NextSidePanel,
    /// The next smoothing weight (0, 0.6, 0.9, 0.99).
    CycleSmoothing,
    /// The next x range (all epochs, the last 100, the last 20).
    CycleZoom,
    /// The value cursor on or off.
    ToggleCursor,
    /// The cursor an epoch later, or the next layer.
    Right,
    /// The cursor an epoch earlier, or the previous layer.
    Left,
    /// Early stopping may stop folds, or only watch.
    ToggleEarlyStopping,
    /// Five more epochs of early stopping's patience.
    ExtendPatience,
    /// Put back the best epoch's weights now.
    RestoreBestWeights,
    /// The next series on the metric chart.
    NextMetricChart,
    /// The next series on the loss chart.
    NextLossChart,
    /// The help overlay.
    ToggleHelp,
    /// Open or close the log full screen.
    ToggleLog,
    /// Scroll the log: older (positive) or newer (negative) entries.
    ScrollLog(i32),
    /// Close the overlay, or quit.
    Back,
    /// Restart the run with the current settings.
    Restart,
    /// Quit.
    Quit,
    /// Ctrl-C: quit, reported as an interruption.
    Interrupt,
}

/// What the event loop must do for an action.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Command {
    /// Send a control to the engine.
    Control(Control),
    /// Stop this run and start again with the current settings.
    Restart,
    /// Leave the dashboard; `interrupted` for Ctrl-C.
    Quit {
        /// Whether the user pressed Ctrl-C.
        interrupted: bool,
    },
}

/// The smoothing weights `s` cycles through (TensorBoard's slider, in steps).
pub const SMOOTHING: [f64; 4] = [0.0, 0.6, 0.9, 0.99];
/// The x ranges `z` cycles through: all epochs, or the last so many.
pub const ZOOM: [Option<usize>; 3] = [None, Some(100), Some(20)];

/// Epochs of patience one press of `x` adds.
pub const PATIENCE_STEP: usize = 5;
/// The largest L2 penalty `w` goes to.
const MAX_L2: f64 = 10.0;
/// Fastest pace before `]` switches to full speed.
const FASTEST_PACE: f64 = 5120.0;
/// Slowest pace `[` goes to.
const SLOWEST_PACE: f64 = 0.25;
/// Pace the full-speed toggle returns to when there was none before.
const DEFAULT_PACE: f64 = 20.0;

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
    /// The fold the user chose to look at (`None`: follow training).
    pub focus: Option<usize>,
    /// Layer shown in the weights panel.
    pub layer: usize,
    /// Log scale for the loss chart.
    pub log_scale: bool,
    /// Whether the charts leave out the folds other than the shown one.
    pub hide_other_folds: bool,
    /// Whether the forecast chart replaces the metric chart (`F`; series only).
    pub forecast_view: bool,
    /// What the right-hand panel shows (`v`).
    pub side_panel: SidePanel,
    /// A recorded run (`nntui view`): nothing can be steered.
    pub recorded: bool,
    /// Index into [`SMOOTHING`].
    pub smoothing: usize,
    /// Index into [`ZOOM`].
    pub zoom: usize,
    /// The value cursor's epoch, when shown.
    pub cursor: Option<usize>,
    /// Whether early stopping may stop folds (as last asked).
    early_stopping_on: bool,
    /// Help overlay shown.
    pub help: bool,
    /// The log shown full screen.
    pub log_open: bool,
    /// Log entries scrolled past, counted back from the newest.
    pub log_scroll: usize,
    /// Colours or none.
    pub theme: Theme,
    /// The settings changed live, as last acknowledged.
    pub live: LiveSettings,
    /// News, oldest first.
    pub log: VecDeque<LogEntry>,
    /// The final summary.
    pub summary: Option<RunSummary>,
    /// A run read from the store: its kind, state, settings, notes and histograms.
    pub stored: Option<Stored>,
    /// Which series the loss chart (`M`) and the metric chart (`m`) show: an index into
    /// each chart's [`App::subjects`].
    pub charts: (usize, usize),
    /// When the current time was last set.
    pub now: Instant,
    /// Learning-rate and penalty changes the engine acknowledged, once each, in order.
    pub changes: Vec<LogEntry>,
    started: Option<Instant>,
    ended: Option<Instant>,
    /// Since when the run is paused, and the paused time before that.
    paused_since: Option<Instant>,
    paused_total: Duration,
    recent_epochs: VecDeque<Instant>,
    last_pace: f64,
    /// What keys asked for and the engine may not have confirmed yet: repeated presses
    /// build on it rather than on the last acknowledged value.
    wanted: LiveSettings,
    logged_changes: usize,
}

impl App {
    /// A dashboard waiting for the run on `source`, with the settings it will start with.
    pub fn new(source: impl Into<String>, live: LiveSettings, now: Instant) -> App {
        App {
            mode: Mode::Starting,
            source: source.into(),
            info: None,
            folds: Vec::new(),
            focus: None,
            layer: 0,
            log_scale: false,
            hide_other_folds: false,
            forecast_view: false,
            side_panel: SidePanel::Weights,
            recorded: false,
            smoothing: 0,
            zoom: 0,
            cursor: None,
            early_stopping_on: true,
            help: false,
            log_open: false,
            log_scroll: 0,
            theme: Theme { color: true },
            live,
            log: VecDeque::new(),
            summary: None,
            stored: None,
            charts: (0, 0),
            now,
            changes: Vec::new(),
            started: None,
            ended: None,
            paused_since: None,
            paused_total: Duration::ZERO,
            recent_epochs: VecDeque::new(),
            last_pace: live.pace.unwrap_or(DEFAULT_PACE),
            wanted: live,
            logged_changes: 0,
        }
    }

    /// The settings the user asked for last: what a restart runs with.
    pub fn wanted(&self) -> LiveSettings {
        self.wanted
    }

    /// A fresh dashboard for a restarted run that keeps the user's view choices and
    /// the settings they asked for.
    #[must_use]
    pub fn restarted(&self, now: Instant) -> App {
        let mut app = App::new(self.source.clone(), LiveSettings { paused: false, ..self.wanted }, now);
        app.layer = self.layer;
        app.log_scale = self.log_scale;
        app.hide_other_folds = self.hide_other_folds;
        app.theme = self.theme;
        app.last_pace = self.last_pace;
        if self.wanted.pace.is_none() {
            let text = format!("restarted at full speed (f: back to {} epochs/s)", short(self.last_pace));
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

    /// Every chart subject of the run's series (`loss` for `loss` and `val_loss`, `Loss/*`
    /// for a TensorBoard group), in the loss chart's order (`loss`-like first) or the
    /// metric chart's (the run's metric, then scores, then the rest).
    pub fn subjects(&self, loss_chart: bool) -> Vec<String> {
        let mut subjects: Vec<String> = self
            .folds
            .iter()
            .flat_map(|f| f.series.series.keys())
            .map(|n| crate::series::subject(n))
            .collect();
        subjects.sort();
        subjects.dedup();
        let metric = self.info.as_ref().map(|i| i.metric.name());
        let rank = |name: &String| -> u8 {
            let direction = crate::series::direction(name);
            let lower = direction == Some(crate::series::Direction::Lower);
            if loss_chart {
                match () {
                    () if name == "loss" || name == "epoch_loss" => 0,
                    () if metric == Some(name.as_str()) => 3,
                    () if lower => 1,
                    () => 2,
                }
            } else {
                match () {
                    () if metric == Some(name.as_str()) => 0,
                    () if direction == Some(crate::series::Direction::Higher) => 1,
                    () if direction.is_none() => 2,
                    () if crate::runs::table::loss_like(name) && name.ends_with("loss") => 4,
                    () => 3,
                }
            }
        };
        subjects.sort_by_key(|name| rank(name));
        subjects
    }

    /// The subject a chart shows (the loss chart's, or the metric chart's), and the
    /// series it draws with whether each is drawn dotted (a `val_` twin, a group's others).
    pub fn chart_lines(&self, loss_chart: bool) -> Option<(String, Vec<(String, bool)>)> {
        let subjects = self.subjects(loss_chart);
        let choice = if loss_chart { self.charts.0 } else { self.charts.1 };
        let subject = subjects.get(choice % subjects.len().max(1))?.clone();
        let names: Vec<String> = self.folds.iter().flat_map(|f| f.series.series.keys().cloned()).collect();
        let lines = crate::series::subject_names(&subject, &names);
        Some((subject, lines))
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
                self.live.learning_rate = info.config.optimizer.learning_rate;
                self.live.l1 = info.config.regularizer.l1;
                self.live.l2 = info.config.regularizer.l2;
                self.live.pace = info.config.pace;
                self.wanted = self.live;
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

    /// The views the right-hand panel cycles through for this run: the weights, and
    /// for classes what the model learned, and the map where the data has one.
    pub fn side_panels(&self) -> Vec<SidePanel> {
        let mut panels = vec![SidePanel::Weights];
        let Some(info) = &self.info else { return panels };
        if info.dataset.task.is_classification() {
            panels.push(SidePanel::Learned);
        }
        let map_sent = self.folds.iter().any(|f| f.learned.as_ref().is_some_and(|l| l.map.is_some()));
        let wanted = if info.dataset.task.is_classification() { 2 } else { 1 };
        let flat = info.config.input_shape.is_none() && info.config.window.is_none();
        if map_sent || (flat && (!info.config.map_features.is_empty() || info.dataset.features == wanted)) {
            panels.push(SidePanel::Map);
        }
        panels
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
        let before = self.live;
        self.live = LiveSettings {
            learning_rate: ack.learning_rate,
            l1: ack.l1,
            l2: ack.l2,
            pace: ack.pace,
            paused: ack.paused,
        };
        self.wanted = LiveSettings { paused: self.wanted.paused, ..self.live };
        if let Some(pace) = ack.pace {
            self.last_pace = pace;
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
        if ack.sequence < self.logged_changes {
            return;
        }
        self.logged_changes = ack.sequence + 1;
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
            self.changes.push(LogEntry { fold: ack.fold, epoch, text: text.clone(), kind: LogKind::Change });
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

    /// The fold the charts show: the user's choice, else the first one training that
    /// finished an epoch, else the last one that did.
    pub fn shown_fold(&self) -> Option<usize> {
        if let Some(focus) = self.focus.filter(|&f| f < self.folds.len()) {
            return Some(focus);
        }
        // A fold that has just started has nothing to draw yet: keep showing one that has.
        self.folds
            .iter()
            .position(|f| f.state == FoldState::Running && f.has_values())
            .or_else(|| self.folds.iter().rposition(FoldView::has_values))
            .or_else(|| self.folds.iter().position(|f| f.state == FoldState::Running))
            .or(if self.folds.is_empty() { None } else { Some(0) })
    }

    /// The latest epoch any fold finished.
    pub fn latest_epoch(&self) -> usize {
        self.folds.iter().map(FoldView::epochs_done).max().unwrap_or(0)
    }

    /// The x range the charts show: all steps, or the last [`ZOOM`] drawn ones (epochs,
    /// while every epoch is kept).
    pub fn x_range(&self) -> Option<(usize, usize)> {
        let span = ZOOM[self.zoom % ZOOM.len()]?;
        let steps = self.steps();
        if steps.is_empty() {
            let last = self.latest_epoch().max(1);
            return Some((last.saturating_sub(span - 1).max(1), last));
        }
        let last = *steps.last()?;
        Some((steps[steps.len().saturating_sub(span)], last))
    }

    /// The steps drawn on the loss chart for the shown fold (epochs for nntui's runs),
    /// in order: where the cursor can stop.
    #[allow(clippy::cast_possible_truncation, reason = "steps are whole numbers")]
    pub fn steps(&self) -> Vec<usize> {
        let Some(fold) = self.shown_fold().and_then(|f| self.folds.get(f)) else { return Vec::new() };
        let Some((_, lines)) = self.chart_lines(true) else { return Vec::new() };
        let mut steps: Vec<usize> = lines
            .iter()
            .filter_map(|(name, _)| fold.series.get(name))
            .flat_map(|s| s.points().into_iter().map(|(x, _)| x.max(0.0) as usize))
            .collect();
        steps.sort_unstable();
        steps.dedup();
        steps
    }

    /// The drawn step nearest to `at`.
    fn nearest_step(&self, at: usize) -> usize {
        self.steps().into_iter().min_by_key(|&s| s.abs_diff(at)).unwrap_or(at)
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

    /// Carries out what a key means; returns what the event loop must do. Once the run
    /// is over, setting keys still change the settings a restart (`r`) runs with, and
    /// say so in the log; a key that would change nothing says why instead.
    pub fn apply(&mut self, action: Action) -> Option<Command> {
        if self.help
            && !matches!(action, Action::ToggleHelp | Action::Back | Action::Quit | Action::Interrupt)
        {
            // The overlay is modal: keys other than those closing it do nothing.
            return None;
        }
        // The full-screen log takes the arrows for scrolling, and Esc closes it.
        let action = match action {
            Action::NextFold if self.log_open => Action::ScrollLog(-1),
            Action::PreviousFold if self.log_open => Action::ScrollLog(1),
            other => other,
        };
        let running = matches!(self.mode, Mode::Running | Mode::Paused | Mode::Starting);
        let steers = !matches!(
            action,
            Action::CycleSmoothing
                | Action::CycleZoom
                | Action::ToggleCursor
                | Action::Right
                | Action::Left
                | Action::NextLayer
                | Action::PreviousLayer
                | Action::NextFold
                | Action::PreviousFold
                | Action::ToggleLogScale
                | Action::ToggleOtherFolds
                | Action::ToggleForecast
                | Action::NextSidePanel
                | Action::ToggleHelp
                | Action::ToggleLog
                | Action::NextMetricChart
                | Action::NextLossChart
                | Action::ScrollLog(_)
                | Action::Back
                | Action::Quit
                | Action::Interrupt
        );
        if self.recorded && steers {
            return self.explain("a recorded run cannot be steered: its keys only change the view");
        }
        match action {
            Action::TogglePause if !running => self.explain("the run is over: r restarts it"),
            Action::TogglePause => {
                self.wanted.paused = !self.wanted.paused;
                Some(Command::Control(if self.wanted.paused { Control::Pause } else { Control::Resume }))
            }
            Action::Step if !running => self.explain("the run is over: r restarts it"),
            Action::Step if !self.wanted.paused => {
                self.explain("n runs one epoch while paused (space pauses)")
            }
            Action::Step => Some(Command::Control(Control::Step)),
            Action::ScaleLearningRate(factor) => {
                let (before, after) = (self.wanted.learning_rate, self.wanted.learning_rate * factor);
                if crate::nn::check_learning_rate(after).is_err() {
                    return self.explain(format!(
                        "the learning rate cannot go from {} to {}",
                        short(before),
                        short(after)
                    ));
                }
                if !running {
                    self.wanted.learning_rate = after;
                }
                self.change(
                    running,
                    Control::ScaleLearningRate(factor),
                    format!("learning rate {} -> {}", short(before), short(after)),
                )
            }
            Action::RaiseL2 | Action::LowerL2 => {
                let before = self.wanted.l2;
                let after = match action {
                    Action::RaiseL2 if before == 0.0 => 1e-4,
                    Action::RaiseL2 => (before * 10.0).min(MAX_L2),
                    // 1e-5 is the smallest step; below it the penalty is off.
                    _ if before <= 1.000_1e-5 => 0.0,
                    _ => before / 10.0,
                };
                if after == before {
                    let why = if before == 0.0 {
                        "L2 is already 0 (w raises it)"
                    } else {
                        "L2 is already at its largest, 10"
                    };
                    return self.explain(why);
                }
                self.wanted.l2 = after;
                self.change(
                    running,
                    Control::SetL2(after),
                    format!("L2 {} -> {}", short(before), short(after)),
                )
            }
            Action::Faster => {
                let Some(pace) = self.wanted.pace else {
                    return self.explain("already at full speed ([ slows down)");
                };
                self.set_pace(Some(pace * 2.0).filter(|&p| p <= FASTEST_PACE), running)
            }
            Action::Slower => {
                let pace = self.wanted.pace.map_or(self.last_pace, |p| (p / 2.0).max(SLOWEST_PACE));
                if self.wanted.pace == Some(pace) {
                    return self.explain(format!("already at the slowest pace, {} epochs/s", short(pace)));
                }
                self.set_pace(Some(pace), running)
            }
            Action::ToggleFullSpeed => {
                let pace = if self.wanted.pace.is_some() { None } else { Some(self.last_pace) };
                self.set_pace(pace, running)
            }
            Action::CycleSmoothing => {
                self.smoothing = (self.smoothing + 1) % SMOOTHING.len();
                None
            }
            Action::CycleZoom => {
                self.zoom = (self.zoom + 1) % ZOOM.len();
                None
            }
            Action::ToggleCursor => {
                self.cursor = match self.cursor {
                    Some(_) => None,
                    None => Some(self.steps().last().copied().unwrap_or_else(|| self.latest_epoch().max(1))),
                };
                None
            }
            // With the cursor on, left and right move it to the next drawn step (an epoch
            // while every epoch is kept); otherwise they pick layers.
            Action::Right | Action::Left if self.cursor.is_some() => {
                let steps = self.steps();
                self.cursor = self.cursor.map(|at| {
                    let next = if action == Action::Right {
                        steps.iter().find(|&&s| s > at)
                    } else {
                        steps.iter().rev().find(|&&s| s < at)
                    };
                    next.copied().unwrap_or(at)
                });
                None
            }
            Action::Right => self.apply(Action::NextLayer),
            Action::Left => self.apply(Action::PreviousLayer),
            Action::NextLayer | Action::PreviousLayer => {
                let layers = match (&self.info, &self.stored) {
                    (Some(info), _) => super::weights::weighted_layers(&info.model).len(),
                    (None, Some(stored)) => stored.histograms.len(),
                    (None, None) => 1,
                }
                .max(1);
                self.layer = if action == Action::NextLayer {
                    (self.layer + 1) % layers
                } else {
                    (self.layer + layers - 1) % layers
                };
                None
            }
            Action::NextFold | Action::PreviousFold => {
                let folds = self.folds.len();
                if folds > 1 {
                    let current = self.shown_fold().unwrap_or(0);
                    self.focus = Some(if action == Action::NextFold {
                        (current + 1) % folds
                    } else {
                        (current + folds - 1) % folds
                    });
                }
                None
            }
            Action::ToggleLogScale => {
                self.log_scale = !self.log_scale;
                None
            }
            Action::ToggleOtherFolds => {
                self.hide_other_folds = !self.hide_other_folds;
                None
            }
            Action::NextSidePanel => {
                let panels = self.side_panels();
                if panels.len() == 1 {
                    return self.explain(
                        "v shows the confusion matrix and ROC curve (classes) and the decision map (two features, or --map-features)",
                    );
                }
                let at = panels.iter().position(|&p| p == self.side_panel).unwrap_or(0);
                self.side_panel = panels[(at + 1) % panels.len()];
                None
            }
            Action::ToggleForecast => {
                let series = self
                    .info
                    .as_ref()
                    .is_some_and(|i| i.config.window.is_some() && !i.dataset.task.is_classification());
                if !series {
                    return self.explain(
                        "F shows a series forecast: train with --window on a regression (classes on windows have the confusion matrix, v)",
                    );
                }
                self.forecast_view = !self.forecast_view;
                None
            }
            Action::ToggleEarlyStopping | Action::ExtendPatience | Action::RestoreBestWeights => {
                let configured =
                    self.info.as_ref().is_some_and(|i| i.config.policies.early_stopping.is_some());
                if !configured {
                    return self.explain("no early stopping in this run (--early-stopping adds it)");
                }
                if !running {
                    return self.explain("the run is over: early stopping keys act on running folds");
                }
                Some(Command::Control(match action {
                    Action::ToggleEarlyStopping => {
                        self.early_stopping_on = !self.early_stopping_on;
                        Control::SetEarlyStopping(self.early_stopping_on)
                    }
                    Action::ExtendPatience => Control::ExtendPatience(PATIENCE_STEP),
                    _ => Control::RestoreBestWeights,
                }))
            }
            Action::ToggleHelp => {
                self.help = !self.help;
                None
            }
            Action::Back if self.help => {
                self.help = false;
                None
            }
            Action::Back if self.log_open => {
                self.log_open = false;
                None
            }
            Action::ToggleLog => {
                self.log_open = !self.log_open;
                None
            }
            Action::NextMetricChart | Action::NextLossChart => {
                let loss_chart = action == Action::NextLossChart;
                let subjects = self.subjects(loss_chart).len();
                if subjects < 2 {
                    return self.explain("the run has no other series to draw here");
                }
                let choice = if loss_chart { &mut self.charts.0 } else { &mut self.charts.1 };
                *choice = (*choice + 1) % subjects;
                self.cursor = self.cursor.map(|at| self.nearest_step(at));
                None
            }
            Action::ScrollLog(by) => {
                let oldest = self.log.len().saturating_sub(1);
                self.log_scroll = self.log_scroll.saturating_add_signed(by as isize).min(oldest);
                None
            }
            // Esc closes overlays and never ends a run (q does); a recorded run's view
            // it leaves (back to the comparison it was opened from).
            Action::Back if self.recorded => Some(Command::Quit { interrupted: false }),
            Action::Back => self.explain("q quits (Esc only closes the help and the log)"),
            Action::Quit => Some(Command::Quit { interrupted: false }),
            Action::Interrupt => Some(Command::Quit { interrupted: true }),
            Action::Restart => Some(Command::Restart),
        }
    }

    /// A setting change: sent to a running engine (the acknowledgement logs it), or,
    /// once the run is over, kept for the restart and logged now.
    fn change(&mut self, running: bool, control: Control, what: String) -> Option<Command> {
        if running {
            return Some(Command::Control(control));
        }
        self.note(None, None, LogKind::Change, format!("{what}; applies on r (restart)"));
        None
    }

    /// A key that changes nothing: say why in the log.
    fn explain(&mut self, why: impl Into<String>) -> Option<Command> {
        self.note(None, None, LogKind::Info, why.into());
        None
    }

    fn set_pace(&mut self, pace: Option<f64>, running: bool) -> Option<Command> {
        let before = self.wanted.pace;
        if let Some(p) = before {
            self.last_pace = p;
        }
        self.wanted.pace = pace;
        let name =
            |pace: Option<f64>| pace.map_or("full speed".to_string(), |p| format!("{} epochs/s", short(p)));
        self.change(running, Control::SetPace(pace), format!("pace {} -> {}", name(before), name(pace)))
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
        assert!(a.log_scale);
        assert_eq!(a.apply(Action::ToggleHelp), None);
        assert!(a.help);
        assert_eq!(a.apply(Action::TogglePause), None, "help is modal");
        assert_eq!(a.apply(Action::Back), None);
        assert!(!a.help, "Esc closes help first");
        assert_eq!(a.apply(Action::Back), None, "Esc never ends a run");
    }

    #[test]
    fn pace_limits() {
        let mut a = app();
        a.wanted.pace = Some(FASTEST_PACE);
        assert_eq!(
            a.apply(Action::Faster),
            Some(Command::Control(Control::SetPace(None))),
            "past the fastest is full speed"
        );
        assert_eq!(a.apply(Action::Slower), Some(Command::Control(Control::SetPace(Some(FASTEST_PACE)))));
        a.wanted.pace = Some(SLOWEST_PACE);
        assert_eq!(a.apply(Action::Slower), None, "nothing to change at the slowest pace");
        assert!(a.log.back().unwrap().text.contains("already at the slowest pace"));
        a.wanted.pace = None;
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
