//! The header: data, network, optimizer and live settings, progress and state.

use super::app::{App, Mode, short};
use super::ui::{clock, fitted_pairs, pairs};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// The state as one word with a symbol.
pub fn state_text(mode: &Mode) -> &'static str {
    match mode {
        Mode::Starting => "starting",
        Mode::Running => "running",
        Mode::Paused => "paused",
        Mode::Done => "done",
        Mode::Failed(_) => "failed",
    }
}

/// Draws the three header lines into `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    let [left, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(12)]).areas(area);
    let state =
        Span::styled(format!("[{}]", state_text(&app.mode)), super::ui::state_style(theme, &app.mode));
    Paragraph::new(Line::from(state)).right_aligned().render(right, buf);

    if let (None, Some(stored)) = (&app.info, &app.stored) {
        stored_lines(app, stored, left, buf);
        return;
    }
    let Some(info) = &app.info else {
        let line = pairs(theme, &[("nntui", app.source.clone()), ("", "starting...".into())]);
        Paragraph::new(line).render(left, buf);
        return;
    };
    // Each line lists the most important items first and keeps those that fit.
    let width = usize::from(left.width);
    let data = &info.dataset;
    let plan = match (info.folds > 1, info.config.window.is_some()) {
        (true, true) => format!("{}-fold time CV", info.folds),
        (true, false) => format!("{}-fold CV", info.folds),
        (false, _) => "single fit".into(),
    };
    let task = match data.class_names.len() {
        0 => data.task.to_string(),
        classes => format!("{} ({classes} classes)", data.task),
    };
    let shape = data.shape();
    let first =
        fitted_pairs(theme, &[("nntui", data.source.clone()), ("", plan), ("", shape), ("", task)], width);

    let config = &info.config;
    let regularization = match (app.steering.live.l1, app.steering.live.l2) {
        (0.0, 0.0) => "none".to_string(),
        (0.0, l2) => format!("L2 {}", short(l2)),
        (l1, 0.0) => format!("L1 {}", short(l1)),
        (l1, l2) => format!("L1 {} L2 {}", short(l1), short(l2)),
    };
    let shown = app.shown_fold();
    let current_rate =
        shown.and_then(|f| app.folds.get(f)).and_then(|f| f.last.as_ref()).map(|r| r.learning_rate);
    let mut rate = short(app.steering.live.learning_rate);
    // The rate in force: after a schedule's decay or ReduceLROnPlateau's reductions.
    let live_rate = app.steering.live.learning_rate;
    let scheduled = config.decay.is_some() || config.policies.reduce_lr_on_plateau.is_some();
    if let Some(now) = current_rate.filter(|&r| scheduled && (r - live_rate).abs() > 1e-9 * live_rate.abs()) {
        rate = format!("{rate} (now {})", short(now));
    }
    let network = format!("{}, {} params", info.model.arrows(), info.model.total_parameters());
    let second = fitted_pairs(
        theme,
        &[
            ("", config.optimizer.kind.name().to_string()),
            ("lr", rate),
            ("reg", regularization),
            ("", network),
            ("batch", info.batch_size.to_string()),
        ],
        width,
    );

    let (done, total) = app.progress();
    let epoch = shown.and_then(|f| app.folds.get(f)).map_or(0, super::app::FoldView::epochs_done);
    let speed = match app.epochs_per_second() {
        Some(rate) => format!("{rate:.1}/s"),
        None => "-".into(),
    };
    // Why a run is slower than the machine: the pace is a choice, and `f` undoes it.
    let pace = match app.steering.live.pace {
        Some(pace) if app.recorded => format!("{} epochs/s", short(pace)),
        Some(pace) => format!("{} epochs/s (f: full speed)", short(pace)),
        None => "full speed".into(),
    };
    let eta = match app.eta() {
        Some(eta) if app.mode == Mode::Running => clock(eta),
        _ => "-".into(),
    };
    let percent = (100 * done).checked_div(total).unwrap_or(0);
    let third = fitted_pairs(
        theme,
        &[
            ("fold", format!("{}/{}", shown.map_or(0, |f| f + 1), info.folds)),
            ("epoch", format!("{epoch}/{}", config.epochs)),
            ("pace", pace),
            ("speed", speed),
            ("eta", eta),
            ("elapsed", clock(app.elapsed())),
            ("done", format!("{percent}%")),
        ],
        width,
    );
    let mut lines = vec![first, second, third];
    if height(app) > 3 {
        lines.push(policy_line(app, width));
    }
    Paragraph::new(lines).render(left, buf);
}

/// A run read from the store: its name and what wrote it; its settings or
/// hyperparameters; the shown fold, its steps, series and what was skipped.
fn stored_lines(app: &App, stored: &super::app::Stored, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    let width = usize::from(area.width);
    let series = app
        .folds
        .iter()
        .flat_map(|f| f.series.series.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let first = fitted_pairs(
        theme,
        &[("nntui view", app.source.clone()), ("", stored.kind.to_string()), ("", stored.state.to_string())],
        width,
    );
    let settings: Vec<(&str, String)> = if stored.params.is_empty() {
        vec![("settings", "none recorded".to_string())]
    } else {
        stored.params.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()
    };
    let second = fitted_pairs(theme, &settings, width);
    let shown = app.shown_fold();
    let fold = shown.and_then(|f| app.folds.get(f));
    let unit = if stored.epochs { "epoch" } else { "step" };
    let points: u64 = fold.map_or(0, |f| f.series.series.values().map(|s| s.count).sum());
    let mut third = vec![
        (unit, fold.map_or(0, super::app::FoldView::epochs_done).to_string()),
        ("series", series.to_string()),
        ("values", points.to_string()),
    ];
    if app.folds.len() > 1 {
        third.insert(0, ("fold", format!("{}/{}", shown.map_or(0, |f| f + 1), app.folds.len())));
    }
    if !stored.histograms.is_empty() {
        third.push(("histograms", stored.histograms.len().to_string()));
    }
    if stored.skipped > 0 {
        third.push(("skipped", stored.skipped.to_string()));
    }
    let third = fitted_pairs(theme, &third, width);
    Paragraph::new(vec![first, second, third]).render(area, buf);
}

/// Rows the header takes: a fourth for the policies' state when any are active.
pub fn height(app: &App) -> u16 {
    let policies = app.info.as_ref().map(|i| &i.config.policies);
    if policies.is_some_and(|p| p.early_stopping.is_some() || p.reduce_lr_on_plateau.is_some()) {
        4
    } else {
        3
    }
}

/// Early stopping's patience used, best value and epoch; ReduceLROnPlateau's wait and
/// cooldown: the shown fold's, after its last epoch.
fn policy_line(app: &App, width: usize) -> Line<'static> {
    let theme = app.screen.theme;
    let state = app
        .shown_fold()
        .and_then(|f| app.folds.get(f))
        .and_then(|f| f.last.as_ref())
        .and_then(|r| r.policies.clone());
    let policies = app.info.as_ref().map(|i| i.config.policies.clone()).unwrap_or_default();
    let mut items: Vec<(&str, String)> = Vec::new();
    if let Some(spec) = &policies.early_stopping {
        let early = state.as_ref().and_then(|s| s.early_stopping.clone());
        let (wait, patience) = early.as_ref().map_or((0, spec.patience), |e| (e.wait, e.patience));
        let on = early.as_ref().is_none_or(|e| e.enabled);
        items.push((
            "early stopping",
            format!("{} patience {wait}/{patience}{}", spec.monitor, if on { "" } else { " (off)" }),
        ));
        if let Some((value, epoch)) = early.and_then(|e| e.best) {
            items.push(("best", format!("{} at {epoch}", super::app::three_digits(value))));
        }
    }
    if let Some(spec) = &policies.reduce_lr_on_plateau {
        let plateau = state.as_ref().and_then(|s| s.plateau.clone());
        let (wait, cooldown) = plateau.map_or((0, 0), |p| (p.wait, p.cooldown));
        items.push(("plateau", format!("{} wait {wait}/{}", spec.monitor, spec.patience)));
        items.push(("cooldown", format!("{cooldown}/{}", spec.cooldown)));
    }
    let mut line = fitted_pairs(theme, &items, width);
    line.style = theme.policy();
    line
}
