//! Several recorded runs side by side (`nntui view DIR` with more than one run): each run
//! in a stable colour, the selected runs' curves overlaid on shared axes (loss-like
//! names on the left chart, the rest on the right, `val_` dotted beside its training
//! twin), and a table of the runs' last and best values, sortable by any column, with the
//! settings that differ between the runs. Works on named series, so runs written by any
//! program are drawn alike. Pure state and drawing; the loop lives in `tui.rs`.

use super::ui::{Theme, panel};
use crate::runs::read::Run;
use crate::runs::table::{self, Row};
use crate::runs::trials::Figures;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Cell, Chart, Dataset, GraphType, Paragraph, Row as TableRow, Table, Widget};
use std::collections::BTreeMap;

/// Colours handed out to runs in the order they are found (stable while the viewer
/// runs): no two of the first twelve share one.
const PALETTE: [Color; 12] = [
    Color::Cyan,
    Color::Yellow,
    Color::LightMagenta,
    Color::LightGreen,
    Color::LightBlue,
    Color::LightRed,
    Color::Indexed(208),
    Color::White,
    Color::Magenta,
    Color::Green,
    Color::Indexed(141),
    Color::Indexed(180),
];

/// One run on the list.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its file.
    pub path: std::path::PathBuf,
    /// What was read.
    pub run: Run,
    /// Drawn on the charts.
    pub selected: bool,
    /// Kept at the top of the table.
    pub pinned: bool,
    /// Left out of the table and the charts.
    pub hidden: bool,
}

/// What a key asks of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareAction {
    /// Move the cursor.
    Up,
    /// Move the cursor.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// The first row.
    First,
    /// The last row.
    Last,
    /// Draw the run under the cursor, or not.
    ToggleSelected,
    /// Keep the run at the top, or not.
    TogglePinned,
    /// Leave the run out.
    Hide,
    /// Show every hidden run again.
    Unhide,
    /// Sort by the next column.
    NextSort,
    /// Reverse the sort.
    ReverseSort,
    /// Open the run under the cursor on the full dashboard.
    Open,
    /// The next name on the right chart (accuracy, auc, ...).
    NextMetric,
    /// The next loss-like name on the left chart.
    NextLoss,
    /// The next histogram tag of the run under the cursor (TensorBoard runs).
    NextHistogram,
    /// The charts' horizontal axis: step, relative time, wall time (TensorBoard's three).
    NextAxis,
    /// Type a regular expression that run names must match (`/`, TensorBoard's run filter).
    FilterRuns,
    /// Type a regular expression that series names must match (`f`: charts and columns).
    FilterSeries,
    /// The help line.
    ToggleHelp,
    /// The next smoothing weight for the charts' curves (TensorBoard's slider).
    CycleSmoothing,
    /// The charts' x range: all, the last half, the last tenth.
    CycleZoom,
    /// Log scale for the charts' values.
    ToggleLogScale,
    /// A cursor on the charts: every drawn run's value at one step, in the table.
    ToggleCursor,
    /// Left: the chart cursor to the previous step, or the table's columns scrolled.
    Left,
    /// Right: the chart cursor to the next step, or the table's columns scrolled.
    Right,
    /// The table's columns scrolled left (`<`).
    ColumnsLeft,
    /// The table's columns scrolled right (`>`).
    ColumnsRight,
    /// Leave.
    Quit,
}

/// The x ranges `z` cycles through: the whole axis, or its last part (a fraction).
pub const ZOOM: [f64; 3] = [1.0, 0.5, 0.1];

/// A key while a filter is being typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// A character of the expression.
    Char(char),
    /// Delete the last character.
    Backspace,
    /// Apply the expression (an empty one shows everything).
    Accept,
    /// Leave the filter as it was.
    Cancel,
}

/// What the charts' horizontal axis measures, as TensorBoard's horizontal axis offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XAxis {
    /// Steps (epochs for epoch-indexed series).
    #[default]
    Step,
    /// Seconds since the run's first value was written.
    Relative,
    /// The time of day each value was written (UTC).
    Wall,
}

impl XAxis {
    /// Its name in the chart titles.
    pub fn name(self) -> &'static str {
        match self {
            XAxis::Step => "step",
            XAxis::Relative => "relative time",
            XAxis::Wall => "wall time (UTC)",
        }
    }

    /// An axis label for `x`.
    #[allow(clippy::cast_possible_truncation, reason = "seconds for a label")]
    pub fn label(self, x: f64) -> String {
        match self {
            XAxis::Step => format!("{x}"),
            XAxis::Relative => super::ui::clock(std::time::Duration::from_secs_f64(x.max(0.0))),
            XAxis::Wall => {
                let seconds = x.max(0.0) as u64 % 86_400;
                format!("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
            }
        }
    }
}

/// Which filter is being typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterKind {
    /// Run names.
    Runs,
    /// Series names.
    Series,
}

/// Rows a page key moves the cursor.
const PAGE: usize = 10;

/// What the loop does after a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Keep comparing.
    Stay,
    /// Open this run's full dashboard.
    Open(std::path::PathBuf),
    /// Leave.
    Quit,
}

/// A histogram tag's snapshot: its step and histogram.
type Snapshot = (i64, crate::train::Histogram);

/// A drawn line: its points, style and marker.
type Drawn = (Vec<(f64, f64)>, Style, Marker);

/// The comparison's state.
#[derive(Clone, Debug)]
pub struct Compare {
    /// The runs, in the order found.
    pub entries: Vec<Entry>,
    /// The row under the cursor (an index into the shown order).
    pub cursor: usize,
    /// The column sorted by (0 is the name) and whether descending.
    pub sort: (usize, bool),
    /// Colours or none.
    pub theme: Theme,
    /// Notes for the user (the last one is shown).
    pub note: Option<String>,
    /// Which loss-like name the left chart shows, and which other name the right one.
    pub chart_choice: (usize, usize),
    /// Which histogram tag the histogram panel shows.
    pub histogram_choice: usize,
    /// A value column to sort by once it exists (`nntui tune`'s objective), and whether
    /// descending.
    pub preferred_sort: Option<(String, bool)>,
    /// Whether the sort by a study's objective was set (once; the user's sort stays).
    objective_sorted: bool,
    /// A heading before the counts (`nntui tune` says how the search goes).
    pub heading: Option<String>,
    /// The key bar, when the caller has keys of its own (`nntui tune`).
    pub keys: Option<String>,
    /// Run names must match this (`/`).
    pub run_filter: Option<regex::Regex>,
    /// Series names must match this (`f`), on the charts and in the value columns.
    pub series_filter: Option<regex::Regex>,
    /// A filter being typed, and its text so far.
    pub editing: Option<(FilterKind, String)>,
    /// What the charts' horizontal axis measures (`w` cycles).
    pub x_axis: XAxis,
    /// The table's rows for `entries`, worked out when runs are taken in (not per key).
    rows: Vec<Row>,
    /// How many rows have a last value of each name (the value columns' candidates).
    name_counts: BTreeMap<String, usize>,
    /// The first table row on screen (kept so that the cursor moves within the page, as
    /// a table's selection does).
    offset: std::cell::Cell<usize>,
    /// The settings and hyperparameters that differ between the runs (their columns).
    settings: Vec<String>,
    /// The table order, kept until what decides it changes.
    order_cache: std::cell::RefCell<Option<(OrderKey, Vec<usize>)>>,
    /// The first scrolled column on screen (after the run's name, which stays).
    pub column_offset: usize,
    /// Index into [`super::app::SMOOTHING`].
    pub smoothing: usize,
    /// Index into [`ZOOM`].
    pub zoom: usize,
    /// Values on a log scale.
    pub log_scale: bool,
    /// The chart cursor's x, when shown.
    pub chart_cursor: Option<f64>,
    /// The x values the left chart drew at the last frame (where the cursor can stop).
    drawn_xs: std::cell::RefCell<Vec<f64>>,
}

/// What decides the table order: the sort, the filter, the value columns, which runs
/// are hidden or pinned, and the rows' generation.
type OrderKey = ((usize, bool), Option<String>, Option<String>, Vec<(bool, bool)>, usize);

/// Runs drawn on a chart at most (the first selected ones in table order): thousands of
/// lines fill a chart solid and cost a key's worth of time each.
pub const MOST_DRAWN: usize = 100;

/// The fixed columns before the value columns.
const FIXED: [&str; 4] = ["run", "state", "folds", "epochs"];

impl Compare {
    /// A comparison of `entries`, all selected.
    pub fn new(entries: Vec<Entry>, theme: Theme) -> Compare {
        Compare {
            entries,
            cursor: 0,
            sort: (0, false),
            theme,
            note: None,
            chart_choice: (0, 0),
            histogram_choice: 0,
            preferred_sort: None,
            objective_sorted: false,
            heading: None,
            keys: None,
            run_filter: None,
            series_filter: None,
            editing: None,
            x_axis: XAxis::Step,
            rows: Vec::new(),
            name_counts: BTreeMap::new(),
            offset: std::cell::Cell::new(0),
            settings: Vec::new(),
            order_cache: std::cell::RefCell::new(None),
            column_offset: 0,
            smoothing: 0,
            zoom: 0,
            log_scale: false,
            chart_cursor: None,
            drawn_xs: std::cell::RefCell::new(Vec::new()),
        }
        .with_rows()
    }

    /// The rows worked out again for the entries.
    fn with_rows(mut self) -> Compare {
        self.take_rows();
        self
    }

    /// Works out the rows (and the names' counts) for the entries.
    fn take_rows(&mut self) {
        self.rows = table::rows(self.entries.iter().map(|e| &e.run));
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for row in &self.rows {
            for name in row.last.keys() {
                match counts.get_mut(name) {
                    Some(count) => *count += 1,
                    None => {
                        counts.insert(name.clone(), 1);
                    }
                }
            }
        }
        self.name_counts = counts;
        let keys: std::collections::BTreeSet<&String> =
            self.rows.iter().flat_map(|r| r.differs.keys()).collect();
        self.settings = keys.into_iter().cloned().collect();
        self.order_cache.replace(None);
    }

    /// Takes in the runs read again (same paths keep their choices; new ones are added, selected).
    ///
    /// Says whether the screen may differ: runs changed, or a run still counts as running
    /// (its state turns once its files stop growing).
    pub fn refresh(&mut self, runs: Vec<(std::path::PathBuf, Run)>) -> bool {
        if runs.is_empty() && !self.rows.iter().any(|r| r.state == "running") && !self.rows.is_empty() {
            return false;
        }
        let mut known: std::collections::HashMap<std::path::PathBuf, usize> =
            self.entries.iter().enumerate().map(|(i, e)| (e.path.clone(), i)).collect();
        for (path, run) in runs {
            if let Some(&i) = known.get(&path) {
                self.entries[i].run = run;
            } else {
                known.insert(path.clone(), self.entries.len());
                self.entries.push(Entry { path, run, selected: true, pinned: false, hidden: false });
            }
        }
        self.take_rows();
        // A study's trials are sorted by their objective, best first, until the user sorts.
        if !self.objective_sorted {
            if self.preferred_sort.is_some() {
                self.objective_sorted = true;
            } else if let Some(objective) = self.entries.iter().find_map(|e| e.run.objective.clone()) {
                self.preferred_sort = Some(objective);
                self.objective_sorted = true;
            }
        }
        if let Some((name, descending)) = self.preferred_sort.clone() {
            let columns = self.columns();
            if let Some(index) = columns.iter().position(|c| *c == name) {
                self.sort = (FIXED.len() + index, descending);
                self.preferred_sort = None;
            }
        }
        true
    }

    /// Without colour: the marker of the `index`-th run found's solid lines, and the
    /// symbol that stands for it in the table (dotted lines stay `val_` twins').
    pub fn marker(index: usize) -> (Marker, &'static str) {
        [(Marker::Braille, "⣿"), (Marker::Block, "█"), (Marker::Bar, "▄"), (Marker::HalfBlock, "▀")]
            [index % 4]
    }

    /// The colour of the `index`-th run found.
    pub fn colour(index: usize) -> Color {
        PALETTE[index % PALETTE.len()]
    }

    /// The colour of one of the entries' runs.
    fn colour_of(&self, run: &Run) -> Color {
        Self::colour(self.entries.iter().position(|e| std::ptr::eq(&raw const e.run, run)).unwrap_or(0))
    }

    fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The value columns: `loss` and `val_loss` first, then by how many runs have them.
    fn columns(&self) -> Vec<String> {
        let mut names: Vec<(&String, usize)> = self
            .name_counts
            .iter()
            .filter(|(n, _)| *n != "learning_rate" && self.series_shown(n))
            .map(|(n, c)| (n, *c))
            .collect();
        let rank = |n: &str| usize::from(n != "loss") + usize::from(n != "val_loss");
        names.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(b.1.cmp(&a.1)).then(a.0.cmp(b.0)));
        names.into_iter().map(|(n, _)| n.clone()).collect()
    }

    /// Indices of the shown entries in table order: pinned first, then by the sort column.
    pub fn order(&self) -> Vec<usize> {
        let key = (
            self.sort,
            self.run_filter.as_ref().map(|f| f.as_str().to_string()),
            self.series_filter.as_ref().map(|f| f.as_str().to_string()),
            self.entries.iter().map(|e| (e.hidden, e.pinned)).collect::<Vec<_>>(),
            self.rows.len(),
        );
        if let Some((cached, order)) = self.order_cache.borrow().as_ref()
            && *cached == key
        {
            return order.clone();
        }
        let order = self.work_out_order();
        self.order_cache.replace(Some((key, order.clone())));
        order
    }

    fn work_out_order(&self) -> Vec<usize> {
        let rows = self.rows();
        let columns = self.columns();
        let settings = &self.settings;
        let key = |i: usize| -> (Option<f64>, String) {
            let row = &rows[i];
            match self.sort.0 {
                0 => (None, row.name.clone()),
                1 => (None, row.state.to_string()),
                2 => (Some(row.folds as f64), String::new()),
                3 => (Some(row.epochs as f64), String::new()),
                c if c - 4 < columns.len() => (row.last.get(&columns[c - 4]).copied(), String::new()),
                c if c - 4 == columns.len() => (row.best_val_loss.map(|b| b.0), String::new()),
                // A setting or hyperparameter that differs: as a number when it is one.
                c => {
                    let key = settings.get(c - 5 - columns.len());
                    let value = key.and_then(|k| row.differs.get(k)).cloned().unwrap_or_default();
                    (value.parse::<f64>().ok(), value)
                }
            }
        };
        let mut order: Vec<usize> = (0..self.entries.len())
            .filter(|&i| !self.entries[i].hidden && self.run_shown(&self.entries[i].run.name))
            .collect();
        // Each key worked out once (thousands of runs sort within a key's time).
        let keys: std::collections::HashMap<usize, (Option<f64>, String)> =
            order.iter().map(|&i| (i, key(i))).collect();
        order.sort_by(|&a, &b| {
            let pinned = self.entries[b].pinned.cmp(&self.entries[a].pinned);
            let (ka, kb) = (&keys[&a], &keys[&b]);
            let directed = |by: std::cmp::Ordering| if self.sort.1 { by.reverse() } else { by };
            // Rows without the value (a failed trial, a run that never wrote it) come
            // last whichever way the column is sorted.
            let by = match (ka.0.filter(|v| !v.is_nan()), kb.0.filter(|v| !v.is_nan())) {
                (Some(x), Some(y)) => directed(x.total_cmp(&y)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => directed(ka.1.cmp(&kb.1)),
            };
            pinned.then(by)
        });
        order
    }

    /// Whether a run passes the run filter.
    pub fn run_shown(&self, name: &str) -> bool {
        self.run_filter.as_ref().is_none_or(|f| f.is_match(name))
    }

    /// Whether a series passes the series filter.
    pub fn series_shown(&self, name: &str) -> bool {
        self.series_filter.as_ref().is_none_or(|f| f.is_match(name))
    }

    /// A key while a filter is typed: the expression grows, is applied (a bad one is
    /// said and kept for editing), or is left.
    pub fn edit(&mut self, edit: Edit) {
        let Some((kind, text)) = self.editing.as_mut() else { return };
        match edit {
            Edit::Char(c) => text.push(c),
            Edit::Backspace => {
                text.pop();
            }
            Edit::Cancel => self.editing = None,
            Edit::Accept => {
                let kind = *kind;
                let filter = if text.is_empty() {
                    None
                } else {
                    match regex::Regex::new(text) {
                        Ok(filter) => Some(filter),
                        Err(error) => {
                            let first = error.to_string().lines().last().unwrap_or("").trim().to_string();
                            self.note = Some(format!("not a regular expression: {first}"));
                            return;
                        }
                    }
                };
                match kind {
                    FilterKind::Runs => self.run_filter = filter,
                    FilterKind::Series => {
                        self.series_filter = filter;
                        self.chart_choice = (0, 0);
                    }
                }
                self.editing = None;
                self.note = None;
                self.cursor = 0;
            }
        }
    }

    /// Moves the table's columns by one (the run's name stays).
    fn scroll_columns(&mut self, right: bool) {
        let count = FIXED.len() - 1 + self.columns().len() + 1 + self.settings.len();
        self.column_offset = if right {
            (self.column_offset + 1).min(count.saturating_sub(1))
        } else {
            self.column_offset.saturating_sub(1)
        };
    }

    /// Carries out a key and says what the loop does next.
    pub fn apply(&mut self, action: CompareAction) -> Next {
        let order = self.order();
        let current = order.get(self.cursor.min(order.len().saturating_sub(1))).copied();
        match action {
            CompareAction::Up => self.cursor = self.cursor.saturating_sub(1),
            CompareAction::Down => self.cursor = (self.cursor + 1).min(order.len().saturating_sub(1)),
            CompareAction::PageUp => self.cursor = self.cursor.saturating_sub(PAGE),
            CompareAction::PageDown => self.cursor = (self.cursor + PAGE).min(order.len().saturating_sub(1)),
            CompareAction::First => self.cursor = 0,
            CompareAction::Last => self.cursor = order.len().saturating_sub(1),
            CompareAction::ToggleSelected => {
                if let Some(i) = current {
                    self.entries[i].selected = !self.entries[i].selected;
                }
            }
            CompareAction::TogglePinned => {
                if let Some(i) = current {
                    self.entries[i].pinned = !self.entries[i].pinned;
                }
            }
            CompareAction::Hide => {
                if let Some(i) = current {
                    self.entries[i].hidden = true;
                    self.note = Some(format!("hid {} (u shows every run again)", self.entries[i].run.name));
                    self.cursor = self.cursor.min(order.len().saturating_sub(2));
                }
            }
            CompareAction::Unhide => self.entries.iter_mut().for_each(|e| e.hidden = false),
            CompareAction::NextSort => {
                let columns = FIXED.len() + self.columns().len() + 1 + self.settings.len();
                self.sort = ((self.sort.0 + 1) % columns, self.sort.1);
            }
            CompareAction::ReverseSort => self.sort.1 = !self.sort.1,
            CompareAction::NextMetric => self.chart_choice.1 += 1,
            CompareAction::NextLoss => self.chart_choice.0 += 1,
            CompareAction::NextHistogram => {
                self.histogram_choice += 1;
                if self.histograms(&order).is_none() {
                    self.note = Some("no histograms in the run under the cursor".into());
                }
            }
            CompareAction::Open => {
                if let Some(i) = current {
                    return Next::Open(self.entries[i].path.clone());
                }
            }
            CompareAction::NextAxis => {
                self.x_axis = match self.x_axis {
                    XAxis::Step => XAxis::Relative,
                    XAxis::Relative => XAxis::Wall,
                    XAxis::Wall => XAxis::Step,
                };
                if self.x_axis != XAxis::Step {
                    let timeless = self
                        .entries
                        .iter()
                        .filter(|e| e.selected && !e.hidden)
                        .filter(|e| first_wall(&e.run).is_none())
                        .count();
                    if timeless > 0 {
                        self.note = Some(format!(
                            "{timeless} drawn run{} recorded no times (TensorBoard files and Keras lines with \"time\" do): left off this axis",
                            if timeless == 1 { "" } else { "s" }
                        ));
                    }
                }
            }
            CompareAction::FilterRuns | CompareAction::FilterSeries => {
                let (kind, current) = if action == CompareAction::FilterRuns {
                    (FilterKind::Runs, &self.run_filter)
                } else {
                    (FilterKind::Series, &self.series_filter)
                };
                let text = current.as_ref().map_or_else(String::new, |f| f.as_str().to_string());
                self.editing = Some((kind, text));
            }
            CompareAction::ToggleHelp => {
                self.note = Some(
                    "up/down pgup/pgdn g/G move  </> columns  space draw  p pin  h hide  u unhide  s/S sort  m/M metric/loss  o smooth  z zoom  l log  c cursor (left/right)  w step/time  t histogram  / runs  f series  enter open  q quit"
                        .into(),
                );
            }
            CompareAction::CycleSmoothing => {
                self.smoothing = (self.smoothing + 1) % super::app::SMOOTHING.len();
            }
            CompareAction::CycleZoom => self.zoom = (self.zoom + 1) % ZOOM.len(),
            CompareAction::ToggleLogScale => self.log_scale = !self.log_scale,
            CompareAction::ToggleCursor => {
                self.chart_cursor = match self.chart_cursor {
                    Some(_) => None,
                    None => self.drawn_xs.borrow().last().copied(),
                };
                if self.chart_cursor.is_some() {
                    self.note =
                        Some("left/right move the cursor; its column shows each run's value there".into());
                }
            }
            CompareAction::Left | CompareAction::Right => {
                let right = action == CompareAction::Right;
                match self.chart_cursor {
                    Some(x) => {
                        let xs = self.drawn_xs.borrow();
                        let next = if right {
                            xs.iter().copied().find(|&v| v > x)
                        } else {
                            xs.iter().rev().copied().find(|&v| v < x)
                        };
                        self.chart_cursor = next.or(Some(x));
                    }
                    None => self.scroll_columns(right),
                }
            }
            CompareAction::ColumnsLeft => self.scroll_columns(false),
            CompareAction::ColumnsRight => self.scroll_columns(true),
            CompareAction::Quit => return Next::Quit,
        }
        Next::Stay
    }
}

/// When a run's first value was written (seconds since 1970), if its source says.
fn first_wall(run: &Run) -> Option<f64> {
    run.folds
        .values()
        .flat_map(|f| f.series.values())
        .filter_map(|s| s.first.map(|p| p.wall))
        .filter(|w| w.is_finite())
        .reduce(f64::min)
}

/// The line of `name` in a run along `axis`: by step, the mean over folds at each step
/// the folds reached; by time, the first fold's points at their wall times (relative to
/// the run's first value, or as written), those without a time left out.
fn curve(run: &Run, name: &str, axis: XAxis) -> Vec<(f64, f64)> {
    if axis != XAxis::Step {
        let Some(start) = first_wall(run) else { return Vec::new() };
        let shift = if axis == XAxis::Relative { start } else { 0.0 };
        let Some(series) = run.folds.values().find_map(|f| f.get(name)) else { return Vec::new() };
        return series.kept().filter(|p| p.wall.is_finite()).map(|p| (p.wall - shift, p.value)).collect();
    }
    let lines: Vec<Vec<(f64, f64)>> = run
        .folds
        .values()
        .filter_map(|f| f.get(name))
        .map(super::super::series::store::Series::points)
        .collect();
    if let [line] = lines.as_slice() {
        return line.clone();
    }
    // Steps are whole numbers (epochs, TensorBoard steps): keyed by their bits in order.
    let mut sums: BTreeMap<i64, (f64, f64, usize)> = BTreeMap::new();
    for (step, value) in lines.into_iter().flatten() {
        #[allow(clippy::cast_possible_truncation, reason = "steps are whole numbers far below 2^63")]
        let entry = sums.entry(step.round() as i64).or_insert((step, 0.0, 0));
        entry.1 += value;
        entry.2 += 1;
    }

    sums.into_values().map(|(step, sum, n)| (step, sum / n as f64)).collect()
}

use crate::runs::table::loss_like;

use crate::series::{subject, subject_names};

impl Widget for &Compare {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let rows = self.rows();
        let order = self.order();
        let table_height = u16::try_from(order.len() + 3).unwrap_or(u16::MAX).min(area.height / 2).max(4);
        let [title, charts, table_area, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(6),
            Constraint::Length(table_height),
            Constraint::Length(1),
        ])
        .areas(area);
        let selected: Vec<usize> = order.iter().copied().filter(|&i| self.entries[i].selected).collect();
        // Curves for the first selected runs in table order; a study's dots for every trial.
        let curves: Vec<usize> = selected.iter().copied().take(MOST_DRAWN).collect();
        let left_out = self.entries.len() - order.len();
        let mut filters = String::new();
        if let Some(filter) = &self.run_filter {
            filters.push_str(&format!("  runs /{}/", filter.as_str()));
        }
        if let Some(filter) = &self.series_filter {
            filters.push_str(&format!("  series /{}/", filter.as_str()));
        }
        let drawn = if curves.len() < selected.len() {
            format!("{} selected, the first {} drawn", selected.len(), curves.len())
        } else {
            format!("{} drawn", selected.len())
        };
        let heading = format!(
            " {}  {} run{}{}, {drawn}  sorted by {}{}{filters}",
            self.heading.as_deref().unwrap_or("nntui view"),
            order.len(),
            if order.len() == 1 { "" } else { "s" },
            if left_out > 0 { format!(" ({left_out} hidden or filtered out)") } else { String::new() },
            self.sort_name(),
            if self.sort.1 { " (descending)" } else { "" }
        );
        Paragraph::new(Line::from(Span::styled(heading, theme.quiet()))).render(title, buf);

        // The names on each chart: loss-like ones left, the rest right (training names;
        // `val_` twins follow their training name).
        let mut names: Vec<String> = curves
            .iter()
            .flat_map(|&i| self.entries[i].run.names())
            .filter(|n| self.series_shown(n))
            .collect();
        names.sort();
        names.dedup();
        let bases: Vec<String> = names
            .iter()
            .filter(|n| !n.contains("learning_rate"))
            .map(|n| subject(n))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        // `M` and `m` walk through the names each chart can show.
        let losses: Vec<&String> = bases.iter().filter(|n| loss_like(n)).collect();
        let others: Vec<&String> = bases.iter().filter(|n| !loss_like(n)).collect();
        let pick = |names: &[&String], choice: usize| {
            (!names.is_empty()).then(|| names[choice % names.len()].clone())
        };
        // A study's trials: the objective against each searched option, as scatters.
        let searched: Vec<String> = selected
            .iter()
            .flat_map(|&i| self.entries[i].run.params.keys().map(|k| format!("{SCATTER}{k}")))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        // A study: its trials' curves (if they reported any) left; right, the objective
        // over trials, parallel coordinates, then the objective against each option.
        let studied: Vec<&Run> = selected.iter().map(|&i| &self.entries[i].run).collect();
        let figures = if searched.is_empty() { None } else { Figures::of(&studied) };
        let (history, parallel) = (HISTORY.to_string(), PARALLEL.to_string());
        let (left, right) = if let Some(figures) = &figures {
            let curves: Vec<&String> = losses.iter().chain(others.iter()).copied().collect();
            let mut right: Vec<&String> = Vec::new();
            let left = if curves.is_empty() {
                Some(history.clone())
            } else {
                right.push(&history);
                pick(&curves, self.chart_choice.0)
            };
            if !figures.scales.is_empty() {
                right.push(&parallel);
            }
            right.extend(searched.iter());
            (left, pick(&right, self.chart_choice.1))
        } else {
            (
                pick(&losses, self.chart_choice.0),
                pick(&others, self.chart_choice.1).or_else(|| losses.get(1).map(|n| (*n).clone())),
            )
        };
        let histograms = self.histograms(&order);
        let split = if histograms.is_some() { [35, 35, 30] } else { [50, 50, 0] };
        let [left_area, right_area, histogram_area] =
            Layout::horizontal(split.map(Constraint::Percentage)).areas(charts);
        if let Some((run, tag, snapshots)) = histograms {
            self.histogram_panel(run, tag, snapshots, histogram_area, buf);
        }
        // The cursor's steps are the left chart's (the first one with curves).
        self.drawn_xs.borrow_mut().clear();
        let mut at = None;
        for (base, chart_area) in [(left, left_area), (right, right_area)] {
            let short = |v: f64| super::app::short(v);
            match (base, &figures) {
                (Some(base), Some(figures)) if base == HISTORY => {
                    let colour = |run: usize| self.colour_of(studied[run]);
                    super::trials::history(figures, &colour, theme, &short, chart_area, buf);
                }
                (Some(base), Some(figures)) if base == PARALLEL => {
                    super::trials::parallel(figures, theme, &short, chart_area, buf);
                }
                (Some(base), _) if base.starts_with(SCATTER) => {
                    self.scatter(&base[SCATTER.len()..], &selected, chart_area, buf);
                }
                (Some(base), _) => {
                    let first = self.drawn_xs.borrow().is_empty();
                    let solid = self.chart(&base, &names, &curves, first, chart_area, buf);
                    if first && let (Some(x), Some(name)) = (self.chart_cursor, solid) {
                        at = Some((name, x));
                    }
                }
                (None, _) => panel(" - ", theme).render(chart_area, buf),
            }
        }
        self.table(rows, &order, at.as_ref().map(|(n, x)| (n.as_str(), *x)), table_area, buf);
        let text = match &self.editing {
            Some((kind, text)) => {
                let what = if *kind == FilterKind::Runs { "runs" } else { "series" };
                format!(" filter {what} (a regular expression; enter applies, esc leaves): {text}_")
            }
            None => self.note.clone().or_else(|| self.keys.clone()).unwrap_or_else(|| {
                " q quit  ? keys  space draw  p pin  s sort  m metric  / runs  f series  enter open"
                    .to_string()
            }),
        };
        Paragraph::new(Line::from(Span::styled(text, theme.quiet()))).render(keys, buf);
    }
}

/// A setting's value as the table shows it: a long number (an Optuna trial's
/// `0.0001694044709524275`) to four significant places, anything else as written.
fn setting_text(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(number) if value.len() > 8 && value.contains(['.', 'e']) && number.is_finite() => {
            super::app::short(number)
        }
        _ => value.to_string(),
    }
}

/// A chart subject that plots a study's objective against a searched option.
const SCATTER: &str = "vs ";
/// The chart of a study's objective over its trials (not a series name: it has a control
/// character).
const HISTORY: &str = "\u{1}history";
/// The chart of a study's parallel coordinates.
const PARALLEL: &str = "\u{1}parallel";

impl Compare {
    /// Each trial's last objective value against its value of `param` (a number, on a
    /// log axis when the values span more than a factor of 20; or a choice, by its
    /// position in the sorted choices), one dot per trial in the trial's colour.
    fn scatter(&self, param: &str, selected: &[usize], area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let points: Vec<(&Run, String, f64)> = selected
            .iter()
            .filter_map(|&i| {
                let run = &self.entries[i].run;
                let value = run.params.get(param)?;
                let (_, y) = run.objective_value()?;
                y.is_finite().then(|| (run, value.clone(), y))
            })
            .collect();
        let numbers: Option<Vec<f64>> = points.iter().map(|(_, v, _)| v.parse::<f64>().ok()).collect();
        let mut choices: Vec<String> = points.iter().map(|(_, v, _)| v.clone()).collect();
        choices.sort();
        choices.dedup();
        let mut log_x = false;
        let (xs, label): (Vec<f64>, String) = match &numbers {
            Some(numbers) => {
                let positive = numbers.iter().all(|&x| x > 0.0);
                let (low, high) = numbers
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| (l.min(x), h.max(x)));
                if positive && high / low > 20.0 {
                    // Placed by the logarithm, labelled with the values (1e-3, not -3).
                    log_x = true;
                    (numbers.iter().map(|x| x.log10()).collect(), format!("{param} (log scale)"))
                } else {
                    (numbers.clone(), param.to_string())
                }
            }
            None => (
                points
                    .iter()
                    .map(|(_, v, _)| choices.iter().position(|c| c == v).unwrap_or(0) as f64)
                    .collect(),
                format!(
                    "{param}: {}",
                    choices.iter().enumerate().map(|(i, c)| format!("{i}={c}")).collect::<Vec<_>>().join(" ")
                ),
            ),
        };
        let dots: Vec<(Vec<(f64, f64)>, Style)> = points
            .iter()
            .zip(&xs)
            .map(|((run, _, y), &x)| {
                let style = if theme.color { Style::new().fg(self.colour_of(run)) } else { Style::new() };
                (vec![(x, *y)], style)
            })
            .collect();
        let bounds = |values: &mut dyn Iterator<Item = f64>| {
            let (low, high) =
                values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
            if low.is_finite() {
                let pad = ((high - low) * 0.05).max(1e-3);
                (low - pad, high + pad)
            } else {
                (0.0, 1.0)
            }
        };
        let (x_low, x_high) = bounds(&mut xs.iter().copied());
        let (y_low, y_high) = bounds(&mut points.iter().map(|p| p.2));
        let datasets: Vec<Dataset> = dots
            .iter()
            .map(|(data, style)| {
                Dataset::default().data(data).graph_type(GraphType::Scatter).marker(Marker::Dot).style(*style)
            })
            .collect();
        let objective = points
            .first()
            .and_then(|(run, _, _)| run.objective_value())
            .map(|(name, _)| name)
            .unwrap_or_default();
        let label_value = |v: f64| super::app::short(v);
        let x_label = |v: f64| if log_x { super::app::short(10f64.powf(v)) } else { super::app::short(v) };
        let x_labels = if log_x {
            vec![
                Span::raw(x_label(x_low)),
                Span::raw(x_label(f64::midpoint(x_low, x_high))),
                Span::raw(x_label(x_high)),
            ]
        } else {
            vec![Span::raw(x_label(x_low)), Span::raw(x_label(x_high))]
        };
        Chart::new(datasets)
            .block(panel(format!(" {objective} vs {label} "), theme))
            .x_axis(Axis::default().bounds([x_low, x_high]).style(theme.quiet()).labels(x_labels))
            .y_axis(
                Axis::default()
                    .bounds([y_low, y_high])
                    .style(theme.quiet())
                    .labels([Span::raw(label_value(y_low)), Span::raw(label_value(y_high))]),
            )
            .legend_position(None)
            .render(area, buf);
    }

    /// The run under the cursor, its chosen histogram tag and its snapshots, if it has any.
    fn histograms(&self, order: &[usize]) -> Option<(&str, &str, &[Snapshot])> {
        let entry = &self.entries[*order.get(self.cursor.min(order.len().saturating_sub(1)))?];
        let histograms = &entry.run.tensorboard.as_ref()?.histograms;
        let (tag, snapshots) = histograms.iter().nth(self.histogram_choice % histograms.len().max(1))?;
        Some((entry.run.name.as_str(), tag.as_str(), snapshots.as_slice()))
    }

    /// A histogram tag over steps, as the dashboard's weights panel draws it.
    fn histogram_panel(&self, run: &str, tag: &str, snapshots: &[Snapshot], area: Rect, buf: &mut Buffer) {
        super::weights::render_histogram_tag(&format!(" {tag} ({run}) "), snapshots, area, buf, self.theme);
    }

    fn sort_name(&self) -> String {
        let columns = self.columns();
        match self.sort.0 {
            c if c < FIXED.len() => FIXED[c].to_string(),
            c if c - FIXED.len() < columns.len() => columns[c - FIXED.len()].clone(),
            c if c - FIXED.len() == columns.len() => "best val_loss".to_string(),
            c => self
                .settings
                .get(c - FIXED.len() - columns.len() - 1)
                .map(|key| self.setting_header(key, &columns))
                .unwrap_or_default(),
        }
    }

    /// A setting's column heading: its name, said to be the setting where a column of
    /// values has the same name (the `epochs` asked for beside the `epochs` run).
    #[allow(clippy::unused_self, reason = "a column of the comparison's, as its others")]
    fn setting_header(&self, key: &str, columns: &[String]) -> String {
        if FIXED.contains(&key) || key == "best val_loss" || columns.iter().any(|c| c == key) {
            format!("{key} (setting)")
        } else {
            key.to_string()
        }
    }

    /// A chart of `base`'s names, a line per drawn run, smoothed, zoomed and on a log
    /// scale as chosen; `first`: the chart whose steps the cursor walks. Answers the
    /// first solid name drawn (the cursor's column shows its values).
    fn chart(
        &self,
        base: &str,
        names: &[String],
        selected: &[usize],
        first_chart: bool,
        area: Rect,
        buf: &mut Buffer,
    ) -> Option<String> {
        let theme = self.theme;
        let drawn = subject_names(base, names);
        let weight = super::app::SMOOTHING[self.smoothing % super::app::SMOOTHING.len()];
        let fraction = ZOOM[self.zoom % ZOOM.len()];
        let lines: Vec<Drawn> = selected
            .iter()
            .flat_map(|&i| {
                let run = &self.entries[i].run;
                let style = if theme.color { Style::new().fg(Compare::colour(i)) } else { Style::new() };
                drawn
                    .iter()
                    .map(move |(name, dotted)| {
                        let line = curve(run, name, self.x_axis);
                        (
                            if weight > 0.0 { crate::series::smooth(&line, weight) } else { line },
                            style,
                            match (*dotted, theme.color) {
                                (true, _) => Marker::Dot,
                                (false, true) => Marker::Braille,
                                // Without colour, runs are told apart by their markers.
                                (false, false) => Compare::marker(i).0,
                            },
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|(points, _, _)| !points.is_empty())
            .collect();
        let mut lines = lines;
        // Zoom: the last part of the x range the curves span.
        let (x_low, x_high) = lines
            .iter()
            .flat_map(|(points, _, _)| points.iter().map(|p| p.0))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| (l.min(x), h.max(x)));
        if fraction < 1.0 && x_low.is_finite() {
            let from = x_high - (x_high - x_low) * fraction;
            for (points, _, _) in &mut lines {
                points.retain(|p| p.0 >= from);
            }
        }
        // Log scale where every value is positive (a loss); said where it cannot be.
        let log = self.log_scale && lines.iter().all(|(points, _, _)| points.iter().all(|p| p.1 > 0.0));
        if log {
            for (points, _, _) in &mut lines {
                points.iter_mut().for_each(|p| p.1 = p.1.log10());
            }
        }
        if first_chart {
            let mut xs: Vec<f64> =
                lines.iter().flat_map(|(points, _, _)| points.iter().map(|p| p.0)).collect();
            xs.sort_by(f64::total_cmp);
            xs.dedup();
            *self.drawn_xs.borrow_mut() = xs;
        }
        let (mut low, mut high, mut first, mut last) =
            (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, 1.0f64);
        for (points, _, _) in &lines {
            for &(x, y) in points {
                low = low.min(y);
                high = high.max(y);
                first = first.min(x);
                last = last.max(x);
            }
        }
        // Epochs count from 1; TensorBoard steps may start at 0; times start where they do
        // (and a zoomed axis where its part does).
        let first = match (first.is_finite(), self.x_axis) {
            (false, _) => 1.0,
            (true, XAxis::Step) if fraction >= 1.0 => first.min(1.0),
            (true, _) => first,
        };
        let last = if self.x_axis == XAxis::Step || !last.is_finite() { last } else { last.max(first) };
        if !low.is_finite() {
            (low, high) = (0.0, 1.0);
        }
        let pad = ((high - low) * 0.05).max(1e-3);
        // Values that cannot go below 0 (or above 1, for accuracies) keep their axis there.
        let ceiling = if base.contains("acc") && high <= 1.0 && !log { 1.0 } else { f64::INFINITY };
        let floor = if low >= 0.0 && !log { 0.0 } else { f64::NEG_INFINITY };
        let (low, high) = ((low - pad).max(floor), (high + pad).min(ceiling));
        // The cursor: a vertical line at its step.
        let cursor_line: Option<Vec<(f64, f64)>> =
            self.chart_cursor.filter(|_| first_chart).map(|x| vec![(x, low), (x, high)]);
        let mut datasets: Vec<Dataset> = lines
            .iter()
            .map(|(points, style, marker)| {
                Dataset::default().data(points).graph_type(GraphType::Line).marker(*marker).style(*style)
            })
            .collect();
        if let Some(line) = &cursor_line {
            datasets.push(
                Dataset::default()
                    .data(line)
                    .graph_type(GraphType::Line)
                    .marker(Marker::Dot)
                    .style(theme.quiet()),
            );
        }
        let label = |v: f64| if log { super::app::short(10f64.powf(v)) } else { super::app::short(v) };
        let solid: Vec<&str> = drawn.iter().filter(|(_, d)| !d).map(|(n, _)| n.as_str()).collect();
        let dotted: Vec<&str> = drawn.iter().filter(|(_, d)| *d).map(|(n, _)| n.as_str()).collect();
        let mut title = vec![Span::raw(format!(" {} ", solid.join(", ")))];
        if lines.iter().any(|(_, _, marker)| *marker == Marker::Dot) {
            title.push(Span::styled(format!("and {} (dotted) ", dotted.join(", ")), theme.quiet()));
        }
        if self.x_axis != XAxis::Step {
            title.push(Span::styled(format!("by {} ", self.x_axis.name()), theme.quiet()));
        }
        let mut tools = Vec::new();
        if weight > 0.0 {
            tools.push(format!("smoothed {weight}"));
        }
        if fraction < 1.0 {
            tools.push(format!("last {}%", (fraction * 100.0).round()));
        }
        if log {
            tools.push("log".to_string());
        } else if self.log_scale {
            tools.push("not log: values <= 0".to_string());
        }
        if !tools.is_empty() {
            title.push(Span::styled(format!("{} ", tools.join(", ")), theme.quiet()));
        }
        let title = Line::from(title);
        Chart::new(datasets)
            .block(panel(title, theme))
            .x_axis(
                Axis::default()
                    .bounds([first, last.max(first + 1.0)])
                    .style(theme.quiet())
                    .labels([Span::raw(self.x_axis.label(first)), Span::raw(self.x_axis.label(last))]),
            )
            .y_axis(
                Axis::default()
                    .bounds([low, high])
                    .style(theme.quiet())
                    .labels([Span::raw(label(low)), Span::raw(label(high))]),
            )
            .legend_position(None)
            .render(area, buf);
        solid.first().map(|n| (*n).to_string())
    }

    /// The table: the run's name, then the columns from [`Compare::column_offset`] that
    /// fit (state, folds, epochs, each series' last value, the best validation loss, each
    /// setting or hyperparameter that differs), and with the chart cursor on, each run's
    /// value at the cursor's step.
    fn table(&self, rows: &[Row], order: &[usize], at: Option<(&str, f64)>, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let columns = self.columns();
        let cursor = self.cursor.min(order.len().saturating_sub(1));
        // Names that tell the runs apart: the timestamp and the common prefix left out on
        // screen; the run under the cursor's full name in the title.
        let shown_names = distinct_names(&order.iter().map(|&i| rows[i].name.as_str()).collect::<Vec<_>>());
        // Only the rows on screen are made (thousands of runs cost a page's worth): the
        // page moves when the cursor leaves it.
        let visible = usize::from(area.height.saturating_sub(3)).max(1);
        let mut offset = self.offset.get();
        if cursor < offset {
            offset = cursor;
        } else if cursor >= offset + visible {
            offset = cursor + 1 - visible;
        }
        offset = offset.min(order.len().saturating_sub(visible));
        self.offset.set(offset);
        let window = &order[offset.min(order.len())..(offset + visible).min(order.len())];
        // Every column after the name, as (header, cell per row, least width).
        type CellOf<'a> = Box<dyn Fn(&Row) -> String + 'a>;
        let mut all: Vec<(String, CellOf, usize)> = vec![
            ("state".into(), Box::new(|r: &Row| r.state.to_string()), 10),
            ("folds".into(), Box::new(|r: &Row| r.folds.to_string()), 5),
            ("epochs".into(), Box::new(|r: &Row| r.epochs.to_string()), 6),
        ];
        for name in &columns {
            all.push((name.clone(), Box::new(move |r: &Row| r.value_text(name)), 8));
        }
        all.push((
            "best val_loss".into(),
            Box::new(|r: &Row| r.best_val_loss.map_or("-".into(), |(v, e)| format!("{v:.4} @{e}"))),
            13,
        ));
        for key in &self.settings {
            all.push((
                self.setting_header(key, &columns),
                Box::new(move |r: &Row| r.differs.get(key).map_or_else(|| "-".into(), |v| setting_text(v))),
                3,
            ));
        }
        let first = self.column_offset.min(all.len().saturating_sub(1));
        // Names take up to 32 columns; more only if every column still fits (below).
        let whole_name = shown_names.iter().map(|n| n.chars().count() + 2).max().unwrap_or(4).max(4)
            + usize::from(!theme.color);
        let name_width = whole_name.min(32 + usize::from(!theme.color));
        let mut header: Vec<String> = vec!["run".into()];
        let mut widths = vec![Constraint::Length(u16::try_from(name_width).unwrap_or(32))];
        let mut cells: Vec<Vec<String>> = window.iter().map(|_| Vec::new()).collect();
        let mut room = usize::from(area.width.saturating_sub(2)).saturating_sub(name_width + 1);
        // The chart cursor's column comes first, beside the name.
        if let Some((name, x)) = at {
            let title = format!("{name} @{}", self.x_axis.label(x));
            let values: Vec<String> = window
                .iter()
                .map(|&i| {
                    let line = curve(&self.entries[i].run, name, self.x_axis);
                    line.iter().rev().find(|p| p.0 <= x).map_or("-".into(), |p| format!("{:.4}", p.1))
                })
                .collect();
            let width = values.iter().map(String::len).chain([title.chars().count()]).max().unwrap_or(8);
            room = room.saturating_sub(width + 1);
            header.push(title);
            widths.push(Constraint::Length(u16::try_from(width).unwrap_or(20)));
            for (row, value) in cells.iter_mut().zip(values) {
                row.push(value);
            }
        }
        let mut shown = 0;
        for (title, cell, least) in all.iter().skip(first) {
            let values: Vec<String> = window.iter().map(|&i| cell(&rows[i])).collect();
            let width = values
                .iter()
                .map(|v| v.chars().count())
                .chain([title.chars().count(), *least])
                .max()
                .unwrap_or(8);
            // At least one column shows, cut if it must.
            if width > room && shown > 0 {
                break;
            }
            room = room.saturating_sub(width + 1);
            header.push(title.clone());
            widths.push(Constraint::Length(u16::try_from(width).unwrap_or(40)));
            for (row, value) in cells.iter_mut().zip(values) {
                row.push(value);
            }
            shown += 1;
        }
        // Every column shown and room to spare: the names get it, up to the longest.
        if first + shown == all.len() && whole_name > name_width {
            let wider = name_width + room.min(whole_name - name_width);
            widths[0] = Constraint::Length(u16::try_from(wider).unwrap_or(u16::MAX));
        }
        let no_colour_key = |i: usize| if theme.color { "" } else { Compare::marker(i).1 };
        let body: Vec<TableRow> = window
            .iter()
            .zip(cells)
            .enumerate()
            .map(|(position, (&i, cells))| {
                let entry = &self.entries[i];
                let mark = match (entry.selected, entry.pinned) {
                    (true, true) => "*+",
                    (true, false) => "* ",
                    (false, true) => " +",
                    (false, false) => "  ",
                };
                let colour = if theme.color { Style::new().fg(Compare::colour(i)) } else { Style::new() };
                let mut row = vec![
                    Cell::from(format!("{mark}{}{}", no_colour_key(i), shown_names[offset + position]))
                        .style(colour),
                ];
                row.extend(cells.into_iter().map(Cell::from));
                TableRow::new(row)
            })
            .collect();
        // Rendered with the cursor as the selection, within the page made.
        let mut state = ratatui::widgets::TableState::default().with_selected(Some(cursor - offset));
        let hidden = self.entries.iter().filter(|e| e.hidden).count();
        let full = order.get(cursor).map_or("", |&i| rows[i].name.as_str());
        let more = match (first, all.len() - first - shown) {
            (0, 0) => String::new(),
            (0, right) => format!(" [{right} more columns: >]"),
            (left, 0) => format!(" [{left} columns left: <]"),
            (left, right) => format!(" [<: {left} columns, >: {right}]"),
        };
        let title = match (order.len(), hidden) {
            (shown, 0) => format!(" Runs {}/{shown}{more}: {full} ", cursor + 1),
            (shown, hidden) => {
                format!(" Runs {}/{shown}, {hidden} hidden (u shows them){more}: {full} ", cursor + 1)
            }
        };
        ratatui::widgets::StatefulWidget::render(
            Table::new(body, widths)
                .header(TableRow::new(header).style(theme.quiet()))
                .column_spacing(1)
                .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
                .block(panel(title, theme)),
            area,
            buf,
            &mut state,
        );
    }
}

/// Names that tell runs apart on screen: a leading `--log-dir` timestamp
/// (`20261206-040931-`) dropped, then the dash-separated words every name starts with
/// (at least one word of each is kept).
fn distinct_names(names: &[&str]) -> Vec<String> {
    let stamp = |name: &str| -> usize {
        let bytes = name.as_bytes();
        let digits = |range: std::ops::Range<usize>| {
            bytes.get(range).is_some_and(|b| b.iter().all(u8::is_ascii_digit))
        };
        if digits(0..8) && bytes.get(8) == Some(&b'-') && digits(9..15) && bytes.get(15) == Some(&b'-') {
            16
        } else {
            0
        }
    };
    let words: Vec<Vec<&str>> = names.iter().map(|n| n[stamp(n)..].split('-').collect()).collect();
    let shortest = words.iter().map(Vec::len).min().unwrap_or(0);
    let common = if names.len() < 2 {
        0
    } else {
        (0..shortest.saturating_sub(1)).take_while(|&k| words.iter().all(|w| w[k] == words[0][k])).count()
    };
    words.iter().map(|w| w[common..].join("-")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::read::parse;

    #[test]
    fn names_that_tell_runs_apart() {
        assert_eq!(
            distinct_names(&["20261206-040931-moons-lr0.002-seed2", "20261206-040932-moons-lr0.003-seed3"]),
            ["lr0.002-seed2", "lr0.003-seed3"]
        );
        assert_eq!(distinct_names(&["pima-a", "pima-a"]), ["a", "a"], "a word of each is kept");
        assert_eq!(distinct_names(&["20261206-040931-moons"]), ["moons"]);
        assert_eq!(distinct_names(&["keras", "version_0"]), ["keras", "version_0"]);
    }

    fn entry(name: &str, losses: &[f64]) -> Entry {
        let text: String = losses
            .iter()
            .enumerate()
            .map(|(e, l)| {
                format!("{{\"epoch\": {}, \"logs\": {{\"loss\": {l}, \"val_loss\": {}}}}}\n", e + 1, l + 0.1)
            })
            .collect();
        Entry { path: name.into(), run: parse(&text, name), selected: true, pinned: false, hidden: false }
    }

    #[test]
    fn long_names_take_the_room_the_columns_leave() {
        let long = ["run00001-pima-lr0.0005-e100-fit-seed0", "run00002-pima-lr0.0015-e100-fit-seed2"];
        let compare =
            Compare::new(long.iter().map(|n| entry(n, &[0.9, 0.5])).collect(), Theme { color: false });
        let screen = |width: u16| {
            let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, 40)).unwrap();
            terminal.draw(|frame| frame.render_widget(&compare, frame.area())).unwrap();
            terminal.backend().to_string()
        };
        // The second row is not the cursor's, whose whole name the title also shows.
        let row = |text: &str| text.lines().find(|l| l.contains("run00002")).map(str::to_string).unwrap();
        let wide = screen(120);
        assert!(row(&wide).contains("run00002-pima-lr0.0015-e100-fit-seed2 "), "{wide}");
        // Too narrow for every column: the names keep their 32 columns, cut.
        let narrow = screen(60);
        assert!(!row(&narrow).contains("seed2"), "{narrow}");
        assert!(row(&narrow).contains("run00002-pima-lr0.0015-e100"), "{narrow}");
    }

    #[test]
    fn sorting_pinning_and_hiding() {
        let mut compare = Compare::new(
            vec![entry("b", &[0.9, 0.5]), entry("a", &[0.8, 0.7]), entry("c", &[0.6, 0.2])],
            Theme { color: false },
        );
        assert_eq!(compare.order(), [1, 0, 2], "by name first");
        // Sort by the first value column (loss), ascending: c (0.2), b (0.5), a (0.7).
        for _ in 0..4 {
            compare.apply(CompareAction::NextSort);
        }
        assert_eq!(compare.sort_name(), "loss");
        assert_eq!(compare.order(), [2, 0, 1]);
        compare.apply(CompareAction::ReverseSort);
        assert_eq!(compare.order(), [1, 0, 2]);
        // Pin the last row: it comes first.
        compare.cursor = 2;
        compare.apply(CompareAction::TogglePinned);
        assert_eq!(compare.order()[0], 2);
        compare.cursor = 0;
        compare.apply(CompareAction::Hide);
        assert_eq!(compare.order().len(), 2);
        compare.apply(CompareAction::Unhide);
        assert_eq!(compare.order().len(), 3);
        assert_eq!(compare.apply(CompareAction::Quit), Next::Quit);
        // Any run opens the full dashboard, whatever wrote it.
        let under = compare.order()[compare.cursor];
        assert_eq!(compare.apply(CompareAction::Open), Next::Open(compare.entries[under].path.clone()));
    }

    #[test]
    fn runs_and_series_filter_by_regular_expressions() {
        let mut compare = Compare::new(
            vec![
                entry("lr0.01-a", &[0.9, 0.5]),
                entry("lr0.1-b", &[0.8, 0.7]),
                entry("lr0.01-c", &[0.6, 0.2]),
            ],
            Theme { color: false },
        );
        let type_in = |compare: &mut Compare, action: CompareAction, text: &str| {
            compare.apply(action);
            // What was typed before is offered for editing: clear it first.
            while compare.editing.as_ref().is_some_and(|(_, t)| !t.is_empty()) {
                compare.edit(Edit::Backspace);
            }
            text.chars().for_each(|c| compare.edit(Edit::Char(c)));
            compare.edit(Edit::Accept);
        };
        type_in(&mut compare, CompareAction::FilterRuns, r"lr0\.01");
        let names: Vec<&str> =
            compare.order().iter().map(|&i| compare.entries[i].run.name.as_str()).collect();
        assert_eq!(names, ["lr0.01-a", "lr0.01-c"]);
        let area = Rect::new(0, 0, 100, 24);
        let mut buf = Buffer::empty(area);
        compare.render(area, &mut buf);
        let first: String = (0..area.width).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert!(
            first.contains("2 runs (1 hidden or filtered out)") && first.contains(r"runs /lr0\.01/"),
            "{first}"
        );
        // A bad expression is said and kept for editing; Esc leaves the filter as it was.
        compare.apply(CompareAction::FilterRuns);
        compare.edit(Edit::Char('('));
        compare.edit(Edit::Accept);
        assert!(compare.note.as_deref().unwrap().starts_with("not a regular expression"));
        assert!(compare.editing.is_some());
        compare.edit(Edit::Cancel);
        assert_eq!(compare.order().len(), 2);
        // Series: only val_ names in the value columns.
        type_in(&mut compare, CompareAction::FilterSeries, "^val_");
        assert_eq!(compare.columns(), ["val_loss"]);
        // An empty expression shows everything again.
        type_in(&mut compare, CompareAction::FilterRuns, "");
        assert_eq!(compare.order().len(), 3);
    }

    #[test]
    fn the_horizontal_axis_cycles_step_relative_and_wall_time() {
        // Keras lines with the time each epoch ended; a run without times.
        let timed = concat!(
            "{\"epoch\": 0, \"logs\": {\"loss\": 0.9}, \"time\": 1795881600.0}\n",
            "{\"epoch\": 1, \"logs\": {\"loss\": 0.5}, \"time\": 1795881690.0}\n"
        );
        let timed = Entry {
            path: "t".into(),
            run: parse(timed, "timed"),
            selected: true,
            pinned: false,
            hidden: false,
        };
        let mut compare = Compare::new(vec![timed, entry("plain", &[0.8, 0.6])], Theme { color: false });
        assert_eq!(curve(&compare.entries[0].run, "loss", XAxis::Step), [(1.0, 0.9), (2.0, 0.5)]);
        compare.apply(CompareAction::NextAxis);
        assert_eq!(compare.x_axis, XAxis::Relative);
        assert_eq!(curve(&compare.entries[0].run, "loss", XAxis::Relative), [(0.0, 0.9), (90.0, 0.5)]);
        assert!(curve(&compare.entries[1].run, "loss", XAxis::Relative).is_empty());
        assert!(compare.note.as_deref().unwrap().starts_with("1 drawn run recorded no times"));
        let area = Rect::new(0, 0, 100, 24);
        let mut buf = Buffer::empty(area);
        compare.render(area, &mut buf);
        let screen: String = (0..area.height)
            .flat_map(|y| (0..area.width).map(move |x| (x, y)))
            .map(|p| buf[p].symbol().to_string())
            .collect();
        assert!(screen.contains("by relative time") && screen.contains("01:30"), "{screen}");
        compare.apply(CompareAction::NextAxis);
        assert_eq!(XAxis::Wall.label(1_795_881_690.0), "16:01:30");
        compare.apply(CompareAction::NextAxis);
        assert_eq!(compare.x_axis, XAxis::Step);
    }

    #[test]
    fn runs_sort_by_a_hyperparameter_as_numbers() {
        let mut entries = vec![entry("a", &[0.5]), entry("b", &[0.6]), entry("c", &[0.7])];
        for (entry, lr) in entries.iter_mut().zip(["0.1", "0.003", "0.02"]) {
            entry.run.params.insert("lr".into(), lr.into());
        }
        let mut compare = Compare::new(entries, Theme { color: false });
        while compare.sort_name() != "lr" {
            compare.apply(CompareAction::NextSort);
            assert!(compare.sort.0 < 20, "s reaches the hyperparameter");
        }
        let names: Vec<&str> =
            compare.order().iter().map(|&i| compare.entries[i].run.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "a"], "0.003 < 0.02 < 0.1, as numbers");
        compare.apply(CompareAction::NextSort);
        assert_eq!(compare.sort.0, 0, "and s comes back to the name");
    }

    #[test]
    fn a_setting_named_as_a_column_of_values_says_it_is_the_setting() {
        let mut entries = vec![entry("a", &[0.5]), entry("b", &[0.6])];
        for (entry, epochs) in entries.iter_mut().zip(["50", "150"]) {
            entry.run.params.insert("epochs".into(), epochs.into());
            entry.run.params.insert("units".into(), epochs.into());
        }
        let mut compare = Compare::new(entries, Theme { color: false });
        let mut names = Vec::new();
        while names.last().is_none_or(|n| n != "run") {
            compare.apply(CompareAction::NextSort);
            names.push(compare.sort_name());
        }
        assert!(names.contains(&"epochs (setting)".to_string()), "{names:?}");
        assert!(names.contains(&"units".to_string()), "{names:?}");
        assert_eq!(names.iter().filter(|n| *n == "epochs").count(), 1, "{names:?}");
    }

    #[test]
    fn every_metric_can_be_drawn() {
        let text = "{\"epoch\": 1, \"logs\": {\"loss\": 0.5, \"accuracy\": 0.7, \"epoch_auc\": 0.8}}\n";
        let run = parse(text, "keras");
        let entry = Entry { path: "k".into(), run, selected: true, pinned: false, hidden: false };
        let mut compare = Compare::new(vec![entry], Theme { color: false });
        let draw = |compare: &Compare| {
            let area = Rect::new(0, 0, 100, 30);
            let mut buf = Buffer::empty(area);
            compare.render(area, &mut buf);
            let rows = (0..area.height)
                .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>());
            rows.collect::<Vec<_>>().join("\n")
        };
        // No validation values: no dotted twin in the title.
        assert!(draw(&compare).contains("┐┌ accuracy ─"));
        compare.apply(CompareAction::NextMetric);
        assert!(draw(&compare).contains("┐┌ epoch_auc ─"));

        // A TensorBoard run: a tag group on one chart, and its histogram strip.
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tensorboard/tbx");
        let run = crate::runs::read::from_tensorboard("tbx".into(), crate::tensorboard::read(&folder));
        let entry = Entry { path: folder, run, selected: true, pinned: false, hidden: false };
        let mut compare = Compare::new(vec![entry], Theme { color: false });
        let screen = draw(&compare);
        assert!(screen.contains(" Loss/test and Loss/train"), "{screen}");
        assert!(screen.contains(" weights/layer1 (tbx) "), "{screen}");
        assert!(screen.contains("s45"), "the newest step labels the strip's last row: {screen}");
        assert!(screen.contains("done"), "a log that records no end, no longer growing: {screen}");
        compare.apply(CompareAction::NextHistogram);
        assert!(draw(&compare).contains(" weights/layer1 (tbx) "), "one tag: t comes back to it");
    }

    #[test]
    fn a_study_shows_its_trials_and_the_objective_against_each_option() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("study.jsonl");
        let mut journal = crate::tune::journal::Journal::open(&path).unwrap();
        use crate::tune::journal::{Entry, TrialState};
        let mut entries = Vec::new();
        for (trial, (lr, layers, value)) in
            [("0.001", "8:relu", 0.7), ("0.01", "16:relu", 0.9), ("0.1", "8:relu", 0.8)]
                .into_iter()
                .enumerate()
        {
            entries.push(Entry::Start {
                trial,
                sample: trial,
                retry_of: None,
                params: vec![("--lr".into(), lr.into()), ("--layers".into(), layers.into())],
                command: Vec::new(),
                owner: "h:1".into(),
                time: 0.0,
            });
            for epoch in 1..=3 {
                entries.push(Entry::Epoch {
                    trial,
                    epoch,
                    value: Some(value * f64::from(u8::try_from(epoch).unwrap()) / 3.0),
                });
            }
            entries.push(Entry::Finish {
                trial,
                state: TrialState::Complete,
                value: Some(value),
                std: None,
                epochs: 3,
                note: None,
                retry: false,
                time: 0.0,
            });
        }
        journal.append(&entries).unwrap();
        let mut reader = crate::runs::read::Reader::default();
        let runs = reader.read_all(&crate::runs::read::Source::Study(path)).unwrap();
        let mut compare = Compare::new(Vec::new(), Theme { color: false });
        compare.preferred_sort = Some(("objective".into(), true));
        compare.refresh(runs);
        let area = Rect::new(0, 0, 110, 30);
        let draw = |compare: &Compare| {
            let mut buf = Buffer::empty(area);
            compare.render(area, &mut buf);
            (0..area.height)
                .map(|y| (0..area.width).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let screen = draw(&compare);
        // Sorted by the objective, best first.
        let first = screen.lines().position(|l| l.contains("trial 001")).unwrap();
        assert!(screen.lines().position(|l| l.contains("trial 002")).unwrap() > first, "{screen}");
        // Each searched option is a column of its own.
        let header = screen.lines().find(|l| l.contains("run ") && l.contains("state")).unwrap();
        assert!(header.contains(" layers ") && header.contains(" lr "), "{screen}");
        let best = screen.lines().find(|l| l.contains("* ") && l.contains("trial 001 ")).unwrap();
        assert!(best.contains(" 16:relu ") && best.contains(" 0.01 "), "{screen}");
        // Right: the objective over trials, then parallel coordinates, then a slice per option.
        assert!(screen.contains(" objective by trial: • 3 complete  ⠂ 0 pruned "), "{screen}");
        compare.apply(CompareAction::NextMetric);
        let screen = draw(&compare);
        assert!(screen.contains(" parallel coordinates of 3 trials "), "{screen}");
        // Each option's axis is labelled at its ends in its own values (a log axis for lr).
        let bottom = screen.lines().rev().find(|l| l.contains("layers") && l.contains("lr")).unwrap();
        assert!(bottom.contains("objective"), "{screen}");
        // Choices in sorted order (16:relu low, 8:relu high); lr's ends in learning rates.
        assert!(screen.lines().any(|l| l.contains("16:relu") && l.contains("0.001")), "{screen}");
        assert!(screen.lines().any(|l| l.contains("8:relu") && l.contains("0.1 ")), "{screen}");
        compare.apply(CompareAction::NextMetric);
        let screen = draw(&compare);
        assert!(screen.contains(" objective vs layers: 0=16:relu 1=8:relu "), "{screen}");
        compare.apply(CompareAction::NextMetric);
        let screen = draw(&compare);
        assert!(screen.contains(" objective vs lr (log scale) "), "{screen}");
        // The axis is in learning rates (0.001 to 0.1, padded), not their logarithms.
        let axis = screen.lines().find(|l| l.contains("7.9e-4")).unwrap_or_default();
        assert!(axis.contains(" 0.01 ") && axis.contains("0.1259"), "{screen}");
    }

    #[test]
    fn the_charts_smooth_zoom_take_a_log_scale_and_a_cursor_shows_every_runs_value() {
        let mut compare = Compare::new(
            vec![entry("a", &[0.9, 0.5, 0.4, 0.3]), entry("b", &[0.8, 0.7, 0.6, 0.2])],
            Theme { color: false },
        );
        let screen = |compare: &Compare| {
            let mut buffer = Buffer::empty(Rect::new(0, 0, 160, 24));
            compare.render(buffer.area, &mut buffer);
            (0..24)
                .map(|y| (0..160).map(|x| buffer[(x, y)].symbol()).collect::<String>())
                .collect::<Vec<_>>()
                .join("\n")
        };
        screen(&compare);
        compare.apply(CompareAction::CycleSmoothing);
        compare.apply(CompareAction::CycleZoom);
        compare.apply(CompareAction::ToggleLogScale);
        let text = screen(&compare);
        assert!(text.contains("smoothed 0.6, last 50%, log"), "{text}");
        // The cursor starts at the last step drawn and walks the drawn steps.
        compare.apply(CompareAction::ToggleCursor);
        assert_eq!(compare.chart_cursor, Some(4.0));
        compare.apply(CompareAction::Left);
        assert_eq!(compare.chart_cursor, Some(3.0));
        let text = screen(&compare);
        // Without colour each name follows its run's marker.
        let row = |name: &str| {
            text.lines().find(|l| l.contains("* ") && l.contains(&format!("{name} "))).unwrap().to_string()
        };
        assert!(text.contains("loss @3"), "{text}");
        assert!(
            row("a").contains("0.4000") && row("b").contains("0.6000"),
            "each run's raw value at step 3: {text}"
        );
        // Without the cursor, left and right scroll the columns; the name stays.
        compare.apply(CompareAction::ToggleCursor);
        compare.apply(CompareAction::Right);
        compare.apply(CompareAction::Right);
        let text = screen(&compare);
        assert!(text.contains("2 columns left: <") && row("a").contains("⣿a"), "{text}");
        assert!(!text.lines().any(|l| l.contains(" state ")), "{text}");
    }

    #[test]
    fn without_colour_each_run_has_its_own_marker_in_the_chart_and_the_table() {
        let compare = Compare::new(
            vec![entry("a", &[0.9, 0.5, 0.4]), entry("b", &[0.8, 0.7, 0.6])],
            Theme { color: false },
        );
        let mut buffer = Buffer::empty(Rect::new(0, 0, 100, 24));
        compare.render(buffer.area, &mut buffer);
        let text: String =
            (0..24).map(|y| (0..100).map(|x| buffer[(x, y)].symbol()).collect::<String>() + "\n").collect();
        assert!(text.contains("* ⣿a") && text.contains("* █b"), "{text}");
        let chart: String = text.lines().skip(2).take(8).collect();
        assert!(
            chart.contains('█') && chart.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)),
            "{text}"
        );
    }

    #[test]
    fn colours_are_handed_out_in_order_and_the_table_scrolls() {
        let distinct: std::collections::HashSet<Color> = (0..12).map(Compare::colour).collect();
        assert_eq!(distinct.len(), 12, "no two of the first twelve runs share a colour");
        // Fifty runs: the cursor can reach the last one, which is then on screen.
        let entries: Vec<Entry> =
            (0..50).map(|i| entry(&format!("run-{i:02}"), &[0.9, 0.5 + f64::from(i) / 100.0])).collect();
        let mut compare = Compare::new(entries, Theme { color: false });
        let screen = |compare: &Compare| {
            let mut buffer = Buffer::empty(Rect::new(0, 0, 80, 24));
            compare.render(buffer.area, &mut buffer);
            (0..24)
                .map(|y| (0..80).map(|x| buffer[(x, y)].symbol()).collect::<String>())
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(screen(&compare).contains("run-00") && !screen(&compare).contains("run-49"));
        compare.apply(CompareAction::Last);
        let last = screen(&compare);
        assert!(last.contains("run-49"), "the last run is shown: {last}");
        assert!(last.contains("Runs 50/50"), "{last}");
        compare.apply(CompareAction::PageUp);
        assert!(screen(&compare).contains("run-39"));
        compare.apply(CompareAction::First);
        assert!(screen(&compare).contains("Runs 1/50"));
        compare.apply(CompareAction::Hide);
        assert!(screen(&compare).contains("1 hidden"), "{}", screen(&compare));
    }
}
