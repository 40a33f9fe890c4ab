//! The loss and metric charts: training and validation lines of the shown fold, the
//! other folds dimmed behind them, and a mark wherever a setting was changed.

use super::app::SMOOTHING;
use super::app::{App, FoldView, short};
use super::ui::{fitted_title, note_for_missing, panel};
use crate::series::{Series, smooth};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

/// Which chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quantity {
    Loss,
    Metric,
}

/// Dimmed folds drawn behind the shown one, at most.
const BACKGROUND_FOLDS: usize = 20;

/// Draws the loss chart.
pub fn render_loss(app: &App, area: Rect, buf: &mut Buffer) {
    render(app, area, buf, Quantity::Loss);
}

/// Draws the accuracy (or mae) chart.
pub fn render_metric(app: &App, area: Rect, buf: &mut Buffer) {
    render(app, area, buf, Quantity::Metric);
}

/// Draws the forecast of a series (`--window`): the shown fold's held-out targets and
/// the predictions after its latest epoch, against time (the window's place).
pub fn render_forecast(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    let shown = app.shown_fold();
    let fold = shown.and_then(|i| app.folds.get(i));
    let forecast =
        fold.and_then(|f| f.last.as_ref()).and_then(|r| r.forecast.as_ref().map(|fc| (r.epoch, fc)));
    let Some((epoch, forecast)) = forecast.filter(|(_, f)| !f.actual.is_empty()) else {
        let block = panel(" Forecast ", theme);
        let inner = block.inner(area);
        block.render(area, buf);
        note_for_missing(
            app,
            "waiting for the first held-out forecast",
            "no held-out windows to forecast",
            inner,
            buf,
        );
        return;
    };
    let point = |(i, &v): (usize, &f32)| ((forecast.first + i) as f64, f64::from(v));
    let actual: Vec<(f64, f64)> = forecast.actual.iter().enumerate().map(point).collect();
    let predicted: Vec<(f64, f64)> = forecast.predicted.iter().enumerate().map(point).collect();
    let mae =
        forecast.actual.iter().zip(&forecast.predicted).map(|(a, p)| f64::from((a - p).abs())).sum::<f64>()
            / forecast.actual.len() as f64;
    let (actual_mark, predicted_mark) = if theme.color { ("", "") } else { (" •", " ⠒") };
    let parts = vec![
        (0, Span::raw(" Forecast ")),
        (2, Span::styled(format!("fold {} ", shown.unwrap_or(0) + 1), theme.quiet())),
        (1, Span::styled(format!("epoch {epoch} "), theme.quiet())),
        (0, Span::styled(format!("actual{actual_mark} "), theme.validation())),
        (0, Span::styled(format!("predicted{predicted_mark} "), theme.train())),
        (1, Span::styled(format!("mae {mae:.4} "), theme.quiet())),
    ];
    let title = fitted_title(parts, usize::from(area.width.saturating_sub(2)));
    let (low, high) = actual
        .iter()
        .chain(&predicted)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, y)| (lo.min(y), hi.max(y)));
    let pad = ((high - low) * 0.05).max(1e-3);
    let (low, high) = (low - pad, high + pad);
    let first = forecast.first as f64;
    let last = (forecast.first + forecast.actual.len().max(2) - 1) as f64;
    let datasets = vec![
        Dataset::default()
            .data(&actual)
            .graph_type(GraphType::Line)
            .marker(Marker::Braille)
            .style(theme.validation()),
        Dataset::default()
            .data(&predicted)
            .graph_type(GraphType::Line)
            .marker(Marker::Braille)
            .style(theme.train()),
    ];
    let label = |v: f64| Span::styled(short(v), theme.quiet());
    Chart::new(datasets)
        .block(panel(title, theme))
        .x_axis(Axis::default().bounds([first, last]).style(theme.quiet()).labels([
            Span::styled(format!("{}", forecast.first), theme.quiet()),
            Span::styled("window".to_string(), theme.quiet()),
            Span::styled(format!("{}", forecast.first + forecast.actual.len() - 1), theme.quiet()),
        ]))
        .y_axis(Axis::default().bounds([low, high]).style(theme.quiet()).labels([label(low), label(high)]))
        .render(area, buf);
}

/// The chart's lines in a fold: the first drawn solid (training), the second dotted
/// (validation, or a group's second tag); an empty series where the fold has none.
fn series<'a>(fold: &'a FoldView, lines: &[(String, bool)]) -> (&'a Series, &'a Series) {
    static EMPTY: std::sync::LazyLock<Series> = std::sync::LazyLock::new(Series::new);
    let get = |i: usize| lines.get(i).and_then(|(name, _)| fold.series.get(name)).unwrap_or(&EMPTY);
    (get(0), get(1))
}

/// The legend's words for a chart's two lines: `train`/`val`, or a group's tag names
/// (`train`/`test` for `Loss/train`, `Loss/test`).
fn line_names(lines: &[(String, bool)]) -> (String, String) {
    let word = |i: usize, default: &str| {
        lines
            .get(i)
            .and_then(|(name, _)| name.split_once('/'))
            .map_or_else(|| default.to_string(), |(_, tag)| tag.to_string())
    };
    (word(0, "train"), word(1, "val"))
}

/// A chart's title: the subject as written (`Loss`, `Accuracy`, `epoch_auc`, `Loss/*`).
fn chart_name(subject: &str) -> String {
    match subject {
        "loss" => "Loss".into(),
        "accuracy" => "Accuracy".into(),
        "mae" => "MAE".into(),
        other => other.trim_end_matches("/*").to_string(),
    }
}

/// Whether a subject's values are fractions shown as percentages (accuracies).
fn is_fraction(subject: &str, series: &[&Series]) -> bool {
    let words = subject.to_ascii_lowercase();
    let accuracy = words.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == "accuracy" || w == "acc");
    accuracy && series.iter().filter_map(|s| s.range()).all(|(lo, hi)| lo >= 0.0 && hi <= 1.0)
}

fn render(app: &App, area: Rect, buf: &mut Buffer, quantity: Quantity) {
    let theme = app.screen.theme;
    let chart = app.chart_lines(quantity == Quantity::Loss);
    let default_name = match (quantity, &app.info) {
        (Quantity::Loss, _) => "loss",
        (Quantity::Metric, Some(info)) => info.metric.name(),
        (Quantity::Metric, None) => "metric",
    };
    let name = chart_name(chart.as_ref().map_or(default_name, |(subject, _)| subject.as_str()));
    let log = quantity == Quantity::Loss && app.screen.log_scale;
    let shown = app.shown_fold();
    let lines = chart.as_ref().map(|(_, lines)| lines.clone()).unwrap_or_default();
    let Some((index, fold)) = shown.and_then(|i| app.folds.get(i).map(|f| (i, f))).filter(|(_, f)| {
        let (t, v) = series(f, &lines);
        !t.is_empty() || !v.is_empty()
    }) else {
        let block = panel(format!(" {name} "), theme);
        let inner = block.inner(area);
        block.render(area, buf);
        note_for_missing(app, "waiting for the first epoch", "no epoch finished", inner, buf);
        return;
    };
    let (train, validation) = series(fold, &lines);
    let (train_word, validation_word) = line_names(&lines);
    let subject = chart.as_ref().map_or("", |(subject, _)| subject.as_str());
    let fraction = is_fraction(subject, &[train, validation]);
    let format_value = |v: f64| if fraction { format!("{:.2}%", 100.0 * v) } else { format!("{v:.4}") };
    // The legend is the title: each line's name (with its marker when there is no
    // colour to tell them apart) and latest value. Parts that do not fit are left out,
    // least important first; a value is never cut.
    let (train_mark, validation_mark) = if theme.color { ("", "") } else { (" ⠒", " •") };
    let mut parts: Vec<(u8, Span)> = vec![(0, Span::raw(format!(" {name} ")))];
    parts.push((3, Span::styled(format!("fold {} ", index + 1), theme.quiet())));
    // With the cursor on, the title reads the values at its epoch instead of the latest.
    let at_cursor = |series: &Series| app.screen.cursor.and_then(|step| series.value_at(step as f64));
    if let Some(epoch) = app.screen.cursor {
        parts.push((1, Span::styled(format!("@{epoch} "), theme.key())));
    }
    let (train_value, validation_value) = match app.screen.cursor {
        Some(_) => (at_cursor(train), at_cursor(validation)),
        None => (train.latest(), validation.latest()),
    };
    if let Some(value) = train_value {
        parts.push((
            1,
            Span::styled(format!("{train_word}{train_mark} {} ", format_value(value)), theme.train()),
        ));
    }
    if let Some(value) = validation_value {
        parts.push((
            2,
            Span::styled(
                format!("{validation_word}{validation_mark} {} ", format_value(value)),
                theme.validation(),
            ),
        ));
    }
    if log {
        parts.push((4, Span::styled("log ", theme.quiet())));
    }
    let weight = SMOOTHING[app.screen.smoothing % SMOOTHING.len()];
    if weight > 0.0 {
        parts.push((4, Span::styled(format!("smooth {weight} "), theme.quiet())));
    }
    let unit = if app.stored.as_ref().is_some_and(|s| !s.epochs) { "steps" } else { "epochs" };
    if let Some((first, last)) = app.x_range() {
        parts.push((4, Span::styled(format!("{unit} {first}-{last} "), theme.quiet())));
    }
    if !fold.markers.is_empty() {
        parts.push((6, Span::styled("| change ", theme.marker())));
    }
    let best = best_epoch(app, fold, &lines);
    if let Some(epoch) = best {
        parts.push((5, Span::styled(format!("| best {epoch} "), theme.best())));
    }
    if !fold.policy_marks.is_empty() {
        parts.push((7, Span::styled("| policy ", theme.policy())));
    }
    let title = fitted_title(parts, usize::from(area.width.saturating_sub(2)));

    let transform = |v: f64| if log { v.max(1e-12).log10() } else { v };
    let transformed = |s: &Series| s.points().into_iter().map(|(x, y)| (x, transform(y))).collect::<Vec<_>>();
    let background: Vec<Vec<(f64, f64)>> = app
        .folds
        .iter()
        .enumerate()
        .filter(|&(i, f)| i != index && f.has_values() && !app.screen.hide_other_folds)
        .take(BACKGROUND_FOLDS)
        .flat_map(|(_, f)| {
            let (t, v) = series(f, &lines);
            [transformed(t), transformed(v)]
        })
        .filter(|points| !points.is_empty())
        .collect();
    // Smoothed, the raw lines stay faint behind the smoothed ones.
    let raw_train = transformed(train);
    let raw_validation = transformed(validation);
    let (train_points, validation_points) = if weight > 0.0 {
        (smooth(&raw_train, weight), smooth(&raw_validation, weight))
    } else {
        (raw_train.clone(), raw_validation.clone())
    };
    let raw: Vec<&Vec<(f64, f64)>> =
        if weight > 0.0 { vec![&raw_train, &raw_validation] } else { Vec::new() };

    // nntui's own runs: the epochs the run will do; a stored run: the steps it has.
    let epochs = app.info.as_ref().map(|i| i.config.epochs as f64);
    let drawn = [&raw_train, &raw_validation].into_iter().flatten().map(|p| p.0);
    let (first_step, last_step) =
        drawn.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let x_bounds = match (app.x_range(), epochs) {
        (Some((first, last)), _) if last > first => [first as f64, last as f64],
        (_, Some(epochs)) if epochs > 1.0 => [1.0, epochs],
        (_, None) if last_step > first_step => [first_step, last_step],
        _ => [0.0, 1.0],
    };
    // The y range follows what is visible.
    let visible = |&&(x, _): &&(f64, f64)| x >= x_bounds[0] && x <= x_bounds[1];
    let (mut low, mut high) = [&train_points, &validation_points]
        .into_iter()
        .chain(background.iter())
        .chain(raw.iter().copied())
        .flat_map(|points| points.iter().filter(visible))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, y)| (lo.min(y), hi.max(y)));
    if !low.is_finite() {
        (low, high) = (0.0, 1.0);
    }
    let pad = ((high - low) * 0.05).max(if log { 0.05 } else { 1e-3 });
    low -= pad;
    high += pad;
    // Losses, errors and scores are never negative: the axis stops at 0 (a log axis
    // has no 0; a series that goes below 0 keeps its range).
    let negative = [train, validation].iter().any(|s| s.range().is_some_and(|(lo, _)| lo < 0.0));
    if !log && !negative {
        low = low.max(0.0);
    }
    if fraction && !log {
        high = high.min(1.0);
    }

    let vertical = |at: f64| {
        let x = at.clamp(x_bounds[0], x_bounds[1]);
        vec![(x, low), (x, high)]
    };
    let markers: Vec<Vec<(f64, f64)>> = fold.markers.iter().map(|m| vertical(m.at)).collect();
    // Callbacks act often (a reduction every few epochs): a short tick from the top edge
    // marks each, so that they do not bury the curves under full-height lines.
    let tick = |at: f64| {
        let x = at.clamp(x_bounds[0], x_bounds[1]);
        vec![(x, high - (high - low) * 0.1), (x, high)]
    };
    let policy_marks: Vec<Vec<(f64, f64)>> = fold.policy_marks.iter().map(|m| tick(m.at)).collect();
    let best_mark: Option<Vec<(f64, f64)>> = best.map(|epoch| vertical(epoch as f64));
    let cursor_mark: Option<Vec<(f64, f64)>> = app.screen.cursor.map(|epoch| vertical(epoch as f64));

    let mut datasets: Vec<Dataset> = background
        .iter()
        .map(|points| {
            Dataset::default()
                .data(points)
                .graph_type(GraphType::Line)
                .marker(Marker::Braille)
                .style(theme.dimmed())
        })
        .collect();
    // Manual changes in one colour, policies' actions in another, the best epoch in a third.
    let verticals = markers
        .iter()
        .map(|points| (points, theme.marker()))
        .chain(policy_marks.iter().map(|points| (points, theme.policy())))
        .chain(best_mark.iter().map(|points| (points, theme.best())))
        .chain(cursor_mark.iter().map(|points| (points, theme.key())));
    for (points, style) in verticals {
        datasets.push(
            Dataset::default().data(points).graph_type(GraphType::Line).marker(Marker::Braille).style(style),
        );
    }
    for points in &raw {
        datasets.push(
            Dataset::default()
                .data(points)
                .graph_type(GraphType::Line)
                .marker(Marker::Braille)
                .style(theme.dimmed()),
        );
    }
    if !validation_points.is_empty() {
        // Without colour the validation line is drawn in dots, the training line in braille.
        let marker = if theme.color { Marker::Braille } else { Marker::Dot };
        datasets.push(
            Dataset::default()
                .data(&validation_points)
                .graph_type(GraphType::Line)
                .marker(marker)
                .style(theme.validation()),
        );
    }
    datasets.push(
        Dataset::default()
            .data(&train_points)
            .graph_type(GraphType::Line)
            .marker(Marker::Braille)
            .style(theme.train()),
    );

    let label = |v: f64| {
        let value = if log { 10f64.powf(v) } else { v };
        if fraction { format!("{:.0}%", 100.0 * value) } else { short(value) }
    };
    let middle = f64::midpoint(low, high);
    let x_middle = f64::midpoint(x_bounds[0], x_bounds[1]).round();
    let chart = Chart::new(datasets)
        .block(panel(title, theme))
        .x_axis(Axis::default().bounds(x_bounds).style(theme.quiet()).labels([
            Span::raw(format!("{}", x_bounds[0])),
            Span::raw(format!("{x_middle}")),
            Span::raw(format!("{}", x_bounds[1])),
        ]))
        .y_axis(Axis::default().bounds([low, high]).style(theme.quiet()).labels([
            Span::raw(label(low)),
            Span::raw(label(middle)),
            Span::raw(label(high)),
        ]))
        .legend_position(None);
    chart.render(area, buf);
    if let Some(epoch) = app.screen.cursor {
        cursor_box(app, &lines, epoch, &format_value, area, buf);
    }
}

/// The best epoch to mark: early stopping's (the one it kept, or its best so far) in
/// nntui's runs; in a stored run, the best step of the chart's validation line (or its
/// training line), by the one rule.
#[allow(clippy::cast_possible_truncation, reason = "steps are whole numbers")]
fn best_epoch(app: &App, fold: &FoldView, lines: &[(String, bool)]) -> Option<usize> {
    if app.info.is_some() {
        if let Some(restored) = fold.report.as_ref().and_then(|r| r.restored_epoch) {
            return Some(restored);
        }
        return fold.last.as_ref()?.policies.as_ref()?.early_stopping.as_ref()?.best.map(|(_, epoch)| epoch);
    }
    let name = lines.get(1).filter(|(n, _)| fold.series.get(n).is_some()).or(lines.first())?;
    fold.series.get(&name.0)?.best(&name.0).map(|p| p.step.max(0.0) as usize)
}

/// With the cursor on and other folds drawn: a small box, top right, with every drawn
/// fold's training / validation value at the cursor's epoch.
fn cursor_box(
    app: &App,
    chart: &[(String, bool)],
    epoch: usize,
    format: &dyn Fn(f64) -> String,
    area: Rect,
    buf: &mut Buffer,
) {
    if app.screen.hide_other_folds || app.folds.len() < 2 {
        return;
    }
    let lines: Vec<String> = app
        .folds
        .iter()
        .enumerate()
        .filter(|(_, f)| f.has_values())
        .filter_map(|(i, f)| {
            let (train, validation) = series(f, chart);
            let at = epoch as f64;
            let train = train.value_at(at)?;
            let validation = validation.value_at(at).map_or_else(|| "-".to_string(), format);
            Some(format!("f{} {} / {}", i + 1, format(train), validation))
        })
        .collect();
    let width =
        u16::try_from(lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 2).unwrap_or(u16::MAX);
    let room = area.height.saturating_sub(4);
    if lines.is_empty() || width + 10 > area.width || room < 3 {
        return;
    }
    let height = (u16::try_from(lines.len()).unwrap_or(u16::MAX) + 2).min(room);
    let overlay = Rect { x: area.right() - width - 1, y: area.y + 1, width, height };
    ratatui::widgets::Clear.render(overlay, buf);
    let block = panel(Span::styled(format!(" @{epoch} "), app.screen.theme.key()), app.screen.theme);
    let inner = block.inner(overlay);
    block.render(overlay, buf);
    let text: Vec<Line> = lines.into_iter().map(Line::from).collect();
    ratatui::widgets::Paragraph::new(text).render(inner, buf);
}
