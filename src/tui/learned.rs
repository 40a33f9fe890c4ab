//! What the model learned, in the right-hand panel (`v`): the confusion matrix with the
//! ROC curve (two classes) or each class's precision and recall, and the decision map
//! over two features (a regression's fitted curve along one).

use super::app::App;
use super::app::short;
use super::ui::{fitted_title, note_for_missing, panel};
use crate::train::{DecisionMap, LearnedReport};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Widget};

/// The shown fold's latest pictures, with the fold's number.
fn shown(app: &App) -> (usize, Option<&LearnedReport>) {
    let fold = app.shown_fold().unwrap_or(0);
    (fold, app.folds.get(fold).and_then(|f| f.learned.as_deref()))
}

/// A panel's frame with a title fitted to it; returns the inside.
fn frame(parts: Vec<(u8, Span<'_>)>, app: &App, area: Rect, buf: &mut Buffer) -> Rect {
    let block = panel(fitted_title(parts, usize::from(area.width.saturating_sub(2))), app.screen.theme);
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// The confusion matrix, and under it the ROC curve (two classes) or the classes'
/// precision and recall.
pub fn render_learned(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    let (fold, learned) = shown(app);
    let Some(learned) = learned.filter(|l| !l.confusion.is_empty()) else {
        let inner = frame(vec![(0, Span::raw(" Learned "))], app, area, buf);
        note_for_missing(
            app,
            "waiting for the first epoch's predictions",
            "no predictions of classes came",
            inner,
            buf,
        );
        return;
    };
    let rows: u64 = learned.confusion.iter().flatten().sum();
    let whose = if learned.held_out { "held-out" } else { "training" };
    let mut parts = vec![
        (0, Span::raw(" Learned ")),
        (3, Span::styled(format!("fold {} ", fold + 1), theme.quiet())),
        (1, Span::styled(format!("epoch {} ", learned.epoch), theme.quiet())),
        (2, Span::styled(format!("{whose} {rows} rows "), theme.quiet())),
    ];
    if let Some(auc) = learned.roc_auc {
        parts.push((0, Span::styled(format!("AUC {auc:.4} "), theme.validation())));
    }
    let inner = frame(parts, app, area, buf);
    let names = app.info.as_ref().map_or_else(Vec::new, |i| i.dataset.class_names.clone());
    let matrix = matrix_lines(app, &learned.confusion, &names, usize::from(inner.width));
    let height = u16::try_from(matrix.len()).unwrap_or(u16::MAX).min(inner.height);
    let [top, bottom] = Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(inner);
    Paragraph::new(matrix).render(top, buf);
    if bottom.height < 4 {
        return;
    }
    if learned.roc.is_empty() {
        Paragraph::new(class_lines(app, &learned.confusion, &names)).render(bottom, buf);
    } else {
        render_roc(app, &learned.roc, bottom, buf);
    }
}

/// `matrix[true][predicted]` as lines: counts and each true class's row percentages,
/// the diagonal (right) bold; percentages left out, then classes, where they do not fit.
fn matrix_lines(app: &App, matrix: &[Vec<u64>], names: &[String], width: usize) -> Vec<Line<'static>> {
    let theme = app.screen.theme;
    let classes = matrix.len();
    let name = |k: usize| names.get(k).cloned().unwrap_or_else(|| k.to_string());
    let corner = "true\\pred";
    let label_width =
        (0..classes).map(|k| name(k).chars().count()).max().unwrap_or(1).clamp(corner.len(), 12);
    let count_width = matrix.iter().flatten().map(|c| c.to_string().len()).max().unwrap_or(1);
    let head_width = (0..classes).map(|k| name(k).chars().count().min(8)).max().unwrap_or(1);
    let with_share = count_width + 6;
    let fits = |cell: usize, shown: usize| label_width + 1 + shown * (cell + 1) <= width;
    let (cell, share) = if fits(with_share.max(head_width), classes) {
        (with_share.max(head_width), true)
    } else {
        (count_width.max(head_width.min(count_width.max(3))), false)
    };
    let shown = (0..=classes).rev().find(|&n| fits(cell, n)).unwrap_or(0).max(1);
    let cut = |text: String, n: usize| -> String { text.chars().take(n).collect() };
    let mut lines = Vec::new();
    let mut head = vec![Span::styled(format!("{corner:<label_width$} "), theme.quiet())];
    for k in 0..shown {
        head.push(Span::styled(format!("{:>cell$} ", cut(name(k), cell)), theme.quiet()));
    }
    if shown < classes {
        head.push(Span::styled("…", theme.quiet()));
    }
    lines.push(Line::from(head));
    for (t, row) in matrix.iter().enumerate() {
        let total: u64 = row.iter().sum();
        let mut spans =
            vec![Span::styled(format!("{:<label_width$} ", cut(name(t), label_width)), theme.quiet())];
        for (p, &count) in row.iter().enumerate().take(shown) {
            let text = if share {
                let percent = if total == 0 { 0.0 } else { 100.0 * count as f64 / total as f64 };
                format!("{count:>count_width$} {percent:>3.0}%")
            } else {
                format!("{count}")
            };
            let style = if t == p {
                theme.best().add_modifier(Modifier::BOLD)
            } else if count > 0 {
                theme.marker()
            } else {
                theme.quiet()
            };
            spans.push(Span::styled(format!("{text:>cell$} "), style));
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// Each class's precision and recall (and rows), from the matrix.
fn class_lines(app: &App, matrix: &[Vec<u64>], names: &[String]) -> Vec<Line<'static>> {
    let theme = app.screen.theme;
    let mut lines = vec![Line::from(Span::styled(
        format!("{:<12} {:>9} {:>9} {:>7}", "class", "precision", "recall", "rows"),
        theme.quiet(),
    ))];
    for (k, row) in matrix.iter().enumerate() {
        let rows: u64 = row.iter().sum();
        let predicted: u64 = matrix.iter().map(|r| r[k]).sum();
        let share =
            |a: u64, b: u64| if b == 0 { "-".to_string() } else { format!("{:.3}", a as f64 / b as f64) };
        let name: String = names.get(k).cloned().unwrap_or_else(|| k.to_string()).chars().take(12).collect();
        lines.push(Line::from(format!(
            "{name:<12} {:>9} {:>9} {rows:>7}",
            share(row[k], predicted),
            share(row[k], rows)
        )));
    }
    lines
}

fn render_roc(app: &App, roc: &[(f32, f32)], area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    let curve: Vec<(f64, f64)> = roc.iter().map(|&(x, y)| (f64::from(x), f64::from(y))).collect();
    let chance = [(0.0, 0.0), (1.0, 1.0)];
    let datasets = vec![
        Dataset::default()
            .data(&chance)
            .graph_type(GraphType::Line)
            .marker(Marker::Braille)
            .style(theme.dimmed()),
        Dataset::default()
            .name("ROC")
            .data(&curve)
            .graph_type(GraphType::Line)
            .marker(Marker::Braille)
            .style(theme.validation()),
    ];
    let label = |text: &'static str| Span::styled(text, theme.quiet());
    Chart::new(datasets)
        .hidden_legend_constraints((Constraint::Length(0), Constraint::Length(0)))
        .x_axis(
            Axis::default()
                .title(Span::styled("false positive rate", theme.quiet()))
                .bounds([0.0, 1.0])
                .style(theme.quiet())
                .labels([label("0"), label("0.5"), label("1")]),
        )
        .y_axis(
            Axis::default()
                .title(Span::styled("TPR", theme.quiet()))
                .bounds([0.0, 1.0])
                .style(theme.quiet())
                .labels([label("0"), label("1")]),
        )
        .render(area, buf);
}

/// The training rows' markers by class.
pub const MARKERS: [char; 8] = ['o', 'x', '+', '*', '#', '%', '@', '&'];

/// Without colour: the second class's probability (two classes) or the class as a
/// shade.
fn cell_shade(map: &DecisionMap, cell: usize, classes: usize) -> char {
    const SHADES: [char; 5] = [' ', '·', '░', '▒', '▓'];
    const CLASS_SHADES: [char; 8] = [' ', '░', '·', '▒', ':', '▓', '-', '='];
    if classes <= 2 {
        #[allow(clippy::cast_possible_truncation, reason = "a probability times 4.99")]
        let at = (map.second_class_probability(cell).clamp(0.0, 1.0) * 4.99) as usize;
        SHADES[at]
    } else {
        CLASS_SHADES[usize::from(map.class[cell]) % CLASS_SHADES.len()]
    }
}

/// The decision map (classes) or the fitted curve (a regression).
pub fn render_map(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    let (fold, learned) = shown(app);
    let Some((epoch, map)) = learned.and_then(|l| l.map.as_ref().map(|m| (l.epoch, m))) else {
        let inner = frame(vec![(0, Span::raw(" Map "))], app, area, buf);
        note_for_missing(app, "waiting for the first epoch's map", "no map came", inner, buf);
        return;
    };
    let feature = |i: usize| map.features.get(i).cloned().unwrap_or_default();
    let classes = app.info.as_ref().map_or(0, |i| i.dataset.class_names.len());
    if map.rows == 1 {
        render_curve(app, (fold, epoch), map, area, buf);
        return;
    }
    let parts = vec![
        (0, Span::raw(" Map ")),
        (0, Span::styled(format!("{} x {} ", feature(0), feature(1)), theme.quiet())),
        (2, Span::styled(format!("fold {} ", fold + 1), theme.quiet())),
        (1, Span::styled(format!("epoch {epoch} "), theme.quiet())),
    ];
    let inner = frame(parts, app, area, buf);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let [field, legend] = Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(inner);
    let (width, height) = (usize::from(field.width), usize::from(field.height));
    // Each terminal cell shows two of the map's pixels: the upper half as the
    // foreground of '▀', the lower as the background.
    let cell_at = |px: usize, py: usize| {
        let column = (px * map.columns / width).min(map.columns - 1);
        let row = (py * map.rows / (2 * height)).min(map.rows - 1);
        row * map.columns + column
    };
    let rgb = |(r, g, b): (u8, u8, u8)| Color::Rgb(r, g, b);
    for cy in 0..height {
        for cx in 0..width {
            let (top, bottom) = (cell_at(cx, 2 * cy), cell_at(cx, 2 * cy + 1));
            let position =
                (field.x + u16::try_from(cx).unwrap_or(0), field.y + u16::try_from(cy).unwrap_or(0));
            let Some(target) = buf.cell_mut(position) else { continue };
            if theme.color {
                target.set_char('▀').set_style(
                    Style::new().fg(rgb(map.colour(top, classes))).bg(rgb(map.colour(bottom, classes))),
                );
            } else {
                target.set_char(cell_shade(map, top, classes)).set_style(Style::new());
            }
        }
    }
    // The training rows, as markers by class on the field: at most one for every
    // three cells, so that the field stays visible in a small panel.
    let (x0, x1, y0, y1) = (map.x.0, map.x.1, map.y.0, map.y.1);
    let every = (map.points.len() * 3).div_ceil(width * height).max(1);
    for &(x, y, class) in map.points.iter().step_by(every) {
        let fx = (x - x0) / (x1 - x0);
        let fy = (y1 - y) / (y1 - y0);
        if !(0.0..1.0).contains(&fx) || !(0.0..1.0).contains(&fy) {
            continue;
        }
        #[allow(clippy::cast_possible_truncation, reason = "a position inside the field")]
        let (cx, cy) = ((fx * width as f32) as usize, (fy * height as f32) as usize);
        let position = (field.x + u16::try_from(cx).unwrap_or(0), field.y + u16::try_from(cy).unwrap_or(0));
        let Some(target) = buf.cell_mut(position) else { continue };
        let marker = MARKERS[usize::from(class) % MARKERS.len()];
        let style = if theme.color {
            let colour = map.colour(cell_at(cx, 2 * cy + 1), classes);
            Style::new().fg(Color::Black).bg(rgb(colour)).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        target.set_char(marker).set_style(style);
    }
    let names = app.info.as_ref().map_or_else(Vec::new, |i| i.dataset.class_names.clone());
    let mut key = Vec::new();
    for (k, name) in names.iter().enumerate().take(MARKERS.len()) {
        key.push(Span::styled(format!("{} ", MARKERS[k]), Style::new().add_modifier(Modifier::BOLD)));
        key.push(Span::styled(format!("{name}  "), theme.quiet()));
    }
    if classes <= 2 && names.len() == 2 {
        key.push(Span::styled(format!("shade: P({})", names[1]), theme.quiet()));
    }
    let axes = Line::from(Span::styled(
        format!(
            "{} {}..{}  {} {}..{} (up)",
            feature(0),
            short(f64::from(x0)),
            short(f64::from(x1)),
            feature(1),
            short(f64::from(y0)),
            short(f64::from(y1))
        ),
        theme.quiet(),
    ));
    Paragraph::new(vec![Line::from(key), axes]).render(legend, buf);
}

/// A regression's predictions along its one feature over the training rows.
fn render_curve(app: &App, (fold, epoch): (usize, usize), map: &DecisionMap, area: Rect, buf: &mut Buffer) {
    let theme = app.screen.theme;
    let feature = map.features.first().cloned().unwrap_or_default();
    let label = app.info.as_ref().map_or_else(String::new, |i| i.dataset.label_name.clone());
    let points: Vec<(f64, f64)> = map.points.iter().map(|&(x, y, _)| (f64::from(x), f64::from(y))).collect();
    let curve: Vec<(f64, f64)> = map
        .value
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let x = map.x.0 + (map.x.1 - map.x.0) * (i as f32 + 0.5) / map.columns as f32;
            (f64::from(x), f64::from(v))
        })
        .collect();
    let parts = vec![
        (0, Span::raw(" Fit ")),
        (0, Span::styled(format!("{label} by {feature} "), theme.quiet())),
        (2, Span::styled(format!("fold {} ", fold + 1), theme.quiet())),
        (1, Span::styled(format!("epoch {epoch} "), theme.quiet())),
        (1, Span::styled("rows • ", theme.quiet())),
        (1, Span::styled("model ⠒ ", theme.train())),
    ];
    let title = fitted_title(parts, usize::from(area.width.saturating_sub(2)));
    let datasets = vec![
        Dataset::default()
            .data(&points)
            .graph_type(GraphType::Scatter)
            .marker(Marker::Dot)
            .style(theme.validation()),
        Dataset::default()
            .data(&curve)
            .graph_type(GraphType::Line)
            .marker(Marker::Braille)
            .style(theme.train()),
    ];
    let (y0, y1) = (f64::from(map.y.0), f64::from(map.y.1));
    let pad = ((y1 - y0) * 0.05).max(1e-6);
    let axis_label = |v: f64| Span::styled(short(v), theme.quiet());
    Chart::new(datasets)
        .block(panel(title, theme))
        .x_axis(
            Axis::default()
                .bounds([f64::from(map.x.0), f64::from(map.x.1)])
                .style(theme.quiet())
                .labels([axis_label(f64::from(map.x.0)), axis_label(f64::from(map.x.1))]),
        )
        .y_axis(
            Axis::default()
                .bounds([y0 - pad, y1 + pad])
                .style(theme.quiet())
                .labels([axis_label(y0 - pad), axis_label(y1 + pad)]),
        )
        .render(area, buf);
}
