//! A study's figures in the terminal (the plots of optuna-dashboard): the objective over
//! trials with the best so far, and parallel coordinates coloured by the objective.
//! Pruned trials are drawn apart (dim, small). Pure drawing from [`Figures`].

use super::ui::{Theme, panel};
use crate::runs::trials::Figures;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::canvas::{Canvas, Line as CanvasLine};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

/// Colours from the worst objective to the best (the best drawn last, on top).
const RAMP: [Color; 5] = [Color::Blue, Color::LightBlue, Color::Cyan, Color::LightGreen, Color::Yellow];

/// The ramp's colour for a place from worst (0) to best (1).
#[allow(clippy::cast_possible_truncation, reason = "a place in 0..=1")]
pub fn ramp(goodness: f64) -> Color {
    RAMP[((goodness.clamp(0.0, 1.0) * (RAMP.len() - 1) as f64).round() as usize).min(RAMP.len() - 1)]
}

/// The objective of each finished trial by its number (complete trials as dots in their
/// run's colour, pruned ones small and dim), and the best complete trial so far as a line.
pub fn history(
    figures: &Figures,
    colour: &dyn Fn(usize) -> Color,
    theme: Theme,
    short: &dyn Fn(f64) -> String,
    area: Rect,
    buf: &mut Buffer,
) {
    let complete: Vec<((f64, f64), Style)> = figures
        .points
        .iter()
        .filter(|p| !p.pruned)
        .map(|p| {
            (
                (p.trial as f64, p.value),
                if theme.color { Style::new().fg(colour(p.run)) } else { Style::new() },
            )
        })
        .collect();
    let dots: Vec<[(f64, f64); 1]> = complete.iter().map(|(xy, _)| [*xy]).collect();
    let pruned: Vec<(f64, f64)> =
        figures.points.iter().filter(|p| p.pruned).map(|p| (p.trial as f64, p.value)).collect();
    let best = figures.best_so_far();
    let mut datasets: Vec<Dataset> = vec![
        Dataset::default()
            .data(&pruned)
            .graph_type(GraphType::Scatter)
            .marker(Marker::Braille)
            .style(theme.dimmed()),
    ];
    datasets.extend(dots.iter().zip(&complete).map(|(data, (_, style))| {
        Dataset::default().data(data).graph_type(GraphType::Scatter).marker(Marker::Dot).style(*style)
    }));
    datasets.push(
        Dataset::default()
            .data(&best)
            .graph_type(GraphType::Line)
            .marker(Marker::Braille)
            .style(theme.best()),
    );
    let (low, high) = figures.value_range();
    let pad = ((high - low) * 0.05).max(1e-9);
    let last = figures.points.iter().map(|p| p.trial).max().unwrap_or(0) as f64;
    let x_high = last.max(1.0);
    let counts = format!(
        " {} by trial: • {} complete  ⠂ {} pruned  ─ best so far ",
        figures.objective,
        complete.len(),
        pruned.len()
    );
    Chart::new(datasets)
        .block(panel(counts, theme))
        .x_axis(Axis::default().bounds([0.0, x_high]).style(theme.quiet()).labels([
            Span::raw("0"),
            Span::raw(format!("{:.0}", x_high / 2.0)),
            Span::raw(format!("{x_high:.0}")),
        ]))
        .y_axis(
            Axis::default()
                .bounds([low - pad, high + pad])
                .style(theme.quiet())
                .labels([Span::raw(short(low)), Span::raw(short(high))]),
        )
        .legend_position(None)
        .render(area, buf);
}

/// Parallel coordinates: an axis per searched option and one for the objective, each
/// trial a line through its values, coloured from the worst objective (blue) to the best
/// (yellow); pruned trials dim, beneath. Numbers on log axes are labelled as the option
/// takes them (`1e-3`), choices by name.
pub fn parallel(
    figures: &Figures,
    theme: Theme,
    short: &dyn Fn(f64) -> String,
    area: Rect,
    buf: &mut Buffer,
) {
    let names: Vec<&String> = figures.scales.keys().collect();
    let axes = names.len() + 1;
    let span = (axes - 1).max(1) as f64;
    // Drawn worst first, so that the best trials' lines lie on top.
    let mut order: Vec<usize> = (0..figures.points.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&figures.points[a], &figures.points[b]);
        pb.pruned.cmp(&pa.pruned).then(figures.goodness(pa.value).total_cmp(&figures.goodness(pb.value)))
    });
    let (low, high) = figures.value_range();
    let objective_place = |v: f64| if high > low { (v - low) / (high - low) } else { 0.5 };
    let inner_width = usize::from(area.width.saturating_sub(2));
    let room = (inner_width / axes).saturating_sub(1).max(3);
    let cut = |text: String| -> String {
        if text.chars().count() > room { text.chars().take(room).collect() } else { text }
    };
    let title = if theme.color {
        format!(
            " parallel coordinates of {} trials (yellow: best {}) ",
            figures.points.len(),
            figures.objective
        )
    } else {
        format!(" parallel coordinates of {} trials ", figures.points.len())
    };
    // Room after the last axis for its labels: `x_high - span` holds `room + 1` of the
    // `inner_width` characters across the bounds.
    let x_low = -0.02 * span;
    let share = ((room + 1) as f64 / inner_width.max(1) as f64).min(0.5);
    let x_high = (span - share * x_low) / (1.0 - share);
    Canvas::default()
        .block(panel(title, theme))
        .marker(Marker::Braille)
        .x_bounds([x_low, x_high])
        .y_bounds([-0.16, 1.1])
        .paint(|ctx| {
            for i in 0..axes {
                let x = i as f64;
                ctx.draw(&CanvasLine {
                    x1: x,
                    y1: 0.0,
                    x2: x,
                    y2: 1.0,
                    color: if theme.color { Color::DarkGray } else { Color::Reset },
                });
            }
            ctx.layer();
            for &i in &order {
                let point = &figures.points[i];
                let values = &figures.values[i];
                let color = if !theme.color {
                    Color::Reset
                } else if point.pruned {
                    Color::DarkGray
                } else {
                    ramp(figures.goodness(point.value))
                };
                let places: Vec<Option<f64>> = names
                    .iter()
                    .map(|name| values.get(*name).and_then(|text| figures.scales[*name].place(text)))
                    .chain(std::iter::once(Some(objective_place(point.value))))
                    .collect();
                for (a, pair) in places.windows(2).enumerate() {
                    if let [Some(y1), Some(y2)] = pair {
                        ctx.draw(&CanvasLine { x1: a as f64, y1: *y1, x2: a as f64 + 1.0, y2: *y2, color });
                    }
                }
            }
            ctx.layer();
            let quiet = theme.quiet();
            // Too few rows to hold both the low ends and the names apart: names only.
            let low_ends = area.height >= 14;
            for (i, name) in names.iter().enumerate() {
                let scale = &figures.scales[*name];
                let x = i as f64;
                ctx.print(x, 1.08, Span::styled(cut(scale.label(1.0, short)), quiet));
                if low_ends {
                    ctx.print(x, -0.02, Span::styled(cut(scale.label(0.0, short)), quiet));
                }
                ctx.print(x, -0.12, Span::raw(cut((*name).clone())));
            }
            let x = (axes - 1) as f64;
            ctx.print(x, 1.08, Span::styled(cut(short(high)), quiet));
            if low_ends {
                ctx.print(x, -0.02, Span::styled(cut(short(low)), quiet));
            }
            ctx.print(x, -0.12, Span::styled(cut(figures.objective.clone()), theme.best()));
        })
        .render(area, buf);
}
