//! The cross-validation panel: a row per fold with its held-out score, a bar, and its
//! state, and the running mean +/- std; for a single fit, its training and validation
//! scores.

use super::app::{App, FoldState, FoldView, Mode};
use super::ui::{Theme, count_text, note_for_missing, panel};
use crate::headless::metric_text;
use crate::nn::Metric;
use crate::stats::mean_and_std;
use crate::train::FoldOutcome;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Widget};

/// A stored run's panel: every series of the shown fold with its last value, its best
/// (by the one rule) and where, and how many values were written, exact however many
/// points are kept for drawing.
fn render_series(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    let shown = app.shown_fold();
    let title = if app.folds.len() > 1 {
        format!(" Series, fold {}/{} ", shown.map_or(0, |f| f + 1), app.folds.len())
    } else {
        " Series ".to_string()
    };
    let block = panel(title, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(fold) = shown.and_then(|f| app.folds.get(f)) else { return };
    let value = |v: f64| super::app::short(v);
    let rows: Vec<Row> = fold
        .series
        .series
        .iter()
        .map(|(name, series)| {
            let last = series.last.map_or_else(|| "-".to_string(), |p| value(p.value));
            let best = series
                .best(name)
                .map_or_else(|| "-".to_string(), |p| format!("{} @{}", value(p.value), p.step));
            Row::new([name.clone(), last, best, series.count.to_string()])
        })
        .collect();
    let header = Row::new(["series", "last", "best", "values"]).style(theme.quiet());
    // Narrow panels drop the count first; the name keeps at least 10 cells.
    let count = if inner.width >= 50 { 7 } else { 0 };
    let widths =
        [Constraint::Min(12), Constraint::Length(7), Constraint::Length(12), Constraint::Length(count)];
    Table::new(rows, widths).header(header).column_spacing(1).render(inner, buf);
}

/// What the panel's value column and bars show: the task's metric, or the `--metrics`
/// name the metric chart shows (`m`), its `val_` twin for held-out rows.
#[derive(Clone, Debug)]
struct Shown {
    metric: Metric,
    /// The `--metrics` name, when the metric chart shows one.
    measure: Option<String>,
}

impl Shown {
    fn of(app: &App, metric: Metric) -> Shown {
        let measure = app
            .chart_lines(false)
            .map(|(subject, _)| subject)
            .filter(|subject| subject != metric.name())
            .filter(|subject| {
                app.info.as_ref().is_some_and(|i| i.config.metrics.iter().any(|m| m.name() == subject))
            });
        Shown { metric, measure }
    }

    /// The column's heading (seven cells).
    fn heading(&self) -> String {
        match &self.measure {
            Some(name) => name.chars().take(7).collect(),
            None if self.metric == Metric::Accuracy => "acc".into(),
            None => "mae".into(),
        }
    }

    fn text(&self, value: f64) -> String {
        match &self.measure {
            Some(_) if (-1.0..=1.0).contains(&value) => format!("{value:.4}"),
            Some(_) => super::app::short(value),
            None => metric_text(self.metric, value),
        }
    }

    /// A share of 0..1 (accuracy and the ranking scores) or an error (up to the worst).
    fn bounded(&self) -> bool {
        match &self.measure {
            Some(name) => !matches!(name.as_str(), "mse" | "rmse" | "mape" | "mae"),
            None => self.metric == Metric::Accuracy,
        }
    }

    /// A fold's held-out value: its result when it has one, else the last epoch's.
    fn held_out(&self, fold: &FoldView) -> Option<f64> {
        match &self.measure {
            Some(name) => {
                let key = format!("val_{name}");
                fold.report
                    .as_ref()
                    .and_then(|r| r.metrics.get(&key).copied())
                    .or_else(|| fold.last.as_ref().and_then(|r| r.metrics.get(&key).copied()))
            }
            None => fold
                .report
                .as_ref()
                .and_then(|r| r.validation)
                .map(|s| s.metric)
                .or_else(|| fold.last.as_ref().and_then(|r| r.val_metric)),
        }
    }

    /// A fold's training value, likewise.
    fn training(&self, fold: &FoldView) -> Option<f64> {
        match &self.measure {
            Some(name) => fold
                .report
                .as_ref()
                .and_then(|r| r.metrics.get(name).copied())
                .or_else(|| fold.last.as_ref().and_then(|r| r.metrics.get(name).copied())),
            None => fold
                .report
                .as_ref()
                .and_then(|r| r.train)
                .map(|s| s.metric)
                .or_else(|| fold.last.as_ref().map(|r| r.metric)),
        }
    }
}

/// Draws the panel.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    if app.info.is_none() && app.stored.is_some() {
        render_series(app, area, buf);
        return;
    }
    let Some(info) = &app.info else {
        let block = panel(" Folds ", theme);
        let inner = block.inner(area);
        block.render(area, buf);
        note_for_missing(app, "waiting for the run to start", "the run did not start", inner, buf);
        return;
    };
    let cross_validation = info.folds > 1;
    let title =
        if cross_validation { format!(" Cross-validation, {} folds ", info.folds) } else { " Fit ".into() };
    let block = panel(title, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 2 {
        return;
    }
    let shown = Shown::of(app, info.metric);
    let table_height = inner.height - 1;
    // Narrow panels drop the best epoch first, then the loss; the bar takes what is left
    // (it is left out when that is too little to read) and states its scale.
    let (show_best, show_loss) = (inner.width >= 44, inner.width >= 36);
    // `train` needs five cells where fold numbers need four.
    let first = if cross_validation { 4 } else { 5 };
    let fixed = first + 7 + if show_loss { 6 } else { 0 } + 5 + if show_best { 4 } else { 0 } + 9 + 6;
    let bar_width = usize::from(inner.width.saturating_sub(fixed));
    let scale = bar_scale(app, &shown);
    let scale_text = match (&shown.measure, shown.bounded()) {
        (None, true) => "0-100%".to_string(),
        (Some(_), true) => "0-1".to_string(),
        (_, false) => format!("0-{}", super::app::short(scale)),
    };
    let bar_width = if bar_width >= scale_text.chars().count().max(6) { bar_width } else { 0 };
    let bars = Bars { width: bar_width, scale };
    let rows: Vec<Row> = if cross_validation {
        fold_rows(app, &shown, usize::from(table_height.saturating_sub(1)), bars)
    } else {
        fit_rows(app, &shown, bars)
    };
    let name = shown.heading();
    let scale_header = if bar_width > 0 { scale_text } else { String::new() };
    let header = Row::new([
        "fold".to_string(),
        name,
        "loss".into(),
        "epoch".into(),
        "best".into(),
        "state".into(),
        scale_header,
    ])
    .style(theme.quiet());
    let widths = [
        Constraint::Length(first),
        Constraint::Length(7),
        Constraint::Length(if show_loss { 6 } else { 0 }),
        Constraint::Length(5),
        Constraint::Length(if show_best { 4 } else { 0 }),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    let table_area = Rect { height: table_height, ..inner };
    Table::new(rows, widths).header(header).column_spacing(1).render(table_area, buf);
    let footer = Rect { y: inner.bottom() - 1, height: 1, ..inner };
    Paragraph::new(footer_line(app, &shown, theme, inner.width >= 40)).render(footer, buf);
}

/// The folds around the shown one, as many as fit.
fn fold_rows(app: &App, column: &Shown, room: usize, bars: Bars) -> Vec<Row<'static>> {
    let theme = app.screen.theme;
    let shown = app.shown_fold().unwrap_or(0);
    let count = app.folds.len();
    let first = shown.saturating_sub(room / 2).min(count.saturating_sub(room));
    app.folds
        .iter()
        .enumerate()
        .skip(first)
        .take(room.max(1))
        .map(|(index, fold)| {
            let loss = fold
                .report
                .as_ref()
                .and_then(|r| r.validation)
                .map(|s| s.loss)
                .or_else(|| fold.last.as_ref().and_then(|r| r.val_loss));
            let held_out = column.held_out(fold);
            let live = fold.report.is_none();
            let value = held_out.map_or_else(|| "-".into(), |v| column.text(v));
            let loss = loss.map_or_else(|| "-".into(), |l| format!("{l:.4}"));
            let mut row = Row::new([
                Cell::from(format!("{:>4}", index + 1)),
                Cell::from(value),
                Cell::from(loss),
                Cell::from(count_text(fold.epochs_done(), 5)),
                Cell::from(
                    fold.report.as_ref().and_then(|r| r.best_epoch).map_or("-".into(), |b| count_text(b, 4)),
                ),
                state_cell(fold, theme),
                Cell::from(bars.draw(held_out)).style(if live { theme.dimmed() } else { theme.train() }),
            ]);
            if index == shown {
                row = row.style(Style::new().add_modifier(Modifier::BOLD));
            }
            row
        })
        .collect()
}

/// A single fit: its training and validation rows.
fn fit_rows(app: &App, column: &Shown, bars: Bars) -> Vec<Row<'static>> {
    let theme = app.screen.theme;
    let Some(fold) = app.folds.first() else {
        return Vec::new();
    };
    let report = fold.report.as_ref();
    let last = fold.last.as_ref();
    let train_loss = report.and_then(|r| r.train).map(|s| s.loss).or_else(|| last.map(|r| r.loss));
    let validation_loss =
        report.and_then(|r| r.validation).map(|s| s.loss).or_else(|| last.and_then(|r| r.val_loss));
    let train = train_loss.map(|loss| (column.training(fold), loss));
    let validation = validation_loss.map(|loss| (column.held_out(fold), loss));
    let row = |name: &str, score: Option<(Option<f64>, f64)>, style: Style| {
        let (value, loss) = match score {
            Some((v, l)) => (v.map_or_else(|| "-".into(), |v| column.text(v)), format!("{l:.4}")),
            None => ("-".into(), "-".into()),
        };
        Row::new([
            Cell::from(name.to_string()),
            Cell::from(value),
            Cell::from(loss),
            Cell::from(count_text(fold.epochs_done(), 5)),
            Cell::from(report.and_then(|r| r.best_epoch).map_or("-".into(), |b| count_text(b, 4))),
            state_cell(fold, theme),
            Cell::from(bars.draw(score.and_then(|s| s.0))).style(style),
        ])
    };
    let mut rows = vec![row("train", train, theme.train())];
    if validation.is_some() {
        rows.push(row("val", validation, theme.validation()));
    }
    rows
}

fn state_cell(fold: &FoldView, theme: Theme) -> Cell<'static> {
    let collapsed = fold.report.as_ref().and_then(|r| r.collapsed_to.as_ref());
    match (fold.state, collapsed) {
        (FoldState::Completed, Some(_)) => Cell::from("one class").style(theme.warning()),
        (FoldState::Completed, None) => Cell::from("done"),
        (FoldState::Running, _) => {
            Cell::from("running").style(super::ui::state_style(theme, &super::app::Mode::Running))
        }
        (FoldState::Pending, _) => Cell::from("pending").style(theme.quiet()),
        (FoldState::Diverged, _) => Cell::from("DIVERGED").style(theme.warning()),
        (FoldState::Stopped, _) => Cell::from("stopped").style(theme.quiet()),
    }
}

/// The largest value a bar can show: 1 (100%) for shares, the worst error for errors.
fn bar_scale(app: &App, column: &Shown) -> f64 {
    if column.bounded() {
        return 1.0;
    }
    app.folds.iter().filter_map(|f| column.held_out(f).or_else(|| column.training(f))).fold(0.0, f64::max)
}

/// Bars of a given width over `0..=scale`.
#[derive(Clone, Copy, Debug)]
struct Bars {
    /// Cells a full bar takes (0: no bars).
    width: usize,
    /// The value of a full bar.
    scale: f64,
}

impl Bars {
    /// A bar in eighths of a cell; empty for no value.
    #[allow(clippy::cast_possible_truncation, reason = "a share in [0, 1] times the bar's cells")]
    fn draw(self, value: Option<f64>) -> String {
        let Some(value) = value.filter(|v| v.is_finite()) else {
            return String::new();
        };
        let share = if self.scale > 0.0 { (value / self.scale).clamp(0.0, 1.0) } else { 0.0 };
        let eighths = (share * (self.width * 8) as f64).round() as usize;
        let mut text = "█".repeat(eighths / 8);
        if !eighths.is_multiple_of(8) {
            text.push_str(["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]);
        }
        text
    }
}

/// `mean 76.05% +/- 4.68% over 7 folds`, and how many failed.
fn footer_line(app: &App, column: &Shown, theme: Theme, roomy: bool) -> Line<'static> {
    let cross_validation = app.folds.len() > 1;
    let scores: Vec<f64> = app
        .folds
        .iter()
        .filter(|f| f.report.as_ref().is_some_and(|r| r.outcome == FoldOutcome::Completed))
        .filter_map(|f| match &column.measure {
            Some(_) => column.held_out(f),
            None => f.report.as_ref().and_then(|r| r.score(cross_validation).map(|s| s.metric)),
        })
        .collect();
    let diverged = app.folds.iter().filter(|f| f.state == FoldState::Diverged).count();
    let collapsed =
        app.folds.iter().filter(|f| f.report.as_ref().is_some_and(|r| r.collapsed_to.is_some())).count();
    let mut spans = Vec::new();
    if cross_validation {
        match mean_and_std(scores.iter().copied()) {
            Some((mean, std)) if roomy => spans.push(Span::raw(format!(
                "{}mean {} +/- {} over {} fold{}",
                column.measure.as_ref().map_or_else(String::new, |m| format!("val_{m} ")),
                column.text(mean),
                column.text(std),
                scores.len(),
                if scores.len() == 1 { "" } else { "s" }
            ))),
            Some((mean, std)) => spans.push(Span::raw(format!(
                "{} +/- {} ({})",
                column.text(mean),
                column.text(std),
                scores.len()
            ))),
            None if app.mode == Mode::Done => spans.push(Span::styled("no fold finished", theme.quiet())),
            None => spans.push(Span::styled("no fold finished yet", theme.quiet())),
        }
    }
    if diverged > 0 {
        spans.push(Span::styled(format!("  {diverged} diverged: lower the lr"), theme.warning()));
    }
    if collapsed > 0 {
        spans.push(Span::styled(format!("  {collapsed} predict one class"), theme.warning()));
    }
    Line::from(spans)
}
