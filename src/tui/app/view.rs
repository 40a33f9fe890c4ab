//! What the dashboard shows of its run: the chart subjects and lines, the fold on
//! screen, the x range, and the steps the cursor stops at.

use super::{App, FoldState, FoldView, SidePanel};
use crate::tui::theme::Theme;

/// The smoothing weights `s` cycles through (TensorBoard's slider, in steps).
pub const SMOOTHING: [f64; 4] = [0.0, 0.6, 0.9, 0.99];
/// The x ranges `z` cycles through: all epochs, or the last so many.
pub const ZOOM: [Option<usize>; 3] = [None, Some(100), Some(20)];

/// What the screen shows of the run: the user's choices of fold, charts, panel, range
/// and overlays. None of them changes the run.
#[derive(Clone, Debug)]
pub struct Screen {
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
    /// Index into [`SMOOTHING`].
    pub smoothing: usize,
    /// Index into [`ZOOM`].
    pub zoom: usize,
    /// The value cursor's epoch, when shown.
    pub cursor: Option<usize>,
    /// Help overlay shown.
    pub help: bool,
    /// The log shown full screen.
    pub log_open: bool,
    /// Log entries scrolled past, counted back from the newest.
    pub log_scroll: usize,
    /// Colours or none.
    pub theme: Theme,
    /// Which series the loss chart (`M`) and the metric chart (`m`) show: an index into
    /// each chart's [`App::subjects`].
    pub charts: (usize, usize),
}

impl Screen {
    pub(super) fn new() -> Screen {
        Screen {
            focus: None,
            layer: 0,
            log_scale: false,
            hide_other_folds: false,
            forecast_view: false,
            side_panel: SidePanel::Weights,
            smoothing: 0,
            zoom: 0,
            cursor: None,
            help: false,
            log_open: false,
            log_scroll: 0,
            theme: Theme { color: true },
            charts: (0, 0),
        }
    }
}

impl App {
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
        let choice = if loss_chart { self.screen.charts.0 } else { self.screen.charts.1 };
        let subject = subjects.get(choice % subjects.len().max(1))?.clone();
        let names: Vec<String> = self.folds.iter().flat_map(|f| f.series.series.keys().cloned()).collect();
        let lines = crate::series::subject_names(&subject, &names);
        Some((subject, lines))
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

    /// The fold the charts show: the user's choice, else the first one training that
    /// finished an epoch, else the last one that did.
    pub fn shown_fold(&self) -> Option<usize> {
        if let Some(focus) = self.screen.focus.filter(|&f| f < self.folds.len()) {
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
        let span = ZOOM[self.screen.zoom % ZOOM.len()]?;
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
    pub(super) fn nearest_step(&self, at: usize) -> usize {
        self.steps().into_iter().min_by_key(|&s| s.abs_diff(at)).unwrap_or(at)
    }
}
