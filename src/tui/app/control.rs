//! The dashboard's controls: what a key means ([`Action`]), what the event loop must do
//! for it ([`Command`]), and the settings the user steers while the run trains.

use super::{App, LogEntry, LogKind, Mode, SMOOTHING, ZOOM, short};
use crate::train::Control;

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

/// Epochs of patience one press of `x` adds.
pub const PATIENCE_STEP: usize = 5;
/// The largest L2 penalty `w` goes to.
const MAX_L2: f64 = 10.0;
/// Fastest pace before `]` switches to full speed.
pub(super) const FASTEST_PACE: f64 = 5120.0;
/// Slowest pace `[` goes to.
pub(super) const SLOWEST_PACE: f64 = 0.25;
/// Pace the full-speed toggle returns to when there was none before.
pub(super) const DEFAULT_PACE: f64 = 20.0;

impl App {
    /// The settings the user asked for last: what a restart runs with.
    pub fn wanted(&self) -> LiveSettings {
        self.steering.wanted
    }

    /// Carries out what a key means; returns what the event loop must do. Once the run
    /// is over, setting keys still change the settings a restart (`r`) runs with, and
    /// say so in the log; a key that would change nothing says why instead.
    pub fn apply(&mut self, action: Action) -> Option<Command> {
        if self.screen.help
            && !matches!(action, Action::ToggleHelp | Action::Back | Action::Quit | Action::Interrupt)
        {
            // The overlay is modal: keys other than those closing it do nothing.
            return None;
        }
        // The full-screen log takes the arrows for scrolling, and Esc closes it.
        let action = match action {
            Action::NextFold if self.screen.log_open => Action::ScrollLog(-1),
            Action::PreviousFold if self.screen.log_open => Action::ScrollLog(1),
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
                self.steering.wanted.paused = !self.steering.wanted.paused;
                Some(Command::Control(if self.steering.wanted.paused {
                    Control::Pause
                } else {
                    Control::Resume
                }))
            }
            Action::Step if !running => self.explain("the run is over: r restarts it"),
            Action::Step if !self.steering.wanted.paused => {
                self.explain("n runs one epoch while paused (space pauses)")
            }
            Action::Step => Some(Command::Control(Control::Step)),
            Action::ScaleLearningRate(factor) => {
                let (before, after) =
                    (self.steering.wanted.learning_rate, self.steering.wanted.learning_rate * factor);
                if crate::nn::check_learning_rate(after).is_err() {
                    return self.explain(format!(
                        "the learning rate cannot go from {} to {}",
                        short(before),
                        short(after)
                    ));
                }
                if !running {
                    self.steering.wanted.learning_rate = after;
                }
                self.change(
                    running,
                    Control::ScaleLearningRate(factor),
                    format!("learning rate {} -> {}", short(before), short(after)),
                )
            }
            Action::RaiseL2 | Action::LowerL2 => {
                let before = self.steering.wanted.l2;
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
                self.steering.wanted.l2 = after;
                self.change(
                    running,
                    Control::SetL2(after),
                    format!("L2 {} -> {}", short(before), short(after)),
                )
            }
            Action::Faster => {
                let Some(pace) = self.steering.wanted.pace else {
                    return self.explain("already at full speed ([ slows down)");
                };
                self.set_pace(Some(pace * 2.0).filter(|&p| p <= FASTEST_PACE), running)
            }
            Action::Slower => {
                let pace = self
                    .steering
                    .wanted
                    .pace
                    .map_or(self.steering.last_pace, |p| (p / 2.0).max(SLOWEST_PACE));
                if self.steering.wanted.pace == Some(pace) {
                    return self.explain(format!("already at the slowest pace, {} epochs/s", short(pace)));
                }
                self.set_pace(Some(pace), running)
            }
            Action::ToggleFullSpeed => {
                let pace =
                    if self.steering.wanted.pace.is_some() { None } else { Some(self.steering.last_pace) };
                self.set_pace(pace, running)
            }
            Action::CycleSmoothing => {
                self.screen.smoothing = (self.screen.smoothing + 1) % SMOOTHING.len();
                None
            }
            Action::CycleZoom => {
                self.screen.zoom = (self.screen.zoom + 1) % ZOOM.len();
                None
            }
            Action::ToggleCursor => {
                self.screen.cursor = match self.screen.cursor {
                    Some(_) => None,
                    None => Some(self.steps().last().copied().unwrap_or_else(|| self.latest_epoch().max(1))),
                };
                None
            }
            // With the cursor on, left and right move it to the next drawn step (an epoch
            // while every epoch is kept); otherwise they pick layers.
            Action::Right | Action::Left if self.screen.cursor.is_some() => {
                let steps = self.steps();
                self.screen.cursor = self.screen.cursor.map(|at| {
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
                    (Some(info), _) => crate::tui::weights::weighted_layers(&info.model).len(),
                    (None, Some(stored)) => stored.histograms.len(),
                    (None, None) => 1,
                }
                .max(1);
                self.screen.layer = if action == Action::NextLayer {
                    (self.screen.layer + 1) % layers
                } else {
                    (self.screen.layer + layers - 1) % layers
                };
                None
            }
            Action::NextFold | Action::PreviousFold => {
                let folds = self.folds.len();
                if folds > 1 {
                    let current = self.shown_fold().unwrap_or(0);
                    self.screen.focus = Some(if action == Action::NextFold {
                        (current + 1) % folds
                    } else {
                        (current + folds - 1) % folds
                    });
                }
                None
            }
            Action::ToggleLogScale => {
                self.screen.log_scale = !self.screen.log_scale;
                None
            }
            Action::ToggleOtherFolds => {
                self.screen.hide_other_folds = !self.screen.hide_other_folds;
                None
            }
            Action::NextSidePanel => {
                let panels = self.side_panels();
                if panels.len() == 1 {
                    return self.explain(
                        "v shows the confusion matrix and ROC curve (classes) and the decision map (two features, or --map-features)",
                    );
                }
                let at = panels.iter().position(|&p| p == self.screen.side_panel).unwrap_or(0);
                self.screen.side_panel = panels[(at + 1) % panels.len()];
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
                self.screen.forecast_view = !self.screen.forecast_view;
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
                        self.steering.early_stopping_on = !self.steering.early_stopping_on;
                        Control::SetEarlyStopping(self.steering.early_stopping_on)
                    }
                    Action::ExtendPatience => Control::ExtendPatience(PATIENCE_STEP),
                    _ => Control::RestoreBestWeights,
                }))
            }
            Action::ToggleHelp => {
                self.screen.help = !self.screen.help;
                None
            }
            Action::Back if self.screen.help => {
                self.screen.help = false;
                None
            }
            Action::Back if self.screen.log_open => {
                self.screen.log_open = false;
                None
            }
            Action::ToggleLog => {
                self.screen.log_open = !self.screen.log_open;
                None
            }
            Action::NextMetricChart | Action::NextLossChart => {
                let loss_chart = action == Action::NextLossChart;
                let subjects = self.subjects(loss_chart).len();
                if subjects < 2 {
                    return self.explain("the run has no other series to draw here");
                }
                let choice = if loss_chart { &mut self.screen.charts.0 } else { &mut self.screen.charts.1 };
                *choice = (*choice + 1) % subjects;
                self.screen.cursor = self.screen.cursor.map(|at| self.nearest_step(at));
                None
            }
            Action::ScrollLog(by) => {
                let oldest = self.log.len().saturating_sub(1);
                self.screen.log_scroll =
                    self.screen.log_scroll.saturating_add_signed(by as isize).min(oldest);
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
    pub(super) fn change(&mut self, running: bool, control: Control, what: String) -> Option<Command> {
        if running {
            return Some(Command::Control(control));
        }
        self.note(None, None, LogKind::Change, format!("{what}; applies on r (restart)"));
        None
    }

    /// A key that changes nothing: say why in the log.
    pub(super) fn explain(&mut self, why: impl Into<String>) -> Option<Command> {
        self.note(None, None, LogKind::Info, why.into());
        None
    }

    pub(super) fn set_pace(&mut self, pace: Option<f64>, running: bool) -> Option<Command> {
        let before = self.steering.wanted.pace;
        if let Some(p) = before {
            self.steering.last_pace = p;
        }
        self.steering.wanted.pace = pace;
        let name =
            |pace: Option<f64>| pace.map_or("full speed".to_string(), |p| format!("{} epochs/s", short(p)));
        self.change(running, Control::SetPace(pace), format!("pace {} -> {}", name(before), name(pace)))
    }
}

/// The settings the keys asked for and the engine acknowledged, and the changes told so far.
#[derive(Clone, Debug)]
pub struct Steering {
    /// Whether early stopping may stop folds (as last asked).
    pub(super) early_stopping_on: bool,
    /// The settings changed live, as last acknowledged.
    pub live: LiveSettings,
    /// Learning-rate and penalty changes the engine acknowledged, once each, in order.
    pub changes: Vec<LogEntry>,
    /// The pace `f` goes back to.
    pub(super) last_pace: f64,
    /// What keys asked for and the engine may not have confirmed yet: repeated presses
    /// build on it rather than on the last acknowledged value.
    pub(super) wanted: LiveSettings,
    /// Changes already written to the log.
    pub(super) logged_changes: usize,
}

impl Steering {
    pub(super) fn new(live: LiveSettings) -> Steering {
        Steering {
            early_stopping_on: true,
            live,
            changes: Vec::new(),
            last_pace: live.pace.unwrap_or(DEFAULT_PACE),
            wanted: live,
            logged_changes: 0,
        }
    }
}
